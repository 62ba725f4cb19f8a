// src/clarification.cpp — the clarification module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/clarification/approval.hpp"
#include "okstra/clarification/clarification.hpp"

// The definitions the public header leaves out in compiled mode, in its order.
#include "okstra/clarification/detail/front_matter.hpp"
#include "okstra/clarification/detail/gate.hpp"
#include "okstra/clarification/detail/gate_tables.hpp"
#include "okstra/clarification/detail/plan.hpp"
#include "okstra/clarification/detail/front_matter_edit.hpp"
#include "okstra/clarification/detail/approval.hpp"
