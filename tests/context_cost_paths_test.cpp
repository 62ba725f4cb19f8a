// Tests of the paths okstra-cost shows (docs/cost.md, "Paths in the output"):
// relative to the project root the task root lies in, found from the layout
// (current and legacy), else relative to the task root; part of the
// context_cost test program (the metrics are in context_cost_test.cpp).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "okstra/context_cost/context_cost.hpp"
#include "test_support.hpp"

namespace cc = okstra::context_cost;
namespace stdfs = std::filesystem;
using strings = std::vector<std::string>;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace context_cost_paths_test {

using okstra::test::temp_dir;

void write(const stdfs::path& p, const std::string& text) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A task bundle at `task_root`: a manifest, an analysis packet and one run.
void make_bundle(const stdfs::path& task_root) {
  write(task_root / "task-manifest.json", "{}\n");
  write(task_root / "instruction-set/analysis-packet.md", "packet");
  write(task_root / "runs/error-analysis/run-context.json", R"({"createdAt":"2026-06-01T00:00:00Z"})");
  write(task_root / "runs/error-analysis/worker-results/claude-worker.md", "result");
}

cc::report measure_at(const stdfs::path& task_root, const temp_dir& dir, std::optional<stdfs::path> run_dir = {}) {
  return cc::measure({task_root, std::move(run_dir), {dir.path / "claude"}, dir.path / "okstra", std::nullopt});
}


BOOST_AUTO_TEST_SUITE(paths)

BOOST_AUTO_TEST_CASE(the_project_root_is_found_from_the_layout) {
  BOOST_TEST(cc::project_root_of("/w/shop/.okstra/tasks/payments/refund").value_or("") == "/w/shop");
  BOOST_TEST(cc::project_root_of("/w/shop/.project-docs/okstra/tasks/g/t").value_or("") == "/w/shop");
  // The nearest wins: a task worktree inside the okstra home holds its own project.
  BOOST_TEST(cc::project_root_of("/h/.okstra/worktrees/p/g/t/.okstra/tasks/g/t").value_or("") ==
             "/h/.okstra/worktrees/p/g/t");
  // Not below tasks/ of an okstra folder: no project.
  BOOST_TEST(!cc::project_root_of("/w/shop/.okstra/notes/g/t").has_value());
  BOOST_TEST(!cc::project_root_of("/w/shop/okstra/tasks/g/t").has_value());  // not under .project-docs
  BOOST_TEST(!cc::project_root_of("/tmp/task").has_value());
  BOOST_TEST(!cc::project_root_of("/").has_value());
}

BOOST_AUTO_TEST_CASE(bundle_paths_are_relative_to_the_project_root) {
  temp_dir dir;
  const stdfs::path project = dir.path / "shop";
  const stdfs::path task = project / ".okstra/tasks/payments/refund-timeout";
  make_bundle(task);
  const auto r = measure_at(task, dir);
  const std::string base = ".okstra/tasks/payments/refund-timeout/";
  BOOST_TEST(r.task_root == task.lexically_normal().generic_string());
  BOOST_TEST(r.project_root.value_or("") == project.lexically_normal().generic_string());
  BOOST_TEST(r.run_dir.value_or("") == base + "runs/error-analysis");
  BOOST_TEST(r.instruction_set.path == base + "instruction-set");
  BOOST_TEST(r.lead_phase1.files == (strings{base + "task-manifest.json", base + "runs/error-analysis/run-context.json",
                                             base + "instruction-set/analysis-packet.md"}),
             boost::test_tools::per_element());
  BOOST_TEST(r.report_writer.files == (strings{base + "runs/error-analysis/worker-results/claude-worker.md"}),
             boost::test_tools::per_element());
  const std::string json = cc::to_json(r, false);
  BOOST_TEST(json.find("\"projectRoot\":\"" + project.lexically_normal().generic_string() + "\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_legacy_layout_and_a_run_elsewhere_in_the_project) {
  temp_dir dir;
  const stdfs::path project = dir.path / "old";
  const stdfs::path task = project / ".project-docs/okstra/tasks/g/t";
  make_bundle(task);
  const stdfs::path other_run = project / "scratch/run";
  write(other_run / "worker-results/codex-worker.md", "elsewhere");
  const auto r = measure_at(task, dir, other_run);
  BOOST_TEST(r.project_root.value_or("") == project.lexically_normal().generic_string());
  BOOST_TEST(r.run_dir.value_or("") == "scratch/run");
  BOOST_TEST(r.report_writer.files == (strings{"scratch/run/worker-results/codex-worker.md"}),
             boost::test_tools::per_element());
  // A run outside the project stays absolute.
  const stdfs::path outside = dir.path / "outside-run";
  write(outside / "worker-results/x.md", "x");
  const auto o = measure_at(task, dir, outside);
  BOOST_TEST(o.run_dir.value_or("") == outside.lexically_normal().generic_string());
}

BOOST_AUTO_TEST_CASE(a_task_root_in_no_project_is_its_own_base) {
  temp_dir dir;
  make_bundle(dir.path / "copied-task");
  const auto r = measure_at(dir.path / "copied-task", dir);
  BOOST_TEST(!r.project_root.has_value());
  BOOST_TEST(r.run_dir.value_or("") == "runs/error-analysis");
  BOOST_TEST(r.instruction_set.path == "instruction-set");
  BOOST_TEST(cc::to_json(r, false).find("\"projectRoot\":null") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace context_cost_paths_test
