// Official limits (docs/usage-limits.md): the rate_limits of Codex
// token_count events (both the resets_at and the older resets_in_seconds
// form, null windows and null rate_limits), the latest observation whatever
// the order of lines or files, the cache encoding, Claude Code's statusline
// input and the recorded limits file. Fixtures: tests/data/usage-limits/.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/codex.hpp"
#include "okstra/token_usage/limits.hpp"
#include "test_support.hpp"

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_official_limits_test {

namespace tu = okstra::token_usage;
namespace codex = tu::codex;
namespace stdfs = std::filesystem;

stdfs::path fixtures() {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  if (!root || !*root) throw std::runtime_error("OKSTRA_SOURCE_ROOT is not set: run the tests with `meson test`");
  return stdfs::path(root) / "tests/data/usage-limits";
}

// A: resets_at (newest Codex), the latest counted window at 09:10, then a
// rate_limits null and an all-null one; B: resets_in_seconds (older Codex) at 09:15.
const std::string file_a = "rollout-2026-12-05T09-00-00-aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa.jsonl";
const std::string file_b = "rollout-2026-12-05T09-05-00-bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb.jsonl";

std::string read(const std::string& name) { return okstra::fs::read_file(fixtures() / name); }

using okstra::test::at;

std::string token_count(const char* ts, const std::string& rate_limits) {
  return std::string("{\"timestamp\":\"") + ts + "\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\"," +
         "\"info\":null,\"rate_limits\":" + rate_limits + "}}\n";
}


BOOST_AUTO_TEST_SUITE(token_usage_official_limits)

BOOST_AUTO_TEST_CASE(codex_keeps_the_latest_window_with_resets_at) {
  const auto r = codex::parse(read(file_a));
  BOOST_TEST_REQUIRE(r.limits.has_value());
  BOOST_TEST(r.limits->observed_ms == at("2026-12-05T09:10:00Z"));
  BOOST_TEST_REQUIRE(r.limits->primary.has_value());
  BOOST_TEST(r.limits->primary->used_percent == 12.0);
  BOOST_TEST(r.limits->primary->window_minutes == 300);
  BOOST_TEST(r.limits->primary->resets_at_ms == at("2026-12-05T12:30:00Z"));
  BOOST_TEST_REQUIRE(r.limits->secondary.has_value());
  BOOST_TEST(r.limits->secondary->used_percent == 40.0);
  BOOST_TEST(r.limits->secondary->window_minutes == 10080);
  BOOST_TEST(r.limits->secondary->resets_at_ms == at("2026-12-09T08:00:00Z"));
  BOOST_TEST(r.skipped_lines == 0u);  // rate_limits never makes a line skipped
  BOOST_TEST(r.rows.size() == 2u);    // and the usage rows are as before
}

BOOST_AUTO_TEST_CASE(codex_older_resets_in_seconds_is_relative_to_the_event) {
  const auto r = codex::parse(read(file_b));
  BOOST_TEST_REQUIRE(r.limits.has_value());
  BOOST_TEST(r.limits->observed_ms == at("2026-12-05T09:15:00Z"));
  BOOST_TEST(r.limits->primary->used_percent == 20.5);
  BOOST_TEST(r.limits->primary->resets_at_ms == at("2026-12-05T10:15:00Z"));
  BOOST_TEST(r.limits->secondary->resets_at_ms == at("2026-12-06T09:15:00Z"));
}

BOOST_AUTO_TEST_CASE(codex_latest_by_time_not_by_line_order) {
  const std::string newer = token_count("2026-12-05T10:00:00.000Z", R"({"primary":{"used_percent":50.0}})");
  const std::string older = token_count("2026-12-05T09:00:00.000Z", R"({"primary":{"used_percent":90.0}})");
  const auto r = codex::parse(newer + older);
  BOOST_TEST_REQUIRE(r.limits.has_value());
  BOOST_TEST(r.limits->primary->used_percent == 50.0);
  BOOST_TEST(r.limits->primary->window_minutes == 0);  // not recorded: never guessed
  BOOST_TEST(r.limits->primary->resets_at_ms == 0);
  BOOST_TEST(!r.limits->secondary.has_value());
}

BOOST_AUTO_TEST_CASE(codex_bad_windows_are_no_observation) {
  std::string text;
  for (const char* bad : {R"(null)", R"({"primary":null,"secondary":null})", R"({"primary":{"used_percent":"12"}})",
                          R"({"primary":{"used_percent":-1}})", R"([1,2])", R"({"primary":{"window_minutes":300}})"})
    text += token_count("2026-12-05T10:00:00.000Z", bad);
  const auto r = codex::parse(text);
  BOOST_TEST(!r.limits.has_value());
  BOOST_TEST(r.skipped_lines == 0u);
  const auto odd = codex::parse(token_count(
      "2026-12-05T10:00:00.000Z", R"({"primary":{"used_percent":5,"window_minutes":-300,"resets_at":"soon"}})"));
  BOOST_TEST_REQUIRE(odd.limits.has_value());
  BOOST_TEST(odd.limits->primary->window_minutes == 0);
  BOOST_TEST(odd.limits->primary->resets_at_ms == 0);
}

BOOST_AUTO_TEST_CASE(codex_resumed_parse_equals_a_whole_parse) {
  const std::string bytes = read(file_a);
  const auto whole = codex::parse(bytes);
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    if (cut != bytes.size() && bytes[cut] != '\n') continue;
    codex::file_result r = codex::parse(bytes.substr(0, cut));
    codex::parse_more(r, std::string_view(bytes).substr(r.consumed));
    if (!(r == whole)) BOOST_FAIL("resuming at byte " << cut << " differs from a whole parse");
  }
}

