// Cases for the gemini and cursor parts of token_usage: the Gemini chat
// parsers (.json and .jsonl), the Cursor log and hook, merges and the cache
// encoding, on the fixtures under tests/data/usage/{gemini,cursor}/.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/token_usage/detail/cursor.hpp"
#include "okstra/token_usage/detail/gemini.hpp"
#include "test_support.hpp"

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_gemini_test {

namespace tu = okstra::token_usage;
namespace gemini = tu::gemini;
namespace cursor = tu::cursor;
namespace stdfs = std::filesystem;

// Fixtures are found through OKSTRA_SOURCE_ROOT (set by meson test); never
// relative to the current folder, which would silently test nothing.
stdfs::path usage_fixtures() {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  if (!root || !*root) throw std::runtime_error("OKSTRA_SOURCE_ROOT is not set: run the tests with `meson test`");
  return stdfs::path(root) / "tests/data/usage";
}

const std::string chats = "gemini/tmp/5f1c0e9a7b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e/chats/";
const std::string g1 = "a1a1a1a1-0000-4000-8000-000000000001";
const std::string g2 = "b2b2b2b2-0000-4000-8000-000000000002";
const std::string g1_json = chats + "session-2025-09-01T10-00-a1a1a1a1.json";    // legacy document
const std::string g1_jsonl = chats + "session-2025-09-01T10-00-a1a1a1a1.jsonl";  // its migration + 1 message
const std::string g2_jsonl = chats + "session-2025-09-05T12-00-b2b2b2b2.jsonl";  // upserts, rewind, $set
const std::string bad_json = chats + "session-2025-09-06T08-00-c3c3c3c3.json";   // truncated document
const std::string cursor_log = "cursor/cursor.jsonl";

std::string read_fixture(const std::string& rel) { return okstra::fs::read_file(usage_fixtures() / rel); }

using okstra::test::at;

tu::tokens make(std::uint64_t input, std::uint64_t output, std::uint64_t cache_read, std::uint64_t reasoning,
                std::uint64_t cache_write_5m = 0) {
  tu::tokens t;
  t.input = input, t.output = output, t.cache_read = cache_read, t.reasoning = reasoning;
  t.cache_write_5m = cache_write_5m;
  return t;
}

tu::tokens sum(const std::vector<tu::record>& records) {
  tu::tokens t;
  for (const auto& r : records) t += r.usage;
  return t;
}

std::string encode_records(const std::vector<tu::record>& records) {
  tu::detail::encoder e;
  for (const auto& r : records) e.rec(r);
  return e.buffer();
}

const gemini::message* find(const gemini::file_result& r, const std::string& id) {
  for (const auto& m : r.messages)
    if (m.id == id) return &m;
  return nullptr;
}

// Every strict prefix of an encoding must fail to decode.
template <class Result>
void check_round_trip(const Result& r) {
  tu::detail::encoder e;
  r.encode(e);
  const std::string blob = e.buffer();
  tu::detail::decoder d(blob);
  const Result back = Result::decode(d);
  BOOST_TEST(!d.failed());
  BOOST_TEST(d.at_end());
  BOOST_TEST((back == r));
  for (std::size_t n = 0; n < blob.size(); ++n) {
    tu::detail::decoder p(std::string_view(blob).substr(0, n));
    (void)Result::decode(p);
    if (!p.failed()) BOOST_FAIL("a prefix of " << n << " bytes decoded without failing");
  }
}


BOOST_AUTO_TEST_SUITE(token_usage_gemini)

// The legacy document. Counted (input = input − cached, output + thoughts):
//   m1 (1000,200,400 cached,50 thoughts,30 tool) → in 630, cache 400, out 250, reas 50
//   m3 (2000,100,1500,0)                          → in 500, cache 1500, out 100
//   m4 (300,40,0,10), no timestamp                → in 300, out 50, reas 10
// Not counted: u1 (user), i1 (info), m2 (gemini, tokens null).
BOOST_AUTO_TEST_CASE(json_document) {
  const gemini::file_result r = gemini::parse_document(read_fixture(g1_json));
  BOOST_TEST(!r.jsonl);
  BOOST_TEST(r.session_id == g1);
  BOOST_TEST(r.project_hash.size() == 64u);
  BOOST_TEST(r.skipped_lines == 0u);
  BOOST_REQUIRE_EQUAL(r.messages.size(), 3u);
  BOOST_TEST((find(r, "m1")->usage == make(630, 250, 400, 50)));
  BOOST_TEST(find(r, "m1")->model == "gemini-2.5-pro");
  BOOST_TEST((find(r, "m3")->usage == make(500, 100, 1500, 0)));
  BOOST_TEST((find(r, "m4")->usage == make(300, 50, 0, 10)));
  BOOST_TEST(!find(r, "m4")->timestamp_ms.has_value());
  BOOST_TEST((r.last_updated_ms == at("2025-09-01T10:05:00Z")));
}

// The JSONL log of G2. n1 is first written with tokens null, then with
// (800,100,0,20,tool 5) → in 805, out 120, reas 20. n2 is replaced by a later
// copy (1200,80,600) → in 600, cache 600, out 80. "$rewindTo n2" is ignored
// (billed anyway); n3 (100,10) → in 100, out 10. The "$set.messages" copy of
// n1 with 9000 tokens is a context snapshot, ignored. One malformed line.
BOOST_AUTO_TEST_CASE(jsonl_upserts) {
  const std::string bytes = read_fixture(g2_jsonl);
  const gemini::file_result r = gemini::parse_jsonl(bytes);
  BOOST_TEST(r.jsonl);
  BOOST_TEST(r.session_id == g2);
  BOOST_TEST(r.skipped_lines == 1u);
  BOOST_TEST(r.consumed == bytes.size());
  BOOST_REQUIRE_EQUAL(r.messages.size(), 3u);
  BOOST_TEST(r.messages[0].id == "n1");  // first-seen order
  BOOST_TEST((find(r, "n1")->usage == make(805, 120, 0, 20)));
  BOOST_TEST((find(r, "n2")->usage == make(600, 80, 600, 0)));
  BOOST_TEST((find(r, "n3")->usage == make(100, 10, 0, 0)));
  BOOST_TEST(find(r, "n3")->model == "gemini-2.5-flash");
  BOOST_TEST((r.last_updated_ms == at("2025-09-05T12:03:00Z")));
}

// A later copy with tokens null replaces a counted one (later wins).
BOOST_AUTO_TEST_CASE(jsonl_later_null_tokens_win) {
  const gemini::file_result r = gemini::parse_jsonl(
      "{\"id\":\"a\",\"type\":\"gemini\",\"tokens\":{\"input\":5,\"output\":1}}\n"
      "{\"id\":\"a\",\"type\":\"gemini\",\"tokens\":null}\n");
  BOOST_REQUIRE_EQUAL(r.messages.size(), 1u);
  BOOST_TEST(!r.messages[0].counts);
  const std::vector<gemini::file_ref> refs = {{"x.jsonl", &r}};
  BOOST_TEST(gemini::merge(refs).records.empty());
}

BOOST_AUTO_TEST_CASE(malformed_document_is_one_skipped_unit) {
  const std::string bytes = read_fixture(bad_json);
  const gemini::file_result r = gemini::parse_document(bytes);
  BOOST_TEST(r.messages.empty());
  BOOST_TEST(r.skipped_lines == 1u);
  BOOST_TEST(r.consumed == bytes.size());
  BOOST_TEST(gemini::parse_document("[1,2]").skipped_lines == 1u);
  BOOST_TEST(gemini::parse_document("{\"messages\":7}").skipped_lines == 1u);
  BOOST_TEST(gemini::parse_document("{\"sessionId\":\"s\"}").skipped_lines == 0u);
  BOOST_TEST(gemini::parse_document("{\"messages\":[1,\"x\"]}").messages.empty());
  BOOST_TEST(gemini::parse_document("\xff").skipped_lines == 1u);
}

BOOST_AUTO_TEST_CASE(resumable_parse_equals_whole_parse) {
  for (const std::string& path : {g1_jsonl, g2_jsonl}) {
    const std::string bytes = read_fixture(path);
    const gemini::file_result whole = gemini::parse_jsonl(bytes);
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
      gemini::file_result part = gemini::parse_jsonl(std::string_view(bytes).substr(0, cut));
      gemini::parse_more(part, std::string_view(bytes).substr(part.consumed));
      if (!(part == whole)) BOOST_FAIL(path << ": split at byte " << cut << " differs from the whole parse");
    }
  }
  const std::string cut = "{\"sessionId\":\"s\"}\n{\"id\":\"a\",\"type\":\"gem";
  const gemini::file_result r = gemini::parse_jsonl(cut);
  BOOST_TEST(gemini::truncated_tail_lines(std::string_view(cut).substr(r.consumed)) == 1u);
}

