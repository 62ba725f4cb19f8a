// Test-only driver of okstra::prepare's run index for tests/prepare_test.cpp:
// records the start of a run, or finishes one, from its own process, so the
// test can run many at once. Waits for --go FILE to exist first, so that all
// drivers hit the central lock together. Not installed.
#include <chrono>
#include <string>
#include <thread>

#include "okstra/core/cli.hpp"
#include "okstra/core/time.hpp"
#include "okstra/prepare/prepare.hpp"

namespace {

void wait_for(const std::string& file) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::error_code ec;
  while (!std::filesystem::exists(file, ec)) {
    if (std::chrono::steady_clock::now() > deadline) throw okstra::input_error(okstra::quoted("timed out waiting for", file));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = okstra::cli;
  return cli::run_main("okstra-test-prepare", [&] {
    cli::program p;
    p.name = "okstra-test-prepare";
    p.self.summary = "record or finish an okstra run (test driver)";
    p.self.options = {cli::text("action", "A", "start|finish"), cli::path("run-dir", "DIR", "run folder"),
                      cli::count("seq", "N", "run sequence number"), cli::text("status", "S", "final status"),
                      cli::path("go", "FILE", "start once this file exists")};
    p.exits = {{0, "done"}, {1, "refused"}, {2, "usage error"}, {3, "I/O error"}};
    const auto parsed = cli::parse(p, argc, argv);
    if (!parsed) return 0;
    const cli::arguments& cmd = *parsed;
    if (auto go = cmd.text("go")) wait_for(*go);
    const auto home = okstra::dirs::home();
    const std::string run_dir = cmd.require("run-dir");
    const int seq = static_cast<int>(std::stol(cmd.require("seq")));
    if (cmd.require("action") == "finish") {
      okstra::prepare::finish(home, run_dir, cmd.require("status"), seq);
      return 0;
    }
    okstra::prepare::run_context context;
    context.project_root = "/projects/demo";
    context.task_key = "demo/group/task-" + std::to_string(seq);
    context.task_type = "error-analysis";
    context.seq = seq;
    context.run_dir = run_dir;
    // A long line: a torn or interleaved write would be easy to see.
    context.report_path = run_dir + "/reports/" + std::string(2000, 'r') + ".md";
    context.executor = "claude";
    context.created_at = okstra::time::utc_now_iso8601();
    okstra::prepare::record_start(home, context, "demo");
    return 0;
  });
}
