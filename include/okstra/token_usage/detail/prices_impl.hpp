// Definitions for okstra/token_usage/prices.hpp. Include that header instead.
//
// Contract: model names are matched after normalisation (see prices.hpp); money
// is computed in integer pico-dollars (1e-12 USD) so that sums do not depend
// on the order or grouping of the records — daily and monthly totals of one
// data set are then equal to the last digit.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/text.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/price_data.hpp"

namespace okstra::token_usage {

namespace detail {

using text::ascii_lower;

inline bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

inline bool starts_with(std::string_view s, std::string_view p) noexcept { return s.substr(0, p.size()) == p; }

// "vertex_ai/claude-…", "bedrock/us-east-1/us.anthropic.claude-…-v1:0",
// "models/gemini-2.5-pro" → the bare model id.
inline std::string strip_provider(std::string s) {
  if (const auto slash = s.rfind('/'); slash != std::string::npos) s.erase(0, slash + 1);
  for (std::string_view region : {"us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov."}) {
    if (starts_with(s, region) && starts_with(std::string_view(s).substr(region.size()), "anthropic.")) {
      s.erase(0, region.size());
      break;
    }
  }
  if (!starts_with(s, "anthropic.")) return s;
  s.erase(0, 10);
  // Bedrock's version suffix ("-v1:0", "-v2"), only on Bedrock ids: elsewhere
  // "-v3" can be part of a model's name ("deepseek-v3").
  if (const auto colon = s.rfind(':'); colon != std::string::npos && all_digits(std::string_view(s).substr(colon + 1)))
    s.erase(colon);
  if (const auto dash = s.rfind("-v"); dash != std::string::npos && all_digits(std::string_view(s).substr(dash + 2)))
    s.erase(dash);
  return s;
}

// "-20250929", "@20250929" and OpenAI's "-2025-08-07" at the end.
inline std::string strip_date(std::string s) {
  const std::string_view v(s);
  if (v.size() > 9 && (v[v.size() - 9] == '-' || v[v.size() - 9] == '@') && all_digits(v.substr(v.size() - 8))) {
    s.erase(s.size() - 9);
  } else if (v.size() > 11 && v[v.size() - 11] == '-' && all_digits(v.substr(v.size() - 10, 4)) &&
             v[v.size() - 6] == '-' && all_digits(v.substr(v.size() - 5, 2)) && v[v.size() - 3] == '-' &&
             all_digits(v.substr(v.size() - 2))) {
    s.erase(s.size() - 11);
  }
  return s;
}

// Cursor-style Claude spellings: "claude-4.5-sonnet-thinking" and
// "claude-sonnet-4.5" → "claude-sonnet-4-5"; "claude-3.7-sonnet" →
// "claude-3-7-sonnet" (Anthropic's own order changed with the 4 family).
inline std::string claude_spelling(std::string s) {
  if (!starts_with(s, "claude-")) return s;
  if (s.size() > 16 && s.ends_with("-thinking")) s.erase(s.size() - 9);
  for (char& c : s)
    if (c == '.') c = '-';
  std::vector<std::string> parts;
  for (std::size_t at = 7; at <= s.size();) {
    const auto dash = std::min(s.find('-', at), s.size());
    parts.push_back(s.substr(at, dash - at));
    at = dash + 1;
  }
  const auto is_family = [](const std::string& p) { return p == "opus" || p == "sonnet" || p == "haiku"; };
  std::string family, version;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (is_family(parts[i]) && family.empty()) {
      family = parts[i];
    } else if (all_digits(parts[i])) {
      version += (version.empty() ? "" : "-") + parts[i];
    } else {
      return s;  // something else ("claude-instant-1"): leave it alone
    }
  }
  if (family.empty() || version.empty()) return s;
  const bool new_order = version[0] >= '4' || (version.size() > 1 && version[1] != '-');  // 4+, or 10+
  return new_order ? "claude-" + family + "-" + version : "claude-" + version + "-" + family;
}

inline std::string apply_alias(std::string s) {
  for (const auto& a : embedded_aliases)
    if (a.alias == s) return std::string(a.model);
  s = claude_spelling(std::move(s));
  for (const auto& a : embedded_aliases)
    if (a.alias == s) return std::string(a.model);
  return s;
}

inline std::string normalise_model(std::string_view name) {
  return apply_alias(strip_date(strip_provider(ascii_lower(name))));
}

// USD per million tokens → pico-dollars per token (1e-12 USD), rounded; this
// also removes the float noise of LiteLLM's per-token numbers (3e-06 × 1e6).
// A price above max_pico_per_token (10^6 USD per token) is clamped there, so
// the conversion is defined for any number a price file holds.
inline constexpr double max_pico_per_token = 1e18;
inline std::uint64_t pico_per_token(double usd_per_million) noexcept {
  if (!(usd_per_million > 0)) return 0;
  const double pico = usd_per_million * 1e6;
  return pico >= max_pico_per_token ? static_cast<std::uint64_t>(max_pico_per_token)
                                    : static_cast<std::uint64_t>(std::llround(pico));
}

// Money in pico-dollars, 128 bits wide: a count (at most max_count, below
// 2^63) times a price (below 2^60) is below 2^123, and every sum a report
// forms is over records whose grand token total fits max_count, so no cost
// or sum of costs can wrap (docs/usage.md, "Counts that do not fit").
__extension__ typedef unsigned __int128 pico_amount;

// A model's prices in pico-dollars per token, converted once (a report
// prices every record).
struct pico_price {
  struct tier {
    std::uint64_t input = 0, output = 0, cache_write_5m = 0, cache_write_1h = 0, cache_read = 0;
    explicit tier(const rates& r) noexcept
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
  tier base;
  std::optional<tier> above;
  std::uint64_t threshold_tokens;

