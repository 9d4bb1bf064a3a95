import Foundation
import Synchronization

/// Which errors the draws follow: the calibrated measured errors when the inner backtest
/// measured them, else (too short a history) the parametric ratio-error model, estimated only
/// then.
struct DrawErrorModel: Sendable {
    let calibrated: CalibratedErrors?
    let parametric: RatioErrorModel

    init(_ data: DataSet, model: CohortModel, empirical: EmpiricalErrors?, fallback: RatioErrorModel?, horizon: Int, adaptation: Double) {
        calibrated = empirical?.calibrated(areas: data.areas.count, horizon: horizon, adaptation: adaptation)
        parametric = calibrated == nil
            ? fallback ?? RatioErrorModel.estimate(RatioHistory(data: data, excludedYears: model.options.excludedYears), selection: model.selection, births: data.births)
            : RatioErrorModel(sigma: [], transitionCorrelation: 0, areaCorrelation: 0, persistence: 0, birthsSigma: [:])
    }
}

/// What a run of draws holds at once, for the memory check before it starts.
enum DrawMemory {
    /// Per draw: the state and the next state (and the view, when the scenario lays housing,
    /// closures or uncertain delivery over the projection), 14 year groups per area; the copula's normals,
    /// their levels and the last and current error factors, two per area; while the copula is
    /// built, its sample, normal scores and result, two per area each; and with the parametric
    /// model its multipliers and factors (14 + 16 per area); and the summariser's buffers, a
    /// few groups of areas per core (``DrawSummariser/scratchBytes(draws:)``).
    static func bytesPerDraw(areas A: Int, parametric: Bool, overlays: Bool, chunks: Int = 2) -> Int {
        let G = YearGroup.count
        var doubles = (overlays ? 3 : 2) * G * A + 4 * 2 * A + 3 * 2 * A
        if parametric { doubles += G * A + 16 * A }
        return doubles * MemoryLayout<Double>.size + 4 * chunks * DrawSummariser.scratchBytes(draws: 1)
    }

    /// Independent of the draws: the quantiles kept for every step, area and year group (and
    /// phase totals); a few MB more for the model itself.
    static func fixedBytes(areas A: Int, horizon: Int) -> Int {
        let Q = UncertaintySettings.quantiles.count, G = YearGroup.count
        return ((horizon + 1) * A * (G + 2) * Q + (horizon + 1) * A * 2 * 3) * MemoryLayout<Double>.size + 64 << 20
    }
}

/// The births behind each area's Reception that the draws vary.
struct BirthsUncertainty: Sendable {
    /// The birth series keys, sorted; seriesIndex[a] is area a's (−1: none).
    let keys: [String]
    let seriesIndex: [Int]
    /// beyond[h − 1][a]: how many years the births feeding step h lie beyond the last known
    /// mid-year (0 when known).
    let beyond: [[Int]]
    /// spread[h − 1][a]: the relative standard deviation of the births feeding step h, where
    /// the file projects them with an interval (read as 95%: the file does not say), else 0.
    let spread: [[Double]]
    var isUncertain: Bool { spread.contains { $0.contains { $0 > 0 } } }

