#define BOOST_TEST_MODULE worktree
#include <boost/test/unit_test.hpp>

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/worktree/worktree.hpp"

namespace wt = okstra::worktree;
namespace dirs = okstra::dirs;
namespace locks = okstra::locks;
namespace stdfs = std::filesystem;

namespace {

std::string run_git(const stdfs::path& dir, const std::vector<std::string>& args) {
  return wt::detail::git(dir, args);
}

void commit_file(const stdfs::path& dir, const std::string& name, const std::string& text) {
  okstra::fs::write_file_atomic(dir / name, text);
  run_git(dir, {"add", name});
  run_git(dir, {"commit", "-q", "-m", "add " + name});
}

// A temporary okstra home and a git repository with one commit on main.
struct fixture {
  stdfs::path tmp, repo;
  dirs::home_layout home;
  fixture() {
    char pattern[] = "/tmp/okstra-worktree-XXXXXX";
    tmp = ::mkdtemp(pattern);
    home.root = tmp / "home";
    repo = tmp / "repo";
    for (const auto& [k, v] : {std::pair{"GIT_AUTHOR_NAME", "okstra test"}, {"GIT_AUTHOR_EMAIL", "t@example.com"},
                               {"GIT_COMMITTER_NAME", "okstra test"}, {"GIT_COMMITTER_EMAIL", "t@example.com"}})
      ::setenv(k, v, 1);
    ::unsetenv("OKSTRA_WORKTREE_SYNC_DIRS");
    stdfs::create_directories(repo);
    run_git(repo, {"-c", "init.defaultBranch=main", "init", "-q"});
    commit_file(repo, "README", "hello\n");
  }
  ~fixture() { stdfs::remove_all(tmp); }

  wt::provision_result task(const std::string& key, std::optional<std::string> base = "main",
                            const std::string& category = "", const stdfs::path& root = {}) {
    const auto k = dirs::parse_task_key(key);
    auto mutex = locks::worktree_provision_mutex(home, k);
    wt::transaction tx(home, k);
    auto r = wt::provision_task_worktree(home, {root.empty() ? repo : root, k, category, base, false}, mutex, tx);
    tx.commit();
    return r;
  }

  wt::provision_result stage(const std::string& key, std::optional<int> n, const wt::stage_map& map) {
    const auto k = dirs::parse_task_key(key);
    auto mutex = locks::worktree_provision_mutex(home, k);
    wt::transaction tx(home, k);
    auto r = wt::provision_stage_worktree(home, {repo, k, n, map}, mutex, tx);
    tx.commit();
    return r;
  }

  std::string registry_text() const {
    std::error_code ec;
    return stdfs::exists(home.registry_json(), ec) ? okstra::fs::read_file(home.registry_json()) : "<absent>";
  }
  std::string git_state() const {
    return run_git(repo, {"worktree", "list", "--porcelain"}) + "\n--\n" + run_git(repo, {"branch", "-a", "-v"});
  }
};

int code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const okstra::error& e) {
    return static_cast<int>(e.code());
  }
  return 0;
}

