#!/bin/sh
# okstra-cost end to end through the real binary: golden JSON and table on the
# sample bundle (tests/data/task-bundle) with a fixed temporary HOME, every
# token estimate re-computed by the seed's own Python formula, --compare,
# -c, paths relative to the project root, the Claude roots (a fake HOME and
# CLAUDE_CONFIG_DIR), the default runtime root of an installed binary, the
# front end, and exit codes. One line per check; exit 1 if any check failed.
set -eu

src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
bld=${OKSTRA_BUILD_ROOT:?OKSTRA_BUILD_ROOT must be set}
bin=$bld/okstra-cost
data=$src/tests/data/task-bundle
expected=$data/expected

. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
# normalise FILE: the machine's paths replaced by @DATA@ and @WORK@.
normalise() {
  python3 - "$1" "$data" "$work" <<'EOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
print(text.replace(sys.argv[2], "@DATA@").replace(sys.argv[3], "@WORK@"), end="")
EOF
}
# same_as GOLDEN FILE DESCRIPTION: FILE (normalised) equals GOLDEN byte for byte.
same_as() {
  normalise "$2" >"$work/normalised"
  if cmp -s "$1" "$work/normalised"; then pass "$3"
  else fail "$3"; diff "$1" "$work/normalised" | head -20; fi
}
# one_error STATUS PATTERN DESCRIPTION: the last run failed with STATUS, printed
# nothing on stdout and one error line (plus an optional hint) matching PATTERN.
one_error() {
  if [ "$rc" -eq "$1" ] && [ ! -s "$work/out" ] && head -1 "$work/err" | grep -q "^okstra-cost: error: $2" &&
    { [ "$(wc -l <"$work/err")" -eq 1 ] || { [ "$(wc -l <"$work/err")" -eq 2 ] && sed -n 2p "$work/err" | grep -q '^hint: '; }; }
  then pass "$3"
  else fail "$3 (exit $rc): $(cat "$work/err")"; fi
}

# ---- isolation: nothing installed except one agent file --------------------------
HOME=$work/user
OKSTRA_HOME=$work/okstra-home
export HOME OKSTRA_HOME
unset CLAUDE_CONFIG_DIR
mkdir -p "$HOME/.claude/agents"
printf '%s\n' '---' 'name: codex-worker' '---' 'Run okstra-codex-exec.sh in the background; 결과 파일 경로만 돌려줍니다.' \
  >"$HOME/.claude/agents/codex-worker.md"

# ---- golden outputs ----------------------------------------------------------------
run "$bin" --task-root "$data/task" --runtime-root "$data/runtime"
[ "$rc" -eq 0 ] && [ ! -s "$work/err" ] && pass "sample bundle: exit 0, nothing on stderr" || fail "sample: exit $rc $(cat "$work/err")"
cp "$work/out" "$work/report.json"
same_as "$expected/cost.json" "$work/report.json" "golden JSON of the sample bundle"

run "$bin" --task-root "$data/task" --runtime-root "$data/runtime" --format table
[ "$rc" -eq 0 ] && pass "table: exit 0" || fail "table: exit $rc"
same_as "$expected/cost-table.txt" "$work/out" "golden table of the sample bundle"

run "$bin" --task-root "$data/task" --runtime-root "$data/runtime" --compare "$data/legacy-task"
[ "$rc" -eq 0 ] && pass "compare: exit 0" || fail "compare: exit $rc"
same_as "$expected/compare.json" "$work/out" "golden JSON of --compare legacy-task"
run "$bin" --task-root "$data/task" --runtime-root "$data/runtime" --compare "$data/legacy-task" --format table
same_as "$expected/compare-table.txt" "$work/out" "golden table of --compare legacy-task"

run "$bin" --task-root "$data/task" --runtime-root "$data/runtime" -c
[ "$(wc -l <"$work/out")" -eq 1 ] && python3 -c '
import json, sys
sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$work/out" "$work/report.json" \
  && pass "-c: the same JSON on one line" || fail "-c: $(head -c 200 "$work/out")"

