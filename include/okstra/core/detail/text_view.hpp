// Definitions of okstra/core/text_view.hpp (docs/cli.md, "Text views").
#pragma once

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/display_width.hpp"
#include "okstra/core/error.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/table.hpp"
#include "okstra/core/text_view.hpp"
#include "okstra/core/utf8.hpp"

namespace okstra::text_view {

namespace detail {

inline bool lower(char c) { return c >= 'a' && c <= 'z'; }
inline bool upper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool digit(char c) { return c >= '0' && c <= '9'; }

inline std::string pointer_step(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out += '/';
  for (char c : key) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  return out;
}

// Does `pointer` name what `pattern` does, "*" standing for any one step?
inline bool pointer_matches(std::string_view pattern, std::string_view pointer) {
  while (!pattern.empty() && !pointer.empty()) {
    if (pattern[0] != '/' || pointer[0] != '/') return false;
    pattern.remove_prefix(1), pointer.remove_prefix(1);
    const auto a = pattern.find('/'), b = pointer.find('/');
    const std::string_view p = pattern.substr(0, a), q = pointer.substr(0, b);
    if (p != "*" && p != q) return false;
    pattern = a == std::string_view::npos ? std::string_view() : pattern.substr(a);
    pointer = b == std::string_view::npos ? std::string_view() : pointer.substr(b);
  }
  return pattern.empty() && pointer.empty();
}

inline bool scalar(const json::value& v) { return !v.IsObject() && !v.IsArray(); }

inline bool scalars(const json::value& v) {
  if (!v.IsArray()) return scalar(v);
  return std::all_of(v.Begin(), v.End(), [](const json::value& e) { return scalar(e); });
}

inline std::string number_text(const json::value& v) {
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v.GetDouble());
  return std::string(buf, r.ptr);
}

// One line of a scalar; strings keep their line breaks for the caller to split.
inline std::string scalar_text(const json::value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsNumber()) return number_text(v);
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsNull()) return "none";
  if (v.IsArray()) {
    if (v.Empty()) return "(none)";
    std::string out;
    for (const auto& e : v.GetArray()) out.append(out.empty() ? "" : ", ").append(scalar_text(e));
    return out;
  }
  return "(empty)";
}

