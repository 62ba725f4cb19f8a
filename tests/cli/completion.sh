#!/bin/sh
# Shell completion, for real: `sh completion.sh bash` loads
# completions/okstra.bash into bash and drives _okstra through COMP_WORDS and
# COMP_CWORD; `sh completion.sh zsh` loads completions/_okstra with compinit,
# calls it with stand-ins for compadd/_describe/_files (exact candidate lists),
# and, where zsh/zpty loads, completes `okstra <TAB>` and `okstra cost --<TAB>`
# in a pseudo-terminal. Both compare what they offer with the tools themselves:
# the commands with `okstra help`, each command's options with the Options
# block of its --help, the value lists with the tools' help and templates/.
# The zsh part exits 77 (skipped) when zsh is not installed.
set -eu
src=${OKSTRA_SOURCE_ROOT:?OKSTRA_SOURCE_ROOT must be set}
bld=${OKSTRA_BUILD_ROOT:?OKSTRA_BUILD_ROOT must be set}
shell=${1:-bash}
. "$src/tests/cli/lib.sh"
HOME=$work/user
OKSTRA_HOME=$work/home
OKSTRA_BUILD_DIR=$bld
export HOME OKSTRA_HOME OKSTRA_BUILD_DIR
mkdir -p "$HOME"

case $shell in
  bash) command -v bash >/dev/null 2>&1 || { fail "bash is not installed"; finish; } ;;
  zsh) command -v zsh >/dev/null 2>&1 || { echo "skip: zsh is not installed (Debian package zsh)"; exit 77; } ;;
  *) echo "usage: completion.sh bash|zsh" >&2; exit 2 ;;
esac

# ---- what the tools say --------------------------------------------------------
# The tools `okstra help` lists (PATH without any other okstra install), plus
# the front end's own commands.
env PATH=/usr/bin:/bin "$src/bin/okstra" help >"$work/help"
tools=$(sed -n '/^Tools/,/^$/s/^  \([a-z][a-z0-9-]*\)  .*/\1/p' "$work/help")
check "okstra help lists tools" [ -n "$tools" ]
# shellcheck disable=SC2086  # one tool name per word
printf '%s\n' $tools help doctor setup version | LC_ALL=C sort >"$work/commands"

# help_options CMD...: the long options of CMD's --help Options block, plus
# --help and --version (every tool has both), sorted.
help_options() {
  {
    "$@" --help </dev/null | sed -n '/^Options:/,/^$/s/^  \(-[A-Za-z] \[ \)\{0,1\}\(--[a-z0-9-]*\).*/\2/p'
    printf '%s\n' --help --version
  } | LC_ALL=C sort -u
}

# The commands of a tool: as the completion files list them, each checked
# against the tool's help below.
commands_of() {
  case $1 in
    prepare) echo finish ;;
    worktree) echo lookup list reconcile remove ;;
    usage) echo daily weekly monthly session blocks run cursor-hook prices ;;
  esac
}
"$bld/okstra-worktree" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' >"$work/expected"
check "worktree commands are those of its --help" [ "$(cat "$work/expected")" = "$(commands_of worktree | tr ' ' '\n')" ]
"$bld/okstra-usage" --help | sed -n 's/^Usage: okstra-usage \[\([a-z|-]*\)\].*/\1/p' | tr '|' '\n' >"$work/expected"
check "usage reports are those of its --help" [ "$(cat "$work/expected")" = "$(commands_of usage | tr ' ' '\n')" ]
"$bld/okstra-prepare" --help >"$work/prepare-help"
check "prepare's command 'finish' is in its --help" grep -q '^ *okstra-prepare finish ' "$work/prepare-help"

# ---- the completion driver of each shell -------------------------------------------
# complete WORD... : the candidates the shell offers for the last WORD, sorted,
# one a line, in $work/got.
if [ "$shell" = bash ]; then
  complete_words() {
    bash --norc --noprofile -c '
      . "$1"
      shift
      COMP_WORDS=("$@")
      COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
      _okstra
      if [ "${#COMPREPLY[@]}" -gt 0 ]; then printf "%s\n" "${COMPREPLY[@]}"; fi' bash "$src/completions/okstra.bash" "$@" | LC_ALL=C sort -u >"$work/got"
  }
  run bash --norc --noprofile -c '. "$1" && complete -p okstra okstra-cost okstra-prepare' bash "$src/completions/okstra.bash"
  check "bash: the file loads and binds okstra and okstra-<tool>" [ "$rc" = 0 ]
  check "bash: loading prints nothing" [ ! -s "$work/err" ]
