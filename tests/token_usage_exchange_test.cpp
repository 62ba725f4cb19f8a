// Usage records between machines (docs/usage-exchange.md): an exported line
// reads back as the same record; lines that are no version-1 record are
// counted, not fatal; the merge keeps one copy per identity whatever the
// order, and this machine's copy over an imported one; concurrent first
// calls agree on one machine id.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/exchange.hpp"
#include "okstra/token_usage/token_usage.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_exchange_test {

const std::string machine_a(32, 'a'), machine_b(32, 'b');

tu::record claude_record(std::uint64_t request, std::int64_t ts, std::uint64_t output, const char* session) {
  tu::record r;
  r.src = tu::source::claude;
  r.who = tu::agent::claude_worker;
  r.tier = tu::service_tier::fast;
  r.timestamp_ms = ts;
  r.usage = {10, output, 1, 2, 300, 0};
  r.session_id = session;
  r.model = "claude-sonnet-4-5";
  r.project = "/work/app";
  r.team_name = "team";
  r.agent_name = "claude-worker";
  r.agent_id = "a1";
  r.agent_type = "reviewer";
  r.request_hash = request;
  return r;
}

std::vector<tu::imported_record> read_lines(const okstra::test::temp_dir& tmp, const std::string& text) {
  const auto file = tmp.path / "export.jsonl";
  okstra::fs::write_file_atomic(file, text);
  return tu::read_export(file).records;
}

std::uint64_t grand_total(const tu::collection& c) {
  std::uint64_t t = 0;
  for (const auto& r : c.records) t += r.usage.total();
  return t;
}

}  // namespace token_usage_exchange_test

using namespace token_usage_exchange_test;

BOOST_AUTO_TEST_SUITE(token_usage_exchange)

BOOST_AUTO_TEST_CASE(an_exported_line_reads_back_as_the_same_record) {
  okstra::test::temp_dir tmp;
  const auto r = claude_record(0x1234, 1'764'000'000'123, 77, "s-1");
  std::string text;
  tu::export_line(text, r, tu::content_identity(r), machine_a, true);
  BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 1);
  const auto back = read_lines(tmp, text);
  BOOST_TEST_REQUIRE(back.size() == 1u);
  const auto& b = back[0];
  BOOST_TEST(b.identity == tu::content_identity(r));
  BOOST_TEST(b.machine == machine_a);
  BOOST_TEST(b.archived);
  BOOST_TEST((b.rec.src == r.src && b.rec.who == r.who && b.rec.tier == r.tier));
  BOOST_TEST(b.rec.timestamp_ms == r.timestamp_ms);
  BOOST_TEST((b.rec.usage == r.usage));
  BOOST_TEST((b.rec.session_id == r.session_id && b.rec.model == r.model && b.rec.project == r.project));
  BOOST_TEST((b.rec.team_name == r.team_name && b.rec.agent_name == r.agent_name && b.rec.agent_id == r.agent_id));
  BOOST_TEST((b.rec.agent_type == r.agent_type));
}

BOOST_AUTO_TEST_CASE(lines_that_are_no_record_are_counted) {
  okstra::test::temp_dir tmp;
  const auto r = claude_record(0x99, 1'764'000'000'000, 5, "s-1");
  std::string good;
  tu::export_line(good, r, tu::content_identity(r), machine_a, false);
  const std::string line = good.substr(0, good.size() - 1);
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string l = line;
    l.replace(l.find(from), from.size(), to);
    return l + "\n";
  };
  const std::string text = good + "not json\n" + "[1,2]\n" + with("\"v\":1", "\"v\":2") +
                           with("\"source\":\"claude\"", "\"source\":\"copilot\"") +
                           with("\"tier\":\"fast\"", "\"tier\":\"turbo\"") + with("\"output\":5", "\"output\":-5") +
                           with(machine_a, "xyz") + "\n" + good + "{\"v\":1";  // the last line cut off
  const auto file = tmp.path / "mixed.jsonl";
  okstra::fs::write_file_atomic(file, text);
  const auto got = tu::read_export(file);
  BOOST_TEST(got.records.size() == 2u);
  BOOST_TEST(got.skipped == 8u);
  BOOST_TEST(got.lines == 10u);
  BOOST_CHECK_THROW(tu::read_export(tmp.path / "missing.jsonl"), okstra::error);
}

BOOST_AUTO_TEST_CASE(the_merge_keeps_one_copy_whatever_the_order) {
  okstra::test::temp_dir tmp;
  // Request 1 on both machines, a's copy a better streaming copy (more
  // output) and in another session file; request 2 on b only.
  const auto r1a = claude_record(1, 1'764'000'000'000, 900, "resumed");
  const auto r1b = claude_record(1, 1'764'000'000'000, 40, "original");
  const auto r2b = claude_record(2, 1'764'000'100'000, 60, "original");
  std::string a, b;
  tu::export_line(a, r1a, tu::content_identity(r1a), machine_a, false);
  tu::export_line(b, r1b, tu::content_identity(r1b), machine_b, false);
  tu::export_line(b, r2b, tu::content_identity(r2b), machine_b, false);
  BOOST_TEST(tu::content_identity(r1a) == tu::content_identity(r1b));
  const tu::collect_options options;
  std::vector<std::string> orders = {a + b, b + a, a + b + a + b};
  std::vector<std::uint64_t> totals;
  for (const auto& text : orders) {
    tu::collection c;
    const auto summary = tu::merge_imported(options, read_lines(tmp, text), c);
    BOOST_TEST(c.records.size() == 2u);
    BOOST_TEST(summary.added[0] == 2u);
    totals.push_back(grand_total(c));
  }
  BOOST_TEST(totals[0] == r1a.usage.total() + r2b.usage.total());
  BOOST_TEST(totals[1] == totals[0]);
  BOOST_TEST(totals[2] == totals[0]);
  // This machine's own copy wins over an imported one, even a bigger one.
  tu::collection local;
  local.records.push_back(r1b);
  const auto summary = tu::merge_imported(options, read_lines(tmp, a + b), local);
  BOOST_TEST(local.records.size() == 2u);
  BOOST_TEST(summary.duplicates == 2u);
  BOOST_TEST(grand_total(local) == r1b.usage.total() + r2b.usage.total());
  BOOST_TEST(local.stats[0].imported == 1u);
  // A source switched off leaves its imported records out.
  tu::collect_options codex_only;
  codex_only.enabled = {false, true, false, false};
  tu::collection none;
  tu::merge_imported(codex_only, read_lines(tmp, a + b), none);
  BOOST_TEST(none.records.empty());
}

BOOST_AUTO_TEST_CASE(concurrent_first_calls_agree_on_one_machine_id) {
  okstra::test::temp_dir tmp;
  std::vector<pid_t> children;
  const auto out = tmp.path / "ids";
  std::filesystem::create_directories(out);
  for (int i = 0; i < 8; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const std::string id = tu::machine_id(tmp.path / "home");
      okstra::fs::write_file_atomic(out / std::to_string(i), id);
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST(WIFEXITED(status));
  }
  const std::string first = okstra::fs::read_file(out / "0");
  BOOST_TEST(first.size() == 32u);
  for (int i = 1; i < 8; ++i) BOOST_TEST(okstra::fs::read_file(out / std::to_string(i)) == first);
  BOOST_TEST(tu::machine_id(tmp.path / "home") == first);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp.path / "home" / "usage")) ++entries;
  BOOST_TEST(entries == 1u);  // no temporary left
}

BOOST_AUTO_TEST_SUITE_END()
