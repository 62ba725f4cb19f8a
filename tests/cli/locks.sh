#!/bin/sh
# Locks across real processes, driven through the okstra-test-lock binary:
# counting under contention, SIGKILL release, --lock-timeout, --no-wait,
# re-entry, and the file modes, and escaped holder text (docs/cli.md).
set -eu
tool="$OKSTRA_TEST_TOOLS/okstra-test-lock"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
export OKSTRA_HOME="$work/home"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

wait_for_file() {  # path, tenths of a second
  n=0
  while [ ! -e "$1" ]; do
    n=$((n + 1))
    [ "$n" -gt "$2" ] && return 1
    sleep 0.1
  done
}

# 1. Eight processes increment one counter 200 times each under the central
# lock with a deliberately racy read-modify-write: only the lock keeps it exact.
per=200
pids=
for i in 1 2 3 4 5 6 7 8; do
  "$tool" --lock central --increment "$work/counter" --times "$per" &
  pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "incrementer $p exited non-zero"; done
count=$(cat "$work/counter")
if [ "$count" -eq $((8 * per)) ]; then pass "8 x $per increments under the central lock = $count"
else fail "counter is $count, expected $((8 * per))"; fi

# 2. File modes: lock file 0600, lock folder 0700.
mode_file=$(stat -c %a "$OKSTRA_HOME/.locks/central.lock")
mode_dir=$(stat -c %a "$OKSTRA_HOME/.locks")
[ "$mode_file" = 600 ] && [ "$mode_dir" = 700 ] && pass "lock file 0600 in a 0700 folder" \
  || fail "modes: file $mode_file folder $mode_dir"

# 3. A holder, then --lock-timeout 1: exit 1 within 2 s, naming the holder's pid.
"$tool" --lock central --hold 60 --ready "$work/ready1" &
holder=$!
wait_for_file "$work/ready1" 100 || fail "holder never became ready"
start=$(date +%s%N)
set +e
"$tool" --lock central --lock-timeout 1 >"$work/out" 2>"$work/err"
rc=$?
set -e
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -eq 1 ] && pass "--lock-timeout 1 on a held lock exits 1" || fail "--lock-timeout exit $rc"
[ "$elapsed_ms" -lt 2000 ] && pass "gave up in ${elapsed_ms} ms" || fail "took ${elapsed_ms} ms"
grep -q "pid $holder" "$work/err" && pass "error names holder pid $holder" || fail "holder pid not named: $(cat "$work/err")"
grep -q "^okstra-test-lock: error: lock busy '" "$work/err" && pass "error line wording" || fail "wording: $(cat "$work/err")"
[ ! -s "$work/out" ] && pass "nothing on stdout" || fail "stdout not empty"

# 4. --no-wait gives up at once.
start=$(date +%s%N)
set +e
"$tool" --lock central --no-wait 2>/dev/null
rc=$?
set -e
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -eq 1 ] && [ "$elapsed_ms" -lt 500 ] && pass "--no-wait refuses at once (${elapsed_ms} ms)" \
  || fail "--no-wait: exit $rc after ${elapsed_ms} ms"

# 5. SIGKILL the holder: the lock is free again and the old record shows stale.
kill -9 "$holder"
wait "$holder" 2>/dev/null || true
if "$tool" --lock central --lock-timeout 2; then pass "lock free after the holder was killed"
else fail "lock still busy after SIGKILL of its holder"; fi

# 6. A waiter blocks (no timeout) until the holder is killed, then proceeds.
"$tool" --lock task --task-key 'p/g/t' --task-type implementation --hold 60 --ready "$work/ready2" &
holder=$!
wait_for_file "$work/ready2" 100 || fail "task-lock holder never became ready"
"$tool" --lock task --task-key 'p:g:t' --task-type implementation --ready "$work/got" 2>"$work/wait-err" &
waiter=$!
sleep 0.5
[ ! -e "$work/got" ] && pass "waiter blocks while the task lock is held" || fail "waiter did not block"
grep -q "waiting for lock" "$work/wait-err" && pass "waiter says whom it waits for" || fail "no waiting notice"
kill -9 "$holder"
wait "$waiter" && [ -e "$work/got" ] && pass "waiter proceeds once the holder dies" || fail "waiter failed"

