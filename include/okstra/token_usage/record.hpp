// okstra/token_usage/record.hpp — the normalised usage record every source yields.
//
// Contract: the buckets input, output, cacheWrite5m, cacheWrite1h and cacheRead
// never overlap; total() is their sum. `reasoning` is the part of `output`
// spent thinking ("of which"), never added to total. Every report is a
// grouping of the same de-duplicated records, so grand totals agree. Each
// record also says at which service tier it was billed (`tier`), so that it
// can be priced at that tier.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>

namespace okstra::token_usage {

// An interned string: records repeat a few thousand distinct session ids,
// models and folders hundreds of thousands of times, so each distinct value
// is stored once for the life of the process and a record holds a pointer
// to it (8 bytes, no allocation, equality by pointer). Each distinct value
// also has a small dense number, id(), for tables indexed by string (the
// cache encoder). Thread-safe.
class istr {
 public:
  istr() noexcept = default;
  istr(std::string_view s) : node_(intern(s)) {}  // NOLINT: implicit on purpose
  istr(const std::string& s) : istr(std::string_view(s)) {}
  istr(const char* s) : istr(std::string_view(s)) {}

  operator std::string_view() const noexcept { return view(); }  // NOLINT
  explicit operator std::string() const { return str(); }
  std::string_view view() const noexcept { return node_ ? std::string_view(text_of(node_), node_->size) : std::string_view(); }
  std::string str() const { return std::string(view()); }
  bool empty() const noexcept { return node_ == nullptr; }
  std::size_t size() const noexcept { return node_ ? node_->size : 0; }
  const char* data() const noexcept { return node_ ? text_of(node_) : nullptr; }
  // 0 for the empty string, then 1, 2, ... in order of first interning.
  std::uint32_t id() const noexcept { return node_ ? node_->id : 0; }
  static std::uint32_t count() noexcept { return registry().next.load(std::memory_order_acquire); }

  friend bool operator==(const istr& a, const istr& b) noexcept { return a.node_ == b.node_; }
  friend bool operator==(const istr& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const istr& a, const std::string& b) noexcept { return a.view() == b; }
  friend bool operator==(const istr& a, const char* b) noexcept { return a.view() == b; }
  friend std::ostream& operator<<(std::ostream& out, const istr& s) { return out << s.view(); }
  std::size_t find(std::string_view needle, std::size_t from = 0) const noexcept { return view().find(needle, from); }
  friend auto operator<=>(const istr& a, const istr& b) noexcept { return a.view() <=> b.view(); }

 private:
  struct node {  // the text (size bytes and a NUL) follows the node
    std::uint32_t size;
    std::uint32_t id;
  };
  static const char* text_of(const node* n) noexcept { return reinterpret_cast<const char*>(n + 1); }
  struct registry_t {
    std::mutex mutex;
    std::unordered_map<std::string_view, const node*> index;
    std::deque<std::unique_ptr<char[]>> blocks;  // nodes never move
    std::size_t room = 0;
    char* at = nullptr;
    std::atomic<std::uint32_t> next{1};
  };
  static registry_t& registry() {
    static registry_t r;
    return r;
  }
  static const node* intern(std::string_view s) {
    if (s.empty()) return nullptr;
    registry_t& r = registry();
    std::lock_guard guard(r.mutex);
    if (auto it = r.index.find(s); it != r.index.end()) return it->second;
    const std::size_t need = (sizeof(node) + s.size() + 1 + 7) & ~std::size_t{7};
    if (need > r.room) {
      const std::size_t block = need > 65536 ? need : 65536;
      r.blocks.emplace_back(new char[block]);
      r.at = r.blocks.back().get();
      r.room = block;
    }
    node* n = new (r.at) node{static_cast<std::uint32_t>(s.size()), r.next.load(std::memory_order_relaxed)};
    r.at += need;
    r.room -= need;
    char* text = reinterpret_cast<char*>(n + 1);
    std::memcpy(text, s.data(), s.size());
    text[s.size()] = '\0';
    r.index.emplace(std::string_view(text, s.size()), n);
    r.next.store(n->id + 1, std::memory_order_release);
    return n;
  }
  const node* node_ = nullptr;
};

}  // namespace okstra::token_usage

template <>
struct std::hash<okstra::token_usage::istr> {
  std::size_t operator()(const okstra::token_usage::istr& s) const noexcept {
    return std::hash<const void*>()(s.data());
  }
};

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

// The service tier a request was billed at (docs/usage.md, "Service tiers in
// the logs"). standard is every request the logs say nothing special of;
// fast is Claude Code's fast mode (usage.speed "fast"); priority and flex are
// OpenAI's processing tiers as Codex CLI records them. Gemini and Cursor
// records are always standard. The values are stored in the cache: append,
// never renumber.
enum class service_tier : std::uint8_t { standard, fast, priority, flex };
inline constexpr service_tier last_service_tier = service_tier::flex;

