import Foundation

/// A plan in every format: the actions by year, what they cost against doing nothing, what no
/// option can meet, and the sufficiency after the plan (its re-run as a scenario).
public struct PlanOutput: Sendable {
    public var plan: PlanResult
    public var dataLabel: String

    public init(_ plan: PlanResult, dataLabel: String) {
        self.plan = plan
        self.dataLabel = dataLabel
    }

    public func render(_ format: OutputFormat, colour: Bool = false) throws(PlacePlanError) -> String {
        switch format {
        case .table: header() + "\n" + tables().map { $0.render(colour: colour) }.joined(separator: "\n") + "\n" + afterText(colour: colour)
        case .markdown: "## Plan\n\n```\n" + header() + "```\n\n" + tables().map { $0.markdown() }.joined(separator: "\n") + "\n" + afterMarkdown()
        case .csv: csv()
        case .json: try jsonText(document())
        case .xlsx: try OutputFormat.workbookRequested()
        }
    }

    var last: AcademicYear { plan.origin + plan.horizon }
    var rulesMet: Int { plan.checks.filter(\.met).count }

    /// What was planned, against which rule, and how the solver did.
    public func header() -> String {
        let s = plan.settings
        var lines = ["Least-cost plan from the \(plan.origin) census, \(Format.years(plan.horizon)) ahead (to \(last))"]
        lines.append("Data: \(dataLabel); options: '\(plan.options.name)' (\(plan.options.file.isEmpty ? "built in" : plan.options.file)), \(plan.options.options.count) option\(plan.options.options.count == 1 ? "" : "s")")
        if let draws = plan.draws {
            lines.append("Rule: in every planning area, phase and year, and in Reception and Y7, the chance of a deficit at most \(Format.percent(s.risk)) (\(Format.count(Double(draws))) draws)")
        } else {
            lines.append("Rule: in every planning area, phase and year, and in Reception and Y7, places at least the forecast pupils (no draws: run with --draws 1000 to plan at a risk)")
        }
        if let m = s.maximumSurplus {
            lines.append("Surplus: above \(Format.percent(m)) of places forbidden")
        } else if plan.options.surplusPlaceCost > 0 {
            lines.append("Surplus: each place above \(Format.percent(s.highSurplus)) surplus costs £\(Format.count(plan.options.surplusPlaceCost)) a year")
        }
        lines.append(plan.specialistNote ?? "SEND: specialist places priced against independent and out-of-borough placements, by need and phase")
        let saved = plan.greedyObjective - plan.objective
        let greedy = saved > 0.5 ? "the greedy baseline costs £\(Format.count(saved)) more (\(plan.greedyActions) actions)" : "the greedy baseline finds the same cost"
        lines.append("Solver: COIN-OR CBC, \(plan.status) in \(Format.decimal(plan.solveSeconds, places: 2)) s; \(greedy)")
        lines.append("Costs are £ over \(plan.origin + 1)-\(last), not discounted; the options' figures are the authority's (the demo's are illustrative).")
        lines.append("Actions to decide after \(plan.origin) are provisional: re-plan each autumn with the new census.")
        return lines.joined(separator: "\n") + "\n"
    }

    func money(_ x: Double) -> String { x == 0 ? "-" : (x < 0 ? "-£" : "£") + Format.count(abs(x).rounded()) }

