// src/locks.cpp — the locks module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/locks/locks.hpp"

// The definitions the public header leaves out in compiled mode, in its order.
#include "okstra/locks/detail/locks_impl.hpp"
