// tools/commands/usage_statusline.hpp — `okstra-usage statusline`, Claude
// Code's statusLine command (docs/usage-statusline.md). Part of the usage
// command, in a file of its own: usage.cpp declares it and dispatches to it.
#pragma once

#include <string>
#include <vector>

#include "okstra/core/cli.hpp"

namespace okstra::commands::usage_statusline {

okstra::cli::command declare();
// Never fails the statusline: a runtime error prints the fallback line,
// is logged, and returns 0. --install --write can return 3 (malformed settings).
// `args`: the command line, for the remembered line's key.
int run(const okstra::cli::arguments& cmd, const std::vector<std::string>& args);

}  // namespace okstra::commands::usage_statusline
