#!/bin/sh
# okstra-usage --watch through the real binary (docs/usage-watch.md), on a
# writable copy of the logs of tests/data/usage-blocks (Claude Code, 3,100
# tokens on 2026-11-24; the block of 10:00 is active at 10:45, the clock
# pinned by OKSTRA_TEST_NOW for blocks):
# 1. where --watch may be used, and its value (usage errors, exit 2);
# 2. stdout a file: one report, then one more only when the logs changed
#    (JSON one document a line; tables a blank line apart), also for a file
#    in a folder made after the start; SIGTERM ends it with exit 0;
# 3. a terminal (tmux): the alternate screen with the header, a redraw after
#    an append and after a resize, Ctrl-C and SIGTERM give the terminal back
#    (main screen, cursor shown) and exit 0. Skipped (77) without tmux.
# Every wait polls with a time limit; none sleeps a fixed long time.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage-blocks"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC
unset CLAUDE_CONFIG_DIR CODEX_HOME COLUMNS OKSTRA_TEST_NOW
mkdir -p "$HOME"
cp -R "$data/claude" "$work/claude"
log="$work/claude/projects/-work-blocks/aaaaaaaa-0001.jsonl"
roots="--claude-dir $work/claude --source claude"
now=2026-11-24T10:45:00Z

# record ID TIME TOKENS FILE: appends one Claude Code assistant record.
record() {
  printf '{"type":"assistant","cwd":"/work/blocks","sessionId":"aaaaaaaa-0001","message":{"id":"%s","type":"message","role":"assistant","model":"claude-opus-4-6","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":%s,"output_tokens":0}},"requestId":"req_%s","uuid":"u-%s","timestamp":"%s"}\n' \
    "$1" "$3" "$1" "$1" "$2" >>"$4"
}

# until_true SECONDS CMD...: runs CMD every 0.1 s until it succeeds; status 1 after SECONDS.
until_true() {
  limit=$(($1 * 10))
  shift
  n=0
  until "$@"; do
    n=$((n + 1))
    [ "$n" -lt "$limit" ] || return 1
    sleep 0.1
  done
}
# lines_at_least FILE N (the file of a process started in the background may not be there yet).
lines_at_least() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
# count_is PATTERN FILE N: N lines of FILE match PATTERN.
count_is() { [ "$(grep -cs -- "$1" "$2")" -eq "$3" ]; }
# stops PID: the process has ended (it is no child of this shell when tmux started it).
stops() { ! kill -0 "$1" 2>/dev/null; }

