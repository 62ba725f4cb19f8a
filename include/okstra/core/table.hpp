// okstra/core/table.hpp — aligned text tables that fit the terminal.
//
// Contract (docs/cli.md, "Terminal width and colour"):
// - One header line (the column titles), then the rows; a rule row is a line
//   of dashes under each column. Two spaces between columns, no trailing
//   blanks. Left-aligned columns are text, right-aligned columns numbers.
// - Widths are display widths (okstra/core/display_width.hpp). When the
//   table is wider than `width`, the widest text column is narrowed one
//   column at a time, never below its min_width, and cells that no longer
//   fit end with "…". Numbers are never shortened: a table whose numbers
//   alone do not fit is printed wider than `width`.
// - Colour only when style.color: bold header and total rows, dim part rows,
//   and with colour_status_words the status words of body cells
//   (style::status_tone). Cells must already be printable text.
// - A bar (layout.bar): rows with a bar value get, after the last column and
//   two spaces, a bar proportional to their value, the largest value of the
//   table filling it. The bar takes the columns the fitted table leaves free
//   up to bar_max, and is left out of every row when fewer than bar_min are
//   free: it never widens the table nor narrows a column. bar() draws it.
// - bar(): `cells` columns hold cells * 8 eighths in UTF-8 ("▏" … "█"), or
//   cells whole '#' in ASCII (style.utf8 false). The length is value /
//   largest of that, rounded to the nearest step (halves up); a value above
//   zero shows at least one step, zero none, and value >= largest is full.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/style.hpp"

namespace okstra::table {

enum class align { left, right };

struct column {
  std::string title;
  align side = align::left;
  std::size_t min_width = 6;  // a text column is never narrowed below this
};

enum class row_kind { body, part, total, rule };

struct row {
  row_kind kind = row_kind::body;
  std::vector<std::string> cells;  // missing cells are empty
  std::optional<std::uint64_t> bar = std::nullopt;  // with layout.bar: this row's bar value
};

struct layout {
  std::vector<column> columns;
  std::vector<row> rows;
  bool color_status_words = false;
  bool bar = false;           // draw the rows' bar values
  std::size_t bar_min = 8;    // fewer free columns: no bar at all
  std::size_t bar_max = 60;   // a longer bar would show nothing more
};

// The width of the table with every column at its widest cell.
std::size_t natural_width(const layout& t);
// The width of the table with every text column narrowed as far as allowed.
std::size_t narrowest_width(const layout& t);
// The table's lines, each ending in '\n', fitted to `width` columns.
std::string render(const layout& t, std::size_t width, const style::output_style& style);
// A bar of `value` against `largest` in `cells` columns (empty for zero).
std::string bar(std::uint64_t value, std::uint64_t largest, std::size_t cells, bool utf8);

}  // namespace okstra::table

#ifndef OKSTRA_COMPILED_LIB
#include "okstra/core/detail/table.hpp"
#endif
