// Definitions for okstra/token_usage/watch.hpp: the signals a watch stops or
// redraws on, and the terminal it draws on (docs/usage-watch.md, "On a
// terminal"). Include okstra/token_usage/watch.hpp instead.
#pragma once

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include "okstra/core/error.hpp"
#include "okstra/token_usage/watch.hpp"

namespace okstra::token_usage {

namespace watch_detail {

// The one pipe the handlers write to: a handler may only touch plain data.
inline volatile std::sig_atomic_t signal_pipe = -1;
constexpr int watched_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};
inline struct sigaction previous_actions[4];

inline void on_watch_signal(int signo) {
  const int saved = errno;
  const char byte = static_cast<char>(signo);
  if (signal_pipe >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(signal_pipe, &byte, 1);  // a full pipe: one byte is enough
  }
  errno = saved;
}

// Writes all of `text`, or gives up quietly: a terminal that cannot be
// written to cannot be repaired either.
inline void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace watch_detail

OKSTRA_INLINE watch_signals::watch_signals() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw io_error("create", "a pipe");
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  watch_detail::signal_pipe = write_fd_;
  struct sigaction sa{};
  sa.sa_handler = watch_detail::on_watch_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // the readers of a render go on; the loop looks after it
  for (std::size_t i = 0; i < 4; ++i) ::sigaction(watch_detail::watched_signals[i], &sa, &watch_detail::previous_actions[i]);
}

OKSTRA_INLINE watch_signals::~watch_signals() {
  for (std::size_t i = 0; i < 4; ++i) ::sigaction(watch_detail::watched_signals[i], &watch_detail::previous_actions[i], nullptr);
  watch_detail::signal_pipe = -1;
  ::close(read_fd_);
  ::close(write_fd_);
}

OKSTRA_INLINE watch_signals::pending watch_signals::take() {
  pending p;
  char buf[64];
  for (ssize_t n; (n = ::read(read_fd_, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR);)
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == SIGWINCH) p.resized = true;
      else if (!p.stop) p.stop = buf[i];
    }
  return p;
}

// 1049: the alternate screen (the shell's screen comes back as it was);
// 25: the cursor. Both are undone in the destructor, in normal control flow.
OKSTRA_INLINE watch_screen::watch_screen(int fd) : fd_(fd) { watch_detail::write_all(fd_, "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J"); }

OKSTRA_INLINE watch_screen::~watch_screen() { watch_detail::write_all(fd_, "\x1b[?25h\x1b[?1049l"); }

// Home, each line cleared to its end, then the rest of the screen: no blank
// frame in between, so nothing flickers.
OKSTRA_INLINE void watch_screen::draw(std::string_view header, std::string_view body) {
  winsize ws{};
  const int rows = ::ioctl(fd_, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 ? ws.ws_row : 24;
  std::string frame = "\x1b[H";
  frame.append(header).append("\x1b[K");
  int row = 1;
  while (!body.empty() && body.back() == '\n') body.remove_suffix(1);
  for (std::size_t start = 0; row < rows && start <= body.size(); ++row) {
    const std::size_t end = std::min(body.find('\n', start), body.size());
    frame.append("\r\n").append(body.substr(start, end - start)).append("\x1b[K");
    start = end + 1;
    if (end == body.size()) break;
  }
  frame.append("\x1b[J");
  watch_detail::write_all(fd_, frame);
}

}  // namespace okstra::token_usage
