#!/bin/sh
# okstra-usage export / --import through the real binary (docs/usage-exchange.md):
# two synthetic machines with overlapping logs export their records; a third
# imports both, in either order, twice, concatenated, or beside its own copy
# of some logs, and always shows the total of the de-duplicated union — the
# total a report over the union of the logs gives.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export HOME="$work/user" TZ=UTC
mkdir -p "$HOME"
demo=claude/projects/-work-demo

# machine NAME: an okstra home and empty log roots for NAME.
machine() {
  mkdir -p "$work/$1/okstra-home" "$work/$1/logs/claude/projects" "$work/$1/logs/codex" "$work/$1/logs/gemini" \
    "$work/$1/logs/cursor"
  : >"$work/$1/logs/cursor/cursor.jsonl"
}
# on NAME ARGS...: okstra-usage as machine NAME (its home, its logs).
on() {
  m=$1
  shift
  OKSTRA_HOME="$work/$m/okstra-home" "$bin" "$@" --claude-dir "$work/$m/logs/claude" --codex-dir "$work/$m/logs/codex" \
    --gemini-dir "$work/$m/logs/gemini" --cursor-log "$work/$m/logs/cursor/cursor.jsonl"
}
# total_on NAME ARGS...: the grand total of NAME's daily report.
total_on() {
  m=$1
  shift
  on "$m" daily --json "$@" >"$work/report.json" 2>"$work/err" || { echo "rc $?: $(cat "$work/err")"; return; }
  json_field "$work/report.json" "d['totals']['total']"
}

# The union: every log of the fixture on one machine.
machine union
cp -R "$data/claude" "$data/codex" "$data/gemini" "$work/union/logs/"
cp "$data/cursor/cursor.jsonl" "$work/union/logs/cursor/cursor.jsonl"
union=$(total_on union)
[ -n "$union" ] && [ "$union" -gt 0 ] && pass "the union's total: $union" || fail "the union's total: $union"

# Machine A: Claude Code sessions 1111 (with its subagent) and 2222, and Codex.
machine a
mkdir -p "$work/a/logs/$demo"
cp -R "$data/$demo/11111111-aaaa.jsonl" "$data/$demo/11111111-aaaa" "$data/$demo/22222222-bbbb.jsonl" \
  "$work/a/logs/$demo/"
cp -R "$data/codex/." "$work/a/logs/codex/"
# Machine B: the first half of session 1111 (a copy synced before it ended),
# session 2222 whole, 3333, Gemini and Cursor.
machine b
mkdir -p "$work/b/logs/$demo"
head -n 6 "$data/$demo/11111111-aaaa.jsonl" >"$work/b/logs/$demo/11111111-aaaa.jsonl"
cp "$data/$demo/22222222-bbbb.jsonl" "$data/$demo/33333333-cccc.jsonl" "$work/b/logs/$demo/"
cp -R "$data/gemini/." "$work/b/logs/gemini/"
cp "$data/cursor/cursor.jsonl" "$work/b/logs/cursor/cursor.jsonl"
ta=$(total_on a)
tb=$(total_on b)
[ "$ta" -lt "$union" ] && [ "$tb" -lt "$union" ] && [ $((ta + tb)) -gt "$union" ] \
  && pass "the machines overlap: $ta + $tb > $union" || fail "no overlap: a $ta, b $tb, union $union"

rc=0
on a export --format jsonl >"$work/a.jsonl" 2>"$work/a.err" || rc=$?
check "export on machine a: exit 0" [ "$rc" = 0 ]
rc=0
on b export --format jsonl >"$work/b.jsonl" 2>"$work/b.err" || rc=$?
check "export on machine b: exit 0" [ "$rc" = 0 ]
check "...nothing on stderr" [ ! -s "$work/b.err" ]
check "every line names the machine and the identity" python3 - "$work/a.jsonl" "$work/b.jsonl" <<'EOF'
import json, re, sys
machines = set()
for path in sys.argv[1:]:
    lines = [json.loads(l) for l in open(path)]
    assert lines, path
    for d in lines:
        assert d["v"] == 1 and re.fullmatch(r"[0-9a-f]{32}", d["machine"]), d
        assert re.fullmatch(r"[0-9a-f]{16}", d["identity"]) and d["archived"] is False, d
        machines.add(d["machine"])
    assert len({d["machine"] for d in lines}) == 1
assert len(machines) == 2, machines
EOF
id1=$(cat "$work/a/okstra-home/usage/machine-id")
on a export --format jsonl >/dev/null
check "the machine id stays the same across exports" [ "$(cat "$work/a/okstra-home/usage/machine-id")" = "$id1" ]

