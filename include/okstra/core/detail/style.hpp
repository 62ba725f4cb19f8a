// Definitions of okstra/core/style.hpp (docs/cli.md, "Terminal width and colour").
#pragma once

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

#include "okstra/core/style.hpp"
#include "okstra/core/text.hpp"

namespace okstra::style {

namespace detail {

inline constexpr int narrowest = 20;

inline int columns_from_environment() noexcept {
  const char* text = std::getenv("COLUMNS");
  if (!text || !*text) return 0;
  const std::string_view s(text);
  int n = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && n > 0 ? n : 0;
}

}  // namespace detail

OKSTRA_INLINE bool locale_is_utf8() noexcept {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* value = std::getenv(name);
    if (!value || !*value) continue;
    std::string_view locale(value);
    const auto dot = locale.find('.');
    if (dot == std::string_view::npos) return false;
    std::string_view codeset = locale.substr(dot + 1);
    codeset = codeset.substr(0, codeset.find('@'));
    return text::iequals(codeset, "UTF-8") || text::iequals(codeset, "utf8");
  }
  return false;
}

OKSTRA_INLINE output_style detect(int fd, color_mode mode) {
  output_style out;
  out.terminal = ::isatty(fd) == 1;
  int width = 0;
  if (out.terminal) {
    struct winsize ws{};
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) width = ws.ws_col;
  }
  if (width == 0) width = detail::columns_from_environment();
  if (width == 0) width = 80;
  out.width = width < detail::narrowest ? detail::narrowest : width;
  const char* no_color = std::getenv("NO_COLOR");
  const bool refused = no_color && *no_color;
  out.color = mode == color_mode::always || (mode == color_mode::automatic && out.terminal && !refused);
  out.utf8 = locale_is_utf8();
  return out;
}

OKSTRA_INLINE bool parse_color_mode(std::string_view text, color_mode& out) noexcept {
  if (text == "auto") out = color_mode::automatic;
  else if (text == "always") out = color_mode::always;
  else if (text == "never") out = color_mode::never;
  else return false;
  return true;
}

OKSTRA_INLINE std::string paint(std::string_view text, tone t, const output_style& style) {
  if (!style.color || t == tone::plain || text.empty()) return std::string(text);
  std::string_view on, off = "\x1b[39m";
  switch (t) {
    case tone::bold: on = "\x1b[1m", off = "\x1b[22m"; break;
    case tone::dim: on = "\x1b[2m", off = "\x1b[22m"; break;
    case tone::red: on = "\x1b[31m"; break;
    case tone::green: on = "\x1b[32m"; break;
    case tone::yellow: on = "\x1b[33m"; break;
    case tone::plain: break;
  }
  std::string out;
  out.reserve(text.size() + on.size() + off.size());
  return out.append(on).append(text).append(off);
}

OKSTRA_INLINE tone status_tone(std::string_view word) noexcept {
  for (std::string_view bad : {"fail", "failed", "failure", "refused", "error", "errors", "broken", "violated",
                               "does not conform", "blocked", "stale", "corrupt"})
    if (text::iequals(word, bad)) return tone::red;
  for (std::string_view good : {"pass", "passed", "ok", "holds", "conforms", "approved", "valid", "done",
                                "completed", "clean", "active"})
    if (text::iequals(word, good)) return tone::green;
  for (std::string_view meh : {"skip", "skipped", "warning", "warnings", "warn", "pending", "dry run"})
    if (text::iequals(word, meh)) return tone::yellow;
  return tone::plain;
}

}  // namespace okstra::style
