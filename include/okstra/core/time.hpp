// okstra/core/time.hpp — UTC timestamps: now, ISO-8601 formatting and parsing.
//
// Contract: times are Unix milliseconds (int64). Formatting always yields
// "YYYY-MM-DDTHH:MM:SS.mmmZ". Parsing accepts the forms agents write:
// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fraction]]" with 'T' or ' ', then
// nothing (UTC), 'Z', "+HH:MM", "+HHMM" or "+HH"; anything else is nullopt,
// as are days that do not exist (2023-02-29) and instants outside the years
// 0000-9999 (so every parsed instant formats back).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace okstra::time {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month, day;
};

constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

inline std::int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

inline std::string format_iso8601(std::int64_t unix_ms) {
  const std::int64_t days = floor_div(unix_ms, 86'400'000);
  const std::int64_t ms_of_day = unix_ms - days * 86'400'000;
  const civil_date date = civil_from_days(days);
  char buf[96];
  const auto secs = ms_of_day / 1000;
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(date.year), date.month, date.day,
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60), static_cast<long long>(ms_of_day % 1000));
  return buf;
}

inline std::string utc_now_iso8601() { return format_iso8601(now_unix_ms()); }

namespace detail {
inline bool take_digits(std::string_view s, std::size_t& i, int count, int& value) noexcept {
  value = 0;
  for (int n = 0; n < count; ++n, ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}
inline bool take(std::string_view s, std::size_t& i, char c) noexcept {
  if (i < s.size() && s[i] == c) return ++i, true;
  return false;
}
}  // namespace detail

inline std::optional<std::int64_t> parse_iso8601(std::string_view s) noexcept {
  using detail::take, detail::take_digits;
  std::size_t i = 0;
  int year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
  if (!take_digits(s, i, 4, year) || !take(s, i, '-') || !take_digits(s, i, 2, month) ||
      !take(s, i, '-') || !take_digits(s, i, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  // No February 30th: the day must exist in that month of the proleptic Gregorian calendar.
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  static constexpr int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > month_days[month - 1] + (month == 2 && leap)) return std::nullopt;
  std::int64_t offset_minutes = 0;
  if (i < s.size()) {
    if (!take(s, i, 'T') && !take(s, i, 't') && !take(s, i, ' ')) return std::nullopt;
    if (!take_digits(s, i, 2, hour) || !take(s, i, ':') || !take_digits(s, i, 2, minute))
      return std::nullopt;
    if (take(s, i, ':')) {
      if (!take_digits(s, i, 2, second)) return std::nullopt;
      if (take(s, i, '.') || take(s, i, ',')) {
        int scale = 100, digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
          millis += (s[i] - '0') * scale;
          scale /= 10, ++i, ++digits;
        }
        if (digits == 0) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (take(s, i, 'Z') || take(s, i, 'z')) {
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      const int sign = s[i++] == '-' ? -1 : 1;
      int oh, om = 0;
      if (!take_digits(s, i, 2, oh)) return std::nullopt;
      // "+HH", "+HHMM" or "+HH:MM" ("+HH:" alone is malformed).
      if ((take(s, i, ':') || i < s.size()) && !take_digits(s, i, 2, om)) return std::nullopt;
      if (oh > 23 || om > 59) return std::nullopt;
      offset_minutes = sign * (oh * 60 + om);
    }
    if (i != s.size()) return std::nullopt;
  }
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t ms = ((days * 24 + hour) * 60 + minute - offset_minutes) * 60'000 + second * 1000 + millis;
  // An offset or leap second can carry the instant out of years 0000-9999,
  // which format_iso8601 could not write back in the same form.
  constexpr std::int64_t first_ms = days_from_civil(0, 1, 1) * 86'400'000;
  constexpr std::int64_t end_ms = days_from_civil(10000, 1, 1) * 86'400'000;
  if (ms < first_ms || ms >= end_ms) return std::nullopt;
  return ms;
}

}  // namespace okstra::time
