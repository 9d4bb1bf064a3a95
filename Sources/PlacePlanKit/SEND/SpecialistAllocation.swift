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
        let share = independentShare(states[0], year: years[0], calibration: cal, capacity: CapacityYear(
            Capacity(columns[0].1, calibration: cal, assumptions: assumptions, hasSchools: !data.schools.isEmpty), year: years[0]))
        for c in 0..<columns.count {
            let capacity = Capacity(columns[c].1, calibration: cal, assumptions: assumptions, hasSchools: !data.schools.isEmpty)
            for (h, year) in years.enumerated() {
                let y = allocate(states[h], column: c, year: year, capacity: CapacityYear(capacity, year: year), levers: columns[c].1.sendLevers,
                                 independentShare: share, costs: assumptions.costs)
                for (pi, phase) in ReportingPhase.allCases.enumerated() {
                    for n in 0..<N {
                        let i = pi * N + n
                        rows.append(SpecialistRow(
                            scenario: columns[c].0, year: year, need: SENDCalibration.needs[n], phase: phase, pupils: y.pupils[i], demand: y.demand[i],
                            places: y.places[i], spare: y.places[i] - y.demand[i], placedInBorough: y.placedInBorough[i], independent: y.independent[i],
                            outOfBorough: y.outOfBorough[i], cost: y.cost[i],
                            byPlacement: [
                                ReportedPlacement.mainstream.rawValue: y.mainstream[i], ReportedPlacement.arp.rawValue: y.arp[i],
                                ReportedPlacement.specialInBorough.rawValue: y.specialInBorough[i], ReportedPlacement.apOther.rawValue: y.apOther[i],
                                ReportedPlacement.independent.rawValue: y.independent[i], ReportedPlacement.outOfBorough.rawValue: y.outOfBorough[i],
                            ]))
                    }
                }
            }
        }
        return rows
    }

    /// One year's allocation of one column, by [phase · 12 + need].
    struct Year {
        var pupils, demand, places, placedInBorough, independent, outOfBorough, cost: [Double]
        var mainstream, arp, specialInBorough, apOther: [Double]
        var remainder: [Double]
        /// Working space: per need, the ARP and special places taken and the demand left over.
        fileprivate var arpPlaced: [Double], specPlaced: [Double], leftover: [Double]

        init() {
            let N = SENDCalibration.needs.count, zeros = [Double](repeating: 0, count: 2 * N)
            (pupils, demand, places, placedInBorough, independent, outOfBorough, cost) = (zeros, zeros, zeros, zeros, zeros, zeros, zeros)
            (mainstream, arp, specialInBorough, apOther, remainder) = (zeros, zeros, zeros, zeros, zeros)
            (arpPlaced, specPlaced, leftover) = (Array(zeros[..<N]), Array(zeros[..<N]), Array(zeros[..<N]))
        }
    }

    /// The cost per pupil a year by ``ReportedPlacement`` (in its order), 0 where not given.
    static func annualCosts(_ costs: SENDCosts) -> [Double] { ReportedPlacement.allCases.map { costs.annual[$0] ?? 0 } }

    /// The share of the remainder that is independent, by phase, from the origin state
    /// (column 0), where the data says how many special placements are independent.
    static func independentShare(_ origin: SENDState, year: AcademicYear, calibration cal: SENDCalibration, capacity: CapacityYear) -> [Double] {
        // Before levers and costs: only the remainder is read.
        var y = Year()
        allocate(origin, column: 0, year: year, capacity: capacity, levers: SENDLevers(), independentShare: [0, 0], annualCosts: ReportedPlacement.allCases.map { _ in 0 }, into: &y)
        let N = SENDCalibration.needs.count
        return (0..<2).map { pi in
            let independent = cal.independentAtOrigin[pi].reduce(0, +), remainder = y.remainder[(pi * N)..<((pi + 1) * N)].reduce(0, +)
            return remainder > 0 ? min(1, independent / remainder) : 0.5
        }
    }

    /// What the allocation reads of a column, its profile: EHCP pupils by need and demand
    /// placement summed over each phase's year groups, [phase · 48 + need · 4 + placement],
    /// then the ARP and special demand by secondary year group and need,
    /// [96 + (g − 7) · 12 + need] for g = 7 ... 13. It is linear in the column's plans.
    static let profileSize = 2 * SENDCalibration.cells + 7 * SENDCalibration.needs.count

    /// Writes column c's profile.
    static func profile(_ state: SENDState, column c: Int, into p: UnsafeMutableBufferPointer<Double>) {
        let K = SENDCalibration.cells, N = SENDCalibration.needs.count, P = SENDCalibration.placements.count
        let arp = SENDCalibration.cell(0, .arp), special = SENDCalibration.cell(0, .special)
        p.update(repeating: 0)
        state.values.withUnsafeBufferPointer { v in
            for g in 0..<YearGroup.count {
                let offset = (g * state.columns + c) * K, phase = g <= 6 ? 0 : K
                for k in 0..<K { p[phase + k] += v[offset + k] }
                if g >= 7 {
                    for n in 0..<N { p[2 * K + (g - 7) * N + n] = v[offset + n * P + arp] + v[offset + n * P + special] }
                }
            }
        }
    }

    static func allocate(
        _ state: SENDState, column c: Int, year: AcademicYear, capacity: CapacityYear, levers: SENDLevers, independentShare: [Double], costs: SENDCosts
    ) -> Year {
        var y = Year()
        allocate(state, column: c, year: year, capacity: capacity, levers: levers, independentShare: independentShare, annualCosts: annualCosts(costs), into: &y)
        return y
    }

    static func allocate(
        _ state: SENDState, column c: Int, year: AcademicYear, capacity: CapacityYear, levers: SENDLevers, independentShare: [Double],
        annualCosts annual: [Double], into y: inout Year
    ) {
        var p = [Double](repeating: 0, count: profileSize)
        p.withUnsafeMutableBufferPointer { profile(state, column: c, into: $0) }
        p.withUnsafeBufferPointer {
            allocate(profile: $0, year: year, capacity: capacity, levers: levers, independentShare: independentShare, annualCosts: annual, into: &y)
        }
    }

    /// ARP demand takes ARP places; special demand, and ARP demand beyond the ARP places,
    /// take the need's special places; what is left shares the places open to any need; the
    /// remainder is independent (by `independentShare`) or out of borough; then the levers.
    /// Reads only the column's ``profileSize`` profile; every field of `y` is written (it
    /// can be reused from column to column).
    static func allocate(
        profile: UnsafeBufferPointer<Double>, year: AcademicYear, capacity: CapacityYear, levers: SENDLevers, independentShare: [Double],
        annualCosts annual: [Double], into y: inout Year
    ) {
        let N = SENDCalibration.needs.count, P = SENDCalibration.placements.count
        let special = SENDCalibration.cell(0, .special), arpCell = SENDCalibration.cell(0, .arp)
        let mainstreamCell = SENDCalibration.cell(0, .mainstream), apOtherCell = SENDCalibration.cell(0, .apOther)
        for pi in 0..<2 {
            // Pupils by need and demand placement in the phase's year groups.
            let sums = UnsafeBufferPointer(rebasing: profile[(pi * N * P)..<((pi + 1) * N * P)])
            var totalLeftover = 0.0
            for n in 0..<N {
                let arpDemand = sums[n * P + arpCell], specialDemand = sums[n * P + special]
                y.arpPlaced[n] = min(arpDemand, capacity.arp[pi][n])
                let beyond = specialDemand + arpDemand - y.arpPlaced[n]
                y.specPlaced[n] = min(beyond, capacity.special[pi][n])
                y.leftover[n] = beyond - y.specPlaced[n]
                totalLeftover += y.leftover[n]
            }
            let anyCap = capacity.anyNeed[pi]
            for n in 0..<N {
                let i = pi * N + n
                let arpDemand = sums[n * P + arpCell], specialDemand = sums[n * P + special]
                let demand = arpDemand + specialDemand
                let anyShare = totalLeftover > 0 ? y.leftover[n] / totalLeftover : 0
                let anyPlaced = min(y.leftover[n], anyCap * anyShare)
                y.demand[i] = demand
                y.places[i] = capacity.arp[pi][n] + capacity.special[pi][n] + anyCap * anyShare
                y.placedInBorough[i] = y.arpPlaced[n] + y.specPlaced[n] + anyPlaced
                y.mainstream[i] = sums[n * P + mainstreamCell]
                y.apOther[i] = sums[n * P + apOtherCell]
                y.pupils[i] = y.mainstream[i] + arpDemand + specialDemand + y.apOther[i]
                y.arp[i] = y.arpPlaced[n]
                y.specialInBorough[i] = y.specPlaced[n] + anyPlaced
                y.remainder[i] = max(0, demand - y.placedInBorough[i])
                y.independent[i] = y.remainder[i] * independentShare[pi]
                y.outOfBorough[i] = y.remainder[i] - y.independent[i]
            }
        }
        if !levers.isEmpty { apply(levers, to: &y, profile: profile, year: year) }
        for i in 0..<(2 * N) {
            y.cost[i] = y.mainstream[i] * annual[0] + y.arp[i] * annual[1] + y.specialInBorough[i] * annual[2] + y.independent[i] * annual[3]
                + y.outOfBorough[i] * annual[4] + y.apOther[i] * annual[5]
        }
    }

    /// Moves pupils in borough as the scenario's levers say: cumulative moves out of
    /// independent places (shared over the rows of the need in proportion to their
    /// independent placements, never more than there are), and cuts in out-of-borough
    /// placements for cohorts that passed a transfer point since the lever's year.
    static func apply(_ levers: SENDLevers, to y: inout Year, profile: UnsafeBufferPointer<Double>, year: AcademicYear) {
        let N = SENDCalibration.needs.count
        for m in levers.moves where year >= m.from {
            let wanted = m.perYear * Double(year - m.from + 1)
            let eligible = (0..<(2 * N)).filter { m.need == nil || SENDCalibration.needs[$0 % N] == m.need }
            let pool = eligible.reduce(0.0) { $0 + y.independent[$1] }
            guard pool > 0 else { continue }
            let share = min(1, wanted / pool)
            for i in eligible {
                let take = y.independent[i] * share
                y.independent[i] -= take
                y.placedInBorough[i] += take
                y.specialInBorough[i] += take
            }
        }
        for r in levers.transferReductions where year >= r.from {
            for i in N..<(2 * N) where y.outOfBorough[i] > 0 {
                let cut = y.outOfBorough[i] * r.share * fractionPassedTransfer(profile, need: i - N, year: year, from: r.from)
                y.outOfBorough[i] -= cut
                y.placedInBorough[i] += cut
                y.specialInBorough[i] += cut
            }
        }
    }

    /// The share of secondary specialist demand (for a need) in cohorts that passed its
    /// transfer point (entry to Year 7, or to Year 12 for the sixth form) in `from` or later.
    static func fractionPassedTransfer(_ profile: UnsafeBufferPointer<Double>, need n: Int, year: AcademicYear, from: AcademicYear) -> Double {
        let N = SENDCalibration.needs.count
        var passed = 0.0, all = 0.0
        for g in 7...13 {
            let d = profile[2 * SENDCalibration.cells + (g - 7) * N + n]
            let transfer = g >= 12 ? 12 : 7
            all += d
            if year - (g - transfer) >= from { passed += d }
        }
        return all > 0 ? passed / all : 0
    }
}

/// A scenario's in-borough specialist places in one year: [phase][need], and open to any need by phase.
struct CapacityYear {
    var arp: [[Double]], special: [[Double]], anyNeed: [Double]
    init(_ capacity: Capacity, year: AcademicYear) {
        let N = SENDCalibration.needs.count
        arp = (0..<2).map { pi in (0..<N).map { capacity.arp($0, pi, year) } }
        special = (0..<2).map { pi in (0..<N).map { capacity.special($0, pi, year) } }
        anyNeed = (0..<2).map { capacity.anyNeed($0, year) }
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
