// Reports over the archive with its share kept (docs/usage-archive.md,
// "Reports over the archive"): for random live and archived records, every
// splittable report kind, grouping, breakdown and filter gives the same
// report as the records merged first — on the run that computes the share,
// on the runs that read it back, and when what live records share changes.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/archive_report.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/token_usage.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_archive_report_test {

constexpr std::int64_t base_ms = 1'788'000'000'000;  // 2026-08-29
constexpr std::int64_t hour = 3'600'000;

// Records with distinct times (ties between a live and an archived record are
// the one documented difference), over ten days and three sources.
struct record_maker {
  std::mt19937 rng;
  std::int64_t next_ms = base_ms;

  tu::record make() {
    const char* models[] = {"claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "gpt-5", "no-such-model"};
    const char* sessions[] = {"s-1", "s-2", "s-3", "s-4"};
    const char* projects[] = {"", "/p/app", "/p/lib"};
    const tu::source sources[] = {tu::source::claude, tu::source::codex, tu::source::gemini};
    tu::record r;
    next_ms += 1 + static_cast<std::int64_t>(rng() % (3 * hour));
    r.timestamp_ms = next_ms;
    r.src = sources[rng() % 3];
    r.model = models[rng() % 4];
    r.session_id = sessions[rng() % 4];
    r.project = projects[rng() % 3];
    r.who = rng() % 2 ? tu::agent::lead : tu::agent::claude_worker;
    r.agent_name = rng() % 3 ? "" : "w1";
    r.usage.input = 100 + rng() % 5000;
    r.usage.output = rng() % 900;
    r.usage.cache_read = rng() % 70000;
    r.usage.cache_write_5m = rng() % 3 ? 0 : rng() % 3000;
    r.request_hash = r.src == tu::source::claude ? (static_cast<std::uint64_t>(rng()) << 32 | rng()) : 0;
    return r;
  }
};

std::vector<tu::report_options> splittable_options() {
  std::vector<tu::report_options> out;
  for (const auto kind : {tu::report_kind::daily, tu::report_kind::hourly, tu::report_kind::weekly,
                          tu::report_kind::monthly, tu::report_kind::session}) {
    tu::report_options o;
    o.kind = kind;
    o.time_zone = "UTC";
    out.push_back(o);
    o.breakdown = true;
    o.time_zone = "Asia/Kathmandu";  // +05:45: days do not start on the hour
    out.push_back(o);
  }
  for (const auto group : {tu::group_by::source, tu::group_by::model, tu::group_by::project, tu::group_by::agent,
                           tu::group_by::session}) {
    tu::report_options o;
    o.kind = tu::report_kind::daily;
    o.time_zone = "UTC";
    o.group = group;
    out.push_back(o);
  }
  tu::report_options filtered;
  filtered.time_zone = "UTC";
  filtered.filter.since_ms = base_ms + 40 * hour;
  filtered.filter.until_ms = base_ms + 200 * hour;
  filtered.filter.sources = {tu::source::claude, tu::source::gemini};
  filtered.filter.project = "app";
  out.push_back(filtered);
  return out;
}

std::string key_of(const tu::report_options& o) {
  return std::string(tu::report_kind_name(o.kind)) + "/" + std::to_string(o.breakdown) + "/" + o.time_zone + "/" +
         std::to_string(static_cast<int>(o.group)) + "/" + std::to_string(o.filter.since_ms.value_or(0));
}

}  // namespace token_usage_archive_report_test

using namespace token_usage_archive_report_test;

BOOST_AUTO_TEST_SUITE(token_usage_archive_report)

// Period reports over many records are summed in two halves on two threads
// (report_impl.hpp, accumulate_periods); --last with more periods than there
// are takes the sorted one-thread path over the same records.
BOOST_AUTO_TEST_CASE(a_period_report_summed_on_two_threads_is_exact) {
  const auto prices = tu::price_table::embedded();
  record_maker maker{std::mt19937(77)};
  tu::collection many;
  // Above the split (32,768), and no more: under the sanitizers each record is dear.
  for (int i = 0; i < 40000; ++i) many.records.push_back(maker.make());
  std::shuffle(many.records.begin(), many.records.end(), maker.rng);  // the halves share every row
  for (auto options : splittable_options()) {
    if (options.kind == tu::report_kind::session) continue;
    const std::string split = tu::render_json(tu::build_report(many.records, many.stats, prices, options), true);
    options.last = 1'000'000;
    const std::string sorted = tu::render_json(tu::build_report(many.records, many.stats, prices, options), true);
    BOOST_TEST(split == sorted, key_of(options));
  }
}

