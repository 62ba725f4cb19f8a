#!/bin/sh
# The front end bin/okstra, for real: help, version, unknown commands, setup,
# doctor and forwarding to okstra-<name>, each in a throwaway OKSTRA_HOME.
# Run by meson as `sh tests/cli/front_end.sh` with OKSTRA_BUILD_ROOT and
# OKSTRA_SOURCE_ROOT set. One line per check; exit 1 if any check failed.
set -eu

src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
bld=${OKSTRA_BUILD_ROOT:?OKSTRA_BUILD_ROOT must be set}
okstra=$src/bin/okstra

. "$src/tests/cli/lib.sh"
# (Variables for one run are passed with `run env VAR=value ...`: an assignment
# before a shell function is not portable.)
is() {
  [ "$1" = "$2" ] && return 0
  printf '  got:      %s\n  expected: %s\n' "$1" "$2"
  return 1
}
empty() { [ ! -s "$1" ]; }
mode_of() { stat -c %a "$1"; }

# ---- isolation -------------------------------------------------------------------
# HOME and OKSTRA_HOME point into $work, so nothing outside it is touched.
HOME=$work/user
mkdir -p "$HOME"
export HOME
# Tools are looked for in the build under test (not whatever ../build holds).
OKSTRA_BUILD_DIR=$bld
export OKSTRA_BUILD_DIR
# PATH without folders holding other okstra binaries (an older install would
# make doctor's version check fail for reasons outside this build).
clean_path=''
rest=$PATH:
while [ -n "$rest" ]; do
  entry=${rest%%:*}
  rest=${rest#*:}
  [ -n "$entry" ] || continue
  skip=false
  for f in "$entry"/okstra "$entry"/okstra-*; do
    if [ -e "$f" ]; then skip=true; fi
  done
  $skip || clean_path=${clean_path:+$clean_path:}$entry
done
PATH=$clean_path
export PATH

version=$(sed -n "s/^[[:space:]]*version:[[:space:]]*'\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)

# ---- help ------------------------------------------------------------------------
run "$okstra" help
check "help exits 0" is "$rc" 0
check "help writes nothing on stderr" empty "$work/err"
for c in help doctor setup version; do
  check "help lists '$c'" grep -q "^  $c  *[a-z]" "$work/out"
done
cp "$work/out" "$work/help"
run "$okstra" --help
check "--help is the same as help" cmp -s "$work/out" "$work/help"
run "$okstra"
check "no arguments is the same as help" cmp -s "$work/out" "$work/help"

# The programs of bin/: the front end and okstra-<name> scripts, nothing generic.
for f in "$src"/bin/*; do
  n=${f##*/}
  case $n in
    okstra | okstra-*) pass "bin/$n is named okstra or okstra-<name>" ;;
    *) fail "bin/$n is named okstra or okstra-<name> (nothing generic in bin/)" ;;
  esac
done
check "help lists validate-run (bin/okstra-validate-run, next to the front end)" \
  grep -q '^  validate-run  *every after-the-fact check of one okstra run$' "$work/help"
run "$okstra" validate-run --version
check "okstra validate-run --version runs okstra-validate-run" is "$(cat "$work/out")" "okstra-validate-run (okstra) $version"
run "$okstra" help validate-run
check "okstra help validate-run shows its help" \
  is "$(sed -n 1p "$work/out")" "okstra-validate-run - every after-the-fact check of one okstra run"

# --describe-options: the front end's declarations (man page and completion).
run "$okstra" --describe-options
check "--describe-options exits 0" is "$rc" 0
check "--describe-options prints the front end's declarations" \
  holds "$work/out" 'd["program"] == "okstra" and [c["name"] for c in d["commands"]] == ["help", "doctor", "setup", "version"]'
check "--describe-options: its options are the output options, --help and --version" \
  holds "$work/out" '[o["long"] for o in d["options"]] == ["format", "json", "compact", "quiet", "color", "help", "version"]'
check "--describe-options: each of its own commands takes --help only" \
  holds "$work/out" 'all([o["long"] for o in c["options"]] == ["help"] for c in d["commands"])'

# The list as JSON, and the front end's own commands' help.
run "$okstra" --json
check "--json: the front end's commands, then the tools" \
  holds "$work/out" '[c["name"] for c in d["commands"]][:4] == ["help", "doctor", "setup", "version"] and "validate-run" in [c["name"] for c in d["commands"]] and d["version"] == "'"$version"'"'
check "--json: a tool's path is the file okstra runs" \
  holds "$work/out" '[c["path"] for c in d["commands"] if c["name"] == "validate-run"] == ["'"$src/bin/okstra-validate-run"'"]'
run "$okstra" help setup
check "help setup: the help of okstra setup" is "$(sed -n 1p "$work/out")" "okstra setup - create the okstra home and install the default templates"
run "$okstra" setup --help
check "setup --help: the same" is "$(sed -n 1p "$work/out")" "okstra setup - create the okstra home and install the default templates"
run "$okstra" version extra
check "version takes no argument (exit 2)" is "$rc" 2
check "version extra: error line" is "$(sed -n 1p "$work/err")" "okstra: error: unexpected argument 'extra'"

