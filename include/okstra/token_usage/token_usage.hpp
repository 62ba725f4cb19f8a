// okstra/token_usage/token_usage.hpp — collect token usage from agents' logs.
//
// Contract:
// - collect() finds the log files of each enabled source (Claude Code, Codex
//   CLI, Gemini CLI, Cursor hook log), reads the changed ones in parallel,
//   de-duplicates (per-source rules in detail/claude.hpp, detail/codex.hpp,
//   detail/gemini.hpp, detail/cursor.hpp) and returns normalised records plus
//   per-source statistics. The result never depends on the order in which
//   files are read.
// - Roots: flags, then the agents' environment variables (CLAUDE_CONFIG_DIR
//   comma list, CODEX_HOME, GEMINI_DIR), then the defaults under $HOME and
//   $XDG_CONFIG_HOME. A root given by flag or environment that does not exist
//   is an input error (exit 3); a missing default root is simply empty.
// - Cache: <home>/cache/usage/ remembers per file its identity (device, inode,
//   size, mtime, ctime, a hash of its first 4 KiB), how far it was parsed and
//   what it yielded. Unchanged files are not read; a grown file with the same
//   head is parsed from its old end; anything else is re-read. A source whose
//   files are all unchanged takes its merged records from a snapshot. A
//   corrupt, foreign-version or unreadable cache is discarded and rebuilt. The
//   cache changes speed, never results. Its store is append-only (under a
//   lock) and its index replaced atomically; concurrent runs are safe (last
//   index wins). Layout and rules: detail/cache.hpp, docs/usage.md.
// - Malformed lines never stop a run: they are counted in skipped_lines. A
//   token count outside [0, max_count], or a record whose total would not
//   fit, is a malformed line; records that would take a grand total past
//   max_count are skipped too, counted and warned about (admit_within_limits
//   in detail/collect_merge.hpp), so no sum of the returned records can wrap
//   (docs/usage.md, "Counts that do not fit").
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <future>
#include <memory>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/token_usage/detail/trace.hpp"  // OKSTRA_USAGE_TRACE phases, marked by the tool too
#include "okstra/token_usage/limits.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage {

struct collect_options {
  std::array<bool, 4> enabled{true, true, true, true};  // indexed by source
  std::vector<std::filesystem::path> claude_roots;       // empty: environment, then defaults
  std::vector<std::filesystem::path> codex_roots;
  std::vector<std::filesystem::path> gemini_roots;
  std::optional<std::filesystem::path> cursor_log;
  bool use_cache = true;
  std::filesystem::path cache_dir;  // empty: <okstra home>/cache/usage
  // Include archived records (docs/usage-archive.md); lost files are archived either way.
  bool use_archive = true;
  // Leave archived records out of collection::records and read the archive
  // only to archive lost records: build_report_with_archive() adds them
  // (okstra/token_usage/archive_report.hpp).
  bool archive_apart = false;
  std::filesystem::path archive_dir;  // empty: <okstra home>/usage/archive
  unsigned threads = 0;             // 0: all cores
  bool progress = false;            // a progress bar on stderr
  // Fill collection::limits (limits.hpp): every Codex result is decoded
  // (no snapshot for Codex) and the recorded limits file is read.
  bool official_limits = false;
  std::filesystem::path limits_file;  // empty: recorded_limits_file()
  // Fill collection::claude_message_hashes (the statusline's state keeps them).
  bool claude_message_hashes = false;
};

struct collection {
  std::vector<record> records;
  std::array<source_stats, 4> stats{};
  std::vector<std::string> warnings;
  std::uint64_t files_read = 0;     // files (re)parsed this run
  std::uint64_t bytes_read = 0;
  official_limits limits{};  // by source; only with collect_options::official_limits
  // The sorted, distinct message.id hashes of every Claude Code entry read,
  // picked or not; only with collect_options::claude_message_hashes.
  std::vector<std::uint64_t> claude_message_hashes;
};

namespace detail {
struct log_file;
struct unreadable_path;
}

// The log files collect() would read, found and stat-ed once; the
// fingerprint changes whenever any file's identity or the set changes.
struct discovered_logs {
  // Out of line: detail::log_file is complete only where collect() is defined.
  discovered_logs();
  discovered_logs(discovered_logs&&) noexcept;
  discovered_logs& operator=(discovered_logs&&) noexcept;
  ~discovered_logs();

  std::vector<detail::log_file> files;  // sorted by path
  std::vector<detail::unreadable_path> unreadable;  // folders and entries the walk could not read
  std::uint64_t fingerprint = 0;
};

discovered_logs discover_logs(const collect_options& options);

// A Claude Code log as the walk found it: the path collect() knows it by and
// the size it reads it up to.
struct found_log {
  std::string path;
  std::uint64_t size = 0;
};
// The Claude Code log that is the file (device, inode), if the walk found it.
std::optional<found_log> find_claude_log(const discovered_logs& logs, std::uint64_t dev, std::uint64_t ino);
collection collect(const collect_options& options);
collection collect(const collect_options& options, discovered_logs logs);
// Loads what collect() needs from the cache on a thread: construct it before
// discover_logs() so both overlap, then pass it to collect().
namespace detail {
struct cache_preload;
}
class cache_preloader {
 public:
  explicit cache_preloader(const collect_options& o);
  cache_preloader(const cache_preloader&) = delete;
  cache_preloader& operator=(const cache_preloader&) = delete;
  ~cache_preloader();  // waits for the load
  std::unique_ptr<detail::cache_preload> take();

 private:
  std::future<std::unique_ptr<detail::cache_preload>> result_;
};
collection collect(const collect_options& options, discovered_logs logs, cache_preloader& preloaded);

// Cursor (docs/usage.md, "Cursor"): the log line a cursor-agent `stop` hook
// payload becomes (without '\n'; throws okstra::input_error on a bad payload),
// and the hooks.json text that makes cursor-agent call `okstra-usage cursor-hook`.
std::string cursor_hook_line(std::string_view stdin_text, std::int64_t now_ms);
std::string cursor_hook_install_snippet(std::string_view path_to_okstra_usage);

// Waits until the cache write-back that collect() started in the background
// is done; call it before the program exits. Returns the file_stamp of the
// cache index it wrote, "" when it wrote none (report_cache.hpp).
std::string finish_cache_writes();

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/collect_impl.hpp"
#include "okstra/token_usage/detail/collect_handles.hpp"
#endif
