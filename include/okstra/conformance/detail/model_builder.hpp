// model_builder: transcript events -> session_model, for
// okstra/conformance/conformance.hpp (include that header instead).
//
// How a worker is seen to end (docs/conformance.md, "When a worker has finished"):
// - a foreground Agent/Task call: its tool_result came back (is_error: failed;
//   toolUseResult.status says which end state otherwise);
// - a background one (toolUseResult status async_launched, teammate_spawned, …):
//   a TaskOutput/AgentOutputTool/BashOutput read of its agentId whose status is an
//   end state, a <task-notification> with its id and an end status, a KillShell/
//   KillBash of it, or (agent teams) a <teammate-message> from its name;
// - a Codex/Gemini wrapper the lead ran with Bash in the background: the same reads
//   of its background shell id, or a kill.
#pragma once

namespace okstra::conformance::detail {

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class T>
using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

class model_builder {
 public:
  model_builder(session_model& model, const roster& r) : m_(model), roster_(r) {}

  void operator()(const transcript::line_event& ev) {
    if (ev.is_sidechain) return sidechain(ev);
    if (ev.kind == transcript::line_kind::assistant) {
      for (const auto& t : ev.texts) assistant_text(ev, t);
      for (const auto& u : ev.tool_uses) tool_use(ev, u);
    } else if (ev.kind == transcript::line_kind::user) {
      for (const auto& r : ev.tool_results) tool_result(ev, r, ev.tool_results.size() == 1 ? &ev.result : nullptr);
      for (const auto& t : ev.texts) user_text(ev, t);
    }
  }

 private:
  evidence here(const transcript::line_event& ev) const { return evidence_of(m_.file, ev); }

  // Older Claude Code versions kept a subagent's lines inline, isSidechain:true.
  void sidechain(const transcript::line_event& ev) {
    m_.inline_sidechains = true;
    for (const auto& u : ev.tool_uses)
      if (u.name == "Bash")
        m_.shells.push_back({here(ev), std::string(u.input.command),
                             ev.agent_id.empty() ? "subagent (inline)" : "subagent " + std::string(ev.agent_id),
                             u.input.run_in_background});
  }

  void assistant_text(const transcript::line_event& ev, transcript::raw_string raw) {
    if (!scan::contains(raw.raw, "PROGRESS:")) return;
    const std::string text = transcript::decoded(raw);
    scan::for_each_line(text, [&](std::string_view line) {
      line = text::trim(line);
      while (!line.empty() && (line.front() == '`' || line.front() == '*' || line.front() == '>' || line.front() == '-'))
        line = text::trim(line.substr(1));
      while (!line.empty() && (line.back() == '`' || line.back() == '*')) line.remove_suffix(1);
      if (!line.starts_with("PROGRESS:")) return;
      checkpoint cp{here(ev), std::string(line), {}, {}, std::nullopt};
      const std::string_view rest = text::trim(line.substr(9));
      const std::size_t space = rest.find_first_of(" \t");
      cp.phase = std::string(rest.substr(0, space));
      if (space != std::string_view::npos) cp.verb = std::string(text::trim(rest.substr(space)));
      if (!cp.verb.empty()) cp.order = phase_order(cp.phase);
      phase_ = cp.phase;
      m_.checkpoints.push_back(std::move(cp));
    });
  }

  void tool_use(const transcript::line_event& ev, const transcript::tool_use_block& u) {
    const std::string_view name = u.name;
    if (name == "Agent" || name == "Task") return dispatch(ev, u);
    if (name == "Bash") return bash(ev, u);
    if (name == "Write" || name == "Edit" || name == "MultiEdit" || name == "NotebookEdit")
      return m_.writes.push_back({here(ev), std::string(name), std::string(u.input.file_path)});
    if (name == "BashOutput" || name == "TaskOutput" || name == "AgentOutputTool" || name == "BashOutputTool")
      return void(reads_.insert_or_assign(std::string(u.id), std::string(u.input.target_id)));
    if (name == "KillShell" || name == "KillBash") return void(kills_.insert_or_assign(std::string(u.id), std::string(u.input.target_id)));
    if (name == "Skill" && (scan::contains(u.input.skill, convergence_skill) || scan::contains(u.input.command, convergence_skill)))
      m_.convergence_skills.push_back(here(ev));
  }

  worker_run& add_worker(const transcript::line_event& ev, const transcript::tool_use_block& u, std::string role) {
    worker_run w;
    w.dispatched = here(ev);
    w.tool_use_id = std::string(u.id);
    w.tool = std::string(u.name);
    w.role = std::move(role);
    w.phase = phase_;
    w.turn = ev.turn;
    w.background = u.input.run_in_background;
    by_tool_use_.insert_or_assign(w.tool_use_id, m_.workers.size());
    m_.workers.push_back(std::move(w));
    return m_.workers.back();
  }

  void dispatch(const transcript::line_event& ev, const transcript::tool_use_block& u) {
    // Any dispatch's Result path counts: a roster worker okstra does not know is
    // recognised only once the run (and its roster) is found.
    if (scan::contains(u.input.prompt.raw, result_path_lead)) claim_run_dir(ev, u.input.prompt);
    std::string role = worker_role(u.input.subagent_type, roster_);
    if (role.empty()) return;  // not an okstra worker (Explore, general-purpose, …)
    worker_run& w = add_worker(ev, u, std::move(role));
    w.subagent_type = std::string(u.input.subagent_type);
    w.name = std::string(u.input.name);
    w.team_name = std::string(u.input.team_name);
    w.errors_log_marker = scan::contains(u.input.prompt.raw, errors_log_marker);
    w.errors_sidecar_marker = scan::contains(u.input.prompt.raw, errors_sidecar_marker);
  }

