// The kept report parts of archive_report_impl.hpp, and
// build_report_with_archive(). Include okstra/token_usage/archive_report.hpp
// instead.
#pragma once

#include <cstdio>

namespace okstra::token_usage {

namespace detail {

namespace archive_share {

inline void put_bucket(encoder& e, const bucket& b) {
  e.usage(b.usage);
  put_pico(e, b.pico);
  e.u64(b.models.size());
  for (const auto& [name, acc] : b.models) {
    e.str(name.view());
    e.usage(acc.usage);
    put_pico(e, acc.pico);
    e.u8(acc.has_price ? 1 : 0);
  }
  e.i64(b.first_ms);
  e.i64(b.last_ms);
  e.str(b.project.view());
  e.i64(b.project_ms);
  e.u8(static_cast<std::uint8_t>(b.src));
}

inline bucket get_bucket(decoder& d) {
  bucket b;
  b.usage = d.usage();
  b.pico = get_pico(d);
  const std::uint64_t models = d.u64();
  for (std::uint64_t i = 0; i < models && !d.failed(); ++i) {
    const istr name(d.str());
    model_acc acc;
    acc.usage = d.usage();
    acc.pico = get_pico(d);
    acc.has_price = d.u8() != 0;
    b.models.emplace_back(name, acc);
  }
  b.first_ms = d.i64();
  b.last_ms = d.i64();
  b.project = istr(d.str());
  b.project_ms = d.i64();
  b.src = static_cast<source>(d.u8() & 3);
  return b;
}

inline std::string encode_part(const report_part& p) {
  encoder e;
  e.str(part_tag);
  const selection_sums& s = p.sums;
  e.usage(s.totals);
  e.u8(s.fits ? 1 : 0);
  put_pico(e, s.pico);
  for (std::size_t i = 0; i < s.seen.size(); ++i) {
    e.usage(s.seen[i].usage);
    e.u64(s.seen[i].records);
    put_pico(e, s.source_pico[i]);
  }
  e.u64(s.unpriced.size());
  for (const auto& [model, count] : s.unpriced) e.str(model), e.u64(count);
  e.u64(p.by_period.size());
  for (const auto& [key, b] : p.by_period) e.i64(key), put_bucket(e, b);
  e.u64(p.by_group.size());
  for (const auto& [key, b] : p.by_group) e.i64(key.first), e.str(key.second), put_bucket(e, b);
  e.u64(p.by_session.size());
  for (const auto& [key, b] : p.by_session) e.str(key.view()), put_bucket(e, b);
  return sealed(std::move(e.buffer()));
}

inline std::optional<report_part> decode_part(std::string_view bytes) {
  const auto body = unsealed(bytes);
  if (!body) return std::nullopt;
  decoder d(*body);
  if (d.str() != part_tag) return std::nullopt;
  report_part p;
  selection_sums& s = p.sums;
  s.totals = d.usage();
  s.fits = d.u8() != 0;
  s.pico = get_pico(d);
  for (std::size_t i = 0; i < s.seen.size(); ++i) {
    s.seen[i].usage = d.usage();
    s.seen[i].records = d.u64();
    s.source_pico[i] = get_pico(d);
  }
  const auto count = [&] {  // an entry takes at least a byte: more is damage
    const std::uint64_t n = d.u64();
    if (n > body->size()) d.mark_failed();
    return d.failed() ? 0 : n;
  };
  for (std::uint64_t i = count(); i > 0 && !d.failed(); --i) {
    std::string model(d.str());
    s.unpriced[model] = d.u64();
  }
  for (std::uint64_t i = count(); i > 0 && !d.failed(); --i) {
    const std::int64_t key = d.i64();
    p.by_period[key] = get_bucket(d);
  }
  for (std::uint64_t i = count(); i > 0 && !d.failed(); --i) {
    const std::int64_t period = d.i64();
    std::string value(d.str());
    p.by_group[{period, std::move(value)}] = get_bucket(d);
  }
  for (std::uint64_t i = count(); i > 0 && !d.failed(); --i) {
    const istr id(d.str());
    p.by_session[id] = get_bucket(d);
  }
  if (d.failed() || !d.at_end()) return std::nullopt;
  return p;
}

inline std::optional<std::string> read_kept(const std::filesystem::path& file) {
  try {
    return fs::read_file(file, std::size_t{256} << 20);
  } catch (const okstra::error&) {
    return std::nullopt;
  }
}

// The files of both kinds are named by what they were computed from.
inline std::string index_name(const collect_options& o, std::uint64_t archive_fingerprint) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(archive_fingerprint));
  std::string name = std::string("index-") + hex + "-";
  for (const bool on : o.enabled) name += on ? '1' : '0';
  return name + ".bin";
}

inline std::string part_name(std::string_view key, const std::string& index_file,
                             const std::vector<identity_of_source>& shared) {
  sha256 h;
  h.update(key);
  h.update(std::string_view("\0", 1));
  h.update(index_file);
  for (const auto& s : shared) h.update(std::string_view(reinterpret_cast<const char*>(&s.identity), sizeof s.identity));
  return "part-" + h.hex() + ".bin";
}

}  // namespace archive_share

}  // namespace detail

