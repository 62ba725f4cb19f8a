// Cases for the bar at the end of period table rows (docs/usage-reports.md,
// "Bar column"; okstra/core/table.hpp): proportional to the row's total
// tokens, the largest row full, eighths in UTF-8 and '#' in ASCII, only in
// the columns the table leaves free.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "okstra/core/display_width.hpp"
#include "okstra/core/style.hpp"
#include "okstra/core/table.hpp"
#include "okstra/token_usage/report.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_bar_test {

const std::string full = "\xe2\x96\x88";  // "█"

std::string blocks(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += full;
  return out;
}

// A daily report with a row per total (input tokens only), one model each.
tu::report days(const std::vector<std::uint64_t>& totals, tu::report_kind kind = tu::report_kind::daily) {
  tu::report r;
  r.kind = kind;
  int day = 1;
  for (const auto n : totals) {
    tu::report_row row;
    row.key = "2026-11-" + std::string(day < 10 ? "0" : "") + std::to_string(day);
    ++day;
    row.usage.input = n;
    row.models = {"gpt-5"};
    if (kind == tu::report_kind::session) row.last_activity_ms = 0;
    r.totals.input += n;
    r.rows.push_back(std::move(row));
  }
  return r;
}

okstra::style::output_style style_of(int width, bool utf8 = true) {
  okstra::style::output_style s;
  s.width = width;
  s.utf8 = utf8;
  return s;
}

using okstra::test::lines_of;

// The bar that ends `line` ("" when the line has none): what follows the
// last two spaces, when it is made of block characters or '#'.
std::string bar_of(const std::string& line) {
  const auto gap = line.rfind("  ");
  if (gap == std::string::npos) return {};
  const std::string tail = line.substr(gap + 2);
  const bool hashes = !tail.empty() && tail.find_first_not_of('#') == std::string::npos;
  const bool eighths = !tail.empty() && static_cast<unsigned char>(tail[0]) == 0xe2 && tail.size() >= 3 &&
                       static_cast<unsigned char>(tail[1]) == 0x96;
  return hashes || eighths ? tail : std::string();
}


}  // namespace token_usage_bar_test

using namespace token_usage_bar_test;

BOOST_AUTO_TEST_SUITE(token_usage_bar)

