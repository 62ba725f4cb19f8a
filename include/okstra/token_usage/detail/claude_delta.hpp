// Claude Code: merging only the entries read this run onto the snapshot of
// what earlier runs merged, when that gives exactly what the full merge of
// all entries would (claude_merge.hpp), so that a run after a few appends
// does not merge every entry of every file again.
#pragma once

#include <algorithm>
#include <vector>

#include "okstra/token_usage/detail/snapshot.hpp"

namespace okstra::token_usage::claude {

// What merge_onto added: the piece a snapshot chain gets next.
struct merged_piece {
  std::vector<record> records;         // sorted by time
  std::vector<std::uint64_t> hashes;   // sorted message hashes of the added entries
};

// Extends `base` (the full merge of the earlier parts, in output order) by
// the entries of `added`, the parts read since. The full merge decides the
// winner of a message among all its copies and drops sidechain replays of
// main-thread messages, so this refuses (nullopt, `base` unchanged) when an
// added entry shares a message with an earlier one (a hash in
// `base.hash_sets`); it also refuses when an added record has the time of an
// earlier one, whose order the full merge takes from the files' paths.
inline std::optional<merged_piece> merge_onto(detail::source_snapshot& base, std::vector<file_input> added,
                                              std::size_t room) {
  const detail_impl::merge_input in(added);
  for (const auto& x : in.flat) {
    if (!x.e->message_id.len) continue;
    for (const auto& set : base.hash_sets)
      if (set.contains(x.message_hash)) return std::nullopt;
  }
  merged_piece piece{detail_impl::build_records(in, detail_impl::pick_entries(in), 0),
                     detail_impl::sorted_message_hashes(in)};
  const auto by_time = [](const record& r, std::int64_t t) { return r.timestamp_ms < t; };
  for (const record& r : piece.records) {
    const auto at = std::lower_bound(base.records.begin(), base.records.end(), r.timestamp_ms, by_time);
    if (at != base.records.end() && at->timestamp_ms == r.timestamp_ms) return std::nullopt;
  }
  detail::insert_sorted(base.records, piece.records, room);
  return piece;
}

}  // namespace okstra::token_usage::claude
