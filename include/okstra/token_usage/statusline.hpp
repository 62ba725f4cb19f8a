// okstra/token_usage/statusline.hpp — Claude Code's statusLine command:
// one short line from the statusline JSON on stdin (docs/usage-statusline.md).
//
// Contract:
// - parse_statusline_input() reads the fields the line needs (session_id,
//   transcript_path, model.id / model.display_name, cost.total_cost_usd,
//   context_window.context_window_size, rate_limits); any other field is
//   ignored, a missing one is "not given". Text that is not a JSON object is
//   an input_error: the caller prints the fallback line.
// - compute_statusline() is a pure function of the de-duplicated Claude Code
//   records, the prices, the input, the zone, the clock and the official
//   limits; compose_statusline() turns its result into the line. A part that
//   is not known is left out, never guessed (docs/usage-statusline.md, "The line").
// - merge_statusline_setting() returns settings.json with its `statusLine`
//   key replaced (or appended), every other key kept in its order; text that
//   is not a JSON object is an input_error (the file is left untouched).
// - statusline_from_logs() reads every Claude Code log through the cache and
//   computes the facts; given a state file, it also writes the statusline
//   state there: the records the line can still need and where the session's
//   transcript was read up to. statusline_from_state() answers from that state
//   plus the lines the transcript gained since, and returns nullopt whenever it
//   cannot give exactly what statusline_from_logs() would from the same files
//   (docs/usage-statusline.md, "Speed"). Neither throws on a missing or stale
//   state; both throw on unreadable logs like collect().
// - log_statusline_error() appends one line to the statusline log and keeps
//   it small: past 64 KiB the log becomes `<log>.1` and a new one starts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/api.hpp"
#include "okstra/token_usage/detail/tz.hpp"
#include "okstra/token_usage/limits.hpp"
#include "okstra/token_usage/prices.hpp"
#include "okstra/token_usage/record.hpp"
#include "okstra/token_usage/token_usage.hpp"

namespace okstra::token_usage {

// At most this much of stdin is read; more is an input error.
inline constexpr std::size_t statusline_input_limit = std::size_t{1} << 20;
// The line printed instead when anything goes wrong.
inline constexpr std::string_view statusline_fallback = "okstra: usage unavailable";

struct statusline_input {
  std::string session_id;
  std::string transcript_path;
  std::string model_id;
  std::string model_name;                      // display_name, else the id
  std::optional<double> reported_cost_usd;     // Claude Code's own estimate
  std::uint64_t context_window_size = 0;       // 0: not given
  std::optional<limit_observation> limits;     // rate_limits, observed now
};

statusline_input parse_statusline_input(std::string_view text, std::int64_t now_ms);

struct statusline_block {
  std::int64_t remaining_ms = 0;
  double usd_per_hour = 0;
};

struct statusline_facts {
  std::string model;
  std::optional<double> session_cost_usd;
  double today_cost_usd = 0;
  std::optional<statusline_block> block;       // the active Claude Code block
  std::optional<std::uint64_t> context_tokens;  // the session's latest prompt size
  std::uint64_t context_window = 200'000;
  std::optional<double> limit_percent;         // the official 5-hour window
};

// The context window of a model when the input does not say (docs/usage-statusline.md, "Context").
std::uint64_t default_context_window(std::string_view model_id) noexcept;

statusline_facts compute_statusline(const std::vector<record>& records, const price_table& prices,
                                    const statusline_input& in, const time_zone& zone, std::int64_t now_ms,
                                    const official_limits& limits);

std::string compose_statusline(const statusline_facts& facts);

// What the facts depend on besides the records and the input. The price
// table is asked for only when needed: a state whose prices_key is this one
// prices the models it has met itself.
struct statusline_context {
  std::function<const price_table&()> prices;
  std::string prices_key;  // names everything that decides the prices; empty: never reuse kept prices
  const time_zone& zone;
  std::int64_t now_ms = 0;
  official_limits limits{};  // the recorded windows (the input's own are added)
};

statusline_facts statusline_from_logs(const collect_options& options, const statusline_input& in,
                                      const statusline_context& context, const std::filesystem::path& state_file);

struct statusline_from_state_result {
  statusline_facts facts;
  std::int64_t logs_read_ms = 0;  // when every log was last read for this state
};
std::optional<statusline_from_state_result> statusline_from_state(const std::filesystem::path& state_file,
                                                                  const statusline_input& in,
                                                                  const statusline_context& context);

// The `statusLine` setting that runs `command`, as one JSON object.
std::string statusline_setting_json(std::string_view command, bool pretty);
std::string merge_statusline_setting(std::string_view settings_text, std::string_view source,
                                     std::string_view command);

void log_statusline_error(const std::filesystem::path& log, std::string_view message, std::int64_t now_ms);

}  // namespace okstra::token_usage

#ifndef OKSTRA_COMPILED_LIB  // header-only: the definitions (docs/architecture.md, "Header-only or compiled")
#include "okstra/token_usage/detail/statusline_impl.hpp"
#include "okstra/token_usage/detail/statusline_state.hpp"
#endif
