// Project validation, the project.json mirror and PR template resolution of
// okstra/prepare/prepare.hpp. Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <cstdlib>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"

namespace okstra::prepare {

namespace detail {

inline std::optional<std::string> optional_string(const json::value& object, std::string_view key) {
  if (auto s = json::get_string(object, key); s && !s->empty()) return std::string(*s);
  return std::nullopt;
}

inline std::string project_json_text(std::string_view project_id, const stdfs::path& root) {
  json::writer w;
  w.begin_object().field("projectId", project_id).field("projectRoot", root.string()).end_object();
  return std::move(w).str() + "\n";
}

// project.json's members in file order, projectRoot set to the real root.
inline std::string mirror_text(const json::value& project_json, const stdfs::path& root) {
  json::writer w;
  w.begin_object();
  for (const auto& m : project_json.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "projectRoot") w.key(key).value(m.value);
  }
  w.field("projectRoot", root.string()).end_object();
  return std::move(w).str() + "\n";
}

inline void refuse_layout(dirs::layout found, const stdfs::path& root) {
  const std::string fix = "run 'okstra migrate' in '" + printable(root.string()) +
                          "' to see the plan, then 'okstra migrate --apply'";
  // A migration killed half-way may already show .okstra/: its journal says so.
  std::error_code ec;
  if (stdfs::exists(stdfs::symlink_status(dirs::migrate_journal(root), ec)))
    throw refused(quoted("migration in progress in", root.string()),
                  "run 'okstra migrate --apply' in '" + printable(root.string()) +
                      "' to finish it, or 'okstra migrate --undo' to revert it");
  if (found == dirs::layout::legacy)
    throw refused(quoted("legacy project layout", dirs::project_layout::legacy(root).okstra_dir.string()),
                  fix + " to move it to .okstra/");
  if (found == dirs::layout::both)
    throw refused(quoted("both project layouts present in", root.string()), fix + " to finish the migration");
}

// Writes the mirror under the central lock; refuses an id that another
// project root already owns (two projects must never share one mirror).
inline void sync_mirror(const dirs::home_layout& home, const json::value& project_json, std::string_view project_id,
                        const stdfs::path& root, rollback_journal& journal, const locks::wait_policy& policy) {
  make_folders(home.root, journal, 0700);
  const auto held = locks::central_lock(home, policy);
  make_folders(home.projects_dir(), journal, 0700);
  const stdfs::path mirror = home.project_mirror(project_id);
  if (fs::is_regular_file(mirror)) {
    const json::document other = json::read_file(mirror);
    json::require_object(other, mirror.string());
    const auto other_id = json::get_string(other, "projectId");
    const auto other_root = json::get_string(other, "projectRoot");
    if (other_id != std::optional<std::string_view>(project_id) ||
        other_root != std::optional<std::string_view>(root.string()))
      throw refused(quoted("project id already belongs to another project", project_id),
                    "'" + printable(mirror.string()) + "' registers project '" + printable(other_id.value_or("?")) +
                        "' at '" + printable(other_root.value_or("?")) +
                        "'; choose another project id, or delete that file if the project moved");
  }
  write_journaled(mirror, mirror_text(project_json, root), journal, &home);
}

}  // namespace detail

OKSTRA_INLINE project_info ensure_project(const dirs::home_layout& home, const stdfs::path& project_root,
                                   std::string_view project_id, rollback_journal& journal,
                                   const locks::wait_policy& policy) {
  dirs::validate_segment(project_id, "project id", project_id);
  std::error_code ec;
  if (!stdfs::is_directory(project_root, ec)) throw input_error(quoted("project root is not a folder", project_root.string()));
  const stdfs::path root = stdfs::canonical(project_root);
  const dirs::layout found = dirs::detect_layout(root);
  detail::refuse_layout(found, root);

  project_info info{dirs::project_layout::current(root), std::string(project_id), std::nullopt, false};
  const stdfs::path file = info.layout.project_json();
  // From the project root down no link is followed: a cloned repository may
  // carry a planted `.okstra` link (docs/prepare.md, "Symlinks").
  std::optional<std::string> text = read_below(root, file);
  if (!text) {
    text = detail::project_json_text(project_id, root);
    make_folders_below(root, info.layout.okstra_dir, journal);
    write_journaled_below(root, file, *text, journal);
    info.created = true;
  }
  const json::document doc = json::parse(*text, file.string());
  json::require_object(doc, file.string());
  const std::string_view recorded = json::require_string(doc, "projectId", file.string());
  if (recorded != project_id)
    throw usage_error(quoted("project id does not match", project_id) + ": '" + printable(file.string()) +
                          "' says '" + printable(recorded) + "'",
                      "pass --project-id " + printable(recorded) + " (or a task key starting with it)");
  info.pr_template_path = detail::optional_string(doc, "prTemplatePath");
  detail::sync_mirror(home, doc, project_id, root, journal, policy);
  return info;
}

namespace detail {
// '~/' expanded; a relative path is taken relative to `base`.
inline stdfs::path anchored(std::string_view text, const stdfs::path& base) {
  stdfs::path p{std::string(text)};
  if (text == "~" || text.starts_with("~/"))
    p = dirs::user_home() / std::string(text.substr(std::min<std::size_t>(2, text.size())));
  return p.is_absolute() ? p.lexically_normal() : (base / p).lexically_normal();
}

inline pr_template checked_template(stdfs::path path, std::string source, std::string_view origin) {
  if (!fs::is_regular_file(path))
    throw input_error(quoted("cannot read the pr template", path.string()) + " (from " + std::string(origin) + ")",
                      "fix or remove the prTemplatePath setting, or pass --pr-template-path FILE");
  return {std::move(path), std::move(source)};
}
}  // namespace detail

OKSTRA_INLINE pr_template resolve_pr_template(const std::optional<stdfs::path>& override_path, const project_info& project,
                                       const dirs::home_layout& home, const template_source& templates) {
  if (override_path)
    return detail::checked_template(detail::anchored(override_path->string(), stdfs::current_path()), "override",
                                    "--pr-template-path");
  if (project.pr_template_path)
    return detail::checked_template(detail::anchored(*project.pr_template_path, project.layout.project_root),
                                    "project", project.layout.project_json().string());
  if (fs::is_regular_file(home.config_json())) {
    const json::document config = json::read_file(home.config_json());
    json::require_object(config, home.config_json().string());
    if (const auto global = detail::optional_string(config, "prTemplatePath"))
      return detail::checked_template(detail::anchored(*global, home.root), "global", home.config_json().string());
  }
  return detail::checked_template(templates.dir / templates_for("implementation").pr_body, "default",
                                  "the default templates");
}

}  // namespace okstra::prepare
