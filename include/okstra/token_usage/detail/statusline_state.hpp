// The statusline state: what lets one statusline call read only the lines
// the session's transcript gained since the last call (docs/usage-statusline.md, "Speed").
//
// Layout: "OKSTRASL", a format number, the body, then the checksum of all
// that precedes it (8 raw bytes). Body: when every log was last read, where
// the latest block starts, the block anchor used, the session id, the
// transcript as given and as the walk named it, its device, inode, the
// offset read up to (a line start) and the hash of the bytes just before it,
// a Claude Code snapshot (snapshot.hpp) of the records the line can still
// need, and a filter of the message hashes of every entry read. Anything
// else is no state: the caller reads the logs.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/cache_store.hpp"
#include "okstra/token_usage/detail/claude.hpp"
#include "okstra/token_usage/detail/claude_delta.hpp"
#include "okstra/token_usage/detail/read_claude.hpp"
#include "okstra/token_usage/detail/snapshot.hpp"
#include "okstra/token_usage/statusline.hpp"

namespace okstra::token_usage::detail_statusline {

namespace d = okstra::token_usage::detail;

inline constexpr std::string_view state_magic = "OKSTRASL";
inline constexpr std::uint64_t state_format = 3;  // 2: records carry request_hash; 3: and message_hash
inline constexpr std::size_t state_read_limit = std::size_t{256} << 20;
inline constexpr std::uint64_t tail_bytes = 64;

struct transcript_mark {
  std::string given;  // transcript_path as Claude Code passed it
  std::string walk;   // the path the log walk knows the same file by
  std::uint64_t dev = 0, ino = 0;  // 0, 0: the walk did not find it (new lines are not read)
  std::uint64_t consumed = 0;      // read up to here: a line start
  std::uint64_t tail = 0;          // hash of the bytes before `consumed`
};

// The message hashes of every Claude Code entry read, as a Bloom filter:
// "maybe seen" sends the call to the full read, so a false positive costs
// time, never exactness; 12 bits per hash and 8 probes keep them near 0.3%.
// Built by the full read, kept in a file of its own (the words, little-endian)
// that calls map and never rewrite.
class message_filter {
 public:
  explicit message_filter(std::size_t expected) : words_(std::max<std::size_t>(expected * 12 / 64 + 1, 64)) {}
  std::string_view bytes() const { return {reinterpret_cast<const char*>(words_.data()), words_.size() * 8}; }
  void add(std::uint64_t hash) {
    const std::uint64_t bits = words_.size() * 64;
    for_each_probe(hash, bits, [&](std::uint64_t bit) { words_[bit / 64] |= std::uint64_t{1} << (bit % 64); return true; });
  }
  // On the words of a filter (a multiple of 8 bytes, at least 64 words).
  static bool maybe_contains(std::string_view words, std::uint64_t hash) {
    const std::uint64_t bits = words.size() / 8 * 64;
    return for_each_probe(hash, bits, [&](std::uint64_t bit) {
      std::uint64_t word;
      std::memcpy(&word, words.data() + bit / 64 * 8, 8);
      return (word >> (bit % 64) & 1) != 0;
    });
  }
  static bool well_formed(std::string_view words) { return words.size() >= 8 * 64 && words.size() % 8 == 0; }

