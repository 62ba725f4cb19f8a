// build_plan, apply and undo of okstra/migrate/migrate.hpp: refusals first,
// then the locks, then the steps. Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <optional>

#include "okstra/locks/locks.hpp"

namespace okstra::migrate {

namespace detail {

inline bool journal_exists(const context& c) { return node_at(c.journal) != node::missing; }

inline journal_state load_journal(const context& c) {
  if (!regular_file(c.journal)) throw corrupt_journal(c.journal.string(), "not a regular file");
  journal_state j = read_journal(c.journal);
  if (j.plan.project_root != c.root.string() || j.plan.journal != c.journal.string())
    throw corrupt_journal(c.journal.string(),
                          "it was written for the project at '" + printable(j.plan.project_root) + "'");
  return j;
}

// The refusals that still apply to an interrupted migration: a run of the
// project started since, or the current directory inside the folder that
// the next step moves (forward: the legacy folder; back: .okstra/).
inline void check_interrupted(const context& c, bool undoing) {
  refuse_active_run(c);
  if (!undoing && node_at(c.from) == node::folder) refuse_working_dir_inside(c, c.from);
  if (undoing && node_at(c.from) == node::missing && node_at(c.to) == node::folder) refuse_working_dir_inside(c, c.to);
}

inline migration_plan shown_plan(const journal_state& j) {
  migration_plan p = j.plan;
  p.state = project_state::interrupted;
  return p;
}

// Every file a killed run may have been writing when it died.
inline std::vector<stdfs::path> touched_files(const context& c, const journal_state& j) {
  std::vector<stdfs::path> files{c.journal};
  for (const auto& f : j.files) {
    if (f.where == "home") {
      files.emplace_back(f.row.path);
    } else {
      files.push_back(c.to / f.row.path);
      files.push_back(c.from / f.row.path);
    }
  }
  return files;
}

// The central lock, and the registry lock when the home has worktrees (a
// registry can only appear under that folder, and only a provision — which
// refuses a legacy or half-migrated project — creates it).
struct held_locks {
  locks::lock central;
  std::optional<locks::lock> registry;
};

inline held_locks take_locks(const context& c) {
  held_locks held{locks::central_lock(c.home, c.policy), std::nullopt};
  if (node_at(c.home.worktrees_dir()) == node::folder) held.registry.emplace(locks::registry_lock(c.home, c.policy));
  return held;
}

inline outcome resume(const context& c, const step_hook& hook) {
  journal_state j = load_journal(c);
  check_interrupted(c, false);
  remove_stray_temps(touched_files(c, j));
  if (j.direction != "apply") {
    j.direction = "apply";
    j.steps.clear();
    for (const auto& step : j.plan.steps) j.steps.emplace_back(step, step == "journal" ? "done" : "pending");
    save_journal(c.journal, j);
  }
  outcome o{shown_plan(j), {}};
  o.result.status = "migrated";
  o.result.resumed = true;
  run_forward(stepper{c, j, hook, o.result});
  return o;
}

inline outcome nothing_to_do(const context& c) {
  outcome o{scan(c, project_state::migrated).plan, {}};
  o.result.status = "nothing-to-do";
  return o;
}

}  // namespace detail

OKSTRA_INLINE migration_plan build_plan(const request& r) {
  const detail::context c = detail::resolve(r);
  if (detail::journal_exists(c)) {
    const detail::journal_state j = detail::load_journal(c);
    detail::check_interrupted(c, false);
    return detail::shown_plan(j);
  }
  return detail::scan(c, detail::check_fresh(c)).plan;
}

OKSTRA_INLINE outcome apply(const request& r, const step_hook& after_step) {
  const detail::context c = detail::resolve(r);
  // Refusals before anything is written, not even a lock file.
  if (detail::journal_exists(c)) {
    detail::load_journal(c);
    detail::check_interrupted(c, false);
  } else if (detail::check_fresh(c) == project_state::migrated) {
    return detail::nothing_to_do(c);
  }
  const auto held = detail::take_locks(c);
  // A run killed while writing its first journal left a temporary of it in
  // the project root, and no journal that would name it.
  fs::remove_stale_temps(c.journal);
  if (detail::journal_exists(c)) return detail::resume(c, after_step);
  const project_state state = detail::check_fresh(c);  // again, under the locks
  if (state == project_state::migrated) return detail::nothing_to_do(c);
  detail::scan_result s = detail::scan(c, state);
  detail::journal_state j = detail::new_journal(s);
  j.steps.front().second = "done";  // the journal step is writing it
  detail::save_journal(c.journal, j);
  outcome o{s.plan, {}};
  o.result.status = "migrated";
  const detail::stepper steps{c, j, after_step, o.result, &s};
  steps.pause("journal");
  detail::run_forward(steps);
  return o;
}

OKSTRA_INLINE outcome undo(const request& r, const step_hook& after_step) {
  const detail::context c = detail::resolve(r);
  const auto no_journal = [&] {
    return detail::refusal("no interrupted migration to undo", c.journal,
                           "--undo reverts a migration that was interrupted; a finished one is reverted by hand "
                           "(docs/migrate.md)");
  };
  if (!detail::journal_exists(c)) throw no_journal();
  detail::load_journal(c);
  detail::check_interrupted(c, true);
  const auto held = detail::take_locks(c);
  if (!detail::journal_exists(c)) throw no_journal();
  detail::journal_state j = detail::load_journal(c);
  detail::check_interrupted(c, true);
  detail::remove_stray_temps(detail::touched_files(c, j));
  detail::begin_undo(j, c.journal);
  outcome o{detail::shown_plan(j), {}};
  o.result.status = "undone";
  o.result.resumed = true;
  detail::run_back(detail::stepper{c, j, after_step, o.result});
  return o;
}

}  // namespace okstra::migrate
