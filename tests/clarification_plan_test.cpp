// Tests of okstra/clarification: approval, data.json, the verdict and its JSON.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/clarification/clarification.hpp"
#include "okstra/core/json.hpp"

namespace cl = okstra::clarification;
namespace stdfs = std::filesystem;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace clarification_plan_test {

const std::string clean_gate =
    "\n## 1. Clarification Items\n\n| ID | Blocks | Status |\n|---|---|---|\n| C-001 | approval | resolved |\n";

cl::plan_result judge(const std::string& text, cl::data_json_check data = {}) {
  return cl::judge_plan("plan.md", text, std::move(data));
}

bool has_reason(const cl::plan_result& r, std::string_view part) {
  for (const auto& reason : r.reasons)
    if (reason.find(part) != std::string::npos) return true;
  return false;
}

// A fresh folder under the system temporary folder, removed at the end.
struct temp_folder {
  stdfs::path path;
  temp_folder() {
    std::string pattern = (stdfs::temp_directory_path() / "okstra-clar-XXXXXX").string();
    BOOST_TEST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_folder() {
    std::error_code ec;
    stdfs::remove_all(path, ec);
  }
  stdfs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return path / name;
  }
};


BOOST_AUTO_TEST_SUITE(approval)

BOOST_AUTO_TEST_CASE(front_matter_true_approves) {
  for (const char* value : {"true", "True", "TRUE", "true   # by the user"}) {
    const auto r = judge(std::string("---\napproved: ") + value + "\n---\n" + clean_gate);
    BOOST_TEST(r.approved, value);
    BOOST_TEST(r.valid, value);
    BOOST_TEST(r.reasons.empty());
  }
}

BOOST_AUTO_TEST_CASE(false_is_not_approved) {
  const auto r = judge("---\ntitle: x\napproved: false\n---\n" + clean_gate);
  BOOST_TEST(!r.approved);
  BOOST_TEST(!r.valid);
  BOOST_TEST(has_reason(r, "the plan is not approved: its front matter says 'approved: false' on line 3"));
}

BOOST_AUTO_TEST_CASE(other_values_are_refused_with_their_fix) {
  for (const char* value : {"yes", "on", "1", "\"true\"", "'true'", ""}) {
    const auto r = judge(std::string("---\napproved: ") + value + "\n---\n" + clean_gate);
    BOOST_TEST(!r.approved, value);
    BOOST_TEST(has_reason(r, "is not true or false; write 'approved: true' to approve the plan"), value);
  }
  BOOST_TEST(has_reason(judge("---\napproved: \"true\"\n---\n"), "'\"true\"'"));
}

BOOST_AUTO_TEST_CASE(duplicate_or_unclosed_front_matter_is_refused) {
  const auto twice = judge("---\napproved: true\nid: x\napproved: true\n---\n" + clean_gate);
  BOOST_TEST(!twice.approved);
  BOOST_TEST(has_reason(twice, "the front matter sets 'approved' more than once, on lines 2 and 4"));
  const auto open = judge("---\napproved: true\n" + clean_gate);
  BOOST_TEST(!open.approved);
  BOOST_TEST(has_reason(open, "the front matter opened on line 1 is never closed by a '---' line"));
}

BOOST_AUTO_TEST_CASE(the_legacy_line) {
  for (const char* line : {"- [x] Approved", "- [X] approved", "* [x] Approved  ", "  + [x]   APPROVED"}) {
    const auto r = judge(std::string("# Plan\n\n") + line + "\n" + clean_gate);
    BOOST_TEST(r.approved, line);
    BOOST_TEST(r.valid, line);
  }
  for (const char* line : {"- [ ] Approved", "- [x] Approved by Ann", "[x] Approved", "-[x] Approved"})
    BOOST_TEST(!judge(std::string("# Plan\n\n") + line + "\n").approved, line);
  // Not inside a code block, and not when the front matter says otherwise.
  BOOST_TEST(!judge("```\n- [x] Approved\n```\n").approved);
  BOOST_TEST(!judge("---\napproved: false\n---\n- [x] Approved\n").approved);
  BOOST_TEST(judge("---\ntitle: x\n---\n- [x] Approved\n").approved);
}

BOOST_AUTO_TEST_CASE(no_approval_at_all) {
  const auto r = judge("# Plan\n" + clean_gate);
  BOOST_TEST(!r.approved);
  BOOST_TEST(r.reasons.size() == 1u);
  BOOST_TEST(has_reason(r, "no 'approved: true' and its body no '- [x] Approved' line"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(verdict)

BOOST_AUTO_TEST_CASE(every_reason_is_listed) {
  const auto r = judge(
      "---\napproved: false\n---\n\n## 1. Clarification Items\n\n| ID | Blocks | Status |\n|---|---|---|\n"
      "| C-001 | approval | open |\n| C-002 | approval | answered |\n",
      cl::inspect_data_json("data.json", R"({"approval":{"approved":true}})"));
  BOOST_TEST(!r.valid);
  BOOST_TEST(r.reasons.size() == 4u);
  BOOST_TEST(
      has_reason(r, "clarification item C-001 blocks approval with status 'open'; resolve it or mark it obsolete"));
  BOOST_TEST(has_reason(r, "clarification item C-002 blocks approval with status 'answered'"));
  BOOST_TEST(has_reason(r, "data.json says approval.approved is true but the report is not approved"));
}

BOOST_AUTO_TEST_CASE(an_unreadable_gate_refuses_an_approved_plan) {
  const auto r = judge("---\napproved: true\n---\n\n## 1. Clarification Items\n\nNothing here.\n");
  BOOST_TEST(r.approved);
  BOOST_TEST(!r.valid);
  BOOST_TEST(has_reason(r, "the approval gate cannot be read: no table follows"));
}

BOOST_AUTO_TEST_CASE(no_gate_section_is_valid_when_approved) {
  const auto r = judge("---\napproved: true\n---\n# Plan\n");
  BOOST_TEST(r.valid);
  BOOST_TEST(!r.gate.present);
}

BOOST_AUTO_TEST_CASE(json_keys_in_their_documented_order) {
  const auto r = judge("---\napproved: true\n---\n" + clean_gate,
                       cl::inspect_data_json("d/data.json", R"({"approval":{"approved":false}})"));
  BOOST_TEST(
      cl::to_json(r, false) ==
      R"({"path":"plan.md","approved":true,"gate":{"present":true,"blockers":[],"unreadableReason":null},)"
      R"("dataJson":{"path":"d/data.json","present":true,"approved":false,"agrees":false,"unreadableReason":null},)"
      R"("valid":false,"reasons":["data.json says approval.approved is false but the report is approved"]})");
  const auto doc = okstra::json::parse(cl::to_json(r, true), "pretty");
  BOOST_TEST(doc.IsObject());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(data_json)

BOOST_AUTO_TEST_CASE(shapes) {
  const auto ok = cl::inspect_data_json("data.json", R"({"approval":{"approved":true,"by":"ann"},"stages":[]})");
  BOOST_TEST(ok.present);
  BOOST_TEST((ok.approved == std::optional<bool>(true)));
  BOOST_TEST(ok.unreadable_reason.empty());
  const std::pair<const char*, const char*> bad[] = {
      {R"({"approval":{"approved":true,}})", "data.json is not valid JSON (missing object key at byte 29)"},
      {"", "data.json is not valid JSON (empty document at byte 0)"},
      {"[1]", "data.json is not a JSON object"},
      {"{}", "data.json has no 'approval' object"},
      {R"({"approval":true})", "data.json has no 'approval' object"},
      {R"({"approval":{}})", "data.json has no boolean 'approval.approved'"},
      {R"({"approval":{"approved":"true"}})", "data.json has no boolean 'approval.approved'"},
  };
  for (const auto& [text, reason] : bad) {
    const auto check = cl::inspect_data_json("data.json", text);
    BOOST_TEST(check.present);
    BOOST_TEST(!check.approved.has_value());
    BOOST_TEST(check.unreadable_reason == reason, text);
    BOOST_TEST(has_reason(judge("---\napproved: true\n---\n", check), reason));
  }
}

BOOST_AUTO_TEST_CASE(read_next_to_the_plan) {
  temp_folder dir;
  const auto plan = dir.write("plan.md", "---\napproved: true\n---\n");
  BOOST_TEST(cl::data_json_path(plan) == dir.path / "data.json");
  BOOST_TEST(cl::data_json_path("plan.md") == stdfs::path("data.json"));
  const auto absent = cl::read_data_json(plan);
  BOOST_TEST(!absent.present);
  BOOST_TEST(absent.unreadable_reason.empty());
  BOOST_TEST(cl::validate_plan(plan).valid);

  dir.write("data.json", R"({"approval":{"approved":true}})");
  BOOST_TEST((cl::read_data_json(plan).approved == std::optional<bool>(true)));
  BOOST_TEST(cl::validate_plan(plan).valid);
}

BOOST_AUTO_TEST_CASE(present_but_unusable_is_a_reason_not_an_exception) {
  temp_folder dir;
  const auto plan = dir.write("plan.md", "---\napproved: true\n---\n");
  const auto data = dir.path / "data.json";
  stdfs::create_directory(data);
  BOOST_TEST(cl::read_data_json(plan).unreadable_reason == "data.json is not a regular file");
  stdfs::remove(data);
  stdfs::create_symlink("nowhere.json", data);
  BOOST_TEST(cl::read_data_json(plan).unreadable_reason == "data.json cannot be read (no such file or directory)");
  stdfs::remove(data);
  stdfs::create_symlink("data.json", data);  // a loop
  BOOST_TEST(cl::read_data_json(plan).unreadable_reason.find("data.json cannot be read (") == 0u);
  stdfs::remove(data);
  BOOST_TEST_REQUIRE(::mkfifo(data.c_str(), 0600) == 0);  // must not hang
  BOOST_TEST(cl::read_data_json(plan).unreadable_reason == "data.json is not a regular file");
  const auto r = cl::validate_plan(plan);
  BOOST_TEST(r.data_json.present);
  BOOST_TEST(!r.valid);
}

BOOST_AUTO_TEST_CASE(an_unreadable_plan_is_an_input_error) {
  temp_folder dir;
  try {
    cl::validate_plan(dir.path / "missing.md");
    BOOST_FAIL("no exception");
  } catch (const okstra::error& e) {
    BOOST_TEST(static_cast<int>(e.code()) == 3);
    BOOST_TEST(std::string(e.what()).find("cannot read '") == 0u);
  }
  BOOST_CHECK_THROW(cl::validate_plan(dir.path), okstra::error);  // a folder
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clarification_plan_test
