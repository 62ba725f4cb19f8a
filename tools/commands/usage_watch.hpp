// tools/commands/usage_watch.hpp — `--watch [SECONDS]` of `okstra-usage
// daily`, `blocks --active` and `limits` (docs/usage-watch.md). Part of the
// usage command, in a file of its own: usage.cpp renders, this file repeats.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "okstra/core/cli.hpp"
#include "okstra/core/style.hpp"
#include "okstra/token_usage/watch.hpp"

namespace okstra::commands::usage_watch {

// The option, as daily, blocks and limits declare it.
okstra::cli::option declare();

// One rendering of the report: what stdout shows ("" = nothing) and the
// warnings of that run, as the lines stderr would get.
struct frame {
  std::string text;
  std::string problems;
  bool shown = true;  // false: nothing on stdout (blocks --active without an active block, as a table)
};
// style: the width and colour to render at; one_line: JSON on one line.
using render_fn = std::function<frame(const okstra::style::output_style& style, bool one_line)>;

// Checks where --watch may be used and reads SECONDS; throws a usage error
// (docs/usage-watch.md, "Starting").
double interval_of(const okstra::cli::arguments& cmd);

// Renders, then renders again whenever something under `roots` changes (and
// every SECONDS with `timer_always`) until SIGINT, SIGTERM or SIGHUP; returns
// the exit status (0).
int run(const okstra::cli::arguments& cmd, std::vector<std::filesystem::path> roots, bool timer_always,
        const render_fn& render);

}  // namespace okstra::commands::usage_watch
