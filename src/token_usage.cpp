// src/token_usage.cpp — the token_usage module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/token_usage/prices.hpp"
#include "okstra/token_usage/price_sources.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/run_summary.hpp"
#include "okstra/token_usage/token_usage.hpp"

// The definitions the public headers leave out in compiled mode.
#include "okstra/token_usage/detail/price_match.hpp"
#include "okstra/token_usage/detail/price_readers.hpp"
#include "okstra/token_usage/detail/prices_impl.hpp"
#include "okstra/token_usage/detail/price_sources_impl.hpp"
#include "okstra/token_usage/detail/render_prices.hpp"
#include "okstra/token_usage/detail/report_impl.hpp"
#include "okstra/token_usage/detail/run_summary_impl.hpp"
#include "okstra/token_usage/detail/collect_impl.hpp"
#include "okstra/token_usage/detail/collect_handles.hpp"
