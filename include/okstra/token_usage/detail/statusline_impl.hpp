// Definitions of okstra/token_usage/statusline.hpp (docs/usage-statusline.md).
#pragma once

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/statusline.hpp"

namespace okstra::token_usage {

OKSTRA_INLINE statusline_input parse_statusline_input(std::string_view text, std::int64_t now_ms) {
  const auto doc = json::parse(text, "standard input");
  const auto& root = json::require_object(doc, "standard input");
  statusline_input in;
  in.session_id = json::get_string(root, "session_id").value_or("");
  in.transcript_path = json::get_string(root, "transcript_path").value_or("");
  if (const auto* model = json::find(root, "model"); model && model->IsObject()) {
    in.model_id = json::get_string(*model, "id").value_or("");
    in.model_name = json::get_string(*model, "display_name").value_or("");
  }
  if (in.model_name.empty()) in.model_name = in.model_id;
  if (const auto* cost = json::find(root, "cost"); cost && cost->IsObject())
    if (const auto* usd = json::find(*cost, "total_cost_usd"); usd && usd->IsNumber() && usd->GetDouble() >= 0)
      in.reported_cost_usd = usd->GetDouble();
  if (const auto* window = json::find(root, "context_window"); window && window->IsObject())
    if (const auto size = json::get_int(*window, "context_window_size"); size && *size > 0)
      in.context_window_size = static_cast<std::uint64_t>(*size);
  in.limits = statusline_limits(root, now_ms);
  return in;
}

// A model id that asks for the 1M-token context ("claude-sonnet-4-5[1m]")
// has it; every other Claude model has 200k (docs/usage-statusline.md, "Context").
OKSTRA_INLINE std::uint64_t default_context_window(std::string_view model_id) noexcept {
  return model_id.find("[1m]") != std::string_view::npos ? 1'000'000 : 200'000;
}

namespace detail_statusline {

// Session and today's cost in one pass, each record priced once at its time
// and tier; money summed in pico-dollars like every report.
struct sums {
  pico_amount session = 0, today = 0;
  bool session_seen = false;
  std::int64_t latest_ms = 0;
  std::optional<std::uint64_t> latest_prompt;
};

inline sums sum_records(const std::vector<record>& records, const price_table& prices, std::string_view session,
                        std::int64_t day_start_ms) {
  sums s;
  std::unordered_map<istr, const model_price*> found;
  const auto price_of = [&](const istr& model) {
    auto [it, fresh] = found.try_emplace(model, nullptr);
    if (fresh) it->second = prices.find(model.view());
    return it->second;
  };
  for (const auto& r : records) {
    if (r.src != source::claude) continue;
    const bool mine = !session.empty() && r.session_id == session;
    if (!mine && r.timestamp_ms < day_start_ms) continue;
    const auto* p = price_of(r.model);
    const pico_amount cost = p ? cost_pico(*p, r.usage, r.timestamp_ms, r.tier) : 0;
    if (r.timestamp_ms >= day_start_ms) s.today += cost;
    if (!mine) continue;
    s.session += cost;
    s.session_seen = true;
    if (r.timestamp_ms >= s.latest_ms) s.latest_ms = r.timestamp_ms, s.latest_prompt = r.usage.prompt();
  }
  return s;
}

inline double usd(pico_amount p) { return static_cast<double>(p) / 1e12; }

// The 5-hour block an official window anchors, when it is one (docs/usage-blocks.md).
inline std::optional<block_anchor> anchor_of(const std::optional<official_window>& w) {
  if (w && w->window_minutes > 0 && w->window_minutes <= 300 && w->resets_at_ms > 0)
    return block_anchor{source::claude, w->resets_at_ms - w->window_minutes * 60'000, w->resets_at_ms};
  return std::nullopt;
}

struct block_facts {
  std::optional<statusline_block> active;    // the active Claude Code block
  std::optional<std::int64_t> last_start_ms;  // where the latest block starts
};

// The Claude Code blocks as `blocks` sees them: the active one and where the
// latest starts (its records are exactly those from there on).
inline block_facts blocks_of(const std::vector<record>& records, const price_table& prices, std::int64_t now_ms,
                             const std::optional<block_anchor>& anchor) {
  report_options o;
  o.kind = report_kind::blocks;
  o.time_zone = "UTC";  // blocks start on UTC hours whatever the zone
  o.filter.sources = {source::claude};
  o.now_ms = now_ms;
  if (anchor) o.block_anchors.push_back(*anchor);
  const auto r = build_report(records, {}, prices, o);
  block_facts f;
  for (const auto& row : r.rows) {
    if (row.block_source != source::claude || !row.block_start_ms) continue;
    if (!f.last_start_ms || *row.block_start_ms > *f.last_start_ms) f.last_start_ms = row.block_start_ms;
    if (row.active && row.live) f.active = statusline_block{row.live->remaining_ms, row.live->usd_per_hour};
  }
  return f;
}

inline std::int64_t day_start_of(const time_zone& zone, std::int64_t now_ms) {
  const std::int64_t local = zone.to_local_ms(now_ms);
  return zone.from_local_ms(time::floor_div(local, 86'400'000) * 86'400'000);
}

// The facts, and what the statusline state keeps of the blocks. The block
// replays `block_records` (all records, or those from the latest block's
// start on, which give the same blocks under the same anchor).
struct computed {
  statusline_facts facts;
  std::optional<block_anchor> anchor;
  std::optional<std::int64_t> last_block_start_ms;
};

inline computed compute(const std::vector<record>& records, const std::vector<record>& block_records,
                        const price_table& prices, const statusline_input& in, const time_zone& zone,
                        std::int64_t now_ms, const official_limits& limits) {
  computed c;
  statusline_facts& f = c.facts;
  f.model = in.model_name;
  const auto s = sum_records(records, prices, in.session_id, day_start_of(zone, now_ms));
  f.today_cost_usd = usd(s.today);
  // Our own cost, as every report computes it; Claude Code's estimate only
  // before the transcript has a priced record (docs/usage-statusline.md, "The line").
  if (s.session_seen) f.session_cost_usd = usd(s.session);
  else f.session_cost_usd = in.reported_cost_usd;
  f.context_tokens = s.latest_prompt;
  f.context_window = in.context_window_size ? in.context_window_size : default_context_window(in.model_id);
  official_limits known = limits;
  auto& claude = known[static_cast<std::size_t>(source::claude)];
  if (in.limits && (!claude || later_observation(*in.limits, *claude))) claude = in.limits;
  const auto window = latest_official_window(known, source::claude);
  c.anchor = anchor_of(window);
  const auto blocks = blocks_of(block_records, prices, now_ms, c.anchor);
  f.block = blocks.active;
  c.last_block_start_ms = blocks.last_start_ms;
  if (window && (window->resets_at_ms == 0 || window->resets_at_ms > now_ms)) f.limit_percent = window->used_percent;
  return c;
}

}  // namespace detail_statusline

OKSTRA_INLINE statusline_facts compute_statusline(const std::vector<record>& records, const price_table& prices,
                                                  const statusline_input& in, const time_zone& zone,
                                                  std::int64_t now_ms, const official_limits& limits) {
  return detail_statusline::compute(records, records, prices, in, zone, now_ms, limits).facts;
}

namespace detail_statusline {

inline std::string money(double v) {
  char b[48];
  std::snprintf(b, sizeof b, "$%.2f", v);
  return b;
}

inline std::string duration(std::int64_t ms) {
  const std::int64_t minutes = (std::max<std::int64_t>(ms, 0) + 59'999) / 60'000;  // rounded up, as blocks do
  char b[48];
  if (minutes >= 60) std::snprintf(b, sizeof b, "%lldh%02lldm", static_cast<long long>(minutes / 60),
                                   static_cast<long long>(minutes % 60));
  else std::snprintf(b, sizeof b, "%lldm", static_cast<long long>(minutes));
  return b;
}

inline std::string percent(double v) {
  char b[48];
  std::snprintf(b, sizeof b, "%.0f%%", std::floor(v + 0.5));
  return b;
}

}  // namespace detail_statusline

OKSTRA_INLINE std::string compose_statusline(const statusline_facts& f) {
  namespace d = detail_statusline;
  std::string line = f.model.empty() ? std::string("Claude") : f.model;
  const auto part = [&](const std::string& s) { line.append(" | ").append(s); };
  part("session " + (f.session_cost_usd ? d::money(*f.session_cost_usd) : std::string("-")));
  part("today " + d::money(f.today_cost_usd));
  if (f.block) part("block " + d::duration(f.block->remaining_ms) + " left, " + d::money(f.block->usd_per_hour) + "/h");
  else part("no block");
  if (f.context_tokens && f.context_window)
    part("ctx " + d::percent(100.0 * static_cast<double>(*f.context_tokens) / static_cast<double>(f.context_window)));
  if (f.limit_percent) part("5h " + d::percent(*f.limit_percent));
  // The model name comes from stdin: no control character reaches the terminal.
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return line;
}

OKSTRA_INLINE std::string statusline_setting_json(std::string_view command, bool pretty) {
  json::writer w(pretty);
  w.begin_object().key("statusLine").begin_object();
  w.field("type", "command").field("command", command).end_object().end_object();
  return std::move(w).str();
}

OKSTRA_INLINE std::string merge_statusline_setting(std::string_view settings_text, std::string_view source,
                                                   std::string_view command) {
  const auto doc = json::parse(settings_text, source);
  const auto& root = json::require_object(doc, source);
  json::writer w(true);
  w.begin_object();
  bool replaced = false;
  const auto setting = [&] {
    w.key("statusLine").begin_object().field("type", "command").field("command", command).end_object();
  };
  for (auto it = root.MemberBegin(); it != root.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name == "statusLine") {
      if (!replaced) setting();  // a duplicate key: the first place, once
      replaced = true;
      continue;
    }
    w.key(name).value(it->value);
  }
  if (!replaced) setting();
  w.end_object();
  return std::move(w).str() + "\n";
}

OKSTRA_INLINE void log_statusline_error(const std::filesystem::path& log, std::string_view message,
                                        std::int64_t now_ms) {
  struct stat st{};
  if (::stat(log.c_str(), &st) == 0 && st.st_size > (64 << 10)) {
    std::error_code ec;
    std::filesystem::rename(log, log.string() + ".1", ec);
  }
  std::string line = time::format_iso8601(now_ms) + " ";
  for (const char c : message) line += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  fs::append_line(log, line, 0600);
}

}  // namespace okstra::token_usage
