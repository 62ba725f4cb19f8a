// okstra/dirs/dirs.hpp — where everything lives, and task keys.
//
// Contract: the one owner of "where things are" (docs/dirs.md). Pure path
// arithmetic and validation; nothing here touches the disk except the
// functions that read the environment or passwd (user_home, okstra_home,
// the agent roots), data_dir() (reads /proc/self/exe, stats two folders) and
// detect_layout() (stats two folders).
// - user_home(): $HOME when set and not empty, else the passwd entry of the
//   real user id; neither: an input error (exit 3) with a hint. Every module
//   asks here; none falls back to a made-up folder.
// - okstra_home(): OKSTRA_HOME with surrounding whitespace trimmed, made
//   absolute; unset or empty means "$HOME/.okstra".
// - Agent roots: claude_roots(), codex_roots(), gemini_roots() read
//   CLAUDE_CONFIG_DIR, CODEX_HOME, GEMINI_DIR as comma-separated lists
//   (items trimmed, empty ones dropped); unset or blank means the agent's
//   defaults under the home folder (Claude: $XDG_CONFIG_HOME/claude, else
//   ~/.config/claude, then ~/.claude). `from_environment` says the list was
//   named by the user, so a caller may insist that each folder exists.
// - data_dir(): okstra's installed data folder, <folder of the running
//   program>/../share/okstra (an install) or <that folder>/share/okstra (a
//   build folder, where Meson links it); nullopt when neither is a folder.
// - task keys: "<projectId>/<taskGroup>/<taskId>" or "a:b:c"; each segment is
//   1–128 bytes of well-formed UTF-8, no control character, no '/', not "."
//   or "..". Violations throw a usage error naming the key and the rule.
// - safe_segment(): characters outside [A-Za-z0-9._-] become '-' (one per
//   code point). It is lossy, so two keys can share safe segments:
//   find_safe_collision() detects that and callers refuse (never share).
// - escape_segment()/escaped_key(): an injective escape for registry rows
//   ('+' join, %HH); persisted, so it never changes.
// - lock_key(): the name of a key's lock files, the seed's: the safe
//   segments, each with '-' written "%2D", joined with '-' (docs/dirs.md,
//   "Lock names"). Injective on safe segments, so keys that collide there
//   share their locks (and are refused at the worktree step).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/error.hpp"

namespace okstra::dirs {

namespace stdfs = std::filesystem;

stdfs::path okstra_home();
// The user's home folder: $HOME, else the passwd entry; an input error if neither.
stdfs::path user_home();

// ---- agent roots and the data folder (docs/dirs.md) -------------------------

struct agent_roots {
  std::vector<stdfs::path> roots;  // in the order to try
  bool from_environment = false;   // named by the user: each should exist
};

agent_roots claude_roots();  // CLAUDE_CONFIG_DIR, else $XDG_CONFIG_HOME/claude (~/.config/claude), ~/.claude
agent_roots codex_roots();   // CODEX_HOME, else ~/.codex
agent_roots gemini_roots();  // GEMINI_DIR, else ~/.gemini

// <exe dir>/../share/okstra, else <exe dir>/share/okstra; nullopt when neither is a folder.
std::optional<stdfs::path> data_dir();

// ---- home layout ----------------------------------------------------------

struct home_layout {
  stdfs::path root;

  stdfs::path version_file() const { return root / "version"; }
  stdfs::path config_json() const { return root / "config.json"; }
  stdfs::path recent_jsonl() const { return root / "recent.jsonl"; }
  stdfs::path active_jsonl() const { return root / "active.jsonl"; }
  stdfs::path projects_dir() const { return root / "projects"; }
  stdfs::path project_mirror(std::string_view project_id) const;
  stdfs::path worktrees_dir() const { return root / "worktrees"; }
  stdfs::path registry_json() const { return worktrees_dir() / "registry.json"; }
  stdfs::path registry_lock() const { return worktrees_dir() / "registry.lock"; }
  stdfs::path locks_dir() const { return root / ".locks"; }
  stdfs::path cache_dir() const { return root / "cache"; }
  stdfs::path templates_dir() const { return root / "templates"; }
  stdfs::path usage_dir() const { return root / "usage"; }
  // Written by the Cursor stop hook (docs/usage.md): Cursor keeps no usage of its own.
  stdfs::path cursor_usage_log() const { return usage_dir() / "cursor.jsonl"; }
};

inline home_layout home() { return home_layout{okstra_home()}; }

// ---- task keys --------------------------------------------------------------

inline constexpr std::size_t max_segment_bytes = 128;

struct task_key {
  std::string project_id;
  std::string task_group;
  std::string task_id;

