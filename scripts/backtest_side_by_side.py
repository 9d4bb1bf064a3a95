#!/usr/bin/env python3
"""The mainstream backtest on London and on the other English LAs, side by side (the README's
accuracy and calibration table): per phase and horizon, the median absolute % error of LA
phase totals for auto, mean1 and mean3, and the coverage of auto's 80% and 95% intervals,
read from the tables of `placeplan backtest --draws 1000 --format markdown` on each folder, so
that every figure is the one placeplan prints (not re-rounded). A cell outside the
target (auto more than 2% above the better baseline; coverage outside 75-85 or 92-97) is
marked *. Run from the project: python3 scripts/backtest_side_by_side.py"""
import subprocess
import sys

BIN = ".build/release/placeplan"
FOLDERS = sys.argv[1:] or ["../shared/data/london", "../shared/data/england"]
NAMES = {"../shared/data/london": "London", "../shared/data/england": "England"}


def run(folder):
    text = subprocess.run([BIN, "backtest", "--data", folder, "--draws", "1000", "--format", "markdown"],
                          check=True, capture_output=True, text=True).stdout
    errors, cover, section = {}, {}, None
    for line in text.split("\n"):
        if line.startswith("### "):
            section = line
            continue
        if not line.startswith("| ") or line.startswith("| Phase"):
            continue
        cell = [c.strip() for c in line.strip("|").split("|")]
        if section.startswith("### Accuracy by horizon"):
            # | Phase | h | n | auto | mean1 | mean3 | ...
            for method, value in zip(("auto", "mean1", "mean3"), cell[3:6]):
                errors[(method, cell[0], int(cell[1]))] = float(value)
        elif section.startswith("### Prediction intervals"):
            # | Phase | h | n | origins | 80% cover | ± se | 80% width | 95% cover | ...
            cover[(cell[0], int(cell[1]))] = {"coverage80": float(cell[4]), "coverage95": float(cell[7])}
    return errors, cover


def cells(errors, cover, phase, h):
    auto, m1, m3 = (errors[(m, phase, h)] for m in ("auto", "mean1", "mean3"))
    c = cover[(phase, h)]
    mark = lambda bad: "*" if bad else ""
    return [f"{auto:.2f}{mark(auto > 1.02 * min(m1, m3))}", f"{m1:.2f}", f"{m3:.2f}",
            f"{c['coverage80']:.1f}{mark(not 75 <= c['coverage80'] <= 85)}",
            f"{c['coverage95']:.1f}{mark(not 92 <= c['coverage95'] <= 97)}"]


results = [run(f) for f in FOLDERS]
head = ["auto", "mean1", "mean3", "80%", "95%"]
print("| Phase | h | " + " | ".join(f"{NAMES.get(f, f)} {c}" for f in FOLDERS for c in head) + " |")
print("|---|---:|" + "---:|" * (len(head) * len(FOLDERS)))
for phase in ("primary", "secondary"):
    for h in range(1, 6):
        row = [phase, str(h)] + [x for errors, cover in results for x in cells(errors, cover, phase, h)]
        print("| " + " | ".join(row) + " |")