OKSTRA_INLINE report build_report_with_archive(const collect_options& o, collection& collected,
                                               const price_table& prices, const report_options& options,
                                               std::string_view key) {
  namespace share = detail::archive_share;
  if (!o.use_archive || !o.archive_apart) return build_report(collected.records, collected.stats, prices, options);
  const archive ar(o.archive_dir);
  if (options.kind == report_kind::blocks || options.last || !o.use_cache) {  // not a sum of parts: merge
    archive_contents contents = ar.read_all();
    collected.warnings.insert(collected.warnings.end(), contents.warnings.begin(), contents.warnings.end());
    detail::merge_archived(o, std::move(contents.records), collected);
    return build_report(collected.records, collected.stats, prices, options);
  }
  const std::uint64_t fingerprint = ar.fingerprint();
  const std::filesystem::path dir = cache_folder(o) / "archive-share";
  const std::string index_file = share::index_name(o, fingerprint);
  std::optional<archive_contents> contents;
  std::optional<share::index> index;
  if (const auto bytes = share::read_kept(dir / index_file)) index = share::decode_index(*bytes);
  if (!index) {
    contents = ar.read_all();
    index = share::index_of(o, *contents);
    if (ar.fingerprint() == fingerprint) detail::store_bounded(dir, index_file, "index-", 8, share::encode_index(*index));
  }
  collected.warnings.insert(collected.warnings.end(), index->warnings.begin(), index->warnings.end());
  const auto shared = share::shared_with(*index, collected.records);
  const std::string part_file = share::part_name(key, index_file, shared);
  std::optional<detail::report_part> part;
  if (const auto bytes = share::read_kept(dir / part_file)) part = share::decode_part(*bytes);
  if (part) {
    detail::trace_note("archive: its share of the report was kept");
  } else {
    if (!contents) contents = ar.read_all();
    std::vector<record> added;
    for (const std::uint32_t i : detail::archived_to_add(o, contents->records, collected.records))
      added.push_back(contents->records[i].rec);
    part = detail::make_report_part(added, prices, options);
    if (ar.fingerprint() == fingerprint) detail::store_bounded(dir, part_file, "part-", 32, share::encode_part(*part));
  }
  std::array<std::uint64_t, 4> archived = index->count;
  for (const auto& s : shared) archived[static_cast<std::size_t>(s.src)] -= 1;
  for (std::size_t i = 0; i < archived.size(); ++i) collected.stats[i].archived += archived[i];
  return detail::build_report_with(collected.records, collected.stats, prices, options, &*part);
}

}  // namespace okstra::token_usage
