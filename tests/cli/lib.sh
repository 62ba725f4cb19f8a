# tests/cli/lib.sh — what the shell tests of the binaries share. Sourced as
#   . "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
# It gives: $work, a temporary folder removed on exit; $failures; pass and
# fail (one line per check: "ok: …" or "FAIL: …"); check DESCRIPTION CMD...
# (ok or FAIL from CMD's status); run CMD... (stdout in $work/out, stderr in
# $work/err, status in $rc, stdin empty); lacks PATTERN FILE (a written
# FILE without PATTERN); json_field FILE EXPR (a Python
# expression over the parsed JSON d); new_repo DIR (a git repository on
# branch main with one commit); skip_part and skip (what could not run, and
# why); reach_nobody and as_nobody (checks that need an unreadable file);
# install_build DEST (meson install into a DESTDIR; $prefix and $bindir);
# finish (the summary line; exit 1 if any check failed, else 77 if a part was
# skipped, else 0).
work=$(mktemp -d "${TMPDIR:-/tmp}/okstra-test.XXXXXX") || exit 1
reach=''
# lib_cleanup: removes $work and $reach; a script that sets its own EXIT trap calls it.
lib_cleanup() {
  rm -rf "$work"
  if [ -n "$reach" ] && [ "$reach" != "$work" ]; then rm -rf "$reach"; fi
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM
failures=0
skipped=0
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
# $python: the interpreter python3 names, resolved once: a version manager's
# shim on PATH (pyenv) costs half a second a call, and tests call it often.
python=$(python3 -c 'import sys; print(sys.executable or "python3")' 2>/dev/null) || python=python3
json_field() {
  "$python" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
# holds FILE EXPR: the Python expression EXPR over the JSON of FILE (d) is true
# (json_field prints True or False and exits 0 either way: check holds, not json_field).
holds() { [ "$(json_field "$1" "$2" 2>/dev/null)" = True ]; }
new_repo() {
  mkdir -p "$1"
  git -C "$1" -c init.defaultBranch=main init -q
  echo hi >"$1/README"
  git -C "$1" add README
  git -C "$1" -c user.name=t -c user.email=t@example.com commit -q -m init
}
# wait_for_pause FILE STEP: waits (60 s at most: a sanitized run under load is
# slow) until a tool run with OKSTRA_TEST_PAUSE_AT=STEP says on stderr (FILE)
# that it paused there. Remove FILE before starting the run: a background
# shell truncates it only once it runs.
wait_for_pause() {
  n=0
  while ! grep -qs "test pause at $2" "$1" && [ "$n" -lt 1200 ]; do sleep 0.05; n=$((n + 1)); done
  grep -qs "test pause at $2" "$1"
}
# lacks PATTERN FILE: FILE exists and no line of it matches PATTERN (grep).
# A file that was never written is a failure, not a pass.
lacks() {
  if [ ! -f "$2" ]; then
    echo "  no file '$2' to search"
    return 1
  fi
  ! grep -q -- "$1" "$2"
}
# skip_part REASON: a part of the test that cannot run here says why; the test
# goes on, and finish then reports it skipped (77), never passed.
# skip REASON: nothing more can run: skip_part, then finish.
skip_part() {
  echo "SKIP: $*"
  skipped=$((skipped + 1))
}
skip() {
  skip_part "$@"
  finish
}

# ---- checks that need a file this process cannot read ------------------------------
# Root reads every file, so such a check runs its program as nobody (uid and
# gid 65534), who can reach neither a checkout under a 0700 folder nor a 0700
# $TMPDIR. reach_nobody PROGRAM...: sets $reach to a folder nobody can enter
# (as root a fresh 0755 folder under /tmp, removed on exit; else $work) and
# copies each PROGRAM into $reach/bin/. Put the check's files under $reach and
# run the copies with as_nobody CMD... (in $reach; as nobody when root).
# Returns 1 with the reason in $nobody_why when that cannot be arranged (root
# without setpriv, or nobody cannot run a copy): give it to skip_part or skip.
nobody_why=''
reach_nobody() {
  if [ "$(id -u)" -ne 0 ]; then
    reach=$work
  elif ! command -v setpriv >/dev/null 2>&1; then
    nobody_why="running as root without setpriv (Debian package util-linux) to become nobody"
    return 1
  else
    reach=$(mktemp -d /tmp/okstra-nobody.XXXXXX) || {
      nobody_why="cannot make a folder under /tmp for nobody"
      return 1
    }
    chmod 755 "$reach"
  fi
  mkdir -p "$reach/bin"
  for program in "$@"; do
    cp "$program" "$reach/bin/"
    if ! as_nobody "$reach/bin/${program##*/}" --version >/dev/null 2>"$work/nobody.err"; then
      nobody_why="nobody cannot run a copy of ${program##*/} in $reach: $(head -n 1 "$work/nobody.err")"
      return 1
    fi
  done
}
as_nobody() {
  if [ "$(id -u)" -ne 0 ]; then
    (cd "$reach" && "$@")
  else
    (cd "$reach" && setpriv --reuid=65534 --regid=65534 --clear-groups "$@")
  fi
}

# install_build DEST: `meson install` of the build under test
# ($OKSTRA_BUILD_ROOT) into the DESTDIR DEST, without rebuilding; sets $prefix
# and $bindir (DEST joined with the installed bin folder). Needs meson_info.sh
# sourced (meson_dir). Status 1, with meson's messages in $work/err, when the
# install fails.
install_build() {
  run meson install -C "$OKSTRA_BUILD_ROOT" --destdir "$1" --no-rebuild --quiet
  [ "$rc" = 0 ] || return 1
  # shellcheck disable=SC2034  # read by the test that sources this file
  prefix=$(meson_dir prefix)
  # shellcheck disable=SC2034
  bindir=$1$(meson_dir bindir)
}

finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  if [ "$skipped" -gt 0 ]; then
    echo "every check that ran passed; $skipped part(s) skipped (see SKIP above)"
    exit 77
  fi
  echo "all checks passed"
}
