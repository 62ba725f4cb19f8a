#define BOOST_TEST_MODULE prepare
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/prepare/prepare.hpp"
#include "okstra/version.hpp"

#include "test_support.hpp"

namespace prep = okstra::prepare;
namespace dirs = okstra::dirs;
namespace fs = okstra::fs;
namespace json = okstra::json;
namespace stdfs = std::filesystem;
using okstra::exit_code;
using okstra::test::contains;
using okstra::test::expect_error;

namespace {

struct temp_dir {
  stdfs::path root;
  temp_dir() {
    char pattern[] = "/tmp/okstra-prepare-XXXXXX";
    root = stdfs::canonical(::mkdtemp(pattern));
  }
  ~temp_dir() { stdfs::remove_all(root); }
};

// A home, a project folder and the environment a prepare runs in.
struct fixture {
  temp_dir tmp;
  dirs::home_layout home{tmp.root / "home"};
  stdfs::path project = tmp.root / "project";
  fixture() {
    stdfs::create_directories(project);
    ::setenv("OKSTRA_SKIP_INSTALL_CHECK", "1", 1);
  }
  ~fixture() { ::unsetenv("OKSTRA_SKIP_INSTALL_CHECK"); }

  prep::template_source templates() const { return prep::find_templates(home); }
  prep::run_request request(std::string type, std::string task = "refund-timeout") const {
    prep::run_request r;
    r.key = dirs::make_task_key("shop", "payments", task);
    r.task_type = std::move(type);
    r.task_brief = "Refunds time out after 30 s when the bank is slow.";
    r.directives = {"keep the public API"};
    return r;
  }
  prep::worktree_facts skipped_worktree() const { return {project.string(), "", "", ""}; }
  prep::run_context run(const prep::run_request& r, std::optional<int> stage = std::nullopt) {
    prep::rollback_journal journal;
    const auto info = prep::ensure_project(home, project, r.key.project_id, journal);
    auto context = prep::materialize_run(home, info, r, stage, skipped_worktree(), templates(), journal);
    journal.commit();
    return context;
  }
};



std::vector<std::string> lines_of(const stdfs::path& file) {
  std::vector<std::string> lines;
  const std::string text = fs::read_file(file);
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  BOOST_TEST(start == text.size(), "file ends without a newline");
  return lines;
}

// Every regular file and folder below `root`, relative.
std::set<std::string> tree(const stdfs::path& root) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : stdfs::recursive_directory_iterator(root, ec)) out.insert(stdfs::relative(e.path(), root).string());
  return out;
}

}  // namespace

// ---- templates ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(render_substitutes_and_never_rescans_values) {
  const prep::template_values values{{"A", "{{B}}"}, {"B", "bee"}, {"EMPTY", ""}};
  BOOST_TEST(prep::render("x {{A}} y {{B}}{{EMPTY}} }} z", values, "t.md") == "x {{B}} y bee }} z");
  BOOST_TEST(prep::render("no placeholders", values, "t.md") == "no placeholders");
}

BOOST_AUTO_TEST_CASE(unknown_unclosed_and_malformed_placeholders_are_input_errors) {
  const prep::template_values values{{"KNOWN", "k"}};
  auto e = expect_error([&] { prep::render("line 1\n{{KNOWN}} {{MISSING}}\n", values, "/t/brief.md"); }, exit_code::input);
  BOOST_TEST(std::string(e.what()) == "unknown placeholder '{{MISSING}}' in template '/t/brief.md' at line 2");
  e = expect_error([&] { prep::render("a {{KNOWN", values, "x.md"); }, exit_code::input);
  BOOST_TEST(contains(e.what(), "unclosed placeholder '{{KNOWN'"));
  BOOST_TEST(contains(e.what(), "'x.md'"));
  e = expect_error([&] { prep::render("{{ known }}", values, "x.md"); }, exit_code::input);
  BOOST_TEST(contains(e.what(), "malformed placeholder '{{ known }}'"));
}

BOOST_AUTO_TEST_CASE(render_file_names_the_template_file) {
  temp_dir t;
  fs::write_file_atomic(t.root / "bad.md", "hello {{NOPE}}\n");
  const auto e = expect_error([&] { prep::render_file({t.root, "test"}, "bad.md", {}); }, exit_code::input);
  BOOST_TEST(contains(e.what(), "'{{NOPE}}'"));
  BOOST_TEST(contains(e.what(), (t.root / "bad.md").string()));
}

