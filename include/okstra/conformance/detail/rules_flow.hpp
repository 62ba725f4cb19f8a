// Rules on the order of the lead's work — BC05 workers finish before
// convergence, BC06 the report writer owns the final report, BC08 PROGRESS
// checkpoints — for okstra/conformance/conformance.hpp (include that header instead).
#pragma once

#include "okstra/conformance/detail/rules_dispatch.hpp"
#include "okstra/core/fs.hpp"

namespace okstra::conformance::detail {

inline constexpr double convergence_phase = 5.5;  // phase-5.5: convergence

// Where convergence starts: the first checkpoint of phase-5.5 or later, Skill
// okstra-convergence, or a report-writer dispatch, whichever comes first.
struct convergence_point {
  evidence at;
  std::string what;
};

inline std::optional<convergence_point> convergence_start(const session_model& m) {
  std::optional<convergence_point> first;
  const auto consider = [&](const evidence& e, std::string what) {
    if (!first || e.line < first->at.line) first = convergence_point{e, std::move(what)};
  };
  for (const checkpoint& c : m.checkpoints)
    if (c.order && *c.order >= convergence_phase) {
      consider(c.at, "checkpoint '" + c.text + "'");
      break;
    }
  if (!m.convergence_skills.empty()) consider(m.convergence_skills.front(), "Skill " + std::string(convergence_skill));
  for (const worker_run& w : m.workers)
    if (!w.analysis()) {
      consider(w.dispatched, "the report-writer dispatch");
      break;
    }
  return first;
}

// BC05: every analysis worker dispatched before convergence has finished
// (returned, or its background task or shell read to an end state) by then.
inline void rule_finish_before_convergence(const session_model& m, const run_facts*, std::vector<violation>& out) {
  const std::optional<convergence_point> start = convergence_start(m);
  if (!start) return;
  for (const worker_run& w : m.workers) {
    if (!w.analysis() || w.dispatched.line >= start->at.line) continue;
    if (w.ended && w.ended->line < start->at.line) continue;
    const std::string later = w.ended ? "; it was seen to finish only at line " + std::to_string(w.ended->line)
                                      : "; it was never seen to finish";
    out.push_back(violation_at(start->at, "convergence started (" + start->what + ") while " + describe(w) +
                                              " had not finished" + later));
  }
}

// ---- BC06 -------------------------------------------------------------------------

inline std::string non_blank_file(const stdfs::path& p) {
  if (!fs::is_regular_file(p)) return {};
  try {
    std::string text = fs::read_file(p, std::size_t{1} << 20);
    return text::is_blank(text) ? std::string() : text;
  } catch (const okstra::error&) {
    return {};
  }
}

// How the report writer stood at `line`: not-run, error, timeout, running, completed.
inline std::string report_writer_outcome(const session_model& m, std::uint64_t line, const worker_run*& last) {
  last = nullptr;
  for (const worker_run& w : m.workers)
    if (!w.analysis() && w.dispatched.line < line) last = &w;
  if (!last) return "not-run";
  if (!last->ended || last->ended->line > line) return "running";
  switch (last->state) {
    case worker_state::completed: return "completed";
    case worker_state::timed_out: return "timeout";
    default: return "error";
  }
}

// "…/reports/final-report-<task type>-<NNN>.md": a final-report path of any
// run, what BC06 matches without a run dir (docs/conformance.md, "BC06").
inline bool any_final_report(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view folder = path.substr(0, slash), name = path.substr(slash + 1);
  if (folder != "reports" && !folder.ends_with("/reports")) return false;
  constexpr std::string_view head = "final-report-", tail = ".md";
  if (name.size() < head.size() + tail.size() + 5 || !name.starts_with(head) || !name.ends_with(tail)) return false;
  const std::string_view stem = name.substr(head.size(), name.size() - head.size() - tail.size());  // <type>-<NNN>
  const std::string_view seq = stem.substr(stem.size() - 3);
  if (stem[stem.size() - 4] != '-' || !std::all_of(seq.begin(), seq.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return dirs::is_task_type(stem.substr(0, stem.size() - 4));
}

// The run's own final report: its reportPath, <run dir>/reports/<name>, or any
// path ending in reports/<name> (a run dir copied elsewhere still matches).
inline bool run_final_report(const run_facts& run, std::string_view p) {
  const std::string suffix = "reports/" + run.report_name;
  return p == run.report_path || p == run.report_in_run_dir.string() || p == suffix || p.ends_with("/" + suffix);
}

struct report_write {
  evidence at;
  std::string how, path;  // the tool (Bash for a shell write), the path written
};

// The lead's writes of the final report, in transcript order.
inline std::vector<report_write> lead_report_writes(const session_model& m, const run_facts* run) {
  std::string hit;
  const auto is_report = [&](std::string_view p) {
    const bool yes = !p.empty() && (run ? run_final_report(*run, p) : any_final_report(p));
    if (yes) hit = std::string(p);
    return yes;
  };
  std::vector<report_write> writes;
  for (const file_write& w : m.writes)
    if (is_report(w.path)) writes.push_back({w.at, w.tool, hit});
  for (const shell_call& s : m.shells)
    if (s.actor == "lead" && shell_writes(s.command, is_report)) writes.push_back({s.at, "Bash", hit});
  std::stable_sort(writes.begin(), writes.end(), [](const auto& a, const auto& b) { return a.at.line < b.at.line; });
  return writes;
}

// BC06: with a report writer on the roster (the run's; without a run dir the
// default one, which has it), the lead writes the final report only after a
// report-writer dispatch ended error/timeout (or none ran) and the report
// writer's error log says why. Without a run dir that log cannot be read, so
// the exception cannot be proven and such a write is a violation that says so.
inline void rule_report_writer_owns_report(const session_model& m, const run_facts* run, std::vector<violation>& out) {
  if (run && run->crew.report_writer.empty()) return;
  const std::vector<report_write> writes = lead_report_writes(m, run);
  if (writes.empty()) return;
  const std::string log = run ? run->report_writer_errors_log().string() : std::string();
  const bool log_says_why = run && !non_blank_file(log).empty();
  for (const report_write& w : writes) {
    const worker_run* last = nullptr;
    const std::string outcome = report_writer_outcome(m, w.at.line, last);
    const std::string name = run ? run->report_name : stdfs::path(w.path).filename().string();
    const std::string what = "the lead writes the final report '" + name + "' (" + w.how + ")";
    const std::string rw = last ? describe(*last) : "";
    const std::string when = outcome == "not-run" ? " with no report-writer dispatch before it" : " after " + rw + " ended " + outcome;
    if (outcome == "completed")
      out.push_back(violation_at(w.at, what + " although " + rw + " completed; the report belongs to the report writer"));
    else if (outcome == "running")
      out.push_back(violation_at(w.at, what + " while " + rw + " has not finished"));
    else if (!run)
      out.push_back(violation_at(w.at, what + when + "; whether the report writer's error log records why needs the run dir: "
                                                      "give --run-dir"));
    else if (!log_says_why)
      out.push_back(violation_at(w.at, what + when + ", but the error log '" + log + "' does not record why"));
  }
}

// ---- BC08 -------------------------------------------------------------------------

// BC08: checkpoints "PROGRESS: phase-<N>[.<M>] <verb phrase>" exist, are
// well formed and never go back to an earlier phase.
inline void rule_progress_checkpoints(const session_model& m, const run_facts*, std::vector<violation>& out) {
  if (m.checkpoints.empty()) {
    out.push_back(violation_at({m.file, 0, {}, {}}, "no 'PROGRESS: <phase-id> <verb-phrase>' checkpoint in the lead's messages"));
    return;
  }
  const checkpoint* furthest = nullptr;
  for (const checkpoint& c : m.checkpoints) {
    if (!c.order) {
      out.push_back(violation_at(c.at, "malformed checkpoint '" + c.text + "': expected 'PROGRESS: phase-<N> <verb phrase>'"));
      continue;
    }
    if (furthest && *c.order < *furthest->order) {
      out.push_back(violation_at(c.at, "checkpoint '" + c.text + "' goes back from " + furthest->phase + " (line " +
                                           std::to_string(furthest->at.line) + "): checkpoints go in phase order"));
      continue;
    }
    furthest = &c;
  }
}

}  // namespace okstra::conformance::detail
