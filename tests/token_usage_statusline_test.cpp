// okstra-usage statusline (docs/usage-statusline.md): the input it reads, the
// facts it computes from records, the line it composes, the settings merge
// and the bounded error log.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/statusline.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_statusline_test {

tu::record claude(const char* session, const char* iso, std::uint64_t input, std::uint64_t cache_read = 0) {
  tu::record r;
  r.src = tu::source::claude;
  r.timestamp_ms = *okstra::time::parse_iso8601(iso);
  r.usage.input = input;
  r.usage.cache_read = cache_read;
  r.session_id = session;
  r.model = "claude-opus-4-6";  // 5 USD per million input tokens, 0.5 cache reads
  return r;
}

using okstra::test::at;


BOOST_AUTO_TEST_SUITE(statusline)

BOOST_AUTO_TEST_CASE(input_fields_and_malformed_input) {
  const auto in = tu::parse_statusline_input(
      R"({"session_id":"s1","transcript_path":"/t/s1.jsonl","model":{"id":"claude-opus-4-6","display_name":"Opus 4.6"},)"
      R"("cost":{"total_cost_usd":1.5},"context_window":{"context_window_size":1000000},)"
      R"("rate_limits":{"five_hour":{"used_percentage":23.4,"resets_at":1795528800}},"extra":[1]})",
      at("2026-11-24T10:45:00Z"));
  BOOST_TEST(in.session_id == "s1");
  BOOST_TEST(in.model_name == "Opus 4.6");
  BOOST_TEST(in.model_id == "claude-opus-4-6");
  BOOST_TEST(in.reported_cost_usd.value_or(-1) == 1.5);
  BOOST_TEST(in.context_window_size == 1000000u);
  BOOST_REQUIRE(in.limits && in.limits->primary);
  BOOST_TEST(in.limits->primary->used_percent == 23.4);
  BOOST_TEST(in.limits->observed_ms == at("2026-11-24T10:45:00Z"));
  // No display name: the id; nothing else is required.
  BOOST_TEST(tu::parse_statusline_input(R"({"model":{"id":"m"}})", 0).model_name == "m");
  BOOST_CHECK_THROW(tu::parse_statusline_input("{not json", 0), okstra::error);
  BOOST_CHECK_THROW(tu::parse_statusline_input("[1]", 0), okstra::error);
  BOOST_CHECK_THROW(tu::parse_statusline_input("", 0), okstra::error);
}

BOOST_AUTO_TEST_CASE(context_window_defaults) {
  BOOST_TEST(tu::default_context_window("claude-sonnet-4-5") == 200000u);
  BOOST_TEST(tu::default_context_window("claude-sonnet-4-5[1m]") == 1000000u);
}

