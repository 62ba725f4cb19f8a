// Test-only driver of okstra::locks for tests/cli/locks.sh: takes one named
// lock across a real process boundary, optionally holds it or increments a
// counter file under it. Not installed.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "okstra/core/cli.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/locks/locks.hpp"

namespace {

okstra::locks::lock take(const okstra::cli::arguments& cmd, const okstra::locks::wait_policy& policy) {
  using namespace okstra;
  const auto home = dirs::home();
  const std::string which = cmd.text("lock").value_or("central");
  if (which == "central") return locks::central_lock(home, policy);
  if (which == "registry") return locks::registry_lock(home, policy);
  const auto key = dirs::parse_task_key(cmd.require("task-key"));
  if (which == "task") return locks::task_lock(home, key, cmd.require("task-type"), policy);
  if (which == "provision") return locks::worktree_provision_mutex(home, key, policy);
  throw usage_error(quoted("unknown lock", which));
}

// Deliberately a non-atomic read-modify-write: only the lock keeps it exact.
void increment(const std::string& path) {
  std::string text;
  try {
    text = okstra::fs::read_file(path);
  } catch (const okstra::error&) {
  }
  const long value = text.empty() ? 0 : std::stol(text);
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw okstra::io_error("write", path);
  std::fprintf(f, "%ld\n", value + 1);
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  return okstra::cli::run_main("okstra-test-lock", [&] {
    namespace cli = okstra::cli;
    cli::program p;
    p.name = "okstra-test-lock";
    p.self.summary = "take an okstra lock (test driver)";
    p.self.lock_wait = true;
    p.self.options = {cli::text("lock", "NAME", "central|registry|task|provision"), cli::text("task-key", "K", "task key"),
                      cli::text("task-type", "T", "task type"), cli::number("hold", "S", "seconds to hold the lock"),
                      cli::path("increment", "FILE", "counter file"), cli::count("times", "N", "increments").defaults("1"),
                      cli::path("ready", "FILE", "file created once the lock is held"),
                      cli::flag("twice", "take the same lock again while holding it")};
    p.exits = {{0, "done"}, {1, "lock busy"}, {2, "usage error"}, {3, "I/O error"}};
    const auto parsed = cli::parse(p, argc, argv);
    if (!parsed) return 0;
    const cli::arguments& cmd = *parsed;
    const okstra::locks::wait_policy policy{cmd.wait_seconds()};
    if (auto counter = cmd.text("increment")) {
      for (long i = 0, n = *cmd.count("times"); i < n; ++i) {
        auto held = take(cmd, policy);
        increment(*counter);
      }
      return 0;
    }
    auto held = take(cmd, policy);
    if (cmd.has("twice")) auto again = take(cmd, policy);
    if (auto ready = cmd.text("ready")) okstra::fs::write_file_atomic(*ready, "ready\n");
    if (auto hold = cmd.number("hold")) std::this_thread::sleep_for(std::chrono::duration<double>(*hold));
    return 0;
  });
}
