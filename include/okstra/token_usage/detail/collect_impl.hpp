// Definitions for okstra/token_usage/token_usage.hpp. Include that header.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
#include "okstra/token_usage/detail/sources.hpp"

namespace okstra::token_usage {

namespace detail {

// One log file through one run: what we know of it and what it yielded.
struct tracked {
  log_file file;
  file_identity id;
  bool readable = true;
  std::uint64_t head = 0;
  std::uint64_t resume_from = 0;       // bytes already covered by `parts`
  std::vector<claude::file_result> claude_parts;
  source_result other;                 // Codex, Gemini, Cursor
  bool from_cache = false;             // nothing to read
  std::string agent_type;              // Claude subagent meta
  std::uint64_t consumed = 0;
};

struct work_unit {
  std::size_t file;
  byte_range range;
  std::size_t part;  // index into claude_parts
};

inline std::string encode_claude_parts(const std::vector<claude::file_result>& parts) {
  encoder e;
  e.u64(parts.size());
  for (const auto& p : parts) p.encode(e);
  return std::move(e.buffer());
}

inline bool decode_claude_parts(std::string_view payload, std::vector<claude::file_result>& parts) {
  decoder d(payload);
  const std::uint64_t n = d.u64();
  if (d.failed() || n > 4096) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    parts.push_back(claude::file_result::decode(d));
    if (d.failed()) return false;
  }
  return d.at_end();
}

inline std::string subagent_type(const std::string& path) {
  if (!ends_with(path, ".jsonl")) return {};
  const std::string meta = path.substr(0, path.size() - 6) + ".meta.json";
  try {
    const auto doc = json::read_file(meta, 1 << 20);
    return std::string(json::get_string(doc, "agentType").value_or(""));
  } catch (const okstra::error&) {
    return {};
  }
}

inline std::uint64_t fingerprint(const std::vector<tracked>& files) {
  std::uint64_t h = fnv_offset;
  for (const auto& t : files) {
    h = fnv(t.file.path, h);
    const file_identity& i = t.id;
    for (const std::uint64_t v : {i.dev, i.ino, i.size, static_cast<std::uint64_t>(i.mtime_ns),
                                  static_cast<std::uint64_t>(i.ctime_ns), static_cast<std::uint64_t>(t.file.src)})
      h = fnv(std::string_view(reinterpret_cast<const char*>(&v), sizeof v), h);
  }
  return h ^ files.size();
}

}  // namespace detail

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/collect_run.hpp"
