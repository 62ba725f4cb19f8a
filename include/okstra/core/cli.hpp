// okstra/core/cli.hpp — the command-line contract every tool shares (docs/cli.md).
//
// Contract:
// - A tool declares what it accepts as data: a `program` with options,
//   positionals, subcommands (`command`) and its own exit-status list. The
//   declarations are the one source of truth for parsing, `--help`, and the
//   JSON of the hidden `--describe-options` that man pages and shell
//   completion are generated from (docs/cli.md, "Option declarations").
// - parse() adds the common options to the program and every command:
//   --format/--json, -c/--compact, -q/--quiet, --color (docs/cli.md,
//   "Output"), -h/--help, --version and, where asked for, the lock-wait group
//   --lock-timeout/--no-wait. It validates every value where it is parsed
//   (counts, numbers, enum choices, positional counts); any failure is a
//   usage_error (exit 2) in the house wording of docs/cli.md, "Usage errors",
//   never the option library's text. It returns nullopt once --help,
//   --version or --describe-options has been answered on stdout.
// - run_main() is the one place where an okstra::error (or any other
//   exception) becomes "okstra-<tool>: error: <message>", an optional
//   "hint: …" line and the exit code of docs/cli.md. Messages, hints and
//   warnings are escaped with printable() as the last line of defence.
// - emit() writes a result to stdout in full or throws (exit 3); the
//   overloads taking `arguments` print nothing under --quiet.
// Boost.Program_options is an implementation detail (detail/cli_parse.hpp):
// this header does not include it.
#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/style.hpp"
#include "okstra/core/text_view.hpp"

namespace okstra::cli {

// What an option's value is; parse() checks it (docs/cli.md, "Usage errors").
enum class kind {
  flag,    // no value
  string,  // any text
  path,    // a non-empty file or folder name
  count,   // a whole number >= option::minimum (0 or 1)
  number,  // a non-negative decimal number; > 0 when option::minimum is 1
  choice,  // one of option::choices
  choice_list,  // one or more of option::choices, comma separated ("claude,codex")
};

// How a shell completes the value (docs/cli.md, "Option declarations").
enum class completion { none, file, dir, choices };

struct option {
  std::string long_name;
  char short_name = 0;           // 0: none
  std::string value_name;        // "DIR", "N"; empty for flags
  cli::kind kind = kind::flag;
  std::string help;              // one line, lower case, no period
  std::vector<std::string> choices;
  std::string default_value;     // used when absent; "" = none
  bool repeatable = false;
  cli::completion complete = completion::none;
  long minimum = 0;              // counts; 1 on a number: more than 0
  bool hidden = false;           // accepted, but not in --help or the describe JSON
  // Non-empty: the value may be left out and this one is meant ("--watch",
  // "--watch 10", "--watch=10"); a following word is taken as the value only
  // when it looks like a number (docs/cli.md, "Optional values").
  std::string implicit_value;

  option& short_letter(char c) { return short_name = c, *this; }
  option& repeat() { return repeatable = true, *this; }
  option& defaults(std::string v) { return default_value = std::move(v), *this; }
  option& completes(cli::completion c) { return complete = c, *this; }
  option& hide() { return hidden = true, *this; }
  option& optional_value(std::string v) { return implicit_value = std::move(v), *this; }
};

// Constructors of the common kinds.
OKSTRA_INLINE option flag(std::string name, std::string help);
OKSTRA_INLINE option text(std::string name, std::string value, std::string help);
OKSTRA_INLINE option path(std::string name, std::string value, std::string help, completion c = completion::file);
OKSTRA_INLINE option count(std::string name, std::string value, std::string help, long minimum = 0);
OKSTRA_INLINE option number(std::string name, std::string value, std::string help);
OKSTRA_INLINE option choice(std::string name, std::string value, std::vector<std::string> choices, std::string help);
OKSTRA_INLINE option choice_list(std::string name, std::string value, std::vector<std::string> choices, std::string help);

struct positional {
  std::string name;  // shown as <name>
  int min = 0;
  int max = 1;       // -1: any number
  cli::completion complete = completion::file;
};

struct exit_status {
  int code;
  std::string meaning;
};

// A subcommand (okstra-worktree lookup); or, as program::self, the program
// run without one. Name may hold a space for a nested command ("prices update").
struct command {
  std::string name{};
  std::string summary{};               // one line, lower case, no period
  std::vector<std::string> usage{};    // each line without the program name
  std::string details{};               // printed after the options
  std::vector<option> options{};       // the tool's own; the common ones are added
  std::vector<positional> positionals{};
  std::vector<std::string> formats = {"json", "text"};  // first = default
  bool lock_wait = false;            // add --lock-timeout / --no-wait
};

struct program {
  std::string name{};                  // "okstra-worktree"
  command self;                      // options when no subcommand is named
  bool runs_without_command = true;  // false: a subcommand is required
  std::vector<command> commands{};
  std::vector<exit_status> exits{};    // only the codes this tool can return
};

// The output options as given (docs/cli.md, "Output").
struct output {
  std::string format;  // one of the command's formats
  bool compact = false;
  bool quiet = false;
  style::color_mode color = style::color_mode::automatic;
  bool pretty() const { return !compact; }
};

// The parsed command line of one invocation.
class arguments {
 public:
  const std::string& command() const { return command_; }  // "" = none
  const std::string& where() const { return where_; }      // "okstra-worktree lookup"
  std::string see_help() const { return "see '" + where_ + " --help'"; }
  const cli::output& out() const { return out_; }

