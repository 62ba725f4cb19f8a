// The install check, template lookup and {{NAME}} rendering of
// okstra/prepare/prepare.hpp. Include that header instead.
#pragma once

#include "okstra/core/api.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "okstra/core/fs.hpp"
#include "okstra/core/text.hpp"

namespace okstra::prepare {

namespace detail {
inline constexpr std::string_view setup_hint =
    "run 'okstra setup' to install okstra into the okstra home "
    "(or set OKSTRA_SKIP_INSTALL_CHECK=1 to run from a build folder)";

// The templates of okstra's data folder (dirs::data_dir, docs/dirs.md): an
// install whose home was not set up yet, or a build folder.
inline std::optional<stdfs::path> data_dir_templates() {
  if (auto data = dirs::data_dir()) return *data / "templates";
  return std::nullopt;
}

inline bool holds_every_template(const stdfs::path& dir) {
  const auto files = all_template_files();
  return std::all_of(files.begin(), files.end(), [&](const std::string& f) { return fs::is_regular_file(dir / f); });
}

inline bool is_placeholder_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

inline std::string at_line(std::string_view text, std::size_t offset) {
  return std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}
}  // namespace detail

OKSTRA_INLINE bool install_check_skipped() {
  const char* env = std::getenv("OKSTRA_SKIP_INSTALL_CHECK");
  return env && !text::is_blank(env);
}

OKSTRA_INLINE std::optional<std::string> installed_version(const dirs::home_layout& home) {
  if (!fs::is_regular_file(home.version_file())) return std::nullopt;
  const std::string stamp = fs::read_file(home.version_file(), 4096);
  const std::string_view first = text::trim(std::string_view(stamp).substr(0, stamp.find('\n')));
  if (first.empty()) return std::nullopt;
  return std::string(first);
}

OKSTRA_INLINE std::optional<unsigned> tighten_home(const dirs::home_layout& home) {
  struct stat st {};
  if (::stat(home.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) return std::nullopt;
  const unsigned mode = st.st_mode & 07777;
  if ((mode & 077) == 0) return std::nullopt;
  if (::chmod(home.root.c_str(), 0700) != 0) throw io_error("change the mode of", home.root.string());
  return mode;
}

OKSTRA_INLINE void check_installation(const dirs::home_layout& home) {
  if (install_check_skipped()) return;
  // Every missing path, not the first: a half-installed home is fixed in one go
  // (docs/prepare.md, "1. Install check").
  std::vector<std::string> missing;
  if (!fs::is_regular_file(home.version_file())) missing.push_back(home.version_file().string());
  for (const auto& file : all_template_files()) {
    const stdfs::path installed = home.templates_dir() / file;
    if (!fs::is_regular_file(installed)) missing.push_back(installed.string());
  }
  if (missing.empty()) return;
  std::string message = quoted("okstra is not installed: missing", missing.front());
  for (std::size_t i = 1; i < missing.size(); ++i) message += ", '" + printable(missing[i]) + "'";
  throw input_error(message, std::string(detail::setup_hint));
}

OKSTRA_INLINE template_source find_templates(const dirs::home_layout& home) {
  if (detail::holds_every_template(home.templates_dir())) return {home.templates_dir(), "installed"};
  if (const auto data = detail::data_dir_templates(); data && detail::holds_every_template(*data))
    return {*data, "data-dir"};
  throw input_error(quoted("cannot find the templates", home.templates_dir().string()),
                    std::string(detail::setup_hint));
}

OKSTRA_INLINE template_set templates_for(std::string_view task_type) {
  dirs::validate_task_type(task_type);
  template_set set;
  set.instruction_set = {{"instruction-set/task-brief.md", "task-brief.md"},
                         {"instruction-set/analysis-material.md", "analysis-material.md"},
                         {"instruction-set/timeline.md", "timeline.md"},
                         {"instruction-set/analysis-packet.md", "analysis-packet.md"}};
  // Stage-scoped runs work against an approved plan and one stage of it.
  if (dirs::is_stage_scoped(task_type)) set.instruction_set.push_back({"instruction-set/stage-scope.md", "stage-scope.md"});
  const std::string dir = "task-types/" + std::string(task_type) + "/";
  set.phase_guide = dir + "phase-guide.md";
  set.report = dir + "report.md";
  return set;
}

OKSTRA_INLINE std::vector<std::string> all_template_files() {
  std::set<std::string> files;
  for (const auto type : dirs::task_types) {
    const template_set set = templates_for(type);
    for (const auto& f : set.instruction_set) files.insert(f.template_path);
    files.insert({set.phase_guide, set.report, set.worker_preamble, set.pr_body});
  }
  files.insert("settings.local.json");  // linked into projects (docs/prepare.md, "Project settings link")
  return {files.begin(), files.end()};
}

OKSTRA_INLINE std::string render(std::string_view text, const template_values& values, std::string_view template_name) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  for (std::size_t open; (open = text.find("{{", pos)) != std::string_view::npos;) {
    out.append(text.substr(pos, open - pos));
    const std::size_t close = text.find("}}", open + 2);
    const std::string where = " in template '" + printable(template_name) + "' at line " + detail::at_line(text, open);
    if (close == std::string_view::npos) {
      const std::string_view start = text.substr(open, std::min<std::size_t>(24, text.size() - open));
      throw input_error(quoted("unclosed placeholder", start) + where, "close it with '}}'");
    }
    const std::string_view name = text.substr(open + 2, close - open - 2);
    const std::string whole = "{{" + std::string(name) + "}}";
    if (!detail::is_placeholder_name(name))
      throw input_error(quoted("malformed placeholder", whole) + where, "placeholder names are A-Z, 0-9 and _");
    const auto found = values.find(name);
    if (found == values.end()) throw input_error(quoted("unknown placeholder", whole) + where);
    out.append(found->second);  // appended as is: values are never scanned again
    pos = close + 2;
  }
  out.append(text.substr(pos));
  return out;
}

OKSTRA_INLINE std::string render_file(const template_source& source, std::string_view relative,
                               const template_values& values) {
  const stdfs::path file = source.dir / std::string(relative);
  return render(fs::read_file(file, std::size_t{1} << 24), values, file.string());
}

}  // namespace okstra::prepare
