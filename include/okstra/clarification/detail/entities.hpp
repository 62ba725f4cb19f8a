// HTML character references as md4c hands them over (docs/plan-validate.md
// "What is read"): md4c passes "&name;", "&#123;" and "&#x7B;" through
// verbatim, and the gate must compare the character a reader sees. Numeric
// references are decoded in full (0, surrogates and values past U+10FFFF
// become U+FFFD, as CommonMark says). Named ones are decoded when they stand
// for ASCII, white space, an invisible character or a dash: every name that
// can change how a heading, a column name, an ID, a status or a Blocks entry
// reads (no HTML5 name stands for an ASCII letter or digit, except "fjlig").
// Any other name is kept as written: such text never matches what the gate
// looks for, so at worst a row is refused, never passed. Include
// okstra/clarification/clarification.hpp.
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include "okstra/core/utf8.hpp"

namespace okstra::clarification::detail {

struct named_entity {
  std::string_view name;  // without '&' and ';'
  std::string_view text;  // UTF-8
};

// Sorted by name (byte order), for binary search.
inline constexpr named_entity named_entities[] = {
    {"AMP", "&"},
    {"COPY", "\xC2\xA9"},
    {"DiacriticalGrave", "`"},
    {"GT", ">"},
    {"Hat", "^"},
    {"LT", "<"},
    {"MediumSpace", "\xE2\x81\x9F"},
    {"NegativeMediumSpace", "\xE2\x80\x8B"},
    {"NegativeThickSpace", "\xE2\x80\x8B"},
    {"NegativeThinSpace", "\xE2\x80\x8B"},
    {"NegativeVeryThinSpace", "\xE2\x80\x8B"},
    {"NewLine", "\x0A"},
    {"NoBreak", "\xE2\x81\xA0"},
    {"NonBreakingSpace", "\xC2\xA0"},
    {"QUOT", "\""},
    {"Tab", "\x09"},
    {"ThickSpace", "\xE2\x81\x9F\xE2\x80\x8A"},
    {"ThinSpace", "\xE2\x80\x89"},
    {"UnderBar", "_"},
    {"VerticalLine", "|"},
    {"VeryThinSpace", "\xE2\x80\x8A"},
    {"ZeroWidthSpace", "\xE2\x80\x8B"},
    {"amp", "&"},
    {"apos", "'"},
    {"ast", "*"},
    {"bsol", "\\"},
    {"colon", ":"},
    {"comma", ","},
    {"commat", "@"},
    {"copy", "\xC2\xA9"},
    {"dash", "\xE2\x80\x90"},
    {"dollar", "$"},
    {"emsp", "\xE2\x80\x83"},
    {"emsp13", "\xE2\x80\x84"},
    {"emsp14", "\xE2\x80\x85"},
    {"ensp", "\xE2\x80\x82"},
    {"equals", "="},
    {"excl", "!"},
    {"fjlig", "fj"},
    {"grave", "`"},
    {"gt", ">"},
    {"hairsp", "\xE2\x80\x8A"},
    {"hellip", "\xE2\x80\xA6"},
    {"hyphen", "\xE2\x80\x90"},
    {"lbrace", "{"},
    {"lbrack", "["},
    {"lcub", "{"},
    {"lowbar", "_"},
    {"lpar", "("},
    {"lsqb", "["},
    {"lt", "<"},
    {"mdash", "\xE2\x80\x94"},
    {"midast", "*"},
    {"minus", "\xE2\x88\x92"},
    {"mldr", "\xE2\x80\xA6"},
    {"nbsp", "\xC2\xA0"},
    {"ndash", "\xE2\x80\x93"},
    {"num", "#"},
    {"numsp", "\xE2\x80\x87"},
    {"percnt", "%"},
    {"period", "."},
    {"plus", "+"},
    {"puncsp", "\xE2\x80\x88"},
    {"quest", "?"},
    {"quot", "\""},
    {"rbrace", "}"},
    {"rbrack", "]"},
    {"rcub", "}"},
    {"rpar", ")"},
    {"rsqb", "]"},
    {"sect", "\xC2\xA7"},
    {"semi", ";"},
    {"shy", "\xC2\xAD"},
    {"sol", "/"},
    {"thinsp", "\xE2\x80\x89"},
    {"verbar", "|"},
    {"vert", "|"},
    {"zwj", "\xE2\x80\x8D"},
    {"zwnj", "\xE2\x80\x8C"},
};

inline std::string decode_entity(std::string_view entity) {
  if (entity.size() < 3 || entity.front() != '&' || entity.back() != ';') return std::string(entity);
  const std::string_view body = entity.substr(1, entity.size() - 2);
  if (body.front() == '#') {
    const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    const std::string_view digits = body.substr(hex ? 2 : 1);
    char32_t cp = 0;
    for (const char c : digits) {
      const int digit = c >= '0' && c <= '9'          ? c - '0'
                        : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                      : -1;
      if (digit < 0) return std::string(entity);
      cp = std::min<char32_t>(cp * (hex ? 16 : 10) + static_cast<char32_t>(digit), 0x110000);
    }
    if (digits.empty()) return std::string(entity);
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = utf8::replacement_char;
    std::string out;
    utf8::append(out, cp);
    return out;
  }
  const auto it = std::lower_bound(std::begin(named_entities), std::end(named_entities), body,
                                   [](const named_entity& e, std::string_view name) { return e.name < name; });
  if (it != std::end(named_entities) && it->name == body) return std::string(it->text);
  return std::string(entity);
}

}  // namespace okstra::clarification::detail
