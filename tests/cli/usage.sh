#!/bin/sh
# okstra-usage end to end through the real binary: exit codes, the bundled
# fixtures' totals, cursor-hook, and "the cache changes speed, never results":
# after every change to the logs (append, truncate, same-size same-mtime
# rewrite, delete, corrupt cache) the cached run must print exactly what a
# --no-cache run prints.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC
mkdir -p "$HOME"

# 1. No logs at all: exit 0 and an empty report.
"$bin" daily --json >"$work/empty.json" 2>"$work/err" && pass "no logs: exit 0" || fail "no logs: exit $?"
[ "$(json_field "$work/empty.json" "len(d['rows']), d['totals']['total']")" = "0 0" ] \
  && pass "no logs: empty rows, zero totals" || fail "empty report: $(cat "$work/empty.json")"

# 2. A root given explicitly that does not exist: exit 3, one error line.
set +e
"$bin" daily --json --claude-dir "$work/nope" >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 3 ] && [ ! -s "$work/out" ] && head -1 "$work/err" | grep -q "^okstra-usage: error: cannot find Claude Code folder '" \
  && { [ "$(wc -l <"$work/err")" -eq 1 ] || sed -n 2p "$work/err" | grep -q "^hint: "; } \
  && pass "missing explicit root: exit 3, one error line (+ hint)" || fail "missing root: rc $rc, $(cat "$work/err")"
set +e
"$bin" weekly --bogus >/dev/null 2>"$work/err"; rc=$?
"$bin" fortnightly >/dev/null 2>>"$work/err"; rc2=$?
"$bin" daily --since yesterday >/dev/null 2>>"$work/err"; rc3=$?
"$bin" daily --tz Mars/Olympus >/dev/null 2>>"$work/err"; rc4=$?
set -e
[ "$rc" -eq 2 ] && [ "$rc2" -eq 2 ] && [ "$rc3" -eq 2 ] && [ "$rc4" -eq 2 ] && pass "usage errors exit 2" \
  || fail "usage errors: $rc $rc2 $rc3 $rc4: $(cat "$work/err")"

# 3. The bundled fixtures: exact totals per source (see the test comments in
# tests/token_usage_*_test.cpp for the arithmetic).
roots="--claude-dir $data/claude --codex-dir $data/codex --gemini-dir $data/gemini --cursor-log $data/cursor/cursor.jsonl"
# shellcheck disable=SC2086
"$bin" daily --json --no-cache $roots >"$work/fixtures.json" 2>"$work/err"
got=$(json_field "$work/fixtures.json" "d['bySource']['claude']['total'], d['bySource']['claude']['records'], d['bySource']['claude']['skippedLines']")
[ "$got" = "1880 6 2" ] && pass "claude fixtures: total 1880, 6 records, 2 skipped" || fail "claude fixtures: $got"
got=$(json_field "$work/fixtures.json" "d['bySource']['gemini']['total']")
[ "$got" = "6100" ] && pass "gemini fixtures: total 6100" || fail "gemini fixtures: $got"
grep -q "warning: skipped" "$work/err" && pass "skipped lines summarised on stderr" || fail "no skipped-lines summary"
for kind in weekly monthly session blocks; do
  every=''  # blocks read Claude Code alone unless told (docs/usage-blocks.md, "Blocks")
  if [ "$kind" = blocks ]; then every='--source claude,codex,gemini,cursor'; fi
  # shellcheck disable=SC2086
  "$bin" "$kind" --json --no-cache $roots $every >"$work/$kind.json" 2>/dev/null
  a=$(json_field "$work/$kind.json" "d['totals']")
  b=$(json_field "$work/fixtures.json" "d['totals']")
  [ "$a" = "$b" ] && pass "$kind has the daily grand totals" || fail "$kind totals differ: $a vs $b"
done
# shellcheck disable=SC2086
"$bin" daily --csv --no-cache $roots >"$work/out.csv" 2>/dev/null
head -1 "$work/out.csv" | grep -q "^date,models,input," && grep -q "^total,,.*,22975," "$work/out.csv" \
  && pass "csv has a header and a total line" || fail "csv: $(head -2 "$work/out.csv")"

