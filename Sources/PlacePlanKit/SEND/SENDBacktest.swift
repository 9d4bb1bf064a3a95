import Foundation

/// A backtest of the SEND flow model on total plans by age band: fit on the Januaries up
/// to an origin, forecast the next years, and compare with the plans published. The
/// band model is the SEND model's core (plans ageing through the year groups, cessation,
/// new plans at rates per pupil with the trend assumption) at the level of detail the
/// older DfE files have; the mainstream pupils are the actual census (aged on a year group
/// a year past its last January), so that the test is of the SEND model alone. Outcomes
/// are the age-band file's plans and, after it ends, the caseload file's plans of ages
/// 5-15 (Y1-Y11 totals only).
public struct SENDBacktest: Sendable {
    public struct Record: Sendable, Hashable {
        public var method: String
        public var authority: String
        public var band: AgeBand?
        /// The January fitted through.
        public var origin: Int
        public var horizon: Int
        public var forecast: Double
        public var actual: Double
        /// The 80% and 95% intervals drawn around this forecast, calibrated on the Januaries
        /// before its origin (``withIntervals(_:)``): the model's Y1-Y11 rows only.
        public var interval80: ClosedRange<Double>? = nil
        public var interval95: ClosedRange<Double>? = nil
        public var error: Double { (forecast - actual) / actual }
    }

    /// The Januaries forecast from.
    public let origins: [Int]
    public let methods: [String]
    public private(set) var records: [Record]
    /// Authorities forecast from at least one origin.
    public let authorities: Int
    /// The last January fitted through.
    public var fitThrough: Int { origins.last ?? 0 }

    /// The bands compared: those whose year groups the census covers in full.
    public static let bands: [AgeBand] = [.age5to10, .age11to15]
    /// The default model's name in the records.
    public static let model = "model"
    /// The methods compared by default: the model (damped national momentum, pull to the
    /// pooled rate), the model before the pooled trend (the authority's own growth, damped
    /// with persistence 0.7), and continued or held national momentum.
    public static let defaultMethods: [Method] = [
        Method(name: "damped, pooled (model)", trend: .default, pooled: true),
        Method(name: "own growth, damped 0.7 (before)", trend: .damped(longRun: 0.02, persistence: 0.7), pooled: false),
        Method(name: "continue, pooled", trend: .continueGrowth, pooled: true),
        Method(name: "hold, pooled", trend: .hold, pooled: true),
    ]

    /// A way of forecasting new plans: a trend on the authority's own growth, or on national
    /// momentum with the pull to the pooled rate (``SENDPooledTrend``).
    public struct Method: Sendable {
        public var name: String
        public var trend: SENDTrend
        public var pooled: Bool
        public init(name: String, trend: SENDTrend, pooled: Bool) {
            self.name = name
            self.trend = trend
            self.pooled = pooled
        }
    }

    /// Rolling origins: ``run(histories:data:pooled:fitThrough:horizon:methods:baseline:)``
    /// from every January in `origins` (default ``origins(_:)``), each as far ahead as the
    /// published plans allow.
    public static func rolling(
        histories: [String: EHCPHistory], data: DataSet, pooled: SENDPooledTrend?, origins: ClosedRange<Int>? = nil, horizon: Int = 5,
        methods: [Method] = defaultMethods, baseline: Bool = true
    ) -> SENDBacktest {
        guard let januaries = origins ?? Self.origins(histories) else {
            return SENDBacktest(origins: [], methods: methods.map(\.name), records: [], authorities: 0)
        }
        var records: [Record] = [], names: Set<String> = []
        for o in januaries {
            let b = run(histories: histories, data: data, pooled: pooled, fitThrough: o, horizon: horizon, methods: methods, baseline: baseline)
            records += b.records
            names.formUnion(b.records.map(\.authority))
        }
        return SENDBacktest(
            origins: Array(januaries), methods: methods.map(\.name) + (baseline ? ["prevalence trend"] : []), records: records, authorities: names.count)
    }

