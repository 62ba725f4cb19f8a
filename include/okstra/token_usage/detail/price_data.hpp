// The embedded price table of price_table::embedded(). Include through
// okstra/token_usage/prices.hpp.
//
// Contract: list prices in USD per million tokens, as published by each vendor
// on the date in `embedded_as_of`; names are the vendors' API model ids
// without date stamps (find() strips those). Sources:
// - Anthropic: https://docs.claude.com/en/docs/about-claude/pricing — cache
//   write 5m = 1.25 × input, 1h = 2 × input, cache read = 0.1 × input (Claude
//   3 Haiku is the exception and is spelled out). Sonnet 4 and 4.5 bill a
//   whole request above 200k prompt tokens at the long-context rates; the 4.6
//   models have one flat rate over their whole window.
// - OpenAI: https://platform.openai.com/docs/pricing — cache read = the
//   "cached input" price; there is no cache-write charge, so cache writes are
//   billed as input. Models without a cached-input price bill reads as input.
// - Google: https://ai.google.dev/gemini-api/docs/pricing (paid tier, text) —
//   cache read = the context-caching price (storage per hour is not a token
//   cost and is left out); Pro models bill a request above 200k prompt tokens
//   at the higher tier.
// Update the date and the rows together; tests pin a few rows.
#pragma once

#include <array>
#include <string_view>

namespace okstra::token_usage::detail {

inline constexpr std::string_view embedded_as_of = "2026-03-01";

struct price_row {
  std::string_view model;
  double input, output, cache_write_5m, cache_write_1h, cache_read;
  bool tiered;  // the *_above fields apply above 200k prompt tokens
  double input_above, output_above, cache_write_5m_above, cache_write_1h_above, cache_read_above;
};

// Anthropic's multipliers, applied to both tiers.
constexpr price_row claude(std::string_view model, double in, double out) {
  return {model, in, out, in * 1.25, in * 2, in * 0.1, false, 0, 0, 0, 0, 0};
}
constexpr price_row claude(std::string_view model, double in, double out, double in_above, double out_above) {
  return {model, in,       out,       in * 1.25,       in * 2,       in * 0.1,
          true,  in_above, out_above, in_above * 1.25, in_above * 2, in_above * 0.1};
}
// OpenAI and Google: no cache-write price (billed as input).
constexpr price_row flat(std::string_view model, double in, double cached, double out) {
  return {model, in, out, in, in, cached, false, 0, 0, 0, 0, 0};
}
constexpr price_row tiered(std::string_view model, double in, double cached, double out, double in_above,
                           double cached_above, double out_above) {
  return {model, in, out, in, in, cached, true, in_above, out_above, in_above, in_above, cached_above};
}

inline constexpr std::array embedded_prices = {
    // ---- Anthropic -------------------------------------------------------
    claude("claude-opus-4-6", 5, 25),
    claude("claude-opus-4-5", 5, 25),
    claude("claude-opus-4-1", 15, 75),
    claude("claude-opus-4", 15, 75),
    claude("claude-sonnet-4-6", 3, 15),
    claude("claude-sonnet-4-5", 3, 15, 6, 22.5),
    claude("claude-sonnet-4", 3, 15, 6, 22.5),
    claude("claude-haiku-4-5", 1, 5),
    claude("claude-3-7-sonnet", 3, 15),
    claude("claude-3-5-sonnet", 3, 15),
    claude("claude-3-5-haiku", 0.8, 4),
    claude("claude-3-opus", 15, 75),
    price_row{"claude-3-haiku", 0.25, 1.25, 0.30, 0.50, 0.03, false, 0, 0, 0, 0, 0},
    // ---- OpenAI (input, cached input, output) ----------------------------
    flat("gpt-5.2", 1.75, 0.175, 14),
    flat("gpt-5.2-codex", 1.75, 0.175, 14),
    flat("gpt-5.1", 1.25, 0.125, 10),
    flat("gpt-5.1-codex", 1.25, 0.125, 10),
    flat("gpt-5.1-codex-max", 1.25, 0.125, 10),
    flat("gpt-5.1-codex-mini", 0.25, 0.025, 2),
    flat("gpt-5", 1.25, 0.125, 10),
    flat("gpt-5-codex", 1.25, 0.125, 10),
    flat("gpt-5-mini", 0.25, 0.025, 2),
    flat("gpt-5-nano", 0.05, 0.005, 0.4),
    flat("gpt-5-pro", 15, 15, 120),
    flat("codex-mini-latest", 1.5, 0.375, 6),
    flat("o3", 2, 0.5, 8),
    flat("o3-pro", 20, 20, 80),
    flat("o3-mini", 1.1, 0.55, 4.4),
    flat("o4-mini", 1.1, 0.275, 4.4),
    flat("o1", 15, 7.5, 60),
    flat("gpt-4.1", 2, 0.5, 8),
    flat("gpt-4.1-mini", 0.4, 0.1, 1.6),
    flat("gpt-4.1-nano", 0.1, 0.025, 0.4),
    flat("gpt-4o", 2.5, 1.25, 10),
    flat("gpt-4o-mini", 0.15, 0.075, 0.6),
    // ---- Google (input, cached input, output [, above 200k]) -------------
    tiered("gemini-3.1-pro-preview", 2, 0.2, 12, 4, 0.4, 18),
    tiered("gemini-3-pro-preview", 2, 0.2, 12, 4, 0.4, 18),
    flat("gemini-3-flash-preview", 0.5, 0.05, 3),
    tiered("gemini-2.5-pro", 1.25, 0.125, 10, 2.5, 0.25, 15),
    flat("gemini-2.5-flash", 0.3, 0.03, 2.5),
    flat("gemini-2.5-flash-lite", 0.1, 0.01, 0.4),
    flat("gemini-2.0-flash", 0.1, 0.025, 0.4),
    flat("gemini-2.0-flash-lite", 0.075, 0.075, 0.3),
};

// Other spellings of the same model, after provider prefixes and date stamps
// are gone. Claude's "claude-4.5-sonnet[-thinking]" spellings (Cursor) are
// handled by a rule in prices_impl.hpp, not listed here.
struct alias_row {
  std::string_view alias, model;
};

inline constexpr std::array embedded_aliases = {
    alias_row{"claude-opus-4-0", "claude-opus-4"},
    alias_row{"claude-sonnet-4-0", "claude-sonnet-4"},
    alias_row{"claude-3-7-sonnet-latest", "claude-3-7-sonnet"},
    alias_row{"claude-3-5-sonnet-latest", "claude-3-5-sonnet"},
    alias_row{"claude-3-5-haiku-latest", "claude-3-5-haiku"},
    alias_row{"claude-3-opus-latest", "claude-3-opus"},
    alias_row{"gpt-5-chat-latest", "gpt-5"},
    alias_row{"gpt-5.1-chat-latest", "gpt-5.1"},
    alias_row{"gemini-2.5-pro-preview-06-05", "gemini-2.5-pro"},
    alias_row{"gemini-2.5-pro-preview-05-06", "gemini-2.5-pro"},
    alias_row{"gemini-2.5-flash-preview-09-2025", "gemini-2.5-flash"},
    alias_row{"gemini-2.5-flash-lite-preview-09-2025", "gemini-2.5-flash-lite"},
};

}  // namespace okstra::token_usage::detail
