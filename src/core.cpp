// src/core.cpp — the core module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
// The option layer (core/cli.hpp) has its own source, src/cli.cpp.
#define OKSTRA_COMPILED_LIB

#include "okstra/core/display_width.hpp"
#include "okstra/core/style.hpp"
#include "okstra/core/table.hpp"
#include "okstra/core/text_view.hpp"

// The definitions the public headers leave out in compiled mode.
#include "okstra/core/detail/display_width.hpp"
#include "okstra/core/detail/style.hpp"
#include "okstra/core/detail/table.hpp"
#include "okstra/core/detail/text_view.hpp"
