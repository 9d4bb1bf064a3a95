import Foundation
import Testing

@Suite struct SufficiencyCommandTests {
    @Test func demoPrintsATableForEveryPlanningArea() throws {
        let r = try CLI.run(["sufficiency"])
        #expect(r.status == 0, "\(r.stderr)")
        let areas = try String(contentsOfFile: CLI.demoData + "/areas.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }
        #expect(areas.count == 15)
        for id in areas { #expect(r.stdout.contains("\n\(id) "), "no table for \(id)") }
        #expect(r.stdout.contains("2025/26*"))
        #expect(r.stdout.contains("2035/36"))
        #expect(!r.stdout.contains("\u{1B}["), "no colour when piped")
        let widest = r.stdout.split(separator: "\n").map(\.count).max() ?? 0
        #expect(widest <= 100, "table is \(widest) columns wide")
    }

    @Test func jsonIsParseableAndComplete() throws {
        let r = try CLI.run(["sufficiency", "--format", "json", "--years", "5"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["schema"] as? String == "placeplan.sufficiency/1")
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count == 15 * 6)
        #expect(Set(rows.compactMap { $0["status"] as? String }).isSubset(of: ["deficit", "below margin", "within margin", "high surplus"]))
        let groups = try #require(json["year_groups"] as? [[String: Any]])
        #expect(groups.count == 15 * 6 * 7)
    }

    @Test func sameInputsGiveIdenticalBytes() throws {
        let a = try CLI.run(["sufficiency", "--format", "csv"])
        let b = try CLI.run(["sufficiency", "--format", "csv"])
        #expect(a.status == 0 && a.stdout == b.stdout && !a.stdout.isEmpty)
    }

    @Test func marginChangesTheStatus() throws {
        let tight = try CLI.run(["sufficiency", "--format", "csv", "--margin", "0", "--high-surplus", "0.5"])
        #expect(tight.status == 0)
        #expect(!tight.stdout.contains("below margin") && !tight.stdout.contains("high surplus"))
    }

    @Test func markdownAndOutputFile() throws {
        let dir = try CLI.scratch()
        let file = dir.appendingPathComponent("suff.md").path
        let r = try CLI.run(["sufficiency", "--format", "markdown", "--output", file])
        #expect(r.status == 0 && r.stdout.isEmpty)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("## Sufficiency") && text.contains("| Year | Places |"))
    }
}

@Suite struct ForecastCommandTests {
    @Test func forecastsTheDemo() throws {
        let r = try CLI.run(["forecast", "--years", "3", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "scenario,area,area_name,year,year_group,kind,pupils")
        #expect(lines.count == 1 + 15 * 4 * 7)
    }

    @Test(.enabled(if: CLI.london != nil, "needs ../shared/data/london"))
    func forecastsTheRealLondonFiles() throws {
        let r = try CLI.run(["forecast", "--data", CLI.london!, "--la", "302", "--years", "5"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("302 Barnet (all-through)"))
        #expect(r.stdout.contains("2022/23*"))
        let all = try CLI.run(["forecast", "--data", CLI.london!, "--format", "json"])
        #expect(all.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any])
        #expect((json["areas"] as? [Any])?.count == 33)
    }

    @Test func helpExplainsEveryOptionWithExamples() throws {
        let r = try CLI.run(["sufficiency", "--help"])
        #expect(r.status == 0)
        for option in ["--data", "--la", "--from", "--years", "--method", "--births", "--margin", "--high-surplus", "--format", "--output"] {
            #expect(r.stdout.contains(option), "help lacks \(option)")
        }
        #expect(r.stdout.contains("Example"))
    }
}

@Suite struct ErrorTests {
    @Test func usageErrorsExit64() throws {
        #expect(try CLI.run(["sufficiency", "--years", "30"]).status == 64)
        #expect(try CLI.run(["sufficiency", "--format", "xml"]).status == 64)
        #expect(try CLI.run(["sufficiency", "--margin", "2"]).status == 64)
        #expect(try CLI.run(["forecast", "--method", "fancy"]).status == 64)
        #expect(try CLI.run(["forecast", "--from", "1999"]).status == 64)
        #expect(try CLI.run(["no-such-command"]).status == 64)
    }

    @Test func badDataExits65NamingFileLineAndColumn() throws {
        let dir = try CLI.brokenDemo("rolls.csv") { $0.replacingOccurrences(of: "2019/20,P03-02,Y4,", with: "2019/20,P03-02,Y4,-") }
        let r = try CLI.run(["sufficiency", "--data", dir.path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("rolls.csv:"))
        #expect(r.stderr.contains(":4 (column 'pupils'): negative count"))
        #expect(r.stderr.contains("hint:"))
        #expect(r.stdout.isEmpty)
    }

    @Test func unknownAreaInSchoolsExits65() throws {
        let dir = try CLI.brokenDemo("schools.csv") { $0.replacingOccurrences(of: "P01-01,Chipping", with: "P01-01,Chipping").replacingOccurrences(of: ",P01,primary", with: ",P99,primary") }
        let r = try CLI.run(["sufficiency", "--data", dir.path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("unknown planning area 'P99'"))
    }

    @Test func failedRunLeavesNoOutputFile() throws {
        let dir = try CLI.brokenDemo("births.csv") { $0.replacingOccurrences(of: "DEMO,2005,", with: "DEMO,2005,x") }
        let out = dir.appendingPathComponent("out.json").path
        let r = try CLI.run(["sufficiency", "--data", dir.path, "--format", "json", "--output", out])
        #expect(r.status == 65)
        #expect(r.stderr.contains("births.csv:"))
        #expect(!FileManager.default.fileExists(atPath: out))
        // An unwritable destination is its own error, and nothing is left behind.
        let r2 = try CLI.run(["sufficiency", "--output", "/nonexistent-dir/out.txt"])
        #expect(r2.status == 73)
    }
}
