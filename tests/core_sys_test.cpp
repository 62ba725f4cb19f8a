// Tests of okstra/core: fs.hpp, process.hpp and cli.hpp.
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "okstra/core/cli.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/process.hpp"

namespace utf = boost::unit_test;
namespace stdfs = std::filesystem;
using namespace std::string_literals;

namespace {

using okstra::test::temp_dir;

template <class Fn>
okstra::error error_of(Fn&& fn) {
  try {
    fn();
  } catch (const okstra::error& e) {
    return e;
  }
  BOOST_ERROR("no okstra::error was thrown");
  return okstra::error(okstra::exit_code::ok, "<none>");
}

int code_of(const okstra::error& e) { return static_cast<int>(e.code()); }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<std::string> entries(const stdfs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const stdfs::path& p) { return okstra::fs::read_file(p); }

// Runs `fn` with the output of `fd` (1 or 2) captured into the returned string.
template <class Fn>
std::string capture_fd(int fd, Fn&& fn) {
  std::fflush(nullptr);
  std::cout.flush();
  char tmpl[] = "/tmp/okstra-core-capture-XXXXXX";
  const int file = ::mkstemp(tmpl);
  BOOST_TEST_REQUIRE(file >= 0);
  ::unlink(tmpl);
  struct restore {
    int fd, saved;
    ~restore() {
      std::fflush(nullptr);
      std::cout.flush();
      ::dup2(saved, fd);
      ::close(saved);
    }
  };
  {
    const restore guard{fd, ::dup(fd)};
    ::dup2(file, fd);
    fn();
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  ::lseek(file, 0, SEEK_SET);
  while ((n = ::read(file, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(file);
  return out;
}

// std::cout captured through its stream buffer.
template <class Fn>
std::string capture_cout(Fn&& fn) {
  std::ostringstream sink;
  struct restore {
    std::streambuf* old;
    ~restore() { std::cout.rdbuf(old); }
  } guard{std::cout.rdbuf(sink.rdbuf())};
  fn();
  return sink.str();
}

// Runs `fn` as an unprivileged user (root ignores permission bits): in a
// child process that drops to nobody when we are root. True when fn() did.
template <class Fn>
bool unprivileged(Fn&& fn) {
  if (::geteuid() != 0) return fn();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    ::_exit(fn() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

// ---- fs ---------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(fs_files)

BOOST_AUTO_TEST_CASE(read_file_errors_name_the_path) {
  temp_dir dir;
  const auto missing = dir.path / "nope.txt";
  const auto e = error_of([&] { okstra::fs::read_file(missing); });
  BOOST_TEST(code_of(e) == 3);
  BOOST_TEST(std::string(e.what()) == "cannot read '" + missing.string() + "': no such file or directory");
  const auto d = error_of([&] { okstra::fs::read_file(dir.path); });
  BOOST_TEST(std::string(d.what()) == "cannot read '" + dir.path.string() + "': is a directory");
  const auto deep = error_of([&] { okstra::fs::read_file(missing / "x"); });
  BOOST_TEST(contains(deep.what(), (missing / "x").string()));
}

BOOST_AUTO_TEST_CASE(read_file_reads_everything_and_bounds_size) {
  temp_dir dir;
  std::string big(300'000, 'x');
  big[123'456] = '\0';
  okstra::fs::write_file_atomic(dir.path / "f", big);
  BOOST_TEST(slurp(dir.path / "f") == big);
  BOOST_TEST(okstra::fs::read_file(dir.path / "f", big.size()) == big);
  BOOST_TEST(contains(error_of([&] { okstra::fs::read_file(dir.path / "f", big.size() - 1); }).what(), "file too large"));
  okstra::fs::write_file_atomic(dir.path / "empty", "");
  BOOST_TEST(slurp(dir.path / "empty").empty());
}

BOOST_AUTO_TEST_CASE(write_file_atomic_replaces_content_and_leaves_no_temp) {
  temp_dir dir;
  const auto f = dir.path / "state.json";
  okstra::fs::write_file_atomic(f, "first version, rather long\n");
  okstra::fs::write_file_atomic(f, "second\n");
  BOOST_TEST(slurp(f) == "second\n");
  BOOST_TEST(entries(dir.path) == std::vector<std::string>{"state.json"});
  for (int i = 0; i < 50; ++i) okstra::fs::write_file_atomic(f, std::to_string(i));
  BOOST_TEST(slurp(f) == "49");
  BOOST_TEST(entries(dir.path) == std::vector<std::string>{"state.json"});
}

BOOST_AUTO_TEST_CASE(write_file_atomic_honours_mode) {
  temp_dir dir;
  const mode_t old_mask = ::umask(077);  // the mode must not depend on the umask
  okstra::fs::write_file_atomic(dir.path / "a", "a", 0640);
  okstra::fs::write_file_atomic(dir.path / "b", "b");
  ::umask(old_mask);
  okstra::fs::write_file_atomic(dir.path / "c", "c", 0600);
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat((dir.path / "a").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0640u);
  BOOST_TEST_REQUIRE(::stat((dir.path / "b").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0644u);
  BOOST_TEST_REQUIRE(::stat((dir.path / "c").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0600u);
}

BOOST_AUTO_TEST_CASE(write_file_atomic_fails_cleanly_in_a_read_only_dir) {
  temp_dir dir;
  const auto ro = dir.path / "ro";
  okstra::fs::ensure_dir(ro);
  okstra::fs::write_file_atomic(ro / "f", "old");
  ::chmod(dir.path.c_str(), 0755);  // nobody must be able to reach ro/
  ::chmod(ro.c_str(), 0555);
  const bool refused = unprivileged([&] {
    try {
      okstra::fs::write_file_atomic(ro / "f", "new");
    } catch (const okstra::error& e) {
      return e.code() == okstra::exit_code::input &&
             std::string(e.what()) == "cannot write '" + (ro / "f").string() + "': permission denied";
    }
    return false;
  });
  BOOST_TEST(refused);
  BOOST_TEST(slurp(ro / "f") == "old");
  BOOST_TEST(entries(ro) == std::vector<std::string>{"f"});
}

BOOST_AUTO_TEST_CASE(write_file_atomic_failed_rename_removes_the_temp) {
  temp_dir dir;
  okstra::fs::ensure_dir(dir.path / "target" / "child");  // a non-empty folder cannot be replaced
  const auto e = error_of([&] { okstra::fs::write_file_atomic(dir.path / "target", "x"); });
  BOOST_TEST(code_of(e) == 3);
  BOOST_TEST(contains(e.what(), "cannot write '" + (dir.path / "target").string() + "'"));
  BOOST_TEST(entries(dir.path) == std::vector<std::string>{"target"});
  const auto m = error_of([&] { okstra::fs::write_file_atomic(dir.path / "missing" / "f", "x"); });
  BOOST_TEST(contains(m.what(), "no such file or directory"));
}

BOOST_AUTO_TEST_CASE(append_line_appends_whole_lines) {
  temp_dir dir;
  const auto f = dir.path / "log.jsonl";
  okstra::fs::append_line(f, R"({"a":1})");
  okstra::fs::append_line(f, R"({"b":2})");
  okstra::fs::append_line(f, "");
  BOOST_TEST(slurp(f) == "{\"a\":1}\n{\"b\":2}\n\n");
  const mode_t old_mask = ::umask(022);
  okstra::fs::append_line(dir.path / "private.jsonl", "x", 0600);
  ::umask(old_mask);
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat((dir.path / "private.jsonl").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
}

BOOST_AUTO_TEST_CASE(append_line_adds_a_missing_final_newline) {
  temp_dir dir;
  const auto f = dir.path / "log.jsonl";
  okstra::fs::write_file_atomic(f, "{\"edited\":true}");  // hand-edited, no final newline
  okstra::fs::append_line(f, "{\"next\":1}");
  BOOST_TEST(slurp(f) == "{\"edited\":true}\n{\"next\":1}\n");
  okstra::fs::append_line(f, "{\"third\":1}");
  BOOST_TEST(slurp(f) == "{\"edited\":true}\n{\"next\":1}\n{\"third\":1}\n");
}

BOOST_AUTO_TEST_CASE(append_line_refuses_a_line_with_a_newline) {
  temp_dir dir;
  const auto f = dir.path / "log.jsonl";
  okstra::fs::append_line(f, "one");
  const auto e = error_of([&] { okstra::fs::append_line(f, "two\nthree"); });
  BOOST_TEST(code_of(e) == 3);
  BOOST_TEST(contains(e.what(), f.string()));
  BOOST_TEST(slurp(f) == "one\n");
  BOOST_TEST(contains(error_of([&] { okstra::fs::append_line(dir.path / "no" / "f", "x"); }).what(),
                      "cannot append to '"));
}

BOOST_AUTO_TEST_CASE(ensure_dir_creates_nested_folders) {
  temp_dir dir;
  const auto nested = dir.path / "a" / "b" / "c";
  okstra::fs::ensure_dir(nested, 0700);
  BOOST_TEST(stdfs::is_directory(nested));
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(nested.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
  okstra::fs::ensure_dir(nested);  // existing: no error
  okstra::fs::ensure_dir(dir.path / "x" / "y" / "");
  BOOST_TEST(stdfs::is_directory(dir.path / "x" / "y"));
  okstra::fs::write_file_atomic(dir.path / "file", "x");
  const auto e = error_of([&] { okstra::fs::ensure_dir(dir.path / "file"); });
  BOOST_TEST(std::string(e.what()) == "not a folder '" + (dir.path / "file").string() + "'");
  BOOST_TEST(contains(error_of([&] { okstra::fs::ensure_dir(dir.path / "file" / "sub"); }).what(),
                      (dir.path / "file").string()));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- process ----------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(process_run)

using okstra::process::run;

okstra::process::options in_dir(std::string cwd) {
  okstra::process::options o;
  o.cwd = std::move(cwd);
  return o;
}

okstra::process::options fed(std::string text) {
  okstra::process::options o;
  o.stdin_text = std::move(text);
  return o;
}

BOOST_AUTO_TEST_CASE(runs_git_version) {
  const auto r = run({"git", "--version"});
  BOOST_TEST(r.ok());
  BOOST_TEST(r.exit_status == 0);
  BOOST_TEST(r.out.rfind("git version ", 0) == 0u);
  BOOST_TEST(r.err.empty());
}

BOOST_AUTO_TEST_CASE(captures_stdout_and_stderr_separately_with_status) {
  const auto r = run({"sh", "-c", "echo out; echo err >&2; printf more; exit 7"});
  BOOST_TEST(r.out == "out\nmore");
  BOOST_TEST(r.err == "err\n");
  BOOST_TEST(r.exit_status == 7);
  BOOST_TEST(!r.signaled);
  BOOST_TEST(!r.ok());
  const auto args = run({"printf", "[%s]", "a b", "", "$HOME", "*"});
  BOOST_TEST(args.out == "[a b][][$HOME][*]");  // no shell in between
}

BOOST_AUTO_TEST_CASE(missing_program_is_an_input_error) {
  const auto e = error_of([] { run({"okstra-no-such-program-x"}); });
  BOOST_TEST(code_of(e) == 3);
  BOOST_TEST(std::string(e.what()) == "cannot run 'okstra-no-such-program-x': no such file or directory");
  BOOST_TEST(code_of(error_of([] { run({"/nonexistent/bin/tool"}); })) == 3);
  BOOST_TEST(code_of(error_of([] { run({}); })) == 3);
}

BOOST_AUTO_TEST_CASE(cwd_option) {
  temp_dir dir;
  const auto r = run({"pwd", "-P"}, in_dir(dir.path.string()));
  BOOST_TEST(r.out == stdfs::canonical(dir.path).string() + "\n");
  const auto e = error_of([&] { run({"pwd"}, in_dir((dir.path / "missing").string())); });
  BOOST_TEST(std::string(e.what()) == "cannot enter folder '" + (dir.path / "missing").string() +
                                          "': no such file or directory");
  okstra::fs::write_file_atomic(dir.path / "f", "");
  BOOST_TEST(contains(error_of([&] { run({"pwd"}, in_dir((dir.path / "f").string())); }).what(), "not a directory"));
}

BOOST_AUTO_TEST_CASE(env_and_unset_env) {
  ::setenv("OKSTRA_TEST_OLD", "old", 1);
  ::setenv("OKSTRA_TEST_GONE", "here", 1);
  okstra::process::options opts;
  opts.env = {{"OKSTRA_TEST_NEW", "new value"}, {"OKSTRA_TEST_OLD", "replaced"}};
  opts.unset_env = {"OKSTRA_TEST_GONE"};
  const auto r = run({"sh", "-c",
                      "printf '%s|%s|%s|' \"$OKSTRA_TEST_NEW\" \"$OKSTRA_TEST_OLD\" \"${OKSTRA_TEST_GONE-unset}\";"
                      " env | grep -c '^OKSTRA_TEST_OLD='"},
                     opts);
  BOOST_TEST(r.out == "new value|replaced|unset|1\n");
  const auto inherited = run({"sh", "-c", "printf %s \"$OKSTRA_TEST_GONE\""});
  BOOST_TEST(inherited.out == "here");
  ::unsetenv("OKSTRA_TEST_OLD");
  ::unsetenv("OKSTRA_TEST_GONE");
}

BOOST_AUTO_TEST_CASE(stdin_text_is_fed_to_the_child) {
  BOOST_TEST(run({"cat"}, fed("hello\nworld\n")).out == "hello\nworld\n");
  BOOST_TEST(run({"cat"}).out.empty());  // stdin closed at once: cat does not wait
  BOOST_TEST(run({"wc", "-c"}, fed(std::string(100'000, 'x'))).out == "100000\n");
}

BOOST_AUTO_TEST_CASE(large_stdin_to_cat_does_not_deadlock, *utf::timeout(120)) {
  std::string input(10 << 20, 'i');
  input[5] = '\n';
  const auto r = run({"cat"}, fed(input));
  BOOST_TEST(r.ok());
  BOOST_TEST(r.out.size() == input.size());
  BOOST_TEST((r.out == input));
}

BOOST_AUTO_TEST_CASE(child_ignoring_its_stdin_does_not_kill_us, *utf::timeout(120)) {
  const auto r = run({"sh", "-c", "exec 0<&-; echo done"}, fed(std::string(4 << 20, 'x')));
  BOOST_TEST(r.out == "done\n");
  BOOST_TEST(r.exit_status == 0);
}

BOOST_AUTO_TEST_CASE(chatty_child_on_both_pipes_does_not_deadlock, *utf::timeout(120)) {
  const auto r = run({"sh", "-c",
                      "head -c 10485760 /dev/zero | tr '\\0' e >&2 & head -c 10485760 /dev/zero | tr '\\0' o; wait"});
  BOOST_TEST(r.exit_status == 0);
  BOOST_TEST(r.out.size() == 10485760u);
  BOOST_TEST(r.err.size() == 10485760u);
  BOOST_TEST((r.out == std::string(10485760, 'o')));
  BOOST_TEST((r.err == std::string(10485760, 'e')));
  // stderr first, then stdout: a reader that only drained stdout would hang here.
  const auto s = run({"sh", "-c", "head -c 10485760 /dev/zero >&2; echo end"});
  BOOST_TEST(s.err.size() == 10485760u);
  BOOST_TEST(s.out == "end\n");
}

BOOST_AUTO_TEST_CASE(killed_by_signal_is_128_plus_signal) {
  const auto k = run({"sh", "-c", "echo before; kill -KILL $$"});
  BOOST_TEST(k.signaled);
  BOOST_TEST(k.exit_status == 128 + SIGKILL);
  BOOST_TEST(k.out == "before\n");
  BOOST_TEST(!k.ok());
  const auto t = run({"sh", "-c", "kill -TERM $$"});
  BOOST_TEST(t.exit_status == 128 + SIGTERM);
  const auto plain = run({"sh", "-c", "exit 137"});
  BOOST_TEST(plain.exit_status == 137);
  BOOST_TEST(!plain.signaled);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- cli --------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(cli_layer)

namespace po = okstra::cli::po;

okstra::cli::command_line make_cmd() {
  okstra::cli::command_spec spec("okstra-demo", "demonstrate the option layer", "[options] FILE...",
                                 "Environment:\n  OKSTRA_HOME  state folder");
  spec.with_quiet = true;
  okstra::cli::command_line cmd(spec);
  cmd.options()("name", po::value<std::string>(), "a name")("count", po::value<int>()->default_value(1), "a count");
  cmd.positional("file", -1);
  return cmd;
}

bool parse(okstra::cli::command_line& cmd, std::vector<std::string> args) {
  bool result = false;
  capture_cout([&] { result = cmd.parse(args); });
  return result;
}

BOOST_AUTO_TEST_CASE(options_and_positionals) {
  auto cmd = make_cmd();
  BOOST_TEST(parse(cmd, {"--name", "x", "a.json", "--count=4", "b.json", "--quiet"}));
  BOOST_TEST(cmd.get<std::string>("name").value_or("") == "x");
  BOOST_TEST(cmd.require<int>("count") == 4);
  BOOST_TEST(cmd.quiet());
  BOOST_TEST(cmd.positionals("file") == (std::vector<std::string>{"a.json", "b.json"}));
  auto bare = make_cmd();
  BOOST_TEST(parse(bare, {}));
  BOOST_TEST(!bare.quiet());
  BOOST_TEST(!bare.get<std::string>("name").has_value());
  BOOST_TEST(bare.get<int>("count").value_or(0) == 1);
  BOOST_TEST(bare.positionals("file").empty());
  const char* argv[] = {"okstra-demo", "--name=y", "z"};
  auto from_argv = make_cmd();
  BOOST_TEST(from_argv.parse(3, argv));
  BOOST_TEST(from_argv.get<std::string>("name").value_or("") == "y");
  BOOST_TEST(from_argv.positionals("file") == std::vector<std::string>{"z"});
}

BOOST_AUTO_TEST_CASE(unknown_option_is_a_usage_error) {
  auto cmd = make_cmd();
  const auto e = error_of([&] { parse(cmd, {"--nope"}); });
  BOOST_TEST(code_of(e) == 2);
  BOOST_TEST(contains(e.what(), "--nope"));
  BOOST_TEST(e.hint() == "see 'okstra-demo --help'");
}

BOOST_AUTO_TEST_CASE(prefix_guessing_is_disabled) {
  auto cmd = make_cmd();
  BOOST_TEST(code_of(error_of([&] { parse(cmd, {"--qui"}); })) == 2);
  auto cmd2 = make_cmd();
  BOOST_TEST(code_of(error_of([&] { parse(cmd2, {"--nam", "x"}); })) == 2);
  auto cmd3 = make_cmd();
  BOOST_TEST(code_of(error_of([&] { parse(cmd3, {"--he"}); })) == 2);
}

BOOST_AUTO_TEST_CASE(bad_values_are_usage_errors) {
  auto cmd = make_cmd();
  BOOST_TEST(code_of(error_of([&] { parse(cmd, {"--count", "many"}); })) == 2);
  auto cmd2 = make_cmd();
  BOOST_TEST(code_of(error_of([&] { parse(cmd2, {"--name"}); })) == 2);
  auto cmd3 = make_cmd();
  BOOST_TEST(code_of(error_of([&] { parse(cmd3, {"--quiet=yes"}); })) == 2);
  okstra::cli::command_line one({"okstra-one", "one positional"});
  one.positional("file", 1);
  BOOST_TEST(code_of(error_of([&] { parse(one, {"a", "b"}); })) == 2);
}

BOOST_AUTO_TEST_CASE(help_goes_to_stdout_and_stops) {
  auto cmd = make_cmd();
  bool result = true;
  std::string err;
  const std::string out = capture_cout([&] { err = capture_fd(2, [&] { result = cmd.parse(std::vector<std::string>{"--help"}); }); });
  BOOST_TEST(!result);
  BOOST_TEST(err.empty());
  BOOST_TEST(out.rfind("okstra-demo - demonstrate the option layer\n\nUsage: okstra-demo [options] FILE...\n", 0) == 0u);
  BOOST_TEST(contains(out, "--quiet"));
  BOOST_TEST(contains(out, "--count"));
  BOOST_TEST(contains(out, "Environment:\n  OKSTRA_HOME  state folder\n\n"));
  BOOST_TEST(contains(out, okstra::cli::standard_exit_status));
  BOOST_TEST(!contains(out, "--file"));  // positionals are hidden
  auto short_h = make_cmd();
  const std::string short_out = capture_cout([&] { result = short_h.parse(std::vector<std::string>{"-h"}); });
  BOOST_TEST(!result);
  BOOST_TEST(short_out == out);
}

BOOST_AUTO_TEST_CASE(version_goes_to_stdout_and_stops) {
  okstra::cli::command_line cmd({"okstra-worktree lookup", "look up"});
  bool result = true;
  const std::string out = capture_cout([&] { result = cmd.parse(std::vector<std::string>{"--version"}); });
  BOOST_TEST(!result);
  BOOST_TEST(out == "okstra-worktree (okstra) "s + okstra::version + "\n");
}

BOOST_AUTO_TEST_CASE(required_options) {
  okstra::cli::command_line cmd({"okstra-req", "required"});
  cmd.options()("file", po::value<std::string>()->required(), "the file");
  const auto e = error_of([&] { parse(cmd, {}); });
  BOOST_TEST(code_of(e) == 2);
  BOOST_TEST(contains(e.what(), "file"));
  okstra::cli::command_line opt({"okstra-req", "required"});
  opt.options()("name", po::value<std::string>(), "the name");
  BOOST_TEST(parse(opt, {}));
  const auto r = error_of([&] { opt.require<std::string>("name"); });
  BOOST_TEST(code_of(r) == 2);
  BOOST_TEST(std::string(r.what()) == "missing required option '--name'");
  BOOST_TEST(r.hint() == "see 'okstra-req --help'");
}

struct outcome {
  int first;
  std::string second;  // what reached stderr
  bool operator==(const outcome&) const = default;
};
std::ostream& operator<<(std::ostream& out, const outcome& o) {
  return out << o.first << " '" << okstra::printable(o.second) << "'";
}

template <class Body>
outcome run_main(Body&& body) {
  int code = -1;
  const std::string err = capture_fd(2, [&] { code = okstra::cli::run_main("okstra-demo", body); });
  return {code, err};
}

BOOST_AUTO_TEST_CASE(run_main_maps_okstra_errors) {
  BOOST_TEST(run_main([] { return 0; }) == (outcome{0, ""}));
  BOOST_TEST(run_main([] { return 1; }) == (outcome{1, ""}));
  BOOST_TEST(run_main([]() -> int { throw okstra::refused("gate closed 'plan.md'", "approve it first"); }) ==
             (outcome{1, "okstra-demo: error: gate closed 'plan.md'\nhint: approve it first\n"}));
  BOOST_TEST(run_main([]() -> int { throw okstra::usage_error("bad value '--x'"); }) ==
             (outcome{2, "okstra-demo: error: bad value '--x'\n"}));
  BOOST_TEST(run_main([]() -> int { throw okstra::io_error("read", "x.json", ENOENT); }) ==
             (outcome{3, "okstra-demo: error: cannot read 'x.json': no such file or directory\n"}));
  auto cmd = make_cmd();
  const auto [code, err] = run_main([&] { return cmd.parse(std::vector<std::string>{"--bogus"}) ? 0 : 5; });
  BOOST_TEST(code == 2);
  BOOST_TEST(err.rfind("okstra-demo: error: ", 0) == 0u);
  BOOST_TEST(contains(err, "\nhint: see 'okstra-demo --help'\n"));
}

BOOST_AUTO_TEST_CASE(run_main_maps_other_exceptions_to_3) {
  BOOST_TEST(run_main([]() -> int { throw std::bad_alloc(); }) ==
             (outcome{3, "okstra-demo: error: out of memory\n"}));
  BOOST_TEST(run_main([]() -> int { throw std::runtime_error("boom"); }) ==
             (outcome{3, "okstra-demo: error: internal error: boom\nhint: please report this as a bug\n"}));
  BOOST_TEST(run_main([]() -> int { throw po::validation_error(po::validation_error::invalid_option_value); }).first ==
             2);
  const auto fs_err = run_main([]() -> int {
    throw stdfs::filesystem_error("x", "/some/path", std::make_error_code(std::errc::permission_denied));
  });
  BOOST_TEST(fs_err.first == 3);
  BOOST_TEST(fs_err.second == "okstra-demo: error: cannot access '/some/path': permission denied\n");
  const auto odd = run_main([]() -> int { throw 42; });
  BOOST_TEST(odd.first == 3);
  BOOST_TEST(odd.second.rfind("okstra-demo: error: ", 0) == 0u);  // never silent
}

BOOST_AUTO_TEST_CASE(error_output_is_one_line_per_message) {
  auto cmd = make_cmd();
  const auto [code, err] = run_main([&] { return cmd.parse(std::vector<std::string>{"--a\nb"}) ? 0 : 5; });
  BOOST_TEST(code == 2);
  BOOST_TEST(std::count(err.begin(), err.end(), '\n') == 2);  // error line + hint line
  BOOST_TEST(contains(err, "--a\\x0ab"));
}

BOOST_AUTO_TEST_CASE(emit_and_warn) {
  const std::string out = capture_fd(1, [] { okstra::cli::emit("{\"a\":1}"); });
  BOOST_TEST(out == "{\"a\":1}\n");
  const std::string err = capture_fd(2, [] { okstra::cli::warn("okstra-demo", "skipping 'x'"); });
  BOOST_TEST(err == "okstra-demo: warning: skipping 'x'\n");
}

BOOST_AUTO_TEST_SUITE_END()