# 4. Cache equivalence on a private copy of the fixtures.
cp -R "$data" "$work/logs"
croots="--claude-dir $work/logs/claude --codex-dir $work/logs/codex --gemini-dir $work/logs/gemini --cursor-log $work/logs/cursor/cursor.jsonl"
reports="$OKSTRA_HOME/cache/usage/reports"
# check_same WHAT: the cached run and a --no-cache run print the same JSON.
# Remembered reports are dropped first (unless KEEP_REPORTS=1), so the record
# cache itself answers; its trace is kept in $work/trace.
check_same() {
  [ "${KEEP_REPORTS:-0}" = 1 ] || rm -rf "$reports"
  # shellcheck disable=SC2086
  OKSTRA_USAGE_TRACE=1 "$bin" daily --json $croots >"$work/cached.json" 2>"$work/trace"
  # shellcheck disable=SC2086
  "$bin" daily --json --no-cache $croots >"$work/fresh.json" 2>/dev/null
  if cmp -s "$work/cached.json" "$work/fresh.json"; then pass "cache agrees after: $1"
  else fail "cache differs after: $1"; diff "$work/cached.json" "$work/fresh.json" | head -5; fi
}
# traced WHAT: the last cached run's trace says WHAT.
traced() { grep -q "$1" "$work/trace" && pass "trace: $1" || fail "trace lacks '$1': $(cat "$work/trace")"; }
check_same "first run"
traced "sources from snapshots: none"
check_same "nothing changed (the sources are merged and remembered)"
traced "read 0 ranges"
check_same "nothing changed (the remembered sources answer)"
traced "sources from snapshots: claude,codex,gemini,cursor"
traced "read 0 ranges"
KEEP_REPORTS=1 check_same "nothing changed (the remembered report answers)"
traced "printing the remembered report"
main="$work/logs/claude/projects/-work-demo/22222222-bbbb.jsonl"
line='{"type":"assistant","sessionId":"22222222-bbbb","requestId":"req_N1","timestamp":"2026-11-22T08:00:00.000Z","isSidechain":false,"cwd":"/work/demo","message":{"id":"msg_N1","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":7,"output_tokens":11,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}'
printf '%s\n' "$line" >>"$main"
check_same "appending a line"
traced "sources from snapshots: codex,gemini,cursor"
traced "read 1 ranges"
traced "claude: 1 records merged onto the snapshot's"
before=$(json_field "$work/cached.json" "d['bySource']['claude']['total']")
[ "$before" = "1898" ] && pass "the appended line counts (1880 + 18)" || fail "append total: $before"
# The run right after a collecting run, nothing changed: the report that run
# remembered again under the cache index its write-back wrote.
KEEP_REPORTS=1 check_same "the run right after an append"
traced "printing the remembered report"
# An index that is not the one a report was remembered with is a miss.
touch -d '2026-01-01 00:00:00' "$OKSTRA_HOME/cache/usage/usage-v3.index"
KEEP_REPORTS=1 check_same "an index changed after the report was remembered"
if grep -q "printing the remembered report" "$work/trace"; then fail "a report remembered with another index was printed"
else pass "a report remembered with another index is not printed"; fi
# Appended entries that meet earlier ones are left to the full merge: a better
# streaming copy of msg_N1, a new message at msg_N1's very millisecond, and a
# sidechain replay of msg_N1 in a subagent transcript.
printf '%s\n' "$(printf '%s' "$line" | sed 's/"output_tokens":11/"output_tokens":22/')" >>"$main"
check_same "appending a better copy of an earlier message"
traced "new entries meet earlier ones; full merge"
got=$(json_field "$work/cached.json" "d['bySource']['claude']['total']")
[ "$got" = "1909" ] && pass "the better copy replaces the first (1898 - 18 + 29)" || fail "better copy total: $got"
check_same "the run after the full merge"
traced "sources from snapshots: claude,codex,gemini,cursor"
printf '%s\n' "$(printf '%s' "$line" | sed 's/msg_N1/msg_N2/; s/req_N1/req_N2/')" >>"$main"
check_same "appending a message at the time of an earlier one"
traced "new entries meet earlier ones; full merge"
sub="$work/logs/claude/projects/-work-demo/11111111-aaaa/subagents/agent-a1.jsonl"
printf '%s\n' "$(printf '%s' "$line" | sed 's/"isSidechain":false/"isSidechain":true/; s/08:00:00.000Z/08:00:05.000Z/')" >>"$sub"
check_same "appending a sidechain replay of a main-thread message"
traced "new entries meet earlier ones; full merge"
printf '%s\n' "$(printf '%s' "$line" | sed 's/msg_N1/msg_N3/; s/req_N1/req_N3/; s/08:00:00.000Z/08:00:09.000Z/')" >>"$main"
check_same "appending a new message after the full merges"
traced "claude: 1 records merged onto the snapshot's"
codex_file=$(find "$work/logs/codex/sessions" -name 'rollout-*.jsonl' -size +0 | sort | head -1)
size=$(wc -c <"$codex_file")
truncate -s $((size / 2)) "$codex_file"
check_same "truncating a Codex rollout"
# Same size, same mtime, different content: only ctime tells.
stamp=$(stat -c %y "$main")
sed 's/"output_tokens":11/"output_tokens":99/' "$main" >"$work/tmp" && cat "$work/tmp" >"$main"
touch -d "$stamp" "$main"
check_same "same-size same-mtime rewrite"
after=$(json_field "$work/cached.json" "d['bySource']['claude']['total']")
[ "$after" = "2198" ] && pass "the rewrite is seen (1945 - 29 - 18 - 18 + 3 x 106: N1, N2 and N3 now output 99)" || fail "rewrite total: $after"
rm -f "$work/logs/claude/projects/-work-demo/33333333-cccc.jsonl" "$work/logs/gemini/tmp"/*/chats/session-*.jsonl
check_same "deleting files"
index="$OKSTRA_HOME/cache/usage/usage-v3.index"
store() { ls "$OKSTRA_HOME"/cache/usage/usage-v3.store.* 2>/dev/null | head -1; }
[ -f "$index" ] && [ -n "$(store)" ] && pass "the cache is an index and a store" || fail "cache files: $(ls "$OKSTRA_HOME/cache/usage")"
# Each corruption below follows an append, so the run must read the per-file
# table and the store, not only the snapshots.
grown=0
grow() {  # a new message at its own second, so that it can be merged onto the snapshot
  grown=$((grown + 1))
  stamp=$(printf '09:%02d:%02d' $((grown / 60)) $((grown % 60)))
  printf '%s\n' "$line" | sed "s/req_N1/req_G$grown/; s/msg_N1/msg_G$grown/; s/08:00:00/$stamp/" >>"$main"
}
grow
printf 'garbage' | dd of="$index" bs=1 seek=100 conv=notrunc 2>/dev/null
check_same "corrupting the cache index"
grow
printf 'OKSTRAUI' >"$index"
check_same "a truncated cache index"
grow
head -c 5000 /dev/urandom >"$index"
check_same "a random cache index"
grow
size=$(wc -c <"$(store)")
printf 'garbage' | dd of="$(store)" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
check_same "corrupting the cache store"
grow
truncate -s $((size / 3)) "$(store)"
check_same "a truncated cache store"
traced "a stored part failed its check; reading without the cache"
grow
rm -f "$(store)"
check_same "a deleted cache store"
[ -n "$(store)" ] && pass "a deleted store is written anew" || fail "no store after a deleted one"
# Snapshots: remembered once nothing changed; a corrupt store drops them.
check_same "nothing changed after the store was rebuilt"
check_same "the snapshots are back"
traced "sources from snapshots: claude,codex,gemini,cursor"
traced "read 0 ranges"
size=$(wc -c <"$(store)")
truncate -s $((size - 16)) "$(store)"
check_same "a cut store under the snapshots"
KEEP_REPORTS=1 check_same "a remembered report"
ls "$reports"/*.txt >/dev/null 2>&1 && pass "rendered reports are remembered" || fail "no stored reports"
for f in "$reports"/*.txt; do printf 'x' >"$f"; done
KEEP_REPORTS=1 check_same "corrupted stored reports"
for f in "$reports"/*.txt; do head -c 70 /dev/urandom >"$f"; done
KEEP_REPORTS=1 check_same "random stored reports"
# A file that grew sixteen times (sixteen parts) is read afresh once, then
# resumed again; the cache agrees all along.
reread=no pieces=0 rebased=no
for round in $(seq 1 18); do
  grow
  check_same "growth $round of one file"
  grep -q "read 1 ranges, $(wc -c <"$main") bytes" "$work/trace" && reread=yes
  piece=$(sed -n 's/.*claude: snapshot piece \([0-9]*\) added.*/\1/p' "$work/trace")
  [ -n "$piece" ] && [ "$piece" -gt "$pieces" ] && pieces=$piece
  # Once pieces hold a quarter of the records (or there are eight), the
  # chain starts again from a new base, also here where a file grows.
  [ "$pieces" -gt 1 ] && grep -q "claude: snapshot written as a new base" "$work/trace" && rebased=yes
