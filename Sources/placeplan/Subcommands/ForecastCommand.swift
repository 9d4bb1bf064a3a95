import ArgumentParser
import PlacePlanKit

struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Forecast pupils by planning area, year and year group.",
        discussion: """
            Fits cohort ratios on the rolls up to the origin census and rolls each cohort forward; Reception \
            comes from births four years earlier.

            Examples:
              placeplan forecast
              placeplan forecast --years 15 --format csv --output forecast.csv
              placeplan forecast --data ../shared/data/london --la Barnet
              placeplan forecast --scenario scenarios/regeneration-south-west.yaml
              placeplan forecast --intervals --format json --output forecast.json
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelArguments
    @OptionGroup var draws: DrawOptions
    @OptionGroup var filter: FilterOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reportingErrors {
            let dataSet = try data.load()
            let shown = try filter.filter(dataSet.areas)
            let run = try model.run(dataSet, draws: draws.settings(), comparesPlaces: false)
            var out = ForecastReport(run, dataLabel: run.dataLabel)
            out.filter = shown
            let text = output.format == .xlsx ? "" : try out.render(output.format, colour: output.colour)
            // Saved before the output is written: a failed save leaves no output behind.
            try store.saveIfAsked(data: run.data, run: run)
            try output.write({ text }, workbook: out.spreadsheet)
        }
    }
}
