#!/usr/bin/env python3
"""Writes the session fixtures of tests/data/sessions/ (committed; re-run after a change).

    python3 tests/data/sessions/make_fixtures.py [OUT_DIR]   # default: this script's folder

Every case is one okstra error-analysis run of task shop/payments/refund-timeout
(seq 001, workers claude + codex, a report writer) as Claude Code records it:

    <case>/claude/projects/-work-shop/<session>.jsonl          the lead's transcript
    <case>/claude/projects/-work-shop/<session>/subagents/     agent-<id>.jsonl + .meta.json
    <case>/task/task-manifest.json                             the roster
    <case>/task/runs/error-analysis/                           the run dir: run-context.json,
        team-state.json, worker-results/, reports/ (prompts/ in 'conforming' only)

The lines use Claude Code's field names and key order (parentUuid, isSidechain, userType,
cwd, sessionId, version, gitBranch, message{id, type, role, model, content[], stop_reason,
stop_sequence, usage}, requestId, type, uuid, timestamp, toolUseResult), one line per
content block. 'conforming' obeys every rule; each bcNN-* case breaks exactly rule BCNN;
the other cases are conforming runs in other shapes (see CASES). The expected.json golden
of each case is written by tests/cli/validate_session.sh --update-goldens, never by hand.
"""
import hashlib
import json
import os
import shutil
import sys
import uuid

SESSION = "6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20"
CWD = "/work/shop"
PROJECT_FOLDER = "-work-shop"
VERSION = "2.0.31"
BRANCH = "feature/refund-timeout"
TEAM = "okstra-refund-timeout-001"
TASK_ROOT = CWD + "/.okstra/tasks/payments/refund-timeout"
RUN = TASK_ROOT + "/runs/error-analysis"
REPORT = RUN + "/reports/final-report-error-analysis-001.md"
LEAD_MODEL = "claude-opus-4-1-20250805"
WORKER_MODEL = "claude-sonnet-4-5-20250929"
AGENTS = {"claude-worker": "a1c4e9f2", "codex-worker": "b7d20e55", "report-writer": "c93f1a08"}

CASES = {
    "conforming": "every rule holds",
    "bc01-worker-name": "the codex-worker dispatch is named 'codex'",
    "bc02-split-dispatch": "codex-worker is dispatched one turn after claude-worker, same phase",
    "bc03-background-without-team": "background dispatches without team_name while team-state.json says TeamCreate succeeded",
    "bc04-direct-codex": "the codex-worker subagent runs 'codex exec' itself instead of okstra-codex-exec.sh",
    "bc05-early-convergence": "convergence starts while the background codex-worker still runs",
    "bc06-lead-writes-report": "the lead edits the final report after the report writer completed",
    "bc07-missing-errors-path": "the claude-worker dispatch prompt lacks the errors sidecar path",
    "bc08-progress-order": "the last PROGRESS checkpoint goes back from phase-6 to phase-5",
    "bc09-result-front-matter": "codex-001.md says workerId claude and has no aliases",
    "team-create-failed": "TeamCreate failed (team-state.json says so): background dispatches without a team are allowed",
    "old-format": "an older session: Task tool, subagent lines inline (isSidechain), no subagents/ folder",
    "damaged": "a malformed line, an unknown block type and line type, a missing subagent file, a truncated last line",
}


