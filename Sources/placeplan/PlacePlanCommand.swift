import ArgumentParser
import Foundation
import PlacePlanKit

@main
struct PlacePlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "placeplan",
        abstract: "School place planning: forecast pupils by planning area and year group, and test them against places.",
        discussion: """
            Data comes from a directory (--data, default data/) holding areas.csv, schools.csv, rolls.csv and \
            births.csv, or the DfE census and GLA births files (one planning area per local authority).

            Exit codes: 0 success, 1 a backtest gate failed, 64 usage error, 65 bad input data, 70 internal error, 73 output not writable.
            """,
        version: PlacePlanVersion.current,
        subcommands: [ForecastCommand.self, SufficiencyCommand.self, SendCommand.self, ScenarioCommand.self, BacktestCommand.self, CompareCommand.self, RunsCommand.self, ExportCommand.self, ReportCommand.self, PlanCommand.self, InitCommand.self, CheckCommand.self]
    )

    /// OpenBLAS threading is decided here, once: placeplan steps draws in parallel chunks
    /// itself, so BLAS runs on one thread inside each (two threads in each chunk made the demo
    /// 27% slower). Outputs do not depend on it.
    static func main() {
        BLAS.setThreads(1)
        let arguments = joiningNegativeValues(Array(CommandLine.arguments.dropFirst()))
        if let message = unknownSubcommand(arguments) {
            FileHandle.standardError.write(Data(message.utf8))
            Foundation.exit(64)
        }
        main(arguments)
    }

    /// "did you mean" for a mistyped subcommand (`placeplan sufficency`): the message, or nil
    /// when the first argument is an option or a subcommand.
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !names.contains(first) else { return nil }
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a), b = Array(b)
            var row = Array(0...b.count)
            for i in 1...max(1, a.count) where !a.isEmpty {
                var next = [i] + Array(repeating: 0, count: b.count)
                for j in 1...max(1, b.count) where !b.isEmpty { next[j] = min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)) }
                row = next
            }
            return row[b.count]
        }
        let near = names.min { distance($0, first) < distance($1, first) }!
        let hint = distance(near, first) <= max(2, first.count / 3) ? "did you mean 'placeplan \(near)'? " : ""
        return "error: unknown command '\(Format.printable(first))'\n  hint: \(hint)commands: \(names.dropLast().joined(separator: ", ")) (placeplan --help)\n"
    }

    /// `--draws -5` as `--draws=-5`, so that a negative value reaches the option's own check
    /// ("--draws must be ...") instead of being taken for a flag ("Missing value").
    static func joiningNegativeValues(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a.hasPrefix("--"), !a.contains("="), i + 1 < arguments.count, arguments[i + 1].range(of: #"^-[0-9.]"#, options: .regularExpression) != nil {
                out.append(a + "=" + arguments[i + 1])
                i += 2
                continue
            }
            out.append(a)
            i += 1
        }
        return out
    }
}
