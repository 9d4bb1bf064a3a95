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

    /// Checks that the draws are at least ``minimumDraws`` and that everything the run will
    /// hold at once, `fixedBytes` plus `bytesPerDraw` for each draw, fits in half the memory
    /// available to the process (the machine's, or a container's limit when lower): more
    /// would fail to allocate, or swap, rather than give an answer. The refusal is a usage
    /// error that names the most draws that fit.
    /// - Parameter what: what is drawn, for the message (e.g. "15 planning areas").
    public func check(bytesPerDraw: Int, fixedBytes: Int = 0, of what: String) throws(PlacePlanError) {
        guard draws >= Self.minimumDraws else {
            throw .invalidOption(option: "--draws", message: "\(draws) is too few", hint: "use at least 100 draws, e.g. --draws 1000")
        }
        let memory = Self.availableMemory, limit = memory / 2
        let (perDraw, overflow) = draws.multipliedReportingOverflow(by: max(1, bytesPerDraw))
        let (needed, overflow2) = perDraw.addingReportingOverflow(max(0, fixedBytes))
        guard overflow || overflow2 || UInt64(needed) > limit else { return }
        // The most that fit, to two significant figures.
        let most = max(0, Int(limit) - fixedBytes) / max(1, bytesPerDraw)
        let unit = Int(pow(10, Double(max(0, String(most).count - 2))))
        func size(_ bytes: Double) -> String { String(format: "%.1f GB", bytes / 1_073_741_824) }
        let fits = most / unit * unit
        throw .invalidOption(
            option: "--draws",
            message: "\(Format.count(Double(min(draws, Int(1e15))))) draws of \(what) need about \(overflow || overflow2 ? "more than \(size(Double(Int.max)))" : size(Double(needed))) of memory, more than half of the \(size(Double(memory))) available",
            hint: fits >= Self.minimumDraws
                ? "use fewer draws, at most about \(Format.count(Double(fits))), e.g. --draws \(min(10_000, fits))"
                : "this data is too large for draws on this machine: run without --draws, or on fewer areas")
    }

    /// The memory the process may use: the machine's, or the cgroup limit of its container
    /// when one is set and lower.
    public static var availableMemory: UInt64 {
        var memory = ProcessInfo.processInfo.physicalMemory
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let limit = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                memory = min(memory, limit)
            }
        }
        return memory
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
    /// e^θ₈₀(h), by phase and step h = 0 ... horizon: how far the adaptation widened (above
    /// 1) or narrowed (below 1) the 80% bands because the inner backtest's earlier forecasts
    /// missed more (or less) often than their bands allowed (``CalibratedErrors``). Empty
    /// with the parametric model.
    public var widening: [[Double]] = []

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
/// Each draw is a column of one state: every year step goes through the structured engine
/// (``CohortFlowEngine``) for a whole chunk of draws, the draw's errors entering as the
/// step's multipliers and in the Reception inflow. The parts, in the order a run uses them:
///
/// 1. **The error model** (``DrawErrorModel``): the calibrated measured errors
///    (``CalibratedErrors``) when the history has them, else the parametric ``RatioErrorModel``.
/// 2. **The births that vary** (``BirthsUncertainty``): years the births file projects with an
///    interval, and (parametric model) years beyond the known ones.
/// 3. **The copula** (``copula(draws:areas:commonShares:seed:)``): one stratified normal per
///    draw, area and phase, joined as the measured errors were.
/// 4. **Each draw's side draws** (``SideDraws``): housing delivery (share built and delay) and
///    births shocks, from a second stream so that they leave the error scores as they are.
/// 5. **The error factors of a step**: calibrated (``CalibratedFactors``), draw d's phase
///    total in area a at step h is the forecast / e^l, l = μ(h) + s_a(h) ζ_{d,a}: before a step
///    every cell is multiplied by e^l(h−1) of its area and phase, the cells that move up are
///    divided by e^l(h) of the area and phase they move into, and Reception is e^(−l(h)) times
///    its forecast, so this holds exactly for every cell, whichever area a cohort moves into;
///    or parametric (``ParametricFactors``), for transition t in area a at step h the log
///    multiplier σ_t(h) · X with X = √λ G_h + √(ρ − λ) A_{a,h} + √(1 − max(ρ, λ)) I_{a,t,h},
///    the factors AR(1) over steps with persistence φ, and births beyond the known years
///    varying by σ_B(k) · Z.
/// 6. **The engine step**, into buffers reused from year to year, then the scenario's overlays
///    (housing, closures, each draw's delivery).
/// 7. **The quantile summary** of each step (``DrawSummariser``).
public enum Simulation {
    public static func run(
        _ data: DataSet, model: CohortModel, empirical: EmpiricalErrors?, fallback: RatioErrorModel? = nil, applied: AppliedScenario, horizon: Int,
        settings: UncertaintySettings, places: [[[Double]]]? = nil, thresholds: SufficiencyThresholds = SufficiencyThresholds(),
        progress: ((Int) -> Void)? = nil
    ) throws(PlacePlanError) -> DrawSummary {
        let A = data.areas.count, D = settings.draws
        let errorModel = DrawErrorModel(data, model: model, empirical: empirical, fallback: fallback, horizon: horizon, adaptation: settings.adaptationRate)
        let overlays = applied.hasOverlays
        try settings.check(
            bytesPerDraw: DrawMemory.bytesPerDraw(areas: A, parametric: errorModel.calibrated == nil, overlays: overlays, chunks: min(settings.threads, D)),
            fixedBytes: DrawMemory.fixedBytes(areas: A, horizon: horizon), of: "\(Format.count(Double(A))) planning areas")
        let origin = data.lastCensus
        let initial = try Projector.initialState(data, columns: 1)
        let intake = try Projector.intake(data, model: model, horizon: horizon)
        let flows = (1...horizon).map(model.flows(step:))
        let births = BirthsUncertainty(data, horizon: horizon)
        let copula = errorModel.calibrated.map { Self.copula(draws: D, areas: A, commonShares: $0.phases.map(\.commonShare), seed: settings.seed) }

        // Draws are split into chunks stepped in parallel; each draw has its own random stream.
        let chunks = min(settings.threads, D)
        let bounds = (0...chunks).map { $0 * D / chunks }
        let chunkList = (0..<chunks).map { k in
            DrawChunk(
                draws: bounds[k]..<bounds[k + 1], initial: initial, settings: settings, applied: applied, births: births, copula: copula,
                parametric: errorModel.calibrated == nil, overlays: overlays)
        }
        let summariser = DrawSummariser(areas: A, draws: D, horizon: horizon, places: places, thresholds: thresholds)
        summariser.add(step: 0, views: chunkList.map(\.view))
        for h in 1...horizon {
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                let chunk = chunkList[k]
                let inflow: YearInflow
                if let calibrated = errorModel.calibrated {
                    inflow = CalibratedFactors.step(h, chunk: chunk, errors: calibrated, intake: intake, applied: applied, births: births)
                } else {
                    inflow = ParametricFactors.step(h, chunk: chunk, errors: errorModel.parametric, intake: intake, applied: applied, births: births)
                }
                chunk.advance(flows: flows[h - 1], inflow: inflow)
                chunk.overlay(applied, step: h, origin: origin)
            }
            summariser.add(step: h, views: chunkList.map(\.view))
            progress?(h)
        }
        var summary = summariser.summary(draws: D, seed: settings.seed)
        summary.bias = errorModel.calibrated?.phases.map(\.location) ?? []
        summary.widening = errorModel.calibrated?.phases.map { $0.widening.map { $0[0] } } ?? []
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
    /// the overlay adds in full, become share · P(h − delay). `draws` holds (share, delay)
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
                        if p != 0 || q != 0 { state[g, a, c] += share * q - p }  // before `overlay`, which holds cells at zero
                    }
                }
            }
        }
    }

    /// ``overlay(_:column:step:origin:)`` for every column (draws of one scenario).
    func overlayAll(_ state: inout CohortState, step h: Int, origin: AcademicYear) {
        guard closureMoves.isEmpty == false || !uncertainDelivery.isEmpty || housingPupils[h - 1].contains(where: { $0 != 0 }) else { return }
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

    /// The quantiles of `values` (left as they are). The order statistics come from a
    /// histogram of the values, gathering and sorting only the bins that hold the wanted ranks
    /// (``Plan``), or from quickselect when the values are too clumped for it.
    public static func of(_ values: UnsafeBufferPointer<Double>, _ probabilities: [Double], rule: Rule = .linear) -> [Double] {
        var plan = Plan(count: values.count, probabilities, rule: rule)
        var out = [Double](repeating: 0, count: probabilities.count)
        out.withUnsafeMutableBufferPointer { plan.quantiles(values, into: $0.baseAddress!) }
        return out
    }

    /// The quantiles of many samples of one size, without allocating per sample: the ranks
    /// each probability reads are found once, and the histogram and gathering buffers are
    /// reused across samples.
    struct Plan {
        let n: Int
        let positions: [Double]
        /// Sorted distinct ranks, and for each probability the index in it of ⌊x⌋ and ⌊x⌋+1.
        let ranks: [Int]
        let lower: [Int], upper: [Int]
        var counts: [Int32] = [], slot: [Int32] = [], buffer: [Double] = [], statistic: [Double] = []
        var wanted: [(bin: Int, start: Int, count: Int)] = [], at: [(slot: Int, rank: Int)] = []

        init(count n: Int, _ probabilities: [Double], rule: Rule) {
            self.n = n
            positions = probabilities.map { rule.position($0, count: n) }
            guard n > 0 else {  // no values: every quantile is NaN, nothing to rank
                ranks = []
                lower = positions.map { _ in -1 }
                upper = lower
                return
            }
            var r = Set<Int>()
            for x in positions {
                let i = Int(x.rounded(.down))
                r.insert(i)
                if i + 1 < n { r.insert(i + 1) }
            }
            ranks = r.sorted()
            let index = Dictionary(uniqueKeysWithValues: ranks.enumerated().map { ($1, $0) })
            lower = positions.map { index[Int($0.rounded(.down))]! }
            upper = positions.map { x in let i = Int(x.rounded(.down)); return i + 1 < n ? index[i + 1]! : -1 }
            statistic = Array(repeating: 0, count: ranks.count)
        }

        /// Writes the quantiles of `values` (n of them) to `out`.
        mutating func quantiles(_ values: UnsafeBufferPointer<Double>, into out: UnsafeMutablePointer<Double>) {
            precondition(values.count == n)
            guard n > 0 else {
                for q in positions.indices { out[q] = .nan }
                return
            }
            var lo = values[0], hi = lo
            for v in values {
                lo = v < lo ? v : lo
                hi = v > hi ? v : hi
            }
            if lo == hi {
                for q in positions.indices { out[q] = lo }
                return
            }
            if !histogram(values, lo: lo, hi: hi) {
                let s = Quantiles.bySelection(values, ranks: ranks)
                for k in s.indices { statistic[k] = s[k] }
            }
            for (q, x) in positions.enumerated() {
                let i = Int(x.rounded(.down)), f = x - Double(i)
                let a = statistic[lower[q]]
                out[q] = upper[q] >= 0 ? a + f * (statistic[upper[q]] - a) : a
            }
        }

        /// The order statistics x₍ᵣ₎ of the plan's ranks by a histogram into reused buffers:
        /// count the values in n/4 equal bins between the minimum and maximum, then gather and
        /// sort only the bins holding a wanted rank. False (selection does better) when the
        /// values are too clumped: the wanted bins hold more than a quarter of them.
        mutating func histogram(_ values: UnsafeBufferPointer<Double>, lo: Double, hi: Double) -> Bool {
            let bins = min(8192, n / 4)
            let scale = Double(bins) / (hi - lo)
            guard bins >= 16, scale.isFinite, lo.isFinite, hi.isFinite else { return false }
            let top = Double(bins)
            @inline(__always) func bin(_ v: Double) -> Int {
                let x = (v - lo) * scale
                return x < top ? Int(x) : bins - 1
            }
            if counts.count != bins {
                counts = Array(repeating: 0, count: bins)
                slot = Array(repeating: -1, count: bins)
            }
            counts.withUnsafeMutableBufferPointer { c in
                for i in c.indices { c[i] = 0 }
                for v in values { c[bin(v)] &+= 1 }
            }
            wanted.removeAll(keepingCapacity: true)
            at.removeAll(keepingCapacity: true)
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
            defer { for w in wanted { slot[w.bin] = -1 } }
            guard gathered <= n / 4 else { return false }
            if buffer.count < gathered { buffer = Array(repeating: 0, count: max(gathered, n / 4)) }
            var fill = wanted.map(\.start)
            buffer.withUnsafeMutableBufferPointer { out in
                slot.withUnsafeBufferPointer { s in
                    for v in values {
                        let k = s[bin(v)]
                        if k >= 0 {
                            out[fill[Int(k)]] = v
                            fill[Int(k)] += 1
                        }
                    }
                }
                for w in wanted {
                    var run = UnsafeMutableBufferPointer(rebasing: out[w.start..<(w.start + w.count)])
                    run.sort()
                }
            }
            for (k, a) in at.enumerated() { statistic[k] = buffer[wanted[a.slot].start + a.rank] }
            return true
        }
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

