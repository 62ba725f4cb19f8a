#!/usr/bin/env python3
"""Man pages and shell completion from the programs' own option declarations.

Every installed program answers the hidden option --describe-options with the
JSON of what it accepts (docs/cli.md, "Option declarations"). Meson runs this
script after the programs are built (docs/install.md, "Generated from the
programs"):

  gen-cli-docs.py man --version V --template-dir man --output-dir OUT PATH...
      the page OUT/P.1 of each program P at PATH: the template man/P.1.in's
      hand-written sections, with SYNOPSIS, OPTIONS and EXIT STATUS written in
      at the marker lines  .\\" okstra-gen: SECTION
  gen-cli-docs.py completion --bash OUT --zsh OUT PATH...
      the bash and zsh completion of every program (the front end 'okstra' and
      its okstra-<tool> programs)

Python 3 standard library only (Meson already needs Python 3). A program that
does not answer --describe-options is an error: nothing is generated from a
guess.
"""

import argparse
import json
import os
import re
import subprocess
import sys

ME = "gen-cli-docs"
OPTION_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+@/-]*$")
COMPLETIONS = {"none", "file", "dir", "choices", "commands"}
MARKERS = ("SYNOPSIS", "OPTIONS", "EXIT STATUS")


class Failure(Exception):
    pass


# ---- reading the declarations ------------------------------------------------------


