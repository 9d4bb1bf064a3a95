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
    }

    @Test func formats() throws {
        let json = try CLI.run(["backtest", "--format", "json", "--years", "3"])
        #expect(json.status == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(doc["schema"] as? String == "placeplan.backtest/1" && doc["horizon"] as? Int == 3)
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
