#!/usr/bin/env bash
# Wall time of `okstra-migrate --apply` on a large legacy project (target: median under 2 s):
# 250 tasks of 40 files each (task manifest, instruction set, three task types with two runs each:
# run-context.json, reports, worker results, prompts with run-inputs.json) plus project.json and the
# discovery files: 10,003 files in .project-docs/okstra/, 2,503 of them JSON naming the legacy paths;
# an okstra home with the project's mirror, a recent.jsonl of 3,000 lines and a worktree registry.
#
#   bench/migrate_bench.sh [--runs N] [--tasks N]
#
# The project is generated once into bench/out/migrate/template/, copied afresh before each run
# (then `sync`, so the copy's own write-back is not timed), and every run is checked: the legacy
# folder gone, no JSON under .okstra/ naming it, the journal gone. Also times the dry run. Writes
# bench/out/migrate-bench.md (the block for docs/performance.md) and exits 1 when the target is missed.
# okstra-migrate: $OKSTRA_BUILD/okstra-migrate, else build/okstra-migrate.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=7
tasks=250
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --tasks) tasks=${2:?--tasks needs a number}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "migrate_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
build=${OKSTRA_BUILD:-$root/build}
migrate=$build/okstra-migrate
[ -x "$migrate" ] || { echo "migrate_bench: $migrate not built (meson compile -C build)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "migrate_bench: python3 is required" >&2; exit 2; }
out=$root/bench/out/migrate
mkdir -p "$out"

python3 - "$migrate" "$out" "$runs" "$tasks" "$root/bench/out/migrate-bench.md" <<'EOF'
import json, os, platform, shutil, statistics, subprocess, sys, time

migrate, out, runs, ntasks, out_md = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
template, work = os.path.join(out, "template"), os.path.join(out, "run")
proj, home = os.path.join(work, "proj"), os.path.join(work, "home")
legacy = os.path.join(proj, ".project-docs", "okstra")
env = dict(os.environ, OKSTRA_HOME=home, LC_ALL="C.UTF-8")
for var in ("OKSTRA_TEST_PAUSE_AT", "OKSTRA_TEST_RESUME_FILE"):
    env.pop(var, None)
TYPES = ["error-analysis", "implementation-planning", "implementation/stage-1"]
PARA = ("The refund worker retries the bank call three times with a fixed 10 s timeout; when the bank "
        "answers slowly the third attempt overlaps the caller's own 30 s deadline and the refund is "
        "reported as failed although it went through. ") * 6


def put(path, text):
    path = os.path.join(template, os.path.relpath(path, work))  # written to the template
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def dump(path, obj):
    put(path, json.dumps(obj, indent=2) + "\n")


def generate():
    """The legacy project and home, written under template/ but naming their paths under run/."""
    leg = legacy
    dump(os.path.join(leg, "project.json"), {"projectId": "bench", "projectRoot": proj})
    recent, catalog = [], []
    for t in range(ntasks):
        group, task = "g%02d" % (t % 20), "task-%04d" % t
        troot = os.path.join(leg, "tasks", group, task)
        for name in ("task-brief", "analysis-material", "timeline", "analysis-packet", "stage-scope",
                     "clarification-response"):
            put(os.path.join(troot, "instruction-set", name + ".md"), "# %s\n\n%s\n" % (name, PARA))
        runs_list = []
        for ty in TYPES:
            kind = ty.split("/")[0]
            rdir = os.path.join(troot, "runs", ty)
            for seq in ("001", "002"):
                report = os.path.join(rdir, "reports", "final-report-%s-%s.md" % (kind, seq))
                put(report, "---\ntaskType: %s\n---\n# Report %s\n\n%s\n" % (kind, seq, PARA * 3))
                for w in ("claude", "codex"):
                    put(os.path.join(rdir, "worker-results", "%s-worker-%s.md" % (w, seq)), PARA * 2)
                inputs = {"taskKey": "bench/%s/%s" % (group, task), "taskType": kind, "taskBrief": PARA[:200],
                          "approvedPlan": os.path.join(troot, "runs", "implementation-planning", "reports",
                                                       "final-report-implementation-planning-001.md"),
                          "workers": ["claude", "codex"], "createdAt": "2026-11-29T10:00:00Z"}
                dump(os.path.join(rdir, "prompts", seq, "run-inputs.json"), inputs)
                put(os.path.join(rdir, "prompts", seq, "claude-worker.md"),
                    "Write your result to %s/worker-results/claude-worker-%s.md\n\n%s\n" % (rdir, seq, PARA))
                run = {"taskType": kind, "seq": int(seq), "runDir": rdir, "reportPath": report,
                       "createdAt": "2026-11-29T10:00:00Z"}
                runs_list.append(run)
                line = dict(run, taskKey="bench/%s/%s" % (group, task), projectId="bench", projectRoot=proj,
                            executor="claude", status="running", startedAt=run["createdAt"])
                recent.append(json.dumps(line, separators=(",", ":")))
                recent.append(json.dumps(dict(line, status="completed", finishedAt=run["createdAt"]),
                                         separators=(",", ":")))
            dump(os.path.join(rdir, "run-context.json"),
                 {"projectRoot": proj, "taskKey": "bench/%s/%s" % (group, task), "taskType": kind,
                  "seq": 2, "runDir": rdir, "reportPath": runs_list[-1]["reportPath"],
                  "worktreePath": os.path.join(home, "worktrees", "bench", group, task)})
        dump(os.path.join(troot, "task-manifest.json"),
             {"version": 1, "taskKey": "bench/%s/%s" % (group, task), "runs": runs_list})
        catalog.append({"taskKey": "bench/%s/%s" % (group, task), "lastRun": runs_list[-1]})
    dump(os.path.join(leg, "discovery", "task-catalog.json"), {"version": 1, "projectId": "bench", "tasks": catalog})
    dump(os.path.join(leg, "discovery", "latest-task.json"), dict(catalog[-1]["lastRun"], taskRoot=troot))
    dump(os.path.join(home, "projects", "bench.json"), {"projectId": "bench", "projectRoot": proj})
    put(os.path.join(home, "recent.jsonl"), "\n".join(recent) + "\n")
    put(os.path.join(home, "active.jsonl"), "")
    entries = {"bench+g%02d+task-%04d" % (t % 20, t): {
        "projectId": "bench", "taskGroup": "g%02d" % (t % 20), "taskId": "task-%04d" % t, "projectRoot": proj,
        "path": os.path.join(home, "worktrees", "bench", "g%02d" % (t % 20), "task-%04d" % t),
        "branch": "feat-task-%04d" % t, "baseRef": "main", "baseCommit": "0" * 40, "status": "completed",
        "createdAt": "2026-11-29T10:00:00Z", "updatedAt": "2026-11-29T10:00:00Z"} for t in range(ntasks)}
    branches = {e["branch"]: k for k, e in entries.items()}
    dump(os.path.join(home, "worktrees", "registry.json"), {"version": 1, "entries": entries, "branches": branches})


def count_files(top):
    return sum(len(files) for _, _, files in os.walk(top))


stamp = os.path.join(template, "params.json")
params = {"tasks": ntasks, "version": 2, "at": work}
if not (os.path.exists(stamp) and json.load(open(stamp)) == params):
    shutil.rmtree(template, ignore_errors=True)
    generate()
    os.makedirs(template, exist_ok=True)
    with open(stamp, "w") as f:
        json.dump(params, f)
nfiles = count_files(os.path.join(template, "proj", ".project-docs", "okstra"))
njson = sum(1 for b, _, fs in os.walk(os.path.join(template, "proj", ".project-docs", "okstra"))
            for f in fs if f.endswith(".json"))


def fresh():
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-a", template, work], check=True)
    os.remove(os.path.join(work, "params.json"))
    subprocess.run(["sync"], check=True)


# One-line JSON: -c/--compact; before the one command-line contract, --quiet meant that.
one_line = "--compact" if "--compact" in subprocess.run([migrate, "--help"], capture_output=True, text=True).stdout \
    else "--quiet"


def timed(args):
    t0 = time.perf_counter()
    p = subprocess.run([migrate, "--cwd", proj, one_line] + args, env=env, capture_output=True)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("migrate_bench: okstra-migrate %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr.decode()[-2000:]))
    return t, json.loads(p.stdout)


def verify():
    assert not os.path.exists(os.path.join(proj, ".project-docs")), "legacy folder left"
    assert not os.path.exists(os.path.join(proj, ".okstra-migrate.journal.json")), "journal left"
    assert count_files(os.path.join(proj, ".okstra")) == nfiles, "file count differs"
    for b, _, fs in os.walk(os.path.join(proj, ".okstra")):
        for f in fs:
            if f.endswith(".json") and legacy in open(os.path.join(b, f)).read():
                sys.exit("migrate_bench: %s still names the legacy folder" % os.path.join(b, f))


fresh()
timed([])  # warm-up: binary and files in the page cache
samples, dry = [], []
for r in range(runs):
    fresh()
    t, plan = timed([])
    dry.append(t)
    t, done = timed(["--apply"])
    samples.append(t)
    verify()
refs = done["result"]["referencesRewritten"]
rewritten = done["result"]["filesRewritten"]
med, dmed = statistics.median(samples), statistics.median(dry)
ok = med < 2.0
md = ["### okstra-migrate, %d files (%s)" % (nfiles, time.strftime("%Y-%m-%d")), "",
      "Machine: %d cores, %s, %s. File system of bench/out/: %s." % (
          os.cpu_count(), platform.system(), platform.release(),
          subprocess.run(["df", "--output=fstype", out], capture_output=True, text=True).stdout.split()[-1]),
      "Project: %d tasks, %d files in `.project-docs/okstra/` (%d JSON); home: mirror, recent.jsonl of %d lines, "
      "registry of %d entries. %d files and %d references rewritten per run." % (
          ntasks, nfiles, njson, 6 * 2 * ntasks, ntasks, rewritten, refs),
      "Fresh copy before each run, then `sync`; files in the page cache; median of %d runs after one warm-up." % runs,
      "Command: `bench/migrate_bench.sh`.", "",
      "| measurement | median (s) | min-max (s) |", "|---|---:|---:|",
      "| `okstra-migrate` (dry run: the plan) | %.3f | %.3f-%.3f |" % (dmed, min(dry), max(dry)),
      "| `okstra-migrate --apply` | %.3f | %.3f-%.3f |" % (med, min(samples), max(samples)), "",
      "Target: `--apply` under 2 s: %.3f s, %s." % (med, "met" if ok else "MISSED")]
open(out_md, "w").write("\n".join(md) + "\n")
print("\n".join(md))
shutil.rmtree(work, ignore_errors=True)
sys.exit(0 if ok else 1)
EOF