def fake_id(prefix, key, length):
    """A stable id shaped like Claude Code's (msg_01…, req_011C…, toolu_01…)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(key.encode()).digest()
    return prefix + "".join(alphabet[b % 62] for b in digest[:length])


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Transcript:
    """Lines of one transcript; uuids and times follow from the position, so a case that
    changes one turn keeps the others' evidence identical."""

    def __init__(self, name, sidechain=False, agent_id=None, start_minute=0):
        self.name, self.sidechain, self.agent_id = name, sidechain, agent_id
        self.lines, self.parent, self.n, self.minute = [], None, 0, start_minute

    def _next(self):
        self.n += 1
        seconds = self.minute * 60 + self.n * 7
        stamp = "2026-11-20T09:%02d:%02d.%03dZ" % (seconds // 60 % 60, seconds % 60, (self.n * 137) % 1000)
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "okstra-fixture/%s/%d" % (self.name, self.n))), stamp

    def _envelope(self, entry_type):
        u, stamp = self._next()
        head = {"parentUuid": self.parent, "isSidechain": self.sidechain, "userType": "external", "cwd": CWD,
                "sessionId": SESSION, "version": VERSION, "gitBranch": BRANCH}
        if self.agent_id:
            head["agentId"] = self.agent_id
        self.parent = u
        return head, u, stamp

    def user(self, content, tool_use_result=None, is_meta=False):
        head, u, stamp = self._envelope("user")
        line = dict(head, type="user", message={"role": "user", "content": content})
        if is_meta:
            line["isMeta"] = True
        line.update(uuid=u, timestamp=stamp)
        if tool_use_result is not None:
            line["toolUseResult"] = tool_use_result
        self.lines.append(dumps(line))

    def result(self, tool_use_id, content, tool_use_result, is_error=False):
        block = {"tool_use_id": fake_id("toolu_01", tool_use_id, 22), "type": "tool_result", "content": content}
        if is_error:
            block["is_error"] = True
        self.user([block], tool_use_result)

    def assistant(self, message_id, blocks, model=LEAD_MODEL):
        """One line per content block, as Claude Code writes a streamed message."""
        for i, block in enumerate(blocks):
            head, u, stamp = self._envelope("assistant")
            usage = {"input_tokens": 4 + i, "cache_creation_input_tokens": 1200, "cache_read_input_tokens": 18000 + 10 * self.n,
                     "cache_creation": {"ephemeral_5m_input_tokens": 1200, "ephemeral_1h_input_tokens": 0},
                     "output_tokens": 30 + 11 * i, "service_tier": "standard"}
            message = {"id": fake_id("msg_01", message_id, 22), "type": "message", "role": "assistant", "model": model, "content": [block],
                       "stop_reason": "tool_use" if block.get("type") == "tool_use" else None, "stop_sequence": None,
                       "usage": usage}
            line = dict(head, message=message, requestId=fake_id("req_011C", message_id, 20), type="assistant", uuid=u, timestamp=stamp)
            self.lines.append(dumps(line))

    def system(self, content):
        head, u, stamp = self._envelope("system")
        self.lines.append(dumps(dict(head, type="system", subtype="informational", content=content, isMeta=False,
                                     timestamp=stamp, uuid=u, level="info")))

    def snapshot(self, message_id):
        self.lines.append(dumps({"type": "file-history-snapshot", "messageId": message_id,
                                 "snapshot": {"messageId": message_id, "trackedFileBackups": {}, "timestamp": "2026-11-20T09:00:00.000Z"},
                                 "isSnapshotUpdate": False}))

    def raw(self, text):
        self.lines.append(text)


def text(t):
    return {"type": "text", "text": t}


def thinking(t):
    return {"type": "thinking", "thinking": t, "signature": "EqQBCkYIBxgCKkDk" + "A" * 40}


def tool_use(tool_id, tool_name, **fields):
    return {"type": "tool_use", "id": fake_id("toolu_01", tool_id, 22), "name": tool_name, "input": fields}


def worker_prompt(worker, sidecar=True):
    wid = worker[:-7]
    lines = ["You are **%s** in okstra run 001 of task `shop/payments/refund-timeout` (error-analysis)." % worker, "",
             "**Task root:** `%s`" % TASK_ROOT,
             "**Analysis packet:** `%s/instruction-set/analysis-packet.md`" % TASK_ROOT,
             "**Worktree:** `/root/.okstra/worktrees/shop/payments/refund-timeout`",
             "**Result path:** `%s/worker-results/%s-001.md`" % (RUN, wid),
             "**Errors log path:** `%s/worker-results/%s-001.errors.log`" % (RUN, wid)]
    if sidecar:
        lines.append("**Errors sidecar path:** `%s/worker-results/%s-001.errors.json`" % (RUN, wid))
    lines += ["", "## Contract", "", "1. Read the analysis packet first.",
              "2. Write exactly one result file at the result path, starting with the front matter.",
              "3. On any failure append one line to the errors log and write the sidecar."]
    return "\n".join(lines) + "\n"


