#!/usr/bin/env python3
"""Generate placeplan's ILLUSTRATIVE demo authority in data/.

The demo authority is Barnet-like, not Barnet: planning areas are named after Barnet
localities and phase totals are scaled to Barnet's published totals (January 2020: primary
31,460, secondary 22,927; January 2021: primary 30,826, secondary 23,868), but every
school, roll, place and birth here is invented. Nothing in data/ is real data.

Deterministic: the same seed gives byte-identical files.

    python3 scripts/generate_demo_data.py            # writes data/
    python3 scripts/generate_demo_data.py --seed 7   # another draw
    python3 scripts/generate_demo_data.py --authorities 154 --out .build/england   # national scale, 2,310 areas (not committed)
"""
import argparse
import csv
import os
import random

LA = "DEMO"
FIRST_YEAR, LAST_YEAR = 2016, 2025          # academic years 2016/17 .. 2025/26 (10 censuses)
TARGETS = {2019: (31460, 22927), 2020: (30826, 23868)}   # (primary, secondary) totals

# Primary planning areas: id, name, share of the authority's births in 2016, annual drift
# of that share (regeneration areas grow), cohort progression ratio, surplus aimed for.
PRIMARY = [
    ("P01", "Chipping Barnet & Totteridge", 0.105, -0.0015, 0.990, 0.15),
    ("P02", "East Barnet & Oakleigh", 0.090, -0.0005, 0.993, 0.09),
    ("P03", "Friern Barnet & Whetstone", 0.085, 0.0000, 0.995, 0.06),
    ("P04", "Edgware & Burnt Oak", 0.115, 0.0005, 0.992, 0.035),
    ("P05", "Mill Hill", 0.095, -0.0010, 0.996, 0.12),
    ("P06", "Colindale & Grahame Park", 0.110, 0.0030, 1.008, 0.02),
    ("P07", "Hendon & West Hendon", 0.100, 0.0005, 0.994, 0.055),
    ("P08", "Finchley", 0.120, -0.0010, 0.992, 0.08),
    ("P09", "Golders Green & Childs Hill", 0.095, -0.0010, 0.985, 0.13),
    ("P10", "Cricklewood & Brent Cross", 0.085, 0.0025, 1.004, 0.025),
]
# Secondary planning areas: id, name, feeder shares {primary area: share of its Year 6},
# Year 7 ratio on that feed (pupils from outside the authority make it above 1), surplus aimed for.
SECONDARY = [
    ("S1", "North (Chipping Barnet, East Barnet, Whetstone)", {"P01": 0.78, "P02": 0.72, "P03": 0.35}, 1.06, 0.07),
    ("S2", "West (Edgware, Mill Hill)", {"P04": 0.70, "P05": 0.74, "P06": 0.15}, 1.03, 0.02),
    ("S3", "South-West (Colindale, Hendon, Cricklewood)", {"P06": 0.62, "P07": 0.65, "P10": 0.55}, 0.98, -0.01),
    ("S4", "Central (Finchley)", {"P03": 0.45, "P08": 0.76, "P07": 0.12, "P02": 0.10}, 1.10, 0.045),
    ("S5", "South (Golders Green, Childs Hill)", {"P09": 0.70, "P10": 0.25, "P08": 0.08}, 1.02, 0.11),
]
SCHOOLS_PER_PRIMARY_AREA = [9, 9, 8, 10, 8, 10, 9, 10, 9, 8]   # 90 primary schools
SCHOOLS_PER_SECONDARY_AREA = [5, 5, 6, 5, 4]                  # 25 secondary schools
SUFFIXES = ["Park", "Road", "Green", "Hill", "Lane", "Grove", "Vale", "Wood", "Fields", "Brook", "Gate", "Common"]
FAITH = ["St Mary's CE", "St Joseph's RC", "Holy Trinity CE", "St John's CE", "Our Lady RC"]
SPECIAL = [  # id, name, area, first, last, designated places by need
    ("SP1", "Oak Meadow School", "P02", "R", "Y13", "ASD:70;SLCN:20;MLD:30"),
    ("SP2", "Elm Lodge School", "P08", "Y7", "Y13", "ASD:60;SEMH:50"),
    ("SP3", "Kingfisher School", "P06", "R", "Y6", "SLD:40;PMLD:20;PD:20"),
    ("SP4", "Northway Fields School", "P05", "R", "Y13", "MLD:50;SLD:40"),
    ("SP5", "Brook House School", "P09", "Y7", "Y13", "SEMH:60"),
    ("SP6", "Willow Bank School", "P04", "R", "Y6", "ASD:50;SLCN:20"),
]

