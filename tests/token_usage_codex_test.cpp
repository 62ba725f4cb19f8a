// Cases for the codex part of token_usage: the rollout parser, its resumable
// state, the cross-file merge and the cache encoding, on the fixtures under
// tests/data/usage/codex/ (each reproduces one Codex quirk; see below).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/detail/codex.hpp"
#include "okstra/token_usage/detail/gemini.hpp"

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_codex_test {

namespace tu = okstra::token_usage;
namespace codex = tu::codex;
namespace stdfs = std::filesystem;

// Fixtures are found through OKSTRA_SOURCE_ROOT (set by meson test); never
// relative to the current folder, which would silently test nothing.
stdfs::path codex_fixtures() {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  if (!root || !*root) throw std::runtime_error("OKSTRA_SOURCE_ROOT is not set: run the tests with `meson test`");
  return stdfs::path(root) / "tests/data/usage/codex";
}

const std::string id_a = "11111111-1111-4111-8111-111111111111";  // main: most quirks
const std::string id_d = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";  // in sessions/ and archived_sessions/
const std::string id_p = "22222222-2222-4222-8222-222222222222";  // parent of F and S
const std::string id_f = "33333333-3333-4333-8333-333333333333";  // fork of P (forked_from_id)
const std::string id_s = "44444444-4444-4444-8444-444444444444";  // subagent of P (thread_spawn)
const std::string id_o = "55555555-5555-4555-8555-555555555555";  // fork whose parent is absent
const std::string id_e = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee";  // 0-byte file

const std::vector<std::string>& fixture_paths() {
  static const std::vector<std::string> paths = {
      "sessions/2025/09/01/rollout-2025-09-01T10-00-00-" + id_a + ".jsonl",
      "sessions/2025/09/02/rollout-2025-09-02T09-00-00-" + id_d + ".jsonl",
      "archived_sessions/rollout-2025-09-02T09-00-00-" + id_d + ".jsonl",
      "sessions/2025/09/03/rollout-2025-09-03T08-00-00-" + id_p + ".jsonl",
      "sessions/2025/09/03/rollout-2025-09-03T12-00-00-" + id_f + ".jsonl",
      "sessions/2025/09/03/rollout-2025-09-03T13-00-00-" + id_s + ".jsonl",
      "sessions/2025/09/04/rollout-2025-09-04T07-00-00-" + id_o + ".jsonl",
      "sessions/2025/09/04/rollout-2025-09-04T08-00-00-" + id_e + ".jsonl",
  };
  return paths;
}

std::string read_fixture(const std::string& rel) { return okstra::fs::read_file(codex_fixtures() / rel); }

tu::tokens make(std::uint64_t input, std::uint64_t output, std::uint64_t cache_read, std::uint64_t reasoning) {
  tu::tokens t;
  t.input = input, t.output = output, t.cache_read = cache_read, t.reasoning = reasoning;
  return t;
}

tu::tokens sum(const std::vector<tu::record>& records, const std::string& session = {}) {
  tu::tokens t;
  for (const auto& r : records)
    if (session.empty() || r.session_id == session) t += r.usage;
  return t;
}

// Records compared through their cache encoding, which covers every field.
std::string encode_records(const std::vector<tu::record>& records) {
  tu::detail::encoder e;
  for (const auto& r : records) e.rec(r);
  return e.buffer();
}

struct parsed_set {
  std::vector<codex::file_result> results;
  std::vector<codex::file_ref> refs;
};

parsed_set parse_all() {
  parsed_set s;
  s.results.reserve(fixture_paths().size());
  for (const auto& p : fixture_paths()) s.results.push_back(codex::parse(read_fixture(p)));
  for (std::size_t i = 0; i < fixture_paths().size(); ++i) s.refs.emplace_back(fixture_paths()[i], &s.results[i]);
  return s;
}


BOOST_AUTO_TEST_SUITE(token_usage_codex)

// The main rollout. Rows, by hand (input = input − cached):
//   10:01:00 total (1000,200,300,100)            → in 800, cache 200, out 300, reas 100
//   10:01:01 same total again                    → re-emitted, ignored
//   10:02:00 last (1500,1000,200,50)             → in 500, cache 1000, out 200, reas 50
//   10:04:00 no last: delta (4000,2000,800,250) − (2500,1200,500,150)
//            = (1500,800,300,100), model now gpt-5 → in 700, cache 800, out 300, reas 100
//   10:05:00 total (600,100,50,0) went down, no last: restart, the total itself
//                                                → in 500, cache 100, out 50, reas 0
//   10:06:00 last (1000,500,100,20)              → in 500, cache 500, out 100, reas 20
// info:null rows (10:00:03, 10:04:30) change nothing. Skipped: "this is not
// json" and a token_count line with a trailing comma = 2. The response_item
// with bytes FF FE is never parsed, so not skipped. The last line has no
// '\n': unconsumed, one truncated line at EOF.
BOOST_AUTO_TEST_CASE(main_rollout_rows) {
  const std::string bytes = read_fixture(fixture_paths()[0]);
  const codex::file_result r = codex::parse(bytes);
  BOOST_TEST(r.state.session_id == id_a);
  BOOST_TEST(r.state.parent_id.empty());
  BOOST_TEST(r.skipped_lines == 2u);
  BOOST_REQUIRE_LT(r.consumed, bytes.size());
  BOOST_TEST(bytes[r.consumed - 1] == '\n');
  BOOST_TEST(codex::truncated_tail_lines(std::string_view(bytes).substr(r.consumed)) == 1u);
  BOOST_REQUIRE_EQUAL(r.rows.size(), 5u);
  const std::vector<tu::tokens> expect = {make(800, 300, 200, 100), make(500, 200, 1000, 50), make(700, 300, 800, 100),
                                          make(500, 50, 100, 0), make(500, 100, 500, 20)};
  const std::vector<std::string> models = {"gpt-5-codex", "gpt-5-codex", "gpt-5", "gpt-5", "gpt-5"};
  for (std::size_t i = 0; i < expect.size(); ++i) {
    BOOST_TEST_CONTEXT("row " << i) {
      BOOST_TEST((r.rows[i].usage == expect[i]));
      BOOST_TEST(r.rows[i].model == models[i]);
      BOOST_TEST(r.rows[i].project == "/work/alpha");
    }
  }
  BOOST_TEST(r.rows[0].timestamp_ms == *okstra::time::parse_iso8601("2025-09-01T10:01:00Z"));
  BOOST_TEST(r.rows[4].timestamp_ms == *okstra::time::parse_iso8601("2025-09-01T10:06:00Z"));
  tu::tokens total;
  for (const auto& row : r.rows) total += row.usage;
  BOOST_TEST((total == make(3000, 950, 2600, 270)));
  BOOST_TEST(total.total() == 6550u);
}

BOOST_AUTO_TEST_CASE(empty_and_blank_input) {
  const codex::file_result r = codex::parse("");
  BOOST_TEST((r == codex::file_result{}));
  BOOST_TEST(codex::truncated_tail_lines("") == 0u);
  BOOST_TEST(codex::truncated_tail_lines(" \r\n\t") == 0u);
  const codex::file_result blank = codex::parse("\n\r\n  \n");
  BOOST_TEST(blank.rows.empty());
  BOOST_TEST(blank.skipped_lines == 0u);
  BOOST_TEST(blank.consumed == 6u);
}

// Without a turn_context, the model is info.model, else "unknown"; a row
// with info but no total_token_usage is a skipped line.
BOOST_AUTO_TEST_CASE(model_fallbacks_and_bad_info) {
  const std::string bytes =
      R"({"timestamp":"2025-01-01T00:00:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":10,"output_tokens":1}}}})"
      "\n"
      R"({"timestamp":"2025-01-01T00:00:01Z","type":"event_msg","payload":{"type":"token_count","info":{"model":"o3","total_token_usage":{"input_tokens":20,"output_tokens":2}}}})"
      "\n"
      R"({"timestamp":"2025-01-01T00:00:02Z","type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":5}}}})"
      "\n"
      R"({"timestamp":"2025-01-01T00:00:03Z","type":"event_msg","payload":{"type":"token_count","info":7}})"
      "\n";
  const codex::file_result r = codex::parse(bytes);
  BOOST_REQUIRE_EQUAL(r.rows.size(), 2u);
  BOOST_TEST(r.rows[0].model == "unknown");
  BOOST_TEST(r.rows[1].model == "o3");
  BOOST_TEST((r.rows[1].usage == make(10, 1, 0, 0)));  // delta of the totals
  BOOST_TEST(r.skipped_lines == 2u);
  BOOST_TEST(r.state.session_id.empty());
}

// Parsing a file in two pieces, cut at ANY byte (so also mid-line), gives
// exactly the result of one parse: only complete lines are consumed and the
// state carries everything.
BOOST_AUTO_TEST_CASE(resumable_parse_equals_whole_parse) {
  for (const auto& path : fixture_paths()) {
    const std::string bytes = read_fixture(path);
    const codex::file_result whole = codex::parse(bytes);
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
      codex::file_result part = codex::parse(std::string_view(bytes).substr(0, cut));
      BOOST_REQUIRE_LE(part.consumed, cut);
      codex::parse_more(part, std::string_view(bytes).substr(part.consumed));
      if (!(part == whole)) BOOST_FAIL(path << ": split at byte " << cut << " differs from the whole parse");
    }
  }
}

