// src/prepare.cpp — the prepare module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/prepare/prepare.hpp"

// The definitions the public header leaves out in compiled mode, in its order.
#include "okstra/prepare/detail/journal.hpp"
#include "okstra/prepare/detail/templates.hpp"
#include "okstra/prepare/detail/project.hpp"
#include "okstra/prepare/detail/run_paths.hpp"
#include "okstra/prepare/detail/bundle.hpp"
#include "okstra/prepare/detail/records.hpp"
#include "okstra/prepare/detail/run_index.hpp"
#include "okstra/prepare/detail/settings_link.hpp"
