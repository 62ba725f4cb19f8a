# bash completion for okstra(1) and its okstra-<tool> programs.
#
# Installed as <datadir>/bash-completion/completions/okstra, where
# bash-completion loads it the first time `okstra` (or an okstra-<tool>, a
# symlink to this file) is completed; or source it from ~/.bashrc. It needs
# nothing from the bash-completion package.
#
# The word lists are written here by hand instead of being read from --help at
# each <TAB> (that would start a program per keystroke); tests/cli/completion.sh
# compares them with every tool's --help, so an option cannot be added to a tool
# without being added here.

_okstra_commands='prepare plan-validate worktree cost usage validate-session migrate help doctor setup version'
_okstra_task_types='requirements-discovery error-analysis implementation-planning implementation
  final-verification release-handoff improvement-discovery'

# _okstra_subcommands TOOL: the commands TOOL takes as its first argument.
_okstra_subcommands() {
  case $1 in
    prepare) echo finish ;;
    worktree) echo lookup list reconcile remove ;;
    usage) echo daily weekly monthly session blocks run cursor-hook prices ;;
  esac
}

# _okstra_options TOOL [COMMAND]: the long options of `okstra TOOL [COMMAND]`.
_okstra_options() {
  local std='--help --version' lock='--lock-timeout --no-wait'
  local logs='--prices --source --claude-dir --codex-dir --gemini-dir --cursor-log --no-cache --threads --no-progress'
  case $1 in
    prepare)
      case $2 in
        finish) echo "$std --quiet --run-dir --status --seq $lock" ;;
        *) echo "$std --quiet --project-root --task-key --project-id --task-group --task-id --task-type" \
          "--work-category --base-ref --approved-plan --stage --executor --workers --task-brief" \
          "--directive --clarification-response --pr-template-path --render-only $lock" ;;
      esac
      ;;
    plan-validate) echo "$std --quiet" ;;
    worktree)
      case $2 in
        lookup) echo "$std --quiet" ;;
        list) echo "$std --quiet --project" ;;
        reconcile) echo "$std --quiet --dry-run $lock" ;;
        remove) echo "$std --quiet --stage --delete-branch --force $lock" ;;
        *) echo "$std" ;;
      esac
      ;;
    cost) echo "$std --quiet --task-root --run-dir --runtime-root --format --compare" ;;
    usage)
      case $2 in
        run) echo "$std --run-dir --fill-report --quiet $logs" ;;
        cursor-hook) echo "$std --install" ;;
        prices) echo "$std --json --prices update" ;;
        *) echo "$std --json --csv --since --until --project --model --tz --breakdown $logs" ;;
      esac
      ;;
    validate-session) echo "$std --quiet --session --run-dir --format --rule --skip-rule" ;;
    migrate) echo "$std --quiet --apply --undo --cwd $lock" ;;
    setup | doctor) echo --help ;;
  esac
}

# _okstra_words WORDS CUR [PREFIX]: COMPREPLY = the WORDS that start with CUR.
_okstra_words() {
  local IFS=$' \t\n'
  # shellcheck disable=SC2207  # the words never contain blanks
  COMPREPLY=($(compgen -P "${3:-}" -W "$1" -- "$2"))
}

# _okstra_paths -d|-f CUR [PREFIX]: folders, or files and folders, named CUR*.
_okstra_paths() {
  local line
  compopt -o filenames 2>/dev/null
  COMPREPLY=()
  while IFS= read -r line; do
    COMPREPLY+=("${3:-}$line")
  done < <(compgen "$1" -- "$2")
}

# _okstra_value TOOL OPTION CUR: completes OPTION's value; status 1 when OPTION
# takes none (or is not an option of ours).
_okstra_value() {
  case $2 in
    --project-root | --run-dir | --task-root | --runtime-root | --compare | --cwd | \
      --claude-dir | --codex-dir | --gemini-dir)
      _okstra_paths -d "$3" ;;
    --approved-plan | --clarification-response | --pr-template-path | --prices | \
      --cursor-log | --session | --fill-report)
      _okstra_paths -f "$3" ;;
    --task-brief)
      # TEXT, or @FILE
      case $3 in @*) _okstra_paths -f "${3#@}" @ ;; *) COMPREPLY=() ;; esac ;;
    --task-type) _okstra_words "$_okstra_task_types" "$3" ;;
    --work-category) _okstra_words 'feature bugfix refactor ops improvement docs' "$3" ;;
    --executor) _okstra_words 'claude codex gemini' "$3" ;;
    --status) _okstra_words 'completed error timeout aborted' "$3" ;;
    --stage)
      if [ "$1" = prepare ]; then _okstra_words auto "$3"; else COMPREPLY=(); fi ;;
    --format)
      case $1 in
        cost) _okstra_words 'json table' "$3" ;;
        *) _okstra_words 'json text junit' "$3" ;;
      esac
      ;;
    --source)
      # a comma list: complete its last item
      local done=''
      case $3 in *,*) done=${3%,*}, ;; esac
      _okstra_words 'claude codex gemini cursor' "${3##*,}" "$done" ;;
    --rule | --skip-rule) _okstra_words 'BC01 BC02 BC03 BC04 BC05 BC06 BC07 BC08 BC09' "$3" ;;
    --task-key | --project-id | --task-group | --task-id | --workers | --directive | \
      --lock-timeout | --seq | --project | --since | --until | --model | --tz | --threads)
      COMPREPLY=() ;;
    *) return 1 ;;
  esac
  return 0
}

_okstra() {
  local cword=$COMP_CWORD
  local cur=${COMP_WORDS[cword]} prev=''
  [ "$cword" -ge 1 ] && prev=${COMP_WORDS[cword - 1]}
  COMPREPLY=()
  # `--option=value`: '=' is a word of its own in COMP_WORDS (COMP_WORDBREAKS).
  if [ "$cur" = '=' ]; then
    cur=''
  elif [ "$prev" = '=' ] && [ "$cword" -ge 2 ]; then
    prev=${COMP_WORDS[cword - 2]}
  fi

  local cmd=${COMP_WORDS[0]##*/} tool first
  case $cmd in
    okstra-*)
      tool=${cmd#okstra-}
      first=1
      ;;
    *)
      if [ "$cword" -eq 1 ]; then
        _okstra_words "$_okstra_commands" "$cur"
        return 0
      fi
      tool=${COMP_WORDS[1]}
      first=2
      ;;
  esac
  case $tool in
    help)
      [ "$cword" -eq "$first" ] && _okstra_words "$_okstra_commands" "$cur"
      return 0
      ;;
    version) return 0 ;;
  esac

  # The tool's own command, when it has one: always its first argument.
  local subs sub=''
  subs=$(_okstra_subcommands "$tool")
  if [ -n "$subs" ] && [ "$cword" -gt "$first" ]; then
    case " $subs " in *" ${COMP_WORDS[first]} "*) sub=${COMP_WORDS[first]} ;; esac
  fi

  case $prev in
    --*) _okstra_value "$tool" "$prev" "$cur" && return 0 ;;
  esac
  case $cur in
    -*)
      _okstra_words "$(_okstra_options "$tool" "$sub")" "$cur"
      return 0
      ;;
  esac
  if [ -n "$subs" ] && [ "$cword" -eq "$first" ]; then
    _okstra_words "$subs" "$cur"
  elif [ "$tool" = plan-validate ]; then
    _okstra_paths -f "$cur"
  fi
  return 0
}

complete -F _okstra okstra okstra-prepare okstra-plan-validate okstra-worktree okstra-cost \
  okstra-usage okstra-validate-session okstra-migrate
