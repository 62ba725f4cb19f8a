// collect(): discover → stat → cache → parallel parse → merge → save cache.
#pragma once

namespace okstra::token_usage {

namespace detail {

// The kept folder listings of this run's roots (listing_cache.hpp); none
// with --no-cache.
inline listing_cache listings_for(const collect_options& o, const std::array<root_set, 3>& roots) {
  if (!o.use_cache) return {};
  std::string names;
  for (std::size_t i = 0; i < roots.size(); ++i)
    for (const auto& root : roots[i].roots) names.append(std::to_string(i)).append(":").append(root.string()).push_back('\0');
  const std::int64_t started_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::system_clock::now().time_since_epoch()).count();
  return listing_cache(usage_cache_dir(o.cache_dir) / "listings", listing_file_name(names), started_ns - 1'000'000'000);
}

// The log files of every enabled source; what the walk could not read goes
// to `unreadable` (files.hpp).
inline std::vector<log_file> discover(const collect_options& o, unreadable_list& unreadable) {
  std::vector<log_file> found;
  std::array<root_set, 3> roots;
  const std::array<dirs::agent_roots (*)(), 3> defaults{dirs::claude_roots, dirs::codex_roots, dirs::gemini_roots};
  const std::array<const std::vector<stdfs::path>*, 3> flags{&o.claude_roots, &o.codex_roots, &o.gemini_roots};
  const std::array<std::string_view, 3> names{"Claude Code", "Codex", "Gemini"};
  for (std::size_t i = 0; i < roots.size(); ++i) {
    if (!o.enabled[i]) continue;
    roots[i] = resolve_roots(*flags[i], defaults[i]);
    require_roots(roots[i], names[i]);
  }
  listing_cache listings = listings_for(o, roots);
  if (o.enabled[0]) find_claude(roots[0], found, unreadable, &listings);
  if (o.enabled[1]) find_codex(roots[1], found, unreadable, &listings);
  if (o.enabled[2]) find_gemini(roots[2], found, unreadable, &listings);
  listings.save();
  trace_note("walk: " + std::to_string(listings.folders_reused()) + " folder listings reused, " +
             std::to_string(listings.folders_listed()) + " folders listed");
  if (o.enabled[3]) {
    const stdfs::path log = o.cursor_log ? *o.cursor_log : dirs::home().cursor_usage_log();
    struct stat st{};
    if (::stat(log.c_str(), &st) == 0 && S_ISREG(st.st_mode)) found.push_back({source::cursor, log.string(), identity_of(st), false, false});
    else if (o.cursor_log) throw input_error(quoted("cannot find Cursor usage log", log.string()));
  }
  std::sort(found.begin(), found.end(), [](const log_file& a, const log_file& b) { return a.path < b.path; });
  found.erase(std::unique(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.path == b.path; }),
              found.end());
  std::stable_sort(unreadable.begin(), unreadable.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  unreadable.erase(std::unique(unreadable.begin(), unreadable.end(),
                               [](const auto& a, const auto& b) { return a.path == b.path; }),
                   unreadable.end());
  return found;
}

// What a run could not read, never skipped in silence (docs/usage.md, "Where
// the logs are found"): each folder or entry the walk could not read is a
// warning, and it and each found file that would not open (already a
// warning) count in bySource.<src>.unreadable.
inline void report_unreadable(const unreadable_list& walked, const std::vector<tracked>& files, collection& out) {
  std::vector<std::string> lines;
  for (const auto& u : walked) {
    out.stats[static_cast<std::size_t>(u.src)].unreadable += 1;
    lines.push_back(quoted("cannot read", u.path) + ": " + std::strerror(u.error));
  }
  for (const auto& t : files)
    if (!t.readable) out.stats[static_cast<std::size_t>(t.file.src)].unreadable += 1;
  out.warnings.insert(out.warnings.begin(), lines.begin(), lines.end());
}

// Takes a file's cached result out of the store; false if any part fails its check.
inline bool take_cached_result(tracked& t, const cached_file& c, const store_map& store) {
  if (t.file.src != source::claude) {
    if (c.parts.size() != 1) return false;
    const auto bytes = store.part(c.parts[0]);
    if (!bytes || !decode_source_result(t.file.src, *bytes, t.other)) return false;
    t.other_ref = c.parts[0];
    return true;
  }
  // A file that grew many times is read afresh, which leaves it one part again.
  if (c.parts.empty() || c.parts.size() >= 16) return false;
  // Checked and decoded only if the full merge needs them (verify_cached_parts):
  // a run that merges onto Claude's snapshot never looks at them.
  for (const part_ref& r : c.parts) t.cached_parts.push_back({r, {}});
  t.parts_pending = true;
  return true;
}

// Checks and decodes the cached Claude parts taken as refs, on both cores;
// false when one fails its check (the caller then reads without the cache).
inline bool verify_cached_parts(std::vector<tracked>& files, const store_map& store) {
  // Every part is read now: map the whole store in one call instead of a
  // fault per page (a run that merges onto the snapshot touches only that).
  if (std::any_of(files.begin(), files.end(), [](const tracked& t) { return t.parts_pending; })) store.populate();
  std::atomic<bool> all_good{true};
  claude::detail_impl::on_two(files.size() > 256, [&](int half) {
    for (std::size_t i = static_cast<std::size_t>(half); i < files.size(); i += 2) {
      tracked& t = files[i];
      if (!t.parts_pending || !t.readable) continue;
      for (auto& c : t.cached_parts) {
        const auto bytes = store.part(c.ref);
        const auto part = bytes ? claude::decode_part(*bytes) : std::nullopt;
        if (!part) {
          all_good = false;
          return;
        }
        c.part = *part;
      }
      t.parts_pending = false;
    }
  });
  return all_good;
}

// How a file stands against its cached row.
struct row_match {
  const cached_file* row = nullptr;
  bool same = false;   // identical identity: nothing to read
  bool grown = false;  // appended to: read from the old end
};

inline row_match match_row(const tracked& t, const cache_index& cache) {
  row_match m;
  const auto it = cache.files.find(t.file.path);
  if (!t.readable || it == cache.files.end() || it->second.src != t.file.src) return m;
  const cached_file& c = it->second;
  m.row = &c;
  m.same = c.id == t.file.id;
  m.grown = !m.same && c.id.dev == t.file.id.dev && c.id.ino == t.file.id.ino && t.file.id.size > c.id.size &&
            c.consumed <= c.id.size && resumable(t.file.src);
  if (m.grown) {
    fs::unique_fd fd(::open(t.file.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    m.grown = fd && head_hash(fd.get(), c.id.size) == c.head;
  }
  return m;
}

// Takes what the cache knows of one file (see plan_from_cache).
inline void take_row(tracked& t, const row_match& m, const store_map& store, const std::array<bool, 4>& snapshot) {
  const cached_file& c = *m.row;
  if (snapshot[static_cast<std::size_t>(t.file.src)]) {
    t.in_snapshot = true;
    if (t.file.src == source::claude)
      for (const part_ref& r : c.parts) t.cached_parts.push_back({r, {}});
    else if (c.parts.size() == 1) t.other_ref = c.parts[0];
  } else if (!take_cached_result(t, c, store)) {
    t.cached_parts.clear();
    t.other = source_result{};
    t.other_ref.reset();
    return;
  }
  if (m.grown) t.other_ref.reset();  // its result changes: stored anew
  // Claude Code writes a subagent's .meta.json once, when the subagent
  // starts: while its transcript is the same file, its type stays known.
  t.agent_type = c.agent_type;
  t.agent_type_known = t.file.subagent;
  t.head = c.head;
  t.from_cache = m.same;
  t.resume_from = c.consumed;
  t.cached_consumed = c.consumed;
}

// Decides per file: reuse the cache, resume after its old end, or read
// afresh. A source in `snapshot` keeps its snapshot only if all its files are
// unchanged; their results are then not even decoded, only carried over.
inline void plan_from_cache(std::vector<tracked>& files, const cache_index& cache, const store_map& store,
                            std::array<bool, 4>& snapshot) {
  std::vector<row_match> matches;
  matches.reserve(files.size());
  for (const auto& t : files) {
    matches.push_back(match_row(t, cache));
    if (!matches.back().same) snapshot[static_cast<std::size_t>(t.file.src)] = false;
  }
  // Checking and decoding the cached parts (checksums over the whole store)
  // is split over both cores; each file is touched by one thread only.
  claude::detail_impl::on_two(files.size() > 256, [&](int half) {
    for (std::size_t i = static_cast<std::size_t>(half); i < files.size(); i += 2)
      if (matches[i].same || matches[i].grown) take_row(files[i], matches[i], store, snapshot);
  });
}

inline std::vector<work_unit> plan_work(std::vector<tracked>& files) {
  std::vector<work_unit> units;
  for (std::size_t i = 0; i < files.size(); ++i) {
    tracked& t = files[i];
    if (!t.readable || t.from_cache) continue;
    if (t.file.src != source::claude) {
      units.push_back({i, {t.resume_from, t.file.id.size}, 0});
      continue;
    }
    const std::uint64_t todo = t.file.id.size - std::min(t.resume_from, t.file.id.size);
    std::vector<byte_range> ranges;
    if (todo > split_above) {
      fs::unique_fd fd(::open(t.file.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
      if (fd) ranges = split_ranges(fd.get(), t.resume_from, t.file.id.size);
    }
    if (ranges.empty()) ranges.push_back({t.resume_from, t.file.id.size});
    for (const auto& r : ranges) {
      units.push_back({i, r, t.claude_parts.size()});
      t.claude_parts.emplace_back();
    }
  }
  // Biggest first, so the last unit to finish is a small one.
  std::stable_sort(units.begin(), units.end(), [](const work_unit& a, const work_unit& b) {
    return a.range.end - a.range.begin > b.range.end - b.range.begin;
  });
  return units;
}

struct run_state {
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> bytes{0};
  std::mutex errors_mutex;
  std::vector<std::string> warnings;
};

inline void run_unit(tracked& t, const work_unit& u, std::string& buffer, run_state& state) {
  fs::unique_fd fd(::open(t.file.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) {
    std::lock_guard guard(state.errors_mutex);
    state.warnings.push_back(quoted("cannot read", t.file.path) + ": " + std::strerror(errno));
    t.readable = false;
    return;
  }
  // Exactly one unit of a file starts where its reading resumes: it takes
  // the head hash that the next run compares.
  if (u.range.begin == t.resume_from) t.head = head_hash(fd.get(), t.file.id.size);
  if (t.file.src != source::claude) {
    parse_source_file(t.file, fd.get(), u.range, buffer, t.other);
    state.bytes += u.range.end - u.range.begin;
    return;
  }
  claude::file_result& part = t.claude_parts[u.part];
  claude::file_parser parser(part);
  std::uint64_t oversized = 0;
  part.consumed = read_lines(fd.get(), t.file.path, u.range, buffer, oversized, [&](std::string_view text, std::uint64_t at) {
    parser.parse(text, at);
    state.bytes += text.size();
  });
  part.skipped_lines += oversized;
}

inline void run_units(std::vector<tracked>& files, const std::vector<work_unit>& units, unsigned threads,
                      bool progress, run_state& state) {
  std::uint64_t total = 0;
  for (const auto& u : units) total += u.range.end - u.range.begin;
  const auto worker = [&] {
    std::string buffer;
    for (std::size_t i; (i = state.next.fetch_add(1)) < units.size();) {
      try {
        run_unit(files[units[i].file], units[i], buffer, state);
      } catch (const std::exception& e) {
        std::lock_guard guard(state.errors_mutex);
        state.warnings.push_back(e.what());
        files[units[i].file].readable = false;
      }
    }
  };
  const unsigned n = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(units.size())));
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < n; ++k) pool.emplace_back(worker);
  std::atomic<bool> done{false};
  std::thread bar;
  if (progress && total > (std::uint64_t{256} << 20)) {
    bar = std::thread([&] {
      char line[96];
      while (!done) {
        std::snprintf(line, sizeof line, "reading logs %3d%% (%llu/%llu MB)",
                      static_cast<int>(100 * state.bytes / std::max<std::uint64_t>(total, 1)),
                      static_cast<unsigned long long>(state.bytes >> 20), static_cast<unsigned long long>(total >> 20));
        diagnostics::progress(line);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      diagnostics::progress("");
    });
  }
  worker();
  for (auto& t : pool) t.join();
  done = true;
  if (bar.joinable()) bar.join();
}

}  // namespace detail

}  // namespace okstra::token_usage

#include "okstra/token_usage/detail/collect_merge.hpp"
