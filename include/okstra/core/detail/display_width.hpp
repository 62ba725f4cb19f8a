// Definitions of okstra/core/display_width.hpp. The ranges follow Unicode's
// EastAsianWidth (W and F) and the combining blocks, abridged to the blocks
// text in logs and file names actually uses; see docs/cli.md, "Terminal
// width and colour".
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/display_width.hpp"
#include "okstra/core/utf8.hpp"

namespace okstra::display {

namespace detail {

struct range {
  char32_t first, last;
};

inline constexpr range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0x302A, 0x302D},
    {0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

inline constexpr range wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},
    {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},
    {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},
    {0x2E80, 0x3029},   {0x302E, 0x303E},   {0x3041, 0x3096},   {0x309B, 0x33FF},   {0x3400, 0x4DBF},
    {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
    {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F320},
    {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3},
    {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC},
    {0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
    {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2},
    {0x1F6D5, 0x1F6D7}, {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F93A},
    {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

template <std::size_t N>
constexpr bool in(const range (&table)[N], char32_t cp) noexcept {
  std::size_t lo = 0, hi = N;  // binary search over sorted, disjoint ranges
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (cp < table[mid].first) hi = mid;
    else if (cp > table[mid].last) lo = mid + 1;
    else return true;
  }
  return false;
}

}  // namespace detail

OKSTRA_INLINE int code_point_width(char32_t cp) noexcept {
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;
  if (cp < 0x300) return 1;
  if (detail::in(detail::zero_width, cp)) return 0;
  return detail::in(detail::wide, cp) ? 2 : 1;
}

OKSTRA_INLINE std::size_t width(std::string_view text) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x20 && b < 0x7F) {  // ASCII fast path
      ++n, ++i;
      continue;
    }
    if (b == 0x1B && i + 1 < text.size() && text[i + 1] == '[') {  // an SGR sequence: no columns
      i += 2;
      while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == ';')) ++i;
      if (i < text.size()) ++i;
      continue;
    }
    n += static_cast<std::size_t>(code_point_width(utf8::next(text, i)));
  }
  return n;
}

OKSTRA_INLINE std::string truncate(std::string_view text, std::size_t columns) {
  if (width(text) <= columns) return std::string(text);
  if (columns == 0) return {};
  std::size_t used = 0, end = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t w = static_cast<std::size_t>(code_point_width(utf8::next(text, i)));
    if (used + w > columns - 1) break;
    used += w, end = i;
  }
  // Marks that combine with the last kept character stay with it.
  for (std::size_t i = end; i < text.size();) {
    if (code_point_width(utf8::next(text, i)) != 0) break;
    end = i;
  }
  return std::string(text.substr(0, end)).append(ellipsis);
}

OKSTRA_INLINE std::vector<std::string> wrap(std::string_view text, std::size_t columns, std::string_view indent) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t used = 0;
  bool has_word = false;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (word.empty()) continue;
    const std::size_t w = width(word);
    if (has_word && used + 1 + w > columns) {
      lines.push_back(std::move(line));
      line = std::string(indent);
      used = width(indent);
      has_word = false;
    }
    if (has_word) line += ' ', ++used;
    line.append(word);
    used += w;
    has_word = true;
  }
  if (has_word || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

OKSTRA_INLINE std::string fit(std::string_view text, std::size_t columns) {
  std::string out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (width(line) <= columns) {
      out.append(line);
    } else {
      const std::size_t lead = std::min(line.find_first_not_of(' '), line.size());
      const std::string indent(lead, ' ');
      bool first = true;
      for (const auto& part : wrap(line.substr(lead), columns > lead ? columns - lead : 1, "  ")) {
        if (!first) out += '\n';
        out.append(indent).append(part);
        first = false;
      }
    }
    if (nl != std::string_view::npos) out += '\n';
  }
  return out;
}

}  // namespace okstra::display