BOOST_AUTO_TEST_CASE(every_task_type_has_its_template_set) {
  for (const auto type : dirs::task_types) {
    const auto set = prep::templates_for(type);
    BOOST_TEST(set.instruction_set.size() == (dirs::is_stage_scoped(type) ? 5u : 4u));
    BOOST_TEST(set.report == "task-types/" + std::string(type) + "/report.md");
  }
  expect_error([] { prep::templates_for("lunch"); }, exit_code::usage);
  const auto files = prep::all_template_files();
  // instruction set, preamble + PR body, per type, the project settings template
  BOOST_TEST(files.size() == 5u + 2u + 7u * 2u + 1u);
  BOOST_TEST((std::find(files.begin(), files.end(), "settings.local.json") != files.end()));
}

BOOST_AUTO_TEST_CASE(templates_come_from_the_home_when_installed_else_the_data_dir) {
  fixture f;
  const auto source = f.templates();
  BOOST_TEST(source.origin == "data-dir");  // the build folder's share/okstra (docs/dirs.md)
  for (const auto& file : prep::all_template_files()) {
    stdfs::create_directories((f.home.templates_dir() / file).parent_path());
    stdfs::copy_file(source.dir / file, f.home.templates_dir() / file);
  }
  BOOST_TEST(f.templates().origin == "installed");
  BOOST_TEST(f.templates().dir == f.home.templates_dir());
}

// ---- install check -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(install_check_needs_version_and_templates_unless_skipped) {
  fixture f;
  prep::check_installation(f.home);  // skipped by the fixture
  ::setenv("OKSTRA_SKIP_INSTALL_CHECK", "  ", 1);  // blank means not set
  // Nothing installed: the stamp and every template are named, in one line.
  auto e = expect_error([&] { prep::check_installation(f.home); }, exit_code::input);
  BOOST_TEST(contains(e.what(), "okstra is not installed: missing '" + f.home.version_file().string() + "'"));
  const auto templates = prep::all_template_files();
  BOOST_TEST(templates.size() > 1);
  for (const auto& file : templates)
    BOOST_TEST(contains(e.what(), "'" + (f.home.templates_dir() / file).string() + "'"));
  BOOST_TEST(!contains(e.what(), "\n"));
  BOOST_TEST(contains(e.hint(), "okstra setup"));
  stdfs::create_directories(f.home.root);
  fs::write_file_atomic(f.home.version_file(), "0.1.0\n");
  e = expect_error([&] { prep::check_installation(f.home); }, exit_code::input);
  BOOST_TEST(!contains(e.what(), f.home.version_file().string()));
  BOOST_TEST(contains(e.what(), "missing '" + f.home.templates_dir().string()));
  BOOST_TEST(contains(e.hint(), "okstra setup"));
  stdfs::copy(f.templates().dir, f.home.templates_dir(), stdfs::copy_options::recursive);
  prep::check_installation(f.home);
  // Two templates gone: both are named.
  stdfs::remove(f.home.templates_dir() / "task-types/release-handoff/report.md");
  stdfs::remove(f.home.templates_dir() / templates.front());
  e = expect_error([&] { prep::check_installation(f.home); }, exit_code::input);
  BOOST_TEST(contains(e.what(), "release-handoff/report.md'"));
  BOOST_TEST(contains(e.what(), "'" + (f.home.templates_dir() / templates.front()).string() + "'"));
}

// ---- project ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_new_project_gets_project_json_and_a_mirror) {
  fixture f;
  prep::rollback_journal journal;
  const auto info = prep::ensure_project(f.home, f.project, "shop", journal);
  journal.commit();
  BOOST_TEST(info.created);
  const auto doc = json::read_file(f.project / ".okstra/project.json");
  BOOST_TEST(json::get_string(doc, "projectId").value() == "shop");
  BOOST_TEST(json::get_string(doc, "projectRoot").value() == f.project.string());
  const auto mirror = json::read_file(f.home.projects_dir() / "shop.json");
  BOOST_TEST(json::get_string(mirror, "projectRoot").value() == f.project.string());
  prep::rollback_journal again;
  BOOST_TEST(!prep::ensure_project(f.home, f.project, "shop", again).created);
  BOOST_TEST(again.size() == 0u);  // nothing changed, nothing to undo
}

