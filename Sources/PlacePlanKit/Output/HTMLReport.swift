import Foundation

/// The board report: one self-contained HTML file (no network, scripts or fonts), printable
/// on A4 landscape, with SVG charts generated here.
public struct HTMLReport: Sendable {
    public var run: ScenarioForecast
    public var dataLabel: String
    public var send: SENDForecast?
    public var backtest: Backtest?
    public var vintages: Comparison?
    /// How each saved run given with `--run` forecast this run's census (the earlier runs only).
    public var outturns: [ForecastOutturn] = []
    /// The least-cost plan (`report --plan-options`).
    public var plan: PlanResult?
    /// The production date shown in the header (passed in, so that the rest is reproducible).
    public var producedOn: String?
    /// Why the SEND model was not run, when the data has EHCP files it could not use (nil:
    /// the data has none).
    public var sendNotRun: String?

    public init(run: ScenarioForecast, dataLabel: String, send: SENDForecast? = nil, backtest: Backtest? = nil, vintages: Comparison? = nil, plan: PlanResult? = nil) {
        self.run = run
        self.plan = plan
        self.dataLabel = dataLabel
        self.send = send
        self.backtest = backtest
        self.vintages = vintages
    }

    /// The section ids, in order, that every report has (SEND, plan, accuracy and vintages when given).
    public static let sections = ["summary", "heatmap", "areas", "entry", "send", "plan", "scenarios", "accuracy", "vintages"]

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let css = """
        @page { size: A4 landscape; margin: 12mm; }
        body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1d2733; margin: 24px; font-size: 13px; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; border-bottom: 2px solid #1d4f7a; padding-bottom: 3px; margin-top: 28px; }
        h3 { font-size: 14px; margin: 14px 0 4px; }
        .meta { color: #55606d; } .note { color: #55606d; font-size: 12px; }
        table { border-collapse: collapse; margin: 6px 0 10px; font-size: 12px; }
        th, td { border: 1px solid #c9d1da; padding: 3px 7px; text-align: right; } th { background: #eef2f6; }
        td.l, th.l { text-align: left; } td:not(.l) { white-space: nowrap; }
        .deficit { background: #f1a340; font-weight: bold; outline: 1.5px solid #1d2733; outline-offset: -1.5px; } .below { background: #fee0b6; } .within { background: #f7f7f7; } .high { background: #d8daeb; } .risk { background: #fee0b6; font-style: italic; }
        svg { max-width: 100%; height: auto; } .chart { max-width: 100%; overflow-x: auto; box-sizing: border-box; }
        .howto { border: 1px solid #1d4f7a; background: #f4f8fb; padding: 8px 12px; margin: 10px 0; max-width: 60em; }
        @media (max-width: 600px) { body { margin: 8px; } table { font-size: 11px; display: block; overflow-x: auto; max-width: 100%; } }
        @media print { body { margin: 0; } thead { display: table-header-group; } tr, .chart { break-inside: avoid; } h2, h3 { break-after: avoid; }
          #heatmap, #chances, #areas, #send, #plan { break-before: page; } #areas .chart, #send .chart { width: calc(50% - 6px); } #areas .chart svg, #send .chart svg { width: 100%; } }
        .charts { display: flex; flex-wrap: wrap; gap: 10px; } .chart { break-inside: avoid; page-break-inside: avoid; border: 1px solid #e1e6eb; padding: 4px; }
        section { break-inside: auto; } h2 { break-after: avoid; }
        svg text { font-family: "DejaVu Sans", Arial, sans-serif; } .chart-title { font-size: 13px; font-weight: bold; fill: #1d2733; }
        .tick { font-size: 10px; fill: #55606d; } .legend { font-size: 10px; fill: #1d2733; } .cell { font-size: 9px; fill: #1d2733; }
        .grid { stroke: #e3e8ed; stroke-width: 1; } .axis { stroke: #55606d; stroke-width: 1; } .origin { stroke: #9aa5b1; stroke-dasharray: 2 3; }
        ul.findings li { margin: 3px 0; }
        """

    static func statusClass(_ s: SufficiencyStatus) -> String {
        switch s {
        case .deficit: "deficit"
        case .belowMargin: "below"
        case .withinMargin: "within"
        case .highSurplus: "high"
        }
    }

    static func surplusColour(_ v: Double, margin: Double, high: Double) -> String {
        if v < 0 { return v < -5 ? surplusColours.deepDeficit : surplusColours.deficit }
        if v < margin { return surplusColours.below }
        if v > high { return v > 2 * high ? surplusColours.veryHigh : surplusColours.high }
        return surplusColours.within
    }

    /// A heat-map cell's surplus %, one decimal; a deficit too small to show at one decimal
    /// reads "<0", never "0.0" or "-0.0".
    static func surplusLabel(_ v: Double) -> String { v < 0 && v > -0.05 ? "&lt;0" : Format.decimal(v) }

    static let surplusColours = (
        deepDeficit: "#b35806", deficit: "#f1a340", below: "#fee0b6", within: "#f7f7f7", high: "#d8daeb", veryHigh: "#998ec3"
    )

    /// The key of the surplus heat map: every colour ``surplusColour`` uses (margin and
    /// high-surplus threshold as shares).
    static func surplusKey(margin: Double, high: Double) -> [(String, String)] {
        let c = surplusColours
        return [
            ("deficit over 5%", c.deepDeficit), ("deficit", c.deficit), ("below \(Format.percent(margin))", c.below), ("within margin", c.within),
            ("above \(Format.percent(high))", c.high), ("above \(Format.percent(2 * high))", c.veryHigh),
        ]
    }

