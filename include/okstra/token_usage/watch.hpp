// okstra/token_usage/watch.hpp — waiting for the logs of a report to change,
// for `okstra-usage ... --watch` (docs/usage-watch.md).
//
// Contract:
// - watched_roots() names the folders a report reads, found as collect()
//   finds them (the same flags, environment and defaults): Claude Code's
//   projects folders, Codex's sessions and archived_sessions, Gemini's tmp,
//   the folder of the Cursor log, and (with `recorded_limits`) the folder of
//   the recorded limits file, $OKSTRA_HOME/usage. A folder that does not
//   exist yet is still named: the watcher picks it up once it appears.
// - watcher::wait() blocks in poll(2), with no busy loop, until one of:
//   * changed: something under a watched folder changed (inotify, recursive:
//     folders created later are watched as they appear) and then nothing
//     more for `quiet` (a burst is one change; a burst longer than
//     `longest_burst` still ends in one). A watched root that appears later
//     counts as a change too;
//   * timer: `interval` passed since the last wake-up, when the watcher is
//     on the timer (inotify unavailable or a watch failed, e.g. ENOSPC:
//     every folder falls back to the timer) or `timer_always` is set;
//   * signal: `wake_fd` became readable (the caller reads it).
// - watch_signals routes SIGINT, SIGTERM, SIGHUP and SIGWINCH to a pipe for
//   its lifetime: the handler only writes one byte, the caller decides in
//   normal control flow. The previous handlers come back on destruction.
// - watch_screen takes a terminal over for its lifetime (alternate screen,
//   hidden cursor) and gives it back on destruction, also when an exception
//   unwinds through it; draw() repaints in place without flicker.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/token_usage/token_usage.hpp"

namespace okstra::token_usage {

// The folders the report of `o` reads (docs/usage-watch.md, "What is watched").
std::vector<std::filesystem::path> watched_roots(const collect_options& o, bool recorded_limits);

struct watch_settings {
  std::vector<std::filesystem::path> roots;
  std::chrono::milliseconds interval{5000};  // the timer
  std::chrono::milliseconds quiet{200};      // a change is reported after this long without another
  std::chrono::milliseconds longest_burst{2000};
  bool timer_always = false;  // wake every interval even when inotify works
  bool use_inotify = true;    // false: the timer only (tests, and the fallback)
  int wake_fd = -1;           // readable: wait() returns wake::signal
};

enum class wake { changed, timer, signal };

class watcher {
 public:
  explicit watcher(watch_settings settings);
  ~watcher();
  watcher(const watcher&) = delete;
  watcher& operator=(const watcher&) = delete;

  wake wait();
  bool on_timer() const;                // true: inotify is not in use
  std::size_t folders() const;          // folders watched with inotify now
  const std::string& why_timer() const;  // why inotify is not in use ("" when it is)

  struct state;

 private:
  std::unique_ptr<state> s_;
};

class watch_signals {
 public:
  watch_signals();
  ~watch_signals();
  watch_signals(const watch_signals&) = delete;
  watch_signals& operator=(const watch_signals&) = delete;

  int fd() const { return read_fd_; }
  struct pending {
    int stop = 0;  // SIGINT, SIGTERM or SIGHUP; 0: none
    bool resized = false;
  };
  pending take();  // drains what arrived so far

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
};

class watch_screen {
 public:
  explicit watch_screen(int fd);
  ~watch_screen();
  watch_screen(const watch_screen&) = delete;
  watch_screen& operator=(const watch_screen&) = delete;

  // The header line, then `body` cut to the rows the terminal has.
  void draw(std::string_view header, std::string_view body);

 private:
  int fd_;
};

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/watch_impl.hpp"
#include "okstra/token_usage/detail/watch_screen.hpp"
#endif
