/// The forecast report: pupils by area, year and year group, in every output format.
public struct ForecastReport: Sendable {
    public var run: ScenarioForecast
    public var dataLabel: String
    /// The areas and phase shown (`--area`, `--phase`); everything by default.
    public var filter = OutputFilter()
    var forecast: Forecast { run.forecast }

    public init(_ run: ScenarioForecast, dataLabel: String) {
        self.run = run
        self.dataLabel = dataLabel
    }

    public func render(_ format: OutputFormat, colour: Bool = false) throws(PlacePlanError) -> String {
        switch format {
        case .table:
            ScenarioHeader.text(run, dataLabel: dataLabel, sufficiency: false) + "\n"
                + tables().map { $0.render(colour: colour) }.joined(separator: "\n")
        case .markdown:
            "## Forecast from \(forecast.origin)\n\n```\n" + ScenarioHeader.text(run, dataLabel: dataLabel, sufficiency: false) + "```\n\n"
                + tables().map { $0.markdown() }.joined(separator: "\n")
        case .csv: csv()
        case .json: try jsonText(document())
        case .xlsx: try OutputFormat.workbookRequested()
        }
    }

    /// One table per area: pupils by year group and the total. With draws, the total's P10,
    /// P50 and P90 (an all-through area: each phase's 80% interval, P10-P90).
    func tables() -> [TextTable] {
        var tables: [TextTable] = []
        for (c, scenario) in forecast.columns.enumerated() {
            let draws = run.draws?[c]
            for (a, area) in forecast.areas.enumerated() where filter.keeps(area) {
                let groups = area.phase.yearGroups.filter(filter.keeps)
                let phases = ReportingPhase.allCases.filter { p in groups.contains { ReportingPhase($0) == p } }
                let bands = draws == nil ? [] : phases.count == 1 ? ["P10", "P50", "P90"] : phases.map { "\($0 == .primary ? "Primary" : "Secondary") P10-P90" }
                var table = TextTable(
                    title: "\(area.id) \(area.name) (\(area.phase))" + (forecast.columns.count > 1 ? ", scenario \(scenario)" : ""),
                    headers: ["Year"] + groups.map(\.description) + ["Total"] + bands)
                for (h, year) in ([forecast.origin] + forecast.years).enumerated() {
                    let values = groups.map { forecast.pupils(year, area: a, $0, column: c) }
                    let label = h == 0 ? "\(year)*" : "\(year)"
                    var cells = [TextTable.Cell(label, h == 0 ? .dim : .plain)] + values.map { TextTable.Cell(Format.count($0)) }
                        + [TextTable.Cell(Format.count(values.reduce(0, +)), .bold)]
                    if let d = draws {
                        if phases.count == 1 {
                            cells += [2, 3, 4].map { TextTable.Cell(Format.count(d.total(step: h, area: a, phase: phases[0], $0)), .dim) }
                        } else {
                            cells += phases.map { p in
                                TextTable.Cell(Format.count(d.total(step: h, area: a, phase: p, 2)) + "-" + Format.count(d.total(step: h, area: a, phase: p, 4)), .dim)
                            }
                        }
                    }
                    table.rows.append(cells)
                }
                tables.append(table)
            }
        }
        return tables
    }

    /// One row per area, year and year group; with draws, every quantile too.
    func csv() -> String {
        let quantiles = run.draws == nil ? [] : UncertaintySettings.quantileNames
        let years = [forecast.origin] + forecast.years
        var out = CSVWriter(header: ["scenario", "area", "area_name", "year", "year_group", "kind", "pupils"] + quantiles, reservingRows: forecast.columns.count * forecast.areas.count * years.count * YearGroup.count)
        for (c, scenario) in forecast.columns.enumerated() {
            for (a, area) in forecast.areas.enumerated() where filter.keeps(area) {
                for (h, year) in years.enumerated() {
                    let yearText = year.description
                    for g in area.phase.yearGroups where filter.keeps(g) {
                        for text in [scenario, area.id, area.name, yearText, g.description, h == 0 ? "actual" : "forecast"] { out.field(text) }
                        out.field(Format.decimal(forecast.pupils(year, area: a, g, column: c)))
                        if let d = run.draws?[c] {
                            for q in UncertaintySettings.quantiles.indices { out.field(Format.decimal(d.quantile(step: h, area: a, g, q))) }
                        }
                        out.endRow()
                    }
                }
            }
        }
        return out.text
    }

