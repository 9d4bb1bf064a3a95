/// How new-plan rates are assumed to change: the assumption that dominates any SEND
/// forecast (England's plans grew about 10% a year 2015-2025).
public enum SENDTrend: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Rates keep growing at the recent annual growth g: factor (1 + g)^h.
    case continueGrowth
    /// Growth decays from g toward a long-run rate L: the growth in year i ahead is
    /// L + (g − L) φ^i, so the factor is Π_{i=1}^{h} (1 + L + (g − L) φ^i).
    case damped(longRun: Double, persistence: Double)
    /// Rates stay at the origin's level.
    case hold

    /// Damped toward 2% a year with persistence 0.9: the excess growth halves in about 6.6
    /// years (chosen on the rolling SEND backtest, docs/send.md).
    public static let `default` = SENDTrend.damped(longRun: 0.02, persistence: defaultPersistence)
    /// The persistence φ of the default damped trend.
    public static let defaultPersistence = 0.9

    public var description: String {
        switch self {
        case .continueGrowth: "continue recent growth"
        case .damped(let l, let phi): "damped toward \(Format.percent(l)) a year (persistence \(Format.decimal(phi, places: 2)))"
        case .hold: "hold at the origin's rates"
        }
    }

    public init?(parsing text: String, longRun: Double = 0.02) {
        switch text.lowercased() {
        case "continue": self = .continueGrowth
        case "damped", "damp": self = .damped(longRun: longRun, persistence: Self.defaultPersistence)
        case "hold": self = .hold
        default: return nil
        }
    }

    /// The multiplier on new-plan rates h years after the origin, given recent growth g.
    public func factor(growth g: Double, years h: Int) -> Double {
        var f = 1.0
        for i in stride(from: 1, through: h, by: 1) {
            switch self {
            case .continueGrowth: f *= 1 + g
            case .damped(let l, let phi): f *= 1 + l + (g - l) * pow(phi, Double(i))
            case .hold: break
            }
        }
        return f
    }
}

/// The SEND model's parameters for one authority, estimated from its EHCP history and
/// mainstream rolls. Index conventions: g is the year group (0 = Reception ... 13),
/// n the primary need (``PrimaryNeed/allCases`` order), p the demand placement.
public struct SENDCalibration: Sendable {
    public static let needs = PrimaryNeed.allCases
    public static let placements = DemandPlacement.allCases
    /// Need × placement cells per year group.
    public static let cells = needs.count * placements.count

    /// The census the model starts from (the latest January with plans by single age).
    public var origin: AcademicYear
    /// Plans at the origin: stock[g][n * 4 + p].
    public var stock: [[Double]]
    /// Share of plans ceasing in the move from year group g to g+1, by year group.
    public var cessation: [Double]
    /// The age bands whose cessation is the assumed ``assumedCessation`` because the age-band
    /// files give no balance of plans a year apart for them (the output says so).
    public var cessationAssumed: [AgeBand] = []
    /// The age bands whose cessation comes from the LAs the authority was made from
    /// (``EHCPHistory/predecessorBands``), as its own files are too short.
    public var cessationFromPredecessors: [AgeBand] = []
    /// The LA numbers of those predecessors.
    public var cessationPredecessors: [String] = []
    /// Cessation a year where the files cannot measure it.
    public static let assumedCessation = 0.02
    /// New plans per mainstream pupil in year group g at the origin.
    public var joinRate: [Double]
    /// The annual growth g the trend starts from: national momentum
    /// (``SENDPooledTrend/momentum(through:)``) when calibrated with a pooled trend, else the
    /// authority's own log-linear growth of new plans per pupil over the last five years.
    public var growth: Double
    /// The standard error of that growth (from the log-linear fit), for draws.
    public var growthError: Double = 0
    /// The Januaries (calendar years without National rows) the momentum was fitted on; nil
    /// when `growth` is the authority's own.
    public var momentumYears: ClosedRange<Int>?
    /// What the momentum was fitted on: England's plans (National rows), or without them the
    /// new-plan rate pooled over the authorities in the data; nil without a pooled trend.
    public var momentumSeries: String?
    /// The authority's relative level x at the origin: log of its new-plan rate over the
    /// pooled rate, decayed by ρ a year from the last year of new plans to the origin. Its
    /// excess fades as x ρ^h (``newPlanFactor(_:growth:years:)``); 0 without a pool.
    public var relativeLevel: Double = 0
    /// How many authorities the pooled rate sums (0 without a pooled trend).
    public var pooledAuthorities = 0
    /// Joiners' need mix by year group: needMix[g][n], summing to 1.
    public var needMix: [[Double]]
    /// Joiners' placement by year group and need: placementMix[g][n][p], summing to 1 over p.
    public var placementMix: [[[Double]]]
    /// Placement moves between year groups: transition[g][n][p][q] from p (in g) to q (in g+1).
    public var transition: [[[[Double]]]]
    /// Special-school plans at the origin that are in independent or non-maintained schools,
    /// by phase (0 primary, 1 secondary) and need.
    public var independentAtOrigin: [[Double]]

