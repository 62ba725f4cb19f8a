// Model-id matching for okstra/token_usage/prices.hpp. Include that header.
//
// Contract: match_rule is the dataset's rule language (equals, starts_with,
// ends_with, contains — ASCII case-insensitive — regex, and or/and of
// rules), read by parse_match_rule(), which throws an input error naming the
// source on a malformed rule. A regular expression (JavaScript syntax in the
// dataset) is translated to a POSIX extended one and run by the C library's
// regexec; one that cannot be translated (lookarounds, back-references), or
// one that could take exponential time or memory (a repeated group that
// repeats inside, a quantifier on a quantifier, a count over 255, more than
// 256 characters) matches nothing; ids longer than 256 characters are not
// matched against expressions at all, so a price file cannot stall a report.
// The spelling helpers turn
// the ids logs contain into the candidates find() tries (docs/usage.md,
// "Which entry a model id maps to").
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <regex.h>

#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/json.hpp"
#include "okstra/core/text.hpp"

namespace okstra::token_usage::detail {

inline constexpr std::size_t max_regex_size = 256;

inline constexpr unsigned max_regex_count = 255;

// The end of a counted quantifier {n}, {n,} or {n,m} that starts at `open`
// and whose counts are at most max_regex_count; npos when it is not one or a
// count is larger.
inline std::size_t counted_quantifier_end(std::string_view pattern, std::size_t open) {
  unsigned count = 0;
  bool digits = false;
  for (std::size_t i = open + 1; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c >= '0' && c <= '9') {
      count = count * 10 + static_cast<unsigned>(c - '0');
      if (count > max_regex_count) return std::string_view::npos;
      digits = true;
    } else if (c == ',' && digits) {
      count = 0;
    } else {
      return c == '}' && digits ? i : std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

// False for the shapes that make the matcher slow or its compiled form huge:
// a quantified group that holds a quantifier, back-references, a quantifier
// on a quantifier (the C library copies the expression for each: `a+++…`
// grows exponentially; JavaScript rejects it anyway, but for one lazy `?`)
// and counts over max_regex_count.
inline bool regex_is_tame(std::string_view pattern) {
  if (pattern.size() > max_regex_size) return false;
  std::vector<bool> group_repeats;  // per open group: does it hold a quantifier?
  bool in_class = false;
  int after_quantifier = 0;  // 1: right after a quantifier, 2: after its lazy '?'
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size() && pattern[i + 1] >= '1' && pattern[i + 1] <= '9') return false;
      ++i;
      after_quantifier = 0;
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      continue;
    }
    const bool quantifier = c == '*' || c == '+' || c == '?' || c == '{';
    if (quantifier) {
      if (after_quantifier == 2 || (after_quantifier == 1 && c != '?')) return false;
      after_quantifier = after_quantifier == 1 ? 2 : 1;
      if (c == '{') {
        const std::size_t end = counted_quantifier_end(pattern, i);
        if (end == std::string_view::npos) return false;
        i = end;
      }
    } else {
      after_quantifier = 0;
    }
    if (c == '[') in_class = true;
    else if (c == '(') group_repeats.push_back(false);
    else if (c == ')' && !group_repeats.empty()) {
      const bool inner = group_repeats.back();
      group_repeats.pop_back();
      const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
      const bool repeated = next == '*' || next == '+' || next == '{';
      if (repeated && inner) return false;
      if (!group_repeats.empty() && (inner || repeated)) group_repeats.back() = true;
    } else if (quantifier && !group_repeats.empty()) {
      group_repeats.back() = true;
    }
  }
  return true;
}

// JavaScript regular-expression syntax → POSIX extended, for the subset price
// data uses: anchors, literals, escapes (\d \w \s and escaped punctuation),
// classes, groups with alternation, greedy or lazy quantifiers (laziness does
// not change whether a search matches). nullopt for anything else.
inline std::optional<std::string> posix_from_javascript(std::string_view js) {
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < js.size(); ++i) {
    const char c = js[i];
    if (c == '\\') {
      if (++i == js.size()) return std::nullopt;
      const char e = js[i];
      const char* cls = e == 'd' ? "0-9" : e == 'w' ? "A-Za-z0-9_" : e == 's' ? "[:space:]" : nullptr;
      if (cls) out += in_class ? std::string(cls) : "[" + std::string(cls) + "]";
      else if (std::string_view(".[](){}*+?|^$\\/-").find(e) == std::string_view::npos) return std::nullopt;
      else if (in_class) {
        if (e == ']' || e == '\\' || e == '^' || e == '-') return std::nullopt;
        out += e;
      } else {
        out += e == '/' || e == '-' ? std::string(1, e) : std::string("\\") + e;
      }
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      out += c;
      continue;
    }
    if (c == '[') in_class = true;
    if (c == '(' && i + 1 < js.size() && js[i + 1] == '?') {
      if (i + 2 < js.size() && js[i + 2] == ':') {
        out += '(';
        i += 2;
        continue;
      }
      return std::nullopt;  // lookarounds and named groups
    }
    if (c == '?' && i > 0 && std::string_view("*+?}").find(js[i - 1]) != std::string_view::npos &&
        (i < 2 || js[i - 2] != '\\'))
      continue;  // a lazy quantifier
    out += c;
  }
  if (in_class) return std::nullopt;
  return out;
}

