// okstra/token_usage/detail/codex.hpp — Codex CLI rollouts: parse, resume, merge, cache.
//
// Contract: pure functions over bytes, no file I/O, nothing thrown for bad
// input (only std::bad_alloc escapes). A rollout
// (`${CODEX_HOME:-~/.codex}/{sessions,archived_sessions}/**/rollout-*.jsonl`)
// is parsed into rows (one per counted token_count event) plus the state at
// the end of the consumed bytes, so a grown file is parsed from its old end
// and yields exactly the rows of a full parse. merge() turns the rows of many
// files into records; its result does not depend on the order of the files.
//
// Decisions (copied to docs/usage.md):
// - Lines. Only complete lines (ending in '\n') are consumed; `consumed`
//   says how far. A final line without '\n' is left for the next run; at EOF
//   the caller adds truncated_tail_lines(unconsumed bytes) to its skipped
//   count. Blank lines are ignored. A line that does not look like one JSON
//   object (first byte '{', last '}') is skipped and counted. Only lines that
//   can matter (containing "token_count", "session_meta" or "turn_context",
//   or a thread_settings_applied event; and not a top-level "response_item")
//   are parsed; a parsed line that is malformed JSON (invalid UTF-8
//   included) is skipped and counted. Invalid bytes inside lines that are
//   never parsed (e.g. response_item) are not.
// - Identity. The FIRST session_meta of a file gives the session id
//   (payload.id), the project (payload.cwd) and the fork parent
//   (payload.forked_from_id, else payload.source.subagent.thread_spawn.
//   parent_thread_id). Later session_meta lines are copies replayed from a
//   parent and are ignored. A file without session_meta is keyed by the
//   UUID at the end of its file name, else by its path.
// - Rows. A token_count event with `info: null` (or no info) is ignored and
//   changes nothing. One whose info.total_token_usage equals the previous
//   row's is a re-emission and is ignored. Otherwise it counts: its usage is
//   info.last_token_usage, or when that is missing the delta of the
//   cumulative totals; when any cumulative field went down the session
//   restarted and the delta is the new total itself. An info without a
//   total_token_usage object is a skipped line. Missing or null numbers are
//   0; a count that is not an integer in [0, max_count], or a row whose
//   total would not fit, makes the line skipped and leaves the state as it was.
// - Normalised: input = input_tokens − cached_input_tokens (clamped at 0),
//   cacheRead = cached_input_tokens, output = output_tokens (it already
//   includes reasoning), reasoning = reasoning_output_tokens, no cache
//   writes. Model: the latest turn_context.payload.model before the row, else
//   info.model, else "unknown"; an event_msg thread_settings_applied's
//   payload.thread_settings.model sets it like a turn_context does. Service
//   tier: the latest setting before the row, from thread_settings_applied
//   (thread_settings.service_tier; the event is a snapshot of all settings,
//   so an absent tier there is the default) or from a turn_context that
//   carries payload.service_tier (one without the field changes nothing:
//   older Codex versions never write it). "priority" and "fast" (Codex's
//   name for priority processing) are priority, "flex" is flex, anything
//   else (default, auto, null) is standard; the session starts standard.
//   Project: the session_meta cwd, else the latest turn_context cwd.
//   Timestamp: the line's "timestamp", else the latest timestamp of an
//   earlier parsed line, else 0. Agent: other (the caller attributes
//   sessions); the session id is recorded.
// - Same session twice (sessions/ and archived_sessions/, or a resumed copy):
//   counted once, from the copy with the most counted rows, then the larger
//   final cumulative total_tokens, then the lexicographically smallest path.
// - Forks and subagent threads start with a copy of the parent's history.
//   The child's leading rows whose cumulative total_token_usage tuple occurs
//   among the rows of any copy of the parent file are dropped (counted in
//   replayed_rows); dropping stops at the first row not found. A child whose
//   parent is not among the files is counted whole and listed in
//   forks_without_parent (the caller warns: totals may include history).
// - Rows whose normalised usage is all zero yield no record.
// - Official limits: the latest `rate_limits` of the file's token_count
//   events, and merge's latest over all files (detail/codex_limits.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/codex_limits.hpp"
#include "okstra/token_usage/detail/log_format.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage::codex {

