import ArgumentParser
import Foundation
import PlacePlanKit

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the forecast in the shape the DfE's SCAP survey asks for.",
        discussion: """
            --scap writes, per planning area and national curriculum year, forecast pupils for each year \
            (primary 5 years ahead, secondary 7, whatever --years says) with the capacity in that year group \
            (blank where the data has no places for the area and phase), for one scenario, with the \
            authority's DfE LA number. As CSV (long: a row per area, year group and year) or as an Excel \
            workbook laid out as the DfE's pupil-forecast template (a column per year), with the \
            specialist (EHCP) placement forecasts by phase when the data has the EHCP files \
            (docs/scap.md maps every column).

            Examples:
              placeplan export --scap --la-number 302 --output scap-2026.csv
              placeplan export --scap --la-number 302 --format xlsx \\
                  --output scap-2026.xlsx
              placeplan export --scap --data ../shared/data/london --la Barnet \\
                  --format xlsx --output scap-barnet.xlsx
            """)

    @Flag(name: .long, help: "The SCAP shape (the only one so far).") var scap = false
    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelArguments

    @Option(name: .customLong("la-number"), help: ArgumentHelp("The authority's three-digit DfE LA number, when areas.csv does not give it.", discussion: "Example: --la-number 302", valueName: "nnn"))
    var laNumber: String?

    @Option(name: .customLong("scenario-name"), help: ArgumentHelp("With several --scenario files: the one to export (a SCAP return is one scenario).", valueName: "name"))
    var scenarioName: String?

    @Option(name: .long, help: ArgumentHelp("csv (default) or xlsx.", valueName: "format"))
    var format: OutputFormat = .csv

    @Option(name: .customLong("specialist-output"), help: ArgumentHelp("With CSV: also write the specialist (EHCP) placement forecasts to this file.", valueName: "file"), completion: .file())
    var specialistOutput: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (written whole, or not at all).", valueName: "file"), completion: .file())
    var output: String?

    func validate() throws {
        guard scap else { throw ValidationError("choose a format: --scap") }
        guard format == .csv || format == .xlsx else { throw ValidationError("--format must be csv or xlsx for the SCAP export") }
        if let laNumber, !(laNumber.count == 3 && laNumber.allSatisfy(\.isNumber)) {
            throw ValidationError("--la-number must be the three-digit DfE LA number, e.g. --la-number 302")
        }
        if format == .xlsx, output == nil, isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("--format xlsx writes a binary workbook, which would garble the terminal: add --output FILE.xlsx")
        }
        if specialistOutput != nil, format == .xlsx { throw ValidationError("--specialist-output is for CSV: the workbook has the specialist placements as a sheet") }
    }

    func run() throws {
        try reportingErrors {
            try OutputFile.refuseSame([(output, "--output"), (specialistOutput, "--specialist-output")])
            let dataSet = try data.load()
            // SCAP's pupil forecasts do not need places: without any, the capacity is blank.
            if let problem = missingPlaces(dataSet) { note("\(problem.message): the capacity column is left blank") }
            guard let number = SCAPExport.laNumber(dataSet.shownAreas, given: laNumber) else {
                let names = Set(dataSet.shownAreas.map(\.localAuthority)).sorted()
                throw PlacePlanError.invalidOption(
                    option: "--la-number", message: names.count == 1 ? "areas.csv names the authority '\(names[0])', not its DfE LA number" : "the data holds \(names.count) authorities; a SCAP return is for one",
                    hint: names.count == 1 ? "give it: --la-number 302 (your authority's three-digit DfE number)" : "choose one with --la")
            }
            var args = model
            // The SCAP horizons, whatever --years says: secondary forecasts run 7 years ahead.
            if let years = args.years, years < SCAPExport.secondaryYears {
                note("SCAP asks for \(SCAPExport.primaryYears) years of primary and \(SCAPExport.secondaryYears) of secondary forecasts: exporting \(SCAPExport.secondaryYears) years, not \(years)")
            }
            args.years = max(args.years ?? SCAPExport.secondaryYears, SCAPExport.secondaryYears)
            let run = try args.run(dataSet)
            var column = 0
            if run.forecast.columns.count > 1 {
                guard let scenarioName, let c = run.forecast.columns.firstIndex(of: scenarioName) else {
                    throw PlacePlanError.invalidOption(
                        option: "--scenario-name", message: scenarioName.map { "no scenario is named '\($0)'" } ?? "a SCAP return is one scenario, and \(run.forecast.columns.count) are given",
                        hint: "choose one: --scenario-name \(run.forecast.columns.map { "'\($0)'" }.joined(separator: " or "))")
                }
                column = c
            }
            let shown = run.data.areas
            let name = shown.count == 1 && shown[0].id == number ? shown[0].name : (shown.first?.localAuthority ?? "")
            var send: SENDForecast?
            var noSENDReason = "\(data.data) has no EHCP files for the authority"
            if let authority = Set(run.data.areas.map(\.localAuthority)).first, Set(run.data.areas.map(\.localAuthority)).count == 1, try EHCPHistory.files(in: data.data) != nil {
                do {
                    let history = try EHCPHistory.load(directory: data.data, authority: run.data.ehcpAuthority ?? authority, predecessors: run.data.ehcpPredecessors)
                    let pooled = SendCommand.pooledInputs(for: history, data: dataSet, directory: data.data, trend: .default, draws: false).pooled
                    send = try SENDRunner.run(history: history, data: run.data, run: run, pooled: pooled)
                } catch {
                    // Files too short or without the authority's breakdowns: the pupil forecasts
                    // are still the return; a damaged file still stops the export.
                    guard let what = sendSkipReason(error) else { throw error }
                    noSENDReason = what
                    note("specialist placements are not forecast: \(what)")
                }
            } else {
                note("specialist placements are not forecast: \(noSENDReason)")
            }
            let export = SCAPExport(run: run, column: column, laNumber: number, laName: name, send: send, noSENDReason: noSENDReason)
            if format == .xlsx {
                try OutputFile.write(data: export.spreadsheet(dataLabel: run.dataLabel).xlsx(), to: output)
                return
            }
            if let specialistOutput { try OutputFile.writeCSV(export.specialistCSV(), to: specialistOutput, option: "--specialist-output") }
            try OutputFile.writeCSV(export.csv(), to: output)
        }
    }
}
