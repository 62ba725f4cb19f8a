// Building the plan of okstra/migrate/migrate.hpp: walk the legacy folder,
// find every JSON/JSONL file of the project and of the okstra home that
// references the old location, and compute each rewrite (in memory only).
// Include that header instead.
#pragma once

#include <algorithm>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"

namespace okstra::migrate {

namespace detail {

// One file to rewrite, with its content before and after.
struct prepared_file {
  file_rewrite row;                  // as the plan lists it
  std::string step;                  // the step that rewrites it
  std::string original, rewritten;   // whole texts
  mode_t mode = 0644;                // kept by the rewrite
  std::vector<line_change> changes;  // JSONL: the lines that change
};

struct scan_result {
  migration_plan plan;
  std::vector<prepared_file> project, home;
};

inline std::optional<file_kind> kind_of(const stdfs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".json") return file_kind::json;
  if (ext == ".jsonl") return file_kind::jsonl;
  return std::nullopt;
}

inline bool regular_file(const stdfs::path& path, mode_t* mode = nullptr) {
  struct stat st {};
  if (node_at(path, &st) != node::other || !S_ISREG(st.st_mode)) return false;
  if (mode) *mode = st.st_mode & 07777;
  return true;
}

// The rewrite of one file's text; nullopt when it references nothing (or is
// malformed JSON, which is kept as it is and named in `warnings`).
inline std::optional<prepared_file> prepare_rewrite(file_rewrite row, const stdfs::path& where, std::string text,
                                                    const std::vector<prefix_pair>& prefixes,
                                                    std::vector<std::string>& warnings) {
  prepared_file out;
  if (row.kind == file_kind::jsonl) {
    jsonl_rewrite r = rewrite_jsonl(text, prefixes);
    if (r.references == 0) return std::nullopt;
    row.references = r.references;
    out.rewritten = std::move(r.text);
    out.changes = std::move(r.changes);
  } else {
    if (!may_reference(text, prefixes)) return std::nullopt;
    try {
      (void)json::parse(text, where.string());
    } catch (const okstra::error&) {
      warnings.push_back(quoted("kept as it is (malformed JSON, references not rewritten)", where.string()));
      return std::nullopt;
    }
    text_rewrite r = rewrite_json(text, prefixes);
    if (r.references == 0) return std::nullopt;
    row.references = r.references;
    out.rewritten = std::move(r.text);
  }
  out.row = std::move(row);
  out.original = std::move(text);
  return out;
}

struct legacy_tree {
  std::size_t files = 0, folders = 0;
  std::vector<std::pair<std::string, mode_t>> data_files;  // *.json / *.jsonl: relative path, mode; sorted
};

// Walks the legacy folder without following links; a link whose target is
// inside the old location would break after the move, so it is named.
inline legacy_tree walk_legacy(const context& c, const std::vector<prefix_pair>& prefixes,
                               std::vector<std::string>& warnings) {
  legacy_tree tree;
  std::vector<std::string> dangling;
  for (auto it = stdfs::recursive_directory_iterator(c.from); it != stdfs::recursive_directory_iterator(); ++it) {
    const auto status = it->symlink_status();
    if (status.type() == stdfs::file_type::directory) {
      ++tree.folders;
      continue;
    }
    ++tree.files;
    const std::string relative = it->path().lexically_relative(c.from).string();
    if (status.type() == stdfs::file_type::regular && kind_of(it->path()))
      tree.data_files.emplace_back(relative, static_cast<mode_t>(status.permissions()) & 07777);
    if (status.type() != stdfs::file_type::symlink) continue;
    const std::string target = stdfs::read_symlink(it->path()).string();
    for (const auto& pair : prefixes)
      if (stdfs::path(pair.from).is_absolute() && is_within(target, pair.from)) {
        dangling.push_back(it->path().string());
        break;
      }
  }
  std::sort(tree.data_files.begin(), tree.data_files.end());
  std::sort(dangling.begin(), dangling.end());
  for (const auto& link : dangling)
    warnings.push_back(quoted("symbolic link into the old location, not rewritten", link));
  return tree;
}

struct home_file {
  stdfs::path path;
  file_kind kind;
  std::string lock, step;
  std::string prefixes = "home";
};

// A projects/*.json row is this project's mirror of its project.json when it
// records one of its root's spellings: relative paths in it are the project's.
inline bool mirrors_project(const context& c, const stdfs::path& row) {
  try {
    const json::document doc = json::read_file(row);
    const auto root = json::get_string(doc, "projectRoot");
    return root && std::find(c.roots.begin(), c.roots.end(), *root) != c.roots.end();
  } catch (const okstra::error&) {
    return false;
  }
}

// The home files that may name the project: every projects/*.json (sorted),
// recent.jsonl, active.jsonl, the worktree registry.
inline std::vector<home_file> home_candidates(const context& c) {
  const dirs::home_layout& home = c.home;
  std::vector<home_file> files;
  if (node_at(home.projects_dir()) == node::folder) {
    std::vector<std::string> names = folder_names(home.projects_dir());
    std::sort(names.begin(), names.end());
    for (const auto& name : names)
      if (kind_of(name) == file_kind::json && regular_file(home.projects_dir() / name)) {
        const stdfs::path row = home.projects_dir() / name;
        files.push_back(
            {row, file_kind::json, "central", "rewrite-projects", mirrors_project(c, row) ? "project" : "home"});
      }
  }
  if (regular_file(home.recent_jsonl()))
    files.push_back({home.recent_jsonl(), file_kind::jsonl, "central", "rewrite-recent"});
  if (regular_file(home.active_jsonl()))
    files.push_back({home.active_jsonl(), file_kind::jsonl, "central", "rewrite-active"});
  if (regular_file(home.registry_json()))
    files.push_back({home.registry_json(), file_kind::json, "registry", "rewrite-registry"});
  return files;
}

inline void note_gitignore(const context& c, std::vector<std::string>& warnings) {
  const stdfs::path file = c.root / ".gitignore";
  if (!regular_file(file)) return;
  if (fs::read_file(file).find(dirs::legacy_parent_name) != std::string::npos)
    warnings.push_back(quoted("mentions .project-docs/: check its okstra lines by hand", file.string()));
}

inline void scan_files(const context& c, const legacy_tree& tree, scan_result& s) {
  migration_plan& p = s.plan;
  for (const auto& [relative, mode] : tree.data_files) {
    const stdfs::path file = c.from / relative;
    file_rewrite row{relative, *kind_of(file), "central", "project", 0};
    if (auto prepared = prepare_rewrite(row, file, fs::read_file(file), p.project_prefixes, p.warnings)) {
      prepared->step = "rewrite-project";
      prepared->mode = mode;
      p.project_files.push_back(prepared->row);
      s.project.push_back(std::move(*prepared));
    }
  }
  for (const auto& candidate : home_candidates(c)) {
    file_rewrite row{candidate.path.string(), candidate.kind, candidate.lock, candidate.prefixes, 0};
    const auto& prefixes = candidate.prefixes == "project" ? p.project_prefixes : p.home_prefixes;
    auto prepared = prepare_rewrite(row, candidate.path, fs::read_file(candidate.path), prefixes, p.warnings);
    if (!prepared) continue;
    prepared->step = candidate.step;
    regular_file(candidate.path, &prepared->mode);
    p.home_files.push_back(prepared->row);
    s.home.push_back(std::move(*prepared));
  }
}

inline migration_plan base_plan(const context& c, project_state state) {
  migration_plan p;
  p.project_root = c.root.string();
  p.from = c.from.string();
  p.to = c.to.string();
  p.journal = c.journal.string();
  p.state = state;
  p.nothing_to_do = state == project_state::migrated;
  return p;
}

// The whole plan of a fresh migration (state legacy), or the empty plan of a
// migrated project. Reads only.
inline scan_result scan(const context& c, project_state state) {
  scan_result s{base_plan(c, state), {}, {}};
  if (state == project_state::migrated) return s;
  migration_plan& p = s.plan;
  p.project_prefixes = project_prefixes(c);
  p.home_prefixes = home_prefixes(c);
  const legacy_tree tree = walk_legacy(c, p.project_prefixes, p.warnings);
  p.files = tree.files;
  p.folders = tree.folders;
  p.replaces_empty_current = node_at(c.to) == node::folder;
  const auto siblings = folder_names(c.parent);
  p.remove_legacy_parent = siblings.size() == 1 && siblings.front() == dirs::legacy_dir_name;
  scan_files(c, tree, s);
  note_gitignore(c, p.warnings);
  p.steps.assign(std::begin(apply_steps), std::end(apply_steps));
  return s;
}

}  // namespace detail

}  // namespace okstra::migrate
