import ArgumentParser
import PlacePlanKit

struct SufficiencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sufficiency",
        abstract: "Places against forecast pupils for every planning area, phase and year.",
        discussion: """
            For each area and phase: places, pupils, surplus and surplus %, places short without offsetting \
            between year groups, and forms of entry spare or short in the entry year group, with a status \
            against the operating margin.

            Examples:
              placeplan sufficiency
              placeplan sufficiency --margin 0.02 --format json --output sufficiency.json
              placeplan sufficiency --scenario scenarios/baseline.yaml \\
                  --scenario scenarios/bulge-2027.yaml
              placeplan sufficiency --intervals --years 5
              placeplan sufficiency --area P10,S3 --phase primary
              placeplan sufficiency --draws 1000 --format xlsx --output sufficiency.xlsx
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelArguments

    @Option(name: .long, help: ArgumentHelp("Operating margin as a fraction of places, or a percentage (default 0.05 = 5%).", discussion: "Example: --margin 0.02 or --margin 2%", valueName: "share"), transform: parseShare)
    var margin: Double?

    @Option(name: .long, help: ArgumentHelp("High-surplus threshold as a fraction of places (default 0.10).", discussion: "Example: --high-surplus 0.15", valueName: "share"), transform: parseShare)
    var highSurplus: Double?

    @OptionGroup var draws: DrawOptions
    @OptionGroup var filter: FilterOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        let m = margin ?? 0.05, h = highSurplus ?? 0.10
        guard (0..<1).contains(m), (0..<1).contains(h), margin == nil || highSurplus == nil || m <= h else {
            throw ValidationError("--margin and --high-surplus must be fractions in [0, 1) with margin <= high surplus, e.g. --margin 0.05 or --margin 5%")
        }
    }

    func run() throws {
        try reportingErrors {
            let dataSet = try data.load()
            try requirePlaces(dataSet)
            let shown = try filter.filter(dataSet.areas)
            let run = try model.run(dataSet, margin: margin, highSurplus: highSurplus, draws: draws.settings())
            let out = SufficiencyOutput(run, dataLabel: run.dataLabel, filter: shown)
            // --area / --phase that leave nothing to compare (the City of London's secondary):
            // an error, not an empty table.
            if out.report.rows.isEmpty, let option = shown.phase != nil ? "--phase" : shown.areas != nil ? "--area" : nil {
                throw PlacePlanError.invalidOption(
                    option: option, message: "the areas and phase chosen have no places to compare pupils with",
                    hint: "run 'placeplan forecast' with the same options for their pupils alone, or choose others")
            }
            let text = output.format == .xlsx ? "" : try out.render(output.format, colour: output.colour)
            // Saved before the output is written: a failed save leaves no output behind.
            try store.saveIfAsked(data: run.data, run: run)
            try output.write({ text }, workbook: out.spreadsheet)
        }
    }
}
