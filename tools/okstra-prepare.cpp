// okstra-prepare — the single entry point: prepares a task bundle, its git
// worktree (and implementation stage) and records the run
// (docs/prepare.md). `okstra-prepare finish` closes a run.
//
// The steps, in order: install check, argument and project validation, the
// approved-plan gate (implementation, final-verification), the task lock, under
// the worktree provision mutex the task worktree and the stage, run paths and
// seq, bundle, task manifest and discovery files, record_start. One rollback
// journal (files) and one worktree transaction (worktrees, branches, registry
// rows) undo this prepare's own effects when any step fails.
//
// Test-only: OKSTRA_TEST_PAUSE_AT=<step> stops after that step (see
// pause_steps), prints "okstra-prepare: test pause at <step>" on stderr and
// waits until the file OKSTRA_TEST_RESUME_FILE exists (or the process is
// killed). Used by tests/cli/prepare.sh to crash a prepare at a known point.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "okstra/clarification/clarification.hpp"
#include "okstra/core/cli.hpp"
#include "okstra/core/test_pause.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/prepare/prepare.hpp"
#include "okstra/worktree/worktree.hpp"

namespace {

namespace pp = okstra::prepare;
namespace wt = okstra::worktree;
namespace dirs = okstra::dirs;
namespace locks = okstra::locks;
namespace po = okstra::cli::po;
namespace stdfs = std::filesystem;
constexpr const char* tool = "okstra-prepare";

// The named steps OKSTRA_TEST_PAUSE_AT accepts, in the order they happen.
constexpr std::string_view pause_steps[] = {"project",   "task-lock", "worktree", "stage",
                                            "run-paths", "bundle",    "records",  "record-start"};

void note(const std::string& message) {
  const std::string line = std::string(tool) + ": " + okstra::printable(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// Test-only hooks (see the file comment and core/test_pause.hpp).
void check_pause_step() { okstra::test_pause::check_step(pause_steps); }
void pause_at(std::string_view step) { okstra::test_pause::at(tool, step); }

const char* details =
    "Steps, in order: install check; argument and project validation (a legacy\n"
    "layout is refused, a missing .okstra/project.json created); for implementation\n"
    "and final-verification the approved-plan gate (--approved-plan, as\n"
    "okstra-plan-validate); the task lock; under the worktree provision mutex the\n"
    "task worktree (created from --base-ref on first use, reused later) and, for\n"
    "implementation, the stage worktree (--stage N|auto, stage map from the data.json\n"
    "next to the plan); run paths and the next seq; instruction set, run inputs,\n"
    "prompts, run-context.json; task manifest and discovery files; record_start.\n"
    "Any failure undoes this prepare's own effects. Prints the run context JSON;\n"
    "the worktree status (created, reused, skipped-not-git, ...) goes to stderr.\n"
    "\n"
    "--render-only renders the bundle and prints the run context, but provisions no\n"
    "worktree, writes no discovery file and records no run.\n"
    "\n"
    "Close a run with: okstra-prepare finish --run-dir DIR --status STATUS\n"
    "\n"
    "Environment: OKSTRA_HOME, OKSTRA_SKIP_INSTALL_CHECK, OKSTRA_WORKTREE_SYNC_DIRS.\n"
    "OKSTRA_TEST_PAUSE_AT / OKSTRA_TEST_RESUME_FILE are for the test suite only.\n"
    "\n"
    "Example:\n"
    "  okstra-prepare --project-root . --task-key shop/payments/refund-timeout \\\n"
    "    --task-type error-analysis --base-ref main --task-brief @brief.md\n";

// ---- options ----------------------------------------------------------------------

struct options {
  stdfs::path project_root;
  std::optional<stdfs::path> approved_plan;
  std::optional<std::string> base_ref;
  std::optional<int> stage;  // explicit --stage N
  bool stage_auto = false;
  bool render_only = false;
  bool quiet = false;
  locks::wait_policy policy;
  pp::run_request request;
};

void declare_options(okstra::cli::command_line& cmd) {
  cmd.options()("project-root", po::value<std::string>()->value_name("DIR"), "the project folder (required)")(
      "task-key", po::value<std::string>()->value_name("K"), "<projectId>/<taskGroup>/<taskId> (or a:b:c)")(
      "project-id", po::value<std::string>()->value_name("ID"), "project id (with --task-group, --task-id)")(
      "task-group", po::value<std::string>()->value_name("G"), "task group")(
      "task-id", po::value<std::string>()->value_name("T"), "task id")(
      "task-type", po::value<std::string>()->value_name("T"), "task type (required)")(
      "work-category", po::value<std::string>()->value_name("C"),
      "feature|bugfix|refactor|ops|improvement|docs (default feature)")(
      "base-ref", po::value<std::string>()->value_name("REF"), "commit the task branch starts from (first use)")(
      "approved-plan", po::value<std::string>()->value_name("FILE"), "approved plan report (stage-scoped types)")(
      "stage", po::value<std::string>()->value_name("N|auto"), "implementation stage, or auto")(
      "executor", po::value<std::string>()->value_name("E"), "claude|codex|gemini (default claude)")(
      "workers", po::value<std::string>()->value_name("LIST"), "comma-separated analysis workers")(
      "task-brief", po::value<std::string>()->value_name("TEXT|@FILE"), "the task brief, or @file to read it")(
      "directive", po::value<std::vector<std::string>>()->composing()->value_name("TEXT"),
      "a directive for the run (repeatable)")("clarification-response", po::value<std::string>()->value_name("FILE"),
                                              "copied into the instruction set")(
      "pr-template-path", po::value<std::string>()->value_name("FILE"), "PR template override")(
      "render-only", "render the bundle only: no worktree, no discovery files, no run record");
  locks::add_wait_options(cmd);
}

dirs::task_key key_from(const okstra::cli::command_line& cmd) {
  const bool parts = cmd.has("project-id") || cmd.has("task-group") || cmd.has("task-id");
  if (cmd.has("task-key")) {
    if (parts)
      throw okstra::usage_error("--task-key cannot be combined with --project-id/--task-group/--task-id",
                                "give either the whole key or its three parts");
    return dirs::parse_task_key(cmd.require<std::string>("task-key"));
  }
  if (!parts) throw okstra::usage_error("missing required option '--task-key'", "see 'okstra-prepare --help'");
  return dirs::make_task_key(cmd.require<std::string>("project-id"), cmd.require<std::string>("task-group"),
                             cmd.require<std::string>("task-id"));
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (items.empty()) throw okstra::usage_error(okstra::quoted("empty worker list", text));
  return items;
}

void read_stage(const okstra::cli::command_line& cmd, options& o) {
  const auto text = cmd.get<std::string>("stage");
  const std::string& type = o.request.task_type;
  if (!text) {
    if (type == "implementation")
      throw okstra::usage_error("an implementation run needs --stage", "pass --stage N or --stage auto");
    return;
  }
  if (!dirs::is_stage_scoped(type))
    throw okstra::usage_error(okstra::quoted("--stage applies to implementation and final-verification, not", type));
  if (*text == "auto") {
    if (type != "implementation")
      throw okstra::usage_error("--stage auto is for implementation runs", "pass --stage N");
    o.stage_auto = true;
    return;
  }
  const bool digits = !text->empty() && text->size() <= 4 && text->find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoi(*text) < 1)
    throw okstra::usage_error(okstra::quoted("invalid stage", *text), "a stage is a number from 1, or auto");
  o.stage = std::stoi(*text);
}

void read_request(const okstra::cli::command_line& cmd, options& o) {
  pp::run_request& r = o.request;
  r.key = key_from(cmd);
  r.task_type = cmd.require<std::string>("task-type");
  dirs::validate_task_type(r.task_type);
  r.work_category = cmd.get<std::string>("work-category").value_or("feature");
  wt::branch_prefix(r.work_category);  // an unknown category is a usage error, git or not
  r.executor = cmd.get<std::string>("executor").value_or("claude");
  if (const auto workers = cmd.get<std::string>("workers")) r.workers = split_list(*workers);
  if (auto brief = cmd.get<std::string>("task-brief"))
    r.task_brief = brief->starts_with("@") ? okstra::fs::read_file(brief->substr(1), std::size_t{16} << 20) : *brief;
  r.directives = cmd.get<std::vector<std::string>>("directive").value_or(std::vector<std::string>{});
  if (const auto plan = cmd.get<std::string>("approved-plan")) r.approved_plan = stdfs::absolute(*plan);
  if (const auto file = cmd.get<std::string>("clarification-response")) r.clarification_response = *file;
  if (const auto file = cmd.get<std::string>("pr-template-path")) r.pr_template_override = *file;
  r = pp::normalized(std::move(r));
}

options read_options(const okstra::cli::command_line& cmd) {
  options o;
  o.project_root = cmd.require<std::string>("project-root");
  read_request(cmd, o);
  read_stage(cmd, o);
  o.approved_plan = o.request.approved_plan;
  o.base_ref = cmd.get<std::string>("base-ref");
  o.render_only = cmd.has("render-only");
  o.quiet = cmd.quiet();
  o.policy = locks::wait_policy_from(cmd);
  return o;
}

// ---- the gate ---------------------------------------------------------------------

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text.append(text.empty() ? "" : "; ").append(item);
  return text;
}

// The approved-plan gate of stage-scoped task types; returns the plan's stage map.
wt::stage_map approved_stage_map(const options& o) {
  if (!dirs::is_stage_scoped(o.request.task_type)) return wt::stage_map::single();
  if (!o.approved_plan)
    throw okstra::usage_error(okstra::quoted("missing --approved-plan for a run of type", o.request.task_type),
                              "pass the approved implementation plan report (see okstra-plan-validate)");
  const auto verdict = okstra::clarification::validate_plan(*o.approved_plan);
  if (!verdict.valid)
    throw okstra::refused(okstra::quoted("approved plan refused", verdict.path), joined(verdict.reasons));
  const stdfs::path data_json = o.approved_plan->parent_path() / "data.json";
  std::error_code ec;
  const wt::stage_map map = stdfs::exists(data_json, ec) ? wt::read_stage_map(data_json) : wt::stage_map::single();
  if (o.stage && !map.find(*o.stage))
    throw okstra::usage_error(okstra::quoted("stage is not in the plan's stage map", std::to_string(*o.stage)),
                              "the stages are listed in '" + okstra::printable(data_json.string()) + "'");
  return map;
}

// ---- the worktree step ------------------------------------------------------------

struct placement {
  pp::worktree_facts facts;
  std::optional<int> stage;
};

placement place_in(const wt::provision_result& result, const pp::project_info& project, std::optional<int> stage) {
  placement p;
  p.stage = stage;
  if (!result.worktree) {
    p.facts.path = project.layout.project_root.string();
    return p;
  }
  const wt::entry& e = *result.worktree;
  p.facts = {e.path, e.branch, e.base_ref, e.base_commit};
  if (e.stage) p.stage = e.stage;
  return p;
}

void report(const char* what, const wt::provision_result& result, const pp::project_info& project) {
  note(std::string(what) + " " + std::string(wt::to_string(result.status)) + " '" +
       (result.worktree ? result.worktree->path : project.layout.project_root.string()) + "'");
}

// Under the provision mutex: the task worktree and, for implementation, the stage.
placement provision(const dirs::home_layout& home, const pp::project_info& project, const options& o,
                    const wt::stage_map& map, wt::transaction& tx) {
  const pp::run_request& r = o.request;
  const auto mutex = locks::worktree_provision_mutex(home, r.key, o.policy);
  const wt::task_request task_request{project.layout.project_root, r.key, r.work_category, o.base_ref, false};
  const auto task = wt::provision_task_worktree(home, task_request, mutex, tx, o.policy);
  report("task worktree", task, project);
  pause_at("worktree");
  if (r.task_type != "implementation") return place_in(task, project, o.stage);
  if (!task.worktree && o.stage_auto)
    throw okstra::usage_error(
        okstra::quoted("--stage auto needs a git project to track stages in", project.layout.project_root.string()),
        "pass --stage N");
  const wt::stage_request stage_request{project.layout.project_root, r.key, o.stage, map};
  const auto stage = wt::provision_stage_worktree(home, stage_request, mutex, tx, o.policy);
  if (stage.worktree) report("stage worktree", stage, project);
  pause_at("stage");
  return place_in(stage.worktree ? stage : task, project, o.stage);
}

// --render-only: what the registry already knows, nothing provisioned.
placement preview(const dirs::home_layout& home, const pp::project_info& project, const options& o,
                  const wt::stage_map& map) {
  const auto reg = wt::read_registry(home);
  std::optional<int> stage = o.stage;
  if (o.stage_auto) {
    stage = wt::pick_ready_stage(map, reg, o.request.key);
    if (!stage) throw okstra::refused(okstra::quoted("no stage is ready for", o.request.key.str()));
  }
  wt::provision_result known;
  const bool staged = o.request.task_type == "implementation";
  const auto row = reg.entries.find(wt::row_key(o.request.key, staged ? stage : std::nullopt));
  if (row != reg.entries.end()) known.worktree = row->second;
  return place_in(known, project, stage);
}

// ---- after the worktree step ------------------------------------------------------

pp::run_context materialize(const dirs::home_layout& home, const pp::project_info& project, const options& o,
                            const placement& where, const pp::template_source& templates,
                            pp::rollback_journal& journal) {
  const pp::run_request& r = o.request;
  const pp::run_paths paths = pp::allocate_run(project.layout, r.key, r.task_type, where.stage, journal);
  pause_at("run-paths");
  const pp::pr_template pr = pp::resolve_pr_template(r.pr_template_override, project, home, templates);
  const pp::run_context context =
      pp::make_run_context(r, project, paths, where.facts, pr, okstra::time::utc_now_iso8601());
  pp::write_bundle(pp::plan_bundle(r, paths, context, templates), journal);
  pause_at("bundle");
  if (o.render_only) return context;
  pp::update_task_records(home, project, r, context, journal, o.policy);
  pause_at("records");
  // Last: once both index lines are in, nothing can fail any more.
  pp::record_start(home, context, project.project_id, o.policy);
  pause_at("record-start");
  return context;
}

void undo(pp::rollback_journal& journal, wt::transaction& tx) noexcept {
  for (const auto& problem : journal.rollback()) okstra::cli::warn(tool, "rollback: " + okstra::printable(problem));
  for (const auto& problem : tx.rollback()) okstra::cli::warn(tool, "rollback: " + okstra::printable(problem));
}

int run_prepare(const options& o) {
  const dirs::home_layout home = dirs::home();
  pp::check_installation(home);
  pp::rollback_journal journal;  // undoes project.json etc. if the gate refuses
  const pp::project_info project =
      pp::ensure_project(home, o.project_root, o.request.key.project_id, journal, o.policy);
  pause_at("project");
  const wt::stage_map map = approved_stage_map(o);
  const pp::template_source templates = pp::find_templates(home);
  const locks::lock task_lock = locks::task_lock(home, o.request.key, o.request.task_type, o.policy);
  pause_at("task-lock");
  wt::transaction tx(home, o.request.key, o.policy);
  std::string output;
  try {
    const placement where = o.render_only ? preview(home, project, o, map) : provision(home, project, o, map, tx);
    output = pp::to_json(materialize(home, project, o, where, templates, journal), !o.quiet);
  } catch (...) {
    undo(journal, tx);  // still under the task lock; no other lock is held here
    throw;
  }
  journal.commit();
  tx.commit();
  while (!output.empty() && output.back() == '\n') output.pop_back();
  okstra::cli::emit(output);
  return 0;
}

int prepare_main(int argc, char** argv) {
  okstra::cli::command_spec spec(
      tool, "prepare a task bundle, its worktree and a run",
      "--project-root DIR (--task-key K | --project-id ID --task-group G --task-id T)\n"
      "         --task-type T [--work-category C] [--base-ref REF] [--approved-plan FILE]\n"
      "         [--stage N|auto] [--executor E] [--workers LIST] [--task-brief TEXT|@FILE]\n"
      "         [--directive TEXT]... [--clarification-response FILE] [--pr-template-path FILE]\n"
      "         [--render-only] [--quiet] [--lock-timeout S | --no-wait]\n"
      "       okstra-prepare finish --run-dir DIR --status completed|error|timeout|aborted",
      details);
  spec.with_quiet = true;
  okstra::cli::command_line cmd(spec);
  declare_options(cmd);
  if (!cmd.parse(argc, argv)) return 0;
  check_pause_step();
  return run_prepare(read_options(cmd));
}

// ---- finish -----------------------------------------------------------------------

// A finished implementation stage: completed marks its registry row completed
// (stages depending on it become ready), any other status releases it.
std::optional<wt::entry_status> settle_stage(const dirs::home_layout& home, const pp::finish_result& done,
                                             const locks::wait_policy& policy) {
  if (!done.stage || done.task_type != "implementation") return std::nullopt;
  const dirs::task_key key = dirs::parse_task_key(done.task_key);
  if (!wt::read_registry(home).entries.count(wt::row_key(key, done.stage))) return std::nullopt;  // not git
  const auto status = done.status == "completed" ? wt::entry_status::completed : wt::entry_status::released;
  // A kept row, or one a killed run left pending, is not a running stage's: left alone.
  if (!wt::set_status(home, key, done.stage, status, policy)) return std::nullopt;
  return status;
}

int run_finish(const std::vector<std::string>& args) {
  okstra::cli::command_spec spec(std::string(tool) + " finish", "close a run: active.jsonl to recent.jsonl",
                                 "--run-dir DIR --status completed|error|timeout|aborted [--seq N] [--quiet]",
                                 "Appends the run's final state to recent.jsonl and drops it from\n"
                                 "active.jsonl. An implementation stage run also updates the worktree\n"
                                 "registry: completed marks the stage completed, any other status releases\n"
                                 "it for a retry. Prints {runDir, taskKey, taskType, stage, seq, status,\n"
                                 "finishedAt, stageWorktree}. Exit 1 when the run is not active.");
  spec.with_quiet = true;
  okstra::cli::command_line cmd(spec);
  cmd.options()("run-dir", po::value<std::string>()->value_name("DIR"), "the run folder (runDir)")(
      "status", po::value<std::string>()->value_name("S"), "completed|error|timeout|aborted")(
      "seq", po::value<int>()->value_name("N"), "the run's seq (default: the latest active one)");
  locks::add_wait_options(cmd);
  if (!cmd.parse(args)) return 0;
  const auto home = dirs::home();
  const auto policy = locks::wait_policy_from(cmd);
  const auto done = pp::finish(home, cmd.require<std::string>("run-dir"), cmd.require<std::string>("status"),
                               cmd.get<int>("seq"), policy);
  const auto stage_status = settle_stage(home, done, policy);
  okstra::json::writer w(!cmd.quiet());
  w.begin_object().field("runDir", done.run_dir).field("taskKey", done.task_key).field("taskType", done.task_type);
  w.key("stage");
  done.stage ? w.value(*done.stage) : w.null();
  w.field("seq", done.seq).field("status", done.status).field("finishedAt", done.finished_at).key("stageWorktree");
  stage_status ? w.value(wt::to_string(*stage_status)) : w.null();
  w.end_object();
  okstra::cli::emit(std::move(w).str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return okstra::cli::run_main(tool, [&] {
    if (argc > 1 && std::string_view(argv[1]) == "finish")
      return run_finish(std::vector<std::string>(argv + 2, argv + argc));
    return prepare_main(argc, argv);
  });
}
