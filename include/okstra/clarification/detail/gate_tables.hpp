// The tables of section 1 and scan_approval_gate() of
// okstra/clarification/clarification.hpp (include that header instead).
// md4c says where a table is and how its cells render; the cells are the
// ones GitHub shows (docs/plan-validate.md "The tables"): the gate splits
// each row's source line itself and puts md4c's rendered text into those
// cells. Whenever the two disagree, the row is refused, never guessed.
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/clarification/detail/gate.hpp"
#include "okstra/clarification/detail/markdown.hpp"
#include "okstra/clarification/detail/pipe_table.hpp"

namespace okstra::clarification {

namespace detail {

// The source lines of a top-level table: header, alignment row, body rows.
struct table_source {
  std::vector<std::size_t> starts;  // line start offsets
  std::string where;                // "the table on line N"
};

// Finds the lines from any piece whose source is known: md4c's rows are
// consecutive lines, the alignment row right under the header.
inline std::optional<table_source> locate_table(const markdown_block& table, const source_lines& lines) {
  const cell_piece* known = nullptr;
  for (const auto& piece : table.pieces)
    if (piece.offset) {
      known = &piece;
      break;
    }
  if (!known) return std::nullopt;  // nothing in it renders as text
  std::optional<std::size_t> start = lines.start_of(*known->offset);
  for (std::size_t back = known->row == 0 ? 0 : known->row + 1; back > 0 && start; --back)
    start = lines.previous_start(*start);
  table_source source;
  for (std::size_t row = 0; row < table.body_rows + 2 && start; ++row) {
    source.starts.push_back(*start);
    start = lines.next_start(*start);
  }
  if (source.starts.size() != table.body_rows + 2) return std::nullopt;
  source.where = "the table on " + lines.line_ref_at(source.starts.front());
  return source;
}

// In a code span, GitHub unescapes "\|" too (md4c leaves it as written).
inline std::string unescape_pipes(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '|')) out += text[i];
  return out;
}

// The rendered text of each source cell of one row: md4c's pieces [first,
// last) put into the cells of `raw`. nullopt when a piece lies across or
// outside the cells, or md4c's cells and the source cells do not map one to one.
inline std::optional<std::vector<std::string>> rendered_cells(const std::vector<cell_piece>& pieces, std::size_t first,
                                                              std::size_t last, const table_row& raw,
                                                              std::size_t line_start) {
  std::map<std::size_t, std::size_t> cell_of_column, column_of_cell;
  for (std::size_t i = first; i < last; ++i) {
    const cell_piece& piece = pieces[i];
    if (!piece.offset) continue;
    if (*piece.offset < line_start) return std::nullopt;
    const std::size_t at = *piece.offset - line_start;
    const auto cell = cell_holding(raw, at, at + piece.source_size);
    if (!cell) return std::nullopt;
    if (cell_of_column.emplace(piece.column, *cell).first->second != *cell) return std::nullopt;
    if (column_of_cell.emplace(*cell, piece.column).first->second != piece.column) return std::nullopt;
  }
  std::vector<std::string> cells(raw.cells.size());
  for (std::size_t i = first; i < last; ++i) {
    const auto it = cell_of_column.find(pieces[i].column);
    if (it == cell_of_column.end()) return std::nullopt;
    cells[it->second] += pieces[i].code ? unescape_pipes(pieces[i].text) : pieces[i].text;
  }
  for (auto& cell : cells) cell = normalize_spaces(cell);
  return cells;
}

// [first, last) of each row's pieces (pieces come in row order).
inline std::vector<std::pair<std::size_t, std::size_t>> pieces_by_row(const markdown_block& table) {
  std::vector<std::pair<std::size_t, std::size_t>> rows(table.body_rows + 1, {0, 0});
  for (std::size_t i = 0; i < table.pieces.size(); ++i) {
    const std::size_t row = table.pieces[i].row;
    if (row >= rows.size()) continue;
    if (rows[row].first == rows[row].second) rows[row].first = i;
    rows[row].second = i + 1;
  }
  return rows;
}

