// Status updates, reconcile and remove behind okstra/worktree/worktree.hpp.
// Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>
#include <set>

namespace okstra::worktree {

OKSTRA_INLINE bool set_status(const dirs::home_layout& home, const dirs::task_key& key, std::optional<int> stage,
                       entry_status status, const locks::wait_policy& policy) {
  const std::string row = row_key(key, stage);
  bool changed = false;
  update_registry(home, policy, [&](registry& reg) {
    const auto it = reg.entries.find(row);
    if (it == reg.entries.end())
      throw refused(quoted("no worktree registered for", key.str() + (stage ? " stage " + std::to_string(*stage) : "")));
    const entry_status now = it->second.status;
    if (now != entry_status::active && now != entry_status::completed && now != entry_status::released) return false;
    it->second.status = status;
    it->second.updated_at = time::utc_now_iso8601();
    return changed = true;
  });
  return changed;
}

namespace detail {

// Stage rows still `active` whose run is gone. Each row is decided and
// updated under its task's implementation lock, taken without waiting: a
// prepare holding it may be about to use the row, so a busy row is left.
inline void settle_stage_rows(const dirs::home_layout& home, bool dry_run, const locks::wait_policy& policy,
                              const stage_settler& settle, reconcile_report& report) {
  std::set<std::string> dropped;  // still in the registry on a dry run
  for (const auto& gone : report.dropped) dropped.insert(gone.first);
  for (const auto& gone : report.kept) dropped.insert(gone.first);
  for (const auto& [row, e] : read_registry(home).entries) {
    if (!e.stage || e.status != entry_status::active || dropped.count(row)) continue;
    std::optional<locks::lock> quiet;
    try {
      quiet.emplace(locks::task_lock(home, e.key(), "implementation", locks::wait_policy{0.0}));
    } catch (const okstra::error& busy) {
      if (busy.code() != exit_code::refused) throw;
      continue;
    }
    const auto status = settle(e);
    if (!status || *status == entry_status::active) continue;
    entry settled = e;
    if (!dry_run) {
      bool changed = false;
      const std::string& row_name = row;  // a lambda may not capture a structured binding (C++20, clang)
      update_registry(home, policy, [&](registry& reg) {
        const auto it = reg.entries.find(row_name);
        if (it == reg.entries.end() || it->second.status != entry_status::active) return false;
        it->second.status = *status;
        it->second.updated_at = time::utc_now_iso8601();
        settled = it->second;
        return changed = true;
      });
      if (!changed) continue;
    }
    settled.status = *status;
    report.settled.emplace_back(row, settled);
  }
}

// Pending intents of any key: each is finished under its key's provision
// mutex, taken without waiting (a prepare or remove holding it is alive and
// its intent is not stale).
inline void repair_intents(const dirs::home_layout& home, bool dry_run, const locks::wait_policy& policy,
                           reconcile_report& report) {
  for (const auto& [row, e] : read_registry(home).entries) {
    if (!e.intent) continue;
    std::optional<locks::lock> mutex;
    try {
      mutex.emplace(locks::worktree_provision_mutex(home, e.key(), locks::wait_policy{0.0}));
    } catch (const okstra::error& busy) {
      if (busy.code() != exit_code::refused) throw;
      report.busy.push_back(row);
      continue;
    }
    // Read again under the mutex: the row may have been finished meanwhile.
    const registry now = read_registry(home);
    const auto it = now.entries.find(row);
    if (it == now.entries.end() || !(it->second == e)) continue;
    if (owner_alive(*e.intent)) {
      report.busy.push_back(row);
      continue;
    }
    if (!dry_run) {
      wait_for_stray_git(home, e.key());
      const git_effects_lock git_running(home, e.key());
      finish_intent(home, row, e, policy);
    }
    report.repaired.emplace_back(row, e);
  }
}

// Rows whose worktree folder is gone: `kept` while their branch exists (it may
// hold the task's work), dropped otherwise. git runs before the registry lock
// is taken; a row changed since is left for the next reconcile.
inline void keep_or_drop_gone(const dirs::home_layout& home, bool dry_run, const locks::wait_policy& policy,
                              reconcile_report& report) {
  std::vector<std::pair<std::string, entry>> keep, drop;
  for (const auto& [row, e] : read_registry(home).entries) {
    if (e.intent || path_exists(e.path)) continue;
    const bool branch = repository_usable(e.project_root) && branch_exists(e.project_root, e.branch);
    if (branch && e.status != entry_status::kept) keep.emplace_back(row, e);
    if (!branch) drop.emplace_back(row, e);
  }
  update_registry(home, policy, [&](registry& reg) {
    bool changed = false;
    for (auto& [row, e] : keep) {
      const auto it = reg.entries.find(row);
      if (it == reg.entries.end() || !(it->second == e)) continue;
      report.kept.emplace_back(row, e);
      if (dry_run) continue;
      it->second.status = entry_status::kept;
      it->second.updated_at = time::utc_now_iso8601();
      changed = true;
    }
    for (auto& [row, e] : drop) {
      const auto it = reg.entries.find(row);
      if (it == reg.entries.end() || !(it->second == e)) continue;
      report.dropped.emplace_back(row, e);
      if (!dry_run) erase_entry(reg, row), changed = true;
    }
    return changed;
  });
}

}  // namespace detail

OKSTRA_INLINE reconcile_report reconcile(const dirs::home_layout& home, bool dry_run, const locks::wait_policy& policy,
                                  const stage_settler& settle) {
  reconcile_report report;
  report.dry_run = dry_run;
  detail::repair_intents(home, dry_run, policy, report);
  detail::keep_or_drop_gone(home, dry_run, policy, report);
  std::set<std::string> repos;
  for (const auto& [row, e] : read_registry(home).entries) repos.insert(e.project_root);
  for (const auto& gone : report.dropped) repos.insert(gone.second.project_root);
  // git runs outside the registry lock: pruning touches only git's own data.
  for (const auto& repo : repos) {
    if (!detail::repository_usable(repo)) {
      report.skipped_repos.push_back(repo);
      continue;
    }
    report.pruned.push_back({repo, detail::prune_worktrees(repo, dry_run)});
  }
  if (settle) detail::settle_stage_rows(home, dry_run, policy, settle, report);
  return report;
}

namespace detail {

// Uncommitted changes, except untracked symlinks that point at the same name
// in the main worktree: the synced folders okstra linked.
inline std::vector<std::string> changes_besides_synced(const entry& e) {
  std::vector<std::string> changes;
  for (const auto& line : lines_of(git(e.path, {"status", "--porcelain", "--untracked-files=normal"}))) {
    if (line.rfind("?? ", 0) == 0) {
      std::string name = line.substr(3);
      if (!name.empty() && name.back() == '/') name.pop_back();
      const stdfs::path link = stdfs::path(e.path) / name;
      std::error_code ec;
      if (stdfs::is_symlink(link, ec) && stdfs::read_symlink(link, ec) == stdfs::path(e.project_root) / name) continue;
    }
    changes.push_back(line);
  }
  return changes;
}

// Every row to remove is marked `removing` (intent before effect) in one
// registry write; rows kept already are marked only when the branch goes too.
inline std::vector<std::pair<std::string, entry>> mark_removing(const dirs::home_layout& home,
                                                                const std::vector<std::pair<std::string, entry>>& rows,
                                                                bool drop_branch, const locks::wait_policy& policy) {
  std::vector<std::pair<std::string, entry>> marked;
  update_registry(home, policy, [&](registry& reg) {
    for (const auto& [row, e] : rows) {
      const auto it = reg.entries.find(row);
      if (it == reg.entries.end() || !(it->second == e))
        throw refused(quoted("registry row changed during remove", row), "retry");
      if (e.status == entry_status::kept && !drop_branch) continue;
      entry next = e;
      next.status = entry_status::removing;
      next.intent = own_intent();
      next.intent->delete_branch = drop_branch;
      next.updated_at = next.intent->since;
      put_entry(reg, row, next);
      marked.emplace_back(row, next);
    }
    return !marked.empty();
  });
  return marked;
}

// A refusal of remove changes nothing: every worktree is checked first.
inline void refuse_unsafe_removal(const std::vector<std::pair<std::string, entry>>& rows, const remove_request& request) {
  const std::string command = "okstra-worktree remove " + request.key.str() +
                              (request.stage ? " --stage " + std::to_string(*request.stage) : "");
  if (!request.delete_branch && std::all_of(rows.begin(), rows.end(), [](const auto& r) {
        return r.second.status == entry_status::kept;
      }))
    throw refused(quoted("worktree already removed, its branch kept", request.key.str()),
                  "'" + command + " --delete-branch' deletes the branch too");
  if (request.force) return;
  for (const auto& [row, e] : rows) {
    if (e.intent || e.status == entry_status::kept || !path_exists(e.path)) continue;
    if (!is_worktree_of(e.project_root, e.path))
      throw refused(quoted("worktree folder is no longer a git worktree", e.path),
                    "'" + command + " --force' deletes it (files in it are lost; the branch is kept)");
    const auto changes = changes_besides_synced(e);
    if (!changes.empty())
      throw refused(quoted("worktree has uncommitted changes", e.path),
                    changes.front() + (changes.size() > 1 ? " (and " + std::to_string(changes.size() - 1) + " more)" : "") +
                        "; commit or discard them, or pass --force");
  }
}

}  // namespace detail

OKSTRA_INLINE remove_report remove(const dirs::home_layout& home, const remove_request& request,
                            const locks::lock& provision_mutex, const locks::wait_policy& policy) {
  detail::require_provision_mutex(home, request.key, provision_mutex);
  const auto rows_now = [&] {
    auto rows = entries_of(read_registry(home), request.key);
    if (request.stage) std::erase_if(rows, [&](const auto& r) { return r.second.stage != request.stage; });
    return rows;
  };
  auto rows = rows_now();
  if (rows.empty())
    throw refused(quoted("no worktree registered for",
                         request.key.str() + (request.stage ? " stage " + std::to_string(*request.stage) : "")),
                  "see 'okstra-worktree list'");
  remove_report report;
  if (std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.second.intent.has_value(); }))
    detail::wait_for_stray_git(home, request.key);
  const detail::git_effects_lock git_running(home, request.key);
  // A provisioning left by a killed prepare is cleaned up first; a removal
  // left by a killed remove is finished with this command's options.
  for (const auto& [row, e] : rows) {
    if (!e.intent) continue;
    if (detail::owner_alive(*e.intent)) throw detail::busy_intent(row, e);
    if (e.status == entry_status::provisioning) detail::clean_up_provisioning(home, row, e, policy);
  }
  rows = rows_now();
  detail::refuse_unsafe_removal(rows, request);
  std::vector<std::pair<std::string, entry>> marked;
  std::vector<std::pair<std::string, entry>> fresh;
  for (const auto& r : rows) (r.second.intent ? marked : fresh).push_back(r);
  for (auto& r : detail::mark_removing(home, fresh, request.delete_branch, policy)) marked.push_back(std::move(r));
  if (request.after_marking) request.after_marking();
  std::stable_sort(marked.begin(), marked.end(),
                   [](const auto& a, const auto& b) { return a.second.stage.value_or(0) > b.second.stage.value_or(0); });
  // Stages first: the task worktree goes last.
  for (const auto& [row, e] : marked) {
    const bool had_branch = detail::repository_usable(e.project_root) && detail::branch_exists(e.project_root, e.branch);
    const bool kept = detail::finish_removal(home, row, e, request.delete_branch, policy);
    if (kept) report.kept_branches.push_back(e.branch);
    if (had_branch && !kept && request.delete_branch) report.deleted_branches.push_back(e.branch);
    const std::string& row_name = row;  // a lambda may not capture a structured binding (C++20, clang)
    const auto original = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == row_name; });
    report.removed.emplace_back(row, original != rows.end() ? original->second : e);
  }
  return report;
}

}  // namespace okstra::worktree
