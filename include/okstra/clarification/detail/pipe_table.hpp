// The cells of one line of a GitHub table, split as GitHub splits them
// (docs/plan-validate.md "The tables"): on every pipe not escaped as "\|",
// also inside a code span; one leading and one trailing pipe are optional;
// "||" is an empty cell. The gate splits the source line itself, because
// md4c drops empty cells and keeps code-span pipes, and checks that md4c's
// rendered text falls into these cells. Include
// okstra/clarification/clarification.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/clarification/detail/text.hpp"

namespace okstra::clarification::detail {

// Where a cell's source lies in its line: [begin, end), untrimmed, pipes excluded.
struct cell_span {
  std::size_t begin = 0, end = 0;
};

struct table_row {
  std::vector<std::string> cells;  // trimmed source text, "\|" unescaped
  std::vector<cell_span> spans;    // one per cell, offsets into the line given
  bool has_pipe = false;           // an unescaped pipe: the line can be a table row
};

inline table_row split_table_row(std::string_view line) {
  const std::string_view s = trim(line);
  const std::size_t base = static_cast<std::size_t>(s.data() - line.data());
  table_row row;
  std::string cell;
  std::size_t cell_begin = 0;
  bool ends_with_pipe = false;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      // A backslash escapes any next character from splitting (so "\\|" is an
      // escaped backslash and a pipe); only "\|" loses its backslash.
      if (s[i + 1] != '|') cell += s[i];
      cell += s[i + 1];
      i += 2;
    } else if (s[i] == '|') {
      row.has_pipe = true;
      row.cells.emplace_back(trim(cell));
      row.spans.push_back({base + cell_begin, base + i});
      cell.clear();
      cell_begin = i + 1;
      ends_with_pipe = i + 1 == s.size();
      ++i;
    } else {
      cell += s[i++];
    }
  }
  row.cells.emplace_back(trim(cell));
  row.spans.push_back({base + cell_begin, base + s.size()});
  if (!s.empty() && s.front() == '|') {
    row.cells.erase(row.cells.begin());
    row.spans.erase(row.spans.begin());
  }
  if (ends_with_pipe && !row.cells.empty()) {
    row.cells.pop_back();
    row.spans.pop_back();
  }
  return row;
}

// The cell whose span holds source bytes [begin, end) of the line, if one does.
inline std::optional<std::size_t> cell_holding(const table_row& row, std::size_t begin, std::size_t end) {
  const auto it = std::upper_bound(row.spans.begin(), row.spans.end(), begin,
                                   [](std::size_t offset, const cell_span& span) { return offset < span.begin; });
  if (it == row.spans.begin()) return std::nullopt;
  const cell_span& span = *(it - 1);
  if (end > span.end) return std::nullopt;
  return static_cast<std::size_t>(it - 1 - row.spans.begin());
}

// "---", ":---", "---:" or ":---:" (the alignment row under a header).
inline bool is_alignment_cell(std::string_view cell) {
  if (!cell.empty() && cell.front() == ':') cell.remove_prefix(1);
  if (!cell.empty() && cell.back() == ':') cell.remove_suffix(1);
  return !cell.empty() && cell.find_first_not_of('-') == std::string_view::npos;
}

inline bool is_alignment_row(const table_row& row) {
  return row.has_pipe && !row.cells.empty() &&
         std::all_of(row.cells.begin(), row.cells.end(), [](const std::string& c) { return is_alignment_cell(c); });
}

}  // namespace okstra::clarification::detail
