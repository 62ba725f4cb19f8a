// The git commands behind okstra/worktree/worktree.hpp. Include that header.
// Every call runs the real git CLI through core/process (no shell), in the C
// locale so its messages are stable, and never prompts.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/core/process.hpp"

namespace okstra::worktree::detail {

// core.fsmonitor is off: its daemon would inherit (and keep) the lock held
// around worktree changes (pending.hpp, git_effects_lock). git runs in a
// process group of its own: killing okstra's group (as 'timeout -s KILL' or a
// terminal's Ctrl-C do) never kills git half-way through a ref or worktree
// update, which would leave git's own *.lock files behind; a git command that
// outlives okstra is waited for by the next run (docs/worktrees.md, "Crash safety").
inline process::result run_git(const stdfs::path& repo, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-c", "core.fsmonitor=false", "-C", repo.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  process::options opts;
  opts.env = {{"LC_ALL", "C"}, {"GIT_TERMINAL_PROMPT", "0"}};
  opts.own_process_group = true;
  return process::run(argv, opts);
}

// The repository's common git folder (shared by all its worktrees), asked
// of git once per repository and process.
inline stdfs::path common_git_dir(const stdfs::path& repo) {
  static std::mutex guard;
  static std::map<std::string, stdfs::path> known;
  const std::lock_guard<std::mutex> hold(guard);
  auto it = known.find(repo.string());
  if (it != known.end()) return it->second;
  const auto r = run_git(repo, {"rev-parse", "--git-common-dir"});
  stdfs::path dir;
  if (r.ok()) {
    std::string out = r.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    dir = stdfs::path(out).is_absolute() ? stdfs::path(out) : repo / out;
  }
  return known.emplace(repo.string(), dir).first->second;
}

// git's worktree commands are not safe against each other in one repository:
// `git worktree add` reads every .git/worktrees/<name>/ and fails on one that
// a concurrent add is still writing. So every `git worktree` command runs
// under an exclusive flock of the repository's common git folder, which only
// okstra takes and which leaves no file behind (docs/worktrees.md,
// "Concurrent prepares of one repository"). Not inherited by git.
class worktree_command_guard {
 public:
  explicit worktree_command_guard(const stdfs::path& repo) {
    const stdfs::path dir = common_git_dir(repo);
    if (dir.empty()) return;  // not a repository: git itself will say so
    fd_ = fs::unique_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd_) return;
    while (::flock(fd_.get(), LOCK_EX) != 0 && errno == EINTR) {
    }
  }

 private:
  fs::unique_fd fd_;
};

inline process::result git_try(const stdfs::path& repo, const std::vector<std::string>& args) {
  if (!args.empty() && args.front() == "worktree") {
    const worktree_command_guard guard(repo);
    return run_git(repo, args);
  }
  return run_git(repo, args);
}

inline std::string strip_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// git's message on one line, for a hint.
inline std::string one_line(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (!line.empty()) out.append(out.empty() ? "" : "; ").append(line);
    start = end + 1;
  }
  return out.empty() ? "git gave no message" : out;
}

inline std::string command_text(const std::vector<std::string>& args) {
  std::string text = "git";
  for (const auto& a : args) text.append(" ").append(a);
  return text;
}

// Runs git and returns its stdout without the final newline; a failure is an
// input error "git failed '<command>'" with git's message as the hint.
inline std::string git(const stdfs::path& repo, const std::vector<std::string>& args) {
  const auto r = git_try(repo, args);
  if (!r.ok()) throw input_error(quoted("git failed", command_text(args)), one_line(r.err + r.out));
  return strip_newlines(r.out);
}

inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

enum class repo_kind { not_git, linked_worktree, main_worktree };

struct repo_probe {
  repo_kind kind = repo_kind::not_git;
  stdfs::path top_level;  // the work tree's root (set for both git kinds)
};

// A linked worktree has its own git dir inside the main repository's
// common dir; the main worktree's git dir is the common dir.
inline repo_probe probe_repository(const stdfs::path& project_root) {
  const auto r = git_try(project_root, {"rev-parse", "--is-inside-work-tree", "--path-format=absolute",
                                        "--git-dir", "--git-common-dir", "--show-toplevel"});
  const auto lines = lines_of(r.out);
  if (!r.ok() || lines.size() != 4 || lines[0] != "true") return {};
  std::error_code ec;
  const auto git_dir = stdfs::weakly_canonical(lines[1], ec);
  const auto common_dir = stdfs::weakly_canonical(lines[2], ec);
  return {git_dir == common_dir ? repo_kind::main_worktree : repo_kind::linked_worktree, lines[3]};
}

