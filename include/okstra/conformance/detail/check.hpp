// check(): inputs -> session model -> rules -> report, for
// okstra/conformance/conformance.hpp (include that header instead).
#pragma once

#include "okstra/core/api.hpp"

#include "okstra/conformance/detail/render.hpp"
#include "okstra/conformance/detail/rules_files.hpp"

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

inline report evaluate(const session_model& m, const run_facts* run, const rule_set& selected) {
  report r;
  r.session = m.file;
  if (run) r.run_dir = run->run_dir;
  for (std::size_t i = 0; i < rule_count; ++i) {
    if (!selected.any(i)) continue;
    rule_result res;
    res.rule = &rules[i];
    if (rules[i].needs_run_dir && !run) {
      res.status = rule_status::skip;
      res.skip_reason = "needs --run-dir";
    } else {
      rule_functions[i](m, run, res.violations);
      res.status = res.violations.empty() ? rule_status::pass : rule_status::fail;
    }
    r.results.push_back(std::move(res));
  }
  return r;
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
  std::optional<detail::run_facts> run;
  if (req.run_dir) run = detail::read_run(*req.run_dir, diagnostics);
  stdfs::path session;
  if (req.session) {
    session = *req.session;
  } else if (auto found = detail::find_session(*run, detail::claude_roots(req.claude_roots))) {
    session = *found;
  } else {
    throw input_error(quoted("cannot find the lead session of the run", req.run_dir->string()),
                      run->session_id.empty() && run->team_name.empty()
                          ? "team-state.json records no sessionId or teamName; pass --session FILE"
                          : "looked for sessionId/teamName of team-state.json under CLAUDE_CONFIG_DIR's projects/; "
                            "pass --session FILE");
  }
  detail::session_model m;
  m.file = session.string();
  const detail::roster crew = run ? run->crew : detail::roster{};
  detail::model_builder builder(m, crew);
  m.stats = transcript::read_events_file(session, builder, diagnostics);
  detail::require_transcript_lines(m.stats, session);
  detail::read_subagents(session, m, req.rules.any(detail::bc04_index), diagnostics);
  report r = detail::evaluate(m, run ? &*run : nullptr, req.rules);
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
  report r = detail::evaluate(m, nullptr, rules);
  r.diagnostics = std::move(diagnostics);
  return r;
}

}  // namespace okstra::conformance
