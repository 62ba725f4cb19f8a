// Definitions for okstra/core/cli.hpp: declarations, the common option
// groups, parsed values and output. Include okstra/core/cli.hpp instead.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "okstra/core/text.hpp"

namespace okstra::cli {

OKSTRA_INLINE option flag(std::string name, std::string help) {
  option o;
  o.long_name = std::move(name);
  o.help = std::move(help);
  return o;
}

OKSTRA_INLINE option text(std::string name, std::string value, std::string help) {
  option o = flag(std::move(name), std::move(help));
  o.kind = kind::string;
  o.value_name = std::move(value);
  return o;
}

OKSTRA_INLINE option path(std::string name, std::string value, std::string help, completion c) {
  option o = text(std::move(name), std::move(value), std::move(help));
  o.kind = kind::path;
  o.complete = c;
  return o;
}

OKSTRA_INLINE option count(std::string name, std::string value, std::string help, long minimum) {
  option o = text(std::move(name), std::move(value), std::move(help));
  o.kind = kind::count;
  o.minimum = minimum;
  return o;
}

OKSTRA_INLINE option number(std::string name, std::string value, std::string help) {
  option o = text(std::move(name), std::move(value), std::move(help));
  o.kind = kind::number;
  return o;
}

OKSTRA_INLINE option choice(std::string name, std::string value, std::vector<std::string> choices, std::string help) {
  option o = text(std::move(name), std::move(value), std::move(help));
  o.kind = kind::choice;
  o.choices = std::move(choices);
  o.complete = completion::choices;
  return o;
}

OKSTRA_INLINE option choice_list(std::string name, std::string value, std::vector<std::string> choices, std::string help) {
  option o = choice(std::move(name), std::move(value), std::move(choices), std::move(help));
  o.kind = kind::choice_list;
  return o;
}

namespace detail {

// The largest wait a lock option accepts: a year (docs/cli.md, "Lock options").
inline constexpr double max_wait_seconds = 86400.0 * 365;

// Every option of a program (c == nullptr) or command, common ones included,
// in the order --help lists them (docs/cli.md, "Output").
inline std::vector<option> all_options(const program& p, const command* c) {
  const command& cmd = c ? *c : p.self;
  const bool bare = !c && !p.runs_without_command;  // the program only dispatches
  std::vector<option> out = cmd.options;
  if (!bare && cmd.lock_wait) {
    out.push_back(number("lock-timeout", "SECONDS", "give up (exit 1) when a lock is still busy after SECONDS; default: wait"));
    out.push_back(flag("no-wait", "give up at once (exit 1) when a lock is busy"));
  }
  if (!bare) {
    out.push_back(choice("format", "FMT", cmd.formats, "output format").defaults(cmd.formats.front()));
    out.push_back(flag("json", "short for --format json"));
    out.push_back(flag("compact", "print JSON on one line").short_letter('c'));
    out.push_back(flag("quiet", "print nothing on stdout; the exit status is the answer").short_letter('q'));
    out.push_back(choice("color", "WHEN", {"auto", "always", "never"}, "colour in text output").defaults("auto"));
  }
  out.push_back(flag("help", "print this help and exit").short_letter('h'));
  out.push_back(flag("version", "print the version and exit"));
  out.push_back(flag("describe-options", "print the option declarations as JSON and exit").hide());
  return out;
}

inline std::string option_label(const option& o) { return "--" + o.long_name; }

inline error bad_value(const std::string& where, const option& o, const std::string& value, std::string expected) {
  return usage_error(quoted("invalid value for " + option_label(o), value), "expected " + expected + "; see '" + where + " --help'");
}

// Checks one value against its declaration (docs/cli.md, "Usage errors").
inline void check_value(const std::string& where, const option& o, const std::string& v) {
  switch (o.kind) {
    case kind::flag:
    case kind::string:
      return;
    case kind::path:
      if (v.empty()) throw bad_value(where, o, v, "a file or folder name");
      return;
    case kind::count: {
      const bool digits = !v.empty() && v.size() <= 9 && v.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stol(v) < o.minimum)
        throw bad_value(where, o, v, o.minimum > 0 ? "a whole number from " + std::to_string(o.minimum) : "a whole number from 0");
      return;
    }
    case kind::number: {
      char* end = nullptr;
      const double d = v.empty() ? -1 : std::strtod(v.c_str(), &end);
      const bool positive = o.minimum > 0;
      if (v.empty() || *end != '\0' || !std::isfinite(d) || d < 0 || (positive && d <= 0) ||
          v.find_first_of("xXnN") != std::string::npos)
        throw bad_value(where, o, v, positive ? "a number greater than 0" : "a number from 0");
      return;
    }
    case kind::choice:
      for (const auto& c : o.choices)
        if (c == v) return;
      throw bad_value(where, o, v, "one of " + text::join(o.choices, ", "));
    case kind::choice_list: {
      const auto items = text::split_list(v, ',');
      bool known = !items.empty();
      for (const auto item : items)
        known = known && std::find(o.choices.begin(), o.choices.end(), item) != o.choices.end();
      if (!known) throw bad_value(where, o, v, "a comma-separated list of " + text::join(o.choices, ", "));
      return;
    }
  }
}

}  // namespace detail

