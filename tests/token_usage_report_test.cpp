// Cases for the report part of token_usage: time zones, each report kind,
// filters, totals, and the JSON, CSV and table renderers.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "okstra/core/time.hpp"
#include "okstra/core/display_width.hpp"
#include "okstra/token_usage/report.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_report_test {

using okstra::test::at;

tu::record rec(tu::source src, const char* when, const char* model, std::uint64_t input, std::uint64_t output,
               const char* session = "s", const char* project = "/p/app") {
  tu::record r;
  r.src = src;
  r.timestamp_ms = at(when);
  r.model = model;
  r.usage.input = input;
  r.usage.output = output;
  r.session_id = session;
  r.project = project;
  return r;
}

const std::array<tu::source_stats, 4> no_stats{};

tu::report build(const std::vector<tu::record>& records, tu::report_kind kind, const char* zone = "UTC",
                 tu::report_filter filter = {}, bool breakdown = false) {
  tu::report_options o;
  o.kind = kind;
  o.time_zone = zone;
  o.filter = std::move(filter);
  o.breakdown = breakdown;
  o.now_ms = at("2026-11-24T00:00:00Z");
  return tu::build_report(records, no_stats, tu::price_table::embedded(), o);
}

std::vector<std::string> keys(const tu::report& r) {
  std::vector<std::string> out;
  for (const auto& row : r.rows) out.push_back(row.key + "=" + std::to_string(row.usage.input));
  return out;
}

using strings = std::vector<std::string>;

// Scoped environment variable, restored on exit.
struct env_guard {
  std::string name;
  std::optional<std::string> old;
  env_guard(const char* n, const char* value) : name(n) {
    if (const char* v = std::getenv(n)) old = v;
    value ? ::setenv(n, value, 1) : ::unsetenv(n);
  }
  ~env_guard() { old ? ::setenv(name.c_str(), old->c_str(), 1) : ::unsetenv(name.c_str()); }
};

// The tests' zones (America/New_York, Asia/Seoul) come from the TZif files in
// tests/data/zoneinfo, never from the machine's tzdata: the tests run, and
// expect the same offsets, wherever they are built. Missing files fail the test.
std::string fixture_zoneinfo() {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  BOOST_TEST_REQUIRE((root && *root), "OKSTRA_SOURCE_ROOT must name the source tree");
  const std::string dir = std::string(root) + "/tests/data/zoneinfo";
  for (const char* zone : {"America/New_York", "Asia/Seoul"})
    BOOST_TEST_REQUIRE(std::filesystem::is_regular_file(dir + "/" + zone), dir << "/" << zone << " is missing");
  return dir;
}

struct fixture_zones {
  env_guard tzdir{"TZDIR", fixture_zoneinfo().c_str()};
};


BOOST_AUTO_TEST_SUITE(time_zones)

BOOST_FIXTURE_TEST_CASE(iana_zones_follow_dst_and_the_footer_rule, fixture_zones) {
  const auto ny = tu::time_zone::load("America/New_York");
  BOOST_TEST(ny.offset_at(at("2026-03-08T06:59:59Z")) == -5 * 3600);  // 01:59:59 EST
  BOOST_TEST(ny.offset_at(at("2026-03-08T07:00:00Z")) == -4 * 3600);  // 03:00 EDT
  BOOST_TEST(ny.offset_at(at("2026-11-01T05:59:59Z")) == -4 * 3600);
  BOOST_TEST(ny.offset_at(at("2026-11-01T06:00:00Z")) == -5 * 3600);
  BOOST_TEST(ny.offset_at(at("2050-07-01T12:00:00Z")) == -4 * 3600);  // past 2037: the footer rule
  BOOST_TEST(ny.offset_at(at("2050-12-01T12:00:00Z")) == -5 * 3600);
  const auto seoul = tu::time_zone::load("Asia/Seoul");
  BOOST_TEST(seoul.offset_at(at("2026-11-24T00:00:00Z")) == 9 * 3600);
  BOOST_TEST(seoul.format_iso(at("2026-11-23T15:00:00Z")) == "2026-11-24T00:00:00+09:00");
  BOOST_TEST(ny.format_iso(at("2026-11-01T06:30:00Z")) == "2026-11-01T01:30:00-05:00");
}

