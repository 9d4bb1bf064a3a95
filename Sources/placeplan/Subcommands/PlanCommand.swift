import ArgumentParser
import Foundation
import PlacePlanKit

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "The least-cost set of actions (bulges, expansions, new schools, PAN reductions, closures, specialist places) that keeps every area in places.",
        discussion: """
            Reads what the authority could do from an options file (scenarios/README.md, "Options for placeplan plan"), \
            with each option's cost, lead time and limits, and solves a mixed-integer programme with COIN-OR CBC: in every \
            planning area, phase and forecast year, and in Reception and Y7, places at least the pupils at the chosen risk \
            (with draws, the chance of a deficit at most --risk; without, the forecast itself); surplus above the high-surplus \
            threshold priced (or forbidden with --max-surplus); EHCP pupils placed outside the borough's specialist places \
            at their cost. Prints the actions by year with when each must be decided, the cost against doing nothing, what no \
            option can meet, and the sufficiency after the plan, re-run as a scenario (--write-scenario saves it).

            Examples:
              placeplan plan --options scenarios/options.yaml
              placeplan plan --options scenarios/options.yaml --draws 1000 --risk 0.1 \\
                  --write-scenario plan.yaml
              placeplan sufficiency --scenario plan.yaml --draws 1000
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelArguments

    @Option(name: .long, help: ArgumentHelp("The options file (YAML): what the authority could do, with costs, lead times and limits.", valueName: "file"), completion: .file(extensions: ["yaml", "yml"]))
    var options: String

    @Option(name: .long, help: ArgumentHelp("With draws: the largest chance of a deficit accepted, 0.025 to 0.5.", discussion: "Example: --risk 0.05", valueName: "share"), transform: parseShare)
    var risk = 0.1

    @Option(name: .long, help: ArgumentHelp("High-surplus threshold as a fraction of places, above which surplus is priced (default 0.10).", valueName: "share"), transform: parseShare)
    var highSurplus: Double?

    @Option(name: .customLong("max-surplus"), help: ArgumentHelp("Forbid surplus above this fraction of places (instead of pricing it).", discussion: "Example: --max-surplus 0.15", valueName: "share"), transform: parseShare)
    var maxSurplus: Double?

    @Option(name: .customLong("time-limit"), help: ArgumentHelp("Seconds the solver may take per authority (default: until the plan is proven least-cost).", valueName: "s"))
    var timeLimit: Double?

    @Option(name: .customLong("send-costs"), help: ArgumentHelp("Annual costs by placement (placement,annual_cost); default: the data's send_costs.csv, else illustrative.", valueName: "file"), completion: .file(extensions: ["csv"]))
    var sendCosts: String?

    @Option(name: .customLong("write-scenario"), help: ArgumentHelp("Also write the plan as a scenario file, for sufficiency, compare and --save.", valueName: "file"), completion: .file())
    var writeScenario: String?

    @OptionGroup var draws: DrawOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard PlanSettings.riskRange.contains(risk) else { throw ValidationError("--risk must be between 0.025 and 0.5, e.g. --risk 0.1 or --risk 10%") }
        for (name, v) in [("--high-surplus", highSurplus), ("--max-surplus", maxSurplus)] {
            if let v, !(v > 0 && v < 1) { throw ValidationError("\(name) must be a fraction of places in (0, 1), e.g. 0.15 or 15%") }
        }
        if let timeLimit, !(timeLimit > 0) { throw ValidationError("--time-limit must be a number of seconds above 0, e.g. --time-limit 30") }
        if model.scenarios.count > 1 { throw ValidationError("plan on one scenario at a time: give --scenario once (or not at all, for the trend)") }
    }

    func run() throws {
        try reportingErrors {
            try OutputFile.refuseSame([(output.output, "--output"), (writeScenario, "--write-scenario")])
            let optionsFile = try PlanOptionsFile.load(options)
            let dataSet = try data.load()
            try requirePlaces(dataSet)
            try OutputFile.refuseInput(writeScenario, option: "--write-scenario")
            let run = try model.run(dataSet, highSurplus: highSurplus, draws: draws.settings())
            let settings = PlanSettings(risk: risk, highSurplus: run.thresholds[0].highSurplus, maximumSurplus: maxSurplus, timeLimit: timeLimit)

            let result = try Self.plan(run, data: dataSet, folder: data.data, model: model, options: optionsFile, settings: settings, draws: draws.settings(), sendCosts: sendCosts)
            let out = PlanOutput(result, dataLabel: run.dataLabel)
            let text = output.format == .xlsx ? "" : try out.render(output.format, colour: output.colour)
            if let writeScenario {
                let folder = (writeScenario as NSString).deletingLastPathComponent
                try OutputFile.write(out.scenarioYAML(folder: folder), to: writeScenario, option: "--write-scenario")
            }
            try output.write({ text }, workbook: out.spreadsheet)
        }
    }

    /// Plans against `run` (its first scenario): with the SEND forecast when the data has
    /// one authority's EHCP files, then re-runs the plan's scenario with the same settings.
    /// Shared by `plan` and `report --plan-options`.
    static func plan(
        _ run: ScenarioForecast, data dataSet: DataSet, folder: String, model: ModelArguments, options optionsFile: PlanOptions, settings: PlanSettings,
        draws: UncertaintySettings?, sendCosts: String?, knownSEND: SENDForecast? = nil
    ) throws(PlacePlanError) -> PlanResult {
        // SEND: one LA-wide block, when the EHCP files are there.
        var sendNote: String?
        var send = knownSEND
        // The authorities forecast (not the other members of a reorganisation kept to merge a series).
        let authorities = Set(run.data.areas.map(\.localAuthority))
        let hasSpecialistOptions = optionsFile.options.contains { if case .specialistPlaces = $0.kind { return true } else { return false } }
        func notPlanned(_ why: String) -> String { "SEND: not planned (\(why))" + (hasSpecialistOptions ? "; the specialist_places options are left out" : "") }
        if knownSEND != nil {
            // The caller's SEND forecast of the same run (the report's): not run twice.
        } else if authorities.count == 1, let authority = authorities.first, try EHCPHistory.files(in: folder) != nil {
            do {
                let history = try EHCPHistory.load(directory: folder, authority: run.data.ehcpAuthority ?? authority, predecessors: run.data.ehcpPredecessors)
                var costs = SENDCosts.illustrative
                let defaults = [(folder as NSString).appendingPathComponent("send_costs.csv"), (folder as NSString).appendingPathComponent("send/send_costs.csv")]
                if let path = sendCosts ?? defaults.first(where: { FileManager.default.fileExists(atPath: $0) }) { costs = try SENDCosts.read(path) }
                let pooled = SendCommand.pooledInputs(for: history, data: dataSet, directory: folder, trend: .default, draws: false).pooled
                send = try SENDRunner.run(history: history, data: run.data, run: run, assumptions: SENDAssumptions(costs: costs), pooled: pooled)
            } catch {
                // EHCP files too thin for the SEND model: the mainstream plan goes on, and says so.
                guard let what = sendSkipReason(error) else { throw error }
                sendNote = notPlanned(what)
            }
        } else {
            sendNote = notPlanned(authorities.count == 1 ? "no EHCP files in \(folder)" : "the SEND model runs for one local authority; the data has \(authorities.count)")
        }
        let overrides = try model.overrides(highSurplus: settings.highSurplus)
        let origin = try model.origin()
        let line = ProgressLine()
        defer { line.clear() }
        return try Planner.plan(run: run, options: optionsFile, settings: settings, send: send, specialistNote: sendNote) { scenario throws(PlacePlanError) in
            line.show("re-running the plan as a scenario")
            let after = try ScenarioRunner.run(dataSet, origin: origin, scenarios: [scenario], overrides: overrides, uncertainty: draws, progress: { line.show($0) })
            return (after, nil)
        }
    }
}
