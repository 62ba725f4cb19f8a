// The section 1 part of okstra/clarification/clarification.hpp (include that
// header instead): find it among the rendered headings, map a table's
// columns, read its rows. The tables themselves: gate_tables.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/clarification/detail/markdown.hpp"
#include "okstra/clarification/detail/text.hpp"

namespace okstra::clarification {

namespace detail {

// Line numbers and Markdown lines of a report, by byte offset.
class source_lines {
 public:
  explicit source_lines(std::string_view text) : text_(text) {
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') newlines_.push_back(i);
  }

  // 1-based, counted in LFs from the top of the file (front matter included).
  std::size_t number(std::size_t offset) const {
    return 1 +
           static_cast<std::size_t>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
  }
  std::string line_ref_at(std::size_t offset) const { return line_ref(number(offset)); }

  // Where the line holding `offset` starts and ends: as in CommonMark, a line
  // ends at LF, CR or CRLF.
  std::size_t start_of(std::size_t offset) const {
    while (offset > 0 && text_[offset - 1] != '\n' && text_[offset - 1] != '\r') --offset;
    return offset;
  }
  std::size_t end_of(std::size_t offset) const {
    while (offset < text_.size() && text_[offset] != '\n' && text_[offset] != '\r') ++offset;
    return offset;
  }
  // The start of the next line, or nullopt at the end of the text.
  std::optional<std::size_t> next_start(std::size_t offset) const {
    std::size_t end = end_of(offset);
    if (end >= text_.size()) return std::nullopt;
    end += text_[end] == '\r' && end + 1 < text_.size() && text_[end + 1] == '\n' ? 2 : 1;
    return end;
  }
  std::optional<std::size_t> previous_start(std::size_t offset) const {
    std::size_t start = start_of(offset);
    if (start == 0) return std::nullopt;
    --start;
    if (text_[start] == '\n' && start > 0 && text_[start - 1] == '\r') --start;
    return start_of(start);
  }
  std::string_view line_at(std::size_t start) const { return text_.substr(start, end_of(start) - start); }

 private:
  std::string_view text_;
  std::vector<std::size_t> newlines_;
};

// Where the Markdown starts: after a BOM and a closed front matter.
inline std::size_t markdown_start(std::string_view text) {
  std::size_t start = text.substr(0, utf8_bom.size()) == utf8_bom ? utf8_bom.size() : 0;
  const front_matter fm = read_front_matter(text);
  if (!fm.closed) return start;
  for (std::size_t line = 1; line < fm.body_line && start < text.size(); ++line) {
    const std::size_t newline = text.find('\n', start);
    start = newline == std::string_view::npos ? text.size() : newline + 1;
  }
  return start;
}

inline constexpr std::string_view section_title = "1. clarification items";
inline constexpr std::string_view shown_title = "'1. Clarification Items'";

// "C-" and at least three ASCII digits.
inline bool is_clarification_id(std::string_view id) {
  if (id.size() < 5 || id.substr(0, 2) != "C-") return false;
  return id.find_first_not_of("0123456789", 2) == std::string_view::npos;
}

// Removes a trailing attribute block "{#anchor}" (or "{#anchor .class}").
inline std::string_view without_attribute_block(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.back() != '}') return s;
  const std::size_t open = s.rfind('{');
  if (open == std::string_view::npos || s.substr(open, 2) != "{#") return s;
  return trim(s.substr(0, open));
}

// A folded heading without its section number ("§1", "2.", "1)"): what is
// left tells whether a heading names the clarification items at all.
inline std::string_view without_section_number(std::string_view folded) {
  if (folded.substr(0, 2) == "\xC2\xA7") folded.remove_prefix(2);  // §
  const std::size_t digits = folded.find_first_not_of("0123456789");
  folded.remove_prefix(digits == std::string_view::npos ? folded.size() : digits);
  if (!folded.empty() && (folded.front() == '.' || folded.front() == ')')) folded.remove_prefix(1);
  return trim(folded);
}

// A heading's rendered text in the form it is compared in.
inline std::string heading_key(const markdown_block& heading) {
  return std::string(without_attribute_block(fold(heading.text)));
}

// Where section 1 is: blocks [first, end) after its heading, or why it cannot be trusted.
struct section_search {
  bool present = false;
  std::size_t heading = 0, first = 0, end = 0;  // indices into the blocks
  std::string reason;
};

inline std::string quote_heading(const source_lines& lines, const markdown_block& heading) {
  if (!heading.offset) return excerpt(normalize_spaces(heading.text));
  return excerpt(trim(without_bom(lines.line_at(lines.start_of(*heading.offset)))));
}

inline std::string heading_line(const source_lines& lines, const markdown_block& heading) {
  return heading.offset ? lines.line_ref_at(*heading.offset) : "an unknown line";
}

// The section is the first heading, of any level, that reads "1. Clarification
// Items"; it runs to the next heading of the same or a higher level.
inline section_search find_section(const std::vector<markdown_block>& blocks, const source_lines& lines) {
  section_search found;
  bool inside = false;
  unsigned level = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const markdown_block& h = blocks[i];
    if (h.what == markdown_block::kind::short_text) {
      // "**1. Clarification Items**" or "1. Clarification Items" over "---" (a
      // list item and a rule): it reads like the heading, so a gate is meant.
      if (without_section_number(heading_key(h)) != "clarification items") continue;
      if (found.reason.empty())
        found.reason = heading_line(lines, h) + ", " + quote_heading(lines, h) +
                       ", names the clarification items but is not a heading; write it as '## 1. Clarification Items'";
      found.present = true;
      continue;
    }
    if (h.what != markdown_block::kind::heading) continue;
    if (inside && h.level <= level) found.end = i, inside = false;
    const std::string key = heading_key(h);
    const bool exact = key == section_title;
    if (!exact && without_section_number(key) != "clarification items") continue;
    if (found.reason.empty() && !exact)
      found.reason = "the heading on " + heading_line(lines, h) + ", " + quote_heading(lines, h) +
                     ", names the clarification items but is not " + std::string(shown_title);
    if (found.reason.empty() && exact && found.present)
      found.reason = std::string(shown_title) + " appears twice, on lines " +
                     std::to_string(lines.number(blocks[found.heading].offset.value_or(0))) + " and " +
                     std::to_string(lines.number(h.offset.value_or(0)));
    if (exact && !found.present) {
      found.heading = i, found.first = i + 1, found.end = blocks.size();
      inside = true, level = h.level;
    }
    found.present = true;
  }
  return found;
}