BOOST_AUTO_TEST_CASE(codex_merge_takes_the_latest_in_any_order) {
  const auto a = codex::parse(read(file_a)), b = codex::parse(read(file_b));
  const auto ab = codex::merge({{file_a, &a}, {file_b, &b}});
  const auto ba = codex::merge({{file_b, &b}, {file_a, &a}});
  BOOST_TEST_REQUIRE(ab.limits.has_value());
  BOOST_TEST((ab.limits == ba.limits));
  BOOST_TEST((ab.limits == b.limits));  // 09:15 is later than 09:10
  // The same instant with different values: the order still does not matter.
  const auto x = codex::parse(token_count("2026-12-05T11:00:00.000Z", R"({"primary":{"used_percent":30}})"));
  const auto y = codex::parse(token_count("2026-12-05T11:00:00.000Z", R"({"primary":{"used_percent":31}})"));
  BOOST_TEST((codex::merge({{"x", &x}, {"y", &y}}).limits == codex::merge({{"y", &y}, {"x", &x}}).limits));
}

BOOST_AUTO_TEST_CASE(codex_cache_keeps_the_limits) {
  const auto a = codex::parse(read(file_a));
  tu::detail::encoder e;
  a.encode(e);
  tu::detail::decoder d(e.buffer());
  const auto back = codex::file_result::decode(d);
  BOOST_TEST(!d.failed());
  BOOST_TEST(d.at_end());
  BOOST_TEST((back == a));
  // A blob of the previous layout is refused, so an old cache is re-read.
  std::string old = e.buffer();
  old[1] = 2;
  tu::detail::decoder od(old);
  (void)codex::file_result::decode(od);
  BOOST_TEST(od.failed());
}

BOOST_AUTO_TEST_CASE(claude_statusline_input) {
  const auto doc = okstra::json::parse(
      R"({"session_id":"s","rate_limits":{"five_hour":{"used_percentage":23.5,"resets_at":1796473800},)"
      R"("seven_day":{"used_percentage":41.2,"resets_at":1796803200}}})",
      "statusline");
  const auto o = tu::statusline_limits(doc, 1000);
  BOOST_TEST_REQUIRE(o.has_value());
  BOOST_TEST(o->observed_ms == 1000);
  BOOST_TEST(o->primary->used_percent == 23.5);
  BOOST_TEST(o->primary->window_minutes == 300);
  BOOST_TEST(o->primary->resets_at_ms == at("2026-12-05T12:30:00Z"));
  BOOST_TEST(o->secondary->window_minutes == 10080);
  BOOST_TEST(!tu::statusline_limits(okstra::json::parse(R"({"session_id":"s"})", "statusline"), 1).has_value());
  BOOST_TEST(!tu::statusline_limits(okstra::json::parse(R"({"rate_limits":{}})", "statusline"), 1).has_value());
}

BOOST_AUTO_TEST_CASE(recorded_file_round_trip_and_damage) {
  okstra::test::temp_dir dir;
  const auto file = dir.path / "usage" / "limits.json";
  std::vector<std::string> warnings;
  BOOST_TEST(!tu::read_recorded_limits(file, warnings)[0].has_value());  // missing: unknown, no warning
  BOOST_TEST(warnings.empty());
  tu::limit_observation o;
  o.observed_ms = at("2026-12-05T09:30:00Z");
  o.primary = tu::limit_window{23.5, 300, at("2026-12-05T13:00:00Z")};
  tu::record_limits(file, tu::source::claude, o);
  tu::limit_observation c;
  c.observed_ms = at("2026-12-05T09:31:00Z");
  c.secondary = tu::limit_window{7, 10080, 0};
  tu::record_limits(file, tu::source::codex, c);  // keeps the claude entry
  tu::limit_observation stale = o;
  stale.observed_ms -= 60000;
  stale.primary->used_percent = 99;
  tu::record_limits(file, tu::source::claude, stale);  // older: never replaces a newer one
  const auto back = tu::read_recorded_limits(file, warnings);
  BOOST_TEST(warnings.empty());
  BOOST_TEST((back[0] == o));
  BOOST_TEST((back[1] == c));
  const auto w = tu::latest_official_window(back, tu::source::claude);
  BOOST_TEST_REQUIRE(w.has_value());
  BOOST_TEST(w->name == "primary");
  BOOST_TEST(w->resets_at_ms == at("2026-12-05T13:00:00Z"));
  BOOST_TEST(w->observed_ms == o.observed_ms);
  BOOST_TEST(!tu::latest_official_window(back, tu::source::claude, "secondary").has_value());
  BOOST_TEST(!tu::latest_official_window(back, tu::source::gemini).has_value());
  // The hand-written fixture reads as documented.
  const auto fixture = tu::read_recorded_limits(fixtures() / "claude-limits.json", warnings);
  BOOST_TEST_REQUIRE(fixture[0].has_value());
  BOOST_TEST(fixture[0]->secondary->used_percent == 41.2);
  okstra::fs::write_file_atomic(file, "{not json");
  BOOST_TEST(!tu::read_recorded_limits(file, warnings)[0].has_value());
  BOOST_TEST(warnings.size() == 1u);
  tu::record_limits(file, tu::source::claude, o);  // a damaged file is replaced
  warnings.clear();
  BOOST_TEST((tu::read_recorded_limits(file, warnings)[0] == o));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_official_limits_test
