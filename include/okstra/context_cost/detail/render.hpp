// JSON and table output of a context-cost report. Include
// okstra/context_cost/context_cost.hpp.
#pragma once

#include "okstra/core/api.hpp"

#include <algorithm>

#include "okstra/core/display_width.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/style.hpp"
#include "okstra/core/table.hpp"

namespace okstra::context_cost {

namespace detail {

inline void write_strings(json::writer& w, std::string_view key, const std::vector<std::string>& items) {
  w.key(key).begin_array();
  for (const auto& item : items) w.value(item);
  w.end_array();
}

inline void write_file_set(json::writer& w, std::string_view key, const file_set_metric& m) {
  w.key(key).begin_object();
  w.field("mode", m.mode).field("fileCount", m.file_count).field("bytes", m.bytes);
  w.field("estimatedTokens", m.estimated_tokens);
  write_strings(w, "files", m.files);
  w.end_object();
}

inline void write_skill_assets(json::writer& w, const skill_assets_metric& m) {
  w.key("skillAssets").begin_object();
  w.field("fileCount", m.file_count).field("bytes", m.bytes).field("estimatedTokens", m.estimated_tokens);
  w.key("files").begin_array();
  for (const auto& f : m.files) {
    w.begin_object().field("name", f.name).field("path", f.path).field("bytes", f.bytes);
    w.field("estimatedTokens", f.estimated_tokens).field("source", f.source).end_object();
  }
  w.end_array();
  write_strings(w, "missing", m.missing);
  w.end_object();
}

inline void optional_field(json::writer& w, std::string_view key, const std::optional<std::string>& value) {
  w.key(key);
  if (value) w.value(*value);
  else w.null();
}

// ---- tables -------------------------------------------------------------------------

// Rows of cells (the first row holds the titles) as a table fitted to
// style.width; `right[i]` marks column i as numbers (right-aligned, never
// shortened). Text columns narrower than `text_min` are never shortened
// (docs/cli.md, "Terminal width and colour"). No trailing blanks.
inline std::string aligned(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right,
                           const style::output_style& style, std::size_t text_min = 12) {
  table::layout t;
  for (std::size_t i = 0; i < right.size(); ++i)
    t.columns.push_back({i < rows.front().size() ? rows.front()[i] : std::string(),
                         right[i] ? table::align::right : table::align::left, text_min});
  for (std::size_t r = 1; r < rows.size(); ++r) {
    std::vector<std::string> cells;
    for (const auto& cell : rows[r]) cells.push_back(printable(cell));
    t.rows.push_back({table::row_kind::body, std::move(cells)});
  }
  return table::render(t, static_cast<std::size_t>(style.width), style);
}

// Prose lines of the table view, wrapped to the width.
inline std::string prose(std::string_view text, const style::output_style& style,
                         style::tone tone = style::tone::plain) {
  std::string out;
  for (const auto& line : display::wrap(printable(text), static_cast<std::size_t>(style.width), "  "))
    out += style::paint(line, tone, style) + "\n";
  return out;
}

struct surface {
  std::string name, mode;
  std::uint64_t files, bytes, tokens;
};

inline std::vector<surface> ranked_surfaces(const report& r) {
  const auto& is = r.instruction_set;
  const auto& aw = r.analysis_worker;
  std::vector<surface> out = {
      {"hot-path skills and agents", "installed or runtime", r.skill_assets.file_count, r.skill_assets.bytes,
       r.skill_assets.estimated_tokens},
      {"instruction set", "all files", is.file_count, is.bytes, is.estimated_tokens},
      {"lead phase 1", r.lead_phase1.mode, r.lead_phase1.file_count, r.lead_phase1.bytes,
       r.lead_phase1.estimated_tokens},
      {"analysis worker (each)", aw.mode, aw.file_count, aw.bytes_per_worker, aw.estimated_tokens_per_worker},
      {"report writer", r.report_writer.mode, r.report_writer.file_count, r.report_writer.bytes,
       r.report_writer.estimated_tokens},
  };
  std::stable_sort(out.begin(), out.end(), [](const surface& a, const surface& b) {
    return a.tokens != b.tokens ? a.tokens > b.tokens : a.bytes > b.bytes;
  });
  return out;
}

inline std::string surfaces_table(const report& r, const style::output_style& style) {
  std::vector<std::vector<std::string>> rows = {{"rank", "surface", "mode", "files", "bytes", "~tokens"}};
  std::size_t rank = 0;
  for (const auto& s : ranked_surfaces(r))
    rows.push_back({std::to_string(++rank), s.name, s.mode, std::to_string(s.files), std::to_string(s.bytes),
                    std::to_string(s.tokens)});
  return aligned(rows, {true, false, false, true, true, true}, style);
}

inline std::string hot_path_table(const skill_assets_metric& m, const style::output_style& style) {
  std::vector<const skill_asset*> files;
  for (const auto& f : m.files) files.push_back(&f);
  std::stable_sort(files.begin(), files.end(), [](const skill_asset* a, const skill_asset* b) {
    return a->estimated_tokens != b->estimated_tokens ? a->estimated_tokens > b->estimated_tokens : a->bytes > b->bytes;
  });
  std::vector<std::vector<std::string>> rows = {{"rank", "hot-path file", "source", "bytes", "~tokens"}};
  std::size_t rank = 0;
  for (const auto* f : files)
    rows.push_back({std::to_string(++rank), f->name, f->source, std::to_string(f->bytes),
                    std::to_string(f->estimated_tokens)});
  for (const auto& name : m.missing) rows.push_back({"-", name, "not found", "0", "0"});
  return aligned(rows, {true, false, false, true, true}, style);
}

}  // namespace detail

OKSTRA_INLINE std::string to_json(const report& r, bool pretty) {
  json::writer w(pretty);
  w.begin_object();
  w.field("taskRoot", r.task_root);
  detail::optional_field(w, "projectRoot", r.project_root);
  detail::optional_field(w, "runDir", r.run_dir);
  detail::optional_field(w, "runtimeRoot", r.runtime_root);
  const auto& is = r.instruction_set;
  w.key("instructionSet").begin_object();
  w.field("path", is.path).field("fileCount", is.file_count).field("bytes", is.bytes);
  w.field("estimatedTokens", is.estimated_tokens).field("analysisPacketBytes", is.analysis_packet_bytes);
  w.field("legacyTaskPacketBytes", is.legacy_task_packet_bytes).end_object();
  detail::write_file_set(w, "leadPhase1", r.lead_phase1);
  const auto& aw = r.analysis_worker;
  w.key("analysisWorker").begin_object();
  w.field("mode", aw.mode).field("fileCount", aw.file_count).field("bytesPerWorker", aw.bytes_per_worker);
  w.field("estimatedTokensPerWorker", aw.estimated_tokens_per_worker);
  w.field("legacyFullContractBytesPerWorker", aw.legacy_full_contract_bytes_per_worker);
  w.field("legacyFullContractFileCount", aw.legacy_full_contract_file_count);
  w.field("estimatedPacketModeBytesPerWorker", aw.estimated_packet_mode_bytes_per_worker).end_object();
  detail::write_file_set(w, "reportWriter", r.report_writer);
  detail::write_skill_assets(w, r.skill_assets);
  w.end_object();
  return std::move(w).str();
}

OKSTRA_INLINE std::string to_table(const report& r, const style::output_style& style) {
  // Paths are not wrapped: a path split over two lines cannot be copied.
  std::string out = style::paint("context cost of " + printable(r.task_root), style::tone::bold, style) + "\n";
  out += "run: " + printable(r.run_dir.value_or("(none)")) + "\n\n";
  out += detail::surfaces_table(r, style);
  const auto& aw = r.analysis_worker;
  out += "\n" + detail::prose("per analysis worker: full contract " +
                                  std::to_string(aw.legacy_full_contract_file_count) + " files, " +
                                  std::to_string(aw.legacy_full_contract_bytes_per_worker) + " bytes; packet mode " +
                                  std::to_string(aw.estimated_packet_mode_bytes_per_worker) + " bytes",
                              style) + "\n";
  out += detail::hot_path_table(r.skill_assets, style);
  out.pop_back();  // the caller ends the output with its own newline
  return out;
}

}  // namespace okstra::context_cost
