#!/bin/sh
# scripts/deps.sh — install what building and testing okstra needs (Debian/Ubuntu).
#
# Idempotent and quiet when everything is already there: each package is
# checked with dpkg-query first, and apt-get (update + install) only runs for
# the missing ones. Uses sudo only when not root and sudo exists.
set -eu

packages='
meson
ninja-build
g++
pkg-config
git
libboost-program-options-dev
libboost-test-dev
rapidjson-dev
libmd4c-dev
libmd4c-html0-dev
python3
curl
clang
libclang-rt-14-dev
libxml2-utils
zsh
mandoc
tmux
'
# libmd4c-dev: md4c, the CommonMark parser the approval gate reads plans with, so that
# it reads what a reader of the rendered plan sees (docs/plan-validate.md);
# libmd4c-html0-dev: its HTML renderer, the plan_report fuzz target's oracle.
# clang + libclang-rt-14-dev: libFuzzer for scripts/test.sh --fuzz.
# libxml2-utils: xmllint, to check JUnit XML output in the tests.
# curl: what `okstra-usage prices update` downloads with (its test uses file:// URLs).
# zsh: the zsh completion test (skipped without it); mandoc: -Tlint of the man pages.
# tmux: a real terminal of a chosen width for tests/cli/tables.sh and usage_watch.sh (their terminal
# parts are skipped without it).

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps.sh: not a Debian-like system; install by hand: $(echo "$packages" | tr "\n" " ")" >&2
  exit 0
fi

missing=''
for p in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case $status in
    *'install ok installed'*) ;;
    *) missing="$missing $p" ;;
  esac
done
[ -n "$missing" ] || exit 0

echo "deps.sh: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
  as_root=''
elif command -v sudo >/dev/null 2>&1; then
  as_root='sudo'
else
  echo "deps.sh: error: cannot install packages without root or sudo '$missing'" >&2
  echo "hint: install them by hand, then re-run" >&2
  exit 3
fi

# noninteractive: CI has no stdin and must never stop at a debconf question.
# shellcheck disable=SC2086  # $as_root and $missing are meant to split
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
