// Cases for grouped period reports (--group-by; docs/usage-reports.md,
// "Grouped reports"): grouping splits rows and never changes a total.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/token_usage.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_groups_test {

using okstra::test::at;

tu::record rec(tu::source src, const char* when, const char* model, std::uint64_t input, std::uint64_t output,
               const char* session, const char* project, tu::agent who = tu::agent::lead, const char* name = "") {
  tu::record r;
  r.src = src;
  r.timestamp_ms = at(when);
  r.model = model;
  r.usage.input = input;
  r.usage.output = output;
  r.usage.cache_read = input * 3;
  r.session_id = session;
  r.project = project;
  r.who = who;
  r.agent_name = name;
  return r;
}

// Priced and unpriced models, several sources, agents, sessions and
// projects, across two weeks and two months in UTC.
std::vector<tu::record> sample() {
  using tu::agent;
  using tu::source;
  return {
      rec(source::claude, "2026-10-31T23:30:00Z", "claude-sonnet-4-5-20250929", 1234, 567, "s1", "/p/app"),
      rec(source::claude, "2026-11-01T08:00:00Z", "claude-opus-4-1-20250805", 777, 333, "s1", "/p/app",
          agent::claude_worker, "w1"),
      rec(source::claude, "2026-11-01T09:00:00Z", "claude-sonnet-4-5-20250929", 91, 19, "s2", "/p/lib",
          agent::report_writer, "report-writer"),
      rec(source::codex, "2026-11-01T10:00:00Z", "gpt-5-codex", 5000, 1200, "c1", "/p/app", agent::codex_worker, "w2"),
      rec(source::codex, "2026-11-03T10:00:00Z", "gpt-5", 3100, 900, "c2", "/p/lib"),
      rec(source::gemini, "2026-11-09T12:00:00Z", "gemini-2.5-pro", 4400, 800, "g1", "/p/app", agent::gemini_worker),
      rec(source::cursor, "2026-11-10T12:00:00Z", "no-such-model-x", 10, 20, "u1", "/p/app", agent::other),
  };
}

tu::report build(const std::vector<tu::record>& records, tu::report_kind kind, tu::group_by group) {
  tu::report_options o;
  o.kind = kind;
  o.time_zone = "UTC";
  o.group = group;
  return tu::build_report(records, {}, tu::price_table::embedded(), o);
}

std::int64_t pico(double usd) { return std::llround(usd * 1e12); }

}  // namespace token_usage_groups_test

using namespace token_usage_groups_test;

BOOST_AUTO_TEST_SUITE(token_usage_groups)

