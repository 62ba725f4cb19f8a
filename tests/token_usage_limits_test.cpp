// Counts that do not fit (docs/usage.md, "Counts that do not fit"): every
// source parser refuses a line whose token count is not an integer in
// [0, max_count] or whose record total would not fit, and the collection is
// admitted so that no total, grouping or run summary can wrap.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/run_summary.hpp"
#include "okstra/token_usage/token_usage.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_limits_test {

const std::string i64_max = "9223372036854775807";    // 2^63 - 1: the largest count
const std::string i64_over = "9223372036854775808";   // 2^63
const std::string u64_max = "18446744073709551615";   // 2^64 - 1
const std::string u64_over = "18446744073709551616";  // 2^64

std::string claude_line(const std::string& id, const std::string& input, const std::string& output) {
  return R"({"type":"assistant","timestamp":"2026-01-02T03:04:05Z","sessionId":"s","message":{"id":")" + id +
         R"(","model":"claude-sonnet-4-5","usage":{"input_tokens":)" + input + R"(,"output_tokens":)" + output +
         "}}}\n";
}

tu::claude::file_result parse_claude(const std::string& bytes) {
  tu::claude::file_result r;
  tu::claude::file_parser parser(r);
  parser.parse(bytes, 0);
  return r;
}

tu::record record_of(std::uint64_t input, std::int64_t ms, const char* session) {
  tu::record r;
  r.src = tu::source::claude;
  r.timestamp_ms = ms;
  r.usage.input = input;
  r.session_id = session;
  r.model = "claude-sonnet-4-5";
  return r;
}


BOOST_AUTO_TEST_SUITE(counts_that_do_not_fit)

BOOST_AUTO_TEST_CASE(checked_helpers) {
  std::uint64_t sum = 0;
  BOOST_TEST(tu::add_count(tu::max_count, 0, sum));
  BOOST_TEST(sum == tu::max_count);
  BOOST_TEST(!tu::add_count(tu::max_count, 1, sum));
  BOOST_TEST(!tu::add_count(UINT64_MAX, 1, sum));  // would wrap to 0
  BOOST_TEST(sum == tu::max_count);                // untouched on failure
  tu::tokens t;
  t.input = tu::max_count;
  BOOST_TEST(tu::fits(t));
  t.output = 1;
  BOOST_TEST(!tu::fits(t));  // the total would not fit
  tu::tokens into;
  into.input = tu::max_count;
  tu::tokens one;
  one.cache_read = 1;
  BOOST_TEST(!tu::add_checked(into, one));
  BOOST_TEST(into.cache_read == 0u);
}

BOOST_AUTO_TEST_CASE(claude_line_with_a_count_out_of_range_is_skipped) {
  const std::string bytes = claude_line("a", u64_max, "1") + claude_line("b", "1", "1") + claude_line("c", u64_over, "0") +
                            claude_line("d", i64_over, "0") + claude_line("e", "-1", "0") +
                            claude_line("f", "1.5", "0") + claude_line("g", "\"12\"", "0") +
                            claude_line("h", "1e3", "0") + claude_line("i", i64_max, "1") +
                            claude_line("j", i64_max, "0");
  const auto r = parse_claude(bytes);
  BOOST_TEST(r.skipped_lines == 8u);  // a, c, d, e, f, g, h (counts), i (its total)
  BOOST_REQUIRE_EQUAL(r.entries.size(), 2u);
  BOOST_TEST(r.entries[0].usage.total() == 2u);
  BOOST_TEST(r.entries[1].usage.input == tu::max_count);
}

