// Definitions of okstra/core/table.hpp (docs/cli.md, "Terminal width and colour").
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "okstra/core/display_width.hpp"
#include "okstra/core/table.hpp"

namespace okstra::table {

namespace detail {

inline std::vector<std::size_t> widest_cells(const layout& t) {
  std::vector<std::size_t> w(t.columns.size(), 0);
  for (std::size_t c = 0; c < w.size(); ++c) w[c] = display::width(t.columns[c].title);
  for (const auto& r : t.rows)
    for (std::size_t c = 0; c < r.cells.size() && c < w.size(); ++c) w[c] = std::max(w[c], display::width(r.cells[c]));
  return w;
}

inline std::size_t sum(const std::vector<std::size_t>& w) {
  std::size_t n = w.empty() ? 0 : 2 * (w.size() - 1);
  for (auto x : w) n += x;
  return n;
}

inline std::size_t floor_of(const column& c, std::size_t natural) {
  return c.side == align::right ? natural : std::min(natural, std::max<std::size_t>(c.min_width, 2));
}

// Narrows the widest text column one step at a time until the table fits.
inline std::vector<std::size_t> fitted(const layout& t, std::size_t width) {
  auto w = widest_cells(t);
  std::vector<std::size_t> floor(w.size());
  for (std::size_t c = 0; c < w.size(); ++c) floor[c] = floor_of(t.columns[c], w[c]);
  for (std::size_t total = sum(w); total > width; --total) {
    std::size_t pick = w.size();
    for (std::size_t c = 0; c < w.size(); ++c)
      if (w[c] > floor[c] && (pick == w.size() || w[c] > w[pick])) pick = c;
    if (pick == w.size()) break;
    --w[pick];
  }
  return w;
}

inline std::string line_of(const layout& t, const row& r, const std::vector<std::size_t>& w,
                           const style::output_style& style, bool header) {
  std::string text;
  for (std::size_t c = 0; c < w.size(); ++c) {
    if (c) text += "  ";
    if (r.kind == row_kind::rule && !header) {
      text.append(w[c], '-');
      continue;
    }
    const std::string& raw = header ? t.columns[c].title : (c < r.cells.size() ? r.cells[c] : std::string());
    const std::string cell = display::truncate(raw, w[c]);
    const std::string pad(w[c] - std::min(w[c], display::width(cell)), ' ');
    const bool paint = t.color_status_words && !header && r.kind == row_kind::body;
    const std::string shown = paint ? style::paint(cell, style::status_tone(cell), style) : cell;
    text += t.columns[c].side == align::right ? pad + shown : shown + pad;
  }
  text.erase(text.find_last_not_of(' ') + 1);
  style::tone tone = style::tone::plain;
  if (header || r.kind == row_kind::total) tone = style::tone::bold;
  else if (r.kind == row_kind::part) tone = style::tone::dim;
  if (!style.color || tone == style::tone::plain) return text + "\n";
  return std::string(tone == style::tone::bold ? "\x1b[1m" : "\x1b[2m") + text + "\x1b[0m\n";
}

}  // namespace detail

OKSTRA_INLINE std::size_t natural_width(const layout& t) { return detail::sum(detail::widest_cells(t)); }

OKSTRA_INLINE std::size_t narrowest_width(const layout& t) {
  auto w = detail::widest_cells(t);
  for (std::size_t c = 0; c < w.size(); ++c) w[c] = detail::floor_of(t.columns[c], w[c]);
  return detail::sum(w);
}

OKSTRA_INLINE std::string bar(std::uint64_t value, std::uint64_t largest, std::size_t cells, bool utf8) {
  if (value == 0 || largest == 0 || cells == 0) return {};
  const std::uint64_t steps = cells * (utf8 ? 8 : 1);
  std::uint64_t n = steps;
  if (value < largest) {
    // long double holds every 64-bit count exactly: no overflow, no drift.
    const long double share = static_cast<long double>(value) * static_cast<long double>(steps) / largest;
    n = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(share + 0.5L), 1, steps);
  }
  if (!utf8) return std::string(n, '#');
  std::string out;
  for (std::uint64_t i = 0; i < n / 8; ++i) out += "\xe2\x96\x88";  // "█"
  // U+2589 "▉" (seven eighths) down to U+258F "▏" (one eighth).
  if (const auto rest = n % 8) out += {'\xe2', '\x96', static_cast<char>(0x90 - rest)};
  return out;
}

OKSTRA_INLINE std::string render(const layout& t, std::size_t width, const style::output_style& style) {
  if (t.columns.empty()) return {};
  const auto w = detail::fitted(t, width);
  const std::size_t used = detail::sum(w);
  std::size_t cells = 0;
  std::uint64_t largest = 0;
  if (t.bar && width >= used + 2 + t.bar_min) {
    cells = std::min(width - used - 2, t.bar_max);
    for (const auto& r : t.rows) largest = std::max(largest, r.bar.value_or(0));
  }
  std::string out = detail::line_of(t, {}, w, style, true);
  for (const auto& r : t.rows) {
    std::string line = detail::line_of(t, r, w, style, false);
    const std::string drawn = cells && r.bar ? bar(*r.bar, largest, cells, style.utf8) : std::string();
    if (!drawn.empty()) {
      line.pop_back();  // the '\n'
      line.append(used - std::min(used, display::width(line)), ' ').append("  ").append(drawn).append("\n");
    }
    out += line;
  }
  return out;
}

}  // namespace okstra::table
