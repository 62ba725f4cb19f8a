// Tests of okstra/conformance: every rule passing, failing and skipped, on small
// transcripts written here and on the fixture runs of tests/data/sessions/; the
// inputs, the session lookup, errors and rendering. The reader and the shell
// reading are tested in conformance_reader_test.cpp; BC06 from the transcript
// alone and the inferred run dir in conformance_inference_test.cpp.
#define BOOST_TEST_MODULE conformance
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "conformance_support.hpp"

using namespace conformance_support;

BOOST_AUTO_TEST_SUITE(dispatch_rules)

BOOST_AUTO_TEST_CASE(bc01_names) {
  lead l;
  l.turn("m1", {say("PROGRESS: phase-3 dispatching"), agent("t1", "claude-worker", "claude-worker"),
                agent("t2", "okstra:codex-worker", ""), agent("t3", "gemini-worker", "gemini"),
                agent("t4", "Explore", "anything")});
  l.turn("m2", {agent("t5", "report-writer-worker", "report-writer")});
  const auto r = cf::evaluate_text(l.text(), "s.jsonl", only("BC01"));
  const auto m = messages(r, "BC01");
  BOOST_REQUIRE_EQUAL(m.size(), 2u);
  BOOST_TEST(m[0] == "dispatch of codex-worker (Agent at line 3, tool_use t2) sets no name; set name to 'codex-worker'");
  BOOST_TEST(m[1] == "dispatch of gemini-worker (Agent at line 4, tool_use t3) is named 'gemini'; set name to 'gemini-worker'");
  BOOST_TEST(result_of(r, "BC01").violations[0].line.value_or(0) == 3u);
  BOOST_TEST(result_of(r, "BC01").violations[0].uuid == "u3");
}

BOOST_AUTO_TEST_CASE(bc02_one_turn_per_phase_with_retries_and_later_phases) {
  lead good;
  good.turn("m1", {say("PROGRESS: phase-3 dispatching"), agent("t1", "claude-worker", "claude-worker")})
      .result("t1", completed)  // a result between the lines of the same message
      .turn("m1", {agent("t2", "codex-worker", "codex-worker")})
      .result("t2", completed)
      .turn("m2", {agent("t3", "claude-worker", "claude-worker")})  // a retry of claude-worker
      .turn("m3", {say("PROGRESS: phase-5 cross-checking"), agent("t4", "claude-worker", "claude-worker")})
      .turn("m3", {agent("t5", "codex-worker", "codex-worker")});
  BOOST_TEST(failing(cf::evaluate_text(good.text(), "s.jsonl", only("BC02"))).empty());

  lead split;
  split.turn("m1", {say("PROGRESS: phase-3 dispatching"), agent("t1", "claude-worker", "claude-worker")})
      .turn("m2", {bash("t2", "~/.okstra/bin/okstra-codex-exec.sh --prompt-file p", true)});
  const auto m = messages(cf::evaluate_text(split.text(), "s.jsonl", only("BC02")), "BC02");
  BOOST_REQUIRE_EQUAL(m.size(), 1u);
  BOOST_TEST(m[0].starts_with("codex-worker (Bash at line 3, tool_use t2) was dispatched in another assistant turn than "
                              "claude-worker (Agent at line 2, tool_use t1), phase 'phase-3'"));
}

BOOST_AUTO_TEST_CASE(bc07_both_markers) {
  lead l;
  l.turn("m1", {agent("t1", "claude-worker", "claude-worker", "", both_markers),
                agent("t2", "codex-worker", "codex-worker", "", "no paths here"),
                agent("t3", "report-writer-worker", "report-writer", "", "**Errors log path:** `x`")});
  const auto m = messages(cf::evaluate_text(l.text(), "s.jsonl", only("BC07")), "BC07");
  BOOST_REQUIRE_EQUAL(m.size(), 2u);
  BOOST_TEST(m[0].ends_with("lacks '**Errors log path:**' and '**Errors sidecar path:**'"));
  BOOST_TEST(m[1].ends_with("lacks '**Errors sidecar path:**'"));
}

