#define BOOST_TEST_MODULE migrate
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/migrate/migrate.hpp"
#include "okstra/prepare/prepare.hpp"
#include "test_support.hpp"

namespace mg = okstra::migrate;
namespace dirs = okstra::dirs;
namespace fs = okstra::fs;
namespace stdfs = std::filesystem;
using okstra::exit_code;
using okstra::test::contains;
using okstra::test::expect_error;

namespace {



void write(const stdfs::path& file, std::string_view text) {
  stdfs::create_directories(file.parent_path());
  fs::write_file_atomic(file, text);
}

// Every name under `dir` with its content ("<dir>" for folders, "-> x" for links).
std::map<std::string, std::string> snapshot(const stdfs::path& dir) {
  std::map<std::string, std::string> out;
  if (!stdfs::exists(dir)) return out;
  for (auto it = stdfs::recursive_directory_iterator(dir); it != stdfs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().lexically_relative(dir).string();
    const auto type = it->symlink_status().type();
    if (type == stdfs::file_type::directory)
      out[name] = "<dir>";
    else if (type == stdfs::file_type::symlink)
      out[name] = "-> " + stdfs::read_symlink(it->path()).string();
    else
      out[name] = fs::read_file(it->path());
  }
  return out;
}

// "" when equal, else the first name whose presence or content differs.
std::string first_difference(const std::map<std::string, std::string>& got,
                             const std::map<std::string, std::string>& want) {
  for (const auto& [name, content] : want) {
    const auto it = got.find(name);
    if (it == got.end()) return "missing " + name;
    if (it->second != content) return "differs " + name + ": " + it->second;
  }
  for (const auto& [name, content] : got)
    if (!want.count(name)) return "extra " + name;
  return "";
}

// A legacy project and a home whose files name it, as okstra left them.
struct fixture {
  okstra::test::temp_dir tmp;
  stdfs::path root = stdfs::canonical(tmp.path) / "project";
  stdfs::path legacy = root / ".project-docs" / "okstra";
  dirs::home_layout home{stdfs::canonical(tmp.path) / "home"};

  fixture() { populate(); }

  // (Re)creates the whole fixture at the same paths, so that two runs can be
  // compared byte for byte. The lock files exist beforehand, as in any used
  // home (a released lock leaves its file empty).
  void populate() {
    for (const auto& e : stdfs::directory_iterator(tmp.path)) stdfs::remove_all(e.path());
    const std::string L = legacy.string(), R = root.string();
    write(legacy / "project.json", "{\"projectId\": \"shop\", \"projectRoot\": \"" + R + "\"}\n");
    write(legacy / "tasks/pay/refund/task-manifest.json",
          "{\n  \"runs\": [{\"runDir\": \"" + L +
              "/tasks/pay/refund/runs/error-analysis\",\n"
              "            \"reportPath\": \"" +
              L + "/tasks/pay/refund/runs/error-analysis/reports/r.md\"}]\n}\n");
    write(legacy / "tasks/pay/refund/runs/error-analysis/run-context.json",
          "{\"projectRoot\":\"" + R + "\",\"runDir\":\"" + L + "/tasks/pay/refund/runs/error-analysis\"}\n");
    write(legacy / "tasks/pay/refund/runs/error-analysis/reports/r.md", "# report naming " + L + "\n");
    write(legacy / "discovery/latest-task.json", "{\"taskRoot\": \".project-docs/okstra/tasks/pay/refund\"}\n");
    write(legacy / "notes.json", "{\"untouched\": true}\n");
    write(home.project_mirror("shop"), "{\"projectId\":\"shop\",\"projectRoot\":\"" + R + "\"}\n");
    write(home.recent_jsonl(), "{\"runDir\":\"" + L +
                                   "/tasks/pay/refund/runs/error-analysis\",\"status\":\"completed\"}\n"
                                   "torn {\"runDir\":\"" +
                                   L + "\n");
    write(home.active_jsonl(), "{\"runDir\":\"/elsewhere/.okstra/tasks/x\",\"projectRoot\":\"/elsewhere\"}\n");
    write(home.registry_json(), "{\"version\":1,\"entries\":{},\"branches\":{},\"note\":\"" + L + "\"}\n");
    okstra::locks::central_lock(home).release();
    okstra::locks::registry_lock(home).release();
  }

