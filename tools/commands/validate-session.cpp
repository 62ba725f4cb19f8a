// okstra-validate-session — post-hoc conformance of a lead session to the
// blocking contract (docs/conformance.md).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include <string>

#include "okstra/conformance/conformance.hpp"
#include "okstra/core/cli.hpp"

#include "commands.hpp"

namespace okstra::commands::validate_session {

namespace {

constexpr const char* tool = "okstra-validate-session";

const char* details =
    "Reads the lead's Claude Code transcript (and its subagents/ folder) and, with\n"
    "--run-dir, the run's run-context.json, team-state.json, task manifest (the\n"
    "roster), worker results and the report writer's error log. Without --session,\n"
    "the session is found from team-state.json: <root>/projects/*/<sessionId>.jsonl,\n"
    "else the transcript that created its teamName, for every root of\n"
    "CLAUDE_CONFIG_DIR (comma list; default ~/.config/claude and ~/.claude).\n"
    "Without --run-dir, the run dir is inferred from the worker dispatch prompts'\n"
    "**Result path:** (the folder holding worker-results/) when they all name one\n"
    "that exists.\n"
    "\n"
    "Rules (severity; 'run' = skipped without a run dir, with the reason):\n"
    "  BC01 error  worker dispatches are named <workerId>-worker (report-writer)\n"
    "  BC02 error  the analysis workers of one phase go out in one assistant turn\n"
    "  BC03 error  background dispatch without a team only after a failed TeamCreate (run)\n"
    "  BC04 error  Codex/Gemini only through the okstra wrappers, in the background\n"
    "  BC05 error  every worker finished before convergence or the report writer\n"
    "  BC06 error  the lead does not write the final report over the report writer\n"
    "  BC07 error  dispatch prompts carry the errors log and sidecar paths\n"
    "  BC08 warning  PROGRESS: <phase-id> <verb-phrase> checkpoints, in phase order\n"
    "  BC09 error  completed workers' result files exist with the run's front matter (run)\n"
    "\n"
    "Prints {session, runDir, conforms, summary{errors, warnings}, rules[{id, name,\n"
    "severity, status, violations[{file, line, uuid, timestamp, message}], reason}],\n"
    "diagnostics[{file, line, message}], runDirSource}: reason says why a rule was\n"
    "skipped; runDirSource is argument, inferred or null. Malformed transcript\n"
    "lines and missing subagent files are diagnostics (also on stderr); the rules\n"
    "still run.\n"
    "\n"
    "Examples:\n"
    "  okstra-validate-session --run-dir .okstra/tasks/payments/refund-timeout/runs/error-analysis\n"
    "  okstra-validate-session --session ~/.claude/projects/-work-shop/<id>.jsonl --format text\n"
    "  okstra-validate-session --run-dir RUN --format junit > conformance.xml\n"
    "  okstra-validate-session -q --run-dir RUN || echo 'not conforming'\n";

okstra::cli::program declare() {
  namespace cli = okstra::cli;
  cli::program p;
  p.name = tool;
  p.self.summary = "post-hoc conformance of a lead session to the blocking contract";
  p.self.usage = {"(--session FILE | --run-dir DIR | both) [--rule ID]... [--skip-rule ID]... [options]"};
  p.self.details = details;
  p.self.formats = {"json", "text", "junit"};
  p.self.options = {
      cli::path("session", "FILE", "the lead's transcript (<session>.jsonl)"),
      cli::path("run-dir", "DIR", "the run folder (run-context.json, team state, worker results)", cli::completion::dir),
      cli::text("rule", "ID", "check only this rule").repeat(),
      cli::text("skip-rule", "ID", "do not check this rule").repeat()};
  p.exits = {{0, "the session conforms (warnings allowed)"},
             {1, "an error-severity rule failed"},
             {2, "usage error: unknown option, format or rule id, neither --session nor --run-dir"},
             {3, "unreadable input: the session file, the run dir or its run-context.json, a malformed task manifest "
                 "or team-state.json, no session found for the run, a session with no readable transcript line"}};
  return p;
}

void warn_diagnostics(const okstra::conformance::report& r) {
  for (const auto& d : r.diagnostics)
    okstra::cli::warn(tool, okstra::printable(d.file + (d.line ? ":" + std::to_string(d.line) : "") + ": " + d.message));
}

}  // namespace

int run(int argc, char** argv) {
  namespace cli = okstra::cli;
  return cli::run_main(tool, [&] {
    const auto args = cli::parse(declare(), argc, argv);
    if (!args) return 0;
    okstra::conformance::request req;
    if (const auto s = args->text("session")) req.session = *s;
    if (const auto d = args->text("run-dir")) req.run_dir = *d;
    req.rules = okstra::conformance::select_rules(args->texts("rule"), args->texts("skip-rule"));
    const okstra::conformance::report result = okstra::conformance::check(req);
    warn_diagnostics(result);
    const std::string& format = args->out().format;
    if (format == "text") cli::emit(*args, okstra::conformance::to_text(result, cli::stdout_style(*args)));
    else if (format == "junit") cli::emit(*args, okstra::conformance::to_junit(result));
    else cli::emit(*args, okstra::conformance::to_json(result, args->out().pretty()));
    return okstra::conformance::exit_status(result);
  });
}

}  // namespace okstra::commands::validate_session
