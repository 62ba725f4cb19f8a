// The plan and the result of okstra/migrate/migrate.hpp as JSON, and the plan
// read back from a journal. Field names live here, once. Include that header
// instead.
#pragma once

#include "okstra/core/api.hpp"

#include "okstra/core/json.hpp"

namespace okstra::migrate {

namespace detail {

inline std::string_view kind_name(file_kind kind) { return kind == file_kind::jsonl ? "jsonl" : "json"; }

inline void write_prefixes(json::writer& w, const std::vector<prefix_pair>& pairs) {
  w.begin_array();
  for (const auto& p : pairs) w.begin_object().field("from", p.from).field("to", p.to).end_object();
  w.end_array();
}

inline void write_rows(json::writer& w, const std::vector<file_rewrite>& rows) {
  w.begin_array();
  for (const auto& r : rows)
    w.begin_object()
        .field("path", r.path)
        .field("kind", kind_name(r.kind))
        .field("lock", r.lock)
        .field("prefixes", r.prefixes)
        .field("references", static_cast<unsigned long long>(r.references))
        .end_object();
  w.end_array();
}

inline void write_strings(json::writer& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& s : items) w.value(s);
  w.end_array();
}

inline void write_plan(json::writer& w, const migration_plan& p) {
  w.begin_object().field("projectRoot", p.project_root).field("from", p.from).field("to", p.to);
  w.field("journal", p.journal).field("state", to_string(p.state)).field("nothingToDo", p.nothing_to_do);
  w.key("move").begin_object().field("files", static_cast<unsigned long long>(p.files));
  w.field("folders", static_cast<unsigned long long>(p.folders));
  w.field("replacesEmptyCurrent", p.replaces_empty_current).end_object();
  w.field("removeLegacyParent", p.remove_legacy_parent);
  w.key("prefixes").begin_object().key("project");
  write_prefixes(w, p.project_prefixes);
  w.key("home");
  write_prefixes(w, p.home_prefixes);
  w.end_object().key("rewrites").begin_object().key("project");
  write_rows(w, p.project_files);
  w.key("home");
  write_rows(w, p.home_files);
  w.end_object().key("warnings");
  write_strings(w, p.warnings);
  w.key("steps");
  write_strings(w, p.steps);
  w.end_object();
}

inline void write_result(json::writer& w, const migration_result& r) {
  w.begin_object().field("status", r.status).field("resumed", r.resumed).field("moved", r.moved);
  w.field("filesRewritten", static_cast<unsigned long long>(r.files_rewritten));
  w.field("referencesRewritten", static_cast<unsigned long long>(r.references_rewritten));
  w.field("filesRestored", static_cast<unsigned long long>(r.files_restored));
  w.field("legacyParentRemoved", r.legacy_parent_removed).key("warnings");
  write_strings(w, r.warnings);
  w.end_object();
}

// ---- reading a plan back (from a journal) ---------------------------------------------

inline error corrupt_journal(std::string_view source, const std::string& why) {
  return input_error(quoted("corrupt migration journal", source) + ": " + why,
                     "inspect it by hand (docs/migrate.md, recovery); okstra never deletes it on its own");
}

struct reader {
  std::string_view source;

  const json::value& member(const json::value& object, std::string_view key, bool (json::value::*is)() const,
                            std::string_view what) const {
    const json::value* v = json::find(object, key);
    if (!v || !(v->*is)())
      throw corrupt_journal(source, "field \"" + std::string(key) + "\" must be " + std::string(what));
    return *v;
  }
  std::string text(const json::value& o, std::string_view key) const {
    return std::string(json::as_string_view(member(o, key, &json::value::IsString, "a string")));
  }
  bool flag(const json::value& o, std::string_view key) const {
    return member(o, key, &json::value::IsBool, "a boolean").GetBool();
  }
  std::size_t count(const json::value& o, std::string_view key) const {
    return static_cast<std::size_t>(member(o, key, &json::value::IsUint64, "a count").GetUint64());
  }
  const json::value& object(const json::value& o, std::string_view key) const {
    return member(o, key, &json::value::IsObject, "an object");
  }
  const json::value& array(const json::value& o, std::string_view key) const {
    return member(o, key, &json::value::IsArray, "an array");
  }
  std::vector<std::string> strings(const json::value& o, std::string_view key) const {
    std::vector<std::string> out;
    for (const auto& v : array(o, key).GetArray()) {
      if (!v.IsString()) throw corrupt_journal(source, "\"" + std::string(key) + "\" must hold strings");
      out.emplace_back(json::as_string_view(v));
    }
    return out;
  }
  std::vector<prefix_pair> prefixes(const json::value& o, std::string_view key) const {
    std::vector<prefix_pair> out;
    for (const auto& v : array(o, key).GetArray()) out.push_back({text(v, "from"), text(v, "to")});
    return out;
  }
  std::vector<file_rewrite> rows(const json::value& o, std::string_view key) const {
    std::vector<file_rewrite> out;
    for (const auto& v : array(o, key).GetArray()) {
      const std::string kind = text(v, "kind");
      if (kind != "json" && kind != "jsonl") throw corrupt_journal(source, "unknown file kind \"" + kind + "\"");
      const std::string scope = text(v, "prefixes");
      if (scope != "project" && scope != "home") throw corrupt_journal(source, "unknown prefixes \"" + scope + "\"");
      out.push_back({text(v, "path"), kind == "jsonl" ? file_kind::jsonl : file_kind::json, text(v, "lock"), scope,
                     count(v, "references")});
    }
    return out;
  }
};

inline migration_plan read_plan(const json::value& v, std::string_view source) {
  const reader in{source};
  if (!v.IsObject()) throw corrupt_journal(source, "\"plan\" must be an object");
  migration_plan p;
  p.project_root = in.text(v, "projectRoot");
  p.from = in.text(v, "from");
  p.to = in.text(v, "to");
  p.journal = in.text(v, "journal");
  const std::string state = in.text(v, "state");
  if (state != "legacy" && state != "interrupted")
    throw corrupt_journal(source, "unexpected plan state \"" + state + "\"");
  p.state = state == "legacy" ? project_state::legacy : project_state::interrupted;
  p.nothing_to_do = in.flag(v, "nothingToDo");
  const json::value& move = in.object(v, "move");
  p.files = in.count(move, "files");
  p.folders = in.count(move, "folders");
  p.replaces_empty_current = in.flag(move, "replacesEmptyCurrent");
  p.remove_legacy_parent = in.flag(v, "removeLegacyParent");
  p.project_prefixes = in.prefixes(in.object(v, "prefixes"), "project");
  p.home_prefixes = in.prefixes(in.object(v, "prefixes"), "home");
  p.project_files = in.rows(in.object(v, "rewrites"), "project");
  p.home_files = in.rows(in.object(v, "rewrites"), "home");
  p.warnings = in.strings(v, "warnings");
  p.steps = in.strings(v, "steps");
  return p;
}

}  // namespace detail

OKSTRA_INLINE std::string to_json(const migration_plan& plan, bool pretty) {
  json::writer w(pretty);
  w.begin_object().key("plan");
  detail::write_plan(w, plan);
  w.key("result").begin_object().field("status", "dry-run").field("changed", false).end_object();
  w.end_object();
  return std::move(w).str();
}

OKSTRA_INLINE std::string to_json(const outcome& done, bool pretty) {
  json::writer w(pretty);
  w.begin_object().key("plan");
  detail::write_plan(w, done.plan);
  w.key("result");
  detail::write_result(w, done.result);
  w.end_object();
  return std::move(w).str();
}

}  // namespace okstra::migrate
