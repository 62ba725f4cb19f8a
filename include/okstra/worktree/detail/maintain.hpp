// Status updates, reconcile and remove behind okstra/worktree/worktree.hpp.
// Include that header instead.
#pragma once

#include <set>

namespace okstra::worktree {

inline void set_status(const dirs::home_layout& home, const dirs::task_key& key, std::optional<int> stage,
                       entry_status status, const locks::wait_policy& policy) {
  const std::string row = row_key(key, stage);
  update_registry(home, policy, [&](registry& reg) {
    const auto it = reg.entries.find(row);
    if (it == reg.entries.end())
      throw refused(quoted("no worktree registered for", key.str() + (stage ? " stage " + std::to_string(*stage) : "")));
    it->second.status = status;
    it->second.updated_at = time::utc_now_iso8601();
    return true;
  });
}

namespace detail {

// Stage rows still `active` whose run is gone. Each row is decided and
// updated under its task's implementation lock, taken without waiting: a
// prepare holding it may be about to use the row, so a busy row is left.
inline void settle_stage_rows(const dirs::home_layout& home, bool dry_run, const locks::wait_policy& policy,
                              const stage_settler& settle, reconcile_report& report) {
  std::set<std::string> dropped;  // still in the registry on a dry run
  for (const auto& gone : report.dropped) dropped.insert(gone.first);
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

}  // namespace detail

inline reconcile_report reconcile(const dirs::home_layout& home, bool dry_run, const locks::wait_policy& policy,
                                  const stage_settler& settle) {
  reconcile_report report;
  report.dry_run = dry_run;
  std::set<std::string> repos;
  update_registry(home, policy, [&](registry& reg) {
    for (const auto& [row, e] : reg.entries) {
      repos.insert(e.project_root);
      if (!detail::path_exists(e.path)) report.dropped.emplace_back(row, e);
    }
    if (dry_run) return false;
    for (const auto& dropped : report.dropped) erase_entry(reg, dropped.first);
    return !report.dropped.empty();
  });
  // git runs outside the registry lock: pruning touches only git's own data.
  for (const auto& repo : repos) {
    const auto probe = detail::probe_repository(repo);
    if (probe.kind != detail::repo_kind::main_worktree) {
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

inline void remove_one(const dirs::home_layout& home, const std::string& row, const entry& e, bool drop_branch,
                       remove_report& report, const locks::wait_policy& policy) {
  const stdfs::path repo = e.project_root;
  if (path_exists(e.path)) {
    // --force: the only untracked files left are okstra's synced-folder links
    // (checked before), or the caller asked for it.
    remove_worktree(repo, e.path, true);
  } else {
    prune_worktrees(repo, false);
  }
  if (drop_branch && branch_exists(repo, e.branch)) {
    delete_branch(repo, e.branch);
    report.deleted_branches.push_back(e.branch);
  }
  update_registry(home, policy, [&](registry& reg) {
    erase_entry(reg, row);
    return true;
  });
  report.removed.emplace_back(row, e);
}

}  // namespace detail

inline remove_report remove(const dirs::home_layout& home, const remove_request& request,
                            const locks::lock& provision_mutex, const locks::wait_policy& policy) {
  detail::require_provision_mutex(home, request.key, provision_mutex);
  auto rows = entries_of(read_registry(home), request.key);
  if (request.stage)
    std::erase_if(rows, [&](const auto& r) { return r.second.stage != request.stage; });
  if (rows.empty())
    throw refused(quoted("no worktree registered for",
                         request.key.str() + (request.stage ? " stage " + std::to_string(*request.stage) : "")),
                  "see 'okstra-worktree list'");
  // Check every worktree before removing any, so a refusal changes nothing.
  for (const auto& [row, e] : rows) {
    if (request.force || !detail::path_exists(e.path)) continue;
    const auto changes = detail::changes_besides_synced(e);
    if (!changes.empty())
      throw refused(quoted("worktree has uncommitted changes", e.path),
                    changes.front() + (changes.size() > 1 ? " (and " + std::to_string(changes.size() - 1) + " more)" : "") +
                        "; commit or discard them, or pass --force");
  }
  remove_report report;
  // Stages first: the task worktree goes last.
  for (auto it = rows.rbegin(); it != rows.rend(); ++it)
    detail::remove_one(home, it->first, it->second, request.delete_branch, report, policy);
  return report;
}

}  // namespace okstra::worktree
