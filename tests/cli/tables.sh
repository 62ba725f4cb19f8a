#!/bin/sh
# What a person sees: okstra-usage (daily, monthly, session) and okstra-cost
# tables fit the width they are given and are coloured only when they may be
# (docs/cli.md, "Terminal width and colour"; docs/usage.md, "Tables that fit
# the terminal"). First through a pipe with COLUMNS=80 and 200, then on a real
# terminal: a tmux pane 80 and 200 columns wide. Widths are counted in
# display columns (wide characters 2, combining marks 0), never bytes.
# Without tmux the terminal part cannot run: after the pipe part the script
# exits 77 (skipped), saying why — unless a check already failed.
set -eu
usage="$OKSTRA_BUILD_ROOT/okstra-usage"
cost="$OKSTRA_BUILD_ROOT/okstra-cost"
data="$OKSTRA_SOURCE_ROOT/tests/data"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC
unset NO_COLOR CLAUDE_CONFIG_DIR COLUMNS
mkdir -p "$HOME"
esc=$(printf '\033')
roots="--claude-dir $data/usage/claude --codex-dir $data/usage/codex --gemini-dir $data/usage/gemini --cursor-log $data/usage/cursor/cursor.jsonl"
bundle="--task-root $data/task-bundle/task --runtime-root $data/task-bundle/runtime --format table"

# bars FILE: "ROWS EIGHTHS HASHES LONGEST" - how many lines of FILE end in a bar
# (two spaces, then only eighth blocks, or only '#'), how many of those are of
# blocks and of '#', and the longest bar in columns (docs/usage-reports.md, "Bar column").
bars() {
  python3 - "$1" <<'EOF'
import re, sys
rows = eighths = hashes = longest = 0
for line in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    m = re.search(r"\S  ([\u2588-\u258f]+|#+)$", re.sub(r"\x1b\[[0-9;]*m", "", line))
    if not m:
        continue
    rows += 1
    if m.group(1)[0] == "#": hashes += 1
    else: eighths += 1
    longest = max(longest, len(m.group(1)))
print(rows, eighths, hashes, longest)
EOF
}

# widest FILE: the widest line of FILE in display columns, SGR escapes removed.
widest() {
  python3 - "$1" <<'EOF'
import re, sys, unicodedata
def width(line):
    line = re.sub(r"\x1b\[[0-9;]*m", "", line)
    n = 0
    for ch in line:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n
text = open(sys.argv[1], encoding="utf-8").read()
print(max((width(l) for l in text.split("\n")), default=0))
EOF
}

# fits NAME FILE WIDTH: FILE has lines, none wider than WIDTH.
fits() {
  if [ ! -s "$2" ]; then fail "$1: no output"; return; fi
  got=$(widest "$2")
  [ "$got" -le "$3" ] && pass "$1: widest line $got <= $3 columns" || { fail "$1: a line of $got columns > $3"; cat "$2"; }
}
# plain NAME FILE / coloured NAME FILE: FILE (which must exist) has no / some escape.
plain() {
  if [ ! -s "$2" ]; then fail "$1: no output"; return; fi
  if grep -q "$esc" "$2"; then fail "$1: escape sequences in the output"; else pass "$1: no colour"; fi
}
coloured() {
  if [ ! -s "$2" ]; then fail "$1: no output"; return; fi
  if grep -q "$esc\[1m" "$2"; then pass "$1: coloured (bold header)"; else fail "$1: no colour"; fi
}

# ---- 1. through a pipe: COLUMNS, else 80; never colour unless asked -------------------
for width in 80 200; do
  for kind in daily monthly session; do
    # shellcheck disable=SC2086
    run env COLUMNS=$width "$usage" $kind $roots --no-cache
    [ "$rc" -eq 0 ] || fail "usage $kind at $width: exit $rc: $(cat "$work/err")"
    cp "$work/out" "$work/$kind-$width"
    fits "usage $kind, COLUMNS=$width" "$work/$kind-$width" "$width"
    plain "usage $kind, COLUMNS=$width, a pipe" "$work/$kind-$width"
  done
  # shellcheck disable=SC2086
  run env COLUMNS=$width "$cost" $bundle
  [ "$rc" -eq 0 ] || fail "cost at $width: exit $rc: $(cat "$work/err")"
  cp "$work/out" "$work/cost-$width"
  fits "cost table, COLUMNS=$width" "$work/cost-$width" "$width"
  plain "cost table, COLUMNS=$width, a pipe" "$work/cost-$width"
