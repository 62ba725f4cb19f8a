// libFuzzer target: the plan report reader (front matter, Markdown through
// md4c, section 1 and its tables) and the verdict. The input is a
// report; after a "\0\0" separator, the rest is taken as its data.json.
// Beyond "no crash, leak or sanitizer report", every result must keep the
// gate's promises:
// - an absent gate has no blockers and no reason; an unreadable one has no
//   blockers; every blocker is a C-NNN row blocking approval, open/answered;
// - reasons are one line each, and valid exactly when there are none;
// - CRLF line ends and a UTF-8 BOM never change the result;
// - the JSON is valid UTF-8, parses, and --quiet output is one line;
// - a plan that CommonMark renders with an open approval blocker is never
//   valid. The oracle: the report with every '<' made '[' (so it holds no raw
//   HTML, and every tag in md4c-html's output was made by the renderer), with
//   a known section 1 (heading, then a table whose row C-001 blocks approval,
//   open) inserted at a line boundary chosen by the input, under
//   "approved: true". When md4c-html renders that heading as an <h2> followed
//   right away by that table, a reader sees the blocker, so the gate must be
//   present and either unreadable or list a blocker, and the plan is not
//   valid. When the HTML does not show it (the insertion landed in a code
//   block, a list item, ...), nothing is asserted: no false alarms;
// - legacy approval only from a rendered checked task item: a plan approved
//   without an "approved" front-matter key renders an HTML "checked" box.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <md4c-html.h>

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

constexpr unsigned markdown_flags = MD_DIALECT_GITHUB;  // as the gate reads

std::string render_html(std::string_view markdown) {
  std::string html;
  const auto append = [](const MD_CHAR* text, MD_SIZE size, void* out) {
    static_cast<std::string*>(out)->append(text, size);
  };
  if (md_html(markdown.data(), static_cast<MD_SIZE>(markdown.size()), append, &html, markdown_flags, 0) != 0)
    fail("md4c-html failed", std::string(markdown));
  return html;
}

const std::string known_section =
    "## 1. Clarification Items\n\n| ID | Blocks | Status |\n|---|---|---|\n| C-001 | approval | open |\n";
const std::string rendered_section =
    "<h2>1. Clarification Items</h2>\n<table>\n<thead>\n<tr>\n<th>ID</th>\n<th>Blocks</th>\n<th>Status</th>\n"
    "</tr>\n</thead>\n<tbody>\n<tr>\n<td>C-001</td>\n<td>approval</td>\n<td>open</td>\n</tr>\n";

// The oracle described at the top: `report` without raw HTML, the known
// section inserted after line `line` (counted in LFs; past the end: appended).
void check_rendered_blocker(std::string report, std::size_t line) {
  for (char& c : report)
    if (c == '<') c = '[';
  std::size_t at = 0;
  for (std::size_t n = 0; n < line && at < report.size(); ++n) {
    const std::size_t newline = report.find('\n', at);
    at = newline == std::string::npos ? report.size() : newline + 1;
  }
  std::string body = report.substr(0, at);
  if (!body.empty() && body.back() != '\n') body += '\n';
  body += "\n" + known_section + "\n" + report.substr(at);
  if (render_html(body).find(rendered_section) == std::string::npos) return;  // not seen by a reader
  const std::string plan = "---\napproved: true\n---\n" + body;
  const cl::plan_result r = cl::judge_plan("plan.md", plan, {});
  if (!r.gate.present || (r.gate.readable() && r.gate.blockers.empty()) || r.valid)
    fail("a rendered open blocker was not seen", plan + "\n=> " + cl::to_json(r, false));
}

// Approval from the legacy line needs a checked task item in the rendered body.
void check_legacy_approval(std::string_view report, const cl::plan_result& r) {
  const cl::front_matter fm = cl::read_front_matter(report);
  if (!r.approved || !fm.find("approved").empty() || report.find('<') != std::string_view::npos) return;
  std::string_view body = report.substr(0, 3) == "\xEF\xBB\xBF" ? report.substr(3) : report;
  for (std::size_t n = 1; fm.closed && n < fm.body_line && !body.empty(); ++n) {
    const std::size_t newline = body.find('\n');
    body.remove_prefix(newline == std::string_view::npos ? body.size() : newline + 1);
  }
  if (render_html(body).find("checked>") == std::string::npos)
    fail("approved by a legacy line that renders no checked task item", std::string(report));
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
  check_legacy_approval(report, result);
  check_rendered_blocker(std::string(report), size == 0 ? 0 : data[0] % 64);
  check_rendered_blocker(std::string(report), std::string::npos);
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
