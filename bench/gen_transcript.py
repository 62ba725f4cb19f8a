#!/usr/bin/env python3
"""Writes one big, realistic Claude Code lead transcript for bench/conformance_bench.sh.

    python3 bench/gen_transcript.py --out DIR [--mb 200] [--seed 1]

DIR gets the layout okstra-validate-session reads:

    DIR/claude/projects/-work-shop/<session>.jsonl         the lead transcript (~MB megabytes)
    DIR/claude/projects/-work-shop/<session>/subagents/    agent-<id>.jsonl + .meta.json per dispatch
    DIR/task/task-manifest.json, DIR/task/runs/error-analysis/   the run dir (conforming)

The session is one okstra error-analysis run that obeys every rule (the bench checks
that the tool says so): PROGRESS checkpoints phase-1 … phase-7; the analysis workers
dispatched in one turn per round (foreground, with team_name, errors paths in the
prompt), re-dispatched every few megabytes; most of the bytes are the lead's own work
in phase 4: Read results of 2-24 KB (some of 200 KB-1 MB) stored twice as Claude Code
does (tool_result content and toolUseResult.file.content), Grep and foreground Bash
outputs, background Bash shells (test runs) polled with BashOutput until completed or
stopped with KillShell, thinking and text blocks, one line per content block with the
usage envelope. Deterministic for a given seed.
"""
import argparse
import json
import os
import random
import uuid

SESSION = "0b7e4c1a-5d2f-4e8b-9c3a-6f1d2e3b4a5c"
CWD = "/work/shop"
TEAM = "okstra-refund-timeout-001"
TASK_ROOT = CWD + "/.okstra/tasks/payments/refund-timeout"
RUN = TASK_ROOT + "/runs/error-analysis"
REPORT = RUN + "/reports/final-report-error-analysis-001.md"
MODEL = "claude-opus-4-1-20250805"

WORDS = ("refund ledger lock timeout retry queue handler session commit rollback payment gateway client "
         "request response status error latency budget worker result token cache index record account").split()


class Writer:
    def __init__(self, f, rng):
        self.f, self.rng, self.n, self.parent, self.msg, self.tool = f, rng, 0, None, 0, 0
        self.written = 0

    def line(self, obj):
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
        self.f.write(text)
        self.written += len(text.encode("utf-8"))

    def env(self):
        self.n += 1
        u = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        s = self.n
        stamp = "2026-11-%02dT%02d:%02d:%02d.%03dZ" % (20 + s // 86400 % 9, s // 3600 % 24, s // 60 % 60, s % 60, s % 1000)
        head = {"parentUuid": self.parent, "isSidechain": False, "userType": "external", "cwd": CWD, "sessionId": SESSION,
                "version": "2.0.31", "gitBranch": "feature/refund-timeout"}
        self.parent = u
        return head, u, stamp

    def new_message(self):
        self.msg += 1
        return "msg_01%022d" % self.msg

    def tool_id(self):
        self.tool += 1
        return "toolu_01%022d" % self.tool

    def assistant(self, blocks):
        mid = self.new_message()
        for i, block in enumerate(blocks):
            head, u, stamp = self.env()
            usage = {"input_tokens": 6, "cache_creation_input_tokens": 800 + i, "cache_read_input_tokens": 40000 + self.n,
                     "cache_creation": {"ephemeral_5m_input_tokens": 800 + i, "ephemeral_1h_input_tokens": 0},
                     "output_tokens": 40 + 3 * i, "service_tier": "standard"}
            msg = {"id": mid, "type": "message", "role": "assistant", "model": MODEL, "content": [block],
                   "stop_reason": "tool_use" if block["type"] == "tool_use" else None, "stop_sequence": None, "usage": usage}
            self.line(dict(head, message=msg, requestId="req_011C%018d" % self.msg, type="assistant", uuid=u, timestamp=stamp))

    def result(self, tool_id, content, tool_use_result, is_error=False):
        head, u, stamp = self.env()
        block = {"tool_use_id": tool_id, "type": "tool_result", "content": content}
        if is_error:
            block["is_error"] = True
        self.line(dict(head, type="user", message={"role": "user", "content": [block]}, uuid=u, timestamp=stamp,
                       toolUseResult=tool_use_result))


def prose(rng, n_words):
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def code(rng, size):
    """Source-like text of about `size` bytes, with quotes and newlines (escaped in JSON)."""
    out, total = [], 0
    while total < size:
        line = '    %s = handle_%s("%s", timeout=%d)  # %s' % (rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS),
                                                           rng.randrange(1, 90), prose(rng, 4))
        out.append(line)
        total += len(line) + 1
    return "\n".join(out)


def worker_prompt(worker):
    wid = worker[:-7]
    return ("You are **%s** in okstra run 001 of task `shop/payments/refund-timeout` (error-analysis).\n\n"
            "**Result path:** `%s/worker-results/%s-001.md`\n**Errors log path:** `%s/worker-results/%s-001.errors.log`\n"
            "**Errors sidecar path:** `%s/worker-results/%s-001.errors.json`\n" % (worker, RUN, wid, RUN, wid, RUN, wid))


