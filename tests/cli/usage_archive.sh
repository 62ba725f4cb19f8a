#!/bin/sh
# okstra-usage's archive (docs/usage-archive.md) through the real binary: log
# files deleted, truncated and restored between runs; the grand total never
# drops and never doubles, with the cache, with --no-cache and after the cache
# is deleted; a writer SIGKILLed in the middle of an archive block (the
# test-only OKSTRA_TEST_ARCHIVE_PAUSE_MS holds it there) leaves a readable
# archive, and the next run archives what it was writing.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC
mkdir -p "$HOME"
cp -R "$data" "$work/logs"
croots="--claude-dir $work/logs/claude --codex-dir $work/logs/codex --gemini-dir $work/logs/gemini --cursor-log $work/logs/cursor/cursor.jsonl"

# total [OPTIONS]: the grand total of a daily report over the private logs.
total() {
  # shellcheck disable=SC2086
  "$bin" daily --json $croots "$@" >"$work/report.json" 2>"$work/err" || { echo "rc $?: $(cat "$work/err")"; return; }
  json_field "$work/report.json" "d['totals']['total']"
}
# same_everywhere WHAT EXPECTED: cached, --no-cache, and cached after rm -r of the cache.
same_everywhere() {
  got=$(total)
  [ "$got" = "$2" ] && pass "$1: cached total $got" || fail "$1: cached total $got, expected $2"
  got=$(total --no-cache)
  [ "$got" = "$2" ] && pass "$1: --no-cache total $got" || fail "$1: --no-cache total $got, expected $2"
  rm -r "$OKSTRA_HOME/cache/usage"
  got=$(total)
  [ "$got" = "$2" ] && pass "$1: total after the cache was deleted $got" || fail "$1: after rm -r cache $got, expected $2"
  total >/dev/null  # the cache knows the files again
}

base=$(total)
[ -n "$base" ] && [ "$base" -gt 0 ] && pass "first run: total $base" || fail "first run: $base"
check "no archive before anything was lost" test ! -e "$OKSTRA_HOME/usage/archive"

claude_file="$work/logs/claude/projects/-work-demo/22222222-bbbb.jsonl"
codex_file=$(find "$work/logs/codex/sessions" -name 'rollout-*.jsonl' -size +0 | sort | head -1)
gemini_file=$(find "$work/logs/gemini/tmp" -name 'session-*.json*' | sort | head -1)
cp "$claude_file" "$work/claude.saved"
cp "$codex_file" "$work/codex.saved"
cp "$gemini_file" "$work/gemini.saved"

rm "$claude_file"
same_everywhere "a Claude Code log deleted" "$base"
archived=$(json_field "$work/report.json" "d['bySource']['claude']['archivedRecords']")
[ "$archived" -gt 0 ] && pass "bySource.claude.archived counts the archived records ($archived)" \
  || fail "bySource.claude.archived: $archived"
less=$(total --no-archive)
[ "$less" -lt "$base" ] && pass "--no-archive leaves them out ($less)" || fail "--no-archive total $less, base $base"

size=$(wc -c <"$codex_file")
truncate -s $((size / 2)) "$codex_file"
same_everywhere "a Codex rollout truncated to half" "$base"
rm "$gemini_file"
same_everywhere "a Gemini session deleted" "$base"

cp "$work/claude.saved" "$claude_file"
cp "$work/codex.saved" "$codex_file"
same_everywhere "the Claude and Codex logs restored" "$base"
archived=$(json_field "$work/report.json" "d['bySource']['claude']['archivedRecords']")
[ "$archived" = 0 ] && pass "restored records are live, not archived" || fail "claude archived after restore: $archived"
cp "$work/gemini.saved" "$gemini_file"
same_everywhere "the Gemini session restored" "$base"

