// Definitions for okstra/core/cli.hpp: --help and --describe-options, both
// generated from the declarations (docs/cli.md, "Option declarations").
// Include okstra/core/cli.hpp instead.
#pragma once

#include <algorithm>

#include "okstra/core/detail/cli_decl.hpp"
#include "okstra/core/json.hpp"

namespace okstra::cli {

namespace detail {

inline std::string full_name(const program& p, const command* c) { return c ? p.name + " " + c->name : p.name; }

// A usage line when the tool gives none: "[options]" and the positionals.
inline std::string generated_usage(const command& c) {
  std::string line = "[options]";
  for (const auto& pos : c.positionals) {
    const std::string name = "<" + pos.name + ">";
    line += " " + (pos.min == 0 ? "[" + name + "]" : name) + (pos.max != 1 ? "..." : "");
  }
  return line;
}

inline std::vector<std::string> usage_lines(const program& p, const command* c) {
  const command& cmd = c ? *c : p.self;
  std::vector<std::string> out;
  const std::string prefix = full_name(p, c) + " ";
  if (c || p.runs_without_command) {
    if (cmd.usage.empty()) out.push_back(prefix + generated_usage(cmd));
    for (const auto& u : cmd.usage) out.push_back(prefix + u);
  }
  if (!c)
    for (const auto& sub : p.commands) out.push_back(usage_lines(p, &sub).front());
  return out;
}

inline std::string option_left(const option& o) {
  std::string left = o.short_name ? std::string("-") + o.short_name + ", " : std::string("    ");
  left += "--" + o.long_name;
  if (o.kind != kind::flag) left += o.implicit_value.empty() ? " " + o.value_name : " [" + o.value_name + "]";
  return left;
}

inline std::string option_right(const option& o) {
  std::string right = o.help;
  std::string extra;
  if (o.kind == kind::choice) extra = text::join(o.choices, "|");
  if (o.kind == kind::choice_list) extra = "any of " + text::join(o.choices, ",");
  if (!o.default_value.empty()) extra += (extra.empty() ? "" : ", ") + std::string("default ") + o.default_value;
  if (o.repeatable) extra += (extra.empty() ? "" : ", ") + std::string("repeatable");
  if (!o.implicit_value.empty()) extra += (extra.empty() ? "" : ", ") + o.value_name + " left out: " + o.implicit_value;
  if (!extra.empty()) right += " [" + extra + "]";
  return right;
}

// Two columns; a left column wider than 28 puts its help on the next line.
inline std::string columns(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t width = 0;
  for (const auto& [left, right] : rows)
    if (left.size() <= 28) width = std::max(width, left.size());
  std::string out;
  for (const auto& [left, right] : rows) {
    out += "  " + left;
    if (left.size() > width) out += "\n  " + std::string(width, ' ');
    else out += std::string(width - left.size(), ' ');
    out += "  " + right + "\n";
  }
  return out;
}

// Wraps at 80 columns; continuation lines line up with the meaning.
inline std::string exit_block(const program& p) {
  std::string out = "Exit status:\n";
  for (const auto& e : p.exits) {
    std::string line = "  " + std::to_string(e.code) + "  ";
    const std::size_t indent = line.size();
    std::size_t column = indent;
    for (std::size_t start = 0; start < e.meaning.size();) {
      std::size_t end = e.meaning.find(' ', start);
      if (end == std::string::npos) end = e.meaning.size();
      const std::string word = e.meaning.substr(start, end - start);
      if (column > indent && column + 1 + word.size() > 80) {
        line += "\n" + std::string(indent, ' ');
        column = indent;
      } else if (column > indent) {
        line += ' ';
        ++column;
      }
      line += word;
      column += word.size();
      start = end + 1;
    }
    out += line + "\n";
  }
  return out;
}

inline const char* kind_name(kind k) {
  switch (k) {
    case kind::flag: return "flag";
    case kind::string: return "string";
    case kind::path: return "path";
    case kind::count: return "count";
    case kind::number: return "number";
    case kind::choice: return "enum";
    case kind::choice_list: return "list";
  }
  return "string";
}

inline const char* completion_name(completion c) {
  switch (c) {
    case completion::none: return "none";
    case completion::file: return "file";
    case completion::dir: return "dir";
    case completion::choices: return "choices";
  }
  return "none";
}

inline void describe_options(json::writer& w, const std::vector<option>& options) {
  w.key("options").begin_array();
  for (const auto& o : options) {
    if (o.hidden) continue;
    w.begin_object().field("long", o.long_name).field("short", o.short_name ? std::string(1, o.short_name) : "");
    w.field("value", o.kind == kind::flag ? "" : o.value_name).field("kind", kind_name(o.kind)).key("choices").begin_array();
    for (const auto& c : o.choices) w.value(c);
    w.end_array().field("default", o.default_value).field("help", o.help);
    w.field("complete", completion_name(o.kind == kind::flag ? completion::none : o.complete));
    w.field("implicit", o.implicit_value);
    w.end_object();
  }
  w.end_array();
}

inline void describe_positionals(json::writer& w, const std::vector<positional>& positionals) {
  w.key("positionals").begin_array();
  for (const auto& pos : positionals)
    w.begin_object().field("name", pos.name).field("min", pos.min).field("max", pos.max).field("complete", completion_name(pos.complete)).end_object();
  w.end_array();
}

}  // namespace detail

OKSTRA_INLINE std::string help_text(const program& p, const command* c) {
  const command& cmd = c ? *c : p.self;
  std::string out = detail::full_name(p, c) + " - " + cmd.summary + "\n\n";
  const auto lines = detail::usage_lines(p, c);
  for (std::size_t i = 0; i < lines.size(); ++i) out += (i == 0 ? "Usage: " : "       ") + lines[i] + "\n";
  if (!c && !p.commands.empty()) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& sub : p.commands) rows.emplace_back(sub.name, sub.summary);
    out += "\nCommands:\n" + detail::columns(rows);
  }
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& o : detail::all_options(p, c))
    if (!o.hidden) rows.emplace_back(detail::option_left(o), detail::option_right(o));
  out += "\nOptions:\n" + detail::columns(rows);
  if (!cmd.details.empty()) out += "\n" + cmd.details + (cmd.details.back() == '\n' ? "" : "\n");
  if (!c && !p.commands.empty()) out += "\n'" + p.name + " <command> --help' describes a command.\n";
  return out + "\n" + detail::exit_block(p);
}

OKSTRA_INLINE std::string describe_json(const program& p) {
  json::writer w(true);
  w.begin_object().field("program", p.name).field("summary", p.self.summary).key("usage").begin_array();
  for (const auto& line : detail::usage_lines(p, nullptr)) w.value(line);
  w.end_array();
  detail::describe_options(w, detail::all_options(p, nullptr));
  w.key("commands").begin_array();
  for (const auto& c : p.commands) {
    w.begin_object().field("name", c.name).field("summary", c.summary).field("usage", detail::usage_lines(p, &c).front());
    detail::describe_options(w, detail::all_options(p, &c));
    detail::describe_positionals(w, c.positionals);
    w.end_object();
  }
  w.end_array();
  detail::describe_positionals(w, p.self.positionals);
  w.key("exitStatus").begin_array();
  for (const auto& e : p.exits) w.begin_object().field("code", e.code).field("meaning", e.meaning).end_object();
  w.end_array().end_object();
  return std::move(w).str();
}

}  // namespace okstra::cli
