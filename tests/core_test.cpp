// Tests of okstra/core: utf8, error wording, time, sha256 (this file);
// json in core_json_test.cpp; fs, process and cli in core_sys_test.cpp.
#define BOOST_TEST_MODULE core
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/diagnostics.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/jsonl.hpp"
#include "okstra/core/sha256.hpp"
#include "okstra/core/text.hpp"
#include "okstra/core/time.hpp"
#include "okstra/core/utf8.hpp"

using namespace std::string_literals;
using namespace std::string_view_literals;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace core_test {

// Code points as integers (Boost.Test cannot print char32_t).
using cps = std::vector<std::uint32_t>;
cps decode(std::string_view s) {
  cps out;
  okstra::utf8::for_each_code_point(s, [&](char32_t cp) { out.push_back(static_cast<std::uint32_t>(cp)); });
  return out;
}

std::size_t replacements(std::string_view s) {
  std::size_t n = 0;
  for (const std::uint32_t cp : decode(s)) n += cp == 0xFFFDu;
  return n;
}

const std::string fffd = "\xef\xbf\xbd";

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}


// ---- utf8 -------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(utf8_decoding)

BOOST_AUTO_TEST_CASE(valid_sequences_decode_to_their_code_points) {
  BOOST_TEST(decode("abc") == (cps{'a', 'b', 'c'}));
  BOOST_TEST(decode("\xc3\xa9") == cps{0xE9});
  BOOST_TEST(decode("\xe2\x82\xac") == cps{0x20AC});
  BOOST_TEST(decode("\xf0\x9f\x98\x80") == cps{0x1F600});
  BOOST_TEST(decode("\xf4\x8f\xbf\xbf") == cps{0x10FFFF});
  BOOST_TEST(decode("\xef\xbf\xbe") == cps{0xFFFE});
  BOOST_TEST(decode("\xed\x9f\xbf") == cps{0xD7FF});  // last before the surrogates
  BOOST_TEST(decode("\xee\x80\x80") == cps{0xE000});  // first after them
  BOOST_TEST(decode("x\0y"sv) == (cps{'x', 0, 'y'}));
  for (const auto s : {""sv, "abc"sv, "\xc3\xa9"sv, "\xe2\x82\xac"sv, "\xf0\x9f\x98\x80"sv, "\xef\xbf\xbd"sv,
                       "\xf4\x8f\xbf\xbf"sv, "x\0y"sv}) {
    BOOST_TEST(okstra::utf8::is_valid(s));
    BOOST_TEST(okstra::utf8::sanitize(s) == std::string(s));
  }
}

