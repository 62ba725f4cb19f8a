#!/bin/sh
# okstra-usage statusline through the real binary (docs/usage-statusline.md):
# the exact line for a pinned clock on the logs of tests/data/statusline, the
# same line from a warm cache and after the session's transcript grew, the
# limits it records, the fallback line (exit 0, one log line) on malformed
# input, and --install / --install --write (merge keeping keys, malformed
# settings refused and left untouched).
#
# The logs (claude-opus-4-6, 5 USD per million input tokens, 0.5 cache
# reads): session 1111… 100,000 input at 23:00 the day before (0.50 USD),
# 100,000 at 10:15 (0.50), 10,000 input + 80,000 cache reads at 10:40
# (0.09); session 2222… 150,000 at 09:30 (0.75). At 10:45 UTC: session 1.09,
# today 1.34, the block 09:00-14:00 (the official window too) has 3h15m left
# and burns 1.34 USD over the 75 min since 09:30 = 1.07 USD/h; the latest
# prompt 90,000 of 200,000 = 45%; the input's five_hour window 23.4%.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/statusline"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC
unset CLAUDE_CONFIG_DIR COLUMNS
mkdir -p "$HOME"
cp -R "$data/claude" "$work/claude"
sed "s|CLAUDE_ROOT|$work/claude|" "$data/input.json" >"$work/input.json"
session="$work/claude/projects/-work-app/11111111-1111-4111-8111-111111111111.jsonl"
expected='Opus 4.6 | session $1.09 | today $1.34 | block 3h15m left, $1.07/h | ctx 45% | 5h 23%'

# statusline NOW INPUT ARGS...: the statusline at that time ($work/out, $work/err, $rc).
statusline() {
  now=$1
  input=$2
  shift 2
  set +e
  OKSTRA_TEST_NOW="$now" "$bin" statusline --claude-dir "$work/claude" "$@" <"$input" >"$work/out" 2>"$work/err"
  rc=$?
  set -e
}

# 1. The exact line, cold and then from the cache; the limits it recorded.
statusline 2026-11-24T10:45:00Z "$work/input.json"
check "cold: exit 0" [ "$rc" -eq 0 ]
check "cold: the exact line" [ "$(cat "$work/out")" = "$expected" ]
check "cold: nothing on stderr" [ ! -s "$work/err" ]
check "the input's limits are recorded" holds "$OKSTRA_HOME/usage/limits.json" \
  "(d['claude']['primary']['usedPercent'], d['claude']['primary']['resetsAt'], d['claude']['secondary']['usedPercent']) == (23.4, '2026-11-24T14:00:00.000Z', 41.2)"
OKSTRA_USAGE_TRACE=1 statusline 2026-11-24T10:45:00Z "$work/input.json"
check "warm: the same line" [ "$(cat "$work/out")" = "$expected" ]
check "warm: one statusline state" [ "$(ls "$OKSTRA_HOME/cache/usage/statusline" | grep -c '\.state$')" -eq 1 ]
check "warm: answered from the state" grep -q "trace: read the statusline state" "$work/err"
check "warm: no log walked" lacks "trace: find and stat logs" "$work/err"
statusline 2026-11-24T10:45:00Z "$work/input.json" --no-cache
check "--no-cache: the same line" [ "$(cat "$work/out")" = "$expected" ]
# Another session's message (session 2222... gains 0.50 USD at 10:43) is not
# in the state: within --refresh seconds of the last full read the line
# leaves it out (at the default 60, and at 5); the first call after starts a
# full read in the background, and a call after that has it.
printf '%s\n' '{"type":"assistant","cwd":"/work/app","sessionId":"22222222-2222-4222-8222-222222222222","message":{"id":"msg_b2","model":"claude-opus-4-6","usage":{"input_tokens":100000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}},"requestId":"req_b2","uuid":"u-b2","timestamp":"2026-11-24T10:43:00.000Z"}' \
  >>"$work/claude/projects/-work-app/22222222-2222-4222-8222-222222222222.jsonl"
