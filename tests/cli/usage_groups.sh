#!/bin/sh
# okstra-usage --group-by through the real binary on the bundled fixtures
# (docs/usage-reports.md, "Grouped reports"): for every period report and
# every grouping, the grand totals are the ungrouped report's and the rows add
# up to them; the group reaches JSON, CSV and the table; session and blocks
# refuse it.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC
mkdir -p "$HOME"
roots="--claude-dir $data/claude --codex-dir $data/codex --gemini-dir $data/gemini --cursor-log $data/cursor/cursor.jsonl"

for kind in daily weekly monthly; do
  # shellcheck disable=SC2086
  "$bin" "$kind" --json --no-cache $roots >"$work/plain.json" 2>/dev/null
  want=$(json_field "$work/plain.json" "d['totals'], d['bySource']")
  for by in source model project agent session; do
    # shellcheck disable=SC2086
    run "$bin" "$kind" --json --group-by "$by" $roots
    cp "$work/out" "$work/grouped.json"
    got=$(json_field "$work/grouped.json" "d['totals'], d['bySource']")
    if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then pass "$kind by $by: the ungrouped grand totals"
    else fail "$kind by $by: rc $rc, $got vs $want"; fi
    check "$kind by $by: the rows add up to the total tokens" holds "$work/grouped.json" \
      "sum(r['total'] for r in d['rows']) == d['totals']['total']"
    check "$kind by $by: every row names its group" holds "$work/grouped.json" \
      "all(r['group']['by'] == '$by' and isinstance(r['group']['value'], str) for r in d['rows'])"
    check "$kind by $by: more rows than the ungrouped report" holds "$work/grouped.json" \
      "len(d['rows']) > $(json_field "$work/plain.json" "len(d['rows'])")"
    # shellcheck disable=SC2086
    "$bin" "$kind" --json --group-by "$by" $roots >"$work/again.json" 2>/dev/null
    check "$kind by $by: the cached run prints the same" cmp -s "$work/grouped.json" "$work/again.json"
  done
done

# shellcheck disable=SC2086
"$bin" daily --json --group-by source --no-cache $roots >"$work/source.json" 2>/dev/null
check "by source: a codex row on 2025-09-01" holds "$work/source.json" \
  "any(r['key'] == '2025-09-01' and r['group']['value'] == 'codex' for r in d['rows'])"
# shellcheck disable=SC2086
"$bin" daily --csv --group-by source --no-cache $roots >"$work/out.csv" 2>/dev/null
check "csv: a group column after the date" grep -q "^date,group,models,input," "$work/out.csv"
check "csv: the total line" grep -q "^total,,,.*,22975," "$work/out.csv"
# shellcheck disable=SC2086
COLUMNS=120 "$bin" weekly --format table --group-by source --no-cache $roots >"$work/table" 2>/dev/null
check "table: a Source column" grep -q "^Week  *Source  *Models" "$work/table"

# Per agent type: the fixtures' subagent agent-a1 has agentType claude-worker
# in its .meta.json and no agent name. The type must survive the record cache:
# a cached run with the remembered reports dropped reads it from a snapshot.
# shellcheck disable=SC2086
"$bin" daily --json --group-by agent --no-cache $roots >"$work/agent.json" 2>/dev/null
check "by agent: the subagent's type names its row" holds "$work/agent.json" \
  "any(r['group']['value'] == 'claude-worker/claude-worker' for r in d['rows'])"
export OKSTRA_HOME="$work/home2"
# shellcheck disable=SC2086
"$bin" daily --json --group-by agent $roots >/dev/null 2>&1
rm -rf "$OKSTRA_HOME/cache/usage/reports"
# shellcheck disable=SC2086
OKSTRA_USAGE_TRACE=1 "$bin" daily --json --group-by agent $roots >"$work/agent-cached.json" 2>"$work/trace"
check "by agent: read from the record cache" grep -q "sources from snapshots: claude" "$work/trace"
check "by agent: the cached records keep the type" cmp -s "$work/agent.json" "$work/agent-cached.json"

for kind in session blocks; do
  # shellcheck disable=SC2086
  run "$bin" "$kind" --group-by model $roots
  check "$kind refuses --group-by: exit 2" [ "$rc" = 2 ]
  check "$kind refuses --group-by: one error line" grep -q "^okstra-usage: error: unknown option '--group-by'" "$work/err"
done
run "$bin" daily --group-by week
check "an unknown grouping: exit 2" [ "$rc" = 2 ]

finish
