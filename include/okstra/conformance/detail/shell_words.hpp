// Reading a Bash tool call's command line, for okstra/conformance/conformance.hpp
// (include that header instead): enough of the POSIX shell grammar to find the
// programs a command runs (BC04) and the files it writes (BC06) without running
// anything. Quotes and backslashes are removed, here-document bodies and
// comments are skipped, `;` `&` `|` `(` `)` and backquotes separate commands,
// `sh -c SCRIPT` is read recursively. No expansion is done: a program named by
// a variable is not seen (docs/conformance.md lists what is and is not caught).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace okstra::conformance::detail {

struct shell_token {
  std::string text;
  bool op = false;  // a redirection operator (">", ">>", "<<", "&>", …)
};

using simple_command = std::vector<shell_token>;

namespace shell {

inline bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Tokenizer state: the commands found so far and the word being built.
class splitter {
 public:
  explicit splitter(std::string_view text) : s_(text) { out_.emplace_back(); }

  std::vector<simple_command> run() {
    for (i_ = 0; i_ < s_.size(); ++i_) step(s_[i_]);
    end_command();
    if (out_.back().empty()) out_.pop_back();
    return std::move(out_);
  }

 private:
  void step(char c) {
    switch (c) {
      case '\'': return single_quoted();
      case '"': return double_quoted();
      case '\\':
        if (i_ + 1 < s_.size() && s_[i_ + 1] != '\n') word_ += s_[i_ + 1], in_word_ = true;
        ++i_;
        return;
      case ' ': case '\t': case '\r': return end_word();
      case '\n': end_command(); return skip_heredocs();
      case ';': case '&': case '|': case '(': case ')': case '`': case '{': case '}':
        if (c == '&' && i_ + 1 < s_.size() && s_[i_ + 1] == '>') return redirection();
        if ((c == '{' || c == '}') && (in_word_ || (i_ + 1 < s_.size() && s_[i_ + 1] != ' '))) break;
        if (c == '(' && in_word_ && !word_.empty() && word_.back() == '$') word_.pop_back();
        return end_command();
      case '#':
        if (in_word_) break;
        while (i_ + 1 < s_.size() && s_[i_ + 1] != '\n') ++i_;
        return;
      case '>': case '<': return redirection();
      default: break;
    }
    word_ += c;
    in_word_ = true;
  }

  void single_quoted() {
    const std::size_t close = s_.find('\'', i_ + 1);
    const std::size_t stop = close == std::string_view::npos ? s_.size() : close;
    word_.append(s_.substr(i_ + 1, stop - i_ - 1));
    in_word_ = true;
    i_ = stop;
  }

  void double_quoted() {
    in_word_ = true;
    for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) {
        const char next = s_[i_ + 1];
        if (next != '$' && next != '`' && next != '"' && next != '\\' && next != '\n') word_ += '\\';
        if (next != '\n') word_ += next;
        ++i_;
        continue;
      }
      word_ += s_[i_];
    }
  }

  void redirection() {
    if (in_word_ && is_digits(word_)) word_.clear(), in_word_ = false;  // "2>": the fd number
    end_word();
    std::string op(1, s_[i_]);
    while (i_ + 1 < s_.size() && op.size() < 3 && std::string_view("<>&|-").find(s_[i_ + 1]) != std::string_view::npos)
      op += s_[++i_];
    out_.back().push_back({op, true});
    if (op == "<<" || op == "<<-") heredoc_delimiter(op == "<<-");
  }

  // "<<EOF", "<< 'EOF'", "<<\"EOF\"": the delimiter word, quotes removed.
  void heredoc_delimiter(bool strip_tabs) {
    while (i_ + 1 < s_.size() && (s_[i_ + 1] == ' ' || s_[i_ + 1] == '\t')) ++i_;
    std::string delimiter;
    while (i_ + 1 < s_.size() && std::string_view(" \t\n;&|<>()").find(s_[i_ + 1]) == std::string_view::npos) {
      const char c = s_[++i_];
      if (c != '\'' && c != '"' && c != '\\') delimiter += c;
    }
    if (!delimiter.empty()) heredocs_.push_back({delimiter, strip_tabs});
  }

  // After a newline: the bodies of pending here-documents, up to their delimiters.
  void skip_heredocs() {
    for (const auto& [delimiter, strip_tabs] : heredocs_) {
      while (i_ + 1 < s_.size()) {
        const std::size_t start = i_ + 1;
        const std::size_t nl = s_.find('\n', start);
        const std::size_t stop = nl == std::string_view::npos ? s_.size() : nl;
        std::string_view body_line = s_.substr(start, stop - start);
        if (strip_tabs)
          while (!body_line.empty() && body_line.front() == '\t') body_line.remove_prefix(1);
        i_ = stop == s_.size() ? s_.size() - 1 : stop;
        if (body_line == delimiter) break;
      }
    }
    heredocs_.clear();
  }

  void end_word() {
    if (!in_word_) return;
    out_.back().push_back({std::move(word_), false});
    word_.clear();
    in_word_ = false;
  }

  void end_command() {
    end_word();
    if (!out_.back().empty()) out_.emplace_back();
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::string word_;
  bool in_word_ = false;
  std::vector<std::pair<std::string, bool>> heredocs_;
  std::vector<simple_command> out_;
};

