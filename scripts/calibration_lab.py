#!/usr/bin/env python3
"""A fast replica of placeplan's interval calibration, for trying variants in seconds.

placeplan's intervals come from inner backtests (README, Uncertainty). Every inner backtest
that the outer London backtest runs at an origin T is the part of one full backtest with
`--min-history 3` whose outcomes were known at T (origin + horizon <= T, horizon up to five,
`EmpiricalErrors.measuredHorizon`; up to the outer one before December 2026,
`--measured-horizon 0`), so one records file holds everything the calibration reads. This script
rebuilds the calibration from that file in Python (ErrorScale, the conformal scores, the
adaptation, the rule that bands do not narrow further ahead) and scores the 80% and 95%
intervals it implies, |l - mu| / s against the calibrated quantile, per phase and horizon
and with both phases pooled. It is a research aid, not the product: the Swift code is the
method, and this replica agrees with `placeplan backtest --draws 1000` to within one actual
per cell on London (it reads forecasts rounded to 0.1 and the exact quantiles rather than
the draws'). `--check` measures that agreement.

    make build
    python3 scripts/calibration_lab.py                  # the current method
    python3 scripts/calibration_lab.py --chain-ladder none   # the method before the chain ladder
    python3 scripts/calibration_lab.py --grid --chain-ladder none   # the exponent grid in docs/calibration-tried.md
    python3 scripts/calibration_lab.py --extrapolated-scores
    python3 scripts/calibration_lab.py --check          # against the Swift backtest's own intervals
"""
import argparse
import collections
import csv
import math
import os
import subprocess
import sys
import tempfile
from statistics import NormalDist

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BINARY = os.path.join(ROOT, ".build", "release", "placeplan")
NORMAL = NormalDist()
LEVELS = (0.8, 0.95)
TARGETS = {0.8: (75, 85), 0.95: (92, 97)}
T90 = [3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397, 1.383, 1.372, 1.363, 1.356]  # t_n(0.9), n = 1...12