statusline 2026-11-24T10:45:04Z "$work/input.json"
check "within the default --refresh (60): the state's line" [ "$(cat "$work/out")" = "$expected" ]
check "within --refresh: no refresh started" [ ! -e "$OKSTRA_HOME/cache/usage/statusline/"*.lock ]
statusline 2026-11-24T10:45:04Z "$work/input.json" --refresh 5
check "within --refresh 5: the state's line" [ "$(cat "$work/out")" = "$expected" ]
statusline 2026-11-24T10:45:06Z "$work/input.json" --refresh 5
check "past --refresh: this call still answers from the state at once" [ "$(cat "$work/out")" = "$expected" ]
refreshed=no
for _ in $(seq 1 100); do
  statusline 2026-11-24T10:45:06Z "$work/input.json" --refresh 5
  if grep -q '| today $1.84 |' "$work/out"; then refreshed=yes; break; fi
  sleep 0.1
done
check "the background refresh brings the other session's message" [ "$refreshed" = yes ]
printf '%s\n' '{"type":"assistant","cwd":"/work/app","sessionId":"22222222-2222-4222-8222-222222222222","message":{"id":"msg_b3","model":"claude-opus-4-6","usage":{"input_tokens":20000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}},"requestId":"req_b3","uuid":"u-b3","timestamp":"2026-11-24T10:44:30.000Z"}' \
  >>"$work/claude/projects/-work-app/22222222-2222-4222-8222-222222222222.jsonl"
OKSTRA_USAGE_TRACE=1 statusline 2026-11-24T10:45:06Z "$work/input.json" --refresh 0
check "--refresh 0: every log read at once" grep -q "trace: find and stat logs" "$work/err"
check "--refresh 0: the newest message too (0.10 USD)" grep -q '| today $1.94 |' "$work/out"
statusline 2026-11-24T10:45:06Z "$work/input.json"
check "the state it wrote serves the next call" \
  [ "$(cat "$work/out")" = 'Opus 4.6 | session $1.09 | today $1.94 | block 3h15m left, $1.55/h | ctx 45% | 5h 23%' ]

# 2. The session's transcript grows by one message (1,000,000 cache reads at
# 10:44, 0.50 USD): the call reads only the new line. Session 1.59, today
# 2.44, ctx 1,000,000 of 200,000 = 500%; the block holds 2.44 USD over the
# 75 min 7 s since 09:30 = 1.95 USD/h.
printf '%s\n' '{"type":"assistant","cwd":"/work/app","sessionId":"11111111-1111-4111-8111-111111111111","message":{"id":"msg_a4","model":"claude-opus-4-6","usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":1000000,"output_tokens":0}},"requestId":"req_a4","uuid":"u-a4","timestamp":"2026-11-24T10:44:00.000Z"}' >>"$session"
grown='Opus 4.6 | session $1.59 | today $2.44 | block 3h15m left, $1.95/h | ctx 500% | 5h 23%'
OKSTRA_USAGE_TRACE=1 statusline 2026-11-24T10:45:07Z "$work/input.json"
check "grown: session and today move, the block's rate too" [ "$(cat "$work/out")" = "$grown" ]
check "grown: the new line read from the state" grep -q "trace: read the transcript's new lines" "$work/err"
check "grown: no log walked" lacks "trace: find and stat logs" "$work/err"
# A second copy of a message already counted: only the full merge may choose
# between copies, so this call reads every log (and counts it once).
printf '%s\n' '{"type":"assistant","cwd":"/work/app","sessionId":"11111111-1111-4111-8111-111111111111","message":{"id":"msg_a4","model":"claude-opus-4-6","usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":1000000,"output_tokens":0}},"requestId":"req_a4","uuid":"u-a4b","timestamp":"2026-11-24T10:44:00.000Z"}' >>"$session"
OKSTRA_USAGE_TRACE=1 statusline 2026-11-24T10:45:07Z "$work/input.json"
check "a repeated message: every log read" grep -q "trace: find and stat logs" "$work/err"
check "a repeated message: counted once" [ "$(cat "$work/out")" = "$grown" ]
# Eight calls at once: each prints the line; the state stays whole.
for i in 1 2 3 4 5 6 7 8; do
  OKSTRA_TEST_NOW=2026-11-24T10:45:07Z "$bin" statusline --claude-dir "$work/claude" <"$work/input.json" >"$work/out.$i" 2>&1 &
