// okstra/prepare/prepare.hpp — the building blocks of okstra-prepare
// (docs/prepare.md is the long form of this contract), all but the worktree step.
//
// Contract:
// - check_installation(): <home>/version and every default template under
//   <home>/templates/ must be regular files, unless OKSTRA_SKIP_INSTALL_CHECK
//   is set (non-blank). Otherwise an input error (exit 3) that names every
//   missing path and whose hint says to run 'okstra setup'.
// - installed_version(): the first line of <home>/version, trimmed; nullopt
//   when there is no stamp (the install check was skipped).
// - ensure_project(): refuses (exit 1) a legacy or half-migrated layout with a
//   hint to run 'okstra migrate'; a project id that contradicts project.json is
//   a usage error (exit 2). A missing .okstra/project.json is created
//   ({projectId, projectRoot}); the mirror <home>/projects/<id>.json (+
//   projectRoot) is rewritten under the central lock when it differs, and an
//   id already mirrored for another project root is refused (exit 1).
// - Templates: find_templates() picks the first folder holding every default
//   template: <home>/templates, then the templates/ of okstra's data folder
//   (dirs::data_dir: an install's share/okstra, or a build folder's link to
//   the source tree, docs/dirs.md). render() replaces {{NAME}}
//   (NAME = [A-Z0-9_]+) with its value; values are never re-scanned. An
//   unknown or malformed placeholder and an unclosed "{{" are input errors
//   naming the placeholder, the template file and the line.
// - allocate_run(): the caller holds the task lock. Creates
//   runs/<type>/{reports,worker-results,prompts}/ (implementation:
//   runs/implementation/stage-<N>/…) and claims the next seq by mkdir of
//   prompts/<NNN>/: one higher than any seq seen in reports/ or prompts/;
//   mkdir is atomic, so even without the lock two runs never share a seq.
//   The claim gets an owner marker (.claim, the pid); claims a killed
//   prepare left with nothing but that marker, whose owner is gone, are
//   removed first (docs/prepare.md, "6. Run paths and the seq").
// - write_bundle(): instruction-set/ files, run inputs, worker prompts, report
//   template and run-context.json, each written atomically.
// - update_task_records(): task-manifest.json, discovery/task-catalog.json and
//   discovery/latest-task.json, read-modify-written under the central lock
//   (the one lock that spans every task of a project).
// - record_start()/finish(): recent.jsonl and active.jsonl under the central
//   lock; appends are one write(2) of a whole line, active.jsonl is rewritten
//   atomically. finish() appends the final state to recent.jsonl first, then
//   drops the run from active.jsonl (a crash in between repeats, never loses).
// - Everything under <project>/.okstra/ is read and written through
//   core/safe_path.hpp from the project root down: a symbolic link anywhere
//   below the project root (.okstra itself, tasks/<group>, discovery, a
//   file) is refused, exit 3, naming the link; nothing is written through it.
// - link_project_settings(): <project>/.claude/settings.local.json becomes a
//   link to the template's settings.local.json; a user's own file or link is
//   never replaced (docs/prepare.md, "Project settings link").
// - rollback_journal: every block that creates or replaces a file or folder
//   registers its undo; unless commit() is called the journal undoes them in
//   reverse on destruction. A replaced file is restored only while it still
//   holds what this prepare wrote; a created folder is removed only if empty.
//   Run a rollback while holding no lock (undos take the central lock).
// All errors are okstra::error: refused 1, usage 2, input 3.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/locks/locks.hpp"

namespace okstra::prepare {

namespace stdfs = std::filesystem;

// ---- rollback journal --------------------------------------------------------------

class rollback_journal {
 public:
  rollback_journal() = default;
  rollback_journal(const rollback_journal&) = delete;
  rollback_journal& operator=(const rollback_journal&) = delete;
  ~rollback_journal() { rollback(); }

  // Records an effect that already happened; `undo` reverses it.
  void on_rollback(std::string what, std::function<void()> undo);
  // Forgets every undo: the prepare succeeded.
  void commit() noexcept { steps_.clear(); }
  // Undoes in reverse order; returns "<what>: <reason>" for each undo that failed.
  std::vector<std::string> rollback() noexcept;
  std::size_t size() const noexcept { return steps_.size(); }

