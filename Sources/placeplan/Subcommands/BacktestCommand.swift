import ArgumentParser
import Foundation
import PlacePlanKit

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Forecast from past censuses and compare with what happened.",
        discussion: """
            From every origin with enough history, fits the model on the data known then (rolls up to the \
            origin, births up to its mid-year), forecasts up to --years ahead and compares each area's \
            primary and secondary totals, and each year group, with the actual rolls. Baselines run beside \
            the method: last year's ratio (mean1) and the plain 3-year mean (mean3).

            Exits 1 when a --max-error gate is exceeded, or a --coverage gate missed, naming the metric, \
            horizon, phase and value.

            Examples:
              placeplan backtest
              placeplan backtest --data ../shared/data/london \\
                  --max-error h1=1.0,h3=2.5,h5=5
              placeplan backtest --data ../shared/data/london --coverage 80=70-90,95=88-99
              placeplan backtest --data ../shared/data/london --format json \\
                  --output backtest.json --junit backtest.xml
            """)

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: ArgumentHelp("Years ahead to forecast from each origin.", valueName: "n"))
    var years = 5

    @Option(
        name: .customLong("min-history"),
        help: ArgumentHelp("Censuses needed up to an origin before it is used (4: three years of ratios).", valueName: "n"))
    var minimumHistory = 4

    @Option(
        name: [.customLong("method"), .customLong("estimator")],
        help: ArgumentHelp("The method under test: auto (default) or an estimator such as mean3.", valueName: "name"))
    var method = "auto"

    @Option(name: .long, help: ArgumentHelp("Births beyond those known at each origin: hold (default) or trend.", valueName: "method"))
    var births = "hold"

    @Option(
        name: .customLong("exclude-years"),
        help: ArgumentHelp(
            "Census years whose ratios the method under test leaves out; the method with every year runs beside it.",
            discussion: "Example: --exclude-years 2020/21", valueName: "years"))
    var excludeYears: String?

    @Option(
        name: .customLong("max-error"),
        help: ArgumentHelp(
            "Gates on the median absolute % error of phase totals, by horizon, optionally per phase.",
            discussion: "Example: --max-error h1=1.0,h3=2.5  or  --max-error primary:h3=2.2,secondary:h3=2.0", valueName: "gates"))
    var maxError: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Gates on the coverage of the 80% and 95% prediction intervals at every horizon: each phase, one phase, or both pooled with all: (implies --intervals).",
            discussion: "Example: --coverage 80=70-90,95=88-99  or  --coverage primary:95=90-99,all:95=92-97", valueName: "gates"))
    var coverage: String?

    @Option(name: .long, help: ArgumentHelp("Also write JUnit XML (one test case per gate) to this file.", valueName: "file"), completion: .file())
    var junit: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write every phase-total forecast beside the actual (CSV, with intervals when --draws is set) to this file.",
            valueName: "file"), completion: .file())
    var records: String?

    @OptionGroup var draws: DrawOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if coverage != nil && draws.draws == 0 {
            throw ValidationError("--coverage needs intervals: leave out --draws 0, or give --draws N (e.g. --draws 1000)")
        }
    }

    func run() throws {
        var failed = false
        try reportingErrors {
            guard let m = RatioMethod(parsing: method) else {
                throw PlacePlanError.invalidOption(option: "--method", message: "unknown method '\(method)'", hint: "use auto or an estimator such as mean3")
            }
            guard let b = BirthsProjection(parsing: births) else {
                throw PlacePlanError.invalidOption(option: "--births", message: "unknown births projection '\(births)'", hint: "use hold or trend")
            }
            let gates = try maxError.map { text throws(PlacePlanError) in try AccuracyGate.parse(text) } ?? []
            let coverageGates = try coverage.map(CoverageGate.parse) ?? []
            if let beyond = gates.max(by: { $0.horizon < $1.horizon }), beyond.horizon > years {
                throw PlacePlanError.invalidOption(
                    option: "--max-error", message: "the gate at h\(beyond.horizon) is beyond --years \(years)",
                    hint: "forecast that far with --years \(beyond.horizon), or drop the gate")
            }
            try OutputFile.refuseSame([(output.output, "--output"), (junit, "--junit"), (records, "--records")])
            // A backtest runs across LA reorganisations: predecessors and successors merged.
            let dataSet = try data.load().mergingReorganisations()
            guard minimumHistory >= 2 else {
                throw PlacePlanError.invalidOption(
                    option: "--min-history", message: "\(minimumHistory) is too few", hint: "a ratio needs two censuses: use 2 or more, e.g. --min-history 4")
            }
            var settings = BacktestSettings(horizon: years, minimumHistory: minimumHistory, method: m, birthsProjection: b)
            // A coverage gate needs intervals: the default draws unless --draws says otherwise.
            var drawing = draws
            drawing.intervals = drawing.intervals || !coverageGates.isEmpty
            settings.uncertainty = drawing.settings()
            if let excludeYears { settings.excludedYears = try parseExcludedYears(excludeYears) }
            // The progress line is cleared before anything else is written, error or not.
            let line = ProgressLine()
            let backtest: Backtest
            do {
                defer { line.clear() }
                backtest = try Backtest.run(dataSet, settings: settings, progress: { line.show($0) })
            }
            let out = BacktestOutput(backtest, gates: gates, coverageGates: coverageGates)
            for (path, option) in [(output.output, "--output"), (junit, "--junit"), (records, "--records")] {
                try OutputFile.refuseInput(path, option: option)
            }
            try output.write(try out.render(output.format, colour: output.colour))
            if let junit { try OutputFile.write(out.junit(), to: junit, option: "--junit") }
            if let records { try OutputFile.write(out.recordsCSV(), to: records, option: "--records") }
            for failure in out.failures { FileHandle.standardError.write(Data("gate failed: \(failure)\n".utf8)) }
            failed = !out.failures.isEmpty
        }
        if failed { throw ExitCode(1) }
    }
}
