/// What the rules of a plan read from a forecast: for one area, phase and forecast year, the
/// places in force and the pupils to plan for.
public struct PlacesNeed: Sendable, Hashable {
    public var areaID: String
    public var phase: ReportingPhase
    public var year: AcademicYear
    public var places: Double
    public var entryPlaces: Double
    /// Pupils at the chosen risk: the (1 − risk) quantile of the draws, else the forecast.
    public var required: Double
    public var entryRequired: Double
    /// The forecast (point) pupils, against which surplus is measured.
    public var pupils: Double
}

/// What the specialist rules read from a SEND forecast: for one need, phase and year, the
/// pupils placed outside the borough's places (independent and out of borough), and what a
/// year of each kind of placement costs.
public struct SpecialistNeed: Sendable, Hashable {
    public var need: PrimaryNeed
    public var phase: ReportingPhase
    public var year: AcademicYear
    public var placedOutside: Double
    /// £ a pupil a year outside (independent and out-of-borough costs, weighted by their pupils).
    public var outsideCost: Double
}

/// The settings of a plan.
public struct PlanSettings: Sendable, Hashable {
    /// The largest chance of a deficit a plan accepts in any area, phase and year (read
    /// from the draws' quantiles; with no draws the forecast itself is met).
    public var risk: Double
    /// The high-surplus threshold (surplus share of places) above which a place costs
    /// ``PlanOptions/surplusPlaceCost`` a year.
    public var highSurplus: Double
    /// When set, surplus above this share of places is forbidden rather than priced.
    public var maximumSurplus: Double?
    /// Seconds the solver may take per authority (nil: until proven optimal).
    public var timeLimit: Double?

    public init(risk: Double = 0.1, highSurplus: Double = 0.10, maximumSurplus: Double? = nil, timeLimit: Double? = nil) {
        self.risk = risk
        self.highSurplus = highSurplus
        self.maximumSurplus = maximumSurplus
        self.timeLimit = timeLimit
    }

    /// The risks the draws' quantiles allow: 1 − risk between the median and 97.5%.
    public static let riskRange = 0.025...0.5
}

/// Builds a ``PlanProblem`` from the places needs, the schools and the options.
public struct PlanBuilder: Sendable {
    public var options: PlanOptions
    public var schools: [School]
    public var areas: [PlanningArea]
    public var origin: AcademicYear
    public var horizon: Int
    public var settings: PlanSettings
    /// £ a pupil a year in an ARP place and in a special school place.
    public var arpCost: Double, specialCost: Double
    /// The schools by id, and the areas by id.
    let schoolByID: [String: School]
    let areaByID: [String: PlanningArea]