    /// The multiplier on the origin's new-plan rates h years on: the trend's factor for
    /// growth g (default ``growth``) times the fading of the authority's excess over the
    /// pooled rate, e^{x (ρ^h − 1)} with x = ``relativeLevel``, ρ = ``SENDPooledTrend/reversion``.
    /// Equals `trend.factor(growth: g, years: h)` without a pool (x = 0).
    public func newPlanFactor(_ trend: SENDTrend, growth g: Double? = nil, years h: Int) -> Double {
        Self.newPlanFactor(trend, growth: g ?? growth, relativeLevel: relativeLevel, years: h)
    }

    /// trend.factor(g, h) · e^{x (ρ^h − 1)}: ``newPlanFactor(_:growth:years:)`` for any g and x.
    public static func newPlanFactor(_ trend: SENDTrend, growth g: Double, relativeLevel x: Double, years h: Int) -> Double {
        trend.factor(growth: g, years: h) * exp(x * (pow(SENDPooledTrend.reversion, Double(h)) - 1))
    }

    /// The index of a (need, placement) cell.
    public static func cell(_ n: Int, _ p: DemandPlacement) -> Int { n * placements.count + p.rawValue }

    /// Calibrates from the EHCP history and mainstream pupils by year group (actual rolls,
    /// or the mainstream forecast beyond them): `pupils(year)` gives the LA's pupils by g.
    /// With `pooled`, new-plan rates grow with national momentum and the authority's
    /// distance from the pooled rate fades (``SENDPooledTrend``); without it, they grow with
    /// the authority's own recent growth.
    public static func calibrate(
        _ history: EHCPHistory, pooled: SENDPooledTrend? = nil, pupils: (AcademicYear) -> [Double]?
    ) throws(PlacePlanError) -> SENDCalibration {
        guard let latest = history.latestByAge, let byAge = history.plansByAge[latest] else {
            throw .insufficientHistory("\(history.authority): no plans by single age", hint: "the caseload file needs the 'Child or young persons age' breakdown")
        }
        let origin = AcademicYear(latest - 1)
        let stock = startingTable(history, byAge: byAge)
        let (cessation, fromPredecessors, assumed) = cessationWithSource(history)
        let shape = joinShape(history, pupils: pupils)
        // No new plans would forecast every plan ceasing in turn: a silent zero, not a forecast.
        guard shape.rates.contains(where: { $0 > 0 }) else {
            let file = history.files.first { $0.contains("ehcp_new_plans") } ?? "ehcp_new_plans_by_age_band_*.csv"
            let years = history.newPlansByBand.keys.sorted()
            throw .insufficientHistory(
                "\(file): no new plans for \(history.authority) in a year the rolls cover"
                    + (years.isEmpty ? " (the file has no rows for it)" : " (it has \(years.first!)-\(years.last!))"),
                hint: "new-plan rates are new plans per pupil: the file needs the authority's rows for years the rolls cover")
        }
        // A band with no count in any such year (every cell suppressed) would join no one.
        if !shape.unmeasured.isEmpty {
            let file = history.files.first { $0.contains("ehcp_new_plans") } ?? "ehcp_new_plans_by_age_band_*.csv"
            throw .insufficientHistory(
                "\(file): no count of new plans for \(history.authority), \(shape.unmeasured.map(\.rawValue).joined(separator: ", ")), in any year the rolls cover (suppressed or missing)",
                hint: "new-plan rates are new plans per pupil in each age band: supply the counts (0 where there were none)")
        }

        // Level: scale the rates so that last year's plans by age, aged on with the
        // cessation rates, plus the joiners reproduce this year's plans.
        var joinRate = shape.rates
        if let previous = history.plansByAge[latest - 1], let n = pupils(origin) {
            var survivors = 0.0
            for g in 0..<13 {
                let plans = DemandPlacement.allCases.reduce(0.0) { $0 + (previous[g + 4]?[$1] ?? 0) }
                survivors += plans * (1 - cessation[g])
            }
            let total = stock.reduce(0) { $0 + $1.reduce(0, +) }
            let unit = (0..<YearGroup.count).reduce(0.0) { $0 + shape.rates[$1] * n[$1] }
            if unit > 0 {
                let k = min(5, max(0.2, (total - survivors) / unit))
                joinRate = shape.rates.map { $0 * k }
            }
        }

        // Joiners look like the plans already in their year group.
        var needMix: [[Double]] = [], placementMix: [[[Double]]] = []
        for g in 0..<YearGroup.count {
            let row = stock[g]
            let total = max(1e-12, row.reduce(0, +))
            needMix.append(needs.indices.map { n in placements.reduce(0.0) { $0 + row[cell(n, $1)] } / total })
            placementMix.append(needs.indices.map { n in
                let byP = placements.map { row[cell(n, $0)] }
                let s = byP.reduce(0, +)
                return s > 0 ? byP.map { $0 / s } : [1, 0, 0, 0]
            })
        }
        var independent = [Array(repeating: 0.0, count: needs.count), Array(repeating: 0.0, count: needs.count)]
        if let ind = history.independentByAge[latest] {
            for g in 0..<YearGroup.count {
                let special = needs.indices.reduce(0.0) { $0 + stock[g][cell($1, .special)] }
                guard special > 0 else { continue }
                for n in needs.indices {
                    independent[g <= 6 ? 0 : 1][n] += (ind[g + 4] ?? 0) * stock[g][cell(n, .special)] / special
                }
            }
        }
        var calibration = SENDCalibration(
            origin: origin, stock: stock, cessation: cessation, joinRate: joinRate, growth: shape.growth, needMix: needMix,
            placementMix: placementMix, transition: transitions(stock), independentAtOrigin: independent)
        calibration.growthError = shape.growthError
        calibration.cessationAssumed = assumed
        calibration.cessationFromPredecessors = fromPredecessors
        calibration.cessationPredecessors = fromPredecessors.isEmpty ? [] : history.predecessorBands.keys.sorted()
        if let pooled, let lastNew = shape.totals.last?.year, let momentum = pooled.momentum(through: latest) {
            calibration.growth = momentum.growth
            calibration.growthError = momentum.error
            calibration.momentumYears = momentum.years
            calibration.momentumSeries = pooled.nationalPlans.isEmpty ? "the pooled new-plan rate" : "England's plans"
            calibration.pooledAuthorities = pooled.authorities
            // The gap between the last year of new plans and the origin has already closed part of the excess.
            let gap = max(0, origin.startYear - lastNew)
            calibration.relativeLevel = pooled.relativeLevel(of: shape.totals, before: lastNew + 1) * pow(SENDPooledTrend.reversion, Double(gap))
        }
        return calibration
    }

