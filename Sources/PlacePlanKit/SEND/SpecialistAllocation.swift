/// SEND levers a scenario can pull.
public struct SENDLevers: Sendable {
    /// New-plan rates for a need (or all) scaled by a factor from a year.
    public var rates: [(need: PrimaryNeed?, from: AcademicYear, factor: Double)] = []
    /// Pupils a year moved from independent to in-borough special places from a year
    /// (cumulative: N in the first year, 2N in the second, ...), for a need or all.
    public var moves: [(need: PrimaryNeed?, from: AcademicYear, perYear: Double)] = []
    /// Out-of-borough placements of the cohorts that pass a transfer point (Year 7, Year 12)
    /// from a year reduced by a share, the pupils placed in borough instead.
    public var transferReductions: [(from: AcademicYear, share: Double)] = []

    public init() {}

    public var isEmpty: Bool { rates.isEmpty && moves.isEmpty && transferReductions.isEmpty }

    /// The multiplier on new-plan rates for `need` in `year`.
    public func rateFactor(need: PrimaryNeed, year: AcademicYear) -> Double {
        rates.filter { ($0.need == nil || $0.need == need) && year >= $0.from }.reduce(1) { $0 * $1.factor }
    }
}

/// Meets specialist demand with in-borough places: ARP demand takes ARP places; special
/// demand, and ARP demand beyond the ARP places, the need's designated special places and
/// then places open to any need; the remainder goes to independent or non-maintained
/// special schools or out of borough.
enum SpecialistAllocation {
    static func rows(
        states: [SENDState], years: [AcademicYear], calibration cal: SENDCalibration, run: ScenarioForecast, data: DataSet,
        assumptions: SENDAssumptions
    ) -> [SpecialistRow] {
        rows(states: states, years: years, calibration: cal, columns: zip(run.forecast.columns, run.applied).map { ($0, $1) }, data: data, assumptions: assumptions)
    }

