#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# okstra-plan-validate through the real binary: the exact JSON printed for
# every fixture report in tests/data/plans/<case>/ (plan.md, an optional
# data.json, the golden expected.json), exit codes, -c, an unreadable
# plan, a data.json that cannot be used, and the approval step (approve,
# --revoke, refusals, read-only files as nobody). One line per check.
set -eu
bin="$OKSTRA_BUILD_ROOT/okstra-plan-validate"
plans="$OKSTRA_SOURCE_ROOT/tests/data/plans"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"

# 1. Goldens. Each case runs from its own folder, so the paths printed are
# "plan.md" and "data.json" wherever the checkout is.
cases=0
for dir in "$plans"/*/; do
  name=$(basename "$dir")
  cases=$((cases + 1))
  expected_rc=1
  grep -q '^  "valid": true,$' "$dir/expected.json" && expected_rc=0
  (cd "$dir" && run "$bin" plan.md && printf '%s\n' "$rc" >"$work/rc")
  rc=$(cat "$work/rc")
  if cmp -s "$work/out" "$dir/expected.json"; then pass "$name: the golden JSON"
  else fail "$name: JSON differs from expected.json"; diff "$dir/expected.json" "$work/out" | head -20; fi
  [ "$rc" -eq "$expected_rc" ] && pass "$name: exit $rc" || fail "$name: exit $rc, expected $expected_rc"
  # An unreadable gate says on stderr what to do about it; nothing else does.
  if holds "$dir/expected.json" 'd["gate"]["unreadableReason"] is not None'; then
    printf "okstra-plan-validate: error: cannot read the approval gate of 'plan.md'\nhint: %s\n" \
      "re-render the report from its data (data.json) instead of editing its table by hand" >"$work/err.expected"
    cmp -s "$work/err" "$work/err.expected" && pass "$name: the re-render hint on stderr" || fail "$name: stderr: $(cat "$work/err")"
  else
    [ ! -s "$work/err" ] && pass "$name: nothing on stderr" || fail "$name: stderr: $(cat "$work/err")"
  fi
  (cd "$dir" && run "$bin" -c plan.md)
  if [ "$(wc -l <"$work/out")" -eq 1 ] && python3 -c '
import json, sys
quiet = json.load(open(sys.argv[1])); golden = json.load(open(sys.argv[2]))
sys.exit(0 if quiet == golden and list(quiet) == list(golden) else 1)' "$work/out" "$dir/expected.json"; then
    pass "$name: -c prints the same JSON on one line"
  else fail "$name: -c: $(cat "$work/out")"; fi
done
[ "$cases" -ge 15 ] && pass "$cases fixture cases" || fail "only $cases fixture cases found in $plans"

# 1b. The gate reads rendered Markdown: CRLF line ends render the same, so
# every gate fixture gives the same JSON with them.
for dir in "$plans"/gate-*/ "$plans"/legacy-*/; do
  name=$(basename "$dir")
  mkdir -p "$work/crlf/$name"
  sed 's/$/\r/' "$dir/plan.md" >"$work/crlf/$name/plan.md"
  grep -q "$(printf '\r')" "$work/crlf/$name/plan.md" || fail "$name: the CRLF copy has no CR"
  (cd "$work/crlf/$name" && run "$bin" plan.md)
  if cmp -s "$work/out" "$dir/expected.json"; then pass "$name: the same JSON with CRLF line ends"
  else fail "$name: CRLF changes the JSON"; diff "$dir/expected.json" "$work/out" | head -10; fi
done

# 2. The plan itself cannot be read: exit 3, one error line, nothing on stdout.
run "$bin" "$work/missing.md"
[ "$rc" -eq 3 ] && [ ! -s "$work/out" ] && [ "$(wc -l <"$work/err")" -eq 1 ] &&
  grep -q "^okstra-plan-validate: error: cannot read '$work/missing.md': no such file or directory$" "$work/err" &&
  pass "missing plan: exit 3, one error line" || fail "missing plan: rc $rc, $(cat "$work/err")"
