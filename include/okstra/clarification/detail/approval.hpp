// Definitions for okstra/clarification/approval.hpp (include that header
// instead): the approval step's data.json edit and its writes
// (docs/plan-validate.md, "Approving a plan").
#pragma once

#include "okstra/core/api.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/clarification/detail/front_matter_edit.hpp"
#include "okstra/clarification/detail/plan.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"

namespace okstra::clarification {

namespace detail {

inline json::value* member(json::value& object, std::string_view key) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it)
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) return &it->value;
  return nullptr;
}

// Sets object[key] in place, or appends it: the other members keep their order.
inline void set_member(json::value& object, std::string_view key, json::value v, json::document::AllocatorType& a) {
  if (json::value* slot = member(object, key)) {
    *slot = std::move(v);
    return;
  }
  json::value name(key.data(), static_cast<rapidjson::SizeType>(key.size()), a);
  object.AddMember(name, v, a);
}

// EraseMember, not RemoveMember: RemoveMember moves the last member into the gap.
inline void erase_member(json::value& object, std::string_view key) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it)
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) {
      object.EraseMember(it);
      return;
    }
}

struct pending_write {
  std::filesystem::path path;  // the real file (symbolic links resolved)
  std::string text;
};

// The file's permission bits, kept by the rewrite.
inline mode_t mode_of(const std::filesystem::path& file) {
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) throw io_error("examine", file.string());
  return st.st_mode & 07777;
}

// Approve and revoke replace a file by renaming a new one over it: the file's
// own write permission is honoured (a read-only file is not replaced), and
// its folder must let a new file in.
inline void require_writable(const std::filesystem::path& file) {
  if (::access(file.c_str(), W_OK) != 0) throw io_error("write", file.string());
  const std::filesystem::path dir = file.parent_path();
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    const int err = errno;
    throw input_error(quoted("cannot write in folder", dir.string()) + ": " + errno_text(err),
                      "approval replaces '" + printable(file.filename().string()) +
                          "' by renaming a new file into its folder; the folder must be writable");
  }
}

inline void write_now(const pending_write& w) {
  const mode_t mode = mode_of(w.path);
  fs::remove_stale_temps(w.path);
  fs::write_file_atomic(w.path, w.text, mode);
}

// The gate's refusals of an approval: unreadable, or every blocker.
inline void gate_refusals(std::string_view text, approval_outcome& out) {
  const gate_scan gate = scan_report(text).gate;
  if (!gate.readable()) {
    out.gate_unreadable = true;
    out.refusals.push_back("the approval gate cannot be read: " + gate.unreadable_reason);
  }
  for (const auto& b : gate.blockers) out.refusals.push_back(blocker_reason(b));
}

// data.json's edit, or a refusal; nullopt also when it is absent or unchanged.
inline std::optional<std::string> data_json_edit(const approval_request& r, approval_outcome& out,
                                                 std::filesystem::path& path) {
  data_json_check check{data_json_path(r.plan).string(), false, std::nullopt, {}};
  const std::optional<std::string> text = load_data_json(check);
  path = check.path;
  if (check.present && !text) out.refusals.push_back(check.unreadable_reason);
  if (!text) return std::nullopt;
  try {
    return set_data_json_approval(*text, r.approve, r.by, r.at);
  } catch (const okstra::error& e) {
    out.refusals.push_back(e.what());
    return std::nullopt;
  }
}

}  // namespace detail

