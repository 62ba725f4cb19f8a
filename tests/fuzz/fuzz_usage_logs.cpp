// libFuzzer target: the log readers of okstra-usage on arbitrary bytes —
// the Claude Code line reader and per-file parser (json_scan), and the
// Codex, Gemini and Cursor parsers. None may crash, hang or throw; a parse
// in two pieces must give the Claude parser the same entries as one parse
// (and the Codex parser the same result, official limits included), and
// every cache encoding must decode to the same result.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "okstra/token_usage/detail/claude.hpp"
#include "okstra/token_usage/detail/codex.hpp"
#include "okstra/token_usage/detail/cursor.hpp"
#include "okstra/token_usage/detail/gemini.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_usage_logs: %s\n", what);
  std::abort();
}

namespace tu = okstra::token_usage;

void claude(std::string_view text) {
  const std::size_t complete = okstra::scan::complete_prefix(text);
  tu::claude::file_result whole, pieces;
  tu::claude::file_parser(whole).parse(text.substr(0, complete), 0);
  const std::size_t cut = okstra::scan::complete_prefix(text.substr(0, complete / 2));
  tu::claude::file_parser(pieces).parse(text.substr(0, cut), 0);
  tu::claude::file_parser(pieces).parse(text.substr(cut, complete - cut), cut);
  if (whole.entries.size() != pieces.entries.size() || whole.skipped_lines != pieces.skipped_lines)
    fail("claude: parsing in two pieces differs from one parse");
  const std::string stored = tu::claude::encode_part(whole);
  const auto back = tu::claude::decode_part(stored);
  if (!back || back->view.entries.size() != whole.entries.size() || back->view.blob != whole.blob ||
      back->consumed != whole.consumed || back->skipped_lines != whole.skipped_lines)
    fail("claude: cache encoding does not round-trip");
  for (std::size_t cut = 0; cut < stored.size(); cut += 13)
    if (tu::claude::decode_part(std::string(stored, 0, cut))) fail("claude: a cut cache part decodes");
  std::vector<tu::claude::file_input> inputs = {{"a", &whole, false, ""}, {"b", back->view, true, "claude-worker"}};
  tu::claude::merge(inputs);
}

// Codex: resuming at a line boundary gives a whole parse's result (its
// rate_limits observation included, docs/usage-limits.md), and the result
// survives its cache encoding; Claude Code's statusline input never throws.
void codex(std::string_view text, const tu::codex::file_result& whole) {
  const std::size_t cut = text.find('\n', text.size() / 2);
  if (cut != std::string_view::npos) {
    tu::codex::file_result r = tu::codex::parse(text.substr(0, cut + 1));
    tu::codex::parse_more(r, text.substr(r.consumed));
    if (!(r == whole)) fail("codex: a parse in two pieces differs from one parse");
  }
  tu::detail::encoder e;
  whole.encode(e);
  tu::detail::decoder d(e.buffer());
  if (!(tu::codex::file_result::decode(d) == whole) || d.failed()) fail("codex: cache encoding does not round-trip");
  try {
    (void)tu::statusline_limits(okstra::json::parse(text, "fuzz"), 0);
  } catch (const okstra::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  claude(text);
  okstra::transcript::usage_line u;
  std::string arena;
  okstra::transcript::read_usage_line(text, u, arena);

  const auto codex = tu::codex::parse(text);
  tu::codex::merge({{"x", &codex}});
  ::codex(text, codex);
  tu::gemini::merge({{"y.json", nullptr}});
  const auto doc = tu::gemini::parse_document(text);
  const auto lines = tu::gemini::parse_jsonl(text);
  tu::gemini::merge({{"y.json", &doc}, {"z.jsonl", &lines}});
  const auto cursor = tu::cursor::parse(text);
  tu::cursor::merge({{"c", &cursor}});
  try {
    tu::cursor_hook_line(text, 0);
  } catch (const okstra::error&) {
  }
  return 0;
}
