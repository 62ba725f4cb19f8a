// Pending intents behind okstra/worktree/worktree.hpp: who owns one, and how
// a later run finishes the intent of a run that was killed. Include that
// header instead.
//
// The rules are docs/worktrees.md, "Crash safety": a `provisioning` row whose
// owner is gone is cleaned up exactly (the worktree, its folder, the branch
// only when the intent says okstra created it, then the row: back to its
// previous status, or dropped); a `removing` row is finished (worktree,
// folder, branch when asked, then the row dropped or `kept`). Folders are
// deleted only below <home>/worktrees/ and never through a symbolic link.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "okstra/core/fs.hpp"
#include "okstra/core/process_facts.hpp"
#include "okstra/core/time.hpp"

namespace okstra::worktree::detail {

inline bool path_exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

// ---- owners -------------------------------------------------------------------

// Start time (clock ticks after boot) of `pid`; 0 when /proc cannot tell.
inline unsigned long long process_start_time(long pid) {
  const auto f = process_facts::facts_of(static_cast<pid_t>(pid));
  return f ? f->start_ticks : 0;
}

inline intent own_intent() {
  intent in;
  in.pid = static_cast<long>(::getpid());
  in.process_start = process_start_time(in.pid);
  in.since = time::utc_now_iso8601();
  return in;
}

// The process that recorded `in` still runs: its pid exists, is not a zombie
// (a killed process whose parent died may stay one for long in a container
// without a reaping init), and has the same start time (a reused pid has
// another). This process never counts: it only meets its own intent again
// after its own step failed, under the mutex.
inline bool owner_alive(const intent& in) {
  if (in.pid == static_cast<long>(::getpid()) && in.process_start == process_start_time(in.pid)) return false;
  if (::kill(static_cast<pid_t>(in.pid), 0) != 0 && errno == ESRCH) return false;
  const auto f = process_facts::facts_of(static_cast<pid_t>(in.pid));
  if (f && f->exited()) return false;
  return !f || in.process_start == 0 || f->start_ticks == in.process_start;
}

inline error busy_intent(const std::string& row, const entry& e) {
  return refused(quoted("worktree " + std::string(e.status == entry_status::removing ? "removal" : "provisioning") +
                            " in progress", row),
                 "process " + std::to_string(e.intent->pid) + " owns it; wait for it, or once it is gone run "
                 "'okstra-worktree reconcile'");
}

// ---- deleting a folder below the home's worktrees folder ------------------------

inline void remove_at(int dir_fd, const std::string& name, const std::string& shown) {
  struct stat st{};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw io_error("inspect", shown);
  }
  if (S_ISDIR(st.st_mode)) {
    const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw io_error("open folder", shown);
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
      ::close(fd);
      throw io_error("open folder", shown);
    }
    std::vector<std::string> names;
    while (const dirent* d = ::readdir(dir)) {
      const std::string child = d->d_name;
      if (child != "." && child != "..") names.push_back(child);
    }
    for (const auto& child : names) {
      try {
        remove_at(::dirfd(dir), child, shown + "/" + child);
      } catch (...) {
        ::closedir(dir);
        throw;
      }
    }
    ::closedir(dir);
  }
  if (::unlinkat(dir_fd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT)
    throw io_error("delete", shown);
}

// Deletes `path` (a leftover worktree folder) when it lies below
// <home>/worktrees/: each folder on the way is opened without following a
// symbolic link, and a link inside is deleted, never followed.
inline void remove_tree_below(const dirs::home_layout& home, const std::string& path) {
  const stdfs::path base = home.worktrees_dir().lexically_normal();
  const stdfs::path rel = stdfs::path(path).lexically_normal().lexically_relative(base);
  if (rel.empty() || rel == "." || *rel.begin() == "..")
    throw refused(quoted("refusing to delete a folder outside the okstra worktrees folder", path),
                  "delete it by hand if it is yours");
  fs::unique_fd dir(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) throw io_error("open folder", base.string());
  std::vector<std::string> parts;
  for (const auto& part : rel) parts.push_back(part.string());
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    fs::unique_fd next(::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) {
      if (errno == ENOENT) return;
      throw refused(quoted("refusing to delete through a symbolic link or non-folder", path),
                    "'" + parts[i] + "' on the way is not a plain folder");
    }
    dir = std::move(next);
  }
  remove_at(dir.get(), parts.back(), path);
}

// ---- git commands that outlive their okstra process -----------------------------

// Every git command that changes a key's worktrees or branches runs while
// this process holds a shared lock on <home>/.locks/worktree-git/<key>.lock
// whose descriptor git and its children inherit (no close-on-exec flag on
// purpose). A git command still running after its okstra process was killed
// therefore keeps the lock, and the next run waits (wait_for_stray_git) until
// it has ended before it repairs anything. Shared, so that a daemon a git hook
// started, which may keep the descriptor for good, never blocks new work.
inline stdfs::path git_effects_lock_file(const dirs::home_layout& home, const dirs::task_key& key) {
  const stdfs::path dir = home.locks_dir() / "worktree-git";
  fs::ensure_dir(home.locks_dir(), 0700);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw io_error("create folder", dir.string());
  struct stat st{};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw input_error(quoted("not a plain folder", dir.string()), "okstra never follows a link among its locks");
  return dir / (dirs::lock_key(key) + ".lock");  // named like the key's other locks (docs/dirs.md, "Lock names")
}

