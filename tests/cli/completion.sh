#!/bin/sh
# Shell completion, for real, against the programs' own declarations:
# `sh completion.sh bash` loads the generated bash completion
# (<build>/completions/okstra) into bash and drives _okstra through COMP_WORDS
# and COMP_CWORD; `sh completion.sh zsh` loads the generated _okstra with
# compinit, calls it with stand-ins for compadd/_describe/_files (exact
# candidate lists) and, where zsh/zpty loads, completes `okstra <TAB>` and
# `okstra cost --<TAB>` in a pseudo-terminal. What each shell offers is compared
# with what every installed program declares (its --describe-options): the
# commands of the front end and of each tool, exactly the long options of every
# program and command, exactly the choices of every option that has some,
# folders, files or nothing for the others. A program that does not answer
# --describe-options fails the test. The zsh part exits 77 (skipped) when zsh
# is not installed.
set -eu
src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
bld=${OKSTRA_BUILD_ROOT:?OKSTRA_BUILD_ROOT must be set}
shell=${1:-bash}
. "$src/tests/cli/lib.sh"
case $shell in
  bash) command -v bash >/dev/null 2>&1 || { fail "bash is not installed"; finish; } ;;
  zsh) command -v zsh >/dev/null 2>&1 || { echo "skip: zsh is not installed (Debian package zsh)"; exit 77; } ;;
  *) echo "usage: completion.sh bash|zsh" >&2; exit 2 ;;
esac
. "$src/tests/cli/meson_info.sh"
HOME=$work/user
OKSTRA_HOME=$work/home
OKSTRA_BUILD_DIR=$bld
export HOME OKSTRA_HOME OKSTRA_BUILD_DIR
mkdir -p "$HOME"
bash_file=$bld/completions/okstra
zsh_dir=$bld/completions

# ---- what the programs declare -------------------------------------------------------
programs=$(installed_programs)
check "meson installs some programs" [ -n "$programs" ]
check "the front end is among them" sh -c "printf '%s\n' '$programs' | grep -qx okstra"
mkdir "$work/declared"
for p in $programs; do
  run "$bld/$p" --describe-options
  if [ "$rc" = 0 ] && python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/out" 2>/dev/null; then
    cp "$work/out" "$work/declared/$p.json"
  else
    fail "$p --describe-options answers with JSON (exit $rc: $(head -n 1 "$work/err"))"
  fi
done

# The cases, from the declarations: `expect_words DESCRIPTION EXPECTED WORD...`
# (EXPECTED: the candidates, one a line) for every program and command.
mkdir -p "$work/tree/alpha" "$work/tree/beta"
: >"$work/tree/plan.md"
python3 - "$work/declared" "$work/tree" "$shell" >"$work/cases.sh" <<'PY'
import json, os, shlex, sys
folder, tree, shell = sys.argv[1:4]
progs = {f[:-5]: json.load(open(os.path.join(folder, f))) for f in sorted(os.listdir(folder))}
tools = sorted(n[len("okstra-"):] for n in progs if n.startswith("okstra-"))
def case(desc, expected, *words):
    print("expect_words " + " ".join(shlex.quote(x) for x in (desc, "\n".join(sorted(set(expected))), *words)))
front = progs.get("okstra")
if front:
    commands = [c["name"] for c in front["commands"]] + tools
    case("okstra <TAB>: the front end's commands and every tool", commands, "okstra", "")
    case("okstra --<TAB>: the front end's options", ["--" + o["long"] for o in front["options"]], "okstra", "--")
    for c in front["commands"]:
        case(f"okstra {c['name']} --<TAB>: its options", ["--" + o["long"] for o in c["options"]],
             "okstra", c["name"], "--")
    for c in front["commands"]:
        if any(p.get("complete") == "commands" for p in c.get("positionals", [])):
            case(f"okstra {c['name']} <TAB>: the commands again", commands, "okstra", c["name"], "")
