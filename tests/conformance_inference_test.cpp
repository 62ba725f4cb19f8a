// Tests of what okstra/conformance judges from the transcript alone: BC06
// without a run dir, the run dir inferred from the worker dispatch prompts'
// **Result path:**, and the reasons a rule is skipped; part of the conformance
// test program (docs/conformance.md, "The run dir from the transcript").
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "conformance_support.hpp"

using namespace conformance_support;
namespace cd = okstra::conformance::detail;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace conformance_inference_test {

const std::string fixture_task = "/work/shop/.okstra/tasks/payments/refund-timeout";  // the fixtures' task root
const okstra::style::output_style wide{1000000, false, false};  // text lines never wrapped
const std::string report = "/srv/shop/.okstra/tasks/p/t/runs/error-analysis/reports/final-report-error-analysis-001.md";

std::string write_of(std::string_view id, std::string_view tool_name, std::string_view path) {
  return tool(id, tool_name, R"({"file_path":)" + quoted_json(path) + R"(,"content":"# r"})");
}

std::string slurp(const stdfs::path& p) {
  std::ostringstream s;
  s << std::ifstream(p).rdbuf();
  return s.str();
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The conforming fixture's lead transcript with its task root moved to
// `task_root` (in place: its subagents/ folder stays next to it), checked with
// --session alone.
cf::report check_moved(const run_copy& c, const std::string& task_root, cf::rule_set rules = {},
                       std::string_view codex_run = {}) {
  std::string text = replaced(slurp(c.dir / session_file), fixture_task, task_root);
  if (!codex_run.empty())
    text = replaced(text, task_root + "/runs/error-analysis/worker-results/codex-001.md",
                    std::string(codex_run) + "/worker-results/codex-001.md");
  c.write(session_file, text);
  cf::request req;
  req.session = c.dir / session_file;
  req.rules = rules;
  return cf::check(req);
}


BOOST_AUTO_TEST_SUITE(transcript_alone)

BOOST_AUTO_TEST_CASE(final_report_paths_of_any_run) {
  BOOST_TEST(cd::any_final_report(report));
  BOOST_TEST(cd::any_final_report("reports/final-report-implementation-012.md"));
  BOOST_TEST(cd::any_final_report("/r/runs/implementation/stage-2/reports/final-report-implementation-002.md"));
  BOOST_TEST(!cd::any_final_report("/r/reports/final-report-draft.md"));
  BOOST_TEST(!cd::any_final_report("/r/final-report-error-analysis-001.md"));             // not in reports/
  BOOST_TEST(!cd::any_final_report("/r/reports/final-report-no-such-type-001.md"));       // not a task type
  BOOST_TEST(!cd::any_final_report("/r/reports/final-report-error-analysis-01.md"));      // okstra writes NNN
  BOOST_TEST(!cd::any_final_report("/r/myreports/final-report-error-analysis-001.md"));
  BOOST_TEST(!cd::any_final_report("/r/reports/final-report-error-analysis-001.md.bak"));
  BOOST_TEST(!cd::any_final_report("/r/reports/final-report-.md"));
}

BOOST_AUTO_TEST_CASE(bc06_fails_when_the_lead_writes_the_report_over_a_report_writer) {
  lead l;
  l.turn("m1", {agent("t1", "report-writer-worker", "report-writer")})
      .result("t1", completed)
      .turn("m2", {write_of("t2", "Write", report)});
  const auto r = cf::evaluate_text(l.text(), "s.jsonl", only("BC06"));
  const auto& res = result_of(r, "BC06");
  BOOST_TEST((res.status == cf::rule_status::fail));
  BOOST_REQUIRE_EQUAL(res.violations.size(), 1u);
  const cf::violation& v = res.violations[0];
  BOOST_TEST(v.file == "s.jsonl");
  BOOST_TEST(v.line.value_or(0) == 3u);
  BOOST_TEST(v.uuid == "u3");
  BOOST_TEST(v.timestamp == "2026-11-20T09:00:00Z");
  BOOST_TEST(v.message == "the lead writes the final report 'final-report-error-analysis-001.md' (Write) although "
                          "report-writer (Agent at line 1, tool_use t1) completed; the report belongs to the report writer");
  BOOST_TEST(!r.conforms());
  BOOST_TEST(r.run_dir_source.empty());
}

BOOST_AUTO_TEST_CASE(bc06_passes_when_the_report_writer_writes_it) {
  lead l;
  l.turn("m1", {agent("t1", "report-writer-worker", "report-writer")})
      .result("t1", completed)
      .turn("m2", {tool("t2", "Read", R"({"file_path":)" + quoted_json(report) + "}"),
                   bash("t3", "cat " + report + " | wc -l", false), write_of("t4", "Write", "/srv/notes/summary.md")});
  const auto r = cf::evaluate_text(l.text(), "s.jsonl", only("BC06"));
  BOOST_TEST((result_of(r, "BC06").status == cf::rule_status::pass));
  BOOST_TEST(result_of(r, "BC06").skip_reason.empty());
}

BOOST_AUTO_TEST_CASE(bc06_shell_writes_and_what_cannot_be_proven_without_the_run_dir) {
  lead l;
  l.turn("m1", {bash("t1", "echo draft > " + report, false)})
      .turn("m2", {agent("t2", "report-writer-worker", "report-writer")})
      .result("t2", R"("Error: agent failed")", true, R"("the report writer crashed")")
      .turn("m3", {bash("t3", "printf 'x' | tee -a reports/final-report-error-analysis-001.md", false),
                   write_of("t4", "MultiEdit", "/srv/x/reports/final-report-draft.md")});
  const auto m = messages(cf::evaluate_text(l.text(), "s.jsonl", only("BC06")), "BC06");
  BOOST_REQUIRE_EQUAL(m.size(), 2u);
  BOOST_TEST(m[0] == "the lead writes the final report 'final-report-error-analysis-001.md' (Bash) with no report-writer "
                     "dispatch before it; whether the report writer's error log records why needs the run dir: give --run-dir");
  BOOST_TEST(m[1] == "the lead writes the final report 'final-report-error-analysis-001.md' (Bash) after report-writer "
                     "(Agent at line 2, tool_use t2) ended error; whether the report writer's error log records why needs "
                     "the run dir: give --run-dir");
}

BOOST_AUTO_TEST_CASE(result_paths_name_the_run_dir) {
  BOOST_TEST(cd::result_path_in("x\n**Result path:** `/a/runs/t/worker-results/c-001.md`\n**Errors log path:** `e`") ==
             "/a/runs/t/worker-results/c-001.md");
  BOOST_TEST(cd::result_path_in("**Result Path:**   /a/b/worker-results/c.md  \nmore") == "/a/b/worker-results/c.md");
  BOOST_TEST(cd::result_path_in("**Result of the run** then **Result path:** `p`") == "p");
  BOOST_TEST(cd::result_path_in("**Report path:** `/a/reports/r.md`").empty());
  BOOST_TEST(cd::run_dir_of_result("/a/runs/t/worker-results/c-001.md") == "/a/runs/t");
  BOOST_TEST(cd::run_dir_of_result("/a/runs/impl/stage-2/worker-results/x.md") == "/a/runs/impl/stage-2");
  BOOST_TEST(cd::run_dir_of_result("/a/x/../runs/t/worker-results/f.md") == "/a/runs/t");
  BOOST_TEST(cd::run_dir_of_result("runs/t/worker-results/c.md").empty());  // relative: the lead's folder is unknown
  BOOST_TEST(cd::run_dir_of_result("/a/runs/t/results/c.md").empty());
  BOOST_TEST(cd::run_dir_of_result("/worker-results/c.md") == "/");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(inferred_run_dir)

BOOST_AUTO_TEST_CASE(the_run_dir_of_the_result_paths_is_judged_as_if_given) {
  run_copy c;
  const std::string task_root = (c.dir / "task").string();
  const std::string run = task_root + "/runs/error-analysis";
  cf::report r = check_moved(c, task_root);
  BOOST_TEST(r.run_dir.value_or("") == run);
  BOOST_TEST(r.run_dir_source == "inferred");
  for (const auto& res : r.results) BOOST_TEST((res.status == cf::rule_status::pass), res.rule->id);
  BOOST_TEST(cf::to_text(r, wide).find("\nrun dir: " + run + " (inferred from the dispatch prompts' **Result path:**)\n") !=
             std::string::npos);
  BOOST_TEST(cf::to_json(r, false).ends_with(R"(,"runDirSource":"inferred"})"));
  BOOST_TEST(cf::to_junit(r).find(R"(<property name="runDirSource" value="inferred"/>)") != std::string::npos);

  // The run-dir rules really read the inferred run: a bad result file fails BC09.
  c.write(run_dir + "/worker-results/codex-001.md", "no front matter\n");
  r = check_moved(c, task_root, only("BC09"));
  BOOST_TEST(failing(r) == (ids{"BC09"}));
  BOOST_TEST(messages(r, "BC09").at(0) == "the result file of codex-worker has no front matter ('---' … '---')");
}

BOOST_AUTO_TEST_CASE(an_absent_inferred_run_dir_skips_the_run_rules_with_the_reason) {
  run_copy c;
  const std::string gone = (c.dir / "gone").string();
  const cf::report r = check_moved(c, gone);
  BOOST_TEST(!r.run_dir.has_value());
  BOOST_TEST(r.run_dir_source.empty());
  const std::string why = "needs the run dir: '" + gone + "/runs/error-analysis' (named by the dispatch prompts' "
                          "**Result path:**) does not exist; give --run-dir";
  for (const auto& res : r.results) {
    const bool needs = res.rule->id == "BC03" || res.rule->id == "BC09";
    BOOST_TEST((res.status == (needs ? cf::rule_status::skip : cf::rule_status::pass)), res.rule->id);
    BOOST_TEST(res.skip_reason == (needs ? why : ""), res.rule->id);
  }
  BOOST_TEST(cf::to_json(r, false).find(R"("status":"skip","violations":[],"reason":)" + quoted_json(why) + "}") !=
             std::string::npos);
  BOOST_TEST(cf::to_json(r, false).ends_with(R"(,"runDirSource":null})"));
  BOOST_TEST(cf::to_junit(r).find("<skipped message=\"needs the run dir: '" + gone) != std::string::npos);
  BOOST_TEST(cf::to_text(r, wide).find("(skipped: needs the run dir: '") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(result_paths_in_different_runs_infer_nothing) {
  run_copy c;
  const std::string task_root = (c.dir / "task").string();
  stdfs::create_directories(c.dir / "task/runs/other");
  const cf::report r = check_moved(c, task_root, {}, task_root + "/runs/other");
  BOOST_TEST(!r.run_dir.has_value());
  BOOST_TEST(result_of(r, "BC09").skip_reason ==
             "needs the run dir: the dispatch prompts' **Result path:** name 2 different run dirs; give --run-dir");
  BOOST_REQUIRE_EQUAL(r.diagnostics.size(), 1u);
  BOOST_TEST(r.diagnostics[0].file == (c.dir / session_file).string());
  BOOST_TEST(r.diagnostics[0].line == 13u);  // the codex-worker dispatch
  BOOST_TEST(r.diagnostics[0].message == "the dispatch prompts' **Result path:** name 2 run dirs ('" + task_root +
                                             "/runs/error-analysis' at line 12, '" + task_root +
                                             "/runs/other' here): no run dir inferred; give --run-dir");
}

BOOST_AUTO_TEST_CASE(an_unusable_inferred_run_dir_is_a_skip_not_an_input_error) {
  run_copy c;
  const std::string task_root = (c.dir / "task").string();
  stdfs::remove(c.run() / "run-context.json");
  const cf::report r = check_moved(c, task_root);
  BOOST_TEST(!r.run_dir.has_value());
  const std::string context = task_root + "/runs/error-analysis/run-context.json";
  BOOST_TEST(result_of(r, "BC03").skip_reason.find("cannot be used: cannot read '" + context + "'") != std::string::npos);
  BOOST_REQUIRE_EQUAL(r.diagnostics.size(), 1u);
  BOOST_TEST(r.diagnostics[0].message.starts_with("the inferred run dir cannot be used: cannot read '" + context + "'"));
  BOOST_TEST(r.conforms());
}

// A roster worker okstra does not know is a worker only once the inferred
// run's roster is read: the transcript is read again with it.
BOOST_AUTO_TEST_CASE(the_inferred_runs_roster_decides_which_dispatches_are_workers) {
  run_copy c;
  c.write("task/task-manifest.json", R"({"taskId":"refund-timeout","roster":{"workers":["ux-worker"],"reportWriter":"report-writer"}})");
  const std::string prompt = both_markers + "\n**Result path:** `" + c.run().string() + "/worker-results/ux-001.md`\n";
  lead l;
  l.turn("m1", {say("PROGRESS: phase-3 dispatching"), agent("t1", "ux-worker", "ux", R"(,"team_name":"t")", prompt)});
  c.write("lead.jsonl", l.text());
  cf::request req;
  req.session = c.dir / "lead.jsonl";
  req.rules = only("BC01");
  const auto r = cf::check(req);
  BOOST_TEST(r.run_dir_source == "inferred");
  BOOST_TEST(messages(r, "BC01") == (std::vector<std::string>{
      "dispatch of ux-worker (Agent at line 2, tool_use t1) is named 'ux'; set name to 'ux-worker'"}));
}

BOOST_AUTO_TEST_CASE(a_given_run_dir_is_the_argument) {
  run_copy c;
  const cf::report r = check_case(c.dir, only("BC01"));
  BOOST_TEST(r.run_dir_source == "argument");
  BOOST_TEST(cf::to_junit(r).find(R"(<property name="runDirSource" value="argument"/>)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace conformance_inference_test
