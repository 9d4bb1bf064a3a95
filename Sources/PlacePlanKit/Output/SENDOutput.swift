import Foundation
/// The SEND report: EHCP pupils by need and placement, specialist sufficiency and cost.
public struct SENDOutput: Sendable {
    public var send: SENDForecast
    public var run: ScenarioForecast
    public var dataLabel: String

    public init(_ send: SENDForecast, run: ScenarioForecast, dataLabel: String) {
        self.send = send
        self.run = run
        self.dataLabel = dataLabel
    }

    public func render(_ format: OutputFormat, colour: Bool = false) throws(PlacePlanError) -> String {
        switch format {
        case .table: header() + "\n" + tables().map { $0.render(colour: colour) }.joined(separator: "\n")
        case .markdown: "## SEND\n\n```\n" + header() + "```\n\n" + tables().map { $0.markdown() }.joined(separator: "\n")
        case .csv: csv()
        case .json: try jsonText(document())
        case .xlsx: try OutputFormat.workbookRequested()
        }
    }

    var several: Bool { send.columns.count > 1 }

    /// Where the growth g comes from, and the pull to the pooled rate, in words.
    static func growthSource(_ cal: SENDCalibration) -> String {
        guard let years = cal.momentumYears else {
            return "the authority's own growth \(Format.percent(cal.growth, signed: true)) a year (log-linear, last five years; no pooled trend)"
        }
        let pull = cal.pooledAuthorities > 1
            ? "; its new-plan rate is \(Format.percent(exp(cal.relativeLevel) - 1, signed: true)) against the rate pooled over "
                + "\(cal.pooledAuthorities) authorities, a gap that closes by \(Format.percent(1 - SENDPooledTrend.reversion)) a year"
            : " (the data holds one authority, so the pool is its own)"
        return "momentum \(Format.percent(cal.growth, signed: true)) a year (\(cal.momentumSeries ?? "England's plans"), "
            + "\(years.lowerBound)-\(years.upperBound))" + pull
    }

    /// The cessation rates a year by band, "R 0.9%, Y1-Y6 0.9%, ...", with where they came from
    /// when not the authority's own age-band balance.
    func cessation() -> String {
        let cal = send.calibration
        func years(_ b: AgeBand) -> String { "\(b.yearGroups.first!)\(b.yearGroups.count > 1 ? "-\(b.yearGroups.last!)" : "")" }
        let bands: [AgeBand] = [.under5, .age5to10, .age11to15, .age16to19]
        var line = bands.map { "\(years($0)) \(Format.percent(cal.cessation[$0.yearGroups[0].index]))" }.joined(separator: ", ")
        if !cal.cessationFromPredecessors.isEmpty {
            let which = cal.cessationFromPredecessors.map(years).joined(separator: ", ")
            let las = cal.cessationPredecessors.joined(separator: ", ")
            line += " (\(which) from the plans of LA \(las), which \(send.authority) was made from: its own age-band files are too short)"
        }
        if !cal.cessationAssumed.isEmpty {
            let which = cal.cessationAssumed.map(years).joined(separator: ", ")
            line += " (\(Format.percent(SENDCalibration.assumedCessation)) assumed for \(which): the age-band files give no plans a year apart for \(send.authority))"
        }
        return line
    }

    /// Where the costs came from, the illustrative defaults said loudly.
    var costsSource: String {
        let source = send.assumptions.costs.source
        return source == SENDCosts.illustrative.source ? "ILLUSTRATIVE defaults: replace with send_costs.csv" : source
    }

