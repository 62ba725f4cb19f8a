#!/bin/sh
# okstra-migrate end to end on a real legacy project: a git repository that
# okstra-prepare set up (two phases, worktree, finished runs), then put back
# into the legacy layout .project-docs/okstra/ with every reference (project
# files, <home>/projects, recent.jsonl, active.jsonl, the worktree registry)
# naming it, as the old runtime left it. (a) each refusal, and a busy central
# or registry lock with --no-wait: exit 1, the message, no byte changed;
# (b) the dry run's plan is what --apply executes, a second --apply has
# nothing to do, the result is what the plan says;
# (c) SIGKILL at every named step, then a re-run ends in the migrated state;
# (d) --undo after a kill restores the legacy layout byte for byte; (e) git
# sees renames; (f) usage and input errors.
set -eu
tool="$OKSTRA_BUILD_ROOT/okstra-migrate"
prepare="$OKSTRA_BUILD_ROOT/okstra-prepare"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
export OKSTRA_HOME="$work/home" OKSTRA_SKIP_INSTALL_CHECK=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_WORKTREE_SYNC_DIRS OKSTRA_TEST_PAUSE_AT OKSTRA_TEST_RESUME_FILE || true
P="$work/proj"
L="$P/.project-docs/okstra"
N="$P/.okstra"
H="$OKSTRA_HOME"

# tree_state DIR...: one line per name under each DIR (type, path, mode and
# sha256 of a file, target of a link), sorted: equal output = equal trees.
tree_state() {
  python3 - "$@" <<'EOF'
import hashlib, os, stat, sys
for top in sys.argv[1:]:
    rows = []
    for base, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(base, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, top)
            if stat.S_ISLNK(st.st_mode):
                rows.append("l %s -> %s" % (rel, os.readlink(p)))
            elif stat.S_ISDIR(st.st_mode):
                rows.append("d %s" % rel)
            else:
                rows.append("f %s %o %s" % (rel, st.st_mode & 0o7777, hashlib.sha256(open(p, "rb").read()).hexdigest()))
    print(top)
    print("\n".join(sorted(rows)))
EOF
}
snapshot() { tree_state "$P" "$H" >"$1"; }
quiet_json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# ---- the legacy fixture, built once and restored from a tarball ----------------------
new_repo "$P"
for type in error-analysis implementation-planning; do
  "$prepare" --project-root "$P" --task-key shop/pay/refund --task-type "$type" --base-ref main -c >"$work/run.json" 2>"$work/err"
  "$prepare" finish --run-dir "$(quiet_json "$work/run.json" 'd["runDir"]')" --status completed -c >/dev/null
done
"$prepare" --project-root "$P" --task-key shop/pay/other --task-type requirements-discovery --base-ref main -c >"$work/run.json" 2>"$work/err"
"$prepare" finish --run-dir "$(quiet_json "$work/run.json" 'd["runDir"]')" --status completed -c >/dev/null
# Back to the legacy layout, every reference with it.
mkdir "$P/.project-docs"
mv "$N" "$L"
find "$L" "$H/projects" "$H/recent.jsonl" -type f -exec sed -i "s#$P/\\.okstra\\([/\"]\\)#$L\\1#g" {} +
plan_report="$L/tasks/pay/refund/runs/implementation-planning/reports/final-report-implementation-planning-001.md"
printf '{"runDir":"/elsewhere/.okstra/tasks/a/b/runs/x","projectRoot":"/elsewhere","approvedPlan":"%s","status":"running"}\n' \
  "$plan_report" >>"$H/active.jsonl"
printf 'torn line naming %s/tasks\n' "$L" >>"$H/recent.jsonl"
# A PR template inside the okstra folder, named relative to the project root
# in project.json and in its mirror <home>/projects/shop.json.
echo "PR body" >"$L/pr-template.md"
python3 - "$L/project.json" "$H/projects/shop.json" <<'EOF'
import json, sys
for path in sys.argv[1:]:
    d = json.load(open(path))
    root = d.pop("projectRoot")
    d["prTemplatePath"] = ".project-docs/okstra/pr-template.md"
    d["projectRoot"] = root
    json.dump(d, open(path, "w"), indent=2)
