// Task and stage worktree provisioning behind okstra/worktree/worktree.hpp.
// Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "okstra/core/time.hpp"

namespace okstra::worktree {

// ---- names ------------------------------------------------------------------------

OKSTRA_INLINE std::string branch_prefix(std::string_view work_category) {
  static constexpr std::pair<std::string_view, std::string_view> prefixes[] = {
      {"feature", "feat"}, {"bugfix", "fix"},         {"refactor", "refactor"},
      {"ops", "chore"},    {"improvement", "improve"}, {"docs", "docs"}};
  if (work_category.empty()) return "feat";
  std::string known;
  for (const auto& [category, prefix] : prefixes) {
    if (category == work_category) return std::string(prefix);
    known.append(known.empty() ? "" : ", ").append(category);
  }
  throw usage_error(quoted("unknown work category", work_category), "work categories: " + known);
}

OKSTRA_INLINE stdfs::path stage_worktree_path(const dirs::home_layout& home, const dirs::task_key& key, int stage) {
  return dirs::worktree_path(home, key).parent_path() / (dirs::safe_segment(key.task_id) + ".stages") /
         ("stage-" + std::to_string(stage));
}

namespace detail {

inline std::string checked_sync_name(std::string_view name, std::string_view source) {
  const stdfs::path p{std::string(name)};
  bool ok = !name.empty() && p.is_relative();
  for (const auto& part : p) ok = ok && part != ".." && part != "." && part != ".git";
  if (!ok)
    throw input_error(quoted("invalid synced folder name", name) + " in " + std::string(source),
                      "names are relative paths inside the project, without '..' or '.git'");
  return p.lexically_normal().string();
}

}  // namespace detail

OKSTRA_INLINE std::vector<std::string> sync_dirs_for(const stdfs::path& main_root) {
  std::vector<std::string> names;
  if (const char* env = std::getenv("OKSTRA_WORKTREE_SYNC_DIRS"); env && *env) {
    const std::string_view list(env);
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t end = list.find(':', start);
      if (end == std::string_view::npos) end = list.size();
      if (end > start) names.push_back(detail::checked_sync_name(list.substr(start, end - start), "OKSTRA_WORKTREE_SYNC_DIRS"));
      start = end + 1;
    }
    return names;
  }
  const stdfs::path project_json = dirs::project_layout::current(main_root).project_json();
  std::error_code ec;
  if (!stdfs::exists(project_json, ec)) return names;
  const json::document doc = json::read_file(project_json, std::size_t{16} << 20);
  const json::value* list = json::find(json::require_object(doc, project_json.string()), "worktreeSyncDirs");
  if (!list || list->IsNull()) return names;
  if (!list->IsArray()) throw json::field_error(project_json.string(), "worktreeSyncDirs", "an array of strings");
  for (const auto& item : list->GetArray()) {
    if (!item.IsString()) throw json::field_error(project_json.string(), "worktreeSyncDirs", "an array of strings");
    names.push_back(detail::checked_sync_name(json::as_string_view(item), project_json.string()));
  }
  return names;
}

