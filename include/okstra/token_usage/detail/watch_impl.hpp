// Definitions for okstra/token_usage/watch.hpp: the folders a report reads
// and the inotify watcher with its timer fallback (docs/usage-watch.md).
// Include okstra/token_usage/watch.hpp instead.
#pragma once

#include <dirent.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/limits.hpp"
#include "okstra/token_usage/watch.hpp"

namespace okstra::token_usage {

namespace watch_detail {

namespace stdfs = std::filesystem;
using clock = std::chrono::steady_clock;

inline std::vector<stdfs::path> roots_of(const std::vector<stdfs::path>& flags, dirs::agent_roots (*from_dirs)()) {
  return flags.empty() ? from_dirs().roots : flags;
}

inline bool is_dir(const stdfs::path& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Where collect() walks below a Claude Code root (detail/files.hpp,
// find_claude): its projects folder, or the root named "projects" itself.
inline stdfs::path claude_folder(const stdfs::path& root) {
  const stdfs::path projects = root / "projects";
  if (is_dir(projects) || !is_dir(root) || root.filename() != "projects") return projects;
  return root;
}

// What a change is: the folder's entries or a file in it (not reads).
constexpr std::uint32_t event_mask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                     IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;
// Deeper folders are not what agents write: a bound against loops and mistakes.
constexpr int deepest = 16;

}  // namespace watch_detail

OKSTRA_INLINE std::vector<std::filesystem::path> watched_roots(const collect_options& o, bool recorded_limits) {
  using namespace watch_detail;
  std::vector<stdfs::path> out;
  const auto on = [&](source s) { return o.enabled[static_cast<std::size_t>(s)]; };
  if (on(source::claude))
    for (const auto& r : roots_of(o.claude_roots, dirs::claude_roots)) out.push_back(claude_folder(r));
  if (on(source::codex))
    for (const auto& r : roots_of(o.codex_roots, dirs::codex_roots)) {
      out.push_back(r / "sessions");
      out.push_back(r / "archived_sessions");
    }
  if (on(source::gemini))
    for (const auto& r : roots_of(o.gemini_roots, dirs::gemini_roots))
      out.push_back(is_dir(r / "tmp") || !is_dir(r) ? r / "tmp" : r);
  if (on(source::cursor))
    out.push_back((o.cursor_log ? *o.cursor_log : dirs::home().cursor_usage_log()).parent_path());
  if (recorded_limits || o.official_limits)
    out.push_back((o.limits_file.empty() ? recorded_limits_file() : o.limits_file).parent_path());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

struct watcher::state {
  watch_settings settings;
  int inotify = -1;
  std::map<int, std::filesystem::path> folders;  // watch descriptor -> folder
  std::vector<std::filesystem::path> missing;     // roots not there (yet)
  std::string why_timer;
  watch_detail::clock::time_point last_wake = watch_detail::clock::now();

  ~state() {
    if (inotify >= 0) ::close(inotify);
  }

  bool on_timer() const { return inotify < 0; }

  // inotify no longer works for every folder: the timer serves them all.
  void give_up(const std::string& why) {
    if (inotify >= 0) ::close(inotify);
    inotify = -1;
    folders.clear();
    why_timer = why;
  }

  // Watches `dir` and every folder below it; false when inotify failed.
  bool add_tree(const std::filesystem::path& dir, int depth) {
    const std::uint32_t follow = depth == 0 ? 0 : IN_DONT_FOLLOW;  // a root may be a link; nothing below
    const int wd = ::inotify_add_watch(inotify, dir.c_str(), watch_detail::event_mask | follow);
    if (wd < 0) {
      if (errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == ELOOP) return true;  // gone, or a file
      give_up(std::string("inotify: ") + std::strerror(errno));
      return false;
    }
    folders[wd] = dir;
    if (depth >= watch_detail::deepest) return true;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return true;
    std::vector<std::filesystem::path> below;
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      const auto path = dir / e->d_name;
      struct stat st{};
      const bool folder = e->d_type == DT_DIR ||
                          (e->d_type == DT_UNKNOWN && ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
      if (folder) below.push_back(path);
    }
    ::closedir(d);
    for (const auto& b : below)
      if (!add_tree(b, depth + 1)) return false;
    return true;
  }

  // Adds the roots that exist now; true when one appeared since last time.
  bool add_missing_roots(bool first) {
    bool appeared = false;
    std::vector<std::filesystem::path> still;
    for (const auto& root : missing) {
      if (on_timer()) return appeared;
      if (!watch_detail::is_dir(root)) {
        still.push_back(root);
        continue;
      }
      if (!add_tree(root, 0)) return appeared;
      appeared = !first;
    }
    missing = std::move(still);
    return appeared;
  }

  void start() {
    missing = settings.roots;
    if (!settings.use_inotify) return give_up("inotify not used");
    inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify < 0) return give_up(std::string("inotify: ") + std::strerror(errno));
    add_missing_roots(true);
  }

  bool read_events();
  bool settle();
  int poll_for(int timeout_ms, bool& inotify_ready, bool& signal_ready) const;
};

// poll(2) on the inotify and wake descriptors; -1 = forever.
OKSTRA_INLINE int watcher::state::poll_for(int timeout_ms, bool& inotify_ready, bool& signal_ready) const {
  pollfd fds[2] = {{inotify, POLLIN, 0}, {settings.wake_fd, POLLIN, 0}};
  const int n = ::poll(fds, 2, timeout_ms);  // a negative fd is ignored by poll
  inotify_ready = n > 0 && (fds[0].revents & POLLIN);
  signal_ready = n > 0 && (fds[1].revents & (POLLIN | POLLHUP));
  return n;
}

// Reads what inotify has; watches new folders. True when anything changed.
OKSTRA_INLINE bool watcher::state::read_events() {
  alignas(inotify_event) char buf[16384];
  bool changed = false;
  for (;;) {
    const ssize_t n = ::read(inotify, buf, sizeof buf);
    if (n <= 0) return changed;  // EAGAIN: drained
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      if (e->mask & IN_Q_OVERFLOW) {
        changed = true;  // events were lost: watch every folder again
        missing = settings.roots;
        add_missing_roots(true);
        if (on_timer()) return true;
        continue;
      }
      const auto folder = folders.find(e->wd);
      if (e->mask & IN_IGNORED) {
        if (folder == folders.end()) continue;
        // A root removed (or moved away) may come back: look for it again.
        const auto& roots = settings.roots;
        if (std::find(roots.begin(), roots.end(), folder->second) != roots.end()) missing.push_back(folder->second);
        folders.erase(folder);
        continue;
      }
      changed = true;
      if (folder != folders.end() && (e->mask & IN_ISDIR) && (e->mask & (IN_CREATE | IN_MOVED_TO)) && e->len) {
        if (!add_tree(folder->second / e->name, 1)) return true;
      }
    }
  }
}

// After a first change: waits until `quiet` passes without another (or the
// burst has lasted `longest_burst`). False when a signal came first.
OKSTRA_INLINE bool watcher::state::settle() {
  const auto start = watch_detail::clock::now();
  for (;;) {
    const auto now = watch_detail::clock::now();
    const auto left = settings.longest_burst - std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
    if (left.count() <= 0 || on_timer()) return true;
    bool more = false, sig = false;
    const int n = poll_for(static_cast<int>(std::min(left, settings.quiet).count()), more, sig);
    if (n < 0 && errno == EINTR) continue;
    if (sig) return false;
    if (n == 0) return true;  // quiet
    if (more) read_events();
  }
}

OKSTRA_INLINE watcher::watcher(watch_settings settings) : s_(std::make_unique<state>()) {
  s_->settings = std::move(settings);
  s_->start();
}

OKSTRA_INLINE watcher::~watcher() = default;

OKSTRA_INLINE bool watcher::on_timer() const { return s_->on_timer(); }
OKSTRA_INLINE std::size_t watcher::folders() const { return s_->folders.size(); }
OKSTRA_INLINE const std::string& watcher::why_timer() const { return s_->why_timer; }

OKSTRA_INLINE wake watcher::wait() {
  using namespace std::chrono;
  state& s = *s_;
  for (;;) {
    const bool timer = s.on_timer() || s.settings.timer_always;
    const auto now = watch_detail::clock::now();
    int timeout = -1;
    if (timer) timeout = static_cast<int>(std::max<long long>(0, duration_cast<milliseconds>(s.last_wake + s.settings.interval - now).count()));
    else if (!s.missing.empty()) timeout = static_cast<int>(s.settings.interval.count());  // look for them again
    bool ready = false, sig = false;
    const int n = s.poll_for(timeout, ready, sig);
    if (n < 0 && errno != EINTR) s.give_up(std::string("poll: ") + std::strerror(errno));
    if (sig) return wake::signal;
    if (ready && s.read_events()) {
      if (!s.settle()) return wake::signal;
      s.last_wake = watch_detail::clock::now();
      return wake::changed;
    }
    if (!s.on_timer() && !s.missing.empty() && n == 0 && s.add_missing_roots(false)) {
      s.last_wake = watch_detail::clock::now();
      return wake::changed;
    }
    if (timer && watch_detail::clock::now() >= s.last_wake + s.settings.interval) {
      s.last_wake = watch_detail::clock::now();
      return wake::timer;
    }
  }
}

}  // namespace okstra::token_usage
