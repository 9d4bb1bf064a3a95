/// The sufficiency report: places against pupils by area, phase and year, in every format.
public struct SufficiencyOutput: Sendable {
    public var report: SufficiencyReport
    public var run: ScenarioForecast
    public var dataLabel: String
    var forecast: Forecast { run.forecast }

    public init(_ run: ScenarioForecast, dataLabel: String, filter: OutputFilter = OutputFilter()) {
        self.run = run
        var report = SufficiencyReport(run)
        report.rows = report.rows.filter { filter.keeps(areaID: $0.areaID) && filter.keeps(phase: $0.phase) }
        report.yearGroupRows = report.yearGroupRows.filter { filter.keeps(areaID: $0.areaID) && filter.keeps($0.yearGroup) }
        self.report = report
        self.dataLabel = dataLabel
        filtered = filter != OutputFilter()
    }

    /// Whether --area or --phase cut the output (the LA-wide specialist tables are then left out).
    var filtered = false

    public func render(_ format: OutputFormat, colour: Bool = false) throws(PlacePlanError) -> String {
        switch format {
        case .table: header() + "\n" + ([summary()] + tables() + specialistTables()).map { $0.render(colour: colour) }.joined(separator: "\n")
        case .markdown:
            "## Sufficiency\n\n```\n" + header() + "```\n\n" + ([summary()] + tables() + specialistTables()).map { $0.markdown() }.joined(separator: "\n")
        case .csv: csv()
        case .json: try jsonText(document())
        case .xlsx: try OutputFormat.workbookRequested()
        }
    }

    func header() -> String { ScenarioHeader.text(run, dataLabel: dataLabel, sufficiency: true) }

    static func style(_ status: SufficiencyStatus) -> CellStyle {
        switch status {
        case .deficit: .bad
        case .belowMargin, .highSurplus: .warning
        case .withinMargin: .good
        }
    }

    /// A chance of a deficit: red from even odds, yellow from one in ten.
    static func chanceStyle(_ p: Double) -> CellStyle { p >= 0.5 ? .bad : p >= 0.1 ? .warning : .plain }

    /// "DEFICIT" is capitalised so that it stands out without colour too.
    static func label(_ status: SufficiencyStatus) -> String {
        status == .deficit ? "DEFICIT" : status.rawValue
    }

