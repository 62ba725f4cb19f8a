// okstra/token_usage/prices.hpp — model prices: which entry a model id maps
// to, and what one request costs at its time and service tier.
//
// Contract (docs/usage.md, "Prices"):
// - price_table::embedded() is generated from a pinned public dataset
//   (@pydantic/genai-prices, by scripts/update-prices); source() names the
//   dataset, its version and its publication date. Nothing is typed by hand
//   except the service-tier multipliers the dataset does not carry.
// - price_table::from_file(path) reads a price file in either format —
//   genai-prices (an array of providers, or okstra's own wrapper of it) or
//   LiteLLM (an object keyed by model id, USD per token) — and throws an input
//   error naming the file when it is unreadable or malformed. A table from a
//   file replaces the embedded one whole: two sources are never mixed.
// - find(model) maps a model id as the logs spell it to one entry, never by
//   guessing: first the exact id, then the id without provider prefixes
//   ("anthropic/", "openai/", "vertex_ai/", "bedrock/…", Bedrock's
//   "us.anthropic.…-v1:0"), then also without a date stamp, then the
//   canonical spelling (Claude "4.5" → "4-5", "gpt-5-4" → "gpt-5.4"); at each
//   step the entries' own ids first, then the dataset's match rules in
//   provider order. Matching ignores ASCII case (the dataset's regular
//   expressions excepted). Unknown: nullptr.
// - A model's prices may change over time (periods with a start date, or a
//   time-of-day window) and by request size (steps: above N prompt tokens the
//   whole request is billed at the step's rates). cost_pico() prices one
//   request at its timestamp, size and service tier; a tier the entry has no
//   multiplier for is billed at the standard rate.
// - apply_overrides() lets `prices.overrides` of <home>/config.json replace
//   single buckets of a model's prices, or price a model the table lacks.
// Money is computed in integer pico-dollars so that sums never depend on the
// order or grouping of records.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/json.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage {

struct rates {  // USD per million tokens
  double input = 0, output = 0, cache_write_5m = 0, cache_write_1h = 0, cache_read = 0;
};

// Above `above_tokens` prompt tokens (input + cache writes + cache reads) the
// whole request is billed at `at`.
struct price_step {
  std::uint64_t above_tokens = 0;
  rates at;
};

// The prices in force from a date, or during a daily UTC window, or always.
struct price_period {
  enum class applies : std::uint8_t { always, from_date, time_of_day };
  applies when = applies::always;
  std::int64_t from_ms = 0;         // from_date: Unix milliseconds
  std::int32_t day_from_s = 0;      // time_of_day: seconds after midnight UTC;
  std::int32_t day_to_s = 0;        //   a window with to < from wraps midnight
  rates base;
  std::vector<price_step> steps;    // ascending above_tokens
};

// Multipliers of the standard price per service tier; 0 = not known.
struct tier_multipliers {
  double fast = 0, priority = 0, flex = 0;
  double of(service_tier t) const noexcept {
    return t == service_tier::fast ? fast : t == service_tier::priority ? priority : t == service_tier::flex ? flex : 1;
  }
};

namespace detail {
struct match_rule;
}

struct model_price {
  std::string model;     // the entry's id in its source
  std::string provider;  // "anthropic", "openai", … ("litellm" for LiteLLM files, "override")
  std::vector<price_period> periods;  // in the source's order, never empty
  tier_multipliers tiers;
  std::shared_ptr<const detail::match_rule> match;  // the dataset's rule; none for LiteLLM ids
  bool overridden = false;  // buckets replaced by prices.overrides

  // The period in force at `unix_ms` (the dataset's rule: the last period
  // whose condition holds, else the first).
  const price_period& at(std::int64_t unix_ms) const noexcept;
};

struct price_source {
  std::string name;     // "@pydantic/genai-prices", "LiteLLM", …
  std::string version;  // the dataset's version, when it has one
  std::string date;     // YYYY-MM-DD: published, fetched, or the file's day
  std::string origin;   // "embedded", "cache FILE", "file FILE"
};

class price_table {
 public:
  static price_table embedded();
  static price_table from_file(const std::filesystem::path& file);
  // A parsed document in either format; `source` names it in errors.
  static price_table from_json(const json::value& doc, std::string_view source);

  const model_price* find(std::string_view model) const;
  const price_source& source() const noexcept { return source_; }
  const std::vector<model_price>& entries() const noexcept { return entries_; }
  // What decides every price: remembered reports are keyed by it.
  std::string identity() const { return source_.name + "\n" + source_.version + "\n" + source_.date + "\n" +
                                         source_.origin + identity_; }

  // `prices.overrides` of config.json: {model: {input, output, cacheWrite5m,
  // cacheWrite1h, cacheRead}} in USD per million tokens.
  void apply_overrides(const json::value& overrides, std::string_view source);

  // Public for readers and tests. A later entry with the same id replaces the
  // earlier one.
  void add(model_price price);
  void set_source(price_source source);

 private:
  std::vector<model_price> entries_;
  price_source source_;
  std::string identity_;  // what else decides prices: the file read, the overrides
  std::unordered_map<std::string, std::size_t> by_id_;  // lower-cased ids
  // Entries without a match rule (LiteLLM ids) by their spellings, ranked:
  // an id that is already plain before one with a date, before one with a
  // provider prefix (whose price may carry a regional premium).
  std::unordered_map<std::string, std::pair<int, std::size_t>> by_spelling_;
};

// Pico-dollars (1e-12 USD), 128 bits wide (docs/usage.md, "Counts that do not fit").
__extension__ typedef unsigned __int128 pico_amount;

pico_amount cost_pico(const model_price& price, const tokens& usage, std::int64_t unix_ms = 0,
                      service_tier tier = service_tier::standard);
double cost_usd(const model_price& price, const tokens& usage, std::int64_t unix_ms = 0,
                service_tier tier = service_tier::standard);

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/price_match.hpp"
#include "okstra/token_usage/detail/price_readers.hpp"
#include "okstra/token_usage/detail/prices_impl.hpp"
#endif
