#!/usr/bin/env python3
"""Writes a synthetic, realistic corpus of coding-agent logs for okstra-usage.

    gen_usage_corpus.py --out DIR [--seed N] [--claude-mb 1100] [--codex-mb 220]
                        [--files 3000] [--big-files K] [--gemini-sessions 4]
                        [--single-file-mb 2048] [--start 2026-09-01] [--days 90] [--jobs N]
    gen_usage_corpus.py append --seed N [--bytes 1048576] FILE...

Layout under DIR (each root is what the tools' environment variables name):
    claude/projects/<project>/<session>.jsonl                    CLAUDE_CONFIG_DIR=DIR/claude
    claude/projects/<project>/<session>/subagents/agent-<id>.jsonl (+ .meta.json)
    codex/sessions/YYYY/MM/DD/rollout-<ts>-<uuid>.jsonl          CODEX_HOME=DIR/codex
    codex/archived_sessions/rollout-<ts>-<uuid>.jsonl
    gemini/tmp/<hash>/chats/session-*.json (+ one .jsonl)        GEMINI_DIR=DIR/gemini
                                                                 (ccusage: GEMINI_DATA_DIR=DIR/gemini/tmp)
    expected.json   the totals written, counted once per message by the de-duplication rules,
                    in okstra's normalisation (see bench/README.md); fastMessages (Claude) and
                    priorityMessages (Codex) count the messages billed at those tiers

Models are current ids; a share of Claude opus-4-6/4-7 messages are in fast mode
(`"speed":"fast"` in message.usage) and some Codex sessions switch to priority processing with a
thread_settings_applied event, in the shapes ccusage 20.0.24 reads (bench/README.md).

--start and --days move the period sessions start in (UTC; default the 90 days from 2026-09-01),
e.g. `--start 2025-09-01 --days 365` for a year of history before the default corpus; prices
dated inside an earlier period may differ between okstra and ccusage (bench/README.md).

--single-file-mb writes one Claude session file of that size instead (the peak-RSS test).
`append` adds about --bytes of new, valid Claude Code lines (new message ids) to each FILE (a
main session file of a corpus) and prints the tokens it added as JSON.

Deterministic: the same arguments and --seed give byte-identical files, whatever --jobs is.
Python 3 standard library only. Every line is compact JSON, as Claude Code and Codex write it.
"""

import argparse
import calendar
import json
import math
import os
import random
import shutil
import sys
import time

MB = 1024 * 1024
# Current model ids, each priced offline by ccusage 20.0.24 at the same base rates as okstra's
# price source (bench/README.md "Costs"), so the cost cross-check compares like with like.
CLAUDE_MODELS = ("claude-opus-4-7", "claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5-20251001")
CLAUDE_WEIGHTS = (35, 15, 35, 15)
CLAUDE_SUBAGENT_MODEL = "claude-haiku-4-5-20251001"
# Claude Code's fast mode (`"speed":"fast"` in message.usage) exists only for these models; both
# tools bill it at 6x. On other models ccusage ignores it, so the corpus never writes it there.
CLAUDE_FAST_MODELS = ("claude-opus-4-7", "claude-opus-4-6")
CODEX_MODELS = ("gpt-5.5", "gpt-5.4", "gpt-5.3-codex")
CODEX_WEIGHTS = (50, 30, 20)
# Codex priority processing (thread_settings_applied with service_tier "priority" or "fast"):
# only on models both tools give a priority multiplier (gpt-5.5 2.5x, gpt-5.4 and gpt-5.3-codex
# 2x). No "flex": ccusage bills it as standard, okstra at the flex discount.
CODEX_PRIORITY_VALUES = ("priority", "fast")
GEMINI_MODELS = ("gemini-3.1-pro-preview", "gemini-2.5-pro", "gemini-3-flash-preview")
# 2026-09-01T00:00:00Z; timestamps fall in Sep..Nov 2026, after every dated price change of the
# models above (a price looked up by date must be the current one in both tools). --start and
# --days replace both before any session is written (the worker processes are forked after).
EPOCH0 = 1788220800
SPAN_DAYS = 90
# Bumped when the content changes in a way a kept corpus must not miss (2: current models, fast
# mode, Codex priority); usage_crosscheck.sh regenerates its default corpus on a different one.
CORPUS_FORMAT = 2


def dumps(o):
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


# ---- shared text pools (built once from a fixed seed) -------------------------------------------

WORDS = (
    "the a of to in is and for that this with on be it as are by from at or an not we can if "
    "function return const let var import export class struct template typename namespace std "
    "auto void int size_t string vector map unordered_map optional span view error result value "
    "file path line column buffer parse scan token usage cache read write input output model "
    "session request message assistant user tool result content text thinking signature "
    "fix bug test build meson ninja cmake make python node npm cargo git commit branch merge "
    "TODO FIXME NOTE okstra claude codex gemini worker lead report run team agent "
    "src/main.cpp include/okstra/core/json.hpp tests/cli/front_end.sh docs/usage.md "
    "==> --> => -> :: && || != == <= >= += -= () {} [] <> ; , . : ? ! @ # $ % ^ & * - + = / "
    "éàü ñ → ✓ ✗ … — 한국어 日本語 中文 😀"
).split()
SNIPPETS = (
    '{"id": null, "usage": {"input_tokens": 5, "output_tokens": 7}, "model": null}',
    '"usage":{"input_tokens":1,"output_tokens":2}',
    'if (x != nullptr) { return std::string_view{buf, n}; }',
    '$ ninja -C build\n[1/12] Compiling C++ object tests/core_test.p/core_test.cpp.o',
    'Traceback (most recent call last):\n  File "x.py", line 3, in <module>\n    main()',
    '\t\tconst auto it = index.find(key);\r\n',
    '{"type":"assistant","requestId":"req_x","timestamp":"2025-10-01T00:00:00.000Z"}',
    'C:\\Users\\dev\\project\\file.txt',
    '<system-reminder>\nThe file was modified.\n</system-reminder>',
)