# Pupils per dwelling when homes are established (primary, secondary), by type and bedrooms;
# affordable homes yield 1.5 times as many. Orders of magnitude from the primer: about
# 0.2-0.3 primary and 0.1-0.15 secondary pupils per family house; flats far fewer.
MATURE_YIELD = {
    ("house", 1): (0.05, 0.03), ("house", 2): (0.15, 0.07), ("house", 3): (0.28, 0.14), ("house", 4): (0.38, 0.20),
    ("flat", 1): (0.02, 0.01), ("flat", 2): (0.08, 0.04), ("flat", 3): (0.18, 0.09), ("flat", 4): (0.24, 0.12),
}
# Build-up by years since completion (0 = the completion year): young families move in
# first, so primary yield peaks early and secondary yield grows as the children age.
PRIMARY_BUILDUP = [0.40, 0.70, 0.90, 1.00, 1.05, 1.05, 1.00, 0.95, 0.90, 0.85]
SECONDARY_BUILDUP = [0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.90, 1.00, 1.00, 1.00]


def yield_rows():
    rows = []
    for (kind, beds), (p, s) in sorted(MATURE_YIELD.items()):
        for tenure, factor in (("market", 1.0), ("affordable", 1.5)):
            for since in range(len(PRIMARY_BUILDUP)):
                for g in range(14):
                    if g <= 6:
                        v = p * factor * PRIMARY_BUILDUP[since] / 7
                    elif g <= 11:
                        v = s * factor * SECONDARY_BUILDUP[since] * 0.85 / 5
                    else:
                        v = s * factor * SECONDARY_BUILDUP[since] * 0.15 / 2
                    rows.append((kind, beds, tenure, since, "R" if g == 0 else f"Y{g}", f"{v:.5f}"))
    return rows


def births_series(rng):
    """Illustrative mid-year births 1999..2025: rising to 2012, falling fast to 2015, then slowly."""
    out = {}
    for y in range(1999, 2026):
        if y <= 2012:
            base = 4200 + (y - 1999) * 110
        elif y <= 2015:
            base = 5630 - (y - 2012) * 165
        else:
            base = 5135 - (y - 2015) * 55
        out[y] = round(base * (1 + rng.gauss(0, 0.012)))
    return out