def dispatch_round(w, agents):
    """claude-worker and codex-worker in one turn, then their results."""
    blocks, ids = [], []
    for worker in ("claude-worker", "codex-worker"):
        tid = w.tool_id()
        ids.append((tid, worker))
        blocks.append({"type": "tool_use", "id": tid, "name": "Agent",
                       "input": {"description": "%s analysis" % worker, "prompt": worker_prompt(worker),
                                 "subagent_type": worker, "name": worker, "team_name": TEAM}})
    w.assistant(blocks)
    for tid, worker in ids:
        aid = "%08x" % (len(agents) + 0xa0000000)
        agents.append((aid, worker))
        summary = "%s: result written to worker-results" % worker
        w.result(tid, [{"type": "text", "text": summary}],
                 {"status": "completed", "prompt": worker_prompt(worker), "agentId": aid,
                  "content": [{"type": "text", "text": summary}], "totalDurationMs": 183000, "totalTokens": 48211,
                  "totalToolUseCount": 14, "usage": {"input_tokens": 12, "output_tokens": 1099}})


def work_step(w, rng, shells):
    """One unit of the lead's own work in phase 4."""
    kind = rng.random()
    if kind < 0.45:
        size = rng.randrange(2000, 24000) if rng.random() > 0.004 else rng.randrange(200_000, 1_000_000)
        path = "%s/src/%s/%s.py" % (CWD, rng.choice(WORDS), rng.choice(WORDS))
        tid = w.tool_id()
        w.assistant([{"type": "thinking", "thinking": prose(rng, 60), "signature": "Eq" + "A" * 120},
                     {"type": "tool_use", "id": tid, "name": "Read", "input": {"file_path": path}}])
        body = code(rng, size)
        w.result(tid, body, {"type": "text", "file": {"filePath": path, "content": body, "numLines": body.count("\n") + 1,
                                                      "startLine": 1, "totalLines": body.count("\n") + 1}})
    elif kind < 0.65:
        tid = w.tool_id()
        cmd = "rg -n '%s' src/ | head -200" % rng.choice(WORDS)
        w.assistant([{"type": "tool_use", "id": tid, "name": "Bash", "input": {"command": cmd, "description": "Search"}}])
        out = code(rng, rng.randrange(1000, 12000))
        w.result(tid, out, {"stdout": out, "stderr": "", "interrupted": False, "isImage": False})
    elif kind < 0.75:
        tid = w.tool_id()
        shell = "bash_%d" % (len(shells) + 1)
        shells.append(shell)
        w.assistant([{"type": "text", "text": "Running the %s tests in the background." % rng.choice(WORDS)},
                     {"type": "tool_use", "id": tid, "name": "Bash",
                      "input": {"command": "pytest -q tests/%s" % rng.choice(WORDS), "run_in_background": True,
                                "description": "Run tests"}}])
        w.result(tid, "Command running in background with ID: %s" % shell,
                 {"stdout": "", "stderr": "", "interrupted": False, "isImage": False, "backgroundTaskId": shell})
        for status in ("running", "running", "completed" if rng.random() < 0.9 else "killed"):
            tid = w.tool_id()
            if status == "killed":
                w.assistant([{"type": "tool_use", "id": tid, "name": "KillShell", "input": {"shell_id": shell}}])
                w.result(tid, "Successfully killed shell: %s" % shell, {"message": "killed", "shell_id": shell})
                break
            w.assistant([{"type": "tool_use", "id": tid, "name": "BashOutput", "input": {"bash_id": shell}}])
            out = code(rng, rng.randrange(500, 6000))
            w.result(tid, "<status>%s</status>\n\n<stdout>\n%s\n</stdout>" % (status, out),
                     {"shellId": shell, "command": "pytest", "status": status, "exitCode": 0 if status == "completed" else None,
                      "stdout": out, "stderr": "", "stdoutLines": out.count("\n"), "stderrLines": 0})
    else:
        w.assistant([{"type": "text", "text": prose(rng, rng.randrange(30, 300))}])


