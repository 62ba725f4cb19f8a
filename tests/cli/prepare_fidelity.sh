#!/bin/sh
# okstra-prepare's okstra 0.65 behaviours on real git repositories: the base
# ref a task's first phase must name (a), the project's Claude Code settings
# link (b), --reference-expectations (c).
set -eu
tool="$OKSTRA_BUILD_ROOT/okstra-prepare"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" OKSTRA_SKIP_INSTALL_CHECK=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_WORKTREE_SYNC_DIRS OKSTRA_TEST_PAUSE_AT OKSTRA_TEST_RESUME_FILE || true
status_of() { set +e; "$@" >"$work/out" 2>"$work/err"; rc=$?; set -e; echo "$rc"; }
repo="$work/repo"
new_repo "$repo"

# ---- a. the base ref of a task's first phase --------------------------------------
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/a --task-type error-analysis -c)
check "first phase without --base-ref: exit 2" [ "$rc" = 2 ]
check "...says what is missing" grep -qx "okstra-prepare: error: missing --base-ref for the first worktree of 'p/g/a'" "$work/err"
check "...the hint names the likely base (main)" grep -qx "hint: name the commit the task branch starts from, e.g. --base-ref main" "$work/err"
check "...nothing on stdout" [ ! -s "$work/out" ]
check "...no branch made" sh -c "! git -C '$repo' show-ref --quiet --verify refs/heads/feat-a"
check "...no worktree made" [ "$(git -C "$repo" worktree list | wc -l)" = 1 ]
check "...no run recorded" [ ! -e "$OKSTRA_HOME/active.jsonl" ]

# The likely base is the remote's default branch when there is one.
clone="$work/clone"
git clone -q "$repo" "$clone"
git -C "$clone" checkout -q -b topic
rc=$(status_of "$tool" --project-root "$clone" --task-key c/g/a --task-type error-analysis -c)
check "a clone on a topic branch: exit 2" [ "$rc" = 2 ]
check "...the hint names origin/main, not the checked-out topic" \
  grep -qx "hint: name the commit the task branch starts from, e.g. --base-ref origin/main" "$work/err"

rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/a --task-type error-analysis --base-ref main -c)
check "with --base-ref main: exit 0" [ "$rc" = 0 ]
check "...baseRef is main" holds "$work/out" 'd["baseRef"] == "main"'
# Later phases reuse the registered base: no --base-ref needed, a different one ignored.
git -C "$repo" checkout -q -b other
echo other >"$repo/other.txt"
git -C "$repo" add other.txt
git -C "$repo" commit -q -m other
git -C "$repo" checkout -q main
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/a --task-type implementation-planning -c)
check "a later phase without --base-ref: exit 0" [ "$rc" = 0 ]
check "...keeps the registered base" holds "$work/out" 'd["baseRef"] == "main"'
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/a --task-type requirements-discovery --base-ref other -c)
check "a later phase with another --base-ref: exit 0" [ "$rc" = 0 ]
check "...still the registered base" holds "$work/out" 'd["baseRef"] == "main"'
# A project outside git needs no base; naming one there is an error, never baseRef null.
plain="$work/plain"
mkdir -p "$plain"
rc=$(status_of "$tool" --project-root "$plain" --task-key n/g/a --task-type error-analysis -c)
check "a non-git project without --base-ref: exit 0" [ "$rc" = 0 ]
rc=$(status_of "$tool" --project-root "$plain" --task-key n/g/b --task-type error-analysis --base-ref main -c)
check "a non-git project with --base-ref: exit 3" [ "$rc" = 3 ]
check "...names the project" grep -qx "okstra-prepare: error: not a git repository '$plain'" "$work/err"
check "...nothing on stdout" [ ! -s "$work/out" ]

# ---- b. the project's Claude Code settings link ------------------------------------
link="$repo/.claude/settings.local.json"
template="$OKSTRA_BUILD_ROOT/share/okstra/templates/settings.local.json"
check "the first prepare linked the project's settings" [ -L "$link" ]
check "...to the template okstra uses" [ "$(readlink "$link")" = "$template" ]
check "...which is valid JSON with permissions" python3 -c \
  'import json,sys; d=json.load(open(sys.argv[1])); assert d["permissions"]["allow"]' "$link"
# Idempotent: a later prepare keeps the link and says nothing about it.
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/a --task-type error-analysis -c)
check "a re-run exits 0" [ "$rc" = 0 ]
check "...keeps the link" [ "$(readlink "$link")" = "$template" ]
check "...and says nothing about it" lacks "settings" "$work/err"
# A link okstra made to another home's template (a moved home) is re-pointed.
ln -sfn "$work/old-home/templates/settings.local.json" "$link"
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/a --task-type error-analysis -c)
check "a stale okstra link: exit 0" [ "$rc" = 0 ]
check "...is re-pointed at the template" [ "$(readlink "$link")" = "$template" ]
check "...with a note" grep -qF "linked the project's Claude Code settings '$link'" "$work/err"
check "...no temporary link left" sh -c "[ -z \"\$(ls -A '$repo/.claude' | grep -v '^settings.local.json\$')\" ]"
# A user's own link is never replaced.
echo '{}' >"$work/mine.json"
ln -sfn "$work/mine.json" "$link"
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/a --task-type error-analysis -c)
check "a user's own link: exit 0" [ "$rc" = 0 ]
check "...is kept" [ "$(readlink "$link")" = "$work/mine.json" ]
check "...with a warning naming it" grep -qF "okstra-prepare: warning: '$link' is your own link (to '$work/mine.json')" "$work/err"
# A user's own regular file is never replaced: a warning, the file byte-identical.
rm "$link"
printf '{"permissions":{"allow":["Bash(make:*)"]}}\n' >"$link"
cp "$link" "$work/mine.before"
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/a --task-type error-analysis -c)
check "a user's own file: the prepare exits 0" [ "$rc" = 0 ]
check "...the file is byte-identical" cmp -s "$link" "$work/mine.before"
check "...still a regular file" sh -c "[ -f '$link' ] && [ ! -L '$link' ]"
check "...a warning naming the file and the template" \
  grep -qF "okstra-prepare: warning: '$link' is your own file: okstra's settings are not linked; merge '$template'" "$work/err"
