// Cases for the period reports' conveniences (docs/usage-reports.md):
// hourly rows, the week's first day, the latest N periods and the order.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "okstra/core/time.hpp"
#include "okstra/token_usage/report.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_periods_test {

tu::record rec(const char* when, std::uint64_t input, const char* model = "claude-sonnet-4-5-20250929") {
  tu::record r;
  r.src = tu::source::claude;
  const auto ms = okstra::time::parse_iso8601(when);
  BOOST_TEST_REQUIRE(ms.has_value(), when);
  r.timestamp_ms = *ms;
  r.model = model;
  r.usage.input = input;
  r.session_id = "s";
  return r;
}

// 2026-11-01 is a Sunday.
std::vector<tu::record> sample() {
  return {rec("2026-10-30T10:15:00Z", 1),  rec("2026-11-01T09:05:00Z", 2), rec("2026-11-01T09:55:00Z", 4),
          rec("2026-11-01T10:00:00Z", 8),  rec("2026-11-02T23:59:59Z", 16), rec("2026-11-09T00:00:00Z", 32),
          rec("2026-11-09T01:00:00Z", 64, "gpt-5")};
}

tu::report build(tu::report_options o, const char* zone = "UTC") {
  o.time_zone = zone;
  return tu::build_report(sample(), {}, tu::price_table::embedded(), o);
}

std::vector<std::string> keys(const tu::report& r) {
  std::vector<std::string> out;
  for (const auto& row : r.rows) out.push_back(row.key + "=" + std::to_string(row.usage.input));
  return out;
}

using strings = std::vector<std::string>;

}  // namespace token_usage_periods_test

using namespace token_usage_periods_test;

BOOST_AUTO_TEST_SUITE(token_usage_periods)

BOOST_AUTO_TEST_CASE(hourly_rows_are_local_hours) {
  tu::report_options o;
  o.kind = tu::report_kind::hourly;
  const strings want = {"2026-10-30T10:00=1", "2026-11-01T09:00=6", "2026-11-01T10:00=8", "2026-11-02T23:00=16",
                        "2026-11-09T00:00=32", "2026-11-09T01:00=64"};
  BOOST_TEST(keys(build(o)) == want, boost::test_tools::per_element());
  o.kind = tu::report_kind::daily;
  BOOST_TEST(build(o).totals.input == 127u);
  o.kind = tu::report_kind::hourly;
  BOOST_TEST(build(o).totals.input == 127u);
}

BOOST_AUTO_TEST_CASE(weeks_start_on_the_chosen_day) {
  tu::report_options o;
  o.kind = tu::report_kind::weekly;
  BOOST_TEST(keys(build(o)) == (strings{"2026-10-26=15", "2026-11-02=16", "2026-11-09=96"}), boost::test_tools::per_element());
  o.week_start = 6;  // Sunday
  BOOST_TEST(keys(build(o)) == (strings{"2026-10-25=1", "2026-11-01=30", "2026-11-08=96"}), boost::test_tools::per_element());
  o.week_start = 4;  // Friday
  BOOST_TEST(keys(build(o)) == (strings{"2026-10-30=31", "2026-11-06=96"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(last_keeps_the_latest_periods_and_totals_follow) {
  tu::report_options o;
  o.kind = tu::report_kind::daily;
  o.last = 2;
  const auto r = build(o);
  BOOST_TEST(keys(r) == (strings{"2026-11-02=16", "2026-11-09=96"}), boost::test_tools::per_element());
  BOOST_TEST(r.totals.input == 112u);
  BOOST_TEST(r.by_source.size() == 1u);
  BOOST_TEST(r.by_source.front().stats.usage.input == 112u);
  o.last = 100;  // more than there are: everything
  BOOST_TEST(build(o).totals.input == 127u);
  o.kind = tu::report_kind::monthly;
  o.last = 1;
  BOOST_TEST(keys(build(o)) == (strings{"2026-11=126"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(descending_puts_the_newest_period_first_with_groups_ascending) {
  tu::report_options o;
  o.kind = tu::report_kind::daily;
  o.descending = true;
  o.group = tu::group_by::model;
  const auto r = build(o);
  std::vector<std::string> got;
  for (const auto& row : r.rows) got.push_back(row.key + " " + row.group);
  const strings want = {"2026-11-09 claude-sonnet-4-5-20250929", "2026-11-09 gpt-5",
                        "2026-11-02 claude-sonnet-4-5-20250929", "2026-11-01 claude-sonnet-4-5-20250929",
                        "2026-10-30 claude-sonnet-4-5-20250929"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
  BOOST_TEST(r.totals.input == 127u);
}

BOOST_AUTO_TEST_CASE(hourly_follows_the_time_zone) {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  BOOST_TEST_REQUIRE((root && *root), "OKSTRA_SOURCE_ROOT must name the source tree");
  const char* old = std::getenv("TZDIR");
  const std::string saved = old ? old : "";
  ::setenv("TZDIR", (std::string(root) + "/tests/data/zoneinfo").c_str(), 1);
  tu::report_options o;
  o.kind = tu::report_kind::hourly;
  o.last = 2;
  const auto got = keys(build(o, "Asia/Seoul"));
  if (old) ::setenv("TZDIR", saved.c_str(), 1);
  else ::unsetenv("TZDIR");
  BOOST_TEST(got == (strings{"2026-11-09T09:00=32", "2026-11-09T10:00=64"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
