import Foundation

/// A backtest of the SEND flow model on total plans by age band: fit on the Januaries up
/// to `fitThrough`, forecast the next years, and compare with the plans published. The
/// band model is the SEND model's core (plans ageing through the year groups, cessation,
/// new plans at rates per pupil with the trend assumption) at the level of detail the
/// older DfE files have; the mainstream pupils are the actual census, so that the test
/// is of the SEND model alone.
public struct SENDBacktest: Sendable {
    public struct Record: Sendable, Hashable {
        public var method: String
        public var authority: String
        public var band: AgeBand?
        public var horizon: Int
        public var forecast: Double
        public var actual: Double
        public var error: Double { (forecast - actual) / actual }
    }

    public let fitThrough: Int
    public let methods: [String]
    public let records: [Record]
    public let authorities: Int

    /// The bands compared: those whose year groups the census covers in full.
    public static let bands: [AgeBand] = [.age5to10, .age11to15]

    /// - Parameter baseline: whether to add the prevalence-trend baseline (the calibration
    ///   of the draws reads only the model's errors, so it leaves it out).
    public static func run(
        histories: [String: EHCPHistory], data: DataSet, fitThrough: Int = 2017, horizon: Int = 5,
        trends: [(String, SENDTrend)] = [("damped", .default), ("continue", .continueGrowth), ("hold", .hold)], baseline: Bool = true
    ) -> SENDBacktest {
        var records: [Record] = []
        var count = 0
        for (code, full) in histories.sorted(by: { $0.key < $1.key }) {
            guard let a = data.areas.firstIndex(where: { $0.id == code || $0.localAuthority == code }) else { continue }
            func pupils(_ year: AcademicYear) -> [Double]? {
                guard let t = data.rolls.yearIndex(year) else { return nil }
                return YearGroup.all.map { data.rolls.pupils(yearIndex: t, area: a, $0) ?? 0 }
            }
            // What was known at January `fitThrough`: plans to then, new plans to the year before.
            var known = full
            known.plansByBand = full.plansByBand.filter { $0.key <= fitThrough }
            known.newPlansByBand = full.newPlansByBand.filter { $0.key < fitThrough }
            guard let start = known.plansByBand[fitThrough], Self.bands.allSatisfy({ start[$0] != nil }) else { continue }
            let cessation = SENDCalibration.cessationRates(known)
            let shape = SENDCalibration.joinShape(known, pupils: pupils)
            guard shape.rates.contains(where: { $0 > 0 }) else { continue }
            count += 1
            // Plans by year group at the start: each band spread evenly over its year groups.
            var stock = [Double](repeating: 0, count: YearGroup.count)
            for b in [AgeBand.age5to10, .age11to15, .age16to19] {
                for g in b.yearGroups { stock[g.index] = (start[b] ?? 0) / Double(b.yearGroups.count) }
            }
            let originYear = AcademicYear(fitThrough - 1)
            if let n = pupils(originYear) { stock[0] = shape.rates[0] * n[0] }
            for (name, trend) in trends {
                var s = stock
                for h in 1...horizon {
                    let january = fitThrough + h
                    guard let n = pupils(AcademicYear(january - 1)) else { break }
                    let factor = trend.factor(growth: shape.growth, years: h)
                    var next = [Double](repeating: 0, count: YearGroup.count)
                    for g in 0..<YearGroup.count {
                        let survivors = g > 0 ? s[g - 1] * (1 - cessation[g - 1]) : 0
                        next[g] = survivors + shape.rates[g] * factor * n[g]
                    }
                    s = next
                    for b in Self.bands {
                        guard let actual = full.plansByBand[january]?[b], actual > 0 else { continue }
                        let f = b.yearGroups.reduce(0.0) { $0 + s[$1.index] }
                        records.append(Record(method: name, authority: full.authority, band: b, horizon: h, forecast: f, actual: actual))
                    }
                    if let a5 = full.plansByBand[january]?[.age5to10], let a11 = full.plansByBand[january]?[.age11to15] {
                        let f = (1...11).reduce(0.0) { $0 + s[$1] }
                        records.append(Record(method: name, authority: full.authority, band: nil, horizon: h, forecast: f, actual: a5 + a11))
                    }
                }
            }
            // Baseline: each band's prevalence (plans per pupil) on its least-squares trend
            // over the last five Januaries, times the actual pupils.
            for b in Self.bands where baseline {
                let points = (fitThrough - 4...fitThrough).compactMap { y -> (Double, Double)? in
                    guard let plans = known.plansByBand[y]?[b], let n = pupils(AcademicYear(y - 1)) else { return nil }
                    let cohort = b.yearGroups.reduce(0.0) { $0 + n[$1.index] }
                    return cohort > 0 ? (Double(y), plans / cohort) : nil
                }
                guard points.count >= 2 else { continue }
                let mx = points.reduce(0) { $0 + $1.0 } / Double(points.count), my = points.reduce(0) { $0 + $1.1 } / Double(points.count)
                let sxx = points.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
                let slope = sxx > 0 ? points.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx : 0
                for h in 1...horizon {
                    let january = fitThrough + h
                    guard let n = pupils(AcademicYear(january - 1)), let actual = full.plansByBand[january]?[b], actual > 0 else { continue }
                    let prevalence = my + slope * (Double(january) - mx)
                    let f = prevalence * b.yearGroups.reduce(0.0) { $0 + n[$1.index] }
                    records.append(Record(method: "prevalence trend", authority: full.authority, band: b, horizon: h, forecast: f, actual: actual))
                }
            }
        }
        // Baseline totals: the sum of its bands.
        let prevalence = records.filter { $0.method == "prevalence trend" }
        for key in Set(prevalence.map { "\($0.authority)|\($0.horizon)" }) {
            let parts = prevalence.filter { "\($0.authority)|\($0.horizon)" == key }
            guard parts.count == Self.bands.count else { continue }
            records.append(Record(
                method: "prevalence trend", authority: parts[0].authority, band: nil, horizon: parts[0].horizon,
                forecast: parts.reduce(0) { $0 + $1.forecast }, actual: parts.reduce(0) { $0 + $1.actual }))
        }
        return SENDBacktest(
            fitThrough: fitThrough, methods: trends.map(\.0) + (baseline ? ["prevalence trend"] : []), records: records, authorities: count)
    }

