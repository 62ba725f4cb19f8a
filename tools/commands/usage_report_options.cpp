// The report commands' options (tools/commands/usage_report_options.hpp).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include "usage_report_options.hpp"

#include <string>
#include <utility>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/token_usage/detail/tz.hpp"

namespace okstra::commands::usage_report_options {

namespace cli = okstra::cli;
namespace tu = okstra::token_usage;

std::vector<cli::option> declare(tu::report_kind kind) {
  std::vector<cli::option> o;
  if (kind != tu::report_kind::session && kind != tu::report_kind::blocks)
    o.push_back(cli::choice("group-by", "FIELD", {"source", "model", "project", "agent", "session"},
                            "a row per period and value of FIELD (docs/usage-reports.md)"));
  return o;
}

tu::report_options from(const cli::arguments& cmd, tu::report_kind kind) {
  tu::report_options o;
  o.kind = kind;
  o.time_zone = cmd.text("tz").value_or("");
  o.breakdown = cmd.has("breakdown");
  if (auto g = cmd.text("group-by")) o.group = tu::parse_group_by(*g).value_or(tu::group_by::none);
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
