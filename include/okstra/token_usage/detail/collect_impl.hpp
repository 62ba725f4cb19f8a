// Definitions for okstra/token_usage/token_usage.hpp. Include that header.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "okstra/core/json.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/detail/cache.hpp"
#include "okstra/token_usage/detail/claude.hpp"
#include "okstra/token_usage/detail/files.hpp"
#include "okstra/token_usage/detail/read_claude.hpp"
#include "okstra/token_usage/detail/snapshot.hpp"
#include "okstra/token_usage/detail/claude_delta.hpp"
#include "okstra/token_usage/detail/sources.hpp"
#include "okstra/token_usage/detail/trace.hpp"

namespace okstra::token_usage {

namespace detail {

// A Claude part that the store already holds: referenced, never rewritten.
struct cached_claude_part {
  part_ref ref;
  claude::stored_part part;
};

// One log file through one run: what we know of it and what it yielded.
struct tracked {
  log_file file;
  bool readable = true;
  std::uint64_t head = 0;
  std::uint64_t resume_from = 0;                   // bytes already covered by the cached result
  std::vector<cached_claude_part> cached_parts;    // Claude, from the store, in file order
  bool parts_pending = false;                      // cached_parts are refs, not yet checked and decoded
  std::vector<claude::file_result> claude_parts;   // Claude, parsed this run, after the cached ones
  source_result other;                             // Codex, Gemini, Cursor
  std::optional<part_ref> other_ref;               // `other` as the store holds it, if unchanged
  std::uint64_t cached_consumed = 0;               // how far the cached result reaches
  bool from_cache = false;                         // nothing to read
  bool in_snapshot = false;                        // its source is taken from its snapshot
  std::string agent_type;                          // Claude subagent meta
  bool agent_type_known = false;                   // taken from the cache: its .meta.json is not read
};

struct work_unit {
  std::size_t file;
  byte_range range;
  std::size_t part;  // index into claude_parts
};

inline std::string subagent_type(const std::string& path) {
  if (!path.ends_with(".jsonl")) return {};
  const std::string meta = path.substr(0, path.size() - 6) + ".meta.json";
  try {
    const auto doc = json::read_file(meta, 1 << 20);
    return std::string(json::get_string(doc, "agentType").value_or(""));
  } catch (const okstra::error&) {
    return {};
  }
}

inline std::uint64_t fingerprint_of(const log_file& f, std::uint64_t h) {
  h = fnv(f.path, h);
  const file_identity& i = f.id;
  for (const std::uint64_t v : {i.dev, i.ino, i.size, static_cast<std::uint64_t>(i.mtime_ns),
                                static_cast<std::uint64_t>(i.ctime_ns), static_cast<std::uint64_t>(f.src)})
    h = fnv(std::string_view(reinterpret_cast<const char*>(&v), sizeof v), h);
  return h;
}

// Changes whenever any file's identity or the set of files changes.
inline std::uint64_t fingerprint(const std::vector<log_file>& files) {
  std::uint64_t h = fnv_offset;
  for (const auto& f : files) h = fingerprint_of(f, h);
  return h ^ files.size();
}

// The same, over the files of one source (what its snapshot is of).
inline std::uint64_t source_fingerprint(const std::vector<tracked>& files, source s) {
  std::uint64_t h = fnv_offset ^ static_cast<std::uint64_t>(s);
  std::uint64_t n = 0;
  for (const auto& t : files)
    if (t.file.src == s) h = fingerprint_of(t.file, h), ++n;
  return h ^ n;
}

}  // namespace detail

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/collect_run.hpp"
