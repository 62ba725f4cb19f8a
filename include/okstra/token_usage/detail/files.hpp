// Finding the log files of each source, and what identifies a file's content.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <deque>
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
#include "okstra/token_usage/detail/listing_cache.hpp"
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
  std::vector<const folder_listing*> reused;  // kept listings that still held
  std::vector<folder_listing> fresh;          // listings made here that may be kept
  std::deque<std::string> names;              // what `fresh` points to
  std::size_t listed = 0;                     // folders listed, kept or not

  std::string_view path_of(const entry& e) const { return {paths.data() + e.at, e.size}; }
};

// What the threads walking one root share.
struct walk_root {
  source src = source::claude;
  int fd = -1;                          // the root folder, open
  std::string path;                     // its path, no trailing slash
  const root_listing* known = nullptr;  // its kept listings (listing_cache.hpp)
  std::int64_t trust_before_ns = LLONG_MIN;
};

// Depth-first below one folder. A folder whose kept listing still holds
// (listing_cache.hpp) costs one fstatat; any other is listed with getdents64
// on the open folder (opendir would add an fstat and two fcntl calls), whose
// d_type avoids a stat per entry. Paths are given to the *at calls relative
// to the root's descriptor. Only files whose name `wanted` accepts are
// stat-ed (a subagent's .meta.json beside each transcript would otherwise
// cost a stat each run). Whatever cannot be read goes to `failed`.
template <class Wanted>
class walker {
 public:
  walker(const walk_root& root, const Wanted& wanted, found_files& out) : root_(root), wanted_(wanted), out_(out) {}

  // The root folder itself: its files are kept, its subfolders' names
  // (NUL-ended) appended to `subdirs`, and nothing below it is visited.
  void top(std::string& subdirs) {
    path_ = root_.path;
    struct stat st{};
    if (::fstat(root_.fd, &st) != 0) return fail(errno);
    folder(st, 0, &subdirs);
  }

  // The root's subfolder `name` and everything below it.
  void below(std::string_view name) {
    path_.assign(root_.path).append("/").append(name);
    visit(0);
  }

 private:
  static constexpr int max_depth = 64;

  void fail(int error) { out_.failed.push_back({root_.src, path_, error}); }

  void keep(const file_identity& id) {
    out_.entries.push_back({out_.paths.size(), path_.size(), id});
    out_.paths += path_;
  }

  // The path at hand relative to the root: "." for the root itself.
  const char* relative() const {
    return path_.size() == root_.path.size() ? "." : path_.c_str() + root_.path.size() + 1;
  }
  std::string_view relative_key() const {
    return path_.size() == root_.path.size() ? std::string_view() : std::string_view(path_).substr(root_.path.size() + 1);
  }