def report_writer_prompt():
    return ("You are **report-writer** in okstra run 001 of task `shop/payments/refund-timeout` (error-analysis).\n\n"
            "**Report path:** `%s`\n**Template:** `%s/prompts/001/report-template.md`\n"
            "**Worker results:** `%s/worker-results/claude-001.md`, `%s/worker-results/codex-001.md`\n"
            "**Errors log path:** `%s/worker-results/report-writer-001.errors.log`\n"
            "**Errors sidecar path:** `%s/worker-results/report-writer-001.errors.json`\n" % (REPORT, RUN, RUN, RUN, RUN, RUN))


def agent_done(worker, summary, async_launch=False):
    aid = AGENTS[worker]
    if async_launch:
        return {"isAsync": True, "status": "async_launched", "agentId": aid, "description": "%s analysis" % worker,
                "prompt": "(see the dispatch)"}
    return {"status": "completed", "prompt": "(see the dispatch)", "agentId": aid,
            "content": [{"type": "text", "text": summary}], "totalDurationMs": 184233, "totalTokens": 48211,
            "totalToolUseCount": 14,
            "usage": {"input_tokens": 12, "cache_creation_input_tokens": 9100, "cache_read_input_tokens": 38000,
                      "output_tokens": 1099, "service_tier": "standard"}}


def task_output_done(worker):
    aid = AGENTS[worker]
    return {"retrieval_status": "success",
            "task": {"task_id": aid, "task_type": "local_agent", "status": "completed", "description": "%s analysis" % worker,
                     "output": "Result written to worker-results."}}


def dispatch(case, worker, tool_id, background=False, team=True):
    name = "codex" if case == "bc01-worker-name" and worker == "codex-worker" else worker
    fields = {"description": "%s analysis of the refund timeout" % worker.split("-")[0].capitalize(),
              "prompt": worker_prompt(worker, sidecar=not (case == "bc07-missing-errors-path" and worker == "claude-worker")),
              "subagent_type": worker, "name": name}
    if team:
        fields["team_name"] = TEAM
    if background:
        fields["run_in_background"] = True
    return tool_use(tool_id, "Task" if case == "old-format" else "Agent", **fields)


def opening_phases(t, case, teamless):
    """phase-1 (the packet) and phase-2 (TeamCreate)."""
    t.snapshot("msg_01A")
    t.user("Run okstra error-analysis for shop/payments/refund-timeout → run dir %s" % RUN)
    t.assistant("msg_01A", [thinking("The run context is prepared; load the packet first."),
                            text("PROGRESS: phase-1 loading the task bundle"),
                            tool_use("toolu_01Read", "Read", file_path=TASK_ROOT + "/instruction-set/analysis-packet.md")])
    packet = "# Analysis packet\n\nRefunds time out after 30 s when the ledger is locked.\n"
    t.result("toolu_01Read", packet, {"type": "text", "file": {"filePath": TASK_ROOT + "/instruction-set/analysis-packet.md",
                                                               "content": packet, "numLines": 3, "startLine": 1, "totalLines": 3}})
    if case == "damaged":
        t.raw('{"parentUuid":"0b1","isSidechain":false,"type":"assistant","message":{"id":"msg_x","content":[{"type":"te')
        t.raw(dumps({"type": "agent-telemetry", "uuid": "future-1", "timestamp": "2026-11-20T09:00:30.000Z", "data": {"k": 1}}))
    t.assistant("msg_01B", [text("PROGRESS: phase-2 creating the team"),
                            tool_use("toolu_02Team", "TeamCreate", team_name=TEAM, description="okstra error-analysis run 001")])
    created = {"team_name": TEAM, "team_file_path": "/root/.claude/teams/%s/config.json" % TEAM}
    if case == "team-create-failed":
        t.result("toolu_02Team", "<tool_use_error>Agent teams are not enabled in this session</tool_use_error>",
                 "Error: Agent teams are not enabled in this session", is_error=True)
    else:
        t.result("toolu_02Team", "Team %s created" % TEAM, created)
    t.system("Team %s: 0 members" % TEAM)