namespace detail {

inline std::string canonical_text(const stdfs::path& p) {
  std::error_code ec;
  const auto c = stdfs::weakly_canonical(p, ec);
  return (ec ? p : c).string();
}

inline void require_provision_mutex(const dirs::home_layout& home, const dirs::task_key& key,
                                    const locks::lock& mutex) {
  if (!mutex.held() || mutex.file() != locks::provision_lock_file(home, key))
    throw std::logic_error("worktree provisioning needs the task key's provision mutex held");
}

// Two keys with the same safe segments would share a path and a branch.
inline void refuse_unsafe_key(const registry& reg, const dirs::task_key& key) {
  std::vector<dirs::task_key> known;
  for (const auto& [row, e] : reg.entries) known.push_back(e.key());
  if (const auto other = dirs::find_safe_collision(key, known))
    throw refused(quoted("task key collides with another task's worktree name", key.str()),
                  "'" + other->str() + "' maps to the same folder and branch; rename one of the task ids");
  if (const std::string safe = dirs::safe_segment(key.task_id);
      safe.size() >= 7 && safe.compare(safe.size() - 7, 7, ".stages") == 0)
    throw refused(quoted("task id ends in '.stages', the suffix of stage worktree folders", key.str()),
                  "rename the task id");
}

inline provision_result skipped(repo_kind kind) {
  provision_result r;
  r.status = kind == repo_kind::not_git ? provision_status::skipped_not_git
                                        : provision_status::skipped_linked_worktree;
  return r;
}

// Symlinks each synced folder that exists in the main worktree into a new
// worktree, unless the worktree already has something of that name.
inline std::vector<std::string> link_sync_dirs(const stdfs::path& main_root, const stdfs::path& worktree) {
  std::vector<std::string> linked;
  for (const auto& name : sync_dirs_for(main_root)) {
    const stdfs::path source = main_root / name, target = worktree / name;
    std::error_code ec;
    if (!stdfs::is_directory(source, ec) || path_exists(target.string())) continue;
    fs::ensure_dir(target.parent_path());
    if (::symlink(source.c_str(), target.c_str()) != 0) throw io_error("link synced folder", target.string());
    linked.push_back(name);
  }
  return linked;
}

// The path and branch must be free: neither on disk nor in the registry for
// another row of this repository, nor an unrecorded git branch.
inline void refuse_taken(const stdfs::path& repo, const registry& reg, const std::string& row, const std::string& path,
                         const std::string& branch, bool path_recorded_for_row) {
  if (!path_recorded_for_row && path_exists(path))
    throw refused(quoted("worktree folder exists but the registry does not know it", path),
                  "okstra never adopts a folder it did not record: move or delete the folder (a worktree left by "
                  "an older okstra: git -C " + repo.string() + " worktree remove -f -f <folder>)");
  const std::string* owner = branch_owner(reg, repo.string(), branch);
  if (owner && *owner != row) {
    const auto& other = reg.entries.at(*owner);
    throw refused(quoted("branch belongs to another task key", branch),
                  "it is registered for '" + other.key().str() + "' and may hold its work; use another work "
                  "category (once that task is done, 'okstra-worktree remove " + other.key().str() +
                      " --delete-branch' frees the name)");
  }
  if (!owner && branch_exists(repo, branch))
    throw refused(quoted("branch exists but okstra did not create it", branch),
                  "it may hold someone's work: rename it (git branch -m), or use another work category");
}

struct creation {
  dirs::task_key key;
  std::optional<int> stage;
  std::string row, path, branch, base_ref, base_commit;
};

// Writes `next` for `row` under the registry lock when the row is still
// `expected` (absent when nullopt) and the branch is not another row's.
inline void claim_row(const dirs::home_layout& home, const locks::wait_policy& policy, const std::string& row,
                      const std::optional<entry>& expected, const entry& next) {
  update_registry(home, policy, [&](registry& reg) {
    const auto current = reg.entries.find(row);
    if (current != reg.entries.end() ? !expected || !(current->second == *expected) : expected.has_value())
      throw refused(quoted("registry row changed during provisioning", row), "retry");
    if (const std::string* owner = branch_owner(reg, next.project_root, next.branch); owner && *owner != row)
      throw refused(quoted("branch belongs to another task key", next.branch));
    put_entry(reg, row, next);
    return true;
  });
}

// Intent before effect (docs/worktrees.md, "Crash safety"): the row is
// written `provisioning` first, then git adds the worktree (with a new branch
// unless the row already owns one), the synced folders are linked, and the
// row becomes `active`. Each step is recorded in `tx` before it happens.
inline provision_result create_worktree(const dirs::home_layout& home, const stdfs::path& repo, const creation& c,
                                        const std::optional<entry>& previous, transaction& tx,
                                        const locks::wait_policy& policy) {
  const git_effects_lock git_running(home, c.key);
  const bool new_branch = !(previous && branch_exists(repo, c.branch));
  const std::string now = time::utc_now_iso8601();
  entry planned{c.key.project_id, c.key.task_group, c.key.task_id, c.stage, repo.string(), c.path, c.branch,
                c.base_ref, c.base_commit, entry_status::provisioning, previous ? previous->created_at : now, now,
                own_intent()};
  planned.intent->created_branch = new_branch;
  if (previous) planned.intent->previous_status = previous->status;
  claim_row(home, policy, c.row, previous, planned);
  tx.wrote_row(c.row, previous, planned);
  fs::ensure_dir(stdfs::path(c.path).parent_path());
  if (!new_branch) {
    prune_worktrees(repo, false);  // forget the vanished folder's admin entry
    tx.added_worktree(repo.string(), c.path);
    add_worktree_existing_branch(repo, c.path, c.branch);
  } else {
    tx.created_branch(repo.string(), c.branch);
    tx.added_worktree(repo.string(), c.path);
    add_worktree_new_branch(repo, c.path, c.branch, c.base_commit);
  }
  provision_result result;
  result.status = provision_status::created;
  result.row = c.row;
  result.synced_dirs = link_sync_dirs(repo, c.path);
  entry e = planned;
  e.status = entry_status::active;
  e.intent.reset();
  e.updated_at = time::utc_now_iso8601();
  claim_row(home, policy, c.row, planned, e);
  tx.wrote_row(c.row, planned, e);
  result.worktree = e;
  return result;
}

inline provision_result reuse_worktree(const dirs::home_layout& home, const stdfs::path& repo, const std::string& row,
                                       const entry& previous, transaction& tx, const locks::wait_policy& policy) {
  if (!is_worktree_of(repo, previous.path))
    throw input_error(quoted("registered worktree folder is not a worktree of the repository", previous.path),
                      "'okstra-worktree remove " + previous.key().str() +
                          (previous.stage ? " --stage " + std::to_string(*previous.stage) : "") +
                          " --force' deletes the folder (its branch is kept), then prepare again");
  entry e = previous;
  if (e.status == entry_status::released || e.status == entry_status::kept) e.status = entry_status::active;
  e.updated_at = time::utc_now_iso8601();
  update_registry(home, policy, [&](registry& reg) {
    const auto current = reg.entries.find(row);
    if (current == reg.entries.end() || !(current->second == previous))
      throw refused(quoted("registry row changed during provisioning", row), "retry");
    put_entry(reg, row, e);
    return true;
  });
  tx.wrote_row(row, previous, e);
  provision_result result;
  result.status = provision_status::reused;
  result.row = row;
  result.worktree = e;
  return result;
}

inline void refuse_other_repository(const entry& e, const stdfs::path& repo) {
  if (canonical_text(e.project_root) != canonical_text(repo))
    throw refused(quoted("task key's worktree belongs to another repository", e.project_root),
                  "one project id is one repository; check --project-root");
}

}  // namespace detail

