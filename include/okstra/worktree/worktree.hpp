// okstra/worktree/worktree.hpp — one git worktree per task key, stage
// worktrees, the worktree registry, rollback and reconcile
// (docs/worktrees.md).
//
// Contract:
// - Reads: the project's git repository (through the git CLI, core/process),
//   <home>/worktrees/registry.json, the project's .okstra/project.json
//   (worktreeSyncDirs) and OKSTRA_WORKTREE_SYNC_DIRS.
// - Writes: task worktrees at dirs::worktree_path(), stage worktrees at
//   <that path's folder>/<safe taskId>.stages/stage-<N>/, their branches, and
//   the registry (atomically, every read-modify-write under the registry
//   lock). Reading the registry takes no lock: it is only ever replaced by an
//   atomic rename.
// - Locks: provision_* and remove() need the caller to hold the task key's
//   worktree provision mutex (they check it; locks are not re-entrant, so the
//   caller — prepare — owns it for the whole check → select → add → reserve
//   sequence). Lock order is always provision mutex, then registry lock.
//   git runs in a process group of its own and inherits a shared lock on
//   <home>/.locks/worktree-git/<escaped key>.lock, so a git command that
//   outlives a killed okstra is waited for (at most 10 s) before a repair.
// - Intent before effect (docs/worktrees.md, "Crash safety"): before git
//   creates a worktree or a branch, the row is written with status
//   `provisioning` and an intent naming the owner process (pid and start
//   time) and whether okstra creates the branch; before remove touches git or
//   the folder, the row becomes `removing`. Whoever next holds the key's
//   provision mutex (prepare, remove) or reconcile finishes a pending intent
//   whose owner is gone: a provisioning one is cleaned up exactly (worktree,
//   folder, the branch only when okstra created it, row), a removing one is
//   finished. remove without --delete-branch keeps the row as `kept`, so the
//   next prepare re-creates the worktree on that branch.
// - Rollback: every effect of provision_* is recorded in a `transaction`;
//   unless commit() is called, its destructor (or rollback()) undoes them in
//   reverse: the registry row restored (a new row released), the worktree
//   removed with --force, a branch created here deleted. The first undo that
//   fails stops the rollback, so the intent row stays for the next run to
//   repair. The rollback takes the provision mutex itself when this process
//   does not hold it, and leaves alone a row that another run has touched since.
// - Throws okstra::error: refused (1) for a path or branch that belongs to
//   something else, a safe-segment collision, no ready stage; usage (2) for
//   a bad work category, stage number or missing base ref; input (3) for a
//   corrupt registry (never reset), a failed git command (git's message in
//   the hint), an unreadable stage map or project.json.
// - Degrades, never throws, when the project is not a git work tree
//   (skipped-not-git) or is itself a linked worktree (skipped-linked-worktree).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/locks/locks.hpp"

namespace okstra::worktree {

namespace stdfs = std::filesystem;

// ---- the registry -------------------------------------------------------------

// active, completed, released: a worktree exists. provisioning, removing: an
// intent is pending (the row has `intent`). kept: the worktree was removed,
// the branch kept and still owned by the row.
enum class entry_status { active, completed, released, provisioning, removing, kept };

std::string_view to_string(entry_status status);
std::optional<entry_status> parse_status(std::string_view text);

// Who started a pending provisioning or removal, and what it does.
struct intent {
  long pid = 0;
  unsigned long long process_start = 0;  // /proc/<pid>/stat field 22; 0 when unknown
  std::string since;
  bool created_branch = false;                  // provisioning: okstra creates the branch
  std::optional<entry_status> previous_status;  // provisioning of a row that existed
  bool delete_branch = false;                   // removing: with --delete-branch
  friend bool operator==(const intent&, const intent&) = default;
};

struct entry {
  std::string project_id;
  std::string task_group;
  std::string task_id;
  std::optional<int> stage;
  std::string project_root;  // the main worktree of the repository (for git)
  std::string path;
  std::string branch;
  std::string base_ref;
  std::string base_commit;
  entry_status status = entry_status::active;
  std::string created_at;
  std::string updated_at;
  std::optional<worktree::intent> intent;  // set exactly when provisioning or removing

