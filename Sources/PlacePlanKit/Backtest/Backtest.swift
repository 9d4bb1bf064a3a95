import Foundation

/// What a backtest compares and how.
public struct BacktestSettings: Sendable, Hashable {
    /// Years ahead to forecast from each origin (default 5).
    public var horizon: Int
    /// Censuses needed up to an origin before it is used (default 4: three years of ratios).
    public var minimumHistory: Int
    /// The method under test (default auto).
    public var method: RatioMethod
    public var birthsProjection: BirthsProjection
    /// Baselines run beside it: last year's ratio and the plain 3-year mean.
    public var baselines: [RatioMethod]
    /// Phase totals smaller than this are left out of the metrics (a percentage error on a
    /// handful of pupils says nothing; the City of London has no secondary pupils).
    public var minimumActual: Double
    /// When set, the method under test also gives prediction intervals from this many
    /// draws, and the backtest reports their coverage and width.
    public var uncertainty: UncertaintySettings?
    /// Census years whose ratios the method under test leaves out (`--exclude-years`); the
    /// same method with every year then runs beside it, so the backtest shows the effect.
    public var excludedYears: Set<AcademicYear> = []
    /// Whether the method with every year runs beside one that leaves years out.
    public var comparesAllYears = true

    public init(
        horizon: Int = 5, minimumHistory: Int = 4, method: RatioMethod = .auto, birthsProjection: BirthsProjection = .default,
        baselines: [RatioMethod] = [.fixed(.mean(years: 1)), .fixed(.mean(years: 3))], minimumActual: Double = 100
    ) {
        self.horizon = horizon
        self.minimumHistory = minimumHistory
        self.method = method
        self.birthsProjection = birthsProjection
        self.baselines = baselines
        self.minimumActual = minimumActual
        uncertainty = nil
    }

    /// The method under test first, then the baselines.
    public var methods: [RatioMethod] { [method] + baselines.filter { $0 != method } }

    /// What runs, by name: the method under test (with any years left out), the same with
    /// every year when some are left out ("auto, all years"), then the baselines (every year).
    public var variants: [(name: String, options: ModelOptions)] {
        var out = [(method.description, ModelOptions(method: method, birthsProjection: birthsProjection, excludedYears: excludedYears))]
        if !excludedYears.isEmpty && comparesAllYears { out.append((Self.allYearsName(method), ModelOptions(method: method, birthsProjection: birthsProjection))) }
        for b in baselines where b != method { out.append((b.description, ModelOptions(method: b, birthsProjection: birthsProjection))) }
        return out
    }

    /// The name of the method under test run with every year.
    public static func allYearsName(_ method: RatioMethod) -> String { "\(method), all years" }
}

/// One forecast compared with what happened.
public struct BacktestRecord: Sendable, Hashable {
    public var method: String
    public var origin: AcademicYear
    public var horizon: Int
    public var area: String
    public var phase: ReportingPhase
    /// nil for the phase total.
    public var yearGroup: YearGroup?
    public var forecast: Double
    public var actual: Double
    /// The 80% and 95% prediction intervals, when draws were run (phase totals only).
    public var interval80: ClosedRange<Double>? = nil
    public var interval95: ClosedRange<Double>? = nil
    /// DfE's accuracy formula: (forecast − actual) / actual.
    public var error: Double { (forecast - actual) / actual }
}

/// A rolling-origin backtest: from every origin with enough history, fit on the data known
/// then, forecast, and compare with the rolls that followed.
///
/// No peeking: at origin T the model sees rolls up to T and births dated up to mid-year T
/// (which feed Reception up to T+4); later births are projected as a live forecast would.
public struct Backtest: Sendable {
    public let settings: BacktestSettings
    public let dataLabel: String
    public let origins: [AcademicYear]
    public let records: [BacktestRecord]
    /// The estimators each method used at each origin.
    public let selections: [String: [AcademicYear: EstimatorSelection]]
    /// What the data loader did that the reader should know (series merged across LA
    /// reorganisations, LAs left out and why).
    public var notes: [String] = []
    /// The records grouped by method, horizon and year group (nil: phase totals), in record
    /// order, so that each summary reads only its own group.
    let groups: [GroupKey: [Int]]
    /// The horizons and phases with any records.
    public let horizons: [Int]
    public let phases: [ReportingPhase]