 private:
  struct step {
    std::string what;
    std::function<void()> undo;
  };
  std::vector<step> steps_;
};

// Creates `dir` and its missing parents (mode `mode`), journaling each one.
void make_folders(const stdfs::path& dir, rollback_journal& journal, mode_t mode = 0755);
// Writes `content` atomically. The undo restores the previous content (or
// removes the file) if the file still holds `content`; with `central` set the
// undo does so under that home's central lock.
void write_journaled(const stdfs::path& file, std::string_view content, rollback_journal& journal,
                     const dirs::home_layout* central = nullptr);
// The same below a trusted root (the project root): `dir` and `file` must lie
// below it, and no symbolic link below it is followed — one is refused with
// safe_path::symlink_error, exit 3 — for the effect and for its undo alike
// (docs/prepare.md, "Symlinks").
void make_folders_below(const stdfs::path& root, const stdfs::path& dir, rollback_journal& journal,
                        mode_t mode = 0755);
void write_journaled_below(const stdfs::path& root, const stdfs::path& file, std::string_view content,
                           rollback_journal& journal, const dirs::home_layout* central = nullptr);
// A regular file below `root`, read the same way; nullopt when it or a folder
// on its way is absent.
std::optional<std::string> read_below(const stdfs::path& root, const stdfs::path& file,
                                      std::size_t max_bytes = fs::json_read_limit);

// ---- install check, templates ------------------------------------------------------

bool install_check_skipped();
void check_installation(const dirs::home_layout& home);
std::optional<std::string> installed_version(const dirs::home_layout& home);
// Keeps <home> private (0700): an existing home of this user with looser
// permissions is tightened, and its previous mode returned for a note; nullopt
// when nothing was changed (no home yet, already 0700, or not ours).
std::optional<unsigned> tighten_home(const dirs::home_layout& home);

struct template_source {
  stdfs::path dir;
  std::string origin;  // "installed" | "data-dir"
};
template_source find_templates(const dirs::home_layout& home);

struct instruction_file {
  std::string template_path;  // relative to the template folder
  std::string output_name;    // file name under instruction-set/
};
// The templates one task type uses (docs/prepare.md has the table).
struct template_set {
  std::vector<instruction_file> instruction_set;
  std::string phase_guide;  // task-types/<type>/phase-guide.md
  std::string report;       // task-types/<type>/report.md
  std::string worker_preamble = "worker-prompt-preamble.md";
  std::string pr_body = "pr-body.template.md";
};
template_set templates_for(std::string_view task_type);
// Every template file of every task type, sorted, without duplicates.
std::vector<std::string> all_template_files();

using template_values = std::map<std::string, std::string, std::less<>>;
std::string render(std::string_view text, const template_values& values, std::string_view template_name);
std::string render_file(const template_source& source, std::string_view relative, const template_values& values);

// ---- project -----------------------------------------------------------------------

struct project_info {
  dirs::project_layout layout;  // current layout, project_root canonical
  std::string project_id;
  std::optional<std::string> pr_template_path;  // project.json's prTemplatePath
  bool created = false;                          // project.json written by this call
};
project_info ensure_project(const dirs::home_layout& home, const stdfs::path& project_root,
                            std::string_view project_id, rollback_journal& journal,
                            const locks::wait_policy& policy = {});

// ---- PR template -------------------------------------------------------------------

struct pr_template {
  stdfs::path path;
  std::string source;  // "override" | "project" | "global" | "default"
};
pr_template resolve_pr_template(const std::optional<stdfs::path>& override_path, const project_info& project,
                                const dirs::home_layout& home, const template_source& templates);

// ---- run paths ---------------------------------------------------------------------

struct run_paths {
  std::string task_type;
  std::optional<int> stage;
  int seq = 0;
  stdfs::path task_root, run_dir, reports_dir, worker_results_dir, prompts_dir;
  stdfs::path seq_prompts_dir;  // prompts/<NNN>/, the seq claim
  stdfs::path report_path, run_context_file;
};
std::string seq_text(int seq);  // "001"
// The highest seq used in run_dir (reports/ and prompts/), 0 when none.
int highest_seq(const stdfs::path& run_dir, std::string_view task_type);
run_paths allocate_run(const dirs::project_layout& project, const dirs::task_key& key, std::string_view task_type,
                       std::optional<int> stage, rollback_journal& journal);

// ---- the request, the run context, the bundle --------------------------------------

// What the worktree step decided; for a project that is not a git work tree
// the caller passes the project root and empty branch / base fields.
struct worktree_facts {
  std::string path;
  std::string branch, base_ref, base_commit;
};

struct run_request {
  dirs::task_key key;
  std::string task_type;
  std::string work_category = "feature";
  std::string executor = "claude";               // claude | codex | gemini
  std::vector<std::string> workers;              // empty: claude, codex
  std::map<std::string, std::string> models;     // role -> model; absent: "default"
  std::string task_brief;                        // text (the tool reads @FILE)
  std::vector<std::string> directives;
  std::optional<stdfs::path> approved_plan;
  std::optional<stdfs::path> clarification_response;
  std::optional<stdfs::path> reference_expectations;  // copied as reference-expectations.md
  std::optional<stdfs::path> pr_template_override;
};
// Validates executor and workers (usage errors) and fills the defaults.
run_request normalized(run_request request);

struct run_context {
  std::string project_root, task_key, task_type;
  std::optional<int> stage;
  int seq = 0;
  std::string run_dir, report_path, worktree_path, branch, base_ref, base_commit, executor;
  std::vector<std::string> workers;
  std::vector<std::pair<std::string, std::string>> models;
  pr_template pr;
  // okstraVersion: the installed okstra (its home's version stamp), which the
  // templates came from; toolVersion: this program (docs/prepare.md).
  std::optional<std::string> okstra_version;
  std::string tool_version, created_at;
};
run_context make_run_context(const dirs::home_layout& home, const run_request& request, const project_info& project,
                             const run_paths& paths,
                             const worktree_facts& worktree, const pr_template& pr, std::string created_at);
std::string to_json(const run_context& context, bool pretty = true);

struct planned_file {
  stdfs::path path;
  std::string content;
  stdfs::path root;  // the project root: `path` lies below it, written with write_journaled_below
};
// Renders every file of the run (pure apart from reading templates and the
// clarification response): instruction set, run-inputs.json, worker prompts,
// report template, run-context.json.
std::vector<planned_file> plan_bundle(const run_request& request, const run_paths& paths, const run_context& context,
                                      const template_source& templates);
void write_bundle(const std::vector<planned_file>& files, rollback_journal& journal);

// task-manifest.json, discovery/task-catalog.json, discovery/latest-task.json.
void update_task_records(const dirs::home_layout& home, const project_info& project, const run_request& request,
                         const run_context& context, rollback_journal& journal,
                         const locks::wait_policy& policy = {});

// ---- the central run index ---------------------------------------------------------

inline constexpr std::string_view final_statuses[] = {"completed", "error", "timeout", "aborted"};

std::string start_line(const run_context& context, std::string_view project_id);
void record_start(const dirs::home_layout& home, const run_context& context, std::string_view project_id,
                  const locks::wait_policy& policy = {});

struct finish_result {
  std::string run_dir, task_key, task_type, status, finished_at;
  int seq = 0;
  std::optional<int> stage;
};
// Finishes the active run of `run_dir` (the one with `seq`, else the latest).
finish_result finish(const dirs::home_layout& home, const stdfs::path& run_dir, std::string_view status,
                     std::optional<int> seq = std::nullopt, const locks::wait_policy& policy = {});

// What the run index says about implementation stage `stage` of `key`: a
// line in active.jsonl means a run holds it; otherwise `last_status` is the
// state of its latest line in recent.jsonl (empty when it has none). Used by
// `okstra-worktree reconcile` to free a stage a killed prepare left active.
struct stage_run_state {
  bool running = false;
  std::string last_status;
};
stage_run_state stage_run_state_of(const dirs::home_layout& home, const dirs::task_key& key, int stage,
                                   const locks::wait_policy& policy = {});

// ---- the project's Claude Code settings ---------------------------------------------

enum class settings_link_status { created, present, replaced, user_file, user_link, not_a_file, no_template, failed };
std::string_view to_string(settings_link_status status);

struct settings_link {
  settings_link_status status = settings_link_status::failed;
  stdfs::path link;    // <project>/.claude/settings.local.json
  stdfs::path target;  // the settings.local.json of `templates`, absolute
  std::string found;   // user-link/replaced: the old target; failed: the error
};
// Points <project>/.claude/settings.local.json at the template (creating
// .claude/ when missing). Idempotent; a link to an okstra template elsewhere
// is re-pointed, a user's own file or link is left alone (user_file,
// user_link). Never throws an okstra::error: a failure is status `failed`.
settings_link link_project_settings(const stdfs::path& project_root, const template_source& templates);

// ---- after the worktree step, in one go --------------------------------------------

// allocate_run → plan_bundle → write_bundle → update_task_records →
// record_start, journaled. The caller holds the task lock and has run the
// install check, ensure_project and the worktree step with the same journal.
run_context materialize_run(const dirs::home_layout& home, const project_info& project, const run_request& request,
                            std::optional<int> stage, const worktree_facts& worktree,
                            const template_source& templates, rollback_journal& journal,
                            const locks::wait_policy& policy = {});

}  // namespace okstra::prepare

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/prepare/detail/journal.hpp"
#include "okstra/prepare/detail/templates.hpp"
#include "okstra/prepare/detail/project.hpp"
#include "okstra/prepare/detail/run_paths.hpp"
#include "okstra/prepare/detail/bundle.hpp"
#include "okstra/prepare/detail/records.hpp"
#include "okstra/prepare/detail/run_index.hpp"
#include "okstra/prepare/detail/settings_link.hpp"
#endif
