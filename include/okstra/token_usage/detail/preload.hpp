// What a run takes from the usage cache before it knows its log files — the
// index with its per-file rows and the store's map — loaded on a thread while
// discover_logs() walks the folders (cache_preloader), so that an incremental
// run does not wait for both one after the other. Snapshots are not decoded
// here: a run whose report is remembered needs none, and its walk would only
// share the cores with that work (Claude's chain is decoded on a thread of
// its own once the walk is done: collect_once).
#pragma once

#include <future>
#include <memory>

namespace okstra::token_usage {

namespace detail {

inline stdfs::path cache_dir_of(const collect_options& o) {
  return usage_cache_dir(o.cache_dir);
}

// A source's snapshot with the pieces of its chain merged in; false when any
// link is missing or fails its check. With `check_beside`, the base's
// checksum is computed on a second thread while the base is decoded (the
// decoder takes any bytes safely), and what was decoded is dropped when it
// does not match: a run that waits for the chain waits for one pass over its
// bytes instead of two (docs/performance.md, "An append run's
// chain, prices and admission").
inline bool load_snapshot(const store_map& store, const snapshot_ref& snap, source src, source_snapshot& out,
                          std::size_t room = 0, bool check_beside = false) {
  const auto bytes = check_beside ? store.unchecked_part(snap.ref) : store.part(snap.ref);
  if (!bytes) return false;
  std::future<bool> checked;
  if (check_beside)
    checked = std::async(std::launch::async, [b = *bytes, sum = snap.ref.sum] { return checksum(b) == sum; });
  bool ok = decode_snapshot(*bytes, src, out, room);
  std::vector<source_snapshot> pieces(ok ? snap.pieces.size() : 0);
  for (std::size_t i = 0; i < pieces.size() && ok; ++i) {
    const auto piece_bytes = store.part(snap.pieces[i]);
    ok = piece_bytes && decode_snapshot(*piece_bytes, src, pieces[i]);
  }
  if (checked.valid() && !checked.get()) ok = false;
  if (!ok) return out = source_snapshot{}, false;
  add_pieces(out, std::move(pieces));
  return true;
}

struct cache_preload {
  cache_index cache;          // views point into it: never moved, hence held by pointer
  bool rows_decoded = false;  // cache.files holds the per-file rows
  std::shared_ptr<store_map> store = std::make_shared<store_map>();
};

inline std::unique_ptr<cache_preload> preload_cache(const collect_options& o) {
  auto p = std::make_unique<cache_preload>();
  if (!o.use_cache) return p;
  try {
    const stdfs::path dir = cache_dir_of(o);
    p->cache = load_index(dir / index_name);
    if (!p->cache.valid) return p;
    if (p->cache.store_generation != 0) p->store = store_map::open(store_path(dir, p->cache.store_generation));
    p->rows_decoded = p->cache.decode_files();
  } catch (const std::exception&) {
    return std::make_unique<cache_preload>();  // a cache that cannot be read costs only speed
  }
  return p;
}

}  // namespace detail

}  // namespace okstra::token_usage
