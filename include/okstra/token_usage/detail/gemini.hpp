// okstra/token_usage/detail/gemini.hpp — Gemini CLI chats: parse, resume, merge, cache.
//
// Contract: pure functions over bytes, no file I/O, nothing thrown for bad
// input (only std::bad_alloc escapes). Two file forms under
// `~/.gemini/tmp/<hash>/chats/`:
// - `session-*.json`: one JSON document {sessionId, projectHash, startTime,
//   lastUpdated, messages[]}, rewritten whole by Gemini CLI; parse_document()
//   reads it at once. A malformed document yields no messages and counts as
//   one skipped line (the document is one unreadable unit).
// - `session-*.jsonl` (and subagent `<parent>/<id>.jsonl`): an append-only
//   log; parse_more() is resumable exactly like the Codex parser (only
//   complete lines are consumed; truncated_tail_lines() at EOF).
//
// Decisions (copied to docs/usage.md):
// - A message counts when its type is "gemini" and it has a `tokens` object;
//   other messages (user, info, a gemini message with tokens null or absent)
//   are ignored, not errors.
// - Normalised: input = input − cached (clamped at 0) + tool, cacheRead =
//   cached, output = output + thoughts, reasoning = thoughts. `tool`
//   (toolUsePromptTokenCount) is prompt the API bills as input but reports
//   outside promptTokenCount (server-side tools such as search grounding or
//   code execution), so it belongs to input; ccusage 20.0.24 does the same.
// - A message with a token count that is not an integer in [0, max_count],
//   or whose normalised total would not fit, is a skipped line (in a .json
//   document: one skipped line per such message) and leaves an earlier copy
//   as it was (docs/usage.md, "Counts that do not fit").
// - JSONL records: an object with a string "id" is a message and replaces an
//   earlier record with the same id (later wins, in place), including a
//   later copy whose tokens are null. For speed only lines that mention
//   "tokens", "sessionId" or "lastUpdated" are parsed, so a later copy that
//   does not mention tokens at all leaves the earlier usage (Gemini CLI keeps
//   a message's tokens when it rewrites the message). "$rewindTo" is
//   ignored: rewound turns were billed. "$set" updates sessionId,
//   projectHash and lastUpdated; "$set.messages" is a re-snapshot of the
//   context (its messages were already logged one by one) and is ignored.
//   Any other object with "sessionId" is the header.
// - Timestamp: the message's, else the file's lastUpdated (the last one
//   seen), else 0. Session id: sessionId, else the file name without its
//   extension. Project: left empty (the file only has a hash of the project
//   path); project_hash is kept for the caller. Agent: other.
// - Cross-file: the same (sessionId, message id) in several files — e.g. a
//   legacy .json and the .jsonl Gemini CLI migrates it to on resume — is
//   counted once, from the copy with the largest normalised total, then the
//   smallest path. Messages without an id are never de-duplicated.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "okstra/token_usage/detail/log_format.hpp"

namespace okstra::token_usage::gemini {

struct message {
  std::string id;
  std::optional<std::int64_t> timestamp_ms;  // nullopt: use the file's lastUpdated
  std::string model;
  tokens usage;
  bool counts = false;  // false: a later copy without tokens replaced it
  friend bool operator==(const message&, const message&) = default;
};

struct format;  // the log_format below

// What one chat file yielded, up to `consumed` bytes; cacheable.
struct file_result : detail::parsed_file<format> {
  bool jsonl = false;
  std::string session_id, project_hash;
  std::optional<std::int64_t> last_updated_ms;
  std::vector<message> messages;  // first-seen order, one per id

