// okstra-validate-session — post-hoc conformance of a lead session to the
// blocking contract (docs/conformance.md).
#include <string>
#include <vector>

#include "okstra/conformance/conformance.hpp"
#include "okstra/core/cli.hpp"

namespace {

constexpr const char* tool = "okstra-validate-session";

const char* details =
    "Reads the lead's Claude Code transcript (and its subagents/ folder) and, with\n"
    "--run-dir, the run's run-context.json, team-state.json, task manifest (the\n"
    "roster), worker results and the report writer's error log. Without --session,\n"
    "the session is found from team-state.json: <root>/projects/*/<sessionId>.jsonl,\n"
    "else the transcript that created its teamName, for every root of\n"
    "CLAUDE_CONFIG_DIR (comma list; default ~/.config/claude and ~/.claude).\n"
    "\n"
    "Rules (severity; 'run' = skipped without --run-dir):\n"
    "  BC01 error  worker dispatches are named <workerId>-worker (report-writer)\n"
    "  BC02 error  the analysis workers of one phase go out in one assistant turn\n"
    "  BC03 error  background dispatch without a team only after a failed TeamCreate (run)\n"
    "  BC04 error  Codex/Gemini only through the okstra wrappers, in the background\n"
    "  BC05 error  every worker finished before convergence or the report writer\n"
    "  BC06 error  the lead does not write the final report over the report writer (run)\n"
    "  BC07 error  dispatch prompts carry the errors log and sidecar paths\n"
    "  BC08 warning  PROGRESS: <phase-id> <verb-phrase> checkpoints, in phase order\n"
    "  BC09 error  completed workers' result files exist with the run's front matter (run)\n"
    "\n"
    "Prints {session, runDir, conforms, summary{errors, warnings}, rules[{id, name,\n"
    "severity, status, violations[{file, line, uuid, timestamp, message}]}],\n"
    "diagnostics[{file, line, message}]}. Malformed transcript lines and missing\n"
    "subagent files are diagnostics (also on stderr); the rules still run.\n"
    "\n"
    "Examples:\n"
    "  okstra-validate-session --run-dir .okstra/tasks/payments/refund-timeout/runs/error-analysis\n"
    "  okstra-validate-session --session ~/.claude/projects/-work-shop/<id>.jsonl --format text\n"
    "  okstra-validate-session --run-dir RUN --format junit > conformance.xml\n";

const char* exit_status =
    "Exit status:\n"
    "  0  the session conforms (warnings allowed)\n"
    "  1  an error-severity rule failed\n"
    "  2  usage error: unknown option, format or rule id, neither --session nor --run-dir\n"
    "  3  unreadable input: the session file, the run dir or its run-context.json, a\n"
    "     malformed task manifest or team-state.json, no session found for the run,\n"
    "     a session with no readable transcript line (empty, or all garbage)\n";

void warn_diagnostics(const okstra::conformance::report& r) {
  for (const auto& d : r.diagnostics)
    okstra::cli::warn(tool, okstra::printable(d.file + (d.line ? ":" + std::to_string(d.line) : "") + ": " + d.message));
}

}  // namespace

int main(int argc, char** argv) {
  return okstra::cli::run_main(tool, [&] {
    namespace po = okstra::cli::po;
    okstra::cli::command_spec spec(tool, "post-hoc conformance of a lead session to the blocking contract",
                                   "(--session FILE | --run-dir DIR | both) [--format json|text|junit] [--rule ID]... "
                                   "[--skip-rule ID]... [--quiet]",
                                   details);
    spec.with_quiet = true;
    spec.exit_status = exit_status;
    okstra::cli::command_line cmd(spec);
    cmd.options()("session", po::value<std::string>(), "the lead's transcript (<session>.jsonl)")(
        "run-dir", po::value<std::string>(), "the run folder (run-context.json, team state, worker results)")(
        "format", po::value<std::string>()->default_value("json"), "json, text or junit")(
        "rule", po::value<std::vector<std::string>>(), "check only this rule (repeatable)")(
        "skip-rule", po::value<std::vector<std::string>>(), "do not check this rule (repeatable)");
    if (!cmd.parse(argc, argv)) return 0;

    const std::string format = cmd.get<std::string>("format").value_or("json");
    if (format != "json" && format != "text" && format != "junit")
      throw okstra::usage_error(okstra::quoted("unknown format", format), "use json, text or junit");
    if (cmd.quiet() && format != "json")
      throw okstra::usage_error(okstra::quoted("--quiet applies to JSON only, not to format", format));
    okstra::conformance::request req;
    if (const auto s = cmd.get<std::string>("session")) req.session = *s;
    if (const auto d = cmd.get<std::string>("run-dir")) req.run_dir = *d;
    req.rules = okstra::conformance::select_rules(cmd.get<std::vector<std::string>>("rule").value_or(std::vector<std::string>{}),
                                                  cmd.get<std::vector<std::string>>("skip-rule").value_or(std::vector<std::string>{}));
    const okstra::conformance::report result = okstra::conformance::check(req);
    warn_diagnostics(result);
    if (format == "text") okstra::cli::emit(okstra::conformance::to_text(result));
    else if (format == "junit") okstra::cli::emit(okstra::conformance::to_junit(result));
    else okstra::cli::emit(okstra::conformance::to_json(result, !cmd.quiet()));
    return okstra::conformance::exit_status(result);
  });
}
