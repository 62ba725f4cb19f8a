// tools/commands/usage_exchange.hpp — `okstra-usage export --format jsonl`
// and the `--import FILE…` option of every report: one total across
// machines (docs/usage-exchange.md). Part of the usage command, in a file of
// its own: usage.cpp declares it, dispatches to it and calls the import
// steps of a report.
#pragma once

#include <string>

#include "okstra/core/cli.hpp"
#include "okstra/token_usage/token_usage.hpp"

namespace okstra::commands::usage_exchange {

okstra::cli::command declare_export(std::vector<okstra::cli::option> collect_options);
int run_export(const okstra::cli::arguments& cmd, const okstra::token_usage::collect_options& collect);

// The report option.
okstra::cli::option import_option();

// What the imported files are now (path, inode, size, mtime of each), for
// the remembered report's key; "" without --import.
std::string import_stamp(const okstra::cli::arguments& cmd);

// Reads every --import file (an unreadable one: input_error, exit 3) and
// merges its records into `collected`; returns the warning lines to print.
std::string merge_imports(const okstra::cli::arguments& cmd, const okstra::token_usage::collect_options& collect,
                          okstra::token_usage::collection& collected);

}  // namespace okstra::commands::usage_exchange
