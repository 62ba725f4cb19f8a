// okstra/token_usage/limits.hpp — the agents' own rate-limit windows
// ("official limits"), as they recorded them (docs/usage-limits.md).
//
// Contract:
// - An observation is what one agent said at one instant about its windows:
//   the primary (short, e.g. 5 hours) and the secondary (long, e.g. 7 days)
//   window, each with the percentage used, its length and when it resets.
//   Nothing here is estimated: a field the agent did not record stays 0 (or
//   the window absent), and a source with no observation is "unknown".
// - Codex: from `rate_limits` on the rollouts' token_count events (parsed in
//   detail/codex_limits.hpp, cached with the rollout's result). Claude Code:
//   from the file `<home>/usage/limits.json` that the statusline command
//   records (read_recorded_limits / record_limits below).
// - The latest observation of a source is the one with the latest time; ties
//   are broken on the values, so the answer never depends on the order in
//   which files are read (later_observation).
// - collect() fills collection::limits only when collect_options::
//   official_limits is set (token_usage.hpp): it then decodes every Codex
//   result instead of taking the source's merged snapshot.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/json.hpp"
#include "okstra/token_usage/detail/tz.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage {

struct limit_window {
  double used_percent = 0;          // as the agent computed it
  std::int64_t window_minutes = 0;  // 0: not recorded
  std::int64_t resets_at_ms = 0;    // unix ms; 0: not recorded
  friend bool operator==(const limit_window&, const limit_window&) = default;
};

struct limit_observation {
  std::int64_t observed_ms = 0;  // the event's time (Codex) or when the statusline saw it (Claude)
  std::optional<limit_window> primary, secondary;
  friend bool operator==(const limit_observation&, const limit_observation&) = default;
};

// The latest observation per source, indexed by source.
using official_limits = std::array<std::optional<limit_observation>, 4>;

// True when `a` is the later of two observations: the later time, then (a
// tie) the larger values, so every read order keeps the same one.
// (Defined inline in detail/limits_fields.hpp.)
inline bool later_observation(const limit_observation& a, const limit_observation& b) noexcept;

// One window of a source's latest observation, flattened (for blocks and the
// statusline: a window anchors a 5-hour block where the agent recorded it).
struct official_window {
  source src = source::claude;
  std::string_view name;  // "primary" or "secondary"
  double used_percent = 0;
  std::int64_t window_minutes = 0;  // 0: not recorded
  std::int64_t resets_at_ms = 0;    // 0: not recorded
  std::int64_t observed_ms = 0;
};

// The window `name` ("primary" or "secondary") of `src`'s latest observation.
std::optional<official_window> latest_official_window(const official_limits& limits, source src,
                                                      std::string_view name = "primary");

// $OKSTRA_HOME/usage/limits.json (docs/usage-limits.md, "The recorded limits file").
std::filesystem::path recorded_limits_file();

// Reads the recorded limits file: a missing file is no observation; an
// unreadable or malformed one adds a warning and yields no observation.
official_limits read_recorded_limits(const std::filesystem::path& file, std::vector<std::string>& warnings);

// Replaces `src`'s entry of the recorded limits file when `observed` is the
// later observation, keeping the other sources, atomically (temp file +
// rename; of racing writers the last rename wins). A malformed existing file
// is replaced. Throws okstra::error on a write failure.
void record_limits(const std::filesystem::path& file, source src, const limit_observation& observed);

// The observation in Claude Code's statusline input: `rate_limits.five_hour`
// (primary, 300 minutes) and `rate_limits.seven_day` (secondary, 10080
// minutes), each `{used_percentage, resets_at (unix seconds)}`; nullopt when
// neither is there. `now_ms` is the observation's time.
std::optional<limit_observation> statusline_limits(const json::value& statusline, std::int64_t now_ms);

// `okstra-usage limits`: JSON `{"limits":[{source, windows|null}]}` and the
// table, for the sources in `shown` (all_sources order); times in `zone`.
std::string render_limits_json(const official_limits& limits, const std::array<bool, 4>& shown,
                               const time_zone& zone, std::int64_t now_ms, bool pretty);
std::string render_limits_table(const official_limits& limits, const std::array<bool, 4>& shown,
                                const time_zone& zone, std::int64_t now_ms);

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/limits_fields.hpp"  // inline in every mode: the parsers use it
#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/limits_impl.hpp"
#endif