  std::string str() const { return project_id + "/" + task_group + "/" + task_id; }
  friend bool operator==(const task_key&, const task_key&) = default;
};

// Throws a usage error when `segment` breaks a rule; `role` names it.
void validate_segment(std::string_view segment, std::string_view role, std::string_view whole_key);
task_key parse_task_key(std::string_view text);
task_key make_task_key(std::string_view project_id, std::string_view task_group, std::string_view task_id);

std::string safe_segment(std::string_view segment);
std::string escape_segment(std::string_view segment);
// "<p>+<g>+<i>" escaped; keys too long for a file name become "sha256-<hex>".
std::string escaped_key(const task_key& key);

// The safe segment with each '-' written "%2D", so a '-' join stays unambiguous.
std::string lock_segment(std::string_view safe);
// "<p>-<g>-<i>" of lock_segment(safe_segment(..)); over 160 bytes "sha256-<hex>".
std::string lock_key(const task_key& key);

bool safe_segments_collide(const task_key& a, const task_key& b);
std::optional<task_key> find_safe_collision(const task_key& key, const std::vector<task_key>& known);

// ---- task types -------------------------------------------------------------

inline constexpr std::string_view task_types[] = {
    "requirements-discovery", "error-analysis",     "implementation-planning", "implementation",
    "final-verification",     "release-handoff",    "improvement-discovery"};

bool is_task_type(std::string_view type);
void validate_task_type(std::string_view type);
// implementation and final-verification runs are scoped to a plan's stages.
bool is_stage_scoped(std::string_view type);

// ---- project layout ---------------------------------------------------------

inline constexpr std::string_view current_dir_name = ".okstra";
inline constexpr std::string_view legacy_parent_name = ".project-docs";
inline constexpr std::string_view legacy_dir_name = "okstra";

enum class layout { none, current, legacy, both };

struct project_layout {
  stdfs::path project_root;
  stdfs::path okstra_dir;

  static project_layout current(const stdfs::path& project_root) {
    return {project_root, project_root / current_dir_name};
  }
  static project_layout legacy(const stdfs::path& project_root) {
    return {project_root, project_root / legacy_parent_name / legacy_dir_name};
  }

  stdfs::path project_json() const { return okstra_dir / "project.json"; }
  stdfs::path discovery_dir() const { return okstra_dir / "discovery"; }
  stdfs::path task_catalog() const { return discovery_dir() / "task-catalog.json"; }
  stdfs::path latest_task() const { return discovery_dir() / "latest-task.json"; }
  stdfs::path tasks_dir() const { return okstra_dir / "tasks"; }
  stdfs::path task_root(const task_key& key) const { return tasks_dir() / key.task_group / key.task_id; }
};

layout detect_layout(const stdfs::path& project_root);

// The journal of an okstra-migrate run that has not finished
// (docs/migrate.md): while it exists the project is half-migrated and
// okstra-prepare refuses it.
inline constexpr std::string_view migrate_journal_name = ".okstra-migrate.journal.json";
inline stdfs::path migrate_journal(const stdfs::path& project_root) { return project_root / migrate_journal_name; }

struct task_paths {
  stdfs::path task_root;

  stdfs::path manifest() const { return task_root / "task-manifest.json"; }
  stdfs::path instruction_set() const { return task_root / "instruction-set"; }
  stdfs::path runs_dir() const { return task_root / "runs"; }
  // runs/<taskType>/, or runs/implementation/stage-<N>/ for a stage run.
  stdfs::path run_dir(std::string_view task_type, std::optional<int> stage = std::nullopt) const;
};

// "final-report-<taskType>-<seq>.md", seq as three digits from 001.
std::string report_name(std::string_view task_type, int seq);

// <home>/worktrees/<safe p>/<safe g>/<safe i>/
stdfs::path worktree_path(const home_layout& home, const task_key& key);

}  // namespace okstra::dirs

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/dirs/detail/dirs_impl.hpp"
#endif
