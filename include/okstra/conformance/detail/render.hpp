// A conformance report as JSON, text or JUnit XML, for
// okstra/conformance/conformance.hpp (include that header instead).
#pragma once

#include "okstra/core/api.hpp"

#include "okstra/core/display_width.hpp"
#include "okstra/core/json.hpp"
#include "okstra/core/style.hpp"
#include "okstra/core/utf8.hpp"

namespace okstra::conformance {

OKSTRA_INLINE std::size_t report::errors() const {
  std::size_t n = 0;
  for (const auto& r : results)
    if (r.rule->level == severity::error) n += r.violations.size();
  return n;
}

OKSTRA_INLINE std::size_t report::warnings() const {
  std::size_t n = 0;
  for (const auto& r : results)
    if (r.rule->level == severity::warning) n += r.violations.size();
  return n;
}

namespace detail {

inline std::string_view severity_name(severity s) { return s == severity::error ? "error" : "warning"; }

inline std::string_view status_name(rule_status s) {
  switch (s) {
    case rule_status::pass: return "pass";
    case rule_status::fail: return "fail";
    case rule_status::skip: return "skip";
  }
  return "skip";
}

inline void optional_text(json::writer& w, std::string_view key, const std::string& value) {
  w.key(key);
  value.empty() ? w.null() : w.value(value);
}

inline std::string where(const std::string& file, std::optional<std::uint64_t> line) {
  return line ? file + ":" + std::to_string(*line) : file;
}

inline std::string counts(const report& r) {
  const auto plural = [](std::size_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
  };
  return plural(r.errors(), "error") + ", " + plural(r.warnings(), "warning");
}

// Text for XML: valid UTF-8, characters XML 1.0 cannot hold shown as \xHH,
// markup characters escaped; in an attribute also quotes and line breaks.
inline std::string xml_escaped(std::string_view raw, bool attribute = true) {
  const std::string text = utf8::sanitize(raw);
  std::string out;
  out.reserve(text.size());
  static constexpr char hex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (attribute && c == '"') out += "&quot;";
    else if (attribute && (c == '\n' || c == '\t' || c == '\r')) out.append("&#").append(std::to_string(b)).append(";");
    else if (b < 0x20 && c != '\n' && c != '\t' && c != '\r') out.append("\\x").append(1, hex[b >> 4]).append(1, hex[b & 0xF]);
    else if (b == 0x7F) out += "\\x7f";
    else out += c;
  }
  return out;
}

inline std::string violation_line(const violation& v) {
  std::string line = where(v.file, v.line);
  if (!v.uuid.empty()) line += " (uuid " + v.uuid + (v.timestamp.empty() ? "" : ", " + v.timestamp) + ")";
  return line + ": " + v.message;
}

}  // namespace detail

OKSTRA_INLINE std::string to_json(const report& r, bool pretty) {
  json::writer w(pretty);
  w.begin_object().field("session", r.session).key("runDir");
  r.run_dir ? w.value(*r.run_dir) : w.null();
  w.field("conforms", r.conforms()).key("summary").begin_object();
  w.field("errors", r.errors()).field("warnings", r.warnings()).end_object();
  w.key("rules").begin_array();
  for (const rule_result& res : r.results) {
    w.begin_object().field("id", res.rule->id).field("name", res.rule->name);
    w.field("severity", detail::severity_name(res.rule->level)).field("status", detail::status_name(res.status));
    w.key("violations").begin_array();
    for (const violation& v : res.violations) {
      w.begin_object().field("file", v.file).key("line");
      v.line ? w.value(static_cast<unsigned long long>(*v.line)) : w.null();
      detail::optional_text(w, "uuid", v.uuid);
      detail::optional_text(w, "timestamp", v.timestamp);
      w.field("message", v.message).end_object();
    }
    w.end_array();
    detail::optional_text(w, "reason", res.status == rule_status::skip ? res.skip_reason : std::string());
    w.end_object();
  }
  w.end_array().key("diagnostics").begin_array();
  for (const auto& d : r.diagnostics) {
    w.begin_object().field("file", d.file).key("line");
    d.line ? w.value(static_cast<unsigned long long>(d.line)) : w.null();
    w.field("message", d.message).end_object();
  }
  w.end_array();
  detail::optional_text(w, "runDirSource", r.run_dir_source);
  w.end_object();
  return std::move(w).str();
}