# ---- 1. usage errors -----------------------------------------------------------------
usage_error() {
  expected=$1
  shift
  run "$bin" "$@"
  [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && [ "$(sed -n 1p "$work/err")" = "okstra-usage: error: $expected" ]
}
# shellcheck disable=SC2086  # $roots holds several words
{
  check "weekly --watch: a usage error" usage_error "unknown option '--watch'" weekly $roots --watch
  check "blocks --watch without --active: a usage error" usage_error "option '--watch' of blocks needs '--active'" blocks $roots --watch
  check "--watch 0: a usage error" usage_error "invalid value for --watch '0'" daily $roots --watch 0
  check "--watch -2: a usage error" usage_error "invalid value for --watch '-2'" daily $roots --watch -2
  check "--watch=soon: a usage error" usage_error "invalid value for --watch 'soon'" daily $roots --watch=soon
  check "--watch abc: abc is no value of --watch, an argument too many" usage_error "unexpected argument 'abc'" daily $roots --watch abc
  check "--watch with --quiet: a usage error" usage_error "options '--watch' and '--quiet' cannot be combined" daily $roots --watch 2 -q
}
run "$bin" daily --help
check "daily --help: --watch [SECONDS]" grep -q -- '--watch \[SECONDS\]' "$work/out"

# ---- 2. stdout a file ------------------------------------------------------------------
# shellcheck disable=SC2086
"$bin" daily $roots --watch 1 --json >"$work/daily.out" 2>"$work/daily.err" </dev/null &
pid=$!
check "file: the first report" until_true 10 lines_at_least "$work/daily.out" 1
check "file: one JSON document a line, 3,100 tokens" holds "$work/daily.out" "d['totals']['total'] == 3100"
record msg_w1 2026-11-25T09:00:00.000Z 500 "$log"
check "file: a second report after an append" until_true 10 lines_at_least "$work/daily.out" 2
sed -n 2p "$work/daily.out" >"$work/second.json"
check "file: the second report has the appended record" holds "$work/second.json" "d['totals']['total'] == 3600 and d['rows'][-1]['key'] == '2026-11-25'"
mkdir -p "$work/claude/projects/-work-later/subagents"
sleep 0.5  # the new folders alone change no report: give the watcher a moment to watch them
record msg_w2 2026-11-26T09:00:00.000Z 250 "$work/claude/projects/-work-later/subagents/agent-1.jsonl"
check "file: a record in a folder made later is seen" until_true 10 lines_at_least "$work/daily.out" 3
sed -n 3p "$work/daily.out" >"$work/third.json"
check "file: the third report has it" holds "$work/third.json" "d['totals']['total'] == 3850"
check "file: nothing more while nothing changes" [ "$(wc -l <"$work/daily.out")" -eq 3 ]
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
check "file: SIGTERM ends the watch with exit 0" [ "$rc" -eq 0 ]
check "file: no warning on stderr" [ ! -s "$work/daily.err" ]

# blocks --active on the timer at a pinned clock: the same text every second
# is printed once; a table a blank line after the one before.
# shellcheck disable=SC2086
OKSTRA_TEST_NOW=$now "$bin" blocks --active $roots --watch 1 --color never >"$work/blocks.out" 2>"$work/blocks.err" </dev/null &
pid=$!
check "blocks table: the first report" until_true 10 grep -qs '^Total' "$work/blocks.out"
sleep 2.5  # two timer ticks: the short wait this check is about
check "blocks table: an unchanged report is not printed again" [ "$(grep -c '^Total' "$work/blocks.out")" -eq 1 ]
record msg_w3 2026-11-24T10:44:00.000Z 1000 "$log"
check "blocks table: a second table after an append" until_true 10 count_is '^Total' "$work/blocks.out" 2
check "blocks table: the two tables a blank line apart" count_is '^$' "$work/blocks.out" 1
check "blocks table: the second has 4,000 tokens" until_true 1 grep -q '^Total.* 4,000 ' "$work/blocks.out"
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
check "blocks table: SIGINT ends the watch with exit 0" [ "$rc" -eq 0 ]

# The timer fallback (as without inotify): an append is seen within SECONDS.
# shellcheck disable=SC2086
OKSTRA_TEST_NO_INOTIFY=1 "$bin" daily $roots --watch 1 --json >"$work/timer.out" 2>"$work/timer.err" </dev/null &
pid=$!
check "timer: the first report" until_true 10 lines_at_least "$work/timer.out" 1
record msg_t1 2026-11-28T09:00:00.000Z 100 "$log"
check "timer: a second report after an append" until_true 10 lines_at_least "$work/timer.out" 2
sed -n 2p "$work/timer.out" >"$work/timer.json"
check "timer: the second report has the appended record" holds "$work/timer.json" "d['rows'][-1]['key'] == '2026-11-28'"
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
check "timer: SIGTERM ends the watch with exit 0" [ "$rc" -eq 0 ]

# limits: $OKSTRA_HOME/usage appears after the start (looked for every SECONDS),
# then the statusline's file in it (written as the statusline does: a rename).
"$bin" limits --source claude --watch 1 --json >"$work/limits.out" 2>"$work/limits.err" </dev/null &
pid=$!
check "limits: the first report" until_true 10 lines_at_least "$work/limits.out" 1
check "limits: nothing recorded yet" holds "$work/limits.out" "d['limits'][0]['windows'] is None"
mkdir -p "$OKSTRA_HOME/usage"
printf '{"version":1,"claude":{"observedAt":"2026-12-05T09:30:00.000Z","primary":{"usedPercent":23.5,"windowMinutes":300,"resetsAt":"2026-12-05T13:00:00.000Z"}}}\n' >"$OKSTRA_HOME/usage/limits.json.tmp"
mv "$OKSTRA_HOME/usage/limits.json.tmp" "$OKSTRA_HOME/usage/limits.json"
until_true 10 grep -qs '23.5' "$work/limits.out" || true
tail -n 1 "$work/limits.out" >"$work/limits.last"
check "limits: the recorded window is shown" holds "$work/limits.last" "d['limits'][0]['windows'][0]['usedPercent'] == 23.5"
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
check "limits: SIGTERM ends the watch with exit 0" [ "$rc" -eq 0 ]

# ---- 3. a terminal -----------------------------------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
  skip_part "tmux is not installed (Debian package tmux): the terminal checks did not run"
  finish
fi
sock="okstra-watch-test-$$"
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
  tmx kill-server 2>/dev/null || true
  lib_cleanup
}
trap cleanup EXIT
screen() { tmx capture-pane -p -t "$1" >"$work/screen" 2>/dev/null; }
# shows PANE PATTERN: the pane shows a line matching PATTERN (grep).
shows() {
  screen "$1"
  grep -q -- "$2" "$work/screen"
}
flag() { tmx display-message -p -t "$1" "#{$2}"; }
# sees DESCRIPTION PANE PATTERN: the pane shows PATTERN within 10 s; else the
# failure shows the screen.
sees() {
  if until_true 10 shows "$2" "$3"; then
    pass "$1"
  else
    fail "$1 (the screen:)"
    sed 's/^/  | /' "$work/screen"
  fi
}
# start NAME COMMAND: a 120x40 window with an interactive shell, as a person
# has it, which runs COMMAND and then prints its exit status as EXIT=N.
start() {
  {
    echo "export OKSTRA_HOME='$OKSTRA_HOME' HOME='$HOME' TZ=UTC"
    echo "unset COLUMNS NO_COLOR OKSTRA_TEST_NOW"
    echo "$2"
    echo 'echo EXIT=$?'
  } >"$work/$1.sh"
  tmx new-session -d -s "$1" -x 120 -y 40 "env PS1='$ ' ENV=/dev/null sh -i"
  tmx send-keys -t "$1" ". '$work/$1.sh'" Enter
}

