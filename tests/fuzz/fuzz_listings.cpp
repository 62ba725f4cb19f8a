// libFuzzer target: the decoder of kept folder listings (docs/usage.md,
// "Folder listings") on arbitrary bytes, as they are and sealed with a valid
// checksum behind a valid tag, so that the fields behind both are reached
// too. It may refuse but never crash or throw; what it accepts names no
// folder twice, holds only plain names, and comes back the same through an
// encoding (an over-long number is accepted, so not byte for byte).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "okstra/token_usage/token_usage.hpp"
#include "okstra/token_usage/detail/collect_impl.hpp"

namespace {

namespace td = okstra::token_usage::detail;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_listings: %s\n", what);
  std::abort();
}

void check(const std::vector<td::root_listing>& roots) {
  const std::string bytes = td::encode_listings(roots);
  const auto back = td::decode_listings(bytes);
  if (!back) fail("accepted listings do not decode after encoding");
  if (td::encode_listings(*back) != bytes) fail("listings change through encoding");
  for (const auto& r : roots) {
    for (std::size_t i = 0; i < r.folders.size(); ++i) {
      if (i > 0 && !(r.folders[i - 1].rel < r.folders[i].rel)) fail("folders out of order or twice");
      if (r.find(r.folders[i].rel) != &r.folders[i]) fail("a folder cannot be found by its path");
      for (const std::string_view names : {r.folders[i].files, r.folders[i].subdirs})
        td::for_each_name(names, [](std::string_view n) {
          if (n.empty() || n == "." || n == ".." || n.find('/') != std::string_view::npos) fail("a name that is not plain");
        });
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  td::encoder e;
  e.str(td::listing_tag);
  e.raw(raw);
  for (const std::string& bytes : {raw, td::sealed(std::move(e.buffer()))})
    if (const auto roots = td::decode_listings(bytes)) check(*roots);
  return 0;
}
