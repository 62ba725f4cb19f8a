// Definitions of build_report() for okstra/token_usage/report.hpp. Include
// that header instead.
//
// Contract: the filtered records are put in one canonical order (time, then
// every other field) before grouping, so a report never depends on the order
// in which files were read; money is summed in integer pico-dollars, so every
// kind's totals are the same number.
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <utility>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/prices_impl.hpp"
#include "okstra/token_usage/detail/report_blocks.hpp"
#include "okstra/token_usage/detail/report_bucket.hpp"
#include "okstra/token_usage/detail/tz.hpp"

namespace okstra::token_usage {

OKSTRA_INLINE std::string_view report_kind_name(report_kind kind) noexcept {
  switch (kind) {
    case report_kind::daily: return "daily";
    case report_kind::weekly: return "weekly";
    case report_kind::monthly: return "monthly";
    case report_kind::session: return "session";
    case report_kind::blocks: return "blocks";
    case report_kind::hourly: return "hourly";
  }
  return "daily";
}

inline constexpr std::pair<group_by, std::string_view> group_by_names[] = {
    {group_by::source, "source"}, {group_by::model, "model"},     {group_by::project, "project"},
    {group_by::agent, "agent"},   {group_by::session, "session"}};

OKSTRA_INLINE std::string_view group_by_name(group_by g) noexcept {
  for (const auto& [value, name] : group_by_names)
    if (value == g) return name;
  return "";
}

OKSTRA_INLINE std::optional<group_by> parse_group_by(std::string_view name) noexcept {
  for (const auto& [value, n] : group_by_names)
    if (n == name) return value;
  return std::nullopt;
}

namespace detail {

// A record's value of the grouping field (docs/usage-reports.md, "Grouped reports").
inline std::string group_value(group_by g, const record& r) {
  switch (g) {
    case group_by::source: return std::string(source_name(r.src));
    case group_by::model: return r.model.str();
    case group_by::project: return r.project.str();
    case group_by::session: return r.session_id.str();
    case group_by::agent: {
      std::string v(agent_name(r.who));
      const istr& name = r.agent_name.empty() ? r.agent_type : r.agent_name;
      if (!name.empty()) v += "/" + name.str();
      return v;
    }
    case group_by::none: break;
  }
  return {};
}

inline bool contains_ascii_ci(std::string_view hay, std::string_view needle) {
  return text::ascii_lower(hay).find(text::ascii_lower(needle)) != std::string::npos;
}

inline bool keep_record(const record& r, const report_filter& f) {
  if (f.since_ms && r.timestamp_ms < *f.since_ms) return false;
  if (f.until_ms && r.timestamp_ms > *f.until_ms) return false;
  if (!f.sources.empty() && !f.sources.count(r.src)) return false;
  if (f.project && r.project.find(*f.project) == std::string::npos) return false;
  if (f.model && !contains_ascii_ci(r.model, *f.model)) return false;
  return true;
}

// Time first; the other fields only break ties (they decide, e.g., which of
// two simultaneous records names a session's project).
inline bool canonical_less(const record* a, const record* b) {
  const auto key = [](const record* r) {
    const tokens& u = r->usage;
    return std::tie(r->timestamp_ms, r->src, r->session_id, r->model, r->project, u.input, u.output, u.cache_write_5m,
                    u.cache_write_1h, u.cache_read, u.reasoning);
  };
  return key(a) < key(b);
}

// Sorts (time, record) pairs by time, then canonical_less. Records come
// grouped by source, and a source's records mostly in time order already:
// each group is sorted only if it needs it, then the groups are merged
// (linear), and only records of equal time are compared field by field.
inline void sort_canonically(std::vector<std::pair<std::int64_t, const record*>>& kept) {
  const auto by_time = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::vector<std::size_t> bounds{0};
  for (std::size_t i = 1; i < kept.size(); ++i)
    if (kept[i].second->src != kept[i - 1].second->src) bounds.push_back(i);
  bounds.push_back(kept.size());
  for (std::size_t k = 0; k + 1 < bounds.size(); ++k) {
    const auto from = kept.begin() + static_cast<std::ptrdiff_t>(bounds[k]);
    const auto to = kept.begin() + static_cast<std::ptrdiff_t>(bounds[k + 1]);
    if (!std::is_sorted(from, to, by_time)) std::sort(from, to, by_time);
  }
  for (std::size_t width = 1; width + 1 < bounds.size(); width *= 2)
    for (std::size_t k = 0; k + width + 1 < bounds.size(); k += 2 * width) {
      const std::size_t last = std::min(k + 2 * width, bounds.size() - 1);
      std::inplace_merge(kept.begin() + static_cast<std::ptrdiff_t>(bounds[k]),
                         kept.begin() + static_cast<std::ptrdiff_t>(bounds[k + width]),
                         kept.begin() + static_cast<std::ptrdiff_t>(bounds[last]), by_time);
    }
  for (std::size_t i = 0; i < kept.size();) {
    std::size_t j = i + 1;
    while (j < kept.size() && kept[j].first == kept[i].first) ++j;
    if (j - i > 1)
      std::sort(kept.begin() + static_cast<std::ptrdiff_t>(i), kept.begin() + static_cast<std::ptrdiff_t>(j),
                [](const auto& a, const auto& b) { return canonical_less(a.second, b.second); });
    i = j;
  }
}

// What build_report sums over the selected records, gathered in the pass that
// prices them (sums of integers: their order does not matter).
struct selection_sums {
  tokens totals;
  bool fits = true;  // false once a checked total would pass max_count
  pico_amount pico = 0;
  std::array<source_stats, 4> seen{};
  std::array<pico_amount, 4> source_pico{};
  std::map<std::string, std::uint64_t> unpriced;  // model → its tokens
};

// Prices records with one price lookup per model name, remembered by the
// name's interned id (dense, so a flat table; no hashing per record).
class record_pricer {
 public:
  explicit record_pricer(const price_table& prices) : prices_(prices), slot_of_(istr::count() + 1, unknown) {}

