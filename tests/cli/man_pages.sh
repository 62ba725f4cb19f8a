#!/bin/sh
# The man pages: every installed program has a template man/<program>.1.in and a
# page built from it and from the program's own --describe-options, installed
# to mandir/man1. Each built page has every section, carries the project
# version, is ASCII and clean for mandoc -Tlint and groff -ww (where
# installed), starts NAME with the first line of the program's --help; its
# OPTIONS lists exactly the options the program declares (each with its short
# letter, value name and help text; the program's own, then those of every
# command in the command's subsection) and its EXIT STATUS exactly the declared
# codes, in order. A program that does not answer --describe-options fails
# the test. Run by meson with OKSTRA_BUILD_ROOT and OKSTRA_SOURCE_ROOT.
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

# page_text PAGE: the page as plain text (roff escapes for '-', fonts and
# zero-width breaks removed), for grep.
page_text() { sed 's/\\-/-/g; s/\\f[BIRP]//g; s/\\&//g; s/\\(em/-/g' "$1"; }

# compare_page PAGE JSON: the OPTIONS and EXIT STATUS of the built PAGE against
# the declarations in JSON; one "ok|FAIL<TAB>description" line per check. The
# page is read as roff here, independently of the generator: each ".TP" is
# followed by its tag line (the option names and value) and its body.
compare_page() {
  python3 - "$1" "$2" <<'PY'
import json, re, sys
page, declared = open(sys.argv[1], encoding="ascii").read().splitlines(), json.load(open(sys.argv[2]))

def plain(line):
    line = re.sub(r"\\f[BIRP]|\\&|\\%", "", line).replace("\\-", "-").replace("\\e", "\\")
    return re.sub(r"\\\(..|\\\[u[0-9A-F]+\]", "", line)

def norm(text):  # letters and digits only: the comparison ignores typography
    return re.sub(r"[^a-z0-9]", "", text.lower())

def section(title):
    out, inside = [], False
    for line in page:
        m = re.match(r'^\.SH\s+"?([^"]*)"?$', line)
        if m:
            inside = m.group(1) == title
        elif inside:
            out.append(line)
    return out

def entries(lines):
    """[(subsection title, tag, body)] of the .TP paragraphs."""
    out, sub, i = [], "", 0
    while i < len(lines):
        if lines[i].startswith(".SS"):
            sub = plain(lines[i][3:].strip().strip('"'))
        elif lines[i] == ".TP" and i + 1 < len(lines):
            body = []
            j = i + 2
            while j < len(lines) and not lines[j].startswith((".TP", ".SS", ".PP")):
                body.append(plain(lines[j]))
                j += 1
            out.append((sub, plain(lines[i + 1]).removeprefix(".B ").strip(), " ".join(body)))
            i = j
            continue
        i += 1
    return out

def tag_of(o):  # what the tag line must say
    names = (["-" + o["short"]] if o.get("short") else []) + ["--" + o["long"]]
    value = ("[" + o["value"] + "]" if o.get("implicit") else o["value"]) if o.get("value") else ""
    return ", ".join(names) + (" " + value if value else "")

def report(ok, what):
    print(("ok" if ok else "FAIL") + "\t" + what)

prog = declared["program"]
opts = entries(section("OPTIONS"))
by_sub = {}
for sub, tag, body in opts:
    by_sub.setdefault(sub, []).append((tag, body))

def check_block(sub, options, where, allowed_elsewhere=()):
    listed = by_sub.get(sub, [])
    tags = [t for t, _ in listed]
    others = {t for s in allowed_elsewhere for t, _ in by_sub.get(s, [])}
    missing = [tag_of(o) for o in options if tag_of(o) not in tags and tag_of(o) not in others]
    extra = [t for t in tags if t not in {tag_of(o) for o in options}]
    report(not missing and not extra, f"{prog}: OPTIONS lists exactly the options of {where}"
           + (f" (missing: {', '.join(missing)})" if missing else "")
           + (f" (not declared: {', '.join(extra)})" if extra else ""))
    bodies = dict(listed)
    wrong = [tag_of(o) for o in options if tag_of(o) in bodies and not norm(bodies[tag_of(o)]).startswith(norm(o.get("help", "")))]
    report(not wrong, f"{prog}: OPTIONS gives the declared help of each option of {where}"
           + (f" (differs: {', '.join(wrong)})" if wrong else ""))

check_block("", declared["options"], prog)
common = "Options of every command"
subsections = [plain(line[3:].strip().strip('"')) for line in section("OPTIONS") if line.startswith(".SS")]
for c in declared["commands"]:
    title = f"{prog} {c['name']}"
    report(title in subsections, f"{prog}: OPTIONS has the subsection '{title}'")
    check_block(title, c["options"], f"'{title}'", allowed_elsewhere=("", common))
known = {""} | {f"{prog} {c['name']}" for c in declared["commands"]} | ({common} if declared["commands"] else set())
report(set(by_sub) <= known, f"{prog}: OPTIONS has no subsection of an undeclared command "
       + str(sorted(set(by_sub) - known)))
if common in by_sub:
    everywhere = {tag_of(o) for o in declared["commands"][0]["options"]}
    for c in declared["commands"][1:]:
        everywhere &= {tag_of(o) for o in c["options"]}
    report({t for t, _ in by_sub[common]} <= everywhere, f"{prog}: 'Options of every command' are those of every command")

codes = [(t, b) for _, t, b in entries(section("EXIT STATUS"))]
want = [(str(e["code"]), e["meaning"]) for e in declared["exitStatus"]]
report([t for t, _ in codes] == [c for c, _ in want],
       f"{prog}: EXIT STATUS lists exactly the declared codes {[c for c, _ in want]} (page: {[t for t, _ in codes]})")
report(all(norm(b) == norm(m) for (_, b), (_, m) in zip(codes, want)),
       f"{prog}: EXIT STATUS gives the declared meaning of each code")
PY
}

