// okstra/token_usage/detail/cursor.hpp — Cursor usage: the hook, its log, merge, cache.
//
// Contract: local Cursor data has no trustworthy usage, so okstra records it
// itself. cursor-agent runs `okstra-usage cursor-hook` as its `stop` hook;
// cursor_hook_line() validates the payload read from stdin and returns the
// one JSONL line the caller appends (under the central lock, with
// okstra::fs::append_line) to `<home>/usage/cursor.jsonl`. It throws
// okstra::input_error for a payload that is not a JSON object, lacks a
// generation_id, has a token count that is not an integer in [0, max_count]
// or counts whose total does not fit.
// parse_cursor_log() / cursor::parse_more() read that log: pure functions
// over bytes, nothing thrown for bad input, resumable like the Codex parser.
//
// The log line (one JSON object, keys in this order, written by us only):
//   {"conversationId":"…","generationId":"…","model":"…","inputTokens":N,
//    "outputTokens":N,"cacheReadTokens":N,"cacheWriteTokens":N,
//    "timestamp":"YYYY-MM-DDTHH:MM:SS.mmmZ"[,"project":"/path"]}
// `project` is the first of the payload's workspace_roots, when present.
//
// Decisions (copied to docs/usage.md):
// - Hook payload: missing or null token fields are 0; a missing model is
//   written as ""; the time is the hook's run time (the payload has none).
// - Log: a line that is not a JSON object, lacks generationId or timestamp,
//   or has a token field that is not an integer in [0, max_count] (or
//   fields whose total does not fit) is skipped and counted. The same generationId twice in the log: the later line wins
//   (the hook may fire again for one generation with final counts).
// - Normalised: input = inputTokens, output = outputTokens, cacheRead =
//   cacheReadTokens, cacheWrite5m = cacheWriteTokens (Cursor reports
//   Anthropic-style buckets, input excluding cache); no reasoning split.
//   Session id = conversationId; model "" becomes "unknown"; agent other.
// - Cross-file (normally there is one log): the same generationId in several
//   files is counted once, from the largest total, then the smallest path.
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "okstra/token_usage/detail/log_format.hpp"

namespace okstra::token_usage::cursor {

struct entry {
  std::string generation_id;
  record rec;  // src cursor, session_id = conversationId
  friend bool operator==(const entry& a, const entry& b) {
    const record &x = a.rec, &y = b.rec;
    return a.generation_id == b.generation_id && x.src == y.src && x.who == y.who && x.timestamp_ms == y.timestamp_ms &&
           x.usage == y.usage && x.session_id == y.session_id && x.model == y.model && x.project == y.project &&
           x.team_name == y.team_name && x.agent_name == y.agent_name && x.agent_id == y.agent_id;
  }
};

struct format;  // the log_format below

// What the log yielded, up to `consumed` bytes; cacheable.
struct file_result : detail::parsed_file<format> {
  std::vector<entry> entries;  // first-seen order, one per generationId

  friend bool operator==(const file_result&, const file_result&) = default;
};

namespace parse_detail {

namespace scan = detail::jsonl_scan;

// A token field: absent or null is 0; anything but an integer in [0,
// max_count] is invalid (docs/usage.md, "Counts that do not fit").
inline bool token_field(const json::value& o, std::string_view key, std::uint64_t& out) noexcept {
  const json::value* v = json::find(o, key);
  out = 0;
  if (!v || v->IsNull()) return true;
  if (!v->IsUint64() || v->GetUint64() > max_count) return false;
  out = v->GetUint64();
  return true;
}

// Returns false when the line must be counted as skipped.
inline bool read_line(std::string_view line, entry& out) {
  json::document doc;
  if (!jsonl::parse_object(line, "cursor usage log line", doc)) return false;
  const auto gen = json::get_string(doc, "generationId");
  const auto ts = scan::time_at(doc, "timestamp");
  if (!gen || gen->empty() || !ts) return false;
  record& r = out.rec;
  if (!token_field(doc, "inputTokens", r.usage.input) || !token_field(doc, "outputTokens", r.usage.output) ||
      !token_field(doc, "cacheReadTokens", r.usage.cache_read) ||
      !token_field(doc, "cacheWriteTokens", r.usage.cache_write_5m) || !fits(r.usage))
    return false;
  out.generation_id = std::string(*gen);
  r.src = source::cursor;
  r.who = agent::other;
  r.timestamp_ms = *ts;
  r.session_id = scan::string_at(doc, "conversationId");
  r.model = scan::string_at(doc, "model");
  if (r.model.empty()) r.model = "unknown";
  r.project = scan::string_at(doc, "project");
  return true;
}

}  // namespace parse_detail

// The hook log as a detail::log_format (detail/log_format.hpp); the scratch
// is the index of generation ids, rebuilt once per call.
struct format {
  static constexpr std::string_view name = "cursor";
  static constexpr source src = source::cursor;
  static constexpr std::uint8_t cache_tag = 'c', cache_layout = 2;  // 2: records carry their service tier
  using file_result = cursor::file_result;
  using scratch = std::unordered_map<std::string, std::size_t>;

  static scratch scratch_for(const file_result& r) {
    scratch ix;
    for (std::size_t i = 0; i < r.entries.size(); ++i) ix[r.entries[i].generation_id] = i;
    return ix;
  }
  static bool parse_line(file_result& r, scratch& ix, std::string_view line) {
    entry e;
    if (!parse_detail::read_line(line, e)) return false;
    const auto [it, fresh] = ix.try_emplace(e.generation_id, r.entries.size());
    if (fresh) {
      r.entries.push_back(std::move(e));
    } else {
      r.entries[it->second] = std::move(e);  // later lines win
    }
    return true;
  }

