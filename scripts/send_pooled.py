#!/usr/bin/env python3
"""The SEND backtest pooled over London and the other English LAs (the SEND target of
docs/send.md): MAPE and median bias of Y1-Y11 plans by horizon for every method, and the
coverage of the model's 80% and 95% intervals, from `placeplan send --backtest --draws 1000
--format json` on each folder. Run from the project: python3 scripts/send_pooled.py
With --by-origin: the model's median bias by origin and horizon, on each folder, instead.
With --momentum: the three-January log-linear growth of EHC plans (all ages) for England and
summed over each folder's LAs, from the age-band files, at each January."""
import csv, glob, json, math, statistics, subprocess, sys

BIN = ".build/release/placeplan"
BY_ORIGIN = "--by-origin" in sys.argv
FOLDERS = [a for a in sys.argv[1:] if not a.startswith("--")] or ["../shared/data/london", "../shared/data/england"]

if "--momentum" in sys.argv:
    def growth(plans, january):
        points = [(y, math.log(plans[y])) for y in (january - 2, january - 1, january) if plans.get(y, 0) > 0]
        if len(points) < 3:
            return ""
        mx, my = sum(p[0] for p in points) / 3, sum(p[1] for p in points) / 3
        slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
        return f"{100 * (math.exp(slope) - 1):+.1f}%"
    national, pooled = {}, {}
    for folder in FOLDERS:
        pooled[folder] = {}
        for row in csv.DictReader(open(glob.glob(f"{folder}/ehcp_by_age_band_*.csv")[0])):
            if row["characteristic_age"] != "Total" or not row["Total_all"].isdigit():
                continue
            january, plans = int(row["time_period"]), float(row["Total_all"])
            if row["geographic_level"] == "National":
                national[january] = plans
            elif row["geographic_level"] == "Local authority":
                pooled[folder][january] = pooled[folder].get(january, 0) + plans
    names = [f.rstrip("/").split("/")[-1] for f in FOLDERS]
    print("| January | England | " + " | ".join(f"{n} LAs" for n in names) + " |")
    print("|---:|---:|" + "---:|" * len(names))
    for january in sorted(national)[2:]:
        print(f"| {january} | {growth(national, january)} | " + " | ".join(growth(pooled[f], january) for f in FOLDERS) + " |")
    sys.exit(0)
records, coverage = [], {}
for folder in FOLDERS:
    doc = json.loads(subprocess.run(
        [BIN, "send", "--backtest", "--data", folder, "--draws", "1000", "--format", "json"],
        check=True, capture_output=True, text=True).stdout)
    records += [dict(r, folder=folder) for r in doc["records"] if r["band"] == "Age 5 to 15"]
    for c in doc["coverage"]:
        coverage.setdefault(c["horizon"], []).append(c)

if BY_ORIGIN:
    model = records[0]["method"]
    horizons = sorted({r["horizon"] for r in records})
    print(f"Median bias of Y1-Y11 plans over the LAs, by origin (January) and horizon: {model}")
    print("| Folder | Origin | " + " | ".join(f"h{h}" for h in horizons) + " |")
    print("|---|---:|" + "---:|" * len(horizons))
    for folder in FOLDERS:
        mine = [r for r in records if r["folder"] == folder and r["method"] == model]
        for origin in sorted({r["origin"] for r in mine}):
            cells = []
            for h in horizons:
                e = [r["forecast"] / r["actual"] - 1 for r in mine if r["origin"] == origin and r["horizon"] == h]
                cells.append(f"{100 * statistics.median(e):+.1f}%" if e else "")
            print(f"| {folder.rstrip('/').split('/')[-1]} | {origin} | " + " | ".join(cells) + " |")
    sys.exit(0)

horizons = sorted({r["horizon"] for r in records})
print(f"SEND backtest pooled over {', '.join(FOLDERS)}: Y1-Y11 plans, rolling origins")
print("| Method | " + " | ".join(f"h{h} MAPE" for h in horizons) + " | h5 median bias |")
print("|---|" + "---:|" * (len(horizons) + 1))
for method in dict.fromkeys(r["method"] for r in records):
    cells = []
    for h in horizons:
        e = [abs(r["forecast"] / r["actual"] - 1) for r in records if r["method"] == method and r["horizon"] == h]
        cells.append(f"{100 * sum(e) / len(e):.1f}")
    bias = [r["forecast"] / r["actual"] - 1 for r in records if r["method"] == method and r["horizon"] == horizons[-1]]
    print(f"| {method} | " + " | ".join(cells) + f" | {100 * statistics.median(bias):+.1f}% |")
print()
print("| Horizon | n | 80% cover | 95% cover |")
print("|---:|---:|---:|---:|")
for h, cs in sorted(coverage.items()):
    n = sum(c["count"] for c in cs)
    c80 = sum(c["coverage80"] * c["count"] for c in cs) / n
    c95 = sum(c["coverage95"] * c["count"] for c in cs) / n
    print(f"| {h} | {n} | {c80:.1f}% | {c95:.1f}% |")
