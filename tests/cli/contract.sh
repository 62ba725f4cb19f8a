#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# The command-line contract of docs/cli.md ("Options", "Output", "Usage
# errors", "Option declarations") on every INSTALLED program: the build under
# test is installed with `meson install --destdir` into a temporary folder, and
# every file of its bin/ named okstra or okstra-* is driven there, with a PATH
# holding no okstra program and OKSTRA_BUILD_DIR naming no folder (the front end
# and okstra-validate-run must find their siblings themselves). Each runs on
# real inputs in a temporary home: --help and --version; --format json,
# --format text, --json, -c and -q on a run that succeeds; a negative value for
# every count and number option, a bad choice for every enum and list option,
# a surplus positional and an unknown option, each with exit 2 and the house
# wording; the shape of --describe-options, and that --help lists exactly the
# options and exit codes it declares. A program this test does not know how to run
# successfully fails it, by name. Also: options after a command name reach the
# tool through the front end untouched; --base-ref in a project that is not a
# git repository is an error (exit 3), not ignored.
set -eu
src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
# shellcheck disable=SC2034  # read by meson_info.sh
bld=${OKSTRA_BUILD_ROOT:?OKSTRA_BUILD_ROOT must be set}
. "$src/tests/cli/lib.sh"
. "$src/tests/cli/meson_info.sh"
version=$meson_version
top=$work

# ---- the installed programs ---------------------------------------------------------
install_build "$top/dest" || { fail "meson install --destdir: rc $rc, $(head -n 3 "$work/err")"; finish; }
B=$bindir
programs=$(cd "$B" && for f in okstra okstra-*; do
  if [ -f "$f" ] && [ -x "$f" ]; then echo "$f"; fi
done)
check "the front end okstra is installed in bin/" [ -x "$B/okstra" ]
check "okstra-validate-run is installed in bin/" [ -x "$B/okstra-validate-run" ]
# No okstra program on PATH, no build folder: only what was installed answers.
prog_path=/usr/bin:/bin
prun() { run env "PATH=$prog_path" "OKSTRA_BUILD_DIR=$top/no-build-folder" "$@"; }

# A home, agent folders and inputs of our own; nothing of the user's is read.
mkdir -p "$top/home" "$top/empty" "$top/user" "$top/plain" "$top/task" "$top/legacy/.project-docs/okstra"
export OKSTRA_HOME="$top/home" HOME="$top/user" CLAUDE_CONFIG_DIR="$top/empty" CODEX_HOME="$top/empty"
export GEMINI_DIR="$top/empty" OKSTRA_SKIP_INSTALL_CHECK=1
unset NO_COLOR
printf '{"projectId": "legacy"}\n' >"$top/legacy/.project-docs/okstra/project.json"
printf -- '---\napproved: true\n---\n# Plan\n\n## 1. Clarification Items\n\n| id | status | blocks | question |\n|---|---|---|---|\n' \
  >"$top/plan.md"
cp -R "$src/tests/data/sessions/conforming" "$top/session"
session="$top/session/claude/projects/-work-shop/6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20.jsonl"
run_dir="$top/session/task/runs/error-analysis"

