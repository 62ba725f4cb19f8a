// Definitions for okstra/token_usage/archive.hpp. Include that header.
// Layout and rules: docs/usage-archive.md, "On-disk format" and "Locking".
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/locks/locks.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/detail/cache_store.hpp"
#include "okstra/token_usage/detail/snapshot.hpp"

namespace okstra::token_usage {

namespace detail::archive_format {

inline constexpr std::string_view magic = "OKSTRAAR";
// 1: records as the cache encodes them; 2: and each record's message hash
// (record::message_hash). Both are read; only segments of the current
// version are extended.
inline constexpr std::uint32_t version = 2;
inline constexpr std::uint32_t oldest_version = 1;
inline constexpr std::size_t header_size = 12;       // magic + version
inline constexpr std::size_t block_head = 12;        // payload length (u32) + checksum (u64)
inline constexpr std::uint64_t segment_limit = std::uint64_t{64} << 20;
inline constexpr std::string_view prefix = "segment-";
inline constexpr std::string_view suffix = ".oka";

inline std::uint32_t le32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline std::uint64_t le64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

inline std::string header() {
  std::string h(magic);
  put_le(h, version, 4);
  return h;
}

inline std::string encode_block(const std::vector<archived_record>& records) {
  encoder e;
  e.u64(records.size());
  for (const auto& r : records) {
    e.u64(r.identity), e.rec(r.rec);
    char message[8];  // a hash: 8 bytes as is, not 10 as a varint
    std::memcpy(message, &r.rec.message_hash, 8);
    e.raw(std::string_view(message, 8));
  }
  const std::string& payload = e.buffer();
  std::string block;
  put_le(block, payload.size(), 4);
  put_le(block, checksum(payload), 8);
  block += payload;
  return block;
}

// One segment as read: whole blocks, where the last whole block ends, damage.
struct scanned_segment {
  bool header_ok = false;
  std::uint32_t version = 0;  // of a segment whose header is good
  std::uint64_t whole_end = 0;  // end of the last whole block (or of the header)
  std::uint64_t damaged = 0;
  std::vector<std::string_view> payloads;  // checksummed, in order; views into the bytes read
};

inline scanned_segment scan(std::string_view bytes) {
  scanned_segment s;
  if (bytes.size() < header_size || bytes.substr(0, magic.size()) != magic) return s;
  s.version = le32(bytes.data() + 8);
  if (s.version < oldest_version || s.version > version) return s;
  s.header_ok = true;
  std::size_t at = header_size;
  s.whole_end = at;
  // A block that does not fit in what is left is the torn tail of a killed
  // write: reading stops there without complaint.
  while (bytes.size() - at >= block_head) {
    const std::uint64_t length = le32(bytes.data() + at);
    if (length > bytes.size() - at - block_head) break;
    const std::string_view payload = bytes.substr(at + block_head, length);
    if (checksum(payload) == le64(bytes.data() + at + 4)) s.payloads.push_back(payload);
    else ++s.damaged;
    at += block_head + length;
    s.whole_end = at;
  }
  return s;
}

// Decodes in place at the end of `out` (no copy of a block's records; a
// year of history is tens of MiB of them) and takes them back on failure.
inline bool decode_payload(std::string_view payload, std::uint32_t segment_version, std::vector<archived_record>& out) {
  decoder d(payload);
  const std::uint64_t n = d.u64();
  if (n > payload.size()) return false;
  const std::size_t start = out.size();
  if (out.capacity() < start + n) {
    out.reserve(std::max<std::size_t>(start + n, 2 * out.capacity()));
    prefer_huge_pages(out.data() + start, (out.capacity() - start) * sizeof(archived_record));
  }
  recent_strings recent;
  for (std::uint64_t i = 0; i < n && !d.failed(); ++i) {
    archived_record& a = out.emplace_back();
    a.identity = d.u64();
    a.rec = d.rec(&recent);
    if (segment_version >= 2) {
      const std::string_view message = d.raw(8);
      if (message.size() == 8) std::memcpy(&a.rec.message_hash, message.data(), 8);
    }
  }
  if (d.failed() || !d.at_end()) {
    out.resize(start);
    return false;
  }
  return true;
}

// A segment's bytes as they are when it is opened, read in one buffer
// allocated once (no growing string: on a virtual machine the page faults
// of copies are most of the cost of reading a year of history).
struct segment_bytes {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  std::string_view view() const noexcept { return {data.get(), size}; }
};

inline segment_bytes read_segment(const std::filesystem::path& file) {
  fs::unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st{};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t{1} << 31))
    throw io_error("read", file.string());
  segment_bytes out;
  const auto size = static_cast<std::size_t>(st.st_size);
  out.data.reset(new char[size + 1]);
  prefer_huge_pages(out.data.get(), size);
  // A writer only appends (a block past this size is a torn tail to us) or
  // cuts a torn tail: what is read is what there is.
  while (out.size < size) {
    const ssize_t n = ::read(fd.get(), out.data.get() + out.size, size - out.size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("read", file.string());
    if (n == 0) break;
    out.size += static_cast<std::size_t>(n);
  }
  return out;
}

// The segment files, oldest first (their names sort by creation time).
inline std::vector<std::filesystem::path> segments(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(suffix)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::filesystem::path new_segment_name(const std::filesystem::path& dir) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  std::random_device rd;
  char name[64];
  std::snprintf(name, sizeof name, "segment-%012llx%08x.oka", static_cast<unsigned long long>(now), rd());
  return dir / name;
}

inline locks::lock take_lock(const std::filesystem::path& dir) {
  fs::ensure_dir(dir, 0700);
  return locks::lock::acquire(dir / "archive.lock");
}

// Test hook (docs/usage-archive.md, "Testing a killed writer"): with
// OKSTRA_TEST_ARCHIVE_PAUSE_MS set, a write stops that long after the first
// half of its block, so a test can kill it with a torn tail on disk.
inline void write_with_test_pause(int fd, const std::string& block, const std::filesystem::path& file) {
  const char* pause = std::getenv("OKSTRA_TEST_ARCHIVE_PAUSE_MS");
  std::size_t first = block.size();
  if (pause && *pause) first = block.size() / 2;
  if (!fs::write_all(fd, std::string_view(block).substr(0, first))) throw io_error("write", file.string());
  if (first < block.size()) {
    ::usleep(static_cast<useconds_t>(std::strtoul(pause, nullptr, 10) * 1000));
    if (!fs::write_all(fd, std::string_view(block).substr(first))) throw io_error("write", file.string());
  }
}

// Appends `block` to `file` after cutting a torn tail; false when the file
// is not a segment this version can extend (the caller starts a new one).
inline bool extend(const std::filesystem::path& file, const std::string& block) {
  fs::unique_fd fd(::open(file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return false;
  const std::string bytes = fs::read_fd(fd.get(), file.string(), std::size_t{1} << 31);
  const scanned_segment s = scan(bytes);
  if (!s.header_ok || s.version != version || s.whole_end + block.size() > segment_limit) return false;
  if (s.whole_end != bytes.size() && ::ftruncate(fd.get(), static_cast<off_t>(s.whole_end)) != 0)
    throw io_error("truncate", file.string());
  if (::lseek(fd.get(), static_cast<off_t>(s.whole_end), SEEK_SET) < 0) throw io_error("write", file.string());
  write_with_test_pause(fd.get(), block, file);
  if (::fsync(fd.get()) != 0) throw io_error("write", file.string());
  return true;
}

}  // namespace detail::archive_format

OKSTRA_INLINE archive::archive(std::filesystem::path dir)
    : dir_(dir.empty() ? dirs::home().usage_dir() / "archive" : std::move(dir)) {}

OKSTRA_INLINE void archive::append(const std::vector<archived_record>& records) const {
  namespace af = detail::archive_format;
  if (records.empty()) return;
  const std::string block = af::encode_block(records);
  const auto guard = af::take_lock(dir_);
  const auto all = af::segments(dir_);
  if (!all.empty() && af::extend(all.back(), block)) return;
  // A new segment appears whole or not at all: header and block go to a
  // temporary file renamed into place, then the folder is synced.
  const std::filesystem::path file = af::new_segment_name(dir_);
  fs::write_file_atomic_parts(file, {af::header(), block}, 0600, fs::durability::synced);
}

OKSTRA_INLINE archive_contents archive::read_all() const {
  namespace af = detail::archive_format;
  archive_contents out;
  for (const auto& file : af::segments(dir_)) {
    af::segment_bytes bytes;
    try {
      bytes = af::read_segment(file);
    } catch (const okstra::error& e) {
      ++out.bad_segments;
      out.warnings.push_back(e.what());
      continue;
    }
    const af::scanned_segment s = af::scan(bytes.view());
    if (!s.header_ok) {
      ++out.bad_segments;
      out.warnings.push_back(quoted("not an archive segment of this version, ignored", file.string()));
      continue;
    }
    std::uint64_t bad = s.damaged;
    for (const auto payload : s.payloads)
      if (!af::decode_payload(payload, s.version, out.records)) ++bad;
    out.damaged_blocks += bad;
    if (bad > 0)
      out.warnings.push_back(quoted("damaged archive blocks skipped in", file.string()) + ": " + std::to_string(bad));
  }
  return out;
}

OKSTRA_INLINE archive_status archive::status() const {
  namespace af = detail::archive_format;
  archive_status st;
  for (const auto& file : af::segments(dir_)) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    ++st.segments;
    if (!ec) st.bytes += size;
  }
  const archive_contents all = read_all();
  st.records = all.records.size();
  st.damaged_blocks = all.damaged_blocks;
  st.bad_segments = all.bad_segments;
  for (const auto& r : all.records) {
    const std::int64_t t = r.rec.timestamp_ms;
    if (st.oldest_ms == 0 || t < st.oldest_ms) st.oldest_ms = t;
    if (st.newest_ms == 0 || t > st.newest_ms) st.newest_ms = t;
  }
  return st;
}

OKSTRA_INLINE std::uint64_t archive::prune(std::int64_t before_ms) const {
  namespace af = detail::archive_format;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec)) return 0;
  const auto guard = af::take_lock(dir_);
  std::uint64_t removed = 0;
  for (const auto& file : af::segments(dir_)) {
    const std::string bytes = fs::read_file(file, std::size_t{1} << 31);
    const af::scanned_segment s = af::scan(bytes);
    if (!s.header_ok) continue;  // never rewrite what we cannot read
    std::vector<archived_record> all, kept;
    for (const auto payload : s.payloads) af::decode_payload(payload, s.version, all);
    for (auto& r : all)
      if (r.rec.timestamp_ms >= before_ms) kept.push_back(std::move(r));
    if (kept.size() == all.size()) continue;
    removed += all.size() - kept.size();
    // Damaged blocks go with the rewrite: they could never be read anyway.
    if (kept.empty()) {
      if (::unlink(file.c_str()) != 0) throw io_error("remove", file.string());
      fs::fsync_dir(dir_);
    } else {
      fs::write_file_atomic_parts(file, {af::header(), af::encode_block(kept)}, 0600, fs::durability::synced);
    }
  }
  return removed;
}

