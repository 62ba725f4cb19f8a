#define BOOST_TEST_MODULE dirs
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "okstra/dirs/dirs.hpp"

namespace dirs = okstra::dirs;
namespace stdfs = std::filesystem;

namespace {

using okstra::test::scoped_env;

okstra::exit_code code_of(const std::string& text) {
  try {
    dirs::parse_task_key(text);
  } catch (const okstra::error& e) {
    return e.code();
  }
  return okstra::exit_code::ok;
}

bool rejected(const std::string& text) { return code_of(text) == okstra::exit_code::usage; }

std::string message_of(const std::string& text) {
  try {
    dirs::parse_task_key(text);
  } catch (const okstra::error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(home)

BOOST_AUTO_TEST_CASE(okstra_home_is_trimmed) {
  scoped_env env("OKSTRA_HOME", "  /tmp/okstra-home-x \n\t");
  BOOST_TEST(dirs::okstra_home().string() == "/tmp/okstra-home-x");
}

BOOST_AUTO_TEST_CASE(empty_or_blank_okstra_home_means_default) {
  scoped_env home("HOME", "/tmp/some-user");
  {
    scoped_env env("OKSTRA_HOME", "");
    BOOST_TEST(dirs::okstra_home().string() == "/tmp/some-user/.okstra");
  }
  {
    scoped_env env("OKSTRA_HOME", " \t ");
    BOOST_TEST(dirs::okstra_home().string() == "/tmp/some-user/.okstra");
  }
  {
    scoped_env env("OKSTRA_HOME", nullptr);
    BOOST_TEST(dirs::okstra_home().string() == "/tmp/some-user/.okstra");
  }
}

BOOST_AUTO_TEST_CASE(relative_okstra_home_is_made_absolute) {
  scoped_env env("OKSTRA_HOME", "rel/home");
  const auto home = dirs::okstra_home();
  BOOST_TEST(home.is_absolute());
  BOOST_TEST(home == (stdfs::current_path() / "rel/home").lexically_normal());
}

BOOST_AUTO_TEST_CASE(home_layout_paths) {
  const dirs::home_layout h{"/h"};
  BOOST_TEST(h.version_file().string() == "/h/version");
  BOOST_TEST(h.config_json().string() == "/h/config.json");
  BOOST_TEST(h.recent_jsonl().string() == "/h/recent.jsonl");
  BOOST_TEST(h.active_jsonl().string() == "/h/active.jsonl");
  BOOST_TEST(h.project_mirror("my proj").string() == "/h/projects/my-proj.json");
  BOOST_TEST(h.registry_json().string() == "/h/worktrees/registry.json");
  BOOST_TEST(h.registry_lock().string() == "/h/worktrees/registry.lock");
  BOOST_TEST(h.locks_dir().string() == "/h/.locks");
  BOOST_TEST(h.cache_dir().string() == "/h/cache");
  BOOST_TEST(h.templates_dir().string() == "/h/templates");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(task_keys)

BOOST_AUTO_TEST_CASE(slash_and_colon_forms) {
  const auto a = dirs::parse_task_key("proj/group/task-1");
  BOOST_TEST(a.project_id == "proj");
  BOOST_TEST(a.task_group == "group");
  BOOST_TEST(a.task_id == "task-1");
  const auto b = dirs::parse_task_key("proj:group:task-1");
  BOOST_TEST((a == b));
  BOOST_TEST(a.str() == "proj/group/task-1");
}

BOOST_AUTO_TEST_CASE(slash_form_allows_colons_inside_segments) {
  const auto k = dirs::parse_task_key("p/g:x/t");
  BOOST_TEST(k.task_group == "g:x");
}

BOOST_AUTO_TEST_CASE(wrong_segment_counts) {
  BOOST_TEST(rejected(""));
  BOOST_TEST(rejected("a"));
  BOOST_TEST(rejected("a/b"));
  BOOST_TEST(rejected("a:b"));
  BOOST_TEST(rejected("a/b/c/d"));
  BOOST_TEST(rejected("a:b:c:d"));
  BOOST_TEST(message_of("a/b").find("expected <projectId>/<taskGroup>/<taskId>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_segments) {
  BOOST_TEST(rejected("/b/c"));
  BOOST_TEST(rejected("a//c"));
  BOOST_TEST(rejected("a/b/"));
  BOOST_TEST(rejected("::"));
  BOOST_TEST(rejected(":b:c"));
  BOOST_TEST(message_of("a//c").find("task group is empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(dot_segments) {
  BOOST_TEST(rejected("./b/c"));
  BOOST_TEST(rejected("a/../c"));
  BOOST_TEST(rejected("a:b:.."));
  BOOST_TEST(message_of("a/../c").find("must not be '.' or '..'") != std::string::npos);
  BOOST_TEST(!rejected("a/.../c"));  // only "." and ".." themselves are special
  BOOST_TEST(!rejected(".a/b./c.d"));
}

BOOST_AUTO_TEST_CASE(control_characters) {
  BOOST_TEST(rejected(std::string("a/b\x01/c")));
  BOOST_TEST(rejected(std::string("a/b\n/c")));
  BOOST_TEST(rejected(std::string("a/b\t/c")));
  BOOST_TEST(rejected(std::string("a/b\x7f/c")));
  BOOST_TEST(rejected(std::string("a/b\xc2\x85/c")));  // U+0085, a C1 control
  BOOST_TEST(rejected(std::string("a/b\0c/d", 7)));
  BOOST_TEST(message_of(std::string("a/b\x01/c")).find("control character") != std::string::npos);
  // The error message itself stays printable.
  BOOST_TEST(message_of(std::string("a/b\x01/c")).find('\x01') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(segment_length_in_bytes) {
  const std::string ok(128, 'x'), too_long(129, 'x');
  BOOST_TEST(!rejected("p/g/" + ok));
  BOOST_TEST(rejected("p/g/" + too_long));
  BOOST_TEST(rejected(too_long + "/g/t"));
  BOOST_TEST(message_of("p/g/" + too_long).find("longer than 128 bytes") != std::string::npos);
  // 43 three-byte Hangul syllables are 129 bytes although only 43 characters.
  std::string hangul;
  for (int i = 0; i < 43; ++i) hangul += "\xea\xb0\x80";  // U+AC00
  BOOST_TEST(rejected("p/g/" + hangul));
  BOOST_TEST(!rejected("p/g/" + hangul.substr(3)));
}

BOOST_AUTO_TEST_CASE(non_ascii_is_allowed) {
  const auto k = dirs::parse_task_key("프로젝트/그룹/작업-1");
  BOOST_TEST(k.project_id == "프로젝트");
  BOOST_TEST(!rejected("p/g/\xf0\x9f\x9a\x80"));  // emoji
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused) {
  BOOST_TEST(rejected(std::string("p/g/\xff")));
  BOOST_TEST(rejected(std::string("p/g/\xc3")));          // truncated
  BOOST_TEST(rejected(std::string("p/g/\xc0\xaf")));      // overlong '/'
  BOOST_TEST(rejected(std::string("p/g/\xed\xa0\x80")));  // surrogate
  BOOST_TEST(message_of(std::string("p/g/\xff")).find("not valid UTF-8") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(make_task_key_validates_each_part) {
  BOOST_TEST(dirs::make_task_key("p", "g", "t").str() == "p/g/t");
  BOOST_CHECK_THROW(dirs::make_task_key("p", "g/h", "t"), okstra::error);
  BOOST_CHECK_THROW(dirs::make_task_key("", "g", "t"), okstra::error);
  BOOST_CHECK_THROW(dirs::make_task_key("p", "..", "t"), okstra::error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(safe_names)

BOOST_AUTO_TEST_CASE(safe_segment_replaces_per_character) {
  BOOST_TEST(dirs::safe_segment("abc.DEF_0-9") == "abc.DEF_0-9");
  BOOST_TEST(dirs::safe_segment("a b") == "a-b");
  BOOST_TEST(dirs::safe_segment("a:b+c") == "a-b-c");
  BOOST_TEST(dirs::safe_segment("한글") == "--");
  BOOST_TEST(dirs::safe_segment("x\xf0\x9f\x9a\x80y") == "x-y");
}

BOOST_AUTO_TEST_CASE(colliding_keys_are_detected) {
  const auto a = dirs::parse_task_key("proj/my group/t");
  const auto b = dirs::parse_task_key("proj/my-group/t");
  const auto c = dirs::parse_task_key("proj/my:group/t");
  const auto d = dirs::parse_task_key("proj/other/t");
  BOOST_TEST(dirs::safe_segments_collide(a, b));
  BOOST_TEST(dirs::safe_segments_collide(a, c));
  BOOST_TEST(!dirs::safe_segments_collide(a, a));  // the same key is not a collision
  BOOST_TEST(!dirs::safe_segments_collide(a, d));
  const auto found = dirs::find_safe_collision(a, {d, a, b});
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST((*found == b));
  BOOST_TEST(!dirs::find_safe_collision(a, {d, a}).has_value());
  // Same worktree path, which is exactly why they must be refused.
  const dirs::home_layout h{"/h"};
  BOOST_TEST(dirs::worktree_path(h, a) == dirs::worktree_path(h, b));
  BOOST_TEST(dirs::worktree_path(h, a).string() == "/h/worktrees/proj/my-group/t");
}

BOOST_AUTO_TEST_CASE(escaped_keys_are_injective) {
  const auto a = dirs::parse_task_key("proj/my group/t");
  const auto b = dirs::parse_task_key("proj/my-group/t");
  const auto c = dirs::parse_task_key("a+b/c/d");
  const auto d = dirs::parse_task_key("a/b+c/d");
  const auto e = dirs::parse_task_key("a-b/c/d");
  const auto f = dirs::parse_task_key("a/b-c/d");
  BOOST_TEST(dirs::escaped_key(a) != dirs::escaped_key(b));
  BOOST_TEST(dirs::escaped_key(c) != dirs::escaped_key(d));
  BOOST_TEST(dirs::escaped_key(e) != dirs::escaped_key(f));
  BOOST_TEST(dirs::escaped_key(e) == "a-b+c+d");
  BOOST_TEST(dirs::escape_segment("a b/%") == "a%20b%2F%25");
}

// Lock names are the seed's (docs/dirs.md, "Lock names"): what an okstra of
// the seed computes, written out here by hand for keys without a '-'.
BOOST_AUTO_TEST_CASE(lock_keys_are_the_seeds_names) {
  BOOST_TEST(dirs::lock_key(dirs::parse_task_key("demo/payments/refund_timeout")) == "demo-payments-refund_timeout");
  BOOST_TEST(dirs::lock_key(dirs::parse_task_key("demo:v1.2:T_9")) == "demo-v1.2-T_9");
  BOOST_TEST(dirs::lock_key(dirs::parse_task_key("demo/payments/refund-timeout")) == "demo-payments-refund%2Dtimeout");
  BOOST_TEST(dirs::lock_key(dirs::parse_task_key("p/my group/t")) == "p-my%2Dgroup-t");  // the safe segment "my-group"
  BOOST_TEST(dirs::lock_segment("--") == "%2D%2D");
  BOOST_TEST(dirs::lock_segment("plain.name_1") == "plain.name_1");
  // Registry rows keep their own escape: they are persisted.
  BOOST_TEST(dirs::escaped_key(dirs::parse_task_key("demo/payments/refund-timeout")) == "demo+payments+refund-timeout");
}

// Doubling '-' would not do: ("a-", "b") and ("a", "-b") would both give
// "a----b". With "%2D" every pair of tricky keys stays apart.
BOOST_AUTO_TEST_CASE(lock_keys_are_injective_on_safe_segments) {
  const std::vector<std::string> pieces = {"a", "b", "-", "a-", "-b", "a-b", "--", "a--b", "2D", "%2D", "a%2Db", "x y"};
  std::map<std::string, dirs::task_key> seen;
  for (const auto& p : pieces)
    for (const auto& g : pieces)
      for (const auto& i : {std::string("c"), std::string("-c"), std::string("c-")}) {
        const auto key = dirs::make_task_key(p, g, i);
        const auto [it, fresh] = seen.emplace(dirs::lock_key(key), key);
        // The same name only for keys that are the same in safe segments.
        if (!fresh) BOOST_TEST((it->second == key || dirs::safe_segments_collide(it->second, key)));
      }
  BOOST_TEST(seen.size() > 300u);
  BOOST_TEST(dirs::lock_key(dirs::make_task_key("a-", "b", "c")) != dirs::lock_key(dirs::make_task_key("a", "-b", "c")));
  BOOST_TEST(dirs::lock_key(dirs::make_task_key("a", "b-c", "d")) != dirs::lock_key(dirs::make_task_key("a-b", "c", "d")));
  // Safe segments collide, so the keys share a lock; the worktree step refuses the second.
  const auto spaced = dirs::parse_task_key("p/my group/t"), dashed = dirs::parse_task_key("p/my-group/t");
  BOOST_TEST(dirs::safe_segments_collide(spaced, dashed));
  BOOST_TEST(dirs::lock_key(spaced) == dirs::lock_key(dashed));
}

BOOST_AUTO_TEST_CASE(long_lock_keys_get_a_bounded_hashed_name) {
  const std::string big(60, 'x');
  const auto k1 = dirs::make_task_key(big, big, big);
  const std::string n1 = dirs::lock_key(k1);
  BOOST_TEST(n1.rfind("sha256-", 0) == 0u);
  BOOST_TEST(n1.size() <= 160u);
  BOOST_TEST(n1 != dirs::lock_key(dirs::make_task_key(big, big, big.substr(1) + "y")));
  // 159 bytes joined: still the readable name.
  const auto k2 = dirs::make_task_key(std::string(53, 'a'), std::string(52, 'b'), std::string(52, 'c'));
  BOOST_TEST(dirs::lock_key(k2).size() == 159u);
  // '-' counts three bytes once escaped.
  BOOST_TEST(dirs::lock_key(dirs::make_task_key(std::string(60, '-'), "g", "i")).rfind("sha256-", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(long_keys_get_a_bounded_hashed_name) {
  const std::string big(128, 'x');
  const auto k1 = dirs::make_task_key(big, big, big);
  const auto k2 = dirs::make_task_key(big, big, big.substr(1) + "y");
  const std::string n1 = dirs::escaped_key(k1), n2 = dirs::escaped_key(k2);
  BOOST_TEST(n1.rfind("sha256-", 0) == 0u);
  BOOST_TEST(n1.size() <= 160u);
  BOOST_TEST(n1 != n2);
  std::string hangul;
  for (int i = 0; i < 42; ++i) hangul += "\xea\xb0\x80";
  BOOST_TEST(dirs::escaped_key(dirs::make_task_key("p", "g", hangul)).size() <= 160u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(project_paths)

BOOST_AUTO_TEST_CASE(task_types) {
  BOOST_TEST(dirs::is_task_type("implementation"));
  BOOST_TEST(dirs::is_task_type("requirements-discovery"));
  BOOST_TEST(!dirs::is_task_type("Implementation"));
  BOOST_CHECK_THROW(dirs::validate_task_type("deploy"), okstra::error);
  BOOST_TEST(dirs::is_stage_scoped("final-verification"));
  BOOST_TEST(!dirs::is_stage_scoped("error-analysis"));
}

BOOST_AUTO_TEST_CASE(current_and_legacy_layouts) {
  const auto cur = dirs::project_layout::current("/p");
  const auto old = dirs::project_layout::legacy("/p");
  BOOST_TEST(cur.okstra_dir.string() == "/p/.okstra");
  BOOST_TEST(old.okstra_dir.string() == "/p/.project-docs/okstra");
  BOOST_TEST(cur.project_json().string() == "/p/.okstra/project.json");
  BOOST_TEST(cur.task_catalog().string() == "/p/.okstra/discovery/task-catalog.json");
  BOOST_TEST(cur.latest_task().string() == "/p/.okstra/discovery/latest-task.json");
  const auto key = dirs::parse_task_key("p/g/t");
  BOOST_TEST(cur.task_root(key).string() == "/p/.okstra/tasks/g/t");
  const dirs::task_paths task{cur.task_root(key)};
  BOOST_TEST(task.manifest().string() == "/p/.okstra/tasks/g/t/task-manifest.json");
  BOOST_TEST(task.run_dir("error-analysis").string() == "/p/.okstra/tasks/g/t/runs/error-analysis");
  BOOST_TEST(task.run_dir("implementation", 3).string() == "/p/.okstra/tasks/g/t/runs/implementation/stage-3");
}

BOOST_AUTO_TEST_CASE(report_names) {
  BOOST_TEST(dirs::report_name("implementation-planning", 1) == "final-report-implementation-planning-001.md");
  BOOST_TEST(dirs::report_name("error-analysis", 42) == "final-report-error-analysis-042.md");
  BOOST_TEST(dirs::report_name("error-analysis", 999) == "final-report-error-analysis-999.md");
  BOOST_CHECK_THROW(dirs::report_name("error-analysis", 0), okstra::error);
  BOOST_CHECK_THROW(dirs::report_name("error-analysis", 1000), okstra::error);
}

BOOST_AUTO_TEST_CASE(detect_layout_on_disk) {
  const stdfs::path root = stdfs::temp_directory_path() / ("okstra-dirs-" + std::to_string(::getpid()));
  stdfs::remove_all(root);
  stdfs::create_directories(root);
  BOOST_TEST((dirs::detect_layout(root) == dirs::layout::none));
  stdfs::create_directories(root / ".project-docs/okstra");
  BOOST_TEST((dirs::detect_layout(root) == dirs::layout::legacy));
  stdfs::create_directories(root / ".okstra");
  BOOST_TEST((dirs::detect_layout(root) == dirs::layout::both));
  stdfs::remove_all(root / ".project-docs");
  BOOST_TEST((dirs::detect_layout(root) == dirs::layout::current));
  stdfs::remove_all(root);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- agent roots, the home folder, the data folder (docs/dirs.md) -------------

BOOST_AUTO_TEST_SUITE(where_things_are)

using paths = std::vector<stdfs::path>;

BOOST_AUTO_TEST_CASE(user_home_is_home_else_the_passwd_entry) {
  {
    scoped_env home("HOME", "/tmp/some-user");
    BOOST_TEST(dirs::user_home().string() == "/tmp/some-user");
  }
  const struct passwd* pw = ::getpwuid(::getuid());
  for (const char* value : {static_cast<const char*>(nullptr), ""}) {
    scoped_env home("HOME", value);
    if (pw && pw->pw_dir && *pw->pw_dir) {
      BOOST_TEST(dirs::user_home().string() == pw->pw_dir);
    } else {
      BOOST_CHECK_EXCEPTION(dirs::user_home(), okstra::error,
                            [](const okstra::error& e) { return e.code() == okstra::exit_code::input; });
    }
  }
}

BOOST_AUTO_TEST_CASE(claude_roots_default_to_the_config_folder_then_dot_claude) {
  scoped_env home("HOME", "/tmp/u");
  scoped_env config("CLAUDE_CONFIG_DIR", nullptr);
  {
    scoped_env xdg("XDG_CONFIG_HOME", nullptr);
    const auto r = dirs::claude_roots();
    BOOST_TEST(!r.from_environment);
    BOOST_TEST(r.roots == (paths{"/tmp/u/.config/claude", "/tmp/u/.claude"}), boost::test_tools::per_element());
  }
  {
    scoped_env xdg("XDG_CONFIG_HOME", "/tmp/xdg");
    BOOST_TEST(dirs::claude_roots().roots == (paths{"/tmp/xdg/claude", "/tmp/u/.claude"}),
               boost::test_tools::per_element());
  }
  {
    scoped_env xdg("XDG_CONFIG_HOME", "");
    BOOST_TEST(dirs::claude_roots().roots.front() == "/tmp/u/.config/claude");
  }
}

BOOST_AUTO_TEST_CASE(claude_config_dir_is_a_trimmed_list_that_replaces_the_defaults) {
  scoped_env home("HOME", "/tmp/u");
  {
    scoped_env config("CLAUDE_CONFIG_DIR", " /a ,, /b\t");
    const auto r = dirs::claude_roots();
    BOOST_TEST(r.from_environment);
    BOOST_TEST(r.roots == (paths{"/a", "/b"}), boost::test_tools::per_element());
  }
  {
    scoped_env config("CLAUDE_CONFIG_DIR", " , ");  // names nothing: the defaults
    const auto r = dirs::claude_roots();
    BOOST_TEST(!r.from_environment);
    BOOST_TEST(r.roots.back() == "/tmp/u/.claude");
  }
}

BOOST_AUTO_TEST_CASE(codex_and_gemini_roots) {
  scoped_env home("HOME", "/tmp/u");
  {
    scoped_env codex("CODEX_HOME", nullptr);
    scoped_env gemini("GEMINI_DIR", "");
    BOOST_TEST(dirs::codex_roots().roots == (paths{"/tmp/u/.codex"}), boost::test_tools::per_element());
    BOOST_TEST(!dirs::codex_roots().from_environment);
    BOOST_TEST(dirs::gemini_roots().roots == (paths{"/tmp/u/.gemini"}), boost::test_tools::per_element());
    BOOST_TEST(!dirs::gemini_roots().from_environment);
  }
  {
    scoped_env codex("CODEX_HOME", "/c1,/c2");
    scoped_env gemini("GEMINI_DIR", " /g ");
    BOOST_TEST(dirs::codex_roots().roots == (paths{"/c1", "/c2"}), boost::test_tools::per_element());
    BOOST_TEST(dirs::codex_roots().from_environment);
    BOOST_TEST(dirs::gemini_roots().roots == (paths{"/g"}), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(named_roots_need_no_home_folder) {
  scoped_env home("HOME", nullptr);
  scoped_env config("CLAUDE_CONFIG_DIR", "/a");
  BOOST_TEST(dirs::claude_roots().roots == (paths{"/a"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cursor_log_is_in_the_okstra_home) {
  BOOST_TEST(dirs::home_layout{"/h"}.cursor_usage_log().string() == "/h/usage/cursor.jsonl");
}

// This program runs from <build>/tests/, so <exe dir>/../share/okstra is the
// build folder's data folder, which Meson links to the source templates.
BOOST_AUTO_TEST_CASE(data_dir_of_a_build_folder_holds_the_templates) {
  const char* build = std::getenv("OKSTRA_BUILD_ROOT");
  BOOST_TEST_REQUIRE((build && *build), "OKSTRA_BUILD_ROOT must name the build folder: run with `meson test`");
  const auto data = dirs::data_dir();
  BOOST_TEST_REQUIRE(data.has_value());
  BOOST_TEST(*data == stdfs::canonical(build) / "share" / "okstra");
  BOOST_TEST(stdfs::is_regular_file(*data / "templates" / "worker-prompt-preamble.md"));
}

BOOST_AUTO_TEST_SUITE_END()
