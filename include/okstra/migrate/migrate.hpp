// okstra/migrate/migrate.hpp — move a project from the legacy layout
// <root>/.project-docs/okstra/ to <root>/.okstra/ (docs/migrate.md
// is the long form of this contract).
//
// Contract:
// - build_plan() reads only: the project folder, the okstra home's
//   projects/*.json, recent.jsonl, active.jsonl and worktrees/registry.json.
//   It returns the plan as a value, or throws a refusal (exit 1,
//   "migrate refused: <reason> '<path>'") when: there is no legacy folder (and
//   the project is not migrated already); .okstra/ exists and is not an empty
//   folder; the legacy folder (or .project-docs/) is a symbolic link or not a
//   folder, or lies on another file system; a line of active.jsonl names a run
//   of this project; the process's current directory is inside the folder
//   being moved. An already migrated project gives a plan with nothingToDo.
//   With a journal present the plan is the journal's (state "interrupted").
// - apply() checks the same refusals before any write (a refusal creates not
//   even a lock file), then takes the central lock and, when <home>/worktrees/
//   exists, the registry lock (in that order) for the whole run and checks
//   them again under the locks. It writes the journal
//   (<root>/.okstra-migrate.journal.json, one line of JSON: the plan, the
//   original of every JSON file and JSONL line it rewrites, each step's
//   state), renames the legacy folder to .okstra/ with one rename(2),
//   rewrites every reference to the old location, removes .project-docs/
//   when it is then empty, and deletes the journal. Each step is
//   idempotent: when a journal exists, apply() continues that migration.
// - Rewriting is exact: in every JSON string value (never an object key) that
//   starts with an old prefix followed by '/' or the end of the string, that
//   prefix is replaced by the new one; all other bytes stay as they are.
//   JSONL lines that do not parse, and JSON files that do not parse, are kept
//   byte for byte (the latter named in the plan's warnings). Old prefixes:
//   "<root>/.project-docs/okstra" for each spelling of the root (canonical,
//   as given, as recorded in project.json), and in the project's own files
//   and its mirror <home>/projects/<id>.json also the relative
//   ".project-docs/okstra".
// - undo() reverts an interrupted migration from its journal: references
//   restored, the folder moved back, the journal deleted. Same locks. Without
//   a journal it refuses (a finished migration is not undone).
// - Every file is replaced atomically (fs::write_file_atomic) with its mode
//   kept, under the lock that guards it: project files and the home's
//   projects/, recent.jsonl, active.jsonl under the central lock, the
//   registry under the registry lock. Project files are written without an
//   fsync each and flushed by one syncfs(2) before the journal moves on.
// - after_step (optional) is called after each named step (see pause_steps);
//   okstra-migrate's test-only pause hook uses it. If it throws, the run stops
//   there as if killed (the journal stays): the tests simulate crashes so.
// - Throws okstra::error: refused (1) as above, and for undo without a
//   journal or a layout a step cannot continue from; input (3) for a missing
//   project folder, an unreadable or corrupt journal, an I/O failure. After
//   the journal exists, a failure leaves it in place: a re-run finishes the
//   migration, --undo reverts it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/error.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/locks/locks.hpp"

namespace okstra::migrate {

namespace stdfs = std::filesystem;

enum class project_state { legacy, interrupted, migrated };
std::string_view to_string(project_state state);

// The named steps, in order. apply(): journal .. cleanup (rewrite-project-first
// comes after the first project file of rewrite-project); undo(): undo-*.
inline constexpr std::string_view apply_steps[] = {"journal",          "move",           "rewrite-project",
                                                   "rewrite-projects", "rewrite-recent", "rewrite-active",
                                                   "rewrite-registry", "cleanup",        "finish"};
inline constexpr std::string_view pause_steps[] = {
    "journal",          "move",           "rewrite-project-first", "rewrite-project",
    "rewrite-projects", "rewrite-recent", "rewrite-active",        "rewrite-registry",
    "cleanup",          "undo-home",      "undo-project",          "undo-move"};

struct prefix_pair {
  std::string from, to;
  friend bool operator==(const prefix_pair&, const prefix_pair&) = default;
};

enum class file_kind { json, jsonl };

struct file_rewrite {
  std::string path;  // project files: relative to the okstra folder; home files: absolute
  file_kind kind = file_kind::json;
  std::string lock;  // "central" | "registry"
  // "project": the project's own prefixes, relative ones included (its files
  // and its project mirror); "home": the absolute prefixes only.
  std::string prefixes = "project";
  std::size_t references = 0;
  friend bool operator==(const file_rewrite&, const file_rewrite&) = default;
};

struct migration_plan {
  std::string project_root;  // canonical
  std::string from, to, journal;
  project_state state = project_state::legacy;
  bool nothing_to_do = false;
  std::size_t files = 0, folders = 0;   // what the move carries (files: everything not a folder)
  bool replaces_empty_current = false;  // an empty .okstra/ is replaced by the move
  bool remove_legacy_parent = false;    // .project-docs/ holds nothing else
  std::vector<prefix_pair> project_prefixes, home_prefixes;
  std::vector<file_rewrite> project_files, home_files;
  std::vector<std::string> warnings;
  std::vector<std::string> steps;
  friend bool operator==(const migration_plan&, const migration_plan&) = default;
};

struct migration_result {
  std::string status;    // "migrated" | "nothing-to-do" | "undone"
  bool resumed = false;  // a journal was found: an interrupted run was continued
  bool moved = false;    // this call renamed the folder
  std::size_t files_rewritten = 0, references_rewritten = 0, files_restored = 0;
  bool legacy_parent_removed = false;
  std::vector<std::string> warnings;
};

struct outcome {
  migration_plan plan;
  migration_result result;
};

struct request {
  stdfs::path project_dir = ".";  // --cwd
  stdfs::path working_dir;        // the process's current directory; empty: asked
  dirs::home_layout home;
  locks::wait_policy policy;
};

using step_hook = std::function<void(std::string_view step)>;

migration_plan build_plan(const request& r);
outcome apply(const request& r, const step_hook& after_step = {});
outcome undo(const request& r, const step_hook& after_step = {});

// A dry run: {plan, result} with result {"status": "dry-run", "changed": false}, the
// shape --apply and --undo print (docs/migrate.md).
std::string to_json(const migration_plan& plan, bool pretty = true);
std::string to_json(const outcome& done, bool pretty = true);

// ---- the pure rewriting, public for tests and tools ---------------------------------

struct text_rewrite {
  std::string text;
  std::size_t references = 0;
};
// `text` must be one valid JSON document (the caller checks with json::parse).
text_rewrite rewrite_json(std::string_view text, const std::vector<prefix_pair>& prefixes);

struct line_change {
  std::string original, rewritten;
};
struct jsonl_rewrite {
  std::string text;
  std::size_t references = 0;
  std::vector<line_change> changes;
};
// Lines that do not parse as JSON (empty ones included) are kept byte for byte.
jsonl_rewrite rewrite_jsonl(std::string_view text, const std::vector<prefix_pair>& prefixes);

}  // namespace okstra::migrate

// In dependency order (each uses the ones above it).
#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
// clang-format off
#include "okstra/migrate/detail/rewrite.hpp"
#include "okstra/migrate/detail/inspect.hpp"
#include "okstra/migrate/detail/scan.hpp"
#include "okstra/migrate/detail/plan_json.hpp"
#include "okstra/migrate/detail/journal.hpp"
#include "okstra/migrate/detail/steps.hpp"
#include "okstra/migrate/detail/run.hpp"
// clang-format on
#endif
