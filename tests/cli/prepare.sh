#!/bin/sh
# okstra-prepare end to end on real git repositories in a temporary folder:
# phases, reuse, degrade, finish (a); rollback of an injected failure (b);
# 16 concurrent '--stage auto' runs (c); SIGKILL at every named step, then
# reconcile and a re-run (d); stage dependencies and merge-base (e); kills
# inside 'git worktree add', a killed remove, kept branches, one branch name
# in two repositories (f); the install check, usage errors and refusals.
set -eu
tool="$OKSTRA_BUILD_ROOT/okstra-prepare"
wtool="$OKSTRA_BUILD_ROOT/okstra-worktree"
plans="$OKSTRA_SOURCE_ROOT/tests/data/plans"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" OKSTRA_SKIP_INSTALL_CHECK=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_WORKTREE_SYNC_DIRS OKSTRA_TEST_PAUSE_AT OKSTRA_TEST_RESUME_FILE || true
status_of() { set +e; "$@" >"$work/out" 2>"$work/err"; rc=$?; set -e; echo "$rc"; }
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$2"; }  # string field of a -c JSON file
# approved_plan DIR STAGES_JSON: the bundled valid plan with a data.json holding that stage map.
approved_plan() {
  mkdir -p "$1"
  cp "$plans/valid-approved/plan.md" "$1/plan.md"
  printf '{"approval":{"approved":true},"stages":%s}\n' "$2" >"$1/data.json"
}
repo="$work/repo"
new_repo "$repo"
git -C "$repo" checkout -q -b dev
echo dev >"$repo/dev.txt"
git -C "$repo" add dev.txt
git -C "$repo" commit -q -m dev
git -C "$repo" checkout -q main

# ---- a. phases, reuse, degrade, finish --------------------------------------------
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/one --task-type error-analysis --base-ref dev)
check "first phase exits 0" [ "$rc" = 0 ]
for f in projectRoot taskKey taskType stage seq runDir reportPath worktreePath branch baseRef baseCommit \
    executor workers models prTemplate okstraVersion toolVersion createdAt; do
  check "run context has $f" grep -q "^  \"$f\": " "$work/out"
done
check "worktree created (stderr)" grep -q "task worktree created" "$work/err"
check "toolVersion is this program's version" grep -qF "\"toolVersion\": \"$("$tool" --version | sed 's/.* //')\"" "$work/out"
# The okstra home is private: a looser one (0755) is tightened to 0700 with a note.
check "the home is 0700 after a first phase" [ "$(stat -c %a "$OKSTRA_HOME")" = 700 ]
chmod 755 "$OKSTRA_HOME"
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/one --task-type error-analysis --render-only)
check "a prepare with a 0755 home exits 0" [ "$rc" = 0 ]
check "...and tightens the home to 0700" [ "$(stat -c %a "$OKSTRA_HOME")" = 700 ]
check "...with a note naming the old mode" grep -qF "tightened the okstra home '$OKSTRA_HOME' to mode 0700 (was 0755)" "$work/err"
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/one --task-type error-analysis --render-only)
check "a 0700 home: no note" lacks "tightened" "$work/err"
check "project.json created" [ -f "$repo/.okstra/project.json" ]
wt_one="$OKSTRA_HOME/worktrees/p/g/one"
check "branch feat-one exists" git -C "$repo" show-ref --verify --quiet refs/heads/feat-one
check "git lists the worktree" sh -c "git -C '$repo' worktree list | grep -q '^$wt_one '"
check "branch starts at --base-ref" [ "$(git -C "$repo" rev-parse feat-one)" = "$(git -C "$repo" rev-parse dev)" ]
check "baseCommit is dev's commit" grep -q "\"baseCommit\": \"$(git -C "$repo" rev-parse dev)\"" "$work/out"
check "worktreePath is the task worktree" grep -q "\"worktreePath\": \"$wt_one\"" "$work/out"
run_one=$(sed -n 's/^  "runDir": "\(.*\)",$/\1/p' "$work/out")
check "run-context.json written" [ -f "$run_one/run-context.json" ]
rc=$(status_of "$tool" --project-root "$repo" --task-key p:g:one --task-type implementation-planning -c)
check "second phase exits 0" [ "$rc" = 0 ]
check "second phase reuses the worktree" grep -q "task worktree reused '$wt_one'" "$work/err"
check "-c prints one line" [ "$(wc -l <"$work/out")" = 1 ]
check "same worktree path" [ "$(field worktreePath "$work/out")" = "$wt_one" ]
check "same branch" [ "$(field branch "$work/out")" = feat-one ]
check "one worktree for the key" [ "$(git -C "$repo" worktree list | grep -c "/p/g/one")" = 1 ]
check "two runs active" [ "$(grep -c '"taskKey":"p/g/one"' "$OKSTRA_HOME/active.jsonl")" = 2 ]

