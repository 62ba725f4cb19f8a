#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# The command-line contract of docs/cli.md ("Options", "Output", "Usage
# errors", "Option declarations") on every okstra-* program of the build
# folder, each run on real inputs in a temporary home: --help and --version;
# --format json, --format text, --json, -c and -q on a run that succeeds; a
# negative value for every count and number option, a bad choice for every
# enum option, a surplus positional and an unknown option, each with exit 2 and
# the house wording; the shape of --describe-options, and that --help lists
# exactly the options and exit codes it declares. Also: --base-ref in a
# project that is not a git repository is an error (exit 3), not ignored.
set -eu
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
B=$OKSTRA_BUILD_ROOT
src=$OKSTRA_SOURCE_ROOT
version=$(sed -n "s/^  version: '\([^']*\)',/\1/p" "$src/meson.build")

# A home, agent folders and inputs of our own; nothing of the user's is read.
mkdir -p "$work/home" "$work/empty" "$work/user" "$work/plain" "$work/task" "$work/legacy/.project-docs/okstra"
export OKSTRA_HOME="$work/home" HOME="$work/user" CLAUDE_CONFIG_DIR="$work/empty" CODEX_HOME="$work/empty"
export GEMINI_DIR="$work/empty" OKSTRA_SKIP_INSTALL_CHECK=1 OKSTRA_NO_REEXEC=1
unset NO_COLOR
printf '{"projectId": "legacy"}\n' >"$work/legacy/.project-docs/okstra/project.json"
printf -- '---\napproved: true\n---\n# Plan\n\n## 1. Clarification Items\n\n| id | status | blocks | question |\n|---|---|---|---|\n' \
  >"$work/plan.md"
cp -R "$src/tests/data/sessions/conforming" "$work/session"
session="$work/session/claude/projects/-work-shop/6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20.jsonl"
run_dir="$work/session/task/runs/error-analysis"

# invoke CASE ARGS...: a run of CASE that succeeds (exit 0), with ARGS added (lib.sh run).
invoke() {
  c=$1
  shift
  case $c in
    usage) run "$B/okstra-usage" daily --no-cache --no-progress "$@" ;;
    usage-prices) run "$B/okstra-usage" prices "$@" ;;
    cost) run "$B/okstra-cost" --task-root "$work/task" --runtime-root "$src/tests/data/task-bundle/runtime" "$@" ;;
    plan-validate) run "$B/okstra-plan-validate" "$@" "$work/plan.md" ;;
    worktree-list) run "$B/okstra-worktree" list "$@" ;;
    worktree-reconcile) run "$B/okstra-worktree" reconcile --dry-run "$@" ;;
    prepare) run "$B/okstra-prepare" --project-root "$work/plain" --task-key p/g/t --task-type error-analysis --render-only "$@" ;;
    validate-session) run "$B/okstra-validate-session" --session "$session" --run-dir "$run_dir" "$@" ;;
    migrate) run "$B/okstra-migrate" --cwd "$work/legacy" "$@" ;;
    validate-run) run env OKSTRA_BUILD_DIR="$B" "$B/okstra-validate-run" --session "$session" "$@" "$run_dir" ;;
  esac
}

is_json() { python3 -m json.tool "$1" >/dev/null 2>&1; }
one_line() { [ "$(wc -l <"$1" | tr -d ' ')" = 1 ]; }

# 1. The output options on a run that succeeds.
for c in usage usage-prices cost plan-validate worktree-list worktree-reconcile prepare validate-session migrate validate-run; do
  [ "$c" = validate-run ] && [ ! -x "$B/okstra-validate-run" ] && continue
  invoke "$c" --format json
  [ "$rc" -eq 0 ] && is_json "$work/out" && ! one_line "$work/out" && pass "$c --format json: pretty JSON, exit 0" ||
    fail "$c --format json: rc $rc, $(head -c 300 "$work/out") $(cat "$work/err")"
  cp "$work/out" "$work/format-json"
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
done
invoke usage
[ "$rc" -eq 0 ] && ! is_json "$work/out" && pass "okstra-usage prints a table by default" || fail "usage default: rc $rc"
invoke cost
[ "$rc" -eq 0 ] && is_json "$work/out" && pass "okstra-cost prints JSON by default" || fail "cost default: rc $rc"

