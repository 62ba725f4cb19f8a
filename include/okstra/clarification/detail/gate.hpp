// scan_approval_gate() of okstra/clarification/clarification.hpp (include
// that header instead): find §1, find its tables, read the rows.
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
#include "okstra/clarification/detail/pipe_table.hpp"
#include "okstra/clarification/detail/text.hpp"

namespace okstra::clarification {

namespace detail {

// The lines of a report and where its Markdown body starts (after a closed
// front matter). Fences are tracked from the body on: front matter is not Markdown.
struct report_body {
  std::vector<line> lines;
  std::size_t start = 0;
  std::vector<bool> in_code;  // per line, false in the front matter
};

inline report_body read_body(std::string_view text) {
  report_body body;
  body.lines = split_lines(text);
  const front_matter fm = read_front_matter(text);
  body.start = fm.closed ? fm.body_line - 1 : 0;
  const std::vector<line> markdown(body.lines.begin() + static_cast<std::ptrdiff_t>(body.start), body.lines.end());
  body.in_code.assign(body.start, false);
  const std::vector<bool> rest = code_lines(markdown);
  body.in_code.insert(body.in_code.end(), rest.begin(), rest.end());
  return body;
}

inline constexpr std::string_view section_title = "1. clarification items";
inline constexpr std::string_view shown_title = "'## 1. Clarification Items'";

// "C-" and at least three ASCII digits.
inline bool is_clarification_id(std::string_view id) {
  if (id.size() < 5 || id.substr(0, 2) != "C-") return false;
  return id.find_first_not_of("0123456789", 2) == std::string_view::npos;
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

// Where §1 is: lines [first, end) after its heading, or why it cannot be trusted.
struct section_search {
  bool present = false;
  std::size_t heading = 0, first = 0, end = 0;  // indices into the lines
  std::string reason;
};

inline section_search find_section(const std::vector<line>& lines, const std::vector<bool>& in_code,
                                   std::size_t body_start) {
  section_search found;
  bool inside = false;
  for (std::size_t i = body_start; i < lines.size(); ++i) {
    if (in_code[i]) continue;
    const auto h = parse_heading(lines[i].text);
    if (!h) continue;
    if (inside && h->level <= 2) found.end = i, inside = false;
    const bool exact = h->level == 2 && h->text == section_title;
    if (!exact && without_section_number(h->text) != "clarification items") continue;
    if (found.reason.empty() && !exact)
      found.reason = "the heading on " + line_ref(lines[i].number) + ", " + excerpt(trim(lines[i].text)) +
                     ", names the clarification items but is not " + std::string(shown_title);
    if (found.reason.empty() && exact && found.present)
      found.reason = std::string(shown_title) + " appears twice, on lines " +
                     std::to_string(lines[found.heading].number) + " and " + std::to_string(lines[i].number);
    if (exact && !found.present) found.heading = i, found.first = i + 1, found.end = lines.size(), inside = true;
    found.present = true;
  }
  return found;
}

// A pipe table: header at lines[header], alignment row below it, rows up to end.
struct table_span {
  std::size_t header = 0, end = 0;
  table_row head, alignment;
};

// The tables of a section, and the first line outside them that starts with
// a pipe: a row cut off its table (by a blank line, or a table that lost its
// alignment row) that a reader of the rendered report would not see as one.
struct section_tables {
  std::vector<table_span> tables;
  std::optional<std::size_t> stray_row;
};

inline section_tables find_tables(const std::vector<line>& lines, const std::vector<bool>& in_code, std::size_t first,
                                  std::size_t end) {
  section_tables found;
  for (std::size_t i = first; i < end; ++i) {
    if (in_code[i]) continue;
    table_row head = split_table_row(lines[i].text);
    table_row alignment = i + 1 < end && !in_code[i + 1] ? split_table_row(lines[i + 1].text) : table_row{};
    if (!head.has_pipe || !is_alignment_row(alignment)) {
      const std::string_view text = trim(lines[i].text);
      if (!found.stray_row && !text.empty() && text.front() == '|') found.stray_row = i;
      continue;
    }
    std::size_t row = i + 2;
    while (row < end && !in_code[row] && !is_blank(lines[row].text) && split_table_row(lines[row].text).has_pipe) ++row;
    found.tables.push_back({i, row, std::move(head), std::move(alignment)});
    i = row - 1;
  }
  return found;
}

struct gate_columns {
  std::size_t count = 0;
  std::optional<std::size_t> id, blocks, status, question;
};

// Maps the header's cells to the columns the gate reads (case and spacing
// ignored, any order, other columns allowed); a reason when that fails.
inline std::string map_columns(const table_span& table, const line& header_line, gate_columns& columns) {
  const std::string where = "the table on " + line_ref(header_line.number);
  columns.count = table.head.cells.size();
  const std::pair<std::string_view, std::optional<std::size_t>*> wanted[] = {
      {"id", &columns.id}, {"blocks", &columns.blocks}, {"status", &columns.status}, {"question", &columns.question}};
  for (std::size_t c = 0; c < table.head.cells.size(); ++c) {
    const std::string name = fold(table.head.cells[c]);
    for (const auto& [column, slot] : wanted) {
      if (name != column) continue;
      if (*slot) return where + " has two " + excerpt(table.head.cells[c]) + " columns";
      *slot = c;
    }
  }
  if (!columns.blocks) return where + " has no 'Blocks' column";
  if (!columns.status) return where + " has no 'Status' column";
  if (table.alignment.cells.size() != columns.count)
    return "the alignment row on " + line_ref(header_line.number + 1) + " has " +
           std::to_string(table.alignment.cells.size()) + " cells but the header above it has " +
           std::to_string(columns.count);
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
  std::string read(const std::vector<std::string>& cells, const line& at, const gate_columns& columns) {
    if (cells.size() != columns.count)
      return "the row on " + line_ref(at.number) + " has " + std::to_string(cells.size()) +
             " cells but the table header has " + std::to_string(columns.count);
    if (is_placeholder_row(cells)) return {};
    const std::string& id = cells[*columns.id];
    const std::string where = "the row on " + line_ref(at.number);
    if (!is_clarification_id(id)) return where + " has ID " + excerpt(id) + ", which is not of the form C-001";
    const std::string status = fold(cells[*columns.status]);
    if (status != "open" && status != "answered" && status != "resolved" && status != "obsolete")
      return where + " (" + id + ") has status " + excerpt(cells[*columns.status]) +
             ", not one of open, answered, resolved, obsolete";
    std::vector<std::string> blocks;
    if (std::string reason = read_blocks(cells[*columns.blocks], blocks); !reason.empty())
      return where + " (" + id + ") blocks " + reason + ", not one of approval, implementation, -";
    if (const auto [seen, fresh] = first_line_of_.emplace(id, at.number); !fresh)
      return "ID " + id + " appears twice, on lines " + std::to_string(seen->second) + " and " +
             std::to_string(at.number);
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

// Every table of the section with an ID column is a gate table; other
// tables (notes, a legend) are left alone.
inline std::string read_gate_tables(const std::vector<line>& lines, const std::vector<bool>& in_code,
                                    const section_search& section, std::vector<blocker>& blockers) {
  const auto [tables, stray_row] = find_tables(lines, in_code, section.first, section.end);
  if (stray_row)
    return line_ref(lines[*stray_row].number) +
           " starts with '|' but is not part of a table; a blank line or a missing alignment row cuts a table";
  if (tables.empty())
    return "no table follows the " + std::string(shown_title) + " heading on " +
           line_ref(lines[section.heading].number);
  row_reader reader;
  bool any_gate_table = false;
  for (const auto& table : tables) {
    const auto& head = table.head.cells;
    if (std::none_of(head.begin(), head.end(), [](const std::string& c) { return fold(c) == "id"; })) continue;
    gate_columns columns;
    any_gate_table = true;
    if (std::string reason = map_columns(table, lines[table.header], columns); !reason.empty()) return reason;
    for (std::size_t r = table.header + 2; r < table.end; ++r)
      if (std::string reason = reader.read(split_table_row(lines[r].text).cells, lines[r], columns); !reason.empty())
        return reason;
  }
  if (!any_gate_table)
    return "the table on " + line_ref(lines[tables.front().header].number) + " under " + std::string(shown_title) +
           " has no 'ID' column";
  blockers = reader.take_blockers();
  return {};
}

}  // namespace detail

inline gate_scan scan_approval_gate(std::string_view text) {
  gate_scan scan;
  const detail::report_body body = detail::read_body(text);
  const detail::section_search section = detail::find_section(body.lines, body.in_code, body.start);
  scan.present = section.present;
  if (!section.present) return scan;
  scan.unreadable_reason = section.reason;
  if (scan.unreadable_reason.empty())
    scan.unreadable_reason = detail::read_gate_tables(body.lines, body.in_code, section, scan.blockers);
  if (!scan.readable()) scan.blockers.clear();
  return scan;
}

}  // namespace okstra::clarification
