#!/usr/bin/env bash
# Wall time and peak RSS of okstra-validate-session on one big lead transcript:
#   targets: a 200 MB transcript checked in under 2 s wall (median), peak RSS under 128 MiB
#
#   bench/conformance_bench.sh [--runs N] [--mb N] [--regen]
#
# Generates bench/out/conformance/ with bench/gen_transcript.py (seed 1) when it is missing
# or of another size, reads the transcript twice to put it in the page cache, runs
# `okstra-validate-session --session FILE` once to warm up and then N times (default 7),
# interleaved with `--session FILE --run-dir DIR` and a plain read() of the file (the
# floor), and takes each run's peak RSS from GNU time (/usr/bin/time -f %M; else wait4(2),
# an upper bound). Checks the verdict too (the
# generated run conforms). Writes bench/out/conformance-bench.md (the block for
# docs/performance.md) and exits 1 when a target is missed or the verdict is wrong.
# okstra-validate-session: $OKSTRA_BUILD/okstra-validate-session, else build/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=7
mb=200
regen=false
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --mb) mb=${2:?--mb needs a number}; shift ;;
    --regen) regen=true ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "conformance_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
build=${OKSTRA_BUILD:-$root/build}
tool=$build/okstra-validate-session
[ -x "$tool" ] || { echo "conformance_bench: $tool not built (meson compile -C build)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "conformance_bench: python3 is required" >&2; exit 2; }

out=$root/bench/out/conformance
session=$out/claude/projects/-work-shop/0b7e4c1a-5d2f-4e8b-9c3a-6f1d2e3b4a5c.jsonl
mkdir -p "$root/bench/out"
size_mb() { python3 -c 'import os, sys; print(os.path.getsize(sys.argv[1]) >> 20)' "$1"; }
if $regen || [ ! -f "$session" ] || [ "$(size_mb "$session")" -lt $((mb * 95 / 100)) ] || [ "$(size_mb "$session")" -gt $((mb * 105 / 100)) ]; then
  echo "conformance_bench: generating a ${mb} MB transcript in $out ..." >&2
  rm -rf "$out"
  python3 "$here/gen_transcript.py" --out "$out" --mb "$mb" --seed 1 >&2
fi

python3 - "$tool" "$session" "$out/task/runs/error-analysis" "$runs" "$root/bench/out/conformance-bench.md" <<'EOF'
import json, os, platform, statistics, subprocess, sys, time

tool, session, run_dir, runs, out_md = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run(cmd):
    """(wall seconds, peak RSS MiB, exit status) of one run; stdout to out_path. The peak
    RSS comes from GNU time (%M); without it, from wait4(2) on a child forked here, which
    also counts this Python process's pages before the exec (an upper bound)."""
    rss_file = out_md + ".rss"
    if GNU_TIME:
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file] + cmd
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
            os.dup2(os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    peak_kib = usage.ru_maxrss
    if GNU_TIME:
        peak_kib = int(open(rss_file).read().split()[-1])
        os.remove(rss_file)
    return wall, peak_kib / 1024, os.waitstatus_to_exitcode(status)


def read_floor():
    t0 = time.perf_counter()
    with open(session, "rb", buffering=0) as f:
        while f.read(4 << 20):
            pass
    return time.perf_counter() - t0


out_path = out_md + ".stdout"
size = os.path.getsize(session)
lines = sum(1 for _ in open(session, "rb"))
for _ in range(2):
    read_floor()

# One-line JSON: -c/--compact; before the one command-line contract, --quiet meant that.
one_line = "--compact" if "--compact" in subprocess.run([tool, "--help"], capture_output=True, text=True).stdout \
    else "--quiet"
cmd_session = [tool, one_line, "--session", session]
cmd_run = [tool, one_line, "--session", session, "--run-dir", run_dir]
run(cmd_session)  # warm-up
samples = {"session": [], "run": [], "floor": []}
rss = {"session": [], "run": []}
verdicts = {}
for _ in range(runs):
    for key, cmd in (("session", cmd_session), ("run", cmd_run)):
        wall, peak, code = run(cmd)
        samples[key].append(wall)
        rss[key].append(peak)
        report = json.load(open(out_path))
        verdicts[key] = (code, report["conforms"], [r["id"] for r in report["rules"] if r["status"] == "fail"],
                         len(report["diagnostics"]))
    samples["floor"].append(read_floor())
os.remove(out_path)

med = {k: statistics.median(v) for k, v in samples.items()}
peak = {k: max(v) for k, v in rss.items()}
ok_time, ok_rss = med["session"] < 2.0, peak["session"] < 128
ok_verdict = all(v[0] == 0 and v[1] and not v[2] and v[3] == 0 for v in verdicts.values())
version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mib = size / (1 << 20)
rows = [("`okstra-validate-session --session FILE`", "session"),
        ("`okstra-validate-session --session FILE --run-dir DIR`", "run"),
        ("read() of the same file in 4 MiB blocks (the floor)", "floor")]
md = ["### okstra-validate-session, one %.0f MiB transcript (%s)" % (mib, time.strftime("%Y-%m-%d")), "",
      "Machine: %d cores (%s), %s %s. %s." % (os.cpu_count(), cpu, platform.system(), platform.release(), version),
      "Transcript: `python3 bench/gen_transcript.py --out bench/out/conformance --mb 200 --seed 1`: %.1f MiB, %d lines "
      "(Read results of 2-24 KB and a few of 0.2-1 MB stored twice, Bash outputs, background shells polled with "
      "BashOutput, 53 worker dispatches). File in the page cache; median of %d runs after one warm-up, interleaved; "
      "peak RSS from %s." % (mib, lines, runs, "GNU time" if GNU_TIME else "wait4 (an upper bound: includes the forking Python)"),
      "Command: `bench/conformance_bench.sh`.", "",
      "| measurement | median wall (s) | min-max (s) | MiB/s | peak RSS (MiB) |", "|---|---:|---:|---:|---:|"]
for label, key in rows:
    v = samples[key]
    md.append("| %s | %.3f | %.3f-%.3f | %.0f | %s |" % (label, med[key], min(v), max(v), mib / med[key],
                                                      "%.1f" % peak[key] if key in peak else ""))
md += ["", "Targets: under 2 s wall: %.3f s, %s; peak RSS under 128 MiB: %.1f MiB, %s. Verdict: %s." % (
    med["session"], "met" if ok_time else "MISSED", peak["session"], "met" if ok_rss else "MISSED",
    "conforms, no diagnostics (as generated)" if ok_verdict else "WRONG %r" % verdicts)]
open(out_md, "w").write("\n".join(md) + "\n")
print("\n".join(md))
sys.exit(0 if ok_time and ok_rss and ok_verdict else 1)
EOF