    /// One line per area and phase: surplus now, at the horizon and at worst, and the first
    /// forecast year in deficit; with draws, the highest chance of a deficit in any forecast year.
    func summary() -> TextTable {
        let several = forecast.columns.count > 1
        let drawn = report.rows.contains { $0.probabilityDeficit != nil }
        var table = TextTable(
            title: "Summary: surplus % of places by planning area and phase" + (several ? ", scenarios side by side" : ""),
            headers: ["Area", "Phase"] + (several ? ["Scenario"] : []) + ["Now", "Horizon", "Worst", "When", several || drawn ? "Deficit" : "Deficit from"]
                + (drawn ? ["P(def)"] : []) + ["At horizon"],
            rightAligned: [false, false] + (several ? [false] : []) + [true, true, true, false, false] + (drawn ? [true] : []) + [false])
        // With several scenarios, each area's scenarios sit together so they can be compared.
        let groups = groupedRows()
        let ordered = several
            ? groups.enumerated().sorted { lhs, rhs in
                let l = (forecast.areas.firstIndex { $0.id == lhs.element[0].areaID }!, lhs.element[0].phase.rawValue, lhs.offset)
                let r = (forecast.areas.firstIndex { $0.id == rhs.element[0].areaID }!, rhs.element[0].phase.rawValue, rhs.offset)
                return l < r
            }.map(\.element)
            : groups
        for rows in ordered {
            let first = rows[0], last = rows[rows.count - 1]
            let worst = rows.leastSurplus ?? last, deficit = rows.firstDeficit, chance = rows.likeliestDeficit?.probabilityDeficit
            // The chance column takes one character from the names, to keep the table within 100.
            let name = several ? first.areaID : first.areaID + " " + Self.short(first.areaName, drawn ? 21 : 22)
            table.rows.append(
                [TextTable.Cell(name), TextTable.Cell(first.phase.rawValue)]
                    + (several ? [TextTable.Cell(first.scenario)] : [])
                    + [
                        TextTable.Cell(Format.percent(first.surplusShare), Self.style(first.status)),
                        TextTable.Cell(Format.percent(last.surplusShare), Self.style(last.status)),
                        TextTable.Cell(Format.percent(worst.surplusShare), Self.style(worst.status)),
                        TextTable.Cell(worst.year.description),
                        TextTable.Cell(deficit?.year.description ?? "-", deficit == nil ? .plain : .bad),
                    ]
                    + (drawn ? [TextTable.Cell(Format.percent(chance), Self.chanceStyle(chance ?? 0))] : [])
                    + [TextTable.Cell(Self.label(last.status), Self.style(last.status))])
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
            if first.pupilsQuantiles != nil {
                tables.append(drawTable(rows))
                continue
            }
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

    /// With draws: the median and 80% interval of pupils and the chances of a deficit and of
    /// a high surplus beside the forecast.
    func drawTable(_ rows: [SufficiencyRow]) -> TextTable {
        let first = rows[0]
        var table = TextTable(
            title: "\(first.areaID) \(first.areaName), \(first.phase)" + (forecast.columns.count > 1 ? " [scenario: \(first.scenario)]" : ""),
            headers: ["Year", "Places", "Pupils", "P10", "P50", "P90", "Surplus%", "P(deficit)", "P(high)", "FE +/-", "Status"],
            rightAligned: [false, true, true, true, true, true, true, true, true, true, false])
        for r in rows {
            let q = r.pupilsQuantiles ?? []
            let p = r.probabilityDeficit ?? 0
            table.rows.append([
                TextTable.Cell(r.isForecast ? r.year.description : "\(r.year)*", r.isForecast ? .plain : .dim),
                TextTable.Cell(Format.count(r.places)), TextTable.Cell(Format.count(r.pupils)),
                TextTable.Cell(q.count > 4 ? Format.count(q[2]) : "-", .dim), TextTable.Cell(q.count > 4 ? Format.count(q[3]) : "-", .dim),
                TextTable.Cell(q.count > 4 ? Format.count(q[4]) : "-", .dim),
                TextTable.Cell(Format.percent(r.surplusShare), Self.style(r.status)),
                TextTable.Cell(r.isForecast ? Format.percent(p) : "-", Self.chanceStyle(p)),
                TextTable.Cell(r.isForecast ? Format.percent(r.probabilityHighSurplus) : "-"),
                TextTable.Cell(Format.decimal(r.entryFormsOfEntry, signed: true), r.entryFormsOfEntry < 0 ? .bad : .plain),
                TextTable.Cell(Self.label(r.status), Self.style(r.status)),
            ])
        }
        return table
    }

    func csv() -> String {
        let header = [
            "scenario", "area", "area_name", "phase", "year", "kind", "places", "pupils", "surplus", "surplus_pct", "shortfall",
            "entry_year_group", "entry_places", "entry_pupils", "entry_forms_of_entry", "status", "entry_status",
        ]
        // With draws: every quantile of pupils and the two chances (empty at the census year).
        let drawn = report.rows.contains { $0.pupilsQuantiles != nil }
        let extra = drawn ? UncertaintySettings.quantileNames + ["p_deficit", "p_high_surplus"] : []
        let rows = report.rows.map { r in
            [
                r.scenario, r.areaID, r.areaName, r.phase.rawValue, r.year.description, r.isForecast ? "forecast" : "actual",
                Format.decimal(r.places), Format.decimal(r.pupils), Format.decimal(r.surplus),
                r.surplusShare.map { Format.decimal($0 * 100, places: 2) } ?? "", Format.decimal(r.shortfall),
                r.entryYearGroup.description, Format.decimal(r.entryPlaces), Format.decimal(r.entryPupils),
                Format.decimal(r.entryFormsOfEntry, places: 2), r.status.rawValue, r.entryStatus.rawValue,
            ] + (!drawn ? [] : (r.pupilsQuantiles?.map { Format.decimal($0) } ?? Array(repeating: "", count: UncertaintySettings.quantiles.count))
                + [r.probabilityDeficit, r.probabilityHighSurplus].map { p in r.isForecast ? p.map { Format.decimal($0, places: 4) } ?? "" : "" })
        }
        return csvText(header: header + extra, rows: rows)
    }

    /// The `placeplan.sufficiency/1` JSON document (documented in docs/json-output.md).
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
            /// With draws: quantiles of pupils keyed p2_5 ... p97_5, and probabilities.
            var pupilsQuantiles: [String: Double]?
            var probabilityDeficit, probabilityEntryDeficit, probabilityHighSurplus: Double?
        }
        public struct GroupRow: Codable, Sendable {
            var scenario, area: String
            var year: AcademicYear
            var yearGroup: YearGroup
            var places, pupils, surplus: Double
            var surplusPct: Double?
            var status: SufficiencyStatus
        }
        public struct Specialist: Codable, Sendable {
            var scenario, school, schoolName, area: String
            var phase: Phase
            var need: String
            var kind: String
            var year: AcademicYear
            var places: Int
        }
        public var schema = "placeplan.sufficiency/1"
        public var data: String
        /// Draws and seed, when prediction intervals were computed.
        public var draws: Int?
        public var seed: UInt64?
        public var origin: AcademicYear
        public var horizon: Int
        public var scenarios: [ScenarioHeader.ScenarioDocument]
        public var rows: [Row]
        public var yearGroups: [GroupRow]
        public var specialistPlaces: [Specialist]
    }

