// libFuzzer target: the plan report reader (front matter, §1 section, pipe
// tables) and the verdict. The input is a report; after a "\0\0" separator,
// the rest is taken as its data.json. Beyond "no crash, leak or sanitizer
// report", every result must keep the gate's promises:
// - an absent gate has no blockers and no reason; an unreadable one has no
//   blockers; every blocker is a C-NNN row blocking approval, open/answered;
// - reasons are one line each, and valid exactly when there are none;
// - CRLF line ends and a UTF-8 BOM never change the result;
// - the JSON is valid UTF-8, parses, and --quiet output is one line.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "okstra/clarification/clarification.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/utf8.hpp"

namespace {

namespace cl = okstra::clarification;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_plan_report: %s: %s\n", what, detail.c_str());
  std::abort();
}

bool one_line(const std::string& s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  return !s.empty();
}

void check_gate(const cl::gate_scan& gate) {
  if (!gate.present && (!gate.blockers.empty() || !gate.readable())) fail("absent gate with content", "");
  if (!gate.readable() && !gate.blockers.empty()) fail("unreadable gate with blockers", gate.unreadable_reason);
  if (!gate.readable() && !one_line(gate.unreadable_reason)) fail("reason is not one line", gate.unreadable_reason);
  for (const auto& b : gate.blockers) {
    if (!cl::detail::is_clarification_id(b.id)) fail("blocker with a bad id", b.id);
    if (b.status != "open" && b.status != "answered") fail("blocker with a closed status", b.status);
    bool approval = false;
    for (const auto& token : b.blocks) approval = approval || token == "approval";
    if (!approval) fail("blocker that does not block approval", b.id);
  }
}

void check_verdict(const cl::plan_result& r) {
  if (r.valid != r.reasons.empty()) fail("valid disagrees with reasons", cl::to_json(r, false));
  if (r.valid && (!r.approved || !r.gate.readable() || !r.gate.blockers.empty()))
    fail("valid without approval or with a closed gate", cl::to_json(r, false));
  for (const auto& reason : r.reasons)
    if (!one_line(reason)) fail("reason is not one line", reason);
  const std::string compact = cl::to_json(r, false), pretty = cl::to_json(r, true);
  if (!okstra::utf8::is_valid(compact) || !okstra::utf8::is_valid(pretty)) fail("JSON is not UTF-8", compact);
  if (compact.find('\n') != std::string::npos) fail("compact JSON has a newline", compact);
  try {
    const auto doc = okstra::json::parse(compact, "compact");
    if (!doc.IsObject() || !okstra::json::get_bool(doc, "valid")) fail("JSON lacks its fields", compact);
    okstra::json::parse(pretty, "pretty");
  } catch (const okstra::error& e) {
    fail("JSON does not parse", std::string(e.what()) + " in " + compact);
  }
}

std::string with_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view report(reinterpret_cast<const char*>(data), size);
  std::string_view data_json;
  const bool has_data_json = report.find(std::string_view("\0\0", 2)) != std::string_view::npos;
  if (has_data_json) {
    const std::size_t split = report.find(std::string_view("\0\0", 2));
    data_json = report.substr(split + 2);
    report = report.substr(0, split);
  }
  const cl::front_matter fm = cl::read_front_matter(report);
  if (fm.closed && !fm.present) fail("closed front matter that is not present", "");
  const cl::gate_scan gate = cl::scan_approval_gate(report);
  check_gate(gate);
  cl::data_json_check check;
  if (has_data_json) check = cl::inspect_data_json("data.json", data_json);
  if (check.present && check.approved.has_value() != check.unreadable_reason.empty())
    fail("data.json both readable and not", check.unreadable_reason);
  const cl::plan_result result = cl::judge_plan("plan.md", report, check);
  check_verdict(result);
  const std::string expected = cl::to_json(result, false);
  // Line ends and a BOM are not content: the same report, the same verdict.
  if (report.find('\r') == std::string_view::npos &&
      cl::to_json(cl::judge_plan("plan.md", with_crlf(report), check), false) != expected)
    fail("CRLF changed the verdict", expected);
  if (report.substr(0, 3) != "\xEF\xBB\xBF" &&
      cl::to_json(cl::judge_plan("plan.md", "\xEF\xBB\xBF" + std::string(report), check), false) != expected)
    fail("a BOM changed the verdict", expected);
  return 0;
}
