/// The workbook (`--format xlsx`) of each output that has one: the same figures as its CSV,
/// typed, a sheet per table, and the run's assumptions.
extension ScenarioHeader {
    /// The run's assumptions as (item, value) lines, for a workbook's Assumptions sheet.
    static func assumptionLines(_ run: ScenarioForecast, dataLabel: String) -> [(String, String)] {
        let f = run.forecast
        var lines: [(String, String)] = [
            ("Data", dataLabel), ("Origin census", f.origin.description), ("Forecast years", "\(f.origin + 1)-\(f.origin + f.horizon)"),
        ]
        if let d = run.draws?.first { lines += [("Draws", "\(d.draws)"), ("Seed", "\(d.seed)")] }
        for (c, applied) in run.applied.enumerated() {
            let m = run.models[c].options, s = applied.scenario
            lines += [
                ("Scenario", s.name + (s.file.isEmpty ? "" : " (\(s.file))")), ("  description", s.description),
                ("  cohort ratios", m.method.description), ("  intake ratios", m.intakeMethod.description),
                ("  estimators chosen", chosen(run.models[c].selection)), ("  births beyond known years", m.birthsProjection.description),
                ("  operating margin", Format.percent(applied.thresholds.margin)), ("  high surplus above", Format.percent(applied.thresholds.highSurplus)),
            ]
            lines += s.changes.map { ("  change", $0.summary(forecastTo: f.origin + f.horizon)) }
        }
        lines.append(("Produced by", "placeplan \(PlacePlanVersion.current)"))
        return lines
    }
}

extension SufficiencyOutput {
    /// Sheets: Summary (one line per area and phase), Sufficiency (every area, phase and
    /// year), Year groups, Assumptions. Shares and chances are percentages.
    public func spreadsheet() -> Spreadsheet {
        typealias C = Spreadsheet.Column
        let drawn = report.rows.contains { $0.pupilsQuantiles != nil }
        var rows = Spreadsheet.Sheet("Sufficiency", columns: [
            C("Scenario"), C("Area"), C("Area name"), C("Phase"), C("Year"), C("Kind"), C("Places", .count), C("Pupils", .decimal(1)),
            C("Surplus", .decimal(1)), C("Surplus %", .percent), C("Places short (no offsetting)", .decimal(1)), C("Entry year group"),
            C("Entry places", .count), C("Entry pupils", .decimal(1)), C("Entry forms of entry +/-", .decimal(2)), C("Status"), C("Entry status"),
        ] + (drawn ? UncertaintySettings.quantileNames.map { C("Pupils \($0)", .decimal(1)) } + [C("P(deficit) %", .percent), C("P(entry deficit) %", .percent), C("P(high surplus) %", .percent)] : []))
        for r in report.rows {
            var row: [Spreadsheet.Cell] = [
                .text(r.scenario), .text(r.areaID), .text(r.areaName), .text(r.phase.rawValue), .text(r.year.description), .text(r.isForecast ? "forecast" : "actual"),
                .number(r.places), .number(r.pupils), .number(r.surplus), Spreadsheet.number(r.surplusShare), .number(r.shortfall), .text(r.entryYearGroup.description),
                .number(r.entryPlaces), .number(r.entryPupils), .number(r.entryFormsOfEntry), .text(r.status.rawValue), .text(r.entryStatus.rawValue),
            ]
            if drawn {
                row += (r.pupilsQuantiles?.map { Spreadsheet.Cell.number($0) } ?? UncertaintySettings.quantiles.map { _ in .empty })
                row += [r.probabilityDeficit, r.probabilityEntryDeficit, r.probabilityHighSurplus].map { r.isForecast ? Spreadsheet.number($0) : .empty }
            }
            rows.rows.append(row)
        }
        var summary = Spreadsheet.Sheet("Summary", columns: [
            C("Scenario"), C("Area"), C("Area name"), C("Phase"), C("Surplus % now", .percent), C("Surplus % at horizon", .percent),
            C("Least surplus %", .percent), C("Least in"), C("First deficit"), C("Status at horizon"),
        ] + (drawn ? [C("Highest P(deficit) %", .percent)] : []))
        for group in groupedRows() {
            let now = group.first { !$0.isForecast }, last = group.last!, worst = group.leastSurplus
            summary.rows.append([
                .text(last.scenario), .text(last.areaID), .text(last.areaName), .text(last.phase.rawValue), Spreadsheet.number(now?.surplusShare),
                Spreadsheet.number(last.surplusShare), Spreadsheet.number(worst?.surplusShare), worst.map { .text($0.year.description) } ?? .empty,
                group.firstDeficit.map { .text($0.year.description) } ?? .empty, .text(last.status.rawValue),
            ] + (drawn ? [Spreadsheet.number(group.likeliestDeficit?.probabilityDeficit)] : []))
        }
        var groups = Spreadsheet.Sheet("Year groups", columns: [
            C("Scenario"), C("Area"), C("Year"), C("Year group"), C("Places", .count), C("Pupils", .decimal(1)), C("Surplus", .decimal(1)), C("Surplus %", .percent), C("Status"),
        ])
        groups.rows = report.yearGroupRows.map { r in
            [.text(r.scenario), .text(r.areaID), .text(r.year.description), .text(r.yearGroup.description), .number(r.places), .number(r.pupils), .number(r.surplus),
             Spreadsheet.number(r.surplusShare), .text(r.status.rawValue)]
        }
        return Spreadsheet(title: "placeplan sufficiency from the \(forecast.origin) census", sheets: [
            summary, rows, groups, Spreadsheet.assumptions(ScenarioHeader.assumptionLines(run, dataLabel: dataLabel)),
        ])
    }
}