BOOST_AUTO_TEST_CASE(bar_lengths_are_proportional_in_eighths) {
  using okstra::table::bar;
  BOOST_TEST(bar(100, 100, 10, true) == blocks(10));  // the largest: full
  BOOST_TEST(bar(50, 100, 10, true) == blocks(5));    // half: half
  BOOST_TEST(bar(0, 100, 10, true).empty());          // zero: empty
  BOOST_TEST(bar(7, 0, 10, true).empty());            // nothing to scale against
  BOOST_TEST(bar(1, 80, 10, true) == "\xe2\x96\x8f");                  // one eighth "▏"
  BOOST_TEST(bar(3, 16, 1, true) == "\xe2\x96\x8e");                   // 1.5 eighths: rounded up to "▎"
  BOOST_TEST(bar(7, 8, 1, true) == "\xe2\x96\x89");                    // seven eighths "▉"
  BOOST_TEST(bar(12, 16, 2, true) == full + "\xe2\x96\x8c");           // 1.5 cells: "█▌"
  BOOST_TEST(bar(1, 1'000'000'000, 10, true) == "\xe2\x96\x8f");       // above zero: at least an eighth
  BOOST_TEST(bar(UINT64_MAX - 1, UINT64_MAX, 60, true) == blocks(60));  // no overflow
  BOOST_TEST(bar(200, 100, 3, true) == blocks(3));                     // never longer than the cells
  // ASCII: whole cells of '#', rounded the same way.
  BOOST_TEST(bar(50, 100, 10, false) == "#####");
  BOOST_TEST(bar(14, 100, 10, false) == "#");
  BOOST_TEST(bar(15, 100, 10, false) == "##");
  BOOST_TEST(bar(1, 1000, 10, false) == "#");
  BOOST_TEST(bar(0, 1000, 10, false).empty());
}

BOOST_AUTO_TEST_CASE(period_rows_end_with_a_bar_in_the_free_columns) {
  const auto r = days({1600, 800, 100, 0});
  for (const int width : {80, 120, 200}) {
    BOOST_TEST_CONTEXT("width " << width) {
      const std::string text = tu::render_table(r, style_of(width));
      const std::string bare = tu::render_table(r, style_of(width), false);
      const auto lines = lines_of(text);
      const auto table_width = okstra::test::widest_line(bare);
      const std::size_t cells = std::min<std::size_t>(width - table_width - 2, 60);
      BOOST_TEST(okstra::test::widest_line(text) <= static_cast<std::size_t>(width));
      BOOST_TEST(okstra::test::widest_line(text) == table_width + 2 + cells);
      BOOST_TEST_REQUIRE(lines.size() == 8u);  // header, rule, 4 rows, rule, total
      BOOST_TEST(bar_of(lines[2]) == blocks(cells));
      BOOST_TEST(okstra::display::width(lines[2]) == table_width + 2 + cells);
      BOOST_TEST(bar_of(lines[3]) == okstra::table::bar(800, 1600, cells, true));
      BOOST_TEST(okstra::display::width(bar_of(lines[3])) == (cells + 1) / 2);
      BOOST_TEST(bar_of(lines[4]) == okstra::table::bar(100, 1600, cells, true));
      BOOST_TEST(!bar_of(lines[4]).empty());
      BOOST_TEST(bar_of(lines[5]).empty());  // zero: no bar, no trailing blanks
      BOOST_TEST(lines[5].back() != ' ');
      BOOST_TEST(bar_of(lines[7]).empty());  // the total row gets none
      BOOST_TEST(lines[7].rfind("Total", 0) == 0u);
      BOOST_TEST(lines[0] == lines_of(bare)[0]);  // the header is unchanged
      // An ASCII locale draws the same bars with '#'.
      BOOST_TEST(tu::render_table(r, style_of(width, false)).find('#') != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(ascii_bars_when_the_locale_is_not_utf8) {
  const auto r = days({1000, 500});
  const std::string text = tu::render_table(r, style_of(80, false));
  const auto lines = lines_of(text);
  const std::size_t cells = 80 - okstra::test::widest_line(tu::render_table(r, style_of(80), false)) - 2;
  BOOST_TEST(bar_of(lines[2]) == std::string(cells, '#'));
  BOOST_TEST(bar_of(lines[3]) == std::string((cells + 1) / 2, '#'));
  BOOST_TEST(text.find("\xe2\x96") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_bar_without_room_or_for_other_reports) {
  // A table that leaves fewer than 8 columns free gets no bar at all.
  const auto r = days({1600, 800});
  const std::size_t table_width = okstra::test::widest_line(tu::render_table(r, style_of(80), false));
  for (const std::size_t w : {table_width, table_width + 2 + 7}) {
    const std::string narrow = tu::render_table(r, style_of(static_cast<int>(w)));
    BOOST_TEST(narrow == tu::render_table(r, style_of(static_cast<int>(w)), false), "width " << w);
  }
  BOOST_TEST(bar_of(lines_of(tu::render_table(r, style_of(static_cast<int>(table_width + 2 + 8))))[2]) == blocks(8));
  // Session and blocks tables have none; --no-bar (bar false) none.
  const auto session = days({1600, 800}, tu::report_kind::session);
  BOOST_TEST(tu::render_table(session, style_of(200)).find("\xe2\x96") == std::string::npos);
  BOOST_TEST(tu::render_table(r, style_of(200), false).find("\xe2\x96") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(grouped_rows_scale_to_the_largest_row_of_the_table) {
  auto r = days({400, 1600, 200});
  r.group = tu::group_by::source;
  r.rows[0].group = "claude";
  r.rows[1].group = "codex";
  r.rows[2].group = "gemini";
  r.rows[1].key = r.rows[0].key;  // two groups in one day
  const auto lines = lines_of(tu::render_table(r, style_of(200)));
  const std::size_t cells = bar_of(lines[3]).size() / full.size();
  BOOST_TEST(bar_of(lines[3]) == blocks(cells));  // the largest (period, group) row: full
  BOOST_TEST(cells > 8u);
  BOOST_TEST(bar_of(lines[2]) == okstra::table::bar(400, 1600, cells, true));
  BOOST_TEST(bar_of(lines[4]) == okstra::table::bar(200, 1600, cells, true));
}

BOOST_AUTO_TEST_CASE(breakdown_and_continuation_lines_have_no_bar) {
  auto r = days({1600, 800});
  r.rows[0].models = {"gpt-5", "gpt-5-codex"};  // a continuation line
  const auto lines = lines_of(tu::render_table(r, style_of(200)));
  BOOST_TEST(!bar_of(lines[2]).empty());
  BOOST_TEST(lines[3].find("gpt-5-codex") != std::string::npos);
  BOOST_TEST(bar_of(lines[3]).empty());
  r.breakdown = true;
  r.rows[0].breakdown = {tu::model_row{}};
  r.rows[0].breakdown[0].model = "gpt-5";
  r.rows[0].breakdown[0].usage.input = 1600;
  const auto with_parts = lines_of(tu::render_table(r, style_of(200)));
  BOOST_TEST(with_parts[3].find("\xe2\x94\x94 gpt-5") != std::string::npos);  // "└ gpt-5"
  BOOST_TEST(bar_of(with_parts[3]).empty());
}

BOOST_AUTO_TEST_SUITE_END()
