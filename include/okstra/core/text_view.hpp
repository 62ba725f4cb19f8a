// okstra/core/text_view.hpp — the human (`--format text`) view of a JSON result.
//
// Contract (docs/cli.md, "Text views"):
// - render() turns the JSON document a tool prints with --format json into
//   the text a person reads: scalar fields as aligned "label  value" lines,
//   nested objects as indented sections, arrays named in hints.tables as
//   tables that fit style.width, other arrays as lists. Keys are shown as
//   words ("projectRoot" -> "project root"). Nothing is dropped: every value
//   of the JSON appears in the text.
// - Scalars: strings as they are (control bytes shown as \xHH, a line break
//   starts a new line under the value), numbers as in the JSON, true/false,
//   null as "none"; an empty array is "(none)", an empty object "(empty)".
// - A table's columns are the hinted keys, then every other key whose values
//   are scalars or arrays of scalars (joined with ", "); values that are
//   objects or arrays of objects follow the table, one section per row.
//   Text cells are shortened with "…" to fit, numbers never (okstra/core/table.hpp):
//   the one place a value may appear only in part — whole in --format json.
//   A hint's pointer may use "*" for any array index: "/rules/*/violations".
// - Long values wrap at spaces under their value column. Colour only when
//   style.color: bold title and headings, dim labels, status words coloured
//   (style::status_tone).
// - Malformed JSON is an internal error (the tools only pass their own output):
//   the input_error of json::parse.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/style.hpp"

namespace okstra::text_view {

struct table_hint {
  std::string array;                 // JSON pointer of the array, e.g. "/entries"
  std::vector<std::string> columns;  // keys of the elements, in column order; empty = all keys
};

struct hints {
  std::string title;               // first line, e.g. "worktree entries"; empty = none
  std::vector<table_hint> tables;  // arrays to draw as tables
};

std::string render(std::string_view json, const hints& view, const style::output_style& style);

// "projectRoot" -> "project root", "cacheWrite5m" -> "cache write 5m".
std::string words(std::string_view key);

}  // namespace okstra::text_view

#ifndef OKSTRA_COMPILED_LIB
#include "okstra/core/detail/text_view.hpp"
#endif