// info.total_token_usage / last_token_usage exactly as Codex writes them.
struct cumulative {
  std::uint64_t input = 0, cached = 0, output = 0, reasoning = 0, total = 0;
  friend auto operator<=>(const cumulative&, const cumulative&) = default;
};

// One counted token_count event.
struct row {
  std::int64_t timestamp_ms = 0;
  std::string model;
  std::string project;
  service_tier tier = service_tier::standard;  // the session's setting when the row was written
  tokens usage;      // normalised contribution of this row
  cumulative total;  // its cumulative total, to recognise replayed history
  friend bool operator==(const row&, const row&) = default;
};

// Everything the parse of the next bytes depends on.
struct parse_state {
  std::string session_id, parent_id;  // from the first session_meta
  std::string meta_cwd, turn_cwd, model;
  cumulative previous;  // the last non-null cumulative total seen
  std::int64_t last_timestamp_ms = 0;
  service_tier tier = service_tier::standard;  // the latest service tier setting
  bool has_meta = false;
  friend bool operator==(const parse_state&, const parse_state&) = default;
};

struct format;  // the log_format below

// What one rollout yielded, up to `consumed` bytes; cacheable.
struct file_result : detail::parsed_file<format> {
  parse_state state;
  std::vector<row> rows;
  std::optional<limit_observation> limits;  // the latest rate_limits seen in the file

  friend bool operator==(const file_result&, const file_result&) = default;
};