// Reads one top-level table of section 1: a reason when it cannot be trusted; its
// rows go to `reader` when it is a gate table (one with an ID column).
inline std::string read_table(const markdown_block& table, const source_lines& lines, row_reader& reader,
                              bool& gate_table) {
  const std::optional<table_source> source = locate_table(table, lines);
  if (!source) return {};  // no text at all: nothing a reader could see as an item
  const auto line_of = [&](std::size_t row) { return lines.line_at(source->starts[row]); };
  const table_row header = split_table_row(line_of(0)), alignment = split_table_row(line_of(1));
  if (alignment.cells.size() != header.cells.size())
    return "the alignment row on " + lines.line_ref_at(source->starts[1]) + " has " +
           std::to_string(alignment.cells.size()) + " cells but the header above it has " +
           std::to_string(header.cells.size());
  const auto rows = pieces_by_row(table);
  const auto names = rendered_cells(table.pieces, rows[0].first, rows[0].second, header, source->starts[0]);
  if (!names)
    return "the header on " + lines.line_ref_at(source->starts[0]) +
           " does not split into cells the way it renders; escape a pipe inside a cell as '\\|'";
  gate_table = std::any_of(names->begin(), names->end(), [](const std::string& c) { return fold(c) == "id"; });
  if (!gate_table) return {};
  gate_columns columns;
  if (std::string reason = map_columns(*names, source->where, columns); !reason.empty()) return reason;
  for (std::size_t row = 1; row <= table.body_rows; ++row) {
    const std::size_t start = source->starts[row + 1];
    const std::string where = "the row on " + lines.line_ref_at(start);
    const table_row raw = split_table_row(line_of(row + 1));
    if (raw.cells.size() != columns.count)
      return where + " has " + std::to_string(raw.cells.size()) + " cells but the table header has " +
             std::to_string(columns.count);
    const auto cells = rendered_cells(table.pieces, rows[row].first, rows[row].second, raw, start);
    if (!cells) return where + " does not split into cells the way it renders; escape a pipe inside a cell as '\\|'";
    if (std::string reason = reader.read(*cells, lines.number(start), columns); !reason.empty()) return reason;
  }
  return {};
}

// Every table of the section with an ID column is a gate table; other
// tables (notes, a legend) are left alone.
inline std::string read_gate_tables(const std::vector<markdown_block>& blocks, const source_lines& lines,
                                    const section_search& section, std::vector<blocker>& blockers) {
  for (std::size_t i = section.first; i < section.end; ++i) {
    if (blocks[i].what != markdown_block::kind::pipe_line) continue;
    const std::string where = blocks[i].offset ? lines.line_ref_at(*blocks[i].offset) : "a line";
    if (blocks[i].alignment)
      return where + " reads as an alignment row but does not make a table; write at least three dashes per " +
             "column ('|---|---|'), with a blank line above the table";
    return where + " starts with '|' but is not part of a table; a blank line or a missing alignment row cuts a table";
  }
  std::vector<const markdown_block*> tables;
  for (std::size_t i = section.first; i < section.end; ++i)
    if (blocks[i].what == markdown_block::kind::table) tables.push_back(&blocks[i]);
  if (tables.empty())
    return "no table follows the " + std::string(shown_title) + " heading on " +
           heading_line(lines, blocks[section.heading]);
  row_reader reader;
  bool any_gate_table = false;
  std::string first_table;
  for (const markdown_block* table : tables) {
    if (table->in_container) {
      for (const auto& piece : table->pieces)
        if (piece.offset)
          return "the table on " + lines.line_ref_at(*piece.offset) +
                 " is inside a list item or a block quote; write the items table at the top level of the section";
      continue;
    }
    if (first_table.empty())
      if (const auto source = locate_table(*table, lines)) first_table = source->where;
    bool gate_table = false;
    if (std::string reason = read_table(*table, lines, reader, gate_table); !reason.empty()) return reason;
    any_gate_table = any_gate_table || gate_table;
  }
  if (!any_gate_table)
    return (first_table.empty() ? std::string("the table") : first_table) + " under " + std::string(shown_title) +
           " has no 'ID' column";
  blockers = reader.take_blockers();
  return {};
}

// The gate and the legacy approval of a report, from one reading of its Markdown.
struct report_scan {
  gate_scan gate;
  bool legacy_approval = false;
};

inline report_scan scan_report(std::string_view text) {
  report_scan out;
  gate_scan& scan = out.gate;
  if (text.size() > max_report_bytes) {
    scan.present = true;
    scan.unreadable_reason = "the report is larger than 64 MiB";
    return out;
  }
  const rendered_report md = render_markdown(text, markdown_start(text));
  if (!md.failure.empty()) {
    scan.present = true;
    scan.unreadable_reason = md.failure;
    return out;
  }
  out.legacy_approval = md.legacy_approval;
  const source_lines lines(text);
  const section_search section = find_section(md.blocks, lines);
  scan.present = section.present;
  if (!section.present) return out;
  scan.unreadable_reason = section.reason;
  if (scan.unreadable_reason.empty())
    scan.unreadable_reason = read_gate_tables(md.blocks, lines, section, scan.blockers);
  if (!scan.readable()) scan.blockers.clear();
  return out;
}

}  // namespace detail

OKSTRA_INLINE gate_scan scan_approval_gate(std::string_view text) { return detail::scan_report(text).gate; }

}  // namespace okstra::clarification
