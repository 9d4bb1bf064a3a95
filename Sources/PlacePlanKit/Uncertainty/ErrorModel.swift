import Foundation

/// How far ratios and births stray from their forecasts, measured on the history itself by
/// the same rolling-origin validation that chooses the estimators (so nothing after the
/// origin is used).
///
/// For each transition (and the intake) the log error of the chosen estimator,
/// e = log(r_actual / r̂), is collected at every inner origin and step ahead h. Its scale at
/// each step is robust and weighted by pupils, σ(h) = median_w |e| / 0.6745 (the normal's
/// σ for that median; bias included), so that a few tiny areas with wild ratios do not
/// widen everyone's intervals; it is fitted as σ(h) = σ₁ h^β over the steps with enough
/// evidence. Three correlations of the standardised errors are estimated the same way:
/// between transitions of the same area and step (ρ), between areas (λ), and from one
/// step to the next (φ). Births beyond the known years err as the history's k-year log
/// changes do: σ_B(k) = RMS of log(B(t+k) / B(t)).
public struct RatioErrorModel: Sendable {
    /// sigma[t][h − 1]: transitions t = 0 ... 12 (into year group t+1), and t = 13 the intake.
    public var sigma: [[Double]]
    public var transitionCorrelation: Double
    public var areaCorrelation: Double
    public var persistence: Double
    /// birthsSigma[key][k − 1]: log births error k years beyond the last known.
    public var birthsSigma: [String: [Double]]

    static let steps = ForecastSettings.maximumHorizon