extension ForecastReport {
    /// Sheets: Pupils (every area, year and year group, with quantiles when drawn), Assumptions.
    public func spreadsheet() -> Spreadsheet {
        typealias C = Spreadsheet.Column
        var sheet = Spreadsheet.Sheet("Pupils", columns: [C("Scenario"), C("Area"), C("Area name"), C("Year"), C("Year group"), C("Kind"), C("Pupils", .decimal(1))]
            + (run.draws == nil ? [] : UncertaintySettings.quantileNames.map { C("Pupils \($0)", .decimal(1)) }))
        for (c, scenario) in forecast.columns.enumerated() {
            for (a, area) in forecast.areas.enumerated() where filter.keeps(area) {
                for (h, year) in ([forecast.origin] + forecast.years).enumerated() {
                    for g in area.phase.yearGroups where filter.keeps(g) {
                        sheet.rows.append([
                            .text(scenario), .text(area.id), .text(area.name), .text(year.description), .text(g.description), .text(h == 0 ? "actual" : "forecast"),
                            .number(forecast.pupils(year, area: a, g, column: c)),
                        ] + ((run.draws?[c]).map { d in UncertaintySettings.quantiles.indices.map { .number(d.quantile(step: h, area: a, g, $0)) } } ?? []))
                    }
                }
            }
        }
        return Spreadsheet(title: "placeplan forecast from the \(forecast.origin) census", sheets: [sheet, Spreadsheet.assumptions(ScenarioHeader.assumptionLines(run, dataLabel: dataLabel))])
    }
}

