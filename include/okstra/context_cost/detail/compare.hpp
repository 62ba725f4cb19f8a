// Comparing two context-cost reports. Include okstra/context_cost/context_cost.hpp.
#pragma once

#include "okstra/core/api.hpp"

#include <cmath>
#include <cstdio>
#include <utility>

namespace okstra::context_cost {

namespace detail {

// Every numeric metric of a report, named as in its JSON, in JSON order.
inline std::vector<std::pair<std::string, std::uint64_t>> numeric_metrics(const report& r) {
  const auto& is = r.instruction_set;
  const auto& lead = r.lead_phase1;
  const auto& aw = r.analysis_worker;
  const auto& rw = r.report_writer;
  const auto& sa = r.skill_assets;
  return {
      {"instructionSet.fileCount", is.file_count},
      {"instructionSet.bytes", is.bytes},
      {"instructionSet.estimatedTokens", is.estimated_tokens},
      {"instructionSet.analysisPacketBytes", is.analysis_packet_bytes},
      {"instructionSet.legacyTaskPacketBytes", is.legacy_task_packet_bytes},
      {"leadPhase1.fileCount", lead.file_count},
      {"leadPhase1.bytes", lead.bytes},
      {"leadPhase1.estimatedTokens", lead.estimated_tokens},
      {"analysisWorker.fileCount", aw.file_count},
      {"analysisWorker.bytesPerWorker", aw.bytes_per_worker},
      {"analysisWorker.estimatedTokensPerWorker", aw.estimated_tokens_per_worker},
      {"analysisWorker.legacyFullContractBytesPerWorker", aw.legacy_full_contract_bytes_per_worker},
      {"analysisWorker.legacyFullContractFileCount", aw.legacy_full_contract_file_count},
      {"analysisWorker.estimatedPacketModeBytesPerWorker", aw.estimated_packet_mode_bytes_per_worker},
      {"reportWriter.fileCount", rw.file_count},
      {"reportWriter.bytes", rw.bytes},
      {"reportWriter.estimatedTokens", rw.estimated_tokens},
      {"skillAssets.fileCount", sa.file_count},
      {"skillAssets.bytes", sa.bytes},
      {"skillAssets.estimatedTokens", sa.estimated_tokens},
  };
}

inline std::vector<std::pair<std::string, std::string>> mode_metrics(const report& r) {
  return {{"leadPhase1.mode", r.lead_phase1.mode},
          {"analysisWorker.mode", r.analysis_worker.mode},
          {"reportWriter.mode", r.report_writer.mode}};
}

// (value - other) as a percentage of other, to one decimal, halves away from
// zero; 0 when both are 0; none when only other is 0 (no finite percentage).
inline std::optional<double> percent_of(std::uint64_t value, std::uint64_t other) {
  if (other == 0) return value == 0 ? std::optional<double>(0.0) : std::nullopt;
  const double difference = static_cast<double>(value) - static_cast<double>(other);
  const double percent = std::round(difference * 1000.0 / static_cast<double>(other)) / 10.0;
  return percent == 0 ? 0.0 : percent;  // a tiny decrease rounds to -0.0: print 0
}

inline std::string signed_text(std::int64_t n) { return (n > 0 ? "+" : "") + std::to_string(n); }

inline std::string percent_text(const std::optional<double>& p) {
  if (!p) return "n/a";
  if (*p == 0) return "0.0%";  // neither "+0.0%" nor "-0.0%"
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", *p);
  return buf;
}

}  // namespace detail

OKSTRA_INLINE comparison compare(const report& value, const report& other) {
  comparison c{value.task_root, other.task_root, {}, {}};
  const auto mine = detail::numeric_metrics(value);
  const auto theirs = detail::numeric_metrics(other);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const std::uint64_t a = mine[i].second, b = theirs[i].second;
    const auto difference = a >= b ? static_cast<std::int64_t>(a - b) : -static_cast<std::int64_t>(b - a);
    c.metrics.push_back({mine[i].first, a, b, difference, detail::percent_of(a, b)});
  }
  const auto my_modes = detail::mode_metrics(value);
  const auto their_modes = detail::mode_metrics(other);
  for (std::size_t i = 0; i < my_modes.size(); ++i)
    c.modes.push_back({my_modes[i].first, my_modes[i].second, their_modes[i].second});
  return c;
}

OKSTRA_INLINE std::string to_json(const comparison& c, bool pretty) {
  json::writer w(pretty);
  w.begin_object().field("taskRoot", c.task_root).field("otherTaskRoot", c.other_task_root);
  w.key("metrics").begin_array();
  for (const auto& m : c.metrics) {
    w.begin_object().field("metric", m.metric).field("value", m.value).field("otherValue", m.other_value);
    w.field("difference", m.difference).key("percent");
    if (m.percent) w.value(*m.percent);
    else w.null();
    w.end_object();
  }
  w.end_array();
  w.key("modes").begin_array();
  for (const auto& m : c.modes) {
    w.begin_object().field("metric", m.metric).field("value", m.value).field("otherValue", m.other_value);
    w.field("same", m.value == m.other_value).end_object();
  }
  w.end_array().end_object();
  return std::move(w).str();
}

OKSTRA_INLINE std::string to_table(const comparison& c, const style::output_style& style) {
  // Paths are not wrapped: a path split over two lines cannot be copied.
  std::string out = style::paint("this:  " + printable(c.task_root), style::tone::bold, style) + "\n";
  out += style::paint("other: " + printable(c.other_task_root) + " (the baseline)", style::tone::bold, style) + "\n\n";
  std::vector<std::vector<std::string>> rows = {{"metric", "this", "other", "difference", "%"}};
  for (const auto& m : c.metrics)
    rows.push_back({m.metric, std::to_string(m.value), std::to_string(m.other_value), detail::signed_text(m.difference),
                    detail::percent_text(m.percent)});
  constexpr std::size_t whole = 64;  // metric names are keys to grep for: never shortened
  out += detail::aligned(rows, {false, true, true, true, true}, style, whole) + "\n";
  std::vector<std::vector<std::string>> modes = {{"mode", "this", "other"}};
  for (const auto& m : c.modes) modes.push_back({m.metric, m.value, m.other_value});
  out += detail::aligned(modes, {false, false, false}, style);
  out.pop_back();  // the caller ends the output with its own newline
  return out;
}

}  // namespace okstra::context_cost
