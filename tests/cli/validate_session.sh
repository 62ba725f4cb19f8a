#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# okstra-validate-session through the real binary, on the fixture runs of
# tests/data/sessions/<case>/ (real Claude Code transcript shapes written by
# make_fixtures.py): the golden JSON of every case (expected.json), exit codes
# 0/1/2/3, -c, the text format, --rule/--skip-rule, finding the session
# from --run-dir, what is judged from the transcript alone (BC06, the run dir
# inferred from the prompts' **Result path:**, skip reasons), and the front
# end. JUnit output is checked against a schema
# in validate_session_junit.sh. One line per check.
#
#   sh tests/cli/validate_session.sh --update-goldens   rewrites every expected.json
#                                                        (review the diff before committing)
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-validate-session"
sessions="$OKSTRA_SOURCE_ROOT/tests/data/sessions"
session=claude/projects/-work-shop/6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20.jsonl
run_dir=task/runs/error-analysis
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
update=false
[ "${1:-}" = --update-goldens ] && update=true

# 0. The committed fixtures are exactly what the generator writes.
python3 "$sessions/make_fixtures.py" "$work/regen"
if diff -r -x expected.json -x make_fixtures.py -x __pycache__ "$sessions" "$work/regen" >"$work/diff"; then
  pass "the fixtures are what make_fixtures.py writes"
else fail "the fixtures differ from make_fixtures.py's output: $(head -5 "$work/diff")"; fi

# run_in DIR CMD...: run (lib.sh) from DIR; $rc is set here as well.
run_in() {
  in_dir=$1
  shift
  (cd "$in_dir" && run "$@" && printf '%s\n' "$rc" >"$work/rc")
  rc=$(cat "$work/rc")
}

# The rules a case must break, from its name: bcNN-* breaks BCNN, the others none.
expected_failures() {
  case $1 in
    bc0[1-9]-*) echo "$1" | cut -c1-4 | tr '[:lower:]' '[:upper:]' ;;
    *) echo '' ;;
  esac
}

