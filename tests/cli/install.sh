#!/bin/sh
# meson install, for real: the build under test is installed with DESTDIR into
# a temporary folder; everything Meson says it installs is there (binaries, the
# front end, okstra-validate-run, headers, okstra.pc, templates, the generated
# man pages and bash and zsh completion); nothing generic lands in bin/; a small program compiles against the installed headers
# through pkg-config and runs; every installed program answers --help and
# --version from the prefix with a PATH of the prefix and /usr/bin:/bin only;
# the installed front end's help, setup, doctor and version work; and every
# version printed equals meson.build's (meson introspect --projectinfo).
set -eu
src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
bld=${OKSTRA_BUILD_ROOT:?OKSTRA_BUILD_ROOT must be set}
. "$src/tests/cli/lib.sh"
. "$src/tests/cli/meson_info.sh"
is() {
  [ "$1" = "$2" ] && return 0
  printf '  got:      %s\n  expected: %s\n' "$1" "$2"
  return 1
}

# ---- install ------------------------------------------------------------------------
dest=$work/dest
install_build "$dest" || true
check "meson install --destdir exits 0" is "$rc" 0
[ "$rc" = 0 ] || { sed 's/^/  /' "$work/err"; finish; }
mandir=$dest$(meson_dir mandir)
datadir=$dest$(meson_dir datadir)
includedir=$dest$(meson_dir includedir)
libdir=$dest$(meson_dir libdir)

missing=0
for f in $(installed_files); do
  if [ ! -e "$dest$f" ] && [ ! -L "$dest$f" ]; then
    fail "installed file missing: $f"
    missing=$((missing + 1))
  fi
done
check "every file meson lists as installed is under DESTDIR" is "$missing" 0
# Every installed path lies under DESTDIR (meson install never writes outside
# it: each install path is absolute and DESTDIR is prepended).
outside=$(cd "$dest" && find . ! -type d | sed 's|^\.||' | { grep -v "^$prefix/" || true; })
check "nothing installed outside the prefix" is "$outside" ''

programs=$(installed_programs)
tools=$(cd "$bld" && for f in okstra-*; do
  case $f in okstra-test-*) continue ;; esac
  if [ -f "$f" ] && [ -x "$f" ]; then echo "$f"; fi
done)
check "the build has okstra-* tools" [ -n "$tools" ]
check "the build has okstra-validate-run" sh -c "printf '%s\n' '$tools' | grep -qx okstra-validate-run"
for p in okstra $tools; do
  check "bin/$p is installed and executable" [ -x "$bindir/$p" ]
  check "man page $p.1 is installed" [ -f "$mandir/man1/$p.1" ]
done
for p in $programs; do
  check "installed program $p has an installed man page" [ -f "$mandir/man1/$p.1" ]
  case $p in
    okstra | okstra-*) pass "installed program $p is named okstra or okstra-<name>" ;;
    *) fail "installed program $p is named okstra or okstra-<name> (nothing generic in bin/)" ;;
  esac
done
# No path of the machine that built them is compiled into the installed
# programs (docs/dirs.md, "The data folder"): neither the source nor the build
# folder appears in their bytes.
src_root=$(cd "$OKSTRA_SOURCE_ROOT" && pwd -P)
bld_root=$(cd "$bld" && pwd -P)
for p in $programs; do
  check "strings of bin/$p reads" sh -c "strings -a '$bindir/$p' >'$work/strings'"
  check "bin/$p holds some text (the check below has a subject)" [ -s "$work/strings" ]
  check "bin/$p names no source path of the build machine" lacks "$src_root" "$work/strings"
  check "bin/$p names no build path of the build machine" lacks "$bld_root" "$work/strings"
done
for p in $programs; do
  check "the installed $p.1 is the generated page" cmp -s "$bld/man/$p.1" "$mandir/man1/$p.1"