BOOST_AUTO_TEST_CASE(a_legacy_project_is_refused_with_a_migrate_hint) {
  fixture f;
  stdfs::create_directories(f.project / ".project-docs/okstra");
  prep::rollback_journal journal;
  const auto e = expect_error([&] { prep::ensure_project(f.home, f.project, "shop", journal); }, exit_code::refused);
  BOOST_TEST(contains(e.what(), "legacy project layout '" + (f.project / ".project-docs/okstra").string() + "'"));
  BOOST_TEST(contains(e.hint(), "okstra migrate"));
  BOOST_TEST(!stdfs::exists(f.project / ".okstra"));
  stdfs::create_directories(f.project / ".okstra");
  expect_error([&] { prep::ensure_project(f.home, f.project, "shop", journal); }, exit_code::refused);
}

BOOST_AUTO_TEST_CASE(a_project_id_that_contradicts_the_project_or_the_mirror_is_refused) {
  fixture f;
  prep::rollback_journal journal;
  prep::ensure_project(f.home, f.project, "shop", journal);
  journal.commit();
  auto e = expect_error([&] { prep::ensure_project(f.home, f.project, "other", journal); }, exit_code::usage);
  BOOST_TEST(contains(e.what(), "project id does not match 'other'"));
  const stdfs::path second = f.tmp.root / "second";
  stdfs::create_directories(second);
  e = expect_error([&] { prep::ensure_project(f.home, second, "shop", journal); }, exit_code::refused);
  BOOST_TEST(contains(e.what(), "project id already belongs to another project 'shop'"));
  journal.rollback();
  BOOST_TEST(!stdfs::exists(second / ".okstra"));  // the refused prepare left nothing behind
}

// ---- PR template -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(pr_template_precedence_override_project_global_default) {
  fixture f;
  prep::rollback_journal journal;
  auto info = prep::ensure_project(f.home, f.project, "shop", journal);
  journal.commit();
  const auto templates = f.templates();
  auto pr = prep::resolve_pr_template(std::nullopt, info, f.home, templates);
  BOOST_TEST(pr.source == "default");
  BOOST_TEST(pr.path == templates.dir / "pr-body.template.md");

  fs::write_file_atomic(f.home.root / "global.md", "g\n");
  fs::write_file_atomic(f.home.config_json(), R"({"prTemplatePath": "global.md"})");
  pr = prep::resolve_pr_template(std::nullopt, info, f.home, templates);
  BOOST_TEST(pr.source == "global");
  BOOST_TEST(pr.path == f.home.root / "global.md");

  fs::write_file_atomic(f.project / "pr.md", "p\n");
  info.pr_template_path = "pr.md";  // as read from project.json
  pr = prep::resolve_pr_template(std::nullopt, info, f.home, templates);
  BOOST_TEST(pr.source == "project");
  BOOST_TEST(pr.path == f.project / "pr.md");

  pr = prep::resolve_pr_template(f.home.root / "global.md", info, f.home, templates);
  BOOST_TEST(pr.source == "override");

  const auto e = expect_error([&] { prep::resolve_pr_template(f.tmp.root / "nope.md", info, f.home, templates); },
                              exit_code::input);
  BOOST_TEST(contains(e.what(), "cannot read the pr template '" + (f.tmp.root / "nope.md").string() + "'"));
}

BOOST_AUTO_TEST_CASE(pr_template_path_in_project_json_is_read) {
  fixture f;
  stdfs::create_directories(f.project / ".okstra");
  fs::write_file_atomic(f.project / "pr.md", "p\n");
  fs::write_file_atomic(f.project / ".okstra/project.json", R"({"projectId": "shop", "prTemplatePath": "pr.md"})");
  prep::rollback_journal journal;
  const auto info = prep::ensure_project(f.home, f.project, "shop", journal);
  BOOST_TEST(!info.created);
  BOOST_TEST(prep::resolve_pr_template(std::nullopt, info, f.home, f.templates()).source == "project");
  const auto mirror = json::read_file(f.home.projects_dir() / "shop.json");
  BOOST_TEST(json::get_string(mirror, "prTemplatePath").value() == "pr.md");
}

