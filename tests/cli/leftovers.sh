#!/bin/sh
# What killed runs leave behind is cleaned by the next run, and what cannot be
# read is said (docs/cli.md "Files okstra writes", docs/prepare.md "6. Run
# paths and the seq", docs/usage.md, docs/conformance.md):
# (a) a writer killed mid-write (SIGKILL, for real) leaves ".F.tmp-<pid>-<n>";
#     the next write of F removes it, and a reused pid's temporary, but keeps
#     a live writer's; (b) the migrate journal's temporary that a killed first
#     write left in the project root is removed by the next --apply; (c) the
#     shared files prepare writes drop a dead writer's temporaries; (d) a seq
#     claim left by a prepare killed at run-paths is reclaimed by the next
#     prepare, a live prepare's claim and a finished run's seq never are;
# (e) okstra-usage warns about, and counts, every folder it cannot read.
set -eu
atomic="${OKSTRA_TEST_TOOLS:?OKSTRA_TEST_TOOLS must name the tests folder of the build}/okstra-test-atomic"
prepare="$OKSTRA_BUILD_ROOT/okstra-prepare"
migrate="$OKSTRA_BUILD_ROOT/okstra-migrate"
usage="$OKSTRA_BUILD_ROOT/okstra-usage"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" OKSTRA_SKIP_INSTALL_CHECK=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_WORKTREE_SYNC_DIRS OKSTRA_TEST_PAUSE_AT OKSTRA_TEST_RESUME_FILE CLAUDE_CONFIG_DIR CODEX_HOME GEMINI_DIR || true
sleeper=''
trap 'if [ -n "$sleeper" ]; then kill "$sleeper" 2>/dev/null || true; fi; lib_cleanup' EXIT

random_ms() { # 0..40
  n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' \n')
  echo $((n % 41))
}

# kill_mid_write FILE: runs the atomic writer on FILE and SIGKILLs it until a
# kill leaves a temporary of FILE behind (bounded); $killed is its dead pid,
# $temp the temporary's path ('' if no kill ever landed mid-write).
kill_mid_write() {
  killed='' temp=''
  tries=0
  while [ "$tries" -lt 60 ]; do
    tries=$((tries + 1))
    "$atomic" --file "$1" --times 100000 --size 1048576 >/dev/null 2>&1 &
    pid=$!
    # Wait (bounded) until the writer is in its write loop, a temporary of
    # its own on disk: a sanitizer build under load can take longer to start
    # than the random delay below, and a kill before the first write proves nothing.
    waited=0
    while [ "$waited" -lt 3000 ] && kill -0 "$pid" 2>/dev/null &&
      ! ls "${1%/*}/.${1##*/}.tmp-$pid-"* >/dev/null 2>&1; do
      sleep 0.001
      waited=$((waited + 1))
    done
    sleep "0.$(printf %03d "$(random_ms)")"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for t in "${1%/*}/.${1##*/}.tmp-$pid-"*; do
      if [ -f "$t" ]; then
        killed=$pid temp=$t
        return 0
      fi
    done
  done
}

# ---- a. the atomic writer: a killed writer's temporary is removed by the next write ----
dir="$work/atomic"
mkdir "$dir"
kill_mid_write "$dir/F"
if [ -z "$temp" ]; then
  fail "no SIGKILL landed mid-write in 60 tries: the test proved nothing"
else
  pass "a writer killed mid-write (pid $killed) left '${temp##*/}'"
  check "the killed writer is gone" sh -c "! kill -0 $killed 2>/dev/null"
  sleep 300 &
  sleeper=$!
  echo partial >"$dir/.F.tmp-$sleeper-0"                 # a live writer's, written now
  echo partial >"$dir/.F.tmp-$sleeper-1"                 # written before that process started:
  touch -d '1 hour ago' "$dir/.F.tmp-$sleeper-1"          # the pid was reused
  echo partial >"$dir/.G.tmp-$killed-0"                  # another file's
  echo partial >"$dir/.F.tmp-x$killed-0"                 # not a temporary name
  # not a regular file; its counter is past the writer's 100000 writes, so it never
  # names the killed writer's own leftover (which can carry any counter up to that)
  ln -s "$dir/victim" "$dir/.F.tmp-$killed-999999"
  echo victim >"$dir/victim"
  run "$atomic" --file "$dir/F" --times 1 --size 16 --clean
  check "the next write succeeds" [ "$rc" = 0 ]
  check "it removed two stale temporaries" [ "$(cat "$work/out")" = "removed 2" ]
  check "the killed writer's temporary is gone" [ ! -e "$temp" ]
  check "a reused pid's temporary is gone" [ ! -e "$dir/.F.tmp-$sleeper-1" ]
  check "a live writer's temporary is kept" [ -f "$dir/.F.tmp-$sleeper-0" ]
  check "another file's temporary is kept" [ -f "$dir/.G.tmp-$killed-0" ]
  check "a name that is not a temporary is kept" [ -f "$dir/.F.tmp-x$killed-0" ]
  check "a link is not removed" [ -L "$dir/.F.tmp-$killed-999999" ]
  check "a link is not followed: its target is unchanged" [ "$(cat "$dir/victim")" = victim ]
  check "the file holds the new version, whole" [ "$(head -n 1 "$dir/F")" = "v1 16" ]
  check "the file holds the new version, whole (second condition)" [ "$(tail -n 1 "$dir/F")" = "end v1" ]
  writer=$sleeper
  kill "$sleeper" 2>/dev/null || true
  wait "$sleeper" 2>/dev/null || true
  sleeper=''
  run "$atomic" --file "$dir/F" --times 1 --size 16 --clean
  check "once the live writer is gone, its temporary goes too" [ "$(cat "$work/out")" = "removed 1" ] &&
    [ ! -e "$dir/.F.tmp-$writer-0" ]
