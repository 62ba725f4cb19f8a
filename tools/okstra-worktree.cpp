// okstra-worktree — look up, list, reconcile and remove task worktrees
// (docs/worktrees.md). Provisioning happens in okstra-prepare.
//
// Test-only: OKSTRA_TEST_PAUSE_AT=remove-marked stops 'remove' once its rows
// are marked `removing` (core/test_pause.hpp), so tests/cli/worktree.sh can
// kill it there.
#include <string>
#include <vector>

#include "okstra/core/cli.hpp"
#include "okstra/core/test_pause.hpp"
#include "okstra/prepare/prepare.hpp"
#include "okstra/worktree/worktree.hpp"

namespace {

namespace wt = okstra::worktree;
namespace po = okstra::cli::po;
constexpr const char* tool = "okstra-worktree";

const char* overview =
    "okstra-worktree - look up, list, reconcile and remove task worktrees\n"
    "\n"
    "Usage: okstra-worktree <command> [options]\n"
    "\n"
    "Commands:\n"
    "  lookup <key>       the registry entries of one task key (task and stages)\n"
    "  list               every registry entry, or one project's (--project ID)\n"
    "  reconcile          finish what killed runs left half done, keep (or drop) entries\n"
    "                     whose folder is gone, run 'git worktree prune', free stages a\n"
    "                     killed run left active\n"
    "  remove <key>       remove a task's worktrees (or one stage) and their entries\n"
    "\n"
    "A task key is <projectId>/<taskGroup>/<taskId> (or a:b:c). Output is JSON on\n"
    "stdout ('--quiet': one line). 'okstra-worktree <command> --help' for details;\n"
    "docs/worktrees.md for the registry format and every refusal.\n"
    "\n";

okstra::cli::command_line make_command(const std::string& sub, const std::string& summary, const std::string& synopsis,
                                       const std::string& details = {}) {
  okstra::cli::command_spec spec(std::string(tool) + " " + sub, summary, synopsis, details);
  spec.with_quiet = true;
  return okstra::cli::command_line(spec);
}

okstra::dirs::task_key single_key(const okstra::cli::command_line& cmd) {
  const auto keys = cmd.positionals("key");
  if (keys.size() != 1)
    throw okstra::usage_error("expected exactly one task key", "see '" + cmd.spec().tool + " --help'");
  return okstra::dirs::parse_task_key(keys.front());
}

int run_lookup(const std::vector<std::string>& args) {
  auto cmd = make_command("lookup", "the registry entries of one task key", "[--quiet] <key>",
                          "Prints {entries: [...]}: the task worktree first, then its stages.\n"
                          "Exit 1 when the key has no entry.");
  cmd.positional("key", -1);
  if (!cmd.parse(args)) return 0;
  const auto key = single_key(cmd);
  const auto rows = wt::entries_of(wt::read_registry(okstra::dirs::home()), key);
  if (rows.empty()) throw okstra::refused(okstra::quoted("no worktree registered for", key.str()), "see 'okstra-worktree list'");
  okstra::cli::emit(wt::entries_json(rows, !cmd.quiet()));
  return 0;
}

int run_list(const std::vector<std::string>& args) {
  auto cmd = make_command("list", "every worktree registry entry", "[--project ID] [--quiet]",
                          "Prints {entries: [...]} in registry order (task key, then stage).");
  cmd.options()("project", po::value<std::string>()->value_name("ID"), "only the entries of this project id");
  if (!cmd.parse(args)) return 0;
  const auto project = cmd.get<std::string>("project");
  std::vector<std::pair<std::string, wt::entry>> rows;
  for (const auto& [row, e] : wt::read_registry(okstra::dirs::home()).entries)
    if (!project || e.project_id == *project) rows.emplace_back(row, e);
  okstra::cli::emit(wt::entries_json(rows, !cmd.quiet()));
  return 0;
}

// A stage row no run holds any more: completed when its last run completed
// (finish was killed before it told the registry), else free for a retry.
std::optional<wt::entry_status> settled_status(const okstra::prepare::stage_run_state& state) {
  if (state.running) return std::nullopt;
  return state.last_status == "completed" ? wt::entry_status::completed : wt::entry_status::released;
}

int run_reconcile(const std::vector<std::string>& args) {
  auto cmd = make_command("reconcile", "repair the worktree registry after killed runs, prune git's worktree list",
                          "[--dry-run] [--quiet] [--lock-timeout S | --no-wait]",
                          "Finishes the intents of killed runs: a provisioning is cleaned up (worktree,\n"
                          "folder, the branch only if okstra created it), a removal is completed. An\n"
                          "entry whose folder is gone becomes 'kept' while its branch exists, else it\n"
                          "is dropped. Also frees an implementation stage left active by a run that\n"
                          "was killed: no active.jsonl line names it and no prepare of the task runs.\n"
                          "Prints {dryRun, repaired, busy, dropped, kept, pruned[{projectRoot, notes}],\n"
                          "skippedRepositories, settledStages}.\n"
                          "With --dry-run nothing changes: the same report says what would.");
  cmd.options()("dry-run", "report what would change, change nothing");
  okstra::locks::add_wait_options(cmd);
  if (!cmd.parse(args)) return 0;
  const auto home = okstra::dirs::home();
  const auto policy = okstra::locks::wait_policy_from(cmd);
  const auto report = wt::reconcile(home, cmd.has("dry-run"), policy, [&](const wt::entry& row) {
    return settled_status(okstra::prepare::stage_run_state_of(home, row.key(), *row.stage, policy));
  });
  if (report.dry_run) okstra::cli::warn(tool, "dry run: nothing was changed");
  okstra::cli::emit(wt::to_json(report, !cmd.quiet()));
  return 0;
}

int run_remove(const std::vector<std::string>& args) {
  auto cmd = make_command("remove", "remove a task's worktrees and registry entries",
                          "<key> [--stage N] [--delete-branch] [--force] [--quiet] [--lock-timeout S | --no-wait]",
                          "Without --stage: the task worktree and all its stage worktrees. A worktree\n"
                          "with uncommitted changes is refused (exit 1) unless --force. Branches are\n"
                          "kept unless --delete-branch, and their entries stay as 'kept': the next\n"
                          "prepare re-creates the worktree on the branch. Finishes a remove that was\n"
                          "killed. Prints {removed, deletedBranches, keptBranches}.");
  cmd.options()("stage", po::value<int>()->value_name("N"), "only stage N")(
      "delete-branch", "also delete the branches (git branch -D)")(
      "force", "remove even with uncommitted changes");
  okstra::locks::add_wait_options(cmd);
  cmd.positional("key", -1);
  if (!cmd.parse(args)) return 0;
  wt::remove_request request{single_key(cmd), cmd.get<int>("stage"), cmd.has("delete-branch"), cmd.has("force"),
                             [] { okstra::test_pause::at(tool, "remove-marked"); }};
  static constexpr std::string_view pause_steps[] = {"remove-marked"};
  okstra::test_pause::check_step(pause_steps);
  if (request.stage && *request.stage < 1)
    throw okstra::usage_error(okstra::quoted("invalid stage", std::to_string(*request.stage)));
  const auto home = okstra::dirs::home();
  const auto policy = okstra::locks::wait_policy_from(cmd);
  const auto mutex = okstra::locks::worktree_provision_mutex(home, request.key, policy);
  okstra::cli::emit(wt::to_json(wt::remove(home, request, mutex, policy), !cmd.quiet()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return okstra::cli::run_main(tool, [&] {
    std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    if (args.empty()) throw okstra::usage_error("missing command", "see 'okstra-worktree --help'");
    if (args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
      std::fputs(overview, stdout);
      std::fputs(okstra::cli::standard_exit_status, stdout);
      return 0;
    }
    if (args.front() == "--version") {
      okstra::cli::emit(std::string(tool) + " (okstra) " + okstra::version);
      return 0;
    }
    const std::string sub = args.front();
    args.erase(args.begin());
    if (sub == "lookup") return run_lookup(args);
    if (sub == "list") return run_list(args);
    if (sub == "reconcile") return run_reconcile(args);
    if (sub == "remove") return run_remove(args);
    throw okstra::usage_error(okstra::quoted("unknown command", sub), "see 'okstra-worktree --help'");
  });
}
