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
#include "okstra/core/json.hpp"
#include "okstra/version.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/process.hpp"

namespace utf = boost::unit_test;
namespace stdfs = std::filesystem;
using namespace std::string_literals;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace core_sys_test {

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

using okstra::test::unprivileged;


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

BOOST_AUTO_TEST_CASE(write_file_atomic_fails_cleanly_in_a_read_only_dir,
                     *boost::unit_test::precondition(okstra::test::can_drop_privileges)) {
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

namespace cli = okstra::cli;

cli::program demo() {
  cli::program p;
  p.name = "okstra-demo";
  p.self.summary = "demonstrate the option layer";
  p.self.usage = {"[options] FILE..."};
  p.self.details = "Environment:\n  OKSTRA_HOME  state folder";
  p.self.options = {cli::text("name", "NAME", "a name"), cli::count("count", "N", "a count", 1).defaults("1"),
                    cli::number("wait", "S", "seconds"), cli::choice("mode", "M", {"fast", "slow"}, "a mode"),
                    cli::text("tag", "T", "a tag").repeat()};
  p.self.positionals = {{"file", 0, 2}};
  p.self.lock_wait = true;
  p.exits = {{0, "done"}, {2, "usage error"}};
  return p;
}

cli::program with_commands() {
  cli::program p;
  p.name = "okstra-multi";
  p.self.summary = "commands only";
  p.runs_without_command = false;
  cli::command get;
  get.name = "get";
  get.summary = "get one";
  get.positionals = {{"key", 1, 1}};
  cli::command nested;
  nested.name = "get all";
  nested.summary = "get every one";
  p.commands = {get, nested};
  p.exits = {{0, "done"}, {1, "refused"}, {2, "usage error"}};
  return p;
}

std::optional<cli::arguments> parse_quietly(const cli::program& p, std::vector<std::string> args) {
  std::optional<cli::arguments> result;
  capture_fd(1, [&] { result = cli::parse(p, args); });
  return result;
}

BOOST_AUTO_TEST_CASE(options_and_positionals) {
  const auto a = parse_quietly(demo(), {"--name", "x", "a.json", "--count=4", "b.json", "-c", "--tag", "t1", "--tag=t2"});
  BOOST_TEST_REQUIRE(a.has_value());
  BOOST_TEST(a->text("name").value_or("") == "x");
  BOOST_TEST(*a->count("count") == 4);
  BOOST_TEST(a->out().compact);
  BOOST_TEST(!a->out().quiet);
  BOOST_TEST(a->out().format == "json");
  BOOST_TEST(a->texts("tag") == (std::vector<std::string>{"t1", "t2"}));
  BOOST_TEST(a->positionals() == (std::vector<std::string>{"a.json", "b.json"}));
  const auto bare = parse_quietly(demo(), {});
  BOOST_TEST(!bare->has("name"));
  BOOST_TEST(*bare->count("count") == 1);  // the default
  BOOST_TEST(!bare->wait_seconds().has_value());
  const auto text = parse_quietly(demo(), {"--format", "text", "-q", "--color=never", "--no-wait"});
  BOOST_TEST(text->out().format == "text");
  BOOST_TEST(text->out().quiet);
  BOOST_TEST(*text->wait_seconds() == 0.0);
  BOOST_TEST(*parse_quietly(demo(), {"--lock-timeout", "2.5"})->wait_seconds() == 2.5);
  BOOST_TEST(parse_quietly(demo(), {"--json"})->out().format == "json");
}

BOOST_AUTO_TEST_CASE(usage_errors_use_the_house_wording) {
  const auto message = [](std::vector<std::string> args) {
    const auto e = error_of([&] { parse_quietly(demo(), args); });
    BOOST_TEST(code_of(e) == 2);
    return std::string(e.what());
  };
  BOOST_TEST(message({"--nope"}) == "unknown option '--nope'");
  BOOST_TEST(message({"--nam", "x"}) == "unknown option '--nam'");  // never guessed from a prefix
  BOOST_TEST(message({"--name"}) == "missing value for option '--name'");
  BOOST_TEST(message({"--count", "0"}) == "invalid value for --count '0'");
  BOOST_TEST(message({"--count", "-1"}) == "invalid value for --count '-1'");
  BOOST_TEST(message({"--count", "many"}) == "invalid value for --count 'many'");
  BOOST_TEST(message({"--wait", "-5"}) == "invalid value for --wait '-5'");
  BOOST_TEST(message({"--lock-timeout", "-5"}) == "invalid value for --lock-timeout '-5'");
  BOOST_TEST(message({"--mode", "warp"}) == "invalid value for --mode 'warp'");
  BOOST_TEST(message({"--format", "xml"}) == "invalid value for --format 'xml'");
  BOOST_TEST(message({"a", "b", "c"}) == "unexpected argument 'c'");
  BOOST_TEST(message({"--name", "a", "--name", "b"}) == "option given more than once '--name'");
  BOOST_TEST(message({"--json", "--format", "text"}) == "options '--json' and '--format text' cannot be combined");
  BOOST_TEST(message({"--no-wait", "--lock-timeout", "1"}) == "options '--no-wait' and '--lock-timeout' cannot be combined");
  BOOST_TEST(contains(message({"--compact", "--format", "text"}), "'--compact'"));
  const auto e = error_of([&] { parse_quietly(demo(), {"--mode", "warp"}); });
  BOOST_TEST(e.hint() == "expected one of fast, slow; see 'okstra-demo --help'");
  const auto unknown = error_of([&] { parse_quietly(demo(), {"--nope"}); });
  BOOST_TEST(unknown.hint() == "see 'okstra-demo --help'");
}

BOOST_AUTO_TEST_CASE(commands_are_dispatched) {
  const auto get = parse_quietly(with_commands(), {"get", "k"});
  BOOST_TEST(get->command() == "get");
  BOOST_TEST(get->where() == "okstra-multi get");
  BOOST_TEST(parse_quietly(with_commands(), {"get", "all"})->command() == "get all");
  BOOST_TEST(std::string(error_of([&] { parse_quietly(with_commands(), {}); }).what()) == "missing command");
  BOOST_TEST(std::string(error_of([&] { parse_quietly(with_commands(), {"put"}); }).what()) == "unknown command 'put'");
  BOOST_TEST(std::string(error_of([&] { parse_quietly(with_commands(), {"get"}); }).what()) == "missing argument '<key>'");
  BOOST_TEST(std::string(error_of([&] { parse_quietly(with_commands(), {"--json"}); }).what()) == "unknown option '--json'");
}

BOOST_AUTO_TEST_CASE(help_goes_to_stdout_and_stops) {
  std::optional<cli::arguments> result;
  std::string err;
  const std::string out = capture_fd(1, [&] { err = capture_fd(2, [&] { result = cli::parse(demo(), {"--help"}); }); });
  BOOST_TEST(!result.has_value());
  BOOST_TEST(err.empty());
  BOOST_TEST(out.rfind("okstra-demo - demonstrate the option layer\n\nUsage: okstra-demo [options] FILE...\n", 0) == 0u);
  for (const char* part : {"--count N", "-q, --quiet", "-c, --compact", "--format FMT", "--color WHEN", "--lock-timeout"})
    BOOST_TEST(contains(out, part), part);
  BOOST_TEST(!contains(out, "--describe-options"));  // hidden
  BOOST_TEST(contains(out, "Environment:\n  OKSTRA_HOME  state folder\n\n"));
  BOOST_TEST(contains(out, "Exit status:\n  0  done\n  2  usage error\n"));
  BOOST_TEST(!contains(out, "  3  "));  // only the codes the tool declares
  const std::string short_out = capture_fd(1, [&] { result = cli::parse(demo(), {"-h"}); });
  BOOST_TEST(short_out == out);
  const std::string sub = capture_fd(1, [&] { cli::parse(with_commands(), {"get", "--help"}); });
  BOOST_TEST(sub.rfind("okstra-multi get - get one\n", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(version_and_describe) {
  std::optional<cli::arguments> result;
  const std::string out = capture_fd(1, [&] { result = cli::parse(with_commands(), {"get", "--version"}); });
  BOOST_TEST(!result.has_value());
  BOOST_TEST(out == "okstra-multi (okstra) "s + okstra::version + "\n");
  const std::string json = capture_fd(1, [&] { cli::parse(with_commands(), {"--describe-options"}); });
  const auto doc = okstra::json::parse(json, "describe");
  BOOST_TEST(std::string(doc["program"].GetString()) == "okstra-multi");
  BOOST_TEST(doc["commands"].Size() == 2u);
  BOOST_TEST(std::string(doc["commands"][1]["name"].GetString()) == "get all");
  BOOST_TEST(doc["exitStatus"].Size() == 3u);
  const auto& first = doc["commands"][0]["options"][0];
  for (const char* key : {"long", "short", "value", "kind", "choices", "default", "help", "complete"})
    BOOST_TEST(first.HasMember(key), key);
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
  const auto [code, err] = run_main([&] { return cli::parse(demo(), {"--bogus"}) ? 0 : 5; });
  BOOST_TEST(code == 2);
  BOOST_TEST(err == "okstra-demo: error: unknown option '--bogus'\nhint: see 'okstra-demo --help'\n");
}

BOOST_AUTO_TEST_CASE(run_main_maps_other_exceptions_to_3) {
  BOOST_TEST(run_main([]() -> int { throw std::bad_alloc(); }) ==
             (outcome{3, "okstra-demo: error: out of memory\n"}));
  BOOST_TEST(run_main([]() -> int { throw std::runtime_error("boom"); }) ==
             (outcome{3, "okstra-demo: error: internal error: boom\nhint: please report this as a bug\n"}));
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
  const auto [code, err] = run_main([&] { return cli::parse(demo(), {"--a\nb"}) ? 0 : 5; });
  BOOST_TEST(code == 2);
  BOOST_TEST(std::count(err.begin(), err.end(), '\n') == 2);  // error line + hint line
  BOOST_TEST(contains(err, "--a\\x0ab"));
}

BOOST_AUTO_TEST_CASE(emit_and_warn) {
  const std::string out = capture_fd(1, [] { okstra::cli::emit("{\"a\":1}"); });
  BOOST_TEST(out == "{\"a\":1}\n");
  const auto quiet = parse_quietly(demo(), {"-q"});
  BOOST_TEST(capture_fd(1, [&] { okstra::cli::emit(*quiet, "{\"a\":1}"); }).empty());
  const std::string err = capture_fd(2, [] { okstra::cli::warn("okstra-demo", "skipping 'x'"); });
  BOOST_TEST(err == "okstra-demo: warning: skipping 'x'\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace core_sys_test
