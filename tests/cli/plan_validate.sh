#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# okstra-plan-validate through the real binary: the exact JSON printed for
# every fixture report in tests/data/plans/<case>/ (plan.md, an optional
# data.json, the golden expected.json), exit codes, -c, an unreadable
# plan, and a data.json that cannot be used. One line per check.
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
  [ ! -s "$work/err" ] && pass "$name: nothing on stderr" || fail "$name: stderr: $(cat "$work/err")"
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

finish
