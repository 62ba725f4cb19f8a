// Kept folder listings (docs/usage.md, "Folder listings"): a walk that reuses
// them finds exactly what a walk that lists every folder finds, after files
// and folders are added, removed, replaced by symbolic links or grown; a
// folder changed less than a second before the walk is never kept; a damaged
// file is a miss; an unreadable folder is reported on every run.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/token_usage.hpp"
#include "okstra/token_usage/detail/collect_impl.hpp"
#include "test_support.hpp"

namespace tu = okstra::token_usage;
namespace td = okstra::token_usage::detail;
namespace stdfs = std::filesystem;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace token_usage_listings_test {

constexpr std::int64_t trust_all = LLONG_MAX;  // every folder old enough to keep: the rule switched off

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct walk_result {
  std::vector<std::string> files;  // "path size"
  std::vector<std::string> unreadable;
  std::size_t reused = 0, listed = 0;
  friend bool operator==(const walk_result& a, const walk_result& b) {
    return a.files == b.files && a.unreadable == b.unreadable;
  }
};

std::ostream& operator<<(std::ostream& out, const walk_result& r) {
  for (const auto& f : r.files) out << f << "; ";
  for (const auto& u : r.unreadable) out << "unreadable " << u << "; ";
  return out;
}

// One walk of `root` as a Claude projects folder; with `cache`, through the
// listings kept there (trusting folders whose ctime is before `trust_before`).
walk_result walk_of(const stdfs::path& root, const stdfs::path* cache, std::int64_t trust_before) {
  td::listing_cache listings = cache ? td::listing_cache(*cache, "listing-test.bin", trust_before) : td::listing_cache();
  walk_result out;
  td::unreadable_list unreadable;
  const auto jsonl = [](std::string_view name) { return name.ends_with(".jsonl"); };
  td::walk(root, tu::source::claude, unreadable, jsonl, [&](std::string path, const td::file_identity& id) {
    out.files.push_back(path + " " + std::to_string(id.size));
  }, &listings);
  listings.save();
  for (const auto& u : unreadable) out.unreadable.push_back(u.path);
  out.reused = listings.folders_reused();
  out.listed = listings.folders_listed();
  return out;
}

walk_result plain_walk(const stdfs::path& root) { return walk_of(root, nullptr, 0); }

void write(const stdfs::path& file, const std::string& text) {
  stdfs::create_directories(file.parent_path());
  okstra::fs::write_file_atomic(file, text, 0644, okstra::fs::durability::process_safe);
}

// Twelve project folders (more than eight: the walk splits them over two
// threads), sessions with subagents, files the walk does not want.
void make_tree(const stdfs::path& root) {
  for (int p = 0; p < 12; ++p) {
    const stdfs::path project = root / ("-home-u-p" + std::to_string(p));
    write(project / "s1.jsonl", "{}\n");
    write(project / "notes.txt", "x");
    if (p % 3 == 0) {
      write(project / "s1" / "subagents" / "agent-a.jsonl", "{}\n{}\n");
      write(project / "s1" / "subagents" / "agent-a.meta.json", "{}");
    }
  }
  write(root / "top.jsonl", "{}\n");
}

BOOST_AUTO_TEST_CASE(kept_listings_are_reused_and_find_the_same_files) {
  okstra::test::temp_dir dir;
  const stdfs::path root = dir.path / "projects", cache = dir.path / "cache";
  make_tree(root);
  const walk_result first = walk_of(root, &cache, trust_all);
  BOOST_TEST(first.files.size() == 17u);
  BOOST_TEST(first.reused == 0u);
  BOOST_TEST(first.listed == 21u);  // the root, 12 projects, 4 sessions, 4 subagents folders
  BOOST_TEST(stdfs::exists(cache / "listing-test.bin"));
  const walk_result second = walk_of(root, &cache, trust_all);
  BOOST_TEST(second == first);
  BOOST_TEST(second.reused == 21u);
  BOOST_TEST(second.listed == 0u);
  BOOST_TEST(second == plain_walk(root));
}

BOOST_AUTO_TEST_CASE(every_change_of_the_tree_is_seen) {
  okstra::test::temp_dir dir;
  const stdfs::path root = dir.path / "projects", cache = dir.path / "cache";
  make_tree(root);
  walk_of(root, &cache, trust_all);
  // Only a reused listing can miss something: each change is made after the
  // listings were kept, and each walk keeps them again.
  const auto check = [&](const char* what) {
    const walk_result cached = walk_of(root, &cache, trust_all), plain = plain_walk(root);
    BOOST_TEST(cached == plain, what);
    BOOST_TEST(cached.reused > 0u, what);
  };
  write(root / "-home-u-p1" / "s2.jsonl", "{}\n");
  check("a file added to a kept folder");
  stdfs::remove(root / "-home-u-p2" / "s1.jsonl");
  check("a file removed");
  write(root / "-home-u-p4" / "s1.jsonl", "{}\n{}\n{}\n");
  check("a file replaced by a bigger one");
  std::FILE* grown = std::fopen((root / "-home-u-p5" / "s1.jsonl").c_str(), "a");
  BOOST_TEST_REQUIRE(grown != nullptr);
  std::fputs("{\"more\":1}\n", grown);
  std::fclose(grown);
  check("a file appended to (its folder unchanged)");
  stdfs::remove_all(root / "-home-u-p3");
  check("a folder removed");
  stdfs::remove_all(root / "-home-u-p6");
  stdfs::create_directories(dir.path / "elsewhere");
  write(dir.path / "elsewhere" / "x.jsonl", "{}\n");
  stdfs::create_directory_symlink(dir.path / "elsewhere", root / "-home-u-p6");
  check("a folder replaced by a symbolic link (not followed)");
  write(root / "-home-u-p0" / "s1" / "subagents" / "agent-b.jsonl", "{}\n");
  check("a file added three folders down");
  write(root / "-home-u-new" / "s9" / "subagents" / "agent-z.jsonl", "{}\n");
  check("a new folder tree");
  stdfs::rename(root / "-home-u-p7", root / "-home-u-p7-moved");
  check("a folder renamed");
  const walk_result last = plain_walk(root);
  BOOST_TEST(okstra::test::contains(last.files.back(), "top.jsonl"));
}

// The racy case: a folder changed within the clock tick of its listing keeps
// its ctime, so a listing is kept only when the folder's ctime was more than
// a second older than the walk.
BOOST_AUTO_TEST_CASE(a_folder_changed_just_before_the_walk_is_not_kept) {
  okstra::test::temp_dir dir;
  const stdfs::path root = dir.path / "projects", cache = dir.path / "cache";
  make_tree(root);
  const walk_result fresh = walk_of(root, &cache, now_ns() - 1'000'000'000);
  BOOST_TEST(fresh.listed == 21u);
  const walk_result again = walk_of(root, &cache, now_ns() - 1'000'000'000);
  BOOST_TEST(again.reused == 0u, "folders made less than a second ago were kept");
  BOOST_TEST(again == fresh);
  // Many additions, each right after a walk: none may be missed.
  for (int i = 0; i < 20; ++i) {
    write(root / "-home-u-p8" / ("r" + std::to_string(i) + ".jsonl"), "{}\n");
    BOOST_TEST(walk_of(root, &cache, now_ns() - 1'000'000'000) == plain_walk(root));
  }
}

BOOST_AUTO_TEST_CASE(a_damaged_or_foreign_listing_file_is_a_miss) {
  okstra::test::temp_dir dir;
  const stdfs::path root = dir.path / "projects", cache = dir.path / "cache";
  make_tree(root);
  const walk_result first = walk_of(root, &cache, trust_all);
  const std::string bytes = okstra::fs::read_file(cache / "listing-test.bin", 1 << 20);
  const auto decoded = td::decode_listings(bytes);
  BOOST_TEST_REQUIRE(decoded.has_value());
  BOOST_TEST(td::encode_listings(*decoded) == bytes);
  for (std::size_t at : {std::size_t{0}, bytes.size() / 2, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    BOOST_TEST(!td::decode_listings(damaged).has_value());
    write(cache / "listing-test.bin", damaged);
    const walk_result again = walk_of(root, &cache, trust_all);
    BOOST_TEST(again == first);
    BOOST_TEST(again.reused == 0u);
  }
  BOOST_TEST(!td::decode_listings(bytes.substr(0, bytes.size() - 9)).has_value());
  // A listing naming a folder out of order or a name with a slash: refused.
  std::vector<td::root_listing> odd(1);
  odd[0].folders.push_back({"b", {}, "", ""});
  odd[0].folders.push_back({"a", {}, "", ""});
  BOOST_TEST(!td::decode_listings(td::encode_listings(odd)).has_value());
  odd[0].folders.pop_back();
  const std::string slashed = std::string("x/y.jsonl") + '\0';
  odd[0].folders[0].files = slashed;
  BOOST_TEST(!td::decode_listings(td::encode_listings(odd)).has_value());
}

BOOST_AUTO_TEST_CASE(an_unreadable_folder_is_reported_on_every_run,
                     *boost::unit_test::precondition(okstra::test::can_drop_privileges)) {
  okstra::test::temp_dir dir;
  const stdfs::path root = dir.path / "projects", cache = dir.path / "cache";
  make_tree(root);
  stdfs::create_directories(cache);
  for (const auto& p : {dir.path, root, cache}) ::chmod(p.c_str(), 0777);
  for (const auto& e : stdfs::recursive_directory_iterator(root)) ::chmod(e.path().c_str(), e.is_directory() ? 0777 : 0666);
  ::chmod((root / "-home-u-p9").c_str(), 0);
  const bool ok = okstra::test::unprivileged([&] {
    bool all = true;
    for (int run = 0; run < 3; ++run) {
      const walk_result r = walk_of(root, &cache, trust_all);
      all = all && r.unreadable.size() == 1 && r.unreadable[0] == (root / "-home-u-p9").string() && r == plain_walk(root);
      all = all && (run == 0 || r.reused > 0);
    }
    return all;
  });
  BOOST_TEST(ok);
}

}  // namespace token_usage_listings_test
