// Definitions for okstra/token_usage/price_sources.hpp. Include that header.
#pragma once

#include "okstra/core/api.hpp"

#include <string>
#include <string_view>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/process.hpp"
#include "okstra/core/text.hpp"
#include "okstra/core/time.hpp"
#include "okstra/locks/locks.hpp"
#include "okstra/token_usage/detail/price_data.hpp"

namespace okstra::token_usage {

namespace detail {

inline void apply_config_overrides(price_table& table, const dirs::home_layout& home) {
  const auto config = home.config_json();
  if (!fs::is_regular_file(config)) return;
  const json::document doc = json::read_file(config);
  json::require_object(doc, config.string());
  const json::value* prices = json::find(doc, "prices");
  if (!prices) return;
  if (!prices->IsObject()) throw json::field_error(config.string(), "prices", "an object");
  if (const json::value* overrides = json::find(*prices, "overrides")) table.apply_overrides(*overrides, config.string());
}

inline constexpr std::size_t max_price_download = std::size_t{64} << 20;

// The bytes behind `from`: a URL through curl, else a local file.
inline std::string fetch_price_bytes(const std::string& from) {
  if (from.find("://") == std::string::npos) return fs::read_file(from, max_price_download);
  // curl is told to fail on HTTP errors, to stop after 120 s and 64 MiB, and
  // to follow at most 5 redirects; its own error line explains a failure.
  const auto r = process::run({"curl", "--fail", "--silent", "--show-error", "--location", "--max-redirs", "5",
                               "--max-time", "120", "--max-filesize", std::to_string(max_price_download),
                               "--proto", "=https,http,file", "--", from});
  if (!r.ok()) {
    std::string why = r.err;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    if (const auto nl = why.rfind('\n'); nl != std::string::npos) why.erase(0, nl + 1);
    throw input_error(quoted("cannot download prices from", from),
                      (why.empty() ? "curl exited with " + std::to_string(r.exit_status) : why) +
                          "; the prices in use are unchanged");
  }
  if (r.out.size() > max_price_download) throw input_error(quoted("price download too large", from));
  return r.out;
}

}  // namespace detail

OKSTRA_INLINE price_choice choose_prices(const dirs::home_layout& home, const std::optional<std::filesystem::path>& file) {
  price_choice choice{file ? price_table::from_file(*file) : price_table::embedded(), {}};
  const auto cached = cached_prices_file(home);
  if (!file && fs::is_regular_file(cached)) {
    try {
      price_table refreshed = price_table::from_file(cached);
      if (refreshed.source().date > choice.table.source().date) {
        price_source info = refreshed.source();
        info.origin = "cache " + cached.string();
        refreshed.set_source(std::move(info));
        choice.table = std::move(refreshed);
      }
    } catch (const okstra::error& e) {
      choice.warnings.push_back(quoted("ignoring the refreshed prices", cached.string()) + ": " + e.what());
    }
  }
  detail::apply_config_overrides(choice.table, home);
  return choice;
}

OKSTRA_INLINE std::optional<std::string> plain_embedded_identity(const dirs::home_layout& home) {
  if (fs::is_regular_file(cached_prices_file(home))) return std::nullopt;
  const auto config = home.config_json();
  if (fs::is_regular_file(config)) {
    try {
      const json::document doc = json::read_file(config);
      if (!doc.IsObject() || json::find(doc, "prices")) return std::nullopt;
    } catch (const okstra::error&) {
      return std::nullopt;  // choose_prices() reports it
    }
  }
  price_table plain;
  plain.set_source({std::string(detail::embedded_dataset_name), std::string(detail::embedded_dataset_version),
                    std::string(detail::embedded_dataset_date), "embedded"});
  return plain.identity();
}

OKSTRA_INLINE price_update update_prices(const dirs::home_layout& home, const std::string& from) {
  const std::string bytes = detail::fetch_price_bytes(from);
  const json::document doc = json::parse(bytes, from);
  const price_table table = price_table::from_json(doc, from);  // throws when it is not a price file
  json::writer head(false);
  head.begin_object().field("okstraPrices", 1).field("fetched", time::utc_now_iso8601()).field("from", from);
  head.field("format", table.source().name == "LiteLLM" ? "litellm" : "genai-prices").end_object();
  std::string stored = std::move(head).str();
  stored.pop_back();  // the closing brace: "data" follows as the downloaded bytes
  stored.append(",\"data\":").append(bytes).append("}\n");
  (void)json::parse(stored, from);  // what is stored must read back; never a broken cache
  fs::ensure_dir(home.cache_dir(), 0700);
  price_update done;
  done.stored = cached_prices_file(home);
  {
    auto guard = locks::central_lock(home);
    fs::write_file_atomic(done.stored, stored, 0644);
  }
  done.source = price_table::from_file(done.stored).source();
  done.models = table.entries().size();
  return done;
}

}  // namespace okstra::token_usage
