// Definitions for okstra/token_usage/exchange.hpp. Include that header.
// The line format and the merge rule: docs/usage-exchange.md.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/jsonl.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/detail/cache_store.hpp"
#include "okstra/token_usage/token_usage.hpp"

namespace okstra::token_usage {

namespace detail::exchange {

inline std::string hex(std::uint64_t v, int digits = 16) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

inline bool parse_hex64(std::string_view s, std::uint64_t& out) {
  if (s.size() != 16) return false;
  std::uint64_t v = 0;
  for (const char c : s) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  out = v;
  return true;
}

inline bool is_machine_id(std::string_view s) {
  if (s.size() != 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

template <class Enum, class Name, std::size_t N>
bool enum_of(std::string_view text, const Enum (&all)[N], Name name, Enum& out) {
  for (const auto e : all)
    if (name(e) == text) return out = e, true;
  return false;
}

inline constexpr source sources[] = {source::claude, source::codex, source::gemini, source::cursor};
inline constexpr agent agents[] = {agent::lead,          agent::claude_worker, agent::codex_worker,
                                   agent::gemini_worker, agent::report_writer, agent::other};
inline constexpr service_tier tiers[] = {service_tier::standard, service_tier::fast, service_tier::priority,
                                         service_tier::flex};

inline bool count_at(const json::value& o, std::string_view key, std::uint64_t& out) {
  const auto v = json::get_int(o, key);
  if (!v || *v < 0) return false;
  out = static_cast<std::uint64_t>(*v);
  return true;
}

// One line into `out`; false when it is not a version-1 record.
inline bool read_line(std::string_view line, imported_record& out) {
  json::document doc;
  if (!jsonl::parse_object(line, "export", doc)) return false;
  if (json::get_int(doc, "v").value_or(0) != export_format_version) return false;
  const auto machine = json::get_string(doc, "machine");
  const auto identity = json::get_string(doc, "identity");
  const auto at = json::get_int(doc, "timestampMs");
  if (!machine || !is_machine_id(*machine) || !identity || !parse_hex64(*identity, out.identity) || !at) return false;
  out.machine = std::string(*machine);
  out.archived = json::get_bool(doc, "archived").value_or(false);
  record& r = out.rec;
  if (!enum_of(json::get_string(doc, "source").value_or(""), sources, source_name, r.src)) return false;
  if (!enum_of(json::get_string(doc, "tier").value_or("standard"), tiers, service_tier_name, r.tier)) return false;
  // An agent kind this version does not know is still usage: "other".
  if (!enum_of(json::get_string(doc, "agent").value_or("other"), agents, agent_name, r.who)) r.who = agent::other;
  r.timestamp_ms = *at;
  tokens& t = r.usage;
  if (!count_at(doc, "input", t.input) || !count_at(doc, "output", t.output) ||
      !count_at(doc, "cacheWrite5m", t.cache_write_5m) || !count_at(doc, "cacheWrite1h", t.cache_write_1h) ||
      !count_at(doc, "cacheRead", t.cache_read) || !count_at(doc, "reasoning", t.reasoning))
    return false;
  const auto text = [&](std::string_view key) { return istr(json::get_string(doc, key).value_or("")); };
  r.session_id = text("sessionId"), r.model = text("model"), r.project = text("project");
  r.team_name = text("teamName"), r.agent_name = text("agentName"), r.agent_id = text("agentId");
  r.agent_type = text("agentType");
  out.line_hash = detail::fnv(line);
  return true;
}

// Of two imported copies of one identity, is `a` the one kept?
inline bool preferred(const imported_record& a, const imported_record& b) {
  const auto ta = a.rec.usage.total(), tb = b.rec.usage.total();
  if (ta != tb) return ta > tb;
  if (a.machine != b.machine) return a.machine < b.machine;
  return a.line_hash < b.line_hash;
}

}  // namespace detail::exchange

OKSTRA_INLINE void export_line(std::string& out, const record& r, std::uint64_t identity, std::string_view machine,
                               bool archived) {
  json::writer w(false);
  w.begin_object().field("v", export_format_version).field("machine", machine);
  w.field("identity", detail::exchange::hex(identity)).field("archived", archived);
  w.field("source", source_name(r.src)).field("agent", agent_name(r.who)).field("tier", service_tier_name(r.tier));
  w.field("timestamp", okstra::time::format_iso8601(r.timestamp_ms));
  w.field("timestampMs", static_cast<long long>(r.timestamp_ms));
  w.field("sessionId", r.session_id.view()).field("model", r.model.view()).field("project", r.project.view());
  w.field("teamName", r.team_name.view()).field("agentName", r.agent_name.view()).field("agentId", r.agent_id.view());
  w.field("agentType", r.agent_type.view());
  w.field("input", r.usage.input).field("output", r.usage.output).field("cacheWrite5m", r.usage.cache_write_5m);
  w.field("cacheWrite1h", r.usage.cache_write_1h).field("cacheRead", r.usage.cache_read);
  w.field("reasoning", r.usage.reasoning).end_object();
  out += std::move(w).str();
  out += '\n';
}

OKSTRA_INLINE std::string machine_id(const std::filesystem::path& okstra_home) {
  const auto dir = okstra_home / "usage";
  const auto file = dir / "machine-id";
  const auto read_id = [&]() -> std::string {
    std::string text;
    try {
      text = fs::read_file(file, 256);
    } catch (const okstra::error&) {
      return {};
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return detail::exchange::is_machine_id(text) ? text : std::string();
  };
  if (auto id = read_id(); !id.empty()) return id;
  fs::ensure_dir(dir, 0700);
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 4; ++i) id += detail::exchange::hex(rd(), 8);
  // Written aside, then linked into place: link() fails when another
  // process got there first, and then its id is the one (docs/usage-exchange.md).
  const std::string temp = (dir / ("machine-id." + id + ".new")).string();
  fs::write_file_atomic(temp, id + "\n", 0600);
  const bool linked = ::link(temp.c_str(), file.c_str()) == 0;
  ::unlink(temp.c_str());
  if (linked) fs::fsync_dir(dir);
  if (auto kept = read_id(); !kept.empty()) return kept;
  throw okstra::input_error(quoted("cannot read the machine id", file.string()),
                            "remove the file; a new id is made on the next export");
}

OKSTRA_INLINE export_contents read_export(const std::filesystem::path& file) {
  export_contents out;
  const std::string bytes = fs::read_file(file);
  const std::size_t complete = jsonl::for_each_record(bytes, out.skipped, [&](std::string_view line) {
    imported_record r;
    if (!detail::exchange::read_line(line, r)) return false;
    out.records.push_back(std::move(r));
    return true;
  });
  out.skipped += jsonl::truncated_tail_lines(std::string_view(bytes).substr(complete));
  out.lines = out.records.size() + out.skipped;
  return out;
}

OKSTRA_INLINE import_summary merge_imported(const collect_options& o, std::vector<imported_record> imported,
                                            collection& out) {
  import_summary summary;
  if (imported.empty()) return summary;
  std::unordered_set<std::uint64_t> local;
  local.reserve(out.records.size());
  for (const auto& r : out.records) local.insert(content_identity(r));
  std::unordered_map<std::uint64_t, std::size_t> chosen;  // identity -> index into imported
  chosen.reserve(imported.size());
  for (std::size_t k = 0; k < imported.size(); ++k) {
    const auto& r = imported[k];
    if (!o.enabled[static_cast<std::size_t>(r.rec.src)]) continue;
    if (local.count(r.identity)) {
      ++summary.duplicates;
      continue;
    }
    auto [it, fresh] = chosen.try_emplace(r.identity, k);
    if (fresh) continue;
    ++summary.duplicates;
    if (detail::exchange::preferred(r, imported[it->second])) it->second = k;
  }
  std::vector<std::size_t> keep;
  keep.reserve(chosen.size());
  for (const auto& [identity, k] : chosen) keep.push_back(k);
  std::sort(keep.begin(), keep.end());
  for (const auto k : keep) {
    const auto i = static_cast<std::size_t>(imported[k].rec.src);
    ++summary.added[i];
    out.stats[i].imported += 1;
    out.records.push_back(std::move(imported[k].rec));
  }
  std::stable_sort(out.records.begin(), out.records.end(), [](const record& a, const record& b) {
    return a.src != b.src ? a.src < b.src : a.timestamp_ms < b.timestamp_ms;
  });
  return summary;
}

}  // namespace okstra::token_usage