def records(data, extra):
    """The phase-total records of `placeplan backtest --data DATA EXTRA --records FILE`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "records.csv")
        subprocess.run([BINARY, "backtest", "--data", data, "--records", path] + extra, check=True, stdout=subprocess.DEVNULL)
        with open(path) as f:
            return [r for r in csv.DictReader(f) if r["method"] == "auto"]


class Variant:
    """What is changed: the growth exponents beyond the longest measured horizon of the own
    part, the common part and the bias (None: the method's 1.5), whether extrapolated
    horizons read the scores of earlier extrapolated forecasts (when there are 30), and
    what the chain ladder averages over origins: 'own' (the method), 'total' (own and common
    squares together), 'both' (each separately) or None (plain means by horizon, the method
    before the chain ladder)."""

    def __init__(self, own=None, common=None, bias=None, extrapolated_scores=False, chain_ladder="own", fitted=None, clamp=(1.0, 2.0),
                 centre="persisted", common_spread="mean-square", pool_phases=False):
        self.pool_phases = pool_phases
        self.own, self.common, self.bias, self.extrapolated_scores = own, common, bias, extrapolated_scores
        self.common_spread = common_spread
        self.chain_ladder = chain_ladder
        # 'last': the growth exponent from the last two measured horizons; 'all': a log-log fit
        # over every measured horizon; None: the fixed 1.5.
        self.fitted, self.clamp = fitted, clamp
        # How the measured bias centres the bands: 'persisted' (the method: the mean common
        # error times kappa, the least-squares coefficient of each inner origin's common error on
        # the bias measured before it, clamped to [0, 1], 0 without evidence), 'full' (the mean
        # common error, the method before December 2026), 'none' (centred on the forecast; the
        # bias counts as spread), 'shrink' (the mean shrunk by its own sampling variance, to 0
        # when one origin measured it).
        self.centre = centre

    def __str__(self):
        if self.own is None and self.common is None and self.bias is None and not self.extrapolated_scores and self.chain_ladder == "own" \
                and self.common_spread == "mean-square" and self.centre == "persisted":
            return "current method"
        parts = [f"{k} h^{v}" for k, v in (("own", self.own), ("common", self.common), ("bias", self.bias)) if v is not None]
        return ", ".join(parts + (["extrapolated horizons read extrapolated scores"] if self.extrapolated_scores else [])
                         + ([f"chain ladder on {self.chain_ladder}"] if self.chain_ladder else ["no chain ladder"])
                         + ([f"common spread: {self.common_spread}"] if self.common_spread != "mean-square" else [])
                         + ([f"centre: {self.centre}"] if self.centre != "persisted" else []))


GROWTH, PRIOR, RATE, MINIMUM_SCORES = 1.5, 4.0, 2.0, 30
CAP = None  # no origin's mean square at a horizon counts more than CAP times the median origin's


def capped(cells):
    """cells[(h, o)] with each value at most CAP times the median over origins at its horizon."""
    if CAP is None:
        return cells
    out = dict(cells)
    for h in {k[0] for k in cells}:
        vs = sorted(v for k, v in cells.items() if k[0] == h)
        if len(vs) < 3:
            continue
        m = vs[len(vs) // 2] if len(vs) % 2 else (vs[len(vs) // 2 - 1] + vs[len(vs) // 2]) / 2
        for k in cells:
            if k[0] == h:
                out[k] = min(cells[k], CAP * m)
    return out


class Scale:
    """ErrorScale.fit: bias, common and own spread per horizon, area weights."""

    def __init__(self, rs, areas, variant):
        self.variant = variant
        by = collections.defaultdict(list)
        for r in rs:
            by[(r["h"], r["o"])].append(r["l"])
        centre = {k: sum(v) / len(v) for k, v in by.items()}
        values = collections.defaultdict(list)
        for k in sorted(centre):
            values[k[0]].append(centre[k])
        self.mean = {h: sum(v) / len(v) for h, v in values.items()}
        if variant.centre == "persisted":
            k = persistence(centre)
            self.mean = {h: k * m for h, m in self.mean.items()}
        elif variant.centre == "none":
            self.mean = {h: 0.0 for h in self.mean}
        elif variant.centre == "shrink":
            shrunk = {}
            for h, v in values.items():
                m = sum(v) / len(v)
                if len(v) < 2 or m == 0:
                    shrunk[h] = 0.0
                    continue
                var = sum((x - m) ** 2 for x in v) / (len(v) - 1)
                shrunk[h] = m * max(0.0, 1 - var / len(v) / (m * m))
            self.mean = shrunk
        sq = capped({k: c * c for k, c in centre.items()})
        cvals = collections.defaultdict(list)
        for k in sorted(sq):
            cvals[k[0]].append(sq[k])
        self.common = {h: math.sqrt(sum(v) / len(v)) for h, v in cvals.items()}
        if variant.common_spread == "about-location":
            # The root mean square about the location the bands centre on (kappa times the bias):
            # with one origin at a horizon and kappa 1 it is zero (tried, December 2026).
            for h, v in values.items():
                self.common[h] = math.sqrt(sum((x - self.mean[h]) ** 2 for x in v) / len(v))
        elif variant.common_spread == "prequential":
            # The root mean square of each origin's common error less the centre the method
            # would have used then (kappa times the bias measured before it; 0 with none).
            k = persistence(centre)
            for h in values:
                sq = []
                for (hh, o), c in centre.items():
                    if hh == h:
                        before = [v for (h2, o2), v in centre.items() if h2 == h and o2 + h <= o]
                        sq.append((c - k * (sum(before) / len(before) if before else 0.0)) ** 2)
                self.common[h] = math.sqrt(sum(sq) / len(sq))
        elif variant.common_spread in ("inflated", "student"):
            # Few origins measure the common part: its mean square times 1 + 1/n (a new
            # origin's prediction variance), or times the square of t_n(0.9) / z(0.9).
            for h, v in cvals.items():
                n = len(v)
                f = 1 + 1 / n if variant.common_spread == "inflated" else (T90[min(n, len(T90)) - 1] / 1.2816) ** 2
                self.common[h] = math.sqrt(self.common[h] ** 2 * f)
        elif variant.common_spread != "mean-square":
            # The variance of the origins' mean errors about their mean (the bias the bands
            # centre on), times 1 + 1/n for "prediction"; one origin keeps its mean square.
            for h, v in values.items():
                n, m = len(v), sum(v) / len(v)
                if n >= 2:
                    var = sum((x - m) ** 2 for x in v) / (n - 1)
                    self.common[h] = math.sqrt(var * (1 + 1 / n if variant.common_spread == "prediction" else 1))
        residual = [r["l"] - centre[(r["h"], r["o"])] for r in rs]
        w = [1.0] * areas
        for _ in range(3):
            total, count = collections.defaultdict(float), collections.defaultdict(float)
            for r, e in zip(rs, residual):
                z = e / w[r["a"]]
                total[r["h"]] += z * z
                count[r["h"]] += 1
            own = {h: math.sqrt(total[h] / count[h]) for h in total}
            squares, n = [0.0] * areas, [0.0] * areas
            for r, e in zip(rs, residual):
                if own[r["h"]] > 0:
                    z = e / own[r["h"]]
                    squares[r["a"]] += z * z
                    n[r["a"]] += 1
            w = [math.sqrt((PRIOR + squares[i]) / (PRIOR + n[i])) for i in range(areas)]
        self.own, self.weight = own, w
        if variant.chain_ladder:
            # Per origin and horizon: the common part squared and the own mean square.
            common_o = {k: c * c for k, c in centre.items()}
            total, count = collections.defaultdict(float), collections.defaultdict(float)
            for r, e in zip(rs, residual):
                z = e / w[r["a"]]
                total[(r["h"], r["o"])] += z * z
                count[(r["h"], r["o"])] += 1
            own_o = capped({k: total[k] / count[k] for k in total})
            mode = variant.chain_ladder
            if mode == "both":
                self.common = {h: math.sqrt(v) for h, v in chain_ladder(common_o).items()}
            if mode in ("both", "own"):
                self.own = {h: math.sqrt(v) for h, v in chain_ladder(own_o).items()}
            if mode == "total":
                total_o = {k: common_o[k] + own_o[k] for k in own_o}
                t = chain_ladder(total_o)
                raw = {h: self.common[h] ** 2 + self.own[h] ** 2 for h in self.common}
                f = {h: math.sqrt(t[h] / raw[h]) if raw[h] > 0 else 1.0 for h in t}
                self.common = {h: self.common[h] * f[h] for h in f}
                self.own = {h: self.own[h] * f[h] for h in f}

        self.exponent = GROWTH
        hs = sorted(self.common)
        if variant.fitted and len(hs) >= 2:
            total = {h: math.sqrt(self.common[h] ** 2 + self.own[h] ** 2) for h in hs}
            if variant.fitted == "last":
                a, b = hs[-2], hs[-1]
                e = math.log(total[b] / total[a]) / math.log(b / a) if total[a] > 0 and total[b] > 0 else GROWTH
            else:
                xs = [math.log(h) for h in hs]
                ys = [math.log(total[h]) for h in hs]
                mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
                e = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
            self.exponent = min(variant.clamp[1], max(variant.clamp[0], e))

    def reach(self, h):
        below = [k for k in self.common if k <= h]
        return max(below) if below else min(self.common)

    def grow(self, h, exponent):
        k = self.reach(h)
        return 1.0 if k == h else (h / k) ** (self.exponent if exponent is None else exponent)

    def location(self, h):
        return self.mean[self.reach(h)] * self.grow(h, self.variant.bias)

    def scale(self, h, a):
        k = self.reach(h)
        c = self.common[k] * self.grow(h, self.variant.common)
        u = self.own[k] * self.weight[a] * self.grow(h, self.variant.own)
        return max(1e-6, math.sqrt(c * c + u * u))


def persistence(centre):
    """ErrorScale.biasPersistence: kappa, the least-squares coefficient of each inner origin's
    common error c_o(h) on the bias measured before it (the mean common error at h of the
    origins o' with o' + h <= o), over every origin and horizon with both, clamped to [0, 1];
    0 when no origin had an earlier bias."""
    product = square = 0.0
    for (h, o), c in sorted(centre.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        before = [v for (hh, oo), v in centre.items() if hh == h and oo + h <= o]
        if not before:
            continue
        bias = sum(before) / len(before)
        product += bias * c
        square += bias * bias
    return min(1.0, max(0.0, product / square)) if square > 0 else KAPPA_WITHOUT_EVIDENCE


KAPPA_WITHOUT_EVIDENCE = 0.0  # --kappa-without-evidence


def chain_ladder(cells):
    """cells[(h, o)] -> the all-origin mean at each horizon, each origin's missing horizons
    projected by volume-weighted development factors F(h) = sum X_o(h) / sum X_o(h - 1) over
    the origins that have both (the chain-ladder method of run-off triangles)."""
    horizons = sorted({h for h, _ in cells})
    origins = sorted({o for _, o in cells})
    level = {o: cells[(horizons[0], o)] for o in origins if (horizons[0], o) in cells}
    last = max(level) if level else 0
    def mean(values):
        w = {o: RECENCY ** (last - o) for o in values}
        return sum(w[o] * v for o, v in values.items()) / sum(w.values())
    out = {horizons[0]: mean(level)}
    projected = dict(level)
    for h in horizons[1:]:
        both = [o for o in origins if (h, o) in cells and (h - 1, o) in cells]
        below = sum(cells[(h - 1, o)] for o in both)
        factor = sum(cells[(h, o)] for o in both) / below if below > 0 else 1.0
        projected = {o: cells[(h, o)] if (h, o) in cells else v * factor for o, v in projected.items()}
        out[h] = mean(projected)
    return out


RECENCY = 1.0  # --recency: each origin's weight in the chain ladder's mean, per year older


def linear_quantile(values, p):
    v = sorted(values)
    x = p * (len(v) - 1)
    i = int(x)
    return v[i] + (x - i) * (v[i + 1] - v[i]) if i + 1 < len(v) else v[i]


def adapt(scored, origins):
    """CalibratedErrors.adapt: e^theta per horizon and level."""
    theta = {}
    horizons = sorted({s["h"] for s in scored})
    for o in origins:
        past = [s["s"] for s in scored if s["o"] + s["h"] <= o]
        if len(past) < MINIMUM_SCORES:
            continue
        q = [linear_quantile(past, level) for level in LEVELS]
        for h in horizons:
            now = [s for s in scored if s["o"] == o and s["h"] == h and s["measured"]]
            if not now:
                continue
            t = theta.get(h, [0.0, 0.0])
            for i, level in enumerate(LEVELS):
                limit = math.exp(t[i]) * q[i]
                missed = sum(1 for s in now if s["s"] > limit) / len(now)
                step = RATE * (missed - (1 - level))
                t[i] += max(-STEP_CAP, min(STEP_CAP, step)) if STEP_CAP else step
            theta[h] = t
    return {h: [math.exp(x) for x in t] for h, t in theta.items()}


def scored_records(own, areas, variant):
    """The phase's scale now, and every earlier inner origin's forecasts scored against the
    scale fitted on what was known at that origin."""
    scale = Scale(own, areas, variant)
    origins = sorted({r["o"] for r in own})
    scored = []
    for o in origins:
        known = [r for r in own if r["o"] + r["h"] <= o]
        if not known:
            continue
        then = Scale(known, areas, variant)
        for r in own:
            if r["o"] == o:
                scored.append({"o": o, "h": r["h"], "s": abs(r["l"] - then.location(r["h"])) / then.scale(r["h"], r["a"]),
                               "measured": then.reach(r["h"]) == r["h"]})
    return scale, origins, scored


def calibrate(own, horizon, areas, variant, shared=None):
    """EmpiricalErrors.calibrated for one phase: location, scale and quantile functions.
    `shared` (scored records of both phases) replaces the phase's own scores and adaptation
    when the variant pools them across phases."""
    scale, origins, scored = scored_records(own, areas, variant)
    if shared is not None:
        scored = shared
        origins = sorted({s["o"] for s in shared} | set(origins))
    scores = sorted(s["s"] for s in scored) if len(scored) >= MINIMUM_SCORES else []
    extrapolated = sorted(s["s"] for s in scored if not s["measured"])
    extrapolated = extrapolated if variant.extrapolated_scores and len(extrapolated) >= MINIMUM_SCORES else None
    widening = adapt(scored, origins) if scores else {}
    measured = sorted({r["h"] for r in own})
    widths = []
    for h in range(horizon + 1):
        below = [k for k in measured if k <= h]
        widths.append(list(widening.get(below[-1] if below else measured[0], [1.0, 1.0])))
    scales = [[0.0 if h == 0 else scale.scale(h, a) for h in range(horizon + 1)] for a in range(areas)]
    mean_scale = [sum(scales[a][h] for a in range(areas)) / areas for h in range(horizon + 1)]
    for h in range(2, horizon + 1):
        if mean_scale[h] > 0:
            for i in range(2):
                widths[h][i] = max(widths[h][i], widths[h - 1][i] * mean_scale[h - 1] / mean_scale[h])

    def table(h):
        if extrapolated is not None and h > measured[-1]:
            return extrapolated
        if not scores:
            return None
        t80, t95 = (math.log(w) for w in widths[h])
        n = len(scores)
        out = []
        for i, s in enumerate(scores):
            u = i / (n - 1) if n > 1 else 1
            theta = t80 if u <= 0.8 else t95 if u >= 0.95 else t80 + (u - 0.8) / 0.15 * (t95 - t80)
            out.append(s * math.exp(theta))
        return sorted(out)  # the monotone rearrangement

    def quantile(h, level):
        t = table(h)
        if t is None:
            return NORMAL.inv_cdf(0.5 + level / 2)
        x = level * (len(t) - 1)
        i = int(x)
        return t[i] + (x - i) * (t[i + 1] - t[i]) if i + 1 < len(t) else t[i]

    return scale.location, lambda h, a: scales[a][h], quantile


def evaluate(inner, variant, first_origin):
    """Coverage and mean width per (phase, horizon), phase 'all' pooling both."""
    last = max(r["o"] + r["h"] for r in inner)
    areas = 1 + max(r["a"] for r in inner)
    cells = collections.defaultdict(lambda: [0, 0, 0, 0.0, 0.0])
    for origin in range(first_origin, last):
        horizon = min(5, last - origin)
        known = [r for r in inner if r["o"] < origin and r["o"] + r["h"] <= origin and r["h"] <= (MEASURED_HORIZON or horizon)]
        fits = {}
        shared = None
        if variant.pool_phases:
            shared = []
            for p in ("primary", "secondary"):
                own = [r for r in known if r["p"] == p]
                if own:
                    shared += scored_records(own, areas, variant)[2]
        for p in ("primary", "secondary"):
            own = [r for r in known if r["p"] == p]
            fits[p] = calibrate(own, horizon, areas, variant, shared) if own else None
        for p in fits:
            fit = fits[p] or fits["secondary" if p == "primary" else "primary"]
            location, scale, quantile = fit
            for r in inner:
                if r["o"] != origin or r["p"] != p or r["h"] > horizon:
                    continue
                h = r["h"]
                s = scale(h, r["a"])
                z = abs(r["l"] - location(h)) / s
                q80, q95 = quantile(h, 0.8), quantile(h, 0.95)
                for key in ((p, h), ("all", h), ("origin", p, h, origin)):
                    c = cells[key]
                    c[0] += 1
                    c[1] += z <= q80
                    c[2] += z <= q95
                    c[3] += 200 * math.sinh(s * q80)  # the interval's width as % of the actual, at the mean bias
                    c[4] += 200 * math.sinh(s * q95)
    return cells


def by_origin(cells):
    """Each phase and horizon's coverage origin by origin: which forecasts a cell's misses come from."""
    print("  phase     h  origin    n   80%    95%   80% width")
    for key in sorted(k for k in cells if k[0] == "origin"):
        _, p, h, origin = key
        n, in80, in95, w80, _ = cells[key]
        print(f"  {p:9} {h}  {origin}/{str(origin + 1)[2:]}  {n:3}  {100 * in80 / n:5.1f}  {100 * in95 / n:5.1f}  {w80 / n:6.2f}")


def report(cells, label, verbose=True):
    met, lines = 0, []
    for key in sorted((k for k in cells if k[0] != "origin"), key=lambda k: ({"primary": 0, "secondary": 1, "all": 2}[k[0]], k[1])):
        n, in80, in95, w80, w95 = cells[key]
        c80, c95 = 100 * in80 / n, 100 * in95 / n
        ok80 = TARGETS[0.8][0] <= round(c80, 1) <= TARGETS[0.8][1]
        ok95 = TARGETS[0.95][0] <= round(c95, 1) <= TARGETS[0.95][1]
        if key[0] != "all":
            met += ok80 + ok95
        lines.append(f"  {key[0]:9} h{key[1]} n={n:3}  80%: {c80:5.1f}{' ' if ok80 else '*'} width {w80 / n:5.2f}"
                     f"   95%: {c95:5.1f}{' ' if ok95 else '*'} width {w95 / n:5.2f}")
    phase_cells = [c for k, c in cells.items() if k[0] in ("primary", "secondary")]
    pooled = [c for k, c in cells.items() if k[0] == "all"]
    pooled_met = sum((75 <= round(100 * c[1] / c[0], 1) <= 85) + (92 <= round(100 * c[2] / c[0], 1) <= 97) for c in pooled)
    widths = (sum(c[3] / c[0] for c in phase_cells) / len(phase_cells), sum(c[4] / c[0] for c in phase_cells) / len(phase_cells))
    # The points by which the phase cells' coverage falls outside its target, summed.
    outside = 0.0
    for c in phase_cells:
        c80, c95 = round(100 * c[1] / c[0], 1), round(100 * c[2] / c[0], 1)
        outside += max(0, 75 - c80) + max(0, c80 - 85) + max(0, 92 - c95) + max(0, c95 - 97)
    print(f"{label}: {met} of {2 * len(phase_cells)} phase cells met, {pooled_met} of {2 * len(pooled)} pooled;"
          f" {outside:.1f} points outside the targets; mean widths {widths[0]:.2f} / {widths[1]:.2f}")
    if verbose:
        print("\n".join(lines))


def check(data, inner_cells):
    """The Swift backtest's own coverage (its drawn intervals) beside the replica's."""
    rows = [r for r in records(data, ["--draws", "1000"]) if r["p10"]]
    cells = collections.defaultdict(lambda: [0, 0, 0])
    for r in rows:
        a = float(r["actual"])
        for key in ((r["phase"], int(r["horizon"])), ("all", int(r["horizon"]))):
            c = cells[key]
            c[0] += 1
            c[1] += float(r["p10"]) <= a <= float(r["p90"])
            c[2] += float(r["p2_5"]) <= a <= float(r["p97_5"])
    worst = 0
    for key in sorted(cells):
        s, p = cells[key], inner_cells[key]
        d80, d95 = p[1] - s[1], p[2] - s[2]
        worst = max(worst, abs(d80), abs(d95))
        print(f"  {key[0]:9} h{key[1]}: actuals inside, Swift / replica: 80% {s[1]} / {p[1]}, 95% {s[2]} / {p[2]}")
    print(f"largest difference: {worst} actual(s) in a cell")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "london"))
    parser.add_argument("--grid", action="store_true", help="own, common and bias exponents over a grid")
    parser.add_argument("--extrapolated-scores", action="store_true")
    parser.add_argument("--chain-ladder", choices=["own", "total", "both", "none"], default="own",
                        help="what the chain ladder averages over origins (own: the method; none: the method before it)")
    parser.add_argument("--check", action="store_true", help="compare with the Swift backtest's intervals")
    parser.add_argument("--fitted", choices=["last", "all"], help="the growth exponent fitted to the measured horizons")
    parser.add_argument("--centre", choices=["persisted", "full", "none", "shrink"], default="persisted",
                        help="how the measured bias centres the bands (persisted: the method, as far as the bias has persisted; full: before December 2026)")
    parser.add_argument("--kappa-without-evidence", type=float, default=0.0, help="kappa when no origin had an earlier bias (the method: 0)")
    parser.add_argument("--common-spread", choices=["mean-square", "variance", "prediction", "inflated", "student", "about-location", "prequential"], default="mean-square",
                        help="the common part: the origins' mean squared mean error (the method), or its variance about the bias")
    parser.add_argument("--recency", type=float, default=1.0, help="the chain ladder's weight per year an inner origin is older (the method: 1, equal weights)")
    parser.add_argument("--pool-phases", action="store_true", help="conformal scores and adaptation shared by both phases")
    parser.add_argument("--measured-horizon", type=int, default=5,
                        help="how far ahead the inner errors are measured at every origin (the method: 5, as a live run; 0: as far as the origin forecasts, the method before December 2026)")
    parser.add_argument("--step-cap", type=float, help="the most one origin may move log e^theta (the method: none)")
    parser.add_argument("--by-origin", action="store_true", help="also each phase and horizon's coverage origin by origin")
    args = parser.parse_args()
    global KAPPA_WITHOUT_EVIDENCE, RECENCY, MEASURED_HORIZON
    MEASURED_HORIZON = args.measured_horizon
    global STEP_CAP
    STEP_CAP = args.step_cap
    KAPPA_WITHOUT_EVIDENCE = args.kappa_without_evidence
    RECENCY = args.recency
    if not os.path.exists(BINARY):
        sys.exit("build placeplan first: make build")
    inner = []
    for r in records(args.data, ["--min-history", "3"] + (["--years", str(args.measured_horizon)] if (args.measured_horizon or 5) > 5 else [])):
        f, a = float(r["forecast"]), float(r["actual"])
        if f > 0 and a > 0:
            inner.append({"o": int(r["origin"][:4]), "h": int(r["horizon"]), "area": r["area"], "p": r["phase"], "l": math.log(f / a)})
    index = {a: i for i, a in enumerate(sorted({r["area"] for r in inner}))}
    for r in inner:
        r["a"] = index[r["area"]]
    first_origin = min(r["o"] for r in inner) + 1  # the outer backtest's --min-history 4
    if args.grid:
        for own in (0.75, 1, 1.25, 1.5):
            for common in (1.5, 2, 2.5):
                for bias in (1, 1.5, 2):
                    variant = Variant(own, common, bias, chain_ladder=None if args.chain_ladder == "none" else args.chain_ladder)
                    report(evaluate(inner, variant, first_origin), str(variant), verbose=False)
        return
    chain = None if args.chain_ladder == "none" else args.chain_ladder
    variant = Variant(extrapolated_scores=args.extrapolated_scores, chain_ladder=chain, fitted=args.fitted, centre=args.centre, common_spread=args.common_spread, pool_phases=args.pool_phases)
    cells = evaluate(inner, variant, first_origin)
    report(cells, str(variant))
    if args.by_origin:
        by_origin(cells)
    if args.check:
        check(args.data, cells)


if __name__ == "__main__":
    main()
