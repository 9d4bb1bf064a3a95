/// A planning area: schools planned together. Pupils are counted where their school is.
public struct PlanningArea: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var phase: Phase
    /// The local authority the area belongs to (a code or name); births are looked up by it
    /// when the births file has no series for the area itself.
    public var localAuthority: String

    public init(id: String, name: String, phase: Phase, localAuthority: String) {
        self.id = id
        self.name = name
        self.phase = phase
        self.localAuthority = localAuthority
    }
}

/// A school and the places it offers.
public struct School: Sendable, Hashable {
    public var id: String
    public var name: String
    public var areaID: String
    public var phase: Phase
    /// The year groups the school teaches, e.g. R...Y6, Y7...Y13.
    public var yearGroups: ClosedRange<YearGroup>
    /// Published admission number: places in the entry year group.
    public var pan: Int
    /// Net capacity: places across all year groups.
    public var netCapacity: Int
    /// The first academic year with pupils, when the school opened within the data.
    public var opens: AcademicYear?
    /// The first academic year without pupils, when the school closes.
    public var closes: AcademicYear?
    /// Additional resource provision (ARP) places by primary need.
    public var arpPlaces: [PrimaryNeed: Int]
    /// The planning areas whose children the school's specialist places serve (a special
    /// school for a locality); empty: the whole authority.
    public var locality: [String] = []
    /// Permanent PAN changes (expansions and reductions) by the entry year they start in.
    public var panChanges: [AcademicYear: Int] = [:]
    /// One-off bulge classes: extra entry-year places by the year they are admitted.
    public var bulges: [AcademicYear: Int] = [:]
    /// For a school opening within the forecast: the year groups it opens with (default
    /// its entry year group alone); the cohorts in them at opening move up as usual.
    public var openingYearGroups: [YearGroup]? = nil

    public init(
        id: String, name: String, areaID: String, phase: Phase, yearGroups: ClosedRange<YearGroup>,
        pan: Int, netCapacity: Int, opens: AcademicYear? = nil, closes: AcademicYear? = nil,
        arpPlaces: [PrimaryNeed: Int] = [:]
    ) {
        self.id = id
        self.name = name
        self.areaID = areaID
        self.phase = phase
        self.yearGroups = yearGroups
        self.pan = pan
        self.netCapacity = netCapacity
        self.opens = opens
        self.closes = closes
        self.arpPlaces = arpPlaces
    }

    /// Whether the school has pupils in an academic year.
    public func isOpen(in year: AcademicYear) -> Bool {
        (opens.map { year >= $0 } ?? true) && (closes.map { year < $0 } ?? true)
    }

    /// The entry year group (Reception, or Year 7 for a secondary school).
    public var entryYearGroup: YearGroup { yearGroups.lowerBound }

    /// The PAN in force for the cohort admitted in `entryYear`.
    public func pan(admittedIn entryYear: AcademicYear) -> Int {
        panChanges.filter { $0.key <= entryYear }.max { $0.key < $1.key }?.value ?? pan
    }

    /// Places per sixth-form year group: net capacity less the PAN-based places of the
    /// compulsory year groups, shared over the sixth-form year groups (never negative).
    public var sixthFormPlacesPerYear: Int {
        let sixth = yearGroups.filter { $0 >= YearGroup.year12 }.count
        guard sixth > 0 else { return 0 }
        let compulsory = yearGroups.count - sixth
        return max(0, (netCapacity - pan * compulsory) / sixth)
    }

    /// Mainstream places in year group `g` in `year`.
    ///
    /// Places follow the cohort: a year group has the PAN (plus any bulge class) of the year
    /// its cohort was admitted, so an expansion or a bulge moves up one year group a year and
    /// a new school fills from its entry year. Sixth-form year groups take
    /// ``sixthFormPlacesPerYear``. Zero when the school is closed or does not teach `g`.
    public func places(_ g: YearGroup, in year: AcademicYear) -> Int {
        guard phase != .special, yearGroups.contains(g), isOpen(in: year) else { return 0 }
        let admitted = year - (g.index - entryYearGroup.index)
        if let opens, year - opens < g.index - entryYearGroup.index {
            // The cohort was already in the school's year groups when it opened: only the
            // year groups it opened with have places.
            let atOpening = g.index - (year - opens)
            guard atOpening >= 0, openingYearGroups?.contains(YearGroup(atOpening)) == true else { return 0 }
        }
        if g >= YearGroup.year12, entryYearGroup < YearGroup.year12 { return sixthFormPlacesPerYear }
        return pan(admittedIn: admitted) + (bulges[admitted] ?? 0)
    }
}

