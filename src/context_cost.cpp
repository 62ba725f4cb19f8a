// src/context_cost.cpp — the context_cost module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/context_cost/context_cost.hpp"

// The definitions the public header leaves out in compiled mode, in its order.
#include "okstra/context_cost/detail/estimate.hpp"
#include "okstra/context_cost/detail/files.hpp"
#include "okstra/context_cost/detail/measure.hpp"
#include "okstra/context_cost/detail/render.hpp"
#include "okstra/context_cost/detail/compare.hpp"