  dirs::task_key key() const { return {project_id, task_group, task_id}; }
  friend bool operator==(const entry&, const entry&) = default;
};

// Branch ownership is per repository (the row's projectRoot): the same branch
// name in two repositories belongs to two rows.
using branch_owners = std::map<std::string, std::map<std::string, std::string>>;  // repo -> branch -> row

struct registry {
  std::map<std::string, entry> entries;  // row key -> entry
  branch_owners branches;
};

// Version 2 files key "branches" by repository; version 1 files (branch ->
// row) are read and written back as version 2.
inline constexpr int registry_version = 2;

// The row owning `branch` in repository `repo`, or null.
const std::string* branch_owner(const registry& reg, const std::string& repo, const std::string& branch);

// "<escaped key>" or "<escaped key>#stage-<N>": injective, since '#' never
// survives dirs::escaped_key.
std::string row_key(const dirs::task_key& key, std::optional<int> stage = std::nullopt);

registry parse_registry(std::string_view text, std::string_view source);
std::string registry_json(const registry& reg);
// The registry as stored; an absent file is an empty registry.
registry read_registry(const dirs::home_layout& home);
// Under the registry lock: read, call mutate(registry&) -> bool (changed),
// and write atomically when it changed. Returns nothing; capture results.
// A template, so it is defined here in both modes: a caller's own mutate
// compiles against the compiled library too.
template <class Mutate>
void update_registry(const dirs::home_layout& home, const locks::wait_policy& policy, Mutate&& mutate) {
  auto held = locks::registry_lock(home, policy);
  registry reg = read_registry(home);
  fs::remove_stale_temps(home.registry_json());  // killed writers' leftovers (docs/cli.md, "Files okstra writes")
  if (mutate(reg)) fs::write_file_atomic(home.registry_json(), registry_json(reg), 0600);
}

// Every entry of one task key (the task row first, then stages by number).
std::vector<std::pair<std::string, entry>> entries_of(const registry& reg, const dirs::task_key& key);

// ---- names --------------------------------------------------------------------

// feature→feat, bugfix→fix, refactor→refactor, ops→chore, improvement→improve,
// docs→docs, empty→feat; anything else is a usage error.
std::string branch_prefix(std::string_view work_category);
stdfs::path stage_worktree_path(const dirs::home_layout& home, const dirs::task_key& key, int stage);

// Names to symlink from the main worktree into a new one:
// OKSTRA_WORKTREE_SYNC_DIRS (colon-separated) when set and not empty, else
// worktreeSyncDirs of <main_root>/.okstra/project.json, else none.
std::vector<std::string> sync_dirs_for(const stdfs::path& main_root);

// ---- stages -------------------------------------------------------------------

struct stage_spec {
  int n = 1;
  std::vector<int> depends_on;
};

struct stage_map {
  std::vector<stage_spec> stages;  // sorted by n
  static stage_map single() { return {{stage_spec{1, {}}}}; }
  const stage_spec* find(int n) const;
};

// Reads "stages": [{n, dependsOn}] from a plan's data.json; no "stages" means
// one stage. Numbers must be unique and positive, dependencies earlier stages.
stage_map read_stage_map(const stdfs::path& data_json);
stage_map parse_stage_map(std::string_view text, std::string_view source);

// The lowest stage whose dependencies are all `completed` in the registry and
// that no `active` or `completed` row holds; nullopt when none is ready.
std::optional<int> pick_ready_stage(const stage_map& map, const registry& reg, const dirs::task_key& key);

// ---- provisioning -------------------------------------------------------------

enum class provision_status { created, reused, skipped_not_git, skipped_linked_worktree };
std::string_view to_string(provision_status status);

struct provision_result {
  provision_status status = provision_status::skipped_not_git;
  std::string row;               // registry row key (empty when skipped)
  std::optional<entry> worktree;  // absent when skipped
  std::vector<std::string> synced_dirs;
};

// Undo log of one task key's provisioning; see the contract above.
class transaction {
 public:
  transaction(dirs::home_layout home, dirs::task_key key, locks::wait_policy policy = {});
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction();

  void commit() noexcept;
  // Undoes everything recorded, in reverse. Never throws; what could not be
  // undone is returned (and, from the destructor, warned about on stderr).
  std::vector<std::string> rollback() noexcept;
  bool empty() const noexcept { return steps_.empty(); }

  // Recorded by the provisioners, in the order the effects happen.
  void added_worktree(const std::string& repo, const std::string& path);
  void created_branch(const std::string& repo, const std::string& branch);
  void wrote_row(const std::string& row, std::optional<entry> previous, const entry& written);

 private:
  struct step {
    enum class kind { worktree, branch, row } what;
    std::string repo, name;  // worktree path, branch name or row key
    std::optional<entry> previous, written;
  };
  bool row_still_ours(const registry& reg, const step& row_step) const;
  void undo(const step& s, bool& row_taken_over);

