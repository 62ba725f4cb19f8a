#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# Inputs a hostile or unlucky user can hand the tools (docs/cli.md, "Input
# files" and "Messages"): a FIFO or a device where a file is expected is
# refused at once (exit 3, never a hang: each run is bounded by `timeout 10`,
# whose 124 would mean it hung), a file over its cap is refused naming the
# cap, and token counts that do not fit never wrap a total (docs/usage.md,
# "Counts that do not fit").
set -eu
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
build="$OKSTRA_BUILD_ROOT"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC OKSTRA_SKIP_INSTALL_CHECK=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
mkdir -p "$HOME"
command -v timeout >/dev/null 2>&1 || { echo "skipped: no timeout(1)"; exit 77; }
command -v mkfifo >/dev/null 2>&1 || { echo "skipped: no mkfifo(1)"; exit 77; }
fifo="$work/input.fifo"
mkfifo "$fifo"
[ -p "$fifo" ] || { echo "skipped: cannot make a FIFO here"; exit 77; }

# bounded NAME CMD...: runs CMD with no stdin under `timeout 10` (status in $rc).
bounded() {
  name=$1
  shift
  set +e
  timeout 10 "$@" >"$work/out" 2>"$work/err" </dev/null
  rc=$?
  set -e
  [ "$rc" -ne 124 ] || fail "$name: hung (killed by timeout)"
}
# refused NAME PATH CMD...: CMD must exit 3 with "cannot read 'PATH': not a regular file".
refused() {
  name=$1 path=$2
  shift 2
  bounded "$name" "$@"
  [ "$rc" -eq 3 ] && grep -q "^okstra-[a-z-]*: error: cannot read '$path': not a regular file$" "$work/err" \
    && pass "$name: refused at once (exit 3)" || fail "$name: rc $rc, $(cat "$work/err")"
}

# 1. okstra-plan-validate: the plan is a FIFO, or a device.
refused "plan-validate FIFO plan" "$fifo" "$build/okstra-plan-validate" "$fifo"
refused "plan-validate /dev/zero plan" /dev/zero "$build/okstra-plan-validate" /dev/zero

# 2. okstra-prepare: --task-brief @FIFO, --clarification-response FIFO and /dev/zero.
repo="$work/repo"
new_repo "$repo"
refused "prepare --task-brief @FIFO" "$fifo" \
  "$build/okstra-prepare" --project-root "$repo" --task-key p/g/brief --task-type error-analysis --task-brief "@$fifo"
refused "prepare --task-brief @/dev/zero" /dev/zero \
  "$build/okstra-prepare" --project-root "$repo" --task-key p/g/brief --task-type error-analysis --task-brief @/dev/zero
# A brief over the 16 MiB document cap is refused naming the cap.
head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' 'x' >"$work/huge.md"
bounded "prepare huge brief" \
  "$build/okstra-prepare" --project-root "$repo" --task-key p/g/brief --task-type error-analysis --task-brief "@$work/huge.md"
[ "$rc" -eq 3 ] && grep -q "^okstra-prepare: error: file too large '$work/huge.md': over the 16 MiB limit$" "$work/err" \
  && pass "prepare: a brief over 16 MiB is refused naming the cap" || fail "huge brief: rc $rc, $(cat "$work/err")"
rm -f "$work/huge.md"
refused "prepare --clarification-response FIFO" "$fifo" \
  "$build/okstra-prepare" --project-root "$repo" --task-key p/g/fifo --task-type error-analysis --base-ref main --clarification-response "$fifo"
refused "prepare --clarification-response /dev/zero" /dev/zero \
  "$build/okstra-prepare" --project-root "$repo" --task-key p/g/zero --task-type error-analysis --base-ref main --clarification-response /dev/zero

# 3. okstra-usage run --fill-report FIFO (and a FIFO as the run's team-state.json).
run="$work/run"
mkdir -p "$run" "$work/claude/projects"
printf '%s\n' '{"teamName":"t","sessionId":"s"}' >"$run/team-state.json"
refused "usage run --fill-report FIFO" "$fifo" \
  "$build/okstra-usage" run --run-dir "$run" --source claude --claude-dir "$work/claude" --no-cache --fill-report "$fifo"
mkdir -p "$work/run-fifo"
mkfifo "$work/run-fifo/team-state.json"
refused "usage run with a FIFO team-state.json" "$work/run-fifo/team-state.json" \
  "$build/okstra-usage" run --run-dir "$work/run-fifo" --source claude --claude-dir "$work/claude" --no-cache

