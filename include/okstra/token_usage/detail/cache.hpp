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
inline constexpr std::uint64_t cache_format = 2;  // 2: Claude entries as raw bytes

// A fast 64-bit checksum (8 bytes per step): detects a torn or corrupted
// cache, it is no defence against a forged one (the cache is private, 0600).
inline std::uint64_t checksum(std::string_view s) noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 29;
  }
  for (; i < s.size(); ++i) h = (h ^ static_cast<unsigned char>(s[i])) * 0xC4CEB9FE1A85EC53ULL;
  return h ^ (h >> 32);
}

inline void encode_identity(encoder& e, const file_identity& id) {
  e.u64(id.dev), e.u64(id.ino), e.u64(id.size), e.i64(id.mtime_ns), e.i64(id.ctime_ns);
}
inline file_identity decode_identity(decoder& d) {
  file_identity id;
  id.dev = d.u64(), id.ino = d.u64(), id.size = d.u64(), id.mtime_ns = d.i64(), id.ctime_ns = d.i64();
  return id;
}

struct cached_file {
  source src = source::claude;
  file_identity id;
  std::uint64_t head = 0;
  std::uint64_t consumed = 0;
  std::string_view payload;  // the per-source encoded result (a view into the loaded bytes)
};

// A loaded cache. The per-file table is decoded only when asked for: a run
// where nothing changed needs the merged records alone.
struct cache_content {
  std::string bytes;                                          // the whole file, views point here
  std::string_view files_section;                             // encoded per-file table
  std::unordered_map<std::string_view, cached_file> files;    // by path, after decode_files()
  std::uint64_t merged_fingerprint = 0;
  std::string_view merged;  // encoded records + stats of the whole set

  std::uint64_t files_checksum = 0;

  bool decode_files() {
    if (checksum(files_section) != files_checksum) return false;
    decoder d(files_section);
    const std::uint64_t n = d.u64();
    for (std::uint64_t i = 0; i < n && !d.failed(); ++i) {
      const std::string_view path = d.str();
      cached_file f;
      f.src = static_cast<source>(d.u8() & 3);
      f.id = decode_identity(d);
      f.head = d.u64();
      f.consumed = d.u64();
      f.payload = d.str();
      files.emplace(path, f);
    }
    if (d.failed()) files.clear();
    return !d.failed();
  }
};

// What the next run's cache will hold; strings are owned.
struct cache_writer_file {
  std::string path;
  source src = source::claude;
  file_identity id;
  std::uint64_t head = 0;
  std::uint64_t consumed = 0;
  std::string payload;
};


// Layout: magic, format, version, fingerprint, merged records, their
// checksum, per-file table, its checksum. The table is verified only when a
// run needs it.
inline cache_content load_cache(const std::filesystem::path& file) {
  cache_content c;
  try {
    c.bytes = fs::read_file(file, std::size_t{1} << 30);
  } catch (const okstra::error&) {
    return c;  // absent or unreadable: start afresh
  }
  const std::string_view bytes = c.bytes;
  if (bytes.size() < cache_magic.size() || bytes.substr(0, cache_magic.size()) != cache_magic) return cache_content{};
  decoder d(bytes.substr(cache_magic.size()));
  if (d.u64() != cache_format || d.str() != okstra::version) return cache_content{};
  c.merged_fingerprint = d.u64();
  c.merged = d.str();
  const std::uint64_t merged_sum = d.u64();
  c.files_section = d.str();
  c.files_checksum = d.u64();
  if (d.failed() || !d.at_end() || checksum(c.merged) != merged_sum) return cache_content{};
  return c;
}

// Writes the cache from an already encoded per-file table (see
// encode_table_entry) and the merged records, in pieces: no 18 MB copies.
inline void save_cache(const std::filesystem::path& file, std::string_view table, std::uint64_t merged_fingerprint,
                       std::string_view merged) {
  encoder head;
  head.buffer().append(cache_magic);
  head.u64(cache_format);
  head.str(okstra::version);
  head.u64(merged_fingerprint);
  head.u64(merged.size());
  encoder middle;
  middle.u64(checksum(merged));
  middle.u64(table.size());
  encoder tail;
  tail.u64(checksum(table));
  fs::ensure_dir(file.parent_path(), 0700);
  // The checksums guard the content, so the cache skips fsync (speed).
  fs::write_file_atomic_parts(file, {head.buffer(), merged, middle.buffer(), table, tail.buffer()}, 0600,
                              fs::durability::process_safe);
}

// Appends one file's row to an encoded per-file table; `scratch` is reused.
inline void encode_table_entry(encoder& table, const cache_writer_file& f) {
  table.str(f.path);
  table.u8(static_cast<std::uint8_t>(f.src));
  encode_identity(table, f.id);
  table.u64(f.head);
  table.u64(f.consumed);
  table.str(f.payload);
}

}  // namespace okstra::token_usage::detail
