// src/token_usage.cpp — the token_usage module's definitions on the log-reading path
// (sources, cache, prices, reports), compiled once into the okstra_scan library; the
// rest is src/token_usage_extras.cpp (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/token_usage/prices.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/token_usage.hpp"
#include "okstra/token_usage/archive_report.hpp"

// The definitions the public headers leave out in compiled mode.
#include "okstra/token_usage/detail/price_match.hpp"
#include "okstra/token_usage/detail/price_readers.hpp"
#include "okstra/token_usage/detail/prices_impl.hpp"
#include "okstra/token_usage/detail/report_impl.hpp"
#include "okstra/token_usage/detail/collect_impl.hpp"
#include "okstra/token_usage/detail/collect_handles.hpp"
#include "okstra/token_usage/detail/limits_impl.hpp"
#include "okstra/token_usage/detail/archive_report_impl.hpp"
