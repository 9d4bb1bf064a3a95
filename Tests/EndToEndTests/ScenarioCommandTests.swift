import Foundation
import Testing

@Suite struct ScenarioCommandTests {
    static let examples = ["baseline", "regeneration-south-west", "bulge-2027", "new-arp-autism", "falling-rolls"]

    @Test(arguments: examples)
    func everyExampleRuns(name: String) throws {
        let file = "\(CLI.scenarios)/\(name).yaml"
        let r = try CLI.run(["sufficiency", "--scenario", file])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Scenario '\(name)'"))
        let json = try CLI.run(["sufficiency", "--scenario", file, "--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let scenarios = try #require(doc["scenarios"] as? [[String: Any]])
        #expect(scenarios.map { $0["name"] as? String } == [name])
        let rows = try #require(doc["rows"] as? [[String: Any]])
        #expect(rows.allSatisfy { $0["scenario"] as? String == name })
    }

    @Test func allExamplesTogetherAsColumns() throws {
        let args = ["sufficiency"] + Self.examples.flatMap { ["--scenario", "\(CLI.scenarios)/\($0).yaml"] }
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("scenarios side by side"))
        #expect(r.stdout.contains("bulge class +30 at P10-08"))
        #expect(r.stdout.contains("[scenario: regeneration-south-west]"))
        let widest = r.stdout.split(separator: "\n").map(\.count).max() ?? 0
        #expect(widest <= 100, "output is \(widest) columns wide")
        // The regeneration scenario adds pupils in the south-west and nowhere else.
        let json = try CLI.run(["sufficiency", "--format", "json"] + args.dropFirst())
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rows = try #require(doc["rows"] as? [[String: Any]])
        func pupils(_ scenario: String, _ area: String, _ year: String) -> Double? {
            rows.first { $0["scenario"] as? String == scenario && $0["area"] as? String == area && $0["year"] as? String == year }?["pupils"] as? Double
        }
        #expect(pupils("regeneration-south-west", "P10", "2040/41")! > pupils("baseline", "P10", "2040/41")! + 300)
        #expect(pupils("regeneration-south-west", "S3", "2040/41")! > pupils("baseline", "S3", "2040/41")! + 100)
        #expect(pupils("regeneration-south-west", "P01", "2040/41") == pupils("baseline", "P01", "2040/41"))
        #expect(pupils("regeneration-south-west", "P10", "2026/27") == pupils("baseline", "P10", "2026/27"))
    }

    @Test func forecastTakesScenariosToo() throws {
        let r = try CLI.run(["forecast", "--scenario", "\(CLI.scenarios)/regeneration-south-west.yaml", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("regeneration-south-west,") })
    }

    @Test func checkValidatesWithoutRunning() throws {
        let ok = try CLI.run(["scenario", "check"] + Self.examples.map { "\(CLI.scenarios)/\($0).yaml" })
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.components(separatedBy: "ok: ").count == Self.examples.count + 1)
        let dir = try CLI.scratch()
        let bad = dir.appendingPathComponent("bad.yaml")
        try "name: bad\nchanges:\n  - type: bulge\n    school: P10-99\n    year: 2027\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["scenario", "check", "\(CLI.scenarios)/bulge-2027.yaml", bad.path])
        #expect(r.status == 65)
        #expect(r.stdout.contains("ok: \(CLI.scenarios)/bulge-2027.yaml"))
        #expect(r.stderr.contains("bad.yaml:4:13 (key 'school'): unknown school 'P10-99'"))
        #expect(r.stderr.contains("hint:"))
    }

    /// `scenario check scenarios/*.yaml` takes in the plan's options file too: before, it was
    /// read as a scenario and refused ("unknown key 'class_size'"); now it is checked as an
    /// options file, against the schools, and a bad one still fails at its line.
    @Test func checkKnowsAnOptionsFile() throws {
        let ok = try CLI.run(["scenario", "check", "\(CLI.scenarios)/options.yaml", "--format", "json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        let checked = try #require((doc["scenarios"] as? [[String: Any]])?.first)
        #expect(checked["kind"] as? String == "options" && checked["name"] as? String == "demo-options")
        let dir = try CLI.scratch()
        let bad = dir.appendingPathComponent("options.yaml")
        try "name: o\noptions:\n  - type: bulge\n    school: P10-99\n    cost: 1000\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["scenario", "check", bad.path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("options.yaml:") && r.stderr.contains("P10-99"), "\(r.stderr)")
    }

    @Test func shortForecastOfALongScenarioShowsItsFirstYears() throws {
        // The regeneration scenario builds to 2039/40; five years of it run, and say so.
        let file = "\(CLI.scenarios)/regeneration-south-west.yaml"
        let r = try CLI.run(["sufficiency", "--scenario", file, "--years", "5"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("(to 2030/31 in this forecast)"))
        #expect(r.stderr.contains("note: scenario 'regeneration-south-west': 2 changes reach past 2030/31"))
        #expect(r.stderr.contains("--years 14 reaches 2039/40"))
        let long = try CLI.run(["sufficiency", "--scenario", file, "--years", "14"])
        #expect(long.status == 0 && long.stderr.isEmpty && !long.stdout.contains("in this forecast)"))
    }

    @Test func badScenarioStopsTheRunWithNoOutput() throws {
        let dir = try CLI.scratch()
        let bad = dir.appendingPathComponent("bad.yaml")
        try "name: bad\nchanges:\n  - {type: bulge, school: P10-08, year: 2055}\n".write(to: bad, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out.csv").path
        let r = try CLI.run(["sufficiency", "--scenario", bad.path, "--format", "csv", "--output", out])
        #expect(r.status == 65)
        #expect(r.stderr.contains("2055/56 is more than 25 years after the origin census"))
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try CLI.run(["sufficiency", "--scenario", dir.appendingPathComponent("missing.yaml").path]).status == 65)
        #expect(try CLI.run(["sufficiency", "--scenario", "\(CLI.scenarios)/baseline.yaml", "--scenario", "\(CLI.scenarios)/baseline.yaml"]).status == 64)
    }
}
