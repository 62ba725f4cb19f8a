// okstra::token_usage::time_zone — IANA time zones from the system zoneinfo.
// Include through okstra/token_usage/report.hpp.
//
// Contract:
// - time_zone::load(name) reads $TZDIR/<name> (default /usr/share/zoneinfo),
//   a TZif file (RFC 8536; the 64-bit v2+ section when present). Times after
//   the last transition follow the file's footer POSIX TZ rule
//   ("EST5EDT,M3.2.0,M11.1.0"); with no usable footer the last type holds.
//   Before the first transition, type 0 holds.
// - "UTC", "Etc/UTC", "GMT" and "Etc/GMT" never touch the file system, so they
//   work with no zoneinfo installed. "" is the local zone: $TZ (a zone name, a
//   file path or a POSIX TZ string), else /etc/localtime, else UTC — the local
//   zone never fails.
// - A name that is not a plain relative path ("..", a leading "/", odd bytes)
//   or names no TZif file throws usage_error "unknown time zone 'X'"; a TZif
//   file that is truncated throws input_error naming it.
// Why our own reader: GCC 12's libstdc++ lacks std::chrono::locate_zone, and
// setenv("TZ") + localtime_r is neither thread-safe nor fast per record.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/time.hpp"

namespace okstra::token_usage {

namespace detail {

// One "Mm.w.d", "Jn" or "n" date of a POSIX TZ rule, plus its time of day.
struct posix_date {
  char kind = 'M';  // 'M' month.week.day, 'J' 1-based day skipping Feb 29, 'n' 0-based day
  int a = 0, b = 0, c = 0;
  std::int64_t time = 7200;  // seconds after local midnight (may be negative or > 24 h)
};

// Offsets are seconds east of UTC (POSIX writes them west-positive).
struct posix_rule {
  std::int32_t std_offset = 0, dst_offset = 0;
  bool has_dst = false;
  posix_date start, end;

