#!/bin/sh
# okstra-usage limits through the real binary (docs/usage-limits.md): nothing
# recorded is "unknown" with exit 0; the latest Codex window is the same
# whatever order or age the rollouts have on disk; a warm cache, a grown
# rollout and --no-cache agree; Claude Code's limits come from the recorded
# limits file; the JSON has the documented shape.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage-limits"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export HOME="$work/user" TZ=UTC
mkdir -p "$HOME" "$work/empty"
a=rollout-2026-12-05T09-00-00-aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa.jsonl
b=rollout-2026-12-05T09-05-00-bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb.jsonl
# The windows without what depends on the clock (ageSeconds, resetPassed).
windows="[(l['source'], [(w['name'], w['usedPercent'], w['windowMinutes'], w['resetsAt'], w['observedAt']) for w in l['windows']] if l['windows'] is not None else None) for l in d['limits']]"

# 1. Nothing recorded anywhere: unknown, exit 0, never a guess.
export OKSTRA_HOME="$work/home0"
run "$bin" limits --json --codex-dir "$work/empty"
check "nothing recorded: exit 0" [ "$rc" = 0 ]
check "nothing recorded: claude and codex, windows null" \
  holds "$work/out" "d == {'limits': [{'source': 'claude', 'windows': None}, {'source': 'codex', 'windows': None}]}"
run "$bin" limits --codex-dir "$work/empty"
check "nothing recorded: the table says unknown" grep -q "^codex  *unknown" "$work/out"
check "nothing recorded: exit 0 for the table" [ "$rc" = 0 ]

# 2. Two rollouts, copied and aged in opposite orders: the same latest window
# (B's 09:15 observation, in the older resets_in_seconds form, beats A's 09:10
# one; A's later token_count events carry rate_limits null or null windows).
for order in ab ba; do
  dir="$work/codex-$order/sessions/2026/12/05"
  mkdir -p "$dir"
  if [ "$order" = ab ]; then first=$a second=$b; else first=$b second=$a; fi
  cp "$data/$first" "$dir/"
  cp "$data/$second" "$dir/"
  touch -d '2026-12-05 10:00' "$dir/$first"
  touch -d '2026-12-05 11:00' "$dir/$second"
  OKSTRA_HOME="$work/home-$order" "$bin" limits --json --source codex --codex-dir "$work/codex-$order" \
    >"$work/$order.json" 2>"$work/err"
  json_field "$work/$order.json" "$windows" >"$work/$order.windows"
done
check "read order and mtimes do not change the latest window" cmp -s "$work/ab.windows" "$work/ba.windows"
expected="[('codex', [('primary', 20.5, 300, '2026-12-05T10:15:00Z', '2026-12-05T09:15:00Z'), ('secondary', 41, 10080, '2026-12-06T09:15:00Z', '2026-12-05T09:15:00Z')])]"
check "the latest is B's, resets_in_seconds counted from its event" [ "$(cat "$work/ab.windows")" = "$expected" ]
check "resetPassed and ageSeconds are there" \
  holds "$work/ab.json" "all(isinstance(w['resetPassed'], bool) and isinstance(w['ageSeconds'], int) for w in d['limits'][0]['windows'])"

# 3. The cache: a warm run, a grown rollout (resumed from its old end) and
# --no-cache give the same answer.
export OKSTRA_HOME="$work/home-ab"
codex="$work/codex-ab"
"$bin" limits --json --source codex --codex-dir "$codex" >"$work/warm.json" 2>/dev/null
check "warm cache: same as cold" [ "$(json_field "$work/warm.json" "$windows")" = "$expected" ]
printf '%s\n' '{"timestamp":"2026-12-05T09:40:00.000Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{"primary":{"used_percent":33.0,"window_minutes":300,"resets_at":1796473800},"secondary":null}}}' \
  >>"$codex/sessions/2026/12/05/$a"
