// okstra-usage — token usage and cost from Claude Code, Codex, Gemini and
// Cursor logs (docs/usage.md).
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "okstra/core/cli.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/locks/locks.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/price_sources.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/report_cache.hpp"
#include "okstra/token_usage/run_summary.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/token_usage.hpp"

namespace {

namespace po = okstra::cli::po;
namespace tu = okstra::token_usage;

constexpr const char* tool = "okstra-usage";

const char* details =
    "Reports: daily (default), weekly, monthly, session, blocks (5-hour billing windows),\n"
    "run --run-dir DIR (okstra attribution), cursor-hook [--install],\n"
    "prices [MODEL...] (what each model costs), prices update [--from URL|FILE].\n"
    "\n"
    "Environment:\n"
    "  CLAUDE_CONFIG_DIR  Claude Code roots, comma separated (default ~/.config/claude, ~/.claude)\n"
    "  CODEX_HOME         Codex home (default ~/.codex)\n"
    "  GEMINI_DIR         Gemini CLI home (default ~/.gemini)\n"
    "  OKSTRA_HOME        okstra home; the cache lives in $OKSTRA_HOME/cache/usage, refreshed\n"
    "                     prices in $OKSTRA_HOME/cache/prices.json, overrides in config.json\n"
    "  NO_COLOR           no colour in the table\n"
    "\n"
    "Examples:\n"
    "  okstra-usage                      today and every other day, as a table\n"
    "  okstra-usage monthly --json       monthly totals as JSON\n"
    "  okstra-usage daily --since 2026-11-01 --source claude,codex --breakdown\n"
    "  okstra-usage run --run-dir .okstra/tasks/g/t/runs/implementation/stage-1\n";

void add_collect_options(okstra::cli::command_line& cmd) {
  cmd.options()("source", po::value<std::string>()->value_name("LIST"),
                "sources to read: claude,codex,gemini,cursor (default: all)")(
      "claude-dir", po::value<std::vector<std::string>>()->value_name("DIR"), "a Claude Code root (repeatable)")(
      "codex-dir", po::value<std::vector<std::string>>()->value_name("DIR"), "a Codex home (repeatable)")(
      "gemini-dir", po::value<std::vector<std::string>>()->value_name("DIR"), "a Gemini CLI home (repeatable)")(
      "cursor-log", po::value<std::string>()->value_name("FILE"), "the Cursor usage log written by cursor-hook")(
      "no-cache", "read every file again; neither use nor update the cache")(
      "threads", po::value<unsigned>()->value_name("N"), "parallel readers (default: all cores)")(
      "no-progress", "no progress bar on stderr");
}

std::vector<std::filesystem::path> paths_of(const okstra::cli::command_line& cmd, const std::string& name) {
  std::vector<std::filesystem::path> out;
  if (auto v = cmd.get<std::vector<std::string>>(name))
    for (auto& s : *v) out.emplace_back(s);
  return out;
}

char** saved_argv = nullptr;  // for prefer_huge_pages()

// Reading gigabytes of logs touches a lot of fresh memory, and a page fault
// per 4 KiB dominates on virtual machines; glibc's malloc asks for
// transparent huge pages when this tunable is set, which must happen before
// the process starts: so set it and start again, once (docs/performance.md).
// Nothing has been printed or written when this runs.
void prefer_huge_pages() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (std::getenv("OKSTRA_NO_REEXEC") || (tunables && std::strstr(tunables, "glibc.malloc.hugetlb"))) return;
  std::string value = tunables && *tunables ? std::string(tunables) + ":" : std::string();
  value += "glibc.malloc.hugetlb=1";
  ::setenv("GLIBC_TUNABLES", value.c_str(), 1);
  ::setenv("OKSTRA_NO_REEXEC", "1", 1);
  ::execv("/proc/self/exe", saved_argv);
  ::unsetenv("OKSTRA_NO_REEXEC");  // exec failed: carry on without
}

tu::collect_options collect_options_from(const okstra::cli::command_line& cmd) {
  tu::collect_options o;
  if (auto list = cmd.get<std::string>("source")) {
    o.enabled = {false, false, false, false};
    for (const auto& name : tu::detail::split_list(*list, ',')) {
      bool known = false;
      for (const auto s : tu::all_sources)
        if (tu::source_name(s) == name) o.enabled[static_cast<std::size_t>(s)] = known = true;
      if (!known) throw okstra::usage_error(okstra::quoted("unknown source", name), "sources: claude, codex, gemini, cursor");
    }
  }
  o.claude_roots = paths_of(cmd, "claude-dir");
  o.codex_roots = paths_of(cmd, "codex-dir");
  o.gemini_roots = paths_of(cmd, "gemini-dir");
  if (auto f = cmd.get<std::string>("cursor-log")) o.cursor_log = *f;
  o.use_cache = !cmd.has("no-cache");
  o.threads = cmd.get<unsigned>("threads").value_or(0);
  o.progress = !cmd.has("no-progress") && ::isatty(2);
  // Huge pages pay off when there is much to read (a cold run); an
  // incremental run is faster without the restart they need.
  if (!tu::has_cache(o)) prefer_huge_pages();
  else o.before_reading = [](std::uint64_t bytes) {
    if (bytes >= (std::uint64_t{256} << 20)) prefer_huge_pages();
  };
  return o;
}

