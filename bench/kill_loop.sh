#!/bin/sh
# The kill loop of tests/cli/kill_loop.sh, run long: SIGKILLs prepare (every
# task type, implementation with --stage auto), okstra-worktree remove and
# reconcile, and prepare finish at random moments (inside git too), repairs by
# a plain re-run or reconcile, checks that registry and git agree, and prints
# the counts quoted in docs/worktrees.md ("Crash safety").
#
#   bench/kill_loop.sh [BUILD_DIR] [ITERATIONS] [SEED]
#
# Defaults: build/, 500 iterations, seed 1. Needs sh, git, python3, timeout,
# setsid and a built okstra-prepare and okstra-worktree.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
OKSTRA_KILL_LOOP_ITERATIONS=${2:-500}
OKSTRA_KILL_LOOP_SEED=${3:-1}
OKSTRA_KILL_LOOP_SECONDS=${OKSTRA_KILL_LOOP_SECONDS:-36000}
OKSTRA_BUILD_ROOT=$build
OKSTRA_SOURCE_ROOT=$here
OKSTRA_TEST_TOOLS=$build/tests
export OKSTRA_KILL_LOOP_ITERATIONS OKSTRA_KILL_LOOP_SEED OKSTRA_KILL_LOOP_SECONDS OKSTRA_BUILD_ROOT \
  OKSTRA_SOURCE_ROOT OKSTRA_TEST_TOOLS
for tool in okstra-prepare okstra-worktree; do
  [ -x "$build/$tool" ] || { echo "bench/kill_loop.sh: error: missing '$build/$tool'" >&2; exit 3; }
done
sh "$here/tests/cli/kill_loop.sh" | grep -v '^ok: '
