// libFuzzer target: utf8::sanitize / is_valid / next and okstra::printable.
// sanitize() must yield valid UTF-8 with the same code points the decoder
// sees; is_valid() must agree with sanitize() being the identity.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/utf8.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_utf8: %s\n", what);
  std::abort();
}

std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  okstra::utf8::for_each_code_point(s, [&](char32_t cp) { out.push_back(cp); });
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string clean = okstra::utf8::sanitize(text);
  if (!okstra::utf8::is_valid(clean)) fail("sanitize() result is not valid UTF-8");
  if (okstra::utf8::is_valid(text) != (clean == text)) fail("is_valid() disagrees with sanitize()");
  if (okstra::utf8::sanitize(clean) != clean) fail("sanitize() is not idempotent");
  const auto cps = code_points(text);
  if (code_points(clean) != cps) fail("sanitize() changed the decoded code points");
  for (const char32_t cp : cps)
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("decoder produced a non-scalar value");
  const std::string shown = okstra::printable(text);
  if (!okstra::utf8::is_valid(shown)) fail("printable() result is not valid UTF-8");
  for (const char c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) fail("printable() left a control byte");
  return 0;
}
