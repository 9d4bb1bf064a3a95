/// Forecasts of several scenarios, side by side as columns.
public struct ScenarioForecast: Sendable {
    /// One column per scenario, in the order given.
    public let forecast: Forecast
    /// The fitted model of each column.
    public let models: [CohortModel]
    public let applied: [AppliedScenario]
    /// Quantiles and probabilities from random draws, per column, when asked for.
    public var draws: [DrawSummary]? = nil
    /// The data as known at the origin, with the areas forecast (on the DfE route, the LAs
    /// that exist at the origin): what every figure of the run is computed from.
    public var data: DataSet
    /// What the data loader and the choice of areas at the origin did that the reader
    /// should know (LAs left out and why, series merged across a reorganisation).
    public var notes: [String] { data.notes }
    /// The data's label as forecast (the LAs counted at the origin on the DfE route).
    public var dataLabel: String { data.label }
    /// The schools (and so the places) of each column.
    public var schools: [[School]] { applied.map(\.schools) }
    public var thresholds: [SufficiencyThresholds] { applied.map(\.thresholds) }
}

/// Runs scenarios through the cohort-flow engine.
///
/// Scenarios whose model assumptions agree share one fitted model, and their columns go
/// through the engine together: each year step is one `dgemm` per year group for all of
/// them. A scenario's Reception and ratio adjustments enter as inflows and multipliers;
/// housing pupils and closure moves are laid over the projected pupils.
public enum ScenarioRunner {
    public static func run(
        _ data: DataSet, origin: AcademicYear? = nil, scenarios: [Scenario], overrides: AssumptionOverrides = AssumptionOverrides(),
        uncertainty: UncertaintySettings? = nil, progress: ((RunProgress) -> Void)? = nil
    ) throws(PlacePlanError) -> ScenarioForecast {
        let scenarios = scenarios.isEmpty ? [Scenario.baseline] : scenarios
        var names = Set<String>()
        for s in scenarios {
            guard names.insert(s.name).inserted else {
                throw .invalidOption(option: "--scenario", message: "two scenarios are named '\(s.name)'", hint: "give each scenario file its own name")
            }
        }
        let horizon = overrides.horizon ?? scenarios.compactMap(\.assumptions.horizon).max() ?? 10
        let known = try Projector.prepare(data, settings: ForecastSettings(origin: origin, horizon: horizon))
        let start = known.lastCensus
        var applied: [AppliedScenario] = []
        var errors: [PlacePlanError] = []
        for s in scenarios {
            do { applied.append(try AppliedScenario.apply(s, to: known, origin: start, horizon: horizon, overrides: overrides)) } catch { errors.append(error) }
        }
        try PlacePlanError.check(errors)

        let A = known.areas.count, C = applied.count
        var models = [CohortModel?](repeating: nil, count: C)
        var states = [CohortState](repeating: CohortState(areas: A, columns: C), count: horizon + 1)
        var births = [[Double]](repeating: Array(repeating: 0, count: A * C), count: horizon)
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (c, a) in applied.enumerated() {
            if groups[a.modelKey] == nil { order.append(a.modelKey) }
            groups[a.modelKey, default: []].append(c)
        }
        for key in order {
            let columns = groups[key]!
            var groupData = known
            groupData.births = applied[columns[0]].births
            let model = try CohortModel.fit(groupData, options: applied[columns[0]].model)
            let group = try project(groupData, model: model, horizon: horizon, columns: columns.map { applied[$0] })
            for (k, c) in columns.enumerated() {
                models[c] = model
                for h in 0...horizon {
                    for g in YearGroup.all { for a in 0..<A { states[h][g, a, c] = group.states[h][g, a, k] } }
                }
                for h in 0..<horizon { for a in 0..<A { births[h][a + c * A] = group.births[h][a + k * A] } }
            }
        }
        // Overlays that do not flow through the ratios: housing, then closure moves.
        var demolitionNotes: [String] = []
        for (c, a) in applied.enumerated() {
            var heldAtZero: [Int: [AcademicYear]] = [:]
            for h in 1...horizon {
                for area in a.overlay(&states[h], column: c, step: h, origin: start) { heldAtZero[area, default: []].append(start + h) }
            }
            if !heldAtZero.isEmpty {
                demolitionNotes.append(Self.demolitionsNote(scenario: a.scenario.name, areas: known.areas, heldAtZero: heldAtZero))
            }
        }
        let forecast = Forecast(areas: known.areas, origin: start, columns: applied.map(\.scenario.name), states: states, births: births)
        var result = ScenarioForecast(forecast: forecast, models: models.map { $0! }, applied: applied, data: known)
        result.data.notes += demolitionNotes
        if let note = DataSet.excludedBeforeDataNote(Set(applied.flatMap(\.model.excludedYears)), census: known.rolls.years) { result.data.notes.append(note) }
        // The notes on a calibration pool speak of auto's choice if any scenario makes one.
        let chooser = applied.first { $0.model.choosesEstimators }?.model ?? applied[0].model
        if let uncertainty {
            // Draws for each scenario, with errors measured on the history known at the origin.
            let years = [start] + forecast.years
            var summaries: [DrawSummary] = []
            var measured: [String: EmpiricalErrors] = [:]
            for (c, a) in applied.enumerated() {
                let model = models[c]!
                var groupData = known
                groupData.births = a.births
                if measured[a.modelKey] == nil {
                    measured[a.modelKey] = EmpiricalErrors.measure(groupData, options: a.model)
                }
                let empirical = measured[a.modelKey]!
                let places = SufficiencyReport.places(schools: a.schools, areas: known.areas, years: years)
                summaries.append(try Simulation.run(
                    groupData, model: model, empirical: empirical, applied: a, horizon: horizon, settings: uncertainty,
                    places: places, thresholds: a.thresholds) { h in
                        progress?(RunProgress("\(a.scenario.name): \(Format.count(Double(uncertainty.draws))) draws, year \(h) of \(horizon)", done: c * horizon + h, total: applied.count * horizon))
                    })
            }
            result.draws = summaries
            if let note = known.calibrationNote(chooser) { result.data.notes.append(note) }
        } else if let note = known.estimatorPoolNote(chooser) {
            result.data.notes.append(note)
        }
        return result
    }