    public static func estimate(_ history: RatioHistory, selection: EstimatorSelection, births: [String: BirthSeries]) -> RatioErrorModel {
        struct Sample { var area: Int; var origin: Int; var step: Int; var transition: Int; var value: Double; var weight: Double }
        var samples: [Sample] = []
        let series = history.cohort + [history.intake]
        let parts = history.cohortParts + [history.intakeParts]
        let estimators = selection.cohort + [selection.intake]
        for t in 0..<series.count {
            let s = series[t]
            let n = s.map(\.count).max() ?? 0
            guard n >= 3 else { continue }
            for origin in 2..<n {
                let projected = RatioProjection.project(
                    series: s.map { Array($0.prefix(origin)) }, parts: parts[t].map { Array($0.prefix(origin)) }, estimator: estimators[t],
                    steps: n - origin)
                for (a, forecast) in projected.enumerated() {
                    guard let forecast else { continue }
                    for step in 1...(n - origin) {
                        guard let actual = s[a][origin + step - 1], actual > 0, forecast[step - 1] > 0,
                            let weight = parts[t][a][origin + step - 1]?.predictor
                        else { continue }
                        samples.append(Sample(area: a, origin: origin, step: step, transition: t, value: log(actual / forecast[step - 1]), weight: weight))
                    }
                }
            }
        }
        // σ(h) per transition, with a pooled fallback.
        func fit(_ rows: [Sample]) -> [Double]? {
            let byStep = Dictionary(grouping: rows, by: \.step)
            let points = byStep.filter { $0.value.count >= 6 }.map { step, rows -> (Double, Double, Double) in
                (Double(step), weightedMedian(rows.map { (abs($0.value), $0.weight) }) / 0.6745, Double(rows.count))
            }.filter { $0.1 > 0 }.sorted { $0.0 < $1.0 }
            guard let first = points.first else { return nil }
            var beta = 0.5
            if points.count >= 2 {
                let w = points.map(\.2), x = points.map { log($0.0) }, y = points.map { log($0.1) }
                let sw = w.reduce(0, +)
                let mx = zip(w, x).reduce(0) { $0 + $1.0 * $1.1 } / sw, my = zip(w, y).reduce(0) { $0 + $1.0 * $1.1 } / sw
                let sxx = zip(w, x).reduce(0) { $0 + $1.0 * ($1.1 - mx) * ($1.1 - mx) }
                let sxy = zip(w, zip(x, y)).reduce(0) { $0 + $1.0 * ($1.1.0 - mx) * ($1.1.1 - my) }
                if sxx > 0 { beta = min(1.2, max(0.3, sxy / sxx)) }
            }
            let sigma1 = first.1 / pow(first.0, beta)
            return (1...steps).map { sigma1 * pow(Double($0), beta) }
        }
        let pooled = fit(samples.filter { $0.transition < 13 }) ?? Array(repeating: 0.01, count: steps)
        var sigma: [[Double]] = []
        for t in 0..<series.count {
            sigma.append(fit(samples.filter { $0.transition == t }) ?? pooled)
        }
        // Correlations of standardised errors within groups.
        func z(_ r: Sample) -> Double { r.value / max(1e-9, sigma[r.transition][r.step - 1]) }
        func groupCorrelation(_ key: (Sample) -> String) -> Double {
            var groups: [String: (sum: Double, squares: Double, count: Int)] = [:]
            for r in samples where r.transition < 13 {
                let v = z(r)
                groups[key(r), default: (0, 0, 0)].sum += v
                groups[key(r), default: (0, 0, 0)].squares += v * v
                groups[key(r), default: (0, 0, 0)].count += 1
            }
            var cross = 0.0, pairs = 0.0, scale = 0.0, n = 0.0
            for g in groups.values where g.count >= 2 {
                cross += g.sum * g.sum - g.squares
                pairs += Double(g.count * (g.count - 1))
                scale += g.squares
                n += Double(g.count)
            }
            guard pairs > 0, scale > 0 else { return 0 }
            return min(0.95, max(0, (cross / pairs) / (scale / n)))
        }
        // ρ from what matters for phase totals: the robust spread of each phase's summed
        // errors in an area, origin and step, against the spread of its parts:
        // var(Σ e) = Σ σ² + ρ Σ_{i≠j} σ_i σ_j.
        let groups = Dictionary(grouping: samples.filter { $0.transition < 13 }) { "\($0.area)|\($0.origin)|\($0.step)|\($0.transition < 6 ? 0 : 1)" }
        var sums: [(Double, Double)] = [], own = 0.0, crossScale = 0.0, count = 0.0
        for rows in groups.values where rows.count >= 3 {
            let sig = rows.map { sigma[$0.transition][$0.step - 1] }
            sums.append((abs(rows.reduce(0) { $0 + $1.value }), rows.reduce(0) { $0 + $1.weight }))
            let s2 = sig.reduce(0) { $0 + $1 * $1 }, s1 = sig.reduce(0, +)
            own += s2
            crossScale += s1 * s1 - s2
            count += 1
        }
        var rho = groupCorrelation { "\($0.area)|\($0.origin)|\($0.step)" }
        if count > 0, crossScale > 0 {
            let spread = weightedMedian(sums.map { (value: $0.0, weight: $0.1) }) / 0.6745
            rho = min(0.95, max(0, (spread * spread - own / count) / (crossScale / count)))
        }

        let lambda = groupCorrelation { "\($0.transition)|\($0.origin)|\($0.step)" }
        var num = 0.0, den = 0.0
        let index = Dictionary(samples.map { ("\($0.area)|\($0.transition)|\($0.origin)|\($0.step)", $0) }, uniquingKeysWith: { a, _ in a })
        for r in samples where r.transition < 13 {
            guard let next = index["\(r.area)|\(r.transition)|\(r.origin)|\(r.step + 1)"] else { continue }
            num += z(r) * z(next)
            den += (z(r) * z(r) + z(next) * z(next)) / 2
        }
        let phi = den > 0 ? min(0.99, max(0, num / den)) : 0.5

        var birthsSigma: [String: [Double]] = [:]
        for (key, series) in births {
            let years = series.births.keys.sorted()
            var out: [Double] = []
            for k in 1...steps {
                let changes = years.compactMap { y -> Double? in
                    guard let a = series.births[y], let b = series.births[y + k], a > 0, b > 0 else { return nil }
                    return log(b / a)
                }
                if changes.count >= 3 {
                    out.append((changes.reduce(0) { $0 + $1 * $1 } / Double(changes.count)).squareRoot())
                } else {
                    out.append((out.last ?? 0.02) * (Double(k) / Double(max(1, k - 1))).squareRoot())
                }
            }
            birthsSigma[key] = out
        }
        return RatioErrorModel(sigma: sigma, transitionCorrelation: rho, areaCorrelation: lambda, persistence: phi, birthsSigma: birthsSigma)
    }
}

/// The weighted median of values.
func weightedMedian(_ values: [(value: Double, weight: Double)]) -> Double {
    let sorted = values.filter { $0.weight > 0 }.sorted { $0.value < $1.value }
    let half = sorted.reduce(0) { $0 + $1.weight } / 2
    var running = 0.0
    for v in sorted {
        running += v.weight
        if running >= half { return v.value }
    }
    return sorted.last?.value ?? 0
}