plain="$work/plain"
mkdir -p "$plain"
rc=$(status_of "$tool" --project-root "$plain" --project-id plain --task-group g --task-id t --task-type error-analysis -c)
check "not a git repository: exit 0" [ "$rc" = 0 ]
check "not a git repository: skipped-not-git" grep -q "skipped-not-git" "$work/err"
check "not a git repository: worktreePath is the project" [ "$(field worktreePath "$work/out")" = "$(cd -P "$plain" && pwd)" ]
check "not a git repository: branch null" grep -q '"branch":null' "$work/out"

rc=$(status_of "$tool" finish --run-dir "$run_one" --status completed -c)
check "finish exits 0" [ "$rc" = 0 ]
check "finish prints the status" grep -q '"status":"completed"' "$work/out"
check "finished run left active.jsonl" lacks "\"runDir\":\"$run_one\"" "$OKSTRA_HOME/active.jsonl"
check "finished run is completed in recent.jsonl" \
  sh -c "grep '\"runDir\":\"$run_one\"' '$OKSTRA_HOME/recent.jsonl' | tail -1 | grep -q '\"status\":\"completed\"'"
rc=$(status_of "$tool" finish --run-dir "$run_one" --status completed)
check "finishing twice exits 1" [ "$rc" = 1 ]
rc=$(status_of "$tool" finish --run-dir "$run_one" --status done)
check "an unknown status exits 2" [ "$rc" = 2 ]

# Render only: the bundle, but no worktree, discovery file or run record.
lines=$(wc -l <"$OKSTRA_HOME/active.jsonl")
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/render --task-type error-analysis --render-only -c)
check "--render-only exits 0" [ "$rc" = 0 ]
check "--render-only wrote the bundle" [ -f "$repo/.okstra/tasks/g/render/instruction-set/task-brief.md" ]
check "--render-only created no worktree" [ ! -e "$OKSTRA_HOME/worktrees/p/g/render" ]
check "--render-only recorded no run" [ "$(wc -l <"$OKSTRA_HOME/active.jsonl")" = "$lines" ]

# Usage errors, refusals, the install check.
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/one --task-type error-analysis --bogus)
check "an unknown option exits 2" [ "$rc" = 2 ]
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/one)
check "no --task-type exits 2" [ "$rc" = 2 ]
check "usage error wording" grep -q "^okstra-prepare: error: missing required option '--task-type'" "$work/err"
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/one --task-type implementation --stage 1)
check "implementation without --approved-plan exits 2" [ "$rc" = 2 ]
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/one --task-type implementation --stage 1 \
  --approved-plan "$plans/blocked/plan.md")
check "a blocked plan exits 1" [ "$rc" = 1 ]
check "the refusal names the plan" grep -q "^okstra-prepare: error: approved plan refused '.*blocked/plan.md'" "$work/err"
check "the refusal gives the reasons" grep -q "^hint: .*C-0" "$work/err"
check "nothing on stdout after a refusal" [ ! -s "$work/out" ]
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/one --task-type implementation --stage 7 \
  --approved-plan "$plans/valid-approved/plan.md")
check "a stage outside the plan's map exits 2" [ "$rc" = 2 ]
check "the stage error names the stage" grep -q "stage is not in the plan's stage map '7'" "$work/err"
check "...before any stage worktree" lacks 'stage worktree' "$work/err"
legacy="$work/legacy"
mkdir -p "$legacy/.project-docs/okstra"
rc=$(status_of "$tool" --project-root "$legacy" --task-key l/g/t --task-type error-analysis)
check "a legacy layout exits 1" [ "$rc" = 1 ]
check "the legacy refusal hints at migrate" grep -q "^hint: .*okstra migrate" "$work/err"
rc=$(status_of env -u OKSTRA_SKIP_INSTALL_CHECK OKSTRA_HOME="$work/empty-home" \
  "$tool" --project-root "$plain" --task-key plain/g/t --task-type error-analysis)
