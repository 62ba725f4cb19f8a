// collect() and the archive (docs/usage-archive.md, "Where archived records
// come from" and "Record identity"): the records of cached files that are
// gone or lost content are archived before the write-back forgets them, and
// archived records join a collection unless a live record has their identity.
#pragma once

#include <algorithm>
#include <climits>
#include <unordered_map>
#include <unordered_set>

#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/detail/snapshot.hpp"

namespace okstra::token_usage::detail {

// Where this run looked for a source's logs.
inline std::vector<std::string> searched_roots(const collect_options& o, source s) {
  std::vector<stdfs::path> roots;
  switch (s) {
    case source::claude: roots = resolve_roots(o.claude_roots, dirs::claude_roots).roots; break;
    case source::codex: roots = resolve_roots(o.codex_roots, dirs::codex_roots).roots; break;
    case source::gemini: roots = resolve_roots(o.gemini_roots, dirs::gemini_roots).roots; break;
    case source::cursor: roots = {o.cursor_log ? *o.cursor_log : dirs::home().cursor_usage_log()}; break;
  }
  std::vector<std::string> out;
  for (const auto& r : roots) out.push_back(r.string());
  return out;
}

// True when every cached file of `s` that this run did not find lies where
// it looked: then its absence means the file is gone, not that the run was
// pointed elsewhere (other roots, another --cursor-log).
inline bool looked_everywhere(const collect_options& o, source s, const std::vector<tracked>& files,
                              const cache_index& cache) {
  std::unordered_set<std::string_view> found;
  for (const auto& t : files) found.insert(t.file.path);
  const auto roots = searched_roots(o, s);
  for (const auto& entry : cache.files) {
    const auto& path = entry.first;  // a plain reference: lambdas may not capture a structured binding (C++20, clang 14)
    if (entry.second.src != s || found.count(path)) continue;
    const bool under = std::any_of(roots.begin(), roots.end(), [&](const std::string& root) {
      return path == root || (path.starts_with(root) && path.size() > root.size() &&
                              (path[root.size()] == '/' || root.ends_with('/')));
    });
    if (!under) return false;
  }
  return true;
}

// The records a cached Codex, Gemini or Cursor row yielded, merged as if its
// file were the only one (these sources' records belong to one file each).
inline std::vector<record> records_of_row(std::string_view path, const cached_file& row, const store_map& store) {
  source_result result;
  if (row.src == source::claude || row.parts.size() != 1) return {};
  const auto bytes = store.part(row.parts[0]);
  if (!bytes || !decode_source_result(row.src, *bytes, result)) return {};
  return std::visit(
      [&](const auto& r) -> std::vector<record> {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, std::monostate>) {
          return {};
        } else {
          const std::vector<file_ref_of<R>> refs{{std::string(path), &r}};
          if constexpr (std::is_same_v<R, codex::file_result>) return codex::merge(refs).records;
          else if constexpr (std::is_same_v<R, gemini::file_result>) return gemini::merge(refs).records;
          else return cursor::merge(refs).records;
        }
      },
      result.value);
}

// What the cache knew of a source before this run: Claude Code from its
// snapshot (always written when it is merged, and its records span files);
// the others from the rows of their files that are gone or neither the same
// nor grown (their snapshots are written only once a source is quiet).
inline std::vector<record> records_before(source s, const std::vector<tracked>& files, const cache_index& cache,
                                          const store_map& store) {
  if (s == source::claude) {
    source_snapshot before;
    if (!cache.snapshots[0].present || !load_snapshot(store, cache.snapshots[0], s, before)) return {};
    return std::move(before.records);
  }
  std::unordered_map<std::string_view, const tracked*> found;
  for (const auto& t : files) found.emplace(t.file.path, &t);
  std::vector<record> out;
  for (const auto& [path, row] : cache.files) {
    if (row.src != s) continue;
    if (const auto it = found.find(path); it != found.end()) {
      if (!it->second->readable) continue;
      const row_match m = match_row(*it->second, cache);
      if (m.same || m.grown) continue;
    }
    for (auto& r : records_of_row(path, row, store)) out.push_back(std::move(r));
  }
  return out;
}

// The records the cache knew of each changed, enabled source that this
// run's merge no longer has, by identity: what vanished, shrunk or
// rewritten files took with them. A record rewritten with the same identity
// is not lost, nor is a Claude Code record whose message another live copy
// still counts (a subagent's replay once the parent's file is gone, the
// parent's line once it is back) (docs/usage-archive.md, "Where archived
// records come from").
inline std::vector<archived_record> lost_records(const collect_options& o, const std::array<bool, 4>& taken,
                                                 const std::vector<tracked>& files, const cache_index& cache,
                                                 const store_map& store, const std::vector<record>& live) {
  std::vector<archived_record> out;
  std::unordered_set<std::uint64_t> now, now_messages;
  for (const source s : all_sources) {
    const auto i = static_cast<std::size_t>(s);
    if (!o.enabled[i] || taken[i]) continue;
    if (!looked_everywhere(o, s, files, cache)) {
      trace_note(std::string("archive: ") + std::string(source_name(s)) + " was read from other roots; nothing archived");
      continue;
    }
    auto before = records_before(s, files, cache, store);
    if (before.empty()) continue;
    if (now.empty())
      for (const auto& r : live) {
        now.insert(content_identity(r));
        if (r.message_hash) now_messages.insert(r.message_hash);
      }
    for (auto& r : before) {
      const std::uint64_t id = content_identity(r);
      if (now.count(id) || (r.message_hash && now_messages.count(r.message_hash))) continue;
      out.push_back({id, std::move(r)});
    }
  }
  return out;
}

