import Foundation

/// The forecast errors of phase totals that a backtest on the history up to the origin
/// measured for the chosen method: one log error l = log(forecast / actual) per inner
/// origin, area, phase and horizon.
///
/// ``calibrated(areas:horizon:)`` turns them into the error distribution the draws use.
public struct EmpiricalErrors: Sendable {
    /// One measured error of a phase total.
    public struct Record: Sendable, Hashable {
        public var origin: AcademicYear
        /// Index into the data set's areas.
        public var area: Int
        /// 0 primary, 1 secondary.
        public var phase: Int
        public var horizon: Int
        /// log(forecast / actual).
        public var logError: Double

        public init(origin: AcademicYear, area: Int, phase: Int, horizon: Int, logError: Double) {
            self.origin = origin
            self.area = area
            self.phase = phase
            self.horizon = horizon
            self.logError = logError
        }
    }

    public var records: [Record]
    /// When the errors were measured on more areas than the forecast's (the whole file's
    /// authorities, of which `--la` chose some): how many, and where each of the forecast's
    /// areas is among them. The records' area indices are then the pool's.
    public var pool: AreaPool?

    /// The areas errors were measured on, when more than the forecast's.
    public struct AreaPool: Sendable, Hashable {
        /// The areas of the pool.
        public var areas: Int
        /// The pool's index of each of the forecast's areas, in their order.
        public var indices: [Int]
    }

    public init(records: [Record], pool: AreaPool? = nil) {
        self.records = records
        self.pool = pool
    }

    public var isEmpty: Bool { records.isEmpty }

    /// How far ahead the inner backtest measures errors, whatever the years forecast: five,
    /// the horizons the backtests score. Beyond it the bands grow as (h / 5)^1.5
    /// (``ErrorScale``). Until December 2026 the inner backtest ran as far as the forecast
    /// asked, so a year's band depended on `--years` (a 10-year run measured to eight or
    /// nine years from the first inner origins alone, and pooled their scores with the
    /// rest), and the backtest, whose last origins forecast one to four years, scored
    /// bands that a live run did not draw.
    public static let measuredHorizon = 5

