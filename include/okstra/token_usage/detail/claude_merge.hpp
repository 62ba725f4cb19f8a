// Claude Code: the order-independent, cross-file merge of per-file results
// into normalised records (rules at the top of claude.hpp).
//
// The merge runs on every report whose logs changed, over every entry of
// every file (~100k on a 1 GB corpus), so it avoids node-based containers:
// identities are hashed once into flat open-addressing tables and the picks
// are sorted by value.
#pragma once

#include <algorithm>
#include <limits>
#include <array>
#include <exception>
#include <thread>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace okstra::token_usage::claude {

struct file_input {
  std::string path;
  part_view result;
  bool subagent_file = false;  // <session>/subagents/agent-<id>.jsonl
  std::string agent_type;      // from agent-<id>.meta.json, if any
};

// okstra's roles from an agent team member name or a subagent type.
inline agent classify_agent(std::string_view name) noexcept {
  if (name.find("report-writer") != std::string_view::npos) return agent::report_writer;
  if (name.find("codex") != std::string_view::npos) return agent::codex_worker;
  if (name.find("gemini") != std::string_view::npos) return agent::gemini_worker;
  if (name.find("claude") != std::string_view::npos && name.find("worker") != std::string_view::npos)
    return agent::claude_worker;
  return agent::other;
}

inline agent role_of(const file_input& f, const entry& e) {
  if (e.agent_name.len) {
    const agent a = classify_agent(f.result.str(e.agent_name));
    if (a != agent::other) return a;
  }
  if (f.subagent_file) return classify_agent(f.agent_type);
  return e.sidechain ? agent::other : agent::lead;
}

namespace detail_impl {

// A 64-bit hash that takes 8 bytes per step (ids are 30-40 bytes long).
inline std::uint64_t hash_id(std::string_view s, std::uint64_t seed) noexcept {
  std::uint64_t h = seed ^ (s.size() * 0x9E3779B97F4A7C15ULL);
  std::size_t i = 0;
  const auto mix = [&h](std::uint64_t w) {
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  };
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    mix(w);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  mix(tail);
  h *= 0x94D049BB133111EBULL;
  return h ^ (h >> 29);
}

// One entry of the flattened input: where it is and its identity hashes.
struct flat_entry {
  const entry* e;
  std::uint32_t file;
  std::uint64_t message_hash;
  std::uint64_t identity_hash;
};

// Open addressing over indices into the flattened entries. A slot is 8
// bytes, the top half of the key's hash next to the index, so the tables of
// 70,000 entries stay small enough for the caches and a probe looks at the
// entry itself only on a tag match.
class flat_index {
 public:
  explicit flat_index(std::size_t expected) {
    std::size_t cap = 16;
    while (cap < expected + expected / 2) cap <<= 1;
    slots_.resize(cap);
    mask_ = cap - 1;
  }
  // The slot holding an equal key, or the empty slot where it goes.
  template <class Equal>
  std::size_t find(std::uint64_t hash, Equal&& equal) const {
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.value == 0 || (s.tag == tag && equal(s.value - 1))) return i;
    }
  }
  bool used(std::size_t at) const noexcept { return slots_[at].value != 0; }
  std::uint32_t value(std::size_t at) const noexcept { return slots_[at].value - 1; }
  void set(std::size_t at, std::uint64_t hash, std::uint32_t value) noexcept {
    slots_[at] = {static_cast<std::uint32_t>(hash >> 32), value + 1};
  }
  template <class Fn>
  void for_each_value(Fn&& fn) const {
    for (const slot& s : slots_)
      if (s.value) fn(s.value - 1);
  }

 private:
  struct slot {
    std::uint32_t tag = 0;
    std::uint32_t value = 0;  // index + 1; 0 = empty
  };
  std::vector<slot> slots_;
  std::size_t mask_ = 0;
};

// Runs fn(0) and fn(1), on two threads when `parallel` (the merge of a
// large corpus), else one after the other.
template <class Fn>
void on_two(bool parallel, Fn&& fn) {
  if (!parallel) {
    fn(0);
    fn(1);
    return;
  }
  std::exception_ptr failed;
  std::thread other([&] {
    try {
      fn(1);
    } catch (...) {
      failed = std::current_exception();
    }
  });
  fn(0);
  other.join();
  if (failed) std::rethrow_exception(failed);
}

inline constexpr std::size_t parallel_above = 16384;  // entries

// The merge's working state: the flattened entries and the files' path ranks.
struct merge_input {
  std::vector<file_input>& files;
  std::vector<std::uint32_t> rank;  // per file: index of the first file with its path
  std::vector<flat_entry> flat;
  bool parallel = false;

