// The statusline state (docs/usage-statusline.md, "Speed"): an answer from the
// state and the transcript's new lines equals the answer from every log, and
// the state refuses (the caller reads every log) whenever it could differ.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <random>
#include <string>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/detail/statusline_state.hpp"
#include "okstra/token_usage/statusline.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_statusline_state_test {

using okstra::test::at;

// One Claude Code assistant line: opus-4-6, 5 USD per million input tokens.
std::string line(const std::string& session, const std::string& id, const char* iso, std::uint64_t input,
                 const std::string& model = "claude-opus-4-6") {
  return "{\"type\":\"assistant\",\"cwd\":\"/work/app\",\"sessionId\":\"" + session + "\",\"message\":{\"id\":\"msg_" + id +
         "\",\"model\":\"" + model + "\",\"usage\":{\"input_tokens\":" + std::to_string(input) +
         ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}},\"requestId\":\"req_" +
         id + "\",\"uuid\":\"u-" + id + "\",\"timestamp\":\"" + iso + "\"}\n";
}

void append(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::app) << text;
}

// In place, as the file stays the same file (device, inode).
void drop_last_line(const std::filesystem::path& file) {
  const auto text = okstra::fs::read_file(file);
  std::filesystem::resize_file(file, text.rfind('\n', text.size() - 2) + 1);
}

// Two sessions' transcripts under a Claude Code root, a state file beside.
struct logs {
  okstra::test::temp_dir dir;
  std::filesystem::path mine, other, state;
  tu::price_table prices = tu::price_table::embedded();
  tu::time_zone zone = tu::time_zone::utc();
  std::string prices_key = "test prices";
  int price_loads = 0;
  tu::collect_options options;
  tu::statusline_input in;

  logs() {
    const auto project = dir.path / "claude" / "projects" / "-work-app";
    std::filesystem::create_directories(project);
    mine = project / "s1.jsonl", other = project / "s2.jsonl", state = dir.path / "s.state";
    append(mine, line("s1", "a1", "2026-11-23T23:00:00.000Z", 100000) + line("s1", "a2", "2026-11-24T10:15:00.000Z", 100000));
    append(other, line("s2", "b1", "2026-11-24T09:30:00.000Z", 150000));
    options.enabled = {true, false, false, false};
    options.claude_roots = {dir.path / "claude"};
    options.use_cache = false;
    in.session_id = "s1", in.transcript_path = mine.string(), in.model_name = "Opus 4.6";
  }
  tu::statusline_context context(const char* now, tu::official_limits limits = {}) {
    return {[this]() -> const tu::price_table& { return ++price_loads, prices; }, prices_key, zone, at(now), limits};
  }
  std::string from_logs(const char* now, bool keep_state) {
    return tu::compose_statusline(tu::statusline_from_logs(options, in, context(now), keep_state ? state : ""));
  }
  std::optional<std::string> from_state(const char* now, tu::official_limits limits = {}) {
    const auto got = tu::statusline_from_state(state, in, context(now, limits));
    if (!got) return std::nullopt;
    return tu::compose_statusline(got->facts);
  }
};


BOOST_AUTO_TEST_SUITE(statusline_state)

