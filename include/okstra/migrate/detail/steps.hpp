// The steps of okstra/migrate/migrate.hpp, forward and back. Each one looks
// at the disk and does only what is still to do, so a run killed anywhere is
// finished (or undone) by running it again. The caller holds the central
// lock and, when the home has worktrees, the registry lock. Include that
// header instead.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <map>
#include <thread>

#include "okstra/core/fs.hpp"
#include "okstra/core/sha256.hpp"

namespace okstra::migrate {

namespace detail {

inline void sync_file_system(const stdfs::path& folder) {
  fs::unique_fd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::syncfs(fd.get()) != 0) throw io_error("sync the file system of", folder.string());
}

// A killed atomic writer leaves ".<name>.tmp-<pid>-<n>" next to its target;
// while this run holds the locks no writer of these files is alive.
inline void remove_stray_temps(const std::vector<stdfs::path>& files) {
  std::map<stdfs::path, std::vector<std::string>> by_folder;
  for (const auto& f : files) by_folder[f.parent_path()].push_back("." + f.filename().string() + ".tmp-");
  for (const auto& [folder, prefixes] : by_folder) {
    if (node_at(folder) != node::folder) continue;
    for (const auto& name : folder_names(folder))
      for (const auto& prefix : prefixes)
        if (name.starts_with(prefix) && regular_file(folder / name) && ::unlink((folder / name).c_str()) != 0 &&
            errno != ENOENT)
          throw io_error("remove", (folder / name).string());
  }
}

// Rewrites `path` in place when it still references an old prefix; returns
// how many references it rewrote.
inline std::size_t rewrite_in_place(const stdfs::path& path, file_kind kind, const std::vector<prefix_pair>& prefixes,
                                    fs::durability how, std::vector<std::string>& warnings) {
  mode_t mode = 0644;
  if (!regular_file(path, &mode)) {
    warnings.push_back(quoted("no longer a regular file, not rewritten", path.string()));
    return 0;
  }
  const std::string text = fs::read_file(path);
  std::optional<prepared_file> prepared =
      prepare_rewrite({path.string(), kind, "", "", 0}, path, text, prefixes, warnings);
  if (!prepared) return 0;
  fs::write_file_atomic(path, prepared->rewritten, mode, how);
  return prepared->row.references;
}

// ---- forward ------------------------------------------------------------------------

struct stepper {
  const context& c;
  journal_state& journal;
  const step_hook& hook;
  migration_result& result;
  // A fresh run's scan, made under the locks this run still holds: its
  // rewritten texts are written as they are (in plan order), not re-read.
  const scan_result* fresh = nullptr;

  void pause(std::string_view step) const {
    if (hook) hook(step);
  }
  void done(std::string_view step) const {
    mark_step(journal, c.journal, step);
    pause(step);
  }
};

inline void move_step(const stepper& s) {
  const context& c = s.c;
  const node from = node_at(c.from), to = node_at(c.to);
  if (from == node::folder && (to == node::missing || (to == node::folder && folder_names(c.to).empty()))) {
    // One rename(2): atomic on one file system, whatever the folder holds.
    if (::rename(c.from.c_str(), c.to.c_str()) != 0) throw io_error("move the legacy folder", c.from.string());
    fs::fsync_dir(c.parent);
    fs::fsync_dir(c.root);
    s.result.moved = true;
  } else if (!(from == node::missing && to == node::folder)) {
    if (from == node::missing)
      throw input_error(quoted("migration cannot continue: neither layout is present in", c.root.string()),
                        "restore the folder from a backup; the journal lists what it held");
    throw refusal("both layouts hold files", c.root,
                  "merge .okstra/ and .project-docs/okstra/ by hand (docs/migrate.md)");
  }
  s.done("move");
}

// What one thread of the project rewrite did.
struct tally {
  std::size_t files = 0, references = 0;
  std::vector<std::string> warnings;