BOOST_AUTO_TEST_CASE(the_kept_share_gives_the_report_of_the_merged_records) {
  const auto prices = tu::price_table::embedded();
  for (unsigned round = 0; round < 12; ++round) {
    okstra::test::temp_dir home;
    record_maker maker{std::mt19937(round)};
    tu::collect_options o;
    o.enabled = {true, true, round % 3 != 0, true};
    o.archive_dir = home.path / "archive";
    o.cache_dir = home.path / "cache";
    o.archive_apart = true;
    // Interleaved in time: rows and sessions hold both kinds, either one first or last.
    std::vector<tu::archived_record> archived;
    tu::collection live;
    for (int i = 0; i < 270; ++i) {
      tu::record r = maker.make();
      // Claude Code messages from a small pool: copies of one message meet in
      // the archive and between archived and live records.
      if (r.src == tu::source::claude && maker.rng() % 2) r.message_hash = (maker.rng() % 40) * 2 + 1;
      if (maker.rng() % 2) archived.push_back({tu::content_identity(r), r});
      else live.records.push_back(r);
    }
    archived.push_back(archived[7]);  // an identity twice in the archive
    tu::archive(o.archive_dir).append(archived);
    live.records.push_back(archived[3].rec);  // live copies win
    if (round % 2) live.records.push_back(archived.back().rec);
    for (const auto& options : splittable_options()) {
      tu::collection merged = live;
      tu::detail::merge_archived(o, archived, merged);
      const std::string want = tu::render_json(tu::build_report(merged.records, merged.stats, prices, options), true);
      for (int run = 0; run < 2; ++run) {  // the run that computes the share, then one that reads it back
        tu::collection apart = live;
        const auto got = tu::build_report_with_archive(o, apart, prices, options, key_of(options));
        BOOST_TEST(tu::render_json(got, true) == want, "round " << round << ", " << key_of(options) << ", run " << run);
      }
    }
    // A live record that now shares an identity makes another share; the old one stays right for the old set.
    tu::collection more = live;
    more.records.push_back(archived[40].rec);
    tu::collection merged = more;
    tu::detail::merge_archived(o, archived, merged);
    const auto options = splittable_options().front();
    BOOST_TEST(tu::render_json(tu::build_report_with_archive(o, more, prices, options, key_of(options)), true) ==
               tu::render_json(tu::build_report(merged.records, merged.stats, prices, options), true));
  }
}

BOOST_AUTO_TEST_CASE(damaged_kept_files_are_misses) {
  okstra::test::temp_dir home;
  record_maker maker{std::mt19937(7)};
  tu::collect_options o;
  o.archive_dir = home.path / "archive";
  o.cache_dir = home.path / "cache";
  o.archive_apart = true;
  std::vector<tu::archived_record> archived;
  for (int i = 0; i < 50; ++i) {
    const tu::record r = maker.make();
    archived.push_back({tu::content_identity(r), r});
  }
  tu::archive(o.archive_dir).append(archived);
  tu::collection live;
  for (int i = 0; i < 30; ++i) live.records.push_back(maker.make());
  const auto prices = tu::price_table::embedded();
  tu::report_options options;
  options.time_zone = "UTC";
  tu::collection first = live;
  const std::string want = tu::render_json(tu::build_report_with_archive(o, first, prices, options, "k"), true);
  const auto share = o.cache_dir / "archive-share";
  std::size_t damaged = 0;
  for (const auto& e : std::filesystem::directory_iterator(share)) {
    std::string bytes = okstra::fs::read_file(e.path(), 1 << 26);
    for (std::size_t at = 0; at < bytes.size(); at += 13) bytes[at] = static_cast<char>(bytes[at] ^ 0x5A);
    okstra::fs::write_file_atomic(e.path(), bytes, 0600);
    ++damaged;
  }
  BOOST_TEST(damaged == 2u);  // the index and the part
  tu::collection again = live;
  BOOST_TEST(tu::render_json(tu::build_report_with_archive(o, again, prices, options, "k"), true) == want);
  BOOST_TEST(again.stats[0].archived + again.stats[1].archived + again.stats[2].archived > 0u);
}

