// okstra/token_usage/detail/codex_limits.hpp — the rate-limit windows on
// Codex token_count events (docs/usage-limits.md).
//
// Codex copies its server's rate-limit headers onto token_count events as
// `payload.rate_limits: {primary, secondary: {used_percent, window_minutes,
// resets_at}}`, resets_at in unix seconds; versions before resets_at wrote
// `resets_in_seconds`, relative to the event's time. Either window, or the
// whole object, may be null. Only lines already parsed as token_count
// events get here: nothing is searched or allocated per line.
// Decisions:
// - A window counts when used_percent is a finite number in [0, 1e6];
//   window_minutes and the reset are kept when they are positive integers
//   (else "not recorded"). A rate_limits with no window that counts is no
//   observation. Nothing here makes a line skipped: usage is unaffected.
// - The observation's time is the event's timestamp (the line's, else the
//   latest earlier one, as for rows). A file keeps its latest observation by
//   later_observation (limits.hpp), so resuming a grown file gives what a
//   full parse gives, and merging files gives the same in any order.
#pragma once

#include <cstring>
#include <optional>

#include "okstra/core/json.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/detail/log_format.hpp"
#include "okstra/token_usage/limits.hpp"

namespace okstra::token_usage::codex::limits_detail {

inline std::optional<limit_window> read_window(const json::value* w, std::int64_t event_ms) noexcept {
  if (!w || !w->IsObject()) return std::nullopt;
  const auto used = detail_limits::percent(json::find(*w, "used_percent"));
  if (!used) return std::nullopt;
  limit_window out{*used, detail_limits::minutes(json::find(*w, "window_minutes")),
                   detail_limits::seconds_to_ms(json::find(*w, "resets_at"))};
  const json::value* in = json::find(*w, "resets_in_seconds");
  if (!out.resets_at_ms && event_ms > 0 && in && in->IsInt64() && in->GetInt64() >= 0 &&
      in->GetInt64() <= 10 * 366 * 86400)
    out.resets_at_ms = event_ms + in->GetInt64() * 1000;
  return out;
}

// Folds the rate_limits of one token_count payload into `latest`.
inline void on_rate_limits(std::optional<limit_observation>& latest, const json::value& payload,
                           std::int64_t event_ms) noexcept {
  const json::value* limits = json::find(payload, "rate_limits");
  if (!limits || !limits->IsObject()) return;
  limit_observation o;
  o.observed_ms = event_ms;
  o.primary = read_window(json::find(*limits, "primary"), event_ms);
  o.secondary = read_window(json::find(*limits, "secondary"), event_ms);
  if (!o.primary && !o.secondary) return;
  if (!latest || later_observation(o, *latest)) latest = o;
}

// ---- cache encoding ---------------------------------------------------------

inline void put_window(detail::encoder& out, const std::optional<limit_window>& w) {
  out.u8(w ? 1 : 0);
  if (!w) return;
  std::uint64_t bits;
  std::memcpy(&bits, &w->used_percent, sizeof bits);
  out.u64(bits), out.i64(w->window_minutes), out.i64(w->resets_at_ms);
}

inline std::optional<limit_window> get_window(detail::decoder& in) {
  const std::uint8_t present = in.u8();
  if (present > 1) detail::jsonl_scan::force_fail(in);
  if (present != 1) return std::nullopt;
  limit_window w;
  const std::uint64_t bits = in.u64();
  std::memcpy(&w.used_percent, &bits, sizeof bits);
  w.window_minutes = in.i64(), w.resets_at_ms = in.i64();
  return w;
}

inline void put(detail::encoder& out, const std::optional<limit_observation>& o) {
  out.u8(o ? 1 : 0);
  if (!o) return;
  out.i64(o->observed_ms);
  put_window(out, o->primary), put_window(out, o->secondary);
}

inline std::optional<limit_observation> get(detail::decoder& in) {
  const std::uint8_t present = in.u8();
  if (present > 1) detail::jsonl_scan::force_fail(in);
  if (present != 1) return std::nullopt;
  limit_observation o;
  o.observed_ms = in.i64();
  o.primary = get_window(in);
  o.secondary = get_window(in);
  return o;
}

}  // namespace okstra::token_usage::codex::limits_detail
