/// How a saved forecast did against a census that came after it: last autumn's vintage
/// against this autumn's, as the board asks and the DfE scores the SCAP forecasts.
///
/// For each year that the newer run holds as its census (its actual rows) and the older run
/// forecast, per phase and for the entry year group (Reception, Year 7): the forecast and
/// the pupils on roll summed over the planning areas in both, the error
/// e = (forecast − actual) / actual (the DfE's formula, as in the backtest), the median |e|
/// over the areas, and the area with the largest |e|; when the older run was saved with
/// draws, how many areas' pupils on roll fell inside its 80% band (as the backtest's coverage).
public struct ForecastOutturn: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var phase: ReportingPhase
        /// Whether this is the entry year group (Reception or Year 7) rather than the phase.
        public var entry: Bool
        public var year: AcademicYear
        /// Years between the older run's census and this one.
        public var yearsAhead: Int
        public var forecast: Double
        public var actual: Double
        /// Planning areas in both runs with pupils on roll.
        public var areas: Int
        /// Median over areas of |forecast − actual| / actual.
        public var medianAbsoluteError: Double
        /// The area whose forecast missed by the largest share, and its signed error.
        public var largestArea: String
        public var largestAreaName: String
        public var largestError: Double
        /// With a run saved with draws, phase totals only: how many areas' pupils on roll fell
        /// inside the older run's 80% band (P10-P90), of `areas`.
        public var insideBand80: Int?

        /// The error of the summed forecast: (forecast − actual) / actual.
        public var error: Double { forecast / actual - 1 }

        /// "primary", "Reception", "secondary" or "Year 7".
        public var level: String { entry ? (phase == .primary ? "Reception" : "Year 7") : phase.rawValue }
    }

    /// The older run, its scenario and census, and the newer run.
    public var older: String
    public var scenario: String
    public var origin: AcademicYear
    public var newer: String
    public var lines: [Line]

    /// The older run's forecast (its scenario `baseline` if it has one, else its first) of
    /// the years the newer run has as its census; nil when the runs share no such year and
    /// area (different data, or the newer run is not later).
    public static func of(_ older: SavedRun, against newer: SavedRun) -> ForecastOutturn? {
        of(older, against: newer.sufficiency, named: newer.name)
    }

    /// The same against the rows of a run not saved (`report`'s own), named `newer`.
    public static func of(_ older: SavedRun, against census: [SufficiencyRow], named newer: String) -> ForecastOutturn? {
        guard let scenario = older.mainScenario else { return nil }
        return of(older.sufficiency.filter { $0.scenario == scenario }, from: older.origin, named: older.name, scenario: scenario, against: census, named: newer)
    }

    /// The forecast rows `forecast` (one scenario's, made from the census of `origin`) against
    /// the actual rows of `census` (the rows of a run that are not forecasts); nil when no
    /// forecast year and area has a census row (so when the census is not later).
    public static func of(
        _ forecast: [SufficiencyRow], from origin: AcademicYear, named older: String, scenario: String,
        against census: [SufficiencyRow], named newer: String
    ) -> ForecastOutturn? {
        var actual: [String: SufficiencyRow] = [:]
        for r in census where !r.isForecast { actual["\(r.areaID)|\(r.phase)|\(r.year.startYear)"] = r }
        // Matched (forecast, actual) pairs by year, phase and level.
        var pairs: [String: [(area: String, name: String, forecast: Double, actual: Double, band: ClosedRange<Double>?)]] = [:]
        let p10 = UncertaintySettings.quantiles.firstIndex(of: 0.1)!, p90 = UncertaintySettings.quantiles.firstIndex(of: 0.9)!
        var keys: [(year: AcademicYear, phase: ReportingPhase, entry: Bool)] = []
        for r in forecast where r.isForecast {
            guard let c = actual["\(r.areaID)|\(r.phase)|\(r.year.startYear)"] else { continue }
            for entry in [false, true] {
                let onRoll = entry ? c.entryPupils : c.pupils
                guard onRoll > 0 else { continue }
                let key = "\(r.year.startYear)|\(r.phase)|\(entry)"
                if pairs[key] == nil { keys.append((r.year, r.phase, entry)) }
                let band = entry ? nil : r.pupilsQuantiles.map { $0[p10]...$0[p90] }
                pairs[key, default: []].append((r.areaID, r.areaName, entry ? r.entryPupils : r.pupils, onRoll, band))
            }
        }
        keys.sort { ($0.year.startYear, $0.phase == .primary ? 0 : 1, $0.entry ? 1 : 0) < ($1.year.startYear, $1.phase == .primary ? 0 : 1, $1.entry ? 1 : 0) }
        let lines = keys.map { k in
            let p = pairs["\(k.year.startYear)|\(k.phase)|\(k.entry)"]!
            let errors = p.map { (area: $0.area, name: $0.name, error: $0.forecast / $0.actual - 1) }
            let largest = errors.max { abs($0.error) < abs($1.error) }!
            return Line(
                phase: k.phase, entry: k.entry, year: k.year, yearsAhead: k.year.startYear - origin.startYear,
                forecast: p.reduce(0) { $0 + $1.forecast }, actual: p.reduce(0) { $0 + $1.actual }, areas: p.count,
                medianAbsoluteError: RatioHistory.median(errors.map { abs($0.error) }), largestArea: largest.area,
                largestAreaName: largest.name, largestError: largest.error,
                insideBand80: p.allSatisfy { $0.band != nil } ? p.filter { $0.band!.contains($0.actual) }.count : nil)
        }
        guard !lines.isEmpty else { return nil }
        return ForecastOutturn(older: older, scenario: scenario, origin: origin, newer: newer, lines: lines)
    }

    /// The lines `compare` prints above its table:
    ///
    ///     How 'SCAP 2024' (baseline, from the 2024/25 census) did against the census in 'SCAP 2025' ...
    ///       2025/26 primary (1 year ahead): forecast 25,120, on roll 25,301, -0.7%; by area ...
    public func describe() -> [String] {
        var out = [
            "How '\(older)' (\(scenario), from the \(origin) census) did against the census in '\(newer)'; "
                + "error = (forecast - actual) / actual, as the DfE measures SCAP forecasts:",
        ]
        for l in lines {
            let ahead = "\(l.yearsAhead) year\(l.yearsAhead == 1 ? "" : "s") ahead"
            var text = "  \(l.year) \(l.level) (\(ahead)): forecast \(Format.count(l.forecast)), on roll \(Format.count(l.actual)), "
                + Format.percent(l.error, signed: true)
            if l.areas > 1 {
                text += "; by planning area (\(l.areas)) median miss \(Format.percent(l.medianAbsoluteError)), "
                    + "largest \(l.largestArea) \(l.largestAreaName) \(Format.percent(l.largestError, signed: true))"
            }
            if let k = l.insideBand80 { text += "; inside its 80% band in \(k) of \(l.areas) area\(l.areas == 1 ? "" : "s")" }
            out.append(text)
        }
        return out
    }
}