def largest_remainder(total, weights):
    """Split an integer total in proportion to weights, exactly."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    base = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - base[i], reverse=True)
    for i in order[: total - sum(base)]:
        base[i] += 1
    return base


def authority(rng, la, prefix):
    """One illustrative authority: its rows by file (ids prefixed by `prefix`, births keyed
    by `la`), and its pupils by year and NCY for the SEND files."""
    births = births_series(rng)
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))
    # Area shares of births by mid-year, drifting.
    def share(area, midyear):
        _, _, s0, drift, _, _ = area
        return s0 + drift * (midyear - 2012)

    # Primary: N(t, g, a). Reception from births four years earlier, then progression.
    rho = 0.80
    prim = {}  # (year, g, area_id) -> float
    noise = {}

    def ratio_noise(key):
        if key not in noise:
            noise[key] = rng.gauss(0, 0.006)
        return noise[key]

    def primary_count(t, g, area):
        entry = t - g
        midyear = entry - 4
        n = births[midyear] * share(area, midyear) * rho * (1 + ratio_noise(("R", entry, area[0])))
        for k in range(1, g + 1):
            n *= area[4] * (1 + ratio_noise(("P", entry + k, k, area[0])))
        return n

    # Secondary: Year 7 from the feeder areas' Year 6, then progression and staying on.
    def secondary_count(t, g, sec):
        entry7 = t - (g - 7)
        feed = sum(primary_count(entry7 - 1, 6, a) * sec[2].get(a[0], 0.0) for a in PRIMARY)
        n = feed * sec[3] * (1 + ratio_noise(("S7", entry7, sec[0])))
        for k in range(8, g + 1):
            r = 0.985 if k <= 11 else (0.72 if k == 12 else 0.93)
            n *= r * (1 + ratio_noise(("S", entry7 + k - 7, k, sec[0])))
        return n

    # Scale primary and secondary separately so that 2019/20 and 2020/21 meet the targets.
    def totals(t):
        p = sum(primary_count(t, g, a) for a in PRIMARY for g in range(0, 7))
        s = sum(secondary_count(t, g, sc) for sc in SECONDARY for g in range(7, 14))
        return p, s

    pscale = sum(TARGETS[t][0] for t in TARGETS) / sum(totals(t)[0] for t in TARGETS)
    sscale = sum(TARGETS[t][1] for t in TARGETS) / sum(totals(t)[1] for t in TARGETS)
    area_rolls = {}
    for t in years:
        for a in PRIMARY:
            for g in range(0, 7):
                area_rolls[(t, a[0], g)] = round(primary_count(t, g, a) * pscale)
        for sc in SECONDARY:
            for g in range(7, 14):
                area_rolls[(t, sc[0], g)] = round(secondary_count(t, g, sc) * sscale)

    # Schools: PANs sized to the area's recent entry cohort plus the surplus aimed for.
    schools = []
    school_rows = []
    used_names = set()
    for (area, n_schools) in zip(PRIMARY, SCHOOLS_PER_PRIMARY_AREA):
        recent = sum(area_rolls[(t, area[0], 0)] for t in (2023, 2024, 2025)) / 3
        target_pan = recent * (1 + area[5])
        weights = [rng.choice([1, 1.5, 2, 2, 2, 3]) for _ in range(n_schools)]
        pans = [max(15, int(round(target_pan * w / sum(weights) / 15.0)) * 15) for w in weights]
        for i, pan in enumerate(pans):
            locality = area[1].split(" & ")[i % len(area[1].split(" & "))]
            while True:
                name = (f"{rng.choice(FAITH)} Primary School, {locality}" if rng.random() < 0.2
                        else f"{locality} {rng.choice(SUFFIXES)} Primary School")
                if name not in used_names:
                    break
            used_names.add(name)
            sid = f"{area[0]}-{i + 1:02d}"
            arp = ""
            if sid in ("P08-03", "P03-02"):
                arp = "ASD:12"
            if sid == "P06-04":
                arp = "SLCN:10"
            schools.append(dict(id=sid, name=name, planning_area=area[0], phase="primary", first_year_group="R",
                                last_year_group="Y6", pan=pan, net_capacity=pan * 7, opens="", closes="", arp_places=arp))
    for (sec, n_schools) in zip(SECONDARY, SCHOOLS_PER_SECONDARY_AREA):
        recent = sum(area_rolls[(t, sec[0], 7)] for t in (2023, 2024, 2025)) / 3
        target_pan = recent * (1 + sec[4])
        weights = [rng.choice([0.8, 1, 1, 1.2, 1.4]) for _ in range(n_schools)]
        pans = [max(90, int(round(target_pan * w / sum(weights) / 30.0)) * 30) for w in weights]
        sixth_share = sum(area_rolls[(2025, sec[0], g)] for g in (12, 13)) / max(1, sum(pans))
        for i, pan in enumerate(pans):
            sid = f"{sec[0]}-{i + 1:02d}"
            has_sixth = i != n_schools - 1 or n_schools < 5
            localities = sec[1].split("(")[1].rstrip(")").split(", ")
            while True:
                name = f"{rng.choice(localities)} {rng.choice(['Academy', 'High School', 'School', 'Community School', 'College', 'Girls School', 'Boys School'])}"
                if name not in used_names:
                    break
            used_names.add(name)
            sixth = int(round(pan * sixth_share * 1.08 / 2.0)) * 2 if has_sixth else 0
            arp = "ASD:20" if sid == "S4-02" else ""
            schools.append(dict(id=sid, name=name, planning_area=sec[0], phase="secondary", first_year_group="Y7",
                                last_year_group="Y13" if has_sixth else "Y11", pan=pan, net_capacity=pan * 5 + sixth,
                                opens="", closes="", arp_places=arp))
    for sid, name, area, first, last, designated in SPECIAL:
        places = sum(int(part.split(":")[1]) for part in designated.split(";"))
        schools.append(dict(id=sid, name=name, planning_area=area, phase="special", first_year_group=first,
                            last_year_group=last, pan=0, net_capacity=places, opens="", closes="", arp_places=designated))

    # Rolls by school: each area's year group split over its schools by PAN and popularity.
    popularity = {s["id"]: rng.uniform(0.82, 1.12) for s in schools}
    for t in years:
        for area_id in [a[0] for a in PRIMARY] + [s[0] for s in SECONDARY]:
            members = [s for s in schools if s["planning_area"] == area_id and s["phase"] != "special"]
            groups = range(0, 7) if area_id.startswith("P") else range(7, 14)
            for g in groups:
                holders = [s for s in members if g <= 11 or s["last_year_group"] == "Y13"]
                weights = [s["pan"] * popularity[s["id"]] * (1 + rng.gauss(0, 0.03)) for s in holders]
                counts = largest_remainder(area_rolls[(t, area_id, g)], weights)
                for s, n in zip(holders, counts):
                    school_rows.append((f"{t}/{(t + 1) % 100:02d}", s["id"], "R" if g == 0 else f"Y{g}", n))

    cols = ["id", "name", "planning_area", "phase", "first_year_group", "last_year_group", "pan", "net_capacity",
            "opens", "closes", "arp_places"]

    def pid(x):
        return prefix + x

    files = {
        "areas.csv": [(pid(a[0]), a[1], "primary", la) for a in PRIMARY] + [(pid(s[0]), s[1], "secondary", la) for s in SECONDARY],
        "schools.csv": [[pid(s[c]) if c in ("id", "planning_area") else s[c] for c in cols] for s in schools],
        "rolls.csv": [(y, pid(sid), g, n) for (y, sid, g, n) in school_rows],
        "births.csv": [(la, y, births[y]) for y in sorted(births)],
        "transfers.csv": [(pid(p), pid(s[0]), f"{share:.2f}") for s in SECONDARY for p, share in sorted(s[2].items())],
    }
    pupils_by_ncy = {t: [sum(v for (y, a, g), v in area_rolls.items() if y == t and g == ncy) for ncy in range(14)] for t in years}
    return files, pupils_by_ncy, area_rolls


HEADERS = {
    "areas.csv": ["id", "name", "phase", "local_authority"],
    "schools.csv": ["id", "name", "planning_area", "phase", "first_year_group", "last_year_group", "pan", "net_capacity",
                    "opens", "closes", "arp_places"],
    "rolls.csv": ["year", "school", "year_group", "pupils"],
    "births.csv": ["area", "year", "births"],
    "transfers.csv": ["from_area", "to_area", "share"],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data"))
    parser.add_argument("--authorities", type=int, default=1,
                        help="copies of the demo authority, each drawn with its own seed (a national-scale synthetic data set)")
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    if args.authorities == 1:
        rng = random.Random(args.seed)
        files, pupils_by_ncy, area_rolls = authority(rng, LA, "")
        for name, rows in files.items():
            write_csv(os.path.join(out, name), HEADERS[name], rows)
        write_csv(os.path.join(out, "yields.csv"),
                  ["type", "bedrooms", "tenure", "years_since_completion", "year_group", "pupils_per_dwelling"], yield_rows())
        stock = write_send(out, rng, pupils_by_ncy)
        write_area_caseload(out, random.Random(args.seed + 25), area_rolls, stock)
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        for t in (2016, 2019, 2020, 2025):
            p = sum(v for (y, a, g), v in area_rolls.items() if y == t and g <= 6)
            s = sum(v for (y, a, g), v in area_rolls.items() if y == t and g >= 7)
            print(f"{t}/{(t + 1) % 100:02d}: primary {p:,}, secondary {s:,}, Reception {sum(v for (y, a, g), v in area_rolls.items() if y == t and g == 0):,}")
        return
    # National scale: each authority from its own stream, ids prefixed A001-, ...; no SEND files.
    handles = {name: open(os.path.join(out, name), "w", newline="") for name in HEADERS}
    writers = {name: csv.writer(f, lineterminator="\n") for name, f in handles.items()}
    for name, w in writers.items():
        w.writerow(HEADERS[name])
    for k in range(1, args.authorities + 1):
        la = f"A{k:03d}"
        files, _, _ = authority(random.Random(args.seed * 10007 + k), la, la + "-")
        for name, rows in files.items():
            writers[name].writerows(rows)
    for f in handles.values():
        f.close()
    write_csv(os.path.join(out, "yields.csv"),
              ["type", "bedrooms", "tenure", "years_since_completion", "year_group", "pupils_per_dwelling"], yield_rows())
    print(f"{args.authorities} illustrative authorities ({args.authorities * (len(PRIMARY) + len(SECONDARY)):,} planning areas) in {out}")


NEEDS = ["asd", "hi", "mld", "msi", "oth", "pd", "pmld", "semh", "slcn", "sld", "spld", "vi"]
# Need mix of plans by age (illustrative): autism and speech and language dominate the young,
# SEMH and learning difficulties grow with age. Shares are normalised per age.
def need_mix(age):
    young = max(0.0, (11 - age) / 7)
    mix = {"asd": 0.36 + 0.04 * young, "slcn": 0.10 + 0.25 * young, "semh": 0.10 + 0.14 * (1 - young), "mld": 0.06 + 0.06 * (1 - young),
           "sld": 0.025, "pmld": 0.012, "spld": 0.01 + 0.04 * (1 - young), "hi": 0.013, "vi": 0.009, "msi": 0.004, "pd": 0.04, "oth": 0.01}
    total = sum(mix.values())
    return {k: v / total for k, v in mix.items()}


def placement_mix(age):
    """(mainstream, resourced provision, special maintained, special independent, AP/other) by age."""
    special = 0.13 + 0.012 * max(0, age - 4) + (0.05 if age >= 11 else 0)
    arp = 0.05 if age <= 10 else 0.045
    ap = 0.02 if age <= 15 else 0.10
    independent = special * 0.16
    return (1 - special - arp - ap, arp, special - independent, independent, ap)


def write_send(out, rng, pupils_by_ncy):
    """Illustrative EHCP history for the demo authority in the DfE's SEN2 file layout."""
    send = os.path.join(out, "send")
    os.makedirs(send, exist_ok=True)
    geo = ["Local authority", "E92000001", "England", "E12000007", "London"]
    la = ["DEMO", "DEMO", "Demo Borough (illustrative)"]
    first_year, last_january = 2016, 2026
    def pupils(year, age):  # mainstream pupils of the age in the academic year starting `year`
        ncy = age - 4
        if not 0 <= ncy <= 13:
            return 0
        return pupils_by_ncy[min(max(year, FIRST_YEAR), LAST_YEAR)][ncy]
    def prevalence(age, january):  # plans per pupil, growing about 9% a year
        base = 0.011 + 0.0028 * min(age - 4, 8) - 0.0012 * max(0, age - 15)
        return base * (1.09 ** (january - first_year)) * (1 + rng.gauss(0, 0.01))
    stock = {}  # (january, age) -> plans
    for january in range(first_year, last_january + 1):
        for age in range(4, 18):
            stock[(january, age)] = prevalence(age, january) * pupils(january - 1, age)
    bands = {"Under 5": [4], "Age 5 to 10": range(5, 11), "Age 11 to 15": range(11, 16), "Age 16 to 19": [16, 17]}
    band_factor = {"Under 5": 1.35, "Age 5 to 10": 1, "Age 11 to 15": 1, "Age 16 to 19": 1.8}
    rows = []
    for january in range(first_year, last_january + 1):
        totals = {b: band_factor[b] * sum(stock[(january, a)] for a in ages) for b, ages in bands.items()}
        totals["Age 20 to 25"] = 0.25 * totals["Age 16 to 19"]
        grand = sum(totals.values())
        for band in ["Total"] + list(totals):
            v = round(grand if band == "Total" else totals[band])
            rows.append([january, "Calendar year"] + geo[:1] + geo[1:] + ["DEMO", "DEMO", la[2], band, "z", "z", v, "", v, ""])
    header = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code", "region_name",
              "old_la_code", "new_la_code", "la_name", "characteristic_age", "Total_st", "Total_st_pc", "Total_ehc", "Total_ehc_pc",
              "Total_all", "Total_all_pc"]
    write_csv(os.path.join(send, "ehcp_by_age_band_demo.csv"), header, rows)
    # New plans in the calendar year: what the next January's plans need beyond last
    # January's plans a year older, of which 2% cease each year (consistent flows).
    rows = []
    for year in range(first_year, last_january):
        joiners = {}
        for band, ages in bands.items():
            new = sum(max(0.0, stock[(year + 1, a)] - 0.98 * stock.get((year, a - 1), 0.0)) for a in ages)
            joiners[band] = round(band_factor[band] * new * (1 + rng.gauss(0, 0.03)))
        joiners["Age 20 to 25"] = 0
        total = sum(joiners.values())
        for band in ["Total"] + list(joiners):
            v = total if band == "Total" else joiners[band]
            rows.append([year, "Calendar year"] + geo + ["DEMO", "DEMO", la[2], band, "z", "z", v, "", v, ""])
    header_new = [h.replace("Total_", "Total_new_") if h.startswith("Total_") else h for h in header]
    write_csv(os.path.join(send, "ehcp_new_plans_by_age_band_demo.csv"), header_new, rows)
    # Placement by single age for the last two Januaries.
    cols = ["mainstream_la_maintained", "mainstream_la_maintained_resourced_provision", "mainstream_academy",
            "special_la_maintained", "special_academy_free", "special_independent", "special_non_maintained", "ap_pru_total", "ed_elsewhere"]
    rows = []
    for january in (last_january - 1, last_january):
        period = f"{january - 1}{january % 100:02d}"
        for age in range(4, 18):
            n = stock[(january, age)]
            main, arp, special, independent, ap = placement_mix(age)
            values = [n * main * 0.55, n * arp, n * main * 0.45, n * special * 0.6, n * special * 0.4, n * independent * 0.9,
                      n * independent * 0.1, n * ap * 0.4, n * ap * 0.6]
            values = [round(v) for v in values]
            rows.append([period, "Academic year"] + geo + ["DEMO", "DEMO", la[2], "Child or young persons age", f"age {age}", sum(values)] + values)
    write_csv(os.path.join(send, "ehcp_caseload_by_placement_demo.csv"),
              header[:7] + ["new_la_code", "old_la_code", "la_name", "breakdown_topic", "breakdown", "ehcplans"] + cols, rows)
    # Primary need by age and by type of placement, latest January.
    rows = []
    period = f"{last_january - 1}{last_january % 100:02d}"
    by_placement = {}
    for age in range(4, 18):
        n = stock[(last_january, age)]
        mix = need_mix(age)
        counts = [round(n * mix[k]) for k in NEEDS]
        rows.append([period, "Academic year"] + geo + ["DEMO", "DEMO", la[2], "Child or young persons age", f"age {age}", sum(counts)] + counts + [0])
        main, arp, special, independent, ap = placement_mix(age)
        for label, share in (("Mainstream - LA maintained", main), ("Mainstream - LA maintained (resourced provision)", arp),
                             ("Special - LA maintained", special), ("Special - independent", independent), ("AP/PRU - LA maintained", ap)):
            # Autism and learning difficulties are over-represented in special schools.
            tilt = {k: (1.6 if k in ("asd", "sld", "pmld") else 0.7) if label.startswith("Special") else 1 for k in NEEDS}
            weights = {k: mix[k] * tilt[k] for k in NEEDS}
            total_w = sum(weights.values())
            for k in NEEDS:
                by_placement.setdefault(label, {}).setdefault(k, 0.0)
                by_placement[label][k] += n * share * weights[k] / total_w
    for label, counts in by_placement.items():
        values = [round(counts[k]) for k in NEEDS]
        rows.append([period, "Academic year"] + geo + ["DEMO", "DEMO", la[2], "Type of placement", label, sum(values)] + values + [0])
    write_csv(os.path.join(send, "ehcp_primary_need_demo.csv"),
              header[:7] + ["new_la_code", "old_la_code", "la_name", "breakdown_topic", "breakdown", "ehc_plans"]
              + [f"number_{k}" for k in NEEDS] + ["number_need_unknown"], rows)
    print("EHCP plans (Reception to Year 13, illustrative): " + ", ".join(
        f"January {j} {round(sum(stock[(j, a)] for a in range(4, 18))):,}" for j in (first_year, last_january)))
    write_csv(os.path.join(out, "send_costs.csv"), ["placement", "annual_cost"],
              [("mainstream", 9000), ("arp", 20000), ("special", 26000), ("independent", 60000), ("out_of_borough", 45000), ("ap_other", 22000)])
    return stock