// The warnings of a collection, as the lines printed on stderr.
std::string problems_of(const tu::collection& c) {
  std::string out;
  // Warnings quote log paths and log text: escaped like every message (docs/cli.md, "Messages").
  const auto line = [&](const std::string& w) {
    out.append(tool).append(": warning: ").append(okstra::printable(w)).append("\n");
  };
  for (const auto& w : c.warnings) line(w);
  std::string parts;
  std::uint64_t skipped = 0;
  for (const auto s : tu::all_sources) {
    const auto n = c.stats[static_cast<std::size_t>(s)].skipped_lines;
    if (!n) continue;
    skipped += n;
    parts += (parts.empty() ? "" : ", ") + std::string(tu::source_name(s)) + " " + std::to_string(n);
  }
  if (skipped) line("skipped " + std::to_string(skipped) + " unreadable log line(s) (" + parts + ")");
  return out;
}

void report_problems(const tu::collection& c) {
  const std::string text = problems_of(c);
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace

namespace {

std::optional<tu::report_kind> report_kind_of(std::string_view name) {
  for (const auto k : {tu::report_kind::daily, tu::report_kind::weekly, tu::report_kind::monthly,
                       tu::report_kind::session, tu::report_kind::blocks})
    if (tu::report_kind_name(k) == name) return k;
  return std::nullopt;
}

// The table a report prices with (docs/usage.md, "Where prices come from");
// its warnings go to stderr at once.
tu::price_table prices_from(const okstra::cli::command_line& cmd) {
  std::optional<std::filesystem::path> file;
  if (auto f = cmd.get<std::string>("prices")) file = *f;
  auto choice = tu::choose_prices(okstra::dirs::home(), file);
  for (const auto& w : choice.warnings) okstra::cli::warn(tool, w);
  return std::move(choice.table);
}

constexpr const char* prices_file_help = "a price file (LiteLLM or genai-prices format) instead of the built-in prices";

// Unpriced tokens are never silent (docs/usage.md, "Unpriced tokens").
std::string unpriced_warning(const tu::report& r) {
  const double share = tu::unpriced_percent(r);
  if (share <= 1) return {};
  std::string names;
  for (const auto& m : r.unpriced_models) names += (names.empty() ? "" : ", ") + m.model;
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.1f%%", share);
  return std::string(tool) + ": warning: " + pct + " of the tokens shown have no price (" + okstra::printable(names) +
         "); they count as 0 USD — see 'okstra-usage prices'\n";
}

void add_report_options(okstra::cli::command_line& cmd) {
  cmd.options()("json", "print JSON")("csv", "print CSV")(
      "since", po::value<std::string>()->value_name("DATE"), "from this day (YYYY-MM-DD, YYYYMMDD or an ISO time)")(
      "until", po::value<std::string>()->value_name("DATE"), "up to the end of this day (or this ISO time)")(
      "project", po::value<std::string>()->value_name("TEXT"), "only records whose project (cwd) contains TEXT")(
      "model", po::value<std::string>()->value_name("TEXT"), "only models whose name contains TEXT")(
      "tz", po::value<std::string>()->value_name("ZONE"), "IANA time zone of days and blocks (default: local)")(
      "breakdown", "per-model rows under each row")(
      "prices", po::value<std::string>()->value_name("FILE"), prices_file_help);
  add_collect_options(cmd);
}

tu::report_options report_options_from(const okstra::cli::command_line& cmd, tu::report_kind kind) {
  tu::report_options o;
  o.kind = kind;
  o.time_zone = cmd.get<std::string>("tz").value_or("");
  o.breakdown = cmd.has("breakdown");
  const auto zone = o.time_zone.empty() ? tu::time_zone::local() : tu::time_zone::load(o.time_zone);
  for (const auto& [name, end] : {std::pair{"since", false}, std::pair{"until", true}}) {
    if (auto text = cmd.get<std::string>(name)) {
      const auto bound = tu::parse_time_bound(*text, zone, end);
      if (!bound) throw okstra::usage_error(okstra::quoted(std::string("invalid --") + name + " date", *text),
                                            "use YYYY-MM-DD, YYYYMMDD or an ISO 8601 time");
      (end ? o.filter.until_ms : o.filter.since_ms) = *bound;
    }
  }
  o.filter.project = cmd.get<std::string>("project");
  o.filter.model = cmd.get<std::string>("model");
  return o;
}

int run_report(tu::report_kind kind, const std::vector<std::string>& args) {
  okstra::cli::command_line cmd({std::string(tool) + " " + std::string(tu::report_kind_name(kind)),
                                 "token usage and cost, grouped " + std::string(tu::report_kind_name(kind)),
                                 "[--json|--csv] [options]", details});
  add_report_options(cmd);
  if (!cmd.parse(args)) return 0;
  if (cmd.has("json") && cmd.has("csv")) throw okstra::usage_error("options '--json' and '--csv' cannot be combined");
  const auto options = report_options_from(cmd, kind);
  const auto prices = prices_from(cmd);
  const auto collect = collect_options_from(cmd);
  const bool terminal = ::isatty(1);
  // A report of unchanged logs with the same command line is printed again
  // as it was; blocks depend on the clock and are always computed.
  std::string key;
  tu::detail::trace("start");
  tu::cache_preloader preloaded(collect);  // overlaps the walk below
  auto logs = tu::discover_logs(collect);
  tu::detail::trace("find and stat logs");
  if (collect.use_cache && kind != tu::report_kind::blocks) {
    std::vector<std::string> all = args;
    all.insert(all.begin(), std::string(tu::report_kind_name(kind)));
    key = tu::report_key(all, logs.fingerprint, terminal, prices.identity());
    if (const auto hit = tu::read_report(collect, key)) {
      tu::detail::trace_note("the logs are unchanged: printing the remembered report");
      std::fwrite(hit->diagnostics.data(), 1, hit->diagnostics.size(), stderr);
      okstra::cli::emit(hit->output);
      return 0;
    }
  }
  const auto collected = tu::collect(collect, std::move(logs), preloaded);
  std::string problems = problems_of(collected);
  const auto report = tu::build_report(collected.records, collected.stats, prices, options);
  problems += unpriced_warning(report);
  std::fwrite(problems.data(), 1, problems.size(), stderr);
  tu::detail::trace("build report");
  std::string text = cmd.has("json")  ? tu::render_json(report, true)
                     : cmd.has("csv") ? tu::render_csv(report)
                                      : tu::render_table(report, terminal && !std::getenv("NO_COLOR"));
  while (!text.empty() && text.back() == '\n') text.pop_back();  // emit() ends the output
  if (!key.empty()) tu::store_report(collect, key, {problems, text});
  okstra::cli::emit(text);
  tu::detail::trace("render and print");
  tu::detail::cache_writer::instance().join();
  tu::detail::trace("finish cache write");
  return 0;
}

std::string read_stdin() {
  std::string text;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(0, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      throw okstra::io_error("read", "standard input");
    }
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > (std::size_t{16} << 20)) throw okstra::input_error("hook payload too large 'standard input'");
  }
  return text;
}

