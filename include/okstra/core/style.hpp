// okstra/core/style.hpp — how wide and how colourful human output may be.
//
// Contract (docs/cli.md, "Terminal width and colour"):
// - color_mode comes from --color auto|always|never. auto means colour only
//   when the output is a terminal and NO_COLOR is unset (or empty).
// - width: the terminal's column count when the output is a terminal;
//   otherwise COLUMNS when it is a positive number; otherwise 80. A width
//   below 20 is raised to 20: no layout is useful narrower.
// - utf8: whether block and box characters may be printed, or ASCII must
//   stand in for them. The locale decides: the first of LC_ALL, LC_CTYPE and
//   LANG that is set and not empty; UTF-8 when its codeset (after '.', before
//   '@') is "UTF-8" or "utf8" in any case, else ASCII; none set: ASCII (the
//   C locale). The one place this is decided: the table bar follows it.
// - detect() never fails: an unknown terminal size falls back as above.
// - paint() adds SGR escape sequences only when style.color. Bold and dim
//   end with SGR 22, colours with 39, so a coloured word inside a bold line
//   does not end the bold.
#pragma once

#include <string>
#include <string_view>

#include "okstra/core/api.hpp"

namespace okstra::style {

enum class color_mode { automatic, always, never };

struct output_style {
  int width = 80;         // columns available to a table or text view
  bool color = false;     // may emit SGR escape sequences
  bool terminal = false;  // the output is a terminal
  bool utf8 = true;       // the locale is UTF-8: block characters may be printed
};

// The locale's answer for output_style::utf8 (the environment, as above).
bool locale_is_utf8() noexcept;

// Looks at file descriptor `fd` (normally STDOUT_FILENO) and the environment.
output_style detect(int fd, color_mode mode);

// Reads a --color value ("auto", "always", "never") into `out`; false, and
// `out` unchanged, for anything else.
bool parse_color_mode(std::string_view text, color_mode& out) noexcept;

enum class tone { plain, bold, dim, red, green, yellow };

// `text` wrapped in the SGR sequences of `t` when style.color, else `text`.
std::string paint(std::string_view text, tone t, const output_style& style);

// The tone of a status word a person scans for (failed, refused, passed,
// holds, ...): red for a failure, green for success, yellow for a skip or
// warning; plain for anything else. Case-insensitive, whole word.
tone status_tone(std::string_view word) noexcept;

}  // namespace okstra::style

#ifndef OKSTRA_COMPILED_LIB
#include "okstra/core/detail/style.hpp"
#endif