BOOST_AUTO_TEST_CASE(codex_row_out_of_range_is_skipped_and_keeps_the_state) {
  const auto row = [](const std::string& input, const std::string& output) {
    return R"({"timestamp":"2026-01-01T00:00:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":)" +
           input + R"(,"output_tokens":)" + output + "}}}}\n";
  };
  const auto row_last = [](const std::string& input, const std::string& output) {
    return R"({"timestamp":"2026-01-01T00:00:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":25},"last_token_usage":{"input_tokens":)" +
           input + R"(,"output_tokens":)" + output + "}}}}\n";
  };
  // 10, then garbage (2^64-1, negative, a row whose total is 2^63), then 30:
  // the delta of the last row starts from the last good one.
  const std::string bytes =
      row("10", "1") + row(u64_max, "1") + row("-4", "1") + row_last(i64_max, "1") + row("30", "3");
  const auto r = tu::codex::parse(bytes);
  BOOST_TEST(r.skipped_lines == 3u);
  BOOST_REQUIRE_EQUAL(r.rows.size(), 2u);
  BOOST_TEST(r.rows[0].usage.input == 10u);
  BOOST_TEST(r.rows[1].usage.input == 20u);
  BOOST_TEST(r.rows[1].usage.output == 2u);
}

BOOST_AUTO_TEST_CASE(gemini_message_out_of_range_is_skipped) {
  const std::string bytes =
      R"({"id":"a","type":"gemini","tokens":{"input":5,"output":1}})" "\n"
      R"({"id":"b","type":"gemini","tokens":{"input":)" + u64_max + R"(,"output":1}})" "\n"
      R"({"id":"c","type":"gemini","tokens":{"input":)" + i64_max + R"(,"tool":1}})" "\n"
      R"({"id":"d","type":"gemini","tokens":{"output":)" + i64_max + R"(,"thoughts":)" + i64_max + "}}\n"
      R"({"id":"a","type":"gemini","tokens":{"input":-1}})" "\n";
  const auto r = tu::gemini::parse_jsonl(bytes);
  BOOST_TEST(r.skipped_lines == 4u);
  BOOST_REQUIRE_EQUAL(r.messages.size(), 1u);  // "a" keeps its earlier good copy
  BOOST_TEST(r.messages[0].usage.input == 5u);
  const auto doc = tu::gemini::parse_document(R"({"messages":[{"id":"x","type":"gemini","tokens":{"input":)" + u64_max +
                                               R"(}},{"id":"y","type":"gemini","tokens":{"input":3}}]})");
  BOOST_TEST(doc.skipped_lines == 1u);
  BOOST_TEST(doc.messages.size() == 1u);
}

BOOST_AUTO_TEST_CASE(cursor_line_out_of_range_is_skipped) {
  const auto line = [](const std::string& gen, const std::string& input, const std::string& output) {
    return R"({"conversationId":"c","generationId":")" + gen + R"(","model":"m","inputTokens":)" + input +
           R"(,"outputTokens":)" + output + R"(,"cacheReadTokens":0,"cacheWriteTokens":0,"timestamp":"2026-01-01T00:00:00.000Z"})" "\n";
  };
  const auto r = tu::parse_cursor_log(line("a", u64_max, "1") + line("b", i64_max, "1") + line("c", "7", "1"));
  BOOST_TEST(r.skipped_lines == 2u);
  BOOST_REQUIRE_EQUAL(r.entries.size(), 1u);
  BOOST_CHECK_THROW(tu::cursor_hook_line(R"({"generation_id":"g","input_tokens":)" + i64_max + R"(,"output_tokens":1})", 0),
                    okstra::error);
  BOOST_CHECK_THROW(tu::cursor_hook_line(R"({"generation_id":"g","input_tokens":)" + u64_max + "}", 0), okstra::error);
}

// Three records of 2^63-1 each: the first is admitted, the other two would
// take the total past max_count and are skipped (counted, warned), whatever
// order they come in.
BOOST_AUTO_TEST_CASE(admission_drops_records_that_would_overflow_a_total) {
  for (int rotation = 0; rotation < 3; ++rotation) {
    tu::collection c;
    std::vector<tu::record> rs = {record_of(tu::max_count, 1000, "s1"), record_of(tu::max_count, 2000, "s2"),
                                  record_of(tu::max_count, 3000, "s3")};
    std::rotate(rs.begin(), rs.begin() + rotation, rs.end());
    c.records = rs;
    tu::detail::admit_within_limits(c);
    BOOST_REQUIRE_EQUAL(c.records.size(), 1u);
    BOOST_TEST(c.records[0].session_id == "s1");  // canonical order: the earliest stays
    BOOST_TEST(c.stats[0].usage.input == tu::max_count);
    BOOST_TEST(c.stats[0].records == 1u);
    BOOST_TEST(c.stats[0].skipped_lines == 2u);
    BOOST_REQUIRE_EQUAL(c.warnings.size(), 1u);
    BOOST_TEST(c.warnings[0].find("skipped 2 claude record(s)") == 0u);
    BOOST_TEST(c.warnings[0].find("'s2'") != std::string::npos);
  }
  // Nothing near the limit: nothing changes, stats are summed.
  tu::collection small;
  small.records = {record_of(5, 1, "a"), record_of(7, 2, "b")};
  tu::detail::admit_within_limits(small);
  BOOST_TEST(small.records.size() == 2u);
  BOOST_TEST(small.stats[0].usage.input == 12u);
  BOOST_TEST(small.warnings.empty());
}

