// okstra/core/utf8.hpp — UTF-8 decoding with replacement, validation, sanitising.
//
// Contract: pure functions, no allocation except sanitize_utf8's result. An
// ill-formed sequence is replaced by one U+FFFD per maximal subpart (the
// Unicode "best practice" that Python's errors="replace" also follows), so
// counts computed here match what a Python reader of the same bytes sees.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace okstra::utf8 {

inline constexpr char32_t replacement_char = 0xFFFD;

// Decodes one code point starting at s[i]; advances i past it. Ill-formed
// input yields replacement_char and advances past the maximal subpart.
inline char32_t next(std::string_view s, std::size_t& i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int length = 0;
  char32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    ++i;
    return replacement_char;
  }
  std::size_t k = i + 1;
  for (int n = 1; n < length; ++n, ++k) {
    if (k >= s.size()) {
      i = k;
      return replacement_char;
    }
    const unsigned char b = byte(k);
    const unsigned char min = n == 1 ? lo : 0x80, max = n == 1 ? hi : 0xBF;
    if (b < min || b > max) {
      i = k;  // the offending byte starts the next decode
      return replacement_char;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i = k;
  return cp;
}

template <class Fn>
void for_each_code_point(std::string_view s, Fn&& fn) {
  for (std::size_t i = 0; i < s.size();) fn(next(s, i));
}

inline bool is_valid(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    if (next(s, i) == replacement_char) {
      // A literal U+FFFD (EF BF BD) is valid; anything else that decoded to it is not.
      if (i - start != 3 || static_cast<unsigned char>(s[start]) != 0xEF) return false;
    }
  }
  return true;
}

inline void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Returns s with every ill-formed subpart replaced by U+FFFD.
inline std::string sanitize(std::string_view s) {
  if (is_valid(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for_each_code_point(s, [&](char32_t cp) { append(out, cp); });
  return out;
}

}  // namespace okstra::utf8