inline std::string resolve_commit(const stdfs::path& repo, const std::string& ref) {
  if (ref.empty() || ref.front() == '-') throw usage_error(quoted("invalid base ref", ref));
  const auto r = git_try(repo, {"rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"});
  if (!r.ok())
    throw input_error(quoted("unknown base ref", ref), "git rev-parse --verify found no commit of that name in '" +
                                                            repo.string() + "'");
  return strip_newlines(r.out);
}

// The symbolic name of HEAD (a branch), or "HEAD" when detached.
inline std::string head_name(const stdfs::path& repo) {
  const auto r = git_try(repo, {"symbolic-ref", "--quiet", "--short", "HEAD"});
  return r.ok() ? strip_newlines(r.out) : std::string("HEAD");
}

inline bool branch_exists(const stdfs::path& repo, const std::string& branch) {
  return git_try(repo, {"show-ref", "--verify", "--quiet", "refs/heads/" + branch}).ok();
}

// The branch a new task most likely starts from, for a hint only: the
// remote's default branch, else a local main or master, else HEAD's branch
// (docs/prepare.md "The base ref").
inline std::string likely_base(const stdfs::path& repo) {
  const auto remote = git_try(repo, {"symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"});
  if (remote.ok() && !strip_newlines(remote.out).empty()) return strip_newlines(remote.out);
  for (const char* name : {"main", "master"})
    if (branch_exists(repo, name)) return name;
  return head_name(repo);
}

inline void check_branch_name(const stdfs::path& repo, const std::string& branch) {
  if (!git_try(repo, {"check-ref-format", "--branch", branch}).ok())
    throw usage_error(quoted("task id gives an invalid git branch name", branch),
                      "git refuses names with '..', a final '.' or '.lock'; use another task id");
}

// Canonical paths of every worktree git knows for the repository.
inline std::vector<stdfs::path> worktree_paths(const stdfs::path& repo) {
  std::vector<stdfs::path> paths;
  std::error_code ec;
  for (const auto& line : lines_of(git(repo, {"worktree", "list", "--porcelain"})))
    if (line.rfind("worktree ", 0) == 0) paths.push_back(stdfs::weakly_canonical(line.substr(9), ec));
  return paths;
}

inline bool is_worktree_of(const stdfs::path& repo, const stdfs::path& path) {
  std::error_code ec;
  const auto wanted = stdfs::weakly_canonical(path, ec);
  for (const auto& p : worktree_paths(repo))
    if (p == wanted) return true;
  return false;
}

inline void add_worktree_new_branch(const stdfs::path& repo, const std::string& path, const std::string& branch,
                                    const std::string& commit) {
  git(repo, {"worktree", "add", "--quiet", "-b", branch, path, commit});
}

inline void add_worktree_existing_branch(const stdfs::path& repo, const std::string& path, const std::string& branch) {
  git(repo, {"worktree", "add", "--quiet", path, branch});
}

inline void remove_worktree(const stdfs::path& repo, const std::string& path, bool force) {
  std::vector<std::string> args{"worktree", "remove"};
  if (force) args.emplace_back("--force");
  args.push_back(path);
  git(repo, args);
}

inline void delete_branch(const stdfs::path& repo, const std::string& branch) {
  git(repo, {"branch", "-D", branch});
}

inline std::string branch_tip(const stdfs::path& repo, const std::string& branch) {
  return git(repo, {"rev-parse", "--verify", "refs/heads/" + branch + "^{commit}"});
}

inline std::string merge_base(const stdfs::path& repo, const std::vector<std::string>& branches) {
  std::vector<std::string> args{"merge-base", "--octopus"};
  for (const auto& b : branches) args.push_back("refs/heads/" + b);
  return git(repo, args);
}

// Lines of `git worktree prune -v` (with -n: what it would prune).
inline std::vector<std::string> prune_worktrees(const stdfs::path& repo, bool dry_run) {
  std::vector<std::string> args{"worktree", "prune", "-v"};
  if (dry_run) args.emplace_back("-n");
  const auto r = git_try(repo, args);
  if (!r.ok()) throw input_error(quoted("git failed", command_text(args)), one_line(r.err + r.out));
  auto notes = lines_of(r.err);
  for (auto& line : lines_of(r.out)) notes.push_back(std::move(line));
  return notes;
}

}  // namespace okstra::worktree::detail
