#!/bin/sh
# scripts/demo.sh — THE demo: builds okstra and walks through the front end in
# a throwaway OKSTRA_HOME, showing each step's output.
#
# Nothing is left behind outside the temporary folder (removed on exit) except
# the build folder build/. Adding a step is one line: `step okstra <args>`.
set -eu

root=$(cd -P -- "$(dirname -- "$0")/.." && pwd)

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
trap 'exit 130' INT TERM

# quietly CMD...: runs CMD, showing its output only if it fails.
quietly() {
  "$@" >"$demo/log" 2>&1 || { status=$?; cat "$demo/log" >&2; return "$status"; }
}

echo "building okstra in build/ ..."
sh "$root/scripts/deps.sh"
if [ -f "$root/build/meson-private/coredata.dat" ]; then
  quietly meson setup --reconfigure "$root/build" "$root"
else
  quietly meson setup "$root/build" "$root"
fi
quietly meson compile -C "$root/build"
rm -f "$demo/log"

# Everything the demo writes goes under $demo: the okstra home, and the current
# folder (so a stray relative path cannot land in the repository).
OKSTRA_HOME=$demo/home
export OKSTRA_HOME
cd "$demo"

# okstra: the front end of this source tree (it finds the tools in build/).
okstra() { "$root/bin/okstra" "$@"; }

# step CMD...: a one-line heading, then CMD with its output. A failing step
# stops the demo (set -e) with its exit status.
step() {
  printf '\n==> %s\n' "$*"
  "$@"
}

# step_refused CMD...: like step, for a command that must refuse (exit 1):
# its exit status is shown, and only another status stops the demo.
step_refused() {
  printf '\n==> %s\n' "$*"
  status=0
  "$@" || status=$?
  echo "(exit $status: refused, as expected)"
  [ "$status" -eq 1 ]
}

echo "okstra demo — temporary OKSTRA_HOME: $OKSTRA_HOME"
step okstra help
step okstra setup
step okstra doctor

# Prepare two phases of one task on a throw-away git project: the first creates
# the task worktree and branch from main, the second reuses them; then the
# first run is finished (active.jsonl -> recent.jsonl).
project=$demo/project
mkdir -p "$project"
quietly git -C "$project" -c init.defaultBranch=main init
echo "demo project" >"$project/README"
quietly git -C "$project" add README
quietly git -C "$project" -c user.name=demo -c user.email=demo@example.com commit -m init
step okstra prepare --project-root "$project" --task-key demo/payments/refund-timeout \
  --task-type error-analysis --base-ref main --task-brief "refunds time out after 30 s"
step okstra prepare -c --project-root "$project" --task-key demo/payments/refund-timeout \
  --task-type implementation-planning
run_dir=$project/.okstra/tasks/payments/refund-timeout/runs/error-analysis
step okstra prepare finish --run-dir "$run_dir" --status completed
step git -C "$project" worktree list

# The approval gate on two bundled plan reports (tests/data/plans): one with
# clarification items that still block approval, one valid with its data.json.
plans="$root/tests/data/plans"
step_refused okstra plan-validate "$plans/blocked/plan.md"
step okstra plan-validate -c "$plans/valid-approved/plan.md"

# The approval step, on copies in the demo's folder: a plan whose gate holds is
# approved (its front matter and its data.json), a blocked one is refused with
# every reason and left as it was; revoke gives the plan its original bytes back.
approval=$demo/approval
mkdir -p "$approval/ok" "$approval/blocked"
grep -v '^approved:' "$plans/valid-approved/plan.md" >"$approval/ok/plan.md"
printf '{"approval": {"approved": false}, "stages": [{"n": 1}]}\n' >"$approval/ok/data.json"
cp "$plans/blocked/plan.md" "$approval/blocked/plan.md"
step okstra plan-validate approve --by demo -c "$approval/ok/plan.md"
step grep -n '^approved' "$approval/ok/plan.md"
step cat "$approval/ok/data.json"
step_refused okstra plan-validate approve --by demo "$approval/blocked/plan.md"
step okstra plan-validate approve --revoke -c "$approval/ok/plan.md"

# Implementation of an approved plan whose data.json has two independent
# stages: two '--stage auto' runs started at once get different stages, each
# in its own stage worktree; finishing a run as completed marks its stage so.
stages=$demo/two-stages
mkdir -p "$stages"
cp "$plans/valid-approved/plan.md" "$stages/plan.md"
printf '{"approval":{"approved":true},"stages":[{"n":1},{"n":2}]}\n' >"$stages/data.json"
printf '\n==> %s\n' "okstra prepare --task-type implementation --stage auto (two at once)"
pids=
for run in 1 2; do
  okstra prepare -c --project-root "$project" --task-key demo/payments/refund-timeout \
    --task-type implementation --stage auto --approved-plan "$stages/plan.md" >"$demo/stage-run-$run.json" &
  pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done