  static void encode_body(const file_result& r, detail::encoder& out) {
    detail::encode_list(out, r.entries, [&](const entry& e) { out.str(e.generation_id), out.rec(e.rec); });
  }
  static void decode_body(detail::decoder& in, file_result& r) {
    detail::decode_list(in, r.entries, [&] {
      entry e;
      e.generation_id = in.str();
      e.rec = in.rec();
      return e;
    });
  }
};

// The log read as its hook appends it: parse_more() resumes at r.consumed
// (later lines of a generation replace earlier ones), parse() reads it all.
inline constexpr auto& parse_more = detail::parse_more<format>;
inline constexpr auto& parse = detail::parse_all<format>;
using jsonl::truncated_tail_lines;  // a line cut off at EOF

// ---- merge across files -------------------------------------------------------

struct merge_result : detail::merged {
  std::uint64_t duplicate_generations = 0;  // copies of a generation not counted
};

using file_ref = detail::file_ref_of<file_result>;

// Merges parsed logs (null results are ignored); the same for every order.
inline merge_result merge(const std::vector<file_ref>& files) {
  merge_result out;
  std::map<std::string, std::pair<const std::string*, const entry*>> best;  // generationId → (path, entry)
  out.skipped_lines = detail::for_each_parsed(files, [&](const file_ref& f) {
    for (const entry& e : f.second->entries) {
      const auto [it, fresh] = best.try_emplace(e.generation_id, &f.first, &e);
      if (fresh) continue;
      ++out.duplicate_generations;
      const auto& [old_path, old_entry] = it->second;
      if (detail::better_copy(e.rec.usage.total(), f.first, old_entry->rec.usage.total(), *old_path))
        it->second = {&f.first, &e};
    }
  });
  for (const auto& [id, pick] : best) out.records.push_back(pick.second->rec);
  return out;
}

}  // namespace okstra::token_usage::cursor

namespace okstra::token_usage {

// Reads `<home>/usage/cursor.jsonl` (see the contract above).
inline cursor::file_result parse_cursor_log(std::string_view bytes) { return cursor::parse(bytes); }

namespace cursor::parse_detail {

inline error payload_error(std::string_view why) {
  return input_error(quoted("malformed cursor hook payload", "stdin") + ": " + std::string(why));
}

inline std::uint64_t payload_tokens(const json::value& o, std::string_view key) {
  std::uint64_t n = 0;
  if (!token_field(o, key, n))
    throw payload_error("field \"" + std::string(key) + "\" must be a non-negative integer of at most " +
                        std::to_string(max_count));
  return n;
}

}  // namespace cursor::parse_detail

// Validates a cursor-agent `stop` hook payload and returns the log line to
// append (without '\n'). Throws okstra::input_error (see the contract).
OKSTRA_INLINE std::string cursor_hook_line(std::string_view stdin_text, std::int64_t now_ms) {
  namespace pd = cursor::parse_detail;
  const json::document doc = json::parse(stdin_text, "stdin");
  if (!doc.IsObject()) throw pd::payload_error("expected a JSON object");
  const auto gen = json::get_string(doc, "generation_id");
  if (!gen || gen->empty()) throw pd::payload_error("missing \"generation_id\"");
  const std::uint64_t input = pd::payload_tokens(doc, "input_tokens");
  const std::uint64_t output = pd::payload_tokens(doc, "output_tokens");
  const std::uint64_t cache_read = pd::payload_tokens(doc, "cache_read_tokens");
  const std::uint64_t cache_write = pd::payload_tokens(doc, "cache_write_tokens");
  tokens sum;
  sum.input = input, sum.output = output, sum.cache_read = cache_read, sum.cache_write_5m = cache_write;
  if (!fits(sum)) throw pd::payload_error("the token counts add up to more than " + std::to_string(max_count));
  json::writer w(false);
  w.begin_object();
  w.field("conversationId", json::get_string(doc, "conversation_id").value_or(""));
  w.field("generationId", *gen);
  w.field("model", json::get_string(doc, "model").value_or(""));
  w.field("inputTokens", static_cast<unsigned long long>(input));
  w.field("outputTokens", static_cast<unsigned long long>(output));
  w.field("cacheReadTokens", static_cast<unsigned long long>(cache_read));
  w.field("cacheWriteTokens", static_cast<unsigned long long>(cache_write));
  w.field("timestamp", time::format_iso8601(now_ms));
  const json::value* roots = json::find(doc, "workspace_roots");
  if (roots && roots->IsArray() && !roots->Empty() && (*roots)[0].IsString())
    w.field("project", json::as_string_view((*roots)[0]));
  w.end_object();
  return std::move(w).str();
}

// The hooks.json text that makes cursor-agent call okstra after each
// generation. The user merges it into ~/.cursor/hooks.json (adding the entry
// to an existing "stop" list rather than replacing the file). The command is
// a shell line, so a path with characters special to the shell is quoted.
OKSTRA_INLINE std::string cursor_hook_install_snippet(std::string_view path_to_okstra_usage) {
  const bool plain = !path_to_okstra_usage.empty() &&
                     std::all_of(path_to_okstra_usage.begin(), path_to_okstra_usage.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                              c == '.' || c == '_' || c == '-' || c == '+' || c == ':' || c == '@';
                     });
  std::string command;
  if (plain) {
    command = path_to_okstra_usage;
  } else {  // POSIX single quotes; an embedded ' becomes '\''
    command = "'";
    for (const char c : path_to_okstra_usage) command += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += "'";
  }
  command += " cursor-hook";
  json::writer w(true);
  w.begin_object().field("version", 1).key("hooks").begin_object().key("stop").begin_array();
  w.begin_object().field("command", command).end_object();
  w.end_array().end_object().end_object();
  return std::move(w).str() + "\n";
}

}  // namespace okstra::token_usage
