// Cases for the blocks report (docs/usage-blocks.md, "Blocks"): blocks per source
// that never mix, gaps, the active block's burn rate and projection, --active
// as a filter, and the anchor to an official window. Every expected number is
// worked out by hand in the comment above it.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "okstra/core/time.hpp"
#include "okstra/token_usage/report.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_blocks_test {

using okstra::test::at;

tu::record rec(tu::source src, const char* when, std::uint64_t input, const char* model = "claude-opus-4-6") {
  tu::record r;
  r.src = src;
  r.timestamp_ms = at(when);
  r.model = model;
  r.usage.input = input;
  r.session_id = "s";
  r.project = "/p/app";
  return r;
}

const std::array<tu::source_stats, 4> no_stats{};

tu::report blocks(const std::vector<tu::record>& rs, const char* now, tu::report_filter filter = {},
                  bool active_only = false, std::vector<tu::block_anchor> anchors = {}) {
  tu::report_options o;
  o.kind = tu::report_kind::blocks;
  o.time_zone = "UTC";
  o.filter = std::move(filter);
  o.now_ms = at(now);
  o.active_only = active_only;
  o.block_anchors = std::move(anchors);
  return tu::build_report(rs, no_stats, tu::price_table::embedded(), o);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const auto claude = tu::source::claude;
const auto codex = tu::source::codex;


BOOST_AUTO_TEST_SUITE(blocks_report)

// A Codex call at 09:30 would open a mixed block at 09:00 and pull the Claude
// calls of 10:15 and 12:00 into it; per source, Claude's block stays 10:00–15:00.
BOOST_AUTO_TEST_CASE(a_codex_call_never_moves_a_claude_block) {
  const std::vector<tu::record> only_claude = {rec(claude, "2026-11-24T10:15:00Z", 1'000),
                                               rec(claude, "2026-11-24T12:00:00Z", 500)};
  auto both = only_claude;
  both.push_back(rec(codex, "2026-11-24T09:30:00Z", 300, "gpt-5"));
  both.push_back(rec(codex, "2026-11-24T14:45:00Z", 200, "gpt-5"));
  const auto alone = blocks(only_claude, "2026-11-25T00:00:00Z");
  const auto mixed = blocks(both, "2026-11-25T00:00:00Z");
  BOOST_TEST_REQUIRE(alone.rows.size() == 1u);
  // Claude first (all_sources order), then Codex's 09:00 block and, 14:45 being
  // past its end (14:00), a second one at 14:00.
  BOOST_TEST_REQUIRE(mixed.rows.size() == 3u);
  const auto& c = mixed.rows[0];
  BOOST_TEST((c.row_source == claude && c.key == "2026-11-24T10:00:00Z"));
  BOOST_TEST(*c.block_start_ms == *alone.rows[0].block_start_ms);
  BOOST_TEST(*c.block_end_ms == at("2026-11-24T15:00:00Z"));
  BOOST_TEST((c.usage == alone.rows[0].usage));
  BOOST_TEST(c.cost_usd == alone.rows[0].cost_usd);
  BOOST_TEST((mixed.rows[1].row_source == codex && mixed.rows[1].key == "2026-11-24T09:00:00Z"));
  BOOST_TEST((mixed.rows[2].row_source == codex && mixed.rows[2].key == "2026-11-24T14:00:00Z"));
  // Selecting Claude from the mixed logs prints what the Claude logs alone print.
  tu::report_filter f;
  f.sources = {claude};
  BOOST_TEST(tu::render_json(blocks(both, "2026-11-25T00:00:00Z", f), false) == tu::render_json(alone, false));
  // The totals stay those of every record: each lies in exactly one block.
  BOOST_TEST(mixed.totals.input == 2'000u);
  const std::string json = tu::render_json(mixed, false);
  BOOST_TEST(has(json, R"("active":false,"source":"claude","anchored":false,"elapsedMinutes":null,)"
                       R"("remainingMinutes":null,"burnRate":null,"projection":null})"));
  BOOST_TEST(has(tu::render_csv(mixed), ",end,lastActivity,active,source\n"));
  BOOST_TEST(has(tu::render_csv(mixed), ",false,codex\n"));
  // Several sources: a heading per source in the table.
  const std::string table = tu::render_table(mixed, {80, false, false});
  BOOST_TEST(has(table, "\nclaude:\n2026-11-24 10:00 "));
  BOOST_TEST(has(table, "\ncodex:\n2026-11-24 09:00 "));
}

// Claude: 01:10 and 03:00 → block 01:00–06:00; 09:20 → 09:00–14:00 (gap
// 06:00–09:00, 180 min); 14:00 is the end → 14:00–19:00, no gap; 23:59 →
// 23:00 (gap 19:00–23:00, 240 min). Codex 02:30 and 08:05 (5:35 later): its
// own blocks 02:00–07:00 and 08:00–13:00, gap 07:00–08:00 (60 min).
BOOST_AUTO_TEST_CASE(gaps_lie_between_one_blocks_end_and_the_next_start_of_the_same_source) {
  const std::vector<tu::record> rs = {
      rec(claude, "2026-11-24T01:10:00Z", 1), rec(claude, "2026-11-24T03:00:00Z", 1),
      rec(claude, "2026-11-24T09:20:00Z", 1), rec(claude, "2026-11-24T14:00:00Z", 1),
      rec(claude, "2026-11-24T23:59:00Z", 1), rec(codex, "2026-11-24T02:30:00Z", 1, "gpt-5"),
      rec(codex, "2026-11-24T08:05:00Z", 1, "gpt-5"),
  };
  const auto r = blocks(rs, "2026-11-26T00:00:00Z");
  BOOST_TEST(r.rows.size() == 6u);
  const std::string json = tu::render_json(r, false);
  BOOST_TEST(has(json, R"("unpricedModels":[],"gaps":[)"
                       R"({"source":"claude","start":"2026-11-24T06:00:00Z","end":"2026-11-24T09:00:00Z","minutes":180},)"
                       R"({"source":"claude","start":"2026-11-24T19:00:00Z","end":"2026-11-24T23:00:00Z","minutes":240},)"
                       R"({"source":"codex","start":"2026-11-24T07:00:00Z","end":"2026-11-24T08:00:00Z","minutes":60}]})"));
  const std::string table = tu::render_table(r, {200, false, false});
  BOOST_TEST(has(table, "\n(gap 3h 00m)\n2026-11-24 09:00 "));
  BOOST_TEST(has(table, "\n2026-11-24 09:00 "));
  BOOST_TEST(!has(table, "\n(gap 0m)"));  // 09:00–14:00 and 14:00–19:00 touch
  BOOST_TEST(has(table, "\n(gap 4h 00m)\n2026-11-24 23:00 "));
  BOOST_TEST(has(table, "\n(gap 1h 00m)\n2026-11-24 08:00 "));
  // Other reports carry no gaps key.
  tu::report_options o;
  o.kind = tu::report_kind::daily;
  o.time_zone = "UTC";
  BOOST_TEST(!has(tu::render_json(tu::build_report(rs, no_stats, tu::price_table::embedded(), o), false), "gaps"));
}

// The active block: records at 10:15 (1,000 input) and 10:40 (2,000) of
// claude-opus-4-6 (5 USD per million input tokens), now 10:45.
// Block 10:00–15:00: elapsed 45 min, remaining 255 min. Burn rate over the
// 30 min since the first record: 3,000 / 30 = 100 tokens/min; cost 0.015 USD
// over 0.5 h = 0.03 USD/h. Projection: 3,000 + 100 × 255 = 28,500 tokens;
// 0.015 + 0.03 × 4.25 = 0.1425 USD.
BOOST_AUTO_TEST_CASE(the_active_block_has_a_burn_rate_and_a_projection) {
  const std::vector<tu::record> rs = {rec(claude, "2026-11-24T10:15:00Z", 1'000),
                                      rec(claude, "2026-11-24T10:40:00Z", 2'000)};
  const auto r = blocks(rs, "2026-11-24T10:45:00Z");
  BOOST_TEST_REQUIRE(r.rows.size() == 1u);
  const auto& row = r.rows[0];
  BOOST_TEST_REQUIRE(row.live.has_value());
  BOOST_TEST(row.live->elapsed_ms == 45 * 60'000);
  BOOST_TEST(row.live->remaining_ms == 255 * 60'000);
  BOOST_TEST(row.live->tokens_per_minute == 100.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(row.live->usd_per_hour == 0.03, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(row.live->projected_tokens == 28'500u);
  BOOST_TEST(row.live->projected_cost_usd == 0.1425, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(has(tu::render_json(r, false),
                 R"("active":true,"source":"claude","anchored":false,"elapsedMinutes":45,"remainingMinutes":255,)"
                 R"("burnRate":{"tokensPerMinute":100,"usdPerHour":0.03},"projection":{"total":28500,"costUsd":0.1425}})"));
  // The table's note under the rows, wrapped at 80 columns.
  const std::string table = tu::render_table(r, {80, false, false});
  BOOST_TEST(has(table, "2026-11-24 10:00 (active)"));
  BOOST_TEST(has(table, "\nactive claude block: 45m elapsed, 4h 15m left until 15:00; burn rate 100\n"
                        "  tokens/min, 0.03 USD/h; projected to the block's end: 28,500 tokens, 0.14 USD\n"));
  // One record 10 s ago: the rate is over one minute, not 10 s.
  const auto fresh = blocks({rec(claude, "2026-11-24T10:44:50Z", 600)}, "2026-11-24T10:45:00Z");
  BOOST_TEST(fresh.rows.at(0).live->tokens_per_minute == 600.0, boost::test_tools::tolerance(1e-9));
}

// --active keeps only the records of the active block of each source: Claude's
// 10:00 block (3,000 tokens) but not its 02:00 one; Codex has no active block
// (its last call, 03:00, is more than 5 h before now).
BOOST_AUTO_TEST_CASE(active_only_is_a_filter) {
  const std::vector<tu::record> rs = {rec(claude, "2026-11-24T02:00:00Z", 7), rec(claude, "2026-11-24T10:15:00Z", 1'000),
                                      rec(claude, "2026-11-24T10:40:00Z", 2'000), rec(codex, "2026-11-24T03:00:00Z", 9, "gpt-5")};
  const auto r = blocks(rs, "2026-11-24T10:45:00Z", {}, true);
  BOOST_TEST_REQUIRE(r.rows.size() == 1u);
  BOOST_TEST(r.rows[0].key == "2026-11-24T10:00:00Z");
  BOOST_TEST(r.rows[0].active);
  BOOST_TEST(r.totals.input == 3'000u);
  BOOST_TEST(r.gaps.empty());
  BOOST_TEST_REQUIRE(r.by_source.size() == 1u);
  BOOST_TEST(r.by_source[0].stats.records == 2u);
  // No block is active a day later: an empty report.
  const auto none = blocks(rs, "2026-11-25T12:00:00Z", {}, true);
  BOOST_TEST(none.rows.empty());
  BOOST_TEST(none.totals.total() == 0u);
}

// Codex's official window 10:30–15:30 (resets_at 15:30 minus 300 minutes).
// 09:10 opens a block at 09:00 that ends at the window's start, 10:30; 10:45
// and 12:00 lie in the window: one block 10:30–15:30, active at 12:30 (elapsed
// 120, remaining 180 min; 1,050 tokens over the 105 min since 10:45 = 10
// tokens/min; projection 1,050 + 10 × 180 = 2,850). 15:40 opens a block at
// max(15:00, 15:30) = 15:30 → 20:30; 21:00 a block at 21:00 (gap 30 min).
// Claude's block is the same with or without the window.
BOOST_AUTO_TEST_CASE(blocks_anchor_to_the_official_window) {
  const std::vector<tu::record> rs = {
      rec(codex, "2026-11-24T09:10:00Z", 5, "gpt-5"),    rec(codex, "2026-11-24T10:45:00Z", 700, "gpt-5"),
      rec(codex, "2026-11-24T12:00:00Z", 350, "gpt-5"),  rec(codex, "2026-11-24T15:40:00Z", 1, "gpt-5"),
      rec(codex, "2026-11-24T21:00:00Z", 1, "gpt-5"),    rec(claude, "2026-11-24T10:50:00Z", 10),
  };
  const tu::block_anchor window{codex, at("2026-11-24T10:30:00Z"), at("2026-11-24T15:30:00Z")};
  const auto plain = blocks(rs, "2026-11-24T12:30:00Z");
  const auto r = blocks(rs, "2026-11-24T12:30:00Z", {}, false, {window});
  BOOST_TEST_REQUIRE(r.rows.size() == 5u);
  BOOST_TEST(tu::render_json(plain, false).find(R"("anchored":true)") == std::string::npos);
  BOOST_TEST((r.rows[0].row_source == claude && r.rows[0].key == plain.rows[0].key && !r.rows[0].anchored));
  const auto span = [&](std::size_t i) {
    return r.zone.format_iso(*r.rows[i].block_start_ms) + " " + r.zone.format_iso(*r.rows[i].block_end_ms);
  };
  BOOST_TEST(span(1) == "2026-11-24T09:00:00Z 2026-11-24T10:30:00Z");
  BOOST_TEST(span(2) == "2026-11-24T10:30:00Z 2026-11-24T15:30:00Z");
  BOOST_TEST(span(3) == "2026-11-24T15:30:00Z 2026-11-24T20:30:00Z");
  BOOST_TEST(span(4) == "2026-11-24T21:00:00Z 2026-11-25T02:00:00Z");
  BOOST_TEST((r.rows[2].anchored && r.rows[2].active && r.rows[2].usage.input == 1'050u));
  BOOST_TEST_REQUIRE(r.rows[2].live.has_value());
  BOOST_TEST(r.rows[2].live->tokens_per_minute == 10.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(r.rows[2].live->projected_tokens == 2'850u);
  const std::string json = tu::render_json(r, false);
  BOOST_TEST(has(json, R"("active":true,"source":"codex","anchored":true,"elapsedMinutes":120,"remainingMinutes":180,)"
                       R"("burnRate":{"tokensPerMinute":10,)"));
  BOOST_TEST(has(json, R"("gaps":[{"source":"codex","start":"2026-11-24T20:30:00Z","end":"2026-11-24T21:00:00Z","minutes":30}])"));
  BOOST_TEST(has(tu::render_table(r, {80, false, false}), "active codex block (official window): 2h 00m elapsed"));
  // An empty or inverted window anchors nothing.
  const auto inverted = blocks(rs, "2026-11-24T12:30:00Z", {}, false, {{codex, window.end_ms, window.start_ms}});
  BOOST_TEST(tu::render_json(inverted, false) == tu::render_json(plain, false));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_blocks_test
