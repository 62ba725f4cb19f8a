// One transcript line into a line_event, for okstra/transcript/events.hpp
// (include that header instead). Built on the field_reader of transcript.hpp,
// so usage lines and event lines are read by the same code.
#pragma once

#include <string>
#include <string_view>

#include "okstra/core/json_scan.hpp"
#include "okstra/transcript/transcript.hpp"

namespace okstra::transcript {

inline std::string decoded(raw_string s) {
  if (!s.escaped) return std::string(s.raw);
  std::string out;
  out.reserve(s.raw.size());
  if (!json_scan::unescape(s.raw, out)) return std::string(s.raw);
  return out;
}

namespace detail {

inline line_kind kind_of(std::string_view type) noexcept {
  if (type == "assistant") return line_kind::assistant;
  if (type == "user") return line_kind::user;
  if (type == "system") return line_kind::system;
  if (type == "summary") return line_kind::summary;
  // Line types Claude Code writes that carry nothing the validators read.
  for (std::string_view known : {"file-history-snapshot", "progress", "agent_progress", "queue-operation"})
    if (type == known) return line_kind::other;
  return line_kind::unknown;
}

// Content block types that are understood and deliberately skipped.
inline bool known_skipped_block(std::string_view type) noexcept {
  for (std::string_view known : {"thinking", "redacted_thinking", "image", "document", "server_tool_use",
                                 "web_search_tool_result", "web_fetch_tool_result", "code_execution_tool_result",
                                 "mcp_tool_use", "mcp_tool_result", "container_upload", "search_result"})
    if (type == known) return true;
  return false;
}

class event_parser {
 public:
  // Fills `ev` (cleared first) from one line; false when the line is not a
  // JSON object. Views stay valid until the next parse().
  bool parse(std::string_view line, line_event& ev) {
    clear(ev);
    arena_.clear();
    arena_.reserve(line.size());  // views into the arena must never move
    json_scan::cursor c(line);
    field_reader r(c, arena_);
    const bool parsed = c.object([&](std::string_view key) { return top_level(r, key, ev); });
    if (!parsed || !c.at_end()) return false;
    ev.kind = kind_of(ev.type);
    return true;
  }

 private:
  static void clear(line_event& ev) {
    const std::uint64_t line = ev.line;
    ev.kind = line_kind::unknown;
    ev.type = ev.uuid = ev.timestamp = ev.session_id = ev.agent_id = ev.team_name = ev.message_id = {};
    ev.is_sidechain = false;
    ev.turn = 0;
    ev.texts.clear();
    ev.tool_uses.clear();
    ev.tool_results.clear();
    ev.unknown_blocks.clear();
    ev.result = tool_use_result{};
    ev.line = line;
  }

  static bool raw_text(json_scan::cursor& c, raw_string& out) {
    if (c.peek() != '"') return c.skip_value();
    return c.string(out.raw, out.escaped);
  }

  bool top_level(field_reader& r, std::string_view key, line_event& ev) {
    json_scan::cursor& c = r.cursor();
    if (key == "type") return r.text(ev.type);
    if (key == "uuid") return r.text(ev.uuid);
    if (key == "timestamp") return r.text(ev.timestamp);
    if (key == "sessionId") return r.text(ev.session_id);
    if (key == "agentId") return r.text(ev.agent_id);
    if (key == "teamName") return r.text(ev.team_name);
    if (key == "isSidechain") return r.flag(ev.is_sidechain);
    if (key == "message") return c.peek() == '{' ? message(r, ev) : c.skip_value();
    if (key == "toolUseResult") return tool_result_summary(r, ev.result);
    return c.skip_value();
  }

  bool message(field_reader& r, line_event& ev) {
    json_scan::cursor& c = r.cursor();
    return c.object([&](std::string_view key) {
      if (key == "id") return r.text(ev.message_id);
      if (key != "content") return c.skip_value();
      if (c.peek() == '"') {
        raw_string s;
        if (!raw_text(c, s)) return false;
        ev.texts.push_back(s);
        return true;
      }
      if (c.peek() != '[') return c.skip_value();
      return c.array([&] { return c.peek() == '{' ? block(r, ev) : c.skip_value(); });
    });
  }

