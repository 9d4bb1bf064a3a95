import Foundation

/// The backtest report: accuracy by horizon and phase with the baselines beside it, by
/// year group and by area, the estimators chosen, and the gates.
public struct BacktestOutput: Sendable {
    public var backtest: Backtest
    public var gates: [AccuracyGate]
    public var coverageGates: [CoverageGate]

    public init(_ backtest: Backtest, gates: [AccuracyGate] = [], coverageGates: [CoverageGate] = []) {
        self.backtest = backtest
        self.gates = gates
        self.coverageGates = coverageGates
    }

    var method: String { backtest.settings.method.description }
    var reference: String? { backtest.methodNames.first { $0 == "mean3" } ?? backtest.methodNames.dropFirst().last }

    /// Failed gates, each as "metric, horizon, phase and value" for the message.
    public var failures: [String] {
        gates.flatMap { gate in
            gate.check(backtest).filter { !$0.passed }.map { r in
                "median absolute % error of \(r.phase) totals at horizon \(gate.horizon) \(r.value.map { "is " + Format.decimal($0, places: 2) + "%, above" } ?? "was not measured (no origin has its actuals that far ahead), so fails") the gate of \(Format.decimal(gate.limit, places: 2))%"
            }
        }
            + coverageGates.flatMap { gate in
                gate.check(backtest).filter { !$0.passed }.map { r in
                    "\(gate.level)% interval coverage of \(r.phase.map { "\($0) totals" } ?? "both phases' totals") at horizon \(r.horizon) is \(r.value.map { Format.decimal($0) + "%" } ?? "not measured (run with --intervals)"), outside the gate of \(Format.decimal(gate.range.lowerBound))-\(Format.decimal(gate.range.upperBound))%"
                }
            }
    }

    public func render(_ format: OutputFormat, colour: Bool = false) throws(PlacePlanError) -> String {
        switch format {
        case .table: header() + "\n" + tables().map { $0.render(colour: colour) }.joined(separator: "\n")
        case .markdown: "## Backtest\n\n```\n" + header() + "```\n\n" + tables().map { $0.markdown() }.joined(separator: "\n")
        case .csv: csv()
        case .json: try jsonText(document())
        case .xlsx: throw OutputFormat.noWorkbook("backtest")
        }
    }

    func header() -> String {
        let b = backtest
        let baselines = b.methodNames.dropFirst().map { name -> String in
            switch name {
            case "mean1": "mean1 (last year's ratio)"
            case "mean3": "mean3 (the plain 3-year mean most LAs use)"
            default: name
            }
        }
        return """
            Backtest: \(b.dataLabel), \(b.origins.count == 1 ? "origin \(b.origins[0])" : "origins \(b.origins.first!) to \(b.origins.last!)"), up to \(Format.years(b.settings.horizon)) ahead
            Method under test: \(method); baselines: \(baselines.joined(separator: ", "))
            Births beyond those known at each origin: \(b.settings.birthsProjection). Errors are DfE's (forecast - actual) / actual
            of each area's phase totals; n = forecasts compared; bias > 0 means over-forecasting.
            \(b.notes.isEmpty ? "" : "Data notes:\n" + b.notes.map { "  - " + $0 + "\n" }.joined())
            """
    }

