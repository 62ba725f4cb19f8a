// Tests of okstra/clarification: the pipe-table row splitter, headings, front
// matter and the section-1 gate (this file); Markdown as CommonMark renders it in
// clarification_markdown_test.cpp; approval, data.json and the verdict in
// clarification_plan_test.cpp.
#define BOOST_TEST_MODULE clarification
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "okstra/clarification/clarification.hpp"

namespace cl = okstra::clarification;
namespace cd = okstra::clarification::detail;
using strings = std::vector<std::string>;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace clarification_test {

strings cells(std::string_view line) { return cd::split_table_row(line).cells; }

// A report whose section 1 holds `table` (lines joined with '\n').
std::string report_with(const std::string& table) {
  return "---\napproved: true\n---\n\n# Plan\n\n## 1. Clarification Items\n\n" + table + "\n## 2. Stages\n";
}

cl::gate_scan scan_table(const std::string& table) { return cl::scan_approval_gate(report_with(table)); }

strings blocker_ids(const cl::gate_scan& scan) {
  strings ids;
  for (const auto& b : scan.blockers) ids.push_back(b.id);
  return ids;
}

// The reason of an unreadable gate must contain `part` (and be one line).
void expect_unreadable(const cl::gate_scan& scan, std::string_view part) {
  BOOST_TEST(scan.present);
  BOOST_TEST(!scan.readable());
  BOOST_TEST(scan.blockers.empty());
  BOOST_TEST(scan.unreadable_reason.find(part) != std::string::npos, scan.unreadable_reason << " lacks " << part);
  BOOST_TEST(scan.unreadable_reason.find('\n') == std::string::npos);
}

const std::string header = "| ID | Question | Blocks | Status |\n|---|---|---|---|\n";


// ---- pipe-table rows ---------------------------------------------------------

BOOST_AUTO_TEST_SUITE(row_splitting)

BOOST_AUTO_TEST_CASE(leading_and_trailing_pipes_are_optional) {
  BOOST_TEST(cells("| a | b |") == (strings{"a", "b"}));
  BOOST_TEST(cells("a | b") == (strings{"a", "b"}));
  BOOST_TEST(cells("| a | b") == (strings{"a", "b"}));
  BOOST_TEST(cells("a | b |") == (strings{"a", "b"}));
  BOOST_TEST(cells("  |  a  |  b  |  ") == (strings{"a", "b"}));
  BOOST_TEST(cells("| a | |") == (strings{"a", ""}));
  BOOST_TEST(cells("||") == strings{""});
  BOOST_TEST(cells("|").empty());
}

BOOST_AUTO_TEST_CASE(a_line_without_an_unescaped_pipe_is_not_a_row) {
  BOOST_TEST(!cd::split_table_row("plain text").has_pipe);
  BOOST_TEST(!cd::split_table_row("escaped \\| pipe").has_pipe);
  BOOST_TEST(cd::split_table_row("`a | b`").has_pipe);  // as on GitHub, a code span does not hide a pipe
  BOOST_TEST(cd::split_table_row("a | b").has_pipe);
}

BOOST_AUTO_TEST_CASE(escaped_pipes_become_plain_pipes_inside_a_cell) {
  BOOST_TEST(cells("| a \\| b | c |") == (strings{"a | b", "c"}));
  BOOST_TEST(cells("| a \\* b | c |") == (strings{"a \\* b", "c"}));  // other escapes are kept as written
  // An escaped backslash does not escape the pipe after it.
  BOOST_TEST(cells("| a \\\\| b |") == (strings{"a \\\\", "b"}));
}

BOOST_AUTO_TEST_CASE(pipes_inside_code_spans_split_as_on_github) {
  BOOST_TEST(cells("| `a|b` | c |") == (strings{"`a", "b`", "c"}));
  BOOST_TEST(cells("| `a\\|b` | c |") == (strings{"`a|b`", "c"}));
}

BOOST_AUTO_TEST_CASE(empty_cells_and_their_spans) {
  const auto row = cd::split_table_row("  | a || b\\| |");
  BOOST_TEST(row.cells == (strings{"a", "", "b|"}));
  BOOST_REQUIRE(row.spans.size() == 3u);
  BOOST_TEST(row.spans[0].begin == 3u);
  BOOST_TEST(row.spans[0].end == 6u);
  BOOST_TEST(row.spans[1].begin == row.spans[1].end);
  BOOST_TEST((cd::cell_holding(row, 4, 5) == std::optional<std::size_t>(0)));
  BOOST_TEST(!cd::cell_holding(row, 5, 8).has_value());  // across a pipe
}

BOOST_AUTO_TEST_CASE(alignment_rows) {
  for (const char* row : {"|---|---|", "| :--- | ---: |", ":-:|-", "| - |", "|:---:|"})
    BOOST_TEST(cd::is_alignment_row(cd::split_table_row(row)), row);
  for (const char* row : {"---", "| --x |", "| :: |", "| | --- |", "| - - |", "| ID |"})
    BOOST_TEST(!cd::is_alignment_row(cd::split_table_row(row)), row);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- lines -------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(lines)

BOOST_AUTO_TEST_CASE(lines_drop_crlf_and_the_bom) {
  const auto lines = cd::split_lines("\xEF\xBB\xBFone\r\ntwo\n\nthree");
  BOOST_TEST(lines.size() == 4u);
  BOOST_TEST(lines[0].text == "one");
  BOOST_TEST(lines[1].text == "two");
  BOOST_TEST(lines[2].text == "");
  BOOST_TEST(lines[3].number == 4u);
  BOOST_TEST(cd::split_lines("").empty());
  BOOST_TEST(cd::split_lines("x\n").size() == 1u);
}

BOOST_AUTO_TEST_CASE(unicode_spaces_fold_to_one_space) {
  BOOST_TEST(cd::fold("  1.\xC2\xA0"
                      "Clarification\xE2\x80\x83\tItems \xE3\x80\x80") == "1. clarification items");
  BOOST_TEST(cd::fold("Clari\xC2\xAD"
                      "fi\xE2\x80\x8B"
                      "cation") == "clarification");  // invisible characters
  BOOST_TEST(cd::normalize_spaces("C-001\xC2\xA0") == "C-001");
}

BOOST_AUTO_TEST_CASE(entities) {
  BOOST_TEST(cd::decode_entity("&#49;") == "1");
  BOOST_TEST(cd::decode_entity("&#x2E;") == ".");
  BOOST_TEST(cd::decode_entity("&period;") == ".");
  BOOST_TEST(cd::decode_entity("&nbsp;") == "\xC2\xA0");
  BOOST_TEST(cd::decode_entity("&NonBreakingSpace;") == "\xC2\xA0");
  BOOST_TEST(cd::decode_entity("&#0;") == "\xEF\xBF\xBD");
  BOOST_TEST(cd::decode_entity("&#xD800;") == "\xEF\xBF\xBD");
  BOOST_TEST(cd::decode_entity("&#9999999;") == "\xEF\xBF\xBD");
  BOOST_TEST(cd::decode_entity("&eacute;") == "&eacute;");  // not a name the gate needs: kept as written
  BOOST_TEST(cd::decode_entity("&bogus;") == "&bogus;");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- front matter --------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(front_matter_reading)

BOOST_AUTO_TEST_CASE(entries_in_file_order) {
  const auto fm = cl::read_front_matter(
      "---\ntitle: \"A: plan\"\nid: 'it''s'\ntags:\n  - okstra\n  - plan\n# comment\nurl: http://x\n"
      "approved: true # by the user\nnot an entry\n---\nbody\n");
  BOOST_TEST(fm.present);
  BOOST_TEST(fm.closed);
  BOOST_TEST(fm.body_line == 12u);
  BOOST_TEST_REQUIRE(fm.entries.size() == 5u);
  BOOST_TEST(fm.entries[0].key == "title");
  BOOST_TEST(fm.entries[0].value == "A: plan");
  BOOST_TEST(fm.entries[0].quoted);
  BOOST_TEST(fm.entries[1].value == "it's");
  BOOST_TEST(fm.entries[2].key == "tags");
  BOOST_TEST(fm.entries[2].value == "");
  BOOST_TEST(fm.entries[3].value == "http://x");
  BOOST_TEST(fm.entries[4].key == "approved");
  BOOST_TEST(fm.entries[4].value == "true");
  BOOST_TEST(!fm.entries[4].quoted);
  BOOST_TEST(fm.entries[4].line == 9u);
}

BOOST_AUTO_TEST_CASE(crlf_bom_and_trailing_spaces_on_fences) {
  const auto fm = cl::read_front_matter("\xEF\xBB\xBF---  \r\napproved: true\r\n---\r\nbody\r\n");
  BOOST_TEST(fm.closed);
  BOOST_TEST_REQUIRE(fm.find("approved").size() == 1u);
  BOOST_TEST(fm.find("approved")[0].value == "true");
}

BOOST_AUTO_TEST_CASE(duplicates_are_kept_for_the_caller_to_judge) {
  const auto fm = cl::read_front_matter("---\napproved: true\napproved: false\n---\n");
  BOOST_TEST(fm.find("approved").size() == 2u);
  BOOST_TEST(fm.find("Approved").empty());  // keys are case-sensitive, as in YAML
}

BOOST_AUTO_TEST_CASE(absent_or_unclosed) {
  const auto none = cl::read_front_matter("# Plan\n---\napproved: true\n---\n");
  BOOST_TEST(!none.present);
  BOOST_TEST(none.body_line == 1u);
  const auto open = cl::read_front_matter("---\napproved: true\n");
  BOOST_TEST(open.present);
  BOOST_TEST(!open.closed);
  BOOST_TEST(open.entries.empty());
  BOOST_TEST(!cl::read_front_matter("").present);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- the section-1 gate: what it reads ---------------------------------------------

BOOST_AUTO_TEST_SUITE(gate_reading)

BOOST_AUTO_TEST_CASE(no_section_means_no_gate) {
  const auto scan = cl::scan_approval_gate(
      "# Plan\n\n## 2. Stages\n\n| ID | Blocks | Status |\n|-|-|-|\n| C-001 | approval | open |\n");
  BOOST_TEST(!scan.present);
  BOOST_TEST(scan.readable());
  BOOST_TEST(scan.blockers.empty());
}

BOOST_AUTO_TEST_CASE(blockers_are_open_or_answered_rows_that_block_approval) {
  const auto scan = scan_table(header +
                               "| C-001 | q1 | approval | open |\n"
                               "| C-002 | q2 | approval, implementation | answered |\n"
                               "| C-003 | q3 | approval | resolved |\n"
                               "| C-004 | q4 | approval | obsolete |\n"
                               "| C-005 | q5 | implementation | open |\n"
                               "| C-006 | q6 | - | open |\n"
                               "| C-007 | q7 |  | answered |\n");
  BOOST_TEST(scan.present);
  BOOST_TEST(scan.readable());
  BOOST_TEST(blocker_ids(scan) == (strings{"C-001", "C-002"}));
  BOOST_TEST(scan.blockers[0].status == "open");
  BOOST_TEST(scan.blockers[0].question == "q1");
  BOOST_TEST(scan.blockers[1].blocks == (strings{"approval", "implementation"}));
}

BOOST_AUTO_TEST_CASE(status_and_blocks_ignore_case_and_spacing) {
  const auto scan = scan_table(header +
                               "| C-001 | q | APPROVAL | Open |\n"
                               "| C-002 | q |Implementation ,  Approval,approval| ANSWERED |\n"
                               "| C-003 | q | approval | Resolved |\n");
  BOOST_TEST(blocker_ids(scan) == (strings{"C-001", "C-002"}));
  BOOST_TEST(scan.blockers[0].status == "open");
  BOOST_TEST(scan.blockers[1].blocks == (strings{"implementation", "approval"}));
}

BOOST_AUTO_TEST_CASE(columns_in_any_order_with_extra_columns_and_header_case) {
  const auto scan = scan_table(
      "| status | User input | blocks | Notes |  iD  | QUESTION |\n"
      "|:---:|:---|---:|---|---|---|\n"
      "| open | yes | approval | n | C-010 | Which port? |\n");
  BOOST_TEST(blocker_ids(scan) == strings{"C-010"});
  BOOST_TEST(scan.blockers[0].question == "Which port?");
}

BOOST_AUTO_TEST_CASE(no_question_column_gives_an_empty_question) {
  const auto scan = scan_table("| ID | Blocks | Status |\n|---|---|---|\n| C-001 | approval | open |\n");
  BOOST_TEST_REQUIRE(scan.blockers.size() == 1u);
  BOOST_TEST(scan.blockers[0].question == "");
}

BOOST_AUTO_TEST_CASE(questions_are_rendered_text) {
  const auto scan = scan_table(header + "| C-001 | is `a\\|b` or a \\| b **valid**? | approval | open |\n");
  BOOST_TEST_REQUIRE(scan.blockers.size() == 1u);
  BOOST_TEST(scan.blockers[0].question == "is a|b or a | b valid?");
}

BOOST_AUTO_TEST_CASE(an_empty_table_or_a_placeholder_row_has_no_blockers) {
  BOOST_TEST(scan_table(header).readable());
  const auto scan = scan_table(header + "| - | - | - | - |\n|  |  |  |  |\n| \xE2\x80\x94 | | | |\n");
  BOOST_TEST(scan.readable());
  BOOST_TEST(scan.blockers.empty());
}

BOOST_AUTO_TEST_CASE(crlf_and_bom) {
  std::string text = "\xEF\xBB\xBF" + report_with(header + "| C-001 | q | approval | open |\n");
  std::string crlf;
  for (const char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  const auto scan = cl::scan_approval_gate(crlf);
  BOOST_TEST(scan.readable());
  BOOST_TEST(blocker_ids(scan) == strings{"C-001"});
  BOOST_TEST(scan.blockers[0].status == "open");
}

BOOST_AUTO_TEST_CASE(anchored_headings) {
  const std::string table = header + "| C-001 | q | approval | open |\n";
  for (const std::string heading :
       {"## 1. Clarification Items {#clarification-items}",
        "<a id=\"clarification-items\"></a>\n## 1. Clarification Items", "## <a id=\"c\"></a> 1. Clarification Items",
        "## 1. CLARIFICATION ITEMS", "##  1.   Clarification  Items  ##"}) {
    const auto scan = cl::scan_approval_gate("# Plan\n\n" + heading + "\n\n" + table);
    BOOST_TEST(blocker_ids(scan) == strings{"C-001"}, heading);
  }
}

BOOST_AUTO_TEST_CASE(a_later_notes_table_is_left_alone_and_a_second_gate_table_is_read) {
  const auto scan = scan_table(header +
                               "| C-001 | q | approval | open |\n\n### Notes\n\n"
                               "| Term | Meaning |\n|---|---|\n| gate | the approval gate |\n\n"
                               "| ID | Blocks | Status |\n|---|---|---|\n| C-002 | approval | answered |\n");
  BOOST_TEST(scan.readable());
  BOOST_TEST(blocker_ids(scan) == (strings{"C-001", "C-002"}));
}

BOOST_AUTO_TEST_CASE(the_section_ends_at_the_next_level_one_or_two_heading) {
  const std::string later = "| ID | Blocks | Status |\n|---|---|---|\n| C-009 | approval | open |\n";
  const auto at_h2 = cl::scan_approval_gate("## 1. Clarification Items\n\n" + header + "\n## 2. Next\n\n" + later);
  BOOST_TEST(at_h2.readable());
  BOOST_TEST(at_h2.blockers.empty());
  const auto at_h1 = cl::scan_approval_gate("## 1. Clarification Items\n\n" + header + "\n# Appendix\n\n" + later);
  BOOST_TEST(at_h1.blockers.empty());
  const auto h3_inside = cl::scan_approval_gate("## 1. Clarification Items\n\n### Open items\n\n" + later);
  BOOST_TEST(blocker_ids(h3_inside) == strings{"C-009"});
}

BOOST_AUTO_TEST_CASE(a_table_ends_at_a_blank_line) {
  const auto scan = scan_table(header + "| C-001 | q | approval | resolved |\n\nA paragraph.\nProse with a | pipe.\n");
  BOOST_TEST(scan.readable());
  // Any line right under the rows is one more row, as in GitHub's Markdown.
  expect_unreadable(scan_table(header + "| C-001 | q | approval | resolved |\nProse with a | pipe.\n"),
                    "the row on line 12 has 2 cells but the table header has 4");
  expect_unreadable(scan_table(header + "| C-001 | q | approval | resolved |\nA paragraph.\n"),
                    "the row on line 12 has 1 cells but the table header has 4");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gate_unreadable_rows)

// A row cut off its table is not a row to a Markdown renderer, but its author
// meant one: refused, never skipped.
BOOST_AUTO_TEST_CASE(rows_cut_off_their_table) {
  expect_unreadable(
      scan_table(header + "| C-001 | q | approval | resolved |\n\n| C-002 | q | approval | open |\n"),
      "line 13 starts with '|' but is not part of a table; a blank line or a missing alignment row cuts a table");
  expect_unreadable(
      scan_table(header + "| C-001 | q | approval | resolved |\n\nA paragraph.\n| C-002 | q | approval |\n"),
      "line 14 starts with '|'");
  expect_unreadable(scan_table("| ID | Blocks | Status |\n| C-001 | approval | open |\n"), "line 9 starts with '|'");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gate_reading_code)

BOOST_AUTO_TEST_CASE(code_blocks_hide_headings_tables_and_rows) {
  const auto in_fence = cl::scan_approval_gate("```\n## 1. Clarification Items\n```\n");
  BOOST_TEST(!in_fence.present);
  const auto example = scan_table("~~~\n" + header + "| C-001 | q | approval | open |\n~~~\n\n" + header);
  BOOST_TEST(example.readable());
  BOOST_TEST(example.blockers.empty());
}

BOOST_AUTO_TEST_CASE(the_gate_of_a_report_without_front_matter) {
  const auto scan = cl::scan_approval_gate("## 1. Clarification Items\n" + header + "| C-001 | q | approval | open |");
  BOOST_TEST(blocker_ids(scan) == strings{"C-001"});  // no final newline either
}

BOOST_AUTO_TEST_SUITE_END()

// ---- the section-1 gate: what it refuses to read ---------------------------------------

BOOST_AUTO_TEST_SUITE(gate_unreadable)

BOOST_AUTO_TEST_CASE(no_table_under_the_heading) {
  expect_unreadable(scan_table("No open questions.\n"),
                    "no table follows the '1. Clarification Items' heading on line 7");
  expect_unreadable(scan_table("```\n" + header + "```\n"), "no table follows");
  // A table below the next section is not section 1's.
  expect_unreadable(cl::scan_approval_gate("## 1. Clarification Items\n\n## 2. Next\n\n" + header), "no table follows");
}

BOOST_AUTO_TEST_CASE(required_columns) {
  expect_unreadable(scan_table("| Term | Meaning |\n|---|---|\n| a | b |\n"),
                    "the table on line 9 under "
                    "'1. Clarification Items' has no 'ID' column");
  expect_unreadable(scan_table("| ID | Question | Status |\n|---|---|---|\n"), "has no 'Blocks' column");
  expect_unreadable(scan_table("| ID | Question | Blocks |\n|---|---|---|\n"), "has no 'Status' column");
  expect_unreadable(scan_table("| ID | Blocks | Status | status |\n|---|---|---|---|\n"), "has two 'status' columns");
  expect_unreadable(scan_table("| ID | ID | Blocks | Status |\n|---|---|---|---|\n"), "has two 'ID' columns");
}

BOOST_AUTO_TEST_CASE(cell_counts) {
  expect_unreadable(scan_table("| ID | Blocks | Status |\n|---|---|\n"),
                    "the alignment row on line 10 has 2 cells but the header above it has 3");
  expect_unreadable(scan_table(header + "| C-001 | a | pipe | approval | open |\n"),
                    "the row on line 11 has 5 cells but the table header has 4");
  expect_unreadable(scan_table(header + "| C-001 | approval | open |\n"), "has 3 cells but the table header has 4");
}

BOOST_AUTO_TEST_CASE(ids) {
  for (const char* id : {"C1", "C-01", "c-001", "C-001a", "`C1`", "D-001", "C-\xD9\xA1\xD9\xA2\xD9\xA3"})
    expect_unreadable(scan_table(header + "| " + id + " | q | approval | open |\n"), "which is not of the form C-001");
  BOOST_TEST(scan_table(header + "| C-12345 | q | approval | open |\n").readable());
  BOOST_TEST(scan_table(header + "| `C-001` | q | approval | open |\n").readable());  // renders as C-001
  expect_unreadable(scan_table(header + "| C-001 | q | - | resolved |\n| C-001 | q | approval | open |\n"),
                    "ID C-001 appears twice, on lines 11 and 12");
}

BOOST_AUTO_TEST_CASE(statuses_and_blocks) {
  expect_unreadable(scan_table(header + "| C-001 | q | approval | pending |\n"),
                    "the row on line 11 (C-001) has status 'pending', not one of open, answered, resolved, obsolete");
  expect_unreadable(scan_table(header + "| C-001 | q | approval |  |\n"), "has status ''");
  expect_unreadable(scan_table(header + "| C-001 | q | approvel | open |\n"),
                    "the row on line 11 (C-001) blocks 'approvel', not one of approval, implementation, -");
  expect_unreadable(scan_table(header + "| C-001 | q | approval; implementation | open |\n"), "blocks 'approval;");
  expect_unreadable(scan_table(header + "| C-001 | q | \xE2\x80\x94 | open |\n"), "blocks '\xE2\x80\x94'");
}

BOOST_AUTO_TEST_CASE(a_heading_that_drifted_from_the_schema) {
  const std::string table = "\n" + header + "| C-001 | q | approval | open |\n";
  for (const std::string heading : {"## Clarification Items", "## 2. Clarification Items", "### Clarification Items",
                                    "# 2. Clarification Items", "## 1) Clarification items",
                                    "## \xC2\xA7"
                                    "1 Clarification Items"}) {
    const auto scan = cl::scan_approval_gate("# Plan\n\n" + heading + table);
    expect_unreadable(scan, "names the clarification items but is not '1. Clarification Items'");
    BOOST_TEST(scan.unreadable_reason.find("line 3") != std::string::npos, scan.unreadable_reason);
  }
  // A subsection that names the items again inside section 1 is refused too.
  expect_unreadable(scan_table(header + "\n### Clarification items\n"), "on line 12");
}

BOOST_AUTO_TEST_CASE(two_sections) {
  expect_unreadable(
      cl::scan_approval_gate("## 1. Clarification Items\n\n" + header + "\n## 1. Clarification Items\n\n" + header),
      "'1. Clarification Items' appears twice, on lines 1 and 6");
}

BOOST_AUTO_TEST_CASE(reasons_quote_user_text_safely) {
  const std::string long_status(500, 'x');
  const auto scan = scan_table(header + "| C-001 | q | approval | " + long_status + " |\n");
  expect_unreadable(scan, "…'");
  BOOST_TEST(scan.unreadable_reason.size() < 300u);
  const auto control = scan_table(header + "| C-001 | q | approval | a\x1b[31mb |\n");
  expect_unreadable(control, "'a\\x1b[31mb'");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clarification_test
