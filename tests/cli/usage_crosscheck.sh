#!/bin/sh
# okstra-usage against the reference tool: bench/usage_crosscheck.sh on a small corpus
# (< 5 MB) generated into a temporary folder: tokens exactly, cost per source within 1%, no
# unpriced model. The corpus must hold Claude fast-mode messages and Codex priority rows, so the
# service tiers are priced in the comparison. Skipped (exit 77) when ccusage is not installed:
# neither $CCUSAGE, nor bench's own install (bench/usage_bench.sh --install), nor `ccusage` on
# PATH. Never downloads anything; no timing thresholds here (they live in bench/).
# Run by meson as `sh tests/cli/usage_crosscheck.sh` with OKSTRA_BUILD_ROOT and
# OKSTRA_SOURCE_ROOT set.
set -u

src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
bld=${OKSTRA_BUILD_ROOT:?OKSTRA_BUILD_ROOT must be set}

ccusage=
if [ -n "${CCUSAGE:-}" ]; then
  ccusage=$CCUSAGE
elif [ -x "$src/bench/node_modules/ccusage-20.0.24/node_modules/.bin/ccusage" ]; then
  ccusage=$src/bench/node_modules/ccusage-20.0.24/node_modules/.bin/ccusage
elif command -v ccusage >/dev/null 2>&1; then
  ccusage=$(command -v ccusage)
fi
if [ -z "$ccusage" ] || ! "$ccusage" --version >/dev/null 2>&1; then
  echo "SKIP: ccusage is not installed (set CCUSAGE or run bench/usage_bench.sh --install)"
  exit 77
fi
for tool in python3 bash; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed"
    exit 77
  fi
done
if [ ! -x "$bld/okstra-usage" ]; then
  echo "FAIL: $bld/okstra-usage is not built"
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/okstra-usage-crosscheck.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP

if ! python3 "$src/bench/gen_usage_corpus.py" --out "$work/corpus" --seed 7 \
  --claude-mb 3.0 --codex-mb 0.8 --codex-files 4 --gemini-sessions 3 --jobs 1 >"$work/gen.out" 2>&1; then
  echo "FAIL: bench/gen_usage_corpus.py failed"
  cat "$work/gen.out"
  exit 1
fi
size=$(du -sk "$work/corpus" | cut -f1)
if [ "$size" -gt 5120 ]; then
  echo "FAIL: the test corpus is ${size} KiB, more than 5 MiB"
  exit 1
fi
# Both tiers present, or the cost comparison would not cover them.
if ! python3 - "$work/corpus/expected.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
fast, priority = e["claude"].get("fastMessages", 0), e["codex"].get("priorityMessages", 0)
print("corpus: %d Claude fast-mode messages, %d Codex priority rows" % (fast, priority))
sys.exit(0 if fast > 0 and priority > 0 else 1)
PY
then
  echo "FAIL: the test corpus lacks Claude fast-mode messages or Codex priority rows (change its seed)"
  exit 1
fi

CCUSAGE=$ccusage OKSTRA_USAGE=$bld/okstra-usage bash "$src/bench/usage_crosscheck.sh" "$work/corpus"
rc=$?
case $rc in
  0) echo "ok: okstra-usage, ccusage and the expected totals agree (tokens and cost)" ;;
  77) echo "SKIP: ccusage is not usable"; exit 77 ;;
  *) echo "FAIL: bench/usage_crosscheck.sh exited with $rc"; exit 1 ;;
esac