/// January census rolls by academic year, planning area and year group.
///
/// Stored dense; a missing value (a DfE suppression code in the input) is `nil`, never zero.
/// Year groups outside an area's phase are zero.
public struct RollHistory: Sendable {
    public let areaIDs: [String]
    /// Consecutive academic years, oldest first.
    public let years: [AcademicYear]
    var values: [Double]
    /// Where each missing value came from, so that an error can point at it.
    var missingSources: [Int: SourceLocation]
    /// The census years (indices) of the areas whose series is shorter than the history (an
    /// LA created or abolished by a reorganisation); outside its span every value is missing.
    var spans: [Int: ClosedRange<Int>] = [:]

    public init(areaIDs: [String], years: [AcademicYear]) {
        self.areaIDs = areaIDs
        self.years = years
        values = Array(repeating: 0, count: areaIDs.count * years.count * YearGroup.count)
        missingSources = [:]
    }

    func offset(_ yearIndex: Int, _ area: Int, _ g: YearGroup) -> Int {
        (yearIndex * areaIDs.count + area) * YearGroup.count + g.index
    }

    /// Pupils at a census, or nil when the value is missing.
    public func pupils(yearIndex: Int, area: Int, _ g: YearGroup) -> Double? {
        let v = values[offset(yearIndex, area, g)]
        return v.isNaN ? nil : v
    }

    public mutating func set(yearIndex: Int, area: Int, _ g: YearGroup, _ value: Double?, source: SourceLocation? = nil) {
        let o = offset(yearIndex, area, g)
        values[o] = value ?? .nan
        if value == nil, let source { missingSources[o] = source }
    }

    /// The census years (indices) an area has: all of them unless its series starts late or
    /// ends early.
    public func span(area: Int) -> ClosedRange<Int> { spans[area] ?? 0...(years.count - 1) }

    /// Whether an area has a census in a year (its values may still be suppressed).
    public func hasCensus(yearIndex: Int, area: Int) -> Bool { span(area: area).contains(yearIndex) }

    /// Limits an area's series to `years` (indices): every value outside is missing.
    public mutating func setSpan(area: Int, years span: ClosedRange<Int>) {
        guard span != 0...(years.count - 1) else {
            spans[area] = nil
            return
        }
        spans[area] = span
        for y in years.indices where !span.contains(y) {
            for g in YearGroup.all { values[offset(y, area, g)] = .nan }
        }
    }

    /// Where a missing value came from, if it was read from a file.
    public func sourceOfMissing(yearIndex: Int, area: Int, _ g: YearGroup) -> SourceLocation? {
        missingSources[offset(yearIndex, area, g)]
    }

    public func yearIndex(_ year: AcademicYear) -> Int? {
        guard let first = years.first, year >= first, year - first < years.count else { return nil }
        return year - first
    }

    /// The history up to and including `year`: what was known at that census.
    public func truncated(through year: AcademicYear) -> RollHistory {
        guard let last = yearIndex(year) else { return self }
        var copy = RollHistory(areaIDs: areaIDs, years: Array(years[...last]))
        copy.values = Array(values[..<((last + 1) * areaIDs.count * YearGroup.count)])
        copy.missingSources = missingSources.filter { $0.key < copy.values.count }
        for (a, span) in spans {
            // An area whose series starts after `year` has no census left; it keeps an empty
            // span (lowerBound past the end), which ``hasCensus`` reads as absent.
            copy.spans[a] = span.lowerBound <= last ? span.lowerBound...min(span.upperBound, last) : (last + 1)...(last + 1)
        }
        return copy
    }

    /// The rolls of a subset of areas, in the given order.
    public func selecting(areas indices: [Int]) -> RollHistory {
        selecting(areas: indices, years: years.indices)
    }

