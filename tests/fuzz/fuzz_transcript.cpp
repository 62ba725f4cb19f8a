// libFuzzer target: the transcript event reader and the conformance rules on
// arbitrary bytes taken as a lead transcript (and as a Bash command line).
// Beyond "no crash, hang, leak or sanitizer report":
// - every diagnostic and violation line number is within the input's line count,
//   and at most max_diagnostics_per_file + 1 diagnostics are kept;
// - main-chain assistant turns never go down, and only assistant lines have one;
// - the summary counts are the violations of each severity, conforms() agrees;
// - a rule is skipped exactly when it carries a reason;
// - the JSON output parses (compact: one line) and has the documented keys;
// - the text output is valid UTF-8, and so is the JUnit output, which holds no
//   control byte XML 1.0 forbids (only tab, line feed, carriage return).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "okstra/conformance/conformance.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/utf8.hpp"

namespace {

namespace cf = okstra::conformance;
namespace tr = okstra::transcript;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz_transcript: %s %s\n", what, detail.c_str());
  std::abort();
}

std::uint64_t count_lines(std::string_view text) {
  std::uint64_t n = 0;
  for (const char c : text) n += c == '\n';
  return n + (!text.empty() && text.back() != '\n');
}

struct turn_checker {
  std::uint64_t last_main = 0, last_line = 0;
  void operator()(const tr::line_event& ev) {
    if (ev.line <= last_line) fail("line numbers do not increase");
    last_line = ev.line;
    if (ev.kind != tr::line_kind::assistant && ev.turn != 0) fail("a turn on a non-assistant line");
    if (ev.kind == tr::line_kind::assistant && ev.turn == 0) fail("an assistant line without a turn");
    if (ev.kind == tr::line_kind::assistant && !ev.is_sidechain) {
      if (ev.turn < last_main) fail("main-chain turns go down");
      last_main = ev.turn;
    }
  }
};

void check_report(const cf::report& r, std::uint64_t lines) {
  if (r.diagnostics.size() > tr::max_diagnostics_per_file + 1) fail("too many diagnostics");
  for (const auto& d : r.diagnostics)
    if (d.line > lines) fail("diagnostic line beyond the input", std::to_string(d.line));
  std::size_t errors = 0, warnings = 0;
  for (const auto& res : r.results) {
    if ((res.status == cf::rule_status::fail) != !res.violations.empty()) fail("status and violations disagree");
    if ((res.status == cf::rule_status::skip) != !res.skip_reason.empty()) fail("a skip without a reason, or a reason without a skip");
    for (const auto& v : res.violations)
      if (v.line && *v.line > lines) fail("violation line beyond the input", std::to_string(*v.line));
    (res.rule->level == cf::severity::error ? errors : warnings) += res.violations.size();
  }
  if (errors != r.errors() || warnings != r.warnings() || r.conforms() != (errors == 0)) fail("summary counts");
}

void check_renderings(const cf::report& r) {
  const std::string compact = cf::to_json(r, false);
  if (compact.find('\n') != std::string::npos) fail("compact JSON spans lines");
  const okstra::json::document doc = okstra::json::parse(compact, "output");  // throws on invalid JSON
  for (const char* key : {"session", "runDir", "conforms", "summary", "rules", "diagnostics", "runDirSource"})
    if (!okstra::json::find(doc, key)) fail("JSON key missing", key);
  if (okstra::json::parse(cf::to_json(r, true), "pretty") != doc) fail("pretty and compact JSON differ");
  if (!okstra::utf8::is_valid(cf::to_text(r))) fail("text output is not UTF-8");
  const std::string junit = cf::to_junit(r);
  if (!okstra::utf8::is_valid(junit)) fail("JUnit output is not UTF-8");
  for (const char c : junit)  // XML 1.0 allows tab, line feed and carriage return only
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7F)
      fail("control byte in JUnit");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::uint64_t lines = count_lines(text);

  std::vector<tr::diagnostic> diagnostics;
  turn_checker turns;
  const tr::read_stats stats = tr::read_events_text(text, "fuzz.jsonl", turns, diagnostics);
  if (stats.lines != lines) fail("line count", std::to_string(stats.lines) + " != " + std::to_string(lines));
  if (stats.events + stats.malformed > stats.lines) fail("more events than lines");

  const cf::report r = cf::evaluate_text(text, "fuzz.jsonl");
  check_report(r, lines);
  check_renderings(r);

  // The same bytes as a Bash command line.
  const auto facts = cf::detail::analyse_shell(text);
  (void)facts;
  (void)cf::detail::shell_writes(text, [](std::string_view w) { return w.ends_with("final.md"); });
  return 0;
}