    struct GroupKey: Hashable {
        var method: String
        var horizon: Int
        var yearGroup: YearGroup?
    }

    init(settings: BacktestSettings, dataLabel: String, origins: [AcademicYear], records: [BacktestRecord], selections: [String: [AcademicYear: EstimatorSelection]]) {
        self.settings = settings
        self.dataLabel = dataLabel
        self.origins = origins
        self.records = records
        self.selections = selections
        var groups: [GroupKey: [Int]] = [:]
        var horizons = Set<Int>(), phases = Set<ReportingPhase>()
        for (i, r) in records.enumerated() {
            groups[GroupKey(method: r.method, horizon: r.horizon, yearGroup: r.yearGroup), default: []].append(i)
            horizons.insert(r.horizon)
            phases.insert(r.phase)
        }
        self.groups = groups
        self.horizons = horizons.sorted()
        self.phases = ReportingPhase.allCases.filter(phases.contains)
    }

    /// - Parameter progress: told of each origin as it starts (e.g. "origin 2016/17, 3 of 8,
    ///   1000 draws"), for a progress line.
    public static func run(
        _ data: DataSet, settings: BacktestSettings = BacktestSettings(), progress: (@Sendable (RunProgress) -> Void)? = nil
    ) throws(PlacePlanError) -> Backtest {
        let years = data.rolls.years
        guard (1...ForecastSettings.maximumHorizon).contains(settings.horizon) else {
            throw .invalidOption(option: "--years", message: "\(settings.horizon) is outside 1...25", hint: "backtest 1 to 25 years ahead, e.g. --years 5")
        }
        if let last = years.last, let (message, hint) = DataSet.excludedAfterCensus(settings.excludedYears, census: last, describedAs: "the data's last census (\(last))") {
            throw .invalidOption(option: "--exclude-years", message: message, hint: hint)
        }
        guard years.count > settings.minimumHistory else {
            throw .insufficientHistory(
                "a backtest needs more than \(settings.minimumHistory) censuses; the rolls have \(years.count)",
                hint: years.count > 2
                    ? "lower --min-history (at most \(years.count - 1) here; fewer censuses per origin give rougher ratios), or use a longer history of rolls"
                    : "use data with a longer history of rolls")
        }
        let origins = Array(years[(settings.minimumHistory - 1)..<(years.count - 1)])
        let fullIndex = Dictionary(data.areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Origins are independent: run on all cores, gathered in origin order.
        let counter = ProgressCounter()
        let perOrigin = try parallelMap(origins.count) { i throws(PlacePlanError) in
            let origin = origins[i]
            progress?(RunProgress("backtest" + (settings.uncertainty.map { ", \($0.draws) draws" } ?? "") + ", origins", done: counter.value, total: origins.count))
            let result = try Self.run(data, origin: origin, settings: settings, fullIndex: fullIndex)
            let finished = counter.next()
            progress?(RunProgress("backtest" + (settings.uncertainty.map { ", \($0.draws) draws" } ?? "") + ", origins", done: finished, total: origins.count))
            return result
        }
        var records: [BacktestRecord] = []
        var selections: [String: [AcademicYear: EstimatorSelection]] = [:]
        for (i, result) in perOrigin.enumerated() {
            records += result.records
            for (name, selection) in result.selections { selections[name, default: [:]][origins[i]] = selection }
        }
        // The origins that gave a forecast to compare: an area whose series starts late (or
        // after a gap) has none from the first origins, and the header should not claim them.
        let withRecords = Set(records.map(\.origin))
        let compared = origins.filter(withRecords.contains)
        var backtest = Backtest(settings: settings, dataLabel: data.label, origins: compared.isEmpty ? origins : compared, records: records, selections: selections)
        backtest.notes = data.notes + Self.incompleteOrigins(data, origins: origins)
        if let note = DataSet.excludedBeforeDataNote(settings.excludedYears, census: data.rolls.years) { backtest.notes.append(note) }
        let options = settings.variants[0].options
        if let note = settings.uncertainty != nil ? data.calibrationNote(options) : data.estimatorPoolNote(options) { backtest.notes.append(note) }
        return backtest
    }

    /// Whether the areas' pupils move between them (primary areas feeding secondary ones),
    /// rather than each area being all-through, as an LA is on the DfE route.
    static func areasFeedEachOther(_ data: DataSet) -> Bool { data.areas.contains { $0.phase != .allThrough } }

    /// The notes for censuses at origins that lack a year group (a suppressed or missing
    /// cell). All-through areas: one per area, whose other censuses still count. Areas that
    /// feed each other: one per origin, which is skipped for all.
    static func incompleteOrigins(_ data: DataSet, origins: [AcademicYear]) -> [String] {
        func label(_ area: PlanningArea) -> String { area.name.isEmpty || area.name == area.id ? area.id : "\(area.id) \(area.name)" }
        // gaps[a]: (origin, the year groups missing there)
        let gaps: [[(AcademicYear, [YearGroup])]] = data.areas.indices.map { a in
            origins.compactMap { origin in
                guard let t = data.rolls.yearIndex(origin), data.rolls.hasCensus(yearIndex: t, area: a) else { return nil }
                let missing = data.missingYearGroups(area: a, yearIndex: t)
                return missing.isEmpty ? nil : (origin, missing)
            }
        }
        func missing(_ g: [YearGroup]) -> String { "no \(g.map(\.description).joined(separator: ", "))" }
        if areasFeedEachOther(data) {
            return origins.compactMap { origin in
                let short = data.areas.indices.compactMap { a in gaps[a].first { $0.0 == origin }.map { "\(label(data.areas[a])) (\(missing($0.1)))" } }
                guard !short.isEmpty else { return nil }
                return "no forecasts from the census of \(origin): \(short.joined(separator: ", ")), suppressed or missing, and the areas' pupils move between them"
            }
        }
        return data.areas.indices.compactMap { a in
            guard !gaps[a].isEmpty else { return nil }
            let list = gaps[a].map { "\($0.0) (\(missing($0.1)))" }.joined(separator: ", ")
            return "\(label(data.areas[a])): no forecast from the census of \(list), a year group is suppressed or missing; its other censuses are compared"
        }
    }

    public var methodNames: [String] { settings.variants.map(\.name) }

    /// One origin of the backtest: its records and each variant's selection.
    static func run(
        _ data: DataSet, origin: AcademicYear, settings: BacktestSettings, fullIndex: [String: Int]
    ) throws(PlacePlanError) -> (records: [BacktestRecord], selections: [(String, EstimatorSelection)]) {
        let years = data.rolls.years
        var records: [BacktestRecord] = []
        var selections: [(String, EstimatorSelection)] = []
        // The areas with a census at the origin and enough history of their own up to it
        // (an LA created by a reorganisation joins the backtest once it has them).
        let visible = data.asKnown(at: origin).atOrigin(origin)
        let originIndex = visible.rolls.years.count - 1
        // An area whose origin census lacks a year group (a suppressed cell) cannot start a
        // forecast from it; its other origins still count. Where primary and secondary areas
        // feed each other, leaving one out would starve the areas it feeds, so the origin is
        // skipped for all (``incompleteOrigins(_:origins:)`` says so).
        let long = visible.areas.indices.filter { originIndex - visible.rolls.span(area: $0).lowerBound + 1 >= settings.minimumHistory }
        let enough = long.filter { visible.missingYearGroups(area: $0, yearIndex: originIndex).isEmpty }
        if enough.count < long.count, Self.areasFeedEachOther(visible) { return ([], []) }
        guard !enough.isEmpty else { return ([], []) }
        let known = enough.count == visible.areas.count ? visible : visible.selecting(areas: enough)
        let horizon = min(settings.horizon, years.last! - origin)
        for (v, variant) in settings.variants.enumerated() {
            let name = variant.name
            let model = try CohortModel.fit(known, options: variant.options)
            selections.append((name, model.selection))
            let forecast = try Projector.project(known, model: model, horizon: horizon)
            var draws: DrawSummary?
            if let uncertainty = settings.uncertainty, v == 0 {
                let empirical = EmpiricalErrors.measure(known, options: variant.options)
                let baseline = try AppliedScenario.apply(.baseline, to: known, origin: origin, horizon: horizon)
                draws = try Simulation.run(known, model: model, empirical: empirical, applied: baseline, horizon: horizon, settings: uncertainty)
            }
            for h in 1...horizon {
                let year = origin + h
                guard let t = data.rolls.yearIndex(year) else { continue }
                for (a, area) in known.areas.enumerated() {
                    guard let full = fullIndex[area.id] else { continue }
                    for phase in ReportingPhase.allCases where area.phase.yearGroups.contains(phase.entryYearGroup) {
                        var totalForecast = 0.0, totalActual = 0.0, complete = true
                        for g in phase.yearGroups where area.phase.yearGroups.contains(g) {
                            let f = forecast.pupils(year, area: a, g)
                            guard let actual = data.rolls.pupils(yearIndex: t, area: full, g) else {
                                complete = false
                                continue
                            }
                            totalForecast += f
                            totalActual += actual
                            if actual > 0 {
                                records.append(BacktestRecord(
                                    method: name, origin: origin, horizon: h, area: area.id, phase: phase, yearGroup: g,
                                    forecast: f, actual: actual))
                            }
                        }
                        if complete, totalActual >= settings.minimumActual {
                            var record = BacktestRecord(
                                method: name, origin: origin, horizon: h, area: area.id, phase: phase, yearGroup: nil,
                                forecast: totalForecast, actual: totalActual)
                            if let draws {
                                record.interval80 = draws.total(step: h, area: a, phase: phase, 2)...draws.total(step: h, area: a, phase: phase, 4)
                                record.interval95 = draws.total(step: h, area: a, phase: phase, 0)...draws.total(step: h, area: a, phase: phase, 6)
                            }
                            records.append(record)
                        }
                    }
                }
            }
        }
        return (records, selections)
    }
}

/// Error statistics over a set of backtest records, in percent.
public struct ErrorSummary: Sendable, Hashable, Codable {
    public var count: Int
    /// Mean absolute percentage error.
    public var mape: Double
    /// Median absolute percentage error (the figure the targets use).
    public var mdape: Double
    /// Mean signed percentage error: positive means over-forecasting.
    public var bias: Double

