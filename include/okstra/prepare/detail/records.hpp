// task-manifest.json and the discovery files of okstra/prepare/prepare.hpp.
// Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>

#include "okstra/core/json.hpp"

namespace okstra::prepare {

namespace detail {

inline void write_run_summary(json::writer& w, const run_context& c) {
  w.begin_object().field("taskType", c.task_type);
  write_stage(w, c.stage);
  w.field("seq", c.seq).field("runDir", c.run_dir).field("reportPath", c.report_path);
  w.field("createdAt", c.created_at).end_object();
}

// An existing JSON object file below `root` (read without following a link),
// or an empty object when absent; a malformed one is an error: it is never
// silently replaced.
inline json::document read_object_or_empty(const stdfs::path& root, const stdfs::path& file) {
  const std::optional<std::string> text = read_below(root, file);
  if (!text) {
    json::document empty;
    empty.SetObject();
    return empty;
  }
  json::document doc = json::parse(*text, file.string());
  json::require_object(doc, file.string());
  return doc;
}

// The strings of array `key` of `object`, then `extra` if not there yet.
inline std::vector<std::string> strings_plus(const json::value& object, std::string_view key, std::string_view extra) {
  std::vector<std::string> out;
  if (const json::value* array = json::find(object, key); array && array->IsArray())
    for (const auto& v : array->GetArray())
      if (v.IsString()) out.emplace_back(json::as_string_view(v));
  if (std::find(out.begin(), out.end(), extra) == out.end()) out.emplace_back(extra);
  return out;
}

inline std::string manifest_text(const json::value& old, const run_request& r, const run_context& c) {
  json::writer w;
  w.begin_object().field("version", 1).field("taskKey", c.task_key).field("projectId", r.key.project_id);
  w.field("taskGroup", r.key.task_group).field("taskId", r.key.task_id).field("workCategory", r.work_category);
  w.field("createdAt", json::get_string(old, "createdAt").value_or(c.created_at)).field("updatedAt", c.created_at);
  w.key("roster").begin_object().field("executor", c.executor).key("workers").begin_array();
  for (const auto& worker : c.workers) w.value(worker + "-worker");
  w.end_array().field("reportWriter", "report-writer").end_object();
  w.key("taskTypes").begin_array();
  for (const auto& type : strings_plus(old, "taskTypes", c.task_type)) w.value(type);
  w.end_array().key("runs").begin_array();
  if (const json::value* runs = json::find(old, "runs"); runs && runs->IsArray())
    for (const auto& run : runs->GetArray()) w.value(run);
  write_run_summary(w, c);
  w.end_array().end_object();
  return std::move(w).str() + "\n";
}

inline void write_catalog_entry(json::writer& w, const json::value* old, const run_request& r, const run_context& c) {
  w.begin_object().field("taskKey", c.task_key).field("taskGroup", r.key.task_group).field("taskId", r.key.task_id);
  w.key("taskTypes").begin_array();
  static const json::value no_entry(rapidjson::kObjectType);
  for (const auto& type : strings_plus(old ? *old : no_entry, "taskTypes", c.task_type)) w.value(type);
  w.end_array().key("lastRun");
  write_run_summary(w, c);
  w.end_object();
}

// Every task of the project, sorted by task key; this task's entry replaced.
inline std::string catalog_text(const json::value& old, const run_request& r, const run_context& c) {
  std::vector<std::pair<std::string, const json::value*>> tasks;
  const json::value* mine = nullptr;
  if (const json::value* list = json::find(old, "tasks"); list && list->IsArray())
    for (const auto& task : list->GetArray()) {
      const std::string key(json::get_string(task, "taskKey").value_or(""));
      if (key == c.task_key) mine = &task;
      else if (!key.empty()) tasks.emplace_back(key, &task);
    }
  tasks.emplace_back(c.task_key, nullptr);
  std::sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json::writer w;
  w.begin_object().field("version", 1).field("projectId", r.key.project_id).key("tasks").begin_array();
  for (const auto& [key, task] : tasks) task ? (void)w.value(*task) : write_catalog_entry(w, mine, r, c);
  w.end_array().end_object();
  return std::move(w).str() + "\n";
}

inline std::string latest_task_text(const run_paths& paths, const run_request& r, const run_context& c) {
  json::writer w;
  w.begin_object().field("taskKey", c.task_key).field("taskGroup", r.key.task_group).field("taskId", r.key.task_id);
  w.field("taskType", c.task_type);
  write_stage(w, c.stage);
  w.field("seq", c.seq).field("taskRoot", paths.task_root.string()).field("runDir", c.run_dir);
  w.field("reportPath", c.report_path).field("runContext", paths.run_context_file.string());
  w.field("createdAt", c.created_at).end_object();
  return std::move(w).str() + "\n";
}

}  // namespace detail

OKSTRA_INLINE void update_task_records(const dirs::home_layout& home, const project_info& project, const run_request& request,
                                const run_context& context, rollback_journal& journal,
                                const locks::wait_policy& policy) {
  const dirs::task_paths task{project.layout.task_root(request.key)};
  run_paths paths;
  paths.task_root = task.task_root;
  paths.run_context_file = stdfs::path(context.run_dir) / "run-context.json";
  // No link below the project root is followed (docs/prepare.md, "Symlinks").
  const stdfs::path& root = project.layout.project_root;
  make_folders_below(root, project.layout.discovery_dir(), journal);
  make_folders_below(root, task.task_root, journal);
  // The catalog is shared by every task of the project and the manifest by
  // every task type of the task: only the central lock spans them all.
  const auto held = locks::central_lock(home, policy);
  const json::document manifest = detail::read_object_or_empty(root, task.manifest());
  write_journaled_below(root, task.manifest(), detail::manifest_text(manifest, request, context), journal, &home);
  const json::document catalog = detail::read_object_or_empty(root, project.layout.task_catalog());
  write_journaled_below(root, project.layout.task_catalog(), detail::catalog_text(catalog, request, context), journal,
                        &home);
  write_journaled_below(root, project.layout.latest_task(), detail::latest_task_text(paths, request, context),
                        journal, &home);
}

}  // namespace okstra::prepare