BOOST_AUTO_TEST_CASE(the_state_answers_as_every_log_does) {
  logs l;
  const std::string first = l.from_logs("2026-11-24T10:45:00Z", true);
  BOOST_TEST(first == "Opus 4.6 | session $1.00 | today $1.25 | block 3h15m left, $1.00/h | ctx 50%");
  BOOST_TEST(l.from_state("2026-11-24T10:45:00Z").value_or("none") == first);
  const auto known = tu::statusline_from_state(l.state, l.in, l.context("2026-11-24T10:46:00Z"));
  BOOST_REQUIRE(known);
  BOOST_TEST(known->logs_read_ms == at("2026-11-24T10:45:00Z"));
  // The transcript grows twice: each answer equals the full read's.
  append(l.mine, line("s1", "a3", "2026-11-24T10:40:00.000Z", 10000));
  BOOST_TEST(l.from_state("2026-11-24T10:46:00Z").value_or("none") == l.from_logs("2026-11-24T10:46:00Z", false));
  append(l.mine, line("s1", "a4", "2026-11-24T10:46:30.000Z", 200000));
  const std::string grown = l.from_logs("2026-11-24T10:47:00Z", false);
  BOOST_TEST(grown == "Opus 4.6 | session $2.05 | today $2.30 | block 3h13m left, $1.79/h | ctx 100%");
  BOOST_TEST(l.from_state("2026-11-24T10:47:00Z").value_or("none") == grown);
  BOOST_TEST(l.from_state("2026-11-24T10:47:00Z").value_or("none") == grown);  // the state kept them
  // Another session's new message is not seen until every log is read again.
  append(l.other, line("s2", "b2", "2026-11-24T10:46:40.000Z", 100000));
  BOOST_TEST(l.from_state("2026-11-24T10:47:00Z").value_or("none") == grown);
  BOOST_TEST(l.from_logs("2026-11-24T10:47:00Z", true) != grown);
}

BOOST_AUTO_TEST_CASE(what_could_differ_is_refused) {
  logs l;
  l.from_logs("2026-11-24T10:45:00Z", true);
  const auto saved = okstra::fs::read_file(l.state);
  const auto restore = [&] { okstra::fs::write_file_atomic(l.state, saved, 0600); };
  // A later copy of a message already read: the full merge picks among copies.
  append(l.mine, line("s1", "a2", "2026-11-24T10:15:00.000Z", 300000));
  BOOST_TEST(!l.from_state("2026-11-24T10:46:00Z"));
  drop_last_line(l.mine);
  // A message older than the latest block's start could change the blocks.
  append(l.mine, line("s1", "a5", "2026-11-24T08:00:00.000Z", 1000));
  BOOST_TEST(!l.from_state("2026-11-24T10:46:00Z"));
  drop_last_line(l.mine);
  BOOST_TEST(l.from_state("2026-11-24T10:46:00Z").has_value());
  // Another official window anchors blocks elsewhere.
  tu::official_limits limits{};
  tu::limit_observation o;
  o.observed_ms = at("2026-11-24T10:00:00Z");
  o.primary = tu::limit_window{10, 300, at("2026-11-24T12:00:00Z")};
  limits[static_cast<std::size_t>(tu::source::claude)] = o;
  BOOST_TEST(!l.from_state("2026-11-24T10:46:00Z", limits));
  // A clock before the state, another session, a damaged or rewritten file.
  BOOST_TEST(!l.from_state("2026-11-24T10:44:00Z"));
  l.in.session_id = "s2";
  BOOST_TEST(!l.from_state("2026-11-24T10:46:00Z"));
  l.in.session_id = "s1";
  auto damaged = saved;
  damaged[damaged.size() / 2] ^= 0x20;
  okstra::fs::write_file_atomic(l.state, damaged, 0600);
  BOOST_TEST(!l.from_state("2026-11-24T10:46:00Z"));
  restore();
  auto rewritten = okstra::fs::read_file(l.mine);
  rewritten[rewritten.size() - 10] = rewritten[rewritten.size() - 10] == '0' ? '1' : '0';
  okstra::fs::write_file_atomic(l.mine, rewritten, 0644);
  BOOST_TEST(!l.from_state("2026-11-24T10:46:00Z"));
}

