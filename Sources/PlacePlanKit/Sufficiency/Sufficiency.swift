/// Where a row stands against the operating margin.
public enum SufficiencyStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// More pupils than places.
    case deficit
    /// Surplus below the operating margin (e.g. under 5%).
    case belowMargin = "below margin"
    /// Surplus between the margin and the high-surplus threshold.
    case withinMargin = "within margin"
    /// Surplus above the high-surplus threshold (e.g. over 10%).
    case highSurplus = "high surplus"

    public var description: String { rawValue }

    /// The status of a surplus % (surplus / places) against the thresholds.
    public static func classify(places: Double, pupils: Double, thresholds: SufficiencyThresholds) -> SufficiencyStatus {
        guard places > 0 else { return pupils > 0 ? .deficit : .withinMargin }
        let share = (places - pupils) / places
        if share < 0 { return .deficit }
        if share < thresholds.margin { return .belowMargin }
        if share > thresholds.highSurplus { return .highSurplus }
        return .withinMargin
    }
}

/// The operating margin and the high-surplus threshold, as fractions of places.
public struct SufficiencyThresholds: Sendable, Hashable, Codable {
    public var margin: Double
    public var highSurplus: Double
    public init(margin: Double = 0.05, highSurplus: Double = 0.10) {
        self.margin = margin
        self.highSurplus = highSurplus
    }
}

/// Places against pupils for one planning area, phase and year in one scenario.
public struct SufficiencyRow: Sendable, Hashable, Codable {
    public var scenario: String
    public var areaID: String
    public var areaName: String
    public var phase: ReportingPhase
    public var year: AcademicYear
    /// Whether the year is a forecast (false for the origin census).
    public var isForecast: Bool
    /// Places summed over the phase's year groups.
    public var places: Double
    public var pupils: Double
    /// places − pupils (negative is a deficit).
    public var surplus: Double
    /// surplus / places (nil without places).
    public var surplusShare: Double?
    /// Places needed without offsetting between year groups: Σ_g max(0, pupils_g − places_g).
    public var shortfall: Double
    public var entryYearGroup: YearGroup
    public var entryPlaces: Double
    public var entryPupils: Double
    /// Forms of entry spare (positive) or short (negative) in the entry year group:
    /// (entry places − entry pupils) / 30.
    public var entryFormsOfEntry: Double
    public var status: SufficiencyStatus
    public var entryStatus: SufficiencyStatus
    /// From random draws, when run: quantiles of pupils (2.5 ... 97.5%) and the
    /// probabilities of a deficit in the phase and in the entry year group, and of a
    /// surplus above the high-surplus threshold.
    public var pupilsQuantiles: [Double]? = nil
    public var probabilityDeficit: Double? = nil
    public var probabilityEntryDeficit: Double? = nil
    public var probabilityHighSurplus: Double? = nil
}

/// What the summaries (table and report) say of one area and phase, read from its rows.
extension Sequence where Element == SufficiencyRow {
    /// The first forecast year in deficit.
    var firstDeficit: SufficiencyRow? { first { $0.isForecast && $0.status == .deficit } }

    /// The forecast year with the least surplus (no places at all counts as the least).
    var leastSurplus: SufficiencyRow? {
        filter(\.isForecast).min { ($0.surplusShare ?? -.infinity) < ($1.surplusShare ?? -.infinity) }
    }

    /// The forecast year with the highest chance of a deficit, the first of equals (nil
    /// without draws).
    var likeliestDeficit: SufficiencyRow? {
        filter { $0.isForecast && $0.probabilityDeficit != nil }.max { $0.probabilityDeficit! < $1.probabilityDeficit! }
    }
}

/// Places against pupils for one year group (the DfE's unit of comparison).
public struct YearGroupRow: Sendable, Hashable, Codable {
    public var scenario: String
    public var areaID: String
    public var year: AcademicYear
    public var yearGroup: YearGroup
    public var places: Double
    public var pupils: Double
    public var surplus: Double
    public var surplusShare: Double?
    public var status: SufficiencyStatus
}

/// A sufficiency assessment: every area, phase and year of a forecast against places.
public struct SufficiencyReport: Sendable {
    /// The thresholds of each column (scenario).
    public var thresholds: [SufficiencyThresholds]
    public var rows: [SufficiencyRow]
    public var yearGroupRows: [YearGroupRow]