BOOST_AUTO_TEST_CASE(posix_rules_cover_both_hemispheres) {
  const auto sydney = tu::detail::parse_posix_tz("AEST-10AEDT,M10.1.0,M4.1.0/3");
  BOOST_TEST_REQUIRE(sydney.has_value());
  BOOST_TEST(sydney->offset_at(at("2040-01-15T00:00:00Z") / 1000) == 11 * 3600);
  BOOST_TEST(sydney->offset_at(at("2040-06-15T00:00:00Z") / 1000) == 10 * 3600);
  const auto india = tu::detail::parse_posix_tz("<+0530>-5:30");
  BOOST_TEST_REQUIRE(india.has_value());
  BOOST_TEST(india->offset_at(0) == 5 * 3600 + 1800);
  for (const char* bad : {"", "E", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0", "EST5x"})
    BOOST_TEST(!tu::detail::parse_posix_tz(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(unknown_or_unsafe_zone_names_are_usage_errors) {
  for (const char* name : {"Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Asia/../Asia/Seoul", "zone1970.tab",
                           "Asia/Seoul\n", "America/"}) {
    try {
      (void)tu::time_zone::load(name);
      BOOST_ERROR("accepted " << name);
    } catch (const okstra::error& e) {
      BOOST_TEST((e.code() == okstra::exit_code::usage));
      BOOST_TEST(std::string(e.what()).rfind("unknown time zone '", 0) == 0, e.what());
    }
  }
  BOOST_CHECK_THROW(build({}, tu::report_kind::daily, "Nowhere/City"), okstra::error);
}

BOOST_FIXTURE_TEST_CASE(utc_needs_no_zoneinfo_and_local_follows_tz, fixture_zones) {
  {
    env_guard dir("TZDIR", "/nonexistent-zoneinfo");
    BOOST_TEST(tu::time_zone::load("UTC").offset_at(0) == 0);
    BOOST_TEST(tu::time_zone::load("Etc/UTC").name() == "Etc/UTC");
    BOOST_CHECK_THROW(tu::time_zone::load("Asia/Seoul"), okstra::error);
    env_guard tz("TZ", "JST-9");  // a POSIX string works without files too
    BOOST_TEST(tu::time_zone::load("").offset_at(0) == 9 * 3600);
  }
  {
    env_guard tz("TZ", "");
    BOOST_TEST(tu::time_zone::local().offset_at(0) == 0);
  }
  env_guard tz("TZ", "America/New_York");
  const auto local = tu::time_zone::load("");
  BOOST_TEST(local.name() == "America/New_York");
  BOOST_TEST(local.offset_at(at("2026-07-01T00:00:00Z")) == -4 * 3600);
}

BOOST_FIXTURE_TEST_CASE(time_bounds_are_read_in_the_zone, fixture_zones) {
  const auto ny = tu::time_zone::load("America/New_York");
  BOOST_TEST(tu::parse_time_bound("2026-03-08", ny, false).value_or(-1) == at("2026-03-08T05:00:00Z"));
  BOOST_TEST(tu::parse_time_bound("20260308", ny, true).value_or(-1) == at("2026-03-09T03:59:59.999Z"));  // 23 h day
  BOOST_TEST(tu::parse_time_bound("2026-11-01T01:30", ny, false).value_or(-1) ==
             at("2026-11-01T05:30:00Z"));  // earlier 01:30
  BOOST_TEST(tu::parse_time_bound("2026-03-08T02:30", ny, false).value_or(-1) ==
             at("2026-03-08T07:30:00Z"));  // in the gap
  BOOST_TEST(tu::parse_time_bound("2026-11-24T10:00Z", ny, false).value_or(-1) == at("2026-11-24T10:00:00Z"));
  BOOST_TEST(tu::parse_time_bound("2026-11-24T10:00+09:00", ny, false).value_or(-1) == at("2026-11-24T01:00:00Z"));
  BOOST_TEST(!tu::parse_time_bound("yesterday", ny, false).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(report_kinds)

BOOST_FIXTURE_TEST_CASE(daily_buckets_follow_dst_in_new_york, fixture_zones) {
  const auto c = tu::source::claude;
  const std::vector<tu::record> rs = {
      rec(c, "2026-03-08T04:30:00Z", "claude-opus-4-6", 1, 0),      // 03-07 23:30 EST
      rec(c, "2026-03-08T05:00:00Z", "claude-opus-4-6", 2, 0),      // 03-08 00:00 EST, exactly midnight
      rec(c, "2026-03-09T03:59:59.999Z", "claude-opus-4-6", 4, 0),  // 03-08 23:59:59.999 EDT
      rec(c, "2026-03-09T04:00:00Z", "claude-opus-4-6", 8, 0),      // 03-09 00:00 EDT
      rec(c, "2026-11-01T03:59:59Z", "claude-opus-4-6", 16, 0),     // 10-31 23:59:59 EDT
      rec(c, "2026-11-01T05:30:00Z", "claude-opus-4-6", 32, 0),     // 11-01 01:30 EDT
      rec(c, "2026-11-01T06:30:00Z", "claude-opus-4-6", 64, 0),     // 11-01 01:30 EST (again)
      rec(c, "2026-11-02T04:59:59Z", "claude-opus-4-6", 128, 0),    // 11-01 23:59:59 EST (25 h day)
      rec(c, "2026-11-02T05:00:00Z", "claude-opus-4-6", 256, 0),    // 11-02 00:00 EST
  };
  BOOST_TEST(keys(build(rs, tu::report_kind::daily, "America/New_York")) ==
                 (strings{"2026-03-07=1", "2026-03-08=6", "2026-03-09=8", "2026-10-31=16", "2026-11-01=224",
                          "2026-11-02=256"}),
             boost::test_tools::per_element());
  BOOST_TEST(keys(build(rs, tu::report_kind::monthly, "America/New_York")) ==
                 (strings{"2026-03=15", "2026-10=16", "2026-11=480"}),
             boost::test_tools::per_element());
  BOOST_TEST(keys(build(rs, tu::report_kind::daily, "UTC")) ==
                 (strings{"2026-03-08=3", "2026-03-09=12", "2026-11-01=112", "2026-11-02=384"}),
             boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(daily_and_weekly_in_seoul_split_at_local_midnight, fixture_zones) {
  const auto x = tu::source::codex;
  const std::vector<tu::record> rs = {
      rec(x, "2026-11-22T14:59:59.999Z", "gpt-5-codex", 1, 0),  // Sun 11-22 23:59:59.999 KST
      rec(x, "2026-11-22T15:00:00Z", "gpt-5-codex", 2, 0),      // Mon 11-23 00:00 KST, exactly midnight
      rec(x, "2026-11-29T14:59:00Z", "gpt-5-codex", 4, 0),      // Sun 11-29 23:59 KST
      rec(x, "2027-01-01T03:00:00Z", "gpt-5-codex", 8, 0),      // Fri 2027-01-01: ISO week of Mon 2026-12-28
  };
  BOOST_TEST(keys(build(rs, tu::report_kind::daily, "Asia/Seoul")) ==
                 (strings{"2026-11-22=1", "2026-11-23=2", "2026-11-29=4", "2027-01-01=8"}),
             boost::test_tools::per_element());
  BOOST_TEST(keys(build(rs, tu::report_kind::weekly, "Asia/Seoul")) ==
                 (strings{"2026-11-16=1", "2026-11-23=6", "2026-12-28=8"}),
             boost::test_tools::per_element());
  BOOST_TEST(
      keys(build(rs, tu::report_kind::weekly, "UTC")) == (strings{"2026-11-16=3", "2026-11-23=4", "2026-12-28=8"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sessions_sort_by_last_activity_and_keep_the_latest_project) {
  const auto c = tu::source::claude;
  const std::vector<tu::record> rs = {
      rec(c, "2026-11-20T10:00:00Z", "claude-sonnet-4-5", 1, 0, "a", "/p/old"),
      rec(c, "2026-11-20T11:00:00Z", "claude-haiku-4-5", 2, 0, "b", "/p/b"),
      rec(c, "2026-11-20T12:00:00Z", "claude-opus-4-6", 4, 0, "a", "/p/new"),
      rec(c, "2026-11-20T12:30:00Z", "claude-opus-4-6", 8, 0, "a", ""),
  };
  const auto r = build(rs, tu::report_kind::session, "UTC");
  BOOST_TEST(keys(r) == (strings{"b=2", "a=13"}), boost::test_tools::per_element());
  BOOST_TEST(r.rows[1].project == "/p/new");
  BOOST_TEST(r.rows[1].last_activity_ms.value_or(-1) == at("2026-11-20T12:30:00Z"));
  BOOST_TEST(r.rows[1].models == (strings{"claude-opus-4-6", "claude-sonnet-4-5"}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(blocks_are_five_hour_windows_from_the_floored_hour, fixture_zones) {
  const auto c = tu::source::claude;
  const std::vector<tu::record> rs = {
      rec(c, "2026-11-21T00:30:00Z", "claude-opus-4-6", 8, 0),      // 4:30 after r3, 5:30 after its start: new
      rec(c, "2026-11-20T10:17:00Z", "claude-opus-4-6", 1, 0),      // opens a block at 10:00
      rec(c, "2026-11-20T14:59:59.999Z", "claude-opus-4-6", 2, 0),  // last millisecond of that block
      rec(c, "2026-11-20T19:59:59.999Z", "claude-opus-4-6", 4, 0),  // exactly 5 h gap: new block at 19:00
  };
  tu::report_options o;
  o.kind = tu::report_kind::blocks;
  o.time_zone = "Asia/Seoul";
  o.now_ms = at("2026-11-21T01:30:00Z");
  auto r = tu::build_report(rs, no_stats, tu::price_table::embedded(), o);
  BOOST_TEST(
      keys(r) == (strings{"2026-11-20T19:00:00+09:00=3", "2026-11-21T04:00:00+09:00=4", "2026-11-21T09:00:00+09:00=8"}),
      boost::test_tools::per_element());
  BOOST_TEST(r.rows[0].block_start_ms.value_or(-1) == at("2026-11-20T10:00:00Z"));
  BOOST_TEST(r.rows[0].block_end_ms.value_or(-1) == at("2026-11-20T15:00:00Z"));
  BOOST_TEST(r.rows[0].last_activity_ms.value_or(-1) == at("2026-11-20T14:59:59.999Z"));
  BOOST_TEST((!r.rows[0].active && !r.rows[1].active && r.rows[2].active));
  o.now_ms = at("2026-11-21T05:00:00Z");  // the block's end: no longer active
  r = tu::build_report(rs, no_stats, tu::price_table::embedded(), o);
  BOOST_TEST(!r.rows[2].active);
  o.now_ms = at("2026-11-21T04:59:59Z");
  BOOST_TEST(tu::build_report(rs, no_stats, tu::price_table::embedded(), o).rows[2].active);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(report_totals)

namespace {

std::vector<tu::record> mixed_records() {
  using tu::source;
  std::vector<tu::record> rs = {
      rec(source::claude, "2026-03-07T23:00:00Z", "claude-sonnet-4-5-20250929", 250'000, 1'000, "a", "/p/app"),
      rec(source::claude, "2026-03-08T06:30:00Z", "claude-opus-4-6", 1'234, 5'678, "a", "/p/app"),
      rec(source::codex, "2026-03-08T07:30:00Z", "gpt-5-codex", 3'000, 700, "b", "/p/tool"),
      rec(source::gemini, "2026-03-09T00:00:00Z", "gemini-2.5-pro", 210'000, 300, "c", "/p/app"),
      rec(source::cursor, "2026-03-31T23:59:59Z", "mystery-model", 10, 10, "d", "/p/other"),
      rec(source::claude, "2026-04-01T00:00:00Z", "claude-haiku-4-5", 77, 33, "a", "/p/app"),
      rec(source::codex, "2026-11-01T05:59:59Z", "gpt-5.1-codex-max", 123'456, 7'890, "e", "/p/tool"),
      rec(source::codex, "2026-11-01T06:00:00Z", "gpt-5.1-codex-max", 1, 1, "e", "/p/tool"),
  };
  rs[0].usage.cache_write_5m = 1'000, rs[0].usage.cache_read = 40'000;
  rs[1].usage.cache_write_1h = 2'000, rs[1].usage.reasoning = 100;
  rs[2].usage.cache_read = 9'000, rs[2].usage.reasoning = 300;
  return rs;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(every_kind_has_the_same_grand_totals, fixture_zones) {
  const auto rs = mixed_records();
  const auto daily = build(rs, tu::report_kind::daily, "America/New_York");
  BOOST_TEST(daily.totals.total() > 0u);
  BOOST_TEST(daily.total_cost_usd > 0);
  for (auto kind : {tu::report_kind::daily, tu::report_kind::weekly, tu::report_kind::monthly, tu::report_kind::session,
                    tu::report_kind::blocks}) {
    for (const char* zone : {"America/New_York", "Asia/Seoul", "UTC"}) {
      const auto r = build(rs, kind, zone);
      BOOST_TEST((r.totals == daily.totals), tu::report_kind_name(kind) << " " << zone);
      BOOST_TEST(r.total_cost_usd == daily.total_cost_usd);  // exact: summed in pico-dollars
      tu::tokens sum;
      double cost = 0;
      for (const auto& row : r.rows) sum += row.usage, cost += row.cost_usd;
      BOOST_TEST((sum == r.totals));
      BOOST_TEST(cost == r.total_cost_usd, boost::test_tools::tolerance(1e-9));
    }
  }
  // The order records arrive in changes nothing.
  auto reversed = rs;
  std::reverse(reversed.begin(), reversed.end());
  BOOST_TEST(tu::render_json(build(reversed, tu::report_kind::session, "UTC"), false) ==
             tu::render_json(build(rs, tu::report_kind::session, "UTC"), false));
}

BOOST_AUTO_TEST_CASE(unpriced_models_cost_nothing_and_are_listed_once) {
  auto rs = mixed_records();
  rs.push_back(rec(tu::source::cursor, "2026-03-31T10:00:00Z", "mystery-model", 5, 5, "d"));
  rs.push_back(rec(tu::source::cursor, "2026-03-31T11:00:00Z", "another-model", 5, 5, "d"));
  const auto r = build(rs, tu::report_kind::monthly, "UTC", {}, true);
  BOOST_TEST_REQUIRE(r.unpriced_models.size() == 2u);
  BOOST_TEST(r.unpriced_models[0].model == "another-model");
  BOOST_TEST(r.unpriced_models[0].tokens == 10u);
  BOOST_TEST(r.unpriced_models[1].model == "mystery-model");
  std::uint64_t mystery = 0;
  for (const auto& x : rs) mystery += x.model == "mystery-model" ? x.usage.total() : 0;
  BOOST_TEST(r.unpriced_models[1].tokens == mystery);
  // The share of the report's tokens without a price, which the tools warn about above 1%.
  BOOST_TEST(tu::unpriced_percent(r) == 100.0 * static_cast<double>(10 + mystery) / static_cast<double>(r.totals.total()),
             boost::test_tools::tolerance(1e-12));
  const auto& march = r.rows.at(0);
  BOOST_TEST(march.key == "2026-03");
  for (const auto& m : march.breakdown) {
    BOOST_TEST(m.priced == (m.model != "mystery-model" && m.model != "another-model"), m.model);
    if (!m.priced) BOOST_TEST(m.cost_usd == 0);
  }
  BOOST_TEST(march.models.size() == march.breakdown.size());
  BOOST_TEST(std::is_sorted(march.models.begin(), march.models.end()));
}

BOOST_AUTO_TEST_CASE(filters_select_by_time_source_project_and_model) {
  const auto rs = mixed_records();
  tu::report_filter f;
  f.since_ms = at("2026-03-08T06:30:00Z");  // inclusive on both ends
  f.until_ms = at("2026-03-31T23:59:59Z");
  BOOST_TEST(build(rs, tu::report_kind::daily, "UTC", f).totals.input == 1'234u + 3'000 + 210'000 + 10);
  f.until_ms = at("2026-03-31T23:59:58.999Z");
  BOOST_TEST(build(rs, tu::report_kind::daily, "UTC", f).totals.input == 1'234u + 3'000 + 210'000);
  tu::report_filter by_source;
  by_source.sources = {tu::source::codex, tu::source::gemini};
  const auto r = build(rs, tu::report_kind::monthly, "UTC", by_source);
  BOOST_TEST(r.totals.input == 3'000u + 210'000 + 123'456 + 1);
  BOOST_TEST(r.by_source.size() == 2u);  // sources filtered out are not reported
  tu::report_filter by_project;
  by_project.project = "tool";
  BOOST_TEST(build(rs, tu::report_kind::daily, "UTC", by_project).totals.input == 3'000u + 123'456 + 1);
  tu::report_filter by_model;
  by_model.model = "OPUS";  // case-insensitive
  BOOST_TEST(build(rs, tu::report_kind::daily, "UTC", by_model).totals.input == 1'234u);
  by_model.model = "nothing-like-this";
  const auto empty = build(rs, tu::report_kind::daily, "UTC", by_model);
  BOOST_TEST(empty.rows.empty());
  BOOST_TEST(empty.total_cost_usd == 0);
}

BOOST_AUTO_TEST_CASE(by_source_recounts_filtered_records_and_keeps_file_stats) {
  const auto rs = mixed_records();
  std::array<tu::source_stats, 4> stats{};
  stats[0].files = 3, stats[0].records = 99, stats[0].skipped_lines = 2;
  stats[1].files = 1;
  stats[3].files = 0;  // cursor: no files, but records → listed
  tu::report_options o;
  o.kind = tu::report_kind::daily;
  o.time_zone = "UTC";
  o.filter.since_ms = at("2026-03-08T00:00:00Z");
  const auto r = tu::build_report(rs, stats, tu::price_table::embedded(), o);
  BOOST_TEST_REQUIRE(r.by_source.size() == 4u);
  BOOST_TEST((r.by_source[0].src == tu::source::claude));
  BOOST_TEST(r.by_source[0].stats.files == 3u);
  BOOST_TEST(r.by_source[0].stats.records == 2u);  // recounted after the filter
  BOOST_TEST(r.by_source[0].stats.skipped_lines == 2u);
  BOOST_TEST(r.by_source[0].stats.usage.input == 1'234u + 77);
  double cost = 0;
  for (const auto& s : r.by_source) cost += s.cost_usd;
  BOOST_TEST(cost == r.total_cost_usd, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(report_rendering)

namespace {

tu::report small_report(tu::report_kind kind = tu::report_kind::daily) {
  std::vector<tu::record> rs = {
      rec(tu::source::claude, "2026-11-24T01:00:00Z", "claude-sonnet-4-5-20250929", 1'000, 2'000, "s1"),
      rec(tu::source::codex, "2026-11-24T02:00:00Z", "gpt-5-codex", 500, 300, "s2"),
      rec(tu::source::gemini, "2026-11-25T00:00:00Z", "mystery-model", 10, 5, "s3"),
  };
  rs[0].usage.cache_write_5m = 100, rs[0].usage.cache_read = 5'000;
  rs[1].usage.cache_read = 1'000, rs[1].usage.reasoning = 100;
  std::array<tu::source_stats, 4> stats{};
  stats[0] = {{}, 1, 7, 2};
  stats[1] = {{}, 1, 1, 0};
  stats[2] = {{}, 1, 1, 0};
  tu::report_options o;
  o.kind = kind;
  o.time_zone = "UTC";
  o.now_ms = at("2026-12-01T00:00:00Z");
  return tu::build_report(rs, stats, tu::price_table::embedded(), o);
}

}  // namespace

BOOST_AUTO_TEST_CASE(json_matches_the_golden_output) {
  const std::string expected =
      R"({"report":"daily","rows":[)"
      R"({"key":"2026-11-24","input":1500,"output":2300,"cacheWrite5m":100,"cacheWrite1h":0,"cacheRead":6000,)"
      R"("reasoning":100,"total":9900,"costUsd":0.038625,"models":["claude-sonnet-4-5-20250929","gpt-5-codex"]},)"
      R"({"key":"2026-11-25","input":10,"output":5,"cacheWrite5m":0,"cacheWrite1h":0,"cacheRead":0,)"
      R"("reasoning":0,"total":15,"costUsd":0,"models":["mystery-model"]}],)"
      R"("totals":{"input":1510,"output":2305,"cacheWrite5m":100,"cacheWrite1h":0,"cacheRead":6000,)"
      R"("reasoning":100,"total":9915,"costUsd":0.038625},)"
      R"("bySource":{)"
      R"("claude":{"input":1000,"output":2000,"cacheWrite5m":100,"cacheWrite1h":0,"cacheRead":5000,"reasoning":0,)"
      R"("total":8100,"costUsd":0.034875,"files":1,"records":1,"skippedLines":2,"unreadable":0,"archived":false,"archivedRecords":0,"importedRecords":0},)"
      R"("codex":{"input":500,"output":300,"cacheWrite5m":0,"cacheWrite1h":0,"cacheRead":1000,"reasoning":100,)"
      R"("total":1800,"costUsd":0.00375,"files":1,"records":1,"skippedLines":0,"unreadable":0,"archived":false,"archivedRecords":0,"importedRecords":0},)"
      R"("gemini":{"input":10,"output":5,"cacheWrite5m":0,"cacheWrite1h":0,"cacheRead":0,"reasoning":0,)"
      R"("total":15,"costUsd":0,"files":1,"records":1,"skippedLines":0,"unreadable":0,"archived":false,"archivedRecords":0,"importedRecords":0}},)"
      R"("unpricedModels":[{"model":"mystery-model","tokens":15}]})"
      "\n";
  BOOST_TEST(tu::render_json(small_report(), false) == expected);
  const std::string pretty = tu::render_json(small_report(), true);
  BOOST_TEST(pretty.rfind("{\n  \"report\": \"daily\",\n  \"rows\": [\n    {\n      \"key\": \"2026-11-24\",", 0) == 0);
}

BOOST_AUTO_TEST_CASE(json_carries_session_and_block_details) {
  const std::string session = tu::render_json(small_report(tu::report_kind::session), false);
  BOOST_TEST(session.find(R"("models":["gpt-5-codex"],"source":"codex","project":"/p/app",)"
                          R"("lastActivity":"2026-11-24T02:00:00Z"})") != std::string::npos);
  const std::string blocks = tu::render_json(small_report(tu::report_kind::blocks), false);
  BOOST_TEST(blocks.find(R"({"key":"2026-11-24T01:00:00Z",)") != std::string::npos);
  // One block per source (docs/usage-blocks.md, "Blocks"): Claude's holds its 01:00 call only.
  BOOST_TEST(blocks.find(R"("start":"2026-11-24T01:00:00Z","end":"2026-11-24T06:00:00Z",)"
                         R"("lastActivity":"2026-11-24T01:00:00Z","active":false,"source":"claude",)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_reports_render_valid_output) {
  const auto r = build({}, tu::report_kind::weekly, "UTC");
  BOOST_TEST(tu::render_json(r, true) ==
             "{\n  \"report\": \"weekly\",\n  \"rows\": [],\n  \"totals\": {\n    \"input\": 0,\n    \"output\": 0,\n"
             "    \"cacheWrite5m\": 0,\n    \"cacheWrite1h\": 0,\n    \"cacheRead\": 0,\n    \"reasoning\": 0,\n"
             "    \"total\": 0,\n    \"costUsd\": 0\n  },\n  \"bySource\": {},\n  \"unpricedModels\": []\n}\n");
  BOOST_TEST(tu::render_table(r, {120, true, true}) == "no usage found\n");
  BOOST_TEST(tu::render_csv(r) ==
             "week,models,input,output,cacheWrite5m,cacheWrite1h,cacheRead,reasoning,total,costUsd\n"
             "total,,0,0,0,0,0,0,0,0.000000\n");
}

BOOST_AUTO_TEST_CASE(csv_quotes_per_rfc_4180) {
  const std::vector<tu::record> rs = {
      rec(tu::source::claude, "2026-11-24T01:00:00Z", "claude-opus-4-6", 1'000'000, 0, "id,\"x\"", "/p/a,b\nc"),
  };
  const auto r = build(rs, tu::report_kind::session, "UTC");
  BOOST_TEST(tu::render_csv(r) ==
             "session,models,input,output,cacheWrite5m,cacheWrite1h,cacheRead,reasoning,total,costUsd,project,"
             "lastActivity,source\n"
             "\"id,\"\"x\"\"\",claude-opus-4-6,1000000,0,0,0,0,0,1000000,5.000000,\"/p/a,b\nc\","
             "2026-11-24T01:00:00Z,claude\n"
             "total,,1000000,0,0,0,0,0,1000000,5.000000,,,\n");
  const auto daily = build(rs, tu::report_kind::daily, "UTC", {}, true);
  BOOST_TEST(tu::render_csv(daily) ==
             "date,model,input,output,cacheWrite5m,cacheWrite1h,cacheRead,reasoning,total,costUsd\n"
             "2026-11-24,claude-opus-4-6,1000000,0,0,0,0,0,1000000,5.000000\n"
             "total,,1000000,0,0,0,0,0,1000000,5.000000\n");
}

BOOST_AUTO_TEST_CASE(table_aligns_columns_and_colours_only_when_asked) {
  const std::string expected =
      "Date        Models                      Input  Output  Cache 5m  Cache 1h  Cache Read  Total  Cost USD\n"
      "----------  --------------------------  -----  ------  --------  --------  ----------  -----  --------\n"
      "2026-11-24  claude-sonnet-4-5-20250929  1,500   2,300       100         0       6,000  9,900      0.04\n"
      "            gpt-5-codex\n"
      "2026-11-25  mystery-model                  10       5         0         0           0     15      0.00\n"
      "----------  --------------------------  -----  ------  --------  --------  ----------  -----  --------\n"
      "Total                                   1,510   2,305       100         0       6,000  9,915      0.04\n"
      "note: no price for mystery-model (15 tokens), counted as 0 USD; see 'okstra-usage prices'\n";
  const std::string plain = tu::render_table(small_report(), {120, false, false}, false);  // the bar: its own test
  BOOST_TEST(plain == expected);
  BOOST_TEST(plain.find('\x1b') == std::string::npos);
  const std::string colored = tu::render_table(small_report(), {120, true, true});
  BOOST_TEST(colored.find("\x1b[1mDate") == 0u);
  BOOST_TEST(colored.find("\x1b[33mnote: no price") != std::string::npos);
}

// Below 100 columns the compact layout: one Cache column (writes and reads),
// no Total, short model names; nothing wider than the width while text can
// still shrink; numbers never shortened (docs/usage.md, "Tables that fit the terminal").
BOOST_AUTO_TEST_CASE(table_fits_the_width_with_the_compact_layout) {
  const std::string expected =
      "Date        Models         Input  Output  Cache  Cost USD\n"
      "----------  -------------  -----  ------  -----  --------\n"
      "2026-11-24  sonnet-4-5     1,500   2,300  6,100      0.04\n"
      "            gpt-5-codex\n"
      "2026-11-25  mystery-model     10       5      0      0.00\n"
      "----------  -------------  -----  ------  -----  --------\n"
      "Total                      1,510   2,305  6,100      0.04\n"
      "note: no price for mystery-model (15 tokens), counted as 0 USD; see\n"
      "  'okstra-usage prices'\n";
  BOOST_TEST(tu::render_table(small_report(), {80, false, false}, false) == expected);
  for (const auto kind : {tu::report_kind::daily, tu::report_kind::session, tu::report_kind::blocks}) {
    for (const int width : {64, 80, 99, 100, 200}) {
      const std::string t = tu::render_table(small_report(kind), {width, false, false});
      BOOST_TEST(okstra::test::widest_line(t) <= static_cast<std::size_t>(width), "kind " << static_cast<int>(kind) << ", width " << width);
      BOOST_TEST(t.find("  0.04\n") != std::string::npos);  // the total cost, whole
      // Session and blocks have more text columns: their full layout needs more than 100.
      const bool full = (width >= 100 && kind == tu::report_kind::daily) || width == 200;
      BOOST_TEST((t.find("Cache Read") != std::string::npos) == full,
                 "kind " << static_cast<int>(kind) << ", width " << width);
    }
  }
  const std::string session = tu::render_table(small_report(tu::report_kind::session), {80, true, true});
  BOOST_TEST(session.rfind("\x1b[1mSession", 0) == 0u);
  BOOST_TEST(session.find("Last Activity") != std::string::npos);
  BOOST_TEST(tu::render_table(small_report(), {80, false, true}).find('\x1b') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(table_groups_thousands_and_shows_breakdowns) {
  const std::vector<tu::record> rs = {
      rec(tu::source::claude, "2026-11-24T01:00:00Z", "claude-opus-4-1", 1'234'567, 0),
      rec(tu::source::claude, "2026-11-24T02:00:00Z", "claude-haiku-4-5", 1, 2),
  };
  const std::string t = tu::render_table(build(rs, tu::report_kind::monthly, "UTC", {}, true), {120, false, false}, false);
  BOOST_TEST(t ==
             "Month    Models                  Input  Output  Cache 5m  Cache 1h  Cache Read      Total  Cost USD\n"
             "-------  ------------------  ---------  ------  --------  --------  ----------  ---------  --------\n"
             "2026-11                      1,234,568       2         0         0           0  1,234,570     18.52\n"
             "         └ claude-haiku-4-5          1       2         0         0           0          3      0.00\n"
             "         └ claude-opus-4-1   1,234,567       0         0         0           0  1,234,567     18.52\n"
             "-------  ------------------  ---------  ------  --------  --------  ----------  ---------  --------\n"
             "Total                        1,234,568       2         0         0           0  1,234,570     18.52\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_report_test
