// Definitions of okstra/token_usage/archive_report.hpp. Include that header
// instead. What is kept, in <cache folder>/archive-share/:
// - index-<archive fingerprint>-<sources>.bin: the sorted identities of the
//   archived records of the enabled sources that can count (each with the
//   source of its first copy; archived_choice()), the message hashes of the
//   Claude Code ones that keep theirs, the days a live record must fall on
//   to share one, and the warnings reading the archive gave;
// - part-<key>.bin: a report's part over the archived records that are added
//   (report_part), with the identities that live records shared (excluded).
// Both end in a checksum; the 8 newest indexes and 32 newest parts are kept.
#pragma once

#include <algorithm>
#include <compare>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/core/sha256.hpp"
#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/report_cache.hpp"
#include "okstra/token_usage/detail/archive_collect.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/detail/report_impl.hpp"
#include "okstra/token_usage/detail/trace.hpp"

namespace okstra::token_usage {

namespace detail {

namespace archive_share {

struct identity_of_source {
  std::uint64_t identity = 0;
  source src = source::claude;
};

// A Claude Code archived record's message hash and identity; raw bytes in
// the kept index.
struct message_of_id {
  std::uint64_t message = 0;
  std::uint64_t id = 0;
  auto operator<=>(const message_of_id&) const = default;
};
static_assert(std::is_trivially_copyable_v<message_of_id> && sizeof(message_of_id) == 16);

struct index {
  std::vector<std::uint64_t> ids;       // sorted, distinct
  std::vector<std::uint8_t> sources;    // of each id's first copy
  // Claude Code records' message hashes and their ids, sorted by message.
  std::vector<message_of_id> messages;
  std::vector<std::int64_t> days;       // sorted: the archive's days and their neighbours
  std::array<std::uint64_t, 4> count{};  // ids by source
  std::vector<std::string> warnings;     // from reading the archive
};

// 2: records of one Claude Code message count once; the index keeps message hashes
inline constexpr std::string_view index_tag = "okstra-archive-index-2";
inline constexpr std::string_view part_tag = "okstra-archive-part-2";

inline void put_pico(encoder& e, pico_amount v) {
  e.u64(static_cast<std::uint64_t>(v));
  e.u64(static_cast<std::uint64_t>(v >> 64));
}

inline pico_amount get_pico(decoder& d) {
  const pico_amount low = d.u64();
  return low | (static_cast<pico_amount>(d.u64()) << 64);
}

// What archived_to_add() compares live records with, computed once.
inline index index_of(const collect_options& o, const archive_contents& contents) {
  index out;
  out.warnings = contents.warnings;
  out.days = archive_days(o, contents.records);
  for (const auto& [id, at] : archived_choice(o, contents.records)) {
    const record& r = contents.records[at].rec;
    out.ids.push_back(id);
    out.sources.push_back(static_cast<std::uint8_t>(r.src));
    out.count[static_cast<std::size_t>(r.src)] += 1;
    if (r.message_hash) out.messages.push_back({r.message_hash, id});
  }
  std::sort(out.messages.begin(), out.messages.end());
  return out;
}

// The identities and their sources as two raw arrays: decoding a year's
// index is two copies, not a loop over 80,000 varints.
inline std::string encode_index(const index& x) {
  encoder e;
  e.str(index_tag);
  e.u64(x.ids.size());
  e.raw(std::string_view(reinterpret_cast<const char*>(x.ids.data()), x.ids.size() * sizeof(std::uint64_t)));
  e.raw(std::string_view(reinterpret_cast<const char*>(x.sources.data()), x.sources.size()));
  e.u64(x.messages.size());  // pairs of raw u64, like the ids
  e.raw(std::string_view(reinterpret_cast<const char*>(x.messages.data()), x.messages.size() * sizeof(message_of_id)));
  e.u64(x.days.size());
  for (const std::int64_t d : x.days) e.i64(d);
  e.u64(x.warnings.size());
  for (const auto& w : x.warnings) e.str(w);
  return sealed(std::move(e.buffer()));
}

inline std::optional<index> decode_index(std::string_view bytes) {
  const auto body = unsealed(bytes);
  if (!body) return std::nullopt;
  decoder d(*body);
  if (d.str() != index_tag) return std::nullopt;
  index x;
  const std::uint64_t n = d.u64();
  if (d.failed() || n > body->size() / 9) return std::nullopt;
  const std::string_view ids = d.raw(n * sizeof(std::uint64_t));
  const std::string_view sources = d.raw(n);
  if (d.failed()) return std::nullopt;
  x.ids.resize(n);
  if (n > 0) std::memcpy(x.ids.data(), ids.data(), ids.size());
  x.sources.assign(sources.begin(), sources.end());
  for (auto& s : x.sources) {
    s &= 3;
    x.count[s] += 1;
  }
  if (!std::is_sorted(x.ids.begin(), x.ids.end())) return std::nullopt;  // binary searches rely on it
  const std::uint64_t messages = d.u64();
  if (d.failed() || messages > body->size() / 16) return std::nullopt;
  const std::string_view pairs = d.raw(messages * sizeof(message_of_id));
  if (d.failed()) return std::nullopt;
  x.messages.resize(messages);
  if (messages > 0) std::memcpy(x.messages.data(), pairs.data(), pairs.size());
  if (!std::is_sorted(x.messages.begin(), x.messages.end())) return std::nullopt;
  const std::uint64_t days = d.u64();
  if (d.failed() || days > body->size()) return std::nullopt;
  x.days.resize(days);
  for (auto& day : x.days) day = d.i64();
  const std::uint64_t warnings = d.u64();
  if (d.failed() || warnings > body->size()) return std::nullopt;
  for (std::uint64_t i = 0; i < warnings; ++i) x.warnings.emplace_back(d.str());
  if (d.failed() || !d.at_end() || !std::is_sorted(x.days.begin(), x.days.end())) return std::nullopt;
  return x;
}

// The archived identities that live records have too, or whose Claude Code
// message a live record has (theirs win), sorted.
inline std::vector<identity_of_source> shared_with(const index& x, const std::vector<record>& live) {
  const live_keys keys = live_keys_on(x.days, live);
  std::vector<std::uint64_t> taken = keys.identities;
  const std::vector<std::uint64_t>& taken_messages = keys.messages;
  if (!x.messages.empty())
    for (const std::uint64_t m : taken_messages) {
      const auto it = std::lower_bound(x.messages.begin(), x.messages.end(), message_of_id{m, 0});
      if (it != x.messages.end() && it->message == m) taken.push_back(it->id);  // one id per message
    }
  std::sort(taken.begin(), taken.end());
  taken.erase(std::unique(taken.begin(), taken.end()), taken.end());
  std::vector<identity_of_source> out;
  for (const std::uint64_t id : taken) {
    const auto it = std::lower_bound(x.ids.begin(), x.ids.end(), id);
    if (it != x.ids.end() && *it == id)
      out.push_back({id, static_cast<source>(x.sources[static_cast<std::size_t>(it - x.ids.begin())])});
  }
  return out;
}

}  // namespace archive_share

}  // namespace detail

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/archive_report_part.hpp"