    func tables() -> [TextTable] {
        let b = backtest
        let others = b.methodNames.dropFirst()
        var summary = TextTable(
            title: "Accuracy by horizon: median absolute % error of phase totals",
            headers: ["Phase", "h", "n", method] + others + (reference.map { ["vs \($0)"] } ?? []) + ["\(method) MAPE", "\(method) bias"]
                + (reference.map { ["\($0) bias"] } ?? []),
            rightAligned: [false] + Array(repeating: true, count: 5 + others.count + (reference == nil ? 0 : 2)))
        for phase in b.phases {
            for h in b.horizons {
                guard let main = b.summary(method: method, phase: phase, horizon: h) else { continue }
                let ref = reference.flatMap { b.summary(method: $0, phase: phase, horizon: h) }
                var row: [TextTable.Cell] = [TextTable.Cell(phase.rawValue), TextTable.Cell("\(h)"), TextTable.Cell("\(main.count)"), TextTable.Cell(Format.decimal(main.mdape, places: 2), .bold)]
                row += others.map { TextTable.Cell(b.summary(method: $0, phase: phase, horizon: h).map { Format.decimal($0.mdape, places: 2) } ?? "-") }
                if reference != nil {
                    let change = ref.map { $0.mdape > 0 ? main.mdape / $0.mdape - 1 : 0 }
                    row.append(TextTable.Cell(Format.percent(change, signed: true), (change ?? 0) <= 0 ? .good : .bad))
                }
                row += [TextTable.Cell(Format.decimal(main.mape, places: 2)), TextTable.Cell(Format.decimal(main.bias, places: 2, signed: true))]
                if reference != nil { row.append(TextTable.Cell(ref.map { Format.decimal($0.bias, places: 2, signed: true) } ?? "-")) }
                summary.rows.append(row)
            }
        }
        var tables = [summary]
        if let coverage = coverageTable() { tables.append(coverage) }
        for name in [method] + (reference.map { [$0] } ?? []) where tables.count < 3 || name != method {
            var byGroup = TextTable(
                title: "By year group (\(name)): median absolute % error",
                headers: ["Year group"] + b.horizons.map { "h\($0)" })
            for g in YearGroup.all {
                let cells = b.horizons.map { h in b.summary(method: name, phase: nil, horizon: h, yearGroup: g) }
                guard cells.contains(where: { $0 != nil }) else { continue }
                let emphasis: CellStyle = g == .reception || g == .year7 ? .bold : .plain
                byGroup.rows.append([TextTable.Cell(g == .reception ? "R (intake)" : g == .year7 ? "Y7 (transfer)" : g.description, emphasis)]
                    + cells.map { TextTable.Cell($0.map { Format.decimal($0.mdape, places: 2) } ?? "-", emphasis) })
            }
            tables.append(byGroup)
        }
        let shown = [1, 3, 5].filter { b.horizons.contains($0) }
        var byArea = TextTable(
            title: "By area (\(method)): DfE accuracy, mean of (forecast - actual) / actual over origins, %",
            headers: ["Area"] + b.phases.flatMap { p in shown.map { "\(p == .primary ? "pri" : "sec") h\($0)" } })
        let areaSummaries = b.areaSummaries(method: method)
        for area in Set(b.records.map(\.area)).sorted() {
            byArea.rows.append([TextTable.Cell(area)] + b.phases.flatMap { p in
                shown.map { h in
                    TextTable.Cell(areaSummaries[AreaSummaryKey(area: area, phase: p, horizon: h)].map { Format.decimal($0.bias, places: 2, signed: true) } ?? "-")
                }
            })
        }
        tables.append(byArea)
        if let chosen = b.selections[method], b.settings.method == .auto {
            var table = TextTable(title: "Estimators chosen by auto at each origin", headers: ["Origin", "Chosen"], rightAligned: [false, false])
            table.wrapWidths = [1: 88]
            for origin in b.origins {
                guard let s = chosen[origin] else { continue }
                table.rows.append([TextTable.Cell(origin.description), TextTable.Cell(ScenarioHeader.chosen(s))])
            }
            tables.append(table)
        }
        if !gates.isEmpty || !coverageGates.isEmpty {
            var table = TextTable(title: "Gates", headers: ["Gate", "Phase", "Measured", "Result"], rightAligned: [false, false, true, false])
            for gate in gates {
                for r in gate.check(b) {
                    table.rows.append([
                        TextTable.Cell(gate.description), TextTable.Cell(r.phase.rawValue),
                        TextTable.Cell(r.value.map { Format.decimal($0, places: 2) + "%" } ?? "-"),
                        TextTable.Cell(r.passed ? "pass" : "FAIL", r.passed ? .good : .bad),
                    ])
                }
            }
            for gate in coverageGates {
                for r in gate.check(b) {
                    table.rows.append([
                        TextTable.Cell(gate.description), TextTable.Cell("\(r.scope) h\(r.horizon)"),
                        TextTable.Cell(r.value.map { Format.decimal($0) + "%" } ?? "-"),
                        TextTable.Cell(r.passed ? "pass" : "FAIL", r.passed ? .good : .bad),
                    ])
                }
            }
            tables.append(table)
        }
        return tables
    }

