#!/bin/sh
# Malformed mandatory JSON input through a real process (okstra-test-json):
# every bad input gives exit 3, exactly one stderr line
# "okstra-test-json: error: ..." naming the file, and nothing on stdout.
# Also run under the AddressSanitizer+UBSan build (build-asan).
set -u

tool="${OKSTRA_TEST_TOOLS:?OKSTRA_TEST_TOOLS must name the build's tests folder}/okstra-test-json"
if [ ! -x "$tool" ]; then
  echo "FAIL: $tool is not built"
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/okstra-json-input.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run NAME ARGS...: runs the tool, leaves $rc, $tmp/out and $tmp/err.
run() {
  name=$1
  shift
  "$tool" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}

# expect_error NAME FILE [WORDS]: exit 3, empty stdout, one short stderr line
# starting "okstra-test-json: error: " that names FILE (and contains WORDS).
expect_error() {
  file=$2
  words=${3:-}
  run "$1" "$file"
  [ "$rc" -eq 3 ] || fail "$name: exit status $rc, expected 3"
  [ -s "$tmp/out" ] && fail "$name: stdout is not empty ($(wc -c <"$tmp/out") bytes)"
  lines=$(wc -l <"$tmp/err")
  bytes=$(wc -c <"$tmp/err")
  if [ "$lines" -ne 1 ] || [ "$bytes" -gt 4096 ]; then
    fail "$name: expected one short line on stderr, got $lines lines / $bytes bytes:"
    head -c 2000 "$tmp/err"
    return
  fi
  line=$(cat "$tmp/err")
  case $line in
    "okstra-test-json: error: "*) ;;
    *) fail "$name: stderr line does not start with 'okstra-test-json: error: ': $line" ;;
  esac
  case $line in
    *"'$file'"*) ;;
    *) fail "$name: stderr line does not name '$file': $line" ;;
  esac
  if [ -n "$words" ]; then
    case $line in
      *"$words"*) ;;
      *) fail "$name: stderr line does not say '$words': $line" ;;
    esac
  fi
}

f=$tmp

# ---- malformed inputs ---------------------------------------------------------
printf '{"name": "x", "count": 1' >"$f/truncated.json"
expect_error truncated "$f/truncated.json" "malformed JSON"

printf '{"name": "x", "count": 1, "list": [1, 2' >"$f/truncated2.json"
expect_error truncated-in-array "$f/truncated2.json" "at byte 39"

printf '{"name": "x", "count": "3"}' >"$f/count-string.json"
expect_error count-as-string "$f/count-string.json" 'field "count" must be an integer'

printf '{"name": "x", "count": 1.5}' >"$f/count-double.json"
expect_error count-as-double "$f/count-double.json" 'field "count" must be an integer'

printf '{"count": 3}' >"$f/name-missing.json"
expect_error name-missing "$f/name-missing.json" 'field "name" must be a string'

printf '{"name": null, "count": 3}' >"$f/name-null.json"
expect_error name-null "$f/name-null.json" 'field "name" must be a string'

printf '[{"name": "x", "count": 3}]' >"$f/array.json"
expect_error top-level-array "$f/array.json" "expected an object"

printf '"just a string"' >"$f/string.json"
expect_error top-level-string "$f/string.json" "expected an object"

printf '{"name": "x", "count": 3} {}' >"$f/trailing.json"
expect_error trailing-data "$f/trailing.json" "unexpected data after the document"

printf '{"name": "x", "count": 3}\000' >"$f/nul.json"
expect_error trailing-nul "$f/nul.json" "unexpected data after the document at byte 25"

printf '{"name": "a\000b", "count": 3}' >"$f/nul-in-string.json"
expect_error nul-in-string "$f/nul-in-string.json" "malformed JSON"

printf '{"name": "a\377b", "count": 3}' >"$f/bad-byte.json"
expect_error invalid-utf8 "$f/bad-byte.json" "invalid UTF-8 at byte 11"

printf '{"name": "\300\257", "count": 3}' >"$f/overlong.json"
expect_error overlong-utf8 "$f/overlong.json" "invalid UTF-8 at byte 10"

printf '{"name": "\355\240\200", "count": 3}' >"$f/surrogate.json"
expect_error surrogate-utf8 "$f/surrogate.json" "invalid UTF-8 at byte 10"

printf '{"name": "\342\202", "count": 3}' >"$f/cut-utf8.json"
expect_error truncated-utf8 "$f/cut-utf8.json" "invalid UTF-8 at byte 10"

