/// How births beyond the last known mid-year are projected (births up to four years before
/// a Reception cohort are known at forecast time; later cohorts need this).
public enum BirthsProjection: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Every later year equals the last known year.
    case hold
    /// The least-squares linear trend of the last `years` known years, continued with the
    /// annual change damped by `damping` each year: B(T+h) = B(T) + b Σ_{i=1}^{h} φ^i.
    /// The total change is bounded by b φ/(1-φ), so a short trend cannot run away.
    case trend(years: Int, damping: Double)

    public static let `default` = BirthsProjection.hold

    public var description: String {
        switch self {
        case .hold: "hold"
        case .trend(let k, let phi): "trend\(k) (damping \(phi))"
        }
    }

    public init?(parsing text: String) {
        switch text.lowercased() {
        case "hold": self = .hold
        case "trend": self = .trend(years: 5, damping: 0.8)
        default: return nil
        }
    }

    /// Births for `midYear`, from the known series (projected when beyond its last year).
    public func births(_ series: BirthSeries, midYear: Int) -> Double? {
        if let known = series.births[midYear] { return known }
        guard let last = series.births.keys.max(), midYear > last, let lastValue = series.births[last] else { return nil }
        switch self {
        case .hold:
            return lastValue
        case .trend(let k, let phi):
            let years = (last - k + 1...last).filter { series.births[$0] != nil }
            guard years.count >= 2 else { return lastValue }
            let xs = years.map(Double.init), ys = years.map { series.births[$0]! }
            let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
            let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
            let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            let slope = sxy / sxx
            var change = 0.0, factor = 1.0
            for _ in 0..<(midYear - last) {
                factor *= phi
                change += slope * factor
            }
            return max(0, lastValue + change)
        }
    }
}