    /// Compares a scenario forecast with each scenario's places and thresholds.
    public init(_ run: ScenarioForecast) {
        self.init(forecast: run.forecast, schools: run.schools, thresholds: run.thresholds)
        guard let draws = run.draws else { return }
        let index = Dictionary(run.forecast.areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let column = Dictionary(run.forecast.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for i in rows.indices {
            let r = rows[i]
            let d = draws[column[r.scenario]!], a = index[r.areaID]!, h = r.year - run.forecast.origin
            rows[i].pupilsQuantiles = (0..<UncertaintySettings.quantiles.count).map { d.total(step: h, area: a, phase: r.phase, $0) }
            let k = d.index(h, a, r.phase)
            rows[i].probabilityDeficit = d.shortfall[k]
            rows[i].probabilityEntryDeficit = d.entryShortfall[k]
            rows[i].probabilityHighSurplus = d.highSurplus[k]
        }
    }

    /// Pupils in one form of entry.
    public static let formOfEntry = 30.0

    /// Compares a forecast with the places of `schools` (one school list and one set of
    /// thresholds per forecast column, so that scenarios can change them), from the origin
    /// census to the horizon.
    public init(forecast: Forecast, schools: [[School]], thresholds: [SufficiencyThresholds]) {
        precondition(schools.count == forecast.columns.count && thresholds.count == forecast.columns.count)
        self.thresholds = thresholds
        var rows: [SufficiencyRow] = []
        var groupRows: [YearGroupRow] = []
        let years = [forecast.origin] + forecast.years
        for (c, scenario) in forecast.columns.enumerated() {
            let thresholds = thresholds[c]
            let places = Self.places(schools: schools[c], areas: forecast.areas, years: years)
            let assessed = Self.assessed(schools: schools[c])
            for (a, area) in forecast.areas.enumerated() {
                for phase in ReportingPhase.allCases where area.phase.yearGroups.contains(phase.entryYearGroup) && assessed.contains("\(area.id) \(phase)") {
                    for (h, year) in years.enumerated() {
                        var totalPlaces = 0.0, totalPupils = 0.0, shortfall = 0.0
                        for g in phase.yearGroups {
                            let p = places[h][g.index][a]
                            let n = forecast.pupils(year, area: a, g, column: c)
                            totalPlaces += p
                            totalPupils += n
                            shortfall += max(0, n - p)
                            groupRows.append(
                                YearGroupRow(
                                    scenario: scenario, areaID: area.id, year: year, yearGroup: g, places: p, pupils: n,
                                    surplus: p - n, surplusShare: p > 0 ? (p - n) / p : nil,
                                    status: .classify(places: p, pupils: n, thresholds: thresholds)))
                        }
                        let entry = phase.entryYearGroup
                        let entryPlaces = places[h][entry.index][a]
                        let entryPupils = forecast.pupils(year, area: a, entry, column: c)
                        rows.append(
                            SufficiencyRow(
                                scenario: scenario, areaID: area.id, areaName: area.name, phase: phase, year: year,
                                isForecast: h > 0, places: totalPlaces, pupils: totalPupils, surplus: totalPlaces - totalPupils,
                                surplusShare: totalPlaces > 0 ? (totalPlaces - totalPupils) / totalPlaces : nil,
                                shortfall: shortfall, entryYearGroup: entry, entryPlaces: entryPlaces, entryPupils: entryPupils,
                                entryFormsOfEntry: (entryPlaces - entryPupils) / Self.formOfEntry,
                                status: .classify(places: totalPlaces, pupils: totalPupils, thresholds: thresholds),
                                entryStatus: .classify(places: entryPlaces, pupils: entryPupils, thresholds: thresholds)))
                    }
                }
            }
        }
        self.rows = rows
        yearGroupRows = groupRows
    }

    /// The areas and phases ("P01 primary") whose places the data knows: those with a
    /// mainstream school (open or not) teaching the phase. Others are left out of the
    /// assessment rather than shown as short of every place (an LA without published
    /// capacity, on the DfE route).
    public static func assessed(schools: [School]) -> Set<String> {
        var out = Set<String>()
        for s in schools where s.phase != .special {
            for phase in ReportingPhase.allCases where s.yearGroups.overlaps(phase.yearGroups) { out.insert("\(s.areaID) \(phase)") }
        }
        return out
    }

    /// Mainstream places: places[year index][year group][area], summed over open schools.
    public static func places(schools: [School], areas: [PlanningArea], years: [AcademicYear]) -> [[[Double]]] {
        let index = Dictionary(areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out = Array(repeating: Array(repeating: Array(repeating: 0.0, count: areas.count), count: YearGroup.count), count: years.count)
        for school in schools where school.phase != .special {
            guard let a = index[school.areaID] else { continue }
            for (h, year) in years.enumerated() {
                for g in school.yearGroups { out[h][g.index][a] += Double(school.places(g, in: year)) }
            }
        }
        return out
    }
}
