// src/conformance.cpp — the conformance module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/conformance/conformance.hpp"

// The definitions the public header leaves out in compiled mode, in its order.
#include "okstra/conformance/detail/model.hpp"
#include "okstra/conformance/detail/run_facts.hpp"
#include "okstra/conformance/detail/shell_words.hpp"
#include "okstra/conformance/detail/rules_dispatch.hpp"
#include "okstra/conformance/detail/rules_flow.hpp"
#include "okstra/conformance/detail/rules_files.hpp"
#include "okstra/conformance/detail/render.hpp"
#include "okstra/conformance/detail/run_inference.hpp"
#include "okstra/conformance/detail/check.hpp"