    public init?(_ records: [BacktestRecord]) {
        guard !records.isEmpty else { return nil }
        let errors = records.map { 100 * $0.error }
        let absolute = errors.map(abs).sorted()
        count = records.count
        mape = absolute.reduce(0, +) / Double(count)
        mdape = count % 2 == 1 ? absolute[count / 2] : (absolute[count / 2 - 1] + absolute[count / 2]) / 2
        bias = errors.reduce(0, +) / Double(count)
    }
}

/// How often prediction intervals held the actual value, and how wide they were.
public struct CoverageSummary: Sendable, Hashable, Codable {
    public var count: Int
    /// Share of actuals inside the 80% and 95% intervals, in percent.
    public var coverage80: Double
    public var coverage95: Double
    /// Mean interval width as a percentage of the actual value.
    public var width80: Double
    public var width95: Double
    /// The forecast origins the actuals come from.
    public var origins: Int
    /// Standard errors of the two coverages, in percentage points, with the origins as
    /// clusters: the areas of one origin share its shocks, so they are not independent
    /// trials. With N actuals, n_o and p_o those of origin o and k origins,
    /// se² = k / (k − 1) · Σ_o n_o² (p_o − p)² / N². (0 with a single origin.)
    public var standardError80: Double
    public var standardError95: Double