    /// The heat map's bands of a chance of a deficit, %: each band's lower bound, colour and key.
    static let chanceBands: [(from: Double, colour: String, key: String)] = [
        (0, "#f7f7f7", "under 10%"), (10, "#fee0b6", "10-25%"), (25, "#f1a340", "25-50%"), (50, "#b35806", "50% or more"),
    ]

    /// The chance of a deficit from which the summary names an area whose forecast has none:
    /// the first coloured band.
    static let materialChance = chanceBands[1].from / 100
    /// Up to this many areas and phases in high surplus are listed one by one in the summary;
    /// more are counted in one line with the largest (the heat map shows them all).
    static let listedSurpluses = 12

    /// Heat-map colour of a chance of a deficit, %.
    static func chanceColour(_ p: Double) -> String {
        (chanceBands.last { p >= $0.from } ?? chanceBands[0]).colour
    }

    public func render() -> String {
        let f = run.forecast
        let report = SufficiencyReport(run)
        let years = [f.origin] + f.years
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>placeplan report</title><style>\(Self.css)</style></head><body>"
        let authorities = Array(Set(f.areas.map(\.localAuthority))).sorted()
        // On the DfE route an LA's `local_authority` is its GSS code (E09000003, E10000006): the
        // title names it.
        let authority = authorities.count == 1 ? (f.areas.count == 1 && run.data.isLAData ? f.areas[0].name : authorities[0]) : "\(authorities.count) local authorities"
        html += "<h1>School places in \(Self.escape(authority)): forecast and sufficiency</h1>"
        html += "<p class=\"meta\">" + (producedOn.map { "Produced \(Self.escape($0)). " } ?? "") + "\(Self.escape(dataLabel)). Forecast from the \(f.origin) census, \(Format.years(f.horizon)) ahead. "
            + "Scenarios: \(Self.escape(f.columns.joined(separator: ", "))). Made by placeplan \(PlacePlanVersion.current)"
            + (run.draws.map { "; \(Format.count(Double($0[0].draws))) random draws, seed \($0[0].seed)" } ?? "") + ".</p>"

        // Summary: where and when places fall short, or are in surplus beyond the threshold.
        // Deficits first, then chances of one, then high surplus, each in area order; a finding
        // that is the same in several scenarios is written once, naming them.
        html += "<section id=\"summary\"><h2>Summary</h2>"
        html += "<div class=\"howto\"><b>How to read this report.</b> For each planning area and phase we compare the pupils we expect with the school places there. "
            + "<b>Deficit</b> means more pupils than places. The <b>margin</b> (\(Format.percent(run.thresholds[0].margin))) is the spare room an authority keeps for families moving in; "
            + "<b>high surplus</b> (over \(Format.percent(run.thresholds[0].highSurplus))) means empty places that cost schools money. "
            + (run.draws != nil ? "The <b>chance of a deficit</b> is how often, over many plausible futures, pupils exceeded places: 30% means about 3 futures in 10. The shaded <b>bands</b> on the charts hold the outcome 8 times in 10 (darker) and 19 times in 20 (lighter), as they did when we tested them on past years. " : "")
            + "Forecasts further ahead are less certain.</div>"
        // The authority as a whole, first scenario.
        html += "<ul class=\"findings\">"
        for phase in ReportingPhase.allCases {
            let rows = report.rows.filter { $0.scenario == f.columns[0] && $0.phase == phase }
            guard !rows.isEmpty else { continue }
            func totals(_ y: AcademicYear) -> (places: Double, pupils: Double) {
                rows.filter { $0.year == y }.reduce((0, 0)) { ($0.0 + $1.places, $0.1 + $1.pupils) }
            }
            let now = totals(f.origin), last = totals(f.origin + f.horizon)
            func share(_ t: (places: Double, pupils: Double)) -> String { t.places > 0 ? Format.percent((t.places - t.pupils) / t.places) : "-" }
            html += "<li><b>All areas, \(phase)</b>: \(Format.count(now.pupils)) pupils in \(Format.count(now.places)) places now (\(share(now)) surplus); "
                + "\(Format.count(last.pupils)) expected in \(Format.count(last.places)) places by \(f.origin + f.horizon) (\(share(last)) surplus).</li>"
        }
        struct Finding { var rank: Int; var area: Int; var phase: ReportingPhase; var text: String; var scenarios: [String]; var surplus: Double = 0 }
        var findings: [Finding] = []
        for (c, scenario) in f.columns.enumerated() {
            let t = run.thresholds[c]
            for (ai, area) in f.areas.enumerated() {
                for phase in ReportingPhase.allCases {
                    let rows = report.rows.filter { $0.scenario == scenario && $0.areaID == area.id && $0.phase == phase && $0.isForecast }
                    guard !rows.isEmpty else { continue }
                    let prefix = "<b>\(Self.escape(area.id) + " " + Self.escape(area.name))</b>, \(phase)"
                    var found: [(rank: Int, text: String, surplus: Double)] = []
                    if let first = rows.firstDeficit, let worst = rows.leastSurplus {
                        let p = first.probabilityDeficit.map { " (chance \(Format.percent($0)))" } ?? ""
                        found.append((0, "\(prefix): <span class=\"deficit\">deficit from \(first.year)</span>\(p); worst \(Format.percent(worst.surplusShare)) in \(worst.year), \(Self.places(-worst.surplus)) short", 0))
                    } else {
                        // No deficit in the forecast, but the draws give one a real chance.
                        if let first = rows.first(where: { ($0.probabilityDeficit ?? 0) >= Self.materialChance }), let most = rows.likeliestDeficit {
                            found.append((1, "\(prefix): no deficit forecast, but <span class=\"risk\">\(Format.withArticle(Format.percent(first.probabilityDeficit))) chance of one in \(first.year)</span>"
                                + (most.year != first.year ? ", \(Format.percent(most.probabilityDeficit)) at most (\(most.year))" : ""), 0))
                        }
                        if let first = rows.first(where: { $0.status == .highSurplus }) {
                            let best = rows.max { ($0.surplusShare ?? 0) < ($1.surplusShare ?? 0) }!
                            found.append((2, "\(prefix): <span class=\"high\">surplus above \(Format.percent(t.highSurplus)) from \(first.year)</span>; \(Format.percent(best.surplusShare)) (\(Self.places(best.surplus))) by \(best.year)", best.surplusShare ?? 0))
                        }
                    }
                    for (rank, text, surplus) in found {
                        if let i = findings.firstIndex(where: { $0.text == text }) { findings[i].scenarios.append(scenario) } else {
                            findings.append(Finding(rank: rank, area: ai, phase: phase, text: text, scenarios: [scenario], surplus: surplus))
                        }
                    }
                }
            }
        }
        findings.sort { ($0.rank, $0.area, $0.phase.rawValue) < ($1.rank, $1.area, $1.phase.rawValue) }
        // Many areas in high surplus (a national run, a county of many planning areas): one
        // line naming how many and the largest, rather than a wall of lines; every one of
        // them is in the heat map that follows.
        let surpluses = findings.filter { $0.rank == 2 }
        let collapsed = surpluses.count > Self.listedSurpluses
        for finding in findings where !(collapsed && finding.rank == 2) {
            let which = f.columns.count == 1 ? "" : finding.scenarios.count == f.columns.count ? " [every scenario]" : " [\(finding.scenarios.map(Self.escape).joined(separator: ", "))]"
            html += "<li>\(finding.text)\(which).</li>"
        }
        if collapsed {
            var seen = Set<String>(), largest: [String] = []
            for s in surpluses.sorted(by: { ($1.surplus, $0.area) < ($0.surplus, $1.area) }) where seen.insert("\(s.area) \(s.phase)").inserted && largest.count < 5 {
                largest.append("<b>\(Self.escape(f.areas[s.area].id)) \(Self.escape(f.areas[s.area].name))</b>, \(s.phase) \(Format.percent(s.surplus))")
            }
            let pairs = Set(surpluses.map { "\($0.area) \($0.phase)" }).count
            html += "<li><span class=\"high\">Surplus above \(Format.percent(run.thresholds[0].highSurplus))</span> at some point in \(pairs) areas and phases"
                + (f.columns.count > 1 ? " (in some scenario)" : "") + ", each in the heat map below; the largest: \(largest.joined(separator: "; ")).</li>"
        }
        // Areas and phases with no places in the data (an LA missing from the capacity file):
        // forecast, charted, but not in the findings or the heat maps.
        let unassessed = f.areas.enumerated().compactMap { a, area -> String? in
            let phases = ReportingPhase.allCases.filter { phase in
                area.phase.yearGroups.contains(phase.entryYearGroup) && !report.rows.contains { $0.areaID == area.id && $0.phase == phase }
                    && f.hasPupils(area: a, phase: phase)  // (the City of London teaches no secondary)
            }
            return phases.isEmpty ? nil : "\(Self.escape(area.id)) \(Self.escape(area.name)) (\(phases.map(\.rawValue).joined(separator: ", ")))"
        }
        if !unassessed.isEmpty {
            html += "<li>Not compared with places, as the data has none for them: \(unassessed.joined(separator: "; ")). Their pupils are forecast and charted below.</li>"
        }
        if findings.isEmpty && !report.rows.isEmpty { html += "<li>Every area stays within its margin throughout.</li>" }
        html += "</ul></section>"

        // Heat map of surplus % by area and year (first scenario; each scenario when several).
        html += "<section id=\"heatmap\"><h2>Surplus % of places by area and year</h2><div class=\"charts\">"
        // One grid for both heat maps: a row per area and phase, a column per year.
        func grid(_ scenario: String, _ value: (SufficiencyRow) -> Double?) -> (rows: [String], values: [[Double?]]) {
            var rows: [String] = [], values: [[Double?]] = []
            for area in f.areas {
                for phase in ReportingPhase.allCases {
                    let r = report.rows.filter { $0.scenario == scenario && $0.areaID == area.id && $0.phase == phase }
                    guard !r.isEmpty else { continue }
                    rows.append("\(area.id) \(String(area.name.prefix(18))) (\(phase == .primary ? "pri" : "sec"))")
                    values.append(r.map(value))
                }
            }
            return (rows, values)
        }
        let columns = years.enumerated().map { $0.offset == 0 ? "\(short($0.element))*" : short($0.element) }
        if report.rows.isEmpty { html += "<p class=\"note\">No places in the data: nothing to map.</p>" }
        for (c, scenario) in f.columns.enumerated() where !report.rows.isEmpty {
            let t = run.thresholds[c]
            let (rows, values) = grid(scenario) { $0.surplusShare.map { $0 * 100 } }
            let legend = Self.surplusKey(margin: t.margin, high: t.highSurplus)
            html += "<div class=\"chart\">" + SVGChart.heatMap(
                title: "Surplus % of places" + (f.columns.count > 1 ? ": \(scenario)" : "") + " (* = census)", rows: rows, columns: columns, values: values,
                colour: { Self.surplusColour($0, margin: t.margin * 100, high: t.highSurplus * 100) }, legend: legend,
                label: Self.surplusLabel, marked: { $0 < 0 }) + "</div>"
        }
        html += "</div></section>"

        // With draws: the chance of a deficit by area and year, on the same grid.
        if let drawn = run.draws?.first, !report.rows.isEmpty {
            html += "<section id=\"chances\"><h2>Chance of a deficit by area and year</h2><p class=\"note\">The share of the \(Format.count(Double(drawn.draws))) draws in which pupils exceed places in the phase, %. It can be high where the forecast shows a small surplus, and below 50% where it shows a small deficit: the draws are centred on the forecast corrected by the bias its backtest measured, as far as that bias has persisted.</p><div class=\"charts\">"
            for scenario in f.columns {
                let (rows, values) = grid(scenario) { row in row.isForecast ? row.probabilityDeficit.map { $0 * 100 } : nil }
                let legend = Self.chanceBands.map { ($0.key, $0.colour) }
                html += "<div class=\"chart\">" + SVGChart.heatMap(
                    title: "Chance of a deficit, %" + (f.columns.count > 1 ? ": \(scenario)" : "") + " (* = census)", rows: rows, columns: columns, values: values,
                    colour: Self.chanceColour, legend: legend, label: { Format.decimal($0, places: 0) }) + "</div>"
            }
            html += "</div></section>"
        }

        // Charts: forecast pupils (with bands) against places, per area and phase.
        // Up to five censuses before the origin, so that the forecast is seen against the trend.
        let rolls = run.data.rolls
        let pastYears = Array(rolls.years.filter { $0 < f.origin }.suffix(Self.historyYears))
        let chartYears = pastYears + years
        let margin = run.thresholds[0].margin
        html += "<section id=\"areas\"><h2>Pupils against places, by planning area</h2><p class=\"note\">Pupils on roll (\(pastYears.isEmpty ? "census" : "the last \(pastYears.count + 1) censuses"), then forecast) and mainstream places, each phase total; the thin dashed line is the places less the \(Format.percent(margin)) operating margin, the level above which an area has less spare room than it keeps for families moving in."
            + (run.draws != nil ? " Shaded: 80% and 95% prediction intervals from the draws; dotted: their median. The draws are centred on the forecast corrected by the bias its backtest measured, as far as that bias has persisted, so the bands need not sit evenly around the forecast line." : "")
            + Self.escape(run.draws?.first.map { ScenarioHeader.adaptation($0, f, phases: ScenarioHeader.taught(f)) } ?? "")
            + "</p><div class=\"charts\">"
        let colours = ["#1d4f7a", "#c0392b", "#27864a", "#8e44ad", "#d35400"]
        for (a, area) in f.areas.enumerated() {
            for phase in ReportingPhase.allCases where area.phase.yearGroups.contains(phase.entryYearGroup) {
                var series: [SVGChart.Series] = []
                var bands: [SVGChart.Band] = []
                let past = Self.pastPupils(rolls, area: area, phase: phase, years: pastYears)
                let lead = [Double?](repeating: nil, count: pastYears.count)
                // A phase the area never had pupils or places in (the City of London's
                // secondary, an all-through LA on the DfE route): no empty chart.
                let taught = past.contains { ($0 ?? 0) > 0 } || f.hasPupils(area: a, phase: phase)
                    || report.rows.contains { $0.areaID == area.id && $0.phase == phase && $0.places > 0 }
                guard taught else { continue }
                for (c, scenario) in f.columns.enumerated() {
                    let rows = report.rows.filter { $0.scenario == scenario && $0.areaID == area.id && $0.phase == phase }
                    // Without places (no rows), the forecast itself.
                    let pupils = rows.isEmpty ? years.map { f.pupils($0, area: a, phase: phase, column: c) } : rows.map(\.pupils)
                    series.append(.init(name: f.columns.count > 1 ? "pupils: \(scenario)" : "pupils", values: (c == 0 ? past : lead) + pupils, colour: colours[c % colours.count]))
                    // Every scenario's bands, in its own colour (lighter when several overlap).
                    if let d = run.draws?[c] {
                        let several = f.columns.count > 1, colour = colours[c % colours.count]
                        bands.append(.init(name: several ? "95%: \(scenario)" : "95%", lower: (0..<years.count).map { d.total(step: $0, area: a, phase: phase, 0) }, upper: (0..<years.count).map { d.total(step: $0, area: a, phase: phase, 6) }, colour: colour, opacity: several ? 0.08 : 0.12, start: pastYears.count))
                        bands.append(.init(name: several ? "80%: \(scenario)" : "80%", lower: (0..<years.count).map { d.total(step: $0, area: a, phase: phase, 2) }, upper: (0..<years.count).map { d.total(step: $0, area: a, phase: phase, 4) }, colour: colour, opacity: several ? 0.15 : 0.22, start: pastYears.count))
                        series.append(.init(name: several ? "median of draws: \(scenario)" : "median of draws", values: lead + (0..<years.count).map { d.total(step: $0, area: a, phase: phase, 3) }, colour: colour, dotted: true))
                    }
                    if !rows.isEmpty, c == 0 || rows.map(\.places) != report.rows.filter({ $0.scenario == f.columns[0] && $0.areaID == area.id && $0.phase == phase }).map(\.places) {
                        series.append(.init(name: f.columns.count > 1 ? "places: \(scenario)" : "places", values: lead + rows.map(\.places), colour: c == 0 ? "#333333" : colours[c % colours.count], dashed: true))
                    }
                    if c == 0, !rows.isEmpty {
                        series.append(.init(name: "places less \(Format.percent(margin)) margin", values: lead + rows.map { $0.places * (1 - margin) }, colour: "#9a9a9a", dashed: true, thin: true))
                    }
                }
                html += "<div class=\"chart\">" + SVGChart.lines(
                    title: "\(area.id) \(area.name), \(phase)", xLabels: chartYears.map(short), yLabel: "pupils", series: series, bands: bands, origin: pastYears.count) + "</div>"
            }
        }
        html += "</div></section>"

        // Entry year: forms of entry spare or short.
        html += "<section id=\"entry\"><h2>Entry year group: forms of entry spare (+) or short (-)</h2>"
        if report.rows.isEmpty { html += "<p class=\"note\">No places in the data: nothing to compare.</p>" }
        for scenario in f.columns where !report.rows.isEmpty {
            if f.columns.count > 1 { html += "<h3>\(Self.escape(scenario))</h3>" }
            html += "<table><tr><th class=\"l\">Area</th><th class=\"l\">Entry</th>" + years.map { "<th>\(short($0))</th>" }.joined() + "</tr>"
            for area in f.areas {
                for phase in ReportingPhase.allCases {
                    let rows = report.rows.filter { $0.scenario == scenario && $0.areaID == area.id && $0.phase == phase }
                    guard let first = rows.first else { continue }
                    html += "<tr><td class=\"l\">\(Self.escape(area.id)) \(Self.escape(area.name))</td><td class=\"l\">\(first.entryYearGroup)</td>"
                        + rows.map { "<td class=\"\(Self.statusClass($0.entryStatus))\">\(Format.decimal($0.entryFormsOfEntry, signed: true))</td>" }.joined() + "</tr>"
                }
            }
            html += "</table>"
        }
        html += "<p class=\"note\">One form of entry is 30 places. Colours: red deficit, amber below the margin, green within it, blue above the high-surplus threshold.</p></section>"

        // SEND.
        html += "<section id=\"send\"><h2>SEND: specialist places</h2>"
        if let send {
            let last = send.years.last!
            for scenario in send.columns {
                let rows = send.rows.filter { $0.scenario == scenario && $0.year == last }
                let needs = PrimaryNeed.allCases.filter { n in rows.contains { $0.need == n && $0.demand >= 1 } }
                func total(_ n: PrimaryNeed, _ k: KeyPath<SpecialistRow, Double>) -> Double { rows.filter { $0.need == n }.reduce(0) { $0 + $1[keyPath: k] } }
                html += "<div class=\"chart\">" + SVGChart.bars(
                    title: "Specialist demand against in-borough places, \(last)" + (send.columns.count > 1 ? " [\(scenario)]" : ""), categories: needs.map(\.rawValue),
                    series: [
                        .init(name: "demand (ARP and special)", values: needs.map { total($0, \.demand) }, colour: "#c0392b"),
                        .init(name: "in-borough places", values: needs.map { total($0, \.places) }, colour: "#1d4f7a"),
                    ], yLabel: "pupils") + "</div>"
                html += sendAreaHeatMap(send, scenario: scenario, year: last)
                // With draws of this scenario: P10-P90 beside each total, and the chance that
                // specialist demand exceeds the places, by need and phase.
                let draws = send.draws.flatMap { $0.scenario == scenario ? $0 : nil }
                func range(_ h: Int, _ m: SENDDrawSummary.Measure, _ text: (Double) -> String) -> String {
                    guard let q = draws?.quantiles(step: h, m), h > 0 else { return draws == nil ? "" : "<td></td>" }
                    return "<td>\(text(q[2]))–\(text(q[4]))</td>"
                }
                let drawn = draws == nil ? "" : "<th>P10–P90</th>"
                let money = { (v: Double) in Format.decimal(v / 1e6) }
                html += "<table><tr><th class=\"l\">Year</th><th>EHCP pupils</th>\(drawn)<th>Specialist demand</th><th>In-borough places</th><th>Independent / out of borough</th>\(drawn)<th>Cost £m a year</th>\(drawn)</tr>"
                for (h, y) in send.years.enumerated() {
                    let r = send.rows.filter { $0.scenario == scenario && $0.year == y }
                    html += "<tr><td class=\"l\">\(y)\(h == 0 ? "*" : "")</td><td>\(Format.count(r.reduce(0) { $0 + $1.pupils }))</td>\(range(h, .pupils, Format.count))"
                        + "<td>\(Format.count(r.reduce(0) { $0 + $1.demand }))</td><td>\(Format.count(r.reduce(0) { $0 + $1.places }))</td>"
                        + "<td>\(Format.count(r.reduce(0) { $0 + $1.independent + $1.outOfBorough }))</td>\(range(h, .outside, Format.count))"
                        + "<td>\(money(r.reduce(0) { $0 + $1.cost }))</td>\(range(h, .cost, money))</tr>"
                }
                html += "</table>"
                if let draws { html += sendShortfall(send, draws) }
            }
            html += "<p class=\"note\">New-plan rates: \(Self.escape(send.assumptions.trend.description)). Costs: \(Self.escape(send.assumptions.costs.source == SENDCosts.illustrative.source ? "illustrative defaults" : send.assumptions.costs.source)).</p>"
        } else {
            html += "<p>" + (sendNotRun.map { "The SEND model was not run: \(Self.escape($0))." } ?? "No EHCP history in the data: the SEND model was not run.") + "</p>"
        }
        html += "</section>"

        if let plan { html += planSection(plan) }

        // Scenarios and assumptions.
        html += "<section id=\"scenarios\"><h2>Scenarios and assumptions</h2>"
        for (c, a) in run.applied.enumerated() {
            let m = run.models[c]
            html += "<h3>\(Self.escape(a.scenario.name))</h3><p>\(Self.escape(a.scenario.description))</p><ul>"
            html += a.scenario.changes.isEmpty ? "<li>No changes.</li>" : a.scenario.changes.map { "<li>\(Self.escape($0.summary))</li>" }.joined()
            html += "</ul><table><tr><th class=\"l\">Assumption</th><th class=\"l\">Value</th></tr>"
            let items: [(String, String)] = [
                ("Cohort ratios", m.options.method.description), ("Intake ratios", m.options.intakeMethod.description),
                ("Estimators used", ScenarioHeader.chosen(m.selection)), ("Births beyond known years", m.options.birthsProjection.description),
                ("Operating margin", Format.percent(a.thresholds.margin)), ("High surplus above", Format.percent(a.thresholds.highSurplus)),
                ("Scenario file", a.scenario.file.isEmpty ? "(none: the data as it is)" : a.scenario.file),
            ]
            html += items.map { "<tr><td class=\"l\">\(Self.escape($0.0))</td><td class=\"l\">\(Self.escape($0.1))</td></tr>" }.joined() + "</table>"
        }
        html += "</section>"

        // Accuracy.
        html += "<section id=\"accuracy\"><h2>How accurate has this been?</h2>"
        if let b = backtest {
            html += "<p>We forecast from every past census with enough history and compared each forecast with what then happened. The table gives the typical miss: half of the forecasts of a phase's pupils were closer than this, as a percentage of the actual. For comparison, the same with the simplest method officers use (the average of the last three years' cohort ratios).</p>"
            let maxMeasured = b.horizons.max() ?? 0
            html += "<table><tr><th class=\"l\">Phase and method</th>" + b.horizons.map { "<th>\($0) year\($0 == 1 ? "" : "s") ahead</th>" }.joined() + "</tr>"
            for phase in b.phases {
                for method in b.methodNames where method == b.settings.method.description || method == "mean3" {
                    let name = method == "mean3" ? "3-year average of ratios" : (method == "auto" ? "placeplan (chosen from the history)" : method)
                    html += "<tr><td class=\"l\">\(phase), \(Self.escape(name))</td>" + b.horizons.map { h in "<td>\(b.summary(method: method, phase: phase, horizon: h).map { Format.decimal($0.mdape, places: 1) + "%" } ?? "-")</td>" }.joined() + "</tr>"
                }
            }
            html += "</table>"
            if f.horizon > maxMeasured {
                html += "<p class=\"note\">This forecast runs \(Format.years(f.horizon)) ahead; the history measures its accuracy only to \(Format.years(maxMeasured)) ahead. Later years are not measured and are less certain still: read them as a direction, not a number.</p>"
            }
            html += "<p class=\"note\">With random draws, the bands' coverage is measured on the same backtest: run <code>placeplan backtest --draws 1000</code> for the table of how often the 80% and 95% bands held the actual.</p>"
        } else {
            html += "<p>Not run.</p>"
        }
        html += "</section>"
        if let vintages {
            html += "<section id=\"vintages\"><h2>Compared with saved runs</h2>"
            if !outturns.isEmpty {
                html += "<p>How the saved forecasts did against this census: the forecast and the pupils on roll summed over the planning areas, "
                    + "the error (forecast &minus; actual) / actual as the DfE measures SCAP forecasts, the median and largest miss by planning area, "
                    + "and, for a run saved with draws, in how many areas the pupils on roll fell inside its 80% band (about 4 in 5 if the bands are honest).</p>"
                    + "<table><tr><th class=\"l\">Saved run</th><th class=\"l\">Year</th><th class=\"l\">Level</th><th>Years ahead</th><th>Forecast</th>"
                    + "<th>On roll</th><th>Error</th><th>Median miss by area</th><th class=\"l\">Largest miss</th><th>Areas inside the 80% band</th></tr>"
                for o in outturns {
                    for l in o.lines {
                        html += "<tr><td class=\"l\">\(Self.escape(o.older)) (\(Self.escape(o.scenario)), from \(o.origin))</td><td class=\"l\">\(l.year)</td>"
                            + "<td class=\"l\">\(l.level)</td><td>\(l.yearsAhead)</td><td>\(Format.count(l.forecast))</td><td>\(Format.count(l.actual))</td>"
                            + "<td>\(Format.percent(l.error, signed: true))</td><td>\(l.areas > 1 ? Format.percent(l.medianAbsoluteError) : "-")</td>"
                            + "<td class=\"l\">\(l.areas > 1 ? "\(Self.escape(l.largestArea + " " + l.largestAreaName)) \(Format.percent(l.largestError, signed: true))" : "-")</td>"
                            + "<td>\(l.insideBand80.map { "\($0) of \(l.areas)" } ?? "-")</td></tr>"
                    }
                }
                html += "</table><p>Rows whose status differs between the runs:</p>"
            }
            html += "<table><tr><th class=\"l\">Area</th><th class=\"l\">Year</th><th class=\"l\">Level</th>"
                + vintages.labels.map { "<th>\(Self.escape($0)) pupils</th>" }.joined() + "<th>Change</th><th class=\"l\">Status</th></tr>"
            for line in vintages.lines where line.statusChanged {
                html += "<tr><td class=\"l\">\(Self.escape(line.area))</td><td class=\"l\">\(line.year)</td><td class=\"l\">\(line.level == "total" ? line.phase.rawValue : line.level)</td>"
                    + line.pupils.map { "<td>\($0.map(Format.count) ?? "-")</td>" }.joined()
                    + "<td>\(line.pupilsChange.map(Format.signed) ?? "-")</td><td class=\"l\">\(line.status.map { $0?.rawValue ?? "-" }.joined(separator: " → "))</td></tr>"
            }
            html += "</table></section>"
        }
        return html + "</body></html>\n"
    }

