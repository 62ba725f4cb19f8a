// src/transcript.cpp — the transcript module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/transcript/events.hpp"
#include "okstra/transcript/transcript.hpp"

// The definitions the public header leaves out in compiled mode, in its order.
#include "okstra/transcript/detail/subagents.hpp"
