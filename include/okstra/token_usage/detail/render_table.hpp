// The terminal table of okstra/token_usage/report.hpp. Include that header.
//
// Contract: one header line, a rule, one line per row (further models of a
// row on continuation lines; with breakdown, one "└ model" line per model),
// a rule and a "Total" line; text columns left-aligned, numbers
// right-aligned with thousands separators, cost in USD with cents. Columns
// are measured in code points (CJK wide characters may misalign — rare in
// model names and project basenames). Unpriced models get a note line. An
// empty report is the single line "no usage found". ANSI colour (bold header
// and total, dim breakdown, yellow note) only when `color` is true.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/time.hpp"
#include "okstra/core/utf8.hpp"

namespace okstra::token_usage {

namespace detail {

inline std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

inline std::string money(double usd) {
  const double rounded = std::round(std::max(usd, 0.0) * 100);
  if (!(rounded < 1e19)) {  // beyond 64-bit cents (only absurd counts get here): plain digits
    char plain[64];
    std::snprintf(plain, sizeof plain, "%.2f", usd);
    return plain;
  }
  const auto cents = static_cast<std::uint64_t>(rounded);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%02u", static_cast<unsigned>(cents % 100));
  return grouped(cents / 100) + frac;
}

inline std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) utf8::next(s, i);
  return n;
}

// "2026-11-24 09:00" in the report's zone.
inline std::string local_minute(const time_zone& zone, std::int64_t utc_ms) {
  return zone.format_iso(utc_ms).substr(0, 16).replace(10, 1, " ");
}

inline std::string basename_of(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  const auto base = slash == std::string_view::npos || path.size() == 1 ? path : path.substr(slash + 1);
  return base.empty() ? "-" : std::string(base);
}

enum class line_style { header, row, part, total };

struct table_line {
  line_style style;
  std::vector<std::string> cells;  // empty: a rule
};

struct table_builder {
  const report& r;
  std::size_t text_columns;  // key, extras, models; the rest are numbers
  std::vector<table_line> lines;

  void add(line_style style, std::vector<std::string> text, const tokens* t, double cost) {
    text.resize(text_columns);
    // Keys, models and folders come from logs: no control byte reaches the
    // terminal (docs/cli.md, "Messages").
    for (std::string& cell : text) cell = printable(cell);
    if (t) {
      for (std::uint64_t v : {t->input, t->output, t->cache_write_5m, t->cache_write_1h, t->cache_read, t->total()})
        text.push_back(grouped(v));
      text.push_back(money(cost));
    }
    text.resize(text_columns + 7);
    lines.push_back({style, std::move(text)});
  }

  std::vector<std::string> extras(const report_row& row) const {
    if (r.kind == report_kind::session)
      return {basename_of(row.project), local_minute(r.zone, row.last_activity_ms.value_or(0))};
    if (r.kind == report_kind::blocks) return {local_minute(r.zone, row.last_activity_ms.value_or(0))};
    return {};
  }

  void add_row(const report_row& row) {
    std::string key = row.key;
    if (r.kind == report_kind::blocks)
      key = local_minute(r.zone, row.block_start_ms.value_or(0)) + (row.active ? " (active)" : "");
    std::vector<std::string> first = {key};
    for (auto& e : extras(row)) first.push_back(std::move(e));
    first.push_back(r.breakdown || row.models.empty() ? "" : row.models.front());
    add(line_style::row, first, &row.usage, row.cost_usd);
    if (r.breakdown) {
      for (const auto& m : row.breakdown) {
        std::vector<std::string> text(text_columns - 1);
        text.push_back("└ " + m.model);
        add(line_style::part, text, &m.usage, m.cost_usd);
      }
      return;
    }
    for (std::size_t i = 1; i < row.models.size(); ++i) {
      std::vector<std::string> text(text_columns - 1);
      text.push_back(row.models[i]);
      add(line_style::row, text, nullptr, 0);
    }
  }
};

inline std::string_view ansi_style(line_style style) {
  if (style == line_style::header || style == line_style::total) return "\x1b[1m";  // bold
  return style == line_style::part ? "\x1b[2m" : "";                                // dim
}

inline std::string table_text(const std::vector<table_line>& lines, std::size_t text_columns, bool color) {
  std::vector<std::size_t> width(lines.front().cells.size(), 0);
  for (const auto& l : lines)
    for (std::size_t c = 0; c < l.cells.size(); ++c) width[c] = std::max(width[c], display_width(l.cells[c]));
  std::string out;
  for (const auto& l : lines) {
    std::string text;
    for (std::size_t c = 0; c < width.size(); ++c) {
      const std::string cell = l.cells.empty() ? std::string(width[c], '-') : l.cells[c];
      const std::string pad(width[c] - display_width(cell), ' ');
      text += c ? "  " : "";
      text += c < text_columns ? cell + pad : pad + cell;
    }
    text.erase(text.find_last_not_of(' ') + 1);
    const std::string_view style = color && !l.cells.empty() ? ansi_style(l.style) : "";
    out += style.empty() ? text + "\n" : std::string(style) + text + "\x1b[0m\n";
  }
  return out;
}

}  // namespace detail

inline std::string render_table(const report& r, bool color) {
  using namespace detail;
  if (r.rows.empty()) return "no usage found\n";
  std::vector<std::string> header = {std::string(key_title(r.kind, true))};
  if (r.kind == report_kind::session) header.insert(header.end(), {"Project", "Last Activity"});
  if (r.kind == report_kind::blocks) header.push_back("Last Activity");
  header.push_back("Models");
  table_builder b{r, header.size(), {}};
  header.insert(header.end(), {"Input", "Output", "Cache 5m", "Cache 1h", "Cache Read", "Total", "Cost USD"});
  b.lines.push_back({line_style::header, header});
  b.lines.push_back({line_style::row, {}});
  for (const auto& row : r.rows) b.add_row(row);
  b.lines.push_back({line_style::row, {}});
  b.add(line_style::total, {"Total"}, &r.totals, r.total_cost_usd);
  std::string out = table_text(b.lines, b.text_columns, color);
  if (!r.unpriced_models.empty()) {
    std::vector<std::string> named;
    for (const auto& m : r.unpriced_models) named.push_back(m.model + " (" + grouped(m.tokens) + " tokens)");
    const std::string note = "note: no price for " + join(named, ", ") + ", counted as 0 USD; see 'okstra-usage prices'";
    out += color ? "\x1b[33m" + note + "\x1b[0m\n" : note + "\n";
  }
  return out;
}

}  // namespace okstra::token_usage