extension PlanOutput {
    /// Sheets: Actions, Cost (plan against doing nothing), Not met, Rules after the plan,
    /// Sufficiency after the plan, Assumptions.
    public func spreadsheet() -> Spreadsheet {
        typealias C = Spreadsheet.Column
        var actions = Spreadsheet.Sheet("Actions", columns: [
            C("Decide by"), C("From"), C("Area"), C("School"), C("School name"), C("Type"), C("Need"), C("Units", .count), C("Places", .count),
            C("Capital £", .money), C("Running £", .money), C("Saving £", .money), C("Net cost £", .money), C("Action"), C("Sized for"),
        ])
        actions.rows = plan.actions.map { a in
            [.text(a.decideBy.description), .text(a.year.description), .text(a.areaID), .text(a.school), .text(a.schoolName), .text(a.type), a.need.map { .text($0.rawValue) } ?? .empty,
             .number(Double(a.units)), .number(Double(a.places)), .number(a.capitalCost), .number(a.runningCost), .number(a.saving),
             .number(a.capitalCost + a.runningCost - a.saving), .text(a.summary), .text(a.sizedFor.joined(separator: "; "))]
        }
        var cost = Spreadsheet.Sheet("Cost", columns: [C("Over the horizon"), C("Plan £", .money), C("Doing nothing £", .money), C("Difference £", .money)])
        let p = plan.cost, n = plan.doingNothing
        for (label, a, b) in [
            ("Capital (one-off)", p.capital, n.capital), ("Specialist places running", p.running, n.running), ("Savings from places removed", -p.savings, -n.savings),
            ("EHCP pupils placed outside", p.placedOutside, n.placedOutside), ("Places above the surplus threshold", p.surplus, n.surplus), ("Total", p.total, n.total),
        ] {
            cost.rows.append([.text(label), .number(a), .number(b), .number(a - b)])
        }
        cost.rows.append([.text("Pupil-years short of the rule (pupils, not £)"), .number(p.pupilYearsShort), .number(n.pupilYearsShort), .number(p.pupilYearsShort - n.pupilYearsShort)])
        let unmet = Spreadsheet.Sheet("Not met", columns: [C("No option can meet")], rows: plan.unmet.map { [.text($0)] })
        var checks = Spreadsheet.Sheet("Rules after the plan", columns: [
            C("Area"), C("Phase"), C("Year"), C("Year group"), C("Places", .count), C("Pupils to plan for", .decimal(1)), C("P(deficit) %", .percent), C("Met"),
        ])
        checks.rows = plan.checks.map { c in
            [.text(c.areaID), .text(c.phase.rawValue), .text(c.year.description), .text(c.entry ? (c.phase == .primary ? "R" : "Y7") : "all"), .number(c.places), .number(c.required),
             Spreadsheet.number(c.probabilityDeficit), .text(c.met ? "yes" : "no")]
        }
        var after = SufficiencyOutput(plan.after, dataLabel: dataLabel).spreadsheet().sheets[1]
        after.name = "Sufficiency after the plan"
        let s = plan.settings
        var lines: [(String, String)] = [
            ("Options", "\(plan.options.name) (\(plan.options.file))"), ("Risk of a deficit accepted", plan.draws == nil ? "none (no draws: the forecast itself)" : Format.percent(s.risk)),
            ("Surplus", s.maximumSurplus.map { "forbidden above \(Format.percent($0))" } ?? "£\(Format.count(plan.options.surplusPlaceCost)) a place a year above \(Format.percent(s.highSurplus))"),
            ("Solver", "COIN-OR CBC, \(plan.status)"), ("Greedy baseline C(x) £", Format.count(plan.greedyObjective)), ("Plan C(x) £", Format.count(plan.objective)),
        ]
        lines += ScenarioHeader.assumptionLines(plan.after, dataLabel: dataLabel)
        return Spreadsheet(title: "placeplan plan from the \(plan.origin) census", sheets: [actions, cost, unmet, checks, after, Spreadsheet.assumptions(lines)])
    }
}