// Appends what is not archived yet; returns the archive's records as read
// before, plus those appended. A failure to write is a warning: the cache
// still holds the records until the next run that can write. Damage found
// reading is a warning too, unless `quiet` (a later reader warns).
inline std::vector<archived_record> archive_lost(const archive& ar, std::vector<archived_record> lost,
                                                 collection& out, bool quiet = false) {
  archive_contents held = ar.read_all();
  if (!quiet) out.warnings.insert(out.warnings.end(), held.warnings.begin(), held.warnings.end());
  if (lost.empty()) return std::move(held.records);
  std::unordered_set<std::uint64_t> known;
  for (const auto& a : held.records) known.insert(a.identity);
  std::vector<archived_record> fresh;
  for (auto& a : lost)
    if (known.insert(a.identity).second) fresh.push_back(std::move(a));
  try {
    ar.append(fresh);
    trace_note("archive: " + std::to_string(fresh.size()) + " records of vanished or shrunk files archived");
  } catch (const std::exception& e) {
    out.warnings.push_back(std::string(e.what()) + ": usage history not archived");
  }
  held.records.insert(held.records.end(), fresh.begin(), fresh.end());
  return std::move(held.records);
}

inline std::int64_t utc_day_of(std::int64_t ms) {
  constexpr std::int64_t day_ms = 86'400'000;
  return ms >= 0 ? ms / day_ms : -((-ms + day_ms - 1) / day_ms);
}

