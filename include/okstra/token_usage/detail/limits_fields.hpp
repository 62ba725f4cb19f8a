// okstra/token_usage/detail/limits_fields.hpp — the field rules of rate-limit
// windows, shared by the Codex parser and the recorded limits file, and the
// order of observations (always inline: the Codex parser is header code).
// Included by okstra/token_usage/limits.hpp after its types; include that.
#pragma once

#include <cmath>
#include <optional>

#include "okstra/core/json.hpp"

namespace okstra::token_usage {

namespace detail_limits {

inline constexpr std::string_view window_names[2] = {"primary", "secondary"};

inline const std::optional<limit_window>& window_of(const limit_observation& o, std::size_t k) noexcept {
  return k == 0 ? o.primary : o.secondary;
}

// -1, 0, 1: absent windows sort first, then by their values.
inline int compare(const std::optional<limit_window>& a, const std::optional<limit_window>& b) noexcept {
  if (!a || !b) return a ? 1 : (b ? -1 : 0);
  if (a->used_percent != b->used_percent) return a->used_percent < b->used_percent ? -1 : 1;
  if (a->window_minutes != b->window_minutes) return a->window_minutes < b->window_minutes ? -1 : 1;
  if (a->resets_at_ms != b->resets_at_ms) return a->resets_at_ms < b->resets_at_ms ? -1 : 1;
  return 0;
}

// A percentage as recorded: a finite number in [0, 1e6] (a window can be
// overdrawn past 100; anything else is not a percentage).
inline std::optional<double> percent(const json::value* v) noexcept {
  if (!v || !v->IsNumber()) return std::nullopt;
  const double d = v->GetDouble();
  if (!std::isfinite(d) || d < 0 || d > 1e6) return std::nullopt;
  return d;
}

// Unix seconds within the years 1970..2999 as ms, else 0.
inline std::int64_t seconds_to_ms(const json::value* v) noexcept {
  if (!v || !v->IsInt64()) return 0;
  const std::int64_t s = v->GetInt64();
  return s > 0 && s < 32503680000 ? s * 1000 : 0;
}

inline std::int64_t minutes(const json::value* v) noexcept {
  if (!v || !v->IsInt64()) return 0;
  const std::int64_t m = v->GetInt64();
  return m > 0 && m <= 10 * 366 * 1440 ? m : 0;
}

}  // namespace detail_limits

inline bool later_observation(const limit_observation& a, const limit_observation& b) noexcept {
  if (a.observed_ms != b.observed_ms) return a.observed_ms > b.observed_ms;
  for (std::size_t k = 0; k < 2; ++k)
    if (const int c = detail_limits::compare(detail_limits::window_of(a, k), detail_limits::window_of(b, k))) return c > 0;
  return false;
}

}  // namespace okstra::token_usage
