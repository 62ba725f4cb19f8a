// Tests of the transcript event reader (okstra/transcript/events.hpp) and of the
// shell-command reading BC04/BC06 rely on; part of the conformance test program
// (the rules are in conformance_test.cpp).
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "okstra/conformance/conformance.hpp"
#include "test_support.hpp"

namespace tr = okstra::transcript;
namespace cd = okstra::conformance::detail;
namespace stdfs = std::filesystem;

// This file's own names (each test program is one translation unit: tests/meson.build).
namespace conformance_reader_test {

// What a test keeps of each event (the views die with the sink call).
struct seen {
  std::uint64_t line, turn;
  tr::line_kind kind;
  bool sidechain;
  std::string message_id, uuid;
  std::vector<std::string> texts, tool_names, commands, results, statuses;
};

struct collector {
  std::vector<seen> events;
  void operator()(const tr::line_event& ev) {
    seen s{ev.line, ev.turn, ev.kind, ev.is_sidechain, std::string(ev.message_id), std::string(ev.uuid), {}, {}, {}, {}, {}};
    for (const auto& t : ev.texts) s.texts.push_back(tr::decoded(t));
    for (const auto& u : ev.tool_uses) s.tool_names.emplace_back(u.name), s.commands.emplace_back(u.input.command);
    for (const auto& r : ev.tool_results) s.results.emplace_back(r.content);
    s.statuses = {std::string(ev.result.status), std::string(ev.result.agent_id), std::string(ev.result.background_id),
                  std::string(ev.result.task_status)};
    events.push_back(std::move(s));
  }
};

std::string assistant_line(std::string_view message_id, std::string_view block, bool sidechain = false) {
  return std::string(R"({"parentUuid":null,"isSidechain":)") + (sidechain ? "true" : "false") +
         R"(,"message":{"id":")" + std::string(message_id) + R"(","type":"message","role":"assistant","content":[)" +
         std::string(block) + R"(]},"type":"assistant","uuid":"u-)" + std::string(message_id) + R"(","timestamp":"2026-11-20T09:00:00Z"})";
}

std::string user_result(std::string_view tool_use_id, std::string_view content, std::string_view tool_use_result) {
  return std::string(R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":")") + std::string(tool_use_id) +
         R"(","type":"tool_result","content":)" + std::string(content) + R"(}]},"uuid":"r","toolUseResult":)" +
         std::string(tool_use_result) + "}";
}

collector read_text(const std::string& text, std::vector<tr::diagnostic>& diagnostics, tr::read_stats* stats = nullptr) {
  collector c;
  const auto s = tr::read_events_text(text, "t.jsonl", c, diagnostics);
  if (stats) *stats = s;
  return c;
}

stdfs::path fixture(std::string_view relative) {
  const char* root = std::getenv("OKSTRA_SOURCE_ROOT");
  BOOST_REQUIRE_MESSAGE(root && *root, "OKSTRA_SOURCE_ROOT must name the source tree");
  return stdfs::path(root) / "tests/data/sessions" / relative;
}

const std::string lead_file = "claude/projects/-work-shop/6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20.jsonl";


BOOST_AUTO_TEST_SUITE(event_reader)

BOOST_AUTO_TEST_CASE(one_message_written_as_several_lines_is_one_turn) {
  const std::string text = assistant_line("msg_A", R"({"type":"text","text":"a"})") + "\n" +
                           assistant_line("msg_A", R"({"type":"tool_use","id":"t1","name":"Agent","input":{}})") + "\n" +
                           user_result("t1", R"("done")", "{}") + "\n" +  // a tool result between the lines of one message
                           assistant_line("msg_A", R"({"type":"tool_use","id":"t2","name":"Agent","input":{}})") + "\n" +
                           assistant_line("msg_B", R"({"type":"text","text":"b"})") + "\n" +
                           assistant_line("msg_A", R"({"type":"text","text":"again"})") + "\n";
  std::vector<tr::diagnostic> d;
  const collector c = read_text(text, d);
  BOOST_TEST(d.empty());
  BOOST_REQUIRE_EQUAL(c.events.size(), 6u);
  BOOST_TEST(c.events[0].turn == 1u);
  BOOST_TEST(c.events[1].turn == 1u);
  BOOST_TEST(c.events[2].turn == 0u);  // user lines have no turn
  BOOST_TEST(c.events[3].turn == 1u);
  BOOST_TEST(c.events[4].turn == 2u);
  BOOST_TEST(c.events[5].turn == 3u);  // not consecutive any more: a new turn
}

