#!/usr/bin/env bash
# Cross-checks `okstra-usage daily --json` against the reference tool, ccusage 20.0.24, on the
# same logs, and both against the generator's ground truth (expected.json): tokens and cost.
#
#   bench/usage_crosscheck.sh [--ccusage-only] [--cost-tolerance PCT] [--results DIR] [CORPUS_DIR]
#
# CORPUS_DIR holds claude/ (CLAUDE_CONFIG_DIR, with projects/), codex/ (CODEX_HOME) and gemini/
# (GEMINI_DIR, with tmp/; ccusage reads GEMINI_DATA_DIR=gemini/tmp), as bench/gen_usage_corpus.py
# writes them; any of the three may be missing. Default: a ~30 MB corpus generated (once, and
# again after the generator's format changed) into bench/out/crosscheck.
#
# Per source it compares input, output, cache write, cache read (plus reasoning and total), with
# the documented mappings applied explicitly and printed, and the cost: okstra's
# bySource.<source>.costUsd against ccusage's totals.totalCost (totals.costUSD for Codex), equal
# when the relative difference is at most --cost-tolerance percent (default 1). It fails when
# okstra lists any unpricedModels, and when ccusage leaves a model of the corpus unpriced (that
# source's cost then cannot be checked; the models are named). Each tool runs with HOME set to an
# empty temporary folder (the real home is never read), a clean environment, TZ=UTC and
# --timezone UTC.
#
# Finds ccusage via $CCUSAGE, then bench's own install (bench/node_modules/ccusage-20.0.24, see
# bench/usage_bench.sh --install), then PATH; okstra-usage via $OKSTRA_USAGE, then
# $OKSTRA_BUILD_ROOT/okstra-usage, then build/okstra-usage.
# --ccusage-only checks ccusage against expected.json alone (no okstra-usage needed; costs are
# printed, not compared).
# --results DIR keeps the raw JSON outputs there.
#
# Exit status: 0 all equal, 1 a mismatch (or a tool failed), 2 usage or setup error,
# 77 ccusage not found.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
ccusage_only=0
cost_tolerance=1
results=
corpus=
while [ $# -gt 0 ]; do
  case $1 in
    --ccusage-only) ccusage_only=1 ;;
    --results) results=${2:?--results needs a folder}; shift ;;
    --cost-tolerance)
      cost_tolerance=${2:?--cost-tolerance needs a percentage}
      case $cost_tolerance in
        ''|*[!0-9.]*|*.*.*|.) echo "usage_crosscheck: --cost-tolerance takes a percentage such as 1 or 0.5" >&2; exit 2 ;;
      esac
      shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "usage_crosscheck: unknown option $1" >&2; exit 2 ;;
    *) [ -z "$corpus" ] || { echo "usage_crosscheck: one CORPUS_DIR only" >&2; exit 2; }; corpus=$1 ;;
  esac
  shift
done

command -v python3 >/dev/null || { echo "usage_crosscheck: python3 is required" >&2; exit 2; }

# ---- tools ----------------------------------------------------------------------------------
find_ccusage() {
  if [ -n "${CCUSAGE:-}" ]; then
    [ -x "$CCUSAGE" ] && { echo "$CCUSAGE"; return 0; }
    command -v "$CCUSAGE" 2>/dev/null && return 0
    return 1
  fi
  local b=$here/node_modules/ccusage-20.0.24/node_modules/.bin/ccusage
  [ -x "$b" ] && { echo "$b"; return 0; }
  command -v ccusage 2>/dev/null
}
if ! ccusage=$(find_ccusage) || ! "$ccusage" --version >/dev/null 2>&1; then
  echo "usage_crosscheck: ccusage not found or not working (set CCUSAGE, or run bench/usage_bench.sh --install)" >&2
  exit 77
fi
ccusage_version=$("$ccusage" --version 2>/dev/null | tr -d '\n')
case $ccusage_version in
  *20.0.24*) ;;
  *) echo "usage_crosscheck: warning: reference is ccusage 20.0.24, found '$ccusage_version'" >&2 ;;
esac