# 2. Every program: --help, --version, the declarations, usage errors.
python3 - "$work/describe.py" <<'EOF'
import sys
open(sys.argv[1], "w").write(r'''
import json, re, sys
d = json.load(open(sys.argv[2]))
what = sys.argv[1]
levels = [("-", d["options"], d["positionals"])] + [(c["name"], c["options"], c["positionals"]) for c in d["commands"]]
if what == "shape":
    bad = []
    if list(d) != ["program", "summary", "usage", "options", "commands", "positionals", "exitStatus"]: bad.append("top keys %s" % list(d))
    for name, options, positionals in levels:
        for o in options:
            if list(o) != ["long", "short", "value", "kind", "choices", "default", "help", "complete"]: bad.append("option keys %s" % list(o))
            if o["kind"] not in ("flag", "string", "path", "count", "number", "enum"): bad.append("kind " + o["kind"])
            if o["complete"] not in ("none", "file", "dir", "choices"): bad.append("complete " + o["complete"])
            if (o["kind"] == "enum") != bool(o["choices"]): bad.append("choices of " + o["long"])
            if (o["kind"] == "flag") != (o["value"] == ""): bad.append("value of " + o["long"])
        for p in positionals:
            if list(p) != ["name", "min", "max", "complete"]: bad.append("positional keys %s" % list(p))
    for c in d["commands"]:
        if list(c) != ["name", "summary", "usage", "options", "positionals"]: bad.append("command keys %s" % list(c))
    if not d["exitStatus"] or any(list(e) != ["code", "meaning"] for e in d["exitStatus"]): bad.append("exitStatus")
    print("; ".join(bad))
    sys.exit(1 if bad else 0)
if what == "codes":
    print(" ".join(str(e["code"]) for e in d["exitStatus"]))
for name, options, positionals in levels:
    if name == "-" and d["commands"] and not options: continue  # dispatches only
    if what == "levels":
        total = -1 if any(p["max"] < 0 for p in positionals) else sum(p["max"] for p in positionals)
        print("%s|%d|%d" % (name, total, sum(p["min"] for p in positionals)))
    for o in options:
        if what == "numeric" and o["kind"] in ("count", "number"): print("%s|%s" % (name, o["long"]))
        if what == "enums" and o["kind"] == "enum": print("%s|%s" % (name, o["long"]))
        if what == "longs" and name == sys.argv[3]: print(o["long"])
''')
EOF
describe() { python3 "$work/describe.py" "$@"; }
# with LEVEL PROGRAM ARGS...: PROGRAM [LEVEL's words] ARGS (LEVEL "-": the program itself).
with() {
  level=$1 prog=$2
  shift 2
  if [ "$level" = - ]; then run "$prog" "$@"
  else
    # shellcheck disable=SC2086  # a nested command's words are split on purpose
    run "$prog" $level "$@"
  fi
}
# help_codes: the codes of the "Exit status:" block of $work/out.
help_codes() { sed -n '/^Exit status:/,$p' "$work/out" | sed -n 's/^  \([0-9]\)  .*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }

programs="usage cost plan-validate worktree prepare validate-session migrate validate-run"
for name in $programs; do
  prog="$B/okstra-$name"
  tool="okstra-$name"
  if [ ! -x "$prog" ]; then
    echo "note: $tool is not in the build folder; its checks are left out"
    continue
  fi
  run "$prog" --help
  [ "$rc" -eq 0 ] && [ "$(head -n 1 "$work/out" | cut -d' ' -f1-2)" = "$tool -" ] && grep -q '^Usage: ' "$work/out" &&
    [ ! -s "$work/err" ] && pass "$tool --help" || fail "$tool --help: rc $rc, $(head -3 "$work/out")"
  cp "$work/out" "$work/help"
  run "$prog" --version
  [ "$rc" -eq 0 ] && [ "$(cat "$work/out")" = "$tool (okstra) $version" ] && pass "$tool --version" ||
    fail "$tool --version: rc $rc, '$(cat "$work/out")'"
  run "$prog" --describe-options
  [ "$rc" -eq 0 ] && is_json "$work/out" && pass "$tool --describe-options: JSON" || { fail "$tool --describe-options: rc $rc"; continue; }
  cp "$work/out" "$work/$name.json"
  check "$tool --describe-options: the documented shape" describe shape "$work/$name.json"
  [ "$(json_field "$work/$name.json" 'd["program"]')" = "$tool" ] && pass "$tool: describe names the program" || fail "$tool: program name"
  lacks 'describe-options' "$work/help" && pass "$tool --help does not list the hidden option" || fail "$tool --help lists --describe-options"
  codes=$(describe codes "$work/$name.json")
  describe levels "$work/$name.json" >"$work/levels"
  while IFS='|' read -r level max min; do
    label="$tool${level#-}"
    [ "$level" = - ] || label="$tool $level"
    with "$level" "$prog" --help
    [ "$rc" -eq 0 ] && [ "$(help_codes)" = "$codes" ] && pass "$label --help lists exactly the exit codes $codes" ||
      fail "$label --help: rc $rc, codes '$(help_codes)', declared '$codes'"
    missing=''
    for long in $(describe longs "$work/$name.json" "$level"); do
      grep -q -- "--$long\b" "$work/out" || missing="$missing --$long"
    done
    [ -z "$missing" ] && pass "$label --help lists every declared option" || fail "$label --help misses$missing"
    with "$level" "$prog" --no-such-option
    [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && [ "$(sed -n 1p "$work/err")" = "$tool: error: unknown option '--no-such-option'" ] &&
      sed -n 2p "$work/err" | grep -q "^hint: see '$tool.* --help'$" && pass "$label: an unknown option, exit 2" ||
      fail "$label --no-such-option: rc $rc, $(cat "$work/err")"
    if [ "$max" -ge 0 ]; then
      # shellcheck disable=SC2046  # the positionals a level takes, then one more
      with "$level" "$prog" $(seq 0 "$max" | sed 's/^/arg/')
      [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && grep -q "^$tool: error: \(unexpected argument 'arg$max'\|unknown command 'arg0'\)\$" "$work/err" &&
        pass "$label: a surplus positional, exit 2" || fail "$label surplus positional: rc $rc, $(cat "$work/err")"
    fi
  done <"$work/levels"
  describe numeric "$work/$name.json" >"$work/numeric"
  while IFS='|' read -r level long; do
    with "$level" "$prog" "--$long" -1
    [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && grep -q "^$tool: error: invalid value for --$long '-1'\$" "$work/err" &&
      pass "$tool ${level#-} --$long -1: a usage error" || fail "$tool ${level#-} --$long -1: rc $rc, $(cat "$work/err")"
  done <"$work/numeric"
  describe enums "$work/$name.json" >"$work/enums"
  while IFS='|' read -r level long; do
    with "$level" "$prog" "--$long" no-such-value
    [ "$rc" -eq 2 ] && grep -q "^$tool: error: invalid value for --$long 'no-such-value'\$" "$work/err" &&
      pass "$tool ${level#-} --$long no-such-value: a usage error" || fail "$tool ${level#-} --$long: rc $rc, $(cat "$work/err")"
  done <"$work/enums"
done
if [ ! -x "$B/okstra-validate-run" ]; then skip_part "okstra-validate-run is not in the build folder"; fi

# 3. A negative count where the issue found one slip through.
run "$B/okstra-usage" --threads -1
[ "$rc" -eq 2 ] && pass "usage --threads -1: exit 2" || fail "usage --threads -1: rc $rc"
run "$B/okstra-prepare" finish --seq -1 --run-dir "$work/plain" --status completed
[ "$rc" -eq 2 ] && pass "prepare finish --seq -1: exit 2" || fail "prepare finish --seq -1: rc $rc"
run "$B/okstra-migrate" --lock-timeout -5 --cwd "$work/legacy"
[ "$rc" -eq 2 ] && lacks '5.000000' "$work/err" && pass "migrate --lock-timeout -5: exit 2, the value as typed" ||
  fail "migrate --lock-timeout -5: rc $rc, $(cat "$work/err")"

# 4. --base-ref names a commit: in a project that is not a git repository that is an error.
run "$B/okstra-prepare" --project-root "$work/plain" --task-key p/g/base --task-type error-analysis --base-ref main
[ "$rc" -eq 3 ] && [ ! -s "$work/out" ] && grep -q "^okstra-prepare: error: not a git repository '.*plain'\$" "$work/err" &&
  pass "--base-ref in a project without git: exit 3, not a git repository" || fail "--base-ref without git: rc $rc, $(cat "$work/err")"
[ ! -e "$work/plain/.okstra/tasks/g/base" ] && pass "the refused prepare left no task folder" || fail "task folder left behind"

finish