# cases_of PROGRAM: the runs of PROGRAM that succeed (invoke's cases); status 1
# for a program this test does not know: it must be added here.
cases_of() {
  case $1 in
    okstra) echo front ;;
    okstra-usage) echo usage usage-prices ;;
    okstra-cost) echo cost ;;
    okstra-plan-validate) echo plan-validate ;;
    okstra-worktree) echo worktree-list worktree-reconcile ;;
    okstra-prepare) echo prepare ;;
    okstra-validate-session) echo validate-session ;;
    okstra-migrate) echo migrate ;;
    okstra-validate-run) echo validate-run ;;
    *) return 1 ;;
  esac
}
# invoke CASE ARGS...: a run of CASE that succeeds (exit 0), with ARGS added (lib.sh run).
invoke() {
  c=$1
  shift
  case $c in
    front) prun "$B/okstra" "$@" ;;
    usage) prun "$B/okstra-usage" daily --no-cache --no-progress "$@" ;;
    usage-prices) prun "$B/okstra-usage" prices "$@" ;;
    cost) prun "$B/okstra-cost" --task-root "$top/task" --runtime-root "$src/tests/data/task-bundle/runtime" "$@" ;;
    plan-validate) prun "$B/okstra-plan-validate" "$@" "$top/plan.md" ;;
    worktree-list) prun "$B/okstra-worktree" list "$@" ;;
    worktree-reconcile) prun "$B/okstra-worktree" reconcile --dry-run "$@" ;;
    prepare) prun "$B/okstra-prepare" --project-root "$top/plain" --task-key p/g/t --task-type error-analysis --render-only "$@" ;;
    validate-session) prun "$B/okstra-validate-session" --session "$session" --run-dir "$run_dir" "$@" ;;
    migrate) prun "$B/okstra-migrate" --cwd "$top/legacy" "$@" ;;
    validate-run) prun "$B/okstra-validate-run" --session "$session" "$@" "$run_dir" ;;
  esac
}

is_json() { "$python" -m json.tool "$1" >/dev/null 2>&1; }
one_line() { [ "$(wc -l <"$1" | tr -d ' ')" = 1 ]; }

# output_checks CASE: the output options on a run that succeeds.
output_checks() {
  c=$1
  invoke "$c" --format json
  [ "$rc" -eq 0 ] && is_json "$work/out" && ! one_line "$work/out" && pass "$c --format json: pretty JSON, exit 0" ||
    fail "$c --format json: rc $rc, $(head -c 300 "$work/out") $(cat "$work/err")"
  invoke "$c" --json
  [ "$rc" -eq 0 ] && is_json "$work/out" && pass "$c --json: JSON, exit 0" || fail "$c --json: rc $rc"
  invoke "$c" -c
  [ "$rc" -eq 0 ] && is_json "$work/out" && one_line "$work/out" && pass "$c -c: JSON on one line" ||
    fail "$c -c: rc $rc, $(head -c 300 "$work/out")"
  invoke "$c" --format text --color never
  [ "$rc" -eq 0 ] && [ -s "$work/out" ] && ! is_json "$work/out" && pass "$c --format text: text, not JSON" ||
    fail "$c --format text: rc $rc, $(head -c 300 "$work/out")"
  lacks "$(printf '\033')" "$work/out" && pass "$c --color never: no escape sequence" || fail "$c --color never"
  invoke "$c" -q
  [ "$rc" -eq 0 ] && [ ! -s "$work/out" ] && pass "$c -q: nothing on stdout, exit 0" || fail "$c -q: rc $rc, $(head -c 200 "$work/out")"
  invoke "$c" --json --format text
  [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && pass "$c --json --format text: usage error" || fail "$c --json --format text: rc $rc"
}

# The declarations of --describe-options, read by `describe WHAT FILE [LEVEL]`.
cat >"$top/describe.py" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[2]))
what = sys.argv[1]
levels = [("-", d["options"], d["positionals"])] + [(c["name"], c["options"], c["positionals"]) for c in d["commands"]]
if what == "shape":
    bad = []
    if list(d) != ["program", "summary", "usage", "options", "commands", "positionals", "exitStatus"]: bad.append("top keys %s" % list(d))
    for name, options, positionals in levels:
        for o in options:
            if list(o) != ["long", "short", "value", "kind", "choices", "default", "help", "complete", "implicit"]: bad.append("option keys %s" % list(o))
            if o["kind"] not in ("flag", "string", "path", "count", "number", "enum", "list"): bad.append("kind " + o["kind"])
            if o["complete"] not in ("none", "file", "dir", "choices"): bad.append("complete " + o["complete"])
            if (o["kind"] in ("enum", "list")) != bool(o["choices"]): bad.append("choices of " + o["long"])
            if (o["kind"] == "flag") != (o["value"] == ""): bad.append("value of " + o["long"])
            if o["implicit"] and o["kind"] == "flag": bad.append("implicit value of flag " + o["long"])
        for p in positionals:
            if list(p) != ["name", "min", "max", "complete"]: bad.append("positional keys %s" % list(p))
    for c in d["commands"]:
        if list(c) != ["name", "summary", "usage", "options", "positionals"]: bad.append("command keys %s" % list(c))
    if not d["exitStatus"] or any(list(e) != ["code", "meaning"] for e in d["exitStatus"]): bad.append("exitStatus")
    if bad: print("; ".join(bad))
    sys.exit(1 if bad else 0)