def build_pools(seed=20250901):
    rng = random.Random(seed)
    words = rng.choices(WORDS, k=600000)
    for i in range(0, len(words), 17):  # line breaks and indentation
        words[i] = "\n" + "  " * (i % 4) + words[i]
    for i in range(0, len(words), 251):  # code, JSON and paths quoted in the text
        words[i] = rng.choice(SNIPPETS)
    text = " ".join(words)
    b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    b64 = "".join(rng.choices(b64chars, k=MB))
    return text, b64


TEXT, B64 = build_pools()
ALNUM = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def text(rng, n):
    n = max(1, int(n))
    if n >= len(TEXT):
        return (TEXT * (n // len(TEXT) + 1))[:n]
    s = rng.randrange(len(TEXT) - n)
    return TEXT[s:s + n]


def b64(rng, n):
    s = rng.randrange(len(B64) - n)
    return B64[s:s + n]


def b58(rng, n):
    return "".join(rng.choices(ALNUM, k=n))


def uuid(rng):
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-a%s-%s" % (h[0:8], h[8:12], h[13:16], h[17:20], h[20:32])


def iso(ms):
    s, m = divmod(ms, 1000)
    t = time.gmtime(s)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour,
                                                    t.tm_min, t.tm_sec, m)


def lognormal_sizes(rng, count, total, median, cap, floor=2048):
    """count sizes with the given median whose sum is about total (sigma found by bisection)."""
    if count <= 0:
        return []
    median = min(median, 0.7 * total / count)
    zs = sorted(rng.gauss(0.0, 1.0) for _ in range(count))
    zs = [z - zs[count // 2] for z in zs]  # exact median
    rng.shuffle(zs)

    def total_for(sigma):
        return sum(min(cap, max(floor, median * math.exp(sigma * z))) for z in zs)

    lo, hi = 0.0, 4.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if total_for(mid) < total:
            lo = mid
        else:
            hi = mid
    return [int(min(cap, max(floor, median * math.exp(lo * z)))) for z in zs]


def zero_totals():
    return {"input": 0, "output": 0, "cacheWrite5m": 0, "cacheWrite1h": 0, "cacheRead": 0,
            "reasoning": 0, "messages": 0}


def add_totals(a, b):
    for k, v in b.items():
        a[k] = a.get(k, 0) + v
    return a


# ---- Claude Code ---------------------------------------------------------------------------------

class ClaudeWriter:
    """Writes one Claude Code JSONL file (main session or subagent) up to a size target."""

    def __init__(self, rng, path, session, cwd, version, branch, model, start_ms, agent_id=None,
                 big=False):
        self.rng = rng
        self.path = path
        self.session = session
        self.cwd = cwd
        self.version = version
        self.branch = branch
        self.model = model
        self.ms = start_ms
        self.agent_id = agent_id
        self.side = agent_id is not None
        self.big = big
        self.parent = None
        self.buf = []
        self.size = 0
        self.written = 0
        self.fh = None
        self.totals = zero_totals()
        self.messages = []  # (id, usage) of counted assistant messages
        self.ctx = rng.randint(12000, 22000)
        self.one_hour = rng.random() < 0.25
        self.fast = False  # fast mode, toggled (/fast) between prompts where the model has it
        self.spawns = []  # agent ids of Task calls
        self.target = 0

    # -- output
    def emit(self, obj):
        line = dumps(obj)
        self.buf.append(line)
        self.size += len(line) + 1
        if self.size - self.written > 8 * MB:
            self.flush()

    def flush(self):
        if self.fh is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self.fh = open(self.path, "w", encoding="utf-8", newline="\n")
        if self.buf:
            self.fh.write("\n".join(self.buf))
            self.fh.write("\n")
            self.buf = []
            self.written = self.size

    def close(self):
        self.flush()
        self.fh.close()
        self.size = os.path.getsize(self.path)  # bytes (the text may hold non-ASCII)

    # -- pieces
    def n(self, lo, hi):
        """A text length in [lo, hi], kept within what is left of the size target."""
        return min(self.rng.randint(lo, hi), max(40, (self.target - self.size) // 2))

    def tick(self, lo=1, hi=20):
        self.ms += self.rng.randint(lo * 1000, hi * 1000) + self.rng.randrange(1000)
        return iso(self.ms)

    def base(self):
        d = {"parentUuid": self.parent, "isSidechain": self.side, "userType": "external",
             "cwd": self.cwd, "sessionId": self.session, "version": self.version,
             "gitBranch": self.branch}
        if self.agent_id:
            d["agentId"] = self.agent_id
        return d

    def user_prompt(self, content=None):
        u = uuid(self.rng)
        d = self.base()
        d["type"] = "user"
        d["message"] = {"role": "user", "content": content or text(self.rng, self.n(40, 2500))}
        d["uuid"] = u
        d["timestamp"] = self.tick(5, 300)
        self.emit(d)
        self.parent = u

    def usage(self):
        rng = self.rng
        r = rng.random()
        inp = rng.randint(1, 12) if r < 0.7 else rng.randint(13, 600) if r < 0.95 else rng.randint(600, 25000)
        cc = rng.randint(0, 4000) if rng.random() < 0.85 else rng.randint(4000, 40000)
        if self.ctx > 170000:
            self.ctx = rng.randint(15000, 30000)  # compaction
            self.system_line("compact_boundary")
        cr = self.ctx if rng.random() < 0.97 else 0
        self.ctx += cc + rng.randint(0, 3000)
        out = int(math.exp(rng.uniform(0.0, 8.3)))
        if self.one_hour:
            c1 = cc if rng.random() < 0.8 else rng.randint(0, cc)
        else:
            c1 = 0 if rng.random() < 0.95 else rng.randint(0, cc)
        u = {"input_tokens": inp, "cache_creation_input_tokens": cc, "cache_read_input_tokens": cr,
             "cache_creation": {"ephemeral_5m_input_tokens": cc - c1, "ephemeral_1h_input_tokens": c1},
             "output_tokens": out, "service_tier": "standard"}
        if self.fast:
            u["speed"] = "fast"
        return u

    def count(self, msg_id, u):
        t = self.totals
        t["input"] += u["input_tokens"]
        t["output"] += u["output_tokens"]
        t["cacheWrite5m"] += u["cache_creation"]["ephemeral_5m_input_tokens"]
        t["cacheWrite1h"] += u["cache_creation"]["ephemeral_1h_input_tokens"]
        t["cacheRead"] += u["cache_read_input_tokens"]
        t["messages"] += 1
        if u.get("speed") == "fast":
            t["fastMessages"] = t.get("fastMessages", 0) + 1
        self.messages.append((msg_id, u))

    def tool_block(self):
        rng = self.rng
        tid = "toolu_01" + b58(rng, 22)
        r = rng.random()
        if r < 0.35:
            name, inp = "Bash", {"command": text(rng, rng.randint(10, 200)), "description": text(rng, 40)}
        elif r < 0.6:
            name, inp = "Read", {"file_path": self.cwd + "/src/" + b58(rng, 8) + ".cpp"}
        elif r < 0.75:
            name, inp = "Edit", {"file_path": self.cwd + "/src/" + b58(rng, 8) + ".hpp",
                                 "old_string": text(rng, self.n(50, 3000)),
                                 "new_string": text(rng, self.n(50, 3000))}
        elif r < 0.83:
            name, inp = "Grep", {"pattern": text(rng, 12), "path": self.cwd, "output_mode": "content"}
        elif r < 0.9:
            name, inp = "Write", {"file_path": self.cwd + "/docs/" + b58(rng, 6) + ".md",
                                  "content": text(rng, self.n(500, 12000))}
        elif r < 0.96 or self.side:
            name, inp = "TodoWrite", {"todos": [{"content": text(rng, 60), "status": "pending",
                                                 "activeForm": text(rng, 50)} for _ in range(rng.randint(2, 8))]}
        else:
            name = "Task"
            inp = {"description": text(rng, 40), "prompt": text(rng, self.n(200, 3000)),
                   "subagent_type": rng.choice(("general-purpose", "Explore", "Plan"))}
        return {"type": "tool_use", "id": tid, "name": name, "input": inp}

    def assistant_call(self):
        """One API response: one line per content block, repeating the usage."""
        rng = self.rng
        model = self.model
        msg_id = "msg_01" + b58(rng, 22)
        req_id = "req_011CU" + b58(rng, 18)
        blocks = []
        if rng.random() < 0.3:
            blocks.append({"type": "thinking", "thinking": text(rng, self.n(100, 4000)),
                           "signature": b64(rng, rng.randint(200, 1200))})
        if rng.random() < 0.7 or not blocks:
            blocks.append({"type": "text", "text": text(rng, self.n(20, 3000))})
        tools = []
        if rng.random() < 0.65:
            for _ in range(1 if rng.random() < 0.8 else rng.randint(2, 3)):
                tools.append(self.tool_block())
        blocks += tools
        final = self.usage()
        streaming = len(blocks) > 1 and rng.random() < 0.4
        ts = self.tick(2, 40)
        for i, block in enumerate(blocks):
            last = i == len(blocks) - 1
            u = final
            if streaming and not last:
                u = dict(final)
                u["output_tokens"] = rng.randint(1, final["output_tokens"])
            d = self.base()
            d["message"] = {"model": model, "id": msg_id, "type": "message", "role": "assistant",
                            "content": [block],
                            "stop_reason": ("tool_use" if tools else "end_turn") if last else None,
                            "stop_sequence": None, "usage": u}
            d["requestId"] = req_id
            d["type"] = "assistant"
            u8 = uuid(rng)
            d["uuid"] = u8
            d["timestamp"] = ts if i == 0 or rng.random() < 0.5 else self.tick(0, 2)
            self.emit(d)
            self.parent = u8
        self.count(msg_id, final)
        for t in tools:
            self.tool_result(t, final)
        return bool(tools)

    def tool_result(self, tool, usage):
        rng = self.rng
        r = rng.random()
        big = 0.05 if not self.big else 0.12
        if r < big:
            n = rng.randint(50_000, 200_000)
        elif r < 0.7:
            n = rng.randint(1_000, 8_000)
        else:
            n = rng.randint(50, 1_000)
        body = text(rng, min(n, max(50, (self.target - self.size) // 3)))
        d = self.base()
        d["type"] = "user"
        d["message"] = {"role": "user", "content": [{"tool_use_id": tool["id"], "type": "tool_result",
                                                     "content": body, "is_error": rng.random() < 0.03}]}
        u = uuid(rng)
        d["uuid"] = u
        d["timestamp"] = self.tick(1, 30)
        name = tool["name"]
        if name == "Task":
            agent = "%08x" % rng.getrandbits(32)
            self.spawns.append(agent)
            # Claude Code puts the subagent's usage on the parent's tool result (a user line):
            # it contains the bytes "usage":{ but is not an API response and must not count.
            d["toolUseResult"] = {"status": "completed", "prompt": tool["input"]["prompt"][:200],
                                  "agentId": agent, "content": [{"type": "text", "text": body[:2000]}],
                                  "totalDurationMs": rng.randint(5000, 900000),
                                  "totalTokens": rng.randint(10000, 900000),
                                  "totalToolUseCount": rng.randint(1, 60),
                                  "usage": {"input_tokens": rng.randint(1, 50),
                                            "cache_creation_input_tokens": rng.randint(0, 5000),
                                            "cache_read_input_tokens": rng.randint(0, 90000),
                                            "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                                               "ephemeral_1h_input_tokens": 0},
                                            "output_tokens": rng.randint(1, 3000),
                                            "service_tier": "standard"}}
        elif name == "Read":
            d["toolUseResult"] = {"type": "text", "file": {"filePath": tool["input"]["file_path"],
                                                           "content": body, "numLines": body.count("\n") + 1,
                                                           "startLine": 1, "totalLines": body.count("\n") + 1}}
        elif name == "Bash":
            d["toolUseResult"] = {"stdout": body, "stderr": "", "interrupted": False, "isImage": False}
        else:
            d["toolUseResult"] = {"type": "update", "filePath": self.cwd, "content": body[:4000]}
        self.emit(d)
        self.parent = u

    def system_line(self, subtype):
        d = self.base()
        d["type"] = "system"
        d["subtype"] = subtype
        d["content"] = "Conversation compacted" if subtype == "compact_boundary" else text(self.rng, 80)
        d["isMeta"] = False
        d["timestamp"] = self.tick(0, 2)
        u = uuid(self.rng)
        d["uuid"] = u
        d["level"] = "info"
        if subtype == "compact_boundary":
            d["compactMetadata"] = {"trigger": "auto", "preTokens": self.ctx}
        self.emit(d)
        self.parent = u

    def synthetic(self, api_error):
        """A zero-usage <synthetic> assistant line (no requestId, as Claude Code writes them)."""
        d = self.base()
        zero = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0, "server_tool_use": {"web_search_requests": 0},
                "service_tier": None, "cache_creation": {"ephemeral_1h_input_tokens": 0,
                                                         "ephemeral_5m_input_tokens": 0}}
        d["message"] = {"id": uuid(self.rng), "container": None, "model": "<synthetic>", "role": "assistant",
                        "stop_reason": "stop_sequence", "stop_sequence": "", "type": "message", "usage": zero,
                        "content": [{"type": "text", "text": "API Error: 529 Overloaded" if api_error
                                     else "No response requested."}]}
        d["type"] = "assistant"
        u = uuid(self.rng)
        d["uuid"] = u
        d["timestamp"] = self.tick(0, 5)
        if api_error:
            d["isApiErrorMessage"] = True
        self.emit(d)
        self.parent = u

    def snapshot(self):
        u = uuid(self.rng)
        self.emit({"type": "file-history-snapshot", "messageId": u,
                   "snapshot": {"messageId": u, "trackedFileBackups": {}, "timestamp": iso(self.ms)},
                   "isSnapshotUpdate": False})

    def replay(self, msg_id, usage, model):
        """A sidechain copy of a parent message (new requestId): a replay, never counted."""
        d = self.base()
        d["message"] = {"model": model, "id": msg_id, "type": "message", "role": "assistant",
                        "content": [{"type": "text", "text": text(self.rng, 300)}],
                        "stop_reason": "end_turn", "stop_sequence": None, "usage": usage}
        d["requestId"] = "req_011CU" + b58(self.rng, 18)
        d["type"] = "assistant"
        u = uuid(self.rng)
        d["uuid"] = u
        d["timestamp"] = self.tick(0, 3)
        self.emit(d)
        self.parent = u

    def fill(self, target):
        rng = self.rng
        self.target = target
        if not self.side and rng.random() < 0.1:
            self.emit({"type": "summary", "summary": text(rng, 60), "leafUuid": uuid(rng)})
        while self.size < target:
            if not self.side and rng.random() < 0.5:
                self.snapshot()
            self.user_prompt()
            if self.model in CLAUDE_FAST_MODELS:
                # on for runs of ~2 prompts, ~15% of the prompts: ~7% of all Claude messages
                self.fast = rng.random() < (0.45 if self.fast else 0.1)
            for _ in range(rng.randint(1, 12)):
                if not self.assistant_call():
                    break
                if self.size >= target:
                    break
            r = rng.random()
            if r < 0.01:
                self.synthetic(api_error=True)
            elif r < 0.03:
                self.synthetic(api_error=False)
            elif r < 0.05:
                self.system_line("informational")


def claude_session(args):
    """One main session and its subagent files. Returns (totals, files, bytes)."""
    seed, idx, root, sizes, big = args
    rng = random.Random("claude/%d/%d" % (seed, idx))
    project_no = rng.randrange(40)
    cwd = "/srv/src/project-%02d" % project_no
    proj_dir = os.path.join(root, "projects", cwd.replace("/", "-"))
    session = uuid(rng)
    version = rng.choice(("2.0.14", "2.0.22", "2.0.28", "2.0.31"))
    branch = rng.choice(("main", "main", "feature/usage", "fix/cache"))
    model = rng.choices(CLAUDE_MODELS, weights=CLAUDE_WEIGHTS)[0]
    start = (EPOCH0 + rng.randrange(SPAN_DAYS * 86400)) * 1000
    w = ClaudeWriter(rng, os.path.join(proj_dir, session + ".jsonl"), session, cwd, version, branch,
                     model, start, big=big)
    w.fill(sizes[0])
    w.close()
    totals = dict(w.totals)
    files, nbytes = 1, w.size
    for k, size in enumerate(sizes[1:]):
        agent = w.spawns[k] if k < len(w.spawns) else "%08x" % rng.getrandbits(32)
        sub_dir = os.path.join(proj_dir, session, "subagents")
        sw = ClaudeWriter(rng, os.path.join(sub_dir, "agent-%s.jsonl" % agent), session, cwd, version,
                          branch, rng.choice((model, CLAUDE_SUBAGENT_MODEL)), w.ms - rng.randrange(600000),
                          agent_id=agent)
        sw.user_prompt(text(rng, rng.randint(200, 3000)))
        if w.messages and rng.random() < 0.3:
            msg_id, usage = rng.choice(w.messages)
            sw.replay(msg_id, usage, model)
        sw.fill(size)
        sw.close()
        with open(os.path.join(sub_dir, "agent-%s.meta.json" % agent), "w") as f:
            f.write(dumps({"agentType": rng.choice(("general-purpose", "Explore", "Plan"))}) + "\n")
        add_totals(totals, sw.totals)
        files += 1
        nbytes += sw.size
    return totals, files, nbytes


def claude_plan(rng, total_bytes, nfiles, nbig):
    """Splits the size budget into sessions: [[main size, subagent sizes...], ...]."""
    big = [int(rng.uniform(52, 80) * MB) for _ in range(nbig)]
    rest = max(nfiles - nbig, 1)
    sizes = lognormal_sizes(rng, rest, max(total_bytes - sum(big), rest * 4096), 100 * 1024, 40 * MB)
    plan = [([b], True) for b in big]
    i = 0
    while i < len(sizes):
        k = 0
        if rng.random() < 0.12:
            k = rng.randint(1, 3)
        plan.append((sizes[i:i + 1 + k], False))
        i += 1 + k
    return plan


# ---- Codex ---------------------------------------------------------------------------------------

def codex_session(args):
    seed, idx, root, target = args
    rng = random.Random("codex/%d/%d" % (seed, idx))
    sid = uuid(rng)
    cwd = "/srv/src/project-%02d" % rng.randrange(40)
    # ms part fixed per file: two files never share an instant (ccusage de-duplicates Codex
    # events globally by instant + usage).
    ms = ((EPOCH0 + rng.randrange(SPAN_DAYS * 86400)) * 1000) + idx % 1000
    t0 = time.gmtime(ms // 1000)
    name = "rollout-%04d-%02d-%02dT%02d-%02d-%02d-%s.jsonl" % (
        t0.tm_year, t0.tm_mon, t0.tm_mday, t0.tm_hour, t0.tm_min, t0.tm_sec, sid)
    if rng.random() < 0.05:
        path = os.path.join(root, "archived_sessions", name)
    else:
        path = os.path.join(root, "sessions", "%04d" % t0.tm_year, "%02d" % t0.tm_mon, "%02d" % t0.tm_mday, name)
    model = rng.choices(CODEX_MODELS, weights=CODEX_WEIGHTS)[0]
    switch_at = rng.randint(2, 6) if rng.random() < 0.1 else -1
    priority = False  # priority processing, switched on and off between turns: ~15-20% of rows
    lines = []
    size = 0
    tot = {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0,
           "reasoning_output_tokens": 0, "total_tokens": 0}
    out = zero_totals()

    def tick(lo=1, hi=15):
        nonlocal ms
        ms += rng.randint(lo, hi) * 1000
        return iso(ms)

    def emit(ts, typ, payload):
        nonlocal size
        line = dumps({"timestamp": ts, "type": typ, "payload": payload})
        lines.append(line)
        size += len(line) + 1

    def rate_limits():
        return {"primary": {"used_percent": float(rng.randint(0, 90)), "window_minutes": 299,
                            "resets_in_seconds": rng.randint(100, 18000)},
                "secondary": {"used_percent": float(rng.randint(0, 90)), "window_minutes": 10079,
                              "resets_in_seconds": rng.randint(1000, 600000)}}

    ts = iso(ms)
    emit(ts, "session_meta", {"id": sid, "timestamp": ts, "cwd": cwd, "originator": "codex_cli_rs",
                              "cli_version": "0.46.0", "instructions": text(rng, rng.randint(2000, 9000)),
                              "source": "cli", "model_provider": "openai",
                              "git": {"commit_hash": "%040x" % rng.getrandbits(160), "branch": "main",
                                      "repository_url": "git@github.com:example/project.git"}})
    emit(tick(0, 1), "response_item", {"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": "<environment_context>\n  <cwd>%s</cwd>\n  <approval_policy>on-request"
         "</approval_policy>\n  <sandbox_mode>workspace-write</sandbox_mode>\n  <network_access>restricted"
         "</network_access>\n  <shell>bash</shell>\n</environment_context>" % cwd}]})
    ctx = rng.randint(6000, 15000)
    turn = 0
    while size < target:
        turn += 1
        if turn == switch_at:
            model = rng.choice([m for m in CODEX_MODELS if m != model])
        if rng.random() < (0.35 if priority else 0.1):
            # The shape ccusage reads: an event_msg whose payload.thread_settings.service_tier
            # applies to the token_count rows after it, until the next such line.
            priority = not priority
            tier = rng.choice(CODEX_PRIORITY_VALUES) if priority else "default"
            emit(tick(0, 1), "event_msg", {"type": "thread_settings_applied",
                                           "thread_settings": {"model": model, "service_tier": tier}})
        emit(tick(), "turn_context", {"cwd": cwd, "approval_policy": "on-request",
                                      "sandbox_policy": {"mode": "workspace-write", "network_access": False,
                                                         "exclude_tmpdir_env_var": False,
                                                         "exclude_slash_tmp": False},
                                      "model": model, "effort": "medium", "summary": "auto"})
        prompt = text(rng, rng.randint(30, 1500))
        emit(tick(0, 1), "response_item", {"type": "message", "role": "user",
                                           "content": [{"type": "input_text", "text": prompt}]})
        emit(tick(0, 1), "event_msg", {"type": "user_message", "message": prompt, "images": []})
        if rng.random() < 0.5:
            emit(tick(0, 1), "event_msg", {"type": "token_count", "info": None, "rate_limits": rate_limits()})
        for step in range(rng.randint(1, 15)):
            final = step > 0 and rng.random() < 0.2
            emit(tick(), "event_msg", {"type": "agent_reasoning", "text": text(rng, rng.randint(50, 600))})
            emit(tick(0, 1), "response_item", {"type": "reasoning", "summary": [
                {"type": "summary_text", "text": text(rng, rng.randint(50, 600))}], "content": None,
                "encrypted_content": "gAAAAA" + b64(rng, rng.randint(800, 8000))})
            call_id = "call_" + b58(rng, 24)
            if not final:
                emit(tick(0, 1), "response_item", {"type": "function_call", "name": "shell", "arguments": dumps(
                    {"command": ["bash", "-lc", text(rng, rng.randint(10, 300))], "workdir": cwd,
                     "timeout_ms": 120000}), "call_id": call_id})
            inp = ctx + rng.randint(50, 3000)
            cached = min(inp, int(ctx * rng.uniform(0.6, 1.0))) if rng.random() < 0.9 else 0
            o = int(math.exp(rng.uniform(3.0, 8.0)))
            reasoning = rng.randint(0, o)
            last = {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": o,
                    "reasoning_output_tokens": reasoning, "total_tokens": inp + o}
            for k in tot:
                tot[k] += last[k]
            info = {"total_token_usage": dict(tot), "last_token_usage": last, "model_context_window": 272000}
            rl = rate_limits()
            ts = tick(0, 2)
            emit(ts, "event_msg", {"type": "token_count", "info": info, "rate_limits": rl})
            out["input"] += inp - cached
            out["cacheRead"] += cached
            out["output"] += o
            out["reasoning"] += reasoning
            out["messages"] += 1
            if priority:
                out["priorityMessages"] = out.get("priorityMessages", 0) + 1
            if rng.random() < 0.12:  # Codex re-emits the unchanged row
                emit(tick(0, 1), "event_msg", {"type": "token_count", "info": info, "rate_limits": rl})
            if final:
                msg = text(rng, rng.randint(100, 3000))
                emit(tick(0, 1), "response_item", {"type": "message", "role": "assistant",
                                                   "content": [{"type": "output_text", "text": msg}]})
                emit(tick(0, 1), "event_msg", {"type": "agent_message", "message": msg})
                break
            r = rng.random()
            n = rng.randint(200, 4000) if r < 0.7 else rng.randint(4000, 40000) if r < 0.97 else rng.randint(60000, 200000)
            emit(tick(0, 20), "response_item", {"type": "function_call_output", "call_id": call_id, "output": dumps(
                {"output": text(rng, n), "metadata": {"exit_code": 0 if rng.random() < 0.9 else 1,
                                                      "duration_seconds": round(rng.uniform(0.01, 30), 1)}})})
            # inp stays below 272,000: above it GPT-5.4/5.5 rows are long-context priced, and the
            # two tools draw that line one token apart (bench/README.md "Costs").
            ctx = min(260000, inp + o + n // 4)
            if ctx > 240000:
                ctx = rng.randint(20000, 40000)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return out, 1, len(data), path


# ---- Gemini --------------------------------------------------------------------------------------

def gemini_tokens(rng):
    inp = rng.randint(2000, 60000)
    cached = 0 if rng.random() < 0.3 else rng.randint(0, int(inp * 0.9))
    o = rng.randint(5, 2500)
    thoughts = 0 if rng.random() < 0.2 else rng.randint(10, 2000)
    tool = 0 if rng.random() < 0.7 else rng.randint(50, 800)
    # Gemini's totalTokenCount = prompt + candidates + thoughts + toolUsePrompt (prompt includes cached)
    return {"input": inp, "output": o, "cached": cached, "thoughts": thoughts, "tool": tool,
            "total": inp + o + thoughts + tool}


def gemini_count(out, t):
    out["input"] += t["input"] - t["cached"] + t["tool"]
    out["cacheRead"] += t["cached"]
    out["output"] += t["output"] + t["thoughts"]
    out["reasoning"] += t["thoughts"]
    out["messages"] += 1


def write_gemini(seed, root, sessions):
    rng = random.Random("gemini/%d" % seed)
    out = zero_totals()
    files = nbytes = 0
    for s in range(sessions):
        proj = "%064x" % rng.getrandbits(256)
        sid = uuid(rng)
        ms = (EPOCH0 + rng.randrange(SPAN_DAYS * 86400)) * 1000
        start = iso(ms)
        model = rng.choice(GEMINI_MODELS)
        chats = os.path.join(root, "tmp", proj, "chats")
        os.makedirs(chats, exist_ok=True)
        messages = []
        for _ in range(rng.randint(4, 25)):
            ms += rng.randint(5, 200) * 1000
            messages.append({"id": uuid(rng), "timestamp": iso(ms), "type": "user",
                             "content": text(rng, rng.randint(20, 800))})
            ms += rng.randint(2, 60) * 1000
            t = gemini_tokens(rng)
            messages.append({"id": uuid(rng), "timestamp": iso(ms), "type": "gemini",
                             "content": text(rng, rng.randint(50, 3000)),
                             "thoughts": [{"subject": text(rng, 30), "description": text(rng, 300),
                                           "timestamp": iso(ms - 1000)}] if t["thoughts"] else [],
                             "tokens": t, "model": model})
            gemini_count(out, t)
            if rng.random() < 0.1:
                ms += 1000
                messages.append({"id": uuid(rng), "timestamp": iso(ms), "type": "info",
                                 "content": "Request cancelled."})
        doc = {"sessionId": sid, "projectHash": proj, "startTime": start, "lastUpdated": iso(ms),
               "messages": messages}
        if s == sessions - 1 and sessions > 1:
            # the newer JSONL form: a metadata line, then records; a record repeated with the same
            # id replaces the earlier one (the first copy of m is a partial, superseded record)
            path = os.path.join(chats, "session-%s-%s.jsonl" % (start[:16].replace(":", "-"), sid[:8]))
            lines = [dumps({"sessionId": sid, "projectHash": proj, "startTime": start, "lastUpdated": iso(ms),
                            "kind": "main"})]
            for m in messages:
                if m["type"] == "gemini" and rng.random() < 0.3:
                    partial = dict(m)
                    partial["tokens"] = dict(m["tokens"], output=1, thoughts=0,
                                             total=m["tokens"]["input"] + 1 + m["tokens"]["tool"])
                    lines.append(dumps(partial))
                lines.append(dumps(m))
            data = "\n".join(lines) + "\n"
        else:
            path = os.path.join(chats, "session-%s-%s.json" % (start[:16].replace(":", "-"), sid[:8]))
            data = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"  # Gemini CLI pretty-prints
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(data)
        files += 1
        nbytes += len(data.encode())
    return out, files, nbytes


# ---- driver --------------------------------------------------------------------------------------

def run_jobs(fn, tasks, jobs):
    if jobs <= 1 or len(tasks) <= 1:
        return [fn(t) for t in tasks]
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) as pool:
        return pool.map(fn, tasks, chunksize=1)


def finish(t, files, nbytes):
    t = dict(t)
    t["cacheWrite"] = t["cacheWrite5m"] + t["cacheWrite1h"]
    t["total"] = t["input"] + t["output"] + t["cacheWrite"] + t["cacheRead"]
    t["files"] = files
    t["bytes"] = nbytes
    return t


def generate(a):
    if os.path.exists(a.out) and os.listdir(a.out):
        sys.exit("gen_usage_corpus: %s exists and is not empty; remove it first" % a.out)
    os.makedirs(a.out, exist_ok=True)
    t_start = time.time()
    rng = random.Random("plan/%d" % a.seed)
    expected = {"generator": {"format": CORPUS_FORMAT, "seed": a.seed, "claudeMb": a.claude_mb,
                              "codexMb": a.codex_mb, "files": a.files, "singleFileMb": a.single_file_mb,
                              "geminiSessions": a.gemini_sessions}}
    if (EPOCH0, SPAN_DAYS) != (1788220800, 90):
        expected["generator"].update(start=a.start, days=a.days)
    claude_root = os.path.join(a.out, "claude")
    if a.single_file_mb:
        plan = [([int(a.single_file_mb * MB)], True)]
    else:
        nfiles = a.files if a.files else max(8, round(a.claude_mb * 2.73))
        nbig = a.big_files if a.big_files is not None else (4 if a.claude_mb >= 500 else 0)
        plan = claude_plan(rng, int(a.claude_mb * MB), nfiles, nbig) if a.claude_mb > 0 else []
    # biggest sessions first, so the pool's tail is not one long file
    order = sorted(range(len(plan)), key=lambda i: -sum(plan[i][0]))
    tasks = [(a.seed, i, claude_root, plan[i][0], plan[i][1]) for i in order]
    results = run_jobs(claude_session, tasks, a.jobs)
    ct, cf, cb = zero_totals(), 0, 0
    for t, f, b in results:
        add_totals(ct, t)
        cf += f
        cb += b
    if plan:
        expected["claude"] = finish(ct, cf, cb)

    if a.codex_mb > 0 and not a.single_file_mb:
        codex_root = os.path.join(a.out, "codex")
        nfiles = a.codex_files if a.codex_files else max(2, round(a.codex_mb * 1.5))
        sizes = lognormal_sizes(rng, nfiles, int(a.codex_mb * MB), 400 * 1024, 30 * MB)
        order = sorted(range(nfiles), key=lambda i: -sizes[i])
        results = run_jobs(codex_session, [(a.seed, i, codex_root, sizes[i]) for i in order], a.jobs)
        xt, xf, xb = zero_totals(), 0, 0
        paths = []
        for t, f, b, p in results:
            add_totals(xt, t)
            xf += f
            xb += b
            paths.append(p)
        # one session present in both folders: counted once
        dup = sorted(p for p in paths if os.sep + "sessions" + os.sep in p)
        if len(dup) >= 4:
            src = dup[len(dup) // 2]
            dst = os.path.join(codex_root, "archived_sessions", os.path.basename(src))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
            xf += 1
            xb += os.path.getsize(dst)
            expected["codexDuplicate"] = os.path.relpath(dst, a.out)
        expected["codex"] = finish(xt, xf, xb)

    if a.gemini_sessions > 0 and not a.single_file_mb:
        gt, gf, gb = write_gemini(a.seed, os.path.join(a.out, "gemini"), a.gemini_sessions)
        expected["gemini"] = finish(gt, gf, gb)

    with open(os.path.join(a.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")
    for src in ("claude", "codex", "gemini"):
        if src in expected:
            e = expected[src]
            tier = ""
            if src == "claude":
                tier = "  fast %d of %d messages" % (e.get("fastMessages", 0), e["messages"])
            elif src == "codex":
                tier = "  priority %d of %d messages" % (e.get("priorityMessages", 0), e["messages"])
            print("%-6s files %5d  %8.1f MB  input %d output %d cacheWrite %d (5m %d, 1h %d) cacheRead %d "
                  "reasoning %d%s" % (src, e["files"], e["bytes"] / MB, e["input"], e["output"], e["cacheWrite"],
                                      e["cacheWrite5m"], e["cacheWrite1h"], e["cacheRead"], e["reasoning"], tier))
    print("wrote %s in %.1f s" % (os.path.join(a.out, "expected.json"), time.time() - t_start))


def append(a):
    """Appends about a.bytes of fresh, valid lines to each file; prints the added tokens as JSON."""
    totals = zero_totals()
    added = 0
    for k, path in enumerate(a.paths):
        rng = random.Random("append/%d/%d/%s" % (a.seed, k, os.path.basename(path)))
        head = {}
        with open(path, "rb") as f:
            for raw in f:
                try:
                    o = json.loads(raw)
                except ValueError:
                    continue
                if "sessionId" in o:
                    head = o
                    break
            f.seek(max(0, os.path.getsize(path) - 65536))
            tail = f.read().decode("utf-8", "replace")
        i = tail.rfind('"timestamp":"')
        last_ms = EPOCH0 * 1000
        if i >= 0:
            ts = tail[i + 13:i + 37]
            try:
                last_ms = calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")) * 1000
            except ValueError:
                pass
        session = head.get("sessionId") or os.path.splitext(os.path.basename(path))[0]
        w = ClaudeWriter(rng, path, session, head.get("cwd", "/srv/src/project"),
                         head.get("version", "2.0.28"), head.get("gitBranch", "main"),
                         rng.choice(CLAUDE_MODELS), last_ms + 60000,
                         agent_id=head.get("agentId") if head.get("isSidechain") else None)
        w.parent = None
        before = os.path.getsize(path)
        w.fh = open(path, "a", encoding="utf-8", newline="\n")
        w.fill(a.bytes)
        w.close()
        add_totals(totals, w.totals)
        added += w.size - before
    print(json.dumps({"claude": finish(totals, len(a.paths), added)}, sort_keys=True))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "append":
        p = argparse.ArgumentParser(prog="gen_usage_corpus.py append")
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--bytes", type=int, default=MB)
        p.add_argument("paths", nargs="+")
        append(p.parse_args(sys.argv[2:]))
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--claude-mb", type=float, default=1100)
    p.add_argument("--codex-mb", type=float, default=220)
    p.add_argument("--files", type=int, default=0, help="Claude files (default: about 2.73 per MB)")
    p.add_argument("--big-files", type=int, default=None, help="Claude files of 52-80 MB (default 4 if >= 500 MB)")
    p.add_argument("--codex-files", type=int, default=0)
    p.add_argument("--gemini-sessions", type=int, default=4)
    p.add_argument("--single-file-mb", type=float, default=0)
    p.add_argument("--start", default="2026-09-01", help="first day sessions start on (UTC, YYYY-MM-DD)")
    p.add_argument("--days", type=int, default=90, help="how many days sessions start in")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = p.parse_args()
    global EPOCH0, SPAN_DAYS
    try:
        EPOCH0 = calendar.timegm(time.strptime(a.start, "%Y-%m-%d"))
    except ValueError:
        p.error("--start must be a date YYYY-MM-DD")
    if a.days < 1:
        p.error("--days must be at least 1")
    SPAN_DAYS = a.days
    generate(a)


if __name__ == "__main__":
    main()
