// okstra/token_usage/exchange.hpp — usage records between machines: the
// export line format, reading other machines' exports, and merging them
// into a collection without counting a request twice (docs/usage-exchange.md).
//
// Contract:
// - export_line() appends one self-contained JSON line (format version 1):
//   the machine id, the record identity (content_identity(), 16 hex digits),
//   whether the record came from the archive, and every field of the record.
//   Lines of several exports may be concatenated.
// - machine_id() is this okstra home's machine id: 32 hex digits kept in
//   <home>/usage/machine-id, created once (atomically; concurrent first calls
//   agree on one id). A home copied to another machine keeps its id: say so
//   in the docs, do not guess from the host.
// - read_export() reads one export file. A line that is not a version-1
//   record (bad JSON, a missing or mistyped field, an unknown source or
//   tier) is counted in `skipped`, never fatal; an unreadable file throws
//   okstra::input_error naming it (exit 3).
// - merge_imported() adds imported records to a collection: a record whose
//   identity this machine's records (live or archived) already have is left
//   out; among imported copies of one identity the one with the most tokens
//   wins, then the smallest machine id, then the smallest line hash — so the
//   total does not depend on the order of the files. Sources switched off in
//   the options are left out. Records stay in source, then time order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage {

struct collect_options;
struct collection;

inline constexpr int export_format_version = 1;

// One record of an export, as read back.
struct imported_record {
  std::uint64_t identity = 0;
  std::uint64_t line_hash = 0;  // of the line's bytes: the last tie-break
  std::string machine;
  bool archived = false;
  record rec;
};

struct export_contents {
  std::vector<imported_record> records;
  std::uint64_t lines = 0;    // non-empty lines read
  std::uint64_t skipped = 0;  // of those, not a version-1 record
};

// Appends one JSON line (with its newline) for `r` to `out`.
void export_line(std::string& out, const record& r, std::uint64_t identity, std::string_view machine, bool archived);

std::string machine_id(const std::filesystem::path& okstra_home);

export_contents read_export(const std::filesystem::path& file);

// What merge_imported() did, per source (index = source).
struct import_summary {
  std::uint64_t added[4] = {0, 0, 0, 0};
  std::uint64_t duplicates = 0;  // imported records left out: already known
};

import_summary merge_imported(const collect_options& o, std::vector<imported_record> imported, collection& out);

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/exchange_impl.hpp"
#endif
