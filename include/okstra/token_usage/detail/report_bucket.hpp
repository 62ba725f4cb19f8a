// What the report kinds of okstra/token_usage/report.hpp accumulate per row.
// Include that header instead.
//
// Contract: a bucket sums records in integer pico-dollars and keys models by
// their interned name, so adding a record allocates only for a new model.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "okstra/token_usage/prices.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage {

namespace detail {

inline constexpr std::int64_t hour_ms = 3'600'000;
inline constexpr std::int64_t block_ms = 5 * hour_ms;

inline double usd_of(pico_amount pico) noexcept { return static_cast<double>(pico) / 1e12; }

// One filtered record with its price, in canonical order.
struct priced {
  const record* r;
  pico_amount pico;
  bool has_price;
};

struct model_acc {
  tokens usage;
  pico_amount pico = 0;
  bool has_price = true;
};

// What one row accumulates before it becomes a report_row. Models are keyed
// by their interned name (a row has a handful): no string per record.
struct bucket {
  tokens usage;
  pico_amount pico = 0;
  std::vector<std::pair<istr, model_acc>> models;
  std::int64_t first_ms = 0, last_ms = 0;
  istr project;
  std::int64_t project_ms = 0;  // the time of the record that named `project`
  source src = source::claude;  // of the first record added

  void add(const priced& p) {
    if (models.empty()) src = p.r->src;
    if (models.empty() || p.r->timestamp_ms < first_ms) first_ms = p.r->timestamp_ms;
    if (models.empty() || p.r->timestamp_ms > last_ms) last_ms = p.r->timestamp_ms;
    usage += p.r->usage;
    pico += p.pico;
    auto it = std::find_if(models.begin(), models.end(), [&](const auto& m) { return m.first == p.r->model; });
    if (it == models.end()) it = models.insert(models.end(), {p.r->model, model_acc{}});
    model_acc& m = it->second;
    m.usage += p.r->usage;
    m.pico += p.pico;
    m.has_price = p.has_price;
    if (!p.r->project.empty()) project = p.r->project, project_ms = p.r->timestamp_ms;  // in time order: the latest wins
  }

  // Adds the sums of another bucket's records as if they had been added in
  // time order among this one's; of equal times, this bucket's record is
  // taken as the earlier (docs/usage-archive.md, "Reports over the archive").
  void merge(const bucket& other) {
    if (other.models.empty()) return;
    const bool fresh = models.empty();
    if (fresh || other.first_ms < first_ms) src = other.src, first_ms = other.first_ms;
    if (fresh || other.last_ms > last_ms) last_ms = other.last_ms;
    if (!other.project.empty() && (project.empty() || other.project_ms > project_ms))
      project = other.project, project_ms = other.project_ms;
    usage += other.usage;
    pico += other.pico;
    for (const auto& theirs : other.models) {  // not a structured binding: clang 14 refuses one in a lambda
      auto it = std::find_if(models.begin(), models.end(), [&](const auto& m) { return m.first == theirs.first; });
      if (it == models.end()) it = models.insert(models.end(), {theirs.first, model_acc{}});
      it->second.usage += theirs.second.usage;
      it->second.pico += theirs.second.pico;
      it->second.has_price = theirs.second.has_price;
    }
  }

  report_row to_row(std::string key, bool breakdown) const {
    report_row row;
    row.key = std::move(key);
    row.usage = usage;
    row.cost_usd = usd_of(pico);
    std::vector<const std::pair<istr, model_acc>*> by_name;
    for (const auto& m : models) by_name.push_back(&m);
    std::sort(by_name.begin(), by_name.end(), [](const auto* a, const auto* b) { return a->first.view() < b->first.view(); });
    for (const auto* m : by_name) {
      row.models.push_back(m->first.str());
      if (breakdown) row.breakdown.push_back({m->first.str(), m->second.usage, usd_of(m->second.pico), m->second.has_price});
    }
    return row;
  }
};

}  // namespace detail

}  // namespace okstra::token_usage