  mg::request request() const {
    mg::request r;
    r.project_dir = root;
    r.working_dir = tmp.path;
    r.home = home;
    return r;
  }
  std::map<std::string, std::string> state() const { return snapshot(tmp.path); }
};

const std::vector<mg::prefix_pair> prefixes{{"/p/.project-docs/okstra", "/p/.okstra"},
                                            {".project-docs/okstra", ".okstra"}};

}  // namespace

// ---- rewriting -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(rewrites_whole_prefixes_of_string_values_only) {
  const std::string in =
      "{ \"a\" : \"/p/.project-docs/okstra/tasks/x\",\n"
      "  \"b\": \"/p/.project-docs/okstra\", \"c\": \"/p/.project-docs/okstrax/y\",\n"
      "  \"/p/.project-docs/okstra/k\": [\"see /p/.project-docs/okstra/x\", 12, true, null],\n"
      "  \"d\": {\"e\": [\".project-docs/okstra/tasks\", \"x.project-docs/okstra\"]}}";
  const auto out = mg::rewrite_json(in, prefixes);
  BOOST_TEST(out.references == 3u);
  BOOST_TEST(out.text ==
             "{ \"a\" : \"/p/.okstra/tasks/x\",\n"
             "  \"b\": \"/p/.okstra\", \"c\": \"/p/.project-docs/okstrax/y\",\n"
             "  \"/p/.project-docs/okstra/k\": [\"see /p/.project-docs/okstra/x\", 12, true, null],\n"
             "  \"d\": {\"e\": [\".okstra/tasks\", \"x.project-docs/okstra\"]}}");
}

BOOST_AUTO_TEST_CASE(escaped_characters_are_decoded_and_the_rest_kept_raw) {
  // "\/" and "\u002e" spell the prefix; the remainder keeps its own escapes.
  const std::string in = R"({"a":"\/p\/.project-docs\/okstra\/t\u00e9\"q\"","b":"\/p\/\u002eproject-docs\/okstra"})";
  const auto out = mg::rewrite_json(in, prefixes);
  BOOST_TEST(out.references == 2u);
  BOOST_TEST(out.text == R"({"a":"/p/.okstra\/t\u00e9\"q\"","b":"/p/.okstra"})");
  // A new prefix that needs escaping is escaped.
  const auto quoted = mg::rewrite_json(R"(["/q \"x\"/.project-docs/okstra/a"])",
                                       {{"/q \"x\"/.project-docs/okstra", "/q \"x\"/.okstra"}});
  BOOST_TEST(quoted.text == R"(["/q \"x\"/.okstra/a"])");
  // A key after an escaped quote in a key is still a key.
  const auto keys = mg::rewrite_json(R"({"k\"":"/p/.project-docs/okstra","/p/.project-docs/okstra":1})", prefixes);
  BOOST_TEST(keys.text == R"({"k\"":"/p/.okstra","/p/.project-docs/okstra":1})");
}

BOOST_AUTO_TEST_CASE(a_text_without_references_is_returned_as_it_is) {
  const std::string in = "{\"a\": \"/q/.project-docs/okstra\"}\n";
  const auto out = mg::rewrite_json(in, prefixes);
  BOOST_TEST(out.references == 0u);
  BOOST_TEST(out.text == in);
}

