#!/bin/sh
# shellcheck disable=SC2015  # "test && pass || fail": pass never fails
# Symbolic links planted in a project or a task bundle (a cloned repository can
# carry them) never make a tool write or read outside it, through the real
# binaries (docs/prepare.md, "Symlinks"; docs/cost.md, "Symlinks"; docs/usage.md,
# "Filling a report"):
# - okstra-prepare refuses (exit 3, naming the link) a link at `.okstra`,
#   `.okstra/tasks/<group>`, `.okstra/discovery` or a file below them; what the
#   links point to is byte-identical afterwards, and the prepare's own effects
#   (project.json, bundle, seq claim, mirror, worktree) are rolled back;
# - okstra-cost does not measure a file or folder reached through a link inside
#   the task root (a warning names it), but reads installed skills that are links;
# - okstra-usage run --fill-report through a link fills the target inside the
#   project and keeps the link, and refuses a target outside it.
set -eu
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
build="$OKSTRA_BUILD_ROOT"
export OKSTRA_HOME="$work/home" HOME="$work/user" OKSTRA_SKIP_INSTALL_CHECK=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_WORKTREE_SYNC_DIRS OKSTRA_TEST_PAUSE_AT OKSTRA_TEST_RESUME_FILE CLAUDE_CONFIG_DIR || true
mkdir -p "$HOME"
ln -s "$work/probe-target" "$work/probe-link" 2>/dev/null && [ -L "$work/probe-link" ] ||
  { echo "skipped: cannot make symbolic links here"; exit 77; }

# snapshot DIR: every path below DIR with its type, link target and content checksum.
snapshot() {
  (cd "$1" && find . -print | LC_ALL=C sort | while IFS= read -r p; do
    if [ -L "$p" ]; then echo "L $p -> $(readlink "$p")"
    elif [ -f "$p" ]; then echo "F $p $(cksum <"$p")"
    else echo "D $p"; fi
  done)
}
# prepare PROJECT KEY: one error-analysis prepare (status in $rc).
# A git project's first phase names its base (main, as new_repo makes it).
prepare() {
  if [ -d "$1/.git" ]; then
    run "$build/okstra-prepare" --project-root "$1" --task-key "$2" --task-type error-analysis --base-ref main -c
  else
    run "$build/okstra-prepare" --project-root "$1" --task-key "$2" --task-type error-analysis -c
  fi
}
# refused_link DESCRIPTION LINK: the last run exited 3 with the error line naming LINK and a hint.
refused_link() {
  [ "$rc" -eq 3 ] && [ ! -s "$work/out" ] &&
    grep -qx "okstra-prepare: error: refusing to follow symlink '$2'" "$work/err" &&
    grep -q "^hint: it points to '" "$work/err" \
    && pass "$1: exit 3, the link named" || fail "$1: rc $rc, $(cat "$work/err")"
}
# same DESCRIPTION BEFORE_FILE DIR: DIR's snapshot equals the one saved in BEFORE_FILE.
same() {
  snapshot "$3" >"$work/after"
  cmp -s "$2" "$work/after" && pass "$1" || { fail "$1"; diff "$2" "$work/after" | head -10; }
}
# planted DIR: a folder standing for someone's files, with known content.
planted() {
  mkdir -p "$1/sub"
  printf 'precious %s\n' "$1" >"$1/project.json"
  printf '{"keep": "latest"}\n' >"$1/latest-task.json"
  printf '{"keep": "catalog"}\n' >"$1/task-catalog.json"
  printf 'nested\n' >"$1/sub/file.md"
}
runs_recorded() {
  if [ -f "$OKSTRA_HOME/active.jsonl" ]; then grep -c . "$OKSTRA_HOME/active.jsonl" || true; else echo 0; fi
}

# ---- 1. prepare: `.okstra` itself is a link -------------------------------------------
p1=$(mkdir -p "$work/p1" && cd -P "$work/p1" && pwd)
planted "$work/elsewhere1"
ln -s "$work/elsewhere1" "$p1/.okstra"
snapshot "$work/elsewhere1" >"$work/before1"
active_before=$(runs_recorded)
prepare "$p1" one/g/t
refused_link "link at .okstra" "$p1/.okstra"
same "link at .okstra: its target is byte-identical" "$work/before1" "$work/elsewhere1"
[ -L "$p1/.okstra" ] && [ ! -e "$OKSTRA_HOME/projects/one.json" ] && [ "$(runs_recorded)" = "$active_before" ] \
  && pass "link at .okstra: link kept, no mirror, no run recorded" || fail "link at .okstra: side effects"

