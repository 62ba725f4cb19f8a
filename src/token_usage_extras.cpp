// src/token_usage_extras.cpp — the token_usage definitions off the log-reading path: where
// prices come from (`okstra-usage prices update`), the price listing, the run summary
// (`okstra-usage run`), the watch of `--watch`, the usage archive and exports between machines. Compiled once into the okstra library with the other modules that
// wait on files rather than on the CPU (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/token_usage/archive.hpp"
#include "okstra/token_usage/exchange.hpp"
#include "okstra/token_usage/price_sources.hpp"
#include "okstra/token_usage/run_summary.hpp"
#include "okstra/token_usage/statusline.hpp"
#include "okstra/token_usage/watch.hpp"

// The definitions the public headers leave out in compiled mode.
#include "okstra/token_usage/detail/archive_impl.hpp"
#include "okstra/token_usage/detail/exchange_impl.hpp"
#include "okstra/token_usage/detail/price_sources_impl.hpp"
#include "okstra/token_usage/detail/render_prices.hpp"
#include "okstra/token_usage/detail/run_summary_impl.hpp"
#include "okstra/token_usage/detail/statusline_impl.hpp"
#include "okstra/token_usage/detail/statusline_state.hpp"
#include "okstra/token_usage/detail/watch_impl.hpp"
#include "okstra/token_usage/detail/watch_screen.hpp"