  explicit pico_price(const model_price& p) noexcept
      : base(p.base), threshold_tokens(p.threshold_tokens) {
    if (p.above_threshold) above.emplace(*p.above_threshold);
  }
  pico_amount cost(const tokens& u) const noexcept {
    return above && u.prompt() > threshold_tokens ? above->cost(u) : base.cost(u);
  }
};

inline pico_amount cost_pico(const model_price& price, const tokens& usage) noexcept {
  return pico_price(price).cost(usage);
}

}  // namespace detail

inline void price_table::add(model_price price) {
  const std::string exact = detail::ascii_lower(price.model);
  const std::string normal = detail::normalise_model(price.model);
  // Prefer entries that are already plain ("claude-sonnet-4-5") over dated
  // ones, and those over provider-qualified ones ("vertex_ai/…"), whose
  // prices may carry a regional premium.
  const int rank = normal == exact ? 0 : detail::strip_provider(exact) == exact ? 1 : 2;
  if (const auto it = exact_.find(exact); it != exact_.end()) {
    entries_[it->second] = std::move(price);
    return;
  }
  const std::size_t index = entries_.size();
  entries_.push_back(std::move(price));
  exact_.emplace(exact, index);
  const auto it = normalised_.find(normal);
  if (it == normalised_.end() || rank < it->second.first) normalised_[normal] = {rank, index};
}

inline const model_price* price_table::find(std::string_view model) const {
  const auto exact = [&](const std::string& name) -> const model_price* {
    const auto it = exact_.find(name);
    return it == exact_.end() ? nullptr : &entries_[it->second];
  };
  const std::string lower = detail::ascii_lower(model);
  if (const auto* p = exact(lower)) return p;
  const std::string bare = detail::strip_provider(lower);
  if (const auto* p = exact(bare)) return p;
  const std::string undated = detail::strip_date(bare);
  if (const auto* p = exact(undated)) return p;
  const std::string canonical = detail::apply_alias(undated);
  if (const auto* p = exact(canonical)) return p;
  const auto it = normalised_.find(canonical);
  return it == normalised_.end() ? nullptr : &entries_[it->second.second];
}

inline price_table price_table::embedded() {
  price_table table;
  table.set_as_of(std::string(detail::embedded_as_of));
  for (const auto& row : detail::embedded_prices) {
    model_price p;
    p.model = std::string(row.model);
    p.base = {row.input, row.output, row.cache_write_5m, row.cache_write_1h, row.cache_read};
    if (row.tiered)
      p.above_threshold = rates{row.input_above, row.output_above, row.cache_write_5m_above, row.cache_write_1h_above,
                                row.cache_read_above};
    table.add(std::move(p));
  }
  return table;
}

namespace detail {

// A LiteLLM cost field in USD per million tokens; nullopt when absent.
inline std::optional<double> litellm_cost(const json::value& entry, std::string_view model, std::string_view key,
                                          std::string_view source) {
  const json::value* v = json::find(entry, key);
  if (!v || v->IsNull()) return std::nullopt;
  if (!v->IsNumber() || !std::isfinite(v->GetDouble()) || v->GetDouble() < 0)
    throw json::field_error(source, std::string(model) + "." + std::string(key), "a non-negative number");
  // Rounded to 1e-6 USD per million (= 1e-12 per token, the pico unit).
  return std::round(v->GetDouble() * 1e12) / 1e6;
}

inline std::optional<model_price> litellm_entry(std::string_view model, const json::value& entry,
                                                std::string_view source) {
  if (!entry.IsObject()) throw json::field_error(source, model, "an object");
  const auto cost = [&](std::string_view key) { return litellm_cost(entry, model, key, source); };
  const auto input = cost("input_cost_per_token");
  const auto output = cost("output_cost_per_token");
  if (!input || !output) return std::nullopt;  // images, audio, rerank: not token-priced
  // Absent cache prices: writes cost what input costs (OpenAI, Gemini), a 1h
  // write what a 5m one does, reads what input does.
  const auto cw5m = cost("cache_creation_input_token_cost");
  const auto cw1h = cost("cache_creation_input_token_cost_above_1hr");
  const auto cr = cost("cache_read_input_token_cost");
  model_price p;
  p.model = std::string(model);
  p.base = {*input, *output, cw5m.value_or(*input), cw1h.value_or(cw5m.value_or(*input)), cr.value_or(*input)};
  const auto in_above = cost("input_cost_per_token_above_200k_tokens");
  const auto out_above = cost("output_cost_per_token_above_200k_tokens");
  const auto cw5m_above = cost("cache_creation_input_token_cost_above_200k_tokens");
  const auto cw1h_above = cost("cache_creation_input_token_cost_above_1hr_above_200k_tokens");
  const auto cr_above = cost("cache_read_input_token_cost_above_200k_tokens");
  if (!in_above && !out_above && !cw5m_above && !cw1h_above && !cr_above) return p;
  // The upper tier falls back the same way, from its own input rate when the
  // model has no cache price at all, else from the base tier's rate.
  const double in_up = in_above.value_or(*input);
  const double cw5m_up = cw5m_above ? *cw5m_above : cw5m ? *cw5m : in_up;
  const double cw1h_up = cw1h_above ? *cw1h_above : cw1h ? *cw1h : cw5m_up;
  const double cr_up = cr_above ? *cr_above : cr ? *cr : in_up;
  p.above_threshold = rates{in_up, out_above.value_or(*output), cw5m_up, cw1h_up, cr_up};
  return p;
}

}  // namespace detail

inline price_table price_table::from_litellm(const std::filesystem::path& file) {
  const std::string source = file.string();
  const json::document doc = json::read_file(file, std::size_t{256} << 20);
  json::require_object(doc, source);
  price_table table;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name == "sample_spec") continue;  // LiteLLM's documentation of the schema
    if (auto p = detail::litellm_entry(name, it->value, source)) table.add(std::move(*p));
  }
  // The file carries no date of its own; its modification day is the best "as of".
  struct stat st{};
  if (::stat(file.c_str(), &st) == 0)
    table.set_as_of(time::format_iso8601(static_cast<std::int64_t>(st.st_mtime) * 1000).substr(0, 10));
  return table;
}

inline double cost_usd(const model_price& price, const tokens& usage) noexcept {
  return static_cast<double>(detail::cost_pico(price, usage)) / 1e12;
}

}  // namespace okstra::token_usage