    public init?(_ records: [BacktestRecord]) {
        let r = records.filter { $0.interval80 != nil && $0.interval95 != nil }
        guard !r.isEmpty else { return nil }
        count = r.count
        let n = Double(count)
        coverage80 = 100 * Double(r.filter { $0.interval80!.contains($0.actual) }.count) / n
        coverage95 = 100 * Double(r.filter { $0.interval95!.contains($0.actual) }.count) / n
        let byOrigin = Dictionary(grouping: r, by: \.origin).sorted { $0.key < $1.key }.map(\.value)
        origins = byOrigin.count
        func standardError(_ p: Double, _ inside: (BacktestRecord) -> Bool) -> Double {
            let k = Double(byOrigin.count)
            guard k > 1 else { return 0 }
            let sum = byOrigin.reduce(0.0) { total, group in
                let m = Double(group.count), po = 100 * Double(group.filter(inside).count) / m
                return total + m * m * (po - p) * (po - p)
            }
            return (k / (k - 1) * sum).squareRoot() / n
        }
        standardError80 = standardError(coverage80) { $0.interval80!.contains($0.actual) }
        standardError95 = standardError(coverage95) { $0.interval95!.contains($0.actual) }
        width80 = 100 * r.reduce(0) { $0 + ($1.interval80!.upperBound - $1.interval80!.lowerBound) / $1.actual } / n
        width95 = 100 * r.reduce(0) { $0 + ($1.interval95!.upperBound - $1.interval95!.lowerBound) / $1.actual } / n
    }
}

extension Backtest {
    /// Interval coverage for the method under test, by phase and horizon.
    public func coverage(phase: ReportingPhase?, horizon: Int) -> CoverageSummary? {
        CoverageSummary(records.filter {
            $0.method == settings.method.description && $0.horizon == horizon && $0.yearGroup == nil && (phase == nil || $0.phase == phase)
        })
    }

