// Tests of what a person reads: okstra/core/style.hpp (width and colour of a
// real terminal, a pipe and the environment), display widths, fitted tables
// and the text view of a JSON result (docs/cli.md, "Terminal width and
// colour" and "Text views").
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/display_width.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/style.hpp"
#include "okstra/core/table.hpp"
#include "okstra/core/text_view.hpp"
#include "test_support.hpp"

namespace style = okstra::style;
namespace display = okstra::display;
namespace tv = okstra::text_view;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace core_text_view_test {

// Sets (or unsets) an environment variable for one scope.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~scoped_env() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A pseudo-terminal of `columns` columns; fd() is its terminal side.
class pty {
 public:
  explicit pty(unsigned short columns) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) return;
    const char* name = ::ptsname(master_);
    if (name) slave_ = ::open(name, O_RDWR | O_NOCTTY);
    struct winsize ws{};
    ws.ws_col = columns;
    ws.ws_row = 24;
    if (slave_ >= 0) ::ioctl(slave_, TIOCSWINSZ, &ws);
  }
  ~pty() {
    if (slave_ >= 0) ::close(slave_);
    if (master_ >= 0) ::close(master_);
  }
  pty(const pty&) = delete;
  pty& operator=(const pty&) = delete;
  int fd() const { return slave_; }

 private:
  int master_ = -1, slave_ = -1;
};

// Boost.Test precondition: without a pseudo-terminal the test is reported
// skipped, with the reason, never passed.
boost::test_tools::assertion_result have_pty(boost::unit_test::test_unit_id) {
  pty probe(80);
  boost::test_tools::assertion_result ok(probe.fd() >= 0);
  if (!ok) ok.message() << "no pseudo-terminal can be opened (posix_openpt failed)";
  return ok;
}

using okstra::test::lines_of;

using okstra::test::widest_line;

// Every scalar of the JSON, as the text view shows it.
void leaves(const okstra::json::value& v, std::vector<std::string>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) leaves(m.value, out);
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) leaves(e, out);
  } else if (v.IsString()) {
    out.emplace_back(v.GetString(), v.GetStringLength());
  } else if (v.IsBool()) {
    out.emplace_back(v.GetBool() ? "true" : "false");
  } else if (v.IsNumber()) {
    out.push_back(v.IsUint64() ? std::to_string(v.GetUint64()) : std::to_string(v.GetInt64()));
  }
}

// A result shaped like the tools' own: scalars, a nested section, a hinted
// table (with a nested array per row), a plain list, non-ASCII text.
const std::string sample = R"({
  "projectRoot": "/data/ana/src/shop",
  "approved": true,
  "runDir": null,
  "summary": {"errors": 1, "warnings": 0, "result": "failed"},
  "entries": [
    {"key": "shop/pay/refund-timeout", "stage": 1, "status": "active",
     "path": "/data/ana/.okstra/worktrees/shop/pay-refund-timeout-stage-1", "bytes": 1234567},
    {"key": "shop/ui/検索-ボタン", "stage": 2, "status": "stale",
     "path": "/data/ana/.okstra/worktrees/shop/ui-検索-ボタン-stage-2", "bytes": 42,
     "violations": [{"file": "a.md", "line": 3}]}
  ],
  "reasons": ["plan not approved", "gate blocked by Q-3"],
  "empty": [],
  "note": "first line\nsecond line, café"
})";

const tv::hints sample_hints{"worktree entries", {{"/entries", {"key", "status", "stage"}}}};


BOOST_AUTO_TEST_SUITE(terminal_width_and_colour)

BOOST_AUTO_TEST_CASE(a_pipe_takes_columns_then_80) {
  int fds[2];
  BOOST_TEST_REQUIRE(::pipe(fds) == 0);
  scoped_env no_color("NO_COLOR", nullptr);
  {
    scoped_env columns("COLUMNS", nullptr);
    const auto s = style::detect(fds[1], style::color_mode::automatic);
    BOOST_TEST(s.width == 80);
    BOOST_TEST(!s.terminal);
    BOOST_TEST(!s.color);
  }
  for (const auto& [value, expected] : {std::pair{"132", 132}, std::pair{"0", 80}, std::pair{"-5", 80},
                                        std::pair{"12x", 80}, std::pair{"", 80}, std::pair{"7", 20}}) {
    scoped_env columns("COLUMNS", value);
    BOOST_TEST(style::detect(fds[1], style::color_mode::never).width == expected, "COLUMNS=" << value);
  }
  BOOST_TEST(style::detect(fds[1], style::color_mode::always).color);
  ::close(fds[0]);
  ::close(fds[1]);
}

