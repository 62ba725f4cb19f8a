// okstra-plan-validate — the approval gate of an implementation plan report,
// and its approval step `approve` (docs/plan-validate.md).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "okstra/clarification/approval.hpp"
#include "okstra/clarification/clarification.hpp"
#include "okstra/core/cli.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/text.hpp"
#include "okstra/core/time.hpp"
#include "okstra/locks/locks.hpp"

#include "commands.hpp"

namespace okstra::commands::plan_validate {

namespace {

namespace cli = okstra::cli;
namespace clar = okstra::clarification;
constexpr const char* tool = "okstra-plan-validate";

cli::command approve_command() {
  cli::command c;
  c.name = "approve";
  c.summary = "approve a plan whose gate holds (or --revoke its approval)";
  c.usage = {"[--by NAME] [options] <plan.md>", "--revoke [options] <plan.md>"};
  c.details =
      "Runs the gate first and refuses (exit 1, every reason on stderr, nothing\n"
      "written) a plan whose '1. Clarification Items' cannot be read or still has an\n"
      "item blocking approval. Otherwise sets 'approved: true' in the front matter\n"
      "(adding one when there is none; every other byte stays as it was) and, when a\n"
      "data.json lies next to the plan, approval.approved: true with approvedBy and\n"
      "approvedAt. data.json is written first, the plan last, each atomically.\n"
      "Then prints the new verdict, as okstra-plan-validate <plan.md> does.\n"
      "--revoke undoes it: the plan right after an approve gets its original bytes\n"
      "back; data.json gets approval.approved: false without approvedBy/approvedAt.\n"
      "Running either twice changes nothing the second time.\n"
      "\n"
      "Examples:\n"
      "  okstra-plan-validate approve --by ana reports/final-report-implementation-planning-001.md\n"
      "  okstra-plan-validate approve --revoke -q plan.md\n";
  c.options = {cli::text("by", "NAME", "who approves (approval.approvedBy); default: $USER, else the login name"),
               cli::flag("revoke", "revoke the approval instead")};
  c.positionals = {{"plan.md", 1, 1}};
  c.lock_wait = true;
  return c;
}

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
      "'approve' sets the approval (see 'okstra-plan-validate approve --help').\n"
      "\n"
      "Examples:\n"
      "  okstra-plan-validate runs/implementation-planning/reports/final-report-implementation-planning-001.md\n"
      "  okstra-plan-validate -c plan.md | jq -r '.reasons[]'\n"
      "  okstra-plan-validate -q plan.md && echo approved\n";
  p.commands = {approve_command()};
  p.exits = {{0, "the plan is valid; approve: approved (or revoked)"},
             {1, "refused: not approved, gate unreadable or blocked, data.json disagrees or cannot be used; "
                 "approve: the gate or a file refuses it, nothing written; lock busy"},
             {2, "usage error: unknown option or bad value, no plan or more than one"},
             {3, "the plan report cannot be read, a file cannot be written, or output failed"}};
  return p;
}

const okstra::text_view::hints& view() {
  static const okstra::text_view::hints h{"plan gate", {{"/gate/blockers", {"id", "status", "blocks", "question"}}}};
  return h;
}

// The verdict JSON on stdout; the unreadable gate's advice on stderr.
int print_verdict(const cli::arguments& args, const std::string& plan, bool exit_by_verdict) {
  const auto result = clar::validate_plan(plan);
  cli::emit_json(args, clar::to_json(result, args.out().pretty()), view());
  if (!result.gate.readable())
    cli::print_error(tool, okstra::quoted("cannot read the approval gate of", plan), clar::unreadable_gate_hint);
  return !exit_by_verdict || result.valid ? 0 : 1;
}

// approval.approvedBy: --by, else $USER, else the login name of the user
// (docs/plan-validate.md, "Approving a plan").
std::string approver(const cli::arguments& args) {
  if (const auto by = args.text("by")) {
    const std::string name(okstra::text::trim(*by));
    if (name.empty() || okstra::printable(name) != name)
      throw okstra::usage_error(okstra::quoted("invalid value for --by", *by), "expected a name; " + args.see_help());
    return name;
  }
  if (const char* user = std::getenv("USER"); user && !okstra::text::trim(user).empty())
    return std::string(okstra::text::trim(user));
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name && *pw->pw_name) return pw->pw_name;
  return "uid " + std::to_string(::geteuid());
}

int run_approve(const cli::arguments& args) {
  const std::string plan = args.positionals().front();
  if (args.has("revoke") && args.has("by"))
    throw okstra::usage_error("options '--revoke' and '--by' cannot be combined", args.see_help());
  clar::approval_request request{plan, !args.has("revoke"), {}, {}};
  if (request.approve) request.by = approver(args), request.at = okstra::time::utc_now_iso8601();
  okstra::fs::read_file(plan, clar::max_report_bytes);  // the house error for a plan that cannot be read
  clar::require_writable_folder(plan);
  const auto lock_file = clar::approval_lock_file(plan);
  auto lock = okstra::locks::lock::acquire(lock_file, okstra::locks::wait_policy{args.wait_seconds()});
  // Removed while still held, so that no lock file stays in the reports folder
  // (a waiter finds it gone and starts over on a new one: okstra/locks).
  struct unlink_first {
    const std::filesystem::path& file;
    ~unlink_first() { ::unlink(file.c_str()); }
  } cleanup{lock_file};
  const auto outcome = clar::apply_approval(request);
  if (!outcome.refusals.empty()) {
    const std::string what = okstra::quoted(request.approve ? "cannot approve" : "cannot revoke the approval of", plan);
    for (std::size_t i = 0; i < outcome.refusals.size(); ++i) {
      const bool last = i + 1 == outcome.refusals.size();
      cli::print_error(tool, what + ": " + outcome.refusals[i],
                       last && outcome.gate_unreadable ? clar::unreadable_gate_hint : std::string_view());
    }
    return 1;
  }
  return print_verdict(args, plan, request.approve);
}

}  // namespace

int run(int argc, char** argv) {
  return cli::run_main(tool, [&] {
    const auto args = cli::parse(declare(), argc, argv);
    if (!args) return 0;
    if (args->command() == "approve") return run_approve(*args);
    return print_verdict(*args, args->positionals().front(), true);
  });
}

}  // namespace okstra::commands::plan_validate
