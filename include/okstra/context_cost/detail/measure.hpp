// The metrics of okstra/context_cost/context_cost.hpp. Include that header.
#pragma once

#include "okstra/core/api.hpp"

#include <cstdlib>
#include <tuple>

#include "okstra/core/json.hpp"
#include "okstra/core/text.hpp"
#include "okstra/dirs/dirs.hpp"

namespace okstra::context_cost {

namespace detail {

// Which contract the instruction set offers, strongest first.
enum class contract { analysis_packet, legacy_task_packet, full_contract, no_instruction_set };

// The bundle's paths, absolute, and what its instruction set holds.
struct bundle {
  stdfs::path task_root;
  std::optional<stdfs::path> project_root;
  stdfs::path display_base;  // the project root, else the task root
  stdfs::path instruction_set;
  std::optional<stdfs::path> run_dir;
  std::optional<measured_file> analysis_packet, legacy_task_packet;
  contract kind = contract::no_instruction_set;
};

inline std::string_view lead_mode_name(contract kind) {
  switch (kind) {
    case contract::analysis_packet: return "analysis-packet";
    case contract::legacy_task_packet: return "legacy-task-packet";
    case contract::full_contract: return "full-contract";
    case contract::no_instruction_set: break;
  }
  return "no-instruction-set";
}

// Workers never read the legacy task packet (it was the lead's digest):
// without an analysis packet they read the full contract.
inline std::string_view worker_mode_name(contract kind) {
  return kind == contract::legacy_task_packet ? lead_mode_name(contract::full_contract) : lead_mode_name(kind);
}

inline std::vector<std::string> display_paths(const file_set& set, const stdfs::path& base) {
  std::vector<std::string> out;
  for (const auto& f : set.files) out.push_back(display_path(f.path, base));
  return out;
}

inline file_set_metric to_metric(std::string_view mode, const file_set& set, const stdfs::path& base) {
  return {std::string(mode), set.count(), set.bytes, set.tokens(), display_paths(set, base)};
}

using safe_path::entry_type;

// A folder under runs/ is a run when it holds any of these.
inline bool looks_like_run(reader& files, const stdfs::path& dir) {
  return files.type_of(dir / "run-context.json") == entry_type::regular ||
         files.type_of(dir / "worker-results") == entry_type::folder ||
         files.type_of(dir / "reports") == entry_type::folder;
}

// run-context.json's createdAt; "" when absent, and a warning when malformed.
inline std::string created_at(reader& files, const stdfs::path& run_dir, std::vector<std::string>& warnings) {
  const stdfs::path file = run_dir / "run-context.json";
  try {
    const auto text = files.read_text(file, std::size_t{1} << 24);
    if (!text) return {};
    const auto doc = json::parse(*text, file.string());
    return std::string(json::get_string(doc, "createdAt").value_or(""));
  } catch (const okstra::error& e) {
    warnings.push_back(std::string(e.what()) + " (ignored when choosing the latest run)");
    return {};
  }
}

// The latest run under runs/: runs/<type>/ and runs/<type>/stage-<N>/
// folders, the greatest run-context.json createdAt winning, then the greatest path.
inline std::optional<stdfs::path> latest_run(reader& files, const stdfs::path& task_root,
                                             std::vector<std::string>& warnings) {
  std::optional<std::tuple<std::string, std::string, stdfs::path>> best;
  const auto consider = [&](const stdfs::path& dir) {
    if (!looks_like_run(files, dir)) return;
    auto key = std::make_tuple(created_at(files, dir, warnings), dir.generic_string(), dir);
    if (!best || key > *best) best = std::move(key);
  };
  for (const auto& type_dir : files.subfolders(task_root / "runs")) {
    consider(type_dir);
    for (const auto& stage_dir : files.subfolders(type_dir))
      if (stage_dir.filename().string().rfind("stage-", 0) == 0) consider(stage_dir);
  }
  if (!best) return std::nullopt;
  return std::get<2>(*best);
}

// The task root, and a --run-dir outside it, confine `files` (docs/cost.md, "Symlinks").
inline bundle open_bundle(const locations& where, reader& files, std::vector<std::string>& warnings) {
  require_folder(where.task_root);
  if (where.runtime_root) require_folder(*where.runtime_root);
  bundle b;
  b.task_root = absolute_path(where.task_root);
  b.project_root = project_root_of(b.task_root);
  b.display_base = b.project_root.value_or(b.task_root);
  b.instruction_set = b.task_root / "instruction-set";
  files.confine_to(b.task_root);
  if (where.run_dir) {
    require_folder(*where.run_dir);
    b.run_dir = absolute_path(*where.run_dir);
    files.confine_to(*b.run_dir);
  } else {
    b.run_dir = latest_run(files, b.task_root, warnings);
  }
  const bool has_instruction_set = files.type_of(b.instruction_set) == entry_type::folder;
  if (!has_instruction_set && files.type_of(b.task_root / "task-manifest.json") == entry_type::absent &&
      files.type_of(b.task_root / "runs") != entry_type::folder)
    warnings.push_back(quoted("no task-manifest.json, instruction-set/ or runs/ in", b.task_root.string()) +
                       ": is it a task root?");
  b.analysis_packet = files.measure(b.instruction_set / analysis_packet_name);
  b.legacy_task_packet = files.measure(b.instruction_set / legacy_task_packet_name);
  b.kind = !has_instruction_set     ? contract::no_instruction_set
           : b.analysis_packet      ? contract::analysis_packet
           : b.legacy_task_packet   ? contract::legacy_task_packet
                                    : contract::full_contract;
  return b;
}

inline file_set full_contract_set(reader& files, const bundle& b) {
  file_set set;
  for (const auto name : full_contract_files) set.add(files.measure(b.instruction_set / name));
  return set;
}

inline instruction_set_metric measure_instruction_set(reader& files, const bundle& b) {
  file_set all;
  for (const auto& path : files.regular_files_below(b.instruction_set)) all.add(files.measure(path));
  return {display_path(b.instruction_set, b.display_base), all.count(), all.bytes, all.tokens(),
          b.analysis_packet ? b.analysis_packet->bytes : 0, b.legacy_task_packet ? b.legacy_task_packet->bytes : 0};
}

// Phase 1 of the lead: the manifest, the run context, then the contract.
inline file_set_metric measure_lead_phase1(reader& files, const bundle& b) {
  file_set set;
  set.add(files.measure(b.task_root / "task-manifest.json"));
  if (b.run_dir) set.add(files.measure(*b.run_dir / "run-context.json"));
  switch (b.kind) {
    case contract::analysis_packet: set.add(*b.analysis_packet); break;
    case contract::legacy_task_packet: set.add(*b.legacy_task_packet); break;
    case contract::full_contract:
      for (auto& f : full_contract_set(files, b).files) set.add(std::move(f));
      break;
    case contract::no_instruction_set: break;
  }
  return to_metric(lead_mode_name(b.kind), set, b.display_base);
}

inline analysis_worker_metric measure_analysis_worker(reader& files, const bundle& b,
                                                      const std::optional<measured_file>& preamble) {
  file_set full = full_contract_set(files, b);
  full.add(preamble);
  file_set packet_mode;
  packet_mode.add(b.analysis_packet);
  packet_mode.add(preamble);
  const file_set& current = b.kind == contract::analysis_packet ? packet_mode : full;
  return {std::string(worker_mode_name(b.kind)), current.count(), current.bytes, current.tokens(),
          full.bytes, full.count(), packet_mode.bytes};
}

// The report writer synthesises the workers' raw results of the run.
inline file_set_metric measure_report_writer(reader& files, const bundle& b) {
  file_set set;
  if (b.run_dir)
    for (const auto& path : files.regular_files_below(*b.run_dir / "worker-results"))
      if (!is_timestamped_legacy_artifact(path.filename().string())) set.add(files.measure(path));
  return to_metric("raw-synthesis-inputs", set, b.display_base);
}

struct found_file {
  measured_file file;
  std::string_view source;
};

// The installed copy (first Claude root that has it), else the runtime tree's.
// Outside the task root these are read as their path says, links included.
inline std::optional<found_file> installed_or_runtime(reader& files, const std::vector<stdfs::path>& installed_roots,
                                                      const stdfs::path& installed_relative,
                                                      const std::optional<stdfs::path>& runtime_root,
                                                      const stdfs::path& runtime_relative) {
  for (const auto& root : installed_roots)
    if (auto f = files.measure(absolute_path(root / installed_relative))) return found_file{std::move(*f), "installed"};
  if (runtime_root)
    if (auto f = files.measure(absolute_path(*runtime_root / runtime_relative)))
      return found_file{std::move(*f), "runtime"};
  return std::nullopt;
}

inline std::optional<measured_file> find_preamble(reader& files, const locations& where) {
  auto found = installed_or_runtime(files, {where.okstra_home / "templates"}, stdfs::path(preamble_name),
                                    where.runtime_root, stdfs::path("templates") / preamble_name);
  if (!found) return std::nullopt;
  return std::move(found->file);
}

inline skill_assets_metric measure_skill_assets(reader& files, const locations& where) {
  struct wanted {
    std::string name;
    stdfs::path installed, runtime;
  };
  std::vector<wanted> list;
  for (const auto skill : hot_path_skills) {
    const stdfs::path relative = stdfs::path("skills") / skill / "SKILL.md";
    list.push_back({"skill:" + std::string(skill), relative, relative});
  }
  for (const auto agent : worker_agent_files)
    list.push_back({"agent:" + std::string(agent), stdfs::path("agents") / agent,
                    stdfs::path("agents") / "workers" / agent});
  skill_assets_metric m;
  for (const auto& w : list) {
    const auto found = installed_or_runtime(files, where.claude_roots, w.installed, where.runtime_root, w.runtime);
    if (!found) {
      m.missing.push_back(w.name);
      continue;
    }
    const std::uint64_t tokens = found->file.tally.tokens();
    m.files.push_back({w.name, found->file.path.generic_string(), std::string(found->source), found->file.bytes, tokens});
    m.bytes += found->file.bytes;
    m.estimated_tokens += tokens;  // the seed sums the per-file rounded values
  }
  m.file_count = m.files.size();
  std::stable_sort(m.files.begin(), m.files.end(),
                   [](const skill_asset& a, const skill_asset& b) { return a.bytes > b.bytes; });
  return m;
}

inline std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) out.append(out.empty() ? "" : separator).append(item);
  return out;
}

}  // namespace detail

