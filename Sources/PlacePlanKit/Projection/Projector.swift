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
        guard let origin = settings.origin else { return data }
        guard data.rolls.yearIndex(origin) != nil else {
            throw .invalidOption(
                option: "--from", message: "\(origin) is not a census year in the rolls (\(data.rolls.years.first!)...\(data.lastCensus))",
                hint: "choose a year the rolls cover, e.g. --from \(data.lastCensus.startYear)")
        }
        var known = data
        known.rolls = data.rolls.truncated(through: origin)
        return known
    }

    /// Projects a fitted model from the last census in `data`.
    public static func project(_ data: DataSet, model: CohortModel, horizon: Int) throws(PlacePlanError) -> Forecast {
        let A = data.areas.count
        let origin = data.lastCensus
        let t0 = data.rolls.years.count - 1
        var initial = CohortState(areas: A, columns: 1)
        var errors: [PlacePlanError] = []
        for (a, area) in data.areas.enumerated() {
            for g in area.phase.yearGroups {
                if let v = data.rolls.pupils(yearIndex: t0, area: a, g) {
                    initial[g, a, 0] = v
                } else {
                    let source = data.rolls.sourceOfMissing(yearIndex: t0, area: a, g)
                    errors.append(
                        source.map { .suppressedValue($0, code: "missing") }
                            ?? .insufficientHistory("rolls: no value for \(area.id) \(g) in \(origin)", hint: "supply the origin census in full"))
                }
            }
        }
        try PlacePlanError.check(errors)

        var inflows: [YearInflow] = []
        var births: [[Double]] = []
        for h in 1...horizon {
            let year = origin + h
            var reception = Matrix(rows: A, columns: 1)
            var b = [Double](repeating: 0, count: A)
            for (a, area) in data.areas.enumerated() {
                guard let rho = model.intakeRatios[a], let series = data.birthSeries(for: area) else { continue }
                let midYear = BirthSeries.midYear(feeding: year)
                guard let n = model.options.birthsProjection.births(series, midYear: midYear) else {
                    throw .insufficientHistory(
                        "births for \(series.key) start after mid-\(midYear), which feeds Reception in \(year)",
                        hint: "add earlier births to the births file")
                }
                b[a] = n
                reception[a, 0] = rho * n
            }
            births.append(b)
            inflows.append(YearInflow(reception: reception))
        }
        let states = CohortFlowEngine.project(initial: initial, transitions: model.transitions, inflows: inflows)
        return Forecast(areas: data.areas, origin: origin, columns: ["baseline"], states: states, births: births)
    }
}
