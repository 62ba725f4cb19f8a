// Definitions for okstra/locks/locks.hpp. Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"

namespace okstra::locks {

namespace detail {

inline std::mutex& held_mutex() {
  static std::mutex m;
  return m;
}
inline std::set<std::pair<dev_t, ino_t>>& held_set() {
  static std::set<std::pair<dev_t, ino_t>> s;
  return s;
}

inline std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

inline std::string own_command() {
  std::string cmd;
  try {
    cmd = fs::read_file("/proc/self/cmdline", 1 << 16);
  } catch (const okstra::error&) {
    return "unknown";
  }
  while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
  for (char& c : cmd)
    if (c == '\0') c = ' ';
  if (cmd.size() > 300) cmd = cmd.substr(0, 297) + "...";
  return cmd;
}

// Opens (creating, 0700) each folder of `relative` below `base`, refusing a
// symbolic link anywhere below `base`. Returns the innermost folder's fd.
inline fs::unique_fd open_private_dirs(const stdfs::path& base, const stdfs::path& relative) {
  fs::ensure_dir(base, 0700);
  fs::unique_fd dir(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) throw io_error("open lock folder", base.string());
  stdfs::path walked = base;
  for (const auto& part : relative) {
    walked /= part;
    if (::mkdirat(dir.get(), part.c_str(), 0700) != 0 && errno != EEXIST)
      throw io_error("create lock folder", walked.string());
    fs::unique_fd next(::openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next) {
      if (errno == ELOOP || errno == ENOTDIR)
        throw input_error(quoted("refusing lock folder", walked.string()) + ": not a plain folder (symbolic link?)");
      throw io_error("open lock folder", walked.string());
    }
    struct stat st{};
    if (::fstat(next.get(), &st) == 0 && (st.st_mode & 077) != 0 && st.st_uid == ::geteuid())
      ::fchmod(next.get(), 0700);
    dir = std::move(next);
  }
  return dir;
}

inline void write_holder(int fd) {
  json::writer w(false);
  w.begin_object()
      .field("pid", static_cast<long long>(::getpid()))
      .field("host", host_name())
      .field("command", own_command())
      .field("startedAt", time::utc_now_iso8601())
      .end_object();
  std::string line = std::move(w).str();
  line += '\n';
  // Best effort: the record informs humans, it never decides ownership.
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t n = ::pwrite(fd, line.data(), line.size(), 0);
  }
}

inline holder_record parse_holder(std::string_view text) {
  holder_record h;
  const auto doc = json::parse(text.substr(0, text.find('\n')), "lock holder");
  h.pid = static_cast<long>(json::get_int(doc, "pid").value_or(0));
  h.host = std::string(json::get_string(doc, "host").value_or(""));
  h.command = std::string(json::get_string(doc, "command").value_or(""));
  h.started_at = std::string(json::get_string(doc, "startedAt").value_or(""));
  h.stale = h.pid > 0 && h.host == host_name() && ::kill(static_cast<pid_t>(h.pid), 0) != 0 && errno == ESRCH;
  return h;
}

inline std::string holder_hint(const stdfs::path& file) {
  const auto holder = read_holder(file);
  return holder ? "held by " + holder->describe() : "held by another process (no holder record yet)";
}

inline void announce_wait(const stdfs::path& file) {
  // The holder record is another process's text (its command line holds
  // whatever its user typed, e.g. a task brief): printable() keeps escapes out
  // of every waiting terminal (docs/cli.md, "Messages").
  std::string line = std::string(program_invocation_short_name) + ": waiting for lock '" + printable(file.string()) +
                     "' (" + printable(holder_hint(file)) + ")\n";
  [[maybe_unused]] const ssize_t n = ::write(2, line.data(), line.size());
}

// Waits for flock(LOCK_EX) on fd within the policy; false when it timed out.
// Brief contention is silent; a wait longer than a quarter second says once
// on stderr whom it waits for.
inline bool wait_for_flock(int fd, const stdfs::path& file, const wait_policy& policy) {
  const auto try_lock = [&] {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK && errno != EINTR) throw io_error("lock", file.string());
    return false;
  };
  if (try_lock()) return true;
  if (policy.timeout_seconds && *policy.timeout_seconds <= 0) return false;
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto announce_at = start + std::chrono::milliseconds(250);
  const auto deadline = policy.timeout_seconds
                            ? start + std::chrono::duration_cast<clock::duration>(
                                          std::chrono::duration<double>(*policy.timeout_seconds))
                            : clock::time_point::max();
  auto pause = std::chrono::milliseconds(1);
  for (bool announced = false;;) {
    const auto now = clock::now();
    if (now >= deadline) return false;
    if (!announced && now >= announce_at) {
      announce_wait(file);
      announced = true;
      if (!policy.timeout_seconds) {
        while (::flock(fd, LOCK_EX) != 0)
          if (errno != EINTR) throw io_error("lock", file.string());
        return true;
      }
    }
    const auto next_event = announced ? deadline : std::min(deadline, announce_at);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_event - now);
    std::this_thread::sleep_for(std::clamp(left + std::chrono::milliseconds(1), std::chrono::milliseconds(1), pause));
    pause = std::min(pause * 2, std::chrono::milliseconds(25));
    if (try_lock()) return true;
  }
}

