// Tests of okstra/context_cost: the token estimate, file reading, the metrics
// on the sample bundle (tests/data/task-bundle), the installed-or-runtime
// fallback under a temporary HOME, an absent instruction set, errors, the
// comparison and the output formats.
#define BOOST_TEST_MODULE context_cost
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "okstra/context_cost/context_cost.hpp"

namespace cc = okstra::context_cost;
namespace stdfs = std::filesystem;
using strings = std::vector<std::string>;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace context_cost_test {

using okstra::test::scoped_env;
using okstra::test::temp_dir;

void write(const stdfs::path& p, const std::string& text) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

stdfs::path sample() {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  BOOST_REQUIRE_MESSAGE(root && *root, "OKSTRA_SOURCE_ROOT must name the source tree");
  return stdfs::path(root) / "tests/data/task-bundle";
}

// Locations with nothing installed: the Claude root and okstra home are empty folders.
cc::locations isolated(const stdfs::path& task_root, const temp_dir& home,
                       std::optional<stdfs::path> runtime = sample() / "runtime") {
  return {task_root, std::nullopt, {home.path / "claude"}, home.path / "okstra", std::move(runtime)};
}

// The exit code a measurement fails with (0 when it succeeds), as an int
// that Boost.Test can print.
int failure_of(const cc::locations& where) {
  try {
    cc::measure(where);
  } catch (const okstra::error& e) {
    return static_cast<int>(e.code());
  }
  return 0;
}

std::uint64_t tokens(std::string_view text) { return cc::estimate_tokens(text); }

const cc::skill_asset* asset(const cc::report& r, std::string_view name) {
  for (const auto& f : r.skill_assets.files)
    if (f.name == name) return &f;
  return nullptr;
}


// ---- the estimate -------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(token_estimate)

BOOST_AUTO_TEST_CASE(quarters_round_half_to_even) {
  // 0, .25, .5, .75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5
  const std::vector<std::uint64_t> expected = {0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4};
  for (std::uint64_t q = 0; q < expected.size(); ++q)
    BOOST_TEST(cc::round_quarters_half_even(q) == expected[q], "quarters " << q);
  BOOST_TEST(cc::round_quarters_half_even(4 * 1'000'000 + 2) == 1'000'000u);  // 1000000.5 -> even
  BOOST_TEST(cc::round_quarters_half_even(4 * 1'000'001 + 2) == 1'000'002u);  // 1000001.5 -> even
}

BOOST_AUTO_TEST_CASE(ascii_counts_a_quarter_per_code_point) {
  BOOST_TEST(tokens("") == 0u);
  BOOST_TEST(tokens("ab") == 0u);            // 0.5 -> 0
  BOOST_TEST(tokens("abc") == 1u);           // 0.75
  BOOST_TEST(tokens("abcdef") == 2u);        // 1.5 -> 2
  BOOST_TEST(tokens("abcdefghij") == 2u);    // 2.5 -> 2
  BOOST_TEST(tokens("abcdefghijklmn") == 4u);  // 3.5 -> 4
  BOOST_TEST(tokens(std::string(4'000'000, 'x')) == 1'000'000u);
  BOOST_TEST(tokens(std::string_view("\0\0\0\0", 4)) == 1u);  // NUL is a code point below 128
}

BOOST_AUTO_TEST_CASE(korean_counts_one_per_code_point) {
  BOOST_TEST(tokens("안녕하세요") == 5u);          // 15 bytes, 5 code points
  BOOST_TEST(tokens("한국어 text") == 4u);         // 3 + 5/4 = 4.25
  BOOST_TEST(tokens("환불 timeout!") == 4u);       // 2 + 9/4 = 4.25
  const auto t = cc::tally_text("요약: ok");
  BOOST_TEST(t.non_ascii == 2u);
  BOOST_TEST(t.ascii == 4u);
}

BOOST_AUTO_TEST_CASE(emoji_count_per_code_point_not_per_byte) {
  BOOST_TEST(tokens("😀") == 1u);                                   // U+1F600, 4 bytes
  BOOST_TEST(tokens("👍🏽") == 2u);                                  // thumbs up + skin tone
  BOOST_TEST(tokens("👨\u200d👩\u200d👧") == 5u);                   // family: 3 emoji + 2 ZWJ
  BOOST_TEST(tokens("😀ab") == 2u);                                 // 1.5 -> 2
  BOOST_TEST(tokens("😀abcdef") == 2u);                             // 2.5 -> 2
}

BOOST_AUTO_TEST_CASE(invalid_utf8_counts_one_replacement_per_maximal_subpart) {
  BOOST_TEST(cc::tally_text("\xff").non_ascii == 1u);
  BOOST_TEST(cc::tally_text("\xe2\x82").non_ascii == 1u);          // truncated euro sign
  BOOST_TEST(cc::tally_text("\xf0\x9f\x98").non_ascii == 1u);      // truncated emoji
  BOOST_TEST(cc::tally_text("\xed\xa0\x80").non_ascii == 3u);      // a surrogate: three subparts
  BOOST_TEST(cc::tally_text("\xc0\xaf").non_ascii == 2u);          // overlong '/'
  const auto t = cc::tally_text("a\xc3(");                          // bad continuation
  BOOST_TEST(t.ascii == 2u);
  BOOST_TEST(t.non_ascii == 1u);
  BOOST_TEST(tokens("a\xc3(") == 2u);  // 0.5 + 1 = 1.5 -> 2
  BOOST_TEST(tokens("\xef\xbf\xbd") == 1u);  // a literal U+FFFD is one code point too
}

BOOST_AUTO_TEST_CASE(crlf_is_one_code_point_like_universal_newlines) {
  BOOST_TEST(cc::tally_text("a\r\nb").ascii == 3u);
  BOOST_TEST(cc::tally_text("\r\r\n").ascii == 2u);
  BOOST_TEST(cc::tally_text("\r").ascii == 1u);
  BOOST_TEST(cc::tally_text("\n\r").ascii == 2u);
}

BOOST_AUTO_TEST_CASE(a_file_set_is_rounded_once) {
  cc::token_tally set;
  set += cc::tally_text("ab");
  set += cc::tally_text("cd");
  BOOST_TEST(tokens("ab") + tokens("cd") == 0u);
  BOOST_TEST(set.tokens() == 1u);
  BOOST_TEST(set.quarter_tokens() == 4u);
}

BOOST_AUTO_TEST_CASE(timestamped_legacy_artifacts_are_recognised) {
  namespace d = cc::detail;
  BOOST_TEST(d::is_timestamped_legacy_artifact("claude-worker-2026-05-02_09-14-03.md"));
  BOOST_TEST(d::is_timestamped_legacy_artifact("2026-05-02T09-14-03"));
  BOOST_TEST(!d::is_timestamped_legacy_artifact("claude-worker.md"));
  BOOST_TEST(!d::is_timestamped_legacy_artifact("report-2026-05-02.md"));
  BOOST_TEST(!d::is_timestamped_legacy_artifact("2026-05-02 09-14-03"));
  BOOST_TEST(!d::is_timestamped_legacy_artifact("2026-05-02_09:14:03"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- files --------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(files)

BOOST_AUTO_TEST_CASE(empty_files_count_missing_files_do_not) {
  temp_dir dir;
  write(dir.path / "empty.md", "");
  const auto empty = cc::detail::measure_file(dir.path / "empty.md");
  BOOST_TEST_REQUIRE(empty.has_value());
  BOOST_TEST(empty->bytes == 0u);
  BOOST_TEST(empty->tally.tokens() == 0u);
  BOOST_TEST(!cc::detail::measure_file(dir.path / "missing.md").has_value());
  BOOST_TEST(!cc::detail::measure_file(dir.path / "empty.md" / "below").has_value());  // ENOTDIR
  BOOST_TEST(!cc::detail::measure_file(dir.path).has_value());                          // a folder
}

BOOST_AUTO_TEST_CASE(a_fifo_is_skipped_without_blocking) {
  temp_dir dir;
  stdfs::create_directories(dir.path / "task/instruction-set");
  BOOST_TEST_REQUIRE(::mkfifo((dir.path / "task/instruction-set/pipe.md").c_str(), 0600) == 0);
  write(dir.path / "task/instruction-set/task-brief.md", "abcd");
  const auto r = cc::measure(isolated(dir.path / "task", dir));
  BOOST_TEST(r.instruction_set.file_count == 1u);
  BOOST_TEST(r.instruction_set.bytes == 4u);
}

// The error a measurement fails with, as "<exit code> <message>", or "none".
// Run as nobody under root (root reads any file), so everything it reads is
// inside a 0755 temp folder: no runtime tree from the checkout, which nobody
// may be unable to reach.
std::string unreadable_error(const temp_dir& dir) {
  ::chmod(dir.path.c_str(), 0755);
  // The answer comes back through a file nobody may write (the check may run
  // in a child process).
  const stdfs::path answer = dir.path / "answer";
  write(answer, "");
  ::chmod(answer.c_str(), 0666);
  const bool ran = okstra::test::unprivileged([&] {
    std::string out = "none";
    try {
      cc::measure(isolated(dir.path / "task", dir, std::nullopt));
    } catch (const okstra::error& e) {
      out = std::to_string(static_cast<int>(e.code())) + " " + e.what();
    }
    std::ofstream file(answer, std::ios::binary | std::ios::trunc);
    file << out;
    return static_cast<bool>(file.flush());
  });
  BOOST_TEST_REQUIRE(ran, "the unprivileged check did not run to its end");
  std::ifstream in(answer, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

BOOST_AUTO_TEST_CASE(an_unreadable_present_file_is_an_input_error,
                     *boost::unit_test::precondition(okstra::test::can_drop_privileges)) {
  temp_dir dir;
  write(dir.path / "task/instruction-set/task-brief.md", "secret");
  stdfs::permissions(dir.path / "task/instruction-set/task-brief.md", stdfs::perms::none);
  const std::string err = unreadable_error(dir);  // "none": the unreadable file was skipped
  BOOST_TEST(err.rfind("3 cannot read '", 0) == 0, err);
  BOOST_TEST(okstra::test::contains(err, "task-brief.md'"), err);
}

BOOST_AUTO_TEST_CASE(an_unreadable_subfolder_is_named_in_the_error,
                     *boost::unit_test::precondition(okstra::test::can_drop_privileges)) {
  temp_dir dir;
  write(dir.path / "task/instruction-set/extra/notes.md", "x");
  stdfs::permissions(dir.path / "task/instruction-set/extra", stdfs::perms::none);
  const std::string err = unreadable_error(dir);  // "none": the unreadable folder was skipped
  BOOST_TEST(okstra::test::contains(err, "instruction-set/extra'"), err);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- the sample bundle --------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(sample_bundle)

BOOST_AUTO_TEST_CASE(packet_mode_bundle_metrics) {
  temp_dir home;
  const auto r = cc::measure(isolated(sample() / "task", home));
  BOOST_TEST(r.task_root == (sample() / "task").lexically_normal().generic_string());
  BOOST_TEST(r.run_dir.value_or("") == "runs/error-analysis");
  BOOST_TEST(r.instruction_set.path == "instruction-set");
  BOOST_TEST(r.instruction_set.file_count == 6u);
  BOOST_TEST(r.instruction_set.analysis_packet_bytes == stdfs::file_size(sample() / "task/instruction-set/analysis-packet.md"));
  BOOST_TEST(r.instruction_set.legacy_task_packet_bytes == 0u);
  BOOST_TEST(r.lead_phase1.mode == "analysis-packet");
  BOOST_TEST(r.lead_phase1.files == (strings{"task-manifest.json", "runs/error-analysis/run-context.json",
                                             "instruction-set/analysis-packet.md"}),
             boost::test_tools::per_element());
  BOOST_TEST(r.analysis_worker.mode == "analysis-packet");
  BOOST_TEST(r.analysis_worker.file_count == 2u);  // packet + preamble
  BOOST_TEST(r.analysis_worker.legacy_full_contract_file_count == 6u);
  BOOST_TEST(r.analysis_worker.bytes_per_worker == r.analysis_worker.estimated_packet_mode_bytes_per_worker);
  BOOST_TEST(r.analysis_worker.bytes_per_worker < r.analysis_worker.legacy_full_contract_bytes_per_worker);
  // The timestamped leftover of a legacy run is not a synthesis input.
  BOOST_TEST(r.report_writer.files == (strings{"runs/error-analysis/worker-results/claude-worker.md",
                                               "runs/error-analysis/worker-results/codex-worker.md"}),
             boost::test_tools::per_element());
  BOOST_TEST(r.skill_assets.file_count == 8u);
  BOOST_TEST(r.skill_assets.missing.empty());
  BOOST_TEST(r.warnings.empty());
  for (std::size_t i = 1; i < r.skill_assets.files.size(); ++i)
    BOOST_TEST(r.skill_assets.files[i - 1].bytes >= r.skill_assets.files[i].bytes);
  // Values cross-checked with the seed's Python estimate over the same files.
  BOOST_TEST(r.instruction_set.estimated_tokens == 1938u);
  BOOST_TEST(r.lead_phase1.estimated_tokens == 824u);
}

BOOST_AUTO_TEST_CASE(legacy_bundle_reads_the_task_packet_and_the_full_contract) {
  temp_dir home;
  const auto r = cc::measure(isolated(sample() / "legacy-task", home));
  BOOST_TEST(r.lead_phase1.mode == "legacy-task-packet");
  BOOST_TEST(r.lead_phase1.files.back() == "instruction-set/task-packet.md");
  BOOST_TEST(r.instruction_set.legacy_task_packet_bytes == stdfs::file_size(sample() / "legacy-task/instruction-set/task-packet.md"));
  BOOST_TEST(r.analysis_worker.mode == "full-contract");
  BOOST_TEST(r.analysis_worker.file_count == 5u);  // 4 contract files (no timeline) + preamble
  BOOST_TEST(r.analysis_worker.bytes_per_worker == r.analysis_worker.legacy_full_contract_bytes_per_worker);
}

BOOST_AUTO_TEST_CASE(an_explicit_run_dir_outside_the_task_root_is_shown_absolute) {
  temp_dir home;
  auto where = isolated(sample() / "task", home);
  where.run_dir = sample() / "legacy-task/runs/error-analysis";
  const auto r = cc::measure(where);
  BOOST_TEST(r.run_dir.value_or("") == (sample() / "legacy-task/runs/error-analysis").lexically_normal().generic_string());
  BOOST_TEST(r.report_writer.files.size() == 2u);
  BOOST_TEST(r.report_writer.files.front().front() == '/');
}

BOOST_AUTO_TEST_SUITE_END()

// ---- installed or runtime --------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(fallback)

BOOST_AUTO_TEST_CASE(installed_copies_win_over_the_runtime_tree) {
  temp_dir home;
  const scoped_env h("HOME", home.path.c_str());
  const scoped_env c("CLAUDE_CONFIG_DIR", nullptr);
  const scoped_env x("XDG_CONFIG_HOME", nullptr);
  const scoped_env o("OKSTRA_HOME", nullptr);
  write(home.path / ".claude/skills/okstra-convergence/SKILL.md", "# installed convergence 설치본\n");
  write(home.path / ".claude/agents/codex-worker.md", "codex relay\n");
  write(home.path / ".okstra/templates/worker-prompt-preamble.md", "preamble");
  const auto where = cc::locations::from_environment(sample() / "task", std::nullopt, sample() / "runtime");
  // The roots okstra-usage reads too (docs/dirs.md): ~/.config/claude first, then ~/.claude.
  BOOST_TEST(where.claude_roots == (std::vector<stdfs::path>{home.path / ".config/claude", home.path / ".claude"}),
             boost::test_tools::per_element());
  const auto r = cc::measure(where);
  const auto* convergence = asset(r, "skill:okstra-convergence");
  BOOST_TEST_REQUIRE(convergence != nullptr);
  BOOST_TEST(convergence->source == "installed");
  BOOST_TEST(convergence->path == (home.path / ".claude/skills/okstra-convergence/SKILL.md").generic_string());
  BOOST_TEST(convergence->estimated_tokens == 9u);  // 25 ASCII / 4 + 3 Hangul = 9.25
  BOOST_TEST(asset(r, "agent:codex-worker.md")->source == "installed");
  BOOST_TEST(asset(r, "agent:claude-worker.md")->source == "runtime");
  BOOST_TEST(asset(r, "agent:claude-worker.md")->path ==
             (sample() / "runtime/agents/workers/claude-worker.md").lexically_normal().generic_string());
  BOOST_TEST(r.analysis_worker.estimated_packet_mode_bytes_per_worker ==
             stdfs::file_size(sample() / "task/instruction-set/analysis-packet.md") + 8);
  std::uint64_t sum = 0;
  for (const auto& f : r.skill_assets.files) sum += f.estimated_tokens;
  BOOST_TEST(r.skill_assets.estimated_tokens == sum);
}

BOOST_AUTO_TEST_CASE(claude_config_dir_is_a_list_tried_in_order) {
  temp_dir home;
  const scoped_env h("HOME", home.path.c_str());
  const std::string list = " " + (home.path / "a").string() + " ,," + (home.path / "b").string();
  const scoped_env c("CLAUDE_CONFIG_DIR", list.c_str());
  write(home.path / "a/agents/gemini-worker.md", "first");
  write(home.path / "b/agents/gemini-worker.md", "second root");
  write(home.path / "b/skills/okstra-team-contract/SKILL.md", "only in b");
  write(home.path / ".claude/skills/okstra-report-writer/SKILL.md", "not read: CLAUDE_CONFIG_DIR replaces ~/.claude");
  const auto where = cc::locations::from_environment(sample() / "task", std::nullopt, std::nullopt);
  BOOST_TEST(where.claude_roots == (std::vector<stdfs::path>{home.path / "a", home.path / "b"}),
             boost::test_tools::per_element());
  const auto r = cc::measure(where);
  BOOST_TEST(asset(r, "agent:gemini-worker.md")->bytes == 5u);
  BOOST_TEST(asset(r, "skill:okstra-team-contract")->source == "installed");
  BOOST_TEST(asset(r, "skill:okstra-report-writer") == nullptr);
  BOOST_TEST(r.skill_assets.file_count == 2u);
  BOOST_TEST(r.skill_assets.missing.size() == 6u);
  BOOST_TEST(r.skill_assets.missing.front() == "skill:okstra-context-loader");
  BOOST_TEST_REQUIRE(r.warnings.size() == 1u);
  BOOST_TEST(r.warnings[0].find("6 hot-path file(s)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- bundles without parts, errors -------------------------------------------------

BOOST_AUTO_TEST_SUITE(incomplete_bundles)

BOOST_AUTO_TEST_CASE(absent_instruction_set) {
  temp_dir dir;
  write(dir.path / "task/task-manifest.json", "{}\n");
  const auto r = cc::measure(isolated(dir.path / "task", dir));
  BOOST_TEST(r.instruction_set.path == "instruction-set");
  BOOST_TEST(r.instruction_set.file_count == 0u);
  BOOST_TEST(r.instruction_set.bytes == 0u);
  BOOST_TEST(r.instruction_set.estimated_tokens == 0u);
  BOOST_TEST(r.lead_phase1.mode == "no-instruction-set");
  BOOST_TEST(r.lead_phase1.files == strings{"task-manifest.json"}, boost::test_tools::per_element());
  BOOST_TEST(r.lead_phase1.estimated_tokens == 1u);  // "{}\n": 0.75
  BOOST_TEST(r.analysis_worker.mode == "no-instruction-set");
  BOOST_TEST(r.analysis_worker.file_count == 1u);  // the runtime preamble only
  BOOST_TEST(r.analysis_worker.legacy_full_contract_file_count == 1u);
  BOOST_TEST(!r.run_dir.has_value());
  BOOST_TEST(r.report_writer.file_count == 0u);
  BOOST_TEST(r.warnings.empty());
}

BOOST_AUTO_TEST_CASE(an_empty_folder_is_measured_with_a_warning) {
  temp_dir dir;
  stdfs::create_directories(dir.path / "task");
  const auto r = cc::measure(isolated(dir.path / "task", dir, std::nullopt));
  BOOST_TEST(r.lead_phase1.file_count == 0u);
  BOOST_TEST(r.analysis_worker.file_count == 0u);
  BOOST_TEST(r.skill_assets.file_count == 0u);
  BOOST_TEST(r.warnings.size() == 2u);  // not a task root?, and 8 hot-path files missing
}

BOOST_AUTO_TEST_CASE(missing_mandatory_folders_are_input_errors) {
  temp_dir dir;
  write(dir.path / "file", "x");
  BOOST_TEST(failure_of(isolated(dir.path / "nope", dir)) == 3);
  BOOST_TEST(failure_of(isolated(dir.path / "file", dir)) == 3);
  BOOST_TEST(failure_of(isolated(sample() / "task", dir, dir.path / "no-runtime")) == 3);
  auto where = isolated(sample() / "task", dir);
  where.run_dir = dir.path / "no-run";
  BOOST_TEST(failure_of(where) == 3);
}

BOOST_AUTO_TEST_CASE(the_latest_run_wins_and_bad_run_contexts_are_warned_about) {
  temp_dir dir;
  const auto task = dir.path / "task";
  write(task / "runs/requirements-discovery/run-context.json", R"({"createdAt":"2026-06-01T00:00:00Z"})");
  write(task / "runs/implementation/stage-2/run-context.json", R"({"createdAt":"2026-06-03T00:00:00Z"})");
  write(task / "runs/implementation/stage-2/worker-results/claude-worker.md", "stage two");
  write(task / "runs/implementation/stage-1/run-context.json", R"({"createdAt":"2026-06-02T00:00:00Z"})");
  write(task / "runs/release-handoff/run-context.json", "{not json");
  write(task / "runs/zz-notes/readme.md", "not a run");
  const auto r = cc::measure(isolated(task, dir));
  BOOST_TEST(r.run_dir.value_or("") == "runs/implementation/stage-2");
  BOOST_TEST(r.report_writer.files == strings{"runs/implementation/stage-2/worker-results/claude-worker.md"},
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(r.warnings.size() == 1u);
  BOOST_TEST(r.warnings[0].find("malformed JSON '") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- symlinks (docs/cost.md, "Symlinks") ---------------------------------------------------

BOOST_AUTO_TEST_SUITE(symlinks)

// The warnings that name a link, in order.
strings link_warnings(const cc::report& r) {
  strings out;
  for (const auto& w : r.warnings)
    if (w.rfind("not following symlink '", 0) == 0) out.push_back(w);
  return out;
}

std::string link_warning(const stdfs::path& link, const stdfs::path& target) {
  return "not following symlink '" + link.string() + "' (it points to '" + target.string() + "'): counted as absent";
}

BOOST_AUTO_TEST_CASE(nothing_reached_through_a_link_inside_the_task_root_is_measured) {
  temp_dir dir;
  const auto task = dir.path / "task";
  write(dir.path / "passwd", "root:x:0:0:root:/root:/bin/sh\n");
  write(dir.path / "outside/notes.md", "outside folder");
  write(task / "instruction-set/task-brief.md", "abcd");
  write(task / "runs/error-analysis/worker-results/claude-worker.md", "ab");
  write(task / "runs/error-analysis/run-context.json", R"({"createdAt":"2026-01-01T00:00:00Z"})");
  stdfs::create_symlink(dir.path / "passwd", task / "instruction-set/analysis-packet.md");
  stdfs::create_symlink("task-brief.md", task / "instruction-set/timeline.md");  // inside, still a link
  stdfs::create_directory_symlink(dir.path / "outside", task / "instruction-set/more");
  stdfs::create_symlink(dir.path / "passwd", task / "runs/error-analysis/worker-results/codex-worker.md");
  stdfs::create_symlink(dir.path / "passwd", task / "task-manifest.json");
  const auto r = cc::measure(isolated(task, dir));
  BOOST_TEST(r.instruction_set.file_count == 1u);
  BOOST_TEST(r.instruction_set.bytes == 4u);
  BOOST_TEST(r.instruction_set.analysis_packet_bytes == 0u);
  BOOST_TEST(r.lead_phase1.mode == "full-contract");
  BOOST_TEST(r.lead_phase1.files == (strings{"runs/error-analysis/run-context.json", "instruction-set/task-brief.md"}),
             boost::test_tools::per_element());
  BOOST_TEST(r.report_writer.files == strings{"runs/error-analysis/worker-results/claude-worker.md"},
             boost::test_tools::per_element());
  // Each link once, however often it was met.
  const strings expected{
      link_warning(task / "instruction-set/analysis-packet.md", dir.path / "passwd"),
      link_warning(task / "instruction-set/more", dir.path / "outside"),
      link_warning(task / "instruction-set/timeline.md", "task-brief.md"),
      link_warning(task / "task-manifest.json", dir.path / "passwd"),
      link_warning(task / "runs/error-analysis/worker-results/codex-worker.md", dir.path / "passwd")};
  strings got = link_warnings(r);
  std::sort(got.begin(), got.end());
  strings want = expected;
  std::sort(want.begin(), want.end());
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_linked_run_folder_is_never_the_latest_run) {
  temp_dir dir;
  const auto task = dir.path / "task";
  write(task / "runs/error-analysis/run-context.json", R"({"createdAt":"2026-01-01T00:00:00Z"})");
  write(dir.path / "elsewhere/run-context.json", R"({"createdAt":"2099-01-01T00:00:00Z"})");
  write(dir.path / "elsewhere/worker-results/x.md", "outside");
  stdfs::create_directory_symlink(dir.path / "elsewhere", task / "runs/zz-linked");
  stdfs::create_directory_symlink(dir.path / "elsewhere", task / "runs/error-analysis/stage-9");
  const auto r = cc::measure(isolated(task, dir));
  BOOST_TEST(r.run_dir.value_or("") == "runs/error-analysis");
  BOOST_TEST(link_warnings(r).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_linked_instruction_set_counts_as_none) {
  temp_dir dir;
  const auto task = dir.path / "task";
  write(dir.path / "elsewhere/analysis-packet.md", "packet");
  write(task / "task-manifest.json", "{}");
  stdfs::create_directory_symlink(dir.path / "elsewhere", task / "instruction-set");
  const auto r = cc::measure(isolated(task, dir));
  BOOST_TEST(r.lead_phase1.mode == "no-instruction-set");
  BOOST_TEST(r.instruction_set.file_count == 0u);
  BOOST_TEST(link_warnings(r) == strings{link_warning(task / "instruction-set", dir.path / "elsewhere")},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_task_root_itself_may_be_a_link) {
  temp_dir dir;
  write(dir.path / "real/instruction-set/task-brief.md", "abcd");
  stdfs::create_directory_symlink(dir.path / "real", dir.path / "named");
  const auto r = cc::measure(isolated(dir.path / "named", dir));
  BOOST_TEST(r.instruction_set.file_count == 1u);
  BOOST_TEST(link_warnings(r).empty());
}

BOOST_AUTO_TEST_CASE(an_explicit_run_dir_outside_the_task_root_confines_its_own_files) {
  temp_dir dir;
  write(dir.path / "task/instruction-set/task-brief.md", "abcd");
  write(dir.path / "run/worker-results/claude-worker.md", "ab");
  write(dir.path / "secret.md", "secret");
  stdfs::create_symlink(dir.path / "secret.md", dir.path / "run/worker-results/codex-worker.md");
  auto where = isolated(dir.path / "task", dir);
  where.run_dir = dir.path / "run";
  const auto r = cc::measure(where);
  BOOST_TEST(r.report_writer.files == strings{(dir.path / "run/worker-results/claude-worker.md").generic_string()},
             boost::test_tools::per_element());
  BOOST_TEST(link_warnings(r).size() == 1u);
}

BOOST_AUTO_TEST_CASE(installed_skills_that_are_links_are_read) {
  temp_dir dir;
  write(dir.path / "checkout/okstra-convergence/SKILL.md", "converge");
  write(dir.path / "task/instruction-set/task-brief.md", "abcd");
  stdfs::create_directories(dir.path / "claude/skills");
  stdfs::create_directory_symlink(dir.path / "checkout/okstra-convergence",
                                  dir.path / "claude/skills/okstra-convergence");
  const auto r = cc::measure(isolated(dir.path / "task", dir, std::nullopt));
  const auto* convergence = asset(r, "skill:okstra-convergence");
  BOOST_TEST_REQUIRE(convergence != nullptr);
  BOOST_TEST(convergence->source == "installed");
  BOOST_TEST(convergence->bytes == 8u);
  BOOST_TEST(link_warnings(r).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- comparison and output ------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(output)

BOOST_AUTO_TEST_CASE(percentages_are_of_the_baseline_to_one_decimal) {
  namespace d = cc::detail;
  BOOST_TEST(d::percent_of(6, 5).value() == 20.0);
  BOOST_TEST(d::percent_of(0, 588).value() == -100.0);
  BOOST_TEST(d::percent_of(1, 3).value() == -66.7);
  BOOST_TEST(d::percent_of(17, 16).value() == 6.3);    // 6.25: halves away from zero
  BOOST_TEST(d::percent_of(15, 16).value() == -6.3);
  BOOST_TEST(d::percent_of(0, 0).value() == 0.0);
  BOOST_TEST(!d::percent_of(1648, 0).has_value());
  BOOST_TEST(!std::signbit(d::percent_of(999'999, 1'000'000).value()));  // -0.0001 % prints as 0
  BOOST_TEST(d::percent_text(d::percent_of(0, 0)) == "0.0%");
  BOOST_TEST(d::percent_text(std::nullopt) == "n/a");
  BOOST_TEST(d::percent_text(d::percent_of(6, 5)) == "+20.0%");
}

BOOST_AUTO_TEST_CASE(compare_packet_bundle_with_legacy_bundle) {
  temp_dir home;
  const auto now = cc::measure(isolated(sample() / "task", home));
  const auto old = cc::measure(isolated(sample() / "legacy-task", home));
  const auto c = cc::compare(now, old);
  BOOST_TEST(c.metrics.size() == 20u);
  BOOST_TEST(c.modes.size() == 3u);
  for (const auto& m : c.metrics) {
    BOOST_TEST(m.difference == static_cast<std::int64_t>(m.value) - static_cast<std::int64_t>(m.other_value));
    if (m.metric == "analysisWorker.bytesPerWorker") BOOST_TEST(m.difference < 0);
    if (m.metric == "skillAssets.bytes") BOOST_TEST(m.difference == 0);
  }
  BOOST_TEST(c.modes[0].value == "analysis-packet");
  BOOST_TEST(c.modes[0].other_value == "legacy-task-packet");
  const std::string json = cc::to_json(c, false);
  BOOST_TEST(json.find(R"({"metric":"instructionSet.analysisPacketBytes","value":1648,"otherValue":0,"difference":1648,"percent":null})") != std::string::npos);
  BOOST_TEST(json.find("\n") == std::string::npos);
  const std::string table = cc::to_table(c);
  BOOST_TEST(table.find("instructionSet.legacyTaskPacketBytes") != std::string::npos);
  BOOST_TEST(table.find("-100.0%") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_keys_are_in_the_documented_order) {
  temp_dir home;
  const std::string json = cc::to_json(cc::measure(isolated(sample() / "task", home)), true);
  std::size_t at = 0;
  for (const char* key : {"taskRoot", "runDir", "runtimeRoot", "instructionSet", "path", "fileCount", "bytes",
                          "estimatedTokens", "analysisPacketBytes", "legacyTaskPacketBytes", "leadPhase1", "mode",
                          "files", "analysisWorker", "bytesPerWorker", "estimatedTokensPerWorker",
                          "legacyFullContractBytesPerWorker", "legacyFullContractFileCount",
                          "estimatedPacketModeBytesPerWorker", "reportWriter", "skillAssets", "name", "source",
                          "missing"}) {
    const std::size_t next = json.find("\"" + std::string(key) + "\":", at);
    BOOST_TEST_REQUIRE(next != std::string::npos, "key " << key << " after byte " << at);
    at = next;
  }
}

BOOST_AUTO_TEST_CASE(the_table_ranks_surfaces_by_estimated_tokens) {
  temp_dir home;
  const std::string table = cc::to_table(cc::measure(isolated(sample() / "task", home)));
  const auto rank_of = [&](const std::string& surface) {
    const std::size_t at = table.find(surface);
    BOOST_TEST_REQUIRE(at != std::string::npos, surface);
    const std::size_t line = table.rfind('\n', at) + 1;
    return std::stoi(table.substr(line, at - line));
  };
  // Sample: skills 3058 > instruction set 1938 > report writer 1037 > lead 824 > worker 617.
  BOOST_TEST(rank_of("hot-path skills and agents") == 1);
  BOOST_TEST(rank_of("instruction set") == 2);
  BOOST_TEST(rank_of("report writer") == 3);
  BOOST_TEST(rank_of("lead phase 1") == 4);
  BOOST_TEST(rank_of("analysis worker (each)") == 5);
  BOOST_TEST(table.find(" \n") == std::string::npos);  // no trailing blanks
  BOOST_TEST(table.back() != '\n');
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace context_cost_test