# 1. Every case, from its own folder so that the paths printed are relative.
cases=0
for dir in "$sessions"/*/; do
  name=$(basename "$dir")
  cases=$((cases + 1))
  want=$(expected_failures "$name")
  expected_rc=1
  case $want in '' | BC08) expected_rc=0 ;; esac
  run_in "$dir" "$bin" --session "$session" --run-dir "$run_dir"
  if $update; then cp "$work/out" "$dir/expected.json"; fi
  if cmp -s "$work/out" "$dir/expected.json"; then pass "$name: the golden JSON"
  else fail "$name: JSON differs from expected.json"; diff "$dir/expected.json" "$work/out" | head -20; fi
  [ "$rc" -eq "$expected_rc" ] && pass "$name: exit $rc" || fail "$name: exit $rc, expected $expected_rc"
  got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(r["id"] for r in d["rules"] if r["status"] == "fail"))' "$work/out")
  [ "$got" = "$want" ] && pass "$name: failing rules '${want}'" || fail "$name: failing rules '$got', expected '$want'"
  diagnostics=$(json_field "$work/out" 'len(d["diagnostics"])')
  [ "$(wc -l <"$work/err")" -eq "$diagnostics" ] && { [ "$diagnostics" -eq 0 ] || grep -q '^okstra-validate-session: warning: ' "$work/err"; } &&
    pass "$name: one stderr warning per diagnostic ($diagnostics)" || fail "$name: stderr: $(cat "$work/err")"
  run_in "$dir" "$bin" -c --session "$session" --run-dir "$run_dir"
  if [ "$(wc -l <"$work/out")" -eq 1 ] && python3 -c '
import json, sys
quiet = json.load(open(sys.argv[1])); golden = json.load(open(sys.argv[2]))
sys.exit(0 if quiet == golden and list(quiet) == list(golden) else 1)' "$work/out" "$dir/expected.json"; then
    pass "$name: -c prints the same JSON on one line"
  else fail "$name: -c: $(head -c 300 "$work/out")"; fi
  run_in "$dir" "$bin" --format text --session "$session" --run-dir "$run_dir"
  last=$(tail -n 1 "$work/out")
  case $expected_rc in
    0) want_line='result: conforms (0 errors, ' ;;
    *) want_line='result: does not conform (' ;;
  esac
  [ "$rc" -eq "$expected_rc" ] && case $last in "$want_line"*) true ;; *) false ;; esac &&
    pass "$name: text format ends with '$last'" || fail "$name: text: rc $rc, '$last'"
done
[ "$cases" -ge 13 ] && pass "$cases fixture cases" || fail "only $cases fixture cases found in $sessions"

# 2. Without --session: the session named by team-state.json's sessionId, under
# CLAUDE_CONFIG_DIR (a comma list; a missing root is fine).
conforming=$sessions/conforming
run_in "$conforming" env CLAUDE_CONFIG_DIR="/nonexistent, claude" "$bin" -c --run-dir "$run_dir"
[ "$rc" -eq 0 ] && grep -qF "\"session\":\"claude/projects/-work-shop/6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20.jsonl\"" "$work/out" &&
  pass "--run-dir alone finds the session through CLAUDE_CONFIG_DIR" || fail "lookup: rc $rc, $(cat "$work/out" "$work/err")"
run_in "$sessions/bc05-early-convergence" env CLAUDE_CONFIG_DIR=claude "$bin" -c --run-dir "$run_dir"
[ "$rc" -eq 1 ] && grep -q '"id":"BC05","name":"workers-finish-before-convergence","severity":"error","status":"fail"' "$work/out" &&
  pass "--run-dir alone: a violating run exits 1" || fail "lookup bc05: rc $rc"
mkdir -p "$work/home"
run_in "$conforming" env HOME="$work/home" XDG_CONFIG_HOME='' CLAUDE_CONFIG_DIR='' "$bin" --run-dir "$run_dir"
[ "$rc" -eq 3 ] && [ ! -s "$work/out" ] &&
  grep -q "^okstra-validate-session: error: cannot find the lead session of the run '$run_dir'$" "$work/err" &&
  grep -q '^hint: ' "$work/err" && pass "no session for the run: exit 3 with a hint" || fail "no session: rc $rc, $(cat "$work/err")"

# 3. --rule and --skip-rule: only the rules asked for are reported.
run_in "$sessions/bc01-worker-name" "$bin" -c --session "$session" --run-dir "$run_dir" --rule bc07 --rule BC02
[ "$rc" -eq 0 ] && [ "$(json_field "$work/out" '" ".join(r["id"] for r in d["rules"])')" = "BC02 BC07" ] &&
  pass "--rule: only BC02 and BC07, the BC01 violation not judged (exit 0)" || fail "--rule: rc $rc, $(cat "$work/out")"
run_in "$sessions/bc01-worker-name" "$bin" -c --session "$session" --skip-rule BC01 --skip-rule bc08
[ "$rc" -eq 0 ] && [ "$(json_field "$work/out" '" ".join(r["id"] + ":" + r["status"] for r in d["rules"])')" = \
  "BC02:pass BC03:skip BC04:pass BC05:pass BC06:pass BC07:pass BC09:skip" ] &&
  pass "--skip-rule; without a run dir BC03 and BC09 are skipped, BC06 judged" || fail "--skip-rule: rc $rc, $(cat "$work/out")"

# 4. Usage errors: exit 2, one error line, nothing on stdout.
for args in "" "--rule BC10 --session x" "--skip-rule nope --session x" "--format xml --session x" \
  "-c --format text --session x" "--bogus" "--session" "a.jsonl"; do
  # shellcheck disable=SC2086  # split the arguments on purpose
  run "$bin" $args
  [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && [ "$(grep -c '^okstra-validate-session: error: ' "$work/err")" -eq 1 ] &&
    pass "usage error '$args': exit 2" || fail "usage error '$args': rc $rc, $(cat "$work/err")"
done
run "$bin" --rule BC10 --session x
grep -q "^okstra-validate-session: error: unknown rule 'BC10'$" "$work/err" && pass "unknown rule named" || fail "unknown rule: $(cat "$work/err")"

# 5. Unreadable input: exit 3, "cannot read '<path>'", nothing on stdout.
run "$bin" --session "$work/missing.jsonl"
[ "$rc" -eq 3 ] && [ ! -s "$work/out" ] &&
  grep -q "^okstra-validate-session: error: cannot read '$work/missing.jsonl': no such file or directory$" "$work/err" &&
  pass "missing session file: exit 3" || fail "missing session: rc $rc, $(cat "$work/err")"
run "$bin" --session "$work"
[ "$rc" -eq 3 ] && grep -q "^okstra-validate-session: error: cannot read '$work': is a directory$" "$work/err" &&
  pass "a folder as session: exit 3" || fail "folder session: rc $rc, $(cat "$work/err")"
run "$bin" --session "$conforming/$session" --run-dir "$work/no-run"
[ "$rc" -eq 3 ] && grep -q "^okstra-validate-session: error: cannot read '$work/no-run': no such file or directory$" "$work/err" &&
  pass "missing run dir: exit 3" || fail "missing run dir: rc $rc, $(cat "$work/err")"
mkfifo "$work/fifo.jsonl"
run "$bin" --session "$work/fifo.jsonl"
[ "$rc" -eq 3 ] && grep -q "^okstra-validate-session: error: cannot read '$work/fifo.jsonl': not a regular file$" "$work/err" &&
  pass "a FIFO as session: exit 3, never a hang" || fail "FIFO session: rc $rc, $(cat "$work/err")"
cp -R "$conforming" "$work/copy"
mv "$work/copy/$run_dir/team-state.json" "$work/team-state.json"
mkfifo "$work/copy/$run_dir/team-state.json"
run "$bin" --session "$work/copy/$session" --run-dir "$work/copy/$run_dir"
[ "$rc" -eq 3 ] && grep -q "^okstra-validate-session: error: cannot read '$work/copy/$run_dir/team-state.json': not a regular file$" "$work/err" &&
  pass "a FIFO as team-state.json: exit 3, never a hang" || fail "FIFO team state: rc $rc, $(cat "$work/err")"
rm "$work/copy/$run_dir/team-state.json"
mv "$work/team-state.json" "$work/copy/$run_dir/team-state.json"
printf '{"teamName": 1' >"$work/copy/$run_dir/team-state.json"
run "$bin" --session "$work/copy/$session" --run-dir "$work/copy/$run_dir"
[ "$rc" -eq 3 ] && grep -q "^okstra-validate-session: error: malformed JSON '$work/copy/$run_dir/team-state.json': " "$work/err" &&
  pass "malformed team-state.json: exit 3" || fail "malformed team state: rc $rc, $(cat "$work/err")"
rm "$work/copy/$run_dir/team-state.json" "$work/copy/$run_dir/run-context.json"
run "$bin" --session "$work/copy/$session" --run-dir "$work/copy/$run_dir"
[ "$rc" -eq 3 ] && grep -q "^okstra-validate-session: error: cannot read '$work/copy/$run_dir/run-context.json': no such file or directory$" "$work/err" &&
  pass "run dir without run-context.json: exit 3" || fail "no run context: rc $rc, $(cat "$work/err")"

# 6. A transcript that is not a transcript at all is an input error (exit 3),
# never "conforms": nothing readable is nothing to judge.
python3 -c 'import random, sys; r = random.Random(7); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(20000)))' >"$work/noise.jsonl"
: >"$work/empty.jsonl"
printf '\n  \n\n' >"$work/blank.jsonl"
printf '{"type":"no-such-type","uuid":"u1"}\n{"a":1}\n' >"$work/foreign.jsonl"
for garbage in noise empty blank foreign; do
  run "$bin" -c --session "$work/$garbage.jsonl"
  [ "$rc" -eq 3 ] && [ ! -s "$work/out" ] &&
    grep -q "^okstra-validate-session: error: no readable transcript line in '$work/$garbage.jsonl'$" "$work/err" &&
    grep -q '^hint: ' "$work/err" &&
    pass "$garbage transcript: exit 3, no readable transcript line" || fail "$garbage transcript: rc $rc, $(cat "$work/err")"
done
run "$bin" -c --session "$work/empty.jsonl"
grep -q "^hint: the file is empty; give the lead session's <session>.jsonl$" "$work/err" &&
  pass "empty transcript: the hint says the file is empty" || fail "empty transcript hint: $(cat "$work/err")"
# One real line among the noise: judged as usual, the noise as diagnostics.
{ cat "$work/noise.jsonl"; printf '\n'; head -n 1 "$conforming/$session"; } >"$work/noisy.jsonl"
run "$bin" -c --session "$work/noisy.jsonl"
[ "$rc" -eq 0 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/out" &&
  grep -q 'malformed JSON line: skipped' "$work/err" &&
  pass "noise with one transcript line: judged, exit 0, the noise as diagnostics" || fail "noise + one line: rc $rc, $(head -3 "$work/err")"

# 7. From the transcript alone (docs/conformance.md, "The run dir from the
# transcript"). The fixtures' prompts name the run under /work/shop/…, absent here.
if [ -e /work/shop ]; then
  skip_part "/work/shop exists on this machine: the fixtures' run dir would not be absent"
else
  run_in "$sessions/bc06-lead-writes-report" "$bin" -c --session "$session"
  check "--session alone: the lead's Edit of the final report fails BC06 (exit 1)" [ "$rc" -eq 1 ]
  check "--session alone: BC06's violation is the Edit's file, line, uuid and timestamp" holds "$work/out" \
    '[(v["file"], v["line"], v["uuid"], v["timestamp"]) for r in d["rules"] if r["id"] == "BC06" for v in r["violations"]] == [("'"$session"'", 25, "82aa3d47-0456-59bb-a278-f7d9700fbdc4", "2026-11-20T09:02:48.288Z")]'
  check "--session alone: BC03 and BC09 skipped, the reason names the absent run dir" holds "$work/out" \
    '[(r["id"], r["reason"].startswith("needs the run dir: ") and "/work/shop/.okstra/tasks/payments/refund-timeout/runs/error-analysis" in r["reason"] and r["reason"].endswith("does not exist; give --run-dir")) for r in d["rules"] if r["status"] == "skip"] == [("BC03", True), ("BC09", True)]'
  check "--session alone: runDir and runDirSource are null" holds "$work/out" 'd["runDir"] is None and d["runDirSource"] is None and list(d)[-1] == "runDirSource"'
  check "--session alone: a rule that was judged has a null reason" holds "$work/out" 'all(r["reason"] is None for r in d["rules"] if r["status"] != "skip")'
  run_in "$conforming" "$bin" -c --session "$session" --rule BC06
  check "--session alone: the report writer wrote the report itself, BC06 passes (exit 0)" [ "$rc" -eq 0 ]
  check "--session alone: BC06 pass" holds "$work/out" '[(r["id"], r["status"]) for r in d["rules"]] == [("BC06", "pass")]'
fi

# moved CASE DEST: a copy of the fixture CASE in DEST whose lead transcript names
# DEST/task as its task root, so that its prompts' **Result path:** is on this machine.
moved() {
  cp -R "$sessions/$1" "$2"
  sed "s|/work/shop/.okstra/tasks/payments/refund-timeout|$2/task|g" "$sessions/$1/$session" >"$2/$session"
}
moved conforming "$work/inferred"
run "$bin" -c --session "$work/inferred/$session"
check "inferred run dir: the conforming run conforms (exit 0)" [ "$rc" -eq 0 ]
check "inferred run dir: runDir is the folder holding worker-results, runDirSource 'inferred'" holds "$work/out" \
  'd["runDir"] == "'"$work/inferred/task/runs/error-analysis"'" and d["runDirSource"] == "inferred"'
check "inferred run dir: no rule skipped" holds "$work/out" '[r["status"] for r in d["rules"]] == ["pass"] * 9'
run env COLUMNS=100000 "$bin" --format text --session "$work/inferred/$session"
check "inferred run dir: the text says where the run dir came from" \
  grep -qxF "run dir: $work/inferred/task/runs/error-analysis (inferred from the dispatch prompts' **Result path:**)" "$work/out"
moved bc09-result-front-matter "$work/inferred-bc09"
run "$bin" -c --session "$work/inferred-bc09/$session"
check "inferred run dir: the run's result files are judged, BC09 fails (exit 1)" [ "$rc" -eq 1 ]
check "inferred run dir: BC09 is the failing rule" holds "$work/out" '[r["id"] for r in d["rules"] if r["status"] == "fail"] == ["BC09"]'

mkdir -p "$work/absent/claude"
cp -R "$conforming/claude/." "$work/absent/claude/"
sed "s|/work/shop/.okstra/tasks/payments/refund-timeout|$work/absent/task|g" "$conforming/$session" >"$work/absent/$session"
run "$bin" -c --session "$work/absent/$session"
check "inferred run dir absent: exit 0, the other rules judged" [ "$rc" -eq 0 ]
check "inferred run dir absent: BC03 and BC09 skipped with the reason" holds "$work/out" \
  '[(r["id"], r["reason"]) for r in d["rules"] if r["status"] == "skip"] == [(i, "needs the run dir: '"'$work/absent/task/runs/error-analysis'"' (named by the dispatch prompts'"'"' **Result path:**) does not exist; give --run-dir") for i in ("BC03", "BC09")]'
check "inferred run dir absent: runDir null" holds "$work/out" 'd["runDir"] is None and d["runDirSource"] is None'

moved conforming "$work/conflict"
mkdir -p "$work/conflict/task/runs/other"
sed -i 's|runs/error-analysis/worker-results/codex-001.md|runs/other/worker-results/codex-001.md|g' "$work/conflict/$session"
run "$bin" -c --session "$work/conflict/$session"
check "prompts naming two run dirs: no run dir guessed" holds "$work/out" 'd["runDir"] is None and d["runDirSource"] is None'
check "prompts naming two run dirs: BC09 skipped, the reason says so" holds "$work/out" \
  '[r["reason"] for r in d["rules"] if r["id"] == "BC09"] == ["needs the run dir: the dispatch prompts'"'"' **Result path:** name 2 different run dirs; give --run-dir"]'
check "prompts naming two run dirs: a diagnostic at the second dispatch names both" holds "$work/out" \
  '[(x["line"], "'"$work/conflict/task/runs/error-analysis"'" in x["message"] and "'"$work/conflict/task/runs/other"'" in x["message"]) for x in d["diagnostics"]] == [(13, True)]'
check "prompts naming two run dirs: the warning is on stderr" \
  grep -q "^okstra-validate-session: warning: $work/conflict/$session:13: the dispatch prompts' \*\*Result path:\*\* name 2 run dirs" "$work/err"

# 8. --help, --version, the front end.
run "$bin" --help
[ "$rc" -eq 0 ] && head -1 "$work/out" | grep -q '^okstra-validate-session - post-hoc conformance of a lead session to the blocking contract$' &&
  grep -q '3  unreadable input' "$work/out" && grep -q 'BC08 warning' "$work/out" && pass "--help" || fail "--help: rc $rc"
run "$bin" --version
[ "$rc" -eq 0 ] && grep -q '^okstra-validate-session (okstra) ' "$work/out" && pass "--version" || fail "--version: rc $rc"
run_in "$conforming" env OKSTRA_BUILD_DIR="$OKSTRA_BUILD_ROOT" "$OKSTRA_SOURCE_ROOT/bin/okstra" validate-session -c --session "$session"
[ "$rc" -eq 0 ] && grep -q '"conforms":true' "$work/out" && pass "okstra validate-session forwards" || fail "front end: rc $rc"

finish