done
[ "$reread" = yes ] && pass "a file with sixteen parts is read afresh" || fail "no full re-read in 18 growths"
[ "$pieces" -gt 1 ] && pass "appends extend Claude's snapshot chain ($pieces pieces)" || fail "the chain never grew"
[ "$rebased" = yes ] && pass "a grown chain is written again as a new base" || fail "no new base after the pieces"
# Compaction: with the floor lowered, a store that is mostly garbage (the
# rewritten file's old parts) is copied into a new generation; the old one
# goes, and the cache still agrees.
old_store=$(store)
OKSTRA_TEST_STORE_COMPACT_ABOVE=0
export OKSTRA_TEST_STORE_COMPACT_ABOVE
for round in 1 2 3 4 5 6 7 8; do  # each rewrite turns the file's old parts into garbage
  if [ $((round % 2)) = 1 ]; then sed 's/"output_tokens":99/"output_tokens":98/' "$main" >"$work/tmp"
  else sed 's/"output_tokens":98/"output_tokens":99/' "$main" >"$work/tmp"; fi
  cat "$work/tmp" >"$main"
  check_same "rewrite $round towards a store that is mostly garbage"
  [ "$(store)" != "$old_store" ] && break
done
unset OKSTRA_TEST_STORE_COMPACT_ABOVE
[ -n "$(store)" ] && [ "$(store)" != "$old_store" ] && [ ! -e "$old_store" ] \
  && pass "the store was compacted into a new generation" || fail "no compaction: $old_store -> $(store)"
