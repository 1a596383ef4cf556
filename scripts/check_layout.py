#!/usr/bin/env python3
"""The layout rules of DESIGN.md §2 and the size rules of the README, checked.

1. Every #include of a project header follows the dependency direction.
2. No source file (tests included) is over 600 lines.
3. No C++ function outside tests/ and bench/ is over 60 lines.

Prints each violation as FILE:LINE: reason and exits 1 when there is one.
Run from anywhere: scripts/check_layout.py [REPO]
"""

import os
import re
import sys

# A -> the modules A may include (besides itself). tests/ and bench/ may
# include anything; no module may include tests/ or bench/.
ALLOWED = {
    "core": set(),
    "telemetry": {"core"},
    "ingest": {"telemetry", "core"},
    "sinks": {"telemetry", "core"},
    "rules": {"telemetry", "core"},
    "correlator": {"telemetry", "core"},
    "config": {"sinks", "correlator", "rules", "ingest", "telemetry", "core"},
    "api": {"config", "sinks", "correlator", "rules", "ingest", "telemetry", "core"},
    "daemon": {"api", "config", "sinks", "correlator", "rules", "ingest", "telemetry", "core"},
}
PROJECT = set(ALLOWED) | {"tests", "bench"}
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60
SOURCE = (".cc", ".h", ".py", ".sh")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/')
# A line that opens a scope that is not a function body.
NOT_A_FUNCTION = re.compile(r"^\s*(namespace|class|struct|enum|union|extern)\b|=\s*\{$|^\s*\{$")


def sources(repo):
    skip = {".git", "node_modules"}
    for top in sorted(os.listdir(repo)):
        path = os.path.join(repo, top)
        if top in skip or top.startswith("build") or not os.path.isdir(path):
            continue
        for dirpath, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if d not in skip]
            for name in sorted(files):
                if name.endswith(SOURCE):
                    yield top, os.path.join(dirpath, name)


def strip_code(line, in_comment):
    """The line without comments, strings and char literals; and whether a
    block comment is still open at its end."""
    out, i = [], 0
    while i < len(line):
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            in_comment, i = False, end + 2
        elif line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            in_comment, i = True, i + 2
        elif line[i] in "\"'":
            quote, i = line[i], i + 1
            while i < len(line) and line[i] != quote:
                i += 2 if line[i] == "\\" else 1
            i += 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), in_comment


def long_functions(lines):
    """(line, length) of each function body over the limit. A body is a
    brace at depth 0 (namespaces do not count) or directly inside a class."""
    found, stack, in_comment = [], [], False
    for number, raw in enumerate(lines, 1):
        code, in_comment = strip_code(raw.rstrip("\n"), in_comment)
        if code.lstrip().startswith("#"):
            continue
        for ch in code:
            if ch == "{":
                bodies = [k for k in stack if k[0] == "body"]
                scope = "scope" if NOT_A_FUNCTION.search(code) else "body"
                kind = "inner" if bodies else scope
                stack.append((kind, number))
            elif ch == "}" and stack:
                kind, start = stack.pop()
                if kind == "body" and number - start + 1 > MAX_FUNCTION_LINES:
                    found.append((start, number - start + 1))
    return found


def check(repo):
    problems = []
    for top, path in sources(repo):
        rel = os.path.relpath(path, repo)
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
        if len(lines) > MAX_FILE_LINES:
            problems.append(f"{rel}:1: {len(lines)} lines, over {MAX_FILE_LINES}")
        if not rel.endswith((".cc", ".h")):
            continue
        if top in ALLOWED:
            for number, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if m and m.group(1) in PROJECT and m.group(1) != top \
                        and m.group(1) not in ALLOWED[top]:
                    problems.append(f"{rel}:{number}: {top}/ may not include {m.group(1)}/"
                                    " (DESIGN.md §2)")
        if top not in ("tests", "bench"):
            for start, length in long_functions(lines):
                problems.append(f"{rel}:{start}: function of {length} lines,"
                                f" over {MAX_FUNCTION_LINES}")
    return problems


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = check(os.path.abspath(repo))
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} layout problems", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
