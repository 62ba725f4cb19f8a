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
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

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
#include "okstra/core/text.hpp"
#include "okstra/prepare/prepare.hpp"
#include "okstra/worktree/worktree.hpp"

#include "commands.hpp"

namespace okstra::commands::prepare {

namespace {

namespace pp = okstra::prepare;
namespace wt = okstra::worktree;
namespace dirs = okstra::dirs;
namespace locks = okstra::locks;
namespace cli = okstra::cli;
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
  cli::output out;
  locks::wait_policy policy;
  pp::run_request request;
};

std::vector<std::string> names_of(const auto& list) { return {std::begin(list), std::end(list)}; }

cli::command prepare_command() {
  using cli::completion;
  cli::command c;
  c.summary = "prepare a task bundle, its worktree and a run";
  c.usage = {"--project-root DIR (--task-key K | --project-id ID --task-group G --task-id T) --task-type T [options]"};
  c.details = details;
  c.lock_wait = true;
  c.options = {
      cli::path("project-root", "DIR", "the project folder (required)", completion::dir),
      cli::text("task-key", "K", "<projectId>/<taskGroup>/<taskId> (or a:b:c)"),
      cli::text("project-id", "ID", "project id (with --task-group, --task-id)"),
      cli::text("task-group", "G", "task group"),
      cli::text("task-id", "T", "task id"),
      cli::choice("task-type", "T", names_of(dirs::task_types), "task type (required)"),
      cli::text("work-category", "C", "feature|bugfix|refactor|ops|improvement|docs (default feature)"),
      cli::text("base-ref", "REF", "commit the task branch starts from (first use; needs a git project)"),
      cli::path("approved-plan", "FILE", "approved plan report (stage-scoped types)"),
      cli::text("stage", "N|auto", "implementation stage, or auto"),
      cli::text("executor", "E", "claude|codex|gemini (default claude)"),
      cli::text("workers", "LIST", "comma-separated analysis workers"),
      cli::text("task-brief", "TEXT|@FILE", "the task brief, or @file to read it"),
      cli::text("directive", "TEXT", "a directive for the run").repeat(),
      cli::path("clarification-response", "FILE", "copied into the instruction set"),
      cli::path("reference-expectations", "FILE", "what a good result looks like; copied into the instruction set"),
      cli::path("pr-template-path", "FILE", "PR template override"),
      cli::flag("render-only", "render the bundle only: no worktree, no discovery files, no run record")};
  return c;
}

cli::command finish_command() {
  cli::command c;
  c.name = "finish";
  c.summary = "close a run: active.jsonl to recent.jsonl";
  c.usage = {"--run-dir DIR --status completed|error|timeout|aborted [--seq N] [options]"};
  c.details =
      "Appends the run's final state to recent.jsonl and drops it from\n"
      "active.jsonl. An implementation stage run also updates the worktree\n"
      "registry: completed marks the stage completed, any other status releases\n"
      "it for a retry. Prints {runDir, taskKey, taskType, stage, seq, status,\n"
      "finishedAt, stageWorktree}. Exit 1 when the run is not active.";
  c.lock_wait = true;
  c.options = {cli::path("run-dir", "DIR", "the run folder (runDir)", cli::completion::dir),
               cli::choice("status", "S", names_of(pp::final_statuses), "the run's final status"),
               cli::count("seq", "N", "the run's seq (default: the latest active one)", 1)};
  return c;
}

cli::program declare() {
  cli::program p;
  p.name = tool;
  p.self = prepare_command();
  p.commands = {finish_command()};
  p.exits = {{0, "prepared, or finished"},
             {1, "refused: legacy layout, plan not approved, no stage ready for --stage auto, worktree path or branch "
                 "taken, lock busy, finish of a run that is not active"},
             {2, "usage error: unknown option, missing --task-type/--stage/--approved-plan, bad task key, stage, work "
                 "category or status"},
             {3, "not installed, unreadable or malformed input, unknown template placeholder, not a git repository "
                 "(--base-ref), git failed, I/O error"}};
  return p;
}

dirs::task_key key_from(const cli::arguments& cmd) {
  const bool parts = cmd.has("project-id") || cmd.has("task-group") || cmd.has("task-id");
  if (cmd.has("task-key")) {
    if (parts)
      throw okstra::usage_error("--task-key cannot be combined with --project-id/--task-group/--task-id",
                                "give either the whole key or its three parts");
    return dirs::parse_task_key(cmd.require("task-key"));
  }
  if (!parts) throw okstra::usage_error("missing required option '--task-key'", cmd.see_help());
  return dirs::make_task_key(cmd.require("project-id"), cmd.require("task-group"),
                             cmd.require("task-id"));
}

void read_stage(const cli::arguments& cmd, options& o) {
  const auto text = cmd.text("stage");
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

void read_request(const cli::arguments& cmd, options& o) {
  pp::run_request& r = o.request;
  r.key = key_from(cmd);
  r.task_type = cmd.require("task-type");
  dirs::validate_task_type(r.task_type);
  r.work_category = cmd.text("work-category").value_or("feature");
  wt::branch_prefix(r.work_category);  // an unknown category is a usage error, git or not
  r.executor = cmd.text("executor").value_or("claude");
  if (const auto workers = cmd.text("workers")) for (const auto worker : okstra::text::split_list(*workers, ',')) r.workers.emplace_back(worker);
  if (auto brief = cmd.text("task-brief"))
    r.task_brief = brief->starts_with("@") ? okstra::fs::read_file(brief->substr(1), std::size_t{16} << 20) : *brief;
  r.directives = cmd.texts("directive");
  if (const auto plan = cmd.text("approved-plan")) r.approved_plan = stdfs::absolute(*plan);
  if (const auto file = cmd.text("clarification-response")) r.clarification_response = *file;
  if (const auto file = cmd.text("reference-expectations")) r.reference_expectations = *file;
  if (const auto file = cmd.text("pr-template-path")) r.pr_template_override = *file;
  r = pp::normalized(std::move(r));
}

options read_options(const cli::arguments& cmd) {
  options o;
  o.project_root = cmd.require("project-root");
  read_request(cmd, o);
  read_stage(cmd, o);
  o.approved_plan = o.request.approved_plan;
  o.base_ref = cmd.text("base-ref");
  o.render_only = cmd.has("render-only");
  o.out = cmd.out();
  o.policy = locks::wait_policy{cmd.wait_seconds()};
  return o;
}

// ---- the gate ---------------------------------------------------------------------


// The approved-plan gate of stage-scoped task types; returns the plan's stage map.
wt::stage_map approved_stage_map(const options& o) {
  if (!dirs::is_stage_scoped(o.request.task_type)) return wt::stage_map::single();
  if (!o.approved_plan)
    throw okstra::usage_error(okstra::quoted("missing --approved-plan for a run of type", o.request.task_type),
                              "pass the approved implementation plan report (see okstra-plan-validate)");
  const auto verdict = okstra::clarification::validate_plan(*o.approved_plan);
  if (!verdict.valid)
    throw okstra::refused(okstra::quoted("approved plan refused", verdict.path), okstra::text::join(verdict.reasons, "; "));
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
  const wt::task_request task_request{project.layout.project_root, r.key, r.work_category, o.base_ref, true};
  const auto task = wt::provision_task_worktree(home, task_request, mutex, tx, o.policy);
  report("task worktree", task, project);
  // A base ref only means something in git: silently dropping it would
  // start no branch where the caller asked for one (docs/prepare.md).
  if (o.base_ref && task.status == wt::provision_status::skipped_not_git)
    throw okstra::input_error(okstra::quoted("not a git repository", project.layout.project_root.string()),
                              "--base-ref needs a git project: drop it, or run 'git init' there");
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
      pp::make_run_context(home, r, project, paths, where.facts, pr, okstra::time::utc_now_iso8601());
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

// After the run is recorded, so a link that cannot be made never undoes a
// prepared run: it is a warning (docs/prepare.md, "Project settings link").
void report_settings_link(const pp::settings_link& s) {
  const std::string link = "'" + okstra::printable(s.link.string()) + "'";
  switch (s.status) {
    case pp::settings_link_status::created:
    case pp::settings_link_status::replaced:
      note("linked the project's Claude Code settings " + link + " to '" + okstra::printable(s.target.string()) + "'");
      return;
    case pp::settings_link_status::present: return;
    case pp::settings_link_status::user_file:
      okstra::cli::warn(tool, link + " is your own file: okstra's settings are not linked; merge '" +
                                  okstra::printable(s.target.string()) + "' into it to run okstra's tools without prompts");
      return;
    case pp::settings_link_status::user_link:
      okstra::cli::warn(tool, link + " is your own link (to '" + okstra::printable(s.found) +
                                  "'): okstra's settings are not linked");
      return;
    case pp::settings_link_status::not_a_file:
      okstra::cli::warn(tool, link + " is not a file: okstra's settings are not linked");
      return;
    case pp::settings_link_status::no_template:
      okstra::cli::warn(tool, "no settings template '" + okstra::printable(s.target.string()) +
                                  "': the project's Claude Code settings are not linked; run 'okstra setup'");
      return;
    case pp::settings_link_status::failed:
      okstra::cli::warn(tool, "cannot link the project's Claude Code settings " + link + ": " + okstra::printable(s.found));
      return;
  }
}

// Returns the run context JSON; nothing is printed before every step succeeded.
std::string run_prepare(const options& o) {
  const dirs::home_layout home = dirs::home();
  pp::check_installation(home);
  if (const auto was = pp::tighten_home(home)) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", *was);
    note("tightened the okstra home '" + home.root.string() + "' to mode 0700 (was " + octal + ")");
  }
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
    output = pp::to_json(materialize(home, project, o, where, templates, journal), o.out.pretty());
  } catch (...) {
    undo(journal, tx);  // still under the task lock; no other lock is held here
    throw;
  }
  journal.commit();
  tx.commit();
  if (!o.render_only) report_settings_link(pp::link_project_settings(project.layout.project_root, templates));
  return output;
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

int run_finish(const cli::arguments& cmd) {
  const auto home = dirs::home();
  const locks::wait_policy policy{cmd.wait_seconds()};
  std::optional<int> seq;
  if (const auto n = cmd.count("seq")) seq = static_cast<int>(*n);
  const auto done = pp::finish(home, cmd.require("run-dir"), cmd.require("status"), seq, policy);
  const auto stage_status = settle_stage(home, done, policy);
  okstra::json::writer w(cmd.out().pretty());
  w.begin_object().field("runDir", done.run_dir).field("taskKey", done.task_key).field("taskType", done.task_type);
  w.key("stage");
  done.stage ? w.value(*done.stage) : w.null();
  w.field("seq", done.seq).field("status", done.status).field("finishedAt", done.finished_at).key("stageWorktree");
  stage_status ? w.value(wt::to_string(*stage_status)) : w.null();
  w.end_object();
  cli::emit_json(cmd, std::move(w).str(), {"finished run", {}});
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  return cli::run_main(tool, [&] {
    const auto args = cli::parse(declare(), argc, argv);
    if (!args) return 0;
    if (args->command() == "finish") return run_finish(*args);
    check_pause_step();
    const std::string output = run_prepare(read_options(*args));
    cli::emit_json(*args, output, {"run context", {}});
    return 0;
  });
}

}  // namespace okstra::commands::prepare
