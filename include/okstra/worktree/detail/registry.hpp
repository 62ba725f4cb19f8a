// The worktree registry file behind okstra/worktree/worktree.hpp.
// Include that header instead.
#pragma once

#include <cerrno>
#include <climits>

#include <sys/stat.h>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"

namespace okstra::worktree {

inline std::string_view to_string(entry_status status) {
  switch (status) {
    case entry_status::active: return "active";
    case entry_status::completed: return "completed";
    case entry_status::released: return "released";
  }
  return "active";
}

inline std::optional<entry_status> parse_status(std::string_view text) {
  for (const auto s : {entry_status::active, entry_status::completed, entry_status::released})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

inline std::string row_key(const dirs::task_key& key, std::optional<int> stage) {
  std::string row = dirs::escaped_key(key);
  if (stage) row += "#stage-" + std::to_string(*stage);
  return row;
}

namespace detail {

inline error corrupt_registry(std::string_view source, const std::string& why) {
  return input_error(quoted("corrupt worktree registry", source) + ": " + why,
                     "repair or move the file aside by hand; okstra never resets it");
}

inline std::string required_text(const json::value& object, std::string_view field, std::string_view row,
                                 std::string_view source) {
  const auto text = json::get_string(object, field);
  if (!text) throw corrupt_registry(source, "entry \"" + std::string(row) + "\" needs string field \"" +
                                                std::string(field) + "\"");
  return std::string(*text);
}

inline entry parse_entry(const json::value& object, std::string_view row, std::string_view source) {
  if (!object.IsObject()) throw corrupt_registry(source, "entry \"" + std::string(row) + "\" is not an object");
  const auto text = [&](std::string_view field) { return required_text(object, field, row, source); };
  entry e;
  e.project_id = text("projectId");
  e.task_group = text("taskGroup");
  e.task_id = text("taskId");
  if (const json::value* stage = json::find(object, "stage")) {
    if (!stage->IsInt64() || stage->GetInt64() < 1 || stage->GetInt64() > INT_MAX)
      throw corrupt_registry(source, "entry \"" + std::string(row) + "\" has a bad \"stage\"");
    e.stage = static_cast<int>(stage->GetInt64());
  }
  e.project_root = text("projectRoot");
  e.path = text("path");
  e.branch = text("branch");
  e.base_ref = text("baseRef");
  e.base_commit = text("baseCommit");
  const auto status = parse_status(text("status"));
  if (!status) throw corrupt_registry(source, "entry \"" + std::string(row) + "\" has an unknown \"status\"");
  e.status = *status;
  e.created_at = text("createdAt");
  e.updated_at = text("updatedAt");
  // The row key is derived from the fields; a row filed under another key
  // would let two keys share a row, so it is corrupt.
  std::string expected;
  try {
    expected = row_key(dirs::make_task_key(e.project_id, e.task_group, e.task_id), e.stage);
  } catch (const okstra::error& bad_key) {
    throw corrupt_registry(source, "entry \"" + std::string(row) + "\": " + bad_key.what());
  }
  if (expected != row) throw corrupt_registry(source, "entry \"" + std::string(row) + "\" is filed under the wrong key");
  return e;
}

}  // namespace detail

inline registry parse_registry(std::string_view text, std::string_view source) {
  const json::document doc = json::parse(text, source);
  if (!doc.IsObject()) throw detail::corrupt_registry(source, "not a JSON object");
  const auto version = json::get_int(doc, "version");
  if (!version || *version != registry_version)
    throw detail::corrupt_registry(source, "\"version\" must be " + std::to_string(registry_version));
  const json::value* entries = json::find(doc, "entries");
  const json::value* branches = json::find(doc, "branches");
  if (!entries || !entries->IsObject()) throw detail::corrupt_registry(source, "\"entries\" must be an object");
  if (!branches || !branches->IsObject()) throw detail::corrupt_registry(source, "\"branches\" must be an object");
  registry reg;
  for (const auto& m : entries->GetObject()) {
    const std::string row(json::as_string_view(m.name));
    if (!reg.entries.emplace(row, detail::parse_entry(m.value, row, source)).second)
      throw detail::corrupt_registry(source, "entry \"" + row + "\" appears twice");
  }
  for (const auto& m : branches->GetObject()) {
    const std::string branch(json::as_string_view(m.name));
    const auto owner = json::as_string_view(m.value);
    const auto it = reg.entries.find(std::string(owner));
    if (!m.value.IsString() || it == reg.entries.end() || it->second.branch != branch)
      throw detail::corrupt_registry(source, "branch \"" + branch + "\" does not name the entry that uses it");
    reg.branches.emplace(branch, std::string(owner));
  }
  for (const auto& [row, e] : reg.entries) {
    const auto it = reg.branches.find(e.branch);
    if (it == reg.branches.end() || it->second != row)
      throw detail::corrupt_registry(source, "entry \"" + row + "\" is missing from \"branches\"");
  }
  return reg;
}

namespace detail {
inline void write_entry(json::writer& w, const entry& e) {
  w.field("projectId", e.project_id).field("taskGroup", e.task_group).field("taskId", e.task_id);
  if (e.stage) w.field("stage", *e.stage);
  w.field("projectRoot", e.project_root).field("path", e.path).field("branch", e.branch);
  w.field("baseRef", e.base_ref).field("baseCommit", e.base_commit).field("status", to_string(e.status));
  w.field("createdAt", e.created_at).field("updatedAt", e.updated_at);
}
}  // namespace detail

inline std::string registry_json(const registry& reg) {
  json::writer w(true);
  w.begin_object().field("version", registry_version).key("entries").begin_object();
  for (const auto& [row, e] : reg.entries) {
    w.key(row).begin_object();
    detail::write_entry(w, e);
    w.end_object();
  }
  w.end_object().key("branches").begin_object();
  for (const auto& [branch, row] : reg.branches) w.field(branch, row);
  w.end_object().end_object();
  return std::move(w).str() + "\n";
}

inline registry read_registry(const dirs::home_layout& home) {
  const stdfs::path file = home.registry_json();
  struct stat st{};
  if (::lstat(file.c_str(), &st) != 0 && errno == ENOENT) return {};
  return parse_registry(fs::read_file(file, std::size_t{64} << 20), file.string());
}

template <class Mutate>
void update_registry(const dirs::home_layout& home, const locks::wait_policy& policy, Mutate&& mutate) {
  auto held = locks::registry_lock(home, policy);
  registry reg = read_registry(home);
  if (mutate(reg)) fs::write_file_atomic(home.registry_json(), registry_json(reg), 0600);
}

inline std::vector<std::pair<std::string, entry>> entries_of(const registry& reg, const dirs::task_key& key) {
  std::vector<std::pair<std::string, entry>> rows;
  for (const auto& [row, e] : reg.entries)
    if (e.key() == key) rows.emplace_back(row, e);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.stage.value_or(0) < b.second.stage.value_or(0); });
  return rows;
}

// Puts `e` under `row`, keeping "branches" in step (an old branch of the row
// is released).
inline void put_entry(registry& reg, const std::string& row, const entry& e) {
  if (const auto old = reg.entries.find(row); old != reg.entries.end()) reg.branches.erase(old->second.branch);
  reg.entries[row] = e;
  reg.branches[e.branch] = row;
}

inline void erase_entry(registry& reg, const std::string& row) {
  const auto it = reg.entries.find(row);
  if (it == reg.entries.end()) return;
  if (const auto b = reg.branches.find(it->second.branch); b != reg.branches.end() && b->second == row)
    reg.branches.erase(b);
  reg.entries.erase(it);
}

}  // namespace okstra::worktree
