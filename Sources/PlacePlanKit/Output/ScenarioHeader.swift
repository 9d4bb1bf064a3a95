import Foundation

/// What a reader needs before the figures: each scenario, its assumptions and its changes.
public enum ScenarioHeader {
    static func text(_ run: ScenarioForecast, dataLabel: String, sufficiency: Bool) -> String {
        var lines: [String] = []
        let f = run.forecast
        lines.append((sufficiency ? "Sufficiency of mainstream places" : "Forecast pupils") + " from the \(f.origin) census, \(Format.years(f.horizon)) ahead")
        lines.append("Data: \(dataLabel)")
        for (c, applied) in run.applied.enumerated() {
            let m = run.models[c].options
            let t = applied.thresholds
            let s = applied.scenario
            lines.append("")
            lines.append("Scenario '\(s.name)'" + (s.file.isEmpty ? "" : " (\(s.file))"))
            if !s.description.isEmpty { lines += wrap(Format.printable(s.description), width: 96, indent: "  ") }
            lines.append("  assumptions: cohort ratios \(m.method), intake ratios \(m.intakeMethod), births beyond known years \(m.birthsProjection)")
            if let years = m.excludedYearsText { lines.append("               ratios of census \(years) left out of estimation") }
            if m.choosesEstimators { lines += wrap("estimators chosen: " + chosen(run.models[c].selection), width: 98, indent: "               ") }
            if sufficiency { lines.append("               margin \(Format.percent(t.margin)), high surplus above \(Format.percent(t.highSurplus))") }
            if s.changes.isEmpty {
                lines.append("  changes: none")
            } else {
                for change in s.changes {
                    let wrapped = wrap(change.summary(forecastTo: f.origin + f.horizon), width: 98, indent: "    ")
                    lines.append("  - " + wrapped[0].dropFirst(4))
                    lines += wrapped.dropFirst()
                }
            }
        }
        lines.append("")
        lines.append("* = actual (census).")
        if let d = run.draws?.first {
            let legend = wrap(drawsLegend(d, run.forecast), width: 98, indent: "  ")
            lines += [String(legend[0].dropFirst(2))] + legend.dropFirst()
        }
        if sufficiency {
            lines.append("Short = places needed without offsetting between year groups.")
            lines.append("FE +/- = forms of entry (30 places) spare (+) or short (-) in the entry year group.")
            lines.append("Summary: Now = the census; Worst = the least surplus of the forecast years, in the year When.")
            if run.draws != nil { lines.append("Summary P(def) = the highest chance of a deficit in any forecast year, from the draws.") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What P10, P50 and P90 are, and where the draws centre: on the forecast corrected by
    /// the bias its backtest measured, as far as that bias has persisted (``ErrorScale``), so
    /// that P50 can differ from the forecast (and the forecast can lie outside P10-P90). The
    /// shift is stated for the last forecast year.
    static func drawsLegend(_ d: DrawSummary, _ f: Forecast) -> String {
        let text = "P10, P50, P90 = the 10th, 50th and 90th percentiles of \(Format.count(Double(d.draws))) draws"
        let phases = taught(f)
        let shifts = phases.compactMap { p in d.centreShift(phase: p, step: d.horizon).map { (p, $0) } }
        guard let last = f.years.last, !shifts.isEmpty else { return text + "." }
        let near = " within 0.05% of it"
        let stated = shifts.allSatisfy({ abs($0.1) < 0.0005 })
            ? [shifts.map(\.0.rawValue).joined(separator: " and ") + near]
            : shifts.map { p, x in "\(p.rawValue)" + (abs(x) < 0.0005 ? near : " " + Format.percent(abs(x)) + (x < 0 ? " below it" : " above it")) }
        return text + "; they centre on the forecast corrected by the bias its backtest measured, as far as it has persisted (in \(last): "
            + stated.joined(separator: ", ") + "), so P50 can differ from the forecast, which can even lie outside P10-P90."
            + adaptation(d, f, phases: phases)
    }

    /// The phases the forecast's areas teach and have pupils in (a primary-only authority, or
    /// the City of London's all-through area with no secondary school, has no secondary bias
    /// or band to state).
    static func taught(_ f: Forecast) -> [ReportingPhase] {
        ReportingPhase.allCases.filter { p in
            f.areas.indices.contains { a in f.areas[a].phase.yearGroups.contains { ReportingPhase($0) == p } && f.hasPupils(area: a, phase: p) }
        }
    }

    /// " The 80% bands are widened where earlier forecasts missed more often than their bands
    /// allowed (primary up to 3.4 times, in 2024/25)." when the adaptation (``CalibratedErrors``)
    /// moved a phase's 80% bands by half or more in some year (widened 1.5 times, or narrowed
    /// to 2/3), so that bands much wider or narrower than the errors alone would make them
    /// are explained where they are read; "" otherwise.
    static func adaptation(_ d: DrawSummary, _ f: Forecast, phases: [ReportingPhase]) -> String {
        adaptation(
            phases.compactMap { p in
                let i = p == .primary ? 0 : 1
                return i < d.widening.count ? (p.rawValue, d.widening[i]) : nil
            },
            years: f.years)
    }

    /// The same sentence for any calibrated bands: `widening` pairs a label ("primary",
    /// "EHCP plans") with e^θ₈₀(h) by step h = 0 ... horizon, and `years[h - 1]` is step h's year.
    static func adaptation(_ widening: [(label: String, factors: [Double])], years: [AcademicYear]) -> String {
        var widened: [String] = [], narrowed: [String] = []
        for (label, w) in widening {
            let steps = 1..<max(1, min(w.count, years.count + 1))  // none for uncalibrated bands (no factors)
            guard let h = steps.max(by: { abs(log(w[$0])) < abs(log(w[$1])) }), abs(log(w[h])) >= log(1.5) else { continue }
            let factor = Format.decimal(w[h], places: 1)
            if w[h] > 1 {
                widened.append("\(label) up to \(factor) times, in \(years[h - 1])")
            } else {
                narrowed.append("\(label) to \(factor) times, in \(years[h - 1])")
            }
        }
        var parts: [String] = []
        if !widened.isEmpty { parts.append("widened where earlier forecasts missed more often than their bands allowed (\(widened.joined(separator: "; ")))") }
        if !narrowed.isEmpty { parts.append("narrowed where they held more often (\(narrowed.joined(separator: "; ")))") }
        return parts.isEmpty ? "" : " The 80% bands are " + parts.joined(separator: ", and ") + "."
    }

    /// "intake mean1; into Y1-Y3 mean5, Y4 shrunk-mean3, ...": the estimator of each ratio,
    /// named by the year group it moves pupils into, with runs of the same one joined.
    static func chosen(_ s: EstimatorSelection) -> String {
        var parts: [String] = []
        var g = 0
        while g < 13 {
            var end = g
            while end + 1 < 13, s.cohort[end + 1] == s.cohort[g] { end += 1 }
            parts.append((end == g ? "\(YearGroup(g + 1))" : "\(YearGroup(g + 1))-\(YearGroup(end + 1))") + " \(s.cohort[g])")
            g = end + 1
        }
        return "intake \(s.intake); into " + parts.joined(separator: ", ")
    }

    /// Words wrapped to `width` columns, each line indented.
    static func wrap(_ text: String, width: Int, indent: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(whereSeparator: \.isWhitespace) {
            if !line.isEmpty, indent.count + line.count + 1 + word.count > width {
                lines.append(indent + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(indent + line) }
        return lines
    }

    static func assumptions(_ run: ScenarioForecast, column c: Int) -> ForecastReport.Document.Assumptions {
        let m = run.models[c].options
        let s = run.models[c].selection
        return .init(
            method: m.method.description, intakeMethod: m.intakeMethod.description, birthsProjection: m.birthsProjection.description,
            excludedYears: m.excludedYears.sorted().map(\.description), intakeEstimator: s.intake.description,
            cohortEstimators: (0..<13).map { .init(from: YearGroup($0), to: YearGroup($0 + 1), estimator: s.cohort[$0].description) })
    }

    /// The scenarios as JSON carries them.
    public struct ScenarioDocument: Codable, Sendable {
        var name: String
        var description: String
        var file: String
        var assumptions: ForecastReport.Document.Assumptions
        var margin: Double
        var highSurplus: Double
        var changes: [String]
    }

    static func documents(_ run: ScenarioForecast) -> [ScenarioDocument] {
        run.applied.enumerated().map { c, a in
            ScenarioDocument(
                name: a.scenario.name, description: a.scenario.description, file: a.scenario.file, assumptions: assumptions(run, column: c),
                margin: a.thresholds.margin, highSurplus: a.thresholds.highSurplus, changes: a.scenario.changes.map { $0.summary(forecastTo: run.forecast.origin + run.forecast.horizon) })
        }
    }
}
