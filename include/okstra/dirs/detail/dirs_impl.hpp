// Definitions for okstra/dirs/dirs.hpp. Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "okstra/core/text.hpp"
#include "okstra/core/sha256.hpp"
#include "okstra/core/utf8.hpp"

namespace okstra::dirs {

namespace detail {
inline bool is_safe_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// The folders a list variable names (docs/dirs.md, "Agent roots"); none when
// it is unset or names nothing, so the caller uses the defaults.
inline std::vector<stdfs::path> listed_in(const char* variable) {
  std::vector<stdfs::path> out;
  const char* value = std::getenv(variable);
  for (const std::string_view item : text::split_list(value ? value : "", ','))
    out.emplace_back(std::string(item));
  return out;
}

inline bool is_folder(const stdfs::path& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
}  // namespace detail

OKSTRA_INLINE stdfs::path user_home() {
  if (const char* env = std::getenv("HOME"); env && *env) return env;
  struct passwd pw{}, *found = nullptr;
  char buf[4096];
  if (::getpwuid_r(::getuid(), &pw, buf, sizeof buf, &found) == 0 && found && found->pw_dir && *found->pw_dir)
    return found->pw_dir;
  throw input_error("cannot find the home folder 'HOME'", "set HOME (or OKSTRA_HOME and the agents' folders)");
}

OKSTRA_INLINE stdfs::path okstra_home() {
  const char* env = std::getenv("OKSTRA_HOME");
  const std::string_view trimmed = text::trim(env ? env : "");
  if (trimmed.empty()) return user_home() / ".okstra";
  return stdfs::absolute(stdfs::path(std::string(trimmed))).lexically_normal();
}

// The home folder is only asked for when a default is needed, so a user who
// names every root works without one.
OKSTRA_INLINE agent_roots claude_roots() {
  if (auto named = detail::listed_in("CLAUDE_CONFIG_DIR"); !named.empty()) return {std::move(named), true};
  const stdfs::path home = user_home();
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  return {{(xdg && *xdg ? stdfs::path(xdg) : home / ".config") / "claude", home / ".claude"}, false};
}

OKSTRA_INLINE agent_roots codex_roots() {
  if (auto named = detail::listed_in("CODEX_HOME"); !named.empty()) return {std::move(named), true};
  return {{user_home() / ".codex"}, false};
}

OKSTRA_INLINE agent_roots gemini_roots() {
  if (auto named = detail::listed_in("GEMINI_DIR"); !named.empty()) return {std::move(named), true};
  return {{user_home() / ".gemini"}, false};
}

OKSTRA_INLINE std::optional<stdfs::path> data_dir() {
  std::error_code ec;
  const stdfs::path exe = stdfs::read_symlink("/proc/self/exe", ec);
  if (ec || !exe.has_parent_path()) return std::nullopt;
  for (const stdfs::path& candidate : {exe.parent_path() / ".." / "share" / "okstra", exe.parent_path() / "share" / "okstra"})
    if (detail::is_folder(candidate)) return candidate.lexically_normal();
  return std::nullopt;
}

OKSTRA_INLINE stdfs::path home_layout::project_mirror(std::string_view project_id) const {
  return projects_dir() / (safe_segment(project_id) + ".json");
}

// ---- task keys --------------------------------------------------------------

OKSTRA_INLINE void validate_segment(std::string_view segment, std::string_view role, std::string_view whole_key) {
  const auto fail = [&](std::string rule) {
    return usage_error(quoted("invalid task key", whole_key) + ": " + std::string(role) + " " + rule);
  };
  if (segment.empty()) throw fail("is empty");
  if (segment.size() > max_segment_bytes)
    throw fail("is longer than " + std::to_string(max_segment_bytes) + " bytes");
  if (segment == "." || segment == "..") throw fail("must not be '.' or '..'");
  if (!utf8::is_valid(segment)) throw fail("is not valid UTF-8");
  for (std::size_t i = 0; i < segment.size();) {
    const char32_t cp = utf8::next(segment, i);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) throw fail("contains a control character");
    if (cp == '/') throw fail("contains '/'");
  }
}

OKSTRA_INLINE task_key make_task_key(std::string_view project_id, std::string_view task_group, std::string_view task_id) {
  const std::string whole = std::string(project_id) + "/" + std::string(task_group) + "/" + std::string(task_id);
  validate_segment(project_id, "project id", whole);
  validate_segment(task_group, "task group", whole);
  validate_segment(task_id, "task id", whole);
  return {std::string(project_id), std::string(task_group), std::string(task_id)};
}

OKSTRA_INLINE task_key parse_task_key(std::string_view text) {
  const char separator = text.find('/') != std::string_view::npos ? '/' : ':';
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != 3)
    throw usage_error(quoted("invalid task key", text) + ": expected <projectId>/<taskGroup>/<taskId> or a:b:c");
  validate_segment(parts[0], "project id", text);
  validate_segment(parts[1], "task group", text);
  validate_segment(parts[2], "task id", text);
  return {std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
}

OKSTRA_INLINE std::string safe_segment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size();) {
    const std::size_t start = i;
    utf8::next(segment, i);
    out += (i - start == 1 && detail::is_safe_char(segment[start])) ? segment[start] : '-';
  }
  return out;
}

