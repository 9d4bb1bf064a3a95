import Foundation
import Testing

/// The officer's on-ramp: `init` writes the templates, `check` lists every problem at once.
@Suite struct InitAndCheckTests {
    @Test func initWritesEveryTemplateAndNeverOverwrites() throws {
        let dir = try CLI.scratch().appendingPathComponent("my-la")
        let r = try CLI.run(["init", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["areas.csv", "schools.csv", "rolls.csv", "births.csv", "transfers.csv", "yields.csv", "send_costs.csv", "README.md", "scenarios/baseline.yaml", "scenarios/options.yaml"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "missing \(name)")
        }
        let areas = try String(contentsOf: dir.appendingPathComponent("areas.csv"), encoding: .utf8)
        #expect(areas == "id,name,phase,local_authority\n")
        let readme = try String(contentsOf: dir.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("## schools.csv") && readme.contains("`net_capacity`") && readme.contains("placeplan check"))
        // The templates' scenario and options files are valid as they stand.
        let scenario = try CLI.run(["scenario", "check", dir.appendingPathComponent("scenarios/baseline.yaml").path])
        #expect(scenario.status == 0 || scenario.stderr.contains("areas.csv"), "\(scenario.stderr)")
        // Never overwritten.
        let again = try CLI.run(["init", dir.path])
        #expect(again.status == 64 && again.stderr.contains("never overwrites"))
        // The empty templates are not ready, and check says why.
        let check = try CLI.run(["check", "--data", dir.path])
        #expect(check.status == 65 && check.stdout.contains("no planning areas") && check.stdout.contains("Not ready"))
    }

    @Test func checkListsEveryProblemAtOnce() throws {
        let dir = try CLI.brokenDemo("areas.csv") { $0.replacingOccurrences(of: "P02,East Barnet & Oakleigh,primary", with: "P02,East Barnet & Oakleigh,primry") }
        let births = dir.appendingPathComponent("births.csv")
        var text = try String(contentsOf: births, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        text[4] = text[4].split(separator: ",").dropLast().joined(separator: ",") + ",-3"
        try text.joined(separator: "\n").write(to: births, atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "--data", dir.path])
        #expect(r.status == 65)
        #expect(r.stdout.contains("areas.csv:3:3") && r.stdout.contains("'primry' is not a phase"), "\(r.stdout)")
        #expect(r.stdout.contains("births.csv:5:") && r.stdout.contains("negative count -3"), "\(r.stdout)")
        #expect(r.stdout.contains("Problems (2)"))
        let json = try CLI.run(["check", "--data", dir.path, "--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(doc["schema"] as? String == "placeplan.check/1" && doc["ready"] as? Bool == false)
        #expect((doc["problems"] as? [Any])?.count == 2)
    }

    /// A suppressed cell: in the last census it is a problem (the forecast would stop at it),
    /// earlier a warning that says what is done without it; each names the cell.
    @Test func checkFindsSuppressedCellsBeforeTheForecastDoes() throws {
        let rolls = try String(contentsOfFile: CLI.demoData + "/rolls.csv", encoding: .utf8)
        let lines = rolls.split(separator: "\n").map(String.init)
        let last = lines.dropFirst().map { String($0.prefix(7)) }.max()!
        let dir = try CLI.brokenDemo("rolls.csv") { text in
            text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix("2019/20,P01-01,Y3,") ? "2019/20,P01-01,Y3,x" : line.hasPrefix("\(last),P02-01,Y4,") ? "\(last),P02-01,Y4,c" : String(line)
            }.joined(separator: "\n")
        }
        let r = try CLI.run(["check", "--data", dir.path])
        #expect(r.status == 65, "\(r.stdout)")
        #expect(r.stdout.contains("Problems (1)") && r.stdout.contains("suppressed or missing value 'c'"), "\(r.stdout)")
        #expect(r.stdout.contains("P01 Chipping Barnet & Totteridge: no Y3 in 2019/20 (rolls.csv:"), "\(r.stdout)")
        #expect(r.stdout.contains("a backtest does not forecast from those censuses"))
        // The forecast stops where check said it would.
        let f = try CLI.run(["forecast", "--data", dir.path])
        #expect(f.status == 65 && f.stderr.contains("suppressed or missing value 'c'"), "\(f.stderr)")
    }

    /// A school-level file means a missing row as no pupils; check flags a cohort that
    /// vanishes between two year groups with pupils, and the demo itself has none.
    @Test func checkFlagsACohortThatVanishes() throws {
        let dir = try CLI.brokenDemo("rolls.csv") { text in
            text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("2025/26,P01-01,Y3,") }.joined(separator: "\n")
        }
        let r = try CLI.run(["check", "--data", dir.path])
        #expect(r.status == 0 && r.stdout.contains("school P01-01: no pupils in Y3 in 2025/26 (0, or no row)"), "\(r.stdout)")
        #expect(!(try CLI.run(["check"])).stdout.contains("no pupils in"))
    }

    /// A roll a quarter or less of the school's usual count and of the same cohort's counts
    /// either side, and 30 or more below its usual count (a digit lost: 4 for 41), is a warning; a fall to
    /// half is not, and the demo has none.
    @Test func checkWarnsOfADigitLost() throws {
        let dir = try CLI.brokenDemo("rolls.csv") {
            $0.replacingOccurrences(of: "\n2025/26,P01-02,Y1,41\n", with: "\n2025/26,P01-02,Y1,4\n")
                .replacingOccurrences(of: "\n2024/25,P01-02,Y1,40\n", with: "\n2024/25,P01-02,Y1,4\n")
                .replacingOccurrences(of: "\n2025/26,P01-02,R,40\n", with: "\n2025/26,P01-02,R,20\n")
        }
        let r = try CLI.run(["check", "--data", dir.path])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("school P01-02: Y1 in 2025/26 is 4, against usually 46 (the same cohort: 41 the year before): is a digit lost?"), "\(r.stdout)")
        #expect(r.stdout.contains("school P01-02: Y1 in 2024/25 is 4, against usually 46 (the same cohort: 42 the year before, 41 the year after): is a digit lost?"), "\(r.stdout)")
        #expect(!r.stdout.contains("R in 2025/26 is 20"))
        #expect(!(try CLI.run(["check"])).stdout.contains("is a digit lost"))
        // A school closing within two years may empty fast: no warning.
        let schools = dir.appendingPathComponent("schools.csv").path
        let text = try String(contentsOfFile: schools, encoding: .utf8)
        try text.replacingOccurrences(of: "P01-02,Totteridge Common Primary School,P01,primary,R,Y6,45,315,,,", with: "P01-02,Totteridge Common Primary School,P01,primary,R,Y6,45,315,,2026/27,")
            .write(toFile: schools, atomically: true, encoding: .utf8)
        let closing = try CLI.run(["check", "--data", dir.path])
        #expect(closing.status == 0 && !closing.stdout.contains("is a digit lost"), "\(closing.stdout)")
    }

