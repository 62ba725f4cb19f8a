// The little Markdown the approval gate needs: fenced code blocks (whose
// content is never read as headings, tables or approval lines) and ATX
// headings with their anchors. Include okstra/clarification/clarification.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/clarification/detail/text.hpp"

namespace okstra::clarification::detail {

// Up to three spaces of indentation, as CommonMark allows before a heading or fence.
inline std::optional<std::string_view> unindent(std::string_view text) {
  std::size_t spaces = 0;
  while (spaces < text.size() && text[spaces] == ' ') ++spaces;
  if (spaces > 3) return std::nullopt;
  return text.substr(spaces);
}

// For each line: is it part of a fenced code block (fence lines included)?
// An unclosed fence runs to the end of the text, as in CommonMark.
inline std::vector<bool> code_lines(const std::vector<line>& lines) {
  std::vector<bool> in_code(lines.size(), false);
  char fence_char = 0;
  std::size_t fence_length = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto text = unindent(lines[i].text);
    std::size_t run = 0;
    const char c = text && !text->empty() ? text->front() : '\0';
    if (c == '`' || c == '~')
      while (run < text->size() && (*text)[run] == c) ++run;
    if (fence_char == 0) {
      // An info string after backticks may not contain a backtick.
      const bool opens = run >= 3 && (c == '~' || text->find('`', run) == std::string_view::npos);
      if (opens) fence_char = c, fence_length = run;
      in_code[i] = opens;
      continue;
    }
    in_code[i] = true;
    if (c == fence_char && run >= fence_length && is_blank(text->substr(run))) fence_char = 0;
  }
  return in_code;
}

struct heading {
  int level = 0;
  std::string text;  // folded (see fold()), anchors removed
};

// Removes HTML anchors ("<a id=…></a>", "<a name=…/>") anywhere in a heading.
inline std::string without_html_anchors(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::string_view rest = s.substr(i);
    const bool open_tag = rest.size() >= 3 && rest[0] == '<' && ascii_lower(rest[1]) == 'a' && is_space(rest[2]);
    const bool close_tag = rest.size() >= 4 && iequals(rest.substr(0, 4), "</a>");
    const std::size_t end = open_tag ? rest.find('>') : std::string_view::npos;
    if (open_tag && end != std::string_view::npos) {
      i += end + 1;
    } else if (close_tag) {
      i += 4;
    } else {
      out += s[i++];
    }
  }
  return out;
}

// Removes a trailing attribute block "{#anchor}" (or "{#anchor .class}").
inline std::string_view without_attribute_block(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.back() != '}') return s;
  const std::size_t open = s.rfind('{');
  if (open == std::string_view::npos || s.substr(open, 2) != "{#") return s;
  return trim(s.substr(0, open));
}

// An ATX heading ("## Title ##"), or nullopt. Setext headings are not read.
inline std::optional<heading> parse_heading(std::string_view line_text) {
  const auto text = unindent(line_text);
  if (!text || text->empty() || text->front() != '#') return std::nullopt;
  std::size_t level = 0;
  while (level < text->size() && (*text)[level] == '#') ++level;
  if (level > 6 || (level < text->size() && (*text)[level] != ' ' && (*text)[level] != '\t')) return std::nullopt;
  std::string_view content = trim(text->substr(level));
  // A closing sequence of '#' counts only after a space (or as the whole content).
  std::size_t cut = content.size();
  while (cut > 0 && content[cut - 1] == '#') --cut;
  if (cut == 0 || content[cut - 1] == ' ' || content[cut - 1] == '\t') content = trim(content.substr(0, cut));
  return heading{static_cast<int>(level), fold(without_html_anchors(without_attribute_block(content)))};
}

}  // namespace okstra::clarification::detail
