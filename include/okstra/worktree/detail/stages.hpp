// Stage maps and automatic stage selection behind okstra/worktree/worktree.hpp.
// Include that header instead. Pure except read_stage_map (reads one file).
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>
#include <climits>
#include <set>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"

namespace okstra::worktree {

OKSTRA_INLINE const stage_spec* stage_map::find(int n) const {
  for (const auto& s : stages)
    if (s.n == n) return &s;
  return nullptr;
}

namespace detail {

inline error bad_stage_map(std::string_view source, const std::string& why) {
  return input_error(quoted("malformed stage map", source) + ": " + why);
}

inline int stage_number(const json::value& v, std::string_view source, const std::string& where) {
  if (!v.IsInt64() || v.GetInt64() < 1 || v.GetInt64() > 9999)
    throw bad_stage_map(source, where + " must be an integer from 1 to 9999");
  return static_cast<int>(v.GetInt64());
}

}  // namespace detail

OKSTRA_INLINE stage_map parse_stage_map(std::string_view text, std::string_view source) {
  const json::document doc = json::parse(text, source);
  json::require_object(doc, source);
  const json::value* stages = json::find(doc, "stages");
  if (!stages || stages->IsNull()) return stage_map::single();
  if (!stages->IsArray()) throw detail::bad_stage_map(source, "\"stages\" must be an array");
  if (stages->Empty()) return stage_map::single();
  stage_map map;
  std::set<int> seen;
  for (const auto& item : stages->GetArray()) {
    if (!item.IsObject()) throw detail::bad_stage_map(source, "every stage must be an object");
    const json::value* n = json::find(item, "n");
    if (!n) throw detail::bad_stage_map(source, "a stage has no \"n\"");
    stage_spec spec{detail::stage_number(*n, source, "\"n\""), {}};
    if (!seen.insert(spec.n).second)
      throw detail::bad_stage_map(source, "stage " + std::to_string(spec.n) + " appears twice");
    if (const json::value* deps = json::find(item, "dependsOn"); deps && !deps->IsNull()) {
      if (!deps->IsArray()) throw detail::bad_stage_map(source, "\"dependsOn\" must be an array");
      for (const auto& d : deps->GetArray())
        spec.depends_on.push_back(detail::stage_number(d, source, "a \"dependsOn\" entry"));
    }
    map.stages.push_back(std::move(spec));
  }
  std::sort(map.stages.begin(), map.stages.end(), [](const auto& a, const auto& b) { return a.n < b.n; });
  // Dependencies point at earlier, existing stages: no cycle is possible.
  for (auto& spec : map.stages) {
    std::sort(spec.depends_on.begin(), spec.depends_on.end());
    spec.depends_on.erase(std::unique(spec.depends_on.begin(), spec.depends_on.end()), spec.depends_on.end());
    for (const int d : spec.depends_on)
      if (d >= spec.n || !seen.count(d))
        throw detail::bad_stage_map(source, "stage " + std::to_string(spec.n) + " depends on stage " +
                                                std::to_string(d) + ", which is not an earlier stage of the map");
  }
  return map;
}

OKSTRA_INLINE stage_map read_stage_map(const stdfs::path& data_json) {
  return parse_stage_map(fs::read_file(data_json, std::size_t{16} << 20), data_json.string());
}

namespace detail {
inline std::optional<entry_status> stage_status(const registry& reg, const dirs::task_key& key, int n) {
  const auto it = reg.entries.find(row_key(key, n));
  if (it == reg.entries.end()) return std::nullopt;
  return it->second.status;
}
}  // namespace detail

OKSTRA_INLINE std::optional<int> pick_ready_stage(const stage_map& map, const registry& reg, const dirs::task_key& key) {
  for (const auto& spec : map.stages) {
    const auto own = detail::stage_status(reg, key, spec.n);
    // released and kept rows (and absent ones) may be picked; a pending
    // intent is settled before selection, so none is seen here by prepare.
    if (own && *own != entry_status::released && *own != entry_status::kept) continue;
    const bool ready = std::all_of(spec.depends_on.begin(), spec.depends_on.end(), [&](int d) {
      return detail::stage_status(reg, key, d) == entry_status::completed;
    });
    if (ready) return spec.n;
  }
  return std::nullopt;
}

}  // namespace okstra::worktree
