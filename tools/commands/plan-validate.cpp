// okstra-plan-validate — the approval gate of an implementation plan report
// (docs/plan-validate.md).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include <string>

#include "okstra/clarification/clarification.hpp"
#include "okstra/core/cli.hpp"

#include "commands.hpp"

namespace okstra::commands::plan_validate {

namespace {

namespace cli = okstra::cli;
constexpr const char* tool = "okstra-plan-validate";

cli::program declare() {
  cli::program p;
  p.name = tool;
  p.self.summary = "approval gate of an implementation plan report";
  p.self.usage = {"[options] <plan.md>"};
  p.self.positionals = {{"plan.md", 1, 1}};
  p.self.details =
      "Prints {path, approved, gate, dataJson, valid, reasons}. A plan is valid\n"
      "when it is approved (front matter 'approved: true', or the legacy line\n"
      "'- [x] Approved'), its '## 1. Clarification Items' gate is readable with no\n"
      "open or answered item that blocks approval, and the data.json next to it, if\n"
      "any, says approval.approved: true. Every refusal reason is listed.\n"
      "\n"
      "Examples:\n"
      "  okstra-plan-validate runs/implementation-planning/reports/final-report-implementation-planning-001.md\n"
      "  okstra-plan-validate -c plan.md | jq -r '.reasons[]'\n"
      "  okstra-plan-validate -q plan.md && echo approved\n";
  p.exits = {{0, "the plan is valid"},
             {1, "refused: not approved, gate unreadable or blocked, data.json disagrees or cannot be used"},
             {2, "usage error: unknown option or bad value, no plan or more than one"},
             {3, "the plan report cannot be read, or output failed"}};
  return p;
}

}  // namespace

int run(int argc, char** argv) {
  return cli::run_main(tool, [&] {
    const auto args = cli::parse(declare(), argc, argv);
    if (!args) return 0;
    const auto result = okstra::clarification::validate_plan(args->positionals().front());
    cli::emit_json(*args, okstra::clarification::to_json(result, args->out().pretty()),
                   {"plan gate", {{"/gate/blockers", {"id", "status", "blocks", "question"}}}});
    return result.valid ? 0 : 1;
  });
}

}  // namespace okstra::commands::plan_validate
