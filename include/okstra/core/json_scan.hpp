// okstra/core/json_scan.hpp — read a few fields of a JSON text without a DOM.
//
// Contract: a forward-only cursor over one JSON text (e.g. one log line). It
// checks structure (brackets, strings, literals, commas) only as far as it
// walks; it never allocates, never recurses and never reads past the text.
// Any syntax problem makes the call return false and leaves ok() false; a
// caller then counts the line as malformed. Values it is asked to skip are
// skipped at memchr speed (strings) without being validated as UTF-8.
// Use okstra/core/json.hpp for documents that must be validated in full.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "okstra/core/utf8.hpp"

namespace okstra::json_scan {

class cursor {
 public:
  explicit cursor(std::string_view text) noexcept : p_(text.data()), end_(text.data() + text.size()) {}

  bool ok() const noexcept { return ok_; }
  bool fail() noexcept { return ok_ = false; }

  void ws() noexcept {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  char peek() noexcept {
    ws();
    return p_ < end_ ? *p_ : '\0';
  }
  bool at_end() noexcept { return ws(), p_ == end_; }

  // Reads a string at the cursor: `raw` is its bytes between the quotes,
  // `escaped` tells whether it contains backslash escapes (see unescape()).
  bool string(std::string_view& raw, bool& escaped) noexcept {
    if (peek() != '"') return fail();
    const char* start = ++p_;
    escaped = false;
    for (;;) {
      const char* q = static_cast<const char*>(std::memchr(p_, '"', static_cast<std::size_t>(end_ - p_)));
      if (!q) return fail();
      std::size_t backslashes = 0;
      for (const char* b = q; b > start && b[-1] == '\\'; --b) ++backslashes;
      escaped = escaped || backslashes > 0 || std::memchr(p_, '\\', static_cast<std::size_t>(q - p_)) != nullptr;
      p_ = q + 1;
      if (backslashes % 2 == 0) {
        raw = std::string_view(start, static_cast<std::size_t>(q - start));
        return true;
      }
    }
  }

  bool skip_string() noexcept {
    std::string_view raw;
    bool escaped;
    return string(raw, escaped);
  }

  // Reads a non-negative integer. Anything else (negative, fraction,
  // exponent, overflow, another type) is skipped and reported as absent.
  bool uint(std::uint64_t& value, bool& present) noexcept {
    present = false;
    const char c = peek();
    if (c < '0' || c > '9') return skip_value();
    std::uint64_t v = 0;
    const char* start = p_;
    bool overflow = false;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      const std::uint64_t digit = static_cast<std::uint64_t>(*p_ - '0');
      overflow = overflow || v > (UINT64_MAX - digit) / 10;
      v = v * 10 + digit;
      ++p_;
    }
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) {
      p_ = start;
      return skip_value();
    }
    if (!overflow) value = v, present = true;
    return true;
  }

  // Reads a count: a non-negative integer no larger than `max`. null leaves
  // it absent; any other value (negative, fraction, exponent, larger than
  // `max`, a string, ...) is skipped and sets `invalid`, so the caller can
  // refuse the whole line instead of reading the count as zero.
  bool count(std::uint64_t& value, bool& invalid, std::uint64_t max) noexcept {
    const char c = peek();
    if (c == 'n') return literal("null");
    bool present = false;
    std::uint64_t v = 0;
    if (c < '0' || c > '9') {
      invalid = true;
      return skip_value();
    }
    if (!uint(v, present)) return false;
    if (present && v <= max) value = v;
    else invalid = true;
    return true;
  }

  bool boolean(bool& value, bool& present) noexcept {
    present = false;
    const char c = peek();
    if (c == 't' && literal("true")) return value = true, present = true;
    if (c == 'f' && literal("false")) return value = false, present = true, true;
    return skip_value();
  }

  // Iterates an object: fn(key_raw) must consume exactly the member's value
  // through this cursor and return false to stop with an error.
  template <class Fn>
  bool object(Fn&& fn) {
    if (peek() != '{') return fail();
    ++p_;
    if (peek() == '}') return ++p_, true;
    for (;;) {
      std::string_view key;
      bool escaped;
      if (!string(key, escaped)) return false;
      if (peek() != ':') return fail();
      ++p_;
      if (!fn(key) || !ok_) return fail();
      const char c = peek();
      ++p_;
      if (c == '}') return true;
      if (c != ',') return fail();
    }
  }

  // Iterates an array: fn() must consume exactly one element through this
  // cursor and return false to stop with an error.
  template <class Fn>
  bool array(Fn&& fn) {
    if (peek() != '[') return fail();
    ++p_;
    if (peek() == ']') return ++p_, true;
    for (;;) {
      if (!fn() || !ok_) return fail();
      const char c = peek();
      if (c != ',' && c != ']') return fail();
      ++p_;
      if (c == ']') return true;
    }
  }

  // Where the cursor stands (after white space), e.g. to take the raw text of
  // a value: const char* b = c.position(); c.skip_value(); [b, c.position()).
  const char* position() noexcept { return ws(), p_; }

  // Skips any value, bracket-balanced, strings skipped whole.
  bool skip_value() noexcept {
    const char c = peek();
    if (c == '"') return skip_string();
    if (c == '{' || c == '[') return skip_container();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    if (c == '-' || (c >= '0' && c <= '9')) {
      const char* start = p_;
      while (p_ < end_ && (std::strchr("0123456789+-.eE", *p_) != nullptr && *p_ != '\0')) ++p_;
      return p_ > start || fail();
    }
    return fail();
  }

 private:
  bool literal(const char* word) noexcept {
    const std::size_t n = std::strlen(word);
    if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return fail();
    p_ += n;
    return true;
  }

  bool skip_container() noexcept {
    std::size_t depth = 0;
    while (p_ < end_) {
      const char c = *p_;
      if (c == '"') {
        if (!skip_string()) return false;
        continue;
      }
      ++p_;
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return true;
      }
    }
    return fail();
  }

  const char* p_;
  const char* end_;
  bool ok_ = true;
};

// Decodes the escapes of a raw JSON string into `out` (appending). Returns
// false on a malformed escape. Lone surrogates become U+FFFD.
inline bool unescape(std::string_view raw, std::string& out) {
  const auto hex4 = [&](std::size_t at, char32_t& v) {
    if (at + 4 > raw.size()) return false;
    v = 0;
    for (std::size_t k = at; k < at + 4; ++k) {
      const char c = raw[k];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<char32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<char32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<char32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  };
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    if (++i >= raw.size()) return false;
    switch (raw[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        char32_t cp;
        if (!hex4(i + 1, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          char32_t low;
          if (i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u' && hex4(i + 3, low) && low >= 0xDC00 &&
              low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          } else {
            cp = utf8::replacement_char;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = utf8::replacement_char;
        }
        utf8::append(out, cp);
        break;
      }
      default: return false;
    }
  }
  return true;
}

}  // namespace okstra::json_scan
