// Claude Code usage: per-file extraction and the global de-duplication.
//
// Decisions (docs/usage.md repeats them):
// - A usage line is an assistant line with message.usage, not an API-error
//   notice, not the "<synthetic>" model (transcript::read_usage_line).
// - Identity of a request: message.id + requestId, or message.id alone when
//   requestId is missing. Claude Code writes one line per content block and
//   repeats the usage, and streaming copies can carry a smaller output count
//   first: of all copies of one identity the one with the largest total wins.
// - A sidechain line whose message.id also occurs on a non-sidechain line
//   anywhere is a replay of the parent's message and is dropped.
// - A line with no message.id cannot be matched with its copies; it is
//   counted on its own (docs/usage.md: "lines without an id").
// - Service tier: message.usage.speed "fast" is Claude Code's fast mode;
//   any other value, null or no speed is standard. The copies of one request
//   should agree, but a copy may lack the field: the request is fast when any
//   of its counted copies says fast, whichever copy wins on tokens
//   (merged_tier; docs/usage.md, "Service tiers in the logs").
// - Ties are broken by (file path, byte offset), smallest first, so the
//   result never depends on the order in which files were read.
#pragma once

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/record.hpp"
#include "okstra/transcript/transcript.hpp"

namespace okstra::token_usage::claude {

// A slice of a file's string blob.
struct sref {
  std::uint32_t off = 0, len = 0;
};

struct entry {
  std::uint64_t offset = 0;  // byte offset of the line in its file
  std::int64_t timestamp_ms = 0;
  tokens usage;
  sref message_id, request_id, model, session, project, team, agent_name, agent_id;
  std::uint8_t sidechain = 0;  // a byte, not bool: entries are cached as raw bytes
  std::uint8_t tier = 0;       // a service_tier, as a byte for the same reason (in the padding: no growth)
};
static_assert(std::is_trivially_copyable_v<entry>);

// What one file yielded: the best copy of each identity within the file.
struct file_result {
  std::string blob;  // all strings of the entries
  std::vector<entry> entries;
  std::uint64_t consumed = 0;       // bytes of complete lines parsed
  std::uint64_t skipped_lines = 0;  // malformed usage lines (+ a truncated tail at EOF)

  std::string_view str(sref r) const noexcept { return std::string_view(blob).substr(r.off, r.len); }
};

// A read-only view of one file part's entries: owned by a file_result, or
// lying in the cache's mapped store.
struct part_view {
  std::string_view blob;
  std::span<const entry> entries;

  part_view() = default;
  part_view(const file_result* r) : blob(r->blob), entries(r->entries) {}  // NOLINT: implicit on purpose
  part_view(std::string_view b, std::span<const entry> e) : blob(b), entries(e) {}
  std::string_view str(sref r) const noexcept { return blob.substr(r.off, r.len); }
};

namespace detail_impl {

using detail::fnv;

// Appends strings to a file's blob. Each field keeps its own last value, so
// a session id, model or folder is stored once per run of equal values (and
// the merge interns it once); message and request ids are unique anyway.
class blob_writer {
 public:
  enum field { model, session, project, team, agent_name, agent_id, fields };

  explicit blob_writer(std::string& blob) : blob_(blob) {}
  sref put(std::string_view s) {
    if (s.empty()) return {};
    const sref r{static_cast<std::uint32_t>(blob_.size()), static_cast<std::uint32_t>(s.size())};
    blob_.append(s);
    return r;
  }
  sref put(field f, std::string_view s) {
    if (s.empty()) return {};
    sref& last = last_[f];
    if (last.len == s.size() && std::string_view(blob_).substr(last.off, last.len) == s) return last;
    last = put(s);
    return last;
  }

