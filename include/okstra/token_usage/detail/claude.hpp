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
// - Ties are broken by (file path, byte offset), smallest first, so the
//   result never depends on the order in which files were read.
#pragma once

#include <algorithm>
#include <cstring>
#include <cstdint>
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
};
static_assert(std::is_trivially_copyable_v<entry>);

// What one file yielded: the best copy of each identity within the file.
struct file_result {
  std::string blob;  // all strings of the entries
  std::vector<entry> entries;
  std::uint64_t consumed = 0;       // bytes of complete lines parsed
  std::uint64_t skipped_lines = 0;  // malformed usage lines (+ a truncated tail at EOF)

  std::string_view str(sref r) const noexcept { return std::string_view(blob).substr(r.off, r.len); }

  void encode(detail::encoder& e) const;
  static file_result decode(detail::decoder& d);
};

namespace detail_impl {

using detail::fnv;

// Appends strings to a file's blob, reusing the last copy of a repeated value.
class blob_writer {
 public:
  explicit blob_writer(std::string& blob) : blob_(blob) {}
  sref put(std::string_view s) {
    if (s.empty()) return {};
    for (const auto& recent : recent_)
      if (recent.len == s.size() && std::string_view(blob_).substr(recent.off, recent.len) == s) return recent;
    const sref r{static_cast<std::uint32_t>(blob_.size()), static_cast<std::uint32_t>(s.size())};
    blob_.append(s);
    recent_[next_++ % recent_.size()] = r;
    return r;
  }

 private:
  std::string& blob_;
  std::array<sref, 8> recent_{};
  std::size_t next_ = 0;
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
    e.sidechain = u_.is_sidechain;
    e.message_id = blob_.put(u_.message_id);
    e.request_id = blob_.put(u_.request_id);
    e.model = blob_.put(u_.model);
    e.session = blob_.put(u_.session_id);
    e.project = blob_.put(u_.cwd);
    e.team = blob_.put(u_.team_name);
    e.agent_name = blob_.put(u_.agent_name);
    e.agent_id = blob_.put(u_.agent_id);
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
    if (old.sidechain && !e.sidechain) old = e;
    else if (old.sidechain == e.sidechain && better_copy(e.usage, e.offset, old.usage, old.offset)) old = e;
  }

  file_result& out_;
  detail_impl::blob_writer blob_;
  std::unordered_map<std::uint64_t, std::size_t> index_;
  transcript::usage_line u_;
  std::string arena_;
};

// ---- cache encoding ---------------------------------------------------------

// Entries are written as raw bytes (the cache is local to this machine and
// build; its format carries sizeof(entry)): encoding and decoding cost a copy.
inline void file_result::encode(detail::encoder& e) const {
  e.str(blob);
  e.u64(consumed);
  e.u64(skipped_lines);
  e.u64(sizeof(entry));
  e.str(std::string_view(reinterpret_cast<const char*>(entries.data()), entries.size() * sizeof(entry)));
}

inline file_result file_result::decode(detail::decoder& d) {
  file_result r;
  r.blob = std::string(d.str());
  r.consumed = d.u64();
  r.skipped_lines = d.u64();
  const std::uint64_t size = d.u64();
  const std::string_view raw = d.str();
  if (d.failed() || size != sizeof(entry) || raw.size() % sizeof(entry) != 0) {
    d.mark_failed();
    return file_result{};
  }
  r.entries.resize(raw.size() / sizeof(entry));
  if (!raw.empty()) std::memcpy(static_cast<void*>(r.entries.data()), raw.data(), raw.size());
  for (const entry& x : r.entries) {
    bool ok = x.sidechain <= 1;
    for (const sref s : {x.message_id, x.request_id, x.model, x.session, x.project, x.team, x.agent_name, x.agent_id})
      ok = ok && std::uint64_t{s.off} + s.len <= r.blob.size();
    if (!ok) {
      d.mark_failed();
      return file_result{};
    }
  }
  return r;
}

}  // namespace okstra::token_usage::claude

#include "okstra/token_usage/detail/claude_merge.hpp"
