// Readers of price data for okstra/token_usage/prices.hpp. Include that header.
//
// Contract: genai_price_table() reads the genai-prices format (providers →
// models with match rules, prices as numbers or {base, tiers[{start, price}]},
// optionally a list of {constraint, prices} periods) and okstra's optional
// per-model "tiers" {fast, priority, flex}; litellm_price_table() reads
// LiteLLM's object keyed by model id (USD per token, tiers as
// "…_above_Nk_tokens", service tiers as "…_priority"/"…_flex" and
// provider_specific_entry.fast). Both keep token prices only; a field of the
// wrong type is an input error naming the file and the field. Absent cache
// prices fall back the way the vendors bill (docs/usage.md, "Prices").
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"

namespace okstra::token_usage::detail {

// One bucket's price in USD per million, rounded to the pico unit (1e-12 USD
// per token), which also removes the float noise of per-token numbers.
inline double checked_price(const json::value& v, std::string_view source, const std::string& field,
                            double scale = 1) {
  if (!v.IsNumber() || !std::isfinite(v.GetDouble()) || v.GetDouble() < 0)
    throw json::field_error(source, field, "a non-negative number");
  const double usd_per_million = v.GetDouble() * scale;
  return usd_per_million > 1e12 ? 1e12 : std::round(usd_per_million * 1e6) / 1e6;
}

// The five buckets, each maybe absent, then the vendors' fallbacks: a cache
// write without its own price costs input, a 1h write what a 5m write does, a
// cache read what input does.
struct partial_rates {
  std::optional<double> input, output, cache_write_5m, cache_write_1h, cache_read;
  rates resolved() const {
    rates r;
    r.input = input.value_or(0);
    r.output = output.value_or(0);
    r.cache_write_5m = cache_write_5m.value_or(r.input);
    r.cache_write_1h = cache_write_1h.value_or(r.cache_write_5m);
    r.cache_read = cache_read.value_or(r.input);
    return r;
  }
};

inline std::optional<double>* bucket_of(partial_rates& r, std::string_view genai_key) {
  if (genai_key == "input_mtok") return &r.input;
  if (genai_key == "output_mtok") return &r.output;
  if (genai_key == "cache_write_mtok") return &r.cache_write_5m;
  if (genai_key == "cache_write_1h_mtok") return &r.cache_write_1h;
  if (genai_key == "cache_read_mtok") return &r.cache_read;
  return nullptr;
}

// ---- genai-prices ---------------------------------------------------------

// Each bucket's base price and tier starts; a step exists at every start any
// bucket has, and carries each bucket's price in force at that size.
inline price_period genai_period(const json::value& prices, std::string_view source, const std::string& where,
                                 bool& has_token_prices) {
  if (!prices.IsObject()) throw json::field_error(source, where + ".prices", "an object");
  partial_rates base;
  std::map<std::uint64_t, partial_rates> at_start;  // only the buckets with a tier starting there
  for (const auto& m : prices.GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    std::optional<double>* slot = bucket_of(base, key);
    if (!slot) continue;  // images, audio, searches: not token prices okstra records
    const std::string field = where + ".prices." + key;
    if (m.value.IsNumber()) {
      *slot = checked_price(m.value, source, field);
      continue;
    }
    const json::value* b = json::find(m.value, "base");
    const json::value* tiers = json::find(m.value, "tiers");
    if (!b || !tiers || !tiers->IsArray()) throw json::field_error(source, field, "a number or {base, tiers}");
    *slot = checked_price(*b, source, field + ".base");
    for (const auto& t : tiers->GetArray()) {
      const json::value* start = json::find(t, "start");
      const json::value* price = json::find(t, "price");
      if (!start || !start->IsUint64() || !price) throw json::field_error(source, field + ".tiers", "[{start, price}]");
      *bucket_of(at_start[start->GetUint64()], key) = checked_price(*price, source, field + ".tiers.price");
    }
  }
  if (base.input || base.output) has_token_prices = true;
  price_period p;
  p.base = base.resolved();
  partial_rates running = base;
  for (const auto& [start, changed] : at_start) {
    for (auto [to, from] : {std::pair{&running.input, &changed.input}, std::pair{&running.output, &changed.output},
                            std::pair{&running.cache_write_5m, &changed.cache_write_5m},
                            std::pair{&running.cache_write_1h, &changed.cache_write_1h},
                            std::pair{&running.cache_read, &changed.cache_read}})
      if (*from) *to = *from;
    p.steps.push_back({start, running.resolved()});
  }
  return p;
}

// "HH:MM:SS" with "Z" or "+HH:MM": seconds after midnight UTC.
inline std::optional<std::int32_t> utc_seconds_of_day(std::string_view s) {
  int h = 0, m = 0, sec = 0, oh = 0, om = 0;
  const auto num = [&](std::size_t at, int& out) {
    return at + 2 <= s.size() && std::from_chars(s.data() + at, s.data() + at + 2, out).ptr == s.data() + at + 2;
  };
  if (s.size() < 9 || !num(0, h) || s[2] != ':' || !num(3, m) || s[5] != ':' || !num(6, sec)) return std::nullopt;
  std::size_t at = 8;
  if (at < s.size() && s[at] == '.') {
    ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
  }
  int sign = 0;
  if (at + 1 == s.size() && s[at] == 'Z') sign = 0;
  else if (at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && num(at + 1, oh) && s[at + 3] == ':' && num(at + 4, om))
    sign = s[at] == '+' ? 1 : -1;
  else return std::nullopt;
  if (h > 23 || m > 59 || sec > 59 || oh > 23 || om > 59) return std::nullopt;
  return static_cast<std::int32_t>(((h * 3600 + m * 60 + sec - sign * (oh * 3600 + om * 60)) % 86400 + 86400) % 86400);
}

inline price_period genai_constrained_period(const json::value& entry, std::string_view source, const std::string& where,
                                             bool& has_token_prices) {
  const json::value* prices = json::find(entry, "prices");
  if (!prices) throw json::field_error(source, where + ".prices", "an object");
  price_period p = genai_period(*prices, source, where, has_token_prices);
  const json::value* c = json::find(entry, "constraint");
  if (!c || c->IsNull()) return p;
  const auto type = json::get_string(*c, "type");
  if (type == "start_date") {
    const auto day = json::get_string(*c, "start_date");
    const auto ms = day ? time::parse_iso8601(*day) : std::nullopt;
    if (!ms) throw json::field_error(source, where + ".constraint.start_date", "a date");
    p.when = price_period::applies::from_date;
    p.from_ms = *ms;
  } else if (type == "time_of_date") {
    const auto from = json::get_string(*c, "start_time"), to = json::get_string(*c, "end_time");
    const auto from_s = from ? utc_seconds_of_day(*from) : std::nullopt;
    const auto to_s = to ? utc_seconds_of_day(*to) : std::nullopt;
    if (!from_s || !to_s) throw json::field_error(source, where + ".constraint", "start_time and end_time as HH:MM:SSZ");
    p.when = price_period::applies::time_of_day;
    p.day_from_s = *from_s;
    p.day_to_s = *to_s;
  } else {
    throw json::field_error(source, where + ".constraint.type", "start_date or time_of_date");
  }
  return p;
}

inline tier_multipliers genai_tiers(const json::value& model, std::string_view source, const std::string& where) {
  tier_multipliers t;
  const json::value* tiers = json::find(model, "tiers");
  if (!tiers) return t;
  if (!tiers->IsObject()) throw json::field_error(source, where + ".tiers", "an object");
  for (auto [name, slot] : {std::pair{"fast", &t.fast}, std::pair{"priority", &t.priority}, std::pair{"flex", &t.flex}})
    if (const json::value* v = json::find(*tiers, name)) *slot = checked_price(*v, source, where + ".tiers." + name);
  return t;
}

// nullopt for a model without token prices (images, audio, embeddings by page).
inline std::optional<model_price> genai_model(const json::value& model, std::string_view provider,
                                              std::string_view source) {
  const std::string where = std::string(provider) + "." + std::string(json::get_string(model, "id").value_or("?"));
  model_price p;
  p.provider = std::string(provider);
  p.model = std::string(json::require_string(model, "id", source));
  const json::value* match = json::find(model, "match");
  if (!match) throw json::field_error(source, where + ".match", "a rule");
  p.match = std::make_shared<const match_rule>(parse_match_rule(*match, source));
  const json::value* prices = json::find(model, "prices");
  if (!prices) throw json::field_error(source, where + ".prices", "an object or an array");
  bool has_token_prices = false;
  if (prices->IsArray()) {
    for (const auto& period : prices->GetArray())
      p.periods.push_back(genai_constrained_period(period, source, where, has_token_prices));
  } else {
    p.periods.push_back(genai_period(*prices, source, where, has_token_prices));
  }
  if (p.periods.empty()) throw json::field_error(source, where + ".prices", "a non-empty array");
  p.tiers = genai_tiers(model, source, where);
  if (!has_token_prices) return std::nullopt;
  return p;
}

// An array of providers (the dataset's data.json), or okstra's embedded
// form {dataset, providers}.
inline void read_genai_providers(price_table& table, const json::value& providers, std::string_view source) {
  if (!providers.IsArray()) throw json::field_error(source, "providers", "an array");
  for (const auto& provider : providers.GetArray()) {
    if (!provider.IsObject()) throw json::field_error(source, "providers", "an array of objects");
    const std::string_view id = json::require_string(provider, "id", source);
    const json::value* models = json::find(provider, "models");
    if (!models || !models->IsArray()) throw json::field_error(source, std::string(id) + ".models", "an array");
    for (const auto& model : models->GetArray())
      if (auto p = genai_model(model, id, source)) table.add(std::move(*p));
  }
}

// ---- LiteLLM ----------------------------------------------------------------

inline constexpr std::pair<std::string_view, std::optional<double> partial_rates::*> litellm_buckets[] = {
    {"input_cost_per_token", &partial_rates::input},
    {"output_cost_per_token", &partial_rates::output},
    {"cache_creation_input_token_cost", &partial_rates::cache_write_5m},
    {"cache_creation_input_token_cost_above_1hr", &partial_rates::cache_write_1h},
    {"cache_read_input_token_cost", &partial_rates::cache_read},
};

// "input_cost_per_token_above_200k_tokens" → (input, 200000); the 1h write
// spells it "cache_creation_input_token_cost_above_1hr_above_200k_tokens".
inline std::optional<std::pair<std::optional<double> partial_rates::*, std::uint64_t>> litellm_step_key(
    std::string_view key) {
  if (!key.ends_with("k_tokens")) return std::nullopt;
  const auto above = key.rfind("_above_");
  if (above == std::string_view::npos) return std::nullopt;
  const std::string_view base = key.substr(0, above);
  const std::string_view count = key.substr(above + 7, key.size() - above - 7 - 8);
  std::uint64_t thousands = 0;
  if (count.empty() || std::from_chars(count.data(), count.data() + count.size(), thousands).ptr != count.data() + count.size() ||
      thousands > 1'000'000'000)
    return std::nullopt;
  for (const auto& [name, member] : litellm_buckets)
    if (base == name) return std::pair{member, thousands * 1000};
  return std::nullopt;
}

inline std::optional<model_price> litellm_entry(std::string_view model, const json::value& entry, std::string_view source) {
  if (!entry.IsObject()) throw json::field_error(source, model, "an object");
  const std::string where(model);
  partial_rates base;
  std::map<std::uint64_t, partial_rates> at_start;
  for (const auto& m : entry.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsNull()) continue;
    for (const auto& [name, member] : litellm_buckets)
      if (key == name) base.*member = checked_price(m.value, source, where + "." + std::string(key), 1e6);
    if (const auto step = litellm_step_key(key))
      at_start[step->second].*(step->first) = checked_price(m.value, source, where + "." + std::string(key), 1e6);
  }
  if (!base.input || !base.output) return std::nullopt;  // images, audio, rerank: not token-priced
  model_price p;
  p.model = where;
  p.provider = "litellm";
  price_period period;
  period.base = base.resolved();
  // A step bucket without its own price keeps the base tier's explicit price,
  // else falls back within the step (a model without cache prices bills them
  // at the step's input rate).
  partial_rates running;
  for (const auto& [start, changed] : at_start) {
    for (const auto& [name, member] : litellm_buckets)
      if (changed.*member) running.*member = changed.*member;
    partial_rates step = running;
    for (const auto& [name, member] : litellm_buckets)
      if (!(step.*member) && member != &partial_rates::input && base.*member) step.*member = base.*member;
    if (!step.input) step.input = base.input;
    if (!step.output) step.output = base.output;
    period.steps.push_back({start, step.resolved()});
  }
  p.periods.push_back(std::move(period));
  // Service tiers: one multiplier per tier, the ratio of the tier's input
  // price to the standard one (else of output), as docs/usage.md explains.
  const auto ratio = [&](std::string_view suffix) -> double {
    for (const auto* name : {"input_cost_per_token", "output_cost_per_token"}) {
      const json::value* v = json::find(entry, std::string(name) + std::string(suffix));
      const double standard = std::string_view(name) == "input_cost_per_token" ? *base.input : *base.output;
      if (v && !v->IsNull() && standard > 0)
        return checked_price(*v, source, where + "." + name + std::string(suffix), 1e6) / standard;
    }
    return 0;
  };
  p.tiers.priority = ratio("_priority");
  p.tiers.flex = ratio("_flex");
  if (const json::value* specific = json::find(entry, "provider_specific_entry"))
    if (const json::value* fast = json::find(*specific, "fast"))
      p.tiers.fast = checked_price(*fast, source, where + ".provider_specific_entry.fast");
  return p;
}

inline void read_litellm(price_table& table, const json::value& doc, std::string_view source) {
  for (const auto& m : doc.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == "sample_spec") continue;  // LiteLLM's documentation of the schema
    if (auto p = litellm_entry(name, m.value, source)) table.add(std::move(*p));
  }
}

}  // namespace okstra::token_usage::detail
