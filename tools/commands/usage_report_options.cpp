// The report commands' options (tools/commands/usage_report_options.hpp).
// Compiled into the okstra library: the module headers only declare (docs/architecture.md).
#define OKSTRA_COMPILED_LIB

#include "usage_report_options.hpp"

#include <cstdlib>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/detail/tz.hpp"

namespace okstra::commands::usage_report_options {

namespace cli = okstra::cli;
namespace tu = okstra::token_usage;

constexpr const char* week_days[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

std::vector<cli::option> declare(tu::report_kind kind) {
  std::vector<cli::option> o;
  if (kind == tu::report_kind::session || kind == tu::report_kind::blocks) return o;
  o.push_back(cli::choice("group-by", "FIELD", {"source", "model", "project", "agent", "session"},
                          "a row per period and value of FIELD (docs/usage-reports.md)"));
  o.push_back(cli::count("last", "N", "only the N latest periods that have usage (totals follow)", 1));
  o.push_back(cli::choice("order", "ORDER", {"asc", "desc"}, "oldest period first (asc, the default) or newest"));
  o.push_back(cli::flag("no-bar", "no bar of each row's total tokens at the end of table rows"));
  if (kind == tu::report_kind::weekly)
    o.push_back(cli::choice("week-start", "DAY", std::vector<std::string>(std::begin(week_days), std::end(week_days)),
                            "the first day of a week (default: usage.weekStart of config.json, else monday)"));
  return o;
}

namespace {

// --tz, else TZ (the local zone: docs/usage.md, "Reports"), else usage.timeZone, else the local zone.
std::string time_zone(const cli::arguments& cmd, const config_defaults& config) {
  if (auto tz = cmd.text("tz")) return *tz;
  if (std::getenv("TZ")) return "";
  return config.time_zone.value_or("");
}

[[noreturn]] void bad_field(const std::filesystem::path& file, std::string_view field, std::string_view expected) {
  throw okstra::json::field_error(file.string(), "usage." + std::string(field), expected);
}

std::string week_day_list() {
  std::string out;
  for (const char* d : week_days) out += (out.empty() ? "" : ", ") + std::string(d);
  return out;
}

std::array<bool, 4> read_sources(const okstra::json::value& list, const std::filesystem::path& file) {
  std::string names;
  for (const auto s : tu::all_sources) names += (names.empty() ? "" : ", ") + std::string(tu::source_name(s));
  const std::string expected = "a non-empty array of source names (" + names + ")";
  if (!list.IsArray() || list.Empty()) bad_field(file, "sources", expected);
  std::array<bool, 4> enabled{false, false, false, false};
  for (const auto& item : list.GetArray()) {
    bool known = false;
    for (const auto s : tu::all_sources)
      if (item.IsString() && okstra::json::as_string_view(item) == tu::source_name(s))
        known = enabled[static_cast<std::size_t>(s)] = true;
    if (!known)
      bad_field(file, "sources", item.IsString() ? okstra::quoted(expected + ", not", okstra::json::as_string_view(item))
                                                 : expected);
  }
  return enabled;
}

}  // namespace

tu::report_options from(const cli::arguments& cmd, tu::report_kind kind) {
  tu::report_options o;
  o.kind = kind;
  const config_defaults config = read_config(okstra::dirs::home().config_json());
  o.time_zone = time_zone(cmd, config);
  o.week_start = config.week_start.value_or(0);
  o.breakdown = cmd.has("breakdown");
  if (auto g = cmd.text("group-by")) o.group = tu::parse_group_by(*g).value_or(tu::group_by::none);
  if (auto n = cmd.count("last")) o.last = static_cast<std::size_t>(*n);
  o.descending = cmd.text("order").value_or("asc") == "desc";
  if (auto day = cmd.text("week-start"))
    for (int i = 0; i < 7; ++i)
      if (*day == week_days[i]) o.week_start = i;
  const auto zone = o.time_zone.empty() ? tu::time_zone::local() : tu::time_zone::load(o.time_zone);
  for (const auto& [name, end] : {std::pair{"since", false}, std::pair{"until", true}}) {
    if (auto text = cmd.text(name)) {
      const auto bound = tu::parse_time_bound(*text, zone, end);
      if (!bound) throw okstra::usage_error(okstra::quoted(std::string("invalid value for --") + name, *text),
                                            "expected YYYY-MM-DD, YYYYMMDD or an ISO 8601 time");
      (end ? o.filter.until_ms : o.filter.since_ms) = *bound;
    }
  }
  o.filter.project = cmd.text("project");
  o.filter.model = cmd.text("model");
  return o;
}

std::string format(const cli::arguments& cmd) {
  const std::string& format = cmd.out().format;
  if (!cmd.has("csv")) return format;
  if (cmd.has("json") || (cmd.has("format") && format != "csv"))
    throw okstra::usage_error("options '--csv' and '--format " + format + "' cannot be combined", cmd.see_help());
  if (cmd.out().compact)
    throw okstra::usage_error(okstra::quoted("option '--compact' applies to JSON only, not to format", "csv"), cmd.see_help());
  return "csv";
}

config_defaults read_config(const std::filesystem::path& file) {
  config_defaults out;
  if (!okstra::fs::is_regular_file(file)) return out;
  const okstra::json::document doc = okstra::json::read_file(file);
  okstra::json::require_object(doc, file.string());
  const okstra::json::value* usage = okstra::json::find(doc, "usage");
  if (!usage) return out;
  if (!usage->IsObject()) throw okstra::json::field_error(file.string(), "usage", "an object");
  for (auto it = usage->MemberBegin(); it != usage->MemberEnd(); ++it) {
    const std::string_view key(it->name.GetString(), it->name.GetStringLength());
    const okstra::json::value& v = it->value;
    if (key == "timeZone") {
      const std::string expected = "an IANA time zone name such as 'Europe/Berlin' or 'UTC'";
      if (!v.IsString()) bad_field(file, key, expected);
      const std::string name(okstra::json::as_string_view(v));
      bool loads = !name.empty();  // "" would mean the local zone: not a name
      try {
        if (loads) tu::time_zone::load(name);
      } catch (const okstra::error&) {
        loads = false;
      }
      if (!loads) bad_field(file, key, okstra::quoted(expected + ", not", name));
      out.time_zone = name;
    } else if (key == "weekStart") {
      const std::string expected = "a day name (" + week_day_list() + ")";
      if (!v.IsString()) bad_field(file, key, expected);
      for (int i = 0; i < 7; ++i)
        if (okstra::json::as_string_view(v) == week_days[i]) out.week_start = i;
      if (!out.week_start) bad_field(file, key, okstra::quoted(expected + ", not", okstra::json::as_string_view(v)));
    } else if (key == "sources") {
      out.sources = read_sources(v, file);
    } else {
      throw okstra::input_error(okstra::quoted("malformed JSON", file.string()) + ": " +
                                okstra::quoted("unknown field", "usage." + std::string(key)) +
                                " (known: timeZone, sources, weekStart)");
    }
  }
  return out;
}

std::string time_zone(const cli::arguments& cmd) {
  return time_zone(cmd, read_config(okstra::dirs::home().config_json()));
}

std::string defaults_key(const tu::report_options& options, const tu::collect_options& collect) {
  std::string key = std::string("\x01") + "defaults=" + options.time_zone + " " + std::to_string(options.week_start) + " ";
  for (const bool on : collect.enabled) key += on ? '1' : '0';
  return key;
}

tu::collect_options with_config_sources(tu::collect_options o, const cli::arguments& cmd, tu::report_kind kind) {
  if (cmd.has("source") || kind == tu::report_kind::blocks) return o;
  if (const auto sources = read_config(okstra::dirs::home().config_json()).sources) o.enabled = *sources;
  return o;
}

}  // namespace okstra::commands::usage_report_options
