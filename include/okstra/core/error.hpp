// okstra/core/error.hpp — the one error type of the toolkit.
//
// Contract: every failure a user can cause is thrown as okstra::error, which
// carries the exit-code class of docs/cli.md, "Exit codes" (refused = 1, usage = 2, input = 3),
// a one-line message "<what failed> '<subject>'" (lower case, no final period)
// and an optional hint line. Only the main wrapper (core/main.hpp) turns an
// error into text and a process status; library code never prints errors.
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "okstra/core/utf8.hpp"

namespace okstra {

enum class exit_code : int {
  ok = 0,
  refused = 1,  // gate closed, contract broken, lock busy, migration refused
  usage = 2,    // bad option or argument
  input = 3,    // unreadable/malformed input, environment, git or I/O failure
};

class error : public std::runtime_error {
 public:
  error(exit_code code, std::string message, std::string hint = {})
      : std::runtime_error(std::move(message)), code_(code), hint_(std::move(hint)) {}

  exit_code code() const noexcept { return code_; }
  const std::string& hint() const noexcept { return hint_; }

  // Returns a copy with a hint attached, for "throw e.with_hint(...)".
  error with_hint(std::string hint) const { return error(code_, what(), std::move(hint)); }

 private:
  exit_code code_;
  std::string hint_;
};

// A subject made safe for one terminal line: C0 controls (ESC, BEL, CR, LF,
// ...), DEL, C1 controls (U+0080..U+009F, e.g. the one-character CSI) and
// bytes of ill-formed UTF-8 are shown as \xHH, so text quoted from a file or
// another process can neither move the cursor, retitle the terminal nor forge
// a line (docs/cli.md, "Messages"). Idempotent: its output passes unchanged.
inline std::string printable(std::string_view subject) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(subject.size());
  for (std::size_t i = 0; i < subject.size();) {
    const std::size_t start = i;
    const char32_t cp = utf8::next(subject, i);
    const bool bad = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp == utf8::replacement_char &&
                                                         !(i - start == 3 && static_cast<unsigned char>(subject[start]) == 0xEF));
    if (!bad) {
      out.append(subject.substr(start, i - start));
      continue;
    }
    for (std::size_t k = start; k < i; ++k) {
      const auto b = static_cast<unsigned char>(subject[k]);
      out.append("\\x").push_back(hex[b >> 4]);
      out.push_back(hex[b & 0xF]);
    }
  }
  return out;
}

// "<what failed> '<subject>'" — the wording rule of docs/cli.md in one place.
inline std::string quoted(std::string_view what, std::string_view subject) {
  std::string out;
  out.reserve(what.size() + subject.size() + 3);
  out.append(what).append(" '").append(printable(subject)).append("'");
  return out;
}

inline error refused(std::string message, std::string hint = {}) {
  return error(exit_code::refused, std::move(message), std::move(hint));
}
inline error usage_error(std::string message, std::string hint = {}) {
  return error(exit_code::usage, std::move(message), std::move(hint));
}
inline error input_error(std::string message, std::string hint = {}) {
  return error(exit_code::input, std::move(message), std::move(hint));
}

// An input error for a failed system call on a path, e.g.
// "cannot read 'x.json': No such file or directory". The errno text is
// lower-cased on its first letter to follow the wording rule.
inline error io_error(std::string_view verb, std::string_view path, int err = errno) {
  std::string reason = std::strerror(err);
  if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z') reason[0] = char(reason[0] - 'A' + 'a');
  return input_error(quoted("cannot " + std::string(verb), path) + ": " + reason);
}

}  // namespace okstra