# ---- every estimate, re-computed with the seed's formula ---------------------------
# (read_text(errors="replace"), ASCII/4 + other, round() half to even).
seed_check() {  # REPORT.json TASK_ROOT
  python3 - "$1" "$2" <<'EOF'
import json, sys
from pathlib import Path
report, root = json.load(open(sys.argv[1])), Path(sys.argv[2])
def estimate(paths):
    total = 0.0
    for path in paths:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        ascii_chars = sum(1 for ch in text if ord(ch) < 128)
        total += ascii_chars / 4 + (len(text) - ascii_chars)
    return round(total)
def at(p): return p if p.startswith("/") else root / p
bad = []
for key in ("leadPhase1", "reportWriter"):
    m = report[key]
    if m["estimatedTokens"] != estimate(at(p) for p in m["files"]): bad.append(key)
    if m["bytes"] != sum(at(p).stat().st_size for p in m["files"]): bad.append(key + " bytes")
inst = sorted(p for p in (root / "instruction-set").rglob("*") if p.is_file())
if report["instructionSet"]["estimatedTokens"] != estimate(inst): bad.append("instructionSet")
for f in report["skillAssets"]["files"]:
    if f["estimatedTokens"] != estimate([f["path"]]): bad.append(f["name"])
print(" ".join(bad))
EOF
}
got=$(seed_check "$work/report.json" "$data/task")
[ -z "$got" ] && pass "estimates agree with the seed's Python formula" || fail "estimates differ from the seed: $got"

# A bundle with Korean, emoji, CRLF, invalid UTF-8 and an empty file.
bundle=$work/odd-task
mkdir -p "$bundle/instruction-set" "$bundle/runs/error-analysis/worker-results"
printf '한국어 요청: 환불 타임아웃 😀 👍🏽\r\nline two\r\n' >"$bundle/instruction-set/task-brief.md"
printf 'bad \377\376 bytes \355\240\200 and \342\202 truncated\n' >"$bundle/instruction-set/analysis-packet.md"
: >"$bundle/instruction-set/timeline.md"
printf 'one\r\ntwo\r\nthree\r\nfour\r\n' >"$bundle/instruction-set/reference-expectations.md"  # CRLF: 4 code points fewer
printf 'ab' >"$bundle/runs/error-analysis/worker-results/claude-worker.md"
printf 'cd' >"$bundle/runs/error-analysis/worker-results/codex-worker.md"
run "$bin" --task-root "$bundle" --runtime-root "$data/runtime"
cp "$work/out" "$work/odd.json"
[ "$rc" -eq 0 ] && [ "$(seed_check "$work/odd.json" "$bundle")" = "" ] \
  && pass "odd text (Korean, emoji, CRLF, invalid UTF-8, empty file): estimates agree with the seed" \
  || fail "odd text: exit $rc, differs: $(seed_check "$work/odd.json" "$bundle")"
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["instructionSet"]["fileCount"], d["reportWriter"]["estimatedTokens"])' "$work/odd.json")
[ "$got" = "4 1" ] && pass "empty file counted; two half-token files round once to 1" || fail "odd counts: $got"

# No instruction set at all.
mkdir -p "$work/bare"
printf '{}\n' >"$work/bare/task-manifest.json"
run "$bin" --task-root "$work/bare" --runtime-root "$data/runtime" -c
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["instructionSet"]["fileCount"], d["leadPhase1"]["mode"], d["runDir"])' "$work/out")
[ "$rc" -eq 0 ] && [ "$got" = "0 no-instruction-set None" ] && pass "absent instruction set: exit 0, zeros" || fail "bare: exit $rc, $got"

# ---- the default runtime root of an installed binary: <prefix>/share/okstra ---------
mkdir -p "$work/prefix/bin" "$work/prefix/share/okstra"
cp "$bin" "$work/prefix/bin/okstra-cost"
cp -R "$data/runtime/skills" "$data/runtime/agents" "$data/runtime/templates" "$work/prefix/share/okstra/"
run "$work/prefix/bin/okstra-cost" --task-root "$data/task" -c
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["runtimeRoot"] == sys.argv[2], d["skillAssets"]["fileCount"])' "$work/out" "$work/prefix/share/okstra")
[ "$rc" -eq 0 ] && [ "$got" = "True 8" ] && pass "installed binary falls back to <prefix>/share/okstra" || fail "installed default: exit $rc, $got"

