import ArgumentParser
import Foundation
import PlacePlanKit

/// Where the data comes from.
struct DataOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Data directory: placeplan CSVs, or the DfE census and GLA births files.",
            discussion: "Example: --data data/  or  --data ../shared/data/london",
            valueName: "dir"), completion: .directory)
    var data = "data"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With DfE census data: the local authorities to forecast, by number, GSS code or name (comma-separated).",
            discussion: "Their forecast is from their own ratios, with the estimators auto finds best over every authority in the file (as in a run of the whole file); with --draws, their intervals learn from the errors of every authority in the file. Example: --la 302,Camden",
            valueName: "codes"))
    var la: String?

    func load() throws(PlacePlanError) -> DataSet {
        let authorities = la.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        return try DataSource.load(data, authorities: authorities)
    }
}

/// Forecast origin, horizon, model assumptions and scenarios. Options given here win over
/// a scenario file's own assumptions.
struct ModelArguments: ParsableArguments {
    @Option(
        name: .customLong("allow-path"),
        help: ArgumentHelp(
            "Let scenario files read files in this folder too (by default only beside the scenario and in the data folder).",
            discussion: "Example: --allow-path ../shared/yields", valueName: "folder"), completion: .directory)
    var allowPath: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The last census to forecast from, as 2024/25 or 2024 (default: the latest in the rolls).",
            discussion: "Example: --from 2022/23", valueName: "year"))
    var from: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Years to forecast, 1 to 25 (default: the scenario's horizon, else 10).", discussion: "Example: --years 15", valueName: "n"))
    var years: Int?

    @Option(
        name: [.customLong("method"), .customLong("estimator")],
        help: ArgumentHelp(
            "How ratios are estimated: auto (default: chosen per transition by validation on the history) or one estimator: "
                + "meanK, weightedK, medianK (K = 1-10), smooth-A, blend-W-A, trendK-PHI (damped trend), holt-A-B-PHI, shrunk-mean3.",
            discussion: "Example: --method mean3 (the plain 3-year mean)", valueName: "name"))
    var method: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Births beyond the known years: hold (last year, the default) or trend (damped 5-year trend).",
            discussion: "Example: --births trend", valueName: "method"))
    var births: String?

    @Option(
        name: .customLong("exclude-years"),
        help: ArgumentHelp(
            "Census years whose ratios are left out of estimation, comma-separated (as officers leave out the pandemic years).",
            discussion: "Example: --exclude-years 2020/21,2021/22", valueName: "years"))
    var excludeYears: String?

    @Option(
        name: .customLong("scenario"),
        help: ArgumentHelp(
            "A scenario file (YAML); repeat for several, computed together as columns of one matrix product.",
            discussion: "Example: --scenario scenarios/baseline.yaml --scenario scenarios/bulge-2027.yaml", valueName: "file"), completion: .file(extensions: ["yaml", "yml"]))
    var scenarios: [String] = []

    func origin() throws(PlacePlanError) -> AcademicYear? {
        guard let from else { return nil }
        guard let y = AcademicYear(parsing: from) else {
            throw .invalidOption(option: "--from", message: "'\(from)' is not an academic year", hint: "write it as 2024/25 or 2024")
        }
        return y
    }

    func overrides(margin: Double? = nil, highSurplus: Double? = nil) throws(PlacePlanError) -> AssumptionOverrides {
        var o = AssumptionOverrides(horizon: years, margin: margin, highSurplus: highSurplus)
        if let method {
            guard let e = RatioMethod(parsing: method) else {
                throw .invalidOption(option: "--method", message: "unknown method '\(method)'", hint: "use auto, or an estimator such as mean3, weighted5, median3, trend4-0.5")
            }
            o.method = e
        }
        if let births {
            guard let b = BirthsProjection(parsing: births) else {
                throw .invalidOption(option: "--births", message: "unknown births projection '\(births)'", hint: "use hold or trend")
            }
            o.births = b
        }
        if let excludeYears { o.excludedYears = try parseExcludedYears(excludeYears) }
        if let years, !(1...ForecastSettings.maximumHorizon).contains(years) {
            throw .invalidOption(option: "--years", message: "\(years) is outside 1...25", hint: "forecast between 1 and 25 years ahead, e.g. --years 10")
        }
        return o
    }

    /// Loads the scenario files (all problems in all files together); they may read files
    /// beside them, in the data folder and in the --allow-path folders.
    func loadScenarios(dataDirectory: String? = nil) throws(PlacePlanError) -> [Scenario] {
        var out: [Scenario] = []
        var errors: [PlacePlanError] = []
        for path in scenarios {
            do { out.append(try ScenarioFile.load(path, allowedFolders: (dataDirectory.map { [$0] } ?? []) + allowPath)) } catch { errors.append(error) }
        }
        try PlacePlanError.check(errors)
        return out
    }

    /// Loads the scenarios and runs them on the data (with draws when asked for; progress
    /// on stderr when it is a terminal). `comparesPlaces`: the command sets pupils against
    /// mainstream places (not `forecast` or `send`), so a note says when earlier years are
    /// compared with later places (``DataSet/capacityBeforeItsYearsNote(origin:)``).
    func run(
        _ data: DataSet, margin: Double? = nil, highSurplus: Double? = nil, draws: UncertaintySettings? = nil, comparesPlaces: Bool = true
    ) throws(PlacePlanError) -> ScenarioForecast {
        let line = ProgressLine()
        defer { line.clear() }  // also when the run fails
        let run = try ScenarioRunner.run(
            data, origin: origin(), scenarios: loadScenarios(dataDirectory: data.directory), overrides: overrides(margin: margin, highSurplus: highSurplus), uncertainty: draws,
            progress: { line.show($0) })
        line.clear()
        for text in run.notes { note(text) }
        if comparesPlaces, let text = run.data.capacityBeforeItsYearsNote(origin: run.forecast.origin) { note(text) }
        Self.noteChangesPastForecast(run)
        return run
    }

    /// Says on stderr when a scenario's changes reach past the forecast's last year, since
    /// CSV and JSON readers do not see the header that marks them.
    static func noteChangesPastForecast(_ run: ScenarioForecast) {
        let f = run.forecast, last = f.origin + f.horizon
        for a in run.applied {
            let past = a.scenario.changes.filter { $0.lastYear > last }
            guard let latest = past.map(\.lastYear).max() else { continue }
            let years = min(ForecastSettings.maximumHorizon, latest.startYear - f.origin.startYear)
            note(
                "scenario '\(a.scenario.name)': \(past.count) change\(past.count == 1 ? "" : "s") reach\(past.count == 1 ? "es" : "") past \(last), "
                    + "the forecast's last year, and act here only up to it (--years \(years) reaches \(latest))")
        }
    }
}