[ "$(ls "$OKSTRA_HOME"/cache/usage/usage-v3.store.* | wc -l)" -eq 1 ] && pass "one store generation left" \
  || fail "store files: $(ls "$OKSTRA_HOME/cache/usage")"
check_same "the run after the compaction"
traced "read 0 ranges"
# A run over one source keeps what the cache knows of the others.
grow
# shellcheck disable=SC2086
"$bin" daily --json --source claude $croots >/dev/null 2>&1
check_same "a run over one source in between"
traced "sources from snapshots: claude,codex,gemini,cursor"
traced "read 0 ranges"

# 4b. Kept folder listings (docs/usage.md, "Folder listings"): a warm run lists
# no folder whose entries cannot have changed, and still sees every change.
rm -rf "$work/logs" "$OKSTRA_HOME/cache"
cp -R "$data" "$work/logs"
sleep 1.2  # older than a second: the first run may keep every folder's listing
check_same "listings: the first run"
listed=$(sed -n 's/.*walk: 0 folder listings reused, \([0-9]*\) folders listed.*/\1/p' "$work/trace")
[ -n "$listed" ] && [ "$listed" -gt 5 ] && pass "listings: the first run lists every folder ($listed)" \
  || fail "listings, first run: $(grep walk: "$work/trace")"
