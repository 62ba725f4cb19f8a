// Reading and listing the measured files. Include okstra/context_cost/context_cost.hpp.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/safe_path.hpp"

namespace okstra::context_cost::detail {

// One measured file: its size and its code-point tally.
struct measured_file {
  stdfs::path path;
  std::uint64_t bytes = 0;
  token_tally tally;
};

// The sum over a file set; the estimate is rounded once, over the set.
struct file_set {
  std::vector<measured_file> files;
  std::uint64_t bytes = 0;
  token_tally tally;

  void add(measured_file file) {
    bytes += file.bytes;
    tally += file.tally;
    files.push_back(std::move(file));
  }
  void add(const std::optional<measured_file>& file) {
    if (file) add(*file);
  }
  std::uint64_t count() const { return files.size(); }
  std::uint64_t tokens() const { return tally.tokens(); }
};

// Absent means "not counted": no such path, or not a regular file (a folder,
// FIFO or socket is never opened, so nothing can block). A regular file that
// cannot be read is an input error.
inline std::optional<measured_file> measure_file(const stdfs::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == ENAMETOOLONG) return std::nullopt;
    throw io_error("read", path.string());
  }
  if (!S_ISREG(st.st_mode)) return std::nullopt;
  fs::unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) throw io_error("read", path.string());
  if (::fstat(fd.get(), &st) != 0) throw io_error("read", path.string());
  if (!S_ISREG(st.st_mode)) return std::nullopt;  // replaced between stat and open
  const std::string text = fs::read_fd(fd.get(), path.string(), fs::default_read_limit);
  return measured_file{path, text.size(), tally_text(text)};
}

// "2026-05-02_09-14-03" or "2026-05-02T09-14-03" anywhere in a file name:
// the seed's mark of a timestamped artifact left by a legacy run.
inline bool is_timestamped_legacy_artifact(std::string_view name) {
  static constexpr std::string_view shape = "dddd-dd-ddTdd-dd-dd";
  const auto fits = [&](std::size_t at) {
    for (std::size_t k = 0; k < shape.size(); ++k) {
      const char c = name[at + k];
      const bool ok = shape[k] == 'd' ? (c >= '0' && c <= '9') : shape[k] == 'T' ? (c == '_' || c == 'T') : c == '-';
      if (!ok) return false;
    }
    return true;
  };
  for (std::size_t at = 0; at + shape.size() <= name.size(); ++at)
    if (fits(at)) return true;
  return false;
}

// A mandatory folder: present and a folder, else "cannot read '<dir>'".
inline void require_folder(const stdfs::path& dir) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) throw io_error("read", dir.string());
  if (!S_ISDIR(st.st_mode)) throw input_error(quoted("cannot read", dir.string()) + ": not a folder");
}

// Absolute and normalised, without resolving symlinks: a skill installed as a
// symlink is shown where Claude Code finds it, not where it points.
inline stdfs::path absolute_path(const stdfs::path& p) {
  stdfs::path out = stdfs::absolute(p).lexically_normal();
  if (out.has_relative_path() && !out.has_filename()) out = out.parent_path();  // "dir/" -> "dir"
  return out;
}

// Relative to `base` (with '/') when inside it, else absolute.
inline std::string display_path(const stdfs::path& path, const stdfs::path& base) {
  const stdfs::path relative = path.lexically_relative(base);
  if (relative.empty() || *relative.begin() == "..") return path.generic_string();
  return relative.generic_string();
}

// Reads what is measured. Below a confining root (the task root, and a
// --run-dir outside it) no symbolic link is followed: a link there is counted
// as absent and reported once in `warnings` (docs/cost.md, "Symlinks"), so a
// bundle cannot make the tool read /etc/passwd. Anything else (installed
// skills, the runtime tree, the okstra home) is read as its path says: users
// link their skills folders on purpose.
class reader {
 public:
  explicit reader(std::vector<std::string>& warnings) : warnings_(&warnings) {}

  // Confines every path below `root` (absolute, normalised); the first root
  // a path lies below wins.
  void confine_to(const stdfs::path& root) { roots_.push_back(root); }

  // A measured file: absent when missing, not a regular file, or reached
  // through a link below a confining root.
  std::optional<measured_file> measure(const stdfs::path& path) {
    const auto where = confined(path);
    if (!where) return measure_file(path);
    auto text = read_regular(*where);
    if (!text) return std::nullopt;
    return measured_file{path, text->size(), tally_text(*text)};
  }

  // The text of a regular file (at most `max_bytes`), as measure() finds it.
  std::optional<std::string> read_text(const stdfs::path& path, std::size_t max_bytes) {
    if (const auto where = confined(path)) return read_regular(*where, max_bytes);
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return fs::read_file(path, max_bytes);
  }