wt::stage_map diamond() {  // 1; 2 and 3 after 1; 4 after 2 and 3
  return wt::parse_stage_map(
      R"({"stages":[{"n":1,"dependsOn":[]},{"n":2,"dependsOn":[1]},{"n":3,"dependsOn":[1]},{"n":4,"dependsOn":[2,3]}]})",
      "data.json");
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(first_phase_creates_from_base_ref_later_phase_reuses, fixture) {
  const std::string main_commit = run_git(repo, {"rev-parse", "main"});
  commit_file(repo, "later", "x\n");  // HEAD moves on; the base stays main@before
  run_git(repo, {"branch", "base", main_commit});
  const auto first = task("p/g/t1", "base");
  BOOST_TEST(wt::to_string(first.status) == "created");
  BOOST_REQUIRE(first.worktree);
  BOOST_TEST(first.worktree->path == dirs::worktree_path(home, dirs::parse_task_key("p/g/t1")).string());
  BOOST_TEST(first.worktree->branch == "feat-t1");
  BOOST_TEST(first.worktree->base_ref == "base");
  BOOST_TEST(first.worktree->base_commit == main_commit);
  BOOST_TEST(run_git(first.worktree->path, {"rev-parse", "HEAD"}) == main_commit);
  BOOST_TEST(run_git(repo, {"worktree", "list"}).find(first.worktree->path) != std::string::npos);
  const auto reg = wt::read_registry(home);
  BOOST_TEST(reg.entries.count("p+g+t1") == 1);
  BOOST_TEST(*wt::branch_owner(reg, reg.entries.at("p+g+t1").project_root, "feat-t1") == "p+g+t1");

  const auto again = task("p:g:t1", std::nullopt, "bugfix");
  BOOST_TEST(wt::to_string(again.status) == "reused");
  BOOST_TEST(again.worktree->path == first.worktree->path);
  BOOST_TEST(again.worktree->branch == "feat-t1");  // the registered branch wins
  BOOST_TEST(again.worktree->created_at == first.worktree->created_at);

  BOOST_TEST(task("p/g/t2", std::nullopt, "bugfix").worktree->branch == "fix-t2");
  BOOST_TEST(task("p/g/t2", std::nullopt).worktree->base_ref == "main");
  BOOST_TEST(task("p/g/t3", std::nullopt, "ops").worktree->base_commit == run_git(repo, {"rev-parse", "HEAD"}));
  BOOST_TEST(code_of([&] { task("p/g/t4", std::nullopt, "nonsense"); }) == 2);
  BOOST_TEST(code_of([&] { task("p/g/t4", "no-such-ref"); }) == 3);
  const auto k = dirs::parse_task_key("p/g/t5");
  auto mutex = locks::worktree_provision_mutex(home, k);
  wt::transaction tx(home, k);
  BOOST_TEST(code_of([&] { wt::provision_task_worktree(home, {repo, k, "", std::nullopt, true}, mutex, tx); }) == 2);
}

BOOST_FIXTURE_TEST_CASE(not_a_repository_and_linked_worktree_degrade, fixture) {
  stdfs::create_directories(tmp / "plain");
  BOOST_TEST(wt::to_string(task("p/g/t", "main", "", tmp / "plain").status) == "skipped-not-git");
  run_git(repo, {"worktree", "add", "-q", (tmp / "linked").string()});
  BOOST_TEST(wt::to_string(task("p/g/t", "main", "", tmp / "linked").status) == "skipped-linked-worktree");
  BOOST_TEST(registry_text() == "<absent>");
}

BOOST_FIXTURE_TEST_CASE(unknown_existing_path_is_refused, fixture) {
  const auto path = dirs::worktree_path(home, dirs::parse_task_key("p/g/t"));
  stdfs::create_directories(path);
  const std::string before = git_state();
  BOOST_TEST(code_of([&] { task("p/g/t"); }) == 1);
  BOOST_TEST(git_state() == before);
  BOOST_TEST(registry_text() == "<absent>");
}

BOOST_FIXTURE_TEST_CASE(branch_of_another_key_or_unknown_branch_is_refused, fixture) {
  task("p/g1/same");  // branch feat-same
  const std::string registry_before = registry_text();
  BOOST_TEST(code_of([&] { task("p/g2/same"); }) == 1);
  BOOST_TEST(registry_text() == registry_before);
  run_git(repo, {"branch", "feat-mine"});
  BOOST_TEST(code_of([&] { task("p/g/mine"); }) == 1);
  BOOST_TEST(!stdfs::exists(dirs::worktree_path(home, dirs::parse_task_key("p/g/mine"))));
}

BOOST_FIXTURE_TEST_CASE(failure_after_worktree_add_rolls_everything_back, fixture) {
  task("p/g/other");
  const std::string git_before = git_state(), registry_before = registry_text();
  const auto k = dirs::parse_task_key("p/g/t");
  try {
    auto mutex = locks::worktree_provision_mutex(home, k);
    wt::transaction tx(home, k);
    const auto r = wt::provision_task_worktree(home, {repo, k, "", "main", false}, mutex, tx);
    BOOST_TEST(stdfs::exists(r.worktree->path));
    wt::provision_stage_worktree(home, {repo, k, std::nullopt, wt::stage_map::single()}, mutex, tx);
    BOOST_TEST(git_state() != git_before);
    throw okstra::input_error("injected failure");  // e.g. prepare failing later
  } catch (const okstra::error& e) {
    BOOST_TEST(std::string(e.what()) == "injected failure");
  }
  BOOST_TEST(git_state() == git_before);
  BOOST_TEST(registry_text() == registry_before);
  BOOST_TEST(!stdfs::exists(dirs::worktree_path(home, k)));
  BOOST_TEST(!stdfs::exists(wt::stage_worktree_path(home, k, 1)));

  // A rollback of a reuse restores the row and leaves the worktree alone.
  task("p/g/t");
  const std::string reused_before = registry_text(), git_reused = git_state();
  {
    auto mutex = locks::worktree_provision_mutex(home, k);
    wt::transaction tx(home, k);
    wt::provision_task_worktree(home, {repo, k, "", "main", false}, mutex, tx);
    BOOST_TEST(tx.rollback().empty());
  }
  BOOST_TEST(registry_text() == reused_before);
  BOOST_TEST(git_state() == git_reused);
}

BOOST_FIXTURE_TEST_CASE(stage_auto_picks_lowest_ready_stage_and_merge_base, fixture) {
  const auto key = dirs::parse_task_key("p/g/t");
  const auto t = task("p/g/t");
  const auto s1 = stage("p/g/t", std::nullopt, diamond());
  BOOST_TEST(*s1.worktree->stage == 1);
  BOOST_TEST(s1.worktree->path == wt::stage_worktree_path(home, key, 1).string());
  BOOST_TEST(s1.worktree->branch == "feat-t-stage-1");
  BOOST_TEST(s1.worktree->base_commit == run_git(repo, {"rev-parse", "feat-t"}));
  // Stage 1 is active, 2 and 3 wait for it: nothing is ready.
  BOOST_TEST(code_of([&] { stage("p/g/t", std::nullopt, diamond()); }) == 1);
  BOOST_TEST(code_of([&] { stage("p/g/t", 2, diamond()); }) == 1);
  BOOST_TEST(code_of([&] { stage("p/g/t", 9, diamond()); }) == 2);
  wt::set_status(home, key, 1, wt::entry_status::completed);
  const auto s2 = stage("p/g/t", std::nullopt, diamond());
  const auto s3 = stage("p/g/t", std::nullopt, diamond());
  BOOST_TEST(*s2.worktree->stage == 2);
  BOOST_TEST(*s3.worktree->stage == 3);
  BOOST_TEST(code_of([&] { stage("p/g/t", std::nullopt, diamond()); }) == 1);  // 4 waits for 2 and 3
  const std::string anchor = run_git(repo, {"rev-parse", "feat-t"});
  commit_file(s2.worktree->path, "two", "2\n");
  commit_file(s3.worktree->path, "three", "3\n");
  commit_file(t.worktree->path, "task", "moved on\n");  // the task tip is no longer the anchor
  wt::set_status(home, key, 2, wt::entry_status::completed);
  BOOST_TEST(code_of([&] { stage("p/g/t", std::nullopt, diamond()); }) == 1);
  wt::set_status(home, key, 3, wt::entry_status::completed);
  const auto s4 = stage("p/g/t", std::nullopt, diamond());
  BOOST_TEST(*s4.worktree->stage == 4);
  BOOST_TEST(s4.worktree->base_commit == anchor);
  BOOST_TEST(s4.worktree->base_commit != run_git(repo, {"rev-parse", "feat-t"}));
  BOOST_TEST(s4.worktree->base_ref == "merge-base feat-t-stage-2 feat-t-stage-3");
  // A released stage is picked again and its worktree reused.
  wt::set_status(home, key, 4, wt::entry_status::released);
  const auto retry = stage("p/g/t", std::nullopt, diamond());
  BOOST_TEST(wt::to_string(retry.status) == "reused");
  BOOST_TEST(*retry.worktree->stage == 4);
  BOOST_TEST(wt::to_string(retry.worktree->status) == "active");
}

BOOST_FIXTURE_TEST_CASE(stage_needs_its_task_worktree, fixture) {
  BOOST_TEST(code_of([&] { stage("p/g/none", std::nullopt, wt::stage_map::single()); }) == 1);
}

BOOST_FIXTURE_TEST_CASE(escaped_keys_and_colliding_safe_segments, fixture) {
  const auto r = task("p/g/a b");
  BOOST_TEST(r.worktree->branch == "feat-a-b");
  BOOST_TEST(r.row == "p+g+a%20b");
  BOOST_TEST(stdfs::path(r.worktree->path).filename() == "a-b");
  BOOST_TEST(code_of([&] { task("p/g/a?b"); }) == 1);  // same safe segments as "a b"
  BOOST_TEST(code_of([&] { task("p/g/x.stages"); }) == 1);
  BOOST_TEST(code_of([&] { task("p/g/a..b"); }) == 2);  // not a git branch name
}

BOOST_FIXTURE_TEST_CASE(corrupt_registry_is_an_input_error_never_reset, fixture) {
  okstra::fs::ensure_dir(home.worktrees_dir());
  for (const std::string text :
       {"{not json", R"({"version":3,"entries":{},"branches":{}})", R"({"version":1,"entries":[],"branches":{}})",
        R"({"version":1,"entries":{"x+y+z":{"projectId":"p","taskGroup":"g","taskId":"t","projectRoot":"/r",
        "path":"/w","branch":"b","baseRef":"main","baseCommit":"c","status":"active","createdAt":"a","updatedAt":"u"}},
        "branches":{"b":"x+y+z"}})"}) {
    okstra::fs::write_file_atomic(home.registry_json(), text);
    try {
      task("p/g/t");
      BOOST_FAIL("a corrupt registry was accepted: " + text);
    } catch (const okstra::error& e) {
      BOOST_TEST(static_cast<int>(e.code()) == 3);
      BOOST_TEST(std::string(e.what()).find(home.registry_json().string()) != std::string::npos);
    }
    BOOST_TEST(registry_text() == text);
  }
}

