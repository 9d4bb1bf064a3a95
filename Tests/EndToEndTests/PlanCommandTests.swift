import Foundation
import Testing

/// `placeplan plan` on the demo: a plan cheaper than the greedy one whose scenario, re-run
/// by `sufficiency`, meets every rule the plan says it meets.
@Suite struct PlanCommandTests {
    static let options = "\(CLI.scenarios)/options.yaml"

    @Test func thePlanReRunsAsAScenarioAndMeetsItsRules() throws {
        let dir = try CLI.scratch()
        let scenario = dir.appendingPathComponent("plan.yaml").path
        let r = try CLI.run(["plan", "--options", Self.options, "--draws", "300", "--risk", "0.1", "--write-scenario", scenario, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(doc["schema"] as? String == "placeplan.plan/1")
        #expect(doc["status"] as? String == "optimal")
        let objective = try #require(doc["objective"] as? Double), greedy = try #require(doc["greedy_objective"] as? Double)
        #expect(objective < greedy, "the solver (\(objective)) should beat the greedy baseline (\(greedy)) on the demo")
        let actions = try #require(doc["actions"] as? [[String: Any]])
        #expect(actions.contains { $0["type"] as? String == "bulge" && $0["area_id"] as? String == "P10" })
        #expect(actions.allSatisfy { ($0["decide_by"] as? String ?? "") <= ($0["year"] as? String ?? "") })
        let unmetRules = try #require(doc["unmet"] as? [String])
        #expect(try String(contentsOfFile: scenario, encoding: .utf8).contains("at 10.0% risk of a deficit"))
        // Every rule the plan meets holds in the scenario's re-run by `sufficiency`.
        let again = try CLI.run(["sufficiency", "--scenario", scenario, "--draws", "300", "--format", "json"])
        #expect(again.status == 0, "\(again.stderr)")
        let suff = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        let rows = try #require(suff["rows"] as? [[String: Any]]).filter { $0["forecast"] as? Bool == true }
        #expect(!rows.isEmpty)
        var broken: [String] = []
        for row in rows {
            let area = row["area"] as! String, phase = row["phase"] as! String
            for (key, group) in [("probability_deficit", phase), ("probability_entry_deficit", phase == "primary" ? "Reception" : "Y7")] {
                guard let p = row[key] as? Double, p > 0.1 + 1.0 / 300 + 1e-9 else { continue }
                // Allowed only where the plan says no option can meet the rule.
                if !unmetRules.contains(where: { $0.hasPrefix("\(area) \(group) places") }) { broken.append("\(area) \(group) \(row["year"]!): P(deficit) \(p)") }
            }
        }
        #expect(broken.isEmpty, "rules broken in the re-run that the plan claims to meet: \(broken)")
        // The plan reports the same rules met as the re-run finds.
        #expect((doc["rules_met"] as? Int ?? 0) > 0)
    }

    @Test func sameInputsSameBytesAndEveryFormat() throws {
        let a = try CLI.run(["plan", "--options", Self.options, "--draws", "200"])
        let b = try CLI.run(["plan", "--options", Self.options, "--draws", "200"])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout.replacingOccurrences(of: #"in [0-9.]+ s"#, with: "", options: .regularExpression)
            == b.stdout.replacingOccurrences(of: #"in [0-9.]+ s"#, with: "", options: .regularExpression))
        for text in ["Actions by year", "Decide by", "Cost over the horizon", "Doing nothing", "After the plan", "Summary: surplus % of places"] {
            #expect(a.stdout.contains(text), "missing \(text)")
        }
        let csv = try CLI.run(["plan", "--options", Self.options, "--format", "csv"])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("decide_by,year,area,school,school_name,type,need,units,places,capital_cost"))
        let md = try CLI.run(["plan", "--options", Self.options, "--format", "markdown"])
        #expect(md.status == 0 && md.stdout.hasPrefix("## Plan"))
        // Without draws the plan's scenario claims no risk level: it is planned on the forecast.
        let written = try CLI.scratch().appendingPathComponent("plan.yaml").path
        let undrawn = try CLI.run(["plan", "--options", Self.options, "--write-scenario", written])
        #expect(undrawn.status == 0, "\(undrawn.stderr)")
        let yaml = try String(contentsOfFile: written, encoding: .utf8)
        #expect(yaml.contains("on the forecast itself (no draws)") && !yaml.contains("risk of a deficit"), "\(yaml.prefix(300))")
    }

    @Test func theBoardReportHasThePlan() throws {
        let dir = try CLI.scratch()
        let html = dir.appendingPathComponent("report.html")
        let r = try CLI.run(["report", "--output", html.path, "--plan-options", Self.options])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains("<section id=\"plan\"><h2>Least-cost plan</h2>"))
        #expect(text.contains("bulge class +30 at P10-08"))
        #expect(text.contains("Pupil-years short of the rule"))
    }

    /// EHCP files too thin for the SEND model (no plans by single age) leave SEND out of the
    /// plan, and of the report's, with the reason; the mainstream plan still runs.
    @Test func thinEHCPFilesLeaveSENDOutOfThePlan() throws {
        let dir = try CLI.demoWithSEND { file, text in
            file.hasPrefix("ehcp_caseload_by_placement") ? String(text.prefix { $0 != "\n" }) + "\n" : text
        }
        let r = try CLI.run(["plan", "--data", dir.path, "--options", Self.options])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("SEND: not planned (Demo Borough (illustrative): the EHCP files have no plans by single age, placement and need); the specialist_places options are left out"))
        let report = dir.appendingPathComponent("report.html").path
        let board = try CLI.run(["report", "--data", dir.path, "--plan-options", Self.options, "--output", report])
        #expect(board.status == 0 && board.stderr.contains("SEND is not in the report"), "\(board.stderr)")
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("The SEND model was not run: Demo Borough (illustrative): the EHCP files have no plans by single age"))
    }

