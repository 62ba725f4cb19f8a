// Definitions of okstra/token_usage/statusline.hpp (docs/usage-statusline.md).
#pragma once

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <unordered_map>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/time.hpp"
#include "okstra/token_usage/report.hpp"
#include "okstra/token_usage/detail/report_blocks.hpp"
#include "okstra/token_usage/detail/price_compiled.hpp"
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

// The prices of the models the line meets, each resolved once by the price
// table and kept, so that the statusline state can price records without
// loading the table again (docs/usage-statusline.md, "Speed"). A model the
// table does not price is kept as unpriced.
class price_book {
 public:
  bool knows(const istr& model) const { return index_of(model) >= 0; }
  void learn(const price_table& table, const istr& model) {
    if (knows(model)) return;
    const model_price* found = table.find(model.view());
    add(model, found ? std::optional<model_price>(*found) : std::nullopt);
  }
  void add(const istr& model, std::optional<model_price> price) {
    auto e = std::make_unique<entry>(entry{model, std::move(price), std::nullopt});
    if (e->price) e->compiled.emplace(*e->price);
    entries_.push_back(std::move(e));
    slot_.clear();
  }
  // The record's cost, with whether it has a price (it must be known).
  std::pair<pico_amount, bool> cost(const record& r) const {
    const int i = index_of(r.model);
    if (i < 0 || !entries_[static_cast<std::size_t>(i)]->compiled) return {0, false};
    return {entries_[static_cast<std::size_t>(i)]->compiled->cost(r.usage, r.timestamp_ms, r.tier), true};
  }
  struct entry {
    istr model;
    std::optional<model_price> price;
    std::optional<detail::compiled_price> compiled;  // points into `price`: entries never move
  };
  const std::vector<std::unique_ptr<entry>>& entries() const noexcept { return entries_; }

 private:
  int index_of(const istr& model) const {
    const std::uint32_t id = model.id();
    if (id >= slot_.size()) {
      slot_.resize(id + 1, -1);
      for (std::size_t k = 0; k < entries_.size(); ++k)
        if (entries_[k]->model.id() < slot_.size()) slot_[entries_[k]->model.id()] = static_cast<int>(k);
    }
    return slot_[id];
  }
  std::vector<std::unique_ptr<entry>> entries_;
  mutable std::vector<int> slot_;  // interned id -> entry, rebuilt when it grows
};

// A book of every Claude Code model among `records`.
inline price_book book_for(const std::vector<record>& records, const price_table& table) {
  price_book book;
  for (const auto& r : records)
    if (r.src == source::claude) book.learn(table, r.model);
  return book;
}

// Session and today's cost in one pass, each record priced at its time and
// tier; money summed in pico-dollars like every report.
struct sums {
  pico_amount session = 0, today = 0;
  bool session_seen = false;
  std::int64_t latest_ms = 0;
  std::optional<std::uint64_t> latest_prompt;
};

inline sums sum_records(const std::vector<record>& records, const price_book& book, std::string_view session,
                        std::int64_t day_start_ms) {
  sums s;
  for (const auto& r : records) {
    if (r.src != source::claude) continue;
    const bool mine = !session.empty() && r.session_id == session;
    if (!mine && r.timestamp_ms < day_start_ms) continue;
    const pico_amount cost = book.cost(r).first;
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

// The Claude Code blocks of the records from `from_ms` on, exactly as
// `blocks` makes them (docs/usage-blocks.md): the active one and where the
// latest starts (its records are exactly those from there on). Records of
// equal time may come in any order: they fall in the same block.
inline block_facts blocks_of(const std::vector<record>& records, std::int64_t from_ms, const price_book& book,
                             std::int64_t now_ms, const std::optional<block_anchor>& anchor) {
  std::vector<detail::priced> recs;
  for (const auto& r : records)
    if (r.src == source::claude && r.timestamp_ms >= from_ms) {
      const auto [pico, has_price] = book.cost(r);
      recs.push_back({&r, pico, has_price});
    }
  std::stable_sort(recs.begin(), recs.end(),
                   [](const detail::priced& a, const detail::priced& b) { return a.r->timestamp_ms < b.r->timestamp_ms; });
  report_options o;
  o.kind = report_kind::blocks;
  o.filter.sources = {source::claude};
  o.now_ms = now_ms;
  if (anchor) o.block_anchors.push_back(*anchor);
  block_facts f;
  const time_zone utc = time_zone::utc();  // blocks start on UTC hours whatever the zone
  const auto list = detail::block_rows(recs, o, utc);
  for (const auto& row : list.rows) {
    if (row.row_source != source::claude || !row.block_start_ms) continue;
    if (!f.last_start_ms || *row.block_start_ms > *f.last_start_ms) f.last_start_ms = row.block_start_ms;
    if (row.active && row.live) f.active = statusline_block{row.live->remaining_ms, row.live->usd_per_hour};
  }
  return f;
}

inline std::int64_t day_start_of(const time_zone& zone, std::int64_t now_ms) {
  const std::int64_t local = zone.to_local_ms(now_ms);
  return zone.from_local_ms(time::floor_div(local, 86'400'000) * 86'400'000);
}

// The facts, and what the statusline state keeps of the blocks. The blocks
// are made of the records from `block_from_ms` on (all, or those from the
// latest block's start, which give the same blocks under the same anchor).
struct computed {
  statusline_facts facts;
  std::optional<block_anchor> anchor;
  std::optional<std::int64_t> last_block_start_ms;
};

inline computed compute(const std::vector<record>& records, std::int64_t block_from_ms, const price_book& book,
                        const statusline_input& in, const time_zone& zone, std::int64_t now_ms,
                        const official_limits& limits) {
  computed c;
  statusline_facts& f = c.facts;
  f.model = in.model_name;
  const auto s = sum_records(records, book, in.session_id, day_start_of(zone, now_ms));
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
  const auto blocks = blocks_of(records, block_from_ms, book, now_ms, c.anchor);
  f.block = blocks.active;
  c.last_block_start_ms = blocks.last_start_ms;
  if (window && (window->resets_at_ms == 0 || window->resets_at_ms > now_ms)) f.limit_percent = window->used_percent;
  return c;
}

}  // namespace detail_statusline

OKSTRA_INLINE statusline_facts compute_statusline(const std::vector<record>& records, const price_table& prices,
                                                  const statusline_input& in, const time_zone& zone,
                                                  std::int64_t now_ms, const official_limits& limits) {
  const auto book = detail_statusline::book_for(records, prices);
  return detail_statusline::compute(records, std::numeric_limits<std::int64_t>::min(), book, in, zone, now_ms, limits)
      .facts;
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
