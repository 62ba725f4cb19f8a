// Claude Code: the order-independent, cross-file merge of per-file results
// into normalised records (rules at the top of claude.hpp).
#pragma once

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace okstra::token_usage::claude {

struct file_input {
  std::string path;
  const file_result* result = nullptr;
  bool subagent_file = false;  // <session>/subagents/agent-<id>.jsonl
  std::string agent_type;      // from agent-<id>.meta.json, if any
};

// okstra's roles from an agent team member name or a subagent type.
inline agent classify_agent(std::string_view name) noexcept {
  if (name.find("report-writer") != std::string_view::npos) return agent::report_writer;
  if (name.find("codex") != std::string_view::npos) return agent::codex_worker;
  if (name.find("gemini") != std::string_view::npos) return agent::gemini_worker;
  if (name.find("claude") != std::string_view::npos && name.find("worker") != std::string_view::npos)
    return agent::claude_worker;
  return agent::other;
}

namespace detail_impl {

struct identity {
  std::string_view message_id, request_id;
  friend bool operator==(const identity&, const identity&) = default;
};
struct identity_hash {
  std::size_t operator()(const identity& k) const noexcept {
    return static_cast<std::size_t>(fnv(k.request_id, fnv(k.message_id) ^ 0x9E37));
  }
};

struct pick {
  std::uint32_t file;
  std::uint32_t index;
};

}  // namespace detail_impl

inline agent role_of(const file_input& f, const entry& e) {
  if (e.agent_name.len) {
    const agent a = classify_agent(f.result->str(e.agent_name));
    if (a != agent::other) return a;
  }
  if (f.subagent_file) return classify_agent(f.agent_type);
  return e.sidechain ? agent::other : agent::lead;
}

// Merges per-file results (several parts of one file share its path); the
// output is sorted by time, then file path, then offset.
inline std::vector<record> merge(std::vector<file_input> files) {
  using detail_impl::identity;
  std::sort(files.begin(), files.end(), [](const file_input& a, const file_input& b) { return a.path < b.path; });

  std::size_t total_entries = 0;
  for (const auto& f : files) total_entries += f.result->entries.size();
  std::unordered_set<std::string_view> main_ids;  // message ids seen outside a sidechain
  main_ids.reserve(total_entries);
  for (const auto& f : files)
    for (const auto& e : f.result->entries)
      if (!e.sidechain && e.message_id.len) main_ids.insert(f.result->str(e.message_id));

  std::unordered_map<identity, detail_impl::pick, detail_impl::identity_hash> best;
  best.reserve(total_entries);
  std::vector<detail_impl::pick> picks;
  for (std::uint32_t fi = 0; fi < files.size(); ++fi) {
    const file_result& r = *files[fi].result;
    for (std::uint32_t ei = 0; ei < r.entries.size(); ++ei) {
      const entry& e = r.entries[ei];
      if (e.message_id.len == 0) {
        picks.push_back({fi, ei});
        continue;
      }
      if (e.sidechain && main_ids.count(r.str(e.message_id))) continue;  // a replay
      const identity key{r.str(e.message_id), r.str(e.request_id)};
      auto [it, inserted] = best.emplace(key, detail_impl::pick{fi, ei});
      if (inserted) continue;
      const file_input& old_file = files[it->second.file];
      const entry& old = old_file.result->entries[it->second.index];
      // Ties go to the smallest (path, offset): independent of reading order.
      const bool wins = e.usage.total() != old.usage.total()     ? e.usage.total() > old.usage.total()
                        : e.usage.output != old.usage.output     ? e.usage.output > old.usage.output
                        : files[fi].path != old_file.path        ? files[fi].path < old_file.path
                                                                 : e.offset < old.offset;
      if (wins) it->second = {fi, ei};
    }
  }
  for (const auto& kv : best) picks.push_back(kv.second);
  std::sort(picks.begin(), picks.end(), [&](const auto& a, const auto& b) {
    const entry& x = files[a.file].result->entries[a.index];
    const entry& y = files[b.file].result->entries[b.index];
    if (x.timestamp_ms != y.timestamp_ms) return x.timestamp_ms < y.timestamp_ms;
    if (files[a.file].path != files[b.file].path) return files[a.file].path < files[b.file].path;
    return x.offset < y.offset;
  });

  // Interning takes a lock and hashes the text; most fields repeat within a
  // file, so intern each (file, blob offset) once.
  std::unordered_map<std::uint64_t, istr> interned;
  const auto field = [&](std::uint32_t file, sref r) -> istr {
    if (r.len == 0) return {};
    const std::uint64_t key = (static_cast<std::uint64_t>(file) << 32) | r.off;
    auto it = interned.find(key);
    if (it == interned.end()) it = interned.emplace(key, istr(files[file].result->str(r))).first;
    return it->second;
  };
  std::vector<record> out;
  out.reserve(picks.size());
  for (const auto& p : picks) {
    const file_input& f = files[p.file];
    const entry& e = f.result->entries[p.index];
    record rec;
    rec.src = source::claude;
    rec.who = role_of(f, e);
    rec.timestamp_ms = e.timestamp_ms;
    rec.usage = e.usage;
    rec.session_id = field(p.file, e.session);
    rec.model = field(p.file, e.model);
    rec.project = field(p.file, e.project);
    rec.team_name = field(p.file, e.team);
    rec.agent_name = field(p.file, e.agent_name);
    rec.agent_id = field(p.file, e.agent_id);
    out.push_back(rec);
  }
  return out;
}

}  // namespace okstra::token_usage::claude