  explicit merge_input(std::vector<file_input>& f) : files(f) {
    std::sort(files.begin(), files.end(), [](const file_input& a, const file_input& b) { return a.path < b.path; });
    std::vector<std::size_t> first(files.size() + 1, 0);  // files[i]'s first flat index
    for (std::uint32_t i = 0; i < files.size(); ++i) {
      rank.push_back(i > 0 && files[i].path == files[i - 1].path ? rank[i - 1] : i);
      first[i + 1] = first[i] + files[i].result.entries.size();
    }
    flat.resize(first.back());
    parallel = flat.size() > parallel_above;
    // Each half of the entries is hashed on its own thread.
    const auto middle = static_cast<std::uint32_t>(
        std::upper_bound(first.begin(), first.end() - 1, flat.size() / 2) - first.begin());
    on_two(parallel, [&](int half) {
      const std::uint32_t from = half == 0 ? 0 : middle, to = half == 0 ? middle : static_cast<std::uint32_t>(files.size());
      for (std::uint32_t fi = from; fi < to; ++fi) {
        std::size_t at = first[fi];
        for (const entry& e : files[fi].result.entries) {
          flat_entry x{&e, fi, 0, 0};
          if (e.message_id.len) {
            x.message_hash = hash_id(files[fi].result.str(e.message_id), 0x51);
            x.identity_hash = hash_id(files[fi].result.str(e.request_id), x.message_hash);
          }
          flat[at++] = x;
        }
      }
    });
  }
  std::string_view message_id(std::uint32_t i) const { return files[flat[i].file].result.str(flat[i].e->message_id); }
  std::string_view request_id(std::uint32_t i) const { return files[flat[i].file].result.str(flat[i].e->request_id); }
  // The output order: time, then path, then offset.
  bool before(std::uint32_t a, std::uint32_t b) const {
    const entry& x = *flat[a].e;
    const entry& y = *flat[b].e;
    if (x.timestamp_ms != y.timestamp_ms) return x.timestamp_ms < y.timestamp_ms;
    if (rank[flat[a].file] != rank[flat[b].file]) return rank[flat[a].file] < rank[flat[b].file];
    return x.offset < y.offset;
  }
};

// True when flattened entry `a` beats `b`, a copy of the same identity.
// Ties go to the smallest (path, offset): independent of reading order.
inline bool wins_over(const merge_input& in, std::uint32_t a, std::uint32_t b) {
  const entry& x = *in.flat[a].e;
  const entry& y = *in.flat[b].e;
  if (x.usage.total() != y.usage.total()) return x.usage.total() > y.usage.total();
  if (x.usage.output != y.usage.output) return x.usage.output > y.usage.output;
  const auto ra = in.rank[in.flat[a].file], rb = in.rank[in.flat[b].file];
  return ra != rb ? ra < rb : x.offset < y.offset;
}

// Sorts flattened indices into the output order: a stable radix sort by
// time (linear, where a comparison sort of 70,000 keys is not), then the
// few records of equal time by path and offset.
inline void sort_by_time(const merge_input& in, std::vector<std::uint32_t>& picks) {
  struct keyed {
    std::uint64_t key;
    std::uint32_t flat;
  };
  std::vector<keyed> a(picks.size()), b(picks.size());
  std::int64_t least = std::numeric_limits<std::int64_t>::max();
  for (const std::uint32_t i : picks) least = std::min(least, in.flat[i].e->timestamp_ms);
  std::uint64_t widest = 0;
  for (std::size_t k = 0; k < picks.size(); ++k) {
    a[k] = {static_cast<std::uint64_t>(in.flat[picks[k]].e->timestamp_ms - least), picks[k]};
    widest |= a[k].key;
  }
  constexpr int bits = 11;
  for (int shift = 0; shift < 64 && (widest >> shift) != 0; shift += bits) {
    std::array<std::size_t, (1u << bits) + 1> count{};
    for (const keyed& x : a) ++count[((x.key >> shift) & ((1u << bits) - 1)) + 1];
    for (std::size_t d = 1; d < count.size(); ++d) count[d] += count[d - 1];
    for (const keyed& x : a) b[count[(x.key >> shift) & ((1u << bits) - 1)]++] = x;
    a.swap(b);
  }
  for (std::size_t k = 0; k < a.size(); ++k) picks[k] = a[k].flat;
  for (std::size_t i = 0; i < picks.size();) {
    std::size_t j = i + 1;
    while (j < picks.size() && a[j].key == a[i].key) ++j;
    if (j - i > 1)
      std::sort(picks.begin() + static_cast<std::ptrdiff_t>(i), picks.begin() + static_cast<std::ptrdiff_t>(j),
                [&](std::uint32_t x, std::uint32_t y) { return in.before(x, y); });
    i = j;
  }
}

// The entries that count: flattened indices in output order, and per
// flattened index the tier of its request (merged_tier over the counted
// copies; read only for picked entries).
struct picked_entries {
  std::vector<std::uint32_t> order;
  std::vector<std::uint8_t> tier;
};

