// Run folders and the race-free seq claim of okstra/prepare/prepare.hpp.
// Include that header instead.
#pragma once

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

namespace okstra::prepare {

inline constexpr int max_seq = 999;

inline std::string seq_text(int seq) {
  if (seq < 1 || seq > max_seq) throw input_error(quoted("report sequence out of range", std::to_string(seq)));
  char digits[8];
  std::snprintf(digits, sizeof digits, "%03d", seq);
  return digits;
}

namespace detail {
// "NNN" (three digits, 001-999) as a number, else 0.
inline int parse_seq(std::string_view text) {
  if (text.size() != 3) return 0;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + (c - '0');
  }
  return value;
}

inline int seq_of_report(std::string_view name, std::string_view task_type) {
  const std::string prefix = "final-report-" + std::string(task_type) + "-";
  if (!name.starts_with(prefix) || !name.ends_with(".md")) return 0;
  return parse_seq(name.substr(prefix.size(), name.size() - prefix.size() - 3));
}
}  // namespace detail

inline int highest_seq(const stdfs::path& run_dir, std::string_view task_type) {
  int highest = 0;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(run_dir / "reports", ec))
    highest = std::max(highest, detail::seq_of_report(entry.path().filename().string(), task_type));
  for (const auto& entry : stdfs::directory_iterator(run_dir / "prompts", ec))
    if (entry.is_directory(ec)) highest = std::max(highest, detail::parse_seq(entry.path().filename().string()));
  return highest;
}

inline run_paths allocate_run(const dirs::project_layout& project, const dirs::task_key& key,
                              std::string_view task_type, std::optional<int> stage, rollback_journal& journal) {
  dirs::validate_task_type(task_type);
  const bool nests = task_type == "implementation";
  if (nests && !stage) throw usage_error(quoted("an implementation run needs a stage", key.str()), "pass --stage N or --stage auto");
  if (stage && *stage < 1) throw usage_error(quoted("invalid stage", std::to_string(*stage)), "stages count from 1");

  run_paths paths;
  paths.task_type = std::string(task_type);
  paths.stage = stage;
  const dirs::task_paths task{project.task_root(key)};
  paths.task_root = task.task_root;
  paths.run_dir = task.run_dir(task_type, nests ? stage : std::nullopt);
  paths.reports_dir = paths.run_dir / "reports";
  paths.worker_results_dir = paths.run_dir / "worker-results";
  paths.prompts_dir = paths.run_dir / "prompts";
  paths.run_context_file = paths.run_dir / "run-context.json";
  for (const auto& dir : {paths.reports_dir, paths.worker_results_dir, paths.prompts_dir}) make_folders(dir, journal);

  // mkdir is the claim: whoever creates prompts/<NNN>/ owns that seq.
  for (int seq = highest_seq(paths.run_dir, task_type) + 1; seq <= max_seq; ++seq) {
    const stdfs::path claim = paths.prompts_dir / seq_text(seq);
    if (::mkdir(claim.c_str(), 0755) != 0) {
      if (errno == EEXIST) continue;
      throw io_error("create folder", claim.string());
    }
    journal.on_rollback("remove folder " + claim.string(), [claim] { detail::remove_if_empty(claim); });
    paths.seq = seq;
    paths.seq_prompts_dir = claim;
    paths.report_path = paths.reports_dir / dirs::report_name(task_type, seq);
    return paths;
  }
  throw input_error(quoted("no report sequence left in", paths.run_dir.string()),
                    "a run folder holds at most 999 runs; archive old reports and prompts");
}

}  // namespace okstra::prepare
