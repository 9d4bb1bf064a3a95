import ArgumentParser
import Foundation
import PlacePlanKit

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the board report: one self-contained HTML file, printable on A4 landscape.",
        discussion: """
            A summary of where and when places fall short or are in surplus, a heat map of surplus % by area \
            and year, a chart per planning area of pupils (with prediction bands when --draws is given) \
            against places, the entry-year forms of entry, SEND specialist places (when the data has EHCP \
            history; with --draws, their P10-P90 and the chance of too few places), every scenario change \
            and assumption, the backtest accuracy, and saved runs compared.

            Example:
              placeplan report --output report.html --scenario scenarios/baseline.yaml \\
                  --draws 1000
              placeplan report --output report.html --draws 1000 \\
                  --plan-options scenarios/options.yaml
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelArguments
    @OptionGroup var draws: DrawOptions

    @OptionGroup var saved: SavedRunOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("The HTML file to write.", valueName: "file"), completion: .file())
    var output: String

    @Option(name: .long, help: ArgumentHelp("The production date printed in the header (default: today).", discussion: "Example: --date 2026-11-30", valueName: "yyyy-mm-dd"))
    var date: String?

    @Option(name: .customLong("plan-options"), help: ArgumentHelp("Add the least-cost plan from this options file (see placeplan plan).", valueName: "file"), completion: .file(extensions: ["yaml", "yml"]))
    var planOptions: String?

    @Option(name: .long, help: ArgumentHelp("With --plan-options and draws: the largest chance of a deficit the plan accepts.", valueName: "share"), transform: parseShare)
    var risk = 0.1

    func run() throws {
        try reportingErrors {
            let dataSet = try data.load()
            // Without places (an LA missing from the capacity file) the report still shows the
            // forecast; its summary, and the loader's note, say what is not compared.
            let run = try model.run(dataSet, draws: draws.settings())
            var send: SENDForecast?
            var sendNotRun: String?
            let authorities = Set(run.data.areas.map(\.localAuthority))
            if authorities.count == 1, try EHCPHistory.files(in: data.data) != nil {
                do {
                    let history = try EHCPHistory.load(directory: data.data, authority: run.data.ehcpAuthority ?? authorities.first!, predecessors: run.data.ehcpPredecessors)
                    let costsPath = (data.data as NSString).appendingPathComponent("send_costs.csv")
                    let costs = FileManager.default.fileExists(atPath: costsPath) ? try SENDCosts.read(costsPath) : .illustrative
                    let settings = draws.settings()
                    let (pooled, measured) = SendCommand.pooledInputs(for: history, data: dataSet, directory: data.data, trend: .default, draws: settings != nil)
                    let line = ProgressLine()
                    defer { line.clear() }
                    send = try SENDRunner.run(
                        history: history, data: run.data, run: run, assumptions: SENDAssumptions(costs: costs), pooled: pooled,
                        uncertainty: settings, measured: measured, progress: { line.show($0) })
                } catch {
                    // EHCP files too thin for this authority: the report goes on without SEND and
                    // says why; a damaged file still stops it.
                    guard let what = sendSkipReason(error) else { throw error }
                    sendNotRun = what
                    note("SEND is not in the report: \(what)")
                }
            }
            let backtest = try? Backtest.run(run.data, settings: BacktestSettings(baselines: [.fixed(.mean(years: 3))]))
            var vintages: Comparison?
            let saved = try self.saved.load()
            let rows = SufficiencyReport(run).rows
            if !saved.isEmpty {
                let current = rows.filter { $0.scenario == run.forecast.columns[0] }
                let columns = saved.map { saved in
                    Comparison.Column(label: saved.name, rows: saved.sufficiency.filter { $0.scenario == saved.mainScenario })
                }
                vintages = Comparison(columns + [.init(label: "this run", rows: current)])
            }
            // How each earlier saved run forecast this run's census.
            let census = rows.filter { !$0.isForecast }
            let outturns = saved.compactMap { ForecastOutturn.of($0, against: census, named: "this run") }
            let plan = try planOptions.map { path throws(PlacePlanError) in
                try PlanCommand.plan(
                    run, data: dataSet, folder: data.data, model: model, options: try PlanOptionsFile.load(path),
                    settings: PlanSettings(risk: risk, highSurplus: run.thresholds[0].highSurplus), draws: draws.settings(), sendCosts: nil, knownSEND: send)
            }
            var report = HTMLReport(run: run, dataLabel: run.dataLabel, send: send, backtest: backtest, vintages: vintages, plan: plan)
            report.sendNotRun = sendNotRun
            report.outturns = outturns
            let today = Date().formatted(.iso8601.year().month().day())
            report.producedOn = date ?? today
            try OutputFile.write(report.render(), to: output)
            note("wrote the board report to \(output)")
        }
    }
}
