import Foundation
import PlacePlanKit

/// libFuzzer harnesses (`make fuzz`, scripts/fuzz.sh). Each input is written over one file of
/// a copy of the demo data and goes through placeplan as a user's file would; any thrown
/// `PlacePlanError` is the expected outcome for bad input, and a crash, a trap or a sanitizer
/// report is a bug.
///
///     placeplan-fuzz csv [libFuzzer options] [corpus folders]      the CSV loaders (the whole data set)
///     placeplan-fuzz dfe ...                                       the DfE census, births, LA places and reorganisations files, through a forecast
///     placeplan-fuzz scenario ...                                  the scenario parser and its application
///     placeplan-fuzz outputs ...                                   a scenario through a forecast to every output format
///
/// Built normally (without `-sanitize=fuzzer`) it only says how to build it.
@main
enum PlacePlanFuzz {
    nonisolated(unsafe) static var target = ""
    nonisolated(unsafe) static var work = ""
    nonisolated(unsafe) static var demo: DataSet?

    typealias Driver = @convention(c) (
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, ["csv", "dfe", "scenario", "outputs"].contains(arguments[1]) else {
            FileHandle.standardError.write(Data("usage: placeplan-fuzz csv|dfe|scenario|outputs [libFuzzer options] [corpus]\n".utf8))
            exit(64)
        }
        // RTLD_DEFAULT (0 on Linux): the program and its libraries.
        guard let symbol = dlsym(nil, "LLVMFuzzerRunDriver") else {
            FileHandle.standardError.write(Data("placeplan-fuzz was built without libFuzzer: run scripts/fuzz.sh (or make fuzz)\n".utf8))
            exit(69)
        }
        target = arguments[1]
        setUp()
        let driver = unsafeBitCast(symbol, to: Driver.self)
        // libFuzzer sees the program name and the options, not the target's name.
        var argv: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
        var argc = Int32(argv.count - 1)
        let status = argv.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
            return driver(&argc, &pointer, { data, size in
                PlacePlanFuzz.one(data.map { Data(bytes: $0, count: size) } ?? Data())
                return 0
            })
        }
        exit(status)
    }

    /// A private copy of the demo data, loaded once for the scenario and output targets; for
    /// `dfe`, a small DfE folder from the seed corpus instead.
    static func setUp() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        work = NSTemporaryDirectory() + "placeplan-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: work)
        if target == "dfe" {
            // The seed files start with the byte that picks them; the folder holds the rest,
            // under the name the loader looks for. (The seeds have names of their own, so that
            // no file of the repository is taken for one of ../shared/data.)
            try! FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            let seeds = root.appendingPathComponent("Tests/Fixtures/fuzz-corpus/dfe")
            for (i, name) in dfeFiles.enumerated() {
                let seed = FileManager.default.contents(atPath: seeds.appendingPathComponent(dfeSeeds[i]).path)!
                precondition(seed.first == UInt8(i), "the seed \(name) must start with byte \(i)")
                _ = FileManager.default.createFile(atPath: work + "/" + name, contents: seed.dropFirst())
            }
            precondition((try? DataSource.load(work)) != nil, "the DfE seed folder must load")
            return
        }
        try! FileManager.default.copyItem(atPath: root.appendingPathComponent("data").path, toPath: work)
        demo = try? DataSource.load(work)
    }

    static let csvFiles = ["rolls.csv", "areas.csv", "schools.csv", "births.csv", "transfers.csv", "yields.csv", "send_costs.csv"]
    static let dfeFiles = ["pupils_by_ncy_la_fuzz.csv", "births_la_fuzz.csv", "school_capacity_la.csv", "la_reorganisations.csv"]
    static let dfeSeeds = ["0-census.seed", "1-births.seed", "2-places.seed", "3-reorganisations.seed"]

    /// The input's first byte picks one of `files`; the rest replaces that file of the work
    /// folder while `body` runs, and the file is put back after.
    static func replacingFile(of files: [String], with input: Data, _ body: () -> Void) {
        guard let first = input.first else { return }
        let path = work + "/" + files[Int(first) % files.count]
        let original = FileManager.default.contents(atPath: path)
        _ = FileManager.default.createFile(atPath: path, contents: input.dropFirst())
        defer { _ = FileManager.default.createFile(atPath: path, contents: original) }
        body()
    }

    static func one(_ input: Data) {
        switch target {
        case "csv":
            replacingFile(of: csvFiles, with: input) { _ = try? DataSource.load(work) }
        case "dfe":
            // What loads goes through the reorganisations and a forecast.
            replacingFile(of: dfeFiles, with: input) {
                guard let data = try? DataSource.load(work) else { return }
                _ = data.mergingReorganisations()
                _ = try? Projector.forecast(data, settings: ForecastSettings(horizon: 2))
            }
        case "scenario", "outputs":
            guard let data = demo else { return }
            let path = work + "/fuzz.yaml"
            _ = FileManager.default.createFile(atPath: path, contents: input)
            guard let scenario = try? ScenarioFile.load(path, allowedFolders: [work]) else { return }
            guard target == "outputs" else {
                _ = try? AppliedScenario.apply(scenario, to: data, origin: data.lastCensus, horizon: 3)
                return
            }
            guard let run = try? ScenarioRunner.run(data, scenarios: [scenario], overrides: AssumptionOverrides()) else { return }
            for format in OutputFormat.allCases {
                _ = try? SufficiencyOutput(run, dataLabel: "fuzz").render(format)
                _ = try? ForecastReport(run, dataLabel: "fuzz").render(format)
            }
            _ = try? SufficiencyOutput(run, dataLabel: "fuzz").spreadsheet().xlsx()
            // The scenario's name becomes a comparison's column headers.
            let rows = SufficiencyReport(run).rows
            let comparison = Comparison(run.forecast.columns.map { name in .init(label: name, rows: rows.filter { $0.scenario == name }) } + [.init(label: "baseline", rows: rows)])
            _ = try? comparison.spreadsheet(changedOnly: false, header: [scenario.name]).xlsx()
        default: break
        }
    }
}