fi

# ---- b. okstra-migrate: the journal's temporary in the project root ------------------
P="$work/proj"
mkdir -p "$P/.project-docs/okstra/tasks"
echo '{"projectId":"demo"}' >"$P/.project-docs/okstra/project.json"
kill_mid_write "$P/.okstra-migrate.journal.json"
# As when okstra-migrate dies in its first journal write: a temporary, no journal.
rm -f "$P/.okstra-migrate.journal.json"
if [ -z "$temp" ]; then
  fail "no SIGKILL landed mid-write of the journal in 60 tries"
else
  check "a killed journal write left '${temp##*/}' in the project root" [ -f "$temp" ]
  run "$migrate" --cwd "$P" -c
  check "the dry run leaves it (it writes nothing)" [ "$rc" = 0 ]
  check "the dry run leaves it (it writes nothing) (second condition)" [ -f "$temp" ]
  run "$migrate" --cwd "$P" --apply -c
  check "the next --apply migrates" [ "$rc" = 0 ]
  check "the next --apply migrates (second condition)" [ -f "$P/.okstra/project.json" ]
  check "the next --apply removed the journal's temporary" [ ! -e "$temp" ]
  check "nothing is left in the project root" [ "$(ls -A "$P")" = .okstra ]
fi

# ---- c. prepare's shared files drop a dead writer's temporaries ------------------------
repo="$work/repo"
new_repo "$repo"
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$2"; }
sh -c 'exit 0' &
dead=$!
wait "$dead" || true
run "$prepare" --project-root "$repo" --task-key p/g/one --task-type error-analysis --base-ref main -c
check "a first prepare exits 0" [ "$rc" = 0 ]
run_dir=$(field runDir "$work/out")
set -- "$OKSTRA_HOME/worktrees/.registry.json" "$OKSTRA_HOME/.active.jsonl" "$OKSTRA_HOME/projects/.p.json" \
  "$repo/.okstra/discovery/.latest-task.json" "$repo/.okstra/discovery/.task-catalog.json"
for prefix in "$@"; do echo partial >"$prefix.tmp-$dead-0"; done
run "$prepare" --project-root "$repo" --task-key p/g/one --task-type error-analysis --base-ref main -c
check "a second prepare exits 0" [ "$rc" = 0 ]
run "$prepare" finish --run-dir "$run_dir" --status completed -c
check "finish exits 0" [ "$rc" = 0 ]
for prefix in "$@"; do
  check "a dead writer's '${prefix##*/}.tmp-…' is removed" [ ! -e "$prefix.tmp-$dead-0" ]
done

# ---- d. seq claims -----------------------------------------------------------------------
prompts="$run_dir/prompts"
reports="$run_dir/reports"
check "the finished runs' claims hold their prompts and an owner marker" \
  [ -f "$prompts/001/run-inputs.json" ] && [ -f "$prompts/002/run-inputs.json" ] && [ -f "$prompts/001/.claim" ]