EOF
python3 - "$H/worktrees/registry.json" "$L" <<'EOF'
import json, sys
reg = json.load(open(sys.argv[1]))
for entry in reg["entries"].values():
    entry["taskRoot"] = sys.argv[2] + "/tasks/" + entry["taskGroup"] + "/" + entry["taskId"]
json.dump(reg, open(sys.argv[1], "w"), indent=2)
EOF
check "fixture: recent.jsonl names the legacy folder" grep -q "\"runDir\":\"$L/tasks/pay/refund/runs" "$H/recent.jsonl"
check "fixture: a manifest names the legacy folder" grep -q "$L/tasks/pay/refund/runs" "$L/tasks/pay/refund/task-manifest.json"
tar -C "$work" -cf "$work/pristine.tar" proj home
restore() { rm -rf "$P" "$H"; tar -C "$work" -xf "$work/pristine.tar"; }
snapshot "$work/pristine.state"
files_in_legacy=$(find "$L" ! -type d | wc -l)

# ---- a. refusals: exit 1, one error line, nothing changed ------------------------------
# refused NAME REASON SUBJECT [DIR]: dry run and --apply (from DIR) both refuse.
refused() {
  snapshot "$work/before.state"
  for mode in "" --apply; do
    set +e
    (cd "${4:-$work}" && "$tool" --cwd "$P" $mode >"$work/out" 2>"$work/err")
    rc=$?
    set -e
    check "$1 ${mode:-dry run}: exit 1 ($rc)" [ "$rc" = 1 ]
    check "$1 ${mode:-dry run}: says why" grep -qxF "okstra-migrate: error: migrate refused: $2 '$3'" "$work/err"
    check "$1 ${mode:-dry run}: nothing on stdout" [ ! -s "$work/out" ]
  done
  snapshot "$work/after.state"
  check "$1: no byte changed" cmp -s "$work/before.state" "$work/after.state"
}
restore
mv "$P/.project-docs" "$work/aside"
refused "no legacy folder" "no legacy folder" "$L"
run env OKSTRA_HOME="$work/fresh-home" "$tool" --cwd "$P" --apply
check "a refusal takes no lock: a fresh home stays absent" sh -c "[ $rc = 1 ] && [ ! -e '$work/fresh-home' ]"
restore
mkdir "$N" && echo x >"$N/stray"
refused ".okstra/ not empty" ".okstra/ already exists and is not empty" "$N"
restore
mv "$L" "$work/real-legacy" && ln -s "$work/real-legacy" "$L"
refused "legacy folder is a link" "the legacy folder is a symbolic link" "$L"
rm -rf "$work/real-legacy" "$work/aside"
restore
active_run="$L/tasks/pay/refund/runs/error-analysis"
printf '{"runDir":"%s","taskKey":"shop/pay/refund","projectRoot":"%s","status":"running"}\n' "$active_run" "$P" >>"$H/active.jsonl"
refused "active run" "a run of this project is active" "$active_run"
check "active run: the hint says how to close it" grep -q "okstra-prepare finish --run-dir '$active_run' --status aborted" "$work/err"
restore
refused "inside the legacy folder" "the current directory is inside the folder being moved" "$L/tasks/pay" "$L/tasks/pay"

# A busy lock (another process holds it): --no-wait gives up, nothing changed.
for lock in central registry; do
  restore
  rm -f "$work/held"
  "$OKSTRA_TEST_TOOLS/okstra-test-lock" --lock "$lock" --hold 60 --ready "$work/held" &
  holder=$!
  n=0
  while [ ! -e "$work/held" ] && [ "$n" -lt 300 ]; do sleep 0.05; n=$((n + 1)); done
  snapshot "$work/before.state"
  run "$tool" --cwd "$P" --apply --no-wait
  check "$lock lock busy: exit 1 ($rc)" [ "$rc" = 1 ]
  check "$lock lock busy: says so" grep -q "^okstra-migrate: error: lock busy '" "$work/err"
  snapshot "$work/after.state"
  check "$lock lock busy: no byte changed" cmp -s "$work/before.state" "$work/after.state"
  kill "$holder"
  wait "$holder" 2>/dev/null || true