// Lines wider than style.width are wrapped, status words coloured only when
// style.color (docs/cli.md, "Terminal width and colour").
OKSTRA_INLINE std::string to_text(const report& r, const style::output_style& style) {
  const auto status = [&](std::string_view word) { return style::paint(word, style::status_tone(word), style); };
  std::string out = "session: " + r.session + "\nrun dir: " + (r.run_dir ? *r.run_dir : "none");
  if (r.run_dir && r.run_dir_source == "inferred") out += " (inferred from the dispatch prompts' **Result path:**)";
  out += '\n';
  for (const rule_result& res : r.results) {
    out.append(res.rule->id).append(" ").append(status(detail::status_name(res.status))).append(" [");
    out.append(detail::severity_name(res.rule->level)).append("] ").append(res.rule->name).append(": ");
    out.append(res.rule->summary);
    if (res.status == rule_status::skip) out.append(" (skipped: ").append(res.skip_reason).append(")");
    out += '\n';
    for (const violation& v : res.violations) out.append("  - ").append(detail::violation_line(v)).append("\n");
  }
  if (!r.diagnostics.empty()) {
    out += "diagnostics:\n";
    for (const auto& d : r.diagnostics)
      out.append("  - ").append(detail::where(d.file, d.line ? std::optional(d.line) : std::nullopt)).append(": ").append(d.message).append("\n");
  }
  const std::string verdict = r.conforms() ? "conforms" : "does not conform";
  out.append("result: ").append(style::paint(verdict, r.conforms() ? style::tone::green : style::tone::red, style));
  out.append(" (").append(detail::counts(r)).append(")");
  return display::fit(utf8::sanitize(out), static_cast<std::size_t>(style.width));
}

// JUnit XML in the shape of the Jenkins/Ant schema (tests/data/junit/junit.xsd):
// one testsuite, one testcase per rule. An error rule that failed has a
// <failure>; a warning rule's violations go to the testcase's <system-out>
// (they never fail a build, as they never fail the exit status); a skipped rule
// has <skipped>; transcript diagnostics go to the suite's <system-err>.
OKSTRA_INLINE std::string to_junit(const report& r) {
  using detail::xml_escaped;
  std::size_t failures = 0, skipped = 0;
  for (const rule_result& res : r.results) {
    failures += res.status == rule_status::fail && res.rule->level == severity::error;
    skipped += res.status == rule_status::skip;
  }
  const std::string tests = std::to_string(r.results.size());
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"okstra-validate-session\" tests=\"" + tests + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"0\">\n";
  out += "  <testsuite name=\"okstra-validate-session\" tests=\"" + tests + "\" failures=\"" + std::to_string(failures) +
         "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"0\">\n";
  out += "    <properties>\n      <property name=\"session\" value=\"" + xml_escaped(r.session) + "\"/>\n";
  out += "      <property name=\"runDir\" value=\"" + xml_escaped(r.run_dir ? *r.run_dir : "") + "\"/>\n";
  out += "      <property name=\"runDirSource\" value=\"" + xml_escaped(r.run_dir_source) + "\"/>\n    </properties>\n";
  for (const rule_result& res : r.results) {
    out += "    <testcase classname=\"okstra.conformance\" name=\"" + xml_escaped(std::string(res.rule->id) + " " +
                                                                         std::string(res.rule->name)) + "\" time=\"0\"";
    std::string details;
    for (const violation& v : res.violations) details += xml_escaped(detail::violation_line(v), false) + "\n";
    if (res.status == rule_status::pass) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (res.status == rule_status::skip) {
      out += "      <skipped message=\"" + xml_escaped(res.skip_reason) + "\"/>\n";
    } else if (res.status == rule_status::fail && res.rule->level == severity::error) {
      out += "      <failure type=\"" + std::string(res.rule->id) + "\" message=\"" +
             xml_escaped(std::to_string(res.violations.size()) + " violation(s): " + std::string(res.rule->summary)) +
             "\">" + details + "</failure>\n";
    } else if (!res.violations.empty()) {
      out += "      <system-out>warning: " + xml_escaped(res.rule->summary, false) + "\n" + details + "</system-out>\n";
    }
    out += "    </testcase>\n";
  }
  if (!r.diagnostics.empty()) {
    out += "    <system-err>";
    for (const auto& d : r.diagnostics)
      out += xml_escaped(detail::where(d.file, d.line ? std::optional(d.line) : std::nullopt) + ": " + d.message, false) + "\n";
    out += "</system-err>\n";
  }
  out += "  </testsuite>\n</testsuites>";
  return out;
}

}  // namespace okstra::conformance