    /// A roll with a decimal part is read as written, but `check` warns of it (a census count
    /// is whole pupils; 4.083 may be 4,083 with a full stop for thousands); the demo's whole
    /// counts give no such warning.
    @Test func checkWarnsOfFractionalRolls() throws {
        let dir = try CLI.brokenDemo("rolls.csv") { $0.replacingOccurrences(of: "\n2016/17,P01-04,R,48\n", with: "\n2016/17,P01-04,R,4.083\n") }
        let r = try CLI.run(["check", "--data", dir.path])
        #expect(r.status == 0 && r.stdout.contains("rolls.csv has 1 pupil count with a decimal part (line 5: 4.083): a census count is whole pupils"), "\(r.stdout)")
        #expect(!(try CLI.run(["check"])).stdout.contains("decimal part"))
        // On the DfE route, an LA with no pupils in a phase (the City of London's secondary)
        // is not warned of as lacking places for it.
        if let london = CLI.london {
            let lon = try CLI.run(["check", "--data", london])
            #expect(lon.status == 0 && !lon.stdout.contains("201 City of London has no secondary places"), "\(lon.stdout)")
        }
    }

    /// The caseload file by planning area: a January after the last census is a problem (and
    /// left out of a forecast, which says so); one two or more years old, and a Y1-Y11 total
    /// far from the DfE caseload's, are warnings.
    @Test func checkReadsTheCaseloadFileByAreaAgainstTheCensusAndTheDfEFiles() throws {
        let future = try CLI.demoWithSEND { $0 == "ehcp_caseload_by_area.csv" ? $1 + "2030,P01,Y3,VI,AP/other,4\n" : $1 }
        let f = try CLI.run(["check", "--data", future.path])
        #expect(f.status == 65 && f.stdout.contains("'2030' is not a January by the last census, January 2026 (2025/26)"), "\(f.stdout)")
        let send = try CLI.run(["send", "--data", future.path, "--years", "3"])
        let source = send.stdout.replacingOccurrences(of: "\n    ", with: " ")  // the table's header wraps
        #expect(send.status == 0 && source.contains("its January 2026 plans, then each area's own flow; January 2030 left out, after the forecast's first January"), "\(send.stdout)\(send.stderr)")
        let old = try CLI.demoWithSEND { $0 == "ehcp_caseload_by_area.csv" ? $1.replacingOccurrences(of: "\n2026,", with: "\n2023,") : $1 }
        let o = try CLI.run(["check", "--data", old.path])
        #expect(o.status == 0 && o.stdout.contains("ehcp_caseload_by_area.csv's latest January is 2023, 3 years before the census (January 2026)"), "\(o.stdout)")
        let big = try CLI.demoWithSEND { $0 == "ehcp_caseload_by_area.csv" ? $1 + "2026,P01,Y3,VI,AP/other,20000\n" : $1 }
        let b = try CLI.run(["check", "--data", big.path])
        #expect(b.status == 0 && b.stdout.contains("the DfE caseload counts 2,833 at ages 5-15 for Demo Borough"), "\(b.stdout)")
        #expect(!(try CLI.run(["check"])).stdout.contains("the DfE caseload counts"))
    }

