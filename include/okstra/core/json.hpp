// okstra/core/json.hpp — the only door to RapidJSON, plus the JSON writer.
//
// Contract:
// - Include RapidJSON only through this header: it routes RAPIDJSON_ASSERT to
//   an exception, so no input can reach an abort().
// - parse()/read_file() validate UTF-8, bound nesting depth (no stack overflow
//   on "[[[[…"), reject trailing data, and throw one input error naming the
//   source and the byte offset: "malformed JSON 'x.json': invalid value at byte 17".
//   Integers that fit 64 bits are integers; other numbers are correctly
//   rounded doubles (values too big for a double are an error).
// - Field helpers return nullopt for "absent or of another type"; require_*
//   variants throw "malformed JSON 'x.json': field "name" must be a string".
// - writer emits UTF-8 JSON in insertion order (stable key order), two-space
//   indentation or one line; strings with invalid UTF-8 are repaired (U+FFFD).
#pragma once

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "okstra/core/detail/rapidjson_config.hpp"
#include "okstra/core/detail/json_writer.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"

namespace okstra::json {

using value = rapidjson::Value;
using document = rapidjson::Document;

inline constexpr unsigned max_depth = 256;

namespace detail {

// Forwards SAX events to a document while bounding the nesting depth.
class depth_limited_handler {
 public:
  explicit depth_limited_handler(document& doc) : doc_(doc) {}
  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  // Numbers arrive as text (kParseNumbersAsStringsFlag), already checked
  // against the JSON grammar. RapidJSON 1.1's own full-precision strtod
  // misreads a zero with a large exponent ("0e300" became 7.8e+84, via
  // __builtin_clzll(0)), so doubles are converted by std::from_chars, which
  // rounds correctly; integers that fit 64 bits stay integers, as before.
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const std::string_view text(s, n);
    const char* const end = s + n;
    if (text.find_first_of(".eE") == std::string_view::npos) {
      std::int64_t i = 0;
      std::uint64_t u = 0;
      if (text.front() == '-') {
        if (const auto r = std::from_chars(s, end, i); r.ec == std::errc() && r.ptr == end) return doc_.Int64(i);
      } else if (const auto r = std::from_chars(s, end, u); r.ec == std::errc() && r.ptr == end) {
        return doc_.Uint64(u);
      }
    }
    double d = 0;
    const auto r = std::from_chars(s, end, d);
    if (r.ptr != end || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)) return false;
    if (r.ec == std::errc::result_out_of_range) {
      if (!underflows(text)) {
        number_too_big_ = true;
        return false;
      }
      d = text.front() == '-' ? -0.0 : 0.0;  // below the smallest subnormal: rounds to zero
    }
    return doc_.Double(d);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return well_formed(s, n) && doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return well_formed(s, n) && doc_.Key(s, n, copy); }
  bool StartObject() { return ++depth_ <= max_depth && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { return --depth_, doc_.EndObject(n); }
  bool StartArray() { return ++depth_ <= max_depth && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return --depth_, doc_.EndArray(n); }
  bool too_deep() const { return depth_ > max_depth; }
  bool lone_surrogate() const { return lone_surrogate_; }
  bool number_too_big() const { return number_too_big_; }

 private:
  // For an out-of-range number: is it too small (true) or too big (false)?
  // Decided by the decimal exponent of its first non-zero digit.
  static bool underflows(std::string_view n) {
    std::int64_t digits = 0, point = -1, first = -1, exp = 0;
    std::size_t i = n.front() == '-' ? 1 : 0;
    for (; i < n.size() && n[i] != 'e' && n[i] != 'E'; ++i) {
      if (n[i] == '.') {
        point = digits;
        continue;
      }
      if (first < 0 && n[i] != '0') first = digits;
      ++digits;
    }
    if (point < 0) point = digits;
    if (i < n.size()) {
      const bool minus = i + 1 < n.size() && n[i + 1] == '-';
      for (++i; i < n.size(); ++i)
        if (n[i] >= '0' && n[i] <= '9' && exp < 1'000'000) exp = exp * 10 + (n[i] - '0');
      if (minus) exp = -exp;
    }
    return first < 0 || point - 1 - first + exp < 0;
  }

  // Raw bytes are validated by the reader, but RapidJSON 1.1 decodes an
  // unpaired "\udc00" escape to ill-formed UTF-8 (ED B0 80): refuse it.
  bool well_formed(const char* s, rapidjson::SizeType n) {
    if (utf8::is_valid(std::string_view(s, n))) return true;
    lone_surrogate_ = true;
    return false;
  }

  document& doc_;
  unsigned depth_ = 0;
  bool lone_surrogate_ = false;
  bool number_too_big_ = false;
};

inline std::string describe(rapidjson::ParseErrorCode code) {
  using E = rapidjson::ParseErrorCode;
  switch (code) {
    case E::kParseErrorDocumentEmpty: return "empty document";
    case E::kParseErrorDocumentRootNotSingular: return "unexpected data after the document";
    case E::kParseErrorValueInvalid: return "invalid value";
    case E::kParseErrorObjectMissName: return "missing object key";
    case E::kParseErrorObjectMissColon: return "missing ':' after object key";
    case E::kParseErrorObjectMissCommaOrCurlyBracket: return "missing ',' or '}' in object";
    case E::kParseErrorArrayMissCommaOrSquareBracket: return "missing ',' or ']' in array";
    case E::kParseErrorStringUnicodeEscapeInvalidHex: return "invalid \\u escape";
    case E::kParseErrorStringUnicodeSurrogateInvalid: return "invalid surrogate pair";
    case E::kParseErrorStringEscapeInvalid: return "invalid escape";
    case E::kParseErrorStringMissQuotationMark: return "unterminated string";
    case E::kParseErrorStringInvalidEncoding: return "invalid UTF-8";
    case E::kParseErrorNumberTooBig: return "number too big";
    case E::kParseErrorNumberMissFraction: return "missing fraction";
    case E::kParseErrorNumberMissExponent: return "missing exponent";
    case E::kParseErrorTermination: return "parsing stopped";
    default: return "syntax error";
  }
}

}  // namespace detail