BOOST_FIXTURE_TEST_CASE(synced_folders_are_linked_into_new_worktrees, fixture) {
  stdfs::create_directories(repo / "node_modules" / "pkg");
  stdfs::create_directories(repo / ".okstra");
  okstra::fs::write_file_atomic(repo / ".okstra/project.json", R"({"projectId":"p","worktreeSyncDirs":["node_modules","absent"]})");
  const auto r = task("p/g/t");
  BOOST_TEST(r.synced_dirs == std::vector<std::string>{"node_modules"});
  const stdfs::path link = stdfs::path(r.worktree->path) / "node_modules";
  BOOST_TEST(stdfs::is_symlink(link));
  BOOST_TEST(stdfs::read_symlink(link) == repo / "node_modules");
  ::setenv("OKSTRA_WORKTREE_SYNC_DIRS", "node_modules/pkg:../escape", 1);
  BOOST_TEST(code_of([&] { task("p/g/t2"); }) == 3);
  ::setenv("OKSTRA_WORKTREE_SYNC_DIRS", "node_modules/pkg", 1);
  BOOST_TEST(task("p/g/t3").synced_dirs == std::vector<std::string>{"node_modules/pkg"});
  ::unsetenv("OKSTRA_WORKTREE_SYNC_DIRS");
  // The links do not count as uncommitted changes for remove.
  auto mutex = locks::worktree_provision_mutex(home, dirs::parse_task_key("p/g/t"));
  const auto removed = wt::remove(home, {dirs::parse_task_key("p/g/t"), std::nullopt, true, false, {}}, mutex);
  BOOST_TEST(removed.deleted_branches == std::vector<std::string>{"feat-t"});
  BOOST_TEST(stdfs::exists(repo / "node_modules" / "pkg"));
}