    /// Runs the inner backtest on `data` (the data known at the origin), forecasting
    /// ``measuredHorizon`` years ahead from each inner origin. When `data` holds a
    /// ``DataSet/calibrationPool`` (the whole file's authorities, of which `--la` chose some),
    /// the inner backtest runs on all of them at the same origin, so that the chosen
    /// authorities' bands learn from every authority's errors (each keeping its own weight,
    /// ``ErrorScale``). One authority alone has at most 30 scores of its own per phase (one
    /// per inner origin and horizon) at the latest census and fewer before, where the
    /// conformal scores and the adaptation need 30; backtested alone, without the pool, the
    /// LAs' 80% bands held 54-75% of the outcomes (docs/uncertainty.md).
    public static func measure(_ data: DataSet, options: ModelOptions) -> EmpiricalErrors {
        if let pool = data.poolAtOrigin {
            let index = Dictionary(pool.areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
            let indices = data.areas.compactMap { index[$0.id] }
            if indices.count == data.areas.count {
                var errors = measureOwn(pool, options: options)
                errors.pool = AreaPool(areas: pool.areas.count, indices: indices)
                return errors
            }
        }
        return measureOwn(data, options: options)
    }

    /// The inner backtest on `data`'s own areas.
    static func measureOwn(_ data: DataSet, options: ModelOptions) -> EmpiricalErrors {
        var settings = BacktestSettings(horizon: measuredHorizon, minimumHistory: 3, method: options.method, birthsProjection: options.birthsProjection, baselines: [])
        settings.minimumActual = 100
        settings.excludedYears = options.excludedYears
        settings.comparesAllYears = false
        guard let b = try? Backtest.run(data, settings: settings) else { return EmpiricalErrors(records: []) }
        let index = Dictionary(data.areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        // A census found to be a transient dip or spike (RatioHistory.repairTransients) is the
        // anomaly, not a forecast's error: forecasts from it or of it do not measure the errors.
        let transients = RatioHistory(data: data, excludedYears: options.excludedYears).transients
        let records = b.records.compactMap { r -> Record? in
            guard r.yearGroup == nil, let a = index[r.area], r.forecast > 0, r.actual > 0 else { return nil }
            if let years = transients[a], years.contains(r.origin) || years.contains(r.origin + r.horizon) { return nil }
            return Record(origin: r.origin, area: a, phase: r.phase == .primary ? 0 : 1, horizon: r.horizon, logError: log(r.forecast / r.actual))
        }
        return EmpiricalErrors(records: records)
    }

    /// The calibrated error distribution for a forecast `horizon` years ahead: one
    /// ``ErrorScale`` fitted on all the records, recalibrated by the scores of the forecasts
    /// that each earlier inner origin would have given, and widened or narrowed per horizon
    /// by how those intervals fared in turn (see ``CalibratedErrors``).
    /// - Parameter growth: the exponent with which errors grow beyond the longest measured
    ///   horizon (``ErrorScale/growthExponent``, 1.5, for pupil numbers and EHC plans alike:
    ///   with 1 for plans, the rolling SEND backtest's five-year 80% bands held 73%, with 1.5
    ///   81%; docs/send.md).
    /// - Parameter adaptation: γ, the step of the adaptive widening
    ///   (``CalibratedErrors/adaptationRate``; 0 turns it off).
    public func calibrated(
        areas forecastAreas: Int, horizon: Int, growth: Double = ErrorScale.growthExponent, adaptation: Double = CalibratedErrors.adaptationRate
    ) -> CalibratedErrors? {
        guard !records.isEmpty else { return nil }
        // Fitted on the pool's areas when there is one; the forecast's areas then take their scales.
        if let pool, pool.indices.count != forecastAreas { return nil }
        let areas = pool?.areas ?? forecastAreas
        var phases: [CalibratedErrors.Phase?] = [nil, nil]
        for p in 0..<2 {
            let own = records.filter { $0.phase == p }
            guard var scale = ErrorScale.fit(own, areas: areas) else { continue }
            scale.growth = growth
            // Scores of earlier forecasts: at each inner origin o, the scale fitted on the
            // errors known then (outcomes up to o) standardises the errors of o's forecasts.
            var scored: [CalibratedErrors.Score] = []
            let origins = Set(own.map(\.origin)).sorted()
            for o in origins {
                guard var then = ErrorScale.fit(own.filter { $0.origin + $0.horizon <= o }, areas: areas) else { continue }
                then.growth = growth
                for r in own where r.origin == o {
                    scored.append(.init(
                        origin: o, horizon: r.horizon, score: abs(r.logError - then.location(r.horizon)) / then.scale(r.horizon, area: r.area),
                        measured: then.reach(r.horizon).0 == r.horizon))
                }
            }
            let scores = scored.count >= CalibratedErrors.minimumScores ? scored.map(\.score).sorted() : []
            let widening = scores.isEmpty ? [:] : CalibratedErrors.adapt(scored, origins: origins, rate: adaptation)
            let measured = Set(own.map(\.horizon)).sorted()
            var widths = (0...horizon).map { h -> [Double] in
                let k = measured.last(where: { $0 <= h }) ?? measured[0]
                return widening[k] ?? CalibratedErrors.adaptedLevels.map { _ in 1 }
            }
            let scales = (0..<areas).map { a in (0...horizon).map { $0 == 0 ? 0 : scale.scale($0, area: a) } }
            // A band never narrows further ahead: each level's adapted half-width, at the
            // areas' mean scale, is kept at least that of the horizon before.
            let meanScale = (0...horizon).map { h in scales.reduce(0) { $0 + $1[h] } / Double(max(1, areas)) }
            if horizon >= 2 {
                for h in 2...horizon where meanScale[h] > 0 {
                    for l in widths[h].indices { widths[h][l] = max(widths[h][l], widths[h - 1][l] * meanScale[h - 1] / meanScale[h]) }
                }
            }
            phases[p] = CalibratedErrors.Phase(
                location: (0...horizon).map { $0 == 0 ? 0 : scale.location($0) },
                scale: pool.map { $0.indices.map { scales[$0] } } ?? scales,
                commonShare: scale.commonShare,
                scores: scores,
                widening: widths)
        }
        if phases[0] == nil { phases[0] = phases[1] }
        if phases[1] == nil { phases[1] = phases[0] }
        guard let primary = phases[0], let secondary = phases[1] else { return nil }
        return CalibratedErrors(phases: [primary, secondary])
    }
}

/// The location and scale of the log errors of one phase, from the errors known at a time.
///
/// At horizon h the errors of all areas from inner origin o share a common part c_o(h),
/// their mean, and differ by an own part. The location is μ(h) = κ mean_o c_o(h), the
/// measured bias as far as biases have persisted from one inner origin to the next (κ in
/// [0, 1], ``biasPersistence(_:)``); the common spread σ_c(h)² = mean_o c_o(h)² (about zero,
/// so a bias that changes sign counts as spread); the own spread σ_u(h)² is the mean square
/// of the own parts after dividing each area's by its weight w_a, per inner origin, averaged
/// over the origins by the chain ladder (``chainLadder(_:)``: an origin that has not reached
/// horizon h yet counts with its last own mean square grown by the development factors the
/// other origins measured, so that far horizons, which only the first inner origins reach,
/// are not judged by those origins' level alone); w_a² = (n₀ + Σ z²) / (n₀ + n) shrinks the
/// area's mean squared standardised own error towards 1 (n₀ = 4, three rounds).
/// The scale of area a is s_a(h) = √(σ_c(h)² + (w_a σ_u(h))²).
///
/// Beyond the longest measured horizon H, μ and s grow as (h / H)^1.5: the growth, for large
/// h, of an error whose ratios drift as a random walk (variance ∝ h³; summed over whole
/// steps it is h(h + 1)(2h + 1)/6, which covered too little of London's primary rolls). A
/// constant ratio error would grow as h; the London backtest's errors grew faster than that
/// (docs/uncertainty.md).
public struct ErrorScale: Sendable {
    /// The measured bias at each horizon, mean_o c_o(h).
    public var mean: [Int: Double]
    /// κ (``biasPersistence(_:)``): the share of the measured bias the location keeps.
    public var biasPersistence: Double
    public var common: [Int: Double]
    public var own: [Int: Double]
    public var weight: [Double]
    /// The common part's share of the variance at the longest measured horizon.
    public var commonShare: Double
    public static let growthExponent = 1.5
    /// The exponent used beyond the longest measured horizon (default ``growthExponent``).
    public var growth = ErrorScale.growthExponent
    static let priorWeight = 4.0

    public static func fit(_ records: [EmpiricalErrors.Record], areas: Int) -> ErrorScale? {
        guard !records.isEmpty else { return nil }
        struct Key: Hashable { var horizon: Int, origin: AcademicYear }
        var byOrigin: [Key: [Double]] = [:]
        for r in records { byOrigin[Key(horizon: r.horizon, origin: r.origin), default: []].append(r.logError) }
        let centre = byOrigin.mapValues { $0.reduce(0, +) / Double($0.count) }
        var commonValues: [Int: [Double]] = [:]
        for (key, c) in centre.sorted(by: { ($0.key.horizon, $0.key.origin) < ($1.key.horizon, $1.key.origin) }) {
            commonValues[key.horizon, default: []].append(c)
        }
        let mean = commonValues.mapValues { $0.reduce(0, +) / Double($0.count) }
        let persistence = biasPersistence(centre.map { (horizon: $0.key.horizon, origin: $0.key.origin, value: $0.value) })
        let common = commonValues.mapValues { ($0.reduce(0) { $0 + $1 * $1 } / Double($0.count)).squareRoot() }
        let residual = records.map { $0.logError - centre[Key(horizon: $0.horizon, origin: $0.origin)]! }
        var weight = [Double](repeating: 1, count: areas)
        var own: [Int: Double] = [:]
        for _ in 0..<3 {
            var sum: [Int: Double] = [:], count: [Int: Double] = [:]
            for (r, e) in zip(records, residual) {
                let z = e / weight[r.area]
                sum[r.horizon, default: 0] += z * z
                count[r.horizon, default: 0] += 1
            }
            own = sum.reduce(into: [:]) { $0[$1.key] = ($1.value / count[$1.key]!).squareRoot() }
            var squares = [Double](repeating: 0, count: areas), n = [Double](repeating: 0, count: areas)
            for (r, e) in zip(records, residual) where own[r.horizon]! > 0 {
                let z = e / own[r.horizon]!
                squares[r.area] += z * z
                n[r.area] += 1
            }
            weight = (0..<areas).map { ((priorWeight + squares[$0]) / (priorWeight + n[$0])).squareRoot() }
        }
        // The area weights above standardise each record by the root mean square of the
        // records at its horizon, so that the z² average 1 as the prior (n₀ at 1) assumes.
        // The own spread of the scale is another estimate: the mean over all inner origins of
        // their own mean squares, each origin's missing horizons projected by the chain ladder.
        // (Standardising the weights by it too breaks that average where origins are missing,
        // and met 19 of the 20 London cells, not 20.)
        var ownSquares: [Key: (sum: Double, count: Double)] = [:]
        for (r, e) in zip(records, residual) {
            let z = e / weight[r.area]
            ownSquares[Key(horizon: r.horizon, origin: r.origin), default: (0, 0)].sum += z * z  // in record order
            ownSquares[Key(horizon: r.horizon, origin: r.origin), default: (0, 0)].count += 1
        }
        // Each origin's own mean square, capped per horizon (``capped(_:)``).
        var cells: [(horizon: Int, origin: AcademicYear, value: Double)] = []
        for h in Set(ownSquares.keys.map(\.horizon)).sorted() {
            let keys = ownSquares.keys.filter { $0.horizon == h }.sorted { $0.origin < $1.origin }
            let values = capped(keys.map { ownSquares[$0]!.sum / ownSquares[$0]!.count })
            cells += zip(keys, values).map { (horizon: h, origin: $0.0.origin, value: $0.1) }
        }
        own = chainLadder(cells).mapValues { $0.squareRoot() }
        let longest = common.keys.max()!
        let c2 = common[longest]! * common[longest]!, u2 = own[longest]! * own[longest]!
        return ErrorScale(
            mean: mean, biasPersistence: persistence, common: common, own: own, weight: weight, commonShare: c2 + u2 > 0 ? c2 / (c2 + u2) : 0)
    }

    /// κ, how far a measured bias has carried over to the forecasts made after it: the
    /// least-squares coefficient Σ b_o(h) c_o(h) / Σ b_o(h)² of each inner origin's common
    /// error c_o(h) on the bias b_o(h) measured before it (the mean common error at h of the
    /// origins whose outcomes at h were known at o), over every origin and horizon that have
    /// both, clamped to [0, 1].
    /// 0 when no origin had an earlier bias to compare with: a bias counts only once the
    /// history shows it persisting. Where errors lean the same way year after year (a trend
    /// the ratios lag behind) κ is near 1; where they change sign from one origin to the next,
    /// near 0, and the bias then counts as spread (σ_c is a root mean square about zero).
    static func biasPersistence(_ centre: [(horizon: Int, origin: AcademicYear, value: Double)]) -> Double {
        // Summed in the order of origins and horizons, so that the result is the same in every run.
        let cells = centre.sorted { ($0.origin, $0.horizon) < ($1.origin, $1.horizon) }
        var product = 0.0, square = 0.0
        for c in cells {
            let before = cells.filter { $0.horizon == c.horizon && $0.origin + $0.horizon <= c.origin }
            guard !before.isEmpty else { continue }
            let bias = before.reduce(0) { $0 + $1.value } / Double(before.count)
            product += bias * c.value
            square += bias * bias
        }
        return square > 0 ? min(1, max(0, product / square)) : 0
    }

    /// No inner origin's own mean square at a horizon counts for more than this many times
    /// the largest of the other origins' (with three origins or more): one origin of wild misses
    /// (a census that was an anomaly and not recognised as one) can at most double the bands
    /// against the worst other origin, not blow them up. Several origins with large errors (a
    /// change of regime) are not capped. On the London and English backtests no origin
    /// reaches it. (The common part is not capped: its squares are single values, and a ratio
    /// of 4 between the two largest of them is common chance.)
    static let originCap = 4.0

    /// `squares` (one per origin, at one horizon) with the largest capped at ``originCap``
    /// times the next largest.
    static func capped(_ squares: [Double]) -> [Double] {
        guard squares.count >= 3, let top = squares.indices.max(by: { squares[$0] < squares[$1] }) else { return squares }
        let others = squares.indices.filter { $0 != top }.map { squares[$0] }.max()!
        var out = squares
        out[top] = min(squares[top], originCap * others)
        return out
    }

    /// The chain ladder of a run-off triangle: cells X_o(h) of inner origins o at horizons h
    /// (each origin has the horizons up to the latest outcome known) give, per horizon, the
    /// mean over all origins, where each origin's missing horizons are projected from its
    /// last one by the volume-weighted development factors
    /// F(h) = Σ_o X_o(h) / Σ_o X_o(h′) over the origins that have both h and the horizon
    /// before, h′. The factors compare each origin with itself, so an origin whose errors were
    /// all larger (less history, another regime) does not make the horizons that only it
    /// reached look larger than the others would have been. Where every origin has a horizon,
    /// it is the plain mean. Cells must be means of many positive values (here the own mean
    /// squares over areas): the factors of single squares near zero are unstable.
    static func chainLadder(_ cells: [(horizon: Int, origin: AcademicYear, value: Double)]) -> [Int: Double] {
        var table: [Int: [AcademicYear: Double]] = [:]
        for c in cells { table[c.horizon, default: [:]][c.origin] = c.value }
        let horizons = table.keys.sorted()
        guard let first = horizons.first, let level = table[first], !level.isEmpty else { return [:] }
        // Sums in the order of the origins, so that the result is the same in every run.
        let origins = level.keys.sorted()
        var projected = origins.map { level[$0]! }
        var result = [first: projected.reduce(0, +) / Double(projected.count)]
        for (before, h) in zip(horizons, horizons.dropFirst()) {
            let now = table[h] ?? [:], then = table[before] ?? [:]
            let both = now.keys.filter { then[$0] != nil }.sorted()
            let below = both.reduce(0) { $0 + then[$1]! }
            let factor = below > 0 ? both.reduce(0) { $0 + now[$1]! } / below : 1
            projected = zip(origins, projected).map { o, v in now[o] ?? v * factor }
            result[h] = projected.reduce(0, +) / Double(projected.count)
        }
        return result
    }

    /// The measured horizon to read for step h (the longest one up to h, else the
    /// shortest) and the growth (h / k)^1.5 from it.
    func reach(_ h: Int) -> (Int, Double) {
        let k = common.keys.filter { $0 <= h }.max() ?? common.keys.min()!
        return (k, k == h ? 1 : pow(Double(h) / Double(k), growth))
    }

    /// μ(h) = κ mean_o c_o(h): the measured bias of the log error, as far as biases have persisted.
    public func location(_ h: Int) -> Double {
        let (k, g) = reach(h)
        return biasPersistence * mean[k]! * g
    }

    /// s_a(h).
    public func scale(_ h: Int, area a: Int) -> Double {
        let (k, g) = reach(h)
        let u = own[k]! * (a < weight.count ? weight[a] : 1)
        return max(1e-6, (common[k]! * common[k]! + u * u).squareRoot() * g)
    }
}

/// The error distribution of the draws, per phase: the log error of area a at step h is
/// l = μ(h) + s_a(h) · ζ_h, and the simulated actual is the forecast / e^l.
///
/// ζ is recalibrated by past performance in two ways.
///
/// *Split conformal prediction over time*: the absolute scores |l − μ| / s of the forecasts
/// that earlier inner origins would have given form its distribution, made symmetric. So if
/// the scale understated the errors before, ζ is wider, and if it overstated them, narrower.
/// With fewer than 30 scores ζ is standard normal (and not adapted).
///
/// *Adaptive conformal inference* (Gibbs and Candès, 2021), for errors whose size drifts:
/// replaying the inner origins o in order, the 80% and 95% intervals that the scores known
/// at o gave (quantiles q_L of the scores with outcomes up to o) are widened by e^θ_L(h), and
/// after each origin θ_L(h) ← θ_L(h) + γ (missed_L(o, h) − (1 − L)), missed being the share of
/// o's h-year forecasts outside the widened interval and γ = 2 by default
/// (``adaptationRate``; ``UncertaintySettings/adaptationRate``, `--adaptation-rate`). Only
/// forecasts whose scale at o had measured their horizon count: a miss of a scale extrapolated
/// beyond the horizons measured then is a lesson about the extrapolation, and the scale now
/// measured at that horizon has already learnt it from the same errors. So each
/// horizon's intervals widen after years they missed more often than they should, and
/// narrow after years they over-covered. ζ_h's quantile function is the scores' times
/// e^θ(u), θ(u) = θ₈₀ up to u = 0.8, θ₉₅ from u = 0.95, linear between. Where θ₈₀ > θ₉₅
/// by enough that the product falls with u (the 80% intervals missed and the 95% ones
/// over-covered), the values are sorted: the monotone rearrangement of crossing quantiles
/// (Chernozhukov, Fernández-Val and Galichon, 2010). It keeps the distribution of values,
/// so the 80% quantile gives a little and the 95% one gains a little, where capping the
/// function at its running maximum would make P90 = P95 = P97.5, an atom at one value.
/// A horizon with no outcome to adapt on yet keeps θ = 0; beyond the longest measured
/// horizon, the longest one's θ is used. A band never narrows further ahead: where e^θ(h)
/// times the areas' mean scale s̄(h) falls below the horizon before's, θ(h) is raised to match
/// (with or without the adaptation).
///
/// Areas are joined by a Gaussian copula: a draw's X_a = √ρ G + √(1 − ρ) I_a (ρ the common
/// share of the variance) maps to ζ_a = sign(X_a) Q_h(2Φ(|X_a|) − 1), with Q_h the adapted
/// quantile function of the scores, so that the areas of a draw move together as much as
/// the measured errors did, and each keeps the calibrated distribution. Each area's X
/// values over the draws are the normal scores of a sample from that copula
/// (``Simulation/copula(draws:areas:commonShares:seed:)``), so its intervals carry no Monte
/// Carlo noise. A draw keeps its X at every step: errors persist along the horizon.
public struct CalibratedErrors: Sendable {
    public struct Phase: Sendable {
        /// μ(h), h = 0 ... horizon (μ(0) = 0).
        public var location: [Double]
        /// s_a(h): [area][h].
        public var scale: [[Double]]
        public var commonShare: Double
        /// The sorted absolute scores (empty: too few, ζ is normal).
        public let scores: [Double]
        /// [h][L]: the adaptive widening e^θ_L(h) of the 80% and 95% scores, h = 0 ... horizon.
        public let widening: [[Double]]
        /// [h]: the adapted quantile function of the scores at u = i / (n − 1).
        let tables: [[Double]]

        public init(location: [Double], scale: [[Double]], commonShare: Double, scores: [Double], widening: [[Double]]) {
            self.location = location
            self.scale = scale
            self.commonShare = commonShare
            self.scores = scores
            self.widening = widening
            let n = scores.count
            tables = widening.map { w in
                let t80 = log(w[0]), t95 = log(w[1])
                let table = scores.indices.map { i -> Double in
                    let u = n > 1 ? Double(i) / Double(n - 1) : 1
                    let theta = u <= 0.8 ? t80 : u >= 0.95 ? t95 : t80 + (u - 0.8) / 0.15 * (t95 - t80)
                    return scores[i] * exp(theta)
                }
                return table.sorted()  // the monotone rearrangement (see the type's documentation)
            }
        }

        /// u = 2Φ(|x|) − 1 with the sign of x: where a standard normal x falls in the
        /// distribution of absolute scores.
        static func level(_ x: Double) -> Double {
            let u = erf(abs(x) / 2.0.squareRoot())
            return x < 0 ? -u : u
        }

        /// ζ_h for a standard normal x.
        public func score(_ x: Double, horizon h: Int) -> Double {
            score(x, level: Self.level(x), horizon: h)
        }

        /// ζ_h for a standard normal x whose ``level(_:)`` is u.
        func score(_ x: Double, level u: Double, horizon h: Int) -> Double {
            Self.score(x, level: u, table: table(horizon: h))
        }

        /// The adapted quantile function of the scores at step h (empty: ζ is normal).
        func table(horizon h: Int) -> [Double] {
            tables.isEmpty ? [] : tables[min(h, tables.count - 1)]
        }

        /// ζ for a standard normal x whose ``level(_:)`` is u, read from `table`.
        @inline(__always) static func score(_ x: Double, level u: Double, table: [Double]) -> Double {
            guard !table.isEmpty else { return x }
            let position = abs(u) * Double(table.count - 1)
            let i = min(table.count - 1, Int(position)), f = position - Double(i)
            let q = i + 1 < table.count ? table[i] + f * (table[i + 1] - table[i]) : table[i]
            return u < 0 ? -q : q
        }
    }

    /// Primary and secondary.
    public var phases: [Phase]
    static let minimumScores = 30
    /// The interval levels whose misses adapt the scores.
    static let adaptedLevels = [0.8, 0.95]
    /// γ, the step of the adaptation in log width per unit of excess miss rate: an origin
    /// whose 80% intervals missed 40% of outcomes (20 points too many) widens the next
    /// ones by e^0.4 ≈ 1.5. On London 1.5 to 3 gave much the same coverage; on London and
    /// England pooled 3 met one pooled cell more than 2 but let a steady horizon's widening
    /// drift by half (docs/accuracy-tried.md), so 2 stays.
    public static let adaptationRate = 2.0

    /// An earlier forecast scored against the scale fitted on what was known at its origin.
    struct Score {
        var origin: AcademicYear
        var horizon: Int
        /// |l − μ| / s.
        var score: Double
        /// Whether that scale had measured this horizon (rather than extrapolated to it).
        var measured: Bool
    }

    /// Adaptive conformal inference over the scored inner origins: e^θ_L(h) per horizon
    /// and level (see the type's documentation).
    static func adapt(_ scored: [Score], origins: [AcademicYear], rate: Double) -> [Int: [Double]] {
        var theta: [Int: [Double]] = [:]
        let horizons = Set(scored.map(\.horizon)).sorted()
        for o in origins {
            let past = scored.filter { $0.origin + $0.horizon <= o }.map(\.score)
            guard past.count >= minimumScores else { continue }
            let q = Quantiles.of(past, adaptedLevels)
            for h in horizons {
                // Only forecasts whose scale was measured at their horizon: a miss of a scale
                // extrapolated beyond the horizons measured then is a lesson about the
                // extrapolation, and the scale now measured at that horizon has learnt it.
                let now = scored.filter { $0.origin == o && $0.horizon == h && $0.measured }
                guard !now.isEmpty else { continue }
                var t = theta[h] ?? adaptedLevels.map { _ in 0 }
                for (l, level) in adaptedLevels.enumerated() {
                    let limit = exp(t[l]) * q[l]
                    let missed = Double(now.filter { $0.score > limit }.count) / Double(now.count)
                    t[l] += rate * (missed - (1 - level))
                }
                theta[h] = t
            }
        }
        return theta.mapValues { $0.map { exp($0) } }
    }
}
