#!/bin/sh
# Kill loop (docs/worktrees.md, "Crash safety"): okstra-prepare (every task
# type, implementation with --stage auto), okstra-worktree remove and
# reconcile, and okstra-prepare finish are SIGKILLed at random moments — the
# whole process group (as 'timeout -s KILL' and the OOM killer do) or only the
# tool, leaving its git child running — including inside git: a smudge filter,
# a post-checkout hook and a reference-transaction hook sleep, so kills land
# inside 'git worktree add', 'git branch' and 'git branch -D'. After every
# kill a plain re-run of prepare (half the time after 'okstra-worktree
# reconcile'; always after a killed reconcile) must succeed, and the registry,
# the worktree folders and 'git worktree list --porcelain' must agree.
#
# Bounded for CI: OKSTRA_KILL_LOOP_ITERATIONS (default 30) iterations or
# OKSTRA_KILL_LOOP_SECONDS (default 45) seconds, whichever ends first;
# OKSTRA_KILL_LOOP_SEED (default 1) makes a run repeatable. bench/kill_loop.sh
# runs it longer. The counts per operation and per state a kill left are printed.
set -eu
tool="$OKSTRA_BUILD_ROOT/okstra-prepare"
wtool="$OKSTRA_BUILD_ROOT/okstra-worktree"
plans="$OKSTRA_SOURCE_ROOT/tests/data/plans"
. "$OKSTRA_SOURCE_ROOT/tests/cli/lib.sh"
for program in timeout setsid python3; do
  command -v "$program" >/dev/null 2>&1 || { echo "skipped: $program is not installed"; exit 77; }
done
export OKSTRA_HOME="$work/home" OKSTRA_SKIP_INSTALL_CHECK=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset OKSTRA_WORKTREE_SYNC_DIRS OKSTRA_TEST_PAUSE_AT OKSTRA_TEST_RESUME_FILE || true
iterations=${OKSTRA_KILL_LOOP_ITERATIONS:-30}
budget=${OKSTRA_KILL_LOOP_SECONDS:-45}
seed=${OKSTRA_KILL_LOOP_SEED:-1}
echo "# kill loop: seed $seed, at most $iterations iterations or $budget s"

# A small linear congruential generator, so a seed repeats a run exactly.
state=$seed
rand_below() { state=$(((state * 1103515245 + 12345) % 2147483648)); r=$(((state / 65536) % $1)); }

# ---- a repository whose git is slow where okstra must survive a kill -----------------
repo="$work/repo"
mkdir -p "$repo" "$work/hooks" "$work/ingit"
git -C "$repo" -c init.defaultBranch=main init -q
for f in a b c; do echo "$f" >"$repo/$f.txt"; done
printf '*.txt filter=slow\n' >"$repo/.gitattributes"
git -C "$repo" add .
git -C "$repo" commit -q -m init
# Each marks itself "inside git" while it sleeps.
git -C "$repo" config filter.slow.smudge "touch '$work/ingit/smudge.\$\$'; sleep 0.03; rm -f '$work/ingit/smudge.\$\$'; cat"
for hook in post-checkout reference-transaction; do
  cat >"$work/hooks/$hook" <<EOF
#!/bin/sh
cat >/dev/null 2>&1 || true
touch "$work/ingit/$hook.\$\$"
sleep 0.05
rm -f "$work/ingit/$hook.\$\$"
exit 0
EOF
  chmod +x "$work/hooks/$hook"
done
git -C "$repo" config core.hooksPath "$work/hooks"
mkdir -p "$work/plan"
cp "$plans/valid-approved/plan.md" "$work/plan/plan.md"
printf '{"approval":{"approved":true},"stages":[{"n":1},{"n":2,"dependsOn":[1]},{"n":3}]}\n' >"$work/plan/data.json"

# ---- the operations ---------------------------------------------------------------------
types="requirements-discovery error-analysis implementation-planning implementation final-verification release-handoff improvement-discovery"
keys="p/g/k1 p/g/k2 p/g/k3"
pick() {  # pick VAR WORD...: a random word into VAR (in this shell, so the generator moves on)
  var_=$1
  shift
  rand_below $#
  shift "$r"
  eval "$var_=\$1"
}
prepare_args() {  # key type
  type_=$2
  set -- --project-root "$repo" --task-key "$1" --task-type "$2" --base-ref main -c --lock-timeout 30
  case $type_ in
    implementation) set -- "$@" --approved-plan "$work/plan/plan.md" --stage auto ;;
    final-verification) set -- "$@" --approved-plan "$work/plan/plan.md" --stage 1 ;;
  esac
  printf '%s\n' "$@"
}
# an active run of the key, for finish
active_run() { sed -n "s/.*\"runDir\":\"\\([^\"]*\\)\".*\"taskKey\":\"$(echo "$1" | sed 's|/|\\/|g')\".*/\\1/p" \
  "$OKSTRA_HOME/active.jsonl" 2>/dev/null | tail -1; }

