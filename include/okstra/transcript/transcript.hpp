// okstra/transcript/transcript.hpp — the one reader of Claude Code transcripts.
//
// Contract: Claude Code writes one JSON object per line to
// projects/<project>/<session>.jsonl (subagents to <session>/subagents/
// agent-<id>.jsonl, every line isSidechain:true). This module turns one line
// into the fields okstra needs, reading only those fields (json_scan) so big
// tool results are skipped at memchr speed.
// - read_usage_line() fills a usage_line and returns:
//     usage      an assistant line with message.usage (api-error notices and
//                "<synthetic>" models are `other`);
//     other      a well-formed line that carries no billable usage;
//     malformed  the line is not a JSON object (truncated, garbage), or it
//                would be a usage line but a token count is not an integer
//                in [0, max_count] (negative, fractional, too big, a string).
//   String fields are views into the line, or into `arena` when they had
//   escapes; both must outlive the usage_line.
// - could_carry_usage(): the cheap filter applied before parsing.
// The whole-transcript event reader (conformance) is events.hpp; it reads its
// lines with the field_reader below.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "okstra/core/json_scan.hpp"
#include "okstra/core/scan.hpp"

namespace okstra::transcript {

struct usage_line {
  std::string_view type, message_id, request_id, model, session_id, timestamp, cwd, agent_id, team_name, agent_name;
  std::string_view speed;  // message.usage.speed: "fast" for Claude Code's fast mode, else "standard" or absent
  bool progress_message = false;  // older clients: data.message of a "progress" line carried a subagent's message
  bool is_sidechain = false;
  bool is_api_error = false;
  bool has_usage = false;
  bool has_cache_split = false;  // message.usage.cache_creation{...} present
  std::uint64_t input = 0, output = 0, cache_creation = 0, cache_read = 0, cache_5m = 0, cache_1h = 0;
  bool bad_count = false;  // a token count that is not an integer in [0, max_count]
};

// The largest token count a usage line may carry (token_usage::max_count,
// docs/usage.md "Counts that do not fit").
inline constexpr std::uint64_t max_count = static_cast<std::uint64_t>(INT64_MAX);

enum class line_status { usage, other, malformed };

// Every line that can hold message.usage contains this byte string.
inline constexpr std::string_view usage_needle = "\"usage\"";

inline bool could_carry_usage(std::string_view line) noexcept { return scan::contains(line, usage_needle); }

namespace detail {

class field_reader {
 public:
  field_reader(json_scan::cursor& c, std::string& arena) : c_(c), arena_(arena) {}

  bool text(std::string_view& out) {
    if (c_.peek() != '"') return c_.skip_value();  // another type: leave the field empty
    std::string_view raw;
    bool escaped;
    if (!c_.string(raw, escaped)) return false;
    if (!escaped) return out = raw, true;
    const std::size_t start = arena_.size();
    if (!json_scan::unescape(raw, arena_)) return c_.fail();
    out = std::string_view(arena_).substr(start);
    return true;
  }
  // A count that is not a non-negative 64-bit integer is left as it was.
  bool count(std::uint64_t& out) {
    bool present;
    return c_.uint(out, present);
  }
  // A token count: out of range sets `invalid` (read_usage_line refuses the line).
  bool count(std::uint64_t& out, bool& invalid) { return c_.count(out, invalid, max_count); }
  bool flag(bool& out) {
    bool present;
    return c_.boolean(out, present);
  }
  json_scan::cursor& cursor() { return c_; }