def describe(path):
    """The checked --describe-options JSON of the program at `path`."""
    name = os.path.basename(path)
    try:
        # Absolute: Meson passes a configured script as a bare name, which exec would look up on PATH.
        done = subprocess.run([os.path.abspath(path), "--describe-options"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=60, check=False)
    except OSError as e:
        raise Failure(f"cannot run '{path}': {e.strerror}")
    except subprocess.TimeoutExpired:
        raise Failure(f"'{path} --describe-options' did not finish in 60 s")
    if done.returncode != 0:
        first = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise Failure(f"'{name} --describe-options' exited {done.returncode}"
                      + (f": {first[0]}" if first else ""))
    try:
        d = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Failure(f"'{name} --describe-options' printed no JSON: {e}")
    check_program(d, name)
    return d


def check_program(d, name):
    where = f"'{name} --describe-options'"

    def need(cond, what):
        if not cond:
            raise Failure(f"{where}: {what}")

    need(isinstance(d, dict), "not a JSON object")
    need(d.get("program") == name, f"program is {d.get('program')!r}, not '{name}'")
    for key, typ in (("summary", str), ("usage", list), ("options", list), ("commands", list),
                     ("positionals", list), ("exitStatus", list)):
        need(isinstance(d.get(key), typ), f"'{key}' is missing or not a {typ.__name__}")
    contexts = [("", d)] + [(c.get("name", "?"), c) for c in d["commands"]]
    for cname, ctx in contexts:
        here = f"command '{cname}'" if cname else "the program"
        if cname:
            need(isinstance(cname, str) and all(WORD.match(w) for w in cname.split(" ")),
                 f"bad command name {cname!r}")
            need(isinstance(ctx.get("options"), list), f"{here}: 'options' missing")
        seen = set()
        for o in ctx["options"]:
            need(isinstance(o, dict) and OPTION_NAME.match(o.get("long", "")), f"{here}: bad option {o!r}")
            need(o["long"] not in seen, f"{here}: --{o['long']} declared twice")
            seen.add(o["long"])
            need(re.match(r"^[A-Za-z0-9]?$", o.get("short", "")), f"{here}: bad short name of --{o['long']}")
            need(o.get("complete", "none") in COMPLETIONS, f"{here}: bad completion of --{o['long']}")
            for c in o.get("choices", []):
                need(isinstance(c, str) and WORD.match(c), f"{here}: bad choice {c!r} of --{o['long']}")
        for p in ctx.get("positionals", []):
            need(isinstance(p, dict) and isinstance(p.get("name"), str), f"{here}: bad positional {p!r}")
            need(p.get("complete", "file") in COMPLETIONS, f"{here}: bad completion of <{p['name']}>")
    for e in d["exitStatus"]:
        need(isinstance(e, dict) and isinstance(e.get("code"), int) and isinstance(e.get("meaning"), str),
             f"bad exit status {e!r}")


# ---- roff -----------------------------------------------------------------------------

ROFF_ESCAPES = {"\u2014": "\\(em", "\u2013": "\\(en", "\u2026": "...", "\u2018": "\\(oq", "\u2019": "\\(cq",
           "\u201c": "\\(lq", "\u201d": "\\(rq", "\u2192": "\\(->", "\u2190": "\\(<-", "\u2264": "\\(<=",
           "\u2265": "\\(>=", "\u00d7": "\\(mu", "\u00a0": "\\~"}


def roff_chars(text):
    """Plain text as roff: backslashes escaped, a dash that starts an option
    (or follows one) a minus sign, anything outside ASCII named."""
    out = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\e")
        elif ch == "-" and (i == 0 or text[i - 1] in " (['\"=|,/-" or text[i + 1:i + 2] == "-"):
            out.append("\\-")
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append(ROFF_ESCAPES.get(ch, "\\[u%04X]" % ord(ch)))
    return "".join(out)


def roff_line(text):
    """One text line: never a control line, never blank."""
    line = roff_chars(" ".join(text.split()))
    return "\\&" + line if line[:1] in (".", "'") else line


def bold(text):
    return "\\fB" + roff_chars(text) + "\\fR"


def italic(text):
    return "\\fI" + roff_chars(text) + "\\fR"


def option_name(name):
    """An option in bold, every dash a minus sign, never hyphenated (\\%)."""
    return "\\fB\\%" + name.replace("-", "\\-") + "\\fR"


def usage_roff(line):
    """A usage line: the program and command words bold, <name> and
    upper-case value names italic, options bold, brackets plain."""
    words = line.split()
    head = []
    while words and re.match(r"^[a-z][a-z0-9-]*$", words[0]):
        head.append(words.pop(0))
    out = [".B " + roff_chars(" ".join(head))] if head else []
    rest = []
    for w in words:
        rest.append(re.sub(r"<([^<>]+)>|(-{1,2}[A-Za-z0-9][A-Za-z0-9-]*)|\b([A-Z][A-Z0-9_]*)\b|([^<>A-Z-]+|.)",
                           lambda m: italic(m.group(1)) if m.group(1) else option_name(m.group(2)) if m.group(2)
                           else italic(m.group(3)) if m.group(3) else roff_chars(m.group(4)), w))
    if rest:
        out.append(" ".join(rest))
    return out


def option_tag(o):
    names = ([option_name("-" + o["short"])] if o.get("short") else []) + [option_name("--" + o["long"])]
    tag = ", ".join(names)
    if o.get("value"):
        tag += " [" + italic(o["value"]) + "]" if o.get("implicit") else " " + italic(o["value"])
    return tag


def option_body(o):
    help_text = o.get("help", "")
    extra = []
    if o.get("choices") and o.get("kind") == "list":
        extra.append("one or more of " + ", ".join(bold(c) for c in o["choices"]) + ", separated by commas")
    elif o.get("choices"):
        extra.append("one of " + ", ".join(bold(c) for c in o["choices"]))
    if o.get("default") and "default" not in help_text:
        extra.append("default " + bold(o["default"]))
    if o.get("repeatable"):
        extra.append("repeatable")
    if o.get("implicit"):
        extra.append(italic(o["value"]) + " may be left out: " + bold(o["implicit"]))
    line = roff_line(help_text) if help_text else ""
    if extra:
        line += (" " if line else "") + "(" + "; ".join(extra) + ")"
    return line or "\\&"


def same(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def options_section(d):
    """OPTIONS: the program's options; then, for a program with commands, the
    options every command shares, then a subsection per command: which of the
    options above it takes, and its others."""
    out = [".SH OPTIONS"]

    def block(opts):
        for o in opts:
            out.extend([".TP", option_tag(o), option_body(o)])

    block(d["options"])
    commands = d["commands"]
    if not commands:
        return out
    common = [o for o in commands[0]["options"]
              if all(any(same(o, x) for x in c["options"]) for c in commands[1:])
              and not any(same(o, x) for x in d["options"])] if len(commands) > 1 else []
    if common:
        out.append(".SS \"Options of every command\"")
        block(common)
    above = d["options"] + common
    for c in commands:
        shared = [o for o in c["options"] if any(same(o, x) for x in above)]
        own = [o for o in c["options"] if not any(same(o, x) for x in above)]
        out.append(".SS \"" + roff_chars(d["program"] + " " + c["name"]) + "\"")
        summary = c.get("summary", "")
        out.append(roff_line(summary) if summary else "\\&")
        out.append(".PP")
        if not c["options"]:
            out.append("No option.")
        elif len(shared) == len(above):
            out.append("The options above" + (", and:" if own else "."))
        elif shared:
            out.append("Of the options above: " + ", ".join(option_name("--" + o["long"]) for o in shared)
                       + ("; and:" if own else "."))
        block(own)
    return out


def synopsis_section(d):
    out = [".SH SYNOPSIS"]
    lines = [u for u in d["usage"] if isinstance(u, str) and u.strip()]
    for i, u in enumerate(lines):
        if i:
            out.append(".br")
        out.extend(usage_roff(u))
    return out


def exit_section(d):
    out = [".SH \"EXIT STATUS\""]
    for e in d["exitStatus"]:
        out.extend([".TP", ".B " + str(e["code"]), roff_line(e["meaning"])])
    return out


def render_page(template_text, d, version):
    sections = {"SYNOPSIS": synopsis_section(d), "OPTIONS": options_section(d), "EXIT STATUS": exit_section(d)}
    out, done = [], set()
    for n, line in enumerate(template_text.splitlines(), 1):
        m = re.match(r'^\.\\" okstra-gen: (.*)$', line)
        if m:
            what = m.group(1).strip()
            if what not in sections or what in done:
                raise Failure(f"line {n}: unknown or repeated marker '{what}'")
            out.extend(sections[what])
            done.add(what)
            continue
        heading = re.match(r'^\.SH\s+"?([^"]*)"?\s*$', line)
        if heading and heading.group(1) in MARKERS:
            raise Failure(f"line {n}: the section {heading.group(1)} is generated; write its marker line instead")
        for token in re.findall(r"@[A-Za-z_]+@", line):
            if token != "@OKSTRA_VERSION@":
                raise Failure(f"line {n}: unknown substitution {token}")
        out.append(line.replace("@OKSTRA_VERSION@", version))
    missing = [s for s in MARKERS if s not in done]
    if missing:
        raise Failure("no marker line for " + ", ".join(missing))
    return "\n".join(out) + "\n"


# ---- completion ----------------------------------------------------------------------


def value_spec(o):
    """How a shell completes the value of `o`: n (nothing), f (files),
    d (folders), c:a,b (one of), l:a,b (a comma list of)."""
    comp = o.get("complete", "none")
    if comp == "choices" and o.get("choices"):
        comma = o.get("kind") == "list"
        return ("l:" if comma else "c:") + ",".join(o["choices"])
    return {"file": "f", "dir": "d"}.get(comp, "n")


def contexts(programs):
    """(tool, command) -> what completes there; tool is the program name
    without 'okstra-' ('okstra' for the front end), command '' for none."""
    ctx = {}
    tools = sorted(p["program"][len("okstra-"):] for p in programs if p["program"].startswith("okstra-"))
    for p in programs:
        tool = p["program"][len("okstra-"):] if p["program"].startswith("okstra-") else p["program"]
        cmds = {c["name"]: c for c in p["commands"]}

        def entry(c, name):
            nxt = sorted({n[len(name) + 1:].split(" ")[0] for n in cmds if name and n.startswith(name + " ")} |
                         ({n.split(" ")[0] for n in cmds} if not name else set()))
            opts = c["options"]
            pos = [x.get("complete", "file") for x in c.get("positionals", [])]
            many = any(x.get("max", 1) == -1 for x in c.get("positionals", []))
            return {
                "subs": nxt + (tools if tool == "okstra" and not name else []),
                "opts": [("--" + o["long"], o.get("help", "")) for o in opts],
                # A value that may be left out is never waited for: the next
                # word completes as if the option were a flag.
                "vals": [(flag, value_spec(o)) for o in opts if o.get("value") and not o.get("implicit")
                         for flag in (["-" + o["short"]] if o.get("short") else []) + ["--" + o["long"]]],
                "pos": (pos[-1] if many else pos[0]) if pos else "none",
            }

        ctx[(tool, "")] = entry(p, "")
        for name, c in cmds.items():
            ctx[(tool, name)] = entry(c, name)
    return ctx


def summaries(programs):
    out = []
    front = next((p for p in programs if p["program"] == "okstra"), None)
    for p in sorted(programs, key=lambda p: p["program"]):
        if p["program"].startswith("okstra-"):
            out.append((p["program"][len("okstra-"):], p["summary"]))
    if front:
        out.extend((c["name"], c.get("summary", "")) for c in front["commands"])
    return sorted(out)


def sq(text):
    return "'" + text.replace("'", "'\\''") + "'"


def ctx_key(tool, cmd):
    return sq(tool + " " + cmd)


HEADER = """\
# {what} for okstra(1) and its okstra-<tool> programs.
#
# GENERATED by scripts/gen-cli-docs.py from every program's --describe-options
# at build time: do not edit. Each option and command comes from the option
# declarations the programs themselves parse with, so the completion cannot
# drift from them (docs/install.md, "Shell completion").
"""


BASH_HEAD = r"""# Installed as <datadir>/bash-completion/completions/okstra, where
# bash-completion loads it the first time `okstra` (or an okstra-<tool>, a
# symlink to this file) is completed; or source it from ~/.bashrc. It needs
# nothing from the bash-completion package.

# _okstra_ctx TOOL COMMAND: what completes in `okstra TOOL COMMAND`:
# _okstra_subs (the commands that may follow), _okstra_opts (the long options),
# _okstra_vals (OPTION=n|f|d|c:a,b|l:a,b, how an option's value completes: n
# nothing, f files, d folders, c one of, l a comma list of) and _okstra_pos
# (how an argument completes: none, file, dir, commands). Status 1: no such
# context.
_okstra_ctx() {
  _okstra_subs='' _okstra_opts='' _okstra_vals='' _okstra_pos=none
  case "$1 $2" in"""

BASH_TAIL = r"""    *) return 1 ;;
  esac
  return 0
}

# _okstra_words WORDS CUR [PREFIX]: COMPREPLY = the WORDS that start with CUR.
_okstra_words() {
  local IFS=$' \t\n'
  # shellcheck disable=SC2207  # the words never contain blanks
  COMPREPLY=($(compgen -P "${3:-}" -W "$1" -- "$2"))
}

# _okstra_paths -d|-f CUR: folders, or files and folders, named CUR*.
_okstra_paths() {
  local line
  compopt -o filenames 2>/dev/null
  COMPREPLY=()
  while IFS= read -r line; do
    COMPREPLY+=("$line")
  done < <(compgen "$1" -- "$2")
}

# _okstra_complete KIND CUR: completes CUR as KIND (a value spec or a positional kind).
_okstra_complete() {
  case $1 in
    f | file) _okstra_paths -f "$2" ;;
    d | dir) _okstra_paths -d "$2" ;;
    c:*) local words=${1#c:} && _okstra_words "${words//,/ }" "$2" ;;
    l:*)
      # a comma list: complete its last item
      local words=${1#l:} done=''
      case $2 in *,*) done=${2%,*}, ;; esac
      _okstra_words "${words//,/ }" "${2##*,}" "$done" ;;
    commands) _okstra_ctx okstra '' && _okstra_words "$_okstra_subs" "$2" ;;
    *) COMPREPLY=() ;;
  esac
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

  # The program, then the commands after it (the front end's first argument
  # names a tool): the longest run of words that is a known context.
  local cmd=${COMP_WORDS[0]##*/} tool first=1 sub='' i
  case $cmd in okstra-*) tool=${cmd#okstra-} ;; *) tool=okstra ;; esac
  if [ "$tool" = okstra ] && [ "$cword" -gt 1 ] && _okstra_ctx "${COMP_WORDS[1]}" ''; then
    tool=${COMP_WORDS[1]}
    first=2
  fi
  _okstra_ctx "$tool" '' || return 0
  i=$first
  while [ "$i" -lt "$cword" ] && _okstra_ctx "$tool" "${sub:+$sub }${COMP_WORDS[i]}"; do
    sub="${sub:+$sub }${COMP_WORDS[i]}"
    i=$((i + 1))
  done
  _okstra_ctx "$tool" "$sub"

  case $prev in
    -*)
      local v
      for v in $_okstra_vals; do
        if [ "${v%%=*}" = "$prev" ]; then
          _okstra_complete "${v#*=}" "$cur"
          return 0
        fi
      done
      ;;
  esac
  case $cur in
    -*)
      _okstra_words "$_okstra_opts" "$cur"
      return 0
      ;;
  esac
  if [ -n "$_okstra_subs" ] && [ "$i" -eq "$cword" ]; then
    _okstra_words "$_okstra_subs" "$cur"
  else
    _okstra_complete "$_okstra_pos" "$cur"
  fi
  return 0
}
"""

ZSH_HEAD = r"""# Installed as <datadir>/zsh/site-functions/_okstra; any folder on $fpath
# before compinit runs works too (docs/install.md).

# _okstra_ctx TOOL COMMAND: what completes in `okstra TOOL COMMAND`, as in the
# bash completion: _okstra_subs, _okstra_opts (option:help), _okstra_vals
# (OPTION=n|f|d|c:a,b|l:a,b), _okstra_pos. Status 1: no such context.
_okstra_ctx() {
  _okstra_subs=() _okstra_opts=() _okstra_vals=() _okstra_pos=none
  case "$1 $2" in"""

ZSH_TAIL = r"""    (*) return 1 ;;
  esac
  return 0
}

# The front end's commands and tools, with what each does.
_okstra_describe_commands() {
  local -a cmds=(@DESCRIBED@)
  _describe -t commands 'okstra command' cmds
}

# _okstra_complete KIND OPTION: completes the current word as KIND.
_okstra_complete() {
  case $1 in
    (f|file) _files ;;
    (d|dir) _files -/ ;;
    (c:*) compadd -- ${(s:,:)1#c:} ;;
    (l:*) _sequence compadd -- ${(s:,:)1#l:} ;;
    (commands) _okstra_describe_commands ;;
    (n) _message "value of $2" ;;
    (*) return 1 ;;
  esac
}

_okstra() {
  local -a _okstra_subs _okstra_opts _okstra_vals
  local _okstra_pos cmd=${words[1]:t} tool sub='' cur=${words[CURRENT]} prev=${words[CURRENT-1]} v
  integer first=2 i
  if [[ $cmd == okstra-* ]]; then tool=${cmd#okstra-}; else tool=okstra; fi
  if [[ $tool == okstra ]] && (( CURRENT > 2 )) && _okstra_ctx "${words[2]}" ''; then
    tool=${words[2]}
    first=3
  fi
  _okstra_ctx "$tool" '' || return 1
  if [[ $tool == okstra ]] && (( CURRENT == 2 )) && [[ $cur != -* ]]; then
    _okstra_describe_commands
    return
  fi
  for (( i = first; i < CURRENT; i++ )); do
    _okstra_ctx "$tool" "${sub:+$sub }${words[i]}" || break
    sub="${sub:+$sub }${words[i]}"
  done
  _okstra_ctx "$tool" "$sub"

  if [[ $cur == -*=* ]]; then
    local opt=${cur%%=*}
    compset -P '*='
    for v in $_okstra_vals; do [[ ${v%%=*} == $opt ]] && { _okstra_complete ${v#*=} $opt; return }; done
    return 1
  fi
  if [[ $prev == -* ]]; then
    for v in $_okstra_vals; do [[ ${v%%=*} == $prev ]] && { _okstra_complete ${v#*=} $prev; return }; done
  fi
  if [[ $cur == -* ]]; then
    _describe -t options 'option' _okstra_opts
    return
  fi
  if (( $#_okstra_subs && i == CURRENT )); then
    compadd -- $_okstra_subs
  else
    _okstra_complete $_okstra_pos argument
  fi
}

_okstra "$@"
"""


def table_lines(programs, zsh):
    """The case branches of _okstra_ctx, one per program and command."""
    lines = []
    for (tool, cmd), e in sorted(contexts(programs).items()):
        if zsh:
            opts = " ".join(sq(o + ":" + h.replace("\\", "\\\\").replace(":", "\\:")) for o, h in e["opts"])
            lines += [f"    ({ctx_key(tool, cmd)})", f"      _okstra_subs=({' '.join(e['subs'])})",
                      f"      _okstra_opts=({opts})",
                      f"      _okstra_vals=({' '.join(f + '=' + v for f, v in e['vals'])})"]
        else:
            lines += [f"    {ctx_key(tool, cmd)})", f"      _okstra_subs={sq(' '.join(e['subs']))}",
                      f"      _okstra_opts={sq(' '.join(o for o, _ in e['opts']))}",
                      f"      _okstra_vals={sq(' '.join(f + '=' + v for f, v in e['vals']))}"]
        lines.append(f"      _okstra_pos={sq(e['pos'])} ;;")
    return lines


def bash_completion(programs):
    names = sorted(p["program"] for p in programs)
    return "\n".join([HEADER.format(what="bash completion"), BASH_HEAD.rstrip("\n")] + table_lines(programs, False)
                     + [BASH_TAIL, "complete -F _okstra " + " ".join(names)]) + "\n"


def zsh_completion(programs):
    names = sorted(p["program"] for p in programs)
    described = " ".join(sq(n + ":" + s.replace(":", "\\:")) for n, s in summaries(programs))
    return "\n".join(["#compdef " + " ".join(names), HEADER.format(what="zsh completion"), ZSH_HEAD.rstrip("\n")]
                     + table_lines(programs, True) + [ZSH_TAIL.replace("@DESCRIBED@", described)])


# ---- main ------------------------------------------------------------------------------


def write(path, text, encoding="utf-8"):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding=encoding, newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    ap = argparse.ArgumentParser(prog=ME, description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("man", help="the man page of each program")
    m.add_argument("--version", required=True)
    m.add_argument("--template-dir", required=True)
    m.add_argument("--output-dir", required=True)
    m.add_argument("programs", nargs="+")
    c = sub.add_parser("completion", help="the bash and zsh completion")
    c.add_argument("--bash", required=True)
    c.add_argument("--zsh", required=True)
    c.add_argument("programs", nargs="+")
    args = ap.parse_args(argv)
    try:
        if args.what == "man":
            for program in args.programs:
                name = os.path.basename(program)
                template_path = os.path.join(args.template_dir, name + ".1.in")
                with open(template_path, encoding="ascii") as f:
                    template = f.read()
                try:
                    page = render_page(template, describe(program), args.version)
                except Failure as e:
                    raise Failure(f"{template_path}: {e}")
                write(os.path.join(args.output_dir, name + ".1"), page, "ascii")
        else:
            programs = [describe(p) for p in args.programs]
            write(args.bash, bash_completion(programs))
            write(args.zsh, zsh_completion(programs))
    except (Failure, OSError, UnicodeError) as e:
        print(f"{ME}: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
