#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# okstra-validate-run (POSIX sh; the copy Meson configures into the build
# folder) on the fixture runs of tests/data/sessions/: one line per check
# (session conformance, plan gate, result files), the exit status, the
# approved plan of a run (tests/data/plans), usage errors, tools not found;
# the JSON view, --compact, --quiet, --color, --help, --version,
# --describe-options, and `okstra validate-run`. Run with sh, and with dash too
# when it is installed.
set -eu
script="$OKSTRA_BUILD_ROOT/okstra-validate-run"
sessions="$OKSTRA_SOURCE_ROOT/tests/data/sessions"
plans="$OKSTRA_SOURCE_ROOT/tests/data/plans"
session=claude/projects/-work-shop/6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20.jsonl
run_dir=task/runs/error-analysis
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"

shells='sh'
command -v dash >/dev/null 2>&1 && shells="sh dash"
for shell in $shells; do
  $shell -n "$script" && pass "$shell -n: the script parses" || fail "$shell -n"
done

# vr CASE ARGS...: validate-run on a copy of a fixture case, from inside it.
vr() {
  rm -rf "$work/case"
  cp -R "$sessions/$1" "$work/case"
  shift
  (cd "$work/case" && run env CLAUDE_CONFIG_DIR=claude OKSTRA_BUILD_DIR="$OKSTRA_BUILD_ROOT" "$shell" "$script" "$@" &&
    printf '%s\n' "$rc" >"$work/rc")
  rc=$(cat "$work/rc")
}

for shell in $shells; do
  vr conforming "$run_dir"
  printf 'ok: session conformance\nskip: plan gate: the run has no approved plan\nok: result files\nresult: OK\n' >"$work/want"
  [ "$rc" -eq 0 ] && cmp -s "$work/out" "$work/want" && [ ! -s "$work/err" ] &&
    pass "$shell: a conforming run: three lines, result OK, exit 0" || fail "$shell: conforming: rc $rc, $(cat "$work/out" "$work/err")"

  vr bc06-lead-writes-report "$run_dir"
  [ "$rc" -eq 1 ] && [ "$(sed -n 1p "$work/out")" = 'FAIL: session conformance: violations found (exit 1)' ] &&
    sed -n 2p "$work/out" | grep -q "^    $session:25 (uuid .*): the lead writes the final report" &&
    grep -q '^ok: result files$' "$work/out" && [ "$(tail -n 1 "$work/out")" = 'result: 1 check(s) failed' ] &&
    pass "$shell: a broken contract fails the session check with its evidence, exit 1" || fail "$shell: bc06: rc $rc, $(cat "$work/out")"

  vr bc09-result-front-matter "$run_dir"
  [ "$rc" -eq 1 ] && grep -q '^ok: session conformance$' "$work/out" &&
    grep -q '^FAIL: result files: violations found (exit 1)$' "$work/out" &&
    grep -q "^    $run_dir/worker-results/codex-001.md:6: the front matter of codex-worker's result says workerId 'claude'" "$work/out" &&
    pass "$shell: a bad result file fails the result-file check" || fail "$shell: bc09: rc $rc, $(cat "$work/out")"

  vr damaged "$run_dir"
  [ "$rc" -eq 0 ] && [ "$(tail -n 1 "$work/out")" = 'result: OK' ] &&
    pass "$shell: transcript diagnostics alone do not fail the run" || fail "$shell: damaged: rc $rc, $(cat "$work/out")"
done

# The approved plan of the run: run-inputs.json of the run's seq, as okstra-prepare writes it.
with_plan() {
  mkdir -p "$work/case/$run_dir/prompts/001"
  printf '{\n  "taskKey": "shop/payments/refund-timeout",\n  "approvedPlan": "%s",\n  "executor": "claude"\n}\n' "$1" \
    >"$work/case/$run_dir/prompts/001/run-inputs.json"
  (cd "$work/case" && run env CLAUDE_CONFIG_DIR=claude OKSTRA_BUILD_DIR="$OKSTRA_BUILD_ROOT" sh "$script" "$run_dir" &&
    printf '%s\n' "$rc" >"$work/rc")
  rc=$(cat "$work/rc")
}
vr conforming "$run_dir"
with_plan "$plans/valid-approved/plan.md"
[ "$rc" -eq 0 ] && grep -qF "ok: plan gate ($plans/valid-approved/plan.md)" "$work/out" &&
  pass "an approved plan passes the plan gate" || fail "valid plan: rc $rc, $(cat "$work/out")"
with_plan "$plans/blocked/plan.md"
[ "$rc" -eq 1 ] && grep -qF "FAIL: plan gate ($plans/blocked/plan.md): violations found (exit 1)" "$work/out" &&
  grep -q "^    clarification item C-001 blocks approval with status 'open'" "$work/out" &&
  pass "a blocked plan fails the plan gate with its reasons" || fail "blocked plan: rc $rc, $(cat "$work/out")"
