#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# okstra-validate-session --format junit is accepted by a real JUnit consumer:
# xmllint (libxml2-utils, the Debian package scripts/deps.sh installs) validates
# every case's output against tests/data/junit/junit.xsd, a schema of the
# Jenkins/Ant JUnit report shape. Skipped (exit 77) only when xmllint is missing.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-validate-session"
sessions="$OKSTRA_SOURCE_ROOT/tests/data/sessions"
xsd="$OKSTRA_SOURCE_ROOT/tests/data/junit/junit.xsd"
session=claude/projects/-work-shop/6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20.jsonl
run_dir=task/runs/error-analysis
if ! command -v xmllint >/dev/null 2>&1; then
  echo "skip: xmllint (Debian package libxml2-utils) is not installed"
  exit 77
fi
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"

# valid FILE DESCRIPTION: the file is schema-valid JUnit XML.
valid() {
  if xmllint --noout --schema "$xsd" "$1" >"$work/xmllint" 2>&1; then pass "$2: xmllint --schema accepts it"
  else fail "$2: xmllint: $(head -5 "$work/xmllint")"; fi
}

# The schema is not a rubber stamp: a report with a bad count is refused.
printf '<testsuites><testsuite name="x" tests="-1"/></testsuites>\n' >"$work/bad.xml"
if xmllint --noout --schema "$xsd" "$work/bad.xml" >/dev/null 2>&1; then fail "the schema accepts tests=\"-1\""
else pass "the schema refuses a negative test count"; fi

for dir in "$sessions"/*/; do
  name=$(basename "$dir")
  (cd "$dir" && run "$bin" --format junit --session "$session" --run-dir "$run_dir" && printf '%s\n' "$rc" >"$work/rc")
  rc=$(cat "$work/rc")
  valid "$work/out" "$name"
  failures=$(sed -n 's/.*<testsuite name="okstra-validate-session" tests="9" failures="\([0-9]*\)".*/\1/p' "$work/out")
  case $name in
    bc08-*) want=0 want_rc=0 ;;  # a warning: reported in <system-out>, never a failure
    bc0*) want=1 want_rc=1 ;;
    *) want=0 want_rc=0 ;;
  esac
  [ "$failures" = "$want" ] && [ "$rc" -eq "$want_rc" ] &&
    pass "$name: $want failure(s), exit $rc" || fail "$name: failures '$failures', exit $rc"
done

# Without a run dir (the prompts name one under /work/shop/…, absent here): BC03
# and BC09 <skipped/> with the reason, BC06 judged; the damaged session's
# diagnostics in <system-err>.
(cd "$sessions/damaged" && run "$bin" --format junit --session "$session" && printf '%s\n' "$rc" >"$work/rc")
valid "$work/out" "damaged, no run dir"
why="needs the run dir: '/work/shop/.okstra/tasks/payments/refund-timeout/runs/error-analysis' (named by the dispatch prompts' **Result path:**) does not exist; give --run-dir"
if [ -e /work/shop ]; then
  skip_part "/work/shop exists on this machine: the fixtures' run dir would not be absent"
else
  check "two rules skipped, each with the reason" [ "$(grep -cF "<skipped message=\"$why\"/>" "$work/out")" -eq 2 ]
fi
check "BC06 is judged without a run dir" grep -q '<testcase classname="okstra.conformance" name="BC06 report-writer-owns-final-report" time="0"/>' "$work/out"
check "diagnostics are in <system-err>" grep -q '<system-err>' "$work/out"
check "runDirSource is empty without a run dir" grep -qF '<property name="runDirSource" value=""/>' "$work/out"

# The run dir inferred from the prompts' **Result path:** is named in the properties.
cp -R "$sessions/conforming" "$work/inferred"
sed "s|/work/shop/.okstra/tasks/payments/refund-timeout|$work/inferred/task|g" "$sessions/conforming/$session" >"$work/inferred/$session"
run "$bin" --format junit --session "$work/inferred/$session"
valid "$work/out" "inferred run dir"
check "inferred run dir: the runDir property" grep -qF "<property name=\"runDir\" value=\"$work/inferred/task/runs/error-analysis\"/>" "$work/out"
check "inferred run dir: the runDirSource property" grep -qF '<property name="runDirSource" value="inferred"/>' "$work/out"
check "inferred run dir: nothing skipped" lacks '<skipped' "$work/out"

# Markup, quotes and control bytes from the input stay well-formed.
mkdir -p "$work/odd"
printf '{"type":"assistant","message":{"id":"m","content":[{"type":"text","text":"PROGRESS: phase-1 <&\\"\\u0001>"}]},"uuid":"<u&\\"1>"}\n\001<&>"\n' \
  >"$work/odd/a&b<c>.jsonl"
run "$bin" --format junit --session "$work/odd/a&b<c>.jsonl"
valid "$work/out" "markup and control bytes in the input"

finish