    @Test func theDemoIsReadyWithAWarningAboutBirths() throws {
        let r = try CLI.run(["check"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("15 planning areas (10 primary, 5 secondary), 121 schools (6 special)"))
        #expect(r.stdout.contains("Problems: none") && r.stdout.contains("Ready:"))
        #expect(r.stdout.contains("births are known to mid-"))
        // A capacity below its PAN is a warning, not a problem.
        let dir = try CLI.brokenDemo("schools.csv") { $0.replacingOccurrences(of: "P01-01,Chipping Barnet Brook Primary School,P01,primary,R,Y6,30,210", with: "P01-01,Chipping Barnet Brook Primary School,P01,primary,R,Y6,30,150") }
        let w = try CLI.run(["check", "--data", dir.path])
        #expect(w.status == 0 && w.stdout.contains("net capacity 150 is below PAN 30 x 7 year groups (210)"), "\(w.stdout)")
    }
}

/// Small things an officer meets on the first day.
@Suite struct FirstDayTests {
    @Test func aMistypedCommandGetsDidYouMean() throws {
        let r = try CLI.run(["sufficency"])
        #expect(r.status == 64 && r.stderr.contains("did you mean 'placeplan sufficiency'"), "\(r.stderr)")
        let far = try CLI.run(["xyzzy"])
        #expect(far.status == 64 && !far.stderr.contains("did you mean") && far.stderr.contains("commands: forecast"))
    }

    @Test func noStoreIsNoRunsYet() throws {
        let dir = try CLI.scratch()
        let r = try CLI.run(["runs", "list", "--store", dir.appendingPathComponent("none.sqlite").path])
        #expect(r.status == 0 && r.stdout.contains("No saved runs"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("none.sqlite").path), "listing creates no store")
    }

