#!/usr/bin/env python3
"""Compiles every public header alone, header-only and in compiled mode.

usage: check_headers.py SOURCE_INCLUDE BUILD_INCLUDE -- COMPILER... [FLAGS...]

Each include/okstra/<module>/*.hpp (detail/ excluded) must compile as the only
line of a translation unit twice: as is (header-only: it pulls its own
definitions) and after `#define OKSTRA_COMPILED_LIB` (declarations only, what
the tools see; docs/architecture.md, "Header-only or compiled"). Only the
front end runs (-fsyntax-only), on all cores. Exit 0 when every one compiles,
1 otherwise, naming each header and mode that failed with the compiler's output.
"""
import concurrent.futures
import os
import pathlib
import subprocess
import sys


def main():
    if "--" not in sys.argv or sys.argv.index("--") != 3:
        sys.exit(__doc__.split("\n\n")[1])
    source_include, build_include = sys.argv[1], sys.argv[2]
    compiler = sys.argv[4:]
    root = pathlib.Path(source_include) / "okstra"
    headers = sorted(str(p.relative_to(source_include)) for p in root.glob("*/*.hpp"))
    if not headers:
        sys.exit("check_headers: no header under %s" % root)
    jobs = [(h, mode) for h in headers for mode in ("header-only", "compiled")]

    def compile_one(job):
        header, mode = job
        text = ("#define OKSTRA_COMPILED_LIB\n" if mode == "compiled" else "") + '#include "%s"\n' % header
        cmd = compiler + ["-std=c++20", "-fsyntax-only", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                          "-I" + source_include, "-I" + build_include, "-x", "c++", "-"]
        r = subprocess.run(cmd, input=text, capture_output=True, text=True)
        return header, mode, r.returncode, r.stderr

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for header, mode, code, err in pool.map(compile_one, jobs):
            if code != 0:
                failed += 1
                print("FAIL %s (%s)\n%s" % (header, mode, err))
    print("%d of %d header compilations passed" % (len(jobs) - failed, len(jobs)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
