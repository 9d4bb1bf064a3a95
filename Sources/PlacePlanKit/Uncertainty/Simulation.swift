import Foundation

/// How many draws, from which seed.
public struct UncertaintySettings: Sendable, Hashable {
    public var draws: Int
    public var seed: UInt64
    /// Threads that step draws in parallel (results do not depend on it).
    public var threads: Int
    /// γ of the adaptive widening of the calibrated errors (``CalibratedErrors/adaptationRate``;
    /// 0 turns it off).
    public var adaptationRate: Double

    public init(
        draws: Int = 1000, seed: UInt64 = 2026, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        adaptationRate: Double = CalibratedErrors.adaptationRate
    ) {
        self.draws = draws
        self.seed = seed
        self.threads = max(1, min(threads, 16))
        self.adaptationRate = adaptationRate
    }

    /// The fewest draws a run takes (a thousand or more give stable intervals).
    public static let minimumDraws = 2

    /// Checks that the draws are at least ``minimumDraws`` and that the arrays held at once,
    /// `bytesPerDraw` for each draw, fit in half the machine's physical memory (more would
    /// fail to allocate, or swap, rather than give an answer).
    /// - Parameter what: what is drawn, for the message (e.g. "15 planning areas").
    public func check(bytesPerDraw: Int, of what: String) throws(PlacePlanError) {
        guard draws >= Self.minimumDraws else {
            throw .invalidOption(option: "--draws", message: "\(draws) is too few", hint: "use at least 100 draws, e.g. --draws 1000")
        }
        let memory = ProcessInfo.processInfo.physicalMemory, limit = memory / 2
        let (needed, overflow) = draws.multipliedReportingOverflow(by: max(1, bytesPerDraw))
        guard overflow || UInt64(needed) > limit else { return }
        // The most that fit, to two significant figures.
        let most = Int(limit) / max(1, bytesPerDraw)
        let unit = Int(pow(10, Double(max(0, String(most).count - 2))))
        func size(_ bytes: Double) -> String { String(format: "%.1f GB", bytes / 1_073_741_824) }
        throw .invalidOption(
            option: "--draws",
            message: "\(draws) draws of \(what) need about \(overflow ? "more than \(size(Double(Int.max)))" : size(Double(needed))) of memory, more than half of this machine's \(size(Double(memory)))",
            hint: "use fewer draws, at most about \(most / unit * unit), e.g. --draws \(min(10_000, most / unit * unit))")
    }

    /// The quantiles every summary carries: 2.5, 5, 10, 50, 90, 95 and 97.5%.
    public static let quantiles: [Double] = [0.025, 0.05, 0.1, 0.5, 0.9, 0.95, 0.975]
    public static let quantileNames = ["p2_5", "p5", "p10", "p50", "p90", "p95", "p97_5"]
}

/// Quantiles of pupils across draws, and the probabilities a board asks for.
public struct DrawSummary: Sendable {
    public let draws: Int
    public let seed: UInt64
    public let areas: Int
    public let horizon: Int
    /// Quantiles of pupils by step h (0 = origin), area, year group: [((h · A + a) · 14 + g) · Q + q].
    public let cells: [Double]
    /// Quantiles of phase totals: [((h · A + a) · 2 + phase) · Q + q].
    public let totals: [Double]
    /// P(pupils > places) for the phase total, by [(h · A + a) · 2 + phase].
    public let shortfall: [Double]
    /// P(pupils > places) in the entry year group.
    public let entryShortfall: [Double]
    /// P(surplus / places > the high-surplus threshold) for the phase total.
    public let highSurplus: [Double]
    /// μ(h), the bias of the log error that the inner backtest measured, by phase (0
    /// primary, 1 secondary) and step h = 0 ... horizon: the draws centre on the forecast
    /// / e^μ(h). Empty when the draws follow the parametric ``RatioErrorModel``, which is
    /// centred on the forecast.
    public var bias: [[Double]] = []

    static let Q = UncertaintySettings.quantiles.count

    public func quantile(step h: Int, area a: Int, _ g: YearGroup, _ q: Int) -> Double {
        cells[((h * areas + a) * YearGroup.count + g.index) * Self.Q + q]
    }

    public func total(step h: Int, area a: Int, phase: ReportingPhase, _ q: Int) -> Double {
        totals[((h * areas + a) * 2 + (phase == .primary ? 0 : 1)) * Self.Q + q]
    }