    /// Every January a rolling backtest can start from: four Januaries of plans by age band
    /// before it (three to fit cessation, the fourth to start from), up to the last January
    /// with plans by age band before the last outcome. From each, the inner origins (from
    /// three years after the first plans) give the errors its intervals are calibrated on.
    public static func origins(_ histories: [String: EHCPHistory]) -> ClosedRange<Int>? {
        guard let first = histories.values.compactMap({ $0.plansByBand.keys.min() }).min(),
            let lastBand = histories.values.compactMap({ $0.plansByBand.keys.max() }).max()
        else { return nil }
        let upper = min(lastBand, lastOutcome(histories) - 1)
        return first + 4 <= upper ? (first + 4)...upper : nil
    }

    /// Plans of Years 1-11 from plans by age band: the 5-10 and 11-15 bands, nil without either.
    static func year1to11(_ plans: [AgeBand: Double]?) -> Double? {
        guard let a5 = plans?[.age5to10], let a11 = plans?[.age11to15] else { return nil }
        return a5 + a11
    }

    /// The last January with an outcome: plans by age band, or of ages 5-15 in the caseload file.
    static func lastOutcome(_ histories: [String: EHCPHistory]) -> Int {
        histories.values.compactMap { h in [h.plansByBand.keys.max(), h.plansYear1to11.keys.max()].compactMap { $0 }.max() }.max() ?? 0
    }

