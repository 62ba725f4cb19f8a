#!/usr/bin/env python3
"""okstra-usage's warm and append targets with a year of archived history (docs/performance.md).

Run through `bench/usage_bench.sh --archive-year`, which finds okstra-usage and generates both
corpora; called as: usage_archive_bench.py HERE OKSTRA CORPUS HISTORY RUNS.

The archive is built through the real path (docs/usage-archive.md, "Where archived records come
from"): a data folder holds hard links to the files of CORPUS and of HISTORY (a corpus of the
same size whose sessions start in the 365 days before CORPUS's); okstra-usage reads it once with
one OKSTRA_HOME (its cache then knows every file), the HISTORY links are removed, and a second
run archives their records. Then, interleaved, for --runs runs after one warm-up each:
  cold     a fresh OKSTRA_HOME holding only a copy of that archive (deleting the cache keeps history)
  base     a fresh, empty OKSTRA_HOME (no archive), the same data folder
then warm (again, nothing changed) and append (1 MiB appended to each of ten Claude files, as
usage_bench.sh does) on both homes, and after each append the run right after it on the archive's
home (nothing changed since: the report the append run remembered). Targets, on the archive's
home: warm < 5% of cold, append < 10% of cold. Checks: totals with the archive = CORPUS's expected
+ HISTORY's expected, per source; without it (--no-archive, and the base home) = CORPUS's
expected; warm = cold; append = cold + the appended lines; the run right after = the append. Also prints the archive's bytes per million records, and next to each
wall time the run's CPU time (user + system, from wait4), which a shared machine disturbs less.
Writes bench/out/usage-archive-bench.md and .json; exits 1 when a check fails or a target is missed.
"""
import datetime, json, os, platform, shutil, statistics, subprocess, sys, tempfile, time

here, okstra, corpus, history, runs = sys.argv[1:6]
runs = int(runs)
out_dir = os.path.join(here, "out")
gen = os.path.join(here, "gen_usage_corpus.py")
state_path = corpus + ".append-state.json"  # shared with usage_bench.sh: either repairs the other
MiB = 1024 * 1024
TARGET_WARM, TARGET_APPEND = 0.05, 0.10
SOURCES = ("claude", "codex")
OKSTRA = [okstra, "daily", "--json", "--source", ",".join(SOURCES)]


def log(msg):
    print(msg, flush=True)


def restore():
    if os.path.exists(state_path):
        for path, size in json.load(open(state_path)).items():
            if os.path.exists(path) and os.path.getsize(path) > size:
                os.truncate(path, size)
        os.remove(state_path)


def jsonl(root):
    found = []
    for d, _, names in os.walk(root):
        found += [os.path.join(d, n) for n in names if n.endswith(".jsonl")]
    return sorted(found)


def log_files(root):
    """Every file under claude/ and codex/ (the .meta.json files too), relative to root."""
    out = []
    for sub in SOURCES:
        for d, _, names in os.walk(os.path.join(root, sub)):
            out += [os.path.relpath(os.path.join(d, n), root) for n in names]
    return sorted(out)


restore()
load_start = open("/proc/loadavg").read().split()[0]
os.makedirs(out_dir, exist_ok=True)
homes = tempfile.mkdtemp(prefix="archive-bench.", dir=os.path.dirname(os.path.abspath(corpus)))
user_home = os.path.join(homes, "home")
os.makedirs(os.path.join(user_home, ".config"))
empty = os.path.join(homes, "empty")
os.makedirs(empty)
data = os.path.join(homes, "data")


def env_for(okstra_home):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": user_home,
         "XDG_CONFIG_HOME": os.path.join(user_home, ".config"), "TZ": "UTC", "LC_ALL": "C.UTF-8",
         "NO_COLOR": "1", "CLAUDE_CONFIG_DIR": os.path.join(data, "claude"),
         "CODEX_HOME": os.path.join(data, "codex"), "GEMINI_DIR": empty, "OKSTRA_HOME": okstra_home}
    if os.environ.get("OKSTRA_USAGE_TRACE"):
        e["OKSTRA_USAGE_TRACE"] = os.environ["OKSTRA_USAGE_TRACE"]
    return e