    init(_ data: DataSet, horizon: Int) {
        let A = data.areas.count, origin = data.lastCensus
        let keys = Array(Set(data.areas.compactMap { data.birthSeries(for: $0)?.key })).sorted()
        let position = Dictionary(keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var beyond = [[Int]](repeating: Array(repeating: 0, count: A), count: horizon)
        var seriesIndex = [Int](repeating: -1, count: A)
        for (a, area) in data.areas.enumerated() {
            guard let series = data.birthSeries(for: area), let last = series.births.keys.max() else { continue }
            seriesIndex[a] = position[series.key]!
            for h in 1...horizon { beyond[h - 1][a] = max(0, BirthSeries.midYear(feeding: origin + h) - last) }
        }
        self.keys = keys
        self.seriesIndex = seriesIndex
        self.beyond = beyond
        spread = (1...horizon).map { h in
            data.areas.map { area in
                guard let series = data.birthSeries(for: area) else { return 0 }
                let y = BirthSeries.midYear(feeding: origin + h)
                guard series.projected.contains(y), let b = series.births[y], b > 0, let lo = series.lower[y], let hi = series.upper[y], hi > lo else { return 0 }
                return (hi - lo) / (2 * 1.96 * b)
            }
        }
    }
}

/// A share of the draws, stepped by one thread, with the buffers it reuses every year.
final class DrawChunk: @unchecked Sendable {
    let columns: Int
    /// The state, the buffer the next one is written into, and (with overlays) the view
    /// that the overlays are laid on; without them the view is the state.
    var state: CohortState
    var next: CohortState
    var overlaid: CohortState?
    var scratch = EngineScratch()
    var rng: [DrawRandom]
    /// Births shocks per draw and birth series (births[d · K + b]).
    var births: [Double]
    /// Calibrated model: each draw's normal X per area and phase (the copula), X's level in
    /// the scores' distribution, and the factor f = e^l at the last step ([] at the origin).
    var copula: [Double] = []
    var level: [Double] = []
    var factor: [Double] = []
    /// Parametric model: the factors per draw (global, by area, by area and transition) and
    /// the multipliers of a step.
    var global: [Double] = []
    var area: [Double] = []
    var own: [Double] = []
    var multipliers: [Double] = []
    /// For each draw and uncertain housing scheme: the share built and the delay in years.
    var delivery: [(share: Double, delay: Int)] = []

    var view: CohortState { overlaid ?? state }

    init(
        draws range: Range<Int>, initial: CohortState, settings: UncertaintySettings, applied: AppliedScenario, births: BirthsUncertainty,
        copula allDraws: [Double]?, parametric: Bool, overlays: Bool
    ) {
        let n = range.count, A = initial.areas, K = births.keys.count
        columns = n
        var s = CohortState(areas: A, columns: n)
        s.values.withUnsafeMutableBufferPointer { v in
            for g in YearGroup.all {
                for c in 0..<n { for a in 0..<A { v[(g.index * n + c) * A + a] = initial[g, a, 0] } }
            }
        }
        state = s
        next = CohortState(areas: A, columns: n)
        overlaid = overlays ? s : nil
        rng = range.map { DrawRandom(seed: settings.seed, stream: UInt64($0)) }
        self.births = Array(repeating: 0, count: n * max(1, K))
        // Housing delivery and projected births come from a second stream per draw, so they
        // leave the draw's measured-error scores as they are.
        var side = range.map { DrawRandom(seed: settings.seed, stream: (1 << 40) + UInt64($0)) }
        for d in 0..<n {
            for scheme in applied.uncertainDelivery {
                let u = Double(side[d].next() >> 11) / Double(1 << 53)
                let share = scheme.delivery.share.lowerBound + u * (scheme.delivery.share.upperBound - scheme.delivery.share.lowerBound)
                let delay = Int(side[d].next() % UInt64(scheme.delivery.maximumDelay + 1))
                delivery.append((share, delay))
            }
        }
        if let allDraws {
            if births.isUncertain {
                for d in 0..<n { for b in 0..<K { self.births[d * K + b] = side[d].normal() } }
            }
            // Each draw has one normal X per area and phase (Gaussian copula), and its level in
            // the scores' distribution, which gives its ζ at each step.
            copula = Array(allDraws[(range.lowerBound * A * 2)..<(range.upperBound * A * 2)])
            level = copula.map(CalibratedErrors.Phase.level)
            return
        }
        guard parametric else { return }
        global = Array(repeating: 0, count: n)
        area = Array(repeating: 0, count: n * A)
        own = Array(repeating: 0, count: n * A * 14)
        multipliers = Array(repeating: 1, count: YearGroup.count * A * n)
        for d in 0..<n {
            global[d] = rng[d].normal()
            for a in 0..<A { area[d * A + a] = rng[d].normal() }
            for i in 0..<(A * 14) { own[d * A * 14 + i] = rng[d].normal() }
            for b in 0..<K { self.births[d * K + b] = rng[d].normal() }
        }
    }

    /// One engine step into the reused buffer, which then becomes the state.
    func advance(flows: StepFlows, inflow: YearInflow) {
        CohortFlowEngine.step(state, flows: flows, inflow: inflow, into: &next, scratch: &scratch)
        swap(&state, &next)
    }