  // The record's cost; has_price is false when its model has no price.
  pico_amount cost(const record& r, bool& has_price) {
    const std::uint32_t id = r.model.id();
    if (id >= slot_of_.size()) slot_of_.resize(id + 1, unknown);
    std::int32_t& slot = slot_of_[id];
    if (slot == unknown) {
      const model_price* found = prices_.find(r.model);
      if (found) compiled_.emplace_back(*found);
      slot = found ? static_cast<std::int32_t>(compiled_.size() - 1) : unpriced;
    }
    has_price = slot >= 0;
    return has_price ? compiled_[static_cast<std::size_t>(slot)].cost(r.usage, r.timestamp_ms, r.tier) : 0;
  }

 private:
  static constexpr std::int32_t unknown = -1, unpriced = -2;
  const price_table& prices_;
  std::vector<std::int32_t> slot_of_;
  std::vector<compiled_price> compiled_;
};

inline void add_to_sums(selection_sums& sums, const record& r, pico_amount pico, bool has_price) {
  if (!add_checked(sums.totals, r.usage)) sums.fits = false;
  sums.pico += pico;
  const auto i = static_cast<std::size_t>(r.src);
  sums.seen[i].usage += r.usage;
  sums.seen[i].records += 1;
  sums.source_pico[i] += pico;
  if (!has_price) sums.unpriced[r.model.str()] += r.usage.total();
}

// also_keep: a further condition on the filtered records (a template, so the
// common case costs no call through a pointer).
template <class Keep>
std::vector<priced> select_records(const std::vector<record>& records, const price_table& prices,
                                   const report_filter& filter, selection_sums& sums, const Keep& also_keep) {
  // Sorting (time, pointer) pairs keeps the common comparison off the heap.
  std::vector<std::pair<std::int64_t, const record*>> kept;
  for (const record& r : records)
    if (keep_record(r, filter) && also_keep(r)) kept.emplace_back(r.timestamp_ms, &r);
  sort_canonically(kept);
  record_pricer pricer(prices);
  std::vector<priced> out;
  out.reserve(kept.size());
  for (const auto& [when, r] : kept) {
    bool has_price = false;
    const pico_amount pico = pricer.cost(*r, has_price);
    out.push_back({r, pico, has_price});
    add_to_sums(sums, *r, pico, has_price);
  }
  return out;
}

inline std::string format_day(std::int64_t days, bool with_day) {
  const time::civil_date d = time::civil_from_days(days);
  char buf[32];
  if (with_day)
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(d.year), d.month, d.day);
  else
    std::snprintf(buf, sizeof buf, "%04lld-%02u", static_cast<long long>(d.year), d.month);
  return buf;
}

inline bool is_period(report_kind kind) { return kind != report_kind::session && kind != report_kind::blocks; }

// The local unit a period is made of: hours for hourly, else days.
inline std::int64_t period_unit(report_kind kind) { return kind == report_kind::hourly ? hour_ms : 86'400'000; }

// An instant's row, as a number of local units (hours or days): its local
// hour (hourly), its day (daily), the first day of its week (weekly; week_start
// 0 = Monday, docs/usage-reports.md) or of its month (monthly).
inline std::int64_t period_of(const report_options& o, std::int64_t utc_ms, const time_zone& zone) {
  const std::int64_t units = time::floor_div(zone.to_local_ms(utc_ms), period_unit(o.kind));
  if (o.kind == report_kind::weekly) return units - ((units % 7 + 7 + 3 + 7 - o.week_start) % 7);  // 1970-01-01: Thursday
  if (o.kind == report_kind::monthly) {
    const time::civil_date d = time::civil_from_days(units);
    return units - (d.day - 1);
  }
  return units;
}

inline std::string format_period(report_kind kind, std::int64_t n) {
  if (kind != report_kind::hourly) return format_day(n, kind != report_kind::monthly);
  char buf[16];
  std::snprintf(buf, sizeof buf, "T%02d:00", static_cast<int>(n - time::floor_div(n, 24) * 24));
  return format_day(time::floor_div(n, 24), true) + buf;
}

// What a period or session report adds up over its selected records before
// its rows are formatted. Sums of integers keyed by period, group or session:
// two parts over disjoint records merge into the part of their union, which
// lets the archive's share be computed once and kept
// (docs/usage-archive.md, "Reports over the archive").
struct report_part {
  selection_sums sums;
  std::map<std::int64_t, bucket> by_period;                         // period reports
  std::map<std::pair<std::int64_t, std::string>, bucket> by_group;  // period reports with --group-by
  std::unordered_map<istr, bucket> by_session;                      // session reports
};

// Adds one selected record to its period row; `last` remembers the row of
// the previous record (records come mostly in time order).
struct period_adder {
  const report_options& o;
  const time_zone& zone;
  report_part& part;
  bucket* last = nullptr;
  std::int64_t last_unit = 0;

