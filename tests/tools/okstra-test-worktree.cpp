// Test-only driver of okstra::worktree for tests/cli/worktree.sh: provisions a
// task worktree and optionally a stage under the provision mutex, as
// okstra-prepare will, and prints the result. Not installed.
#include <string>

#include "okstra/core/cli.hpp"
#include "okstra/worktree/worktree.hpp"

int main(int argc, char** argv) {
  namespace wt = okstra::worktree;
  namespace po = okstra::cli::po;
  return okstra::cli::run_main("okstra-test-worktree", [&] {
    okstra::cli::command_spec spec("okstra-test-worktree", "provision a task/stage worktree (test driver)",
                                   "--project-root DIR --task-key K [options]");
    spec.with_quiet = true;
    okstra::cli::command_line cmd(spec);
    cmd.options()("project-root", po::value<std::string>(), "project folder")(
        "task-key", po::value<std::string>(), "task key")("work-category", po::value<std::string>(), "category")(
        "base-ref", po::value<std::string>(), "base ref")("stage", po::value<std::string>(), "N or auto")(
        "stage-map", po::value<std::string>(), "data.json with stages")(
        "complete", "mark the provisioned stage completed")(
        "fail-after", "throw after provisioning (the transaction rolls back)");
    okstra::locks::add_wait_options(cmd);
    if (!cmd.parse(argc, argv)) return 0;
    const auto home = okstra::dirs::home();
    const auto policy = okstra::locks::wait_policy_from(cmd);
    const auto key = okstra::dirs::parse_task_key(cmd.require<std::string>("task-key"));
    const std::string root = cmd.require<std::string>("project-root");
    const auto mutex = okstra::locks::worktree_provision_mutex(home, key, policy);
    wt::transaction tx(home, key, policy);
    auto result = wt::provision_task_worktree(
        home, {root, key, cmd.get<std::string>("work-category").value_or(""), cmd.get<std::string>("base-ref"), false},
        mutex, tx, policy);
    if (auto stage = cmd.get<std::string>("stage")) {
      wt::stage_request request{root, key, std::nullopt, wt::stage_map::single()};
      if (*stage != "auto") request.stage = std::stoi(*stage);
      if (auto map = cmd.get<std::string>("stage-map")) request.map = wt::read_stage_map(*map);
      result = wt::provision_stage_worktree(home, request, mutex, tx, policy);
      if (cmd.has("complete") && result.worktree)
        wt::set_status(home, key, result.worktree->stage, wt::entry_status::completed, policy);
    }
    if (cmd.has("fail-after")) throw okstra::input_error("injected failure after provisioning");
    tx.commit();
    okstra::cli::emit(wt::to_json(result, !cmd.quiet()));
    return 0;
  });
}
