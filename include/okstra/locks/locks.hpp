// okstra/locks/locks.hpp — exclusive file locks (docs/cli.md, "Lock options"), as RAII guards.
//
// Contract:
// - lock files live under <home>/.locks/ (folder 0700, file 0600) or, for the
//   registry, at <home>/worktrees/registry.lock; folders and files are opened
//   without following a symbolic link (a symlink there is refused).
// - The task lock and provision mutex carry the seed's names
//   (dirs::lock_key; docs/dirs.md, "Lock names"), so an okstra of the seed
//   on the same home takes the same files and the two exclude each other.
// - A lock is flock(LOCK_EX) on the file. The kernel releases it when the
//   holder dies, so a SIGKILLed process never leaves a lock held.
// - While held, the file records the holder (pid, host, command, start time);
//   that record is for humans only ("stale" when the pid is gone) and never
//   decides who holds the lock.
// - Waiting: by default block until free (one progress line on stderr);
//   wait_policy::timeout_seconds gives up after that long with a refused
//   error (exit 1) whose hint names the holder; 0 means do not wait.
// - Locks are not re-entrant: taking a lock this process already holds
//   throws lock_reentry_error at once instead of deadlocking.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "okstra/core/api.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/dirs/dirs.hpp"

namespace okstra::locks {

namespace stdfs = std::filesystem;

// A programming error: the process asked again for a lock it holds.
class lock_reentry_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Tools fill it from the lock-wait options of core/cli.hpp
// (arguments::wait_seconds(); docs/cli.md, "Lock options").
struct wait_policy {
  std::optional<double> timeout_seconds;  // nullopt: wait as long as it takes
};

struct holder_record {
  long pid = 0;
  std::string host;
  std::string command;
  std::string started_at;
  bool stale = false;  // recorded on this host and the pid no longer exists

  std::string describe() const;
};

class lock {
 public:
  // Takes an exclusive lock on `file`, creating it (0600) when missing.
  static lock acquire(const stdfs::path& file, const wait_policy& policy = {});
  // Same, creating the folders between `base` (trusted, may be a symlink)
  // and `file` with mode 0700 and refusing a symlink among them.
  static lock acquire_below(const stdfs::path& base, const stdfs::path& file, const wait_policy& policy = {});

  lock(lock&& other) noexcept;
  lock& operator=(lock&& other) noexcept;
  lock(const lock&) = delete;
  lock& operator=(const lock&) = delete;
  ~lock();

  void release() noexcept;
  bool held() const noexcept { return static_cast<bool>(fd_); }
  const stdfs::path& file() const noexcept { return file_; }

 private:
  lock(stdfs::path file, fs::unique_fd fd, dev_t dev, ino_t ino);
  stdfs::path file_;
  fs::unique_fd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

// Reads the holder record of a lock file; nullopt when absent or unreadable.
std::optional<holder_record> read_holder(const stdfs::path& file);

// The named locks: central, per task, worktree provisioning, registry.
stdfs::path central_lock_file(const dirs::home_layout& home);
stdfs::path task_lock_file(const dirs::home_layout& home, const dirs::task_key& key, std::string_view task_type);
stdfs::path provision_lock_file(const dirs::home_layout& home, const dirs::task_key& key);
stdfs::path registry_lock_file(const dirs::home_layout& home);

inline lock central_lock(const dirs::home_layout& home, const wait_policy& policy = {}) {
  return lock::acquire_below(home.root, central_lock_file(home), policy);
}
inline lock task_lock(const dirs::home_layout& home, const dirs::task_key& key, std::string_view task_type,
                      const wait_policy& policy = {}) {
  return lock::acquire_below(home.root, task_lock_file(home, key, task_type), policy);
}
inline lock worktree_provision_mutex(const dirs::home_layout& home, const dirs::task_key& key,
                                     const wait_policy& policy = {}) {
  return lock::acquire_below(home.root, provision_lock_file(home, key), policy);
}
inline lock registry_lock(const dirs::home_layout& home, const wait_policy& policy = {}) {
  return lock::acquire_below(home.root, registry_lock_file(home), policy);
}

}  // namespace okstra::locks

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/locks/detail/locks_impl.hpp"
#endif