  void add(const priced& p) {
    if (o.group != group_by::none) {
      part.by_group[{period_of(o, p.r->timestamp_ms, zone), group_value(o.group, *p.r)}].add(p);
      return;
    }
    const std::int64_t local_unit = time::floor_div(zone.to_local_ms(p.r->timestamp_ms), period_unit(o.kind));
    if (!last || local_unit != last_unit) {
      last = &part.by_period[period_of(o, p.r->timestamp_ms, zone)];
      last_unit = local_unit;
    }
    last->add(p);
  }
};

// Adds the selected records, in canonical order, to their rows' buckets:
// periods are numbers (a day, an hour), sessions interned ids.
inline void accumulate(const std::vector<priced>& recs, const report_options& o, const time_zone& zone,
                       report_part& part) {
  if (o.kind == report_kind::session) {
    for (const priced& p : recs) part.by_session[p.r->session_id].add(p);
    return;
  }
  period_adder adder{o, zone, part};
  for (const priced& p : recs) adder.add(p);
}

inline void merge_part(report_part& into, const report_part& from) {
  selection_sums& a = into.sums;
  const selection_sums& b = from.sums;
  if (!b.fits || !add_checked(a.totals, b.totals)) a.fits = false;
  a.pico += b.pico;
  for (std::size_t i = 0; i < a.seen.size(); ++i) {
    a.seen[i].usage += b.seen[i].usage;
    a.seen[i].records += b.seen[i].records;
    a.source_pico[i] += b.source_pico[i];
  }
  for (const auto& [model, count] : b.unpriced) a.unpriced[model] += count;
  for (const auto& [key, bk] : from.by_period) into.by_period[key].merge(bk);
  for (const auto& [key, bk] : from.by_group) into.by_group[key].merge(bk);
  for (const auto& [key, bk] : from.by_session) into.by_session[key].merge(bk);
}

// A period report's part in one pass over the records, unsorted: a period
// row keeps only sums, which do not depend on order (a session's project and
// source, a block's windows and --last's choice of periods do: they go
// through select_records). Many records are summed in two halves on two
// threads and merged: parts over disjoint records merge exactly, and a
// bucket's models keep the order in which they first appear either way.
inline void accumulate_periods(const std::vector<record>& records, const price_table& prices,
                               const report_options& o, const time_zone& zone, report_part& part) {
  const auto sum = [&](std::size_t from, std::size_t to, report_part& into) {
    record_pricer pricer(prices);
    period_adder adder{o, zone, into};
    for (std::size_t i = from; i < to; ++i) {
      const record& r = records[i];
      if (!keep_record(r, o.filter)) continue;
      bool has_price = false;
      const pico_amount pico = pricer.cost(r, has_price);
      add_to_sums(into.sums, r, pico, has_price);
      adder.add({&r, pico, has_price});
    }
  };
  constexpr std::size_t split_from = 32768;  // below, a thread costs more than it saves
  if (records.size() < split_from) return sum(0, records.size(), part);
  const std::size_t half = records.size() / 2;
  report_part later;
  std::exception_ptr failed;
  std::thread other([&] {
    try {
      sum(half, records.size(), later);
    } catch (...) {
      failed = std::current_exception();
    }
  });
  try {
    sum(0, half, part);
  } catch (...) {
    other.join();
    throw;
  }
  other.join();
  if (failed) std::rethrow_exception(failed);
  merge_part(part, later);
}

// Rows in key order: periods (then group values) ascending; sessions by
// their last activity, equal ones by id.
inline std::vector<report_row> rows_of(const report_part& part, const report_options& o) {
  std::vector<report_row> rows;
  if (o.group != group_by::none) {
    for (const auto& [key, b] : part.by_group) {
      rows.push_back(b.to_row(format_period(o.kind, key.first), o.breakdown));
      rows.back().group = key.second;
    }
  } else if (o.kind == report_kind::session) {
    std::vector<std::pair<std::string, const bucket*>> keyed;
    for (const auto& [id, b] : part.by_session) keyed.emplace_back(id.str(), &b);
    std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [key, b] : keyed) {
      rows.push_back(b->to_row(key, o.breakdown));
      rows.back().last_activity_ms = b->last_ms;
      rows.back().project = b->project.str();
      rows.back().row_source = b->src;
    }
    std::stable_sort(rows.begin(), rows.end(), [](const report_row& a, const report_row& b) {
      return *a.last_activity_ms < *b.last_activity_ms;
    });
  } else {
    for (const auto& [period, b] : part.by_period) rows.push_back(b.to_row(format_period(o.kind, period), o.breakdown));
  }
  return rows;
}