done

# ---- b. dry run = plan of --apply; the result; a second --apply -------------------------
restore
run "$tool" --cwd "$P" -c
check "dry run exits 0" [ "$rc" = 0 ]
check "dry run says nothing was done" grep -q "dry run: nothing was changed" "$work/err"
cp "$work/out" "$work/dry.json"
snapshot "$work/after.state"
check "dry run changes no byte" cmp -s "$work/pristine.state" "$work/after.state"
run "$tool" --cwd "$P" --apply -c
check "--apply exits 0 ($(cat "$work/err"))" [ "$rc" = 0 ]
cp "$work/out" "$work/apply.json"
check "--apply prints {plan, result} on one line" [ "$(wc -l <"$work/apply.json")" = 1 ]
check "the dry run's plan is the plan --apply executed" python3 -c "
import json, sys
sys.exit(json.load(open('$work/dry.json'))['plan'] != json.load(open('$work/apply.json'))['plan'])"
check "the plan moves every file" [ "$(quiet_json "$work/dry.json" 'd["plan"]["move"]["files"]')" = "$files_in_legacy" ]
check "a dry run prints {plan, result}: result dry-run, nothing changed" \
  [ "$(quiet_json "$work/dry.json" '(list(d), d["result"])')" = "(['plan', 'result'], {'status': 'dry-run', 'changed': False})" ]
check "status migrated" [ "$(quiet_json "$work/apply.json" 'd["result"]["status"]')" = migrated ]
check "references rewritten = the plan's" [ "$(quiet_json "$work/apply.json" 'd["result"]["referencesRewritten"]')" = \
  "$(quiet_json "$work/dry.json" 'sum(r["references"] for k in ("project","home") for r in d["plan"]["rewrites"][k])')" ]
for f in projects/shop.json recent.jsonl active.jsonl worktrees/registry.json; do
  check "the plan rewrites $f" python3 -c "
import json, sys
sys.exit('$H/$f' not in [r['path'] for r in json.load(open('$work/dry.json'))['plan']['rewrites']['home']])"
done
check "legacy folder gone" [ ! -e "$P/.project-docs" ]
check "journal gone" [ ! -e "$P/.okstra-migrate.journal.json" ]
check "the project's JSON files are there to search" sh -c "find '$N' -name '*.json' -type f | grep -q ."
check "no reference to the legacy folder left in the project's JSON" sh -c "! grep -rq --include='*.json' '$L' '$N'"
check "recent.jsonl rewritten" grep -q "\"runDir\":\"$N/tasks/pay/refund/runs" "$H/recent.jsonl"
check "the torn line is kept byte for byte" grep -qxF "torn line naming $L/tasks" "$H/recent.jsonl"
check "active.jsonl's other project keeps its line, path rewritten" grep -q "\"approvedPlan\":\"$N/tasks/pay/refund" "$H/active.jsonl"
check "registry rewritten" grep -q "\"taskRoot\": \"$N/tasks/pay/refund\"" "$H/worktrees/registry.json"
run "$OKSTRA_BUILD_ROOT/okstra-worktree" list -c
check "the registry still reads" [ "$rc" = 0 ]
# Every file once, byte-identical to its source except rewritten references.
check "every file moved once, only references changed" python3 - "$work/pristine.tar" "$L" "$N" <<'EOF'
import os, re, sys, tarfile
tar, old, new = tarfile.open(sys.argv[1]), sys.argv[2], sys.argv[3]
top = os.path.dirname(os.path.dirname(os.path.dirname(old)))  # $work
moved = {}
for m in tar.getmembers():
    path = os.path.join(top, m.name)
    if path.startswith(old + "/") and not m.isdir():
        moved[os.path.relpath(path, old)] = tar.extractfile(m).read() if m.isfile() else None
