// check(): inputs -> session model -> rules -> report, for
// okstra/conformance/conformance.hpp (include that header instead).
#pragma once

#include "okstra/core/api.hpp"

#include "okstra/conformance/detail/render.hpp"
#include "okstra/conformance/detail/rules_files.hpp"
#include "okstra/conformance/detail/run_inference.hpp"

namespace okstra::conformance {

namespace detail {

using rule_fn = void (*)(const session_model&, const run_facts*, std::vector<violation>&);

inline constexpr std::array<rule_fn, rule_count> rule_functions = {
    rule_worker_names, rule_single_turn, rule_teamless_background, rule_wrappers, rule_finish_before_convergence,
    rule_report_writer_owns_report, rule_errors_paths, rule_progress_checkpoints, rule_result_files};

inline constexpr std::size_t bc04_index = 3;

inline std::size_t rule_index(std::string_view id) {
  for (std::size_t i = 0; i < rule_count; ++i)
    if (text::iequals(id, rules[i].id)) return i;
  throw usage_error(quoted("unknown rule", id), "rules: BC01 … BC09 (see 'okstra-validate-session --help')");
}

inline report evaluate(const session_model& m, const run_choice& choice, const rule_set& selected) {
  report r;
  r.session = m.file;
  const run_facts* run = choice.run ? &*choice.run : nullptr;
  if (run) {
    r.run_dir = run->run_dir;
    r.run_dir_source = choice.source;
  }
  for (std::size_t i = 0; i < rule_count; ++i) {
    if (!selected.any(i)) continue;
    rule_result res;
    res.rule = &rules[i];
    if (rules[i].needs_run_dir && !run) {
      res.status = rule_status::skip;
      res.skip_reason = choice.skip_reason.empty() ? std::string(no_run_dir_reason) : choice.skip_reason;
    } else {
      rule_functions[i](m, run, res.violations);
      res.status = res.violations.empty() ? rule_status::pass : rule_status::fail;
    }
    r.results.push_back(std::move(res));
  }
  return r;
}

// The lead transcript read into a model, with the roster that decides which
// dispatches are okstra workers.
inline session_model read_lead(const stdfs::path& session, const roster& crew,
                               std::vector<transcript::diagnostic>& diagnostics) {
  session_model m;
  m.file = session.string();
  model_builder builder(m, crew);
  m.stats = transcript::read_events_file(session, builder, diagnostics);
  return m;
}

// The subagents' Bash calls (BC04), and a diagnostic for every agentId the
// lead got back whose transcript is missing (newer sessions only: older ones
// keep subagent lines inline).
inline void read_subagents(const stdfs::path& session, session_model& m, bool read_contents,
                           std::vector<transcript::diagnostic>& diagnostics) {
  if (read_contents)
    for (const transcript::subagent_file& f : transcript::list_subagents(session, diagnostics)) {
      subagent_shells sink(m, f.transcript.string(), f.agent_type.empty() ? "subagent " + f.agent_id : f.agent_type + " subagent");
      try {
        transcript::read_events_file(f.transcript, sink, diagnostics);
      } catch (const okstra::error& e) {
        diagnostics.push_back({f.transcript.string(), 0, e.what()});
      }
    }
  if (m.inline_sidechains) return;
  std::vector<std::string> reported;
  for (const auto& [agent_id, at] : m.agent_ids) {
    if (std::find(reported.begin(), reported.end(), agent_id) != reported.end()) continue;
    reported.push_back(agent_id);
    const stdfs::path expected = transcript::subagent_transcript(session, agent_id);
    if (!plain_file_name(agent_id) || !fs::is_regular_file(expected))
      diagnostics.push_back({at.file, at.line, quoted("missing subagent transcript", expected.string())});
  }
}

// A session always has lines of the transcript's own types. A file with none
// (empty, blank, every line malformed or of a type no Claude Code writes) is
// not a transcript: judging it would call garbage conforming
// (docs/conformance.md, "The transcript").
inline void require_transcript_lines(const transcript::read_stats& stats, const stdfs::path& file) {
  if (stats.events > stats.unknown_types) return;
  std::string why = "the file is empty";
  if (stats.lines > 0)
    why = std::to_string(stats.lines) + " line(s): " + std::to_string(stats.malformed) + " malformed, " +
          std::to_string(stats.unknown_types) + " of an unknown type";
  throw input_error(quoted("no readable transcript line in", file.string()),
                    why + "; give the lead session's <session>.jsonl");
}

}  // namespace detail

OKSTRA_INLINE rule_set select_rules(const std::vector<std::string>& only, const std::vector<std::string>& skip) {
  rule_set set;
  if (!only.empty()) {
    set.enabled.fill(false);
    for (const auto& id : only) set.enabled[detail::rule_index(id)] = true;
  }
  for (const auto& id : skip) set.enabled[detail::rule_index(id)] = false;
  return set;
}

OKSTRA_INLINE report check(const request& req) {
  if (!req.session && !req.run_dir)
    throw usage_error("nothing to check: give '--session FILE' or '--run-dir DIR'", "see 'okstra-validate-session --help'");
  std::vector<transcript::diagnostic> diagnostics;
  detail::run_choice choice;
  if (req.run_dir) choice = detail::given_run(*req.run_dir, diagnostics);
  stdfs::path session;
  if (req.session) {
    session = *req.session;
  } else if (auto found = detail::find_session(*choice.run, detail::claude_roots(req.claude_roots))) {
    session = *found;
  } else {
    throw input_error(quoted("cannot find the lead session of the run", req.run_dir->string()),
                      choice.run->session_id.empty() && choice.run->team_name.empty()
                          ? "team-state.json records no sessionId or teamName; pass --session FILE"
                          : "looked for sessionId/teamName of team-state.json under CLAUDE_CONFIG_DIR's projects/; "
                            "pass --session FILE");
  }
  detail::session_model m = detail::read_lead(session, choice.run ? choice.run->crew : detail::roster{}, diagnostics);
  detail::require_transcript_lines(m.stats, session);
  if (!choice.run) {
    choice = detail::infer_run(m, diagnostics);
    std::vector<transcript::diagnostic> again;  // the same lines' diagnostics, already kept
    if (choice.run && detail::roster_adds_workers(choice.run->crew)) m = detail::read_lead(session, choice.run->crew, again);
  }
  detail::read_subagents(session, m, req.rules.any(detail::bc04_index), diagnostics);
  report r = detail::evaluate(m, choice, req.rules);
  r.diagnostics = std::move(diagnostics);
  return r;
}

OKSTRA_INLINE report evaluate_text(std::string_view lead_transcript, std::string_view file_name, const rule_set& rules) {
  std::vector<transcript::diagnostic> diagnostics;
  detail::session_model m;
  m.file = std::string(file_name);
  const detail::roster crew;
  detail::model_builder builder(m, crew);
  m.stats = transcript::read_events_text(lead_transcript, file_name, builder, diagnostics);
  report r = detail::evaluate(m, detail::run_choice{}, rules);
  r.diagnostics = std::move(diagnostics);
  return r;
}

}  // namespace okstra::conformance
