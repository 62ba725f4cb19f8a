// The migration journal of okstra/migrate/migrate.hpp:
// <root>/.okstra-migrate.journal.json, outside both layouts so the move never
// carries it. It holds the plan, each step's state and what undo needs: the
// original text of every JSON file it rewrites (with a hash of the rewritten
// text) and, for JSONL files, each changed line before and after. Include
// that header instead.
#pragma once

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/sha256.hpp"
#include "okstra/core/time.hpp"

namespace okstra::migrate {

namespace detail {

inline constexpr int journal_version = 1;

// What undo needs to put one rewritten file back.
struct saved_file {
  std::string where;  // "project" (path relative to the okstra folder) | "home" (absolute)
  file_rewrite row;
  std::string original;            // JSON: the whole text before
  std::string rewritten_sha256;    // JSON: sha256 of the whole text after
  std::vector<line_change> lines;  // JSONL: the changed lines
};

struct journal_state {
  migration_plan plan;
  std::string created_at;
  std::string direction = "apply";                         // "apply" | "undo": the last run that worked on it
  std::vector<std::pair<std::string, std::string>> steps;  // name, "pending" | "done"
  std::vector<saved_file> files;
  std::string head_text, files_text;  // journal_head() and journal_files(), once
};

inline saved_file saved_from(const prepared_file& f, std::string where) {
  saved_file s{std::move(where), f.row, {}, {}, f.changes};
  if (f.row.kind == file_kind::json) {
    s.original = f.original;
    s.rewritten_sha256 = sha256_hex(f.rewritten);
  }
  return s;
}

inline journal_state new_journal(const scan_result& s) {
  journal_state j;
  j.plan = s.plan;
  j.created_at = time::utc_now_iso8601();
  for (const auto& step : s.plan.steps) j.steps.emplace_back(step, "pending");
  for (const auto& f : s.project) j.files.push_back(saved_from(f, "project"));
  for (const auto& f : s.home) j.files.push_back(saved_from(f, "home"));
  return j;
}

inline void write_saved(json::writer& w, const saved_file& f) {
  w.begin_object().field("where", f.where).field("path", f.row.path).field("kind", kind_name(f.row.kind));
  w.field("lock", f.row.lock).field("prefixes", f.row.prefixes);
  w.field("references", static_cast<unsigned long long>(f.row.references));
  if (f.row.kind == file_kind::json) {
    w.field("original", f.original).field("rewrittenSha256", f.rewritten_sha256);
  } else {
    w.key("lines").begin_array();
    for (const auto& l : f.lines)
      w.begin_object().field("original", l.original).field("rewritten", l.rewritten).end_object();
    w.end_array();
  }
  w.end_object();
}

// The journal is one line of JSON in three parts: the head (with the plan)
// and the saved files never change, so they are serialised once and only the
// steps are written anew at each step.
inline std::string journal_head(const journal_state& j) {
  json::writer w(false);
  w.begin_object().field("version", journal_version).field("tool", "okstra-migrate");
  w.field("createdAt", j.created_at).key("plan");
  write_plan(w, j.plan);
  w.end_object();
  std::string text = std::move(w).str();
  text.back() = ',';  // the object continues with the steps
  return text;
}

inline std::string journal_steps(const journal_state& j) {
  json::writer w(false);
  w.begin_object().field("direction", j.direction).key("steps").begin_array();
  for (const auto& [name, state] : j.steps) w.begin_object().field("name", name).field("state", state).end_object();
  w.end_array().end_object();
  std::string text = std::move(w).str();
  return text.substr(1, text.size() - 2);  // the members only
}

inline std::string journal_files(const journal_state& j) {
  json::writer w(false);
  w.begin_array();
  for (const auto& f : j.files) write_saved(w, f);
  w.end_array();
  return ",\"files\":" + std::move(w).str() + "}\n";
}

inline saved_file read_saved(const reader& in, const json::value& v) {
  saved_file f;
  f.where = in.text(v, "where");
  if (f.where != "project" && f.where != "home") throw corrupt_journal(in.source, "unknown place \"" + f.where + "\"");
  const std::string kind = in.text(v, "kind");
  f.row = {in.text(v, "path"), kind == "jsonl" ? file_kind::jsonl : file_kind::json, in.text(v, "lock"),
           in.text(v, "prefixes") == "home" ? "home" : "project", in.count(v, "references")};
  if (f.row.kind == file_kind::json) {
    f.original = in.text(v, "original");
    f.rewritten_sha256 = in.text(v, "rewrittenSha256");
  } else {
    for (const auto& l : in.array(v, "lines").GetArray())
      f.lines.push_back({in.text(l, "original"), in.text(l, "rewritten")});
  }
  return f;
}

inline journal_state read_journal(const stdfs::path& file) {
  const std::string source = file.string();
  json::document doc;
  try {
    doc = json::read_file(file);
  } catch (const okstra::error& e) {
    throw corrupt_journal(source, e.what());
  }
  const reader in{source};
  if (!doc.IsObject() || json::get_int(doc, "version") != std::optional<std::int64_t>(journal_version) ||
      json::get_string(doc, "tool") != std::optional<std::string_view>("okstra-migrate"))
    throw corrupt_journal(source, "not a version 1 okstra-migrate journal");
  journal_state j;
  j.created_at = in.text(doc, "createdAt");
  j.direction = in.text(doc, "direction");
  j.plan = read_plan(in.object(doc, "plan"), source);
  for (const auto& s : in.array(doc, "steps").GetArray()) j.steps.emplace_back(in.text(s, "name"), in.text(s, "state"));
  for (const auto& f : in.array(doc, "files").GetArray()) j.files.push_back(read_saved(in, f));
  return j;
}

// The journal is what recovery stands on: always written durably.
inline void save_journal(const stdfs::path& file, journal_state& j) {
  if (j.head_text.empty()) j.head_text = journal_head(j);
  if (j.files_text.empty()) j.files_text = journal_files(j);
  const std::string steps = journal_steps(j);
  fs::write_file_atomic_parts(file, {j.head_text, steps, j.files_text}, 0644);
}

inline void mark_step(journal_state& j, const stdfs::path& file, std::string_view step,
                      std::string_view state = "done") {
  for (auto& [name, value] : j.steps)
    if (name == step) value = state;
  save_journal(file, j);
}

// Undo starts over its own list of steps.
inline void begin_undo(journal_state& j, const stdfs::path& file) {
  j.direction = "undo";
  j.steps.clear();
  for (const auto step : {"undo-home", "undo-project", "undo-move", "undo-finish"})
    j.steps.emplace_back(step, "pending");
  save_journal(file, j);
}

}  // namespace detail

}  // namespace okstra::migrate
