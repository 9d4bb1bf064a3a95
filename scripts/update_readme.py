#!/usr/bin/env python3
"""Regenerates the example output in README.md and docs/*.md from the commands that produce it.

Each example block in README.md is preceded by a marker line

    <!-- output: SHELL COMMAND -->

and the fenced block after it is replaced by the command's output. A Markdown table is
preceded instead by

    <!-- table: SHELL COMMAND -->

and its rows (the lines starting with `|`) are replaced by the command's output, so that
the figures quoted as tables cannot drift from what the commands print. `placeplan` in the
command means the release binary. Run from the repository root after `make build`:

    python3 scripts/update_readme.py
"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BINARY = os.path.join(ROOT, ".build", "release", "placeplan")
MARKER = re.compile(r"^<!-- output: (.*) -->$")
TABLE = re.compile(r"^<!-- table: (.*) -->$")


def run(command):
    env = dict(os.environ, NO_COLOR="1", PATH=os.path.dirname(BINARY) + os.pathsep + os.environ["PATH"])
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True)
    return (done.stdout + done.stderr).rstrip("\n")


def main():
    if not os.path.exists(BINARY):
        sys.exit("build the release binary first: make build")
    total = 0
    for name in ["README.md"] + sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md")):
        total += refresh(os.path.join(ROOT, name))
    print(f"refreshed {total} example blocks and tables in README.md and docs/")


def refresh(path):
    """Refreshes the marked blocks of one Markdown file; returns how many."""
    lines = open(path).read().split("\n")
    out, i, count = [], 0, 0
    while i < len(lines):
        out.append(lines[i])
        m = MARKER.match(lines[i])
        if m and i + 1 < len(lines) and lines[i + 1].startswith("```"):
            fence = lines[i + 1]
            end = i + 2
            while not lines[end].startswith("```"):
                end += 1
            out.append(fence)
            out.extend(run(m.group(1)).split("\n"))
            out.append(lines[end])
            i = end + 1
            count += 1
            continue
        t = TABLE.match(lines[i])
        if t and i + 1 < len(lines) and lines[i + 1].startswith("|"):
            rows = run(t.group(1)).split("\n")
            if not rows or not all(r.startswith("|") for r in rows):
                sys.exit(f"table command printed something other than table rows: {t.group(1)}")
            out.extend(rows)
            i += 1
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
            count += 1
            continue
        i += 1
    open(path, "w").write("\n".join(out))
    return count


if __name__ == "__main__":
    main()