done
check "bash completion is installed" [ -f "$datadir/bash-completion/completions/okstra" ]
check "the installed bash completion is the generated one" \
  cmp -s "$bld/completions/okstra" "$datadir/bash-completion/completions/okstra"
for t in $tools; do
  check "bash completion for $t is a link to okstra's" \
    is "$(readlink "$datadir/bash-completion/completions/$t")" okstra
done
check "zsh completion is installed" [ -f "$datadir/zsh/site-functions/_okstra" ]
check "the installed zsh completion is the generated one" cmp -s "$bld/completions/_okstra" "$datadir/zsh/site-functions/_okstra"
# shellcheck disable=SC2086  # one program a word
check "the zsh completion's #compdef names every installed program" \
  [ "$(head -n 1 "$datadir/zsh/site-functions/_okstra")" = "#compdef $(printf '%s\n' $programs | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" ]
check "the pkg-config file is installed" [ -f "$libdir/pkgconfig/okstra.pc" ]
check "the templates are installed" diff -r "$src/templates" "$datadir/okstra/templates"
check "version.hpp is installed" [ -f "$includedir/okstra/version.hpp" ]
(cd "$src/include/okstra" && find . -name '*.hpp' | LC_ALL=C sort) >"$work/headers-src"
(cd "$includedir/okstra" && find . -name '*.hpp' ! -name version.hpp | LC_ALL=C sort) >"$work/headers-installed"
check "every header of include/okstra is installed, and no other" cmp -s "$work/headers-src" "$work/headers-installed"
check "no meson.build or version.hpp.in among the headers" \
  sh -c "! find '$includedir/okstra' -name meson.build -o -name '*.in' | grep -q ."

# ---- a program built against the installed headers, through pkg-config ----------------
# The .pc file names the real prefix; PKG_CONFIG_SYSROOT_DIR points pkg-config
# at the DESTDIR copy of it.
cat >"$work/consumer.cpp" <<'CPP'
// A consumer of the installed okstra headers: a task key and a timestamp.
#include <okstra/core/error.hpp>
#include <okstra/core/time.hpp>
#include <okstra/dirs/dirs.hpp>
#include <okstra/version.hpp>

#include <cstdio>

int main() {
  const auto key = okstra::dirs::parse_task_key("shop:payments:refund-timeout");
  std::printf("key %s\n", key.str().c_str());
  std::printf("time %s\n", okstra::time::format_iso8601(86'400'000).c_str());
  std::printf("version %s\n", OKSTRA_VERSION);
  try {
    okstra::dirs::parse_task_key("shop/../refund");
  } catch (const okstra::error&) {
    std::printf("refused\n");
  }
  return 0;
}
CPP
if command -v pkg-config >/dev/null 2>&1 && command -v c++ >/dev/null 2>&1; then
  PKG_CONFIG_PATH=$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  PKG_CONFIG_SYSROOT_DIR=$dest
  export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
  run pkg-config --modversion okstra
  check "pkg-config finds okstra at the installed version" is "$(cat "$work/out")" "$meson_version"
  cflags=$(pkg-config --cflags okstra)
  libs=$(pkg-config --libs okstra)
  unset PKG_CONFIG_SYSROOT_DIR
  check "the cflags point into the installed tree" sh -c "printf '%s' '$cflags' | grep -q -- '-I$includedir'"
  check "the cflags do not point into the source tree" sh -c "! printf '%s' '$cflags' | grep -q -- '$src'"
  # shellcheck disable=SC2086  # the flags are meant to split
  run c++ -Wall -Wextra -Werror $cflags -o "$work/consumer" "$work/consumer.cpp" $libs
  check "a program compiles against the installed headers" is "$rc" 0
  [ "$rc" = 0 ] || sed 's/^/  /' "$work/err" | head -n 30
  if [ -x "$work/consumer" ]; then
    run "$work/consumer"
    printf '%s\n' 'key shop/payments/refund-timeout' 'time 1970-01-02T00:00:00.000Z' \
      "version $meson_version" refused >"$work/expected"
    check "the program runs and prints what the library computes" cmp -s "$work/out" "$work/expected"
  fi
