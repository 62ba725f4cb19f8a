// okstra/token_usage/archive_report.hpp — reports over live records and the
// archive, with the archive's share remembered (docs/usage-archive.md,
// "Reports over the archive").
//
// Contract: build_report_with_archive() returns what build_report() returns
// over `collected` merged with the archive (live records win by identity),
// for a collection gathered with collect_options::archive_apart set (its
// records hold no archived ones; bySource's archivedRecords are added here).
// A period or session report without --last is the merge of two parts, one
// over the live records and one over the archived records they do not
// repeat; that second part is kept in the cache folder, keyed by the
// archive's fingerprint, `key` (every input of the report but the logs) and
// the identities the live records share with the archive, with a sorted index
// of the archive's identities. A run whose archive did not change then reads
// neither the archive nor its records. Anything kept that cannot be read is
// a miss: it changes speed, never output. Other reports read the archive and
// merge its records, as collect() does without archive_apart. Without
// use_archive or archive_apart, this is build_report().
#pragma once

#include <string_view>

#include "okstra/core/api.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/token_usage.hpp"

namespace okstra::token_usage {

report build_report_with_archive(const collect_options& o, collection& collected, const price_table& prices,
                                 const report_options& options, std::string_view key);

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/archive_report_impl.hpp"
#endif
