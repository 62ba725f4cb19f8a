// src/dirs.cpp — the dirs module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/dirs/dirs.hpp"

// The definitions the public headers leave out in compiled mode.
#include "okstra/dirs/detail/dirs_impl.hpp"