    /// Every metric row: the summary, by year group and by area.
    func metricRows() -> [Document.Metric] {
        let b = backtest
        var rows: [Document.Metric] = []
        let areas = Set(b.records.map(\.area)).sorted()
        for name in b.methodNames {
            let areaSummaries = b.areaSummaries(method: name)
            for h in b.horizons {
                for phase in b.phases {
                    if let s = b.summary(method: name, phase: phase, horizon: h) {
                        rows.append(.init(breakdown: "phase", method: name, phase: phase, horizon: h, yearGroup: nil, area: nil, stats: s))
                    }
                    for area in areas {
                        if let s = areaSummaries[AreaSummaryKey(area: area, phase: phase, horizon: h)] {
                            rows.append(.init(breakdown: "area", method: name, phase: phase, horizon: h, yearGroup: nil, area: area, stats: s))
                        }
                    }
                }
                for g in YearGroup.all {
                    if let s = b.summary(method: name, phase: nil, horizon: h, yearGroup: g) {
                        rows.append(.init(breakdown: "year_group", method: name, phase: ReportingPhase(g), horizon: h, yearGroup: g, area: nil, stats: s))
                    }
                }
            }
        }
        return rows
    }

    /// One row per metric. With draws, the method's phase rows also carry the coverage and
    /// mean width of its 80% and 95% intervals, % (empty on the other rows), and rows of
    /// phase `all` follow with both phases pooled, as in the table.
    func csv() -> String {
        let b = backtest
        let drawn = b.settings.uncertainty != nil
        func cells(_ stats: ErrorSummary) -> [String] {
            ["\(stats.count)", Format.decimal(stats.mdape, places: 3), Format.decimal(stats.mape, places: 3), Format.decimal(stats.bias, places: 3)]
        }
        func coverage(_ c: CoverageSummary?) -> [String] {
            drawn ? [c?.coverage80, c?.coverage95, c?.width80, c?.width95].map { $0.map { Format.decimal($0, places: 2) } ?? "" } : []
        }
        var rows = metricRows().map { m in
            [m.breakdown, m.method, m.phase.rawValue, "\(m.horizon)", m.yearGroup?.description ?? "", m.area ?? ""] + cells(m.stats)
                + coverage(m.breakdown == "phase" && m.method == method ? b.coverage(phase: m.phase, horizon: m.horizon) : nil)
        }
        if drawn, coverageScopes.contains(nil) {
            for h in b.horizons {
                guard let stats = b.summary(method: method, phase: nil, horizon: h) else { continue }
                rows.append(["phase", method, CoverageGate.pooledLabel, "\(h)", "", ""] + cells(stats) + coverage(b.coverage(phase: nil, horizon: h)))
            }
        }
        return csvText(
            header: ["breakdown", "method", "phase", "horizon", "year_group", "area", "count", "mdape", "mape", "bias"]
                + (drawn ? ["coverage80", "coverage95", "width80", "width95"] : []),
            rows: rows)
    }

    /// Every phase-total forecast beside what happened, one CSV row each: the method, origin,
    /// horizon, area and phase, the forecast, the actual, the % error and, when draws were
    /// run, the 80% and 95% interval bounds.
    public func recordsCSV() -> String {
        let rows = backtest.records.filter { $0.yearGroup == nil }.map { r in
            [
                r.method, r.origin.description, "\(r.horizon)", r.area, r.phase.rawValue, Format.decimal(r.forecast, places: 1),
                Format.decimal(r.actual, places: 0), Format.decimal(100 * r.error, places: 3),
            ] + [r.interval80?.lowerBound, r.interval80?.upperBound, r.interval95?.lowerBound, r.interval95?.upperBound].map { $0.map { Format.decimal($0, places: 1) } ?? "" }
        }
        return csvText(
            header: ["method", "origin", "horizon", "area", "phase", "forecast", "actual", "error_pct", "p10", "p90", "p2_5", "p97_5"], rows: rows)
    }

