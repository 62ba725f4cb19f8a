// okstra/core/jsonl.hpp — reading JSON Lines logs that other programs append to.
//
// Contract: pure functions over bytes, no file I/O, no allocation (the
// field helpers string_at() aside, which copy the one value asked for).
// - for_each_record(bytes, skipped, take) visits every complete line ('\n'
//   ended) of `bytes`, trimmed of JSON white space (space, tab, LF, CR);
//   blank lines are passed over. A line that does not look like one JSON
//   object (first byte '{', last '}') is not handed to take() and counts in
//   `skipped`, as does a line for which take() returns false or throws an
//   okstra::error (a RapidJSON check routed to an exception). It returns the
//   number of bytes in complete lines: a caller resumes after them once the
//   file has grown, and the bytes after them are a line still being written.
// - truncated_tail_lines(rest) is 1 when the bytes after the last complete
//   line hold anything but white space (a line cut off at EOF), else 0.
// - parse_object(line, what, doc) parses one record; false (nothing thrown)
//   when it is malformed JSON or not an object.
// - object_at, string_at, time_at read one field of a parsed object: absent,
//   or of another type, reads as none (nullptr, "", nullopt).
// The rules the token-usage parsers build on this are in docs/usage.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "okstra/core/error.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/scan.hpp"
#include "okstra/core/text.hpp"
#include "okstra/core/time.hpp"

namespace okstra::jsonl {

// A cheap shape check, so garbage and lines cut in the middle are counted
// as skipped without parsing: a JSONL record starts with '{' and ends with '}'.
inline constexpr bool framed_as_object(std::string_view trimmed) noexcept {
  return trimmed.size() >= 2 && trimmed.front() == '{' && trimmed.back() == '}';
}

template <class Take>
std::size_t for_each_record(std::string_view bytes, std::uint64_t& skipped, Take&& take) {
  const std::size_t complete = scan::complete_prefix(bytes);
  scan::for_each_line(bytes.substr(0, complete), [&](std::string_view line) {
    const std::string_view t = text::trim_json_space(line);
    if (t.empty()) return;
    bool ok = framed_as_object(t);
    if (ok) {
      try {
        ok = take(t);
      } catch (const okstra::error&) {
        ok = false;
      }
    }
    if (!ok) ++skipped;
  });
  return complete;
}

inline constexpr std::uint64_t truncated_tail_lines(std::string_view unconsumed) noexcept {
  return text::trim_json_space(unconsumed).empty() ? 0 : 1;
}

// One record parsed into `doc`; false when it is not valid JSON (invalid
// UTF-8 included) or not an object, which the caller counts as skipped.
inline bool parse_object(std::string_view line, std::string_view what, json::document& doc) {
  try {
    doc = json::parse(line, what);
  } catch (const okstra::error&) {
    return false;
  }
  return doc.IsObject();
}

inline const json::value* object_at(const json::value& v, std::string_view key) noexcept {
  const json::value* f = json::find(v, key);
  return f && f->IsObject() ? f : nullptr;
}

inline std::string string_at(const json::value& v, std::string_view key) {
  return std::string(json::get_string(v, key).value_or(std::string_view()));
}

inline std::optional<std::int64_t> time_at(const json::value& v, std::string_view key) noexcept {
  const auto s = json::get_string(v, key);
  return s ? time::parse_iso8601(*s) : std::nullopt;
}

}  // namespace okstra::jsonl
