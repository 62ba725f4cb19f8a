// Finding the log files of each source, and what identifies a file's content.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <array>
#include <thread>
#include <utility>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage::detail {

namespace stdfs = std::filesystem;

struct log_file {
  source src = source::claude;
  std::string path;
  struct stat st {};      // as seen while walking
  bool subagent = false;   // Claude: <session>/subagents/agent-<id>.jsonl
  bool archived = false;   // Codex: under archived_sessions/
};

struct file_identity {
  std::uint64_t dev = 0, ino = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  friend bool operator==(const file_identity&, const file_identity&) = default;
};

inline file_identity identity_of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
          st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
}

// FNV-1a over the first 4 KiB: tells "grown by appending" from "replaced".
inline std::uint64_t head_hash(int fd, std::uint64_t size) {
  char buf[4096];
  const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof buf));
  std::size_t got = 0;
  while (got < want) {
    const ssize_t n = ::pread(fd, buf + got, want - got, static_cast<off_t>(got));
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  return fnv(std::string_view(buf, got)) ^ got;
}

struct root_set {
  std::vector<stdfs::path> roots;
  bool explicit_roots = false;  // from a flag or the environment: must exist
};

// Flags win; else the agent's roots as dirs finds them (docs/dirs.md,
// "Agent roots"), so the home folder is only needed for a default.
inline root_set resolve_roots(const std::vector<stdfs::path>& flags, dirs::agent_roots (*from_dirs)()) {
  if (!flags.empty()) return {flags, true};
  dirs::agent_roots found = from_dirs();
  return {std::move(found.roots), found.from_environment};
}

inline void require_roots(const root_set& set, std::string_view what) {
  if (!set.explicit_roots) return;
  for (const auto& root : set.roots) {
    std::error_code ec;
    if (!stdfs::is_directory(root, ec))
      throw input_error(quoted("cannot find " + std::string(what) + " folder", root.string()),
                        "check the flag or the environment variable that names it");
  }
}

// A folder or file below a root that could not be read: the logs in it are
// missing from the totals, so it is never skipped in silence — the collector
// warns about each one and counts it in bySource.<src>.unreadable
// (docs/usage.md, "Where the logs are found").
struct unreadable_path {
  source src = source::claude;
  std::string path;
  int error = 0;  // errno
};
using unreadable_list = std::vector<unreadable_path>;

namespace walk_detail {
// Errors that mean "nothing there" (vanished meanwhile, not a folder, a
// symbolic link that is not followed), not "there but unreadable".
inline bool absent(int error) { return error == ENOENT || error == ENOTDIR || error == ELOOP; }

using report_fn = std::function<void(std::string, int)>;

// Depth-first over one folder fd: readdir's d_type avoids a stat per entry,
// and fstatat on the folder fd gives each file's identity without a path walk.
// Only files whose name `wanted` accepts are stat-ed (a subagent's
// .meta.json beside each transcript would otherwise cost a stat each run).
// Whatever cannot be read goes to unreadable(path, errno).
template <class Wanted, class Take>
void walk_fd(int dir_fd, const std::string& dir_path, const Wanted& wanted, Take& take, const report_fn& unreadable,
             int depth) {
  if (depth > 64) return;
  DIR* d = ::fdopendir(dir_fd);
  if (!d) {
    unreadable(dir_path, errno);
    ::close(dir_fd);
    return;
  }
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(d);
    if (!e) {
      if (errno != 0) unreadable(dir_path, errno);
      break;
    }
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = e->d_type;
    if (type == DT_REG && !wanted(name)) continue;
    struct stat st{};
    if (type == DT_UNKNOWN || type == DT_REG) {
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (!absent(errno)) unreadable(dir_path + "/" + std::string(name), errno);
        continue;
      }
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
    }
    if (type == DT_REG) {
      if (wanted(name)) take(dir_path + "/" + std::string(name), st);
    } else if (type == DT_DIR) {
      const int sub = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) walk_fd(sub, dir_path + "/" + std::string(name), wanted, take, unreadable, depth + 1);
      else if (!absent(errno)) unreadable(dir_path + "/" + std::string(name), errno);
    }
  }
  ::closedir(d);
}
}  // namespace walk_detail

