// The rollback log of okstra/worktree/worktree.hpp. Include that header.
//
// Effects are recorded *before* they are attempted (a half-done
// `git worktree add -b` can leave a branch without a worktree), and undone
// tolerantly: an absent worktree or branch is simply not there to undo. That
// is safe because the provisioners refuse a path or branch that existed
// before, so whatever is found there afterwards is this call's. The first
// undo that fails ends the rollback: the `provisioning` row written before
// the effects then stays, and the next run of the key (or reconcile) cleans
// up what it names (docs/worktrees.md, "Crash safety").
#pragma once

#include "okstra/core/api.hpp"

#include "okstra/core/diagnostics.hpp"

namespace okstra::worktree {

OKSTRA_INLINE transaction::transaction(dirs::home_layout home, dirs::task_key key, locks::wait_policy policy)
    : home_(std::move(home)), key_(std::move(key)), policy_(policy) {}

OKSTRA_INLINE transaction::~transaction() {
  for (const auto& problem : rollback()) diagnostics::warn("rollback: " + problem);
}

OKSTRA_INLINE void transaction::commit() noexcept { steps_.clear(); }

OKSTRA_INLINE void transaction::added_worktree(const std::string& repo, const std::string& path) {
  steps_.push_back({step::kind::worktree, repo, path, std::nullopt, std::nullopt});
}

OKSTRA_INLINE void transaction::created_branch(const std::string& repo, const std::string& branch) {
  steps_.push_back({step::kind::branch, repo, branch, std::nullopt, std::nullopt});
}

OKSTRA_INLINE void transaction::wrote_row(const std::string& row, std::optional<entry> previous, const entry& written) {
  steps_.push_back({step::kind::row, {}, row, std::move(previous), written});
}

OKSTRA_INLINE bool transaction::row_still_ours(const registry& reg, const step& row_step) const {
  const auto it = reg.entries.find(row_step.name);
  return it != reg.entries.end() && row_step.written && it->second == *row_step.written;
}

// Undoes one step. Once a row turns out to have been taken over by another
// run (it reused what we made), the worktree and branch under it are theirs
// now and are left alone.
OKSTRA_INLINE void transaction::undo(const step& s, bool& row_taken_over) {
  switch (s.what) {
    case step::kind::row:
      update_registry(home_, policy_, [&](registry& reg) {
        if (!row_still_ours(reg, s)) {
          row_taken_over = reg.entries.count(s.name) > 0;
          return false;
        }
        if (s.previous) {
          put_entry(reg, s.name, *s.previous);
        } else {
          erase_entry(reg, s.name);
        }
        return true;
      });
      return;
    case step::kind::worktree:
      if (row_taken_over) return;
      detail::discard_worktree(home_, s.repo, s.name);
      return;
    case step::kind::branch:
      if (row_taken_over) return;
      if (detail::branch_exists(s.repo, s.name)) detail::delete_branch(s.repo, s.name);
      return;
  }
}

OKSTRA_INLINE std::vector<std::string> transaction::rollback() noexcept {
  std::vector<std::string> problems;
  if (steps_.empty()) return problems;
  try {
    // Serialise with other provisioners of this key, unless this process is
    // already inside that critical section (locks are not re-entrant).
    std::optional<locks::lock> mutex;
    try {
      mutex.emplace(locks::worktree_provision_mutex(home_, key_, policy_));
    } catch (const locks::lock_reentry_error&) {
    }
    const detail::git_effects_lock git_running(home_, key_);
    bool row_taken_over = false;
    for (auto it = steps_.rbegin(); it != steps_.rend() && problems.empty(); ++it) {
      try {
        undo(*it, row_taken_over);
      } catch (const okstra::error& e) {
        problems.push_back(std::string(e.what()) + (e.hint().empty() ? "" : " (" + e.hint() + ")"));
      } catch (const std::exception& e) {
        problems.emplace_back(e.what());
      }
    }
    if (!problems.empty()) problems.emplace_back("the rest is left for the next prepare or 'okstra-worktree reconcile'");
  } catch (const std::exception& e) {
    problems.push_back(std::string("nothing undone: ") + e.what());
  } catch (...) {
    problems.emplace_back("nothing undone: unknown error");
  }
  steps_.clear();
  return problems;
}

}  // namespace okstra::worktree
