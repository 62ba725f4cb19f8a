// Tests of okstra/core/safe_path.hpp on real folders, files and links: no
// symbolic link below the trusted root is followed, for reads, writes,
// folder creation and removal; the root itself may be a link.
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/core/safe_path.hpp"

namespace stdfs = std::filesystem;
namespace sp = okstra::safe_path;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace core_safe_path_test {

using okstra::test::contains;
using okstra::test::expect_error;
using okstra::test::temp_dir;

void write(const stdfs::path& p, const std::string& text) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string slurp(const stdfs::path& p) { return okstra::fs::read_file(p); }

int mode_of(const stdfs::path& p) {
  struct stat st{};
  BOOST_TEST_REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<int>(st.st_mode & 07777);
}

// What is in `dir` (names, sorted), for "nothing was written there".
std::vector<std::string> names_in(const stdfs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::recursive_directory_iterator(dir))
    out.push_back(e.path().lexically_relative(dir).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

// The symlink_error `body` throws (it must throw one).
template <class Body>
sp::symlink_error link_error_of(Body&& body) {
  return okstra::test::thrown<sp::symlink_error>(std::forward<Body>(body));
}


BOOST_AUTO_TEST_SUITE(safe_path)

BOOST_AUTO_TEST_CASE(make_folders_creates_each_missing_folder_and_reports_it) {
  temp_dir t;
  stdfs::create_directories(t.path / "a");
  std::vector<std::string> created;
  const auto note = [&](const stdfs::path& p) { created.push_back(p.string()); };
  const sp::folder f = sp::make_folders(t.path, "a/b/c", 0750, note);
  BOOST_TEST(f.path == t.path / "a/b/c");
  BOOST_TEST(stdfs::is_directory(t.path / "a/b/c"));
  BOOST_TEST(created == (std::vector<std::string>{"a/b", "a/b/c"}), boost::test_tools::per_element());
  const mode_t mask = ::umask(0);
  ::umask(mask);
  BOOST_TEST(mode_of(t.path / "a/b/c") == static_cast<int>(0750 & ~mask));  // the mode asked for, less the umask
  created.clear();
  sp::make_folders(t.path, "a/b/c", 0755, note);
  BOOST_TEST(created.empty());  // nothing new
}

BOOST_AUTO_TEST_CASE(a_link_below_the_root_is_refused_and_nothing_is_written_through_it) {
  temp_dir t;
  stdfs::create_directories(t.path / "root/.okstra");
  stdfs::create_directories(t.path / "elsewhere");
  write(t.path / "elsewhere/keep.json", "theirs\n");
  stdfs::create_directory_symlink(t.path / "elsewhere", t.path / "root/.okstra/discovery");
  const auto before = names_in(t.path / "elsewhere");

  const auto e = link_error_of([&] { sp::make_folders(t.path / "root", ".okstra/discovery/deeper"); });
  BOOST_TEST(e.link() == t.path / "root/.okstra/discovery");
  BOOST_TEST(e.target() == (t.path / "elsewhere").string());
  BOOST_TEST(static_cast<int>(e.code()) == 3);
  BOOST_TEST(std::string(e.what()) ==
             "refusing to follow symlink '" + (t.path / "root/.okstra/discovery").string() + "'");
  BOOST_TEST(contains(e.hint(), "it points to '" + (t.path / "elsewhere").string() + "'"));
  link_error_of([&] { sp::open_folder(t.path / "root", ".okstra/discovery"); });
  link_error_of([&] { sp::find_folder(t.path / "root", ".okstra/discovery"); });
  BOOST_TEST(names_in(t.path / "elsewhere") == before, boost::test_tools::per_element());
  BOOST_TEST(slurp(t.path / "elsewhere/keep.json") == "theirs\n");
}

BOOST_AUTO_TEST_CASE(the_root_itself_may_be_a_link) {
  temp_dir t;
  stdfs::create_directories(t.path / "real");
  stdfs::create_directory_symlink(t.path / "real", t.path / "named");
  const sp::folder f = sp::make_folders(t.path / "named", "x");
  sp::write_file_at(f, "file.txt", "hello\n");
  BOOST_TEST(slurp(t.path / "real/x/file.txt") == "hello\n");
}

BOOST_AUTO_TEST_CASE(relative_paths_only_go_down) {
  temp_dir t;
  expect_error([&] { sp::open_folder(t.path, "../up"); }, okstra::exit_code::input);
  expect_error([&] { sp::open_folder(t.path, "/abs"); }, okstra::exit_code::input);
  BOOST_TEST(sp::open_folder(t.path, "./").path == t.path);
  BOOST_TEST(sp::below(t.path, t.path / "a/b/../c") == stdfs::path("a/c"));
  BOOST_TEST(sp::below(t.path, t.path).empty());
  expect_error([&] { sp::below(t.path / "a", t.path / "b"); }, okstra::exit_code::input);
  expect_error([&] { sp::below(t.path / "a", t.path); }, okstra::exit_code::input);
}

BOOST_AUTO_TEST_CASE(missing_and_non_folder_components) {
  temp_dir t;
  write(t.path / "file", "x");
  BOOST_TEST(!sp::find_folder(t.path, "nope/deeper").has_value());
  BOOST_TEST(!sp::find_folder(t.path, "file").has_value());
  const auto missing = expect_error([&] { sp::open_folder(t.path, "nope"); }, okstra::exit_code::input);
  BOOST_TEST(contains(missing.what(), "no such file or directory"));
  const auto not_folder = expect_error([&] { sp::make_folders(t.path, "file/sub"); }, okstra::exit_code::input);
  BOOST_TEST(std::string(not_folder.what()) == "not a folder '" + (t.path / "file").string() + "'");
}

BOOST_AUTO_TEST_CASE(write_file_at_is_atomic_and_refuses_a_linked_name) {
  temp_dir t;
  const sp::folder f = sp::make_folders(t.path, "d");
  sp::write_file_at(f, "a.json", "one\n", 0600);
  sp::write_file_at(f, "a.json", "two\n", 0600);
  BOOST_TEST(slurp(t.path / "d/a.json") == "two\n");
  BOOST_TEST(mode_of(t.path / "d/a.json") == 0600);
  BOOST_TEST(names_in(t.path / "d") == (std::vector<std::string>{"a.json"}), boost::test_tools::per_element());

  write(t.path / "victim", "not yours\n");
  stdfs::create_symlink(t.path / "victim", t.path / "d/linked.json");
  const auto e = link_error_of([&] { sp::write_file_at(f, "linked.json", "mine\n"); });
  BOOST_TEST(e.link() == t.path / "d/linked.json");
  BOOST_TEST(slurp(t.path / "victim") == "not yours\n");
  BOOST_TEST(stdfs::is_symlink(t.path / "d/linked.json"));
  BOOST_TEST(names_in(t.path / "d") == (std::vector<std::string>{"a.json", "linked.json"}),
             boost::test_tools::per_element());
  expect_error([&] { sp::write_file_at(f, "../escape", "x"); }, okstra::exit_code::input);
  expect_error([&] { sp::write_file_at(f, "a/b", "x"); }, okstra::exit_code::input);
}

BOOST_AUTO_TEST_CASE(write_file_at_uses_the_temp_names_of_core_fs) {
  // A temporary of ours must be one fs::remove_stale_temps() recognises:
  // ".<name>.tmp-<pid>-<n>". Fail the rename (a folder in the way) to see it
  // removed, then check the name the writer would use.
  temp_dir t;
  const sp::folder f = sp::make_folders(t.path, "d");
  stdfs::create_directories(t.path / "d/busy/inside");
  expect_error([&] { sp::write_file_at(f, "busy", "x"); }, okstra::exit_code::input);
  BOOST_TEST(names_in(t.path / "d") == (std::vector<std::string>{"busy", "busy/inside"}),
             boost::test_tools::per_element());
  const std::string temp = okstra::fs::detail::temp_name_for(t.path / "d/busy");
  BOOST_TEST(temp.rfind(".busy.tmp-" + std::to_string(::getpid()) + "-", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(read_file_at_reads_regular_files_only) {
  temp_dir t;
  write(t.path / "d/a.txt", "abc");
  write(t.path / "outside.txt", "secret");
  stdfs::create_symlink(t.path / "outside.txt", t.path / "d/link.txt");
  stdfs::create_directories(t.path / "d/sub");
  BOOST_TEST_REQUIRE(::mkfifo((t.path / "d/pipe").c_str(), 0600) == 0);
  const sp::folder f = sp::open_folder(t.path, "d");
  BOOST_TEST(sp::read_file_at(f, "a.txt").value_or("?") == "abc");
  BOOST_TEST(!sp::read_file_at(f, "missing.txt").has_value());
  link_error_of([&] { sp::read_file_at(f, "link.txt"); });
  const auto pipe = expect_error([&] { sp::read_file_at(f, "pipe"); }, okstra::exit_code::input);
  BOOST_TEST(contains(pipe.what(), "not a regular file"));  // and it did not block
  expect_error([&] { sp::read_file_at(f, "sub"); }, okstra::exit_code::input);
  expect_error([&] { sp::read_file_at(f, "a.txt", 2); }, okstra::exit_code::input);  // over the cap
}

BOOST_AUTO_TEST_CASE(types_entries_and_removal_never_follow) {
  temp_dir t;
  write(t.path / "d/b.txt", "b");
  stdfs::create_directories(t.path / "d/a-folder");
  stdfs::create_directories(t.path / "outside/kept");
  stdfs::create_directory_symlink(t.path / "outside", t.path / "d/c-link");
  const sp::folder f = sp::open_folder(t.path, "d");
  const auto list = sp::entries_at(f);
  BOOST_TEST_REQUIRE(list.size() == 3u);
  BOOST_TEST(list[0].name == "a-folder");
  BOOST_TEST(static_cast<int>(list[0].type) == static_cast<int>(sp::entry_type::folder));
  BOOST_TEST(static_cast<int>(list[1].type) == static_cast<int>(sp::entry_type::regular));
  BOOST_TEST(static_cast<int>(list[2].type) == static_cast<int>(sp::entry_type::symlink));
  BOOST_TEST(static_cast<int>(sp::type_at(f, "none")) == static_cast<int>(sp::entry_type::absent));
  BOOST_TEST(sp::link_at(f, "c-link").target() == (t.path / "outside").string());
  BOOST_TEST(!sp::find_folder_at(f, "b.txt").has_value());
  link_error_of([&] { sp::find_folder_at(f, "c-link"); });

  sp::remove_empty_folder_at(f, "c-link");  // a link in place of a folder: left alone
  sp::remove_empty_folder_at(f, "a-folder");
  sp::remove_empty_folder_at(f, "gone");
  BOOST_TEST(stdfs::is_symlink(t.path / "d/c-link"));
  BOOST_TEST(!stdfs::exists(t.path / "d/a-folder"));
  BOOST_TEST(sp::remove_file_at(f, "c-link"));  // removes the link, not what it points to
  BOOST_TEST(stdfs::is_directory(t.path / "outside/kept"));
  BOOST_TEST(!sp::remove_file_at(f, "c-link"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace core_safe_path_test
