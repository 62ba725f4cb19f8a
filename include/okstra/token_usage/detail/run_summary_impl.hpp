// Definitions for okstra/token_usage/run_summary.hpp. Include that header.
#pragma once

#include "okstra/core/api.hpp"

#include <cstdio>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"

namespace okstra::token_usage {

namespace detail {

inline std::string worker_of(std::string_view agent_name) {
  if (agent_name == "report-writer") return "report-writer";
  constexpr std::string_view suffix = "-worker";
  if (agent_name.size() > suffix.size() && agent_name.substr(agent_name.size() - suffix.size()) == suffix)
    return std::string(agent_name.substr(0, agent_name.size() - suffix.size()));
  return {};
}

// A subagent's role (from its agent-<id>.meta.json agentType) names the
// worker when the line carries no agentName: the Agent-tool dispatch of
// that worker is the only thing that writes subagents/agent-<id>.jsonl.
inline std::string worker_of(agent who) {
  switch (who) {
    case agent::claude_worker: return "claude";
    case agent::codex_worker: return "codex";
    case agent::gemini_worker: return "gemini";
    case agent::report_writer: return "report-writer";
    default: return {};
  }
}

// Records come from collect(), whose grand totals fit max_count; the check
// turns records built elsewhere into an error rather than a wrapped total.
inline void add(usage_total& into, const tokens& t, double cost) {
  if (!fits(t) || !add_count(into.total_tokens, t.total(), into.total_tokens) ||
      !add_count(into.billable_tokens, t.input + t.output + t.cache_write_5m + t.cache_write_1h, into.billable_tokens))
    throw input_error("token totals do not fit in " + std::to_string(max_count),
                      "a log holds impossible token counts; see docs/usage.md, \"Counts that do not fit\"");
  into.cost_usd += cost;
}

inline std::string placeholder_name(std::string id) {
  for (char& c : id) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return id == "REPORT_WRITER" ? id : id + "_WORKER";
}

inline std::string money_text(double usd) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", usd);
  return buf;
}

inline void write_usage(json::writer& w, const usage_total& u) {
  w.field("totalTokens", u.total_tokens).field("billableTokens", u.billable_tokens);
  const double micro = u.cost_usd * 1e6 + 0.5;  // a cast beyond long long would be undefined
  w.key("costUsd").value(micro < 9e18 ? static_cast<double>(static_cast<long long>(micro)) / 1e6 : u.cost_usd);
}

}  // namespace detail

OKSTRA_INLINE run_info read_run_info(const std::filesystem::path& run_dir) {
  run_info info;
  info.run_dir = run_dir;
  const auto state_file = run_dir / "team-state.json";
  const auto state = json::read_file(state_file, fs::document_read_limit);
  json::require_object(state, state_file.string());
  if (const auto* team = json::find(state, "team")) info.team_name = std::string(json::get_string(*team, "teamName").value_or(""));
  if (info.team_name.empty()) info.team_name = std::string(json::get_string(state, "teamName").value_or(""));
  // The lead's session: `sessionId` as okstra-validate-session reads it, or
  // the older `leadSessionId` (docs/conformance.md, "Team state").
  info.lead_session = std::string(json::get_string(state, "sessionId").value_or(""));
  if (info.lead_session.empty()) info.lead_session = std::string(json::get_string(state, "leadSessionId").value_or(""));
  if (info.team_name.empty() && info.lead_session.empty())
    throw input_error(quoted("no team name in", state_file.string()), "expected team.teamName or teamName");
  std::error_code ec;
  if (std::filesystem::exists(run_dir / "run-context.json", ec)) {
    const auto context = json::read_file(run_dir / "run-context.json", fs::document_read_limit);
    if (const auto* workers = json::find(context, "workers"); workers && workers->IsArray())
      for (const auto& w : workers->GetArray())
        if (w.IsString()) info.workers.emplace_back(json::as_string_view(w));
  }
  if (info.workers.empty()) info.workers = {"claude", "codex", "report-writer"};
  return info;
}

OKSTRA_INLINE run_summary summarise_run(const run_info& run, const std::vector<record>& records, const price_table& prices) {
  run_summary s;
  s.team_name = run.team_name;
  s.run_dir = run.run_dir;
  for (const auto& id : run.workers) s.workers.push_back({id, {}, "unavailable"});
  for (const auto& r : records) {
    if (r.src != source::claude) continue;
    const bool in_run = (!run.team_name.empty() && r.team_name == run.team_name) ||
                        (!run.lead_session.empty() && r.session_id == run.lead_session);
    if (!in_run) continue;
    const model_price* price = prices.find(r.model);
    const double cost = price ? cost_usd(*price, r.usage, r.timestamp_ms, r.tier) : 0;
    detail::add(s.totals, r.usage, cost);
    std::string worker = detail::worker_of(r.agent_name.view());
    if (worker.empty()) worker = detail::worker_of(r.who);
    auto it = std::find_if(s.workers.begin(), s.workers.end(), [&](const auto& w) { return w.worker_id == worker; });
    if (worker.empty() || it == s.workers.end()) {
      detail::add(s.lead, r.usage, cost);
      continue;
    }
    detail::add(it->usage, r.usage, cost);
    it->source = "claude";
  }
  return s;
}