    /// Plans by year group × need × placement at the origin, by iterative proportional
    /// fitting to the three published margins: age × placement, age × need, and need ×
    /// placement (all ages, scaled to Reception-Year 13).
    static func startingTable(_ history: EHCPHistory, byAge: [Int: [DemandPlacement: Double]]) -> [[Double]] {
        let G = YearGroup.count, N = needs.count, P = placements.count
        let agePlacement = (0..<G).map { g in placements.map { byAge[g + 4]?[$0] ?? 0 } }
        let ageTotals = agePlacement.map { $0.reduce(0, +) }
        let ageNeed = (0..<G).map { g -> [Double] in
            let raw = needs.map { history.needByAge[g + 4]?[$0] ?? 0 }
            let s = raw.reduce(0, +)
            return s > 0 ? raw.map { $0 / s * ageTotals[g] } : Array(repeating: ageTotals[g] / Double(N), count: N)
        }
        let rawNP = needs.map { n in placements.map { history.needByPlacement[n]?[$0] ?? 0 } }
        let scaleNP = ageTotals.reduce(0, +) / max(1e-12, rawNP.reduce(0) { $0 + $1.reduce(0, +) })
        let needPlacement = rawNP.map { $0.map { $0 * scaleNP } }
        var x = Array(repeating: Array(repeating: 1.0, count: N * P), count: G)
        for _ in 0..<200 {
            for g in 0..<G {
                for p in 0..<P {
                    let s = (0..<N).reduce(0.0) { $0 + x[g][$1 * P + p] }
                    let f = s > 0 ? agePlacement[g][p] / s : 0
                    for n in 0..<N { x[g][n * P + p] *= f }
                }
                for n in 0..<N {
                    let s = (0..<P).reduce(0.0) { $0 + x[g][n * P + $1] }
                    let f = s > 0 ? ageNeed[g][n] / s : 0
                    for p in 0..<P { x[g][n * P + p] *= f }
                }
            }
            for n in 0..<N {
                for p in 0..<P {
                    let s = (0..<G).reduce(0.0) { $0 + x[$1][n * P + p] }
                    let f = s > 0 ? needPlacement[n][p] / s : 0
                    for g in 0..<G { x[g][n * P + p] *= f }
                }
            }
        }
        // End on the age × placement margin, so the table's totals are the published ones.
        for g in 0..<G {
            for p in 0..<P {
                let s = (0..<N).reduce(0.0) { $0 + x[g][$1 * P + p] }
                if s > 0 { for n in 0..<N { x[g][n * P + p] *= agePlacement[g][p] / s } }
            }
        }
        return x
    }