// All four files merged. G1's .jsonl repeats m1 and m3 of its .json (Gemini
// CLI migrates a resumed legacy session): counted once each; m5 (50,5) is
// new. Records: m1, m3, m4, m5, n1, n2, n3 = 7.
//   input 630+500+300+50+805+600+100 = 2985 (tool 30 and 5 included); cache 400+1500+600 = 2500;
//   output 250+100+50+5+120+80+10 = 615; reasoning 50+10+20 = 80; total 6100.
// Skipped: G2's malformed line + the malformed document = 2.
// ccusage 20.0.24 (`GEMINI_DATA_DIR=… ccusage gemini daily --json --offline`)
// reports input 4115, cacheRead 4400, output 835, totalTokens 9480: it counts
// m1 and m3 twice (no cross-file de-duplication: +1130 input incl. tool,
// +1900 cache, +300 output, +50 thoughts), adds `tool` to input (+35), and
// keeps thoughts out of outputTokens (80) while pricing them as output.
// Without those three differences its figures equal these.
BOOST_AUTO_TEST_CASE(merge_totals_and_order_independence) {
  const std::vector<std::string> paths = {g1_json, g1_jsonl, g2_jsonl, bad_json};
  std::vector<gemini::file_result> results;
  for (const auto& p : paths)
    results.push_back(p.ends_with(".jsonl") ? gemini::parse_jsonl(read_fixture(p))
                                            : gemini::parse_document(read_fixture(p)));
  std::vector<gemini::file_ref> refs;
  for (std::size_t i = 0; i < paths.size(); ++i) refs.emplace_back(paths[i], &results[i]);
  const gemini::merge_result m = gemini::merge(refs);
  BOOST_TEST(m.records.size() == 7u);
  BOOST_TEST((sum(m.records) == make(2985, 615, 2500, 80)));
  BOOST_TEST(sum(m.records).total() == 6100u);
  BOOST_TEST(m.duplicate_messages == 2u);
  BOOST_TEST(m.skipped_lines == 2u);
  for (const auto& r : m.records) {
    BOOST_TEST((r.src == tu::source::gemini));
    BOOST_TEST((r.session_id == g1 || r.session_id == g2));
  }
  // m4 has no timestamp: it takes the document's lastUpdated.
  const auto m4 = std::find_if(m.records.begin(), m.records.end(), [](auto& r) { return r.usage.output == 50u; });
  BOOST_REQUIRE(m4 != m.records.end());
  BOOST_TEST(m4->timestamp_ms == at("2025-09-01T10:05:00Z"));
  const std::string expect = encode_records(m.records);
  std::vector<std::size_t> order(refs.size());
  std::iota(order.begin(), order.end(), 0);
  do {
    std::vector<gemini::file_ref> permuted;
    for (std::size_t i : order) permuted.push_back(refs[i]);
    const gemini::merge_result p = gemini::merge(permuted);
    BOOST_TEST(encode_records(p.records) == expect);
    BOOST_TEST(p.duplicate_messages == m.duplicate_messages);
  } while (std::next_permutation(order.begin(), order.end()));
}