BOOST_FIXTURE_TEST_CASE(reconcile_keeps_rows_whose_folder_is_gone_and_drops_those_without_branch, fixture) {
  const auto gone = task("p/g/gone"), kept = task("p/g/kept"), bare = task("p/g/bare");
  stdfs::remove_all(gone.worktree->path);
  stdfs::remove_all(bare.worktree->path);
  run_git(repo, {"worktree", "prune"});
  run_git(repo, {"branch", "-D", "feat-bare"});
  const std::string before = registry_text();
  const auto dry = wt::reconcile(home, true);
  BOOST_TEST(dry.kept.size() == 1u);
  BOOST_TEST(dry.kept.front().first == "p+g+gone");
  BOOST_TEST(dry.dropped.size() == 1u);
  BOOST_TEST(registry_text() == before);
  const auto real = wt::reconcile(home, false);
  BOOST_TEST(real.kept.size() == 1u);
  BOOST_REQUIRE(real.dropped.size() == 1u);
  BOOST_TEST(real.dropped.front().first == "p+g+bare");
  BOOST_TEST(real.pruned.size() == 1u);
  const auto reg = wt::read_registry(home);
  BOOST_TEST((reg.entries.at("p+g+gone").status == wt::entry_status::kept));  // the branch may hold work
  BOOST_TEST(reg.entries.count("p+g+bare") == 0);
  BOOST_TEST(wt::branch_owner(reg, reg.entries.at("p+g+gone").project_root, "feat-gone") != nullptr);
  BOOST_TEST(reg.entries.count("p+g+kept") == 1);
  BOOST_TEST(run_git(repo, {"worktree", "list"}).find(gone.worktree->path) == std::string::npos);
  const auto again = wt::reconcile(home, false);
  BOOST_TEST(again.dropped.empty());
  BOOST_TEST(again.kept.empty());
  // The next provisioning of the key re-creates the worktree on its branch.
  const auto back = task("p/g/gone");
  BOOST_TEST(wt::to_string(back.status) == "created");
  BOOST_TEST(back.worktree->branch == "feat-gone");
}

