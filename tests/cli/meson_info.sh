# tests/cli/meson_info.sh — what Meson knows about the build under test, for the
# tests of the installed tree (man_pages.sh, install.sh). Sourced after lib.sh,
# with $bld set to the build folder. Exits 77 (skip) when meson is not on PATH.
# It gives:
#   meson_version          the project version (meson introspect --projectinfo)
#   meson_dir NAME         an install folder (prefix, bindir, mandir, datadir,
#                          includedir, libdir), absolute: the prefix joined
#                          with the option's value
#   installed_files        every installed path, one a line, sorted
#   installed_programs     the names of the installed files in bindir, sorted
# shellcheck shell=sh disable=SC2034,SC2154  # sourced: $work and $bld come from the test
command -v meson >/dev/null 2>&1 || { echo "skip: meson is not on PATH"; exit 77; }
meson introspect "$bld" --buildoptions >"$work/meson-options.json"
meson introspect "$bld" --installed >"$work/meson-installed.json"
meson introspect "$bld" --projectinfo >"$work/meson-project.json"
meson_version=$(json_field "$work/meson-project.json" 'd["version"]')
meson_dir() {
  "$python" - "$work/meson-options.json" "$1" <<'PY'
import json, os, sys
options = {o["name"]: o["value"] for o in json.load(open(sys.argv[1]))}
name = sys.argv[2]
print(options["prefix"] if name == "prefix" else os.path.join(options["prefix"], options[name]))
PY
}
installed_files() {
  "$python" -c 'import json, sys; print("\n".join(sorted(json.load(open(sys.argv[1])).values())))' \
    "$work/meson-installed.json"
}
installed_programs() {
  "$python" - "$work/meson-installed.json" "$(meson_dir bindir)" <<'PY'
import json, os, sys
bindir = sys.argv[2]
paths = json.load(open(sys.argv[1])).values()
print("\n".join(sorted(os.path.basename(p) for p in paths if os.path.dirname(p) == bindir)))
PY
}