# Truncate and restore again: the archive already holds these records.
records_before=$("$bin" archive status | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
truncate -s $((size / 2)) "$codex_file"
total >/dev/null
cp "$work/codex.saved" "$codex_file"
same_everywhere "a second truncate-and-restore" "$base"
records_after=$("$bin" archive status | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
[ "$records_after" = "$records_before" ] && pass "records already archived are not appended again" \
  || fail "archive records $records_before -> $records_after"

# SIGKILL during archive writes. Each round loses one new Claude record (a
# file read once, then deleted); the run that archives it is held halfway
# through its block and killed there.
segment=$(ls "$OKSTRA_HOME"/usage/archive/segment-*.oka | tail -1)
expected=$base
rounds=5
i=0
while [ "$i" -lt "$rounds" ]; do
  i=$((i + 1))
  f="$work/logs/claude/projects/-work-demo/kill-$i.jsonl"
  printf '{"type":"assistant","sessionId":"kill-%s","requestId":"req_K%s","timestamp":"2026-11-23T08:00:0%s.000Z","isSidechain":false,"cwd":"/work/demo","message":{"id":"msg_K%s","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":7,"output_tokens":11,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}\n' \
    "$i" "$i" "$i" "$i" >"$f"
  expected=$((expected + 18))
  got=$(total)
  [ "$got" = "$expected" ] || fail "kill round $i: the new log counts: $got, expected $expected"
  rm "$f"
  before=$(wc -c <"$segment")
  # shellcheck disable=SC2086
  OKSTRA_TEST_ARCHIVE_PAUSE_MS=5000 "$bin" daily --json $croots >/dev/null 2>&1 &
  pid=$!
  waited=0
  while [ "$(wc -c <"$segment")" -eq "$before" ] && [ "$waited" -lt 100 ]; do sleep 0.05; waited=$((waited + 1)); done
  torn=$(wc -c <"$segment")
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ "$torn" -gt "$before" ] || fail "kill round $i: the writer never started its block"
  "$bin" archive status >"$work/status.json" 2>"$work/err" || fail "kill round $i: archive status failed: $(cat "$work/err")"
  [ "$(json_field "$work/status.json" "d['damagedBlocks']")" = 0 ] \
    || fail "kill round $i: a torn tail reported as damage: $(cat "$work/status.json")"
  got=$(total)
  [ "$got" = "$expected" ] || fail "kill round $i: after the kill the total is $got, expected $expected"
done
pass "$rounds rounds of SIGKILL mid-block: the archive stays readable and the totals whole"
got=$(total --no-cache)
[ "$got" = "$expected" ] && pass "after the kills, --no-cache agrees ($got)" || fail "after the kills, --no-cache $got, expected $expected"

# Reports over the archive (docs/usage-archive.md, "Reports over the archive"):
# with the remembered reports gone, a run reads the archive's kept share, and
# prints byte for byte what merging the archived records (--no-cache) prints.
for args in "daily" "weekly --breakdown" "monthly" "hourly" "session --breakdown" "daily --group-by project" \
  "daily --group-by session" "daily --since 2026-11-20 --source claude,codex"; do
  # shellcheck disable=SC2086
  "$bin" $args --json $croots >/dev/null 2>&1 || fail "$args: the first run failed"
  rm -rf "$OKSTRA_HOME/cache/usage/reports"
  # shellcheck disable=SC2086
  OKSTRA_USAGE_TRACE=1 "$bin" $args --json $croots >"$work/kept.json" 2>"$work/trace"
  # shellcheck disable=SC2086
  "$bin" $args --json $croots --no-cache >"$work/merged.json" 2>/dev/null
  grep -q "its share of the report was kept" "$work/trace" || fail "$args: the kept share was not used: $(cat "$work/trace")"
  cmp -s "$work/kept.json" "$work/merged.json" && pass "$args: the kept share prints what merging prints" \
    || fail "$args: kept share and merge differ: $(diff "$work/kept.json" "$work/merged.json" | head -8)"
done
ls "$OKSTRA_HOME"/cache/usage/archive-share/index-*.bin >/dev/null 2>&1 && pass "the archive's index is kept" \
  || fail "no index in $OKSTRA_HOME/cache/usage/archive-share"
for f in "$OKSTRA_HOME"/cache/usage/archive-share/*.bin; do printf 'damaged' | dd of="$f" bs=1 seek=20 conv=notrunc 2>/dev/null; done
rm -rf "$OKSTRA_HOME/cache/usage/reports"
# shellcheck disable=SC2086
"$bin" daily --json $croots >"$work/kept.json" 2>/dev/null
# shellcheck disable=SC2086
"$bin" daily --json $croots --no-cache >"$work/merged.json" 2>/dev/null
cmp -s "$work/kept.json" "$work/merged.json" && pass "damaged kept files are read again from the archive" \
  || fail "after damage: $(diff "$work/kept.json" "$work/merged.json" | head -8)"

# A subagent's file starts with a replay of its parent's message, under
# another request id; with the parent's file gone, the replay counts for the
# message, so the message is not lost, and it counts once when the parent's
# file is back (docs/usage-archive.md, "Where archived records come from").
rhome="$work/replay-home"
rlogs="$work/replay-logs/projects/-work-replay"
sid=33333333-cccc
mkdir -p "$rlogs/$sid/subagents"
# line FILE SIDECHAIN MESSAGE REQUEST TIME OUTPUT [AGENT]
line() {
  printf '{"type":"assistant","isSidechain":%s,"sessionId":"%s","cwd":"/work/replay","timestamp":"2026-11-20T%s.000Z","requestId":"%s","agentId":"%s","message":{"id":"%s","model":"claude-sonnet-4-6","usage":{"input_tokens":10,"output_tokens":%s,"cache_creation_input_tokens":0,"cache_read_input_tokens":100}}}\n' \
    "$2" "$sid" "$5" "$4" "${7:-}" "$3" "$6" >>"$1"
}
line "$rlogs/$sid.jsonl" false msg_parent req_parent 10:00:00 7
line "$rlogs/$sid.jsonl" false msg_lead2 req_lead2 10:05:00 11
for a in a1 a2; do
  line "$rlogs/$sid/subagents/agent-$a.jsonl" true msg_parent "req_replay_$a" 10:01:00 7 "$a"
  line "$rlogs/$sid/subagents/agent-$a.jsonl" true "msg_own_$a" "req_own_$a" 10:02:00 13 "$a"
done
cp "$rlogs/$sid.jsonl" "$work/parent.saved"
cp -R "$rlogs/$sid" "$work/subagents.saved"
rtotal() {
  OKSTRA_HOME=$rhome "$bin" daily --json --source claude --claude-dir "$work/replay-logs" "$@" >"$work/replay.json" 2>"$work/err" ||
    { echo "rc $?: $(cat "$work/err")"; return; }
  json_field "$work/replay.json" "d['totals']['total']"
}
rsame() {
  for how in cached --no-cache fresh-cache; do
    case $how in
      cached) got=$(rtotal) ;;
      --no-cache) got=$(rtotal --no-cache) ;;
      fresh-cache) rm -rf "$rhome/cache/usage"; got=$(rtotal) ;;
    esac
    [ "$got" = "$2" ] && pass "$1 ($how): total $got" || fail "$1 ($how): total $got, expected $2"
  done
}
# four requests of 110 input+cache and 7, 11, 13, 13 output
rbase=$((4 * 110 + 7 + 11 + 13 + 13))
archived_count() { OKSTRA_HOME=$rhome "$bin" archive status | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])'; }
rsame "a parent message replayed into two subagents counts once" "$rbase"
rm "$rlogs/$sid.jsonl"
rsame "the parent's file deleted: the message counts once, by one replay" "$rbase"
got=$(archived_count)
[ "$got" = 1 ] && pass "only the parent's other message is archived" || fail "archived records: $got, expected 1"
got=$(rtotal --no-archive)
[ "$got" = $((rbase - 110 - 11)) ] && pass "--no-archive: the replay counts for the parent's message" \
  || fail "--no-archive: $got, expected $((rbase - 110 - 11))"
cp "$work/parent.saved" "$rlogs/$sid.jsonl"
rsame "the parent's file restored: the replays are replays again" "$rbase"
got=$(archived_count)
[ "$got" = 1 ] && pass "a replay dropped again is not archived" || fail "archived records: $got, expected 1"
rm "$rlogs/$sid.jsonl"
rtotal >/dev/null
rm -r "$rlogs/$sid"
rsame "then the subagents' files deleted too" "$rbase"
# The replay that counted for the parent's message is archived now; the
# parent's line, back, is the same message: it counts once, live.
cp "$work/parent.saved" "$rlogs/$sid.jsonl"
rsame "the parent's file restored alone" "$rbase"
cp -R "$work/subagents.saved" "$rlogs/$sid"
rsame "and its subagents' files restored" "$rbase"
# Everything deleted at once: the parent's line is archived too, and the
# archive holds two copies of the message (the replay from before).
rm "$rlogs/$sid.jsonl"
rm -r "$rlogs/$sid"
rsame "everything deleted at once" "$rbase"
got=$(archived_count)
[ "$got" -ge 5 ] && pass "the archive holds the message's parent line and replay ($got records)" \
  || fail "archived records: $got, expected at least 5"
# With the remembered reports and the archive's kept share gone, and without them.
rm -rf "$rhome/cache/usage/reports" "$rhome/cache/usage/archive-share"
rsame "everything deleted, the kept shares rebuilt" "$rbase"
for args in "daily" "session --breakdown" "daily --group-by agent" "blocks"; do
  # shellcheck disable=SC2086
  OKSTRA_HOME=$rhome "$bin" $args --json --source claude --claude-dir "$work/replay-logs" >"$work/kept.json" 2>/dev/null
  # shellcheck disable=SC2086
  OKSTRA_HOME=$rhome "$bin" $args --json --source claude --claude-dir "$work/replay-logs" --no-cache >"$work/merged.json" 2>/dev/null
  cmp -s "$work/kept.json" "$work/merged.json" && pass "replays, $args: the kept share prints what merging prints" \
    || fail "replays, $args: $(diff "$work/kept.json" "$work/merged.json" | head -6)"
done
cp "$work/parent.saved" "$rlogs/$sid.jsonl"
cp -R "$work/subagents.saved" "$rlogs/$sid"
rsame "everything restored again" "$rbase"

# prune and export
"$bin" archive export >"$work/export.jsonl"
lines=$(wc -l <"$work/export.jsonl")
records=$("$bin" archive status | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
[ "$lines" = "$records" ] && pass "export writes one line per archived record ($lines)" || fail "export $lines lines, $records records"
python3 -c 'import json,sys; [json.loads(l)["identity"] for l in open(sys.argv[1])]' "$work/export.jsonl" \
  && pass "export lines are JSON with an identity" || fail "export: $(head -2 "$work/export.jsonl")"
"$bin" archive prune --before 2100-01-01 >"$work/prune.json"
[ "$(json_field "$work/prune.json" "d['removed']")" = "$records" ] && pass "prune removes the older records" \
  || fail "prune: $(cat "$work/prune.json")"
got=$(total)
[ "$got" -lt "$expected" ] && pass "a report after the prune no longer counts them ($got)" || fail "after prune: $got"
run "$bin" archive prune
[ "$rc" = 2 ] && pass "prune without --before: usage error" || fail "prune without --before: rc $rc"
finish