    /// The rolls of a subset of areas over a run of years (indices), in the given order.
    public func selecting(areas indices: [Int], years kept: Range<Int>) -> RollHistory {
        var copy = RollHistory(areaIDs: indices.map { areaIDs[$0] }, years: Array(years[kept]))
        for (newYear, y) in kept.enumerated() {
            for (newIndex, old) in indices.enumerated() {
                for g in YearGroup.all {
                    let o = offset(y, old, g), n = copy.offset(newYear, newIndex, g)
                    copy.values[n] = values[o]
                    if let source = missingSources[o] { copy.missingSources[n] = source }
                }
            }
        }
        for (newIndex, old) in indices.enumerated() {
            guard let span = spans[old] else { continue }
            let lo = max(span.lowerBound, kept.lowerBound) - kept.lowerBound
            let hi = min(span.upperBound, kept.upperBound - 1) - kept.lowerBound
            copy.spans[newIndex] = lo <= hi ? lo...hi : copy.years.count...copy.years.count
        }
        return copy
    }
}

/// Live births in one 12-month period to the end of June ("mid-year"), for one area or LA.
public struct BirthSeries: Sendable, Hashable {
    /// The area id or local authority code this series is for.
    public let key: String
    /// Births by mid-year: 2007 means July 2006 to June 2007, the cohort that starts
    /// Reception in September 2011 (academic year 2011/12).
    public var births: [Int: Double]
    /// Lower and upper ends of a stated interval, for projected years that carry one.
    public var lower: [Int: Double]
    public var upper: [Int: Double]
    /// Mid-years that are projections rather than registrations.
    public var projected: Set<Int>

    public init(key: String, births: [Int: Double] = [:]) {
        self.key = key
        self.births = births
        lower = [:]
        upper = [:]
        projected = []
    }

    /// Births known by a given mid-year (registrations and supplied projections up to it).
    public func truncated(throughMidYear last: Int) -> BirthSeries {
        var copy = self
        copy.births = births.filter { $0.key <= last }
        copy.lower = lower.filter { $0.key <= last }
        copy.upper = upper.filter { $0.key <= last }
        copy.projected = projected.filter { $0 <= last }
        return copy
    }

    /// The mid-year of births that feeds Reception in `year`: four years before it starts.
    public static func midYear(feeding year: AcademicYear) -> Int { year.startYear - 4 }

    /// The births of places that together make up one (districts of a county, the LAs of a
    /// reorganisation), summed over the mid-years every part has; a year is projected if any
    /// part's is, and intervals are added end to end, as if the parts' errors moved together.
    /// Nil when there are no parts or no year they all have.
    static func sum(_ parts: [BirthSeries], key: String) -> BirthSeries? {
        guard let first = parts.first else { return nil }
        var sum = BirthSeries(key: key)
        for y in first.births.keys.sorted() where parts.allSatisfy({ $0.births[y] != nil }) {
            sum.births[y] = parts.reduce(0) { $0 + $1.births[y]! }
            if parts.contains(where: { $0.projected.contains(y) }) { sum.projected.insert(y) }
            if parts.allSatisfy({ $0.lower[y] != nil && $0.upper[y] != nil }) {
                sum.lower[y] = parts.reduce(0) { $0 + $1.lower[y]! }
                sum.upper[y] = parts.reduce(0) { $0 + $1.upper[y]! }
            }
        }
        return sum.births.isEmpty ? nil : sum
    }
}

/// The share of each primary planning area's Year 6 who move to each secondary planning
/// area's Year 7 (from admissions data). Shares out of one primary area may sum to less than
/// one: the rest leave the authority's state schools.
public struct TransferShares: Sendable, Hashable {
    /// share[secondary id][primary id]
    public var shares: [String: [String: Double]]
    public init(shares: [String: [String: Double]]) { self.shares = shares }
}

/// A data set held inside another (``DataSet/calibrationPool``), by reference: a value type
/// cannot hold a value of its own type.
public final class CalibrationPool: Sendable {
    public let data: DataSet

    public init(_ data: DataSet) { self.data = data }
}

