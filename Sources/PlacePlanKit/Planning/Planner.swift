import Foundation

/// One action of a plan: an option taken from a year.
public struct PlanAction: Sendable, Hashable, Codable {
    /// The option's type: bulge, expansion, new_school, pan_reduction, closure, specialist_places.
    public var type: String
    public var school: String
    public var schoolName: String
    public var areaID: String
    /// The first academic year it acts in (pupils admitted in September of its first year).
    public var year: AcademicYear
    /// The academic year by which it must be decided: `year` less the option's lead time.
    public var decideBy: AcademicYear
    /// Units taken: classes, forms of entry, steps of places, specialist places; 1 for a
    /// school opened or closed.
    public var units: Int
    /// Places it adds (removes, when negative) in its entry year group a year; specialist places for `need`.
    public var places: Int
    public var need: PrimaryNeed?
    /// £ over the horizon: one-off, running (specialist places) and saved (places removed).
    public var capitalCost: Double
    public var runningCost: Double
    public var saving: Double
    /// The rules that would break with one unit less (what the action is sized for).
    public var sizedFor: [String]

    /// One line in an officer's words.
    public var summary: String {
        switch type {
        case "bulge": "bulge class\(units > 1 ? "es" : "") +\(places) at \(school) \(schoolName), admitted \(year)"
        case "expansion": "permanent expansion +\(places / 30 == 0 ? "\(places) places" : "\(units) FE") at \(school) \(schoolName) from \(year) (PAN +\(places))"
        case "new_school": "new school \(school) \(schoolName) in \(areaID), PAN \(places), opening \(year)"
        case "pan_reduction": "PAN reduction \(places) at \(school) \(schoolName) from \(year)"
        case "closure": "closure of \(school) \(schoolName) from \(year) (pupils stay in \(areaID))"
        default: "\(places) \(need.map { "\($0) " } ?? "")specialist place\(places == 1 ? "" : "s") at \(school) \(schoolName) from \(year)"
        }
    }
}

/// Money over the horizon, £ (undiscounted), for the plan or for doing nothing.
public struct PlanCost: Sendable, Hashable, Codable {
    public var capital = 0.0
    /// Running cost of the specialist places the plan adds.
    public var running = 0.0
    /// Revenue saved by places removed and schools closed.
    public var savings = 0.0
    /// EHCP pupils placed in independent or out-of-borough schools for lack of places, at their cost.
    public var placedOutside = 0.0
    /// Places above the high-surplus threshold, at the options file's price.
    public var surplus = 0.0
    /// Pupil-years short of the places rules (not money: what no option can meet).
    public var pupilYearsShort = 0.0

    /// capital + running − savings + placed outside + surplus.
    public var total: Double { capital + running - savings + placedOutside + surplus }
}

/// A places rule as the re-run of the plan's scenario meets it.
public struct PlanRuleCheck: Sendable, Hashable, Codable {
    public var areaID: String
    public var phase: ReportingPhase
    public var year: AcademicYear
    public var entry: Bool
    public var places: Double
    /// The pupils to plan for (at the chosen risk).
    public var required: Double
    /// The chance of a deficit in the re-run (nil without draws).
    public var probabilityDeficit: Double?
    public var met: Bool
}

/// A plan: the least-cost actions, what they cost against doing nothing, and the rules they meet.
public struct PlanResult: Sendable {
    public var options: PlanOptions
    public var settings: PlanSettings
    public var origin: AcademicYear
    public var horizon: Int
    public var draws: Int?
    public var actions: [PlanAction]
    public var cost: PlanCost
    public var doingNothing: PlanCost
    /// C(x) of the solver's plan and of the greedy baseline (same objective; shortfalls at
    /// ``PlanProblem/shortfallPrice``).
    public var objective: Double
    public var greedyObjective: Double
    public var greedyActions: Int
    /// "optimal" in every authority, else the worst status.
    public var status: String
    /// Plain statements of what no option can meet.
    public var unmet: [String]
    /// The scenario planned on, and the plan's own changes to it.
    public var baseScenario: Scenario
    public var changes: [ScenarioChange]
    /// The base scenario with the plan's changes, and its re-run.
    public var scenario: Scenario
    public var after: ScenarioForecast
    public var checks: [PlanRuleCheck]
    /// Whether SEND was planned (the EHCP files were there), and why not.
    public var specialistNote: String?
    public var solveSeconds: Double
}