struct gate_columns {
  std::size_t count = 0;
  std::optional<std::size_t> id, blocks, status, question;
};

// Maps the header's cells to the columns the gate reads (case and spacing
// ignored, any order, other columns allowed); a reason when that fails.
inline std::string map_columns(const std::vector<std::string>& header, const std::string& where,
                               gate_columns& columns) {
  columns.count = header.size();
  const std::pair<std::string_view, std::optional<std::size_t>*> wanted[] = {
      {"id", &columns.id}, {"blocks", &columns.blocks}, {"status", &columns.status}, {"question", &columns.question}};
  for (std::size_t c = 0; c < header.size(); ++c) {
    const std::string name = fold(header[c]);
    for (const auto& [column, slot] : wanted) {
      if (name != column) continue;
      if (*slot) return where + " has two " + excerpt(header[c]) + " columns";
      *slot = c;
    }
  }
  if (!columns.blocks) return where + " has no 'Blocks' column";
  if (!columns.status) return where + " has no 'Status' column";
  return {};
}

// A row that only holds "-" (or dashes, or nothing) stands for "no items".
inline bool is_placeholder_row(const std::vector<std::string>& cells) {
  for (const auto& cell : cells)
    if (!cell.empty() && cell != "-" && cell != "\xE2\x80\x94" && cell != "\xE2\x80\x93") return false;
  return true;
}

// Reads the rows of the gate's tables; stops at the first unreadable one.
class row_reader {
 public:
  std::string read(const std::vector<std::string>& cells, std::size_t line_number, const gate_columns& columns) {
    if (is_placeholder_row(cells)) return {};
    const std::string& id = cells[*columns.id];
    const std::string where = "the row on " + line_ref(line_number);
    if (!is_clarification_id(id)) return where + " has ID " + excerpt(id) + ", which is not of the form C-001";
    const std::string status = fold(cells[*columns.status]);
    if (status != "open" && status != "answered" && status != "resolved" && status != "obsolete")
      return where + " (" + id + ") has status " + excerpt(cells[*columns.status]) +
             ", not one of open, answered, resolved, obsolete";
    std::vector<std::string> blocks;
    if (std::string reason = read_blocks(cells[*columns.blocks], blocks); !reason.empty())
      return where + " (" + id + ") blocks " + reason + ", not one of approval, implementation, -";
    if (const auto [seen, fresh] = first_line_of_.emplace(id, line_number); !fresh)
      return "ID " + id + " appears twice, on lines " + std::to_string(seen->second) + " and " +
             std::to_string(line_number);
    const bool blocks_approval = std::find(blocks.begin(), blocks.end(), "approval") != blocks.end();
    if (blocks_approval && (status == "open" || status == "answered"))
      blockers_.push_back({id, status, std::move(blocks), columns.question ? cells[*columns.question] : ""});
    return {};
  }

  std::vector<blocker> take_blockers() { return std::move(blockers_); }

 private:
  // The comma list of a Blocks cell, lower case, without "-" and repeats; the
  // unknown entry, quoted, when there is one.
  static std::string read_blocks(std::string_view cell, std::vector<std::string>& blocks) {
    while (!cell.empty()) {
      const std::size_t comma = cell.find(',');
      const std::string_view raw = trim(cell.substr(0, comma));
      cell.remove_prefix(comma == std::string_view::npos ? cell.size() : comma + 1);
      const std::string token = fold(raw);
      if (token.empty() || token == "-") continue;
      if (token != "approval" && token != "implementation") return excerpt(raw);
      if (std::find(blocks.begin(), blocks.end(), token) == blocks.end()) blocks.push_back(token);
    }
    return {};
  }

  std::map<std::string, std::size_t> first_line_of_;
  std::vector<blocker> blockers_;
};

}  // namespace detail

}  // namespace okstra::clarification