namespace parse_detail {

namespace scan = detail::jsonl_scan;

inline cumulative read_cumulative(const json::value& o, bool& bad) noexcept {
  return {scan::count(o, "input_tokens", bad), scan::count(o, "cached_input_tokens", bad),
          scan::count(o, "output_tokens", bad), scan::count(o, "reasoning_output_tokens", bad),
          scan::count(o, "total_tokens", bad)};
}

inline tokens normalise(const cumulative& c) noexcept {
  tokens t;
  t.input = scan::clamp_sub(c.input, c.cached);
  t.cache_read = c.cached;
  t.output = c.output;
  t.reasoning = c.reasoning;
  return t;
}

// The usage between two cumulative totals; a field that went down means the
// session restarted, and then the new total is all new usage.
inline cumulative delta(const cumulative& now, const cumulative& before) noexcept {
  const bool restart = now.input < before.input || now.cached < before.cached || now.output < before.output ||
                       now.reasoning < before.reasoning || now.total < before.total;
  if (restart) return now;
  return {now.input - before.input, now.cached - before.cached, now.output - before.output,
          now.reasoning - before.reasoning, now.total - before.total};
}

inline void on_session_meta(parse_state& s, const json::value& payload) {
  if (s.has_meta) return;  // a copy replayed from the parent of a fork
  s.has_meta = true;
  s.session_id = scan::string_at(payload, "id");
  s.meta_cwd = scan::string_at(payload, "cwd");
  s.parent_id = scan::string_at(payload, "forked_from_id");
  if (!s.parent_id.empty()) return;
  const json::value* source = scan::object_at(payload, "source");
  const json::value* subagent = source ? scan::object_at(*source, "subagent") : nullptr;
  const json::value* spawn = subagent ? scan::object_at(*subagent, "thread_spawn") : nullptr;
  if (spawn) s.parent_id = scan::string_at(*spawn, "parent_thread_id");
}

// A Codex service_tier setting: absent or null is the default tier.
inline service_tier tier_setting(const json::value* v) noexcept {
  if (!v || !v->IsString()) return service_tier::standard;
  const std::string_view name(v->GetString(), v->GetStringLength());
  if (name == "priority" || name == "fast") return service_tier::priority;
  if (name == "flex") return service_tier::flex;
  return service_tier::standard;
}

inline void on_turn_context(parse_state& s, const json::value& payload) {
  if (auto m = json::get_string(payload, "model"); m && !m->empty()) s.model = std::string(*m);
  if (auto c = json::get_string(payload, "cwd"); c && !c->empty()) s.turn_cwd = std::string(*c);
  if (const json::value* tier = json::find(payload, "service_tier")) s.tier = tier_setting(tier);
}

// payload.thread_settings is the session's whole setting after a change.
inline void on_thread_settings(parse_state& s, const json::value& payload) {
  const json::value* settings = scan::object_at(payload, "thread_settings");
  if (!settings) return;
  if (auto m = json::get_string(*settings, "model"); m && !m->empty()) s.model = std::string(*m);
  s.tier = tier_setting(json::find(*settings, "service_tier"));
}

// Returns false when the line must be counted as skipped.
inline bool on_token_count(file_result& r, const json::value& payload, std::int64_t timestamp_ms) {
  const json::value* info = json::find(payload, "info");
  if (!info || info->IsNull()) return true;  // no usage yet: state unchanged
  if (!info->IsObject()) return false;
  const json::value* total_v = scan::object_at(*info, "total_token_usage");
  if (!total_v) return false;
  parse_state& s = r.state;
  bool bad = false;
  const cumulative total = read_cumulative(*total_v, bad);
  if (bad) return false;  // the state is left as it was: the next row's delta starts from the last good one
  if (total == s.previous) return true;  // Codex re-emits unchanged rows
  const json::value* last_v = scan::object_at(*info, "last_token_usage");
  const cumulative used = last_v ? read_cumulative(*last_v, bad) : delta(total, s.previous);
  row out;
  out.timestamp_ms = timestamp_ms;
  out.usage = normalise(used);
  if (bad || !fits(out.usage)) return false;
  out.total = total;
  if (!s.model.empty()) {
    out.model = s.model;
  } else {
    const auto m = json::get_string(*info, "model");
    out.model = m && !m->empty() ? std::string(*m) : "unknown";
  }
  out.project = s.meta_cwd.empty() ? s.turn_cwd : s.meta_cwd;
  out.tier = s.tier;
  r.rows.push_back(std::move(out));
  s.previous = total;
  return true;
}

// A Codex line is `{"timestamp":"…","type":"…",…}`: its top-level type, read
// from its first bytes, lets the bulk of a rollout (response_item lines) be
// skipped unread. `type` is empty when a line does not start that way.
struct line_head {
  std::string_view type;   // the top-level type, without quotes
  std::string_view after;  // the bytes after the type's closing quote
};

inline line_head compact_head(std::string_view line) noexcept {
  constexpr std::string_view head = "{\"timestamp\":\"";
  constexpr std::string_view type = "\",\"type\":\"";
  if (line.substr(0, head.size()) != head) return {};
  // The timestamp: at most 64 bytes, no escapes (memchr: this runs on every line).
  const std::string_view stamp = line.substr(head.size(), 65);
  const auto* quote = static_cast<const char*>(std::memchr(stamp.data(), '"', stamp.size()));
  if (!quote || std::memchr(stamp.data(), '\\', static_cast<std::size_t>(quote - stamp.data()))) return {};
  const std::string_view rest = line.substr(head.size() + static_cast<std::size_t>(quote - stamp.data()));
  if (rest.substr(0, type.size()) != type) return {};
  const std::string_view value = rest.substr(type.size(), 64);
  const auto* end = static_cast<const char*>(std::memchr(value.data(), '"', value.size()));
  if (!end || std::memchr(value.data(), '\\', static_cast<std::size_t>(end - value.data()))) return {};
  const auto n = static_cast<std::size_t>(end - value.data());
  return {value.substr(0, n), rest.substr(type.size() + n + 1)};
}

// Whether a line may be a thread_settings_applied event. A compact line says
// so in its first bytes, so the long event lines that match nothing else
// (command output, messages) are not searched a fourth time; a line of any
// other shape is searched.
inline bool may_apply_settings(std::string_view line, const line_head& h) noexcept {
  constexpr std::string_view payload = ",\"payload\":{\"type\":\"";
  constexpr std::string_view settings = "thread_settings_applied\"";
  if (!h.type.empty()) {
    if (h.type != "event_msg") return false;
    if (h.after.substr(0, payload.size()) == payload)
      return h.after.substr(payload.size(), settings.size()) == settings;
  }
  return scan::contains(line, "\"thread_settings_applied\"");
}

// Returns false when the line must be counted as skipped.
inline bool handle_line(file_result& r, std::string_view line) {
  const line_head head = compact_head(line);
  if (head.type == "response_item") return true;
  const bool token = scan::contains(line, "\"token_count\"");
  if (!token && !scan::contains(line, "\"session_meta\"") && !scan::contains(line, "\"turn_context\"") &&
      !may_apply_settings(line, head))
    return true;
  json::document doc;
  if (!jsonl::parse_object(line, "codex rollout line", doc)) return false;
  const auto ts = scan::time_at(doc, "timestamp");
  if (ts) r.state.last_timestamp_ms = *ts;
  const json::value* payload = scan::object_at(doc, "payload");
  const std::string_view type = json::get_string(doc, "type").value_or(std::string_view());
  if (!payload) return type != "session_meta" && type != "turn_context" && type != "event_msg";
  if (type == "session_meta") on_session_meta(r.state, *payload);
  if (type == "turn_context") on_turn_context(r.state, *payload);
  if (type != "event_msg") return true;
  const auto event = json::get_string(*payload, "type");
  if (token && event == "token_count") {
    limits_detail::on_rate_limits(r.limits, *payload, r.state.last_timestamp_ms);
    return on_token_count(r, *payload, r.state.last_timestamp_ms);
  }
  if (event == "thread_settings_applied") on_thread_settings(r.state, *payload);
  return true;
}

}  // namespace parse_detail