    /// The errors of the SEND model's Y1-Y11 plans from every January origin o up to `last`
    /// (outcomes up to January `last` only), as calibration records: one per authority
    /// (area = its index in `authorities`), origin and horizon, l = log(forecast / actual).
    public static func measuredErrors(
        histories: [String: EHCPHistory], data: DataSet, through last: Int, horizon: Int, trend: SENDTrend = .default
    ) -> (errors: EmpiricalErrors, authorities: [String]) {
        let names = histories.values.map(\.authority).sorted()
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let first = histories.values.compactMap { $0.plansByBand.keys.min() }.min() ?? last
        var records: [EmpiricalErrors.Record] = []
        for o in (first + 3)..<max(first + 3, last) {
            let b = run(histories: histories, data: data, fitThrough: o, horizon: min(horizon, last - o), trends: [("model", trend)], baseline: false)
            for r in b.records where r.method == "model" && r.band == nil && r.forecast > 0 && r.actual > 0 {
                guard let a = index[r.authority] else { continue }
                records.append(.init(origin: AcademicYear(o), area: a, phase: 0, horizon: r.horizon, logError: log(r.forecast / r.actual)))
            }
        }
        return (EmpiricalErrors(records: records), names)
    }

    /// The errors the SEND draws of `history`'s authority are calibrated on
    /// (``SENDRunner/run(history:data:run:assumptions:uncertainty:measured:)``'s `measured`):
    /// ``measuredErrors(histories:data:through:horizon:trend:)`` over every authority in
    /// `histories`, through the authority's last January, with the authority's index among
    /// them. Nil when it has no plans, is not among them, or no January had outcomes.
    public static func measuredErrors(
        for history: EHCPHistory, histories: [String: EHCPHistory], data: DataSet, horizon: Int = 5, trend: SENDTrend = .default
    ) -> SENDMeasuredErrors? {
        guard let last = history.plansByBand.keys.max() else { return nil }
        let (errors, names) = measuredErrors(histories: histories, data: data, through: last, horizon: horizon, trend: trend)
        guard let index = names.firstIndex(of: history.authority), !errors.isEmpty else { return nil }
        return SENDMeasuredErrors(errors: errors, authority: index, authorities: names.count)
    }

