// The rollback journal and the journaled file operations of
// okstra/prepare/prepare.hpp. Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

#include "okstra/core/fs.hpp"
#include "okstra/core/safe_path.hpp"

namespace okstra::prepare {

OKSTRA_INLINE void rollback_journal::on_rollback(std::string what, std::function<void()> undo) {
  steps_.push_back(step{std::move(what), std::move(undo)});
}

OKSTRA_INLINE std::vector<std::string> rollback_journal::rollback() noexcept {
  std::vector<std::string> failures;
  while (!steps_.empty()) {
    step last = std::move(steps_.back());
    steps_.pop_back();
    try {
      last.undo();
    } catch (const std::exception& e) {
      try {
        failures.push_back(last.what + ": " + e.what());
      } catch (...) {
      }
    } catch (...) {
      try {
        failures.push_back(last.what + ": unknown failure");
      } catch (...) {
      }
    }
  }
  return failures;
}

namespace detail {
// Removes a folder this prepare created, but only while it is empty: another
// prepare of the same task may have put its own files in it since.
inline void remove_if_empty(const stdfs::path& dir) {
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
    throw io_error("remove folder", dir.string());
}

inline std::optional<std::string> read_if_regular(const stdfs::path& file) {
  struct stat st{};
  if (::lstat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw io_error("read", file.string());
  }
  if (!S_ISREG(st.st_mode)) throw input_error(quoted("not a regular file", file.string()));
  return fs::read_file(file);
}
}  // namespace detail

OKSTRA_INLINE void make_folders(const stdfs::path& dir, rollback_journal& journal, mode_t mode) {
  std::vector<stdfs::path> missing;
  std::error_code ec;
  for (stdfs::path p = dir; !p.empty() && !stdfs::is_directory(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    std::string what = "remove folder " + it->string();
    if (::mkdir(it->c_str(), mode) == 0) {
      journal.on_rollback(std::move(what), [p = *it] { detail::remove_if_empty(p); });
      continue;
    }
    if (errno != EEXIST) throw io_error("create folder", it->string());
    if (!stdfs::is_directory(*it, ec)) throw input_error(quoted("not a folder", it->string()));
  }
}

OKSTRA_INLINE void write_journaled(const stdfs::path& file, std::string_view content, rollback_journal& journal,
                            const dirs::home_layout* central) {
  // A shared file, under the central lock: killed writers' leftovers go first
  // (docs/cli.md, "Files okstra writes").
  if (central) fs::remove_stale_temps(file);
  std::optional<std::string> previous = detail::read_if_regular(file);
  if (previous && *previous == content) return;  // nothing changes, nothing to undo
  std::optional<dirs::home_layout> home;
  if (central) home = *central;
  auto undo = [file, previous = std::move(previous), written = std::string(content), home] {
    std::optional<locks::lock> held;
    if (home) held.emplace(locks::central_lock(*home));
    const std::optional<std::string> now = detail::read_if_regular(file);
    if (now != written) return;  // changed by someone else since: theirs now
    if (previous) {
      fs::write_file_atomic(file, *previous);
    } else if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
      throw io_error("remove", file.string());
    }
  };
  std::string what = "undo write of " + file.string();
  fs::write_file_atomic(file, content);
  journal.on_rollback(std::move(what), std::move(undo));
}

// ---- below a trusted root: no symlink followed (docs/prepare.md, "Symlinks") ---------

namespace detail {
// The folder holding root/relative, walked without following a link; nullopt
// when a folder on the way is gone (nothing left to undo there).
inline std::optional<safe_path::folder> parent_below(const stdfs::path& root, const stdfs::path& relative) {
  return safe_path::find_folder(root, relative.parent_path());
}

inline void remove_empty_folder_below(const stdfs::path& root, const stdfs::path& relative) {
  if (const auto parent = parent_below(root, relative))
    safe_path::remove_empty_folder_at(*parent, relative.filename().string());
}
}  // namespace detail

OKSTRA_INLINE std::optional<std::string> read_below(const stdfs::path& root, const stdfs::path& file, std::size_t max_bytes) {
  const stdfs::path relative = safe_path::below(root, file);
  const auto parent = detail::parent_below(root, relative);
  if (!parent) return std::nullopt;
  return safe_path::read_file_at(*parent, relative.filename().string(), max_bytes);
}

OKSTRA_INLINE void make_folders_below(const stdfs::path& root, const stdfs::path& dir, rollback_journal& journal,
                               mode_t mode) {
  safe_path::make_folders(root, safe_path::below(root, dir), mode, [&](const stdfs::path& relative) {
    journal.on_rollback("remove folder " + (root / relative).string(),
                        [root, relative] { detail::remove_empty_folder_below(root, relative); });
  });
}

// As write_journaled, with every folder from `root` down opened without
// following a link, for the write and for its undo alike.
OKSTRA_INLINE void write_journaled_below(const stdfs::path& root, const stdfs::path& file, std::string_view content,
                                  rollback_journal& journal, const dirs::home_layout* central) {
  const stdfs::path relative = safe_path::below(root, file);
  const std::string name = relative.filename().string();
  const safe_path::folder dir = safe_path::open_folder(root, relative.parent_path());
  if (central) fs::remove_stale_temps_at(dir.fd.get(), name);  // as write_journaled
  std::optional<std::string> previous = safe_path::read_file_at(dir, name);
  if (previous && *previous == content) return;  // nothing changes, nothing to undo
  std::optional<dirs::home_layout> home;
  if (central) home = *central;
  auto undo = [root, relative, name, previous = std::move(previous), written = std::string(content), home] {
    std::optional<locks::lock> held;
    if (home) held.emplace(locks::central_lock(*home));
    const auto now_dir = detail::parent_below(root, relative);
    if (!now_dir || safe_path::read_file_at(*now_dir, name) != written) return;  // gone or theirs now
    if (previous) {
      safe_path::write_file_at(*now_dir, name, *previous);
    } else {
      safe_path::remove_file_at(*now_dir, name);
    }
  };
  std::string what = "undo write of " + file.string();
  safe_path::write_file_at(dir, name, content);
  journal.on_rollback(std::move(what), std::move(undo));
}

}  // namespace okstra::prepare
