// Rules on how workers are dispatched — BC01 names, BC02 one turn per phase,
// BC03 background without a team, BC07 errors paths in the prompt — for
// okstra/conformance/conformance.hpp (include that header instead).
#pragma once

#include <map>

#include "okstra/conformance/detail/run_facts.hpp"

namespace okstra::conformance::detail {

inline violation violation_at(const evidence& e, std::string message) {
  violation v;
  v.file = e.file;
  if (e.line > 0) v.line = e.line;
  v.uuid = e.uuid;
  v.timestamp = e.timestamp;
  v.message = std::move(message);
  return v;
}

// "codex-worker (Agent, line 12, tool_use toolu_01…)"
inline std::string describe(const worker_run& w) {
  return w.role + " (" + w.tool + " at line " + std::to_string(w.dispatched.line) +
         (w.tool_use_id.empty() ? "" : ", tool_use " + w.tool_use_id) + ")";
}

inline std::string phase_label(const std::string& phase) {
  return phase.empty() ? "before any PROGRESS checkpoint" : "phase '" + phase + "'";
}

// BC01: an Agent/Task dispatch of an okstra worker is named <workerId>-worker,
// the report writer "report-writer".
inline void rule_worker_names(const session_model& m, const run_facts*, std::vector<violation>& out) {
  for (const worker_run& w : m.workers) {
    if (w.tool == "Bash") continue;
    if (w.name == w.role) continue;
    out.push_back(violation_at(w.dispatched, w.name.empty()
        ? "dispatch of " + describe(w) + " sets no name; set name to '" + w.role + "'"
        : "dispatch of " + describe(w) + " is named '" + w.name + "'; set name to '" + w.role + "'"));
  }
}

// BC02: the first dispatch of each analysis worker in a phase shares the
// turn of the phase's first dispatch; a later dispatch of a worker already
// dispatched in that phase is a retry and is not judged.
inline void rule_single_turn(const session_model& m, const run_facts*, std::vector<violation>& out) {
  struct phase_start {
    const worker_run* first;
    std::vector<std::string> roles;
  };
  std::map<std::string, phase_start> phases;
  for (const worker_run& w : m.workers) {
    if (!w.analysis()) continue;
    auto [it, fresh] = phases.try_emplace(w.phase, phase_start{&w, {}});
    phase_start& p = it->second;
    if (std::find(p.roles.begin(), p.roles.end(), w.role) != p.roles.end()) continue;
    p.roles.push_back(w.role);
    if (fresh || w.turn == p.first->turn) continue;
    out.push_back(violation_at(w.dispatched,
        describe(w) + " was dispatched in another assistant turn than " + describe(*p.first) + ", " +
        phase_label(w.phase) + ": dispatch the analysis workers of one phase in a single turn"));
  }
}

// BC03: a background worker dispatch without a team is allowed only when the
// team state records teamCreate.status == "error".
inline void rule_teamless_background(const session_model& m, const run_facts* run, std::vector<violation>& out) {
  for (const worker_run& w : m.workers) {
    if (w.tool == "Bash" || !w.background || !w.team_name.empty()) continue;
    if (run->team_create_status == "error") continue;
    std::string why;
    if (run->team_state_file.empty()) why = "the run has no team-state.json";
    else if (run->team_create_status.empty()) why = "team-state.json records no teamCreate.status";
    else why = "team-state.json records teamCreate.status '" + run->team_create_status + "'";
    out.push_back(violation_at(w.dispatched, describe(w) + " was dispatched in the background without a team, but " + why +
                                                 "; create the team, or record why TeamCreate failed"));
  }
}

// BC07: each worker dispatch prompt carries both errors paths.
inline void rule_errors_paths(const session_model& m, const run_facts*, std::vector<violation>& out) {
  for (const worker_run& w : m.workers) {
    if (w.tool == "Bash") continue;
    std::string missing;
    if (!w.errors_log_marker) missing = "'" + std::string(errors_log_marker) + "'";
    if (!w.errors_sidecar_marker)
      missing += (missing.empty() ? "'" : " and '") + std::string(errors_sidecar_marker) + "'";
    if (!missing.empty())
      out.push_back(violation_at(w.dispatched, "the dispatch prompt of " + describe(w) + " lacks " + missing));
  }
}

}  // namespace okstra::conformance::detail