/// A progress line on stderr, rewritten in place, only when stderr is a terminal (so logs
/// and pipes see nothing of it): a bar with the percentage done, the time taken and an
/// estimate of the time left, cut to the terminal's width so that it never wraps. Safe to
/// call from the threads of a parallel run.
final class ProgressLine: @unchecked Sendable {
    let terminal = isatty(STDERR_FILENO) == 1
    private var shown = false
    private var started: ContinuousClock.Instant?
    private let lock = NSLock()

    /// The terminal's width in columns (80 when it does not say).
    static func width() -> Int {
        var size = winsize()
        return ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }

    /// "label [#######.......] 45%  12s, about 15s left", cut to `width` − 1 columns.
    static func line(_ p: RunProgress, elapsed: Double, width: Int) -> String {
        let percent = Int((p.fraction * 100).rounded(.down))
        func time(_ s: Double) -> String { s < 60 ? "\(Int(s.rounded()))s" : "\(Int(s / 60))m\(String(format: "%02d", Int(s.truncatingRemainder(dividingBy: 60))))s" }
        let left = p.done > 0 && p.done < p.total && elapsed >= 1 ? ", about \(time(elapsed * Double(p.total - p.done) / Double(p.done))) left" : ""
        let tail = " \(percent)%  \(time(elapsed))\(left)"
        let room = width - 1
        // The percentage and times always show; the bar takes 10 to 30 columns; the label
        // what is left (cut with an ellipsis), so a narrow terminal loses the label first.
        let barWidth = max(4, min(30, room - tail.count - 2 - min(p.label.count, 24) - 1))
        let labelRoom = max(0, room - tail.count - barWidth - 3)
        let label = p.label.count <= labelRoom ? p.label : (labelRoom > 1 ? String(p.label.prefix(labelRoom - 1)) + "…" : "")
        let filled = Int((p.fraction * Double(barWidth)).rounded(.down))
        let text = (label.isEmpty ? "" : label + " ") + "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "]" + tail
        return String(text.prefix(max(0, room)))
    }

    @Sendable func show(_ progress: RunProgress) {
        guard terminal else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        if started == nil { started = now }
        write(Self.line(progress, elapsed: (now - started!).seconds, width: Self.width()))
    }

    /// A line with no bar (a step of unknown length).
    @Sendable func show(_ message: String) {
        guard terminal else { return }
        lock.lock()
        defer { lock.unlock() }
        write(String(message.prefix(max(0, Self.width() - 1))))
    }

    private func write(_ text: String) {
        shown = true
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    /// Clears the line, if anything is shown.
    func clear() {
        lock.lock()
        defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = false
    }
}