    /// Statistics for one method, phase and horizon, over phase totals (or one year group).
    public func summary(method: String, phase: ReportingPhase?, horizon: Int, yearGroup: YearGroup? = nil, area: String? = nil) -> ErrorSummary? {
        let group = groups[GroupKey(method: method, horizon: horizon, yearGroup: yearGroup)] ?? []
        return ErrorSummary(group.map { records[$0] }.filter { (phase == nil || $0.phase == phase) && (area == nil || $0.area == area) })
    }

    /// ``summary(method:phase:horizon:yearGroup:area:)`` of phase totals for every area,
    /// phase and horizon at once, in one pass over the records (the per-area tables of a
    /// national backtest would otherwise filter millions of records per cell).
    public func areaSummaries(method: String) -> [AreaSummaryKey: ErrorSummary] {
        var byArea: [AreaSummaryKey: [BacktestRecord]] = [:]
        for h in horizons {
            for i in groups[GroupKey(method: method, horizon: h, yearGroup: nil)] ?? [] {
                let r = records[i]
                byArea[AreaSummaryKey(area: r.area, phase: r.phase, horizon: r.horizon), default: []].append(r)
            }
        }
        return byArea.compactMapValues { ErrorSummary($0) }
    }

}

/// An area, phase and horizon of ``Backtest/areaSummaries(method:)``.
public struct AreaSummaryKey: Hashable, Sendable {
    public var area: String
    public var phase: ReportingPhase
    public var horizon: Int
}

/// An accuracy gate: the model's median absolute percentage error of phase totals at a
/// horizon (for one phase, or every phase) must not exceed a limit.
public struct AccuracyGate: Sendable, Hashable, CustomStringConvertible {
    public var phase: ReportingPhase?
    public var horizon: Int
    /// The limit, in percent.
    public var limit: Double

    public var description: String { "\(phase.map { "\($0) " } ?? "")median APE h\(horizon) <= \(Format.decimal(limit, places: 2))%" }

