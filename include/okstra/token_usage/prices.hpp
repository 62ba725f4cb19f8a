// okstra/token_usage/prices.hpp — model prices, embedded and from LiteLLM files.
//
// Contract:
// - price_table::embedded() is a dated table (USD per million tokens) of the
//   Claude, GPT/Codex and Gemini models okstra uses; as_of() names its date.
// - price_table::from_litellm(path) reads a LiteLLM-style
//   model_prices_and_context_window.json (USD per token, converted to USD per
//   million) and throws an input error naming the file when it is unreadable
//   or malformed. `--prices FILE` replaces the embedded table with it: the
//   file's entries are the only prices used (no mixing of two sources).
// - find(model) matches, in order: the exact name; the name without provider
//   prefixes ("anthropic/", "openai/", "gemini/", "vertex_ai/", "bedrock/…",
//   Bedrock's "us.anthropic." with its "-v1:0"); then also without a
//   trailing date stamp ("-20250929", "@20250929", "-2025-08-07"); then known
//   aliases ("claude-sonnet-4-0" = "claude-sonnet-4"). Matching is ASCII
//   case-insensitive. An unknown model is nullptr — never a guess.
// - cost_usd(price, usage) prices one request: when usage.prompt() exceeds the
//   model's threshold (200k tokens) the above-threshold rates apply to the
//   whole request. Models without a cache-write price (OpenAI, Gemini) bill
//   cache writes at the input rate.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage {

struct rates {  // USD per million tokens
  double input = 0, output = 0, cache_write_5m = 0, cache_write_1h = 0, cache_read = 0;
};

struct model_price {
  std::string model;
  rates base;
  std::optional<rates> above_threshold;
  std::uint64_t threshold_tokens = 200'000;
};

class price_table {
 public:
  static price_table embedded();
  static price_table from_litellm(const std::filesystem::path& file);

  const model_price* find(std::string_view model) const;
  const std::string& as_of() const noexcept { return as_of_; }
  const std::vector<model_price>& entries() const noexcept { return entries_; }

  // Public for tests and for the LiteLLM reader. A later entry with the same
  // name replaces the earlier one.
  void add(model_price price);
  void set_as_of(std::string date) { as_of_ = std::move(date); }

 private:
  std::vector<model_price> entries_;
  std::string as_of_;
  // Lookup indexes into entries_: lower-cased exact name, and the normalised
  // name (prefix, date stamp and alias removed) with a rank that prefers
  // entries whose own name is already plain.
  std::unordered_map<std::string, std::size_t> exact_;
  std::unordered_map<std::string, std::pair<int, std::size_t>> normalised_;
};

double cost_usd(const model_price& price, const tokens& usage) noexcept;

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/prices_impl.hpp"