cpu_of_last_run = [0.0]  # user + system seconds of the last run(), threads included


def run(cmd, okstra_home, rss=False):
    """Runs CMD; returns (wall seconds, stdout, peak RSS in KiB or None). Dies on failure."""
    if rss:
        cmd = ["/usr/bin/time", "-f", "%M", "-o", os.path.join(homes, "rss")] + cmd
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env_for(okstra_home), cwd=user_home, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    cpu_of_last_run[0] = usage.ru_utime + usage.ru_stime
    if p.returncode != 0:
        sys.exit("usage_archive_bench: %s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                               stderr.decode(errors="replace")[-2000:]))
    if stderr and os.environ.get("OKSTRA_USAGE_TRACE"):
        sys.stderr.write(stderr.decode(errors="replace"))
    kib = int(open(os.path.join(homes, "rss")).read().split()[-1]) if rss else None
    return wall, stdout, kib


def fresh_home(archive_from=None):
    h = tempfile.mkdtemp(prefix="okstra-home.", dir=homes)
    if archive_from:
        os.makedirs(os.path.join(h, "usage"), mode=0o700)
        shutil.copytree(archive_from, os.path.join(h, "usage", "archive"))
    return h


def buckets(j, src):
    b = j["bySource"][src]
    return (b["input"], b["output"], b["cacheWrite5m"] + b["cacheWrite1h"], b["cacheRead"])


def ex_buckets(*xs):
    return tuple(sum(x[k] for x in xs) for k in ("input", "output", "cacheWrite", "cacheRead"))


samples, checks, info = {}, [], {}


def sample(name, t):
    """Records the wall time T of the last run() under NAME, and its CPU time under NAME + " cpu"."""
    samples.setdefault(name, []).append(t)
    samples.setdefault(name + " cpu", []).append(cpu_of_last_run[0])


expected = json.load(open(os.path.join(corpus, "expected.json")))
hexpected = json.load(open(os.path.join(history, "expected.json")))
try:
    # ---- the data folder: hard links to both corpora (no bytes copied) -------------------------
    main_files, hist_files = log_files(corpus), log_files(history)
    if set(main_files) & set(hist_files):
        sys.exit("usage_archive_bench: the corpora share file names; give the history another --seed")
    for root, names in ((corpus, main_files), (history, hist_files)):
        for rel in names:
            os.makedirs(os.path.dirname(os.path.join(data, rel)), exist_ok=True)
            os.link(os.path.join(root, rel), os.path.join(data, rel))
    corpus_logs = [f for f in jsonl(corpus) if "/gemini/" not in f]
    hist_logs = [os.path.join(history, f) for f in hist_files if f.endswith(".jsonl")]
    nbytes = sum(os.path.getsize(f) for f in corpus_logs)
    hbytes = sum(os.path.getsize(f) for f in hist_logs)
    log("data folder: %d + %d files (%.0f + %.0f MiB of logs), hard links"
        % (len(main_files), len(hist_files), nbytes / MiB, hbytes / MiB))
    for _ in range(2):  # the page cache
        for f in corpus_logs + hist_logs:
            with open(f, "rb") as fh:
                while fh.read(MiB):
                    pass

    # ---- the archive, through the real path ------------------------------------------------------
    keeper = fresh_home()
    t_both, out, _ = run(OKSTRA, keeper)
    both = json.loads(out)
    checks.append(("cache run over both corpora == both expected.json",
                   all(buckets(both, s) == ex_buckets(expected[s], hexpected[s]) for s in SOURCES)))
    for rel in hist_files:
        os.unlink(os.path.join(data, rel))
    for d, _, _ in sorted(os.walk(data), key=lambda w: -len(w[0])):  # the folders left empty
        if d != data and not os.listdir(d):
            os.rmdir(d)
    t_archiving, out, _ = run(OKSTRA, keeper)
    after = json.loads(out)
    checks.append(("run after deleting the history == both expected.json (history archived)",
                   all(buckets(after, s) == ex_buckets(expected[s], hexpected[s]) for s in SOURCES)))
    archive_dir = os.path.join(keeper, "usage", "archive")
    status = json.loads(run([okstra, "archive", "status"], keeper)[1])
    abytes = sum(os.path.getsize(os.path.join(archive_dir, n)) for n in os.listdir(archive_dir))
    hist_messages = sum(hexpected[s]["messages"] for s in SOURCES)
    info.update(archiveBytes=abytes, archiveRecords=status["records"], archiveSegments=status["segments"],
                archiveOldest=status["oldest"], archiveNewest=status["newest"], historyMessages=hist_messages,
                historyLogBytes=hbytes, corpusLogBytes=nbytes, bothColdS=t_both, archivingRunS=t_archiving,
                bytesPerMillion=abytes / status["records"] * 1e6 if status["records"] else 0)
    checks.append(("archived records == the history's messages (%d)" % hist_messages,
                   status["records"] == hist_messages))
    log("archive: %d records in %d segment(s), %d bytes (%.1f MiB per million records); the archiving run %.2f s"
        % (status["records"], status["segments"], abytes, info["bytesPerMillion"] / MiB, t_archiving))

    # ---- cold, with and without the archive, interleaved -------------------------------------------
    log("timing: %d runs (after one warm-up) of okstra cold with the archive and without, interleaved" % runs)
    ha = hb = None
    for r in range(runs + 1):
        for h in (ha, hb):
            if h:
                shutil.rmtree(h)
        ha, hb = fresh_home(archive_dir), fresh_home()
        order = (("cold", ha), ("base cold", hb)) if r % 2 == 0 else (("base cold", hb), ("cold", ha))
        got = {}
        for name, h in order:
            t, out, _ = run(OKSTRA, h)
            got[name] = (t, json.loads(out))
            if r:
                sample(name, t)
        if r:
            log("  run %d: cold %.3f s, base cold %.3f s" % (r, got["cold"][0], got["base cold"][0]))
    cold, base = got["cold"][1], got["base cold"][1]
    for s in SOURCES:
        checks.append(("with the archive, %s == corpus + history expected.json" % s,
                       buckets(cold, s) == ex_buckets(expected[s], hexpected[s])))
        checks.append(("without the archive, %s == corpus expected.json" % s,
                       buckets(base, s) == ex_buckets(expected[s])))
    noarch = json.loads(run(OKSTRA + ["--no-archive"], fresh_home(archive_dir))[1])
    checks.append(("--no-archive with the archive present == corpus expected.json",
                   all(buckets(noarch, s) == ex_buckets(expected[s]) for s in SOURCES)))
    checks.append(("total with the archive == total --no-archive + archived total",
                   cold["totals"]["total"] == noarch["totals"]["total"] + sum(hexpected[s]["total"] for s in SOURCES)))
    checks.append(("archivedRecords in bySource == archive status records",
                   sum(cold["bySource"][s]["archivedRecords"] for s in SOURCES) == status["records"]))
    info["totals"] = {"withArchive": cold["totals"]["total"], "noArchive": noarch["totals"]["total"],
                      "archived": sum(hexpected[s]["total"] for s in SOURCES)}

    # ---- warm and append on both homes ------------------------------------------------------------
    for r in range(runs):
        for name, h in ((("warm", ha), ("base warm", hb)) if r % 2 == 0 else (("base warm", hb), ("warm", ha))):
            t, out, _ = run(OKSTRA, h)
            sample(name, t)
            want = cold if h == ha else base
            if r == runs - 1:
                checks.append(("%s totals == cold totals" % name, json.loads(out)["totals"] == want["totals"]))
    mains = sorted((f for f in corpus_logs if "/claude/" in f and "/subagents/" not in f), key=os.path.getsize)
    picks = [mains[min(len(mains) - 1, round(i * (len(mains) - 1) / 9))] for i in range(10)]
    with open(state_path, "w") as f:
        json.dump({p: os.path.getsize(p) for p in picks}, f)
    added = {"input": 0, "output": 0, "cacheWrite": 0, "cacheRead": 0, "bytes": 0}
    try:
        for r in range(runs):
            p = subprocess.run([sys.executable, gen, "append", "--seed", str(1000 + r), "--bytes", str(MiB)] + picks,
                               capture_output=True, text=True, check=True)
            a = json.loads(p.stdout)["claude"]
            for k in added:
                added[k] += a[k]
            outs = {}
            for name, h in ((("append", ha), ("base append", hb)) if r % 2 == 0 else (("base append", hb), ("append", ha))):
                t, out, _ = run(OKSTRA, h)
                sample(name, t)
                outs[name] = json.loads(out)
            t, out, _ = run(OKSTRA, ha)  # the run right after, nothing changed since
            sample("next", t)
            outs["next"] = json.loads(out)
        for name, j in (("append", cold), ("base append", base)):
            b = buckets(j, "claude")
            want = (b[0] + added["input"], b[1] + added["output"], b[2] + added["cacheWrite"], b[3] + added["cacheRead"])
            checks.append(("%s: claude == cold + appended lines" % name, buckets(outs[name], "claude") == want))
        checks.append(("the run right after an append == that append", outs["next"] == outs["append"]))
    finally:
        restore()
    h = fresh_home(archive_dir)
    info["rssColdMiB"] = run(OKSTRA, h, rss=True)[2] / 1024
    h = fresh_home()
    info["rssBaseMiB"] = run(OKSTRA, h, rss=True)[2] / 1024
finally:
    restore()
    shutil.rmtree(homes, ignore_errors=True)

# ---- report ----------------------------------------------------------------------------------------
med = {k: statistics.median(v) for k, v in samples.items()}
warm, app = med["warm"] / med["cold"], med["append"] / med["cold"]
bwarm, bapp = med["base warm"] / med["base cold"], med["base append"] / med["base cold"]
cpu = {k: med[k + " cpu"] for k in ("cold", "base cold", "warm", "base warm", "append", "base append")}
cpu_notes = {"cold": "%.1f%% of base" % (100 * cpu["cold"] / cpu["base cold"]),
             "warm": "%.1f%% of cold" % (100 * cpu["warm"] / cpu["cold"]),
             "base warm": "%.1f%% of base cold" % (100 * cpu["base warm"] / cpu["base cold"]),
             "append": "%.1f%% of cold" % (100 * cpu["append"] / cpu["cold"]),
             "base append": "%.1f%% of base cold" % (100 * cpu["base append"] / cpu["base cold"])}
verdicts = [("okstra warm < 5% of cold, with the archive", warm < TARGET_WARM, "%.1f%%" % (100 * warm)),
            ("okstra after append < 10% of cold, with the archive", app < TARGET_APPEND, "%.1f%%" % (100 * app))]
load = open("/proc/loadavg").read().split()[0]
xc, xx, hc, hx = expected["claude"], expected["codex"], hexpected["claude"], hexpected["codex"]
gen_h = hexpected["generator"]
rows = [("cold", "okstra cold, fresh OKSTRA_HOME holding only the archive", "%.1f%% of base" % (100 * med["cold"] / med["base cold"])),
        ("base cold", "okstra cold, fresh empty OKSTRA_HOME (no archive)", ""),
        ("warm", "okstra warm, with the archive", "%.1f%% of cold" % (100 * warm)),
        ("base warm", "okstra warm, no archive", "%.1f%% of base cold" % (100 * bwarm)),
        ("append", "okstra after appending 1 MiB to each of 10 files, with the archive", "%.1f%% of cold" % (100 * app)),
        ("base append", "the same, no archive", "%.1f%% of base cold" % (100 * bapp)),
        ("next", "okstra right after an append run, nothing changed since, with the archive",
         "%.1f%% of cold" % (100 * med["next"] / med["cold"]))]
md = ["### okstra-usage daily with a year of archived history (%s)" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"), "",
      "Machine: %d cores, %s, Linux %s; load average %s at the start, %s at the end." % (
          os.cpu_count(), platform.machine(), platform.release(), load_start, load),
      "Versions: %s." % subprocess.run([okstra, "--version"], capture_output=True, text=True).stdout.strip(),
      "Corpus: seed %d, Claude Code %d files, %.0f MiB, Codex %d files, %.0f MiB (%d + %d messages), sessions from %s."
      % (expected["generator"]["seed"], xc["files"], xc["bytes"] / MiB, xx["files"], xx["bytes"] / MiB, xc["messages"],
         xx["messages"], "2026-09-01 for 90 days"),
      "History: seed %d, Claude Code %d files, %.0f MiB, Codex %d files, %.0f MiB (%d + %d messages), sessions from %s for %s days, "
      "archived by deleting its files after a cached run." % (gen_h["seed"], hc["files"], hc["bytes"] / MiB, hx["files"],
                                                               hx["bytes"] / MiB, hc["messages"], hx["messages"],
                                                               gen_h.get("start", "?"), gen_h.get("days", "?")),
      "Median of %d runs after one warm-up; with and without the archive interleaved. CPU = user + system "
      "time of the process (all its threads), which a busy machine disturbs less than wall time; the "
      "targets are on wall time." % runs, "",
      "| measurement | wall (s) | min-max (s) | | CPU (s) | |", "|---|---:|---:|---|---:|---|"]
for key, label, note in rows:
    v = samples[key]
    md.append("| %s | %.3f | %.3f-%.3f | %s | %.3f | %s |" % (label, med[key], min(v), max(v), note, med[key + " cpu"],
                                                            cpu_notes.get(key, "")))
md.append("| peak RSS, okstra cold, with the archive / without | | | %.1f / %.1f MiB | | |" % (info["rssColdMiB"], info["rssBaseMiB"]))
md += ["", "Archive: %d records (%s to %s) in %d segment(s), %d bytes: **%.1f MiB per million records** "
       "(%.0f bytes a record; the history's logs were %.0f MiB, %.2f%% of them). The run that archived them: %.2f s."
       % (info["archiveRecords"], info["archiveOldest"], info["archiveNewest"], info["archiveSegments"],
          info["archiveBytes"], info["bytesPerMillion"] / MiB, info["archiveBytes"] / max(1, info["archiveRecords"]),
          hbytes / MiB, 100 * info["archiveBytes"] / hbytes, info["archivingRunS"]),
       "Totals: with the archive %d = %d (`--no-archive`) + %d (archived)." % (
           info["totals"]["withArchive"], info["totals"]["noArchive"], info["totals"]["archived"]), "",
       "Targets: " + "; ".join("%s: %s, %s" % (n, v, "met" if g else "MISSED") for n, g, v in verdicts) + "."]
md = "\n".join(md) + "\n"
print()
for name, good in checks:
    print("%-72s %s" % (name, "ok" if good else "FAILED"))
for name, good, val in verdicts:
    print("%-62s %-9s %s" % (name, val, "ok" if good else "MISSED"))
print()
print("---- markdown for docs/performance.md ----")
print(md, end="")
print("------------------------------------------")
with open(os.path.join(out_dir, "usage-archive-bench.md"), "w") as f:
    f.write(md)
with open(os.path.join(out_dir, "usage-archive-bench.json"), "w") as f:
    json.dump({"samples": samples, "median": med, "info": info, "checks": checks, "targets": verdicts}, f, indent=2)
print("results: bench/out/usage-archive-bench.md, bench/out/usage-archive-bench.json")
if not all(g for _, g in checks):
    print("FAIL: a correctness check failed")
    sys.exit(1)
if not all(g for _, g, _ in verdicts):
    print("FAIL: a target was missed")
    sys.exit(1)
print("PASS: all targets met")
