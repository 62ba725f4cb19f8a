// A source's merged records as the cache store keeps them: a run in which
// none of that source's files changed takes them as they are, instead of
// decoding and merging every file's result again (e.g. the Codex logs while
// only Claude Code logs grow).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage::detail {

struct source_snapshot {
  std::vector<record> records;
  std::uint64_t skipped_lines = 0;    // the source's total, truncated tails included
  std::vector<std::string> warnings;  // what its merge reported (not read errors)
};

// Each distinct string is written once, numbered by its interned id (no
// lookup per field).
inline std::string encode_snapshot(std::span<const record> records, std::uint64_t skipped_lines,
                                   const std::vector<std::string>& warnings) {
  std::vector<std::uint32_t> index(istr::count(), 0);  // interned id -> table position + 1
  std::vector<std::string_view> table;
  for (const auto& r : records)
    for (const istr* s : {&r.session_id, &r.model, &r.project, &r.team_name, &r.agent_name, &r.agent_id}) {
      std::uint32_t& at = index[s->id()];
      if (at == 0) {
        table.push_back(s->view());
        at = static_cast<std::uint32_t>(table.size());
      }
    }
  encoder e;
  e.u64(table.size());
  for (const auto s : table) e.str(s);
  e.u64(records.size());
  for (const auto& r : records) {
    e.u8(static_cast<std::uint8_t>(r.src));
    e.u8(static_cast<std::uint8_t>(r.who));
    e.i64(r.timestamp_ms);
    e.usage(r.usage);
    for (const istr* s : {&r.session_id, &r.model, &r.project, &r.team_name, &r.agent_name, &r.agent_id})
      e.u64(index[s->id()] - 1);
  }
  e.u64(skipped_lines);
  e.u64(warnings.size());
  for (const auto& w : warnings) e.str(w);
  return std::move(e.buffer());
}

// False (and `out` empty) unless `bytes` is a whole snapshot of source `src`.
inline bool decode_snapshot(std::string_view bytes, source src, source_snapshot& out) {
  decoder d(bytes);
  const std::uint64_t strings = d.u64();
  if (d.failed() || strings > bytes.size()) return false;
  std::vector<istr> table;
  table.reserve(strings);
  for (std::uint64_t i = 0; i < strings && !d.failed(); ++i) table.emplace_back(d.str());
  const std::uint64_t n = d.u64();
  if (d.failed() || n > bytes.size()) return false;
  out.records.resize(n);
  for (auto& r : out.records) {
    const auto s = d.u8(), a = d.u8();
    if (s != static_cast<std::uint8_t>(src) || a > 5) d.mark_failed();
    r.src = src;
    r.who = static_cast<agent>(a > 5 ? 5 : a);
    r.timestamp_ms = d.i64();
    r.usage = d.usage();
    for (istr* f : {&r.session_id, &r.model, &r.project, &r.team_name, &r.agent_name, &r.agent_id}) {
      const std::uint64_t at = d.u64();
      if (at >= table.size()) d.mark_failed();
      else *f = table[at];
    }
    if (d.failed()) break;
  }
  out.skipped_lines = d.u64();
  const std::uint64_t w = d.u64();
  for (std::uint64_t i = 0; i < w && !d.failed(); ++i) out.warnings.emplace_back(d.str());
  if (d.failed() || !d.at_end()) {
    out = source_snapshot{};
    return false;
  }
  return true;
}

}  // namespace okstra::token_usage::detail