BOOST_FIXTURE_TEST_CASE(reconcile_settles_active_stage_rows_as_the_settler_says, fixture) {
  task("p/g/st");
  wt::stage_map map;
  map.stages = {{1, {}}, {2, {}}, {3, {}}};
  for (const int n : {1, 2, 3}) stage("p/g/st", n, map);
  std::vector<int> asked;
  const wt::stage_settler settle = [&](const wt::entry& row) -> std::optional<wt::entry_status> {
    asked.push_back(*row.stage);
    if (*row.stage == 1) return std::nullopt;  // a run still holds it
    return *row.stage == 2 ? wt::entry_status::released : wt::entry_status::completed;
  };
  const std::string before = registry_text();
  const auto dry = wt::reconcile(home, true, {}, settle);
  BOOST_TEST(dry.settled.size() == 2u);
  BOOST_TEST(registry_text() == before);
  asked.clear();
  const auto real = wt::reconcile(home, false, {}, settle);
  BOOST_TEST(asked == (std::vector<int>{1, 2, 3}));
  BOOST_REQUIRE(real.settled.size() == 2u);
  BOOST_TEST(real.settled[0].first == "p+g+st#stage-2");
  BOOST_TEST((real.settled[0].second.status == wt::entry_status::released));
  BOOST_TEST((real.settled[1].second.status == wt::entry_status::completed));
  const auto reg = wt::read_registry(home);
  BOOST_TEST((reg.entries.at("p+g+st#stage-1").status == wt::entry_status::active));
  BOOST_TEST((reg.entries.at("p+g+st#stage-2").status == wt::entry_status::released));
  BOOST_TEST((reg.entries.at("p+g+st#stage-3").status == wt::entry_status::completed));
  BOOST_TEST((reg.entries.at("p+g+st").status == wt::entry_status::active));  // task rows are never settled
  // Only rows still active are asked about; without a settler nothing is.
  asked.clear();
  BOOST_TEST(wt::reconcile(home, false, {}, settle).settled.empty());
  BOOST_TEST(asked == (std::vector<int>{1}));
  BOOST_TEST(wt::reconcile(home, false).settled.empty());
}