// Copies of one message: the largest total wins, then the smallest path;
// a session without an id is keyed by its file name.
BOOST_AUTO_TEST_CASE(merge_picks_largest_copy) {
  const gemini::file_result small =
      gemini::parse_jsonl("{\"id\":\"a\",\"type\":\"gemini\",\"tokens\":{\"input\":5}}\n");
  const gemini::file_result big = gemini::parse_jsonl("{\"id\":\"a\",\"type\":\"gemini\",\"tokens\":{\"input\":9}}\n");
  for (int flip = 0; flip < 2; ++flip) {
    std::vector<gemini::file_ref> refs = {{"d/session-z.jsonl", &small}, {"d/session-z.jsonl.bak", &big}};
    if (flip) std::swap(refs[0], refs[1]);
    const gemini::merge_result m = gemini::merge(refs);
    BOOST_REQUIRE_EQUAL(m.records.size(), 1u);
    BOOST_TEST(m.records[0].usage.input == 9u);
    BOOST_TEST(m.records[0].session_id == "session-z");
    BOOST_TEST(m.records[0].model == "unknown");
  }
}

BOOST_AUTO_TEST_CASE(cache_round_trip) {
  check_round_trip(gemini::parse_document(read_fixture(g1_json)));
  check_round_trip(gemini::parse_jsonl(read_fixture(g2_jsonl)));
  check_round_trip(gemini::parse_document(read_fixture(bad_json)));
  tu::detail::encoder e;
  cursor::file_result{}.encode(e);
  tu::detail::decoder foreign(e.buffer());
  (void)gemini::file_result::decode(foreign);
  BOOST_TEST(foreign.failed());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(token_usage_cursor)

// The log: g1 twice (the later line wins: 120 in, 60 out, 1000 cache read,
// 200 cache write), g2 (300,30), g3 (10,5, model "" → unknown, project /work/x).
// Skipped: "not a json line" and a line without generationId = 2. The final
// line has no '\n': unconsumed, one truncated line at EOF.
// Totals: input 430, output 95, cacheRead 1000, cacheWrite5m 200 = 1725.
BOOST_AUTO_TEST_CASE(log_with_duplicate_generation) {
  const std::string bytes = read_fixture(cursor_log);
  const cursor::file_result r = tu::parse_cursor_log(bytes);
  BOOST_REQUIRE_EQUAL(r.entries.size(), 3u);
  BOOST_TEST(r.skipped_lines == 2u);
  BOOST_TEST(cursor::truncated_tail_lines(std::string_view(bytes).substr(r.consumed)) == 1u);
  BOOST_TEST(r.entries[0].generation_id == "g1");
  BOOST_TEST((r.entries[0].rec.usage == make(120, 60, 1000, 0, 200)));
  BOOST_TEST(r.entries[0].rec.timestamp_ms == at("2025-09-07T10:00:30Z"));
  BOOST_TEST(r.entries[0].rec.session_id == "c1");
  BOOST_TEST(r.entries[2].rec.model == "unknown");
  BOOST_TEST(r.entries[2].rec.project == "/work/x");
  const std::vector<cursor::file_ref> refs = {{"cursor.jsonl", &r}};
  const cursor::merge_result m = cursor::merge(refs);
  BOOST_TEST((sum(m.records) == make(430, 95, 1000, 0, 200)));
  BOOST_TEST(sum(m.records).total() == 1725u);
  BOOST_TEST(m.skipped_lines == 2u);
  for (const auto& rec : m.records) BOOST_TEST((rec.src == tu::source::cursor));
}

BOOST_AUTO_TEST_CASE(log_resumable_and_cached) {
  const std::string bytes = read_fixture(cursor_log);
  const cursor::file_result whole = cursor::parse(bytes);
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    cursor::file_result part = cursor::parse(std::string_view(bytes).substr(0, cut));
    cursor::parse_more(part, std::string_view(bytes).substr(part.consumed));
    if (!(part == whole)) BOOST_FAIL("split at byte " << cut << " differs from the whole parse");
  }
  check_round_trip(whole);
}

