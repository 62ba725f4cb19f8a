// Cases for the service tier of each usage record (docs/usage.md, "Service
// tiers in the logs"), on the fixtures under tests/data/usage/tiers/:
//
// claude/projects/-work-fast/55555555-ffff.jsonl, as Claude Code writes it
// (usage carries service_tier "standard" and speed):
//   msg_F1  fast mode, one line per content block (thinking, text, tool_use),
//           the first a streaming copy with output 1      -> one record, fast
//   msg_S1  "speed":"standard"                            -> standard
//   msg_N1  "speed":null                                  -> standard
//   msg_M1  a streaming copy that says fast, then the complete copy (the one
//           kept, on tokens) without speed                -> fast
//
// codex/sessions/2026/11/25/rollout-…-66666666-….jsonl, as Codex CLI writes
// it: session_meta, turn_context (gpt-5.5, no service_tier), and token_count
// rows around event_msg thread_settings_applied changes and turn_contexts:
//   row 1  before any setting                              standard  gpt-5.5
//   row 2  after settings {gpt-5.5, priority} and a turn_context without
//          service_tier (which changes nothing)            priority  gpt-5.5
//   row 3  after a response_item and an agent_message that mention
//          thread_settings_applied in their text           priority  gpt-5.5
//   row 4  after settings {gpt-5.5, "default"}             standard  gpt-5.5
//   row 5  after settings {gpt-5.4, flex}                  flex      gpt-5.4
//   row 6  after a turn_context with service_tier "fast"   priority  gpt-5.4
//   row 7  after settings {gpt-5.5} without service_tier   standard  gpt-5.5
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <filesystem>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/token_usage.hpp"
#include "test_support.hpp"

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_tiers_test {

namespace tu = okstra::token_usage;
namespace stdfs = std::filesystem;
using tier = tu::service_tier;

stdfs::path tier_fixtures() {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  if (!root || !*root) throw std::runtime_error("OKSTRA_SOURCE_ROOT is not set: run the tests with `meson test`");
  return stdfs::path(root) / "tests/data/usage/tiers";
}

const std::string codex_id = "66666666-6666-4666-8666-666666666666";
const stdfs::path claude_file = "claude/projects/-work-fast/55555555-ffff.jsonl";
const stdfs::path codex_file = "codex/sessions/2026/11/25/rollout-2026-11-25T10-00-00-" + codex_id + ".jsonl";

std::string read_fixture(const stdfs::path& rel) { return okstra::fs::read_file(tier_fixtures() / rel); }

tu::claude::file_result parse_claude(std::string_view bytes, std::uint64_t base = 0) {
  tu::claude::file_result r;
  tu::claude::file_parser parser(r);
  parser.parse(bytes, base);
  r.consumed = bytes.size();
  return r;
}

// The tier of the one record with this total (0 records or several: a failure).
tier tier_of_total(const std::vector<tu::record>& records, std::uint64_t total) {
  const tu::record* found = nullptr;
  for (const auto& r : records)
    if (r.usage.total() == total) {
      BOOST_REQUIRE_MESSAGE(!found, "two records with total " << total);
      found = &r;
    }
  BOOST_REQUIRE_MESSAGE(found, "no record with total " << total);
  return found->tier;
}

// Records compared through their cache encoding, which covers every field (the tier included).
std::string encode_records(const std::vector<tu::record>& records) {
  tu::detail::encoder e;
  for (const auto& r : records) e.rec(r);
  return e.buffer();
}

// The fixture's msg_F1, msg_S1, msg_N1 and msg_M1 by their totals.
void check_claude_tiers(const std::vector<tu::record>& records) {
  BOOST_TEST(records.size() == 4u);
  BOOST_TEST((tier_of_total(records, 6 + 200 + 3000 + 120) == tier::fast));
  BOOST_TEST((tier_of_total(records, 3 + 3200 + 40) == tier::standard));
  BOOST_TEST((tier_of_total(records, 2 + 10 + 3200 + 30) == tier::standard));
  BOOST_TEST((tier_of_total(records, 4 + 3300 + 80) == tier::fast));
}

const std::vector<tier> codex_tiers = {tier::standard, tier::priority, tier::priority, tier::standard,
                                       tier::flex,     tier::priority, tier::standard};
const std::vector<std::string> codex_models = {"gpt-5.5", "gpt-5.5", "gpt-5.5", "gpt-5.5",
                                               "gpt-5.4", "gpt-5.4", "gpt-5.5"};


BOOST_AUTO_TEST_SUITE(token_usage_tiers)

BOOST_AUTO_TEST_CASE(names_of_the_tiers) {
  BOOST_TEST(tu::service_tier_name(tier::standard) == "standard");
  BOOST_TEST(tu::service_tier_name(tier::fast) == "fast");
  BOOST_TEST(tu::service_tier_name(tier::priority) == "priority");
  BOOST_TEST(tu::service_tier_name(tier::flex) == "flex");
  BOOST_TEST((tu::record{}.tier == tier::standard));
}

BOOST_AUTO_TEST_CASE(claude_speed_gives_the_tier) {
  const std::string bytes = read_fixture(claude_file);
  const auto r = parse_claude(bytes);
  BOOST_TEST(r.entries.size() == 4u);  // the copies of msg_F1 and msg_M1 are one entry each
  BOOST_TEST(r.skipped_lines == 0u);
  std::vector<tu::claude::file_input> in = {{"a.jsonl", &r, false, ""}};
  check_claude_tiers(tu::claude::merge(in));
}

// The copies of one message meet in one file, or in two parts of a grown
// file (the cross-file merge): either way, in either order of the copies,
// the record is fast when one copy says fast, though the kept copy does not.
BOOST_AUTO_TEST_CASE(claude_fast_wins_over_a_copy_without_speed) {
  const std::string bytes = read_fixture(claude_file);
  const std::size_t last = bytes.rfind('\n', bytes.size() - 2) + 1;  // msg_M1's complete copy
  const auto head = parse_claude(std::string_view(bytes).substr(0, last));
  const auto tail = parse_claude(std::string_view(bytes).substr(last), last);
  BOOST_REQUIRE(tail.entries.size() == 1u);
  BOOST_TEST(tail.entries[0].tier == static_cast<std::uint8_t>(tier::standard));
  std::vector<tu::claude::file_input> parts = {{"a.jsonl", &head, false, ""}, {"a.jsonl", &tail, false, ""}};
  check_claude_tiers(tu::claude::merge(parts));

  // The complete copy first, the fast streaming copy after it.
  const std::size_t before = bytes.rfind('\n', last - 2) + 1;  // msg_M1's streaming copy
  const std::string swapped =
      bytes.substr(0, before) + bytes.substr(last) + bytes.substr(before, last - before);
  const auto r = parse_claude(swapped);
  std::vector<tu::claude::file_input> in = {{"a.jsonl", &r, false, ""}};
  check_claude_tiers(tu::claude::merge(in));
}

BOOST_AUTO_TEST_CASE(claude_tier_survives_the_part_encoding) {
  const auto r = parse_claude(read_fixture(claude_file));
  const std::string stored = tu::claude::encode_part(r);
  const auto back = tu::claude::decode_part(stored);
  BOOST_REQUIRE(back.has_value());
  std::vector<tu::claude::file_input> in = {{"a.jsonl", back->view, false, ""}};
  check_claude_tiers(tu::claude::merge(in));
  // An entry whose tier byte is not standard or fast is a damaged part.
  std::string bad = stored;
  bad[40 + offsetof(tu::claude::entry, tier)] = 7;
  BOOST_TEST(!tu::claude::decode_part(bad).has_value());
}

BOOST_AUTO_TEST_CASE(codex_settings_give_each_row_its_tier) {
  const std::string bytes = read_fixture(codex_file);
  const auto r = tu::codex::parse(bytes);
  BOOST_TEST(r.skipped_lines == 0u);
  BOOST_REQUIRE_EQUAL(r.rows.size(), codex_tiers.size());
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    BOOST_TEST_CONTEXT("row " << i + 1) {
      BOOST_TEST((r.rows[i].tier == codex_tiers[i]));
      BOOST_TEST(r.rows[i].model == codex_models[i]);
    }
  }
  const std::vector<tu::codex::file_ref> refs = {{codex_file.string(), &r}};
  const auto merged = tu::codex::merge(refs);
  BOOST_REQUIRE_EQUAL(merged.records.size(), codex_tiers.size());
  for (std::size_t i = 0; i < merged.records.size(); ++i) BOOST_TEST((merged.records[i].tier == codex_tiers[i]));

  // Parsed in two pieces at every line, as after the file grew: the same rows
  // and state (the tier setting is part of the state the cache keeps).
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    if (cut && bytes[cut - 1] != '\n') continue;
    tu::codex::file_result piecewise;
    tu::codex::parse_more(piecewise, std::string_view(bytes).substr(0, cut));
    tu::detail::encoder e;
    piecewise.encode(e);
    tu::detail::decoder d(e.buffer());
    auto resumed = tu::codex::file_result::decode(d);
    BOOST_REQUIRE(!d.failed());
    tu::codex::parse_more(resumed, std::string_view(bytes).substr(cut));
    BOOST_TEST((resumed == r), "cut at " << cut);
  }
}

