import Foundation

/// Mainstream places by local authority and phase, as the DfE's LA school places scorecards
/// publish them from the SCAP survey (`school_capacity_la.csv`: `year`, `old_la_code`,
/// `primary_capacity`, `secondary_capacity`; `x` where not published).
///
/// On the DfE route each LA is one planning area, and its places become one school per phase
/// (``schools(for:members:rolls:area:)``): the latest published capacity, held for every
/// year (the scorecards publish no future capacity). Primary places are spread evenly over
/// Reception to Year 6; secondary places, which include school sixth forms (the capacity is
/// about 1.12-1.15 times the Year 7-13 census pupils in the median LA, and 1.24-1.41 times
/// the Year 7-11 ones), are split between Years 7-11 and the sixth form in the proportion of
/// the LA's pupils at its last census. Places per year group are whole, so up to six primary
/// places and four secondary ones of an LA's capacity are not counted.
public struct LACapacity: Sendable, Hashable {
    public static let file = "school_capacity_la.csv"

    /// Places by LA number and year: nil where the file has `x`.
    public var places: [String: [AcademicYear: (primary: Double?, secondary: Double?)]]

    public static func == (lhs: LACapacity, rhs: LACapacity) -> Bool {
        lhs.places.keys.sorted() == rhs.places.keys.sorted()
            && lhs.places.allSatisfy { la, years in
                let other = rhs.places[la]!
                return years.keys.sorted() == other.keys.sorted() && years.allSatisfy { other[$0.key]! == $0.value }
            }
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(places.keys.sorted()) }

    static func read(_ file: CSVFile) throws(PlacePlanError) -> LACapacity {
        let year = try file.require("year", aliases: ["time_period"])
        let la = try file.require("old_la_code", aliases: ["la"])
        let primary = try file.require("primary_capacity")
        let secondary = try file.require("secondary_capacity")
        var places: [String: [AcademicYear: (primary: Double?, secondary: Double?)]] = [:]
        var seen: [String: Int] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            let code = try r.laNumber(la)
            let y = try r.academicYear(year)
            let key = "LA \(code), \(y)"
            if let first = seen[key] { throw .duplicateRow(r.location(year), key: key, firstLine: first) }
            seen[key] = r.line
            let p = try r.count(primary, allowMissing: true), s = try r.count(secondary, allowMissing: true)
            places[code, default: [:]][y] = (p, s)
        }
        return LACapacity(places: places)
    }

    /// The latest year with a published capacity for each phase of the LAs `members`, summed
    /// over those that publish it (after a reorganisation only the successors do).
    func latest(_ members: [String], _ phase: ReportingPhase) -> (year: AcademicYear, places: Double)? {
        var best: (year: AcademicYear, places: Double)?
        let years = Set(members.flatMap { places[$0]?.keys.map { $0 } ?? [] }).sorted(by: >)
        for y in years {
            let values = members.compactMap { places[$0]?[y].flatMap { phase == .primary ? $0.primary : $0.secondary } }
            if !values.isEmpty {
                best = (y, values.reduce(0, +))
                break
            }
        }
        return best
    }

    /// One school per phase for an LA area: its places as this type's documentation says,
    /// with ids "<LA>-primary" and "<LA>-secondary". Empty when the file has no capacity
    /// for the LA.
    func schools(for area: PlanningArea, members: [String], rolls: RollHistory, area a: Int) -> [School] {
        var out: [School] = []
        if let (year, places) = latest(members, .primary) {
            let pan = Int((places / 7).rounded(.down))
            out.append(
                School(
                    id: "\(area.id)-primary", name: "\(area.name) primary schools (LA places \(year))", areaID: area.id, phase: .primary,
                    yearGroups: .reception ... .year6, pan: pan, netCapacity: pan * 7))
        }
        if let (year, places) = latest(members, .secondary) {
            // The sixth form's share of the pupils at the area's last census.
            let t = rolls.span(area: a).upperBound
            var main = 0.0, sixth = 0.0
            for g in YearGroup.all where g >= .year7 {
                let n = rolls.pupils(yearIndex: t, area: a, g) ?? 0
                if g >= .year12 { sixth += n } else { main += n }
            }
            let share = main + sixth > 0 ? main / (main + sixth) : 5.0 / 7.0
            let pan = Int((places * share / 5).rounded(.down))
            let sixthForm = Int(((places - Double(pan * 5)) / 2).rounded(.down))
            out.append(
                School(
                    id: "\(area.id)-secondary", name: "\(area.name) secondary schools (LA places \(year))", areaID: area.id,
                    phase: .secondary, yearGroups: .year7 ... YearGroup(13), pan: pan, netCapacity: pan * 5 + sixthForm * 2))
        }
        return out
    }
}
