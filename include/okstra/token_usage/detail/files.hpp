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
#include <string>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage::detail {

namespace stdfs = std::filesystem;

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

struct log_file {
  source src = source::claude;
  std::string path;
  file_identity id;        // as seen while walking
  bool subagent = false;   // Claude: <session>/subagents/agent-<id>.jsonl
  bool archived = false;   // Codex: under archived_sessions/
};

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

// One thread's finds. Paths are packed into one buffer: a thread that
// allocated a string per file would grow its malloc arena a page at a time,
// a system call each, and every system call and fresh page is dear on a
// virtual machine (docs/performance.md, "Warm runs and the walk").
struct found_files {
  struct entry {
    std::size_t at = 0, size = 0;  // the path in `paths`
    file_identity id;
  };
  std::string paths;
  std::vector<entry> entries;
  unreadable_list failed;

  std::string_view path_of(const entry& e) const { return {paths.data() + e.at, e.size}; }
};

// Depth-first below one folder. Folders are listed with getdents64 on the
// open folder (opendir would add an fstat and two fcntl calls per folder);
// the listing's d_type avoids a stat per entry, and fstatat on the folder fd
// gives a file's identity without a path walk. Only files whose name
// `wanted` accepts are stat-ed (a subagent's .meta.json beside each
// transcript would otherwise cost a stat each run). Whatever cannot be read
// goes to `failed`.
template <class Wanted>
class walker {
 public:
  walker(source src, const Wanted& wanted, found_files& out) : src_(src), wanted_(wanted), out_(out) {}

  // Walks the open folder `fd` (closed here), whose path is `path`.
  void walk(int fd, std::string path) {
    path_ = std::move(path);
    folder(fd, 0);
  }

  // Lists the open folder `fd` (not closed) at `path` without descending:
  // its wanted files are kept, its subfolders' names appended to `subdirs`.
  void list(int fd, std::string path, std::vector<std::string>& subdirs) {
    path_ = std::move(path);
    std::string names;
    scan(fd, names);
    for (std::size_t at = 0; at < names.size();) {
      const std::size_t end = names.find('\0', at);
      subdirs.emplace_back(names, at, end - at);
      at = end + 1;
    }
  }

 private:
  static constexpr int max_depth = 64;

  void fail(int error) { out_.failed.push_back({src_, path_, error}); }

  void keep(const file_identity& id) {
    out_.entries.push_back({out_.paths.size(), path_.size(), id});
    out_.paths += path_;
  }

  // The files of one folder; its subfolders' names, each ended by a NUL,
  // go to `subdirs`.
  void scan(int fd, std::string& subdirs) {
    for (;;) {
      const ssize_t got = ::getdents64(fd, buffer_, sizeof buffer_);
      if (got == 0) return;
      if (got < 0) return fail(errno);
      for (ssize_t at = 0; at < got;) {
        const auto* e = reinterpret_cast<const struct dirent64*>(buffer_ + at);
        at += e->d_reclen;
        entry(fd, e->d_name, e->d_type, subdirs);
      }
    }
  }

  void entry(int fd, const char* name_z, unsigned char type, std::string& subdirs) {
    const std::string_view name = name_z;
    if (name == "." || name == ".." || type == DT_LNK) return;
    if (type == DT_REG && !wanted_(name)) return;
    if (type == DT_DIR) {
      subdirs.append(name).push_back('\0');
      return;
    }
    if (type != DT_REG && type != DT_UNKNOWN) return;  // sockets, fifos, devices
    struct stat st{};
    const std::size_t parent = path_.size();
    path_.append("/").append(name);
    if (::fstatat(fd, name_z, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (!absent(errno)) fail(errno);
    } else if (S_ISREG(st.st_mode) && wanted_(name)) {
      keep(identity_of(st));
    } else if (S_ISDIR(st.st_mode)) {
      subdirs.append(name).push_back('\0');
    }
    path_.resize(parent);
  }

  void folder(int fd, int depth) {
    if (pending_.size() <= static_cast<std::size_t>(depth)) pending_.resize(static_cast<std::size_t>(depth) + 1);
    pending_[static_cast<std::size_t>(depth)].clear();
    scan(fd, pending_[static_cast<std::size_t>(depth)]);
    if (depth < max_depth) {
      // By index: deeper calls may grow pending_ and move its strings.
      for (std::size_t at = 0; at < pending_[static_cast<std::size_t>(depth)].size();) {
        const std::string& names = pending_[static_cast<std::size_t>(depth)];
        const std::size_t end = names.find('\0', at);
        const std::string name = names.substr(at, end - at);
        at = end + 1;
        const std::size_t parent = path_.size();
        path_.append("/").append(name);
        const int sub = ::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) folder(sub, depth + 1);
        else if (!absent(errno)) fail(errno);
        path_.resize(parent);
      }
    }
    ::close(fd);
  }

