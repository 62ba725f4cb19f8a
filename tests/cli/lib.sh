# tests/cli/lib.sh — what the shell tests of the binaries share. Sourced as
#   . "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
# It gives: $work, a temporary folder removed on exit; $failures; pass and
# fail (one line per check: "ok: …" or "FAIL: …"); check DESCRIPTION CMD...
# (ok or FAIL from CMD's status); run CMD... (stdout in $work/out, stderr in
# $work/err, status in $rc, stdin empty); json_field FILE EXPR (a Python
# expression over the parsed JSON d); new_repo DIR (a git repository on
# branch main with one commit); finish (the summary line, and exit 1 if any
# check failed).
work=$(mktemp -d "${TMPDIR:-/tmp}/okstra-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
failures=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {
  description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}
run() {
  set +e
  "$@" >"$work/out" 2>"$work/err" </dev/null
  rc=$?
  set -e
}
json_field() {
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
new_repo() {
  mkdir -p "$1"
  git -C "$1" -c init.defaultBranch=main init -q
  echo hi >"$1/README"
  git -C "$1" add README
  git -C "$1" -c user.name=t -c user.email=t@example.com commit -q -m init
}
# wait_for_pause FILE STEP: waits (15 s at most) until a tool run with
# OKSTRA_TEST_PAUSE_AT=STEP says on stderr (FILE) that it paused there.
wait_for_pause() {
  n=0
  while ! grep -qs "test pause at $2" "$1" && [ "$n" -lt 300 ]; do sleep 0.05; n=$((n + 1)); done
  grep -qs "test pause at $2" "$1"
}
finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