    /// Fits on the Januaries up to `fitThrough` and forecasts `horizon` years on.
    /// - Parameters:
    ///   - pooled: national momentum and the pooled rate, for the methods that use them
    ///     (skipped without it).
    ///   - baseline: whether to add the prevalence-trend baseline (the calibration of the
    ///     draws reads only the model's errors, so it leaves it out).
    public static func run(
        histories: [String: EHCPHistory], data: DataSet, pooled: SENDPooledTrend?, fitThrough: Int = 2017, horizon: Int = 5,
        methods: [Method] = defaultMethods, baseline: Bool = true
    ) -> SENDBacktest {
        var records: [Record] = []
        var count = 0
        let methods = methods.filter { !$0.pooled || pooled != nil }
        let lastCensus = data.rolls.years.last
        for (code, full) in histories.sorted(by: { $0.key < $1.key }) {
            guard let a = data.areas.firstIndex(where: { $0.id == code || $0.localAuthority == code }) else { continue }
            func census(_ year: AcademicYear) -> [Double]? {
                guard let t = data.rolls.yearIndex(year) else { return nil }
                return YearGroup.all.map { data.rolls.pupils(yearIndex: t, area: a, $0) ?? 0 }
            }
            // Past the census, its last cohorts move up a year group a year (Reception held).
            func pupils(_ year: AcademicYear) -> [Double]? {
                if let n = census(year) { return n }
                guard let last = lastCensus, year > last, var n = census(last) else { return nil }
                for _ in 0..<(year - last) { n = [n[0]] + n.dropLast() }
                return n
            }
            // What was known at January `fitThrough`: plans to then, new plans to the year before.
            var known = full
            known.plansByBand = full.plansByBand.filter { $0.key <= fitThrough }
            known.newPlansByBand = full.newPlansByBand.filter { $0.key < fitThrough }
            known.plansYear1to11 = [:]
            guard let start = known.plansByBand[fitThrough], Self.bands.allSatisfy({ start[$0] != nil }) else { continue }
            let cessation = SENDCalibration.cessationRates(known)
            let shape = SENDCalibration.joinShape(known, pupils: census)
            guard shape.rates.contains(where: { $0 > 0 }), shape.unmeasured.isEmpty else { continue }
            count += 1
            // Plans by year group at the start: each band spread evenly over its year groups.
            var stock = [Double](repeating: 0, count: YearGroup.count)
            for b in [AgeBand.age5to10, .age11to15, .age16to19] {
                for g in b.yearGroups { stock[g.index] = (start[b] ?? 0) / Double(b.yearGroups.count) }
            }
            let originYear = AcademicYear(fitThrough - 1)
            if let n = census(originYear) { stock[0] = shape.rates[0] * n[0] }
            // The pooled trend: momentum, the authority's relative level, and the pooled rate's
            // move from the three years' mean (where the rates sit) to the last year.
            let momentum = pooled?.momentum(through: fitThrough)
            let relative = pooled?.relativeLevel(of: shape.totals, before: fitThrough) ?? 0
            let shift = pooled?.levelShift(before: fitThrough) ?? 1
            for m in methods {
                if m.pooled && momentum == nil { continue }
                var s = stock
                for h in 1...horizon {
                    let january = fitThrough + h
                    guard let n = pupils(AcademicYear(january - 1)) else { break }
                    let factor = (m.pooled ? shift : 1) * SENDCalibration.newPlanFactor(
                        m.trend, growth: m.pooled ? momentum!.growth : shape.growth, relativeLevel: m.pooled ? relative : 0, years: h)
                    var next = [Double](repeating: 0, count: YearGroup.count)
                    for g in 0..<YearGroup.count {
                        let survivors = g > 0 ? s[g - 1] * (1 - cessation[g - 1]) : 0
                        next[g] = survivors + shape.rates[g] * factor * n[g]
                    }
                    s = next
                    let total = (1...11).reduce(0.0) { $0 + s[$1] }
                    func record(_ band: AgeBand?, _ f: Double, _ actual: Double) {
                        records.append(Record(method: m.name, authority: full.authority, band: band, origin: fitThrough, horizon: h, forecast: f, actual: actual))
                    }
                    if let plans = full.plansByBand[january] {
                        for b in Self.bands {
                            guard let actual = plans[b], actual > 0 else { continue }
                            record(b, b.yearGroups.reduce(0.0) { $0 + s[$1.index] }, actual)
                        }
                        if let y1to11 = Self.year1to11(plans), y1to11 > 0 { record(nil, total, y1to11) }
                    } else if let actual = full.plansYear1to11[january], actual > 0 {
                        record(nil, total, actual)
                    }
                }
            }
            // Baseline: each band's prevalence (plans per pupil) on its least-squares trend
            // over the last five Januaries, times the actual pupils; the total from its bands,
            // or from the Y1-Y11 prevalence where only the total is published.
            guard baseline else { continue }
            var prevalence: [AgeBand?: (mean: Double, slope: Double, x: Double)] = [:]
            for b in Self.bands.map(Optional.some) + [nil] {
                let years = b?.yearGroups ?? (1...11).map { YearGroup.all[$0] }
                let points = (fitThrough - 4...fitThrough).compactMap { y -> (Double, Double)? in
                    guard let n = census(AcademicYear(y - 1)) else { return nil }
                    let plans = b.map { known.plansByBand[y]?[$0] } ?? Self.year1to11(known.plansByBand[y])
                    guard let plans else { return nil }
                    let cohort = years.reduce(0.0) { $0 + n[$1.index] }
                    return cohort > 0 ? (Double(y), plans / cohort) : nil
                }
                guard points.count >= 2 else { continue }
                let mx = points.reduce(0) { $0 + $1.0 } / Double(points.count), my = points.reduce(0) { $0 + $1.1 } / Double(points.count)
                let sxx = points.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
                prevalence[b] = (my, sxx > 0 ? points.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx : 0, mx)
            }
            for h in 1...horizon {
                let january = fitThrough + h
                guard let n = pupils(AcademicYear(january - 1)) else { continue }
                for b in Self.bands.map(Optional.some) + [nil] {
                    guard let p = prevalence[b] else { continue }
                    let actual = b.map { full.plansByBand[january]?[$0] } ?? (Self.year1to11(full.plansByBand[january]) ?? full.plansYear1to11[january])
                    guard let actual, actual > 0 else { continue }
                    let years = b?.yearGroups ?? (1...11).map { YearGroup.all[$0] }
                    let f = (p.mean + p.slope * (Double(january) - p.x)) * years.reduce(0.0) { $0 + n[$1.index] }
                    records.append(Record(method: "prevalence trend", authority: full.authority, band: b, origin: fitThrough, horizon: h, forecast: f, actual: actual))
                }
            }
        }
        return SENDBacktest(
            origins: [fitThrough], methods: methods.map(\.name) + (baseline ? ["prevalence trend"] : []), records: records, authorities: count)
    }