    /// EHCP files that do not hold the authority at all (another LA's extract) are a data
    /// gap: `send` stops with it (exit 65, not a usage error: the authority is the data's own),
    /// and `plan` and `report` go on without SEND, saying why.
    @Test func ehcpFilesWithoutTheAuthorityLeaveSENDOut() throws {
        let dir = try CLI.demoWithSEND { _, text in
            text.replacingOccurrences(of: "DEMO,DEMO,Demo Borough (illustrative)", with: "999,E09000999,Elsewhere")
        }
        let send = try CLI.run(["send", "--data", dir.path])
        #expect(send.status == 65 && send.stderr.contains("the EHCP files have no rows for DEMO (ehcp_by_age_band_demo.csv)"), "\(send.stderr)")
        let r = try CLI.run(["plan", "--data", dir.path, "--options", Self.options])
        #expect(r.status == 0 && r.stdout.contains("SEND: not planned (the EHCP files have no rows for DEMO"), "\(r.stdout)\(r.stderr)")
        let report = dir.appendingPathComponent("report.html").path
        let board = try CLI.run(["report", "--data", dir.path, "--output", report])
        #expect(board.status == 0 && board.stderr.contains("SEND is not in the report: the EHCP files have no rows for DEMO"), "\(board.stderr)")
        // check warns (the forecast can run) rather than refusing the data.
        let check = try CLI.run(["check", "--data", dir.path])
        #expect(check.status == 0 && check.stdout.contains("placeplan send cannot run: the EHCP files have no rows for DEMO"), "\(check.stdout)")
    }

    /// An age band whose new plans are suppressed in every year would join no one (a silent
    /// zero): `send` stops, naming the band, and the board report goes on without SEND.
    @Test func aBandOfNewPlansAllSuppressedIsNamed() throws {
        let dir = try CLI.demoWithSEND { file, text in
            guard file.hasPrefix("ehcp_new_plans") else { return text }
            return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                guard line.contains(",Age 11 to 15,") else { return String(line) }
                var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                cells[15] = "x"
                return cells.joined(separator: ",")
            }.joined(separator: "\n")
        }
        let send = try CLI.run(["send", "--data", dir.path])
        #expect(send.status == 65 && send.stderr.contains("no count of new plans for Demo Borough (illustrative), Age 11 to 15, in any year the rolls cover"), "\(send.stderr)")
        let board = try CLI.run(["report", "--data", dir.path, "--output", dir.appendingPathComponent("report.html").path])
        #expect(board.status == 0 && board.stderr.contains("SEND is not in the report: "), "\(board.stderr)")
    }

    @Test func badOptionsAndSettingsAreRefused() throws {
        let dir = try CLI.scratch()
        let bad = dir.appendingPathComponent("bad.yaml")
        try "name: x\noptions:\n  - type: bulge\n    school: P99-01\n    cost: 1000\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["plan", "--options", bad.path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("bad.yaml:3:5") && r.stderr.contains("unknown school 'P99-01'"), "\(r.stderr)")
        let risk = try CLI.run(["plan", "--options", Self.options, "--risk", "0.9"])
        #expect(risk.status == 64 && risk.stderr.contains("--risk"))
        let two = try CLI.run(["plan", "--options", Self.options, "--scenario", "\(CLI.scenarios)/baseline.yaml", "--scenario", "\(CLI.scenarios)/bulge-2027.yaml"])
        #expect(two.status == 64 && two.stderr.contains("one scenario"))
        let missing = try CLI.run(["plan", "--options", dir.appendingPathComponent("none.yaml").path])
        #expect(missing.status == 65 || missing.status == 66)
        #expect(missing.stderr.contains("none.yaml"))
    }
}
