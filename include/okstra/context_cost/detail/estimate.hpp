// The token estimate of okstra/context_cost/context_cost.hpp. Include that header.
#pragma once

#include "okstra/core/api.hpp"

#include "okstra/core/utf8.hpp"

namespace okstra::context_cost {

OKSTRA_INLINE std::uint64_t round_quarters_half_even(std::uint64_t quarters) {
  const std::uint64_t whole = quarters / 4;
  switch (quarters % 4) {
    case 0:
    case 1: return whole;
    case 3: return whole + 1;
    default: return whole + (whole & 1);  // exactly .5: to the even neighbour
  }
}

OKSTRA_INLINE std::uint64_t token_tally::tokens() const { return round_quarters_half_even(quarter_tokens()); }

OKSTRA_INLINE token_tally tally_text(std::string_view text) {
  token_tally tally;
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      // The seed read files with universal newlines, which turn "\r\n" into one "\n".
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      ++tally.ascii;
      continue;
    }
    // A lead byte of 0x80 or more never decodes below 128 (overlong forms are
    // ill-formed), so this is a non-ASCII code point or one U+FFFD.
    utf8::next(text, i);
    ++tally.non_ascii;
  }
  return tally;
}

OKSTRA_INLINE std::uint64_t estimate_tokens(std::string_view text) { return tally_text(text).tokens(); }

}  // namespace okstra::context_cost