run "$bin" "$work"
[ "$rc" -eq 3 ] && [ ! -s "$work/out" ] && grep -q "^okstra-plan-validate: error: cannot read '$work': is a directory$" "$work/err" &&
  pass "a folder as plan: exit 3" || fail "folder plan: rc $rc, $(cat "$work/err")"

# 3. Usage errors: exit 2.
for args in "" "a.md b.md" "--bogus a.md" "--compact=yes a.md"; do
  # shellcheck disable=SC2086  # split the arguments on purpose
  run "$bin" $args
  [ "$rc" -eq 2 ] && [ ! -s "$work/out" ] && grep -q '^okstra-plan-validate: error: ' "$work/err" &&
    pass "usage error '$args': exit 2" || fail "usage error '$args': rc $rc, $(cat "$work/err")"
done
run "$bin" --help
[ "$rc" -eq 0 ] && head -1 "$work/out" | grep -q '^okstra-plan-validate - approval gate of an implementation plan report$' &&
  grep -q '3  the plan report cannot be read' "$work/out" && pass "--help" || fail "--help: rc $rc"
run env OKSTRA_BUILD_DIR="$OKSTRA_BUILD_ROOT" "$OKSTRA_SOURCE_ROOT/bin/okstra" plan-validate -c "$plans/valid-approved/plan.md"
[ "$rc" -eq 0 ] && grep -q '"valid":true' "$work/out" && pass "okstra plan-validate forwards" || fail "front end: rc $rc"

# 4. data.json present but unusable, on copies of a valid plan: refused (exit 1)
# with the reason in the JSON, never a soft pass and never a hang.
check_data_json() {  # description, expected reason
  run "$bin" -c "$work/case/plan.md"
  if [ "$rc" -eq 1 ] && grep -qF "\"unreadableReason\":\"$2\"" "$work/out" && grep -qF "\"reasons\":[\"$2\"]" "$work/out"; then
    pass "data.json $1: refused with its reason"
  else fail "data.json $1: rc $rc, $(cat "$work/out")"; fi
}
mkdir "$work/case"
cp "$plans/valid-approved/plan.md" "$work/case/plan.md"
mkdir "$work/case/data.json"
check_data_json "is a folder" "data.json is not a regular file"
rmdir "$work/case/data.json"
mkfifo "$work/case/data.json"
check_data_json "is a FIFO" "data.json is not a regular file"
rm "$work/case/data.json"
ln -s missing.json "$work/case/data.json"
check_data_json "is a dangling symlink" "data.json cannot be read (no such file or directory)"
rm "$work/case/data.json"
ln -s data.json "$work/case/data.json"
check_data_json "is a symlink loop" "data.json cannot be read (too many levels of symbolic links)"
rm "$work/case/data.json"
printf '\357\273\277{"approval":{"approved":true}}' >"$work/case/data.json"
check_data_json "starts with a BOM" "data.json is not valid JSON (invalid value at byte 0)"
printf '{"approval":{"approved":true}}' >"$work/case/data.json"
run "$bin" -c "$work/case/plan.md"
[ "$rc" -eq 0 ] && grep -qF "\"dataJson\":{\"path\":\"$work/case/data.json\",\"present\":true,\"approved\":true,\"agrees\":true," "$work/out" &&
  pass "data.json next to a plan given by an absolute path" || fail "absolute path: rc $rc, $(cat "$work/out")"

