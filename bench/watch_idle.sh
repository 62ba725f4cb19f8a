#!/usr/bin/env bash
# CPU used by `okstra-usage ... --watch` while nothing changes (docs/usage-watch.md;
# the figures go to docs/performance.md, "Watch: idle CPU"):
#   daily --watch            inotify only: expected to use no CPU at all while idle
#   blocks --active --watch  also renders every SECONDS (5) since its text moves with the clock
# Each runs with stdout to a file (not a terminal). After its first report and a settling
# pause, the process's utime + stime (/proc/PID/stat, fields 14 and 15) are read, then again
# after the idle period; printed as CPU seconds and % of one core.
#
#   bench/watch_idle.sh [--seconds N] [--corpus DIR]
#
# The corpus: DIR, else bench/out/corpus when bench/usage_bench.sh has made it (1.4 GB), else
# a small one generated into bench/out/watch-corpus (git-ignored). A fresh OKSTRA_HOME in a
# temporary folder; the first report of each fills its cache (not measured).
# okstra-usage: $OKSTRA_USAGE, else build/okstra-usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=60
corpus=''
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift ;;
    --corpus) corpus=${2:?--corpus needs a folder}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "watch_idle: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
okstra=${OKSTRA_USAGE:-$root/build/okstra-usage}
[ -x "$okstra" ] || { echo "watch_idle: okstra-usage not built (ninja -C build)" >&2; exit 2; }
if [ -z "$corpus" ]; then
  if [ -f "$here/out/corpus/expected.json" ]; then
    corpus=$here/out/corpus
  else
    corpus=$here/out/watch-corpus
    if [ ! -f "$corpus/expected.json" ]; then
      rm -rf "$corpus"
      echo "watch_idle: generating a small corpus in bench/out/watch-corpus" >&2
      python3 "$here/gen_usage_corpus.py" --out "$corpus" --seed 1 --claude-mb 40 --codex-mb 10 >&2
    fi
  fi
fi
[ -d "$corpus/claude" ] || { echo "watch_idle: no corpus in $corpus" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/watch-idle.XXXXXX")
pid=''
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
export CLAUDE_CONFIG_DIR=$corpus/claude CODEX_HOME=$corpus/codex GEMINI_DIR=$corpus/gemini OKSTRA_HOME=$tmp/home
ticks=$(getconf CLK_TCK)
folders=$(find "$corpus" -type d | wc -l)

# cpu_ticks PID: utime + stime of PID, in clock ticks (the comm field may hold blanks: cut after ')').
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# measure LABEL ARGS...: one watch, idle for $seconds.
measure() {
  label=$1
  shift
  : >"$tmp/out"
  : >"$tmp/err"
  "$okstra" "$@" --watch >"$tmp/out" 2>"$tmp/err" </dev/null &
  pid=$!
  n=0
  # The first report, or (blocks --active without an active block) its note on stderr.
  until [ -s "$tmp/out" ] || [ -s "$tmp/err" ]; do
    n=$((n + 1))
    [ "$n" -lt 3000 ] || { echo "watch_idle: no first report from $label after 300 s" >&2; exit 1; }
    sleep 0.1
  done
  sleep 2  # the cache write-back of the first report ends
  before=$(cpu_ticks "$pid")
  sleep "$seconds"
  after=$(cpu_ticks "$pid")
  kill -TERM "$pid"
  wait "$pid" || { echo "watch_idle: $label did not exit 0 on SIGTERM" >&2; exit 1; }
  pid=''
  python3 -c '
import sys
label, before, after, ticks, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
cpu = (after - before) / ticks
print("%-26s idle %3d s: %.2f CPU s, %.3f%% of one core" % (label, seconds, cpu, 100 * cpu / seconds))
' "$label" "$before" "$after" "$ticks" "$seconds"
}

echo "corpus: $corpus ($(du -sh "$corpus" | cut -f1), $folders folders); okstra-usage: $okstra"
measure "daily --watch" daily
measure "blocks --active --watch" blocks --active