// All fixtures merged. Per session, by hand:
//   A  3000 in, 2600 cache, 950 out, 270 reas (above)                 = 6550
//   D  archived copy (3 rows) beats sessions/ copy (2 rows):
//      (100,0,10,0) + last (200,100,20,5) + last (300,150,40,0)
//      → in 100+100+150, cache 0+100+150, out 10+20+40, reas 5        = 670
//   P  (1000,0,100,0), re-emit ignored, last (2000,1500,200,50)
//      → in 1500, cache 1500, out 300, reas 50                         = 3300
//   F  replays P's two rows (dropped), then last (1000,1000,50,10) and
//      last (500,300,50,0) → in 0+200, cache 1000+300, out 100, reas 10 = 1600
//   S  replays P's two rows (dropped), last (200,0,40,0), then no last:
//      delta (3500,1600,400,60) − (3200,1500,340,50) → in 400, cache 100,
//      out 100, reas 10                                                 = 600
//   O  parent absent: counted whole, (500,100,50,0) → in 400, cache 100  = 550
//   E  0-byte file: nothing.
// Sum: in 5850, cache 5850, out 1570, reas 345, total 13270; 15 records.
// (ccusage 20.0.24 `codex daily` on these files: 12620 — it drops the
// restart row of A (650) where docs/usage.md counts from zero; its `codex session`
// report also counts D twice.)
BOOST_AUTO_TEST_CASE(merge_totals) {
  const parsed_set s = parse_all();
  const codex::merge_result m = codex::merge(s.refs);
  BOOST_TEST(m.records.size() == 15u);
  BOOST_TEST((sum(m.records) == make(5850, 1570, 5850, 345)));
  BOOST_TEST(sum(m.records).total() == 13270u);
  BOOST_TEST(sum(m.records, id_a).total() == 6550u);
  BOOST_TEST(sum(m.records, id_d).total() == 670u);
  BOOST_TEST(sum(m.records, id_p).total() == 3300u);
  BOOST_TEST((sum(m.records, id_f) == make(200, 100, 1300, 10)));
  BOOST_TEST((sum(m.records, id_s) == make(400, 100, 100, 10)));
  BOOST_TEST(sum(m.records, id_o).total() == 550u);
  BOOST_TEST(m.skipped_lines == 2u);
  BOOST_TEST(m.duplicate_files == 1u);
  BOOST_TEST(m.replayed_rows == 4u);
  BOOST_REQUIRE_EQUAL(m.forks_without_parent.size(), 1u);
  BOOST_TEST(m.forks_without_parent[0] == fixture_paths()[6]);
  for (const auto& r : m.records) {
    BOOST_TEST((r.src == tu::source::codex));
    BOOST_TEST((r.who == tu::agent::other));
  }
  // The fork's own rows keep their own timestamps, not the replayed ones.
  const auto first_f = std::find_if(m.records.begin(), m.records.end(), [](auto& r) { return r.session_id == id_f; });
  BOOST_REQUIRE(first_f != m.records.end());
  BOOST_TEST(first_f->timestamp_ms == *okstra::time::parse_iso8601("2025-09-03T12:01:00Z"));
}