check_same "listings: nothing changed"
traced "walk: $listed folder listings reused, 0 folders listed"
# Each change below is followed at once by a run: the folders it touched are
# listed (their ctime is too recent to keep them) and the cache agrees.
demo="$work/logs/claude/projects/-work-demo"
printf '%s\n' "$line" | sed 's/msg_N1/msg_L1/; s/req_N1/req_L1/; s/22222222-bbbb/44444444-dddd/' >"$demo/44444444-dddd.jsonl"
check_same "listings: a session file added to a kept folder"
traced "walk: $((listed - 1)) folder listings reused, 1 folders listed"
rm -f "$demo/11111111-aaaa/subagents/agent-a1.jsonl"
check_same "listings: a subagent file removed"
mkdir -p "$work/logs/claude/projects/-work-new/55555555-eeee/subagents"
printf '%s\n' "$line" | sed 's/msg_N1/msg_L2/; s/req_N1/req_L2/' >"$work/logs/claude/projects/-work-new/55555555-eeee/subagents/agent-b.jsonl"
check_same "listings: a new project three folders deep"
mv "$demo/11111111-aaaa" "$work/moved-session"
ln -s "$work/moved-session" "$demo/11111111-aaaa"
check_same "listings: a session folder replaced by a symbolic link (not followed)"
sleep 1.2
check_same "listings: the changed folders, a second later"
check_same "listings: then kept again"
traced "walk: [0-9]* folder listings reused, 0 folders listed"
for f in "$OKSTRA_HOME"/cache/usage/listings/listing-*.bin; do printf 'garbage' | dd of="$f" bs=1 seek=40 conv=notrunc 2>/dev/null; done
check_same "listings: a damaged listing file"
traced "walk: 0 folder listings reused"

# 5. cursor-hook appends a line under the central lock; the log is the Cursor source.
echo '{"conversation_id":"c1","generation_id":"g1","model":"claude-4.5-sonnet","input_tokens":10,"output_tokens":5,"cache_read_tokens":2,"cache_write_tokens":1}' \
  | "$bin" cursor-hook && pass "cursor-hook accepts a payload" || fail "cursor-hook failed"
[ "$(wc -l <"$OKSTRA_HOME/usage/cursor.jsonl")" -eq 1 ] && pass "one line appended" || fail "cursor log lines"
set +e
echo 'not json' | "$bin" cursor-hook 2>"$work/err"; rc=$?
set -e
[ "$rc" -eq 3 ] && [ "$(wc -l <"$OKSTRA_HOME/usage/cursor.jsonl")" -eq 1 ] && pass "bad payload: exit 3, nothing appended" \
  || fail "bad payload: rc $rc"
# Counts that do not fit (docs/usage.md): one too big, or two that add up past 2^63-1.
set +e
echo '{"generation_id":"g2","input_tokens":18446744073709551615}' | "$bin" cursor-hook 2>"$work/err"; rc=$?
echo '{"generation_id":"g3","input_tokens":9223372036854775807,"output_tokens":1}' | "$bin" cursor-hook 2>>"$work/err"; rc2=$?
set -e
[ "$rc" -eq 3 ] && [ "$rc2" -eq 3 ] && [ "$(wc -l <"$OKSTRA_HOME/usage/cursor.jsonl")" -eq 1 ] \
  && grep -q 'must be a non-negative integer of at most 9223372036854775807$' "$work/err" \
  && grep -q 'the token counts add up to more than 9223372036854775807$' "$work/err" \
  && pass "payload counts that do not fit: exit 3, nothing appended" || fail "huge payload: rc $rc $rc2, $(cat "$work/err")"
"$bin" daily --json --source cursor >"$work/cursor.json" 2>/dev/null
[ "$(json_field "$work/cursor.json" "d['bySource']['cursor']['total']")" = "18" ] && pass "cursor source reads the hook log" \
  || fail "cursor total: $(cat "$work/cursor.json")"
"$bin" cursor-hook --install | grep -q '"stop"' && pass "cursor-hook --install prints the hook" || fail "install snippet"

# 5b. An unreadable log file: a warning naming it, the other files still count.
# (root reads everything: then a copy of the binary runs as nobody, lib.sh reach_nobody.)
if reach_nobody "$bin"; then
  mkdir -p "$reach/unreadable" && cp -R "$data/claude" "$reach/unreadable/claude"
  chmod -R a+rX "$reach/unreadable" && chmod 000 "$reach/unreadable/claude/projects/-work-demo/22222222-bbbb.jsonl"
  set +e
  as_nobody env OKSTRA_HOME="$reach/unreadable/home" "$reach/bin/okstra-usage" daily --json --no-cache --source claude \
    --claude-dir "$reach/unreadable/claude" >"$work/unreadable.json" 2>"$work/err"
  rc=$?
  set -e
  got=$(json_field "$work/unreadable.json" "d['bySource']['claude']['records']" 2>/dev/null || echo none)
  [ "$rc" -eq 0 ] && grep -q "warning: cannot read '.*22222222-bbbb.jsonl'" "$work/err" && [ "$got" = "5" ] \
    && pass "an unreadable file is named in a warning, the rest counts" || fail "unreadable file: rc $rc, records $got, $(cat "$work/err")"
