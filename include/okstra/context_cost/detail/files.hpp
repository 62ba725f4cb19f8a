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

// Regular files below `dir` (symlinked files included, symlinked folders not
// entered, so no loop), sorted by path. An absent folder has none.
inline std::vector<stdfs::path> regular_files_below(const stdfs::path& dir) {
  std::vector<stdfs::path> out;
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec)) return out;
  const auto fail = [&](const stdfs::path& where) {
    return io_error("read", where.string(), ec.value());
  };
  stdfs::recursive_directory_iterator it(dir, stdfs::directory_options::none, ec);
  if (ec) throw fail(dir);
  // An increment that fails is entering the entry it stood on: name that one.
  stdfs::path current = dir;
  for (const stdfs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    current = it->path();
    std::error_code type_ec;
    if (it->is_regular_file(type_ec)) out.push_back(current);
  }
  if (ec) throw fail(current);
  std::sort(out.begin(), out.end(), [](const stdfs::path& a, const stdfs::path& b) {
    return a.generic_string() < b.generic_string();
  });
  return out;
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

// Relative to the task root (with '/') when inside it, else absolute.
inline std::string display_path(const stdfs::path& path, const stdfs::path& task_root) {
  const stdfs::path relative = path.lexically_relative(task_root);
  if (relative.empty() || *relative.begin() == "..") return path.generic_string();
  return relative.generic_string();
}

}  // namespace okstra::context_cost::detail
