// Tests of okstra/core/json.hpp: parsing, field helpers and the writer.
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <unistd.h>

#include "okstra/core/fs.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/utf8.hpp"

using namespace std::string_literals;
using namespace std::string_view_literals;
namespace json = okstra::json;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace core_json_test {

using okstra::test::temp_dir;

// The message of the okstra::error that `fn` throws; fails the test if none.
template <class Fn>
std::string error_of(Fn&& fn, okstra::exit_code expected = okstra::exit_code::input) {
  try {
    fn();
  } catch (const okstra::error& e) {
    BOOST_TEST(static_cast<int>(e.code()) == static_cast<int>(expected));
    return e.what();
  }
  BOOST_ERROR("no okstra::error was thrown");
  return {};
}

std::string parse_error(std::string_view text) {
  return error_of([&] { json::parse(text, "in.json"); });
}

std::string compact(const json::value& v) {
  json::writer w(false);
  w.value(v);
  return w.str();
}


BOOST_AUTO_TEST_SUITE(json_parse)

BOOST_AUTO_TEST_CASE(parses_a_document) {
  const auto doc = json::parse(R"({"name": "x", "count": 3, "ok": true, "list": [1, 2.5, null], "o": {}})", "in");
  BOOST_TEST_REQUIRE(doc.IsObject());
  BOOST_TEST(json::get_string(doc, "name").value_or("?") == "x");
  BOOST_TEST(json::get_int(doc, "count").value_or(-1) == 3);
  BOOST_TEST(json::get_bool(doc, "ok").value_or(false) == true);
  BOOST_TEST(json::find(doc, "list")->Size() == 3u);
  BOOST_TEST(json::find(doc, "missing") == nullptr);
  BOOST_TEST(json::require_string(doc, "name", "in") == "x");
  BOOST_TEST(json::require_int(doc, "count", "in") == 3);
  BOOST_TEST(&json::require_object(doc, "in") == &static_cast<const json::value&>(doc));
}

BOOST_AUTO_TEST_CASE(input_need_not_be_nul_terminated) {
  const std::string text = "[1]]]]";
  const auto doc = json::parse(std::string_view(text).substr(0, 3), "in");
  BOOST_TEST(compact(doc) == "[1]");
}

BOOST_AUTO_TEST_CASE(truncated_documents_are_errors_with_offsets) {
  BOOST_TEST(parse_error(R"({"a": [1, 2)") == "malformed JSON 'in.json': missing ',' or ']' in array at byte 11");
  BOOST_TEST(parse_error(R"({"a": "xy)") == "malformed JSON 'in.json': unterminated string at byte 9");
  BOOST_TEST(parse_error(R"({"a")") == "malformed JSON 'in.json': missing ':' after object key at byte 4");
  BOOST_TEST(parse_error("{") == "malformed JSON 'in.json': missing object key at byte 1");
  BOOST_TEST(parse_error("tru") == "malformed JSON 'in.json': invalid value at byte 3");
  BOOST_TEST(parse_error("[1.") == "malformed JSON 'in.json': missing fraction at byte 3");
  BOOST_TEST(parse_error("[1e400]") == "malformed JSON 'in.json': number too big at byte 1");
}

BOOST_AUTO_TEST_CASE(empty_input_is_an_error) {
  BOOST_TEST(parse_error("") == "malformed JSON 'in.json': empty document at byte 0");
  BOOST_TEST(parse_error(" \n\t") == "malformed JSON 'in.json': empty document at byte 3");
}

BOOST_AUTO_TEST_CASE(trailing_data_is_an_error) {
  BOOST_TEST(parse_error("{} x") == "malformed JSON 'in.json': unexpected data after the document at byte 3");
  BOOST_TEST(parse_error("{}{}") == "malformed JSON 'in.json': unexpected data after the document at byte 2");
  BOOST_TEST(parse_error("1 2") == "malformed JSON 'in.json': unexpected data after the document at byte 2");
  BOOST_TEST(compact(json::parse("  {}\n\n ", "in")) == "{}");
}

BOOST_AUTO_TEST_CASE(embedded_nul_is_an_error) {
  BOOST_TEST(parse_error("{}\0"sv) == "malformed JSON 'in.json': unexpected data after the document at byte 2");
  BOOST_TEST(parse_error("{}\0{\"a\":1}"sv) == "malformed JSON 'in.json': unexpected data after the document at byte 2");
  BOOST_TEST(parse_error("[\"a\0b\"]"sv) == "malformed JSON 'in.json': unterminated string at byte 3");
  BOOST_TEST(parse_error("[1,\0 2]"sv).find("at byte 3") != std::string::npos);
  // An escaped NUL is a legal character of a string.
  const auto doc = json::parse(R"(["a\u0000b"])", "in");
  BOOST_TEST(json::as_string_view(doc[0]) == "a\0b"sv);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_names_the_byte_offset) {
  BOOST_TEST(parse_error("{\"a\":\"x\xffy\"}") == "malformed JSON 'in.json': invalid UTF-8 at byte 7");
  BOOST_TEST(parse_error("[\"\xc0\xaf\"]") == "malformed JSON 'in.json': invalid UTF-8 at byte 2");      // overlong
  BOOST_TEST(parse_error("[\"ab\xed\xa0\x80\"]") == "malformed JSON 'in.json': invalid UTF-8 at byte 4");  // surrogate
  BOOST_TEST(parse_error("[\"\xe2\x82\"]") == "malformed JSON 'in.json': invalid UTF-8 at byte 2");      // truncated
  BOOST_TEST(parse_error("[\"\xf4\x90\x80\x80\"]") == "malformed JSON 'in.json': invalid UTF-8 at byte 2");
  BOOST_TEST(parse_error("{\"\xff\": 1}") == "malformed JSON 'in.json': invalid UTF-8 at byte 2");      // in a key
  BOOST_TEST(parse_error("[\xff]").find("at byte 1") != std::string::npos);  // outside a string
  BOOST_TEST(json::as_string_view(json::parse("[\"\xe2\x82\xac\"]", "in")[0]) == "\xe2\x82\xac");
}

BOOST_AUTO_TEST_CASE(numbers_are_read_exactly) {
  // RapidJSON 1.1's own strtod read "0e300" as 7.770675568902916e+84.
  BOOST_TEST(compact(json::parse("[0e300, -0e300, 0.0e300, 0e-300, 0.000e20, 0E+300]", "in")) == "[0,-0,0,0,0,0]");
  BOOST_TEST(compact(json::parse("[1e-400, -1e-400, 2e-324, 3e-324]", "in")) == "[0,-0,0,5e-324]");
  BOOST_TEST(compact(json::parse("[0.1, 1e308, 2.2250738585072011e-308, 1.7976931348623157e308, 5e-324]", "in")) ==
             "[0.1,1e+308,2.225073858507201e-308,1.7976931348623157e+308,5e-324]");
  BOOST_TEST(parse_error("[1.8e308]") == "malformed JSON 'in.json': number too big at byte 1");
  BOOST_TEST(parse_error("[0, -1.8e308]") == "malformed JSON 'in.json': number too big at byte 4");
  BOOST_TEST(parse_error("[1e400]") == "malformed JSON 'in.json': number too big at byte 1");
  // Integers stay integers while they fit 64 bits, then become doubles.
  const auto ints = json::parse(
      "[9223372036854775807, -9223372036854775808, 18446744073709551615, 18446744073709551616, "
      "-9223372036854775809, -0, 7]",
      "in");
  BOOST_TEST(ints[0].IsInt64());
  BOOST_TEST(ints[0].GetInt64() == std::numeric_limits<std::int64_t>::max());
  BOOST_TEST(ints[1].GetInt64() == std::numeric_limits<std::int64_t>::min());
  BOOST_TEST((ints[2].IsUint64() && !ints[2].IsInt64()));
  BOOST_TEST((ints[3].IsDouble() && ints[4].IsDouble()));
  BOOST_TEST((ints[5].IsInt() && ints[5].GetInt() == 0));
  BOOST_TEST((ints[6].IsInt() && ints[6].IsUint() && ints[6].GetInt() == 7));
  BOOST_TEST(compact(ints) ==
             "[9223372036854775807,-9223372036854775808,18446744073709551615,18446744073709551616,"
             "-9223372036854775808,0,7]");  // to_chars: the shortest form is the fixed one here
  BOOST_TEST(json::parse("[1.0]", "in")[0].IsDouble());
  BOOST_TEST(json::parse("[1e2]", "in")[0].GetDouble() == 100.0);
}

BOOST_AUTO_TEST_CASE(doubles_survive_write_and_read_bit_for_bit) {
  std::uint64_t state = 88172645463325252u;
  for (int n = 0; n < 20000; ++n) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    double d = 0;
    std::memcpy(&d, &state, sizeof d);
    if (!std::isfinite(d)) continue;
    json::writer w(false);
    w.begin_array().value(d).end_array();
    const auto back = json::parse(w.str(), "in");
    BOOST_TEST_REQUIRE(back[0].IsNumber(), w.str());
    const double got = back[0].GetDouble();
    BOOST_TEST_REQUIRE(std::memcmp(&got, &d, sizeof d) == 0, w.str());
  }
}

BOOST_AUTO_TEST_CASE(escaped_surrogates_must_pair) {
  BOOST_TEST(json::as_string_view(json::parse(R"(["\ud83d\ude00"])", "in")[0]) == "\xf0\x9f\x98\x80");
  BOOST_TEST(parse_error(R"(["\ud800"])").find("invalid surrogate pair") != std::string::npos);
  BOOST_TEST(parse_error(R"(["\ud800\u0041"])").find("invalid surrogate pair") != std::string::npos);
  // A lone low surrogate would otherwise become ill-formed UTF-8 (ED B0 80).
  BOOST_TEST(parse_error(R"(["\udc00"])").find("invalid surrogate pair") != std::string::npos);
  BOOST_TEST(parse_error(R"({"\udfff": 1})").find("invalid surrogate pair") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_a_clean_error) {
  const std::string deep_arrays(10000, '[');
  BOOST_TEST(parse_error(deep_arrays) == "malformed JSON 'in.json': nesting deeper than 256 at byte 256");
  std::string deep_objects;
  for (int i = 0; i < 10000; ++i) deep_objects += "{\"a\":";
  BOOST_TEST(parse_error(deep_objects).find("nesting deeper than 256") != std::string::npos);
  const std::string closed = std::string(10000, '[') + std::string(10000, ']');
  BOOST_TEST(parse_error(closed).find("nesting deeper than 256") != std::string::npos);
  // Exactly the limit is fine, one more is not.
  const std::string at_limit = std::string(json::max_depth, '[') + std::string(json::max_depth, ']');
  BOOST_TEST(json::parse(at_limit, "in").IsArray());
  const std::string over = std::string(json::max_depth + 1, '[') + std::string(json::max_depth + 1, ']');
  BOOST_TEST(parse_error(over).find("nesting deeper than 256") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(source_name_is_escaped_in_errors) {
  const std::string msg = error_of([] { json::parse("[", "a\nb.json"); });
  BOOST_TEST(msg.find("'a\\x0ab.json'") != std::string::npos);
  BOOST_TEST(msg.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_types_via_require) {
  const auto doc = json::parse(R"({"name": 5, "count": "3", "half": 1.5, "big": 18446744073709551615, "b": 1})", "in");
  BOOST_TEST(error_of([&] { json::require_string(doc, "name", "in.json"); }) ==
             "malformed JSON 'in.json': field \"name\" must be a string");
  BOOST_TEST(error_of([&] { json::require_string(doc, "absent", "in.json"); }) ==
             "malformed JSON 'in.json': field \"absent\" must be a string");
  BOOST_TEST(error_of([&] { json::require_int(doc, "count", "in.json"); }) ==
             "malformed JSON 'in.json': field \"count\" must be an integer");
  BOOST_TEST(error_of([&] { json::require_int(doc, "half", "in.json"); }).find("must be an integer") !=
             std::string::npos);
  BOOST_TEST(!json::get_int(doc, "big").has_value());  // does not fit int64
  BOOST_TEST(!json::get_bool(doc, "b").has_value());
  BOOST_TEST(json::get_string(doc, "count").value_or("") == "3");
  const auto array = json::parse("[1]", "in");
  BOOST_TEST(error_of([&] { json::require_object(array, "in.json"); }) == "malformed JSON 'in.json': expected an object");
  BOOST_TEST(json::find(array, "x") == nullptr);
  BOOST_TEST(!json::get_string(array, "x").has_value());
  BOOST_TEST(json::as_string_view(array).empty());
}

BOOST_AUTO_TEST_CASE(read_file_names_the_path) {
  temp_dir dir;
  const auto missing = dir.path / "missing.json";
  BOOST_TEST(error_of([&] { json::read_file(missing); }) ==
             "cannot read '" + missing.string() + "': no such file or directory");
  BOOST_TEST(error_of([&] { json::read_file(dir.path); }) == "cannot read '" + dir.path.string() + "': is a directory");
  okstra::fs::write_file_atomic(dir.path / "bad.json", "{\"a\":");
  BOOST_TEST(error_of([&] { json::read_file(dir.path / "bad.json"); }).find("malformed JSON '" + dir.path.string()) == 0u);
  okstra::fs::write_file_atomic(dir.path / "big.json", "[" + std::string(100, ' ') + "]");
  BOOST_TEST(error_of([&] { json::read_file(dir.path / "big.json", 50); }) ==
             "file too large '" + (dir.path / "big.json").string() + "': over the 50 bytes limit");
  okstra::fs::write_file_atomic(dir.path / "ok.json", R"({"k": [true]})");
  BOOST_TEST(compact(json::read_file(dir.path / "ok.json")) == R"({"k":[true]})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(json_writer)

json::writer sample(bool pretty) {
  json::writer w(pretty);
  w.begin_object()
      .field("name", "x")
      .field("n", 1)
      .key("list")
      .begin_array()
      .value(1)
      .value(2.5)
      .null()
      .end_array()
      .key("e")
      .begin_object()
      .end_object()
      .key("a")
      .begin_array()
      .end_array()
      .key("o")
      .begin_object()
      .field("t", true)
      .end_object()
      .end_object();
  return w;
}

BOOST_AUTO_TEST_CASE(pretty_output_matches_python_indent_2) {
  // json.dumps(..., indent=2) of the same value.
  BOOST_TEST(sample(true).str() ==
             "{\n"
             "  \"name\": \"x\",\n"
             "  \"n\": 1,\n"
             "  \"list\": [\n"
             "    1,\n"
             "    2.5,\n"
             "    null\n"
             "  ],\n"
             "  \"e\": {},\n"
             "  \"a\": [],\n"
             "  \"o\": {\n"
             "    \"t\": true\n"
             "  }\n"
             "}");
}

BOOST_AUTO_TEST_CASE(compact_output_is_one_line) {
  BOOST_TEST(sample(false).str() == R"({"name":"x","n":1,"list":[1,2.5,null],"e":{},"a":[],"o":{"t":true}})");
  BOOST_TEST(json::writer(false).begin_array().end_array().str() == "[]");
  BOOST_TEST(json::writer(true).begin_object().end_object().str() == "{}");
  BOOST_TEST(json::writer(true).value("top").str() == "\"top\"");
  json::writer nested(true);
  nested.begin_array().begin_array().end_array().begin_object().end_object().end_array();
  BOOST_TEST(nested.str() == "[\n  [],\n  {}\n]");
}

BOOST_AUTO_TEST_CASE(strings_are_escaped) {
  json::writer w(false);
  w.value("q\"b\\s/\n\r\t\b\f\x01\x1f\x7f \xc3\xa9");
  BOOST_TEST(w.str() == R"("q\"b\\s/\n\r\t\b\f\u0001\u001f)"
                        "\x7f \xc3\xa9\"");
  json::writer nul(false);
  nul.value("a\0b"sv);
  BOOST_TEST(nul.str() == R"("a\u0000b")");
  json::writer keys(false);
  keys.begin_object().field("k\"\n", 1).end_object();
  BOOST_TEST(keys.str() == R"({"k\"\n":1})");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_repaired) {
  json::writer w(false);
  w.begin_object().field("a\xff", "x\xe2\x82y\xed\xa0\x80").end_object();
  BOOST_TEST(w.str() == "{\"a\xef\xbf\xbd\":\"x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
  BOOST_TEST(okstra::utf8::is_valid(w.str()));
  json::writer ctl(false);
  ctl.value("\xff\n");
  BOOST_TEST(ctl.str() == "\"\xef\xbf\xbd\\n\"");
}

BOOST_AUTO_TEST_CASE(numbers) {
  const auto one = [](auto v) {
    json::writer w(false);
    w.value(v);
    return w.str();
  };
  BOOST_TEST(one(0.1) == "0.1");
  BOOST_TEST(one(1.0) == "1");
  BOOST_TEST(one(-0.0) == "-0");
  BOOST_TEST(one(1.0 / 3) == "0.3333333333333333");
  BOOST_TEST(one(1e21) == "1e+21");
  BOOST_TEST(one(123456.789) == "123456.789");
  BOOST_TEST(one(5e-324) == "5e-324");
  BOOST_TEST(one(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
  BOOST_TEST(one(std::numeric_limits<double>::quiet_NaN()) == "null");
  BOOST_TEST(one(std::numeric_limits<double>::infinity()) == "null");
  BOOST_TEST(one(-std::numeric_limits<double>::infinity()) == "null");
  BOOST_TEST(one(std::numeric_limits<long long>::min()) == "-9223372036854775808");
  BOOST_TEST(one(std::numeric_limits<unsigned long long>::max()) == "18446744073709551615");
  BOOST_TEST(one(-7) == "-7");
  BOOST_TEST(one(42u) == "42");
  BOOST_TEST(one(true) == "true");
  BOOST_TEST(one(false) == "false");
  json::writer arr(false);
  arr.begin_array().value(std::nan("")).value(2).end_array();
  BOOST_TEST(arr.str() == "[null,2]");
}

BOOST_AUTO_TEST_CASE(parsed_values_round_trip) {
  const std::string text =
      R"({"s":"a\"\\\n\u00e9\ud83d\ude00","i":-3,"u":18446744073709551615,"min":-9223372036854775808,)"
      R"("d":1.5,"small":0.1,"big":1e300,"neg":-2.5e-8,"t":true,"f":false,"z":null,)"
      R"("arr":[[],{},[1,[2,[3]]]],"obj":{"k":{"k":"v"}},"":"empty key"})";
  const auto doc = json::parse(text, "in");
  const std::string expected =
      "{\"s\":\"a\\\"\\\\\\n\xc3\xa9\xf0\x9f\x98\x80\",\"i\":-3,\"u\":18446744073709551615,"
      "\"min\":-9223372036854775808,\"d\":1.5,\"small\":0.1,\"big\":1e+300,\"neg\":-2.5e-08,\"t\":true,"
      "\"f\":false,\"z\":null,\"arr\":[[],{},[1,[2,[3]]]],\"obj\":{\"k\":{\"k\":\"v\"}},\"\":\"empty key\"}";
  BOOST_TEST(compact(doc) == expected);
  json::writer pretty(true);
  pretty.value(doc);
  BOOST_TEST(pretty.str().find("\n  \"arr\": [\n    [],\n    {},\n    [\n      1,") != std::string::npos);
  BOOST_TEST(compact(json::parse(pretty.str(), "pretty")) == expected);
  BOOST_TEST(compact(json::parse(expected, "compact")) == expected);
}

BOOST_AUTO_TEST_CASE(writer_output_of_a_deep_parsed_value) {
  const std::string text = std::string(json::max_depth, '[') + std::string(json::max_depth, ']');
  const auto doc = json::parse(text, "in");
  BOOST_TEST(compact(doc) == text);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace core_json_test