"$bin" limits --json --source codex --codex-dir "$codex" >"$work/grown.json" 2>/dev/null
"$bin" limits --json --source codex --codex-dir "$codex" --no-cache >"$work/nocache.json" 2>/dev/null
grown=$(json_field "$work/grown.json" "$windows")
check "grown rollout: its new latest window" \
  [ "$grown" = "[('codex', [('primary', 33, 300, '2026-12-05T12:30:00Z', '2026-12-05T09:40:00Z')])]" ]  # JSON writes 33.0 as 33
check "grown rollout: cache and --no-cache agree" [ "$grown" = "$(json_field "$work/nocache.json" "$windows")" ]
# limits leaves the Codex snapshot out; the daily report must not notice.
"$bin" daily --json --source codex --codex-dir "$codex" >"$work/daily.json" 2>/dev/null
"$bin" daily --json --source codex --codex-dir "$codex" --no-cache >"$work/daily-nocache.json" 2>/dev/null
check "daily after limits: cache and --no-cache agree" cmp -s "$work/daily.json" "$work/daily-nocache.json"
# Once daily has snapshot Codex (an unchanged run), limits keeps that snapshot and daily reuses it.
"$bin" daily --json --source codex --codex-dir "$codex" >/dev/null 2>&1
"$bin" limits --json --source codex --codex-dir "$codex" >"$work/again.json" 2>/dev/null
check "limits after a Codex snapshot: the same window" [ "$(json_field "$work/again.json" "$windows")" = "$grown" ]
OKSTRA_USAGE_TRACE=1 "$bin" daily --json --source codex --codex-dir "$codex" --tz UTC >"$work/daily2.json" 2>"$work/trace"
check "daily after limits: Codex still from its snapshot" grep -q "sources from snapshots: codex" "$work/trace"
check "daily from the kept snapshot: same as --no-cache" cmp -s "$work/daily2.json" "$work/daily-nocache.json"

# 4. Claude Code: the recorded limits file; a damaged one is a warning, not a guess.
mkdir -p "$OKSTRA_HOME/usage"
cp "$data/claude-limits.json" "$OKSTRA_HOME/usage/limits.json"
run "$bin" limits --json --codex-dir "$codex"
check "claude from the recorded file" holds "$work/out" \
  "d['limits'][0] == {'source': 'claude', 'windows': [w for w in d['limits'][0]['windows']]} and [(w['name'], w['usedPercent'], w['windowMinutes'], w['resetsAt']) for w in d['limits'][0]['windows']] == [('primary', 23.5, 300, '2026-12-05T13:00:00Z'), ('secondary', 41.2, 10080, '2026-12-10T08:00:00Z')]"
run "$bin" limits --codex-dir "$codex" --tz Asia/Tokyo
check "table: claude primary in the asked zone" grep -q "^claude  primary    23.5%    5h      2026-12-05 22:00 " "$work/out"
check "table: how old the observation is" grep -q "ago$" "$work/out"
printf '{"claude": ' >"$OKSTRA_HOME/usage/limits.json"
run "$bin" limits --json --codex-dir "$codex"
check "damaged limits file: exit 0" [ "$rc" = 0 ]
check "damaged limits file: claude unknown" holds "$work/out" "d['limits'][0] == {'source': 'claude', 'windows': None}"
check "damaged limits file: a warning" grep -q "^okstra-usage: warning: malformed JSON '" "$work/err"

# 5. --source, the house JSON options, and Codex windows without a reset time.
run "$bin" limits --json --source gemini
check "--source gemini: only gemini, unknown" holds "$work/out" "d == {'limits': [{'source': 'gemini', 'windows': None}]}"
run "$bin" limits --format json -c --source codex --codex-dir "$OKSTRA_SOURCE_ROOT/tests/data/usage/codex"
check "-c: one line" [ "$(wc -l <"$work/out")" = 1 ]
check "a window without a reset: resetsAt null, not guessed" holds "$work/out" \
  "[(w['name'], w['usedPercent'], w['windowMinutes'], w['resetsAt'], w['resetPassed']) for w in d['limits'][0]['windows']] == [('primary', 3.0, 300, None, None)]"

finish