  source src_;
  const Wanted& wanted_;
  found_files& out_;
  std::string path_;                   // of the folder or file at hand
  std::vector<std::string> pending_;   // by depth: subfolder names, NUL-ended, reused
  alignas(8) char buffer_[32 * 1024];  // one getdents64 batch
};
}  // namespace walk_detail

// Every regular file below `dir` (symlinks not followed) whose name
// `wanted` accepts, with its identity, passed to take(path, id) in sorted
// path order; every folder or entry that cannot be read (`dir` itself
// included, unless it does not exist) is added to `unreadable` as `src`, in
// path order. The subfolders of `dir` are walked on two threads: a stat per
// file is most of a warm run's cost.
template <class Wanted, class Take>
void walk(const stdfs::path& dir, source src, unreadable_list& unreadable, const Wanted& wanted, Take&& take) {
  using walk_detail::found_files;
  using walk_detail::walker;
  std::string root = dir.string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (!walk_detail::absent(errno)) unreadable.push_back({src, root, errno});
    return;
  }
  std::array<found_files, 2> found;  // by thread; [0] also holds the files directly in `dir`
  std::vector<std::string> subdirs;
  walker<Wanted> first(src, wanted, found[0]);
  first.list(fd, root, subdirs);
  std::atomic<std::size_t> next{0};  // folders are taken as threads free up: sizes differ a lot
  const auto run = [&](walker<Wanted>& w, found_files& out) {
    out.paths.reserve(std::size_t{256} << 10);
    for (std::size_t i; (i = next.fetch_add(1)) < subdirs.size();) {
      std::string path = root + "/" + subdirs[i];
      const int sub = ::openat(fd, subdirs[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) w.walk(sub, std::move(path));
      else if (!walk_detail::absent(errno)) out.failed.push_back({src, std::move(path), errno});
    }
  };
  if (subdirs.size() > 8) {
    std::thread other([&] {
      walker<Wanted> second(src, wanted, found[1]);
      run(second, found[1]);
    });
    run(first, found[0]);
    other.join();
  } else {
    run(first, found[0]);
  }
  ::close(fd);
  std::vector<std::pair<std::string_view, const file_identity*>> all;
  all.reserve(found[0].entries.size() + found[1].entries.size());
  for (const auto& f : found)
    for (const auto& e : f.entries) all.emplace_back(f.path_of(e), &e.id);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [path, id] : all) take(std::string(path), *id);
  const auto first_failed = static_cast<std::ptrdiff_t>(unreadable.size());
  for (auto& f : found) unreadable.insert(unreadable.end(), f.failed.begin(), f.failed.end());
  std::sort(unreadable.begin() + first_failed, unreadable.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
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
    walk(projects, source::claude, unreadable, jsonl, [&](std::string path, const file_identity& id) {
      const std::size_t slash = path.rfind('/');
      const bool subagent = slash != std::string::npos && std::string_view(path).substr(0, slash).ends_with("/subagents");
      out.push_back({source::claude, std::move(path), id, subagent, false});
    });
  }
}

inline void find_codex(const root_set& roots, std::vector<log_file>& out, unreadable_list& unreadable) {
  for (const auto& root : roots.roots) {
    for (const char* sub : {"sessions", "archived_sessions"}) {
      const bool archived = std::string_view(sub) == "archived_sessions";
      const auto rollout = [](std::string_view name) { return name.starts_with("rollout-") && name.ends_with(".jsonl"); };
      walk(root / sub, source::codex, unreadable, rollout, [&](std::string path, const file_identity& id) {
        out.push_back({source::codex, std::move(path), id, false, archived});
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
    walk(tmp, source::gemini, unreadable, session, [&](std::string path, const file_identity& id) {
      if (std::string_view(path).substr(0, path.rfind('/')).ends_with("/chats"))
        out.push_back({source::gemini, std::move(path), id, false, false});
    });
  }
}

}  // namespace okstra::token_usage::detail