/// Finds the least-cost plan and re-runs it as a scenario.
public enum Planner {
    /// Plans against the first column of `run` (the base scenario).
    ///
    /// - Parameters:
    ///   - send: the SEND forecast of the same run, for the specialist rules (nil: mainstream only).
    ///   - rerun: runs a scenario with the run's settings (and its SEND forecast when `send` is given).
    public static func plan(
        run: ScenarioForecast, options: PlanOptions, settings: PlanSettings, send: SENDForecast?, specialistNote: String? = nil,
        rerun: (Scenario) throws(PlacePlanError) -> (ScenarioForecast, SENDForecast?)
    ) throws(PlacePlanError) -> PlanResult {
        guard (PlanSettings.riskRange).contains(settings.risk) else {
            throw .invalidOption(option: "--risk", message: "\(settings.risk) is outside 0.025...0.5", hint: "the chance of a deficit a plan accepts, e.g. --risk 0.1")
        }
        let forecast = run.forecast
        let base = run.applied[0]
        let costs = send?.assumptions.costs ?? .illustrative
        let builder = PlanBuilder(
            options: options, schools: base.schools, areas: forecast.areas, origin: forecast.origin, horizon: forecast.horizon,
            settings: settings, arpCost: costs.annual[.arp] ?? 0, specialCost: costs.annual[.specialInBorough] ?? 0)
        try builder.validate()
        let needs = PlacesNeed.from(run, risk: run.draws == nil ? 0.5 : settings.risk)
        let specialist = send.map { SpecialistNeed.from($0, origin: forecast.origin) } ?? []
        let authorities = Array(Set(forecast.areas.map(\.localAuthority))).sorted()
        var actions: [PlanAction] = []
        var cost = PlanCost(), nothing = PlanCost()
        var objective = 0.0, greedyObjective = 0.0, greedyActions = 0
        var status = "optimal"
        var unmet: [String] = []
        var changes: [ScenarioChange] = []
        let clock = ContinuousClock.now
        for authority in authorities {
            // SEND is one LA-wide block: its rules go with the authority it was forecast for.
            let own = send.map { $0.authority == authority || authorities.count == 1 } ?? false
            let problem = builder.problem(needs: needs, specialist: own ? specialist : [], authority: authorities.count == 1 ? nil : authority)
            let solved = try problem.solve(timeLimit: settings.timeLimit)
            if solved.status != .optimal { status = solved.status.rawValue }
            objective += problem.cost(solved.x)
            greedyObjective += problem.cost(solved.greedy)
            greedyActions += solved.greedy.filter { $0 > 0 }.count
            add(problem, solved.x, into: &cost)
            add(problem, [Int](repeating: 0, count: problem.decisions.count), into: &nothing)
            actions += decode(problem, solved.x, builder: builder)
            changes += scenarioChanges(problem, solved.x, builder: builder)
            unmet += describeUnmet(problem, solved.x, builder: builder)
        }
        let seconds = (ContinuousClock.now - clock).seconds
        actions.sort { ($0.year, $0.areaID, $0.school, $0.type) < ($1.year, $1.areaID, $1.school, $1.type) }
        var scenario = base.scenario
        scenario.name = "plan"
        scenario.description = "Least-cost plan from \(options.name) "
            + (run.draws == nil ? "on the forecast itself (no draws)" : "at \(Format.percent(settings.risk)) risk of a deficit")
            + (base.scenario.name == Scenario.baseline.name ? "" : ", on scenario '\(base.scenario.name)'")
        let ordered = changes.enumerated().sorted { ($0.element.year, $0.offset) < ($1.element.year, $1.offset) }.map(\.element)
        scenario.changes += ordered
        let (after, _) = try rerun(scenario)
        let checks = check(after, needs: needs, settings: settings, drawn: run.draws != nil)
        return PlanResult(
            options: options, settings: settings, origin: forecast.origin, horizon: forecast.horizon, draws: run.draws?.first?.draws, actions: actions,
            cost: cost, doingNothing: nothing, objective: objective, greedyObjective: greedyObjective, greedyActions: greedyActions, status: status,
            unmet: unmet, baseScenario: base.scenario, changes: ordered, scenario: scenario, after: after, checks: checks, specialistNote: specialistNote, solveSeconds: seconds)
    }

