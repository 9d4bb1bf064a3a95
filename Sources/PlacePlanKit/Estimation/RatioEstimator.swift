/// How a cohort ratio (or births-to-Reception ratio) is projected from its history
/// r_1 ... r_n (oldest first; missing observations are skipped). Trend estimators give a
/// different ratio for each step ahead; the others give the same ratio at every step.
public enum RatioEstimator: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The mean of the last `k` observed ratios: r̂ = (1/k) Σ_{i=n-k+1}^{n} r_i.
    case mean(years: Int)
    /// A recency-weighted mean of the last `k` ratios with linear weights 1, 2, ..., k
    /// (the latest weighs most): r̂ = Σ w_i r_i / Σ w_i.
    case weightedMean(years: Int)
    /// The median of the last `k` ratios: one unusual year (a pandemic census) moves it
    /// less than it moves a mean.
    case median(years: Int)
    /// The least-squares line through the last `k` ratios, continued from its last fitted
    /// value with the slope b damped by φ a year: r̂(h) = ℓ + b Σ_{i=1}^{h} φ^i. The total
    /// change is bounded by b φ / (1 − φ).
    case dampedTrend(years: Int, damping: Double)
    /// Damped Holt exponential smoothing of the whole series: level ℓ_t = α r_t +
    /// (1 − α)(ℓ_{t−1} + φ b_{t−1}), trend b_t = β (ℓ_t − ℓ_{t−1}) + (1 − β) φ b_{t−1};
    /// r̂(h) = ℓ_n + b_n Σ_{i=1}^{h} φ^i.
    case holt(alpha: Double, beta: Double, damping: Double)
    /// The base estimator for each area, shrunk toward the pooled ratio of all areas by an
    /// empirical-Bayes weight (see ``CohortModel``): small, noisy areas move most.
    indirect case shrunk(RatioEstimator)
    /// Exponential smoothing with a diffuse start: the mean of all observed ratios weighted
    /// (1 − α)^(n − i), r̂ = Σ (1 − α)^(n−i) r_i / Σ (1 − α)^(n−i). α = 1 is the last ratio;
    /// as α → 0 it tends to the plain mean of the whole history. Unlike the recursion
    /// ℓ_t = α r_t + (1 − α) ℓ_{t−1} started at r_1, it does not give the first year the
    /// weight of all the years before it.
    case smoothed(alpha: Double)
    /// w r_n + (1 − w) · smoothed(α): the last ratio blended with the smoothed one. w = 1 is
    /// `mean1`, w = 0 `smoothed(α)`. Blends of a persistent and a smoothing estimator hedge
    /// between ratios that keep their last level (a trending authority) and ratios that
    /// scatter around a stable one.
    case blend(weight: Double, alpha: Double)

    public static let `default` = RatioEstimator.mean(years: 3)

    /// The smoothing weight of the blends `auto` chooses from.
    public static let autoAlpha = 0.6

    /// The estimators `--method auto` chooses from: the last ratio blended with the smoothed
    /// ratio (α 0.6) in weights 0, ¼, ½, ¾ and 1. The half-and-half blend comes first, so it
    /// is the choice when the history is too short to tell them apart. This family was chosen
    /// on the backtests of the London and English LAs pooled (docs/accuracy-tried.md): the
    /// earlier candidates (means, medians, damped trends, Holt) made auto no better than the
    /// 3-year mean outside London, and worse than it with one LA alone. Shrinkage and the
    /// trends stay as fixed choices.
    public static let candidates: [RatioEstimator] = [0.5, 0, 0.25, 0.75, 1].map { .blend(weight: $0, alpha: autoAlpha) }

    public var description: String {
        switch self {
        case .mean(let k): "mean\(k)"
        case .weightedMean(let k): "weighted\(k)"
        case .median(let k): "median\(k)"
        case .dampedTrend(let k, let phi): "trend\(k)-\(Self.short(phi))"
        case .holt(let a, let b, let phi): "holt-\(Self.short(a))-\(Self.short(b))-\(Self.short(phi))"
        case .shrunk(let base): "shrunk-\(base)"
        case .smoothed(let a): "smooth-\(Self.short(a))"
        case .blend(let w, let a): w == 1 ? "mean1" : w == 0 ? "smooth-\(Self.short(a))" : "blend-\(Self.short(w))-\(Self.short(a))"
        }
    }

    static func short(_ x: Double) -> String {
        var s = String(x)
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// Parses the names ``description`` gives: "mean3", "weighted5", "median3",
    /// "trend4-0.5", "holt-0.7-0.3-0.8", "smooth-0.6", "blend-0.5-0.6", "shrunk-mean3" (and
    /// "mean" for mean3).
    public init?(parsing text: String) {
        let s = text.lowercased().replacingOccurrences(of: ":", with: "")
        if s.hasPrefix("shrunk-") {
            guard let base = RatioEstimator(parsing: String(s.dropFirst(7))) else { return nil }
            self = .shrunk(base)
            return
        }
        if s.hasPrefix("smooth-") || s.hasPrefix("blend-") {
            let parts = s.split(separator: "-").dropFirst().map { Double($0) }
            let blend = s.hasPrefix("blend-")
            guard parts.count == (blend ? 2 : 1), parts.allSatisfy({ $0 != nil && (0...1).contains($0!) }) else { return nil }
            if blend {
                guard parts[1]! > 0 else { return nil }
                self = .blend(weight: parts[0]!, alpha: parts[1]!)
            } else {
                guard parts[0]! > 0 else { return nil }
                self = .smoothed(alpha: parts[0]!)
            }
            return
        }
        if s.hasPrefix("holt") {
            let parts = s.dropFirst(4).split(separator: "-").compactMap { Double($0) }
            guard parts.count == 3, parts.allSatisfy({ (0...1).contains($0) }) else { return nil }
            self = .holt(alpha: parts[0], beta: parts[1], damping: parts[2])
            return
        }
        if s.hasPrefix("trend") {
            let parts = s.dropFirst(5).split(separator: "-")
            guard parts.count == 2, let k = Int(parts[0]), (2...10).contains(k), let phi = Double(parts[1]), (0...1).contains(phi) else { return nil }
            self = .dampedTrend(years: k, damping: phi)
            return
        }
        for (prefix, make) in [("mean", Self.mean), ("weighted", Self.weightedMean), ("median", Self.median)] where s.hasPrefix(prefix) {
            let k = s.dropFirst(prefix.count)
            guard let n = k.isEmpty ? 3 : Int(k), (1...10).contains(n) else { return nil }
            self = make(n)
            return
        }
        return nil
    }

    /// The single-step estimate (the ratio for the first year ahead).
    public func estimate(_ history: [Double?]) -> Double? {
        forecast(history, steps: 1)?.first
    }

    /// The ratio for each of `steps` years ahead, or nil when no observation is present.
    /// Never negative.
    public func forecast(_ history: [Double?], steps: Int) -> [Double]? {
        forecast(history[...], steps: steps)
    }

    /// The same for a slice of a longer history (the inner validation reads prefixes in place).
    func forecast(_ history: ArraySlice<Double?>, steps: Int) -> [Double]? {
        switch self {
        case .mean(let k):
            let recent = history.suffix(k).compactMap { $0 }
            guard !recent.isEmpty else { return nil }
            return constant(recent.reduce(0, +) / Double(recent.count), steps)
        case .weightedMean(let k):
            var num = 0.0, den = 0.0
            for (i, r) in history.suffix(k).enumerated() {
                guard let r else { continue }
                num += Double(i + 1) * r
                den += Double(i + 1)
            }
            return den > 0 ? constant(num / den, steps) : nil
        case .median(let k):
            let recent = history.suffix(k).compactMap { $0 }.sorted()
            guard !recent.isEmpty else { return nil }
            let m = recent.count % 2 == 1 ? recent[recent.count / 2] : (recent[recent.count / 2 - 1] + recent[recent.count / 2]) / 2
            return constant(m, steps)
        case .dampedTrend(let k, let phi):
            let window = Array(history.suffix(k))
            let points = window.enumerated().compactMap { i, r in r.map { (Double(i), $0) } }
            guard !points.isEmpty else { return nil }
            guard points.count >= 2 else { return constant(points[0].1, steps) }
            let mx = points.reduce(0) { $0 + $1.0 } / Double(points.count)
            let my = points.reduce(0) { $0 + $1.1 } / Double(points.count)
            let sxx = points.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
            let sxy = points.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            let slope = sxx > 0 ? sxy / sxx : 0
            let level = my + slope * (Double(window.count - 1) - mx)
            return damped(level: level, slope: slope, phi: phi, steps)
        case .holt(let alpha, let beta, let phi):
            let y = history.compactMap { $0 }
            guard let first = y.first else { return nil }
            var level = first
            var slope = y.count >= 2 ? y[1] - y[0] : 0
            for v in y.dropFirst() {
                let previous = level
                level = alpha * v + (1 - alpha) * (previous + phi * slope)
                slope = beta * (level - previous) + (1 - beta) * phi * slope
            }
            return damped(level: level, slope: slope, phi: phi, steps)
        case .shrunk(let base):
            return base.forecast(history, steps: steps)
        case .smoothed(let alpha):
            return Self.smoothedLevel(history, alpha: alpha).map { constant($0, steps) }
        case .blend(let w, let alpha):
            guard let smooth = Self.smoothedLevel(history, alpha: alpha), let last = history.last(where: { $0 != nil }) ?? nil else { return nil }
            return constant(w * last + (1 - w) * smooth, steps)
        }
    }

    /// Σ (1 − α)^(n−i) r_i / Σ (1 − α)^(n−i) over the observed ratios (``smoothed(alpha:)``).
    static func smoothedLevel(_ history: ArraySlice<Double?>, alpha: Double) -> Double? {
        var num = 0.0, den = 0.0, w = 1.0
        for r in history.reversed() {
            if let r {
                num += w * r
                den += w
            }
            w *= 1 - alpha
            if w < 1e-12 { break }
        }
        return den > 0 ? num / den : nil
    }

    func constant(_ r: Double, _ steps: Int) -> [Double] { Array(repeating: max(0, r), count: steps) }

    func damped(level: Double, slope: Double, phi: Double, _ steps: Int) -> [Double] {
        var out: [Double] = []
        var change = 0.0, factor = 1.0
        for _ in 0..<steps {
            factor *= phi
            change += slope * factor
            out.append(max(0, level + change))
        }
        return out
    }

    /// The base estimator, without shrinkage.
    var base: RatioEstimator {
        if case .shrunk(let b) = self { return b }
        return self
    }
}

/// How the cohort model's estimators are chosen: one for every ratio, or `auto`, a choice
/// per transition by rolling-origin validation on the data up to the origin.
public enum RatioMethod: Sendable, Hashable, Codable, CustomStringConvertible {
    case auto
    case fixed(RatioEstimator)

    public static let `default` = RatioMethod.auto

    public var description: String {
        switch self {
        case .auto: "auto"
        case .fixed(let e): e.description
        }
    }

    public init?(parsing text: String) {
        if text.lowercased() == "auto" {
            self = .auto
        } else if let e = RatioEstimator(parsing: text) {
            self = .fixed(e)
        } else {
            return nil
        }
    }
}
