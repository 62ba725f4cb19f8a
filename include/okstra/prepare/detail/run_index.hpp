// recent.jsonl / active.jsonl (record_start, finish) and materialize_run of
// okstra/prepare/prepare.hpp. Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"

namespace okstra::prepare {

OKSTRA_INLINE std::string start_line(const run_context& c, std::string_view project_id) {
  json::writer w(false);
  w.begin_object().field("runDir", c.run_dir).field("taskKey", c.task_key).field("taskType", c.task_type);
  detail::write_stage(w, c.stage);
  w.field("seq", c.seq).field("projectId", project_id).field("projectRoot", c.project_root);
  w.field("reportPath", c.report_path).field("executor", c.executor).field("status", "running");
  w.field("startedAt", c.created_at).end_object();
  return std::move(w).str();
}

namespace detail {

struct active_run {
  std::size_t index = 0;  // line number in active.jsonl
  int seq = 0;
};

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// The active line of `run_dir` with `seq`, else the one with the highest seq.
// Lines that do not parse are kept as they are and never match.
inline std::optional<active_run> find_active(const std::vector<std::string>& lines, const std::string& run_dir,
                                             std::optional<int> seq) {
  std::optional<active_run> best;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    json::document doc;
    try {
      doc = json::parse(lines[i], "active.jsonl");
    } catch (const okstra::error&) {
      continue;
    }
    if (json::get_string(doc, "runDir") != std::optional<std::string_view>(run_dir)) continue;
    const int line_seq = static_cast<int>(json::get_int(doc, "seq").value_or(0));
    if (seq && line_seq != *seq) continue;
    if (!best || line_seq >= best->seq) best = active_run{i, line_seq};
  }
  return best;
}

inline std::string finished_line(const json::value& start, std::string_view status, const std::string& finished_at) {
  json::writer w(false);
  w.begin_object();
  for (const auto& m : start.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "status" || key == "finishedAt") continue;
    w.key(key).value(m.value);
  }
  w.field("status", status).field("finishedAt", finished_at).end_object();
  return std::move(w).str();
}

inline void validate_status(std::string_view status) {
  if (std::find(std::begin(final_statuses), std::end(final_statuses), status) == std::end(final_statuses))
    throw usage_error(quoted("unknown run status", status), "use one of: completed, error, timeout, aborted");
}

}  // namespace detail

OKSTRA_INLINE void record_start(const dirs::home_layout& home, const run_context& context, std::string_view project_id,
                         const locks::wait_policy& policy) {
  const std::string line = start_line(context, project_id);
  fs::ensure_dir(home.root, 0700);
  const auto held = locks::central_lock(home, policy);
  // recent.jsonl first: a run can be in recent.jsonl without being active
  // (harmless), never active without a trace in recent.jsonl.
  fs::append_line(home.recent_jsonl(), line, 0600);
  try {
    fs::append_line(home.active_jsonl(), line, 0600);
  } catch (const okstra::error&) {
    // Best effort: close the trace so recent.jsonl shows no run as running
    // that never became active; the caller rolls the rest back.
    try {
      json::document doc = json::parse(line, "start line");
      fs::append_line(home.recent_jsonl(), detail::finished_line(doc, "aborted", time::utc_now_iso8601()), 0600);
    } catch (...) {
    }
    throw;
  }
}

OKSTRA_INLINE finish_result finish(const dirs::home_layout& home, const stdfs::path& run_dir, std::string_view status,
                            std::optional<int> seq, const locks::wait_policy& policy) {
  detail::validate_status(status);
  std::error_code ec;
  const std::string dir = stdfs::weakly_canonical(stdfs::absolute(run_dir), ec).string();
  const auto held = locks::central_lock(home, policy);
  std::string text;
  if (fs::is_regular_file(home.active_jsonl())) text = fs::read_file(home.active_jsonl());
  std::vector<std::string> lines = detail::split_lines(text);
  const auto found = detail::find_active(lines, dir, seq);
  if (!found)
    throw refused(quoted("no active run in", dir) + (seq ? " with seq " + seq_text(*seq) : ""),
                  "the run was finished already, or never started; see '" + printable(home.recent_jsonl().string()) + "'");
  const json::document start = json::parse(lines[found->index], home.active_jsonl().string());
  finish_result result{dir, std::string(json::get_string(start, "taskKey").value_or("")),
                       std::string(json::get_string(start, "taskType").value_or("")), std::string(status),
                       time::utc_now_iso8601(), found->seq, std::nullopt};
  if (const auto stage = json::get_int(start, "stage")) result.stage = static_cast<int>(*stage);
  // The final state reaches recent.jsonl before the run leaves active.jsonl:
  // a crash in between leaves it in both, and finishing again is harmless.
  fs::append_line(home.recent_jsonl(), detail::finished_line(start, status, result.finished_at), 0600);
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(found->index));
  std::string rest;
  for (const auto& line : lines) rest.append(line).push_back('\n');
  fs::remove_stale_temps(home.active_jsonl());  // killed writers' leftovers (docs/cli.md, "Files okstra writes")
  fs::write_file_atomic(home.active_jsonl(), rest, 0600);
  return result;
}

namespace detail {

// The status of the last line of `text` that is an implementation run of
// `key_text` at `stage`; lines that do not parse are skipped.
inline std::optional<std::string> last_stage_status(const std::string& text, std::string_view source,
                                                    std::string_view key_text, int stage) {
  std::optional<std::string> status;
  for (const auto& line : split_lines(text)) {
    json::document doc;
    try {
      doc = json::parse(line, source);
    } catch (const okstra::error&) {
      continue;
    }
    if (!doc.IsObject() || json::get_string(doc, "taskKey") != std::optional<std::string_view>(key_text) ||
        json::get_string(doc, "taskType") != std::optional<std::string_view>("implementation") ||
        json::get_int(doc, "stage") != std::optional<std::int64_t>(stage))
      continue;
    status = std::string(json::get_string(doc, "status").value_or(""));
  }
  return status;
}

}  // namespace detail

OKSTRA_INLINE stage_run_state stage_run_state_of(const dirs::home_layout& home, const dirs::task_key& key, int stage,
                                          const locks::wait_policy& policy) {
  const std::string key_text = key.str();
  const auto held = locks::central_lock(home, policy);
  stage_run_state state;
  if (fs::is_regular_file(home.active_jsonl()))
    state.running = detail::last_stage_status(fs::read_file(home.active_jsonl()), "active.jsonl", key_text, stage)
                        .has_value();
  if (!state.running && fs::is_regular_file(home.recent_jsonl()))
    state.last_status = detail::last_stage_status(fs::read_file(home.recent_jsonl()), "recent.jsonl", key_text, stage)
                            .value_or("");
  return state;
}

OKSTRA_INLINE run_context materialize_run(const dirs::home_layout& home, const project_info& project,
                                   const run_request& request, std::optional<int> stage,
                                   const worktree_facts& worktree, const template_source& templates,
                                   rollback_journal& journal, const locks::wait_policy& policy) {
  const run_request r = normalized(request);
  const run_paths paths = allocate_run(project.layout, r.key, r.task_type, stage, journal);
  const pr_template pr = resolve_pr_template(r.pr_template_override, project, home, templates);
  const run_context context = make_run_context(home, r, project, paths, worktree, pr, time::utc_now_iso8601());
  write_bundle(plan_bundle(r, paths, context, templates), journal);
  update_task_records(home, project, r, context, journal, policy);
  // Last, and not journaled: once both lines are in, nothing can fail any more.
  record_start(home, context, project.project_id, policy);
  return context;
}

}  // namespace okstra::prepare