machine c
got=$(total_on c --import "$work/a.jsonl" --import "$work/b.jsonl")
check "c imports a then b: the union's total ($got)" [ "$got" = "$union" ]
got=$(total_on c --import "$work/b.jsonl" --import "$work/a.jsonl")
check "c imports b then a: the union's total ($got)" [ "$got" = "$union" ]
check "...bySource counts the imported records" holds "$work/report.json" \
  "d['bySource']['claude']['importedRecords'] > 0 and d['bySource']['codex']['importedRecords'] > 0"
got=$(total_on c --import "$work/a.jsonl" --import "$work/b.jsonl" --import "$work/a.jsonl")
check "an export imported twice counts once ($got)" [ "$got" = "$union" ]
python3 - "$work/a.jsonl" "$work/b.jsonl" "$work/mixed.jsonl" <<'EOF'
import random, sys
lines = open(sys.argv[1]).readlines() + open(sys.argv[2]).readlines()
random.Random(7).shuffle(lines)
open(sys.argv[3], "w").writelines(lines)
EOF
got=$(total_on c --import "$work/mixed.jsonl")
check "both exports shuffled into one file ($got)" [ "$got" = "$union" ]
for by in source model project agent session; do
  on c daily --json --group-by "$by" --import "$work/a.jsonl" --import "$work/b.jsonl" >"$work/g.json"
  check "--group-by $by with imports: the union's total" holds "$work/g.json" "d['totals']['total'] == $union"
done

# The same command line after an imported file changed: read again, not the
# remembered report of the old file.
cp "$work/a.jsonl" "$work/imp.jsonl"
first=$(total_on c --import "$work/imp.jsonl")
check "a's export alone: a's total ($first)" [ "$first" = "$ta" ]
cat "$work/a.jsonl" "$work/b.jsonl" >"$work/imp.jsonl"
got=$(total_on c --import "$work/imp.jsonl")
check "the same command after the file grew: the union's total ($got)" [ "$got" = "$union" ]

# Machine c with its own copy of session 2222: live and imported count once.
mkdir -p "$work/c/logs/$demo"
cp "$data/$demo/22222222-bbbb.jsonl" "$work/c/logs/$demo/"
got=$(total_on c --import "$work/b.jsonl" --import "$work/a.jsonl")
check "c's own copy of a session and the imports: the union's total ($got)" [ "$got" = "$union" ]
got=$(total_on c --no-cache --import "$work/a.jsonl" --import "$work/b.jsonl")
check "...and the same with --no-cache ($got)" [ "$got" = "$union" ]

# A session deleted on machine a after a report: its records are archived,
# and the export still carries them, marked archived.
rm "$work/a/logs/$demo/22222222-bbbb.jsonl"
on a export --format jsonl >"$work/a2.jsonl" 2>/dev/null
check "a's export after a log was deleted marks its records archived" python3 -c "
import json, sys
lines = [json.loads(l) for l in open('$work/a2.jsonl')]
assert any(d['archived'] for d in lines) and len(lines) == len(open('$work/a.jsonl').readlines())"
got=$(total_on c --import "$work/a2.jsonl" --import "$work/b.jsonl")
check "c imports a's export with archived records: the union's total ($got)" [ "$got" = "$union" ]

# Filters apply to the export too.
on a export --format jsonl --source codex >"$work/codex.jsonl"
check "export --source codex holds only Codex records" python3 -c "
import json
lines = [json.loads(l) for l in open('$work/codex.jsonl')]
assert lines and all(d['source'] == 'codex' for d in lines)"

# Bad input: a malformed line is counted and reported, a missing file is exit 3.
{ cat "$work/b.jsonl"; echo '{"v":1,"machine":"zz","identity":"1"}'; echo 'not json'; } >"$work/bad.jsonl"
rc=0
on c daily --json --import "$work/a.jsonl" --import "$work/bad.jsonl" >"$work/report.json" 2>"$work/err" || rc=$?
check "malformed lines in an import: exit 0" [ "$rc" = 0 ]
check "...the total is the union's" holds "$work/report.json" "d['totals']['total'] == $union"
check "...one warning names the file and the count" grep -qF "okstra-usage: warning: skipped 2 line(s) that are no usage export record in '$work/bad.jsonl'" "$work/err"
rc=0
on c daily --import "$work/missing.jsonl" >"$work/out" 2>"$work/err" || rc=$?
check "a missing import file: exit 3" [ "$rc" = 3 ]
check "...one error line naming it" grep -qF "okstra-usage: error: cannot read '$work/missing.jsonl'" "$work/err"
check "...nothing on stdout" [ ! -s "$work/out" ]

finish