// ---- run paths and seq ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(seq_counts_up_from_001_past_existing_reports_and_claims) {
  fixture f;
  prep::rollback_journal journal;
  const auto info = prep::ensure_project(f.home, f.project, "shop", journal);
  const auto key = dirs::make_task_key("shop", "payments", "refund-timeout");
  auto paths = prep::allocate_run(info.layout, key, "error-analysis", std::nullopt, journal);
  BOOST_TEST(paths.seq == 1);
  BOOST_TEST(paths.run_dir == f.project / ".okstra/tasks/payments/refund-timeout/runs/error-analysis");
  BOOST_TEST(paths.report_path == paths.run_dir / "reports/final-report-error-analysis-001.md");
  for (const char* sub : {"reports", "worker-results", "prompts", "prompts/001"})
    BOOST_TEST(stdfs::is_directory(paths.run_dir / sub), sub);
  BOOST_TEST(prep::allocate_run(info.layout, key, "error-analysis", std::nullopt, journal).seq == 2);
  fs::write_file_atomic(paths.reports_dir / "final-report-error-analysis-007.md", "old\n");
  fs::write_file_atomic(paths.reports_dir / "final-report-implementation-042.md", "other type\n");
  BOOST_TEST(prep::allocate_run(info.layout, key, "error-analysis", std::nullopt, journal).seq == 8);

  const auto stage = prep::allocate_run(info.layout, key, "implementation", 2, journal);
  BOOST_TEST(stage.run_dir == paths.task_root / "runs/implementation/stage-2");
  BOOST_TEST(stage.seq == 1);
  expect_error([&] { prep::allocate_run(info.layout, key, "implementation", std::nullopt, journal); }, exit_code::usage);
  // final-verification is stage-scoped but not nested.
  BOOST_TEST(prep::allocate_run(info.layout, key, "final-verification", 1, journal).run_dir ==
             paths.task_root / "runs/final-verification");
}

