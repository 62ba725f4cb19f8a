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
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "okstra/core/cli.hpp"
#include "okstra/core/test_pause.hpp"
#include "okstra/migrate/migrate.hpp"

#include "commands.hpp"

namespace okstra::commands::migrate {

namespace {

namespace mg = okstra::migrate;
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

okstra::cli::program declare() {
  namespace cli = okstra::cli;
  cli::program p;
  p.name = tool;
  p.self.summary = "move a project from the legacy layout to the current one";
  p.self.usage = {"[--apply | --undo] [--cwd DIR] [options]"};
  p.self.details = details;
  p.self.lock_wait = true;
  p.self.options = {cli::flag("apply", "migrate (default: print the plan only)"),
                    cli::flag("undo", "revert an interrupted migration from its journal"),
                    cli::path("cwd", "DIR", "the project root (default: the current directory)", cli::completion::dir)};
  p.exits = {{0, "planned, migrated, undone, or nothing to do"},
             {1, "refused (nothing changed), or a lock is busy with --no-wait/--lock-timeout"},
             {2, "usage error: unknown option or bad value, --apply with --undo"},
             {3, "input or I/O error: no such project folder, corrupt journal, a file that cannot be read or "
                 "written (an interrupted --apply keeps its journal)"}};
  return p;
}

// The text view: the file rewrites as tables (docs/cli.md, "Text views").
const okstra::text_view::hints plan_view{"migration plan",
                                         {{"/rewrites/project", {"path", "kind", "references"}},
                                          {"/rewrites/home", {"path", "kind", "references"}},
                                          {"/plan/rewrites/project", {"path", "kind", "references"}},
                                          {"/plan/rewrites/home", {"path", "kind", "references"}}}};

void dry_run_note(const mg::migration_plan& plan) {
  if (plan.nothing_to_do) return note("nothing to do: '" + plan.project_root + "' already uses .okstra/");
  if (plan.state == mg::project_state::interrupted)
    return note("a migration of '" + plan.project_root +
                "' was interrupted: --apply finishes it, --undo reverts it; nothing was changed");
  note("dry run: nothing was changed; run again with --apply to migrate");
}

}  // namespace

int run(int argc, char** argv) {
  namespace cli = okstra::cli;
  return cli::run_main(tool, [&] {
    const auto args = cli::parse(declare(), argc, argv);
    if (!args) return 0;
    if (args->has("apply") && args->has("undo"))
      throw okstra::usage_error("options '--apply' and '--undo' cannot be combined", args->see_help());
    check_pause_step();
    mg::request request;
    request.project_dir = args->text("cwd").value_or(".");
    request.home = okstra::dirs::home();
    request.policy = okstra::locks::wait_policy{args->wait_seconds()};
    if (args->has("apply") || args->has("undo")) {
      const auto done = args->has("undo") ? mg::undo(request, pause_at) : mg::apply(request, pause_at);
      for (const auto& warning : done.plan.warnings) cli::warn(tool, warning);
      for (const auto& warning : done.result.warnings) cli::warn(tool, warning);
      cli::emit_json(*args, mg::to_json(done, args->out().pretty()), plan_view);
      return 0;
    }
    const mg::migration_plan plan = mg::build_plan(request);
    for (const auto& warning : plan.warnings) cli::warn(tool, warning);
    cli::emit_json(*args, mg::to_json(plan, args->out().pretty()), plan_view);
    dry_run_note(plan);
    return 0;
  });
}

}  // namespace okstra::commands::migrate