BOOST_FIXTURE_TEST_CASE(remove_refuses_uncommitted_changes_unless_forced, fixture) {
  const auto key = dirs::parse_task_key("p/g/t");
  const auto t = task("p/g/t");
  stage("p/g/t", 1, wt::stage_map::single());
  okstra::fs::write_file_atomic(stdfs::path(t.worktree->path) / "dirty", "x");
  auto mutex = locks::worktree_provision_mutex(home, key);
  const std::string before = registry_text();
  BOOST_TEST(code_of([&] { wt::remove(home, {key, std::nullopt, false, false, {}}, mutex); }) == 1);
  BOOST_TEST(registry_text() == before);
  const auto only_stage = wt::remove(home, {key, 1, true, false, {}}, mutex);
  BOOST_TEST(only_stage.removed.size() == 1u);
  BOOST_TEST(!wt::detail::branch_exists(repo, "feat-t-stage-1"));
  const auto all = wt::remove(home, {key, std::nullopt, false, true, {}}, mutex);
  BOOST_TEST(all.removed.size() == 1u);
  BOOST_TEST(!stdfs::exists(t.worktree->path));
  BOOST_TEST(wt::detail::branch_exists(repo, "feat-t"));  // kept without --delete-branch
  BOOST_TEST(all.kept_branches == std::vector<std::string>{"feat-t"});
  BOOST_TEST(wt::to_string(wt::read_registry(home).entries.at("p+g+t").status) == "kept");
  BOOST_TEST(code_of([&] { wt::remove(home, {key, std::nullopt, false, false, {}}, mutex); }) == 1);
}

BOOST_AUTO_TEST_CASE(stage_maps_are_validated) {
  BOOST_TEST(wt::parse_stage_map("{}", "d").stages.size() == 1u);
  BOOST_TEST(diamond().find(4)->depends_on == (std::vector<int>{2, 3}));
  for (const char* bad : {R"({"stages":[{"n":1,"dependsOn":[2]},{"n":2}]})", R"({"stages":[{"n":1},{"n":1}]})",
                          R"({"stages":[{"n":0}]})", R"({"stages":{}})", R"({"stages":[{"dependsOn":[]}]})"})
    BOOST_TEST(code_of([&] { wt::parse_stage_map(bad, "d"); }) == 3, bad);
}

BOOST_FIXTURE_TEST_CASE(provisioning_requires_the_provision_mutex, fixture) {
  const auto k = dirs::parse_task_key("p/g/t"), other = dirs::parse_task_key("p/g/u");
  auto wrong = locks::worktree_provision_mutex(home, other);
  wt::transaction tx(home, k);
  BOOST_CHECK_THROW(wt::provision_task_worktree(home, {repo, k, "", "main", false}, wrong, tx), std::logic_error);
}

// ---- crash safety (docs/worktrees.md, "Crash safety") ------------------------------

