// okstra-cost — static context cost of a task bundle: what each role must read,
// in files, bytes and estimated tokens (docs/cost.md).
#include <iostream>
#include <optional>
#include <string>

#include "okstra/context_cost/context_cost.hpp"
#include "okstra/core/cli.hpp"

namespace {

namespace po = okstra::cli::po;
namespace cc = okstra::context_cost;

constexpr const char* tool = "okstra-cost";

const char* details =
    "Measures the instruction set, what the lead reads in phase 1, what each analysis\n"
    "worker and the report writer read, and the hot-path skills and worker agent files.\n"
    "Estimated tokens: 1/4 per code point below 128, 1 per other code point, rounded\n"
    "half to even over each file set. Inside the task root, paths are relative to it.\n"
    "\n"
    "Mandatory: the task root, and --run-dir, --runtime-root and --compare when given\n"
    "(each must be a folder, else exit 3). Every measured file is optional: an absent\n"
    "one is not counted, but a file that exists and cannot be read is an error (exit 3).\n"
    "Below the task root no symbolic link is followed: what it leads to counts as\n"
    "absent and a warning names the link. Installed skills and agents may be links.\n"
    "\n"
    "Where files are looked for:\n"
    "  skills   <claude root>/skills/<name>/SKILL.md, else <runtime root>/skills/<name>/SKILL.md\n"
    "  agents   <claude root>/agents/<file>, else <runtime root>/agents/workers/<file>\n"
    "  preamble $OKSTRA_HOME/templates/worker-prompt-preamble.md, else <runtime root>/templates/\n"
    "\n"
    "Environment:\n"
    "  CLAUDE_CONFIG_DIR  Claude roots, comma separated, tried in order (default ~/.claude)\n"
    "  OKSTRA_HOME        okstra home (default ~/.okstra)\n"
    "\n"
    "Examples:\n"
    "  okstra-cost --task-root .okstra/tasks/payments/refund-timeout\n"
    "  okstra-cost --task-root T --format table\n"
    "  okstra-cost --task-root T --compare OLD_T --format table\n";

std::optional<std::filesystem::path> path_option(const okstra::cli::command_line& cmd, const std::string& name) {
  if (auto v = cmd.get<std::string>(name)) {
    if (v->empty()) throw okstra::usage_error("option '--" + name + "' needs a folder", "see '" + std::string(tool) + " --help'");
    return std::filesystem::path(*v);
  }
  return std::nullopt;
}

// Warnings are printed only once every measurement succeeded, so a failed
// command prints its error line and nothing else.
void print_warnings(const cc::report& r) {
  for (const auto& w : r.warnings) okstra::cli::warn(tool, w);
}

}  // namespace

int main(int argc, char** argv) {
  return okstra::cli::run_main(tool, [&] {
    okstra::cli::command_spec spec(tool, "static context cost of a task bundle (instruction surfaces, estimated tokens)",
                                   "--task-root DIR [--run-dir DIR] [--runtime-root DIR] [--format json|table]\n"
                                   "       [--compare OTHER_TASK_ROOT] [--quiet]",
                                   details);
    spec.with_quiet = true;
    okstra::cli::command_line cmd(spec);
    cmd.options()("task-root", po::value<std::string>()->value_name("DIR"), "the task bundle (required)")(
        "run-dir", po::value<std::string>()->value_name("DIR"), "the run to measure (default: the latest under runs/)")(
        "runtime-root", po::value<std::string>()->value_name("DIR"),
        "fallback tree of skills/, agents/workers/, templates/ (default: <prefix>/share/okstra)")(
        "format", po::value<std::string>()->value_name("FORMAT")->default_value("json"), "json or table")(
        "compare", po::value<std::string>()->value_name("DIR"), "print the differences from this other task root");
    if (!cmd.parse(argc, argv)) return 0;
    const std::string format = *cmd.get<std::string>("format");
    if (format != "json" && format != "table")
      throw okstra::usage_error(okstra::quoted("unknown format", format), "formats: json, table");
    if (format == "table" && cmd.quiet())
      throw okstra::usage_error("options '--quiet' and '--format table' cannot be combined");
    const auto task_root = path_option(cmd, "task-root");
    if (!task_root) throw okstra::usage_error("missing required option '--task-root'", "see 'okstra-cost --help'");
    auto runtime_root = path_option(cmd, "runtime-root");
    if (!runtime_root) runtime_root = cc::installed_runtime_root();
    const auto other_root = path_option(cmd, "compare");

    const cc::report report =
        cc::measure(cc::locations::from_environment(*task_root, path_option(cmd, "run-dir"), runtime_root));
    if (other_root) {
      const cc::report other = cc::measure(cc::locations::from_environment(*other_root, std::nullopt, runtime_root));
      print_warnings(report);
      print_warnings(other);
      const cc::comparison c = cc::compare(report, other);
      okstra::cli::emit(format == "table" ? cc::to_table(c) : cc::to_json(c, !cmd.quiet()));
      return 0;
    }
    print_warnings(report);
    okstra::cli::emit(format == "table" ? cc::to_table(report) : cc::to_json(report, !cmd.quiet()));
    return 0;
  });
}
