// The project's Claude Code settings link of okstra/prepare/prepare.hpp.
// Include that header instead. The rules are docs/prepare.md, "Project settings link".
#pragma once

#include "okstra/core/api.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "okstra/core/safe_path.hpp"

namespace okstra::prepare {

namespace detail {

inline constexpr const char* settings_folder = ".claude";
inline constexpr const char* settings_name = "settings.local.json";

inline std::optional<std::string> link_target_at(const safe_path::folder& dir, const std::string& name) {
  char target[4096];
  const ssize_t n = ::readlinkat(dir.fd.get(), name.c_str(), target, sizeof target);
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof target) return std::nullopt;
  return std::string(target, static_cast<std::size_t>(n));
}

// A link okstra made earlier: it names some okstra home's (or data folder's)
// templates/settings.local.json, e.g. of a home that moved. Anything else is
// the user's and is never replaced.
inline bool made_by_okstra(const stdfs::path& target) {
  return target.filename() == settings_name && target.parent_path().filename() == "templates";
}

// Points `name` at `target` in one step: a link under a temporary name,
// renamed over the old link (rename(2) replaces atomically).
inline void replace_link_at(const safe_path::folder& dir, const std::string& name, const stdfs::path& target) {
  const std::string temp = "." + name + ".tmp-" + std::to_string(::getpid()) + "-link";
  ::unlinkat(dir.fd.get(), temp.c_str(), 0);  // a leftover of a killed run of this pid
  if (::symlinkat(target.c_str(), dir.fd.get(), temp.c_str()) != 0)
    throw io_error("create the link", (dir.path / name).string());
  if (::renameat(dir.fd.get(), temp.c_str(), dir.fd.get(), name.c_str()) != 0) {
    const int saved = errno;
    ::unlinkat(dir.fd.get(), temp.c_str(), 0);
    errno = saved;
    throw io_error("replace the link", (dir.path / name).string());
  }
}

inline settings_link examine_and_link(const safe_path::folder& dir, const stdfs::path& target, settings_link result) {
  const std::string name = settings_name;
  for (int attempt = 0; attempt < 2; ++attempt) {
    switch (safe_path::type_at(dir, name)) {
      case safe_path::entry_type::absent:
        // symlinkat never replaces: a file the user made meanwhile wins.
        if (::symlinkat(target.c_str(), dir.fd.get(), name.c_str()) == 0) {
          result.status = settings_link_status::created;
          return result;
        }
        if (errno != EEXIST) throw io_error("create the link", result.link.string());
        continue;
      case safe_path::entry_type::symlink: {
        const auto current = link_target_at(dir, name);
        if (current && stdfs::path(*current) == target) {
          result.status = settings_link_status::present;
          return result;
        }
        if (!current || !made_by_okstra(*current)) {
          result.status = settings_link_status::user_link;
          result.found = current.value_or("?");
          return result;
        }
        replace_link_at(dir, name, target);
        result.status = settings_link_status::replaced;
        result.found = *current;
        return result;
      }
      case safe_path::entry_type::regular:
        result.status = settings_link_status::user_file;
        return result;
      default:
        result.status = settings_link_status::not_a_file;
        return result;
    }
  }
  result.status = settings_link_status::user_file;  // appeared twice under our feet
  return result;
}

}  // namespace detail

OKSTRA_INLINE std::string_view to_string(settings_link_status status) {
  switch (status) {
    case settings_link_status::created: return "created";
    case settings_link_status::present: return "present";
    case settings_link_status::replaced: return "replaced";
    case settings_link_status::user_file: return "user-file";
    case settings_link_status::user_link: return "user-link";
    case settings_link_status::not_a_file: return "not-a-file";
    case settings_link_status::no_template: return "no-template";
    case settings_link_status::failed: return "failed";
  }
  return "failed";
}

OKSTRA_INLINE settings_link link_project_settings(const stdfs::path& project_root, const template_source& templates) {
  settings_link result;
  result.link = project_root / detail::settings_folder / detail::settings_name;
  result.target = stdfs::absolute(templates.dir / detail::settings_name).lexically_normal();
  if (!fs::is_regular_file(result.target)) {
    result.status = settings_link_status::no_template;
    return result;
  }
  try {
    const auto folder = safe_path::make_folders(project_root, detail::settings_folder, 0755);
    return detail::examine_and_link(folder, result.target, result);
  } catch (const okstra::error& e) {
    // The prepare itself succeeded; a link it could not make is reported, not fatal.
    result.status = settings_link_status::failed;
    result.found = e.what();
    return result;
  }
}

}  // namespace okstra::prepare