printf '{"name": "\\udc00", "count": 3}' >"$f/lone-surrogate.json"
expect_error lone-surrogate-escape "$f/lone-surrogate.json" "invalid surrogate pair"

: >"$f/empty.json"
expect_error empty-file "$f/empty.json" "empty document at byte 0"

printf '  \n\t' >"$f/blank.json"
expect_error blank-file "$f/blank.json" "empty document"

head -c 100000 /dev/zero | tr '\0' '[' >"$f/deep.json"
expect_error deep-nesting-100000 "$f/deep.json" "nesting deeper than 256"

head -c 100000 /dev/zero | tr '\0' '{' | sed 's/{/{"a":/g' >"$f/deep-objects.json"
expect_error deep-object-nesting "$f/deep-objects.json" "nesting deeper than 256"

expect_error missing-file "$f/missing.json" "no such file or directory"

mkdir "$f/dir.json"
expect_error directory "$f/dir.json" "is a directory"

# A file name with a newline still gives one line, with the byte escaped.
nl='
'
run newline-name "$f/a${nl}b.json"
[ "$rc" -eq 3 ] || fail "$name: exit status $rc, expected 3"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$tmp/err")"
grep -F "'$f/a\\x0ab.json'" "$tmp/err" >/dev/null || fail "$name: name not escaped: $(cat "$tmp/err")"

# ---- a 100 MB string value (generated here, never committed) --------------------
big=$((100 * 1024 * 1024))
{
  printf '{"name": "x", "count": "'
  head -c "$big" /dev/zero | tr '\0' 'a'
  printf '"}'
} >"$f/big.json"
expect_error big-string-as-count "$f/big.json" 'field "count" must be an integer'

# The same 100 MB string, cut before its closing quote.
head -c $((big + 20)) "$f/big.json" >"$f/big-cut.json"
rm -f "$f/big.json"
expect_error big-string-unterminated "$f/big-cut.json" "unterminated string"
rm -f "$f/big-cut.json"

# ---- valid input ----------------------------------------------------------------
printf '{"count": 3, "extra": [1, {"x": null}], "name": "x"}' >"$f/ok.json"
run valid "$f/ok.json"
[ "$rc" -eq 0 ] || fail "$name: exit status $rc, expected 0: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "$name: stderr is not empty: $(cat "$tmp/err")"
printf '{\n  "name": "x",\n  "count": 3\n}\n' >"$tmp/expected"
cmp -s "$tmp/out" "$tmp/expected" || fail "$name: unexpected stdout: $(cat "$tmp/out")"

run quiet -c "$f/ok.json"
[ "$rc" -eq 0 ] || fail "$name: exit status $rc, expected 0"
printf '{"name":"x","count":3}\n' >"$tmp/expected"
cmp -s "$tmp/out" "$tmp/expected" || fail "$name: unexpected stdout: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "$name: -c output is not one line"

printf '{"name": "caf\303\251 \\"q\\"\\n", "count": -9223372036854775808}' >"$f/escapes.json"
run escapes -c "$f/escapes.json"
[ "$rc" -eq 0 ] || fail "$name: exit status $rc, expected 0: $(cat "$tmp/err")"
printf '{"name":"caf\303\251 \\"q\\"\\n","count":-9223372036854775808}\n' >"$tmp/expected"
cmp -s "$tmp/out" "$tmp/expected" || fail "$name: unexpected stdout: $(cat "$tmp/out")"

# ---- usage ----------------------------------------------------------------------
run unknown-option --no-such-option "$f/ok.json"
[ "$rc" -eq 2 ] || fail "$name: exit status $rc, expected 2"
[ -s "$tmp/out" ] && fail "$name: stdout is not empty"
head -n 1 "$tmp/err" | grep -q "^okstra-test-json: error: " || fail "$name: bad stderr: $(cat "$tmp/err")"

run prefix-option --qui "$f/ok.json"
[ "$rc" -eq 2 ] || fail "$name: exit status $rc, expected 2 (no prefix guessing)"

run missing-argument
[ "$rc" -eq 2 ] || fail "$name: exit status $rc, expected 2"

run help --help
[ "$rc" -eq 0 ] || fail "$name: exit status $rc, expected 0"
grep -q "^Usage: okstra-test-json" "$tmp/out" || fail "$name: no usage on stdout"
[ -s "$tmp/err" ] && fail "$name: stderr is not empty"

if [ "$failures" -ne 0 ]; then
  echo "json_input: $failures failure(s)"
  exit 1
fi
echo "json_input: all checks passed"
exit 0
