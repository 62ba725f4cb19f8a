#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# bin/validate-run (POSIX sh) on the fixture runs of tests/data/sessions/: one
# line per check (session conformance, plan gate, result files), the exit status,
# the approved plan of a run (tests/data/plans), usage errors, tools not found.
# Run with sh, and with dash too when it is installed.
set -eu
script="$OKSTRA_SOURCE_ROOT/bin/validate-run"
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
  [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && grep -q '^validate-run: error: ' "$work/err" &&
    pass "usage error '$args': exit 2" || fail "usage '$args': rc $rc, $(cat "$work/err")"
done
run sh "$script" "$work/no-such-run"
[ "$rc" -eq 3 ] && grep -q "^validate-run: error: cannot read '$work/no-such-run': not a folder$" "$work/err" &&
  pass "missing run dir: exit 3" || fail "missing run dir: rc $rc, $(cat "$work/err")"
mkdir -p "$work/nobuild"
run env OKSTRA_BUILD_DIR="$work/nobuild" PATH=/usr/bin:/bin sh "$script" "$sessions/conforming/$run_dir"
[ "$rc" -eq 3 ] && grep -q "^validate-run: error: cannot find the tool 'okstra-validate-session'$" "$work/err" &&
  pass "tools not found: exit 3" || fail "no tools: rc $rc, $(cat "$work/err")"
run sh "$script" --help
[ "$rc" -eq 0 ] && grep -q '^validate-run — every after-the-fact check of one okstra run' "$work/out" &&
  grep -q 'Exit status: 0 every check passed' "$work/out" && pass "--help" || fail "--help: rc $rc, $(cat "$work/out")"

finish
