// Test-only writer for the atomic-write kill tests: rewrites FILE N times with
// self-describing versions ("v<i> <size>\n" + filler + "end v<i>\n"). With
// --clean it first removes the stale temporaries of FILE, as the writers of
// shared files do under their lock, and prints how many it removed.
#include <cstdio>
#include <string>

#include "okstra/core/cli.hpp"
#include "okstra/core/fs.hpp"

int main(int argc, char** argv) {
  return okstra::cli::run_main("okstra-test-atomic", [&] {
    namespace cli = okstra::cli;
    cli::program p;
    p.name = "okstra-test-atomic";
    p.self.summary = "rewrite a file atomically (test driver)";
    p.self.options = {cli::path("file", "FILE", "file to rewrite"),
                      cli::count("times", "N", "versions to write").defaults("200"),
                      cli::count("size", "N", "filler bytes per version").defaults("65536"),
                      cli::flag("clean", "remove FILE's stale temporaries first, print how many")};
    p.exits = {{0, "done"}, {2, "usage error"}, {3, "I/O error"}};
    const auto cmd = cli::parse(p, argc, argv);
    if (!cmd) return 0;
    const auto file = cmd->require("file");
    const int size = static_cast<int>(*cmd->count("size"));
    if (cmd->has("clean")) std::printf("removed %zu\n", okstra::fs::remove_stale_temps(file));
    std::fflush(stdout);
    for (int i = 1, n = static_cast<int>(*cmd->count("times")); i <= n; ++i) {
      std::string body = "v" + std::to_string(i) + " " + std::to_string(size) + "\n";
      body.append(static_cast<std::size_t>(size), static_cast<char>('a' + i % 26));
      body += "\nend v" + std::to_string(i) + "\n";
      okstra::fs::write_file_atomic(file, body);
    }
    return 0;
  });
}