check "install check: exit 3 without an installed home" [ "$rc" = 3 ]
check "install check: names the version stamp" grep -qF "okstra is not installed: missing '$work/empty-home/version'" "$work/err"
check "install check: and every template, on the same line" \
  grep -qF "'$work/empty-home/templates/task-types/release-handoff/report.md'" "$work/err"
check "install check: one error line and one hint line" [ "$(wc -l <"$work/err" | tr -d ' ')" = 2 ]
check "install check: hint says okstra setup" grep -q "^hint: .*okstra setup" "$work/err"

# ---- b. a failure after 'git worktree add' changes nothing -------------------------
snapshot() {  # repo -> hash of git worktrees, branches, registry, project folder, run index
  {
    git -C "$1" worktree list --porcelain
    git -C "$1" branch -a
    cat "$OKSTRA_HOME/worktrees/registry.json" 2>/dev/null || echo no-registry
    (cd "$1" && find .okstra -print 2>/dev/null | sort && find .okstra -type f -exec cat {} + 2>/dev/null) || true
    ls "$OKSTRA_HOME/projects" 2>/dev/null || true
    cat "$OKSTRA_HOME/active.jsonl" "$OKSTRA_HOME/recent.jsonl" 2>/dev/null || true
  } | cksum
}
cp -R "$OKSTRA_SOURCE_ROOT/templates" "$work/good-templates"
mkdir -p "$OKSTRA_HOME"
cp -R "$work/good-templates" "$OKSTRA_HOME/templates"
printf 'broken {{NO_SUCH_VALUE}}\n' >>"$OKSTRA_HOME/templates/instruction-set/timeline.md"
fresh="$work/fresh"
new_repo "$fresh"
before=$(snapshot "$fresh")
rc=$(status_of "$tool" --project-root "$fresh" --task-key f/g/t --task-type error-analysis --base-ref main)
check "injected template failure exits 3" [ "$rc" = 3 ]
check "the error names the placeholder" grep -q "unknown placeholder '{{NO_SUCH_VALUE}}'" "$work/err"
check "the worktree had been created" grep -q "task worktree created" "$work/err"
check "rollback: git, branches, registry, project unchanged" [ "$(snapshot "$fresh")" = "$before" ]
check "rollback: no .okstra in the new project" [ ! -e "$fresh/.okstra" ]
approved_plan "$work/plan2" '[{"n":1},{"n":2,"dependsOn":[1]}]'
before=$(snapshot "$repo")
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/rb --task-type implementation --stage auto \
  --approved-plan "$work/plan2/plan.md" --base-ref main)
check "injected failure after a stage worktree exits 3" [ "$rc" = 3 ]
check "the stage worktree had been created" grep -q "stage worktree created" "$work/err"
check "rollback: task and stage undone, nothing else touched" [ "$(snapshot "$repo")" = "$before" ]
rm -rf "$OKSTRA_HOME/templates"

# The registry cannot be written once 'git worktree add' has run. A post-checkout
# hook (git runs it inside 'git worktree add') leaves a marker and, on request,
# has another process take the registry lock and keep it until the test
# releases it (works as root too; tests/cli/prepare_unwritable.sh makes the
# registry's folder read-only instead, as an unprivileged user). The intent
# row was written before git ran, so the rollback, unable to drop it either,
# leaves it (docs/worktrees.md, "Crash safety"): the
# worktree and the branch are undone, and the next run cleans up the row.
mkdir -p "$work/hooks"
cat >"$work/hooks/post-checkout" <<EOF
#!/bin/sh
touch "$work/worktree-added"
if [ -f "$work/hold-registry" ]; then
  flock "$OKSTRA_HOME/worktrees/registry.lock" \
    sh -c "touch '$work/lock-held'; while [ ! -e '$work/release-lock' ]; do sleep 0.05; done" </dev/null >/dev/null 2>&1 &
  while [ ! -e "$work/lock-held" ]; do sleep 0.02; done
fi
exit 0
EOF
chmod +x "$work/hooks/post-checkout"
blocked="$work/blocked"
new_repo "$blocked"
git -C "$blocked" config core.hooksPath "$work/hooks"
row_status() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['entries'].get(sys.argv[2], {}).get('status', 'none'))" \
  "$OKSTRA_HOME/worktrees/registry.json" "$1"; }
