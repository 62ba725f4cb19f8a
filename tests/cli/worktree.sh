#!/bin/sh
# okstra-worktree on real git repositories: lookup, list, reconcile (and
# --dry-run), remove, exit codes and JSON fields; and 8 processes provisioning
# stage 'auto' of one key at once (through okstra-test-worktree, which calls
# the library as okstra-prepare will) getting 8 different stages; a version-1
# registry; a registered folder git forgot, and the command its hint names.
set -eu
tool="$OKSTRA_BUILD_ROOT/okstra-worktree"
driver="$OKSTRA_TEST_TOOLS/okstra-test-worktree"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_WORKTREE_SYNC_DIRS || true
status_of() { set +e; "$@" >"$work/out" 2>"$work/err"; rc=$?; set -e; echo "$rc"; }

repo="$work/repo"
new_repo "$repo"

# 1. Provision two tasks (driver), then lookup and list.
"$driver" --project-root "$repo" --task-key p/g/one --base-ref main -c >"$work/one.json"
"$driver" --project-root "$repo" --task-key q/g/two --base-ref main --work-category bugfix -c >/dev/null
check "driver created the first worktree" grep -q '"status":"created"' "$work/one.json"
rc=$(status_of "$tool" lookup p/g/one)
check "lookup exits 0" [ "$rc" = 0 ]
for field in '"key": "p/g/one"' '"row": "p+g+one"' '"branch": "feat-one"' '"status": "active"' '"present": true' \
    '"baseRef": "main"' '"projectRoot": ' '"createdAt": '; do
  check "lookup prints $field" grep -q "$field" "$work/out"
done
rc=$(status_of "$tool" lookup p:g:missing)
check "lookup of an unknown key exits 1" [ "$rc" = 1 ]
check "lookup error wording" grep -q "^okstra-worktree: error: no worktree registered for 'p/g/missing'" "$work/err"
check "nothing on stdout after an error" [ ! -s "$work/out" ]
rc=$(status_of "$tool" list -c)
check "list exits 0" [ "$rc" = 0 ]
check "list -c is one line" [ "$(wc -l <"$work/out")" = 1 ]
check "list shows both" grep -q '"branch":"fix-two"' "$work/out"
"$tool" list --project p -c >"$work/out"
check "list --project filters" sh -c "! grep -q fix-two '$work/out' && grep -q feat-one '$work/out'"
rc=$(status_of "$tool" lookup 'a/b')
check "a malformed key exits 2" [ "$rc" = 2 ]
rc=$(status_of "$tool" frobnicate)
check "an unknown command exits 2" [ "$rc" = 2 ]
rc=$(status_of "$tool" list --bogus)
check "an unknown option exits 2" [ "$rc" = 2 ]
check "--help exits 0" "$tool" --help >/dev/null
check "remove --help exits 0" "$tool" remove --help >/dev/null

# 2. Reconcile: a vanished folder; --dry-run changes nothing.
path=$(sed -n 's/.*"path":"\([^"]*\)".*/\1/p' "$work/one.json")
rm -rf "$path"
cp "$OKSTRA_HOME/worktrees/registry.json" "$work/registry.before"
rc=$(status_of "$tool" reconcile --dry-run)
check "reconcile --dry-run exits 0" [ "$rc" = 0 ]
check "dry run reports the row" grep -q '"row": "p+g+one"' "$work/out"
check "dry run says so on stderr" grep -q "dry run" "$work/err"
check "dry run leaves the registry" cmp -s "$work/registry.before" "$OKSTRA_HOME/worktrees/registry.json"
check "dry run leaves git" sh -c "git -C '$repo' worktree list --porcelain | grep -q 'prunable'"
rc=$(status_of "$tool" reconcile -c)
check "reconcile exits 0" [ "$rc" = 0 ]
check "reconcile keeps the row of a folder whose branch exists" grep -q '"kept":\[{"key":"p/g/one"' "$work/out"
check "the row is now kept" sh -c "'$tool' lookup p/g/one -c | grep -q '\"status\":\"kept\"'"
check "reconcile pruned git" sh -c "! git -C '$repo' worktree list --porcelain | grep -q prunable"
check "reconcile reports dryRun false" grep -q '"dryRun":false' "$work/out"
git -C "$repo" branch -D -q feat-one
rc=$(status_of "$tool" reconcile -c)
check "reconcile drops the row once its branch is gone too" grep -q '"dropped":\[{"key":"p/g/one"' "$work/out"
check "the row is gone" lacks 'p+g+one' "$OKSTRA_HOME/worktrees/registry.json"

# 3. Remove: dirty refused (1), --force, --delete-branch; corrupt registry (3).
two=$(sed -n 's/.*"path":"\([^"]*\)".*/\1/p' "$work/out" | head -1)
two=$("$tool" lookup q/g/two -c | sed -n 's/.*"path":"\([^"]*\)".*/\1/p')
echo dirty >"$two/dirty"
rc=$(status_of "$tool" remove q/g/two)
check "remove of a dirty worktree exits 1" [ "$rc" = 1 ]
check "the refusal names uncommitted changes" grep -q "uncommitted changes" "$work/err"
rc=$(status_of "$tool" remove q/g/two --force --delete-branch -c)
check "remove --force --delete-branch exits 0" [ "$rc" = 0 ]
check "worktree folder gone" [ ! -e "$two" ]
check "branch deleted" sh -c "! git -C '$repo' show-ref --verify --quiet refs/heads/fix-two"
check "deletedBranches reported" grep -q '"deletedBranches":\["fix-two"\]' "$work/out"
rc=$(status_of "$tool" remove q/g/two)
check "remove of an unknown key exits 1" [ "$rc" = 1 ]
printf '{broken' >"$OKSTRA_HOME/worktrees/registry.json"
rc=$(status_of "$tool" list)
check "corrupt registry exits 3" [ "$rc" = 3 ]
check "corrupt registry error names the file" grep -q "registry.json'" "$work/err"
check "corrupt registry is kept" [ "$(cat "$OKSTRA_HOME/worktrees/registry.json")" = '{broken' ]
rm "$OKSTRA_HOME/worktrees/registry.json"