# The registry, the folders and git agree: every row with a worktree is a git
# worktree of its repository (unlocked, not prunable), every kept row has no
# folder and a branch, every okstra folder and git worktree has a row, and the
# recovered key has no pending intent.
consistent() {
  python3 - "$OKSTRA_HOME" "$repo" "$1" <<'EOF'
import json, os, subprocess, sys
home, repo, key = sys.argv[1:]
reg = json.load(open(os.path.join(home, "worktrees", "registry.json")))
base = os.path.join(home, "worktrees")
out = subprocess.run(["git", "-C", repo, "worktree", "list", "--porcelain"], capture_output=True, text=True, check=True).stdout
listed = {}
for block in out.strip().split("\n\n"):
    lines = block.splitlines()
    listed[lines[0][len("worktree "):]] = lines[1:]
problems = []
row_paths = set()
for row, e in reg["entries"].items():
    p = e["path"]
    if "/".join([e["projectId"], e["taskGroup"], e["taskId"]]) == key and "intent" in e:
        problems.append(f"{row}: intent left ({e['status']})")
    if e["status"] in ("active", "completed", "released"):
        row_paths.add(p)
        if p not in listed: problems.append(f"{row}: not a git worktree")
        elif any(l.startswith(("locked", "prunable")) for l in listed[p]): problems.append(f"{row}: {listed[p]}")
        if not os.path.isdir(p): problems.append(f"{row}: folder missing")
    elif e["status"] == "kept":
        if os.path.lexists(p): problems.append(f"{row}: kept but folder exists")
        if p in listed: problems.append(f"{row}: kept but git lists it")
        if subprocess.run(["git", "-C", repo, "show-ref", "--verify", "--quiet", "refs/heads/" + e["branch"]]).returncode:
            problems.append(f"{row}: kept without its branch")
    else:
        row_paths.add(p)
for p in listed:
    if p.startswith(base + "/") and p not in row_paths: problems.append(f"git worktree without a row: {p}")
for top, dirs, files in os.walk(base):
    depth = os.path.relpath(top, base).count("/")
    if depth == 2 or (depth == 3 and top.endswith(".stages")):
        for d in dirs:
            p = os.path.join(top, d)
            if not d.endswith(".stages") and p not in row_paths: problems.append(f"folder without a row: {p}")
        if depth == 3: dirs[:] = []
for p in problems: print(p)
sys.exit(1 if problems else 0)
EOF
}

# The state a kill left, before anything repairs it.
kill_state() {
  python3 - "$OKSTRA_HOME/worktrees/registry.json" "$repo" <<'EOF'
import json, os, subprocess, sys
try:
    reg = json.load(open(sys.argv[1]))
except FileNotFoundError:
    print("clean"); sys.exit()
out = subprocess.run(["git", "-C", sys.argv[2], "worktree", "list", "--porcelain"], capture_output=True, text=True).stdout
statuses = {e["status"] for e in reg["entries"].values()}
if "provisioning" in statuses: print("provisioning-git-locked" if "locked initializing" in out else "provisioning")
elif "removing" in statuses: print("removing")
else: print("clean")
EOF
}

