// The terminal table of okstra/token_usage/report.hpp. Include that header.
//
// Contract (docs/usage.md, "Tables that fit the terminal"): one header line, a
// rule, one line per row (further models of a row on continuation lines;
// with breakdown, one "└ model" line per model), a rule and a "Total" line;
// text columns left-aligned, numbers right-aligned with thousands separators,
// cost in USD with cents. Two layouts: the full one (every token bucket) when
// style.width is at least 100 columns and it fits there with no text column
// narrower than 16; else the compact one (one "Cache" column for writes and
// reads, no Total; session shows Total instead of the buckets; model names
// without "claude-" and the date suffix). Session tables show each session's
// source in the full layout only. Text columns that still do not fit
// are shortened with "…", numbers never.
// Blocks: a "source:" heading per source when there are several, a dim
// "(gap …)" row between two blocks of a source, and under the table a note per
// active block (elapsed, left, burn rate, projection; docs/usage-blocks.md, "Blocks").
// Grouped reports: a column of the group's values after the key (a project
// by its folder's name; docs/usage-reports.md, "Grouped reports").
// Period reports (hourly, daily, weekly, monthly, grouped or not) end each
// row with a bar of its total tokens in the columns the table leaves free,
// scaled to the table's largest row; no bar on the Total, breakdown and
// continuation lines, none without `bar` (docs/usage-reports.md, "Bar column").
// Unpriced models get a note line, wrapped to the width. An empty report is
// the single line "no usage found". ANSI colour (bold header and total, dim
// breakdown, yellow note) only when style.color.
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/display_width.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/style.hpp"
#include "okstra/core/table.hpp"
#include "okstra/core/time.hpp"

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

// "4h 05m", "45m": a span of whole minutes (rounded down).
inline std::string duration_text(std::int64_t ms) {
  const long long minutes = std::max<std::int64_t>(ms, 0) / 60'000;
  char buf[48];
  if (minutes < 60) std::snprintf(buf, sizeof buf, "%lldm", minutes);
  else std::snprintf(buf, sizeof buf, "%lldh %02lldm", minutes / 60, minutes % 60);
  return buf;
}

