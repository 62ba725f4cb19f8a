#!/bin/sh
# Locks across real processes, driven through the okstra-test-lock binary:
# counting under contention, SIGKILL release, --lock-timeout, --no-wait,
# re-entry, and the file modes, and escaped holder text (docs/cli.md); then
# the seed's lock names: a Python okstra and okstra-prepare on one home
# exclude each other (docs/dirs.md, "Lock names").
set -eu
tool="$OKSTRA_TEST_TOOLS/okstra-test-lock"
prepare="$OKSTRA_BUILD_ROOT/okstra-prepare"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
trap 'kill $(jobs -p) 2>/dev/null || true; lib_cleanup' EXIT
export OKSTRA_HOME="$work/home"

wait_for_file() {  # path, tenths of a second
  n=0
  while [ ! -e "$1" ]; do
    n=$((n + 1))
    [ "$n" -gt "$2" ] && return 1
    sleep 0.1
  done
}
wait_for_text() {  # text, file, tenths of a second: a slow (sanitized, loaded) waiter gets time to say it
  n=0
  while ! grep -q "$1" "$2" 2>/dev/null; do
    n=$((n + 1))
    [ "$n" -gt "$3" ] && return 1
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
wait_for_text "waiting for lock" "$work/wait-err" 300 && pass "waiter says whom it waits for" || fail "no waiting notice"
[ ! -e "$work/got" ] && pass "waiter blocks while the task lock is held" || fail "waiter did not block"
kill -9 "$holder"
wait "$waiter" && [ -e "$work/got" ] && pass "waiter proceeds once the holder dies" || fail "waiter failed"

# 7. A different task type or key is a different lock.
"$tool" --lock task --task-key 'p/g/t' --task-type implementation --hold 60 --ready "$work/ready3" &
holder=$!
wait_for_file "$work/ready3" 100 || fail "holder 3 never became ready"
"$tool" --lock task --task-key 'p/g/t' --task-type error-analysis --no-wait && pass "other task type not blocked" \
  || fail "other task type blocked"
"$tool" --lock task --task-key 'p/g-x/t' --task-type implementation --no-wait && pass "another key not blocked" \
  || fail "another key blocked"
kill -9 "$holder"; wait "$holder" 2>/dev/null || true
# As in the seed, keys whose safe segments collide ("g x" and "g-x") share their
# lock; the worktree step then refuses the second key (docs/dirs.md, "Lock names").
"$tool" --lock task --task-key 'p/g x/t' --task-type implementation --hold 60 --ready "$work/ready4" &
holder=$!
wait_for_file "$work/ready4" 100 || fail "holder 4 never became ready"
set +e
"$tool" --lock task --task-key 'p/g-x/t' --task-type implementation --no-wait 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 1 ] && pass "keys with colliding safe segments share a lock" || fail "colliding keys: exit $rc"
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

