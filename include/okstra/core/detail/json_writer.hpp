// The JSON writer behind okstra::json::writer. Include okstra/core/json.hpp.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/detail/rapidjson_config.hpp"
#include "okstra/core/utf8.hpp"

namespace okstra::json {

// Streams JSON into a string in call order. Pretty output indents by two
// spaces (like `json.dumps(indent=2)`); compact output is one line.
class writer {
 public:
  explicit writer(bool pretty = true) : pretty_(pretty) {}

  writer& begin_object() { return open('{'); }
  writer& end_object() { return close('}'); }
  writer& begin_array() { return open('['); }
  writer& end_array() { return close(']'); }

  writer& key(std::string_view name) {
    separate();
    write_string(name);
    out_ += pretty_ ? ": " : ":";
    after_key_ = true;
    return *this;
  }

  writer& value(std::string_view s) { return separate(), write_string(s), *this; }
  writer& value(const char* s) { return value(std::string_view(s)); }
  writer& value(const std::string& s) { return value(std::string_view(s)); }
  writer& value(bool b) { return separate(), out_ += b ? "true" : "false", *this; }
  writer& value(int i) { return integer(static_cast<long long>(i)); }
  writer& value(long i) { return integer(static_cast<long long>(i)); }
  writer& value(long long i) { return integer(i); }
  writer& value(unsigned i) { return integer(static_cast<unsigned long long>(i)); }
  writer& value(unsigned long i) { return integer(static_cast<unsigned long long>(i)); }
  writer& value(unsigned long long i) { return integer(i); }
  writer& value(double d) {
    separate();
    if (!std::isfinite(d)) return out_ += "null", *this;
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, d);
    out_.append(buf, r.ptr);
    return *this;
  }
  writer& null() { return separate(), out_ += "null", *this; }

  // Writes a parsed RapidJSON value (depth is bounded by the parser).
  writer& value(const rapidjson::Value& v) {
    switch (v.GetType()) {
      case rapidjson::kNullType: return null();
      case rapidjson::kFalseType: return value(false);
      case rapidjson::kTrueType: return value(true);
      case rapidjson::kStringType: return value(std::string_view(v.GetString(), v.GetStringLength()));
      case rapidjson::kNumberType:
        if (v.IsInt64()) return integer(static_cast<long long>(v.GetInt64()));
        if (v.IsUint64()) return integer(static_cast<unsigned long long>(v.GetUint64()));
        return value(v.GetDouble());
      case rapidjson::kArrayType:
        begin_array();
        for (const auto& item : v.GetArray()) value(item);
        return end_array();
      case rapidjson::kObjectType:
        begin_object();
        for (const auto& m : v.GetObject()) {
          key(std::string_view(m.name.GetString(), m.name.GetStringLength()));
          value(m.value);
        }
        return end_object();
    }
    return *this;
  }

  template <class T>
  writer& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& str() const& { return out_; }
  std::string str() && { return std::move(out_); }

 private:
  struct frame {
    char closer;
    std::size_t count;
  };

  template <class Int>
  writer& integer(Int i) {
    separate();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, i);
    out_.append(buf, r.ptr);
    return *this;
  }

  void newline_indent(std::size_t depth) {
    out_ += '\n';
    out_.append(depth * 2, ' ');
  }

  // Emits the comma/newline that precedes a new element of the open container.
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (stack_.empty()) return;
    if (stack_.back().count++ > 0) out_ += ',';
    if (pretty_) newline_indent(stack_.size());
  }

  writer& open(char c) {
    separate();
    out_ += c;
    stack_.push_back({c == '{' ? '}' : ']', 0});
    return *this;
  }

  writer& close(char c) {
    const bool had_items = !stack_.empty() && stack_.back().count > 0;
    if (!stack_.empty()) stack_.pop_back();
    if (pretty_ && had_items) newline_indent(stack_.size());
    out_ += c;
    return *this;
  }

  void write_string(std::string_view s) {
    if (!utf8::is_valid(s)) {
      const std::string repaired = utf8::sanitize(s);
      return write_string(repaired);
    }
    static constexpr char hex[] = "0123456789abcdef";
    out_ += '"';
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        default:
          out_ += "\\u00";
          out_ += hex[c >> 4];
          out_ += hex[c & 0xF];
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
  }

  bool pretty_;
  bool after_key_ = false;
  std::vector<frame> stack_;
  std::string out_;
};

}  // namespace okstra::json