// The lines under a blocks table for each active block: its times, burn rate
// and projection (docs/usage-blocks.md, "The active block").
inline std::string active_note(const report& r, const report_row& row) {
  const block_activity& a = *row.live;
  const std::string until = local_minute(r.zone, *row.block_end_ms);
  return "active " + std::string(source_name(row.row_source)) + " block" +
         (row.anchored ? " (official window)" : "") + ": " + duration_text(a.elapsed_ms) + " elapsed, " +
         duration_text(a.remaining_ms + 59'999) + " left until " + until.substr(until.size() - 5) + "; burn rate " +
         grouped(whole_count(a.tokens_per_minute)) + " tokens/min, " +
         money(a.usd_per_hour) + " USD/h; projected to the block's end: " + grouped(a.projected_tokens) +
         " tokens, " + money(a.projected_cost_usd) + " USD";
}

// The compact layout's model name: "claude-sonnet-4-5-20250929" -> "sonnet-4-5".
inline std::string short_model(std::string_view model) {
  // "claude-3-5-haiku" keeps its prefix: "3-5-haiku" would read as a number.
  if (model.substr(0, 7) == "claude-" && model.size() > 7 && !(model[7] >= '0' && model[7] <= '9'))
    model.remove_prefix(7);
  const auto dash = model.rfind('-');
  if (dash != std::string_view::npos && model.size() - dash == 9 &&
      model.substr(dash + 1).find_first_not_of("0123456789") == std::string_view::npos)
    model = model.substr(0, dash);
  return std::string(model);
}

// "Source", "Model", ...: the column of a grouped report's values.
inline std::string group_column_title(group_by g) {
  std::string title(group_by_name(g));
  if (!title.empty()) title[0] = static_cast<char>(title[0] - 'a' + 'A');
  return title;
}

// The columns of one layout and how a row fills them.
struct usage_table {
  const report& r;
  bool compact;
  table::layout t;
  bool bar = false;

  bool session() const { return r.kind == report_kind::session; }

  std::string group_title() const { return group_column_title(r.group); }
  bool last_activity() const { return session() || (r.kind == report_kind::blocks && !compact); }

  void columns() {
    using table::align;
    constexpr std::size_t whole = 64;  // dates and times are never shortened
    // The full layout gives way to the compact one before its text columns
    // get narrower than 16 (docs/usage.md, "Tables that fit the terminal").
    const std::size_t text_min = compact ? 8 : 16;
    t.columns.push_back({std::string(key_title(r.kind, true)), align::left, session() ? text_min + 1 : whole});
    if (session() && !compact) t.columns.push_back({"Source", align::left, 6});
    if (session()) t.columns.push_back({"Project", align::left, text_min});
    if (r.group != group_by::none) t.columns.push_back({group_title(), align::left, text_min});
    if (last_activity()) t.columns.push_back({"Last Activity", align::left, whole});
    t.columns.push_back({"Models", align::left, text_min});
    std::vector<const char*> numbers = {"Input", "Output", "Cache 5m", "Cache 1h", "Cache Read", "Total", "Cost USD"};
    if (compact) numbers = session() ? std::vector<const char*>{"Total", "Cost USD"}
                                     : std::vector<const char*>{"Input", "Output", "Cache", "Cost USD"};
    for (const char* n : numbers) t.columns.push_back({n, align::right, 0});
  }

  std::vector<std::string> numbers(const tokens& u, double cost) const {
    if (!compact)
      return {grouped(u.input), grouped(u.output), grouped(u.cache_write_5m), grouped(u.cache_write_1h),
              grouped(u.cache_read), grouped(u.total()), money(cost)};
    if (session()) return {grouped(u.total()), money(cost)};
    return {grouped(u.input), grouped(u.output), grouped(u.cache_write_5m + u.cache_write_1h + u.cache_read),
            money(cost)};
  }

  std::size_t text_columns() const { return t.columns.size() - (compact ? (session() ? 2 : 4) : 7); }

  std::string model_name(const std::string& m) const { return compact ? short_model(m) : m; }

  // Keys, models and folders come from logs: no control byte reaches the
  // terminal (docs/cli.md, "Messages").
  void add(table::row_kind kind, std::vector<std::string> text, const tokens* u, double cost) {
    text.resize(text_columns());
    for (std::string& cell : text) cell = printable(cell);
    if (u)
      for (auto& n : numbers(*u, cost)) text.push_back(std::move(n));
    t.rows.push_back({kind, std::move(text)});
  }

  void add_row(const report_row& row) {
    std::vector<std::string> first;
    if (r.kind == report_kind::blocks)
      first.push_back(local_minute(r.zone, row.block_start_ms.value_or(0)) + (row.active ? " (active)" : ""));
    else first.push_back(row.key);
    if (session() && !compact) first.push_back(std::string(source_name(row.row_source)));
    if (session()) first.push_back(basename_of(row.project));
    if (r.group != group_by::none) first.push_back(r.group == group_by::project ? basename_of(row.group) : row.group);
    if (last_activity()) first.push_back(local_minute(r.zone, row.last_activity_ms.value_or(0)));
    first.push_back(r.breakdown || row.models.empty() ? "" : model_name(row.models.front()));
    add(table::row_kind::body, first, &row.usage, row.cost_usd);
    if (bar) t.rows.back().bar = row.usage.total();
    const std::size_t blank = text_columns() - 1;
    if (r.breakdown) {
      for (const auto& m : row.breakdown) {
        std::vector<std::string> text(blank);
        text.push_back("└ " + model_name(m.model));
        add(table::row_kind::part, text, &m.usage, m.cost_usd);
      }
      return;
    }
    for (std::size_t i = 1; i < row.models.size(); ++i) {
      std::vector<std::string> text(blank);
      text.push_back(model_name(row.models[i]));
      add(table::row_kind::body, text, nullptr, 0);
    }
  }

  // Blocks: a heading per source when there are several, a dim row for the
  // time between two blocks of a source (docs/usage-blocks.md, "Blocks").
  void add_block_separators(std::size_t i, bool headings) {
    const report_row& row = r.rows[i];
    const report_row* prev = i > 0 ? &r.rows[i - 1] : nullptr;
    if (prev && prev->row_source == row.row_source) {
      if (row.block_start_ms.value_or(0) > prev->block_end_ms.value_or(0))
        add(table::row_kind::part, {"(gap " + duration_text(*row.block_start_ms - *prev->block_end_ms) + ")"}, nullptr, 0);
    } else if (headings) {
      add(table::row_kind::body, {std::string(source_name(row.row_source)) + ":"}, nullptr, 0);
    }
  }

  usage_table& build() {
    columns();
    t.bar = bar;
    t.rows.push_back({table::row_kind::rule, {}});
    const bool blocks = r.kind == report_kind::blocks;
    const bool headings = blocks && !r.rows.empty() && r.rows.front().row_source != r.rows.back().row_source;
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
      if (blocks) add_block_separators(i, headings);
      add_row(r.rows[i]);
    }
    t.rows.push_back({table::row_kind::rule, {}});
    add(table::row_kind::total, {"Total"}, &r.totals, r.total_cost_usd);
    return *this;
  }
};

// The full layout from 100 columns on, when it fits there (docs/usage.md,
// "Tables that fit the terminal").
inline constexpr int full_layout_columns = 100;

// The reports whose rows are periods get the bar (docs/usage-reports.md, "Bar column").
inline bool period_kind(report_kind k) {
  return k == report_kind::hourly || k == report_kind::daily || k == report_kind::weekly || k == report_kind::monthly;
}

}  // namespace detail

OKSTRA_INLINE std::string render_table(const report& r, const style::output_style& style, bool bar) {
  using namespace detail;
  if (r.rows.empty()) return "no usage found\n";
  const auto width = static_cast<std::size_t>(style.width);
  bar = bar && period_kind(r.kind);
  usage_table full{r, false, {}, bar};
  const bool roomy = style.width >= full_layout_columns && table::narrowest_width(full.build().t) <= width;
  usage_table compact{r, true, {}, bar};
  std::string out = table::render(roomy ? full.t : compact.build().t, width, style);
  for (const auto& row : r.rows)
    if (row.live)
      for (const auto& line : display::wrap(active_note(r, row), width, "  ")) out += line + "\n";
  if (!r.unpriced_models.empty()) {
    std::vector<std::string> named;
    for (const auto& m : r.unpriced_models) named.push_back(printable(m.model) + " (" + grouped(m.tokens) + " tokens)");
    const std::string note = "note: no price for " + join(named, ", ") + ", counted as 0 USD; see 'okstra-usage prices'";
    for (const auto& line : display::wrap(note, width, "  "))
      out += style::paint(line, style::tone::yellow, style) + "\n";
  }
  return out;
}

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/render_markdown.hpp"
