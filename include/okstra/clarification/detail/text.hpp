// Line and text helpers of the clarification module. Include
// okstra/clarification/clarification.hpp instead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/text.hpp"
#include "okstra/core/utf8.hpp"

namespace okstra::clarification::detail {

inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

// One line of a report: its text without the line end, and its 1-based number.
struct line {
  std::string_view text;
  std::size_t number;
};

inline std::string_view without_bom(std::string_view text) {
  if (text.substr(0, utf8_bom.size()) == utf8_bom) text.remove_prefix(utf8_bom.size());
  return text;
}

// Splits on '\n'; a '\r' before it (CRLF) is not part of the line. A final
// line end does not start another (empty) line. The BOM, if any, is skipped.
inline std::vector<line> split_lines(std::string_view text) {
  text = without_bom(text);
  std::vector<line> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    const std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
    if (end == std::string_view::npos) end = text.size();
    std::string_view body = text.substr(start, end - start);
    if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    out.push_back({body, out.size() + 1});
    start = next;
  }
  return out;
}

using text::ascii_lower;
using text::iequals;
using text::is_blank;
using text::is_space;
using text::trim;

// White space as a reader sees it: ASCII white space and every Unicode space
// separator (Zs: U+00A0 no-break space, U+2000..U+200A, U+3000, ...).
inline constexpr bool is_unicode_space(char32_t c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Characters a reader cannot see at all: soft hyphen, zero-width space and
// joiners, word joiner, zero-width no-break space.
inline constexpr bool is_invisible(char32_t c) noexcept {
  return c == 0xAD || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF;
}

// Rendered text as it reads: every run of (Unicode) white space one ASCII
// space, invisible characters dropped, trimmed; ill-formed UTF-8 repaired.
inline std::string normalize_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = utf8::next(s, i);
    if (is_invisible(c)) continue;
    if (is_unicode_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    utf8::append(out, c);
  }
  return out;
}

// normalize_spaces() in ASCII lower case: the form in which headings, column
// names, statuses and Blocks entries are compared.
inline std::string fold(std::string_view s) {
  std::string out = normalize_spaces(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// User text quoted inside a reason: control bytes escaped (so a reason stays
// one line) and long text cut, so a reason stays one readable sentence.
inline std::string excerpt(std::string_view s, std::size_t max_code_points = 60) {
  std::size_t i = 0, count = 0;
  while (i < s.size() && count < max_code_points) {
    utf8::next(s, i);
    ++count;
  }
  if (i >= s.size()) return "'" + printable(s) + "'";
  return "'" + printable(s.substr(0, i)) + "…'";
}

inline std::string line_ref(std::size_t number) { return "line " + std::to_string(number); }

}  // namespace okstra::clarification::detail