    func tables() -> [TextTable] {
        var actions = TextTable(
            title: plan.actions.isEmpty ? "Actions: none needed" : "Actions by year (\(plan.actions.count))",
            headers: ["Decide by", "From", "Area", "Action", "Places", "Cost", "Sized for"],
            rightAligned: [false, false, false, false, true, true, false])
        for a in plan.actions {
            let net = a.capitalCost + a.runningCost - a.saving
            actions.rows.append([
                TextTable.Cell(a.decideBy.description), TextTable.Cell(a.year.description), TextTable.Cell(a.areaID), TextTable.Cell(a.summary),
                TextTable.Cell(Format.signed(Double(a.places))), TextTable.Cell(money(net)),
                TextTable.Cell(a.sizedFor.isEmpty ? (a.saving > 0 ? "saving" : (a.runningCost > 0 ? "SEND cost" : "-")) : a.sizedFor[0] + (a.sizedFor.count > 1 ? " (+\(a.sizedFor.count - 1) more)" : "")),
            ])
        }
        var cost = TextTable(title: "Cost over the horizon (£, not discounted)", headers: ["", "Plan", "Doing nothing", "Difference"], rightAligned: [false, true, true, true])
        let p = plan.cost, n = plan.doingNothing
        for (label, a, b) in [
            ("Capital (one-off)", p.capital, n.capital), ("Specialist places running", p.running, n.running), ("Savings from places removed", -p.savings, -n.savings),
            ("EHCP pupils placed outside", p.placedOutside, n.placedOutside), ("Places above the surplus threshold", p.surplus, n.surplus),
        ] where a != 0 || b != 0 {
            cost.rows.append([TextTable.Cell(label), TextTable.Cell(money(a)), TextTable.Cell(money(b)), TextTable.Cell(money(a - b))])
        }
        cost.rows.append([TextTable.Cell("Total", .bold), TextTable.Cell(money(p.total), .bold), TextTable.Cell(money(n.total), .bold), TextTable.Cell(money(p.total - n.total), .bold)])
        cost.rows.append([
            "Pupil-years short of the rule", TextTable.Cell(Format.count(p.pupilYearsShort.rounded()), p.pupilYearsShort > 0.5 ? .bad : .plain),
            TextTable.Cell(Format.count(n.pupilYearsShort.rounded())), TextTable.Cell(Format.signed((p.pupilYearsShort - n.pupilYearsShort).rounded())),
        ])
        var out = [actions, cost]
        var unmet = TextTable(title: plan.unmet.isEmpty ? "Every rule is met" : "Not met: no option can", headers: ["Rule"], rightAligned: [false])
        for u in plan.unmet { unmet.rows.append([TextTable.Cell(u, .bad)]) }
        out.append(unmet)
        return out
    }

    func afterLine() -> String {
        "After the plan (its scenario re-run): \(rulesMet) of \(plan.checks.count) rules met"
            + (plan.checks.count == rulesMet ? "." : "; the others are the ones named above, which no option can meet.")
            + " Re-run it with: placeplan sufficiency --scenario <plan.yaml>\(plan.draws.map { " --draws \($0)" } ?? "")"
    }

    func afterText(colour: Bool) -> String {
        let suff = SufficiencyOutput(plan.after, dataLabel: dataLabel)
        return afterLine() + "\n\n" + suff.summary().render(colour: colour)
    }

    func afterMarkdown() -> String {
        let suff = SufficiencyOutput(plan.after, dataLabel: dataLabel)
        return afterLine() + "\n\n" + suff.summary().markdown()
    }

    func csv() -> String {
        csvText(
            header: ["decide_by", "year", "area", "school", "school_name", "type", "need", "units", "places", "capital_cost", "running_cost", "saving", "net_cost", "sized_for"],
            rows: plan.actions.map { a in
                [a.decideBy.description, a.year.description, a.areaID, a.school, a.schoolName, a.type, a.need?.rawValue ?? "", "\(a.units)", "\(a.places)",
                 Format.decimal(a.capitalCost, places: 0), Format.decimal(a.runningCost, places: 0), Format.decimal(a.saving, places: 0),
                 Format.decimal(a.capitalCost + a.runningCost - a.saving, places: 0), a.sizedFor.joined(separator: "; ")]
            })
    }

    /// The JSON document (schema `placeplan.plan/1`, docs/json-output.md).
    public struct Document: Codable, Sendable {
        public struct Cost: Codable, Sendable {
            var capital, running, savings, placedOutside, surplus, total, pupilYearsShort: Double
        }
        public struct Check: Codable, Sendable {
            var area: String
            var phase: ReportingPhase
            var year: AcademicYear
            var yearGroup: String
            var places, required: Double
            var probabilityDeficit: Double?
            var met: Bool
        }
        public var schema = "placeplan.plan/1"
        public var data: String
        public var options: String
        public var origin: AcademicYear
        public var horizon: Int
        public var risk: Double
        public var draws: Int?
        public var maximumSurplus: Double?
        public var status: String
        public var objective: Double
        public var greedyObjective: Double
        public var actions: [PlanAction]
        public var cost: Cost
        public var doingNothing: Cost
        public var unmet: [String]
        public var rulesMet: Int
        public var rules: Int
        public var checks: [Check]
    }