BOOST_AUTO_TEST_CASE(sidechain_lines_are_flagged_and_do_not_split_the_leads_turn) {
  const std::string text = assistant_line("msg_A", R"({"type":"text","text":"a"})") + "\n" +
                           assistant_line("msg_S", R"({"type":"text","text":"sub"})", true) + "\n" +
                           assistant_line("msg_A", R"({"type":"text","text":"b"})") + "\n";
  std::vector<tr::diagnostic> d;
  const collector c = read_text(text, d);
  BOOST_REQUIRE_EQUAL(c.events.size(), 3u);
  BOOST_TEST(c.events[1].sidechain);
  BOOST_TEST(c.events[0].turn == c.events[2].turn);
}

BOOST_AUTO_TEST_CASE(malformed_truncated_and_unknown_input_is_reported_with_its_line) {
  const std::string text = "{\"type\":\"summary\",\"summary\":\"s\",\"leafUuid\":\"x\"}\n"
                           "not json\n"
                           "\n"
                           "{\"type\":\"brand-new-line-type\",\"uuid\":\"n\"}\n" +
                           assistant_line("msg_A", R"({"type":"hologram","x":[1,{"y":"}"}]},{"type":"text","text":"kept"})") +
                           "\n{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"content\":[{\"type\":\"te";
  std::vector<tr::diagnostic> d;
  tr::read_stats stats;
  const collector c = read_text(text, d, &stats);
  BOOST_REQUIRE_EQUAL(d.size(), 3u);
  BOOST_TEST(d[0].line == 2u);
  BOOST_TEST(d[0].message == "malformed JSON line: skipped");
  BOOST_TEST(d[1].line == 5u);
  BOOST_TEST(d[1].message == "unknown content block type 'hologram': skipped");
  BOOST_TEST(d[2].line == 6u);
  BOOST_TEST(d[2].message == "truncated last line (no newline at the end): skipped");
  BOOST_TEST(d[0].file == "t.jsonl");
  BOOST_TEST(stats.lines == 6u);
  BOOST_TEST(stats.malformed == 2u);
  BOOST_TEST(stats.unknown_types == 1u);
  BOOST_TEST(stats.unknown_blocks == 1u);
  BOOST_REQUIRE_EQUAL(c.events.size(), 3u);
  BOOST_TEST((c.events[0].kind == tr::line_kind::summary));
  BOOST_TEST((c.events[1].kind == tr::line_kind::unknown));
  BOOST_TEST(c.events[2].texts == std::vector<std::string>{"kept"});
}

BOOST_AUTO_TEST_CASE(a_last_line_without_newline_that_parses_is_used) {
  std::vector<tr::diagnostic> d;
  const collector c = read_text(assistant_line("msg_A", R"({"type":"text","text":"end"})"), d);
  BOOST_TEST(d.empty());
  BOOST_REQUIRE_EQUAL(c.events.size(), 1u);
}

BOOST_AUTO_TEST_CASE(tool_use_fields_and_escapes) {
  const std::string text = assistant_line("msg_A",
      R"({"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"echo \"a\\nb\" > \/tmp\/x","run_in_background":true,"description":"d"}},)"
      R"({"type":"tool_use","id":"toolu_2","name":"Agent","input":{"subagent_type":"okstra:codex-worker","name":"codex-worker","team_name":"t","prompt":"x\n**Errors log path:** `p`","run_in_background":false}})") + "\n";
  std::vector<tr::diagnostic> d;
  struct sink {
    std::vector<std::string> got;
    void operator()(const tr::line_event& ev) {
      const auto& bash = ev.tool_uses.at(0).input;
      const auto& agent = ev.tool_uses.at(1).input;
      got = {std::string(bash.command), bash.run_in_background ? "bg" : "fg", std::string(agent.subagent_type),
             std::string(agent.name), std::string(agent.team_name), agent.run_in_background ? "bg" : "fg",
             tr::decoded(agent.prompt)};
    }
  } s;
  tr::read_events_text(text, "t.jsonl", s, d);
  BOOST_TEST(d.empty());
  BOOST_TEST(s.got == (std::vector<std::string>{"echo \"a\\nb\" > /tmp/x", "bg", "okstra:codex-worker", "codex-worker", "t", "fg",
                                               "x\n**Errors log path:** `p`"}));
}

