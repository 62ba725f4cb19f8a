// src/cli.cpp — the option layer (okstra/core/cli.hpp) compiled once into the
// okstra library: the only library source that includes Boost.Program_options
// (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/core/cli.hpp"

// The definitions the public header leaves out in compiled mode.
#include "okstra/core/detail/cli_help.hpp"
#include "okstra/core/detail/cli_parse.hpp"