    /// The errors of the SEND model's Y1-Y11 plans from every January origin o up to `last`
    /// (outcomes up to January `last` only), ``EmpiricalErrors/measuredHorizon`` years ahead
    /// at most, as a live run and the backtest's bands measure them: calibration records,
    /// one per authority (area = its index in `authorities`), origin and horizon,
    /// l = log(forecast / actual).
    public static func measuredErrors(
        histories: [String: EHCPHistory], data: DataSet, pooled: SENDPooledTrend?, through last: Int, trend: SENDTrend = .default
    ) -> (errors: EmpiricalErrors, authorities: [String]) {
        let names = histories.values.map(\.authority).sorted()
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let first = histories.values.compactMap { $0.plansByBand.keys.min() }.min() ?? last
        var records: [EmpiricalErrors.Record] = []
        for o in (first + 3)..<max(first + 3, last) {
            let b = run(
                histories: histories, data: data, pooled: pooled, fitThrough: o, horizon: min(EmpiricalErrors.measuredHorizon, last - o),
                methods: [Method(name: model, trend: trend, pooled: pooled != nil)], baseline: false)
            for r in b.records where r.band == nil && r.forecast > 0 && r.actual > 0 {
                guard let a = index[r.authority] else { continue }
                records.append(.init(origin: AcademicYear(o), area: a, phase: 0, horizon: r.horizon, logError: log(r.forecast / r.actual)))
            }
        }
        return (EmpiricalErrors(records: records), names)
    }

    /// The errors the SEND draws of `history`'s authority are calibrated on
    /// (``SENDRunner/run(history:data:run:assumptions:pooled:uncertainty:measured:progress:)``'s
    /// `measured`): ``measuredErrors(histories:data:pooled:through:trend:)`` over every
    /// authority in `histories`, through the last January with an outcome, with the
    /// authority's index among them. Nil when it has no plans, is not among them, or no
    /// January had outcomes.
    public static func measuredErrors(
        for history: EHCPHistory, histories: [String: EHCPHistory], data: DataSet, pooled: SENDPooledTrend?, trend: SENDTrend = .default
    ) -> SENDMeasuredErrors? {
        guard !history.plansByBand.isEmpty else { return nil }
        let last = lastOutcome(histories)
        let (errors, names) = measuredErrors(histories: histories, data: data, pooled: pooled, through: last, trend: trend)
        guard let index = names.firstIndex(of: history.authority), !errors.isEmpty else { return nil }
        return SENDMeasuredErrors(errors: errors, authority: index, authorities: names.count)
    }

    /// Why ``measuredErrors(for:histories:data:pooled:trend:)`` found no errors for
    /// `history`'s authority, in words for the user: the authority is missing from the
    /// files, or the files span too few Januaries for a forecast with an outcome.
    public static func uncalibratedReason(for history: EHCPHistory, histories: [String: EHCPHistory]) -> String {
        guard let last = history.plansByBand.keys.max() else {
            return "the EHCP files hold no plans by age band for \(history.authority)"
        }
        guard histories.values.contains(where: { $0.authority == history.authority }) else {
            return "\(history.authority) is not among the authorities in the EHCP age-band files"
        }
        let first = histories.values.compactMap { $0.plansByBand.keys.min() }.min() ?? last
        if last < first + 4 {
            return "the EHCP files hold plans for January \(first) to \(last); the SEND backtest needs five Januaries "
                + "(three to fit, a fourth to forecast from, a fifth to check it against)"
        }
        return "the SEND backtest's forecasts from January \(first + 3) to \(last - 1) gave no errors to measure "
            + "(no forecast and outcome both above zero)"
    }

    /// Interval coverage of the Y1-Y11 plans forecast from January `fitThrough`, by horizon:
    /// the intervals come from the errors measured on the Januaries before it (outcomes up
    /// to `fitThrough`), calibrated as the draws are (``CalibratedErrors``).
    public static func coverage(
        histories: [String: EHCPHistory], data: DataSet, pooled: SENDPooledTrend?, fitThrough: Int = 2017, horizon: Int = 5,
        adaptation: Double = CalibratedErrors.adaptationRate
    ) -> [Int: CoverageSummary] {
        rollingCoverage(histories: histories, data: data, pooled: pooled, fitThroughs: fitThrough...fitThrough, horizon: horizon, adaptation: adaptation)
    }

