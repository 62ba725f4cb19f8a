// The usage archive's store (docs/usage-archive.md, "On-disk format"): what is
// appended reads back the same; a torn tail at any byte loses only the torn
// block; a damaged block is skipped and reported; prune drops old records only.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/token_usage.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_archive_test {

tu::archived_record make(std::int64_t ts, std::uint64_t input, const char* session = "s-1") {
  tu::archived_record a;
  a.rec.src = tu::source::codex;
  a.rec.who = tu::agent::lead;
  a.rec.tier = tu::service_tier::priority;
  a.rec.timestamp_ms = ts;
  a.rec.usage.input = input;
  a.rec.usage.output = input / 2;
  a.rec.usage.cache_read = 7;
  a.rec.usage.reasoning = 3;
  a.rec.session_id = session;
  a.rec.model = "gpt-5";
  a.rec.project = "/work/app";
  a.rec.agent_name = "worker-1";
  a.identity = tu::content_identity(a.rec);
  return a;
}

bool same(const tu::archived_record& a, const tu::archived_record& b) {
  const auto& x = a.rec;
  const auto& y = b.rec;
  return a.identity == b.identity && x.src == y.src && x.who == y.who && x.tier == y.tier &&
         x.timestamp_ms == y.timestamp_ms && x.usage == y.usage && x.session_id == y.session_id && x.model == y.model &&
         x.project == y.project && x.team_name == y.team_name && x.agent_name == y.agent_name && x.agent_id == y.agent_id;
}

std::vector<std::filesystem::path> segment_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".oka") out.push_back(e.path());
  return out;
}

// What merging the archive into a collection meant before it was made
// cheaper: a hash set of every live identity, the first archived copy of each
// identity, then one stable sort by source and time.
void reference_merge(const tu::collect_options& o, std::vector<tu::archived_record> archived, tu::collection& out) {
  std::unordered_set<std::uint64_t> seen;
  for (const auto& r : out.records) seen.insert(tu::content_identity(r));
  for (auto& a : archived) {
    const auto i = static_cast<std::size_t>(a.rec.src);
    if (!o.enabled[i] || !seen.insert(a.identity).second) continue;
    out.stats[i].archived += 1;
    out.records.push_back(a.rec);
  }
  std::stable_sort(out.records.begin(), out.records.end(), [](const tu::record& a, const tu::record& b) {
    return a.src != b.src ? a.src < b.src : a.timestamp_ms < b.timestamp_ms;
  });
}

}  // namespace token_usage_archive_test

using namespace token_usage_archive_test;

BOOST_AUTO_TEST_SUITE(token_usage_archive)

BOOST_AUTO_TEST_CASE(round_trip_keeps_every_field_and_order) {
  okstra::test::temp_dir tmp;
  const tu::archive store(tmp.path / "archive");
  BOOST_TEST(store.read_all().records.empty());  // no folder yet: empty, not an error
  const std::vector<tu::archived_record> first = {make(1000, 10), make(2000, 20, "s-2")};
  const std::vector<tu::archived_record> second = {make(3000, 30)};
  store.append(first);
  store.append(second);
  store.append({});  // nothing to write: no empty block
  const auto got = store.read_all();
  BOOST_TEST(got.damaged_blocks == 0u);
  BOOST_TEST_REQUIRE(got.records.size() == 3u);
  BOOST_TEST(same(got.records[0], first[0]));
  BOOST_TEST(same(got.records[1], first[1]));
  BOOST_TEST(same(got.records[2], second[0]));
  BOOST_TEST(segment_files(store.dir()).size() == 1u);  // appends extend the newest segment
  const auto st = store.status();
  BOOST_TEST(st.records == 3u);
  BOOST_TEST(st.segments == 1u);
  BOOST_TEST(st.oldest_ms == 1000);
  BOOST_TEST(st.newest_ms == 3000);
  BOOST_TEST(st.bytes == std::filesystem::file_size(segment_files(store.dir())[0]));
}

BOOST_AUTO_TEST_CASE(content_identity_depends_on_what_identifies_a_request) {
  const auto a = make(1000, 10);
  BOOST_TEST(tu::content_identity(a.rec) == tu::content_identity(make(1000, 10).rec));
  BOOST_TEST(tu::content_identity(a.rec) != tu::content_identity(make(1001, 10).rec));
  BOOST_TEST(tu::content_identity(a.rec) != tu::content_identity(make(1000, 11).rec));
  BOOST_TEST(tu::content_identity(a.rec) != tu::content_identity(make(1000, 10, "s-2").rec));
}

