// libFuzzer target: the approval rewrite of a plan's front matter
// (approve_front_matter, revoke_front_matter; docs/plan-validate.md,
// "Approving a plan"). For every input:
// - the only exception either may throw is okstra::error with
//   exit_code::refused and a one-line reason;
// - the round trip: whenever approve changes the text, revoke of the result
//   gives back the original bytes;
// - what approve returns reads as approved and approving it again changes
//   nothing; what revoke returns reads as not approved, and revoking it again
//   changes nothing;
// - approve changes nothing after the front matter: the text after the
//   inserted or edited line is the original's tail, byte for byte.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "okstra/clarification/clarification.hpp"
#include "okstra/core/error.hpp"

namespace {

namespace cl = okstra::clarification;

[[noreturn]] void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "fuzz_approve: %s; input (%zu bytes): %.*s\n", what, text.size(), static_cast<int>(text.size()),
               text.data());
  std::abort();
}

// The edit, or nullopt when refused as documented; anything else aborts.
std::optional<cl::front_matter_edit> edit(std::string_view text, bool approve) {
  try {
    return approve ? cl::approve_front_matter(text) : cl::revoke_front_matter(text);
  } catch (const okstra::error& e) {
    if (e.code() != okstra::exit_code::refused) fail("an error that is not a refusal", text);
    for (const char c : std::string_view(e.what()))
      if (c == '\n' || c == '\r') fail("a reason over more than one line", text);
    if (std::string_view(e.what()).empty()) fail("an empty reason", text);
    return std::nullopt;
  }
}

bool reads_approved(std::string_view text) { return cl::judge_plan("plan.md", text, {}).approved; }

// The longest common suffix of a and b covers all of `original` after its first `head` bytes.
bool keeps_tail(std::string_view original, std::string_view edited, std::size_t head) {
  if (head > original.size()) return false;
  const std::string_view tail = original.substr(head);
  return edited.size() >= tail.size() && edited.substr(edited.size() - tail.size()) == tail;
}

void check_approve(std::string_view text) {
  const auto once = edit(text, true);
  if (!once) return;
  if (!once->changed && once->text != text) fail("approve changed the text but says it did not", text);
  if (!reads_approved(once->text)) fail("approve's result does not read as approved", text);
  const auto twice = edit(once->text, true);
  if (!twice || twice->changed) fail("a second approve changes or refuses", text);
  if (!once->changed) return;
  // The body: everything after the front matter of the original is a tail of the result.
  const cl::front_matter fm = cl::read_front_matter(text);
  std::size_t head = 0;
  if (fm.present && fm.closed) {
    for (std::size_t line = 1; head < text.size() && line < fm.body_line - 1; ++head)
      if (text[head] == '\n') ++line;
    // `head` is now the start of the closing '---' line: it and the body must follow unchanged.
  } else if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    head = 3;
  }
  if (!keeps_tail(text, once->text, head)) fail("approve changed the body", text);
  const auto back = edit(once->text, false);
  if (!back || !back->changed) fail("revoke refused or ignored what approve wrote", text);
  if (back->text != text) fail("approve then revoke does not give back the original bytes", text);
}

void check_revoke(std::string_view text) {
  const auto once = edit(text, false);
  if (!once) return;
  if (!once->changed && once->text != text) fail("revoke changed the text but says it did not", text);
  if (reads_approved(once->text)) fail("revoke's result still reads as approved", text);
  const auto twice = edit(once->text, false);
  if (!twice || twice->changed) fail("a second revoke changes or refuses", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (std::size_t{1} << 16)) return 0;  // a plan is a few KiB; md4c's time grows with size
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_approve(text);
  check_revoke(text);
  return 0;
}