inline constexpr std::string_view service_tier_name(service_tier t) noexcept {
  switch (t) {
    case service_tier::standard: return "standard";
    case service_tier::fast: return "fast";
    case service_tier::priority: return "priority";
    case service_tier::flex: return "flex";
  }
  return "standard";
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

  // Only for sums of records that admit_within_limits() accepted: their
  // grand totals fit max_count, so no sum of a subset can wrap.
  tokens& operator+=(const tokens& o) noexcept {
    input += o.input, output += o.output, cache_write_5m += o.cache_write_5m;
    cache_write_1h += o.cache_write_1h, cache_read += o.cache_read, reasoning += o.reasoning;
    return *this;
  }
  friend bool operator==(const tokens&, const tokens&) = default;
};

// The largest token count, and the largest sum, a report holds: the largest
// signed 64-bit integer, so every JSON reader gets exact values (docs/usage.md,
// "Counts that do not fit"). A count above it, or a record whose buckets add
// up to more, is a malformed line; records that would push a grand total past
// it are skipped when the collection is admitted.
inline constexpr std::uint64_t max_count = static_cast<std::uint64_t>(INT64_MAX);

// a + b into `sum` when it stays within max_count; false (sum untouched) otherwise.
inline bool add_count(std::uint64_t a, std::uint64_t b, std::uint64_t& sum) noexcept {
  std::uint64_t s = 0;
  if (__builtin_add_overflow(a, b, &s) || s > max_count) return false;
  sum = s;
  return true;
}

// True when every bucket, the reasoning part and total() fit max_count.
inline bool fits(const tokens& t) noexcept {
  std::uint64_t total = 0;
  return t.reasoning <= max_count && add_count(total, t.input, total) && add_count(total, t.output, total) &&
         add_count(total, t.cache_write_5m, total) && add_count(total, t.cache_write_1h, total) &&
         add_count(total, t.cache_read, total);
}

// into += add when the result still fits (every bucket, reasoning and
// total()); false, with `into` unchanged, when it would not.
inline bool add_checked(tokens& into, const tokens& add) noexcept {
  tokens sum;
  const bool ok = add_count(into.input, add.input, sum.input) && add_count(into.output, add.output, sum.output) &&
                  add_count(into.cache_write_5m, add.cache_write_5m, sum.cache_write_5m) &&
                  add_count(into.cache_write_1h, add.cache_write_1h, sum.cache_write_1h) &&
                  add_count(into.cache_read, add.cache_read, sum.cache_read) &&
                  add_count(into.reasoning, add.reasoning, sum.reasoning) && fits(sum);
  if (ok) into = sum;
  return ok;
}

struct record {
  source src = source::claude;
  agent who = agent::other;
  service_tier tier = service_tier::standard;  // with src and who, in the padding before timestamp_ms
  std::int64_t timestamp_ms = 0;  // Unix milliseconds, UTC
  tokens usage;
  istr session_id;
  istr model;
  istr project;  // the working folder (cwd) the agent ran in
  // Claude Code agent teams and subagents, for `run` attribution.
  istr team_name;
  istr agent_name;
  istr agent_id;
  // A Claude Code subagent's type (its agent-<id>.meta.json agentType), for
  // per-agent-type report rows (docs/usage-reports.md, "Grouped reports").
  istr agent_type;
  // Claude Code: a hash of the entry's message id and request id, the
  // request's identity across files and machines (docs/usage-archive.md,
  // "Record identity"); 0 for other sources and entries without ids.
  std::uint64_t request_hash = 0;
  // Claude Code: a hash of the entry's message id alone (never 0 when there
  // is one). A sidechain replay of a main-thread message has another request
  // id but this message id, so a message still counted by another copy is
  // not lost when one copy's file goes (docs/usage-archive.md, "Where
  // archived records come from"). Kept in the cache's snapshots and in the
  // archive (format 2); 0 in records archived in format 1 and in records of
  // other machines' exports.
  std::uint64_t message_hash = 0;
};

// What one source contributed, for bySource in the JSON report.
struct source_stats {
  tokens usage;
  std::uint64_t files = 0;
  std::uint64_t records = 0;
  std::uint64_t skipped_lines = 0;
  std::uint64_t unreadable = 0;  // folders and files that could not be read (each also a warning)
  std::uint64_t archived = 0;    // of records, those taken from the archive (docs/usage-archive.md)
  std::uint64_t imported = 0;    // of records, those from other machines' exports (docs/usage-exchange.md)
};

}  // namespace okstra::token_usage
