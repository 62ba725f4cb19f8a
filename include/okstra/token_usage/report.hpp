// okstra/token_usage/report.hpp — group de-duplicated records into reports.
//
// Contract: pure functions over records (no I/O but reading the zoneinfo
// file of the requested zone). Every report kind groups the same filtered
// records, so daily, weekly, monthly, session and blocks reports of one data
// set have identical totals (money is summed in integer pico-dollars, so this
// holds to the last digit). Times are bucketed in the requested time zone
// (IANA name via the system zoneinfo, see detail/tz.hpp; default: local).
// - hourly "YYYY-MM-DDTHH:00" (local hour; the repeated hour of a DST fall-back
//   is one row); daily "YYYY-MM-DD"; weekly "YYYY-MM-DD" of the week's first
//   day (week_start, Monday by default); monthly "YYYY-MM"; rows sorted by key
//   (descending: newest period first, groups still ascending within it).
//   last = N keeps only the records of the N latest periods that have any (a
//   filter: totals and bySource follow it; docs/usage-reports.md).
// - session: key = session id, with the project of its latest record and its
//   last activity; rows sorted by last activity, then key.
// - blocks: 5-hour billing windows, computed per source and never mixing
//   sources (docs/usage-blocks.md, "Blocks"). A block starts at its first record's
//   time floored to the UTC hour (= the local hour in whole-hour zones); a
//   record stays in the block while it is before the block's end (start + 5 h)
//   and < 5 h after the previous record, else it opens a new block. An official
//   window of the source (options.block_anchors) holds exactly the records
//   inside it, with its own start and end; a block before it ends at its start
//   at the latest, one after it starts at its end at the earliest. Key = the
//   start as ISO time in the zone; active = now is inside [start, end) and the
//   last activity is < 5 h old; the active block carries elapsed and remaining
//   time, burn rate and projection. Rows sorted by source (all_sources order),
//   then start; gaps between a source's consecutive blocks are listed apart.
//   active_only keeps only the records of active blocks (a filter: totals and
//   bySource follow it).
// - group_by (hourly, daily, weekly, monthly only; docs/usage-reports.md, "Grouped
//   reports"): a row per period and group value (source name, model, project,
//   session id, or agent: the record's role, then "/" and its agent name, else
//   its subagent type, when it has one); rows sorted by period, then group value. Grouping only splits
//   rows: totals, bySource and unpricedModels are those of the ungrouped report.
//   Session and blocks reports refuse it (usage_error).
// - Filters: since/until inclusive on the record time; sources; project is a
//   substring of record.project; model a case-insensitive substring.
// - Unpriced models cost 0 and are listed once in unpriced_models, each with
//   the tokens it carried in the report (docs/usage.md, "Unpriced tokens").
// Rendering: JSON (schema in docs/usage.md, keys camelCase, stable order, money
// rounded to 6 decimals), CSV (RFC 4180: header row, one row per report row —
// per row and model with breakdown — then a "total" row) and an aligned table
// for terminals (colour only when asked: the caller checks isatty and NO_COLOR),
// or a Markdown table.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/style.hpp"
#include "okstra/token_usage/detail/tz.hpp"
#include "okstra/token_usage/prices.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage {

// hourly comes last: the command layer indexes its texts by this order.
enum class report_kind { daily, weekly, monthly, session, blocks, hourly };

// What splits a period report's rows (docs/usage-reports.md, "Grouped reports").
enum class group_by { none, source, model, project, agent, session };
std::string_view group_by_name(group_by g) noexcept;          // "source", ...; "" for none
std::optional<group_by> parse_group_by(std::string_view name) noexcept;  // not "none"

struct report_filter {
  std::optional<std::int64_t> since_ms;  // inclusive; see parse_time_bound() in detail/tz.hpp
  std::optional<std::int64_t> until_ms;  // inclusive
  std::set<source> sources;              // empty: all
  std::optional<std::string> project;    // substring of record.project
  std::optional<std::string> model;      // substring of record.model, ASCII case-insensitive
};

struct model_row {
  std::string model;
  tokens usage;
  double cost_usd = 0;
  bool priced = true;
};

