#!/bin/sh
# okstra-usage's defaults from $OKSTRA_HOME/config.json, key `usage`
# (docs/usage-reports.md, "Defaults from config.json"): the time zone, the
# sources and the week's first day follow it; an option, and TZ for the zone,
# win over it; a malformed file is exit 3 with one error line naming the file
# and the field; without the file or the key, reports are as before.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-usage"
data="$OKSTRA_SOURCE_ROOT/tests/data/usage"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
# The zones come from the tests' own TZif files; TZ is unset so that the
# config's zone can apply (TZ wins over it).
export OKSTRA_HOME="$work/home" HOME="$work/user" TZDIR="$OKSTRA_SOURCE_ROOT/tests/data/zoneinfo"
unset TZ
mkdir -p "$HOME" "$OKSTRA_HOME"
config="$OKSTRA_HOME/config.json"
roots="--claude-dir $data/claude --codex-dir $data/codex --gemini-dir $data/gemini --cursor-log $data/cursor/cursor.jsonl"

# report NAME ARGS...: okstra-usage ARGS with the fixtures into $work/NAME.json (exit status in $rc).
report() {
  name=$1
  shift
  # shellcheck disable=SC2086
  run "$bin" "$@" --json $roots
  cp "$work/out" "$work/$name.json"
}
same() { cmp -s "$work/$1.json" "$work/$2.json"; }

# ---- no config, or no `usage` key: as before -------------------------------------------
report none weekly --no-cache --tz UTC
check "no config.json: exit 0" [ "$rc" = 0 ]
check "no config.json: weeks start on Monday" holds "$work/none.json" \
  "len(d['rows']) > 0 and all(__import__('datetime').date.fromisoformat(r['key']).weekday() == 0 for r in d['rows'])"
check "no config.json: every source is read" holds "$work/none.json" \
  "all(d['bySource'][s]['records'] > 0 for s in ('claude', 'codex', 'gemini', 'cursor'))"
echo '{"prices": {"overrides": {}}}' >"$config"
report nokey weekly --no-cache --tz UTC
check "config.json without 'usage': the same report" same none nokey

# ---- the config sets the week's first day, the zone and the sources ---------------------
echo '{"usage": {"weekStart": "sunday", "timeZone": "Asia/Seoul", "sources": ["codex", "gemini"]}}' >"$config"
report configured weekly --no-cache
check "config: exit 0" [ "$rc" = 0 ]
rm "$config"
report explicit weekly --no-cache --week-start sunday --tz Asia/Seoul --source codex,gemini
check "config: the report of the same options given on the command line" same configured explicit
check "config: weeks start on Sunday" holds "$work/configured.json" \
  "len(d['rows']) > 0 and all(__import__('datetime').date.fromisoformat(r['key']).weekday() == 6 for r in d['rows'])"
check "config: only codex and gemini" holds "$work/configured.json" "sorted(d['bySource']) == ['codex', 'gemini']"
# The zone shows in hours: Seoul is UTC+9.
echo '{"usage": {"timeZone": "Asia/Seoul"}}' >"$config"
report seoul hourly --no-cache
report seoul-opt hourly --no-cache --tz Asia/Seoul
report utc-opt hourly --no-cache --tz UTC
check "config timeZone: hours of Asia/Seoul" same seoul seoul-opt
check "config timeZone: not the hours of UTC" [ "$(json_field "$work/seoul.json" "[r['key'] for r in d['rows']]")" != \
  "$(json_field "$work/utc-opt.json" "[r['key'] for r in d['rows']]")" ]

# ---- an option wins over the config, and TZ wins over its zone ---------------------------
report tz-option hourly --no-cache --tz UTC
check "--tz beats usage.timeZone" same tz-option utc-opt
# shellcheck disable=SC2086
run env TZ=UTC "$bin" hourly --no-cache --json $roots
cp "$work/out" "$work/tz-env.json"
check "TZ beats usage.timeZone" same tz-env utc-opt
echo '{"usage": {"weekStart": "sunday", "timeZone": "Asia/Seoul", "sources": ["codex"]}}' >"$config"
report monday weekly --no-cache --week-start monday --tz UTC --source claude,codex,gemini,cursor
check "--week-start and --source beat the config" same monday none
report claude daily --no-cache --source claude
check "--source beats usage.sources" holds "$work/claude.json" "list(d['bySource']) == ['claude']"
# blocks keep Claude Code alone by default (docs/usage-blocks.md).
echo '{"usage": {"sources": ["codex"]}}' >"$config"
report blocks-config blocks --no-cache
rm "$config"
report blocks-none blocks --no-cache
check "blocks: usage.sources does not apply" same blocks-config blocks-none

# ---- a remembered report follows the config ------------------------------------------------
echo '{"usage": {"weekStart": "sunday"}}' >"$config"
report cached-sunday weekly --tz UTC
echo '{"usage": {"weekStart": "wednesday"}}' >"$config"
report cached-wednesday weekly --tz UTC
check "a changed config is never answered from the report cache" holds "$work/cached-wednesday.json" \
  "len(d['rows']) > 0 and all(__import__('datetime').date.fromisoformat(r['key']).weekday() == 2 for r in d['rows'])"

# ---- a malformed config: exit 3, one line naming the file and the field --------------------
# bad CONTENT FIELD: every report (and limits, export) refuses CONTENT with exit 3 and one line
# "okstra-usage: error: ..." that names config.json and FIELD (empty: the file alone).
bad() {
  printf '%s\n' "$1" >"$config"
  for args in "daily" "weekly --week-start monday" "session" "blocks" "limits" "export --format jsonl"; do
    # shellcheck disable=SC2086
    run "$bin" $args --no-cache $roots
    check "config $1, $args: exit 3" [ "$rc" = 3 ]
    check "config $1, $args: nothing on stdout" [ ! -s "$work/out" ]
    check "config $1, $args: one error line" [ "$(wc -l <"$work/err")" = 1 ]
    check "config $1, $args: names the file" grep -q "^okstra-usage: error: .*'$config'.*$2" "$work/err"
  done
}
bad 'not json' ''
bad '[1, 2]' ''
bad '{"usage": 7}' '"usage"'
bad '{"usage": {"weekStart": "funday"}}' '"usage.weekStart".*funday'
bad '{"usage": {"weekStart": 1}}' '"usage.weekStart"'
bad '{"usage": {"timeZone": "Mars/Base"}}' '"usage.timeZone".*Mars/Base'
bad '{"usage": {"timeZone": ""}}' '"usage.timeZone"'
bad '{"usage": {"sources": ["claude", "vim"]}}' '"usage.sources".*vim'
bad '{"usage": {"sources": "claude"}}' '"usage.sources"'
bad '{"usage": {"sources": []}}' '"usage.sources"'
bad '{"usage": {"timezone": "UTC"}}' "usage.timezone"
rm "$config"

finish
