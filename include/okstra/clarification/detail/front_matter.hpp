// Front matter reading for okstra/clarification/clarification.hpp (include
// that header instead): the one front-matter parser of the toolkit.
#pragma once

#include "okstra/core/api.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "okstra/clarification/detail/text.hpp"

namespace okstra::clarification {

namespace detail {

inline bool is_front_matter_fence(std::string_view text) {
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text == "---";
}

// The key of a top-level "key: value" line, or empty when the line is not one
// (blank, a comment, an indented continuation, a list item, no ": ").
inline std::string_view entry_key(std::string_view text, std::size_t& value_start) {
  if (text.empty() || is_space(text.front()) || text.front() == '#' || text.front() == '-') return {};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != ':') continue;
    if (i + 1 < text.size() && text[i + 1] != ' ' && text[i + 1] != '\t') continue;  // "a:b", a URL
    value_start = i + 1;
    std::string_view key = trim(text.substr(0, i));
    if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'') && key.back() == key.front())
      key = key.substr(1, key.size() - 2);
    return key;
  }
  return {};
}

// A scalar as written: quotes removed (no escape processing; '' inside single
// quotes is one quote), or, unquoted, a trailing " # comment" removed.
inline front_matter_entry make_entry(std::string_view key, std::string_view raw, std::size_t line_number) {
  front_matter_entry entry{std::string(key), {}, false, line_number};
  raw = trim(raw);
  const char quote = raw.empty() ? '\0' : raw.front();
  if ((quote == '"' || quote == '\'') && raw.size() >= 2 && raw.back() == quote) {
    entry.quoted = true;
    const std::string_view inner = raw.substr(1, raw.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      entry.value += inner[i];
      if (quote == '\'' && inner[i] == '\'' && i + 1 < inner.size() && inner[i + 1] == '\'') ++i;
    }
    return entry;
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '#' && (i == 0 || raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
      raw = raw.substr(0, i);
      break;
    }
  }
  entry.value = std::string(trim(raw));
  return entry;
}

}  // namespace detail

OKSTRA_INLINE front_matter read_front_matter(std::string_view text) {
  front_matter result;
  const std::vector<detail::line> lines = detail::split_lines(text);
  if (lines.empty() || !detail::is_front_matter_fence(lines.front().text)) return result;
  result.present = true;
  std::vector<front_matter_entry> entries;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const detail::line& current = lines[i];
    if (detail::is_front_matter_fence(current.text)) {
      result.closed = true;
      result.body_line = current.number + 1;
      result.entries = std::move(entries);
      return result;
    }
    std::size_t value_start = 0;
    const std::string_view key = detail::entry_key(current.text, value_start);
    if (!key.empty()) entries.push_back(detail::make_entry(key, current.text.substr(value_start), current.number));
  }
  return result;  // never closed: no entries, the body is the whole text
}

OKSTRA_INLINE std::vector<front_matter_entry> front_matter::find(std::string_view key) const {
  std::vector<front_matter_entry> out;
  for (const auto& entry : entries)
    if (entry.key == key) out.push_back(entry);
  return out;
}

}  // namespace okstra::clarification
