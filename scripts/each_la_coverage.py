#!/usr/bin/env python3
"""Interval coverage of every LA run alone, as an officer runs one authority: for each LA of
each folder, `placeplan backtest --data FOLDER --la LA --draws 1000 --records FILE`, and the
share of actuals inside the 80% and 95% intervals pooled over the LAs, by phase and horizon
(docs/uncertainty.md). With --la, the bands learn from the inner backtests of every LA in the
file while the forecast is the LA's own; before December 2026 they learnt from the LA alone.
With --accuracy instead: the median absolute % error of auto's phase totals for every LA run
alone beside the same forecasts in the folder's own backtest (since December 2026 `auto`
chooses its estimators on the whole file with --la, so the two agree).
Run from the project after `make build`: python3 scripts/each_la_coverage.py [--accuracy] [FOLDER ...]"""
import collections
import csv
import decimal
import glob
import os
import statistics
import subprocess
import sys
import tempfile

BIN = ".build/release/placeplan"
ACCURACY = "--accuracy" in sys.argv[1:]
FOLDERS = [a for a in sys.argv[1:] if a != "--accuracy"] or ["../shared/data/london", "../shared/data/england"]


def percent(k, n):
    """100 k / n to one decimal, halves rounded away from zero as placeplan prints them (81.25
    is 81.3, not Python's 81.2), so that the same coverage reads the same here and there."""
    share = decimal.Decimal(100 * k) / decimal.Decimal(n)
    return str(share.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP))


def authorities(folder):
    """The LA numbers with a row in the last census."""
    census = glob.glob(os.path.join(folder, "pupils_by_ncy_la*.csv"))[0]
    rows = list(csv.DictReader(open(census)))
    last = max(r["time_period"] for r in rows)
    return sorted({r["old_la_code"] for r in rows if r["time_period"] == last})


def records(arguments):
    """The backtest's records (auto and baselines), or [] with the error on stderr."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "records.csv")
        done = subprocess.run([BIN, "backtest", *arguments, "--records", path], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{' '.join(arguments)}: {done.stderr.strip().splitlines()[0]}", file=sys.stderr)
            return []
        return list(csv.DictReader(open(path)))


def absolute_errors(rows):
    """{(phase, horizon): {(origin, area): |error| %}} of auto's forecasts."""
    cells = collections.defaultdict(dict)
    for r in rows:
        if r["method"] == "auto":
            a = float(r["actual"])
            cells[(r["phase"], int(r["horizon"]))][(r["origin"], r["area"])] = abs(float(r["forecast"]) - a) / a * 100
    return cells


if ACCURACY:
    print("| Folder | Phase | h | n | each LA alone | the folder |")
    print("|---|---|---:|---:|---:|---:|")
    for folder in FOLDERS:
        whole = absolute_errors(records(["--data", folder]))
        alone = collections.defaultdict(dict)
        for la in authorities(folder):
            for key, errors in absolute_errors(records(["--data", folder, "--la", la])).items():
                alone[key].update(errors)
        name = os.path.basename(os.path.normpath(folder))
        for key in sorted(whole):
            common = sorted(set(whole[key]) & set(alone[key]))
            print(f"| {name} | {key[0]} | {key[1]} | {len(common)} | {statistics.median(alone[key][c] for c in common):.2f}"
                  f" | {statistics.median(whole[key][c] for c in common):.2f} |")
    sys.exit(0)

print("| Folder | Phase | h | LAs | n | 80% cover | 95% cover |")
print("|---|---|---:|---:|---:|---:|---:|")
for folder in FOLDERS:
    cells = collections.defaultdict(lambda: [set(), 0, 0, 0])
    for la in authorities(folder):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "records.csv")
            done = subprocess.run([BIN, "backtest", "--data", folder, "--la", la, "--draws", "1000", "--records", path],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{folder} {la}: {done.stderr.strip().splitlines()[0]}", file=sys.stderr)
                continue
            for r in csv.DictReader(open(path)):
                if r["method"] != "auto" or not r["p10"]:
                    continue
                a = float(r["actual"])
                c = cells[(r["phase"], int(r["horizon"]))]
                c[0].add(la)
                c[1] += 1
                c[2] += float(r["p10"]) <= a <= float(r["p90"])
                c[3] += float(r["p2_5"]) <= a <= float(r["p97_5"])
    name = os.path.basename(os.path.normpath(folder))
    for (phase, h), (las, n, in80, in95) in sorted(cells.items()):
        print(f"| {name} | {phase} | {h} | {len(las)} | {n} | {percent(in80, n)} | {percent(in95, n)} |")