    /// Rolling interval coverage: ``coverage(histories:data:pooled:fitThrough:horizon:adaptation:)``
    /// from every January in `fitThroughs` (default ``origins(_:)``), each as far
    /// ahead as the plans published allow (up to `horizon` years), pooled by horizon with the
    /// origins as clusters.
    public static func rollingCoverage(
        histories: [String: EHCPHistory], data: DataSet, pooled: SENDPooledTrend?, fitThroughs: ClosedRange<Int>? = nil, horizon: Int = 5,
        adaptation: Double = CalibratedErrors.adaptationRate
    ) -> [Int: CoverageSummary] {
        let records = rollingIntervalRecords(histories: histories, data: data, pooled: pooled, fitThroughs: fitThroughs, horizon: horizon, adaptation: adaptation)
        return Dictionary(grouping: records, by: \.horizon).compactMapValues { CoverageSummary($0) }
    }

    /// The Y1-Y11 forecasts from every January in `fitThroughs` (default
    /// ``origins(_:)``), each with its 80% and 95% interval.
    public static func rollingIntervalRecords(
        histories: [String: EHCPHistory], data: DataSet, pooled: SENDPooledTrend?, fitThroughs: ClosedRange<Int>? = nil, horizon: Int = 5,
        adaptation: Double = CalibratedErrors.adaptationRate
    ) -> [BacktestRecord] {
        guard let januaries = fitThroughs ?? origins(histories) else { return [] }
        let last = lastOutcome(histories)
        var records: [BacktestRecord] = []
        for f in januaries where f < last {
            records += intervalRecords(histories: histories, data: data, pooled: pooled, fitThrough: f, horizon: min(horizon, last - f), adaptation: adaptation)
        }
        return records
    }

    /// The Y1-Y11 forecasts from January `fitThrough`, each with its 80% and 95% interval.
    /// The errors behind the intervals are measured as a live `send --draws` measures them,
    /// whatever `horizon` is, so that the backtest scores the bands a live run draws.
    static func intervalRecords(
        histories: [String: EHCPHistory], data: DataSet, pooled: SENDPooledTrend?, fitThrough: Int, horizon: Int, adaptation: Double
    ) -> [BacktestRecord] {
        let (errors, names) = measuredErrors(histories: histories, data: data, pooled: pooled, through: fitThrough)
        guard let calibrated = errors.calibrated(areas: names.count, horizon: horizon, adaptation: adaptation) else { return [] }
        let phase = calibrated.phases[0]
        let z = UncertaintySettings.quantiles.map { NormalQuantile.of($0) }
        let b = run(
            histories: histories, data: data, pooled: pooled, fitThrough: fitThrough, horizon: horizon,
            methods: [Method(name: model, trend: .default, pooled: pooled != nil)], baseline: false)
        var out: [BacktestRecord] = []
        for r in b.records where r.band == nil {
            guard let a = names.firstIndex(of: r.authority) else { continue }
            let q = z.map { r.forecast / exp(phase.location[r.horizon] + phase.scale[a][r.horizon] * phase.score($0, horizon: r.horizon)) }.sorted()
            var record = BacktestRecord(method: "model", origin: AcademicYear(fitThrough), horizon: r.horizon, area: r.authority, phase: .primary, forecast: r.forecast, actual: r.actual)
            record.interval80 = q[2]...q[4]
            record.interval95 = q[0]...q[6]
            out.append(record)
        }
        return out
    }

    /// The backtest with the intervals of ``rollingIntervalRecords(histories:data:pooled:fitThroughs:horizon:adaptation:)``
    /// on the records they were drawn around: the first method's (the model's) Y1-Y11
    /// forecasts of the same authority, origin and horizon, where the forecast is the same
    /// (an interval is never put beside another forecast).
    public func withIntervals(_ intervals: [BacktestRecord]) -> SENDBacktest {
        struct Key: Hashable { var authority: String, origin: Int, horizon: Int }
        let byKey = Dictionary(intervals.map { (Key(authority: $0.area, origin: $0.origin.startYear, horizon: $0.horizon), $0) }, uniquingKeysWith: { a, _ in a })
        var copy = self
        for i in copy.records.indices {
            let r = copy.records[i]
            guard r.band == nil, r.method == methods.first, let match = byKey[Key(authority: r.authority, origin: r.origin, horizon: r.horizon)],
                abs(match.forecast - r.forecast) <= 1e-9 * max(1, r.forecast)
            else { continue }
            copy.records[i].interval80 = match.interval80
            copy.records[i].interval95 = match.interval95
        }
        return copy
    }

