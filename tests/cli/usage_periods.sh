#!/bin/sh
# okstra-usage's period conveniences through the real binary on the bundled
# fixtures (docs/usage-reports.md): hourly, --week-start, --last, --order,
# --format markdown.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" HOME="$work/user" TZ=UTC
mkdir -p "$HOME"
roots="--claude-dir $data/claude --codex-dir $data/codex --gemini-dir $data/gemini --cursor-log $data/cursor/cursor.jsonl"

# shellcheck disable=SC2086
"$bin" daily --json --no-cache $roots >"$work/daily.json" 2>/dev/null
# shellcheck disable=SC2086
run "$bin" hourly --json --no-cache $roots
cp "$work/out" "$work/hourly.json"
check "hourly: exit 0" [ "$rc" = 0 ]
check "hourly: the daily grand totals" [ "$(json_field "$work/hourly.json" "d['totals']")" = "$(json_field "$work/daily.json" "d['totals']")" ]
check "hourly: keys are local hours" holds "$work/hourly.json" \
  "len(d['rows']) > 0 and all(len(r['key']) == 16 and r['key'][10:11] == 'T' and r['key'].endswith(':00') for r in d['rows'])"
check "hourly: more rows than daily" holds "$work/hourly.json" "len(d['rows']) > $(json_field "$work/daily.json" "len(d['rows'])")"

# shellcheck disable=SC2086
"$bin" weekly --json --no-cache --week-start sunday $roots >"$work/sunday.json" 2>/dev/null
check "--week-start sunday: every key is a Sunday" holds "$work/sunday.json" \
  "len(d['rows']) > 0 and all(__import__('datetime').date.fromisoformat(r['key']).weekday() == 6 for r in d['rows'])"
check "--week-start sunday: the same totals" [ "$(json_field "$work/sunday.json" "d['totals']")" = "$(json_field "$work/daily.json" "d['totals']")" ]

# shellcheck disable=SC2086
"$bin" daily --json --no-cache --last 2 $roots >"$work/last.json" 2>/dev/null
check "--last 2: the two latest days" holds "$work/last.json" \
  "[r['key'] for r in d['rows']] == $(json_field "$work/daily.json" "[r['key'] for r in d['rows']][-2:]")"
check "--last 2: totals follow the rows" holds "$work/last.json" \
  "sum(r['total'] for r in d['rows']) == d['totals']['total'] < $(json_field "$work/daily.json" "d['totals']['total']")"

# shellcheck disable=SC2086
"$bin" daily --json --no-cache --order desc $roots >"$work/desc.json" 2>/dev/null
check "--order desc: newest first" holds "$work/desc.json" \
  "[r['key'] for r in d['rows']] == $(json_field "$work/daily.json" "[r['key'] for r in d['rows']][::-1]")"

for bad in "daily --last 0" "daily --order sideways" "weekly --week-start someday" "daily --week-start monday" \
  "session --last 2" "blocks --order desc"; do
  # shellcheck disable=SC2086
  run "$bin" $bad
  check "$bad: exit 2" [ "$rc" = 2 ]
done


# --format markdown: a GitHub table with a bold total row.
# shellcheck disable=SC2086
"$bin" daily --format markdown --no-cache --group-by source $roots >"$work/table.md" 2>/dev/null
check "markdown: the header row" grep -q "^| Date | Source | Models | Input | Output | Cache 5m | Cache 1h | Cache Read | Total | Cost USD |$" "$work/table.md"
check "markdown: the alignment row" grep -q "^| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |$" "$work/table.md"
check "markdown: a codex row" grep -q "^| 2025-09-01 | codex | gpt-5, gpt-5-codex | 3,000 | 950 |" "$work/table.md"
check "markdown: the bold total (the daily total)" grep -q "^| \*\*Total\*\* |  |  | .* | \*\*22,975\*\* |" "$work/table.md"
# shellcheck disable=SC2086
"$bin" session --format markdown --no-cache $roots >"$work/session.md" 2>/dev/null
check "markdown: session has Source and Project columns" grep -q "^| Session | Source | Project | Models |" "$work/session.md"

finish
