// okstra-plan-validate — the approval gate of an implementation plan report
// (docs/plan-validate.md).
#include <string>
#include <vector>

#include "okstra/clarification/clarification.hpp"
#include "okstra/core/cli.hpp"

namespace {

constexpr const char* tool = "okstra-plan-validate";

const char* details =
    "Prints {path, approved, gate, dataJson, valid, reasons} as JSON. A plan is valid\n"
    "when it is approved (front matter 'approved: true', or the legacy line\n"
    "'- [x] Approved'), its '## 1. Clarification Items' gate is readable with no\n"
    "open or answered item that blocks approval, and the data.json next to it, if\n"
    "any, says approval.approved: true. Every refusal reason is listed.\n"
    "\n"
    "Examples:\n"
    "  okstra-plan-validate runs/implementation-planning/reports/final-report-implementation-planning-001.md\n"
    "  okstra-plan-validate --quiet plan.md | jq -r '.reasons[]'\n";

const char* exit_status =
    "Exit status:\n"
    "  0  the plan is valid\n"
    "  1  refused: not approved, gate unreadable or blocked, data.json disagrees\n"
    "     or cannot be used (the reasons are in the JSON)\n"
    "  2  usage error: unknown option, no plan or more than one\n"
    "  3  the plan report cannot be read\n";

}  // namespace

int main(int argc, char** argv) {
  return okstra::cli::run_main(tool, [&] {
    okstra::cli::command_spec spec(tool, "approval gate of an implementation plan report", "[--quiet] <plan.md>",
                                   details);
    spec.with_quiet = true;
    spec.exit_status = exit_status;
    okstra::cli::command_line cmd(spec);
    cmd.positional("plan");
    if (!cmd.parse(argc, argv)) return 0;
    const std::vector<std::string> plans = cmd.positionals("plan");
    if (plans.size() != 1)
      throw okstra::usage_error("missing plan report argument", "see '" + std::string(tool) + " --help'");
    const auto result = okstra::clarification::validate_plan(plans.front());
    okstra::cli::emit(okstra::clarification::to_json(result, !cmd.quiet()));
    return result.valid ? 0 : 1;
  });
}