BOOST_AUTO_TEST_CASE(jsonl_lines_that_do_not_parse_are_kept_byte_for_byte) {
  const std::string in =
      "{\"runDir\":\"/p/.project-docs/okstra/a\"}\n"
      "\n"
      "not json /p/.project-docs/okstra/a\n"
      "{\"runDir\":\"/p/.project-docs/okstra/b\"\n"     // torn
      "{\"x\":\"\xff /p/.project-docs/okstra\"}\n"      // invalid UTF-8
      "{\"runDir\":\"/p/.project-docs/okstra/c\"}\r\n"  // CRLF
      "{\"runDir\":\"/p/.project-docs/okstra/d\"}";     // no final newline
  const auto out = mg::rewrite_jsonl(in, prefixes);
  BOOST_TEST(out.references == 3u);
  BOOST_TEST(out.text ==
             "{\"runDir\":\"/p/.okstra/a\"}\n"
             "\n"
             "not json /p/.project-docs/okstra/a\n"
             "{\"runDir\":\"/p/.project-docs/okstra/b\"\n"
             "{\"x\":\"\xff /p/.project-docs/okstra\"}\n"
             "{\"runDir\":\"/p/.okstra/c\"}\r\n"
             "{\"runDir\":\"/p/.okstra/d\"}");
  BOOST_REQUIRE(out.changes.size() == 3u);
  BOOST_TEST(out.changes[1].original == "{\"runDir\":\"/p/.project-docs/okstra/c\"}\r");
}