with_plan "$work/nowhere/plan.md"
[ "$rc" -eq 1 ] && grep -q '^FAIL: plan gate (.*): could not check (exit 3)$' "$work/out" &&
  grep -q "^    okstra-plan-validate: error: cannot read '$work/nowhere/plan.md'" "$work/out" &&
  pass "a missing plan: the check fails with the tool's error" || fail "missing plan: rc $rc, $(cat "$work/out")"

# No session found for the run: both session checks fail with the tool's error; --session fixes it.
vr conforming "$run_dir"
(cd "$work/case" && run env CLAUDE_CONFIG_DIR="$work/empty" OKSTRA_BUILD_DIR="$OKSTRA_BUILD_ROOT" sh "$script" "$run_dir" &&
  printf '%s\n' "$rc" >"$work/rc")
rc=$(cat "$work/rc")
[ "$rc" -eq 1 ] && [ "$(grep -c '^FAIL: .*: could not check (exit 3)$' "$work/out")" -eq 2 ] &&
  grep -q "^    okstra-validate-session: error: cannot find the lead session of the run '$run_dir'$" "$work/out" &&
  pass "no session found: both session checks fail" || fail "no session: rc $rc, $(cat "$work/out")"
(cd "$work/case" && run env CLAUDE_CONFIG_DIR="$work/empty" OKSTRA_BUILD_DIR="$OKSTRA_BUILD_ROOT" sh "$script" --session "$session" "$run_dir" &&
  printf '%s\n' "$rc" >"$work/rc")
rc=$(cat "$work/rc")
[ "$rc" -eq 0 ] && pass "--session FILE names the session" || fail "--session: rc $rc, $(cat "$work/out")"

