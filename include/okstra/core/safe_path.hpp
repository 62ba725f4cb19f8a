// okstra/core/safe_path.hpp — folders and files below a trusted root, with no
// symbolic link followed below it.
//
// Why: a project's `.okstra/` folder and a task bundle travel with a cloned
// repository, so a link planted there (`.okstra` -> ~/somewhere) must not make
// the toolkit write or read wherever it points (docs/prepare.md, "Symlinks";
// docs/cost.md, "Symlinks").
//
// Contract:
// - The root is trusted: it is opened as given, links in it or above it
//   followed (the user named it). Each component of `relative` below it is
//   opened with openat(O_NOFOLLOW | O_DIRECTORY), one at a time.
// - A component below the root that is a symbolic link throws symlink_error,
//   an input error (exit 3) "refusing to follow symlink '<path>'" with a hint
//   naming where it points; it carries the link's path, for callers that skip
//   the link instead of refusing. A component that exists but is not a folder
//   is an input error "not a folder '<path>'".
// - `relative` only goes down: an absolute path or a ".." component is an
//   input error; "." and empty components are ignored. below() turns a path
//   under the root into such a relative path.
// - open_folder() fails on a missing folder (cannot open folder …: no such
//   file or directory), find_folder() and find_folder_at() return nullopt
//   instead (also for a component that is not a folder), make_folders()
//   creates each missing folder with mkdirat(mode) and reports each one it
//   created to a callback, parents first, before going further down.
// - write_file_at() is core/fs.hpp's atomic write relative to an open folder:
//   a temporary ".<name>.tmp-<pid>-<n>" (fs.hpp's naming, so its stale-temp
//   cleaner knows it) created with O_CREAT | O_EXCL | O_NOFOLLOW, fsynced,
//   renameat() over <name>, the folder fsynced. A <name> that is a symlink is
//   refused (symlink_error), never replaced.
// - read_file_at() reads a regular file with O_NOFOLLOW | O_NONBLOCK: nullopt
//   when absent, symlink_error for a link, "cannot read '<path>': not a
//   regular file" for a folder, FIFO, socket or device (never opened).
// - type_at() and entries_at() look without following (AT_SYMLINK_NOFOLLOW).
// - remove_file_at() and remove_empty_folder_at() never follow the last
//   component either (unlinkat).
// A `name` is one path component. Errors are okstra::error, exit_code::input.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"

namespace okstra::safe_path {

namespace stdfs = std::filesystem;

// A symbolic link met below a trusted root.
class symlink_error : public error {
 public:
  symlink_error(stdfs::path link, std::string target)
      : error(exit_code::input, quoted("refusing to follow symlink", link.string()),
              "it points to '" + printable(target) +
                  "'; okstra never follows a link inside the folders it writes or measures: replace the link "
                  "with a real folder (or file) and run again"),
        link_(std::move(link)),
        target_(std::move(target)) {}
  const stdfs::path& link() const noexcept { return link_; }
  const std::string& target() const noexcept { return target_; }  // as stored in the link, "?" if unreadable

 private:
  stdfs::path link_;
  std::string target_;
};

// An open folder: its descriptor and its path (root / relative), for messages.
struct folder {
  fs::unique_fd fd;
  stdfs::path path;
};

enum class entry_type { absent, regular, folder, symlink, other };

struct entry {
  std::string name;
  entry_type type = entry_type::other;
};

namespace detail {

inline int folder_flags() { return O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC; }

inline void check_name(std::string_view name, const stdfs::path& where) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
    throw input_error(quoted("not a plain file name", name) + " in '" + printable(where.string()) + "'");
}

inline symlink_error link_met(int dir_fd, const std::string& name, const stdfs::path& link) {
  char target[4096];
  const ssize_t n = ::readlinkat(dir_fd, name.c_str(), target, sizeof target);
  return symlink_error(link, n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string("?"));
}

// The components of `relative`, checked to only go down.
inline std::vector<std::string> components(const stdfs::path& relative) {
  if (relative.is_absolute()) throw input_error(quoted("not a relative path", relative.string()));
  std::vector<std::string> out;
  for (const auto& part : relative) {
    const std::string text = part.string();
    if (text.empty() || text == ".") continue;
    if (text == "..") throw input_error(quoted("path leaves its folder", relative.string()));
    out.push_back(text);
  }
  return out;
}

// Opens folder `name` in `dir` without following it; nullopt when missing
// (and, when `lenient`, when it is something else than a folder).
inline std::optional<fs::unique_fd> open_child(int dir_fd, const std::string& name, const stdfs::path& path,
                                               bool lenient) {
  fs::unique_fd fd(::openat(dir_fd, name.c_str(), folder_flags()));
  if (fd) return fd;
  const int err = errno;
  struct stat st{};
  if (err == ENOENT) return std::nullopt;
  if ((err == ELOOP || err == ENOTDIR) && ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) throw link_met(dir_fd, name, path);
    if (lenient) return std::nullopt;
    throw input_error(quoted("not a folder", path.string()));
  }
  throw io_error("open folder", path.string(), err);
}

