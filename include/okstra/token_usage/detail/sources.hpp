// The Codex, Gemini and Cursor sources behind one small interface, so the
// collector treats them alike: parse a file (or its new tail), cache the
// result, merge all files of a source.
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
inline bool is_gemini_document(const log_file& f) { return f.src == source::gemini && ends_with(f.path, ".json"); }

inline std::string encode_source_result(const source_result& r) {
  encoder e;
  std::visit([&](const auto& x) {
    if constexpr (!std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) x.encode(e);
  }, r.value);
  return std::move(e.buffer());
}

inline bool decode_source_result(source s, std::string_view payload, source_result& out) {
  decoder d(payload);
  switch (s) {
    case source::codex: out.value = codex::file_result::decode(d); break;
    case source::gemini: out.value = gemini::file_result::decode(d); break;
    case source::cursor: out.value = cursor::file_result::decode(d); break;
    case source::claude: return false;
  }
  return !d.failed() && d.at_end();
}

template <class Result, class ParseMore>
void parse_lines(const log_file& f, int fd, byte_range range, std::string& buffer, source_result& out,
                 ParseMore&& parse_more) {
  if (!std::holds_alternative<Result>(out.value)) out.value = Result{};
  auto& r = std::get<Result>(out.value);
  r.consumed = range.begin;
  std::uint64_t oversized = 0;
  read_lines(fd, f.path, range, buffer, oversized, [&](std::string_view text, std::uint64_t) { parse_more(r, text); });
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
  switch (f.src) {
    case source::codex: return parse_lines<codex::file_result>(f, fd, range, buffer, out, codex::parse_more);
    case source::gemini: return parse_lines<gemini::file_result>(f, fd, range, buffer, out, gemini::parse_more);
    case source::cursor: return parse_lines<cursor::file_result>(f, fd, range, buffer, out, cursor::parse_more);
    case source::claude: break;
  }
}

}  // namespace okstra::token_usage::detail
