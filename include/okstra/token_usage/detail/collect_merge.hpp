// collect(): merging the per-file results of each source, the statistics,
// and the cache write-back.
#pragma once

#include <memory>

namespace okstra::token_usage {

namespace detail {

// The merged records, with each distinct string written once: a run where
// nothing changed interns a few thousand strings, not one per field.
inline void encode_merged(encoder& e, const collection& c) {
  std::unordered_map<const char*, std::uint64_t> index;
  std::vector<std::string_view> table;
  const auto id = [&](const istr& s) {
    auto [it, added] = index.emplace(s.data(), table.size());
    if (added) table.push_back(s.view());
    return it->second;
  };
  std::vector<std::uint64_t> refs;
  refs.reserve(c.records.size() * 6);
  for (const auto& r : c.records)
    for (const istr* s : {&r.session_id, &r.model, &r.project, &r.team_name, &r.agent_name, &r.agent_id}) refs.push_back(id(*s));
  e.u64(table.size());
  for (const auto s : table) e.str(s);
  e.u64(c.records.size());
  std::size_t k = 0;
  for (const auto& r : c.records) {
    e.u8(static_cast<std::uint8_t>(r.src));
    e.u8(static_cast<std::uint8_t>(r.who));
    e.i64(r.timestamp_ms);
    e.usage(r.usage);
    for (int f = 0; f < 6; ++f) e.u64(refs[k++]);
  }
  for (const auto& s : c.stats) e.usage(s.usage), e.u64(s.files), e.u64(s.records), e.u64(s.skipped_lines);
  e.u64(c.warnings.size());
  for (const auto& w : c.warnings) e.str(w);
}

inline bool decode_merged(std::string_view bytes, collection& c) {
  decoder d(bytes);
  const std::uint64_t strings = d.u64();
  if (d.failed() || strings > bytes.size()) return false;
  std::vector<istr> table;
  table.reserve(strings);
  for (std::uint64_t i = 0; i < strings && !d.failed(); ++i) table.emplace_back(d.str());
  const std::uint64_t n = d.u64();
  if (d.failed() || n > bytes.size()) return false;
  c.records.resize(n);
  for (auto& r : c.records) {
    const auto s = d.u8(), a = d.u8();
    r.src = static_cast<source>(s & 3);
    r.who = static_cast<agent>(a > 5 ? 5 : a);
    r.timestamp_ms = d.i64();
    r.usage = d.usage();
    for (istr* f : {&r.session_id, &r.model, &r.project, &r.team_name, &r.agent_name, &r.agent_id}) {
      const std::uint64_t at = d.u64();
      if (at >= table.size()) d.mark_failed();
      else *f = table[at];
    }
    if (d.failed()) break;
  }
  for (auto& s : c.stats) s.usage = d.usage(), s.files = d.u64(), s.records = d.u64(), s.skipped_lines = d.u64();
  const std::uint64_t w = d.u64();
  for (std::uint64_t i = 0; i < w && !d.failed(); ++i) c.warnings.emplace_back(d.str());
  if (d.failed() || !d.at_end()) {
    c = collection{};
    return false;
  }
  return true;
}

inline std::uint64_t file_consumed(const tracked& t) {
  if (t.file.src == source::claude) return t.claude_parts.empty() ? 0 : t.claude_parts.back().consumed;
  return t.other.consumed();
}

template <class Result, class Merge>
auto merge_source(const std::vector<tracked>& files, source s, Merge&& merge) {
  std::vector<std::pair<std::string, const Result*>> refs;
  for (const auto& t : files)
    if (t.file.src == s && t.readable)
      if (const auto* r = std::get_if<Result>(&t.other.value)) refs.emplace_back(t.file.path, r);
  return merge(refs);
}

inline void merge_all(std::vector<tracked>& files, collection& out) {
  std::vector<claude::file_input> claude_inputs;
  for (auto& t : files) {
    out.stats[static_cast<std::size_t>(t.file.src)].files += 1;
    if (!t.readable) continue;
    if (is_gemini_document(t.file) ? false : file_consumed(t) < t.id.size)
      out.stats[static_cast<std::size_t>(t.file.src)].skipped_lines += 1;  // a truncated final line
    if (t.file.src != source::claude) continue;
    if (t.file.subagent) t.agent_type = subagent_type(t.file.path);
    for (const auto& part : t.claude_parts) {
      out.stats[0].skipped_lines += part.skipped_lines;
      claude_inputs.push_back({t.file.path, &part, t.file.subagent, t.agent_type});
    }
  }
  auto records = claude::merge(std::move(claude_inputs));
  const auto codex_merged = merge_source<codex::file_result>(files, source::codex, codex::merge);
  const auto gemini_merged = merge_source<gemini::file_result>(files, source::gemini, gemini::merge);
  const auto cursor_merged = merge_source<cursor::file_result>(files, source::cursor, cursor::merge);
  out.stats[1].skipped_lines += codex_merged.skipped_lines;
  out.stats[2].skipped_lines += gemini_merged.skipped_lines;
  out.stats[3].skipped_lines += cursor_merged.skipped_lines;
  for (const auto& path : codex_merged.forks_without_parent)
    out.warnings.push_back(quoted("parent rollout not found for forked Codex session", path) +
                           ": its replayed history may be counted");
  for (const auto* more : {&codex_merged.records, &gemini_merged.records, &cursor_merged.records})
    records.insert(records.end(), more->begin(), more->end());
  for (const auto& r : records) {
    auto& s = out.stats[static_cast<std::size_t>(r.src)];
    s.usage += r.usage;
    s.records += 1;
  }
  out.records = std::move(records);
}

// The cache is written by a background thread while the caller builds and
// prints its report; the thread is joined before the process exits.
class cache_writer {
 public:
  static cache_writer& instance() {
    static cache_writer writer;
    return writer;
  }
  template <class Fn>
  void start(Fn&& fn) {
    join();
    thread_ = std::thread(std::forward<Fn>(fn));
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  ~cache_writer() { join(); }

 private:
  std::thread thread_;
};

inline void write_back(const std::filesystem::path& cache_file, std::vector<tracked> files, std::uint64_t fp,
                       const collection& out) {
  auto merged = std::make_shared<encoder>();
  encode_merged(*merged, out);
  auto owned = std::make_shared<std::vector<tracked>>(std::move(files));
  cache_writer::instance().start([cache_file, owned, merged, fp] {
    encoder table;
    std::uint64_t rows = 0;
    for (const auto& t : *owned) rows += t.readable;
    table.u64(rows);
    cache_writer_file row;
    for (auto& t : *owned) {
      if (!t.readable) continue;
      row.path = t.file.path;
      row.src = t.file.src;
      row.id = t.id;
      row.head = t.head;
      row.consumed = file_consumed(t);
      row.payload = t.file.src == source::claude ? encode_claude_parts(t.claude_parts) : encode_source_result(t.other);
      encode_table_entry(table, row);
      t.claude_parts.clear();  // memory goes back as we go
    }
    try {
      save_cache(cache_file, table.buffer(), fp, merged->buffer());
    } catch (const std::exception&) {
      // A cache that could not be saved only costs speed next time.
    }
  });
}

}  // namespace detail

inline discovered_logs discover_logs(const collect_options& o) {
  discovered_logs logs;
  logs.files = detail::discover(o);
  logs.fingerprint = detail::fingerprint(logs.files);
  return logs;
}

inline collection collect(const collect_options& o) { return collect(o, discover_logs(o)); }

inline collection collect(const collect_options& o, discovered_logs logs) {
  using namespace detail;
  collection out;
  std::vector<tracked> files = std::move(logs.files);
  const stdfs::path cache_file =
      (o.cache_dir.empty() ? dirs::okstra_home() / "cache" / "usage" : o.cache_dir) / "usage-v1.bin";
  cache_content cache;
  if (o.use_cache) cache = load_cache(cache_file);
  const std::uint64_t fp = logs.fingerprint;
  if (o.use_cache && !cache.merged.empty() && cache.merged_fingerprint == fp && decode_merged(cache.merged, out))
    return out;
  if (o.use_cache && cache.decode_files()) plan_from_cache(files, cache);
  cache = cache_content{};  // release the old payloads before reading
  const auto units = plan_work(files);
  run_state state;
  const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  run_units(files, units, threads, o.progress, state);
  for (const auto& u : units) out.bytes_read += u.range.end - u.range.begin;
  out.files_read = units.size();
  out.warnings = std::move(state.warnings);
  merge_all(files, out);
  if (o.use_cache) write_back(cache_file, std::move(files), fp, out);
  return out;
}

}  // namespace okstra::token_usage