  bool has(std::string_view name) const { return values_.count(std::string(name)) > 0; }  // given
  std::optional<std::string> text(std::string_view name) const;  // last value, else the default
  std::vector<std::string> texts(std::string_view name) const;
  std::optional<long> count(std::string_view name) const;
  std::optional<double> number(std::string_view name) const;
  std::string require(std::string_view name) const;  // text, or "missing required option"
  const std::vector<std::string>& positionals() const { return positionals_; }
  // The lock-wait group: nullopt = wait as long as it takes, 0 = --no-wait.
  std::optional<double> wait_seconds() const;

 private:
  friend struct parser_access;
  std::string command_, where_;
  cli::output out_;
  std::map<std::string, std::vector<std::string>> values_;
  std::map<std::string, std::string> defaults_;
  std::vector<std::string> positionals_;
};

// Parses the arguments after argv[0] (docs/cli.md, "Options").
OKSTRA_INLINE std::optional<arguments> parse(const program& p, const std::vector<std::string>& args);
OKSTRA_INLINE std::optional<arguments> parse(const program& p, int argc, const char* const* argv);

// The texts generated from the declarations.
OKSTRA_INLINE std::string help_text(const program& p, const command* c);  // c = nullptr: the program
OKSTRA_INLINE std::string describe_json(const program& p);

// Writes `text` (plus a newline) to stdout in full, or throws.
OKSTRA_INLINE void emit(std::string_view text);
// The same, except under --quiet.
OKSTRA_INLINE void emit(const arguments& a, std::string_view text);
// A JSON result in the chosen format: json as given, text through
// text_view::render with `hints`; nothing under --quiet.
OKSTRA_INLINE void emit_json(const arguments& a, std::string_view json, const text_view::hints& hints = {});
// The width and colour of stdout under --color.
OKSTRA_INLINE style::output_style stdout_style(const arguments& a);

// Control bytes in a message (e.g. an option name typed by the user) are
// escaped so that an error is always exactly one line (plus the hint line).
OKSTRA_INLINE void print_error(std::string_view tool, std::string_view message, std::string_view hint = {});
// A warning is one line too: its message is escaped like an error's.
OKSTRA_INLINE void warn(std::string_view tool, std::string_view message);

// Runs a tool body and converts every escape into a message + exit code.
template <class Body>
int run_main(std::string_view tool, Body&& body) noexcept {
  try {
    try {
      return body();
    } catch (const okstra::error& e) {
      print_error(tool, e.what(), e.hint());
      return static_cast<int>(e.code());
    } catch (const std::bad_alloc&) {
      print_error(tool, "out of memory");
    } catch (const std::filesystem::filesystem_error& e) {
      std::string reason = e.code().message();  // lower case, like io_error
      if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z') reason[0] = char(reason[0] - 'A' + 'a');
      print_error(tool, quoted("cannot access", e.path1().string()) + ": " + reason);
    } catch (const std::exception& e) {
      print_error(tool, std::string("internal error: ") + e.what(), "please report this as a bug");
    } catch (...) {
      print_error(tool, "internal error: unknown exception", "please report this as a bug");
    }
  } catch (...) {
  }
  return static_cast<int>(exit_code::input);
}

}  // namespace okstra::cli

#ifndef OKSTRA_COMPILED_LIB
#include "okstra/core/detail/cli_help.hpp"
#include "okstra/core/detail/cli_parse.hpp"
#endif