    /// Parses "h1=1.0,h3=2.5" or "primary:h3=2.2,secondary:h5=4" (percent).
    /// `option` names the option in errors.
    public static func parse(_ text: String, option: String = "--max-error") throws(PlacePlanError) -> [AccuracyGate] {
        var gates: [AccuracyGate] = []
        let hint = "write gates as h1=1.0,h3=2.5 or primary:h3=2.5 (percent)"
        for item in gateItems(text) {
            let (phase, rest) = try phasePrefix(item, option: option, example: "primary:h3=2.5")
            let parts = rest.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].lowercased().hasPrefix("h"), let h = Int(parts[0].dropFirst()),
                let limit = Double(parts[1].replacingOccurrences(of: "%", with: ""))
            else {
                throw .invalidOption(option: option, message: "cannot read '\(item)'", hint: hint)
            }
            guard h >= 1 else {
                throw .invalidOption(option: option, message: "'\(item)': horizon \(h) is not a year ahead", hint: "horizons start at h1 (one year ahead), e.g. h1=1.0")
            }
            guard limit >= 0, limit.isFinite else {
                throw .invalidOption(option: option, message: "'\(item)': the limit \(parts[1]) is not a percentage error", hint: "give a limit of 0 or more, e.g. h\(h)=2.5")
            }
            gates.append(AccuracyGate(phase: phase, horizon: h, limit: limit))
        }
        guard !gates.isEmpty else { throw .invalidOption(option: option, message: "no gates given", hint: hint) }
        return gates
    }

    /// The gate's verdict on a backtest: the measured values (per phase) and whether each passes.
    public func check(_ backtest: Backtest) -> [(phase: ReportingPhase, value: Double?, passed: Bool)] {
        let method = backtest.settings.method.description
        return (phase.map { [$0] } ?? backtest.phases).map { p in
            let value = backtest.summary(method: method, phase: p, horizon: horizon)?.mdape
            return (p, value, value.map { $0 <= limit } ?? false)
        }
    }
}

/// A coverage gate: the share of actual phase totals inside the 80% or 95% prediction
/// intervals must lie within a range, at every horizon: for one phase, for each phase, or
/// over both phases pooled (`all:`, each area's primary and secondary totals together). It
/// fails both when intervals cover too little (overconfident) and too much (uselessly wide).
public struct CoverageGate: Sendable, Hashable, CustomStringConvertible {
    /// What a gate measures at each horizon.
    public enum Scope: Sendable, Hashable {
        /// Each phase in turn.
        case eachPhase
        /// One phase.
        case phase(ReportingPhase)
        /// Both phases' totals together.
        case pooled
    }

    public var scope: Scope
    /// The interval's nominal level, 80 or 95.
    public var level: Int
    /// The coverage allowed, in percent.
    public var range: ClosedRange<Double>

    /// A gate on one phase, on each (`phase` nil), or on both pooled (`pooled`).
    public init(phase: ReportingPhase? = nil, pooled: Bool = false, level: Int, range: ClosedRange<Double>) {
        scope = pooled ? .pooled : phase.map(Scope.phase) ?? .eachPhase
        self.level = level
        self.range = range
    }

    /// The prefix that selects the pooled scope in `--coverage`, and its label in outputs.
    public static let pooledLabel = "all"

    /// "primary", "secondary", or "all" for both phases pooled (nil).
    public static func label(_ phase: ReportingPhase?) -> String { phase?.rawValue ?? pooledLabel }

    public var description: String {
        let prefix = switch scope {
        case .eachPhase: ""
        case .phase(let p): "\(p) "
        case .pooled: "\(Self.pooledLabel) "
        }
        return "\(prefix)\(level)% coverage in \(Format.decimal(range.lowerBound))-\(Format.decimal(range.upperBound))%"
    }

