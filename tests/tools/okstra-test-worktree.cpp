// Test-only driver of okstra::worktree for tests/cli/worktree.sh: provisions a
// task worktree and optionally a stage under the provision mutex, as
// okstra-prepare will, and prints the result. Not installed.
#include <string>

#include "okstra/core/cli.hpp"
#include "okstra/worktree/worktree.hpp"

int main(int argc, char** argv) {
  namespace wt = okstra::worktree;
  namespace cli = okstra::cli;
  return cli::run_main("okstra-test-worktree", [&] {
    cli::program p;
    p.name = "okstra-test-worktree";
    p.self.summary = "provision a task/stage worktree (test driver)";
    p.self.usage = {"--project-root DIR --task-key K [options]"};
    p.self.lock_wait = true;
    p.self.options = {cli::path("project-root", "DIR", "project folder"), cli::text("task-key", "K", "task key"),
                      cli::text("work-category", "C", "category"), cli::text("base-ref", "REF", "base ref"),
                      cli::text("stage", "N", "N or auto"), cli::path("stage-map", "FILE", "data.json with stages"),
                      cli::flag("complete", "mark the provisioned stage completed"),
                      cli::flag("fail-after", "throw after provisioning (the transaction rolls back)")};
    p.exits = {{0, "done"}, {1, "refused"}, {2, "usage error"}, {3, "git or I/O error"}};
    const auto parsed = cli::parse(p, argc, argv);
    if (!parsed) return 0;
    const cli::arguments& cmd = *parsed;
    const auto home = okstra::dirs::home();
    const okstra::locks::wait_policy policy{cmd.wait_seconds()};
    const auto key = okstra::dirs::parse_task_key(cmd.require("task-key"));
    const std::string root = cmd.require("project-root");
    const auto mutex = okstra::locks::worktree_provision_mutex(home, key, policy);
    wt::transaction tx(home, key, policy);
    auto result = wt::provision_task_worktree(
        home, {root, key, cmd.text("work-category").value_or(""), cmd.text("base-ref"), false},
        mutex, tx, policy);
    if (auto stage = cmd.text("stage")) {
      wt::stage_request request{root, key, std::nullopt, wt::stage_map::single()};
      if (*stage != "auto") request.stage = std::stoi(*stage);
      if (auto map = cmd.text("stage-map")) request.map = wt::read_stage_map(*map);
      result = wt::provision_stage_worktree(home, request, mutex, tx, policy);
      if (cmd.has("complete") && result.worktree)
        wt::set_status(home, key, result.worktree->stage, wt::entry_status::completed, policy);
    }
    if (cmd.has("fail-after")) throw okstra::input_error("injected failure after provisioning");
    tx.commit();
    cli::emit(cmd, wt::to_json(result, cmd.out().pretty()));
    return 0;
  });
}
