import Foundation
import Testing

@Suite struct BacktestCommandTests {
    @Test func runsOnTheDemo() throws {
        let r = try CLI.run(["backtest"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Accuracy by horizon"))
        #expect(r.stdout.contains("R (intake)") && r.stdout.contains("Y7 (transfer)"))
        #expect(r.stdout.contains("Estimators chosen by auto"))
    }

    /// A suppressed cell in one area's census: where primary and secondary areas feed each
    /// other that census is no origin for any area (leaving one out would starve the areas it
    /// feeds), the others all run, and a note says so.
    @Test func aSuppressedCellSkipsThatOriginForEveryArea() throws {
        let dir = try CLI.brokenDemo("rolls.csv") { $0.replacingOccurrences(of: "\n2019/20,P01-01,Y3,32\n", with: "\n2019/20,P01-01,Y3,x\n") }
        let records = dir.appendingPathComponent("records.csv").path
        let r = try CLI.run(["backtest", "--data", dir.path, "--records", records])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: records, encoding: .utf8).split(separator: "\n").dropFirst()
        let origins = Set(lines.compactMap { $0.split(separator: ",").dropFirst().first.map(String.init) })
        #expect(!origins.contains("2019/20") && origins.contains("2020/21"), "\(origins)")
        let table = try CLI.run(["backtest", "--data", dir.path])
        #expect(table.stdout.contains("origins 2020/21 to") && table.stdout.contains("no forecasts from the census of 2019/20: P01 Chipping Barnet & Totteridge (no Y3)"), "\(table.stdout)")
    }

    @Test func gatesFailWithExitOneAndJUnit() throws {
        let dir = try CLI.scratch()
        let junit = dir.appendingPathComponent("backtest.xml").path
        let r = try CLI.run(["backtest", "--max-error", "primary:h1=0", "--junit", junit])
        #expect(r.status == 1)
        #expect(r.stderr.contains("gate failed: median absolute % error of primary totals at horizon 1 is"))
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("<failure"))
        let pass = try CLI.run(["backtest", "--max-error", "h1=50,h3=50", "--junit", junit])
        #expect(pass.status == 0)
        #expect(!(try String(contentsOfFile: junit, encoding: .utf8)).contains("<failure"))
        #expect(try CLI.run(["backtest", "--max-error", "h1"]).status == 64)
        // A gate further ahead than the backtest forecasts is refused before anything runs.
        let beyond = try CLI.run(["backtest", "--years", "3", "--max-error", "h1=50,h5=50"])
        #expect(beyond.status == 64 && beyond.stdout.isEmpty)
        #expect(beyond.stderr.contains("the gate at h5 is beyond --years 3") && beyond.stderr.contains("--years 5"), "\(beyond.stderr)")
    }