BOOST_AUTO_TEST_CASE(tool_results_are_views_and_tool_use_results_are_summarised) {
  const std::string big(100000, 'x');
  const std::string text =
      user_result("t1", "[{\"type\":\"text\",\"text\":\"" + big + "\"}]",
                  R"({"status":"completed","agentId":"a1","totalTokens":42,"usage":{"input_tokens":1},"content":[{"type":"text","text":"x"}]})") + "\n" +
      user_result("t2", R"("Command running in background with ID: bash_3")",
                  R"({"stdout":"","stderr":"","interrupted":false,"isImage":false,"backgroundTaskId":"bash_3"})") + "\n" +
      user_result("t3", R"("<status>completed</status>")",
                  R"({"retrieval_status":"success","task":{"task_id":"a1","status":"completed"}})") + "\n" +
      user_result("t4", R"("boom")", R"("Error: agent failed")") + "\n";
  std::vector<tr::diagnostic> d;
  const collector c = read_text(text, d);
  BOOST_TEST(d.empty());
  BOOST_REQUIRE_EQUAL(c.events.size(), 4u);
  BOOST_TEST(c.events[0].results.at(0).size() == big.size() + 27);  // the raw array, as written
  BOOST_TEST(c.events[0].statuses == (std::vector<std::string>{"completed", "a1", "", ""}));
  BOOST_TEST(c.events[1].statuses == (std::vector<std::string>{"", "", "bash_3", ""}));
  BOOST_TEST(c.events[2].statuses == (std::vector<std::string>{"", "", "", "completed"}));
  BOOST_TEST(c.events[3].statuses == (std::vector<std::string>{"", "", "", ""}));
}

BOOST_AUTO_TEST_CASE(the_file_reader_agrees_with_the_text_reader_on_every_fixture) {
  for (const auto& entry : stdfs::recursive_directory_iterator(fixture(""))) {
    if (entry.path().extension() != ".jsonl") continue;
    const std::string text = okstra::fs::read_file(entry.path());
    std::vector<tr::diagnostic> from_text, from_file;
    collector a, b;
    const auto sa = tr::read_events_text(text, entry.path().string(), a, from_text);
    const auto sb = tr::read_events_file(entry.path(), b, from_file);
    BOOST_TEST(sa.lines == sb.lines, entry.path());
    BOOST_TEST(sa.events == sb.events, entry.path());
    BOOST_TEST(from_text.size() == from_file.size(), entry.path());
    for (std::size_t i = 0; i < a.events.size() && i < b.events.size(); ++i) {
      BOOST_TEST(a.events[i].uuid == b.events[i].uuid);
      BOOST_TEST(a.events[i].turn == b.events[i].turn);
    }
  }
}

BOOST_AUTO_TEST_CASE(lines_longer_than_a_chunk_and_many_diagnostics) {
  okstra::test::temp_dir dir;
  const stdfs::path file = dir.path / "long.jsonl";
  {
    std::ofstream out(file, std::ios::binary);
    out << assistant_line("msg_A", R"({"type":"text","text":"first"})") << "\n";
    out << user_result("t1", "\"" + std::string(9u << 20, 'y') + "\"", "{}") << "\n";  // 9 MiB: the buffer grows
    for (int i = 0; i < 250; ++i) out << "garbage " << i << "\n";
    out << assistant_line("msg_B", R"({"type":"text","text":"last"})");  // no final newline
  }
  std::vector<tr::diagnostic> d;
  collector c;
  const auto stats = tr::read_events_file(file, c, d);
  BOOST_TEST(stats.lines == 253u);
  BOOST_REQUIRE_EQUAL(c.events.size(), 3u);
  BOOST_TEST(c.events[1].results.at(0).size() == (9u << 20) + 2);
  BOOST_TEST(c.events[2].texts == std::vector<std::string>{"last"});
  BOOST_REQUIRE_EQUAL(d.size(), tr::max_diagnostics_per_file + 1);
  BOOST_TEST(d.front().line == 3u);
  BOOST_TEST(d.back().line == 0u);
  BOOST_TEST(d.back().message == "50 more diagnostic(s) of this file not shown");
}

BOOST_AUTO_TEST_CASE(unreadable_files_throw_input_errors) {
  okstra::test::temp_dir dir;
  std::vector<tr::diagnostic> d;
  collector c;
  try {
    tr::read_events_file(dir.path / "missing.jsonl", c, d);
    BOOST_FAIL("no error");
  } catch (const okstra::error& e) {
    BOOST_TEST((e.code() == okstra::exit_code::input));
    BOOST_TEST(std::string(e.what()).starts_with("cannot read '"));
  }
  BOOST_CHECK_THROW(tr::read_events_file(dir.path, c, d), okstra::error);
}

