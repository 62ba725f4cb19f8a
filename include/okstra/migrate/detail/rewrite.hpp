// The exact path-prefix rewriting of okstra/migrate/migrate.hpp: JSON string
// values are found on the raw text (never re-serialised), so every byte that
// is not a rewritten prefix stays as it was. Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <optional>

#include "okstra/core/json.hpp"
#include "okstra/core/scan.hpp"
#include "okstra/core/utf8.hpp"

namespace okstra::migrate {

namespace detail {

inline int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of "\uXXXX" whose hex digits start at raw[at], or -1.
inline long hex4(std::string_view raw, std::size_t at) noexcept {
  if (at + 4 > raw.size()) return -1;
  long v = 0;
  for (std::size_t k = at; k < at + 4; ++k) {
    const int d = hex_digit(raw[k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// Decodes the character or escape at raw[i] (the bytes between a string's
// quotes) onto `out` and returns the index after it. A surrogate pair is one
// unit. The text was validated, so a malformed escape is only copied.
inline std::size_t decode_unit(std::string_view raw, std::size_t i, std::string& out) {
  if (raw[i] != '\\' || i + 1 >= raw.size()) {
    out += raw[i];
    return i + 1;
  }
  switch (const char c = raw[i + 1]) {
    case '"':
    case '\\':
    case '/': out += c; return i + 2;
    case 'b': out += '\b'; return i + 2;
    case 'f': out += '\f'; return i + 2;
    case 'n': out += '\n'; return i + 2;
    case 'r': out += '\r'; return i + 2;
    case 't': out += '\t'; return i + 2;
    case 'u': break;
    default: out += raw[i]; return i + 1;
  }
  long cp = hex4(raw, i + 2);
  if (cp < 0) {
    out += raw[i];
    return i + 1;
  }
  i += 6;
  if (cp >= 0xD800 && cp <= 0xDBFF && raw.substr(i, 2) == "\\u") {
    const long low = hex4(raw, i + 2);
    if (low >= 0xDC00 && low <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      i += 6;
    }
  }
  utf8::append(out, static_cast<char32_t>(cp));
  return i;
}

// When the decoded value of `raw` starts with `prefix` followed by '/' or the
// end of the value, the index in `raw` where that prefix ends.
inline std::optional<std::size_t> whole_prefix_end(std::string_view raw, std::string_view prefix) {
  std::string decoded;
  std::size_t i = 0;
  while (decoded.size() < prefix.size()) {
    if (i >= raw.size()) return std::nullopt;
    i = decode_unit(raw, i, decoded);
    if (decoded.size() > prefix.size() || prefix.compare(0, decoded.size(), decoded) != 0) return std::nullopt;
  }
  if (i == raw.size()) return i;
  std::string next;
  decode_unit(raw, i, next);
  if (next == "/") return i;
  return std::nullopt;
}

// `value` as it appears between the quotes of a JSON string (json::writer's escaping).
inline std::string encoded(std::string_view value) {
  json::writer w(false);
  w.value(value);
  const std::string& quoted_text = w.str();
  return quoted_text.substr(1, quoted_text.size() - 2);
}

// The rewritten bytes between a string value's quotes, or nullopt when no
// prefix applies. The first pair whose old prefix matches wins.
inline std::optional<std::string> rewritten_value(std::string_view raw, const std::vector<prefix_pair>& prefixes) {
  for (const auto& pair : prefixes) {
    if (raw.empty() || (raw.front() != pair.from.front() && raw.front() != '\\')) continue;
    if (const auto end = whole_prefix_end(raw, pair.from)) return encoded(pair.to).append(raw.substr(*end));
  }
  return std::nullopt;
}

// Index after the closing quote of the string whose opening quote is text[i].
inline std::size_t string_end(std::string_view text, std::size_t i) noexcept {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\')
      ++i;
    else if (text[i] == '"')
      return i + 1;
  }
  return text.size();
}

// Could `text` hold a reference at all? Without a backslash every old
// prefix would appear verbatim, so its absence proves there is none.
inline bool may_reference(std::string_view text, const std::vector<prefix_pair>& prefixes) {
  if (text.find('\\') != std::string_view::npos) return true;
  for (const auto& pair : prefixes)
    if (scan::contains(text, pair.from)) return true;
  return false;
}

}  // namespace detail

OKSTRA_INLINE text_rewrite rewrite_json(std::string_view text, const std::vector<prefix_pair>& prefixes) {
  text_rewrite out;
  if (!detail::may_reference(text, prefixes)) {
    out.text = text;
    return out;
  }
  out.text.reserve(text.size() + 64);
  std::vector<char> open;  // '{' or '[' for each open container
  bool expect_key = false;
  std::size_t copied = 0;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c != '"') {
      // Only structure matters here: the text is valid JSON, so a string
      // right after '{' or after ',' inside an object is a key.
      if (c == '{' || c == '[') {
        open.push_back(c);
        expect_key = c == '{';
      } else if (c == '}' || c == ']') {
        if (!open.empty()) open.pop_back();
        expect_key = false;
      } else if (c == ',') {
        expect_key = !open.empty() && open.back() == '{';
      }
      ++i;
      continue;
    }
    const std::size_t end = detail::string_end(text, i);
    const bool is_key = expect_key;
    expect_key = false;
    if (!is_key && end - i >= 2) {
      if (auto value = detail::rewritten_value(text.substr(i + 1, end - i - 2), prefixes)) {
        out.text.append(text.substr(copied, i + 1 - copied)).append(*value).push_back('"');
        copied = end;
        ++out.references;
      }
    }
    i = end;
  }
  out.text.append(text.substr(copied));
  return out;
}

OKSTRA_INLINE jsonl_rewrite rewrite_jsonl(std::string_view text, const std::vector<prefix_pair>& prefixes) {
  jsonl_rewrite out;
  if (!detail::may_reference(text, prefixes)) {
    out.text = text;
    return out;
  }
  out.text.reserve(text.size() + 256);
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t stop = nl == std::string_view::npos ? text.size() : nl;
    const std::string_view line = text.substr(start, stop - start);
    bool changed = false;
    if (detail::may_reference(line, prefixes)) {
      try {
        (void)json::parse(line, "jsonl line");
        text_rewrite r = rewrite_json(line, prefixes);
        if (r.references > 0) {
          out.references += r.references;
          out.changes.push_back({std::string(line), r.text});
          out.text.append(r.text);
          changed = true;
        }
      } catch (const okstra::error&) {
        // Not JSON: kept byte for byte.
      }
    }
    if (!changed) out.text.append(line);
    if (nl != std::string_view::npos) out.text.push_back('\n');
    start = stop + 1;
  }
  return out;
}

}  // namespace okstra::migrate