  void visit(int depth) {
    struct stat st{};
    if (::fstatat(root_.fd, relative(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (!absent(errno)) fail(errno);
    } else if (S_ISDIR(st.st_mode)) {
      folder(st, depth, nullptr);
    }
  }

  // One folder, `st` taken before anything of it was read. With `subdirs`,
  // its subfolders' names go there instead of being visited.
  void folder(const struct stat& st, int depth, std::string* subdirs) {
    const folder_stamp stamp = stamp_of(st);
    const folder_listing* known = root_.known ? root_.known->find(relative_key()) : nullptr;
    if (known && known->stamp == stamp && stamp.ctime_ns < root_.trust_before_ns) {
      out_.reused.push_back(known);
      for_each_name(known->files, [&](std::string_view name) { known_file(name); });
      return descend(known->subdirs, depth, subdirs);
    }
    const int fd = ::openat(root_.fd, relative(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (!absent(errno)) fail(errno);
      return;
    }
    out_.listed += 1;
    const std::size_t failures = out_.failed.size();
    std::string& files = out_.names.emplace_back();
    std::string& folders = out_.names.emplace_back();
    scan(fd, files, folders);
    ::close(fd);
    if (stamp.ctime_ns < root_.trust_before_ns && out_.failed.size() == failures)
      out_.fresh.push_back({out_.names.emplace_back(relative_key()), stamp, files, folders});
    descend(folders, depth, subdirs);
  }

  void descend(std::string_view names, int depth, std::string* subdirs) {
    if (subdirs) {
      subdirs->append(names);
      return;
    }
    if (depth >= max_depth) return;
    for_each_name(names, [&](std::string_view name) {
      const std::size_t parent = path_.size();
      path_.append("/").append(name);
      visit(depth + 1);
      path_.resize(parent);
    });
  }

  // A file of a kept listing: its folder's entries are as listed, so only
  // its identity is needed.
  void known_file(std::string_view name) {
    const std::size_t parent = path_.size();
    path_.append("/").append(name);
    struct stat st{};
    if (::fstatat(root_.fd, relative(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (!absent(errno)) fail(errno);
    } else if (S_ISREG(st.st_mode)) {
      keep(identity_of(st));
    }
    path_.resize(parent);
  }

  // Lists the open folder `fd`: wanted files' names to `files`, subfolders'
  // names to `folders`, each ended by a NUL.
  void scan(int fd, std::string& files, std::string& folders) {
    for (;;) {
      const ssize_t got = ::getdents64(fd, buffer_, sizeof buffer_);
      if (got == 0) return;
      if (got < 0) return fail(errno);
      for (ssize_t at = 0; at < got;) {
        const auto* e = reinterpret_cast<const struct dirent64*>(buffer_ + at);
        at += e->d_reclen;
        entry(fd, e->d_name, e->d_type, files, folders);
      }
    }
  }

  void entry(int fd, const char* name_z, unsigned char type, std::string& files, std::string& folders) {
    const std::string_view name = name_z;
    if (name == "." || name == ".." || type == DT_LNK) return;
    if (type == DT_REG && !wanted_(name)) return;
    if (type == DT_DIR) {
      folders.append(name).push_back('\0');
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
      files.append(name).push_back('\0');
    } else if (S_ISDIR(st.st_mode)) {
      folders.append(name).push_back('\0');
    }
    path_.resize(parent);
  }

  const walk_root& root_;
  const Wanted& wanted_;
  found_files& out_;
  std::string path_;                   // of the folder or file at hand
  alignas(8) char buffer_[32 * 1024];  // one getdents64 batch
};
}  // namespace walk_detail

// Every regular file below `dir` (symlinks not followed) whose name
// `wanted` accepts, with its identity, passed to take(path, id) in sorted
// path order; every folder or entry that cannot be read (`dir` itself
// included, unless it does not exist) is added to `unreadable` as `src`, in
// path order. The subfolders of `dir` are walked on two threads: a stat per
// file is most of a warm run's cost. With `listings`, folders whose kept
// listing still holds are not listed again, and what was listed is given
// back to it.
template <class Wanted, class Take>
void walk(const stdfs::path& dir, source src, unreadable_list& unreadable, const Wanted& wanted, Take&& take,
          listing_cache* listings = nullptr) {
  using walk_detail::found_files;
  using walk_detail::walker;
  walk_detail::walk_root root{src, -1, dir.string(), nullptr, LLONG_MIN};
  while (root.path.size() > 1 && root.path.back() == '/') root.path.pop_back();
  root.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root.fd < 0) {
    if (!walk_detail::absent(errno)) unreadable.push_back({src, root.path, errno});
    return;
  }
  if (listings) root.known = listings->find(src, root.path), root.trust_before_ns = listings->trust_before_ns();
  std::array<found_files, 2> found;  // by thread; [0] also holds the files directly in `dir`
  std::string subdir_names;
  walker<Wanted> first(root, wanted, found[0]);
  first.top(subdir_names);
  std::vector<std::string_view> subdirs;
  for_each_name(subdir_names, [&](std::string_view name) { subdirs.push_back(name); });
  std::atomic<std::size_t> next{0};  // folders are taken as threads free up: sizes differ a lot
  const auto run = [&](walker<Wanted>& w, found_files& out) {
    out.paths.reserve(std::size_t{256} << 10);
    for (std::size_t i; (i = next.fetch_add(1)) < subdirs.size();) w.below(subdirs[i]);
  };
  if (subdirs.size() > 8) {
    std::thread other([&] {
      walker<Wanted> second(root, wanted, found[1]);
      run(second, found[1]);
    });
    run(first, found[0]);
    other.join();
  } else {
    run(first, found[0]);
  }
  ::close(root.fd);
  std::vector<std::pair<std::string_view, const file_identity*>> all;
  all.reserve(found[0].entries.size() + found[1].entries.size());
  for (const auto& f : found)
    for (const auto& e : f.entries) all.emplace_back(f.path_of(e), &e.id);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [path, id] : all) take(std::string(path), *id);
  const auto first_failed = static_cast<std::ptrdiff_t>(unreadable.size());
  for (auto& f : found) unreadable.insert(unreadable.end(), f.failed.begin(), f.failed.end());
  std::sort(unreadable.begin() + first_failed, unreadable.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  if (listings) {
    std::vector<const folder_listing*> reused = std::move(found[0].reused);
    reused.insert(reused.end(), found[1].reused.begin(), found[1].reused.end());
    std::vector<folder_listing> fresh = std::move(found[0].fresh);
    fresh.insert(fresh.end(), found[1].fresh.begin(), found[1].fresh.end());
    listings->seen(src, std::move(root.path), reused, fresh, found[0].listed + found[1].listed);
  }
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

inline void find_claude(const root_set& roots, std::vector<log_file>& out, unreadable_list& unreadable,
                        listing_cache* listings = nullptr) {
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
    }, listings);
  }
}

inline void find_codex(const root_set& roots, std::vector<log_file>& out, unreadable_list& unreadable,
                        listing_cache* listings = nullptr) {
  for (const auto& root : roots.roots) {
    for (const char* sub : {"sessions", "archived_sessions"}) {
      const bool archived = std::string_view(sub) == "archived_sessions";
      const auto rollout = [](std::string_view name) { return name.starts_with("rollout-") && name.ends_with(".jsonl"); };
      walk(root / sub, source::codex, unreadable, rollout, [&](std::string path, const file_identity& id) {
        out.push_back({source::codex, std::move(path), id, false, archived});
      }, listings);
    }
  }
}

inline void find_gemini(const root_set& roots, std::vector<log_file>& out, unreadable_list& unreadable,
                        listing_cache* listings = nullptr) {
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
    }, listings);
  }
}

}  // namespace okstra::token_usage::detail