 private:
  std::string& blob_;
  std::array<sref, fields> last_{};
};

inline tokens normalise(const transcript::usage_line& u) noexcept {
  tokens t;
  t.input = u.input;
  t.output = u.output;
  t.cache_read = u.cache_read;
  if (u.has_cache_split && (u.cache_5m || u.cache_1h)) {
    t.cache_write_5m = u.cache_5m;
    t.cache_write_1h = u.cache_1h;
    // Older clients report a total larger than the split: the rest was 5m.
    if (u.cache_creation > u.cache_5m + u.cache_1h) t.cache_write_5m += u.cache_creation - u.cache_5m - u.cache_1h;
  } else {
    t.cache_write_5m = u.cache_creation;
  }
  return t;
}

}  // namespace detail_impl

// The tier of a request from the tiers of two of its copies. A Claude entry
// is standard or fast, so this is "fast when either copy says fast"; the
// maximum keeps it independent of the order in which copies are met.
inline std::uint8_t merged_tier(std::uint8_t a, std::uint8_t b) noexcept { return a > b ? a : b; }

inline std::uint8_t tier_of_speed(std::string_view speed) noexcept {
  return static_cast<std::uint8_t>(speed == "fast" ? service_tier::fast : service_tier::standard);
}

// True when copy `a` beats copy `b` of the same identity (same file).
inline bool better_copy(const tokens& a, std::uint64_t a_offset, const tokens& b, std::uint64_t b_offset) noexcept {
  if (a.total() != b.total()) return a.total() > b.total();
  if (a.output != b.output) return a.output > b.output;
  return a_offset < b_offset;
}

// Parses the complete lines of `text`, which starts at byte `base` of the
// file; the per-file best copy of each identity is kept in `into`.
class file_parser {
 public:
  explicit file_parser(file_result& into) : out_(into), blob_(into.blob) {
    for (std::size_t i = 0; i < out_.entries.size(); ++i) index_.emplace(identity(out_.entries[i]), i);
  }

  void parse(std::string_view text, std::uint64_t base) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t hit = scan::find(text.substr(pos), transcript::usage_needle);
      if (hit == scan::npos) break;
      const std::string_view line = scan::line_around(text, pos + hit);
      const std::size_t line_start = static_cast<std::size_t>(line.data() - text.data());
      take_line(line, base + line_start);
      pos = line_start + line.size() + 1;
    }
  }

 private:
  std::uint64_t identity(const entry& e) const {
    if (e.message_id.len == 0) return detail_impl::fnv(std::to_string(e.offset), 7);
    return detail_impl::fnv(out_.str(e.request_id), detail_impl::fnv(out_.str(e.message_id)) ^ 0x9E37);
  }

  void take_line(std::string_view line, std::uint64_t offset) {
    const auto status = transcript::read_usage_line(line, u_, arena_);
    if (status == transcript::line_status::malformed) {
      ++out_.skipped_lines;
      return;
    }
    if (status != transcript::line_status::usage) return;
    const auto ts = time::parse_iso8601(u_.timestamp);
    if (!ts) {
      ++out_.skipped_lines;
      return;
    }
    entry e;
    e.offset = offset;
    e.timestamp_ms = *ts;
    e.usage = detail_impl::normalise(u_);
    if (!fits(e.usage)) {  // its total would not fit: docs/usage.md, "Counts that do not fit"
      ++out_.skipped_lines;
      return;
    }
    e.sidechain = u_.is_sidechain;
    e.tier = tier_of_speed(u_.speed);
    e.message_id = blob_.put(u_.message_id);
    e.request_id = blob_.put(u_.request_id);
    using field = detail_impl::blob_writer::field;
    e.model = blob_.put(field::model, u_.model);
    e.session = blob_.put(field::session, u_.session_id);
    e.project = blob_.put(field::project, u_.cwd);
    e.team = blob_.put(field::team, u_.team_name);
    e.agent_name = blob_.put(field::agent_name, u_.agent_name);
    e.agent_id = blob_.put(field::agent_id, u_.agent_id);
    keep(e);
  }

  void keep(const entry& e) {
    const std::uint64_t id = identity(e);
    auto [it, inserted] = index_.emplace(id, out_.entries.size());
    if (inserted) {
      out_.entries.push_back(e);
      return;
    }
    entry& old = out_.entries[it->second];
    // A hash match must also be a real match of the identity strings; on a
    // collision keep both (the cross-file merge compares the strings).
    if (out_.str(old.message_id) != out_.str(e.message_id) || out_.str(old.request_id) != out_.str(e.request_id) ||
        e.message_id.len == 0) {
      out_.entries.push_back(e);
      return;
    }
    // A sidechain copy of a main-thread line is a replay (dropped across
    // files too), so its tier does not count; copies of equal standing do.
    if (old.sidechain && !e.sidechain) {
      old = e;
    } else if (old.sidechain == e.sidechain) {
      const std::uint8_t tier = merged_tier(old.tier, e.tier);
      if (better_copy(e.usage, e.offset, old.usage, old.offset)) old = e;
      old.tier = tier;
    }
  }

  file_result& out_;
  detail_impl::blob_writer blob_;
  std::unordered_map<std::uint64_t, std::size_t> index_;
  transcript::usage_line u_;
  std::string arena_;
};