# 5. The approval step, on copies in temp folders (docs/plan-validate.md,
# "Approving a plan"). A valid but unapproved plan: valid-approved without its
# 'approved' line, with a data.json that says false.
body_of() {  # FILE: everything after the front matter's closing '---'
  awk 'n >= 2 { print } /^---$/ { n++ }' "$1"
}
a="$work/approve"
mkdir -p "$a/ok"
grep -v '^approved:' "$plans/valid-approved/plan.md" >"$a/ok/plan.md"
printf '{"taskType": "implementation-planning", "approval": {"approved": false}, "stages": []}\n' >"$a/ok/data.json"
cp "$a/ok/plan.md" "$a/plan.orig"
run "$bin" approve --by tester "$a/ok/plan.md"
check "approve: exit 0" [ "$rc" -eq 0 ]
check "approve: prints the new verdict, valid" holds "$work/out" 'd["valid"] and d["approved"] and d["dataJson"]["agrees"]'
check "approve: nothing on stderr" [ ! -s "$work/err" ]
check "approve: the front matter says approved: true" grep -qx 'approved: true # added by okstra approve' "$a/ok/plan.md"
body_of "$a/plan.orig" >"$work/body.orig"
body_of "$a/ok/plan.md" >"$work/body.new"
check "approve: the body is byte-identical" cmp -s "$work/body.orig" "$work/body.new"
check "approve: data.json approval.approved true, by tester" holds "$a/ok/data.json" \
  'd["approval"]["approved"] is True and d["approval"]["approvedBy"] == "tester"'
check "approve: approvedAt is UTC ISO-8601" holds "$a/ok/data.json" \
  '__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["approval"]["approvedAt"]) is not None'
check "approve: data.json keeps its other keys in order" holds "$a/ok/data.json" 'list(d) == ["taskType", "approval", "stages"]'
check "approve: no lock file or temporary left" [ "$(ls -A "$a/ok" | tr '\n' ' ')" = "data.json plan.md " ]
cp "$a/ok/plan.md" "$a/plan.once"
cp "$a/ok/data.json" "$a/data.once"
run "$bin" approve --by someone-else "$a/ok/plan.md"
check "approve twice: exit 0" [ "$rc" -eq 0 ]
check "approve twice: the plan is unchanged" cmp -s "$a/plan.once" "$a/ok/plan.md"
check "approve twice: data.json is unchanged (first approver kept)" cmp -s "$a/data.once" "$a/ok/data.json"
run "$bin" approve --revoke -c "$a/ok/plan.md"
check "revoke: exit 0" [ "$rc" -eq 0 ]
check "revoke: the verdict says not approved" holds "$work/out" 'd["approved"] is False and d["dataJson"]["agrees"] is True'
check "revoke: the plan has its original bytes back" cmp -s "$a/plan.orig" "$a/ok/plan.md"
check "revoke: data.json approved false, no approvedBy/approvedAt" holds "$a/ok/data.json" \
  'd["approval"] == {"approved": False}'
run env -u USER "$bin" approve -q "$a/ok/plan.md"
check "approve -q: exit 0" [ "$rc" -eq 0 ]
check "approve -q: nothing on stdout" [ ! -s "$work/out" ]
check "approve without \$USER: the login name approves" holds "$a/ok/data.json" \
  'd["approval"]["approvedBy"] == __import__("pwd").getpwuid(__import__("os").geteuid()).pw_name'
run "$bin" approve --revoke -q "$a/ok/plan.md"
run env USER=ana "$bin" approve -q "$a/ok/plan.md"
check "approve: \$USER approves by default" holds "$a/ok/data.json" 'd["approval"]["approvedBy"] == "ana"'

