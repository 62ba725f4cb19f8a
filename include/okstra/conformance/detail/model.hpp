// The facts of a lead session the rules judge, built from transcript events in
// one pass, for okstra/conformance/conformance.hpp (include that header instead).
// Only what a rule needs is kept (owned strings): worker dispatches and how they
// ended, PROGRESS checkpoints, Bash calls, file writes, convergence markers.
#pragma once

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "okstra/conformance/detail/shell_words.hpp"
#include "okstra/core/scan.hpp"
#include "okstra/core/text.hpp"
#include "okstra/transcript/events.hpp"

namespace okstra::conformance::detail {

// Where a fact was seen.
struct evidence {
  std::string file;
  std::uint64_t line = 0;
  std::string uuid, timestamp;
};

inline evidence evidence_of(const std::string& file, const transcript::line_event& ev) {
  return {file, ev.line, std::string(ev.uuid), std::string(ev.timestamp)};
}

// The roster of a run: analysis workers ("claude-worker", …) and the report writer.
struct roster {
  std::vector<std::string> workers{"claude-worker", "codex-worker"};
  std::string report_writer = "report-writer";
};

inline constexpr std::string_view report_writer_role = "report-writer";

// The okstra role a subagent_type names ("claude-worker", …, "report-writer"),
// or empty when it is not an okstra worker. A plugin prefix ("okstra:") is ignored.
inline std::string worker_role(std::string_view subagent_type, const roster& r) {
  const std::size_t colon = subagent_type.rfind(':');
  const std::string_view type = colon == std::string_view::npos ? subagent_type : subagent_type.substr(colon + 1);
  if (type.empty()) return {};
  if (type == report_writer_role || type == "report-writer-worker" || type == r.report_writer) return std::string(report_writer_role);
  for (std::string_view known : {"claude-worker", "codex-worker", "gemini-worker"})
    if (type == known) return std::string(type);
  if (std::find(r.workers.begin(), r.workers.end(), type) != r.workers.end()) return std::string(type);
  return {};
}

// "claude-worker" -> "claude"; "report-writer" stays.
inline std::string worker_id(std::string_view role) {
  return std::string(role.ends_with("-worker") ? role.substr(0, role.size() - 7) : role);
}

enum class worker_state { pending, running, completed, failed, timed_out, killed };

inline bool finished(worker_state s) { return s != worker_state::pending && s != worker_state::running; }

// One dispatch of a worker: an Agent/Task call with an okstra subagent_type, or
// a Codex/Gemini wrapper the lead started itself with Bash.
struct worker_run {
  evidence dispatched;
  std::string tool_use_id, tool, subagent_type, role, name, team_name, phase;
  std::uint64_t turn = 0;
  bool background = false, errors_log_marker = false, errors_sidecar_marker = false;
  std::string agent_id, shell_id;  // handles from its toolUseResult
  worker_state state = worker_state::pending;
  std::optional<evidence> ended;  // where it was seen to finish (any end state)