# ---- 2. prepare: `.okstra/tasks/<group>` is a link ------------------------------------
p2=$(mkdir -p "$work/p2/.okstra/tasks" && cd -P "$work/p2" && pwd)
planted "$work/elsewhere2"
mkdir -p "$work/elsewhere2/t/runs"
ln -s "$work/elsewhere2" "$p2/.okstra/tasks/g"
snapshot "$work/elsewhere2" >"$work/before2"
snapshot "$p2" >"$work/before2p"
prepare "$p2" two/g/t
refused_link "link at .okstra/tasks/g" "$p2/.okstra/tasks/g"
same "link at tasks/g: its target is byte-identical" "$work/before2" "$work/elsewhere2"
same "link at tasks/g: the project is as before (project.json rolled back)" "$work/before2p" "$p2"
[ ! -e "$OKSTRA_HOME/projects/two.json" ] && pass "link at tasks/g: the mirror rolled back" \
  || fail "link at tasks/g: mirror left"
prepare "$p2" two/h/t
[ "$rc" -eq 0 ] && [ -f "$p2/.okstra/tasks/h/t/task-manifest.json" ] \
  && pass "another group of the same project prepares (exit 0)" || fail "group h: rc $rc, $(cat "$work/err")"

# ---- 3. prepare: `.okstra/discovery` is a link (the last files written) ------------------
p3=$(mkdir -p "$work/p3/.okstra" && cd -P "$work/p3" && pwd)
planted "$work/elsewhere3"
ln -s "$work/elsewhere3" "$p3/.okstra/discovery"
snapshot "$work/elsewhere3" >"$work/before3"
snapshot "$p3" >"$work/before3p"
prepare "$p3" three/g/t
refused_link "link at .okstra/discovery" "$p3/.okstra/discovery"
same "link at discovery: latest-task.json and task-catalog.json untouched" "$work/before3" "$work/elsewhere3"
same "link at discovery: bundle, seq claim and project.json rolled back" "$work/before3p" "$p3"

# ---- 4. prepare: a file below .okstra is a link ------------------------------------------
p4=$(mkdir -p "$work/p4/.okstra/discovery" && cd -P "$work/p4" && pwd)
printf 'not yours\n' >"$work/victim.json"
ln -s "$work/victim.json" "$p4/.okstra/discovery/latest-task.json"
prepare "$p4" four/g/t
refused_link "link at discovery/latest-task.json" "$p4/.okstra/discovery/latest-task.json"
[ "$(cat "$work/victim.json")" = "not yours" ] && [ -L "$p4/.okstra/discovery/latest-task.json" ] \
  && pass "linked file: its target unchanged, the link kept" || fail "linked file: $(cat "$work/victim.json")"
p5=$(mkdir -p "$work/p5/.okstra" && cd -P "$work/p5" && pwd)
ln -s "$work/victim.json" "$p5/.okstra/project.json"
prepare "$p5" five/g/t
refused_link "link at .okstra/project.json" "$p5/.okstra/project.json"

# ---- 5. prepare in a git project: the worktree made before the refusal is rolled back -----
repo=$(mkdir -p "$work/repo" && cd -P "$work/repo" && pwd)
git -C "$repo" -c init.defaultBranch=main init -q
echo hi >"$repo/README"
git -C "$repo" add README
git -C "$repo" commit -q -m init
mkdir -p "$repo/.okstra/tasks"
planted "$work/elsewhere5"
ln -s "$work/elsewhere5" "$repo/.okstra/tasks/g"
snapshot "$work/elsewhere5" >"$work/before5"
prepare "$repo" six/g/t
refused_link "git project, link at tasks/g" "$repo/.okstra/tasks/g"
same "git project: the link's target is byte-identical" "$work/before5" "$work/elsewhere5"
[ "$(git -C "$repo" worktree list | wc -l)" -eq 1 ] && ! git -C "$repo" show-ref --quiet --verify refs/heads/feat-t \
  && pass "git project: worktree and branch rolled back" || fail "git project: $(git -C "$repo" worktree list)"
rm "$repo/.okstra/tasks/g"
prepare "$repo" six/g/t
[ "$rc" -eq 0 ] && pass "git project: prepares once the link is gone" || fail "git project re-run: rc $rc, $(cat "$work/err")"

