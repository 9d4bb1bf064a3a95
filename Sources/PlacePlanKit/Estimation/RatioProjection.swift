/// Projects one transition's ratios for every area with one estimator, including the
/// shrinkage toward the pooled ratio that needs all areas at once.
enum RatioProjection {
    /// ratios[area][step - 1], nil for an area without observations.
    ///
    /// For `.shrunk(base)`: each area's base estimate r̂_a is pulled toward the pooled
    /// estimate r̂_p (the base estimator on the ratio of sums over areas) by the
    /// empirical-Bayes weight B_a = v_a / (v_a + τ²), where v_a is the variance of the
    /// area's recent ratios over their number (its noise) and τ² the variance between
    /// areas' estimates less the median noise (the median, so that one very noisy area
    /// does not hide the real differences between the others): r̃_a = (1 − B_a) r̂_a + B_a r̂_p.
    /// Noisy (small) areas move toward the pool; stable ones keep their own ratio.
    static func project(
        series: [[Double?]], parts: [[(numerator: Double, predictor: Double)?]], estimator: RatioEstimator, steps: Int
    ) -> [[Double]?] {
        project(series: series.map { $0[...] }, parts: parts.map { $0[...] }, estimator: estimator, steps: steps)
    }

    /// The same for slices of longer series, each starting at index 0 (prefixes).
    static func project(
        series: [ArraySlice<Double?>], parts: [ArraySlice<(numerator: Double, predictor: Double)?>], estimator: RatioEstimator, steps: Int
    ) -> [[Double]?] {
        let own = series.map { estimator.base.forecast($0, steps: steps) }
        guard case .shrunk(let base) = estimator else { return own }
        guard let pooled = base.forecast(pooledSeries(parts), steps: steps) else { return own }
        let window = max(3, windowOf(base))
        var noise: [Double?] = []
        for s in series {
            let recent = s.suffix(window).compactMap { $0 }
            guard recent.count >= 2 else { noise.append(nil); continue }
            let m = recent.reduce(0, +) / Double(recent.count)
            let v = recent.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(recent.count - 1)
            noise.append(v / Double(recent.count))
        }
        let estimates = own.compactMap { $0?.first }
        guard estimates.count >= 2 else { return own }
        let mean = estimates.reduce(0, +) / Double(estimates.count)
        let between = estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(estimates.count - 1)
        let noises = noise.compactMap { $0 }.sorted()
        let typical = noises.isEmpty ? 0 : (noises.count % 2 == 1 ? noises[noises.count / 2] : (noises[noises.count / 2 - 1] + noises[noises.count / 2]) / 2)
        let tau2 = max(0, between - typical)
        return own.enumerated().map { a, r in
            guard let r else { return nil }
            let v = noise[a] ?? 0
            let b = v + tau2 > 0 ? v / (v + tau2) : 0
            return zip(r, pooled).map { (1 - b) * $0 + b * $1 }
        }
    }

    /// The ratio of sums over areas at each time: the size-weighted pooled ratio.
    static func pooledSeries(_ parts: [[(numerator: Double, predictor: Double)?]]) -> [Double?] {
        pooledSeries(parts.map { $0[...] })
    }

    static func pooledSeries(_ parts: [ArraySlice<(numerator: Double, predictor: Double)?>]) -> [Double?] {
        guard let n = parts.map(\.count).max() else { return [] }
        return (0..<n).map { t in
            let present = parts.compactMap { t < $0.count ? $0[t] : nil }
            let den = present.reduce(0) { $0 + $1.predictor }
            return present.isEmpty || den <= 0 ? nil : present.reduce(0) { $0 + $1.numerator } / den
        }
    }

    static func windowOf(_ e: RatioEstimator) -> Int {
        switch e {
        case .mean(let k), .weightedMean(let k), .median(let k), .dampedTrend(let k, _): k
        case .holt, .smoothed, .blend: 5
        case .shrunk(let b): windowOf(b)
        }
    }
}