/// Output format and destination.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Output format: table, csv, json, markdown, or xlsx (an Excel workbook; sufficiency, forecast, send, plan, compare).", discussion: "Example: --format xlsx --output sufficiency.xlsx", valueName: "format"))
    var format: OutputFormat = .table

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Write to this file instead of standard output (written whole, or not at all).", discussion: "Example: --output sufficiency.csv",
            valueName: "file"), completion: .file())
    var output: String?

    /// Colour only for a table going to a terminal, and never when NO_COLOR is set.
    var colour: Bool {
        format == .table && output == nil && isatty(STDOUT_FILENO) == 1
            && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    func write(_ text: String) throws(PlacePlanError) {
        try format == .csv ? OutputFile.writeCSV(text, to: output) : OutputFile.write(text, to: output)
    }

    /// Writes the output in the chosen format: the workbook for xlsx (never to a terminal),
    /// else the rendered text.
    func write(_ text: () throws(PlacePlanError) -> String, workbook: () -> Spreadsheet) throws(PlacePlanError) {
        guard format == .xlsx else { return try write(text()) }
        try OutputFile.write(data: workbook().xlsx(), to: output)
    }

    func validate() throws {
        if format == .xlsx, output == nil, isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("--format xlsx writes a binary workbook, which would garble the terminal: add --output FILE.xlsx")
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

/// A share on the command line as a fraction (`0.05`) or a percentage (`5%`), as scenario
/// files take it: `--margin 5%` is `--margin 0.05`. Digits and a decimal point only (no
/// exponents, hexadecimal or infinities); each option checks its own range.
func parseShare(_ text: String) throws -> Double {
    let t = text.trimmingCharacters(in: .whitespaces)
    let percent = t.hasSuffix("%")
    let digits = percent ? String(t.dropLast()).trimmingCharacters(in: .whitespaces) : t
    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }), let v = Double(digits), v.isFinite else {
        throw ValidationError("'\(text)' is not a share: write a fraction such as 0.05, or a percentage such as 5%")
    }
    return percent ? v / 100 : v
}

/// `--exclude-years 2020/21,2021/22`: the census years whose ratios are left out.
func parseExcludedYears(_ text: String) throws(PlacePlanError) -> Set<AcademicYear> {
    var years = Set<AcademicYear>()
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
        let item = part.trimmingCharacters(in: .whitespaces)
        guard let y = AcademicYear(parsing: item) else {
            throw PlacePlanError.invalidOption(
                option: "--exclude-years", message: "'\(item)' is not an academic year", hint: "list census years, e.g. --exclude-years 2020/21,2021/22")
        }
        years.insert(y)
    }
    return years
}

/// Refuses data with no mainstream places at all: there is nothing to compare pupils with.
/// (Data with places for some areas only runs, and notes the others.)
func requirePlaces(_ data: DataSet) throws(PlacePlanError) {
    if let problem = missingPlaces(data) { throw problem }
}

/// The reason an error gives when the EHCP files are too thin for the SEND model (too few
/// Januaries, no single ages for the authority), for the commands that go on without SEND
/// and say why (`report`, `export --scap`); nil for any other error, a damaged file say,
/// which stops them.
func sendSkipReason(_ error: any Error) -> String? {
    guard let e = error as? PlacePlanError, case .insufficientHistory(let what, _) = e else { return nil }
    return what
}

/// How many authorities the shown areas belong to, leaving out LAs abolished before the last
/// census (they cannot be chosen with --la): what "the data has N" counts.
func currentAuthorities(_ data: DataSet) -> Int {
    let last = data.rolls.years.count - 1
    let current = data.shownAreas.filter { area in data.areaIndex(area.id).map { data.rolls.hasCensus(yearIndex: last, area: $0) } ?? true }
    return Set(current.map(\.localAuthority)).count
}