    /// The scenario's overlays on this step's state: each draw's housing delivery (how far
    /// its share and delay move the schemes' pupils from the full, on-time ones), then the
    /// housing pupils and closure moves, which hold any cell demolitions take below zero at
    /// zero. The view is the state's values copied into its own buffer (no new allocation),
    /// since the overlays must not feed the next step.
    func overlay(_ applied: AppliedScenario, step h: Int, origin: AcademicYear) {
        guard var view = overlaid else { return }
        overlaid = nil  // let go of the reference, so that writing does not copy
        view.values.withUnsafeMutableBufferPointer { out in
            state.values.withUnsafeBufferPointer { src in out.baseAddress!.update(from: src.baseAddress!, count: src.count) }
        }
        applied.overlayDelivery(&view, step: h, draws: delivery)
        applied.overlayAll(&view, step: h, origin: origin)
        overlaid = view
    }
}

/// The calibrated errors' factors of one step for a chunk: the Reception inflow and the
/// divisors e^l(h) of the cells that move up, after bringing the state back from e^l(h − 1).
enum CalibratedFactors {
    static func step(
        _ h: Int, chunk: DrawChunk, errors calibrated: CalibratedErrors, intake: (reception: [[Double]], births: [[Double]]),
        applied: AppliedScenario, births: BirthsUncertainty
    ) -> YearInflow {
        let n = chunk.columns, A = chunk.state.areas, G = YearGroup.count, K = births.keys.count
        var reception = Matrix(rows: A, columns: n)
        // Scale so that a phase's total at step h is forecast / f(h), f(h) = e^l(h): cohorts
        // moving up get f(h − 1) / f(h), Reception 1 / f(h).
        let receptionBase = (0..<A).map { intake.reception[h - 1][$0] * applied.receptionFactor[h - 1][$0] }
        let primary = calibrated.phases[0], secondary = calibrated.phases[1]
        // f(h − 1) is kept from the step before (f(0) = 1).
        let before = chunk.factor.isEmpty ? Array(repeating: 1, count: n * A * 2) : chunk.factor
        var kept = before
        let table0 = primary.table(horizon: h), table1 = secondary.table(horizon: h), level = chunk.level, shocks = chunk.births
        let spread = births.spread[h - 1], series = births.seriesIndex, uncertain = births.isUncertain
        chunk.copula.withUnsafeBufferPointer { x in
            for d in 0..<n {
                for a in 0..<A {
                    let i = (d * A + a) * 2
                    let zeta0 = CalibratedErrors.Phase.score(x[i], level: level[i], table: table0)
                    let zeta1 = CalibratedErrors.Phase.score(x[i + 1], level: level[i + 1], table: table1)
                    let now0 = exp(primary.location[h] + primary.scale[a][h] * zeta0)
                    let now1 = exp(secondary.location[h] + secondary.scale[a][h] * zeta1)
                    kept[i] = now0
                    kept[i + 1] = now1
                    var b = 1.0
                    if uncertain, series[a] >= 0, spread[a] > 0 { b = max(0.1, 1 + spread[a] * shocks[d * K + series[a]]) }
                    reception[a, d] = receptionBase[a] * b / now0
                }
            }
        }
        // The state's cells, base / f(h − 1) for their area and phase, are brought back to
        // base before they move (in the state's order: year group, draw, area).
        chunk.state.values.withUnsafeMutableBufferPointer { v in
            for g in 0..<G {
                let p = g <= 6 ? 0 : 1
                for d in 0..<n {
                    for a in 0..<A { v[(g * n + d) * A + a] *= before[(d * A + a) * 2 + p] }
                }
            }
        }
        chunk.factor = kept
        return YearInflow(reception: reception, divisors: kept, shock: applied.ratioFactor?[h - 1])
    }
}

/// The parametric ratio-error model's factors of one step for a chunk: AR(1) factors over
/// steps, their multipliers for every moved-up cell and the Reception inflow.
enum ParametricFactors {
    static func step(
        _ h: Int, chunk: DrawChunk, errors: RatioErrorModel, intake: (reception: [[Double]], births: [[Double]]), applied: AppliedScenario,
        births: BirthsUncertainty
    ) -> YearInflow {
        let n = chunk.columns, A = chunk.state.areas, K = births.keys.count
        let wG = errors.areaCorrelation, wA = max(0, errors.transitionCorrelation - errors.areaCorrelation)
        let wI = max(0, 1 - wG - wA), phi = errors.persistence, innovation = (1 - phi * phi).squareRoot()
        var reception = Matrix(rows: A, columns: n)
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
                        var b = 1.0
                        let k = births.beyond[h - 1][a], s = births.seriesIndex[a]
                        if k > 0, s >= 0, let sig = errors.birthsSigma[births.keys[s]] {
                            b = exp(sig[min(k, sig.count) - 1] * chunk.births[d * K + s])
                        }
                        reception[a, d] = intake.reception[h - 1][a] * applied.receptionFactor[h - 1][a] * factor * b
                    } else {
                        chunk.multipliers[((t + 1) * n + d) * A + a] = factor * (applied.ratioFactor?[h - 1][(t + 1) * A + a] ?? 1)
                    }
                }
            }
        }
        return YearInflow(reception: reception, multipliers: chunk.multipliers)
    }
}

