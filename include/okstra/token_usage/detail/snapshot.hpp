// A source's merged records as the cache store keeps them: a run in which
// none of that source's files changed takes them as they are, instead of
// decoding and merging every file's result again (e.g. the Codex logs while
// only Claude Code logs grow).
//
// Claude's snapshot is a chain: a base (the full merge) and up to
// max_snapshot_pieces pieces, each the records a later run merged onto it
// (claude_delta.hpp) when its files had only grown. Every link keeps the
// sorted message-id hashes of the entries it was merged from, picked or not,
// so a run can tell whether its new entries meet earlier ones. Records are
// stored fixed-width, so loading 70,000 of them is a copy loop, not a parse.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage::detail {

inline constexpr std::size_t max_snapshot_pieces = 8;

// Sorted 64-bit hashes stored as raw little-endian bytes, read in place.
class sorted_hashes {
 public:
  sorted_hashes() = default;
  explicit sorted_hashes(std::string_view raw) : raw_(raw) {}
  std::size_t size() const noexcept { return raw_.size() / 8; }
  std::uint64_t operator[](std::size_t i) const noexcept {
    std::uint64_t v;
    std::memcpy(&v, raw_.data() + 8 * i, 8);
    return v;
  }
  bool contains(std::uint64_t h) const noexcept {
    std::size_t lo = 0, hi = size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if ((*this)[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo < size() && (*this)[lo] == h;
  }

 private:
  std::string_view raw_;
};

struct source_snapshot {
  std::vector<record> records;
  std::uint64_t skipped_lines = 0;     // the source's total, truncated tails included
  std::uint64_t parts_skipped = 0;     // Claude: of which inside the stored parts it was merged from
  std::vector<std::string> warnings;   // what its merge reported (not read errors)
  std::vector<sorted_hashes> hash_sets;  // Claude: one per link, views into the store
  std::size_t pieces = 0;                // links after the base
  std::size_t piece_records = 0;         // records the pieces added
};

namespace snapshot_layout {
// src, who, tier, time, six token counts, seven string numbers, request and
// message hashes.
inline constexpr std::size_t record_bytes = 3 + 8 + 6 * 8 + 7 * 4 + 8 + 8;

inline char* put(char* at, const void* value, std::size_t n) {
  std::memcpy(at, value, n);
  return at + n;
}
template <class T>
const char* get(const char* at, T& value) {
  std::memcpy(&value, at, sizeof value);
  return at + sizeof value;
}
}  // namespace snapshot_layout

// Each distinct string is written once, numbered by its interned id (no
// lookup per field).
inline std::string encode_snapshot(std::span<const record> records, std::uint64_t skipped_lines,
                                   const std::vector<std::string>& warnings,
                                   std::span<const std::uint64_t> message_hashes = {},
                                   std::uint64_t parts_skipped = 0) {
  static_assert(std::endian::native == std::endian::little, "snapshots are stored little-endian");
  using namespace snapshot_layout;
  std::vector<std::uint32_t> index(istr::count() + 1, 0);  // interned id -> table position + 1
  std::vector<std::string_view> table;
  for (const auto& r : records)
    for (const istr* s :
         {&r.session_id, &r.model, &r.project, &r.team_name, &r.agent_name, &r.agent_id, &r.agent_type}) {
      std::uint32_t& at = index[s->id()];
      if (at == 0) {
        table.push_back(s->view());
        at = static_cast<std::uint32_t>(table.size());
      }
    }
  encoder e;
  e.u64(table.size());
  for (const auto s : table) e.str(s);
  e.u64(records.size());
  std::string& out = e.buffer();
  const std::size_t start = out.size();
  out.resize(start + records.size() * record_bytes);
  char* at = out.data() + start;
  for (const auto& r : records) {
    const std::uint8_t kind[3] = {static_cast<std::uint8_t>(r.src), static_cast<std::uint8_t>(r.who),
                                  static_cast<std::uint8_t>(r.tier)};
    const std::uint64_t counts[6] = {r.usage.input, r.usage.output, r.usage.cache_write_5m,
                                     r.usage.cache_write_1h, r.usage.cache_read, r.usage.reasoning};
    std::uint32_t strings[7];
    int k = 0;
    for (const istr* s : {&r.session_id, &r.model, &r.project, &r.team_name, &r.agent_name, &r.agent_id, &r.agent_type})
      strings[k++] = index[s->id()] - 1;
    at = put(put(put(put(put(at, kind, 3), &r.timestamp_ms, 8), counts, sizeof counts), strings, sizeof strings),
             &r.request_hash, 8);
    at = put(at, &r.message_hash, 8);
  }
  e.u64(skipped_lines);
  e.u64(parts_skipped);
  e.u64(warnings.size());
  for (const auto& w : warnings) e.str(w);
  e.u64(message_hashes.size());
  e.raw(std::string_view(reinterpret_cast<const char*>(message_hashes.data()), message_hashes.size() * 8));
  return std::move(e.buffer());
}

// Asks for transparent huge pages on a large buffer not yet touched: one
// fault per 2 MiB instead of per 4 KiB, which is most of the cost of filling
// it on a virtual machine. Only a hint; nothing changes where it is refused.
inline void prefer_huge_pages(void* data, std::size_t bytes) noexcept {
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  const auto from = (reinterpret_cast<std::uintptr_t>(data) + huge - 1) & ~(huge - 1);
  const auto to = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(huge - 1);
  if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
}

namespace detail_snapshot {
inline bool decode_records(decoder& d, const std::vector<istr>& table, source src, std::vector<record>& out,
                           std::size_t room) {
  using namespace snapshot_layout;
  const std::uint64_t n = d.u64();
  if (d.failed() || n > (std::uint64_t{1} << 32)) return false;
  const std::string_view bytes = d.raw(n * record_bytes);
  if (d.failed()) return false;
  out.reserve(n + room);
  prefer_huge_pages(out.data(), out.capacity() * sizeof(record));
  const char* at = bytes.data();
  for (std::uint64_t i = 0; i < n; ++i) {
    record& r = out.emplace_back();
    std::uint8_t kind[3];
    std::uint64_t counts[6];
    std::uint32_t strings[7];
    at = get(get(get(get(get(get(at, kind), r.timestamp_ms), counts), strings), r.request_hash), r.message_hash);
    if (kind[0] != static_cast<std::uint8_t>(src) || kind[1] > 5) return false;
    if (kind[2] > static_cast<std::uint8_t>(last_service_tier)) return false;
    r.src = src;
    r.who = static_cast<agent>(kind[1]);
    r.tier = static_cast<service_tier>(kind[2]);
    r.usage = {counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]};
    int k = 0;
    for (istr* f : {&r.session_id, &r.model, &r.project, &r.team_name, &r.agent_name, &r.agent_id, &r.agent_type}) {
      if (strings[k] >= table.size()) return false;
      *f = table[strings[k++]];
    }
  }
  return true;
}
}  // namespace detail_snapshot

// False (and `out` empty) unless `bytes` is a whole snapshot of source `src`.
// `room` reserves space for records merged onto it later.
inline bool decode_snapshot(std::string_view bytes, source src, source_snapshot& out, std::size_t room = 0) {
  decoder d(bytes);
  const std::uint64_t strings = d.u64();
  if (d.failed() || strings > bytes.size()) return false;
  std::vector<istr> table;
  table.reserve(strings);
  for (std::uint64_t i = 0; i < strings && !d.failed(); ++i) table.emplace_back(d.str());
  bool ok = !d.failed() && detail_snapshot::decode_records(d, table, src, out.records, room);
  out.skipped_lines = d.u64();
  out.parts_skipped = d.u64();
  const std::uint64_t w = d.u64();
  for (std::uint64_t i = 0; i < w && !d.failed(); ++i) out.warnings.emplace_back(d.str());
  const std::uint64_t hashes = d.u64();
  if (!d.failed() && hashes <= bytes.size() / 8) out.hash_sets.emplace_back(d.raw(hashes * 8));
  ok = ok && !d.failed() && d.at_end();
  if (!ok) out = source_snapshot{};
  return ok;
}

// Inserts `fresh` (sorted by time) into `records` (sorted by time), from the
// back, so each record moves at most once; on equal times `fresh` goes last.
inline void insert_sorted(std::vector<record>& records, std::span<const record> fresh, std::size_t room = 0) {
  std::size_t old_end = records.size(), fresh_end = fresh.size();
  if (records.capacity() < records.size() + fresh.size() + room) records.reserve(records.size() + fresh.size() + room);
  records.resize(records.size() + fresh.size());
  for (std::size_t to = records.size(); fresh_end > 0;) {
    if (old_end > 0 && records[old_end - 1].timestamp_ms > fresh[fresh_end - 1].timestamp_ms)
      records[--to] = records[--old_end];
    else
      records[--to] = fresh[--fresh_end];
  }
}

// Adds decoded pieces, oldest first, to their chain: their records into
// place, their hashes to the sets; the source's totals are the latest
// piece's. The pieces are small: they are merged among themselves first, so
// the chain's records move once, not once per piece; records of equal time
// keep chain, then piece order either way.
inline void add_pieces(source_snapshot& chain, std::vector<source_snapshot>&& pieces) {
  if (pieces.empty()) return;
  std::vector<record> added;
  for (auto& piece : pieces) {
    insert_sorted(added, piece.records);
    chain.hash_sets.insert(chain.hash_sets.end(), piece.hash_sets.begin(), piece.hash_sets.end());
  }
  insert_sorted(chain.records, added);
  chain.piece_records += added.size();
  chain.pieces += pieces.size();
  chain.skipped_lines = pieces.back().skipped_lines;
  chain.parts_skipped = pieces.back().parts_skipped;
  chain.warnings = std::move(pieces.back().warnings);
}

}  // namespace okstra::token_usage::detail