okstra=
if [ "$ccusage_only" = 0 ]; then
  for c in "${OKSTRA_USAGE:-}" "${OKSTRA_BUILD_ROOT:+$OKSTRA_BUILD_ROOT/okstra-usage}" "$root/build/okstra-usage"; do
    if [ -n "$c" ] && [ -x "$c" ]; then okstra=$c; break; fi
  done
  if [ -z "$okstra" ]; then
    echo "usage_crosscheck: okstra-usage not found (set OKSTRA_USAGE or build it: ninja -C build); --ccusage-only skips it" >&2
    exit 2
  fi
  okstra=$(cd "$(dirname "$okstra")" && pwd)/$(basename "$okstra")  # the tools run in another folder
fi

# ---- corpus ---------------------------------------------------------------------------------
if [ -z "$corpus" ]; then
  corpus=$here/out/crosscheck
  # regenerated when missing or written by an older generator (its "format" differs)
  if ! python3 -c 'import json, re, sys
want = re.search(r"^CORPUS_FORMAT = (\d+)$", open(sys.argv[2]).read(), re.M).group(1)
sys.exit(str(json.load(open(sys.argv[1]))["generator"].get("format")) != want)' \
      "$corpus/expected.json" "$here/gen_usage_corpus.py" 2>/dev/null; then
    rm -rf "$corpus"
    echo "usage_crosscheck: generating a ~30 MB corpus into bench/out/crosscheck"
    python3 "$here/gen_usage_corpus.py" --out "$corpus" --seed 1 --claude-mb 25 --codex-mb 5 >/dev/null
  fi