else
  cat >"$work/drive.zsh" <<'ZSH'
# zsh -f drive.zsh COMPLETIONS_DIR DUMP WORD...: compinit, then _okstra on the
# words with stand-ins that print what would be offered.
fpath=($1 $fpath)
autoload -Uz compinit
compinit -u -d $2
shift 2
for c in okstra okstra-cost okstra-prepare okstra-usage; do
  [[ $_comps[$c] == _okstra ]] || { print -u2 "compinit did not bind $c to _okstra"; exit 3 }
done
# compadd filters by the word being completed, as the real one does.
compadd() {
  while (( $# )) && [[ $1 != -- ]]; do shift; done
  shift
  local a
  for a in "$@"; do [[ $a == ${words[CURRENT]}* ]] && print -r -- $a; done
}
_describe() { compadd -- ${${(P)${@[-1]}}%%:*} }
_sequence() { "$@" }
_files() { print -r -- '<files>' }
_message() { : }
words=("$@")
CURRENT=$#words
_okstra
ZSH
  complete_words() {
    zsh -f "$work/drive.zsh" "$src/completions" "$work/zcompdump" "$@" | LC_ALL=C sort -u >"$work/got"
  }
  run zsh -n "$src/completions/_okstra"
  check "zsh -n accepts _okstra" [ "$rc" = 0 ]
  check "the first line of _okstra is its #compdef" \
    [ "$(head -n 1 "$src/completions/_okstra" | cut -d' ' -f1)" = '#compdef' ]
fi

# expect DESCRIPTION FILE: the candidates are exactly FILE's lines.
expect() {
  if cmp -s "$work/got" "$2"; then
    pass "$shell: $1"
  else
    fail "$shell: $1"
    diff "$2" "$work/got" | sed -n 's/^[<>]/  &/p'
  fi
}

# ---- okstra <TAB>, okstra help <TAB> ---------------------------------------------
complete_words okstra ''
expect "okstra <TAB> offers the tools of 'okstra help' and the front end's commands" "$work/commands"
complete_words okstra help ''
expect "okstra help <TAB> offers the same" "$work/commands"
complete_words okstra c
grep '^c' "$work/commands" >"$work/expected"
expect "okstra c<TAB> offers the commands starting with c" "$work/expected"

# ---- okstra TOOL [COMMAND] --<TAB>: the options of its --help ------------------------
for t in $tools; do
  help_options "$bld/okstra-$t" >"$work/expected"
  complete_words okstra "$t" --
  expect "okstra $t --<TAB> offers the options of okstra-$t --help" "$work/expected"
  for c in $(commands_of "$t"); do
    help_options "$bld/okstra-$t" "$c" >"$work/expected"
    complete_words okstra "$t" "$c" --
    expect "okstra $t $c --<TAB> offers the options of okstra-$t $c --help" "$work/expected"
  done
  if [ -n "$(commands_of "$t")" ]; then
    commands_of "$t" | tr ' ' '\n' | LC_ALL=C sort >"$work/expected"
    complete_words okstra "$t" ''
    expect "okstra $t <TAB> offers its commands" "$work/expected"
  fi
done
help_options "$bld/okstra-cost" >"$work/expected"
complete_words okstra-cost --
expect "okstra-cost --<TAB> (the tool itself) offers the same as okstra cost --<TAB>" "$work/expected"
complete_words okstra cost --ru
printf '%s\n' --run-dir --runtime-root >"$work/expected"
expect "okstra cost --ru<TAB> offers --run-dir and --runtime-root" "$work/expected"

# ---- option values -------------------------------------------------------------------
complete_words okstra cost --format ''
printf '%s\n' json table >"$work/expected"
expect "okstra cost --format <TAB>: json, table" "$work/expected"
"$bld/okstra-validate-session" --help | sed -n 's/.*--format arg (=json) *\([a-z]*\), \([a-z]*\) or \([a-z]*\)$/\1\n\2\n\3/p' |
  LC_ALL=C sort >"$work/expected"
complete_words okstra validate-session --format ''
expect "okstra validate-session --format <TAB>: the formats of its --help" "$work/expected"
"$bld/okstra-validate-session" --help | sed -n 's/^  \(BC[0-9][0-9]\) .*/\1/p' >"$work/expected"
complete_words okstra validate-session --rule ''
expect "okstra validate-session --rule <TAB>: the rules of its --help" "$work/expected"
# shellcheck disable=SC2012  # our own plain folder names
ls "$src/templates/task-types" | LC_ALL=C sort >"$work/expected"
complete_words okstra prepare --task-type ''
expect "okstra prepare --task-type <TAB>: a task type per templates/task-types/" "$work/expected"
"$bld/okstra-prepare" finish --help | sed -n 's/.*--status completed|\([a-z|]*\).*/completed|\1/p' | head -n 1 |
  tr '|' '\n' | LC_ALL=C sort >"$work/expected"
complete_words okstra prepare finish --status ''
expect "okstra prepare finish --status <TAB>: the statuses of its --help" "$work/expected"
"$bld/okstra-prepare" --help | sed -n 's/.*--work-category C *\([a-z|]*\) *$/\1/p' | tr '|' '\n' | LC_ALL=C sort >"$work/expected"
complete_words okstra prepare --work-category ''
expect "okstra prepare --work-category <TAB>: the categories of its --help" "$work/expected"
"$bld/okstra-prepare" --help | sed -n 's/.*--executor E .*\(claude|[a-z|]*\).*/\1/p' | tr '|' '\n' | LC_ALL=C sort >"$work/expected"
complete_words okstra prepare --executor ''
expect "okstra prepare --executor <TAB>: the executors of its --help" "$work/expected"
"$bld/okstra-usage" --help | sed -n 's/.*sources to read: \([a-z,]*\).*/\1/p' | tr ',' '\n' | LC_ALL=C sort >"$work/expected"
complete_words okstra usage --source ''
expect "okstra usage --source <TAB>: the sources of its --help" "$work/expected"
complete_words okstra prepare --task-key ''
check "$shell: okstra prepare --task-key <TAB> offers nothing (free text)" [ ! -s "$work/got" ]

if [ "$shell" = bash ]; then
  # Values after '=' (COMP_WORDBREAKS makes '=' a word of its own).
  complete_words okstra cost --format = t
  printf '%s\n' table >"$work/expected"
  expect "okstra cost --format=t<TAB>: table" "$work/expected"
  mkdir -p "$work/tree/alpha" "$work/tree/beta"
  : >"$work/tree/plan.md"
  complete_words okstra cost --task-root "$work/tree/a"
  printf '%s\n' "$work/tree/alpha" >"$work/expected"
  expect "okstra cost --task-root <TAB> offers folders" "$work/expected"
  complete_words okstra plan-validate "$work/tree/p"
  printf '%s\n' "$work/tree/plan.md" >"$work/expected"
  expect "okstra plan-validate <TAB> offers files" "$work/expected"
  complete_words okstra usage --source claude,c
  printf '%s\n' claude,claude claude,codex claude,cursor >"$work/expected"
  expect "okstra usage --source claude,c<TAB> completes the last item" "$work/expected"
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
    for line in 'okstra ' 'okstra cost --'; do
      : >"$work/offered"
      run timeout 120 zsh -f "$work/pty.zsh" "$src/completions" "$work/zcompdump-pty" "$work/offered" "$line"
      check "zsh: completing '$line' in a pseudo-terminal finishes" [ "$rc" = 0 ]
      LC_ALL=C sort -u "$work/offered" >"$work/got"
      case $line in
        'okstra ') expect "'okstra <TAB>' in a real zsh offers every command" "$work/commands" ;;
        *)
          help_options "$bld/okstra-cost" >"$work/expected"
          expect "'okstra cost --<TAB>' in a real zsh offers okstra-cost's options" "$work/expected"
          ;;
      esac
    done
  else
    echo "note: zsh/zpty cannot be loaded; the pseudo-terminal check is not run"
  fi
fi

finish