inline std::shared_ptr<const regex_t> compile_posix(std::string_view javascript) {
  const auto posix = posix_from_javascript(javascript);
  if (!posix) return nullptr;
  auto* re = new regex_t;
  if (::regcomp(re, posix->c_str(), REG_EXTENDED | REG_NOSUB) != 0) {
    delete re;
    return nullptr;
  }
  return std::shared_ptr<const regex_t>(re, [](const regex_t* r) {
    ::regfree(const_cast<regex_t*>(r));
    delete r;
  });
}

// A pattern compiled on its first use: a run tries few of the dataset's
// rules, and compiling all of them is most of loading the prices
// (docs/performance.md, "Start-up"). Thread-safe; copies share it.
class lazy_posix {
 public:
  explicit lazy_posix(std::string javascript) : source_(std::move(javascript)) {}
  const regex_t* get() const {
    std::call_once(once_, [this] { compiled_ = compile_posix(source_); });
    return compiled_.get();
  }

 private:
  std::string source_;
  mutable std::once_flag once_;
  mutable std::shared_ptr<const regex_t> compiled_;  // null when it does not compile
};

struct match_rule {
  enum class op : std::uint8_t { equals, starts_with, ends_with, contains, regex, any_of, all_of };
  op kind = op::equals;
  std::string text;  // lower-cased, except for regex
  std::vector<match_rule> parts;
  std::shared_ptr<const lazy_posix> pattern;  // null when the pattern is not tame

  // `id` is a candidate spelling, lower-cased (the dataset's expressions are
  // written for lower-case ids).
  bool matches(std::string_view id) const {
    switch (kind) {
      case op::equals: return id == text;
      case op::starts_with: return id.starts_with(text);
      case op::ends_with: return id.ends_with(text);
      case op::contains: return id.find(text) != std::string_view::npos;
      case op::regex: {
        const regex_t* re = pattern && id.size() <= max_regex_size ? pattern->get() : nullptr;
        return re && ::regexec(re, std::string(id).c_str(), 0, nullptr, 0) == 0;
      }
      case op::any_of:
        return std::any_of(parts.begin(), parts.end(), [&](const auto& p) { return p.matches(id); });
      case op::all_of:
        return !parts.empty() &&
               std::all_of(parts.begin(), parts.end(), [&](const auto& p) { return p.matches(id); });
    }
    return false;
  }
};

inline constexpr int max_rule_depth = 16;

inline match_rule parse_match_rule(const json::value& v, std::string_view source, int depth = 0) {
  if (!v.IsObject() || v.MemberCount() != 1 || depth > max_rule_depth)
    throw json::field_error(source, "match", "an object with one rule");
  const auto& m = *v.MemberBegin();
  const std::string_view name(m.name.GetString(), m.name.GetStringLength());
  match_rule rule;
  if (name == "or" || name == "and") {
    if (!m.value.IsArray()) throw json::field_error(source, "match." + std::string(name), "an array");
    rule.kind = name == "or" ? match_rule::op::any_of : match_rule::op::all_of;
    for (const auto& part : m.value.GetArray()) rule.parts.push_back(parse_match_rule(part, source, depth + 1));
    return rule;
  }
  if (!m.value.IsString()) throw json::field_error(source, "match." + std::string(name), "a string");
  const std::string_view text = json::as_string_view(m.value);
  if (name == "regex") {
    rule.kind = match_rule::op::regex;
    rule.text = std::string(text);
    if (regex_is_tame(rule.text)) rule.pattern = std::make_shared<const lazy_posix>(rule.text);  // else matches nothing
    return rule;
  }
  if (name == "equals") rule.kind = match_rule::op::equals;
  else if (name == "starts_with") rule.kind = match_rule::op::starts_with;
  else if (name == "ends_with") rule.kind = match_rule::op::ends_with;
  else if (name == "contains") rule.kind = match_rule::op::contains;
  else throw json::field_error(source, "match", "one of equals, starts_with, ends_with, contains, regex, or, and");
  rule.text = text::ascii_lower(text);
  return rule;
}

// ---- spellings ----------------------------------------------------------

