// The watcher of `okstra-usage --watch` (docs/usage-watch.md) on real
// folders: it wakes on a change below a watched root, also in folders made
// after it started, coalesces a burst into one wake-up, picks up a root that
// appears later, falls back to the timer, and stops on a signal.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "okstra/token_usage/watch.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;
namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_watch_test {

void append(const stdfs::path& file, const std::string& line) {
  std::ofstream out(file, std::ios::app);
  out << line << '\n';
}

long long ms_since(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t).count();
}

tu::watch_settings settings_for(const stdfs::path& root) {
  tu::watch_settings s;
  s.roots = {root};
  s.interval = 60s;  // the timer never fires in these tests unless asked
  s.quiet = 100ms;
  return s;
}

// A pipe standing for the signals: writing to it wakes the watcher.
struct wake_pipe {
  int fds[2] = {-1, -1};
  wake_pipe() { BOOST_TEST_REQUIRE(::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0); }
  ~wake_pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  void poke() const { BOOST_TEST_REQUIRE(::write(fds[1], "x", 1) == 1); }
};


BOOST_AUTO_TEST_SUITE(watch)

BOOST_AUTO_TEST_CASE(roots_are_the_folders_the_report_reads) {
  okstra::test::temp_dir t;
  stdfs::create_directories(t.path / "claude" / "projects");
  tu::collect_options o;
  o.enabled = {true, true, false, false};
  o.claude_roots = {t.path / "claude"};
  o.codex_roots = {t.path / "codex"};
  o.limits_file = t.path / "home" / "usage" / "limits.json";
  const auto roots = tu::watched_roots(o, true);
  const std::vector<stdfs::path> expected = {t.path / "claude" / "projects", t.path / "codex" / "archived_sessions",
                                             t.path / "codex" / "sessions", t.path / "home" / "usage"};
  BOOST_TEST(roots == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_append_wakes_it) {
  okstra::test::temp_dir t;
  append(t.path / "a.jsonl", "one");
  tu::watcher w(settings_for(t.path));
  BOOST_TEST(!w.on_timer());
  BOOST_TEST(w.folders() == 1u);
  const auto start = clock_type::now();
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    append(t.path / "a.jsonl", "two");
  });
  const auto woke = w.wait();
  writer.join();
  BOOST_TEST((woke == tu::wake::changed));
  BOOST_TEST(ms_since(start) < 3000);
}

BOOST_AUTO_TEST_CASE(folders_made_later_are_watched) {
  okstra::test::temp_dir t;
  tu::watcher w(settings_for(t.path));
  stdfs::create_directories(t.path / "project" / "subagents");
  BOOST_TEST((w.wait() == tu::wake::changed));
  BOOST_TEST(w.folders() == 3u);  // the root, project, project/subagents
  const auto start = clock_type::now();
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    append(t.path / "project" / "subagents" / "agent.jsonl", "a record");
  });
  const auto woke = w.wait();
  writer.join();
  BOOST_TEST((woke == tu::wake::changed));
  BOOST_TEST(ms_since(start) < 3000);
}

BOOST_AUTO_TEST_CASE(a_burst_is_one_change) {
  okstra::test::temp_dir t;
  wake_pipe stop;
  auto s = settings_for(t.path);
  s.quiet = 200ms;
  s.wake_fd = stop.fds[0];
  tu::watcher w(s);
  clock_type::time_point last_write;
  std::thread writer([&] {
    for (int i = 0; i < 8; ++i) {  // 8 appends 40 ms apart: each gap shorter than `quiet`
      append(t.path / "busy.jsonl", "line " + std::to_string(i));
      last_write = clock_type::now();
      std::this_thread::sleep_for(40ms);
    }
  });
  BOOST_TEST((w.wait() == tu::wake::changed));
  const auto woke_at = clock_type::now();
  writer.join();
  BOOST_TEST((woke_at >= last_write + 150ms));  // only once the burst was over
  // Nothing is left over from the burst: the next wake-up is the pipe.
  std::thread poker([&] {
    std::this_thread::sleep_for(400ms);
    stop.poke();
  });
  const auto next = w.wait();
  poker.join();
  BOOST_TEST((next == tu::wake::signal));
}

BOOST_AUTO_TEST_CASE(a_root_that_appears_later) {
  okstra::test::temp_dir t;
  auto s = settings_for(t.path / "sessions");
  s.interval = 200ms;  // how often a missing root is looked for
  tu::watcher w(s);
  BOOST_TEST(w.folders() == 0u);
  std::thread maker([&] {
    std::this_thread::sleep_for(100ms);
    stdfs::create_directories(t.path / "sessions" / "2026");
  });
  const auto start = clock_type::now();
  const auto woke = w.wait();
  maker.join();
  BOOST_TEST((woke == tu::wake::changed));
  BOOST_TEST(ms_since(start) < 3000);
  BOOST_TEST(w.folders() == 2u);
  // Removed, then made again: it is looked for again and watched.
  stdfs::remove_all(t.path / "sessions");
  BOOST_TEST((w.wait() == tu::wake::changed));
  BOOST_TEST(w.folders() == 0u);
  stdfs::create_directories(t.path / "sessions");
  BOOST_TEST((w.wait() == tu::wake::changed));
  BOOST_TEST(w.folders() == 1u);
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    append(t.path / "sessions" / "rollout.jsonl", "a record");
  });
  BOOST_TEST((w.wait() == tu::wake::changed));
  writer.join();
}

BOOST_AUTO_TEST_CASE(the_timer_without_inotify) {
  okstra::test::temp_dir t;
  auto s = settings_for(t.path);
  s.use_inotify = false;
  s.interval = 200ms;
  tu::watcher w(s);
  BOOST_TEST(w.on_timer());
  BOOST_TEST(!w.why_timer().empty());
  const auto start = clock_type::now();
  BOOST_TEST((w.wait() == tu::wake::timer));
  BOOST_TEST(ms_since(start) >= 190);
  BOOST_TEST(ms_since(start) < 2000);
  append(t.path / "a.jsonl", "not seen but on the timer");
  BOOST_TEST((w.wait() == tu::wake::timer));
}

BOOST_AUTO_TEST_CASE(the_timer_beside_inotify) {
  okstra::test::temp_dir t;
  auto s = settings_for(t.path);
  s.interval = 200ms;
  s.timer_always = true;
  tu::watcher w(s);
  BOOST_TEST(!w.on_timer());
  const auto start = clock_type::now();
  BOOST_TEST((w.wait() == tu::wake::timer));
  BOOST_TEST(ms_since(start) < 2000);
}

BOOST_AUTO_TEST_CASE(signals_reach_the_pipe) {
  okstra::test::temp_dir t;
  tu::watch_signals signals;
  auto s = settings_for(t.path);
  s.wake_fd = signals.fd();
  tu::watcher w(s);
  ::raise(SIGWINCH);
  BOOST_TEST((w.wait() == tu::wake::signal));
  auto p = signals.take();
  BOOST_TEST(p.resized);
  BOOST_TEST(p.stop == 0);
  ::raise(SIGTERM);  // handled: the test goes on
  BOOST_TEST((w.wait() == tu::wake::signal));
  p = signals.take();
  BOOST_TEST(p.stop == SIGTERM);
  BOOST_TEST(!p.resized);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace token_usage_watch_test
