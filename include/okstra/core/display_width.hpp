// okstra/core/display_width.hpp — how many terminal columns UTF-8 text takes.
//
// Contract (docs/cli.md, "Terminal width and colour"):
// - width(): East Asian wide and fullwidth characters (CJK, Hangul, most
//   emoji) take 2 columns, combining marks and zero-width characters 0,
//   everything else 1. Ill-formed bytes count as U+FFFD (1 column). Control
//   characters count 0: callers make text printable before measuring it.
// - truncate(): the longest prefix that fits in `columns` followed by "…"
//   (one column), or the text itself when it fits. Never splits a character.
// - wrap(): words (split at spaces) packed into lines of at most `columns`;
//   a word longer than a line stands alone on its line, unbroken. Lines
//   after the first start with `indent`.
// - fit(): every line of `text` wider than `columns` wrapped as wrap() does,
//   its continuation lines indented two columns more than the line itself;
//   lines that fit are kept byte for byte.
// - SGR sequences (ESC [ ... m, the colours of okstra/core/style.hpp) take no
//   columns, so coloured text measures as the plain text does.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"

namespace okstra::display {

inline constexpr std::string_view ellipsis = "\xe2\x80\xa6";  // "…"

int code_point_width(char32_t cp) noexcept;
std::size_t width(std::string_view text) noexcept;
std::string truncate(std::string_view text, std::size_t columns);
std::vector<std::string> wrap(std::string_view text, std::size_t columns, std::string_view indent = "");
std::string fit(std::string_view text, std::size_t columns);

}  // namespace okstra::display

#ifndef OKSTRA_COMPILED_LIB
#include "okstra/core/detail/display_width.hpp"
#endif
