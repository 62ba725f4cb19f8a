// okstra/token_usage/price_sources.hpp — which price table a report uses, and
// the opt-in refresh of it.
//
// Contract (docs/usage.md, "Where prices come from"):
// - choose_prices(home, file): `--prices FILE` when given (its table only);
//   else the embedded table, or <home>/cache/prices.json when that is newer
//   (by date; a cache that cannot be read is ignored with a warning, never
//   trusted). Then `prices.overrides` of <home>/config.json, when present, is
//   applied on top; a malformed config.json is an input error naming it.
//   Never touches the network.
// - update_prices(home, from): the only network access. `from` is a URL
//   (fetched with the curl program, spawned without a shell, bounded in time
//   and size) or a local file. The download is validated as a price file of
//   either format and stored atomically, with the day it was fetched, in
//   <home>/cache/prices.json under the central lock. A failed download or an
//   invalid file throws (input error, exit 3) and leaves the old cache as it
//   was.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/core/style.hpp"
#include "okstra/dirs/dirs.hpp"
#include "okstra/token_usage/prices.hpp"

namespace okstra::token_usage {

inline constexpr std::string_view default_prices_url =
    "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json";

struct price_choice {
  price_table table;
  std::vector<std::string> warnings;  // one line each, without the tool name
};

price_choice choose_prices(const dirs::home_layout& home, const std::optional<std::filesystem::path>& file);

// The identity (price_table::identity()) of what choose_prices(home, nullopt)
// chooses, told without reading a price table, when that is the embedded
// table as it ships: no refreshed download in the cache and no `prices` member
// in config.json. Otherwise, or when config.json is not a readable object,
// nullopt. A run whose report is remembered needs only the identity
// (docs/performance.md, "An append run's chain, prices and admission"); one that gets
// it here prices with price_table::embedded().
std::optional<std::string> plain_embedded_identity(const dirs::home_layout& home);

struct price_update {
  std::filesystem::path stored;  // <home>/cache/prices.json
  price_source source;
  std::size_t models = 0;
};

price_update update_prices(const dirs::home_layout& home, const std::string& from);

// The `prices` listing (see detail/render_prices.hpp); named models without a
// price are appended to `unpriced`. The text fits style.width (long lines are
// wrapped) and is coloured only when style.color.
std::string render_prices(const price_table& table, const std::vector<std::string>& models, bool as_json,
                          std::int64_t now_ms, std::vector<std::string>& unpriced,
                          const style::output_style& style = {});

inline std::filesystem::path cached_prices_file(const dirs::home_layout& home) {
  return home.cache_dir() / "prices.json";
}

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/price_sources_impl.hpp"
#include "okstra/token_usage/detail/render_prices.hpp"
#endif