// Across logs the same generation counts once (largest total, then smallest
// path), whatever the order.
BOOST_AUTO_TEST_CASE(merge_across_logs) {
  const cursor::file_result a = cursor::parse(read_fixture(cursor_log));
  const cursor::file_result b = cursor::parse(
      "{\"generationId\":\"g2\",\"inputTokens\":999,\"timestamp\":\"2025-09-08T00:00:00Z\"}\n"
      "{\"generationId\":\"g9\",\"outputTokens\":1,\"timestamp\":\"2025-09-08T00:00:00Z\"}\n");
  const cursor::merge_result ab = cursor::merge({{"a", &a}, {"b", &b}});
  const cursor::merge_result ba = cursor::merge({{"b", &b}, {"a", &a}});
  BOOST_TEST(encode_records(ab.records) == encode_records(ba.records));
  BOOST_TEST(ab.records.size() == 4u);
  BOOST_TEST(ab.duplicate_generations == 1u);
  BOOST_TEST(sum(ab.records).input == 120u + 999u + 10u);
}

BOOST_AUTO_TEST_CASE(hook_line_from_payload) {
  const std::int64_t now = at("2025-09-07T10:00:00.250Z");
  const std::string line = tu::cursor_hook_line(
      R"({"conversation_id":"c1","generation_id":"g1","model":"claude-4-sonnet","hook_event_name":"stop",)"
      R"("input_tokens":100,"output_tokens":50,"cache_read_tokens":1000,"cache_write_tokens":200,)"
      R"("workspace_roots":["/work/x"]})",
      now);
  BOOST_TEST(line == R"({"conversationId":"c1","generationId":"g1","model":"claude-4-sonnet","inputTokens":100,)"
                     R"("outputTokens":50,"cacheReadTokens":1000,"cacheWriteTokens":200,)"
                     R"("timestamp":"2025-09-07T10:00:00.250Z","project":"/work/x"})");
  // The line reads back as the same usage.
  const cursor::file_result r = tu::parse_cursor_log(line + "\n");
  BOOST_REQUIRE_EQUAL(r.entries.size(), 1u);
  BOOST_TEST((r.entries[0].rec.usage == make(100, 50, 1000, 0, 200)));
  BOOST_TEST(r.entries[0].rec.timestamp_ms == now);
  // Missing and null token fields are 0; no model, no roots.
  BOOST_TEST(tu::cursor_hook_line(R"({"generation_id":"g2","output_tokens":null})", 0) ==
             R"({"conversationId":"","generationId":"g2","model":"","inputTokens":0,"outputTokens":0,)"
             R"("cacheReadTokens":0,"cacheWriteTokens":0,"timestamp":"1970-01-01T00:00:00.000Z"})");
}

