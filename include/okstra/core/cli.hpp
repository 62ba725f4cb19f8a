// okstra/core/cli.hpp — the option layer every tool shares, and its main().
//
// Contract:
// - command_line wraps Boost.Program_options: long options only (no prefix
//   guessing), --help (stdout, exit 0), --version, and --quiet when the tool
//   asks for it. parse() returns false when --help/--version was answered.
//   Every parse failure becomes a usage error (exit 2).
// - run_main() is the one place where an okstra::error (or any other
//   exception) becomes "okstra-<tool>: error: <message>", an optional
//   "hint: …" line and the exit code of docs/cli.md. Nothing else prints
//   errors. Messages, hints and warnings are escaped with printable() as the
//   last line of defence: text quoted from files or other processes never
//   reaches the terminal with a control byte in it.
// - emit() writes a result to stdout in full or throws (exit 3).
#pragma once

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/version.hpp"

namespace okstra::cli {

namespace po = boost::program_options;

inline constexpr const char* standard_exit_status =
    "Exit status:\n"
    "  0  done, or the checked thing holds\n"
    "  1  refused: gate closed, violations found, lock busy, migration refused\n"
    "  2  usage error: unknown option or bad value\n"
    "  3  input or environment error: unreadable or malformed input, not a git\n"
    "     repository, git failed, I/O error\n";

struct command_spec {
  command_spec(std::string tool_name, std::string one_line_summary, std::string synopsis_text = {},
               std::string details_text = {})
      : tool(std::move(tool_name)),
        summary(std::move(one_line_summary)),
        synopsis(std::move(synopsis_text)),
        details(std::move(details_text)) {}

  std::string tool;      // e.g. "okstra-cost", or "okstra-worktree lookup"
  std::string summary;   // one line, lower case, no period
  std::string synopsis;  // arguments after the tool name
  std::string details;   // printed after the options (environment, examples)
  std::string exit_status = standard_exit_status;
  bool with_quiet = false;  // offer --quiet (one-line JSON)
};

class command_line {
 public:
  explicit command_line(command_spec spec) : spec_(std::move(spec)), visible_("Options") {
    visible_.add_options()("help,h", "print this help and exit")("version", "print the version and exit");
    if (spec_.with_quiet) visible_.add_options()("quiet", "print the JSON result on one line");
  }

  po::options_description_easy_init options() { return visible_.add_options(); }

  // Declares a positional argument; max_count -1 takes all remaining ones.
  void positional(const std::string& name, int max_count = 1) {
    hidden_.add_options()(name.c_str(), po::value<std::vector<std::string>>());
    positional_.add(name.c_str(), max_count);
  }

  bool parse(int argc, const char* const* argv) {
    return parse(std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc));
  }

  bool parse(const std::vector<std::string>& args) {
    po::options_description all;
    all.add(visible_).add(hidden_);
    const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    try {
      po::store(po::command_line_parser(args).options(all).positional(positional_).style(style).run(), values_);
      if (values_.count("help")) {
        print_help(std::cout);
        std::cout.flush();
        return false;
      }
      if (values_.count("version")) {
        std::cout << spec_.tool.substr(0, spec_.tool.find(' ')) << " (okstra) " << okstra::version << '\n';
        std::cout.flush();
        return false;
      }
      po::notify(values_);
    } catch (const po::error& e) {
      throw usage_error(e.what(), "see '" + spec_.tool + " --help'");
    }
    return true;
  }

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  bool quiet() const { return has("quiet"); }

  template <class T>
  std::optional<T> get(const std::string& name) const {
    if (!has(name)) return std::nullopt;
    return values_[name].as<T>();
  }

  template <class T>
  T require(const std::string& name) const {
    if (!has(name))
      throw usage_error("missing required option '--" + name + "'", "see '" + spec_.tool + " --help'");
    return values_[name].as<T>();
  }

  std::vector<std::string> positionals(const std::string& name) const {
    return has(name) ? values_[name].as<std::vector<std::string>>() : std::vector<std::string>{};
  }

  const po::variables_map& values() const { return values_; }
  const command_spec& spec() const { return spec_; }

  void print_help(std::ostream& out) const {
    out << spec_.tool << " - " << spec_.summary << "\n\n"
        << "Usage: " << spec_.tool << (spec_.synopsis.empty() ? "" : " ") << spec_.synopsis << "\n\n"
        << visible_ << '\n';
    if (!spec_.details.empty()) out << spec_.details << (spec_.details.back() == '\n' ? "" : "\n") << '\n';
    out << spec_.exit_status;
  }

 private:
  command_spec spec_;
  po::options_description visible_;
  po::options_description hidden_;
  po::positional_options_description positional_;
  po::variables_map values_;
};

// Writes `text` (plus a newline) to stdout in full, or throws.
inline void emit(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fputc('\n', stdout) == EOF ||
      std::fflush(stdout) != 0)
    throw io_error("write", "standard output");
}

// Control bytes in a message (e.g. an option name typed by the user) are
// escaped so that an error is always exactly one line (plus the hint line).
inline void print_error(std::string_view tool, std::string_view message, std::string_view hint = {}) {
  std::string line;
  line.append(tool).append(": error: ").append(printable(message)).append("\n");
  if (!hint.empty()) line.append("hint: ").append(printable(hint)).append("\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// A warning is one line too: its message is escaped like an error's.
inline void warn(std::string_view tool, std::string_view message) {
  std::string line;
  line.append(tool).append(": warning: ").append(printable(message)).append("\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// Runs a tool body and converts every escape into a message + exit code.
template <class Body>
int run_main(std::string_view tool, Body&& body) noexcept {
  try {
    try {
      return body();
    } catch (const okstra::error& e) {
      print_error(tool, e.what(), e.hint());
      return static_cast<int>(e.code());
    } catch (const po::error& e) {
      print_error(tool, e.what(), "see '" + std::string(tool) + " --help'");
      return static_cast<int>(exit_code::usage);
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
