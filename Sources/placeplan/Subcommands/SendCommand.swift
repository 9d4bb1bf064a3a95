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
              placeplan send --draws 1000 --format xlsx --output send.xlsx
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelArguments

    @Option(name: .customLong("send-trend"), help: ArgumentHelp("New-plan rates: damped, continue or hold.", valueName: "trend"))
    var trend = "damped"

    @Option(name: .customLong("long-run"), help: ArgumentHelp("With damped: the long-run growth of new-plan rates a year.", valueName: "share"), transform: parseShare)
    var longRun = 0.02

    @Option(
        name: .customLong("oob-share"),
        help: ArgumentHelp("Without schools data: the share of maintained special placements out of borough.", valueName: "share"), transform: parseShare)
    var oobShare = 0.2

    @Option(name: .long, help: ArgumentHelp("Annual costs by placement (placement,annual_cost); default: the data's send_costs.csv, else illustrative.", valueName: "file"), completion: .file(extensions: ["csv"]))
    var costs: String?

    @OptionGroup var draws: DrawOptions

    @Flag(name: .long, help: "Backtest the SEND model on every authority's EHCP history instead of forecasting.")
    var backtest = false

    @Option(
        name: .customLong("fit-through"),
        help: ArgumentHelp("With --backtest: forecast from this January only (default: every January the files allow).", valueName: "year"))
    var fitThrough: Int?

    @Option(
        name: .customLong("max-error"),
        help: ArgumentHelp("With --backtest: fail (exit 1) when the model's Y1-Y11 MAPE exceeds a limit, e.g. h1=5,h3=10,h5=16.", valueName: "limits"))
    var maxError: String?

    @Option(
        name: .customLong("max-bias"),
        help: ArgumentHelp("With --backtest: fail when the model's Y1-Y11 median bias leaves ±limit, e.g. h5=12.", valueName: "limits"))
    var maxBias: String?

    @Option(
        name: .customLong("coverage"),
        help: ArgumentHelp("With --backtest and --draws: fail when rolling interval coverage leaves a range, e.g. 80=75-85,95=92-97.", valueName: "ranges"))
    var coverage: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (0...1).contains(oobShare), (-0.5...1).contains(longRun) else {
            throw ValidationError("--oob-share must be in [0, 1] and --long-run a yearly growth such as 0.02")
        }
    }

    /// What the other authorities of the folder (`data`, or the whole file it keeps with
    /// `--la`; their EHCP files in `directory`) tell the SEND model of `history`'s
    /// authority: the pooled trend of new plans (national momentum, the pooled rate) and,
    /// with `draws`, the model's errors from each earlier January for calibrated draws.
    /// Either is nil (with a note on stderr saying why) when the files cannot give it: new-plan
    /// rates then follow the authority's own growth, and the draws vary only that growth.
    static func pooledInputs(
        for history: EHCPHistory, data: DataSet, directory: String, trend: SENDTrend, draws: Bool
    ) -> (pooled: SENDPooledTrend?, measured: SENDMeasuredErrors?) {
        var pooled: SENDPooledTrend?, measured: SENDMeasuredErrors?
        do {
            let histories = try EHCPHistory.loadAll(directory: directory)
            // Every authority of the folder: the loaded data, or with --la the whole file it keeps.
            let all = data.calibrationPool?.data ?? data
            pooled = SENDPooledTrend(histories: histories, data: all, national: try SENDPooledTrend.nationalPlans(directory: directory))
            if draws {
                measured = SENDBacktest.measuredErrors(for: history, histories: histories, data: all, pooled: pooled, trend: trend)
                if measured == nil {
                    note("SEND draws vary only the growth of new-plan rates (not calibrated): \(SENDBacktest.uncalibratedReason(for: history, histories: histories))")
                }
            }
        } catch {
            note("SEND new-plan rates follow the authority's own growth (no pooled trend): \(error)")
            if draws { note("SEND draws vary only the growth of new-plan rates (not calibrated): \(error)") }
        }
        return (pooled, measured)
    }

    func run() throws {
        var failed = false
        try reportingErrors {
            guard let t = SENDTrend(parsing: trend, longRun: longRun) else {
                throw PlacePlanError.invalidOption(option: "--send-trend", message: "unknown trend '\(trend)'", hint: "use damped, continue or hold")
            }
            // Said before the backtest runs, not after it.
            if backtest, output.format == .xlsx { throw OutputFormat.noWorkbook("send --backtest") }
            let dataSet = try data.load()
            if backtest {
                failed = try runBacktest(dataSet)
                return
            }
            let shown = dataSet.shownAreas
            let authorities = Set(shown.map(\.localAuthority))
            guard authorities.count == 1, let authority = authorities.first else {
                throw PlacePlanError.invalidOption(
                    option: "--la", message: "the SEND model runs for one local authority; the data has \(currentAuthorities(dataSet))",
                    hint: dataSet.isLAData
                        ? "choose one with --la, e.g. --la \(shown.first?.id ?? "302")"
                        : "point --data at a folder with one authority's areas (areas.csv, local_authority)")
            }
            // The mainstream forecast first: an LA that cannot be forecast (abolished before the
            // origin, say) is told so before its EHCP files are looked at.
            let scenarioRun = try model.run(dataSet, comparesPlaces: false)
            let history = try EHCPHistory.load(directory: data.data, authority: scenarioRun.data.ehcpAuthority ?? authority, predecessors: scenarioRun.data.ehcpPredecessors)
            var costTable = SENDCosts.illustrative
            let defaultCosts = [(data.data as NSString).appendingPathComponent("send_costs.csv"), (data.data as NSString).appendingPathComponent("send/send_costs.csv")]
            if let path = costs ?? defaultCosts.first(where: { FileManager.default.fileExists(atPath: $0) }) {
                costTable = try SENDCosts.read(path)
            }
            // With draws: calibrated to the SEND model's measured errors, pooled over the
            // authorities as the mainstream areas are; else the report's title says what varies.
            let (pooled, measured) = Self.pooledInputs(for: history, data: dataSet, directory: data.data, trend: t, draws: draws.settings() != nil)
            let line = ProgressLine()
            let send: SENDForecast
            do {
                defer { line.clear() }
                send = try SENDRunner.run(
                    history: history, data: scenarioRun.data, run: scenarioRun,
                    assumptions: SENDAssumptions(trend: t, outOfBoroughShare: oobShare, costs: costTable), pooled: pooled, uncertainty: draws.settings(),
                    measured: measured, progress: { line.show($0) })
            }
            let out = SENDOutput(send, run: scenarioRun, dataLabel: scenarioRun.dataLabel)
            try output.write({ () throws(PlacePlanError) in try out.render(output.format, colour: output.colour) }, workbook: out.spreadsheet)
        }
        if failed { throw ExitCode(1) }
    }

    /// The SEND backtest: rolling over every January the files allow (or from --fit-through
    /// alone), with interval coverage when draws are asked for, and the gates. True when a
    /// gate failed.
    func runBacktest(_ dataSet: DataSet) throws -> Bool {
        let histories = try EHCPHistory.loadAll(directory: data.data)
        // With --la, the chosen LAs are backtested as a live run forecasts them: the pooled
        // trend and the interval calibration over every authority in the folder, the
        // records theirs alone.
        let wanted: Set<String>? = data.la == nil ? nil : Set(dataSet.shownAreas.flatMap { dataSet.mergedAreas[$0.id] ?? [$0.id] }.compactMap { histories[$0]?.authority })
        let pool = dataSet.calibrationPool?.data ?? dataSet
        let pooled = SENDPooledTrend(histories: histories, data: pool, national: try SENDPooledTrend.nationalPlans(directory: data.data))
        let errorGates = try maxError.map { text throws(PlacePlanError) in try AccuracyGate.parse(text) } ?? []
        let biasGates = try maxBias.map { text throws(PlacePlanError) in try AccuracyGate.parse(text, option: "--max-bias") } ?? []
        let coverageGates = try coverage.map(CoverageGate.parse) ?? []
        if let phased = (errorGates + biasGates).first(where: { $0.phase != nil }) ?? nil {
            throw PlacePlanError.invalidOption(
                option: "--max-error", message: "'\(phased)': SEND gates are on Y1-Y11 plans, not a phase", hint: "write h3=10 without primary: or secondary:")
        }
        if !coverageGates.isEmpty && draws.settings() == nil {
            throw PlacePlanError.invalidOption(option: "--coverage", message: "coverage needs intervals", hint: "give --draws N (e.g. --draws 1000)")
        }
        var result: SENDBacktest
        if let fitThrough {
            result = SENDBacktest.run(histories: histories, data: pool, pooled: pooled, fitThrough: fitThrough)
        } else {
            result = SENDBacktest.rolling(histories: histories, data: pool, pooled: pooled)
        }
        if let wanted { result = result.restricted(to: wanted) }
        guard result.authorities > 0 else {
            throw PlacePlanError.insufficientHistory(
                "no authority has plans by age band up to January \(fitThrough.map(String.init) ?? "a backtest origin") and census pupils for the years after",
                hint: "the SEND backtest needs the DfE census and EHCP files, e.g. --data ../shared/data/london")
        }
        var table = result.table()
        table.title! += ". Momentum: England's plans (\(pooled.nationalPlans.isEmpty ? "no National rows: the pooled new-plan rate's" : "National rows")), "
                + "the pull to the rate pooled over \(pooled.authorities) authorities (docs/send.md)"
        var coverageByHorizon: [Int: CoverageSummary] = [:]
        let withIntervals = draws.settings() != nil
        if withIntervals {
            // Interval coverage of the model's Y1-Y11 forecasts, each calibrated on the
            // Januaries before it, pooled over origins (as clusters).
            let records = SENDBacktest.rollingIntervalRecords(
                histories: histories, data: pool, pooled: pooled, fitThroughs: fitThrough.map { $0...$0 }, adaptation: draws.adaptationRate)
                .filter { wanted?.contains($0.area) ?? true }
            coverageByHorizon = Dictionary(grouping: records, by: \.horizon).compactMapValues { CoverageSummary($0) }
            result = result.withIntervals(records)
            for h in coverageByHorizon.keys.sorted() {
                let c = coverageByHorizon[h]!
                func se(_ x: Double) -> String { c.origins > 1 ? " ± \(Format.decimal(x, places: 1))" : "" }
                table.rows.append([
                    TextTable.Cell("Intervals, h\(h) (n \(c.count), \(c.origins) origins)"),
                    TextTable.Cell(
                        "80%: \(Format.decimal(c.coverage80, places: 1))%\(se(c.standardError80)) cover, \(Format.decimal(c.width80, places: 1))% wide; "
                            + "95%: \(Format.decimal(c.coverage95, places: 1))%\(se(c.standardError95)) cover, \(Format.decimal(c.width95, places: 1))% wide"),
                ] + Array(repeating: TextTable.Cell(""), count: table.headers.count - 2))
            }
        }
        let failures = result.gateFailures(maxError: errorGates, maxBias: biasGates, coverage: coverageGates, intervals: coverageByHorizon)
        func interval(of r: SENDBacktest.Record) -> (ClosedRange<Double>, ClosedRange<Double>)? {
            guard let i80 = r.interval80, let i95 = r.interval95 else { return nil }
            return (i80, i95)
        }
        let text: String
        switch output.format {
        case .markdown: text = table.markdown()
        case .csv:
            let bounds = ["low80", "high80", "low95", "high95"]
            text = csvText(header: ["method", "authority", "band", "origin", "horizon", "forecast", "actual"] + (withIntervals ? bounds : []), rows: result.records.map {
                let row = [$0.method, $0.authority, $0.band?.rawValue ?? "Age 5 to 15", "\($0.origin)", "\($0.horizon)", Format.decimal($0.forecast), Format.decimal($0.actual)]
                guard withIntervals else { return row }
                guard let (i80, i95) = interval(of: $0) else { return row + ["", "", "", ""] }
                return row + [i80.lowerBound, i80.upperBound, i95.lowerBound, i95.upperBound].map { Format.decimal($0) }
            })
        case .json:
            struct Document: Codable {
                var schema = "placeplan.send-backtest/3"
                var origins: [Int]
                var authorities: Int
                var coverage: [Coverage]
                var failures: [String]
                var records: [Record]
                struct Record: Codable {
                    var method, authority, band: String
                    var origin, horizon: Int
                    var forecast, actual: Double
                    var low80, high80, low95, high95: Double?
                }
                struct Coverage: Codable { var horizon, count, origins: Int; var coverage80, coverage95, width80, width95: Double }
            }
            text = try jsonText(Document(
                origins: result.origins, authorities: result.authorities,
                coverage: coverageByHorizon.keys.sorted().map { h in
                    let c = coverageByHorizon[h]!
                    return .init(horizon: h, count: c.count, origins: c.origins, coverage80: Format.rounded(c.coverage80, places: 2),
                                 coverage95: Format.rounded(c.coverage95, places: 2), width80: Format.rounded(c.width80, places: 2), width95: Format.rounded(c.width95, places: 2))
                },
                failures: failures,
                records: result.records.map {
                    let i = interval(of: $0)
                    return .init(
                        method: $0.method, authority: $0.authority, band: $0.band?.rawValue ?? "Age 5 to 15", origin: $0.origin, horizon: $0.horizon,
                        forecast: Format.rounded($0.forecast), actual: Format.rounded($0.actual),
                        low80: i.map { Format.rounded($0.0.lowerBound) }, high80: i.map { Format.rounded($0.0.upperBound) },
                        low95: i.map { Format.rounded($0.1.lowerBound) }, high95: i.map { Format.rounded($0.1.upperBound) })
                }))
        case .table: text = table.render(colour: output.colour)
        case .xlsx: throw OutputFormat.noWorkbook("send --backtest")
        }
        try output.write(text)
        for failure in failures { FileHandle.standardError.write(Data("gate failed: \(failure)\n".utf8)) }
        return !failures.isEmpty
    }
}