// The first of the `last` latest periods that hold records (the lowest
// period number when there are fewer).
inline std::int64_t latest_periods_start(const std::vector<priced>& recs, const report_options& o, const time_zone& zone) {
  std::set<std::int64_t> periods;
  for (const priced& p : recs) {
    periods.insert(period_of(o, p.r->timestamp_ms, zone));
    if (periods.size() > *o.last) periods.erase(periods.begin());
  }
  return periods.empty() ? 0 : *periods.begin();
}

// What each source contributed, from the per-source sums build_report takes
// in its one pass over the records.
inline std::vector<source_totals> source_rows(std::array<source_stats, 4> seen, const std::array<pico_amount, 4>& pico,
                                              const std::array<source_stats, 4>& stats, const report_filter& filter) {
  std::vector<source_totals> out;
  for (source s : all_sources) {
    const auto i = static_cast<std::size_t>(s);
    if (!filter.sources.empty() && !filter.sources.count(s)) continue;
    if (stats[i].files == 0 && stats[i].records == 0 && seen[i].records == 0 && stats[i].unreadable == 0) continue;
    seen[i].files = stats[i].files;
    seen[i].skipped_lines = stats[i].skipped_lines;
    seen[i].unreadable = stats[i].unreadable;
    seen[i].archived = stats[i].archived;  // of the collected records, before any date filter
    seen[i].imported = stats[i].imported;  // likewise
    out.push_back({s, seen[i], usd_of(pico[i])});
  }
  return out;
}

}  // namespace detail

OKSTRA_INLINE bool record_matches(const record& r, const report_filter& f) { return detail::keep_record(r, f); }

