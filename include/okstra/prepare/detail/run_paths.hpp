// Run folders and the race-free seq claim of okstra/prepare/prepare.hpp.
// Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <vector>

namespace okstra::prepare {

inline constexpr int max_seq = 999;

OKSTRA_INLINE std::string seq_text(int seq) {
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

// The owner marker of a seq claim, written right after the mkdir: the pid of
// the prepare that claimed it. Its mtime tells a reused pid (fs::owner_alive).
inline constexpr std::string_view claim_marker = ".claim";
// The name of a claim before its rename: "<prefix><pid>-<n>".
inline constexpr std::string_view draft_claim_prefix = ".claim-draft-";

// The owner's pid in a claim's marker ("<pid>\n"), else 0 (unknown).
inline pid_t marker_pid(const safe_path::folder& claim) {
  std::optional<std::string> text;
  try {
    text = safe_path::read_file_at(claim, std::string(claim_marker), 64);
  } catch (const okstra::error&) {
    return 0;
  }
  if (!text) return 0;
  pid_t pid = 0;
  std::size_t digits = 0;
  for (; digits < text->size() && digits < 9 && (*text)[digits] >= '0' && (*text)[digits] <= '9'; ++digits)
    pid = pid * 10 + ((*text)[digits] - '0');
  return digits > 0 && text->substr(digits) == "\n" ? pid : 0;
}

// A claim that a killed prepare left behind (docs/prepare.md, "6. Run paths
// and the seq"): it holds nothing but its marker, and the process named there
// is gone. A claim is renamed into place with its marker already in it, so an
// unmarked claim is an older okstra's or one made by hand: owner unknown, and
// the task lock the caller holds says that no prepare is filling it now.
inline bool stale_claim(const safe_path::folder& claim) {
  std::vector<safe_path::entry> entries;
  try {
    entries = safe_path::entries_at(claim);
  } catch (const okstra::error&) {
    return false;
  }
  for (const auto& e : entries) {
    if (e.type != safe_path::entry_type::regular || e.name != claim_marker) return false;  // the run's own files
    struct stat st{};
    if (::fstatat(claim.fd.get(), e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
    const double written = static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
    if (fs::owner_alive(marker_pid(claim), written)) return false;
  }
  return true;
}

// Removes claim folder `name` of `prompts` when it holds nothing but its
// marker: the marker goes, then the folder by rmdir (which leaves a folder
// that gained a file meanwhile). No link is followed.
inline void remove_claim_folder(const safe_path::folder& prompts, const std::string& name) {
  try {
    const std::optional<safe_path::folder> claim = safe_path::find_folder_at(prompts, name);
    if (!claim) return;
    for (const auto& e : safe_path::entries_at(*claim))
      if (e.name != claim_marker && !e.name.starts_with("." + std::string(claim_marker) + ".tmp-")) return;
    for (const auto& e : safe_path::entries_at(*claim)) ::unlinkat(claim->fd.get(), e.name.c_str(), 0);
  } catch (const okstra::error&) {
    return;
  }
  ::unlinkat(prompts.fd.get(), name.c_str(), AT_REMOVEDIR);
}

// A private, not yet claimed folder ".claim-draft-<pid>-<n>" in `prompts` with
// the marker naming this process; a prepare killed before its rename leaves
// one, which remove_stale_claims takes away once its owner is gone.
inline std::string draft_claim(const safe_path::folder& prompts) {
  static std::atomic<unsigned> counter{0};
  const std::string name = std::string(draft_claim_prefix) + std::to_string(::getpid()) + "-" +
                           std::to_string(counter.fetch_add(1));
  if (::mkdirat(prompts.fd.get(), name.c_str(), 0755) != 0) throw io_error("create folder", (prompts.path / name).string());
  try {
    const std::optional<safe_path::folder> draft = safe_path::find_folder_at(prompts, name);
    if (!draft) throw io_error("create folder", (prompts.path / name).string());
    safe_path::write_file_at(*draft, std::string(claim_marker), std::to_string(::getpid()) + "\n");
  } catch (...) {
    remove_claim_folder(prompts, name);
    throw;
  }
  return name;
}

// Removes the stale claims in `prompts`; a seq that has a report is never
// touched. Best effort, and without following a link: the marker files go,
// then the folder by rmdir, which only removes an empty one (a claim that
// gained a file meanwhile stays).
inline void remove_stale_claims(const safe_path::folder& prompts, const stdfs::path& reports_dir,
                                std::string_view task_type) {
  std::vector<safe_path::entry> claims;
  try {
    claims = safe_path::entries_at(prompts);
  } catch (const okstra::error&) {
    return;
  }
  for (const auto& c : claims) {
    if (c.type != safe_path::entry_type::folder) continue;
    struct stat st{};
    if (const pid_t owner = fs::detail::temp_owner(c.name, draft_claim_prefix)) {  // a draft never renamed
      if (::fstatat(prompts.fd.get(), c.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      const double made = static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
      if (!fs::owner_alive(owner, made)) remove_claim_folder(prompts, c.name);
      continue;
    }
    const int seq = parse_seq(c.name);
    if (seq == 0) continue;
    const stdfs::path report = reports_dir / dirs::report_name(task_type, seq);
    if (::lstat(report.c_str(), &st) == 0 || errno != ENOENT) continue;  // a finished run's seq
    try {
      const std::optional<safe_path::folder> claim = safe_path::find_folder_at(prompts, c.name);
      if (!claim || !stale_claim(*claim)) continue;
    } catch (const okstra::error&) {
      continue;
    }
    remove_claim_folder(prompts, c.name);
  }
}
}  // namespace detail

OKSTRA_INLINE int highest_seq(const stdfs::path& run_dir, std::string_view task_type) {
  int highest = 0;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(run_dir / "reports", ec))
    highest = std::max(highest, detail::seq_of_report(entry.path().filename().string(), task_type));
  for (const auto& entry : stdfs::directory_iterator(run_dir / "prompts", ec))
    if (entry.is_directory(ec)) highest = std::max(highest, detail::parse_seq(entry.path().filename().string()));
  return highest;
}

OKSTRA_INLINE run_paths allocate_run(const dirs::project_layout& project, const dirs::task_key& key,
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
  // No link below the project root is followed (docs/prepare.md, "Symlinks").
  const stdfs::path& root = project.project_root;
  for (const auto& dir : {paths.reports_dir, paths.worker_results_dir, paths.prompts_dir})
    make_folders_below(root, dir, journal);
  const safe_path::folder prompts = safe_path::open_folder(root, safe_path::below(root, paths.prompts_dir));
  detail::remove_stale_claims(prompts, paths.reports_dir, task_type);

  // The claim is born whole: a private folder holding the owner marker is
  // renamed to prompts/<NNN>/ without replacing anything, so whoever renames
  // first owns that seq, and no claim is ever seen without its owner.
  const std::string draft = detail::draft_claim(prompts);
  for (int seq = highest_seq(paths.run_dir, task_type) + 1; seq <= max_seq; ++seq) {
    const stdfs::path claim = paths.prompts_dir / seq_text(seq);
    if (::renameat2(prompts.fd.get(), draft.c_str(), prompts.fd.get(), seq_text(seq).c_str(), RENAME_NOREPLACE) != 0) {
      if (errno == EEXIST) continue;
      const int failure = errno;
      detail::remove_claim_folder(prompts, draft);
      errno = failure;
      throw io_error("create folder", claim.string());
    }
    journal.on_rollback("remove folder " + claim.string(), [root, claim] {
      const stdfs::path relative = safe_path::below(root, claim);
      if (const auto parent = detail::parent_below(root, relative))
        detail::remove_claim_folder(*parent, relative.filename().string());
    });
    paths.seq = seq;
    paths.seq_prompts_dir = claim;
    paths.report_path = paths.reports_dir / dirs::report_name(task_type, seq);
    return paths;
  }
  detail::remove_claim_folder(prompts, draft);
  throw input_error(quoted("no report sequence left in", paths.run_dir.string()),
                    "a run folder holds at most 999 runs; archive old reports and prompts");
}

}  // namespace okstra::prepare