count() { eval "n_$1=\$((\${n_$1:-0} + 1))"; }
started=$(date +%s)
i=0
while [ "$i" -lt "$iterations" ] && [ $(($(date +%s) - started)) -lt "$budget" ]; do
  i=$((i + 1))
  pick key $keys
  rand_below 10
  case $r in
    0 | 1 | 2 | 3) op=prepare; pick type $types ;;
    4 | 5) op=prepare; type=implementation ;;
    6) op=finish ;;
    7 | 8) op=remove ;;
    *) op=reconcile ;;
  esac
  # shellcheck disable=SC2046
  case $op in
    prepare) set -- "$tool" $(prepare_args "$key" "$type") ;;
    finish)
      run_dir=$(active_run "$key")
      [ -n "$run_dir" ] || { op=reconcile; }
      if [ "$op" = finish ]; then rand_below 2; set -- "$tool" finish --run-dir "$run_dir" --status "$([ "$r" = 0 ] && echo completed || echo error)" -c; fi ;;
    remove)
      set -- "$wtool" remove "$key" --force -c
      rand_below 2; [ "$r" = 0 ] && set -- "$@" --delete-branch ;;
  esac
  [ "$op" = reconcile ] && set -- "$wtool" reconcile -c
  # prepare takes ~0.2-0.5 s here; remove, reconcile and finish far less.
  case $op in
    prepare) rand_below 590; r=$((r + 10)) ;;
    remove) rand_below 150; r=$((r + 2)) ;;
    *) rand_below 40; r=$((r + 1)) ;;
  esac
  delay=$(printf '0.%03d' "$r")
  rand_below 3
  if [ "$r" = 0 ]; then how=tool_only; else how=group; fi
  set +e
  if [ "$how" = group ]; then
    timeout -s KILL "$delay" "$@" >"$work/op.out" 2>"$work/op.err" </dev/null
  else
    timeout --foreground -s KILL "$delay" "$@" >"$work/op.out" 2>"$work/op.err" </dev/null
  fi
  rc=$?
  set -e
  count "op_$op"
  # 137: killed. 124: the deadline came as the tool was exiting on its own
  # ('timeout --foreground' could not kill it any more): treated as a kill too.
  if [ "$rc" != 137 ] && [ "$rc" != 124 ]; then
    count "finished_$op"
    case $rc in 0 | 1) ;; *) fail "iteration $i: $op exited $rc without a kill: $(tail -2 "$work/op.err" | tr '\n' ' ')" ;; esac
    continue
  fi
  count "killed_$op"
  count "killed_$how"
  if [ -n "$(ls "$work/ingit")" ]; then count inside_git; fi
  left=$(kill_state)
  count "state_$(echo "$left" | tr '-' '_')"
  # Recovery: reconcile half the time (always after a killed reconcile), then a plain re-run.
  rand_below 2
  if [ "$op" = reconcile ] || [ "$r" = 0 ]; then
    count recover_with_reconcile
    set +e; "$wtool" reconcile -c --lock-timeout 30 >"$work/rec.out" 2>"$work/rec.err"; rc=$?; set -e
    [ "$rc" = 0 ] || fail "iteration $i: reconcile after a killed $op exited $rc: $(tail -2 "$work/rec.err" | tr '\n' ' ')"
  fi
  set +e; "$tool" $(prepare_args "$key" error-analysis) >"$work/re.out" 2>"$work/re.err" </dev/null; rc=$?; set -e
  if [ "$rc" = 0 ]; then count recovered; else
    fail "iteration $i: re-run after a killed $op ($how, $delay s, $left) exited $rc: $(tail -2 "$work/re.err" | tr '\n' ' ')"
  fi
  if ! consistent "$key" >"$work/check.out"; then
    fail "iteration $i: registry and git disagree after a killed $op ($how, $delay s): $(tr '\n' ';' <"$work/check.out")"
  fi
  rm -f "$work"/ingit/*
done
# Whatever is left: a reconcile settles it all, then every key prepares.
set +e; "$wtool" reconcile -c >"$work/rec.out" 2>&1; rc=$?; set -e
check "a final reconcile exits 0" [ "$rc" = 0 ]
for key in $keys; do
  set +e; "$tool" $(prepare_args "$key" error-analysis) >/dev/null 2>"$work/re.err" </dev/null; rc=$?; set -e
  check "prepare of $key succeeds at the end" [ "$rc" = 0 ]
  check "registry and git agree for $key at the end" consistent "$key"
done
v() { eval "echo \${$1:-0}"; }
echo "# iterations: $i in $(($(date +%s) - started)) s (seed $seed)"
for op in prepare remove reconcile finish; do
  echo "# $op: run $(v "n_op_$op"), killed $(v "n_killed_$op"), finished before the kill $(v "n_finished_$op")"
done
echo "# kills: whole group $(v n_killed_group), tool only $(v n_killed_tool_only), inside git $(v n_inside_git)"
echo "# states left: provisioning with git-locked worktree $(v n_state_provisioning_git_locked)," \
  "provisioning $(v n_state_provisioning), removing $(v n_state_removing), nothing pending $(v n_state_clean)"
echo "# recovered by a plain re-run: $(v n_recovered) (reconcile first: $(v n_recover_with_reconcile))"
check "some kills happened" [ "$(v n_killed_prepare)$(v n_killed_remove)" != 00 ]
# The loop must have met the states it exists for: a kill that left an intent
# (provisioning or removing) for the next run to finish.
pending=$(($(v n_state_provisioning_git_locked) + $(v n_state_provisioning) + $(v n_state_removing)))
check "some kills left a pending intent to repair ($pending)" [ "$pending" -gt 0 ]
finish
