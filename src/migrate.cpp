// src/migrate.cpp — the migrate module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/migrate/migrate.hpp"

// The definitions the public header leaves out in compiled mode, in its order.
#include "okstra/migrate/detail/rewrite.hpp"
#include "okstra/migrate/detail/inspect.hpp"
#include "okstra/migrate/detail/scan.hpp"
#include "okstra/migrate/detail/plan_json.hpp"
#include "okstra/migrate/detail/journal.hpp"
#include "okstra/migrate/detail/steps.hpp"
#include "okstra/migrate/detail/run.hpp"