OKSTRA_INLINE std::uint64_t archive::fingerprint() const {
  std::uint64_t h = detail::fnv_offset;
  for (const auto& file : detail::archive_format::segments(dir_)) {
    struct stat st{};
    if (::stat(file.c_str(), &st) != 0) continue;
    h = detail::fnv(file.filename().string(), h);
    const std::int64_t fields[3] = {static_cast<std::int64_t>(st.st_size), static_cast<std::int64_t>(st.st_mtim.tv_sec),
                                    static_cast<std::int64_t>(st.st_mtim.tv_nsec)};
    h = detail::fnv(std::string_view(reinterpret_cast<const char*>(fields), sizeof fields), h);
  }
  return h;
}

OKSTRA_INLINE std::uint64_t content_identity(const record& r) {
  std::uint64_t h = detail::fnv(source_name(r.src));
  // Claude Code: its message and request ids name the request in every file
  // and on every machine, whichever session file holds the copy
  // (docs/usage-archive.md, "Record identity").
  if (r.src == source::claude && r.request_hash)
    return detail::fnv(std::string_view(reinterpret_cast<const char*>(&r.request_hash), sizeof r.request_hash), h ^ 0x1D);
  h = detail::fnv(r.session_id.view(), h ^ 0x5E55);
  h = detail::fnv(r.model.view(), h ^ 0x30DE);
  // Claude Code entries without ids: a request rewritten with other counts
  // (a better streaming copy) is the same request, so its counts are not
  // part of its identity.
  if (r.src == source::claude) {
    h = detail::fnv(r.agent_id.view(), h ^ 0xA6E1);
    const std::int64_t at = r.timestamp_ms;
    return detail::fnv(std::string_view(reinterpret_cast<const char*>(&at), sizeof at), h);
  }
  const std::uint64_t nums[7] = {static_cast<std::uint64_t>(r.timestamp_ms), r.usage.input, r.usage.output,
                                 r.usage.cache_write_5m, r.usage.cache_write_1h, r.usage.cache_read,
                                 r.usage.reasoning};
  return detail::fnv(std::string_view(reinterpret_cast<const char*>(nums), sizeof nums), h);
}

}  // namespace okstra::token_usage
