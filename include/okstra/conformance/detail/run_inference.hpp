// Which run dir a check uses — the one given, or the one the lead's worker
// dispatch prompts name — and why the run-dir rules are skipped without one,
// for okstra/conformance/conformance.hpp (include that header instead).
//
// docs/conformance.md, "The run dir from the transcript": with a session and
// no --run-dir, every worker dispatch prompt's `**Result path:**` names a file
// in <run dir>/worker-results/; when they all name one run dir and it is a
// folder here, it is read as if given (source "inferred"). Prompts that name
// different run dirs infer none (a diagnostic says which), and an absent or
// unreadable inferred folder infers none; the skip reason says which case it was.
#pragma once

#include "okstra/conformance/detail/run_facts.hpp"

namespace okstra::conformance::detail {

struct run_choice {
  std::optional<run_facts> run;
  std::string source;       // "argument", "inferred", or empty without a run dir
  std::string skip_reason;  // why the run-dir rules are skipped; empty with a run dir
};

inline constexpr std::string_view no_run_dir_reason =
    "needs the run dir: give --run-dir, or dispatch prompts whose **Result path:** is inside an existing run";

inline run_choice given_run(const stdfs::path& dir, std::vector<transcript::diagnostic>& diagnostics) {
  return {read_run(dir, diagnostics), "argument", {}};
}

inline run_choice infer_run(const session_model& m, std::vector<transcript::diagnostic>& diagnostics) {
  run_choice c;
  const std::vector<run_dir_claim>& claims = m.run_dir_claims;
  if (claims.empty()) {
    c.skip_reason = no_run_dir_reason;
    return c;
  }
  const std::string named = "(named by the dispatch prompts' **Result path:**)";
  if (claims.size() > 1) {
    diagnostics.push_back({claims[1].at.file, claims[1].at.line,
                           "the dispatch prompts' **Result path:** name " + std::to_string(claims.size()) +
                               " run dirs ('" + claims[0].dir + "' at line " + std::to_string(claims[0].at.line) +
                               ", '" + claims[1].dir + "' here): no run dir inferred; give --run-dir"});
    c.skip_reason = "needs the run dir: the dispatch prompts' **Result path:** name " + std::to_string(claims.size()) +
                    " different run dirs; give --run-dir";
    return c;
  }
  const std::string& dir = claims.front().dir;
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec)) {
    c.skip_reason = "needs the run dir: '" + dir + "' " + named + " does not exist; give --run-dir";
    return c;
  }
  // A folder the user did not name that cannot be read is a reason to skip,
  // not an input error: the rules that need no run dir still judge the session.
  const std::size_t before = diagnostics.size();
  try {
    c.run = read_run(dir, diagnostics);
    c.source = "inferred";
  } catch (const okstra::error& e) {
    diagnostics.resize(before);
    diagnostics.push_back({dir, 0, std::string("the inferred run dir cannot be used: ") + e.what()});
    c.skip_reason = "needs the run dir: '" + dir + "' " + named + " cannot be used: " + e.what() + "; give --run-dir";
  }
  return c;
}

// Would this roster make a dispatch an okstra worker that the default roster
// does not? Then the transcript, read with the default roster before the run
// dir was inferred, is read again with this one.
inline bool roster_adds_workers(const roster& r) {
  const roster standard;
  for (const std::string& w : r.workers)
    if (worker_role(w, standard).empty()) return true;
  return !r.report_writer.empty() && worker_role(r.report_writer, standard).empty();
}

}  // namespace okstra::conformance::detail
