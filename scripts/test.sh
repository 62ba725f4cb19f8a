#!/bin/sh
# scripts/test.sh — build okstra and run every test; THE test command.
#
#   scripts/test.sh                   build/ and its tests
#   scripts/test.sh --sanitize        build-asan/ (ASan + UBSan) instead of build/
#   scripts/test.sh --fuzz SECONDS    also build build-fuzz/ (clang, libFuzzer) and
#                                     run each fuzz_* target SECONDS (plan_report:
#                                     at least 15) on a copy of its seed corpus
#                                     tests/fuzz/corpus/<name>/
#
# Ends with one plain line "N passed, N failed[, N skipped]" (meson tests plus
# fuzz targets) and exits non-zero if anything failed. The same counts are
# written, as "passed failed skipped", to <builddir>/okstra-counts (and
# build-fuzz/okstra-counts for the fuzz targets) for .ci/run to add up.
set -eu

usage() {
  echo "usage: scripts/test.sh [--sanitize] [--fuzz SECONDS]" >&2
  exit 2
}

sanitize=false
fuzz_seconds=''
while [ $# -gt 0 ]; do
  case $1 in
    --sanitize) sanitize=true ;;
    --fuzz)
      [ $# -ge 2 ] || usage
      case $2 in '' | *[!0-9]*) usage ;; esac
      fuzz_seconds=$2
      shift
      ;;
    -h | --help)
      sed -n '2,14s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) usage ;;
  esac
  shift
done

root=$(cd -P -- "$(dirname -- "$0")/.." && pwd)
cd "$root"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

sh scripts/deps.sh

