// okstra/core/process.hpp — run a child program without a shell.
//
// Contract: run_process spawns argv[0] (searched on PATH when it has no '/')
// with the given argument vector, optional working folder, extra environment
// and stdin text; it captures stdout and stderr in full (both pipes are drained
// together, so a chatty child never deadlocks) and returns the exit status.
// A program that cannot be started throws an input error ("cannot run 'git'").
// A child killed by a signal reports exit_status = 128 + signal. With
// own_process_group the child leads a process group of its own.
#pragma once

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"

extern char** environ;

namespace okstra::process {

struct options {
  std::string cwd;                                          // empty: inherit
  std::vector<std::pair<std::string, std::string>> env;     // set or override
  std::vector<std::string> unset_env;                       // remove
  std::string stdin_text;                                   // fed then closed
  // Start the child in a process group of its own, so a signal sent to the
  // caller's group (Ctrl-C, 'timeout -s KILL') does not reach it: it runs to
  // its end even when the caller is killed (docs/worktrees.md, "Crash safety").
  bool own_process_group = false;
};

struct result {
  int exit_status = 0;
  bool signaled = false;
  std::string out;
  std::string err;
  bool ok() const noexcept { return exit_status == 0 && !signaled; }
};

namespace detail {

inline std::vector<std::string> build_environment(const options& opts) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    bool drop = false;
    for (const auto& u : opts.unset_env) drop = drop || name == u;
    for (const auto& kv : opts.env) drop = drop || name == kv.first;
    if (!drop) env.emplace_back(entry);
  }
  for (const auto& kv : opts.env) env.push_back(kv.first + "=" + kv.second);
  return env;
}

inline std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct pipe_pair {
  fs::unique_fd read_end, write_end;
  pipe_pair() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw io_error("create pipe", "child process");
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
};

// Feeds stdin and drains stdout/stderr until all are closed.
inline void pump(pipe_pair& in, pipe_pair& out, pipe_pair& err, std::string_view input, result& r) {
  in.read_end.reset();
  out.write_end.reset();
  err.write_end.reset();
  if (input.empty()) {
    in.write_end.reset();
  } else {
    // Non-blocking, so a write never waits on a child that is itself blocked
    // writing to a full stdout/stderr pipe we are not draining (deadlock).
    const int fl = ::fcntl(in.write_end.get(), F_GETFL);
    if (fl < 0 || ::fcntl(in.write_end.get(), F_SETFL, fl | O_NONBLOCK) != 0)
      throw io_error("create pipe", "child process");
  }
  char buf[1 << 15];
  for (;;) {
    pollfd fds[3];
    nfds_t n = 0;
    if (out.read_end) fds[n++] = {out.read_end.get(), POLLIN, 0};
    if (err.read_end) fds[n++] = {err.read_end.get(), POLLIN, 0};
    if (in.write_end) fds[n++] = {in.write_end.get(), POLLOUT, 0};
    if (n == 0) return;
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      throw io_error("wait for", "child process");
    }
    for (nfds_t k = 0; k < n; ++k) {
      if (!fds[k].revents) continue;
      if (in.write_end && fds[k].fd == in.write_end.get()) {
        const ssize_t w = ::write(fds[k].fd, input.data(), input.size());
        if (w < 0 && errno != EINTR && errno != EAGAIN) input = {};
        if (w > 0) input.remove_prefix(static_cast<std::size_t>(w));
        if (input.empty()) in.write_end.reset();
        continue;
      }
      const ssize_t got = ::read(fds[k].fd, buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      const bool is_out = out.read_end && fds[k].fd == out.read_end.get();
      if (got <= 0) {
        (is_out ? out : err).read_end.reset();
      } else {
        (is_out ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
      }
    }
  }
}

}  // namespace detail

inline result run(const std::vector<std::string>& argv, const options& opts = {}) {
  if (argv.empty()) throw input_error("cannot run an empty command");
  if (!opts.cwd.empty()) {
    struct stat st{};
    if (::stat(opts.cwd.c_str(), &st) != 0) throw io_error("enter folder", opts.cwd);
    if (!S_ISDIR(st.st_mode)) throw io_error("enter folder", opts.cwd, ENOTDIR);
  }
  detail::pipe_pair in, out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read_end.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end.get(), 2);
  if (!opts.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, opts.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  short flags = POSIX_SPAWN_SETSIGDEF;
  if (opts.own_process_group) {
    posix_spawnattr_setpgroup(&attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr, flags);

  std::vector<std::string> args(argv), env = detail::build_environment(opts);
  auto c_args = detail::c_strings(args), c_env = detail::c_strings(env);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, c_args[0], &actions, &attr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw io_error("run", argv[0], rc);

  // Writing to a child that exited early must fail with EPIPE, not kill us.
  struct sigaction ignore{}, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  result r;
  try {
    detail::pump(in, out, err, opts.stdin_text, r);
  } catch (...) {
    ::sigaction(SIGPIPE, &previous, nullptr);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw;
  }
  ::sigaction(SIGPIPE, &previous, nullptr);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw io_error("wait for", argv[0]);
  }
  if (WIFSIGNALED(status)) {
    r.signaled = true;
    r.exit_status = 128 + WTERMSIG(status);
  } else {
    r.exit_status = WEXITSTATUS(status);
  }
  return r;
}

}  // namespace okstra::process