extension SENDOutput {
    /// Sheets: Totals (EHCP pupils by broad area of need and by placement, and the cost, per
    /// scenario and year), Specialist (every need and phase: demand, places and where pupils
    /// are placed, with the chance of a shortfall when drawn), By area (the same by planning
    /// area of residence, when there are several), Uncertainty (the drawn totals' quantiles),
    /// Assumptions (the header's lines). The figures are the CSV's and the table's.
    public func spreadsheet() -> Spreadsheet {
        typealias C = Spreadsheet.Column
        let broad = BroadAreaOfNeed.allCases, placements = ReportedPlacement.allCases
        var totalsSheet = Spreadsheet.Sheet("Totals", columns: [C("Scenario"), C("Year"), C("Kind"), C("EHCP pupils", .decimal(1)), C("Growth %", .percent)]
            + broad.map { C($0.rawValue, .decimal(1)) } + placements.map { C($0.rawValue.prefix(1).uppercased() + $0.rawValue.dropFirst(), .decimal(1)) }
            + [C("Cost a year £", .money)])
        for scenario in send.columns {
            var previous: Double?
            for (h, year) in send.years.enumerated() {
                let t = totals(scenario, year)
                totalsSheet.rows.append(
                    [.text(scenario), .text(year.description), .text(h == 0 ? "actual" : "forecast"), .number(t.total), Spreadsheet.number(previous.map { t.total / $0 - 1 })]
                        + broad.map { area in .number(PrimaryNeed.allCases.filter { $0.broadArea == area }.reduce(0) { $0 + (t.byNeed[$1] ?? 0) }) }
                        + placements.map { .number(t.byPlacement[$0] ?? 0) } + [.number(t.cost)])
                previous = t.total
            }
        }
        let draws = send.draws
        let step = Dictionary((draws?.years ?? []).enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var specialist = Spreadsheet.Sheet("Specialist", columns: [
            C("Scenario"), C("Year"), C("Need"), C("Broad area of need"), C("Phase"), C("EHCP pupils", .decimal(1)), C("Demand for specialist places", .decimal(1)),
            C("Places in borough", .decimal(1)), C("Spare (+) or short (-)", .decimal(1)), C("Placed in borough", .decimal(1)),
            C("Independent / non-maintained", .decimal(1)), C("Out of borough", .decimal(1)), C("Cost a year £", .money),
        ] + (draws == nil ? [] : [C("P(short) %", .percent)]))
        specialist.rows = send.rows.map { r in
            [.text(r.scenario), .text(r.year.description), .text(r.need.rawValue), .text(r.need.broadArea.rawValue), .text(r.phase.rawValue),
             .number(r.pupils), .number(r.demand), .number(r.places), .number(r.spare), .number(r.placedInBorough), .number(r.independent),
             .number(r.outOfBorough), .number(r.cost)]
                + (draws.map { d in
                    guard d.scenario == r.scenario, let h = step[r.year], h > 0 else { return [Spreadsheet.Cell.empty] }
                    return [Spreadsheet.number(d.probabilityShort(step: h, need: r.need, phase: r.phase))]
                } ?? [])
        }
        var sheets = [totalsSheet, specialist]
        if !areaIDs.isEmpty {
            var byArea = Spreadsheet.Sheet("By area", columns: [
                C("Scenario"), C("Year"), C("Area"), C("Need"), C("Broad area of need"), C("Phase"), C("EHCP pupils", .decimal(1)),
                C("Demand for specialist places", .decimal(1)), C("Places in the area", .decimal(1)), C("Met in the area", .decimal(1)),
                C("Met elsewhere in borough", .decimal(1)), C("Independent / non-maintained", .decimal(1)), C("Out of borough", .decimal(1)),
                C("Placed outside the area", .decimal(1)), C("Cost a year £", .money),
            ])
            byArea.rows = send.areaRows.map { r in
                [.text(r.scenario), .text(r.year.description), .text(r.area), .text(r.need.rawValue), .text(r.need.broadArea.rawValue), .text(r.phase.rawValue),
                 .number(r.pupils), .number(r.demand), .number(r.placesInArea), .number(r.metInArea), .number(r.metElsewhereInBorough),
                 .number(r.independent), .number(r.outOfBorough), .number(r.travellingOut), .number(r.cost)]
            }
            sheets.append(byArea)
        }
        if let d = draws {
            let names = UncertaintySettings.quantileNames
            var spread = Spreadsheet.Sheet("Uncertainty", columns: [C("Scenario"), C("Year"), C("EHCP pupils forecast", .decimal(1))]
                + names.map { C("EHCP pupils \($0)", .decimal(1)) } + names.map { C("Independent or out of borough \($0)", .decimal(1)) }
                + names.map { C("Cost a year \($0) £", .money) })
            for (h, year) in d.years.enumerated() {
                spread.rows.append([.text(d.scenario), .text(year.description), .number(totals(d.scenario, year).total)]
                    + d.quantiles(step: h, .pupils).map { .number($0) } + d.quantiles(step: h, .outside).map { .number($0) }
                    + d.quantiles(step: h, .cost).map { .number($0) })
            }
            sheets.append(spread)
        }
        // The header's assumptions as items and values.
        var lines: [(String, String)] = [("Authority", send.authority), ("Data", dataLabel), ("EHCP history from", "January \(send.calibration.origin.censusYear) census")]
        let a = send.assumptions
        lines += [
            ("New-plan rates", "\(a.trend), from " + Self.growthSource(send.calibration)),
            ("Cessation a year", cessation()),
            ("Specialist demand", "met in borough up to the places there are; the rest goes to independent/non-maintained special schools or out of borough"),
        ]
        lines += placements.map { ("Cost a year, \($0.rawValue) £", Format.count(a.costs.annual[$0] ?? 0)) }
        lines.append(("Costs from", costsSource))
        if !areaIDs.isEmpty { lines.append(("By planning area", send.areaSource)) }
        if let d = draws { lines += [("Draws", "\(d.draws) of \(d.varies)"), ("Seed", "\(d.seed)")] }
        for applied in run.applied {
            let s = applied.scenario
            lines.append(("Scenario", s.name + (s.file.isEmpty ? "" : " (\(s.file))")))
            lines += s.changes.map { ("  change", $0.summary(forecastTo: run.forecast.origin + run.forecast.horizon)) }
        }
        lines.append(("Produced by", "placeplan \(PlacePlanVersion.current)"))
        sheets.append(Spreadsheet.assumptions(lines))
        return Spreadsheet(title: "placeplan SEND forecast for \(send.authority) from the January \(send.calibration.origin.censusYear) census", sheets: sheets)
    }
}

extension Comparison {
    /// Sheets: Comparison (the CSV's columns, typed: per area, phase, year and level, each
    /// column's pupils, places, surplus %, status and, with draws, chance of a deficit; the
    /// changes, last less first), Compared (what each column is, and what differs between
    /// saved runs: the `header` lines).
    public func spreadsheet(changedOnly: Bool, header: [String] = []) -> Spreadsheet {
        typealias C = Spreadsheet.Column
        let chances = hasDraws
        var sheet = Spreadsheet.Sheet("Comparison", columns: [C("Area"), C("Area name"), C("Phase"), C("Year"), C("Level")]
            + labels.flatMap { l in [C("\(l) pupils", .decimal(1)), C("\(l) places", .count), C("\(l) surplus %", .percent), C("\(l) status")]
                + (chances ? [C("\(l) P(deficit) %", .percent)] : []) }
            + [C("Pupils change", .decimal(1)), C("Places change", .count), C("Status changed")])
        for line in lines where !changedOnly || line.statusChanged {
            var row: [Spreadsheet.Cell] = [.text(line.area), .text(line.areaName), .text(line.phase.rawValue), .text(line.year.description), .text(line.level)]
            for i in labels.indices {
                // surplusPct is in percent (4.2); the sheet keeps fractions shown as percentages.
                row += [Spreadsheet.number(line.pupils[i]), Spreadsheet.number(line.places[i]), Spreadsheet.number(line.surplusPct[i].map { $0 / 100 }),
                        line.status[i].map { .text($0.rawValue) } ?? .empty]
                if chances { row.append(Spreadsheet.number(line.probabilityDeficit[i])) }
            }
            row += [Spreadsheet.number(line.pupilsChange), Spreadsheet.number(line.placesChange), .text(line.statusChanged ? "yes" : "no")]
            sheet.rows.append(row)
        }
        var compared = labels.enumerated().map { ("Column \($0.offset + 1)", $0.element) }
        compared += header.map { line in ("", line) }
        compared.append(("Produced by", "placeplan \(PlacePlanVersion.current)"))
        var about = Spreadsheet.assumptions(compared)
        about.name = "Compared"
        return Spreadsheet(title: "placeplan comparison: " + labels.joined(separator: ", "), sheets: [sheet, about])
    }
}