// The active block's pace (docs/usage-blocks.md, "The active block"): the burn rate
// is the block's tokens and cost over the time since its first record (at
// least one minute); the projection adds that rate over the remaining time.
struct block_activity {
  std::int64_t elapsed_ms = 0;    // now - block start
  std::int64_t remaining_ms = 0;  // block end - now
  double tokens_per_minute = 0;
  double usd_per_hour = 0;
  std::uint64_t projected_tokens = 0;  // at the block's end
  double projected_cost_usd = 0;
};

// Time between one block's end and the next block's start of the same source.
struct block_gap {
  source src = source::claude;
  std::int64_t start_ms = 0, end_ms = 0;
};

// The limit window an agent reported for a source (e.g. Codex's primary
// rate limit: start = resets_at - window_minutes); blocks anchor to it
// (docs/usage-blocks.md, "Anchored to the official window").
struct block_anchor {
  source src = source::claude;
  std::int64_t start_ms = 0, end_ms = 0;
};

struct report_row {
  std::string key;  // "2026-11-24", "2026-11-23" (Monday), "2026-11", session id, "2026-11-24T09:00:00+09:00"
  tokens usage;
  double cost_usd = 0;
  std::vector<std::string> models;   // sorted, unique
  std::vector<model_row> breakdown;  // sorted by model; filled with --breakdown
  // session and blocks
  std::optional<std::int64_t> last_activity_ms;
  // blocks only
  std::optional<std::int64_t> block_start_ms, block_end_ms;
  bool active = false;
  // blocks and sessions: the source of the row's records (a session's
  // first record's, should ids ever repeat across sources)
  source row_source = source::claude;
  bool anchored = false;                 // start and end are an official window's
  std::optional<block_activity> live;    // the active block only
  // session only
  std::string project;
  // with report.group: the row's value of that field
  std::string group;
};

struct source_totals {
  source src;
  source_stats stats;  // usage and records from the filtered records; files, skipped_lines as collected
  double cost_usd = 0;
};

struct unpriced_model {
  std::string model;
  std::uint64_t tokens = 0;  // total tokens of its records in the report
};

// The share of a report's tokens that carry no price, in percent (0 when the
// report is empty); above 1 the tools warn (docs/usage.md, "Unpriced tokens").
struct report;
double unpriced_percent(const report& r) noexcept;

struct report {
  report_kind kind = report_kind::daily;
  std::vector<report_row> rows;
  tokens totals;
  double total_cost_usd = 0;
  std::vector<source_totals> by_source;      // in all_sources order
  std::vector<unpriced_model> unpriced_models;  // sorted by model, unique
  std::vector<block_gap> gaps;               // blocks only: by source, then time
  bool breakdown = false;                    // rows carry per-model breakdowns
  group_by group = group_by::none;           // rows are split by this field
  time_zone zone;                            // keys and times are in this zone
};

struct report_options {
  report_kind kind = report_kind::daily;
  report_filter filter;
  std::string time_zone;  // IANA name; empty: the process's local zone
  bool breakdown = false;
  group_by group = group_by::none;  // period reports only: else build_report throws usage_error
  int week_start = 0;               // weekly: 0 Monday ... 6 Sunday
  std::optional<std::size_t> last;  // period reports: only the N latest periods (N > 0)
  bool descending = false;          // period reports: newest period first
  std::int64_t now_ms = 0;  // for "active" blocks; 0 means now
  bool active_only = false;  // blocks: only the active block of each source
  std::vector<block_anchor> block_anchors;  // blocks: at most one per source is used (the latest start)
};

// stats: per-source file/record/skipped counts from collection (indexed by
// source). Throws usage_error "unknown time zone 'X'".
// Whether a record passes the filter (what every report keeps).
bool record_matches(const record& r, const report_filter& f);

report build_report(const std::vector<record>& records, const std::array<source_stats, 4>& stats,
                    const price_table& prices, const report_options& options);

std::string render_json(const report& r, bool pretty);
std::string render_csv(const report& r);
// A GitHub-flavoured Markdown table (docs/usage-reports.md, "Markdown").
std::string render_markdown(const report& r);
// Fitted to style.width, coloured only when style.color (docs/usage.md, "Tables that fit the terminal");
// period reports end their rows with a bar unless `bar` is false (docs/usage-reports.md, "Bar column").
std::string render_table(const report& r, const style::output_style& style = {}, bool bar = true);

std::string_view report_kind_name(report_kind kind) noexcept;

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/report_impl.hpp"
#endif
