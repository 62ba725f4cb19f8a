// Pipe-table rows (GitHub-flavoured Markdown) for the clarification module.
// Include okstra/clarification/clarification.hpp instead.
//
// A row is split on '|' except where the pipe is escaped ("\|", which becomes
// a plain '|' in the cell) or inside a backtick code span (a run of N
// backticks up to the next run of exactly N). One leading and one trailing
// pipe are optional. Cells are trimmed; everything else is kept as written.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/clarification/detail/text.hpp"

namespace okstra::clarification::detail {

struct table_row {
  std::vector<std::string> cells;
  bool has_pipe = false;  // an unescaped pipe outside code: the line can be a table row
};

// Maximal backtick runs of a line as (length, start), sorted, so the closer of
// a code span is found by binary search: linear-logarithmic on any line.
class backtick_runs {
 public:
  explicit backtick_runs(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
      if (s[i] != '`') {
        ++i;
        continue;
      }
      const std::size_t start = i;
      while (i < s.size() && s[i] == '`') ++i;
      runs_.emplace_back(i - start, start);
    }
    std::sort(runs_.begin(), runs_.end());
  }

  // Start of the first run of exactly `length` backticks at or after `from`.
  std::optional<std::size_t> closer(std::size_t length, std::size_t from) const {
    const auto it = std::lower_bound(runs_.begin(), runs_.end(), std::pair{length, from});
    if (it == runs_.end() || it->first != length) return std::nullopt;
    return it->second;
  }

 private:
  std::vector<std::pair<std::size_t, std::size_t>> runs_;
};

inline void append_unescaping_pipes(std::string& cell, std::string_view code) {
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (code[i] == '\\' && i + 1 < code.size() && code[i + 1] == '|') continue;
    cell += code[i];
  }
}

inline table_row split_table_row(std::string_view line) {
  const std::string_view s = trim(line);
  const backtick_runs runs(s);
  table_row row;
  std::string cell;
  bool ends_with_pipe = false;
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      if (s[i + 1] != '|') cell += c;
      cell += s[i + 1];
      i += 2;
    } else if (c == '`') {
      std::size_t length = 0;
      while (i + length < s.size() && s[i + length] == '`') ++length;
      const auto close = runs.closer(length, i + length);
      const std::size_t end = close ? *close + length : i + length;  // no closer: literal backticks
      append_unescaping_pipes(cell, s.substr(i, end - i));
      i = end;
    } else if (c == '|') {
      row.has_pipe = true;
      row.cells.emplace_back(trim(cell));
      cell.clear();
      ends_with_pipe = i + 1 == s.size();
      ++i;
    } else {
      cell += c;
      ++i;
    }
  }
  row.cells.emplace_back(trim(cell));
  if (!s.empty() && s.front() == '|') row.cells.erase(row.cells.begin());
  if (ends_with_pipe && !row.cells.empty()) row.cells.pop_back();
  return row;
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