    /// Cessation by year group, from the balance of plans by age band: of the plans in a
    /// band and the new plans made in a year, those not found a year later (in the band or
    /// aged into the next, at 1/width of the band a year) have ceased. Averaged over years
    /// and kept within 0-20% a year. Reception takes the 5-10 band's rate: under-5 plans are
    /// mostly of 3- and 4-year-olds, who leave the band faster than 1/5 a year, so its
    /// balance says nothing about cessation.
    static func cessationRates(_ history: EHCPHistory) -> [Double] { cessationWithSource(history).rates }

    /// The cessation rates by year group, with the age bands whose balance came from the
    /// authority's predecessors (where its own files give none) and those left at
    /// ``assumedCessation`` (where neither does). Reception goes with the 5-10 band.
    static func cessationWithSource(_ history: EHCPHistory) -> (rates: [Double], fromPredecessors: [AgeBand], assumed: [AgeBand]) {
        let own = cessationBalances(plans: history.plansByBand, newPlans: history.newPlansByBand)
        var inherited: [AgeBand: [Double]] = [:]
        for (_, bands) in history.predecessorBands.sorted(by: { $0.key < $1.key }) {
            for (b, r) in cessationBalances(plans: bands.plans, newPlans: bands.newPlans) { inherited[b, default: []] += r }
        }
        func source(_ b: AgeBand) -> AgeBand { b == .under5 ? .age5to10 : b }
        let shown: [AgeBand] = [.under5, .age5to10, .age11to15, .age16to19]
        let fromPredecessors = shown.filter { (own[source($0)] ?? []).isEmpty && !(inherited[source($0)] ?? []).isEmpty }
        let assumed = shown.filter { (own[source($0)] ?? []).isEmpty && (inherited[source($0)] ?? []).isEmpty }
        let rates = YearGroup.all.map { g in
            let band = g == .reception ? AgeBand.age5to10 : AgeBand(g)
            let r = (own[band] ?? []).isEmpty ? inherited[band] ?? [] : own[band]!
            return r.isEmpty ? assumedCessation : min(0.2, max(0, r.reduce(0, +) / Double(r.count)))
        }
        return (rates, fromPredecessors, assumed)
    }

    /// The yearly cessation each age band's balance gives (of the band's plans and new plans,
    /// the share not found a year later), by band, over the years the counts allow.
    static func cessationBalances(plans: [Int: [AgeBand: Double]], newPlans: [Int: [AgeBand: Double]]) -> [AgeBand: [Double]] {
        let bands: [AgeBand] = [.under5, .age5to10, .age11to15, .age16to19]
        let width: [AgeBand: Double] = [.under5: 5, .age5to10: 6, .age11to15: 5, .age16to19: 4]
        var rates: [AgeBand: [Double]] = [:]
        for (y, now) in plans.sorted(by: { $0.key < $1.key }) {
            guard let next = plans[y + 1], let new = newPlans[y] else { continue }
            for (i, b) in bands.enumerated() {
                guard let s = now[b], let s1 = next[b], let joiners = new[b], s + joiners > 0 else { continue }
                let inflow = i > 0 ? (now[bands[i - 1]] ?? 0) / width[bands[i - 1]]! : 0
                let ceased = s + joiners + inflow - s / width[b]! - s1
                rates[b, default: []].append(ceased / (s + joiners))
            }
        }
        return rates
    }

