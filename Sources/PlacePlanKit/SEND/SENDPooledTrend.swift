import Foundation

/// What every authority's new plans say about one authority's future new plans.
///
/// An authority's own five-year growth of new plans per pupil is a poor guide to its next
/// five years (the rolling SEND backtest, docs/send.md): it is noisy, and it says nothing
/// of the national momentum that lifted every authority after 2016. Two pooled facts carry
/// most of what can be known:
///
/// - **National momentum** g: the log-linear growth of the EHC plans in England (all ages)
///   over the last ``momentumYears`` Januaries to the origin, from the National rows of the
///   age-band and caseload files. It replaces the authority's own growth in
///   ``SENDTrend/factor(growth:years:)``. The plans are counted to the origin January, while
///   new plans are published a year or more later (in today's files to 2021 only), so they
///   are the freshest national signal there is.
/// - **Pull to the pooled rate**: an authority whose new-plan rate r is above the rate R
///   pooled over the authorities in the data (new plans over pupils) tends to grow more
///   slowly, and one below it faster. With the relative level x = log(r / R) over the last
///   three years, the authority's excess after h years is x ρ^h, ρ = ``reversion``.
///
/// Without National rows the momentum is that of the pooled rate; with one authority in
/// the data the pull is nil (x = 0), so the model falls back to the authority's own history.
public struct SENDPooledTrend: Sendable, Hashable {
    /// EHC plans in England (all ages) by January (the National rows).
    public var nationalPlans: [Int: Double]
    /// New plans per pupil by calendar year, pooled over the authorities in the data.
    public var pooledRate: [Int: Double]
    /// How many authorities the pooled rate sums.
    public var authorities: Int

    /// The share of an authority's relative level that remains a year later, ρ. Estimated
    /// on the rolling backtest pooled over London and 63 other English authorities: the
    /// regression of the log change of each authority's new-plan rate on its relative
    /// level gives 0.54, 0.38 and 0.27 of the level remaining after 1, 2 and 3 years, and
    /// the backtest's error is flat for ρ from 0.5 to 0.85 (docs/send.md).
    public static let reversion = 0.7
    /// Januaries in the momentum's log-linear fit.
    public static let momentumYears = 3

    public init(nationalPlans: [Int: Double], pooledRate: [Int: Double], authorities: Int) {
        self.nationalPlans = nationalPlans
        self.pooledRate = pooledRate
        self.authorities = authorities
    }

    /// Pools the new-plan rates of every authority in `histories` that the census in `data`
    /// covers (the sum of new plans over the sum of pupils, in years every age band has a
    /// count), and takes England's plans by January from `national`.
    public init(histories: [String: EHCPHistory], data: DataSet, national: [Int: Double]) {
        var sums: [Int: (plans: Double, pupils: Double)] = [:]
        var count = 0
        for (code, history) in histories.sorted(by: { $0.key < $1.key }) {
            guard let a = data.areas.firstIndex(where: { $0.id == code || $0.localAuthority == code }) else { continue }
            let rates = SENDCalibration.newPlanTotals(history, requireEveryBand: true) { year in
                data.rolls.yearIndex(year).map { t in YearGroup.all.map { data.rolls.pupils(yearIndex: t, area: a, $0) ?? 0 } }
            }
            guard !rates.isEmpty else { continue }
            count += 1
            for r in rates { sums[r.year, default: (0, 0)].plans += r.plans; sums[r.year, default: (0, 0)].pupils += r.pupils }
        }
        self.init(
            nationalPlans: national, pooledRate: sums.compactMapValues { $0.pupils > 0 ? $0.plans / $0.pupils : nil },
            authorities: count)
    }

