// Cases for the Claude Code part of token_usage: the line reader, the
// per-file parser and the cross-file merge, on fixtures that reproduce the
// real format's quirks (tests/data/usage/claude, written by
// tests/data/usage/claude/README.md's rules).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <cstdlib>
#include <map>
#include <set>
#include <random>
#include <string>
#include <tuple>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/token_usage.hpp"

namespace tu = okstra::token_usage;
namespace stdfs = std::filesystem;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_claude_test {

stdfs::path fixtures() {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  BOOST_REQUIRE_MESSAGE(root && *root, "OKSTRA_SOURCE_ROOT must name the source tree");
  return stdfs::path(root) / "tests/data/usage/claude";
}

const stdfs::path main_file = "projects/-work-demo/11111111-aaaa.jsonl";
const stdfs::path sub_file = "projects/-work-demo/11111111-aaaa/subagents/agent-a1.jsonl";
const stdfs::path team_file = "projects/-work-demo/22222222-bbbb.jsonl";

tu::claude::file_result parse_file(const stdfs::path& p) {
  const std::string bytes = okstra::fs::read_file(p);
  tu::claude::file_result r;
  tu::claude::file_parser parser(r);
  const std::size_t complete = okstra::scan::complete_prefix(bytes);
  parser.parse(std::string_view(bytes).substr(0, complete), 0);
  r.consumed = complete;
  return r;
}

tu::tokens sum(const std::vector<tu::record>& records) {
  tu::tokens t;
  for (const auto& r : records) t += r.usage;
  return t;
}

const tu::record* find_model_session(const std::vector<tu::record>& rs, std::string_view session, std::uint64_t total) {
  for (const auto& r : rs)
    if (r.session_id == session && r.usage.total() == total) return &r;
  return nullptr;
}


BOOST_AUTO_TEST_SUITE(claude_lines)

BOOST_AUTO_TEST_CASE(reads_only_the_needed_fields_in_any_order) {
  okstra::transcript::usage_line u;
  std::string arena;
  const std::string line =
      R"({"timestamp":"2026-11-20T10:00:00Z","message":{"usage":{"output_tokens":5,"input_tokens":7,)"
      R"("cache_read_input_tokens":3},"content":[{"type":"text","text":"a \"usage\" {[ \\"}],"model":"m\u00e9","id":"x"},)"
      R"("type":"assistant","requestId":"r","isSidechain":true})";
  BOOST_TEST((okstra::transcript::read_usage_line(line, u, arena) == okstra::transcript::line_status::usage));
  BOOST_TEST(u.input == 7u);
  BOOST_TEST(u.output == 5u);
  BOOST_TEST(u.cache_read == 3u);
  BOOST_TEST(u.model == "m\xc3\xa9");  // escape decoded
  BOOST_TEST(u.message_id == "x");
  BOOST_TEST(u.is_sidechain);
}

BOOST_AUTO_TEST_CASE(user_lines_and_broken_lines) {
  okstra::transcript::usage_line u;
  std::string arena;
  using okstra::transcript::line_status;
  using okstra::transcript::read_usage_line;
  BOOST_TEST((read_usage_line(R"({"type":"user","toolUseResult":{"usage":{"input_tokens":1}}})", u, arena) ==
              line_status::other));
  BOOST_TEST((read_usage_line(R"({"type":"assistant","message":{"usage":{"input_tokens":1})", u, arena) ==
              line_status::malformed));
  BOOST_TEST((read_usage_line(R"([1,2,"usage"])", u, arena) == line_status::malformed));
  BOOST_TEST((read_usage_line(R"({"type":"assistant"} trailing)", u, arena) == line_status::malformed));
  BOOST_TEST((read_usage_line("", u, arena) == line_status::malformed));
  // A negative or fractional count cannot be read as zero: the line is
  // refused (docs/usage.md, "Counts that do not fit"); null is absent.
  BOOST_TEST((read_usage_line(R"({"type":"assistant","message":{"id":"a","usage":{"input_tokens":-5,"output_tokens":2.5}}})",
                              u, arena) == line_status::malformed));
  BOOST_TEST((read_usage_line(R"({"type":"assistant","message":{"id":"a","usage":{"input_tokens":null,"output_tokens":2}}})",
                              u, arena) == line_status::usage));
  BOOST_TEST(u.input == 0u);
  BOOST_TEST(u.output == 2u);
}

