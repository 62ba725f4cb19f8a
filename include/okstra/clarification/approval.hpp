// okstra/clarification/approval.hpp — the approval step: approve a plan report,
// or revoke its approval, on disk (docs/plan-validate.md, "Approving a plan").
//
// Contract:
// - set_data_json_approval(text, approve, by, at): data.json's text with
//   approval.approved set (approve: plus approvedBy and approvedAt; revoke:
//   both removed), every other member kept in its order, written with
//   two-space indentation; nullopt when nothing changes (approve of an
//   approval.approved that is already true, revoke of one already false
//   without approvedBy/approvedAt). Throws okstra::error (refused) when the
//   text is not a JSON object or its 'approval' is not an object.
// - approval_lock_file(plan): the lock file, in the plan's folder, that the
//   caller holds (okstra/locks) around apply_approval, so that two approvals
//   of plans sharing a data.json never interleave.
// - require_writable_folder(plan): throws an input error (exit 3) naming the
//   plan when its folder does not let a new file be renamed into it.
// - apply_approval(request): reads the plan and its data.json and either
//   refuses — every reason in `refusals`, nothing written — or writes what
//   changes, each file atomically (core/fs.hpp), symbolic links followed:
//   approve writes data.json first and the plan last, revoke the plan first,
//   so the gate is never open while one of them is still unwritten. Approve
//   refuses a plan whose gate is unreadable or blocked, a front matter or a
//   data.json it cannot set; revoke only what it cannot set. A file that is
//   not writable is an input error before anything is written; a failure of
//   the second write is an input error whose hint says that running the same
//   command again finishes it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/clarification/clarification.hpp"
#include "okstra/core/api.hpp"

namespace okstra::clarification {

struct approval_request {
  std::filesystem::path plan;
  bool approve = true;  // false: revoke
  std::string by;       // approval.approvedBy (approve only)
  std::string at;       // approval.approvedAt, UTC ISO-8601 (approve only)
};

struct approval_outcome {
  std::vector<std::string> refusals;  // non-empty: refused, nothing written
  bool gate_unreadable = false;       // among the refusals (say unreadable_gate_hint)
  bool plan_changed = false;
  bool data_json_changed = false;
};

std::optional<std::string> set_data_json_approval(std::string_view text, bool approve, std::string_view by,
                                                  std::string_view at);
std::filesystem::path approval_lock_file(const std::filesystem::path& plan);
void require_writable_folder(const std::filesystem::path& plan);
approval_outcome apply_approval(const approval_request& request);

}  // namespace okstra::clarification

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/clarification/detail/approval.hpp"
#endif