done
# The layouts: compact below 100 columns, every bucket from 100 on.
check "usage daily at 80: the compact layout (one Cache column)" grep -q '^Date  *Models  *Input  *Output  *Cache  *Cost USD$' "$work/daily-80"
check "usage daily at 200: the full layout" grep -q '^Date  *Models  *Input  *Output  *Cache 5m  *Cache 1h  *Cache Read  *Total  *Cost USD$' "$work/daily-200"
check "usage session at 80: Total and cost only" grep -q '^Session  *Project  *Last Activity  *Models  *Total  *Cost USD$' "$work/session-80"
check "usage session at 200: a Source column" grep -q '^Session  *Source  *Project  *Last Activity  *Models  *Input' "$work/session-200"
check "usage session at 200: whole session ids" grep -q '^11111111-1111-4111-8111-111111111111 ' "$work/session-200"
# Both layouts carry the same grand total.
check "usage daily: the same total at 80 and 200 columns" grep -q '^Total .* 0\.04$' "$work/daily-80"
check "usage daily at 200: the grand total" grep -q '^Total .*22,975  *0\.04$' "$work/daily-200"
# Without COLUMNS a pipe is 80 columns wide.
# shellcheck disable=SC2086
run "$usage" session $roots --no-cache
cp "$work/out" "$work/session-default"
fits "usage session, no COLUMNS" "$work/session-default" 80
# shellcheck disable=SC2086
check "usage session, no COLUMNS: the 80-column layout" cmp -s "$work/session-default" "$work/session-80"

# The bar column of the period tables: the free columns, up to 60, never past the width;
# eighths in a UTF-8 locale, '#' otherwise; none with --no-bar, for session, JSON, CSV,
# markdown, or without room (docs/usage-reports.md, "Bar column"). The daily fixture has 8 days.
for width in 80 200; do
  for locale in C.UTF-8 C; do
    # shellcheck disable=SC2086
    run env COLUMNS=$width LC_ALL=$locale "$usage" daily $roots --no-cache
    cp "$work/out" "$work/bar-$width-$locale"
    fits "usage daily with a bar, COLUMNS=$width, LC_ALL=$locale" "$work/bar-$width-$locale" "$width"
  done
done
check "bar at 80, UTF-8: every day has a bar of eighths, the largest 17 columns" [ "$(bars "$work/bar-80-C.UTF-8")" = "8 8 0 17" ]
check "bar at 80: the largest row's line is exactly 80 columns" [ "$(widest "$work/bar-80-C.UTF-8")" = 80 ]
check "bar at 80, C locale: '#' instead" [ "$(bars "$work/bar-80-C")" = "8 0 8 17" ]
check "bar at 200, UTF-8: at most 60 columns" [ "$(bars "$work/bar-200-C.UTF-8")" = "8 8 0 60" ]
check "bar at 200, C locale: '#' instead" [ "$(bars "$work/bar-200-C")" = "8 0 8 60" ]
check "bar: the total row has none" grep -q '^Total .* 0\.04$' "$work/bar-80-C.UTF-8"
for shape in "daily --no-bar" "daily --json" "daily --csv" "daily --format markdown" "session" "weekly --no-bar --group-by source"; do
  # shellcheck disable=SC2086
  run env COLUMNS=200 LC_ALL=C.UTF-8 "$usage" $shape $roots --no-cache
  cp "$work/out" "$work/nobar"
  check "no bar: $shape" [ "$(bars "$work/nobar")" = "0 0 0 0" ]
done
# shellcheck disable=SC2086
run env COLUMNS=80 LC_ALL=C.UTF-8 "$usage" daily --no-bar $roots --no-cache
check "--no-bar: the table without the bar column, line for line" \
  [ "$(sed 's/  [#]*$//' "$work/bar-80-C")" = "$(cat "$work/out")" ]
# shellcheck disable=SC2086
run env COLUMNS=200 LC_ALL=C.UTF-8 "$usage" weekly --group-by source $roots --no-cache
cp "$work/out" "$work/bar-grouped"
check "bar: a grouped report has one per (week, source) row, the largest full" [ "$(bars "$work/bar-grouped")" = "4 4 0 60" ]
# The compact daily table is 61 columns: at 70 there are 7 free, too few for a bar.
# shellcheck disable=SC2086
run env COLUMNS=70 LC_ALL=C.UTF-8 "$usage" daily $roots --no-cache
cp "$work/out" "$work/bar-70"
fits "usage daily, COLUMNS=70" "$work/bar-70" 70
check "no bar with fewer than 8 free columns" [ "$(bars "$work/bar-70")" = "0 0 0 0" ]

# --color always colours a pipe; never and NO_COLOR do not; --color never wins over a terminal (below).
# shellcheck disable=SC2086
run env COLUMNS=80 "$usage" daily $roots --no-cache --color always
cp "$work/out" "$work/always"
coloured "usage --color always, a pipe" "$work/always"
fits "usage --color always: escapes take no columns" "$work/always" 80
# shellcheck disable=SC2086
run env NO_COLOR=1 COLUMNS=80 "$usage" daily $roots --no-cache
cp "$work/out" "$work/no-color"
plain "usage with NO_COLOR=1, a pipe" "$work/no-color"
# shellcheck disable=SC2086
run env COLUMNS=80 "$cost" $bundle --color always
cp "$work/out" "$work/cost-always"
coloured "cost --color always, a pipe" "$work/cost-always"