  // One content block; its kind is known only once its "type" was read, which
  // may come after the other keys.
  bool block(field_reader& r, line_event& ev) {
    json_scan::cursor& c = r.cursor();
    std::string_view type, id, name, tool_use_id, content;
    raw_string text;
    bool is_error = false;
    tool_input input;
    const bool ok = c.object([&](std::string_view key) {
      if (key == "type") return r.text(type);
      if (key == "text") return raw_text(c, text);
      if (key == "id") return r.text(id);
      if (key == "name") return r.text(name);
      if (key == "tool_use_id") return r.text(tool_use_id);
      if (key == "is_error") return r.flag(is_error);
      if (key == "input") return c.peek() == '{' ? tool_input_fields(r, input) : c.skip_value();
      if (key == "content") {
        const char* begin = c.position();
        if (!c.skip_value()) return false;
        content = std::string_view(begin, static_cast<std::size_t>(c.position() - begin));
        return true;
      }
      return c.skip_value();
    });
    if (!ok) return false;
    if (type == "text") ev.texts.push_back(text);
    else if (type == "tool_use") ev.tool_uses.push_back({id, name, input});
    else if (type == "tool_result") ev.tool_results.push_back({tool_use_id, is_error, content});
    else if (!known_skipped_block(type)) ev.unknown_blocks.push_back(type.empty() ? std::string_view("(none)") : type);
    return true;
  }

  static bool tool_input_fields(field_reader& r, tool_input& in) {
    json_scan::cursor& c = r.cursor();
    return c.object([&](std::string_view key) {
      switch (key.empty() ? '\0' : key[0]) {
        case 'a':
          if (key == "agentId" || key == "agent_id") return r.text(in.target_id);
          break;
        case 'b':
          if (key == "bash_id") return r.text(in.target_id);
          break;
        case 'c':
          if (key == "command") return r.text(in.command);
          break;
        case 'd':
          if (key == "description") return r.text(in.description);
          break;
        case 'f':
          if (key == "file_path") return r.text(in.file_path);
          break;
        case 'n':
          if (key == "name") return r.text(in.name);
          if (key == "notebook_path") return r.text(in.file_path);
          break;
        case 'p':
          if (key == "prompt") return raw_text(c, in.prompt);
          break;
        case 'r':
          if (key == "run_in_background") return r.flag(in.run_in_background);
          break;
        case 's':
          if (key == "subagent_type") return r.text(in.subagent_type);
          if (key == "skill") return r.text(in.skill);
          if (key == "shell_id") return r.text(in.target_id);
          break;
        case 't':
          if (key == "team_name") return r.text(in.team_name);
          if (key == "task_id") return r.text(in.target_id);
          break;
        default: break;
      }
      return c.skip_value();
    });
  }

  static bool tool_result_summary(field_reader& r, tool_use_result& out) {
    json_scan::cursor& c = r.cursor();
    out.present = true;
    if (c.peek() == '"') {
      bool escaped;
      return c.string(out.text, escaped);
    }
    if (c.peek() != '{') return c.skip_value();
    return c.object([&](std::string_view key) {
      if (key == "status") return r.text(out.status);
      if (key == "agentId") return r.text(out.agent_id);
      if (key == "agentType") return r.text(out.agent_type);
      if (key == "backgroundTaskId" || key == "shellId" || key == "backgroundShellId") return r.text(out.background_id);
      if (key == "isAsync") return r.flag(out.is_async);
      if (key == "totalTokens") return r.count(out.total_tokens);
      if (key == "task" && c.peek() == '{')
        return c.object([&](std::string_view k) {
          if (k == "task_id") return r.text(out.task_id);
          if (k == "status") return r.text(out.task_status);
          return c.skip_value();
        });
      return c.skip_value();
    });
  }

  std::string arena_;
};

}  // namespace detail

}  // namespace okstra::transcript
