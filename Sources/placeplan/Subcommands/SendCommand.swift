import ArgumentParser
import Foundation
import PlacePlanKit

struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Forecast EHCP pupils by need and placement, and the sufficiency and cost of specialist places.",
        discussion: """
            A flow model over year group x primary need x placement, calibrated from the authority's DfE EHCP \
            files (in the data directory or its send/ folder): plans move up a year group, some cease, new plans \
            join at rates per pupil applied to the mainstream forecast, and placements change mostly at transfer. \
            Specialist demand is met in borough up to the ARP and special school places; the rest goes to \
            independent or out-of-borough placements.

            Examples:
              placeplan send
              placeplan send --scenario scenarios/new-arp-autism.yaml \\
                  --send-trend continue
              placeplan send --data ../shared/data/london --la Barnet --format json
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelArguments

    @Option(name: .customLong("send-trend"), help: ArgumentHelp("New-plan rates: damped (default), continue or hold.", valueName: "trend"))
    var trend = "damped"

    @Option(name: .customLong("long-run"), help: ArgumentHelp("With damped: the long-run growth of new-plan rates a year (default 0.02).", valueName: "share"))
    var longRun = 0.02

    @Option(
        name: .customLong("oob-share"),
        help: ArgumentHelp("Without schools data: the share of maintained special placements out of borough (default 0.2).", valueName: "share"))
    var oobShare = 0.2

    @Option(name: .long, help: ArgumentHelp("Annual costs by placement (placement,annual_cost); default: the data's send_costs.csv, else illustrative.", valueName: "file"))
    var costs: String?

    @OptionGroup var draws: DrawOptions

    @Flag(name: .long, help: "Backtest the SEND model on every authority's EHCP history instead of forecasting.")
    var backtest = false

    @Option(name: .customLong("fit-through"), help: ArgumentHelp("With --backtest: the last January fitted on (default 2017).", valueName: "year"))
    var fitThrough = 2017

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (0...1).contains(oobShare), (-0.5...1).contains(longRun) else {
            throw ValidationError("--oob-share must be in [0, 1] and --long-run a yearly growth such as 0.02")
        }
    }

    /// The SEND model's errors from each earlier January, over every authority the EHCP
    /// files and census in `directory` hold, for calibrated draws. Nil (and a note on stderr
    /// saying why) when they cannot be measured: the draws then vary only the growth of
    /// new-plan rates.
    static func measuredErrors(for history: EHCPHistory, directory: String, trend: SENDTrend) -> SENDMeasuredErrors? {
        var reason: String?
        var measured: SENDMeasuredErrors?
        do {
            let histories = try EHCPHistory.loadAll(directory: directory)
            measured = SENDBacktest.measuredErrors(for: history, histories: histories, data: try DataSource.load(directory), trend: trend)
            if measured == nil { reason = SENDBacktest.uncalibratedReason(for: history, histories: histories) }
        } catch {
            reason = "\(error)"
        }
        if let reason {
            note("SEND draws vary only the growth of new-plan rates (not calibrated): \(reason)")
        }
        return measured
    }

    func run() throws {
        try reportingErrors {
            guard let t = SENDTrend(parsing: trend, longRun: longRun) else {
                throw PlacePlanError.invalidOption(option: "--send-trend", message: "unknown trend '\(trend)'", hint: "use damped, continue or hold")
            }
            let dataSet = try data.load()
            if backtest {
                let histories = try EHCPHistory.loadAll(directory: data.data)
                let result = SENDBacktest.run(histories: histories, data: dataSet, fitThrough: fitThrough)
                guard result.authorities > 0 else {
                    throw PlacePlanError.insufficientHistory(
                        "no authority has plans by age band up to January \(fitThrough) and census pupils for the years after",
                        hint: "the SEND backtest needs the DfE census and EHCP files, e.g. --data ../shared/data/london")
                }
                var table = result.table()
                if draws.settings() != nil {
                    // Interval coverage of the model's Y1-Y11 forecasts, each calibrated on the
                    // Januaries before it: from --fit-through alone, then rolling over every
                    // January with a calibration history (origins as clusters).
                    func rows(_ coverage: [Int: CoverageSummary], _ label: String) -> [[TextTable.Cell]] {
                        coverage.keys.sorted().map { h in
                            let c = coverage[h]!
                            // A standard error needs more than one origin (cluster).
                            func se(_ x: Double) -> String { c.origins > 1 ? " ± \(Format.decimal(x, places: 1))" : "" }
                            return [
                                TextTable.Cell("\(label), h\(h) (n \(c.count))"),
                                TextTable.Cell(
                                    "80%: \(Format.decimal(c.coverage80, places: 1))%\(se(c.standardError80)) cover, \(Format.decimal(c.width80, places: 1))% wide; "
                                        + "95%: \(Format.decimal(c.coverage95, places: 1))%\(se(c.standardError95)) cover, \(Format.decimal(c.width95, places: 1))% wide"),
                            ] + Array(repeating: TextTable.Cell(""), count: table.headers.count - 2)
                        }
                    }
                    let single = SENDBacktest.coverage(histories: histories, data: dataSet, fitThrough: fitThrough, adaptation: draws.adaptationRate)
                    table.rows += rows(single, "Intervals from \(fitThrough)")
                    if let januaries = SENDBacktest.calibratedJanuaries(histories) {
                        let rolling = SENDBacktest.rollingCoverage(histories: histories, data: dataSet, fitThroughs: januaries, adaptation: draws.adaptationRate)
                        table.rows += rows(rolling, "Intervals from \(januaries.lowerBound)-\(januaries.upperBound)")
                    }
                }
                let text: String
                switch output.format {
                case .markdown: text = table.markdown()
                case .csv: text = csvText(header: ["method", "authority", "band", "horizon", "forecast", "actual"], rows: result.records.map {
                    [$0.method, $0.authority, $0.band?.rawValue ?? "Age 5 to 15", "\($0.horizon)", Format.decimal($0.forecast), Format.decimal($0.actual)]
                })
                case .json:
                    struct Document: Codable {
                        var schema = "placeplan.send-backtest/1"
                        var fitThrough: Int
                        var authorities: Int
                        var records: [Record]
                        struct Record: Codable { var method, authority, band: String; var horizon: Int; var forecast, actual: Double }
                    }
                    text = try jsonText(Document(fitThrough: fitThrough, authorities: result.authorities, records: result.records.map {
                        .init(method: $0.method, authority: $0.authority, band: $0.band?.rawValue ?? "Age 5 to 15", horizon: $0.horizon,
                              forecast: Format.rounded($0.forecast), actual: Format.rounded($0.actual))
                    }))
                case .table: text = table.render(colour: output.colour)
                case .xlsx: throw OutputFormat.noWorkbook("send --backtest")
                }
                try output.write(text)
                return
            }
            let authorities = Set(dataSet.areas.map(\.localAuthority))
            guard authorities.count == 1, let authority = authorities.first else {
                throw PlacePlanError.invalidOption(
                    option: "--la", message: "the SEND model runs for one local authority; the data has \(authorities.count)",
                    hint: "choose one with --la, e.g. --la Barnet")
            }
            let history = try EHCPHistory.load(directory: data.data, authority: authority)
            var costTable = SENDCosts.illustrative
            let defaultCosts = [(data.data as NSString).appendingPathComponent("send_costs.csv"), (data.data as NSString).appendingPathComponent("send/send_costs.csv")]
            if let path = costs ?? defaultCosts.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                costTable = try SENDCosts.read(path)
            }
            let scenarioRun = try model.run(dataSet)
            // With draws: calibrated to the SEND model's measured errors, pooled over the
            // authorities as the mainstream areas are; else the report's title says what varies.
            let measured = draws.settings() == nil ? nil : Self.measuredErrors(for: history, directory: data.data, trend: t)
            let line = ProgressLine()
            let send: SENDForecast
            do {
                defer { line.clear() }
                send = try SENDRunner.run(
                    history: history, data: scenarioRun.data, run: scenarioRun,
                    assumptions: SENDAssumptions(trend: t, outOfBoroughShare: oobShare, costs: costTable), uncertainty: draws.settings(),
                    measured: measured, progress: { line.show($0) })
            }
            let out = SENDOutput(send, run: scenarioRun, dataLabel: scenarioRun.dataLabel)
            try output.write(try out.render(output.format, colour: output.colour))
        }
    }
}
