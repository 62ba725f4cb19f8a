// libFuzzer target: json::parse, then json::writer, then parse the writer's
// output again. Anything the parser accepts must be written back as valid
// UTF-8 JSON that parses to an equal value; the second round is a fixed point.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "okstra/core/json.hpp"
#include "okstra/core/utf8.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_json: %s: %s\n", what, detail.c_str());
  std::abort();
}

std::string write(const okstra::json::value& v, bool pretty) {
  okstra::json::writer w(pretty);
  w.value(v);
  return std::move(w).str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  okstra::json::document doc;
  try {
    doc = okstra::json::parse(text, "fuzz input");
  } catch (const okstra::error& e) {
    if (e.code() != okstra::exit_code::input) fail("parse error of the wrong class", e.what());
    return 0;  // rejected cleanly
  }
  const std::string compact = write(doc, false), pretty = write(doc, true);
  if (!okstra::utf8::is_valid(compact)) fail("writer output is not UTF-8", compact);
  if (compact.find('\n') != std::string::npos) fail("compact output has a newline", compact);
  try {
    const okstra::json::document again = okstra::json::parse(compact, "compact");
    const okstra::json::document from_pretty = okstra::json::parse(pretty, "pretty");
    // Values compare equal (duplicate keys make even doc == doc false: skip those).
    if (doc == doc && !(doc == again)) fail("value changed by a round trip", compact);
    const std::string second = write(again, false);
    if (write(from_pretty, false) != second) fail("pretty and compact output differ", pretty);
    if (write(okstra::json::parse(second, "second"), false) != second) fail("not a fixed point", second);
  } catch (const okstra::error& e) {
    fail("writer output does not parse", std::string(e.what()) + " in " + compact);
  }
  return 0;
}