// The UTC days of the archived records of enabled sources, and their
// neighbours, sorted: only live records on these days are compared.
inline std::vector<std::int64_t> archive_days(const collect_options& o, const std::vector<archived_record>& archived) {
  std::vector<std::int64_t> days;
  for (const auto& a : archived) {
    if (!o.enabled[static_cast<std::size_t>(a.rec.src)]) continue;
    const std::int64_t day = utc_day_of(a.rec.timestamp_ms);
    if (days.empty() || days.back() != day) days.push_back(day);
  }
  const std::size_t distinct = days.size();
  for (std::size_t k = 0; k < distinct; ++k) days.push_back(days[k] - 1), days.push_back(days[k] + 1);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

// Identity and position of each archived record of an enabled source,
// sorted: the first copy of an identity comes first.
inline std::vector<std::pair<std::uint64_t, std::uint32_t>> archived_identities(const collect_options& o,
                                                                               const std::vector<archived_record>& archived) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> ids;
  ids.reserve(archived.size());
  for (std::uint32_t i = 0; i < archived.size(); ++i)
    if (o.enabled[static_cast<std::size_t>(archived[i].rec.src)]) ids.emplace_back(archived[i].identity, i);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// The archived records of enabled sources that can count, as (identity,
// position) sorted by identity: the first copy of each identity, and of the
// Claude Code records that keep their message hash, only the one with the
// smallest identity per message (a replay and its parent's line archived in
// different runs are one message; docs/usage-archive.md, "Record identity").
inline std::vector<std::pair<std::uint64_t, std::uint32_t>> archived_choice(const collect_options& o,
                                                                           const std::vector<archived_record>& archived) {
  auto ids = archived_identities(o, archived);
  ids.erase(std::unique(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
            ids.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> by_message;  // (message hash, identity)
  for (const auto& [id, at] : ids)
    if (const std::uint64_t m = archived[at].rec.message_hash) by_message.emplace_back(m, id);
  std::sort(by_message.begin(), by_message.end());
  std::vector<std::uint64_t> later_copies;
  for (std::size_t k = 1; k < by_message.size(); ++k)
    if (by_message[k].first == by_message[k - 1].first) later_copies.push_back(by_message[k].second);
  if (later_copies.empty()) return ids;
  std::sort(later_copies.begin(), later_copies.end());
  std::erase_if(ids, [&](const auto& x) { return std::binary_search(later_copies.begin(), later_copies.end(), x.first); });
  return ids;
}

// What live records of the archive's days (and their neighbours) hold:
// their identities and Claude Code message hashes, each sorted. Every copy
// of a request carries its time (a Claude Code request's copies in other
// session files too, within seconds for streamed copies; a subagent's
// replay of its parent's message minutes after it), so only those can share
// one with an archived record: the others are not hashed. Sorted vectors
// instead of hash sets: one allocation each, no node per record (the archive
// can hold a year of records; docs/performance.md).
struct live_keys {
  std::vector<std::uint64_t> identities;
  std::vector<std::uint64_t> messages;
  bool holds(const archived_record& a) const {
    return std::binary_search(identities.begin(), identities.end(), a.identity) ||
           (a.rec.message_hash && std::binary_search(messages.begin(), messages.end(), a.rec.message_hash));
  }
};

inline live_keys live_keys_on(const std::vector<std::int64_t>& days, const std::vector<record>& live) {
  live_keys k;
  if (days.empty()) return k;
  // The days' span in milliseconds: most live records fall outside it, and
  // two comparisons cost less than a division per record.
  constexpr std::int64_t day_ms = 86'400'000;
  std::int64_t from_ms = 0, to_ms = 0;  // [from_ms, to_ms), when it can be written in milliseconds
  const bool spanned = days.back() < LLONG_MAX && !__builtin_mul_overflow(days.front(), day_ms, &from_ms) &&
                       !__builtin_mul_overflow(days.back() + 1, day_ms, &to_ms);
  for (const auto& r : live) {
    if (spanned && (r.timestamp_ms < from_ms || r.timestamp_ms >= to_ms)) continue;
    const std::int64_t day = utc_day_of(r.timestamp_ms);
    if (day < days.front() || day > days.back() || !std::binary_search(days.begin(), days.end(), day)) continue;
    k.identities.push_back(content_identity(r));
    if (r.message_hash) k.messages.push_back(r.message_hash);
  }
  std::sort(k.identities.begin(), k.identities.end());
  std::sort(k.messages.begin(), k.messages.end());
  return k;
}

// The positions of the archived records to add, in order: those that can
// count (archived_choice) and whose identity, or Claude Code message, no
// live record has.
inline std::vector<std::uint32_t> archived_to_add(const collect_options& o, const std::vector<archived_record>& archived,
                                                  const std::vector<record>& live) {
  const live_keys taken = live_keys_on(archive_days(o, archived), live);
  std::vector<bool> keep(archived.size(), false);
  std::size_t kept = 0;
  for (const auto& [id, at] : archived_choice(o, archived))
    if (!taken.holds(archived[at])) keep[at] = true, ++kept;
  std::vector<std::uint32_t> add;
  add.reserve(kept);
  for (std::uint32_t i = 0; i < archived.size(); ++i)
    if (keep[i]) add.push_back(i);
  return add;
}

// Sources stay in their order, records in time order within each.
inline bool record_before(const record& a, const record& b) noexcept {
  return a.src != b.src ? a.src < b.src : a.timestamp_ms < b.timestamp_ms;
}

// Sorts live records as record_before says, stably; they come grouped by
// source, so only a source whose records are out of time order is sorted.
inline void sort_live(std::vector<record>& records) {
  if (std::is_sorted(records.begin(), records.end(), record_before)) return;
  const auto by_source = [](const record& a, const record& b) { return a.src < b.src; };
  if (!std::is_sorted(records.begin(), records.end(), by_source)) {
    std::stable_sort(records.begin(), records.end(), record_before);
    return;
  }
  for (auto from = records.begin(); from != records.end();) {
    const auto to = std::upper_bound(from, records.end(), *from, by_source);
    if (!std::is_sorted(from, to, record_before)) std::stable_sort(from, to, record_before);
    from = to;
  }
}

// Adds archived records of enabled sources that no live record (nor an
// earlier archived one) has the identity of; live records win. The result
// is what a stable sort of the live records followed by the added ones
// gives: both sides sorted, then merged into one new vector (each record
// copied once; a live record goes first on equal keys).
inline void merge_archived(const collect_options& o, std::vector<archived_record> archived, collection& out) {
  if (archived.empty()) return;
  std::vector<std::uint32_t> add = archived_to_add(o, archived, out.records);
  if (add.empty()) return;
  for (const auto i : add) out.stats[static_cast<std::size_t>(archived[i].rec.src)].archived += 1;
  // By key, then by position in the archive: what a stable sort gives. An
  // archive written in time order needs no sort.
  const auto by_key = [&](std::uint32_t a, std::uint32_t b) { return record_before(archived[a].rec, archived[b].rec); };
  if (!std::is_sorted(add.begin(), add.end(), by_key)) std::stable_sort(add.begin(), add.end(), by_key);
  std::vector<record>& live = out.records;
  sort_live(live);
  std::vector<record> merged;
  merged.reserve(live.size() + add.size());
  prefer_huge_pages(merged.data(), merged.capacity() * sizeof(record));
  std::size_t i = 0, j = 0;
  while (j < add.size()) {
    const record& next = archived[add[j]].rec;
    if (i < live.size() && !record_before(next, live[i])) merged.push_back(live[i++]);
    else merged.push_back(next), ++j;
  }
  merged.insert(merged.end(), live.begin() + static_cast<std::ptrdiff_t>(i), live.end());
  live = std::move(merged);
}

}  // namespace okstra::token_usage::detail
