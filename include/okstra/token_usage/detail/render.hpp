// Renderers of okstra/token_usage/report.hpp: JSON, CSV and a terminal table.
// Include that header instead.
//
// Contract: a report renders the same bytes every time. JSON follows docs/usage.md
// key for key (money rounded to 6 decimals, token counts integers, times as
// ISO 8601 in the report's zone); CSV quotes per RFC 4180 and ends lines with
// LF; the table aligns columns by code points, groups digits by thousands and
// uses ANSI colour only when asked.
#pragma once

#include "okstra/core/api.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/core/utf8.hpp"

namespace okstra::token_usage {

namespace detail {

inline double round6(double usd) noexcept { return std::round(usd * 1e6) / 1e6; }

inline void write_buckets(json::writer& w, const tokens& t, double cost) {
  w.field("input", t.input).field("output", t.output).field("cacheWrite5m", t.cache_write_5m);
  w.field("cacheWrite1h", t.cache_write_1h).field("cacheRead", t.cache_read).field("reasoning", t.reasoning);
  w.field("total", t.total()).field("costUsd", round6(cost));
}

// Keys added to a block after "active" (docs/usage-blocks.md, "Blocks"): null when
// the block is not active.
inline void write_block_extras(json::writer& w, const report_row& row) {
  w.field("source", source_name(row.row_source)).field("anchored", row.anchored);
  if (!row.live) {
    for (const char* k : {"elapsedMinutes", "remainingMinutes", "burnRate", "projection"}) w.key(k).null();
    return;
  }
  const block_activity& a = *row.live;
  // Elapsed rounded down, remaining up: together they are the block's length.
  w.field("elapsedMinutes", time::floor_div(a.elapsed_ms, 60'000));
  w.field("remainingMinutes", -time::floor_div(-a.remaining_ms, 60'000));
  w.key("burnRate").begin_object();
  w.field("tokensPerMinute", std::round(a.tokens_per_minute * 100) / 100).field("usdPerHour", round6(a.usd_per_hour));
  w.end_object();
  w.key("projection").begin_object();
  w.field("total", a.projected_tokens).field("costUsd", round6(a.projected_cost_usd));
  w.end_object();
}

inline void write_gaps(json::writer& w, const report& r) {
  w.key("gaps").begin_array();
  for (const auto& g : r.gaps) {
    w.begin_object().field("source", source_name(g.src)).field("start", r.zone.format_iso(g.start_ms));
    w.field("end", r.zone.format_iso(g.end_ms)).field("minutes", (g.end_ms - g.start_ms) / 60'000).end_object();
  }
  w.end_array();
}

inline void write_row(json::writer& w, const report& r, const report_row& row) {
  w.begin_object().field("key", row.key);
  if (r.group != group_by::none) {
    w.key("group").begin_object().field("by", group_by_name(r.group)).field("value", row.group);
    w.end_object();
  }
  write_buckets(w, row.usage, row.cost_usd);
  w.key("models").begin_array();
  for (const auto& m : row.models) w.value(m);
  w.end_array();
  if (r.breakdown) {
    w.key("breakdown").begin_array();
    for (const auto& m : row.breakdown) {
      w.begin_object().field("model", m.model);
      write_buckets(w, m.usage, m.cost_usd);
      w.end_object();
    }
    w.end_array();
  }
  if (r.kind == report_kind::session) {
    w.field("source", source_name(row.row_source)).field("project", row.project);
    w.field("lastActivity", r.zone.format_iso(row.last_activity_ms.value_or(0)));
  } else if (r.kind == report_kind::blocks) {
    w.field("start", r.zone.format_iso(row.block_start_ms.value_or(0)));
    w.field("end", r.zone.format_iso(row.block_end_ms.value_or(0)));
    w.field("lastActivity", r.zone.format_iso(row.last_activity_ms.value_or(0)));
    w.field("active", row.active);
    write_block_extras(w, row);
  }
  w.end_object();
}

}  // namespace detail

OKSTRA_INLINE std::string render_json(const report& r, bool pretty) {
  json::writer w(pretty);
  w.begin_object().field("report", report_kind_name(r.kind));
  w.key("rows").begin_array();
  for (const auto& row : r.rows) detail::write_row(w, r, row);
  w.end_array();
  w.key("totals").begin_object();
  detail::write_buckets(w, r.totals, r.total_cost_usd);
  w.end_object();
  w.key("bySource").begin_object();
  for (const auto& s : r.by_source) {
    w.key(source_name(s.src)).begin_object();
    detail::write_buckets(w, s.stats.usage, s.cost_usd);
    w.field("files", s.stats.files).field("records", s.stats.records).field("skippedLines", s.stats.skipped_lines);
    w.field("unreadable", s.stats.unreadable).field("archived", s.stats.archived > 0);
    w.field("archivedRecords", s.stats.archived).field("importedRecords", s.stats.imported);
    w.end_object();
  }
  w.end_object();
  w.key("unpricedModels").begin_array();
  for (const auto& m : r.unpriced_models) w.begin_object().field("model", m.model).field("tokens", m.tokens).end_object();
  w.end_array();
  if (r.kind == report_kind::blocks) detail::write_gaps(w, r);
  w.end_object();
  std::string out = std::move(w).str();
  out += '\n';
  return out;
}

// ---- CSV -------------------------------------------------------------------

namespace detail {

inline std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

inline std::string fixed6(double usd) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.6f", round6(usd));
  return buf;
}

inline std::string_view key_title(report_kind kind, bool upper) {
  switch (kind) {
    case report_kind::hourly: return upper ? "Hour" : "hour";
    case report_kind::daily: return upper ? "Date" : "date";
    case report_kind::weekly: return upper ? "Week" : "week";
    case report_kind::monthly: return upper ? "Month" : "month";
    case report_kind::session: return upper ? "Session" : "session";
    case report_kind::blocks: return upper ? "Block" : "block";
  }
  return "key";
}

inline std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) out.append(out.empty() ? "" : sep).append(item);
  return out;
}

inline void csv_line(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) out.append(i ? "," : "").append(csv_field(cells[i]));
  out += '\n';
}

inline std::vector<std::string> csv_numbers(const tokens& t, double cost) {
  return {std::to_string(t.input),          std::to_string(t.output),
          std::to_string(t.cache_write_5m), std::to_string(t.cache_write_1h),
          std::to_string(t.cache_read),     std::to_string(t.reasoning),
          std::to_string(t.total()),        fixed6(cost)};
}

// The columns after the numbers: session and block details.
inline std::vector<std::string> csv_extras(const report& r, const report_row* row) {
  const auto at = [&](const std::optional<std::int64_t>& ms) { return row && ms ? r.zone.format_iso(*ms) : ""; };
  if (r.kind == report_kind::session)
    return {row ? row->project : "", at(row ? row->last_activity_ms : std::nullopt),
            row ? std::string(source_name(row->row_source)) : ""};
  if (r.kind == report_kind::blocks)
    return {at(row ? row->block_end_ms : std::nullopt), at(row ? row->last_activity_ms : std::nullopt),
            row ? (row->active ? "true" : "false") : "", row ? std::string(source_name(row->row_source)) : ""};
  return {};
}

}  // namespace detail

OKSTRA_INLINE std::string render_csv(const report& r) {
  using namespace detail;
  std::vector<std::string> header = {std::string(key_title(r.kind, false)), r.breakdown ? "model" : "models"};
  const bool grouped = r.group != group_by::none;
  if (grouped) header.insert(header.begin() + 1, "group");
  for (const char* name :
       {"input", "output", "cacheWrite5m", "cacheWrite1h", "cacheRead", "reasoning", "total", "costUsd"})
    header.emplace_back(name);
  if (r.kind == report_kind::session) header.insert(header.end(), {"project", "lastActivity", "source"});
  if (r.kind == report_kind::blocks) header.insert(header.end(), {"end", "lastActivity", "active", "source"});
  std::string out;
  csv_line(out, header);
  const auto emit = [&](const std::string& key, const std::string& models, const tokens& t, double cost,
                        const report_row* row) {
    std::vector<std::string> cells = {key, models};
    if (grouped) cells.insert(cells.begin() + 1, row ? row->group : "");
    for (auto& c : csv_numbers(t, cost)) cells.push_back(std::move(c));
    for (auto& c : csv_extras(r, row)) cells.push_back(std::move(c));
    csv_line(out, cells);
  };
  for (const auto& row : r.rows) {
    if (!r.breakdown) {
      emit(row.key, join(row.models, ";"), row.usage, row.cost_usd, &row);
      continue;
    }
    for (const auto& m : row.breakdown) emit(row.key, m.model, m.usage, m.cost_usd, &row);  // long format
  }
  emit("total", "", r.totals, r.total_cost_usd, nullptr);
  return out;
}

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/render_table.hpp"
