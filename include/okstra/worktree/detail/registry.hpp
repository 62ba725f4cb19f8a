// The worktree registry file behind okstra/worktree/worktree.hpp.
// Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <cerrno>
#include <climits>
#include <cstdint>

#include <sys/stat.h>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"

namespace okstra::worktree {

OKSTRA_INLINE std::string_view to_string(entry_status status) {
  switch (status) {
    case entry_status::active: return "active";
    case entry_status::completed: return "completed";
    case entry_status::released: return "released";
    case entry_status::provisioning: return "provisioning";
    case entry_status::removing: return "removing";
    case entry_status::kept: return "kept";
  }
  return "active";
}

OKSTRA_INLINE std::optional<entry_status> parse_status(std::string_view text) {
  for (const auto s : {entry_status::active, entry_status::completed, entry_status::released,
                       entry_status::provisioning, entry_status::removing, entry_status::kept})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

OKSTRA_INLINE const std::string* branch_owner(const registry& reg, const std::string& repo, const std::string& branch) {
  const auto in_repo = reg.branches.find(repo);
  if (in_repo == reg.branches.end()) return nullptr;
  const auto it = in_repo->second.find(branch);
  return it == in_repo->second.end() ? nullptr : &it->second;
}

OKSTRA_INLINE std::string row_key(const dirs::task_key& key, std::optional<int> stage) {
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

inline bool pending(entry_status s) { return s == entry_status::provisioning || s == entry_status::removing; }

inline worktree::intent parse_intent(const json::value& object, std::string_view row, std::string_view source) {
  const auto bad = [&](const char* why) {
    return corrupt_registry(source, "entry \"" + std::string(row) + "\" has " + why);
  };
  if (!object.IsObject()) throw bad("an \"intent\" that is not an object");
  worktree::intent in;
  const json::value* pid = json::find(object, "pid");
  const json::value* start = json::find(object, "processStart");
  if (!pid || !pid->IsInt64() || pid->GetInt64() < 1 || pid->GetInt64() > INT_MAX) throw bad("a bad intent \"pid\"");
  if (!start || !start->IsUint64()) throw bad("a bad intent \"processStart\"");
  in.pid = static_cast<long>(pid->GetInt64());
  in.process_start = start->GetUint64();
  in.since = required_text(object, "since", row, source);
  for (const auto& [field, target] : {std::pair{"createdBranch", &in.created_branch}, {"deleteBranch", &in.delete_branch}}) {
    const json::value* flag = json::find(object, field);
    if (flag && !flag->IsBool()) throw bad("a bad intent flag");
    *target = flag && flag->GetBool();
  }
  if (const json::value* prev = json::find(object, "previousStatus")) {
    const auto status = prev->IsString() ? parse_status(json::as_string_view(*prev)) : std::nullopt;
    if (!status || pending(*status)) throw bad("a bad intent \"previousStatus\"");
    in.previous_status = status;
  }
  return in;
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
  // A pending status and its intent come together (docs/worktrees.md, "Crash safety").
  const json::value* in = json::find(object, "intent");
  if (pending(e.status) != (in != nullptr))
    throw corrupt_registry(source, "entry \"" + std::string(row) + "\" has an \"intent\" exactly when it is " +
                                       "provisioning or removing");
  if (in) e.intent = parse_intent(*in, row, source);
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

namespace detail {

// Version 1: {"<branch>": "<row>"}; version 2: {"<repo>": {"<branch>": "<row>"}}.
inline void parse_branches(const json::value& branches, int version, registry& reg, std::string_view source) {
  const auto own = [&](const std::string& branch, const json::value& owner, const std::string* repo) {
    const auto it = owner.IsString() ? reg.entries.find(std::string(json::as_string_view(owner))) : reg.entries.end();
    if (it == reg.entries.end() || it->second.branch != branch || (repo && it->second.project_root != *repo))
      throw corrupt_registry(source, "branch \"" + branch + "\" does not name the entry that uses it");
    if (!reg.branches[it->second.project_root].emplace(branch, it->first).second)
      throw corrupt_registry(source, "branch \"" + branch + "\" appears twice");
  };
  for (const auto& m : branches.GetObject()) {
    const std::string name(json::as_string_view(m.name));
    if (version == 1) {
      own(name, m.value, nullptr);
      continue;
    }
    if (!m.value.IsObject()) throw corrupt_registry(source, "branches of \"" + name + "\" must be an object");
    for (const auto& b : m.value.GetObject()) own(std::string(json::as_string_view(b.name)), b.value, &name);
  }
}

}  // namespace detail

OKSTRA_INLINE registry parse_registry(std::string_view text, std::string_view source) {
  const json::document doc = json::parse(text, source);
  if (!doc.IsObject()) throw detail::corrupt_registry(source, "not a JSON object");
  const auto version = json::get_int(doc, "version");
  if (!version || (*version != 1 && *version != registry_version))
    throw detail::corrupt_registry(source, "\"version\" must be 1 or " + std::to_string(registry_version));
  const json::value* entries = json::find(doc, "entries");
  const json::value* branches = json::find(doc, "branches");
  if (!entries || !entries->IsObject()) throw detail::corrupt_registry(source, "\"entries\" must be an object");
  if (!branches || !branches->IsObject()) throw detail::corrupt_registry(source, "\"branches\" must be an object");
  registry reg;
  for (const auto& m : entries->GetObject()) {
    const std::string row(json::as_string_view(m.name));
    entry e = detail::parse_entry(m.value, row, source);
    if (*version == 1 && (e.intent || e.status == entry_status::kept))
      throw detail::corrupt_registry(source, "entry \"" + row + "\" has a status version 1 does not know");
    if (!reg.entries.emplace(row, std::move(e)).second)
      throw detail::corrupt_registry(source, "entry \"" + row + "\" appears twice");
  }
  detail::parse_branches(*branches, static_cast<int>(*version), reg, source);
  for (const auto& [row, e] : reg.entries) {
    const std::string* owner = branch_owner(reg, e.project_root, e.branch);
    if (!owner || *owner != row)
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
  if (!e.intent) return;
  const intent& in = *e.intent;
  w.key("intent").begin_object().field("pid", static_cast<std::int64_t>(in.pid));
  w.field("processStart", static_cast<std::uint64_t>(in.process_start)).field("since", in.since);
  if (e.status == entry_status::provisioning) {
    w.field("createdBranch", in.created_branch);
    if (in.previous_status) w.field("previousStatus", to_string(*in.previous_status));
  } else {
    w.field("deleteBranch", in.delete_branch);
  }
  w.end_object();
}
}  // namespace detail

OKSTRA_INLINE std::string registry_json(const registry& reg) {
  json::writer w(true);
  w.begin_object().field("version", registry_version).key("entries").begin_object();
  for (const auto& [row, e] : reg.entries) {
    w.key(row).begin_object();
    detail::write_entry(w, e);
    w.end_object();
  }
  w.end_object().key("branches").begin_object();
  for (const auto& [repo, owned] : reg.branches) {
    if (owned.empty()) continue;
    w.key(repo).begin_object();
    for (const auto& [branch, row] : owned) w.field(branch, row);
    w.end_object();
  }
  w.end_object().end_object();
  return std::move(w).str() + "\n";
}

OKSTRA_INLINE registry read_registry(const dirs::home_layout& home) {
  const stdfs::path file = home.registry_json();
  struct stat st{};
  if (::lstat(file.c_str(), &st) != 0 && errno == ENOENT) return {};
  return parse_registry(fs::read_file(file, std::size_t{64} << 20), file.string());
}

OKSTRA_INLINE std::vector<std::pair<std::string, entry>> entries_of(const registry& reg, const dirs::task_key& key) {
  std::vector<std::pair<std::string, entry>> rows;
  for (const auto& [row, e] : reg.entries)
    if (e.key() == key) rows.emplace_back(row, e);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.stage.value_or(0) < b.second.stage.value_or(0); });
  return rows;
}

// Puts `e` under `row`, keeping "branches" in step (an old branch of the row
// is released).
namespace detail {
inline void release_branch(registry& reg, const std::string& row, const entry& e) {
  const auto in_repo = reg.branches.find(e.project_root);
  if (in_repo == reg.branches.end()) return;
  if (const auto b = in_repo->second.find(e.branch); b != in_repo->second.end() && b->second == row)
    in_repo->second.erase(b);
  if (in_repo->second.empty()) reg.branches.erase(in_repo);
}
}  // namespace detail

inline void put_entry(registry& reg, const std::string& row, const entry& e) {
  if (const auto old = reg.entries.find(row); old != reg.entries.end()) detail::release_branch(reg, row, old->second);
  reg.entries[row] = e;
  reg.branches[e.project_root][e.branch] = row;
}

inline void erase_entry(registry& reg, const std::string& row) {
  const auto it = reg.entries.find(row);
  if (it == reg.entries.end()) return;
  detail::release_branch(reg, row, it->second);
  reg.entries.erase(it);
}

}  // namespace okstra::worktree