/// Why the data has no mainstream places to compare pupils with (nil when it has some):
/// the error `sufficiency` and `plan` stop with, and the note of `export`, which writes the
/// forecast with the SCAP capacity left blank.
func missingPlaces(_ data: DataSet) -> PlacePlanError? {
    guard !data.schools.contains(where: { $0.phase != .special }) else { return nil }
    if data.isLAData, data.capacity != nil {
        // The file is there but has no places for these LAs: say which, and for an LA split
        // after the census (Cumbria), that its successors are missing too.
        let shown = data.shownAreas
        let splits = shown.compactMap { area in
            data.reorganisations.first { $0.predecessors.map(\.number) == [area.id] }.map { r in
                "nor for \(r.successors.map(\.description).joined(separator: " and ")), which \(area.id) became in \(r.firstYear)"
            }
        }
        return PlacePlanError.insufficientHistory(
            "\(LACapacity.file) has no places for \(shown.map { "\($0.id) \($0.name)" }.joined(separator: ", "))"
                + splits.map { ", \($0)" }.joined(),
            hint: "add the LA's rows (primary_capacity, secondary_capacity) to \(LACapacity.file), or run 'placeplan forecast' for pupils alone")
    }
    return PlacePlanError.insufficientHistory(
        "\(data.label) has no places to compare pupils with",
        hint: data.isLAData
            ? "put the DfE scorecards' \(LACapacity.file) (LA places by phase) in the data folder, or run 'placeplan forecast' for pupils alone"
            : "add schools.csv to the data folder (docs/input-formats.md), or run 'placeplan forecast' for pupils alone")
}

/// Prints "note: <text>" on stderr: something the reader should know that is not an error
/// (stdout stays the output alone).
/// Control characters from the inputs (an escape sequence in a name) escaped, line by line,
/// so that they cannot drive the terminal.
func terminalSafe(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { Format.printable(String($0)) }.joined(separator: "\n")
}

func note(_ text: String) {
    FileHandle.standardError.write(Data("note: \(terminalSafe(text))\n".utf8))
}

/// Runs a command body, printing a placeplan error on stderr with its hint and exiting with
/// its documented code.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as PlacePlanError {
        FileHandle.standardError.write(Data((terminalSafe(error.description) + "\n").utf8))
        throw ExitCode(error.exitCode)
    }
}

/// Draws for prediction intervals.
struct DrawOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Add 80% and 95% prediction intervals and shortfall probabilities, from \(DrawOptions.defaultDraws) random draws unless --draws says otherwise."))
    var intervals = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Random draws for the intervals and probabilities (implies --intervals; 0: none).",
            discussion: "Example: --draws 5000", valueName: "n"))
    var draws: Int?

    @Option(name: .long, help: ArgumentHelp("Seed for the draws: the same seed gives the same output.", discussion: "Example: --seed 42", valueName: "n"))
    var seed: UInt64 = 2026

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How fast the intervals adapt to the misses of earlier forecasts (adaptive conformal γ; 0: off).",
            discussion: "Example: --adaptation-rate 0 (docs/uncertainty.md)", valueName: "γ"))
    var adaptationRate = CalibratedErrors.adaptationRate

    /// The draws when intervals are asked for without a number.
    static let defaultDraws = UncertaintySettings().draws

    /// The draws' settings, or nil when no intervals are asked for.
    func settings() -> UncertaintySettings? {
        let n = draws ?? (intervals ? Self.defaultDraws : 0)
        return n > 0 ? UncertaintySettings(draws: n, seed: seed, adaptationRate: adaptationRate) : nil
    }

    func validate() throws {
        if let draws, draws < 0 || (draws < UncertaintySettings.minimumDraws && (intervals || draws > 0)) {
            throw ValidationError(
                "--draws must be \(intervals ? "" : "0 (no intervals) or ")at least \(UncertaintySettings.minimumDraws) draws, e.g. --draws 1000 (or --intervals for \(Self.defaultDraws))")
        }
        guard adaptationRate.isFinite, adaptationRate >= 0 else {
            throw ValidationError("--adaptation-rate must be a number >= 0, e.g. --adaptation-rate 2 (0 turns the adaptation off)")
        }
        // Draw r stands for the probability (r + ½) / D: under 40 draws the 2.5% and 5%
        // points fall on the lowest draw or between the same two, so they cannot differ much.
        if let draws, draws > 0, draws < Self.fewDraws {
            note("with \(draws) draws the outer quantiles (P2.5, P5, P95, P97.5) are the extreme draws or close to them; use --draws 1000 for intervals to read")
        }
    }

    /// Fewer draws than this get a note that the outer quantiles are coarse.
    static let fewDraws = 40
}