    /// The backtest of some authorities only (by their EHCP names): the same forecasts, each
    /// made with whatever the whole run pooled (momentum, the pooled rate), as a live run of
    /// one authority pools over every authority in the folder.
    public func restricted(to authorities: Set<String>) -> SENDBacktest {
        let kept = records.filter { authorities.contains($0.authority) }
        return SENDBacktest(origins: origins, methods: methods, records: kept, authorities: Set(kept.map(\.authority)).count)
    }

    /// Mean absolute percentage error for a method, band (nil: Y1-Y11 total) and horizon.
    public func mape(_ method: String, band: AgeBand?, horizon: Int) -> Double? {
        let r = records.filter { $0.method == method && $0.band == band && $0.horizon == horizon }
        return r.isEmpty ? nil : 100 * r.reduce(0) { $0 + abs($1.error) } / Double(r.count)
    }

    /// The median signed percentage error (forecast − actual) / actual for a method, band
    /// (nil: Y1-Y11 total) and horizon: negative when the method under-forecasts.
    public func medianBias(_ method: String, band: AgeBand?, horizon: Int) -> Double? {
        let e = records.filter { $0.method == method && $0.band == band && $0.horizon == horizon }.map(\.error).sorted()
        guard !e.isEmpty else { return nil }
        return 100 * (e.count % 2 == 1 ? e[e.count / 2] : (e[e.count / 2 - 1] + e[e.count / 2]) / 2)
    }

    /// The gates' verdict on the first method's (the model's) Y1-Y11 totals, one line per
    /// gate missed: MAPE above a `maxError` limit, |median bias| above a `maxBias` limit, or
    /// the coverage of `intervals` (by horizon) outside a `coverage` range at any horizon.
    public func gateFailures(
        maxError: [AccuracyGate], maxBias: [AccuracyGate], coverage: [CoverageGate], intervals: [Int: CoverageSummary]
    ) -> [String] {
        let model = methods[0]
        var failures: [String] = []
        for g in maxError {
            let v = mape(model, band: nil, horizon: g.horizon)
            if !(v.map { $0 <= g.limit } ?? false) {
                failures.append("SEND Y1-Y11 MAPE h\(g.horizon) is \(v.map { Format.decimal($0, places: 2) + "%" } ?? "not measured"), above \(Format.decimal(g.limit, places: 2))%")
            }
        }
        for g in maxBias {
            let v = medianBias(model, band: nil, horizon: g.horizon)
            if !(v.map { abs($0) <= g.limit } ?? false) {
                failures.append("SEND Y1-Y11 median bias h\(g.horizon) is \(v.map { Format.decimal($0, places: 2, signed: true) + "%" } ?? "not measured"), beyond ±\(Format.decimal(g.limit, places: 2))%")
            }
        }
        for g in coverage {
            for h in intervals.keys.sorted() {
                let v = g.level == 80 ? intervals[h]!.coverage80 : intervals[h]!.coverage95
                if !g.range.contains(v) {
                    failures.append("SEND \(g.level)% interval coverage h\(h) is \(Format.decimal(v, places: 1))%, outside \(Format.decimal(g.range.lowerBound))-\(Format.decimal(g.range.upperBound))%")
                }
            }
            if intervals.isEmpty { failures.append("SEND \(g.level)% interval coverage: no intervals to measure") }
        }
        return failures
    }