    /// Why ``measuredErrors(for:histories:data:horizon:trend:)`` found no errors for
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
        histories: [String: EHCPHistory], data: DataSet, fitThrough: Int = 2017, horizon: Int = 5, adaptation: Double = CalibratedErrors.adaptationRate
    ) -> [Int: CoverageSummary] {
        let records = intervalRecords(histories: histories, data: data, fitThrough: fitThrough, horizon: horizon, adaptation: adaptation)
        return Dictionary(grouping: records, by: \.horizon).compactMapValues { CoverageSummary($0) }
    }

    /// The Januaries from which a forecast has both a calibration (inner origins start three
    /// years after the first plans, ``measuredErrors(histories:data:through:horizon:trend:)``,
    /// and need an outcome by the January) and a year of outcomes after it; nil when none.
    public static func calibratedJanuaries(_ histories: [String: EHCPHistory]) -> ClosedRange<Int>? {
        guard let first = histories.values.compactMap({ $0.plansByBand.keys.min() }).min(),
            let last = histories.values.compactMap({ $0.plansByBand.keys.max() }).max(), first + 4 < last
        else { return nil }
        return (first + 4)...(last - 1)
    }

    /// Rolling interval coverage: ``coverage(histories:data:fitThrough:horizon:adaptation:)``
    /// from every January in `fitThroughs` (default ``calibratedJanuaries(_:)``), each as far
    /// ahead as the plans published allow (up to `horizon` years), pooled by horizon with the
    /// origins as clusters.
    public static func rollingCoverage(
        histories: [String: EHCPHistory], data: DataSet, fitThroughs: ClosedRange<Int>? = nil, horizon: Int = 5,
        adaptation: Double = CalibratedErrors.adaptationRate
    ) -> [Int: CoverageSummary] {
        guard let januaries = fitThroughs ?? calibratedJanuaries(histories) else { return [:] }
        let last = histories.values.compactMap { $0.plansByBand.keys.max() }.max() ?? januaries.lowerBound
        var records: [BacktestRecord] = []
        for f in januaries where f < last {
            records += intervalRecords(histories: histories, data: data, fitThrough: f, horizon: min(horizon, last - f), adaptation: adaptation)
        }
        return Dictionary(grouping: records, by: \.horizon).compactMapValues { CoverageSummary($0) }
    }

    /// The Y1-Y11 forecasts from January `fitThrough`, each with its 80% and 95% interval.
    static func intervalRecords(histories: [String: EHCPHistory], data: DataSet, fitThrough: Int, horizon: Int, adaptation: Double) -> [BacktestRecord] {
        let (errors, names) = measuredErrors(histories: histories, data: data, through: fitThrough, horizon: horizon)
        guard let calibrated = errors.calibrated(areas: names.count, horizon: horizon, growth: 1, adaptation: adaptation) else { return [] }
        let phase = calibrated.phases[0]
        let z = UncertaintySettings.quantiles.map { NormalQuantile.of($0) }
        let b = run(histories: histories, data: data, fitThrough: fitThrough, horizon: horizon, trends: [("model", .default)], baseline: false)
        var out: [BacktestRecord] = []
        for r in b.records where r.method == "model" && r.band == nil {
            guard let a = names.firstIndex(of: r.authority) else { continue }
            let q = z.map { r.forecast / exp(phase.location[r.horizon] + phase.scale[a][r.horizon] * phase.score($0, horizon: r.horizon)) }.sorted()
            var record = BacktestRecord(method: "model", origin: AcademicYear(fitThrough), horizon: r.horizon, area: r.authority, phase: .primary, forecast: r.forecast, actual: r.actual)
            record.interval80 = q[2]...q[4]
            record.interval95 = q[0]...q[6]
            out.append(record)
        }
        return out
    }

    /// Mean absolute percentage error for a method, band (nil: Y1-Y11 total) and horizon.
    public func mape(_ method: String, band: AgeBand?, horizon: Int) -> Double? {
        let r = records.filter { $0.method == method && $0.band == band && $0.horizon == horizon }
        return r.isEmpty ? nil : 100 * r.reduce(0) { $0 + abs($1.error) } / Double(r.count)
    }

    /// The report table.
    public func table() -> TextTable {
        let horizons = Array(Set(records.map(\.horizon))).sorted()
        var t = TextTable(
            title: "SEND backtest: fit on January 2010-\(fitThrough), forecast January \(fitThrough + 1)-\(fitThrough + horizons.count); MAPE of plans, %, over \(authorities) LAs",
            headers: ["Plans", "Method"] + horizons.map { "h\($0)" }, rightAligned: [false, false] + horizons.map { _ in true })
        for band in [nil] + Self.bands.map(Optional.some) {
            for m in methods {
                t.rows.append([TextTable.Cell(band?.rawValue ?? "Age 5 to 15 (Y1-Y11)"), TextTable.Cell(m)]
                    + horizons.map { h in TextTable.Cell(mape(m, band: band, horizon: h).map { Format.decimal($0, places: 1) } ?? "-") })
            }
        }
        return t
    }
}

extension EHCPHistory {
    /// Reads the EHCP files once for every local authority in them (keyed by DfE number).
    public static func loadAll(directory: String) throws(PlacePlanError) -> [String: EHCPHistory] {
        guard let files = files(in: directory) else {
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