OKSTRA_INLINE std::optional<std::string> set_data_json_approval(std::string_view text, bool approve,
                                                                std::string_view by, std::string_view at) {
  json::document doc;
  try {
    doc = json::parse(text, "data.json");
  } catch (const okstra::error& e) {
    std::string_view why = e.what();
    const std::string prefix = quoted("malformed JSON", "data.json") + ": ";
    if (why.substr(0, prefix.size()) == prefix) why.remove_prefix(prefix.size());
    throw refused("data.json is not valid JSON (" + std::string(why) + ")");
  }
  if (!doc.IsObject()) throw refused("data.json is not a JSON object");
  auto& a = doc.GetAllocator();
  json::value* approval = detail::member(doc, "approval");
  if (approval && !approval->IsObject()) throw refused("data.json has an 'approval' that is not an object");
  // (No std::optional<bool> here: GCC 12 warns that it may be uninitialised.)
  const json::value* now = approval ? json::find(*approval, "approved") : nullptr;
  const bool is_bool = now && now->IsBool();
  if (approve && is_bool && now->GetBool()) return std::nullopt;
  if (!approve && is_bool && !now->GetBool() && !json::find(*approval, "approvedBy") &&
      !json::find(*approval, "approvedAt"))
    return std::nullopt;
  if (!approval) {
    detail::set_member(doc, "approval", json::value(rapidjson::kObjectType), a);
    approval = detail::member(doc, "approval");
  }
  detail::set_member(*approval, "approved", json::value(approve), a);
  if (approve) {
    const auto text_value = [&](std::string_view v) {
      return json::value(v.data(), static_cast<rapidjson::SizeType>(v.size()), a);
    };
    detail::set_member(*approval, "approvedBy", text_value(by), a);
    detail::set_member(*approval, "approvedAt", text_value(at), a);
  } else {
    detail::erase_member(*approval, "approvedBy");
    detail::erase_member(*approval, "approvedAt");
  }
  json::writer w(true);
  w.value(static_cast<const json::value&>(doc));
  return std::move(w).str() + "\n";
}

OKSTRA_INLINE std::filesystem::path approval_lock_file(const std::filesystem::path& plan) {
  return std::filesystem::canonical(plan).parent_path() / ".okstra-approval.lock";
}

OKSTRA_INLINE void require_writable_folder(const std::filesystem::path& plan) {
  const std::filesystem::path dir = std::filesystem::canonical(plan).parent_path();
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    const int err = errno;
    throw input_error(quoted("cannot write in folder", dir.string()) + ": " + detail::errno_text(err),
                      "approval writes new files into the plan's folder and renames them into place");
  }
}

OKSTRA_INLINE approval_outcome apply_approval(const approval_request& r) {
  approval_outcome out;
  const std::string text = fs::read_file(r.plan, max_report_bytes);
  if (r.approve) detail::gate_refusals(text, out);
  front_matter_edit plan_edit;
  try {
    plan_edit = r.approve ? approve_front_matter(text) : revoke_front_matter(text);
  } catch (const okstra::error& e) {
    out.refusals.push_back(e.what());
  }
  std::filesystem::path data_path;
  const std::optional<std::string> data_edit = detail::data_json_edit(r, out, data_path);
  if (!out.refusals.empty()) return out;
  // Approve: data.json first, the plan last; revoke: the plan first. Either
  // way a half-done step leaves the two disagreeing, which the gate refuses.
  std::vector<detail::pending_write> writes;
  if (plan_edit.changed) writes.push_back({std::filesystem::canonical(r.plan), std::move(plan_edit.text)});
  if (data_edit)
    writes.insert(r.approve ? writes.begin() : writes.end(),
                  detail::pending_write{std::filesystem::canonical(data_path), *data_edit});
  for (const auto& w : writes) detail::require_writable(w.path);
  for (std::size_t i = 0; i < writes.size(); ++i) {
    try {
      detail::write_now(writes[i]);
    } catch (const okstra::error& e) {
      if (i == 0) throw;
      throw okstra::error(e.code(), e.what(),
                          std::string(r.approve ? "data.json already records the approval, the plan does not (the gate "
                                                  "stays closed); run the same approve again to finish"
                                                : "the plan is no longer approved, data.json still says it is (the "
                                                  "gate stays closed); run the same revoke again to finish"));
    }
  }
  out.plan_changed = plan_edit.changed;
  out.data_json_changed = data_edit.has_value();
  return out;
}

}  // namespace okstra::clarification
