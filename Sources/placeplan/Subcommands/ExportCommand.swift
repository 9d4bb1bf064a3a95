import ArgumentParser
import PlacePlanKit

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the forecast in the shape the DfE's SCAP survey asks for.",
        discussion: """
            --scap writes, per planning area and national curriculum year, forecast pupils for each year \
            (primary 5 years ahead, secondary 7) with the capacity in that year group, as CSV.

            Example:
              placeplan export --scap --output scap-2026.csv
            """)

    @Flag(name: .long, help: "The SCAP shape (the only one so far).") var scap = false
    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelArguments

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (written whole, or not at all).", valueName: "file"))
    var output: String?

    func validate() throws {
        guard scap else { throw ValidationError("choose a format: --scap") }
    }

    func run() throws {
        try reportingErrors {
            let dataSet = try data.load()
            try requirePlaces(dataSet)
            var args = model
            if args.years == nil { args.years = SCAPExport.secondaryYears }
            let run = try args.run(dataSet)
            try OutputFile.write(SCAPExport.csv(run), to: output)
        }
    }
}
