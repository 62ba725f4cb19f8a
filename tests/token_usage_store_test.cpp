// Snapshots read back from the cache's store (docs/usage.md, "The cache"):
// a chain decoded while its checksum is computed beside it gives what the
// plain load gives, and is refused whole when a byte of its base changed,
// even a byte the decoder would take without complaint.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "okstra/token_usage/token_usage.hpp"
#include "okstra/token_usage/detail/collect_impl.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;
namespace td = okstra::token_usage::detail;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_store_test {

std::vector<tu::record> some_records(std::size_t n, std::int64_t from_ms) {
  std::vector<tu::record> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    tu::record& r = out[i];
    r.timestamp_ms = from_ms + static_cast<std::int64_t>(i) * 1000;
    r.usage.input = 100 + i;
    r.usage.output = 7 * i;
    r.model = i % 3 ? "claude-sonnet-4-5" : "claude-opus-4-7";
    r.session_id = "session-" + std::to_string(i % 11);
    r.project = "/work/p" + std::to_string(i % 5);
  }
  return out;
}

struct stored_chain {
  okstra::test::temp_dir dir;
  std::filesystem::path file = dir.path / "store";
  td::snapshot_ref snap;
  std::size_t records = 0;

  stored_chain() {
    const auto base = some_records(5000, 1'760'000'000'000);
    const auto piece = some_records(40, 1'770'000'000'000);
    const std::vector<std::uint64_t> hashes = {3, 5, 8}, piece_hashes = {13};
    td::store_appender out;
    BOOST_TEST_REQUIRE(out.open(file, true));
    snap.present = true;
    snap.ref = out.add(td::encode_snapshot(base, 2, {"a warning"}, hashes, 1));
    snap.pieces.push_back(out.add(td::encode_snapshot(piece, 3, {}, piece_hashes, 1)));
    BOOST_TEST_REQUIRE(out.flush());
    records = base.size() + piece.size();
  }

  // Flips one byte of the first record's input count: still a snapshot the
  // decoder reads without complaint.
  void damage_a_count() const {
    const auto map = td::store_map::open(file);
    const auto bytes = map->unchecked_part(snap.ref);
    BOOST_TEST_REQUIRE(bytes.has_value());
    td::source_snapshot decoded;
    BOOST_TEST_REQUIRE(td::decode_snapshot(*bytes, tu::source::claude, decoded));
    // The records follow the string table; the first record's counts start
    // 3 + 8 bytes into it. Find them by the value written.
    const std::string needle("\x64\0\0\0\0\0\0\0", 8);  // input = 100, little-endian
    const auto at = bytes->find(needle);
    BOOST_TEST_REQUIRE(at != std::string_view::npos);
    std::string all = okstra::fs::read_file(file);
    all[static_cast<std::size_t>(snap.ref.offset) + at] = '\x65';
    okstra::fs::write_file_atomic(file, all, 0600);
  }
};

BOOST_AUTO_TEST_SUITE(store)

BOOST_AUTO_TEST_CASE(a_chain_checked_beside_its_decoding_is_the_chain_checked_first) {
  const stored_chain chain;
  const auto map = td::store_map::open(chain.file);
  td::source_snapshot plain, beside;
  BOOST_TEST_REQUIRE(td::load_snapshot(*map, chain.snap, tu::source::claude, plain));
  BOOST_TEST_REQUIRE(td::load_snapshot(*map, chain.snap, tu::source::claude, beside, 100, true));
  BOOST_TEST(plain.records.size() == chain.records);
  BOOST_TEST(beside.records.size() == plain.records.size());
  for (std::size_t i = 0; i < plain.records.size(); ++i) {
    BOOST_TEST_REQUIRE(beside.records[i].timestamp_ms == plain.records[i].timestamp_ms);
    BOOST_TEST_REQUIRE((beside.records[i].usage == plain.records[i].usage));
    BOOST_TEST_REQUIRE(beside.records[i].session_id.view() == plain.records[i].session_id.view());
  }
  BOOST_TEST(beside.hash_sets.size() == 2u);
  BOOST_TEST(beside.pieces == 1u);
  BOOST_TEST(beside.skipped_lines == plain.skipped_lines);
  BOOST_TEST(beside.records.capacity() >= 5000u + 100u);  // the base and the room asked for
}

BOOST_AUTO_TEST_CASE(a_changed_byte_the_decoder_accepts_still_refuses_the_chain) {
  const stored_chain chain;
  chain.damage_a_count();
  const auto map = td::store_map::open(chain.file);
  td::source_snapshot plain, beside;
  beside.records = some_records(3, 0);  // what a refusal must clear
  BOOST_TEST(!td::load_snapshot(*map, chain.snap, tu::source::claude, plain));
  BOOST_TEST(!td::load_snapshot(*map, chain.snap, tu::source::claude, beside, 0, true));
  BOOST_TEST(beside.records.empty());
  // The damage is one the decoder itself takes: only the checksum tells.
  td::source_snapshot unchecked;
  BOOST_TEST(td::decode_snapshot(*map->unchecked_part(chain.snap.ref), tu::source::claude, unchecked));
}

BOOST_AUTO_TEST_CASE(a_part_outside_the_store_is_refused_before_any_decoding) {
  const stored_chain chain;
  const auto map = td::store_map::open(chain.file);
  td::snapshot_ref beyond = chain.snap;
  beyond.ref.offset = map->size() + 8;
  td::source_snapshot out;
  BOOST_TEST(!map->unchecked_part(beyond.ref).has_value());
  BOOST_TEST(!td::load_snapshot(*map, beyond, tu::source::claude, out, 0, true));
  td::snapshot_ref odd = chain.snap;
  odd.ref.offset += 1;  // parts start at multiples of 8
  BOOST_TEST(!td::load_snapshot(*map, odd, tu::source::claude, out, 0, true));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_store_test
