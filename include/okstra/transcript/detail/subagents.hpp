// Subagent files of a session, for okstra/transcript/events.hpp (include that
// header instead).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/json.hpp"
#include "okstra/transcript/events.hpp"

namespace okstra::transcript {

OKSTRA_INLINE std::filesystem::path subagents_dir(const std::filesystem::path& session) {
  std::string name = session.filename().string();
  if (name.size() > 6 && name.ends_with(".jsonl")) name.resize(name.size() - 6);
  return session.parent_path() / name / "subagents";
}

OKSTRA_INLINE std::filesystem::path subagent_transcript(const std::filesystem::path& session, std::string_view agent_id) {
  return subagents_dir(session) / ("agent-" + std::string(agent_id) + ".jsonl");
}

OKSTRA_INLINE std::vector<subagent_file> list_subagents(const std::filesystem::path& session, std::vector<diagnostic>& out) {
  std::vector<subagent_file> found;
  std::error_code ec;
  const std::filesystem::path dir = subagents_dir(session);
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("agent-") || !name.ends_with(".jsonl") || name.size() <= 12) continue;
    std::error_code type_ec;
    if (!entry.is_regular_file(type_ec)) continue;
    subagent_file f;
    f.agent_id = name.substr(6, name.size() - 12);
    f.transcript = entry.path();
    f.meta = dir / ("agent-" + f.agent_id + ".meta.json");
    found.push_back(std::move(f));
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.agent_id < b.agent_id; });
  for (auto& f : found) {
    std::error_code meta_ec;
    if (!std::filesystem::exists(f.meta, meta_ec)) continue;
    if (!std::filesystem::is_regular_file(f.meta, meta_ec)) {
      out.push_back({f.meta.string(), 0, "unusable subagent meta file: not a regular file"});
      continue;
    }
    try {
      const json::document meta = json::read_file(f.meta, std::size_t{1} << 20);
      f.agent_type = std::string(json::get_string(meta, "agentType").value_or(""));
      f.description = std::string(json::get_string(meta, "description").value_or(""));
    } catch (const okstra::error& e) {
      out.push_back({f.meta.string(), 0, std::string("unusable subagent meta file: ") + e.what()});
    }
  }
  return found;
}

}  // namespace okstra::transcript
