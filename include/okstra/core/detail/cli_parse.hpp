// Definitions for okstra/core/cli.hpp: parsing with Boost.Program_options,
// the only place the toolkit uses it. Every failure of the library becomes a
// usage error in the house wording (docs/cli.md, "Usage errors").
// Include okstra/core/cli.hpp instead.
#pragma once

#include <boost/program_options.hpp>

#include "okstra/core/detail/cli_decl.hpp"
#include "okstra/core/detail/cli_help.hpp"
#include "okstra/version.hpp"

namespace okstra::cli {

struct parser_access {
  static std::map<std::string, std::vector<std::string>>& values(arguments& a) { return a.values_; }
  static std::map<std::string, std::string>& defaults(arguments& a) { return a.defaults_; }
  static std::vector<std::string>& positionals(arguments& a) { return a.positionals_; }
  static std::string& command(arguments& a) { return a.command_; }
  static std::string& where(arguments& a) { return a.where_; }
  static cli::output& out(arguments& a) { return a.out_; }
};

namespace detail {

namespace po = boost::program_options;

// Positionals are collected under this key; it cannot be typed as an option
// name, and a token that reaches it as one is refused below.
inline constexpr const char* positional_key = "okstra-positional-arguments";

// The command named by the first words of `args`, if any (longest match).
inline const command* find_command(const program& p, const std::vector<std::string>& args, std::size_t& words) {
  const command* best = nullptr;
  words = 0;
  for (const auto& c : p.commands) {
    std::vector<std::string> parts;
    for (std::size_t start = 0; start <= c.name.size();) {
      const std::size_t end = std::min(c.name.find(' ', start), c.name.size());
      parts.push_back(c.name.substr(start, end - start));
      start = end + 1;
    }
    if (parts.size() > args.size() || parts.size() <= words) continue;
    if (std::equal(parts.begin(), parts.end(), args.begin())) best = &c, words = parts.size();
  }
  return best;
}

inline error library_error(const po::error& e, const std::string& where) {
  const std::string hint = "see '" + where + " --help'";
  if (const auto* u = dynamic_cast<const po::unknown_option*>(&e)) return usage_error(quoted("unknown option", u->get_option_name()), hint);
  if (const auto* s = dynamic_cast<const po::invalid_command_line_syntax*>(&e)) {
    const std::string name = s->get_option_name();
    switch (s->kind()) {
      case po::invalid_syntax::missing_parameter:
      case po::invalid_syntax::empty_adjacent_parameter:
        return usage_error(quoted("missing value for option", name), hint);
      case po::invalid_syntax::extra_parameter:
        return usage_error(quoted("option takes no value", name), hint);
      default:
        return usage_error(quoted("invalid option", name.empty() ? s->get_option_name() : name), hint);
    }
  }
  if (const auto* o = dynamic_cast<const po::error_with_option_name*>(&e))
    return usage_error(quoted("invalid option", o->get_option_name()), hint);
  return usage_error(quoted("invalid command line", e.what()), hint);
}

// A word that is meant as a number, negative ones included so that the
// option refuses them as values rather than as unknown options.
inline bool looks_numeric(const std::string& word) {
  const std::size_t first = !word.empty() && (word[0] == '-' || word[0] == '.') ? 1 : 0;
  return word.size() > first && word[first] >= '0' && word[first] <= '9';
}

// An option whose value may be left out takes the next word only when it
// looks like a number (docs/cli.md, "Optional values"). The library would
// take any next word, so the value is attached here: the next word, or the
// implicit value.
inline std::vector<std::string> attach_optional_values(const std::vector<option>& options, std::vector<std::string> args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    const auto o = std::find_if(options.begin(), options.end(), [&](const option& x) {
      return !x.implicit_value.empty() && args[i] == "--" + x.long_name;
    });
    if (o == options.end()) out.push_back(std::move(args[i]));
    else if (i + 1 < args.size() && looks_numeric(args[i + 1])) {
      out.push_back(args[i] + "=" + args[i + 1]);
      ++i;
    } else out.push_back(args[i] + "=" + o->implicit_value);
  }
  return out;
}

inline po::parsed_options run_library(const std::vector<option>& options, const std::vector<std::string>& given,
                                      const std::string& where) {
  const std::vector<std::string> args = attach_optional_values(options, given);
  po::options_description desc;
  for (const auto& o : options) {
    const std::string name = o.long_name + (o.short_name ? std::string(",") + o.short_name : "");
    auto* value = po::value<std::vector<std::string>>();
    if (o.kind == kind::flag) value->zero_tokens();
    desc.add_options()(name.c_str(), value, "");
  }
  desc.add_options()(positional_key, po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add(positional_key, -1);
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  try {
    return po::command_line_parser(args).options(desc).positional(positional).style(style).run();
  } catch (const po::error& e) {
    throw library_error(e, where);
  }
}

// Sorts what the library found into `a`, checking each value.
inline void collect(arguments& a, const std::vector<option>& options, const po::parsed_options& parsed) {
  auto& values = parser_access::values(a);
  for (const auto& item : parsed.options) {
    if (item.string_key == positional_key) {
      if (item.position_key < 0) throw usage_error(quoted("unknown option", item.original_tokens.empty() ? item.string_key : item.original_tokens.front()), a.see_help());
      parser_access::positionals(a).push_back(item.value.empty() ? std::string() : item.value.front());
      continue;
    }
    const auto decl = std::find_if(options.begin(), options.end(), [&](const option& o) { return o.long_name == item.string_key; });
    if (decl == options.end()) throw usage_error(quoted("unknown option", item.string_key), a.see_help());
    auto& slot = values[decl->long_name];
    if (!slot.empty() && !decl->repeatable && decl->kind != kind::flag)
      throw usage_error(quoted("option given more than once", "--" + decl->long_name), a.see_help());
    slot.push_back(item.value.empty() ? std::string() : item.value.front());
  }
}

inline void check_values(const arguments& a, const std::vector<option>& options) {
  for (const auto& o : options)
    for (const auto& v : a.texts(o.long_name)) check_value(a.where(), o, v);
}

inline void check_positionals(const arguments& a, const command& cmd) {
  int min = 0, max = 0;
  for (const auto& pos : cmd.positionals) {
    if (static_cast<int>(a.positionals().size()) < min + pos.min)
      throw usage_error(quoted("missing argument", "<" + pos.name + ">"), a.see_help());
    min += pos.min;
    max = (max < 0 || pos.max < 0) ? -1 : max + pos.max;
  }
  if (max >= 0 && a.positionals().size() > static_cast<std::size_t>(max))
    throw usage_error(quoted("unexpected argument", a.positionals()[static_cast<std::size_t>(max)]), a.see_help());
}

inline void read_output(arguments& a, bool bare) {
  if (bare) return;
  cli::output& out = parser_access::out(a);
  out.format = *a.text("format");
  if (a.has("json") && a.has("format") && out.format != "json")
    throw usage_error("options '--json' and '--format " + printable(out.format) + "' cannot be combined", a.see_help());
  if (a.has("json")) out.format = "json";
  out.compact = a.has("compact");
  // -c asks for JSON: alone it selects it, with another format it is a mistake.
  if (out.compact && !a.has("format")) out.format = "json";
  out.quiet = a.has("quiet");
  if (out.compact && out.format != "json")
    throw usage_error(quoted("option '--compact' applies to JSON only, not to format", out.format), a.see_help());
  const std::string color = *a.text("color");
  out.color = color == "always" ? style::color_mode::always
              : color == "never" ? style::color_mode::never
                                 : style::color_mode::automatic;
  if (a.has("no-wait") && a.has("lock-timeout"))
    throw usage_error("options '--no-wait' and '--lock-timeout' cannot be combined", a.see_help());
  if (const auto t = a.number("lock-timeout"); t && *t > max_wait_seconds)
    throw usage_error(quoted("invalid value for --lock-timeout", *a.text("lock-timeout")), "expected at most a year in seconds");
}

// --help, --version, --describe-options: answered on stdout, parsing stops.
inline bool answered(const program& p, const command* c, const arguments& a) {
  if (a.has("help")) return emit(help_text(p, c)), true;
  if (a.has("version")) return emit(p.name + " (okstra) " + okstra::version), true;
  if (a.has("describe-options")) return emit(describe_json(p)), true;
  return false;
}

}  // namespace detail

OKSTRA_INLINE std::optional<arguments> parse(const program& p, const std::vector<std::string>& given) {
  std::size_t words = 0;
  const command* c = detail::find_command(p, given, words);
  std::vector<std::string> args(given.begin() + static_cast<std::ptrdiff_t>(words), given.end());
  const bool dispatch_only = !c && !p.runs_without_command;
  if (!c && !p.commands.empty() && !args.empty() && !args.front().empty() && args.front()[0] != '-' &&
      p.self.positionals.empty()) {
    if (args.front() == "help" && dispatch_only) return emit(help_text(p, nullptr)), std::nullopt;
    throw usage_error(quoted("unknown command", args.front()), "see '" + p.name + " --help'");
  }
  const command& cmd = c ? *c : p.self;
  const std::vector<option> options = detail::all_options(p, c);
  arguments a;
  parser_access::command(a) = c ? c->name : "";
  parser_access::where(a) = detail::full_name(p, c);
  for (const auto& o : options)
    if (!o.default_value.empty()) parser_access::defaults(a)[o.long_name] = o.default_value;
  detail::collect(a, options, detail::run_library(options, args, a.where()));
  if (detail::answered(p, c, a)) return std::nullopt;
  if (dispatch_only) throw usage_error("missing command", "see '" + p.name + " --help'");
  detail::check_values(a, options);
  detail::check_positionals(a, cmd);
  detail::read_output(a, false);
  return a;
}

OKSTRA_INLINE std::optional<arguments> parse(const program& p, int argc, const char* const* argv) {
  return parse(p, std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc));
}

}  // namespace okstra::cli