BOOST_AUTO_TEST_CASE(subagent_files_and_their_meta) {
  std::vector<tr::diagnostic> d;
  const auto found = tr::list_subagents(fixture("conforming/" + lead_file), d);
  BOOST_TEST(d.empty());
  BOOST_REQUIRE_EQUAL(found.size(), 3u);
  BOOST_TEST(found[0].agent_id == "a1c4e9f2");
  BOOST_TEST(found[0].agent_type == "claude-worker");
  BOOST_TEST(found[2].agent_type == "report-writer-worker");
  BOOST_TEST(tr::subagent_transcript("/p/s.jsonl", "x1") == stdfs::path("/p/s/subagents/agent-x1.jsonl"));

  okstra::test::temp_dir dir;
  stdfs::create_directories(dir.path / "s/subagents");
  std::ofstream(dir.path / "s/subagents/agent-z.jsonl") << "\n";
  std::ofstream(dir.path / "s/subagents/agent-z.meta.json") << "{not json";
  std::ofstream(dir.path / "s/subagents/notes.txt") << "x";
  const auto broken = tr::list_subagents(dir.path / "s.jsonl", d);
  BOOST_REQUIRE_EQUAL(broken.size(), 1u);
  BOOST_TEST(broken[0].agent_type.empty());
  BOOST_REQUIRE_EQUAL(d.size(), 1u);
  BOOST_TEST(d[0].message.starts_with("unusable subagent meta file: malformed JSON"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(shell_commands)

BOOST_AUTO_TEST_CASE(programs_are_found_past_quotes_wrappers_and_substitutions) {
  const auto facts = [](std::string_view command) { return cd::analyse_shell(command); };
  BOOST_TEST(facts("~/.okstra/bin/okstra-codex-exec.sh --prompt-file p").codex_wrapper);
  BOOST_TEST(facts("sh /opt/okstra/okstra-gemini-exec.sh -x").gemini_wrapper);
  BOOST_TEST(facts("codex exec --full-auto 'fix it'").direct_codex);
  BOOST_TEST(facts("codex e hi").direct_codex);
  BOOST_TEST(facts("codex --model gpt-5 exec hi").direct_codex);
  BOOST_TEST(facts("FOO=1 env BAR=2 timeout 10m nohup codex exec x &").direct_codex);
  BOOST_TEST(facts("cd /w && /usr/local/bin/codex exec x | tee log").direct_codex);
  BOOST_TEST(facts("out=$(codex exec \"q\")").direct_codex);
  BOOST_TEST(facts("bash -lc 'codex exec q'").direct_codex);
  BOOST_TEST(facts("npx -y @openai/codex@0.40.0 exec q").direct_codex);
  BOOST_TEST(facts("gemini -p 'review'").direct_gemini);
  BOOST_TEST(facts("x=1; gemini").direct_gemini);
  BOOST_TEST(facts("npx @google/gemini-cli -p q").direct_gemini);

  BOOST_TEST(!facts("codex login").direct_codex);
  BOOST_TEST(!facts("echo \"codex exec is not allowed\"").direct_codex);
  BOOST_TEST(!facts("grep -r gemini src/ # gemini").direct_gemini);
  BOOST_TEST(!facts("cat > notes.md <<'EOF'\ncodex exec x\ngemini\nEOF\nls").direct_codex);
  BOOST_TEST(!facts("cat > notes.md <<'EOF'\ncodex exec x\ngemini\nEOF\nls").direct_gemini);
  BOOST_TEST(!facts("ls okstra-codex-exec.sh.bak").codex_wrapper);
  BOOST_TEST(!facts("").direct_codex);
}

BOOST_AUTO_TEST_CASE(writes_to_a_file_are_found) {
  const auto writes = [](std::string_view command) {
    return cd::shell_writes(command, [](std::string_view w) { return w.ends_with("reports/final.md"); });
  };
  BOOST_TEST(writes("echo x > /r/reports/final.md"));
  BOOST_TEST(writes("echo x >>reports/final.md"));
  BOOST_TEST(writes("cat > /r/reports/final.md <<'EOF'\n# Report\nEOF"));
  BOOST_TEST(writes("render | tee -a /r/reports/final.md"));
  BOOST_TEST(writes("cp draft.md /r/reports/final.md"));
  BOOST_TEST(writes("sed -i 's/a/b/' /r/reports/final.md"));
  BOOST_TEST(writes("sh -c 'echo x > /r/reports/final.md'"));
  BOOST_TEST(!writes("cat /r/reports/final.md"));
  BOOST_TEST(!writes("cp /r/reports/final.md /tmp/copy.md"));
  BOOST_TEST(!writes("grep x /r/reports/final.md > /tmp/hits"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace conformance_reader_test