  // What is at `path`, a link below a confining root reported and "absent".
  safe_path::entry_type type_of(const stdfs::path& path) {
    const auto where = confined(path);
    if (!where) return type_outside(path);
    if (where->second.empty()) return safe_path::entry_type::folder;  // the root itself
    const auto parent = folder_of(*where, where->second.parent_path());
    if (!parent) return safe_path::entry_type::absent;
    const std::string name = where->second.filename().string();
    const auto type = safe_path::type_at(*parent, name);
    if (type != safe_path::entry_type::symlink) return type;
    warn(safe_path::link_at(*parent, name));
    return safe_path::entry_type::absent;
  }

  // The folders right inside `dir`, sorted; links reported and left out.
  std::vector<stdfs::path> subfolders(const stdfs::path& dir) {
    std::vector<stdfs::path> out;
    const auto folder = open(dir);
    if (!folder) return out;
    for (const auto& e : safe_path::entries_at(*folder)) {
      if (e.type == safe_path::entry_type::symlink) warn(safe_path::link_at(*folder, e.name));
      if (e.type == safe_path::entry_type::folder) out.push_back(dir / e.name);
    }
    return out;
  }

  // Regular files below `dir`, recursively, sorted by path; links reported
  // and left out (so no loop either). An absent folder has none.
  std::vector<stdfs::path> regular_files_below(const stdfs::path& dir) {
    std::vector<stdfs::path> out;
    if (auto folder = open(dir)) collect(*folder, dir, out);
    std::sort(out.begin(), out.end(),
              [](const stdfs::path& a, const stdfs::path& b) { return a.generic_string() < b.generic_string(); });
    return out;
  }

 private:
  using root_and_relative = std::pair<stdfs::path, stdfs::path>;

  std::optional<root_and_relative> confined(const stdfs::path& path) const {
    for (const auto& root : roots_) {
      const stdfs::path relative = path.lexically_relative(root);
      if (relative.empty() || *relative.begin() == "..") continue;
      return root_and_relative{root, relative == "." ? stdfs::path() : relative};
    }
    return std::nullopt;
  }

  void warn(const safe_path::symlink_error& e) {
    std::string line = quoted("not following symlink", e.link().string()) + " (it points to '" + printable(e.target()) +
                       "'): counted as absent";
    if (std::find(warnings_->begin(), warnings_->end(), line) == warnings_->end())
      warnings_->push_back(std::move(line));
  }

  std::optional<safe_path::folder> folder_of(const root_and_relative& where, const stdfs::path& relative) {
    try {
      return safe_path::find_folder(where.first, relative);
    } catch (const safe_path::symlink_error& e) {
      warn(e);
      return std::nullopt;
    }
  }

  // The folder at `dir`: confined, or trusted as named when outside every root.
  std::optional<safe_path::folder> open(const stdfs::path& dir) {
    if (const auto where = confined(dir)) return folder_of(*where, where->second);
    if (type_outside(dir) != safe_path::entry_type::folder) return std::nullopt;
    return safe_path::find_folder(dir, {});
  }

  std::optional<std::string> read_regular(const root_and_relative& where,
                                          std::size_t max_bytes = fs::default_read_limit) {
    if (where.second.empty()) return std::nullopt;  // a root is a folder
    const auto parent = folder_of(where, where.second.parent_path());
    if (!parent) return std::nullopt;
    const std::string name = where.second.filename().string();
    switch (safe_path::type_at(*parent, name)) {
      case safe_path::entry_type::regular: break;
      case safe_path::entry_type::symlink: warn(safe_path::link_at(*parent, name)); return std::nullopt;
      default: return std::nullopt;  // absent, a folder, FIFO or socket: never opened
    }
    try {
      return safe_path::read_file_at(*parent, name, max_bytes);
    } catch (const safe_path::symlink_error& e) {  // replaced by a link meanwhile
      warn(e);
      return std::nullopt;
    } catch (const okstra::error&) {
      if (safe_path::type_at(*parent, name) != safe_path::entry_type::regular) return std::nullopt;
      throw;  // a regular file that cannot be read: an error, never an undercount
    }
  }

  void collect(const safe_path::folder& dir, const stdfs::path& path, std::vector<stdfs::path>& out) {
    for (const auto& e : safe_path::entries_at(dir)) {
      if (e.type == safe_path::entry_type::symlink) warn(safe_path::link_at(dir, e.name));
      if (e.type == safe_path::entry_type::regular) out.push_back(path / e.name);
      if (e.type != safe_path::entry_type::folder) continue;
      if (auto child = safe_path::find_folder_at(dir, e.name)) collect(*child, path / e.name, out);
    }
  }

  static safe_path::entry_type type_outside(const stdfs::path& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return safe_path::entry_type::absent;
    return S_ISREG(st.st_mode) ? safe_path::entry_type::regular
           : S_ISDIR(st.st_mode) ? safe_path::entry_type::folder
                                 : safe_path::entry_type::other;
  }

  std::vector<stdfs::path> roots_;
  std::vector<std::string>* warnings_;
};

}  // namespace okstra::context_cost::detail
