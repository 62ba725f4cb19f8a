// Definitions of build_report() for okstra/token_usage/report.hpp. Include
// that header instead.
//
// Contract: the filtered records are put in one canonical order (time, then
// every other field) before grouping, so a report never depends on the order
// in which files were read; money is summed in integer pico-dollars, so every
// kind's totals are the same number.
#pragma once

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/prices_impl.hpp"
#include "okstra/token_usage/detail/tz.hpp"

namespace okstra::token_usage {

inline std::string_view report_kind_name(report_kind kind) noexcept {
  switch (kind) {
    case report_kind::daily: return "daily";
    case report_kind::weekly: return "weekly";
    case report_kind::monthly: return "monthly";
    case report_kind::session: return "session";
    case report_kind::blocks: return "blocks";
  }
  return "daily";
}

namespace detail {

inline constexpr std::int64_t hour_ms = 3'600'000;
inline constexpr std::int64_t block_ms = 5 * hour_ms;

inline double usd_of(std::uint64_t pico) noexcept { return static_cast<double>(pico) / 1e12; }

inline bool contains_ascii_ci(std::string_view hay, std::string_view needle) {
  return ascii_lower(hay).find(ascii_lower(needle)) != std::string::npos;
}

inline bool keep_record(const record& r, const report_filter& f) {
  if (f.since_ms && r.timestamp_ms < *f.since_ms) return false;
  if (f.until_ms && r.timestamp_ms > *f.until_ms) return false;
  if (!f.sources.empty() && !f.sources.count(r.src)) return false;
  if (f.project && r.project.find(*f.project) == std::string::npos) return false;
  if (f.model && !contains_ascii_ci(r.model, *f.model)) return false;
  return true;
}

// One filtered record with its price, in canonical order.
struct priced {
  const record* r;
  std::uint64_t pico;
  bool has_price;
};

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

inline std::vector<priced> select_records(const std::vector<record>& records, const price_table& prices,
                                          const report_filter& filter) {
  // Sorting (time, pointer) pairs keeps the common comparison off the heap.
  std::vector<std::pair<std::int64_t, const record*>> kept;
  for (const record& r : records)
    if (keep_record(r, filter)) kept.emplace_back(r.timestamp_ms, &r);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : canonical_less(a.second, b.second);
  });
  std::unordered_map<istr, const model_price*> cache;  // one lookup per model name (interned: hashed by address)
  std::vector<priced> out;
  out.reserve(kept.size());
  for (const auto& [when, r] : kept) {
    auto it = cache.find(r->model);
    if (it == cache.end()) it = cache.emplace(r->model, prices.find(r->model)).first;
    out.push_back({r, it->second ? cost_pico(*it->second, r->usage) : 0, it->second != nullptr});
  }
  return out;
}

struct model_acc {
  tokens usage;
  std::uint64_t pico = 0;
  bool has_price = true;
};

// What one row accumulates before it becomes a report_row.
struct bucket {
  tokens usage;
  std::uint64_t pico = 0;
  std::map<std::string, model_acc> models;
  std::int64_t first_ms = 0, last_ms = 0;
  std::string project;

  void add(const priced& p) {
    if (models.empty() || p.r->timestamp_ms < first_ms) first_ms = p.r->timestamp_ms;
    if (models.empty() || p.r->timestamp_ms > last_ms) last_ms = p.r->timestamp_ms;
    usage += p.r->usage;
    pico += p.pico;
    model_acc& m = models[p.r->model.str()];
    m.usage += p.r->usage;
    m.pico += p.pico;
    m.has_price = p.has_price;
    if (!p.r->project.empty()) project = p.r->project;  // records come in time order: the latest wins
  }

  report_row to_row(std::string key, bool breakdown) const {
    report_row row;
    row.key = std::move(key);
    row.usage = usage;
    row.cost_usd = usd_of(pico);
    for (const auto& [name, m] : models) {
      row.models.push_back(name);
      if (breakdown) row.breakdown.push_back({name, m.usage, usd_of(m.pico), m.has_price});
    }
    return row;
  }
};

inline std::string format_day(std::int64_t days, bool with_day) {
  const time::civil_date d = time::civil_from_days(days);
  char buf[32];
  if (with_day)
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(d.year), d.month, d.day);
  else
    std::snprintf(buf, sizeof buf, "%04lld-%02u", static_cast<long long>(d.year), d.month);
  return buf;
}

