// okstra/conformance/conformance.hpp — did a lead session obey the blocking
// contract? (docs/conformance.md has every rule, its evidence and fix.)
//
// Contract:
// - check(request) reads the lead transcript (--session, or the session found
//   from the run: team-state.json's sessionId, else its teamName, searched under
//   every Claude root), the subagent transcripts under <session>/subagents/ when
//   BC04 runs, and, with a run dir, run-context.json, team-state.json, the task
//   manifest (the roster), the worker results and the report writer's error log.
//   It evaluates the selected rules BC01–BC09 and returns a report value.
//   Read only: nothing is written, locked or started.
// - Throws okstra::error with exit_code::input (3) when a mandatory input cannot
//   be read: the session file, the run dir or its run-context.json, a malformed
//   task manifest or team-state.json, or no session found for the run; and
//   when the session has no readable transcript line ("no readable transcript
//   line in '<file>'": empty, or every line malformed or of an unknown type).
//   select_rules() throws a usage error (2) for an unknown rule id.
// - Everything else is data: a malformed transcript line, an unknown block type,
//   a missing subagent file are `diagnostics` (file, line, message) and the rules
//   still run on the rest. A rule that needs the run dir is `skip` without
//   one, with the reason in rule_result::skip_reason.
// - With a session and no run dir, the run dir is inferred from the worker
//   dispatch prompts' `**Result path:**` (the folder holding worker-results/)
//   when it exists; prompts naming different run dirs infer none and leave a
//   diagnostic (docs/conformance.md, "The run dir from the transcript").
//   report::run_dir_source says where the run dir came from.
// - BC06 is judged from the transcript alone when there is no run dir: a lead
//   write of any `reports/final-report-<type>-<seq>.md` counts (the default
//   roster has a report writer).
// - exit_status(report): 0 when no error-severity rule failed, else 1.
// - to_json / to_text / to_junit render a report (docs/conformance.md shows them);
//   JSON keys: {session, runDir, conforms, summary{errors, warnings},
//   rules[{id, name, severity, status, violations[{file, line, uuid, timestamp,
//   message}], reason}], diagnostics[{file, line, message}], runDirSource}.
// - evaluate_text(): the rules on a lead transcript already in memory, with no
//   run dir (none is inferred: it reads nothing from disk) and no subagent
//   files (tests and the fuzz target use it).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/style.hpp"
#include "okstra/transcript/events.hpp"

namespace okstra::conformance {

namespace stdfs = std::filesystem;

enum class severity { error, warning };
enum class rule_status { pass, fail, skip };

struct rule_info {
  std::string_view id, name;
  severity level;
  bool needs_run_dir;
  std::string_view summary;  // one line, for text output and JUnit
};

inline constexpr std::size_t rule_count = 9;

inline constexpr std::array<rule_info, rule_count> rules = {{
    {"BC01", "worker-dispatch-name", severity::error, false, "every okstra worker dispatch is named <workerId>-worker (report-writer)"},
    {"BC02", "single-turn-dispatch", severity::error, false, "the analysis workers of one phase are dispatched in a single assistant turn"},
    {"BC03", "teamless-background-dispatch", severity::error, true, "a background worker dispatch without a team only after a failed TeamCreate"},
    {"BC04", "codex-gemini-wrappers", severity::error, false, "Codex and Gemini run only through the okstra wrappers, in the background"},
    {"BC05", "workers-finish-before-convergence", severity::error, false, "every dispatched worker finished before convergence or the report writer"},
    {"BC06", "report-writer-owns-final-report", severity::error, false, "the lead does not write the final report while a report writer is on the roster"},
    {"BC07", "dispatch-errors-paths", severity::error, false, "each worker dispatch prompt carries the errors log and sidecar paths"},
    {"BC08", "progress-checkpoints", severity::warning, false, "PROGRESS: <phase-id> <verb-phrase> checkpoints appear, in phase order"},
    {"BC09", "worker-result-front-matter", severity::error, true, "every completed worker's result file exists with front matter matching the run"},
}};

// Which rules run; all by default.
struct rule_set {
  std::array<bool, rule_count> enabled{true, true, true, true, true, true, true, true, true};
  bool any(std::size_t index) const { return enabled[index]; }
};

// --rule (only these; empty = all) and --skip-rule; ids are matched ignoring case.
rule_set select_rules(const std::vector<std::string>& only, const std::vector<std::string>& skip);

struct violation {
  std::string file;
  std::optional<std::uint64_t> line;  // 1-based; none when the evidence is a whole file
  std::string uuid, timestamp;        // of the transcript line; empty when not a transcript line
  std::string message;
};

struct rule_result {
  const rule_info* rule = nullptr;
  rule_status status = rule_status::pass;
  std::string skip_reason;  // why a `skip` rule was not judged
  std::vector<violation> violations;
};

struct report {
  std::string session;
  std::optional<std::string> run_dir;
  std::string run_dir_source;  // "argument", "inferred", or empty without a run dir
  std::vector<rule_result> results;  // the selected rules, in id order
  std::vector<transcript::diagnostic> diagnostics;

  std::size_t errors() const;    // violations of error-severity rules
  std::size_t warnings() const;  // violations of warning-severity rules
  bool conforms() const { return errors() == 0; }
};

struct request {
  std::optional<stdfs::path> session;
  std::optional<stdfs::path> run_dir;
  rule_set rules;
  std::vector<stdfs::path> claude_roots;  // empty: CLAUDE_CONFIG_DIR, else ~/.config/claude and ~/.claude
};

report check(const request& req);
report evaluate_text(std::string_view lead_transcript, std::string_view file_name, const rule_set& rules = {});

inline int exit_status(const report& r) { return r.conforms() ? 0 : 1; }

std::string to_json(const report& r, bool pretty = true);
std::string to_text(const report& r, const style::output_style& style = {});
std::string to_junit(const report& r);

}  // namespace okstra::conformance

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/conformance/detail/model.hpp"
#include "okstra/conformance/detail/run_facts.hpp"
#include "okstra/conformance/detail/shell_words.hpp"
#include "okstra/conformance/detail/rules_dispatch.hpp"
#include "okstra/conformance/detail/rules_flow.hpp"
#include "okstra/conformance/detail/rules_files.hpp"
#include "okstra/conformance/detail/render.hpp"
#include "okstra/conformance/detail/run_inference.hpp"
#include "okstra/conformance/detail/check.hpp"
#endif
