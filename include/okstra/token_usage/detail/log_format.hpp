// okstra/token_usage/detail/log_format.hpp — the one parser skeleton of the
// line-based agent logs (Codex rollouts, Gemini chats, the Cursor hook log).
//
// A log format is a small struct (the `log_format` concept below) that says
// only what differs between the agents: its name and source, how one line
// changes a file's result (with per-call scratch state, e.g. an id index),
// and the body of its cached result. What they share is here, once:
// - parse_more<F>: the JSONL line loop (core/jsonl.hpp), resumable from
//   `consumed`, malformed lines counted in `skipped_lines`; no allocation
//   beyond what F::parse_line itself does.
// - encode<F>/decode<F>: the cache blob's tag and layout bytes, the body,
//   then skipped_lines and consumed; a blob with the wrong tag or layout,
//   or a forged list count, leaves the decoder failed.
// - merge helpers: files as (path, result) pairs, null results ignored,
//   skipped lines summed, and the rule that picks one copy of a duplicate.
// Claude is not a log_format: its files are read in byte ranges and merged
// through snapshots (claude.hpp, read_claude.hpp; docs/architecture.md).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/core/jsonl.hpp"
#include "okstra/core/scan.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/record.hpp"

// Field helpers the formats share: core/jsonl.hpp's, plus token counts.
namespace okstra::token_usage::detail::jsonl_scan {

using okstra::jsonl::object_at;
using okstra::jsonl::string_at;
using okstra::jsonl::time_at;
using okstra::scan::contains;  // the SIMD search of core/scan.hpp

// A token count: absent or null is 0; an integer in [0, max_count] is
// itself; anything else (negative, fractional, too big, another type) sets
// `bad` and the caller skips the line (docs/usage.md, "Counts that do not fit").
inline std::uint64_t count(const json::value* v, bool& bad) noexcept {
  if (!v || v->IsNull()) return 0;
  if (v->IsUint64() && v->GetUint64() <= max_count) return v->GetUint64();
  bad = true;
  return 0;
}
inline std::uint64_t count(const json::value& object, std::string_view key, bool& bad) noexcept {
  return count(json::find(object, key), bad);
}

inline std::uint64_t clamp_sub(std::uint64_t a, std::uint64_t b) noexcept { return a > b ? a - b : 0; }

// The decoder has no public way to fail; running it past its end does.
// Used when a cached blob carries the wrong tag.
inline void force_fail(decoder& d) {
  while (!d.at_end()) d.u8();
  d.u8();
}

// "rollout-2025-05-07T17-24-21-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl" →
// the UUID; "" when the file name does not end in one.
inline std::string uuid_in_file_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.find('.');
  if (dot != std::string_view::npos) name = name.substr(0, dot);
  if (name.size() < 36) return {};
  const std::string_view id = name.substr(name.size() - 36);
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return {};
  }
  return std::string(id);
}

// The file name without folder and extensions, to key a session without an id.
inline std::string file_stem(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.find('.');
  return std::string(dot == std::string_view::npos ? name : name.substr(0, dot));
}

}  // namespace okstra::token_usage::detail::jsonl_scan

namespace okstra::token_usage::detail {

// What a line-based format supplies; see the top of this file.
template <class F>
concept log_format = requires(typename F::file_result& r, const typename F::file_result& cr,
                              typename F::scratch& s, std::string_view line, encoder& e, decoder& d) {
  { F::name } -> std::convertible_to<std::string_view>;
  { F::src } -> std::convertible_to<source>;
  { F::cache_tag } -> std::convertible_to<std::uint8_t>;
  { F::cache_layout } -> std::convertible_to<std::uint8_t>;
  { F::scratch_for(r) } -> std::same_as<typename F::scratch>;
  { F::parse_line(r, s, line) } -> std::same_as<bool>;  // false: the line counts as skipped
  F::encode_body(cr, e);
  F::decode_body(d, r);
  { r.skipped_lines } -> std::convertible_to<std::uint64_t>;
  { r.consumed } -> std::convertible_to<std::uint64_t>;
};

// Parses the complete lines of `bytes` (the file from offset r.consumed on),
// continuing from r. Never throws for bad input.
template <log_format F>
void parse_more(typename F::file_result& r, std::string_view bytes) {
  typename F::scratch s = F::scratch_for(r);
  r.consumed += jsonl::for_each_record(bytes, r.skipped_lines, [&](std::string_view line) { return F::parse_line(r, s, line); });
}

template <log_format F>
typename F::file_result parse_all(std::string_view bytes) {
  typename F::file_result r;
  parse_more<F>(r, bytes);
  return r;
}

template <log_format F>
void encode(const typename F::file_result& r, encoder& out) {
  out.u8(F::cache_tag), out.u8(F::cache_layout);
  F::encode_body(r, out);
  out.u64(r.skipped_lines), out.u64(r.consumed);
}

template <log_format F>
typename F::file_result decode(decoder& in) {
  typename F::file_result r;
  if (in.u8() != F::cache_tag || in.u8() != F::cache_layout) {
    jsonl_scan::force_fail(in);
    return r;
  }
  F::decode_body(in, r);
  r.skipped_lines = in.u64(), r.consumed = in.u64();
  return r;
}

// The base of every format's file_result: how far the file was consumed,
// its skipped lines, and the cache methods file_result::encode(out) and
// file_result::decode(in), framed as above.
template <class Format>
struct parsed_file {
  std::uint64_t skipped_lines = 0;
  std::uint64_t consumed = 0;  // bytes of complete lines: a grown file resumes here

  void encode(encoder& out) const {
    detail::encode<Format>(static_cast<const typename Format::file_result&>(*this), out);
  }
  static auto decode(decoder& in) { return detail::decode<Format>(in); }
  friend bool operator==(const parsed_file&, const parsed_file&) = default;
};

// A counted list of a cache blob. Each item takes at least one byte, so a
// forged count ends at the input's end instead of allocating for it.
template <class T, class Write>
void encode_list(encoder& out, const std::vector<T>& items, Write&& write) {
  out.u64(items.size());
  for (const T& item : items) write(item);
}
template <class T, class Read>
void decode_list(decoder& in, std::vector<T>& items, Read&& read) {
  const std::uint64_t n = in.u64();
  for (std::uint64_t i = 0; i < n && !in.failed(); ++i) items.push_back(read());
}

// ---- merge -------------------------------------------------------------------

template <class Result>
using file_ref_of = std::pair<std::string, const Result*>;  // path, parse result

// What every format's merge returns; a format adds its own counts.
struct merged {
  std::vector<record> records;
  std::uint64_t skipped_lines = 0;  // summed over every file given
};

// Calls visit(file) for every file with a result; returns their skipped lines.
template <class Result, class Visit>
std::uint64_t for_each_parsed(const std::vector<file_ref_of<Result>>& files, Visit&& visit) {
  std::uint64_t skipped = 0;
  for (const auto& f : files) {
    if (!f.second) continue;
    skipped += f.second->skipped_lines;
    visit(f);
  }
  return skipped;
}

// Of two copies of one message or generation, the one with the larger
// normalised total counts, then the one from the smaller path (docs/usage.md).
inline bool better_copy(std::uint64_t total, const std::string& path, std::uint64_t other_total,
                        const std::string& other_path) noexcept {
  return total > other_total || (total == other_total && path < other_path);
}

}  // namespace okstra::token_usage::detail