// The calendar key of an instant: daily, weekly (ISO week, so its Monday) or monthly.
inline std::string calendar_key(report_kind kind, std::int64_t utc_ms, const time_zone& zone) {
  const std::int64_t days = time::floor_div(zone.to_local_ms(utc_ms), 86'400'000);
  if (kind == report_kind::weekly) return format_day(days - ((days % 7 + 7 + 3) % 7), true);  // 1970-01-01: Thursday
  return format_day(days, kind == report_kind::daily);
}

inline std::vector<report_row> grouped_rows(const std::vector<priced>& recs, const report_options& o,
                                            const time_zone& zone) {
  std::map<std::string, bucket> buckets;
  for (const priced& p : recs) {
    if (o.kind == report_kind::session)
      buckets[p.r->session_id.str()].add(p);
    else
      buckets[calendar_key(o.kind, p.r->timestamp_ms, zone)].add(p);
  }
  std::vector<report_row> rows;
  for (const auto& [key, b] : buckets) {
    rows.push_back(b.to_row(key, o.breakdown));
    if (o.kind == report_kind::session) {
      rows.back().last_activity_ms = b.last_ms;
      rows.back().project = b.project;
    }
  }
  if (o.kind == report_kind::session)
    std::stable_sort(rows.begin(), rows.end(), [](const report_row& a, const report_row& b) {
      return *a.last_activity_ms < *b.last_activity_ms;
    });
  return rows;
}

// 5-hour billing windows (the rule is in report.hpp's contract).
inline std::vector<report_row> block_rows(const std::vector<priced>& recs, const report_options& o,
                                          const time_zone& zone) {
  const std::int64_t now = o.now_ms != 0 ? o.now_ms : time::now_unix_ms();
  std::vector<report_row> rows;
  bucket current;
  std::int64_t start = 0;
  const auto flush = [&] {
    if (current.models.empty()) return;
    report_row row = current.to_row(zone.format_iso(start), o.breakdown);
    row.block_start_ms = start;
    row.block_end_ms = start + block_ms;
    row.last_activity_ms = current.last_ms;
    row.active = now >= start && now < start + block_ms && now - current.last_ms < block_ms;
    rows.push_back(std::move(row));
    current = bucket{};
  };
  for (const priced& p : recs) {
    const std::int64_t t = p.r->timestamp_ms;
    if (current.models.empty() || t - start >= block_ms || t - current.last_ms >= block_ms) {
      flush();
      start = time::floor_div(t, hour_ms) * hour_ms;
    }
    current.add(p);
  }
  flush();
  return rows;  // already in time order
}

inline std::vector<source_totals> source_rows(const std::vector<priced>& recs, const std::array<source_stats, 4>& stats,
                                              const report_filter& filter) {
  std::array<source_stats, 4> seen{};
  std::array<std::uint64_t, 4> pico{};
  for (const priced& p : recs) {
    const auto i = static_cast<std::size_t>(p.r->src);
    seen[i].usage += p.r->usage;
    seen[i].records += 1;
    pico[i] += p.pico;
  }
  std::vector<source_totals> out;
  for (source s : all_sources) {
    const auto i = static_cast<std::size_t>(s);
    if (!filter.sources.empty() && !filter.sources.count(s)) continue;
    if (stats[i].files == 0 && stats[i].records == 0 && seen[i].records == 0) continue;
    seen[i].files = stats[i].files;
    seen[i].skipped_lines = stats[i].skipped_lines;
    out.push_back({s, seen[i], usd_of(pico[i])});
  }
  return out;
}

}  // namespace detail

inline report build_report(const std::vector<record>& records, const std::array<source_stats, 4>& stats,
                           const price_table& prices, const report_options& options) {
  report r;
  r.kind = options.kind;
  r.breakdown = options.breakdown;
  r.zone = time_zone::load(options.time_zone);
  const auto recs = detail::select_records(records, prices, options.filter);
  r.rows = options.kind == report_kind::blocks ? detail::block_rows(recs, options, r.zone)
                                               : detail::grouped_rows(recs, options, r.zone);
  std::uint64_t pico = 0;
  std::set<std::string> unpriced;
  for (const auto& p : recs) {
    r.totals += p.r->usage;
    pico += p.pico;
    if (!p.has_price) unpriced.insert(p.r->model.str());
  }
  r.total_cost_usd = detail::usd_of(pico);
  r.unpriced_models.assign(unpriced.begin(), unpriced.end());
  r.by_source = detail::source_rows(recs, stats, options.filter);
  return r;
}

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/render.hpp"
