#!/usr/bin/env bash
# Speed and memory of `okstra-usage daily --json` against ccusage 20.0.24 and against `cat` of
# the same files (the floor), in one run. Targets (exit 1 when one is missed):
#   cold okstra at least 3x faster (wall) than ccusage claude daily + ccusage codex daily
#   warm okstra (nothing changed) under 5% of okstra's cold time
#   okstra after appending 1 MiB to each of ten files under 10% of its cold time
#   peak RSS of okstra cold under 128 MiB, on the corpus and on one 2 GiB file
#
#   bench/usage_bench.sh [--runs N] [--no-single] [--ccusage-only] [--install] [--corpus DIR]
#   bench/usage_bench.sh --archive-year [--runs N] [--corpus DIR] [--history DIR]
#
# Needs python3, npm (only to install ccusage once) and /usr/bin/time (GNU time; installed with
# apt-get when missing). Writes, all under bench/ and git-ignored:
#   bench/node_modules/ccusage-20.0.24/   ccusage 20.0.24 + @ccusage/ccusage-linux-x64 (npm --prefix)
#   bench/out/corpus/                     the corpus (generated once: ~1.1 GiB Claude, ~250 MiB Codex)
#   bench/out/single/                     one 2 GiB Claude file (peak RSS); --no-single skips it
#   bench/out/usage-bench.md, .json       the results (the markdown block for docs/performance.md)
# Cold = a fresh, empty OKSTRA_HOME per run, files in the page cache. Each figure is the median
# of --runs runs (default 5) after one untimed warm-up. The ten appended files are truncated back
# to their sizes at the end (also on the next run if this one was interrupted).
# --install only installs ccusage (and GNU time); --ccusage-only measures cat and ccusage alone.
# --corpus DIR: the corpus there instead (generated there when missing; keep it out of git).
# --archive-year: okstra alone, with a year of archived history as large as the corpus
# (bench/usage_archive_bench.py; the history corpus is --history DIR, default <corpus>-history,
# seed 3, sessions starting 2025-09-01 for 365 days); no ccusage, no single file.
# okstra-usage: $OKSTRA_USAGE, else build/okstra-usage. ccusage: $CCUSAGE, else bench's install.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=5
single=1
ccusage_only=0
install_only=0
archive_year=0
corpus=$here/out/corpus
history=
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --no-single) single=0 ;;
    --ccusage-only) ccusage_only=1 ;;
    --install) install_only=1 ;;
    --corpus) corpus=${2:?--corpus needs a folder}; shift ;;
    --archive-year) archive_year=1 ;;
    --history) history=${2:?--history needs a folder}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage_bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

command -v python3 >/dev/null || { echo "usage_bench: python3 is required" >&2; exit 2; }

# ---- ccusage (installed into bench/node_modules only when missing) ----------------------------
prefix=$here/node_modules/ccusage-20.0.24
if [ "$archive_year" = 1 ]; then
  ccusage=true  # not measured
  [ "$ccusage_only" = 0 ] || { echo "usage_bench: --archive-year measures okstra alone" >&2; exit 2; }
elif [ -n "${CCUSAGE:-}" ]; then
  ccusage=$CCUSAGE
else
  ccusage=$prefix/node_modules/.bin/ccusage
  if ! "$ccusage" --version >/dev/null 2>&1; then
    command -v npm >/dev/null || { echo "usage_bench: npm is needed to install ccusage" >&2; exit 2; }
    echo "usage_bench: installing ccusage 20.0.24 into bench/node_modules/ccusage-20.0.24"
    rm -rf "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
      ccusage@20.0.24 @ccusage/ccusage-linux-x64@20.0.24 >/dev/null
  fi
fi
"$ccusage" --version >/dev/null 2>&1 || { echo "usage_bench: $ccusage does not run" >&2; exit 2; }