// A Claude Code request is its message and request ids: a copy in another
// session's file (a resumed session), with other counts, is the same request.
BOOST_AUTO_TEST_CASE(a_claude_request_is_one_identity_in_any_session_file) {
  auto a = make(1000, 10, "original");
  a.rec.src = tu::source::claude;
  a.rec.request_hash = 0x5151;
  auto copy = make(1000, 99, "resumed");
  copy.rec.src = tu::source::claude;
  copy.rec.request_hash = 0x5151;
  BOOST_TEST(tu::content_identity(a.rec) == tu::content_identity(copy.rec));
  auto other = copy;
  other.rec.request_hash = 0x5152;
  BOOST_TEST(tu::content_identity(a.rec) != tu::content_identity(other.rec));
  // Archived from the deleted original, live again in the resumed session's
  // file a second later: counted once, the live copy.
  tu::collection live;
  copy.rec.timestamp_ms = 2000;
  live.records.push_back(copy.rec);
  a.identity = tu::content_identity(a.rec);
  okstra::token_usage::detail::merge_archived(tu::collect_options{}, {a}, live);
  BOOST_TEST(live.records.size() == 1u);
  BOOST_TEST(live.records[0].usage.input == 99u);
  BOOST_TEST(live.stats[0].archived == 0u);
}

// A killed writer leaves any prefix of its block: every earlier block still
// reads, and the next append cuts the torn bytes so its block reads too.
BOOST_AUTO_TEST_CASE(torn_tail_at_every_byte_loses_only_the_torn_block) {
  okstra::test::temp_dir tmp;
  const tu::archive store(tmp.path / "archive");
  store.append({make(1000, 10), make(2000, 20)});
  const auto file = segment_files(store.dir()).at(0);
  const auto before_last = std::filesystem::file_size(file);
  store.append({make(3000, 30)});
  const std::string whole = okstra::fs::read_file(file);
  BOOST_TEST_REQUIRE(whole.size() > before_last);
  for (std::size_t cut = before_last; cut < whole.size(); ++cut) {
    okstra::fs::write_file_atomic(file, std::string_view(whole).substr(0, cut), 0600);
    const auto got = store.read_all();
    BOOST_TEST_REQUIRE(got.records.size() == 2u, "cut at " << cut);
    BOOST_TEST(got.damaged_blocks == 0u);
    BOOST_TEST(got.records[1].rec.timestamp_ms == 2000);
  }
  // The last cut left a torn tail: the next writer truncates it first.
  store.append({make(4000, 40)});
  const auto got = store.read_all();
  BOOST_TEST_REQUIRE(got.records.size() == 3u);
  BOOST_TEST(got.records[2].rec.timestamp_ms == 4000);
  BOOST_TEST(got.damaged_blocks == 0u);
}

BOOST_AUTO_TEST_CASE(a_damaged_block_is_skipped_and_reported) {
  okstra::test::temp_dir tmp;
  const tu::archive store(tmp.path / "archive");
  store.append({make(1000, 10)});
  const auto file = segment_files(store.dir()).at(0);
  const auto first_end = std::filesystem::file_size(file);
  store.append({make(2000, 20)});
  const auto second_end = std::filesystem::file_size(file);
  store.append({make(3000, 30)});
  std::string bytes = okstra::fs::read_file(file);
  bytes[(first_end + second_end) / 2] ^= 0x5A;  // inside the second block's payload
  okstra::fs::write_file_atomic(file, bytes, 0600);
  const auto got = store.read_all();
  BOOST_TEST(got.damaged_blocks == 1u);
  BOOST_TEST_REQUIRE(got.records.size() == 2u);
  BOOST_TEST(got.records[0].rec.timestamp_ms == 1000);
  BOOST_TEST(got.records[1].rec.timestamp_ms == 3000);
  BOOST_TEST_REQUIRE(got.warnings.size() == 1u);
  BOOST_TEST(okstra::test::contains(got.warnings[0], "damaged archive blocks"));
  BOOST_TEST(store.status().damaged_blocks == 1u);
}

BOOST_AUTO_TEST_CASE(a_foreign_segment_is_reported_and_left_alone) {
  okstra::test::temp_dir tmp;
  const tu::archive store(tmp.path / "archive");
  store.append({make(1000, 10)});
  const auto foreign = store.dir() / "segment-0000000000000000000.oka";
  okstra::fs::write_file_atomic(foreign, std::string("OKSTRAAR\x03\0\0\0 later version", 27), 0600);
  const auto got = store.read_all();
  BOOST_TEST(got.bad_segments == 1u);
  BOOST_TEST(got.records.size() == 1u);
  BOOST_TEST(store.prune(5000) == 1u);
  BOOST_TEST(std::filesystem::exists(foreign));
}