inline std::string_view basename(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

inline bool is_assignment(std::string_view w) {
  const std::size_t eq = w.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  for (std::size_t i = 0; i < eq; ++i) {
    const char c = w[i];
    const bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Programs that run another program given as their argument.
inline bool is_wrapper_program(std::string_view w) {
  for (std::string_view p : {"env", "nohup", "exec", "command", "builtin", "time", "nice", "timeout", "sudo", "stdbuf",
                             "setsid", "caffeinate", "unbuffer", "!", "then", "do", "else", "if", "while", "until"})
    if (w == p) return true;
  return false;
}

}  // namespace shell

inline std::vector<simple_command> split_commands(std::string_view text) { return shell::splitter(text).run(); }

// The index of the program a simple command runs, past assignments, wrapper
// programs and their options, and redirections; cmd.size() when there is none.
inline std::size_t program_index(const simple_command& cmd, std::size_t from = 0) {
  std::size_t i = from;
  bool after_wrapper = false;
  while (i < cmd.size()) {
    const shell_token& t = cmd[i];
    if (t.op) {
      i += 2;  // the operator and its target
      continue;
    }
    const std::string_view w = t.text;
    const bool option_or_number = !w.empty() && (w[0] == '-' || (w[0] >= '0' && w[0] <= '9'));
    if (shell::is_assignment(w) || (after_wrapper && option_or_number)) {
      ++i;
      continue;
    }
    if (shell::is_wrapper_program(shell::basename(w))) {
      after_wrapper = true;
      ++i;
      continue;
    }
    return i;
  }
  return cmd.size();
}

// What a command line runs, for BC04.
struct shell_facts {
  bool codex_wrapper = false, gemini_wrapper = false;  // okstra-codex-exec.sh, okstra-gemini-exec.sh
  bool direct_codex = false, direct_gemini = false;    // `codex exec`, `gemini`
  void merge(const shell_facts& o) {
    codex_wrapper |= o.codex_wrapper, gemini_wrapper |= o.gemini_wrapper;
    direct_codex |= o.direct_codex, direct_gemini |= o.direct_gemini;
  }
};

inline constexpr std::string_view codex_wrapper = "okstra-codex-exec.sh";
inline constexpr std::string_view gemini_wrapper = "okstra-gemini-exec.sh";
inline constexpr int max_shell_depth = 3;  // sh -c 'sh -c "…"' is read this deep

namespace shell {

inline bool is_shell(std::string_view w) { return w == "sh" || w == "bash" || w == "zsh" || w == "dash" || w == "ksh"; }

// The words after `from` that are not redirections or their targets.
inline std::vector<std::string_view> arguments(const simple_command& cmd, std::size_t from) {
  std::vector<std::string_view> out;
  for (std::size_t i = from; i < cmd.size(); ++i) {
    if (cmd[i].op) {
      ++i;
      continue;
    }
    out.push_back(cmd[i].text);
  }
  return out;
}

// `codex [options] exec|e …`: the first word that is not an option (or an
// option's value) is the subcommand.
inline bool codex_runs_exec(const std::vector<std::string_view>& args, std::size_t from) {
  static constexpr std::string_view with_value[] = {"-m", "--model", "-c", "--config", "-p", "--profile", "-C", "--cd",
                                                    "-s", "--sandbox", "-a", "--ask-for-approval", "-i", "--image"};
  for (std::size_t j = from; j < args.size(); ++j) {
    const std::string_view a = args[j];
    if (!a.starts_with('-')) return a == "exec" || a == "e";
    for (const auto v : with_value)
      if (a == v) ++j;
  }
  return false;
}

// "@openai/codex@0.40.0" -> "@openai/codex"; "gemini@1" -> "gemini".
inline std::string_view package_name(std::string_view p) {
  const std::size_t at = p.find('@', p.starts_with('@') ? 1 : 0);
  return at == std::string_view::npos ? p : p.substr(0, at);
}

}  // namespace shell

inline shell_facts analyse_shell(std::string_view command, int depth = 0);

inline void note_program(const simple_command& cmd, std::size_t k, shell_facts& f, int depth) {
  const std::vector<std::string_view> args = shell::arguments(cmd, k);
  const std::string_view program = shell::basename(args.front());
  if (program == codex_wrapper) f.codex_wrapper = true;
  else if (program == gemini_wrapper) f.gemini_wrapper = true;
  else if (program == "codex") f.direct_codex |= shell::codex_runs_exec(args, 1);
  else if (program == "gemini") f.direct_gemini = true;
  else if (shell::is_shell(program)) {
    for (std::size_t j = 1; j < args.size(); ++j) {
      if (args[j].starts_with('-') && !args[j].starts_with("--") && args[j].find('c') != std::string_view::npos) {
        if (j + 1 < args.size() && depth < max_shell_depth) f.merge(analyse_shell(args[j + 1], depth + 1));
        return;
      }
      if (args[j].starts_with('-')) continue;
      const std::string_view script = shell::basename(args[j]);
      f.codex_wrapper |= script == codex_wrapper;
      f.gemini_wrapper |= script == gemini_wrapper;
      return;
    }
  } else if (program == "npx" || program == "bunx" || program == "pnpx" || program == "dlx") {
    for (std::size_t j = 1; j < args.size(); ++j) {
      if (args[j].starts_with('-') || args[j] == "dlx") continue;
      const std::string_view package = shell::package_name(args[j]);
      if (package == "@openai/codex" || package == "codex") f.direct_codex |= shell::codex_runs_exec(args, j + 1);
      if (package == "@google/gemini-cli" || package == "gemini") f.direct_gemini = true;
      return;
    }
  }
}

inline shell_facts analyse_shell(std::string_view command, int depth) {
  shell_facts f;
  for (const simple_command& cmd : split_commands(command)) {
    const std::size_t k = program_index(cmd);
    if (k < cmd.size()) note_program(cmd, k, f, depth);
  }
  return f;
}

// Whether a command line writes a file for which is_target(word) holds, for
// BC06: a `>`/`>>` redirection, tee, cp/mv/install/rsync/ln to it, sed -i /
// perl -i on it, dd of=, truncate, or the same inside sh -c.
template <class IsTarget>
bool shell_writes(std::string_view command, IsTarget&& is_target, int depth = 0) {
  for (const simple_command& cmd : split_commands(command)) {
    for (std::size_t i = 0; i + 1 < cmd.size(); ++i)
      if (cmd[i].op && cmd[i].text.find('>') != std::string::npos && !cmd[i + 1].op && is_target(cmd[i + 1].text))
        return true;
    const std::size_t k = program_index(cmd);
    if (k >= cmd.size()) continue;
    const std::vector<std::string_view> args = shell::arguments(cmd, k);
    const std::string_view program = shell::basename(args.front());
    bool in_place = false;
    for (std::size_t j = 1; j < args.size(); ++j) in_place |= args[j].starts_with("-i") || args[j] == "--in-place";
    const bool any_argument = program == "tee" || program == "truncate" || ((program == "sed" || program == "perl") && in_place);
    for (std::size_t j = 1; j < args.size(); ++j) {
      if (any_argument && is_target(args[j])) return true;
      if (program == "dd" && args[j].starts_with("of=") && is_target(args[j].substr(3))) return true;
    }
    const bool copies = program == "cp" || program == "mv" || program == "install" || program == "rsync" || program == "ln";
    if (copies && args.size() > 2 && is_target(args.back())) return true;
    if (shell::is_shell(program) && depth < max_shell_depth)
      for (std::size_t j = 1; j + 1 < args.size(); ++j)
        if (args[j].starts_with('-') && args[j].find('c') != std::string_view::npos && !args[j].starts_with("--"))
          return shell_writes(args[j + 1], is_target, depth + 1);
  }
  return false;
}

}  // namespace okstra::conformance::detail
