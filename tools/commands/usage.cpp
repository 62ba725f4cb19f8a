// okstra-usage — token usage and cost from Claude Code, Codex, Gemini and
// Cursor logs (docs/usage.md).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include <unistd.h>

#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "okstra/core/cli.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/heap.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/text.hpp"
#include "okstra/locks/locks.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/price_sources.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/limits.hpp"
#include "okstra/token_usage/report_cache.hpp"
#include "okstra/token_usage/run_summary.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/archive_report.hpp"
#include "okstra/token_usage/token_usage.hpp"

#include "commands.hpp"
#include "usage_archive.hpp"
#include "usage_exchange.hpp"
#include "usage_report_options.hpp"
#include "usage_statusline.hpp"
#include "usage_watch.hpp"

namespace okstra::commands::usage {

namespace {

namespace cli = okstra::cli;
namespace tu = okstra::token_usage;

constexpr const char* tool = "okstra-usage";

const char* details =
    "Reports: daily (default), hourly, weekly, monthly, session, blocks (5-hour\n"
    "billing windows), run --run-dir DIR (okstra attribution), cursor-hook [--install],\n"
    "limits (the agents' own rate-limit windows), statusline (Claude Code's statusLine),\n"
    "archive status|prune|export (history of vanished logs), export (for --import),\n"
    "prices [MODEL...] (what each model costs), prices update [--from URL|FILE].\n"
    "\n"
    "Environment:\n"
    "  CLAUDE_CONFIG_DIR  Claude Code roots, comma separated (default ~/.config/claude, ~/.claude)\n"
    "  CODEX_HOME         Codex home (default ~/.codex)\n"
    "  GEMINI_DIR         Gemini CLI home (default ~/.gemini)\n"
    "  OKSTRA_HOME        okstra home; the cache lives in $OKSTRA_HOME/cache/usage, refreshed\n"
    "                     prices in $OKSTRA_HOME/cache/prices.json, price overrides and\n"
    "                     report defaults (its usage key) in config.json\n"
    "  NO_COLOR           no colour in the table\n"
    "\n"
    "Examples:\n"
    "  okstra-usage                      today and every other day, as a table\n"
    "  okstra-usage monthly --json       monthly totals as JSON\n"
    "  okstra-usage daily --since 2026-11-01 --source claude,codex --breakdown\n"
    "  okstra-usage run --run-dir .okstra/tasks/g/t/runs/implementation/stage-1\n";

std::vector<std::string> source_names() {
  std::vector<std::string> names;
  for (const auto s : tu::all_sources) names.emplace_back(tu::source_name(s));
  return names;
}

std::vector<cli::option> collect_options() {
  using cli::completion;
  return {cli::choice_list("source", "LIST", source_names(), "sources to read (default: all)"),
          cli::path("claude-dir", "DIR", "a Claude Code root", completion::dir).repeat(),
          cli::path("codex-dir", "DIR", "a Codex home", completion::dir).repeat(),
          cli::path("gemini-dir", "DIR", "a Gemini CLI home", completion::dir).repeat(),
          cli::path("cursor-log", "FILE", "the Cursor usage log written by cursor-hook"),
          cli::flag("no-cache", "read every file again; neither use nor update the cache"),
          cli::flag("no-archive", "leave out the records of vanished or shrunk logs (docs/usage-archive.md)"),
          cli::count("threads", "N", "parallel readers (default: all cores)", 1),
          cli::flag("no-progress", "no progress bar on stderr")};
}

std::vector<std::filesystem::path> paths_of(const cli::arguments& cmd, const std::string& name) {
  std::vector<std::filesystem::path> out;
  for (const auto& s : cmd.texts(name)) out.emplace_back(s);
  return out;
}

// blocks: Claude Code alone unless --source says otherwise, and the official
// windows they anchor to (docs/usage-blocks.md, "Blocks").
tu::collect_options collect_options_from(const cli::arguments& cmd, bool blocks = false) {
  tu::collect_options o;
  if (auto list = cmd.text("source")) {
    o.enabled = {false, false, false, false};
    // Each name is one of the declared choices: parse() checked it.
    for (const auto name : okstra::text::split_list(*list, ','))
      for (const auto s : tu::all_sources)
        if (tu::source_name(s) == name) o.enabled[static_cast<std::size_t>(s)] = true;
  } else if (blocks) {
    o.enabled = {false, false, false, false};
    o.enabled[static_cast<std::size_t>(tu::source::claude)] = true;
  }
  o.official_limits = blocks;
  o.claude_roots = paths_of(cmd, "claude-dir");
  o.codex_roots = paths_of(cmd, "codex-dir");
  o.gemini_roots = paths_of(cmd, "gemini-dir");
  if (auto f = cmd.text("cursor-log")) o.cursor_log = *f;
  o.use_cache = !cmd.has("no-cache");
  o.use_archive = !cmd.has("no-archive");
  o.threads = static_cast<unsigned>(cmd.count("threads").value_or(0));
  o.progress = !cmd.has("no-progress") && ::isatty(2);
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

// The table a report prices with (docs/usage.md, "Where prices come from");
// its warnings go to stderr at once.
tu::price_table prices_from(const cli::arguments& cmd) {
  std::optional<std::filesystem::path> file;
  if (auto f = cmd.text("prices")) file = *f;
  auto choice = tu::choose_prices(okstra::dirs::home(), file);
  for (const auto& w : choice.warnings) okstra::cli::warn(tool, w);
  return std::move(choice.table);
}

// A report's prices. Their identity keys the remembered report; the table
// itself is needed only when a report is made, and parsing it is a good part
// of a remembered run's time (docs/performance.md, "An append run's chain,
// prices and admission"): when the choice is the embedded table as it ships, it is parsed
// on first use.
class report_prices {
 public:
  explicit report_prices(const cli::arguments& cmd) {
    if (!cmd.text("prices")) identity_ = tu::plain_embedded_identity(okstra::dirs::home());
    if (!identity_) {
      table_ = prices_from(cmd);
      identity_ = table_->identity();
    }
  }
  const std::string& identity() const { return *identity_; }
  // Starts parsing the table on a thread, to overlap the reading of the logs.
  void prepare() const {
    if (!table_ && !parsing_.valid()) parsing_ = std::async(std::launch::async, [] { return tu::price_table::embedded(); });
  }
  const tu::price_table& table() const {
    if (!table_) table_ = parsing_.valid() ? parsing_.get() : tu::price_table::embedded();  // what the identity says
    return *table_;
  }

 private:
  std::optional<std::string> identity_;
  mutable std::optional<tu::price_table> table_;
  mutable std::future<tu::price_table> parsing_;
};

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

// ---- declarations ------------------------------------------------------------

std::vector<cli::option> report_options() {
  std::vector<cli::option> o = {
      cli::flag("csv", "short for --format csv"),
      cli::text("since", "DATE", "from this day (YYYY-MM-DD, YYYYMMDD or an ISO time)"),
      cli::text("until", "DATE", "up to the end of this day (or this ISO time)"),
      cli::text("project", "TEXT", "only records whose project (cwd) contains TEXT"),
      cli::text("model", "TEXT", "only models whose name contains TEXT"),
      cli::text("tz", "ZONE", "IANA time zone of days and blocks (default: TZ, else usage.timeZone of config.json, else local)"),
      cli::flag("breakdown", "per-model rows under each row"),
      cli::path("prices", "FILE", prices_file_help),
      usage_exchange::import_option()};
  for (auto& c : collect_options()) o.push_back(std::move(c));
  return o;
}

cli::command report_command(tu::report_kind kind) {
  cli::command c;
  c.name = std::string(tu::report_kind_name(kind));
  static constexpr const char* by[] = {"day", "week", "month", "session", "5-hour billing window", "hour"};
  c.summary = std::string("token usage and cost by ") + by[static_cast<std::size_t>(kind)];
  c.usage = {"[options]"};
  c.details = details;
  c.options = report_options();
  if (kind == tu::report_kind::blocks)
    c.details = std::string(
                    "Blocks are per source and never mix sources: Claude Code alone by default\n"
                    "(the subscription limit is per product); --source codex (or a list) gives each\n"
                    "source its own blocks, grouped by source. Gaps between blocks are shown. The\n"
                    "active block shows elapsed and remaining time, the burn rate since its first\n"
                    "record (tokens/min, USD/h) and a projection to its end. Where the agent recorded\n"
                    "its official 5-hour window (see 'okstra-usage limits'), the block is that window\n"
                    "(docs/usage-blocks.md, \"Blocks\").\n\n") +
                details;
  if (kind == tu::report_kind::blocks)
    c.options.push_back(cli::flag("active", "only the active block of each source (none: empty, a note on stderr)"));
  for (auto& o : usage_report_options::declare(kind)) c.options.push_back(std::move(o));
  if (kind == tu::report_kind::blocks || kind == tu::report_kind::daily) c.options.push_back(usage_watch::declare());
  c.formats = {"table", "json", "csv", "text", "markdown"};
  return c;
}

cli::command run_command() {
  cli::command c;
  c.name = "run";
  c.summary = "the Token Summary of one okstra run";
  c.usage = {"--run-dir DIR [--fill-report REPORT.md] [options]"};
  c.details = details;
  c.options = {cli::path("run-dir", "DIR", "the run folder", cli::completion::dir),
               cli::path("fill-report", "FILE", "fill the report's Token Summary placeholders"),
               cli::path("prices", "FILE", prices_file_help)};
  for (auto& o : collect_options()) c.options.push_back(std::move(o));
  return c;
}

cli::command cursor_hook_command() {
  cli::command c;
  c.name = "cursor-hook";
  c.summary = "record one cursor-agent generation's usage (a 'stop' hook)";
  c.usage = {"[--install] [options]"};
  c.details =
      "Reads the hook payload (JSON) on stdin and appends one line to\n"
      "$OKSTRA_HOME/usage/cursor.jsonl under the central lock; prints nothing.\n"
      "--install prints the hooks.json entry to merge into ~/.cursor/hooks.json.";
  c.options = {cli::flag("install", "print the hook configuration to add, and exit")};
  return c;
}

cli::command limits_command() {
  cli::command c;
  c.name = "limits";
  c.summary = "the latest rate-limit windows the agents recorded";
  c.usage = {"[--json] [--tz ZONE] [options]"};
  c.details =
      "Per source: the percentage used of the primary (short) and secondary (long)\n"
      "window, its length, when it resets and how old the observation is. Codex from\n"
      "its rollouts; Claude Code from $OKSTRA_HOME/usage/limits.json, which the\n"
      "statusline records. A source with nothing recorded is 'unknown'; nothing is\n"
      "estimated. Default sources: claude, codex.";
  c.options = {cli::text("tz", "ZONE", "IANA time zone of the reset times (default: local)"), usage_watch::declare()};
  for (auto& o : collect_options()) c.options.push_back(std::move(o));
  c.formats = {"table", "json", "text"};
  return c;
}

cli::command prices_command() {
  cli::command c;
  c.name = "prices";
  c.summary = "the prices each model is charged at";
  c.usage = {"[MODEL...] [--prices FILE] [options]"};
  c.details =
      "Shows which price entry each MODEL id maps to, its prices per million tokens\n"
      "(input, output, cache writes 5m/1h, cache reads), the steps above a prompt size,\n"
      "the service-tier multipliers, and the dataset with its version and date. Without\n"
      "MODEL it lists every entry. Exit 1 when a named model has no price.\n"
      "'okstra-usage prices update' refreshes the prices (see its --help).";
  c.options = {cli::path("prices", "FILE", prices_file_help)};
  c.positionals = {{"model", 0, -1, cli::completion::none}};
  c.formats = {"table", "json", "text"};
  return c;
}

cli::command prices_update_command() {
  cli::command c;
  c.name = "prices update";
  c.summary = "download current prices into $OKSTRA_HOME/cache/prices.json";
  c.usage = {"[--from URL|FILE] [options]"};
  c.details = "The only command that uses the network: it runs curl once. Without --from it\n"
              "fetches " + std::string(tu::default_prices_url) + ".\n"
              "A LiteLLM model_prices_and_context_window.json works too. The download is\n"
              "checked before it replaces the cached prices; reports use it while it is\n"
              "newer than the built-in table.";
  c.options = {cli::text("from", "URL|FILE", "where to fetch the prices from")};
  return c;
}

constexpr tu::report_kind report_kinds[] = {tu::report_kind::daily,   tu::report_kind::weekly, tu::report_kind::monthly,
                                            tu::report_kind::session, tu::report_kind::blocks, tu::report_kind::hourly};

cli::program declare() {
  cli::program p;
  p.name = tool;
  p.self = report_command(tu::report_kind::daily);
  p.self.name.clear();
  p.self.summary = "token usage and cost from Claude Code, Codex, Gemini and Cursor logs";
  p.self.usage = {"[options]"};
  p.self.details = std::string("Without a command: the daily report.\n\n") + details;
  for (const auto k : report_kinds) p.commands.push_back(report_command(k));
  p.commands.push_back(run_command());
  p.commands.push_back(cursor_hook_command());
  p.commands.push_back(limits_command());
  p.commands.push_back(usage_statusline::declare());
  for (auto& c : usage_archive::declare()) p.commands.push_back(std::move(c));
  p.commands.push_back(usage_exchange::declare_export(collect_options()));
  p.commands.push_back(prices_command());
  p.commands.push_back(prices_update_command());
  p.exits = {{0, "done"},
             {1, "prices: a named model has no price"},
             {2, "usage error: unknown report, option or time zone, bad value"},
             {3, "unreadable or malformed input (run folder, price file, hook payload), download failed, I/O error"}};
  return p;
}

// ---- reports ---------------------------------------------------------------------

std::string render_report(const tu::report& report, const std::string& format, bool pretty,
                          const okstra::style::output_style& style, bool bar) {
  if (format == "json") return tu::render_json(report, pretty);
  if (format == "csv") return tu::render_csv(report);
  if (format == "markdown") return tu::render_markdown(report);
  return tu::render_table(report, style, bar);  // table and text: the same human view
}

// What blocks add to a report's options: --active, the official windows the
// agents recorded, and the test-only clock OKSTRA_TEST_NOW (docs/usage-blocks.md, "Blocks").
void add_block_options(tu::report_options& o, const cli::arguments& cmd, const tu::collection& collected) {
  o.active_only = cmd.has("active");
  if (const char* now = std::getenv("OKSTRA_TEST_NOW"); now && *now) {
    const auto ms = okstra::time::parse_iso8601(now);
    if (!ms) throw okstra::usage_error(okstra::quoted("invalid OKSTRA_TEST_NOW", now), "a test-only setting: an ISO 8601 time");
    o.now_ms = *ms;
  }
  // A primary window of at most 5 hours anchors the source's blocks; a
  // longer one (a week) is no billing block.
  for (const auto s : tu::all_sources) {
    const auto w = tu::latest_official_window(collected.limits, s);
    if (w && w->window_minutes > 0 && w->window_minutes <= 300 && w->resets_at_ms > 0)
      o.block_anchors.push_back({s, w->resets_at_ms - w->window_minutes * 60'000, w->resets_at_ms});
  }
}

// One report, read and rendered as often as asked (once, or on every wake-up of --watch).
struct report_job {
  const cli::arguments& cmd;
  tu::report_kind kind;
  std::vector<std::string> args;  // after the report's name: part of the remembered report's key
  std::string format = usage_report_options::format(cmd);
  tu::report_options options = usage_report_options::from(cmd, kind);
  report_prices prices{cmd};
  tu::collect_options collect =
      usage_report_options::with_config_sources(collect_options_from(cmd, kind == tu::report_kind::blocks), cmd, kind);

  usage_watch::frame render(const okstra::style::output_style& style, bool one_line) const;
  // Once the cache write-back of a render is done: see remembered_again.
  void finish_cache_writes() const;

  // A report made by collecting is remembered under the key of the cache
  // index it was made with, which its own write-back then replaces: the run
  // right after would miss it. It is remembered again under the index this
  // process wrote (docs/usage.md, "The cache").
  struct remembered_again {
    std::vector<std::string> key_args;  // the index's entry last
    std::uint64_t logs = 0;
    bool terminal = false;
    tu::stored_report report;
  };
  mutable std::optional<remembered_again> pending_{};
};

constexpr std::string_view index_key_arg = "\x01index=";

void report_job::finish_cache_writes() const {
  const std::string written = tu::finish_cache_writes();
  if (!pending_) return;
  remembered_again again = std::move(*pending_);
  pending_.reset();
  if (written.empty() || again.key_args.back() == std::string(index_key_arg) + written) return;
  again.key_args.back() = std::string(index_key_arg) + written;
  tu::store_report(collect, tu::report_key(again.key_args, again.logs, again.terminal, prices.identity()), again.report);
}

usage_watch::frame report_job::render(const okstra::style::output_style& style, bool one_line) const {
  // A report of unchanged logs with the same command line and output style
  // is printed again as it was; blocks depend on the clock and are always computed.
  std::string key;
  tu::detail::trace("start");
  tu::cache_preloader preloaded(collect);  // overlaps the walk below
  auto logs = tu::discover_logs(collect);
  const std::uint64_t logs_fingerprint = logs.fingerprint;
  tu::detail::trace("find and stat logs");
  // Every input of the report but the logs and the archive: the key of the
  // archive's kept share (docs/usage-archive.md, "Reports over the archive").
  std::vector<std::string> key_args = args;
  key_args.insert(key_args.begin(), std::string(tu::report_kind_name(kind)));
  key_args.push_back(usage_report_options::defaults_key(options, collect));
  const std::string share_key = tu::report_key(key_args, 0, false, prices.identity());
  if (collect.use_cache && kind != tu::report_kind::blocks) {
    // The archive changes without the logs changing (prune), and what the
    // cache's index remembers decides what is archived: both in the key
    // (docs/usage-archive.md, "Reports").
    key_args.push_back("\x01archive=" + std::to_string(collect.use_archive ? tu::archive(collect.archive_dir).fingerprint() : 0));
    key_args.push_back("\x01import=" + usage_exchange::import_stamp(cmd));
    key_args.push_back("\x01width=" + std::to_string(style.width) + (style.color ? " color" : "") + (one_line ? " one-line" : "") +
                       (style.utf8 ? " utf8" : ""));
    key_args.push_back(std::string(index_key_arg) + tu::cache_index_stamp(collect));
    key = tu::report_key(key_args, logs_fingerprint, style.terminal, prices.identity());
    if (const auto hit = tu::read_report(collect, key)) {
      tu::detail::trace_note("the logs are unchanged: printing the remembered report");
      return {hit->output, hit->diagnostics};
    }
  }
  prices.prepare();
  auto collected = tu::collect(collect, std::move(logs), preloaded);
  std::string problems = usage_exchange::merge_imports(cmd, collect, collected);
  problems += problems_of(collected);
  tu::report_options o = options;
  if (kind == tu::report_kind::blocks) add_block_options(o, cmd, collected);
  const auto report = tu::build_report_with_archive(collect, collected, prices.table(), o, share_key);
  problems += unpriced_warning(report);
  const bool no_active = o.active_only && report.rows.empty();
  if (no_active) problems += std::string(tool) + ": no active block\n";
  tu::detail::trace("build report");
  std::string text = render_report(report, format, cmd.out().pretty() && !one_line, style, !cmd.has("no-bar"));
  while (!text.empty() && text.back() == '\n') text.pop_back();  // emit() ends the output
  if (!key.empty()) {
    tu::store_report(collect, key, {problems, text});
    pending_ = remembered_again{std::move(key_args), logs_fingerprint, style.terminal, {problems, text}};
  }
  return {text, problems, !(no_active && format != "json" && format != "csv")};  // an empty table: nothing
}

int run_report(tu::report_kind kind, const cli::arguments& cmd, std::vector<std::string> args) {
  if (cmd.has("watch")) usage_watch::interval_of(cmd);  // a usage error before anything is read
  report_job job{cmd, kind, std::move(args)};
  // Imported records are merged with the archive's by identity (docs/usage-exchange.md).
  job.collect.archive_apart = !cmd.has("import");
  if (cmd.has("watch")) {
    job.collect.progress = false;  // no progress bar once the screen is set up
    // blocks: the remaining time and the burn rate move with the clock (docs/usage-watch.md)
    return usage_watch::run(cmd, tu::watched_roots(job.collect, false), kind == tu::report_kind::blocks,
                            [&](const okstra::style::output_style& style, bool one_line) {
                              auto f = job.render(style, one_line);
                              job.finish_cache_writes();
                              return f;
                            });
  }
  const auto f = job.render(cli::stdout_style(cmd), false);
  std::fwrite(f.problems.data(), 1, f.problems.size(), stderr);
  if (f.shown) cli::emit(cmd, f.text);
  tu::detail::trace("render and print");
  job.finish_cache_writes();
  tu::detail::trace("finish cache write");
  return 0;
}

int run_cursor_hook(const cli::arguments& cmd, const char* argv0) {
  if (cmd.has("install")) {
    std::error_code ec;
    const auto self = std::filesystem::canonical("/proc/self/exe", ec);
    cli::emit_json(cmd, tu::cursor_hook_install_snippet(ec ? std::string(argv0) : self.string()), {"cursor hook", {}});
    return 0;
  }
  const std::string payload = okstra::fs::read_stdin(std::size_t{16} << 20, "hook payload");
  const std::string line = tu::cursor_hook_line(payload, okstra::time::now_unix_ms());
  const auto home = okstra::dirs::home();
  okstra::fs::ensure_dir(home.usage_dir(), 0700);
  auto guard = okstra::locks::central_lock(home);
  okstra::fs::append_line(home.usage_dir() / "cursor.jsonl", line, 0600);
  return 0;
}

int run_attribution(const cli::arguments& cmd) {
  const std::filesystem::path run_dir = cmd.require("run-dir");
  const auto prices = prices_from(cmd);
  const auto run = tu::read_run_info(run_dir);
  const auto collected = tu::collect(collect_options_from(cmd));
  report_problems(collected);
  const auto summary = tu::summarise_run(run, collected.records, prices);
  if (auto report = cmd.text("fill-report")) tu::fill_report(*report, summary);
  cli::emit_json(cmd, tu::render_run_summary(summary, cmd.out().pretty()),
                 {"token summary", {{"/workers", {"workerId", "source"}}}});
  return 0;
}

// Codex limits come from its rollouts (through the cache), Claude Code's from
// the recorded limits file only: its transcripts carry none, so they are not read.
struct limits_job {
  const cli::arguments& cmd;
  std::string tz = usage_report_options::time_zone(cmd);
  tu::time_zone zone = tz.empty() ? tu::time_zone::local() : tu::time_zone::load(tz);
  tu::collect_options collect = collect_options_from(cmd);
  std::array<bool, 4> shown = cmd.has("source") ? collect.enabled : std::array<bool, 4>{true, true, false, false};
  bool codex = shown[static_cast<std::size_t>(tu::source::codex)], claude = shown[static_cast<std::size_t>(tu::source::claude)];

  usage_watch::frame render(bool one_line) const {
    tu::official_limits limits{};
    std::string problems;
    const auto warn = [&](const std::string& w) { problems.append(tool).append(": warning: ").append(okstra::printable(w)).append("\n"); };
    if (codex) {
      const auto collected = tu::collect(collect);
      for (const auto& w : collected.warnings) warn(w);
      limits[static_cast<std::size_t>(tu::source::codex)] = collected.limits[static_cast<std::size_t>(tu::source::codex)];
    }
    if (claude) {
      std::vector<std::string> warnings;
      limits[static_cast<std::size_t>(tu::source::claude)] = tu::read_recorded_limits(tu::recorded_limits_file(), warnings)[0];
      for (const auto& w : warnings) warn(w);
    }
    const auto now = okstra::time::now_unix_ms();
    std::string text = cmd.out().format == "json"
                           ? tu::render_limits_json(limits, shown, zone, now, cmd.out().pretty() && !one_line)
                           : tu::render_limits_table(limits, shown, zone, now);
    while (!text.empty() && text.back() == '\n') text.pop_back();  // emit() ends the output
    tu::finish_cache_writes();
    return {text, problems};
  }
};

int run_limits(const cli::arguments& cmd) {
  if (cmd.has("watch")) usage_watch::interval_of(cmd);  // a usage error before anything is read
  limits_job job{cmd};
  job.collect.enabled = {false, job.codex, false, false};  // Codex alone is read; Claude Code's are recorded
  job.collect.official_limits = true;
  if (cmd.has("watch")) {
    job.collect.progress = false;  // no progress bar once the screen is set up
    // "resets in" and the observations' age move with the clock (docs/usage-watch.md)
    return usage_watch::run(cmd, tu::watched_roots(job.collect, job.claude), true,
                            [&](const okstra::style::output_style&, bool one_line) { return job.render(one_line); });
  }
  const auto f = job.render(false);
  std::fwrite(f.problems.data(), 1, f.problems.size(), stderr);
  cli::emit(cmd, f.text);
  return 0;
}

int run_prices_update(const cli::arguments& cmd) {
  const std::string from = cmd.text("from").value_or(std::string(tu::default_prices_url));
  const auto done = tu::update_prices(okstra::dirs::home(), from);
  okstra::json::writer w(cmd.out().pretty());
  w.begin_object().field("stored", done.stored.string()).field("dataset", done.source.name);
  w.field("date", done.source.date).field("models", done.models).end_object();
  cli::emit_json(cmd, std::move(w).str(), {"prices updated", {}});
  return 0;
}

int run_prices(const cli::arguments& cmd) {
  const auto prices = prices_from(cmd);
  std::vector<std::string> unpriced;
  const bool json = cmd.out().format == "json";
  std::string text = tu::render_prices(prices, cmd.positionals(), json, okstra::time::now_unix_ms(), unpriced,
                                       cli::stdout_style(cmd));
  if (json && cmd.out().compact) {  // the listing is always pretty: rewrite it on one line
    okstra::json::writer w(false);
    w.value(okstra::json::parse(text, "prices"));
    text = std::move(w).str();
  }
  cli::emit(cmd, text);
  if (!unpriced.empty())
    throw okstra::refused(okstra::quoted("no price for", unpriced.front()) +
                              (unpriced.size() > 1 ? " and " + std::to_string(unpriced.size() - 1) + " more" : ""),
                          "set one in config.json under prices.overrides (docs/usage.md, \"Where prices come from\")");
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  okstra::heap::prefer_huge_pages();  // docs/performance.md, "Page faults and the heap"
  return cli::run_main(tool, [&] {
    const std::vector<std::string> all(argv + 1, argv + argc);
    const auto cmd = cli::parse(declare(), all);
    if (!cmd) return 0;
    const std::string& sub = cmd->command();
    if (sub == "run") return run_attribution(*cmd);
    if (sub == "cursor-hook") return run_cursor_hook(*cmd, argv[0]);
    if (sub == "limits") return run_limits(*cmd);
    if (sub == "statusline") return usage_statusline::run(*cmd, all);
    if (sub == "archive" || sub.starts_with("archive ")) return usage_archive::run(*cmd, sub);
    if (sub == "export") return usage_exchange::run_export(*cmd, collect_options_from(*cmd));
    if (sub == "prices") return run_prices(*cmd);
    if (sub == "prices update") return run_prices_update(*cmd);
    // The report key hashes the arguments after the report's name.
    std::vector<std::string> args = all;
    if (!sub.empty()) args.erase(args.begin());
    for (const auto k : report_kinds)
      if (tu::report_kind_name(k) == sub) return run_report(k, *cmd, args);
    return run_report(tu::report_kind::daily, *cmd, args);
  });
}

}  // namespace okstra::commands::usage