// Format 2 keeps each record's message hash; a segment of format 1 (records
// without it) is still read, and never extended: appends go to a new segment.
BOOST_AUTO_TEST_CASE(a_format_1_segment_is_read_and_not_extended) {
  namespace af = tu::detail::archive_format;
  okstra::test::temp_dir tmp;
  const tu::archive store(tmp.path / "archive");
  std::filesystem::create_directories(store.dir());
  tu::archived_record old = make(1000, 10);
  tu::detail::encoder e;
  e.u64(1), e.u64(old.identity), e.rec(old.rec);
  std::string segment("OKSTRAAR\x01\0\0\0", 12);
  af::put_le(segment, e.buffer().size(), 4);
  af::put_le(segment, tu::detail::checksum(e.buffer()), 8);
  segment += e.buffer();
  const auto first = store.dir() / "segment-0000000000000000000.oka";
  okstra::fs::write_file_atomic(first, segment, 0600);
  tu::archived_record fresh = make(2000, 20);
  fresh.rec.message_hash = 0x1234567890abcdefULL;
  store.append({fresh});
  BOOST_TEST(okstra::fs::read_file(first, 1 << 20) == segment);  // left as it was
  const auto got = store.read_all();
  BOOST_TEST(got.bad_segments == 0u);
  BOOST_TEST(got.damaged_blocks == 0u);
  BOOST_TEST_REQUIRE(got.records.size() == 2u);
  BOOST_TEST(got.records[0].rec.timestamp_ms == 1000);
  BOOST_TEST(got.records[0].rec.message_hash == 0u);
  BOOST_TEST(got.records[1].rec.message_hash == 0x1234567890abcdefULL);
  BOOST_TEST(store.status().segments == 2u);
}

BOOST_AUTO_TEST_CASE(prune_drops_older_records_only) {
  okstra::test::temp_dir tmp;
  const tu::archive store(tmp.path / "archive");
  BOOST_TEST(store.prune(1) == 0u);  // no archive: nothing to do, nothing created
  BOOST_TEST(!std::filesystem::exists(store.dir()));
  store.append({make(1000, 10), make(2000, 20)});
  store.append({make(3000, 30)});
  BOOST_TEST(store.prune(2000) == 1u);
  auto got = store.read_all();
  BOOST_TEST_REQUIRE(got.records.size() == 2u);
  BOOST_TEST(got.records[0].rec.timestamp_ms == 2000);
  BOOST_TEST(got.records[1].rec.timestamp_ms == 3000);
  BOOST_TEST(store.prune(10000) == 2u);
  BOOST_TEST(store.read_all().records.empty());
  BOOST_TEST(segment_files(store.dir()).empty());
}

// Live records win, each archived identity counts once, and the order is a
// stable sort of the live records then the added ones (docs/usage-archive.md,
// "Record identity"), whatever order the live records come in.
BOOST_AUTO_TEST_CASE(merging_the_archive_keeps_live_records_and_the_order) {
  std::mt19937 rng(18);
  const tu::source sources[] = {tu::source::claude, tu::source::codex, tu::source::gemini};
  const auto random_record = [&] {
    tu::archived_record a = make(1000 + rng() % 40, 10 + rng() % 3, rng() % 2 ? "s-1" : (rng() % 2 ? "s-2" : "s-3"));
    a.rec.src = sources[rng() % 3];
    a.identity = tu::content_identity(a.rec);
    return a;
  };
  for (int round = 0; round < 50; ++round) {
    tu::collect_options o;
    o.enabled = {true, true, round % 3 != 0, true};
    tu::collection live;
    for (int i = 0; i < 60; ++i) live.records.push_back(random_record().rec);
    // grouped by source, as collect() leaves them; every other round also in time order
    std::stable_sort(live.records.begin(), live.records.end(), [&](const tu::record& a, const tu::record& b) {
      return round % 2 ? a.src < b.src : (a.src != b.src ? a.src < b.src : a.timestamp_ms < b.timestamp_ms);
    });
    if (round % 5 == 4) std::shuffle(live.records.begin(), live.records.end(), rng);
    std::vector<tu::archived_record> archived;
    for (int i = 0; i < 80; ++i) archived.push_back(random_record());
    archived.push_back(archived.front());           // an identity twice in the archive
    archived.push_back({tu::content_identity(live.records[3]), live.records[3]});  // a live record
    tu::collection want = live;
    reference_merge(o, archived, want);
    okstra::token_usage::detail::merge_archived(o, archived, live);
    BOOST_REQUIRE_EQUAL(live.records.size(), want.records.size());
    for (std::size_t i = 0; i < want.records.size(); ++i) {
      const tu::archived_record x{0, live.records[i]}, y{0, want.records[i]};
      BOOST_TEST(same(x, y), "round " << round << ", record " << i);
    }
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(live.stats[i].archived == want.stats[i].archived);
  }
}

BOOST_AUTO_TEST_SUITE_END()