    /// `--coverage` runs the draws (1,000 unless `--draws` says otherwise) and gates the
    /// intervals' coverage: exit 1 naming each cell outside its range, one JUnit case per
    /// phase and horizon, and the verdicts in JSON.
    @Test func coverageGates() throws {
        let dir = try CLI.scratch()
        let junit = dir.appendingPathComponent("coverage.xml").path
        let pass = try CLI.run(["backtest", "--years", "2", "--coverage", "80=0-100,95=0-100", "--junit", junit, "--format", "json"])
        #expect(pass.status == 0, "\(pass.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(pass.stdout.utf8)) as? [String: Any])
        let verdicts = try #require(doc["coverage_gates"] as? [[String: Any]])
        #expect(verdicts.count == 2 * 2 * 2 && verdicts.allSatisfy { $0["passed"] as? Bool == true })
        #expect((doc["intervals"] as? [[String: Any]])?.first?["draws"] as? Int == 1000)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.components(separatedBy: "<testcase").count - 1 == 8 && !xml.contains("<failure"))
        let fail = try CLI.run(["backtest", "--years", "2", "--draws", "200", "--coverage", "95=100-100", "--junit", junit])
        #expect(fail.status == 1)
        #expect(fail.stdout.contains("Prediction intervals (200 draws)"))
        #expect(fail.stderr.contains("gate failed: 95% interval coverage of"), "\(fail.stderr)")
        #expect(try String(contentsOfFile: junit, encoding: .utf8).contains("<failure"))
        // The CSV's phase rows, and its rows of both phases pooled (all), carry the same coverage as the JSON.
        let csv = try CLI.run(["backtest", "--years", "2", "--coverage", "80=0-100", "--format", "csv"])
        let rows = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first?.suffix(4) == ["coverage80", "coverage95", "width80", "width95"])
        let intervals = try #require(doc["intervals"] as? [[String: Any]])
        // Each phase, then both pooled ("all"), per horizon.
        #expect(intervals.map { $0["phase"] as? String } == ["primary", "primary", "secondary", "secondary", "all", "all"])
        for interval in intervals where interval["phase"] as? String == "all" {
            let phases = intervals.filter { $0["phase"] as? String != "all" && $0["horizon"] as? Int == interval["horizon"] as? Int }
            let counts = phases.compactMap { ($0["coverage"] as? [String: Any])?["count"] as? Int }
            #expect((interval["coverage"] as? [String: Any])?["count"] as? Int == counts.reduce(0, +) && counts.count == 2)
        }
        let table = try CLI.run(["backtest", "--years", "2", "--draws", "200"])
        #expect(table.stdout.split(separator: "\n").filter { $0.hasPrefix("all ") }.count == 2, "\(table.stdout)")
        for interval in intervals {
            let coverage = try #require(interval["coverage"] as? [String: Double])
            let row = try #require(rows.first { $0[0] == "phase" && $0[1] == "auto" && $0[2] == interval["phase"] as? String && $0[3] == "\(interval["horizon"]!)" })
            #expect(abs(try #require(Double(row[10])) - coverage["coverage80"]!) < 0.006, "\(row)")
            #expect(abs(try #require(Double(row[13])) - coverage["width95"]!) < 0.006, "\(row)")
        }
        #expect(rows.contains { $0[0] == "phase" && $0[1] == "mean3" && $0[10] == "" }, "the baselines have no intervals")
        for bad in [["--coverage", "80=90-70"], ["--coverage", "80=0-100", "--draws", "0"]] {
            let run = try CLI.run(["backtest"] + bad)
            #expect(run.status == 64, "\(bad): \(run.stderr)")
        }
    }

    /// While draws run, a progress line goes to stderr when it is a terminal (here the
    /// pseudo-terminal of `script`), rewritten in place and cleared at the end; through a
    /// pipe there is none.
    @Test(.enabled(if: pseudoTerminal, "needs script(1) and a pseudo-terminal"))
    func progressOnlyOnATerminal() throws {
        for (arguments, expected) in [("backtest --years 2 --draws 100", "backtest, 100 draws, origins [##############################] 100%"), ("sufficiency --years 2 --draws 100", "baseline: 100 draws, year 2 of 2 [##############################] 100%")] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", "'\(CLI.binary.path)' \(arguments) > /dev/null", "/dev/null"]
            process.currentDirectoryURL = CLI.packageRoot
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let terminal = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(terminal)")
            #expect(terminal.contains("\r\u{1B}[K" + expected), "\(terminal.debugDescription)")
            #expect(terminal.hasSuffix("\r\u{1B}[K") || terminal.hasSuffix("\r\u{1B}[K\r\n"), "the line is cleared: \(terminal.suffix(40).debugDescription)")
            let piped = try CLI.run(arguments.split(separator: " ").map(String.init))
            #expect(piped.status == 0 && piped.stderr.isEmpty, "\(piped.stderr)")
        }
    }

    /// `--records` writes every phase-total forecast beside the actual, with the interval
    /// bounds when drawn, and each actual row matches the forecast's error.
    @Test func recordsWithIntervals() throws {
        let file = try CLI.scratch().appendingPathComponent("records.csv").path
        let r = try CLI.run(["backtest", "--draws", "200", "--records", file, "--min-history", "5"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Prediction intervals (200 draws)"))
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "method,origin,horizon,area,phase,forecast,actual,error_pct,p10,p90,p2_5,p97_5")
        let auto = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }.filter { $0[0] == "auto" }
        #expect(!auto.isEmpty && auto.allSatisfy { $0[8] != "" && $0[11] != "" })
        #expect(!auto.contains { $0[1] == "2019/20" }, "--min-history 5 starts a year later")
        for row in auto.prefix(20) {
            let f = Double(row[5])!, a = Double(row[6])!, e = Double(row[7])!
            #expect(abs(100 * (f - a) / a - e) < 0.01)
            #expect(Double(row[10])! <= Double(row[8])! && Double(row[9])! <= Double(row[11])!)
        }
        #expect(try CLI.run(["backtest", "--min-history", "1"]).status == 64)
    }

    /// An LA with a census year missing inside its series (Barnet without 2017/18) is read
    /// from the years after the gap, with a note: other LAs still run, and its backtest names
    /// the one origin it could forecast from, not the data's first.
    @Test(.enabled(if: CLI.london != nil, "needs ../shared/data/london"))
    func aGapInOneLASeriesIsANoteNotAFailure() throws {
        let dir = try CLI.scratch()
        for file in try FileManager.default.contentsOfDirectory(atPath: CLI.london!) where file.hasSuffix(".csv") {
            var text = try String(contentsOfFile: (CLI.london! as NSString).appendingPathComponent(file), encoding: .utf8)
            if file.hasPrefix("pupils_by_ncy_la") {
                text = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("201718,302,") }.joined(separator: "\n")
            }
            try text.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let all = try CLI.run(["forecast", "--data", dir.path, "--years", "2", "--format", "csv"])
        #expect(all.status == 0 && all.stdout.contains("\nbaseline,302,Barnet,2024/25,R,forecast,"), "\(all.stderr)")
        #expect(all.stderr.contains("LA 302 (Barnet) has no rows for 2017/18: its census before 2018/19 is left out, and it is forecast from 2018/19 on"))
        let barnet = try CLI.run(["backtest", "--data", dir.path, "--la", "302"])
        #expect(barnet.status == 0, "\(barnet.stderr)")
        #expect(barnet.stdout.hasPrefix("Backtest: DfE census and births (1 LA), origin 2021/22, up to 5 years ahead"), "\(barnet.stdout.prefix(120))")
    }

    /// `--adaptation-rate 0` turns the adaptive widening off: the intervals change, and a
    /// negative rate is refused with a usage error that says what to give.
    @Test func adaptationRateOption() throws {
        let file = try CLI.scratch().appendingPathComponent("records.csv").path
        let adapted = try CLI.run(["forecast", "--draws", "300", "--format", "json", "--years", "5"])
        let off = try CLI.run(["forecast", "--draws", "300", "--format", "json", "--years", "5", "--adaptation-rate", "0"])
        #expect(adapted.status == 0 && off.status == 0, "\(off.stderr)")
        #expect(adapted.stdout != off.stdout)
        let bad = try CLI.run(["backtest", "--draws", "100", "--records", file, "--adaptation-rate=-1"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--adaptation-rate must be a number >= 0"))
    }

    /// `--intervals` asks for the default 1,000 draws, the same as `--draws 1000`; a
    /// negative number of draws, a single draw, or intervals from no draws, is a usage error;
    /// more draws than memory holds are refused before any is made, not by a crash.
    @Test func intervalsFlag() throws {
        let flag = try CLI.run(["sufficiency", "--intervals", "--format", "json", "--years", "3"])
        let explicit = try CLI.run(["sufficiency", "--draws", "1000", "--format", "json", "--years", "3"])
        #expect(flag.status == 0, "\(flag.stderr)")
        #expect(flag.stdout == explicit.stdout)
        #expect(flag.stdout.contains("\"probability_deficit\""))
        for bad in [["--draws=-5"], ["--draws", "1"], ["--intervals", "--draws", "1"], ["--intervals", "--draws", "0"]] {
            let run = try CLI.run(["forecast"] + bad)
            #expect(run.status == 64, "\(bad)")
            #expect(run.stderr.contains("--draws must be") && run.stderr.contains("at least 2 draws"), "\(run.stderr)")
        }
        // Few draws run, with a note that the outer quantiles are coarse; 40 or more, none.
        let few = try CLI.run(["forecast", "--draws", "10", "--years", "1"])
        #expect(few.status == 0 && few.stderr.contains("note: with 10 draws the outer quantiles"), "\(few.stderr)")
        #expect(try CLI.run(["forecast", "--draws", "40", "--years", "1"]).stderr.isEmpty)
        for command in ["forecast", "send"] {
            let huge = try CLI.run([command, "--draws", "100000000000"])
            #expect(huge.status == 64, "\(command): \(huge.stderr)")
            #expect(huge.stderr.contains("--draws: 100,000,000,000 draws of") && huge.stderr.contains("of memory"), "\(huge.stderr)")
            #expect(huge.stderr.contains("use fewer draws, at most about"), "\(huge.stderr)")
            #expect(huge.stdout.isEmpty)
        }
    }

    @Test func formats() throws {
        let json = try CLI.run(["backtest", "--format", "json", "--years", "3"])
        #expect(json.status == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(doc["schema"] as? String == "placeplan.backtest/1" && doc["horizon"] as? Int == 3)
        #expect(doc["intervals"] == nil, "no draws, no intervals")
        let drawn = try CLI.run(["backtest", "--format", "json", "--years", "2", "--draws", "100"])
        let withDraws = try #require(try JSONSerialization.jsonObject(with: Data(drawn.stdout.utf8)) as? [String: Any])
        let intervals = try #require(withDraws["intervals"] as? [[String: Any]])
        #expect(intervals.count == 6, "primary, secondary and both pooled at horizons 1 and 2")
        for i in intervals {
            let c = try #require(i["coverage"] as? [String: Any])
            let p80 = try #require(c["coverage80"] as? Double), p95 = try #require(c["coverage95"] as? Double)
            #expect((0...100).contains(p80) && p80 <= p95 && (c["width80"] as? Double ?? 0) > 0)
        }
        let csv = try CLI.run(["backtest", "--format", "csv"])
        #expect(csv.stdout.hasPrefix("breakdown,method,phase,horizon,year_group,area,count,mdape,mape,bias\n"))
        let md = try CLI.run(["backtest", "--format", "markdown"])
        #expect(md.stdout.contains("| Phase | h | n | auto |"))
    }

    @Test(.enabled(if: CLI.london != nil, "needs ../shared/data/london"))
    func runsOnLondonWithTheMethodChosen() throws {
        let r = try CLI.run(["backtest", "--data", CLI.london!, "--method", "mean3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Method under test: mean3; baselines: mean1"))
        #expect(!r.stdout.contains("Estimators chosen by auto"))
    }
}

/// Whether script(1) can run a command on a pseudo-terminal here.
let pseudoTerminal: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return false }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", "true", "/dev/null"]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()
