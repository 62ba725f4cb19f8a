// okstra-migrate — move a project from the legacy layout .project-docs/okstra/
// to .okstra/ and rewrite every reference to the old location
// (docs/migrate.md).
//
// Dry run by default: prints the plan and changes nothing. --apply migrates
// (or finishes an interrupted migration) and prints {plan, result}; --undo
// reverts an interrupted migration from its journal.
//
// Test-only: OKSTRA_TEST_PAUSE_AT=<step> stops after that step (see
// migrate::pause_steps), prints "okstra-migrate: test pause at <step>" on
// stderr and waits until the file OKSTRA_TEST_RESUME_FILE exists (or the
// process is killed). Used by tests/cli/migrate.sh to crash a migration at a
// known point. Same convention as okstra-prepare.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "okstra/core/cli.hpp"
#include "okstra/core/test_pause.hpp"
#include "okstra/migrate/migrate.hpp"

namespace {

namespace mg = okstra::migrate;
namespace po = okstra::cli::po;
namespace stdfs = std::filesystem;
constexpr const char* tool = "okstra-migrate";

void note(const std::string& message) {
  const std::string line = std::string(tool) + ": " + okstra::printable(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// Test-only hooks (see the file comment and core/test_pause.hpp).
void check_pause_step() { okstra::test_pause::check_step(mg::pause_steps); }
void pause_at(std::string_view step) { okstra::test_pause::at(tool, step); }

const char* details =
    "Without --apply or --undo nothing is changed: the plan is printed (what moves,\n"
    "which files' references are rewritten, the steps) and stderr says so.\n"
    "--apply moves <DIR>/.project-docs/okstra/ to <DIR>/.okstra/ with one rename,\n"
    "rewrites every reference to the old location (the project's JSON and JSONL\n"
    "files, <home>/projects/*.json, recent.jsonl, active.jsonl, the worktree\n"
    "registry), removes .project-docs/ if it is then empty, and prints\n"
    "{plan, result}. A journal (<DIR>/.okstra-migrate.journal.json) makes it\n"
    "crash-safe: after an interruption, --apply finishes the migration and --undo\n"
    "reverts it. A second --apply reports nothing to do.\n"
    "\n"
    "Refused (exit 1, 'migrate refused: <reason>', nothing changed): no legacy\n"
    "folder; .okstra/ exists and is not empty; the legacy folder is a symbolic link;\n"
    "a run of this project is active (active.jsonl); the current directory is\n"
    "inside the folder being moved. docs/migrate.md lists every refusal and its fix.\n"
    "\n"
    "Environment: OKSTRA_HOME. OKSTRA_TEST_PAUSE_AT / OKSTRA_TEST_RESUME_FILE are for\n"
    "the test suite only.\n"
    "\n"
    "Examples:\n"
    "  okstra-migrate --cwd ~/src/shop            # the plan\n"
    "  okstra-migrate --cwd ~/src/shop --apply\n";

const char* exit_status =
    "Exit status:\n"
    "  0  planned, migrated, undone, or nothing to do\n"
    "  1  refused (nothing changed), or a lock is busy with --no-wait/--lock-timeout\n"
    "  2  usage error: unknown option, --apply with --undo\n"
    "  3  input or I/O error: no such project folder, corrupt journal, a file that\n"
    "     cannot be read or written (an interrupted --apply keeps its journal)\n";

void dry_run_note(const mg::migration_plan& plan) {
  if (plan.nothing_to_do) return note("nothing to do: '" + plan.project_root + "' already uses .okstra/");
  if (plan.state == mg::project_state::interrupted)
    return note("a migration of '" + plan.project_root +
                "' was interrupted: --apply finishes it, --undo reverts it; nothing was changed");
  note("dry run: nothing was changed; run again with --apply to migrate");
}

}  // namespace

int main(int argc, char** argv) {
  return okstra::cli::run_main(tool, [&] {
    okstra::cli::command_spec spec(tool, "move a project from the legacy layout to the current one",
                                   "[--apply | --undo] [--cwd DIR] [--quiet] [--lock-timeout S | --no-wait]", details);
    spec.with_quiet = true;
    spec.exit_status = exit_status;
    okstra::cli::command_line cmd(spec);
    cmd.options()("apply", "migrate (default: print the plan only)")(
        "undo", "revert an interrupted migration from its journal")(
        "cwd", po::value<std::string>()->value_name("DIR"), "the project root (default: the current directory)");
    okstra::locks::add_wait_options(cmd);
    if (!cmd.parse(argc, argv)) return 0;
    if (cmd.has("apply") && cmd.has("undo"))
      throw okstra::usage_error("options '--apply' and '--undo' cannot be combined", "see 'okstra-migrate --help'");
    check_pause_step();
    mg::request request;
    request.project_dir = cmd.get<std::string>("cwd").value_or(".");
    request.home = okstra::dirs::home();
    request.policy = okstra::locks::wait_policy_from(cmd);
    if (cmd.has("apply") || cmd.has("undo")) {
      const auto done = cmd.has("undo") ? mg::undo(request, pause_at) : mg::apply(request, pause_at);
      for (const auto& warning : done.plan.warnings) okstra::cli::warn(tool, warning);
      for (const auto& warning : done.result.warnings) okstra::cli::warn(tool, warning);
      okstra::cli::emit(mg::to_json(done, !cmd.quiet()));
      return 0;
    }
    const mg::migration_plan plan = mg::build_plan(request);
    for (const auto& warning : plan.warnings) okstra::cli::warn(tool, warning);
    okstra::cli::emit(mg::to_json(plan, !cmd.quiet()));
    dry_run_note(plan);
    return 0;
  });
}
