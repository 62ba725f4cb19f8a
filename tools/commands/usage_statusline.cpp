// okstra-usage statusline — Claude Code's statusLine command (docs/usage-statusline.md).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include "usage_statusline.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// Everything that chooses the line's inputs besides the logs and stdin.
struct line_inputs {
  std::optional<std::filesystem::path> price_file;
  std::optional<tu::price_table> prices;  // loaded on first use
  std::string prices_key;
  tu::collect_options options;
  tu::official_limits limits{};

  const tu::price_table& price_table() {
    if (!prices) prices = tu::choose_prices(okstra::dirs::home(), price_file).table;
    return *prices;
  }
};

// A file's identity for the prices key: a changed file has another.
std::string file_key(const std::filesystem::path& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return "absent;";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ";";
}

// Everything that decides the price table (docs/usage-statusline.md, "Speed"):
// this program (its embedded prices), a --prices file, the refreshed prices
// and config.json's overrides, each by its file identity.
std::string prices_key(const std::optional<std::filesystem::path>& price_file) {
  const auto home = okstra::dirs::home();
  return "okstra " + std::string(okstra::version) + ";" + file_key("/proc/self/exe") + "prices " +
         (price_file ? price_file->string() + "=" + file_key(*price_file) : std::string("-;")) + "cache " +
         file_key(tu::cached_prices_file(home)) + "config " + file_key(home.config_json());
}

// Never freed: the process ends right after the line, and freeing the price
// table's thousands of small allocations (when it was loaded) costs more than
// an answer from the state (docs/performance.md, "Start-up"). Held here, so
// it is not a leak.
line_inputs& gather_inputs(const cli::arguments& cmd, const tu::statusline_input& in, std::int64_t now) {
  if (in.limits) {
    try {
      tu::record_limits(tu::recorded_limits_file(), tu::source::claude, *in.limits);
    } catch (const std::exception& e) {
      log_error(std::string("cannot record limits: ") + e.what(), now);  // the line still shows them
    }
  }
  static line_inputs* kept = nullptr;
  kept = new line_inputs;
  line_inputs& li = *kept;
  if (auto f = cmd.text("prices")) li.price_file = *f;
  li.prices_key = prices_key(li.price_file);
  std::vector<std::string> warnings;  // a bad limits file shows no limit; the line goes on
  li.limits = tu::read_recorded_limits(tu::recorded_limits_file(), warnings);
  for (std::size_t i = 0; i < li.limits.size(); ++i)
    if (i != static_cast<std::size_t>(tu::source::claude)) li.limits[i].reset();
  li.options.enabled = {true, false, false, false};
  for (const auto& d : cmd.texts("claude-dir")) li.options.claude_roots.emplace_back(d);
  li.options.use_cache = !cmd.has("no-cache");
  tu::detail::trace("limits and prices");
  return li;
}

// ---- the statusline state (docs/usage-statusline.md, "Speed") ----------------------------

// What decides the state besides the logs: the options that choose roots,
// zone and prices (not --refresh), the environment that chooses them too,
// the session and its transcript.
std::string state_key(const cli::arguments& cmd, const tu::statusline_input& in) {
  okstra::sha256 h;
  const auto put = [&](std::string_view s) {
    h.update(s);
    h.update(std::string_view("\0", 1));
  };
  put(okstra::version);
  put(cmd.text("tz").value_or("-")), put(cmd.text("prices").value_or("-"));
  for (const auto& d : cmd.texts("claude-dir")) put(d);
  for (const char* name : {"HOME", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR", "OKSTRA_HOME", "TZ", "TZDIR"}) {
    const char* v = std::getenv(name);
    put(v ? std::string("=") + v : std::string("unset"));
  }
  put(in.session_id), put(in.transcript_path);
  return h.hex();
}

std::filesystem::path state_dir() { return okstra::dirs::okstra_home() / "cache" / "usage" / "statusline"; }

// Keeps the newest states: one per session that is still talking is enough.
void prune_states(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> states;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".state") states.emplace_back(e.last_write_time(ec), e.path());
  if (states.size() <= 16) return;
  std::sort(states.begin(), states.end());
  for (std::size_t i = 0; i + 16 < states.size(); ++i) {
    std::filesystem::remove(states[i].second, ec);
    std::filesystem::remove(std::filesystem::path(states[i].second).replace_extension(".lock"), ec);
    std::filesystem::remove(std::filesystem::path(states[i].second).replace_extension(".seen"), ec);
  }
}

