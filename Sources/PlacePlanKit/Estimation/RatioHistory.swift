import Foundation

/// The observed cohort ratios and births-to-Reception ratios in a roll history.
///
/// For the move from year group g to g+1 the predictor of area b at census t is
/// P_b(t) = Σ_a B_g[b, a] · N(t-1, g, a), where the base matrix B_g is the identity for
/// progression within an area and, for Year 6 to Year 7, the transfer shares from primary
/// to secondary areas. The observed ratio is r_b(t) = N(t, g+1, b) / P_b(t); it is missing
/// (never zero) when either count is missing or the predictor is zero.
public struct RatioHistory: Sendable {
    public let areas: [PlanningArea]
    public let years: [AcademicYear]
    /// Who feeds year group g+1 of each area from year group g (the base matrices B_g by
    /// their structure).
    public let structure: FlowStructure
    /// cohort[g][b][i]: the ratio for g → g+1 into area b observed at census years[i+1].
    public private(set) var cohort: [[[Double?]]]
    /// The numerator and predictor behind each cohort ratio, for pooled estimates.
    public private(set) var cohortParts: [[[(numerator: Double, predictor: Double)?]]]
    /// intake[a][i]: Reception at years[i] over the births that fed it; nil for areas without
    /// Reception, or where births or Reception are missing.
    public private(set) var intake: [[Double?]]
    public private(set) var intakeParts: [[(numerator: Double, predictor: Double)?]]
    /// emptyAtOrigin[g][b]: area b has no pupils to move up from year group g at its last
    /// census (the count known and zero): a small LA with no sixth form or no secondary
    /// school, or one whose sixth forms have closed.
    public private(set) var emptyAtOrigin: [[Bool]] = []

    /// The census years whose ratios were left out, as asked (`--exclude-years`).
    public let excludedYears: Set<AcademicYear>
    /// The census years found to be transient dips or spikes, per area index: their counts
    /// were rescaled for estimation (``repairTransients()``).
    public private(set) var transients: [Int: [AcademicYear]] = [:]

    /// - Parameter excludedYears: census years whose ratios (into that census, cohort and
    ///   intake alike) are left out of estimation, as officers leave out the pandemic years.
    public init(data: DataSet, excludedYears: Set<AcademicYear> = []) {
        areas = data.areas
        years = data.rolls.years
        self.excludedYears = excludedYears
        let rolls = data.rolls
        let A = areas.count
        structure = FlowStructure.build(areas: data.areas, transfers: data.transfers)

        var cohort: [[[Double?]]] = []
        var parts: [[[(numerator: Double, predictor: Double)?]]] = []
        for g in 0..<13 {
            let transition = structure.transitions[g]
            var ratios = Array(repeating: [Double?](), count: A)
            var gParts = Array(repeating: [(numerator: Double, predictor: Double)?](), count: A)
            // P_b from year group g at census index s: the area's own, or the sum over a
            // block's senders; a missing value marks every area that draws on it as missing.
            func predictors(at s: Int) -> [Double?] {
                var predictor = [Double?](repeating: nil, count: A)
                for a in 0..<A where transition.own[a] != 0 {
                    predictor[a] = rolls.pupils(yearIndex: s, area: a, YearGroup(g)).map { transition.own[a] * $0 }
                }
                for block in transition.blocks {
                    let previous = block.senders.map { rolls.pupils(yearIndex: s, area: $0, YearGroup(g)) }
                    for (i, r) in block.receivers.enumerated() {
                        var sum = 0.0, complete = true, draws = false
                        for (j, x) in previous.enumerated() {
                            let share = block.share(receiver: i, sender: j)
                            guard share != 0 else { continue }
                            draws = true
                            guard let x else {
                                complete = false
                                break
                            }
                            sum += share * x
                        }
                        predictor[r] = draws && complete ? sum : nil
                    }
                }
                return predictor
            }
            for t in 1..<max(1, years.count) {
                let predictor = predictors(at: t - 1)
                let excluded = excludedYears.contains(years[t])
                for b in 0..<A {
                    guard let p = predictor[b], p > 0, !excluded, let n = rolls.pupils(yearIndex: t, area: b, YearGroup(g + 1)) else {
                        ratios[b].append(nil)
                        gParts[b].append(nil)
                        continue
                    }
                    ratios[b].append(n / p)
                    gParts[b].append((n, p))
                }
            }
            cohort.append(ratios)
            parts.append(gParts)
            emptyAtOrigin.append(years.isEmpty ? Array(repeating: false, count: A) : predictors(at: years.count - 1).map { $0 == 0 })
        }
        self.cohort = cohort
        self.cohortParts = parts

        var intake: [[Double?]] = []
        var intakeParts: [[(numerator: Double, predictor: Double)?]] = []
        for (a, area) in areas.enumerated() {
            guard area.phase.yearGroups.contains(.reception), let series = data.birthSeries(for: area) else {
                intake.append(Array(repeating: nil, count: years.count))
                intakeParts.append(Array(repeating: nil, count: years.count))
                continue
            }
            var r: [Double?] = []
            var p: [(numerator: Double, predictor: Double)?] = []
            for (t, year) in years.enumerated() {
                if !excludedYears.contains(year), let births = series.births[BirthSeries.midYear(feeding: year)], births > 0,
                    let reception = rolls.pupils(yearIndex: t, area: a, .reception)
                {
                    r.append(reception / births)
                    p.append((reception, births))
                } else {
                    r.append(nil)
                    p.append(nil)
                }
            }
            intake.append(r)
            intakeParts.append(p)
        }
        self.intake = intake
        self.intakeParts = intakeParts
        repairTransients()
    }

