/// The sufficiency report: places against pupils by area, phase and year, in every format.
public struct SufficiencyOutput: Sendable {
    public var report: SufficiencyReport
    public var forecast: Forecast
    public var model: CohortModel
    public var dataLabel: String

    public init(report: SufficiencyReport, forecast: Forecast, model: CohortModel, dataLabel: String) {
        self.report = report
        self.forecast = forecast
        self.model = model
        self.dataLabel = dataLabel
    }

    public func render(_ format: OutputFormat, colour: Bool = false) throws(PlacePlanError) -> String {
        switch format {
        case .table: header() + "\n" + ([summary()] + tables()).map { $0.render(colour: colour) }.joined(separator: "\n")
        case .markdown: "## Sufficiency\n\n" + header() + "\n" + ([summary()] + tables()).map { $0.markdown() }.joined(separator: "\n")
        case .csv: csv()
        case .json: try jsonText(document())
        }
    }

    func header() -> String {
        let t = report.thresholds
        return """
            Sufficiency of mainstream places: \(dataLabel), forecast from the \(forecast.origin) census, \(forecast.horizon) years
            Assumptions: cohort ratios \(model.options.estimator), intake ratios \(model.options.intakeEstimator), \
            births beyond known years: \(model.options.birthsProjection)
            Margin \(Format.percent(t.margin)), high surplus above \(Format.percent(t.highSurplus)). * = actual (census).
            Short = places needed without offsetting between year groups.
            FE +/- = forms of entry (30 places) spare (+) or short (-) in the entry year group.

            """
    }

    static func style(_ status: SufficiencyStatus) -> CellStyle {
        switch status {
        case .deficit: .bad
        case .belowMargin, .highSurplus: .warning
        case .withinMargin: .good
        }
    }

    /// "DEFICIT" is capitalised so that it stands out without colour too.
    static func label(_ status: SufficiencyStatus) -> String {
        status == .deficit ? "DEFICIT" : status.rawValue
    }

    /// One line per area and phase: surplus now, at the horizon and at worst, and the first
    /// forecast year in deficit.
    func summary() -> TextTable {
        var table = TextTable(
            title: "Summary: surplus % of places by planning area and phase",
            headers: ["Area", "Phase"] + (forecast.columns.count > 1 ? ["Scenario"] : [])
                + ["Now", "Horizon", "Worst", "When", "Deficit from", "At horizon"],
            rightAligned: [false, false] + (forecast.columns.count > 1 ? [false] : []) + [true, true, true, false, false, false])
        for rows in groupedRows() {
            let first = rows[0], last = rows[rows.count - 1]
            let worst = rows.filter(\.isForecast).min { ($0.surplusShare ?? -.infinity) < ($1.surplusShare ?? -.infinity) } ?? last
            let deficit = rows.first { $0.isForecast && $0.status == .deficit }
            table.rows.append(
                [TextTable.Cell(first.areaID + " " + Self.short(first.areaName)), TextTable.Cell(first.phase.rawValue)]
                    + (forecast.columns.count > 1 ? [TextTable.Cell(first.scenario)] : [])
                    + [
                        TextTable.Cell(Format.percent(first.surplusShare), Self.style(first.status)),
                        TextTable.Cell(Format.percent(last.surplusShare), Self.style(last.status)),
                        TextTable.Cell(Format.percent(worst.surplusShare), Self.style(worst.status)),
                        TextTable.Cell(worst.year.description),
                        TextTable.Cell(deficit?.year.description ?? "-", deficit == nil ? .plain : .bad),
                        TextTable.Cell(Self.label(last.status), Self.style(last.status)),
                    ])
        }
        return table
    }

    /// A name cut to 22 characters with an ellipsis, for summary columns.
    static func short(_ name: String, _ limit: Int = 22) -> String {
        name.count <= limit ? name : String(name.prefix(limit - 1)).trimmingTrailingSpaces() + "…"
    }

    /// The rows of each scenario, area and phase, in report order.
    func groupedRows() -> [[SufficiencyRow]] {
        var groups: [[SufficiencyRow]] = []
        for row in report.rows {
            if let last = groups.last?.last, last.scenario == row.scenario, last.areaID == row.areaID, last.phase == row.phase {
                groups[groups.count - 1].append(row)
            } else {
                groups.append([row])
            }
        }
        return groups
    }