    /// Adds decisions x's money to `cost`.
    static func add(_ p: PlanProblem, _ x: [Int], into cost: inout PlanCost) {
        for (d, n) in x.enumerated() where n > 0 {
            cost.capital += p.decisions[d].capital * Double(n)
            cost.running += p.decisions[d].running * Double(n)
            cost.savings += p.decisions[d].saving * Double(n)
        }
        let side = p.sides(x)
        for (r, rule) in p.rules.enumerated() {
            let v = p.violation(r, side: side[r])
            switch rule.kind {
            case .places: cost.pupilYearsShort += rule.price >= PlanProblem.shortfallPrice ? v : 0
            case .surplus: if rule.price < PlanProblem.shortfallPrice { cost.surplus += rule.price * v }
            case .specialist: cost.placedOutside += rule.price * v
            }
        }
    }

    /// The rule's words, e.g. "P10 Reception places 2027/28".
    static func words(_ kind: PlanProblem.Rule.Kind) -> String {
        switch kind {
        case .places(let area, let phase, let entry, let year): "\(area) \(entry ? "\(phase.entryYearGroup == .reception ? "Reception" : "Y7") places" : "\(phase) places") \(year)"
        case .surplus(let area, let phase, let year): "\(area) \(phase) surplus \(year)"
        case .specialist(let need, let phase, let year): "\(need) \(phase) specialist places \(year)"
        }
    }

    static func decode(_ p: PlanProblem, _ x: [Int], builder: PlanBuilder) -> [PlanAction] {
        let side = p.sides(x)
        let byID = builder.schoolByID
        var out: [PlanAction] = []
        for (d, n) in x.enumerated() where n > 0 {
            let decision = p.decisions[d]
            let o = builder.options.options[decision.option]
            let school: School
            if case .newSchool(let s) = o.kind { school = s } else { school = byID[o.school]! }
            var places = 0
            var need: PrimaryNeed?
            switch o.kind {
            case .bulge, .expansion: places = builder.options.classSize * n
            case .panReduction(_, let step, _): places = -step * n
            case .newSchool(let s): places = s.pan
            case .closure: places = -school.pan(admittedIn: decision.start)
            case .specialistPlaces(_, let need_, _):
                places = n
                need = need_
            }
            // Rules an action is sized for: those one unit fewer would break (more than now).
            var sized: [String] = []
            for e in decision.effects where e.coefficient > 0 && p.rules[e.rule].price >= PlanProblem.shortfallPrice {
                if p.violation(e.rule, side: side[e.rule] - e.coefficient) > p.violation(e.rule, side: side[e.rule]) + 1e-9 { sized.append(words(p.rules[e.rule].kind)) }
            }
            out.append(PlanAction(
                type: o.typeName, school: school.id, schoolName: school.name, areaID: school.areaID, year: decision.start,
                decideBy: max(builder.origin, decision.start - o.leadTime), units: n, places: places, need: need,
                capitalCost: decision.capital * Double(n), runningCost: decision.running * Double(n), saving: decision.saving * Double(n), sizedFor: sized))
        }
        return out
    }

    /// The plan as scenario changes, which the scenario runner applies exactly as the
    /// problem's place profiles assumed.
    static func scenarioChanges(_ p: PlanProblem, _ x: [Int], builder: PlanBuilder) -> [ScenarioChange] {
        var out: [ScenarioChange] = []
        for (d, n) in x.enumerated() where n > 0 {
            let decision = p.decisions[d]
            let o = builder.options.options[decision.option]
            let kind: ScenarioChange.Kind
            switch o.kind {
            case .bulge(let s, _, _): kind = .bulge(school: s, places: builder.options.classSize * n)
            case .expansion(let s, _): kind = .panChange(school: s, pan: builder.options.classSize * n, relative: true)
            case .panReduction(let s, let step, _): kind = .panChange(school: s, pan: -step * n, relative: true)
            case .newSchool(var s):
                s.opens = decision.start
                kind = .newSchool(s, openingYearGroups: [s.entryYearGroup])
            case .closure(let s): kind = .closure(school: s, moveTo: [])
            case .specialistPlaces(let s, let need, _):
                kind = .specialistPlaces(SpecialistPlaces(school: s, need: need ?? .oth, places: [decision.start: n]))
            }
            out.append(ScenarioChange(year: decision.start, kind: kind, source: o.source, fields: [:]))
        }
        return out
    }