    /// The `placeplan.forecast/1` JSON document (documented in docs/json-output.md).
    public struct Document: Codable, Sendable {
        public struct Area: Codable, Sendable { var id, name: String; var phase: Phase; var localAuthority: String }
        public struct Assumptions: Codable, Sendable {
            public struct Chosen: Codable, Sendable { var from, to: YearGroup; var estimator: String }
            var method, intakeMethod, birthsProjection: String
            /// Census years whose ratios were left out of estimation.
            var excludedYears: [String]
            /// The estimators used (chosen by `auto`, or fixed).
            var intakeEstimator: String
            var cohortEstimators: [Chosen]
        }
        public struct Ratio: Codable, Sendable { var scenario, area: String; var from, to: YearGroup; var ratio: Double }
        public struct Intake: Codable, Sendable { var scenario, area: String; var ratio: Double }
        public struct Pupils: Codable, Sendable {
            var scenario, area: String; var year: AcademicYear; var yearGroup: YearGroup; var pupils: Double; var forecast: Bool
            /// With draws: quantiles keyed p2_5 ... p97_5.
            var quantiles: [String: Double]? = nil
        }
        public var schema = "placeplan.forecast/1"
        public var data: String
        public var origin: AcademicYear
        public var horizon: Int
        public var scenarios: [ScenarioHeader.ScenarioDocument]
        public var areas: [Area]
        public var cohortRatios: [Ratio]
        public var intakeRatios: [Intake]
        public var pupils: [Pupils]
    }

    public func document() -> Document {
        let areas = forecast.areas
        var ratios: [Document.Ratio] = []
        var intake: [Document.Intake] = []
        for (c, scenario) in forecast.columns.enumerated() {
            let model = run.models[c]
            for g in 0..<13 {
                for (b, area) in areas.enumerated() where filter.keeps(area) {
                    if let r = model.cohortRatios[0][g][b] {
                        ratios.append(.init(scenario: scenario, area: area.id, from: YearGroup(g), to: YearGroup(g + 1), ratio: Format.rounded(r, places: 5)))
                    }
                }
            }
            for (a, area) in areas.enumerated() where filter.keeps(area) {
                if let r = model.intakeRatios[0][a] { intake.append(.init(scenario: scenario, area: area.id, ratio: Format.rounded(r, places: 5))) }
            }
        }
        var pupils: [Document.Pupils] = []
        for (c, scenario) in forecast.columns.enumerated() {
            for (a, area) in areas.enumerated() where filter.keeps(area) {
                for (h, year) in ([forecast.origin] + forecast.years).enumerated() {
                    for g in area.phase.yearGroups where filter.keeps(g) {
                        var row = Document.Pupils(scenario: scenario, area: area.id, year: year, yearGroup: g, pupils: Format.rounded(forecast.pupils(year, area: a, g, column: c)), forecast: h > 0)
                        if let d = run.draws?[c] {
                            row.quantiles = Dictionary(uniqueKeysWithValues: UncertaintySettings.quantileNames.enumerated().map { ($1, Format.rounded(d.quantile(step: h, area: a, g, $0))) })
                        }
                        pupils.append(row)
                    }
                }
            }
        }
        return Document(
            data: dataLabel, origin: forecast.origin, horizon: forecast.horizon,
            scenarios: ScenarioHeader.documents(run),
            areas: areas.map { .init(id: $0.id, name: $0.name, phase: $0.phase, localAuthority: $0.localAuthority) },
            cohortRatios: ratios, intakeRatios: intake, pupils: pupils)
    }
}
