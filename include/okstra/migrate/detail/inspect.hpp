// Where a migration acts and whether it may: the project's paths, the
// spellings of its root, the refusals of okstra/migrate/migrate.hpp.
// Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"

namespace okstra::migrate {

OKSTRA_INLINE std::string_view to_string(project_state state) {
  switch (state) {
    case project_state::legacy: return "legacy";
    case project_state::interrupted: return "interrupted";
    case project_state::migrated: return "migrated";
  }
  return "legacy";
}

namespace detail {

struct context {
  stdfs::path root;    // canonical project root
  stdfs::path parent;  // <root>/.project-docs
  stdfs::path from;    // <root>/.project-docs/okstra
  stdfs::path to;      // <root>/.okstra
  stdfs::path journal;
  std::vector<std::string> roots;  // spellings of the root: canonical, as given, as recorded
  dirs::home_layout home;
  stdfs::path working_dir;  // canonical
  locks::wait_policy policy;
};

inline error refusal(std::string_view reason, const stdfs::path& subject, std::string hint) {
  return refused(quoted("migrate refused: " + std::string(reason), subject.string()), std::move(hint));
}

enum class node { missing, folder, symlink, other };

inline node node_at(const stdfs::path& path, struct stat* out = nullptr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return node::missing;
    throw io_error("inspect", path.string());
  }
  if (out) *out = st;
  if (S_ISDIR(st.st_mode)) return node::folder;
  if (S_ISLNK(st.st_mode)) return node::symlink;
  return node::other;
}

// The names in folder `dir` (without "." and ".."), in no particular order.
inline std::vector<std::string> folder_names(const stdfs::path& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) throw io_error("read folder", dir.string());
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  return names;
}