/// Everything a forecast is made from.
public struct DataSet: Sendable {
    /// A short label for output (the data directory, or the importer's description).
    public var label: String
    /// The folder the data was read from (scenario files may read files in it).
    public var directory: String?
    public var areas: [PlanningArea]
    public var schools: [School]
    public var rolls: RollHistory
    /// Birth series by area id or local authority code.
    public var births: [String: BirthSeries]
    public var transfers: TransferShares?
    /// Pupil yield of new homes, when the data has `yields.csv`.
    public var yields: PupilYieldTable?
    /// Rolls by school and year group (index yearIndex * 14 + g), when rolls were given by
    /// school: used to move a closing school's pupils.
    public var schoolRolls: [String: [Double]] = [:]
    /// The files the data came from.
    public var sourceFiles: [String]
    /// The LA reorganisations that concern the data's authorities (DfE route).
    public var reorganisations: [LocalAuthorityReorganisation] = []
    /// What the loader did that a user should know of (an LA skipped and why, births summed
    /// from districts, series merged across a reorganisation), one line each.
    public var notes: [String] = []
    /// The areas ``atOrigin(_:)`` left out that a forecast could otherwise hold (no census
    /// at the origin without a reorganisation to explain it, no births, a suppressed cell), by
    /// id, with the note that says why (also in ``notes``). `placeplan check` warns of them.
    public var leftOut: [String: String] = [:]
    /// LA-level mainstream places (the DfE scorecards' `school_capacity_la.csv`), when the
    /// data has them; they become one school per LA and phase.
    public var capacity: LACapacity? = nil
    /// On the DfE route, the LAs whose places come from the data folder's own schools.csv
    /// (the user's schools, which win over the scorecards' LA places).
    public var ownSchoolAreas: Set<String> = []
    /// Areas that are several LAs merged across a reorganisation: their LA numbers.
    public var mergedAreas: [String: [String]] = [:]
    /// The areas a user asked for (`--la`), when the loader kept others beside them: the
    /// other members of their reorganisations, needed to merge a series across the break.
    /// A forecast shows only these (or a merged area holding one of them).
    public var requestedAreas: Set<String>? = nil
    /// Whether each area is a whole local authority, named by its DfE LA number (the DfE
    /// route).
    public var isLAData = false
    /// Every authority of the file, when `--la` chose some of them (DfE route): `auto`
    /// chooses the estimators of the chosen ones by validation on all of them
    /// (``CohortModel/fit(_:options:)``), and their intervals are calibrated on the inner
    /// backtests of all of them (``EmpiricalErrors/measure(_:options:)``); the
    /// forecast is still of the chosen ones, from their own ratios.
    public var calibrationPool: CalibrationPool? = nil

    /// The whole file of ``calibrationPool`` as known at this data's last census (the
    /// authorities a forecast from it would keep), without a pool of its own: what `auto`
    /// chooses on and the intervals calibrate on. Nil without a pool, or when it holds no
    /// more areas than this data.
    public var poolAtOrigin: DataSet? {
        guard let whole = calibrationPool?.data, whole.rolls.yearIndex(lastCensus) != nil else { return nil }
        var pool = whole.asKnownRolls(at: lastCensus).atOrigin(lastCensus)
        pool.calibrationPool = nil
        return pool.areas.count > areas.count ? pool : nil
    }

    /// The fewest areas of a phase whose past errors calibrate its intervals well: backtested,
    /// data sets of one to three areas (with nothing to pool with) had bands too narrow, their
    /// 80% bands holding 54-84% of outcomes; five, 66-91%; a whole folder of LAs, close to the
    /// target (docs/uncertainty.md).
    public static let areasToCalibrate = 4

    /// What a run with draws says when a phase's intervals rest on fewer than
    /// ``areasToCalibrate`` areas' errors and there is no ``calibrationPool``.
    public var fewAreasNote: String? {
        guard calibrationPool == nil else { return nil }
        let few = ReportingPhase.allCases.compactMap { p -> (ReportingPhase, Int)? in
            let n = areas.filter { $0.phase.yearGroups.contains(p.entryYearGroup) }.count
            return n > 0 && n < Self.areasToCalibrate ? (p, n) : nil
        }
        guard !few.isEmpty else { return nil }
        let what = few.map { "\($0.0) \($0.1) area\($0.1 == 1 ? "" : "s")" }.joined(separator: ", ")
        return "the intervals rest on the past errors of few areas (\(what)): backtested, bands from one to three areas "
            + "were too narrow (an 80% band held 54-84% of outcomes); read them as the least the uncertainty is"
    }

