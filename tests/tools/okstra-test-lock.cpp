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

okstra::locks::lock take(const okstra::cli::command_line& cmd, const okstra::locks::wait_policy& policy) {
  using namespace okstra;
  const auto home = dirs::home();
  const std::string which = cmd.get<std::string>("lock").value_or("central");
  if (which == "central") return locks::central_lock(home, policy);
  if (which == "registry") return locks::registry_lock(home, policy);
  const auto key = dirs::parse_task_key(cmd.require<std::string>("task-key"));
  if (which == "task") return locks::task_lock(home, key, cmd.require<std::string>("task-type"), policy);
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
    okstra::cli::command_line cmd({"okstra-test-lock", "take an okstra lock (test driver)", "[options]"});
    cmd.options()("lock", okstra::cli::po::value<std::string>(), "central|registry|task|provision")(
        "task-key", okstra::cli::po::value<std::string>(), "task key")(
        "task-type", okstra::cli::po::value<std::string>(), "task type")(
        "hold", okstra::cli::po::value<double>(), "seconds to hold the lock")(
        "increment", okstra::cli::po::value<std::string>(), "counter file")(
        "times", okstra::cli::po::value<int>()->default_value(1), "increments")(
        "ready", okstra::cli::po::value<std::string>(), "file created once the lock is held")(
        "twice", "take the same lock again while holding it");
    okstra::locks::add_wait_options(cmd);
    if (!cmd.parse(argc, argv)) return 0;
    const auto policy = okstra::locks::wait_policy_from(cmd);
    if (auto counter = cmd.get<std::string>("increment")) {
      for (int i = 0, n = cmd.get<int>("times").value_or(1); i < n; ++i) {
        auto held = take(cmd, policy);
        increment(*counter);
      }
      return 0;
    }
    auto held = take(cmd, policy);
    if (cmd.has("twice")) auto again = take(cmd, policy);
    if (auto ready = cmd.get<std::string>("ready")) okstra::fs::write_file_atomic(*ready, "ready\n");
    if (auto hold = cmd.get<double>("hold")) std::this_thread::sleep_for(std::chrono::duration<double>(*hold));
    return 0;
  });
}