// Lines ccusage 20.0.24 drops or misreads and okstra counts (docs/usage.md,
// "Where okstra and ccusage differ").
BOOST_AUTO_TEST_CASE(lines_where_okstra_differs_from_ccusage) {
  tu::claude::file_result r;
  tu::claude::file_parser parser(r);
  const std::string text =
      // spaces in the JSON
      R"({"type": "assistant", "timestamp": "2026-11-20T10:00:00Z", "requestId": "r1", )"
      R"("message": {"id": "m1", "model": "claude-sonnet-4-5", "usage": {"input_tokens": 1, "output_tokens": 2}}})"
      "\n"
      // microseconds in the timestamp
      R"({"type":"assistant","timestamp":"2026-11-20T10:00:00.123456Z","requestId":"r2",)"
      R"("message":{"id":"m2","model":"claude-sonnet-4-5","usage":{"input_tokens":3,"output_tokens":4}}})"
      "\n"
      // a null inside a tool input
      R"({"type":"assistant","timestamp":"2026-11-20T10:00:00Z","requestId":"r3","message":{"id":"m3",)"
      R"("model":"claude-sonnet-4-5","content":[{"type":"tool_use","input":{"model":null}}],)"
      R"("usage":{"input_tokens":5,"output_tokens":6}}})"
      "\n"
      // an empty cache_creation split: the total stands
      R"({"type":"assistant","timestamp":"2026-11-20T10:00:00Z","requestId":"r4","message":{"id":"m4",)"
      R"("model":"claude-sonnet-4-5","usage":{"input_tokens":0,"output_tokens":0,)"
      R"("cache_creation_input_tokens":100,"cache_creation":{}}}})"
      "\n";
  parser.parse(text, 0);
  BOOST_REQUIRE(r.entries.size() == 4u);
  tu::tokens t;
  for (const auto& e : r.entries) t += e.usage;
  BOOST_TEST(t.input == 9u);
  BOOST_TEST(t.output == 12u);
  BOOST_TEST(t.cache_write_5m == 100u);
  BOOST_TEST(r.skipped_lines == 0u);
}

