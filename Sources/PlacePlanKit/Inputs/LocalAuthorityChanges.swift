import Foundation

/// A local authority as the DfE and ONS name it: its three-digit DfE LA number, its GSS code
/// and its name.
public struct LocalAuthorityCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The DfE LA number ("838").
    public var number: String
    /// The ONS GSS code ("E06000059"); empty when not known (a user's lookup file).
    public var gss: String
    public var name: String

    public init(number: String, gss: String = "", name: String = "") {
        self.number = number
        self.gss = gss
        self.name = name
    }

    /// "838 Dorset".
    public var description: String { name.isEmpty ? number : "\(number) \(name)" }
}

/// A reorganisation of local authorities: from the census of `firstYear` on, the
/// predecessors' pupils are counted under the successors. Together the two groups cover the
/// same schools, so their summed rolls form one series across the break.
public struct LocalAuthorityReorganisation: Sendable, Hashable, CustomStringConvertible {
    /// The first academic year whose January census counts the successors.
    public var firstYear: AcademicYear
    public var predecessors: [LocalAuthorityCode]
    public var successors: [LocalAuthorityCode]
    /// Where a user's lookup file gave it (its first row's `first_year` cell); nil for the
    /// built-in table.
    public var source: SourceLocation?

    public init(firstYear: AcademicYear, predecessors: [LocalAuthorityCode], successors: [LocalAuthorityCode]) {
        self.firstYear = firstYear
        self.predecessors = predecessors
        self.successors = successors
    }

    /// "835 Dorset, 836 Poole, 837 Bournemouth became 838 Dorset, 839 BCP in 2019/20".
    public var description: String {
        "\(predecessors.map(\.description).joined(separator: ", ")) became \(successors.map(\.description).joined(separator: ", ")) in \(firstYear)"
    }

    /// Every LA number involved.
    public var numbers: Set<String> { Set((predecessors + successors).map(\.number)) }

    /// The reorganisations of English local authorities since 2011 that changed DfE LA
    /// numbers (DfE LA and establishment codes; ONS code history).
    public static let england: [LocalAuthorityReorganisation] = [
        // April 2019: Dorset County Council's area less Christchurch became the Dorset unitary;
        // Bournemouth, Christchurch and Poole became one unitary (BCP).
        LocalAuthorityReorganisation(
            firstYear: AcademicYear(2019),
            predecessors: [
                .init(number: "835", gss: "E10000009", name: "Dorset"), .init(number: "836", gss: "E06000029", name: "Poole"),
                .init(number: "837", gss: "E06000028", name: "Bournemouth"),
            ],
            successors: [
                .init(number: "838", gss: "E06000059", name: "Dorset"),
                .init(number: "839", gss: "E06000058", name: "Bournemouth, Christchurch and Poole"),
            ]),
        // April 2021: Northamptonshire split into two unitaries.
        LocalAuthorityReorganisation(
            firstYear: AcademicYear(2021),
            predecessors: [.init(number: "928", gss: "E10000021", name: "Northamptonshire")],
            successors: [
                .init(number: "940", gss: "E06000061", name: "North Northamptonshire"),
                .init(number: "941", gss: "E06000062", name: "West Northamptonshire"),
            ]),
        // April 2023: Cumbria split into two unitaries.
        LocalAuthorityReorganisation(
            firstYear: AcademicYear(2023),
            predecessors: [.init(number: "909", gss: "E10000006", name: "Cumbria")],
            successors: [
                .init(number: "942", gss: "E06000063", name: "Cumberland"),
                .init(number: "943", gss: "E06000064", name: "Westmorland and Furness"),
            ]),
    ]

    /// GSS codes that changed while the LA (and its DfE number) stayed the same, old first:
    /// a births file may carry either code. Buckinghamshire (2020), North Yorkshire and
    /// Somerset (2023) became unitaries; Gateshead and Northumberland were recoded in 2013.
    public static let recodedGSS: [(old: String, new: String)] = [
        ("E10000002", "E06000060"), ("E10000023", "E06000065"), ("E10000027", "E06000066"),
        ("E08000020", "E08000037"), ("E06000048", "E06000057"),
    ]

    /// The lookup file a data folder may hold, for reorganisations the built-in table lacks.
    public static let lookupFile = "la_reorganisations.csv"