/// Quantiles of every cell and phase total over the draws, step by step, and the chances a
/// board asks for, into buffers allocated once for the whole run.
///
/// One pass over the chunks' states (in their own order) lays every cell's draws out
/// contiguously, then each cell's order statistics are found by ``Quantiles`` (cells in
/// parallel): O(A · 14 · D) a step.
final class DrawSummariser: @unchecked Sendable {
    let A: Int, D: Int, horizon: Int
    let places: [[[Double]]]?
    let thresholds: SufficiencyThresholds
    var cells: [Double], totals: [Double], shortfall: [Double], entryShortfall: [Double], highSurplus: [Double]

    /// Areas summarised together: a multiple of one cache line of the state's layout (8
    /// doubles), so that every line read while gathering is used whole, and as many lines as
    /// keep a buffer of the group's draws within 512 KB (64 areas at 1,000 draws, 8 from
    /// 8,192). Gathering walks the state a column at a time, one memory page a column: 64
    /// areas read 512 bytes a page where 8 read 64, and made the national 1,000-draw run
    /// 15% faster (8.3-9.2 s to 6.8-7.8 s). Results do not depend on it.
    static func areaGroup(draws D: Int) -> Int { max(8, min(64, 65_536 / max(D, 1) / 8 * 8)) }

    init(areas: Int, draws: Int, horizon: Int, places: [[[Double]]]?, thresholds: SufficiencyThresholds) {
        A = areas
        D = draws
        self.horizon = horizon
        self.places = places
        self.thresholds = thresholds
        let G = YearGroup.count, Q = UncertaintySettings.quantiles.count
        cells = Array(repeating: 0, count: (horizon + 1) * A * G * Q)
        totals = Array(repeating: 0, count: (horizon + 1) * A * 2 * Q)
        shortfall = Array(repeating: 0, count: (horizon + 1) * A * 2)
        entryShortfall = shortfall
        highSurplus = shortfall
    }

    /// Per worker: one group's draws of a cell and of the phase totals, and the entry year
    /// group's, areaGroup × D each.
    static func scratchBytes(draws D: Int) -> Int { 3 * areaGroup(draws: D) * D * MemoryLayout<Double>.size }

    func summary(draws: Int, seed: UInt64) -> DrawSummary {
        DrawSummary(
            draws: draws, seed: seed, areas: A, horizon: horizon, cells: cells, totals: totals, shortfall: shortfall,
            entryShortfall: entryShortfall, highSurplus: highSurplus)
    }

