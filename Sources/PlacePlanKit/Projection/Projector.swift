import Foundation

/// What to forecast: origin, horizon and model assumptions.
public struct ForecastSettings: Sendable, Hashable {
    /// The last census to use; nil for the last census in the data.
    public var origin: AcademicYear?
    /// Years ahead, 1 ... 25 (default 10).
    public var horizon: Int
    public var model: ModelOptions

    public static let maximumHorizon = 25

    public init(origin: AcademicYear? = nil, horizon: Int = 10, model: ModelOptions = ModelOptions()) {
        self.origin = origin
        self.horizon = horizon
        self.model = model
    }
}

/// Fits a cohort model and runs it: the path from data to forecast.
public enum Projector {
    /// Validates the settings against the data, fits the model on the rolls up to the
    /// origin and projects `horizon` years.
    public static func forecast(_ data: DataSet, settings: ForecastSettings) throws(PlacePlanError) -> (Forecast, CohortModel) {
        let known = try prepare(data, settings: settings)
        let model = try CohortModel.fit(known, options: settings.model)
        return (try project(known, model: model, horizon: settings.horizon), model)
    }

    /// The data as known at the settings' origin (rolls truncated; births kept).
    public static func prepare(_ data: DataSet, settings: ForecastSettings) throws(PlacePlanError) -> DataSet {
        guard (1...ForecastSettings.maximumHorizon).contains(settings.horizon) else {
            throw .invalidOption(
                option: "--years", message: "\(settings.horizon) is outside 1...\(ForecastSettings.maximumHorizon)",
                hint: "forecast between 1 and 25 years ahead, e.g. --years 10")
        }
        let origin = settings.origin ?? data.lastCensus
        guard data.rolls.yearIndex(origin) != nil else {
            throw .invalidOption(
                option: "--from", message: "\(origin) is not a census year in the rolls (\(data.rolls.years.first!)...\(data.lastCensus))",
                hint: "choose a year the rolls cover, e.g. --from \(data.lastCensus.startYear)")
        }
        let known = data.atOrigin(origin)
        guard !known.areas.isEmpty else {
            throw .insufficientHistory(
                "no area can be forecast from \(origin): \(known.notes.suffix(3).joined(separator: "; "))",
                hint: "choose another --from, or other --la authorities")
        }
        return known
    }

    /// Projects a fitted model from the last census in `data`, as one column.
    public static func project(_ data: DataSet, model: CohortModel, horizon: Int) throws(PlacePlanError) -> Forecast {
        let initial = try initialState(data, columns: 1)
        let intake = try intake(data, model: model, horizon: horizon)
        let inflows = intake.reception.map { YearInflow(reception: Matrix(rows: data.areas.count, columns: 1, values: $0)) }
        let states = CohortFlowEngine.project(initial: initial, flows: (1...horizon).map(model.flows(step:)), inflows: inflows)
        return Forecast(areas: data.areas, origin: data.lastCensus, columns: ["baseline"], states: states, births: intake.births)
    }

    /// The origin census as the starting state, repeated in `columns` columns. A missing
    /// value there is an error that names the cell it came from.
    /// The text of the cell at `location`, re-read for an error message (the suppression code
    /// an officer will search for, such as 'x' or 'c', rather than a word of ours).
    static func cellText(_ location: SourceLocation) -> String? {
        guard let line = location.line, let column = location.column,
            let text = try? String(contentsOfFile: location.file, encoding: .utf8)
        else { return nil }
        // By bytes: in Swift "\r\n" is one Character, so a CRLF file split on "\n" is one line.
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return nil }
        let cells = lines[line - 1].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard column >= 1, column <= cells.count else { return nil }
        let cell = String(decoding: cells[column - 1], as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \"\r"))
        return cell.isEmpty ? "(empty)" : Format.printable(String(cell))
    }

    public static func initialState(_ data: DataSet, columns: Int) throws(PlacePlanError) -> CohortState {
        let t0 = data.rolls.years.count - 1
        var initial = CohortState(areas: data.areas.count, columns: columns)
        var errors: [PlacePlanError] = []
        for (a, area) in data.areas.enumerated() {
            for g in area.phase.yearGroups {
                if let v = data.rolls.pupils(yearIndex: t0, area: a, g) {
                    for c in 0..<columns { initial[g, a, c] = v }
                } else {
                    let source = data.rolls.sourceOfMissing(yearIndex: t0, area: a, g)
                    errors.append(
                        source.map { .suppressedValue($0, code: Self.cellText($0) ?? "missing") }
                            ?? .insufficientHistory(
                                "rolls: \(area.id)\(area.name.isEmpty || area.name == area.id ? "" : " \(area.name)") has no \(g) in \(data.lastCensus), the census a forecast starts from (no row for it)",
                                hint: "add the figure (0 for none), or forecast from an earlier census with --from"))
                }
            }
        }
        try PlacePlanError.check(errors)
        return initial
    }

    /// Reception intake ρ_a · B(t − 4) and the births behind it, for each forecast year:
    /// reception[h − 1][a] and births[h − 1][a].
    public static func intake(_ data: DataSet, model: CohortModel, horizon: Int) throws(PlacePlanError) -> (reception: [[Double]], births: [[Double]]) {
        let A = data.areas.count
        var reception: [[Double]] = []
        var births: [[Double]] = []
        for h in 1...horizon {
            let year = data.lastCensus + h
            var r = [Double](repeating: 0, count: A)
            var b = [Double](repeating: 0, count: A)
            for (a, area) in data.areas.enumerated() {
                guard let rho = model.intakeRatios[h - 1][a], let series = data.birthSeries(for: area) else { continue }
                let midYear = BirthSeries.midYear(feeding: year)
                guard let n = model.options.birthsProjection.births(series, midYear: midYear) else {
                    throw .insufficientHistory(
                        "births for \(series.key) start after mid-\(midYear), which feeds Reception in \(year)",
                        hint: "add earlier births to the births file")
                }
                b[a] = n
                r[a] = rho * n
            }
            reception.append(r)
            births.append(b)
        }
        return (reception, births)
    }
}
