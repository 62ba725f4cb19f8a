// Cases for the prices part of token_usage: the embedded table, model-name
// matching, the 200k tier, LiteLLM files.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "okstra/token_usage/prices.hpp"

namespace tu = okstra::token_usage;
namespace stdfs = std::filesystem;

namespace {

// tests/data/usage/prices, found from the meson test environment, the source
// file's path, or the executable's place in build/tests.
stdfs::path price_data(const std::string& name) {
  std::vector<stdfs::path> roots;
  if (const char* root = std::getenv("OKSTRA_SOURCE_ROOT")) roots.emplace_back(stdfs::path(root) / "tests");
  roots.emplace_back(stdfs::path(__FILE__).parent_path());
  std::error_code ec;
  const auto exe = stdfs::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.emplace_back(exe.parent_path().parent_path().parent_path() / "tests");
  roots.emplace_back("tests");
  for (const auto& r : roots)
    if (stdfs::exists(r / "data/usage/prices" / name, ec)) return r / "data/usage/prices" / name;
  BOOST_FAIL("test data not found: " + name);
  return {};
}

const tu::model_price& must_find(const tu::price_table& t, const std::string& model) {
  const tu::model_price* p = t.find(model);
  BOOST_TEST_REQUIRE(p != nullptr, "no price for " << model);
  return *p;
}

void check_rates(const tu::rates& r, double in, double out, double cw5m, double cw1h, double cr) {
  BOOST_TEST(r.input == in, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.output == out, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.cache_write_5m == cw5m, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.cache_write_1h == cw1h, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(r.cache_read == cr, boost::test_tools::tolerance(1e-12));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prices)

BOOST_AUTO_TEST_CASE(embedded_table_is_dated_and_has_known_list_prices) {
  const auto t = tu::price_table::embedded();
  BOOST_TEST(t.as_of() == "2026-03-01");
  const auto& sonnet = must_find(t, "claude-sonnet-4-5");
  check_rates(sonnet.base, 3, 15, 3.75, 6, 0.3);
  BOOST_TEST_REQUIRE(sonnet.above_threshold.has_value());
  check_rates(*sonnet.above_threshold, 6, 22.5, 7.5, 12, 0.6);
  BOOST_TEST(sonnet.threshold_tokens == 200'000u);
  check_rates(must_find(t, "claude-opus-4-1").base, 15, 75, 18.75, 30, 1.5);
  check_rates(must_find(t, "claude-opus-4-5").base, 5, 25, 6.25, 10, 0.5);
  check_rates(must_find(t, "claude-haiku-4-5").base, 1, 5, 1.25, 2, 0.1);
  check_rates(must_find(t, "claude-3-5-haiku").base, 0.8, 4, 1, 1.6, 0.08);
  BOOST_TEST(!must_find(t, "claude-opus-4-6").above_threshold.has_value());
  // OpenAI: no cache-write price, so writes cost what input costs.
  check_rates(must_find(t, "gpt-5-codex").base, 1.25, 10, 1.25, 1.25, 0.125);
  check_rates(must_find(t, "gpt-5.1-codex-mini").base, 0.25, 2, 0.25, 0.25, 0.025);
  check_rates(must_find(t, "o4-mini").base, 1.1, 4.4, 1.1, 1.1, 0.275);
  check_rates(must_find(t, "gpt-4.1").base, 2, 8, 2, 2, 0.5);
  const auto& pro = must_find(t, "gemini-2.5-pro");
  check_rates(pro.base, 1.25, 10, 1.25, 1.25, 0.125);
  BOOST_TEST_REQUIRE(pro.above_threshold.has_value());
  check_rates(*pro.above_threshold, 2.5, 15, 2.5, 2.5, 0.25);
  check_rates(must_find(t, "gemini-2.5-flash").base, 0.3, 2.5, 0.3, 0.3, 0.03);
  check_rates(must_find(t, "gemini-3-pro-preview").above_threshold.value(), 4, 18, 4, 4, 0.4);
}

BOOST_AUTO_TEST_CASE(names_match_through_prefixes_dates_and_aliases) {
  const auto t = tu::price_table::embedded();
  const auto model_of = [&](const std::string& name) { return must_find(t, name).model; };
  BOOST_TEST(model_of("claude-sonnet-4-5-20250929") == "claude-sonnet-4-5");
  BOOST_TEST(model_of("claude-sonnet-4-5@20250929") == "claude-sonnet-4-5");
  BOOST_TEST(model_of("anthropic/claude-sonnet-4-5") == "claude-sonnet-4-5");
  BOOST_TEST(model_of("vertex_ai/claude-opus-4-1@20250805") == "claude-opus-4-1");
  BOOST_TEST(model_of("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0") == "claude-sonnet-4-5");
  BOOST_TEST(model_of("anthropic.claude-3-5-haiku-20241022-v1:0") == "claude-3-5-haiku");
  BOOST_TEST(model_of("claude-haiku-4-5-20251001") == "claude-haiku-4-5");
  BOOST_TEST(model_of("Claude-Opus-4-6") == "claude-opus-4-6");
  BOOST_TEST(model_of("claude-sonnet-4-0") == "claude-sonnet-4");
  BOOST_TEST(model_of("claude-sonnet-4-20250514") == "claude-sonnet-4");
  BOOST_TEST(model_of("claude-3-7-sonnet-latest") == "claude-3-7-sonnet");
  BOOST_TEST(model_of("claude-4.5-sonnet-thinking") == "claude-sonnet-4-5");
  BOOST_TEST(model_of("claude-4-opus") == "claude-opus-4");
  BOOST_TEST(model_of("claude-3.5-sonnet") == "claude-3-5-sonnet");
  BOOST_TEST(model_of("openai/gpt-5-2025-08-07") == "gpt-5");
  BOOST_TEST(model_of("gpt-4.1-2025-04-14") == "gpt-4.1");
  BOOST_TEST(model_of("gpt-5.1-codex-max") == "gpt-5.1-codex-max");
  BOOST_TEST(model_of("gemini/gemini-2.5-pro") == "gemini-2.5-pro");
  BOOST_TEST(model_of("models/gemini-2.5-flash-lite") == "gemini-2.5-flash-lite");
  BOOST_TEST(model_of("gemini-2.5-flash-preview-09-2025") == "gemini-2.5-flash");
}

BOOST_AUTO_TEST_CASE(unknown_models_are_never_guessed) {
  const auto t = tu::price_table::embedded();
  for (const char* name : {"", "mystery", "claude-sonnet-9", "claude-sonnet-4-5-turbo", "gpt-6", "gpt-5-codex-ultra",
                           "gemini-9-pro", "<synthetic>", "claude", "anthropic/", "-20250929"})
    BOOST_TEST(t.find(name) == nullptr, "priced: " << name);
}

BOOST_AUTO_TEST_CASE(tier_switches_one_token_above_the_threshold) {
  const auto t = tu::price_table::embedded();
  const auto& sonnet = must_find(t, "claude-sonnet-4-5");
  tu::tokens at;  // prompt = input + cache writes + cache read = exactly 200k
  at.input = 100'000, at.cache_write_5m = 50'000, at.cache_read = 50'000, at.output = 1'000;
  BOOST_TEST(at.prompt() == 200'000u);
  // 100k × 3 + 50k × 3.75 + 50k × 0.3 + 1k × 15 (USD per million)
  BOOST_TEST(tu::cost_usd(sonnet, at) == 0.5175, boost::test_tools::tolerance(1e-12));
  tu::tokens above = at;
  above.input += 1;  // 200,001: the whole request moves to the long-context rates
  BOOST_TEST(tu::cost_usd(sonnet, above) == (100'001 * 6 + 50'000 * 7.5 + 50'000 * 0.6 + 1'000 * 22.5) / 1e6,
             boost::test_tools::tolerance(1e-12));
  // A model without a tier keeps its rates however long the prompt.
  const auto& opus = must_find(t, "claude-opus-4-1");
  tu::tokens big;
  big.input = 300'000, big.cache_write_1h = 1'000, big.cache_read = 10'000, big.reasoning = 999;
  BOOST_TEST(tu::cost_usd(opus, big) == (300'000 * 15 + 1'000 * 30 + 10'000 * 1.5) / 1e6,
             boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(added_entries_replace_same_name) {
  tu::price_table t;
  t.add({"my-model", {1, 2, 3, 4, 5}, std::nullopt, 200'000});
  t.add({"My-Model", {9, 9, 9, 9, 9}, std::nullopt, 200'000});
  BOOST_TEST(t.entries().size() == 1u);
  BOOST_TEST(must_find(t, "my-model").base.input == 9);
  t.add({"deepseek", {1, 1, 1, 1, 1}, std::nullopt, 200'000});
  BOOST_TEST(t.find("deepseek-v3") == nullptr);  // "-vN" is stripped from Bedrock ids only
  BOOST_TEST(t.find("deepseek:1") == nullptr);
}

BOOST_AUTO_TEST_CASE(litellm_file_is_converted_to_per_million) {
  const auto t = tu::price_table::from_litellm(price_data("litellm_small.json"));
  BOOST_TEST(t.as_of().size() == 10u);  // the file's modification day
  BOOST_TEST(t.find("sample_spec") == nullptr);
  BOOST_TEST(t.find("dall-e-3") == nullptr);  // no token prices: skipped
  BOOST_TEST(t.entries().size() == 5u);
  BOOST_TEST(t.find("claude-opus-4-1") == nullptr);        // the file replaces the embedded table
  const auto& sonnet = must_find(t, "claude-sonnet-4-5");  // undated name finds the dated entry
  BOOST_TEST(sonnet.model == "claude-sonnet-4-5-20250929");
  BOOST_TEST(sonnet.base.input == 3.0);  // exact: LiteLLM's 3e-06 × 1e6 noise is rounded away
  check_rates(sonnet.base, 3, 15, 3.75, 6, 0.3);
  BOOST_TEST_REQUIRE(sonnet.above_threshold.has_value());
  check_rates(*sonnet.above_threshold, 6, 22.5, 7.5, 12, 0.6);
  // The plain entry wins over the provider-qualified one for an ambiguous name…
  BOOST_TEST(must_find(t, "claude-sonnet-4-5@20250929").base.input == 3.0);
  // …but an exact name gets its own entry.
  check_rates(must_find(t, "vertex_ai/claude-sonnet-4-5@20250929").base, 3.3, 16.5, 4.125, 4.125, 0.33);
  check_rates(must_find(t, "gpt-5-2025-08-07").base, 1.25, 10, 1.25, 1.25, 0.125);
  const auto& pro = must_find(t, "gemini-2.5-pro");
  BOOST_TEST_REQUIRE(pro.above_threshold.has_value());
  check_rates(*pro.above_threshold, 2.5, 15, 2.5, 2.5, 0.125);  // no cache tier in the file: base rate
  check_rates(must_find(t, "text-embedding-3-small").base, 0.02, 0, 0.02, 0.02, 0.02);
}

BOOST_AUTO_TEST_CASE(malformed_litellm_files_are_input_errors_naming_the_file) {
  for (const char* name : {"truncated.json", "bad_cost.json", "not_an_object.json", "missing.json"}) {
    const stdfs::path file =
        std::string(name) == "missing.json" ? price_data("litellm_small.json").parent_path() / name : price_data(name);
    try {
      (void)tu::price_table::from_litellm(file);
      BOOST_ERROR("accepted " << name);
    } catch (const okstra::error& e) {
      BOOST_TEST((e.code() == okstra::exit_code::input));
      BOOST_TEST(std::string(e.what()).find(file.string()) != std::string::npos, e.what());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
