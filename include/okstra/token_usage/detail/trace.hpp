// OKSTRA_USAGE_TRACE=1: phase timings and cache decisions of okstra-usage on
// stderr, for finding out why a run is slow (docs/usage.md). Lines start with
// "okstra-usage: trace:"; their wording is not a stable interface.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "okstra/core/error.hpp"

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
  std::fprintf(stderr, "okstra-usage: trace: %-16s %8.2f ms\n", phase,
               std::chrono::duration<double, std::milli>(now - last).count());
  last = now;
}

inline void trace_note(const std::string& what) {
  if (tracing()) std::fprintf(stderr, "okstra-usage: trace: %s\n", printable(what).c_str());
}

}  // namespace okstra::token_usage::detail