BOOST_AUTO_TEST_CASE(bc04_wrappers_in_the_lead) {
  lead l;
  l.turn("m1", {bash("t1", "~/.okstra/bin/okstra-codex-exec.sh --prompt-file p", false),
                bash("t2", "okstra-gemini-exec.sh --prompt-file p", true), bash("t3", "gemini -p 'review this'", true),
                bash("t4", "git status", false)});
  const auto m = messages(cf::evaluate_text(l.text(), "s.jsonl", only("BC04")), "BC04");
  BOOST_REQUIRE_EQUAL(m.size(), 2u);
  BOOST_TEST(m[0] == "a Bash call of the lead runs okstra-codex-exec.sh without run_in_background: true");
  BOOST_TEST(m[1] == "a Bash call of the lead runs 'gemini' directly; run Gemini through okstra-gemini-exec.sh with run_in_background: true");
}

BOOST_AUTO_TEST_CASE(rules_that_need_the_run_dir_are_skipped_without_one) {
  const auto r = cf::evaluate_text(lead().turn("m", {say("PROGRESS: phase-1 start")}).text(), "s.jsonl");
  BOOST_TEST(r.results.size() == cf::rule_count);
  for (const auto& res : r.results) {
    const bool needs = res.rule->id == "BC03" || res.rule->id == "BC09";  // BC06 is judged from the transcript
    BOOST_TEST((res.status == (needs ? cf::rule_status::skip : cf::rule_status::pass)), res.rule->id);
    BOOST_TEST(res.skip_reason == (needs ? "needs the run dir: give --run-dir, or dispatch prompts whose **Result path:** "
                                           "is inside an existing run" : ""), res.rule->id);
  }
  BOOST_TEST(r.conforms());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(flow_rules)

BOOST_AUTO_TEST_CASE(bc05_background_agents_shells_kills_and_notifications) {
  const std::string launched = R"({"isAsync":true,"status":"async_launched","agentId":"ag1"})";
  lead l;
  l.turn("m1", {say("PROGRESS: phase-3 dispatching"), agent("t1", "claude-worker", "claude-worker", R"(,"run_in_background":true)"),
                bash("t2", "okstra-codex-exec.sh --prompt-file p", true), bash("t3", "okstra-gemini-exec.sh -p x", true),
                agent("t4", "gemini-worker", "gemini-worker", R"(,"run_in_background":true)")})
      .result("t1", launched)
      .result("t2", R"({"stdout":"","stderr":"","interrupted":false,"isImage":false,"backgroundTaskId":"bash_1"})")
      .result("t3", "{}", false, R"("Command running in background with ID: bash_2")")
      .result("t4", R"({"isAsync":true,"status":"async_launched","agentId":"ag4"})")
      .turn("m2", {tool("t5", "TaskOutput", R"({"task_id":"ag1","block":true})"), tool("t6", "BashOutput", R"({"bash_id":"bash_1"})")})
      .result("t5", R"({"retrieval_status":"success","task":{"task_id":"ag1","status":"completed"}})")
      .result("t6", R"({"shellId":"bash_1","status":"running"})")  // not yet
      .turn("m3", {tool("t7", "BashOutput", R"({"bash_id":"bash_1"})"), tool("t8", "KillShell", R"({"shell_id":"bash_2"})")})
      .result("t7", "{}", false, R"("<status>completed</status>\n<exit_code>0</exit_code>")")
      .result("t8", R"({"message":"killed","shell_id":"bash_2"})")
      .user_text("<task-notification>\n<task-id>ag4</task-id>\n<status>completed</status>\n</task-notification>")
      .turn("m4", {say("PROGRESS: phase-5.5 converging")});
  BOOST_TEST(failing(cf::evaluate_text(l.text(), "s.jsonl", only("BC05"))).empty());

  lead early = l;
  early.lines.resize(13);  // up to the BashOutput that says "running"
  early.turn("m4", {say("PROGRESS: phase-5.5 converging")});
  const auto m = messages(cf::evaluate_text(early.text(), "s.jsonl", only("BC05")), "BC05");
  BOOST_REQUIRE_EQUAL(m.size(), 3u);
  BOOST_TEST(m[0].starts_with("convergence started (checkpoint 'PROGRESS: phase-5.5 converging') while codex-worker (Bash at line 3"));
  BOOST_TEST(m[0].ends_with("had not finished; it was never seen to finish"));
}

BOOST_AUTO_TEST_CASE(bc05_the_report_writer_or_the_convergence_skill_starts_convergence) {
  lead l;
  l.turn("m1", {agent("t1", "claude-worker", "claude-worker"), agent("t2", "report-writer-worker", "report-writer")});
  const auto m = messages(cf::evaluate_text(l.text(), "s.jsonl", only("BC05")), "BC05");
  BOOST_REQUIRE_EQUAL(m.size(), 1u);
  BOOST_TEST(m[0].starts_with("convergence started (the report-writer dispatch) while claude-worker"));

  lead s;
  s.turn("m1", {agent("t1", "claude-worker", "claude-worker", R"(,"run_in_background":true)")})
      .result("t1", R"({"status":"teammate_spawned","agentId":"x"})")
      .turn("m2", {tool("t2", "Skill", R"({"skill":"okstra-convergence"})")})
      .user_text(R"(<teammate-message teammate_id="claude-worker">done</teammate-message>)");
  const auto ms = messages(cf::evaluate_text(s.text(), "s.jsonl", only("BC05")), "BC05");
  BOOST_REQUIRE_EQUAL(ms.size(), 1u);
  BOOST_TEST(ms[0].starts_with("convergence started (Skill okstra-convergence)"));
  BOOST_TEST(ms[0].ends_with("it was seen to finish only at line 4"));
}

BOOST_AUTO_TEST_CASE(bc08_checkpoints) {
  const auto bc08 = [](const lead& l) { return cf::evaluate_text(l.text(), "s.jsonl", only("BC08")); };
  const auto none = bc08(lead().turn("m", {say("no checkpoints")}));
  BOOST_REQUIRE_EQUAL(result_of(none, "BC08").violations.size(), 1u);
  BOOST_TEST(!result_of(none, "BC08").violations[0].line.has_value());
  BOOST_TEST(none.conforms());  // a warning
  BOOST_TEST(none.warnings() == 1u);

  lead ok;
  ok.turn("m1", {say("**PROGRESS: phase-1 loading the bundle**")})
      .turn("m2", {say("Notes first.\n`PROGRESS: phase-3 dispatching`\nPROGRESS: phase-3 still dispatching")})
      .turn("m3", {say("PROGRESS: phase-5.5 converging")});
  BOOST_TEST(result_of(bc08(ok), "BC08").violations.empty());

  lead bad;
  bad.turn("m1", {say("PROGRESS: phase-2 team\nPROGRESS: phase-x oops\nPROGRESS: phase-4\nPROGRESS: phase-1 back")});
  const auto m = messages(bc08(bad), "BC08");
  BOOST_REQUIRE_EQUAL(m.size(), 3u);
  BOOST_TEST(m[0] == "malformed checkpoint 'PROGRESS: phase-x oops': expected 'PROGRESS: phase-<N> <verb phrase>'");
  BOOST_TEST(m[1] == "malformed checkpoint 'PROGRESS: phase-4': expected 'PROGRESS: phase-<N> <verb phrase>'");
  BOOST_TEST(m[2] == "checkpoint 'PROGRESS: phase-1 back' goes back from phase-2 (line 1): checkpoints go in phase order");
}

BOOST_AUTO_TEST_CASE(bc06_when_the_lead_may_write_the_report) {
  run_copy c;
  const std::string report = "/work/shop/.okstra/tasks/payments/refund-timeout/runs/error-analysis/reports/final-report-error-analysis-001.md";
  const std::string write = tool("tw", "Write", R"({"file_path":")" + report + R"(","content":"# r"})");
  lead failed;
  failed.turn("m1", {agent("t1", "report-writer-worker", "report-writer")})
      .result("t1", R"("Error: agent timed out")", true, R"("agent timed out after 600 s")")
      .turn("m2", {write});
  const auto without_log = c.check_lead(failed, only("BC06"));
  const auto m = messages(without_log, "BC06");
  BOOST_REQUIRE_EQUAL(m.size(), 1u);
  BOOST_TEST(m[0].find("after report-writer (Agent at line 1, tool_use t1) ended timeout, but the error log '") != std::string::npos);

  c.write(run_dir + "/worker-results/report-writer-001.errors.log", "2026-11-20T09:30:00Z report-writer timed out after 600 s\n");
  BOOST_TEST(failing(c.check_lead(failed, only("BC06"))).empty());
  BOOST_TEST(failing(c.check_lead(lead().turn("m1", {write}), only("BC06"))).empty());  // not-run, with the log

  lead over;
  over.turn("m1", {agent("t1", "report-writer-worker", "report-writer")})
      .result("t1", completed)
      .turn("m2", {bash("t2", "cd " + report.substr(0, report.rfind('/')) + "/.. && cat >> reports/final-report-error-analysis-001.md <<'EOF'\nextra\nEOF", false)});
  const auto mo = messages(c.check_lead(over, only("BC06")), "BC06");
  BOOST_REQUIRE_EQUAL(mo.size(), 1u);
  BOOST_TEST(mo[0].starts_with("the lead writes the final report 'final-report-error-analysis-001.md' (Bash) although report-writer"));

  c.write("task/task-manifest.json", R"({"roster":{"workers":["claude-worker"],"reportWriter":""}})");
  BOOST_TEST(failing(c.check_lead(over, only("BC06"))).empty());  // no report writer on the roster
}

BOOST_AUTO_TEST_CASE(bc03_and_bc09_against_the_run) {
  run_copy c;
  lead l;
  l.turn("m1", {say("PROGRESS: phase-3 go"), agent("t1", "claude-worker", "claude-worker", R"(,"run_in_background":true)"),
                agent("t2", "gemini-worker", "gemini-worker")})
      .result("t1", R"({"isAsync":true,"status":"async_launched","agentId":"ag1"})")
      .result("t2", completed);
  stdfs::remove(c.run() / "team-state.json");
  const auto r = c.check_lead(l, cf::select_rules({"BC03", "BC09"}, {}));
  const auto m3 = messages(r, "BC03");
  BOOST_REQUIRE_EQUAL(m3.size(), 1u);
  BOOST_TEST(m3[0].find("but the run has no team-state.json") != std::string::npos);
  const auto m9 = messages(r, "BC09");  // claude-worker never finished: only gemini's file is required
  BOOST_REQUIRE_EQUAL(m9.size(), 1u);
  BOOST_TEST(m9[0].ends_with("gemini-worker (Agent at line 3, tool_use t2) completed but its result file '" +
                             (c.run() / "worker-results/gemini-001.md").string() + "' is missing"));
  BOOST_TEST(result_of(r, "BC09").violations[0].line.value_or(0) == 5u);  // the line where it completed

  c.write(run_dir + "/worker-results/gemini-001.md", "no front matter\n");
  const auto again = messages(c.check_lead(l, only("BC09")), "BC09");
  BOOST_REQUIRE_EQUAL(again.size(), 1u);
  BOOST_TEST(again[0] == "the result file of gemini-worker has no front matter ('---' … '---')");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fixture_runs)

BOOST_AUTO_TEST_CASE(each_case_breaks_exactly_its_rule) {
  const std::map<std::string, ids> expected = {
      {"conforming", {}}, {"team-create-failed", {}}, {"old-format", {}}, {"damaged", {}},
      {"bc01-worker-name", {"BC01"}}, {"bc02-split-dispatch", {"BC02"}}, {"bc03-background-without-team", {"BC03"}},
      {"bc04-direct-codex", {"BC04"}}, {"bc05-early-convergence", {"BC05"}}, {"bc06-lead-writes-report", {"BC06"}},
      {"bc07-missing-errors-path", {"BC07"}}, {"bc08-progress-order", {"BC08"}}, {"bc09-result-front-matter", {"BC09"}}};
  std::size_t cases = 0;
  for (const auto& entry : stdfs::directory_iterator(sessions_dir())) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    BOOST_REQUIRE_MESSAGE(expected.count(name), "no expectation for fixture " << name);
    const cf::report r = check_case(entry.path());
    BOOST_TEST(failing(r) == expected.at(name), name);
    BOOST_TEST(cf::exit_status(r) == (expected.at(name).empty() || name.starts_with("bc08") ? 0 : 1), name);
    BOOST_TEST((name == "damaged" || r.diagnostics.empty()), name);
    ++cases;
  }
  BOOST_TEST(cases == expected.size());
}

BOOST_AUTO_TEST_CASE(damaged_input_is_reported_and_the_rules_still_run) {
  const cf::report r = check_case(sessions_dir() / "damaged");
  const std::vector<std::pair<std::uint64_t, std::string>> expected = {
      {7, "malformed JSON line: skipped"}, {23, "unknown content block type 'fancy_new_block'"},
      {31, "truncated last line (no newline at the end)"}, {16, "missing subagent transcript '"}};
  BOOST_REQUIRE_EQUAL(r.diagnostics.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST(r.diagnostics[i].line == expected[i].first);
    BOOST_TEST(r.diagnostics[i].message.starts_with(expected[i].second), r.diagnostics[i].message);
  }
  BOOST_TEST(r.conforms());
}

BOOST_AUTO_TEST_CASE(the_session_is_found_from_the_run) {
  run_copy c;
  cf::request req;
  req.run_dir = c.run();
  req.claude_roots = {c.dir / "nowhere", c.dir / "claude"};
  BOOST_TEST(cf::check(req).session == (c.dir / session_file).string());

  // No sessionId: the transcript that created the team is found by its name.
  c.write(run_dir + "/team-state.json", R"({"teamName":"okstra-refund-timeout-001","teamCreate":{"status":"ok"}})");
  std::ofstream(c.dir / "claude/projects/-work-shop/other.jsonl") << "{\"type\":\"user\"}\n";
  BOOST_TEST(cf::check(req).session == (c.dir / session_file).string());

  c.write(run_dir + "/team-state.json", R"({"teamName":"another-team"})");
  try {
    cf::check(req);
    BOOST_FAIL("found a session");
  } catch (const okstra::error& e) {
    BOOST_TEST((e.code() == okstra::exit_code::input));
    BOOST_TEST(std::string(e.what()) == "cannot find the lead session of the run '" + c.run().string() + "'");
  }
}

BOOST_AUTO_TEST_CASE(unreadable_inputs_are_input_errors) {
  run_copy c;
  cf::request req;
  req.session = c.dir / session_file;
  req.run_dir = c.run();
  BOOST_TEST((code_of(req) == okstra::exit_code::ok));
  BOOST_TEST((code_of({c.dir / "missing.jsonl", std::nullopt, {}, {}}) == okstra::exit_code::input));
  BOOST_TEST((code_of({c.dir / "claude", std::nullopt, {}, {}}) == okstra::exit_code::input));
  BOOST_TEST((code_of({req.session, c.dir / "no-run", {}, {}}) == okstra::exit_code::input));
  BOOST_TEST((code_of({std::nullopt, std::nullopt, {}, {}}) == okstra::exit_code::usage));
  c.write(run_dir + "/team-state.json", "{oops");
  BOOST_TEST((code_of(req) == okstra::exit_code::input));
  c.write(run_dir + "/team-state.json", "{}");
  c.write("task/task-manifest.json", "[]");
  BOOST_TEST((code_of(req) == okstra::exit_code::input));
  stdfs::remove(c.dir / "task/task-manifest.json");
  const cf::report r = cf::check(req);  // the default roster, said in a diagnostic
  BOOST_REQUIRE_EQUAL(r.diagnostics.size(), 1u);
  BOOST_TEST(r.diagnostics[0].message.starts_with("no task manifest: the default roster"));
  c.write(run_dir + "/run-context.json", R"({"taskType":"cleanup","seq":1})");
  BOOST_TEST((code_of(req) == okstra::exit_code::input));
  stdfs::remove(c.run() / "run-context.json");
  BOOST_TEST((code_of(req) == okstra::exit_code::input));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(selection_and_rendering)

BOOST_AUTO_TEST_CASE(rule_selection) {
  const auto set = cf::select_rules({"bc02", "BC05"}, {"bc05"});
  BOOST_TEST(set.enabled == (std::array<bool, cf::rule_count>{false, true, false, false, false, false, false, false, false}));
  try {
    cf::select_rules({}, {"BC10"});
    BOOST_FAIL("accepted BC10");
  } catch (const okstra::error& e) {
    BOOST_TEST((e.code() == okstra::exit_code::usage));
    BOOST_TEST(std::string(e.what()) == "unknown rule 'BC10'");
  }
}

BOOST_AUTO_TEST_CASE(json_text_and_junit) {
  const cf::report r = check_case(sessions_dir() / "bc08-progress-order", cf::select_rules({"BC01", "BC08"}, {}));
  const std::string json = cf::to_json(r, false);
  const auto doc = okstra::json::parse(json, "output");
  std::vector<std::string> keys;
  for (const auto& m : doc.GetObject()) keys.emplace_back(m.name.GetString());
  BOOST_TEST(keys == (std::vector<std::string>{"session", "runDir", "conforms", "summary", "rules", "diagnostics", "runDirSource"}));
  BOOST_TEST(json.find(R"("reason":null},)") != std::string::npos);  // the new keys come last
  BOOST_TEST(json.ends_with(R"(,"diagnostics":[],"runDirSource":"argument"})"));
  BOOST_TEST(json.find(R"("conforms":true,"summary":{"errors":0,"warnings":1})") != std::string::npos);
  BOOST_TEST(json.find(R"("id":"BC08","name":"progress-checkpoints","severity":"warning","status":"fail")") != std::string::npos);

  const std::string text = cf::to_text(r);
  BOOST_TEST(text.find("\nBC01 pass [error] worker-dispatch-name: ") != std::string::npos);
  BOOST_TEST(text.ends_with("\nresult: conforms (0 errors, 1 warning)"));

  const std::string xml = cf::to_junit(r);
  BOOST_TEST(xml.find(R"(<testsuite name="okstra-validate-session" tests="2" failures="0" errors="0" skipped="0")") != std::string::npos);
  BOOST_TEST(xml.find("<system-out>warning: ") != std::string::npos);
  BOOST_TEST(xml.find("<failure") == std::string::npos);  // a warning never fails a build

  const auto e = cf::evaluate_text("{\"type\":\"user\",\"message\":{\"content\":\"\\u0001<&>\"}}\nx\x01\"\n", "a&b<\x02>.jsonl");
  const std::string x = cf::to_junit(e);
  BOOST_TEST(x.find("a&amp;b&lt;\\x02&gt;.jsonl") != std::string::npos);
  BOOST_TEST(x.find('\x01') == std::string::npos);
  BOOST_TEST(x.find('\x02') == std::string::npos);
}

// Nothing readable is nothing to judge: an input error, never "conforms".
BOOST_AUTO_TEST_CASE(a_session_with_no_readable_line_is_an_input_error) {
  run_copy c;
  const auto message_of = [&](std::string_view content) {
    c.write("lead.jsonl", content);
    try {
      cf::check({c.dir / "lead.jsonl", std::nullopt, {}, {}});
    } catch (const okstra::error& e) {
      BOOST_TEST((e.code() == okstra::exit_code::input));
      return std::string(e.what());
    }
    return std::string("judged");
  };
  const std::string expected = "no readable transcript line in '" + (c.dir / "lead.jsonl").string() + "'";
  BOOST_TEST(message_of("") == expected);
  BOOST_TEST(message_of("\n \n") == expected);
  BOOST_TEST(message_of("garbage\n{\"type\":\"assistant\"\n\x01\x02") == expected);
  BOOST_TEST(message_of("{\"type\":\"not-a-claude-type\"}\n[1]\n") == expected);
  BOOST_TEST(message_of("garbage\n{\"type\":\"user\",\"message\":{\"content\":\"hi\"}}\n") == "judged");
  BOOST_TEST(message_of("{\"type\":\"summary\"}\n") == "judged");
}

BOOST_AUTO_TEST_SUITE_END()
