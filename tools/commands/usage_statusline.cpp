// okstra-usage statusline — Claude Code's statusLine command (docs/usage-statusline.md).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include "usage_statusline.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <algorithm>

#include "okstra/core/fs.hpp"
#include "okstra/core/sha256.hpp"
#include "okstra/core/time.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/limits.hpp"
#include "okstra/token_usage/price_sources.hpp"
#include "okstra/token_usage/statusline.hpp"
#include "okstra/token_usage/token_usage.hpp"
#include "okstra/version.hpp"

namespace okstra::commands::usage_statusline {

namespace {

namespace cli = okstra::cli;
namespace tu = okstra::token_usage;

std::string read_bounded_stdin() {
  std::string text;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(0, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      throw okstra::io_error("read", "standard input");
    }
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > tu::statusline_input_limit) throw okstra::input_error("statusline input too large 'standard input'");
  }
  return text;
}

// The shell command Claude Code runs: the path quoted when it needs it.
std::string self_command() {
  std::error_code ec;
  const auto self = std::filesystem::canonical("/proc/self/exe", ec);
  std::string path = ec ? std::string("okstra-usage") : self.string();
  if (path.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+") != std::string::npos) {
    std::string q = "'";
    for (const char c : path) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    path = q + "'";
  }
  return path + " statusline";
}

// Claude Code's settings: the first CLAUDE_CONFIG_DIR root when it is set,
// else ~/.claude (docs/usage-statusline.md, "Installing").
std::filesystem::path settings_file() {
  const auto roots = okstra::dirs::claude_roots();
  if (roots.from_environment && !roots.roots.empty()) return roots.roots.front() / "settings.json";
  return okstra::dirs::user_home() / ".claude" / "settings.json";
}

int install(const cli::arguments& cmd) {
  const std::string command = self_command();
  if (!cmd.has("write")) {
    cli::emit(cmd, tu::statusline_setting_json(command, cmd.out().pretty()));
    return 0;
  }
  const auto file = settings_file();
  std::string text = "{}";
  mode_t mode = 0600;
  struct stat st{};
  if (::stat(file.c_str(), &st) == 0) {
    text = okstra::fs::read_file(file, okstra::fs::json_read_limit);
    mode = st.st_mode & 07777;
  } else if (errno != ENOENT) {
    throw okstra::io_error("read", file.string());
  }
  // Malformed settings throw here, before anything is written (exit 3).
  const std::string merged = tu::merge_statusline_setting(text, file.string(), command);
  okstra::fs::ensure_dir(file.parent_path(), 0700);
  okstra::fs::write_file_atomic(file, merged, mode);
  std::fprintf(stderr, "okstra-usage: statusLine written to '%s'\n", okstra::printable(file.string()).c_str());
  cli::emit(cmd, tu::statusline_setting_json(command, cmd.out().pretty()));
  return 0;
}

std::int64_t now_ms() {
  if (const char* now = std::getenv("OKSTRA_TEST_NOW"); now && *now) {
    const auto ms = okstra::time::parse_iso8601(now);
    if (!ms) throw okstra::usage_error(okstra::quoted("invalid OKSTRA_TEST_NOW", now), "a test-only setting: an ISO 8601 time");
    return *ms;
  }
  return okstra::time::now_unix_ms();
}

void log_error(std::string_view message, std::int64_t now) {
  try {
    const auto dir = okstra::dirs::home().usage_dir();
    okstra::fs::ensure_dir(dir, 0700);
    tu::log_statusline_error(dir / "statusline.log", message, now);
  } catch (const std::exception&) {
    // Nowhere to log: the fallback line alone says it.
  }
}

// The line, from the incremental cache of Claude Code's logs (docs/usage-statusline.md, "Speed").
std::string compute_line(const cli::arguments& cmd, const tu::statusline_input& in, const tu::time_zone& zone,
                         std::int64_t now) {
  if (in.limits) {
    try {
      tu::record_limits(tu::recorded_limits_file(), tu::source::claude, *in.limits);
    } catch (const std::exception& e) {
      log_error(std::string("cannot record limits: ") + e.what(), now);  // the line still shows them
    }
  }
  std::optional<std::filesystem::path> price_file;
  if (auto f = cmd.text("prices")) price_file = *f;
  const auto prices = tu::choose_prices(okstra::dirs::home(), price_file).table;
  tu::detail::trace("limits and prices");
  tu::collect_options o;
  o.enabled = {true, false, false, false};
  for (const auto& d : cmd.texts("claude-dir")) o.claude_roots.emplace_back(d);
  o.use_cache = !cmd.has("no-cache");
  o.official_limits = true;  // the recorded Claude Code windows
  tu::cache_preloader preloaded(o);
  auto logs = tu::discover_logs(o);
  tu::detail::trace("find and stat logs");
  const auto collected = tu::collect(o, std::move(logs), preloaded);
  tu::detail::trace("collect");
  const auto facts = tu::compute_statusline(collected.records, prices, in, zone, now, collected.limits);
  tu::detail::trace("compute");
  return tu::compose_statusline(facts);
}

// ---- the remembered line (docs/usage-statusline.md, "Speed") ----------------------------