BOOST_AUTO_TEST_CASE(append_encodes_every_length) {
  std::string out;
  for (const char32_t cp : {char32_t{0x24}, char32_t{0x7F}, char32_t{0x80}, char32_t{0x7FF}, char32_t{0x800},
                            char32_t{0xFFFF}, char32_t{0x10000}, char32_t{0x10FFFF}})
    okstra::utf8::append(out, cp);
  BOOST_TEST(out == "\x24\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
  BOOST_TEST(decode(out) == (cps{0x24, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF}));
}

// Expected values computed with Python 3: bytes.decode("utf-8", errors="replace").
struct replace_case {
  std::string_view bytes;
  std::size_t fffd_count;
  std::string_view python_result;  // the decoded text re-encoded as UTF-8
};

BOOST_AUTO_TEST_CASE(ill_formed_input_matches_python_replacement) {
  const replace_case cases[] = {
      {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},                   // overlong '/'
      {"\xc1\xbf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},                   // overlong
      {"\xe0\x80\xaf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},  // overlong 3-byte
      {"\xe0\x9f\xbf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},  // high surrogate
      {"\xed\xbf\xbf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},  // low surrogate
      {"\xf0\x80\x80\xaf", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xf0\x8f\xbf\xbf", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},  // above U+10FFFF
      {"\xf5\x80\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xf8\x88\x80\x80\x80", 5, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xfe", 1, "\xef\xbf\xbd"},
      {"\xff", 1, "\xef\xbf\xbd"},
      {"\x80", 1, "\xef\xbf\xbd"},
      {"\xbf\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd"},
      {"\xc3", 1, "\xef\xbf\xbd"},              // truncated 2-byte
      {"\xe2\x82", 1, "\xef\xbf\xbd"},          // truncated 3-byte: one maximal subpart
      {"\xf0\x9f\x98", 1, "\xef\xbf\xbd"},      // truncated 4-byte
      {"\xf0\x9f\x98" "A", 1, "\xef\xbf\xbd" "A"},  // the offending byte starts the next decode
      {"\xe2\x82" "A", 1, "\xef\xbf\xbd" "A"},
      {"\xc3" "A", 1, "\xef\xbf\xbd" "A"},
      // Unicode 15 table 3-8.
      {"\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64", 6,
       "\x61\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x62\xef\xbf\xbd\x63\xef\xbf\xbd\xef\xbf\xbd\x64"},
      // A UTF-16 surrogate pair encoded as CESU-8 is six errors.
      {"\xed\xa0\x80\xed\xb0\x80", 6, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("bytes " << okstra::printable(c.bytes)) {
      BOOST_TEST(!okstra::utf8::is_valid(c.bytes));
      BOOST_TEST(replacements(c.bytes) == c.fffd_count);
      BOOST_TEST(okstra::utf8::sanitize(c.bytes) == std::string(c.python_result));
      BOOST_TEST(okstra::utf8::is_valid(okstra::utf8::sanitize(c.bytes)));
    }
  }
}

BOOST_AUTO_TEST_CASE(literal_replacement_char_is_valid_but_counts_as_fffd) {
  BOOST_TEST(okstra::utf8::is_valid(fffd));
  BOOST_TEST(replacements(fffd) == 1u);
  BOOST_TEST(okstra::utf8::sanitize("a" + fffd + "\xff") == "a" + fffd + fffd);
}

BOOST_AUTO_TEST_CASE(next_advances_past_the_maximal_subpart) {
  const std::string_view s = "\xe2\x82" "A\xf0\x9f\x98\x80";
  std::size_t i = 0;
  BOOST_TEST(static_cast<std::uint32_t>(okstra::utf8::next(s, i)) == 0xFFFDu);
  BOOST_TEST(i == 2u);
  BOOST_TEST(static_cast<std::uint32_t>(okstra::utf8::next(s, i)) == std::uint32_t{'A'});
  BOOST_TEST(i == 3u);
  BOOST_TEST(static_cast<std::uint32_t>(okstra::utf8::next(s, i)) == 0x1F600u);
  BOOST_TEST(i == 7u);
}

BOOST_AUTO_TEST_CASE(sanitize_of_long_mixed_text) {
  const std::string bad = repeat("ok \xe2\x82\xac \xff\xc3 \xed\xa0\x80 ", 1000);
  const std::string good = repeat("ok \xe2\x82\xac " + fffd + fffd + " " + fffd + fffd + fffd + " ", 1000);
  BOOST_TEST(okstra::utf8::sanitize(bad) == good);
  BOOST_TEST(replacements(bad) == 5000u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- error wording ----------------------------------------------------------

BOOST_AUTO_TEST_SUITE(error_wording)

BOOST_AUTO_TEST_CASE(quoted_wraps_the_subject) {
  BOOST_TEST(okstra::quoted("cannot read", "x.json") == "cannot read 'x.json'");
  BOOST_TEST(okstra::quoted("malformed JSON", "") == "malformed JSON ''");
  BOOST_TEST(okstra::quoted("bad", "caf\xc3\xa9") == "bad 'caf\xc3\xa9'");
}

BOOST_AUTO_TEST_CASE(printable_escapes_control_bytes) {
  BOOST_TEST(okstra::printable("a\nb") == "a\\x0ab");
  BOOST_TEST(okstra::printable("\t\r") == "\\x09\\x0d");
  BOOST_TEST(okstra::printable("\x1b[31mred") == "\\x1b[31mred");
  BOOST_TEST(okstra::printable("del\x7f") == "del\\x7f");
  BOOST_TEST(okstra::printable("a\0b"sv) == "a\\x00b");
  BOOST_TEST(okstra::quoted("cannot read", "evil\nokstra: ok") == "cannot read 'evil\\x0aokstra: ok'");
}

// C1 controls (U+0080..U+009F; U+009B is a one-character CSI) are escaped
// too, valid UTF-8 or not, and printable() is idempotent.
BOOST_AUTO_TEST_CASE(printable_escapes_c1_controls_and_is_idempotent) {
  BOOST_TEST(okstra::printable("a\xc2\x9b" "31mb") == "a\\xc2\\x9b31mb");
  BOOST_TEST(okstra::printable("\xc2\x80\xc2\x9f\xc2\xa0") == "\\xc2\\x80\\xc2\\x9f\xc2\xa0");  // U+00A0 is text
  BOOST_TEST(okstra::printable("\x9b") == "\\x9b");  // a lone C1 byte is ill-formed UTF-8
  const std::string once = okstra::printable("\x1b]0;title\x07\r\n\xc2\x9b\xff");
  BOOST_TEST(okstra::printable(once) == once);
  for (const char c : once) BOOST_TEST((static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
}

BOOST_AUTO_TEST_CASE(printable_escapes_invalid_utf8_and_keeps_valid_text) {
  BOOST_TEST(okstra::printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  BOOST_TEST(okstra::printable(fffd) == fffd);  // a literal U+FFFD is text
  BOOST_TEST(okstra::printable("\xff") == "\\xff");
  BOOST_TEST(okstra::printable("a\xe2\x82") == "a\\xe2\\x82");
  BOOST_TEST(okstra::printable("\xed\xa0\x80!") == "\\xed\\xa0\\x80!");
  BOOST_TEST(okstra::printable("\xc0\xaf") == "\\xc0\\xaf");
  BOOST_TEST(okstra::printable("\xef\xbf") == "\\xef\\xbf");  // truncated U+FFFD is not text
}

BOOST_AUTO_TEST_CASE(io_error_lower_cases_the_errno_text) {
  const okstra::error e = okstra::io_error("read", "x.json", ENOENT);
  BOOST_TEST(std::string(e.what()) == "cannot read 'x.json': no such file or directory");
  BOOST_TEST(static_cast<int>(e.code()) == 3);
  BOOST_TEST(std::string(okstra::io_error("write", "a\nb", EACCES).what()) ==
             "cannot write 'a\\x0ab': permission denied");
  errno = ENOTDIR;
  BOOST_TEST(std::string(okstra::io_error("enter", "d").what()) == "cannot enter 'd': not a directory");
}

BOOST_AUTO_TEST_CASE(error_classes_and_hints) {
  BOOST_TEST(static_cast<int>(okstra::exit_code::ok) == 0);
  BOOST_TEST(static_cast<int>(okstra::refused("r").code()) == 1);
  BOOST_TEST(static_cast<int>(okstra::usage_error("u").code()) == 2);
  BOOST_TEST(static_cast<int>(okstra::input_error("i").code()) == 3);
  const okstra::error e = okstra::refused("gate closed 'plan.md'").with_hint("approve it first");
  BOOST_TEST(static_cast<int>(e.code()) == 1);
  BOOST_TEST(std::string(e.what()) == "gate closed 'plan.md'");
  BOOST_TEST(e.hint() == "approve it first");
  BOOST_TEST(okstra::input_error("x").hint().empty());
  BOOST_TEST(okstra::usage_error("x", "h").hint() == "h");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- time -------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(time_iso8601)

using okstra::time::format_iso8601;
using okstra::time::parse_iso8601;

// Expected values computed with Python's datetime.
BOOST_AUTO_TEST_CASE(format_known_instants) {
  BOOST_TEST(format_iso8601(0) == "1970-01-01T00:00:00.000Z");
  BOOST_TEST(format_iso8601(-1) == "1969-12-31T23:59:59.999Z");
  BOOST_TEST(format_iso8601(-1000) == "1969-12-31T23:59:59.000Z");
  BOOST_TEST(format_iso8601(-86'400'000) == "1969-12-31T00:00:00.000Z");
  BOOST_TEST(format_iso8601(1'709'210'096'789) == "2024-02-29T12:34:56.789Z");  // leap day
  BOOST_TEST(format_iso8601(1'709'251'200'000) == "2024-03-01T00:00:00.000Z");
  BOOST_TEST(format_iso8601(951'868'800'000) == "2000-03-01T00:00:00.000Z");  // 2000 is leap
  BOOST_TEST(format_iso8601(-2'203'891'201'000) == "1900-02-28T23:59:59.000Z");  // 1900 is not
  BOOST_TEST(format_iso8601(-11'670'998'400'000) == "1600-02-29T00:00:00.000Z");
  BOOST_TEST(format_iso8601(2'147'483'648'000) == "2038-01-19T03:14:08.000Z");
  BOOST_TEST(format_iso8601(-62'135'596'800'000) == "0001-01-01T00:00:00.000Z");
  BOOST_TEST(format_iso8601(-62'167'219'200'000) == "0000-01-01T00:00:00.000Z");
  BOOST_TEST(format_iso8601(253'402'300'799'999) == "9999-12-31T23:59:59.999Z");
}

BOOST_AUTO_TEST_CASE(parse_every_accepted_form) {
  const std::int64_t day = 1'705'276'800'000;          // 2024-01-15T00:00Z
  const std::int64_t at = day + (10 * 60 + 30) * 60'000;  // 10:30Z
  const std::pair<std::string_view, std::int64_t> cases[] = {
      {"2024-01-15", day},
      {"2024-01-15T10:30", at},
      {"2024-01-15 10:30", at},
      {"2024-01-15t10:30z", at},
      {"2024-01-15T10:30Z", at},
      {"2024-01-15T10:30:00", at},
      {"2024-01-15T10:30:07Z", at + 7000},
      {"2024-01-15T10:30:07.000Z", at + 7000},
      {"2024-01-15T10:30:07.5Z", at + 7500},
      {"2024-01-15T10:30:07.12Z", at + 7120},
      {"2024-01-15T10:30:07.123Z", at + 7123},
      {"2024-01-15T10:30:07.123456789Z", at + 7123},  // extra digits truncated
      {"2024-01-15T10:30:07,25", at + 7250},
      {"2024-01-15T10:30+00:00", at},
      {"2024-01-15T10:30-00:00", at},
      {"2024-01-15T10:30+05:30", 1'705'294'800'000},
      {"2024-01-15T10:30+0530", 1'705'294'800'000},
      {"2024-01-15T10:30:00.000+05:30", 1'705'294'800'000},
      {"2024-01-15T10:30-08:00", 1'705'343'400'000},
      {"2024-01-15T10:30-0800", 1'705'343'400'000},
      {"2024-01-15T10:30-08", 1'705'343'400'000},
      {"2024-01-15T00:30+01:00", day - 30 * 60'000},  // previous day in UTC
      {"2024-02-29T12:34:56.789Z", 1'709'210'096'789},
      {"2000-02-29", 951'782'400'000},
      {"1969-12-31T23:59:59.999Z", -1},
      {"1970-01-01T00:00:00Z", 0},
      {"0001-01-01T00:00:00Z", -62'135'596'800'000},
      {"9999-12-31T23:59:59.999Z", 253'402'300'799'999},
      {"2016-12-31T23:59:60Z", 1'483'228'800'000},  // a leap second folds into the next minute
  };
  for (const auto& [text, expected] : cases) {
    BOOST_TEST_CONTEXT(text) {
      const auto got = parse_iso8601(text);
      BOOST_TEST_REQUIRE(got.has_value());
      BOOST_TEST(*got == expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(parse_rejects_malformed_text) {
  for (const auto text : {
           ""sv, "2024"sv, "2024-01"sv, "2024-1-15"sv, "24-01-15"sv, "2024/01/15"sv, "20240115"sv, " 2024-01-15"sv,
           "2024-01-15 "sv, "2024-01-15Z"sv, "2024-01-15T"sv, "2024-01-15T10"sv, "2024-01-15T1:30"sv,
           "2024-01-15T10:3"sv, "2024-01-15T10:30:"sv, "2024-01-15T10:30:1"sv, "2024-01-15X10:30"sv,
           "2024-01-15T10-30"sv, "2024-01-15T10:30:00."sv, "2024-01-15T10:30:00.5x"sv, "2024-01-15T10:30:00ZZ"sv,
           "2024-01-15T10:30Z "sv, "2024-01-15T10:30 Z"sv, "2024-01-15T10:30+5"sv, "2024-01-15T10:30+05:3"sv,
           "2024-01-15T10:30+05:"sv, "2024-01-15T10:30+053"sv, "2024-01-15T10:30+24:00"sv,
           "2024-01-15T10:30+05:60"sv, "2024-01-15T10:30+"sv, "2024-01-15T10:30UTC"sv, "2024-13-01"sv,
           "2024-00-10"sv, "2024-01-00"sv, "2024-01-32"sv, "2024-01-15T24:00"sv, "2024-01-15T10:60"sv,
           "2024-01-15T10:30:61"sv, "2023-02-29"sv, "1900-02-29"sv, "2024-02-30"sv, "2024-04-31"sv,
           "2024-06-31T00:00Z"sv, "2024-01-15T10:30:00\0"sv, "２０２４-01-15"sv,
           // Instants outside years 0000-9999 cannot be formatted back.
           "0000-01-01T00:00+01:00"sv, "9999-12-31T23:30-01:00"sv, "9999-12-31T23:59:60Z"sv}) {
    BOOST_TEST_CONTEXT(okstra::printable(text)) { BOOST_TEST(!parse_iso8601(text).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(format_then_parse_round_trips) {
  std::uint64_t state = 0x9E3779B97F4A7C15u;
  std::vector<std::int64_t> values = {0, -1, 1, 86'399'999, -86'400'001, 253'402'300'799'999, -62'167'219'200'000};
  for (int n = 0; n < 20000; ++n) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    // Anywhere in years 0000..9999.
    values.push_back(-62'167'219'200'000 + static_cast<std::int64_t>((state >> 11) % 315'537'897'600'000u));
  }
  for (const std::int64_t ms : values) {
    const std::string text = format_iso8601(ms);
    BOOST_TEST_REQUIRE(text.size() == 24u, text);
    const auto back = parse_iso8601(text);
    BOOST_TEST_REQUIRE(back.has_value(), text);
    BOOST_TEST_REQUIRE(*back == ms, text);
  }
}

BOOST_AUTO_TEST_CASE(civil_conversions_agree) {
  for (std::int64_t d = -800'000; d <= 800'000; d += 7) {
    const auto c = okstra::time::civil_from_days(d);
    BOOST_TEST_REQUIRE(okstra::time::days_from_civil(c.year, c.month, c.day) == d);
  }
  BOOST_TEST(okstra::time::floor_div(-1, 1000) == -1);
  BOOST_TEST(okstra::time::floor_div(-1000, 1000) == -1);
  BOOST_TEST(okstra::time::floor_div(999, 1000) == 0);
}

BOOST_AUTO_TEST_CASE(now_is_current_and_parseable) {
  const std::int64_t before = okstra::time::now_unix_ms();
  const std::string now = okstra::time::utc_now_iso8601();
  const auto parsed = parse_iso8601(now);
  BOOST_TEST_REQUIRE(parsed.has_value());
  BOOST_TEST(*parsed >= before);
  BOOST_TEST(*parsed - before < 60'000);
  BOOST_TEST(before > 1'700'000'000'000);  // after 2023-11
}

BOOST_AUTO_TEST_SUITE_END()

// ---- sha256 -----------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(ascii_text)

BOOST_AUTO_TEST_CASE(trim_and_case_are_ascii_only) {
  namespace text = okstra::text;
  BOOST_TEST(text::trim(" \t\r\n\v\fa b\f\v\n\r\t ") == "a b");
  BOOST_TEST(text::trim("") == "");
  BOOST_TEST(text::is_blank(" \t\r\n"));
  BOOST_TEST(!text::is_blank(" x "));
  BOOST_TEST(text::trim("\xc2\xa0x\xc2\xa0") == "\xc2\xa0x\xc2\xa0");  // NBSP is not ASCII white space
  BOOST_TEST(text::ascii_lower("Claude-OPUS \xc3\x89") == "claude-opus \xc3\x89");  // É left as it is
  BOOST_TEST(text::iequals("Approved", "aPPROVED"));
  BOOST_TEST(!text::iequals("approved", "approve"));
  BOOST_TEST(!text::iequals("\xc3\x89", "\xc3\xa9"));
}

BOOST_AUTO_TEST_CASE(json_space_is_the_four_json_allows) {
  namespace text = okstra::text;
  BOOST_TEST(text::trim_json_space(" \t\r\n{}\n\r\t ") == "{}");
  BOOST_TEST(text::trim_json_space("\v{}\f") == "\v{}\f");  // VT and FF are not JSON white space
}

BOOST_AUTO_TEST_CASE(split_list_trims_items_and_drops_empty_ones) {
  namespace text = okstra::text;
  using list = std::vector<std::string_view>;
  BOOST_TEST(text::split_list(" a , b\t,,c ", ',') == (list{"a", "b", "c"}), boost::test_tools::per_element());
  BOOST_TEST(text::split_list("one", ',') == (list{"one"}), boost::test_tools::per_element());
  BOOST_TEST(text::split_list("", ',').empty());
  BOOST_TEST(text::split_list(" , ,", ',').empty());
  BOOST_TEST(text::split_list("a:b", ':') == (list{"a", "b"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- JSON Lines records, diagnostics ------------------------------------------------

BOOST_AUTO_TEST_SUITE(jsonl_and_diagnostics)

BOOST_AUTO_TEST_CASE(records_are_complete_object_lines) {
  const std::string bytes =
      " {\"a\":1}\r\n"   // kept, trimmed
      "\n \t\n"          // blank lines: neither taken nor skipped
      "not json\n"        // not framed as an object: skipped
      "{\"b\":2}\n"       // take() says no: skipped
      "{\"c\":3}\n"       // take() throws okstra::error: skipped
      "{\"d\":4}";         // no '\n' yet: left for the next read
  std::vector<std::string> taken;
  std::uint64_t skipped = 0;
  const std::size_t consumed = okstra::jsonl::for_each_record(bytes, skipped, [&](std::string_view line) {
    taken.emplace_back(line);
    if (line == "{\"c\":3}") throw okstra::input_error("bad");
    return line != "{\"b\":2}";
  });
  BOOST_TEST(taken == (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}), boost::test_tools::per_element());
  BOOST_TEST(skipped == 3u);
  BOOST_TEST(consumed == bytes.size() - 7);
  BOOST_TEST(okstra::jsonl::truncated_tail_lines(std::string_view(bytes).substr(consumed)) == 1u);
  BOOST_TEST(okstra::jsonl::truncated_tail_lines(" \r\t") == 0u);
}

BOOST_AUTO_TEST_CASE(parse_object_refuses_what_is_not_an_object) {
  okstra::json::document doc;
  BOOST_TEST(okstra::jsonl::parse_object("{\"k\":\"v\"}", "line", doc));
  BOOST_TEST(okstra::jsonl::string_at(doc, "k") == "v");
  BOOST_TEST(okstra::jsonl::string_at(doc, "missing") == "");
  BOOST_TEST(okstra::jsonl::object_at(doc, "k") == nullptr);
  BOOST_TEST(!okstra::jsonl::parse_object("[1]", "line", doc));
  BOOST_TEST(!okstra::jsonl::parse_object("{\"k\":", "line", doc));
  BOOST_TEST(!okstra::jsonl::parse_object("{\"k\":\"\xff\"}", "line", doc));  // invalid UTF-8
}

BOOST_AUTO_TEST_CASE(library_messages_go_to_the_installed_sink) {
  namespace diag = okstra::diagnostics;
  std::vector<std::pair<diag::kind, std::string>> got;
  const diag::sink before = diag::set_sink([&](diag::kind k, std::string_view m) { got.emplace_back(k, m); });
  diag::warn("rollback: left a branch");
  diag::progress("reading logs  50%");
  diag::trace("phase 1.00 ms");
  const diag::sink mine = diag::set_sink(before);
  BOOST_TEST(static_cast<bool>(mine));
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST((got[0].first == diag::kind::warning));
  BOOST_TEST(got[0].second == "rollback: left a branch");
  BOOST_TEST((got[1].first == diag::kind::progress));
  BOOST_TEST((got[2].first == diag::kind::trace));
  // The default sink names this program, never a tool.
  BOOST_TEST(diag::program_name() == "core_test");
}

// What the default sink writes, read back from a child's stderr.
BOOST_AUTO_TEST_CASE(the_default_sink_writes_stderr_lines_under_the_program_name) {
  namespace diag = okstra::diagnostics;
  int fds[2];
  BOOST_TEST_REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(fds[1], 2);
    diag::warn("left '\x1b[2J' behind");
    diag::trace("t");
    diag::progress("p");
    diag::progress("");
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_TEST(out == "core_test: warning: left '" + okstra::printable("\x1b[2J") + "' behind\n" +
                        "core_test: trace: t\n\rcore_test: p\r\033[K");
  BOOST_TEST(out.find('\x1b') == out.rfind('\x1b'));  // only the sink's own erase sequence
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sha256_hash)

BOOST_AUTO_TEST_CASE(fips_180_vectors) {
  BOOST_TEST(okstra::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(okstra::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(okstra::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  BOOST_TEST(okstra::sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopq"
                                "rlmnopqrsmnopqrstnopqrstu") ==
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  BOOST_TEST(okstra::sha256_hex(std::string(1'000'000, 'a')) ==
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(padding_boundaries) {
  // Expected values computed with Python's hashlib.
  const std::pair<std::size_t, std::string_view> cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
  };
  for (const auto& [n, hex] : cases) BOOST_TEST(okstra::sha256_hex(std::string(n, 'a')) == hex, "length " << n);
}

BOOST_AUTO_TEST_CASE(incremental_equals_one_shot) {
  std::string data;
  for (int i = 0; i < 4; ++i)
    for (int b = 0; b < 256; ++b) data.push_back(static_cast<char>(b));
  const std::string expected = "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9";
  BOOST_TEST(okstra::sha256_hex(data) == expected);
  for (const std::size_t chunk : {1u, 3u, 63u, 64u, 65u, 200u}) {
    okstra::sha256 h;
    for (std::size_t at = 0; at < data.size(); at += chunk) h.update(std::string_view(data).substr(at, chunk));
    BOOST_TEST(h.hex() == expected, "chunk " << chunk);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Files read whole (docs/cli.md, "Input files"): a FIFO or a device is
// refused before a byte is read and without blocking in open(); a file over
// its cap is refused naming the cap.
BOOST_AUTO_TEST_SUITE(input_files)

using okstra::test::expect_error;
using okstra::test::temp_dir;

BOOST_AUTO_TEST_CASE(fifo_and_devices_are_refused_at_once) {
  temp_dir dir;
  const auto fifo = dir.path / "plan.md";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  const okstra::error e = expect_error([&] { okstra::fs::read_file(fifo); }, okstra::exit_code::input);
  BOOST_TEST(std::string(e.what()) == "cannot read '" + fifo.string() + "': not a regular file");
  const okstra::error j = expect_error([&] { okstra::json::read_file(fifo); }, okstra::exit_code::input);
  BOOST_TEST(std::string(j.what()) == "cannot read '" + fifo.string() + "': not a regular file");
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(5)));
  for (const char* device : {"/dev/zero", "/dev/null"}) {
    const okstra::error d = expect_error([&] { okstra::fs::read_file(device); }, okstra::exit_code::input);
    BOOST_TEST(std::string(d.what()) == "cannot read '" + std::string(device) + "': not a regular file");
  }
}

BOOST_AUTO_TEST_CASE(caps_are_named_in_the_error) {
  temp_dir dir;
  const auto big = dir.path / "brief.md";
  okstra::fs::write_file_atomic(big, std::string(okstra::fs::document_read_limit + 1, 'x'));
  const okstra::error e =
      expect_error([&] { okstra::fs::read_file(big, okstra::fs::document_read_limit); }, okstra::exit_code::input);
  BOOST_TEST(std::string(e.what()) == "file too large '" + big.string() + "': over the 16 MiB limit");
  okstra::fs::write_file_atomic(big, std::string(okstra::fs::document_read_limit, 'x'));
  BOOST_TEST(okstra::fs::read_file(big, okstra::fs::document_read_limit).size() == okstra::fs::document_read_limit);
  BOOST_TEST(okstra::fs::json_read_limit == std::size_t{256} << 20);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace core_test