check "...on stderr only, the run context on stdout" holds "$work/out" 'd["taskKey"] == "p/g/a"'
# --render-only writes nothing outside the bundle: no link.
render="$work/render"
new_repo "$render"
rc=$(status_of "$tool" --project-root "$render" --task-key r/g/a --task-type error-analysis --render-only -c)
check "--render-only: exit 0" [ "$rc" = 0 ]
check "...no settings link" [ ! -e "$render/.claude" ]
# A folder where the link goes: a warning, nothing changed.
mkdir -p "$render/.claude/settings.local.json"
rc=$(status_of "$tool" --project-root "$render" --task-key r/g/a --task-type error-analysis --base-ref main -c)
check "a folder in the way: exit 0" [ "$rc" = 0 ]
check "...a warning" grep -qF "okstra-prepare: warning: '$render/.claude/settings.local.json' is not a file" "$work/err"
check "...the folder kept" [ -d "$render/.claude/settings.local.json" ]
# Concurrent prepares of one project: one link, no temporary left, no failure.
multi="$work/multi"
new_repo "$multi"
pids=""
for i in 1 2 3 4 5 6; do
  "$tool" --project-root "$multi" --task-key m/g/t$i --task-type error-analysis --base-ref main -c \
    >"$work/multi.$i.out" 2>"$work/multi.$i.err" &
  pids="$pids $!"
done
ok=0
for pid in $pids; do wait "$pid" && ok=$((ok + 1)); done
check "six concurrent prepares of one project all exit 0" [ "$ok" = 6 ]
[ "$ok" = 6 ] || cat "$work"/multi.*.err >&2
check "...one link to the template" [ "$(readlink "$multi/.claude/settings.local.json")" = "$template" ]
check "...nothing else in .claude/" [ "$(ls -A "$multi/.claude")" = settings.local.json ]
check "...no warning" sh -c "! cat '$work'/multi.*.err | grep -q warning"
# An installed home: the link points into <home>/templates.
home2="$work/home2"
mkdir -p "$home2/templates"
cp -R "$OKSTRA_SOURCE_ROOT/templates/." "$home2/templates/"
echo 9.9.9 >"$home2/version"
inst="$work/inst"
new_repo "$inst"
rc=$(status_of env OKSTRA_HOME="$home2" OKSTRA_SKIP_INSTALL_CHECK= "$tool" --project-root "$inst" --task-key i/g/a \
  --task-type error-analysis --base-ref main -c)
check "an installed home: exit 0" [ "$rc" = 0 ]
check "...the link points at <home>/templates/settings.local.json" \
  [ "$(readlink "$inst/.claude/settings.local.json")" = "$home2/templates/settings.local.json" ]
check "...okstraVersion is the stamp" holds "$work/out" 'd["okstraVersion"] == "9.9.9"'
rm "$home2/templates/settings.local.json"
rc=$(status_of env OKSTRA_HOME="$home2" OKSTRA_SKIP_INSTALL_CHECK= "$tool" --project-root "$inst" --task-key i/g/a \
  --task-type error-analysis -c)
check "a home without the settings template fails the install check (exit 3)" [ "$rc" = 3 ]
check "...naming it" grep -qF "'$home2/templates/settings.local.json'" "$work/err"

# ---- c. --reference-expectations ----------------------------------------------------
printf '# Expected\n\nThe fix keeps {{NOT_A_PLACEHOLDER}} as written.\n' >"$work/expect.md"
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/r --task-type error-analysis --base-ref main \
  --reference-expectations "$work/expect.md" -c)
check "--reference-expectations: exit 0" [ "$rc" = 0 ]
iset="$repo/.okstra/tasks/g/r/instruction-set"
check "...copied byte for byte (never rendered)" cmp -s "$iset/reference-expectations.md" "$work/expect.md"
run_dir=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runDir"])' "$work/out")
check "...named in the run inputs" holds "$run_dir/prompts/001/run-inputs.json" \
  "d['referenceExpectations'] == '$work/expect.md'"
check "...named in the analysis material" grep -qF '`reference-expectations.md`' "$iset/analysis-material.md"
# okstra-cost counts it in the full contract: one file more than a task without it.
"$OKSTRA_BUILD_ROOT/okstra-cost" --task-root "$repo/.okstra/tasks/g/a" -c >"$work/cost.a"
"$OKSTRA_BUILD_ROOT/okstra-cost" --task-root "$repo/.okstra/tasks/g/r" -c >"$work/cost.r"
check "...measured by okstra-cost (one more full-contract file)" python3 -c '
import json, sys
a, r = (json.load(open(f))["analysisWorker"]["legacyFullContractFileCount"] for f in sys.argv[1:])
assert r == a + 1, (a, r)' "$work/cost.a" "$work/cost.r"
rc=$(status_of "$tool" --project-root "$repo" --task-key p/g/r2 --task-type error-analysis --base-ref main \
  --reference-expectations "$work/missing.md" -c)
check "a missing --reference-expectations file: exit 3" [ "$rc" = 3 ]
check "...names it" grep -qF "'$work/missing.md'" "$work/err"
check "...and rolls the run back" lacks '"taskKey":"p/g/r2"' "$OKSTRA_HOME/active.jsonl"

finish