# Usage errors (2), a missing run dir or missing tools (3).
for args in "" "a b" "--bogus x" "--session"; do
  # shellcheck disable=SC2086  # split the arguments on purpose
  run sh "$script" $args
  [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && grep -q '^okstra-validate-run: error: ' "$work/err" &&
    pass "usage error '$args': exit 2" || fail "usage '$args': rc $rc, $(cat "$work/err")"
done
run sh "$script" "$work/no-such-run"
[ "$rc" -eq 3 ] && grep -q "^okstra-validate-run: error: cannot read '$work/no-such-run': not a folder$" "$work/err" &&
  pass "missing run dir: exit 3" || fail "missing run dir: rc $rc, $(cat "$work/err")"
# (A copy alone in a folder: the built one finds the tools next to itself.)
mkdir -p "$work/nobuild" "$work/alone"
cp "$script" "$work/alone/"
run env OKSTRA_BUILD_DIR="$work/nobuild" PATH=/usr/bin:/bin sh "$work/alone/okstra-validate-run" "$sessions/conforming/$run_dir"
[ "$rc" -eq 3 ] && grep -q "^okstra-validate-run: error: cannot find the tool 'okstra-validate-session'$" "$work/err" &&
  pass "tools not found: exit 3" || fail "no tools: rc $rc, $(cat "$work/err")"
for args in "--format xml" "--color=sometimes" "-x" "--json --format"; do
  # shellcheck disable=SC2086  # split the arguments on purpose
  run sh "$script" $args "$sessions/conforming/$run_dir"
  [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && [ "$(wc -l <"$work/err")" -eq 2 ] &&
    grep -q '^okstra-validate-run: error: ' "$work/err" && grep -q '^hint: ' "$work/err" &&
    pass "usage error '$args <run-dir>': exit 2, an error line and a hint" || fail "usage '$args <run-dir>': rc $rc, $(cat "$work/err")"
done
run sh "$script" --format xml "$sessions/conforming/$run_dir"
check "a bad --format value names the value and the choices" \
  grep -qx "okstra-validate-run: error: invalid value for --format 'xml'" "$work/err"
check "...with the choices in the hint" grep -qx "hint: expected one of text, json; see 'okstra-validate-run --help'" "$work/err"

# --help, --version, --describe-options.
run sh "$script" --help
[ "$rc" -eq 0 ] && [ "$(sed -n 1p "$work/out")" = 'okstra-validate-run - every after-the-fact check of one okstra run' ] &&
  grep -q '^Exit status:$' "$work/out" && grep -q '^  3  the run folder or a tool cannot be found' "$work/out" &&
  [ ! -s "$work/err" ] && pass "--help: summary, options and its own exit statuses on stdout, exit 0" ||
  fail "--help: rc $rc, $(cat "$work/out")"
run sh "$script" -h
check "-h is --help" [ "$(sed -n 1p "$work/out")" = 'okstra-validate-run - every after-the-fact check of one okstra run' ]
version=$(sed -n "s/^[[:space:]]*version:[[:space:]]*'\([^']*\)'.*/\1/p" "$OKSTRA_SOURCE_ROOT/meson.build" | head -n 1)
run sh "$script" --version
check "--version prints 'okstra-validate-run (okstra) $version'" [ "$(cat "$work/out")" = "okstra-validate-run (okstra) $version" ]
check "the built copy has the version filled in" grep -q "^script_version='$version'\$" "$script"
run sh "$OKSTRA_SOURCE_ROOT/bin/okstra-validate-run" --version
check "the source copy reads the version from meson.build" [ "$(cat "$work/out")" = "okstra-validate-run (okstra) $version" ]
run sh "$script" --describe-options
check "--describe-options exits 0" [ "$rc" -eq 0 ]
check "--describe-options prints the declarations as JSON" \
  holds "$work/out" '[o["long"] for o in d["options"]] == ["help", "version", "session", "format", "json", "compact", "quiet", "color"] and d["program"] == "okstra-validate-run" and [e["code"] for e in d["exitStatus"]] == [0, 1, 2, 3]'
check "--describe-options names the choices of --format" holds "$work/out" '[o["choices"] for o in d["options"] if o["long"] == "format"] == [["text", "json"]]'

# The JSON view, --compact, --quiet, --color.
vr_json() {
  shell='sh'
  vr "$@"
}
vr_json bc09-result-front-matter --json "$run_dir"
check "--json: exit 1 for a failed check" [ "$rc" -eq 1 ]
check "--json: the report as JSON" holds "$work/out" 'd["result"] == "failed" and d["failed"] == 1 and d["plan"] is None and d["runDir"] == "'"$run_dir"'"'
check "--json: the three checks, in order, with status and exit code" \
  holds "$work/out" '[(c["name"], c["status"], c["exitCode"]) for c in d["checks"]] == [("session conformance", "ok", 0), ("plan gate", "skip", None), ("result files", "fail", 1)]'
check "--json: the failed check's violations are its details" \
  holds "$work/out" 'd["checks"][2]["reason"] == "violations found" and [x.split(": ")[0] for x in d["checks"][2]["details"]] == ["'"$run_dir"'/worker-results/codex-001.md:1", "'"$run_dir"'/worker-results/codex-001.md:6"]'
check "--json: pretty, one key a line" [ "$(wc -l <"$work/out")" -gt 10 ]
vr_json conforming -c "$run_dir"
check "-c: the JSON on one line" [ "$(wc -l <"$work/out")" -eq 1 ]
check "-c: the same report" holds "$work/out" 'd["result"] == "ok" and d["failed"] == 0 and len(d["checks"]) == 3'
check "-c: exit 0 for a passing run" [ "$rc" -eq 0 ]
run sh "$script" -c --format text "$sessions/conforming/$run_dir"
check "-c with --format text: a usage error" [ "$rc" -eq 2 ]
check "-c with --format text: says why" \
  grep -qx "okstra-validate-run: error: option '--compact' applies to JSON only, not to format 'text'" "$work/err"
vr_json bc06-lead-writes-report -q "$run_dir"
check "-q: exit 1 for a failed check" [ "$rc" -eq 1 ]
check "-q: prints nothing" [ ! -s "$work/out" ]
vr_json conforming --quiet --json "$run_dir"
check "--quiet --json: exit 0, nothing printed" [ "$rc" -eq 0 ]
check "--quiet --json: nothing on stdout" [ ! -s "$work/out" ]
vr_json conforming --color always "$run_dir"
check "--color always: the status words are coloured" grep -q "$(printf '^\033\\[32mok\033\\[39m: session conformance$')" "$work/out"
vr_json conforming --color=never "$run_dir"
check "--color never: plain text" grep -qx 'ok: session conformance' "$work/out"
vr_json conforming "$run_dir"
check "--color auto, not a terminal: plain text" grep -qx 'ok: session conformance' "$work/out"

# Through the front end: okstra validate-run.
rm -rf "$work/case"
cp -R "$sessions/conforming" "$work/case"
(cd "$work/case" && run env CLAUDE_CONFIG_DIR=claude OKSTRA_BUILD_DIR="$OKSTRA_BUILD_ROOT" "$OKSTRA_SOURCE_ROOT/bin/okstra" validate-run "$run_dir" &&
  printf '%s\n' "$rc" >"$work/rc")
rc=$(cat "$work/rc")
check "okstra validate-run RUN_DIR runs it (exit 0)" [ "$rc" -eq 0 ]
check "okstra validate-run RUN_DIR prints its report" [ "$(tail -n 1 "$work/out")" = 'result: OK' ]

finish
