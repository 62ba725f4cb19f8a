#define BOOST_TEST_MODULE locks
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "okstra/core/cli.hpp"
#include "okstra/locks/locks.hpp"

namespace locks = okstra::locks;
namespace dirs = okstra::dirs;
namespace stdfs = std::filesystem;

namespace {

struct temp_home {
  dirs::home_layout home;
  temp_home() {
    char pattern[] = "/tmp/okstra-locks-XXXXXX";
    home.root = ::mkdtemp(pattern);
  }
  ~temp_home() { stdfs::remove_all(home.root); }
};

// A child process that holds `file` until killed; returns its pid once held.
pid_t spawn_holder(const stdfs::path& base, const stdfs::path& file) {
  int ready[2];
  BOOST_REQUIRE(::pipe(ready) == 0);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ready[0]);
    try {
      auto held = locks::lock::acquire_below(base, file);
      [[maybe_unused]] auto n = ::write(ready[1], "x", 1);
      for (;;) ::pause();
    } catch (...) {
    }
    ::_exit(1);
  }
  ::close(ready[1]);
  char c;
  BOOST_REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  return pid;
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

mode_t mode_of(const stdfs::path& p) {
  struct stat st{};
  BOOST_REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lock_files_are_private_and_record_the_holder) {
  temp_home t;
  {
    auto held = locks::central_lock(t.home);
    const auto file = locks::central_lock_file(t.home);
    BOOST_TEST(held.held());
    BOOST_TEST(mode_of(file) == 0600u);
    BOOST_TEST(mode_of(t.home.locks_dir()) == 0700u);
    const auto holder = locks::read_holder(file);
    BOOST_REQUIRE(holder.has_value());
    BOOST_TEST(holder->pid == static_cast<long>(::getpid()));
    BOOST_TEST(!holder->host.empty());
    BOOST_TEST(holder->command.find("locks_test") != std::string::npos);
    BOOST_TEST(holder->started_at.size() == 24u);
    BOOST_TEST(!holder->stale);
  }
  BOOST_TEST(!locks::read_holder(locks::central_lock_file(t.home)).has_value());
}

BOOST_AUTO_TEST_CASE(named_lock_locations) {
  temp_home t;
  // The seed's names (docs/dirs.md, "Lock names"): safe segments, '-' as "%2D", joined with '-'.
  const auto key = dirs::parse_task_key("proj/my group/t 1");
  BOOST_TEST(locks::task_lock_file(t.home, key, "implementation").filename().string() ==
             "task-proj-my%2Dgroup-t%2D1-implementation.lock");
  BOOST_TEST(locks::provision_lock_file(t.home, key).string() ==
             (t.home.locks_dir() / "worktree-provision" / "proj-my%2Dgroup-t%2D1.lock").string());
  const auto plain = dirs::parse_task_key("demo/payments/refund_timeout");
  BOOST_TEST(locks::task_lock_file(t.home, plain, "error-analysis").string() ==
             (t.home.locks_dir() / "task-demo-payments-refund_timeout-error-analysis.lock").string());
  BOOST_TEST(locks::provision_lock_file(t.home, plain).string() ==
             (t.home.locks_dir() / "worktree-provision" / "demo-payments-refund_timeout.lock").string());
  BOOST_TEST(locks::registry_lock_file(t.home) == t.home.registry_lock());
  BOOST_CHECK_THROW(locks::task_lock_file(t.home, key, "bogus"), okstra::error);
  auto a = locks::worktree_provision_mutex(t.home, key);
  BOOST_TEST(mode_of(t.home.locks_dir() / "worktree-provision") == 0700u);
  auto b = locks::registry_lock(t.home);
  BOOST_TEST(mode_of(t.home.registry_lock()) == 0600u);
}

// As in the seed, keys whose safe segments collide share their locks: the
// second waits, then the worktree step refuses it (docs/dirs.md, "Lock names").
BOOST_AUTO_TEST_CASE(colliding_safe_segments_share_a_lock) {
  temp_home t;
  const auto a = dirs::parse_task_key("proj/my group/t");
  const auto b = dirs::parse_task_key("proj/my-group/t");
  BOOST_TEST(locks::task_lock_file(t.home, a, "implementation") ==
             locks::task_lock_file(t.home, b, "implementation"));
  auto held_a = locks::task_lock(t.home, a, "implementation", {0.0});
  BOOST_CHECK_THROW(locks::task_lock(t.home, b, "implementation", {0.0}), std::logic_error);  // one process: re-entry
  // Keys that differ in safe segments never share one, '-' or not.
  const auto c = dirs::parse_task_key("proj-my/group/t"), d = dirs::parse_task_key("proj/my-group/t");
  BOOST_TEST(locks::task_lock_file(t.home, c, "implementation") !=
             locks::task_lock_file(t.home, d, "implementation"));
  auto held_c = locks::task_lock(t.home, c, "implementation", {0.0});
  BOOST_TEST(held_c.held());
}

BOOST_AUTO_TEST_CASE(taking_a_held_lock_twice_throws_at_once) {
  temp_home t;
  auto held = locks::central_lock(t.home);
  const auto start = std::chrono::steady_clock::now();
  BOOST_CHECK_THROW(locks::central_lock(t.home), locks::lock_reentry_error);
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(1)));
  held.release();
  auto again = locks::central_lock(t.home);  // released: fine again
  BOOST_TEST(again.held());
}