  dirs::home_layout home_;
  dirs::task_key key_;
  locks::wait_policy policy_;
  std::vector<step> steps_;
};

struct task_request {
  stdfs::path project_root;
  dirs::task_key key;
  std::string work_category;          // empty: feat
  std::optional<std::string> base_ref;  // empty: the main worktree's HEAD
  bool require_base_ref = false;
};

provision_result provision_task_worktree(const dirs::home_layout& home, const task_request& request,
                                         const locks::lock& provision_mutex, transaction& tx,
                                         const locks::wait_policy& policy = {});

struct stage_request {
  stdfs::path project_root;
  dirs::task_key key;
  std::optional<int> stage;  // nullopt: auto
  stage_map map = stage_map::single();
};

// Needs the task worktree (registry row) to exist.
provision_result provision_stage_worktree(const dirs::home_layout& home, const stage_request& request,
                                          const locks::lock& provision_mutex, transaction& tx,
                                          const locks::wait_policy& policy = {});

// ---- status, reconcile, remove --------------------------------------------------

// Marks the task row (stage nullopt) or a stage row; refused when absent. A
// row that is kept or has a pending intent is left alone (returns false).
bool set_status(const dirs::home_layout& home, const dirs::task_key& key, std::optional<int> stage,
                entry_status status, const locks::wait_policy& policy = {});

struct reconcile_report {
  bool dry_run = false;
  std::vector<std::pair<std::string, entry>> dropped;  // rows whose folder and branch are gone
  std::vector<std::pair<std::string, entry>> kept;     // folder gone, branch kept: now `kept`
  // Pending intents of killed runs, finished (or, dry run, to be finished);
  // the entry is the row as it was found.
  std::vector<std::pair<std::string, entry>> repaired;
  std::vector<std::string> busy;  // rows whose intent a live process still owns
  struct pruned_repo {
    std::string project_root;
    std::vector<std::string> notes;  // git worktree prune -v lines
  };
  std::vector<pruned_repo> pruned;
  std::vector<std::string> skipped_repos;  // project roots that are gone or not git
  // Stage rows left `active` by a run that no longer holds them, with the
  // status they were (or, dry run, would be) given.
  std::vector<std::pair<std::string, entry>> settled;
};

// Asked, for a stage row still `active`, while reconcile holds that task's
// implementation lock (so no prepare of it is running): which status the row
// should have now, or nullopt when a run still holds it. The run index lives
// above this module (okstra/prepare), so the caller supplies the answer.
using stage_settler = std::function<std::optional<entry_status>(const entry& stage_row)>;

// Finishes the intents of killed runs, keeps (or drops, branch gone too) rows
// whose folder is gone, prunes git, and with a settler frees stage rows a
// killed run left `active` (a row whose task lock is busy is left).
reconcile_report reconcile(const dirs::home_layout& home, bool dry_run, const locks::wait_policy& policy = {},
                           const stage_settler& settle = {});

struct remove_request {
  dirs::task_key key;
  std::optional<int> stage;  // nullopt: the task row and all its stages
  bool delete_branch = false;
  bool force = false;  // remove even with uncommitted changes
  // Called once every row is marked `removing`, before git or a folder is
  // touched (okstra-worktree's test pause hook stops there).
  std::function<void()> after_marking;
};

struct remove_report {
  std::vector<std::pair<std::string, entry>> removed;
  std::vector<std::string> deleted_branches;
  std::vector<std::string> kept_branches;  // rows now `kept`
};

remove_report remove(const dirs::home_layout& home, const remove_request& request,
                     const locks::lock& provision_mutex, const locks::wait_policy& policy = {});

// ---- JSON output ----------------------------------------------------------------

std::string to_json(const provision_result& result, bool pretty);
std::string to_json(const reconcile_report& report, bool pretty);
std::string to_json(const remove_report& report, bool pretty);
// {"entries": [...]} with "key", "row" and "present" (folder exists) added.
std::string entries_json(const std::vector<std::pair<std::string, entry>>& rows, bool pretty);

}  // namespace okstra::worktree

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/worktree/detail/git.hpp"
#include "okstra/worktree/detail/registry.hpp"
#include "okstra/worktree/detail/stages.hpp"
#include "okstra/worktree/detail/pending.hpp"
#include "okstra/worktree/detail/transaction.hpp"
#include "okstra/worktree/detail/provision.hpp"
#include "okstra/worktree/detail/maintain.hpp"
#include "okstra/worktree/detail/output.hpp"
#endif