// ---- cache encoding ---------------------------------------------------------

namespace parse_detail {

inline void put(detail::encoder& out, const cumulative& c) {
  out.u64(c.input), out.u64(c.cached), out.u64(c.output), out.u64(c.reasoning), out.u64(c.total);
}
inline cumulative get(detail::decoder& in) {
  cumulative c;
  c.input = in.u64(), c.cached = in.u64(), c.output = in.u64(), c.reasoning = in.u64(), c.total = in.u64();
  return c;
}
inline service_tier get_tier(detail::decoder& in) {
  const std::uint8_t t = in.u8();
  if (t > static_cast<std::uint8_t>(last_service_tier)) {
    detail::jsonl_scan::force_fail(in);
    return service_tier::standard;
  }
  return static_cast<service_tier>(t);
}
}  // namespace parse_detail

// The Codex rollout as a detail::log_format (detail/log_format.hpp).
struct format {
  static constexpr std::string_view name = "codex";
  static constexpr source src = source::codex;
  static constexpr std::uint8_t cache_tag = 'x', cache_layout = 3;  // 2: + service tiers; 3: + limits
  using file_result = codex::file_result;
  struct scratch {};

  static scratch scratch_for(const file_result&) noexcept { return {}; }
  static bool parse_line(file_result& r, scratch&, std::string_view line) { return parse_detail::handle_line(r, line); }

  static void encode_body(const file_result& r, detail::encoder& out) {
    const parse_state& s = r.state;
    out.str(s.session_id), out.str(s.parent_id), out.str(s.meta_cwd), out.str(s.turn_cwd), out.str(s.model);
    parse_detail::put(out, s.previous);
    out.i64(s.last_timestamp_ms);
    out.u8(static_cast<std::uint8_t>(s.tier));
    out.u8(s.has_meta ? 1 : 0);
    detail::encode_list(out, r.rows, [&](const row& x) {
      out.i64(x.timestamp_ms), out.str(x.model), out.str(x.project), out.u8(static_cast<std::uint8_t>(x.tier));
      out.usage(x.usage);
      parse_detail::put(out, x.total);
    });
    limits_detail::put(out, r.limits);
  }

  static void decode_body(detail::decoder& in, file_result& r) {
    parse_state& s = r.state;
    s.session_id = in.str(), s.parent_id = in.str(), s.meta_cwd = in.str(), s.turn_cwd = in.str(), s.model = in.str();
    s.previous = parse_detail::get(in);
    s.last_timestamp_ms = in.i64();
    s.tier = parse_detail::get_tier(in);
    const std::uint8_t has_meta = in.u8();
    if (has_meta > 1) detail::jsonl_scan::force_fail(in);
    s.has_meta = has_meta == 1;
    detail::decode_list(in, r.rows, [&] {
      row x;
      x.timestamp_ms = in.i64(), x.model = in.str(), x.project = in.str(), x.tier = parse_detail::get_tier(in);
      x.usage = in.usage();
      x.total = parse_detail::get(in);
      return x;
    });
    r.limits = limits_detail::get(in);
  }
};