// Every regular file below `dir` (symlinks not followed) whose name
// `wanted` accepts, with its stat, passed to take(path, st) in sorted path
// order; every folder or entry that cannot be read (`dir` itself included,
// unless it does not exist) is added to `unreadable` as `src`, in path order.
// The subfolders of `dir` are walked on two threads: a stat per file is most
// of a warm run's cost.
template <class Wanted, class Take>
void walk(const stdfs::path& dir, source src, unreadable_list& unreadable, const Wanted& wanted, Take&& take) {
  std::string root = dir.string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (!walk_detail::absent(errno)) unreadable.push_back({src, root, errno});
    return;
  }
  using found = std::vector<std::pair<std::string, struct stat>>;
  std::array<found, 3> halves;  // [2]: the files directly in `dir`
  std::array<unreadable_list, 3> failed;
  std::array<walk_detail::report_fn, 3> report;
  for (std::size_t h = 0; h < 3; ++h)
    report[h] = [&failed, h, src](std::string path, int error) { failed[h].push_back({src, std::move(path), error}); };
  std::vector<std::string> subdirs;
  {
    DIR* d = ::fdopendir(fd);
    if (!d) {
      unreadable.push_back({src, root, errno});
      ::close(fd);
      return;
    }
    for (;;) {
      errno = 0;
      const dirent* e = ::readdir(d);
      if (!e) {
        if (errno != 0) report[2](root, errno);
        break;
      }
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      if (e->d_type == DT_REG && !wanted(name)) continue;
      struct stat st{};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (!walk_detail::absent(errno)) report[2](root + "/" + std::string(name), errno);
        continue;
      }
      if (S_ISREG(st.st_mode) && wanted(name)) halves[2].emplace_back(root + "/" + std::string(name), st);
      else if (S_ISDIR(st.st_mode)) subdirs.emplace_back(name);
    }
    ::closedir(d);
  }
  std::atomic<std::size_t> next{0};  // folders are taken as threads free up: sizes differ a lot
  const auto run = [&](std::size_t half) {
    auto collect = [&](std::string path, const struct stat& st) { halves[half].emplace_back(std::move(path), st); };
    for (std::size_t i; (i = next.fetch_add(1)) < subdirs.size();) {
      const std::string path = root + "/" + subdirs[i];
      const int sub = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) walk_detail::walk_fd(sub, path, wanted, collect, report[half], 1);
      else if (!walk_detail::absent(errno)) report[half](path, errno);
    }
  };
  if (subdirs.size() > 8) {
    std::thread other(run, 1);
    run(0);
    other.join();
  } else {
    run(0);
    run(1);
  }
  found all = std::move(halves[2]);
  for (std::size_t h = 0; h < 2; ++h)
    all.insert(all.end(), std::make_move_iterator(halves[h].begin()), std::make_move_iterator(halves[h].end()));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [path, st] : all) take(std::move(path), st);
  const auto first = static_cast<std::ptrdiff_t>(unreadable.size());
  for (auto& f : failed) unreadable.insert(unreadable.end(), f.begin(), f.end());
  std::sort(unreadable.begin() + first, unreadable.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
}

// `root / sub` when it is a folder, else `root`; a `sub` that exists but
// cannot be looked at (in a root the user may not enter) is reported.
inline stdfs::path folder_or_root(const stdfs::path& root, const char* sub, source src, unreadable_list& unreadable) {
  struct stat st{};
  const stdfs::path inner = root / sub;
  if (::stat(inner.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? inner : root;
  if (!walk_detail::absent(errno)) unreadable.push_back({src, inner.string(), errno});
  return root;
}

inline void find_claude(const root_set& roots, std::vector<log_file>& out, unreadable_list& unreadable) {
  for (const auto& root : roots.roots) {
    const std::size_t before = unreadable.size();
    const stdfs::path projects = folder_or_root(root, "projects", source::claude, unreadable);
    if (unreadable.size() != before) continue;
    if (projects == root && root.filename() != "projects" && !roots.explicit_roots) continue;
    const auto jsonl = [](std::string_view name) { return name.ends_with(".jsonl"); };
    walk(projects, source::claude, unreadable, jsonl, [&](std::string path, const struct stat& st) {
      const std::size_t slash = path.rfind('/');
      const bool subagent = slash != std::string::npos && std::string_view(path).substr(0, slash).ends_with("/subagents");
      out.push_back({source::claude, std::move(path), st, subagent, false});
    });
  }
}

inline void find_codex(const root_set& roots, std::vector<log_file>& out, unreadable_list& unreadable) {
  for (const auto& root : roots.roots) {
    for (const char* sub : {"sessions", "archived_sessions"}) {
      const bool archived = std::string_view(sub) == "archived_sessions";
      const auto rollout = [](std::string_view name) { return name.starts_with("rollout-") && name.ends_with(".jsonl"); };
      walk(root / sub, source::codex, unreadable, rollout, [&](std::string path, const struct stat& st) {
        out.push_back({source::codex, std::move(path), st, false, archived});
      });
    }
  }
}

inline void find_gemini(const root_set& roots, std::vector<log_file>& out, unreadable_list& unreadable) {
  for (const auto& root : roots.roots) {
    const std::size_t before = unreadable.size();
    const stdfs::path tmp = folder_or_root(root, "tmp", source::gemini, unreadable);
    if (unreadable.size() != before) continue;
    const auto session = [](std::string_view name) {
      return name.starts_with("session-") && (name.ends_with(".json") || name.ends_with(".jsonl"));
    };
    walk(tmp, source::gemini, unreadable, session, [&](std::string path, const struct stat& st) {
      if (std::string_view(path).substr(0, path.rfind('/')).ends_with("/chats"))
        out.push_back({source::gemini, std::move(path), st, false, false});
    });
  }
}

}  // namespace okstra::token_usage::detail