    /// The quantiles and probabilities over all draws at step h.
    ///
    /// Work items are (group of 8 areas, phase). Each gathers, year group by year group, the
    /// group's draws from every chunk's state (column c of chunk k is draw start_k + c) into
    /// a small buffer, reads the cell quantiles from it at once while it is in cache, and adds
    /// it to the phase totals, which give the total quantiles and the chances of a deficit
    /// (overall and in the entry year group) and of high surplus. Nothing of size
    /// areas × draws is written: the summary costs one pass over the states per step.
    func add(step h: Int, views: [CohortState]) {
        let G = YearGroup.count, Q = UncertaintySettings.quantiles.count, A = self.A, D = self.D
        let starts = views.indices.map { i in views[..<i].reduce(0) { $0 + $1.columns } }
        let W = Self.areaGroup(draws: D), groups = (A + W - 1) / W
        let places = self.places, thresholds = self.thresholds
        let probabilities = SharedRows(A * 2)
        cells.withUnsafeMutableBufferPointer { cellOut in
            totals.withUnsafeMutableBufferPointer { totalOut in
                // Each item writes only its own areas' quantiles.
                nonisolated(unsafe) let cellOut = cellOut, totalOut = totalOut
                // One worker per core takes the items in turn, with its buffers made once per step
                // (fresh ones per item were 1.6 GB of zeroed pages a national run).
                let items = groups * 2, workers = min(items, max(1, views.count))
                let next = Atomic<Int>(0)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    var plan = Quantiles.Plan(count: D, UncertaintySettings.quantiles, rule: .midpoint)
                    var cell = [Double](repeating: 0, count: W * D), total = [Double](repeating: 0, count: W * D)
                    var entry = [Double](repeating: 0, count: W * D)
                    while true {
                        let item = next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard item < items else { break }
                        let a0 = (item / 2) * W, a1 = min(A, a0 + W), n = a1 - a0
                        let phase: ReportingPhase = item % 2 == 0 ? .primary : .secondary, p = item % 2
                        for k in 0..<(n * D) { total[k] = 0 }
                        cell.withUnsafeMutableBufferPointer { cellBuffer in
                            total.withUnsafeMutableBufferPointer { totalBuffer in
                                for g in phase.yearGroups {
                                    // cellBuffer[i · D + d]: draw d of area a0 + i, a transpose done in
                                    // blocks of 8 columns so that each write fills a cache line.
                                    for (vi, v) in views.enumerated() {
                                        let base = starts[vi], C = v.columns
                                        v.values.withUnsafeBufferPointer { x in
                                            var c0 = 0
                                            while c0 < C {
                                                let c1 = min(C, c0 + 8)
                                                for i in 0..<n {
                                                    let out = i * D + base
                                                    for c in c0..<c1 { cellBuffer[out + c] = x[(g.index * C + c) * A + a0 + i] }
                                                }
                                                c0 = c1
                                            }
                                        }
                                    }
                                    for i in 0..<n {
                                        let values = UnsafeBufferPointer(rebasing: cellBuffer[(i * D)..<((i + 1) * D)])
                                        plan.quantiles(values, into: cellOut.baseAddress! + ((h * A + a0 + i) * G + g.index) * Q)
                                        for d in 0..<D { totalBuffer[i * D + d] += values[d] }
                                    }
                                    if g == phase.entryYearGroup, places != nil {
                                        for k in 0..<(n * D) { entry[k] = cellBuffer[k] }
                                    }
                                }
                                for i in 0..<n {
                                    let a = a0 + i, j = a * 2 + p
                                    let values = UnsafeBufferPointer(rebasing: totalBuffer[(i * D)..<((i + 1) * D)])
                                    plan.quantiles(values, into: totalOut.baseAddress! + ((h * A) * 2 + j) * Q)
                                    guard let places else { continue }
                                    let e = phase.entryYearGroup.index
                                    var placesInPhase = 0.0
                                    for g in phase.yearGroups { placesInPhase += places[h][g.index][a] }
                                    let entryPlaces = places[h][e][a]
                                    var short = 0, entryShort = 0, high = 0
                                    for d in 0..<D {
                                        let t = values[d]
                                        if t > placesInPhase { short += 1 }
                                        if entry[i * D + d] > entryPlaces { entryShort += 1 }
                                        if placesInPhase > 0 && (placesInPhase - t) / placesInPhase > thresholds.highSurplus { high += 1 }
                                    }
                                    probabilities.set(j, [Double(short) / Double(D), Double(entryShort) / Double(D), Double(high) / Double(D)])
                                }
                            }
                        }
                    }
                }
            }
        }
        let probabilityRows = probabilities.rows
        for j in 0..<(A * 2) {
            let p = probabilityRows[j]
            if p.count == 3 {
                shortfall[h * A * 2 + j] = p[0]
                entryShortfall[h * A * 2 + j] = p[1]
                highSurplus[h * A * 2 + j] = p[2]
            }
        }
    }
}

extension AppliedScenario {
    /// Whether anything is laid over the projection after the ratios: housing pupils,
    /// closure moves or housing with uncertain delivery.
    var hasOverlays: Bool {
        !closureMoves.isEmpty || !uncertainDelivery.isEmpty || housingPupils.contains { $0.contains { $0 != 0 } }
    }
}
