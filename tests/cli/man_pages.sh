#!/bin/sh
# The man pages (man/*.1): every installed program has one and Meson installs
# it to mandir/man1; each has the required sections, carries the project
# version, names the program as its --help does, is clean for mandoc -Tlint
# and groff -ww (where installed), and names every long option that the
# program's --help (and each of its commands' --help) lists, so a page cannot
# drift from its tool. Run by meson with OKSTRA_BUILD_ROOT and OKSTRA_SOURCE_ROOT.
set -eu
src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
bld=${OKSTRA_BUILD_ROOT:?OKSTRA_BUILD_ROOT must be set}
. "$src/tests/cli/lib.sh"
. "$src/tests/cli/meson_info.sh"
HOME=$work/user
OKSTRA_HOME=$work/home
OKSTRA_BUILD_DIR=$bld
export HOME OKSTRA_HOME OKSTRA_BUILD_DIR
mkdir -p "$HOME"

# The commands of the tools that have some (each has its own --help).
commands_of() {
  case $1 in
    okstra-prepare) echo finish ;;
    okstra-worktree) echo lookup list reconcile remove ;;
    okstra-usage) echo daily weekly monthly session blocks run cursor-hook prices ;;
  esac
}
# The program in the build folder (the front end: the source one, which finds
# the build's tools through OKSTRA_BUILD_DIR).
program_path() {
  case $1 in
    okstra) echo "$src/bin/okstra" ;;
    validate-run) echo "$src/bin/validate-run" ;;
    *) echo "$bld/$1" ;;
  esac
}
# page_text PAGE: the page source as plain text (roff escapes for '-', fonts
# and zero-width breaks removed), for grep.
page_text() { sed 's/\\-/-/g; s/\\f[BIRP]//g; s/\\&//g; s/\\(em/-/g' "$1"; }

mandir=$(meson_dir mandir)
programs=$(installed_programs)
check "meson installs some programs" [ -n "$programs" ]
for p in okstra validate-run; do
  check "'$p' is an installed program" sh -c "printf '%s\n' '$programs' | grep -qx '$p'"
done

have_mandoc=false
command -v mandoc >/dev/null 2>&1 && have_mandoc=true
have_groff=false
command -v groff >/dev/null 2>&1 && have_groff=true
$have_mandoc || echo "note: mandoc not installed; lint with groff only"
$have_groff || echo "note: groff not installed; lint with mandoc only"

for p in $programs; do
  page=$src/man/$p.1
  built=$bld/man/$p.1
  if [ ! -f "$page" ]; then
    fail "$p has no page man/$p.1"
    continue
  fi
  check "$p: man/$p.1 is installed to mandir/man1" grep -qF "\"$mandir/man1/$p.1\"" "$work/meson-installed.json"
  for section in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES 'SEE ALSO'; do
    check "$p.1 has the section $section" grep -Eq "^\\.SH \"?$section\"?\$" "$page"
  done
  check "$p.1: the built page carries the version $meson_version" \
    grep -q "^\\.TH .*\"okstra $meson_version\"" "$built"
  check "$p.1: the built page is the source page with the version filled in (not stale)" \
    sh -c "sed 's/@OKSTRA_VERSION@/$meson_version/' '$page' | cmp -s - '$built'"
  check "$p.1: nothing else wrapped in at-signs (configure_file would eat it)" \
    sh -c "! grep -n '@[A-Za-z_]*@' '$page' | grep -v '@OKSTRA_VERSION@'"
  check "$p.1 is ASCII (groff reads Latin-1)" sh -c "! LC_ALL=C grep -q '[^ -~	]' '$page'"
  if $have_mandoc; then
    mandoc -Tlint -Wwarning "$built" >"$work/lint" 2>&1 || true
    check "$p.1: mandoc -Tlint has no warning" [ ! -s "$work/lint" ]
    [ ! -s "$work/lint" ] || sed 's/^/  /' "$work/lint"
  fi
  if $have_groff; then
    groff -man -Tutf8 -ww -z "$built" >"$work/lint" 2>&1 || true
    check "$p.1: groff -ww has no warning" [ ! -s "$work/lint" ]
    [ ! -s "$work/lint" ] || sed 's/^/  /' "$work/lint"
  fi

  # The NAME line is the tool's own one-line summary (first line of --help).
  path=$(program_path "$p")
  page_text "$page" >"$work/page"
  case $p in
    okstra | okstra-*)
      summary=$("$path" --help </dev/null | head -n 1)
      name_line=$(sed -n '/^\.SH NAME$/{n;p;}' "$work/page")
      check "$p.1: NAME is '$summary'" [ "$name_line" = "$summary" ]
      ;;
  esac

  # Every long option of every --help.
  : >"$work/help"
  "$path" --help </dev/null >>"$work/help" 2>&1 || fail "$p --help failed"
  for c in $(commands_of "$p"); do
    "$path" "$c" --help </dev/null >>"$work/help" 2>&1 || fail "$p $c --help failed"
  done
  # --help always; --version for okstra and its tools, even
  # where the help text does not spell it out (the front end's).
  echo --help >>"$work/help"
  case $p in okstra | okstra-*) echo --version >>"$work/help" ;; esac
  options=$(grep -o -- '--[a-z][a-z0-9-]*' "$work/help" | LC_ALL=C sort -u)
  for o in $options; do
    check "$p.1 names $o" grep -Eq -- "(^|[^a-z0-9-])$o([^a-z0-9-]|\$)" "$work/page"
  done
  for c in $(commands_of "$p"); do
    check "$p.1 names the command '$c'" grep -Eq "(^|[^a-z0-9-])$c([^a-z0-9-]|\$)" "$work/page"
  done

  # SEE ALSO names only pages that exist (ours, or git's).
  # shellcheck disable=SC2013  # page names are single words
  for ref in $(sed -n '/^\.SH "\{0,1\}SEE ALSO/,$p' "$work/page" | grep -o '^\.BR [a-z-]*' | sed 's/^\.BR //'); do
    case $ref in
      git | git-*) ;;
      *) check "$p.1: SEE ALSO $ref(1) is a page of ours" [ -f "$src/man/$ref.1" ] ;;
    esac
  done
done

# No page without a program, either.
for page in "$src"/man/*.1; do
  p=${page##*/}
  p=${p%.1}
  check "man/$p.1 documents an installed program" sh -c "printf '%s\n' '$programs' | grep -qx '$p'"
done

finish
