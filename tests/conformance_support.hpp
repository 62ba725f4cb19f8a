// tests/conformance_support.hpp — what the conformance test files share: a
// lead transcript written as Claude Code writes it, tool-use blocks, the
// fixture runs of tests/data/sessions/ and a copy of the conforming one.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "okstra/conformance/conformance.hpp"
#include "okstra/core/json.hpp"
#include "test_support.hpp"

namespace conformance_support {

namespace cf = okstra::conformance;
namespace stdfs = std::filesystem;
using ids = std::set<std::string>;


inline std::string quoted_json(std::string_view s) { return okstra::json::writer(false).value(s).str(); }

// A lead transcript, written as Claude Code does: one line per content block.
struct lead {
  std::vector<std::string> lines;

  lead& turn(std::string_view message_id, const std::vector<std::string>& blocks) {
    for (const auto& b : blocks)
      lines.push_back(R"({"parentUuid":null,"isSidechain":false,"message":{"id":")" + std::string(message_id) +
                      R"(","type":"message","role":"assistant","content":[)" + b + R"(]},"type":"assistant","uuid":"u)" +
                      std::to_string(lines.size() + 1) + R"(","timestamp":"2026-11-20T09:00:00Z"})");
    return *this;
  }
  lead& result(std::string_view tool_use_id, std::string_view tool_use_result, bool is_error = false,
               std::string_view content = R"("ok")") {
    lines.push_back(R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":")" + std::string(tool_use_id) +
                    R"(","type":"tool_result","content":)" + std::string(content) + (is_error ? R"(,"is_error":true)" : "") +
                    R"(}]},"uuid":"u)" + std::to_string(lines.size() + 1) + R"(","toolUseResult":)" +
                    std::string(tool_use_result) + "}");
    return *this;
  }
  lead& user_text(std::string_view text) {
    lines.push_back(R"({"type":"user","message":{"role":"user","content":)" + quoted_json(text) + R"(},"uuid":"u)" +
                    std::to_string(lines.size() + 1) + "\"}");
    return *this;
  }
  std::string text() const {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

inline std::string say(std::string_view text) { return R"({"type":"text","text":)" + quoted_json(text) + "}"; }

inline const std::string both_markers = "**Errors log path:** `e.log`\n**Errors sidecar path:** `e.json`";

inline std::string agent(std::string_view id, std::string_view type, std::string_view name, std::string_view extra = R"(,"team_name":"t")",
                  std::string_view prompt = both_markers) {
  return R"({"type":"tool_use","id":")" + std::string(id) + R"(","name":"Agent","input":{"description":"d","prompt":)" +
         quoted_json(prompt) + R"(,"subagent_type":")" + std::string(type) + "\"" +
         (name.empty() ? "" : R"(,"name":")" + std::string(name) + "\"") + std::string(extra) + "}}";
}

inline std::string tool(std::string_view id, std::string_view name, std::string_view input) {
  return R"({"type":"tool_use","id":")" + std::string(id) + R"(","name":")" + std::string(name) + R"(","input":)" +
         std::string(input) + "}";
}

inline std::string bash(std::string_view id, std::string_view command, bool background) {
  return tool(id, "Bash", R"({"command":)" + quoted_json(command) + (background ? R"(,"run_in_background":true})" : "}"));
}

inline const std::string completed = R"({"status":"completed","agentId":"a1"})";

inline cf::rule_set only(std::string_view id) { return cf::select_rules({std::string(id)}, {}); }

inline const cf::rule_result& result_of(const cf::report& r, std::string_view id) {
  for (const auto& res : r.results)
    if (res.rule->id == id) return res;
  BOOST_FAIL("rule " << id << " not in the report");
  return r.results.front();
}

inline std::vector<std::string> messages(const cf::report& r, std::string_view id) {
  std::vector<std::string> out;
  for (const auto& v : result_of(r, id).violations) out.push_back(v.message);
  return out;
}

inline ids failing(const cf::report& r) {
  ids out;
  for (const auto& res : r.results)
    if (res.status == cf::rule_status::fail) out.insert(std::string(res.rule->id));
  return out;
}

inline stdfs::path sessions_dir() {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  BOOST_REQUIRE_MESSAGE(root && *root, "OKSTRA_SOURCE_ROOT must name the source tree");
  return stdfs::path(root) / "tests/data/sessions";
}

inline const std::string session_file = "claude/projects/-work-shop/6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20.jsonl";
inline const std::string run_dir = "task/runs/error-analysis";

inline cf::report check_case(const stdfs::path& dir, cf::rule_set rules = {}) {
  cf::request req;
  req.session = dir / session_file;
  req.run_dir = dir / run_dir;
  req.rules = rules;
  return cf::check(req);
}

// A copy of the conforming fixture, for variations of its run or transcript.
struct run_copy {
  okstra::test::temp_dir tmp;
  stdfs::path dir = tmp.path / "case";
  run_copy() { stdfs::copy(sessions_dir() / "conforming", dir, stdfs::copy_options::recursive); }
  stdfs::path run() const { return dir / run_dir; }
  void write(const stdfs::path& relative, std::string_view content) const { std::ofstream(dir / relative) << content; }
  cf::report check_lead(const lead& l, cf::rule_set rules = {}) const {
    write("lead.jsonl", l.text());
    cf::request req;
    req.session = dir / "lead.jsonl";
    req.run_dir = run();
    req.rules = rules;
    return cf::check(req);
  }
};

inline okstra::exit_code code_of(const cf::request& req) {
  try {
    cf::check(req);
  } catch (const okstra::error& e) {
    return e.code();
  }
  return okstra::exit_code::ok;
}

}  // namespace conformance_support