def dispatch_phase(t, case, teamless, codex_bg, old):
    """phase-3: both analysis workers in one turn (two turns in bc02), their results, and
    for background dispatches the TaskOutput reads."""
    claude_d = dispatch(case, "claude-worker", "toolu_03Claude", background=teamless, team=not teamless)
    codex_d = dispatch(case, "codex-worker", "toolu_03Codex", background=teamless or codex_bg, team=not teamless)
    intro = text("PROGRESS: phase-3 dispatching the analysis workers")
    if case == "bc02-split-dispatch":
        t.assistant("msg_01C", [intro, claude_d])
        t.result("toolu_03Claude", [text("claude-worker: result written")], agent_done("claude-worker", "claude-worker: result written"))
        t.assistant("msg_01C2", [text("Now the Codex worker."), codex_d])
        t.result("toolu_03Codex", [text("codex-worker: result written")], agent_done("codex-worker", "codex-worker: result written"))
    else:
        t.assistant("msg_01C", [intro, claude_d, codex_d])
        if old:
            for line in inline_sidechain_lines():
                t.raw(line)
        for worker, tool_id, bg in (("claude-worker", "toolu_03Claude", teamless), ("codex-worker", "toolu_03Codex", teamless or codex_bg)):
            summary = "%s: result written" % worker
            done = agent_done(worker, summary, async_launch=bg)
            if old:
                done.pop("agentId", None)
            content = "Async agent launched successfully. agentId: %s" % AGENTS[worker] if bg else [text(summary)]
            t.result(tool_id, content, done)
    if teamless:
        t.assistant("msg_01D0", [tool_use("toolu_04Out1", "TaskOutput", task_id=AGENTS["claude-worker"], block=True, timeout=600000),
                                 tool_use("toolu_04Out2", "TaskOutput", task_id=AGENTS["codex-worker"], block=True, timeout=600000)])
        t.result("toolu_04Out1", "<retrieval_status>success</retrieval_status>\n<status>completed</status>", task_output_done("claude-worker"))
        t.result("toolu_04Out2", "<retrieval_status>success</retrieval_status>\n<status>completed</status>", task_output_done("codex-worker"))


