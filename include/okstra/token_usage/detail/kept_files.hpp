// Files a cache keeps in a folder of its own, newest first. Include through
// the token_usage headers.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/core/fs.hpp"

namespace okstra::token_usage::detail {

// A file's identity as text: inode, size and modification time to the
// nanosecond, or "" when it does not exist. A file replaced by a rename, or
// rewritten, gets another.
inline std::string file_stamp(const std::filesystem::path& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return {};
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

// Writes `content` atomically as dir/name, first removing the oldest files
// of `dir` whose names start with `prefix` and end like `name` so that fewer
// than `keep` remain. A cache: a failure only costs the next run time.
inline void store_bounded(const std::filesystem::path& dir, const std::string& name, std::string_view prefix,
                          std::size_t keep, std::string_view content) {
  const std::string_view suffix = std::string_view(name).substr(name.rfind('.'));
  try {
    fs::ensure_dir(dir, 0700);
    std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> old;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string file = e.path().filename().string();
      if (file.starts_with(prefix) && file.ends_with(suffix) && file != name) old.emplace_back(e.last_write_time(), e.path());
    }
    std::sort(old.begin(), old.end());
    for (std::size_t i = 0; i + keep <= old.size(); ++i) std::filesystem::remove(old[i].second);
    fs::write_file_atomic(dir / name, content, 0600, fs::durability::process_safe);
  } catch (const std::exception&) {
    // Not stored: the next run computes it again.
  }
}

}  // namespace okstra::token_usage::detail