cat "$demo/stage-run-1.json" "$demo/stage-run-2.json"
for run in 1 2; do
  stage_dir=$(sed -n 's/.*"runDir":"\([^"]*\)".*/\1/p' "$demo/stage-run-$run.json")
  step okstra prepare finish -c --run-dir "$stage_dir" --status completed
done
step okstra worktree lookup -c demo/payments/refund-timeout
step git -C "$project" worktree list

# Context cost of the bundled sample task (tests/data/task-bundle): what the lead,
# each worker and the report writer read, ranked; then the same task's legacy
# bundle as the baseline. HOME is the demo's own folder, so no installed skill
# is read: they come from the sample runtime tree.
bundle="$root/tests/data/task-bundle"
HOME=$demo/user
export HOME
mkdir -p "$HOME"
(
  unset CLAUDE_CONFIG_DIR
  step okstra cost --format table --task-root "$bundle/task" --runtime-root "$bundle/runtime"
  step okstra cost --format table --task-root "$bundle/task" --runtime-root "$bundle/runtime" \
    --compare "$bundle/legacy-task"
)

# Token usage from the bundled sample logs (tests/data/usage: Claude Code,
# Codex, Gemini and Cursor logs written by the project, with the real formats'
# quirks — streaming copies, sidechain replays, forked rollouts, bad lines).
logs="$root/tests/data/usage"
HOME=$demo/user  # no real agent logs are read
export HOME
mkdir -p "$HOME"
step okstra usage daily --tz UTC --claude-dir "$logs/claude" --codex-dir "$logs/codex" \
  --gemini-dir "$logs/gemini" --cursor-log "$logs/cursor/cursor.jsonl"
step okstra usage monthly --json --tz UTC --source claude --claude-dir "$logs/claude"
# The Token Summary of one okstra run: its team state names the agent team and
# the lead's session; records are attributed to the lead, each worker and the
# report writer (a worker without records is "unavailable").
usage_run=$demo/usage-run
mkdir -p "$usage_run"
printf '%s\n' '{"teamName":"okstra-g-t","sessionId":"11111111-aaaa","teamCreate":{"status":"ok"}}' \
  >"$usage_run/team-state.json"
printf '%s\n' '{"workers":["claude","codex","report-writer"]}' >"$usage_run/run-context.json"
step okstra usage run --run-dir "$usage_run" --source claude --claude-dir "$logs/claude"

# Session conformance on two bundled runs (tests/data/sessions: Claude Code
# transcripts with their subagents and run folders, written by the project): a
# lead that obeyed the blocking contract, found from its run through the team
# state's sessionId, then one that converged while its Codex worker still ran
# (BC05). okstra validate-run adds the plan gate and the result-file check.
sessions="$root/tests/data/sessions"
session=claude/projects/-work-shop/6f1c2a9e-3b7d-4e21-9a55-0c8d7e4b1f20.jsonl
CLAUDE_CONFIG_DIR=$sessions/conforming/claude
export CLAUDE_CONFIG_DIR
step okstra validate-session --format text --run-dir "$sessions/conforming/task/runs/error-analysis"
step_refused okstra validate-session --format text --rule BC05 --session "$sessions/bc05-early-convergence/$session" \
  --run-dir "$sessions/bc05-early-convergence/task/runs/error-analysis"
step okstra validate-run "$sessions/conforming/task/runs/error-analysis"
unset CLAUDE_CONFIG_DIR

# Migration from the legacy layout: a second project, prepared as above, then put
# back into .project-docs/okstra/ with every reference to it (project files, its
# row in the home, recent.jsonl), as an older okstra release left it. prepare
# refuses it; the dry run prints the plan; --apply moves the folder in one rename
# and rewrites the references.
legacy=$(cd "$demo" && pwd -P)/legacy-project
mkdir -p "$legacy"
quietly okstra prepare --project-root "$legacy" --task-key notes/docs/old-task --task-type error-analysis \
  --task-brief "a task from before the layout change"
quietly okstra prepare finish --run-dir "$legacy/.okstra/tasks/docs/old-task/runs/error-analysis" --status completed
mkdir "$legacy/.project-docs"
mv "$legacy/.okstra" "$legacy/.project-docs/okstra"
find "$legacy/.project-docs/okstra" "$OKSTRA_HOME/projects" "$OKSTRA_HOME/recent.jsonl" -type f \
  -exec sed -i "s#$legacy/\\.okstra\\([/\"]\\)#$legacy/.project-docs/okstra\\1#g" {} +
step_refused okstra prepare --quiet --project-root "$legacy" --task-key notes/docs/old-task \
  --task-type implementation-planning
step okstra migrate --cwd "$legacy"
step okstra migrate --cwd "$legacy" --apply -c
echo
echo "demo done; the temporary folder is removed now"
