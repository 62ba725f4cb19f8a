// tests/test_support.hpp — small fixtures the Boost.Test programs share.
#pragma once

#include <boost/test/unit_test.hpp>

#include "okstra/core/display_width.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/time.hpp"

#include <grp.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <string>
#include <system_error>
#include <vector>
#include <typeinfo>
#include <utility>

namespace okstra::test {

// The lines of a rendered text (a last line without '\n' included).
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto nl = text.find('\n', at);
    out.push_back(text.substr(at, nl - at));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return out;
}

// The display width of a rendered text's widest line.
inline std::size_t widest_line(const std::string& text) {
  std::size_t w = 0;
  for (const auto& l : lines_of(text)) w = std::max(w, okstra::display::width(l));
  return w;
}

// Unix milliseconds of an ISO 8601 time a test writes down; a typo fails the test.
inline std::int64_t at(const char* iso) {
  const auto ms = okstra::time::parse_iso8601(iso);
  BOOST_TEST_REQUIRE(ms.has_value(), iso);
  return *ms;
}

// Sets (or, given nullptr, unsets) an environment variable for one scope.
struct scoped_env {
  std::string name;
  std::optional<std::string> old;
  scoped_env(std::string n, const char* value) : name(std::move(n)) {
    if (const char* o = std::getenv(name.c_str())) old = o;
    if (value) ::setenv(name.c_str(), value, 1);
    else ::unsetenv(name.c_str());
  }
  ~scoped_env() {
    if (old) ::setenv(name.c_str(), old->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;
};

// A fresh folder under /tmp, removed with all it holds, including what a
// test made unreadable.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char pattern[] = "/tmp/okstra-test-XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(pattern) != nullptr);
    path = pattern;
  }
  ~temp_dir() {
    namespace stdfs = std::filesystem;
    std::error_code ec;
    stdfs::permissions(path, stdfs::perms::owner_all, stdfs::perm_options::add, ec);
    for (const auto& e : stdfs::recursive_directory_iterator(path, ec))
      stdfs::permissions(e.path(), stdfs::perms::owner_all, stdfs::perm_options::add, ec);
    stdfs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

// Runs `body`, which must throw an `Error`; returns it (the test fails otherwise).
template <class Error, class Body>
Error thrown(Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    return e;
  }
  BOOST_FAIL("no " << typeid(Error).name() << " thrown");
  throw std::logic_error("unreachable");
}

// Runs `body`, which must throw okstra::error with `code`; returns it.
template <class Body>
okstra::error expect_error(Body&& body, okstra::exit_code code) {
  okstra::error e = thrown<okstra::error>(std::forward<Body>(body));
  BOOST_TEST(static_cast<int>(e.code()) == static_cast<int>(code), "message: " << e.what());
  return e;
}

inline bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// Root ignores permission bits, so a test of what an unreadable file does runs
// its check as nobody (uid and gid 65534) when we are root: `fn` runs in a
// forked child that drops to nobody first. True when fn() returned true.
// Everything fn touches must be reachable by nobody (a temp_dir is 0700:
// chmod it 0755). Pair it with `*precondition(can_drop_privileges)`.
inline constexpr unsigned nobody_id = 65534;

template <class Fn>
bool unprivileged(Fn&& fn) {
  if (::geteuid() != 0) return fn();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(nobody_id) != 0 || ::setuid(nobody_id) != 0) ::_exit(2);
    ::_exit(fn() ? 0 : 1);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Boost.Test precondition: the test is reported skipped, with the reason, when
// we are root but cannot become nobody (a user namespace that maps no uid
// 65534), instead of passing without checking anything.
inline boost::test_tools::assertion_result can_drop_privileges(boost::unit_test::test_unit_id) {
  if (::geteuid() != 0) return true;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0)
    ::_exit(::setgroups(0, nullptr) == 0 && ::setgid(nobody_id) == 0 && ::setuid(nobody_id) == 0 ? 0 : 1);
  int status = 0;
  if (pid > 0)
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  boost::test_tools::assertion_result ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (!ok) ok.message() << "running as root and cannot become nobody (uid 65534) to be refused a read";
  return ok;
}

}  // namespace okstra::test