// Without its parent, a fork's replayed rows cannot be recognised: counted, and reported.
BOOST_AUTO_TEST_CASE(merge_without_parent_counts_history) {
  const parsed_set s = parse_all();
  const std::vector<codex::file_ref> refs = {s.refs[4]};  // F alone
  const codex::merge_result m = codex::merge(refs);
  BOOST_TEST(sum(m.records).total() == 3300u + 1600u);
  BOOST_TEST(m.replayed_rows == 0u);
  BOOST_TEST(m.forks_without_parent == std::vector<std::string>{fixture_paths()[4]});
}

// A file without session_meta is keyed by the UUID in its name; null results are ignored.
BOOST_AUTO_TEST_CASE(merge_keys_and_nulls) {
  const codex::file_result rows = codex::parse(
      R"({"timestamp":"2025-01-01T00:00:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":10,"output_tokens":1}}}})"
      "\n");
  const std::vector<codex::file_ref> refs = {{"a/rollout-2025-01-01T00-00-00-" + id_e + ".jsonl", &rows},
                                             {"b/rollout-x-" + id_e + ".jsonl", &rows},
                                             {"c/other.jsonl", &rows},
                                             {"d/null.jsonl", nullptr}};
  const codex::merge_result m = codex::merge(refs);
  BOOST_REQUIRE_EQUAL(m.records.size(), 2u);
  BOOST_TEST(m.duplicate_files == 1u);
  BOOST_TEST(m.records[0].session_id == "c/other.jsonl");
  BOOST_TEST(m.records[1].session_id == id_e);
}

