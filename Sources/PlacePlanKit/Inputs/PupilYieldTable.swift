/// Pupils per dwelling by dwelling type, years since completion and year group: the
/// child yield of new homes (`yields.csv`).
///
/// Yields build up after completion and the children age through the year groups; the row
/// for the largest number of years since completion is the yield of established homes,
/// used for later years and for demolitions.
public struct PupilYieldTable: Sendable {
    /// yields[type][s][g]: pupils in year group g per dwelling s years after completion.
    public var yields: [DwellingType: [[Double]]]
    public let file: String

    public init(yields: [DwellingType: [[Double]]], file: String) {
        self.yields = yields
        self.file = file
    }

    /// Pupils in year group `g` per dwelling of `type`, `years` after completion (0 in the
    /// completion year).
    public func yield(_ type: DwellingType, yearsSinceCompletion years: Int, _ g: YearGroup) -> Double {
        guard let rows = yields[type], years >= 0, !rows.isEmpty else { return 0 }
        return rows[min(years, rows.count - 1)][g.index]
    }

    /// The yield of established homes (the last row).
    public func establishedYield(_ type: DwellingType, _ g: YearGroup) -> Double {
        yield(type, yearsSinceCompletion: Int.max, g)
    }

    /// Reads `type,bedrooms,tenure,years_since_completion,year_group,pupils_per_dwelling`.
    static func read(_ file: CSVFile) throws(PlacePlanError) -> PupilYieldTable {
        let type = try file.require("type")
        let bedrooms = try file.require("bedrooms")
        let tenure = try file.require("tenure")
        let since = try file.require("years_since_completion")
        let group = try file.require("year_group")
        let value = try file.require("pupils_per_dwelling", aliases: ["yield"])
        var cells: [DwellingType: [Int: [Double]]] = [:]
        var given: [DwellingType: [Int: Set<Int>]] = [:]
        var seen: [String: Int] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            guard let kind = DwellingType.Kind(rawValue: r.text(type).lowercased()) else {
                throw .invalidValue(r.location(type), value: r.text(type), expected: "house or flat")
            }
            let beds = try r.integer(bedrooms)
            guard (1...4).contains(beds) else { throw .invalidValue(r.location(bedrooms), value: r.text(bedrooms), expected: "1 to 4 (4 means four or more)") }
            guard let ten = DwellingType.Tenure(rawValue: r.text(tenure).lowercased()) else {
                throw .invalidValue(r.location(tenure), value: r.text(tenure), expected: "market or affordable")
            }
            let s = try r.integer(since)
            guard s <= 50 else { throw .invalidValue(r.location(since), value: r.text(since), expected: "0 to 50 years") }
            let g = try r.yearGroup(group)
            let key = "\(kind) \(beds) \(ten) \(s) \(g)"
            if let first = seen[key] { throw .duplicateRow(r.location(type), key: key, firstLine: first) }
            seen[key] = r.line
            let t = DwellingType(kind, bedrooms: beds, ten)
            guard let pupils = try r.count(value) else {
                throw .invalidValue(r.location(value), value: r.text(value), expected: "pupils per dwelling, a number such as 0.012 (0 where there are none)")
            }
            // One year group's pupils per dwelling: even a large family house averages well
            // under one child in any one year group, so more is a slip (a percentage, 15 for 0.15).
            guard pupils <= 1 else {
                throw .invalidValue(
                    r.location(value), value: r.text(value),
                    expected: "pupils per dwelling in one year group, at most 1 (is it a percentage, 15 for 0.15?)")
            }
            cells[t, default: [:]][s, default: Array(repeating: 0, count: YearGroup.count)][g.index] = pupils
            given[t, default: [:]][s, default: []].insert(g.index)
        }
        // A year group given for some years since completion of a dwelling type but not for
        // others is a missing row, not a yield of 0.
        for (t, bySince) in given.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            let all = bySince.values.reduce(Set<Int>()) { $0.union($1) }
            for (s, groups) in bySince.sorted(by: { $0.key < $1.key }) where groups != all {
                let missing = all.subtracting(groups).sorted().map { YearGroup($0).description }
                throw .insufficientHistory(
                    "\(file.path): no row for \(t), \(s) years since completion, year group\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) (given for other years)",
                    hint: "give a row for every year group at every year since completion, with 0 where a type yields no pupils")
            }
        }
        var yields: [DwellingType: [[Double]]] = [:]
        for (t, bySince) in cells {
            let last = bySince.keys.max()!
            let missing = (0...last).filter { bySince[$0] == nil }
            if !missing.isEmpty {
                throw .insufficientHistory(
                    "\(file.path): no rows for \(t) at \(missing.map(String.init).joined(separator: ", ")) years since completion",
                    hint: "give every year from 0 to the last (the last is used for established homes)")
            }
            yields[t] = (0...last).map { bySince[$0]! }
        }
        return PupilYieldTable(yields: yields, file: file.path)
    }
}
