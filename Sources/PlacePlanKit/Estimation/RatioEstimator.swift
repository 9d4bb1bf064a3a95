/// How a cohort ratio (or births-to-Reception ratio) for the forecast is estimated from
/// its history r_1 ... r_n (oldest first; missing observations are skipped).
public enum RatioEstimator: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The mean of the last `k` observed ratios: r̂ = (1/k) Σ_{i=n-k+1}^{n} r_i.
    case mean(years: Int)
    /// A recency-weighted mean of the last `k` ratios with linear weights k, k-1, ..., 1
    /// (the latest weighs most): r̂ = Σ w_i r_i / Σ w_i.
    case weightedMean(years: Int)

    public static let `default` = RatioEstimator.mean(years: 3)

    public var description: String {
        switch self {
        case .mean(let k): "mean\(k)"
        case .weightedMean(let k): "weighted\(k)"
        }
    }

    /// Parses "mean3", "mean:3", "weighted5", "weighted:5".
    public init?(parsing text: String) {
        let s = text.lowercased().replacingOccurrences(of: ":", with: "")
        for (prefix, make) in [("mean", Self.mean), ("weighted", Self.weightedMean)] where s.hasPrefix(prefix) {
            let k = s.dropFirst(prefix.count)
            guard let n = k.isEmpty ? 3 : Int(k), (1...10).contains(n) else { return nil }
            self = make(n)
            return
        }
        return nil
    }

    /// The number of past observations the estimator uses.
    public var window: Int {
        switch self {
        case .mean(let k), .weightedMean(let k): k
        }
    }

    /// The estimate from a history, or nil when no observation is present.
    public func estimate(_ history: [Double?]) -> Double? {
        let observed = history.compactMap { $0 }
        guard !observed.isEmpty else { return nil }
        let recent = observed.suffix(window)
        switch self {
        case .mean:
            return recent.reduce(0, +) / Double(recent.count)
        case .weightedMean:
            var num = 0.0, den = 0.0
            for (i, r) in recent.enumerated() {
                let w = Double(i + 1)
                num += w * r
                den += w
            }
            return num / den
        }
    }
}