 private:
  static constexpr int probes = 8;
  template <class Fn>
  static bool for_each_probe(std::uint64_t hash, std::uint64_t bits, Fn&& fn) {
    std::uint64_t h = (hash ^ (hash >> 31)) * 0x9E3779B97F4A7C15ULL;
    const std::uint64_t step = (h >> 32) | 1;
    for (int i = 0; i < probes; ++i, h += step)
      if (!fn(h % bits)) return false;
    return true;
  }
  std::vector<std::uint64_t> words_;
};

inline std::filesystem::path filter_file_of(const std::filesystem::path& state_file) {
  return std::filesystem::path(state_file).replace_extension(".seen");
}

struct state {
  std::uint64_t file_ino = 0;  // of the state file read: a newer one is not overwritten
  std::string bytes;
  std::int64_t logs_read_ms = 0;
  std::int64_t block_cut_ms = 0;  // the latest block's start: earlier records cannot join it
  std::optional<block_anchor> anchor;
  std::string session;
  transcript_mark transcript;
  d::source_snapshot snapshot;
  d::part_ref seen_ref;                    // the filter file: its length and checksum
  std::shared_ptr<d::store_map> seen_map;  // read_state: the filter file, mapped
  std::string_view seen;                   // read_state: its words
  std::vector<std::uint64_t> added;        // sorted message hashes read since the filter was made
  std::string prices_key;  // what decided `book`
  price_book book;         // every model of the kept records
};

// Hash of the (at most 64) bytes before `end`: a rewritten file is not a grown one.
inline std::optional<std::uint64_t> tail_hash(int fd, std::uint64_t end) {
  char buf[tail_bytes];
  const std::uint64_t from = end > tail_bytes ? end - tail_bytes : 0;
  const auto want = static_cast<std::size_t>(end - from);
  std::size_t got = 0;
  while (got < want) {
    const ssize_t n = ::pread(fd, buf + got, want - got, static_cast<off_t>(from + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  if (want > 0 && buf[want - 1] != '\n') return std::nullopt;  // not a line start
  return d::fnv(std::string_view(buf, want)) ^ want;
}

inline void put_double(d::encoder& e, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, 8);
  e.u64(bits);
}
inline double get_double(d::decoder& in) {
  const std::uint64_t bits = in.u64();
  double v;
  std::memcpy(&v, &bits, 8);
  return v;
}
inline void put_rates(d::encoder& e, const rates& r) {
  for (const double v : {r.input, r.output, r.cache_write_5m, r.cache_write_1h, r.cache_read}) put_double(e, v);
}
inline rates get_rates(d::decoder& in) {
  rates r;
  for (double* v : {&r.input, &r.output, &r.cache_write_5m, &r.cache_write_1h, &r.cache_read}) *v = get_double(in);
  return r;
}

// Only what pricing a record reads: the periods and the tier multipliers.
inline void put_book(d::encoder& e, const price_book& book) {
  e.u64(book.entries().size());
  for (const auto& entry : book.entries()) {
    e.str(entry->model.view());
    e.u8(entry->price ? 1 : 0);
    if (!entry->price) continue;
    const model_price& p = *entry->price;
    e.u64(p.periods.size());
    for (const auto& period : p.periods) {
      e.u8(static_cast<std::uint8_t>(period.when));
      e.i64(period.from_ms), e.i64(period.day_from_s), e.i64(period.day_to_s);
      put_rates(e, period.base);
      e.u64(period.steps.size());
      for (const auto& step : period.steps) e.u64(step.above_tokens), put_rates(e, step.at);
    }
    put_double(e, p.tiers.fast), put_double(e, p.tiers.priority), put_double(e, p.tiers.flex);
  }
}

inline bool get_book(d::decoder& in, price_book& book) {
  const std::uint64_t n = in.u64();
  for (std::uint64_t i = 0; i < n && !in.failed(); ++i) {
    const istr model(in.str());
    const std::uint8_t priced = in.u8();
    if (priced > 1 || in.failed() || book.knows(model)) return false;
    if (priced == 0) {
      book.add(model, std::nullopt);
      continue;
    }
    model_price p;
    p.model = std::string(model.view());
    const std::uint64_t periods = in.u64();
    if (periods == 0 || periods > 64) return false;
    for (std::uint64_t k = 0; k < periods && !in.failed(); ++k) {
      price_period period;
      const std::uint8_t when = in.u8();
      if (when > static_cast<std::uint8_t>(price_period::applies::time_of_day)) return false;
      period.when = static_cast<price_period::applies>(when);
      period.from_ms = in.i64();
      period.day_from_s = static_cast<std::int32_t>(in.i64()), period.day_to_s = static_cast<std::int32_t>(in.i64());
      period.base = get_rates(in);
      const std::uint64_t steps = in.u64();
      if (steps > 64) return false;
      for (std::uint64_t j = 0; j < steps && !in.failed(); ++j) {
        price_step step;
        step.above_tokens = in.u64();
        step.at = get_rates(in);
        period.steps.push_back(step);
      }
      p.periods.push_back(std::move(period));
    }
    p.tiers.fast = get_double(in), p.tiers.priority = get_double(in), p.tiers.flex = get_double(in);
    if (in.failed()) return false;
    book.add(model, std::move(p));
  }
  return !in.failed();
}

inline void put_anchor(d::encoder& e, const std::optional<block_anchor>& a) {
  e.u8(a ? 1 : 0);
  e.i64(a ? a->start_ms : 0), e.i64(a ? a->end_ms : 0);
}

// The state in `bytes`, or nullopt unless they are a whole state.
inline std::optional<state> decode_state(std::string bytes) {
  state s;
  s.bytes = std::move(bytes);
  const std::string_view all(s.bytes);
  if (all.size() < state_magic.size() + 8 || all.substr(0, state_magic.size()) != state_magic) return std::nullopt;
  std::uint64_t sum;
  std::memcpy(&sum, all.data() + all.size() - 8, 8);
  if (d::checksum(all.substr(0, all.size() - 8)) != sum) return std::nullopt;
  d::decoder in(all.substr(state_magic.size(), all.size() - 8 - state_magic.size()));
  if (in.u64() != state_format) return std::nullopt;
  s.logs_read_ms = in.i64(), s.block_cut_ms = in.i64();
  const std::uint8_t anchored = in.u8();
  const std::int64_t anchor_start = in.i64(), anchor_end = in.i64();
  if (anchored > 1) return std::nullopt;
  if (anchored == 1) s.anchor = block_anchor{source::claude, anchor_start, anchor_end};
  s.session = in.str();
  auto& t = s.transcript;
  t.given = in.str(), t.walk = in.str();
  t.dev = in.u64(), t.ino = in.u64(), t.consumed = in.u64(), t.tail = in.u64();
  const std::string_view snapshot = in.str();
  s.seen_ref = d::decode_ref(in);
  const std::uint64_t added = in.u64();
  if (in.failed() || added > all.size() / 8) return std::nullopt;
  for (std::uint64_t i = 0; i < added; ++i) s.added.push_back(in.u64());
  if (!std::is_sorted(s.added.begin(), s.added.end())) return std::nullopt;
  s.prices_key = in.str();
  if (!get_book(in, s.book)) return std::nullopt;
  if (in.failed() || !in.at_end() || !d::decode_snapshot(snapshot, source::claude, s.snapshot, 64))
    return std::nullopt;
  return s;
}

inline std::optional<state> read_state(const std::filesystem::path& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  std::string bytes;
  try {
    bytes = fs::read_file(file, state_read_limit);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto s = decode_state(std::move(bytes));
  if (!s) return std::nullopt;
  s->file_ino = st.st_ino;
  // Mapped, not read: a call touches a few of its pages.
  s->seen_map = d::store_map::open(filter_file_of(file));
  const auto words = s->seen_map->part(s->seen_ref);
  if (!words || s->seen_ref.offset != 0 || !message_filter::well_formed(*words)) return std::nullopt;
  s->seen = *words;
  return s;
}

inline std::string encode_state(const state& s) {
  d::encoder e;
  e.raw(state_magic);
  e.u64(state_format);
  e.i64(s.logs_read_ms), e.i64(s.block_cut_ms);
  put_anchor(e, s.anchor);
  e.str(s.session);
  const auto& t = s.transcript;
  e.str(t.given), e.str(t.walk);
  e.u64(t.dev), e.u64(t.ino), e.u64(t.consumed), e.u64(t.tail);
  e.str(d::encode_snapshot(s.snapshot.records, 0, {}));
  d::encode_ref(e, s.seen_ref);
  e.u64(s.added.size());
  for (const std::uint64_t h : s.added) e.u64(h);
  e.str(s.prices_key);
  put_book(e, s.book);
  const std::uint64_t sum = d::checksum(e.buffer());
  e.raw(std::string_view(reinterpret_cast<const char*>(&sum), 8));
  return std::move(e.buffer());
}

// Written whole or not at all; a failure leaves the old state (or none).
inline void write_state(const std::filesystem::path& file, const state& s) {
  fs::ensure_dir(file.parent_path(), 0700);
  fs::write_file_atomic(file, encode_state(s), 0600, fs::durability::process_safe);
}

// The transcript as the walk found it, read up to a line end; nullopt when
// it ends inside a line (no state then: docs/usage-statusline.md, "Speed").
inline std::optional<transcript_mark> mark_transcript(const discovered_logs& logs, const std::string& given) {
  transcript_mark t;
  t.given = given;
  struct stat st{};
  if (given.empty() || ::stat(given.c_str(), &st) != 0) return t;
  const auto found = find_claude_log(logs, st.st_dev, st.st_ino);
  if (!found) return t;
  fs::unique_fd fd(::open(found->path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) return t;
  const auto tail = tail_hash(fd.get(), found->size);
  if (!tail) return std::nullopt;
  t.walk = found->path, t.dev = st.st_dev, t.ino = st.st_ino, t.consumed = found->size, t.tail = *tail;
  return t;
}

// The records the line can still need, in time order: this session's, and
// those from the latest block's start or today's, whichever is earlier.
inline std::vector<record> kept_records(const std::vector<record>& records, std::string_view session,
                                        std::int64_t cut) {
  std::vector<const record*> claude;
  for (const auto& r : records)
    if (r.src == source::claude && (r.timestamp_ms >= cut || (!session.empty() && r.session_id == session)))
      claude.push_back(&r);
  std::stable_sort(claude.begin(), claude.end(),
                   [](const record* a, const record* b) { return a->timestamp_ms < b->timestamp_ms; });
  std::vector<record> kept;
  kept.reserve(claude.size());
  for (const record* r : claude) kept.push_back(*r);
  return kept;
}

// Merges the transcript's lines after the state's offset onto its records,
// false unless that gives exactly what reading every log would.
inline bool take_new_lines(state& s) {
  auto& t = s.transcript;
  fs::unique_fd fd(::open(t.walk.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st{};
  if (!fd || ::fstat(fd.get(), &st) != 0) return false;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (st.st_dev != t.dev || st.st_ino != t.ino || size < t.consumed || tail_hash(fd.get(), t.consumed) != t.tail)
    return false;
  if (size == t.consumed) return true;
  claude::file_result part;
  claude::file_parser parser(part);
  std::string buffer;
  std::uint64_t oversized = 0;
  const auto end = d::read_lines(fd.get(), t.walk, {t.consumed, size}, buffer, oversized,
                                 [&](std::string_view text, std::uint64_t at) { parser.parse(text, at); });
  std::vector<claude::file_input> added{claude::file_input{t.walk, &part, false, ""}};
  // A message seen before (a copy, a later line of it, a replay) needs the
  // full merge's choice among all copies.
  const auto piece = claude::merge_onto(s.snapshot, std::move(added), 0);
  if (!piece) return false;
  for (const std::uint64_t h : piece->hashes)
    if (message_filter::maybe_contains(s.seen, h) || std::binary_search(s.added.begin(), s.added.end(), h))
      return false;
  for (const record& r : piece->records)
    if (r.timestamp_ms < s.block_cut_ms) return false;
  const std::size_t before = s.added.size();
  s.added.insert(s.added.end(), piece->hashes.begin(), piece->hashes.end());
  std::inplace_merge(s.added.begin(), s.added.begin() + static_cast<std::ptrdiff_t>(before), s.added.end());
  const auto tail = tail_hash(fd.get(), end);
  if (!tail) return false;
  t.consumed = end, t.tail = *tail;
  return true;
}

}  // namespace okstra::token_usage::detail_statusline

namespace okstra::token_usage {

OKSTRA_INLINE statusline_facts statusline_from_logs(const collect_options& options, const statusline_input& in,
                                                    const statusline_context& context,
                                                    const std::filesystem::path& state_file) {
  namespace s = detail_statusline;
  collect_options o = options;
  o.claude_message_hashes = !state_file.empty();
  cache_preloader preloaded(o);
  auto logs = discover_logs(o);
  detail::trace("find and stat logs");
  std::optional<s::transcript_mark> mark;
  if (!state_file.empty()) mark = s::mark_transcript(logs, in.transcript_path);
  const auto collected = collect(o, std::move(logs), preloaded);
  detail::trace("collect");
  s::state st;
  st.book = s::book_for(collected.records, context.prices());
  const auto c = s::compute(collected.records, std::numeric_limits<std::int64_t>::min(), st.book, in, context.zone,
                            context.now_ms, context.limits);
  detail::trace("compute");
  if (!mark) return c.facts;
  st.prices_key = context.prices_key;
  st.logs_read_ms = context.now_ms;
  st.block_cut_ms = c.last_block_start_ms.value_or(std::numeric_limits<std::int64_t>::min());
  st.anchor = c.anchor;
  st.session = in.session_id;
  st.transcript = std::move(*mark);
  const std::int64_t day_start = s::day_start_of(context.zone, context.now_ms);
  st.snapshot.records = s::kept_records(collected.records, in.session_id, std::min(st.block_cut_ms, day_start));
  s::message_filter seen(collected.claude_message_hashes.size() + 4096);
  for (const std::uint64_t h : collected.claude_message_hashes) seen.add(h);
  // The filter first: a state never names a filter file that is not there.
  fs::ensure_dir(state_file.parent_path(), 0700);
  fs::write_file_atomic(s::filter_file_of(state_file), seen.bytes(), 0600, fs::durability::process_safe);
  st.seen_ref = {0, seen.bytes().size(), detail::checksum(seen.bytes())};
  s::write_state(state_file, st);
  detail::trace("write the statusline state");
  return c.facts;
}

OKSTRA_INLINE std::optional<statusline_from_state_result> statusline_from_state(
    const std::filesystem::path& state_file, const statusline_input& in, const statusline_context& context) {
  namespace s = detail_statusline;
  auto st = s::read_state(state_file);
  if (!st || st->session != in.session_id || st->transcript.given != in.transcript_path ||
      context.now_ms < st->logs_read_ms)
    return std::nullopt;
  detail::trace("read the statusline state");
  if (detail::tracing())
    detail::trace_note("statusline state: " + std::to_string(st->snapshot.records.size()) + " records, " +
                       std::to_string(st->bytes.size()) + " bytes");
  const std::uint64_t consumed = st->transcript.consumed;
  if ((st->transcript.dev != 0 || st->transcript.ino != 0) && !s::take_new_lines(*st)) return std::nullopt;
  detail::trace("read the transcript's new lines");
  // Prices decided otherwise than when the state was made: price every kept
  // record again (docs/usage-statusline.md, "Speed").
  bool book_changed = false;
  if (context.prices_key.empty() || st->prices_key != context.prices_key) {
    st->book = s::book_for(st->snapshot.records, context.prices());
    st->prices_key = context.prices_key;
    book_changed = true;
  }
  for (const auto& r : st->snapshot.records)
    if (!st->book.knows(r.model)) st->book.learn(context.prices(), r.model), book_changed = true;
  const auto c = s::compute(st->snapshot.records, st->block_cut_ms, st->book, in, context.zone, context.now_ms,
                            context.limits);
  detail::trace("compute");
  // Another anchor can cut the blocks before the kept records differently.
  const auto same = [](const std::optional<block_anchor>& a, const std::optional<block_anchor>& b) {
    return a.has_value() == b.has_value() && (!a || (a->start_ms == b->start_ms && a->end_ms == b->end_ms));
  };
  if (!same(c.anchor, st->anchor)) return std::nullopt;
  struct stat now_there{};
  if ((st->transcript.consumed != consumed || book_changed) && ::stat(state_file.c_str(), &now_there) == 0 &&
      now_there.st_ino == st->file_ino) {
    try {
      s::write_state(state_file, *st);
    } catch (const std::exception&) {
      // Not kept: the next call reads the same lines again.
    }
    detail::trace("write the statusline state");
  }
  return statusline_from_state_result{c.facts, st->logs_read_ms};
}

}  // namespace okstra::token_usage
