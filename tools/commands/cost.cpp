// okstra-cost — static context cost of a task bundle: what each role must read,
// in files, bytes and estimated tokens (docs/cost.md).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include <optional>
#include <string>

#include "okstra/context_cost/context_cost.hpp"
#include "okstra/core/cli.hpp"

#include "commands.hpp"

namespace okstra::commands::cost {

namespace {

namespace cli = okstra::cli;
namespace cc = okstra::context_cost;

constexpr const char* tool = "okstra-cost";

const char* details =
    "Measures the instruction set, what the lead reads in phase 1, what each analysis\n"
    "worker and the report writer read, and the hot-path skills and worker agent files.\n"
    "Estimated tokens: 1/4 per code point below 128, 1 per other code point, rounded\n"
    "half to even over each file set. The bundle's files and run folder are shown\n"
    "relative to the project the task root lies in (<project>/.okstra/tasks/...; the\n"
    "JSON's projectRoot), else to the task root; paths outside it are absolute.\n"
    "--format table (or text) prints a ranked, aligned table.\n"
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
    "  CLAUDE_CONFIG_DIR  Claude roots, comma separated, tried in order (default ~/.config/claude, ~/.claude);\n"
    "                     the same roots okstra-usage and okstra-validate-session read\n"
    "  OKSTRA_HOME        okstra home (default ~/.okstra)\n"
    "\n"
    "Examples:\n"
    "  okstra-cost --task-root .okstra/tasks/payments/refund-timeout\n"
    "  okstra-cost --task-root T --format table\n"
    "  okstra-cost --task-root T --compare OLD_T --format table\n";

cli::program declare() {
  using cli::completion;
  cli::program p;
  p.name = tool;
  p.self.summary = "static context cost of a task bundle (instruction surfaces, estimated tokens)";
  p.self.usage = {"--task-root DIR [--run-dir DIR] [--runtime-root DIR] [--compare OTHER_TASK_ROOT] [options]"};
  p.self.details = details;
  p.self.formats = {"json", "table", "text"};
  p.self.options = {
      cli::path("task-root", "DIR", "the task bundle (required)", completion::dir),
      cli::path("run-dir", "DIR", "the run to measure (default: the latest under runs/)", completion::dir),
      cli::path("runtime-root", "DIR", "fallback tree of skills/, agents/workers/, templates/ (default: <prefix>/share/okstra)",
                completion::dir),
      cli::path("compare", "DIR", "print the differences from this other task root", completion::dir)};
  p.exits = {{0, "measured (absent optional files are not counted; warnings on stderr)"},
             {2, "usage error: unknown option or bad value, no --task-root"},
             {3, "a mandatory folder is missing or not a folder, a present file cannot be read, or output failed"}};
  return p;
}

std::optional<std::filesystem::path> path_option(const cli::arguments& args, const char* name) {
  if (auto v = args.text(name)) return std::filesystem::path(*v);
  return std::nullopt;
}

// Warnings are printed only once every measurement succeeded, so a failed
// command prints its error line and nothing else.
void print_warnings(const cc::report& r) {
  for (const auto& w : r.warnings) cli::warn(tool, w);
}

// table and text are the same human view (docs/cost.md).
template <class Result>
void print(const cli::arguments& args, const Result& result) {
  if (args.out().format == "json") return cli::emit(args, cc::to_json(result, args.out().pretty()));
  cli::emit(args, cc::to_table(result, cli::stdout_style(args)));
}

}  // namespace

int run(int argc, char** argv) {
  return cli::run_main(tool, [&] {
    const auto args = cli::parse(declare(), argc, argv);
    if (!args) return 0;
    const std::filesystem::path task_root = args->require("task-root");
    auto runtime_root = path_option(*args, "runtime-root");
    if (!runtime_root) runtime_root = cc::installed_runtime_root();
    const auto other_root = path_option(*args, "compare");

    const cc::report report =
        cc::measure(cc::locations::from_environment(task_root, path_option(*args, "run-dir"), runtime_root));
    if (other_root) {
      const cc::report other = cc::measure(cc::locations::from_environment(*other_root, std::nullopt, runtime_root));
      print_warnings(report);
      print_warnings(other);
      print(*args, cc::compare(report, other));
      return 0;
    }
    print_warnings(report);
    print(*args, report);
    return 0;
  });
}

}  // namespace okstra::commands::cost