// ---- the plan ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(plan_lists_the_move_and_every_reference) {
  fixture f;
  write(f.legacy / "broken.json", "{\"a\": \"" + f.legacy.string() + "\"");
  stdfs::create_symlink(f.legacy / "notes.json", f.legacy / "link.json");
  const auto before = f.state();
  const auto plan = mg::build_plan(f.request());
  BOOST_TEST(first_difference(f.state(), before) == "");
  BOOST_TEST(mg::to_string(plan.state) == "legacy");
  BOOST_TEST(!plan.nothing_to_do);
  BOOST_TEST(plan.files == 8u);  // 7 files and the link
  BOOST_TEST(plan.folders == 7u);
  BOOST_TEST(plan.remove_legacy_parent);
  BOOST_TEST(!plan.replaces_empty_current);
  std::vector<std::string> project;
  for (const auto& row : plan.project_files) project.push_back(row.path + ":" + std::to_string(row.references));
  BOOST_TEST(project == (std::vector<std::string>{"discovery/latest-task.json:1",
                                                  "tasks/pay/refund/runs/error-analysis/run-context.json:1",
                                                  "tasks/pay/refund/task-manifest.json:2"}),
             boost::test_tools::per_element());
  std::vector<std::string> home;
  for (const auto& row : plan.home_files) home.push_back(row.path + ":" + row.lock);
  BOOST_TEST(home == (std::vector<std::string>{f.home.recent_jsonl().string() + ":central",
                                               f.home.registry_json().string() + ":registry"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE(plan.warnings.size() == 2u);
  BOOST_TEST(contains(plan.warnings[0], "symbolic link into the old location"));
  BOOST_TEST(contains(plan.warnings[1], "malformed JSON"));
  BOOST_TEST(plan.steps.front() == "journal");
}

BOOST_AUTO_TEST_CASE(plan_knows_every_spelling_of_the_root) {
  fixture f;
  const stdfs::path alias = f.tmp.path / "alias";
  stdfs::create_directory_symlink(f.root, alias);
  write(f.legacy / "alias.json", "{\"p\": \"" + (alias / ".project-docs/okstra/x").string() + "\"}");
  auto r = f.request();
  r.project_dir = alias;
  const auto plan = mg::build_plan(r);
  BOOST_TEST(plan.project_root == f.root.string());
  BOOST_REQUIRE(plan.home_prefixes.size() == 2u);
  BOOST_TEST(plan.home_prefixes[1].from == (alias / ".project-docs/okstra").string());
  const auto applied = mg::apply(r);
  BOOST_TEST(fs::read_file(f.root / ".okstra/alias.json") == "{\"p\": \"" + (alias / ".okstra/x").string() + "\"}");
  BOOST_CHECK(applied.plan == plan);
}

// ---- refusals: nothing changes -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(each_refusal_changes_nothing) {
  const auto refused = [](fixture& f, std::string_view reason) {
    const auto before = f.state();
    const auto e = expect_error([&] { mg::build_plan(f.request()); }, exit_code::refused);
    BOOST_TEST(contains(e.what(), "migrate refused: " + std::string(reason)), e.what());
    expect_error([&] { mg::apply(f.request()); }, exit_code::refused);
    BOOST_TEST(first_difference(f.state(), before) == "");
  };
  {
    fixture f;
    stdfs::remove_all(f.root / ".project-docs");
    refused(f, "no legacy folder");
  }
  {
    fixture f;
    write(f.root / ".okstra/x", "x");
    refused(f, ".okstra/ already exists and is not empty");
  }
  {
    fixture f;
    write(f.root / ".okstra", "a file");
    refused(f, ".okstra exists and is not a folder");
  }
  {
    fixture f;
    stdfs::rename(f.legacy, f.tmp.path / "real");
    stdfs::create_directory_symlink(f.tmp.path / "real", f.legacy);
    refused(f, "the legacy folder is a symbolic link");
  }
  {
    fixture f;
    stdfs::rename(f.root / ".project-docs", f.tmp.path / "docs");
    stdfs::create_directory_symlink(f.tmp.path / "docs", f.root / ".project-docs");
    refused(f, "the legacy folder is reached through a symbolic link");
  }
  for (const std::string line :
       {"{\"projectRoot\":\"@R\",\"runDir\":\"/x\"}", "{\"runDir\":\"@R/.project-docs/okstra/tasks/a/b/runs/x\"}",
        "{\"reportPath\":\"@R/.okstra/tasks/a/b/r.md\"}"}) {
    fixture f;
    std::string text = line;
    text.replace(text.find("@R"), 2, f.root.string());
    fs::append_line(f.home.active_jsonl(), text);
    refused(f, "a run of this project is active");
  }
  {
    fixture f;
    auto r = f.request();
    r.working_dir = f.legacy / "tasks";
    const auto before = f.state();
    const auto e = expect_error([&] { mg::apply(r); }, exit_code::refused);
    BOOST_TEST(contains(e.what(), "migrate refused: the current directory is inside the folder being moved"));
    BOOST_TEST(first_difference(f.state(), before) == "");
  }
}

BOOST_AUTO_TEST_CASE(an_empty_current_folder_is_replaced_and_put_back_by_undo) {
  fixture f;
  stdfs::create_directory(f.root / ".okstra");
  const auto before = f.state();
  BOOST_TEST(mg::build_plan(f.request()).replaces_empty_current);
  BOOST_CHECK_THROW(mg::apply(f.request(),
                              [](std::string_view s) {
                                if (s == "cleanup") throw std::runtime_error("kill");
                              }),
                    std::runtime_error);
  mg::undo(f.request());
  BOOST_TEST(first_difference(f.state(), before) == "");
}

// ---- apply, resume, undo ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(apply_migrates_and_a_second_apply_has_nothing_to_do) {
  fixture f;
  const auto dry = mg::build_plan(f.request());
  const auto done = mg::apply(f.request());
  BOOST_CHECK(done.plan == dry);
  BOOST_TEST(done.result.status == "migrated");
  BOOST_TEST(done.result.moved);
  BOOST_TEST(done.result.files_rewritten == 5u);
  BOOST_TEST(done.result.references_rewritten == 6u);
  BOOST_TEST(done.result.legacy_parent_removed);
  BOOST_TEST(!stdfs::exists(f.root / ".project-docs"));
  BOOST_TEST(!stdfs::exists(dirs::migrate_journal(f.root)));
  const std::string N = (f.root / ".okstra").string();
  BOOST_TEST(fs::read_file(f.root / ".okstra/discovery/latest-task.json") ==
             "{\"taskRoot\": \".okstra/tasks/pay/refund\"}\n");
  BOOST_TEST(fs::read_file(f.home.recent_jsonl()) ==
             "{\"runDir\":\"" + N +
                 "/tasks/pay/refund/runs/error-analysis\",\"status\":\"completed\"}\n"
                 "torn {\"runDir\":\"" +
                 f.legacy.string() + "\n");
  BOOST_TEST(fs::read_file(f.root / ".okstra/tasks/pay/refund/runs/error-analysis/reports/r.md") ==
             "# report naming " + f.legacy.string() + "\n");
  const auto again = mg::apply(f.request());
  BOOST_TEST(again.result.status == "nothing-to-do");
  BOOST_TEST(again.plan.nothing_to_do);
  BOOST_TEST(mg::to_string(mg::build_plan(f.request()).state) == "migrated");
}

