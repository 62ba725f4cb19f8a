// tools/commands/usage_report_options.hpp — how okstra-usage's report
// commands turn their options into report_options and an output format
// (docs/usage.md, "Reports"; docs/usage-reports.md). Part of the usage
// command, in a file of its own: usage.cpp collects and renders, this file
// reads what the report should be.
#pragma once

#include <string>
#include <vector>

#include "okstra/core/cli.hpp"
#include "okstra/token_usage/report.hpp"

namespace okstra::commands::usage_report_options {

// The options a report of this kind takes beyond the filters every report
// shares (--group-by for the period reports; docs/usage-reports.md).
std::vector<okstra::cli::option> declare(okstra::token_usage::report_kind kind);

// Throws usage_error on a bad --since/--until or time zone.
okstra::token_usage::report_options from(const okstra::cli::arguments& cmd, okstra::token_usage::report_kind kind);

// "table", "json", "csv" or "text": --csv is short for --format csv; the
// two other ways to choose must agree (else usage_error).
std::string format(const okstra::cli::arguments& cmd);

}  // namespace okstra::commands::usage_report_options
