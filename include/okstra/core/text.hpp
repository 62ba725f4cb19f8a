// okstra/core/text.hpp — ASCII text helpers the modules share.
//
// Contract: white space is the six ASCII white-space characters (space, tab,
// LF, VT, FF, CR); JSON white space is the four that JSON allows between
// tokens (space, tab, LF, CR), which a JSONL reader trims so that a line it
// keeps is still exactly what the JSON parser would accept. Case folding is
// ASCII only (other bytes, UTF-8 included, are left as they are).
// split_list() reads a separated list as the environment variables of
// docs/dirs.md are written: items trimmed, empty items dropped. Prefix and
// suffix tests are std::string_view's own starts_with/ends_with (C++20):
// no helper here repeats them. No allocation except ascii_lower(string_view),
// join() and split_list()'s vector (its items are views into the argument).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace okstra::text {

inline constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

inline constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

inline constexpr bool is_json_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline constexpr std::string_view trim_json_space(std::string_view s) noexcept {
  while (!s.empty() && is_json_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_json_space(s.back())) s.remove_suffix(1);
  return s;
}

inline constexpr bool is_blank(std::string_view s) noexcept { return trim(s).empty(); }

// "a, b,,c " split on ',' → {"a", "b", "c"}: each item trimmed, empty ones dropped.
inline std::vector<std::string_view> split_list(std::string_view s, char separator) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t end = s.find(separator);
    if (const std::string_view item = trim(s.substr(0, end)); !item.empty()) out.push_back(item);
    if (end == std::string_view::npos) return out;
    s.remove_prefix(end + 1);
  }
}

// {"a", "b"} joined with ", " → "a, b".
inline std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) (i ? out.append(separator) : out).append(items[i]);
  return out;
}

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