    /// Allocation for explicit columns: (label, scenario) for each column of the states.
    static func rows(
        states: [SENDState], years: [AcademicYear], calibration cal: SENDCalibration, columns: [(String, AppliedScenario)], data: DataSet,
        assumptions: SENDAssumptions
    ) -> [SpecialistRow] {
        let N = SENDCalibration.needs.count
        var rows: [SpecialistRow] = []
        // The independent share of the remainder, by phase: from the origin year of the
        // first column, where the data says how many special placements are independent.
        var independentShare: [Double] = [0.5, 0.5]
        for c in 0..<columns.count {
            let capacity = Capacity(columns[c].1, calibration: cal, assumptions: assumptions, hasSchools: !data.schools.isEmpty)
            let levers = columns[c].1.sendLevers
            for (h, year) in years.enumerated() {
                var yearRows: [SpecialistRow] = []
                for (pi, phase) in ReportingPhase.allCases.enumerated() {
                    let groups = phase.yearGroups.map(\.index)
                    func sum(_ n: Int, _ p: DemandPlacement) -> Double {
                        groups.reduce(0.0) { $0 + states[h][$1, SENDCalibration.cell(n, p), c] }
                    }
                    // ARP demand takes ARP places; special demand, and ARP demand beyond the ARP
                    // places, take the need's special places; what is left shares the places
                    // open to any need.
                    let arpPlaced = (0..<N).map { n in min(sum(n, .arp), capacity.arp(n, pi, year)) }
                    let specialDemand = (0..<N).map { n in sum(n, .special) + sum(n, .arp) - arpPlaced[n] }
                    let specPlaced = (0..<N).map { n in min(specialDemand[n], capacity.special(n, pi, year)) }
                    let leftover = (0..<N).map { n in specialDemand[n] - specPlaced[n] }
                    let totalLeftover = leftover.reduce(0, +)
                    let anyCap = capacity.anyNeed(pi, year)
                    var phaseRows: [SpecialistRow] = []
                    var remainders: [Double] = []
                    for n in 0..<N {
                        let demand = sum(n, .arp) + sum(n, .special)
                        let anyShare = totalLeftover > 0 ? leftover[n] / totalLeftover : 0
                        let anyPlaced = min(leftover[n], anyCap * anyShare)
                        let places = capacity.arp(n, pi, year) + capacity.special(n, pi, year) + anyCap * anyShare
                        let inBorough = arpPlaced[n] + specPlaced[n] + anyPlaced
                        remainders.append(max(0, demand - inBorough))
                        phaseRows.append(SpecialistRow(
                            scenario: columns[c].0, year: year, need: SENDCalibration.needs[n], phase: phase,
                            pupils: DemandPlacement.allCases.reduce(0.0) { $0 + sum(n, $1) }, demand: demand, places: places,
                            spare: places - demand, placedInBorough: inBorough, independent: 0, outOfBorough: 0, cost: 0,
                            byPlacement: [
                                ReportedPlacement.mainstream.rawValue: sum(n, .mainstream), ReportedPlacement.arp.rawValue: arpPlaced[n],
                                ReportedPlacement.specialInBorough.rawValue: specPlaced[n] + anyPlaced, ReportedPlacement.apOther.rawValue: sum(n, .apOther),
                            ]))
                    }
                    if c == 0 && h == 0 {
                        let independent = cal.independentAtOrigin[pi].reduce(0, +), remainder = remainders.reduce(0, +)
                        independentShare[pi] = remainder > 0 ? min(1, independent / remainder) : 0.5
                    }
                    for n in 0..<N {
                        phaseRows[n].independent = remainders[n] * independentShare[pi]
                        phaseRows[n].outOfBorough = remainders[n] - phaseRows[n].independent
                    }
                    yearRows += phaseRows
                }
                apply(levers, to: &yearRows, state: states[h], column: c, year: year)
                for i in yearRows.indices {
                    yearRows[i].byPlacement[ReportedPlacement.independent.rawValue] = yearRows[i].independent
                    yearRows[i].byPlacement[ReportedPlacement.outOfBorough.rawValue] = yearRows[i].outOfBorough
                    yearRows[i].cost = ReportedPlacement.allCases.reduce(0.0) {
                        $0 + (yearRows[i].byPlacement[$1.rawValue] ?? 0) * (assumptions.costs.annual[$1] ?? 0)
                    }
                }
                rows += yearRows
            }
        }
        return rows
    }

    /// Moves pupils in borough as the scenario's levers say: cumulative moves out of
    /// independent places (shared over the rows of the need in proportion to their
    /// independent placements, never more than there are), and cuts in out-of-borough
    /// placements for cohorts that passed a transfer point since the lever's year.
    static func apply(_ levers: SENDLevers, to rows: inout [SpecialistRow], state: SENDState, column c: Int, year: AcademicYear) {
        for m in levers.moves where year >= m.from {
            let wanted = m.perYear * Double(year - m.from + 1)
            let eligible = rows.indices.filter { m.need == nil || rows[$0].need == m.need }
            let pool = eligible.reduce(0.0) { $0 + rows[$1].independent }
            guard pool > 0 else { continue }
            let share = min(1, wanted / pool)
            for i in eligible {
                let take = rows[i].independent * share
                rows[i].independent -= take
                rows[i].placedInBorough += take
                rows[i].byPlacement[ReportedPlacement.specialInBorough.rawValue, default: 0] += take
            }
        }
        for r in levers.transferReductions where year >= r.from {
            for i in rows.indices where rows[i].outOfBorough > 0 {
                let n = SENDCalibration.needs.firstIndex(of: rows[i].need)!
                let cut = rows[i].outOfBorough * r.share * fractionPassedTransfer(state, column: c, need: n, phase: rows[i].phase, year: year, from: r.from)
                rows[i].outOfBorough -= cut
                rows[i].placedInBorough += cut
                rows[i].byPlacement[ReportedPlacement.specialInBorough.rawValue, default: 0] += cut
            }
        }
    }

