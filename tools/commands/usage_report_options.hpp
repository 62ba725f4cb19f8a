// tools/commands/usage_report_options.hpp — how okstra-usage's report
// commands turn their options into report_options and an output format
// (docs/usage.md, "Reports"; docs/usage-reports.md). Part of the usage
// command, in a file of its own: usage.cpp collects and renders, this file
// reads what the report should be.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "okstra/core/cli.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/token_usage.hpp"

namespace okstra::commands::usage_report_options {

// The options a report of this kind takes beyond the filters every report
// shares (--group-by for the period reports; docs/usage-reports.md).
std::vector<okstra::cli::option> declare(okstra::token_usage::report_kind kind);

// Throws usage_error on a bad --since/--until or time zone.
okstra::token_usage::report_options from(const okstra::cli::arguments& cmd, okstra::token_usage::report_kind kind);

// "table", "json", "csv" or "text": --csv is short for --format csv; the
// two other ways to choose must agree (else usage_error).
std::string format(const okstra::cli::arguments& cmd);

// The `usage` defaults of <home>/config.json (docs/usage-reports.md,
// "Defaults from config.json"): each unset when the file, the key or the
// field is absent. Throws input_error naming the file and the field when the
// file is not JSON, a field has the wrong type or names no day, zone or source.
struct config_defaults {
  std::optional<std::string> time_zone;               // usage.timeZone, a zone that loads
  std::optional<std::array<bool, 4>> sources;         // usage.sources, indexed by source
  std::optional<int> week_start;                      // usage.weekStart: 0 Monday ... 6 Sunday
};
config_defaults read_config(const std::filesystem::path& file);

// The zone name of a report or of limits: --tz, else "" (the local zone) when
// TZ is set, else usage.timeZone, else "" (docs/usage-reports.md, "Defaults from config.json").
std::string time_zone(const okstra::cli::arguments& cmd);

// What a remembered report's key adds for the defaults as resolved: a changed
// config.json never replays a report made with the old ones (docs/usage-reports.md).
std::string defaults_key(const okstra::token_usage::report_options& options,
                         const okstra::token_usage::collect_options& collect);

// The report's sources when --source is not given: usage.sources for the
// period reports and session; blocks keep Claude Code alone (docs/usage-blocks.md).
okstra::token_usage::collect_options with_config_sources(okstra::token_usage::collect_options o,
                                                         const okstra::cli::arguments& cmd,
                                                         okstra::token_usage::report_kind kind);

}  // namespace okstra::commands::usage_report_options