def closing_phases(t, case, teamless, codex_bg, old):
    """phase-4 (reading the results) to phase-7 (okstra prepare finish)."""
    t.assistant("msg_01D", [text("PROGRESS: phase-4 collecting the worker results"),
                            tool_use("toolu_05R1", "Read", file_path=RUN + "/worker-results/claude-001.md"),
                            tool_use("toolu_05R2", "Read", file_path=RUN + "/worker-results/codex-001.md")])
    for tid, wid in (("toolu_05R1", "claude"), ("toolu_05R2", "codex")):
        body = result_file(wid, case)
        t.result(tid, body, {"type": "text", "file": {"filePath": RUN + "/worker-results/%s-001.md" % wid, "content": body,
                                                      "numLines": body.count("\n"), "startLine": 1, "totalLines": body.count("\n")}})
    if case == "damaged":
        t.assistant("msg_01D9", [{"type": "fancy_new_block", "payload": {"note": "a block type from a newer Claude Code"}}])
    t.assistant("msg_01E", [text("PROGRESS: phase-5.5 converging the findings\n\nBoth workers agree: the ledger lock "
                                 "is held across the refund call. Codex adds the missing timeout on `LedgerClient`.")])
    if codex_bg:
        t.assistant("msg_01E2", [tool_use("toolu_06Out", "TaskOutput", task_id=AGENTS["codex-worker"], block=True, timeout=600000)])
        t.result("toolu_06Out", "<retrieval_status>success</retrieval_status>\n<status>completed</status>", task_output_done("codex-worker"))
    rw = tool_use("toolu_07Writer", "Task" if old else "Agent", description="Write the final report",
                  prompt=report_writer_prompt(), subagent_type="report-writer-worker", name="report-writer",
                  **({} if teamless else {"team_name": TEAM}))
    t.assistant("msg_01F", [text("PROGRESS: phase-6 dispatching the report writer"), rw])
    done = agent_done("report-writer", "report-writer: final report written")
    if old:
        done.pop("agentId", None)
    t.result("toolu_07Writer", [text("report-writer: final report written")], done)
    if case == "bc06-lead-writes-report":
        t.assistant("msg_01F2", [tool_use("toolu_08Edit", "Edit", file_path=REPORT, old_string="30 s", new_string="30 seconds")])
        t.result("toolu_08Edit", "The file %s has been updated." % REPORT,
                 {"filePath": REPORT, "oldString": "30 s", "newString": "30 seconds", "structuredPatch": [], "userModified": False})
    last_phase = "phase-5" if case == "bc08-progress-order" else "phase-7"
    finish = "okstra prepare finish --run-dir %s --status completed" % RUN
    t.assistant("msg_01G", [text("PROGRESS: %s closing the run" % last_phase),
                            tool_use("toolu_09Finish", "Bash", command=finish, description="Close the run")])
    out = '{"runDir":"%s","status":"completed"}' % RUN
    t.result("toolu_09Finish", out, {"stdout": out, "stderr": "", "interrupted": False, "isImage": False})
    t.assistant("msg_01H", [text("Run complete. The final report is at `%s`." % REPORT)])


