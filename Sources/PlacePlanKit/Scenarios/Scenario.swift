/// A "what if": a named set of changes to places, housing and assumptions, read from a
/// YAML file (see `scenarios/README.md`).
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    /// The file it was read from, and the files it extends (nearest first).
    public var file: String
    public var extendsChain: [String]
    public var assumptions: ScenarioAssumptions
    /// The base scenario's changes first, then this file's.
    public var changes: [ScenarioChange]

    public init(name: String, description: String = "", file: String = "", extendsChain: [String] = [], assumptions: ScenarioAssumptions = ScenarioAssumptions(), changes: [ScenarioChange] = []) {
        self.name = name
        self.description = description
        self.file = file
        self.extendsChain = extendsChain
        self.assumptions = assumptions
        self.changes = changes
    }

    /// The implicit scenario when none is given: the data as it is.
    public static let baseline = Scenario(name: "baseline", description: "No changes: the trend forecast.")
}

/// Assumptions a scenario may set; unset ones come from the command line or the defaults.
public struct ScenarioAssumptions: Sendable, Hashable {
    public var method: RatioMethod?
    public var intakeMethod: RatioMethod?
    public var births: BirthsProjection?
    /// A births file (placeplan births format) whose rows replace or extend the data's births.
    public var birthsFile: String?
    public var horizon: Int?
    public var margin: Double?
    public var highSurplus: Double?
    /// A pupil yield table to use instead of `data/yields.csv`.
    public var yieldTable: String?
    /// Census years whose ratios are left out of estimation (`exclude_years`).
    public var excludeYears: Set<AcademicYear>?
    /// Where each assumption was set, for messages.
    public var locations: [String: SourceLocation] = [:]

    public init() {}

    /// This file's assumptions over a base's: each one set here wins.
    func overriding(_ base: ScenarioAssumptions) -> ScenarioAssumptions {
        var out = base
        if let method { out.method = method }
        if let intakeMethod { out.intakeMethod = intakeMethod }
        if let births { out.births = births }
        if let birthsFile { out.birthsFile = birthsFile }
        if let horizon { out.horizon = horizon }
        if let margin { out.margin = margin }
        if let highSurplus { out.highSurplus = highSurplus }
        if let excludeYears { out.excludeYears = excludeYears }
        if let yieldTable { out.yieldTable = yieldTable }
        out.locations.merge(locations) { _, new in new }
        return out
    }
}

/// A kind of dwelling, as the pupil yield table distinguishes them.
public struct DwellingType: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable { case house, flat }
    public enum Tenure: String, Sendable, CaseIterable { case market, affordable }
    public var kind: Kind
    /// 1 to 4, where 4 means four or more.
    public var bedrooms: Int
    public var tenure: Tenure

    public init(_ kind: Kind, bedrooms: Int, _ tenure: Tenure) {
        self.kind = kind
        self.bedrooms = bedrooms
        self.tenure = tenure
    }

    public var description: String { "\(bedrooms)-bed \(tenure.rawValue) \(kind.rawValue)" }

    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}

/// A housing development or regeneration scheme: homes built and demolished by year.
public struct HousingDevelopment: Sendable {
    public var name: String
    /// The primary (or all-through) planning area that takes its primary-age pupils.
    public var area: String
    /// The secondary planning area that takes its secondary-age pupils (when `area` is primary).
    public var secondaryArea: String?
    /// Dwellings completed by academic year.
    public var completions: [AcademicYear: Double]
    /// Dwellings demolished by academic year (regeneration decants).
    public var demolitions: [AcademicYear: Double]
    /// Shares of the completions by dwelling type (sum to 1).
    public var mix: [DwellingType: Double]
    /// Shares of the demolished homes by type (default: the same as `mix`).
    public var demolitionMix: [DwellingType: Double]
    /// Share of yielded pupils with an EHCP (default 4%), for the SEND model.
    public var ehcpShare: Double
    /// How uncertain delivery is, for the draws (nil: built as written).
    public var delivery: HousingDelivery? = nil
}

/// Delivery uncertainty of a housing scheme, sampled by the draws: each draw builds a share
/// of the completions drawn uniformly from `share` and puts them back by a whole number of
/// years drawn uniformly from 0 ... `maximumDelay`. The point forecast builds them as written.
public struct HousingDelivery: Sendable, Hashable {
    public var share: ClosedRange<Double>
    public var maximumDelay: Int

    public init(share: ClosedRange<Double> = 1...1, maximumDelay: Int = 0) {
        self.share = share
        self.maximumDelay = maximumDelay
    }
}

/// Specialist places for one need at one school.
public struct SpecialistPlaces: Sendable, Hashable {
    public var school: String
    public var need: PrimaryNeed
    /// Places by academic year from the first; later years keep the last value.
    public var places: [AcademicYear: Int]

    public func places(in year: AcademicYear) -> Int {
        places.filter { $0.key <= year }.max { $0.key < $1.key }?.value ?? 0
    }
}