// What decides the line besides the logs: the input's fields the line reads,
// the command line and the environment that chooses roots, zone and home.
std::string memo_key(const std::vector<std::string>& args, const tu::statusline_input& in) {
  okstra::sha256 h;
  const auto put = [&](std::string_view s) {
    h.update(s);
    h.update(std::string_view("\0", 1));
  };
  put(okstra::version);
  for (const auto& a : args) put(a);
  for (const char* name : {"HOME", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR", "OKSTRA_HOME", "TZ", "TZDIR"}) {
    const char* v = std::getenv(name);
    put(v ? std::string("=") + v : std::string("unset"));
  }
  put(in.session_id), put(in.transcript_path), put(in.model_id), put(in.model_name);
  put(in.reported_cost_usd ? std::to_string(*in.reported_cost_usd) : "-");
  put(std::to_string(in.context_window_size));
  if (in.limits)
    for (const auto& w : {in.limits->primary, in.limits->secondary})
      put(w ? std::to_string(w->used_percent) + "@" + std::to_string(w->resets_at_ms) : "-");
  return h.hex();
}

// The session transcript's identity: a message appended changes it.
std::string file_identity(const std::string& path) {
  struct stat st{};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return "absent";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

std::filesystem::path memo_file(const std::string& key) {
  return okstra::dirs::okstra_home() / "cache" / "usage" / "statusline" / (key + ".txt");
}

// "<computed at ms>\n<identity>\n<line>"; anything else is a miss.
std::optional<std::string> remembered(const std::string& key, const std::string& identity, std::int64_t now,
                                      std::int64_t refresh_ms) {
  std::string text;
  try {
    text = okstra::fs::read_file(memo_file(key), 4096);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const auto a = text.find('\n'), b = a == std::string::npos ? a : text.find('\n', a + 1);
  if (b == std::string::npos) return std::nullopt;
  const auto at = okstra::time::parse_iso8601(text.substr(0, a));
  if (!at || now < *at || now - *at >= refresh_ms || text.compare(a + 1, b - a - 1, identity) != 0) return std::nullopt;
  return text.substr(b + 1);
}

void remember(const std::string& key, const std::string& identity, std::int64_t now, const std::string& line) {
  try {
    const auto file = memo_file(key);
    okstra::fs::ensure_dir(file.parent_path(), 0700);
    std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> old;
    for (const auto& e : std::filesystem::directory_iterator(file.parent_path()))
      if (e.path().extension() == ".txt") old.emplace_back(e.last_write_time(), e.path());
    std::sort(old.begin(), old.end());
    for (std::size_t i = 0; i + 64 <= old.size(); ++i) std::filesystem::remove(old[i].second);
    okstra::fs::write_file_atomic(file, okstra::time::format_iso8601(now) + "\n" + identity + "\n" + line, 0600,
                                  okstra::fs::durability::process_safe);
  } catch (const std::exception&) {
    // Not remembered: the next call computes the line again.
  }
}

std::string answer(const cli::arguments& cmd, const std::vector<std::string>& args, const tu::time_zone& zone,
                   std::int64_t now) {
  tu::detail::trace("start");
  const auto in = tu::parse_statusline_input(read_bounded_stdin(), now);
  const bool memo = !cmd.has("no-cache");
  const std::int64_t refresh_ms = cmd.count("refresh").value_or(1) * 1000;
  const std::string key = memo ? memo_key(args, in) : std::string();
  const std::string identity = memo ? file_identity(in.transcript_path) : std::string();
  if (memo && refresh_ms > 0)
    if (auto line = remembered(key, identity, now, refresh_ms)) {
      tu::detail::trace_note("the session is unchanged: printing the remembered line");
      return *line;
    }
  std::string line = compute_line(cmd, in, zone, now);
  if (memo) remember(key, identity, now, line);
  return line;
}

}  // namespace

cli::command declare() {
  cli::command c;
  c.name = "statusline";
  c.summary = "Claude Code's statusLine command: one line from its JSON on stdin";
  c.usage = {"[--tz ZONE] [options] < STATUSLINE-JSON", "--install [--write]"};
  c.details =
      "Prints: model | session cost | today's cost | the active block's time left and\n"
      "burn rate | context-window use | the official 5-hour limit used, from Claude Code's\n"
      "logs through the incremental cache. Records the rate limits Claude Code passes\n"
      "in $OKSTRA_HOME/usage/limits.json. Never fails the statusline: on any error it\n"
      "prints 'okstra: usage unavailable', logs the error in\n"
      "$OKSTRA_HOME/usage/statusline.log and exits 0.\n"
      "--install prints the statusLine setting; --install --write merges it into\n"
      "~/.claude/settings.json (the first CLAUDE_CONFIG_DIR root when set), keeping\n"
      "every other key; malformed settings are refused and left untouched.";
  c.options = {cli::flag("install", "print the statusLine setting for Claude Code, and exit"),
               cli::flag("write", "with --install: merge it into Claude Code's settings.json"),
               cli::text("tz", "ZONE", "IANA time zone of 'today' (default: local)"),
               cli::path("prices", "FILE", "a price file instead of the built-in prices"),
               cli::path("claude-dir", "DIR", "a Claude Code root", cli::completion::dir).repeat(),
               cli::count("refresh", "SECONDS", "reuse the line of the last second(s) while the session is unchanged (default 1; 0: never)", 0),
               cli::flag("no-cache", "read every file again; neither use nor update the cache")};
  c.formats = {"text"};
  return c;
}

int run(const cli::arguments& cmd, const std::vector<std::string>& args) {
  if (cmd.has("install")) return install(cmd);
  if (cmd.has("write")) throw okstra::usage_error("option '--write' needs '--install'", cmd.see_help());
  // Command-line mistakes are usage errors (exit 2); everything after is not.
  const std::string tz = cmd.text("tz").value_or("");
  const auto zone = tz.empty() ? tu::time_zone::local() : tu::time_zone::load(tz);
  const std::int64_t now = now_ms();
  std::string line;
  try {
    line = answer(cmd, args, zone, now);
  } catch (const std::exception& e) {
    line = std::string(tu::statusline_fallback);
    log_error(e.what(), now);
  }
  try {
    tu::finish_cache_writes();
  } catch (const std::exception& e) {
    log_error(e.what(), now);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  return 0;
}

}  // namespace okstra::commands::usage_statusline