class git_effects_lock {
 public:
  git_effects_lock(const dirs::home_layout& home, const dirs::task_key& key) {
    const stdfs::path file = git_effects_lock_file(home, key);
    fd_.reset(::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW, 0600));  // inherited on purpose
    if (!fd_) throw io_error("open lock", file.string());
    while (::flock(fd_.get(), LOCK_SH) != 0)
      if (errno != EINTR) throw io_error("lock", file.string());
  }

 private:
  fs::unique_fd fd_;
};

// Waits until no git command of an earlier run of the key is left, at most
// `seconds`; after that a holder is taken to be a daemon (see above) and the
// repair goes on. Returns whether git was quiet in time.
inline bool wait_for_stray_git(const dirs::home_layout& home, const dirs::task_key& key, double seconds = 10.0) {
  const stdfs::path file = git_effects_lock_file(home, key);
  fs::unique_fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw io_error("open lock", file.string());
  const auto start = std::chrono::steady_clock::now();
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) throw io_error("lock", file.string());
    if (std::chrono::steady_clock::now() - start >= std::chrono::duration<double>(seconds)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// ---- git side ------------------------------------------------------------------

// Removes the worktree at `path` from git and disk, whatever state a kill
// left: git may list it locked ("initializing"), list it with its folder half
// deleted, or have forgotten it while the folder remains.
inline void discard_worktree(const dirs::home_layout& home, const stdfs::path& repo, const std::string& path) {
  if (is_worktree_of(repo, path)) {
    git_try(repo, {"worktree", "unlock", path});  // not locked: nothing to do
    git_try(repo, {"worktree", "remove", "--force", path});
  }
  if (path_exists(path)) remove_tree_below(home, path);
  prune_worktrees(repo, false);
  if (is_worktree_of(repo, path))
    throw input_error(quoted("git still lists the worktree", path),
                      "see 'git -C " + repo.string() + " worktree list'; 'git worktree remove -f -f' removes it");
}

inline bool repository_usable(const std::string& project_root) {
  return probe_repository(project_root).kind == repo_kind::main_worktree;
}

// Writes `next` for `row` (or drops the row when nullopt), provided the row is
// still exactly `expected`; returns whether it was.
inline bool replace_row(const dirs::home_layout& home, const locks::wait_policy& policy, const std::string& row,
                        const entry& expected, const std::optional<entry>& next) {
  bool done = false;
  update_registry(home, policy, [&](registry& reg) {
    const auto it = reg.entries.find(row);
    if (it == reg.entries.end() || !(it->second == expected)) return false;
    if (next) {
      put_entry(reg, row, *next);
    } else {
      erase_entry(reg, row);
    }
    return done = true;
  });
  return done;
}

// A killed provisioning: undo exactly what its intent names.
inline void clean_up_provisioning(const dirs::home_layout& home, const std::string& row, const entry& e,
                                  const locks::wait_policy& policy) {
  const stdfs::path repo = e.project_root;
  if (repository_usable(e.project_root)) {
    discard_worktree(home, repo, e.path);
    if (e.intent->created_branch && branch_exists(repo, e.branch)) delete_branch(repo, e.branch);
  } else if (path_exists(e.path)) {
    remove_tree_below(home, e.path);
  }
  std::optional<entry> back;
  if (e.intent->previous_status) {
    back = e;
    back->status = *e.intent->previous_status;
    back->intent.reset();
  }
  replace_row(home, policy, row, e, back);
}

// A removal to finish. `delete_branch` is the recorded choice or, for a
// re-run of remove, the new command's.
inline bool finish_removal(const dirs::home_layout& home, const std::string& row, const entry& e, bool drop_branch,
                           const locks::wait_policy& policy) {
  const stdfs::path repo = e.project_root;
  bool branch_left = false;
  if (repository_usable(e.project_root)) {
    discard_worktree(home, repo, e.path);
    if (drop_branch && branch_exists(repo, e.branch)) delete_branch(repo, e.branch);
    branch_left = branch_exists(repo, e.branch);
  } else if (path_exists(e.path)) {
    remove_tree_below(home, e.path);
  }
  std::optional<entry> kept;
  if (branch_left) {
    kept = e;
    kept->status = entry_status::kept;
    kept->intent.reset();
    kept->updated_at = time::utc_now_iso8601();
  }
  replace_row(home, policy, row, e, kept);
  return branch_left;
}

inline void finish_intent(const dirs::home_layout& home, const std::string& row, const entry& e,
                          const locks::wait_policy& policy) {
  if (e.status == entry_status::provisioning) {
    clean_up_provisioning(home, row, e, policy);
  } else {
    finish_removal(home, row, e, e.intent->delete_branch, policy);
  }
}

// Under the key's provision mutex: finishes every pending intent of the key
// whose owner is gone; a live owner is refused as busy.
inline void settle_pending(const dirs::home_layout& home, const dirs::task_key& key, const locks::wait_policy& policy) {
  const auto rows = entries_of(read_registry(home), key);
  if (std::none_of(rows.begin(), rows.end(), [](const auto& r) { return r.second.intent.has_value(); })) return;
  wait_for_stray_git(home, key);
  const git_effects_lock git_running(home, key);
  for (const auto& [row, e] : entries_of(read_registry(home), key)) {
    if (!e.intent) continue;
    if (owner_alive(*e.intent)) throw busy_intent(row, e);
    finish_intent(home, row, e, policy);
  }
}

}  // namespace okstra::worktree::detail