    /// The smallest change, in log terms, of an area's pupils over a year that counts as a
    /// transient dip or spike (10%), and how many robust standard deviations of the area's own
    /// year-to-year changes it must also exceed (4).
    static let transientFloor = 0.10
    static let transientSpread = 4.0

    /// One census that is out of line with the years either side (a one-year dip or spike in
    /// every year group, then back: a pandemic count at a school, a data error) distorts two
    /// years of ratios, the ones into it and the ones out of it, and a ratio-based forecast from
    /// after it would carry the rebound forward as growth. Such a census is found per area from
    /// the year factor y(t) = Σ_g N(t, g+1) / Σ_g P_g(t), the ratio of all its year groups at t
    /// to their predictors: census t is transient when |log y(t)| ≥ max(10%, 4 σ̂), σ̂ the
    /// robust spread (1.4826 × median absolute deviation) of the area's log year factors, and the
    /// next year reverses at least half of it (log y(t + 1) of the other sign, |log y(t) +
    /// log y(t + 1)| ≤ ½ |log y(t)|). Its counts are then read as d = √(y(t) / y(t + 1)) times
    /// what they would have been: the ratios into it are divided by d (intake included), those
    /// out of it multiplied by d. The two-year ratios along each cohort are unchanged. The last
    /// census can never be judged so (nothing follows it). Areas whose pupils move this much and
    /// back every year are not repaired: their spread is large.
    mutating func repairTransients() {
        let A = areas.count, n = years.count - 1
        guard n >= 3 else { return }
        for a in 0..<A {
            // The year factor at each ratio index i (census years[i + 1]).
            var logs = [Double?](repeating: nil, count: n)
            for i in 0..<n {
                var num = 0.0, den = 0.0
                for g in 0..<13 {
                    if let p = cohortParts[g][a][i] {
                        num += p.numerator
                        den += p.predictor
                    }
                }
                if num > 0, den > 0 { logs[i] = log(num / den) }
            }
            let present = logs.compactMap { $0 }
            guard present.count >= 3 else { continue }
            let centre = Self.median(present)
            let spread = 1.4826 * Self.median(present.map { abs($0 - centre) })
            let threshold = max(Self.transientFloor, Self.transientSpread * spread)
            var i = 0
            while i + 1 < n {
                guard let now = logs[i], let next = logs[i + 1], abs(now) >= threshold, now * next < 0, abs(now + next) <= abs(now) / 2 else {
                    i += 1
                    continue
                }
                let d = exp((now - next) / 2)
                for g in 0..<13 {
                    if let r = cohort[g][a][i], let p = cohortParts[g][a][i] {
                        cohort[g][a][i] = r / d
                        cohortParts[g][a][i] = (p.numerator / d, p.predictor)
                    }
                    if let r = cohort[g][a][i + 1], let p = cohortParts[g][a][i + 1] {
                        cohort[g][a][i + 1] = r * d
                        cohortParts[g][a][i + 1] = (p.numerator, p.predictor / d)
                    }
                }
                if let r = intake[a][i + 1], let p = intakeParts[a][i + 1] {
                    intake[a][i + 1] = r / d
                    intakeParts[a][i + 1] = (p.numerator / d, p.predictor)
                }
                transients[a, default: []].append(years[i + 1])
                i += 2
            }
        }
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// B_g as a dense matrix (tests).
    public var bases: [Matrix] { (0..<13).map(structure.dense) }
}
