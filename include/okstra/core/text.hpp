// okstra/core/text.hpp — ASCII text helpers the modules share.
//
// Contract: white space is the six ASCII white-space characters (space, tab,
// LF, VT, FF, CR); case folding is ASCII only (other bytes, UTF-8 included,
// are left as they are). No allocation except ascii_lower(string_view).
#pragma once

#include <string>
#include <string_view>

namespace okstra::text {

inline constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

inline constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

inline constexpr bool is_blank(std::string_view s) noexcept { return trim(s).empty(); }

inline constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

inline constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace okstra::text
