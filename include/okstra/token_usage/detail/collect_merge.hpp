// collect(): merging the per-file results of each source, the statistics,
// and the cache write-back.
#pragma once

namespace okstra::token_usage {

namespace detail {

inline void encode_merged(encoder& e, const collection& c) {
  e.u64(c.records.size());
  for (const auto& r : c.records) e.rec(r);
  for (const auto& s : c.stats) e.usage(s.usage), e.u64(s.files), e.u64(s.records), e.u64(s.skipped_lines);
  e.u64(c.warnings.size());
  for (const auto& w : c.warnings) e.str(w);
}

inline bool decode_merged(std::string_view bytes, collection& c) {
  decoder d(bytes);
  const std::uint64_t n = d.u64();
  if (d.failed() || n > bytes.size()) return false;
  c.records.reserve(n);
  for (std::uint64_t i = 0; i < n && !d.failed(); ++i) c.records.push_back(d.rec());
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

inline void write_back(const std::filesystem::path& cache_file, const std::vector<tracked>& files,
                       std::uint64_t fp, const collection& out) {
  cache_content c;
  for (const auto& t : files) {
    if (!t.readable) continue;
    cached_file f;
    f.src = t.file.src;
    f.id = t.id;
    f.head = t.head;
    f.consumed = file_consumed(t);
    f.payload = t.file.src == source::claude ? encode_claude_parts(t.claude_parts) : encode_source_result(t.other);
    c.files.emplace(t.file.path, std::move(f));
  }
  c.merged_fingerprint = fp;
  encoder e;
  encode_merged(e, out);
  c.merged = std::move(e.buffer());
  save_cache(cache_file, c);
}

}  // namespace detail

inline collection collect(const collect_options& o) {
  using namespace detail;
  collection out;
  std::vector<tracked> files = discover(o);
  const stdfs::path cache_file =
      (o.cache_dir.empty() ? dirs::okstra_home() / "cache" / "usage" : o.cache_dir) / "usage-v1.bin";
  cache_content cache;
  if (o.use_cache) cache = load_cache(cache_file);
  const std::uint64_t fp = fingerprint(files);
  if (o.use_cache && !cache.merged.empty() && cache.merged_fingerprint == fp && decode_merged(cache.merged, out))
    return out;
  if (o.use_cache) plan_from_cache(files, cache);
  cache = cache_content{};  // release the old payloads before reading
  const auto units = plan_work(files);
  run_state state;
  const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  run_units(files, units, threads, o.progress, state);
  for (const auto& u : units) out.bytes_read += u.range.end - u.range.begin;
  out.files_read = units.size();
  out.warnings = std::move(state.warnings);
  merge_all(files, out);
  if (o.use_cache) {
    try {
      write_back(cache_file, files, fp, out);
    } catch (const okstra::error& e) {
      out.warnings.push_back(std::string("usage cache not saved: ") + e.what());
    }
  }
  return out;
}

}  // namespace okstra::token_usage
