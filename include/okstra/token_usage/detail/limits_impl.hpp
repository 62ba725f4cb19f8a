// Definitions for okstra/token_usage/limits.hpp. Include that header.
#pragma once

#include <cmath>
#include <cstdio>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/time.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/limits.hpp"

namespace okstra::token_usage {

namespace detail_limits {

// ---- the recorded limits file ----------------------------------------------------

inline std::int64_t iso_ms(const json::value& o, std::string_view key) {
  const auto s = json::get_string(o, key);
  return s ? time::parse_iso8601(*s).value_or(0) : 0;
}

inline std::optional<limit_window> read_recorded_window(const json::value* w) {
  if (!w || !w->IsObject()) return std::nullopt;
  const auto used = percent(json::find(*w, "usedPercent"));
  if (!used) return std::nullopt;
  return limit_window{*used, minutes(json::find(*w, "windowMinutes")), iso_ms(*w, "resetsAt")};
}

inline void write_window(json::writer& w, const limit_window& x) {
  w.begin_object().field("usedPercent", x.used_percent);
  if (x.window_minutes) w.field("windowMinutes", static_cast<long long>(x.window_minutes));
  if (x.resets_at_ms) w.field("resetsAt", time::format_iso8601(x.resets_at_ms));
  w.end_object();
}

inline void write_observation(json::writer& w, const limit_observation& o) {
  w.begin_object().field("observedAt", time::format_iso8601(o.observed_ms));
  for (std::size_t k = 0; k < 2; ++k)
    if (const auto& x = window_of(o, k)) write_window(w.key(window_names[k]), *x);
  w.end_object();
}

// ---- rendering --------------------------------------------------------------------

// "12 min ago", "3 h 05 min ago", "2 days ago"; a time ahead of the clock is "just now".
inline std::string age_text(std::int64_t age_ms) {
  const std::int64_t s = age_ms / 1000;
  char buf[64];
  if (s < 60) std::snprintf(buf, sizeof buf, "%s", s <= 0 ? "just now" : "under a minute ago");
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%lld min ago", static_cast<long long>(s / 60));
  else if (s < 48 * 3600) std::snprintf(buf, sizeof buf, "%lld h %02lld min ago", static_cast<long long>(s / 3600),
                                         static_cast<long long>(s / 60 % 60));
  else std::snprintf(buf, sizeof buf, "%lld days ago", static_cast<long long>(s / 86400));
  return buf;
}

// 300 → "5h", 10080 → "7d", 90 → "90m"; 0 → "?".
inline std::string length_text(std::int64_t minutes) {
  if (minutes <= 0) return "?";
  if (minutes % 1440 == 0) return std::to_string(minutes / 1440) + "d";
  if (minutes % 60 == 0) return std::to_string(minutes / 60) + "h";
  return std::to_string(minutes) + "m";
}

inline std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace detail_limits

OKSTRA_INLINE std::optional<official_window> latest_official_window(const official_limits& limits, source src,
                                                                    std::string_view name) {
  const auto& o = limits[static_cast<std::size_t>(src)];
  if (!o) return std::nullopt;
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& x = detail_limits::window_of(*o, k);
    if (name == detail_limits::window_names[k] && x)
      return official_window{src, detail_limits::window_names[k], x->used_percent, x->window_minutes, x->resets_at_ms,
                             o->observed_ms};
  }
  return std::nullopt;
}

OKSTRA_INLINE std::filesystem::path recorded_limits_file() { return dirs::home().usage_dir() / "limits.json"; }

OKSTRA_INLINE official_limits read_recorded_limits(const std::filesystem::path& file, std::vector<std::string>& warnings) {
  official_limits out{};
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return out;
  try {
    const auto doc = json::read_file(file, fs::document_read_limit);
    if (!doc.IsObject()) throw input_error(quoted("malformed JSON", file.string()) + ": expected an object");
    for (const source s : all_sources) {
      const json::value* entry = json::find(doc, source_name(s));
      if (!entry || !entry->IsObject()) continue;
      limit_observation o;
      o.observed_ms = detail_limits::iso_ms(*entry, "observedAt");
      o.primary = detail_limits::read_recorded_window(json::find(*entry, "primary"));
      o.secondary = detail_limits::read_recorded_window(json::find(*entry, "secondary"));
      if (o.observed_ms > 0 && (o.primary || o.secondary)) out[static_cast<std::size_t>(s)] = o;
    }
  } catch (const okstra::error& e) {
    warnings.push_back(std::string(e.what()) + "; its limits are unknown");
    return official_limits{};
  }
  return out;
}

OKSTRA_INLINE void record_limits(const std::filesystem::path& file, source src, const limit_observation& observed) {
  std::vector<std::string> ignored;
  official_limits all = read_recorded_limits(file, ignored);
  auto& entry = all[static_cast<std::size_t>(src)];
  if (entry && !later_observation(observed, *entry)) return;  // an older observation never replaces a newer one
  entry = observed;
  json::writer w(false);
  w.begin_object().field("version", 1);
  for (const source s : all_sources)
    if (const auto& o = all[static_cast<std::size_t>(s)]) detail_limits::write_observation(w.key(source_name(s)), *o);
  w.end_object();
  fs::ensure_dir(file.parent_path(), 0700);
  fs::write_file_atomic(file, std::move(w).str() + "\n", 0600, fs::durability::process_safe);
}

OKSTRA_INLINE std::optional<limit_observation> statusline_limits(const json::value& statusline, std::int64_t now_ms) {
  const json::value* limits = json::find(statusline, "rate_limits");
  if (!limits || !limits->IsObject()) return std::nullopt;
  limit_observation o;
  o.observed_ms = now_ms;
  const auto window = [&](std::string_view key, std::int64_t length) -> std::optional<limit_window> {
    const json::value* w = json::find(*limits, key);
    if (!w || !w->IsObject()) return std::nullopt;
    const auto used = detail_limits::percent(json::find(*w, "used_percentage"));
    if (!used) return std::nullopt;
    return limit_window{*used, length, detail_limits::seconds_to_ms(json::find(*w, "resets_at"))};
  };
  o.primary = window("five_hour", 300);
  o.secondary = window("seven_day", 7 * 1440);
  if (!o.primary && !o.secondary) return std::nullopt;
  return o;
}

OKSTRA_INLINE std::string render_limits_json(const official_limits& limits, const std::array<bool, 4>& shown,
                                             const time_zone& zone, std::int64_t now_ms, bool pretty) {
  json::writer w(pretty);
  w.begin_object().key("limits").begin_array();
  for (const source s : all_sources) {
    if (!shown[static_cast<std::size_t>(s)]) continue;
    w.begin_object().field("source", source_name(s)).key("windows");
    const auto& o = limits[static_cast<std::size_t>(s)];
    if (!o) {
      w.null().end_object();
      continue;
    }
    w.begin_array();
    for (std::size_t k = 0; k < 2; ++k) {
      const auto& x = detail_limits::window_of(*o, k);
      if (!x) continue;
      w.begin_object().field("name", detail_limits::window_names[k]).field("usedPercent", x->used_percent);
      w.key("windowMinutes");
      x->window_minutes ? w.value(static_cast<long long>(x->window_minutes)) : w.null();
      w.key("resetsAt");
      x->resets_at_ms ? w.value(zone.format_iso(x->resets_at_ms)) : w.null();
      w.key("resetPassed");
      x->resets_at_ms ? w.value(x->resets_at_ms <= now_ms) : w.null();
      w.field("observedAt", zone.format_iso(o->observed_ms));
      w.field("ageSeconds", static_cast<long long>((now_ms - o->observed_ms) / 1000)).end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return std::move(w).str();
}

OKSTRA_INLINE std::string render_limits_table(const official_limits& limits, const std::array<bool, 4>& shown,
                                              const time_zone& zone, std::int64_t now_ms) {
  using detail_limits::pad;
  std::string out = "Source  Window     Used     Length  Resets                    Observed\n";
  for (const source s : all_sources) {
    if (!shown[static_cast<std::size_t>(s)]) continue;
    const auto& o = limits[static_cast<std::size_t>(s)];
    if (!o) {
      out += pad(std::string(source_name(s)), 8) + "unknown (no limits recorded)\n";
      continue;
    }
    for (std::size_t k = 0; k < 2; ++k) {
      const auto& x = detail_limits::window_of(*o, k);
      if (!x) continue;
      char used[32];
      std::snprintf(used, sizeof used, "%.1f%%", x->used_percent);
      std::string resets = "?";
      if (x->resets_at_ms) {
        resets = zone.format_iso(x->resets_at_ms).substr(0, 16).replace(10, 1, " ");
        if (x->resets_at_ms <= now_ms) resets += " (passed)";
      }
      out += pad(std::string(source_name(s)), 8) + pad(std::string(detail_limits::window_names[k]), 11) +
             pad(used, 9) + pad(detail_limits::length_text(x->window_minutes), 8) + pad(resets, 26) +
             detail_limits::age_text(now_ms - o->observed_ms) + "\n";
    }
  }
  return out;
}

}  // namespace okstra::token_usage
