#!/bin/sh
# A whole okstra run lifecycle through the front end bin/okstra only (no
# okstra-* binary is called directly), in a temporary git project and a
# temporary OKSTRA_HOME: setup and doctor; requirements-discovery (the task
# worktree is created) and implementation-planning (it is reused); the plan the
# planning run produced is refused, then approved and validated; implementation
# with --stage auto, one stage at a time and two at once; cost of the task
# bundle; finish of every run; worktree lookup, list, reconcile and remove.
# After each step, every file docs/prepare.md and docs/worktrees.md say
# exists is checked: project.json and its mirror, the task manifest, discovery
# files, run folders, prompts/<seq>/, run-context.json, the report's folder,
# recent.jsonl and active.jsonl lines, registry rows, worktree folders and
# branches.
set -eu
src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
bld=${OKSTRA_BUILD_ROOT:?OKSTRA_BUILD_ROOT must be set}
. "$src/tests/cli/lib.sh"
okstra() { "$src/bin/okstra" "$@"; }
is() {
  [ "$1" = "$2" ] && return 0
  printf '  got:      %s\n  expected: %s\n' "$1" "$2"
  return 1
}
# py EXPR FILE...: a Python expression over the files' parsed JSON documents
# (d = the first, docs = all), printed.
py() {
  expr=$1
  shift
  python3 -c "import json, sys; docs = [json.load(open(f)) for f in sys.argv[1:]]; d = docs[0]; print($expr)" "$@"
}
# lines FILE EXPR: the JSON lines of FILE (a JSONL file) for which the Python
# expression over l holds, counted.
lines() {
  python3 -c "import json, sys; print(sum(1 for s in open(sys.argv[1]) if s.strip() and (lambda l: $2)(json.loads(s))))" "$1"
}

# ---- an isolated world ---------------------------------------------------------------
HOME=$work/user
OKSTRA_HOME=$work/home
OKSTRA_BUILD_DIR=$bld
export HOME OKSTRA_HOME OKSTRA_BUILD_DIR
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_SKIP_INSTALL_CHECK OKSTRA_WORKTREE_SYNC_DIRS OKSTRA_TEST_PAUSE_AT OKSTRA_TEST_RESUME_FILE \
  CLAUDE_CONFIG_DIR 2>/dev/null || true