    /// Parses "80=70-90,95=88-99", "primary:95=90-99" or "all:95=92-97" (percent).
    public static func parse(_ text: String) throws(PlacePlanError) -> [CoverageGate] {
        var gates: [CoverageGate] = []
        let hint = "write gates as 80=70-90,95=88-99, primary:95=90-99 or all:95=92-97 (the interval's level, then the coverage allowed, percent)"
        for item in gateItems(text) {
            let pooledPrefix = pooledLabel + ":"
            let pooled = item.lowercased().hasPrefix(pooledPrefix)
            let (phase, rest): (ReportingPhase?, Substring) =
                if pooled { (nil, item.dropFirst(pooledPrefix.count)) } else {
                    try phasePrefix(item, option: "--coverage", example: "primary:95=90-99", also: pooledPrefix)
                }
            let parts = rest.replacingOccurrences(of: "%", with: "").split(separator: "=", omittingEmptySubsequences: false)
            let bounds = parts.count == 2 ? parts[1].split(separator: "-", omittingEmptySubsequences: false).map { Double($0) } : []
            guard parts.count == 2, let level = Int(parts[0]), bounds.count == 2, let low = bounds[0], let high = bounds[1] else {
                throw .invalidOption(option: "--coverage", message: "cannot read '\(item)'", hint: hint)
            }
            guard [80, 95].contains(level) else {
                throw .invalidOption(
                    option: "--coverage", message: "'\(item)': there is no \(level)% interval", hint: "the backtest measures the 80% and 95% intervals: use 80= or 95=")
            }
            guard low <= high else {
                throw .invalidOption(
                    option: "--coverage", message: "'\(item)': the range runs backwards", hint: "give the lower coverage first, e.g. \(level)=\(parts[1].split(separator: "-").reversed().joined(separator: "-"))")
            }
            guard low >= 0, high <= 100 else {
                throw .invalidOption(option: "--coverage", message: "'\(item)': coverage is a percentage, 0 to 100", hint: "e.g. \(level)=\(level == 80 ? "75-85" : "92-97")")
            }
            gates.append(CoverageGate(phase: phase, pooled: pooled, level: level, range: low...high))
        }
        guard !gates.isEmpty else { throw .invalidOption(option: "--coverage", message: "no gates given", hint: hint) }
        return gates
    }

    /// One verdict of a coverage gate.
    public struct Result: Sendable, Hashable {
        /// The phase measured; nil for both phases pooled.
        public var phase: ReportingPhase?
        public var horizon: Int
        /// The coverage measured, in percent (nil without intervals).
        public var value: Double?
        public var passed: Bool
        /// "primary", "secondary" or "all".
        public var scope: String { CoverageGate.label(phase) }
    }

    /// The gate's verdict on a backtest with draws: per phase (or pooled) and horizon, the
    /// coverage measured and whether it lies in the range.
    public func check(_ backtest: Backtest) -> [Result] {
        let phases: [ReportingPhase?] = switch scope {
        case .eachPhase: backtest.phases
        case .phase(let p): [p]
        case .pooled: [nil]
        }
        return phases.flatMap { p in
            backtest.horizons.map { h in
                let c = backtest.coverage(phase: p, horizon: h)
                let value = c.map { level == 80 ? $0.coverage80 : $0.coverage95 }
                return Result(phase: p, horizon: h, value: value, passed: value.map { range.contains($0) } ?? false)
            }
        }
    }
}

/// The comma-separated items of a gate option, trimmed, empty ones dropped.
func gateItems(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// A gate item's optional "primary:" or "secondary:" prefix, and the rest. `also` names
/// another prefix the option takes, for the hint.
func phasePrefix(_ item: String, option: String, example: String, also: String? = nil) throws(PlacePlanError) -> (ReportingPhase?, Substring) {
    guard let colon = item.firstIndex(of: ":") else { return (nil, Substring(item)) }
    guard let phase = ReportingPhase(rawValue: String(item[..<colon]).lowercased()) else {
        throw .invalidOption(option: option, message: "unknown phase in '\(item)'", hint: "use primary: or secondary:\(also.map { " (or \($0))" } ?? ""), e.g. \(example)")
    }
    return (phase, item[item.index(after: colon)...])
}

/// Counts the origins as they start, for the progress line, from any thread.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