for name, d in progs.items():
    if not name.startswith("okstra-"):
        continue
    tool = name[len("okstra-"):]
    contexts = [("", d)] + [(c["name"], c) for c in d["commands"]]
    for cname, ctx in contexts:
        words = cname.split() if cname else []
        label = " ".join(["okstra", tool] + words)
        case(f"{label} --<TAB>: exactly the declared options", ["--" + o["long"] for o in ctx["options"]],
             "okstra", tool, *words, "--")
        if not cname:
            case(f"{name} --<TAB> (the program itself): the same", ["--" + o["long"] for o in ctx["options"]],
                 name, "--")
        nxt = sorted({c["name"][len(cname) + 1 if cname else 0:].split()[0] for c in d["commands"]
                      if (c["name"].startswith(cname + " ") if cname else True)})
        if nxt:
            case(f"{label} <TAB>: its commands", nxt, "okstra", tool, *words, "")
        for o in ctx["options"]:
            if not o.get("value"):
                continue
            flag = "--" + o["long"]
            comp = o.get("complete", "none")
            if o.get("implicit"):
                # The value may be left out: options complete right after it.
                case(f"{label} {flag} --<TAB>: the options (its value may be left out)",
                     ["--" + x["long"] for x in ctx["options"]], "okstra", tool, *words, flag, "--")
            elif comp == "choices":
                case(f"{label} {flag} <TAB>: its choices", o["choices"], "okstra", tool, *words, flag, "")
                if shell == "bash" and o["choices"]:
                    # --option=value: '=' is a word of its own in COMP_WORDS.
                    first = o["choices"][0]
                    case(f"{label} {flag}={first[0]}<TAB>: the choices starting with {first[0]}",
                         [c for c in o["choices"] if c.startswith(first[0])], "okstra", tool, *words, flag, "=", first[0])
                if o.get("short"):
                    case(f"{label} -{o['short']} <TAB>: the same choices", o["choices"],
                         "okstra", tool, *words, "-" + o["short"], "")
                if shell == "bash" and o.get("kind") == "list" and len(o["choices"]) > 1:
                    # After a comma the next item completes; bash offers the whole word.
                    first = o["choices"][0]
                    rest = [c for c in o["choices"] if c.startswith(o["choices"][1][0])]
                    case(f"{label} {flag} {first},{rest[0][0]}<TAB>: the next item of the list",
                         [f"{first},{c}" for c in rest],
                         "okstra", tool, *words, flag, f"{first},{rest[0][0]}")
            elif comp == "dir":
                expected = [tree + "/alpha", tree + "/beta"] if shell == "bash" else ["<dirs>"]
                case(f"{label} {flag} <TAB>: folders", expected, "okstra", tool, *words, flag, tree + "/")
            elif comp == "file":
                expected = [tree + "/alpha", tree + "/beta", tree + "/plan.md"] if shell == "bash" else ["<files>"]
                case(f"{label} {flag} <TAB>: files", expected, "okstra", tool, *words, flag, tree + "/")
            else:
                case(f"{label} {flag} <TAB>: nothing (free text)", [], "okstra", tool, *words, flag, "")
PY

# ---- the completion driver of each shell -------------------------------------------
# complete_words WORD... : the candidates the shell offers for the last WORD,
# sorted, one a line, in $work/got.
if [ "$shell" = bash ]; then
  check "the bash completion is built" [ -f "$bash_file" ]
  complete_words() {
    bash --norc --noprofile -c '
      . "$1"
      shift
      COMP_WORDS=("$@")
      COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
      _okstra
      if [ "${#COMPREPLY[@]}" -gt 0 ]; then printf "%s\n" "${COMPREPLY[@]}"; fi' bash "$bash_file" "$@" | LC_ALL=C sort -u >"$work/got"
  }
  # shellcheck disable=SC2086  # one program name per word
  run bash --norc --noprofile -c '. "$1" && shift && complete -p "$@"' bash "$bash_file" $programs
  check "bash: the file loads and binds every installed program" [ "$rc" = 0 ]
  check "bash: loading prints nothing" [ ! -s "$work/err" ]
else
  check "the zsh completion is built" [ -f "$zsh_dir/_okstra" ]
  cat >"$work/drive.zsh" <<'ZSH'
