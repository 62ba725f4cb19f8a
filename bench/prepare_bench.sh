#!/usr/bin/env bash
# Wall time of okstra-prepare, in one run, on a generated git repository:
#   reused:   a later phase of a task whose worktree exists (target: median under 20 ms)
#   new:      a first phase, which creates the task worktree and branch, side by side with a bare
#             `git worktree add -b` of the same repository (target: median no more than 30 ms above)
#
#   bench/prepare_bench.sh [--runs N] [--files N]
#
# Writes bench/out/prepare-bench.md (the block for docs/performance.md) and exits 1 when a target
# is missed. okstra-prepare: $OKSTRA_BUILD/okstra-prepare, else build/okstra-prepare. Everything else
# lives in a temporary folder that is removed at the end.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=15
files=2000
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --files) files=${2:?--files needs a number}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "prepare_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
build=${OKSTRA_BUILD:-$root/build}
prepare=$build/okstra-prepare
[ -x "$prepare" ] || { echo "prepare_bench: $prepare not built (meson compile -C build)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "prepare_bench: python3 is required" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/okstra-prepare-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$root/bench/out"

python3 - "$prepare" "$tmp" "$runs" "$files" "$root/bench/out/prepare-bench.md" <<'EOF'
import os, platform, statistics, subprocess, sys, time

prepare, tmp, runs, nfiles, out_md = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
env = dict(os.environ, OKSTRA_HOME=os.path.join(tmp, "home"), OKSTRA_SKIP_INSTALL_CHECK="1",
           GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="b",
           GIT_COMMITTER_EMAIL="b@example.com", LC_ALL="C.UTF-8")
for var in ("OKSTRA_WORKTREE_SYNC_DIRS", "OKSTRA_TEST_PAUSE_AT", "OKSTRA_TEST_RESUME_FILE"):
    env.pop(var, None)
repo = os.path.join(tmp, "repo")


def sh(*cmd):
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def timed(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("prepare_bench: %s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr.decode()[-1000:]))
    return t


# A repository of nfiles small source files in 40 folders, one commit.
os.makedirs(repo)
sh("git", "-C", repo, "-c", "init.defaultBranch=main", "init", "-q")
for i in range(nfiles):
    d = os.path.join(repo, "src", "m%02d" % (i % 40))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.c" % i), "w") as f:
        f.write(("int f%d(int x) { return x * %d; }\n" % (i, i)) * 40)
sh("git", "-C", repo, "add", "-A")
sh("git", "-C", repo, "commit", "-q", "-m", "init")


def okstra(key, task_type):
    return [prepare, "--project-root", repo, "--task-key", key, "--task-type", task_type, "--base-ref", "main", "--quiet"]


# One warm-up of each, so the page cache holds git, the binary and the repository.
timed(okstra("bench/g/warm", "requirements-discovery"))
timed(["git", "-C", repo, "worktree", "add", "-q", "-b", "bare-warm", os.path.join(tmp, "bare", "warm"), "HEAD"])

samples = {"reused": [], "new": [], "bare": []}
timed(okstra("bench/g/reused", "requirements-discovery"))
for r in range(runs):  # interleaved, so drift of the machine hits all three alike
    samples["new"].append(timed(okstra("bench/g/new-%03d" % r, "requirements-discovery")))
    samples["bare"].append(timed(["git", "-C", repo, "worktree", "add", "-q", "-b", "bare-%03d" % r,
                                  os.path.join(tmp, "bare", "w%03d" % r), "HEAD"]))
    samples["reused"].append(timed(okstra("bench/g/reused", "error-analysis")))

med = {k: statistics.median(v) for k, v in samples.items()}
over = med["new"] - med["bare"]
ok_reused, ok_new = med["reused"] < 0.020, over <= 0.030
git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
rows = [("`okstra-prepare`, later phase, worktree reused", "reused"),
        ("`okstra-prepare`, first phase, new worktree and branch", "new"),
        ("bare `git worktree add -b` of the same repository", "bare")]
md = ["### okstra-prepare (%s)" % time.strftime("%Y-%m-%d"), "",
      "Machine: %d cores, %s, %s. %s." % (os.cpu_count(), platform.system(), platform.release(), git_version),
      "Repository: %d files of about 1.3 KB in 40 folders, one commit. Median of %d runs after one warm-up, "
      "the three interleaved." % (nfiles, runs),
      "Command: `bench/prepare_bench.sh`.", "",
      "| measurement | median (ms) | min-max (ms) |", "|---|---:|---:|"]
for label, key in rows:
    v = samples[key]
    md.append("| %s | %.1f | %.1f-%.1f |" % (label, 1000 * med[key], 1000 * min(v), 1000 * max(v)))
md += ["", "Targets: reused < 20 ms: %.1f ms, %s; new worktree <= bare git worktree add + 30 ms: +%.1f ms, %s." % (
    1000 * med["reused"], "met" if ok_reused else "MISSED", 1000 * over, "met" if ok_new else "MISSED")]
open(out_md, "w").write("\n".join(md) + "\n")
print("\n".join(md))
sys.exit(0 if ok_reused and ok_new else 1)
EOF
