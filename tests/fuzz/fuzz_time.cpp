// libFuzzer target: time::parse_iso8601. Whatever it accepts must format to
// the canonical 24-character form, which parses back to the same instant.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "okstra/core/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ms = okstra::time::parse_iso8601(text);
  if (!ms) return 0;
  const std::string formatted = okstra::time::format_iso8601(*ms);
  const auto back = okstra::time::parse_iso8601(formatted);
  if (formatted.size() != 24 || !back || *back != *ms || okstra::time::format_iso8601(*back) != formatted) {
    std::fprintf(stderr, "fuzz_time: '%.*s' -> %lld -> '%s' is not stable\n", static_cast<int>(size),
                 reinterpret_cast<const char*>(data), static_cast<long long>(*ms), formatted.c_str());
    std::abort();
  }
  return 0;
}