    /// England's EHC plans (all ages) by January from the DfE files in `directory`: the
    /// age-band file's National "Total" rows and the caseload file's National "All EHC plans"
    /// rows (which run later); empty when the files have none (files cut to one authority).
    public static func nationalPlans(directory: String) throws(PlacePlanError) -> [Int: Double] {
        guard let files = try EHCPHistory.files(in: directory) else { return [:] }
        var out: [Int: Double] = [:]
        for (key, column) in [("bands", "total_all"), ("placement", "ehcplans")] {
            guard let path = files[key] else { continue }
            let f = try CSVFile(path: path)
            guard let level = f.columnNumber(["geographic_level"]), let value = f.columnNumber([column]) else { continue }
            let period = try f.require("time_period")
            let label = key == "bands" ? try f.require("characteristic_age") : try f.require("breakdown_topic")
            try forEachRecord(f) { r throws(PlacePlanError) in
                guard r.text(level).lowercased() == "national", ["total", "all ehc plans"].contains(r.text(label).lowercased()) else { return }
                // The age-band file counts the calendar year of its January; the caseload file
                // its academic year (202425 is January 2025).
                let text = r.text(period)
                let january = text.count == 6 ? (Int(text.prefix(4)).map { $0 + 1 }) : Int(text)
                guard let january, out[january] == nil, let v = try r.count(value, allowMissing: true), v > 0 else { return }
                out[january] = v
            }
        }
        return out
    }

    /// The momentum known at January `january`: the log-linear growth a year of England's
    /// plans over the last ``momentumYears`` Januaries to it (of the pooled new-plan rate,
    /// over calendar years before it, when the files have no National rows), its standard
    /// error, and the years fitted. Nil with fewer than three years.
    public func momentum(through january: Int) -> (growth: Double, error: Double, years: ClosedRange<Int>)? {
        let points = (nationalPlans.isEmpty ? pooledRate.filter { $0.key < january } : nationalPlans.filter { $0.key <= january })
            .filter { $0.value > 0 }.sorted { $0.key < $1.key }.suffix(Self.momentumYears)
        guard points.count >= 3, let first = points.first?.key, let last = points.last?.key else { return nil }
        let fit = LogLinearGrowth(points.map { (Double($0.key), $0.value) })
        return (fit.growth, fit.error, first...last)
    }

    /// The authority's relative level x = log(r / R) before calendar year `year`: its mean
    /// new-plan rate over the last three years with a pooled rate, over the pooled mean of
    /// the same years. Zero when the pool is the authority alone or no year matches.
    public func relativeLevel(of own: [(year: Int, rate: Double)], before year: Int) -> Double {
        guard authorities > 1 else { return 0 }
        let years = own.filter { $0.year < year && $0.rate > 0 && pooledRate[$0.year] != nil }.suffix(3)
        guard !years.isEmpty else { return 0 }
        let r = years.reduce(0) { $0 + $1.rate } / Double(years.count)
        let pooled = years.reduce(0) { $0 + pooledRate[$1.year]! } / Double(years.count)
        return pooled > 0 ? log(r / pooled) : 0
    }

    /// How far the pooled rate moved from its mean over the three years before `year` to its
    /// last year: brings rates averaged over three years to the level of the last one. One
    /// when it cannot be measured.
    public func levelShift(before year: Int) -> Double {
        let years = pooledRate.filter { $0.key < year }.sorted { $0.key < $1.key }.suffix(3)
        guard let last = years.last?.value, !years.isEmpty else { return 1 }
        let mean = years.reduce(0) { $0 + $1.value } / Double(years.count)
        return mean > 0 ? last / mean : 1
    }
}

/// A least-squares line through (year, log value): growth e^slope − 1 and its standard
/// error (delta method, zero with two points).
struct LogLinearGrowth: Sendable {
    var growth = 0.0
    var error = 0.0

    init(_ points: [(x: Double, y: Double)]) {
        let pts = points.filter { $0.y > 0 }
        guard pts.count >= 2 else { return }
        let xs = pts.map(\.x), ys = pts.map { log($0.y) }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        guard sxx > 0 else { return }
        let slope = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / sxx
        growth = exp(slope) - 1
        if pts.count > 2 {
            let residual = zip(xs, ys).reduce(0) { $0 + pow($1.1 - my - slope * ($1.0 - mx), 2) }
            error = (residual / Double(pts.count - 2) / sxx).squareRoot() * (1 + growth)
        }
    }
}