# One line per level: LEVEL|MAX|MIN|CODES|LONGS, then one per count, number
# or choice option: numeric|LEVEL|LONG or enum|LEVEL|LONG (enum and list).
codes = " ".join(str(e["code"]) for e in d["exitStatus"])
for name, options, positionals in levels:
    if name == "-" and d["commands"] and not options: continue  # dispatches only
    total = -1 if any(p["max"] < 0 for p in positionals) else sum(p["max"] for p in positionals)
    print("level|%s|%d|%d|%s|%s" % (name, total, sum(p["min"] for p in positionals), codes, " ".join(o["long"] for o in options)))
for name, options, positionals in levels:
    if name == "-" and d["commands"] and not options: continue
    for o in options:
        if o["kind"] in ("count", "number"): print("numeric|%s|%s" % (name, o["long"]))
        if o["kind"] in ("enum", "list"): print("enum|%s|%s" % (name, o["long"]))
EOF
describe() { "$python" "$top/describe.py" "$@"; }
# with LEVEL PROGRAM ARGS...: PROGRAM [LEVEL's words] ARGS (LEVEL "-": the program itself).
with() {
  level=$1 prog=$2
  shift 2
  if [ "$level" = - ]; then prun "$prog" "$@"
  else
    # shellcheck disable=SC2086  # a nested command's words are split on purpose
    prun "$prog" $level "$@"
  fi
}
# help_codes: the codes of the "Exit status:" block of $work/out.
help_codes() { sed -n '/^Exit status:/,$p' "$work/out" | sed -n 's/^  \([0-9]\)  .*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }

# level_checks TOOL LEVEL MAX CODES LONGS: --help, an unknown option and a
# surplus positional at one level (the program itself, or one command).
level_checks() {
  tool=$1 level=$2 max=$3 codes=$4 longs=$5
  label="$tool${level#-}"
  [ "$level" = - ] || label="$tool $level"
  with "$level" "$B/$tool" --help
  [ "$rc" -eq 0 ] && [ "$(help_codes)" = "$codes" ] && pass "$label --help lists exactly the exit codes $codes" ||
    fail "$label --help: rc $rc, codes '$(help_codes)', declared '$codes'"
  missing=''
  for long in $longs; do
    grep -q -- "--$long\b" "$work/out" || missing="$missing --$long"
  done
  [ -z "$missing" ] && pass "$label --help lists every declared option" || fail "$label --help misses$missing"
  with "$level" "$B/$tool" --no-such-option
  [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && [ "$(sed -n 1p "$work/err")" = "$tool: error: unknown option '--no-such-option'" ] &&
    sed -n 2p "$work/err" | grep -q "^hint: see '$tool.* --help'$" && pass "$label: an unknown option, exit 2" ||
    fail "$label --no-such-option: rc $rc, $(cat "$work/err")"
  if [ "$max" -ge 0 ]; then
    # shellcheck disable=SC2046  # the positionals a level takes, then one more
    with "$level" "$B/$tool" $(seq 0 "$max" | sed 's/^/arg/')
    [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && grep -q "^$tool: error: \(unexpected argument 'arg$max'\|unknown command 'arg0'\)\$" "$work/err" &&
      pass "$label: a surplus positional, exit 2" || fail "$label surplus positional: rc $rc, $(cat "$work/err")"
  fi
}

# program_checks TOOL: --help, --version, the declarations, usage errors.
program_checks() {
  tool=$1
  prun "$B/$tool" --help
  [ "$rc" -eq 0 ] && [ "$(head -n 1 "$work/out" | cut -d' ' -f1-2)" = "$tool -" ] && grep -q '^Usage: ' "$work/out" &&
    [ ! -s "$work/err" ] && pass "$tool --help" || fail "$tool --help: rc $rc, $(head -3 "$work/out")"
  cp "$work/out" "$work/help"
  prun "$B/$tool" --version
  [ "$rc" -eq 0 ] && [ "$(cat "$work/out")" = "$tool (okstra) $version" ] && pass "$tool --version" ||
    fail "$tool --version: rc $rc, '$(cat "$work/out")'"
  prun "$B/$tool" --describe-options
  [ "$rc" -eq 0 ] && is_json "$work/out" && pass "$tool --describe-options: JSON" || { fail "$tool --describe-options: rc $rc"; return 0; }
  cp "$work/out" "$work/$tool.json"
  check "$tool --describe-options: the documented shape" describe shape "$work/$tool.json"
  [ "$(json_field "$work/$tool.json" 'd["program"]')" = "$tool" ] && pass "$tool: describe names the program" || fail "$tool: program name"
  lacks 'describe-options' "$work/help" && pass "$tool --help does not list the hidden option" || fail "$tool --help lists --describe-options"
  describe levels "$work/$tool.json" >"$work/levels" || { fail "$tool: the declarations cannot be read"; return 0; }
  while IFS='|' read -r what level max _min codes longs; do
    [ "$what" = level ] || continue
    level_checks "$tool" "$level" "$max" "$codes" "$longs"
  done <"$work/levels"
  while IFS='|' read -r what level long _rest; do
    case $what in
      numeric)
        with "$level" "$B/$tool" "--$long" -1
        [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && grep -q "^$tool: error: invalid value for --$long '-1'\$" "$work/err" &&
          pass "$tool ${level#-} --$long -1: a usage error" || fail "$tool ${level#-} --$long -1: rc $rc, $(cat "$work/err")"
        ;;
      enum)
        with "$level" "$B/$tool" "--$long" no-such-value
        [ "$rc" -eq 2 ] && grep -q "^$tool: error: invalid value for --$long 'no-such-value'\$" "$work/err" &&
          pass "$tool ${level#-} --$long no-such-value: a usage error" || fail "$tool ${level#-} --$long: rc $rc, $(cat "$work/err")"
        ;;
    esac
  done <"$work/levels"
}

# every_check TOOL: all of the above for one installed program.
every_check() {
  if ! cases=$(cases_of "$1"); then
    fail "$1 is installed, but this test does not know how to run it successfully: add it to cases_of and invoke"
    return 0
  fi
  for c in $cases; do output_checks "$c"; done
  program_checks "$1"
}

# Two lanes at once (the machine's cores), each over every other program, with
# its own scratch folder; their lines are shown in order afterwards.
lane() {
  work=$top/lane-$1
  mkdir -p "$work"
  failures=0
  shift
  for p in "$@"; do every_check "$p"; done
  echo "$failures" >"$work/failures"
}
# shellcheck disable=SC2086  # one program a word
set -- $programs
lane_a='' lane_b=''
while [ $# -gt 0 ]; do
  lane_a="$lane_a $1"
  [ $# -lt 2 ] || lane_b="$lane_b $2"
  shift $(($# < 2 ? 1 : 2))
done
# shellcheck disable=SC2086  # one program a word
(lane a $lane_a) >"$top/lane-a.log" 2>&1 &
pid_a=$!
# shellcheck disable=SC2086
(lane b $lane_b) >"$top/lane-b.log" 2>&1 &
pid_b=$!
wait "$pid_a" || true
wait "$pid_b" || true
for l in a b; do
  cat "$top/lane-$l.log"
  if [ -f "$top/lane-$l/failures" ]; then failures=$((failures + $(cat "$top/lane-$l/failures")))
  else fail "lane $l of the program checks stopped early (see above)"; fi
done
work=$top

# Defaults, and what the front end forwards.
invoke usage
[ "$rc" -eq 0 ] && ! is_json "$work/out" && pass "okstra-usage prints a table by default" || fail "usage default: rc $rc"
invoke cost
[ "$rc" -eq 0 ] && is_json "$work/out" && pass "okstra-cost prints JSON by default" || fail "cost default: rc $rc"
prun "$B/okstra" usage daily --no-cache --no-progress --json
[ "$rc" -eq 0 ] && is_json "$work/out" && pass "okstra usage ... --json: the options after a command reach the tool" ||
  fail "okstra usage --json: rc $rc, $(cat "$work/err")"
prun "$B/okstra" --json usage
[ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && grep -q "^okstra: error: unexpected argument 'usage'\$" "$work/err" &&
  pass "okstra --json usage: the front end's options take no command, exit 2" || fail "okstra --json usage: rc $rc, $(cat "$work/err")"
prun "$B/okstra" -c
# The tools it lists, and whether each was found in bin/ (else "elsewhere").
listed=$("$python" -c 'import json, sys; print(" ".join(c["name"] + ("" if c["path"].startswith(sys.argv[2] + "/") else "@elsewhere")
  for c in json.load(open(sys.argv[1]))["commands"] if c["path"]))' "$work/out" "$B" 2>/dev/null) || listed="(no JSON, rc $rc)"
# shellcheck disable=SC2086  # one program a word
installed=$(printf '%s\n' $programs | sed -n 's/^okstra-//p' | tr '\n' ' ' | sed 's/ $//')
[ "$listed" = "$installed" ] && pass "okstra -c lists every installed tool, found next to itself" ||
  fail "okstra -c lists '$listed', installed '$installed'"
prun "$B/okstra" validate-run --session "$session" -c "$run_dir"
[ "$rc" -eq 0 ] && [ "$(json_field "$work/out" 'd["result"]')" = ok ] && pass "okstra validate-run (installed) runs the installed tools" ||
  fail "okstra validate-run: rc $rc, $(cat "$work/err")"

# A negative count where one once slipped through.
prun "$B/okstra-usage" --threads -1
[ "$rc" -eq 2 ] && pass "usage --threads -1: exit 2" || fail "usage --threads -1: rc $rc"
prun "$B/okstra-prepare" finish --seq -1 --run-dir "$top/plain" --status completed
[ "$rc" -eq 2 ] && pass "prepare finish --seq -1: exit 2" || fail "prepare finish --seq -1: rc $rc"
prun "$B/okstra-migrate" --lock-timeout -5 --cwd "$top/legacy"
[ "$rc" -eq 2 ] && lacks '5.000000' "$work/err" && pass "migrate --lock-timeout -5: exit 2, the value as typed" ||
  fail "migrate --lock-timeout -5: rc $rc, $(cat "$work/err")"

# --base-ref names a commit: in a project that is not a git repository that is an error.
prun "$B/okstra-prepare" --project-root "$top/plain" --task-key p/g/base --task-type error-analysis --base-ref main
[ "$rc" -eq 3 ] && [ ! -s "$work/out" ] && grep -q "^okstra-prepare: error: not a git repository '.*plain'\$" "$work/err" &&
  pass "--base-ref in a project without git: exit 3, not a git repository" || fail "--base-ref without git: rc $rc, $(cat "$work/err")"
[ ! -e "$top/plain/.okstra/tasks/g/base" ] && pass "the refused prepare left no task folder" || fail "task folder left behind"

finish