  friend bool operator==(const file_result&, const file_result&) = default;
};

namespace parse_detail {

namespace scan = detail::jsonl_scan;

using index = std::unordered_map<std::string, std::size_t>;

inline index build_index(const file_result& r) {
  index ix;
  for (std::size_t i = 0; i < r.messages.size(); ++i)
    if (!r.messages[i].id.empty()) ix[r.messages[i].id] = i;
  return ix;
}

// `bad` is set when a token count is out of range or the message's total
// would not fit (docs/usage.md, "Counts that do not fit"); it then must not count.
inline message read_message(const json::value& m, bool& bad) {
  message out;
  out.id = scan::string_at(m, "id");
  out.timestamp_ms = scan::time_at(m, "timestamp");
  const json::value* t = scan::object_at(m, "tokens");
  out.counts = t && json::get_string(m, "type") == "gemini";
  if (!out.counts) return out;
  const std::uint64_t cached = scan::count(*t, "cached", bad), thoughts = scan::count(*t, "thoughts", bad);
  const std::uint64_t input = scan::clamp_sub(scan::count(*t, "input", bad), cached);
  const std::uint64_t tool = scan::count(*t, "tool", bad), output = scan::count(*t, "output", bad);
  bad = bad || !add_count(input, tool, out.usage.input) || !add_count(output, thoughts, out.usage.output);
  out.usage.cache_read = cached;
  out.usage.reasoning = thoughts;
  bad = bad || !fits(out.usage);
  const auto model = json::get_string(m, "model");
  out.model = model && !model->empty() ? std::string(*model) : "unknown";
  return out;
}

// Later wins: a message replaces the earlier one with its id, in place; a
// message that does not count is only kept when it replaces one.
// False when the message's counts are out of range: it is skipped, and an
// earlier copy of it stays as it was.
inline bool upsert(file_result& r, index& ix, const json::value& m) {
  bool bad = false;
  message msg = read_message(m, bad);
  if (bad) return false;
  if (!msg.id.empty()) {
    if (const auto it = ix.find(msg.id); it != ix.end()) {
      r.messages[it->second] = std::move(msg);
      return true;
    }
  }
  if (!msg.counts) return true;
  if (!msg.id.empty()) ix.emplace(msg.id, r.messages.size());
  r.messages.push_back(std::move(msg));
  return true;
}

inline void apply_metadata(file_result& r, const json::value& o) {
  if (auto s = json::get_string(o, "sessionId"); s && !s->empty()) r.session_id = std::string(*s);
  if (auto h = json::get_string(o, "projectHash"); h && !h->empty()) r.project_hash = std::string(*h);
  if (auto t = scan::time_at(o, "lastUpdated")) r.last_updated_ms = *t;
}

// Returns false when the line must be counted as skipped.
inline bool handle_line(file_result& r, index& ix, std::string_view line) {
  if (!scan::contains(line, "\"tokens\"") && !scan::contains(line, "\"sessionId\"") &&
      !scan::contains(line, "\"lastUpdated\""))
    return true;
  json::document doc;
  if (!jsonl::parse_object(line, "gemini chat line", doc)) return false;
  if (json::get_string(doc, "id")) {
    if (!upsert(r, ix, doc)) return false;
  } else if (const json::value* set = json::find(doc, "$set")) {
    if (!set->IsObject()) return false;
    apply_metadata(r, *set);
  } else if (!json::find(doc, "$rewindTo")) {
    apply_metadata(r, doc);
  }
  return true;
}

}  // namespace parse_detail

// Parses a legacy `.json` chat document.
inline file_result parse_document(std::string_view bytes) {
  file_result r;
  r.consumed = bytes.size();
  const auto unreadable = [&] {
    r = file_result{};
    r.consumed = bytes.size();
    r.skipped_lines = 1;
    return r;
  };
  json::document doc;
  try {
    doc = json::parse(bytes, "gemini chat");
  } catch (const okstra::error&) {
    return unreadable();
  }
  if (!doc.IsObject()) return unreadable();
  parse_detail::apply_metadata(r, doc);
  const json::value* messages = json::find(doc, "messages");
  if (!messages) return r;
  if (!messages->IsArray()) return unreadable();
  parse_detail::index ix;
  for (const json::value& m : messages->GetArray())
    if (m.IsObject() && !parse_detail::upsert(r, ix, m)) r.skipped_lines += 1;  // one per message out of range
  return r;
}

// ---- cache encoding ---------------------------------------------------------

namespace parse_detail {
inline void put(detail::encoder& out, const std::optional<std::int64_t>& t) {
  out.u8(t ? 1 : 0);
  if (t) out.i64(*t);
}
inline std::optional<std::int64_t> get_time(detail::decoder& in) {
  const std::uint8_t has = in.u8();
  if (has > 1) scan::force_fail(in);
  if (has != 1) return std::nullopt;
  return in.i64();
}
inline bool get_flag(detail::decoder& in) {
  const std::uint8_t v = in.u8();
  if (v > 1) scan::force_fail(in);
  return v == 1;
}
}  // namespace parse_detail

// A `.jsonl` chat as a detail::log_format (detail/log_format.hpp); the
// scratch is the index of message ids, rebuilt once per call.
struct format {
  static constexpr std::string_view name = "gemini";
  static constexpr source src = source::gemini;
  static constexpr std::uint8_t cache_tag = 'g', cache_layout = 1;
  using file_result = gemini::file_result;
  using scratch = parse_detail::index;