mkdir -p "$HOME"
home=$OKSTRA_HOME
version=$(sed -n "s/^[[:space:]]*version:[[:space:]]*'\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)

# ---- 0. setup, doctor ----------------------------------------------------------------------
run okstra doctor
check "doctor before setup exits 1" is "$rc" 1
run okstra setup
check "setup exits 0" is "$rc" 0
check "home: version stamp" is "$(cat "$home/version")" "$version"
check "home: templates" diff -r "$src/templates" "$home/templates"
run okstra doctor
check "doctor after setup exits 0" is "$rc" 0
check "doctor after setup: result: OK" is "$(tail -n 1 "$work/out")" "result: OK"

# ---- 1. the project, the first phase ------------------------------------------------------------
repo=$work/shop
mkdir -p "$repo"
git -C "$repo" -c init.defaultBranch=main init -q
echo 'shop' >"$repo/README"
git -C "$repo" add README
git -C "$repo" commit -q -m init
root=$(cd -P "$repo" && pwd)
main_commit=$(git -C "$repo" rev-parse main)
key=shop/payments/refund-timeout
row=shop+payments+refund-timeout
task=$root/.okstra/tasks/payments/refund-timeout
wt=$home/worktrees/shop/payments/refund-timeout
branch=feat-refund-timeout
registry=$home/worktrees/registry.json

# check_run CONTEXT TYPE SEQ STAGE [latest]: the files of a prepared run
# (docs/prepare.md sections 6, 8), its line in both run indexes (section 10)
# and in the manifest, and with "latest", discovery/latest-task.json names it.
check_run() {
  ctx=$1 type=$2 seq=$3 stage=$4 latest=${5:-}
  rd=$(py 'd["runDir"]' "$ctx")
  if [ "$stage" = none ]; then want=$task/runs/$type; else want=$task/runs/$type/stage-$stage; fi
  check "$type: runDir is $want" is "$rd" "$want"
  check "$type: seq $seq" is "$(py 'd["seq"]' "$ctx")" "$seq"
  for f in reports worker-results prompts; do
    check "$type: $f/ exists" [ -d "$rd/$f" ]
  done
  nnn=$(printf '%03d' "$seq")
  for f in run-inputs.json claude-worker.md codex-worker.md report-template.md; do
    check "$type: prompts/$nnn/$f exists" [ -f "$rd/prompts/$nnn/$f" ]
  done
  check "$type: run-context.json is the printed context" \
    is "$(py 'd == docs[1]' "$ctx" "$rd/run-context.json")" True
  check "$type: the report path is reports/final-report-$type-$nnn.md" \
    is "$(py 'd["reportPath"]' "$ctx")" "$rd/reports/final-report-$type-$nnn.md"
  check "$type: run-inputs.json names the task and type" \
    is "$(py 'd["taskKey"] + " " + d["taskType"]' "$rd/prompts/$nnn/run-inputs.json")" "$key $type"
  check "$type: one running line in recent.jsonl" \
    is "$(lines "$home/recent.jsonl" "l['runDir'] == '$rd' and l['seq'] == $seq and l['status'] == 'running'")" 1
  check "$type: one line in active.jsonl" \
    is "$(lines "$home/active.jsonl" "l['runDir'] == '$rd' and l['seq'] == $seq")" 1
  if [ "$latest" = latest ]; then
    check "$type: latest-task.json points at this run" \
      is "$(py 'd["runDir"] + " " + d["taskType"]' "$root/.okstra/discovery/latest-task.json")" "$rd $type"
  fi
  check "$type: the task manifest lists this run" \
    is "$(py "sum(1 for r in d['runs'] if r['runDir'] == '$rd' and r['seq'] == $seq)" "$task/task-manifest.json")" 1
}

run okstra prepare --project-root "$repo" --task-key "$key" --task-type requirements-discovery \
  --base-ref main --task-brief 'refunds time out after 30 s'
check "requirements-discovery: prepare exits 0" is "$rc" 0
cp "$work/out" "$work/rd.json"
check "requirements-discovery: the task worktree is created" \
  grep -qx "okstra-prepare: task worktree created '$wt'" "$work/err"
check_run "$work/rd.json" requirements-discovery 1 none latest
check "project.json: id and root" \
  is "$(py 'd["projectId"] + " " + d["projectRoot"]' "$root/.okstra/project.json")" "shop $root"
check "projects/shop.json mirrors project.json" \
  is "$(py 'd["projectId"] + " " + d["projectRoot"]' "$home/projects/shop.json")" "shop $root"
check "task manifest: key, roster, task types" \
  is "$(py 'd["taskKey"] + " " + d["roster"]["executor"] + " " + ",".join(d["taskTypes"])' "$task/task-manifest.json")" \
  "$key claude requirements-discovery"
for f in task-brief.md analysis-material.md timeline.md analysis-packet.md; do
  check "instruction-set/$f exists" [ -f "$task/instruction-set/$f" ]
done
check "the PR template is the installed default" \
  is "$(py 'd["prTemplate"]["source"] + " " + d["prTemplate"]["path"]' "$work/rd.json")" \
  "default $home/templates/pr-body.template.md"
check "the brief is in the instruction set" grep -q 'refunds time out after 30 s' "$task/instruction-set/task-brief.md"
check "task-catalog.json lists the task" \
  is "$(py "[t['taskKey'] for t in d['tasks']]" "$root/.okstra/discovery/task-catalog.json")" "['$key']"
check "worktree folder exists" [ -f "$wt/README" ]
check "git lists the worktree" sh -c "git -C '$repo' worktree list --porcelain | grep -qx 'worktree $wt'"
check "branch $branch starts at main" is "$(git -C "$repo" rev-parse "$branch")" "$main_commit"
check "the worktree is on $branch" is "$(git -C "$wt" rev-parse --abbrev-ref HEAD)" "$branch"
check "context: worktreePath, branch, baseCommit" \
  is "$(py 'd["worktreePath"] + " " + d["branch"] + " " + d["baseCommit"]' "$work/rd.json")" "$wt $branch $main_commit"
check "registry row: active, path, branch" \
  is "$(py "d['entries']['$row']['status'] + ' ' + d['entries']['$row']['path'] + ' ' + d['branches'][d['entries']['$row']['projectRoot']]['$branch']" "$registry")" \
  "active $wt $row"
check "lock folder is private" is "$(stat -c %a "$home/.locks")" 700
check "central lock exists" [ -f "$home/.locks/central.lock" ]
check "registry lock exists" [ -f "$home/worktrees/registry.lock" ]

# ---- 2. a later phase reuses the worktree ------------------------------------------------------
run okstra prepare --project-root "$repo" --task-key shop:payments:refund-timeout --task-type implementation-planning -c
check "implementation-planning: prepare exits 0" is "$rc" 0
cp "$work/out" "$work/ip.json"
check "implementation-planning: the task worktree is reused" grep -qx "okstra-prepare: task worktree reused '$wt'" "$work/err"
check "-c: one line" is "$(wc -l <"$work/ip.json" | tr -d ' ')" 1
check_run "$work/ip.json" implementation-planning 1 none latest
check "implementation-planning: same worktree and branch" \
  is "$(py 'd["worktreePath"] + " " + d["branch"]' "$work/ip.json")" "$wt $branch"
check "task manifest: both task types, two runs" \
  is "$(py '",".join(d["taskTypes"]) + " " + str(len(d["runs"]))' "$task/task-manifest.json")" \
  "requirements-discovery,implementation-planning 2"
check "one worktree for the task" is "$(git -C "$repo" worktree list | grep -c "$wt")" 1
check "two runs active" is "$(lines "$home/active.jsonl" "l['taskKey'] == '$key'")" 2

# ---- 3. the plan: refused as rendered, valid once approved -----------------------------------------
plan=$(py 'd["reportPath"]' "$work/ip.json")
ip_dir=$(py 'd["runDir"]' "$work/ip.json")
# The planning report writer starts from the rendered template, unapproved.
cp "$ip_dir/prompts/001/report-template.md" "$plan"
run okstra plan-validate -c "$plan"
check "plan-validate: the unapproved template is refused (exit 1)" is "$rc" 1
check "plan-validate: refused, with a reason" is "$(py 'd["valid"], len(d["reasons"]) > 0' "$work/out")" "False True"
# The approved plan, with a stage map: 1 and 2 independent, 3 after 1, 4 after 2 and 3.
cp "$src/tests/data/plans/valid-approved/plan.md" "$plan"
cat >"${plan%/*}/data.json" <<'JSON'
{"approval": {"approved": true},
 "stages": [{"n": 1}, {"n": 2}, {"n": 3, "dependsOn": [1]}, {"n": 4, "dependsOn": [2, 3]}]}
JSON
run okstra plan-validate -c "$plan"
check "plan-validate: the approved plan is valid (exit 0)" is "$rc" 0
check "plan-validate: valid, data.json agrees" is "$(py 'd["valid"], d["dataJson"]["agrees"]' "$work/out")" "True True"

# ---- 4. finish the analysis phases -------------------------------------------------------------------
for t in rd ip; do
  rd=$(py 'd["runDir"]' "$work/$t.json")
  run okstra prepare finish --run-dir "$rd" --status completed -c
  check "finish $t exits 0" is "$rc" 0
  check "finish $t: no longer active" is "$(lines "$home/active.jsonl" "l['runDir'] == '$rd'")" 0
  check "finish $t: completed in recent.jsonl" \
    is "$(lines "$home/recent.jsonl" "l['runDir'] == '$rd' and l['status'] == 'completed' and 'finishedAt' in l")" 1
done

# ---- 5. implementation, --stage auto ------------------------------------------------------------------
# check_stage N [latest]: the run of stage N (its context in $work/stage-N.json),
# its worktree, branch and registry row.
check_stage() {
  n=$1
  check_run "$work/stage-$n.json" implementation "$(py 'd["seq"]' "$work/stage-$n.json")" "$n" "${2:-}"
  swt=$wt.stages/stage-$n
  check "stage $n: worktree folder" [ -f "$swt/README" ]
  check "stage $n: context names the stage worktree and branch" \
    is "$(py 'd["worktreePath"] + " " + d["branch"] + " " + str(d["stage"])' "$ctx")" "$swt $branch-stage-$n $n"
  check "stage $n: the worktree is on its branch" is "$(git -C "$swt" rev-parse --abbrev-ref HEAD)" "$branch-stage-$n"
  check "stage $n: registry row active" is "$(py "d['entries']['$row#stage-$n']['status']" "$registry")" active
  check "stage $n: stage-scope.md in the instruction set" [ -f "$task/instruction-set/stage-scope.md" ]
}
prepare_stage() {  # prepare_stage OUTPUT: one --stage auto run
  okstra prepare --project-root "$repo" --task-key "$key" --task-type implementation \
    --stage auto --approved-plan "$plan" -c >"$1" 2>"$1.err"
}
finish_stage() {  # finish_stage N STATUS
  run okstra prepare finish --run-dir "$task/runs/implementation/stage-$1" --status "$2" -c
  check "finish stage $1 ($2) exits 0" is "$rc" 0
}

# One at a time: stage 1 (2 is ready too; auto takes the lowest).
set +e
prepare_stage "$work/stage-1.json"
rc=$?
set -e
check "stage auto (alone) exits 0" is "$rc" 0
check "stage auto (alone) picks stage 1" is "$(py 'd["stage"]' "$work/stage-1.json")" 1
check "stage 1 is created" grep -qx "okstra-prepare: stage worktree created '$wt.stages/stage-1'" "$work/stage-1.json.err"
check_stage 1 latest
check "stage 1 starts at the task branch" is "$(git -C "$repo" rev-parse "$branch-stage-1")" "$main_commit"
finish_stage 1 completed
check "stage 1: registry row completed" is "$(py "d['entries']['$row#stage-1']['status']" "$registry")" completed

# Two at once: 2 and 3 are both ready; each run gets its own.
set +e
prepare_stage "$work/a.json" &
pid_a=$!
prepare_stage "$work/b.json" &
pid_b=$!
wait "$pid_a"
rc_a=$?
wait "$pid_b"
rc_b=$?
set -e
check "two concurrent stage auto runs exit 0" is "$rc_a $rc_b" "0 0"
got=$(py 'sorted([docs[0]["stage"], docs[1]["stage"]])' "$work/a.json" "$work/b.json")
check "two concurrent stage auto runs get stages 2 and 3" is "$got" "[2, 3]"
for f in a b; do
  n=$(py 'd["stage"]' "$work/$f.json")
  mv "$work/$f.json" "$work/stage-$n.json"
done
check_stage 2
check_stage 3
check "two stage runs active" is "$(lines "$home/active.jsonl" "l['taskType'] == 'implementation'")" 2
finish_stage 2 completed
finish_stage 3 completed

# Stage 4 depends on 2 and 3: based on their common anchor. A failed run
# releases it; auto picks it again.
set +e
prepare_stage "$work/stage-4.json"
rc=$?
set -e
check "stage auto picks stage 4 once 2 and 3 are completed" is "$rc $(py 'd["stage"]' "$work/stage-4.json")" "0 4"
check "stage 4 starts at merge-base of stages 2 and 3" \
  is "$(py 'd["baseCommit"]' "$work/stage-4.json")" "$(git -C "$repo" merge-base --octopus "$branch-stage-2" "$branch-stage-3")"
check_stage 4 latest
finish_stage 4 error
check "stage 4: a failed run releases its row" is "$(py "d['entries']['$row#stage-4']['status']" "$registry")" released
set +e
prepare_stage "$work/stage-4.json"
rc=$?
set -e
check "stage auto picks the released stage 4 again" is "$rc $(py 'd["stage"]' "$work/stage-4.json")" "0 4"
check "stage 4 is reused" grep -qx "okstra-prepare: stage worktree reused '$wt.stages/stage-4'" "$work/stage-4.json.err"
check "stage 4, second run: seq 2" is "$(py 'd["seq"]' "$work/stage-4.json")" 2
finish_stage 4 completed
set +e
prepare_stage "$work/none.json"
rc=$?
set -e
check "stage auto with every stage completed is refused (exit 1)" is "$rc" 1
check "...and says no stage is ready" grep -q "no stage is ready for '$key'" "$work/none.json.err"
check "...and prints nothing" [ ! -s "$work/none.json" ]
check "no run of the task is active" is "$(lines "$home/active.jsonl" "l['taskKey'] == '$key'")" 0
check "recent.jsonl: every run started and ended" \
  is "$(lines "$home/recent.jsonl" "l['taskKey'] == '$key' and l['status'] == 'running'") $(lines "$home/recent.jsonl" "l['taskKey'] == '$key' and l['status'] != 'running'")" "7 7"

# ---- 6. cost of the task bundle --------------------------------------------------------------------
run okstra cost --task-root "$task" -c
check "cost exits 0" is "$rc" 0
check "cost measures this task root" is "$(py 'd["taskRoot"]' "$work/out")" "$task"
check "cost counts every instruction-set file" \
  is "$(py 'd["instructionSet"]["fileCount"]' "$work/out")" "$(find "$task/instruction-set" -type f | wc -l | tr -d ' ')"
check "cost finds the project of the task root" is "$(py 'd["projectRoot"]' "$work/out")" "$root"
check "cost measures the latest run (stage 4), relative to the project" \
  is "$(py 'd["runDir"]' "$work/out")" ".okstra/tasks/payments/refund-timeout/runs/implementation/stage-4"
check "cost: packet mode (prepare writes analysis-packet.md)" is "$(py 'd["leadPhase1"]["mode"]' "$work/out")" analysis-packet
run okstra cost --task-root "$task" --format table
check "cost --format table exits 0" is "$rc" 0
check "cost --format table ranks the surfaces" grep -q '^rank  surface' "$work/out"

# ---- 7. worktrees: lookup, list, reconcile, remove -------------------------------------------------
run okstra worktree lookup -c "$key"
check "lookup exits 0" is "$rc" 0
check "lookup: the task row, then stages 1-4, all present" \
  is "$(py '[(e.get("stage"), e["present"]) for e in d["entries"]]' "$work/out")" \
  "[(None, True), (1, True), (2, True), (3, True), (4, True)]"
check "lookup: the stages are completed" \
  is "$(py '[e["status"] for e in d["entries"][1:]]' "$work/out")" "['completed', 'completed', 'completed', 'completed']"
run okstra worktree list --project shop -c
check "list --project shop: five rows" is "$(py 'len(d["entries"])' "$work/out")" 5
run okstra worktree reconcile --dry-run -c
check "reconcile --dry-run: nothing to drop" is "$rc $(py 'd["dropped"]' "$work/out")" "0 []"
rm -rf "$wt.stages/stage-4"
run okstra worktree reconcile -c
check "reconcile after a stage folder was deleted exits 0" is "$rc" 0
check "reconcile keeps the row of the deleted folder (its branch exists)" is "$(py 'len(d["kept"])' "$work/out")" 1
check "reconcile: stage 4 is now kept" is "$(py "d['entries']['$row#stage-4']['status']" "$registry")" kept
check "reconcile: git no longer lists stage 4" sh -c "! git -C '$repo' worktree list | grep -q 'stage-4'"
check "reconcile keeps the branch of stage 4" git -C "$repo" show-ref --verify --quiet "refs/heads/$branch-stage-4"
run okstra worktree remove "$key" --delete-branch -c
check "remove --delete-branch exits 0" is "$rc" 0
check "remove: the task worktree folder is gone" [ ! -e "$wt" ]
for n in 1 2 3; do
  check "remove: the stage $n folder is gone" [ ! -e "$wt.stages/stage-$n" ]
done
check "remove: git lists only the main worktree" is "$(git -C "$repo" worktree list | wc -l | tr -d ' ')" 1
check "remove: the branches are deleted, the kept stage 4's too" is "$(git -C "$repo" branch --list "$branch*" | wc -l | tr -d ' ')" 0
check "remove: the registry has no row of the task" \
  is "$(py "[k for k in d['entries'] if k.startswith('$row')]" "$registry")" "[]"
run okstra worktree lookup "$key"
check "lookup after remove: exit 1" is "$rc" 1

finish