def write_lead(path, target_bytes, rng):
    agents, shells = [], []
    with open(path, "w", encoding="utf-8") as f:
        w = Writer(f, rng)
        head, u, stamp = w.env()
        w.line(dict(head, type="user", message={"role": "user", "content": "Run okstra error-analysis → %s" % RUN},
                    uuid=u, timestamp=stamp))
        w.assistant([{"type": "text", "text": "PROGRESS: phase-1 loading the task bundle"}])
        w.assistant([{"type": "text", "text": "PROGRESS: phase-2 creating the team"},
                     {"type": "tool_use", "id": "toolu_team", "name": "TeamCreate", "input": {"team_name": TEAM}}])
        w.result("toolu_team", "Team %s created" % TEAM, {"team_name": TEAM})
        w.assistant([{"type": "text", "text": "PROGRESS: phase-3 dispatching the analysis workers"}])
        dispatch_round(w, agents)
        w.assistant([{"type": "text", "text": "PROGRESS: phase-4 checking the findings against the code"}])
        next_round = 8 << 20
        while w.written < target_bytes - (1 << 20):
            work_step(w, rng, shells)
            if w.written > next_round:  # a retry round of the same workers, in one turn
                dispatch_round(w, agents)
                next_round += 8 << 20
        w.assistant([{"type": "text", "text": "PROGRESS: phase-5 cross-verifying"}])
        dispatch_round(w, agents)
        w.assistant([{"type": "text", "text": "PROGRESS: phase-5.5 converging the findings"}])
        tid = w.tool_id()
        w.assistant([{"type": "text", "text": "PROGRESS: phase-6 dispatching the report writer"},
                     {"type": "tool_use", "id": tid, "name": "Agent",
                      "input": {"description": "report", "prompt": worker_prompt("report-writer-worker"),
                                "subagent_type": "report-writer-worker", "name": "report-writer", "team_name": TEAM}}])
        agents.append(("%08x" % (len(agents) + 0xa0000000), "report-writer-worker"))
        w.result(tid, [{"type": "text", "text": "report written"}], {"status": "completed", "agentId": agents[-1][0]})
        tid = w.tool_id()
        w.assistant([{"type": "text", "text": "PROGRESS: phase-7 closing the run"},
                     {"type": "tool_use", "id": tid, "name": "Bash",
                      "input": {"command": "okstra prepare finish --run-dir %s --status completed" % RUN}}])
        w.result(tid, "{}", {"stdout": "{}", "stderr": "", "interrupted": False, "isImage": False})
        return agents, w.written, w.n


def write_subagents(folder, agents):
    os.makedirs(folder, exist_ok=True)
    for aid, worker in agents:
        lines = [{"parentUuid": None, "isSidechain": True, "agentId": aid, "type": "user", "sessionId": SESSION,
                  "message": {"role": "user", "content": worker_prompt(worker)}, "uuid": aid + "-1"}]
        command = ("~/.okstra/bin/okstra-codex-exec.sh --prompt-file %s/prompts/001/codex-worker.md" % RUN
                   if worker == "codex-worker" else "rg -n timeout src/")
        lines.append({"parentUuid": aid + "-1", "isSidechain": True, "agentId": aid, "type": "assistant", "sessionId": SESSION,
                      "message": {"id": "msg_sub_" + aid, "role": "assistant", "model": "claude-sonnet-4-5-20250929",
                                  "content": [{"type": "tool_use", "id": "toolu_s" + aid, "name": "Bash",
                                               "input": {"command": command, "run_in_background": worker == "codex-worker"}}]},
                      "uuid": aid + "-2"})
        with open(os.path.join(folder, "agent-%s.jsonl" % aid), "w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line, separators=(",", ":")) + "\n")
        with open(os.path.join(folder, "agent-%s.meta.json" % aid), "w", encoding="utf-8") as f:
            json.dump({"agentType": worker, "description": "%s of run 001" % worker}, f)


def write_run(out):
    task = os.path.join(out, "task")
    run = os.path.join(task, "runs", "error-analysis")
    os.makedirs(os.path.join(run, "worker-results"), exist_ok=True)
    with open(os.path.join(task, "task-manifest.json"), "w") as f:
        json.dump({"taskId": "refund-timeout", "roster": {"executor": "claude", "workers": ["claude-worker", "codex-worker"],
                                                          "reportWriter": "report-writer"}}, f, indent=2)
    with open(os.path.join(run, "run-context.json"), "w") as f:
        json.dump({"projectRoot": CWD, "taskKey": "shop/payments/refund-timeout", "taskType": "error-analysis", "stage": None,
                   "seq": 1, "runDir": RUN, "reportPath": REPORT, "worktreePath": CWD}, f, indent=2)
    with open(os.path.join(run, "team-state.json"), "w") as f:
        json.dump({"teamName": TEAM, "sessionId": SESSION, "teamCreate": {"status": "ok"}}, f, indent=2)
    for wid in ("claude", "codex"):
        with open(os.path.join(run, "worker-results", "%s-001.md" % wid), "w") as f:
            f.write("---\ntitle: error-analysis result of %s-worker\nid: refund-timeout-%s-001\naliases: []\n"
                    "tags: [okstra, error-analysis]\ntaskType: error-analysis\nworkerId: %s\ntask-id: refund-timeout\n---\n"
                    % (wid, wid, wid))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    folder = os.path.join(args.out, "claude", "projects", "-work-shop")
    os.makedirs(folder, exist_ok=True)
    lead = os.path.join(folder, SESSION + ".jsonl")
    agents, size, lines = write_lead(lead + ".tmp", args.mb << 20, rng)
    os.replace(lead + ".tmp", lead)
    write_subagents(os.path.join(folder, SESSION, "subagents"), agents)
    write_run(args.out)
    print(json.dumps({"session": lead, "bytes": size, "lines": lines, "dispatches": len(agents)}))


if __name__ == "__main__":
    main()