/// One change in a scenario, from a year.
public struct ScenarioChange: Sendable {
    public enum Kind: Sendable {
        /// New homes (and demolitions) whose pupils add to the trend forecast.
        case housing(HousingDevelopment)
        /// A one-off extra class of `places` admitted in the change's year at a school.
        case bulge(school: String, places: Int)
        /// A permanent PAN from the change's year (an expansion or a reduction): the new
        /// PAN, or when `relative` the change to the PAN then in force (e.g. +30).
        case panChange(school: String, pan: Int, relative: Bool)
        /// A new school opening in the change's year, with the year groups it opens with.
        case newSchool(School, openingYearGroups: [YearGroup])
        /// A school closing from the change's year; its pupils move to `moveTo` (or stay
        /// in the area when empty).
        case closure(school: String, moveTo: [String])
        /// ARP places at a mainstream school, or designated places at a special school.
        case specialistPlaces(SpecialistPlaces)
        /// SEND: new-plan rates for a need (or every need) scaled by `factor` from the year.
        case sendRate(need: PrimaryNeed?, factor: Double)
        /// SEND: `pupilsPerYear` more pupils a year moved from independent to in-borough
        /// special places from the year (for a need, or shared over all).
        case sendMoveInBorough(need: PrimaryNeed?, pupilsPerYear: Double)
        /// SEND: out-of-borough placements of cohorts passing a transfer point from the year
        /// reduced by `share`.
        case sendTransferReduction(share: Double)
        /// Births feeding Reception from the change's year scaled by `factor` (in `areas`, or all).
        case birthsChange(factor: Double, areas: [String])
        /// Cohort ratios into `yearGroups` scaled by `factor` in `years` (in `areas`, or all):
        /// a migration shock. Reception scales the intake.
        case ratioShock(factor: Double, years: ClosedRange<AcademicYear>, yearGroups: [YearGroup], areas: [String])
    }

    public var year: AcademicYear
    public var kind: Kind
    /// Where the change was written; `fields` locates its keys for later checks.
    public var source: SourceLocation
    public var fields: [String: SourceLocation]

    /// The last year in which the change starts to act: the last completion or demolition
    /// of housing, the end of a ratio shock, the last step of specialist places; else `year`.
    public var lastYear: AcademicYear {
        switch kind {
        case .housing(let h): return (Array(h.completions.keys) + Array(h.demolitions.keys)).max() ?? year
        case .ratioShock(_, let years, _, _): return years.upperBound
        case .specialistPlaces(let p): return max(year, p.places.keys.max() ?? year)
        default: return year
        }
    }

    /// The ``summary``, marked where the change reaches past the forecast's `last` year:
    /// a change after it has no effect on the figures, and one that runs past it acts only
    /// up to it.
    public func summary(forecastTo last: AcademicYear) -> String {
        if year > last { return summary + " (after \(last), outside this forecast)" }
        if lastYear > last { return summary + " (to \(last) in this forecast)" }
        return summary
    }

    /// One line describing the change, for the top of reports.
    public var summary: String {
        switch kind {
        case .housing(let h):
            let built = h.completions.values.reduce(0, +), gone = h.demolitions.values.reduce(0, +)
            let last = h.completions.keys.max() ?? year
            return "\(year)-\(last) housing '\(h.name)' in \(h.area)\(h.secondaryArea.map { "/\($0)" } ?? ""): "
                + "\(Format.count(built)) homes built" + (gone > 0 ? ", \(Format.count(gone)) demolished" : "")
        case .bulge(let school, let places): return "\(year) bulge class +\(places) at \(school)"
        case .panChange(let school, let pan, let relative):
            return relative ? "\(year) PAN of \(school) changes by \(pan > 0 ? "+" : "")\(pan)" : "\(year) PAN of \(school) becomes \(pan)"
        case .newSchool(let s, let groups):
            return "\(year) new \(s.phase) school \(s.id) '\(s.name)' in \(s.areaID), PAN \(s.pan), opening with \(groups.map(\.description).joined(separator: ","))"
        case .closure(let school, let moveTo):
            return "\(year) closure of \(school)" + (moveTo.isEmpty ? " (pupils stay in the area)" : ", pupils move to \(moveTo.joined(separator: ", "))")
        case .specialistPlaces(let p):
            let steps = p.places.sorted { $0.key < $1.key }.map { "\($0.key.startYear): \($0.value)" }.joined(separator: ", ")
            return "\(year) \(p.need) specialist places at \(p.school) (\(steps))"
        case .sendRate(let need, let factor):
            return "\(year) new-plan rates\(need.map { " for \($0)" } ?? "") x\(Format.decimal(factor, places: 3))"
        case .sendMoveInBorough(let need, let n):
            return "\(year) move \(Format.count(n)) \(need.map { "\($0) " } ?? "")pupils a year from independent to in-borough special places"
        case .sendTransferReduction(let share):
            return "\(year) out-of-borough placements at transfer points \(Format.percent(-share))"
        case .birthsChange(let factor, let areas):
            return "\(year) births feeding Reception x\(Format.decimal(factor, places: 3))" + (areas.isEmpty ? "" : " in \(areas.joined(separator: ", "))")
        case .ratioShock(let factor, let years, let groups, let areas):
            return "\(years.lowerBound)-\(years.upperBound) cohort ratios into \(groups.map(\.description).joined(separator: ",")) x\(Format.decimal(factor, places: 3))"
                + (areas.isEmpty ? "" : " in \(areas.joined(separator: ", "))")
        }
    }
}