/// Where saved runs live, and saving one.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The run store, a SQLite file.", discussion: "Example: --store runs/vintages.sqlite", valueName: "file"), completion: .file(extensions: ["sqlite"]))
    var store = RunStore.defaultPath

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Save this run in the store under a name, with its inputs' SHA-256, scenarios, assumptions and results.",
            discussion: "Example: --save \"SCAP 2026\"", valueName: "name"))
    var save: String?

    @Option(name: .long, help: ArgumentHelp("A longer label for the saved run.", discussion: "Example: --label \"Autumn 2026, SCAP return\"", valueName: "text"))
    var label: String?

    /// A blank or taken --save name is refused before the run, not after its output.
    func validate() throws {
        guard let save else { return }
        if save.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--save needs a name for the run, e.g. --save \"SCAP 2026\"")
        }
        guard FileManager.default.fileExists(atPath: store) else { return }
        var taken = false
        try reportingErrors { taken = try RunStore(path: store).contains(save) }  // a bad store: its own error and exit code
        if taken {
            throw ValidationError("--save: a run named '\(save)' is already in \(store); choose another name, e.g. '\(save) v2'")
        }
    }

    /// Saves the run when --save was given (after everything else succeeded).
    func saveIfAsked(data: DataSet, run: ScenarioForecast) throws(PlacePlanError) {
        guard let save else { return }
        let record = try SavedRun.make(
            name: save, label: label, command: (["placeplan"] + CommandLine.arguments.dropFirst().map(shellQuoted)).joined(separator: " "), data: data, run: run,
            report: SufficiencyReport(run))
        try RunStore(path: store).save(record)
        FileHandle.standardError.write(Data("saved run '\(save)' in \(store)\n".utf8))
    }
}

/// Saved runs named on the command line, and the store they are in.
struct SavedRunOptions: ParsableArguments {
    @Option(name: .customLong("run"), help: ArgumentHelp("A saved run; repeat for several.", valueName: "name"))
    var runs: [String] = []

    @Option(name: .long, help: ArgumentHelp("The run store, a SQLite file.", valueName: "file"), completion: .file(extensions: ["sqlite"]))
    var store = RunStore.defaultPath

    func load() throws(PlacePlanError) -> [SavedRun] {
        guard !runs.isEmpty else { return [] }
        let opened = try openExistingStore(store)
        return try runs.map { name throws(PlacePlanError) in try opened.load(name) }
    }
}

/// Opens a run store that must already exist (reading should never create one).
func openExistingStore(_ path: String) throws(PlacePlanError) -> RunStore {
    guard FileManager.default.fileExists(atPath: path) else {
        throw .fileNotFound(path: path, hint: "save a run first (placeplan sufficiency --save \"SCAP 2026\"), or name the store with --store")
    }
    return try RunStore(path: path)
}

/// `--area` and `--phase`: which areas and phase an output shows.
struct FilterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Show only these planning areas (comma-separated ids).", discussion: "Example: --area P01,P10", valueName: "ids"))
    var area: String?

    @Option(name: .long, help: ArgumentHelp("Show only this phase: primary or secondary.", discussion: "Example: --phase secondary", valueName: "phase"))
    var phase: String?

    func validate() throws {
        if let phase, ReportingPhase(rawValue: phase.lowercased()) == nil { throw ValidationError("--phase must be primary or secondary") }
    }

    /// The filter, checked against the data's areas.
    func filter(_ areas: [PlanningArea]) throws(PlacePlanError) -> OutputFilter {
        let f = OutputFilter(
            areas: area.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }) },
            phase: phase.flatMap { ReportingPhase(rawValue: $0.lowercased()) })
        try f.check(against: areas)
        return f
    }
}

/// An argument as a shell would need it to be typed again: bare when it holds only safe
/// characters, else in single quotes (`--save 'SCAP 2026'`).
func shellQuoted(_ argument: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !argument.isEmpty, argument.allSatisfy({ safe.contains($0) }) { return argument }
    return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// For the commands whose output is a table or a JSON document only.
func requireTableOrJSON(_ format: OutputFormat, command: String) throws {
    guard format == .table || format == .json else { throw ValidationError("--format must be table or json for \(command)") }
}
