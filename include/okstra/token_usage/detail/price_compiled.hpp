// A model's prices converted once to integer pico-dollars per token, which
// every report and the statusline price records with (docs/usage.md, "Prices").
// Plain inline: usable in both build modes without the module's definitions.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "okstra/token_usage/prices.hpp"

namespace okstra::token_usage::detail {

// USD per million tokens → pico-dollars per token, rounded. Prices are capped
// at 10^6 USD per token when read, so the product of a count (below 2^63) and
// a price (below 2^60) fits 128 bits.
inline std::uint64_t pico_per_token(double usd_per_million) noexcept {
  if (!(usd_per_million > 0)) return 0;
  const double pico = usd_per_million * 1e6;
  return pico >= 1e18 ? std::uint64_t{1'000'000'000'000'000'000} : static_cast<std::uint64_t>(std::llround(pico));
}

struct pico_rates {
  std::uint64_t input = 0, output = 0, cache_write_5m = 0, cache_write_1h = 0, cache_read = 0;
  explicit pico_rates(const rates& r) noexcept
      : input(pico_per_token(r.input)),
        output(pico_per_token(r.output)),
        cache_write_5m(pico_per_token(r.cache_write_5m)),
        cache_write_1h(pico_per_token(r.cache_write_1h)),
        cache_read(pico_per_token(r.cache_read)) {}
  pico_amount cost(const tokens& u) const noexcept {
    return pico_amount{u.input} * input + pico_amount{u.output} * output +
           pico_amount{u.cache_write_5m} * cache_write_5m + pico_amount{u.cache_write_1h} * cache_write_1h +
           pico_amount{u.cache_read} * cache_read;
  }
};

// A tier multiplier in millionths, so that 2.5 × a price stays exact.
inline std::uint64_t millionths(double multiplier) noexcept {
  if (!(multiplier > 0)) return 1'000'000;  // a tier without a multiplier: standard price
  return static_cast<std::uint64_t>(std::llround(std::min(multiplier, 1e6) * 1e6));
}

// A model's prices converted once to pico-dollars per token: a report prices
// every record, and the conversion would otherwise run per record.
class compiled_price {
 public:
  explicit compiled_price(const model_price& p) : price_(&p) {
    for (const auto& period : p.periods) {
      std::vector<std::pair<std::uint64_t, pico_rates>> steps;
      for (const auto& s : period.steps) steps.emplace_back(s.above_tokens, pico_rates(s.at));
      periods_.push_back({pico_rates(period.base), std::move(steps)});
    }
    for (const auto t : {service_tier::fast, service_tier::priority, service_tier::flex})
      tier_millionths_[static_cast<std::size_t>(t)] = millionths(p.tiers.of(t));
  }
  pico_amount cost(const tokens& u, std::int64_t unix_ms, service_tier tier) const noexcept {
    const auto& period = periods_.size() == 1 ? periods_.front()
                                              : periods_[static_cast<std::size_t>(&price_->at(unix_ms) - price_->periods.data())];
    const pico_rates* r = &period.first;
    const std::uint64_t prompt = u.prompt();
    for (const auto& [above, at] : period.second)
      if (prompt > above) r = &at;
    const pico_amount standard = r->cost(u);
    if (tier == service_tier::standard) return standard;
    return standard * tier_millionths_[static_cast<std::size_t>(tier)] / 1'000'000;
  }

 private:
  const model_price* price_;
  std::vector<std::pair<pico_rates, std::vector<std::pair<std::uint64_t, pico_rates>>>> periods_;
  std::array<std::uint64_t, 4> tier_millionths_{1'000'000, 1'000'000, 1'000'000, 1'000'000};
};

}  // namespace okstra::token_usage::detail