  std::int32_t offset_at(std::int64_t utc_s) const noexcept;
};

inline bool leap_year(std::int64_t y) noexcept { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

// Days since the epoch of the rule date `d` in `year`.
inline std::int64_t rule_day(const posix_date& d, std::int64_t year) noexcept {
  const std::int64_t jan1 = time::days_from_civil(year, 1, 1);
  if (d.kind == 'J') return jan1 + d.a - 1 + (leap_year(year) && d.a >= 60 ? 1 : 0);
  if (d.kind == 'n') return jan1 + d.a;
  static constexpr unsigned month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const auto m = static_cast<unsigned>(d.a);
  const std::int64_t first = time::days_from_civil(year, m, 1);
  const std::int64_t length = month_days[m - 1] + (m == 2 && leap_year(year) ? 1 : 0);
  const std::int64_t weekday = ((first + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  std::int64_t day = first + (d.c - weekday + 7) % 7 + 7 * (d.b - 1);
  while (day >= first + length) day -= 7;  // week 5 means "the last"
  return day;
}

inline std::int32_t posix_rule::offset_at(std::int64_t utc_s) const noexcept {
  if (!has_dst) return std_offset;
  const std::int64_t year = time::civil_from_days(time::floor_div(utc_s + std_offset, 86400)).year;
  // The start is given in standard time, the end in daylight time.
  const std::int64_t on = rule_day(start, year) * 86400 + start.time - std_offset;
  const std::int64_t off = rule_day(end, year) * 86400 + end.time - dst_offset;
  const bool dst = on < off ? (utc_s >= on && utc_s < off) : !(utc_s >= off && utc_s < on);
  return dst ? dst_offset : std_offset;
}

// A small cursor over a POSIX TZ string; every parse_* returns false on error.
class posix_parser {
 public:
  explicit posix_parser(std::string_view s) : s_(s) {}

  std::optional<posix_rule> parse() {
    posix_rule r;
    std::int64_t west = 0;
    if (!name() || !hms(west, 24)) return std::nullopt;
    r.std_offset = static_cast<std::int32_t>(-west);
    if (i_ < s_.size()) {
      if (!name()) return std::nullopt;
      r.has_dst = true;
      r.dst_offset = r.std_offset + 3600;  // the default: one hour ahead
      if (i_ < s_.size() && s_[i_] != ',') {
        if (!hms(west, 24)) return std::nullopt;
        r.dst_offset = static_cast<std::int32_t>(-west);
      }
      r.start = {'M', 3, 2, 0, 7200};  // no rule: the US rule, as glibc assumes
      r.end = {'M', 11, 1, 0, 7200};
      if (i_ < s_.size() && (!take(',') || !date(r.start) || !take(',') || !date(r.end))) return std::nullopt;
    }
    if (i_ != s_.size()) return std::nullopt;
    return r;
  }

 private:
  bool take(char c) { return i_ < s_.size() && s_[i_] == c ? (++i_, true) : false; }
  bool digit() const { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; }

  bool number(int& out, int max) {
    if (!digit()) return false;
    out = 0;
    while (digit()) {
      out = out * 10 + (s_[i_++] - '0');
      if (out > max) return false;
    }
    return true;
  }

  bool name() {  // "EST" or "<+09>"
    const std::size_t start = i_;
    if (take('<')) {
      while (i_ < s_.size() && s_[i_] != '>') ++i_;
      return take('>') && i_ - start > 2;
    }
    while (i_ < s_.size() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') || (s_[i_] >= 'a' && s_[i_] <= 'z'))) ++i_;
    return i_ - start >= 3;
  }

  // [+-]hh[:mm[:ss]] in seconds; RFC 8536 lets rule times reach ±167 h.
  bool hms(std::int64_t& out, int max_hours) {
    const int sign = take('-') ? -1 : (take('+'), 1);
    int h = 0, m = 0, sec = 0;
    if (!number(h, max_hours)) return false;
    if (take(':') && (!number(m, 59) || (take(':') && !number(sec, 59)))) return false;
    out = sign * (h * 3600 + m * 60 + sec);
    return true;
  }

  bool date(posix_date& d) {
    d = {};
    if (take('M')) {
      if (!number(d.a, 12) || d.a < 1 || !take('.') || !number(d.b, 5) || d.b < 1 || !take('.') || !number(d.c, 6))
        return false;
    } else if (take('J')) {
      if (!number(d.a, 365) || d.a < 1) return false;
      d.kind = 'J';
    } else {
      if (!number(d.a, 365)) return false;
      d.kind = 'n';
    }
    return !take('/') || hms(d.time, 167);
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

inline std::optional<posix_rule> parse_posix_tz(std::string_view s) { return posix_parser(s).parse(); }

}  // namespace detail

class time_zone {
 public:
  time_zone() = default;  // UTC

  static time_zone utc(std::string name = "UTC") {
    time_zone z;
    z.name_ = std::move(name);
    return z;
  }
  static time_zone load(std::string_view name);
  static time_zone local();

  const std::string& name() const noexcept { return name_; }

  // Seconds east of UTC in effect at the instant `utc_ms`.
  std::int32_t offset_at(std::int64_t utc_ms) const noexcept {
    const std::int64_t s = time::floor_div(utc_ms, 1000);
    if (transitions_.empty() || s >= transitions_.back()) {
      if (rule_) return rule_->offset_at(s);
      return transitions_.empty() ? initial_ : offsets_.back();
    }
    if (s < transitions_.front()) return initial_;
    const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s);
    return offsets_[static_cast<std::size_t>(it - transitions_.begin()) - 1];
  }

  // Milliseconds of local wall-clock time, counted as if it were UTC.
  std::int64_t to_local_ms(std::int64_t utc_ms) const noexcept { return utc_ms + offset_at(utc_ms) * 1000LL; }

  // The instant of a local wall-clock time: the earlier one when the clock
  // went back (the hour exists twice), the end of the gap when it jumped
  // forward (the time does not exist).
  std::int64_t from_local_ms(std::int64_t local_ms) const noexcept {
    const std::int64_t before = local_ms - offset_at(local_ms - 86'400'000) * 1000LL;
    const std::int64_t after = local_ms - offset_at(local_ms + 86'400'000) * 1000LL;
    const bool before_ok = to_local_ms(before) == local_ms, after_ok = to_local_ms(after) == local_ms;
    if (before_ok && after_ok) return std::min(before, after);
    if (before_ok || after_ok) return before_ok ? before : after;
    return std::max(before, after);
  }

  // "2026-11-24T09:00:00+09:00" ("Z" at offset zero), whole seconds.
  std::string format_iso(std::int64_t utc_ms) const;

 private:
  friend struct tzif_reader;
  std::string name_ = "UTC";
  std::vector<std::int64_t> transitions_;  // UTC seconds, ascending
  std::vector<std::int32_t> offsets_;      // offset from transitions_[i] on
  std::int32_t initial_ = 0;
  std::optional<detail::posix_rule> rule_;
};

// Parses a TZif image (RFC 8536) into a time_zone; nullopt when it is not one.
struct tzif_reader {
  static std::optional<time_zone> parse(std::string_view data, std::string name) {
    const auto be = [&](std::size_t at, int bytes) {
      std::uint64_t v = 0;
      for (int k = 0; k < bytes; ++k) v = v << 8 | static_cast<unsigned char>(data[at + static_cast<std::size_t>(k)]);
      return v;
    };
    if (data.size() < 44 || data.substr(0, 4) != "TZif") return std::nullopt;
    std::size_t at = 0;
    int width = 4;
    if (data[4] >= '2') {  // skip the 32-bit block to the 64-bit one
      const auto skip = block_size(data, 0, 4);
      if (!skip) return std::nullopt;
      at = 44 + *skip;
      width = 8;
      if (data.size() < at + 44 || data.substr(at, 4) != "TZif") return std::nullopt;
    }
    const auto size = block_size(data, at, width);
    if (!size || data.size() < at + 44 + *size) return std::nullopt;
    const std::uint64_t timecnt = be(at + 32, 4), typecnt = be(at + 36, 4);
    if (typecnt == 0) return std::nullopt;
    const std::size_t times = at + 44, indices = times + timecnt * static_cast<unsigned>(width),
                      types = indices + timecnt;
    const auto utoff = [&](std::uint64_t type) {
      return static_cast<std::int32_t>(static_cast<std::uint32_t>(be(types + type * 6, 4)));
    };
    time_zone z;
    z.name_ = std::move(name);
    z.initial_ = utoff(0);
    for (std::uint64_t k = 0; k < timecnt; ++k) {
      const std::uint64_t raw = be(times + k * static_cast<unsigned>(width), width);
      const std::int64_t t =
          width == 8 ? static_cast<std::int64_t>(raw) : static_cast<std::int32_t>(static_cast<std::uint32_t>(raw));
      const std::uint64_t type = static_cast<unsigned char>(data[indices + k]);
      if (type >= typecnt || (!z.transitions_.empty() && t <= z.transitions_.back())) return std::nullopt;
      z.transitions_.push_back(t);
      z.offsets_.push_back(utoff(type));
    }
    if (width == 8) z.rule_ = footer(data.substr(at + 44 + *size));
    return z;
  }

 private:
  // Bytes of the data block that follows the header at `at`, if it fits.
  static std::optional<std::size_t> block_size(std::string_view data, std::size_t at, int width) {
    if (data.size() < at + 44) return std::nullopt;
    std::uint64_t c[6];
    for (int k = 0; k < 6; ++k) {
      c[k] = 0;
      for (int b = 0; b < 4; ++b)
        c[k] = c[k] << 8 | static_cast<unsigned char>(data[at + 20 + static_cast<std::size_t>(k * 4 + b)]);
      if (c[k] > (1u << 20)) return std::nullopt;
    }
    const auto w = static_cast<std::uint64_t>(width);
    // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    const std::uint64_t n = c[3] * w + c[3] + c[4] * 6 + c[5] + c[2] * (w + 4) + c[1] + c[0];
    if (data.size() < at + 44 + n) return std::nullopt;
    return static_cast<std::size_t>(n);
  }

  static std::optional<detail::posix_rule> footer(std::string_view rest) {
    if (rest.size() < 2 || rest[0] != '\n') return std::nullopt;
    const auto end = rest.find('\n', 1);
    if (end == std::string_view::npos || end == 1) return std::nullopt;
    return detail::parse_posix_tz(rest.substr(1, end - 1));
  }
};

namespace detail {

inline std::string zoneinfo_dir() {
  const char* dir = std::getenv("TZDIR");
  return dir && *dir ? std::string(dir) : std::string("/usr/share/zoneinfo");
}

// A zone name is a relative path of plain components: no way out of TZDIR.
inline bool plain_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                    c == '_' || c == '-' || c == '+' || c == '.';
    if (!ok) return false;
  }
  for (std::size_t at = 0; at <= name.size();) {
    const auto slash = std::min(name.find('/', at), name.size());
    const auto part = name.substr(at, slash - at);
    if (part.empty() || part == "." || part == "..") return false;
    at = slash + 1;
  }
  return true;
}

inline std::optional<time_zone> read_tzif_file(const std::string& path, std::string name) {
  std::string data;
  try {
    data = fs::read_file(path, std::size_t{1} << 20);
  } catch (const okstra::error&) {
    return std::nullopt;
  }
  return tzif_reader::parse(data, std::move(name));
}

inline bool utc_alias(std::string_view name) {
  return name == "UTC" || name == "Etc/UTC" || name == "GMT" || name == "Etc/GMT";
}

}  // namespace detail

inline time_zone time_zone::load(std::string_view name) {
  if (name.empty()) return local();
  if (detail::utc_alias(name)) return utc(std::string(name));
  const auto unknown = [&] {
    return usage_error(quoted("unknown time zone", name), "use an IANA name such as 'Europe/Berlin' or 'UTC'");
  };
  if (!detail::plain_zone_name(name)) throw unknown();
  const std::string path = detail::zoneinfo_dir() + "/" + std::string(name);
  std::string data;
  try {
    data = fs::read_file(path, std::size_t{1} << 20);
  } catch (const okstra::error&) {
    throw unknown();
  }
  if (data.substr(0, 4) != "TZif") throw unknown();  // zone.tab, leapseconds, …
  auto zone = tzif_reader::parse(data, std::string(name));
  if (!zone) throw input_error(quoted("malformed time zone file", path));
  return std::move(*zone);
}

inline time_zone time_zone::local() {
  const char* env = std::getenv("TZ");
  if (env && !*env) return utc();
  if (env) {
    std::string tz(env[0] == ':' ? env + 1 : env);
    if (!tz.empty() && tz.front() == '/') {
      if (auto z = detail::read_tzif_file(tz, tz)) return std::move(*z);
    } else if (detail::utc_alias(tz)) {
      return utc(tz);
    } else if (detail::plain_zone_name(tz)) {
      if (auto z = detail::read_tzif_file(detail::zoneinfo_dir() + "/" + tz, tz)) return std::move(*z);
    }
    time_zone z = utc(tz);
    z.rule_ = detail::parse_posix_tz(tz);  // "JST-9", "EST5EDT,M3.2.0,M11.1.0"
    if (!z.rule_) z.name_ = "UTC";
    return z;
  }
  // /etc/localtime, named after its symlink target when it has one.
  std::string name = "localtime";
  char target[4096];
  const ssize_t n = ::readlink("/etc/localtime", target, sizeof target - 1);
  if (n > 0) {
    const std::string_view t(target, static_cast<std::size_t>(n));
    if (const auto at = t.find("zoneinfo/"); at != std::string_view::npos) name = std::string(t.substr(at + 9));
  }
  if (auto z = detail::read_tzif_file("/etc/localtime", name)) return std::move(*z);
  return utc();
}

inline std::string time_zone::format_iso(std::int64_t utc_ms) const {
  const std::int32_t offset = offset_at(utc_ms);
  const std::int64_t local_s = time::floor_div(utc_ms, 1000) + offset;
  const std::int64_t days = time::floor_div(local_s, 86400), secs = local_s - days * 86400;
  const time::civil_date d = time::civil_from_days(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(d.year), d.month,
                d.day, static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  std::string out(buf);
  if (offset == 0) return out + "Z";
  const std::int32_t a = offset < 0 ? -offset : offset;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return out + buf;
}

// A --since/--until value: a day ("2026-11-24" or "20261124") in `zone` — its
// first millisecond, or its last when `end_of_day` — or an instant
// ("2026-11-24T10:00", read in `zone` unless it carries "Z" or an offset).
// nullopt when the text is neither.
inline std::optional<std::int64_t> parse_time_bound(std::string_view text, const time_zone& zone, bool end_of_day) {
  std::string iso(text);
  if (iso.size() == 8 && iso.find_first_not_of("0123456789") == std::string::npos)
    iso = iso.substr(0, 4) + "-" + iso.substr(4, 2) + "-" + iso.substr(6);
  const auto parsed = time::parse_iso8601(iso);
  if (!parsed) return std::nullopt;
  if (iso.size() == 10) {
    const std::int64_t day = *parsed + (end_of_day ? 86'400'000 : 0);
    return zone.from_local_ms(day) - (end_of_day ? 1 : 0);
  }
  if (iso.find_first_of("Zz+", 10) != std::string::npos || iso.find('-', 10) != std::string::npos) return parsed;
  return zone.from_local_ms(*parsed);
}

}  // namespace okstra::token_usage
