#!/usr/bin/env bash
# CPU time of a clean release build, this tree against the commit before the compiled library
# (docs/performance.md, "Build time"), in one run on one machine, back to back.
#
#   bench/compile_time.sh [--base REV] [--jobs N] [--rounds N] [--tools-only]
#
# For the working tree (with its local edits) and for REV (default ae0791d, the last commit
# before the build compiled each module once), each in a fresh build folder: `meson setup
# -Dbuildtype=release -Dtests=false` then `ninja -jN` (tools only: the seven okstra-* programs),
# and unless --tools-only the same with the tests (`-Dtests=true`: test programs and test
# tools too). Only the ninja step is timed: user and system CPU seconds of ninja and every
# compiler and linker it ran (wait4), and wall seconds. REV is unpacked with `git archive` into
# a temporary folder (the repository is not touched). --rounds N (default 3) repeats the pair
# N times, REV then this tree each round, and the ratio is of the two medians: one build of
# the same tree varies by 10% from run to run on a shared virtual machine. Prints one table
# (every round and the medians) and the tools-only CPU ratio, and writes it to
# bench/out/build-time.md. The target, a tools-only build using at most half the CPU time of
# REV, is checked: exit 1 when missed. --jobs defaults to 2.
# Run it on a quiet machine: other load inflates both columns (and sys time most).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
base=ae0791d
jobs=2
rounds=3
kinds='tools full'
while [ $# -gt 0 ]; do
  case $1 in
    --base) base=${2:?--base needs a revision}; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift ;;
    --tools-only) kinds='tools' ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compile_time: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case $jobs in '' | *[!0-9]* | 0) echo "compile_time: --jobs needs a positive number" >&2; exit 2 ;; esac
case $rounds in '' | *[!0-9]* | 0) echo "compile_time: --rounds needs a positive number" >&2; exit 2 ;; esac
for tool in git meson ninja python3; do
  command -v "$tool" >/dev/null || { echo "compile_time: $tool is required" >&2; exit 2; }
done
base_hash=$(git -C "$root" rev-parse --verify --quiet "$base^{commit}") ||
  { echo "compile_time: error: unknown revision '$base'" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/base" "$root/bench/out"
git -C "$root" archive "$base_hash" | tar -x -C "$tmp/base"
current_name="worktree ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- 2>/dev/null || echo '+edits'))"

# A compiler cache would turn the second build into cache hits.
export CCACHE_DISABLE=1

python3 - "$root" "$tmp" "$jobs" "${base_hash:0:7}" "$current_name" "$root/bench/out/build-time.md" "$rounds" $kinds <<'EOF'
import os, platform, statistics, subprocess, sys, time

root, tmp, jobs, base_name, current_name, out_md, rounds = sys.argv[1:8]
kinds = sys.argv[8:]
sources = [(base_name, os.path.join(tmp, "base")), (current_name, root)]

def timed_build(src, kind):
    build = os.path.join(tmp, "build-%s-%d" % (kind, len(os.listdir(tmp))))
    setup = ["meson", "setup", build, src, "-Dbuildtype=release", "-Dwerror=false",
             "-Dtests=" + ("true" if kind == "full" else "false")]
    subprocess.run(setup, check=True, stdout=subprocess.DEVNULL)
    start = time.monotonic()
    child = subprocess.Popen(["ninja", "-C", build, "-j", jobs], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        sys.exit("compile_time: the build of %s (%s) failed; run ninja -C %s to see why" % (src, kind, build))
    subprocess.run(["rm", "-rf", build], check=True)
    return usage.ru_utime, usage.ru_stime, wall

rows = []
for kind in kinds:               # each kind back to back: the base, then this tree, each round
    for round_no in range(1, int(rounds) + 1):
        for name, src in sources:
            user, system, wall = timed_build(src, kind)
            rows.append((name, kind, round_no, user, system, wall))
            print("compile_time: round %d: %s %s: %.1f s user, %.1f s sys, %.1f s wall"
                  % (round_no, name, kind, user, system, wall), file=sys.stderr)

def label(kind):
    return "tools only" if kind == "tools" else "full (tests)"


lines = ["| commit | build | round | user s | sys s | CPU s | wall s |", "|---|---|---:|---:|---:|---:|---:|"]
for name, kind, round_no, user, system, wall in rows:
    lines.append("| %s | %s | %d | %.1f | %.1f | %.1f | %.1f |" % (name, label(kind), round_no, user, system,
                                                                 user + system, wall))
cpu = {}
for kind in kinds:
    for name, _ in sources:
        mine = [r for r in rows if r[0] == name and r[1] == kind]
        cpu[(name, kind)] = statistics.median(u + s for _, _, _, u, s, _ in mine)
        lines.append("| %s | %s | median | %.1f | %.1f | **%.1f** | %.1f |" % (
            name, label(kind), statistics.median(r[3] for r in mine), statistics.median(r[4] for r in mine),
            cpu[(name, kind)], statistics.median(r[5] for r in mine)))
ratio = cpu[(current_name, "tools")] / cpu[(base_name, "tools")]
verdict = "met" if ratio <= 0.5 else "MISSED"
lines.append("")
lines.append("tools-only CPU time (medians of %s rounds): %.2f of %s (target at most 0.50: %s); %s, %d cores, ninja -j%s"
             % (rounds, ratio, base_name, verdict, platform.machine(), os.cpu_count() or 0, jobs))
text = "\n".join(lines) + "\n"
print(text, end="")
with open(out_md, "w", encoding="utf-8") as f:
    f.write(text)
sys.exit(0 if ratio <= 0.5 else 1)
EOF