inline bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "vertex_ai/claude-…", "bedrock/us-east-1/us.anthropic.claude-…-v1:0",
// "models/gemini-2.5-pro" → the bare model id.
inline std::string strip_provider(std::string s) {
  if (const auto slash = s.rfind('/'); slash != std::string::npos) s.erase(0, slash + 1);
  for (std::string_view region : {"us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov.", "regional."}) {
    if (s.starts_with(region) && std::string_view(s).substr(region.size()).starts_with("anthropic.")) {
      s.erase(0, region.size());
      break;
    }
  }
  if (!s.starts_with("anthropic.")) return s;
  s.erase(0, 10);
  // Bedrock's version suffix ("-v1:0", "-v2"), only on Bedrock ids: elsewhere
  // "-v3" can be part of a model's name ("deepseek-v3").
  if (const auto colon = s.rfind(':'); colon != std::string::npos && all_digits(std::string_view(s).substr(colon + 1)))
    s.erase(colon);
  if (const auto dash = s.rfind("-v"); dash != std::string::npos && all_digits(std::string_view(s).substr(dash + 2)))
    s.erase(dash);
  return s;
}

// "-20250929", "@20250929", OpenAI's "-2025-08-07" and "-latest" at the end.
inline std::string strip_date(std::string s) {
  const std::string_view v(s);
  if (v.size() > 7 && v.ends_with("-latest")) {
    s.erase(s.size() - 7);
  } else if (v.size() > 9 && (v[v.size() - 9] == '-' || v[v.size() - 9] == '@') && all_digits(v.substr(v.size() - 8))) {
    s.erase(s.size() - 9);
  } else if (v.size() > 11 && v[v.size() - 11] == '-' && all_digits(v.substr(v.size() - 10, 4)) &&
             v[v.size() - 6] == '-' && all_digits(v.substr(v.size() - 5, 2)) && v[v.size() - 3] == '-' &&
             all_digits(v.substr(v.size() - 2))) {
    s.erase(s.size() - 11);
  }
  return s;
}

// Claude ids in other orders and with dots: "claude-4.5-sonnet-thinking" and
// "claude-sonnet-4.5" → "claude-sonnet-4-5"; "claude-3.7-sonnet" →
// "claude-3-7-sonnet" (Anthropic's own order changed with the 4 family).
inline std::string claude_spelling(std::string s) {
  if (!s.starts_with("claude-")) return s;
  if (s.size() > 16 && s.ends_with("-thinking")) s.erase(s.size() - 9);
  std::replace(s.begin(), s.end(), '.', '-');
  std::vector<std::string> parts;
  for (std::size_t at = 7; at <= s.size();) {
    const auto dash = std::min(s.find('-', at), s.size());
    parts.push_back(s.substr(at, dash - at));
    at = dash + 1;
  }
  const auto is_family = [](const std::string& p) { return p == "opus" || p == "sonnet" || p == "haiku"; };
  std::string family, version;
  for (const auto& part : parts) {
    if (is_family(part) && family.empty()) family = part;
    else if (all_digits(part)) version += (version.empty() ? "" : "-") + part;
    else return s;  // something else ("claude-instant-1"): leave it alone
  }
  if (family.empty() || version.empty()) return s;
  const bool new_order = version[0] >= '4' || (version.size() > 1 && version[1] != '-');  // 4+, or 10+
  return new_order ? "claude-" + family + "-" + version : "claude-" + version + "-" + family;
}

// Everything but Claude spells versions with dots: "gpt-5-4-mini" →
// "gpt-5.4-mini", "gemini-2-5-pro" → "gemini-2.5-pro". Only a single digit
// on each side of the dash is a version ("gpt-4o-2024" stays).
inline std::string dotted_spelling(std::string s) {
  if (s.starts_with("claude-")) return claude_spelling(std::move(s));
  const auto digit = [&](std::size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '-' && digit(i - 1) && digit(i + 1) && (i < 2 || !digit(i - 2)) && !digit(i + 2)) s[i] = '.';
  }
  return s;
}

// The ids find() tries, in order, without repeats.
inline std::vector<std::string> spelling_candidates(std::string_view model) {
  std::vector<std::string> out;
  const auto push = [&](std::string s) {
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  };
  std::string bare = strip_provider(text::ascii_lower(model));
  push(bare);
  std::string undated = strip_date(bare);
  push(undated);
  push(dotted_spelling(bare));
  push(dotted_spelling(undated));
  return out;
}

// The one spelling every form of an id reduces to: no provider prefix, no
// date stamp, versions spelt the canonical way.
inline std::string normalised_spelling(std::string_view model) {
  return dotted_spelling(strip_date(strip_provider(text::ascii_lower(model))));
}

}  // namespace okstra::token_usage::detail
