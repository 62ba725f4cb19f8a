// okstra/transcript/events.hpp — a Claude Code transcript as a stream of events.
//
// Contract (the usage reader of transcript.hpp is the other half of this module;
// both read lines with core/json_scan, so there is one reader of the format):
// - read_events_file(path, sink, diagnostics) reads a transcript in one pass, in
//   4 MiB chunks (lines found with memchr, a longer line grows the buffer up to
//   max_line_bytes), and calls sink(const line_event&) once per usable line.
//   read_events_text() does the same on text already in memory.
// - Only the fields the okstra validators need are extracted; every other value
//   (tool-result contents, thinking, file snapshots, usage) is skipped at memchr
//   speed without being copied. Views in a line_event point into the line or
//   into the parser's arena: they live only during the sink call.
// - Lines: `type` user / assistant / system / summary, and the other types Claude
//   Code writes (file-history-snapshot, progress, queue-operation, …) are known;
//   any other type is skipped and counted. Assistant `message.content[]` blocks
//   text, tool_use {id, name, input}; user blocks tool_result {tool_use_id,
//   content, is_error} and the line's `toolUseResult`. thinking, images and the
//   other known block types are skipped; an unknown block type is skipped and
//   reported (file, line).
// - Turns: Claude Code writes one line per content block, so consecutive main-
//   chain assistant lines with the same message.id are ONE turn (user lines in
//   between do not split it); line_event::turn numbers turns from 1. Sidechain
//   lines (isSidechain:true: a subagent's, kept inline by older versions) are
//   numbered apart and flagged; they never belong to the lead.
// - A line that is not a JSON object is reported as a diagnostic with its file and
//   1-based line number and skipped ("truncated last line" when it is the last one
//   and has no newline); reading goes on. Blank lines are skipped silently. At most
//   max_diagnostics_per_file are kept per file, then one line says how many more.
// - list_subagents(session): <session>/subagents/agent-<agentId>.jsonl and their
//   agent-<agentId>.meta.json {agentType, description}; a missing or malformed
//   meta file is a diagnostic, not an error.
// Errors: read_events_file throws okstra::error (exit_code::input) only when the
// file cannot be opened or read; nothing here writes, locks or starts a process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace okstra::transcript {

// Something in an input that could not be used; line 0 means the file as a whole.
struct diagnostic {
  std::string file;
  std::uint64_t line = 0;
  std::string message;
};

// A JSON string as written between its quotes; decode with decoded().
struct raw_string {
  std::string_view raw;
  bool escaped = false;
};

// The fields of a tool_use input the validators read (others are skipped).
struct tool_input {
  std::string_view subagent_type, name, team_name, description;
  std::string_view command;    // Bash
  std::string_view file_path;  // Write, Edit, MultiEdit (notebook_path for NotebookEdit)
  std::string_view skill;      // Skill: input.skill (older: input.command)
  std::string_view target_id;  // BashOutput bash_id, TaskOutput task_id, KillShell shell_id, AgentOutputTool agentId
  raw_string prompt;           // Agent/Task prompt, raw (search it, or decode it)
  bool run_in_background = false;
};

struct tool_use_block {
  std::string_view id, name;
  tool_input input;
};

struct tool_result_block {
  std::string_view tool_use_id;
  bool is_error = false;
  std::string_view content;  // the raw JSON text of `content` (a string or an array): never copied
};

// The line's `toolUseResult`: an object for most tools, a string for errors.
struct tool_use_result {
  bool present = false;
  std::string_view status;         // Agent/Task: completed, async_launched, …; BashOutput: running, completed, …
  std::string_view agent_id, agent_type;
  std::string_view background_id;  // Bash run_in_background: backgroundTaskId (older: shellId)
  std::string_view task_id, task_status;  // TaskOutput: task{task_id, status}
  std::string_view text;           // when toolUseResult is a JSON string (raw)
  bool is_async = false;
  std::uint64_t total_tokens = 0;
};

enum class line_kind { assistant, user, system, summary, other, unknown };

struct line_event {
  std::uint64_t line = 0;  // 1-based
  line_kind kind = line_kind::unknown;
  std::string_view type, uuid, timestamp, session_id, agent_id, team_name, message_id;
  bool is_sidechain = false;
  std::uint64_t turn = 0;  // assistant lines: the turn (see the contract); 0 otherwise
  std::vector<raw_string> texts;  // text blocks, or a string `content`
  std::vector<tool_use_block> tool_uses;
  std::vector<tool_result_block> tool_results;
  tool_use_result result;
  std::vector<std::string_view> unknown_blocks;  // types of content blocks not understood
};

struct read_stats {
  std::uint64_t lines = 0;          // lines seen, blank ones included
  std::uint64_t events = 0;         // lines passed to the sink
  std::uint64_t malformed = 0;      // lines that are not a JSON object (or too long)
  std::uint64_t unknown_types = 0;  // lines of a type this reader does not know
  std::uint64_t unknown_blocks = 0;
  std::uint64_t bytes = 0;
};

inline constexpr std::size_t max_line_bytes = std::size_t{256} << 20;
inline constexpr std::size_t max_diagnostics_per_file = 200;

// The decoded text of a raw JSON string (escapes resolved; a bad escape leaves
// the raw text).
std::string decoded(raw_string s);

struct subagent_file {
  std::string agent_id;
  std::filesystem::path transcript, meta;
  std::string agent_type, description;  // from the meta file, empty when absent
};

// <dir of session>/<session name without .jsonl>/subagents
std::filesystem::path subagents_dir(const std::filesystem::path& session);
std::filesystem::path subagent_transcript(const std::filesystem::path& session, std::string_view agent_id);
std::vector<subagent_file> list_subagents(const std::filesystem::path& session, std::vector<diagnostic>& diagnostics);

}  // namespace okstra::transcript

#include "okstra/transcript/detail/event_parse.hpp"
#include "okstra/transcript/detail/event_read.hpp"
#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/transcript/detail/subagents.hpp"
#endif