BOOST_AUTO_TEST_CASE(concurrent_claims_never_share_a_seq) {
  fixture f;
  prep::rollback_journal setup;
  const auto info = prep::ensure_project(f.home, f.project, "shop", setup);
  const auto key = dirs::make_task_key("shop", "payments", "refund-timeout");
  std::vector<int> seqs(12);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seqs.size(); ++i)
    threads.emplace_back([&, i] {
      prep::rollback_journal journal;
      seqs[i] = prep::allocate_run(info.layout, key, "error-analysis", std::nullopt, journal).seq;
      journal.commit();
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(std::set<int>(seqs.begin(), seqs.end()).size() == seqs.size());
}

// ---- the bundle, run context, discovery -------------------------------------------------

BOOST_AUTO_TEST_CASE(every_task_type_renders_a_complete_bundle) {
  fixture f;
  for (const auto type : dirs::task_types) {
    const auto r = f.request(std::string(type));
    const auto context = f.run(r, dirs::is_stage_scoped(type) ? std::optional<int>(1) : std::nullopt);
    const stdfs::path iset = f.project / ".okstra/tasks/payments/refund-timeout/instruction-set";
    for (const auto& file : prep::templates_for(type).instruction_set) {
      const std::string text = fs::read_file(iset / file.output_name);
      BOOST_TEST(!contains(text, "{{"), file.output_name << " of " << type);
    }
    const stdfs::path prompts = stdfs::path(context.run_dir) / "prompts" / prep::seq_text(context.seq);
    const std::string preamble = fs::read_file(prompts / "codex-worker.md");
    BOOST_TEST(contains(preamble, "**Errors log path:**"));
    BOOST_TEST(contains(preamble, "workerId: codex"));
    const std::string report = fs::read_file(prompts / "report-template.md");
    BOOST_TEST(contains(report, "| claude-worker | {{CLAUDE_WORKER_TOTAL_TOKENS}} |"), type);  // for okstra-usage
    BOOST_TEST(contains(report, "## 1. Clarification Items"));
    BOOST_TEST(json::parse(fs::read_file(prompts / "run-inputs.json"), "run-inputs").IsObject());
  }
  const auto manifest = json::read_file(f.project / ".okstra/tasks/payments/refund-timeout/task-manifest.json");
  BOOST_TEST(json::find(manifest, "taskTypes")->Size() == 7u);
  BOOST_TEST(json::find(manifest, "runs")->Size() == 7u);
}

BOOST_AUTO_TEST_CASE(run_context_has_exactly_the_spec_fields_in_order) {
  fixture f;
  auto r = f.request("implementation");
  r.workers = {"codex-worker", "gemini", "codex"};
  r.models = {{"lead", "claude-opus"}};
  const auto c = f.run(r, 3);
  const auto doc = json::read_file(stdfs::path(c.run_dir) / "run-context.json");
  std::vector<std::string> keys;
  for (const auto& m : doc.GetObject()) keys.emplace_back(m.name.GetString());
  const std::vector<std::string> spec{"projectRoot", "taskKey", "taskType", "stage", "seq", "runDir", "reportPath",
                                      "worktreePath", "branch", "baseRef", "baseCommit", "executor", "workers",
                                      "models", "prTemplate", "okstraVersion", "toolVersion", "createdAt"};
  BOOST_TEST(keys == spec, boost::test_tools::per_element());
  BOOST_TEST(json::get_int(doc, "stage").value() == 3);
  BOOST_TEST(json::get_string(doc, "runDir").value() == c.run_dir);
  BOOST_TEST(c.run_dir == (f.project / ".okstra/tasks/payments/refund-timeout/runs/implementation/stage-3").string());
  BOOST_TEST(json::get_string(doc, "worktreePath").value() == f.project.string());
  BOOST_TEST(json::find(doc, "branch")->IsNull());
  BOOST_TEST(json::find(doc, "workers")->Size() == 2u);  // codex, gemini: normalised, no duplicate
  BOOST_TEST(json::get_string(*json::find(doc, "models"), "lead").value() == "claude-opus");
  BOOST_TEST(json::get_string(*json::find(doc, "models"), "gemini-worker").value() == "default");
  BOOST_TEST(json::get_string(*json::find(doc, "prTemplate"), "source").value() == "default");
  // No version stamp in this home (the install check is skipped): okstraVersion is null.
  BOOST_TEST(!stdfs::exists(f.home.version_file()));
  BOOST_TEST(json::find(doc, "okstraVersion")->IsNull());
  BOOST_TEST(json::get_string(doc, "toolVersion").value() == okstra::version);
  BOOST_TEST(stdfs::is_regular_file(f.project / ".okstra/tasks/payments/refund-timeout/instruction-set/stage-scope.md"));
  // With a stamp: okstraVersion is the installed okstra's, toolVersion still the program's.
  fs::write_file_atomic(f.home.version_file(), "  0.0.9 \nanything after the first line\n");
  const auto stamped = json::read_file(stdfs::path(f.run(r, 4).run_dir) / "run-context.json");
  BOOST_TEST(json::get_string(stamped, "okstraVersion").value() == "0.0.9");
  BOOST_TEST(json::get_string(stamped, "toolVersion").value() == okstra::version);
  r.executor = "copilot";
  expect_error([&] { f.run(r, 3); }, exit_code::usage);
}

BOOST_AUTO_TEST_CASE(discovery_files_list_every_task_and_point_at_the_latest_run) {
  fixture f;
  f.run(f.request("requirements-discovery", "zeta"));
  f.run(f.request("error-analysis", "alpha"));
  const auto last = f.run(f.request("implementation-planning", "zeta"));
  const auto catalog = json::read_file(f.project / ".okstra/discovery/task-catalog.json");
  const auto& tasks = *json::find(catalog, "tasks");
  BOOST_REQUIRE(tasks.Size() == 2u);
  BOOST_TEST(json::get_string(tasks[0], "taskKey").value() == "shop/payments/alpha");
  BOOST_TEST(json::get_string(tasks[1], "taskKey").value() == "shop/payments/zeta");
  const auto& history = *json::find(tasks[1], "taskTypes");
  BOOST_REQUIRE(history.Size() == 2u);
  BOOST_TEST(std::string(history[1].GetString()) == "implementation-planning");
  BOOST_TEST(json::get_string(*json::find(tasks[1], "lastRun"), "reportPath").value() == last.report_path);
  const auto latest = json::read_file(f.project / ".okstra/discovery/latest-task.json");
  BOOST_TEST(json::get_string(latest, "taskKey").value() == "shop/payments/zeta");
  BOOST_TEST(json::get_string(latest, "runDir").value() == last.run_dir);
  const std::string timeline =
      fs::read_file(f.project / ".okstra/tasks/payments/zeta/instruction-set/timeline.md");
  BOOST_TEST(contains(timeline, "| requirements-discovery | - | 1 |"));
  BOOST_TEST(contains(timeline, "(this run)"));
}

// ---- the central run index --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(record_start_and_finish_move_a_run_from_active_to_recent) {
  fixture f;
  const auto first = f.run(f.request("error-analysis"));
  const auto second = f.run(f.request("error-analysis"));
  BOOST_TEST(lines_of(f.home.active_jsonl()).size() == 2u);
  BOOST_TEST(lines_of(f.home.recent_jsonl()).size() == 2u);
  BOOST_TEST(contains(lines_of(f.home.active_jsonl())[0], R"("status":"running")"));

  // Without a seq, the latest active run of the folder is finished.
  const auto done = prep::finish(f.home, second.run_dir, "completed");
  BOOST_TEST(done.seq == 2);
  BOOST_TEST(done.task_key == "shop/payments/refund-timeout");
  auto active = lines_of(f.home.active_jsonl());
  BOOST_REQUIRE(active.size() == 1u);
  BOOST_TEST(contains(active[0], R"("seq":1)"));
  const auto recent = lines_of(f.home.recent_jsonl());
  BOOST_REQUIRE(recent.size() == 3u);
  BOOST_TEST(contains(recent[2], R"("seq":2)"));
  BOOST_TEST(contains(recent[2], R"("status":"completed","finishedAt":")"));

  BOOST_TEST(prep::finish(f.home, first.run_dir, "timeout", 1).status == "timeout");
  BOOST_TEST(fs::read_file(f.home.active_jsonl()).empty());
  auto e = expect_error([&] { prep::finish(f.home, first.run_dir, "completed"); }, exit_code::refused);
  BOOST_TEST(contains(e.what(), "no active run in '" + first.run_dir + "'"));
  expect_error([&] { prep::finish(f.home, first.run_dir, "done"); }, exit_code::usage);
}

BOOST_AUTO_TEST_CASE(finish_keeps_other_lines_byte_for_byte) {
  fixture f;
  const auto run = f.run(f.request("error-analysis"));
  fs::append_line(f.home.active_jsonl(), "not json, kept as is");
  prep::finish(f.home, run.run_dir, "aborted");
  BOOST_TEST(fs::read_file(f.home.active_jsonl()) == "not json, kept as is\n");
}

// ---- rollback ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_failure_at_the_last_step_removes_exactly_this_prepares_effects) {
  fixture f;
  stdfs::create_directories(f.home.active_jsonl());  // record_start cannot append: fails last
  stdfs::create_directories(f.project / "src");
  const auto before = tree(f.project);
  {
    prep::rollback_journal journal;
    const auto r = f.request("error-analysis");
    const auto info = prep::ensure_project(f.home, f.project, "shop", journal);
    expect_error([&] { prep::materialize_run(f.home, info, r, std::nullopt, f.skipped_worktree(), f.templates(), journal); },
                 exit_code::input);
    BOOST_TEST(journal.rollback().empty());
  }
  BOOST_TEST(tree(f.project) == before, boost::test_tools::per_element());
  BOOST_TEST(!stdfs::exists(f.home.projects_dir() / "shop.json"));
  const auto recent = lines_of(f.home.recent_jsonl());  // the trace is closed, not left running
  BOOST_REQUIRE(recent.size() == 2u);
  BOOST_TEST(contains(recent[1], R"("status":"aborted")"));
}