OKSTRA_INLINE provision_result provision_task_worktree(const dirs::home_layout& home, const task_request& request,
                                                const locks::lock& provision_mutex, transaction& tx,
                                                const locks::wait_policy& policy) {
  detail::require_provision_mutex(home, request.key, provision_mutex);
  const std::string prefix = branch_prefix(request.work_category);
  const auto probe = detail::probe_repository(request.project_root);
  if (probe.kind != detail::repo_kind::main_worktree) return detail::skipped(probe.kind);
  const stdfs::path& repo = probe.top_level;
  detail::settle_pending(home, request.key, policy);
  const registry reg = read_registry(home);
  detail::refuse_unsafe_key(reg, request.key);
  const std::string row = row_key(request.key);
  if (const auto it = reg.entries.find(row); it != reg.entries.end()) {
    detail::refuse_other_repository(it->second, repo);
    if (detail::path_exists(it->second.path)) return detail::reuse_worktree(home, repo, row, it->second, tx, policy);
    detail::refuse_taken(repo, reg, row, it->second.path, it->second.branch, true);
    detail::creation again{request.key, std::nullopt, row, it->second.path, it->second.branch,
                           it->second.base_ref, it->second.base_commit};
    return detail::create_worktree(home, repo, again, it->second, tx, policy);
  }
  if (!request.base_ref && request.require_base_ref)
    throw usage_error(quoted("missing --base-ref for the first worktree of", request.key.str()),
                      "name the commit the task branch starts from, e.g. --base-ref " + detail::likely_base(repo));
  detail::creation c{request.key, std::nullopt, row, dirs::worktree_path(home, request.key).string(),
                     prefix + "-" + dirs::safe_segment(request.key.task_id), {}, {}};
  c.base_ref = request.base_ref ? *request.base_ref : detail::head_name(repo);
  c.base_commit = detail::resolve_commit(repo, request.base_ref.value_or("HEAD"));
  detail::check_branch_name(repo, c.branch);
  detail::refuse_taken(repo, reg, row, c.path, c.branch, false);
  return detail::create_worktree(home, repo, c, std::nullopt, tx, policy);
}