BOOST_AUTO_TEST_CASE(a_terminal_gives_its_own_width_and_colour, *boost::unit_test::precondition(have_pty)) {
  pty term(132);
  BOOST_TEST_REQUIRE(term.fd() >= 0);
  scoped_env columns("COLUMNS", "50");  // the terminal's own size wins
  {
    scoped_env no_color("NO_COLOR", nullptr);
    const auto s = style::detect(term.fd(), style::color_mode::automatic);
    BOOST_TEST(s.terminal);
    BOOST_TEST(s.width == 132);
    BOOST_TEST(s.color);
    BOOST_TEST(!style::detect(term.fd(), style::color_mode::never).color);
  }
  {
    scoped_env no_color("NO_COLOR", "1");
    BOOST_TEST(!style::detect(term.fd(), style::color_mode::automatic).color);
    BOOST_TEST(style::detect(term.fd(), style::color_mode::always).color);
  }
  {
    scoped_env no_color("NO_COLOR", "");  // empty counts as unset
    BOOST_TEST(style::detect(term.fd(), style::color_mode::automatic).color);
  }
}

BOOST_AUTO_TEST_CASE(color_values_and_status_words) {
  style::color_mode m = style::color_mode::never;
  BOOST_TEST(style::parse_color_mode("always", m));
  BOOST_TEST((m == style::color_mode::always));
  BOOST_TEST(style::parse_color_mode("auto", m));
  BOOST_TEST((m == style::color_mode::automatic));
  BOOST_TEST(!style::parse_color_mode("yes", m));
  BOOST_TEST((style::status_tone("FAILED") == style::tone::red));
  BOOST_TEST((style::status_tone("refused") == style::tone::red));
  BOOST_TEST((style::status_tone("passed") == style::tone::green));
  BOOST_TEST((style::status_tone("holds") == style::tone::green));
  BOOST_TEST((style::status_tone("skipped") == style::tone::yellow));
  BOOST_TEST((style::status_tone("failedness") == style::tone::plain));
  const style::output_style plain{80, false, false}, coloured{80, true, true};
  BOOST_TEST(style::paint("x", style::tone::red, plain) == "x");
  BOOST_TEST(style::paint("x", style::tone::red, coloured) == "\x1b[31mx\x1b[39m");
  BOOST_TEST(style::paint("x", style::tone::bold, coloured) == "\x1b[1mx\x1b[22m");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(display_widths)

BOOST_AUTO_TEST_CASE(wide_combining_and_ascii) {
  BOOST_TEST(display::width("abc") == 3u);
  BOOST_TEST(display::width("検索") == 4u);            // CJK: 2 columns each
  BOOST_TEST(display::width("한국어") == 6u);          // Hangul syllables
  BOOST_TEST(display::width("cafe\xcc\x81") == 4u);  // e + combining acute
  BOOST_TEST(display::width("café") == 4u);
  BOOST_TEST(display::width("\xf0\x9f\x9a\x80") == 2u);  // rocket emoji
  BOOST_TEST(display::width("…└") == 2u);
  BOOST_TEST(display::width("\x1b[1mbold\x1b[22m") == 4u);  // SGR takes no columns
  BOOST_TEST(display::width("\xff") == 1u);                 // ill-formed: one U+FFFD
}

BOOST_AUTO_TEST_CASE(truncate_never_splits_a_character) {
  BOOST_TEST(display::truncate("abcdef", 6) == "abcdef");
  BOOST_TEST(display::truncate("abcdef", 4) == "abc…");
  BOOST_TEST(display::truncate("検索ボタン", 5) == "検索…");  // 4 + 1
  BOOST_TEST(display::truncate("検索ボタン", 4) == "検…");    // a wide char never half-shown
  BOOST_TEST(display::truncate("cafe\xcc\x81st", 5) == "cafe\xcc\x81…");  // the mark stays with its letter
  BOOST_TEST(display::width(display::truncate("検索ボタン", 4)) <= 4u);
}

BOOST_AUTO_TEST_CASE(wrap_and_fit) {
  const auto lines = display::wrap("one two three four", 9, "  ");
  BOOST_TEST(lines == (std::vector<std::string>{"one two", "  three", "  four"}));
  BOOST_TEST(display::wrap("unbreakable-word", 4) == (std::vector<std::string>{"unbreakable-word"}));
  BOOST_TEST(display::fit("short\n  a b c d e f\n", 7) == "short\n  a b c\n    d e\n    f\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fitted_tables)

BOOST_AUTO_TEST_CASE(text_shrinks_numbers_never) {
  okstra::table::layout t;
  t.columns = {{"Name", okstra::table::align::left, 6}, {"Tokens", okstra::table::align::right, 0}};
  t.rows = {{okstra::table::row_kind::rule, {}},
            {okstra::table::row_kind::body, {"a-rather-long-model-name", "1,234,567"}},
            {okstra::table::row_kind::body, {"検索ボタン", "5"}}};
  const style::output_style plain{80, false, false};
  const std::string wide = okstra::table::render(t, 80, plain);
  BOOST_TEST(wide.find("a-rather-long-model-name  1,234,567\n") != std::string::npos);
  const std::string narrow = okstra::table::render(t, 20, plain);
  BOOST_TEST(widest_line(narrow) <= 20u);
  BOOST_TEST(narrow.find("1,234,567") != std::string::npos);
  BOOST_TEST(narrow.find("a-rather…  1,234,567") != std::string::npos);
  // Below the text columns' minimum the numbers still show whole.
  const std::string tiny = okstra::table::render(t, 5, plain);
  BOOST_TEST(tiny.find("1,234,567") != std::string::npos);
  BOOST_TEST(okstra::table::natural_width(t) == 24u + 2u + 9u);
  BOOST_TEST(okstra::table::narrowest_width(t) == 6u + 2u + 9u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(text_views)

BOOST_AUTO_TEST_CASE(keys_become_words) {
  BOOST_TEST(tv::words("projectRoot") == "project root");
  BOOST_TEST(tv::words("cacheWrite5m") == "cache write 5m");
  BOOST_TEST(tv::words("runURL") == "run url");
  BOOST_TEST(tv::words("HTMLFile") == "html file");
  BOOST_TEST(tv::words("task_key") == "task key");
  BOOST_TEST(tv::words("BC01") == "bc01");
}

BOOST_AUTO_TEST_CASE(fits_40_80_and_200_columns) {
  for (const int width : {40, 80, 200}) {
    const std::string text = tv::render(sample, sample_hints, {width, false, false});
    BOOST_TEST_CONTEXT("width " << width) {
      BOOST_TEST(widest_line(text) <= static_cast<std::size_t>(width));
      BOOST_TEST(text.find('\x1b') == std::string::npos);
      BOOST_TEST(text.rfind("worktree entries\n", 0) == 0u);
      BOOST_TEST(text.find("project root  /data/ana/src/shop\n") != std::string::npos);
      BOOST_TEST(text.find("run dir       none\n") != std::string::npos);
      BOOST_TEST(text.find("\nsummary\n  errors    1\n  warnings  0\n  result    failed\n") != std::string::npos);
      BOOST_TEST(text.find("\nreasons\n  - plan not approved\n  - gate blocked by Q-3\n") != std::string::npos);
      BOOST_TEST(text.find("empty         (none)\n") != std::string::npos);
    }
  }
  const std::string wide = tv::render(sample, sample_hints, {200, false, false});
  // The hinted columns first, then the other cell keys; numbers right-aligned.
  BOOST_TEST(wide.find("\nentries\n  key                      status  stage  path") != std::string::npos);
  BOOST_TEST(wide.find("\n  shop/ui/検索-ボタン      stale       2  /data/ana/.okstra/worktrees/shop/ui-検索-ボタン-stage-2"
                       "           42\n") != std::string::npos);
  // A value that cannot be a cell follows the table, named by its row.
  BOOST_TEST(wide.find("\n  violations of shop/ui/検索-ボタン\n    - file  a.md\n      line  3\n") != std::string::npos);
  // At 80 columns the table fits with its text cells shortened; at 40 it
  // cannot, and the entries are a list instead.
  const std::string middle = tv::render(sample, sample_hints, {80, false, false});
  BOOST_TEST(middle.find("  shop/pay/refund-timeout  active      1  /data/ana/.okstra/worktrees/…  1234567\n")
             != std::string::npos);
  const std::string narrow = tv::render(sample, sample_hints, {40, false, false});
  BOOST_TEST(narrow.find("\nentries\n  - key     shop/pay/refund-timeout\n") != std::string::npos);
  // A line break in a string starts a new line under the value.
  BOOST_TEST(wide.find("note          first line\n              second line, café\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(nothing_of_the_json_is_lost) {
  const auto doc = okstra::json::parse(sample, "sample");
  std::vector<std::string> values;
  leaves(doc, values);
  // Wrapping moves words and pieces of long words to new lines: compare
  // without the white space.
  const auto squeezed = [](std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != ' ' && c != '\n') out += c;
    return out;
  };
  for (const int width : {40, 80, 200}) {
    const std::string text = tv::render(sample, sample_hints, {width, false, false});
    const std::string flat = squeezed(text);
    for (const auto& v : values) {
      for (const auto& piece : lines_of(v)) {
        BOOST_TEST_CONTEXT("width " << width << ", value '" << piece << "'") {
          if (width == 200) {
            BOOST_TEST(text.find(piece) != std::string::npos);
          } else if (flat.find(squeezed(piece)) == std::string::npos) {
            // Only a table cell may be shortened: its start, then "…".
            BOOST_TEST(width != 40);  // at 40 the entries are a list: nothing shortened
            BOOST_TEST(text.find(piece.substr(0, 12)) != std::string::npos);
            BOOST_TEST(text.find("…") != std::string::npos);
          }
        }
      }
    }
    for (const char* label : {"project root", "approved", "run dir", "summary", "errors", "entries", "key",
                              "status", "stage", "path", "bytes", "violations", "reasons", "empty", "note"})
      BOOST_TEST(text.find(label) != std::string::npos, "width " << width << ", label " << label);
  }
}

BOOST_AUTO_TEST_CASE(colour_only_when_asked) {
  const std::string plain = tv::render(sample, sample_hints, {80, false, true});
  BOOST_TEST(plain.find('\x1b') == std::string::npos);
  const std::string coloured = tv::render(sample, sample_hints, {80, true, true});
  BOOST_TEST(coloured.rfind("\x1b[1mworktree entries\x1b[22m\n", 0) == 0u);  // bold title
  BOOST_TEST(coloured.find("\x1b[2mproject root\x1b[22m") != std::string::npos);  // dim label
  BOOST_TEST(coloured.find("\x1b[31mfailed\x1b[39m") != std::string::npos);      // red status
  BOOST_TEST(coloured.find("\x1b[32mactive\x1b[39m") != std::string::npos);      // green, in a table cell
  BOOST_TEST(coloured.find("\x1b[1msummary\x1b[22m") != std::string::npos);      // bold heading
  BOOST_TEST(widest_line(coloured) <= 80u);  // escapes take no columns
}

BOOST_AUTO_TEST_CASE(other_shapes_and_escapes) {
  const style::output_style plain{80, false, false};
  BOOST_TEST(tv::render("42", {}, plain) == "42\n");
  BOOST_TEST(tv::render("[]", {}, plain) == "(none)\n");
  BOOST_TEST(tv::render(R"(["a", {"b": 1}, [2, 3]])", {}, plain) == "- a\n- b  1\n- - 2\n  - 3\n");
  BOOST_TEST(tv::render(R"({"x": "a\u001bb", "n": -3.5})", {}, plain) == "x  a\\x1bb\nn  -3.5\n");
  // A hint with "*" reaches arrays inside arrays.
  const std::string rules = tv::render(R"({"rules": [{"id": "BC01", "violations": [{"file": "a", "line": 1}]}]})",
                                       {"", {{"/rules/*/violations", {}}}}, plain);
  BOOST_TEST(rules.find("  - id  BC01\n    violations\n      file  line\n") != std::string::npos);
  BOOST_CHECK_THROW(tv::render("{", {}, plain), okstra::error);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace core_text_view_test