git_snapshot() { { git -C "$1" worktree list --porcelain; git -C "$1" branch -a; } | cksum; }
before=$(git_snapshot "$blocked")
touch "$work/hold-registry"
rc=$(status_of "$tool" --project-root "$blocked" --task-key b/g/t --task-type error-analysis --base-ref main \
  --lock-timeout 0.5)
check "registry lock busy after 'git worktree add' exits 1" [ "$rc" = 1 ]
check "git had added the worktree" [ -e "$work/worktree-added" ]
check "the error names the registry lock" grep -q "lock busy '.*registry.lock'" "$work/err"
check "the rollback says what it left" grep -q "warning: rollback: .*left for the next prepare" "$work/err"
check "rollback after a busy registry: git worktrees and branches unchanged" [ "$(git_snapshot "$blocked")" = "$before" ]
check "rollback after a busy registry: no worktree folder" [ ! -e "$OKSTRA_HOME/worktrees/b/g/t" ]
check "rollback after a busy registry: the intent row stays" [ "$(row_status 'b+g+t')" = provisioning ]
rm -f "$work/hold-registry"
touch "$work/release-lock"
rc=$(status_of "$wtool" reconcile -c)
check "reconcile cleans up the intent" grep -q '"repaired":\[{"key":"b/g/t"' "$work/out"
check "the intent row is gone" [ "$(row_status 'b+g+t')" = none ]
rc=$(status_of "$tool" --project-root "$blocked" --task-key b/g/t --task-type error-analysis --base-ref main)
check "with the registry writable again the same prepare succeeds" [ "$rc" = 0 ]
check "...and the row is active" [ "$(row_status 'b+g+t')" = active ]

