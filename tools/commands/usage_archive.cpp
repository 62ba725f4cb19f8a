// okstra-usage archive — status, prune and export of the usage archive
// (docs/usage-archive.md, "Reports"). Compiled into the okstra library: the
// module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include "usage_archive.hpp"

#include <cstdio>
#include <string>

#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/report.hpp"

namespace okstra::commands::usage_archive {

namespace {

namespace cli = okstra::cli;
namespace tu = okstra::token_usage;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string iso_or_null(std::int64_t ms) { return ms == 0 ? std::string() : okstra::time::format_iso8601(ms); }

int run_status(const cli::arguments& cmd) {
  const tu::archive ar;
  const auto st = ar.status();
  okstra::json::writer w(cmd.out().pretty());
  w.begin_object().field("folder", ar.dir().string()).field("segments", st.segments).field("records", st.records);
  w.field("bytes", st.bytes).field("damagedBlocks", st.damaged_blocks).field("badSegments", st.bad_segments);
  w.field("oldest", iso_or_null(st.oldest_ms)).field("newest", iso_or_null(st.newest_ms)).end_object();
  cli::emit_json(cmd, std::move(w).str());
  return 0;
}

int run_prune(const cli::arguments& cmd) {
  const auto given = cmd.text("before");
  if (!given) throw okstra::usage_error("archive prune needs --before DATE", "run 'okstra-usage archive prune --help'");
  const std::string text = *given;
  const auto before = tu::parse_time_bound(text, tu::time_zone::local(), false);
  if (!before) throw okstra::usage_error(okstra::quoted("invalid value for --before", text),
                                         "expected YYYY-MM-DD, YYYYMMDD or an ISO 8601 time");
  const auto removed = tu::archive().prune(*before);
  okstra::json::writer w(cmd.out().pretty());
  w.begin_object().field("removed", removed).field("before", okstra::time::format_iso8601(*before)).end_object();
  cli::emit_json(cmd, std::move(w).str());
  return 0;
}

// One JSON object per line: the archived records with their identity.
int run_export(const cli::arguments& cmd) {
  const auto all = tu::archive().read_all();
  for (const auto& warning : all.warnings) cli::warn("okstra-usage", warning);
  std::string out;
  for (const auto& a : all.records) {
    const tu::record& r = a.rec;
    okstra::json::writer w(false);
    w.begin_object().field("identity", hex(a.identity)).field("source", tu::source_name(r.src));
    w.field("agent", tu::agent_name(r.who)).field("tier", tu::service_tier_name(r.tier));
    w.field("timestamp", okstra::time::format_iso8601(r.timestamp_ms)).field("timestampMs", static_cast<long long>(r.timestamp_ms));
    w.field("sessionId", r.session_id.view()).field("model", r.model.view()).field("project", r.project.view());
    w.field("teamName", r.team_name.view()).field("agentName", r.agent_name.view()).field("agentId", r.agent_id.view());
    w.field("input", r.usage.input).field("output", r.usage.output).field("cacheWrite5m", r.usage.cache_write_5m);
    w.field("cacheWrite1h", r.usage.cache_write_1h).field("cacheRead", r.usage.cache_read);
    w.field("reasoning", r.usage.reasoning).end_object();
    out += std::move(w).str();
    out += '\n';
  }
  if (!cmd.out().quiet) std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

std::vector<cli::command> declare() {
  cli::command status;
  status.name = "archive status";
  status.summary = "what the usage archive holds";
  status.usage = {"[options]"};
  status.details = "Segments, records, bytes, damaged blocks and the oldest and newest record of\n"
                   "$OKSTRA_HOME/usage/archive (docs/usage-archive.md).";
  cli::command prune;
  prune.name = "archive prune";
  prune.summary = "remove archived records older than a date";
  prune.usage = {"--before DATE [options]"};
  prune.details = "Removes the archived records before DATE (local time; YYYY-MM-DD, YYYYMMDD or\n"
                  "an ISO time). Reports then no longer count them.";
  prune.options = {cli::text("before", "DATE", "remove records older than this (required)")};
  cli::command exp;
  exp.name = "archive export";
  exp.summary = "the archived records as JSON lines";
  exp.usage = {"[options]"};
  exp.details = "One JSON object per archived record, with its identity, on stdout.";
  exp.formats = {"jsonl"};
  // The parent of the nested commands (as "prices" is of "prices update"):
  // the status.
  cli::command parent = status;
  parent.name = "archive";
  parent.summary = "the usage archive: status (the default), prune, export";
  return {parent, status, prune, exp};
}

int run(const cli::arguments& cmd, const std::string& sub) {
  if (sub == "archive prune") return run_prune(cmd);
  if (sub == "archive export") return run_export(cmd);
  return run_status(cmd);
}

}  // namespace okstra::commands::usage_archive
