// collect(): the grand totals of what was merged kept within what a sum can
// hold.
// Part of collect_merge.hpp, which includes it.
#pragma once

#include "okstra/token_usage/detail/archive_collect.hpp"

namespace okstra::token_usage::detail {

// Every sum a report forms (grouping, totals, by source, run summary) is a
// sum over a subset of the collected records, so checking the grand totals
// once keeps every later sum within max_count (docs/usage.md, "Counts that do
// not fit"). When they would not fit, records are admitted in a canonical
// order (so the outcome depends neither on read order nor on the cache) and
// each one that would take a total past max_count is dropped, counted as a
// skipped line of its source and reported in one warning per source. Runs
// after the cache write-back is planned: snapshots keep every record, and
// each run admits them the same way.
// One pass over the records: each source's sums into `by_source`, and true
// when the grand totals fit. Counts are never negative, so when the final
// totals fit, every running total on the way fitted too; 128 bits cannot
// overflow for any number of records a run can hold.
inline bool sums_fit(const std::vector<record>& records, std::array<tokens, 4>& by_source,
                     std::array<std::uint64_t, 4>& counts) {
  __extension__ typedef unsigned __int128 wide;
  wide input = 0, output = 0, write_5m = 0, write_1h = 0, read = 0, reasoning = 0;
  for (const record& r : records) {
    const tokens& u = r.usage;
    input += u.input, output += u.output, write_5m += u.cache_write_5m;
    write_1h += u.cache_write_1h, read += u.cache_read, reasoning += u.reasoning;
    const auto i = static_cast<std::size_t>(r.src) & 3;
    by_source[i] += u;
    counts[i] += 1;
  }
  const wide limit = max_count;
  return input <= limit && output <= limit && write_5m <= limit && write_1h <= limit && read <= limit &&
         reasoning <= limit && input + output + write_5m + write_1h + read <= limit;
}

// The slow path: records in a canonical order, each one that would take a
// grand total past max_count dropped and counted.
inline void drop_past_limits(collection& out) {
  tokens grand;
  std::vector<std::size_t> order(out.records.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  const auto key = [&](std::size_t k) {
    const record& r = out.records[k];
    const tokens& u = r.usage;
    return std::tie(r.timestamp_ms, r.src, r.session_id, r.model, r.project, u.input, u.output, u.cache_write_5m,
                    u.cache_write_1h, u.cache_read, u.reasoning);
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  std::vector<char> keep(out.records.size(), 1);
  std::array<std::uint64_t, 4> dropped{};
  std::array<istr, 4> first_session;
  for (const std::size_t k : order) {
    if (add_checked(grand, out.records[k].usage)) continue;
    keep[k] = 0;
    const auto i = static_cast<std::size_t>(out.records[k].src);
    if (dropped[i]++ == 0) first_session[i] = out.records[k].session_id;
  }
  std::size_t at = 0;
  for (std::size_t k = 0; k < out.records.size(); ++k)
    if (keep[k]) out.records[at++] = out.records[k];
  out.records.resize(at);
  for (const source s : all_sources) {
    const auto i = static_cast<std::size_t>(s);
    if (!dropped[i]) continue;
    out.stats[i].skipped_lines += dropped[i];
    out.warnings.push_back("skipped " + std::to_string(dropped[i]) + " " + std::string(source_name(s)) +
                           " record(s) whose tokens would take a total past " + std::to_string(max_count) + " (" +
                           quoted("first in session", first_session[i].view()) + ")");
  }
}

inline void admit_within_limits(collection& out) {
  std::array<tokens, 4> by_source{};
  std::array<std::uint64_t, 4> counts{};
  if (sums_fit(out.records, by_source, counts)) {
    for (std::size_t i = 0; i < 4; ++i) out.stats[i].usage += by_source[i], out.stats[i].records += counts[i];
    return;
  }
  drop_past_limits(out);
  for (const record& r : out.records) {
    auto& st = out.stats[static_cast<std::size_t>(r.src)];
    st.usage += r.usage;
    st.records += 1;
  }
}

}  // namespace okstra::token_usage::detail