  static scratch scratch_for(file_result& r) {
    r.jsonl = true;
    return parse_detail::build_index(r);
  }
  static bool parse_line(file_result& r, scratch& ix, std::string_view line) {
    return parse_detail::handle_line(r, ix, line);
  }

  static void encode_body(const file_result& r, detail::encoder& out) {
    out.u8(r.jsonl ? 1 : 0);
    out.str(r.session_id), out.str(r.project_hash);
    parse_detail::put(out, r.last_updated_ms);
    detail::encode_list(out, r.messages, [&](const message& m) {
      out.str(m.id);
      parse_detail::put(out, m.timestamp_ms);
      out.str(m.model), out.usage(m.usage), out.u8(m.counts ? 1 : 0);
    });
  }

  static void decode_body(detail::decoder& in, file_result& r) {
    r.jsonl = parse_detail::get_flag(in);
    r.session_id = in.str(), r.project_hash = in.str();
    r.last_updated_ms = parse_detail::get_time(in);
    detail::decode_list(in, r.messages, [&] {
      message m;
      m.id = in.str();
      m.timestamp_ms = parse_detail::get_time(in);
      m.model = in.str(), m.usage = in.usage(), m.counts = parse_detail::get_flag(in);
      return m;
    });
  }
};

// A `.jsonl` chat (a `.json` one is parse_document's): parse_more() goes on
// from r.consumed with r's messages, parse_jsonl() starts from nothing, and
// truncated_tail_lines() counts a line cut off at EOF. Bad input never throws.
inline constexpr auto& parse_more = detail::parse_more<format>;
inline constexpr auto& parse_jsonl = detail::parse_all<format>;
using jsonl::truncated_tail_lines;

// ---- merge across files -------------------------------------------------------

struct merge_result : detail::merged {
  std::uint64_t duplicate_messages = 0;  // copies of a message not counted
};

using file_ref = detail::file_ref_of<file_result>;

// Merges the parse results of many chat files (null results are ignored).
// The result is the same for every order of `files`.
inline merge_result merge(const std::vector<file_ref>& files) {
  struct pick {
    const file_ref* file;
    const message* msg;
  };
  merge_result out;
  std::map<std::pair<std::string, std::string>, pick> keyed;        // (session, id)
  std::vector<std::tuple<std::string, std::string, pick>> unkeyed;  // (session, path, message)
  out.skipped_lines = detail::for_each_parsed(files, [&](const file_ref& f) {
    const std::string session =
        f.second->session_id.empty() ? detail::jsonl_scan::file_stem(f.first) : f.second->session_id;
    for (const message& m : f.second->messages) {
      if (!m.counts) continue;
      if (m.id.empty()) {
        unkeyed.emplace_back(session, f.first, pick{&f, &m});
        continue;
      }
      const auto [it, fresh] = keyed.try_emplace({session, m.id}, pick{&f, &m});
      if (fresh) continue;
      ++out.duplicate_messages;
      const pick& old = it->second;
      if (detail::better_copy(m.usage.total(), f.first, old.msg->usage.total(), old.file->first)) it->second = pick{&f, &m};
    }
  });
  const auto emit = [&](const std::string& session, const pick& p) {
    record rec;
    rec.src = source::gemini;
    rec.who = agent::other;
    rec.timestamp_ms = p.msg->timestamp_ms.value_or(p.file->second->last_updated_ms.value_or(0));
    rec.usage = p.msg->usage;
    rec.session_id = session;
    rec.model = p.msg->model;
    out.records.push_back(std::move(rec));
  };
  for (const auto& [key, p] : keyed) emit(key.first, p);
  // Stable by (session, path): messages of one file keep their file order.
  std::stable_sort(unkeyed.begin(), unkeyed.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  for (const auto& [session, path, p] : unkeyed) emit(session, p);
  return out;
}

}  // namespace okstra::token_usage::gemini
