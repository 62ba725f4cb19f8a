// JSON renderings of okstra/worktree/worktree.hpp results. Include that header.
// Field names of an entry are the registry's (detail::write_entry), with the
// row key, the task key and whether the folder exists added in front.
#pragma once

#include "okstra/core/api.hpp"

namespace okstra::worktree {

namespace detail {

inline void write_listed_entry(json::writer& w, const std::string& row, const entry& e) {
  w.begin_object().field("key", e.key().str()).field("row", row);
  write_entry(w, e);
  w.field("present", path_exists(e.path)).end_object();
}

inline void write_rows(json::writer& w, std::string_view name, const std::vector<std::pair<std::string, entry>>& rows) {
  w.key(name).begin_array();
  for (const auto& [row, e] : rows) write_listed_entry(w, row, e);
  w.end_array();
}

inline void write_strings(json::writer& w, std::string_view name, const std::vector<std::string>& items) {
  w.key(name).begin_array();
  for (const auto& s : items) w.value(s);
  w.end_array();
}

}  // namespace detail

OKSTRA_INLINE std::string_view to_string(provision_status status) {
  switch (status) {
    case provision_status::created: return "created";
    case provision_status::reused: return "reused";
    case provision_status::skipped_not_git: return "skipped-not-git";
    case provision_status::skipped_linked_worktree: return "skipped-linked-worktree";
  }
  return "created";
}

OKSTRA_INLINE std::string to_json(const provision_result& result, bool pretty) {
  json::writer w(pretty);
  w.begin_object().field("status", to_string(result.status));
  w.key("worktree");
  if (result.worktree) {
    detail::write_listed_entry(w, result.row, *result.worktree);
  } else {
    w.null();
  }
  detail::write_strings(w, "syncedDirs", result.synced_dirs);
  return std::move(w.end_object()).str();
}

OKSTRA_INLINE std::string to_json(const reconcile_report& report, bool pretty) {
  json::writer w(pretty);
  w.begin_object().field("dryRun", report.dry_run);
  detail::write_rows(w, "repaired", report.repaired);
  detail::write_strings(w, "busy", report.busy);
  detail::write_rows(w, "dropped", report.dropped);
  detail::write_rows(w, "kept", report.kept);
  w.key("pruned").begin_array();
  for (const auto& repo : report.pruned) {
    w.begin_object().field("projectRoot", repo.project_root);
    detail::write_strings(w, "notes", repo.notes);
    w.end_object();
  }
  w.end_array();
  detail::write_strings(w, "skippedRepositories", report.skipped_repos);
  detail::write_rows(w, "settledStages", report.settled);
  return std::move(w.end_object()).str();
}

OKSTRA_INLINE std::string to_json(const remove_report& report, bool pretty) {
  json::writer w(pretty);
  w.begin_object();
  detail::write_rows(w, "removed", report.removed);
  detail::write_strings(w, "deletedBranches", report.deleted_branches);
  detail::write_strings(w, "keptBranches", report.kept_branches);
  return std::move(w.end_object()).str();
}

OKSTRA_INLINE std::string entries_json(const std::vector<std::pair<std::string, entry>>& rows, bool pretty) {
  json::writer w(pretty);
  w.begin_object();
  detail::write_rows(w, "entries", rows);
  return std::move(w.end_object()).str();
}

}  // namespace okstra::worktree
