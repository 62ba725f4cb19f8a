// The Codex, Gemini and Cursor sources behind one interface
// (detail::log_format, detail/log_format.hpp), so the collector treats them
// alike: parse a file (or its new tail), cache the result, merge all files
// of a source.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <variant>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/detail/codex.hpp"
#include "okstra/token_usage/detail/cursor.hpp"
#include "okstra/token_usage/detail/files.hpp"
#include "okstra/token_usage/detail/gemini.hpp"
#include "okstra/token_usage/detail/read_claude.hpp"

namespace okstra::token_usage::detail {

struct source_result {
  std::variant<std::monostate, codex::file_result, gemini::file_result, cursor::file_result> value;

  std::uint64_t consumed() const {
    return std::visit([](const auto& r) -> std::uint64_t {
      if constexpr (std::is_same_v<std::decay_t<decltype(r)>, std::monostate>) return 0;
      else return r.consumed;
    }, value);
  }
};

// A Gemini .json document is rewritten whole by its CLI: never resumed.
inline bool resumable(source s) noexcept { return s != source::gemini; }
inline bool is_gemini_document(const log_file& f) { return f.src == source::gemini && f.path.ends_with(".json"); }

inline std::string encode_source_result(const source_result& r) {
  encoder e;
  std::visit([&](const auto& x) {
    if constexpr (!std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) x.encode(e);
  }, r.value);
  return std::move(e.buffer());
}

// Calls fn(F{}) with the log format of source `s`; false for Claude, which
// is not one (docs/architecture.md, "token_usage").
template <class Fn>
bool with_log_format(source s, Fn&& fn) {
  switch (s) {
    case source::codex: fn(codex::format{}); return true;
    case source::gemini: fn(gemini::format{}); return true;
    case source::cursor: fn(cursor::format{}); return true;
    case source::claude: break;
  }
  return false;
}

inline bool decode_source_result(source s, std::string_view payload, source_result& out) {
  decoder d(payload);
  if (!with_log_format(s, [&](auto format) { out.value = decode<decltype(format)>(d); })) return false;
  return !d.failed() && d.at_end();
}

template <log_format F>
void parse_lines(const log_file& f, int fd, byte_range range, std::string& buffer, source_result& out) {
  using result = typename F::file_result;
  if (!std::holds_alternative<result>(out.value)) out.value = result{};
  auto& r = std::get<result>(out.value);
  r.consumed = range.begin;
  std::uint64_t oversized = 0;
  read_lines(fd, f.path, range, buffer, oversized, [&](std::string_view text, std::uint64_t) { parse_more<F>(r, text); });
  r.skipped_lines += oversized;
}

// Reads [range.begin, range.end) and continues the file's result from there;
// line-based logs go through the caller's reused buffer in blocks.
inline void parse_source_file(const log_file& f, int fd, byte_range range, std::string& buffer, source_result& out) {
  if (is_gemini_document(f)) {  // one JSON document: needs all of it
    std::string bytes;
    bytes.resize(static_cast<std::size_t>(range.end));
    std::size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n = ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw io_error("read", f.path);
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    out.value = gemini::parse_document(bytes);
    return;
  }
  with_log_format(f.src, [&](auto format) { parse_lines<decltype(format)>(f, fd, range, buffer, out); });
}

}  // namespace okstra::token_usage::detail
