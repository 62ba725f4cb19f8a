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
    okstra::cli::command_line cmd({"okstra-test-atomic", "rewrite a file atomically (test driver)", "[options]"});
    cmd.options()("file", okstra::cli::po::value<std::string>()->required(), "file to rewrite")(
        "times", okstra::cli::po::value<int>()->default_value(200), "versions to write")(
        "size", okstra::cli::po::value<int>()->default_value(65536), "filler bytes per version")(
        "clean", "remove FILE's stale temporaries first, print how many");
    if (!cmd.parse(argc, argv)) return 0;
    const auto file = cmd.require<std::string>("file");
    const int size = cmd.get<int>("size").value_or(65536);
    if (cmd.has("clean")) std::printf("removed %zu\n", okstra::fs::remove_stale_temps(file));
    std::fflush(stdout);
    for (int i = 1, n = cmd.get<int>("times").value_or(200); i <= n; ++i) {
      std::string body = "v" + std::to_string(i) + " " + std::to_string(size) + "\n";
      body.append(static_cast<std::size_t>(size), static_cast<char>('a' + i % 26));
      body += "\nend v" + std::to_string(i) + "\n";
      okstra::fs::write_file_atomic(file, body);
    }
    return 0;
  });
}