// A run killed in its first journal write leaves the journal's temporary in
// the project root and no journal naming it: the next --apply removes it
// (docs/cli.md, "Files okstra writes"), and keeps a live writer's.
BOOST_AUTO_TEST_CASE(apply_removes_a_dead_writers_journal_temporary) {
  fixture f;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  BOOST_REQUIRE(child > 0);
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);  // gone, its pid free
  const stdfs::path journal = dirs::migrate_journal(f.root);
  const stdfs::path dead = f.root / ("." + journal.filename().string() + ".tmp-" + std::to_string(child) + "-0");
  const stdfs::path live = f.root / ("." + journal.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-9");
  write(dead, "{\"version\":1,\"half");
  write(live, "{\"version\":1,\"half");
  BOOST_TEST(mg::apply(f.request()).result.status == "migrated");
  BOOST_TEST(!stdfs::exists(dead));
  BOOST_TEST(stdfs::exists(live));
}

BOOST_AUTO_TEST_CASE(a_run_interrupted_at_any_step_is_finished_by_a_rerun) {
  fixture f;
  const auto clean = mg::apply(f.request());
  const auto expected = f.state();
  for (const auto step : mg::pause_steps) {
    if (std::string_view(step).starts_with("undo-")) continue;
    f.populate();
    BOOST_CHECK_THROW(mg::apply(f.request(),
                                [&](std::string_view s) {
                                  if (s == step) throw std::runtime_error("killed");
                                }),
                      std::runtime_error);
    BOOST_TEST(stdfs::exists(dirs::migrate_journal(f.root)), step);
    BOOST_TEST(mg::to_string(mg::build_plan(f.request()).state) == "interrupted");
    // A half-migrated project is refused by prepare until the migration ends.
    okstra::prepare::rollback_journal pj;
    expect_error([&] { okstra::prepare::ensure_project(f.home, f.root, "shop", pj); }, exit_code::refused);
    const auto resumed = mg::apply(f.request());
    BOOST_TEST(resumed.result.resumed, step);
    BOOST_TEST(first_difference(f.state(), expected) == "", "after a kill at " << step);
    auto shown = resumed.plan;
    shown.state = mg::project_state::legacy;
    BOOST_CHECK(shown == clean.plan);
  }
}

BOOST_AUTO_TEST_CASE(undo_restores_the_legacy_layout_from_any_step) {
  for (const auto step : mg::pause_steps) {
    if (std::string_view(step).starts_with("undo-")) continue;
    fixture f;
    const auto before = f.state();
    BOOST_CHECK_THROW(mg::apply(f.request(),
                                [&](std::string_view s) {
                                  if (s == step) throw std::runtime_error("killed");
                                }),
                      std::runtime_error);
    // An undo interrupted half-way is finished by another undo.
    BOOST_CHECK_THROW(mg::undo(f.request(),
                               [](std::string_view s) {
                                 if (s == "undo-project") throw std::runtime_error("killed");
                               }),
                      std::runtime_error);
    const auto undone = mg::undo(f.request());
    BOOST_TEST(undone.result.status == "undone");
    BOOST_TEST(first_difference(f.state(), before) == "", "undo after a kill at " << step);
  }
}