// A live record shares an archived identity only on the index's days: the
// first and last millisecond of such a day count, the neighbouring
// milliseconds do not, before 1970 as after, and days too far out to be
// written in milliseconds are still compared day by day.
BOOST_AUTO_TEST_CASE(shared_identities_are_those_of_live_records_on_the_index_days) {
  constexpr std::int64_t day_ms = 86'400'000;
  for (const std::int64_t day : {std::int64_t{20'700}, std::int64_t{-3}}) {
    std::vector<tu::record> live;
    for (const std::int64_t ms : {day * day_ms - 1, day * day_ms, (day + 1) * day_ms - 1, (day + 1) * day_ms}) {
      tu::record r;
      r.timestamp_ms = ms;
      r.usage.input = 10;
      r.session_id = "s";
      live.push_back(r);
    }
    namespace share = tu::detail::archive_share;
    share::index x;
    for (const auto& r : live) x.ids.push_back(tu::content_identity(r));
    std::sort(x.ids.begin(), x.ids.end());
    x.sources.assign(x.ids.size(), 0);
    x.days = {day};
    const auto shared = share::shared_with(x, live);
    std::vector<std::uint64_t> got, want = {tu::content_identity(live[1]), tu::content_identity(live[2])};
    for (const auto& s : shared) got.push_back(s.identity);
    std::sort(want.begin(), want.end());
    BOOST_TEST(got == want, boost::test_tools::per_element());
    x.days = {day, LLONG_MAX / day_ms + 1};  // past what milliseconds can hold: no span, same answer
    got.clear();
    for (const auto& s : share::shared_with(x, live)) got.push_back(s.identity);
    BOOST_TEST(got == want, boost::test_tools::per_element());
  }
}

// One Claude Code message counts once: among archived copies with other
// identities (a replay and its parent's line), and against a live copy.
BOOST_AUTO_TEST_CASE(an_archived_message_counts_once) {
  tu::collect_options o;
  const auto copy = [](std::int64_t ms, std::uint64_t request, std::uint64_t message) {
    tu::record r;
    r.timestamp_ms = ms;
    r.usage.input = 10;
    r.session_id = "s";
    r.request_hash = request;
    r.message_hash = message;
    return tu::archived_record{tu::content_identity(r), r};
  };
  const std::vector<tu::archived_record> archived = {copy(base_ms, 11, 7), copy(base_ms + 60'000, 13, 7),
                                                     copy(base_ms + 1000, 17, 0), copy(base_ms + 2000, 19, 0)};
  const auto added = [&](const std::vector<tu::record>& live) {
    return tu::detail::archived_to_add(o, archived, live);
  };
  const std::uint32_t first_of_message = archived[0].identity < archived[1].identity ? 0 : 1;
  const std::vector<std::uint32_t> alone = {std::min(first_of_message, 2u), std::max(first_of_message, 2u), 3};
  BOOST_TEST(added({}) == alone, boost::test_tools::per_element());
  tu::record parent = copy(base_ms - 5000, 23, 7).rec;  // the parent's line, live again
  BOOST_TEST(added({parent}) == (std::vector<std::uint32_t>{2, 3}), boost::test_tools::per_element());
  parent.timestamp_ms += 3 * 86'400'000;  // days away: not compared
  BOOST_TEST(added({parent}) == alone, boost::test_tools::per_element());
  // The kept index tells the same: the archived copy of the message is shared.
  tu::archive_contents contents;
  contents.records = archived;
  const auto x = tu::detail::archive_share::index_of(o, contents);
  BOOST_TEST(x.ids.size() == 3u);
  const auto shared = tu::detail::archive_share::shared_with(x, {copy(base_ms - 5000, 23, 7).rec});
  BOOST_TEST_REQUIRE(shared.size() == 1u);
  BOOST_TEST(shared[0].identity == archived[first_of_message].identity);
}

BOOST_AUTO_TEST_SUITE_END()
