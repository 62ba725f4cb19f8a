// okstra/token_usage/report_cache.hpp — remember a rendered report.
//
// Contract: a report is a pure function of the log files' identities (the
// fingerprint of collect()'s file set), the command line, the environment
// that chooses roots, zone and colour, the price table and okstra's version.
// report_key() hashes all of these; a stored report is reused only when the
// key matches exactly, so it can change speed, never output. Reports that
// depend on the clock (blocks) must not be cached by the caller. Files live
// in <cache dir>/reports/, at most 32 of them (oldest removed), written
// atomically; anything unreadable is simply a miss.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/core/sha256.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/token_usage.hpp"
#include "okstra/token_usage/detail/cache.hpp"
#include "okstra/token_usage/detail/kept_files.hpp"
#include "okstra/version.hpp"

namespace okstra::token_usage {

struct stored_report {
  std::string diagnostics;  // what went to stderr
  std::string output;       // what went to stdout
};

inline std::filesystem::path cache_folder(const collect_options& o) {
  return detail::usage_cache_dir(o.cache_dir);
}

// The cache index's file_stamp(), "" when there is none. What the index
// remembers decides what a run archives, so a remembered report's key names
// the index it was made with (docs/usage-archive.md, "Reports").
inline std::string cache_index_stamp(const collect_options& o) {
  return detail::file_stamp(cache_folder(o) / detail::index_name);
}

inline std::string report_key(const std::vector<std::string>& args, std::uint64_t logs, bool stdout_is_terminal,
                              std::string_view prices_identity) {
  sha256 h;
  const auto put = [&](std::string_view s) {
    h.update(s);
    h.update(std::string_view("\0", 1));
  };
  put(okstra::version);
  put(std::to_string(logs));
  for (const auto& a : args) put(a);
  for (const char* name : {"HOME", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_DIR", "OKSTRA_HOME",
                           "TZ", "TZDIR", "NO_COLOR"}) {
    const char* v = std::getenv(name);
    put(v ? std::string("=") + v : std::string("unset"));
  }
  put(stdout_is_terminal ? "tty" : "pipe");
  const auto identity = [&](const std::filesystem::path& p) {
    struct stat st{};
    if (::stat(p.c_str(), &st) != 0) return put("absent");
    put(std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
        std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ctim.tv_nsec));
  };
  identity("/etc/localtime");
  put(prices_identity);
  return h.hex();
}

inline std::optional<stored_report> read_report(const collect_options& o, const std::string& key) {
  std::string bytes;
  try {
    bytes = fs::read_file(cache_folder(o) / "reports" / (key + ".txt"), std::size_t{64} << 20);
  } catch (const okstra::error&) {
    return std::nullopt;
  }
  // key \n diagnostics-length \n diagnostics output
  const std::size_t a = bytes.find('\n');
  if (a == std::string::npos || bytes.compare(0, a, key) != 0) return std::nullopt;
  const std::size_t b = bytes.find('\n', a + 1);
  if (b == std::string::npos) return std::nullopt;
  const std::string count = bytes.substr(a + 1, b - a - 1);
  if (count.empty() || count.find_first_not_of("0123456789") != std::string::npos || count.size() > 12) return std::nullopt;
  const std::size_t n = std::stoull(count);
  if (n > bytes.size() - b - 1) return std::nullopt;
  return stored_report{bytes.substr(b + 1, n), bytes.substr(b + 1 + n)};
}

inline void store_report(const collect_options& o, const std::string& key, const stored_report& r) {
  detail::store_bounded(cache_folder(o) / "reports", key + ".txt", "", 32,
                        key + "\n" + std::to_string(r.diagnostics.size()) + "\n" + r.diagnostics + r.output);
}

}  // namespace okstra::token_usage
