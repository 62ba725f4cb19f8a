// okstra/context_cost/context_cost.hpp — static context cost of a task bundle
// (docs/cost.md is the long form of this contract).
//
// Contract:
// - measure() reads, never writes: the task root's task-manifest.json,
//   instruction-set/ (every regular file below it), the run folder's
//   run-context.json and worker-results/, the worker prompt preamble and the
//   hot-path skill and agent files. It takes no lock and runs no process.
// - Mandatory inputs: the task root, and the run folder and runtime root when
//   given; each must be a folder, else an input error (exit 3)
//   "cannot read '<dir>': <reason>".
//   Every measured file is optional: an absent file (or a path that is not a
//   regular file: folder, FIFO, socket) is simply not counted. A regular file
//   that exists but cannot be read is an input error naming it — a silent
//   undercount would mislead.
// - Token estimate: code points below 128 count 1/4 token, every other code
//   point 1 token; summed over a file set, then rounded half to even. Invalid
//   UTF-8 counts one U+FFFD per maximal ill-formed subpart, never fatal; a
//   "\r\n" pair counts as one code point (the seed read text with universal
//   newlines).
// - Installed-or-runtime fallback: each hot-path skill and worker agent file
//   is looked for under every Claude root in order (dirs::claude_roots,
//   docs/dirs.md), then under the runtime root; the worker prompt
//   preamble under <okstra home>/templates/, then the runtime root.
// - Paths in the result (docs/cost.md, "Paths in the output"): the bundle's
//   files and run folder relative to the project root (with '/') when inside
//   it, as the seed shows them. The project root is found from where the task
//   root lies, <project>/.okstra/tasks/... (or .project-docs/okstra/tasks/...);
//   a task root in no project: relative to the task root instead. taskRoot,
//   projectRoot, runtimeRoot and the skill and agent files are absolute, and
//   so is every path outside the base. Lists are sorted, so equal inputs give
//   equal bytes out.
// - Symbolic links: below the task root (and below a run folder given outside
//   it) no link is followed, to a file or a folder, wherever it points: what
//   lies behind it counts as absent and the link is named once in
//   report::warnings, so a bundle cannot make the tool read outside itself.
//   The task root and run folder as given, installed skills and agents, the
//   okstra home and the runtime tree are read as their paths say, links
//   included (docs/cost.md, "Symlinks").
// - Non-fatal findings (a malformed run-context.json, hot-path files found
//   nowhere, links not followed) are returned in report::warnings; the caller
//   prints them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/style.hpp"

namespace okstra::context_cost {

namespace stdfs = std::filesystem;

// ---- the token estimate ---------------------------------------------------------

// Code points of a text, split the way the estimate weighs them.
struct token_tally {
  std::uint64_t ascii = 0;      // below 128; "\r\n" counts once
  std::uint64_t non_ascii = 0;  // every other code point, U+FFFD included

  token_tally& operator+=(const token_tally& other) {
    ascii += other.ascii;
    non_ascii += other.non_ascii;
    return *this;
  }
  // The estimate in quarter tokens: exact, so a set is rounded only once.
  std::uint64_t quarter_tokens() const { return ascii + 4 * non_ascii; }
  std::uint64_t tokens() const;
};

// quarters / 4 rounded half to even (Python's round()).
std::uint64_t round_quarters_half_even(std::uint64_t quarters);
token_tally tally_text(std::string_view text);
std::uint64_t estimate_tokens(std::string_view text);

// The hot-path lists of the seed: lifecycle skills and worker agent specs.
inline constexpr std::string_view hot_path_skills[] = {
    "okstra-context-loader", "okstra-team-contract", "okstra-convergence", "okstra-report-writer"};
inline constexpr std::string_view worker_agent_files[] = {
    "claude-worker.md", "codex-worker.md", "gemini-worker.md", "report-writer-worker.md"};
// What an analysis worker reads under the full (legacy) contract, besides the
// preamble. The seed's list ends with the last two names; docs/cost.md.
inline constexpr std::string_view full_contract_files[] = {
    "task-brief.md", "analysis-material.md", "timeline.md", "reference-expectations.md",
    "clarification-response.md"};
inline constexpr std::string_view analysis_packet_name = "analysis-packet.md";
inline constexpr std::string_view legacy_task_packet_name = "task-packet.md";
inline constexpr std::string_view preamble_name = "worker-prompt-preamble.md";

// ---- where files are looked for ------------------------------------------------

struct locations {
  stdfs::path task_root;
  std::optional<stdfs::path> run_dir;        // none: the latest run under runs/
  std::vector<stdfs::path> claude_roots;     // installed skills/ and agents/, in order
  stdfs::path okstra_home;                   // installed templates/
  std::optional<stdfs::path> runtime_root;   // fallback tree; none: no fallback

