// Definitions for okstra/token_usage/prices.hpp. Include that header instead.
//
// Contract: money is computed in integer pico-dollars (1e-12 USD) so that
// sums do not depend on the order or grouping of the records — daily and
// monthly totals of one data set are then equal to the last digit.
#pragma once

#include "okstra/core/api.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/text.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/price_compiled.hpp"
#include "okstra/token_usage/detail/price_data.hpp"

namespace okstra::token_usage {

OKSTRA_INLINE const price_period& model_price::at(std::int64_t unix_ms) const noexcept {
  for (auto it = periods.rbegin(); it != periods.rend(); ++it) {
    switch (it->when) {
      case price_period::applies::always: return *it;
      case price_period::applies::from_date:
        if (unix_ms >= it->from_ms) return *it;
        break;
      case price_period::applies::time_of_day: {
        const auto s = static_cast<std::int32_t>(time::floor_div(unix_ms, 1000) - time::floor_div(unix_ms, 86'400'000) * 86'400);
        const bool inside = it->day_to_s < it->day_from_s ? (s >= it->day_from_s || s < it->day_to_s)
                                                          : (s >= it->day_from_s && s < it->day_to_s);
        if (inside) return *it;
        break;
      }
    }
  }
  return periods.front();
}

namespace detail {

inline std::string file_day(const std::filesystem::path& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return {};
  return time::format_iso8601(static_cast<std::int64_t>(st.st_mtime) * 1000).substr(0, 10);
}

}  // namespace detail

OKSTRA_INLINE pico_amount cost_pico(const model_price& price, const tokens& usage, std::int64_t unix_ms,
                             service_tier tier) {
  return detail::compiled_price(price).cost(usage, unix_ms, tier);
}

OKSTRA_INLINE double cost_usd(const model_price& price, const tokens& usage, std::int64_t unix_ms, service_tier tier) {
  return static_cast<double>(cost_pico(price, usage, unix_ms, tier)) / 1e12;
}

OKSTRA_INLINE void price_table::add(model_price price) {
  const std::string id = text::ascii_lower(price.model);
  const std::size_t index = entries_.size();
  by_id_.emplace(id, index);  // the first entry of an id wins: providers are in lookup order
  if (!price.match) {
    const int rank = id == detail::normalised_spelling(id) ? 0 : detail::strip_provider(id) == id ? 1 : 2;
    std::string spelling = detail::normalised_spelling(id);
    const auto it = by_spelling_.find(spelling);
    if (it == by_spelling_.end() || rank < it->second.first) by_spelling_[std::move(spelling)] = {rank, index};
  }
  entries_.push_back(std::move(price));
}

OKSTRA_INLINE void price_table::set_source(price_source source) {
  source_ = std::move(source);
}

OKSTRA_INLINE const model_price* price_table::find(std::string_view model) const {
  const auto by_id = [&](const std::string& id) -> const model_price* {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &entries_[it->second];
  };
  if (const auto* p = by_id(text::ascii_lower(model))) return p;
  const auto candidates = detail::spelling_candidates(model);
  for (const std::string& candidate : candidates)
    if (const auto* p = by_id(candidate)) return p;
  for (const std::string& candidate : candidates)
    for (const auto& e : entries_)
      if (e.match && e.match->matches(candidate)) return &e;
  // Ids of files without rules (LiteLLM), compared fully normalised.
  if (const auto it = by_spelling_.find(detail::normalised_spelling(model)); it != by_spelling_.end())
    return &entries_[it->second.second];
  return nullptr;
}

OKSTRA_INLINE price_table price_table::from_json(const json::value& doc, std::string_view source) {
  price_table table;
  price_source info;
  info.origin = "file " + std::string(source);
  if (doc.IsArray()) {
    detail::read_genai_providers(table, doc, source);
    info.name = "@pydantic/genai-prices";
  } else if (doc.IsObject() && json::find(doc, "providers")) {
    detail::read_genai_providers(table, *json::find(doc, "providers"), source);
    const json::value* dataset = json::find(doc, "dataset");
    info.name = dataset ? std::string(json::get_string(*dataset, "name").value_or("@pydantic/genai-prices")) : "";
    info.version = dataset ? std::string(json::get_string(*dataset, "version").value_or("")) : "";
    info.date = dataset ? std::string(json::get_string(*dataset, "date").value_or("")) : "";
  } else if (doc.IsObject()) {
    detail::read_litellm(table, doc, source);
    info.name = "LiteLLM";
  } else {
    throw input_error(quoted("malformed JSON", source) + ": expected a price file (an array of providers or an object)");
  }
  if (table.entries_.empty()) throw input_error(quoted("no token prices in", source));
  table.set_source(std::move(info));
  return table;
}

OKSTRA_INLINE price_table price_table::embedded() {
  const std::string text = detail::embedded_price_json();
  const json::document doc = json::parse(text, "the embedded price table");
  price_table table = from_json(doc, "the embedded price table");
  price_source info = table.source_;
  info.origin = "embedded";
  table.set_source(std::move(info));
  return table;
}

OKSTRA_INLINE price_table price_table::from_file(const std::filesystem::path& file) {
  const std::string source = file.string();
  const std::string bytes = fs::read_file(file, std::size_t{256} << 20);
  const json::document doc = json::parse(bytes, source);
  // okstra's own cache wrapper ({okstraPrices, fetched, from, data}) of a
  // downloaded file (docs/usage.md, "Where prices come from").
  const json::value* wrapped = doc.IsObject() ? json::find(doc, "okstraPrices") : nullptr;
  price_table table = from_json(wrapped ? *json::find(doc, "data") : doc, source);
  price_source info = table.source_;
  if (wrapped) {
    info.date = std::string(json::get_string(doc, "fetched").value_or("")).substr(0, 10);
    if (auto from = json::get_string(doc, "from")) info.origin = "file " + source + " (from " + std::string(*from) + ")";
  }
  if (info.date.empty()) info.date = detail::file_day(file);  // the file's own day is the best "as of"
  table.set_source(std::move(info));
  // The file's identity, not its content: hashing megabytes would cost every
  // remembered report more than it saves.
  struct stat st{};
  if (::stat(file.c_str(), &st) == 0)
    table.identity_ += "\n" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) +
                       ":" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  return table;
}

OKSTRA_INLINE void price_table::apply_overrides(const json::value& overrides, std::string_view source) {
  if (!overrides.IsObject()) throw json::field_error(source, "prices.overrides", "an object");
  static constexpr std::pair<std::string_view, double rates::*> fields[] = {
      {"input", &rates::input}, {"output", &rates::output}, {"cacheWrite5m", &rates::cache_write_5m},
      {"cacheWrite1h", &rates::cache_write_1h}, {"cacheRead", &rates::cache_read}};
  for (const auto& m : overrides.GetObject()) {
    const std::string model(m.name.GetString(), m.name.GetStringLength());
    const std::string where = "prices.overrides." + model;
    if (!m.value.IsObject() || m.value.MemberCount() == 0) throw json::field_error(source, where, "an object of prices");
    detail::partial_rates given;
    std::vector<std::pair<double rates::*, double>> set;
    for (const auto& f : m.value.GetObject()) {
      const std::string_view key(f.name.GetString(), f.name.GetStringLength());
      const auto it = std::find_if(std::begin(fields), std::end(fields), [&](const auto& x) { return x.first == key; });
      if (it == std::end(fields))
        throw json::field_error(source, where + "." + std::string(key), "one of input, output, cacheWrite5m, cacheWrite1h, cacheRead");
      set.emplace_back(it->second, detail::checked_price(f.value, source, where + "." + std::string(key)));
    }
    const model_price* found = find(model);
    if (!found) {
      model_price p;
      p.model = model;
      p.provider = "override";
      p.periods.emplace_back();
      for (const auto& [field, value] : set) {
        if (field == &rates::input) given.input = value;
        if (field == &rates::output) given.output = value;
        if (field == &rates::cache_write_5m) given.cache_write_5m = value;
        if (field == &rates::cache_write_1h) given.cache_write_1h = value;
        if (field == &rates::cache_read) given.cache_read = value;
      }
      p.periods.front().base = given.resolved();
      p.overridden = true;
      add(std::move(p));
    } else {
      model_price& p = entries_[static_cast<std::size_t>(found - entries_.data())];
      for (auto& period : p.periods) {
        for (const auto& [field, value] : set) {
          period.base.*field = value;
          for (auto& step : period.steps) step.at.*field = value;
        }
      }
      p.overridden = true;
    }
    identity_ += "\noverride " + model;
    for (const auto& [field, value] : set) identity_ += " " + std::to_string(value);
  }
}

}  // namespace okstra::token_usage
