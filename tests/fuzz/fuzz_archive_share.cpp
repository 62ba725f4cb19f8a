// libFuzzer target: the decoders of the archive's kept share (docs/usage-archive.md,
// "Reports over the archive") — its index and a report's part — on arbitrary
// bytes, as they are and sealed with a valid checksum behind a valid tag, so
// that the fields behind both are reached too. They may refuse but never crash
// or throw; whatever they accept encodes to bytes that decode to the same.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "okstra/token_usage/archive_report.hpp"

namespace {

namespace share = okstra::token_usage::detail::archive_share;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_archive_share: %s\n", what);
  std::abort();
}

void index_round_trip(const share::index& x) {
  const std::string bytes = share::encode_index(x);
  const auto back = share::decode_index(bytes);
  if (!back) fail("an accepted index does not decode after encoding");
  if (share::encode_index(*back) != bytes || back->count != x.count) fail("an index changes through encoding");
}

void part_round_trip(const okstra::token_usage::detail::report_part& p) {
  const std::string bytes = share::encode_part(p);
  const auto back = share::decode_part(bytes);
  if (!back) fail("an accepted part does not decode after encoding");
  if (back->by_period.size() != p.by_period.size() || back->by_group.size() != p.by_group.size() ||
      back->by_session.size() != p.by_session.size() || back->sums.totals.total() != p.sums.totals.total())
    fail("a part changes through encoding");
}

// `raw` behind the tag, sealed: what a file of the right kind with damage behind its checksum holds.
std::string sealed(std::string_view tag, const std::string& raw) {
  okstra::token_usage::detail::encoder e;
  e.str(tag);
  e.raw(raw);
  return okstra::token_usage::detail::sealed(std::move(e.buffer()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  for (const std::string& bytes : {raw, sealed(share::index_tag, raw)})
    if (const auto x = share::decode_index(bytes)) index_round_trip(*x);
  for (const std::string& bytes : {raw, sealed(share::part_tag, raw)})
    if (const auto p = share::decode_part(bytes)) part_round_trip(*p);
  return 0;
}