  // Claude roots and okstra home as dirs finds them (CLAUDE_CONFIG_DIR,
  // XDG_CONFIG_HOME, HOME, OKSTRA_HOME); the task root, run folder and runtime root as given.
  static locations from_environment(stdfs::path task_root, std::optional<stdfs::path> run_dir,
                                    std::optional<stdfs::path> runtime_root);
};

// <folder of the running binary>/../share/okstra when that folder exists.
std::optional<stdfs::path> installed_runtime_root();

// The project a task root (absolute, normalised) lies in: the folder holding
// the nearest .okstra/ (or .project-docs/okstra/) above it whose tasks/ holds
// it; none when there is no such folder. Path arithmetic only.
std::optional<stdfs::path> project_root_of(const stdfs::path& task_root);

// ---- the report -------------------------------------------------------------------

struct instruction_set_metric {
  std::string path;  // "instruction-set"
  std::uint64_t file_count = 0, bytes = 0, estimated_tokens = 0;
  std::uint64_t analysis_packet_bytes = 0, legacy_task_packet_bytes = 0;
};

// Lead modes: "analysis-packet", "legacy-task-packet", "full-contract",
// "no-instruction-set". Worker modes: "analysis-packet", "full-contract",
// "no-instruction-set". Report writer: "raw-synthesis-inputs".
struct file_set_metric {
  std::string mode;
  std::uint64_t file_count = 0, bytes = 0, estimated_tokens = 0;
  std::vector<std::string> files;
};

struct analysis_worker_metric {
  std::string mode;
  std::uint64_t file_count = 0, bytes_per_worker = 0, estimated_tokens_per_worker = 0;
  std::uint64_t legacy_full_contract_bytes_per_worker = 0, legacy_full_contract_file_count = 0;
  std::uint64_t estimated_packet_mode_bytes_per_worker = 0;
};

struct skill_asset {
  std::string name;    // "skill:<name>" or "agent:<file>"
  std::string path;    // absolute
  std::string source;  // "installed" or "runtime"
  std::uint64_t bytes = 0, estimated_tokens = 0;
};

struct skill_assets_metric {
  std::uint64_t file_count = 0, bytes = 0, estimated_tokens = 0;  // tokens: sum of the rounded per-file values
  std::vector<skill_asset> files;                                 // bytes descending, ties in list order
  std::vector<std::string> missing;                               // names found nowhere, in list order
};

struct report {
  std::string task_root;                    // absolute
  std::optional<std::string> project_root;  // absolute; none: the task root is in no project
  std::optional<std::string> run_dir;       // relative to the project root (else the task root) when inside it
  std::optional<std::string> runtime_root;  // absolute
  instruction_set_metric instruction_set;
  file_set_metric lead_phase1;
  analysis_worker_metric analysis_worker;
  file_set_metric report_writer;
  skill_assets_metric skill_assets;
  std::vector<std::string> warnings;
};

report measure(const locations& where);

std::string to_json(const report& r, bool pretty);
// A ranked, aligned table of the instruction surfaces, for a human, fitted
// to style.width and coloured only when style.color (docs/cost.md).
std::string to_table(const report& r, const style::output_style& style = {});

// ---- comparing two bundles --------------------------------------------------------

struct metric_difference {
  std::string metric;  // "instructionSet.bytes"
  std::uint64_t value = 0, other_value = 0;
  std::int64_t difference = 0;            // value - other_value
  std::optional<double> percent;          // of other_value, 0.1 steps; none when other_value is 0 and value is not
};

struct mode_difference {
  std::string metric;  // "leadPhase1.mode"
  std::string value, other_value;
};

struct comparison {
  std::string task_root, other_task_root;
  std::vector<metric_difference> metrics;  // every numeric metric, in report order
  std::vector<mode_difference> modes;      // every mode, in report order
};

// `other` is the baseline: differences are this minus other.
comparison compare(const report& value, const report& other);
std::string to_json(const comparison& c, bool pretty);
std::string to_table(const comparison& c, const style::output_style& style = {});

}  // namespace okstra::context_cost

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/context_cost/detail/estimate.hpp"
#include "okstra/context_cost/detail/files.hpp"
#include "okstra/context_cost/detail/measure.hpp"
#include "okstra/context_cost/detail/render.hpp"
#include "okstra/context_cost/detail/compare.hpp"
#endif
