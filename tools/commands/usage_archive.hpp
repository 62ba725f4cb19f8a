// tools/commands/usage_archive.hpp — `okstra-usage archive status|prune|export`,
// the usage history kept when logs vanish or shrink (docs/usage-archive.md).
// Part of the usage command, in a file of its own: usage.cpp declares it and
// dispatches to it.
#pragma once

#include <vector>

#include "okstra/core/cli.hpp"

namespace okstra::commands::usage_archive {

std::vector<okstra::cli::command> declare();
// `sub` is "archive status", "archive prune" or "archive export".
int run(const okstra::cli::arguments& cmd, const std::string& sub);

}  // namespace okstra::commands::usage_archive