// ---- parsed values ----------------------------------------------------------

OKSTRA_INLINE std::optional<std::string> arguments::text(std::string_view name) const {
  const auto it = values_.find(std::string(name));
  if (it != values_.end() && !it->second.empty()) return it->second.back();
  const auto d = defaults_.find(std::string(name));
  if (d != defaults_.end()) return d->second;
  return std::nullopt;
}

OKSTRA_INLINE std::vector<std::string> arguments::texts(std::string_view name) const {
  const auto it = values_.find(std::string(name));
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

// Values were checked by parse(); these only convert them.
OKSTRA_INLINE std::optional<long> arguments::count(std::string_view name) const {
  const auto v = text(name);
  if (!v || v->empty()) return std::nullopt;
  return std::stol(*v);
}

OKSTRA_INLINE std::optional<double> arguments::number(std::string_view name) const {
  const auto v = text(name);
  if (!v || v->empty()) return std::nullopt;
  return std::strtod(v->c_str(), nullptr);
}

OKSTRA_INLINE std::string arguments::require(std::string_view name) const {
  if (const auto v = text(name)) return *v;
  throw usage_error("missing required option '--" + std::string(name) + "'", see_help());
}

OKSTRA_INLINE std::optional<double> arguments::wait_seconds() const {
  if (has("no-wait")) return 0.0;
  return number("lock-timeout");
}

// ---- output -----------------------------------------------------------------

OKSTRA_INLINE void emit(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fputc('\n', stdout) == EOF ||
      std::fflush(stdout) != 0)
    throw io_error("write", "standard output");
}

OKSTRA_INLINE void emit(const arguments& a, std::string_view text) {
  if (a.out().quiet) return;
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);  // emit() ends the output
  emit(text);
}

OKSTRA_INLINE style::output_style stdout_style(const arguments& a) { return style::detect(STDOUT_FILENO, a.out().color); }

OKSTRA_INLINE void emit_json(const arguments& a, std::string_view json, const text_view::hints& hints) {
  if (a.out().quiet) return;
  if (a.out().format == "text") return emit(a, text_view::render(json, hints, stdout_style(a)));
  emit(a, json);
}

OKSTRA_INLINE void print_error(std::string_view tool, std::string_view message, std::string_view hint) {
  std::string line;
  line.append(tool).append(": error: ").append(printable(message)).append("\n");
  if (!hint.empty()) line.append("hint: ").append(printable(hint)).append("\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

OKSTRA_INLINE void warn(std::string_view tool, std::string_view message) {
  std::string line;
  line.append(tool).append(": warning: ").append(printable(message)).append("\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace okstra::cli
