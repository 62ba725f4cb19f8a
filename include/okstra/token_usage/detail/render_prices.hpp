// The `okstra-usage prices` listing: which entry each model id maps to and
// its prices. Include okstra/token_usage/price_sources.hpp.
//
// Contract: render_prices() lists the named models (each with the entry it
// maps to), or every entry of the table when none is named; prices are USD per
// million tokens; the period in force at `now_ms` is marked. Models that map
// to no entry are collected in `unpriced` (the caller exits 1). JSON keys are
// documented in docs/usage.md, "okstra-usage prices". The text fits
// style.width: a longer line is wrapped at spaces (docs/usage.md, "Tables that
// fit the terminal"); names are bold and "no price" red only when style.color.
#pragma once

#include "okstra/core/api.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include "okstra/core/display_width.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/style.hpp"
#include "okstra/core/time.hpp"

namespace okstra::token_usage {

namespace detail {

inline void write_rates(json::writer& w, const rates& r) {
  w.field("input", r.input).field("output", r.output).field("cacheWrite5m", r.cache_write_5m);
  w.field("cacheWrite1h", r.cache_write_1h).field("cacheRead", r.cache_read);
}

inline std::string seconds_of_day_text(std::int32_t s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02dZ", s / 3600 % 24, s / 60 % 60, s % 60);
  return buf;
}

inline void write_entry(json::writer& w, const model_price& p, std::int64_t now_ms) {
  w.field("entry", p.model).field("provider", p.provider).field("overridden", p.overridden);
  const price_period* in_force = &p.at(now_ms);
  w.key("prices").begin_array();
  for (const auto& period : p.periods) {
    w.begin_object();
    w.key("from");
    if (period.when == price_period::applies::from_date) w.value(time::format_iso8601(period.from_ms));
    else w.null();
    w.key("timeOfDay");
    if (period.when == price_period::applies::time_of_day) {
      w.begin_object().field("from", seconds_of_day_text(period.day_from_s));
      w.field("to", seconds_of_day_text(period.day_to_s)).end_object();
    } else {
      w.null();
    }
    w.field("inForce", &period == in_force);
    write_rates(w, period.base);
    w.key("steps").begin_array();
    for (const auto& step : period.steps) {
      w.begin_object().field("aboveTokens", step.above_tokens);
      write_rates(w, step.at);
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array();
  w.key("tiers").begin_object();
  for (const auto& [name, value] : {std::pair{"fast", p.tiers.fast}, std::pair{"priority", p.tiers.priority},
                                    std::pair{"flex", p.tiers.flex}}) {
    w.key(name);
    if (value > 0) w.value(value);
    else w.null();
  }
  w.end_object();
}

inline std::string price_text(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", usd);
  return buf;
}

inline std::string rates_text(const rates& r) {
  return "in " + price_text(r.input) + "  out " + price_text(r.output) + "  write 5m " + price_text(r.cache_write_5m) +
         "  1h " + price_text(r.cache_write_1h) + "  read " + price_text(r.cache_read);
}

// One line of the listing, wrapped when wider than the style allows (the
// continuation indented under the line's own indentation plus two).
inline void fitted_line(std::string& out, const std::string& line, const style::output_style& style,
                        style::tone tone = style::tone::plain) {
  const auto width = static_cast<std::size_t>(style.width);
  if (display::width(line) <= width) {
    out += style::paint(line, tone, style) + "\n";
    return;
  }
  const std::size_t lead = line.find_first_not_of(' ');
  const std::string indent(lead == std::string::npos ? 0 : lead, ' ');
  for (const auto& part : display::wrap(line, width - std::min(width, indent.size()), "  "))
    out += indent + style::paint(part, tone, style) + "\n";
}

inline void text_entry(std::string& out, const std::string& query, const model_price& p, std::int64_t now_ms,
                       const style::output_style& style) {
  std::string name = query.empty() ? p.model : query + " -> " + p.model;
  out += style::paint(name, style::tone::bold, style);
  out += "  (" + p.provider + (p.overridden ? ", overridden" : "") + ")\n";
  const price_period& now = p.at(now_ms);
  fitted_line(out, "  " + rates_text(now.base), style);
  for (const auto& step : now.steps)
    fitted_line(out, "  above " + std::to_string(step.above_tokens) + " prompt tokens: " + rates_text(step.at), style);
  std::string tiers;
  for (const auto& [name, value] : {std::pair{"fast", p.tiers.fast}, std::pair{"priority", p.tiers.priority},
                                    std::pair{"flex", p.tiers.flex}})
    if (value > 0) tiers += std::string(tiers.empty() ? "" : ", ") + name + " x" + price_text(value);
  if (!tiers.empty()) fitted_line(out, "  tiers: " + tiers, style);
  if (p.periods.size() > 1) fitted_line(out, "  " + std::to_string(p.periods.size()) + " price periods (see --json)", style);
}

}  // namespace detail

OKSTRA_INLINE std::string render_prices(const price_table& table, const std::vector<std::string>& models, bool as_json,
                                 std::int64_t now_ms, std::vector<std::string>& unpriced,
                                 const style::output_style& style) {
  const price_source& src = table.source();
  json::writer w(true);
  std::string text;
  detail::fitted_line(text, "prices: " + src.name + (src.version.empty() ? "" : " " + src.version) + " of " + src.date +
                                " (" + src.origin + "); USD per million tokens, in force now", style);
  w.begin_object().key("dataset").begin_object().field("name", src.name).field("version", src.version);
  w.field("date", src.date).field("origin", src.origin).end_object();
  w.key("models").begin_array();
  const auto one = [&](const std::string& query, const model_price& p) {
    w.begin_object();
    if (!query.empty()) w.field("model", query);
    detail::write_entry(w, p, now_ms);
    w.end_object();
    detail::text_entry(text, query, p, now_ms, style);
  };
  if (models.empty()) {
    for (const auto& p : table.entries()) one("", p);
  } else {
    for (const auto& m : models) {
      if (const model_price* p = table.find(m)) one(m, *p);
      else unpriced.push_back(m);
    }
  }
  w.end_array().key("unpriced").begin_array();
  for (const auto& m : unpriced) w.value(m);
  w.end_array().end_object();
  if (as_json) return std::move(w).str() + "\n";
  for (const auto& m : unpriced)
    text += style::paint(m, style::tone::bold, style) + "  (" + style::paint("no price", style::tone::red, style) + ")\n";
  return text;
}

}  // namespace okstra::token_usage