int run_cursor_hook(const std::vector<std::string>& args, const char* argv0) {
  okstra::cli::command_line cmd({std::string(tool) + " cursor-hook",
                                 "record one cursor-agent generation's usage (a 'stop' hook)", "[--install]",
                                 "Reads the hook payload (JSON) on stdin and appends one line to\n"
                                 "$OKSTRA_HOME/usage/cursor.jsonl under the central lock. --install prints the\n"
                                 "hooks.json entry to merge into ~/.cursor/hooks.json."});
  cmd.options()("install", "print the hook configuration to add, and exit");
  if (!cmd.parse(args)) return 0;
  if (cmd.has("install")) {
    std::error_code ec;
    const auto self = std::filesystem::canonical("/proc/self/exe", ec);
    okstra::cli::emit(tu::cursor_hook_install_snippet(ec ? std::string(argv0) : self.string()));
    return 0;
  }
  const std::string line = tu::cursor_hook_line(read_stdin(), okstra::time::now_unix_ms());
  const auto home = okstra::dirs::home();
  okstra::fs::ensure_dir(home.usage_dir(), 0700);
  auto guard = okstra::locks::central_lock(home);
  okstra::fs::append_line(home.usage_dir() / "cursor.jsonl", line, 0600);
  return 0;
}

int run_attribution(const std::vector<std::string>& args) {
  okstra::cli::command_line cmd({std::string(tool) + " run", "the Token Summary of one okstra run",
                                 "--run-dir DIR [--fill-report REPORT.md] [options]", details});
  cmd.options()("run-dir", po::value<std::string>()->value_name("DIR"), "the run folder")(
      "fill-report", po::value<std::string>()->value_name("FILE"), "fill the report's Token Summary placeholders")(
      "prices", po::value<std::string>()->value_name("FILE"), prices_file_help)(
      "quiet", "print the JSON on one line");
  add_collect_options(cmd);
  if (!cmd.parse(args)) return 0;
  const std::filesystem::path run_dir = cmd.require<std::string>("run-dir");
  const auto prices = prices_from(cmd);
  const auto run = tu::read_run_info(run_dir);
  const auto collected = tu::collect(collect_options_from(cmd));
  report_problems(collected);
  const auto summary = tu::summarise_run(run, collected.records, prices);
  if (auto report = cmd.get<std::string>("fill-report")) tu::fill_report(*report, summary);
  okstra::cli::emit(tu::render_run_summary(summary, !cmd.has("quiet")));
  return 0;
}

