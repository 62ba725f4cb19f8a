// okstra-usage archive — status, prune and export of the usage archive
// (docs/usage-archive.md, "Reports"). Compiled into the okstra library: the
// module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include "usage_archive.hpp"

#include <cstdio>
#include <string>

#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/exchange.hpp"
#include "okstra/token_usage/report.hpp"

namespace okstra::commands::usage_archive {

namespace {

namespace cli = okstra::cli;
namespace tu = okstra::token_usage;

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

// The archived records in the export line format (docs/usage-exchange.md),
// so another machine can --import them too.
int run_export(const cli::arguments& cmd) {
  const auto all = tu::archive().read_all();
  for (const auto& warning : all.warnings) cli::warn("okstra-usage", warning);
  const std::string machine = tu::machine_id(okstra::dirs::okstra_home());
  std::string out;
  for (const auto& a : all.records) tu::export_line(out, a.rec, a.identity, machine, true);
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
  exp.details = "One JSON object per archived record on stdout, in the format of\n"
                "'okstra-usage export' (docs/usage-exchange.md).";
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
