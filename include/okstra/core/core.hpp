// okstra/core/core.hpp — the shared helpers every module and tool stands on.
//
// core is a set of small public headers; include just the one you need:
//   error.hpp    okstra::error with its exit-code class, wording helpers
//   cli.hpp      option declarations, parse(), output, run_main()
//   json.hpp     RapidJSON behind one door, field helpers, json::writer
//   fs.hpp       read_file, write_file_atomic, append_line, ensure_dir
//   heap.hpp     a malloc policy for tools that fill much fresh memory
//   safe_path.hpp  folders and files below a trusted root, no symlink followed
//   process.hpp  run a child program without a shell, capture its output
//   process_facts.hpp  what /proc says of a process: state, start time
//   time.hpp     UTC ISO-8601 now/format/parse
//   utf8.hpp     decode with replacement, validate, sanitise
//   sha256.hpp   SHA-256 for names and cache identities
//   style.hpp    terminal width and colour of an output (--color, NO_COLOR, COLUMNS)
//   display_width.hpp  terminal columns of UTF-8 text, truncate with "…", wrap
//   table.hpp    aligned tables fitted to a width
//   text_view.hpp  the --format text view of a JSON result
#pragma once

#include "okstra/core/cli.hpp"
#include "okstra/core/display_width.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/process.hpp"
#include "okstra/core/process_facts.hpp"
#include "okstra/core/safe_path.hpp"
#include "okstra/core/sha256.hpp"
#include "okstra/core/style.hpp"
#include "okstra/core/table.hpp"
#include "okstra/core/test_pause.hpp"
#include "okstra/core/text.hpp"
#include "okstra/core/text_view.hpp"
#include "okstra/core/time.hpp"
#include "okstra/core/utf8.hpp"