int run_prices_update(const std::vector<std::string>& args) {
  okstra::cli::command_line cmd({std::string(tool) + " prices update",
                                 "download current prices into $OKSTRA_HOME/cache/prices.json", "[--from URL|FILE]",
                                 "The only command that uses the network: it runs curl once. Without --from it\n"
                                 "fetches " + std::string(tu::default_prices_url) + ".\n"
                                 "A LiteLLM model_prices_and_context_window.json works too. The download is\n"
                                 "checked before it replaces the cached prices; reports use it while it is\n"
                                 "newer than the built-in table."});
  cmd.options()("from", po::value<std::string>()->value_name("URL|FILE"), "where to fetch the prices from");
  if (!cmd.parse(args)) return 0;
  const std::string from = cmd.get<std::string>("from").value_or(std::string(tu::default_prices_url));
  const auto done = tu::update_prices(okstra::dirs::home(), from);
  okstra::json::writer w(true);
  w.begin_object().field("stored", done.stored.string()).field("dataset", done.source.name);
  w.field("date", done.source.date).field("models", done.models).end_object();
  okstra::cli::emit(std::move(w).str());
  return 0;
}

int run_prices(const std::vector<std::string>& args) {
  if (!args.empty() && args.front() == "update") return run_prices_update({args.begin() + 1, args.end()});
  okstra::cli::command_line cmd({std::string(tool) + " prices", "the prices each model is charged at",
                                 "[MODEL...] [--json] [--prices FILE]",
                                 "Shows which price entry each MODEL id maps to, its prices per million tokens\n"
                                 "(input, output, cache writes 5m/1h, cache reads), the steps above a prompt size,\n"
                                 "the service-tier multipliers, and the dataset with its version and date. Without\n"
                                 "MODEL it lists every entry. Exit 1 when a named model has no price.\n"
                                 "'okstra-usage prices update' refreshes the prices (see its --help)."});
  cmd.options()("json", "print JSON")("prices", po::value<std::string>()->value_name("FILE"), prices_file_help);
  cmd.positional("model", -1);
  if (!cmd.parse(args)) return 0;
  const auto prices = prices_from(cmd);
  std::vector<std::string> unpriced;
  const std::string text =
      tu::render_prices(prices, cmd.positionals("model"), cmd.has("json"), okstra::time::now_unix_ms(), unpriced);
  okstra::cli::emit(text.substr(0, text.size() - 1));
  if (!unpriced.empty())
    throw okstra::refused(okstra::quoted("no price for", unpriced.front()) +
                              (unpriced.size() > 1 ? " and " + std::to_string(unpriced.size() - 1) + " more" : ""),
                          "set one in config.json under prices.overrides (docs/usage.md, \"Where prices come from\")");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  saved_argv = argv;
  // Memory freed between phases (cache decoding, merge tables, report) is
  // kept and reused: each fresh page costs a fault, which is slow on VMs.
  ::mallopt(M_MMAP_THRESHOLD, 256 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 512 << 20);
  return okstra::cli::run_main(tool, [&] {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string sub = "daily";
    if (!args.empty() && !args.front().empty() && args.front()[0] != '-') {
      sub = args.front();
      args.erase(args.begin());
    } else if (!args.empty() && (args.front() == "--help" || args.front() == "-h")) {
      okstra::cli::command_line top({tool, "token usage and cost from Claude Code, Codex, Gemini and Cursor logs",
                                     "[daily|weekly|monthly|session|blocks|run|cursor-hook|prices] [options]", details});
      add_report_options(top);
      top.print_help(std::cout);
      return 0;
    }
    if (const auto kind = report_kind_of(sub)) return run_report(*kind, args);
    if (sub == "cursor-hook") return run_cursor_hook(args, argv[0]);
    if (sub == "run") return run_attribution(args);
    if (sub == "prices") return run_prices(args);
    throw okstra::usage_error(okstra::quoted("unknown report", sub),
                              "reports: daily, weekly, monthly, session, blocks, run, cursor-hook, prices");
  });
}