// Other shapes of the same settings: written with spaces (not the compact
// head the pre-filter reads), a non-string tier, and no thread_settings.
BOOST_AUTO_TEST_CASE(codex_settings_in_other_shapes) {
  const std::string row =
      R"({"timestamp":"2026-11-25T10:0%d:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":%d,"output_tokens":1,"total_tokens":%d}}}})";
  const auto token_row = [&](int minute, int total) {
    char line[400];
    std::snprintf(line, sizeof line, row.c_str(), minute, total, total + 1);
    return std::string(line) + "\n";
  };
  const std::string text =
      R"({ "timestamp": "2026-11-25T10:00:00.000Z", "type": "event_msg", "payload": { "type": "thread_settings_applied", "thread_settings": { "model": "gpt-5.5", "service_tier": "flex" } } })"
      "\n" + token_row(1, 100) +
      R"({"timestamp":"2026-11-25T10:02:00.000Z","type":"event_msg","payload":{"type":"thread_settings_applied","thread_settings":{"model":"gpt-5.5","service_tier":{"name":"priority"}}}})"
      "\n" + token_row(3, 200) +
      R"({"timestamp":"2026-11-25T10:04:00.000Z","type":"turn_context","payload":{"model":"gpt-5.5","service_tier":"priority"}})"
      "\n" +
      R"({"timestamp":"2026-11-25T10:05:00.000Z","type":"event_msg","payload":{"type":"thread_settings_applied"}})"
      "\n" + token_row(6, 300);
  const auto r = tu::codex::parse(text);
  BOOST_TEST(r.skipped_lines == 0u);
  BOOST_REQUIRE_EQUAL(r.rows.size(), 3u);
  BOOST_TEST((r.rows[0].tier == tier::flex));       // found by the search, not the compact head
  BOOST_TEST((r.rows[1].tier == tier::standard));   // a tier that is not a string is the default
  BOOST_TEST((r.rows[2].tier == tier::priority));   // settings without thread_settings change nothing
  BOOST_TEST(r.rows[0].model == "gpt-5.5");
}