BOOST_AUTO_TEST_CASE(a_rollback_restores_files_an_earlier_prepare_wrote) {
  fixture f;
  f.run(f.request("error-analysis"));
  const stdfs::path task = f.project / ".okstra/tasks/payments/refund-timeout";
  const std::string manifest = fs::read_file(task / "task-manifest.json");
  const std::string brief = fs::read_file(task / "instruction-set/task-brief.md");
  const std::string catalog = fs::read_file(f.project / ".okstra/discovery/task-catalog.json");
  const auto before = tree(f.project);
  stdfs::remove(f.home.active_jsonl());
  stdfs::create_directories(f.home.active_jsonl());
  {
    prep::rollback_journal journal;  // rolls back when it goes out of scope
    auto r = f.request("implementation-planning");
    r.task_brief = "a different brief";
    const auto info = prep::ensure_project(f.home, f.project, "shop", journal);
    expect_error([&] { prep::materialize_run(f.home, info, r, std::nullopt, f.skipped_worktree(), f.templates(), journal); },
                 exit_code::input);
  }
  BOOST_TEST(tree(f.project) == before, boost::test_tools::per_element());
  BOOST_TEST(fs::read_file(task / "task-manifest.json") == manifest);
  BOOST_TEST(fs::read_file(task / "instruction-set/task-brief.md") == brief);
  BOOST_TEST(fs::read_file(f.project / ".okstra/discovery/task-catalog.json") == catalog);
}

