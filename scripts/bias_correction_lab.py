#!/usr/bin/env python3
"""What moving the point forecast to the bands' centre would do to accuracy (a research aid).

The draws centre on forecast / e^mu(h), mu(h) the phase bias the inner backtest measured at
the origin, as far as it has persisted (kappa times the bias since December 2026; `--centre
full` in calibration_lab.py for the whole bias; docs/uncertainty.md). This script asks whether the point forecast should move
there too: from one `placeplan backtest --min-history 3` records file per data set (every
inner backtest is part of it), it rebuilds mu at each origin with scripts/calibration_lab.py's
replica of ErrorScale and scores the corrected forecasts forecast / e^(k mu(h)) by DfE's
median absolute % error of LA phase totals, k chosen per origin and phase by a rule:

    none        k = 0 (today's point forecast)
    always      k = 1
    validated   k in {0, 1/2, 1} with the least squared error over the inner origins, each
                corrected by the bias measured before it, needing at least --min-origins inner
                origins, most of them helped (else 0)

    make build
    python3 scripts/bias_correction_lab.py                          # all three rules, both folders
    python3 scripts/bias_correction_lab.py --rule validated --each-la   # each LA alone

docs/accuracy-tried.md records what it gave.
"""
import argparse
import collections
import csv
import glob
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import calibration_lab as C  # noqa: E402

SHARED = os.path.abspath(os.path.join(C.ROOT, "..", "shared", "data"))
KS = (0.0, 0.5, 1.0)


def inner_records(folder, extra=()):
    inner = []
    for r in C.records(os.path.join(SHARED, folder), ["--min-history", "3", *extra]):
        f, a = float(r["forecast"]), float(r["actual"])
        if f > 0 and a > 0:
            inner.append({"o": int(r["origin"][:4]), "h": int(r["horizon"]), "area": r["area"], "p": r["phase"], "l": math.log(f / a), "actual": a})
    index = {a: i for i, a in enumerate(sorted({r["area"] for r in inner}))}
    for r in inner:
        r["a"] = index[r["area"]]
    return inner, len(index)


def corrected_errors(inner, areas, rule, min_origins, out):
    """Appends to out[(phase, h)] the absolute % errors of the corrected forecasts from every
    outer origin (those with four censuses), actuals of 100 or more as the backtest counts."""
    if not inner:
        return
    variant = C.Variant()
    first = min(r["o"] for r in inner)
    last = max(r["o"] + r["h"] for r in inner)
    for p in ("primary", "secondary"):
        own = [r for r in inner if r["p"] == p]
        mu = {}
        for o in range(first + 1, last + 1):
            known = [r for r in own if r["o"] < o and r["o"] + r["h"] <= o]
            mu[o] = C.Scale(known, areas, variant).location if known else (lambda h: 0.0)
        for origin in range(first + 1, last):
            k = 0.0
            if rule == "always":
                k = 1.0
            elif rule == "validated":
                per = collections.defaultdict(lambda: collections.defaultdict(float))
                for r in own:
                    if first < r["o"] < origin and r["o"] + r["h"] <= origin:
                        m = mu[r["o"]](r["h"])
                        for c in KS:
                            per[r["o"]][c] += (r["l"] - c * m) ** 2
                if len(per) >= min_origins:
                    total = {c: sum(d[c] for d in per.values()) for c in KS}
                    best = min(KS, key=lambda c: (total[c], c))
                    if best > 0 and 2 * sum(d[best] < d[0.0] for d in per.values()) > len(per):
                        k = best
            for r in own:
                if r["o"] == origin and r["actual"] >= 100:
                    out[(p, r["h"])].append(100 * abs(math.exp(r["l"] - k * mu[origin](r["h"])) - 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rule", choices=["none", "always", "validated"], action="append")
    parser.add_argument("--min-origins", type=int, default=2, help="validated: the inner origins needed (default 2)")
    parser.add_argument("--each-la", action="store_true", help="each LA alone as its data set, errors pooled over LAs")
    args = parser.parse_args()
    if not os.path.exists(C.BINARY):
        sys.exit("build placeplan first: make build")
    for folder in ("london", "england"):
        if args.each_la:
            census = glob.glob(os.path.join(SHARED, folder, "pupils_by_ncy_la*.csv"))[0]
            last = max(r["time_period"] for r in csv.DictReader(open(census)))
            las = sorted({r["old_la_code"] for r in csv.DictReader(open(census)) if r["time_period"] == last})
            sets = [inner_records(folder, ["--la", la]) for la in las]
        else:
            sets = [inner_records(folder)]
        for rule in args.rule or ["none", "always", "validated"]:
            out = collections.defaultdict(list)
            for inner, areas in sets:
                corrected_errors(inner, areas, rule, args.min_origins, out)
            cells = {p: [statistics.median(out[(p, h)]) for h in range(1, 6)] for p in ("primary", "secondary")}
            print(f"{folder}{' (each LA alone)' if args.each_la else ''}, {rule}: "
                  + "  ".join(f"{p} " + " ".join(f"{x:.2f}" for x in cells[p]) + f" (mean {sum(cells[p]) / 5:.3f})" for p in cells))


if __name__ == "__main__":
    main()