BOOST_AUTO_TEST_CASE(busy_lock_with_no_wait_is_refused_naming_the_holder) {
  temp_home t;
  const pid_t holder = spawn_holder(t.home.root, locks::central_lock_file(t.home));
  try {
    locks::central_lock(t.home, {0.0});
    BOOST_FAIL("lock should be busy");
  } catch (const okstra::error& e) {
    BOOST_TEST((e.code() == okstra::exit_code::refused));
    BOOST_TEST(std::string(e.what()).find("lock busy") != std::string::npos);
    BOOST_TEST(e.hint().find("pid " + std::to_string(holder)) != std::string::npos);
  }
  kill_and_reap(holder);
}

BOOST_AUTO_TEST_CASE(timeout_waits_about_as_long_as_asked) {
  temp_home t;
  const pid_t holder = spawn_holder(t.home.root, locks::central_lock_file(t.home));
  const auto start = std::chrono::steady_clock::now();
  BOOST_CHECK_THROW(locks::central_lock(t.home, {0.3}), okstra::error);
  const auto waited = std::chrono::steady_clock::now() - start;
  BOOST_TEST((waited >= std::chrono::milliseconds(300)));
  BOOST_TEST((waited < std::chrono::milliseconds(1500)));
  kill_and_reap(holder);
}

BOOST_AUTO_TEST_CASE(a_killed_holder_releases_and_its_record_shows_stale) {
  temp_home t;
  const auto file = locks::central_lock_file(t.home);
  const pid_t holder = spawn_holder(t.home.root, file);
  kill_and_reap(holder);
  const auto record = locks::read_holder(file);
  BOOST_REQUIRE(record.has_value());
  BOOST_TEST(record->pid == static_cast<long>(holder));
  BOOST_TEST(record->stale);
  BOOST_TEST(record->describe().find("stale") != std::string::npos);
  auto held = locks::central_lock(t.home, {2.0});
  BOOST_TEST(held.held());
}

BOOST_AUTO_TEST_CASE(waiting_lock_is_granted_when_the_holder_dies) {
  temp_home t;
  const pid_t holder = spawn_holder(t.home.root, locks::central_lock_file(t.home));
  const pid_t killer = ::fork();
  if (killer == 0) {
    ::usleep(200'000);
    ::kill(holder, SIGKILL);
    ::_exit(0);
  }
  auto held = locks::central_lock(t.home, {5.0});
  BOOST_TEST(held.held());
  ::waitpid(killer, nullptr, 0);
  ::waitpid(holder, nullptr, 0);
}

BOOST_AUTO_TEST_CASE(symlinks_are_refused) {
  temp_home t;
  const stdfs::path elsewhere = t.home.root / "elsewhere";
  stdfs::create_directories(elsewhere);
  stdfs::create_directory_symlink(elsewhere, t.home.locks_dir());
  try {
    locks::central_lock(t.home);
    BOOST_FAIL("a symlinked lock folder must be refused");
  } catch (const okstra::error& e) {
    BOOST_TEST((e.code() == okstra::exit_code::input));
    BOOST_TEST(std::string(e.what()).find("refusing lock folder") != std::string::npos);
  }
  stdfs::remove(t.home.locks_dir());
  stdfs::create_directories(t.home.locks_dir());
  stdfs::create_symlink(elsewhere / "target", locks::central_lock_file(t.home));
  BOOST_CHECK_THROW(locks::central_lock(t.home), okstra::error);
  BOOST_TEST(!stdfs::exists(elsewhere / "target"));
}

BOOST_AUTO_TEST_CASE(group_writable_lock_folder_is_tightened) {
  temp_home t;
  stdfs::create_directories(t.home.locks_dir());
  ::chmod(t.home.locks_dir().c_str(), 0777);
  auto held = locks::central_lock(t.home);
  BOOST_TEST(mode_of(t.home.locks_dir()) == 0700u);
}

BOOST_AUTO_TEST_CASE(wait_options) {
  // The lock-wait option group of core/cli.hpp gives the policy (docs/cli.md, "Lock options").
  okstra::cli::program p;
  p.name = "okstra-x";
  p.self.summary = "test";
  p.self.lock_wait = true;
  const auto policy_of = [&](std::vector<std::string> args) {
    return locks::wait_policy{okstra::cli::parse(p, args)->wait_seconds()};
  };
  BOOST_TEST(!policy_of({}).timeout_seconds.has_value());
  BOOST_TEST(*policy_of({"--no-wait"}).timeout_seconds == 0.0);
  BOOST_TEST(*policy_of({"--lock-timeout", "2.5"}).timeout_seconds == 2.5);
  BOOST_CHECK_THROW(policy_of({"--lock-timeout", "-1"}), okstra::error);
  BOOST_CHECK_THROW(policy_of({"--lock-timeout", "soon"}), okstra::error);
  BOOST_CHECK_THROW(policy_of({"--no-wait", "--lock-timeout", "1"}), okstra::error);
}