BOOST_AUTO_TEST_CASE(a_rollback_leaves_a_file_someone_else_changed_since) {
  temp_dir t;
  const stdfs::path file = t.root / "shared.json";
  fs::write_file_atomic(file, "v1\n");
  {
    prep::rollback_journal journal;
    prep::write_journaled(file, "v2 (ours)\n", journal);
    fs::write_file_atomic(file, "v3 (theirs)\n");
  }
  BOOST_TEST(fs::read_file(file) == "v3 (theirs)\n");
}

// ---- symlinks below the project root (docs/prepare.md, "Symlinks") --------------------------

BOOST_AUTO_TEST_CASE(a_linked_discovery_folder_is_refused_and_the_bundle_rolled_back) {
  fixture f;
  stdfs::create_directories(f.project / ".okstra");
  stdfs::create_directories(f.tmp.root / "elsewhere");
  fs::write_file_atomic(f.tmp.root / "elsewhere/latest-task.json", "{\"keep\": true}\n");
  stdfs::create_directory_symlink(f.tmp.root / "elsewhere", f.project / ".okstra/discovery");
  const auto before = tree(f.project);
  const auto elsewhere = tree(f.tmp.root / "elsewhere");
  {
    prep::rollback_journal journal;
    const auto r = f.request("error-analysis");
    const auto info = prep::ensure_project(f.home, f.project, "shop", journal);
    const auto e = expect_error(
        [&] { prep::materialize_run(f.home, info, r, std::nullopt, f.skipped_worktree(), f.templates(), journal); },
        exit_code::input);
    BOOST_TEST(std::string(e.what()) ==
               "refusing to follow symlink '" + (f.project / ".okstra/discovery").string() + "'");
    BOOST_TEST(journal.rollback().empty());
  }
  BOOST_TEST(tree(f.project) == before, boost::test_tools::per_element());
  BOOST_TEST(tree(f.tmp.root / "elsewhere") == elsewhere, boost::test_tools::per_element());
  BOOST_TEST(fs::read_file(f.tmp.root / "elsewhere/latest-task.json") == "{\"keep\": true}\n");
  BOOST_TEST(!stdfs::exists(f.home.projects_dir() / "shop.json"));
}

BOOST_AUTO_TEST_CASE(a_linked_okstra_folder_is_refused_before_anything_is_written) {
  fixture f;
  stdfs::create_directories(f.tmp.root / "elsewhere");
  stdfs::create_directory_symlink(f.tmp.root / "elsewhere", f.project / ".okstra");
  prep::rollback_journal journal;
  const auto e = expect_error([&] { prep::ensure_project(f.home, f.project, "shop", journal); }, exit_code::input);
  BOOST_TEST(contains(e.what(), "refusing to follow symlink '" + (f.project / ".okstra").string() + "'"));
  BOOST_TEST(journal.size() == 0u);
  BOOST_TEST(stdfs::is_empty(f.tmp.root / "elsewhere"));
}

