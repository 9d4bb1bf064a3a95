import ArgumentParser
import Foundation
import PlacePlanKit

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a data folder: every problem at once, without running a forecast.",
        discussion: """
            Reads every input file (placeplan CSVs, or the DfE census and GLA births files), reports every \
            problem that would stop a forecast (up to 25 bad rows a file) with its file, line and column, and \
            warns of what is allowed but usually a slip: births that stop before the forecast's Reception \
            cohorts, areas without schools, capacities below their PAN, transfers that send no one, missing \
            EHCP files. Exits 65 when there is a problem, 0 otherwise.

            Examples:
              placeplan check --data my-authority
              placeplan check --data ../shared/data/london --la Barnet --format json
            """)

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: ArgumentHelp("Years the forecasts will run (for the births warning).", valueName: "n"))
    var years = 10

    @Option(name: .long, help: ArgumentHelp("table (default) or json.", valueName: "format"))
    var format: OutputFormat = .table

    func validate() throws {
        try requireTableOrJSON(format, command: "check")
        guard (1...ForecastSettings.maximumHorizon).contains(years) else { throw ValidationError("--years must be 1 to 25") }
    }

    struct Document: Codable {
        var schema = "placeplan.check/1"
        var data: String
        var ready: Bool
        var found: [String]
        var problems: [Problem]
        var warnings: [String]
        struct Problem: Codable { var message: String; var hint: String? }
    }

    func run() throws {
        let authorities = data.la.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let report = DataCheck.run(directory: data.data, authorities: authorities, horizon: years)
        if format == .json {
            let doc = Document(data: data.data, ready: report.isReady, found: report.found,
                               problems: report.problems.map { .init(message: Format.printable($0.message), hint: $0.hint) }, warnings: report.warnings)
            try reportingErrors { try OutputFile.write(try jsonText(doc), to: nil) }
        } else {
            var lines = ["Checked \(data.data)"]
            lines += report.found.map { "  " + $0 }
            lines.append("")
            lines.append(report.problems.isEmpty ? "Problems: none" : "Problems (\(report.problems.count)): fix these before forecasting")
            for p in report.problems {
                lines.append("  - " + Format.printable(p.message))
                if let hint = p.hint { lines.append("    hint: " + hint) }
            }
            lines.append(report.warnings.isEmpty ? "Warnings: none" : "Warnings (\(report.warnings.count)):")
            lines += report.warnings.map { "  - " + Format.printable($0) }
            lines.append("")
            lines.append(report.isReady ? "Ready: placeplan forecast, sufficiency and plan can run on this data." : "Not ready: \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") to fix.")
            try reportingErrors { try OutputFile.write(lines.joined(separator: "\n") + "\n", to: nil) }
        }
        if !report.isReady { throw ExitCode(65) }
    }
}