    public func document() -> Document {
        let pct = { (s: Double?) in s.map { Format.rounded($0 * 100, places: 2) } }
        return Document(
            data: dataLabel, draws: run.draws?.first?.draws, seed: run.draws?.first?.seed, origin: forecast.origin, horizon: forecast.horizon,
            scenarios: ScenarioHeader.documents(run),
            rows: report.rows.map { r in
                .init(
                    scenario: r.scenario, area: r.areaID, areaName: r.areaName, phase: r.phase, year: r.year, forecast: r.isForecast,
                    places: Format.rounded(r.places), pupils: Format.rounded(r.pupils), surplus: Format.rounded(r.surplus),
                    surplusPct: pct(r.surplusShare), shortfall: Format.rounded(r.shortfall), entryYearGroup: r.entryYearGroup,
                    entryPlaces: Format.rounded(r.entryPlaces), entryPupils: Format.rounded(r.entryPupils),
                    entryFormsOfEntry: Format.rounded(r.entryFormsOfEntry, places: 2), status: r.status, entryStatus: r.entryStatus,
                    pupilsQuantiles: r.pupilsQuantiles.map { q in
                        Dictionary(uniqueKeysWithValues: zip(UncertaintySettings.quantileNames, q.map { Format.rounded($0) }))
                    },
                    // At the census year the places and pupils are known: no chance to state
                    // (null, as the CSV leaves the cell empty).
                    probabilityDeficit: r.isForecast ? r.probabilityDeficit.map { Format.rounded($0, places: 4) } : nil,
                    probabilityEntryDeficit: r.isForecast ? r.probabilityEntryDeficit.map { Format.rounded($0, places: 4) } : nil,
                    probabilityHighSurplus: r.isForecast ? r.probabilityHighSurplus.map { Format.rounded($0, places: 4) } : nil)
            },
            yearGroups: report.yearGroupRows.map { r in
                .init(
                    scenario: r.scenario, area: r.areaID, year: r.year, yearGroup: r.yearGroup, places: Format.rounded(r.places),
                    pupils: Format.rounded(r.pupils), surplus: Format.rounded(r.surplus), surplusPct: pct(r.surplusShare), status: r.status)
            },
            specialistPlaces: run.applied.flatMap { a in
                a.specialistPlaces.flatMap { e in
                    ([forecast.origin] + forecast.years).map { year in
                        Document.Specialist(
                            scenario: a.scenario.name, school: e.school, schoolName: e.schoolName, area: e.areaID, phase: e.phase,
                            need: e.need?.rawValue ?? "any", kind: e.kind.rawValue, year: year, places: e.places.places(in: year))
                    }
                }
            })
    }

    /// Specialist places (ARP and special school) by need and phase, per scenario: the
    /// capacity the SEND model will use.
    func specialistTables() -> [TextTable] {
        guard !filtered else { return [] }
        // The origin, the first five forecast years, then years 7, 10, 15, 20 and 25 ahead.
        let shown = [0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 25].filter { $0 <= forecast.horizon }.map { forecast.origin + $0 }
        var tables: [TextTable] = []
        for a in run.applied where !a.specialistPlaces.isEmpty {
            var table = TextTable(
                title: "Specialist places by need and phase" + (run.applied.count > 1 ? " [scenario: \(a.scenario.name)]" : ""),
                headers: ["Need", "Phase", "Kind"] + shown.map { "\($0.startYear % 100 < 10 ? "0" : "")\($0.startYear % 100)/\(($0.startYear + 1) % 100 < 10 ? "0" : "")\(($0.startYear + 1) % 100)" },
                rightAligned: [false, false, false] + shown.map { _ in true })
            let keys = Set(a.specialistPlaces.map { "\($0.need?.rawValue ?? "any")|\($0.phase.rawValue)|\($0.kind.rawValue)" }).sorted()
            for key in keys {
                let parts = key.split(separator: "|").map(String.init)
                let entries = a.specialistPlaces.filter { "\($0.need?.rawValue ?? "any")|\($0.phase.rawValue)|\($0.kind.rawValue)" == key }
                table.rows.append(
                    [TextTable.Cell(parts[0]), TextTable.Cell(parts[1]), TextTable.Cell(parts[2])]
                        + shown.map { y in TextTable.Cell(Format.count(Double(entries.reduce(0) { $0 + $1.places.places(in: y) }))) })
            }
            tables.append(table)
        }
        return tables
    }
}
