// OKSTRA_USAGE_TRACE=1: phase timings and cache decisions of okstra-usage,
// for finding out why a run is slow (docs/usage.md). They go out as
// diagnostics::trace (core/diagnostics.hpp), by default as stderr lines
// "<program>: trace: …"; their wording is not a stable interface.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "okstra/core/diagnostics.hpp"

namespace okstra::token_usage::detail {

inline bool tracing() noexcept {
  static const bool on = [] {
    const char* v = std::getenv("OKSTRA_USAGE_TRACE");
    return v && *v && std::string(v) != "0";
  }();
  return on;
}

// The time since the previous phase ended, under the name of the phase.
inline void trace(const char* phase) {
  if (!tracing()) return;
  using clock = std::chrono::steady_clock;
  static auto last = clock::now();
  const auto now = clock::now();
  char line[128];
  std::snprintf(line, sizeof line, "%-16s %8.2f ms", phase, std::chrono::duration<double, std::milli>(now - last).count());
  diagnostics::trace(line);
  last = now;
}

inline void trace_note(const std::string& what) {
  if (tracing()) diagnostics::trace(what);
}

}  // namespace okstra::token_usage::detail