now = set()
for base, dirs, files in os.walk(new):
    now.update(os.path.relpath(os.path.join(base, f), new) for f in files)
if now != set(moved):
    sys.exit("names differ: %s" % sorted(now ^ set(moved)))
for rel, data in moved.items():
    got = open(os.path.join(new, rel), "rb").read()
    want = data
    if rel.endswith(".json"):  # absolute and (project.json's) root-relative references
        want = re.sub(re.escape(old).encode() + rb'(?=[/"])', new.encode(), want)
        want = re.sub(rb'"\.project-docs/okstra(?=[/"])', b'".okstra', want)
    if got != want:
        sys.exit("content differs: " + rel)
EOF
snapshot "$work/migrated.state"
run "$tool" --cwd "$P" --apply -c
check "a second --apply exits 0" [ "$rc" = 0 ]
check "a second --apply has nothing to do" [ "$(quiet_json "$work/out" 'd["result"]["status"]')" = nothing-to-do ]
run "$tool" --cwd "$P"
check "a dry run then says nothing to do" grep -q "nothing to do" "$work/err"
snapshot "$work/after.state"
check "nothing to do changes nothing" cmp -s "$work/migrated.state" "$work/after.state"
run "$prepare" --project-root "$P" --task-key shop/pay/refund --task-type implementation-planning -c
check "prepare works on the migrated project" [ "$rc" = 0 ]
check "prepare uses the rewritten PR template path" grep -q "\"path\":\"$N/pr-template.md\"" "$work/out"
check "in .okstra/" grep -q "\"runDir\":\"$N/tasks/pay/refund/runs/implementation-planning\"" "$work/out"

# ---- c. SIGKILL at every named step, then a re-run ----------------------------------------
# kill_at STEP ARGS...: starts okstra-migrate ARGS paused after STEP, kills it (-9).
kill_at() {
  step=$1
  shift
  rm -f "$work/crash.err"  # no stale pause line from the previous kill
  OKSTRA_TEST_PAUSE_AT=$step OKSTRA_TEST_RESUME_FILE="$work/never" "$tool" --cwd "$P" "$@" >"$work/crash.out" 2>"$work/crash.err" &
  pid=$!
  n=0
  while ! grep -q "test pause at $step" "$work/crash.err" 2>/dev/null && [ "$n" -lt 300 ]; do sleep 0.05; n=$((n + 1)); done
  check "paused at $step" grep -q "okstra-migrate: test pause at $step" "$work/crash.err"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
}
forward_steps="journal move rewrite-project-first rewrite-project rewrite-projects rewrite-recent rewrite-active rewrite-registry cleanup"
for step in $forward_steps; do
  restore
  kill_at "$step" --apply
  check "a journal is left after a kill at $step" [ -f "$P/.okstra-migrate.journal.json" ]
  run "$tool" --cwd "$P" -c
  check "the dry run shows the interrupted plan ($step)" [ "$(quiet_json "$work/out" 'd["plan"]["state"]')" = interrupted ]
  run "$prepare" --project-root "$P" --task-key shop/pay/refund --task-type error-analysis -c
  check "prepare refuses a half-migrated project ($step)" [ "$rc" = 1 ]
  run "$tool" --cwd "$P" --apply -c
  check "the re-run after $step exits 0" [ "$rc" = 0 ]
  check "the re-run after $step resumed" [ "$(quiet_json "$work/out" 'd["result"]["resumed"]')" = True ]
  snapshot "$work/after.state"
  check "after a kill at $step: the migrated state, byte for byte" cmp -s "$work/migrated.state" "$work/after.state"
done

# ---- d. --undo after a kill restores the legacy layout -------------------------------------
for step in $forward_steps; do
  restore
  kill_at "$step" --apply
  run "$tool" --cwd "$P" --undo -c
  check "--undo after $step exits 0" [ "$rc" = 0 ]
  check "--undo after $step says undone" [ "$(quiet_json "$work/out" 'd["result"]["status"]')" = undone ]
  snapshot "$work/after.state"
  check "--undo after a kill at $step: the legacy layout, byte for byte" cmp -s "$work/pristine.state" "$work/after.state"