// Every order of the 8 files gives identical records and counters.
BOOST_AUTO_TEST_CASE(merge_is_order_independent) {
  const parsed_set s = parse_all();
  const codex::merge_result first = codex::merge(s.refs);
  const std::string expect = encode_records(first.records);
  std::vector<std::size_t> order(s.refs.size());
  std::iota(order.begin(), order.end(), 0);
  std::size_t permutations = 0;
  do {
    std::vector<codex::file_ref> refs;
    for (std::size_t i : order) refs.push_back(s.refs[i]);
    const codex::merge_result m = codex::merge(refs);
    ++permutations;
    const bool same = encode_records(m.records) == expect && m.skipped_lines == first.skipped_lines &&
                      m.duplicate_files == first.duplicate_files && m.replayed_rows == first.replayed_rows &&
                      m.forks_without_parent == first.forks_without_parent;
    if (!same) BOOST_FAIL("merge differs for permutation " << permutations);
  } while (std::next_permutation(order.begin(), order.end()));
  BOOST_TEST(permutations == 40320u);
}

BOOST_AUTO_TEST_CASE(cache_round_trip) {
  const parsed_set s = parse_all();
  for (const auto& r : s.results) {
    tu::detail::encoder e;
    r.encode(e);
    tu::detail::decoder d(e.buffer());
    const codex::file_result back = codex::file_result::decode(d);
    BOOST_TEST(!d.failed());
    BOOST_TEST(d.at_end());
    BOOST_TEST((back == r));
  }
}

// Every strict prefix of an encoding, a foreign tag and random bytes fail
// cleanly (failed() set, no crash, no throw).
BOOST_AUTO_TEST_CASE(cache_decode_rejects_bad_bytes) {
  const parsed_set s = parse_all();
  tu::detail::encoder e;
  s.results[0].encode(e);
  const std::string blob = e.buffer();
  for (std::size_t n = 0; n < blob.size(); ++n) {
    tu::detail::decoder d(std::string_view(blob).substr(0, n));
    (void)codex::file_result::decode(d);
    if (!d.failed()) BOOST_FAIL("a prefix of " << n << " bytes decoded without failing");
  }
  tu::detail::encoder g;
  tu::gemini::file_result{}.encode(g);
  tu::detail::decoder foreign(g.buffer());
  (void)codex::file_result::decode(foreign);
  BOOST_TEST(foreign.failed());
  const std::string forged = std::string("x\x01") + std::string(6, '\0') + "\xff\xff\xff\xff\x0f";
  tu::detail::decoder huge(forged);
  (void)codex::file_result::decode(huge);
  BOOST_TEST(huge.failed());
  std::mt19937 rng(42);
  for (int round = 0; round < 2000; ++round) {
    std::string junk = blob;
    for (int k = 0; k < 4; ++k) junk[rng() % junk.size()] = static_cast<char>(rng());
    tu::detail::decoder d(junk);
    BOOST_CHECK_NO_THROW((void)codex::file_result::decode(d));
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_codex_test
