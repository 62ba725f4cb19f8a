// The blocks report of okstra/token_usage/report.hpp: 5-hour billing windows
// per source, the gaps between them, the active block's pace and the anchor
// to an official window. Include that header instead.
//
// Contract (docs/usage-blocks.md, "Blocks"): a source's blocks hold only its own
// records, so adding another source's records never moves a block; rows come
// by source (all_sources order), then by start. Runs over the collected,
// priced records once per source (not a parse path).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/report_bucket.hpp"
#include "okstra/token_usage/detail/tz.hpp"

namespace okstra::token_usage::detail {

inline constexpr std::int64_t minute_ms = 60'000;

// The window a source's blocks anchor to: of several, the latest start
// (docs/usage-blocks.md, "Anchored to the official window"). An empty or inverted
// window is no window.
inline std::optional<block_anchor> anchor_of(const report_options& o, source src) {
  std::optional<block_anchor> found;
  for (const auto& w : o.block_anchors)
    if (w.src == src && w.end_ms > w.start_ms && (!found || w.start_ms > found->start_ms)) found = w;
  return found;
}

// A non-negative amount of tokens, rounded, at most max_count.
inline std::uint64_t whole_count(double tokens) noexcept {
  if (!(tokens > 0)) return 0;
  if (tokens >= static_cast<double>(max_count)) return max_count;
  return static_cast<std::uint64_t>(std::llround(tokens));
}

// The active block's pace (docs/usage-blocks.md, "The active block"): rates over the
// time since the block's first record, at least one minute, so one fresh
// record does not read as an enormous rate.
inline block_activity activity_of(const report_row& row, std::int64_t first_ms, std::int64_t now) {
  block_activity a;
  a.elapsed_ms = now - *row.block_start_ms;
  a.remaining_ms = *row.block_end_ms - now;
  const double span_ms = static_cast<double>(std::max(now - first_ms, minute_ms));
  const double total = static_cast<double>(row.usage.total());
  a.tokens_per_minute = total / (span_ms / static_cast<double>(minute_ms));
  a.usd_per_hour = row.cost_usd / (span_ms / static_cast<double>(hour_ms));
  const double left_ms = static_cast<double>(a.remaining_ms);
  // Counts near max_count (docs/usage.md, "Counts that do not fit") project
  // past it: the projection stops there rather than wrap.
  const std::uint64_t extra = whole_count(a.tokens_per_minute * left_ms / static_cast<double>(minute_ms));
  a.projected_tokens = extra > max_count - row.usage.total() ? max_count : row.usage.total() + extra;
  a.projected_cost_usd = row.cost_usd + a.usd_per_hour * left_ms / static_cast<double>(hour_ms);
  return a;
}

// One source's blocks, appended to rows, and the gaps between them.
struct source_blocks {
  const report_options& o;
  const time_zone& zone;
  std::int64_t now;
  source src;
  std::optional<block_anchor> window;
  std::vector<report_row>& rows;
  std::vector<block_gap>& gaps;

  bucket current;
  std::int64_t start = 0, end = 0;
  bool in_window = false;
  std::optional<std::int64_t> previous_end;

  void flush() {
    if (current.models.empty()) return;
    report_row row = current.to_row(zone.format_iso(start), o.breakdown);
    row.block_start_ms = start;
    row.block_end_ms = end;
    row.last_activity_ms = current.last_ms;
    row.row_source = src;
    row.anchored = in_window;
    row.active = now >= start && now < end && now - current.last_ms < block_ms;
    if (row.active) row.live = activity_of(row, current.first_ms, now);
    if (previous_end && start > *previous_end) gaps.push_back({src, *previous_end, start});
    previous_end = end;
    rows.push_back(std::move(row));
    current = bucket{};
  }

  // Opens the block a record at t starts: the official window when t is in
  // it, else the floored hour, kept clear of the window.
  void open(std::int64_t t, bool inside) {
    flush();
    in_window = inside;
    if (inside) {
      start = window->start_ms, end = window->end_ms;
      return;
    }
    start = time::floor_div(t, hour_ms) * hour_ms;
    if (window && t >= window->end_ms) start = std::max(start, window->end_ms);
    end = start + block_ms;
    if (window && t < window->start_ms) end = std::min(end, window->start_ms);
  }

  void add(const priced& p) {
    const std::int64_t t = p.r->timestamp_ms;
    const bool inside = window && t >= window->start_ms && t < window->end_ms;
    if (inside) {
      if (current.models.empty() || !in_window) open(t, true);
    } else if (current.models.empty() || in_window || t >= end || t - current.last_ms >= block_ms) {
      open(t, false);
    }
    current.add(p);
  }
};

struct block_list {
  std::vector<report_row> rows;
  std::vector<block_gap> gaps;
};

inline block_list block_rows(const std::vector<priced>& recs, const report_options& o, const time_zone& zone) {
  const std::int64_t now = o.now_ms != 0 ? o.now_ms : time::now_unix_ms();
  block_list out;
  for (const source s : all_sources) {
    source_blocks b{o, zone, now, s, anchor_of(o, s), out.rows, out.gaps, {}, 0, 0, false, std::nullopt};
    for (const priced& p : recs)  // in time order
      if (p.r->src == s) b.add(p);
    b.flush();
  }
  return out;
}

// The time range of each source's active block: a source's records inside
// its block's [start, end) are exactly that block's records.
inline std::array<std::optional<std::pair<std::int64_t, std::int64_t>>, 4> active_ranges(
    const std::vector<report_row>& rows) {
  std::array<std::optional<std::pair<std::int64_t, std::int64_t>>, 4> out{};
  for (const auto& row : rows)
    if (row.active) out[static_cast<std::size_t>(row.row_source)] = {*row.block_start_ms, *row.block_end_ms};
  return out;
}

}  // namespace okstra::token_usage::detail
