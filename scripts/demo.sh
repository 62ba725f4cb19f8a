#!/bin/sh
# scripts/demo.sh — THE demo: builds okstra and walks through the front end in
# a throwaway OKSTRA_HOME, showing each step's output.
#
# Nothing is left behind outside the temporary folder (removed on exit) except
# the build folder build/. Adding a step is one line: `step okstra <args>`.
set -eu

root=$(cd -P -- "$(dirname -- "$0")/.." && pwd)

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
trap 'exit 130' INT TERM

# quietly CMD...: runs CMD, showing its output only if it fails.
quietly() {
  "$@" >"$demo/log" 2>&1 || { status=$?; cat "$demo/log" >&2; return "$status"; }
}

echo "building okstra in build/ ..."
sh "$root/scripts/deps.sh"
if [ -f "$root/build/meson-private/coredata.dat" ]; then
  quietly meson setup --reconfigure "$root/build" "$root"
else
  quietly meson setup "$root/build" "$root"
fi
quietly meson compile -C "$root/build"
rm -f "$demo/log"

# Everything the demo writes goes under $demo: the okstra home, and the current
# folder (so a stray relative path cannot land in the repository).
OKSTRA_HOME=$demo/home
export OKSTRA_HOME
cd "$demo"

# okstra: the front end of this source tree (it finds the tools in build/).
okstra() { "$root/bin/okstra" "$@"; }

# step CMD...: a one-line heading, then CMD with its output. A failing step
# stops the demo (set -e) with its exit status.
step() {
  printf '\n==> %s\n' "$*"
  "$@"
}

echo "okstra demo — temporary OKSTRA_HOME: $OKSTRA_HOME"
step okstra help
step okstra setup
step okstra doctor

# Token usage from the bundled sample logs (tests/data/usage: Claude Code,
# Codex, Gemini and Cursor logs written by the project, with the real formats'
# quirks — streaming copies, sidechain replays, forked rollouts, bad lines).
logs="$root/tests/data/usage"
HOME=$demo/user  # no real agent logs are read
export HOME
mkdir -p "$HOME"
step okstra usage daily --tz UTC --claude-dir "$logs/claude" --codex-dir "$logs/codex" \
  --gemini-dir "$logs/gemini" --cursor-log "$logs/cursor/cursor.jsonl"
step okstra usage monthly --json --tz UTC --source claude --claude-dir "$logs/claude"
echo
echo "demo done; the temporary folder is removed now"