# 4. Token counts that do not fit (docs/usage.md, "Counts that do not fit").
claude_line() {  # id input output [time]
  printf '{"type":"assistant","timestamp":"%s","sessionId":"s-%s","message":{"id":"%s","model":"claude-sonnet-4-5","usage":{"input_tokens":%s,"output_tokens":%s}}}\n' \
    "${4:-2026-01-02T03:04:05Z}" "$1" "$1" "$2" "$3"
}
logs="$work/claude/projects/-work-demo"
mkdir -p "$logs"
# 2^64-1 and 1 must not add to 0: the count that does not fit is a skipped line.
{ claude_line a 18446744073709551615 0; claude_line b 1 0; } >"$logs/wrap.jsonl"
bounded "usage 2^64-1 + 1" "$build/okstra-usage" daily --json --no-cache --source claude --claude-dir "$work/claude"
got=$(json_field "$work/out" "d['totals']['input'], d['bySource']['claude']['skippedLines']")
[ "$rc" -eq 0 ] && [ "$got" = "1 1" ] && grep -q "warning: skipped 1 unreadable log line" "$work/err" \
  && pass "2^64-1 and 1: the first is skipped with a warning, the total is 1" || fail "2^64-1 + 1: rc $rc, $got, $(cat "$work/err")"
# Three records of 2^63-1: the first is counted, the two that would take the
# total past 2^63-1 are skipped with a warning; exit 0 and exact totals.
{ claude_line a 9223372036854775807 0 2026-01-02T01:00:00Z; claude_line b 9223372036854775807 0 2026-01-02T02:00:00Z
  claude_line c 9223372036854775807 0 2026-01-02T03:00:00Z; } >"$logs/wrap.jsonl"
for kind in daily session monthly blocks; do
  bounded "usage 3 x INT64_MAX ($kind)" "$build/okstra-usage" "$kind" --json --no-cache --source claude --claude-dir "$work/claude"
  got=$(json_field "$work/out" "d['totals']['input'], d['totals']['total'], d['bySource']['claude']['records'], d['bySource']['claude']['skippedLines']")
  [ "$rc" -eq 0 ] && [ "$got" = "9223372036854775807 9223372036854775807 1 2" ] \
    && grep -q "warning: skipped 2 claude record(s) whose tokens would take a total past 9223372036854775807 (first in session 's-b')" "$work/err" \
    && pass "3 x INT64_MAX ($kind): one counted, two skipped with a warning" || fail "3 x INT64_MAX ($kind): rc $rc, $got, $(cat "$work/err")"
done
# The same through the cache: the snapshot keeps the records, each run admits them alike.
bounded "usage 3 x INT64_MAX (cached)" "$build/okstra-usage" daily --json --source claude --claude-dir "$work/claude"
cp "$work/out" "$work/first.json"
bounded "usage 3 x INT64_MAX (cached again)" "$build/okstra-usage" daily --json --source claude --claude-dir "$work/claude"
got=$(json_field "$work/out" "d['totals']['input'], d['bySource']['claude']['skippedLines']")
cmp -s "$work/out" "$work/first.json" && [ "$got" = "9223372036854775807 2" ] \
  && pass "3 x INT64_MAX: cached runs agree" || fail "cached runs: $got"
# run: the run summary of those records does not wrap either.
printf '%s\n' '{"teamName":"t","sessionId":"s-a"}' >"$run/team-state.json"
bounded "usage run 3 x INT64_MAX" "$build/okstra-usage" run --run-dir "$run" --source claude --claude-dir "$work/claude" --no-cache
got=$(json_field "$work/out" "d['totals']['totalTokens']")
[ "$rc" -eq 0 ] && [ "$got" = 9223372036854775807 ] && pass "run summary: no wrapped total" || fail "run: rc $rc, $got"

# 5. Control bytes quoted from a log never reach stderr raw: a forked Codex
# rollout whose parent is absent is named in a warning, and its file name
# here holds ESC, BEL and CR.
nasty=$(printf 'x\033]0;pwned\007\r')
mkdir -p "$work/codex/sessions"
printf '%s\n' '{"timestamp":"2026-01-01T00:00:00Z","type":"session_meta","payload":{"id":"child","forked_from_id":"absent-parent"}}' \
  >"$work/codex/sessions/rollout-$nasty.jsonl"
bounded "usage warning with control bytes" "$build/okstra-usage" daily --json --no-cache --source codex --codex-dir "$work/codex"
grep -q "parent rollout not found.*pwned" "$work/err" && ! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$work/err" \
  && pass "usage warnings escape control bytes of a path" || fail "warning: rc $rc, $(od -c "$work/err" | head)"

finish