    /// What a run with draws says of what its intervals learnt from: the file's other
    /// authorities (``calibrationPoolNote(_:)``), or too few areas (``fewAreasNote``); nil when
    /// neither applies.
    public func calibrationNote(_ options: ModelOptions) -> String? { calibrationPoolNote(options) ?? fewAreasNote }

    /// What a run with draws says of ``calibrationPool``, when there is one.
    public func calibrationPoolNote(_ options: ModelOptions) -> String? {
        guard let pool = calibrationPool?.data else { return nil }
        let (who, its) = poolWho
        return "the intervals of \(who) learn from the forecast errors of all \(pool.areas.count) authorities in the file; "
            + "the forecast is from \(its) own ratios"
            + (options.choosesEstimators ? ", with the estimators that validate best over them all (auto)" : "")
    }

    /// What a run without draws says of ``calibrationPool`` when `auto` chooses the
    /// estimators there (with draws, ``calibrationPoolNote(_:)`` says it).
    public func estimatorPoolNote(_ options: ModelOptions) -> String? {
        guard let pool = calibrationPool?.data, options.choosesEstimators else { return nil }
        let (who, its) = poolWho
        return "\(who): the forecast is from \(its) own ratios, with the estimators that validate best over all "
            + "\(pool.areas.count) authorities in the file (auto)"
    }

    private var poolWho: (who: String, its: String) {
        let shown = shownAreas
        return shown.count == 1 ? ("\(shown[0].id) \(shown[0].name)", "its") : ("the \(shown.count) authorities chosen", "their")
    }

    public init(
        label: String, areas: [PlanningArea], schools: [School], rolls: RollHistory,
        births: [String: BirthSeries], transfers: TransferShares? = nil, sourceFiles: [String] = []
    ) {
        self.label = label
        self.areas = areas
        self.schools = schools
        self.rolls = rolls
        self.births = births
        self.transfers = transfers
        self.sourceFiles = sourceFiles
    }

    /// The birth series that feeds an area's Reception: its own, else its authority's.
    public func birthSeries(for area: PlanningArea) -> BirthSeries? {
        births[area.id] ?? births[area.localAuthority]
    }

    public func areaIndex(_ id: String) -> Int? { areas.firstIndex { $0.id == id } }

    /// The year groups of area `a`'s phase with no count at census `yearIndex` (suppressed, or
    /// no row): a forecast cannot start from that census for the area.
    public func missingYearGroups(area a: Int, yearIndex t: Int) -> [YearGroup] {
        areas[a].phase.yearGroups.filter { rolls.pupils(yearIndex: t, area: a, $0) == nil }
    }

    /// The error for census years left out of estimation that come after `census`, the last
    /// one the forecast learns from (`describedAs` names it): none can be left out, so each is
    /// a typo or a year not yet counted, never to be obeyed silently as nothing. Nil when
    /// there are none.
    public static func excludedAfterCensus(
        _ excluded: Set<AcademicYear>, census: AcademicYear, describedAs: String
    ) -> (message: String, hint: String)? {
        let after = excluded.filter { $0 > census }.sorted()
        guard !after.isEmpty else { return nil }
        return ("\(after.map(\.description).joined(separator: ", ")) \(after.count == 1 ? "is" : "are") after \(describedAs)", "list census years up to \(census), or none")
    }

    /// A note for census years left out of estimation (`--exclude-years`, `exclude_years`)
    /// that come before the first of `census`: there is nothing to leave out (an LA whose
    /// series starts after a reorganisation). Nil when there are none.
    public static func excludedBeforeDataNote(_ excluded: Set<AcademicYear>, census: [AcademicYear]) -> String? {
        guard let first = census.first else { return nil }
        let before = excluded.filter { $0 < first }.sorted()
        guard !before.isEmpty else { return nil }
        return "\(before.map(\.description).joined(separator: ", ")), left out of estimation, \(before.count == 1 ? "is" : "are") before the data's first census (\(first)): nothing to leave out"
    }