inline std::vector<std::string> printable_lines(const std::string& text) {
  std::vector<std::string> out;
  std::string_view rest(text);
  for (;;) {
    const auto nl = rest.find('\n');
    out.push_back(printable(rest.substr(0, nl)));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return out;
}

// Wrapped at spaces; a word wider than the room (a long path) is cut into
// pieces that fit, so no value is shortened.
inline std::vector<std::string> broken(std::string_view text, std::size_t room) {
  std::vector<std::string> out;
  for (const auto& line : display::wrap(text, room)) {
    std::string_view rest(line);
    while (display::width(rest) > room) {
      std::size_t used = 0, end = 0;
      for (std::size_t i = 0; i < rest.size();) {
        const std::size_t w = static_cast<std::size_t>(display::code_point_width(utf8::next(rest, i)));
        if (used + w > room) break;
        used += w, end = i;
      }
      if (end == 0) break;  // a character wider than the room: keep it whole
      out.emplace_back(rest.substr(0, end));
      rest.remove_prefix(end);
    }
    out.emplace_back(rest);
  }
  return out;
}

struct renderer {
  const hints& view;
  const style::output_style& style;
  std::string out;

  std::size_t width() const { return static_cast<std::size_t>(std::max(style.width, 20)); }

  const table_hint* table_for(std::string_view pointer, const json::value& v) const {
    if (!v.IsArray() || v.Empty()) return nullptr;
    for (const auto& e : v.GetArray())
      if (!e.IsObject()) return nullptr;
    for (const auto& h : view.tables)
      if (pointer_matches(h.array, pointer)) return &h;
    return nullptr;
  }

  static bool inline_value(const json::value& v) { return scalar(v) || (v.IsArray() && v.Empty()) || (v.IsObject() && v.ObjectEmpty()); }

  void heading(const std::string& indent, std::string_view label) {
    out += indent + style::paint(label, style::tone::bold, style) + "\n";
  }

  // `lead` (already indented and padded) then the value, wrapped under itself.
  void value_line(const std::string& lead, std::size_t lead_width, const json::value& v) {
    const bool text = v.IsString();
    const std::size_t room = width() > lead_width ? width() - lead_width : 0;
    const std::string pad(lead_width, ' ');
    bool first = true;
    for (const auto& line : printable_lines(scalar_text(v))) {
      for (const auto& part : room >= 16 ? broken(line, room) : std::vector<std::string>{line}) {
        const style::tone tone = !text ? style::tone::plain : style::status_tone(line);
        out += (first ? lead : pad) + style::paint(part, tone, style) + "\n";
        first = false;
      }
    }
  }

  void object(const json::value& v, const std::string& pointer, const std::string& indent) {
    std::size_t label_width = 0;
    const std::size_t cap = std::max<std::size_t>(12, width() / 3);
    for (const auto& m : v.GetObject())
      if (inline_value(m.value)) label_width = std::max(label_width, display::width(words(m.name.GetString())));
    label_width = std::min(label_width, cap);
    for (const auto& m : v.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      const std::string label = printable(words(key)), child = pointer_step(pointer, key);
      if (!inline_value(m.value)) {
        heading(indent, label);
        nested(m.value, child, indent + "  ");
        continue;
      }
      const std::size_t w = display::width(label);
      const std::string pad(w < label_width ? label_width - w : 0, ' ');
      value_line(indent + style::paint(label, style::tone::dim, style) + pad + "  ",
                 indent.size() + std::max(w, label_width) + 2, m.value);
    }
  }

  // An object or a non-empty array below a heading (or at the top).
  void nested(const json::value& v, const std::string& pointer, const std::string& indent) {
    if (v.IsObject()) return object(v, pointer, indent);
    if (const table_hint* h = table_for(pointer, v)) return table(v, *h, pointer, indent);
    list(v, pointer, indent);
  }

  void list(const json::value& v, const std::string& pointer, const std::string& indent) {
    std::size_t i = 0;
    for (const auto& e : v.GetArray()) {
      const std::string child = pointer + "/" + std::to_string(i++);
      if (inline_value(e)) {
        value_line(indent + "- ", indent.size() + 2, e);
        continue;
      }
      // The item's lines one step in, its first line marked with "- ".
      const std::size_t at = out.size();
      nested(e, child, indent + "  ");
      if (out.compare(at, indent.size() + 2, indent + "  ") == 0) out.replace(at, indent.size() + 2, indent + "- ");
    }
  }

  void table(const json::value& v, const table_hint& h, const std::string& pointer, const std::string& indent) {
    std::vector<std::string> keys = h.columns, nested_keys;
    const auto seen = [](const std::vector<std::string>& list, const std::string& k) {
      return std::find(list.begin(), list.end(), k) != list.end();
    };
    for (const auto& e : v.GetArray())
      for (const auto& m : e.GetObject()) {
        const std::string k(m.name.GetString(), m.name.GetStringLength());
        if (scalars(m.value)) {
          if (!seen(keys, k) && !seen(nested_keys, k)) keys.push_back(k);
        } else if (!seen(nested_keys, k)) {
          nested_keys.push_back(k);
        }
      }
    // A hinted key whose values are not all cells is shown below the table.
    std::erase_if(keys, [&](const std::string& k) { return seen(nested_keys, k); });
    table::layout t;
    t.color_status_words = true;
    for (const auto& k : keys) {
      bool numbers = true, any = false;
      for (const auto& e : v.GetArray())
        if (const json::value* c = json::find(e, k); c && !c->IsNull()) numbers &= c->IsNumber(), any = true;
      t.columns.push_back({printable(words(k)), numbers && any ? table::align::right : table::align::left, 8});
    }
    t.rows.push_back({table::row_kind::rule, {}});
    for (const auto& e : v.GetArray()) {
      table::row r;
      for (const auto& k : keys) {
        const json::value* c = json::find(e, k);
        r.cells.push_back(c ? printable(scalar_text(*c)) : std::string());
      }
      t.rows.push_back(std::move(r));
    }
    const std::size_t room = width() > indent.size() ? width() - indent.size() : 1;
    // Too narrow for the table even with its text shortened: a list loses nothing.
    if (table::narrowest_width(t) > room) return list(v, pointer, indent);
    const std::string lines = table::render(t, room, style);
    for (std::size_t at = 0; at < lines.size();) {
      const auto nl = lines.find('\n', at);
      out += indent + lines.substr(at, nl - at) + "\n";
      at = nl + 1;
    }
    details_after_table(v, keys, nested_keys, pointer, indent);
  }

  // Values that cannot be cells, one section per row, named by the row's first cell.
  void details_after_table(const json::value& v, const std::vector<std::string>& keys,
                           const std::vector<std::string>& nested_keys, const std::string& pointer,
                           const std::string& indent) {
    std::size_t i = 0;
    for (const auto& e : v.GetArray()) {
      const std::string row = pointer + "/" + std::to_string(i++);
      const json::value* first = keys.empty() ? nullptr : json::find(e, keys.front());
      const std::string name = first ? printable(scalar_text(*first)) : "#" + std::to_string(i);
      for (const auto& k : nested_keys) {
        const json::value* c = json::find(e, k);
        if (!c) continue;
        if (inline_value(*c)) {
          value_line(indent + style::paint(printable(words(k)) + " of " + name, style::tone::dim, style) + "  ",
                     indent.size() + display::width(printable(words(k)) + " of " + name) + 2, *c);
          continue;
        }
        heading(indent, printable(words(k)) + " of " + name);
        nested(*c, pointer_step(row, k), indent + "  ");
      }
    }
  }
};

}  // namespace detail

OKSTRA_INLINE std::string words(std::string_view key) {
  using namespace detail;
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const char prev = i ? key[i - 1] : '\0', next = i + 1 < key.size() ? key[i + 1] : '\0';
    if (c == '_' || c == '-') {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    const bool boundary = (upper(c) && (lower(prev) || digit(prev) || (upper(prev) && lower(next)))) ||
                          (digit(c) && lower(prev) && i >= 2 && lower(key[i - 2]));
    if (boundary && !out.empty() && out.back() != ' ') out += ' ';
    out += upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

OKSTRA_INLINE std::string render(std::string_view json_text, const hints& view, const style::output_style& style) {
  const json::document doc = json::parse(json_text, "text view");
  detail::renderer r{view, style, {}};
  if (!view.title.empty()) r.heading("", printable(view.title));
  if (detail::renderer::inline_value(doc)) r.value_line("", 0, doc);
  else r.nested(doc, "", "");
  return std::move(r.out);
}

}  // namespace okstra::text_view
