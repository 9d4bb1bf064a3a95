/// What a reader needs before the figures: each scenario, its assumptions and its changes.
public enum ScenarioHeader {
    static func text(_ run: ScenarioForecast, dataLabel: String, sufficiency: Bool) -> String {
        var lines: [String] = []
        let f = run.forecast
        lines.append((sufficiency ? "Sufficiency of mainstream places: " : "Forecast pupils: ") + "\(dataLabel), from the \(f.origin) census, \(f.horizon) years")
        for (c, applied) in run.applied.enumerated() {
            let m = run.models[c].options
            let t = applied.thresholds
            let s = applied.scenario
            lines.append("")
            lines.append("Scenario '\(s.name)'" + (s.file.isEmpty ? "" : " (\(s.file))"))
            if !s.description.isEmpty { lines += wrap(s.description, width: 96, indent: "  ") }
            lines.append("  assumptions: cohort ratios \(m.estimator), intake ratios \(m.intakeEstimator), births beyond known years \(m.birthsProjection)")
            if sufficiency { lines.append("               margin \(Format.percent(t.margin)), high surplus above \(Format.percent(t.highSurplus))") }
            if s.changes.isEmpty {
                lines.append("  changes: none")
            } else {
                for change in s.changes {
                    let wrapped = wrap(change.summary, width: 98, indent: "    ")
                    lines.append("  - " + wrapped[0].dropFirst(4))
                    lines += wrapped.dropFirst()
                }
            }
        }
        lines.append("")
        lines.append("* = actual (census).")
        if sufficiency {
            lines.append("Short = places needed without offsetting between year groups.")
            lines.append("FE +/- = forms of entry (30 places) spare (+) or short (-) in the entry year group.")
        }
        return lines.joined(separator: "\n") + "\n"
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
        return .init(estimator: m.estimator.description, intakeEstimator: m.intakeEstimator.description, birthsProjection: m.birthsProjection.description)
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
                margin: a.thresholds.margin, highSurplus: a.thresholds.highSurplus, changes: a.scenario.changes.map(\.summary))
        }
    }
}