BOOST_AUTO_TEST_CASE(an_undo_does_not_follow_a_link_planted_after_the_write) {
  temp_dir t;
  stdfs::create_directories(t.root / "project/.okstra/discovery");
  stdfs::create_directories(t.root / "elsewhere");
  const stdfs::path file = t.root / "project/.okstra/discovery/latest-task.json";
  {
    prep::rollback_journal journal;
    prep::write_journaled_below(t.root / "project", file, "ours\n", journal);
    BOOST_TEST(fs::read_file(file) == "ours\n");
    // The folder swapped for a link to a file with the same content: the undo
    // must neither remove that file nor write through the link.
    stdfs::remove_all(t.root / "project/.okstra/discovery");
    fs::write_file_atomic(t.root / "elsewhere/latest-task.json", "ours\n");
    stdfs::create_directory_symlink(t.root / "elsewhere", t.root / "project/.okstra/discovery");
    const auto failures = journal.rollback();
    BOOST_TEST_REQUIRE(failures.size() == 1u);
    BOOST_TEST(contains(failures[0], "refusing to follow symlink"));
  }
  BOOST_TEST(fs::read_file(t.root / "elsewhere/latest-task.json") == "ours\n");
}

BOOST_AUTO_TEST_CASE(journaled_folders_below_a_root_are_undone_without_following_links) {
  temp_dir t;
  stdfs::create_directories(t.root / "project");
  {
    prep::rollback_journal journal;
    prep::make_folders_below(t.root / "project", t.root / "project/.okstra/tasks/g/t", journal);
    BOOST_TEST(journal.size() == 4u);
    prep::write_journaled_below(t.root / "project", t.root / "project/.okstra/tasks/g/t/a.json", "{}\n", journal);
    expect_error([&] { prep::write_journaled_below(t.root / "project", t.root / "other/x.json", "{}", journal); },
                 exit_code::input);  // not below the root
  }
  BOOST_TEST(stdfs::is_empty(t.root / "project"));
}

// ---- concurrency across processes -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(sixteen_processes_record_and_finish_whole_lines) {
  const char* tools = std::getenv("OKSTRA_TEST_TOOLS");
  BOOST_REQUIRE_MESSAGE(tools, "OKSTRA_TEST_TOOLS is not set (run through meson test)");
  const std::string driver = std::string(tools) + "/okstra-test-prepare";
  temp_dir t;
  const stdfs::path home = t.root / "home";
  const auto run_all = [&](const std::string& action, const std::string& go) {
    std::vector<pid_t> children;
    for (int i = 1; i <= 16; ++i) {
      const pid_t pid = ::fork();
      BOOST_REQUIRE(pid >= 0);
      if (pid == 0) {
        ::setenv("OKSTRA_HOME", home.c_str(), 1);
        const std::string seq = std::to_string(i), dir = (t.root / ("run-" + seq)).string();
        ::execl(driver.c_str(), driver.c_str(), "--action", action.c_str(), "--run-dir", dir.c_str(), "--seq",
                seq.c_str(), "--status", "completed", "--go", go.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
      }
      children.push_back(pid);
    }
    fs::write_file_atomic(go, "go\n");  // release them all at once
    for (const pid_t pid : children) {
      int status = 0;
      BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
      BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), "driver exit status " << status);
    }
  };
  run_all("start", (t.root / "go-start").string());
  const dirs::home_layout layout{home};
  for (const auto& file : {layout.active_jsonl(), layout.recent_jsonl()}) {
    const auto lines = lines_of(file);
    BOOST_TEST(lines.size() == 16u);
    std::set<std::int64_t> seqs;
    for (const auto& line : lines) seqs.insert(json::get_int(json::parse(line, file.string()), "seq").value_or(0));
    BOOST_TEST(seqs.size() == 16u);  // every line whole and parseable, none lost
  }
  run_all("finish", (t.root / "go-finish").string());
  BOOST_TEST(fs::read_file(layout.active_jsonl()).empty());
  const auto recent = lines_of(layout.recent_jsonl());
  BOOST_TEST(recent.size() == 32u);
  for (const auto& line : recent) BOOST_TEST(json::parse(line, "recent").IsObject());
}