// ---- cache encoding ---------------------------------------------------------

// A part as the cache's store holds it: five little-endian u64 (consumed,
// skipped lines, sizeof(entry), entry count, blob size), the entries as raw
// bytes, the blob. The cache is local to this machine and build (its format
// carries sizeof(entry)), so decoding is a check, not a copy: the entries are
// read where they lie, which needs `bytes` to start on an 8-byte boundary.
struct stored_part {
  part_view view;
  std::uint64_t consumed = 0, skipped_lines = 0;
};

inline std::string encode_part(const file_result& r) {
  const std::uint64_t head[5] = {r.consumed, r.skipped_lines, sizeof(entry), r.entries.size(), r.blob.size()};
  std::string out(sizeof head + r.entries.size() * sizeof(entry) + r.blob.size(), '\0');
  char* at = out.data();
  std::memcpy(at, head, sizeof head);
  at += sizeof head;
  if (!r.entries.empty()) std::memcpy(at, static_cast<const void*>(r.entries.data()), r.entries.size() * sizeof(entry));
  at += r.entries.size() * sizeof(entry);
  if (!r.blob.empty()) std::memcpy(at, r.blob.data(), r.blob.size());
  return out;
}

inline std::optional<stored_part> decode_part(std::string_view bytes) noexcept {
  std::uint64_t head[5];
  if (bytes.size() < sizeof head || reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(entry) != 0)
    return std::nullopt;
  std::memcpy(head, bytes.data(), sizeof head);
  const std::uint64_t room = bytes.size() - sizeof head;
  if (head[2] != sizeof(entry) || head[3] > room / sizeof(entry) || head[4] != room - head[3] * sizeof(entry))
    return std::nullopt;
  const auto* first = reinterpret_cast<const entry*>(bytes.data() + sizeof head);
  stored_part p;
  p.view = part_view(bytes.substr(sizeof head + head[3] * sizeof(entry)), std::span<const entry>(first, head[3]));
  p.consumed = head[0];
  p.skipped_lines = head[1];
  const std::uint64_t blob_size = p.view.blob.size();
  for (const entry& x : p.view.entries) {
    bool ok = x.sidechain <= 1 && x.tier <= static_cast<std::uint8_t>(service_tier::fast);
    for (const sref s : {x.message_id, x.request_id, x.model, x.session, x.project, x.team, x.agent_name, x.agent_id})
      ok = ok && std::uint64_t{s.off} + s.len <= blob_size;
    if (!ok) return std::nullopt;
  }
  return p;
}

}  // namespace okstra::token_usage::claude

#include "okstra/token_usage/detail/claude_merge.hpp"
