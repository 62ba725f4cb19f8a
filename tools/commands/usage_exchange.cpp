// okstra-usage export and --import: usage records between machines
// (docs/usage-exchange.md). Compiled into the okstra library: the module
// headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include "usage_exchange.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <unordered_set>

#include "okstra/core/error.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/exchange.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/detail/kept_files.hpp"

#include "usage_report_options.hpp"

namespace okstra::commands::usage_exchange {

namespace {

namespace cli = okstra::cli;
namespace tu = okstra::token_usage;

// Lines go out in pieces: an export of millions of records is never one string.
class line_sink {
 public:
  ~line_sink() { flush(); }
  std::string& buffer() { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= (std::size_t{1} << 20)) flush();
  }
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), stdout) != buf_.size()) failed_ = true;
    buf_.clear();
  }
  bool failed() const { return failed_ || std::ferror(stdout); }

 private:
  std::string buf_;
  bool failed_ = false;
};

}  // namespace

cli::command declare_export(std::vector<cli::option> collect_options) {
  cli::command c;
  c.name = "export";
  c.summary = "this machine's usage records as JSON lines, for --import elsewhere";
  c.usage = {"[--since DATE] [--until DATE] --format jsonl [options]"};
  c.details =
      "One JSON object per line on stdout: the records of this machine's logs and\n"
      "its archive (unless --no-archive), each with this okstra home's machine id\n"
      "and the record's identity. Another machine's report adds them with\n"
      "--import FILE; a record known twice counts once (docs/usage-exchange.md).";
  c.options = {cli::text("since", "DATE", "from this day (YYYY-MM-DD, YYYYMMDD or an ISO time)"),
               cli::text("until", "DATE", "up to the end of this day (or this ISO time)"),
               cli::text("project", "TEXT", "only records whose project (cwd) contains TEXT"),
               cli::text("model", "TEXT", "only models whose name contains TEXT"),
               cli::text("tz", "ZONE", "IANA time zone of --since and --until (default: local)")};
  for (auto& o : collect_options) c.options.push_back(std::move(o));
  c.formats = {"jsonl"};
  return c;
}

int run_export(const cli::arguments& cmd, const tu::collect_options& collect) {
  const auto filter = usage_report_options::from(cmd, tu::report_kind::daily).filter;
  const std::string machine = tu::machine_id(okstra::dirs::okstra_home());
  tu::collect_options live_only = collect;
  live_only.use_archive = false;  // the archive is read below, to mark its records
  const auto collected = tu::collect(live_only);
  for (const auto& w : collected.warnings) cli::warn("okstra-usage", w);
  line_sink out;
  std::unordered_set<std::uint64_t> seen;
  seen.reserve(collected.records.size());
  for (const auto& r : collected.records) {
    const auto identity = tu::content_identity(r);
    seen.insert(identity);
    if (!tu::record_matches(r, filter)) continue;
    tu::export_line(out.buffer(), r, identity, machine, false);
    out.maybe_flush();
  }
  if (collect.use_archive) {
    const auto archived = tu::archive(collect.archive_dir).read_all();
    for (const auto& w : archived.warnings) cli::warn("okstra-usage", w);
    // Live records win, as in a report (docs/usage-archive.md, "Record identity").
    for (const auto& a : archived.records) {
      if (!collect.enabled[static_cast<std::size_t>(a.rec.src)] || !seen.insert(a.identity).second) continue;
      if (!tu::record_matches(a.rec, filter)) continue;
      tu::export_line(out.buffer(), a.rec, a.identity, machine, true);
      out.maybe_flush();
    }
  }
  out.flush();
  if (out.failed() || std::fflush(stdout) != 0) throw okstra::io_error("write", "standard output");
  return 0;
}

cli::option import_option() {
  return cli::path("import", "FILE", "add the records of another machine's 'okstra-usage export' (repeatable)").repeat();
}

std::string import_stamp(const cli::arguments& cmd) {
  std::string stamp;
  for (const auto& file : cmd.texts("import")) stamp += file + '\x02' + tu::detail::file_stamp(file) + '\x03';
  return stamp;
}

std::string merge_imports(const cli::arguments& cmd, const tu::collect_options& collect, tu::collection& collected) {
  const auto files = cmd.texts("import");
  if (files.empty()) return {};
  std::vector<tu::imported_record> all;
  std::string problems;
  for (const auto& file : files) {
    auto got = tu::read_export(file);
    if (got.skipped)
      problems += "okstra-usage: warning: " + okstra::printable(okstra::quoted("skipped " + std::to_string(got.skipped) +
                                                                     " line(s) that are no usage export record in", file)) +
                  "\n";
    all.insert(all.end(), std::make_move_iterator(got.records.begin()), std::make_move_iterator(got.records.end()));
  }
  tu::merge_imported(collect, std::move(all), collected);
  return problems;
}

}  // namespace okstra::commands::usage_exchange