/// The estimators chosen for a model: one per transition and one for the intake.
public struct EstimatorSelection: Sendable, Hashable {
    /// cohort[g]: the estimator for the move from year group g to g+1.
    public var cohort: [RatioEstimator]
    public var intake: RatioEstimator
    /// How they were chosen: "fixed" (one estimator for all) or "auto" (by validation).
    public var how: String

    public static func fixed(_ e: RatioEstimator, intake: RatioEstimator? = nil) -> EstimatorSelection {
        EstimatorSelection(cohort: Array(repeating: e, count: 13), intake: intake ?? e, how: "fixed")
    }

    /// `--method auto`: for each transition, the candidate with the lowest score in a
    /// rolling-origin validation on the history alone.
    ///
    /// At every inner origin o (from the second observation), each candidate projects the
    /// ratios from the observations before o, and is scored against the ratios observed
    /// 1 ... `horizon` years later by the mean absolute error weighted by the predictor's
    /// pupils. A transition's score is its own error plus the mean error of the candidate
    /// over all transitions (λ = 1), so a transition with little or noisy evidence borrows
    /// strength from the others. Ties (no evidence) go to the first candidate (for
    /// ``RatioEstimator/candidates``, the half-and-half blend). Nothing here is tuned to a
    /// particular authority.
    public static func auto(_ history: RatioHistory, candidates: [RatioEstimator] = RatioEstimator.candidates, horizon: Int = 5) -> EstimatorSelection {
        // The (transition or intake) x candidate validations are independent: on all cores, in
        // index order. Index 13 is the intake.
        let C = candidates.count
        let cohortSeries = history.cohort, cohortParts = history.cohortParts, intakeSeries = history.intake, intakeParts = history.intakeParts
        let scored = parallelValues(14 * C) { k in
            let g = k / C, e = candidates[k % C]
            return g < 13
                ? innerError(series: cohortSeries[g], parts: cohortParts[g], estimator: e, horizon: horizon)
                : innerError(series: intakeSeries, parts: intakeParts, estimator: e, horizon: horizon)
        }
        var relative = Array(repeating: Array(repeating: 0.0, count: 13), count: C)
        var evidence = Array(repeating: false, count: 13)
        for g in 0..<13 {
            for c in 0..<C {
                let (error, weight) = scored[g * C + c]
                relative[c][g] = weight > 0 ? error / weight : 0
                if weight > 0 { evidence[g] = true }
            }
        }
        let used = (0..<13).filter { evidence[$0] }
        var cohort: [RatioEstimator] = []
        for g in 0..<13 {
            let scores = candidates.indices.map { c in
                relative[c][g] + (used.isEmpty ? 0 : used.reduce(0) { $0 + relative[c][$1] } / Double(used.count))
            }
            cohort.append(candidates[scores.indices.min { scores[$0] < scores[$1] }!])
        }
        let intakeScores = (0..<C).map { c in
            let (error, weight) = scored[13 * C + c]
            return weight > 0 ? error / weight : 0
        }
        let intake = candidates[intakeScores.indices.min { intakeScores[$0] < intakeScores[$1] }!]
        return EstimatorSelection(cohort: cohort, intake: intake, how: "auto")
    }

    /// Σ w |r̂ − r| and Σ w over inner origins, steps and areas.
    static func innerError(
        series: [[Double?]], parts: [[(numerator: Double, predictor: Double)?]], estimator: RatioEstimator, horizon: Int
    ) -> (error: Double, weight: Double) {
        let n = series.map(\.count).max() ?? 0
        guard n >= 3 else { return (0, 0) }
        var error = 0.0, weight = 0.0
        for origin in 2..<n {
            let known = series.map { $0.prefix(origin) }
            let knownParts = parts.map { $0.prefix(origin) }
            let projected = RatioProjection.project(series: known, parts: knownParts, estimator: estimator, steps: horizon)
            for (a, forecast) in projected.enumerated() {
                guard let forecast else { continue }
                for step in 1...horizon where origin + step - 1 < series[a].count {
                    let t = origin + step - 1
                    guard let actual = series[a][t], let w = parts[a][t]?.predictor else { continue }
                    error += w * abs(forecast[step - 1] - actual)
                    weight += w
                }
            }
        }
        return (error, weight)
    }
}
