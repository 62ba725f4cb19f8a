// okstra/core/process_facts.hpp — what /proc says about a process of this machine.
//
// Contract: facts_of(pid) reads /proc/<pid>/stat once and returns the state
// (field 3) and the start time (field 22, clock ticks after boot), or nullopt
// when /proc does not show the process (gone, or hidden by hidepid). Nothing
// is cached; nothing throws. Owners of leftovers (stale temporaries, seq
// claims, worktree intents: docs/cli.md, "Files okstra writes", and
// docs/worktrees.md, "Crash safety") are judged with these facts: a pid that
// is gone, a zombie, or a process that started later than the leftover's
// owner did (the pid was reused) no longer owns anything.
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>

namespace okstra::process_facts {

struct facts {
  char state = '?';                    // R, S, D, Z (zombie), X (dead), ...
  unsigned long long start_ticks = 0;  // clock ticks after boot
  // A zombie or dead process runs no code: it owns nothing any more. A killed
  // process whose parent does not reap it (a container without an init that
  // reaps) stays a zombie for long.
  bool exited() const noexcept { return state == 'Z' || state == 'X'; }
};

namespace detail {

// The text of a small /proc file (at most 64 KiB); empty when unreadable.
inline std::string read_small(const char* path) {
  std::string out;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  while (out.size() < (std::size_t{64} << 10)) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace detail

inline std::optional<facts> facts_of(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const std::string text = detail::read_small(("/proc/" + std::to_string(pid) + "/stat").c_str());
  // The command name (field 2) may hold spaces and ')': count after the last ')'.
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  facts out;
  std::size_t at = close + 1;
  for (int field = 3; field <= 22; ++field) {
    while (at < text.size() && text[at] == ' ') ++at;
    if (at >= text.size()) return std::nullopt;
    const std::size_t end = text.find(' ', at);
    const std::string value = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (field == 3) out.state = value.empty() ? '?' : value.front();
    if (field == 22) out.start_ticks = std::strtoull(value.c_str(), nullptr, 10);
    at = end == std::string::npos ? text.size() : end;
  }
  return out;
}

// The start time of `f` in seconds since the epoch (boot time from /proc/stat
// plus the ticks); nullopt when /proc/stat cannot tell. Exact to about a second.
inline std::optional<double> started_at(const facts& f) {
  const std::string boot = detail::read_small("/proc/stat");
  const std::size_t btime = boot.find("\nbtime ");
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  if (btime == std::string::npos || ticks_per_second <= 0) return std::nullopt;
  const double boot_time = std::strtod(boot.c_str() + btime + 7, nullptr);
  return boot_time + static_cast<double>(f.start_ticks) / static_cast<double>(ticks_per_second);
}

}  // namespace okstra::process_facts