    func tables() -> [TextTable] {
        var tables: [TextTable] = []
        for rows in groupedRows() {
            let first = rows[0]
            let entry = first.entryYearGroup.description
            var table = TextTable(
                title: "\(first.areaID) \(first.areaName), \(first.phase)" + (forecast.columns.count > 1 ? " [scenario: \(first.scenario)]" : ""),
                headers: ["Year", "Places", "Pupils", "Surplus", "Surplus%", "Short", "\(entry) places", "\(entry) pupils", "FE +/-", "Status"],
                rightAligned: [false, true, true, true, true, true, true, true, true, false])
            for r in rows {
                table.rows.append([
                    TextTable.Cell(r.isForecast ? r.year.description : "\(r.year)*", r.isForecast ? .plain : .dim),
                    TextTable.Cell(Format.count(r.places)),
                    TextTable.Cell(Format.count(r.pupils)),
                    TextTable.Cell(Format.signed(r.surplus), r.surplus < 0 ? .bad : .plain),
                    TextTable.Cell(Format.percent(r.surplusShare), Self.style(r.status)),
                    TextTable.Cell(r.shortfall >= 0.5 ? Format.count(r.shortfall) : "-", r.shortfall >= 0.5 ? .bad : .dim),
                    TextTable.Cell(Format.count(r.entryPlaces)),
                    TextTable.Cell(Format.count(r.entryPupils)),
                    TextTable.Cell(Format.decimal(r.entryFormsOfEntry, signed: true), r.entryFormsOfEntry < 0 ? .bad : .plain),
                    TextTable.Cell(Self.label(r.status), Self.style(r.status)),
                ])
            }
            tables.append(table)
        }
        return tables
    }

    func csv() -> String {
        let header = [
            "scenario", "area", "area_name", "phase", "year", "kind", "places", "pupils", "surplus", "surplus_pct", "shortfall",
            "entry_year_group", "entry_places", "entry_pupils", "entry_forms_of_entry", "status", "entry_status",
        ]
        let rows = report.rows.map { r in
            [
                r.scenario, r.areaID, r.areaName, r.phase.rawValue, r.year.description, r.isForecast ? "forecast" : "actual",
                Format.decimal(r.places), Format.decimal(r.pupils), Format.decimal(r.surplus),
                r.surplusShare.map { Format.decimal($0 * 100, places: 2) } ?? "", Format.decimal(r.shortfall),
                r.entryYearGroup.description, Format.decimal(r.entryPlaces), Format.decimal(r.entryPupils),
                Format.decimal(r.entryFormsOfEntry, places: 2), r.status.rawValue, r.entryStatus.rawValue,
            ]
        }
        return csvText(header: header, rows: rows)
    }

    /// The `placeplan.sufficiency/1` JSON document (documented in the README).
    public struct Document: Codable, Sendable {
        public struct Row: Codable, Sendable {
            var scenario, area, areaName: String
            var phase: ReportingPhase
            var year: AcademicYear
            var forecast: Bool
            var places, pupils, surplus: Double
            var surplusPct: Double?
            var shortfall: Double
            var entryYearGroup: YearGroup
            var entryPlaces, entryPupils, entryFormsOfEntry: Double
            var status, entryStatus: SufficiencyStatus
        }
        public struct GroupRow: Codable, Sendable {
            var scenario, area: String
            var year: AcademicYear
            var yearGroup: YearGroup
            var places, pupils, surplus: Double
            var surplusPct: Double?
            var status: SufficiencyStatus
        }
        public var schema = "placeplan.sufficiency/1"
        public var data: String
        public var origin: AcademicYear
        public var horizon: Int
        public var margin: Double
        public var highSurplus: Double
        public var assumptions: ForecastReport.Document.Assumptions
        public var scenarios: [String]
        public var rows: [Row]
        public var yearGroups: [GroupRow]
    }

    public func document() -> Document {
        let pct = { (s: Double?) in s.map { Format.rounded($0 * 100, places: 2) } }
        return Document(
            data: dataLabel, origin: forecast.origin, horizon: forecast.horizon, margin: report.thresholds.margin,
            highSurplus: report.thresholds.highSurplus,
            assumptions: .init(
                estimator: model.options.estimator.description, intakeEstimator: model.options.intakeEstimator.description,
                birthsProjection: model.options.birthsProjection.description),
            scenarios: forecast.columns,
            rows: report.rows.map { r in
                .init(
                    scenario: r.scenario, area: r.areaID, areaName: r.areaName, phase: r.phase, year: r.year, forecast: r.isForecast,
                    places: Format.rounded(r.places), pupils: Format.rounded(r.pupils), surplus: Format.rounded(r.surplus),
                    surplusPct: pct(r.surplusShare), shortfall: Format.rounded(r.shortfall), entryYearGroup: r.entryYearGroup,
                    entryPlaces: Format.rounded(r.entryPlaces), entryPupils: Format.rounded(r.entryPupils),
                    entryFormsOfEntry: Format.rounded(r.entryFormsOfEntry, places: 2), status: r.status, entryStatus: r.entryStatus)
            },
            yearGroups: report.yearGroupRows.map { r in
                .init(
                    scenario: r.scenario, area: r.areaID, year: r.year, yearGroup: r.yearGroup, places: Format.rounded(r.places),
                    pupils: Format.rounded(r.pupils), surplus: Format.rounded(r.surplus), surplusPct: pct(r.surplusShare), status: r.status)
            })
    }
}
