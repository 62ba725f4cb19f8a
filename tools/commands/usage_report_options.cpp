// The report commands' options (tools/commands/usage_report_options.hpp).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include "usage_report_options.hpp"

#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/token_usage/detail/tz.hpp"

namespace okstra::commands::usage_report_options {

namespace cli = okstra::cli;
namespace tu = okstra::token_usage;

constexpr const char* week_days[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

std::vector<cli::option> declare(tu::report_kind kind) {
  std::vector<cli::option> o;
  if (kind == tu::report_kind::session || kind == tu::report_kind::blocks) return o;
  o.push_back(cli::choice("group-by", "FIELD", {"source", "model", "project", "agent", "session"},
                          "a row per period and value of FIELD (docs/usage-reports.md)"));
  o.push_back(cli::count("last", "N", "only the N latest periods that have usage (totals follow)", 1));
  o.push_back(cli::choice("order", "ORDER", {"asc", "desc"}, "oldest period first (asc, the default) or newest"));
  o.push_back(cli::flag("no-bar", "no bar of each row's total tokens at the end of table rows"));
  if (kind == tu::report_kind::weekly)
    o.push_back(cli::choice("week-start", "DAY", std::vector<std::string>(std::begin(week_days), std::end(week_days)),
                            "the first day of a week (default: monday)"));
  return o;
}

tu::report_options from(const cli::arguments& cmd, tu::report_kind kind) {
  tu::report_options o;
  o.kind = kind;
  o.time_zone = cmd.text("tz").value_or("");
  o.breakdown = cmd.has("breakdown");
  if (auto g = cmd.text("group-by")) o.group = tu::parse_group_by(*g).value_or(tu::group_by::none);
  if (auto n = cmd.count("last")) o.last = static_cast<std::size_t>(*n);
  o.descending = cmd.text("order").value_or("asc") == "desc";
  if (auto day = cmd.text("week-start"))
    for (int i = 0; i < 7; ++i)
      if (*day == week_days[i]) o.week_start = i;
  const auto zone = o.time_zone.empty() ? tu::time_zone::local() : tu::time_zone::load(o.time_zone);
  for (const auto& [name, end] : {std::pair{"since", false}, std::pair{"until", true}}) {
    if (auto text = cmd.text(name)) {
      const auto bound = tu::parse_time_bound(*text, zone, end);
      if (!bound) throw okstra::usage_error(okstra::quoted(std::string("invalid value for --") + name, *text),
                                            "expected YYYY-MM-DD, YYYYMMDD or an ISO 8601 time");
      (end ? o.filter.until_ms : o.filter.since_ms) = *bound;
    }
  }
  o.filter.project = cmd.text("project");
  o.filter.model = cmd.text("model");
  return o;
}

std::string format(const cli::arguments& cmd) {
  const std::string& format = cmd.out().format;
  if (!cmd.has("csv")) return format;
  if (cmd.has("json") || (cmd.has("format") && format != "csv"))
    throw okstra::usage_error("options '--csv' and '--format " + format + "' cannot be combined", cmd.see_help());
  if (cmd.out().compact)
    throw okstra::usage_error(okstra::quoted("option '--compact' applies to JSON only, not to format", "csv"), cmd.see_help());
  return "csv";
}

}  // namespace okstra::commands::usage_report_options
