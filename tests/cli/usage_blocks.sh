#!/bin/sh
# okstra-usage blocks through the real binary (docs/usage-blocks.md, "Blocks"), on
# the logs of tests/data/usage-blocks with the clock pinned by OKSTRA_TEST_NOW:
# Claude Code alone by default, per-source blocks that never mix, gaps, the
# active block's burn rate and projection, --active, the anchor to Codex's
# official window, and tables that fit 80 and 200 columns.
#
# The logs: Claude (claude-opus-4-6, 5 USD per million input tokens) 100
# tokens at 02:10, 1,000 at 10:15, 2,000 at 10:40 (written twice, one content
# block a line: counted once). Codex (gpt-5) 300 at 09:30, 700 at 10:45 (the
# row repeated unchanged: counted once), 350 at 12:00; its rate_limits say the
# primary window of 300 minutes resets at 15:30, so it is 10:30-15:30.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage-blocks"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC
unset CLAUDE_CONFIG_DIR CODEX_HOME COLUMNS
mkdir -p "$HOME"
roots="--claude-dir $data/claude --codex-dir $data/codex --no-cache"

# blocks NOW ARGS...: okstra-usage blocks at that time (output in $work/out, $work/err, $rc).
blocks() {
  now=$1
  shift
  # shellcheck disable=SC2086
  run env OKSTRA_TEST_NOW="$now" "$bin" blocks $roots "$@"
}

# 1. Default: Claude Code alone. At 10:45 the 10:00 block is active: 45 min
# elapsed, 255 left; 3,000 tokens in the 30 min since 10:15 = 100 tokens/min,
# 0.015 USD / 0.5 h = 0.03 USD/h; projection 3,000 + 100 x 255 = 28,500 tokens,
# 0.015 + 0.03 x 4.25 = 0.1425 USD. The 02:00 block ends at 07:00: a 180 min gap.
blocks 2026-11-24T10:45:00Z --json
check "default blocks: exit 0" [ "$rc" -eq 0 ]
check "default blocks: Claude only" holds "$work/out" "[r['source'] for r in d['rows']] == ['claude', 'claude'] and list(d['bySource']) == ['claude']"
check "default blocks: starts 02:00 and 10:00" holds "$work/out" "[r['start'] for r in d['rows']] == ['2026-11-24T02:00:00Z', '2026-11-24T10:00:00Z']"
check "default blocks: the duplicate line counted once" holds "$work/out" "d['rows'][1]['total'] == 3000"
check "active block: elapsed 45, remaining 255" holds "$work/out" "(d['rows'][1]['active'], d['rows'][1]['elapsedMinutes'], d['rows'][1]['remainingMinutes']) == (True, 45, 255)"
check "active block: burn rate 100 tokens/min, 0.03 USD/h" holds "$work/out" "d['rows'][1]['burnRate'] == {'tokensPerMinute': 100, 'usdPerHour': 0.03}"
check "active block: projection 28,500 tokens, 0.1425 USD" holds "$work/out" "d['rows'][1]['projection'] == {'total': 28500, 'costUsd': 0.1425}"
check "inactive block: null pace" holds "$work/out" "d['rows'][0]['burnRate'] is None and d['rows'][0]['elapsedMinutes'] is None"
check "gap 07:00-10:00, 180 minutes" holds "$work/out" "d['gaps'] == [{'source': 'claude', 'start': '2026-11-24T07:00:00Z', 'end': '2026-11-24T10:00:00Z', 'minutes': 180}]"
cp "$work/out" "$work/claude.json"

