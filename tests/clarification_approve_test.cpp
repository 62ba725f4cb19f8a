// Tests of the approval step of okstra/clarification: the front-matter
// rewrite (approve, revoke, and the round trip of docs/plan-validate.md,
// "Approving a plan"), the data.json edit, and apply_approval on real files.
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "okstra/clarification/approval.hpp"
#include "okstra/clarification/clarification.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/json.hpp"

namespace cl = okstra::clarification;
namespace stdfs = std::filesystem;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace clarification_approve_test {

const std::string gate =
    "\n## 1. Clarification Items\n\n| ID | Blocks | Status |\n|---|---|---|\n| C-001 | approval | resolved |\n";
const std::string key_line = "approved: true # added by okstra approve";
const std::string block_line = "approved: true # added by okstra approve with this front matter";

std::string approved(const std::string& text) {
  const auto edit = cl::approve_front_matter(text);
  BOOST_TEST(edit.changed);
  return edit.text;
}

// approve changes `text` into `expected`, revoke gives `text` back, and a
// second approve changes nothing.
void round_trip(const std::string& text, const std::string& expected) {
  const std::string once = approved(text);
  BOOST_TEST(once == expected);
  BOOST_TEST(!cl::approve_front_matter(once).changed);
  const auto back = cl::revoke_front_matter(once);
  BOOST_TEST(back.changed);
  BOOST_TEST(back.text == text);
}

void refused(const std::string& text, std::string_view part, bool approve = true) {
  try {
    approve ? cl::approve_front_matter(text) : cl::revoke_front_matter(text);
    BOOST_ERROR("not refused: " << text);
  } catch (const okstra::error& e) {
    BOOST_TEST((e.code() == okstra::exit_code::refused));
    BOOST_TEST(std::string_view(e.what()).find(part) != std::string_view::npos, e.what());
  }
}

std::string read(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write(const stdfs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

struct temp_folder {
  stdfs::path path;
  temp_folder() {
    std::string pattern = (stdfs::temp_directory_path() / "okstra-approve-XXXXXX").string();
    BOOST_TEST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_folder() {
    std::error_code ec;
    stdfs::remove_all(path, ec);
  }
};


BOOST_AUTO_TEST_SUITE(front_matter_rewrite)

BOOST_AUTO_TEST_CASE(adds_the_key_to_an_existing_front_matter) {
  round_trip("---\ntitle: Plan\n---\n# Plan\n" + gate, "---\ntitle: Plan\n" + key_line + "\n---\n# Plan\n" + gate);
  round_trip("---\n---\nbody", "---\n" + key_line + "\n---\nbody");
  round_trip("---\ntitle: x\n---", "---\ntitle: x\n" + key_line + "\n---");
}

BOOST_AUTO_TEST_CASE(replaces_false_in_place) {
  round_trip("---\ntitle: a\napproved: false   # by hand\nz: 1\n---\nbody\n",
             "---\ntitle: a\napproved: true   # by hand\nz: 1\n---\nbody\n");
  round_trip("---\napproved:\tFalse\n---\n", "---\napproved:\tTrue\n---\n");
  round_trip("---\n\"approved\": FALSE\n---\n", "---\n\"approved\": TRUE\n---\n");
}

BOOST_AUTO_TEST_CASE(adds_a_front_matter_when_there_is_none) {
  round_trip("# Plan\n" + gate, "---\n" + block_line + "\n---\n# Plan\n" + gate);
  round_trip("", "---\n" + block_line + "\n---\n");
  round_trip("no newline", "---\n" + block_line + "\n---\nno newline");
}

BOOST_AUTO_TEST_CASE(crlf_line_ends_are_kept) {
  round_trip("# Plan\r\nbody\r\n", "---\r\n" + block_line + "\r\n---\r\n# Plan\r\nbody\r\n");
  // A lone CR ending the last line is not a line end (found by fuzz_approve).
  round_trip("\xEF\xBB\xBFplan\r", "\xEF\xBB\xBF---\n" + block_line + "\n---\nplan\r");
  round_trip("---\r\ntitle: x\r\n---\r\nbody\r\n", "---\r\ntitle: x\r\n" + key_line + "\r\n---\r\nbody\r\n");
  round_trip("---\r\napproved: false\r\n---\r\n", "---\r\napproved: true\r\n---\r\n");
}

BOOST_AUTO_TEST_CASE(a_bom_stays_first) {
  const std::string bom = "\xEF\xBB\xBF";
  round_trip(bom + "# Plan\n", bom + "---\n" + block_line + "\n---\n# Plan\n");
  round_trip(bom + "---\nx: 1\n---\n", bom + "---\nx: 1\n" + key_line + "\n---\n");
}

BOOST_AUTO_TEST_CASE(the_body_is_untouched_byte_for_byte) {
  const std::string body = "# Plan\n\n- [ ] Approved\n\t  odd  spacing \r\n\xFF\xFE bytes\n" + gate;
  const std::string text = "---\ntitle: x\napproved: false\n---\n" + body;
  const std::string once = approved(text);
  BOOST_TEST(once.substr(once.size() - body.size()) == body);
  BOOST_TEST(cl::approve_front_matter(once).text == once);
  const auto verdict = cl::judge_plan("plan.md", once, {});
  BOOST_TEST(verdict.valid);
}

BOOST_AUTO_TEST_CASE(already_approved_plans_are_left_alone) {
  for (const std::string text : {"---\napproved: true\n---\n", "---\napproved: tRuE\n---\n", "- [x] Approved\n"}) {
    const auto edit = cl::approve_front_matter(text);
    BOOST_TEST(!edit.changed);
    BOOST_TEST(edit.text == text);
  }
}

BOOST_AUTO_TEST_CASE(revoke_sets_false_or_removes_what_approve_added) {
  BOOST_TEST(cl::revoke_front_matter("---\napproved: true\n---\nx").text == "---\napproved: false\n---\nx");
  BOOST_TEST(cl::revoke_front_matter("---\napproved: True # c\n---\n").text == "---\napproved: False # c\n---\n");
  BOOST_TEST(cl::revoke_front_matter("---\napproved: tRUE\n---\n").text == "---\napproved: false\n---\n");
  // Not approved: nothing to do.
  for (const std::string text : {"# Plan\n", "---\napproved: false\n---\n", "---\napproved: yes\n---\n"})
    BOOST_TEST(!cl::revoke_front_matter(text).changed);
  // A legacy approval needs an explicit 'approved: false' (the front matter decides).
  BOOST_TEST(cl::revoke_front_matter("- [x] Approved\n").text == "---\napproved: false\n---\n- [x] Approved\n");
  BOOST_TEST(cl::revoke_front_matter("---\nt: 1\n---\n- [x] Approved\n").text ==
             "---\nt: 1\napproved: false\n---\n- [x] Approved\n");
  // approve's line next to a legacy approval: removing it would approve again.
  BOOST_TEST(cl::revoke_front_matter("---\n" + block_line + "\n---\n- [x] Approved\n").text ==
             "---\napproved: false\n---\n- [x] Approved\n");
  // approve's block with a key added since: only its line goes.
  BOOST_TEST(cl::revoke_front_matter("---\n" + block_line + "\nt: 1\n---\nx").text == "---\nt: 1\n---\nx");
}

BOOST_AUTO_TEST_CASE(what_approve_refuses) {
  refused("---\napproved: false\n# never closed\n", "never closed by a '---' line");
  refused("---\napproved: false\napproved: false\n---\n", "more than once, on lines 2 and 3");
  refused("---\napproved: yes\n---\n", "'yes', is not true or false");
  refused("---\napproved: \"false\"\n---\n", "is not true or false");
  refused("---\napproved:\n---\n", "is not true or false");
  refused("---\napproved: fAlse\n---\n", "spelled neither false, False nor FALSE");
  refused("---\napproved: false # added by okstra approve\n---\n", "carries the comment approve adds");
  refused("---\napproved: true\napproved: true\n---\n", "more than once", false);
  refused("---\nx: 1\n", "never closed", false);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(data_json_edit)

BOOST_AUTO_TEST_CASE(approve_sets_three_members_and_keeps_the_others_in_order) {
  const auto out = cl::set_data_json_approval(R"({"z":1,"approval":{"approved":false,"note":"n"},"a":[1.5]})", true,
                                              "ana", "2026-12-05T10:00:00.000Z");
  BOOST_TEST_REQUIRE(out.has_value());
  BOOST_TEST(
      *out ==
      "{\n  \"z\": 1,\n  \"approval\": {\n    \"approved\": true,\n    \"note\": \"n\",\n    \"approvedBy\": \"ana\",\n"
      "    \"approvedAt\": \"2026-12-05T10:00:00.000Z\"\n  },\n  \"a\": [\n    1.5\n  ]\n}\n");
  const auto added = cl::set_data_json_approval(R"({"stages":[]})", true, "b", "t");
  BOOST_TEST_REQUIRE(added.has_value());
  const auto doc = okstra::json::parse(*added, "x");
  BOOST_TEST(doc.MemberBegin()->name.GetString() == std::string("stages"));
  BOOST_TEST(doc["approval"]["approved"].GetBool());
}

BOOST_AUTO_TEST_CASE(revoke_clears_approver_and_time) {
  const auto out = cl::set_data_json_approval(
      R"({"approval":{"approvedBy":"a","approved":true,"approvedAt":"t","x":1}})", false, "", "");
  BOOST_TEST_REQUIRE(out.has_value());
  BOOST_TEST(*out == "{\n  \"approval\": {\n    \"approved\": false,\n    \"x\": 1\n  }\n}\n");
}

BOOST_AUTO_TEST_CASE(nothing_changes_when_already_so) {
  BOOST_TEST(!cl::set_data_json_approval(R"({"approval":{"approved":true}})", true, "a", "t").has_value());
  BOOST_TEST(!cl::set_data_json_approval(R"({"approval":{"approved":false}})", false, "", "").has_value());
}

BOOST_AUTO_TEST_CASE(what_it_refuses) {
  for (const char* text : {"[1]", "{\"approval\": 3}", "{", "\xEF\xBB\xBF{}"}) {
    try {
      cl::set_data_json_approval(text, true, "a", "t");
      BOOST_ERROR("not refused: " << text);
    } catch (const okstra::error& e) {
      BOOST_TEST((e.code() == okstra::exit_code::refused));
      BOOST_TEST(std::string_view(e.what()).starts_with("data.json "), e.what());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(apply_on_files)

BOOST_AUTO_TEST_CASE(approve_then_revoke_on_disk) {
  temp_folder t;
  const std::string plan = "# Plan\n" + gate;
  write(t.path / "plan.md", plan);
  write(t.path / "data.json", R"({"approval":{"approved":false},"stages":[{"n":1}]})");
  const auto done = cl::apply_approval({t.path / "plan.md", true, "ana", "2026-12-05T10:00:00.000Z"});
  BOOST_TEST(done.refusals.empty());
  BOOST_TEST(done.plan_changed);
  BOOST_TEST(done.data_json_changed);
  BOOST_TEST(cl::validate_plan(t.path / "plan.md").valid);
  BOOST_TEST(read(t.path / "data.json").find("\"approvedBy\": \"ana\"") != std::string::npos);
  const auto again = cl::apply_approval({t.path / "plan.md", true, "bob", "later"});
  BOOST_TEST(!again.plan_changed);
  BOOST_TEST(!again.data_json_changed);
  const auto undone = cl::apply_approval({t.path / "plan.md", false, {}, {}});
  BOOST_TEST(undone.refusals.empty());
  BOOST_TEST(read(t.path / "plan.md") == plan);
  BOOST_TEST(read(t.path / "data.json").find("approvedBy") == std::string::npos);
  BOOST_TEST(!cl::validate_plan(t.path / "plan.md").approved);
}

BOOST_AUTO_TEST_CASE(a_blocked_plan_is_refused_and_nothing_is_written) {
  temp_folder t;
  const std::string plan =
      "# Plan\n\n## 1. Clarification Items\n\n| ID | Blocks | Status |\n|---|---|---|\n"
      "| C-001 | approval | open |\n| C-002 | approval | answered |\n";
  write(t.path / "plan.md", plan);
  write(t.path / "data.json", "[]");
  const auto outcome = cl::apply_approval({t.path / "plan.md", true, "a", "t"});
  BOOST_TEST(outcome.refusals.size() == 3u);  // two blockers and data.json
  BOOST_TEST(!outcome.gate_unreadable);
  BOOST_TEST(read(t.path / "plan.md") == plan);
  BOOST_TEST(read(t.path / "data.json") == "[]");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clarification_approve_test
