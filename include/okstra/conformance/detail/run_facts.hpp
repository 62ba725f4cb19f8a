// What the rules need from a run folder, and finding the run's lead session,
// for okstra/conformance/conformance.hpp (include that header instead).
//
// Files read (docs/conformance.md, "The run dir"): <run dir>/run-context.json
// (mandatory: taskType, seq; also taskKey, reportPath, worktreePath,
// projectRoot), <task root>/task-manifest.json (roster; task root = the folder
// holding runs/), <run dir>/team-state.json ({teamName, sessionId,
// teamCreate{status}}; optional). A missing manifest means the default roster
// (a diagnostic says so); a malformed one, like a malformed team state, is an
// input error: it is never silently replaced by a default.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "okstra/conformance/detail/model.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/dirs/dirs.hpp"

namespace okstra::conformance::detail {

struct run_facts {
  std::string run_dir;  // as given
  std::string task_key, task_type, task_id;
  int seq = 0;
  std::string report_path;           // run-context.json reportPath, as recorded
  stdfs::path report_in_run_dir;     // <run dir>/reports/final-report-<type>-<NNN>.md
  std::string report_name;           // final-report-<type>-<NNN>.md
  roster crew;
  std::string worktree_path, project_root;
  std::string team_state_file;  // empty when there is none
  std::string team_name, session_id, team_create_status;