    /// The heat-map bands of children placed outside their planning area: lower bound, colour, key.
    static let travelBands: [(from: Double, colour: String, key: String)] = [
        (0, "#f7f7f7", "none"), (0.5, "#fee0b6", "1-4"), (4.5, "#f1a340", "5-19"), (19.5, "#b35806", "20 or more"),
    ]

    /// By planning area of residence (more than one area): a heat map of the children whose
    /// specialist place is outside their area, by area and need, in `year`.
    func sendAreaHeatMap(_ send: SENDForecast, scenario: String, year: AcademicYear) -> String {
        let rows = send.areaRows.filter { $0.scenario == scenario && $0.year == year }
        let areas = rows.reduce(into: [String]()) { if !$0.contains($1.area) { $0.append($1.area) } }.filter { a in rows.contains { $0.area == a && $0.demand >= 0.5 } }
        let needs = PrimaryNeed.allCases.filter { n in rows.contains { $0.need == n && $0.demand >= 0.5 } }
        guard areas.count > 1, !needs.isEmpty else { return "" }
        let names = Dictionary(run.forecast.areas.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let values = areas.map { a in needs.map { n -> Double? in rows.filter { $0.area == a && $0.need == n }.reduce(0.0) { $0 + $1.travellingOut } } }
        return "<div class=\"chart\">" + SVGChart.heatMap(
            title: "Children placed outside their planning area, \(year), by need" + (send.columns.count > 1 ? " [\(scenario)]" : ""),
            rows: areas.map { id in
                // The id and as much of the name as fits the labels' 200 px, cut at a word.
                var label = id
                for word in (names[id] ?? "").split(separator: " ") {
                    guard label.count + 1 + word.count <= 28 else { label += "…"; break }
                    label += " " + word
                }
                return label
            }, columns: needs.map(\.rawValue), values: values,
            colour: { v in (Self.travelBands.last { v >= $0.from } ?? Self.travelBands[0]).colour },
            legend: Self.travelBands.map { ($0.key, $0.colour) }, label: { Format.count($0) })
            + "</div><p class=\"note\">Specialist demand (ARP and special) not met by places serving the area: placed elsewhere in the borough, "
            + "in independent schools or out of borough. \(Self.escape(send.areaSource)).</p>"
    }

    /// With SEND draws: what they are, and a heat map of the chance that specialist demand
    /// exceeds the in-borough places for each need and phase that has places. Needs with
    /// demand but no places, and needs short in every draw of every year, are listed instead
    /// (the latter with their shortfall at the horizon).
    func sendShortfall(_ send: SENDForecast, _ draws: SENDDrawSummary) -> String {
        var html = "<p class=\"note\">* = census. P10–P90 from \(Format.count(Double(draws.draws))) draws of \(Self.escape(draws.varies))"
            + (draws.isCalibrated ? ", centred on the forecast corrected by the bias its backtest measured, as far as it has persisted" : "")
            + "." + Self.escape(draws.adaptation) + " The SEND history measures these bands to five years ahead at most; beyond that their centre and width are extrapolated, so read later years as a direction, not a number.</p>"
        let rows = send.rows.filter { $0.scenario == draws.scenario && $0.year > send.years[0] }
        func has(_ n: PrimaryNeed, _ phase: ReportingPhase, _ k: KeyPath<SpecialistRow, Double>) -> Bool {
            rows.contains { $0.need == n && $0.phase == phase && $0[keyPath: k] >= 1 }
        }
        let pairs = ReportingPhase.allCases.flatMap { phase in SENDCalibration.needs.map { (need: $0, phase: phase) } }
        let needs = pairs.filter { has($0.need, $0.phase, \.places) }
        let unplaced = pairs.filter { !has($0.need, $0.phase, \.places) && has($0.need, $0.phase, \.demand) }
        let years = Array(send.years.dropFirst())
        func label(_ row: (need: PrimaryNeed, phase: ReportingPhase)) -> String { "\(row.need.rawValue) (\(row.phase == .primary ? "pri" : "sec"))" }
        func chances(_ row: (need: PrimaryNeed, phase: ReportingPhase)) -> [Double] {
            years.indices.map { draws.probabilityShort(step: $0 + 1, need: row.need, phase: row.phase) * 100 }
        }
        // A need short in every draw of every year (shown as 100 throughout, as where the
        // authority places many children outside the borough today) is listed with its
        // shortfall, so that the map shows where the outcome is in doubt.
        let certain = needs.filter { chances($0).allSatisfy { $0 >= 99.5 } }
        let uncertain = needs.filter { row in !certain.contains { $0 == row } }
        if !uncertain.isEmpty, !years.isEmpty {
            html += "<div class=\"chart\">" + SVGChart.heatMap(
                title: "Chance that specialist demand exceeds in-borough places, %" + (send.columns.count > 1 ? ": \(draws.scenario)" : ""),
                rows: uncertain.map(label), columns: years.map(short), values: uncertain.map(chances),
                colour: Self.chanceColour, legend: Self.chanceBands.map { ($0.key, $0.colour) }, label: { Format.decimal($0, places: 0) }) + "</div>"
        }
        if let last = years.last, !certain.isEmpty {
            let short = certain.map { row in
                "\(label(row)) \(Format.count(rows.filter { $0.year == last && $0.need == row.need && $0.phase == row.phase }.reduce(0.0) { $0 + max(0, -$1.spare) }))"
            }
            html += "<p class=\"note\">Demand exceeds the in-borough places in every draw of every year"
                + (uncertain.isEmpty ? "" : " (so these are not in the chart)") + "; children beyond the places in \(last): \(short.joined(separator: ", ")).</p>"
        }
        let listed = ReportingPhase.allCases.compactMap { phase -> String? in
            let n = unplaced.filter { $0.phase == phase }.map(\.need.rawValue)
            return n.isEmpty ? nil : "\(phase) \(n.joined(separator: ", "))"
        }
        if !listed.isEmpty { html += "<p class=\"note\">Demand but no in-borough places (short in every draw): \(listed.joined(separator: "; ")).</p>" }
        return html
    }

    /// The least-cost plan: its actions by year, its cost against doing nothing, and what no
    /// option can meet.
    func planSection(_ plan: PlanResult) -> String {
        let out = PlanOutput(plan, dataLabel: dataLabel)
        func money(_ x: Double) -> String { Self.escape(out.money(x)) }
        var html = "<section id=\"plan\"><h2>Least-cost plan</h2><p class=\"note\">"
        html += plan.draws == nil
            ? "The cheapest set of the options in '\(Self.escape(plan.options.name))' that gives every area, phase and year, and Reception and Year 7, at least the forecast pupils."
            : "The cheapest set of the options in '\(Self.escape(plan.options.name))' that keeps the chance of a deficit at most \(Format.percent(plan.settings.risk)) in every area, phase and year, and in Reception and Year 7."
        html += " Found by the COIN-OR CBC solver (\(Self.escape(plan.status))). Costs are pounds over the forecast years, not discounted. Actions to decide after this year are provisional: the next census re-plans them.</p>"
        html += "<table><thead><tr><th class=\"l\">Decide by</th><th class=\"l\">From</th><th class=\"l\">Area</th><th class=\"l\">Action</th><th>Places</th><th>Cost</th></tr></thead><tbody>"
        html += plan.actions.isEmpty ? "<tr><td class=\"l\" colspan=\"6\">No action needed.</td></tr>" : plan.actions.map { a in
            "<tr><td class=\"l\">\(a.decideBy)</td><td class=\"l\">\(a.year)</td><td class=\"l\">\(Self.escape(a.areaID))</td><td class=\"l\">\(Self.escape(a.summary))</td>"
                + "<td>\(Format.signed(Double(a.places)))</td><td>\(money(a.capitalCost + a.runningCost - a.saving))</td></tr>"
        }.joined()
        html += "</tbody></table>"
        let p = plan.cost, n = plan.doingNothing
        html += "<table><thead><tr><th class=\"l\">Over the horizon</th><th>Plan</th><th>Doing nothing</th></tr></thead><tbody>"
        html += "<tr><td class=\"l\">Total cost</td><td>\(money(p.total))</td><td>\(money(n.total))</td></tr>"
        html += "<tr><td class=\"l\">Pupil-years short of the rule</td><td>\(Format.count(p.pupilYearsShort.rounded()))</td><td>\(Format.count(n.pupilYearsShort.rounded()))</td></tr></tbody></table>"
        if !plan.unmet.isEmpty {
            html += "<p><strong>Not met: no option can</strong></p><ul>" + plan.unmet.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ul>"
        }
        return html + "</section>"
    }

    static func places(_ n: Double) -> String { "\(Format.count(n)) place\(n.rounded() == 1 ? "" : "s")" }

    /// How many censuses before the origin the area charts show.
    static let historyYears = 5

    /// An area's pupils in a phase at each of `years` from the census rolls: nil for a year
    /// with no census or a suppressed value, so that the history line has a gap, not a dip.
    static func pastPupils(_ rolls: RollHistory, area: PlanningArea, phase: ReportingPhase, years: [AcademicYear]) -> [Double?] {
        guard let a = rolls.areaIDs.firstIndex(of: area.id) else { return years.map { _ in nil } }
        let groups = phase.yearGroups.clamped(to: area.phase.yearGroups)
        return years.map { year in
            guard let y = rolls.yearIndex(year), rolls.hasCensus(yearIndex: y, area: a) else { return nil }
            var total = 0.0
            for g in groups {
                guard let v = rolls.pupils(yearIndex: y, area: a, g) else { return nil }
                total += v
            }
            return total
        }
    }

    /// "24/25" for 2024/25. (Foundation's anchored replace of "20" took both from 2020/21.)
    static func short(_ y: AcademicYear) -> String {
        func two(_ n: Int) -> String { n % 100 < 10 ? "0\(n % 100)" : "\(n % 100)" }
        return two(y.startYear) + "/" + two(y.startYear + 1)
    }

    func short(_ y: AcademicYear) -> String { Self.short(y) }
}