OKSTRA_INLINE std::string escape_segment(std::string_view segment) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(segment.size());
  for (const char c : segment) {
    if (detail::is_safe_char(c)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.append({'%', hex[b >> 4], hex[b & 0xF]});
    }
  }
  return out;
}

OKSTRA_INLINE std::string escaped_key(const task_key& key) {
  // '+' never survives escape_segment, so the join is unambiguous.
  std::string joined =
      escape_segment(key.project_id) + "+" + escape_segment(key.task_group) + "+" + escape_segment(key.task_id);
  // Leave room in a 255-byte file name for a prefix and a task type suffix.
  if (joined.size() <= 160) return joined;
  return "sha256-" + sha256_hex(key.str());
}

// The seed's lock names (docs/dirs.md, "Lock names"). A safe segment never
// holds '%', so "%2D" cannot be mistaken for anything else, and a segment
// without '-' (the common case) is left as it is, byte for byte the seed's.
OKSTRA_INLINE std::string lock_segment(std::string_view safe) {
  std::string out;
  out.reserve(safe.size());
  for (const char c : safe) {
    if (c == '-') out += "%2D";
    else out += c;
  }
  return out;
}

OKSTRA_INLINE std::string lock_key(const task_key& key) {
  std::string joined = lock_segment(safe_segment(key.project_id)) + "-" + lock_segment(safe_segment(key.task_group)) +
                       "-" + lock_segment(safe_segment(key.task_id));
  // As escaped_key: room in a 255-byte file name for a prefix and a task type.
  if (joined.size() <= 160) return joined;
  return "sha256-" + sha256_hex(joined);
}

OKSTRA_INLINE bool safe_segments_collide(const task_key& a, const task_key& b) {
  return !(a == b) && safe_segment(a.project_id) == safe_segment(b.project_id) &&
         safe_segment(a.task_group) == safe_segment(b.task_group) &&
         safe_segment(a.task_id) == safe_segment(b.task_id);
}

OKSTRA_INLINE std::optional<task_key> find_safe_collision(const task_key& key, const std::vector<task_key>& known) {
  for (const auto& other : known)
    if (safe_segments_collide(key, other)) return other;
  return std::nullopt;
}

// ---- task types -------------------------------------------------------------

OKSTRA_INLINE bool is_task_type(std::string_view type) {
  return std::find(std::begin(task_types), std::end(task_types), type) != std::end(task_types);
}

OKSTRA_INLINE void validate_task_type(std::string_view type) {
  if (is_task_type(type)) return;
  std::string known;
  for (const auto t : task_types) known.append(known.empty() ? "" : ", ").append(t);
  throw usage_error(quoted("unknown task type", type), "task types: " + known);
}

OKSTRA_INLINE bool is_stage_scoped(std::string_view type) {
  return type == "implementation" || type == "final-verification";
}

// ---- project layout ---------------------------------------------------------

OKSTRA_INLINE layout detect_layout(const stdfs::path& project_root) {
  struct stat st{};
  const auto is_dir = [&](const stdfs::path& p) { return ::lstat(p.c_str(), &st) == 0 && !S_ISREG(st.st_mode); };
  const bool current = is_dir(project_layout::current(project_root).okstra_dir);
  const bool legacy = is_dir(project_layout::legacy(project_root).okstra_dir);
  if (current && legacy) return layout::both;
  if (current) return layout::current;
  if (legacy) return layout::legacy;
  return layout::none;
}

OKSTRA_INLINE stdfs::path task_paths::run_dir(std::string_view task_type, std::optional<int> stage) const {
  stdfs::path dir = runs_dir() / std::string(task_type);
  if (stage) dir /= "stage-" + std::to_string(*stage);
  return dir;
}

OKSTRA_INLINE std::string report_name(std::string_view task_type, int seq) {
  if (seq < 1 || seq > 999) throw input_error(quoted("report sequence out of range", std::to_string(seq)));
  char digits[8];
  std::snprintf(digits, sizeof digits, "%03d", seq);
  return "final-report-" + std::string(task_type) + "-" + digits + ".md";
}

OKSTRA_INLINE stdfs::path worktree_path(const home_layout& home, const task_key& key) {
  return home.worktrees_dir() / safe_segment(key.project_id) / safe_segment(key.task_group) /
         safe_segment(key.task_id);
}

}  // namespace okstra::dirs
