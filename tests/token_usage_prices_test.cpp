// Cases for the prices part of token_usage: the generated embedded table,
// model-id matching, steps by prompt size, price history, service tiers,
// overrides, and price files in the LiteLLM and genai-prices formats.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/token_usage/price_sources.hpp"
#include "okstra/token_usage/prices.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;
namespace stdfs = std::filesystem;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_prices_test {

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

const tu::rates& now(const tu::model_price& p) { return p.periods.back().base; }

using okstra::test::at;

tu::price_table table_of(const char* json) {
  const auto doc = okstra::json::parse(json, "test.json");
  return tu::price_table::from_json(doc, "test.json");
}


BOOST_AUTO_TEST_SUITE(prices)

BOOST_AUTO_TEST_CASE(embedded_table_names_its_dataset_and_has_current_list_prices) {
  const auto t = tu::price_table::embedded();
  BOOST_TEST(t.source().name == "@pydantic/genai-prices");
  BOOST_TEST(t.source().version == std::string(tu::detail::embedded_dataset_version));
  BOOST_TEST(t.source().date == std::string(tu::detail::embedded_dataset_date));
  BOOST_TEST(t.source().origin == "embedded");
  BOOST_TEST(t.entries().size() > 200u);
  check_rates(now(must_find(t, "claude-opus-4-7")), 5, 25, 6.25, 10, 0.5);
  check_rates(now(must_find(t, "claude-haiku-4-5")), 1, 5, 1.25, 2, 0.1);
  // OpenAI has no cache-write price: writes cost what input costs.
  const auto& gpt55 = must_find(t, "gpt-5.5");
  check_rates(now(gpt55), 5, 30, 5, 5, 0.5);
  BOOST_TEST_REQUIRE(gpt55.periods.back().steps.size() == 1u);
  check_rates(gpt55.periods.back().steps[0].at, 10, 45, 10, 10, 1);
  const auto& sonnet = must_find(t, "claude-sonnet-4-5");
  BOOST_TEST_REQUIRE(now(sonnet).input == 3);
  BOOST_TEST_REQUIRE(sonnet.periods.back().steps.size() == 1u);
  BOOST_TEST(sonnet.periods.back().steps[0].above_tokens == 200'000u);
  check_rates(sonnet.periods.back().steps[0].at, 6, 22.5, 7.5, 12, 0.6);
  check_rates(now(must_find(t, "gemini-2.5-pro")), 1.25, 10, 1.25, 1.25, 0.125);
  BOOST_TEST(must_find(t, "claude-opus-4-7").tiers.fast == 6);
  BOOST_TEST(must_find(t, "gpt-5.5").tiers.priority == 2.5);
  BOOST_TEST(must_find(t, "gpt-5.4").tiers.flex == 0.5);
}

// A remembered report is keyed by its prices' identity, told without parsing
// the embedded table only when nothing else can be chosen.
BOOST_AUTO_TEST_CASE(the_plain_embedded_identity_is_the_chosen_tables_or_none) {
  const okstra::test::temp_dir home;
  const okstra::dirs::home_layout layout{home.path};
  const auto chosen = [&] { return tu::choose_prices(layout, std::nullopt).table.identity(); };
  const auto plain = tu::plain_embedded_identity(layout);
  BOOST_TEST_REQUIRE(plain.has_value());
  BOOST_TEST(*plain == chosen());
  BOOST_TEST(*plain == tu::price_table::embedded().identity());
  okstra::fs::write_file_atomic(layout.config_json(), R"({"usage": {"timeZone": "UTC"}})", 0600);
  BOOST_TEST((tu::plain_embedded_identity(layout) == plain));
  okstra::fs::write_file_atomic(layout.config_json(), R"({"prices": {"overrides": {"m": {"input": 1}}}})", 0600);
  BOOST_TEST(!tu::plain_embedded_identity(layout).has_value());
  BOOST_TEST(chosen() != *plain);
  okstra::fs::write_file_atomic(layout.config_json(), "[1", 0600);
  BOOST_TEST(!tu::plain_embedded_identity(layout).has_value());  // choose_prices() names the error
  stdfs::remove(layout.config_json());
  stdfs::create_directories(layout.cache_dir());
  okstra::fs::write_file_atomic(tu::cached_prices_file(layout), "{}", 0600);
  BOOST_TEST(!tu::plain_embedded_identity(layout).has_value());
}

BOOST_AUTO_TEST_CASE(ids_match_the_way_logs_spell_them) {
  const auto t = tu::price_table::embedded();
  const auto entry_of = [&](const std::string& name) { return must_find(t, name).provider + "/" + must_find(t, name).model; };
  BOOST_TEST(entry_of("claude-opus-4-7") == "anthropic/claude-opus-4-7");
  BOOST_TEST(entry_of("claude-sonnet-4-5-20250929") == "anthropic/claude-sonnet-4-5");
  BOOST_TEST(entry_of("claude-sonnet-4-5@20250929") == "anthropic/claude-sonnet-4-5");
  BOOST_TEST(entry_of("anthropic/claude-sonnet-4-5") == "anthropic/claude-sonnet-4-5");
  BOOST_TEST(entry_of("vertex_ai/claude-opus-4-1@20250805") == "anthropic/claude-opus-4-1");
  BOOST_TEST(entry_of("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0") == "anthropic/claude-sonnet-4-5");
  BOOST_TEST(entry_of("global.anthropic.claude-opus-4-6-v1") == "anthropic/claude-opus-4-6");
  BOOST_TEST(entry_of("claude-haiku-4-5-20251001") == "anthropic/claude-haiku-4-5");
  BOOST_TEST(entry_of("Claude-Opus-4-6") == "anthropic/claude-opus-4-6");
  BOOST_TEST(entry_of("claude-3-7-sonnet-latest") == "anthropic/claude-3-7-sonnet-latest");
  BOOST_TEST(entry_of("claude-4.5-sonnet-thinking") == "anthropic/claude-sonnet-4-5");
  BOOST_TEST(entry_of("claude-opus-4.7") == "anthropic/claude-opus-4-7");
  BOOST_TEST(entry_of("gpt-5.4") == "openai/gpt-5.4");
  BOOST_TEST(entry_of("gpt-5-4") == "openai/gpt-5.4");
  BOOST_TEST(entry_of("openai/gpt-5.5") == "openai/gpt-5.5");
  BOOST_TEST(entry_of("gpt-5.5-2026-04-23") == "openai/gpt-5.5");
  BOOST_TEST(entry_of("openai/gpt-5-2025-08-07") == "openai/gpt-5");
  BOOST_TEST(entry_of("gpt-5.3-codex") == "openai/gpt-5.3-codex");
  BOOST_TEST(entry_of("gemini/gemini-2.5-pro") == "google/gemini-2.5-pro");
  BOOST_TEST(entry_of("models/gemini-3.1-pro-preview") == "google/gemini-3.1-pro-preview");
  BOOST_TEST(entry_of("gemini-2-5-pro") == "google/gemini-2.5-pro");
  // Third-party models served through Claude Code, where the dataset prices them.
  BOOST_TEST(entry_of("glm-5.1") == "zhipuai/GLM-5.1");
  BOOST_TEST(entry_of("kimi-k2.5") == "moonshotai/kimi-k2.5");
  BOOST_TEST(entry_of("deepseek-chat") == "deepseek/deepseek-chat");
}

BOOST_AUTO_TEST_CASE(unknown_models_are_never_guessed) {
  const auto t = tu::price_table::embedded();
  for (const char* name : {"", "mystery", "claude-sonnet-9", "gpt-6", "gemini-9-pro", "<synthetic>", "anthropic/",
                           "-20250929", "qwen3-coder-plus"})
    BOOST_TEST(t.find(name) == nullptr, "priced: " << name);
}

BOOST_AUTO_TEST_CASE(a_step_applies_to_the_whole_request_one_token_above_it) {
  const auto t = tu::price_table::embedded();
  const auto& sonnet = must_find(t, "claude-sonnet-4-5");
  tu::tokens u;  // prompt = input + cache writes + cache read = exactly 200k
  u.input = 100'000, u.cache_write_5m = 50'000, u.cache_read = 50'000, u.output = 1'000;
  BOOST_TEST(u.prompt() == 200'000u);
  // 100k × 3 + 50k × 3.75 + 50k × 0.3 + 1k × 15 (USD per million)
  BOOST_TEST(tu::cost_usd(sonnet, u) == 0.5175, boost::test_tools::tolerance(1e-12));
  u.input += 1;  // 200,001: the whole request moves to the long-context rates
  BOOST_TEST(tu::cost_usd(sonnet, u) == (100'001 * 6 + 50'000 * 7.5 + 50'000 * 0.6 + 1'000 * 22.5) / 1e6,
             boost::test_tools::tolerance(1e-12));
  // gpt-5.4/5.5: the dataset's step starts above 271,999, so exactly 272,000 prompt tokens
  // already cost the long-context rates (ccusage 20.0.24 starts at 272,001: docs/usage.md).
  const auto& gpt = must_find(t, "gpt-5.5");
  tu::tokens g;
  g.input = 271'999;
  BOOST_TEST(tu::cost_usd(gpt, g) == 271'999 * 5 / 1e6, boost::test_tools::tolerance(1e-12));
  g.input = 272'000;
  BOOST_TEST(tu::cost_usd(gpt, g) == 272'000 * 10 / 1e6, boost::test_tools::tolerance(1e-12));
  // A model without steps keeps its rates however long the prompt.
  const auto& opus = must_find(t, "claude-opus-4-7");
  tu::tokens big;
  big.input = 300'000, big.cache_write_1h = 1'000, big.cache_read = 10'000, big.reasoning = 999;
  BOOST_TEST(tu::cost_usd(opus, big) == (300'000 * 5 + 1'000 * 10 + 10'000 * 0.5) / 1e6,
             boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(a_record_is_priced_at_the_price_in_force_at_its_time) {
  const auto t = tu::price_table::from_file(price_data("genai_small.json"));
  BOOST_TEST(t.source().name == "@pydantic/genai-prices");
  BOOST_TEST(t.find("acme-image") == nullptr);  // no token prices: skipped
  const auto& large = must_find(t, "acme-l");
  BOOST_TEST(&large == &must_find(t, "ACME-LARGE-2"));
  tu::tokens u;
  u.input = 1'000'000, u.output = 1'000'000;
  BOOST_TEST(tu::cost_usd(large, u, at("2026-05-31T23:59:59Z")) == 2 + 8.0, boost::test_tools::tolerance(1e-12));
  tu::tokens small;
  small.input = 100'000, small.output = 1'000'000;  // exactly at the first step: base rates
  BOOST_TEST(tu::cost_usd(large, small, at("2026-06-01T00:00:00Z")) == 0.1 + 4, boost::test_tools::tolerance(1e-12));
  small.cache_read = 1;  // one prompt token more: the input step, output unchanged below its own step
  BOOST_TEST(tu::cost_usd(large, small, at("2026-06-01T00:00:00Z")) == (100'000 * 2 + 1'000'000 * 4 + 0.1) / 1e6,
             boost::test_tools::tolerance(1e-12));
  BOOST_TEST(tu::cost_usd(large, u, at("2026-07-01T00:00:00Z")) == 3 + 6.0, boost::test_tools::tolerance(1e-12));
  // A daily window that wraps midnight (UTC), like off-peak prices.
  const auto& night = must_find(t, "acme-n7");
  BOOST_TEST(t.find("acme-n") == nullptr);
  BOOST_TEST(tu::cost_usd(night, u, at("2026-06-01T21:59:59Z")) == 2.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(tu::cost_usd(night, u, at("2026-06-01T22:00:00Z")) == 1.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(tu::cost_usd(night, u, at("2026-06-02T05:59:59Z")) == 1.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(tu::cost_usd(night, u, at("2026-06-02T06:00:00Z")) == 2.0, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(service_tiers_cost_their_multiple_of_the_standard_request) {
  const auto t = tu::price_table::embedded();
  tu::tokens u;
  u.input = 1'234, u.output = 5'678, u.cache_write_5m = 9'000, u.cache_write_1h = 1'111, u.cache_read = 123'456;
  const auto& opus = must_find(t, "claude-opus-4-7");
  const auto standard = tu::cost_pico(opus, u);
  BOOST_TEST((tu::cost_pico(opus, u, 0, tu::service_tier::fast) == standard * 6));
  const auto& gpt = must_find(t, "gpt-5.5");
  const auto gpt_standard = tu::cost_pico(gpt, u);
  BOOST_TEST((tu::cost_pico(gpt, u, 0, tu::service_tier::priority) == gpt_standard * 5 / 2));
  BOOST_TEST((tu::cost_pico(gpt, u, 0, tu::service_tier::flex) == gpt_standard / 2));
  // OpenAI prices gpt-5 at priority too (ccusage 20.0.24 does not: docs/usage.md).
  const auto& gpt5 = must_find(t, "gpt-5");
  BOOST_TEST((tu::cost_pico(gpt5, u, 0, tu::service_tier::priority) == tu::cost_pico(gpt5, u) * 2));
  // A tier the entry has no multiplier for is billed at the standard price.
  const auto& haiku = must_find(t, "claude-haiku-4-5");
  BOOST_TEST((tu::cost_pico(haiku, u, 0, tu::service_tier::fast) == tu::cost_pico(haiku, u)));
}

BOOST_AUTO_TEST_CASE(overrides_replace_buckets_or_price_a_missing_model) {
  auto t = tu::price_table::embedded();
  const std::string before = t.identity();
  const auto doc = okstra::json::parse(
      R"({"claude-opus-4-7": {"input": 4, "cacheRead": 0.25}, "in-house-model": {"input": 1, "output": 2}})",
      "config.json");
  t.apply_overrides(doc, "config.json");
  BOOST_TEST(t.identity() != before);
  const auto& opus = must_find(t, "claude-opus-4-7-20260101");
  BOOST_TEST(opus.overridden);
  check_rates(now(opus), 4, 25, 6.25, 10, 0.25);
  const auto& mine = must_find(t, "In-House-Model");
  BOOST_TEST(mine.provider == "override");
  check_rates(now(mine), 1, 2, 1, 1, 1);
  for (const char* bad : {R"({"m": {"input": -1}})", R"({"m": {"inputs": 1}})", R"({"m": {}})", R"({"m": 3})",
                          R"(["m"])"}) {
    const auto e = okstra::test::thrown<okstra::error>([&] {
      t.apply_overrides(okstra::json::parse(bad, "config.json"), "config.json");
    });
    BOOST_TEST((e.code() == okstra::exit_code::input), bad);
    BOOST_TEST(std::string(e.what()).find("config.json") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(litellm_file_is_converted_to_per_million) {
  const auto t = tu::price_table::from_file(price_data("litellm_small.json"));
  BOOST_TEST(t.source().name == "LiteLLM");
  BOOST_TEST(t.source().date.size() == 10u);  // the file's modification day
  BOOST_TEST(t.find("sample_spec") == nullptr);
  BOOST_TEST(t.find("dall-e-3") == nullptr);  // no token prices: skipped
  BOOST_TEST(t.entries().size() == 7u);
  BOOST_TEST(t.find("claude-opus-4-1") == nullptr);        // the file replaces the embedded table
  const auto& sonnet = must_find(t, "claude-sonnet-4-5");  // undated name finds the dated entry
  BOOST_TEST(sonnet.model == "claude-sonnet-4-5-20250929");
  BOOST_TEST(now(sonnet).input == 3.0);  // exact: LiteLLM's 3e-06 × 1e6 noise is rounded away
  check_rates(now(sonnet), 3, 15, 3.75, 6, 0.3);
  BOOST_TEST_REQUIRE(sonnet.periods[0].steps.size() == 1u);
  check_rates(sonnet.periods[0].steps[0].at, 6, 22.5, 7.5, 12, 0.6);
  // The plain entry wins over the provider-qualified one for an ambiguous name…
  BOOST_TEST(now(must_find(t, "claude-sonnet-4-5@20250929")).input == 3.0);
  // …but an exact name gets its own entry.
  check_rates(now(must_find(t, "vertex_ai/claude-sonnet-4-5@20250929")), 3.3, 16.5, 4.125, 4.125, 0.33);
  check_rates(now(must_find(t, "gpt-5-2025-08-07")), 1.25, 10, 1.25, 1.25, 0.125);
  const auto& pro = must_find(t, "gemini-2.5-pro");
  BOOST_TEST_REQUIRE(pro.periods[0].steps.size() == 1u);
  check_rates(pro.periods[0].steps[0].at, 2.5, 15, 2.5, 2.5, 0.125);  // no cache step in the file: base rate
  check_rates(now(must_find(t, "text-embedding-3-small")), 0.02, 0, 0.02, 0.02, 0.02);
  // Service tiers and steps above 272k, as LiteLLM spells them.
  const auto& gpt = must_find(t, "gpt-5-5");
  BOOST_TEST(gpt.tiers.priority == 2.5);
  BOOST_TEST(gpt.tiers.flex == 0.5);
  BOOST_TEST_REQUIRE(gpt.periods[0].steps.size() == 1u);
  BOOST_TEST(gpt.periods[0].steps[0].above_tokens == 272'000u);
  check_rates(gpt.periods[0].steps[0].at, 10, 45, 10, 10, 1);
  BOOST_TEST(must_find(t, "claude-opus-4-7").tiers.fast == 6);
}

BOOST_AUTO_TEST_CASE(malformed_price_files_are_input_errors_naming_the_file) {
  for (const char* name : {"truncated.json", "bad_cost.json", "not_an_object.json", "missing.json"}) {
    const stdfs::path file =
        std::string(name) == "missing.json" ? price_data("litellm_small.json").parent_path() / name : price_data(name);
    const auto e = okstra::test::thrown<okstra::error>([&] { (void)tu::price_table::from_file(file); });
    BOOST_TEST((e.code() == okstra::exit_code::input), name);
    BOOST_TEST(std::string(e.what()).find(file.string()) != std::string::npos, e.what());
  }
  for (const char* bad : {R"([{"id": "p", "models": [{"id": "m", "prices": {"input_mtok": 1}}]}])",
                          R"([{"id": "p", "models": [{"id": "m", "match": {"like": "m"}, "prices": {"input_mtok": 1}}]}])",
                          R"([{"id": "p", "models": [{"id": "m", "match": {"equals": "m"}, "prices": {"input_mtok": "1"}}]}])",
                          R"([{"id": "p", "models": [{"id": "m", "match": {"equals": "m"},
                               "prices": [{"constraint": {"type": "start_date", "start_date": "soon"}, "prices": {}}]}]}])",
                          R"([{"id": "p", "models": [{"id": "m", "match": {"equals": "m"},
                               "prices": {"input_mtok": {"base": 1, "tiers": [{"start": -5, "price": 2}]}}}]}])",
                          R"({"only-images": {"output_cost_per_image": 1}})", R"(7)"}) {
    const auto e = okstra::test::thrown<okstra::error>([&] { (void)table_of(bad); });
    BOOST_TEST((e.code() == okstra::exit_code::input), bad);
    BOOST_TEST(std::string(e.what()).find("test.json") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(regular_expressions_run_safely_or_not_at_all) {
  const auto t = table_of(R"([{"id": "p", "models": [
      {"id": "m", "match": {"regex": "^(?<=x)m$"}, "prices": {"input_mtok": 1, "output_mtok": 1}},
      {"id": "n", "match": {"regex": "^n\\d$"}, "prices": {"input_mtok": 1, "output_mtok": 1}}]}])");
  BOOST_TEST(t.find("m") != nullptr);  // its own id still matches
  BOOST_TEST(t.find("xm") == nullptr);
  BOOST_TEST(t.find("n5") != nullptr);
  BOOST_TEST(t.find("n55") == nullptr);
  // JavaScript syntax as the dataset writes it, translated for regexec.
  const auto js = table_of(R"([{"id": "p", "models": [
      {"id": "a", "match": {"regex": "^claude-opus-5-\\d{8}$"}, "prices": {"input_mtok": 1, "output_mtok": 1}},
      {"id": "b", "match": {"regex": "^gpt-5(?:\\.|-)6-[a-z]+?-\\d{4}$"}, "prices": {"input_mtok": 1, "output_mtok": 1}},
      {"id": "c", "match": {"regex": "^x[\\d_]\\-y\\s?$"}, "prices": {"input_mtok": 1, "output_mtok": 1}}]}])");
  BOOST_TEST(js.find("claude-opus-5-20270101") != nullptr);
  BOOST_TEST(js.find("claude-opus-5-2027010") == nullptr);
  BOOST_TEST(js.find("gpt-5-6-luna-2027") != nullptr);
  BOOST_TEST(js.find("gpt-5x6-luna-2027") == nullptr);
  BOOST_TEST(js.find("x7-y") != nullptr);
  BOOST_TEST(js.find("x_-y") != nullptr);
  BOOST_TEST(js.find("xa-y") == nullptr);
  // Shapes that can take exponential time never run: they match nothing.
  for (const char* pattern : {"^(a+)+$", "^(a*)*b$", "^(?:a|aa)+$", "(a)\\1", "^x(y{2,}){3}"})
    BOOST_TEST(!tu::detail::regex_is_tame(pattern), pattern);
  // Nor do those whose compiled form grows out of bounds: a quantifier on a
  // quantifier (the C library copies the expression for each) and big counts.
  for (const char* pattern : {"^ac++++++++++++++++++++++++++++++++++++++++me$", "a*+", "a{2}{3}", "a+?+", "a???",
                              "a{256}", "a{1,1000}", "x{", "x{,3}"})
    BOOST_TEST(!tu::detail::regex_is_tame(pattern), pattern);
  for (const char* pattern : {"^claude-opus-5-\\d{8}$", "^(?![^/]+/)(?:mi|co)stral", "^gpt-5(\\.|-)6-[a-z]+$",
                              "[(+*]x", "a+?b", "a??", "a{2,}?", "a{1,255}", "\\++", "[+]+"})
    BOOST_TEST(tu::detail::regex_is_tame(pattern), pattern);
  const auto slow = table_of(R"([{"id": "p", "models": [
      {"id": "s", "match": {"regex": "^(a+)+$"}, "prices": {"input_mtok": 1, "output_mtok": 1}}]}])");
  BOOST_TEST(slow.find(std::string(40, 'a') + "!") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_prices_test