// Older Claude Code logged a subagent's messages inside the parent file as
// "progress" lines; they count, once, also when the subagent file has a copy.
BOOST_AUTO_TEST_CASE(older_progress_lines_carry_subagent_usage) {
  const std::string parent =
      R"({"type":"progress","timestamp":"2026-11-20T12:00:09Z","sessionId":"s","data":{"type":"agent_progress",)"
      R"("message":{"type":"assistant","timestamp":"2026-11-20T12:00:05Z","requestId":"rp","isSidechain":true,)"
      R"("message":{"id":"mp","model":"claude-sonnet-4-5","usage":{"input_tokens":7,"output_tokens":3}}}}})"
      "\n"
      R"({"type":"progress","timestamp":"2026-11-20T12:00:10Z","data":{"type":"hook_progress","hookName":"x"}})"
      "\n";
  const std::string sub =
      R"({"type":"assistant","isSidechain":true,"sessionId":"s","requestId":"rp","timestamp":"2026-11-20T12:00:05Z",)"
      R"("message":{"id":"mp","model":"claude-sonnet-4-5","usage":{"input_tokens":7,"output_tokens":3}}})"
      "\n";
  tu::claude::file_result a, b;
  tu::claude::file_parser(a).parse(parent, 0);
  tu::claude::file_parser(b).parse(sub, 0);
  BOOST_REQUIRE(a.entries.size() == 1u);
  BOOST_TEST(a.skipped_lines == 0u);
  BOOST_TEST(a.entries[0].timestamp_ms == *okstra::time::parse_iso8601("2026-11-20T12:00:05Z"));
  BOOST_TEST(a.entries[0].sidechain == 1);
  const auto records = tu::claude::merge({{"p.jsonl", &a, false, ""}, {"s/subagents/agent-1.jsonl", &b, true, "claude-worker"}});
  BOOST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records[0].usage.total() == 10u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(claude_files)

BOOST_AUTO_TEST_CASE(main_file_quirks) {
  const auto r = parse_file(fixtures() / main_file);
  // msg_A (3 content-block lines, a streaming copy with output 1 first),
  // msg_B (no requestId, twice), msg_C, msg_D (an invalid UTF-8 byte in its
  // text). Skipped: the "<synthetic>" model and the API-error notice are not
  // usage; the line cut in the middle is malformed.
  BOOST_TEST(r.entries.size() == 4u);
  BOOST_TEST(r.skipped_lines == 1u);
  const auto a = std::find_if(r.entries.begin(), r.entries.end(), [&](const auto& e) { return r.str(e.message_id) == "msg_A"; });
  BOOST_REQUIRE(a != r.entries.end());
  BOOST_TEST(a->usage.output == 200u);  // the most complete copy
  BOOST_TEST(a->usage.cache_write_5m == 60u);
  BOOST_TEST(a->usage.cache_write_1h == 40u);
  const std::string bytes = okstra::fs::read_file(fixtures() / main_file);
  BOOST_TEST(r.consumed < bytes.size());  // the truncated tail is left unconsumed
}

BOOST_AUTO_TEST_CASE(parsing_in_pieces_equals_parsing_whole) {
  const std::string bytes = okstra::fs::read_file(fixtures() / main_file);
  const std::size_t complete = okstra::scan::complete_prefix(bytes);
  const auto whole = parse_file(fixtures() / main_file);
  for (std::size_t cut = 0; cut < complete; ++cut) {
    if (cut && bytes[cut - 1] != '\n') continue;
    tu::claude::file_result r;
    {
      tu::claude::file_parser p(r);
      p.parse(std::string_view(bytes).substr(0, cut), 0);
    }
    tu::claude::file_parser p(r);  // a new parser resumes from the result, as after a cache load
    p.parse(std::string_view(bytes).substr(cut, complete - cut), cut);
    BOOST_TEST(r.entries.size() == whole.entries.size());
    BOOST_TEST(r.skipped_lines == whole.skipped_lines);
    tu::tokens x, y;
    for (const auto& e : r.entries) x += e.usage;
    for (const auto& e : whole.entries) y += e.usage;
    BOOST_TEST((x == y));
  }
}

BOOST_AUTO_TEST_CASE(merge_rules_and_roles) {
  const auto m = parse_file(fixtures() / main_file);
  const auto s = parse_file(fixtures() / sub_file);
  const auto t = parse_file(fixtures() / team_file);
  std::vector<tu::claude::file_input> inputs = {
      {(fixtures() / main_file).string(), &m, false, ""},
      {(fixtures() / sub_file).string(), &s, true, "claude-worker"},
      {(fixtures() / team_file).string(), &t, false, ""},
  };
  const auto records = tu::claude::merge(inputs);
  // msg_A's sidechain replay and its copy in another session are dropped.
  BOOST_TEST(records.size() == 6u);
  const tu::tokens total = sum(records);
  BOOST_TEST(total.input == 138u);
  BOOST_TEST(total.output == 292u);
  BOOST_TEST(total.cache_write_5m == 360u);
  BOOST_TEST(total.cache_write_1h == 40u);
  BOOST_TEST(total.cache_read == 1050u);
  BOOST_TEST(total.total() == 1880u);
  const auto* worker = find_model_session(records, "11111111-aaaa", 50);
  BOOST_REQUIRE(worker);
  BOOST_TEST((worker->who == tu::agent::claude_worker));
  const auto* writer = find_model_session(records, "22222222-bbbb", 150);
  BOOST_REQUIRE(writer);
  BOOST_TEST((writer->who == tu::agent::report_writer));
  BOOST_TEST(writer->team_name == "okstra-g-t");
  const auto* lead = find_model_session(records, "11111111-aaaa", 1310);
  BOOST_REQUIRE(lead);
  BOOST_TEST((lead->who == tu::agent::lead));
  BOOST_TEST(lead->project == "/work/demo");
  BOOST_TEST(lead->timestamp_ms == *okstra::time::parse_iso8601("2026-11-20T10:00:01.000Z"));

  // Every order of the inputs gives the same records.
  std::sort(inputs.begin(), inputs.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  do {
    const auto again = tu::claude::merge(inputs);
    BOOST_REQUIRE(again.size() == records.size());
    for (std::size_t i = 0; i < again.size(); ++i) {
      BOOST_TEST((again[i].usage == records[i].usage));
      BOOST_TEST(again[i].session_id == records[i].session_id);
      BOOST_TEST(again[i].timestamp_ms == records[i].timestamp_ms);
    }
  } while (std::next_permutation(inputs.begin(), inputs.end(),
                                 [](const auto& a, const auto& b) { return a.path < b.path; }));
}

BOOST_AUTO_TEST_CASE(cache_encoding_round_trips) {
  const auto r = parse_file(fixtures() / main_file);
  const std::string stored = tu::claude::encode_part(r);
  const auto back = tu::claude::decode_part(stored);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->view.blob == r.blob);
  BOOST_REQUIRE(back->view.entries.size() == r.entries.size());
  BOOST_TEST(std::memcmp(back->view.entries.data(), r.entries.data(), r.entries.size() * sizeof(r.entries[0])) == 0);
  BOOST_TEST(back->consumed == r.consumed);
  BOOST_TEST(back->skipped_lines == r.skipped_lines);
  // Every cut, and a string whose bytes are not 8-aligned, are refused.
  for (std::size_t cut = 0; cut < stored.size(); cut += 7)
    BOOST_TEST(!tu::claude::decode_part(std::string(stored, 0, cut)).has_value());
  const std::string shifted = " " + stored;
  BOOST_TEST(!tu::claude::decode_part(std::string_view(shifted).substr(1)).has_value());
  // A string reference that points past the blob is refused.
  std::string bad = stored;
  const std::uint64_t huge = 1u << 30;
  std::memcpy(bad.data() + 40 + offsetof(tu::claude::entry, model), &huge, 4);
  BOOST_TEST(!tu::claude::decode_part(bad).has_value());
}


// A merge of 60,000 entries (large enough for the two-thread path) agrees
// with a plain reference implementation of the rules in claude.hpp.
BOOST_AUTO_TEST_CASE(large_merge_equals_reference_rules) {
  std::mt19937 rng(7);
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::vector<tu::claude::file_result> results(40);
  std::vector<std::string> paths;
  for (std::size_t f = 0; f < results.size(); ++f) {
    paths.push_back("p/" + std::to_string(1000 + f) + ".jsonl");
    auto& r = results[f];
    const auto put = [&r](const std::string& text) {
      const tu::claude::sref ref{static_cast<std::uint32_t>(r.blob.size()), static_cast<std::uint32_t>(text.size())};
      r.blob += text;
      return ref;
    };
    for (int k = 0; k < 1500; ++k) {
      tu::claude::entry e;
      e.offset = static_cast<std::uint64_t>(k) * 100 + static_cast<std::uint64_t>(pick(50));
      e.timestamp_ms = 1'700'000'000'000 + pick(200'000) * 1000;
      e.usage.input = static_cast<std::uint64_t>(pick(100));
      e.usage.output = static_cast<std::uint64_t>(pick(100));
      e.sidechain = pick(5) == 0;
      // Some copies say fast (drawn without the generator, whose sequence the sizes below rely on).
      e.tier = static_cast<std::uint8_t>(e.offset % 3 == 0 ? tu::service_tier::fast : tu::service_tier::standard);
      if (pick(40) != 0) {  // most lines have ids, drawn from a pool so that copies meet across files
        const int message = pick(20'000);
        e.message_id = put("msg_" + std::to_string(message));
        if (pick(30) != 0) e.request_id = put("req_" + std::to_string(message % 7 == 0 ? pick(3) : message));
      }
      e.session = put("s" + std::to_string(f % 5));
      e.model = put(pick(2) ? "claude-opus-4-1" : "claude-sonnet-4-5");
      r.entries.push_back(e);
    }
  }
  std::vector<tu::claude::file_input> inputs;
  for (std::size_t f = 0; f < results.size(); ++f) inputs.push_back({paths[f], &results[f], false, ""});
  const auto records = tu::claude::merge(inputs);

  // The reference: sets and maps, one pass per rule.
  using ref_entry = std::tuple<std::size_t, const tu::claude::entry*>;
  const auto str = [&](const ref_entry& x, tu::claude::sref s) { return results[std::get<0>(x)].str(s); };
  std::set<std::string> main_ids;
  for (std::size_t f = 0; f < results.size(); ++f)
    for (const auto& e : results[f].entries)
      if (!e.sidechain && e.message_id.len) main_ids.insert(std::string(results[f].str(e.message_id)));
  // Main-thread copies count once per (message, request); sidechain copies of
  // a message no main-thread line has, once per message.
  using ref_key = std::tuple<std::string, std::string, bool>;
  std::map<ref_key, ref_entry> best;
  std::map<ref_key, std::uint8_t> tier;  // fast when any counted copy is
  std::vector<ref_entry> kept;
  const auto beats = [&](const ref_entry& a, const ref_entry& b) {
    const auto& x = *std::get<1>(a);
    const auto& y = *std::get<1>(b);
    if (x.usage.total() != y.usage.total()) return x.usage.total() > y.usage.total();
    if (x.usage.output != y.usage.output) return x.usage.output > y.usage.output;
    if (paths[std::get<0>(a)] != paths[std::get<0>(b)]) return paths[std::get<0>(a)] < paths[std::get<0>(b)];
    return x.offset < y.offset;
  };
  for (std::size_t f = 0; f < results.size(); ++f)
    for (const auto& e : results[f].entries) {
      const ref_entry x{f, &e};
      if (!e.message_id.len) {
        kept.push_back(x);
        continue;
      }
      if (e.sidechain && main_ids.count(std::string(str(x, e.message_id)))) continue;
      const bool side = e.sidechain != 0;
      const ref_key key{std::string(str(x, e.message_id)), side ? std::string() : std::string(str(x, e.request_id)), side};
      tier[key] = std::max(tier[key], e.tier);
      const auto it = best.find(key);
      if (it == best.end()) best.emplace(key, x);
      else if (beats(x, it->second)) it->second = x;
    }
  for (const auto& [key, x] : best) kept.push_back(x);
  std::sort(kept.begin(), kept.end(), [&](const ref_entry& a, const ref_entry& b) {
    const auto& x = *std::get<1>(a);
    const auto& y = *std::get<1>(b);
    return std::make_tuple(x.timestamp_ms, paths[std::get<0>(a)], x.offset) <
           std::make_tuple(y.timestamp_ms, paths[std::get<0>(b)], y.offset);
  });
  BOOST_REQUIRE(kept.size() > 16384u);
  BOOST_REQUIRE_EQUAL(records.size(), kept.size());
  std::size_t differing = 0, fast = 0;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const auto& e = *std::get<1>(kept[i]);
    const auto expected_tier = static_cast<tu::service_tier>(
        e.message_id.len ? tier[ref_key{std::string(str(kept[i], e.message_id)),
                                        e.sidechain ? std::string() : std::string(str(kept[i], e.request_id)),
                                        e.sidechain != 0}]
                         : e.tier);
    differing += !(records[i].timestamp_ms == e.timestamp_ms && records[i].usage == e.usage &&
                   records[i].session_id == str(kept[i], e.session) && records[i].model == str(kept[i], e.model) &&
                   records[i].tier == expected_tier);
    fast += records[i].tier == tu::service_tier::fast;
  }
  BOOST_TEST(differing == 0u);
  BOOST_TEST(fast > 0u);  // the tiers were exercised, not all standard
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Entries of one synthetic file: ids "<prefix><n>" from a pool of `pool`
// messages (so copies meet across files), times from `base_ms` in seconds
// plus `jitter_ms`.
tu::claude::file_result synthetic_file(std::mt19937& rng, int entries, const std::string& prefix, int pool,
                                       std::int64_t base_ms, int jitter_ms) {
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  tu::claude::file_result r;
  const auto put = [&r](const std::string& text) {
    const tu::claude::sref ref{static_cast<std::uint32_t>(r.blob.size()), static_cast<std::uint32_t>(text.size())};
    r.blob += text;
    return ref;
  };
  for (int k = 0; k < entries; ++k) {
    tu::claude::entry e;
    e.offset = static_cast<std::uint64_t>(k) * 100;
    e.timestamp_ms = base_ms + pick(100'000) * 1000 + jitter_ms;
    e.usage.input = static_cast<std::uint64_t>(pick(100));
    e.usage.output = static_cast<std::uint64_t>(pick(100));
    e.sidechain = pick(5) == 0;
    if (pick(40) != 0) {
      const int message = pick(pool);
      e.message_id = put(prefix + std::to_string(message));
      e.request_id = put("req_" + std::to_string(message));
    }
    e.session = put("s" + std::to_string(pick(4)));
    e.model = put(pick(2) ? "claude-opus-4-1" : "claude-sonnet-4-5");
    r.entries.push_back(e);
  }
  return r;
}

std::vector<std::tuple<std::int64_t, std::uint64_t, std::string, std::string>> summary_of(
    const std::vector<tu::record>& records) {
  std::vector<std::tuple<std::int64_t, std::uint64_t, std::string, std::string>> out;
  for (const auto& r : records) out.emplace_back(r.timestamp_ms, r.usage.total(), r.session_id.str(), r.model.str());
  return out;
}

}  // namespace

// Merging later parts onto a stored snapshot chain gives what the full merge
// of every entry gives, and refuses whenever a later entry meets an earlier one.
BOOST_AUTO_TEST_CASE(merging_onto_a_snapshot_chain_equals_the_full_merge) {
  std::mt19937 rng(11);
  std::vector<tu::claude::file_result> earlier, added;
  for (int f = 0; f < 20; ++f) earlier.push_back(synthetic_file(rng, 1500, "msg_", 8000, 1'700'000'000'000, 0));
  // Three later batches: new messages only, at odd milliseconds (no earlier time).
  for (int f = 0; f < 3; ++f)
    added.push_back(synthetic_file(rng, 400, "new" + std::to_string(f) + "_", 300, 1'700'000'000'000, 2 * f + 1));
  const auto input = [](std::vector<tu::claude::file_result>& rs, std::size_t from, std::size_t to, const char* tag) {
    std::vector<tu::claude::file_input> in;
    for (std::size_t f = from; f < to; ++f) in.push_back({std::string("p/") + tag + std::to_string(f), &rs[f], false, ""});
    return in;
  };
  std::vector<std::uint64_t> hashes;
  const auto base_records = tu::claude::merge(input(earlier, 0, earlier.size(), "e"), 0, &hashes);
  BOOST_TEST(std::is_sorted(hashes.begin(), hashes.end()));
  const std::string base_bytes = tu::detail::encode_snapshot(base_records, 4, {}, hashes);
  tu::detail::source_snapshot chain;
  BOOST_REQUIRE(tu::detail::decode_snapshot(base_bytes, tu::source::claude, chain));
  BOOST_TEST(chain.records.size() == base_records.size());
  std::vector<std::string> piece_bytes;
  for (std::size_t f = 0; f < added.size(); ++f) {
    const auto piece = tu::claude::merge_onto(chain, input(added, f, f + 1, "a"), 0);
    BOOST_REQUIRE(piece.has_value());
    piece_bytes.push_back(tu::detail::encode_snapshot(piece->records, 5, {}, piece->hashes));
    auto all = input(earlier, 0, earlier.size(), "e");
    for (const auto& x : input(added, 0, f + 1, "a")) all.push_back(x);
    BOOST_TEST((summary_of(chain.records) == summary_of(tu::claude::merge(all))));
  }
  // The chain as a later run loads it: base, then each piece in order.
  tu::detail::source_snapshot loaded;
  BOOST_REQUIRE(tu::detail::decode_snapshot(base_bytes, tu::source::claude, loaded));
  std::vector<tu::detail::source_snapshot> pieces(piece_bytes.size());
  for (std::size_t i = 0; i < pieces.size(); ++i)
    BOOST_REQUIRE(tu::detail::decode_snapshot(piece_bytes[i], tu::source::claude, pieces[i]));
  tu::detail::add_pieces(loaded, std::move(pieces));
  BOOST_TEST((summary_of(loaded.records) == summary_of(chain.records)));
  BOOST_TEST(loaded.pieces == 3u);
  BOOST_TEST(loaded.skipped_lines == 5u);
  BOOST_TEST(loaded.hash_sets.size() == 4u);
  // A later copy of an earlier message, or a record at an earlier time, is refused.
  auto copies = synthetic_file(rng, 50, "msg_", 8000, 1'700'000'000'000, 3);
  const auto before = summary_of(loaded.records);
  BOOST_TEST(!tu::claude::merge_onto(loaded, {{"p/z", &copies, false, ""}}, 0).has_value());
  auto same_time = synthetic_file(rng, 50, "late_", 50, 1'700'000'000'000, 0);
  BOOST_TEST(!tu::claude::merge_onto(loaded, {{"p/z", &same_time, false, ""}}, 0).has_value());
  BOOST_TEST((summary_of(loaded.records) == before));
  // A damaged snapshot is refused, not half read.
  tu::detail::source_snapshot broken;
  BOOST_TEST(!tu::detail::decode_snapshot(base_bytes.substr(0, base_bytes.size() - 3), tu::source::claude, broken));
  BOOST_TEST(broken.records.empty());
  BOOST_TEST(!tu::detail::decode_snapshot(base_bytes, tu::source::codex, broken));
}

}  // namespace token_usage_claude_test