inline lock_reentry_error reentry(const stdfs::path& file) {
  return lock_reentry_error("lock '" + file.string() + "' is already held by this process (locks are not re-entrant)");
}

}  // namespace detail

// The record is read from a file another process wrote: every field is
// escaped, wherever the description ends up (wait line, hint).
OKSTRA_INLINE std::string holder_record::describe() const {
  std::string out = "pid " + std::to_string(pid);
  if (!host.empty()) out += " on host '" + printable(host) + "'";
  if (!command.empty()) out += " running '" + printable(command) + "'";
  if (!started_at.empty()) out += " since " + printable(started_at);
  if (stale) out += " (stale record: that process is gone)";
  return out;
}

OKSTRA_INLINE std::optional<holder_record> read_holder(const stdfs::path& file) {
  fs::unique_fd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) return std::nullopt;
  try {
    const std::string text = fs::read_fd(fd.get(), file.string(), 1 << 16);
    if (text.empty()) return std::nullopt;
    return detail::parse_holder(text);
  } catch (const okstra::error&) {
    return std::nullopt;
  }
}

OKSTRA_INLINE lock::lock(stdfs::path file, fs::unique_fd fd, dev_t dev, ino_t ino)
    : file_(std::move(file)), fd_(std::move(fd)), dev_(dev), ino_(ino) {}

OKSTRA_INLINE lock::lock(lock&& other) noexcept
    : file_(std::move(other.file_)), fd_(std::move(other.fd_)), dev_(other.dev_), ino_(other.ino_) {}

OKSTRA_INLINE lock& lock::operator=(lock&& other) noexcept {
  if (this != &other) {
    release();
    file_ = std::move(other.file_);
    fd_ = std::move(other.fd_);
    dev_ = other.dev_;
    ino_ = other.ino_;
  }
  return *this;
}

OKSTRA_INLINE lock::~lock() { release(); }

OKSTRA_INLINE void lock::release() noexcept {
  if (!fd_) return;
  // Clear the record first so a released lock never shows a holder.
  [[maybe_unused]] const int rc = ::ftruncate(fd_.get(), 0);
  fd_.reset();  // closing the last descriptor drops the flock
  std::lock_guard guard(detail::held_mutex());
  detail::held_set().erase({dev_, ino_});
}

OKSTRA_INLINE lock lock::acquire(const stdfs::path& file, const wait_policy& policy) {
  const stdfs::path base = file.parent_path().empty() ? stdfs::path(".") : file.parent_path();
  return acquire_below(base, file, policy);
}

OKSTRA_INLINE lock lock::acquire_below(const stdfs::path& base, const stdfs::path& file, const wait_policy& policy) {
  fs::unique_fd dir = detail::open_private_dirs(base, file.lexically_relative(base).parent_path());
  const std::string name = file.filename().string();
  for (;;) {
    fs::unique_fd fd(::openat(dir.get(), name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) {
      if (errno == ELOOP) throw input_error(quoted("refusing lock file", file.string()) + ": it is a symbolic link");
      throw io_error("open lock file", file.string());
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) throw io_error("open lock file", file.string());
    {
      std::lock_guard guard(detail::held_mutex());
      if (!detail::held_set().insert({st.st_dev, st.st_ino}).second) throw detail::reentry(file);
    }
    const auto forget = [&] {
      std::lock_guard guard(detail::held_mutex());
      detail::held_set().erase({st.st_dev, st.st_ino});
    };
    bool got = false;
    try {
      got = detail::wait_for_flock(fd.get(), file, policy);
    } catch (...) {
      forget();
      throw;
    }
    if (!got) {
      forget();
      throw refused(quoted("lock busy", file.string()), detail::holder_hint(file));
    }
    // The file may have been unlinked or replaced while we waited: then the
    // lock we hold guards nothing, so start over on the current file.
    struct stat now{};
    if (::fstatat(dir.get(), name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_ino != st.st_ino ||
        now.st_dev != st.st_dev) {
      forget();
      continue;
    }
    if (::fchmod(fd.get(), 0600) != 0) {
      // Someone else's file with our lock name: still usable as a lock.
    }
    detail::write_holder(fd.get());
    return lock(file, std::move(fd), st.st_dev, st.st_ino);
  }
}

// ---- named locks ------------------------------------------------------------

OKSTRA_INLINE stdfs::path central_lock_file(const dirs::home_layout& home) { return home.locks_dir() / "central.lock"; }

// The seed's names (docs/dirs.md, "Lock names"), so an okstra of the seed
// and this toolkit on one home take the same files and exclude each other.
OKSTRA_INLINE stdfs::path task_lock_file(const dirs::home_layout& home, const dirs::task_key& key,
                                  std::string_view task_type) {
  dirs::validate_task_type(task_type);
  return home.locks_dir() / ("task-" + dirs::lock_key(key) + "-" + std::string(task_type) + ".lock");
}

OKSTRA_INLINE stdfs::path provision_lock_file(const dirs::home_layout& home, const dirs::task_key& key) {
  return home.locks_dir() / "worktree-provision" / (dirs::lock_key(key) + ".lock");
}

OKSTRA_INLINE stdfs::path registry_lock_file(const dirs::home_layout& home) {
  return home.registry_lock();
}

}  // namespace okstra::locks