# A prepare killed right after its claim (run-paths), for real.
set -- --project-root "$repo" --task-key p/g/one --task-type error-analysis --base-ref main -c
OKSTRA_TEST_PAUSE_AT=run-paths OKSTRA_TEST_RESUME_FILE="$work/never" "$prepare" "$@" >"$work/crash.out" 2>"$work/crash.err" &
pid=$!
check "a prepare paused at run-paths" wait_for_pause "$work/crash.err" "run-paths"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
check "the killed prepare left claim 003 with only its marker" [ "$(ls -A "$prompts/003")" = .claim ]
check "the marker names the killed prepare" [ "$(cat "$prompts/003/.claim")" = "$pid" ]
# A finished run whose prompts were cleared by hand: its seq has a report.
mkdir "$prompts/004"
echo report >"$reports/final-report-error-analysis-004.md"
# A claim of an older okstra (no marker), and one whose marker names a pid
# that a later process reuses.
mkdir "$prompts/005" "$prompts/006"
# A draft claim of a prepare killed before its rename (its pid is gone).
mkdir "$prompts/.claim-draft-$dead-0"
echo "$dead" >"$prompts/.claim-draft-$dead-0/.claim"
sleep 300 &
sleeper=$!
echo "$sleeper" >"$prompts/006/.claim"
touch -d '1 hour ago' "$prompts/006/.claim"
run "$prepare" "$@"
check "the next prepare exits 0" [ "$rc" = 0 ]
check "the next prepare takes seq 5 (stale claims 003, 005, 006 removed)" grep -q '"seq":5,' "$work/out"
check "the killed prepare's claim is gone" [ ! -e "$prompts/003" ]
check "the reused pid's claim is gone" [ ! -e "$prompts/006" ]
check "the killed prepare's draft claim is gone" [ ! -e "$prompts/.claim-draft-$dead-0" ]
check "the new run fills claim 005" [ -f "$prompts/005/run-inputs.json" ]
check "a seq with a report keeps its (empty) folder" [ -d "$prompts/004" ]
check "the finished runs are untouched" [ -f "$prompts/001/run-inputs.json" ]
check "the finished runs are untouched (second condition)" [ -f "$prompts/002/run-inputs.json" ]
kill "$sleeper" 2>/dev/null || true
wait "$sleeper" 2>/dev/null || true
sleeper=''
# A live prepare's claim is never removed, even by a prepare that does not
# share its task lock (another home): it is paused at run-paths, alive.
OKSTRA_TEST_PAUSE_AT=run-paths OKSTRA_TEST_RESUME_FILE="$work/resume" "$prepare" "$@" --render-only \
  >"$work/live.out" 2>"$work/live.err" &
live=$!
check "a second prepare paused at run-paths" wait_for_pause "$work/live.err" "run-paths"
check "its claim 006 holds only its marker" [ "$(ls -A "$prompts/006")" = .claim ]
run env OKSTRA_HOME="$work/home2" "$prepare" "$@" --render-only
check "a prepare of another home exits 0" [ "$rc" = 0 ]
check "it took seq 7, leaving the live claim 006" grep -q '"seq":7,' "$work/out" && [ -f "$prompts/006/.claim" ]
touch "$work/resume"
live_rc=0
wait "$live" || live_rc=$?
check "the paused prepare then completes in its claim" [ "$live_rc" = 0 ] && grep -q '"seq":6,' "$work/live.out" &&
  [ -f "$prompts/006/run-inputs.json" ]

# ---- e. okstra-usage: an unreadable folder is a warning and a count ---------------------
# As root every folder is readable: the check then runs a copy of the binary
# as nobody, in a folder nobody can reach (lib.sh reach_nobody).
reach_nobody "$usage" || skip "the unreadable-folder checks: $nobody_why"
u="$reach/usage"
mkdir -p "$u/claude/projects/-a" "$u/claude/projects/-b" "$u/codex/sessions/2026" "$u/home"
cp "$OKSTRA_SOURCE_ROOT"/tests/data/usage/claude/projects/*/*.jsonl "$u/claude/projects/-a/"
cp "$u/claude/projects/-a/11111111-aaaa.jsonl" "$u/claude/projects/-b/"
chmod -R a+rX "$u"
chmod 777 "$u/home"
chmod 000 "$u/claude/projects/-b" "$u/codex/sessions/2026"
usage_run() { # usage_run NAME [ARGS...]: --json of claude and codex into $work/NAME.json
  name=$1
  shift
  set +e
  as_nobody env OKSTRA_HOME="$u/home" "$reach/bin/okstra-usage" daily --json --source claude,codex --claude-dir "$u/claude" \
    --codex-dir "$u/codex" "$@" >"$work/$name.json" 2>"$work/$name.err"
  rc=$?
  set -e
}
for pass_name in cold cached; do
  usage_run "$pass_name"
  check "$pass_name run: exit 0" [ "$rc" = 0 ]
  check "$pass_name run: a warning names the unreadable Claude folder" \
    grep -q "^okstra-usage: warning: cannot read '$u/claude/projects/-b': Permission denied$" "$work/$pass_name.err"
  check "$pass_name run: a warning names the unreadable Codex folder" \
    grep -q "^okstra-usage: warning: cannot read '$u/codex/sessions/2026': Permission denied$" "$work/$pass_name.err"
  check "$pass_name run: bySource counts them" \
    [ "$(json_field "$work/$pass_name.json" "d['bySource']['claude']['unreadable'], d['bySource']['codex']['unreadable']")" = "1 1" ]
  check "$pass_name run: the readable files still count" \
    [ "$(json_field "$work/$pass_name.json" "d['bySource']['claude']['files']")" = 3 ]
done
chmod 755 "$u/claude/projects/-b" "$u/codex/sessions/2026"
usage_run readable
check "once readable: no warning about folders" lacks 'cannot read' "$work/readable.err"
check "once readable: unreadable is 0 and the folder's file counts" \
  [ "$(json_field "$work/readable.json" "d['bySource']['claude']['unreadable'], d['bySource']['claude']['files']")" = "0 4" ]

finish
