// okstra/token_usage/record.hpp — the normalised usage record every source yields.
//
// Contract: the buckets input, output, cacheWrite5m, cacheWrite1h and cacheRead
// never overlap; total() is their sum. `reasoning` is the part of `output`
// spent thinking ("of which"), never added to total. Every report is a
// grouping of the same de-duplicated records, so grand totals agree.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace okstra::token_usage {

enum class source : std::uint8_t { claude, codex, gemini, cursor };
inline constexpr std::array<source, 4> all_sources = {source::claude, source::codex, source::gemini, source::cursor};

inline constexpr std::string_view source_name(source s) noexcept {
  switch (s) {
    case source::claude: return "claude";
    case source::codex: return "codex";
    case source::gemini: return "gemini";
    case source::cursor: return "cursor";
  }
  return "claude";
}

enum class agent : std::uint8_t { lead, claude_worker, codex_worker, gemini_worker, report_writer, other };

inline constexpr std::string_view agent_name(agent a) noexcept {
  switch (a) {
    case agent::lead: return "lead";
    case agent::claude_worker: return "claude-worker";
    case agent::codex_worker: return "codex-worker";
    case agent::gemini_worker: return "gemini-worker";
    case agent::report_writer: return "report-writer";
    case agent::other: return "other";
  }
  return "other";
}

struct tokens {
  std::uint64_t input = 0;
  std::uint64_t output = 0;
  std::uint64_t cache_write_5m = 0;
  std::uint64_t cache_write_1h = 0;
  std::uint64_t cache_read = 0;
  std::uint64_t reasoning = 0;  // of which output; not part of total()

  std::uint64_t total() const noexcept { return input + output + cache_write_5m + cache_write_1h + cache_read; }
  // Tokens of the prompt side, which decides the above-200k price tier.
  std::uint64_t prompt() const noexcept { return input + cache_write_5m + cache_write_1h + cache_read; }

  tokens& operator+=(const tokens& o) noexcept {
    input += o.input, output += o.output, cache_write_5m += o.cache_write_5m;
    cache_write_1h += o.cache_write_1h, cache_read += o.cache_read, reasoning += o.reasoning;
    return *this;
  }
  friend bool operator==(const tokens&, const tokens&) = default;
};

struct record {
  source src = source::claude;
  agent who = agent::other;
  std::int64_t timestamp_ms = 0;  // Unix milliseconds, UTC
  tokens usage;
  std::string session_id;
  std::string model;
  std::string project;  // the working folder (cwd) the agent ran in
  // Claude Code agent teams and subagents, for `run` attribution.
  std::string team_name;
  std::string agent_name;
  std::string agent_id;
};

// What one source contributed, for bySource in the JSON report.
struct source_stats {
  tokens usage;
  std::uint64_t files = 0;
  std::uint64_t records = 0;
  std::uint64_t skipped_lines = 0;
};

}  // namespace okstra::token_usage