    /// New plans and pupils (the year groups of the four age bands) by calendar year y, the
    /// pupils those of the January after (academic year y/y+1); with `requireEveryBand`
    /// only years with a count for every band.
    static func newPlanTotals(
        _ history: EHCPHistory, requireEveryBand: Bool = false, pupils: (AcademicYear) -> [Double]?
    ) -> [(year: Int, plans: Double, pupils: Double)] {
        let bands: [AgeBand] = [.under5, .age5to10, .age11to15, .age16to19]
        var out: [(year: Int, plans: Double, pupils: Double)] = []
        for (y, new) in history.newPlansByBand.sorted(by: { $0.key < $1.key }) {
            guard let n = pupils(AcademicYear(y)), !requireEveryBand || bands.allSatisfy({ new[$0] != nil }) else { continue }
            var allNew = 0.0, allPupils = 0.0
            for b in bands {
                let cohort = b.yearGroups.reduce(0.0) { $0 + n[$1.index] }
                guard let joiners = new[b], cohort > 0 else { continue }
                allNew += joiners
                allPupils += cohort
            }
            if allPupils > 0 { out.append((y, allNew, allPupils)) }
        }
        return out
    }

    /// New plans per mainstream pupil by year group (the mean of the last three calendar
    /// years with data), their recent growth (log-linear over the last five years, with its
    /// standard error), and the overall rate by year.
    static func joinShape(
        _ history: EHCPHistory, pupils: (AcademicYear) -> [Double]?
    ) -> (rates: [Double], growth: Double, growthError: Double, totals: [(year: Int, rate: Double)], unmeasured: [AgeBand]) {
        var byBand: [AgeBand: [Double]] = [:]
        var taught: Set<AgeBand> = []  // bands with pupils in a year of new plans
        for (y, new) in history.newPlansByBand.sorted(by: { $0.key < $1.key }) {
            guard let n = pupils(AcademicYear(y)) else { continue }
            for b in [AgeBand.under5, .age5to10, .age11to15, .age16to19] {
                let cohort = b.yearGroups.reduce(0.0) { $0 + n[$1.index] }
                if cohort > 0 { taught.insert(b) }
                guard let joiners = new[b], cohort > 0 else { continue }
                byBand[b, default: []].append(joiners / cohort)
            }
        }
        let totals = newPlanTotals(history, pupils: pupils).map { (year: $0.year, rate: $0.plans / $0.pupils) }
        let rates = YearGroup.all.map { g -> Double in
            let r = (byBand[AgeBand(g)] ?? []).suffix(3)
            return r.isEmpty ? 0 : r.reduce(0, +) / Double(r.count)
        }
        let recent = totals.suffix(5).filter { $0.rate > 0 }
        let fit = recent.count >= 3 ? LogLinearGrowth(recent.map { (Double($0.year), $0.rate) }) : LogLinearGrowth([])
        // Bands with pupils but no count (the City of London teaches no Year 7-11: not one of them).
        let unmeasured = [AgeBand.under5, .age5to10, .age11to15, .age16to19].filter { taught.contains($0) && byBand[$0] == nil }
        return (rates, fit.growth, fit.error, totals, unmeasured)
    }

    /// Placement moves as cohorts age, from the starting table: where a larger share of a
    /// need is in ARP or special places one year group up (most of all at the transfer to
    /// Year 7), that share moves from mainstream. Needs with fewer than 100 plans in the
    /// two year groups use the all-needs shares.
    static func transitions(_ stock: [[Double]]) -> [[[[Double]]]] {
        func shares(_ g: Int, _ ns: [Int]) -> [Double] {
            let byP = placements.map { p in ns.reduce(0.0) { $0 + stock[g][cell($1, p)] } }
            let s = byP.reduce(0, +)
            return s > 0 ? byP.map { $0 / s } : [1, 0, 0, 0]
        }
        return (0..<YearGroup.count).map { g in
            needs.indices.map { n in
                var m = (0..<4).map { p in (0..<4).map { q in p == q ? 1.0 : 0.0 } }
                guard g < 13 else { return m }
                let size = placements.reduce(0.0) { $0 + stock[g][cell(n, $1)] + stock[g + 1][cell(n, $1)] }
                let ns = size >= 100 ? [n] : Array(needs.indices)
                let now = shares(g, ns), next = shares(g + 1, ns)
                let mainstream = now[DemandPlacement.mainstream.rawValue]
                guard mainstream > 0 else { return m }
                var moved = 0.0
                for q in [DemandPlacement.arp, .special] {
                    let tau = min(0.5, max(0, next[q.rawValue] - now[q.rawValue]) / mainstream)
                    m[0][q.rawValue] = tau
                    moved += tau
                }
                m[0][0] = max(0, 1 - moved)
                return m
            }
        }
    }
}

import Foundation