# ---- 2. on a terminal: a tmux pane of 80 and 200 columns ------------------------------
if ! command -v tmux >/dev/null 2>&1; then
  echo "skip: tmux is not installed, so the terminal part (real terminal width and colour) cannot run"
  [ "$failures" -eq 0 ] || finish
  exit 77
fi
socket="okstra-tables-$$"
tmux_() { tmux -L "$socket" -f /dev/null "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

# on_terminal NAME WIDTH ENV... -- COMMAND...: runs COMMAND in a fresh pane
# WIDTH columns wide (as a person would type it) and leaves the screen, with
# its colours and lines as the terminal received them, in $work/NAME.
on_terminal() {
  name=$1 width=$2
  shift 2
  script="$work/$name.sh"
  {
    echo 'unset COLUMNS NO_COLOR'
    printf "'%s' " "$@"
    echo ">/dev/tty 2>'$work/$name.err'"
    echo "echo \"rc=\$?\" >'$work/$name.rc'"
  } >"$script"
  tmux_ kill-server 2>/dev/null || true
  tmux_ new-session -d -x "$width" -y 80 -s t sh
  tmux_ send-keys -t t "clear; sh '$script'" Enter
  n=0
  while [ ! -s "$work/$name.rc" ] && [ "$n" -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
  sleep 0.3
  # -J joins lines the terminal wrapped, so a line that overflowed shows whole.
  tmux_ capture-pane -t t -p -J -e -S - >"$work/$name.screen"
  tmux_ kill-server 2>/dev/null || true
  if [ "$(cat "$work/$name.rc" 2>/dev/null)" != "rc=0" ]; then
    fail "$name: the command did not finish with exit 0: $(cat "$work/$name.rc" "$work/$name.err" 2>/dev/null)"
  fi
  # What the command printed: the screen without the typed command line and the prompts.
  grep -v -e "sh '$script'" -e '^\$ *$' -e '^# *$' "$work/$name.screen" | sed -e '/^[[:space:]]*$/d' >"$work/$name" || true
}

for width in 80 200; do
  for kind in daily session; do
    # shellcheck disable=SC2086
    on_terminal "tty-$kind-$width" "$width" env OKSTRA_HOME="$OKSTRA_HOME" HOME="$HOME" TZ=UTC "$usage" $kind $roots --no-cache
    fits "usage $kind on a $width-column terminal" "$work/tty-$kind-$width" "$width"
    coloured "usage $kind on a $width-column terminal" "$work/tty-$kind-$width"
  done
  # shellcheck disable=SC2086
  on_terminal "tty-cost-$width" "$width" env HOME="$HOME" OKSTRA_HOME="$OKSTRA_HOME" "$cost" $bundle
  fits "cost on a $width-column terminal" "$work/tty-cost-$width" "$width"
  coloured "cost on a $width-column terminal" "$work/tty-cost-$width"
done
check "a 200-column terminal gets the full usage layout" grep -q 'Cache Read' "$work/tty-daily-200"
# The bar on a terminal: the same free columns, counted on the screen (ASCII: tmux
# itself may not speak UTF-8 here).
for width in 80 200; do
  # shellcheck disable=SC2086
  on_terminal "tty-bar-$width" "$width" env LC_ALL=C OKSTRA_HOME="$OKSTRA_HOME" HOME="$HOME" TZ=UTC "$usage" daily $roots --no-cache
  fits "usage daily with a bar on a $width-column terminal" "$work/tty-bar-$width" "$width"
done
check "bar on an 80-column terminal: every day, 17 columns" [ "$(bars "$work/tty-bar-80")" = "8 0 8 17" ]
check "bar on a 200-column terminal: every day, 60 columns" [ "$(bars "$work/tty-bar-200")" = "8 0 8 60" ]
check "an 80-column terminal gets the compact usage layout" grep -q 'Cache  *Cost USD' "$work/tty-daily-80"
# The terminal's own width wins over COLUMNS.
# shellcheck disable=SC2086
on_terminal tty-columns 80 env COLUMNS=200 OKSTRA_HOME="$OKSTRA_HOME" HOME="$HOME" TZ=UTC "$usage" daily $roots --no-cache
fits "usage on an 80-column terminal with COLUMNS=200" "$work/tty-columns" 80
# NO_COLOR and --color never: no colour even on a terminal.
# shellcheck disable=SC2086
on_terminal tty-no-color 80 env NO_COLOR=1 OKSTRA_HOME="$OKSTRA_HOME" HOME="$HOME" TZ=UTC "$usage" daily $roots --no-cache
plain "usage on a terminal with NO_COLOR=1" "$work/tty-no-color"
# shellcheck disable=SC2086
on_terminal tty-never 80 env OKSTRA_HOME="$OKSTRA_HOME" HOME="$HOME" TZ=UTC "$usage" daily $roots --no-cache --color never
plain "usage on a terminal with --color never" "$work/tty-never"

finish