// All copies of one message share its message hash, so the choice splits by
// the hash's top bit into two independent halves.
inline picked_entries pick_entries(const merge_input& in) {
  const auto n = static_cast<std::uint32_t>(in.flat.size());
  const auto same_message = [&](std::uint32_t i) {
    return [&in, i](std::uint32_t j) {
      return j == i || (in.flat[j].message_hash == in.flat[i].message_hash && in.message_id(j) == in.message_id(i));
    };
  };
  std::vector<std::uint8_t> chosen(n, 0);  // each half writes only its own entries' bytes
  std::vector<std::uint8_t> tier(n, 0);    // likewise
  on_two(in.parallel, [&](int half) {
    const auto mine = [&](const flat_entry& x) { return static_cast<int>(x.message_hash >> 63) == half; };
    flat_index main_messages(n / 2 + 16);  // message ids seen outside a sidechain
    for (std::uint32_t i = 0; i < n; ++i) {
      const flat_entry& x = in.flat[i];
      if (x.e->sidechain || x.e->message_id.len == 0 || !mine(x)) continue;
      const std::size_t slot = main_messages.find(x.message_hash, same_message(i));
      if (!main_messages.used(slot)) main_messages.set(slot, x.message_hash, i);
    }
    // Main-thread copies count once per request (message id + request id);
    // sidechain copies of a message no main-thread line has count once per
    // message: replays of one parent message into several subagents' files
    // carry other request ids (docs/usage.md, "Claude Code").
    flat_index best(n / 2 + 16), best_sidechain(n / 2 + 16);  // a table never grows: room for every entry
    for (std::uint32_t i = 0; i < n; ++i) {
      const flat_entry& x = in.flat[i];
      if (x.e->message_id.len == 0) {
        if (half == 0) chosen[i] = 1, tier[i] = x.e->tier;  // no identity: counted on its own
        continue;
      }
      if (!mine(x)) continue;
      const bool sidechain = x.e->sidechain != 0;
      if (sidechain && main_messages.used(main_messages.find(x.message_hash, same_message(i))))
        continue;  // a replay of a message of the main thread
      flat_index& table = sidechain ? best_sidechain : best;
      const std::uint64_t key = sidechain ? x.message_hash : x.identity_hash;
      const std::size_t slot = sidechain ? table.find(key, same_message(i)) : table.find(key, [&](std::uint32_t j) {
        return in.flat[j].identity_hash == x.identity_hash && in.message_id(j) == in.message_id(i) &&
               in.request_id(j) == in.request_id(i);
      });
      if (!table.used(slot)) {
        table.set(slot, key, i);
        tier[i] = x.e->tier;
        continue;
      }
      const std::uint32_t held = table.value(slot);
      const std::uint8_t merged = merged_tier(tier[held], x.e->tier);
      if (wins_over(in, i, held)) table.set(slot, key, i);
      tier[table.value(slot)] = merged;
    }
    best.for_each_value([&](std::uint32_t i) { chosen[i] = 1; });
    best_sidechain.for_each_value([&](std::uint32_t i) { chosen[i] = 1; });
  });
  picked_entries out;
  out.order.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i)
    if (chosen[i]) out.order.push_back(i);
  sort_by_time(in, out.order);
  out.tier = std::move(tier);
  return out;
}

// Interning takes a lock and hashes the text; most fields repeat, so each
// (file, blob offset) is interned once: the last value per field answers
// most lookups, a flat table the rest.
class field_interner {
 public:
  field_interner() { rehash(1024); }
  istr operator()(const merge_input& in, std::uint32_t file, int field, sref r) {
    if (r.len == 0) return {};
    const std::uint64_t key = (static_cast<std::uint64_t>(file) << 32) | r.off;
    last& l = last_[field];
    if (l.key == key) return l.value;
    std::size_t i = slot_of(key);
    if (keys_[i] == empty_key) {
      if ((used_ + 1) * 2 > keys_.size()) {
        rehash(keys_.size() * 2);
        i = slot_of(key);
      }
      keys_[i] = key;
      values_[i] = istr(in.files[file].result.str(r));
      ++used_;
    }
    l = {key, values_[i]};
    return l.value;
  }

