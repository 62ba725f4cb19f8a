// okstra/core/scan.hpp — byte scanning for big logs: substring search and lines.
//
// Contract: pure functions over memory, no allocation.
// - find(haystack, needle) returns the offset of the first occurrence or npos.
//   It tests the needle's first and last byte 16 positions at a time (SSE2,
//   the x86-64 baseline) and confirms candidates with memcmp; elsewhere it
//   falls back to memmem.
// - for_each_line(text, fn) calls fn(line) for every '\n'-terminated line
//   (without the '\n'); a final unterminated line is passed to fn too unless
//   complete_only is set. Lines are found with memchr.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace okstra::scan {

inline constexpr std::size_t npos = std::string_view::npos;

inline std::size_t find(std::string_view haystack, std::string_view needle) noexcept {
  const std::size_t n = haystack.size(), m = needle.size();
  if (m == 0) return 0;
  if (m > n) return npos;
#if defined(__SSE2__)
  if (m >= 2) {
    const char* h = haystack.data();
    const __m128i first = _mm_set1_epi8(needle[0]);
    const __m128i last = _mm_set1_epi8(needle[m - 1]);
    std::size_t i = 0;
    for (; i + m - 1 + 16 <= n; i += 16) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + m - 1));
      unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
      while (mask) {
        const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
        if (std::memcmp(h + i + bit + 1, needle.data() + 1, m - 2) == 0) return i + bit;
        mask &= mask - 1;
      }
    }
    for (; i + m <= n; ++i)
      if (h[i] == needle[0] && std::memcmp(h + i, needle.data(), m) == 0) return i;
    return npos;
  }
#endif
  const void* hit = ::memmem(haystack.data(), n, needle.data(), m);
  return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - haystack.data()) : npos;
}

inline bool contains(std::string_view haystack, std::string_view needle) noexcept {
  return find(haystack, needle) != npos;
}

template <class Fn>
void for_each_line(std::string_view text, Fn&& fn, bool complete_only = false) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) {
      if (!complete_only) fn(std::string_view(p, static_cast<std::size_t>(end - p)));
      return;
    }
    fn(std::string_view(p, static_cast<std::size_t>(nl - p)));
    p = nl + 1;
  }
}

// Length of the prefix of `text` made of complete ('\n'-terminated) lines.
inline std::size_t complete_prefix(std::string_view text) noexcept {
  const void* last = ::memrchr(text.data(), '\n', text.size());
  return last ? static_cast<std::size_t>(static_cast<const char*>(last) - text.data()) + 1 : 0;
}

// The line containing offset `at`: from after the previous '\n' (or the
// start of `text`) up to, not including, the next '\n' (or the end).
inline std::string_view line_around(std::string_view text, std::size_t at) noexcept {
  const void* before = at ? ::memrchr(text.data(), '\n', at) : nullptr;
  const std::size_t start = before ? static_cast<std::size_t>(static_cast<const char*>(before) - text.data()) + 1 : 0;
  const void* after = std::memchr(text.data() + at, '\n', text.size() - at);
  const std::size_t end = after ? static_cast<std::size_t>(static_cast<const char*>(after) - text.data()) : text.size();
  return text.substr(start, end - start);
}

}  // namespace okstra::scan