fi
[ -d "$corpus" ] || { echo "usage_crosscheck: no such folder: $corpus" >&2; exit 2; }
corpus=$(cd "$corpus" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/okstra-crosscheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$tmp/home/.config" "$tmp/okstra" "$tmp/empty"

# Roots of absent sources point at an empty folder.
sources=()
claude_root=$tmp/empty codex_root=$tmp/empty gemini_root=$tmp/empty
if [ -d "$corpus/claude" ]; then sources+=(claude); claude_root=$corpus/claude; fi
if [ -d "$corpus/codex" ]; then sources+=(codex); codex_root=$corpus/codex; fi
if [ -d "$corpus/gemini/tmp" ]; then sources+=(gemini); gemini_root=$corpus/gemini; fi
[ ${#sources[@]} -gt 0 ] || { echo "usage_crosscheck: $corpus has no claude/, codex/ or gemini/tmp/" >&2; exit 2; }
# ccusage prices every Codex row without a recorded service tier at the tier named in
# $CODEX_HOME/config.toml (with HOME empty, the only config it can find is this one).
if [ -f "$codex_root/config.toml" ]; then
  echo "usage_crosscheck: note: $codex_root/config.toml exists; ccusage applies its service_tier to Codex rows without a recorded tier"
fi

# A clean environment: the real home, config and agents' variables never leak in.
clean_env=(env -i "PATH=$PATH" "HOME=$tmp/home" "XDG_CONFIG_HOME=$tmp/home/.config" TZ=UTC LC_ALL=C.UTF-8
  "CLAUDE_CONFIG_DIR=$claude_root" "CODEX_HOME=$codex_root" "GEMINI_DIR=$gemini_root"
  "GEMINI_DATA_DIR=$gemini_root/tmp" "OKSTRA_HOME=$tmp/okstra" NO_COLOR=1)
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
  if [ -n "${!v:-}" ]; then clean_env+=("$v=${!v}"); fi
done

failed=0
run() { # run NAME CMD...: stdout to $tmp/NAME.json; a failure is reported and counted
  local name=$1
  shift
  if ! (cd "$tmp/home" && "${clean_env[@]}" "$@") >"$tmp/$name.json" 2>"$tmp/$name.err"; then
    echo "FAIL: $name exited with an error: $*"
    sed 's/^/  | /' "$tmp/$name.err" | head -20
    failed=1
  fi
}

echo "corpus:  $corpus"
echo "ccusage: $ccusage_version ($ccusage)"
for s in "${sources[@]}"; do
  run "ccusage-$s" "$ccusage" "$s" daily --json --offline --timezone UTC
done
if [ -n "$okstra" ]; then
  echo "okstra:  $okstra"
  src_list=$(IFS=,; echo "${sources[*]}")
  run okstra "$okstra" daily --json --no-cache --tz UTC --source "$src_list"
fi
if [ -n "$results" ]; then
  mkdir -p "$results"
  cp "$tmp"/*.json "$results"/
fi
[ "$failed" = 0 ] || exit 1

python3 - "$tmp" "$corpus/expected.json" "${okstra:+okstra}" "$cost_tolerance" "${sources[@]}" <<'PY'
import json, math, os, sys

tmp, expected_path, have_okstra = sys.argv[1], sys.argv[2], sys.argv[3] == "okstra"
cost_tolerance, sources = float(sys.argv[4]), sys.argv[5:]
expected = json.load(open(expected_path)) if os.path.exists(expected_path) else {}
okstra = json.load(open(os.path.join(tmp, "okstra.json"))) if have_okstra else None
fields = ("input", "output", "cacheWrite", "cacheRead", "reasoning", "total")
notes = []
mismatches = 0


def ccusage_view(src, t):
    """ccusage totals in okstra's normalisation, with the documented mappings."""
    v = {"input": t["inputTokens"], "output": t["outputTokens"], "cacheWrite": t["cacheCreationTokens"],
         "cacheRead": t["cacheReadTokens"], "total": t["totalTokens"]}
    if src == "claude":
        v["reasoning"] = 0  # Claude logs do not split thinking out of output_tokens
    elif src == "codex":
        v["reasoning"] = t["reasoningOutputTokens"]  # both: "of which", already inside output
    elif src == "gemini":
        # ccusage's outputTokens excludes thoughts; its totalTokens includes them. okstra counts
        # thoughts as output (they are billed as output) and reports them as reasoning.
        thoughts = t["totalTokens"] - (t["inputTokens"] + t["outputTokens"] + t["cacheReadTokens"]
                                       + t["cacheCreationTokens"])
        v["reasoning"] = thoughts
        v["output"] = t["outputTokens"] + thoughts
        notes.append("gemini: mapping applied: ccusage output (%d) + thoughts (%d) = %d, thoughts = "
                     "ccusage totalTokens - (input + output + cacheRead + cacheCreation); okstra output "
                     "includes thoughts, okstra reasoning = thoughts"
                     % (t["outputTokens"], thoughts, v["output"]))
    return v


def okstra_view(b):
    return {"input": b["input"], "output": b["output"], "cacheWrite": b["cacheWrite5m"] + b["cacheWrite1h"],
            "cacheRead": b["cacheRead"], "reasoning": b["reasoning"], "total": b["total"]}


def ccusage_cost(t):
    """ccusage's total cost: totalCost (claude, gemini) or costUSD (codex)."""
    for key in ("totalCost", "costUSD"):
        if isinstance(t.get(key), (int, float)):
            return float(t[key])
    return None


def okstra_unpriced(doc):
    """okstra's unpricedModels as (model, tokens or None): a list of strings or of {model, tokens}."""
    out = []
    for item in doc.get("unpricedModels") or []:
        if isinstance(item, dict):
            out.append((str(item.get("model")), item.get("tokens")))
        else:
            out.append((str(item), None))
    return out


def relative_difference(ok, cc):
    if ok == cc:
        return 0.0
    if cc == 0:
        return math.inf
    return abs(ok - cc) / abs(cc)


rows = []
costs = []  # (source, ccusage USD, okstra USD or None, relative difference or None, status)
for src in sources:
    cc_totals = json.load(open(os.path.join(tmp, "ccusage-%s.json" % src)))["totals"]
    cc = ccusage_view(src, cc_totals)
    ok = None
    b = None
    if okstra is not None:
        b = (okstra.get("bySource") or {}).get(src)
        if b is None:
            print("FAIL: okstra's bySource has no %s" % src)
            mismatches += 1
            b = {k: 0 for k in ("input", "output", "cacheWrite5m", "cacheWrite1h", "cacheRead", "reasoning", "total")}
        ok = okstra_view(b)
        notes.append("%s: okstra files %s, records %s, skippedLines %s" % (
            src, b.get("files"), b.get("records"), b.get("skippedLines")))
        if src == "gemini":
            direct = ok["output"] - ok["reasoning"]
            raw = cc["output"] - cc["reasoning"]
            same = direct == raw
            mismatches += not same
            notes.append("gemini: okstra output - okstra reasoning = %d, ccusage outputTokens = %d: %s"
                         % (direct, raw, "ok" if same else "MISMATCH"))
    ex = expected.get(src)
    for f in fields:
        vals = {"ccusage": cc[f]}
        if ok is not None:
            vals["okstra"] = ok[f]
        if ex is not None:
            vals["expected"] = ex[f]
        good = len(set(vals.values())) == 1
        mismatches += not good
        rows.append((src, f, ex[f] if ex else None, cc[f], ok[f] if ok else None, good))

    # Cost. A model ccusage cannot price costs 0 there, so that source's cost proves nothing:
    # named and counted as a failure, never left out of the sum in silence.
    cc_cost = ccusage_cost(cc_totals)
    cc_unpriced = [str(m) for m in cc_totals.get("unpricedModels") or []]
    status = None
    if cc_cost is None:
        print("FAIL: ccusage's %s totals have neither totalCost nor costUSD" % src)
        mismatches += 1
        status = "NO COST"
    if cc_unpriced:
        print("FAIL: ccusage does not price %s model(s) %s: their tokens cost 0 in its %s total, so the "
              "%s cost cannot be cross-checked" % (src, ", ".join(cc_unpriced), src, src))
        mismatches += 1
        status = "NOT CHECKED"
    ok_cost = rel = None
    if b is not None:
        ok_cost = b.get("costUsd")
        if not isinstance(ok_cost, (int, float)):
            print("FAIL: okstra's bySource.%s has no costUsd" % src)
            mismatches += 1
            ok_cost = None
            status = status or "NO COST"
        elif cc_cost is not None:
            rel = relative_difference(float(ok_cost), cc_cost)
            if status is None:
                status = "ok" if rel <= cost_tolerance / 100 else "MISMATCH"
                mismatches += status != "ok"
    costs.append((src, cc_cost, ok_cost, rel, status or ("-" if okstra is None else "?")))
    if ex is not None and src == "claude" and "fastMessages" in ex:
        notes.append("claude: %d of %d messages in fast mode (\"speed\":\"fast\" in message.usage, expected.json)"
                     % (ex["fastMessages"], ex["messages"]))
    if ex is not None and src == "codex" and "priorityMessages" in ex:
        notes.append("codex: %d of %d rows at priority (thread_settings_applied service_tier, expected.json)"
                     % (ex.get("priorityMessages", 0), ex["messages"]))

unpriced = okstra_unpriced(okstra) if okstra is not None else []
if unpriced:
    print("FAIL: okstra lists unpricedModels: %s" % ", ".join(
        m if t is None else "%s (%s tokens)" % (m, "{:,}".format(t) if isinstance(t, int) else t) for m, t in unpriced))
    mismatches += 1

print()
print("%-7s %-11s %16s %16s %16s  %s" % ("source", "field", "expected", "ccusage", "okstra", "status"))
for src, f, e, c, o, good in rows:
    show = lambda v: "-" if v is None else "{:,}".format(v)
    print("%-7s %-11s %16s %16s %16s  %s" % (src, f, show(e), show(c), show(o), "ok" if good else "MISMATCH"))
print()
print("%-7s %-11s %16s %16s %16s  %s" % ("source", "cost", "ccusage USD", "okstra USD", "relative diff", "status"))
for src, c, o, rel, status in costs:
    money = lambda v: "-" if v is None else "%.6f" % v
    diff = "-" if rel is None else ("inf" if math.isinf(rel) else "%.4f%%" % (100 * rel))
    print("%-7s %-11s %16s %16s %16s  %s" % (src, "costUsd", money(c), money(o), diff, status))
print()
print("cacheWrite: okstra cacheWrite5m + cacheWrite1h; ccusage cacheCreationTokens")
print("codex: both report input without cached tokens, output including reasoning")
print("cost: okstra bySource.<source>.costUsd; ccusage totals.totalCost (codex: totals.costUSD), "
      "--offline; equal within %g%% of ccusage's" % cost_tolerance)
for n in notes:
    print(n)
print()
if mismatches:
    print("FAIL: %d mismatch(es)" % mismatches)
    sys.exit(1)
print("PASS: okstra-usage, ccusage and the expected totals agree (tokens exactly, cost within %g%%)"
      % cost_tolerance if okstra is not None
      else "PASS: ccusage agrees with the expected totals (okstra-usage not run)")
PY
