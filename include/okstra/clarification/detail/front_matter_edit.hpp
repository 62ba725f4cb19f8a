// Setting and revoking approval in a plan's front matter, for
// okstra/clarification/clarification.hpp (include that header instead).
// The rules, and why revoke can give back the original bytes, are in
// docs/plan-validate.md, "Approving a plan".
#pragma once

#include "okstra/core/api.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/clarification/detail/gate_tables.hpp"
#include "okstra/clarification/detail/text.hpp"
#include "okstra/core/error.hpp"

namespace okstra::clarification {

namespace detail {

// The lines approve adds, marked so that revoke knows it may remove them.
inline constexpr std::string_view added_key_line = "approved: true # added by okstra approve";
inline constexpr std::string_view added_block_line = "approved: true # added by okstra approve with this front matter";

// Where a line lies in the whole text (offsets include the BOM): its text
// from `begin` to `end`, its line end up to `next` (the next line's start).
struct line_span {
  std::size_t begin, end, next;
};

inline line_span span_of(std::string_view text, const std::vector<line>& lines, std::size_t index) {
  const std::size_t begin = static_cast<std::size_t>(lines[index].text.data() - text.data());
  const std::size_t end = begin + lines[index].text.size();
  const std::size_t next =
      index + 1 < lines.size() ? static_cast<std::size_t>(lines[index + 1].text.data() - text.data()) : text.size();
  return {begin, end, next};
}

inline std::string spliced(std::string_view text, std::size_t from, std::size_t to, std::string_view with) {
  std::string out;
  out.reserve(text.size() + with.size());
  out.append(text.substr(0, from)).append(with).append(text.substr(to));
  return out;
}

// The value of a top-level "approved: …" line as written: its offsets in the
// line, after the blanks that follow the colon and before a " # comment".
struct value_span {
  std::size_t begin, end;
};

inline value_span value_of(std::string_view line_text) {
  std::size_t start = 0;
  entry_key(line_text, start);
  while (start < line_text.size() && is_space(line_text[start])) ++start;
  const front_matter_entry entry = make_entry("approved", line_text.substr(start), 0);
  if (entry.quoted) return {start, start + trim(line_text.substr(start)).size()};
  return {start, start + entry.value.size()};
}

// The checks approve and revoke share: a closed front matter, at most one
// "approved". Returns the index (into split_lines) of the "approved" line, or npos.
inline std::size_t approved_line_index(const front_matter& fm) {
  if (fm.present && !fm.closed) throw refused("the front matter opened on line 1 is never closed by a '---' line");
  const std::vector<front_matter_entry> entries = fm.find("approved");
  if (entries.size() > 1)
    throw refused("the front matter sets 'approved' more than once, on lines " + std::to_string(entries[0].line) +
                  " and " + std::to_string(entries[1].line));
  if (entries.empty()) return std::string_view::npos;
  return entries.front().line - 1;
}

// The closing '---' of a closed front matter: the line before the body.
inline std::size_t closing_fence_index(const front_matter& fm) { return fm.body_line - 2; }

// The line end to copy: the one ending the line ("\n" or "\r\n"), or "\n" for
// a last line without one (whose lone final '\r' is not a line end).
inline std::string_view line_end_of(std::string_view text, const line_span& s) {
  const std::string_view end = text.substr(s.end, s.next - s.end);
  return !end.empty() && end.back() == '\n' ? end : std::string_view("\n");
}

// `line_text` with its value (as value_of finds it) replaced by `value`.
inline std::string replaced_value(std::string_view line_text, std::string_view value) {
  const value_span v = value_of(line_text);
  return spliced(line_text, v.begin, v.end, value);
}

inline front_matter_edit approve_existing(std::string_view text, const std::vector<line>& lines, std::size_t index) {
  const line_span s = span_of(text, lines, index);
  const std::string_view line_text = lines[index].text;
  const value_span v = value_of(line_text);
  const std::string_view written = line_text.substr(v.begin, v.end - v.begin);
  const front_matter_entry entry = make_entry("approved", line_text.substr(v.begin), 0);
  if (!entry.quoted && iequals(entry.value, "true")) return {std::string(text), false};
  const std::string where = line_ref(index + 1);
  std::string_view wanted;
  if (!entry.quoted && written == "false")
    wanted = "true";
  else if (!entry.quoted && written == "False")
    wanted = "True";
  else if (!entry.quoted && written == "FALSE")
    wanted = "TRUE";
  else if (!entry.quoted && iequals(entry.value, "false"))
    throw refused("the front matter value of 'approved' on " + where + ", " + excerpt(written) +
                  ", is spelled neither false, False nor FALSE; write one of them, so that --revoke can restore it");
  else
    throw refused("the front matter value of 'approved' on " + where + ", " + excerpt(written) +
                  ", is not true or false; write 'approved: false' or 'approved: true' there first");
  const std::string new_line = replaced_value(line_text, wanted);
  if (new_line == added_key_line || new_line == added_block_line)
    throw refused("the front matter line " + std::to_string(index + 1) + ", " + excerpt(line_text) +
                  ", carries the comment approve adds; remove that comment first");
  return {spliced(text, s.begin, s.end, new_line), true};
}

// Revoking a line approve added: remove it (with the block it came with,
// when that block holds nothing else).
inline std::string remove_added(std::string_view text, const std::vector<line>& lines, const front_matter& fm,
                                std::size_t index) {
  const bool own_block = lines[index].text == added_block_line && index == 1 && fm.body_line == 4 &&
                         lines[0].text == "---" && lines[2].text == "---";
  if (own_block) return spliced(text, span_of(text, lines, 0).begin, span_of(text, lines, 2).next, "");
  const line_span s = span_of(text, lines, index);
  return spliced(text, s.begin, s.next, "");
}

inline front_matter_edit revoke_existing(std::string_view text, const std::vector<line>& lines, const front_matter& fm,
                                         std::size_t index) {
  const line_span s = span_of(text, lines, index);
  const std::string_view line_text = lines[index].text;
  if (line_text == added_key_line || line_text == added_block_line) {
    std::string removed = remove_added(text, lines, fm, index);
    // Without its "approved" line a legacy "- [x] Approved" would approve again.
    if (!scan_report(removed).legacy_approval) return {std::move(removed), true};
    return {spliced(text, s.begin, s.end, "approved: false"), true};
  }
  const value_span v = value_of(line_text);
  const std::string_view written = line_text.substr(v.begin, v.end - v.begin);
  const front_matter_entry entry = make_entry("approved", line_text.substr(v.begin), 0);
  if (entry.quoted || !iequals(entry.value, "true")) return {std::string(text), false};  // not approved
  const std::string_view wanted = written == "True" ? "False" : written == "TRUE" ? "FALSE" : "false";
  return {spliced(text, s.begin, s.end, replaced_value(line_text, wanted)), true};
}

// Inserts `key_line` as the last entry of a closed front matter, or a new
// front matter holding only `block_line` before the body (after a BOM).
inline std::string insert_line(std::string_view text, const std::vector<line>& lines, const front_matter& fm,
                               std::string_view key_line, std::string_view block_line) {
  if (fm.present) {
    const std::size_t fence = closing_fence_index(fm);
    const std::string_view eol = line_end_of(text, span_of(text, lines, fence - 1));
    return spliced(text, span_of(text, lines, fence).begin, span_of(text, lines, fence).begin,
                   std::string(key_line) + std::string(eol));
  }
  const std::size_t start = text.size() - without_bom(text).size();
  const std::string eol(lines.empty() ? std::string_view("\n") : line_end_of(text, span_of(text, lines, 0)));
  return spliced(text, start, start, "---" + eol + std::string(block_line) + eol + "---" + eol);
}

}  // namespace detail

OKSTRA_INLINE front_matter_edit approve_front_matter(std::string_view text) {
  const front_matter fm = read_front_matter(text);
  const std::vector<detail::line> lines = detail::split_lines(text);
  const std::size_t index = detail::approved_line_index(fm);
  if (index != std::string_view::npos) return detail::approve_existing(text, lines, index);
  if (detail::scan_report(text).legacy_approval) return {std::string(text), false};  // already approved
  return {detail::insert_line(text, lines, fm, detail::added_key_line, detail::added_block_line), true};
}

OKSTRA_INLINE front_matter_edit revoke_front_matter(std::string_view text) {
  const front_matter fm = read_front_matter(text);
  const std::vector<detail::line> lines = detail::split_lines(text);
  const std::size_t index = detail::approved_line_index(fm);
  if (index != std::string_view::npos) return detail::revoke_existing(text, lines, fm, index);
  if (!detail::scan_report(text).legacy_approval) return {std::string(text), false};  // not approved
  return {detail::insert_line(text, lines, fm, "approved: false", "approved: false"), true};
}

}  // namespace okstra::clarification