// parse_more(r, bytes): a rollout's complete lines from r.consumed on, the
// state carried over from r; parse(bytes): a whole rollout. Never throw for
// bad input; truncated_tail_lines() counts the line cut off at EOF.
inline constexpr auto& parse_more = detail::parse_more<format>;
inline constexpr auto& parse = detail::parse_all<format>;
using jsonl::truncated_tail_lines;

// ---- merge across files -------------------------------------------------------

struct merge_result : detail::merged {
  std::uint64_t duplicate_files = 0;              // copies of a session not counted
  std::uint64_t replayed_rows = 0;                // fork/subagent history not counted
  std::vector<std::string> forks_without_parent;  // paths, sorted
  std::optional<limit_observation> limits;        // the latest over all files
};

using file_ref = detail::file_ref_of<file_result>;

namespace parse_detail {

inline std::string session_key(const file_ref& f) {
  if (!f.second->state.session_id.empty()) return f.second->state.session_id;
  std::string id = detail::jsonl_scan::uuid_in_file_name(f.first);
  return id.empty() ? f.first : id;
}

// The copy of a session that counts comes first.
inline bool better_copy(const file_ref* a, const file_ref* b) {
  const file_result &x = *a->second, &y = *b->second;
  if (x.rows.size() != y.rows.size()) return x.rows.size() > y.rows.size();
  if (x.state.previous.total != y.state.previous.total) return x.state.previous.total > y.state.previous.total;
  return a->first < b->first;
}

// How many leading rows of `child` replay history found in the parent's copies.
inline std::size_t replayed_prefix(const file_result& child, const std::vector<const file_ref*>& parent) {
  std::vector<cumulative> seen;
  for (const file_ref* p : parent)
    for (const row& x : p->second->rows) seen.push_back(x.total);
  std::sort(seen.begin(), seen.end());
  std::size_t n = 0;
  while (n < child.rows.size() && std::binary_search(seen.begin(), seen.end(), child.rows[n].total)) ++n;
  return n;
}

}  // namespace parse_detail

// Merges the parse results of many rollouts (null results are ignored).
// The result is the same for every order of `files`.
inline merge_result merge(const std::vector<file_ref>& files) {
  merge_result out;
  std::map<std::string, std::vector<const file_ref*>> sessions;
  out.skipped_lines = detail::for_each_parsed(files, [&](const file_ref& f) {
    sessions[parse_detail::session_key(f)].push_back(&f);
    const auto& seen = f.second->limits;
    if (seen && (!out.limits || later_observation(*seen, *out.limits))) out.limits = seen;
  });
  for (auto& [key, copies] : sessions) {
    std::sort(copies.begin(), copies.end(), parse_detail::better_copy);
    out.duplicate_files += copies.size() - 1;
  }
  for (const auto& [key, copies] : sessions) {
    const file_ref& f = *copies.front();
    const file_result& r = *f.second;
    std::size_t skip = 0;
    if (!r.state.parent_id.empty() && r.state.parent_id != key) {
      const auto parent = sessions.find(r.state.parent_id);
      if (parent == sessions.end()) {
        out.forks_without_parent.push_back(f.first);
      } else {
        skip = parse_detail::replayed_prefix(r, parent->second);
      }
    }
    out.replayed_rows += skip;
    for (std::size_t i = skip; i < r.rows.size(); ++i) {
      const row& x = r.rows[i];
      if (x.usage.total() == 0 && x.usage.reasoning == 0) continue;
      record rec;
      rec.src = source::codex;
      rec.who = agent::other;
      rec.tier = x.tier;
      rec.timestamp_ms = x.timestamp_ms;
      rec.usage = x.usage;
      rec.session_id = key;
      rec.model = x.model;
      rec.project = x.project;
      out.records.push_back(std::move(rec));
    }
  }
  std::sort(out.forks_without_parent.begin(), out.forks_without_parent.end());
  return out;
}

}  // namespace okstra::token_usage::codex
