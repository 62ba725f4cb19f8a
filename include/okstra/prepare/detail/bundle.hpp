// The run request, run-context.json and the rendered files of a run, for
// okstra/prepare/prepare.hpp. Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>

#include "okstra/core/json.hpp"
#include "okstra/version.hpp"

namespace okstra::prepare {

inline constexpr std::string_view agent_kinds[] = {"claude", "codex", "gemini"};

namespace detail {
inline std::string agent_kind(std::string_view name, std::string_view role) {
  std::string_view kind = name;
  if (kind.ends_with("-worker")) kind.remove_suffix(7);
  if (std::find(std::begin(agent_kinds), std::end(agent_kinds), kind) == std::end(agent_kinds))
    throw usage_error(quoted("unknown " + std::string(role), name), "use one of: claude, codex, gemini");
  return std::string(kind);
}

inline std::string upper_snake(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = c == '-' ? '_' : (c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c);
  return out;
}

inline void write_optional(json::writer& w, std::string_view key, const std::string& text) {
  w.key(key);
  text.empty() ? w.null() : w.value(text);
}

inline void write_stage(json::writer& w, std::optional<int> stage) {
  w.key("stage");
  stage ? w.value(*stage) : w.null();
}
}  // namespace detail

OKSTRA_INLINE run_request normalized(run_request request) {
  dirs::validate_task_type(request.task_type);
  request.executor = detail::agent_kind(request.executor, "executor");
  if (request.workers.empty()) request.workers = {"claude", "codex"};
  std::vector<std::string> workers;
  for (const auto& w : request.workers) {
    std::string kind = detail::agent_kind(w, "worker");
    if (std::find(workers.begin(), workers.end(), kind) == workers.end()) workers.push_back(std::move(kind));
  }
  request.workers = std::move(workers);
  if (request.work_category.empty()) request.work_category = "feature";
  return request;
}

OKSTRA_INLINE run_context make_run_context(const dirs::home_layout& home, const run_request& request,
                                           const project_info& project, const run_paths& paths,
                                    const worktree_facts& worktree, const pr_template& pr, std::string created_at) {
  run_context c;
  c.project_root = project.layout.project_root.string();
  c.task_key = request.key.str();
  c.task_type = request.task_type;
  c.stage = paths.stage;
  c.seq = paths.seq;
  c.run_dir = paths.run_dir.string();
  c.report_path = paths.report_path.string();
  c.worktree_path = worktree.path.empty() ? c.project_root : worktree.path;
  c.branch = worktree.branch;
  c.base_ref = worktree.base_ref;
  c.base_commit = worktree.base_commit;
  c.executor = request.executor;
  c.workers = request.workers;
  // One model per role: the lead (the executor), each worker, the report writer.
  std::vector<std::string> roles{"lead"};
  for (const auto& w : request.workers) roles.push_back(w + "-worker");
  roles.push_back("report-writer");
  for (const auto& role : roles) {
    const auto found = request.models.find(role);
    c.models.emplace_back(role, found == request.models.end() ? "default" : found->second);
  }
  c.pr = pr;
  c.okstra_version = installed_version(home);
  c.tool_version = okstra::version;
  c.created_at = std::move(created_at);
  return c;
}

OKSTRA_INLINE std::string to_json(const run_context& c, bool pretty) {
  json::writer w(pretty);
  w.begin_object().field("projectRoot", c.project_root).field("taskKey", c.task_key).field("taskType", c.task_type);
  detail::write_stage(w, c.stage);
  w.field("seq", c.seq).field("runDir", c.run_dir).field("reportPath", c.report_path);
  w.field("worktreePath", c.worktree_path);
  detail::write_optional(w, "branch", c.branch);
  detail::write_optional(w, "baseRef", c.base_ref);
  detail::write_optional(w, "baseCommit", c.base_commit);
  w.field("executor", c.executor).key("workers").begin_array();
  for (const auto& worker : c.workers) w.value(worker);
  w.end_array().key("models").begin_object();
  for (const auto& [role, model] : c.models) w.field(role, model);
  w.end_object().key("prTemplate").begin_object().field("path", c.pr.path.string()).field("source", c.pr.source);
  w.end_object().key("okstraVersion");
  c.okstra_version ? w.value(*c.okstra_version) : w.null();
  w.field("toolVersion", c.tool_version).field("createdAt", c.created_at).end_object();
  return std::move(w).str() + (pretty ? "\n" : "");
}

namespace detail {

inline std::string bullet_list(const std::vector<std::string>& items, std::string_view empty) {
  if (items.empty()) return "- " + std::string(empty);
  std::string out;
  for (const auto& item : items) out.append(out.empty() ? "" : "\n").append("- ").append(item);
  return out;
}

// Earlier runs of the task from its manifest (a snapshot: the manifest is
// only ever replaced atomically), then this run.
inline std::string timeline_rows(const run_paths& paths, const run_context& c) {
  std::string rows;
  const stdfs::path manifest = dirs::task_paths{paths.task_root}.manifest();
  if (const auto text = read_below(c.project_root, manifest)) {
    const json::document doc = json::parse(*text, manifest.string());
    const json::value* runs = json::find(doc, "runs");
    if (runs && runs->IsArray())
      for (const auto& run : runs->GetArray()) {
      const auto stage = json::get_int(run, "stage");
      rows.append("| ").append(json::get_string(run, "createdAt").value_or("?")).append(" | ");
      rows.append(json::get_string(run, "taskType").value_or("?")).append(" | ");
      rows.append(stage ? std::to_string(*stage) : "-").append(" | ");
      rows.append(std::to_string(json::get_int(run, "seq").value_or(0))).append(" | `");
      rows.append(json::get_string(run, "reportPath").value_or("?")).append("` |\n");
    }
  }
  rows.append("| ").append(c.created_at).append(" | ").append(c.task_type).append(" | ");
  rows.append(c.stage ? std::to_string(*c.stage) : "-").append(" | ").append(std::to_string(c.seq));
  rows.append(" | `").append(c.report_path).append("` (this run) |");
  return rows;
}

inline std::string token_summary_table(const run_context& c) {
  std::string table = "| Role | Total tokens | Billable tokens | Cost (USD) |\n|---|---|---|---|\n";
  const auto row = [&](std::string_view role, std::string_view prefix) {
    const std::string p(prefix);
    table.append("| ").append(role).append(" | {{" + p + "_TOTAL_TOKENS}} | {{" + p + "_BILLABLE_TOKENS}} | {{" + p +
                                            "_COST_USD}} |\n");
  };
  row("lead", "LEAD");
  for (const auto& w : c.workers) row(w + "-worker", upper_snake(w + "-worker"));
  row("report-writer", "REPORT_WRITER");
  table.append("| total | {{TOTAL_TOKENS}} | {{TOTAL_BILLABLE_TOKENS}} | {{TOTAL_COST_USD}} |");
  return table;
}

inline template_values base_values(const run_request& r, const run_paths& paths, const run_context& c) {
  std::vector<std::string> roster;
  for (const auto& w : c.workers) roster.push_back(w + "-worker");
  roster.push_back("report-writer");
  return {{"TASK_KEY", c.task_key}, {"PROJECT_ID", r.key.project_id}, {"TASK_GROUP", r.key.task_group},
          {"TASK_ID", r.key.task_id}, {"TASK_TYPE", c.task_type}, {"WORK_CATEGORY", r.work_category},
          {"STAGE", c.stage ? std::to_string(*c.stage) : "none"}, {"SEQ", seq_text(c.seq)},
          {"PROJECT_ROOT", c.project_root}, {"TASK_ROOT", paths.task_root.string()}, {"RUN_DIR", c.run_dir},
          {"REPORT_PATH", c.report_path}, {"WORKER_RESULTS_DIR", paths.worker_results_dir.string()},
          {"PROMPTS_DIR", paths.seq_prompts_dir.string()}, {"WORKTREE_PATH", c.worktree_path},
          {"BRANCH", c.branch.empty() ? "none" : c.branch}, {"BASE_REF", c.base_ref.empty() ? "none" : c.base_ref},
          {"BASE_COMMIT", c.base_commit.empty() ? "none" : c.base_commit}, {"EXECUTOR", c.executor},
          {"ROSTER", bullet_list(roster, "none")},
          {"TASK_BRIEF", r.task_brief.empty() ? "(no brief given)" : r.task_brief},
          {"DIRECTIVES", bullet_list(r.directives, "none")},
          {"APPROVED_PLAN", r.approved_plan ? r.approved_plan->string() : "none"},
          {"CLARIFICATION_RESPONSE", r.clarification_response ? "clarification-response.md" : "none"},
          {"REFERENCE_EXPECTATIONS", r.reference_expectations ? "reference-expectations.md" : "none"},
          {"PR_TEMPLATE_PATH", c.pr.path.string()}, {"PR_TEMPLATE_SOURCE", c.pr.source},
          {"CREATED_AT", c.created_at}, {"OKSTRA_VERSION", c.okstra_version.value_or(c.tool_version)}};
}

inline std::string run_inputs_json(const run_request& r, const run_context& c) {
  json::writer w;
  w.begin_object().field("taskKey", c.task_key).field("taskType", c.task_type).field("workCategory", r.work_category);
  w.field("taskBrief", r.task_brief).key("directives").begin_array();
  for (const auto& d : r.directives) w.value(d);
  w.end_array();
  write_optional(w, "approvedPlan", r.approved_plan ? r.approved_plan->string() : "");
  write_optional(w, "clarificationResponse", r.clarification_response ? r.clarification_response->string() : "");
  write_optional(w, "referenceExpectations", r.reference_expectations ? r.reference_expectations->string() : "");
  write_optional(w, "prTemplateOverride", r.pr_template_override ? r.pr_template_override->string() : "");
  w.field("executor", c.executor).key("workers").begin_array();
  for (const auto& worker : c.workers) w.value(worker);
  w.end_array().field("createdAt", c.created_at).end_object();
  return std::move(w).str() + "\n";
}

inline void add_worker_prompts(std::vector<planned_file>& files, const run_paths& paths, const run_context& c,
                               const template_source& templates, template_values values) {
  const std::string seq = seq_text(c.seq);
  for (const auto& worker : c.workers) {
    const stdfs::path result = paths.worker_results_dir / (worker + "-" + seq + ".md");
    values["WORKER_ID"] = worker;
    values["WORKER_AGENT"] = worker + "-worker";
    values["WORKER_RESULT_PATH"] = result.string();
    values["ERRORS_LOG_PATH"] = paths.worker_results_dir.string() + "/" + worker + "-" + seq + ".errors.log";
    values["ERRORS_SIDECAR_PATH"] = paths.worker_results_dir.string() + "/" + worker + "-" + seq + ".errors.json";
    files.push_back({paths.seq_prompts_dir / (worker + "-worker.md"),
                     render_file(templates, templates_for(c.task_type).worker_preamble, values), c.project_root});
  }
}

}  // namespace detail

OKSTRA_INLINE std::vector<planned_file> plan_bundle(const run_request& request, const run_paths& paths,
                                             const run_context& context, const template_source& templates) {
  const template_set set = templates_for(request.task_type);
  template_values values = detail::base_values(request, paths, context);
  values["TIMELINE_ROWS"] = detail::timeline_rows(paths, context);
  values["PHASE_GUIDE"] = render_file(templates, set.phase_guide, values);

  std::vector<planned_file> files;
  const stdfs::path root = context.project_root;  // every file lies below it
  const stdfs::path instruction_set = dirs::task_paths{paths.task_root}.instruction_set();
  for (const auto& file : set.instruction_set)
    files.push_back({instruction_set / file.output_name, render_file(templates, file.template_path, values), root});
  // The user's own text is copied, never rendered: it may hold "{{".
  if (request.clarification_response)
    files.push_back(
        {instruction_set / "clarification-response.md", fs::read_file(*request.clarification_response, fs::document_read_limit), root});
  if (request.reference_expectations)
    files.push_back({instruction_set / "reference-expectations.md",
                     fs::read_file(*request.reference_expectations, fs::document_read_limit), root});
  files.push_back({paths.seq_prompts_dir / "run-inputs.json", detail::run_inputs_json(request, context), root});
  detail::add_worker_prompts(files, paths, context, templates, values);
  values["TOKEN_SUMMARY_TABLE"] = detail::token_summary_table(context);
  files.push_back({paths.seq_prompts_dir / "report-template.md", render_file(templates, set.report, values), root});
  files.push_back({paths.run_context_file, to_json(context), root});
  return files;
}

// Every file below its project root, no link followed (docs/prepare.md, "Symlinks").
OKSTRA_INLINE void write_bundle(const std::vector<planned_file>& files, rollback_journal& journal) {
  for (const auto& file : files) {
    make_folders_below(file.root, file.path.parent_path(), journal);
    write_journaled_below(file.root, file.path, file.content, journal);
  }
}

}  // namespace okstra::prepare