inline folder open_root(const stdfs::path& root) {
  fs::unique_fd fd(::open(root.empty() ? "." : root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw io_error("open folder", root.string());
  return folder{std::move(fd), root};
}

// The walk shared by the three openers; `create` (may be empty) makes a
// missing folder and returns true, else the walk stops with nullopt.
inline std::optional<folder> walk(const stdfs::path& root, const stdfs::path& relative,
                                  const std::function<bool(int, const std::string&, const stdfs::path&)>& create) {
  const std::vector<std::string> parts = components(relative);
  folder current = open_root(root);
  const bool lenient = !create;
  for (const std::string& part : parts) {
    const stdfs::path path = current.path / part;
    std::optional<fs::unique_fd> next = open_child(current.fd.get(), part, path, lenient);
    if (!next) {
      if (!create || !create(current.fd.get(), part, path)) return std::nullopt;
      next = open_child(current.fd.get(), part, path, false);
      if (!next) throw io_error("open folder", path.string(), ENOENT);
    }
    current = folder{std::move(*next), path};
  }
  return current;
}

}  // namespace detail

// `path` relative to `root` when it lies below it (or is it: empty), lexically;
// otherwise an input error.
inline stdfs::path below(const stdfs::path& root, const stdfs::path& path) {
  const stdfs::path relative = path.lexically_normal().lexically_relative(root.lexically_normal());
  if (root.empty() || relative.empty() || *relative.begin() == "..")
    throw input_error(quoted("path is not below", root.string()) + ": '" + printable(path.string()) + "'");
  return relative == "." ? stdfs::path() : relative;
}

// The folder root/relative, which must exist.
inline folder open_folder(const stdfs::path& root, const stdfs::path& relative) {
  auto found = detail::walk(root, relative, {});
  if (!found) throw io_error("open folder", (root / relative).string(), ENOENT);
  return std::move(*found);
}

// The folder root/relative, or nullopt when a component is missing or is not
// a folder (a link is still refused).
inline std::optional<folder> find_folder(const stdfs::path& root, const stdfs::path& relative) {
  return detail::walk(root, relative, {});
}

// Folder `name` of `dir`, as find_folder one level down.
inline std::optional<folder> find_folder_at(const folder& dir, const std::string& name) {
  detail::check_name(name, dir.path);
  const stdfs::path path = dir.path / name;
  auto fd = detail::open_child(dir.fd.get(), name, path, true);
  if (!fd) return std::nullopt;
  return folder{std::move(*fd), path};
}

// The folder root/relative, creating each missing component with `mode`;
// `created(relative path of the folder)` is called right after each mkdirat.
inline folder make_folders(const stdfs::path& root, const stdfs::path& relative, mode_t mode = 0755,
                           const std::function<void(const stdfs::path&)>& created = {}) {
  const auto create = [&](int dir_fd, const std::string& name, const stdfs::path& path) {
    if (::mkdirat(dir_fd, name.c_str(), mode) != 0) {
      if (errno == EEXIST) return true;  // made by someone else meanwhile: open it
      throw io_error("create folder", path.string());
    }
    if (created) created(path.lexically_relative(root));
    return true;
  };
  return std::move(*detail::walk(root, relative, create));
}

// What `name` in `dir` is, without following it.
inline entry_type type_at(const folder& dir, const std::string& name) {
  struct stat st{};
  if (::fstatat(dir.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return entry_type::absent;
    throw io_error("read", (dir.path / name).string());
  }
  if (S_ISLNK(st.st_mode)) return entry_type::symlink;
  if (S_ISREG(st.st_mode)) return entry_type::regular;
  if (S_ISDIR(st.st_mode)) return entry_type::folder;
  return entry_type::other;
}

// The error for link `name` of `dir` (which type_at() found to be a link):
// for callers that report it instead of throwing it.
inline symlink_error link_at(const folder& dir, const std::string& name) {
  return detail::link_met(dir.fd.get(), name, dir.path / name);
}

// The entries of `dir` ("." and ".." left out), sorted by name.
inline std::vector<entry> entries_at(const folder& dir) {
  fs::unique_fd own(::openat(dir.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  DIR* listing = own ? ::fdopendir(own.get()) : nullptr;
  if (!listing) throw io_error("read", dir.path.string());
  own.release();  // the DIR owns it now
  std::vector<entry> out;
  errno = 0;
  while (const dirent* e = ::readdir(listing)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back({name, entry_type::other});
    errno = 0;
  }
  const int err = errno;
  ::closedir(listing);
  if (err != 0) throw io_error("read", dir.path.string(), err);
  for (auto& e : out) e.type = type_at(dir, e.name);
  std::sort(out.begin(), out.end(), [](const entry& a, const entry& b) { return a.name < b.name; });
  return out;
}

// A regular file `name` of `dir`, read whole; nullopt when absent.
inline std::optional<std::string> read_file_at(const folder& dir, const std::string& name,
                                               std::size_t max_bytes = fs::default_read_limit) {
  detail::check_name(name, dir.path);
  const stdfs::path path = dir.path / name;
  switch (type_at(dir, name)) {
    case entry_type::absent: return std::nullopt;
    case entry_type::symlink: throw detail::link_met(dir.fd.get(), name, path);
    case entry_type::regular: break;
    default: throw input_error(quoted("cannot read", path.string()) + ": not a regular file");
  }
  fs::unique_fd fd(::openat(dir.fd.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;  // removed since
    if (errno == ELOOP) throw detail::link_met(dir.fd.get(), name, path);
    throw io_error("read", path.string());
  }
  return fs::read_fd(fd.get(), path.string(), max_bytes);
}

// Atomically replaces `name` in `dir` with `content` (see the contract above).
inline void write_file_at(const folder& dir, const std::string& name, std::string_view content, mode_t mode = 0644) {
  detail::check_name(name, dir.path);
  const stdfs::path path = dir.path / name;
  if (type_at(dir, name) == entry_type::symlink) throw detail::link_met(dir.fd.get(), name, path);
  const std::string temp = fs::detail::temp_name_for(path);
  const int d = dir.fd.get();
  fs::unique_fd fd(::openat(d, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) throw io_error("write", path.string());
  const auto fail = [&](int err) {
    fd.reset();
    ::unlinkat(d, temp.c_str(), 0);
    return io_error("write", path.string(), err);
  };
  if (!fs::write_all(fd.get(), content)) throw fail(errno);
  if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) throw fail(errno);
  if (::close(fd.release()) != 0) throw fail(errno);
  if (::renameat(d, temp.c_str(), d, name.c_str()) != 0) throw fail(errno);
  if (::fsync(d) != 0) throw io_error("sync folder", dir.path.string());
}

// Removes file (or link) `name` of `dir`; false when it was absent.
inline bool remove_file_at(const folder& dir, const std::string& name) {
  detail::check_name(name, dir.path);
  if (::unlinkat(dir.fd.get(), name.c_str(), 0) == 0) return true;
  if (errno == ENOENT) return false;
  throw io_error("remove", (dir.path / name).string());
}

// Removes folder `name` of `dir` if it is still an empty folder; anything
// else there (files in it, a link in its place, nothing) is left alone.
inline void remove_empty_folder_at(const folder& dir, const std::string& name) {
  detail::check_name(name, dir.path);
  if (::unlinkat(dir.fd.get(), name.c_str(), AT_REMOVEDIR) == 0) return;
  if (errno == ENOENT || errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR) return;
  throw io_error("remove folder", (dir.path / name).string());
}

}  // namespace okstra::safe_path
