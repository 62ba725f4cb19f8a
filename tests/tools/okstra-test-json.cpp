// Test-only reader of a mandatory JSON input for tests/cli/json_input.sh:
// expects {"name": string, "count": integer, ...} and prints both back.
// Exercises the one JSON door (okstra/core/json.hpp) from a real process.
#include "okstra/core/cli.hpp"
#include "okstra/core/json.hpp"

int main(int argc, char** argv) {
  return okstra::cli::run_main("okstra-test-json", [&] {
    okstra::cli::command_spec spec("okstra-test-json", "read a JSON input (test driver)", "FILE");
    spec.with_quiet = true;
    okstra::cli::command_line cmd(spec);
    cmd.positional("file", 1);
    if (!cmd.parse(argc, argv)) return 0;
    const auto files = cmd.positionals("file");
    if (files.empty()) throw okstra::usage_error("missing FILE");
    const auto doc = okstra::json::read_file(files.front());
    okstra::json::require_object(doc, files.front());
    okstra::json::writer out(!cmd.quiet());
    out.begin_object()
        .field("name", okstra::json::require_string(doc, "name", files.front()))
        .field("count", okstra::json::require_int(doc, "count", files.front()))
        .end_object();
    okstra::cli::emit(out.str());
    return 0;
  });
}