    /// The share of a phase's specialist demand (for a need) in cohorts that passed its
    /// transfer point (entry to Year 7, or to Year 12 for the sixth form) in `from` or later.
    static func fractionPassedTransfer(_ state: SENDState, column c: Int, need n: Int, phase: ReportingPhase, year: AcademicYear, from: AcademicYear) -> Double {
        guard phase == .secondary else { return 0 }
        var passed = 0.0, all = 0.0
        for g in 7...13 {
            let d = state[g, SENDCalibration.cell(n, .arp), c] + state[g, SENDCalibration.cell(n, .special), c]
            let transfer = g >= 12 ? 12 : 7
            all += d
            if year - (g - transfer) >= from { passed += d }
        }
        return all > 0 ? passed / all : 0
    }
}

/// In-borough specialist places by need, phase and year for one scenario.
struct Capacity {
    /// places[kind][need or nil][phase] by year: ARP and designated special from schools,
    /// else the origin's in-borough placements held constant.
    var entries: [SpecialistPlacesEntry]
    var fromOrigin: (arp: [[Double]], special: [[Double]])?

    init(_ applied: AppliedScenario, calibration cal: SENDCalibration, assumptions: SENDAssumptions, hasSchools: Bool) {
        entries = applied.specialistPlaces
        if hasSchools && !entries.isEmpty {
            fromOrigin = nil
        } else {
            // No schools with specialist places: hold the origin's in-borough placements.
            var arp = [[Double]](repeating: Array(repeating: 0, count: SENDCalibration.needs.count), count: 2)
            var special = arp
            for g in 0..<YearGroup.count {
                let pi = g <= 6 ? 0 : 1
                for n in 0..<SENDCalibration.needs.count {
                    arp[pi][n] += cal.stock[g][SENDCalibration.cell(n, .arp)]
                    special[pi][n] += cal.stock[g][SENDCalibration.cell(n, .special)]
                }
            }
            for pi in 0..<2 {
                for n in 0..<SENDCalibration.needs.count {
                    special[pi][n] = max(0, special[pi][n] - cal.independentAtOrigin[pi][n]) * (1 - assumptions.outOfBoroughShare)
                }
            }
            fromOrigin = (arp, special)
        }
    }

    /// The share of a school's places in a phase: by the count of its year groups there.
    static func phaseShare(_ e: SpecialistPlacesEntry, _ pi: Int, schoolGroups: ClosedRange<YearGroup>?) -> Double {
        switch e.phase {
        case .primary: return pi == 0 ? 1 : 0
        case .secondary: return pi == 1 ? 1 : 0
        default:
            guard let groups = schoolGroups else { return 0.5 }
            let primary = Double(groups.filter { $0.index <= 6 }.count)
            return (pi == 0 ? primary : Double(groups.count) - primary) / Double(groups.count)
        }
    }

    func total(_ kind: SpecialistPlacesEntry.Kind, need: PrimaryNeed?, _ pi: Int, _ year: AcademicYear) -> Double {
        entries.filter { $0.kind == kind && $0.need == need }.reduce(0.0) {
            $0 + Double($1.places.places(in: year)) * Self.phaseShare($1, pi, schoolGroups: $1.yearGroups)
        }
    }

    func arp(_ n: Int, _ pi: Int, _ year: AcademicYear) -> Double {
        if let fromOrigin { return fromOrigin.arp[pi][n] }
        return total(.arp, need: SENDCalibration.needs[n], pi, year)
    }

    func special(_ n: Int, _ pi: Int, _ year: AcademicYear) -> Double {
        if let fromOrigin { return fromOrigin.special[pi][n] }
        return total(.special, need: SENDCalibration.needs[n], pi, year)
    }

    func anyNeed(_ pi: Int, _ year: AcademicYear) -> Double {
        fromOrigin == nil ? total(.special, need: nil, pi, year) : 0
    }
}