# ---- c. 16 concurrent '--stage auto' runs on one key -------------------------------
stages16='[{"n":1},{"n":2},{"n":3},{"n":4},{"n":5},{"n":6},{"n":7},{"n":8},{"n":9},{"n":10},{"n":11},{"n":12},{"n":13},{"n":14},{"n":15},{"n":16}]'
approved_plan "$work/plan16" "$stages16"
approved_plan "$work/plan4" '[{"n":1},{"n":2},{"n":3},{"n":4}]'
concurrent() {  # key plan tag
  pids=
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
    "$tool" --project-root "$repo" --task-key "$1" --task-type implementation --stage auto --base-ref main \
      --approved-plan "$2" -c >"$work/$3.$i.out" 2>"$work/$3.$i.err" &
    pids="$pids $!"
  done
  ok=0; refusedn=0; other=0
  for p in $pids; do
    set +e; wait "$p"; r=$?; set -e
    case $r in 0) ok=$((ok + 1)) ;; 1) refusedn=$((refusedn + 1)) ;; *) other=$((other + 1)) ;; esac
  done
}
concurrent p/g/par "$work/plan16/plan.md" par
check "16 concurrent runs all succeed ($ok ok, $refusedn refused, $other other)" [ "$ok" = 16 ]
got=$(cat "$work"/par.*.out | sed -n 's/.*"stage":\([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')
check "16 different stages ($got)" [ "$got" = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 " ]
reg_stages=$(grep -o '"p+g+par#stage-[0-9]*"' "$OKSTRA_HOME/worktrees/registry.json" | sort -u | sed 's/.*stage-\([0-9]*\)"/\1/' | sort -n | tr '\n' ' ')
git_stages=$(git -C "$repo" worktree list | sed -n 's|.*/par.stages/stage-\([0-9]*\) .*|\1|p' | sort -n | tr '\n' ' ')
act_stages=$(grep '"taskKey":"p/g/par"' "$OKSTRA_HOME/active.jsonl" | sed -n 's/.*"stage":\([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')
check "registry agrees ($reg_stages)" [ "$reg_stages" = "$got" ]
check "git worktree list agrees ($git_stages)" [ "$git_stages" = "$got" ]
check "active.jsonl agrees ($act_stages)" [ "$act_stages" = "$got" ]
check "no torn line in active.jsonl" sh -c "[ -s '$OKSTRA_HOME/active.jsonl' ] && ! grep -qv '^{.*}\$' '$OKSTRA_HOME/active.jsonl'"
check "no torn line in recent.jsonl" sh -c "[ -s '$OKSTRA_HOME/recent.jsonl' ] && ! grep -qv '^{.*}\$' '$OKSTRA_HOME/recent.jsonl'"
concurrent p/g/four "$work/plan4/plan.md" four
check "4 stages: 4 succeed, 12 refused ($ok ok, $refusedn refused, $other other)" \
  [ "$ok/$refusedn/$other" = "4/12/0" ]
check "the refusals say no stage is ready" [ "$(grep -l "no stage is ready for 'p/g/four'" "$work"/four.*.err | wc -l)" = 12 ]
got=$(cat "$work"/four.*.out | sed -n 's/.*"stage":\([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')
check "4 different stages ($got)" [ "$got" = "1 2 3 4 " ]
check "4 stage worktrees in git" [ "$(git -C "$repo" worktree list | grep -c '/four.stages/stage-')" = 4 ]
check "4 active runs" [ "$(grep -c '"taskKey":"p/g/four"' "$OKSTRA_HOME/active.jsonl")" = 4 ]

# ---- d. SIGKILL at every named step; reconcile repairs, a re-run completes ---------
approved_plan "$work/plan1" '[{"n":1}]'
for step in project task-lock worktree stage run-paths bundle records record-start; do
  key="p/g/crash-$step"
  set -- --project-root "$repo" --task-key "$key" --task-type implementation --stage 1 --base-ref main \
    --approved-plan "$work/plan1/plan.md" -c --lock-timeout 20
  rm -f "$work/crash.err"  # no stale pause line from the previous iteration
  OKSTRA_TEST_PAUSE_AT=$step OKSTRA_TEST_RESUME_FILE="$work/never" "$tool" "$@" >"$work/crash.out" 2>"$work/crash.err" &
  pid=$!
  check "paused at $step" wait_for_pause "$work/crash.err" "$step"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  rc=$(status_of "$wtool" reconcile -c)
  check "reconcile after a kill at $step exits 0" [ "$rc" = 0 ]
  check "git has no prunable worktree after $step" sh -c "! git -C '$repo' worktree list --porcelain | grep -q prunable"
  rc=$(status_of "$tool" "$@")
  check "re-run after a kill at $step exits 0" [ "$rc" = 0 ]
  check "re-run after $step runs in the stage worktree" [ "$(field worktreePath "$work/out")" = "$OKSTRA_HOME/worktrees/p/g/crash-$step.stages/stage-1" ]
  check "the stage worktree is a git worktree after $step" [ -e "$OKSTRA_HOME/worktrees/p/g/crash-$step.stages/stage-1/.git" ]
  rc=$(status_of "$tool" finish --run-dir "$(field runDir "$work/out")" --status completed -c)
  check "the re-run finishes after $step" [ "$rc" = 0 ]
done
check "no torn line after the kills" sh -c "[ -s '$OKSTRA_HOME/active.jsonl' ] && ! grep -qv '^{.*}\$' '$OKSTRA_HOME/active.jsonl'"

# ---- d2. a stage left 'active' by a killed '--stage auto' run is freed by reconcile --
# Killed once the stage row is claimed and before the run is recorded, the row
# stays active with no active.jsonl line; reconcile frees it so auto picks it again.
stage_row_status() { "$wtool" lookup "$1" -c | sed -n "s/.*\"row\":\"$2\"[^}]*\"status\":\"\([a-z]*\)\".*/\1/p"; }
for step in stage run-paths bundle records; do
  key="p/g/auto-$step"; row="p+g+auto-$step#stage-1"
  set -- --project-root "$repo" --task-key "$key" --task-type implementation --stage auto --base-ref main \
    --approved-plan "$work/plan1/plan.md" -c --lock-timeout 20
  rm -f "$work/crash.err"  # no stale pause line from the previous iteration
  OKSTRA_TEST_PAUSE_AT=$step OKSTRA_TEST_RESUME_FILE="$work/never" "$tool" "$@" >"$work/crash.out" 2>"$work/crash.err" &
  pid=$!
  check "auto run paused at $step" wait_for_pause "$work/crash.err" "$step"
  rc=$(status_of "$wtool" reconcile -c)
  check "reconcile leaves the stage of a paused prepare ($step)" grep -q '"settledStages":\[\]' "$work/out"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  check "the killed auto run left stage 1 active ($step)" [ "$(stage_row_status "$key" "$row")" = active ]
  rc=$(status_of "$tool" "$@")
  check "before reconcile, auto finds no stage after $step (exit 1)" [ "$rc" = 1 ]
  rc=$(status_of "$wtool" reconcile --dry-run -c)
  check "reconcile --dry-run names the stage ($step)" grep -q "\"settledStages\":\\[{[^]]*\"row\":\"$row\"" "$work/out"
  check "reconcile --dry-run changes nothing ($step)" [ "$(stage_row_status "$key" "$row")" = active ]
  rc=$(status_of "$wtool" reconcile -c)
  check "reconcile frees the stage ($step)" [ "$(stage_row_status "$key" "$row")" = released ]
  check "reconcile reports the freed stage ($step)" grep -q "\"row\":\"$row\"[^}]*\"status\":\"released\"" "$work/out"
  rc=$(status_of "$tool" "$@")
  check "auto picks stage 1 again after $step" grep -q '"stage":1,' "$work/out"
  run_dir=$(field runDir "$work/out")
  rc=$(status_of "$wtool" reconcile -c)
  check "reconcile leaves a running stage alone ($step)" [ "$(stage_row_status "$key" "$row")" = active ]
  rc=$(status_of "$tool" finish --run-dir "$run_dir" --status completed -c)
  check "the auto re-run finishes after $step" [ "$rc" = 0 ]
done
# finish killed after it closed the run in the index but before it told the
# registry: the state such a kill leaves, made by hand; reconcile completes the row.
key=p/g/auto-stage; row='p+g+auto-stage#stage-1'
cp "$OKSTRA_HOME/worktrees/registry.json" "$work/registry.before"
sed 's/"status": "completed"/"status": "active"/' "$work/registry.before" >"$OKSTRA_HOME/worktrees/registry.json"
check "the hand-made state has stage 1 active" [ "$(stage_row_status "$key" "$row")" = active ]
rc=$(status_of "$wtool" reconcile -c)
check "reconcile completes a stage whose last run completed" [ "$(stage_row_status "$key" "$row")" = completed ]

# ---- e. stage dependencies ---------------------------------------------------------
approved_plan "$work/plandep" '[{"n":1},{"n":2},{"n":3,"dependsOn":[1,2]},{"n":4,"dependsOn":[3]}]'
dep() { status_of "$tool" --project-root "$repo" --task-key p/g/dep --task-type implementation --stage auto \
  --base-ref main --approved-plan "$work/plandep/plan.md" -c; }
rc=$(dep); cp "$work/out" "$work/dep1"
check "auto picks stage 1" grep -q '"stage":1,' "$work/dep1"
rc=$(dep); cp "$work/out" "$work/dep2"
check "auto picks stage 2" grep -q '"stage":2,' "$work/dep2"
rc=$(dep)
check "stage 3 waits for 1 and 2 (exit 1)" [ "$rc" = 1 ]
# Move the task branch on, so the merge-base of the stages differs from its tip.
task_wt="$OKSTRA_HOME/worktrees/p/g/dep"
echo more >"$task_wt/more.txt"
git -C "$task_wt" add more.txt
git -C "$task_wt" commit -q -m more
for s in 1 2; do
  echo "stage $s" >"$(field worktreePath "$work/dep$s")/s$s.txt"
  git -C "$(field worktreePath "$work/dep$s")" add "s$s.txt"
  git -C "$(field worktreePath "$work/dep$s")" commit -q -m "stage $s"
done
rc=$(status_of "$tool" finish --run-dir "$(field runDir "$work/dep1")" --status completed -c)
check "finish of stage 1 exits 0" [ "$rc" = 0 ]
check "finish reports stage 1 completed" grep -q '"stageWorktree":"completed"' "$work/out"
"$wtool" lookup p/g/dep -c >"$work/lookup"
check "the registry says stage 1 completed" grep -q '"row":"p+g+dep#stage-1"[^}]*"status":"completed"' "$work/lookup"
rc=$(dep)
check "stage 3 still waits for stage 2 (exit 1)" [ "$rc" = 1 ]
check "the refusal says no stage is ready" grep -q "no stage is ready" "$work/err"
rc=$(status_of "$tool" finish --run-dir "$(field runDir "$work/dep2")" --status error -c)
check "an error releases stage 2" grep -q '"stageWorktree":"released"' "$work/out"
"$wtool" lookup p/g/dep -c >"$work/lookup"
check "the registry says stage 2 released" grep -q '"row":"p+g+dep#stage-2"[^}]*"status":"released"' "$work/lookup"
rc=$(dep); cp "$work/out" "$work/dep2b"
check "auto picks the released stage 2 again" grep -q '"stage":2,' "$work/dep2b"
rc=$(status_of "$tool" finish --run-dir "$(field runDir "$work/dep2b")" --status completed -c)
check "finish of stage 2 exits 0" [ "$rc" = 0 ]
rc=$(dep); cp "$work/out" "$work/dep3"
check "auto picks stage 3 once 1 and 2 are completed" grep -q '"stage":3,' "$work/dep3"
mb=$(git -C "$repo" merge-base feat-dep-stage-1 feat-dep-stage-2)
check "stage 3 starts at the merge-base of 1 and 2" [ "$(field baseCommit "$work/dep3")" = "$mb" ]
check "the merge-base is not the task branch tip" [ "$mb" != "$(git -C "$repo" rev-parse feat-dep)" ]
check "stage 3's branch is at that commit" [ "$(git -C "$repo" rev-parse feat-dep-stage-3)" = "$mb" ]
rc=$(dep)
check "stage 4 waits for stage 3 (exit 1)" [ "$rc" = 1 ]

# ---- f. crash safety: kills inside git, killed remove, kept branches, per-repo branches ----
# A smudge filter holds 'git worktree add' inside its checkout (the worktree
# still git-locked "initializing") until the test lets it go.
slow="$work/slow"
new_repo "$slow"
echo data >"$slow/a.txt"
printf '*.txt filter=slow\n' >"$slow/.gitattributes"
git -C "$slow" add a.txt .gitattributes
git -C "$slow" commit -q -m slow
git -C "$slow" config filter.slow.smudge \
  "touch '$work/in-smudge'; while [ ! -e '$work/smudge-go' ]; do sleep 0.02; done; cat"
slow_prepare() { "$tool" --project-root "$slow" --task-key "$1" --task-type error-analysis --base-ref main -c; }
row_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['entries'].get(sys.argv[2], {}).get('status', 'none'))" \
  "$OKSTRA_HOME/worktrees/registry.json" "$1"; }