namespace {

long dead_pid() {  // a child that has exited and been reaped
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

// The row a run writes before its effects, owned by `pid`.
wt::entry pending_row(const fixture& f, const std::string& key, wt::entry_status status, long pid) {
  const auto k = dirs::parse_task_key(key);
  wt::intent in;
  in.pid = pid;
  in.process_start = wt::detail::process_start_time(pid);
  in.since = "2026-01-01T00:00:00.000Z";
  return {k.project_id, k.task_group, k.task_id, std::nullopt, f.repo.string(), dirs::worktree_path(f.home, k).string(),
          "feat-" + k.task_id, "main", run_git(f.repo, {"rev-parse", "main"}), status, in.since, in.since, in};
}

void put_row(const fixture& f, const wt::entry& e) {
  wt::update_registry(f.home, {}, [&](wt::registry& reg) {
    wt::put_entry(reg, wt::row_key(e.key()), e);
    return true;
  });
}

bool git_lists(const fixture& f, const std::string& path) {
  return run_git(f.repo, {"worktree", "list", "--porcelain"}).find("worktree " + path + "\n") != std::string::npos;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(kill_inside_worktree_add_is_cleaned_up_by_the_next_provisioning, fixture) {
  // What a prepare killed inside 'git worktree add -b' leaves: its intent, the
  // branch, a folder and a worktree git keeps locked "initializing".
  auto e = pending_row(*this, "p/g/t", wt::entry_status::provisioning, dead_pid());
  e.intent->created_branch = true;
  put_row(*this, e);
  run_git(repo, {"worktree", "add", "-q", "-b", e.branch, e.path, "main"});
  okstra::fs::write_file_atomic(repo / ".git/worktrees/t/locked", "initializing\n");
  BOOST_TEST(run_git(repo, {"worktree", "list", "--porcelain"}).find("locked initializing") != std::string::npos);
  const auto r = task("p/g/t");
  BOOST_TEST(wt::to_string(r.status) == "created");
  const auto row = wt::read_registry(home).entries.at("p+g+t");
  BOOST_TEST(wt::to_string(row.status) == "active");
  BOOST_TEST(!row.intent);
  BOOST_TEST(git_lists(*this, e.path));
  BOOST_TEST(run_git(repo, {"worktree", "list", "--porcelain"}).find("locked") == std::string::npos);
  // An intent whose owner is alive (the test runner's parent) is busy.
  auto live = pending_row(*this, "p/g/live", wt::entry_status::provisioning, static_cast<long>(::getppid()));
  put_row(*this, live);
  BOOST_TEST(code_of([&] { task("p/g/live"); }) == 1);
  BOOST_TEST(wt::reconcile(home, false).busy == std::vector<std::string>{"p+g+live"});
  // The same intent with a start time that is not the process's: a reused pid, so gone.
  wt::update_registry(home, {}, [&](wt::registry& reg) {
    reg.entries.at("p+g+live").intent->process_start += 1;
    return true;
  });
  const auto repaired = wt::reconcile(home, false);
  BOOST_TEST(repaired.repaired.size() == 1u);
  BOOST_TEST(wt::read_registry(home).entries.count("p+g+live") == 0);
}

BOOST_FIXTURE_TEST_CASE(cleanup_deletes_only_a_branch_okstra_created, fixture) {
  // A kept row being re-created: the branch holds work and was not created.
  const auto first = task("p/g/t");
  commit_file(first.worktree->path, "work", "w\n");
  const std::string work = run_git(repo, {"rev-parse", "feat-t"});
  auto mutex = locks::worktree_provision_mutex(home, dirs::parse_task_key("p/g/t"));
  wt::remove(home, {dirs::parse_task_key("p/g/t"), std::nullopt, false, false, {}}, mutex);
  mutex.release();
  auto e = wt::read_registry(home).entries.at("p+g+t");
  BOOST_TEST(wt::to_string(e.status) == "kept");
  e.status = wt::entry_status::provisioning;
  e.intent = pending_row(*this, "p/g/t", e.status, dead_pid()).intent;
  e.intent->previous_status = wt::entry_status::kept;
  put_row(*this, e);
  run_git(repo, {"worktree", "add", "-q", e.path, e.branch});
  const auto repaired = wt::reconcile(home, false);
  BOOST_TEST(repaired.repaired.size() == 1u);
  BOOST_TEST(!stdfs::exists(e.path));
  BOOST_TEST(run_git(repo, {"rev-parse", "feat-t"}) == work);
  BOOST_TEST(wt::to_string(wt::read_registry(home).entries.at("p+g+t").status) == "kept");
}

BOOST_FIXTURE_TEST_CASE(killed_remove_is_finished_even_when_git_forgot_the_worktree, fixture) {
  stdfs::create_directories(tmp / "outside");
  okstra::fs::write_file_atomic(tmp / "outside/keep", "x");
  for (const std::string key : {"p/g/by-remove", "p/g/by-reconcile"}) {
    const auto t = task(key);
    commit_file(t.worktree->path, "work", "w\n");
    auto e = wt::read_registry(home).entries.at(wt::row_key(dirs::parse_task_key(key)));
    e.status = wt::entry_status::removing;
    e.intent = pending_row(*this, key, e.status, dead_pid()).intent;
    put_row(*this, e);
    // git's own remove killed half-way: admin entry gone, folder half deleted,
    // and a link pointing outside that must not be followed.
    stdfs::remove(stdfs::path(e.path) / ".git");
    stdfs::remove(stdfs::path(e.path) / "README");
    stdfs::create_directory_symlink(tmp / "outside", stdfs::path(e.path) / "link");
    run_git(repo, {"worktree", "prune"});
    BOOST_TEST(!git_lists(*this, e.path));
    if (key == "p/g/by-remove") {
      auto mutex = locks::worktree_provision_mutex(home, e.key());
      const auto r = wt::remove(home, {e.key(), std::nullopt, false, false, {}}, mutex);
      BOOST_TEST(r.kept_branches == std::vector<std::string>{e.branch});
    } else {
      BOOST_TEST(wt::reconcile(home, false).repaired.size() == 1u);
    }
    BOOST_TEST(!stdfs::exists(e.path));
    BOOST_TEST(stdfs::exists(tmp / "outside/keep"));
    BOOST_TEST(wt::to_string(wt::read_registry(home).entries.at(wt::row_key(e.key())).status) == "kept");
  }
}

BOOST_FIXTURE_TEST_CASE(kept_branch_is_reused_by_the_next_provisioning, fixture) {
  const auto k = dirs::parse_task_key("p/g/t");
  const auto t = task("p/g/t");
  commit_file(t.worktree->path, "work", "w\n");
  const std::string work = run_git(repo, {"rev-parse", "feat-t"});
  auto mutex = locks::worktree_provision_mutex(home, k);
  const auto removed = wt::remove(home, {k, std::nullopt, false, false, {}}, mutex);
  BOOST_TEST(removed.kept_branches == std::vector<std::string>{"feat-t"});
  BOOST_TEST(code_of([&] { wt::remove(home, {k, std::nullopt, false, false, {}}, mutex); }) == 1);  // nothing left but the branch
  mutex.release();
  const auto again = task("p/g/t", "main", "bugfix");
  BOOST_TEST(wt::to_string(again.status) == "created");
  BOOST_TEST(again.worktree->branch == "feat-t");
  BOOST_TEST(run_git(again.worktree->path, {"rev-parse", "HEAD"}) == work);
  BOOST_TEST(again.worktree->created_at == t.worktree->created_at);
  auto mutex2 = locks::worktree_provision_mutex(home, k);
  wt::remove(home, {k, std::nullopt, false, false, {}}, mutex2);
  const auto gone = wt::remove(home, {k, std::nullopt, true, false, {}}, mutex2);
  BOOST_TEST(gone.deleted_branches == std::vector<std::string>{"feat-t"});
  BOOST_TEST(wt::read_registry(home).entries.empty());
}

BOOST_FIXTURE_TEST_CASE(branch_ownership_is_per_repository, fixture) {
  const stdfs::path other = tmp / "other";
  stdfs::create_directories(other);
  run_git(other, {"-c", "init.defaultBranch=main", "init", "-q"});
  commit_file(other, "README", "other\n");
  const auto a = task("alpha/bugs/login", "main", "bugfix");
  const auto b = task("beta/bugs/login", "main", "bugfix", other);
  BOOST_TEST(a.worktree->branch == "fix-login");
  BOOST_TEST(b.worktree->branch == "fix-login");
  const auto reg = wt::read_registry(home);
  BOOST_TEST(reg.branches.size() == 2u);
  BOOST_TEST(code_of([&] { task("gamma/bugs/login", "main", "bugfix"); }) == 1);  // same repository: taken
}

BOOST_FIXTURE_TEST_CASE(version_1_registry_is_read_and_written_back_as_version_2, fixture) {
  task("p/g/t");
  std::string text = registry_text();
  text.replace(text.find("\"version\": 2"), 12, "\"version\": 1");
  text = text.substr(0, text.find("\"branches\"")) + "\"branches\": {\"feat-t\": \"p+g+t\"}}\n";
  okstra::fs::write_file_atomic(home.registry_json(), text);
  const auto reg = wt::read_registry(home);
  BOOST_TEST(*wt::branch_owner(reg, reg.entries.at("p+g+t").project_root, "feat-t") == "p+g+t");
  BOOST_TEST(wt::to_string(task("p/g/t").status) == "reused");
  BOOST_TEST(registry_text().find("\"version\": 2") != std::string::npos);
  BOOST_TEST(wt::read_registry(home).entries.size() == 1u);
}