# setup_build DIR [meson options...]: configure DIR, or re-configure it when it
# already holds a Meson build (coredata.dat), so changed options take effect.
# Developers and CI build with warnings as errors (users' default is off).
setup_build() {
  dir=$1
  shift
  set -- -Dwerror=true "$@"
  if [ -f "$dir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$dir" "$@" >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log" >&2; return 1; }
  else
    meson setup "$dir" "$@" >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log" >&2; return 1; }
  fi
}

# ---- the meson test suite -------------------------------------------------------
if $sanitize; then
  builddir=build-asan
  # -O0: with ASan and UBSan, GCC compiles a unity library in a third of the time it takes at
  # -O1 (57 against 158 s), and the suite's time goes to starting processes, not to our code.
  # The test programs follow the sanitizer build's level (tests/meson.build).
  # The sanitizers check every access at -O0 (none is optimised away).
  # Not position-independent: an instrumented binary is ~55 MB, and relocating
  # a PIE one at every start touched ~5,000 pages; the shell tests start
  # thousands of processes (docs/performance.md, "CI time").
  setup_build "$builddir" -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=0 \
    -Dcpp_args=-fno-pie -Dcpp_link_args=-no-pie
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export ASAN_OPTIONS UBSAN_OPTIONS
else
  builddir=build
  setup_build "$builddir"
fi

# build_fuzz_targets: configures build-fuzz/ and compiles only its fuzz targets
# (the tools and test programs are built and run by the other runs).
build_fuzz_targets() {
  # libFuzzer needs clang; the compiler of a build folder is fixed at its
  # first setup, so CXX only matters then.
  # -O1: what libFuzzer recommends, and it compiles much faster than -O3.
  CXX=clang++ setup_build build-fuzz -Dfuzz=true -Dtests=false -Doptimization=1
  fuzz_targets=''
  for source in tests/fuzz/fuzz_*.cpp; do
    name=${source##*/}
    fuzz_targets="$fuzz_targets ${name%.cpp}"
  done
  # shellcheck disable=SC2086  # one word per target
  meson compile -C build-fuzz $fuzz_targets
}

# Stale results must never be counted: a run that dies early leaves no counts.
rm -f "$builddir/okstra-counts" "$builddir/meson-logs/testlog.json" build-fuzz/okstra-counts

meson compile -C "$builddir"

# The sanitizers watch the C++: the packaging suite (install, man pages,
# completion) checks files and scripts, and runs in the plain suite only.
suite_args=''
# The header check (suite 'headers') only parses: once, in the plain run, is enough.
if $sanitize; then suite_args='--no-suite packaging --no-suite headers'; fi
test_status=0
# shellcheck disable=SC2086  # suite_args is empty or two words
meson test -C "$builddir" --print-errorlogs $suite_args || test_status=$?

# count_results TESTLOG: prints "passed failed skipped" from meson's JSON-lines
# test log (absent log = nothing ran = all zero).
count_results() {
  python3 - "$1" <<'EOF'
import json, os, sys
passed = failed = skipped = 0
path = sys.argv[1]
if os.path.exists(path):
    with open(path, encoding="utf-8") as log:
        for line in log:
            if not line.strip():
                continue
            result = json.loads(line).get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:  # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, INTERRUPT, ...
                failed += 1
print(passed, failed, skipped)
EOF
}

counts=$(count_results "$builddir/meson-logs/testlog.json")
# meson test failing with no failed test counted (it could not even start the
# tests, say) is still a failure.
# shellcheck disable=SC2086  # split "passed failed skipped" into $1 $2 $3
set -- $counts
if [ "$test_status" -ne 0 ] && [ "$2" -eq 0 ]; then
  echo "test.sh: meson test exited $test_status with no failed test recorded" >&2
  counts="$1 1 $3"
fi
printf '%s\n' "$counts" >"$builddir/okstra-counts"

# ---- fuzzing -----------------------------------------------------------------------
# fuzz_one EXE NAME: runs one fuzz target; its exit status goes to $tmp/fuzz-NAME.rc.
fuzz_one() {
  # libFuzzer adds new inputs to its first corpus folder: give it a copy so
  # the repository is never modified. Crash inputs are kept in the build folder.
  corpus=$tmp/corpus-$2
  mkdir -p "$corpus"
  if [ -d "tests/fuzz/corpus/$2" ]; then cp -R "tests/fuzz/corpus/$2/." "$corpus/"; fi
  artifacts=build-fuzz/artifacts/$2
  mkdir -p "$artifacts"
  # The plan report parser guards the approval gate: it always gets at
  # least 15 s (the others get SECONDS).
  seconds=$fuzz_seconds
  case $2 in plan_report) [ "$seconds" -ge 15 ] || seconds=15 ;; esac
  echo "fuzz: $2 for ${seconds}s" >&2
  rc=0
  "$1" -max_total_time="$seconds" -timeout=25 -artifact_prefix="$artifacts/" \
    "$corpus" >"build-fuzz/fuzz_$2.log" 2>&1 || rc=$?
  echo "$rc" >"$tmp/fuzz-$2.rc"
}

fuzz_passed=0
fuzz_failed=0
if [ -n "$fuzz_seconds" ]; then
  if [ ! -f tests/fuzz/meson.build ]; then
    echo "note: no fuzz targets yet (tests/fuzz/meson.build is missing); fuzzing skipped" >&2
  else
    build_fuzz_targets
    # Each target runs on one core: two run at once, so the whole machine fuzzes.
    found=false
    running=0
    names=''
    for exe in build-fuzz/tests/fuzz/fuzz_*; do
      if [ ! -f "$exe" ] || [ ! -x "$exe" ]; then continue; fi
      found=true
      name=${exe##*/fuzz_}
      names="$names $name"
      fuzz_one "$exe" "$name" &
      running=$((running + 1))
      if [ "$running" -eq 2 ]; then
        wait
        running=0
      fi
    done
    wait
    for name in $names; do
      if [ "$(cat "$tmp/fuzz-$name.rc")" = 0 ]; then
        fuzz_passed=$((fuzz_passed + 1))
      else
        fuzz_failed=$((fuzz_failed + 1))
        log=build-fuzz/fuzz_$name.log
        echo "fuzz: $name FAILED; last lines of $log (inputs in build-fuzz/artifacts/$name/):" >&2
        tail -n 40 "$log" >&2
      fi
    done
    $found || echo "note: no fuzz_* executable in build-fuzz/tests/fuzz; fuzzing skipped" >&2
    printf '%s %s 0\n' "$fuzz_passed" "$fuzz_failed" >build-fuzz/okstra-counts
  fi
fi

# ---- the one closing line ----------------------------------------------------------
# shellcheck disable=SC2086  # split "passed failed skipped" into $1 $2 $3
set -- $counts
passed=$(($1 + fuzz_passed))
failed=$(($2 + fuzz_failed))
skipped=$3
line="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
printf '%s\n' "$line"
[ "$failed" -eq 0 ]