wait_for() { n=0; while [ ! -e "$1" ] && [ "$n" -lt 400 ]; do sleep 0.02; n=$((n + 1)); done; [ -e "$1" ]; }
rm -f "$work/in-smudge" "$work/smudge-go"
setsid "$tool" --project-root "$slow" --task-key s/g/grp --task-type error-analysis --base-ref main -c \
  >/dev/null 2>&1 &
pid=$!
check "prepare reached the checkout inside 'git worktree add'" wait_for "$work/in-smudge"
kill -s KILL -- "-$pid"
wait "$pid" 2>/dev/null || true
wt_grp="$OKSTRA_HOME/worktrees/s/g/grp"
check "the kill left the worktree git-locked 'initializing'" \
  sh -c "git -C '$slow' worktree list --porcelain | grep -A4 '^worktree $wt_grp\$' | grep -q '^locked initializing'"
check "the kill left the folder" [ -d "$wt_grp" ]
check "the kill left the branch" git -C "$slow" show-ref --verify --quiet refs/heads/feat-grp
check "the kill left the intent row" [ "$(row_of 's+g+grp')" = provisioning ]
touch "$work/smudge-go"
rc=$(status_of slow_prepare s/g/grp)
check "a plain re-run after a kill inside 'git worktree add' exits 0" [ "$rc" = 0 ]
check "...and creates the worktree afresh" grep -q "task worktree created '$wt_grp'" "$work/err"
check "...the row is active" [ "$(row_of 's+g+grp')" = active ]
check "...git no longer lists it locked" sh -c "! git -C '$slow' worktree list --porcelain | grep -q '^locked'"
# Only prepare killed: git goes on alone; the re-run waits for it before it repairs.
rm -f "$work/in-smudge" "$work/smudge-go"
setsid "$tool" --project-root "$slow" --task-key s/g/pid --task-type error-analysis --base-ref main -c \
  >/dev/null 2>&1 &