    /// The `placeplan.backtest/1` JSON document (documented in docs/json-output.md).
    public struct Document: Codable, Sendable {
        public struct Metric: Codable, Sendable {
            var breakdown, method: String
            var phase: ReportingPhase
            var horizon: Int
            var yearGroup: YearGroup?
            var area: String?
            var stats: ErrorSummary
        }
        public struct Selection: Codable, Sendable {
            var method: String
            var origin: AcademicYear
            var intake: String
            var cohort: [String]
        }
        public struct Gate: Codable, Sendable {
            var phase: ReportingPhase
            var horizon: Int
            var limit: Double
            var value: Double?
            var passed: Bool
        }
        public struct CoverageGate: Codable, Sendable {
            /// "primary", "secondary" or "all" (both phases pooled).
            var phase: String
            var horizon: Int
            var level: Int
            var lower: Double
            var upper: Double
            var value: Double?
            var passed: Bool
        }
        /// The coverage of the prediction intervals for a phase (or "all": both phases
        /// pooled) and horizon (with draws).
        public struct Interval: Codable, Sendable {
            var phase: String
            var horizon: Int
            var draws: Int
            var coverage: CoverageSummary
        }
        public var schema = "placeplan.backtest/1"
        public var data: String
        public var method: String
        public var baselines: [String]
        public var horizon: Int
        public var origins: [AcademicYear]
        public var birthsProjection: String
        public var metrics: [Metric]
        public var selections: [Selection]
        public var gates: [Gate]
        public var coverageGates: [CoverageGate]
        /// Present when the backtest ran draws.
        public var intervals: [Interval]?
        /// What the loader did (series merged across reorganisations, LAs left out).
        public var notes: [String] = []
    }

    public func document() -> Document {
        let b = backtest
        var selections: [Document.Selection] = []
        for name in b.methodNames {
            for origin in b.origins {
                if let s = b.selections[name]?[origin] {
                    selections.append(.init(method: name, origin: origin, intake: s.intake.description, cohort: s.cohort.map(\.description)))
                }
            }
        }
        let rounded = metricRows().map { m -> Document.Metric in
            var m = m
            m.stats.mape = Format.rounded(m.stats.mape, places: 4)
            m.stats.mdape = Format.rounded(m.stats.mdape, places: 4)
            m.stats.bias = Format.rounded(m.stats.bias, places: 4)
            return m
        }
        return Document(
            data: b.dataLabel, method: method, baselines: Array(b.methodNames.dropFirst()), horizon: b.settings.horizon, origins: b.origins,
            birthsProjection: b.settings.birthsProjection.description, metrics: rounded, selections: selections,
            gates: gates.flatMap { g in g.check(b).map { .init(phase: $0.phase, horizon: g.horizon, limit: g.limit, value: $0.value.map { Format.rounded($0, places: 4) }, passed: $0.passed) } },
            coverageGates: coverageGates.flatMap { g in
                g.check(b).map {
                    .init(
                        phase: $0.scope, horizon: $0.horizon, level: g.level, lower: g.range.lowerBound, upper: g.range.upperBound,
                        value: $0.value.map { Format.rounded($0, places: 4) }, passed: $0.passed)
                }
            },
            intervals: b.settings.uncertainty.map { u in
                coverageScopes.flatMap { phase in
                    b.horizons.compactMap { h -> Document.Interval? in
                        guard var c = b.coverage(phase: phase, horizon: h) else { return nil }
                        for keyPath in [\CoverageSummary.coverage80, \.coverage95, \.width80, \.width95, \.standardError80, \.standardError95] {
                            c[keyPath: keyPath] = Format.rounded(c[keyPath: keyPath], places: 4)
                        }
                        return .init(phase: CoverageGate.label(phase), horizon: h, draws: u.draws, coverage: c)
                    }
                }
            }, notes: b.notes)
    }