BOOST_AUTO_TEST_CASE(undo_keeps_lines_others_added_meanwhile) {
  fixture f;
  BOOST_CHECK_THROW(mg::apply(f.request(),
                              [](std::string_view s) {
                                if (s == "cleanup") throw std::runtime_error("k");
                              }),
                    std::runtime_error);
  const std::string other = "{\"runDir\":\"/other/.okstra/tasks/a\"}";
  fs::append_line(f.home.recent_jsonl(), other);
  mg::undo(f.request());
  const std::string recent = fs::read_file(f.home.recent_jsonl());
  BOOST_TEST(recent.starts_with("{\"runDir\":\"" + f.legacy.string() + "/tasks/pay/refund/runs/error-analysis\""));
  BOOST_TEST(recent.ends_with(other + "\n"));
}

BOOST_AUTO_TEST_CASE(undo_without_a_journal_and_a_corrupt_journal) {
  fixture f;
  const auto e = expect_error([&] { mg::undo(f.request()); }, exit_code::refused);
  BOOST_TEST(contains(e.what(), "migrate refused: no interrupted migration to undo"));
  write(dirs::migrate_journal(f.root), "{\"version\": 1");
  const auto bad = expect_error([&] { mg::apply(f.request()); }, exit_code::input);
  BOOST_TEST(contains(bad.what(), "corrupt migration journal"));
  write(dirs::migrate_journal(f.root), "{\"version\": 1, \"tool\": \"okstra-migrate\"}");
  expect_error([&] { mg::build_plan(f.request()); }, exit_code::input);
}

BOOST_AUTO_TEST_CASE(the_journal_names_the_plan_and_the_steps) {
  fixture f;
  std::string journal;
  BOOST_CHECK_THROW(mg::apply(f.request(),
                              [&](std::string_view s) {
                                if (s != "rewrite-project") return;
                                journal = fs::read_file(dirs::migrate_journal(f.root));
                                throw std::runtime_error("killed");
                              }),
                    std::runtime_error);
  const auto doc = okstra::json::parse(journal, "journal");
  BOOST_TEST(okstra::json::get_string(doc, "direction").value_or("") == "apply");
  std::vector<std::string> states;
  for (const auto& s : doc["steps"].GetArray())
    states.push_back(std::string(okstra::json::get_string(s, "name").value_or("")) + "=" +
                     std::string(okstra::json::get_string(s, "state").value_or("")));
  BOOST_TEST(states[0] == "journal=done");
  BOOST_TEST(states[2] == "rewrite-project=done");
  BOOST_TEST(states[3] == "rewrite-projects=pending");
  BOOST_TEST(doc["files"].GetArray().Size() == 5u);
}

BOOST_AUTO_TEST_CASE(relative_paths_are_rewritten_only_in_the_projects_own_files) {
  fixture f;
  const std::string mine =
      "{\"projectId\":\"shop\",\"prTemplatePath\":\".project-docs/okstra/pr.md\",\"projectRoot\":\"" + f.root.string() +
      "\"}\n";
  const std::string theirs =
      "{\"projectId\":\"other\",\"prTemplatePath\":\".project-docs/okstra/pr.md\",\"projectRoot\":\"/elsewhere\"}\n";
  write(f.home.project_mirror("shop"), mine);
  write(f.home.project_mirror("other"), theirs);
  const auto done = mg::apply(f.request());
  BOOST_TEST(fs::read_file(f.home.project_mirror("shop")) ==
             "{\"projectId\":\"shop\",\"prTemplatePath\":\".okstra/pr.md\",\"projectRoot\":\"" + f.root.string() +
                 "\"}\n");
  BOOST_TEST(fs::read_file(f.home.project_mirror("other")) == theirs);
  bool listed = false;
  for (const auto& row : done.plan.home_files)
    if (row.path == f.home.project_mirror("shop").string()) listed = row.prefixes == "project";
  BOOST_TEST(listed);
}