    @Test func reportSaysWhereItWrote() throws {
        let dir = try CLI.scratch()
        let r = try CLI.run(["report", "--output", dir.appendingPathComponent("r.html").path, "--date", "2026-12-01"])
        #expect(r.status == 0 && r.stderr.contains("wrote the board report to"))
        #expect(try String(contentsOf: dir.appendingPathComponent("r.html"), encoding: .utf8).contains("Produced 2026-12-01."))
    }
}

/// Every command's JSON carries a schema name.
@Suite struct JSONSchemaTests {
    func document(_ arguments: [String]) throws -> [String: Any] {
        let r = try CLI.run(arguments)
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(arguments): \(r.stderr)")
    }

    @Test func runsAndScenarioCheckAndSENDBacktest() throws {
        let dir = try CLI.scratch()
        let store = dir.appendingPathComponent("s.sqlite").path
        #expect(try document(["runs", "list", "--store", store, "--format", "json"])["schema"] as? String == "placeplan.runs/1")
        _ = try CLI.run(["sufficiency", "--store", store, "--save", "SCAP 2025", "--years", "2", "--format", "csv"])
        let list = try document(["runs", "list", "--store", store, "--format", "json"])
        #expect((list["runs"] as? [[String: Any]])?.first?["name"] as? String == "SCAP 2025")
        let show = try document(["runs", "show", "SCAP 2025", "--store", store, "--format", "json"])
        #expect(show["schema"] as? String == "placeplan.run/1" && (show["run"] as? [String: Any])?["horizon"] as? Int == 2)
        // The command is saved as it could be typed again, quotes and all.
        #expect(((show["run"] as? [String: Any])?["command"] as? String)?.contains("--save 'SCAP 2025'") == true)
        let check = try document(["scenario", "check", "\(CLI.scenarios)/bulge-2027.yaml", "--format", "json"])
        #expect(check["schema"] as? String == "placeplan.scenario-check/1" && check["valid"] as? Bool == true)
        if let london = CLI.london {
            let send = try document(["send", "--backtest", "--data", london, "--format", "json"])
            #expect(send["schema"] as? String == "placeplan.send-backtest/3" && (send["records"] as? [Any])?.isEmpty == false)
            #expect((send["origins"] as? [Int]) == Array(2014...2022) && (send["failures"] as? [Any])?.isEmpty == true)
        }
    }
}

/// `--help` at 80 columns: every example fits on its lines (long ones continue with `\`).
@Suite struct HelpTests {
    @Test(arguments: ["forecast", "sufficiency", "send", "backtest", "compare", "export", "report", "plan", "init", "check"])
    func examplesFitEightyColumns(command: String) throws {
        let r = try CLI.run(["/usr/bin/env", "COLUMNS=80", CLI.binary.path, command, "--help"], shell: true)
        #expect(r.status == 0)
        guard let examples = r.stdout.components(separatedBy: "Example").dropFirst().first else { return }
        let lines = examples.components(separatedBy: "\n\n")[0].split(separator: "\n").dropFirst()
        for line in lines { #expect(line.count <= 80, "\(command): \(line)") }
        // A wrapped command would leave a line that does not start a command or continue one.
        for line in lines { #expect(line.hasPrefix("  placeplan ") || line.hasPrefix("      "), "\(command): \(line)") }
    }

    /// Each option says its default once: the help text does not repeat the "(default: x)"
    /// that the parser adds for an option with a default value.
    @Test(arguments: ["forecast", "sufficiency", "send", "backtest", "compare", "export", "report", "plan", "init", "check", "runs list", "runs show"])
    func defaultsAreSaidOnce(command: String) throws {
        let r = try CLI.run(["/usr/bin/env", "COLUMNS=200", CLI.binary.path] + command.split(separator: " ").map(String.init) + ["--help"], shell: true)
        #expect(r.status == 0)
        // Options start at two spaces and a dash; their help runs on until the next one.
        let options = r.stdout.components(separatedBy: "\n  -").dropFirst()
        for option in options {
            let text = option.replacingOccurrences(of: "\n", with: " ")
            let said = text.components(separatedBy: "default").count - 1
            #expect(!(text.contains("(default: ") && said > 1 && text.range(of: #"\(default [^:]"#, options: .regularExpression) != nil), "\(command): -\(option.prefix(120))")
        }
    }
}
