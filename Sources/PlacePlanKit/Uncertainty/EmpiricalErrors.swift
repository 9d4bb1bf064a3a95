import Foundation

/// The forecast errors of phase totals that a backtest on the history up to the origin
/// measured for the chosen method: whole error paths, one per inner origin and area, so a
/// draw can follow one of them.
///
/// A path is e(h) = forecast / actual − 1 at steps h = 1, 2, ... from one inner origin for
/// one area and phase. A draw that follows a path scales every cohort in the phase so that
/// its total at step h is the forecast / (1 + e(h)): the draws reproduce the measured
/// errors, their spread, their bias and their growth with the horizon. Paths shorter than
/// the forecast continue with log(1 + e(h)) growing in proportion to h from their last
/// step, as forecast errors of cohort methods grow (a drift in the ratios carries on).
public struct EmpiricalErrors: Sendable {
    /// paths[phase][i][h − 1], phase 0 primary, 1 secondary.
    public var paths: [[[Double]]]
    /// The inner origins the paths come from.
    public var origins: [AcademicYear]

    public var isEmpty: Bool { paths.allSatisfy(\.isEmpty) }

    /// Runs the inner backtest on `data` (the data known at the origin).
    public static func measure(_ data: DataSet, method: RatioMethod, births: BirthsProjection, horizon: Int) -> EmpiricalErrors {
        var settings = BacktestSettings(horizon: horizon, minimumHistory: 3, method: method, birthsProjection: births, baselines: [])
        settings.minimumActual = 100
        guard let b = try? Backtest.run(data, settings: settings) else { return EmpiricalErrors(paths: [[], []], origins: []) }
        var paths: [[[Double]]] = [[], []]
        let totals = b.records.filter { $0.yearGroup == nil }
        let grouped = Dictionary(grouping: totals) { "\($0.origin)|\($0.area)|\($0.phase)" }
        for key in grouped.keys.sorted() {
            let rows = grouped[key]!.sorted { $0.horizon < $1.horizon }
            guard rows.first?.horizon == 1 else { continue }
            var path: [Double] = []
            for (i, r) in rows.enumerated() where r.horizon == i + 1 { path.append(r.forecast / r.actual - 1) }
            paths[rows[0].phase == .primary ? 0 : 1].append(path)
        }
        return EmpiricalErrors(paths: paths, origins: b.origins)
    }

    /// The path's error at step h (extended beyond its end in proportion to h on the log scale).
    static func error(_ path: [Double], step h: Int) -> Double {
        if h <= path.count { return path[h - 1] }
        let last = path.count
        return exp(log(1 + path[last - 1]) * Double(h) / Double(last)) - 1
    }
}