pid=$!
check "prepare (pid kill) reached the checkout" wait_for "$work/in-smudge"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
(sleep 1; touch "$work/smudge-go") &
rc=$(status_of slow_prepare s/g/pid)
check "a re-run while the killed run's git still works exits 0" [ "$rc" = 0 ]
check "...the row is active" [ "$(row_of 's+g+pid')" = active ]
check "...git lists the worktree once, unlocked" \
  [ "$(git -C "$slow" worktree list --porcelain | grep -c "^worktree $OKSTRA_HOME/worktrees/s/g/pid\$")/$(git -C "$slow" worktree list --porcelain | grep -c '^locked')" = 1/0 ]
wait

# remove killed (whole process group) once git has forgotten the worktree and
# its folder is half deleted; remove, remove --force, reconcile and prepare each finish it.
for how in remove force reconcile prepare; do
  key="s/g/rm-$how"; row="s+g+rm-$how"; wt="$OKSTRA_HOME/worktrees/s/g/rm-$how"
  rc=$(status_of slow_prepare "$key")
  echo work >"$wt/work.txt"
  git -C "$wt" add work.txt
  git -C "$wt" commit -q -m work
  # The background shell truncates rm.err only once it runs: remove the last
  # iteration's file first, or its pause line is read as this run's.
  rm -f "$work/rm.err"
  OKSTRA_TEST_PAUSE_AT=remove-marked OKSTRA_TEST_RESUME_FILE="$work/never" \
    setsid "$wtool" remove "$key" >/dev/null 2>"$work/rm.err" &
  pid=$!
  check "remove ($how) paused once it marked the row" wait_for_pause "$work/rm.err" remove-marked
  rm -f "$wt/.git" "$wt/a.txt"
  git -C "$slow" worktree prune
  kill -s KILL -- "-$pid"
  wait "$pid" 2>/dev/null || true
  check "killed remove ($how): row removing, folder half there, git forgot it" \
    [ "$(row_of "$row")/$(test -f "$wt/work.txt" && echo half)/$(git -C "$slow" worktree list | grep -c "rm-$how")" = removing/half/0 ]
  case $how in
    remove) rc=$(status_of "$wtool" remove "$key" -c) ;;
    force) rc=$(status_of "$wtool" remove "$key" --force -c) ;;
    reconcile) rc=$(status_of "$wtool" reconcile -c) ;;
    prepare) rc=$(status_of slow_prepare "$key") ;;
  esac
  check "$how finishes the killed remove (exit 0)" [ "$rc" = 0 ]
  if [ "$how" = prepare ]; then
    check "prepare then re-creates the worktree on the kept branch" [ -f "$wt/work.txt" ]
    check "prepare then re-creates the worktree on the kept branch (second condition)" [ "$(row_of "$row")" = active ]
  else
    check "$how: the folder is gone" [ ! -e "$wt" ]
    check "$how: the branch is kept, and so is the row" [ "$(row_of "$row")" = kept ]
    rc=$(status_of slow_prepare "$key")
    check "prepare after $how reuses the kept branch" [ "$rc" = 0 ]
    check "prepare after $how reuses the kept branch (second condition)" [ -f "$wt/work.txt" ]
  fi