# 11. The seed's lock names (docs/dirs.md, "Lock names"): an okstra of the seed
# (Python) holds the task lock or the provision mutex, on the file it names, the
# way it does (fcntl.flock on a file opened "r+"); okstra-prepare waits for it.
# The seed's name is computed here as the seed does for a key whose safe segments
# hold no '-' (its join escape leaves those alone): safe segments joined by '-'.
export OKSTRA_HOME="$work/home-seed" OKSTRA_SKIP_INSTALL_CHECK=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_TEST_PAUSE_AT OKSTRA_TEST_RESUME_FILE || true
repo="$work/repo"
new_repo "$repo"
key=demo/payments/refund_timeout
seed_name=$("$python" -c '
import re, sys
parts = [re.sub(r"[^A-Za-z0-9._-]", "-", s) for s in sys.argv[1].split("/")]
assert all("-" not in p for p in parts), parts
print("-".join(parts))' "$key")
task_lock="$OKSTRA_HOME/.locks/task-$seed_name-error-analysis.lock"
provision_lock="$OKSTRA_HOME/.locks/worktree-provision/$seed_name.lock"
# seed_hold LOCK_FILE: a Python process holds LOCK_FILE until $work/release
# exists; $work/seed-ready says it holds it. Sets $seed to its pid.
seed_hold() {
  rm -f "$work/seed-ready" "$work/release"
  "$python" -c '
import fcntl, os, sys, time
lock, ready, release = sys.argv[1:4]
os.makedirs(os.path.dirname(lock), exist_ok=True)
open(lock, "a").close()
with open(lock, "r+") as f:
    fcntl.flock(f.fileno(), fcntl.LOCK_EX)
    open(ready, "w").close()
    while not os.path.exists(release):
        time.sleep(0.05)
    fcntl.flock(f.fileno(), fcntl.LOCK_UN)' "$1" "$work/seed-ready" "$work/release" &
  seed=$!
  wait_for_file "$work/seed-ready" 100 || fail "the Python holder of $1 never became ready"
}
prepare_key() { "$prepare" --project-root "$repo" --task-key "$key" --task-type error-analysis --base-ref main -c "$@"; }

seed_hold "$task_lock"
start=$(date +%s%N)
run prepare_key --lock-timeout 1
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "seed holds the task lock: prepare --lock-timeout 1 exits 1" [ "$rc" -eq 1 ]
check "...within 5 s (${elapsed_ms} ms)" [ "$elapsed_ms" -lt 5000 ]
check "...naming the seed's task lock file" grep -qF "okstra-prepare: error: lock busy '$task_lock'" "$work/err"
check "...and no worktree was made" [ ! -e "$OKSTRA_HOME/worktrees/demo/payments/refund_timeout" ]
# Without a timeout prepare waits, and goes on once the seed lets go.
prepare_key >"$work/wait-out" 2>"$work/wait-err" </dev/null &
waiter=$!
wait_for_text "waiting for lock" "$work/wait-err" 300 || true
check "prepare waits while the seed holds the task lock" kill -0 "$waiter"
check "...and says which lock it waits for" grep -qF "waiting for lock '$task_lock'" "$work/wait-err"
touch "$work/release"
wait "$seed" || true
set +e
wait "$waiter"
rc=$?
set -e
check "prepare proceeds once the seed releases the task lock" [ "$rc" -eq 0 ]

seed_hold "$provision_lock"
run prepare_key --lock-timeout 1
check "seed holds the provision mutex: prepare --lock-timeout 1 exits 1" [ "$rc" -eq 1 ]
check "...naming the seed's provision lock file" grep -qF "okstra-prepare: error: lock busy '$provision_lock'" "$work/err"
touch "$work/release"
wait "$seed" || true
run prepare_key --lock-timeout 5
check "prepare goes on once the seed releases the provision mutex" [ "$rc" -eq 0 ]

# And the other way: while okstra holds them, the seed's flock on its names is refused.
seed_try() {  # LOCK_FILE: exit 0 when LOCK_EX|LOCK_NB succeeds
  "$python" -c '
import fcntl, sys
with open(sys.argv[1], "a+") as f:
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(1)' "$1"
}
"$tool" --lock task --task-key "$key" --task-type error-analysis --hold 60 --ready "$work/ready5" &
holder=$!
wait_for_file "$work/ready5" 100 || fail "okstra's task-lock holder never became ready"
if seed_try "$task_lock" 2>/dev/null; then fail "the seed took the task lock okstra holds"
else pass "okstra holds the task lock: the seed cannot take it"; fi
kill -9 "$holder"; wait "$holder" 2>/dev/null || true
"$tool" --lock provision --task-key "$key" --hold 60 --ready "$work/ready6" &
holder=$!
wait_for_file "$work/ready6" 100 || fail "okstra's provision holder never became ready"
if seed_try "$provision_lock" 2>/dev/null; then fail "the seed took the provision mutex okstra holds"
else pass "okstra holds the provision mutex: the seed cannot take it"; fi
kill -9 "$holder"; wait "$holder" 2>/dev/null || true
check "released: the seed takes the provision mutex" seed_try "$provision_lock"

finish