 private:
  json_scan::cursor& c_;
  std::string& arena_;
};

inline bool read_usage_object(field_reader& r, usage_line& out) {
  out.has_usage = true;
  return r.cursor().object([&](std::string_view key) {
    if (key == "input_tokens") return r.count(out.input, out.bad_count);
    if (key == "output_tokens") return r.count(out.output, out.bad_count);
    if (key == "cache_creation_input_tokens") return r.count(out.cache_creation, out.bad_count);
    if (key == "cache_read_input_tokens") return r.count(out.cache_read, out.bad_count);
    if (key == "speed") return r.text(out.speed);
    if (key == "cache_creation" && r.cursor().peek() == '{') {
      out.has_cache_split = true;
      return r.cursor().object([&](std::string_view k) {
        if (k == "ephemeral_5m_input_tokens") return r.count(out.cache_5m, out.bad_count);
        if (k == "ephemeral_1h_input_tokens") return r.count(out.cache_1h, out.bad_count);
        return r.cursor().skip_value();
      });
    }
    return r.cursor().skip_value();
  });
}

inline bool read_message(field_reader& r, usage_line& out) {
  if (r.cursor().peek() != '{') return r.cursor().skip_value();
  return r.cursor().object([&](std::string_view key) {
    if (key == "id") return r.text(out.message_id);
    if (key == "model") return r.text(out.model);
    if (key == "usage" && r.cursor().peek() == '{') return read_usage_object(r, out);
    return r.cursor().skip_value();
  });
}

// Older Claude Code versions logged a subagent's messages inside the parent
// transcript as {"type":"progress","data":{"message":{"timestamp",
// "requestId","isSidechain","message":{"id","model","usage"}}}}; the inner
// fields describe the request (the outer timestamp is the logging time).
inline bool read_progress_data(field_reader& r, usage_line& out) {
  if (r.cursor().peek() != '{') return r.cursor().skip_value();
  return r.cursor().object([&](std::string_view key) {
    if (key != "message" || r.cursor().peek() != '{') return r.cursor().skip_value();
    out.progress_message = true;
    std::string_view inner_time;
    const bool ok = r.cursor().object([&](std::string_view k) {
      if (k == "timestamp") return r.text(inner_time);
      if (k == "requestId") return r.text(out.request_id);
      if (k == "isSidechain") return r.flag(out.is_sidechain);
      if (k == "agentId") return r.text(out.agent_id);
      if (k == "message") return read_message(r, out);
      return r.cursor().skip_value();
    });
    out.timestamp = inner_time;
    return ok;
  });
}

}  // namespace detail

inline line_status read_usage_line(std::string_view line, usage_line& out, std::string& arena) {
  out = usage_line{};
  arena.clear();
  arena.reserve(line.size());  // views into arena must never move
  json_scan::cursor c(line);
  detail::field_reader r(c, arena);
  const bool parsed = c.object([&](std::string_view key) {
    switch (key.empty() ? '\0' : key[0]) {
      case 'a':
        if (key == "agentId") return r.text(out.agent_id);
        if (key == "agentName") return r.text(out.agent_name);
        break;
      case 'c':
        if (key == "cwd") return r.text(out.cwd);
        break;
      case 'd':
        if (key == "data") return detail::read_progress_data(r, out);
        break;
      case 'i':
        if (key == "isSidechain") return r.flag(out.is_sidechain);
        if (key == "isApiErrorMessage") return r.flag(out.is_api_error);
        break;
      case 'm':
        if (key == "message") return detail::read_message(r, out);
        break;
      case 'r':
        if (key == "requestId") return r.text(out.request_id);
        break;
      case 's':
        if (key == "sessionId") return r.text(out.session_id);
        break;
      case 't':
        if (key == "type") return r.text(out.type);
        if (key == "timestamp") return out.progress_message ? c.skip_value() : r.text(out.timestamp);
        if (key == "teamName") return r.text(out.team_name);
        break;
      default: break;
    }
    return c.skip_value();
  });
  if (!parsed || !c.at_end()) return line_status::malformed;
  const bool progress = (out.type == "progress" || out.type == "agent_progress") && out.progress_message;
  if ((out.type != "assistant" && !progress) || !out.has_usage || out.is_api_error || out.model == "<synthetic>")
    return line_status::other;
  // A count out of range cannot be read as zero: the line is refused whole.
  if (out.bad_count) return line_status::malformed;
  return line_status::usage;
}

}  // namespace okstra::transcript