  std::string seq_text() const {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%03d", seq);
    return digits;
  }
  stdfs::path worker_result(std::string_view id) const {
    return stdfs::path(run_dir) / "worker-results" / (std::string(id) + "-" + seq_text() + ".md");
  }
  stdfs::path report_writer_errors_log() const {
    return stdfs::path(run_dir) / "worker-results" / ("report-writer-" + seq_text() + ".errors.log");
  }
};

// True for a regular file, false when nothing is there; anything else (a
// folder, a FIFO, a device) is an input error: it is never opened, so it can
// neither block nor be mistaken for an absent file.
inline bool regular_or_absent(const stdfs::path& p) {
  struct stat st{};
  if (::stat(p.c_str(), &st) != 0) return false;
  if (!S_ISREG(st.st_mode)) throw input_error(quoted("cannot read", p.string()) + ": not a regular file");
  return true;
}

// <task root> for <task root>/runs/<type> and <task root>/runs/<type>/stage-N.
inline stdfs::path task_root_of(const stdfs::path& run_dir) {
  const stdfs::path dir = run_dir.lexically_normal();
  const stdfs::path clean = dir.filename().empty() ? dir.parent_path() : dir;
  const bool staged = clean.filename().string().starts_with("stage-");
  const stdfs::path type_dir = staged ? clean.parent_path() : clean;
  return type_dir.parent_path().parent_path();
}

inline void read_roster(run_facts& f, std::vector<transcript::diagnostic>& diagnostics) {
  const stdfs::path manifest = dirs::task_paths{task_root_of(f.run_dir)}.manifest();
  if (!regular_or_absent(manifest)) {
    diagnostics.push_back({manifest.string(), 0, "no task manifest: the default roster (claude-worker, codex-worker, report-writer) is used"});
    return;
  }
  const json::document doc = json::read_file(manifest, std::size_t{16} << 20);
  json::require_object(doc, manifest.string());
  if (const auto id = json::get_string(doc, "taskId")) f.task_id = std::string(*id);
  const json::value* r = json::find(doc, "roster");
  if (!r) return;
  if (!r->IsObject()) throw json::field_error(manifest.string(), "roster", "an object");
  if (const json::value* workers = json::find(*r, "workers"); workers && workers->IsArray()) {
    f.crew.workers.clear();
    for (const auto& w : workers->GetArray())
      if (w.IsString()) f.crew.workers.emplace_back(json::as_string_view(w));
  }
  if (const json::value* writer = json::find(*r, "reportWriter")) f.crew.report_writer = std::string(json::as_string_view(*writer));
}

inline void read_team_state(run_facts& f) {
  const stdfs::path file = stdfs::path(f.run_dir) / "team-state.json";
  if (!regular_or_absent(file)) return;
  const json::document doc = json::read_file(file, std::size_t{16} << 20);
  json::require_object(doc, file.string());
  f.team_state_file = file.string();
  // The spellings okstra-usage run also reads: team.teamName, leadSessionId.
  f.team_name = std::string(json::get_string(doc, "teamName").value_or(""));
  if (const json::value* team = json::find(doc, "team"); f.team_name.empty() && team && team->IsObject())
    f.team_name = std::string(json::get_string(*team, "teamName").value_or(""));
  f.session_id = std::string(json::get_string(doc, "sessionId").value_or(""));
  if (f.session_id.empty()) f.session_id = std::string(json::get_string(doc, "leadSessionId").value_or(""));
  if (const json::value* create = json::find(doc, "teamCreate"); create && create->IsObject())
    f.team_create_status = std::string(json::get_string(*create, "status").value_or(""));
}

inline run_facts read_run(const stdfs::path& run_dir, std::vector<transcript::diagnostic>& diagnostics) {
  struct stat st{};
  if (::stat(run_dir.c_str(), &st) != 0) throw io_error("read", run_dir.string());
  if (!S_ISDIR(st.st_mode)) throw input_error(quoted("cannot read", run_dir.string()) + ": not a folder");
  run_facts f;
  f.run_dir = run_dir.string();
  const stdfs::path context = run_dir / "run-context.json";
  regular_or_absent(context);  // absent: read_file below says so
  const json::document doc = json::read_file(context, std::size_t{16} << 20);
  json::require_object(doc, context.string());
  f.task_type = std::string(json::require_string(doc, "taskType", context.string()));
  const std::int64_t seq = json::require_int(doc, "seq", context.string());
  if (seq < 1 || seq > 999) throw json::field_error(context.string(), "seq", "a run sequence from 1 to 999");
  f.seq = static_cast<int>(seq);
  if (!dirs::is_task_type(f.task_type)) throw json::field_error(context.string(), "taskType", "an okstra task type");
  f.task_key = std::string(json::get_string(doc, "taskKey").value_or(""));
  f.report_path = std::string(json::get_string(doc, "reportPath").value_or(""));
  f.worktree_path = std::string(json::get_string(doc, "worktreePath").value_or(""));
  f.project_root = std::string(json::get_string(doc, "projectRoot").value_or(""));
  f.report_name = dirs::report_name(f.task_type, f.seq);
  f.report_in_run_dir = run_dir / "reports" / f.report_name;
  const std::size_t cut = f.task_key.find_last_of("/:");
  f.task_id = cut == std::string::npos ? f.task_key : f.task_key.substr(cut + 1);
  read_roster(f, diagnostics);
  read_team_state(f);
  return f;
}

// ---- finding the lead session ------------------------------------------------

// The Claude roots: given ones, else as dirs finds them (docs/dirs.md,
// "Agent roots") — the same roots okstra-usage reads.
inline std::vector<stdfs::path> claude_roots(const std::vector<stdfs::path>& given) {
  return given.empty() ? dirs::claude_roots().roots : given;
}

// Claude Code names a project folder after its working folder, every byte
// other than [A-Za-z0-9] replaced by '-': /work/shop -> -work-shop.
inline std::string project_folder_name(std::string_view cwd) {
  std::string out(cwd);
  for (char& c : out)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '-';
  return out;
}

// Every <root>/projects/<folder>: first those named after a `preferred`
// working folder, then the others, each group in name order.
inline std::pair<std::vector<stdfs::path>, std::vector<stdfs::path>> project_folders(
    const std::vector<stdfs::path>& roots, const std::vector<std::string>& preferred) {
  std::vector<stdfs::path> first, rest;
  for (const auto& root : roots) {
    std::vector<stdfs::path> here;
    std::error_code ec;
    for (const auto& e : stdfs::directory_iterator(root / "projects", ec))
      if (std::error_code type_ec; e.is_directory(type_ec)) here.push_back(e.path());
    std::sort(here.begin(), here.end());
    for (auto& dir : here) {
      const std::string name = dir.filename().string();
      const bool wanted = std::any_of(preferred.begin(), preferred.end(),
                                      [&](const std::string& p) { return !p.empty() && project_folder_name(p) == name; });
      (wanted ? first : rest).push_back(std::move(dir));
    }
  }
  return {std::move(first), std::move(rest)};
}

inline bool plain_file_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

// Does this main transcript hold a TeamCreate call for `team`?
inline bool creates_team(const stdfs::path& transcript_file, std::string_view team) {
  bool found = false;
  transcript::detail::event_parser parser;
  transcript::line_event ev;
  transcript::detail::for_each_file_line(
      transcript_file,
      [&](std::string_view line, bool) {
        if (found || !scan::contains(line, "TeamCreate") || !scan::contains(line, team) || !parser.parse(line, ev)) return;
        for (const auto& u : ev.tool_uses) found = found || (u.name == "TeamCreate" && u.input.team_name == team);
      },
      [](bool) {});
  return found;
}

// The most recently modified main transcript (*.jsonl directly in a project
// folder) of `folders` that creates `team`.
inline std::optional<stdfs::path> latest_team_creator(const std::vector<stdfs::path>& folders, std::string_view team) {
  std::optional<stdfs::path> best;
  std::int64_t best_time = 0;
  for (const auto& dir : folders) {
    std::vector<stdfs::path> files;
    std::error_code ec;
    for (const auto& e : stdfs::directory_iterator(dir, ec))
      if (e.path().extension() == ".jsonl" && fs::is_regular_file(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      struct stat st{};
      if (::stat(f.c_str(), &st) != 0 || !creates_team(f, team)) continue;
      const std::int64_t t = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
      if (!best || t > best_time) best = f, best_time = t;
    }
  }
  return best;
}

// The run's lead session: <root>/projects/*/<sessionId>.jsonl, else the
// transcript that created the run's team (the working folders' project
// folders searched first).
inline std::optional<stdfs::path> find_session(const run_facts& run, const std::vector<stdfs::path>& roots) {
  const auto [preferred, others] = project_folders(roots, {run.worktree_path, run.project_root});
  if (plain_file_name(run.session_id))
    for (const auto* group : {&preferred, &others})
      for (const auto& dir : *group)
        if (const stdfs::path p = dir / (run.session_id + ".jsonl"); fs::is_regular_file(p)) return p;
  if (run.team_name.empty()) return std::nullopt;
  if (auto found = latest_team_creator(preferred, run.team_name)) return found;
  return latest_team_creator(others, run.team_name);
}

}  // namespace okstra::conformance::detail