    func header() -> String {
        let cal = send.calibration, a = send.assumptions
        var lines = [
            "SEND: EHCP pupils (Reception to Year 13) and specialist places, \(send.authority)",
            "Data: \(dataLabel); EHCP history from the DfE SEN2 files, starting at the January \(cal.origin.censusYear) census",
            "",
            "Assumptions:",
            "  new-plan rates: \(a.trend), from " + Self.growthSource(cal),
            "  cessation a year: " + cessation(),
            "  specialist demand is met in borough up to the places there are for its need; the rest goes",
            "  to independent/non-maintained special schools or out of borough (so Spare on a subtotal or",
            "  All needs row nets one need's spare places against another's shortfall: Indep and Out bor",
            "  are the children the places do not meet)",
            "  costs a year: " + ReportedPlacement.allCases.map { "\($0) £\(Format.count(a.costs.annual[$0] ?? 0))" }.joined(separator: ", "),
            "  (\(costsSource))",
        ]
        if !areaIDs.isEmpty { lines.append("  by planning area: \(send.areaSource)") }
        lines = lines.flatMap { $0.count > 98 ? ScenarioHeader.wrap($0, width: 98, indent: "    ").enumerated().map { $0.offset == 0 ? "  " + $0.element.dropFirst(4) : $0.element } : [$0] }
        for applied in run.applied {
            let s = applied.scenario
            lines.append("")
            lines.append("Scenario '\(s.name)'" + (s.file.isEmpty ? "" : " (\(s.file))"))
            if s.changes.isEmpty { lines.append("  changes: none") }
            for change in s.changes {
                let wrapped = ScenarioHeader.wrap(change.summary(forecastTo: run.forecast.origin + run.forecast.horizon), width: 98, indent: "    ")
                lines.append("  - " + wrapped[0].dropFirst(4))
                lines += wrapped.dropFirst()
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Totals for one scenario and year: by need and by reported placement, and the cost.
    struct Totals {
        var total = 0.0
        var byNeed: [PrimaryNeed: Double] = [:]
        var byPlacement: [ReportedPlacement: Double] = [:]
        var cost = 0.0
    }

    func totals(_ scenario: String, _ year: AcademicYear) -> Totals {
        var t = Totals()
        for r in send.rows where r.scenario == scenario && r.year == year {
            t.total += r.pupils
            t.byNeed[r.need, default: 0] += r.pupils
            for p in ReportedPlacement.allCases { t.byPlacement[p, default: 0] += r.byPlacement[p.rawValue] ?? 0 }
            t.cost += r.cost
        }
        return t
    }

    /// With draws: the spread of the first scenario's totals.
    func drawTable() -> TextTable? {
        guard let d = send.draws else { return nil }
        // Calibrated draws centre on the forecast corrected by the model's measured bias, so
        // the forecast sits beside the P50.
        let title = "Uncertainty from \(Format.count(Double(d.draws))) draws of \(d.varies) [scenario: \(d.scenario)]: P10 / P50 / P90"
            + (d.isCalibrated ? " (centred on the forecast corrected by the bias its backtest measured, as far as it has persisted)" : "")
            + d.adaptation
        var t = TextTable(
            title: ScenarioHeader.wrap(title, width: 100, indent: "  ").joined(separator: "\n").trimmingCharacters(in: .whitespaces),
            headers: ["Year", "EHCP forecast", "P10", "P50", "P90", "Indep+OOB P10", "P90", "Cost £m P10", "P90"])
        for (h, year) in d.years.enumerated() {
            let pupils = d.quantiles(step: h, .pupils), outside = d.quantiles(step: h, .outside)
            let cost = d.quantiles(step: h, .cost)
            let forecast = send.rows.filter { $0.scenario == d.scenario && $0.year == year }.reduce(0) { $0 + $1.pupils }
            t.rows.append([
                TextTable.Cell(h == 0 ? "\(year)*" : year.description), TextTable.Cell(Format.count(forecast)),
                TextTable.Cell(Format.count(pupils[2])), TextTable.Cell(Format.count(pupils[3])),
                TextTable.Cell(Format.count(pupils[4])), TextTable.Cell(Format.count(outside[2])), TextTable.Cell(Format.count(outside[4])),
                TextTable.Cell(Format.decimal(cost[2] / 1e6)), TextTable.Cell(Format.decimal(cost[4] / 1e6)),
            ])
        }
        return t
    }

    func tables() -> [TextTable] {
        var tables: [TextTable] = drawTable().map { [$0] } ?? []
        let areas = BroadAreaOfNeed.allCases
        for scenario in send.columns {
            let suffix = several ? " [scenario: \(scenario)]" : ""
            var byNeed = TextTable(
                title: "EHCP pupils by broad area of need" + suffix,
                headers: ["Year", "Total", "Growth", "Comm & int", "Cog & learn", "SEMH", "Sens & phys", "Other"])
            var byPlace = TextTable(
                title: "EHCP pupils by placement, and cost a year" + suffix,
                headers: ["Year", "Mainstr", "ARP", "Special", "Indep/NM", "Out of bor", "AP/other", "Cost £m"])
            var previous: Double?
            for (h, year) in send.years.enumerated() {
                let t = totals(scenario, year)
                let label = TextTable.Cell(h == 0 ? "\(year)*" : year.description, h == 0 ? .dim : .plain)
                byNeed.rows.append(
                    [label, TextTable.Cell(Format.count(t.total), .bold), TextTable.Cell(previous.map { Format.percent(t.total / $0 - 1, signed: true) } ?? "")]
                        + areas.map { area in TextTable.Cell(Format.count(PrimaryNeed.allCases.filter { $0.broadArea == area }.reduce(0) { $0 + (t.byNeed[$1] ?? 0) })) })
                byPlace.rows.append(
                    [label] + ReportedPlacement.allCases.map { TextTable.Cell(Format.count(t.byPlacement[$0] ?? 0), $0 == .outOfBorough || $0 == .independent ? .warning : .plain) }
                        + [TextTable.Cell(Format.decimal(t.cost / 1e6, places: 1))])
                previous = t.total
            }
            tables += [byNeed, byPlace]
            let shown = Set([1, 5, send.years.count - 1].filter { $0 < send.years.count }).sorted()
            for h in shown {
                let year = send.years[h]
                // With draws of this scenario: the chance that demand exceeds the places, per need.
                let draws = send.draws.flatMap { $0.scenario == scenario ? $0 : nil }
                var table = TextTable(
                    title: "Specialist sufficiency in \(year), by need and phase" + suffix,
                    headers: ["Need", "Phase", "EHCP", "Demand", "Places", "Spare", "In bor", "Indep", "Out bor", "Cost £m"] + (draws == nil ? [] : ["P(short)"]),
                    rightAligned: [false, false] + Array(repeating: true, count: draws == nil ? 8 : 9))
                let blank = draws == nil ? [] : [TextTable.Cell("")]
                for phase in ReportingPhase.allCases {
                    for area in areas {
                        let rows = send.rows.filter { $0.scenario == scenario && $0.year == year && $0.phase == phase && $0.need.broadArea == area }
                        for r in rows where r.pupils >= 0.5 {
                            let short = draws.map { [TextTable.Cell(Format.percent($0.probabilityShort(step: h, need: r.need, phase: phase)))] } ?? []
                            table.rows.append(cells(r.need.rawValue, phase.rawValue, [r]) + short)
                        }
                        if rows.count > 1 { table.rows.append(cells("  " + shortName(area), phase.rawValue, rows, subtotal: true) + blank) }
                    }
                    let all = send.rows.filter { $0.scenario == scenario && $0.year == year && $0.phase == phase }
                    table.rows.append(cells("All needs", phase.rawValue, all, subtotal: true) + blank)
                }
                tables.append(table)
            }
            if let h = shown.dropFirst().first ?? shown.first { tables += areaTables(scenario, year: send.years[h], suffix: suffix) }
        }
        return tables
    }

    /// The areas with EHCP pupils, in the forecast's order (none for a single area).
    var areaIDs: [String] {
        var seen: Set<String> = [], ids: [String] = []
        for r in send.areaRows where seen.insert(r.area).inserted { ids.append(r.area) }
        return ids.count > 1 ? ids : []
    }

    /// By planning area of residence in `year`: each area and phase's specialist demand and
    /// where it is met, then the children placed outside their area by need.
    func areaTables(_ scenario: String, year: AcademicYear, suffix: String) -> [TextTable] {
        let ids = areaIDs
        guard !ids.isEmpty else { return [] }
        let rows = send.areaRows.filter { $0.scenario == scenario && $0.year == year }
        var table = TextTable(
            title: "Specialist places by planning area of residence in \(year)" + suffix,
            headers: ["Area", "Phase", "EHCP", "Demand", "Places", "Met here", "Elsewhere", "Indep/OOB", "Travel out", "Cost £m"],
            rightAligned: [false, false] + Array(repeating: true, count: 8))
        for id in ids {
            for phase in ReportingPhase.allCases {
                let r = rows.filter { $0.area == id && $0.phase == phase }
                func total(_ f: (SENDAreaRow) -> Double) -> Double { r.reduce(0) { $0 + f($1) } }
                guard total(\.demand) >= 0.5 || total(\.placesInArea) >= 0.5 else { continue }
                let out = total(\.travellingOut), away = total(\.independent) + total(\.outOfBorough)
                table.rows.append([
                    TextTable.Cell(id), TextTable.Cell(phase == .primary ? "pri" : "sec"), TextTable.Cell(Format.count(total(\.pupils))),
                    TextTable.Cell(Format.count(total(\.demand))), TextTable.Cell(Format.count(total(\.placesInArea))),
                    TextTable.Cell(Format.count(total(\.metInArea))), TextTable.Cell(Format.count(total(\.metElsewhereInBorough))),
                    TextTable.Cell(Format.count(away), away >= 0.5 ? .warning : .plain), TextTable.Cell(Format.count(out), out >= 0.5 ? .bad : .plain),
                    TextTable.Cell(Format.decimal(total(\.cost) / 1e6, places: 1)),
                ])
            }
        }
        // Children who travel out of their area, by need (the needs with any).
        let needs = SENDCalibration.needs.filter { n in rows.contains { $0.need == n && $0.travellingOut >= 0.5 } }
        var matrix = TextTable(
            title: "Children placed outside their area in \(year), by need (both phases)" + suffix, headers: ["Area"] + needs.map(\.rawValue) + ["All"])
        for id in ids {
            let values = needs.map { n in rows.filter { $0.area == id && $0.need == n }.reduce(0.0) { $0 + $1.travellingOut } }
            matrix.rows.append([TextTable.Cell(id)] + values.map { TextTable.Cell(Format.count($0), $0 >= 0.5 ? .warning : .plain) }
                + [TextTable.Cell(Format.count(values.reduce(0, +)), .bold)])
        }
        return needs.isEmpty ? [table] : [table, matrix]
    }

    func shortName(_ area: BroadAreaOfNeed) -> String {
        switch area {
        case .communicationAndInteraction: "Comm & interaction"
        case .cognitionAndLearning: "Cognition & learning"
        case .socialEmotionalMentalHealth: "SEMH"
        case .sensoryPhysical: "Sensory & physical"
        case .other: "Other"
        }
    }

    func cells(_ name: String, _ phase: String, _ rows: [SpecialistRow], subtotal: Bool = false) -> [TextTable.Cell] {
        func total(_ f: (SpecialistRow) -> Double) -> Double { rows.reduce(0) { $0 + f($1) } }
        let spare = total(\.spare)
        let style: CellStyle = subtotal ? .bold : .plain
        return [
            TextTable.Cell(name, style), TextTable.Cell(phase == "primary" ? "pri" : "sec"),
            TextTable.Cell(Format.count(total(\.pupils)), style), TextTable.Cell(Format.count(total(\.demand)), style),
            TextTable.Cell(Format.count(total(\.places)), style), TextTable.Cell(Format.signed(spare), spare < -0.5 ? .bad : style),
            TextTable.Cell(Format.count(total(\.placedInBorough)), style), TextTable.Cell(Format.count(total(\.independent)), style),
            TextTable.Cell(Format.count(total(\.outOfBorough)), style), TextTable.Cell(Format.decimal(total(\.cost) / 1e6, places: 1), style),
        ]
    }

    /// One row per scenario, year, need and phase; with draws, `p_short`: the chance that
    /// demand for the need exceeds its places (the drawn scenario's forecast years; empty
    /// elsewhere). The totals' quantiles are in the JSON.
    func csv() -> String {
        let draws = send.draws
        let step = Dictionary((draws?.years ?? []).enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let byArea = !areaIDs.isEmpty
        var rows: [[String]] = send.rows.map { r in
            [
                r.scenario, r.year.description, r.need.rawValue, r.need.broadArea.rawValue, r.phase.rawValue, Format.decimal(r.pupils),
                Format.decimal(r.demand), Format.decimal(r.places), Format.decimal(r.spare), Format.decimal(r.placedInBorough),
                Format.decimal(r.independent), Format.decimal(r.outOfBorough), Format.decimal(r.cost, places: 0),
            ]
                + (byArea ? ["all", "", "", ""] : [])
                + (draws.map { d in
                    guard d.scenario == r.scenario, let h = step[r.year], h > 0 else { return [""] }
                    return [Format.decimal(d.probabilityShort(step: h, need: r.need, phase: r.phase), places: 4)]
                } ?? [])
        }
        if byArea {
            rows += send.areaRows.map { r in
                [
                    r.scenario, r.year.description, r.need.rawValue, r.need.broadArea.rawValue, r.phase.rawValue, Format.decimal(r.pupils),
                    Format.decimal(r.demand), Format.decimal(r.placesInArea), Format.decimal(r.placesInArea - r.demand),
                    Format.decimal(r.metInArea + r.metElsewhereInBorough), Format.decimal(r.independent), Format.decimal(r.outOfBorough),
                    Format.decimal(r.cost, places: 0), r.area, Format.decimal(r.metInArea), Format.decimal(r.metElsewhereInBorough),
                    Format.decimal(r.travellingOut),
                ] + (draws == nil ? [] : [""])
            }
        }
        return csvText(
            header: ["scenario", "year", "need", "broad_area", "phase", "pupils", "demand", "places", "spare", "placed_in_borough", "independent", "out_of_borough", "cost"]
                + (byArea ? ["area", "met_in_area", "met_elsewhere_in_borough", "travel_out_of_area"] : [])
                + (draws == nil ? [] : ["p_short"]),
            rows: rows)
    }

    /// The `placeplan.send/1` JSON document (documented in docs/json-output.md).
    public struct Document: Codable, Sendable {
        public struct Assumptions: Codable, Sendable {
            var trend: String
            var recentGrowth: Double
            /// "national momentum" or "own growth".
            var growthSource: String
            /// The authority's log new-plan rate over the pooled rate at the origin (0 without a pool).
            var relativeLevel: Double
            var outOfBoroughShare: Double
            var costs: [String: Double]
            var costsSource: String
        }
        public struct Calibration: Codable, Sendable {
            var yearGroup: YearGroup
            var newPlanRate: Double
            var cessation: Double
            /// Where the cessation rate came from: "own" (the authority's age-band balance),
            /// "predecessors 928" (the LAs it was made from) or "assumed".
            var cessationSource: String
        }
        public struct Total: Codable, Sendable {
            var scenario: String
            var year: AcademicYear
            var pupils: Double
            var byNeed: [String: Double]
            var byBroadArea: [String: Double]
            var byPlacement: [String: Double]
            var cost: Double
        }
        public var schema = "placeplan.send/1"
        public var authority: String
        public var data: String
        public var origin: AcademicYear
        public var assumptions: Assumptions
        public var calibration: [Calibration]
        public var scenarios: [ScenarioHeader.ScenarioDocument]
        public var totals: [Total]
        public var specialist: [SpecialistRow]
        /// Where the split by planning area comes from (``SENDByArea/source(_:)``).
        public var areaSource: String?
        /// By planning area of residence (more than one area only).
        public var areas: [SENDAreaRow]?
        /// With draws: quantiles (p2_5 ... p97_5) by year of pupils, independent and
        /// out-of-borough placements and cost, and the chance that specialist demand exceeds
        /// the places for each need and phase.
        public var draws: Draws?
        public struct Draws: Codable, Sendable {
            public struct Year: Codable, Sendable {
                var year: AcademicYear
                var pupils, independentOrOutOfBorough, cost: [String: Double]
                var probabilityShort: [String: Double]
            }
            var draws: Int
            var seed: UInt64
            var scenario: String
            var years: [Year]
        }
    }

    public func document() -> Document {
        let cal = send.calibration, a = send.assumptions
        var summary: [Document.Total] = []
        for scenario in send.columns {
            for year in send.years {
                let t = totals(scenario, year)
                summary.append(.init(
                    scenario: scenario, year: year, pupils: Format.rounded(t.total),
                    byNeed: Dictionary(uniqueKeysWithValues: t.byNeed.map { ($0.key.rawValue, Format.rounded($0.value)) }),
                    byBroadArea: Dictionary(uniqueKeysWithValues: BroadAreaOfNeed.allCases.map { area in
                        (area.rawValue, Format.rounded(PrimaryNeed.allCases.filter { $0.broadArea == area }.reduce(0) { $0 + (t.byNeed[$1] ?? 0) }))
                    }),
                    byPlacement: Dictionary(uniqueKeysWithValues: t.byPlacement.map { ($0.key.rawValue, Format.rounded($0.value)) }),
                    cost: Format.rounded(t.cost, places: 0)))
            }
        }
        let rounded = send.rows.map { r -> SpecialistRow in
            var r = r
            r.pupils = Format.rounded(r.pupils); r.demand = Format.rounded(r.demand); r.places = Format.rounded(r.places)
            r.spare = Format.rounded(r.spare); r.placedInBorough = Format.rounded(r.placedInBorough)
            r.independent = Format.rounded(r.independent); r.outOfBorough = Format.rounded(r.outOfBorough); r.cost = Format.rounded(r.cost, places: 0)
            r.byPlacement = r.byPlacement.mapValues { Format.rounded($0) }
            return r
        }
        return Document(
            authority: send.authority, data: dataLabel, origin: cal.origin,
            assumptions: .init(
                trend: a.trend.description, recentGrowth: Format.rounded(cal.growth, places: 5),
                growthSource: cal.momentumYears == nil ? "own growth" : "national momentum", relativeLevel: Format.rounded(cal.relativeLevel, places: 5),
                outOfBoroughShare: a.outOfBoroughShare,
                costs: Dictionary(uniqueKeysWithValues: a.costs.annual.map { ($0.key.rawValue, $0.value) }), costsSource: a.costs.source),
            calibration: YearGroup.all.map { g in
                let band = AgeBand(g)
                let source = cal.cessationAssumed.contains(band) ? "assumed"
                    : cal.cessationFromPredecessors.contains(band) ? "predecessors " + cal.cessationPredecessors.joined(separator: ", ") : "own"
                return .init(
                    yearGroup: g, newPlanRate: Format.rounded(cal.joinRate[g.index], places: 6), cessation: Format.rounded(cal.cessation[g.index], places: 5),
                    cessationSource: source)
            },
            scenarios: ScenarioHeader.documents(run), totals: summary, specialist: rounded,
            areaSource: areaIDs.isEmpty ? nil : send.areaSource,
            areas: areaIDs.isEmpty ? nil : send.areaRows.map { r in
                var r = r
                r.pupils = Format.rounded(r.pupils); r.demand = Format.rounded(r.demand); r.placesInArea = Format.rounded(r.placesInArea)
                r.metInArea = Format.rounded(r.metInArea); r.metElsewhereInBorough = Format.rounded(r.metElsewhereInBorough)
                r.independent = Format.rounded(r.independent); r.outOfBorough = Format.rounded(r.outOfBorough); r.cost = Format.rounded(r.cost, places: 0)
                return r
            },
            draws: send.draws.map { d in
                func keyed(_ q: [Double], places: Int = 1) -> [String: Double] {
                    Dictionary(uniqueKeysWithValues: zip(UncertaintySettings.quantileNames, q.map { Format.rounded($0, places: places) }))
                }
                return .init(draws: d.draws, seed: d.seed, scenario: d.scenario, years: d.years.enumerated().map { h, year in
                    var short: [String: Double] = [:]
                    for need in PrimaryNeed.allCases {
                        for phase in ReportingPhase.allCases { short["\(need.rawValue) \(phase.rawValue)"] = Format.rounded(d.probabilityShort(step: h, need: need, phase: phase), places: 4) }
                    }
                    return .init(
                        year: year, pupils: keyed(d.quantiles(step: h, .pupils)),
                        independentOrOutOfBorough: keyed(d.quantiles(step: h, .outside)),
                        cost: keyed(d.quantiles(step: h, .cost), places: 0), probabilityShort: short)
                })
            })
    }
}