# ---- version -----------------------------------------------------------------------
run "$okstra" --version
check "--version prints 'okstra (okstra) $version'" is "$(cat "$work/out")" "okstra (okstra) $version"
check "--version exits 0" is "$rc" 0
run "$okstra" version
check "version prints the same" is "$(cat "$work/out")" "okstra (okstra) $version"
if [ -f "$bld/okstra" ]; then
  run sh "$bld/okstra" --version
  check "the configured front end in the build says the same" is "$(cat "$work/out")" "okstra (okstra) $version"
else
  fail "no configured front end at $bld/okstra"
fi

# ---- unknown subcommands -----------------------------------------------------------------
run "$okstra" foo
check "unknown command exits 2" is "$rc" 2
check "unknown command prints nothing on stdout" empty "$work/out"
check "unknown command: error line" is "$(sed -n 1p "$work/err")" "okstra: error: unknown command 'foo'"
check "unknown command: hint line" is "$(sed -n 2p "$work/err")" "hint: see 'okstra help'"
run "$okstra" "$(printf 'a\033b')"
check "control bytes in the subject are shown as \\xHH" \
  is "$(sed -n 1p "$work/err")" "okstra: error: unknown command 'a\\x1bb'"
run "$okstra" ../../bin/sh -c 'echo escaped'
check "a path is never taken as a command (exit 2)" is "$rc" 2
check "a path is never run" empty "$work/out"
run "$okstra" --bogus
check "unknown option exits 2" is "$rc" 2
check "unknown option: error line" is "$(sed -n 1p "$work/err")" "okstra: error: unknown option '--bogus'"

# ---- setup -------------------------------------------------------------------------------
home=$work/h1/okstra
export OKSTRA_HOME="$home"
run "$okstra" setup
check "setup exits 0" is "$rc" 0
check "setup prints nothing on stderr" empty "$work/err"
check "setup creates the home" test -d "$home"
check "the home has mode 0700" is "$(mode_of "$home")" 700
check "setup installs the default templates" diff -r "$src/templates" "$home/templates"
check "setup writes the version stamp" is "$(cat "$home/version")" "$version"
# shellcheck disable=SC2012  # our own plain names
check "setup leaves no temporary file" is "$(ls -A "$home" | tr '\n' ' ')" "templates version "
echo 'stale' >"$home/templates/pr-body.template.md"
chmod 755 "$home"
run "$okstra" setup
check "setup again exits 0 (idempotent)" is "$rc" 0
check "setup again restores the templates" diff -r "$src/templates" "$home/templates"
check "setup again restores mode 0700" is "$(mode_of "$home")" 700
check "setup again keeps the version stamp" is "$(cat "$home/version")" "$version"
# shellcheck disable=SC2012
check "setup again leaves no temporary file" is "$(ls -A "$home" | tr '\n' ' ')" "templates version "

# Files are written through a fresh mktemp name: links planted at the old
# predictable temporary name "<file>.tmp.<pid>" are not followed (the pid is
# known: the front end is exec'd by a shell whose $$ names the links). A
# killed setup's temporary (its pid gone) is removed, a live writer's kept.
echo victim >"$work/victim"
sleep 300 &
live=$!
sh -c 'exit 0' &
dead=$!
wait "$dead" || true
echo partial >"$home/.version.tmp-$dead-AbCdEfGh"
echo partial >"$home/.version.tmp-$live-AbCdEfGh"
# shellcheck disable=SC2016  # expanded by the inner shell
run sh -c 'ln -s "$1" "$2/version.tmp.$$" && ln -s "$1" "$2/templates/pr-body.template.md.tmp.$$" && exec "$3" setup' \
  sh "$work/victim" "$home" "$okstra"
check "setup with planted links exits 0" is "$rc" 0
check "a planted link at the old temporary name is not followed" is "$(cat "$work/victim")" victim
check "the version stamp is a whole regular file" test -f "$home/version" -a ! -L "$home/version"
check "the version stamp holds the version" is "$(cat "$home/version")" "$version"
check "a killed setup's temporary is removed" test ! -e "$home/.version.tmp-$dead-AbCdEfGh"
check "a live writer's temporary is kept" test -f "$home/.version.tmp-$live-AbCdEfGh"
kill "$live" 2>/dev/null || true
wait "$live" 2>/dev/null || true
planted=$(find "$home" -name '*.tmp.*' -type l | wc -l)
check "the planted links are still links (2)" is "$planted" 2
find "$home" -name '*.tmp.*' -type l -exec rm -f {} +
rm -f "$home/.version.tmp-$live-AbCdEfGh"
check "the templates are whole after the planted links" diff -r "$src/templates" "$home/templates"
# shellcheck disable=SC2012
check "no other temporary file is left" is "$(ls -A "$home" | tr '\n' ' ')" "templates version "

