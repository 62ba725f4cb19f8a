// okstra/clarification/clarification.hpp — the approval gate of an
// implementation plan report (docs/plan-validate.md).
//
// Contract:
// - read_front_matter(text): the report's front matter, when its first line
//   (after an optional UTF-8 BOM) is "---" and a later "---" line closes it.
//   Top-level "key: value" lines become entries in file order (duplicates
//   kept, quotes removed, "# comments" after unquoted values dropped);
//   indented lines, list items, comments and other lines are skipped. This is
//   the toolkit's only front-matter parser. Pure; never throws on any input.
// - scan_approval_gate(text): reads the report's Markdown (after the front
//   matter) as CommonMark with GitHub's tables renders it, parsed by md4c:
//   the section is the heading of any level that renders as "1. Clarification
//   Items", up to the next heading of its level or higher, and its GitHub
//   table(s), split into cells as GitHub splits them. present = false only
//   when nothing names the clarification items. A gate that is present but
//   cannot be read (including where md4c and GitHub would differ) gets a
//   one-sentence unreadable_reason and no blockers: it never soft-passes.
//   Pure; never throws on any input; input over max_report_bytes is refused.
// - inspect_data_json(path, text) / read_data_json(plan): the data.json next
//   to a plan. Absent is fine; present but unreadable, malformed, not an
//   object or without a boolean approval.approved gets a reason (a refusal,
//   never a soft pass). read_data_json never throws for data.json problems.
// - judge_plan(path, text, data_json): the verdict as a value, with every
//   refusal reason. A legacy "- [x] Approved" counts only as a rendered
//   checked task item of a bullet list, outside block quotes. validate_plan(plan): reads the plan (throws
//   okstra::error with exit_code::input when it cannot be read) and judges it.
// - to_json(result, pretty): {path, approved, gate, dataJson, valid, reasons}
//   in that key order (docs/plan-validate.md shows the full shape).
// - approve_front_matter(text) / revoke_front_matter(text): the plan's text
//   with its approval set or revoked in the front matter, everything else
//   byte for byte as it was (docs/plan-validate.md, "Approving a plan").
//   approve then revoke gives back the original bytes whenever approve
//   changed the text. Pure; the only exception either throws is okstra::error
//   with exit_code::refused and a one-sentence reason (an unclosed front
//   matter, 'approved' twice, a value approve cannot set back on revoke).
// Nothing here writes, locks or starts a process (the approval step that
// writes is okstra/clarification/approval.hpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"

namespace okstra::clarification {

// ---- front matter -------------------------------------------------------------

struct front_matter_entry {
  std::string key;
  std::string value;    // quotes removed; unquoted: trailing " # comment" removed, trimmed
  bool quoted = false;  // written as "…" or '…' (so "true" in quotes is text, not a boolean)
  std::size_t line = 0;
};

struct front_matter {
  bool present = false;       // the first line is "---"
  bool closed = false;        // a later "---" line ends it (else there are no entries)
  std::size_t body_line = 1;  // 1-based number of the first line after it
  std::vector<front_matter_entry> entries;

  // Every entry with this exact key, in file order.
  std::vector<front_matter_entry> find(std::string_view key) const;
};

front_matter read_front_matter(std::string_view text);

// ---- the section 1 approval gate --------------------------------------------------------

struct blocker {
  std::string id;                   // "C-001"
  std::string status;               // "open" or "answered" (lower case)
  std::vector<std::string> blocks;  // lower case, e.g. {"approval", "implementation"}
  std::string question;             // the Question column, or empty without one
};

struct gate_scan {
  bool present = false;
  std::vector<blocker> blockers;  // rows blocking approval with status open or answered
  std::string unreadable_reason;  // empty when readable; one sentence, no final period

  bool readable() const { return unreadable_reason.empty(); }
};

gate_scan scan_approval_gate(std::string_view text);

// ---- data.json next to the plan ---------------------------------------------------

struct data_json_check {
  std::string path;  // <plan folder>/data.json, as shown
  bool present = false;
  std::optional<bool> approved;   // approval.approved, when readable
  std::string unreadable_reason;  // present but unusable; empty otherwise
};

// The data.json path that belongs to a plan: the plan's folder + "data.json".
std::filesystem::path data_json_path(const std::filesystem::path& plan);
data_json_check inspect_data_json(std::string path, std::string_view text);
data_json_check read_data_json(const std::filesystem::path& plan);

// ---- the verdict ---------------------------------------------------------------------

struct plan_result {
  std::string path;
  bool approved = false;
  gate_scan gate;
  data_json_check data_json;
  bool valid = false;
  std::vector<std::string> reasons;  // every refusal reason; empty exactly when valid
};

// Largest plan report read (a plan is a few KiB; this bounds memory on a wrong path).
inline constexpr std::size_t max_report_bytes = std::size_t{64} << 20;

// What to tell the user whose gate cannot be read (a `hint:` line).
inline constexpr std::string_view unreadable_gate_hint =
    "re-render the report from its data (data.json) instead of editing its table by hand";

plan_result judge_plan(std::string path, std::string_view text, data_json_check data_json);
plan_result validate_plan(const std::filesystem::path& plan);
std::string to_json(const plan_result& result, bool pretty = true);

// ---- approval in the front matter ------------------------------------------------------

struct front_matter_edit {
  std::string text;      // the whole new text (unchanged when !changed)
  bool changed = false;  // false: already approved (approve) / not approved (revoke)
};

front_matter_edit approve_front_matter(std::string_view text);
front_matter_edit revoke_front_matter(std::string_view text);

}  // namespace okstra::clarification

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/clarification/detail/front_matter.hpp"
#include "okstra/clarification/detail/gate.hpp"
#include "okstra/clarification/detail/gate_tables.hpp"
#include "okstra/clarification/detail/plan.hpp"
#include "okstra/clarification/detail/front_matter_edit.hpp"
#endif