    /// JUnit XML: one test case per gate and phase (or, without gates, one per phase and
    /// horizon, recording the error), so CI systems show the accuracy.
    public func junit() -> String {
        let b = backtest
        var cases: [(name: String, failure: String?, value: Double?)] = []
        if gates.isEmpty && coverageGates.isEmpty {
            for phase in b.phases {
                for h in b.horizons {
                    let v = b.summary(method: method, phase: phase, horizon: h)?.mdape
                    cases.append(("\(phase) median APE h\(h) = \(v.map { Format.decimal($0, places: 2) } ?? "-")%", nil, v))
                }
            }
        } else {
            for gate in gates {
                for r in gate.check(b) {
                    let name = "\(r.phase) median APE h\(gate.horizon) <= \(Format.decimal(gate.limit, places: 2))%"
                    let failure = r.passed ? nil : "measured \(r.value.map { Format.decimal($0, places: 2) + "%" } ?? "nothing"), above the gate"
                    cases.append((name, failure, r.value))
                }
            }
            for gate in coverageGates {
                for r in gate.check(b) {
                    let name = "\(r.scope) \(gate.level)% interval coverage h\(r.horizon) in \(Format.decimal(gate.range.lowerBound))-\(Format.decimal(gate.range.upperBound))%"
                    let failure = r.passed ? nil : "measured \(r.value.map { Format.decimal($0) + "%" } ?? "nothing"), outside the gate"
                    cases.append((name, failure, r.value))
                }
            }
        }
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites>\n  <testsuite name=\"placeplan backtest (\(escape(method)))\" tests=\"\(cases.count)\" failures=\"\(cases.filter { $0.failure != nil }.count)\">\n"
        for c in cases {
            xml += "    <testcase classname=\"placeplan.backtest\" name=\"\(escape(c.name))\""
            if let failure = c.failure {
                xml += ">\n      <failure message=\"\(escape(failure))\"/>\n    </testcase>\n"
            } else {
                xml += "/>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }
}

extension BacktestOutput {
    /// The rows of the coverage reports: each phase, then both pooled (nil) when there are two.
    var coverageScopes: [ReportingPhase?] {
        let phases = backtest.phases
        return phases + (phases.count > 1 ? [nil] : [])
    }

    /// Coverage of the prediction intervals by phase and horizon, then both phases pooled
    /// (when draws were run).
    func coverageTable() -> TextTable? {
        let b = backtest
        guard b.settings.uncertainty != nil else { return nil }
        var t = TextTable(
            title: "Prediction intervals (\(b.settings.uncertainty!.draws) draws): coverage of actual phase totals (± its standard error, origins as clusters), and mean width, %",
            headers: ["Phase", "h", "n", "origins", "80% cover", "± se", "80% width", "95% cover", "± se", "95% width"])
        for phase in coverageScopes {
            for h in b.horizons {
                guard let c = b.coverage(phase: phase, horizon: h) else { continue }
                t.rows.append([
                    TextTable.Cell(CoverageGate.label(phase)), TextTable.Cell("\(h)"), TextTable.Cell("\(c.count)"), TextTable.Cell("\(c.origins)"),
                    TextTable.Cell(Format.decimal(c.coverage80, places: 1), (75...85).contains(c.coverage80) ? .good : .bad),
                    TextTable.Cell(Format.decimal(c.standardError80, places: 1)),
                    TextTable.Cell(Format.decimal(c.width80, places: 2)),
                    TextTable.Cell(Format.decimal(c.coverage95, places: 1), (92...97).contains(c.coverage95) ? .good : .bad),
                    TextTable.Cell(Format.decimal(c.standardError95, places: 1)),
                    TextTable.Cell(Format.decimal(c.width95, places: 2)),
                ])
            }
        }
        return t
    }
}