# 2. Adding Codex never moves a Claude block: the Claude rows are the same
# with --source claude,codex. Codex's 10:45 and 12:00 calls are its official
# window 10:30-15:30; the 09:30 call's block ends where the window starts.
blocks 2026-11-24T10:45:00Z --json --source claude,codex
check "claude,codex: exit 0" [ "$rc" -eq 0 ]
cp "$work/out" "$work/both.json"
a=$(json_field "$work/claude.json" "d['rows']")
b=$(json_field "$work/both.json" "[r for r in d['rows'] if r['source'] == 'claude']")
check "Codex calls leave the Claude blocks unchanged" [ "$a" = "$b" ]
check "codex: its own blocks, after Claude's" holds "$work/both.json" "[r['source'] for r in d['rows']] == ['claude', 'claude', 'codex', 'codex']"
check "codex: 09:00 block cut at the window's start" holds "$work/both.json" "(d['rows'][2]['start'], d['rows'][2]['end'], d['rows'][2]['anchored']) == ('2026-11-24T09:00:00Z', '2026-11-24T10:30:00Z', False)"
check "codex: the official window is a block" holds "$work/both.json" "(d['rows'][3]['start'], d['rows'][3]['end'], d['rows'][3]['anchored'], d['rows'][3]['total']) == ('2026-11-24T10:30:00Z', '2026-11-24T15:30:00Z', True, 1050)"
# At 12:30: 120 min into the window, 180 left; 1,050 tokens over the 105 min
# since 10:45 = 10 tokens/min; projection 1,050 + 10 x 180 = 2,850.
blocks 2026-11-24T12:30:00Z --json --source codex --active
check "codex --active at 12:30: the window, 120 and 180 minutes" holds "$work/out" "[(r['start'], r['elapsedMinutes'], r['remainingMinutes']) for r in d['rows']] == [('2026-11-24T10:30:00Z', 120, 180)]"
check "codex --active: 10 tokens/min, 2,850 projected" holds "$work/out" "(d['rows'][0]['burnRate']['tokensPerMinute'], d['rows'][0]['projection']['total']) == (10, 2850)"
check "codex --active: totals are the block's" holds "$work/out" "d['totals']['total'] == 1050 and d['gaps'] == []"

# 3. --active with no active block: exit 0, nothing on stdout, a note on stderr.
blocks 2026-11-26T00:00:00Z --active
check "no active block: exit 0" [ "$rc" -eq 0 ]
check "no active block: empty stdout" [ ! -s "$work/out" ]
check "no active block: a note on stderr" grep -qx "okstra-usage: no active block" "$work/err"
blocks 2026-11-26T00:00:00Z --active --json
check "no active block, --json: empty rows" holds "$work/out" "d['rows'] == [] and d['totals']['total'] == 0"
blocks 2026-11-24T10:45:00Z --active
check "--active table: only the active block" grep -q "^2026-11-24 10:00 (active) " "$work/out"
check "--active table: no other block" lacks "^2026-11-24 02:00" "$work/out"
# shellcheck disable=SC2086
env OKSTRA_TEST_NOW=yesterday "$bin" blocks $roots >/dev/null 2>"$work/err" && rc=0 || rc=$?
check "a bad OKSTRA_TEST_NOW: usage error" [ "$rc" -eq 2 ]

# 4. Tables at 80 and 200 columns: one heading per source, the gap row, the
# active notes; no line wider than the width.
for width in 80 200; do
  # shellcheck disable=SC2086
  env COLUMNS=$width OKSTRA_TEST_NOW=2026-11-24T12:30:00Z "$bin" blocks $roots --source claude,codex >"$work/t$width" 2>/dev/null
  got=$("$python" -c 'import sys; print(max(len(l) for l in open(sys.argv[1], encoding="utf-8").read().split("\n")))' "$work/t$width")
  check "table at $width: widest line $got fits" [ "$got" -le "$width" ]
  check "table at $width: a heading per source" grep -qx "codex:" "$work/t$width"
  check "table at $width: the gap row" grep -q "^(gap 3h 00m)$" "$work/t$width"
  check "table at $width: the window's note" grep -q "^active codex block (official window): 2h 00m elapsed" "$work/t$width"
done
check "table at 200: the full layout" grep -q "^Block  *Last Activity  *Models  *Input" "$work/t200"
check "table at 80: the note wraps" grep -q "^  tokens/min, 0.01 USD/h; projected to the block's end: 6,333 tokens, 0.03 USD$" "$work/t80"

finish