# 7. A different task type or key is a different lock.
"$tool" --lock task --task-key 'p/g/t' --task-type implementation --hold 60 --ready "$work/ready3" &
holder=$!
wait_for_file "$work/ready3" 100 || fail "holder 3 never became ready"
"$tool" --lock task --task-key 'p/g/t' --task-type error-analysis --no-wait && pass "other task type not blocked" \
  || fail "other task type blocked"
"$tool" --lock task --task-key 'p/g x/t' --task-type implementation --no-wait && \
  "$tool" --lock task --task-key 'p/g-x/t' --task-type implementation --no-wait && \
  pass "keys with colliding safe segments use distinct lock files" || fail "colliding keys shared a lock"
kill -9 "$holder"; wait "$holder" 2>/dev/null || true

# 8. Re-entry in one process is a programming error, reported at once.
set +e
"$tool" --lock provision --task-key 'p/g/t' --twice 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 3 ] && grep -q "already held by this process" "$work/err" && pass "re-entry throws (exit 3)" \
  || fail "re-entry: exit $rc, $(cat "$work/err")"

# 9. A symlinked lock folder is refused.
rm -rf "$OKSTRA_HOME/.locks"
mkdir -p "$work/elsewhere"
ln -s "$work/elsewhere" "$OKSTRA_HOME/.locks"
set +e
"$tool" --lock central 2>"$work/err"
rc=$?
set -e
[ "$rc" -eq 3 ] && [ -z "$(ls -A "$work/elsewhere")" ] && pass "symlinked lock folder refused" \
  || fail "symlink: exit $rc, $(cat "$work/err")"

# 10. The holder's recorded command is another process's text: a waiter's
# stderr (the wait line and the lock-busy hint) shows its ESC, BEL, CR and
# newline escaped, never raw (docs/cli.md, "Messages").
rm -f "$OKSTRA_HOME/.locks"
nasty="$work/ready$(printf '\033]0;pwned\007\r\033[2Jx\nforged: error line')"
"$tool" --lock central --hold 2 --ready "$nasty" &
holder=$!
wait_for_file "$nasty" 100 || fail "nasty holder never became ready"
grep -q "pwned" "$OKSTRA_HOME/.locks/central.lock" && pass "holder record holds the raw command" \
  || fail "holder record lacks the command: $(cat "$OKSTRA_HOME/.locks/central.lock")"
set +e
"$tool" --lock central --no-wait 2>"$work/busy-err"
rc_busy=$?
"$tool" --lock central 2>"$work/wait-err"
rc_wait=$?
set -e
wait "$holder" 2>/dev/null || true
has_raw_controls() {  # file: true when it holds a C0 control other than the line ends, or DEL
  LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$1"
}
[ "$rc_busy" -eq 1 ] && grep -q "pwned" "$work/busy-err" && ! has_raw_controls "$work/busy-err" \
  && [ "$(wc -l <"$work/busy-err")" -eq 2 ] && grep -q 'x1b]0;pwned\\x07\\x0d' "$work/busy-err" \
  && pass "lock-busy error: holder command escaped, two lines" || fail "lock-busy: rc $rc_busy, $(od -c "$work/busy-err" | head)"
[ "$rc_wait" -eq 0 ] && grep -q "waiting for lock .*pwned" "$work/wait-err" && ! has_raw_controls "$work/wait-err" \
  && [ "$(wc -l <"$work/wait-err")" -eq 1 ] && grep -q 'x0aforged: error line' "$work/wait-err" \
  && pass "wait line: holder command escaped, one line" || fail "wait line: rc $rc_wait, $(od -c "$work/wait-err" | head)"

if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all lock checks passed"
