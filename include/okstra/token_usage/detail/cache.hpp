// The incremental cache of okstra-usage (format in docs/usage.md).
//
// One file, <cache dir>/usage-v1.bin, written atomically. It holds, per log
// file, the file's identity, its head hash, how far it was parsed and the
// encoded per-file result; and the merged records of the whole file set with
// a fingerprint of that set, so a run where nothing changed decodes only
// those. Anything unexpected while loading (short file, bad magic, other
// version, checksum mismatch) discards the whole cache: it is never trusted.
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/detail/files.hpp"
#include "okstra/version.hpp"

namespace okstra::token_usage::detail {

inline constexpr std::string_view cache_magic = "OKSTRAUC";
inline constexpr std::uint64_t cache_format = 1;

struct cached_file {
  source src = source::claude;
  file_identity id;
  std::uint64_t head = 0;
  std::uint64_t consumed = 0;
  std::string payload;  // the per-source encoded result
};

struct cache_content {
  std::unordered_map<std::string, cached_file> files;  // by path
  std::uint64_t merged_fingerprint = 0;
  std::string merged;  // encoded records + stats of the whole set
};

inline std::uint64_t fnv(std::string_view s, std::uint64_t h = 1469598103934665603ULL) noexcept {
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

inline void encode_identity(encoder& e, const file_identity& id) {
  e.u64(id.dev), e.u64(id.ino), e.u64(id.size), e.i64(id.mtime_ns), e.i64(id.ctime_ns);
}
inline file_identity decode_identity(decoder& d) {
  file_identity id;
  id.dev = d.u64(), id.ino = d.u64(), id.size = d.u64(), id.mtime_ns = d.i64(), id.ctime_ns = d.i64();
  return id;
}

inline cache_content load_cache(const std::filesystem::path& file) {
  cache_content c;
  std::string bytes;
  try {
    bytes = fs::read_file(file, std::size_t{1} << 30);
  } catch (const okstra::error&) {
    return c;  // absent or unreadable: start afresh
  }
  if (bytes.size() < cache_magic.size() + 8 || std::string_view(bytes).substr(0, cache_magic.size()) != cache_magic)
    return c;
  const std::string_view body = std::string_view(bytes).substr(0, bytes.size() - 8);
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  if (fnv(body) != stored) return c;
  decoder d(body.substr(cache_magic.size()));
  if (d.u64() != cache_format || d.str() != okstra::version) return c;
  const std::uint64_t n = d.u64();
  for (std::uint64_t i = 0; i < n && !d.failed(); ++i) {
    std::string path(d.str());
    cached_file f;
    f.src = static_cast<source>(d.u8() & 3);
    f.id = decode_identity(d);
    f.head = d.u64();
    f.consumed = d.u64();
    f.payload = std::string(d.str());
    c.files.emplace(std::move(path), std::move(f));
  }
  c.merged_fingerprint = d.u64();
  c.merged = std::string(d.str());
  if (d.failed()) return cache_content{};
  return c;
}

inline void save_cache(const std::filesystem::path& file, const cache_content& c) {
  encoder e;
  e.buffer().append(cache_magic);
  e.u64(cache_format);
  e.str(okstra::version);
  e.u64(c.files.size());
  for (const auto& [path, f] : c.files) {
    e.str(path);
    e.u8(static_cast<std::uint8_t>(f.src));
    encode_identity(e, f.id);
    e.u64(f.head);
    e.u64(f.consumed);
    e.str(f.payload);
  }
  e.u64(c.merged_fingerprint);
  e.str(c.merged);
  const std::uint64_t sum = fnv(e.buffer());
  e.buffer().append(reinterpret_cast<const char*>(&sum), 8);
  fs::ensure_dir(file.parent_path(), 0700);
  fs::write_file_atomic(file, e.buffer(), 0600);
}

}  // namespace okstra::token_usage::detail
