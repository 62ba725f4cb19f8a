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

// Reads [range.begin, range.end) and continues the file's result from there.
inline void parse_source_file(const log_file& f, int fd, byte_range range, source_result& out) {
  std::string bytes;
  bytes.resize(static_cast<std::size_t>(range.end - range.begin));
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(range.begin + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("read", f.path);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  if (is_gemini_document(f)) {
    out.value = gemini::parse_document(bytes);
    return;
  }
  switch (f.src) {
    case source::codex: {
      if (!std::holds_alternative<codex::file_result>(out.value)) out.value = codex::file_result{};
      auto& r = std::get<codex::file_result>(out.value);
      r.consumed = range.begin;
      codex::parse_more(r, bytes);
      break;
    }
    case source::gemini: {
      if (!std::holds_alternative<gemini::file_result>(out.value)) out.value = gemini::file_result{};
      auto& r = std::get<gemini::file_result>(out.value);
      r.consumed = range.begin;
      gemini::parse_more(r, bytes);
      break;
    }
    case source::cursor: {
      if (!std::holds_alternative<cursor::file_result>(out.value)) out.value = cursor::file_result{};
      auto& r = std::get<cursor::file_result>(out.value);
      r.consumed = range.begin;
      cursor::parse_more(r, bytes);
      break;
    }
    case source::claude: break;
  }
}

}  // namespace okstra::token_usage::detail
