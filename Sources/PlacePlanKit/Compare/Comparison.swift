/// Side by side: the same areas, phases and years under several scenarios or saved runs,
/// for the phase totals and the entry year group, with the differences from the first and
/// the rows whose status changes.
public struct Comparison: Sendable {
    /// One column: a scenario of a run, or a saved run.
    public struct Column: Sendable {
        public var label: String
        public var rows: [SufficiencyRow]
        public init(label: String, rows: [SufficiencyRow]) {
            self.label = label
            self.rows = rows
        }
    }

    /// One compared line: an area, phase and year, as a phase total or the entry year group.
    public struct Line: Sendable, Codable {
        public var area: String
        public var areaName: String
        public var phase: ReportingPhase
        public var year: AcademicYear
        /// "total" for the phase, or the entry year group ("R", "Y7").
        public var level: String
        public var pupils: [Double?]
        public var places: [Double?]
        public var surplusPct: [Double?]
        public var status: [SufficiencyStatus?]
        /// From each column's draws, when it has them: the chance of a deficit (pupils above
        /// places) in the phase, or in the entry year group.
        public var probabilityDeficit: [Double?]
        /// Last column less the first.
        public var pupilsChange: Double?
        public var placesChange: Double?
        /// Whether the status differs between any two columns.
        public var statusChanged: Bool
    }

    public var labels: [String]
    public var lines: [Line]

    public init(_ columns: [Column]) {
        labels = columns.map(\.label)
        var keys: [String] = []
        var seen = Set<String>()
        var byKey: [[String: SufficiencyRow]] = []
        // The years each column covers: a column without a year (an older vintage's census,
        // a newer one's last year) is out of range there, not a change of status.
        var covered: [Set<Int>] = []
        for column in columns {
            var map: [String: SufficiencyRow] = [:]
            covered.append(Set(column.rows.map(\.year.startYear)))
            for r in column.rows {
                let key = "\(r.areaID)|\(r.phase)|\(r.year.startYear)"
                map[key] = r
                if seen.insert(key).inserted { keys.append(key) }
            }
            byKey.append(map)
        }
        var lines: [Line] = []
        for key in keys {
            let rows = byKey.map { $0[key] }
            guard let any = rows.compactMap({ $0 }).first else { continue }
            for level in ["total", any.entryYearGroup.description] {
                let total = level == "total"
                let pupils = rows.map { $0.map { total ? $0.pupils : $0.entryPupils } }
                let places = rows.map { $0.map { total ? $0.places : $0.entryPlaces } }
                let surplus = zip(pupils, places).map { p, c -> Double? in
                    guard let p, let c, c > 0 else { return nil }
                    return 100 * (c - p) / c
                }
                let status = rows.map { $0.map { total ? $0.status : $0.entryStatus } }
                let chance = rows.map { $0.flatMap { !$0.isForecast ? nil : total ? $0.probabilityDeficit : $0.probabilityEntryDeficit } }
                let present = status.compactMap { $0 }
                lines.append(Line(
                    area: any.areaID, areaName: any.areaName, phase: any.phase, year: any.year, level: level, pupils: pupils, places: places,
                    surplusPct: surplus, status: status, probabilityDeficit: chance,
                    pupilsChange: pupils.first.flatMap { f in pupils.last.flatMap { l in f.flatMap { f in l.map { $0 - f } } } },
                    placesChange: places.first.flatMap { f in places.last.flatMap { l in f.flatMap { f in l.map { $0 - f } } } },
                    statusChanged: Set(present).count > 1 || zip(status, covered).contains { $0 == nil && $1.contains(any.year.startYear) }))
            }
        }
        self.lines = lines
    }

    /// Whether any column came with draws (and so with chances of a deficit).
    public var hasDraws: Bool { lines.contains { $0.probabilityDeficit.contains { $0 != nil } } }

    /// The table: per area, phase and year, each column's pupils, surplus % and (with draws)
    /// chance of a deficit, the change, and the statuses, with changed rows marked.
    public func table(changedOnly: Bool) -> TextTable {
        let short = labels.map { $0.count > 14 ? String($0.prefix(13)) + "…" : $0 }
        let chances = hasDraws
        let perColumn = chances ? ["surp%", "P(def)"] : ["surp%"]
        var t = TextTable(
            title: "Comparison: " + labels.enumerated().map { "[\($0.offset + 1)] \($0.element)" }.joined(separator: ", ")
                + "; change = last - first; * = status changes" + (chances ? "; P(def) = chance of a deficit, from the draws" : ""),
            headers: ["Area", "Year", "Level"] + short.indices.flatMap { ["[\($0 + 1)] pupils"] + perColumn } + ["Change", "Status"],
            rightAligned: [false, false, false] + short.indices.flatMap { _ in [true] + perColumn.map { _ in true } } + [true, false])
        for line in lines where !changedOnly || line.statusChanged {
            let statusText = line.statusChanged ? "* " + Self.statusChange(line.status) : line.status.first.flatMap { $0.map(SufficiencyOutput.label) } ?? "-"
            t.rows.append(
                [TextTable.Cell(line.area), TextTable.Cell(line.year.description), TextTable.Cell(line.level == "total" ? line.phase.rawValue : line.level)]
                    + line.pupils.indices.flatMap { i in
                        [
                            TextTable.Cell(line.pupils[i].map(Format.count) ?? "-"),
                            TextTable.Cell(line.surplusPct[i].map { Format.decimal($0) } ?? "-", (line.status[i] == .deficit) ? .bad : .plain),
                        ]
                            + (chances ? [Self.chanceCell(line.probabilityDeficit[i])] : [])
                    }
                    + [
                        TextTable.Cell(line.pupilsChange.map(Format.signed) ?? "-"),
                        TextTable.Cell(statusText, line.statusChanged ? .bad : .plain),
                    ])
        }
        return t
    }