    public func document() -> Document {
        func cost(_ c: PlanCost) -> Document.Cost {
            .init(capital: Format.rounded(c.capital, places: 0), running: Format.rounded(c.running, places: 0), savings: Format.rounded(c.savings, places: 0),
                  placedOutside: Format.rounded(c.placedOutside, places: 0), surplus: Format.rounded(c.surplus, places: 0), total: Format.rounded(c.total, places: 0),
                  pupilYearsShort: Format.rounded(c.pupilYearsShort))
        }
        return Document(
            data: dataLabel, options: plan.options.name, origin: plan.origin, horizon: plan.horizon, risk: plan.settings.risk, draws: plan.draws,
            maximumSurplus: plan.settings.maximumSurplus, status: plan.status, objective: Format.rounded(plan.objective, places: 0),
            greedyObjective: Format.rounded(plan.greedyObjective, places: 0), actions: plan.actions, cost: cost(plan.cost), doingNothing: cost(plan.doingNothing),
            unmet: plan.unmet, rulesMet: rulesMet, rules: plan.checks.count,
            checks: plan.checks.map {
                .init(area: $0.areaID, phase: $0.phase, year: $0.year, yearGroup: $0.entry ? ($0.phase == .primary ? "R" : "Y7") : "all", places: Format.rounded($0.places),
                      required: Format.rounded($0.required), probabilityDeficit: $0.probabilityDeficit.map { Format.rounded($0, places: 4) }, met: $0.met)
            })
    }

    /// The plan as a scenario file: `placeplan sufficiency --scenario` re-runs it. `extends`
    /// names the base scenario's file relative to `folder` (the file's own folder).
    public func scenarioYAML(folder: String) -> String {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var lines = [
            "# Written by placeplan plan: the least-cost plan from the options '\(Format.printable(plan.options.name))' on the \(plan.origin) census.",
            "# Re-run it with: placeplan sufficiency --scenario <this file>\(plan.draws.map { " --draws \($0)" } ?? "")" + allowPath(folder: folder),
            "name: plan",
            "description: \(q(plan.scenario.description))",
        ]
        let base = plan.baseScenario
        if !base.file.isEmpty {
            lines.append("extends: \(q(Self.relative(base.file, from: folder)))")
        }
        lines += ["assumptions:", "  horizon: \(plan.horizon)"]
        let own = plan.changes
        lines.append(own.isEmpty ? "changes: []" : "changes:")
        for c in own {
            let y = c.year.startYear
            switch c.kind {
            case .bulge(let s, let places):
                lines += ["  - type: bulge", "    school: \(q(s))", "    year: \(y)", "    places: \(places)"]
            case .panChange(let s, let change, _):
                lines += ["  - type: pan_change", "    school: \(q(s))", "    year: \(y)", "    change: \(change > 0 ? "+" : "")\(change)"]
            case .newSchool(let s, let opening):
                lines += ["  - type: new_school", "    id: \(q(s.id))", "    name: \(q(s.name))", "    area: \(q(s.areaID))", "    phase: \(s.phase.rawValue)", "    year: \(y)",
                          "    pan: \(s.pan)", "    first_year_group: \(s.yearGroups.lowerBound)", "    last_year_group: \(s.yearGroups.upperBound)",
                          "    net_capacity: \(s.netCapacity)", "    opening_year_groups: [\(opening.map(\.description).joined(separator: ", "))]"]
            case .closure(let s, _):
                lines += ["  - type: closure", "    school: \(q(s))", "    year: \(y)"]
            case .specialistPlaces(let p):
                lines += ["  - type: specialist_places", "    school: \(q(p.school))", "    need: \(p.need.rawValue)", "    year: \(y)", "    places: \(p.places(in: c.year))"]
            default: continue
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// ` --allow-path F` when the base scenario lies outside `folder` (scenario files read
    /// only beside themselves unless allowed).
    func allowPath(folder: String) -> String {
        guard !plan.baseScenario.file.isEmpty, Self.relative(plan.baseScenario.file, from: folder).hasPrefix("..") else { return "" }
        return " --allow-path " + URL(fileURLWithPath: plan.baseScenario.file).standardizedFileURL.deletingLastPathComponent().path
    }

    /// `path` relative to `folder` (both made absolute), for `extends`.
    static func relative(_ path: String, from folder: String) -> String {
        let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let base = URL(fileURLWithPath: folder.isEmpty ? "." : folder).standardizedFileURL.pathComponents
        var i = 0
        while i < min(target.count, base.count), target[i] == base[i] { i += 1 }
        return (Array(repeating: "..", count: base.count - i) + target[i...]).joined(separator: "/")
    }
}