start daily "'$bin' daily $roots --watch 1"
sees "terminal: the header and the table" daily '^okstra-usage daily --watch - updated [0-9:]* - watching [0-9]* folders - Ctrl-C stops'
sees "terminal: the total so far" daily '^Total .* 4,950 '
check "terminal: on the alternate screen" [ "$(flag daily alternate_on)" = 1 ]
check "terminal: the cursor hidden" [ "$(flag daily cursor_flag)" = 0 ]
record msg_w4 2026-11-27T09:00:00.000Z 150 "$log"
sees "terminal: redrawn after an append" daily '^2026-11-27 '
tmx resize-window -t daily -x 80 -y 40
sees "terminal: redrawn for 80 columns after a resize" daily '^Date  *Models  *Input  *Output  *Cache  *Cost USD'
tmx send-keys -t daily C-c
sees "terminal: Ctrl-C ends it with exit 0" daily 'EXIT=0$'
check "terminal: back on the main screen" [ "$(flag daily alternate_on)" = 0 ]
check "terminal: the cursor shown again" [ "$(flag daily cursor_flag)" = 1 ]

# The header of the timer fallback.
start timer "OKSTRA_TEST_NO_INOTIFY=1 '$bin' daily $roots --watch 2"
sees "terminal timer: the header names the timer" timer '^okstra-usage daily --watch - updated [0-9:]* - timer every 2 s (inotify not used) - Ctrl-C stops'
tmx send-keys -t timer C-c
sees "terminal timer: Ctrl-C ends it with exit 0" timer 'EXIT=0$'

# blocks --active, then SIGTERM: the process id is written where the test reads it.
start blocks "OKSTRA_TEST_NOW=$now '$bin' blocks --active $roots --watch 1 & echo \$! >'$work/blocks.pid'; wait \$!"
sees "terminal blocks: the active block" blocks '^2026-11-24 10:00 (active)'
check "terminal blocks: the header says the timer runs too" shows blocks 'folders and every 1 s'
record msg_w5 2026-11-24T10:44:30.000Z 1000 "$log"
sees "terminal blocks: redrawn after an append" blocks '^Total .* 5,000 '
kill -TERM "$(cat "$work/blocks.pid")"
sees "terminal blocks: SIGTERM ends it with exit 0" blocks 'EXIT=0$'
check "terminal blocks: back on the main screen" [ "$(flag blocks alternate_on)" = 0 ]
check "terminal blocks: the cursor shown again" [ "$(flag blocks cursor_flag)" = 1 ]
check "terminal blocks: the process is gone" stops "$(cat "$work/blocks.pid")"

finish