# ---- 6. okstra-cost: links inside the task root are not measured --------------------------
task="$work/task"
mkdir -p "$task/instruction-set" "$task/runs/error-analysis/worker-results" "$work/outside/dir"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/passwd"  # stands for /etc/passwd
printf 'outside folder text\n' >"$work/outside/dir/notes.md"
printf 'abcd' >"$task/instruction-set/task-brief.md"
printf '{"createdAt":"2026-01-01T00:00:00Z"}\n' >"$task/runs/error-analysis/run-context.json"
printf 'ab' >"$task/runs/error-analysis/worker-results/claude-worker.md"
ln -s "$work/passwd" "$task/instruction-set/analysis-packet.md"
ln -s "$work/outside/dir" "$task/instruction-set/sub"
ln -s "$work/passwd" "$task/runs/error-analysis/worker-results/codex-worker.md"
ln -s "$work/passwd" "$task/task-manifest.json"
mkdir -p "$work/outside/runs-x"
printf '{"createdAt":"2099-01-01T00:00:00Z"}\n' >"$work/outside/runs-x/run-context.json"
ln -s "$work/outside/runs-x" "$task/runs/zz-linked"
# An installed skill that is a link (users link their skills folders): read as today.
mkdir -p "$work/skills-checkout/okstra-convergence" "$HOME/.claude/skills"
printf 'converge\n' >"$work/skills-checkout/okstra-convergence/SKILL.md"
ln -s "$work/skills-checkout/okstra-convergence" "$HOME/.claude/skills/okstra-convergence"
run "$build/okstra-cost" --task-root "$task" -c
cp "$work/out" "$work/cost.json"
got=$(json_field "$work/cost.json" "d['instructionSet']['fileCount'], d['instructionSet']['bytes'], d['leadPhase1']['mode'], d['leadPhase1']['files'], d['reportWriter']['files'], d['runDir']")
[ "$rc" -eq 0 ] && [ "$got" = "1 4 full-contract ['runs/error-analysis/run-context.json', 'instruction-set/task-brief.md'] ['runs/error-analysis/worker-results/claude-worker.md'] runs/error-analysis" ] \
  && pass "cost: nothing reached through a link is measured" || fail "cost: rc $rc, $got"
for link in instruction-set/analysis-packet.md instruction-set/sub runs/error-analysis/worker-results/codex-worker.md \
    task-manifest.json runs/zz-linked; do
  grep -q "^okstra-cost: warning: not following symlink '$task/$link' (it points to '" "$work/err" \
    && pass "cost: a warning names $link" || fail "cost: no warning for $link: $(cat "$work/err")"
done
! grep -q "root:x\|outside folder\|2099" "$work/out" && grep -q '"taskRoot"' "$work/out" \
  && pass "cost: no text or value from outside the task root" || fail "cost: outside data in the output"
got=$(json_field "$work/cost.json" "[(f['name'], f['source'], f['bytes']) for f in d['skillAssets']['files']]")
[ "$got" = "[('skill:okstra-convergence', 'installed', 9)]" ] && pass "cost: an installed skill that is a link is read" \
  || fail "cost: installed skill link: $got"

# ---- 7. okstra-usage run --fill-report through a link --------------------------------------
proj=$(mkdir -p "$work/proj" && cd -P "$work/proj" && pwd)
rundir="$proj/.okstra/tasks/g/t/runs/error-analysis"
mkdir -p "$rundir/reports" "$proj/docs" "$work/claude"
printf '%s\n' '{"team":{"teamName":"okstra-g-t"}}' >"$rundir/team-state.json"
printf '%s\n' '# Report' '| lead | {{LEAD_TOTAL_TOKENS}} |' '| total | {{TOTAL_TOKENS}} |' >"$rundir/reports/final.md"
ln -s "$rundir/reports/final.md" "$proj/docs/report.md"
fill() { run "$build/okstra-usage" run --run-dir "$rundir" --source claude --claude-dir "$work/claude" --no-cache --fill-report "$1"; }
fill "$proj/docs/report.md"
[ "$rc" -eq 0 ] && [ -L "$proj/docs/report.md" ] && grep -qx '| lead | 0 |' "$rundir/reports/final.md" &&
  grep -qx '| total | 0 |' "$rundir/reports/final.md" && grep -qx '# Report' "$rundir/reports/final.md" \
  && pass "fill-report: a link inside the project fills its target, the link stays" \
  || fail "fill-report through a link: rc $rc, $(cat "$work/err"), $(ls -l "$proj/docs")"
printf '%s\n' 'theirs {{TOTAL_TOKENS}}' >"$work/outside.md"
ln -s "$work/outside.md" "$rundir/reports/outside.md"
fill "$rundir/reports/outside.md"
[ "$rc" -eq 3 ] && grep -q "^okstra-usage: error: refusing to fill a report through symlink '$rundir/reports/outside.md': it leads outside the project '$proj'$" "$work/err" &&
  grep -q "^hint: it resolves to '$work/outside.md'" "$work/err" &&
  [ "$(cat "$work/outside.md")" = 'theirs {{TOTAL_TOKENS}}' ] && [ -L "$rundir/reports/outside.md" ] \
  && pass "fill-report: a link leading outside the project is refused, nothing changed" \
  || fail "fill-report outside: rc $rc, $(cat "$work/err")"
ln -s "$rundir/reports" "$rundir/reports/folder.md"
fill "$rundir/reports/folder.md"
[ "$rc" -eq 3 ] && grep -q "refusing to fill a report through symlink '$rundir/reports/folder.md': its target is not a regular file" "$work/err" \
  && pass "fill-report: a link to a folder is refused" || fail "fill-report folder link: rc $rc, $(cat "$work/err")"
ln -s "$rundir/reports/missing.md" "$rundir/reports/dangling.md"
fill "$rundir/reports/dangling.md"
[ "$rc" -eq 3 ] && grep -q "its target is not a regular file" "$work/err" \
  && pass "fill-report: a dangling link is refused" || fail "fill-report dangling: rc $rc, $(cat "$work/err")"

finish
