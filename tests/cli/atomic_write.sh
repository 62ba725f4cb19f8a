#!/bin/sh
# write_file_atomic under SIGKILL: okstra-test-atomic rewrites F with
# self-describing versions "v<i> <size>\n" + <size> x letter('a' + i % 26) +
# "\nend v<i>\n"; we kill it at random points and check that F is always
# exactly one complete version. A killed writer may leave ".F.tmp-*" files;
# the next write with --clean (as the writers of shared files do under their
# lock) removes every one of them (more cases in tests/cli/leftovers.sh).
set -u

tool="${OKSTRA_TEST_TOOLS:?OKSTRA_TEST_TOOLS must name the build's tests folder}/okstra-test-atomic"
if [ ! -x "$tool" ]; then
  echo "FAIL: $tool is not built"
  exit 1
fi

rounds=${OKSTRA_ATOMIC_ROUNDS:-40}
times=200
size=65536

tmp=$(mktemp -d "${TMPDIR:-/tmp}/okstra-atomic-write.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

letter() { # letter I: the filler byte of version I
  printf "\\$(printf %o $((97 + $1 % 26)))"
}

# expected I: the exact bytes of version I.
expected() {
  printf 'v%d %d\n' "$1" "$size"
  head -c "$size" /dev/zero | tr '\0' "$(letter "$1")"
  printf '\nend v%d\n' "$1"
}

# check_file CONTEXT: F holds one complete version; prints its number.
version=-1
check_file() {
  ctx=$1
  version=-1
  if [ ! -f "$dir/F" ]; then
    fail "$ctx: F is missing"
    return
  fi
  header=$(head -n 1 "$dir/F")
  case $header in
    v*" $size") i=${header#v} i=${i%% *} ;;
    *) fail "$ctx: bad header '$(printf %.60s "$header")'"; return ;;
  esac
  case $i in
    '' | *[!0-9]*) fail "$ctx: bad version in header '$header'"; return ;;
  esac
  trailer=$(tail -n 1 "$dir/F")
  [ "$trailer" = "end v$i" ] || fail "$ctx: header says v$i, trailer says '$(printf %.60s "$trailer")'"
  want=$((${#header} + 1 + size + ${#i} + 7)) # "v<i> <size>\n" filler "\nend v<i>\n"
  got=$(wc -c <"$dir/F")
  [ "$got" -eq "$want" ] || fail "$ctx: v$i is $got bytes, expected $want"
  # The filler: exactly $size bytes of the right letter between the two lines.
  others=$(tail -c +$((${#header} + 2)) "$dir/F" | head -c "$size" | tr -d "$(letter "$i")" | wc -c)
  [ "$others" -eq 0 ] || fail "$ctx: v$i filler has $others wrong bytes"
  expected "$i" >"$tmp/expected"
  cmp -s "$dir/F" "$tmp/expected" || fail "$ctx: v$i differs from the version written"
  version=$i
}

# check_dir CONTEXT: only F and the writer's temporary files are present.
check_dir() {
  for path in "$dir"/* "$dir"/.[!.]*; do
    [ -e "$path" ] || continue
    entry=${path##*/}
    case $entry in
      F) ;;
      .F.tmp-*)
        strays=$((strays + 1))
        [ -f "$path" ] || fail "$1: temporary '$entry' is not a regular file"
        ;;
      *) fail "$1: unexpected file '$entry'" ;;
    esac
  done
}

random_ms() { # 0..50
  n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' \n')
  echo $((n % 51))
}

# ---- killed at random points --------------------------------------------------
killed=0
strays=0
max_version=0
r=1
while [ "$r" -le "$rounds" ]; do
  dir=$tmp/round-$r
  mkdir "$dir"
  expected 0 >"$dir/F" # a complete "v0" before the writer starts
  "$tool" --file "$dir/F" --times "$times" --size "$size" &
  pid=$!
  sleep "0.$(printf %03d "$(random_ms)")"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  status=$?
  case $status in
    137) killed=$((killed + 1)) ;;
    0) ;;
    *) fail "round $r: writer exited with status $status" ;;
  esac
  check_file "round $r (status $status)"
  check_dir "round $r"
  if [ "$version" -gt "$times" ]; then fail "round $r: version $version > $times"; fi
  if [ "$status" -eq 0 ] && [ "$version" -ne "$times" ]; then
    fail "round $r: the writer finished but F holds v$version"
  fi
  [ "$version" -gt "$max_version" ] && max_version=$version
  if "$tool" --file "$dir/F" --times 1 --size 16 --clean >/dev/null; then
    for path in "$dir"/.F.tmp-*; do
      if [ -e "$path" ]; then fail "round $r: the next write left the dead writer's '${path##*/}'"; fi
    done
  else
    fail "round $r: the next write failed"
  fi
  rm -rf "$dir"
  r=$((r + 1))
done
[ "$killed" -gt 0 ] || fail "the writer was never killed mid-run: the test proved nothing"
echo "atomic_write: $rounds rounds, $killed killed mid-run, highest version seen v$max_version," \
  "$strays stray temporary file(s)"

# ---- an uninterrupted run ends with the last version, no temp files -------------
dir=$tmp/full
mkdir "$dir"
if "$tool" --file "$dir/F" --times "$times" --size "$size"; then
  check_file "full run"
  [ "$version" -eq "$times" ] || fail "full run: F holds v$version, expected v$times"
  leftovers=$(ls -A "$dir" | grep -v '^F$')
  [ -z "$leftovers" ] || fail "full run: left behind: $leftovers"
else
  fail "full run: writer failed"
fi

if [ "$failures" -ne 0 ]; then
  echo "atomic_write: $failures failure(s)"
  exit 1
fi
echo "atomic_write: all checks passed"
exit 0