done
for undo_step in undo-home undo-project undo-move; do
  restore
  kill_at rewrite-registry --apply
  kill_at "$undo_step" --undo
  run "$tool" --cwd "$P" --undo -c
  check "a second --undo after a kill at $undo_step exits 0" [ "$rc" = 0 ]
  snapshot "$work/after.state"
  check "a killed --undo ($undo_step) finished by --undo: byte for byte" cmp -s "$work/pristine.state" "$work/after.state"
done
restore
run "$tool" --cwd "$P" --undo
check "--undo without a journal is refused (exit 1)" [ "$rc" = 1 ]
check "--undo without a journal says so" grep -q "migrate refused: no interrupted migration to undo" "$work/err"

# ---- e. git sees renames, nothing lost ------------------------------------------------------
restore
# .claude/ holds the settings link prepare made: committed too, so that the
# diff below is the migration alone.
git -C "$P" add -A .project-docs .claude
git -C "$P" commit -q -m "legacy okstra folder"
tracked=$(git -C "$P" ls-files .project-docs | wc -l)
run "$tool" --cwd "$P" --apply -c
check "migrate of a git project exits 0" [ "$rc" = 0 ]
git -C "$P" add -A
git -C "$P" diff --cached -M --name-status >"$work/git.status"
# With git's default threshold (50 %) a small file whose bytes are mostly the
# rewritten paths (discovery/latest-task.json) shows as D + A: check that each
# such D has its A at the new place, and that a lower threshold pairs them.
check "git: nothing deleted without its rename" python3 - "$work/git.status" "$tracked" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
renamed = [r for r in rows if r[0].startswith("R")]
deleted = {r[1] for r in rows if r[0] == "D"}
added = {r[1] for r in rows if r[0] == "A"}
old, new = ".project-docs/okstra/", ".okstra/"
assert all(r[1].startswith(old) and r[2] == new + r[1][len(old):] for r in renamed), renamed
assert {new + d[len(old):] for d in deleted} == added, (deleted, added)
assert len(renamed) + len(deleted) == int(sys.argv[2]) == len(rows) - len(added), rows
EOF
check "git: files that kept their bytes are R100" grep -q "^R100	.project-docs/okstra/tasks/pay/refund/instruction-set/" "$work/git.status"
git -C "$P" diff --cached -M20% --name-status >"$work/git.status"
check "git -M20%: every tracked file is a rename ($tracked)" [ "$(grep -c '^R' "$work/git.status")" = "$tracked" ]
check "git -M20%: nothing else changed" [ "$(wc -l <"$work/git.status")" = "$tracked" ]

# ---- f. usage and input errors ----------------------------------------------------------------
run "$tool" --apply --undo
check "--apply with --undo: exit 2" [ "$rc" = 2 ]
run "$tool" --frobnicate
check "unknown option: exit 2" [ "$rc" = 2 ]
run "$tool" --cwd "$work/missing"
check "missing project folder: exit 3" [ "$rc" = 3 ]
check "missing project folder: named" grep -qxF "okstra-migrate: error: project folder not found '$work/missing'" "$work/err"
restore
echo '{"version": 1' >"$P/.okstra-migrate.journal.json"
run "$tool" --cwd "$P" --apply
check "corrupt journal: exit 3" [ "$rc" = 3 ]
check "corrupt journal: named" grep -q "corrupt migration journal '$P/.okstra-migrate.journal.json'" "$work/err"
run env OKSTRA_TEST_PAUSE_AT=nowhere "$tool" --cwd "$P"
check "unknown pause step: exit 2" [ "$rc" = 2 ]
run "$tool" --help
check "--help exits 0" [ "$rc" = 0 ]
check "--help documents the exit status" grep -q "^Exit status:" "$work/out"
finish