# ---- GNU time, for peak RSS -------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  echo "usage_bench: installing the Debian package 'time' (/usr/bin/time)"
  sudo_cmd=
  [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get install -y -qq time >/dev/null || { echo "usage_bench: cannot install time" >&2; exit 2; }
fi
[ "$install_only" = 0 ] || { echo "usage_bench: ccusage and /usr/bin/time are installed"; exit 0; }

# ---- okstra-usage -----------------------------------------------------------------------------
okstra=
if [ "$ccusage_only" = 0 ]; then
  for c in "${OKSTRA_USAGE:-}" "$root/build/okstra-usage"; do
    if [ -n "$c" ] && [ -x "$c" ]; then okstra=$c; break; fi
  done
  [ -n "$okstra" ] || { echo "usage_bench: okstra-usage not built (ninja -C build), or use --ccusage-only" >&2; exit 2; }
fi

# ---- corpora (generated once) -----------------------------------------------------------------
gen=$here/gen_usage_corpus.py
single_dir=$here/out/single
if [ ! -f "$corpus/expected.json" ]; then
  rm -rf "$corpus"
  echo "usage_bench: generating $corpus (about 1.4 GB, under a minute on 2 cores)"
  python3 "$gen" --out "$corpus" --seed 1 --claude-mb 1100 --codex-mb 220
fi
if [ "$archive_year" = 1 ]; then
  history=${history:-${corpus%/}-history}
  if [ ! -f "$history/expected.json" ]; then
    rm -rf "$history"
    echo "usage_bench: generating $history (a year of history before the corpus, about 1.4 GB)"
    python3 "$gen" --out "$history" --seed 3 --claude-mb 1100 --codex-mb 220 --start 2025-09-01 --days 365
  fi
  exec python3 "$here/usage_archive_bench.py" "$here" "$okstra" "$corpus" "$history" "$runs"
fi
[ "$ccusage_only" = 0 ] || single=0
if [ "$single" = 1 ] && [ ! -f "$single_dir/expected.json" ]; then
  rm -rf "$single_dir"
  echo "usage_bench: generating bench/out/single (one 2 GiB Claude file)"
  python3 "$gen" --out "$single_dir" --seed 2 --single-file-mb 2048
fi
[ "$single" = 1 ] || single_dir=

exec python3 - "$here" "$ccusage" "$okstra" "$corpus" "$single_dir" "$runs" <<'PY'
import datetime, json, os, platform, shutil, statistics, subprocess, sys, tempfile, time

here, ccusage, okstra, corpus, single_dir, runs = sys.argv[1:7]
runs = int(runs)
out_dir = os.path.join(here, "out")
gen = os.path.join(here, "gen_usage_corpus.py")
state_path = corpus + ".append-state.json"
MiB = 1024 * 1024
APPEND_BYTES = MiB
TARGET_RATIO, TARGET_WARM, TARGET_APPEND, TARGET_RSS = 3.0, 0.05, 0.10, 128.0


def log(msg):
    print(msg, flush=True)


# ---- the ten appended files are restored, also after an interrupted run ----------------------
def restore():
    if os.path.exists(state_path):
        for path, size in json.load(open(state_path)).items():
            if os.path.exists(path) and os.path.getsize(path) > size:
                os.truncate(path, size)
        os.remove(state_path)


restore()


def jsonl(root):
    found = []
    for d, _, names in os.walk(root):
        found += [os.path.join(d, n) for n in names if n.endswith(".jsonl")]
    return sorted(found)


files = jsonl(os.path.join(corpus, "claude")) + jsonl(os.path.join(corpus, "codex"))
nbytes = sum(os.path.getsize(f) for f in files)
expected = json.load(open(os.path.join(corpus, "expected.json")))
homes = tempfile.mkdtemp(prefix="bench-homes.", dir=out_dir)
list_path = os.path.join(homes, "files.list")
with open(list_path, "wb") as f:
    f.write(b"\0".join(p.encode() for p in files) + b"\0")
user_home = os.path.join(homes, "home")
os.makedirs(os.path.join(user_home, ".config"))
empty = os.path.join(homes, "empty")
os.makedirs(empty)


def env_for(data, okstra_home=None):
    """A clean environment: empty HOME, every root pointing into DATA (or at an empty folder)."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": user_home,
         "XDG_CONFIG_HOME": os.path.join(user_home, ".config"), "TZ": "UTC", "LC_ALL": "C.UTF-8",
         "NO_COLOR": "1"}
    for var, sub in (("CLAUDE_CONFIG_DIR", "claude"), ("CODEX_HOME", "codex"), ("GEMINI_DIR", "gemini")):
        p = os.path.join(data, sub)
        e[var] = p if os.path.isdir(p) else empty
    e["GEMINI_DATA_DIR"] = os.path.join(e["GEMINI_DIR"], "tmp")
    if okstra_home:
        e["OKSTRA_HOME"] = okstra_home
    return e


def run(cmd, env, rss=False):
    """Runs CMD; returns (wall seconds, stdout, peak RSS in KiB or None). Dies on failure."""
    if rss:
        cmd = ["/usr/bin/time", "-f", "%M", "-o", os.path.join(homes, "rss")] + cmd
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=user_home, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("usage_bench: %s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                       p.stderr.decode(errors="replace")[-2000:]))
    kib = int(open(os.path.join(homes, "rss")).read().split()[-1]) if rss else None
    return wall, p.stdout, kib


def fresh_home():
    return tempfile.mkdtemp(prefix="okstra-home.", dir=homes)


OKSTRA = [okstra, "daily", "--json", "--source", "claude,codex"]


def cc_cmd(binary, src):
    return [binary, src, "daily", "--json", "--offline"]


def buckets(j, src):
    b = j["bySource"][src]
    return (b["input"], b["output"], b["cacheWrite5m"] + b["cacheWrite1h"], b["cacheRead"])


def cc_buckets(t):
    return (t["inputTokens"], t["outputTokens"], t["cacheCreationTokens"], t["cacheReadTokens"])


def ex_buckets(x):
    return (x["input"], x["output"], x["cacheWrite"], x["cacheRead"])


samples = {}  # name -> [seconds]


def sample(name, t):
    samples.setdefault(name, []).append(t)


checks = []
info = {}

# ---- floors -----------------------------------------------------------------------------------
log("warming the page cache (%d files, %.0f MiB)" % (len(files), nbytes / MiB))
cat = ["sh", "-c", 'xargs -0 cat < "$1" > /dev/null', "cat", list_path]
for _ in range(2):
    run(cat, env_for(corpus))
# GNU cat maps a fresh buffer for each file; where page faults are dear (a VM) that dominates.
# The second floor reads every file with read() into one reused buffer, in one thread.
buf = bytearray(MiB)


def read_floor():
    t0 = time.perf_counter()
    for p in files:
        fd = os.open(p, os.O_RDONLY)
        while os.readv(fd, [buf]):
            pass
        os.close(fd)
    return time.perf_counter() - t0


for r in range(runs):
    sample("cat", run(cat, env_for(corpus))[0])
    sample("read", read_floor())

# ---- ccusage and okstra cold, interleaved (the same machine conditions for both) ---------------
native = os.path.join(os.path.dirname(os.path.realpath(ccusage)), "..", "..", "@ccusage",
                      "ccusage-linux-x64", "bin", "ccusage")
if not os.access(native, os.X_OK):
    native = None
ccusage_version = subprocess.run([ccusage, "--version"], capture_output=True, text=True).stdout.strip()
okstra_version = subprocess.run([okstra, "--version"], capture_output=True, text=True).stdout.strip() if okstra else ""
log("timing: %d runs (after one warm-up) of ccusage%s%s, interleaved"
    % (runs, ", ccusage native" if native else "", ", okstra cold" if okstra else ""))
last = {}
cold_home = None
for r in range(runs + 1):
    e = env_for(corpus)
    tc, oc, _ = run(cc_cmd(ccusage, "claude"), e)
    tx, ox, _ = run(cc_cmd(ccusage, "codex"), e)
    last["ccusage"] = (json.loads(oc)["totals"], json.loads(ox)["totals"])
    if native:
        tnc = run(cc_cmd(native, "claude"), e)[0]
        tnx = run(cc_cmd(native, "codex"), e)[0]
    if okstra:
        if cold_home:
            shutil.rmtree(cold_home)
        cold_home = fresh_home()
        to, oo, _ = run(OKSTRA, env_for(corpus, cold_home))
        last["cold"] = json.loads(oo)
    if r == 0:
        continue  # warm-up
    sample("ccusage", tc + tx)
    sample("ccusage claude", tc)
    sample("ccusage codex", tx)
    if native:
        sample("ccusage native", tnc + tnx)
    if okstra:
        sample("cold", to)
    log("  run %d: ccusage %.2f s%s%s" % (r, tc + tx, ", native %.2f s" % (tnc + tnx) if native else "",
                                         ", okstra cold %.2f s" % to if okstra else ""))
e = env_for(corpus)
info["ccusageRssMiB"] = max(run(cc_cmd(ccusage, s), e, rss=True)[2] for s in ("claude", "codex")) / 1024
for i, src in enumerate(("claude", "codex")):
    checks.append(("ccusage %s totals == expected.json" % src,
                   cc_buckets(last["ccusage"][i]) == ex_buckets(expected[src])))

# ---- okstra warm, append, RSS ------------------------------------------------------------------
if okstra:
    cold = last["cold"]
    for i, src in enumerate(("claude", "codex")):
        checks.append(("okstra %s totals == expected.json" % src, buckets(cold, src) == ex_buckets(expected[src])))
        checks.append(("okstra %s totals == ccusage" % src, buckets(cold, src) == cc_buckets(last["ccusage"][i])))
    home = cold_home  # holds the cache of the last cold run
    for r in range(runs):
        t, out, _ = run(OKSTRA, env_for(corpus, home))
        sample("warm", t)
    checks.append(("okstra warm totals == cold totals", json.loads(out)["totals"] == cold["totals"]))
    log("okstra warm: %.3f s" % statistics.median(samples["warm"]))

    # ten main-session Claude files spread over the size range, from small to one of the biggest
    mains = sorted((f for f in files if "/claude/" in f and "/subagents/" not in f), key=os.path.getsize)
    picks = [mains[min(len(mains) - 1, round(i * (len(mains) - 1) / 9))] for i in range(10)]
    with open(state_path, "w") as f:
        json.dump({p: os.path.getsize(p) for p in picks}, f)
    added = {"input": 0, "output": 0, "cacheWrite": 0, "cacheRead": 0, "bytes": 0}
    try:
        for r in range(runs):
            p = subprocess.run([sys.executable, gen, "append", "--seed", str(1000 + r), "--bytes",
                                str(APPEND_BYTES)] + picks, capture_output=True, text=True, check=True)
            a = json.loads(p.stdout)["claude"]
            for k in added:
                added[k] += a[k]
            t, out, _ = run(OKSTRA, env_for(corpus, home))
            sample("append", t)
        base = buckets(cold, "claude")
        want = (base[0] + added["input"], base[1] + added["output"], base[2] + added["cacheWrite"],
                base[3] + added["cacheRead"])
        checks.append(("okstra totals after appends == cold + appended lines", buckets(json.loads(out), "claude") == want))
    finally:
        restore()
    info["appendBytes"] = added["bytes"] // runs
    log("okstra after appending 1 MiB to each of 10 files: %.3f s" % statistics.median(samples["append"]))
    shutil.rmtree(home)

    h = fresh_home()
    info["rssColdMiB"] = run(OKSTRA, env_for(corpus, h), rss=True)[2] / 1024
    shutil.rmtree(h)
    log("okstra cold peak RSS: %.1f MiB" % info["rssColdMiB"])
    if single_dir:
        sfiles = jsonl(os.path.join(single_dir, "claude"))
        info["singleBytes"] = sum(os.path.getsize(f) for f in sfiles)
        subprocess.run(["cat"] + sfiles, stdout=subprocess.DEVNULL, check=True)
        h = fresh_home()
        t, out, kib = run(OKSTRA, env_for(single_dir, h), rss=True)
        shutil.rmtree(h)
        sample("single", t)
        info["rssSingleMiB"] = kib / 1024
        x = json.load(open(os.path.join(single_dir, "expected.json")))["claude"]
        checks.append(("okstra single-file totals == expected.json", buckets(json.loads(out), "claude") == ex_buckets(x)))
        log("okstra cold on one %.0f MiB file: %.2f s, peak RSS %.1f MiB" % (info["singleBytes"] / MiB, t, info["rssSingleMiB"]))
shutil.rmtree(homes)

# ---- report ------------------------------------------------------------------------------------
med = {k: statistics.median(v) for k, v in samples.items()}


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def os_name():
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
machine = "%d cores (%s), %.0f GiB, %s, Linux %s" % (os.cpu_count(), cpu_model(), mem, os_name(), platform.release())
xc, xx = expected["claude"], expected["codex"]
mains_n = sum(1 for f in files if "/claude/" in f and "/subagents/" not in f)
sizes = sorted(os.path.getsize(f) for f in files if "/claude/" in f)
corpus_line = ("`python3 bench/gen_usage_corpus.py --out bench/out/corpus --seed 1 --claude-mb 1100 --codex-mb 220`: "
               "Claude Code %d files, %.0f MiB (median %.0f KiB, %d files >= 50 MiB, %d subagent files); "
               "Codex %d files, %.0f MiB; %d files, %.0f MiB in all"
               % (len(sizes), xc["bytes"] / MiB, sizes[len(sizes) // 2] / 1024, sum(s >= 50 * MiB for s in sizes),
                  len(sizes) - mains_n, xx["files"], xx["bytes"] / MiB, len(files), nbytes / MiB))
verdicts = []
notes = {}
if okstra:
    ratio = med["ccusage"] / med["cold"]
    warm, app = med["warm"] / med["cold"], med["append"] / med["cold"]
    notes = {"cold": "ccusage / okstra = %.2fx" % ratio, "warm": "%.1f%% of cold" % (100 * warm),
             "append": "%.1f%% of cold" % (100 * app)}
    verdicts = [("ccusage / okstra cold >= 3x", ratio >= TARGET_RATIO, "%.2fx" % ratio),
                ("okstra warm < 5% of cold", warm < TARGET_WARM, "%.1f%%" % (100 * warm)),
                ("okstra after append < 10% of cold", app < TARGET_APPEND, "%.1f%%" % (100 * app)),
                ("okstra cold peak RSS < 128 MiB, corpus", info["rssColdMiB"] < TARGET_RSS, "%.1f MiB" % info["rssColdMiB"])]
    if "rssSingleMiB" in info:
        verdicts.append(("okstra cold peak RSS < 128 MiB, one %.0f MiB file" % (info["singleBytes"] / MiB),
                         info["rssSingleMiB"] < TARGET_RSS, "%.1f MiB" % info["rssSingleMiB"]))
    if "ccusage native" in med:
        notes["ccusage native"] = "ccusage native / okstra = %.2fx" % (med["ccusage native"] / med["cold"])

labels = [("cat", "`cat` of the same files (the floor)", nbytes),
          ("read", "read() of the same files into one reused 1 MiB buffer, one thread", nbytes),
          ("ccusage", "`ccusage claude daily --json --offline` + `ccusage codex daily --json --offline`", nbytes),
          ("ccusage claude", "of which `ccusage claude daily`", xc["bytes"]),
          ("ccusage codex", "of which `ccusage codex daily`", xx["bytes"]),
          ("ccusage native", "the same two, ccusage's native binary called directly (no node wrapper)", nbytes),
          ("cold", "`okstra-usage daily --json`, cold (fresh empty OKSTRA_HOME)", nbytes),
          ("warm", "okstra warm (nothing changed)", nbytes),
          ("append", "okstra after appending 1 MiB to each of 10 files", nbytes),
          ("single", "okstra cold, one %.0f MiB Claude file (one run)" % (info.get("singleBytes", 0) / MiB),
           info.get("singleBytes", 0))]
rows = []
for key, label, size in labels:
    if key in samples:
        v = samples[key]
        rows.append((label, med[key], min(v), max(v), size / MiB / med[key], notes.get(key, "")))

print()
print("%-92s %8s %13s %7s  %s" % ("measurement (median of %d runs)" % runs, "wall s", "min-max", "MiB/s", ""))
for label, m, lo, hi, rate, note in rows:
    print("%-92s %8.3f %13s %7.0f  %s" % (label.replace("`", ""), m, "%.2f-%.2f" % (lo, hi), rate, note))
print("%-92s %8.1f MiB" % ("peak RSS, ccusage (larger of claude, codex)", info["ccusageRssMiB"]))
for k, label in (("rssColdMiB", "peak RSS, okstra cold, corpus"), ("rssSingleMiB", "peak RSS, okstra cold, single file")):
    if k in info:
        print("%-92s %8.1f MiB" % (label, info[k]))
print()
for name, good in checks:
    print("%-62s %s" % (name, "ok" if good else "FAILED"))
for name, good, val in verdicts:
    print("%-62s %-10s %s" % (name, val, "ok" if good else "MISSED"))

md = ["### okstra-usage daily (%s)" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"), "",
      "Machine: %s." % machine,
      "Versions: %s; ccusage %s from npm (with @ccusage/ccusage-linux-x64)." % (
          okstra_version or "okstra-usage not measured", ccusage_version.replace("ccusage ", "")),
      "Corpus: %s." % corpus_line,
      "Files in the page cache; cold = a fresh empty `OKSTRA_HOME` per run; median of %d runs after one "
      "warm-up, ccusage and okstra cold interleaved." % runs,
      "Command: `bench/usage_bench.sh` (it checks the targets and the totals).", "",
      "| measurement | wall (s) | min-max (s) | MiB/s | |", "|---|---:|---:|---:|---|"]
for label, m, lo, hi, rate, note in rows:
    md.append("| %s | %.3f | %.2f-%.2f | %.0f | %s |" % (label, m, lo, hi, rate, note))
md.append("| peak RSS, ccusage (larger of claude, codex) | | | | %.1f MiB |" % info["ccusageRssMiB"])
if okstra:
    md.append("| peak RSS, okstra cold, corpus | | | | %.1f MiB |" % info["rssColdMiB"])
    if "rssSingleMiB" in info:
        md.append("| peak RSS, okstra cold, one %.0f MiB file | | | | %.1f MiB |" % (info["singleBytes"] / MiB, info["rssSingleMiB"]))
    md += ["", "Targets: " + "; ".join("%s: %s, %s" % (n, v, "met" if g else "MISSED") for n, g, v in verdicts) + "."]
md = "\n".join(md) + "\n"
print()
print("---- markdown for docs/performance.md ----")
print(md, end="")
print("------------------------------------------")
with open(os.path.join(out_dir, "usage-bench.md"), "w") as f:
    f.write(md)
with open(os.path.join(out_dir, "usage-bench.json"), "w") as f:
    json.dump({"samples": samples, "median": med, "info": info, "bytes": nbytes, "files": len(files),
               "checks": checks, "targets": verdicts}, f, indent=2)
print("results: bench/out/usage-bench.md, bench/out/usage-bench.json")

if not all(g for _, g in checks):
    print("FAIL: a correctness check failed")
    sys.exit(1)
if not okstra:
    print("okstra-usage was not measured (--ccusage-only)")
    sys.exit(0)
if not all(g for _, g, _ in verdicts):
    print("FAIL: a target was missed")
    sys.exit(1)
print("PASS: all targets met")
PY