    /// The note on a scenario whose demolitions took more pupils from an area than its
    /// forecast has (say 100,000 homes typed for 1,000): which areas and years were held at
    /// zero pupils, so that the typo is found rather than read as an empty area.
    static func demolitionsNote(scenario: String, areas: [PlanningArea], heldAtZero: [Int: [AcademicYear]]) -> String {
        let listed = heldAtZero.keys.sorted().map { a in
            let years = heldAtZero[a]!
            return "\(areas[a].id) in \(years.first!)" + (years.count > 1 ? "-\(years.last!)" : "")
        }
        return "scenario '\(scenario)': its demolitions take more pupils than the forecast has in "
            + listed.joined(separator: ", ")
            + "; those year groups are held at zero pupils (check the demolitions and demolition_mix of its housing changes)"
    }

    /// One engine run for the columns that share `model`.
    static func project(_ data: DataSet, model: CohortModel, horizon: Int, columns: [AppliedScenario]) throws(PlacePlanError) -> Forecast {
        let A = data.areas.count, C = columns.count
        let initial = try Projector.initialState(data, columns: C)
        let intake = try Projector.intake(data, model: model, horizon: horizon)
        var inflows: [YearInflow] = []
        var births: [[Double]] = []
        let shocked = columns.contains { $0.ratioFactor != nil }
        for h in 1...horizon {
            var reception = Matrix(rows: A, columns: C)
            var b = [Double](repeating: 0, count: A * C)
            for (c, column) in columns.enumerated() {
                for a in 0..<A {
                    b[a + c * A] = intake.births[h - 1][a] * column.receptionFactor[h - 1][a]
                    reception[a, c] = intake.reception[h - 1][a] * column.receptionFactor[h - 1][a]
                }
            }
            var multipliers: [Double]?
            if shocked {
                var m = [Double](repeating: 1, count: YearGroup.count * A * C)
                for (c, column) in columns.enumerated() {
                    guard let f = column.ratioFactor?[h - 1] else { continue }
                    for g in 1..<YearGroup.count { for a in 0..<A { m[(g * C + c) * A + a] = f[g * A + a] } }
                }
                multipliers = m
            }
            births.append(b)
            inflows.append(YearInflow(reception: reception, multipliers: multipliers))
        }
        let states = CohortFlowEngine.project(initial: initial, flows: (1...horizon).map(model.flows(step:)), inflows: inflows)
        return Forecast(areas: data.areas, origin: data.lastCensus, columns: columns.map(\.scenario.name), states: states, births: births)
    }
}