OKSTRA_INLINE locations locations::from_environment(stdfs::path task_root, std::optional<stdfs::path> run_dir,
                                             std::optional<stdfs::path> runtime_root) {
  locations where{std::move(task_root), std::move(run_dir), {}, dirs::okstra_home(), std::move(runtime_root)};
  // The roots Claude Code reads (docs/dirs.md, "Agent roots"): the same as okstra-usage's.
  where.claude_roots = dirs::claude_roots().roots;
  return where;
}

OKSTRA_INLINE std::optional<stdfs::path> installed_runtime_root() {
  // okstra's data folder (docs/dirs.md, "The data folder").
  const auto root = dirs::data_dir();
  if (!root) return std::nullopt;
  return detail::absolute_path(*root);
}

// The seed's project root, found from the layout rather than read from
// project.json: a moved or copied project still shows its own paths.
OKSTRA_INLINE std::optional<stdfs::path> project_root_of(const stdfs::path& task_root) {
  for (stdfs::path dir = task_root.parent_path(); dir.has_relative_path(); dir = dir.parent_path()) {
    const stdfs::path below = task_root.lexically_relative(dir);
    if (below.empty() || *below.begin() != "tasks") continue;
    if (dir.filename() == dirs::current_dir_name) return dir.parent_path();
    if (dir.filename() == dirs::legacy_dir_name && dir.parent_path().filename() == dirs::legacy_parent_name)
      return dir.parent_path().parent_path();
  }
  return std::nullopt;
}

OKSTRA_INLINE report measure(const locations& where) {
  report r;
  detail::reader files(r.warnings);
  const detail::bundle b = detail::open_bundle(where, files, r.warnings);
  r.task_root = b.task_root.generic_string();
  if (b.project_root) r.project_root = b.project_root->generic_string();
  if (b.run_dir) r.run_dir = detail::display_path(*b.run_dir, b.display_base);
  if (where.runtime_root) r.runtime_root = detail::absolute_path(*where.runtime_root).generic_string();
  r.instruction_set = detail::measure_instruction_set(files, b);
  r.lead_phase1 = detail::measure_lead_phase1(files, b);
  r.analysis_worker = detail::measure_analysis_worker(files, b, detail::find_preamble(files, where));
  r.report_writer = detail::measure_report_writer(files, b);
  r.skill_assets = detail::measure_skill_assets(files, where);
  if (!r.skill_assets.missing.empty())
    r.warnings.push_back(std::to_string(r.skill_assets.missing.size()) +
                         " hot-path file(s) found neither installed nor under the runtime root" +
                         (where.runtime_root ? "" : " (none given)") + ": " + detail::join(r.skill_assets.missing, ", "));
  return r;
}

}  // namespace okstra::context_cost