BOOST_AUTO_TEST_CASE(snapshots_and_record_encoding_keep_the_tier) {
  std::vector<tu::record> records(4);
  for (std::size_t i = 0; i < records.size(); ++i) {
    records[i].src = tu::source::codex;
    records[i].tier = static_cast<tier>(i);
    records[i].timestamp_ms = static_cast<std::int64_t>(i);
    records[i].usage.input = i + 1;
    records[i].session_id = "s";
  }
  tu::detail::source_snapshot back;
  BOOST_REQUIRE(tu::detail::decode_snapshot(tu::detail::encode_snapshot(records, 0, {}), tu::source::codex, back));
  BOOST_TEST(encode_records(back.records) == encode_records(records));
  const std::string encoded = encode_records(records);
  tu::detail::decoder d(encoded);
  for (const auto& r : records) BOOST_TEST((d.rec().tier == r.tier));
  BOOST_TEST(!d.failed());
  std::string bad = encode_records({records[0]});
  bad[2] = 4;  // src, who, then the tier byte
  tu::detail::decoder broken(bad);
  (void)broken.rec();
  BOOST_TEST(broken.failed());
}

// collect() with and without the cache, over copies of the fixtures, through
// appends that the cache resumes from its stored state: identical records,
// tiers included. An index of the format before tiers is discarded.
BOOST_AUTO_TEST_CASE(cached_runs_equal_uncached_runs_with_tiers) {
  okstra::test::temp_dir tmp;
  stdfs::copy(tier_fixtures(), tmp.path / "logs", stdfs::copy_options::recursive);
  tu::collect_options options;
  options.enabled = {true, true, false, false};
  options.claude_roots = {tmp.path / "logs/claude"};
  options.codex_roots = {tmp.path / "logs/codex"};
  options.cache_dir = tmp.path / "cache";
  options.threads = 2;
  const auto run = [&](bool cached) {
    tu::collect_options o = options;
    o.use_cache = cached;
    auto c = tu::collect(o);
    tu::detail::cache_writer::instance().join();  // the next run reads what this one wrote
    return c;
  };
  const auto same = [&](const char* what) {
    const auto fresh = run(false);
    for (int round = 0; round < 3; ++round) {  // cold, parts reused, snapshots
      const auto cached = run(true);
      BOOST_TEST(encode_records(cached.records) == encode_records(fresh.records), what << ", cached run " << round);
    }
    return fresh;
  };
  const auto first = same("the fixtures");
  BOOST_REQUIRE_EQUAL(first.records.size(), 4u + codex_tiers.size());

  // Appends: a fast Claude message; a Codex priority setting and a row; then
  // a row alone, which a cached run parses from the stored state.
  const auto append = [&](const stdfs::path& rel, const std::string& line) {
    std::ofstream(tmp.path / "logs" / rel, std::ios::app) << line << '\n';
  };
  append(claude_file,
         R"({"type":"assistant","sessionId":"55555555-ffff","requestId":"req_F2","timestamp":"2026-11-25T09:10:00.000Z","isSidechain":false,"cwd":"/work/fast","message":{"id":"msg_F2","model":"claude-opus-4-6","usage":{"input_tokens":9,"output_tokens":9,"speed":"fast"}}})");
  append(codex_file,
         R"({"timestamp":"2026-11-25T10:13:00.000Z","type":"event_msg","payload":{"type":"thread_settings_applied","thread_settings":{"model":"gpt-5.5","service_tier":"fast"}}})");
  append(codex_file,
         R"({"timestamp":"2026-11-25T10:14:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":9000,"cached_input_tokens":4500,"output_tokens":1000,"reasoning_output_tokens":90,"total_tokens":10000}}}})");
  same("appending a setting and a row");
  append(codex_file,
         R"({"timestamp":"2026-11-25T10:15:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":9500,"cached_input_tokens":4700,"output_tokens":1050,"reasoning_output_tokens":95,"total_tokens":10550}}}})");
  const auto grown = same("appending a row alone");
  BOOST_REQUIRE_EQUAL(grown.records.size(), first.records.size() + 3);
  // The rows are the differences of the cumulative totals: 500 + 500 + 200
  // after the last fixture row, then 300 + 200 + 50.
  BOOST_TEST((tier_of_total(grown.records, 9 + 9) == tier::fast));
  BOOST_TEST((tier_of_total(grown.records, 1200) == tier::priority));
  BOOST_TEST((tier_of_total(grown.records, 550) == tier::priority));  // resumed from the stored setting

  // The index of format 5 (before tiers): refused, then rebuilt.
  const stdfs::path index = options.cache_dir / tu::detail::index_name;
  std::string bytes = okstra::fs::read_file(index);
  const std::size_t magic = tu::detail::index_magic.size();
  BOOST_REQUIRE(static_cast<std::uint8_t>(bytes[magic]) == tu::detail::cache_format);
  bytes[magic] = 5;
  const std::uint64_t sum = tu::detail::checksum(std::string_view(bytes).substr(magic, bytes.size() - magic - 8));
  std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
  okstra::fs::write_file_atomic(index, bytes, 0600);
  BOOST_TEST(!tu::detail::load_index(index).valid);
  same("an index of an older format");
  BOOST_TEST(tu::detail::load_index(index).valid);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_tiers_test