BOOST_AUTO_TEST_CASE(grand_totals_equal_the_ungrouped_reports_for_every_group) {
  const auto records = sample();
  for (const auto kind : {tu::report_kind::daily, tu::report_kind::weekly, tu::report_kind::monthly}) {
    const auto plain = build(records, kind, tu::group_by::none);
    std::int64_t plain_rows = 0;
    for (const auto& row : plain.rows) plain_rows += pico(row.cost_usd);
    BOOST_TEST(plain.total_cost_usd > 0);
    for (const auto g : {tu::group_by::source, tu::group_by::model, tu::group_by::project, tu::group_by::agent,
                         tu::group_by::session}) {
      BOOST_TEST_CONTEXT(tu::report_kind_name(kind) << " by " << tu::group_by_name(g)) {
        const auto grouped = build(records, kind, g);
        BOOST_TEST(grouped.rows.size() > plain.rows.size());  // the sample splits some period in every grouping
        BOOST_TEST(pico(grouped.total_cost_usd) == pico(plain.total_cost_usd));
        BOOST_TEST(grouped.totals.total() == plain.totals.total());
        BOOST_TEST(grouped.totals.input == plain.totals.input);
        BOOST_TEST(grouped.totals.cache_read == plain.totals.cache_read);
        BOOST_TEST(grouped.by_source.size() == plain.by_source.size());
        BOOST_TEST(grouped.unpriced_models.size() == plain.unpriced_models.size());
        std::int64_t rows_pico = 0;
        std::uint64_t rows_tokens = 0;
        for (const auto& row : grouped.rows) {
          rows_pico += pico(row.cost_usd);
          rows_tokens += row.usage.total();
        }
        BOOST_TEST(rows_pico == plain_rows);
        BOOST_TEST(rows_tokens == plain.totals.total());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(rows_are_sorted_by_period_then_group_value) {
  const auto r = build(sample(), tu::report_kind::daily, tu::group_by::source);
  std::vector<std::string> got;
  for (const auto& row : r.rows) got.push_back(row.key + " " + row.group);
  const std::vector<std::string> want = {"2026-10-31 claude", "2026-11-01 claude", "2026-11-01 codex",
                                         "2026-11-03 codex", "2026-11-09 gemini", "2026-11-10 cursor"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(agent_values_are_the_role_then_the_agent_name) {
  const auto r = build(sample(), tu::report_kind::monthly, tu::group_by::agent);
  std::vector<std::string> got;
  for (const auto& row : r.rows) got.push_back(row.key + " " + row.group);
  const std::vector<std::string> want = {"2026-10 lead",
                                         "2026-11 claude-worker/w1",
                                         "2026-11 codex-worker/w2",
                                         "2026-11 gemini-worker",
                                         "2026-11 lead",
                                         "2026-11 other",
                                         "2026-11 report-writer/report-writer"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_subagent_without_a_name_is_grouped_by_its_type) {
  auto records = sample();
  records[2].agent_name = "";
  records[2].agent_type = "report-writer";
  records[1].agent_type = "code-reviewer";  // the agent name wins over the type
  const auto r = build(records, tu::report_kind::monthly, tu::group_by::agent);
  std::vector<std::string> got;
  for (const auto& row : r.rows) got.push_back(row.group);
  BOOST_TEST(std::count(got.begin(), got.end(), "report-writer/report-writer") == 1);
  BOOST_TEST(std::count(got.begin(), got.end(), "claude-worker/w1") == 1);
}

BOOST_AUTO_TEST_CASE(snapshots_keep_the_agent_type) {
  auto records = sample();
  records[1].agent_type = "code-reviewer";
  std::vector<tu::record> claude(records.begin(), records.begin() + 3);
  const std::string bytes = tu::detail::encode_snapshot(claude, 0, {});
  tu::detail::source_snapshot back;
  BOOST_TEST_REQUIRE(tu::detail::decode_snapshot(bytes, tu::source::claude, back));
  BOOST_TEST_REQUIRE(back.records.size() == 3u);
  BOOST_TEST(back.records[1].agent_type.view() == "code-reviewer");
  BOOST_TEST(back.records[0].agent_type.empty());
  BOOST_TEST(back.records[2].agent_name.view() == "report-writer");
}

BOOST_AUTO_TEST_CASE(session_and_blocks_refuse_grouping_as_a_usage_error) {
  for (const auto kind : {tu::report_kind::session, tu::report_kind::blocks}) {
    try {
      build(sample(), kind, tu::group_by::model);
      BOOST_FAIL("no error");
    } catch (const okstra::error& e) {
      BOOST_TEST(static_cast<int>(e.code()) == 2);
    }
  }
}

BOOST_AUTO_TEST_CASE(renderers_show_the_group) {
  const auto r = build(sample(), tu::report_kind::weekly, tu::group_by::project);
  const std::string json = tu::render_json(r, false);
  BOOST_TEST(json.find(R"("key":"2026-10-26","group":{"by":"project","value":"/p/app"},)") != std::string::npos);
  const std::string csv = tu::render_csv(r);
  BOOST_TEST(csv.substr(0, csv.find('\n')) ==
             "week,group,models,input,output,cacheWrite5m,cacheWrite1h,cacheRead,reasoning,total,costUsd");
  BOOST_TEST(csv.find("\n2026-11-02,/p/lib,") != std::string::npos);
  BOOST_TEST(csv.find("\ntotal,,,") != std::string::npos);
  okstra::style::output_style style;
  style.width = 120;
  const std::string table = tu::render_table(r, style);
  BOOST_TEST(table.find("Project") != std::string::npos);
  BOOST_TEST(table.find("2026-11-02  lib ") != std::string::npos);
  BOOST_TEST(tu::render_json(build(sample(), tu::report_kind::weekly, tu::group_by::none), false).find("\"group\"") ==
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(markdown_escapes_a_pipe_and_bolds_the_total) {
  auto records = sample();
  records[0].project = "/p/a|b";
  const auto r = build(records, tu::report_kind::monthly, tu::group_by::project);
  const std::string md = tu::render_markdown(r);
  BOOST_TEST(md.substr(0, md.find('\n')) ==
             "| Month | Project | Models | Input | Output | Cache 5m | Cache 1h | Cache Read | Total | Cost USD |");
  BOOST_TEST(md.find("| 2026-10 | /p/a\\|b | claude-sonnet-4-5-20250929 | 1,234 | 567 |") != std::string::npos);
  BOOST_TEST(md.find("| **Total** |  |  | **") != std::string::npos);
  BOOST_TEST(tu::render_markdown(build({}, tu::report_kind::daily, tu::group_by::none)) == "no usage found\n");
}

BOOST_AUTO_TEST_CASE(group_names_round_trip) {
  for (const auto g : {tu::group_by::source, tu::group_by::model, tu::group_by::project, tu::group_by::agent,
                       tu::group_by::session})
    BOOST_TEST((tu::parse_group_by(tu::group_by_name(g)) == g));
  BOOST_TEST(!tu::parse_group_by("none").has_value());
  BOOST_TEST(!tu::parse_group_by("day").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
