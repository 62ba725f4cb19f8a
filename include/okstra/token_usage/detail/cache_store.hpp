// The append-only store of the usage cache: per-file results, written once
// and referenced by the index (cache.hpp) by offset, length and checksum.
//
// Why a store: a run that finds ten grown files writes ten new parts, not
// the results of all 3,000 files again; and a run maps the store instead of
// copying it, so Claude entries are read where they lie (parts start on
// 8-byte boundaries and the map on a page).
//
// Safety: each part is verified (bounds and checksum) before it is used; an
// appender holds flock(LOCK_EX) on the store, so concurrent runs never
// interleave parts; a writer killed mid-part leaves bytes that no index
// references. A store is never truncated or rewritten: compaction writes a
// new generation (a new file name) and the index names the one it uses.
#pragma once

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"

namespace okstra::token_usage::detail {

// A fast 64-bit checksum (four independent lanes of 8 bytes, so it runs at
// memory speed): detects a torn or corrupted cache, it is no defence against
// a forged one (the cache is private, 0600).
inline std::uint64_t checksum(std::string_view s) noexcept {
  std::uint64_t lane[4] = {0x9E3779B97F4A7C15ULL ^ s.size(), 0xC2B2AE3D27D4EB4FULL, 0x165667B19E3779F9ULL,
                           0x27D4EB2F165667C5ULL};
  const auto step = [](std::uint64_t h, std::uint64_t w) {
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
    return h ^ (h >> 29);
  };
  std::size_t i = 0;
  for (; i + 32 <= s.size(); i += 32) {
    std::uint64_t w[4];
    std::memcpy(w, s.data() + i, 32);
    for (int k = 0; k < 4; ++k) lane[k] = step(lane[k], w[k]);
  }
  std::uint64_t h = lane[0] ^ step(lane[1], 1) ^ step(lane[2], 2) ^ step(lane[3], 3);
  for (; i < s.size(); ++i) h = (h ^ static_cast<unsigned char>(s[i])) * 0xC4CEB9FE1A85EC53ULL;
  return h ^ (h >> 32);
}

// Where one part lies in the store.
struct part_ref {
  std::uint64_t offset = 0, length = 0, sum = 0;
};

inline void encode_ref(encoder& e, const part_ref& r) { e.u64(r.offset), e.u64(r.length), e.u64(r.sum); }
inline part_ref decode_ref(decoder& d) {
  part_ref r;
  r.offset = d.u64(), r.length = d.u64(), r.sum = d.u64();
  return r;
}

inline std::filesystem::path store_path(const std::filesystem::path& dir, std::uint64_t generation) {
  char name[48];
  std::snprintf(name, sizeof name, "usage-v3.store.%016llx", static_cast<unsigned long long>(generation));
  return dir / name;
}

inline std::uint64_t new_generation() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32 | rd()) | 1;  // never 0: 0 means "no store"
}

// A read-only map of one store generation.
class store_map {
 public:
  static std::shared_ptr<store_map> open(const std::filesystem::path& file) {
    auto m = std::make_shared<store_map>();
    fs::unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat st{};
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return m;
    void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p == MAP_FAILED) return m;
    m->base_ = static_cast<const char*>(p);
    m->size_ = static_cast<std::size_t>(st.st_size);
    return m;
  }
  store_map() = default;
  store_map(const store_map&) = delete;
  store_map& operator=(const store_map&) = delete;
  ~store_map() {
    if (base_) ::munmap(const_cast<char*>(base_), size_);
  }

  std::uint64_t size() const noexcept { return size_; }

  // Maps all pages in one call (far cheaper than a fault per page) before a
  // run reads every part; a run that needs only snapshots touches just those.
  void populate() const noexcept {
#ifdef MADV_POPULATE_READ
    if (base_) ::madvise(const_cast<char*>(base_), size_, MADV_POPULATE_READ);
#endif
  }

  // The part's bytes, or nothing when it lies outside the store or its
  // checksum does not match.
  std::optional<std::string_view> part(const part_ref& r) const noexcept {
    const auto bytes = unchecked_part(r);
    if (!bytes || checksum(*bytes) != r.sum) return std::nullopt;
    return bytes;
  }

  // The part's bytes, or nothing when it lies outside the store; its
  // checksum is the caller's to compare (r.sum) before it trusts them.
  std::optional<std::string_view> unchecked_part(const part_ref& r) const noexcept {
    if (r.offset % 8 != 0 || r.offset > size_ || r.length > size_ - r.offset) return std::nullopt;
    return std::string_view(base_ + r.offset, static_cast<std::size_t>(r.length));
  }

 private:
  const char* base_ = nullptr;
  std::size_t size_ = 0;
};

// Appends parts to one store generation under its lock. Parts are buffered
// and written in large pieces; the offsets handed out are final.
class store_appender {
 public:
  // Opens the store file (creating it if asked) and locks it; false on error.
  bool open(const std::filesystem::path& file, bool create) {
    fd_.reset(::open(file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600));
    if (!fd_ || ::flock(fd_.get(), LOCK_EX) != 0) return false;
    struct stat st{};
    if (::fstat(fd_.get(), &st) != 0) return false;
    end_ = static_cast<std::uint64_t>(st.st_size);
    pad_to_8();
    return true;
  }

  part_ref add(std::string_view bytes) {
    pad_to_8();
    const part_ref r{end_ + pending_.size(), bytes.size(), checksum(bytes)};
    pending_.append(bytes);
    if (pending_.size() >= (std::size_t{4} << 20)) flush();
    return r;
  }

  // Writes what is buffered; false if a write failed (the index must then not be written).
  bool flush() {
    if (failed_ || pending_.empty()) return !failed_;
    for (std::size_t done = 0; done < pending_.size();) {
      const ssize_t n = ::pwrite(fd_.get(), pending_.data() + done, pending_.size() - done,
                                 static_cast<off_t>(end_ + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed_ = true;
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    end_ += pending_.size();
    pending_.clear();
    return !failed_;
  }

  std::uint64_t size() const noexcept { return end_ + pending_.size(); }

 private:
  void pad_to_8() {
    const std::uint64_t at = end_ + pending_.size();
    if (at % 8) pending_.append(8 - at % 8, '\0');
  }
  fs::unique_fd fd_;
  std::uint64_t end_ = 0;
  std::string pending_;
  bool failed_ = false;
};

}  // namespace okstra::token_usage::detail
