import ArgumentParser
import Foundation
import PlacePlanKit

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List and show saved runs (forecast vintages).", subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the saved runs.")
        @Option(name: .long, help: ArgumentHelp("The run store, a SQLite file.", valueName: "file"), completion: .file(extensions: ["sqlite"]))
        var store = RunStore.defaultPath
        @Option(name: .long, help: ArgumentHelp("table (default) or json.", valueName: "format"))
        var format: OutputFormat = .table

        func validate() throws {
            try requireTableOrJSON(format, command: "runs list")
        }

        struct Document: Codable {
            var schema = "placeplan.runs/1"
            var store: String
            var runs: [Run]
            struct Run: Codable { var name, label, createdAt, origin: String; var horizon, scenarios: Int }
        }

        func run() throws {
            try reportingErrors {
                // No store yet is no runs yet, not an error; a store in a folder that is not
                // there (a mistyped path) is one.
                let exists = FileManager.default.fileExists(atPath: store)
                if !exists, let what = RunStore.missingFolder(store) {
                    throw PlacePlanError.fileNotFound(path: store, hint: "\(what): name the store with --store (runs are saved with placeplan sufficiency --save \"SCAP 2026\")")
                }
                if format == .json {
                    let runs = exists ? try openExistingStore(store).list() : []
                    let doc = Document(store: store, runs: runs.map { .init(name: $0.name, label: $0.label, createdAt: $0.createdAt, origin: $0.origin, horizon: $0.horizon, scenarios: $0.scenarios) })
                    try OutputFile.write(try jsonText(doc), to: nil)
                    return
                }
                guard exists else {
                    try OutputFile.write("No saved runs in \(store) yet: save one with placeplan sufficiency --save \"SCAP 2026\".\n", to: nil)
                    return
                }
                var t = TextTable(title: "Saved runs in \(store)", headers: ["Name", "Label", "Saved", "Origin", "Years", "Scenarios"], rightAligned: [false, false, false, false, true, true])
                for r in try openExistingStore(store).list() {
                    t.rows.append([TextTable.Cell(r.name), TextTable.Cell(r.label), TextTable.Cell(r.createdAt), TextTable.Cell(r.origin), TextTable.Cell("\(r.horizon)"), TextTable.Cell("\(r.scenarios)")])
                }
                try OutputFile.write(t.render(colour: false), to: nil)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a saved run's manifest: its inputs, scenarios and assumptions.")
        @Option(name: .long, help: ArgumentHelp("The run store, a SQLite file.", valueName: "file"), completion: .file(extensions: ["sqlite"]))
        var store = RunStore.defaultPath
        @Argument(help: "The run's name.") var name: String
        @Option(name: .long, help: ArgumentHelp("table (default) or json (the whole saved run, schema placeplan.run/1).", valueName: "format"))
        var format: OutputFormat = .table

        func validate() throws {
            try requireTableOrJSON(format, command: "runs show")
        }

        struct Document: Codable {
            var schema = "placeplan.run/1"
            var run: SavedRun
        }

        func run() throws {
            try reportingErrors {
                let r = try openExistingStore(store).load(name)
                if format == .json {
                    try OutputFile.write(try jsonText(Document(run: r)), to: nil)
                    return
                }
                var lines = [
                    "Run '\(r.name)' (\(r.label)), saved \(r.createdAt) by placeplan \(r.toolVersion)",
                    "Command: \(r.command)",
                    "Data: \(r.dataLabel); origin \(r.origin); \(Format.years(r.horizon))" + (r.draws.map { "; \($0) draws" + (r.seed.map { ", seed \($0)" } ?? "") } ?? ""),
                    "",
                    "Inputs (SHA-256):",
                ]
                let width = r.inputs.map { Format.count(Double($0.bytes)).count }.max() ?? 0
                lines += r.inputs.map { i in
                    let size = Format.count(Double(i.bytes))
                    return "  \(i.sha256)  \(String(repeating: " ", count: width - size.count))\(size) bytes  \(i.path)"
                }
                for s in r.scenarios {
                    lines.append("")
                    lines.append("Scenario '\(s.name)'" + (s.file.isEmpty ? "" : " (\(s.file))"))
                    lines += s.assumptions.keys.sorted().map { "  \($0): \(s.assumptions[$0]!)" }
                }
                lines.append("")
                lines.append("Results: \(r.sufficiency.count) sufficiency rows")
                try OutputFile.write(lines.joined(separator: "\n") + "\n", to: nil)
            }
        }
    }
}