    /// Reads a user's lookup file: one row per predecessor and successor pair, with columns
    /// `first_year` (the first census the successors report, e.g. 2019/20), `predecessor`
    /// and `successor` (DfE LA numbers), and optional `predecessor_name`, `successor_name`.
    /// Rows of one year that share an LA form one reorganisation.
    static func read(_ file: CSVFile) throws(PlacePlanError) -> [LocalAuthorityReorganisation] {
        let year = try file.require("first_year", aliases: ["year"])
        let from = try file.require("predecessor", aliases: ["old_la_code", "predecessor_la"])
        let to = try file.require("successor", aliases: ["new_la", "successor_la"])
        let fromName = file.columnNumber(["predecessor_name"]), toName = file.columnNumber(["successor_name"])
        var pairs: [(AcademicYear, LocalAuthorityCode, LocalAuthorityCode, SourceLocation)] = []
        var seen: [String: Int] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            let y = try r.academicYear(year)
            let p = try r.laNumber(from), s = try r.laNumber(to)
            guard p != s else { throw .invalidValue(r.location(to), value: s, expected: "an LA number other than the predecessor's") }
            let key = "\(p)>\(s)"
            if let first = seen[key] { throw .duplicateRow(r.location(from), key: "\(p) to \(s)", firstLine: first) }
            seen[key] = r.line
            pairs.append((y, LocalAuthorityCode(number: p, name: r.text(fromName)), LocalAuthorityCode(number: s, name: r.text(toName)), r.location(year)))
        }
        // Group the pairs into events: connected components of LAs within one year.
        var events: [LocalAuthorityReorganisation] = []
        for (y, p, s, location) in pairs {
            let joined = events.indices.filter { events[$0].firstYear == y && !events[$0].numbers.isDisjoint(with: [p.number, s.number]) }
            var event = LocalAuthorityReorganisation(firstYear: y, predecessors: [], successors: [])
            event.source = joined.compactMap { events[$0].source }.min { ($0.line ?? 0) < ($1.line ?? 0) } ?? location
            for i in joined {
                event.predecessors += events[i].predecessors
                event.successors += events[i].successors
            }
            for i in joined.reversed() { events.remove(at: i) }
            if !event.predecessors.contains(where: { $0.number == p.number }) { event.predecessors.append(p) }
            if !event.successors.contains(where: { $0.number == s.number }) { event.successors.append(s) }
            events.append(event)
        }
        for e in events {
            if let both = Set(e.predecessors.map(\.number)).intersection(e.successors.map(\.number)).sorted().first {
                throw .invalidValue(
                    SourceLocation(file: file.path), value: both,
                    expected: "an LA that is either a predecessor or a successor in \(e.firstYear), not both")
            }
        }
        return events.sorted { ($0.firstYear, $0.predecessors.first?.number ?? "") < ($1.firstYear, $1.predecessors.first?.number ?? "") }
    }
}

extension CSVRecord {
    /// A DfE LA number: three digits.
    func laNumber(_ column: Int) throws(PlacePlanError) -> String {
        let s = text(column)
        guard s.count == 3, s.allSatisfy(\.isASCIIDigit) else {
            throw .invalidValue(location(column), value: s, expected: "a DfE LA number of three digits, e.g. 838")
        }
        return s
    }
}

/// The districts whose births make up an LA that a births file may lack a row for: each
/// English county (E10) as the sum of its shire districts (GSS E07, April 2021 boundaries,
/// from ONS's local authority district to county lookup), and each unitary made from
/// districts since 2019 (E06000058-66) as the sum of the districts it replaced. A county's
/// births are then the sum of its districts' when the file has no row for the county, and a
/// new unitary's are its predecessors' districts' when the file is on boundaries before it
/// (GLA's births are by 2021 districts, which have no Cumberland, no Westmorland and Furness).
public enum DistrictBirths {
    public static let table: [String: (name: String, districts: [String])] = [
        "E10000003": ("Cambridgeshire", range(8...12)),
        "E10000006": ("Cumbria", range(26...31)),
        "E10000007": ("Derbyshire", range(32...39)),
        "E10000008": ("Devon", range(40...47)),
        "E10000011": ("East Sussex", range(61...65)),
        "E10000012": ("Essex", range(66...77)),
        "E10000013": ("Gloucestershire", range(78...83)),
        "E10000014": ("Hampshire", range(84...94)),
        "E10000015": ("Hertfordshire", range(95...96) + range(98...99) + range(102...103) + range(240...243)),
        "E10000016": ("Kent", range(105...116)),
        "E10000017": ("Lancashire", range(117...128)),
        "E10000018": ("Leicestershire", range(129...135)),
        "E10000019": ("Lincolnshire", range(136...142)),
        "E10000020": ("Norfolk", range(143...149)),
        "E10000023": ("North Yorkshire", range(163...169)),
        "E10000024": ("Nottinghamshire", range(170...176)),
        "E10000025": ("Oxfordshire", range(177...181)),
        "E10000027": ("Somerset", range(187...189) + range(246...246)),
        "E10000028": ("Staffordshire", range(192...199)),
        "E10000029": ("Suffolk", range(200...200) + range(202...203) + range(244...245)),
        "E10000030": ("Surrey", range(207...217)),
        "E10000031": ("Warwickshire", range(218...222)),
        "E10000032": ("West Sussex", range(223...229)),
        "E10000034": ("Worcestershire", range(234...239)),
        // Unitaries made from districts (and, for BCP, two earlier unitaries).
        "E06000058": ("Bournemouth, Christchurch and Poole", ["E06000028", "E06000029", "E07000048"]),
        "E06000059": ("Dorset", range(49...53)),
        "E06000060": ("Buckinghamshire", range(4...7)),
        "E06000061": ("North Northamptonshire", range(150...150) + range(152...153) + range(156...156)),
        "E06000062": ("West Northamptonshire", range(151...151) + range(154...155)),
        "E06000063": ("Cumberland", range(26...26) + range(28...29)),
        "E06000064": ("Westmorland and Furness", range(27...27) + range(30...31)),
        "E06000065": ("North Yorkshire", range(163...169)),
        "E06000066": ("Somerset", range(187...189) + range(246...246)),
    ]

    static func range(_ r: ClosedRange<Int>) -> [String] { r.map { String(format: "E07%06d", $0) } }

    /// The LA's births summed from its districts, for the mid-years every district has (nil
    /// when a district has no births at all, or the code is not in ``table``).
    static func births(of la: String, from series: [String: BirthSeries]) -> BirthSeries? {
        guard let entry = table[la] else { return nil }
        let parts = entry.districts.compactMap { series[$0] }
        return parts.count == entry.districts.count ? BirthSeries.sum(parts, key: la) : nil
    }
}
