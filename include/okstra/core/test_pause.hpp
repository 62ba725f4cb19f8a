// okstra/core/test_pause.hpp — the test-only pause hook of the tools whose
// crash safety is tested by killing them half-way (okstra-prepare,
// okstra-migrate).
//
// Contract: with OKSTRA_TEST_PAUSE_AT=<step>, at(tool, step) prints
// "<tool>: test pause at <step>" on stderr and waits until the file named by
// OKSTRA_TEST_RESUME_FILE exists (or the process is killed); without it, it
// does nothing. check_step() refuses (usage error) a step name the tool does
// not have, since a misspelt step would make a test wait forever. Never set
// these variables outside the test suite.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "okstra/core/error.hpp"

namespace okstra::test_pause {

inline void check_step(std::span<const std::string_view> steps) {
  const char* wanted = std::getenv("OKSTRA_TEST_PAUSE_AT");
  if (!wanted || !*wanted) return;
  for (const auto step : steps)
    if (step == wanted) return;
  throw usage_error(quoted("unknown OKSTRA_TEST_PAUSE_AT step", wanted), "a test-only setting");
}

inline void at(std::string_view tool, std::string_view step) {
  const char* wanted = std::getenv("OKSTRA_TEST_PAUSE_AT");
  if (!wanted || step != wanted) return;
  const std::string line = std::string(tool) + ": test pause at " + std::string(step) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  const char* resume = std::getenv("OKSTRA_TEST_RESUME_FILE");
  std::error_code ec;
  while (!(resume && *resume && std::filesystem::exists(resume, ec)))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace okstra::test_pause