BOOST_AUTO_TEST_CASE(the_state_prices_the_models_it_has_met) {
  logs l;
  l.from_logs("2026-11-24T10:45:00Z", true);
  l.price_loads = 0;
  const std::string first = l.from_state("2026-11-24T10:45:00Z").value_or("none");
  BOOST_TEST(l.price_loads == 0);  // no price table loaded
  // A model the state has not met: the table is asked once, and the state keeps it.
  append(l.mine, line("s1", "a6", "2026-11-24T10:44:00.000Z", 100000, "claude-sonnet-4-6"));
  const std::string grown = l.from_state("2026-11-24T10:45:00Z").value_or("none");
  BOOST_TEST(l.price_loads == 1);
  BOOST_TEST(grown == l.from_logs("2026-11-24T10:45:00Z", false));
  BOOST_TEST(grown != first);
  l.price_loads = 0;
  BOOST_TEST(l.from_state("2026-11-24T10:45:00Z").value_or("none") == grown);
  BOOST_TEST(l.price_loads == 0);
  // Other prices (another key): every kept record is priced again.
  okstra::json::document overrides = okstra::json::parse(R"({"claude-opus-4-6": {"input": 10}})", "test");
  l.prices.apply_overrides(overrides, "test");
  l.prices_key = "other prices";
  const std::string repriced = l.from_state("2026-11-24T10:45:00Z").value_or("none");
  BOOST_TEST(l.price_loads == 1);
  BOOST_TEST(repriced == l.from_logs("2026-11-24T10:45:00Z", false));
  BOOST_TEST(repriced != grown);
}

BOOST_AUTO_TEST_CASE(a_transcript_ending_inside_a_line_keeps_no_state) {
  logs l;
  append(l.mine, "{\"type\":\"assistant\",");
  l.from_logs("2026-11-24T10:45:00Z", true);
  BOOST_TEST(!std::filesystem::exists(l.state));
  // A transcript the walk does not reach: a state that never reads it.
  l.in.transcript_path = (l.dir.path / "elsewhere.jsonl").string();
  append(l.dir.path / "elsewhere.jsonl", line("s1", "z1", "2026-11-24T10:30:00.000Z", 5000));
  const std::string first = l.from_logs("2026-11-24T10:45:00Z", true);
  append(l.dir.path / "elsewhere.jsonl", line("s1", "z2", "2026-11-24T10:31:00.000Z", 5000));
  BOOST_TEST(l.from_state("2026-11-24T10:45:00Z").value_or("none") == first);
}

BOOST_AUTO_TEST_CASE(the_message_filter_never_forgets) {
  using filter = tu::detail_statusline::message_filter;
  filter f(10000);
  std::mt19937_64 random(7);
  std::vector<std::uint64_t> added(10000);
  for (auto& h : added) f.add(h = random());
  BOOST_TEST(filter::well_formed(f.bytes()));
  for (const auto h : added) BOOST_TEST_REQUIRE(filter::maybe_contains(f.bytes(), h));
  int false_positives = 0;
  for (int i = 0; i < 10000; ++i) false_positives += filter::maybe_contains(f.bytes(), random()) ? 1 : 0;
  BOOST_TEST(false_positives < 100);  // 1%; about 0.3% expected
  BOOST_TEST(!filter::well_formed("short"));
}

BOOST_AUTO_TEST_CASE(a_state_needs_its_own_filter_file) {
  logs l;
  l.from_logs("2026-11-24T10:45:00Z", true);
  const auto seen = std::filesystem::path(l.state).replace_extension(".seen");
  BOOST_REQUIRE(std::filesystem::exists(seen));
  BOOST_TEST(l.from_state("2026-11-24T10:45:00Z").has_value());
  const auto words = okstra::fs::read_file(seen);
  auto damaged = words;
  damaged[damaged.size() / 3] ^= 0x01;
  okstra::fs::write_file_atomic(seen, damaged, 0600);
  BOOST_TEST(!l.from_state("2026-11-24T10:45:00Z"));
  std::filesystem::remove(seen);
  BOOST_TEST(!l.from_state("2026-11-24T10:45:00Z"));
  okstra::fs::write_file_atomic(seen, words, 0600);
  BOOST_TEST(l.from_state("2026-11-24T10:45:00Z").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_statusline_state_test
