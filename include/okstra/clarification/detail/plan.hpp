// Approval, data.json and the verdict of okstra/clarification/clarification.hpp
// (include that header instead).
#pragma once

#include "okstra/core/api.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/clarification/detail/gate_tables.hpp"
#include "okstra/clarification/detail/text.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"

namespace okstra::clarification {

namespace detail {

inline constexpr std::size_t max_data_json_bytes = std::size_t{16} << 20;

struct approval_reading {
  bool approved = false;
  std::string reason;  // why not, when not
};

// The front matter's "approved" decides when it is there; the legacy task
// item "- [x] Approved" (as it renders: `legacy_approval`) counts only in a
// report whose front matter does not say.
inline approval_reading read_approval(std::string_view text, bool legacy_approval) {
  const front_matter fm = read_front_matter(text);
  if (fm.present && !fm.closed) return {false, "the front matter opened on line 1 is never closed by a '---' line"};
  const std::vector<front_matter_entry> entries = fm.find("approved");
  if (entries.size() > 1)
    return {false, "the front matter sets 'approved' more than once, on lines " + std::to_string(entries[0].line) +
                       " and " + std::to_string(entries[1].line)};
  if (entries.size() == 1) {
    const front_matter_entry& e = entries.front();
    if (!e.quoted && iequals(e.value, "true")) return {true, {}};
    if (!e.quoted && iequals(e.value, "false"))
      return {false, "the plan is not approved: its front matter says 'approved: false' on " + line_ref(e.line)};
    const std::string shown = e.quoted ? "\"" + e.value + "\"" : e.value;
    return {false, "the front matter value of 'approved' on " + line_ref(e.line) + ", " + excerpt(shown) +
                       ", is not true or false; write 'approved: true' to approve the plan"};
  }
  if (legacy_approval) return {true, {}};
  return {false,
          "the plan is not approved: its front matter has no 'approved: true' and its body no '- [x] Approved' line"};
}

inline std::string errno_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

inline std::string blocker_reason(const blocker& b) {
  return "clarification item " + b.id + " blocks approval with status '" + b.status +
         "'; resolve it or mark it obsolete";
}

inline void write_gate(json::writer& w, const gate_scan& gate) {
  w.key("gate").begin_object().field("present", gate.present).key("blockers").begin_array();
  for (const auto& b : gate.blockers) {
    w.begin_object().field("id", b.id).field("status", b.status).key("blocks").begin_array();
    for (const auto& token : b.blocks) w.value(token);
    w.end_array().field("question", b.question).end_object();
  }
  w.end_array().key("unreadableReason");
  gate.readable() ? w.null() : w.value(gate.unreadable_reason);
  w.end_object();
}

inline void write_data_json(json::writer& w, const data_json_check& data, bool report_approved) {
  w.key("dataJson").begin_object().field("path", data.path).field("present", data.present).key("approved");
  data.approved ? w.value(*data.approved) : w.null();
  w.key("agrees");
  data.approved ? w.value(*data.approved == report_approved) : w.null();
  w.key("unreadableReason");
  data.unreadable_reason.empty() ? w.null() : w.value(data.unreadable_reason);
  w.end_object();
}

// The text of the data.json at check.path; nullopt when it is absent
// (check.present false) or cannot be read (check.unreadable_reason says why).
inline std::optional<std::string> load_data_json(data_json_check& check) {
  struct stat st{};
  if (::lstat(check.path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    check.present = true;
    check.unreadable_reason = "data.json cannot be examined (" + errno_text(errno) + ")";
    return std::nullopt;
  }
  check.present = true;
  // O_NONBLOCK: a FIFO named data.json must not hang the gate.
  fs::unique_fd fd(::open(check.path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) {
    check.unreadable_reason = "data.json cannot be read (" + errno_text(errno) + ")";
    return std::nullopt;
  }
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    check.unreadable_reason = "data.json is not a regular file";
    return std::nullopt;
  }
  try {
    return fs::read_fd(fd.get(), check.path, max_data_json_bytes);
  } catch (const okstra::error& e) {
    check.unreadable_reason = "data.json cannot be read (" + std::string(e.what()) + ")";
    return std::nullopt;
  }
}

}  // namespace detail

OKSTRA_INLINE std::filesystem::path data_json_path(const std::filesystem::path& plan) {
  return plan.parent_path() / "data.json";
}

OKSTRA_INLINE data_json_check inspect_data_json(std::string path, std::string_view text) {
  data_json_check check{std::move(path), true, std::nullopt, {}};
  json::document doc;
  try {
    doc = json::parse(text, check.path);
  } catch (const okstra::error& e) {
    std::string_view why = e.what();
    const std::string prefix = quoted("malformed JSON", check.path) + ": ";
    if (why.substr(0, prefix.size()) == prefix) why.remove_prefix(prefix.size());
    check.unreadable_reason = "data.json is not valid JSON (" + std::string(why) + ")";
    return check;
  }
  const json::value* approval = json::find(doc, "approval");
  const json::value* approved = approval ? json::find(*approval, "approved") : nullptr;
  if (!doc.IsObject())
    check.unreadable_reason = "data.json is not a JSON object";
  else if (!approval || !approval->IsObject())
    check.unreadable_reason = "data.json has no 'approval' object";
  else if (!approved || !approved->IsBool())
    check.unreadable_reason = "data.json has no boolean 'approval.approved'";
  else
    check.approved = approved->GetBool();
  return check;
}

// Absent is fine. Anything else that is not a readable regular file is a
// reason, never an exception: the plan is then refused, not soft-passed.
OKSTRA_INLINE data_json_check read_data_json(const std::filesystem::path& plan) {
  data_json_check check{data_json_path(plan).string(), false, std::nullopt, {}};
  std::optional<std::string> text = detail::load_data_json(check);
  if (!text) return check;
  return inspect_data_json(std::move(check.path), *text);
}

OKSTRA_INLINE plan_result judge_plan(std::string path, std::string_view text, data_json_check data_json) {
  plan_result result;
  result.path = std::move(path);
  detail::report_scan scan = detail::scan_report(text);
  const detail::approval_reading approval = detail::read_approval(text, scan.legacy_approval);
  result.approved = approval.approved;
  if (!approval.approved) result.reasons.push_back(approval.reason);
  result.gate = std::move(scan.gate);
  if (!result.gate.readable())
    result.reasons.push_back("the approval gate cannot be read: " + result.gate.unreadable_reason);
  for (const auto& b : result.gate.blockers) result.reasons.push_back(detail::blocker_reason(b));
  result.data_json = std::move(data_json);
  const data_json_check& data = result.data_json;
  if (data.present && !data.unreadable_reason.empty()) result.reasons.push_back(data.unreadable_reason);
  if (data.approved && *data.approved != result.approved)
    result.reasons.push_back(*data.approved ? "data.json says approval.approved is true but the report is not approved"
                                            : "data.json says approval.approved is false but the report is approved");
  result.valid = result.reasons.empty();
  return result;
}

OKSTRA_INLINE plan_result validate_plan(const std::filesystem::path& plan) {
  const std::string text = fs::read_file(plan, max_report_bytes);
  return judge_plan(plan.string(), text, read_data_json(plan));
}

OKSTRA_INLINE std::string to_json(const plan_result& result, bool pretty) {
  json::writer w(pretty);
  w.begin_object().field("path", result.path).field("approved", result.approved);
  detail::write_gate(w, result.gate);
  detail::write_data_json(w, result.data_json, result.approved);
  w.field("valid", result.valid).key("reasons").begin_array();
  for (const auto& reason : result.reasons) w.value(reason);
  w.end_array().end_object();
  return std::move(w).str();
}

}  // namespace okstra::clarification