// Is `path` the folder `dir` or inside it (both absolute, normal)?
inline bool is_within(std::string_view path, std::string_view dir) {
  return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

inline stdfs::path normal_absolute(const stdfs::path& p) {
  stdfs::path out = stdfs::absolute(p).lexically_normal();
  if (!out.has_filename() && out.has_parent_path() && out != out.root_path()) out = out.parent_path();
  return out;
}

// projectRoot as recorded in the project's project.json, when it names this
// same folder by another spelling (a symlinked path, say).
inline std::optional<std::string> recorded_root(const context& c) {
  for (const auto& dir : {c.from, c.to}) {
    const stdfs::path file = dir / "project.json";
    struct stat st {};
    if (node_at(file, &st) != node::other || !S_ISREG(st.st_mode)) continue;
    try {
      const json::document doc = json::read_file(file);
      const auto root = json::get_string(doc, "projectRoot");
      std::error_code ec;
      if (root && stdfs::path(std::string(*root)).is_absolute() && stdfs::equivalent(std::string(*root), c.root, ec))
        return std::string(*root);
    } catch (const okstra::error&) {
      // A malformed project.json is the scan's business (kept, warned about).
    }
    return std::nullopt;
  }
  return std::nullopt;
}

inline context resolve(const request& r) {
  context c;
  const stdfs::path given = normal_absolute(r.project_dir);
  std::error_code ec;
  if (!stdfs::is_directory(given, ec)) throw input_error(quoted("project folder not found", r.project_dir.string()));
  c.root = stdfs::canonical(given);
  c.parent = c.root / dirs::legacy_parent_name;
  c.from = c.parent / dirs::legacy_dir_name;
  c.to = c.root / dirs::current_dir_name;
  c.journal = dirs::migrate_journal(c.root);
  c.home = r.home;
  c.policy = r.policy;
  c.working_dir = stdfs::weakly_canonical(r.working_dir.empty() ? stdfs::current_path() : r.working_dir);
  c.roots.push_back(c.root.string());
  const auto add = [&](const std::string& spelling) {
    if (std::find(c.roots.begin(), c.roots.end(), spelling) == c.roots.end()) c.roots.push_back(spelling);
  };
  add(given.string());
  if (const auto recorded = recorded_root(c)) add(normal_absolute(*recorded).string());
  return c;
}

inline std::vector<prefix_pair> home_prefixes(const context& c) {
  std::vector<prefix_pair> pairs;
  for (const auto& root : c.roots)
    pairs.push_back({root + "/" + std::string(dirs::legacy_parent_name) + "/" + std::string(dirs::legacy_dir_name),
                     root + "/" + std::string(dirs::current_dir_name)});
  return pairs;
}

// Inside the project a path may also be relative to the project root.
inline std::vector<prefix_pair> project_prefixes(const context& c) {
  std::vector<prefix_pair> pairs = home_prefixes(c);
  pairs.push_back({std::string(dirs::legacy_parent_name) + "/" + std::string(dirs::legacy_dir_name),
                   std::string(dirs::current_dir_name)});
  return pairs;
}

// The folders as they are: legacy (to migrate) or migrated, else a refusal.
inline project_state inspect_layout(const context& c) {
  if (node_at(c.parent) == node::symlink)
    throw refusal("the legacy folder is reached through a symbolic link", c.parent,
                  "replace the link by the folder it points to, then run again");
  struct stat from_st {
  }, root_st{};
  switch (node_at(c.from, &from_st)) {
    case node::missing:
      if (node_at(c.to) == node::folder) return project_state::migrated;
      throw refusal("no legacy folder", c.from,
                    "nothing to migrate: okstra-migrate moves .project-docs/okstra/ to .okstra/");
    case node::symlink:
      throw refusal("the legacy folder is a symbolic link", c.from,
                    "replace the link by the folder it points to, then run again");
    case node::other:
      throw refusal("the legacy folder is not a folder", c.from, "move that file aside, then run again");
    case node::folder: break;
  }
  switch (node_at(c.to)) {
    case node::missing: break;
    case node::folder:
      if (!folder_names(c.to).empty())
        throw refusal(".okstra/ already exists and is not empty", c.to,
                      "both layouts hold files: merge them by hand (see docs/migrate.md), then run again");
      break;
    default: throw refusal(".okstra exists and is not a folder", c.to, "move it aside, then run again");
  }
  if (::stat(c.root.c_str(), &root_st) != 0) throw io_error("inspect", c.root.string());
  if (from_st.st_dev != root_st.st_dev)
    throw refusal("the legacy folder is on another file system", c.from,
                  "a move across file systems is not atomic: copy it to .okstra/ by hand (see docs/migrate.md)");
  return project_state::legacy;
}

// Does a line of active.jsonl name a run of this project? Its runDir (or
// projectRoot) when it does. Lines that do not parse never match.
inline std::optional<std::string> active_run_of(const context& c) {
  const stdfs::path file = c.home.active_jsonl();
  struct stat st {};
  if (node_at(file, &st) != node::other || !S_ISREG(st.st_mode)) return std::nullopt;
  const std::string text = fs::read_file(file);
  std::vector<std::string> folders;
  for (const auto& root : c.roots) {
    folders.push_back(root + "/" + std::string(dirs::legacy_parent_name) + "/" + std::string(dirs::legacy_dir_name));
    folders.push_back(root + "/" + std::string(dirs::current_dir_name));
  }
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t nl = std::min(text.find('\n', start), text.size());
    const std::string_view line(text.data() + start, nl - start);
    start = nl + 1;
    json::document doc;
    try {
      doc = json::parse(line, file.string());
    } catch (const okstra::error&) {
      continue;
    }
    const auto run_dir = json::get_string(doc, "runDir");
    const auto named = [&](std::string_view field) {
      const auto value = json::get_string(doc, field);
      for (const auto& folder : folders)
        if (value && is_within(*value, folder)) return true;
      return false;
    };
    const auto project_root = json::get_string(doc, "projectRoot");
    const bool by_root = project_root && std::find(c.roots.begin(), c.roots.end(), *project_root) != c.roots.end();
    if (by_root || named("runDir") || named("reportPath"))
      return std::string(run_dir.value_or(project_root.value_or("")));
  }
  return std::nullopt;
}

inline void refuse_active_run(const context& c) {
  if (const auto run = active_run_of(c))
    throw refusal(
        "a run of this project is active", *run,
        "wait for it to end, or close it: okstra-prepare finish --run-dir '" + printable(*run) + "' --status aborted");
}

inline void refuse_working_dir_inside(const context& c, const stdfs::path& moving) {
  if (is_within(c.working_dir.string(), moving.string()))
    throw refusal("the current directory is inside the folder being moved", c.working_dir,
                  "cd to the project root (or anywhere outside '" + printable(moving.string()) +
                      "') and run again, with --cwd DIR");
}

// Every refusal of a fresh migration, in the order docs/migrate.md lists them.
inline project_state check_fresh(const context& c) {
  const project_state state = inspect_layout(c);
  if (state == project_state::migrated) return state;
  refuse_active_run(c);
  refuse_working_dir_inside(c, c.from);
  return state;
}

}  // namespace detail

}  // namespace okstra::migrate
