// The incremental cache of okstra-usage (format in docs/usage.md).
//
// Two kinds of file under <cache dir>:
// - usage-v3.index, rewritten atomically by each run that changed anything:
//   per log file its identity, head hash, how far it was parsed and where
//   its results lie in the store; per source, where its merged records lie
//   (snapshot.hpp) and the fingerprint of the files they are of; and the
//   store generation it refers to. One checksum covers it all.
// - usage-v3.store.<generation>, append-only (cache_store.hpp).
// Anything unexpected while loading (short file, bad magic, other format or
// version, checksum mismatch) discards the index; a part that fails its
// check discards that file's (or source's) cached result only. Nothing is
// ever trusted.
#pragma once

#include <array>
#include <cstring>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/detail/cache_store.hpp"
#include "okstra/token_usage/detail/files.hpp"
#include "okstra/token_usage/detail/snapshot.hpp"
#include "okstra/version.hpp"

namespace okstra::token_usage::detail {

inline constexpr std::string_view index_magic = "OKSTRAUI";
// 3: index + append-only store; 4: + subagent types; 5: + Claude snapshot basis and message hashes;
// 6: + every record's service tier (Claude entries keep their size, so only the format tells)
// 7: records carry agent_type; 8: and request_hash; 9: Claude snapshots' records carry message_hash
inline constexpr std::uint64_t cache_format = 9;
inline constexpr std::string_view index_name = "usage-v3.index";

// The cache folder: the one the caller chose (collect_options::cache_dir), else
// $OKSTRA_HOME/cache/usage (docs/usage.md, "The cache").
inline std::filesystem::path usage_cache_dir(const std::filesystem::path& chosen) {
  return chosen.empty() ? dirs::okstra_home() / "cache" / "usage" : chosen;
}

inline void encode_identity(encoder& e, const file_identity& id) {
  e.u64(id.dev), e.u64(id.ino), e.u64(id.size), e.i64(id.mtime_ns), e.i64(id.ctime_ns);
}
inline file_identity decode_identity(decoder& d) {
  file_identity id;
  id.dev = d.u64(), id.ino = d.u64(), id.size = d.u64(), id.mtime_ns = d.i64(), id.ctime_ns = d.i64();
  return id;
}

// One log file as the index remembers it.
struct cached_file {
  source src = source::claude;
  file_identity id;
  std::uint64_t head = 0;
  std::uint64_t consumed = 0;
  std::vector<part_ref> parts;  // Claude: one per part, in file order; other sources: one
  std::string agent_type;       // a Claude subagent file's type, from its .meta.json
};

// Where a source's merged records lie, and which set of its files they are of.
struct snapshot_ref {
  bool present = false;
  std::uint64_t fingerprint = 0;  // source_fingerprint() of the files it was made from
  part_ref ref;
  std::uint64_t basis = 0;        // Claude: basis_term() sum of the stored parts it was merged from
  std::vector<part_ref> pieces;  // Claude: merged onto the base since, oldest first (snapshot.hpp)
};

// What a Claude snapshot was merged from, so a later run can tell that its
// files only grew since: per file with stored parts, a hash of the path and
// of each part's place and checksum; summed, so file order does not matter.
template <class Parts, class RefOf>
std::uint64_t basis_term(std::string_view path, const Parts& parts, RefOf&& ref_of) {
  if (parts.empty()) return 0;
  std::uint64_t h = fnv(path);
  for (const auto& p : parts) {
    const part_ref& r = ref_of(p);
    const std::uint64_t fields[3] = {r.offset, r.length, r.sum};
    h = fnv(std::string_view(reinterpret_cast<const char*>(fields), sizeof fields), h);
  }
  return h * 0x9E3779B97F4A7C15ULL;
}

// What an index says, in memory.
struct cache_index {
  std::string bytes;  // the whole file, views point here
  bool valid = false;
  std::array<snapshot_ref, 4> snapshots{};  // by source
  std::uint64_t store_generation = 0;
  std::string_view table;
  std::unordered_map<std::string_view, cached_file> files;  // by path, after decode_files()

