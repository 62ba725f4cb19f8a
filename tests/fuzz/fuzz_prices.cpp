// libFuzzer target: price files (genai-prices and LiteLLM formats, overrides)
// and model-id lookup. Whatever the bytes, reading either gives a table or an
// input error naming the source; every entry of a table is found by its own
// id; pricing a request never fails, at any time or tier, and a tier
// multiplier scales the standard cost as documented (docs/usage.md, "Prices").
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "okstra/core/json.hpp"
#include "okstra/token_usage/prices.hpp"

namespace tu = okstra::token_usage;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_prices: %s: %s\n", what, detail.c_str());
  std::abort();
}

void check_input_error(const okstra::error& e) {
  if (e.code() != okstra::exit_code::input) fail("error of the wrong class", e.what());
  if (std::string(e.what()).find("fuzz.json") == std::string::npos) fail("error does not name the source", e.what());
}

void exercise(const tu::price_table& t, std::uint64_t seed) {
  tu::tokens u;
  u.input = seed % 400'000, u.output = seed % 7'919, u.cache_write_5m = seed % 1'000;
  u.cache_write_1h = seed % 333, u.cache_read = seed % 300'000;
  std::size_t n = 0;
  for (const auto& e : t.entries()) {
    if (++n > 64) break;  // a bounded amount of work per input
    if (!t.find(e.model)) fail("an entry is not found by its own id", e.model);
    const auto standard = tu::cost_pico(e, u, static_cast<std::int64_t>(seed % 4'102'444'800'000));
    for (const auto tier : {tu::service_tier::fast, tu::service_tier::priority, tu::service_tier::flex}) {
      const double m = e.tiers.of(tier);
      const auto cost = tu::cost_pico(e, u, static_cast<std::int64_t>(seed % 4'102'444'800'000), tier);
      if (!(m > 0) && cost != standard) fail("a tier without a multiplier changed the cost", e.model);
    }
  }
  for (const char* name : {"claude-opus-4-7", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "gpt-5-4", "x", ""})
    (void)t.find(name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  okstra::json::document doc;
  try {
    doc = okstra::json::parse(text, "fuzz.json");
  } catch (const okstra::error& e) {
    check_input_error(e);
    return 0;
  }
  std::uint64_t seed = 1469598103934665603ull;
  for (const unsigned char c : text) seed = (seed ^ c) * 1099511628211ull;
  try {
    tu::price_table t = tu::price_table::from_json(doc, "fuzz.json");
    exercise(t, seed);
    // The same document as overrides of the table it gave (when it is an object).
    try {
      t.apply_overrides(doc, "fuzz.json");
      exercise(t, seed >> 7);
    } catch (const okstra::error& e) {
      check_input_error(e);
    }
  } catch (const okstra::error& e) {
    check_input_error(e);
  }
  return 0;
}