 private:
  static constexpr std::uint64_t empty_key = ~std::uint64_t{0};
  struct last {
    std::uint64_t key = empty_key;
    istr value;
  };
  std::size_t slot_of(std::uint64_t key) const noexcept {
    std::uint64_t h = key * 0x9E3779B97F4A7C15ULL;  // the file number sits in the high half: mix it down
    h ^= h >> 29;
    std::size_t i = static_cast<std::size_t>(h) & (keys_.size() - 1);
    while (keys_[i] != key && keys_[i] != empty_key) i = (i + 1) & (keys_.size() - 1);
    return i;
  }
  void rehash(std::size_t capacity) {
    std::vector<std::uint64_t> old_keys(capacity, empty_key);
    std::vector<istr> old_values(capacity);
    old_keys.swap(keys_);
    old_values.swap(values_);
    for (std::size_t k = 0; k < old_keys.size(); ++k)
      if (old_keys[k] != empty_key) {
        const std::size_t i = slot_of(old_keys[k]);
        keys_[i] = old_keys[k];
        values_[i] = old_values[k];
      }
  }
  std::array<last, 6> last_{};
  std::vector<std::uint64_t> keys_;
  std::vector<istr> values_;
  std::size_t used_ = 0;
};

}  // namespace detail_impl

namespace detail_impl {

// The records of `picked` (flattened indices in output order). Records are
// built walking the entries in file order (sequential reads, and each file's
// strings repeat) and written to their place in time order.
inline std::vector<record> build_records(const merge_input& in, const picked_entries& picked, std::size_t room) {
  const std::vector<std::uint32_t>& picks = picked.order;
  constexpr std::uint32_t not_picked = ~std::uint32_t{0};
  std::vector<std::uint32_t> position(in.flat.size(), not_picked);
  for (std::size_t k = 0; k < picks.size(); ++k) position[picks[k]] = static_cast<std::uint32_t>(k);
  std::vector<record> out;
  out.reserve(picks.size() + room);
  out.resize(picks.size());
  std::vector<istr> agent_types(in.files.size());  // interned once per file, not per record
  for (std::size_t k = 0; k < in.files.size(); ++k)
    if (in.files[k].subagent_file && !in.files[k].agent_type.empty()) agent_types[k] = in.files[k].agent_type;
  on_two(in.parallel, [&](int half) {
    field_interner field;
    const std::size_t n = in.flat.size();
    const std::size_t from = half == 0 ? 0 : n / 2, to = half == 0 ? n / 2 : n;
    for (std::size_t i = from; i < to; ++i) {
      if (position[i] == not_picked) continue;
      const std::uint32_t fi = in.flat[i].file;
      const file_input& f = in.files[fi];
      const entry& e = *in.flat[i].e;
      record& rec = out[position[i]];
      rec.src = source::claude;
      rec.who = role_of(f, e);
      rec.tier = static_cast<service_tier>(picked.tier[i]);
      rec.timestamp_ms = e.timestamp_ms;
      rec.usage = e.usage;
      rec.session_id = field(in, fi, 0, e.session);
      rec.model = field(in, fi, 1, e.model);
      rec.project = field(in, fi, 2, e.project);
      rec.team_name = field(in, fi, 3, e.team);
      rec.agent_name = field(in, fi, 4, e.agent_name);
      rec.agent_id = field(in, fi, 5, e.agent_id);
      rec.agent_type = agent_types[fi];
      if (e.message_id.len) {  // never 0: 0 means none
        rec.request_hash = in.flat[i].identity_hash | 1;
        rec.message_hash = in.flat[i].message_hash | 1;
      }
    }
  });
  return out;
}

// The sorted, distinct message hashes of every entry (picked or not), which
// a Claude snapshot keeps for merging later entries onto it.
inline std::vector<std::uint64_t> sorted_message_hashes(const merge_input& in) {
  std::vector<std::uint64_t> a, b;
  a.reserve(in.flat.size());
  for (const flat_entry& x : in.flat)
    if (x.e->message_id.len) a.push_back(x.message_hash);
  if (a.size() < 4096) {  // the radix passes' tables cost more than sorting a few
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    return a;
  }
  b.resize(a.size());
  for (int shift = 0; shift < 64; shift += 16) {  // four stable passes of a radix sort
    std::vector<std::uint32_t> count((1u << 16) + 1, 0);
    for (const std::uint64_t h : a) ++count[((h >> shift) & 0xFFFF) + 1];
    for (std::size_t d = 1; d < count.size(); ++d) count[d] += count[d - 1];
    for (const std::uint64_t h : a) b[count[(h >> shift) & 0xFFFF]++] = h;
    a.swap(b);
  }
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

}  // namespace detail_impl

// Merges per-file results (several parts of one file share its path); the
// output is sorted by time, then file path, then offset. `room` reserves
// space for records the caller appends. With `message_hashes`, also gives the
// sorted distinct message hashes of all entries (for a snapshot).
inline std::vector<record> merge(std::vector<file_input> files, std::size_t room = 0,
                                 std::vector<std::uint64_t>* message_hashes = nullptr) {
  const detail_impl::merge_input in(files);
  const auto picks = detail_impl::pick_entries(in);
  if (message_hashes) *message_hashes = detail_impl::sorted_message_hashes(in);
  return detail_impl::build_records(in, picks, room);
}

}  // namespace okstra::token_usage::claude
