// libFuzzer target: the statusline state decoder (docs/usage-statusline.md,
// "Speed") on arbitrary bytes, as they are and closed with a valid magic and
// checksum so that the fields behind the checksum are reached too. It may
// refuse but never crash or throw; whatever it accepts encodes to a state
// that decodes to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "okstra/token_usage/detail/statusline_state.hpp"

namespace {

namespace sl = okstra::token_usage::detail_statusline;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_statusline_state: %s\n", what);
  std::abort();
}

void round_trip(const sl::state& s) {
  const auto back = sl::decode_state(sl::encode_state(s));
  if (!back) fail("an accepted state does not decode after encoding");
  const auto& a = s.transcript;
  const auto& b = back->transcript;
  if (back->logs_read_ms != s.logs_read_ms || back->block_cut_ms != s.block_cut_ms || back->session != s.session ||
      back->anchor.has_value() != s.anchor.has_value() || a.given != b.given || a.walk != b.walk || a.dev != b.dev ||
      a.ino != b.ino || a.consumed != b.consumed || a.tail != b.tail ||
      back->snapshot.records.size() != s.snapshot.records.size() || back->seen_ref.sum != s.seen_ref.sum ||
      back->seen_ref.length != s.seen_ref.length || back->added != s.added ||
      back->book.entries().size() != s.book.entries().size() || back->prices_key != s.prices_key)
    fail("a state changes through encoding");
  for (std::size_t i = 0; i < s.snapshot.records.size(); ++i)
    if (back->snapshot.records[i].timestamp_ms != s.snapshot.records[i].timestamp_ms ||
        back->snapshot.records[i].session_id != s.snapshot.records[i].session_id)
      fail("a record changes through encoding");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  if (const auto s = sl::decode_state(raw)) round_trip(*s);
  std::string closed = std::string(sl::state_magic) + raw;
  const std::uint64_t sum = okstra::token_usage::detail::checksum(closed);
  closed.append(reinterpret_cast<const char*>(&sum), 8);
  if (const auto s = sl::decode_state(closed)) round_trip(*s);
  return 0;
}