// Parses `text` (need not be NUL-terminated); `source` names it in errors.
inline document parse(std::string_view text, std::string_view source) {
  constexpr unsigned flags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag |
                             rapidjson::kParseNumbersAsStringsFlag;
  document doc;
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  detail::depth_limited_handler handler(doc);
  auto generate = [&](document&) { return !reader.Parse<flags>(stream, handler).IsError(); };
  try {
    doc.Populate(generate);
  } catch (const okstra::error&) {
    throw input_error(quoted("malformed JSON", source) + ": internal parser check failed");
  }
  const auto fail = [&](std::string what, std::size_t at) {
    return input_error(quoted("malformed JSON", source) + ": " + what + " at byte " + std::to_string(at));
  };
  if (reader.HasParseError()) {
    if (handler.too_deep())
      throw fail("nesting deeper than " + std::to_string(max_depth), reader.GetErrorOffset());
    if (handler.lone_surrogate()) throw fail("invalid surrogate pair", reader.GetErrorOffset());
    if (handler.number_too_big()) throw fail("number too big", reader.GetErrorOffset());
    throw fail(detail::describe(reader.GetParseErrorCode()), reader.GetErrorOffset());
  }
  if (stream.Tell() != text.size()) throw fail("unexpected data after the document", stream.Tell());
  return doc;
}

// Through fs::read_file: regular files only, never blocking, at most max_bytes.
inline document read_file(const std::filesystem::path& path, std::size_t max_bytes = fs::json_read_limit) {
  return parse(fs::read_file(path, max_bytes), path.string());
}

// ---- field access -------------------------------------------------------

inline const value* find(const value& object, std::string_view key) noexcept {
  if (!object.IsObject()) return nullptr;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) return &it->value;
  }
  return nullptr;
}

inline std::string_view as_string_view(const value& v) noexcept {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

inline std::optional<std::string_view> get_string(const value& object, std::string_view key) noexcept {
  const value* v = find(object, key);
  if (!v || !v->IsString()) return std::nullopt;
  return as_string_view(*v);
}

inline std::optional<std::int64_t> get_int(const value& object, std::string_view key) noexcept {
  const value* v = find(object, key);
  if (!v || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

inline std::optional<bool> get_bool(const value& object, std::string_view key) noexcept {
  const value* v = find(object, key);
  if (!v || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

inline error field_error(std::string_view source, std::string_view key, std::string_view expected) {
  return input_error(quoted("malformed JSON", source) + ": field \"" + std::string(key) + "\" must be " +
                     std::string(expected));
}

inline const value& require_object(const value& v, std::string_view source) {
  if (!v.IsObject()) throw input_error(quoted("malformed JSON", source) + ": expected an object");
  return v;
}

inline std::string_view require_string(const value& object, std::string_view key, std::string_view source) {
  if (auto s = get_string(object, key)) return *s;
  throw field_error(source, key, "a string");
}

inline std::int64_t require_int(const value& object, std::string_view key, std::string_view source) {
  if (auto i = get_int(object, key)) return *i;
  throw field_error(source, key, "an integer");
}

}  // namespace okstra::json
