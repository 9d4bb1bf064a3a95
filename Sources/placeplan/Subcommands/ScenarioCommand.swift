import ArgumentParser
import PlacePlanKit

struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Work with scenario files.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate scenario files against the data without running a forecast.",
            discussion: """
                Checks every file (and the files it extends): the YAML keys and values, the schools and \
                areas it names, and that every year falls within the forecast. An options file of \
                placeplan plan (top-level 'options', no 'changes') is checked as one. Exits 0 when all are valid, \
                65 otherwise, listing each problem with its file, line and column.

                Example:
                  placeplan scenario check scenarios/*.yaml
                """)

        @OptionGroup var data: DataOptions

        @Option(name: .long, help: ArgumentHelp("The last census the forecast starts from (default: the latest).", valueName: "year"))
        var from: String?

        @Option(
            name: .customLong("allow-path"),
            help: ArgumentHelp("Let scenario files read files in this folder too (by default only beside the scenario and in the data folder).", valueName: "folder"), completion: .directory)
        var allowPath: [String] = []

        @Option(name: .long, help: ArgumentHelp("Forecast horizon: changes after it are marked (default: the scenario's, else 10).", valueName: "n"))
        var years: Int?

        @Argument(help: ArgumentHelp("Scenario files to check.", valueName: "file"), completion: .file(extensions: ["yaml", "yml"]))
        var files: [String]

        @Option(name: .long, help: ArgumentHelp("table (default) or json.", valueName: "format"))
        var format: OutputFormat = .table

        struct Document: Codable {
            var schema = "placeplan.scenario-check/1"
            var valid: Bool
            var scenarios: [Checked]
            var problems: [Problem]
            struct Checked: Codable {
                var file, name: String
                var forecast: String
                var changes: [String]
                /// `scenario`, or `options` for an options file of `placeplan plan`.
                var kind = "scenario"
            }
            struct Problem: Codable { var message: String; var hint: String? }
        }

        func validate() throws {
            try requireTableOrJSON(format, command: "scenario check")
            if files.isEmpty { throw ValidationError("give at least one scenario file, e.g. placeplan scenario check scenarios/baseline.yaml") }
        }

        func run() throws {
            try reportingErrors {
                let dataSet = try data.load()
                var origin = dataSet.lastCensus
                if let from {
                    guard let y = AcademicYear(parsing: from), dataSet.rolls.yearIndex(y) != nil else {
                        throw PlacePlanError.invalidOption(option: "--from", message: "'\(from)' is not a census year in the rolls", hint: "e.g. --from \(dataSet.lastCensus.startYear)")
                    }
                    origin = y
                }
                var errors: [PlacePlanError] = []
                var report: [String] = []
                var checked: [Document.Checked] = []
                for file in files {
                    do {
                        // An options file for `plan` (scenarios/options.yaml sits among the
                        // scenarios) is checked as one, against the schools and areas.
                        if PlanOptionsFile.isOptionsFile(file) {
                            let options = try PlanOptionsFile.load(file)
                            let horizon = years ?? 10
                            try PlanBuilder(options: options, schools: dataSet.schools, areas: dataSet.areas, origin: origin, horizon: horizon, settings: PlanSettings()).validate()
                            report.append("ok: \(file): options '\(options.name)' for placeplan plan, \(options.options.count) option\(options.options.count == 1 ? "" : "s")")
                            checked.append(.init(file: file, name: options.name, forecast: "\(origin + 1)-\(origin + horizon)", changes: [], kind: "options"))
                            continue
                        }
                        let scenario = try ScenarioFile.load(file, allowedFolders: (dataSet.directory.map { [$0] } ?? []) + allowPath)
                        let horizon = years ?? scenario.assumptions.horizon ?? 10
                        _ = try AppliedScenario.apply(scenario, to: dataSet.asKnownRolls(at: origin), origin: origin, horizon: horizon)
                        report.append("ok: \(file): '\(scenario.name)', \(scenario.changes.count) change\(scenario.changes.count == 1 ? "" : "s"), forecast \(origin + 1) to \(origin + horizon)")
                        report += scenario.changes.map { "  - \($0.summary(forecastTo: origin + horizon))" }
                        checked.append(.init(file: file, name: scenario.name, forecast: "\(origin + 1)-\(origin + horizon)", changes: scenario.changes.map { $0.summary(forecastTo: origin + horizon) }))
                    } catch let error as PlacePlanError {
                        errors.append(error)
                    }
                }
                if format == .json {
                    let problems = errors.flatMap(\.flattened).map { Document.Problem(message: Format.printable($0.message), hint: $0.hint) }
                    try OutputFile.write(try jsonText(Document(valid: errors.isEmpty, scenarios: checked, problems: problems)), to: nil)
                    if !errors.isEmpty { throw ExitCode(65) }
                    return
                }
                try OutputFile.write(report.joined(separator: "\n") + "\n", to: nil)
                try PlacePlanError.check(errors)
            }
        }
    }
}
