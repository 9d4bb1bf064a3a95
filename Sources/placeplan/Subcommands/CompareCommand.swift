import ArgumentParser
import Foundation
import PlacePlanKit

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare scenarios, or saved runs (forecast vintages), side by side.",
        discussion: """
            Per planning area and year, for the phase totals and the entry year group: each column's pupils, \
            places and surplus %, the change from the first column to the last, and the rows whose status \
            changes (marked *). With --intervals, each column also gets the chance of a deficit from its draws \
            (saved runs carry theirs when they were saved with draws). With saved runs, the assumptions and \
            inputs that differ are listed first.

            Examples:
              placeplan compare --scenario scenarios/baseline.yaml \\
                  --scenario scenarios/regeneration-south-west.yaml
              placeplan compare --scenario scenarios/baseline.yaml \\
                  --scenario scenarios/bulge-2027.yaml --intervals --changed-only
              placeplan compare --run "SCAP 2025" --run "SCAP 2026" --changed-only
              placeplan compare --run "SCAP 2025" --run "SCAP 2026" --format xlsx \\
                  --output vintages.xlsx
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelArguments

    @OptionGroup var saved: SavedRunOptions
    @OptionGroup var draws: DrawOptions

    @Flag(name: .customLong("changed-only"), help: "List only the rows whose status changes.")
    var changedOnly = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard model.scenarios.count + saved.runs.count >= 2 else {
            throw ValidationError("give at least two scenarios or runs to compare, e.g. --scenario a.yaml --scenario b.yaml")
        }
    }

    func run() throws {
        try reportingErrors {
            var columns: [Comparison.Column] = []
            var header: [String] = []
            var outturns: [ForecastOutturn] = []
            let saved = try self.saved.load()
            if !saved.isEmpty {
                for r in saved {
                    let names = r.scenarios.map(\.name)
                    for name in names {
                        columns.append(.init(label: names.count > 1 ? "\(r.name)/\(name)" : r.name, rows: r.sufficiency.filter { $0.scenario == name }))
                    }
                }
                for (a, b) in zip(saved, saved.dropFirst()) {
                    let diffs = SavedRun.differences(a, b)
                    header.append("What differs between '\(a.name)' and '\(b.name)':" + (diffs.isEmpty ? " nothing in the assumptions or inputs" : ""))
                    header += diffs.map { "  - " + $0 }
                    // The earlier vintage's forecast against the later one's census.
                    let (earlier, later) = a.origin <= b.origin ? (a, b) : (b, a)
                    if let outturn = ForecastOutturn.of(earlier, against: later) {
                        header += outturn.describe()
                        outturns.append(outturn)
                    }
                }
            }
            if !model.scenarios.isEmpty {
                let dataSet = try data.load()
                let run = try model.run(dataSet, draws: draws.settings())
                let report = SufficiencyReport(run)
                for name in run.forecast.columns { columns.append(.init(label: name, rows: report.rows.filter { $0.scenario == name })) }
            }
            let comparison = Comparison(columns)
            if !comparison.lines.contains(where: { $0.pupils.compactMap { $0 }.count >= 2 }) {
                note("no area, phase and year is in more than one column, so nothing is compared (different data, areas or years?)")
            }
            try output.write({ () throws(PlacePlanError) in
                try comparison.render(output.format, changedOnly: changedOnly, colour: output.colour, header: header.isEmpty ? "" : header.flatMap { Format.wrapped($0) }.joined(separator: "\n") + "\n\n", outturns: outturns)
            }, workbook: { comparison.spreadsheet(changedOnly: changedOnly, header: header) })
        }
    }
}