NEED_CODES = {"asd": "ASD", "hi": "HI", "mld": "MLD", "msi": "MSI", "oth": "OTH", "pd": "PD", "pmld": "PMLD", "semh": "SEMH",
              "slcn": "SLCN", "sld": "SLD", "spld": "SpLD", "vi": "VI"}
# Illustrative: autism concentrated in the south-west (S3 and the primary areas feeding it).
AUTISM_SOUTH_WEST = {"S3", "P06", "P07", "P10"}


def write_area_caseload(out, rng, area_rolls, stock):
    """Illustrative EHC plans by planning area of residence for the last January, as an LA
    exports them from its case-management system (send/ehcp_caseload_by_area.csv): the
    authority's plans shared by the areas' pupils, with a seeded tilt by area and need."""
    january = LAST_YEAR + 1
    areas = sorted({a for (y, a, g) in area_rolls if y == LAST_YEAR})
    tilt = {(a, k): rng.lognormvariate(0, 0.2) * (1.6 if k == "asd" and a in AUTISM_SOUTH_WEST else 1) for a in areas for k in NEEDS}
    rows = []
    for g in range(14):
        age = g + 4
        pupils = {a: area_rolls.get((LAST_YEAR, a, g), 0) for a in areas}
        total = sum(pupils.values())
        if total == 0:
            continue
        mix = need_mix(age)
        main, arp, special, independent, ap = placement_mix(age)
        for a in areas:
            if pupils[a] == 0:
                continue
            for k in NEEDS:
                plans = stock[(january, age)] * pupils[a] / total * mix[k] * tilt[(a, k)]
                for placement, share in (("mainstream", main), ("ARP", arp), ("special", special + independent), ("AP/other", ap)):
                    n = round(plans * share)
                    if n:
                        rows.append([january, a, "R" if g == 0 else f"Y{g}", NEED_CODES[k], placement, n])
    rows.sort(key=lambda r: (r[1], int(r[2][1:]) if r[2] != "R" else 0, r[3], r[4]))
    write_csv(os.path.join(out, "send", "ehcp_caseload_by_area.csv"), ["year", "planning_area", "year_group", "primary_need", "placement", "plans"], rows)


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


if __name__ == "__main__":
    main()
