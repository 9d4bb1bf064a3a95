#!/usr/bin/env python3
"""The forecast from the last census in each folder (January 2023) scored against the two
years after it, which the census file does not hold: the pupils on roll (May) of the DfE's
school places scorecards for 2023/24 and 2024/25 (`school_capacity_la.csv`). No backtest saw
these years, so this is the one check of placeplan on outcomes it has never seen.

The scorecards count mainstream pupils in SCAP's phases, not the census's: their 2022/23
level differs from the census's by a fairly steady factor (primary, Reception to Year 6, a
median -0.7% in England and -1.7% in London, half the LAs within a point of that;
secondary, Year 7 to 11, +1.4% and +0.4%, less steady). So each LA's outcome is its census
count in 2022/23 times the scorecard's growth from 2022/23 (per phase: the census's
Reception to Year 6, or Year 7 to 11, summed from `forecast`), and the error is the
forecast's against it. The bands of `sufficiency
--intervals` are for the census's phase totals, Reception to Year 6 for primary but Year 7
to 13 for secondary, so coverage, and the median width of the 80% bands as % of the
forecast, are given for primary only.

One origin: every LA shares its shocks, so a cell here is one event, not a rate (the
backtests' standard errors with the origins as clusters are 2-13 points a cell).
Run from the project after `make build`: python3 scripts/scorecard_check.py [FOLDER ...]"""
import collections
import csv
import decimal
import glob
import os
import statistics
import subprocess
import sys

BIN = ".build/release/placeplan"
FOLDERS = sys.argv[1:] or ["../shared/data/london", "../shared/data/england"]
METHODS = ["auto", "mean1", "mean3"]
PHASES = {"primary": ["R"] + [f"Y{i}" for i in range(1, 7)], "secondary": [f"Y{i}" for i in range(7, 12)]}


def rounded(x, places=2):
    """x to `places` decimals, halves away from zero, as placeplan prints."""
    return str(decimal.Decimal(repr(x)).quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP))


def run(arguments):
    done = subprocess.run([BIN, *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"placeplan {' '.join(arguments)}: {done.stderr.strip()}")
    return list(csv.DictReader(done.stdout.splitlines()))


def scorecards(folder):
    """{(LA number, year, phase): pupils on roll}, published values only."""
    out = {}
    for r in csv.DictReader(open(os.path.join(folder, "school_capacity_la.csv"))):
        for phase in PHASES:
            value = r[f"{phase}_pupils_on_roll"].strip()
            if value not in ("", "x", "z", "c"):
                out[(r["old_la_code"], r["year"], phase)] = float(value)
    return out


def main():
    print("| Folder | Phase | h | LAs | auto | mean1 | mean3 | auto's median error | 80% cover | 95% cover | 80% width |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for folder in FOLDERS:
        card = scorecards(folder)
        totals = {}
        for method in METHODS:
            t = collections.defaultdict(float)
            for r in run(["forecast", "--data", folder, "--method", method, "--years", "2", "--format", "csv"]):
                for phase, groups in PHASES.items():
                    if r["year_group"] in groups:
                        t[(r["area"], r["year"], phase)] += float(r["pupils"])
            totals[method] = t
        bands = {(r["area"], r["year"]): r for r in run(["sufficiency", "--data", folder, "--intervals", "--phase", "primary", "--years", "2", "--format", "csv"])}
        name = os.path.basename(os.path.normpath(folder))
        census = sorted({y for (_, y, _) in totals["auto"]})[0]
        for phase in PHASES:
            for h, year in enumerate(sorted({y for (_, y, _) in totals["auto"]})[1:], start=1):
                errors = {m: [] for m in METHODS}
                inside, banded, widths = [0, 0], 0, []
                areas = sorted({a for (a, y, p) in totals["auto"] if y == year and p == phase})
                counted = 0
                for area in areas:
                    la = area.split()[0]
                    base, now = card.get((la, census, phase)), card.get((la, year, phase))
                    start = totals["auto"].get((area, census, phase), 0)
                    if not base or now is None or start <= 0:
                        continue
                    actual = start * now / base
                    counted += 1
                    for m in METHODS:
                        errors[m].append((totals[m][(area, year, phase)] - actual) / actual * 100)
                    if phase == "primary" and (area, year) in bands:
                        b = bands[(area, year)]
                        banded += 1
                        widths.append((float(b["p90"]) - float(b["p10"])) / float(b["pupils"]) * 100)
                        # The bands' phase total is the census's primary, as summed here.
                        actual_total = float(bands[(area, census)]["pupils"]) * now / base
                        inside[0] += float(b["p10"]) <= actual_total <= float(b["p90"])
                        inside[1] += float(b["p2_5"]) <= actual_total <= float(b["p97_5"])
                if not counted:
                    continue
                mape = [rounded(statistics.median(abs(e) for e in errors[m])) for m in METHODS]
                cover = [rounded(100 * k / banded, 1) for k in inside] + [rounded(statistics.median(widths), 1)] if banded else ["-", "-", "-"]
                lacking = f" ({banded} with places)" if banded and banded < counted else ""
                print(f"| {name} | {phase} | {h} | {counted}{lacking} | {' | '.join(mape)} | {rounded(statistics.median(errors['auto']))}% | {' | '.join(cover)} |")


if __name__ == "__main__":
    main()