    /// The statuses of a changed line, first column to last: "below margin > DEFICIT" for
    /// two columns; with more, each run of columns that agree is named once with their
    /// numbers, "[1-2] below margin > [3] DEFICIT", so that a status is not repeated and
    /// is not read as a sequence in time.
    static func statusChange(_ statuses: [SufficiencyStatus?]) -> String {
        let text = statuses.map { $0.map(SufficiencyOutput.label) ?? "-" }
        guard text.count > 2 else { return text.joined(separator: " > ") }
        var runs: [(first: Int, last: Int, status: String)] = []
        for (i, s) in text.enumerated() {
            if let r = runs.last, r.status == s { runs[runs.count - 1].last = i } else { runs.append((i, i, s)) }
        }
        return runs.map { "[\($0.first + 1)\($0.last > $0.first ? "-\($0.last + 1)" : "")] \($0.status)" }.joined(separator: " > ")
    }

    /// A chance of a deficit, marked from 10% and flagged from 50% (as in the sufficiency table).
    static func chanceCell(_ p: Double?) -> TextTable.Cell {
        guard let p else { return TextTable.Cell("-") }
        return TextTable.Cell(Format.percent(p), SufficiencyOutput.chanceStyle(p))
    }

    /// The comparison in `format`; `header` goes above the table (what differs between saved
    /// runs), and `outturns` (how earlier runs forecast later censuses) into the JSON too.
    public func render(_ format: OutputFormat, changedOnly: Bool, colour: Bool = false, header: String = "", outturns: [ForecastOutturn] = []) throws(PlacePlanError) -> String {
        switch format {
        case .table: return header + table(changedOnly: changedOnly).render(colour: colour)
        case .markdown: return "## Comparison\n\n" + (header.isEmpty ? "" : "```\n\(header)```\n\n") + table(changedOnly: changedOnly).markdown()
        case .csv:
            var header = ["area", "area_name", "phase", "year", "level"]
            let chances = hasDraws
            for l in labels { header += ["\(l) pupils", "\(l) places", "\(l) surplus_pct", "\(l) status"] + (chances ? ["\(l) probability_deficit"] : []) }
            header += ["pupils_change", "places_change", "status_changed"]
            return csvText(header: header, rows: lines.filter { !changedOnly || $0.statusChanged }.map { line in
                var row = [line.area, line.areaName, line.phase.rawValue, line.year.description, line.level]
                for i in labels.indices {
                    row += [
                        line.pupils[i].map { Format.decimal($0) } ?? "", line.places[i].map { Format.decimal($0) } ?? "",
                        line.surplusPct[i].map { Format.decimal($0, places: 2) } ?? "", line.status[i]?.rawValue ?? "",
                    ] + (chances ? [line.probabilityDeficit[i].map { Format.decimal($0, places: 4) } ?? ""] : [])
                }
                return row + [line.pupilsChange.map { Format.decimal($0) } ?? "", line.placesChange.map { Format.decimal($0) } ?? "", line.statusChanged ? "yes" : "no"]
            })
        case .xlsx: try OutputFormat.workbookRequested()
        case .json:
            struct Outturn: Codable {
                struct Level: Codable {
                    var year: AcademicYear, phase: ReportingPhase, level: String, yearsAhead: Int
                    var forecast, actual, error: Double, areas: Int
                    var medianAbsoluteError: Double?, largestArea: String?, largestAreaName: String?, largestError: Double?, insideBand80: Int?
                }
                var run, scenario: String, origin: AcademicYear, against: String, lines: [Level]
            }
            struct Document: Codable { var schema = "placeplan.compare/1"; var columns: [String]; var lines: [Line]; var outturns: [Outturn] }
            // Pupils to 0.1, errors (fractions) to 0.0001.
            let scored = outturns.map { o in
                Outturn(run: o.older, scenario: o.scenario, origin: o.origin, against: o.newer, lines: o.lines.map { l in
                    .init(year: l.year, phase: l.phase, level: l.level, yearsAhead: l.yearsAhead, forecast: Format.rounded(l.forecast), actual: Format.rounded(l.actual),
                          error: Format.rounded(l.error, places: 4), areas: l.areas, medianAbsoluteError: l.areas > 1 ? Format.rounded(l.medianAbsoluteError, places: 4) : nil,
                          largestArea: l.areas > 1 ? l.largestArea : nil,
                          largestAreaName: l.areas > 1 ? l.largestAreaName : nil, largestError: l.areas > 1 ? Format.rounded(l.largestError, places: 4) : nil,
                          insideBand80: l.insideBand80)
                })
            }
            // Rounded as the other documents are: pupils and places to 0.1, shares to 0.01%,
            // chances to 0.0001.
            let shown = lines.filter { !changedOnly || $0.statusChanged }.map { line in
                var l = line
                l.pupils = l.pupils.map { $0.map { Format.rounded($0) } }
                l.places = l.places.map { $0.map { Format.rounded($0) } }
                l.surplusPct = l.surplusPct.map { $0.map { Format.rounded($0, places: 2) } }
                l.probabilityDeficit = l.probabilityDeficit.map { $0.map { Format.rounded($0, places: 4) } }
                l.pupilsChange = l.pupilsChange.map { Format.rounded($0) }
                l.placesChange = l.placesChange.map { Format.rounded($0) }
                return l
            }
            return try jsonText(Document(columns: labels, lines: shown, outturns: scored))
        }
    }
}