// The refresh: this program again, with this command line, the same input
// on its standard input and this variable set (docs/usage-statusline.md, "Speed").
constexpr const char* refresh_marker = "OKSTRA_STATUSLINE_REFRESH";

// Reads every log again in a detached process, so that this call prints at
// once. One refresh per state at a time: the lock beside the state is taken
// here and inherited by the refresh, which holds it until it exits. The
// process is spawned (vfork and exec), not forked: copying this process's
// page tables would cost the call more than the answer.
void refresh_in_background(const std::vector<std::string>& args, std::string_view input,
                           const std::filesystem::path& state_file) {
  std::filesystem::path lock_file = state_file;
  lock_file.replace_extension(".lock");
  // Not close-on-exec: the refresh inherits it.
  okstra::fs::unique_fd lock(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW, 0600));
  if (!lock || ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) return;  // a refresh is under way
  okstra::fs::unique_fd stdin_copy(::memfd_create("okstra-statusline-input", MFD_CLOEXEC));
  if (!stdin_copy || ::write(stdin_copy.get(), input.data(), input.size()) != static_cast<ssize_t>(input.size()) ||
      ::lseek(stdin_copy.get(), 0, SEEK_SET) != 0)
    return;  // no refresh this time; the next call tries again
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).substr(0, std::strlen(refresh_marker) + 1) != std::string(refresh_marker) + "=")
      env_text.emplace_back(*e);
  env_text.push_back(std::string(refresh_marker) + "=1");
  std::vector<char*> argv{const_cast<char*>("okstra-usage")}, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_adddup2(&actions, stdin_copy.get(), 0);
  ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  ::posix_spawn(&pid, "/proc/self/exe", &actions, &attr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  // Closing our descriptors leaves the lock with the refresh (or frees it, if
  // the spawn failed). The refresh is not waited for: it outlives this call.
}

// In the refresh: every log read, the state written, nothing printed.
int run_refresh(const cli::arguments& cmd, const tu::time_zone& zone, std::int64_t now) {
  // Never slower calls for a refresh: the lowest priority, and one thread,
  // so that a core stays free for the calls that come meanwhile.
  ::setpriority(PRIO_PROCESS, 0, 19);
  try {
    const auto in = tu::parse_statusline_input(okstra::fs::read_stdin(tu::statusline_input_limit, "statusline input"), now);
    line_inputs& li = gather_inputs(cmd, in, now);
    li.options.threads = 1;
    const tu::statusline_context context{[&]() -> const tu::price_table& { return li.price_table(); }, li.prices_key,
                                         zone, now, li.limits};
    tu::statusline_from_logs(li.options, in, context, state_dir() / (state_key(cmd, in) + ".state"));
    tu::finish_cache_writes();
  } catch (const std::exception& e) {
    log_error(std::string("background refresh: ") + e.what(), now);
  }
  return 0;
}

std::string answer(const cli::arguments& cmd, const std::vector<std::string>& args, const tu::time_zone& zone,
                   std::int64_t now) {
  tu::detail::trace("start");
  const std::string input = okstra::fs::read_stdin(tu::statusline_input_limit, "statusline input");
  const auto in = tu::parse_statusline_input(input, now);
  line_inputs& li = gather_inputs(cmd, in, now);
  const tu::statusline_context context{[&]() -> const tu::price_table& { return li.price_table(); }, li.prices_key,
                                       zone, now, li.limits};
  if (cmd.has("no-cache")) return tu::compose_statusline(tu::statusline_from_logs(li.options, in, context, {}));
  const std::int64_t refresh_ms = cmd.count("refresh").value_or(60) * 1000;
  const auto dir = state_dir();
  const auto state_file = dir / (state_key(cmd, in) + ".state");
  if (refresh_ms > 0)
    if (const auto known = tu::statusline_from_state(state_file, in, context)) {
      if (now - known->logs_read_ms >= refresh_ms) {
        refresh_in_background(args, input, state_file);
        tu::detail::trace("start the background refresh");
      }
      return tu::compose_statusline(known->facts);
    }
  const auto facts = tu::statusline_from_logs(li.options, in, context, state_file);
  prune_states(dir);
  return tu::compose_statusline(facts);
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
               cli::count("refresh", "SECONDS", "read every log again (in the background) when the last full read is older (default 60; 0: every call, in the foreground)", 0),
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
  if (const char* refresh = std::getenv(refresh_marker); refresh && *refresh) return run_refresh(cmd, zone, now);
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