  bool analysis() const { return role != report_writer_role; }
};

struct checkpoint {
  evidence at;
  std::string text;              // the whole PROGRESS line
  std::string phase, verb;       // phase-id and verb phrase
  std::optional<double> order;   // phase-N[.M] as a number; none when malformed
};

struct shell_call {
  evidence at;
  std::string command, actor;  // actor: "lead", or the subagent's type or id
  bool background = false;
};

struct file_write {
  evidence at;
  std::string tool, path;
};

// A run dir a worker dispatch prompt names through its `**Result path:**`.
struct run_dir_claim {
  std::string dir;
  evidence at;  // the first dispatch that names it
};

struct session_model {
  std::string file;
  std::vector<worker_run> workers;
  std::vector<checkpoint> checkpoints;
  std::vector<shell_call> shells;  // every Bash call: lead, inline sidechains, subagent files
  std::vector<file_write> writes;  // the lead's Write/Edit/MultiEdit/NotebookEdit calls
  std::vector<evidence> convergence_skills;  // the lead's Skill calls of okstra-convergence
  std::vector<std::pair<std::string, evidence>> agent_ids;  // agentIds returned to the lead
  std::vector<run_dir_claim> run_dir_claims;  // distinct, in the order first named
  bool inline_sidechains = false;
  transcript::read_stats stats;
};

inline constexpr std::string_view errors_log_marker = "**Errors log path:**";
inline constexpr std::string_view errors_sidecar_marker = "**Errors sidecar path:**";
inline constexpr std::string_view convergence_skill = "okstra-convergence";
inline constexpr std::string_view result_path_lead = "**Result ";  // of "**Result path:**", any case of "path"

// The path on a prompt's "**Result path:** `<path>`" line (okstra-prepare's
// worker prompt), or empty.
inline std::string_view result_path_in(std::string_view prompt) {
  for (std::size_t at = prompt.find(result_path_lead); at != std::string_view::npos;
       at = prompt.find(result_path_lead, at + 1)) {
    std::string_view rest = prompt.substr(at + result_path_lead.size());
    if (rest.size() < 7 || !text::iequals(rest.substr(0, 7), "path:**")) continue;
    rest.remove_prefix(7);
    rest = text::trim(rest.substr(0, rest.find('\n')));
    if (rest.starts_with('`')) {
      rest.remove_prefix(1);
      rest = rest.substr(0, rest.find('`'));
    }
    return text::trim(rest);
  }
  return {};
}

// <run dir>/worker-results/<file> -> <run dir>: the folder holding the
// nearest worker-results above the file; empty for a relative path (the
// lead's working folder is not known) or one outside any worker-results.
inline std::string run_dir_of_result(std::string_view path) {
  if (!path.starts_with('/') || path.find('\0') != std::string_view::npos) return {};
  const std::filesystem::path file = std::filesystem::path(path).lexically_normal();
  for (std::filesystem::path dir = file.parent_path(); dir.has_relative_path(); dir = dir.parent_path())
    if (dir.filename() == "worker-results") return dir.parent_path().string();
  return {};
}

// "phase-5.5" -> 5.5; anything else -> none.
inline std::optional<double> phase_order(std::string_view phase) {
  if (!phase.starts_with("phase-")) return std::nullopt;
  const std::string_view number = phase.substr(6);
  double value = 0, scale = 0;
  bool digits = false;
  for (const char c : number) {
    if (c == '.' && scale == 0 && digits) scale = 1;
    else if (c >= '0' && c <= '9') {
      digits = true;
      if (scale == 0) value = value * 10 + (c - '0');
      else value += (c - '0') * (scale /= 10);
    } else return std::nullopt;
  }
  if (!digits || number.back() == '.' || number.size() > 8) return std::nullopt;
  return value;
}

// The value between <tag> and </tag> in `text`, at most 128 bytes, or empty.
inline std::string_view tag_value(std::string_view text, std::string_view open, std::string_view close) {
  const std::size_t at = scan::find(text, open);
  if (at == scan::npos) return {};
  const std::string_view rest = text.substr(at + open.size());
  const std::size_t end = rest.find(close);
  if (end == std::string_view::npos || end > 128) return {};
  return text::trim(rest.substr(0, end));
}

inline worker_state state_of_status(std::string_view s) {
  for (std::string_view v : {"completed", "success", "succeeded", "done", "finished"})
    if (s == v) return worker_state::completed;
  for (std::string_view v : {"failed", "error", "errored"})
    if (s == v) return worker_state::failed;
  for (std::string_view v : {"timeout", "timed_out"})
    if (s == v) return worker_state::timed_out;
  for (std::string_view v : {"killed", "cancelled", "canceled", "aborted", "interrupted", "stopped"})
    if (s == v) return worker_state::killed;
  if (s.empty()) return worker_state::pending;
  return worker_state::running;  // running, async_launched, teammate_spawned, pending, …
}

// "Command running in background with ID: bash_1" (older tool results).
inline std::string background_id_in(std::string_view content) {
  const std::size_t at = scan::find(content, "with ID: ");
  if (at == scan::npos) return {};
  std::string id;
  for (std::size_t i = at + 9; i < content.size() && id.size() < 64; ++i) {
    const char c = content[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) break;
    id += c;
  }
  return id;
}

}  // namespace okstra::conformance::detail

#include "okstra/conformance/detail/model_builder.hpp"