done
wait
same=yes
for i in 1 2 3 4 5 6 7 8; do [ "$(cat "$work/out.$i")" = "$grown" ] || same=no; done
check "concurrent calls: the same line from each" [ "$same" = yes ]
statusline 2026-11-24T10:45:07Z "$work/input.json"
check "after concurrent calls: the same line" [ "$(cat "$work/out")" = "$grown" ]

# 3. Without rate limits in the input: the recorded window still counts
# until it resets; after 14:00 it is gone and so is the block.
"$python" -c "import json,sys; d=json.load(open(sys.argv[1])); del d['rate_limits']; print(json.dumps(d))" \
  "$work/input.json" >"$work/no-limits.json"
statusline 2026-11-24T10:46:00Z "$work/no-limits.json" --refresh 0
check "no rate_limits: the recorded 23%" grep -q '| 5h 23%$' "$work/out"
statusline 2026-11-24T19:30:00Z "$work/no-limits.json" --refresh 0
check "after the reset and the block: no limit, no block" \
  [ "$(cat "$work/out")" = 'Opus 4.6 | session $1.59 | today $2.44 | no block | ctx 500%' ]

# 4. Malformed input: the fallback line, exit 0, one line in the log.
printf '{"session_id": ' >"$work/bad.json"
statusline 2026-11-24T10:45:00Z "$work/bad.json"
check "malformed input: exit 0" [ "$rc" -eq 0 ]
check "malformed input: the fallback line" [ "$(cat "$work/out")" = "okstra: usage unavailable" ]
check "malformed input: one line in the log" [ "$(wc -l <"$OKSTRA_HOME/usage/statusline.log")" -eq 1 ]
check "malformed input: the log says why" grep -q "^2026-11-24T10:45:00.000Z malformed JSON 'standard input'" "$OKSTRA_HOME/usage/statusline.log"
statusline 2026-11-24T10:45:00Z "$work/input.json" --claude-dir "$work/missing"
check "a missing root: the fallback line, exit 0" [ "$(cat "$work/out")/$rc" = "okstra: usage unavailable/0" ]
check "a missing root: a second log line" [ "$(wc -l <"$OKSTRA_HOME/usage/statusline.log")" -eq 2 ]
run "$bin" statusline --tz Nowhere/Atlantis
check "a bad --tz is a usage error" [ "$rc" -eq 2 ]
run "$bin" statusline --write
check "--write without --install is a usage error" [ "$rc" -eq 2 ]

# 5. --install prints the setting; --write merges it, keeping every key.
run "$bin" statusline --install
check "--install: exit 0" [ "$rc" -eq 0 ]
check "--install: the statusLine setting" holds "$work/out" \
  "list(d) == ['statusLine'] and d['statusLine']['type'] == 'command' and d['statusLine']['command'].endswith('/okstra-usage statusline')"
run "$bin" statusline --install --write
check "--write, no settings yet: exit 0" [ "$rc" -eq 0 ]
check "--write: the file is created" holds "$HOME/.claude/settings.json" "list(d) == ['statusLine']"
printf '{"model": "opus", "statusLine": {"type": "command", "command": "old"}, "hooks": {"Stop": [{"x": 1}]}, "zz": [1, 2.5, null]}' \
  >"$HOME/.claude/settings.json"
run "$bin" statusline --install --write
check "--write over settings: exit 0" [ "$rc" -eq 0 ]
check "--write: every other key kept, in order" holds "$HOME/.claude/settings.json" \
  "list(d) == ['model', 'statusLine', 'hooks', 'zz'] and d['hooks'] == {'Stop': [{'x': 1}]} and d['zz'] == [1, 2.5, None] and d['statusLine']['command'] != 'old'"
mkdir -p "$work/config"
run env CLAUDE_CONFIG_DIR="$work/config" "$bin" statusline --install --write
check "CLAUDE_CONFIG_DIR: its first root's settings" holds "$work/config/settings.json" "'statusLine' in d"
printf '{"model": "opus",' >"$HOME/.claude/settings.json"
run "$bin" statusline --install --write
check "malformed settings: exit 3" [ "$rc" -eq 3 ]
check "malformed settings: left untouched" [ "$(cat "$HOME/.claude/settings.json")" = '{"model": "opus",' ]
check "malformed settings: an error on stderr" grep -q "^okstra-usage: error: malformed JSON" "$work/err"

finish