OKSTRA_INLINE std::string render_run_summary(const run_summary& s, bool pretty) {
  json::writer w(pretty);
  w.begin_object().field("teamName", s.team_name).key("lead").begin_object();
  detail::write_usage(w, s.lead);
  w.end_object().key("workers").begin_array();
  for (const auto& worker : s.workers) {
    w.begin_object().field("workerId", worker.worker_id);
    detail::write_usage(w, worker.usage);
    w.field("source", worker.source).end_object();
  }
  w.end_array().key("totals").begin_object();
  detail::write_usage(w, s.totals);
  w.end_object().end_object();
  return std::move(w).str();
}

namespace detail {

// The folder a report reached through a link may lie in: the project holding
// the run folder (the folder that holds its `.okstra`), else the run folder
// itself; empty when the run folder cannot be resolved.
inline std::filesystem::path report_area(const std::filesystem::path& run_dir) {
  std::error_code ec;
  const std::filesystem::path real = run_dir.empty() ? run_dir : std::filesystem::canonical(run_dir, ec);
  if (ec || real.empty()) return {};
  std::filesystem::path area = real, walked;
  for (const auto& part : real) {
    if (part == ".okstra") area = walked;
    walked /= part;
  }
  return area;
}

// The file fill_report reads and replaces: `report` itself, or, when
// `report` is a symbolic link, the regular file it resolves to if that lies
// inside the run's project, so the link stays a link (docs/usage.md, "Filling
// a report"). Any other link target is refused.
inline std::filesystem::path report_target(const std::filesystem::path& report, const std::filesystem::path& run_dir) {
  std::error_code ec;
  if (!std::filesystem::is_symlink(std::filesystem::symlink_status(report, ec))) return report;
  const std::string refusal = quoted("refusing to fill a report through symlink", report.string());
  const std::filesystem::path real = std::filesystem::canonical(report, ec);
  if (ec || !std::filesystem::is_regular_file(real, ec))
    throw input_error(refusal + ": its target is not a regular file", "fill the file the report really is");
  const std::filesystem::path area = report_area(run_dir);
  const std::filesystem::path inside = real.lexically_relative(area);
  if (area.empty() || inside.empty() || *inside.begin() == "..")
    throw input_error(refusal + ": it leads outside the project '" + printable(area.string()) + "'",
                      "it resolves to '" + printable(real.string()) +
                          "'; if that file is yours, pass it to --fill-report directly");
  return real;
}

}  // namespace detail

OKSTRA_INLINE void fill_report(const std::filesystem::path& named_report, const run_summary& s) {
  const std::filesystem::path report = detail::report_target(named_report, s.run_dir);
  std::string text = fs::read_file(report, fs::document_read_limit);
  std::vector<std::pair<std::string, std::string>> values = {
      {"LEAD_TOTAL_TOKENS", std::to_string(s.lead.total_tokens)},
      {"LEAD_BILLABLE_TOKENS", std::to_string(s.lead.billable_tokens)},
      {"LEAD_COST_USD", detail::money_text(s.lead.cost_usd)},
      {"TOTAL_TOKENS", std::to_string(s.totals.total_tokens)},
      {"TOTAL_BILLABLE_TOKENS", std::to_string(s.totals.billable_tokens)},
      {"TOTAL_COST_USD", detail::money_text(s.totals.cost_usd)}};
  for (const auto& w : s.workers) {
    const std::string p = detail::placeholder_name(w.worker_id);
    const bool none = w.source == "unavailable";
    values.push_back({p + "_TOTAL_TOKENS", none ? "unavailable" : std::to_string(w.usage.total_tokens)});
    values.push_back({p + "_BILLABLE_TOKENS", none ? "unavailable" : std::to_string(w.usage.billable_tokens)});
    values.push_back({p + "_COST_USD", none ? "unavailable" : detail::money_text(w.usage.cost_usd)});
  }
  for (const auto& [name, value] : values) {
    const std::string token = "{{" + name + "}}";
    for (std::size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
      text.replace(at, token.size(), value);
  }
  fs::write_file_atomic(report, text);
}

}  // namespace okstra::token_usage