# 4. Rollback across a process: an injected failure leaves nothing behind.
git -C "$repo" worktree list --porcelain >"$work/wt.before"
git -C "$repo" branch >"$work/br.before"
rc=$(status_of "$driver" --project-root "$repo" --task-key p/g/rb --base-ref main --stage 1 --fail-after)
check "injected failure exits 3" [ "$rc" = 3 ]
git -C "$repo" worktree list --porcelain >"$work/wt.after"
git -C "$repo" branch >"$work/br.after"
check "rollback: git worktree list unchanged" cmp -s "$work/wt.before" "$work/wt.after"
check "rollback: branches unchanged" cmp -s "$work/br.before" "$work/br.after"
check "rollback: no registry row" lacks 'p+g+rb' "$OKSTRA_HOME/worktrees/registry.json"

# 5. Eight concurrent 'auto' stage provisions on one key, eight independent stages.
printf '{"stages":[{"n":1},{"n":2},{"n":3},{"n":4},{"n":5},{"n":6},{"n":7},{"n":8}]}' >"$work/data.json"
pids=
for i in 1 2 3 4 5 6 7 8; do
  "$driver" --project-root "$repo" --task-key p/g/par --base-ref main --stage auto \
    --stage-map "$work/data.json" -c >"$work/par$i.json" 2>"$work/par$i.err" &
  pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "a concurrent provision exited non-zero"; done
stages=$(cat "$work"/par*.json | sed -n 's/.*"stage":\([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')
check "8 concurrent runs got stages 1..8 ($stages)" [ "$stages" = "1 2 3 4 5 6 7 8 " ]
check "8 stage worktrees in git" [ "$(git -C "$repo" worktree list | grep -c 'par.stages/stage-')" = 8 ]
rc=$(status_of "$driver" --project-root "$repo" --task-key p/g/par --stage auto --stage-map "$work/data.json")
check "a ninth auto run is refused (exit 1)" [ "$rc" = 1 ]
check "the refusal says no stage is ready" grep -q "no stage is ready" "$work/err"
rc=$(status_of "$tool" remove p/g/par --delete-branch -c)
check "remove of the task and its 8 stages exits 0" [ "$rc" = 0 ]
check "all nine removed" [ "$(grep -o '"row":' "$work/out" | wc -l)" = 9 ]
check "no worktree left but main" [ "$(git -C "$repo" worktree list | wc -l)" = 1 ]

# 6. A version-1 registry (branches keyed by name alone) still reads, and the
# next write stores version 2 (branches keyed by repository).
"$driver" --project-root "$repo" --task-key p/g/old --base-ref main -c >/dev/null
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["version"] = 1
d["branches"] = {b: r for owned in d["branches"].values() for b, r in owned.items()}
json.dump(d, open(sys.argv[1], "w"))
' "$OKSTRA_HOME/worktrees/registry.json"
json_true() { json_field "$@" >/dev/null; }  # exit status of a Python condition
check "the registry is now version 1" json_true "$OKSTRA_HOME/worktrees/registry.json" "d['version'] == 1 or exit(1)"
rc=$(status_of "$tool" lookup p/g/old -c)
check "a version-1 registry reads (lookup exits 0)" [ "$rc" = 0 ]
"$driver" --project-root "$repo" --task-key p/g/new --base-ref main -c >/dev/null
check "the next write stores version 2, branches by repository" json_true "$OKSTRA_HOME/worktrees/registry.json" \
  "(d['version'] == 2 and d['branches'][d['entries']['p+g+old']['projectRoot']]['feat-old'] == 'p+g+old') or exit(1)"

# 7. A registered folder git no longer knows: provisioning names a command that works.
"$driver" --project-root "$repo" --task-key p/g/lost --base-ref main -c >/dev/null
lost="$OKSTRA_HOME/worktrees/p/g/lost"
rm -f "$lost/.git"
git -C "$repo" worktree prune
rc=$(status_of "$driver" --project-root "$repo" --task-key p/g/lost -c)
check "a registered folder git forgot: exit 3" [ "$rc" = 3 ]
hint_cmd=$(sed -n "s/^hint: '\(okstra-worktree remove [^']*\)'.*/\1/p" "$work/err")
check "the hint names a remove command ($hint_cmd)" [ "$hint_cmd" = "okstra-worktree remove p/g/lost --force" ]
rc=$(status_of "$tool" remove p/g/lost)
check "remove without --force refuses to lose the folder's files (exit 1)" [ "$rc" = 1 ]
rc=$(status_of "$tool" ${hint_cmd#okstra-worktree })
check "the hinted command works" [ "$rc" = 0 ]
check "the hinted command works (second condition)" [ ! -e "$lost" ]
rc=$(status_of "$driver" --project-root "$repo" --task-key p/g/lost -c)
check "provisioning then re-creates it on the kept branch" [ "$rc" = 0 ] && grep -q '"status":"created"' "$work/out"

finish
