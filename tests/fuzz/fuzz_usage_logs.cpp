// libFuzzer target: the log readers of okstra-usage on arbitrary bytes —
// the Claude Code line reader and per-file parser (json_scan), and the
// Codex, Gemini and Cursor parsers. None may crash, hang or throw; a parse
// in two pieces must give the Claude parser the same entries as one parse,
// and every cache encoding must decode to the same result.
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
  tu::detail::encoder e;
  whole.encode(e);
  tu::detail::decoder d(e.buffer());
  const auto back = tu::claude::file_result::decode(d);
  if (d.failed() || back.entries.size() != whole.entries.size() || back.blob != whole.blob)
    fail("claude: cache encoding does not round-trip");
  std::vector<tu::claude::file_input> inputs = {{"a", &whole, false, ""}, {"b", &back, true, "claude-worker"}};
  tu::claude::merge(inputs);
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
