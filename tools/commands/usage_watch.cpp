// tools/commands/usage_watch.cpp — `--watch [SECONDS]`: render a report, then
// again whenever its logs change (docs/usage-watch.md).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include "usage_watch.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "okstra/core/error.hpp"

namespace okstra::commands::usage_watch {

namespace {

namespace cli = okstra::cli;
namespace tu = okstra::token_usage;

constexpr const char* default_seconds = "5";

// "14:03:12", local time: when the screen was last drawn.
std::string clock_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

std::string header_of(const std::string& title, const tu::watcher& w, double interval, bool timer_always) {
  std::string h = title + " - updated " + clock_now() + " - ";
  const std::string every = "every " + seconds_text(interval) + " s";
  if (w.on_timer()) h += "timer " + every + " (" + w.why_timer() + ")";
  else h += "watching " + std::to_string(w.folders()) + (w.folders() == 1 ? " folder" : " folders") + (timer_always ? " and " + every : "");
  return h + " - Ctrl-C stops";
}

// The screen: the report, then its warnings, all on the terminal (stderr
// would scroll the screen away).
int on_terminal(const cli::arguments& cmd, const std::string& title, tu::watcher& w, tu::watch_signals& signals,
                double interval, bool timer_always, const render_fn& render) {
  tu::watch_screen screen(STDOUT_FILENO);
  screen.draw(title + " - reading the logs", "");  // a first, cold read may take a while
  for (;;) {
    const frame f = render(cli::stdout_style(cmd), false);
    std::string body = f.shown ? f.text : std::string();
    if (!f.problems.empty()) body += (body.empty() ? "" : "\n\n") + f.problems;
    screen.draw(header_of(title, w, interval, timer_always), body);
    for (bool again = false; !again;) {
      if (w.wait() != tu::wake::signal) break;
      const auto p = signals.take();
      if (p.stop) return 0;
      again = p.resized;
    }
  }
}

// A pipe or a file: a report only when its text changed, a blank line
// between two (JSON: one document a line); warnings on stderr when they changed.
int off_terminal(const cli::arguments& cmd, tu::watcher& w, tu::watch_signals& signals, const render_fn& render) {
  const bool json = cmd.out().format == "json";
  std::string shown, warned;
  bool first = true;
  for (;;) {
    const frame f = render(cli::stdout_style(cmd), json);
    if (f.problems != warned) std::fwrite(f.problems.data(), 1, f.problems.size(), stderr);
    warned = f.problems;
    if (f.shown && f.text != shown) {
      if (!first && !json) cli::emit("");
      cli::emit(f.text);
      shown = f.text;
      first = false;
    }
    for (;;) {
      if (w.wait() != tu::wake::signal) break;
      if (signals.take().stop) return 0;
    }
  }
}

}  // namespace

cli::option declare() {
  cli::option o = cli::number("watch", "SECONDS", "keep the report on screen, redrawn when its logs change (or every SECONDS on the timer)");
  o.minimum = 1;  // more than 0
  return o.optional_value(default_seconds);
}

double interval_of(const cli::arguments& cmd) {
  if (cmd.command() == "blocks" && !cmd.has("active"))
    throw okstra::usage_error("option '--watch' of blocks needs '--active'", cmd.see_help());
  if (cmd.out().quiet) throw okstra::usage_error("options '--watch' and '--quiet' cannot be combined", cmd.see_help());
  return cmd.number("watch").value_or(5);
}

int run(const cli::arguments& cmd, std::vector<std::filesystem::path> roots, bool timer_always, const render_fn& render) {
  const double interval = interval_of(cmd);
  // The title of the screen: the command as typed, in short.
  const std::string title = cmd.where() + (cmd.has("active") ? " --active" : "") + " --watch";
  tu::watch_settings settings;
  settings.roots = std::move(roots);
  settings.timer_always = timer_always;
  // Test-only: the timer fallback without exhausting the system's inotify watches (docs/usage-watch.md, "Limits").
  if (const char* off = std::getenv("OKSTRA_TEST_NO_INOTIFY"); off && *off) settings.use_inotify = false;
  // At least a millisecond; at most a day, so the arithmetic stays in range.
  const double ms = interval * 1000 < 1 ? 1 : interval * 1000 > 86'400'000 ? 86'400'000 : interval * 1000;
  settings.interval = std::chrono::milliseconds(static_cast<long long>(ms));
  tu::watch_signals signals;
  settings.wake_fd = signals.fd();
  tu::watcher w(std::move(settings));
  if (::isatty(STDOUT_FILENO)) return on_terminal(cmd, title, w, signals, interval, timer_always, render);
  return off_terminal(cmd, w, signals, render);
}

}  // namespace okstra::commands::usage_watch