namespace detail {

inline void check_fits(const selection_sums& sums) {
  // collect() admits records so that this never fails (admit_within_limits);
  // records built elsewhere get an error rather than a wrapped total.
  if (!sums.fits)
    throw input_error("token totals do not fit in " + std::to_string(max_count),
                      "a log holds impossible token counts; see docs/usage.md, \"Counts that do not fit\"");
}

// The part of a period or session report over `records`: periods without
// --last in one unsorted pass, the rest through select_records.
inline report_part part_of(const std::vector<record>& records, const price_table& prices,
                           const report_options& options, const time_zone& zone) {
  report_part part;
  if (is_period(options.kind) && !options.last) {
    accumulate_periods(records, prices, options, zone, part);
    return part;
  }
  auto recs = select_records(records, prices, options.filter, part.sums, [](const record&) { return true; });
  check_fits(part.sums);
  if (options.last && is_period(options.kind)) {  // a filter: select again, the latest periods only
    const std::int64_t from = latest_periods_start(recs, options, zone);
    part.sums = {};
    recs = select_records(records, prices, options.filter, part.sums, [&](const record& x) {
      return period_of(options, x.timestamp_ms, zone) >= from;
    });
  }
  accumulate(recs, options, zone, part);
  return part;
}

inline void blocks_report(const std::vector<record>& records, const price_table& prices,
                          const report_options& options, report& r, selection_sums& sums) {
  auto recs = select_records(records, prices, options.filter, sums, [](const record&) { return true; });
  check_fits(sums);
  auto blocks = block_rows(recs, options, r.zone);
  if (options.active_only) {  // a filter: select again, the active blocks' records only
    const auto ranges = active_ranges(blocks.rows);
    sums = {};
    recs = select_records(records, prices, options.filter, sums, [&](const record& x) {
      const auto& range = ranges[static_cast<std::size_t>(x.src)];
      return range && x.timestamp_ms >= range->first && x.timestamp_ms < range->second;
    });
    blocks = block_rows(recs, options, r.zone);
  }
  r.rows = std::move(blocks.rows);
  r.gaps = std::move(blocks.gaps);
}

// build_report(), with `extra` (a part over other records; period and
// session reports without --last only) merged before the rows are made.
inline report build_report_with(const std::vector<record>& records, const std::array<source_stats, 4>& stats,
                                const price_table& prices, const report_options& options, const report_part* extra) {
  if (options.group != group_by::none && !is_period(options.kind))
    throw usage_error("--group-by applies to period reports, not to the " + std::string(report_kind_name(options.kind)) +
                          " report",
                      "see docs/usage-reports.md, \"Grouped reports\"");
  report r;
  r.kind = options.kind;
  r.breakdown = options.breakdown;
  r.group = options.group;
  r.zone = time_zone::load(options.time_zone);
  selection_sums sums;
  if (options.kind == report_kind::blocks) {
    blocks_report(records, prices, options, r, sums);
  } else {
    report_part part = part_of(records, prices, options, r.zone);
    if (extra) merge_part(part, *extra);
    check_fits(part.sums);
    sums = std::move(part.sums);
    r.rows = rows_of(part, options);
    if (options.descending && is_period(options.kind))  // stable: groups stay ascending within a period
      std::stable_sort(r.rows.begin(), r.rows.end(), [](const report_row& a, const report_row& b) { return a.key > b.key; });
  }
  r.totals = sums.totals;
  r.total_cost_usd = usd_of(sums.pico);
  for (auto& [model, count] : sums.unpriced) r.unpriced_models.push_back({model, count});
  r.by_source = source_rows(sums.seen, sums.source_pico, stats, options.filter);
  return r;
}

// The share of `records` in a period or session report without --last:
// what build_report_with() takes as `extra`.
inline report_part make_report_part(const std::vector<record>& records, const price_table& prices,
                                    const report_options& options) {
  return part_of(records, prices, options, time_zone::load(options.time_zone));
}

}  // namespace detail

OKSTRA_INLINE report build_report(const std::vector<record>& records, const std::array<source_stats, 4>& stats,
                                  const price_table& prices, const report_options& options) {
  return detail::build_report_with(records, stats, prices, options, nullptr);
}

OKSTRA_INLINE double unpriced_percent(const report& r) noexcept {
  std::uint64_t unpriced = 0;
  for (const auto& m : r.unpriced_models) unpriced += m.tokens;
  const std::uint64_t all = r.totals.total();
  return all == 0 ? 0 : 100.0 * static_cast<double>(unpriced) / static_cast<double>(all);
}

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/render.hpp"