  void add(std::size_t references_in_file) {
    if (references_in_file > 0) ++files;
    references += references_in_file;
  }
  void into(migration_result& result) const {
    result.files_rewritten += files;
    result.references_rewritten += references;
    result.warnings.insert(result.warnings.end(), warnings.begin(), warnings.end());
  }
};

// One planned file: the scanned text of a fresh run, else read and rewritten again.
inline std::size_t rewrite_planned(const prepared_file* scanned, const stdfs::path& path, const file_rewrite& row,
                                   const std::vector<prefix_pair>& prefixes, fs::durability how,
                                   std::vector<std::string>& warnings) {
  if (!scanned) return rewrite_in_place(path, row.kind, prefixes, how, warnings);
  fs::write_file_atomic(path, scanned->rewritten, scanned->mode, how);
  return scanned->row.references;
}

// Runs body(i, thread) for every i in [begin, end) on two threads: the work
// is file creation and rename, which waits on the file system more than on
// a core. The first exception is rethrown once both threads are done.
template <class Body>
void on_two_threads(std::size_t begin, std::size_t end, Body&& body) {
  std::exception_ptr failure[2];
  const auto share = [&](int k) {
    try {
      for (std::size_t i = begin + static_cast<std::size_t>(k); i < end; i += 2) body(i, k);
    } catch (...) {
      failure[k] = std::current_exception();
    }
  };
  std::thread other(share, 1);
  share(0);
  other.join();
  for (const auto& f : failure)
    if (f) std::rethrow_exception(f);
}

inline void rewrite_project_step(const stepper& s) {
  const auto& rows = s.journal.plan.project_files;
  tally tallies[2];
  const auto rewrite = [&](std::size_t i, int k) {
    const prepared_file* scanned = s.fresh ? &s.fresh->project[i] : nullptr;
    tallies[k].add(rewrite_planned(scanned, s.c.to / rows[i].path, rows[i], s.journal.plan.project_prefixes,
                                   fs::durability::process_safe, tallies[k].warnings));
  };
  if (!rows.empty()) {
    rewrite(0, 0);
    s.pause("rewrite-project-first");
    on_two_threads(1, rows.size(), rewrite);
  }
  for (const auto& t : tallies) t.into(s.result);
  // One flush for every file above, before the journal says they are done.
  sync_file_system(s.c.root);
  s.done("rewrite-project");
}

inline std::string home_step_of(const context& c, const std::string& path) {
  if (path == c.home.recent_jsonl().string()) return "rewrite-recent";
  if (path == c.home.active_jsonl().string()) return "rewrite-active";
  if (path == c.home.registry_json().string()) return "rewrite-registry";
  return "rewrite-projects";
}

inline void rewrite_home_steps(const stepper& s) {
  for (const auto step : {"rewrite-projects", "rewrite-recent", "rewrite-active", "rewrite-registry"}) {
    const auto& rows = s.journal.plan.home_files;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const file_rewrite& row = rows[i];
      if (home_step_of(s.c, row.path) != step) continue;
      const auto& prefixes = row.prefixes == "project" ? s.journal.plan.project_prefixes : s.journal.plan.home_prefixes;
      const prepared_file* scanned = s.fresh ? &s.fresh->home[i] : nullptr;
      tally t;
      t.add(rewrite_planned(scanned, row.path, row, prefixes, fs::durability::synced, t.warnings));
      t.into(s.result);
    }
    s.done(step);
  }
}

inline void cleanup_step(const stepper& s) {
  if (node_at(s.c.parent) == node::folder) {
    if (::rmdir(s.c.parent.c_str()) == 0) {
      fs::fsync_dir(s.c.root);
      s.result.legacy_parent_removed = true;
    } else if (errno != ENOTEMPTY && errno != EEXIST) {
      throw io_error("remove folder", s.c.parent.string());
    }
  }
  s.done("cleanup");
}

inline void remove_journal(const context& c) {
  if (::unlink(c.journal.c_str()) != 0 && errno != ENOENT) throw io_error("remove", c.journal.string());
  fs::fsync_dir(c.root);
}

inline void run_forward(const stepper& s) {
  move_step(s);
  rewrite_project_step(s);
  rewrite_home_steps(s);
  cleanup_step(s);
  remove_journal(s.c);
}

// ---- back ---------------------------------------------------------------------------

