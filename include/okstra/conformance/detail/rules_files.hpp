// BC04 (Codex and Gemini only through the okstra wrappers) and BC09 (worker
// result files and their front matter), for okstra/conformance/conformance.hpp
// (include that header instead).
#pragma once

#include "okstra/clarification/clarification.hpp"
#include "okstra/conformance/detail/rules_flow.hpp"

namespace okstra::conformance::detail {

// BC04: every Bash call, the lead's and every subagent's, runs Codex and
// Gemini only through okstra-codex-exec.sh / okstra-gemini-exec.sh, and those
// with run_in_background: true.
inline void rule_wrappers(const session_model& m, const run_facts*, std::vector<violation>& out) {
  for (const shell_call& s : m.shells) {
    const shell_facts f = analyse_shell(s.command);
    const std::string who = "a Bash call of the " + s.actor;
    if (f.direct_codex)
      out.push_back(violation_at(s.at, who + " runs 'codex exec' directly; run Codex through " + std::string(codex_wrapper) +
                                           " with run_in_background: true"));
    if (f.direct_gemini)
      out.push_back(violation_at(s.at, who + " runs 'gemini' directly; run Gemini through " + std::string(gemini_wrapper) +
                                           " with run_in_background: true"));
    if ((f.codex_wrapper || f.gemini_wrapper) && !s.background)
      out.push_back(violation_at(s.at, who + " runs " + std::string(f.codex_wrapper ? codex_wrapper : gemini_wrapper) +
                                           " without run_in_background: true"));
  }
}

// ---- BC09 -------------------------------------------------------------------------

inline constexpr std::string_view result_front_matter_keys[] = {"title", "id", "aliases", "tags", "taskType", "workerId", "task-id"};

inline violation file_violation(const std::string& file, std::optional<std::uint64_t> line, std::string message) {
  violation v;
  v.file = file;
  v.line = line;
  v.message = std::move(message);
  return v;
}

// The front matter of one result file against the run.
inline void judge_result_file(const std::string& path, std::string_view text, const run_facts& run,
                              const std::string& worker, std::vector<violation>& out) {
  const clarification::front_matter fm = clarification::read_front_matter(text);
  if (!fm.present || !fm.closed) {
    out.push_back(file_violation(path, 1, "the result file of " + worker + " has no front matter ('---' … '---')"));
    return;
  }
  const std::pair<std::string_view, std::string> expected[] = {
      {"taskType", run.task_type}, {"workerId", worker_id(worker)}, {"task-id", run.task_id}};
  for (const std::string_view key : result_front_matter_keys) {
    const auto entries = fm.find(key);
    if (entries.empty()) {
      out.push_back(file_violation(path, 1, "the front matter of " + worker + "'s result lacks '" + std::string(key) + "'"));
      continue;
    }
    const clarification::front_matter_entry& e = entries.front();
    if ((key == "title" || key == "id") && e.value.empty())
      out.push_back(file_violation(path, e.line, "the front matter of " + worker + "'s result has an empty '" + std::string(key) + "'"));
    for (const auto& [k, want] : expected)
      if (k == key && !want.empty() && e.value != want)
        out.push_back(file_violation(path, e.line, "the front matter of " + worker + "'s result says " + std::string(key) +
                                                       " '" + e.value + "', the run's is '" + want + "'"));
  }
}

// BC09: each analysis worker that completed has its result file
// worker-results/<workerId>-<seq>.md with the front matter of the run.
inline void rule_result_files(const session_model& m, const run_facts* run, std::vector<violation>& out) {
  std::vector<std::string> judged;
  for (const worker_run& w : m.workers) {
    if (!w.analysis() || w.state != worker_state::completed) continue;
    if (std::find(judged.begin(), judged.end(), w.role) != judged.end()) continue;
    judged.push_back(w.role);
    const stdfs::path file = run->worker_result(worker_id(w.role));
    if (!fs::is_regular_file(file)) {
      out.push_back(violation_at(w.ended ? *w.ended : w.dispatched,
                                 describe(w) + " completed but its result file '" + file.string() + "' is missing"));
      continue;
    }
    std::string text;
    try {
      text = fs::read_file(file, clarification::max_report_bytes);
    } catch (const okstra::error& e) {
      out.push_back(file_violation(file.string(), std::nullopt, e.what()));
      continue;
    }
    judge_result_file(file.string(), text, *run, w.role, out);
  }
}

}  // namespace okstra::conformance::detail
