import Foundation

/// A scenario checked against a data set and turned into what the projection needs: the
/// schools and places it implies, the model assumptions, and the adjustments to each
/// forecast year of its column.
public struct AppliedScenario: Sendable {
    public let scenario: Scenario
    /// The schools after the scenario's bulges, PAN changes, openings and closures.
    public let schools: [School]
    public let model: ModelOptions
    public let thresholds: SufficiencyThresholds
    /// The births used (the data's, with the scenario's births file laid over them).
    public let births: [String: BirthSeries]
    /// Reception multiplier by forecast year and area: receptionFactor[h - 1][a].
    public let receptionFactor: [[Double]]
    /// Cohort ratio multiplier by forecast year, for moved-up cells: ratioFactor[h - 1][g * A + a];
    /// nil when the scenario has no ratio shock.
    public let ratioFactor: [[Double]]?
    /// Pupils from new homes less demolished ones, by forecast year: housingPupils[h - 1][g * A + a].
    public let housingPupils: [[Double]]
    /// The schemes whose delivery is uncertain: their completions' pupils by forecast year
    /// (same layout, included in `housingPupils`), for the draws to scale and delay.
    public var uncertainDelivery: [(delivery: HousingDelivery, pupils: [[Double]])] = []
    /// The share of those pupils with an EHCP (for the SEND model), same layout.
    public let housingEHCP: [[Double]]
    /// Pupils moving between areas when a school closes.
    let closureMoves: [ClosureMove]
    /// Specialist places (ARP and special schools): the data's plus the scenario's.
    public let specialistPlaces: [SpecialistPlacesEntry]
    /// The scenario's SEND levers.
    public let sendLevers: SENDLevers

    /// The model-fitting inputs that decide whether two scenarios can share one fitted
    /// model (and so one matrix product).
    var modelKey: String {
        "\(model.method)|\(model.intakeMethod)|\(model.birthsProjection)|\(model.excludedYearsText ?? "")|\(scenario.assumptions.birthsFile ?? "")"
    }
}

/// A closing school's pupils moving out of its area.
struct ClosureMove: Sendable {
    var from: Int
    var year: AcademicYear
    var yearGroups: ClosedRange<YearGroup>
    /// The school's share of its area's pupils in those year groups.
    var share: Double
    /// Receiving areas and the share of the moved pupils each takes.
    var targets: [(area: Int, weight: Double)]
}

/// Specialist places for one need at one school, in one year.
public struct SpecialistPlacesEntry: Sendable, Hashable {
    public var school: String
    public var schoolName: String
    public var areaID: String
    /// Primary, secondary or all-through, from the school's year groups.
    public var phase: Phase
    /// nil for places open to any need (a special school without designated places).
    public var need: PrimaryNeed?
    public var kind: Kind
    public var places: SpecialistPlaces
    /// The school's year groups (to share an all-through school's places between phases).
    public var yearGroups: ClosedRange<YearGroup>?
    /// The planning areas the places serve (``School/locality``); empty: the whole authority.
    public var locality: [String] = []

    public enum Kind: String, Sendable, Hashable { case arp = "ARP", special = "special" }
}

/// Command-line assumptions, which win over a scenario's own.
public struct AssumptionOverrides: Sendable, Hashable {
    public var method: RatioMethod?
    public var births: BirthsProjection?
    public var horizon: Int?
    public var margin: Double?
    public var highSurplus: Double?
    /// Census years whose ratios are left out of estimation (`--exclude-years`).
    public var excludedYears: Set<AcademicYear>?
    public init(
        method: RatioMethod? = nil, births: BirthsProjection? = nil, horizon: Int? = nil, margin: Double? = nil, highSurplus: Double? = nil,
        excludedYears: Set<AcademicYear>? = nil
    ) {
        self.method = method
        self.births = births
        self.horizon = horizon
        self.margin = margin
        self.highSurplus = highSurplus
        self.excludedYears = excludedYears
    }
}

extension AppliedScenario {
    /// Adds what does not flow through the ratios to column `c` of a projected state, h
    /// years after `origin`: housing pupils, then the pupils who move when a school closes.
    ///
    /// Demolitions take pupils away, and a cell they would take below zero (more homes
    /// demolished than the area's pupils can have come from) is held at zero pupils. Returns
    /// the areas where that happened, for a note.
    @discardableResult
    public func overlay(_ state: inout CohortState, column c: Int, step h: Int, origin: AcademicYear) -> Set<Int> {
        let A = state.areas
        var heldAtZero = Set<Int>()
        for g in YearGroup.all {
            for area in 0..<A {
                let pupils = state[g, area, c] + housingPupils[h - 1][g.index * A + area]
                if pupils < 0 { heldAtZero.insert(area) }
                state[g, area, c] = max(0, pupils)
            }
        }
        for move in closureMoves where origin + h >= move.year {
            for g in move.yearGroups {
                let moved = state[g, move.from, c] * move.share
                state[g, move.from, c] -= moved
                for t in move.targets { state[g, t.area, c] += moved * t.weight }
            }
        }
        return heldAtZero
    }

