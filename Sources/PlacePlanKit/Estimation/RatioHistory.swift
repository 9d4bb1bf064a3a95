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
    /// bases[g] for g = 0 ... 12: A×A, receiving area by row, sending area by column.
    public let bases: [Matrix]
    /// cohort[g][b][i]: the ratio for g → g+1 into area b observed at census years[i+1].
    public let cohort: [[[Double?]]]
    /// The numerator and predictor behind each cohort ratio, for pooled estimates.
    public let cohortParts: [[[(numerator: Double, predictor: Double)?]]]
    /// intake[a][i]: Reception at years[i] over the births that fed it; nil for areas without
    /// Reception, or where births or Reception are missing.
    public let intake: [[Double?]]
    public let intakeParts: [[(numerator: Double, predictor: Double)?]]

    public init(data: DataSet) {
        areas = data.areas
        years = data.rolls.years
        let rolls = data.rolls
        let A = areas.count
        bases = (0..<13).map { Self.baseMatrix(from: YearGroup($0), areas: data.areas, transfers: data.transfers) }

        var cohort: [[[Double?]]] = []
        var parts: [[[(numerator: Double, predictor: Double)?]]] = []
        for g in 0..<13 {
            let base = bases[g]
            var ratios = Array(repeating: [Double?](), count: A)
            var gParts = Array(repeating: [(numerator: Double, predictor: Double)?](), count: A)
            for t in 1..<max(1, years.count) {
                // Previous year's year group g, as a vector over areas; missing values mark
                // every area that draws on them as missing.
                var previous = [Double](repeating: 0, count: A)
                var missing = [Bool](repeating: false, count: A)
                for a in 0..<A {
                    if let v = rolls.pupils(yearIndex: t - 1, area: a, YearGroup(g)) { previous[a] = v } else { missing[a] = true }
                }
                var predictor = [Double](repeating: 0, count: A)
                base.values.withUnsafeBufferPointer { b in
                    previous.withUnsafeBufferPointer { x in
                        predictor.withUnsafeMutableBufferPointer { y in
                            BLAS.gemv(m: A, n: A, a: b.baseAddress!, x: x.baseAddress!, y: y.baseAddress!)
                        }
                    }
                }
                for b in 0..<A {
                    let draws = (0..<A).contains { base[b, $0] != 0 }
                    let anyMissing = (0..<A).contains { base[b, $0] != 0 && missing[$0] }
                    guard draws, !anyMissing, predictor[b] > 0,
                        let n = rolls.pupils(yearIndex: t, area: b, YearGroup(g + 1))
                    else {
                        ratios[b].append(nil)
                        gParts[b].append(nil)
                        continue
                    }
                    ratios[b].append(n / predictor[b])
                    gParts[b].append((n, predictor[b]))
                }
            }
            cohort.append(ratios)
            parts.append(gParts)
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
                if let births = series.births[BirthSeries.midYear(feeding: year)], births > 0,
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
    }

    /// B_g: who feeds year group g+1 of each area from year group g.
    ///
    /// Within an area that holds both year groups, the area itself (identity). Into Year 7 of
    /// a secondary area, the Year 6 of primary areas: the stated transfer shares when a
    /// transfers file is given, else every primary area of the same authority with weight 1
    /// (the cohort ratio then carries the area's share of the authority's transfer).
    public static func baseMatrix(from g: YearGroup, areas: [PlanningArea], transfers: TransferShares?) -> Matrix {
        let A = areas.count
        var m = Matrix(rows: A, columns: A)
        let next = YearGroup(g.index + 1)
        for (b, receiving) in areas.enumerated() where receiving.phase.yearGroups.contains(next) {
            if receiving.phase.yearGroups.contains(g) {
                m[b, b] = 1
                continue
            }
            // Receiving area starts at g+1: a transfer (Year 6 to Year 7).
            if let shares = transfers?.shares[receiving.id] {
                for (a, sending) in areas.enumerated() { m[b, a] = shares[sending.id] ?? 0 }
            } else {
                let feeders = areas.indices.filter {
                    areas[$0].phase.yearGroups.contains(g) && !areas[$0].phase.yearGroups.contains(next)
                }
                let sameLA = feeders.filter { areas[$0].localAuthority == receiving.localAuthority }
                for a in (sameLA.isEmpty ? feeders : sameLA) { m[b, a] = 1 }
            }
        }
        return m
    }
}
