// okstra/token_usage/archive.hpp — the archive of usage history (docs/usage-archive.md).
//
// Contract:
// - The archive is a folder (default <okstra home>/usage/archive/) of
//   append-only segment files; it is never part of the cache and nothing but
//   prune() removes a record from it.
// - append() writes its records as one checksummed block under the
//   archive's lock, fsyncs the segment (and the folder when it created the
//   segment), and first truncates a torn tail that a killed writer left.
// - read_all() takes no lock: it returns the records of every whole block
//   whose checksum matches, in segment then block order, and counts the
//   damaged blocks and unreadable segments it skipped. A torn tail is not
//   damage: it is the write a killed process never finished.
// - The archive does not de-duplicate: callers merge by identity
//   (docs/usage-archive.md, "Record identity").
// - prune(before_ms) removes the records older than before_ms by rewriting
//   the segments that hold them (atomically) and deleting emptied ones.
// - Errors writing throw okstra::io_error naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage {

// A record with the identity that de-duplicates it.
struct archived_record {
  std::uint64_t identity = 0;
  record rec;
};

struct archive_contents {
  std::vector<archived_record> records;
  std::uint64_t damaged_blocks = 0;     // checksum mismatches, skipped
  std::uint64_t bad_segments = 0;       // unreadable, foreign magic or version
  std::vector<std::string> warnings;    // one per damaged block or bad segment
};

struct archive_status {
  std::uint64_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t damaged_blocks = 0;
  std::uint64_t bad_segments = 0;
  std::int64_t oldest_ms = 0;  // 0 when empty
  std::int64_t newest_ms = 0;
};

class archive {
 public:
  // `dir` empty: <okstra home>/usage/archive. Nothing is created until a write.
  explicit archive(std::filesystem::path dir = {});

  const std::filesystem::path& dir() const noexcept { return dir_; }
  void append(const std::vector<archived_record>& records) const;
  archive_contents read_all() const;
  archive_status status() const;
  // Returns the number of records removed.
  std::uint64_t prune(std::int64_t before_ms) const;
  // Changes whenever a segment appears, goes or changes (names, sizes,
  // mtimes): remembered reports include it in their key.
  std::uint64_t fingerprint() const;

 private:
  std::filesystem::path dir_;
};

// The identity of a record whose source keeps no request id: a hash of
// source, session, timestamp, model and token counts (docs/usage-archive.md,
// "Record identity").
std::uint64_t content_identity(const record& r);

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/archive_impl.hpp"
#endif