// The grand totals are checked in one pass, in 128 bits: a total of exactly
// max_count is admitted whole, one more token in another bucket, or reasoning
// tokens (not part of the total) past max_count, drop the record that passes it.
BOOST_AUTO_TEST_CASE(admission_at_the_limit_drops_only_what_passes_it) {
  const auto admitted = [](std::vector<tu::record> rs) {
    tu::collection c;
    c.records = std::move(rs);
    tu::detail::admit_within_limits(c);
    return c;
  };
  tu::record last = record_of(0, 2000, "s2");
  last.usage.output = 1;
  const auto exact = admitted({record_of(tu::max_count - 1, 1000, "s1"), last});
  BOOST_TEST(exact.records.size() == 2u);
  BOOST_TEST(exact.stats[0].usage.total() == tu::max_count);
  BOOST_TEST(exact.stats[0].records == 2u);
  BOOST_TEST(exact.warnings.empty());
  last.usage.output = 2;
  const auto over = admitted({last, record_of(tu::max_count - 1, 1000, "s1")});
  BOOST_TEST_REQUIRE(over.records.size() == 1u);
  BOOST_TEST(over.records[0].session_id == "s1");
  BOOST_TEST(over.stats[0].usage.total() == tu::max_count - 1);
  BOOST_TEST(over.stats[0].skipped_lines == 1u);
  tu::record thinking = record_of(1, 1000, "s1"), more = record_of(1, 2000, "s2");
  thinking.usage.reasoning = tu::max_count;
  more.usage.reasoning = 1;
  const auto reasoning = admitted({thinking, more});
  BOOST_TEST_REQUIRE(reasoning.records.size() == 1u);
  BOOST_TEST(reasoning.stats[0].usage.reasoning == tu::max_count);
  BOOST_TEST(reasoning.stats[0].usage.input == 1u);
}

// Records that bypass collect() get an error, never a wrapped total.
BOOST_AUTO_TEST_CASE(report_and_run_summary_refuse_wrapping_totals) {
  const std::vector<tu::record> rs = {record_of(tu::max_count, 1000, "s"), record_of(tu::max_count, 2000, "s"),
                                      record_of(tu::max_count, 3000, "s")};
  tu::report_options o;
  o.kind = tu::report_kind::daily;
  o.time_zone = "UTC";
  const std::array<tu::source_stats, 4> no_stats{};
  try {
    tu::build_report(rs, no_stats, tu::price_table::embedded(), o);
    BOOST_FAIL("build_report accepted totals that do not fit");
  } catch (const okstra::error& e) {
    BOOST_TEST(static_cast<int>(e.code()) == 3);
    BOOST_TEST(std::string(e.what()).find("token totals do not fit") == 0u);
  }
  // One record of 2^63-1 tokens is priced without wrapping (128-bit money).
  const auto one = tu::build_report({rs[0]}, no_stats, tu::price_table::embedded(), o);
  BOOST_TEST(one.totals.input == tu::max_count);
  BOOST_TEST(one.total_cost_usd > 2.7e13);  // 3 USD per million input tokens
  tu::run_info run;
  run.lead_session = "s";
  BOOST_CHECK_THROW(tu::summarise_run(run, rs, tu::price_table::embedded()), okstra::error);
  const auto fine = tu::summarise_run(run, {rs[0]}, tu::price_table::embedded());
  BOOST_TEST(fine.totals.total_tokens == tu::max_count);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_limits_test