# A blocked plan and an unreadable gate: exit 1, every reason, nothing written.
mkdir -p "$a/blocked" "$a/unreadable"
grep -v '^approved:' "$plans/blocked/plan.md" >"$a/blocked/plan.md"
printf '{"approval": {"approved": false}}\n' >"$a/blocked/data.json"
cp "$a/blocked/plan.md" "$a/blocked.plan"
cp "$a/blocked/data.json" "$a/blocked.data"
run "$bin" approve "$a/blocked/plan.md"
check "blocked: exit 1" [ "$rc" -eq 1 ]
check "blocked: nothing on stdout" [ ! -s "$work/out" ]
check "blocked: C-001 listed" grep -qx "okstra-plan-validate: error: cannot approve '$a/blocked/plan.md': clarification item C-001 blocks approval with status 'open'; resolve it or mark it obsolete" "$work/err"
check "blocked: C-002 listed" grep -q "^okstra-plan-validate: error: cannot approve '$a/blocked/plan.md': clarification item C-002 blocks approval with status 'answered'" "$work/err"
check "blocked: two reasons, no hint" [ "$(wc -l <"$work/err")" -eq 2 ]
check "blocked: the plan is unchanged" cmp -s "$a/blocked.plan" "$a/blocked/plan.md"
check "blocked: data.json is unchanged" cmp -s "$a/blocked.data" "$a/blocked/data.json"
cp "$plans/gate-bad-row/plan.md" "$a/unreadable/plan.md"
run "$bin" approve "$a/unreadable/plan.md"
check "unreadable gate: exit 1" [ "$rc" -eq 1 ]
check "unreadable gate: the reason" grep -qx "okstra-plan-validate: error: cannot approve '$a/unreadable/plan.md': the approval gate cannot be read: the row on line 10 has 5 cells but the table header has 4" "$work/err"
check "unreadable gate: the re-render hint" grep -qx 'hint: re-render the report from its data (data.json) instead of editing its table by hand' "$work/err"
check "unreadable gate: the plan is unchanged" cmp -s "$plans/gate-bad-row/plan.md" "$a/unreadable/plan.md"

# Usage errors of approve: exit 2.
for args in "approve" "approve a.md b.md" "approve --revoke --by x a.md" "approve --by '' a.md"; do
  eval "run \"\$bin\" $args"
  check "usage error '$args': exit 2" [ "$rc" -eq 2 ]
done
run "$bin" approve --help
check "approve --help" grep -q -- '--revoke' "$work/out"
run "$bin" approve "$work/missing.md"
check "approve of a missing plan: exit 3" grep -qx "okstra-plan-validate: error: cannot read '$work/missing.md': no such file or directory" "$work/err"

# A read-only data.json, then a read-only folder: a clear error (exit 3), nothing written.
if reach_nobody "$bin"; then
  mkdir -p "$reach/ro"
  cp "$a/plan.orig" "$reach/ro/plan.md"
  printf '{"approval": {"approved": false}}\n' >"$reach/ro/data.json"
  cp "$reach/ro/data.json" "$a/ro.data"
  if [ "$(id -u)" -eq 0 ]; then chown -R 65534:65534 "$reach/ro"; fi
  chmod 444 "$reach/ro/data.json"
  set +e
  as_nobody "$reach/bin/okstra-plan-validate" approve --by t ro/plan.md >"$work/out" 2>"$work/err"
  rc=$?
  set -e
  check "read-only data.json: exit 3" [ "$rc" -eq 3 ]
  check "read-only data.json: says so" grep -qx "okstra-plan-validate: error: cannot write '$reach/ro/data.json': permission denied" "$work/err"
  check "read-only data.json: the plan is unchanged" cmp -s "$a/plan.orig" "$reach/ro/plan.md"
  check "read-only data.json: data.json is unchanged" cmp -s "$a/ro.data" "$reach/ro/data.json"
  chmod 644 "$reach/ro/data.json"
  chmod 555 "$reach/ro"
  set +e
  as_nobody "$reach/bin/okstra-plan-validate" approve --by t ro/plan.md >"$work/out" 2>"$work/err"
  rc=$?
  set -e
  check "read-only folder: exit 3" [ "$rc" -eq 3 ]
  check "read-only folder: says so" grep -q "^okstra-plan-validate: error: cannot write in folder '$reach/ro': permission denied$" "$work/err"
  check "read-only folder: the plan is unchanged" cmp -s "$a/plan.orig" "$reach/ro/plan.md"
  chmod 755 "$reach/ro"
else
  skip_part "read-only data.json and folder: $nobody_why"
fi

finish
