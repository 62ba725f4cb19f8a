// Test-only reader of a mandatory JSON input for tests/cli/json_input.sh:
// expects {"name": string, "count": integer, ...} and prints both back.
// Exercises the one JSON door (okstra/core/json.hpp) from a real process.
#include "okstra/core/cli.hpp"
#include "okstra/core/json.hpp"

int main(int argc, char** argv) {
  return okstra::cli::run_main("okstra-test-json", [&] {
    namespace cli = okstra::cli;
    cli::program p;
    p.name = "okstra-test-json";
    p.self.summary = "read a JSON input (test driver)";
    p.self.positionals = {{"file", 1, 1}};
    p.exits = {{0, "done"}, {2, "usage error"}, {3, "unreadable or malformed input"}};
    const auto cmd = cli::parse(p, argc, argv);
    if (!cmd) return 0;
    const auto& files = cmd->positionals();
    const auto doc = okstra::json::read_file(files.front());
    okstra::json::require_object(doc, files.front());
    okstra::json::writer out(cmd->out().pretty());
    out.begin_object()
        .field("name", okstra::json::require_string(doc, "name", files.front()))
        .field("count", okstra::json::require_int(doc, "count", files.front()))
        .end_object();
    cli::emit(*cmd, out.str());
    return 0;
  });
}