BOOST_AUTO_TEST_CASE(hook_line_rejects_bad_payloads) {
  const auto rejects = [](std::string_view payload, std::string_view expected) {
    try {
      (void)tu::cursor_hook_line(payload, 0);
      BOOST_ERROR("accepted: " << payload);
    } catch (const okstra::error& e) {
      BOOST_TEST((e.code() == okstra::exit_code::input));
      BOOST_TEST(std::string(e.what()) == std::string(expected));
    }
  };
  rejects("[1]", "malformed cursor hook payload 'stdin': expected a JSON object");
  rejects("{}", "malformed cursor hook payload 'stdin': missing \"generation_id\"");
  rejects(R"({"generation_id":""})", "malformed cursor hook payload 'stdin': missing \"generation_id\"");
  rejects(R"({"generation_id":7})", "malformed cursor hook payload 'stdin': missing \"generation_id\"");
  rejects(R"({"generation_id":"g","input_tokens":-1})",
          "malformed cursor hook payload 'stdin': field \"input_tokens\" must be a non-negative integer of at most 9223372036854775807");
  rejects(R"({"generation_id":"g","cache_write_tokens":"12"})",
          "malformed cursor hook payload 'stdin': field \"cache_write_tokens\" must be a non-negative integer of at most 9223372036854775807");
  rejects("{\"generation_id\":", "malformed JSON 'stdin': invalid value at byte 17");
  BOOST_CHECK_THROW((void)tu::cursor_hook_line("", 0), okstra::error);
}

BOOST_AUTO_TEST_CASE(hook_install_snippet) {
  BOOST_TEST(tu::cursor_hook_install_snippet("/usr/local/bin/okstra-usage") ==
             "{\n"
             "  \"version\": 1,\n"
             "  \"hooks\": {\n"
             "    \"stop\": [\n"
             "      {\n"
             "        \"command\": \"/usr/local/bin/okstra-usage cursor-hook\"\n"
             "      }\n"
             "    ]\n"
             "  }\n"
             "}\n");
  const std::string quoted = tu::cursor_hook_install_snippet("/opt/my tools/it's/okstra-usage");
  BOOST_TEST(quoted.find(R"("command": "'/opt/my tools/it'\\''s/okstra-usage' cursor-hook")") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_gemini_test
