// okstra-worktree — look up, list, reconcile and remove task worktrees
// (docs/worktrees.md). Provisioning happens in okstra-prepare.
//
// Test-only: OKSTRA_TEST_PAUSE_AT=remove-marked stops 'remove' once its rows
// are marked `removing` (core/test_pause.hpp), so tests/cli/worktree.sh can
// kill it there.
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include <string>
#include <vector>

#include "okstra/core/cli.hpp"
#include "okstra/core/test_pause.hpp"
#include "okstra/prepare/prepare.hpp"
#include "okstra/worktree/worktree.hpp"

#include "commands.hpp"

namespace okstra::commands::worktree {

namespace {

namespace wt = okstra::worktree;
namespace cli = okstra::cli;
constexpr const char* tool = "okstra-worktree";

cli::command lookup_command() {
  cli::command c{"lookup", "the registry entries of one task key (task and stages)", {"[options] <key>"},
                 "Prints {entries: [...]}: the task worktree first, then its stages.\n"
                 "Exit 1 when the key has no entry."};
  c.positionals = {{"key", 1, 1, cli::completion::none}};
  return c;
}

cli::command list_command() {
  cli::command c{"list", "every registry entry, or one project's (--project ID)", {"[--project ID] [options]"},
                 "Prints {entries: [...]} in registry order (task key, then stage).\n"
                 "--format text prints them as a table."};
  c.options = {cli::text("project", "ID", "only the entries of this project id")};
  return c;
}

cli::command reconcile_command() {
  cli::command c{"reconcile", "repair the registry after killed runs, prune git's worktree list",
                 {"[--dry-run] [options]"},
                 "Finishes the intents of killed runs: a provisioning is cleaned up (worktree,\n"
                 "folder, the branch only if okstra created it), a removal is completed. An\n"
                 "entry whose folder is gone becomes 'kept' while its branch exists, else it\n"
                 "is dropped. Also frees an implementation stage left active by a run that\n"
                 "was killed: no active.jsonl line names it and no prepare of the task runs.\n"
                 "Prints {dryRun, repaired, busy, dropped, kept, pruned[{projectRoot, notes}],\n"
                 "skippedRepositories, settledStages}.\n"
                 "With --dry-run nothing changes: the same report says what would."};
  c.options = {cli::flag("dry-run", "report what would change, change nothing")};
  c.lock_wait = true;
  return c;
}

cli::command remove_command() {
  cli::command c{"remove", "remove a task's worktrees (or one stage) and their entries",
                 {"<key> [--stage N] [--delete-branch] [--force] [options]"},
                 "Without --stage: the task worktree and all its stage worktrees. A worktree\n"
                 "with uncommitted changes is refused (exit 1) unless --force. Branches are\n"
                 "kept unless --delete-branch, and their entries stay as 'kept': the next\n"
                 "prepare re-creates the worktree on the branch. Finishes a remove that was\n"
                 "killed. Prints {removed, deletedBranches, keptBranches}."};
  c.options = {cli::count("stage", "N", "only stage N", 1), cli::flag("delete-branch", "also delete the branches (git branch -D)"),
               cli::flag("force", "remove even with uncommitted changes")};
  c.positionals = {{"key", 1, 1, cli::completion::none}};
  c.lock_wait = true;
  return c;
}

cli::program declare() {
  cli::program p;
  p.name = tool;
  p.self.summary = "look up, list, reconcile and remove task worktrees";
  p.self.details =
      "A task key is <projectId>/<taskGroup>/<taskId> (or a:b:c). docs/worktrees.md\n"
      "describes the registry format and every refusal.";
  p.runs_without_command = false;
  p.commands = {lookup_command(), list_command(), reconcile_command(), remove_command()};
  p.exits = {{0, "done"},
             {1, "refused: no entry for the key, uncommitted changes without --force, only kept branches left "
                 "without --delete-branch, an intent whose owner still runs, lock busy"},
             {2, "usage error: unknown command or option, bad value, malformed task key"},
             {3, "corrupt registry, git failed, I/O error"}};
  return p;
}

// The text view of every result: its entry lists as tables (docs/cli.md, "Text views").
okstra::text_view::hints view(std::string title) {
  const std::vector<std::string> columns = {"key", "stage", "status", "path", "branch"};
  okstra::text_view::hints h{std::move(title), {}};
  for (const char* array : {"/entries", "/repaired", "/dropped", "/kept", "/settledStages", "/removed"})
    h.tables.push_back({array, columns});
  return h;
}

int run_lookup(const cli::arguments& args) {
  const auto key = okstra::dirs::parse_task_key(args.positionals().front());
  const auto rows = wt::entries_of(wt::read_registry(okstra::dirs::home()), key);
  if (rows.empty()) throw okstra::refused(okstra::quoted("no worktree registered for", key.str()), "see 'okstra-worktree list'");
  cli::emit_json(args, wt::entries_json(rows, args.out().pretty()), view("worktree entries of " + key.str()));
  return 0;
}

int run_list(const cli::arguments& args) {
  const auto project = args.text("project");
  std::vector<std::pair<std::string, wt::entry>> rows;
  for (const auto& [row, e] : wt::read_registry(okstra::dirs::home()).entries)
    if (!project || e.project_id == *project) rows.emplace_back(row, e);
  cli::emit_json(args, wt::entries_json(rows, args.out().pretty()), view("worktree entries"));
  return 0;
}

// A stage row no run holds any more: completed when its last run completed
// (finish was killed before it told the registry), else free for a retry.
std::optional<wt::entry_status> settled_status(const okstra::prepare::stage_run_state& state) {
  if (state.running) return std::nullopt;
  return state.last_status == "completed" ? wt::entry_status::completed : wt::entry_status::released;
}

int run_reconcile(const cli::arguments& args) {
  const auto home = okstra::dirs::home();
  const okstra::locks::wait_policy policy{args.wait_seconds()};
  const auto report = wt::reconcile(home, args.has("dry-run"), policy, [&](const wt::entry& row) {
    return settled_status(okstra::prepare::stage_run_state_of(home, row.key(), *row.stage, policy));
  });
  if (report.dry_run) cli::warn(tool, "dry run: nothing was changed");
  cli::emit_json(args, wt::to_json(report, args.out().pretty()), view("worktree reconcile"));
  return 0;
}

int run_remove(const cli::arguments& args) {
  std::optional<int> stage;
  if (const auto n = args.count("stage")) stage = static_cast<int>(*n);
  wt::remove_request request{okstra::dirs::parse_task_key(args.positionals().front()), stage, args.has("delete-branch"),
                             args.has("force"), [] { okstra::test_pause::at(tool, "remove-marked"); }};
  static constexpr std::string_view pause_steps[] = {"remove-marked"};
  okstra::test_pause::check_step(pause_steps);
  const auto home = okstra::dirs::home();
  const okstra::locks::wait_policy policy{args.wait_seconds()};
  const auto mutex = okstra::locks::worktree_provision_mutex(home, request.key, policy);
  cli::emit_json(args, wt::to_json(wt::remove(home, request, mutex, policy), args.out().pretty()), view("worktree remove"));
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  return cli::run_main(tool, [&] {
    const auto args = cli::parse(declare(), argc, argv);
    if (!args) return 0;
    const std::string& sub = args->command();
    if (sub == "lookup") return run_lookup(*args);
    if (sub == "list") return run_list(*args);
    if (sub == "reconcile") return run_reconcile(*args);
    return run_remove(*args);
  });
}

}  // namespace okstra::commands::worktree