else
  skip_part "the unreadable-file check: $nobody_why"
fi

# 6. run: the Token Summary of one okstra run, and --fill-report.
run="$work/run"
mkdir -p "$run"
printf '%s\n' '{"team":{"teamName":"okstra-g-t"},"leadSessionId":"11111111-aaaa"}' >"$run/team-state.json"
printf '%s\n' '{"workers":["claude","codex","report-writer"]}' >"$run/run-context.json"
printf '%s\n' "| lead | {{LEAD_TOTAL_TOKENS}} |" "| claude | {{CLAUDE_WORKER_TOTAL_TOKENS}} |" \
  "| codex | {{CODEX_WORKER_TOTAL_TOKENS}} |" "| writer | {{REPORT_WRITER_TOTAL_TOKENS}} |" \
  "| total | {{TOTAL_TOKENS}} | {{UNKNOWN_PLACEHOLDER}} |" >"$run/report.md"
"$bin" run --run-dir "$run" --source claude --claude-dir "$data/claude" --no-cache \
  --fill-report "$run/report.md" >"$work/run.json" 2>/dev/null
got=$(json_field "$work/run.json" "d['lead']['totalTokens'], [(w['workerId'], w['totalTokens'], w['source']) for w in d['workers']], d['totals']['totalTokens']")
[ "$got" = "1680 [('claude', 50, 'claude'), ('codex', 0, 'unavailable'), ('report-writer', 150, 'claude')] 1880" ] \
  && pass "run attributes lead, subagent worker and team member" || fail "run summary: $got"
grep -q "| lead | 1680 |" "$run/report.md" && grep -q "| claude | 50 |" "$run/report.md" && \
  grep -q "| codex | unavailable |" "$run/report.md" && grep -q "| writer | 150 |" "$run/report.md" && \
  grep -q "| total | 1880 | {{UNKNOWN_PLACEHOLDER}} |" "$run/report.md" \
  && pass "--fill-report fills the placeholders and keeps the rest" || fail "filled report: $(cat "$run/report.md")"
# The spelling okstra-validate-session reads (teamName, sessionId) gives the same summary.
mkdir -p "$work/run2"
cp "$run/run-context.json" "$work/run2/"
printf '%s\n' '{"teamName":"okstra-g-t","sessionId":"11111111-aaaa","teamCreate":{"status":"ok"}}' >"$work/run2/team-state.json"
"$bin" run --run-dir "$work/run2" --source claude --claude-dir "$data/claude" --no-cache >"$work/run2.json" 2>/dev/null
cmp -s "$work/run.json" "$work/run2.json" && pass "run reads teamName/sessionId as well as team.teamName/leadSessionId" \
  || fail "team-state spellings differ: $(diff "$work/run.json" "$work/run2.json" | head -5)"
# The same summary from the cache, twice (the second takes the subagent's
# type from the cache instead of its .meta.json).
for pass_number in 1 2; do
  "$bin" run --run-dir "$run" --source claude --claude-dir "$data/claude" >"$work/run-cached.json" 2>/dev/null
  cmp -s "$work/run.json" "$work/run-cached.json" && pass "run summary from the cache ($pass_number)" \
    || fail "run summary from the cache ($pass_number) differs: $(diff "$work/run.json" "$work/run-cached.json" | head -5)"
done
set +e
"$bin" run --run-dir "$work/nowhere" --no-cache 2>"$work/err"; rc=$?
set -e
[ "$rc" -eq 3 ] && grep -q "team-state.json" "$work/err" && pass "run without team state: exit 3" || fail "run no state: $rc"

finish