def lead_transcript(case):
    t = Transcript("lead")
    old = case == "old-format"
    teamless = case in ("bc03-background-without-team", "team-create-failed")
    codex_bg = case == "bc05-early-convergence"
    opening_phases(t, case, teamless)
    dispatch_phase(t, case, teamless, codex_bg, old)
    closing_phases(t, case, teamless, codex_bg, old)
    lines = t.lines
    if case == "damaged":
        lines[-1] = lines[-1][: len(lines[-1]) // 2]  # the session was cut while writing its last line
    return lines


def inline_sidechain_lines():
    """Older Claude Code kept a subagent's lines in the parent file, isSidechain:true."""
    s = Transcript("inline", sidechain=True, start_minute=2)
    s.user(worker_prompt("codex-worker"))
    s.assistant("msg_02S1", [tool_use("toolu_S1Bash", "Bash", command="~/.okstra/bin/okstra-codex-exec.sh --prompt-file %s/prompts/001/codex-worker.md" % RUN,
                                      run_in_background=True, description="Run Codex through the okstra wrapper")], model=WORKER_MODEL)
    s.result("toolu_S1Bash", "Command running in background with ID: bash_1",
             {"stdout": "", "stderr": "", "interrupted": False, "isImage": False, "backgroundTaskId": "bash_1"})
    s.assistant("msg_02S2", [tool_use("toolu_S2Out", "BashOutput", bash_id="bash_1")], model=WORKER_MODEL)
    s.result("toolu_S2Out", "<status>completed</status>\n\n<exit_code>0</exit_code>",
             {"shellId": "bash_1", "command": "okstra-codex-exec.sh", "status": "completed", "exitCode": 0,
              "stdout": "ok", "stderr": "", "stdoutLines": 1, "stderrLines": 0, "timestamp": "2026-11-20T09:03:00.000Z"})
    s.assistant("msg_02S3", [text("Codex finished; result written.")], model=WORKER_MODEL)
    return s.lines


def subagent_transcript(case, worker):
    aid = AGENTS[worker]
    s = Transcript("agent-" + aid, sidechain=True, agent_id=aid, start_minute=2)
    if worker == "report-writer":
        s.user(report_writer_prompt())
        s.assistant("msg_03R1", [tool_use("toolu_R1", "Read", file_path=RUN + "/worker-results/claude-001.md")], model=WORKER_MODEL)
        s.result("toolu_R1", result_file("claude", case), {"type": "text", "file": {"filePath": RUN + "/worker-results/claude-001.md"}})
        s.assistant("msg_03R2", [tool_use("toolu_R2", "Write", file_path=REPORT, content=final_report())], model=WORKER_MODEL)
        s.result("toolu_R2", "File created successfully at: " + REPORT, {"type": "create", "filePath": REPORT, "content": final_report()})
        s.assistant("msg_03R3", [text("report-writer: final report written")], model=WORKER_MODEL)
        return s.lines
    wid = worker[:-7]
    s.user(worker_prompt(worker))
    if worker == "codex-worker":
        if case == "bc04-direct-codex":
            command = "codex exec --full-auto -m gpt-5-codex \"$(cat %s/prompts/001/codex-worker.md)\" > %s/worker-results/codex-001.md" % (RUN, RUN)
        else:
            command = ("~/.okstra/bin/okstra-codex-exec.sh --prompt-file %s/prompts/001/codex-worker.md "
                       "--result %s/worker-results/codex-001.md --errors-log %s/worker-results/codex-001.errors.log" % (RUN, RUN, RUN))
        s.assistant("msg_03C1", [thinking("Run Codex through the wrapper, in the background."),
                                 tool_use("toolu_C1", "Bash", command=command, description="Run Codex", run_in_background=True)],
                    model=WORKER_MODEL)
        s.result("toolu_C1", "Command running in background with ID: bash_1",
                 {"stdout": "", "stderr": "", "interrupted": False, "isImage": False, "backgroundTaskId": "bash_1"})
        s.assistant("msg_03C2", [tool_use("toolu_C2", "BashOutput", bash_id="bash_1")], model=WORKER_MODEL)
        s.result("toolu_C2", "<status>completed</status>\n\n<exit_code>0</exit_code>\n\n<stdout>\nresult written\n</stdout>",
                 {"shellId": "bash_1", "command": command, "status": "completed", "exitCode": 0, "stdout": "result written\n",
                  "stderr": "", "stdoutLines": 1, "stderrLines": 0, "timestamp": "2026-11-20T09:04:10.000Z"})
    else:
        s.assistant("msg_03A1", [tool_use("toolu_A1", "Grep", pattern="refund.*timeout", path=CWD + "/src", output_mode="content")],
                    model=WORKER_MODEL)
        s.result("toolu_A1", "src/refunds/service.py:88:    with ledger.lock(timeout=30):",
                 {"mode": "content", "numFiles": 1, "filenames": [], "content": "src/refunds/service.py:88", "numLines": 1})
        s.assistant("msg_03A2", [tool_use("toolu_A2", "Write", file_path="%s/worker-results/%s-001.md" % (RUN, wid),
                                          content=result_file(wid, case))], model=WORKER_MODEL)
        s.result("toolu_A2", "File created successfully", {"type": "create", "filePath": "%s/worker-results/%s-001.md" % (RUN, wid)})
    s.assistant("msg_03Z", [text("%s: result written" % worker)], model=WORKER_MODEL)
    return s.lines


def result_file(wid, case):
    worker_id = "claude" if case == "bc09-result-front-matter" and wid == "codex" else wid
    fm = ["---", "title: error-analysis result of %s-worker" % wid, "id: refund-timeout-%s-001" % wid]
    if not (case == "bc09-result-front-matter" and wid == "codex"):
        fm.append("aliases: []")
    fm += ["tags: [okstra, error-analysis]", "taskType: error-analysis", "workerId: %s" % worker_id,
           "task-id: refund-timeout", "---", "", "# Findings", "",
           "- The ledger lock is held across the refund call (`src/refunds/service.py:88`).", ""]
    return "\n".join(fm)


def final_report():
    return ("---\ntitle: Final report — error-analysis of refund-timeout\ntaskType: error-analysis\n---\n\n"
            "# Final report\n\nThe ledger lock is held across the refund call.\n")


def write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(content)


def write_json(path, obj):
    write(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def write_case(out, case):
    root = os.path.join(out, case)
    projects = os.path.join(root, "claude", "projects", PROJECT_FOLDER)
    lead = lead_transcript(case)
    ending = "" if case == "damaged" else "\n"
    write(os.path.join(projects, SESSION + ".jsonl"), "\n".join(lead) + ending)
    if case != "old-format":
        sub = os.path.join(projects, SESSION, "subagents")
        for worker, aid in AGENTS.items():
            if case == "damaged" and worker == "claude-worker":
                continue  # its agentId is in the lead's transcript, its file is gone
            write(os.path.join(sub, "agent-%s.jsonl" % aid), "\n".join(subagent_transcript(case, worker)) + "\n")
            agent_type = "report-writer-worker" if worker == "report-writer" else worker
            write_json(os.path.join(sub, "agent-%s.meta.json" % aid), {"agentType": agent_type, "description": "%s of run 001" % worker})
    task = os.path.join(root, "task")
    write_json(os.path.join(task, "task-manifest.json"), {
        "version": 1, "taskKey": "shop/payments/refund-timeout", "projectId": "shop", "taskGroup": "payments",
        "taskId": "refund-timeout", "workCategory": "bugfix", "createdAt": "2026-11-20T08:58:00Z", "updatedAt": "2026-11-20T08:58:00Z",
        "roster": {"executor": "claude", "workers": ["claude-worker", "codex-worker"], "reportWriter": "report-writer"},
        "taskTypes": ["error-analysis"],
        "runs": [{"taskType": "error-analysis", "stage": None, "seq": 1, "runDir": RUN, "reportPath": REPORT, "createdAt": "2026-11-20T08:58:00Z"}]})
    run = os.path.join(task, "runs", "error-analysis")
    write_json(os.path.join(run, "run-context.json"), {
        "projectRoot": CWD, "taskKey": "shop/payments/refund-timeout", "taskType": "error-analysis", "stage": None, "seq": 1,
        "runDir": RUN, "reportPath": REPORT, "worktreePath": CWD, "branch": BRANCH, "baseRef": "main",
        "baseCommit": "3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e", "executor": "claude", "workers": ["claude", "codex"],
        "models": {"lead": "default", "claude-worker": "default", "codex-worker": "default", "report-writer": "default"},
        "prTemplate": {"path": "/root/.okstra/templates/pr-body.template.md", "source": "default"},
        "okstraVersion": "0.1.0", "createdAt": "2026-11-20T08:58:00Z"})
    team_create = ({"status": "error", "error": "Agent teams are not enabled in this session", "at": "2026-11-20T09:00:22Z"}
                   if case == "team-create-failed" else {"status": "ok", "at": "2026-11-20T09:00:22Z"})
    write_json(os.path.join(run, "team-state.json"), {"teamName": TEAM, "sessionId": SESSION, "teamCreate": team_create})
    for wid in ("claude", "codex"):
        write(os.path.join(run, "worker-results", "%s-001.md" % wid), result_file(wid, case))
    write(os.path.join(run, "reports", "final-report-error-analysis-001.md"), final_report())
    if case == "conforming":
        for worker in ("claude-worker", "codex-worker"):
            write(os.path.join(run, "prompts", "001", worker + ".md"), worker_prompt(worker))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for case in CASES:
        shutil.rmtree(os.path.join(out, case, "claude"), ignore_errors=True)
        shutil.rmtree(os.path.join(out, case, "task"), ignore_errors=True)
        write_case(out, case)
    lines = ["# Session fixtures (written by make_fixtures.py; do not edit by hand)", "",
             "| case | what it shows |", "|---|---|"]
    lines += ["| `%s` | %s |" % (case, what) for case, what in CASES.items()]
    lines += ["", "Each case's `expected.json` is what `okstra-validate-session --session %s --run-dir %s` prints "
              "from the case folder; `sh tests/cli/validate_session.sh --update-goldens` rewrites them (review the diff)."
              % ("claude/projects/%s/%s.jsonl" % (PROJECT_FOLDER, SESSION), "task/runs/error-analysis")]
    write(os.path.join(out, "CASES.md"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