  // The run dir a dispatch prompt's **Result path:** names (docs/conformance.md,
  // "The run dir from the transcript"); dispatches are few, so decoding is cheap.
  void claim_run_dir(const transcript::line_event& ev, transcript::raw_string prompt) {
    const std::string text = transcript::decoded(prompt);
    std::string dir = run_dir_of_result(result_path_in(text));
    if (dir.empty()) return;
    for (const run_dir_claim& c : m_.run_dir_claims)
      if (c.dir == dir) return;
    m_.run_dir_claims.push_back({std::move(dir), here(ev)});
  }

  void bash(const transcript::line_event& ev, const transcript::tool_use_block& u) {
    m_.shells.push_back({here(ev), std::string(u.input.command), "lead", u.input.run_in_background});
    const shell_facts facts = analyse_shell(u.input.command);
    if (!facts.codex_wrapper && !facts.gemini_wrapper) return;
    worker_run& w = add_worker(ev, u, facts.codex_wrapper ? "codex-worker" : "gemini-worker");
    w.name = w.role;
  }

  void tool_result(const transcript::line_event& ev, const transcript::tool_result_block& r,
                   const transcript::tool_use_result* result) {
    if (const auto it = by_tool_use_.find(r.tool_use_id); it != by_tool_use_.end())
      return dispatch_result(ev, m_.workers[it->second], r, result);
    if (const auto it = reads_.find(r.tool_use_id); it != reads_.end()) {
      std::string_view status = result ? result->status : std::string_view();
      if (result && status.empty()) status = result->task_status;
      if (status.empty()) status = tag_value(r.content, "<status>", "</status>");
      const worker_state state = state_of_status(status);
      if (finished(state)) end(it->second.empty() && result ? result->task_id : std::string_view(it->second), state, ev);
      return;
    }
    if (const auto it = kills_.find(r.tool_use_id); it != kills_.end() && !r.is_error) end(it->second, worker_state::killed, ev);
  }

  void dispatch_result(const transcript::line_event& ev, worker_run& w, const transcript::tool_result_block& r,
                       const transcript::tool_use_result* result) {
    if (result && !result->agent_id.empty()) {
      w.agent_id = std::string(result->agent_id);
      m_.agent_ids.emplace_back(w.agent_id, here(ev));
    }
    if (r.is_error) {
      const bool timeout = scan::contains(r.content, "timed out") || scan::contains(r.content, "timeout");
      w.state = timeout ? worker_state::timed_out : worker_state::failed;
      w.ended = here(ev);
      return;
    }
    if (w.tool == "Bash" && w.background) {
      w.shell_id = result && !result->background_id.empty() ? std::string(result->background_id) : background_id_in(r.content);
      w.state = worker_state::running;
      return;
    }
    worker_state state = state_of_status(result ? result->status : std::string_view());
    if (state == worker_state::pending) state = result && result->is_async ? worker_state::running : worker_state::completed;
    w.state = state;
    if (finished(state)) w.ended = here(ev);
  }

  void user_text(const transcript::line_event& ev, transcript::raw_string raw) {
    const bool notification = scan::contains(raw.raw, "<task-notification>");
    const bool teammate = scan::contains(raw.raw, "<teammate-message");
    if (!notification && !teammate) return;
    const std::string text = transcript::decoded(raw);
    if (notification) {
      const worker_state state = state_of_status(tag_value(text, "<status>", "</status>"));
      if (finished(state)) end(tag_value(text, "<task-id>", "</task-id>"), state, ev);
    }
    for (std::size_t at = text.find("teammate_id=\""); teammate && at != std::string::npos;
         at = text.find("teammate_id=\"", at + 1)) {
      const std::size_t start = at + 13, close = text.find('"', start);
      if (close == std::string::npos) break;
      const std::string_view who = std::string_view(text).substr(start, close - start);
      for (worker_run& w : m_.workers)
        if (w.state == worker_state::running && (w.name == who || w.role == who)) w.state = worker_state::completed, w.ended = here(ev);
    }
  }

  void end(std::string_view handle, worker_state state, const transcript::line_event& ev) {
    if (handle.empty()) return;
    for (worker_run& w : m_.workers) {
      if (finished(w.state)) continue;
      if (w.agent_id == handle || w.shell_id == handle || w.tool_use_id == handle) {
        w.state = state;
        w.ended = here(ev);
      }
    }
  }

  session_model& m_;
  const roster& roster_;
  std::string phase_;  // of the last PROGRESS checkpoint
  string_map<std::size_t> by_tool_use_;
  string_map<std::string> reads_, kills_;  // tool_use id -> the id it reads or kills
};

// The Bash calls of one subagent transcript (for BC04).
class subagent_shells {
 public:
  subagent_shells(session_model& model, std::string file, std::string actor)
      : m_(model), file_(std::move(file)), actor_(std::move(actor)) {}

  void operator()(const transcript::line_event& ev) {
    if (ev.kind != transcript::line_kind::assistant) return;
    for (const auto& u : ev.tool_uses)
      if (u.name == "Bash")
        m_.shells.push_back({evidence_of(file_, ev), std::string(u.input.command), actor_, u.input.run_in_background});
  }

 private:
  session_model& m_;
  std::string file_, actor_;
};

}  // namespace okstra::conformance::detail