inline std::vector<prefix_pair> reversed(const std::vector<prefix_pair>& pairs) {
  std::vector<prefix_pair> out;
  for (const auto& p : pairs) out.push_back({p.to, p.from});
  return out;
}

// The JSONL text with each recorded rewritten line put back (each record
// used once); lines written by others since are kept as they are.
inline std::string restored_lines(std::string_view text, const std::vector<line_change>& changes, bool& changed) {
  std::vector<bool> used(changes.size(), false);
  std::string out;
  out.reserve(text.size());
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t nl = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, nl - start);
    for (std::size_t k = 0; k < changes.size(); ++k)
      if (!used[k] && changes[k].rewritten == line) {
        used[k] = changed = true;
        line = changes[k].original;
        break;
      }
    out.append(line);
    if (nl < text.size()) out.push_back('\n');
    start = nl + 1;
  }
  return out;
}

// Puts one rewritten file back: the saved original when the file still holds
// exactly what the migration wrote, else each reference one by one.
inline void restore_file(const saved_file& saved, const stdfs::path& path, const std::vector<prefix_pair>& prefixes,
                         fs::durability how, migration_result& result) {
  mode_t mode = 0644;
  if (!regular_file(path, &mode)) {
    result.warnings.push_back(quoted("no longer a regular file, not restored", path.string()));
    return;
  }
  const std::string text = fs::read_file(path);
  std::string restored;
  bool changed = false;
  if (saved.row.kind == file_kind::jsonl) {
    restored = restored_lines(text, saved.lines, changed);
  } else if (sha256_hex(text) == saved.rewritten_sha256) {
    restored = saved.original;
    changed = true;
  } else if (text != saved.original) {
    std::optional<prepared_file> back =
        prepare_rewrite({path.string(), saved.row.kind, "", "", 0}, path, text, reversed(prefixes), result.warnings);
    if (!back) return;
    result.warnings.push_back(
        quoted("changed since the migration began; references restored one by one", path.string()));
    restored = std::move(back->rewritten);
    changed = true;
  }
  if (!changed) return;
  fs::write_file_atomic(path, restored, mode, how);
  ++result.files_restored;
}

inline void undo_files(const stepper& s, std::string_view where) {
  const context& c = s.c;
  const bool project = where == "project";
  const stdfs::path base = node_at(c.to) == node::folder ? c.to : c.from;
  for (const auto& saved : s.journal.files) {
    if (saved.where != where) continue;
    const stdfs::path path = project ? base / saved.row.path : stdfs::path(saved.row.path);
    restore_file(saved, path,
                 saved.row.prefixes == "project" ? s.journal.plan.project_prefixes : s.journal.plan.home_prefixes,
                 project ? fs::durability::process_safe : fs::durability::synced, s.result);
  }
  if (project) sync_file_system(c.root);
  s.done(project ? "undo-project" : "undo-home");
}

inline void undo_move_step(const stepper& s) {
  const context& c = s.c;
  const node from = node_at(c.from), to = node_at(c.to);
  if (to == node::folder && from == node::missing) {
    if (node_at(c.parent) == node::missing && ::mkdir(c.parent.c_str(), 0755) != 0)
      throw io_error("create folder", c.parent.string());
    if (::rename(c.to.c_str(), c.from.c_str()) != 0) throw io_error("move back", c.to.string());
    fs::fsync_dir(c.parent);
    s.result.moved = true;
  } else if (from != node::folder) {
    throw input_error(quoted("undo cannot continue: neither layout is present in", c.root.string()),
                      "restore the folder from a backup; the journal lists what it held");
  }
  // The move replaced an empty .okstra/: put it back.
  if (s.journal.plan.replaces_empty_current && node_at(c.to) == node::missing && ::mkdir(c.to.c_str(), 0755) != 0)
    throw io_error("create folder", c.to.string());
  fs::fsync_dir(c.root);
  s.done("undo-move");
}

inline void run_back(const stepper& s) {
  undo_files(s, "home");
  undo_files(s, "project");
  undo_move_step(s);
  remove_journal(s.c);
}

}  // namespace detail

}  // namespace okstra::migrate