done

# A branch okstra did not create is refused without suggesting to delete it.
git -C "$slow" branch feat-theirs
rc=$(status_of slow_prepare s/g/theirs)
check "a foreign branch is refused (exit 1)" [ "$rc" = 1 ]
check "...and the hint never says 'git branch -D'" sh -c "grep -q '^hint: ' '$work/err' && ! grep -q 'branch -D' '$work/err'"

# The same branch name in two unrelated repositories: both provision.
alpha="$work/alpha-repo" other="$work/other-repo"
new_repo "$alpha"
new_repo "$other"
rc=$(status_of "$tool" --project-root "$alpha" --task-key alpha/bugs/login --task-type error-analysis \
  --work-category bugfix --base-ref main -c)
check "alpha/bugs/login provisions fix-login" [ "$rc" = 0 ]
check "alpha/bugs/login provisions fix-login (second condition)" [ "$(field branch "$work/out")" = fix-login ]
rc=$(status_of "$tool" --project-root "$other" --task-key beta/bugs/login --task-type error-analysis \
  --work-category bugfix --base-ref main -c)
check "beta/bugs/login in another repository provisions fix-login too" [ "$rc" = 0 ]
check "beta/bugs/login in another repository provisions fix-login too (second condition)" [ "$(field branch "$work/out")" = fix-login ]

finish