    /// On the DfE route, a note when a forecast from `origin` shows years before the first
    /// year of the LA places file with places in it (`--from 2016/17`, or the last census
    /// 2022/23, with scorecards whose 2022/23 rows are `x`): each LA's latest places are held
    /// for every year (``LACapacity``), so those years are compared with later places, not
    /// the places of the time. Nil otherwise.
    public func capacityBeforeItsYearsNote(origin: AcademicYear) -> String? {
        let years = capacity?.places.values.flatMap { $0.filter { $0.value.primary != nil || $0.value.secondary != nil }.keys } ?? []
        guard schools.contains(where: { !ownSchoolAreas.contains($0.areaID) }), let first = years.min(), let last = years.max(), origin < first else { return nil }
        return "\(LACapacity.file) gives places for \(first)\(last > first ? "-\(last)" : "") only, and each LA's latest are held for every year: "
            + "\(origin)\(first - 1 > origin ? "-\(first - 1)" : "") \(first - 1 > origin ? "are" : "is") compared with those later places, not the places of the time"
    }

    /// The census cells of area `a`'s years with no count (suppressed, or no row), in order
    /// of year and year group.
    public func missingCensusCells(area a: Int) -> [(yearIndex: Int, group: YearGroup)] {
        rolls.span(area: a).flatMap { t in missingYearGroups(area: a, yearIndex: t).map { (t, $0) } }
    }

    /// A missing census cell as messages name it: "Y3 in 2019/20 (rolls.csv:12)", the file and
    /// line where the file gives a suppression code.
    func describeMissing(area a: Int, yearIndex t: Int, _ g: YearGroup) -> String {
        "\(g) in \(rolls.years[t])" + (rolls.sourceOfMissing(yearIndex: t, area: a, g).map { " (\($0.file.split(separator: "/").last ?? ""):\($0.line ?? 0))" } ?? "")
    }

    /// A note naming the census counts the files give as suppression codes (x, c, ...) before
    /// the last census, which are read as missing: the ratios that need them are left out of
    /// estimation. Nil when there are none. (Rows absent on the DfE route, and a code at the
    /// last census, have notes of their own where they are handled; `placeplan check` lists
    /// every missing cell, ``DataCheck``.)
    public var suppressedCountsNote: String? {
        let last = rolls.years.count - 1
        let cells = areas.indices.flatMap { a in
            missingCensusCells(area: a).filter { $0.yearIndex < last && rolls.sourceOfMissing(yearIndex: $0.yearIndex, area: a, $0.group) != nil }.map { (a, $0) }
        }
        guard !cells.isEmpty else { return nil }
        let named = cells.prefix(3).map { a, c in
            "\(areas[a].id)\(areas[a].name == areas[a].id ? "" : " " + areas[a].name) " + describeMissing(area: a, yearIndex: c.yearIndex, c.group)
        }
        let one = cells.count == 1
        return "\(one ? "1 census count is" : "\(cells.count) census counts are") suppressed in the files (\(named.joined(separator: ", "))\(cells.count > 3 ? ", ..." : "")): "
            + "read as missing, so the ratios that need \(one ? "it" : "them") are left out; 'placeplan check' lists \(one ? "it" : "them all")"
    }

    /// The last census in the rolls.
    public var lastCensus: AcademicYear { rolls.years.last! }

    /// The data with rolls up to the census of `origin` (births kept): what a forecast from
    /// that census uses.
    public func asKnownRolls(at origin: AcademicYear) -> DataSet {
        var copy = self
        copy.rolls = rolls.truncated(through: origin)
        return copy
    }

    /// The data as known at the census of `origin`: rolls up to it and births up to its
    /// starting mid-year (which feed Reception up to four years ahead). Used by backtests.
    public func asKnown(at origin: AcademicYear) -> DataSet {
        var copy = self
        copy.rolls = rolls.truncated(through: origin)
        copy.births = births.mapValues { $0.truncated(throughMidYear: origin.startYear) }
        return copy
    }
}