run env "OKSTRA_HOME=  $work/h2	 " "$okstra" setup
check "OKSTRA_HOME is trimmed of whitespace" test -f "$work/h2/version"
run env OKSTRA_HOME= "$okstra" setup
check "empty OKSTRA_HOME means ~/.okstra" test -f "$HOME/.okstra/version"
printf 'x' >"$work/file"
run env "OKSTRA_HOME=$work/file" "$okstra" setup
check "setup on a file exits 3" is "$rc" 3
check "setup on a file: error line" grep -q "^okstra: error: okstra home is not a folder '$work/file'\$" "$work/err"

# ---- doctor --------------------------------------------------------------------------------
run "$okstra" doctor
check "doctor after setup exits 0" is "$rc" 0
check "doctor after setup ends with 'result: OK'" is "$(tail -n 1 "$work/out")" "result: OK"
check "doctor after setup reports no failure" lacks '^fail:' "$work/out"
check "doctor checks git" grep -q '^ok: git' "$work/out"

run env "OKSTRA_HOME=$work/none" "$okstra" doctor
check "doctor before setup (no home) exits 1" is "$rc" 1
check "doctor before setup says how to fix" grep -q "^fail: .* — fix: run 'okstra setup'\$" "$work/out"
check "doctor before setup counts the problems" grep -q '^result: [1-9][0-9]* problem(s)$' "$work/out"

mkdir "$work/empty"
run env "OKSTRA_HOME=$work/empty" "$okstra" doctor
check "doctor on a fresh empty home exits 1" is "$rc" 1
check "doctor on a fresh empty home: version stamp missing" grep -q "^fail: version stamp .* — fix: " "$work/out"

echo '0.0.0-other' >"$home/version"
run "$okstra" doctor
check "doctor with another version stamp exits 1" is "$rc" 1
check "doctor names the version mismatch" grep -q "^fail: version stamp .*'0.0.0-other'.* — fix: run 'okstra setup'\$" "$work/out"
check "doctor with one problem says so" is "$(tail -n 1 "$work/out")" "result: 1 problem(s)"
run "$okstra" setup

chmod 755 "$home"
run "$okstra" doctor
check "doctor warns about a home that is not 0700" grep -q '^warn: .* — fix: chmod 700 ' "$work/out"
check "a mode warning is not a problem" is "$rc" 0
chmod 700 "$home"

# ---- forwarding ------------------------------------------------------------------------------
# A fake tool: --help/--version like a real one, otherwise prints each
# argument in brackets, the folder it was found in, and exits 7.
make_fake() {  # folder, label, version
  mkdir -p "$1"
  cat >"$1/okstra-zzz" <<EOF
#!/bin/sh
case \${1:-} in
  --help) echo 'okstra-zzz - a fake tool for the front end test'; exit 0 ;;
  --version) echo 'okstra-zzz (okstra) $3'; exit 0 ;;
esac
echo 'from: $2'
for a in "\$@"; do printf '[%s]\n' "\$a"; done
exit 7
EOF
  chmod +x "$1/okstra-zzz"
}
make_fake "$work/path" path "$version"
# okstra-test-* are test drivers, never listed.
cp "$work/path/okstra-zzz" "$work/path/okstra-test-zzz"

# shellcheck disable=SC2016  # '$HOME' must arrive unexpanded
run env "PATH=$work/path:$PATH" "$okstra" zzz 'a b' '' '*' "it's" --flag=x -- '$HOME'
check "forwarding propagates the exit code" is "$rc" 7
# shellcheck disable=SC2016
printf '%s\n' 'from: path' '[a b]' '[]' '[*]' "[it's]" '[--flag=x]' '[--]' '[$HOME]' >"$work/expected"
check "forwarding passes the arguments verbatim" cmp -s "$work/out" "$work/expected"

run env "PATH=$work/path:$PATH" "$okstra" help
check "help lists a tool found on PATH with its summary" \
  grep -q '^  zzz  *a fake tool for the front end test$' "$work/out"
check "help does not list okstra-test-* drivers" lacks 'test-zzz' "$work/out"
run env "PATH=$work/path:$PATH" "$okstra" help zzz
check "help <tool> shows the tool's --help" is "$(sed -n 1p "$work/out")" "okstra-zzz - a fake tool for the front end test"
run env "PATH=$work/path:$PATH" "$okstra" doctor
check "doctor accepts a tool of the same version" grep -q '^ok: okstra-zzz ' "$work/out"

# Order: the build folder before PATH, the script's own folder before both.
make_fake "$work/build" build 0.0.0-other
run env "PATH=$work/path:$PATH" "OKSTRA_BUILD_DIR=$work/build" "$okstra" zzz
check "the build folder comes before PATH" is "$(sed -n 1p "$work/out")" "from: build"
run env "PATH=$work/path:$PATH" "OKSTRA_BUILD_DIR=$work/build" "$okstra" doctor
check "doctor fails on a tool of another version" grep -q '^fail: okstra-zzz is version 0.0.0-other' "$work/out"
check "doctor fails on a tool of another version (exit 1)" is "$rc" 1
make_fake "$work/front" sibling "$version"
cp "$okstra" "$work/front/okstra"
run env "PATH=$work/path:$PATH" "OKSTRA_BUILD_DIR=$work/build" sh "$work/front/okstra" zzz
check "the front end's own folder comes first" is "$(sed -n 1p "$work/out")" "from: sibling"

finish