    /// Checks a scenario against the data known at `origin` and builds its inputs for a
    /// `horizon`-year forecast. Every problem is reported with the place in the YAML file.
    public static func apply(
        _ scenario: Scenario, to data: DataSet, origin: AcademicYear, horizon: Int, overrides: AssumptionOverrides = AssumptionOverrides()
    ) throws(PlacePlanError) -> AppliedScenario {
        let A = data.areas.count
        let first = origin + 1, last = origin + horizon
        let areaIndex = Dictionary(data.areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var schools = data.schools
        var schoolIndex = Dictionary(schools.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var errors: [PlacePlanError] = []
        let assumptions = scenario.assumptions
        let method: RatioMethod = overrides.method ?? assumptions.method ?? .default
        let intakeMethod: RatioMethod = overrides.method ?? assumptions.intakeMethod ?? method
        let model = ModelOptions(
            method: method, intakeMethod: intakeMethod, birthsProjection: overrides.births ?? assumptions.births ?? .default,
            excludedYears: overrides.excludedYears ?? assumptions.excludeYears ?? [])
        let thresholds = SufficiencyThresholds(
            margin: overrides.margin ?? assumptions.margin ?? 0.05, highSurplus: overrides.highSurplus ?? assumptions.highSurplus ?? 0.10)
        // A year left out must be a census by the origin: a later one (a typo, or a year not
        // yet counted) would be obeyed silently, as nothing. One before the data's first
        // census (an LA whose series starts after a reorganisation) has nothing to leave out,
        // which the forecast's notes say (``ScenarioRunner``).
        if let (message, hint) = DataSet.excludedAfterCensus(model.excludedYears, census: origin, describedAs: "the census a forecast from \(origin) starts from") {
            if overrides.excludedYears != nil {
                errors.append(.invalidOption(option: "--exclude-years", message: message, hint: hint))
            } else {
                errors.append(.invalidScenario(assumptions.locations["exclude_years"] ?? SourceLocation(file: scenario.file, line: 1), message: message, hint: hint))
            }
        }

        var births = data.births
        if let file = assumptions.birthsFile {
            do {
                let csv = try CSVFile(path: file)
                let read = try PlacePlanFormat.readBirths(csv)
                // A series no area reads (a mistyped key) would be obeyed silently, as nothing.
                let keys = Set(data.areas.flatMap { [$0.id, $0.localAuthority] })
                if read.keys.contains(where: { !keys.contains($0) }), let column = csv.columnNumber(PlacePlanFormat.birthsKeyColumns) {
                    var reported = Set<String>()
                    for i in 0..<csv.rowCount {
                        let r = csv.record(i), key = r.text(column)
                        guard !keys.contains(key), reported.insert(key).inserted else { continue }
                        errors.append(.unknownArea(r.location(column), id: key, known: Array(Set(data.areas.map(\.localAuthority))).sorted() + data.areas.map(\.id)))
                    }
                }
                for (key, series) in read {
                    var merged = births[key] ?? BirthSeries(key: key)
                    for (y, n) in series.births { merged.births[y] = n }
                    merged.projected.formUnion(series.projected)
                    births[key] = merged
                }
            } catch { errors.append(error) }
        }

        func where_(_ change: ScenarioChange, _ field: String) -> SourceLocation { change.fields[field] ?? change.source }
        // A year after the forecast's last is allowed (the change acts only from then, so a
        // short --years shows the first years of a long scenario), up to the furthest any
        // forecast from this origin reaches; a year before the first is in the rolls already.
        let furthest = origin + ForecastSettings.maximumHorizon
        func checkYear(_ year: AcademicYear, _ change: ScenarioChange, field: String = "year") {
            if year < first {
                errors.append(.invalidScenario(
                    where_(change, field), message: "\(year) is before the forecast (\(first) to \(last))",
                    hint: "changes start after the origin census \(origin): earlier ones are in the rolls already"))
            } else if year > furthest {
                errors.append(.invalidScenario(
                    where_(change, field), message: "\(year) is more than \(ForecastSettings.maximumHorizon) years after the origin census \(origin)",
                    hint: "no forecast reaches it: check the year (the latest is \(furthest))"))
            }
        }
        func school(_ id: String, _ change: ScenarioChange) -> Int? {
            if let i = schoolIndex[id] { return i }
            let near = schools.map(\.id).min { editDistance($0, id) < editDistance($1, id) }
            errors.append(.invalidScenario(where_(change, "school"), message: "unknown school '\(id)'", hint: "use an id from schools.csv" + (near.map { " (closest: \($0))" } ?? "")))
            return nil
        }
        func area(_ id: String, _ change: ScenarioChange, field: String) -> Int? {
            if let i = areaIndex[id] { return i }
            errors.append(.invalidScenario(where_(change, field), message: "unknown planning area '\(id)'", hint: "use an id from areas.csv: \(data.areas.map(\.id).joined(separator: ", "))"))
            return nil
        }

        var receptionFactor = Array(repeating: Array(repeating: 1.0, count: A), count: horizon)
        var ratioFactor: [[Double]]?
        var housing = Array(repeating: Array(repeating: 0.0, count: YearGroup.count * A), count: horizon)
        var housingEHCP = housing
        var uncertain: [(delivery: HousingDelivery, pupils: [[Double]])] = []
        var closures: [(change: ScenarioChange, school: Int, moveTo: [Int])] = []
        var extraSpecialist: [(school: Int, places: SpecialistPlaces)] = []
        var levers = SENDLevers()
        let yields: PupilYieldTable?
        if let path = assumptions.yieldTable {
            do { yields = try PupilYieldTable.read(CSVFile(path: path)) } catch { errors.append(error); yields = nil }
        } else {
            yields = data.yields
        }

        // New schools first, so that later changes may refer to them.
        for change in scenario.changes {
            guard case .newSchool(var s, let opening) = change.kind else { continue }
            checkYear(change.year, change)
            if schoolIndex[s.id] != nil {
                errors.append(.invalidScenario(where_(change, "id"), message: "school id '\(s.id)' is already used", hint: "give the new school an id of its own"))
                continue
            }
            guard let a = area(s.areaID, change, field: "area") else { continue }
            if s.phase != .special, !(data.areas[a].phase.yearGroups.contains(s.yearGroups.lowerBound) && data.areas[a].phase.yearGroups.contains(s.yearGroups.upperBound)) {
                errors.append(.invalidScenario(where_(change, "area"), message: "\(s.areaID) is \(Format.withArticle(data.areas[a].phase.description)) area and cannot hold \(s.yearGroups.lowerBound)-\(s.yearGroups.upperBound)", hint: "choose an area of the school's phase"))
                continue
            }
            s.openingYearGroups = opening
            schoolIndex[s.id] = schools.count
            schools.append(s)
        }

        for change in scenario.changes {
            switch change.kind {
            case .newSchool:
                continue
            case .bulge(let id, let places):
                checkYear(change.year, change)
                guard let i = school(id, change) else { continue }
                if schools[i].phase == .special {
                    errors.append(.invalidScenario(where_(change, "school"), message: "\(id) is a special school", hint: "bulge classes add mainstream places"))
                } else if !schools[i].isOpen(in: change.year) {
                    errors.append(.invalidScenario(where_(change, "year"), message: "\(id) is not open in \(change.year)", hint: "a bulge needs an open school"))
                } else {
                    schools[i].bulges[change.year, default: 0] += places
                }
            case .panChange(let id, let pan, let relative):
                checkYear(change.year, change)
                guard let i = school(id, change) else { continue }
                let newPAN = relative ? schools[i].pan(admittedIn: change.year) + pan : pan
                if newPAN < 0 {
                    errors.append(.invalidScenario(where_(change, "change"), message: "the PAN of \(id) would be \(newPAN)", hint: "the change takes the PAN below zero"))
                } else {
                    schools[i].panChanges[change.year] = newPAN
                }
            case .closure(let id, let moveTo):
                checkYear(change.year, change)
                guard let i = school(id, change) else { continue }
                if let opens = schools[i].opens, change.year <= opens {
                    errors.append(.invalidScenario(
                        where_(change, "year"), message: "\(id) would close in \(change.year), before or as it opens (\(opens))",
                        hint: "a school must be open for at least a year before it closes"))
                    continue
                }
                if let closes = schools[i].closes, closes <= change.year {
                    errors.append(.invalidScenario(
                        where_(change, "year"), message: "\(id) already closes in \(closes) (\(i < data.schools.count && data.schools[i].closes == closes ? "schools.csv" : "an earlier change"))",
                        hint: "keep one closure per school"))
                    continue
                }
                var targets: [Int] = []
                for target in moveTo {
                    guard let j = schoolIndex[target] else {
                        errors.append(.invalidScenario(where_(change, "pupils_move_to"), message: "unknown school '\(target)'", hint: "use ids from schools.csv or new schools in this scenario"))
                        continue
                    }
                    if j == i || !schools[j].isOpen(in: change.year) {
                        errors.append(.invalidScenario(where_(change, "pupils_move_to"), message: "\(target) cannot take the pupils: \(j == i ? "it is the closing school" : "it is not open in \(change.year)")", hint: "name open schools"))
                        continue
                    }
                    targets.append(j)
                }
                schools[i].closes = min(schools[i].closes ?? change.year, change.year)
                closures.append((change, i, targets))
            case .specialistPlaces(let p):
                checkYear(change.year, change)
                guard let i = school(p.school, change) else { continue }
                extraSpecialist.append((i, p))
            case .housing(let h):
                for y in h.completions.keys.sorted() + h.demolitions.keys.sorted() { checkYear(y, change, field: "year \(y.startYear)") }
                guard let a = area(h.area, change, field: "area") else { continue }
                let phase = data.areas[a].phase
                var secondary: Int?
                if phase == .secondary {
                    errors.append(.invalidScenario(where_(change, "area"), message: "\(h.area) is a secondary area", hint: "set 'area' to the primary (or all-through) area and 'secondary_area' to the secondary one"))
                    continue
                }
                if let s = h.secondaryArea {
                    guard let j = area(s, change, field: "secondary_area") else { continue }
                    guard data.areas[j].phase != .primary else {
                        errors.append(.invalidScenario(where_(change, "secondary_area"), message: "\(s) is a primary area", hint: "name a secondary planning area"))
                        continue
                    }
                    secondary = j
                } else if phase == .primary {
                    errors.append(.invalidScenario(where_(change, "area"), message: "a development in a primary area needs 'secondary_area' for its secondary-age pupils", hint: "add secondary_area: with the secondary planning area's id"))
                    continue
                }
                guard let yields else {
                    errors.append(.invalidScenario(change.source, message: "housing needs a pupil yield table", hint: "add yields.csv to the data directory, or set assumptions: yield_table:"))
                    continue
                }
                let missing = Set(h.mix.keys).union(h.demolitionMix.keys).filter { yields.yields[$0] == nil }
                if !missing.isEmpty {
                    errors.append(.invalidScenario(where_(change, "mix"), message: "the yield table has no rows for \(missing.sorted().map(\.description).joined(separator: ", "))", hint: "add them to \(yields.file)"))
                    continue
                }
                var built = Array(repeating: Array(repeating: 0.0, count: YearGroup.count * A), count: horizon)
                defer { if let d = h.delivery, d != HousingDelivery() { uncertain.append((d, built)) } }
                for h0 in 0..<horizon {
                    let year = first + h0
                    for g in YearGroup.all {
                        var pupils = 0.0
                        for (y, n) in h.completions where y <= year {
                            for (type, share) in h.mix { pupils += n * share * yields.yield(type, yearsSinceCompletion: year - y, g) }
                        }
                        let completed = pupils
                        for (y, n) in h.demolitions where y <= year {
                            for (type, share) in h.demolitionMix { pupils -= n * share * yields.establishedYield(type, g) }
                        }
                        guard pupils != 0 || completed != 0 else { continue }
                        let target = g.index <= 6 || phase == .allThrough ? a : secondary!
                        guard data.areas[target].phase.yearGroups.contains(g) else { continue }
                        housing[h0][g.index * A + target] += pupils
                        housingEHCP[h0][g.index * A + target] += pupils * h.ehcpShare
                        built[h0][g.index * A + target] += completed
                    }
                }
            case .sendRate(let need, let factor):
                checkYear(change.year, change)
                levers.rates.append((need, change.year, factor))
            case .sendMoveInBorough(let need, let perYear):
                checkYear(change.year, change)
                levers.moves.append((need, change.year, perYear))
            case .sendTransferReduction(let share):
                checkYear(change.year, change)
                levers.transferReductions.append((change.year, share))
            case .birthsChange(let factor, let areas):
                checkYear(change.year, change)
                let indices = areas.isEmpty ? Array(0..<A) : areas.compactMap { area($0, change, field: "areas") }
                for h0 in 0..<horizon where first + h0 >= change.year {
                    for a in indices { receptionFactor[h0][a] *= factor }
                }
            case .ratioShock(let factor, let years, let groups, let areas):
                checkYear(years.lowerBound, change)
                checkYear(years.upperBound, change, field: "to")
                let indices = areas.isEmpty ? Array(0..<A) : areas.compactMap { area($0, change, field: "areas") }
                var factors = ratioFactor ?? Array(repeating: Array(repeating: 1.0, count: YearGroup.count * A), count: horizon)
                for h0 in 0..<horizon where years.contains(first + h0) {
                    for a in indices {
                        for g in groups {
                            if g == .reception { receptionFactor[h0][a] *= factor } else { factors[h0][g.index * A + a] *= factor }
                        }
                    }
                }
                ratioFactor = factors
            }
        }
        try PlacePlanError.check(errors)

        // A closing school's pupils: moved to the named schools' areas in proportion to their
        // PANs; with none named they stay in the area. Its share of the area comes from the
        // school rolls at the origin (or its share of the area's places when rolls are by area).
        var moves: [ClosureMove] = []
        for (change, i, targets) in closures where !targets.isEmpty {
            let s = schools[i]
            guard let from = areaIndex[s.areaID] else { continue }
            let share = closingShare(s, area: from, data: data, origin: origin, schools: schools)
            let weights = targets.map { Double(max(1, schools[$0].pan(admittedIn: change.year))) }
            let total = weights.reduce(0, +)
            let byArea = Dictionary(zip(targets.map { areaIndex[schools[$0].areaID]! }, weights.map { $0 / total }), uniquingKeysWith: +)
            let away = byArea.filter { $0.key != from }
            guard !away.isEmpty else { continue }
            moves.append(ClosureMove(from: from, year: change.year, yearGroups: s.yearGroups, share: share, targets: away.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }

        var specialist: [SpecialistPlacesEntry] = []
        func phase(of s: School) -> Phase {
            s.yearGroups.upperBound.index <= 6 ? .primary : (s.yearGroups.lowerBound.index >= 7 ? .secondary : .allThrough)
        }
        for s in schools {
            let kind: SpecialistPlacesEntry.Kind = s.phase == .special ? .special : .arp
            if s.arpPlaces.isEmpty, s.phase == .special {
                specialist.append(.init(school: s.id, schoolName: s.name, areaID: s.areaID, phase: phase(of: s), need: nil, kind: .special, places: SpecialistPlaces(school: s.id, need: .oth, places: [s.opens ?? AcademicYear(1900): s.netCapacity]), yearGroups: s.yearGroups, locality: s.locality))
            }
            for (need, n) in s.arpPlaces.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                specialist.append(.init(school: s.id, schoolName: s.name, areaID: s.areaID, phase: phase(of: s), need: need, kind: kind, places: SpecialistPlaces(school: s.id, need: need, places: [s.opens ?? AcademicYear(1900): n]), yearGroups: s.yearGroups, locality: s.locality))
            }
        }
        for (i, p) in extraSpecialist {
            let s = schools[i]
            specialist.append(.init(school: s.id, schoolName: s.name, areaID: s.areaID, phase: phase(of: s), need: p.need, kind: s.phase == .special ? .special : .arp, places: p, yearGroups: s.yearGroups, locality: s.locality))
        }
        var applied = AppliedScenario(
            scenario: scenario, schools: schools, model: model, thresholds: thresholds, births: births, receptionFactor: receptionFactor,
            ratioFactor: ratioFactor, housingPupils: housing, housingEHCP: housingEHCP, closureMoves: moves, specialistPlaces: specialist,
            sendLevers: levers)
        applied.uncertainDelivery = uncertain
        return applied
    }

    /// A school's share of its area's pupils in its year groups at the origin census.
    static func closingShare(_ s: School, area: Int, data: DataSet, origin: AcademicYear, schools: [School]) -> Double {
        if let rolls = data.schoolRolls[s.id], let y = data.rolls.yearIndex(origin) {
            var mine = 0.0, all = 0.0
            for g in s.yearGroups {
                mine += rolls[y * YearGroup.count + g.index].isNaN ? 0 : rolls[y * YearGroup.count + g.index]
                all += data.rolls.pupils(yearIndex: y, area: area, g) ?? 0
            }
            if all > 0 { return mine / all }
        }
        let placesOf = { (x: School) in s.yearGroups.reduce(0.0) { $0 + Double(x.places($1, in: origin)) } }
        let total = schools.filter { $0.areaID == s.areaID }.reduce(0.0) { $0 + placesOf($1) }
        return total > 0 ? placesOf(s) / total : 0
    }
}