# ---- paths relative to the project root (docs/cost.md, "Paths in the output") -----------
for layout in .okstra .project-docs/okstra; do
  project=$work/shop-${layout%%/*}
  task=$project/$layout/tasks/payments/refund-timeout
  mkdir -p "${task%/*}"
  cp -R "$data/task" "$task"
  run "$bin" --task-root "$task" --runtime-root "$data/runtime" -c
  cp "$work/out" "$work/in-project.json"
  check "$layout: exit 0" [ "$rc" -eq 0 ]
  check "$layout: projectRoot is the project" holds "$work/in-project.json" "d['projectRoot'] == '$project'"
  check "$layout: runDir relative to the project" \
    holds "$work/in-project.json" "d['runDir'] == '$layout/tasks/payments/refund-timeout/runs/error-analysis'"
  check "$layout: instructionSet.path relative to the project" \
    holds "$work/in-project.json" "d['instructionSet']['path'] == '$layout/tasks/payments/refund-timeout/instruction-set'"
  # Every listed file is found again from the project root, and the numbers are the sample's.
  check "$layout: every listed file exists below the project root" holds "$work/in-project.json" \
    "all(__import__('os').path.isfile('$project/' + p) for k in ('leadPhase1', 'reportWriter') for p in d[k]['files'])"
  check "$layout: the same measurements as the sample" holds "$work/in-project.json" \
    "[d[k]['bytes'] for k in ('leadPhase1', 'reportWriter')] == [$(json_field "$work/report.json" "d['leadPhase1']['bytes']"), $(json_field "$work/report.json" "d['reportWriter']['bytes']")]"
done
check "a task root in no project: projectRoot is null" holds "$work/report.json" "d['projectRoot'] is None"

# ---- installed skills and agents: one rule for the Claude roots (docs/dirs.md, "Agent roots") --
# CLAUDE_CONFIG_DIR unset: ~/.claude/skills/<name>/SKILL.md and ~/.claude/agents/<file> are found.
fake=$work/fake-home
mkdir -p "$fake/.claude/skills/okstra-convergence" "$fake/.claude/agents" "$work/config-a/skills/okstra-team-contract"
printf 'installed convergence\n' >"$fake/.claude/skills/okstra-convergence/SKILL.md"
printf 'installed claude worker\n' >"$fake/.claude/agents/claude-worker.md"
printf 'team contract from CLAUDE_CONFIG_DIR\n' >"$work/config-a/skills/okstra-team-contract/SKILL.md"
# source_of NAME: "<source> <path>" of that skill asset in $work/out.
source_of() { json_field "$work/out" "next(f['source'] + ' ' + f['path'] for f in d['skillAssets']['files'] if f['name'] == '$1')"; }
run env -u CLAUDE_CONFIG_DIR -u XDG_CONFIG_HOME HOME="$fake" "$bin" --task-root "$data/task" --runtime-root "$data/runtime" -c
check "fake HOME, no CLAUDE_CONFIG_DIR: exit 0" [ "$rc" -eq 0 ]
check "~/.claude/skills/okstra-convergence/SKILL.md is the installed skill" \
  [ "$(source_of skill:okstra-convergence)" = "installed $fake/.claude/skills/okstra-convergence/SKILL.md" ]
check "~/.claude/agents/claude-worker.md is the installed agent" \
  [ "$(source_of agent:claude-worker.md)" = "installed $fake/.claude/agents/claude-worker.md" ]
check "...the others come from the runtime root" \
  [ "$(source_of skill:okstra-team-contract)" = "runtime $data/runtime/skills/okstra-team-contract/SKILL.md" ]
# CLAUDE_CONFIG_DIR set: its roots, and ~/.claude is not read.
run env -u XDG_CONFIG_HOME HOME="$fake" CLAUDE_CONFIG_DIR="$work/nowhere, $work/config-a" "$bin" \
  --task-root "$data/task" --runtime-root "$data/runtime" -c
check "CLAUDE_CONFIG_DIR: exit 0" [ "$rc" -eq 0 ]
check "CLAUDE_CONFIG_DIR: the skill under its second root is installed" \
  [ "$(source_of skill:okstra-team-contract)" = "installed $work/config-a/skills/okstra-team-contract/SKILL.md" ]
check "CLAUDE_CONFIG_DIR: ~/.claude is not read" \
  [ "$(source_of skill:okstra-convergence)" = "runtime $data/runtime/skills/okstra-convergence/SKILL.md" ]

# ---- the front end ---------------------------------------------------------------------
run env OKSTRA_BUILD_DIR="$bld" "$src/bin/okstra" cost --task-root "$data/task" --runtime-root "$data/runtime" --format table
[ "$rc" -eq 0 ] && grep -q '^   1  hot-path skills and agents' "$work/out" && pass "okstra cost --format table through the front end" \
  || fail "front end: exit $rc $(cat "$work/err")"

# ---- exit codes and error lines -------------------------------------------------------------
run "$bin" --help
[ "$rc" -eq 0 ] && head -1 "$work/out" | grep -q '^okstra-cost - ' && grep -q '^Exit status:' "$work/out" \
  && pass "--help: exit 0, usage on stdout" || fail "--help: exit $rc"
run "$bin" --version
[ "$rc" -eq 0 ] && grep -q '^okstra-cost (okstra) ' "$work/out" && pass "--version" || fail "--version: exit $rc"
run "$bin"
one_error 2 "missing required option '--task-root'" "no --task-root: exit 2"
run "$bin" --task-root "$data/task" --format xml
one_error 2 "invalid value for --format 'xml'" "bad --format: exit 2"
run "$bin" --task-root "$data/task" --bogus
one_error 2 "" "unknown option: exit 2"
run "$bin" --task-root "$data/task" --format table -c
one_error 2 "option '--compact' applies to JSON only, not to format 'table'" "-c with a table: exit 2"
run "$bin" --task-root "$work/nope"
one_error 3 "cannot read '$work/nope': no such file or directory" "missing task root: exit 3"
run "$bin" --task-root "$data/README.md"
one_error 3 "cannot read '$data/README.md': not a folder" "task root is a file: exit 3"
run "$bin" --task-root "$data/task" --run-dir "$work/nope"
one_error 3 "cannot read '$work/nope'" "missing --run-dir: exit 3"
run "$bin" --task-root "$data/task" --runtime-root "$work/nope"
one_error 3 "cannot read '$work/nope'" "missing --runtime-root: exit 3"
run "$bin" --task-root "$data/task" --compare "$work/nope"
one_error 3 "cannot read '$work/nope'" "missing --compare task root: exit 3"
# An unreadable file (root reads everything: then a copy of the binary runs as
# nobody, on copies of its inputs, in a folder nobody can reach: lib.sh reach_nobody).
if reach_nobody "$bin"; then
  cp -R "$bundle" "$reach/odd-task"
  cp -R "$data/runtime" "$reach/runtime"
  mkdir -p "$reach/user"
  chmod -R a+rX "$reach/odd-task" "$reach/runtime" "$reach/user"
  chmod 000 "$reach/odd-task/instruction-set/timeline.md"
  run as_nobody env HOME="$reach/user" OKSTRA_HOME="$reach/okstra-home" "$reach/bin/okstra-cost" \
    --task-root "$reach/odd-task" --runtime-root "$reach/runtime"
  one_error 3 "cannot read '$reach/odd-task/instruction-set/timeline.md': permission denied" "unreadable file: exit 3"
  chmod 644 "$reach/odd-task/instruction-set/timeline.md"
else
  skip_part "the unreadable-file check: $nobody_why"
fi
mkdir -p "$work/bad-run/runs/error-analysis"
printf '{"createdAt": ' >"$work/bad-run/runs/error-analysis/run-context.json"
run "$bin" --task-root "$work/bad-run" --runtime-root "$data/runtime"
[ "$rc" -eq 0 ] && grep -q "^okstra-cost: warning: malformed JSON '" "$work/err" && pass "malformed run-context.json: a warning, exit 0" \
  || fail "malformed run context: exit $rc $(cat "$work/err")"

finish