# zsh -f drive.zsh COMPLETIONS_DIR DUMP WORD...: compinit, then _okstra on the
# words with stand-ins that print what would be offered.
fpath=($1 $fpath)
autoload -Uz compinit
compinit -u -d $2
shift 2
# compadd filters by the word being completed, as the real one does.
compadd() {
  while (( $# )) && [[ $1 != -- ]]; do shift; done
  shift
  local a
  for a in "$@"; do [[ $a == ${words[CURRENT]}* ]] && print -r -- $a; done
}
_describe() { compadd -- ${${(P)${@[-1]}}%%:*} }
_sequence() { "$@" }
_files() { if [[ ${1:-} == -/ ]]; then print -r -- '<dirs>'; else print -r -- '<files>'; fi }
_message() { : }
words=("$@")
CURRENT=$#words
_okstra
ZSH
  complete_words() {
    zsh -f "$work/drive.zsh" "$zsh_dir" "$work/zcompdump" "$@" | LC_ALL=C sort -u >"$work/got"
  }
  run zsh -n "$zsh_dir/_okstra"
  check "zsh -n accepts _okstra" [ "$rc" = 0 ]
  check "the first line of _okstra is its #compdef" \
    [ "$(head -n 1 "$zsh_dir/_okstra" | cut -d' ' -f1)" = '#compdef' ]
  # shellcheck disable=SC2086,SC2016  # one program name per word; $_comps is zsh's
  run zsh -f -c 'fpath=($1 $fpath); autoload -Uz compinit; compinit -u -d $2; shift 2
    for c in "$@"; do [[ $_comps[$c] == _okstra ]] || { print -r -- "$c"; exit 1 }; done' \
    zsh "$zsh_dir" "$work/zcompdump" $programs
  check "zsh: compinit binds every installed program to _okstra" [ "$rc" = 0 ]
fi

# expect_words DESCRIPTION EXPECTED WORD...: the candidates are exactly EXPECTED's lines.
expect_words() {
  description=$1
  if [ -n "$2" ]; then printf '%s\n' "$2" >"$work/expected"; else : >"$work/expected"; fi
  shift 2
  complete_words "$@"
  if cmp -s "$work/got" "$work/expected"; then
    pass "$shell: $description"
  else
    fail "$shell: $description"
    diff "$work/expected" "$work/got" | sed -n 's/^[<>]/  &/p'
  fi
}

# ---- every program and command, as declared -------------------------------------------
check "the declarations give cases" [ -s "$work/cases.sh" ]
. "$work/cases.sh"

# ---- the declarations agree with the rest of okstra ---------------------------------------
# `okstra help` lists the same tools as the completion offers.
env PATH=/usr/bin:/bin "$bld/okstra" help >"$work/help"
sed -n '/^Tools/,/^$/s/^  \([a-z][a-z0-9-]*\)  .*/\1/p' "$work/help" | LC_ALL=C sort >"$work/listed"
# shellcheck disable=SC2086  # one program a word
printf '%s\n' $programs | sed -n 's/^okstra-//p' | LC_ALL=C sort >"$work/installed"
check "okstra help lists every installed tool" cmp -s "$work/listed" "$work/installed"
# A task type is a folder of templates/task-types/.
if [ -f "$work/declared/okstra-prepare.json" ]; then
  # shellcheck disable=SC2012  # our own plain folder names
  ls "$src/templates/task-types" | LC_ALL=C sort >"$work/expected"
  complete_words okstra prepare --task-type ''
  check "$shell: okstra prepare --task-type <TAB>: a task type per templates/task-types/" cmp -s "$work/got" "$work/expected"
fi

# ---- zsh: a real completion in a pseudo-terminal ---------------------------------------
# An interactive zsh with compinit and a compadd wrapper that records what is
# offered. The line is typed with ^T, bound to a widget that runs the completion
# (complete-word, what <TAB> runs) and then shows a marker; zpty -r waits for
# the marker, so the test never depends on how long completion takes. (A real
# <TAB> followed by more typing is not used: zsh may skip completion while
# typeahead is pending.)
if [ "$shell" = zsh ]; then
  if zsh -fc 'zmodload zsh/zpty' 2>/dev/null; then
    cat >"$work/pty.zsh" <<'ZSH'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT='> '; RPROMPT=; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -d $2"
zpty -w z "compadd() { builtin compadd \"\$@\"; local -a a; builtin compadd -O a \"\$@\"; print -rl -- \$a >>$3 }"
zpty -w z '_t() { zle complete-word; zle -M "marker-$((6 * 7))" }; zle -N _t; bindkey "^T" _t'
zpty -w -n z "$4"$'\C-t'
zpty -r z out '*marker-42*'
zpty -d z
ZSH
    # What the two lines must offer: the front end's commands and every tool;
    # okstra-cost's options.
    python3 - "$work/declared" "$work" <<'PY'
import json, os, sys
folder, work = sys.argv[1:3]
progs = {f[:-5]: json.load(open(os.path.join(folder, f))) for f in os.listdir(folder)}
tools = [n[len("okstra-"):] for n in progs if n.startswith("okstra-")]
if "okstra" in progs:
    with open(os.path.join(work, "pty-okstra"), "w") as f:
        f.write("\n".join([c["name"] for c in progs["okstra"]["commands"]] + tools) + "\n")
if "okstra-cost" in progs:
    with open(os.path.join(work, "pty-cost"), "w") as f:
        f.write("\n".join("--" + o["long"] for o in progs["okstra-cost"]["options"]) + "\n")
PY
    for line in 'okstra ' 'okstra cost --'; do
      case $line in 'okstra ') want=$work/pty-okstra ;; *) want=$work/pty-cost ;; esac
      if [ ! -f "$want" ]; then
        fail "zsh: '$line<TAB>' in a pseudo-terminal: no declarations to compare with"
        continue
      fi
      : >"$work/offered"
      run timeout 120 zsh -f "$work/pty.zsh" "$zsh_dir" "$work/zcompdump-pty" "$work/offered" "$line"
      check "zsh: completing '$line' in a pseudo-terminal finishes" [ "$rc" = 0 ]
      LC_ALL=C sort -u "$work/offered" >"$work/got"
      LC_ALL=C sort -u "$want" >"$work/expected"
      if cmp -s "$work/got" "$work/expected"; then
        pass "zsh: '$line<TAB>' in a real zsh offers what is declared"
      else
        fail "zsh: '$line<TAB>' in a real zsh offers what is declared"
        diff "$work/expected" "$work/got" | sed -n 's/^[<>]/  &/p'
      fi
    done
  else
    echo "note: zsh/zpty cannot be loaded; the pseudo-terminal check is not run"
  fi
fi

finish
