// collect(): merging the per-file results of each source, the statistics,
// and the cache write-back.
#pragma once

#include "okstra/core/api.hpp"

#include <memory>

#include "okstra/token_usage/detail/preload.hpp"
#include "okstra/token_usage/detail/archive_collect.hpp"
#include "okstra/token_usage/detail/collect_checks.hpp"

namespace okstra::token_usage {

namespace detail {

inline std::uint64_t file_consumed(const tracked& t) {
  if (!t.claude_parts.empty()) return t.claude_parts.back().consumed;
  if (t.file.src != source::claude && !std::holds_alternative<std::monostate>(t.other.value)) return t.other.consumed();
  return t.cached_consumed;
}

template <class Result, class Merge>
auto merge_source(const std::vector<tracked>& files, source s, Merge&& merge) {
  std::vector<std::pair<std::string, const Result*>> refs;
  for (const auto& t : files)
    if (t.file.src == s && t.readable)
      if (const auto* r = std::get_if<Result>(&t.other.value)) refs.emplace_back(t.file.path, r);
  return merge(refs);
}

// Per source: its snapshot if taken from the cache, else what its merge
// reported (for the snapshot written back).
struct merge_notes {
  std::array<std::optional<source_snapshot>, 4> snapshots;
  std::optional<source_snapshot> claude_base;   // Claude's snapshot, when its files only grew since
  std::optional<claude::merged_piece> claude_piece;  // what was merged onto it
  std::vector<std::uint64_t> claude_hashes;     // of all Claude entries, after a full merge
  std::size_t claude_records = 0;               // in the chain once the piece is in
  std::uint64_t claude_parts_skipped = 0;       // malformed lines inside all Claude parts
  std::array<std::uint64_t, 4> skipped_lines{};
  std::array<std::vector<std::string>, 4> warnings;
};

// Subagent types come from small .meta.json files: read on both cores.
inline void read_subagent_types(std::vector<tracked>& files) {
  std::vector<tracked*> subagents;
  for (auto& t : files)
    if (t.readable && t.file.subagent && !t.agent_type_known) subagents.push_back(&t);
  claude::detail_impl::on_two(subagents.size() > 64, [&](int half) {
    for (std::size_t k = static_cast<std::size_t>(half); k < subagents.size(); k += 2)
      subagents[k]->agent_type = subagent_type(subagents[k]->file.path);
  });
}

// Merges the Claude entries read this run onto Claude's snapshot when that is
// exact (claude_delta.hpp); otherwise notes.claude_piece stays empty.
inline void merge_onto_snapshot(const std::vector<tracked>& files, merge_notes& notes) {
  if (!notes.claude_base) return;
  std::vector<claude::file_input> added;
  for (const auto& t : files)
    if (t.file.src == source::claude && t.readable)
      for (const auto& part : t.claude_parts) added.push_back({t.file.path, &part, t.file.subagent, t.agent_type});
  notes.claude_piece = claude::merge_onto(*notes.claude_base, std::move(added), 0);
  if (!notes.claude_piece) {
    trace_note("claude: new entries meet earlier ones; full merge");
    notes.claude_base.reset();
    return;
  }
  notes.claude_records = notes.claude_base->records.size();
  trace_note("claude: " + std::to_string(notes.claude_piece->records.size()) + " records merged onto the snapshot's " +
             std::to_string(notes.claude_records - notes.claude_piece->records.size()));
}

inline void merge_all(std::vector<tracked>& files, collection& out, merge_notes& notes) {
  const auto taken = [&](source s) { return notes.snapshots[static_cast<std::size_t>(s)].has_value(); };
  const bool onto_snapshot = notes.claude_piece.has_value();
  std::uint64_t parts_skipped = onto_snapshot ? notes.claude_base->parts_skipped : 0;
  std::vector<claude::file_input> claude_inputs;
  for (auto& t : files) {
    const auto i = static_cast<std::size_t>(t.file.src);
    out.stats[i].files += 1;
    if (!t.readable || taken(t.file.src)) continue;
    if (is_gemini_document(t.file) ? false : file_consumed(t) < t.file.id.size)
      notes.skipped_lines[i] += 1;  // a truncated final line
    if (t.file.src != source::claude) continue;
    for (const auto& part : t.claude_parts) parts_skipped += part.skipped_lines;
    if (onto_snapshot) continue;
    for (const auto& cached : t.cached_parts) {
      parts_skipped += cached.part.skipped_lines;
      claude_inputs.push_back({t.file.path, cached.part.view, t.file.subagent, t.agent_type});
    }
    for (const auto& part : t.claude_parts) claude_inputs.push_back({t.file.path, &part, t.file.subagent, t.agent_type});
  }
  notes.skipped_lines[0] += parts_skipped;
  notes.claude_parts_skipped = parts_skipped;
  std::array<std::vector<record>, 4> merged;
  const auto other = [&](source s, auto&& merge_result) {
    const auto i = static_cast<std::size_t>(s);
    notes.skipped_lines[i] += merge_result.skipped_lines;
    merged[i] = std::move(merge_result.records);
  };
  if (!taken(source::codex)) {
    auto m = merge_source<codex::file_result>(files, source::codex, codex::merge);
    for (const auto& path : m.forks_without_parent)
      notes.warnings[1].push_back(quoted("parent rollout not found for forked Codex session", path) +
                                  ": its replayed history may be counted");
    other(source::codex, std::move(m));
  }
  if (!taken(source::gemini)) other(source::gemini, merge_source<gemini::file_result>(files, source::gemini, gemini::merge));
  if (!taken(source::cursor)) other(source::cursor, merge_source<cursor::file_result>(files, source::cursor, cursor::merge));
  for (const source s : all_sources) {
    const auto i = static_cast<std::size_t>(s);
    if (!taken(s)) continue;
    merged[i] = std::move(notes.snapshots[i]->records);
    notes.skipped_lines[i] = notes.snapshots[i]->skipped_lines;
    notes.warnings[i] = std::move(notes.snapshots[i]->warnings);
  }
  if (!taken(source::claude)) {
    std::size_t room = 0;  // for the other sources: no second copy
    for (std::size_t i = 1; i < 4; ++i) room += merged[i].size();
    merged[0] = onto_snapshot ? std::move(notes.claude_base->records)
                              : claude::merge(std::move(claude_inputs), room, &notes.claude_hashes);
  }
  std::vector<record> records = std::move(merged[0]);
  for (std::size_t i = 1; i < 4; ++i) records.insert(records.end(), merged[i].begin(), merged[i].end());
  // out.stats[].usage and .records are summed by admit_within_limits().
  for (std::size_t i = 0; i < 4; ++i) {
    out.stats[i].skipped_lines = notes.skipped_lines[i];
    out.warnings.insert(out.warnings.end(), notes.warnings[i].begin(), notes.warnings[i].end());
  }
  out.records = std::move(records);
}

// The latest official limits per source (limits.hpp): Codex from its files'
// results (all decoded: take_snapshots leaves Codex out), Claude Code from the
// recorded limits file.
inline void collect_limits(const collect_options& o, const std::vector<tracked>& files, collection& out) {
  if (o.enabled[static_cast<std::size_t>(source::codex)])
    out.limits[static_cast<std::size_t>(source::codex)] =
        merge_source<codex::file_result>(files, source::codex, [](const std::vector<codex::file_ref>& refs) {
          std::optional<limit_observation> latest;
          for (const auto& f : refs)
            if (f.second->limits && (!latest || later_observation(*f.second->limits, *latest))) latest = f.second->limits;
          return latest;
        });
  if (o.enabled[static_cast<std::size_t>(source::claude)]) {
    const auto recorded = read_recorded_limits(o.limits_file.empty() ? recorded_limits_file() : o.limits_file, out.warnings);
    out.limits[static_cast<std::size_t>(source::claude)] = recorded[static_cast<std::size_t>(source::claude)];
  }
}

// The cache is written by a background thread while the caller builds and
// prints its report; the thread is joined before the process exits.
class cache_writer {
 public:
  static cache_writer& instance() {
    static cache_writer writer;
    return writer;
  }
  template <class Fn>
  void start(Fn&& fn) {
    join();
    written_.clear();
    thread_ = std::thread(std::forward<Fn>(fn));
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  ~cache_writer() { join(); }
  // The writing thread's index, once in place; read after join().
  void wrote(std::string stamp) { written_ = std::move(stamp); }
  const std::string& written() const { return written_; }

 private:
  std::thread thread_;
  std::string written_;
};

// What the cache write-back needs once collect() has returned.
struct write_back_job {
  std::filesystem::path dir;
  std::vector<tracked> files;
  std::vector<std::pair<std::string, cached_file>> carried_rows;  // of sources this run did not look at
  std::shared_ptr<const store_map> old_store;                     // cached parts and snapshots lie here
  std::uint64_t old_generation = 0;
  std::array<snapshot_ref, 4> snapshots{};                    // kept as they are (in the old store)
  std::array<std::optional<std::string>, 4> new_snapshots{};  // encoded, to be stored
  bool claude_basis = false;                                  // the new Claude snapshot gets one
  std::optional<std::string> claude_piece;                    // encoded, added to Claude's chain
  std::array<std::uint64_t, 4> fingerprints{};                // of the new snapshots
};

// The store is compacted into a new generation when most of it is garbage
// (parts of files since changed or deleted, old snapshots).
inline bool store_needs_compaction(const write_back_job& job) {
  if (job.old_generation == 0 || job.old_store->size() == 0) return true;
  std::uint64_t live = 0;
  for (const auto& t : job.files) {
    for (const auto& c : t.cached_parts) live += c.ref.length + 8;
    if (t.other_ref) live += t.other_ref->length + 8;
  }
  for (const auto& [path, row] : job.carried_rows)
    for (const auto& r : row.parts) live += r.length + 8;
  for (const auto& snap : job.snapshots)
    if (snap.present) {
      live += snap.ref.length + 8;
      for (const auto& r : snap.pieces) live += r.length + 8;
    }
  // Small stores are left alone; the test suite lowers the floor
  // (OKSTRA_TEST_STORE_COMPACT_ABOVE, bytes) to exercise compaction.
  std::uint64_t floor = std::uint64_t{8} << 20;
  if (const char* v = std::getenv("OKSTRA_TEST_STORE_COMPACT_ABOVE"); v && *v) floor = std::strtoull(v, nullptr, 10);
  return job.old_store->size() > floor && live < job.old_store->size() / 2;
}

inline cached_file row_of(const tracked& t) {
  cached_file row;
  row.src = t.file.src;
  row.id = t.file.id;
  row.head = t.head;
  row.consumed = file_consumed(t);
  row.agent_type = t.agent_type;
  return row;
}

// Appends the new parts to the store (copying the kept ones too when a new
// generation starts), then writes the index that refers to them; false when
// no index was written.
inline bool run_write_back(write_back_job& job) {
  bool compact = store_needs_compaction(job);
  std::uint64_t generation = compact ? new_generation() : job.old_generation;
  fs::ensure_dir(job.dir, 0700);
  store_appender store;
  if (!compact && !store.open(store_path(job.dir, generation), false)) {
    compact = true;  // another run compacted it away meanwhile: start a new one
    generation = new_generation();
  }
  if (compact && !store.open(store_path(job.dir, generation), true)) return false;
  const auto keep = [&](const part_ref& r) {
    if (!compact) return r;
    const auto bytes = job.old_store->part(r);
    if (!bytes) throw std::runtime_error("cache store changed");
    return store.add(*bytes);
  };
  encoder table;
  std::uint64_t rows = job.carried_rows.size();
  for (const auto& t : job.files) rows += t.readable;
  table.u64(rows);
  for (auto& [path, row] : job.carried_rows) {
    for (auto& r : row.parts) r = keep(r);
    encode_row(table, path, row);
  }
  std::uint64_t claude_basis = 0;
  for (auto& t : job.files) {
    if (!t.readable) continue;
    cached_file row = row_of(t);
    if (t.file.src == source::claude) {
      for (const auto& c : t.cached_parts) row.parts.push_back(keep(c.ref));
      for (const auto& p : t.claude_parts) row.parts.push_back(store.add(claude::encode_part(p)));
      t.claude_parts.clear();  // memory goes back as we go
      claude_basis += basis_term(t.file.path, row.parts, [](const part_ref& r) -> const part_ref& { return r; });
    } else {
      row.parts.push_back(t.other_ref ? keep(*t.other_ref) : store.add(encode_source_result(t.other)));
    }
    encode_row(table, t.file.path, row);
  }
  std::array<snapshot_ref, 4> snapshots = job.snapshots;
  for (std::size_t i = 0; i < 4; ++i) {
    if (job.new_snapshots[i]) {
      snapshots[i] = {true, job.fingerprints[i], store.add(*job.new_snapshots[i]), 0, {}};
    } else if (snapshots[i].present) {
      snapshots[i].ref = keep(snapshots[i].ref);
      for (auto& r : snapshots[i].pieces) r = keep(r);
    }
  }
  if (job.claude_piece && snapshots[0].present) {
    snapshots[0].pieces.push_back(store.add(*job.claude_piece));
    snapshots[0].fingerprint = job.fingerprints[0];
  }
  if (job.claude_basis) snapshots[0].basis = claude_basis;
  if (!store.flush()) return false;  // an index must never name parts that are not all there
  save_index(job.dir / index_name, snapshots, generation, table.buffer());
  if (compact) remove_stale_cache_files(job.dir, generation);
  return true;
}

}  // namespace detail

OKSTRA_INLINE discovered_logs discover_logs(const collect_options& o) {
  discovered_logs logs;
  logs.files = detail::discover(o, logs.unreadable);
  logs.fingerprint = detail::fingerprint(logs.files);
  // A stored report repeats its warnings: a folder that became unreadable
  // must make it a miss even when no file changed.
  for (const auto& u : logs.unreadable)
    logs.fingerprint = detail::fnv(u.path, logs.fingerprint) ^ static_cast<std::uint64_t>(u.error);
  return logs;
}

OKSTRA_INLINE collection collect(const collect_options& o) {
  cache_preloader preloaded(o);  // overlaps the walk
  return collect(o, discover_logs(o), preloaded);
}


namespace detail {

// Takes each enabled source whose files match its snapshot from the store.
inline std::array<bool, 4> take_snapshots(const collect_options& o, const cache_index& cache, const store_map& store,
                                          const std::array<std::uint64_t, 4>& fingerprints, merge_notes& notes) {
  std::array<bool, 4> taken{};
  for (std::size_t i = 0; i < 4; ++i) {
    const snapshot_ref& snap = cache.snapshots[i];
    if (!o.enabled[i] || !snap.present || snap.fingerprint != fingerprints[i]) continue;
    if (o.official_limits && static_cast<source>(i) == source::codex) continue;  // its limits are in the files
    source_snapshot decoded;
    if (!load_snapshot(store, snap, static_cast<source>(i), decoded)) continue;
    notes.snapshots[i] = std::move(decoded);
    taken[i] = true;
  }
  return taken;
}

// Claude's snapshot chain, decoded on a thread while the run plans and reads
// (only when Claude's files changed: it may then be merged onto).
inline std::future<std::optional<source_snapshot>> decode_claude_chain(const collect_options& o,
                                                                       const cache_index& cache,
                                                                       std::shared_ptr<const store_map> store,
                                                                       std::uint64_t fingerprint) {
  const snapshot_ref& snap = cache.snapshots[0];
  if (!o.enabled[0] || !cache.valid || !snap.present || snap.basis == 0 || snap.fingerprint == fingerprint) return {};
  return std::async(std::launch::async, [snap, store]() -> std::optional<source_snapshot> {
    try {
      // Room for what this run merges onto it and for the other sources'
      // records (room that is never touched costs no memory).
      source_snapshot chain;
      if (load_snapshot(*store, snap, source::claude, chain, 65536 + snap.ref.length / 64, true)) return chain;
    } catch (const std::exception&) {
    }
    return std::nullopt;
  });
}

// Claude's snapshot, if it was merged from exactly the stored parts this run
// kept: every file then only grew (or is new), and what was read this run can
// be merged onto it.
inline std::optional<source_snapshot> claude_base(const std::vector<tracked>& files, const cache_index& cache,
                                                 std::future<std::optional<source_snapshot>>& chain) {
  const snapshot_ref& snap = cache.snapshots[0];
  if (!snap.present || snap.basis == 0 || !chain.valid()) return std::nullopt;
  std::uint64_t basis = 0;
  for (const auto& t : files)
    if (t.file.src == source::claude && t.readable)
      basis += basis_term(t.file.path, t.cached_parts, [](const cached_claude_part& c) -> const part_ref& { return c.ref; });
  std::optional<source_snapshot> base = chain.get();
  if (basis != snap.basis || !base) {
    trace_note("claude: no snapshot to merge onto");
    return std::nullopt;
  }
  return base;
}

// After a merge onto the snapshot, the piece is added to the chain, unless the
// chain is long or its pieces hold a quarter of its records: then the whole
// is written as a new base.
inline bool extend_claude_chain(write_back_job& job, const cache_index& cache, const merge_notes& notes,
                                std::uint64_t fingerprint) {
  if (!notes.claude_piece || !notes.claude_base) return false;
  const source_snapshot& base = *notes.claude_base;
  const std::size_t added = base.piece_records + notes.claude_piece->records.size();
  if (base.pieces + 1 > max_snapshot_pieces || added * 4 > notes.claude_records) return false;
  job.snapshots[0] = cache.snapshots[0];
  job.claude_piece = encode_snapshot(notes.claude_piece->records, notes.skipped_lines[0], notes.warnings[0],
                                     notes.claude_piece->hashes, notes.claude_parts_skipped);
  job.fingerprints[0] = fingerprint;
  job.claude_basis = true;
  trace_note("claude: snapshot piece " + std::to_string(base.pieces + 1) + " added");
  return true;
}

// The message hashes of every Claude entry merged so far, for a new base.
inline std::vector<std::uint64_t> all_claude_hashes(const merge_notes& notes) {
  if (!notes.claude_piece || !notes.claude_base) return notes.claude_hashes;
  std::vector<std::uint64_t> all(notes.claude_piece->hashes);
  for (const auto& set : notes.claude_base->hash_sets)
    for (std::size_t k = 0; k < set.size(); ++k) all.push_back(set[k]);
  std::sort(all.begin(), all.end());  // disjoint sets: no duplicates to drop
  return all;
}

// The same, for collection::claude_message_hashes, also when Claude's
// records came whole from the snapshot chain.
inline std::vector<std::uint64_t> claude_hashes_of(const merge_notes& notes, bool taken_from_snapshot) {
  if (!taken_from_snapshot || !notes.snapshots[0]) return all_claude_hashes(notes);
  std::vector<std::uint64_t> all;
  for (const auto& set : notes.snapshots[0]->hash_sets)
    for (std::size_t k = 0; k < set.size(); ++k) all.push_back(set[k]);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

// Prepares the write-back: which snapshots are kept, written anew, carried.
inline std::shared_ptr<write_back_job> plan_write_back(const collect_options& o, std::vector<tracked> files,
                                                       const cache_index& cache, const std::array<bool, 4>& taken,
                                                       const std::array<std::uint64_t, 4>& fingerprints,
                                                       const merge_notes& notes, const collection& out) {
  auto job = std::make_shared<write_back_job>();
  std::array<bool, 4> quiet{true, true, true, true};  // nothing read, nothing unreadable
  for (const auto& t : files)
    if (!t.from_cache || !t.readable) quiet[static_cast<std::size_t>(t.file.src)] = false;
  for (std::size_t i = 0; i < 4; ++i) {
    if (!o.enabled[i] || taken[i]) {
      job->snapshots[i] = cache.snapshots[i];
      continue;
    }
    // A source is snapshot once a run finds it unchanged: while its logs
    // keep growing, each run merges it anyway. Claude is snapshot whenever
    // merged: the next run merges only what it reads onto it.
    const bool claude = static_cast<source>(i) == source::claude;
    if (!quiet[i] && !claude) continue;
    // Codex left out of its snapshot only for its limits: the snapshot still holds.
    const snapshot_ref& old = cache.snapshots[i];
    if (o.official_limits && static_cast<source>(i) == source::codex && old.present && old.fingerprint == fingerprints[i]) {
      job->snapshots[i] = old;
      continue;
    }
    if (claude && extend_claude_chain(*job, cache, notes, fingerprints[0])) continue;
    const auto from = std::find_if(out.records.begin(), out.records.end(), [&](const record& r) {
      return static_cast<std::size_t>(r.src) >= i;
    });
    const auto to = std::find_if(from, out.records.end(), [&](const record& r) { return static_cast<std::size_t>(r.src) > i; });
    const auto first = static_cast<std::size_t>(from - out.records.begin());
    const auto slice = std::span<const record>(out.records).subspan(first, static_cast<std::size_t>(to - from));
    if (claude) trace_note("claude: snapshot written as a new base");
    const std::vector<std::uint64_t> hashes = claude ? all_claude_hashes(notes) : std::vector<std::uint64_t>{};
    job->new_snapshots[i] = encode_snapshot(slice, notes.skipped_lines[i], notes.warnings[i], hashes,
                                            claude ? notes.claude_parts_skipped : 0);
    job->fingerprints[i] = fingerprints[i];
    job->claude_basis = job->claude_basis || claude;
  }
  for (const auto& [path, row] : cache.files)
    if (!o.enabled[static_cast<std::size_t>(row.src)]) job->carried_rows.emplace_back(std::string(path), row);
  job->files = std::move(files);
  return job;
}

}  // namespace detail

namespace detail {

// Sources that can have lost nothing: taken from their snapshot, or (Claude)
// merged onto it because its files only grew.
inline std::array<bool, 4> unchanged_or_grown(std::array<bool, 4> taken, const merge_notes& notes) {
  if (notes.claude_piece) taken[0] = true;
  return taken;
}

// One attempt; nullopt when a stored Claude part that the full merge needs
// fails its check, which is found only after reading (parts are checked
// lazily), so the caller starts again without reading the cache.
inline std::optional<collection> collect_once(const collect_options& o, discovered_logs logs,
                                              std::unique_ptr<cache_preload> pre) {
  collection out;
  std::vector<tracked> files(logs.files.size());
  for (std::size_t i = 0; i < files.size(); ++i) files[i].file = std::move(logs.files[i]);
  const stdfs::path cache_dir = cache_dir_of(o);
  const cache_index& cache = pre->cache;
  auto store = pre->store;
  trace("load cache index");
  std::array<std::uint64_t, 4> fingerprints{};
  for (const source s : all_sources) fingerprints[static_cast<std::size_t>(s)] = source_fingerprint(files, s);
  merge_notes notes;
  auto claude_chain = decode_claude_chain(o, cache, store, fingerprints[0]);
  std::array<bool, 4> taken = take_snapshots(o, cache, *store, fingerprints, notes);
  const bool all_taken = [&] {
    for (std::size_t i = 0; i < 4; ++i)
      if (o.enabled[i] && !taken[i]) return false;
    return true;
  }();
  if (all_taken && cache.valid) {
    for (auto& t : files) t.from_cache = t.in_snapshot = true;  // nothing to read or decode
  } else {
    if (cache.valid && pre->rows_decoded) {
      plan_from_cache(files, cache, *store, taken);
    } else {
      taken = {};
    }
    for (std::size_t i = 0; i < 4; ++i)
      if (!taken[i]) notes.snapshots[i].reset();
  }
  if (tracing()) {
    std::string names;
    for (const source s : all_sources)
      if (taken[static_cast<std::size_t>(s)]) names += std::string(names.empty() ? "" : ",") + std::string(source_name(s));
    trace_note(std::string("cache index ") + (cache.valid ? "valid" : "absent or invalid") +
               "; sources from snapshots: " + (names.empty() ? "none" : names));
  }
  trace("plan from cache");
  const auto units = plan_work(files);
  run_state state;
  const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  run_units(files, units, threads, o.progress, state);
  for (const auto& u : units) out.bytes_read += u.range.end - u.range.begin;
  out.files_read = units.size();
  trace("read logs");
  trace_note("read " + std::to_string(out.files_read) + " ranges, " + std::to_string(out.bytes_read) + " bytes");
  out.warnings = std::move(state.warnings);
  if (o.enabled[0] && !taken[0]) {
    read_subagent_types(files);
    if (cache.valid) {
      notes.claude_base = claude_base(files, cache, claude_chain);
      merge_onto_snapshot(files, notes);
    }
    if (!notes.claude_piece && !verify_cached_parts(files, *store)) return std::nullopt;
  }
  merge_all(files, out, notes);
  if (o.claude_message_hashes && o.enabled[0]) out.claude_message_hashes = claude_hashes_of(notes, taken[0]);
  if (o.official_limits) collect_limits(o, files, out);
  report_unreadable(logs.unreadable, files, out);
  trace("merge");
  const bool changed = !(all_taken && cache.valid);
  // Before the write-back replaces the snapshots (docs/usage-archive.md).
  std::vector<archived_record> archived;
  if (o.use_archive || (o.use_cache && changed)) {
    const archive ar(o.archive_dir);
    const bool can_lose = o.use_cache && changed && cache.valid;
    std::vector<archived_record> lost;
    if (can_lose) lost = lost_records(o, unchanged_or_grown(taken, notes), files, cache, *store, out.records);
    // Apart: build_report_with_archive() reads the archive (and warns) itself.
    if (!o.archive_apart || !lost.empty()) archived = archive_lost(ar, std::move(lost), out, o.archive_apart);
    trace("archive");
  }
  if (o.use_cache && changed) {
    auto job = plan_write_back(o, std::move(files), cache, taken, fingerprints, notes, out);
    job->dir = cache_dir;
    job->old_store = std::move(store);
    job->old_generation = cache.store_generation;
    cache_writer::instance().start([job] {
      try {
        if (run_write_back(*job)) cache_writer::instance().wrote(file_stamp(job->dir / index_name));
      } catch (const std::exception&) {
        // A cache that could not be saved only costs speed next time.
      }
    });
  }
  if (o.use_archive && !o.archive_apart) merge_archived(o, std::move(archived), out);
  admit_within_limits(out);
  return out;
}

}  // namespace detail

OKSTRA_INLINE collection collect(const collect_options& o, discovered_logs logs, cache_preloader& preloaded) {
  if (auto once = detail::collect_once(o, std::move(logs), preloaded.take())) return std::move(*once);
  detail::trace_note("cache: a stored part failed its check; reading without the cache");
  return std::move(*detail::collect_once(o, discover_logs(o), std::make_unique<detail::cache_preload>()));
}

OKSTRA_INLINE collection collect(const collect_options& o, discovered_logs logs) {
  cache_preloader preloaded(o);
  return collect(o, std::move(logs), preloaded);
}

}  // namespace okstra::token_usage
