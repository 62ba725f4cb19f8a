// okstra/token_usage/run_summary.hpp — the Token Summary of one okstra run.
//
// Contract:
// - read_run_info(run_dir) reads <run_dir>/team-state.json (team name from
//   team.teamName, else teamName; optional leadSessionId) and, when present,
//   <run_dir>/run-context.json (workers: the roster). Without a roster the
//   default one is claude, codex and report-writer. A missing or malformed
//   team state is an input error naming the file.
// - summarise_run() attributes records (docs/usage.md, "run"): a Claude record belongs to
//   the run when its teamName is the run's team or its session is the lead
//   session; agentName "<id>-worker" is worker <id>, "report-writer" the
//   report writer; without an agentName, a subagent transcript's agentType
//   (claude-worker, codex-worker, …) names the worker; anything else is the
//   lead. A roster
//   worker with no record is reported with source "unavailable".
//   billableTokens = input + output + cache writes (cache reads are
//   discounted reuse and are left out); totalTokens adds cache reads.
// - fill_report() replaces the Token Summary placeholders of a report
//   ({{LEAD_TOTAL_TOKENS}}, {{LEAD_BILLABLE_TOKENS}}, {{LEAD_COST_USD}},
//   {{<WORKER>_TOTAL_TOKENS}} … with <WORKER> like CLAUDE_WORKER or
//   REPORT_WRITER, {{TOTAL_TOKENS}}, {{TOTAL_BILLABLE_TOKENS}},
//   {{TOTAL_COST_USD}}) and rewrites the file atomically; other text is kept.
//   A report that is a symbolic link is filled at its target (the link is
//   kept) when that is a regular file inside the run's project (the folder
//   holding the run folder's .okstra, else the run folder); any other link is
//   refused, an input error naming the link (docs/usage.md, "Filling a report").
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/token_usage/prices.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage {

struct run_info {
  std::filesystem::path run_dir;
  std::string team_name;
  std::string lead_session;
  std::vector<std::string> workers;  // worker ids: "claude", "codex", "gemini", "report-writer"
};

struct usage_total {
  std::uint64_t total_tokens = 0;
  std::uint64_t billable_tokens = 0;
  double cost_usd = 0;
};

struct worker_summary {
  std::string worker_id;
  usage_total usage;
  std::string source = "unavailable";  // "claude" once any record is attributed
};

struct run_summary {
  std::filesystem::path run_dir;  // from run_info; bounds where fill_report may follow a link
  std::string team_name;
  usage_total lead;
  std::vector<worker_summary> workers;
  usage_total totals;
};

run_info read_run_info(const std::filesystem::path& run_dir);
run_summary summarise_run(const run_info& run, const std::vector<record>& records, const price_table& prices);
void fill_report(const std::filesystem::path& report, const run_summary& summary);
std::string render_run_summary(const run_summary& summary, bool pretty);

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/run_summary_impl.hpp"
#endif