// The fixture of tests/cli/usage_statusline.sh, as records: session s1 has
// 0.50 USD yesterday and 0.59 today, s2 0.75 today; the active block
// 09:00-14:00 holds 1.34 USD since 09:30.
BOOST_AUTO_TEST_CASE(facts_from_records) {
  const std::vector<tu::record> records = {claude("s1", "2026-11-23T23:00:00Z", 100000),
                                           claude("s1", "2026-11-24T10:15:00Z", 100000),
                                           claude("s1", "2026-11-24T10:40:00Z", 10000, 80000),
                                           claude("s2", "2026-11-24T09:30:00Z", 150000)};
  const auto prices = tu::price_table::embedded();
  tu::statusline_input in;
  in.session_id = "s1";
  in.model_id = "claude-opus-4-6";
  in.model_name = "Opus 4.6";
  in.reported_cost_usd = 9.99;  // ours wins once the transcript has records
  const auto now = at("2026-11-24T10:45:00Z");
  const auto f = tu::compute_statusline(records, prices, in, tu::time_zone::utc(), now, {});
  BOOST_TEST(f.session_cost_usd.value_or(-1) == 1.09, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(f.today_cost_usd == 1.34, boost::test_tools::tolerance(1e-9));
  BOOST_REQUIRE(f.block);
  BOOST_TEST(f.block->remaining_ms == 195 * 60'000);
  BOOST_TEST(f.context_tokens.value_or(0) == 90000u);
  BOOST_TEST(f.context_window == 200000u);
  BOOST_TEST(!f.limit_percent);
  BOOST_TEST(tu::compose_statusline(f) == "Opus 4.6 | session $1.09 | today $1.34 | block 3h15m left, $1.07/h | ctx 45%");

  // A session without records: Claude Code's estimate; the limit from the input.
  in.session_id = "s3";
  tu::limit_observation o;
  o.observed_ms = now;
  o.primary = tu::limit_window{23.4, 300, at("2026-11-24T14:00:00Z")};
  in.limits = o;
  const auto g = tu::compute_statusline(records, prices, in, tu::time_zone::utc(), now, {});
  BOOST_TEST(g.session_cost_usd.value_or(-1) == 9.99);
  BOOST_TEST(!g.context_tokens);
  BOOST_TEST(g.limit_percent.value_or(-1) == 23.4);
  // A window whose reset has passed says nothing about now.
  const auto later = tu::compute_statusline(records, prices, in, tu::time_zone::utc(), at("2026-11-24T15:00:00Z"), {});
  BOOST_TEST(!later.limit_percent);
  BOOST_TEST(!later.block);
}

BOOST_AUTO_TEST_CASE(the_line_leaves_out_what_is_unknown) {
  tu::statusline_facts f;
  f.model = "Son\x1bnet";
  BOOST_TEST(tu::compose_statusline(f) == "Son net | session - | today $0.00 | no block");
  f.session_cost_usd = 0.004;
  f.today_cost_usd = 12.346;
  f.block = tu::statusline_block{59 * 60'000 + 1, 3.1};
  f.context_tokens = 500000;
  f.context_window = 1000000;
  f.limit_percent = 99.5;
  BOOST_TEST(tu::compose_statusline(f) ==
             "Son net | session $0.00 | today $12.35 | block 1h00m left, $3.10/h | ctx 50% | 5h 100%");
}

BOOST_AUTO_TEST_CASE(settings_merge_keeps_every_other_key) {
  const std::string merged = tu::merge_statusline_setting(
      R"({"model":"opus","statusLine":{"type":"command","command":"old"},"hooks":{"Stop":[]},"z":1})", "s", "/bin/x statusline");
  BOOST_TEST(merged ==
             "{\n  \"model\": \"opus\",\n  \"statusLine\": {\n    \"type\": \"command\",\n    \"command\": \"/bin/x statusline\"\n"
             "  },\n  \"hooks\": {\n    \"Stop\": []\n  },\n  \"z\": 1\n}\n");
  const std::string added = tu::merge_statusline_setting(R"({"a":true})", "s", "c");
  BOOST_TEST(added.find("\"a\": true,\n  \"statusLine\"") != std::string::npos);
  BOOST_TEST(tu::merge_statusline_setting("{}", "s", "c") == tu::statusline_setting_json("c", true) + "\n");
  BOOST_CHECK_THROW(tu::merge_statusline_setting("{\"a\":", "s", "c"), okstra::error);
  BOOST_CHECK_THROW(tu::merge_statusline_setting("[]", "s", "c"), okstra::error);
}

BOOST_AUTO_TEST_CASE(the_error_log_stays_small) {
  const auto dir = std::filesystem::temp_directory_path() / ("okstra-statusline-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto log = dir / "statusline.log";
  const std::string big(1000, 'x');
  for (int i = 0; i < 80; ++i) tu::log_statusline_error(log, big, 0);
  BOOST_TEST(std::filesystem::exists(dir / "statusline.log.1"));
  BOOST_TEST(std::filesystem::file_size(log) <= std::uintmax_t{66} << 10);
  tu::log_statusline_error(log, "bad\ninput", at("2026-11-24T10:45:00Z"));
  const auto text = okstra::fs::read_file(log);
  BOOST_TEST(text.substr(text.rfind('\n', text.size() - 2) + 1) == "2026-11-24T10:45:00.000Z bad input\n");
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_statusline_test