else
  fail "pkg-config or c++ is missing (scripts/deps.sh installs both)"
fi

# ---- the installed programs, from the prefix only -------------------------------------
# env -i: no OKSTRA_BUILD_DIR, no PATH into the build or the source tree.
home=$work/home
mkdir -p "$work/user"
inst() { run env -i "HOME=$work/user" "OKSTRA_HOME=$home" "PATH=$bindir:/usr/bin:/bin" LC_ALL=C.UTF-8 "$@"; }
for p in okstra $tools; do
  inst "$p" --version
  check "$p --version (installed) exits 0" is "$rc" 0
  check "$p --version (installed) prints '$p (okstra) $meson_version'" is "$(cat "$work/out")" "$p (okstra) $meson_version"
  inst "$p" --help
  check "$p --help (installed) exits 0" is "$rc" 0
  check "$p --help (installed) prints a help" [ -s "$work/out" ]
done
check "the installed programs run from the prefix" is "$(env -i "PATH=$bindir:/usr/bin:/bin" sh -c 'command -v okstra-cost')" "$bindir/okstra-cost"

inst okstra help
check "okstra help (installed) exits 0" is "$rc" 0
for t in $tools; do
  check "okstra help (installed) lists ${t#okstra-}" grep -q "^  ${t#okstra-}  *[a-z(]" "$work/out"
done
inst okstra version
check "okstra version (installed)" is "$(cat "$work/out")" "okstra (okstra) $meson_version"
inst okstra setup
check "okstra setup (installed) exits 0" is "$rc" 0
check "okstra setup (installed) copies the installed templates" diff -r "$datadir/okstra/templates" "$home/templates"
inst okstra doctor
check "okstra doctor (installed) exits 0" is "$rc" 0
check "okstra doctor (installed) says result: OK" is "$(tail -n 1 "$work/out")" "result: OK"
for t in $tools; do
  check "okstra doctor (installed) finds $t in the prefix" \
    grep -qF "ok: $t $meson_version ($bindir/$t)" "$work/out"
done
check "okstra doctor (installed) finds no tool outside the prefix" \
  sh -c "! grep '^ok: okstra-' '$work/out' | grep -v -F '($bindir/'"
mkdir -p "$work/plain"
inst okstra prepare --project-root "$work/plain" --task-key plain/g/t --task-type error-analysis --render-only -c
check "okstra prepare (installed) renders a bundle from the installed home" is "$rc" 0
check "...with the installed templates" grep -q '"okstraVersion":"'"$meson_version"'"' "$work/out"
check "...okstraVersion is the installed home's stamp, toolVersion the program's" \
  grep -q '"okstraVersion":"'"$(cat "$home/version")"'","toolVersion":"'"$meson_version"'"' "$work/out"

# Man pages and completion are found where man and bash look.
if command -v man >/dev/null 2>&1; then
  run env "MANPATH=$dest$(meson_dir mandir)" man -w okstra-cost
  check "man finds okstra-cost(1) under the installed mandir" is "$(cat "$work/out")" "$mandir/man1/okstra-cost.1"
fi
# shellcheck disable=SC2086  # one program a word
run bash --norc --noprofile -c '. "$1" && shift && complete -p "$@"' bash "$datadir/bash-completion/completions/okstra" $programs
check "the installed bash completion loads and binds every installed program" is "$rc" 0

# ---- one version everywhere ---------------------------------------------------------------
check "meson.build's version is what the source front end prints" \
  is "$(env "OKSTRA_BUILD_DIR=$bld" "$src/bin/okstra" --version)" "okstra (okstra) $meson_version"
check "the configured front end in the build prints it too" is "$(sh "$bld/okstra" --version)" "okstra (okstra) $meson_version"
for t in $tools; do
  check "$t in the build prints it too" is "$("$bld/$t" --version)" "$t (okstra) $meson_version"
done

finish