mandir=$(meson_dir mandir)
programs=$(installed_programs)
check "meson installs some programs" [ -n "$programs" ]
for p in okstra okstra-validate-run; do
  check "'$p' is an installed program" sh -c "printf '%s\n' '$programs' | grep -qx '$p'"
done
check "nothing generic is installed: every program is okstra or okstra-<name>" \
  sh -c "! printf '%s\n' '$programs' | grep -v -x -e okstra -e 'okstra-[a-z][a-z0-9-]*'"

have_mandoc=false
command -v mandoc >/dev/null 2>&1 && have_mandoc=true
have_groff=false
command -v groff >/dev/null 2>&1 && have_groff=true
$have_mandoc || echo "note: mandoc not installed; lint with groff only"
$have_groff || echo "note: groff not installed; lint with mandoc only"
$have_mandoc || $have_groff || skip_part "neither mandoc nor groff is installed: the pages were not linted"

for p in $programs; do
  template=$src/man/$p.1.in
  built=$bld/man/$p.1
  if [ ! -f "$template" ]; then
    fail "$p has no page template man/$p.1.in"
    continue
  fi
  for marker in SYNOPSIS OPTIONS 'EXIT STATUS'; do
    check "$p.1.in: $marker is generated (its marker line)" grep -qx ".\\\\\" okstra-gen: $marker" "$template"
  done
  if [ ! -f "$built" ]; then
    fail "$p: the page is not built ($built)"
    continue
  fi
  check "$p: man/$p.1 is installed to mandir/man1" grep -qF "\"$mandir/man1/$p.1\"" "$work/meson-installed.json"
  for section in NAME SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES 'SEE ALSO'; do
    check "$p.1 has the section $section" grep -Eq "^\\.SH \"?$section\"?\$" "$built"
  done
  check "$p.1: the page carries the version $meson_version" grep -q "^\\.TH .*\"okstra $meson_version\"" "$built"
  check "$p.1: no substitution is left in the page" sh -c "! grep -n '@[A-Za-z_]*@' '$built'"
  check "$p.1 is ASCII (groff reads Latin-1)" sh -c "! LC_ALL=C grep -q '[^ -~	]' '$built'"
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

  # The NAME line is the program's own one-line summary (first line of --help).
  page_text "$built" >"$work/page"
  summary=$("$bld/$p" --help </dev/null | head -n 1)
  name_line=$(sed -n '/^\.SH NAME$/{n;p;}' "$work/page")
  check "$p.1: NAME is '$summary'" [ "$name_line" = "$summary" ]

  # OPTIONS and EXIT STATUS: exactly what the program declares.
  run "$bld/$p" --describe-options
  if [ "$rc" != 0 ] || ! python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/out" 2>/dev/null; then
    fail "$p --describe-options answers with JSON (exit $rc: $(head -n 1 "$work/err"))"
  else
    cp "$work/out" "$work/declared.json"
    compare_page "$built" "$work/declared.json" >"$work/compared" || fail "$p.1: the page cannot be compared"
    check "$p.1: the comparison with the declarations ran" [ -s "$work/compared" ]
    while IFS='	' read -r verdict what; do
      if [ "$verdict" = ok ]; then pass "$what"; else fail "$what"; fi
    done <"$work/compared"
  fi

  # SEE ALSO names only pages that exist (ours, or git's).
  # shellcheck disable=SC2013  # page names are single words
  for ref in $(sed -n '/^\.SH "\{0,1\}SEE ALSO/,$p' "$work/page" | grep -o '^\.BR [a-z-]*' | sed 's/^\.BR //'); do
    case $ref in
      git | git-*) ;;
      *) check "$p.1: SEE ALSO $ref(1) is a page of ours" [ -f "$src/man/$ref.1.in" ] ;;
    esac
  done
done

# No page without a program, either.
for template in "$src"/man/*.1.in; do
  p=${template##*/}
  p=${p%.1.in}
  check "man/$p.1.in documents an installed program" sh -c "printf '%s\n' '$programs' | grep -qx '$p'"
done

finish