    /// Plain statements of the places rules the plan leaves short, one per area, phase and
    /// year group run of years, with the earliest year an option could act there.
    static func describeUnmet(_ p: PlanProblem, _ x: [Int], builder: PlanBuilder) -> [String] {
        let side = p.sides(x)
        struct Key: Hashable { var area: String; var phase: ReportingPhase; var entry: Bool }
        var short: [Key: [(AcademicYear, Double)]] = [:]
        for (r, rule) in p.rules.enumerated() where rule.price >= PlanProblem.shortfallPrice {
            guard case .places(let area, let phase, let entry, let year) = rule.kind else { continue }
            let v = p.violation(r, side: side[r])
            if v > 0.5 { short[Key(area: area, phase: phase, entry: entry), default: []].append((year, v)) }
        }
        var out: [String] = []
        for key in short.keys.sorted(by: { ($0.area, $0.phase.rawValue, $0.entry ? 0 : 1) < ($1.area, $1.phase.rawValue, $1.entry ? 0 : 1) }) {
            let years = short[key]!.sorted { $0.0 < $1.0 }
            // The earliest year any option adds places to this rule.
            var earliest: AcademicYear?
            for d in p.decisions where d.effects.contains(where: { e in
                if case .places(let a, let ph, let en, _) = p.rules[e.rule].kind { return a == key.area && ph == key.phase && en == key.entry && e.coefficient > 0 }
                return false
            }) {
                earliest = earliest.map { min($0, d.start) } ?? d.start
            }
            let group = key.entry ? (key.phase == .primary ? "Reception" : "Y7") : key.phase.rawValue
            let span = years.count == 1 ? "\(years[0].0)" : "\(years.first!.0)-\(years.last!.0)"
            let worst = years.map(\.1).max()!
            var text = "\(key.area) \(group) places: up to \(Format.count(worst.rounded(.up))) short in \(span)"
            if let earliest {
                text += earliest > years.first!.0 ? "; no option can add \(group) places in \(key.area) before \(earliest)" : "; the options there cannot add enough"
            } else {
                text += "; no option in the options file adds \(group) places in \(key.area)"
            }
            out.append(text)
        }
        return out
    }

    /// The places rules as the re-run meets them: places at least the pupils at the risk
    /// (with draws: the chance of a deficit in the phase, or the entry year group, at most
    /// the risk, to one draw).
    static func check(_ after: ScenarioForecast, needs: [PlacesNeed], settings: PlanSettings, drawn: Bool) -> [PlanRuleCheck] {
        let report = SufficiencyReport(after)
        let need = Dictionary(needs.map { ("\($0.areaID) \($0.phase) \($0.year)", $0) }, uniquingKeysWith: { a, _ in a })
        var out: [PlanRuleCheck] = []
        let tolerance = after.draws.map { 1.0 / Double($0[0].draws) } ?? 0
        for r in report.rows where r.isForecast {
            guard let n = need["\(r.areaID) \(r.phase) \(r.year)"] else { continue }
            let phaseMet = drawn ? (r.probabilityDeficit ?? 0) <= settings.risk + tolerance + 1e-12 : r.places >= n.required - 1e-9
            let entryMet = drawn ? (r.probabilityEntryDeficit ?? 0) <= settings.risk + tolerance + 1e-12 : r.entryPlaces >= n.entryRequired - 1e-9
            out.append(PlanRuleCheck(areaID: r.areaID, phase: r.phase, year: r.year, entry: false, places: r.places, required: n.required, probabilityDeficit: r.probabilityDeficit, met: phaseMet))
            out.append(PlanRuleCheck(areaID: r.areaID, phase: r.phase, year: r.year, entry: true, places: r.entryPlaces, required: n.entryRequired, probabilityDeficit: r.probabilityEntryDeficit, met: entryMet))
        }
        return out
    }
}

extension SpecialistNeed {
    /// The specialist needs of a SEND forecast's first column, for the forecast years.
    public static func from(_ send: SENDForecast, origin: AcademicYear) -> [SpecialistNeed] {
        let costs = send.assumptions.costs.annual
        let first = send.columns.first
        return send.rows.filter { $0.scenario == first && $0.year > origin }.map { r in
            let outside = r.independent + r.outOfBorough
            let cost = outside > 0
                ? (r.independent * (costs[.independent] ?? 0) + r.outOfBorough * (costs[.outOfBorough] ?? 0)) / outside
                : (costs[.independent] ?? 0)
            return SpecialistNeed(need: r.need, phase: r.phase, year: r.year, placedOutside: outside, outsideCost: cost)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
