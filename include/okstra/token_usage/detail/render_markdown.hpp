// The Markdown table of okstra/token_usage/report.hpp. Include that header.
//
// Contract (docs/usage-reports.md, "Markdown"): a GitHub-flavoured table —
// a header row, the alignment row (numbers right-aligned), one row per report
// row (with breakdown, one "└ model" row per model under it) and a bold
// **Total** row; every token bucket, thousands separators, cost in USD with
// cents. Cells come from logs: "|" is escaped, control bytes are shown as
// printable escapes, and a line break never reaches a cell. An empty report
// is the single line "no usage found". No width limit and no colour.
#pragma once

#include "okstra/core/api.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/error.hpp"

namespace okstra::token_usage {

namespace detail {

inline std::string markdown_cell(std::string_view text) {
  std::string out;
  for (const char c : printable(text)) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

inline void markdown_line(std::string& out, const std::vector<std::string>& cells) {
  out += "|";
  for (const auto& c : cells) out += " " + c + " |";
  out += "\n";
}

inline std::vector<std::string> markdown_numbers(const tokens& u, double cost) {
  return {grouped(u.input),      grouped(u.output),     grouped(u.cache_write_5m), grouped(u.cache_write_1h),
          grouped(u.cache_read), grouped(u.total()),    money(cost)};
}

}  // namespace detail

OKSTRA_INLINE std::string render_markdown(const report& r) {
  using namespace detail;
  if (r.rows.empty()) return "no usage found\n";
  const bool grouped_rows = r.group != group_by::none;
  const bool session = r.kind == report_kind::session;
  std::vector<std::string> header = {std::string(key_title(r.kind, true))};
  if (grouped_rows) header.push_back(group_column_title(r.group));
  if (session) header.insert(header.end(), {"Source", "Project"});
  if (r.kind == report_kind::blocks) header.push_back("Source");
  header.push_back("Models");
  const std::size_t text_columns = header.size();
  for (const char* n : {"Input", "Output", "Cache 5m", "Cache 1h", "Cache Read", "Total", "Cost USD"}) header.push_back(n);
  std::string out;
  markdown_line(out, header);
  std::vector<std::string> rule;
  for (std::size_t i = 0; i < header.size(); ++i) rule.push_back(i < text_columns ? "---" : "---:");
  markdown_line(out, rule);
  for (const auto& row : r.rows) {
    std::vector<std::string> cells;
    if (r.kind == report_kind::blocks)
      cells.push_back(local_minute(r.zone, row.block_start_ms.value_or(0)) + (row.active ? " (active)" : ""));
    else cells.push_back(markdown_cell(row.key));
    if (grouped_rows) cells.push_back(markdown_cell(row.group));
    if (session) cells.emplace_back(source_name(row.row_source));
    if (session) cells.push_back(markdown_cell(row.project));
    if (r.kind == report_kind::blocks) cells.emplace_back(source_name(row.row_source));
    std::string models;
    for (const auto& m : row.models) models += (models.empty() ? "" : ", ") + markdown_cell(m);
    cells.push_back(r.breakdown ? "" : models);
    for (auto& n : markdown_numbers(row.usage, row.cost_usd)) cells.push_back(std::move(n));
    markdown_line(out, cells);
    if (!r.breakdown) continue;
    for (const auto& m : row.breakdown) {
      std::vector<std::string> part(text_columns - 1);
      part.push_back("└ " + markdown_cell(m.model));
      for (auto& n : markdown_numbers(m.usage, m.cost_usd)) part.push_back(std::move(n));
      markdown_line(out, part);
    }
  }
  std::vector<std::string> total(text_columns);
  total[0] = "**Total**";
  for (auto& n : markdown_numbers(r.totals, r.total_cost_usd)) total.push_back("**" + n + "**");
  markdown_line(out, total);
  return out;
}

}  // namespace okstra::token_usage