namespace detail {

inline std::string stage_states(const stage_map& map, const registry& reg, const dirs::task_key& key) {
  std::string text;
  for (const auto& spec : map.stages) {
    const auto s = stage_status(reg, key, spec.n);
    text.append(text.empty() ? "" : ", ")
        .append("stage " + std::to_string(spec.n) + ": " + (s ? std::string(to_string(*s)) : "not started"));
  }
  return text;
}

inline int choose_stage(const stage_request& request, const registry& reg) {
  if (!request.stage) {
    if (const auto n = pick_ready_stage(request.map, reg, request.key)) return *n;
    throw refused(quoted("no stage is ready for", request.key.str()),
                  stage_states(request.map, reg, request.key) + "; a stage needs its dependencies completed");
  }
  if (!request.map.find(*request.stage))
    throw usage_error(quoted("stage is not in the plan's stage map", std::to_string(*request.stage)));
  return *request.stage;
}

// A stage starts from the task branch tip, or, depending on several stages,
// from the merge-base of their branches.
inline void stage_base(const stdfs::path& repo, const registry& reg, const entry& task, const stage_spec& spec,
                       creation& c) {
  std::vector<std::string> dep_branches;
  for (const int d : spec.depends_on) {
    const auto it = reg.entries.find(row_key(task.key(), d));
    if (it == reg.entries.end() || it->second.status != entry_status::completed)
      throw refused(quoted("stage waits for an unfinished stage", "stage " + std::to_string(spec.n)),
                    "stage " + std::to_string(d) + " is not completed");
    dep_branches.push_back(it->second.branch);
  }
  if (dep_branches.size() >= 2) {
    c.base_commit = merge_base(repo, dep_branches);
    c.base_ref = "merge-base";
    for (const auto& b : dep_branches) c.base_ref.append(" ").append(b);
  } else {
    c.base_commit = branch_tip(repo, task.branch);
    c.base_ref = task.branch;
  }
}

}  // namespace detail

OKSTRA_INLINE provision_result provision_stage_worktree(const dirs::home_layout& home, const stage_request& request,
                                                 const locks::lock& provision_mutex, transaction& tx,
                                                 const locks::wait_policy& policy) {
  detail::require_provision_mutex(home, request.key, provision_mutex);
  const auto probe = detail::probe_repository(request.project_root);
  if (probe.kind != detail::repo_kind::main_worktree) return detail::skipped(probe.kind);
  const stdfs::path& repo = probe.top_level;
  detail::settle_pending(home, request.key, policy);
  const registry reg = read_registry(home);
  detail::refuse_unsafe_key(reg, request.key);
  const auto task_it = reg.entries.find(row_key(request.key));
  if (task_it == reg.entries.end())
    throw refused(quoted("no task worktree registered for", request.key.str()),
                  "provision the task worktree before its stages (okstra-prepare does)");
  const entry& task = task_it->second;
  detail::refuse_other_repository(task, repo);
  const int n = detail::choose_stage(request, reg);
  const std::string row = row_key(request.key, n);
  if (const auto it = reg.entries.find(row); it != reg.entries.end()) {
    if (detail::path_exists(it->second.path)) return detail::reuse_worktree(home, repo, row, it->second, tx, policy);
    detail::refuse_taken(repo, reg, row, it->second.path, it->second.branch, true);
    detail::creation again{request.key, n, row, it->second.path, it->second.branch, it->second.base_ref,
                           it->second.base_commit};
    return detail::create_worktree(home, repo, again, it->second, tx, policy);
  }
  detail::creation c{request.key, n, row, stage_worktree_path(home, request.key, n).string(),
                     task.branch + "-stage-" + std::to_string(n), {}, {}};
  detail::stage_base(repo, reg, task, *request.map.find(n), c);
  detail::check_branch_name(repo, c.branch);
  detail::refuse_taken(repo, reg, row, c.path, c.branch, false);
  return detail::create_worktree(home, repo, c, std::nullopt, tx, policy);
}

}  // namespace okstra::worktree