    /// The report table: MAPE by method, band and horizon, and the median bias of the Y1-Y11 totals.
    public func table() -> TextTable {
        let horizons = Array(Set(records.map(\.horizon))).sorted()
        let fitted = origins.count == 1 ? "fit on the Januaries to \(fitThrough)" : "rolling origins January \(origins.first!)-\(fitThrough)"
        let lastJanuary = records.map { $0.origin + $0.horizon }.max() ?? fitThrough
        var t = TextTable(
            title: "SEND backtest: \(fitted), forecast to January \(lastJanuary); MAPE of plans, %, over \(authorities) LAs "
                + "(\(Format.count(Double(records.filter { $0.band == nil && $0.method == methods.first }.count))) Y1-Y11 forecasts by the first method)",
            headers: ["Plans", "Method"] + horizons.map { "h\($0)" }, rightAligned: [false, false] + horizons.map { _ in true })
        for band in [nil] + Self.bands.map(Optional.some) {
            for m in methods {
                t.rows.append([TextTable.Cell(band?.rawValue ?? "Age 5 to 15 (Y1-Y11)"), TextTable.Cell(m)]
                    + horizons.map { h in TextTable.Cell(mape(m, band: band, horizon: h).map { Format.decimal($0, places: 1) } ?? "-") })
            }
        }
        for m in methods {
            t.rows.append([TextTable.Cell("Y1-Y11 median bias, %"), TextTable.Cell(m)]
                + horizons.map { h in TextTable.Cell(medianBias(m, band: nil, horizon: h).map { Format.decimal($0, places: 1, signed: true) } ?? "-") })
        }
        return t
    }
}

extension EHCPHistory {
    /// Reads the EHCP files once for every local authority in them (keyed by DfE number).
    public static func loadAll(directory: String) throws(PlacePlanError) -> [String: EHCPHistory] {
        guard let files = try files(in: directory) else {
            throw .fileNotFound(path: directory, hint: "the SEND backtest needs the DfE EHCP files (ehcp_by_age_band_*.csv and ehcp_new_plans_by_age_band_*.csv)")
        }
        var out: [String: EHCPHistory] = [:]
        for (fileKey, column) in [("bands", "total_all"), ("new", "total_new_all")] {
            let f = try CSVFile(path: files[fileKey]!)
            let year = try f.require("time_period")
            let band = try f.require("characteristic_age")
            let value = try f.require(column)
            let level = try f.require("geographic_level")
            let code = try f.require("old_la_code")
            let name = try f.require("la_name")
            try forEachRecord(f) { r throws(PlacePlanError) in
                guard r.text(level).lowercased().hasPrefix("local"), let b = AgeBand(rawValue: r.text(band)) else { return }
                let la = r.text(code)
                var h = out[la] ?? EHCPHistory(
                    authority: r.text(name), plansByBand: [:], newPlansByBand: [:], plansByAge: [:], independentByAge: [:], needByAge: [:],
                    needByPlacement: [:], needYear: nil, files: Array(files.values).sorted())
                let y = try r.integer(year)
                guard let v = try r.count(value, allowMissing: true) else { return }
                if fileKey == "bands" {
                    if h.plansByBand[y]?[b] == nil { h.plansByBand[y, default: [:]][b] = v }
                } else if h.newPlansByBand[y]?[b] == nil {
                    h.newPlansByBand[y, default: [:]][b] = v
                }
                out[la] = h
            }
        }
        // Outcomes after the age-band file: plans of Years 1-11 from the caseload file.
        if let path = files["placement"] {
            let p = try CSVFile(path: path)
            let level = try p.require("geographic_level"), code = try p.require("old_la_code")
            let byLA = try plansYear1to11(p, matching: { $0.text(level).lowercased().hasPrefix("local") }, key: { $0.text(code) })
            for (la, plans) in byLA where out[la] != nil { out[la]!.plansYear1to11 = plans }
        }
        return out
    }
}

/// The measured errors that calibrate one authority's SEND draws: the SEND model's errors over
/// several authorities (each an "area" of ``EmpiricalErrors``), and which of them it is.
public struct SENDMeasuredErrors: Sendable {
    public var errors: EmpiricalErrors
    /// The authority's index among the measured ones.
    public var authority: Int
    /// How many authorities were measured.
    public var authorities: Int

    public init(errors: EmpiricalErrors, authority: Int, authorities: Int) {
        self.errors = errors
        self.authority = authority
        self.authorities = authorities
    }
}
