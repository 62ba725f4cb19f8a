// Tests of okstra/clarification: the gate reads Markdown as CommonMark (with
// GitHub's tables and task lists) renders it. Each case below is a plan that
// renders an open approval blocker, or no approval, and must be read so.
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "okstra/clarification/clarification.hpp"

namespace cl = okstra::clarification;
using strings = std::vector<std::string>;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace clarification_markdown_test {

const std::string blocker_table =
    "| ID | Question | Blocks | Status |\n|---|---|---|---|\n| C-001 | q | approval | open |\n";

strings blocker_ids(const cl::gate_scan& scan) {
  strings ids;
  for (const auto& b : scan.blockers) ids.push_back(b.id);
  return ids;
}

// `heading` (one or more lines) followed by the blocker table, in an approved report.
std::string approved_with(const std::string& heading, const std::string& before = "# Plan\n\n") {
  return "---\napproved: true\n---\n\n" + before + heading + "\n\n" + blocker_table;
}

void expect_blocked(const std::string& text) {
  const auto scan = cl::scan_approval_gate(text);
  BOOST_TEST(scan.present, text);
  BOOST_TEST(scan.readable(), scan.unreadable_reason);
  BOOST_TEST(blocker_ids(scan) == strings{"C-001"}, text);
  const auto verdict = cl::judge_plan("plan.md", text, {});
  BOOST_TEST(!verdict.valid, text);
}

void expect_refused(const std::string& text, std::string_view reason_part) {
  const auto scan = cl::scan_approval_gate(text);
  BOOST_TEST(scan.present, text);
  BOOST_TEST(!scan.readable(), text);
  BOOST_TEST(scan.unreadable_reason.find(reason_part) != std::string::npos, scan.unreadable_reason);
  BOOST_TEST(!cl::judge_plan("plan.md", text, {}).valid);
}


BOOST_AUTO_TEST_SUITE(headings_as_rendered)

BOOST_AUTO_TEST_CASE(a_fence_opened_in_a_list_item_ends_with_the_item) {
  // CommonMark closes the fence with its list item: the heading after it renders.
  expect_blocked(approved_with("## 1. Clarification Items", "# Plan\n\n- a step\n  ```sh\n  make\n"));
  expect_blocked(approved_with("## 1. Clarification Items", "> ```\n> quoted code\n\n"));
}

BOOST_AUTO_TEST_CASE(escaped_emphasised_and_coded_headings) {
  for (const std::string heading :
       {"## 1\\. Clarification Items", "## **1. Clarification Items**", "## *1.* _Clarification_ Items",
        "## `1. Clarification Items`", "## [1. Clarification Items](#c)", "## 1. ~~Clarification~~ Items",
        "## &#49;&period; Clarification&#x20;Items", "## 1. Clarification Items {#clarification-items}",
        "## 1. Clarification Items ##", "## <span>1. Clarification</span> Items"})
    expect_blocked(approved_with(heading));
}

BOOST_AUTO_TEST_CASE(unicode_spaces_between_the_words) {
  for (const std::string heading : {"## 1.\xC2\xA0"
                                    "Clarification\xC2\xA0Items",
                                    "## 1. Clarification&nbsp;Items",
                                    "## 1.\xE2\x80\x83"
                                    "Clarification\xE3\x80\x80Items",
                                    "## 1. Clari\xC2\xAD"
                                    "fication Items",
                                    "## 1.&#160;Clarification&NonBreakingSpace;Items"})
    expect_blocked(approved_with(heading));
}

BOOST_AUTO_TEST_CASE(setext_headings_and_any_level) {
  for (const std::string heading :
       {"1\\. Clarification Items\n---", "1\\. Clarification Items\n===", "1\\. Clarification\nItems\n-----",
        "**1. Clarification Items**\n===", "# 1. Clarification Items", "### 1. Clarification Items",
        "###### 1. Clarification Items", "> ## 1. Clarification Items"})
    expect_blocked(approved_with(heading));
}

BOOST_AUTO_TEST_CASE(what_does_not_render_as_a_heading) {
  // No gate at all: none of these is a heading to a reader.
  for (const std::string& text :
       strings{"##1. Clarification Items\n\n" + blocker_table, "    ## 1. Clarification Items\n\n" + blocker_table,
               "```\n## 1. Clarification Items\n" + blocker_table + "```\n",
               "<div>\n## 1. Clarification Items\n</div>\n", "<!--\n## 1. Clarification Items\n-->\n"}) {
    BOOST_TEST(!cl::scan_approval_gate(text).present, text);
  }
}

BOOST_AUTO_TEST_CASE(a_title_that_is_not_a_heading_is_refused) {
  // "1. Clarification Items" over "---" is a list item and a rule in CommonMark;
  // a bold line is a paragraph. Either reads like the heading: a gate is meant.
  expect_refused(approved_with("1. Clarification Items\n---"),
                 "line 7, '1. Clarification Items', names the clarification items but is not a heading");
  expect_refused(approved_with("**1. Clarification Items**"),
                 "is not a heading; write it as '## 1. Clarification Items'");
  // A table of contents links to the section; that is not a title.
  const auto toc = cl::scan_approval_gate("# Plan\n\n- [1. Clarification Items](#c)\n- [2. Stages](#s)\n");
  BOOST_TEST(!toc.present);
}

BOOST_AUTO_TEST_CASE(the_section_runs_to_a_heading_of_its_level_or_higher) {
  const std::string later = "\n\n| ID | Blocks | Status |\n|---|---|---|\n| C-009 | approval | open |\n";
  const std::string clean = "| ID | Blocks | Status |\n|---|---|---|\n| C-001 | approval | resolved |\n";
  const auto h3 = cl::scan_approval_gate("### 1. Clarification Items\n\n" + clean + "\n### Next" + later);
  BOOST_TEST(h3.readable());
  BOOST_TEST(h3.blockers.empty());
  const auto h4_inside = cl::scan_approval_gate("### 1. Clarification Items\n\n" + clean + "\n#### Open" + later);
  BOOST_TEST(blocker_ids(h4_inside) == strings{"C-009"});
  const auto setext_end = cl::scan_approval_gate("## 1. Clarification Items\n\n" + clean + "\nStages\n======" + later);
  BOOST_TEST(setext_end.blockers.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tables_as_rendered)

BOOST_AUTO_TEST_CASE(an_empty_cell_written_as_two_pipes_keeps_its_column) {
  // GitHub shows "||" as an empty cell; md4c drops it, so the gate splits the line itself.
  const auto scan = cl::scan_approval_gate(
      "## 1. Clarification Items\n\n| ID | Notes | Status | Other | Blocks |\n|---|---|---|---|---|\n"
      "| C-001 || open | resolved | approval |\n");
  BOOST_TEST(scan.readable(), scan.unreadable_reason);
  BOOST_TEST(blocker_ids(scan) == strings{"C-001"});
}

BOOST_AUTO_TEST_CASE(a_pipe_in_a_code_span_splits_the_cell_as_on_github) {
  // GitHub reads C-001 as open and blocking approval here; the gate must not pass it.
  expect_refused(
      "## 1. Clarification Items\n\n| ID | Question | Blocks | Status |\n|---|---|---|---|\n"
      "| C-001 | `a|approval|open|` | - | resolved |\n",
      "the row on line 5 has 7 cells but the table header has 4");
  // Escaped, it is one cell, and its text is rendered.
  const auto scan = cl::scan_approval_gate(
      "## 1. Clarification Items\n\n| ID | Question | Blocks | Status |\n|---|---|---|---|\n"
      "| C-001 | `a\\|b` | approval | open |\n");
  BOOST_TEST_REQUIRE(scan.blockers.size() == 1u);
  BOOST_TEST(scan.blockers[0].question == "a|b");
}

BOOST_AUTO_TEST_CASE(cells_are_read_as_rendered) {
  const auto scan = cl::scan_approval_gate(
      "## 1. Clarification Items\n\n| **ID** | Blocks | Status |\n|---|---|---|\n"
      "| C&#45;001 | *approval* | `open` |\n| C-002 | approval&nbsp; | open\xC2\xA0|\n");
  BOOST_TEST(scan.readable(), scan.unreadable_reason);
  BOOST_TEST(blocker_ids(scan) == (strings{"C-001", "C-002"}));
}

BOOST_AUTO_TEST_CASE(a_header_and_alignment_row_that_github_would_not_take_as_a_table) {
  expect_refused("## 1. Clarification Items\n\n| Blocks | Status | ID |\n|---|---|\n| approval | open | C-001 |\n",
                 "the alignment row on line 4 has 2 cells but the header above it has 3");
}

BOOST_AUTO_TEST_CASE(a_table_inside_a_list_item_or_quote_is_refused) {
  expect_refused("## 1. Clarification Items\n\n- items:\n\n  " +
                     std::string("| ID | Blocks | Status |\n  |---|---|---|\n") + "  | C-001 | approval | open |\n",
                 "is inside a list item or a block quote");
  expect_refused(
      "## 1. Clarification Items\n\n> | ID | Blocks | Status |\n> |---|---|---|\n> | C-001 | approval | open |\n",
      "the table on line 3 is inside a list item or a block quote");
}

BOOST_AUTO_TEST_CASE(rows_cut_off_by_a_paragraph_start) {
  // A table after a text line is a table to GitHub, a paragraph to md4c: refused either way.
  expect_refused("## 1. Clarification Items\n\nItems:\n" + blocker_table, "line 4 starts with '|'");
}

BOOST_AUTO_TEST_CASE(short_alignment_rows_that_md4c_does_not_take) {
  // GitHub takes "-|-" as an alignment row; md4c wants three dashes per column.
  const std::string clean = "| ID | Blocks | Status |\n|---|---|---|\n| C-001 | approval | resolved |\n\n";
  expect_refused("## 1. Clarification Items\n\n" + clean + "ID | Blocks | Status\n-|:-:|-\nC-002 | approval | open\n",
                 "line 8 reads as an alignment row but does not make a table");
  expect_refused("## 1. Clarification Items\n\n| ID | Blocks | Status |\n|-|-|-|\n| C-002 | approval | open |\n",
                 "line 3 starts with '|'");
}

BOOST_AUTO_TEST_CASE(lone_cr_line_ends) {
  const auto scan = cl::scan_approval_gate(
      "## 1. Clarification Items\r\r| ID | Blocks | Status |\r|---|---|---|\r| C-001 | approval | open |\r");
  BOOST_TEST(blocker_ids(scan) == strings{"C-001"});
}

BOOST_AUTO_TEST_CASE(nul_bytes_are_never_fatal) {
  const char raw[] = "## 1. Clarification Items\n\n| ID | Blocks | Status |\n|---|---|---|\n| C-001 | a\0b | open |\n";
  const std::string text(raw, sizeof raw - 1);
  const auto scan = cl::scan_approval_gate(text);
  BOOST_TEST(!scan.readable());
  BOOST_TEST(scan.unreadable_reason.find("blocks 'a\xEF\xBF\xBD"
                                         "b'") != std::string::npos,
             scan.unreadable_reason);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(legacy_approval_as_rendered)

BOOST_AUTO_TEST_CASE(only_a_rendered_task_item_approves) {
  const std::string gate =
      "\n## 1. Clarification Items\n\n| ID | Blocks | Status |\n|---|---|---|\n| C-001 | - | open |\n";
  const auto approved = [&](const std::string& body) { return cl::judge_plan("plan.md", body + gate, {}).approved; };
  BOOST_TEST(approved("# Plan\n\n- [x] Approved\n"));
  BOOST_TEST(approved("# Plan\n\n- stage one\n- [X] **Approved**\n"));
  BOOST_TEST(approved("# Plan\n\n- list\n  - [x] Approved\n"));
  // Code (indented or fenced), raw HTML, a quote, an ordered list, other text: no approval.
  for (const std::string body :
       {"# Plan\n\n    - [x] Approved\n", "# Plan\n\n```\n- [x] Approved\n```\n", "<div>\n- [x] Approved\n</div>\n",
        "> - [x] Approved\n", "1. [x] Approved\n", "- [x] Approved by Ann\n", "- [x] Approved\n  later\n",
        "- [ ] Approved\n", "Text - [x] Approved\n", "<!--\n- [x] Approved\n-->\n", "- [x] ~~Approved~~\n",
        "- [x] [Approved](#a)\n", "- [x] ![Approved](a.png)\n"})
    BOOST_TEST(!approved(body), body);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clarification_markdown_test