  bool decode_files() {
    decoder d(table);
    const std::uint64_t n = d.u64();
    files.reserve(n < table.size() ? n : 0);
    for (std::uint64_t i = 0; i < n && !d.failed(); ++i) {
      const std::string_view path = d.str();
      cached_file f;
      f.src = static_cast<source>(d.u8() & 3);
      f.id = decode_identity(d);
      f.head = d.u64();
      f.consumed = d.u64();
      const std::uint64_t parts = d.u64();
      for (std::uint64_t k = 0; k < parts && k < 64 && !d.failed(); ++k) f.parts.push_back(decode_ref(d));
      if (parts >= 64) d.mark_failed();
      f.agent_type = std::string(d.str());
      files.emplace(path, std::move(f));
    }
    if (d.failed() || !d.at_end()) files.clear();
    return !d.failed();
  }
};

// Layout: magic, then a body (format, version, four snapshot refs, store
// generation, per-file table), then the body's checksum.
inline cache_index load_index(const std::filesystem::path& file) {
  cache_index c;
  try {
    c.bytes = fs::read_file(file, std::size_t{1} << 30);
  } catch (const okstra::error&) {
    return c;  // absent or unreadable: start afresh
  }
  const std::string_view bytes = c.bytes;
  if (bytes.size() < index_magic.size() + 8 || bytes.substr(0, index_magic.size()) != index_magic) return cache_index{};
  const std::string_view body = bytes.substr(index_magic.size(), bytes.size() - index_magic.size() - 8);
  std::uint64_t sum;
  std::memcpy(&sum, bytes.data() + bytes.size() - 8, 8);
  if (checksum(body) != sum) return cache_index{};
  decoder d(body);
  if (d.u64() != cache_format || d.str() != okstra::version) return cache_index{};
  for (auto& snap : c.snapshots) {
    snap.present = d.u8() == 1;
    snap.fingerprint = d.u64();
    snap.ref = decode_ref(d);
    snap.basis = d.u64();
    const std::uint64_t pieces = d.u64();
    for (std::uint64_t k = 0; k < pieces && k < max_snapshot_pieces && !d.failed(); ++k) snap.pieces.push_back(decode_ref(d));
    if (pieces > max_snapshot_pieces) return cache_index{};
  }
  c.store_generation = d.u64();
  c.table = d.str();
  if (d.failed() || !d.at_end()) return cache_index{};
  c.valid = true;
  return c;
}

// Appends one file's row to an encoded per-file table.
inline void encode_row(encoder& table, std::string_view path, const cached_file& f) {
  table.str(path);
  table.u8(static_cast<std::uint8_t>(f.src));
  encode_identity(table, f.id);
  table.u64(f.head);
  table.u64(f.consumed);
  table.u64(f.parts.size());
  for (const auto& r : f.parts) encode_ref(table, r);
  table.str(f.agent_type);
}

// Writes an index atomically.
inline void save_index(const std::filesystem::path& file, const std::array<snapshot_ref, 4>& snapshots,
                       std::uint64_t store_generation, std::string_view table) {
  encoder head;
  head.u64(cache_format);
  head.str(okstra::version);
  for (const auto& snap : snapshots) {
    head.u8(snap.present ? 1 : 0);
    head.u64(snap.fingerprint);
    encode_ref(head, snap.ref);
    head.u64(snap.basis);
    head.u64(snap.pieces.size());
    for (const auto& r : snap.pieces) encode_ref(head, r);
  }
  head.u64(store_generation);
  head.u64(table.size());
  std::string body = std::move(head.buffer());
  body.append(table);
  const std::uint64_t sum = checksum(body);
  char tail[8];
  std::memcpy(tail, &sum, 8);
  fs::ensure_dir(file.parent_path(), 0700);
  fs::remove_stale_temps(file);  // killed writers' leftovers (docs/cli.md, "Files okstra writes")
  // The checksum guards the content, so the cache skips fsync (speed).
  fs::write_file_atomic_parts(file, {index_magic, body, std::string_view(tail, 8)}, 0600, fs::durability::process_safe);
}

// Removes store generations other than `keep`, and caches of older formats.
inline void remove_stale_cache_files(const std::filesystem::path& dir, std::uint64_t keep) {
  std::error_code ec;
  const std::string keep_name = store_path(dir, keep).filename().string();
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if ((name.rfind("usage-v3.store.", 0) == 0 && name != keep_name) || name == "usage-v1.bin")
      std::filesystem::remove(e.path(), ec);
  }
}

}  // namespace okstra::token_usage::detail