    public init(options: PlanOptions, schools: [School], areas: [PlanningArea], origin: AcademicYear, horizon: Int, settings: PlanSettings,
                arpCost: Double = SENDCosts.illustrative.annual[.arp]!, specialCost: Double = SENDCosts.illustrative.annual[.specialInBorough]!) {
        self.options = options
        self.schools = schools
        self.areas = areas
        self.origin = origin
        self.horizon = horizon
        self.settings = settings
        self.arpCost = arpCost
        self.specialCost = specialCost
        schoolByID = Dictionary(schools.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        areaByID = Dictionary(areas.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    var years: [AcademicYear] { (1...horizon).map { origin + $0 } }

    /// Checks every option against the data (schools, areas, phases, limits); all problems at once.
    public func validate() throws(PlacePlanError) {
        var errors: [PlacePlanError] = []
        let byID = schoolByID
        var optionsAt: [String: Int] = [:]
        for o in options.options { optionsAt[o.school, default: 0] += 1 }
        var closing = Set<String>()
        for o in options.options { if case .closure(let s) = o.kind { closing.insert(s) } }
        for o in options.options {
            func fail(_ message: String, _ hint: String) { errors.append(.invalidScenario(o.source, message: message, hint: hint)) }
            if case .newSchool(let s) = o.kind {
                if byID[s.id] != nil { fail("school id '\(s.id)' is already used", "give the new school an id of its own") }
                guard let area = areaByID[s.areaID] else {
                    fail("unknown planning area '\(s.areaID)'", "use an id from areas.csv")
                    continue
                }
                if !(area.phase.yearGroups.contains(s.yearGroups.lowerBound) && area.phase.yearGroups.contains(s.yearGroups.upperBound)) {
                    fail("\(s.areaID) is \(Format.withArticle(area.phase.description)) area and cannot hold \(s.yearGroups.lowerBound)-\(s.yearGroups.upperBound)", "choose an area of the school's phase")
                }
                continue
            }
            guard let school = byID[o.school] else {
                fail("unknown school '\(o.school)'", "use an id from schools.csv (or a new school of the base scenario)")
                continue
            }
            switch o.kind {
            case .specialistPlaces: break
            default:
                if school.phase == .special { fail("\(o.school) is a special school", "\(Format.withArticle(o.typeName)) option acts on mainstream places; use specialist_places") }
            }
            if case .closure = o.kind {
                if optionsAt[o.school, default: 0] > 1 {
                    fail("\(o.school) has a closure option and others", "a school that may close cannot also expand or shrink in one plan: keep the closure, or the other options")
                }
            } else if closing.contains(o.school) {
                continue
            }
            if case .panReduction(_, let step, let minimum) = o.kind, school.pan(admittedIn: origin + 1) - minimum < step {
                fail("\(o.school) has a PAN of \(school.pan(admittedIn: origin + 1)), so no step of \(step) places fits above min_pan \(minimum)", "lower min_pan or the step")
            }
            if case .specialistPlaces(_, let need, _) = o.kind, need == nil {
                fail("a specialist_places option needs the 'need' its places are for", "e.g. need: ASD")
            }
            if let closes = school.closes, closes <= origin + 1 { fail("\(o.school) closes in \(closes)", "remove the option") }
        }
        try PlacePlanError.check(errors)
    }

    /// The first and last years option `o` may start in within the horizon (nil when none).
    public func startYears(_ o: PlanOption) -> ClosedRange<AcademicYear>? {
        var first = max(origin + 1, origin + o.leadTime)
        if let f = o.firstYear { first = max(first, f) }
        var last = origin + horizon
        if let l = o.lastYear { last = min(last, l) }
        if case .newSchool = o.kind {} else if let closes = schoolByID[o.school]?.closes { last = min(last, closes - 1) }
        return first <= last ? first...last : nil
    }

    /// The school as the option leaves it after `units` units from `start` (for
    /// specialist places, the school is unchanged).
    func changed(_ school: School, by o: PlanOption, from start: AcademicYear, units: Int) -> School {
        var s = school
        switch o.kind {
        case .bulge: s.bulges[start, default: 0] += options.classSize * units
        case .expansion: s.panChanges[start] = s.pan(admittedIn: start) + options.classSize * units
        case .panReduction(_, let step, _): s.panChanges[start] = s.pan(admittedIn: start) - step * units
        case .closure: s.closes = start
        case .newSchool(var n):
            n.opens = start
            return n
        case .specialistPlaces: break
        }
        return s
    }

    /// The problem for one local authority's areas (all areas when nil).
    public func problem(needs: [PlacesNeed], specialist: [SpecialistNeed], authority: String? = nil) -> PlanProblem {
        var p = PlanProblem()
        let inAuthority = Set(areas.filter { authority == nil || $0.localAuthority == authority }.map(\.id))
        var ruleIndex: [PlanProblem.Rule.Kind: Int] = [:]
        func add(_ kind: PlanProblem.Rule.Kind, base: Double, target: Double, atLeast: Bool, price: Double) {
            ruleIndex[kind] = p.rules.count
            p.rules.append(.init(kind: kind, base: base, target: target, atLeast: atLeast, price: price))
        }
        for n in needs where inAuthority.contains(n.areaID) {
            add(.places(area: n.areaID, phase: n.phase, entry: false, year: n.year), base: n.places, target: n.required, atLeast: true, price: PlanProblem.shortfallPrice)
            add(.places(area: n.areaID, phase: n.phase, entry: true, year: n.year), base: n.entryPlaces, target: n.entryRequired, atLeast: true, price: PlanProblem.shortfallPrice)
            if let m = settings.maximumSurplus {
                add(.surplus(area: n.areaID, phase: n.phase, year: n.year), base: n.places, target: n.pupils / (1 - m), atLeast: false, price: PlanProblem.shortfallPrice)
            } else if options.surplusPlaceCost > 0 {
                add(.surplus(area: n.areaID, phase: n.phase, year: n.year), base: n.places, target: n.pupils / (1 - settings.highSurplus), atLeast: false, price: options.surplusPlaceCost)
            }
        }
        let hasSpecialist = !specialist.isEmpty
        for s in specialist {
            add(.specialist(need: s.need, phase: s.phase, year: s.year), base: 0, target: s.placedOutside, atLeast: true, price: s.outsideCost)
        }
        let byID = schoolByID, areaOf = areaByID
        for (i, o) in options.options.enumerated() {
            let school: School
            if case .newSchool(let s) = o.kind { school = s } else {
                guard let s = byID[o.school] else { continue }
                school = s
            }
            guard inAuthority.contains(school.areaID), let starts = startYears(o) else { continue }
            var members: [Int] = []
            for start in starts.years {
                let active = Double(origin + horizon - start + 1)
                var d = PlanProblem.Decision(option: i, start: start, upper: 1, unitCost: 0, capital: o.cost, running: 0, saving: 0, effects: [])
                if case .specialistPlaces(_, let need?, let maximum) = o.kind {
                    guard hasSpecialist else { continue }
                    d.upper = maximum
                    d.running = (school.phase == .special ? specialCost : arpCost) * active
                    let groups = Double(school.yearGroups.count), primary = Double(school.yearGroups.filter { $0.index <= 6 }.count)
                    for phase in ReportingPhase.allCases {
                        let share = phase == .primary ? primary / groups : (groups - primary) / groups
                        guard share > 0 else { continue }
                        for y in (start...(origin + horizon)).years {
                            if let r = ruleIndex[.specialist(need: need, phase: phase, year: y)] { d.effects.append((r, share)) }
                        }
                    }
                } else {
                    switch o.kind {
                    case .bulge(_, let perYear, _): d.upper = perYear
                    case .expansion(_, let forms): d.upper = forms
                    case .panReduction(_, let step, let minimum): d.upper = max(0, (school.pan(admittedIn: start) - minimum) / step)
                    default: d.upper = 1
                    }
                    guard d.upper > 0 else { continue }
                    // Places by year group and year, before and after one unit.
                    let after = changed(school, by: o, from: start, units: 1)
                    let phase = areaOf[school.areaID]?.phase ?? school.phase
                    var removed = 0.0
                    for y in (start...(origin + horizon)).years {
                        var delta: [ReportingPhase: (all: Double, entry: Double)] = [:]
                        for g in phase.yearGroups {
                            let before: Int
                            if case .newSchool = o.kind { before = 0 } else { before = school.places(g, in: y) }
                            let change = Double(after.places(g, in: y) - before)
                            guard change != 0 else { continue }
                            let rp = ReportingPhase(g)
                            delta[rp, default: (0, 0)].all += change
                            if g == rp.entryYearGroup { delta[rp, default: (0, 0)].entry += change }
                        }
                        for (rp, v) in delta {
                            removed += max(0, -v.all)
                            if let r = ruleIndex[.places(area: school.areaID, phase: rp, entry: false, year: y)] { d.effects.append((r, v.all)) }
                            if v.entry != 0, let r = ruleIndex[.places(area: school.areaID, phase: rp, entry: true, year: y)] { d.effects.append((r, v.entry)) }
                            if let r = ruleIndex[.surplus(area: school.areaID, phase: rp, year: y)] { d.effects.append((r, v.all)) }
                        }
                    }
                    d.saving = o.savingPerPlace * removed + (o.typeName == "closure" ? o.savingPerYear * active : 0)
                }
                d.unitCost = d.capital + d.running - d.saving
                members.append(p.decisions.count)
                p.decisions.append(d)
            }
            guard !members.isEmpty else { continue }
            let total: Int
            switch o.kind {
            case .bulge(_, let perYear, let t): total = t ?? perYear * members.count
            case .expansion(_, let forms): total = forms
            case .panReduction(_, let step, let minimum): total = max(0, (school.pan(admittedIn: origin + 1) - minimum) / step)
            case .specialistPlaces(_, _, let maximum): total = maximum
            default: total = 1
            }
            p.limits.append(.init(decisions: members, maximum: total))
        }
        return p
    }
}

extension PlacesNeed {
    /// The value at quantile `level` of a sample summarised at ``UncertaintySettings/quantiles``,
    /// linear between the levels (`level` within them).
    static func atLevel(_ quantiles: [Double], level: Double) -> Double {
        let levels = UncertaintySettings.quantiles
        guard let upper = levels.firstIndex(where: { $0 >= level - 1e-12 }) else { return quantiles.last ?? 0 }
        guard upper > 0, levels[upper] > level + 1e-12 else { return quantiles[upper] }
        let lo = levels[upper - 1], hi = levels[upper]
        let w = (level - lo) / (hi - lo)
        return quantiles[upper - 1] * (1 - w) + quantiles[upper] * w
    }

    /// The places needs of a scenario's first column: its places, and its pupils at `risk`.
    public static func from(_ run: ScenarioForecast, risk: Double) -> [PlacesNeed] {
        let report = SufficiencyReport(run)
        let index = Dictionary(run.forecast.areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let draws = run.draws?.first
        let level = 1 - risk
        return report.rows.filter { $0.isForecast && $0.scenario == run.forecast.columns[0] }.map { r in
            var required = r.pupils, entry = r.entryPupils
            if let draws, let q = r.pupilsQuantiles, let a = index[r.areaID] {
                let h = r.year - run.forecast.origin
                required = atLevel(q, level: level)
                entry = atLevel((0..<UncertaintySettings.quantiles.count).map { draws.quantile(step: h, area: a, r.entryYearGroup, $0) }, level: level)
            }
            return PlacesNeed(areaID: r.areaID, phase: r.phase, year: r.year, places: r.places, entryPlaces: r.entryPlaces, required: required, entryRequired: entry, pupils: r.pupils)
        }
    }
}

extension ClosedRange where Bound == AcademicYear {
    /// The academic years from the lower bound to the upper, in order.
    var years: [AcademicYear] { (0...(upperBound - lowerBound)).map { lowerBound + $0 } }
}