    func index(_ h: Int, _ a: Int, _ phase: ReportingPhase) -> Int { (h * areas + a) * 2 + (phase == .primary ? 0 : 1) }

    /// Where the draws centre relative to the forecast at step h, e^−μ(h) − 1 (−0.04: 4%
    /// below it); nil when they are centred on it (no measured errors).
    public func centreShift(phase: ReportingPhase, step h: Int) -> Double? {
        let p = phase == .primary ? 0 : 1
        guard p < bias.count, h < bias[p].count else { return nil }
        return exp(-bias[p][h]) - 1
    }
}

/// Runs draws of one scenario through the cohort-flow engine.
///
/// Each draw is a column of one state matrix: every year step is one `dgemm` per year group
/// for a whole chunk of draws, the draw's errors entering as the step's multipliers and in
/// the Reception inflow. With measured errors (``CalibratedErrors``), draw d's phase total in
/// area a at step h is the forecast / e^l, l = μ(h) + s_a(h) ζ_{d,a}: before a step every
/// cell is multiplied by e^l(h−1) of its area and phase, the cells that move up are divided
/// by e^l(h) of the area and phase they move into, and Reception is e^(−l(h)) times its
/// forecast, so this holds exactly for every cell, whichever area a cohort moves into.
/// Births the file projects with an interval, and housing delivery (``HousingDelivery``),
/// vary per draw from a second random stream. Without measured errors (too short a history)
/// the draws follow the parametric ``RatioErrorModel``: for transition t in area a at step h
/// the log multiplier is σ_t(h) · X with X = √λ G_h + √(ρ − λ) A_{a,h} +
/// √(1 − max(ρ, λ)) I_{a,t,h}, the factors AR(1) over steps with persistence φ, and births
/// beyond the known years vary by σ_B(k) · Z.
public enum Simulation {
    public static func run(
        _ data: DataSet, model: CohortModel, empirical: EmpiricalErrors?, fallback: RatioErrorModel? = nil, applied: AppliedScenario, horizon: Int,
        settings: UncertaintySettings, places: [[[Double]]]? = nil, thresholds: SufficiencyThresholds = SufficiencyThresholds(),
        progress: ((Int) -> Void)? = nil
    ) throws(PlacePlanError) -> DrawSummary {
        let A = data.areas.count, G = YearGroup.count, Q = UncertaintySettings.quantiles.count, D = settings.draws
        // The state, the view, the multipliers, the next state and a cell's draws laid out
        // for its quantiles: about six numbers per draw, area and year group at once.
        try settings.check(bytesPerDraw: 6 * A * G * MemoryLayout<Double>.size, of: "\(A) planning areas")
        // The calibrated measured errors when the history has them; otherwise (too short a
        // history) the parametric ratio-error model, estimated only then.
        let calibrated = empirical?.calibrated(areas: A, horizon: horizon, adaptation: settings.adaptationRate)
        let errors = calibrated == nil
            ? fallback ?? RatioErrorModel.estimate(RatioHistory(data: data), selection: model.selection, births: data.births)
            : RatioErrorModel(sigma: [], transitionCorrelation: 0, areaCorrelation: 0, persistence: 0, birthsSigma: [:])
        let origin = data.lastCensus
        let initial = try Projector.initialState(data, columns: 1)
        let intake = try Projector.intake(data, model: model, horizon: horizon)
        let transitions = (1...horizon).map(model.transitions(step:))
        // Births beyond the last known mid-year: k years beyond, per area (0 when known).
        var beyond = [[Int]](repeating: Array(repeating: 0, count: A), count: horizon)
        var seriesIndex = [Int](repeating: -1, count: A)
        let keys = Array(Set(data.areas.compactMap { data.birthSeries(for: $0)?.key })).sorted()
        for (a, area) in data.areas.enumerated() {
            guard let series = data.birthSeries(for: area), let last = series.births.keys.max() else { continue }
            seriesIndex[a] = keys.firstIndex(of: series.key)!
            for h in 1...horizon { beyond[h - 1][a] = max(0, BirthSeries.midYear(feeding: origin + h) - last) }
        }
        let birthsBeyond = beyond, birthsSeries = seriesIndex
        // Births the file projects with an interval (the GLA's predicted years): the relative
        // standard deviation of the births feeding step h in area a, reading the interval as
        // 95% (the file does not say), else 0.
        let birthsSpread: [[Double]] = (1...horizon).map { h in
            data.areas.map { area in
                guard let series = data.birthSeries(for: area) else { return 0 }
                let y = BirthSeries.midYear(feeding: origin + h)
                guard series.projected.contains(y), let b = series.births[y], b > 0, let lo = series.lower[y], let hi = series.upper[y], hi > lo else { return 0 }
                return (hi - lo) / (2 * 1.96 * b)
            }
        }
        let birthsUncertain = birthsSpread.contains { $0.contains { $0 > 0 } }
        let wG = errors.areaCorrelation, wA = max(0, errors.transitionCorrelation - errors.areaCorrelation)
        let wI = max(0, 1 - wG - wA), phi = errors.persistence, innovation = (1 - phi * phi).squareRoot()

        let copula = calibrated.map { Self.copula(draws: D, areas: A, commonShares: $0.phases.map(\.commonShare), seed: settings.seed) }
        // Draws are split into chunks stepped in parallel; each draw has its own random stream.
        let chunks = min(settings.threads, D)
        let bounds = (0...chunks).map { $0 * D / chunks }
        let chunkList: [SimulationChunk] = (0..<chunks).map { k in
            let n = bounds[k + 1] - bounds[k]
            var s = CohortState(areas: A, columns: n)
            for c in 0..<n { for g in YearGroup.all { for a in 0..<A { s[g, a, c] = initial[g, a, 0] } } }
            let rngs = (bounds[k]..<bounds[k + 1]).map { DrawRandom(seed: settings.seed, stream: UInt64($0)) }
            let chunk = SimulationChunk(s, rngs, areas: A, keys: keys.count)
            // Housing delivery and projected births come from a second stream per draw, so
            // they leave the draw's measured-error scores as they are.
            var side = (bounds[k]..<bounds[k + 1]).map { DrawRandom(seed: settings.seed, stream: (1 << 40) + UInt64($0)) }
            for d in 0..<n {
                // Per uncertain housing scheme: the share built and the delay.
                for scheme in applied.uncertainDelivery {
                    let u = Double(side[d].next() >> 11) / Double(1 << 53)
                    let share = scheme.delivery.share.lowerBound + u * (scheme.delivery.share.upperBound - scheme.delivery.share.lowerBound)
                    let delay = Int(side[d].next() % UInt64(scheme.delivery.maximumDelay + 1))
                    chunk.delivery.append((share, delay))
                }
            }
            // Starting factors: stationary, and births shocks drawn once per draw.
            if let copula {
                if birthsUncertain {
                    for d in 0..<n { for b in 0..<keys.count { chunk.births[d * keys.count + b] = side[d].normal() } }
                }
                // Each draw has one normal X per area and phase (Gaussian copula), and its
                // level in the scores' distribution, which gives its ζ at each step.
                chunk.copula = Array(copula[(bounds[k] * A * 2)..<(bounds[k + 1] * A * 2)])
                chunk.level = chunk.copula.map(CalibratedErrors.Phase.level)
                return chunk
            }
            // The parametric model's factors (the calibrated draws do not need them).
            chunk.global = Array(repeating: 0, count: n)
            chunk.area = Array(repeating: 0, count: n * A)
            chunk.own = Array(repeating: 0, count: n * A * 14)
            for d in 0..<n {
                chunk.global[d] = chunk.rng[d].normal()
                for a in 0..<A { chunk.area[d * A + a] = chunk.rng[d].normal() }
                for i in 0..<(A * 14) { chunk.own[d * A * 14 + i] = chunk.rng[d].normal() }
                for b in 0..<keys.count { chunk.births[d * keys.count + b] = chunk.rng[d].normal() }
            }
            return chunk
        }

        var cells = [Double](repeating: 0, count: (horizon + 1) * A * G * Q)
        var totals = [Double](repeating: 0, count: (horizon + 1) * A * 2 * Q)
        var shortfall = [Double](repeating: 0, count: (horizon + 1) * A * 2)
        var entryShortfall = shortfall, highSurplus = shortfall
        summarise(step: 0, views: chunkList.map(\.view), into: &cells, &totals, &shortfall, &entryShortfall, &highSurplus, places: places, thresholds: thresholds, A: A)

        for h in 1...horizon {
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                let chunk = chunkList[k]
                let n = chunk.rng.count
                var reception = Matrix(rows: A, columns: n)
                var multipliers = [Double](repeating: 1, count: G * A * n)
                if let calibrated {
                    // Scale so that a phase's total at step h is forecast / f(h), f(h) = e^l(h):
                    // cohorts moving up get f(h − 1) / f(h), Reception 1 / f(h).
                    let shock = applied.ratioFactor?[h - 1]
                    let receptionBase = (0..<A).map { intake.reception[h - 1][$0] * applied.receptionFactor[h - 1][$0] }
                    let primary = calibrated.phases[0], secondary = calibrated.phases[1]
                    // f(h − 1) is kept from the step before (f(0) = 1); the chunk's arrays are
                    // read and written through locals, not the shared object, in the loop.
                    let before = chunk.factor.isEmpty ? Array(repeating: 1, count: n * A * 2) : chunk.factor
                    var kept = before
                    let table0 = primary.table(horizon: h), table1 = secondary.table(horizon: h), level = chunk.level, shocks = chunk.births
                    // The state is taken out of the chunk (and the view, which shares it, let go)
                    // so that scaling it does not copy it.
                    var state = chunk.state
                    chunk.view = CohortState(areas: A, columns: 0)
                    chunk.state = chunk.view
                    chunk.copula.withUnsafeBufferPointer { x in
                        multipliers.withUnsafeMutableBufferPointer { m in
                            state.values.withUnsafeMutableBufferPointer { v in
                                for d in 0..<n {
                                    for a in 0..<A {
                                        let i = (d * A + a) * 2
                                        let zeta0 = CalibratedErrors.Phase.score(x[i], level: level[i], table: table0)
                                        let zeta1 = CalibratedErrors.Phase.score(x[i + 1], level: level[i + 1], table: table1)
                                        let now0 = exp(primary.location[h] + primary.scale[a][h] * zeta0)
                                        let now1 = exp(secondary.location[h] + secondary.scale[a][h] * zeta1)
                                        kept[i] = now0
                                        kept[i + 1] = now1
                                        var births = 1.0
                                        if birthsUncertain, birthsSeries[a] >= 0, birthsSpread[h - 1][a] > 0 {
                                            births = max(0.1, 1 + birthsSpread[h - 1][a] * shocks[d * keys.count + birthsSeries[a]])
                                        }
                                        reception[a, d] = receptionBase[a] * births / now0
                                    }
                                }
                                // The state's cells, base / f(h − 1) for their area and phase, are
                                // brought back to base before they move, and divided by the f(h) of
                                // the area and phase they move into: a cohort that moves into Year 7,
                                // or between areas, takes its new place's error. (In the state's
                                // order: year group, draw, area.)
                                for g in 0..<G {
                                    let p = g <= 6 ? 0 : 1
                                    for d in 0..<n {
                                        for a in 0..<A {
                                            let i = (g * n + d) * A + a, f = (d * A + a) * 2 + p
                                            v[i] *= before[f]
                                            if g > 0 { m[i] = (shock?[g * A + a] ?? 1) / kept[f] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    chunk.factor = kept
                    chunk.state = state
                } else {
                    // No measured paths (too little history): the parametric ratio errors.
                    for d in 0..<n {
                        var rng = chunk.rng[d]
                        if h > 1 {
                            chunk.global[d] = phi * chunk.global[d] + innovation * rng.normal()
                            for a in 0..<A { chunk.area[d * A + a] = phi * chunk.area[d * A + a] + innovation * rng.normal() }
                            for i in 0..<(A * 14) { chunk.own[d * A * 14 + i] = phi * chunk.own[d * A * 14 + i] + innovation * rng.normal() }
                        }
                        chunk.rng[d] = rng
                        let common = wG.squareRoot() * chunk.global[d]
                        for a in 0..<A {
                            let areaPart = common + wA.squareRoot() * chunk.area[d * A + a]
                            for t in 0..<14 {
                                let x = areaPart + wI.squareRoot() * chunk.own[(d * A + a) * 14 + t]
                                let factor = exp(errors.sigma[t][h - 1] * x)
                                if t == 13 {
                                    var births = 1.0
                                    let k = birthsBeyond[h - 1][a], b = birthsSeries[a]
                                    if k > 0, b >= 0, let sig = errors.birthsSigma[keys[b]] {
                                        births = exp(sig[min(k, sig.count) - 1] * chunk.births[d * keys.count + b])
                                    }
                                    reception[a, d] = intake.reception[h - 1][a] * applied.receptionFactor[h - 1][a] * factor * births
                                } else {
                                    let o = ((t + 1) * n + d) * A + a
                                    multipliers[o] = factor * (applied.ratioFactor?[h - 1][(t + 1) * A + a] ?? 1)
                                }
                            }
                        }
                    }
                }
                chunk.state = CohortFlowEngine.step(chunk.state, transitions: transitions[h - 1], inflow: YearInflow(reception: reception, multipliers: multipliers))
                chunk.view = chunk.state
                applied.overlayAll(&chunk.view, step: h, origin: origin)
                applied.overlayDelivery(&chunk.view, step: h, draws: chunk.delivery)
            }
            summarise(step: h, views: chunkList.map(\.view), into: &cells, &totals, &shortfall, &entryShortfall, &highSurplus, places: places, thresholds: thresholds, A: A)
            progress?(h)
        }
        var summary = DrawSummary(
            draws: D, seed: settings.seed, areas: A, horizon: horizon, cells: cells, totals: totals, shortfall: shortfall,
            entryShortfall: entryShortfall, highSurplus: highSurplus)
        summary.bias = calibrated?.phases.map(\.location) ?? []
        return summary
    }

    /// The draws' copula values X[(d · A + a) · 2 + p] for draw d, area a and phase p
    /// (0 primary, 1 secondary), stratified so that the intervals of 1,000 draws are those
    /// of the calibrated distribution rather than an estimate of it.
    ///
    /// Draw d's stream gives, per phase, a common normal G and one I_a per area, and
    /// Y_a = √ρ_p G + √(1 − ρ_p) I_a: a Gaussian copula whose areas move together as the
    /// measured errors did. Each area's Y values are then replaced by normal scores in the same
    /// order, X = Φ⁻¹((r + ½) / D) for the draw of rank r (0-based; ties by draw), as in Latin
    /// hypercube sampling with the dependence induced by ranks (Iman and Conover, 1982).
    /// Every area's X is then the D-point midpoint grid of the standard normal whatever the
    /// seed, so a phase total's quantiles, a monotone function of X, carry no Monte Carlo
    /// noise; the seed decides only which draws are high together, and the ranks keep the
    /// Gaussian copula's dependence (its Spearman correlation between areas is unchanged).
    /// With independent normals instead, the London backtest's coverage cells moved by up to
    /// 2.3 points from one seed to another at 1,000 draws. The draws' quantiles are read
    /// with the rule that fits the grid (``Quantiles/Rule/midpoint``), so they are the
    /// calibrated distribution's quantiles whatever the number of draws.
    static func copula(draws D: Int, areas A: Int, commonShares: [Double], seed: UInt64) -> [Double] {
        let C = A * 2
        // The sample, by column: sample[(a · 2 + p) · D + d], each draw from its own stream.
        var sample = [Double](repeating: 0, count: C * D)
        let weights = commonShares.map { rho in (min(1, max(0, rho)).squareRoot(), (1 - min(1, max(0, rho))).squareRoot()) }
        for d in 0..<D {
            var rng = DrawRandom(seed: seed, stream: UInt64(d))
            for p in 0..<2 {
                let common = rng.normal()
                for a in 0..<A { sample[(a * 2 + p) * D + d] = weights[p].0 * common + weights[p].1 * rng.normal() }
            }
        }
        let scores = normalGrid(D), y = sample
        let x = SharedRows(C)
        DispatchQueue.concurrentPerform(iterations: C) { column in
            x.set(column, normalScores(Array(y[(column * D)..<((column + 1) * D)]), grid: scores))
        }
        let columns = x.rows
        var result = [Double](repeating: 0, count: D * C)
        for column in 0..<C { for d in 0..<D { result[d * C + column] = columns[column][d] } }
        return result
    }

    /// The midpoint grid of the standard normal, Φ⁻¹((r + ½) / n) for r = 0 ..< n.
    static func normalGrid(_ n: Int) -> [Double] {
        (0..<n).map { NormalQuantile.of((Double($0) + 0.5) / Double(n)) }
    }

    /// The normal scores of `values`: each replaced by the point of the n-point midpoint grid
    /// (``normalGrid(_:)``) of its rank, ties in order of position. The order is kept and
    /// the values become the grid exactly.
    static func normalScores(_ values: [Double], grid: [Double]? = nil) -> [Double] {
        let scores = grid ?? normalGrid(values.count)
        let order = zip(values, values.indices).sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var out = [Double](repeating: 0, count: values.count)
        for (r, item) in order.enumerated() { out[item.1] = scores[r] }
        return out
    }

    /// Quantiles and probabilities over all draws at one step (cells in parallel).
    static func summarise(
        step h: Int, views: [CohortState], into cells: inout [Double], _ totals: inout [Double], _ shortfall: inout [Double],
        _ entryShortfall: inout [Double], _ highSurplus: inout [Double], places: [[[Double]]]?, thresholds: SufficiencyThresholds, A: Int
    ) {
        let D = views.reduce(0) { $0 + $1.columns }
        let G = YearGroup.count, Q = UncertaintySettings.quantiles.count
        // One pass over the states (read in their own order) lays every cell's draws out
        // contiguously: byCell[(a · G + g) · D + d], and the phase totals byPhase[(a · 2 + p) · D + d].
        var byCell = [Double](repeating: 0, count: A * G * D), byPhase = [Double](repeating: 0, count: A * 2 * D)
        let starts = views.indices.map { i in views[..<i].reduce(0) { $0 + $1.columns } }
        let phaseOf = YearGroup.all.map { ReportingPhase.primary.yearGroups.contains($0) ? 0 : 1 }
        byCell.withUnsafeMutableBufferPointer { cellBuffer in
            byPhase.withUnsafeMutableBufferPointer { phaseBuffer in
                nonisolated(unsafe) let t = cellBuffer, p = phaseBuffer
                DispatchQueue.concurrentPerform(iterations: views.count) { vi in
                    let v = views[vi], base = starts[vi]
                    v.values.withUnsafeBufferPointer { x in
                        for g in 0..<G {
                            let ph = phaseOf[g]
                            for c in 0..<v.columns {
                                let row = (g * v.columns + c) * A
                                for a in 0..<A {
                                    let value = x[row + a]
                                    t[(a * G + g) * D + base + c] = value
                                    p[(a * 2 + ph) * D + base + c] += value
                                }
                            }
                        }
                    }
                }
            }
        }
        let cellDraws = byCell, phaseDraws = byPhase
        let cellCount = A * G + A * 2
        let results = SharedRows(cellCount)
        let probabilities = SharedRows(A * 2)
        DispatchQueue.concurrentPerform(iterations: cellCount) { i in
            if i < A * G {
                results.set(i, cellDraws.withUnsafeBufferPointer {
                    Quantiles.of(UnsafeBufferPointer(rebasing: $0[(i * D)..<((i + 1) * D)]), UncertaintySettings.quantiles, rule: .midpoint)
                })
            } else {
                let j = i - A * G, a = j / 2, phase: ReportingPhase = j % 2 == 0 ? .primary : .secondary
                phaseDraws.withUnsafeBufferPointer { all in
                    let values = UnsafeBufferPointer(rebasing: all[(j * D)..<((j + 1) * D)])
                    if let places {
                        let entry = phase.entryYearGroup.index
                        var p = 0.0
                        for g in phase.yearGroups { p += places[h][g.index][a] }
                        let pe = places[h][entry][a]
                        var short = 0, entryShort = 0, high = 0
                        cellDraws.withUnsafeBufferPointer { cells in
                            let entryDraws = UnsafeBufferPointer(rebasing: cells[((a * G + entry) * D)..<((a * G + entry + 1) * D)])
                            for d in 0..<D {
                                let total = values[d]
                                if total > p { short += 1 }
                                if entryDraws[d] > pe { entryShort += 1 }
                                if p > 0 && (p - total) / p > thresholds.highSurplus { high += 1 }
                            }
                        }
                        probabilities.set(j, [Double(short) / Double(D), Double(entryShort) / Double(D), Double(high) / Double(D)])
                    }
                    results.set(i, Quantiles.of(values, UncertaintySettings.quantiles, rule: .midpoint))
                }
            }
        }
        let rows = results.rows, probabilityRows = probabilities.rows
        for i in 0..<(A * G) {
            let a = i / G, g = i % G
            for q in 0..<Q { cells[((h * A + a) * G + g) * Q + q] = rows[i][q] }
        }
        for j in 0..<(A * 2) {
            for q in 0..<Q { totals[((h * A) * 2 + j) * Q + q] = rows[A * G + j][q] }
            let p = probabilityRows[j]
            if p.count == 3 {
                shortfall[h * A * 2 + j] = p[0]
                entryShortfall[h * A * 2 + j] = p[1]
                highSurplus[h * A * 2 + j] = p[2]
            }
        }
    }
}

/// Rows written by parallel workers, each to its own index, through a stable buffer.
final class SharedRows: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<[Double]>
    init(_ count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: [])
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    func set(_ i: Int, _ row: [Double]) { buffer[i] = row }
    var rows: [[Double]] { Array(buffer) }
}

extension AppliedScenario {
    /// Each draw's housing delivery: a scheme's completions' pupils at step h, P(h), which
    /// the overlay added in full, become share · P(h − delay). `draws` holds (share, delay)
    /// per column and uncertain scheme.
    func overlayDelivery(_ state: inout CohortState, step h: Int, draws: [(share: Double, delay: Int)]) {
        let S = uncertainDelivery.count, A = state.areas
        guard S > 0 else { return }
        for c in 0..<state.columns {
            for (k, scheme) in uncertainDelivery.enumerated() {
                let (share, delay) = draws[c * S + k]
                let full = scheme.pupils[h - 1], late = h - 1 - delay >= 0 ? scheme.pupils[h - 1 - delay] : nil
                for g in YearGroup.all {
                    for a in 0..<A {
                        let p = full[g.index * A + a], q = late?[g.index * A + a] ?? 0
                        if p != 0 || q != 0 { state[g, a, c] += share * q - p }
                    }
                }
            }
        }
    }

    /// ``overlay(_:column:step:origin:)`` for every column (draws of one scenario).
    func overlayAll(_ state: inout CohortState, step h: Int, origin: AcademicYear) {
        guard closureMoves.isEmpty == false || housingPupils[h - 1].contains(where: { $0 != 0 }) else { return }
        for c in 0..<state.columns { overlay(&state, column: c, step: h, origin: origin) }
    }
}

/// Quantiles by linear interpolation between order statistics: the p-quantile of
/// x₍₀₎ ≤ … ≤ x₍ₙ₋₁₎ is x₍ᵢ₎ + f (x₍ᵢ₊₁₎ − x₍ᵢ₎) with i + f the position of p (``Rule``,
/// clamped to [0, n − 1]). The order statistics are exact, found without sorting: a
/// histogram of the values over [min, max] says which bin holds each rank wanted; only those
/// bins' values are gathered and put in order (three branch-light passes over the draws,
/// then a sort of a few dozen values). Small arrays, and the rare array whose gathered bins
/// are large, use quickselect instead.
public enum Quantiles {
    /// Where the p-quantile sits among the n order statistics (Hyndman and Fan's types).
    public enum Rule: Sendable {
        /// Type 7, i + f = p (n − 1): the minimum at p = 0, the maximum at p = 1.
        case linear
        /// Type 5 (Hazen), i + f = p n − ½: x₍ᵣ₎ stands for the probability (r + ½) / n. It is
        /// the exact quantile of a monotone function of the midpoint grid that the stratified
        /// draws use (``Simulation/copula(draws:areas:commonShares:seed:)``), where type 7
        /// would read P97.5 at 97.45% with 1,000 draws.
        case midpoint

        func position(_ p: Double, count n: Int) -> Double {
            switch self {
            case .linear: return p * Double(n - 1)
            case .midpoint: return min(Double(n - 1), max(0, p * Double(n) - 0.5))
            }
        }
    }

    public static func of(_ values: [Double], _ probabilities: [Double], rule: Rule = .linear) -> [Double] {
        values.withUnsafeBufferPointer { of($0, probabilities, rule: rule) }
    }

    /// The quantiles of `values` (left as they are).
    public static func of(_ values: UnsafeBufferPointer<Double>, _ probabilities: [Double], rule: Rule = .linear) -> [Double] {
        let n = values.count
        guard n > 0 else { return probabilities.map { _ in .nan } }
        var lo = values[0], hi = lo
        for v in values {
            lo = v < lo ? v : lo
            hi = v > hi ? v : hi
        }
        // Constant values (a year group an area does not teach, the origin): no selection.
        if lo == hi { return probabilities.map { _ in lo } }
        let positions = probabilities.map { rule.position($0, count: n) }
        var ranks: [Int] = []
        for x in positions {
            let i = Int(x.rounded(.down))
            ranks.append(i)
            if i + 1 < n { ranks.append(i + 1) }
        }
        ranks = Array(Set(ranks)).sorted()
        let statistic = orderStatistics(values, ranks: ranks, lo: lo, hi: hi)
        return positions.map { x in
            let i = Int(x.rounded(.down)), f = x - Double(i)
            let a = statistic[ranks.firstIndex(of: i)!]
            return i + 1 < n ? a + f * (statistic[ranks.firstIndex(of: i + 1)!] - a) : a
        }
    }

    /// The order statistics x₍ᵣ₎ for sorted distinct `ranks`, given the minimum and maximum.
    static func orderStatistics(_ values: UnsafeBufferPointer<Double>, ranks: [Int], lo: Double, hi: Double) -> [Double] {
        let n = values.count
        let bins = min(8192, n / 4)
        let scale = Double(bins) / (hi - lo)
        guard bins >= 16, scale.isFinite, lo.isFinite, hi.isFinite else { return bySelection(values, ranks: ranks) }
        let top = Double(bins)
        // The bin of a value; the maximum (and anything not a number) falls in the last.
        @inline(__always) func bin(_ v: Double) -> Int {
            let x = (v - lo) * scale
            return x < top ? Int(x) : bins - 1
        }
        var counts = [Int32](repeating: 0, count: bins)
        counts.withUnsafeMutableBufferPointer { c in
            for v in values { c[bin(v)] &+= 1 }
        }
        // Each rank's bin and its rank within the bin; the wanted bins get gathering slots.
        var slot = [Int32](repeating: -1, count: bins)
        var wanted: [(bin: Int, start: Int, count: Int)] = []
        var at: [(slot: Int, rank: Int)] = []
        var below = 0, b = 0
        for r in ranks {
            while below + Int(counts[b]) <= r {
                below += Int(counts[b])
                b += 1
            }
            if slot[b] < 0 {
                slot[b] = Int32(wanted.count)
                wanted.append((b, wanted.last.map { $0.start + $0.count } ?? 0, Int(counts[b])))
            }
            at.append((Int(slot[b]), r - below))
        }
        let gathered = wanted.last.map { $0.start + $0.count } ?? 0
        // Heavily clumped values (most draws in the wanted bins): selection does better.
        guard gathered <= n / 4 else { return bySelection(values, ranks: ranks) }
        var buffer = [Double](repeating: 0, count: gathered)
        var fill = wanted.map(\.start)
        slot.withUnsafeBufferPointer { s in
            for v in values {
                let k = s[bin(v)]
                if k >= 0 {
                    buffer[fill[Int(k)]] = v
                    fill[Int(k)] += 1
                }
            }
        }
        for w in wanted { buffer[w.start..<(w.start + w.count)].sort() }
        return at.map { buffer[wanted[$0.slot].start + $0.rank] }
    }

    /// The order statistics by quickselect on a copy.
    static func bySelection(_ values: UnsafeBufferPointer<Double>, ranks: [Int]) -> [Double] {
        var copy = Array(values)
        copy.withUnsafeMutableBufferPointer { select($0, 0, values.count - 1, ranks[...]) }
        return ranks.map { copy[$0] }
    }

    /// Places each rank's order statistic at its index, within a[lo...hi].
    static func select(_ a: UnsafeMutableBufferPointer<Double>, _ lo: Int, _ hi: Int, _ ranks: ArraySlice<Int>) {
        guard !ranks.isEmpty, lo < hi else { return }
        let middle = ranks[ranks.startIndex + ranks.count / 2]
        var l = lo, h = hi
        while l < h {
            // Median of three as the pivot.
            let m = l + (h - l) / 2
            if a[m] < a[l] { a.swapAt(m, l) }
            if a[h] < a[l] { a.swapAt(h, l) }
            if a[h] < a[m] { a.swapAt(h, m) }
            let pivot = a[m]
            var i = l, j = h
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if middle <= j { h = j } else if middle >= i { l = i } else { break }
        }
        select(a, lo, middle - 1, ranks.prefix { $0 < middle })
        select(a, middle + 1, hi, ranks.drop { $0 <= middle })
    }
}

/// A share of the draws, stepped by one thread.
final class SimulationChunk: @unchecked Sendable {
    var state: CohortState
    var view: CohortState
    var rng: [DrawRandom]
    /// The parametric model's factors per draw: global, by area, by area and transition
    /// (allocated only when the draws follow it).
    var global: [Double] = []
    var area: [Double] = []
    var own: [Double] = []
    var births: [Double]
    /// For each draw, area and phase: its normal X, X's level in the scores' distribution
    /// (``CalibratedErrors/Phase/level(_:)``), and its factor f = e^l at the last step.
    var copula: [Double] = []
    var level: [Double] = []
    var factor: [Double] = []
    /// For each draw and uncertain housing scheme: the share built and the delay in years.
    var delivery: [(share: Double, delay: Int)] = []
    init(_ s: CohortState, _ r: [DrawRandom], areas: Int, keys: Int) {
        state = s
        view = s
        rng = r
        births = Array(repeating: 0, count: r.count * max(1, keys))
    }
}
