import Foundation
import Testing
@testable import PlacePlanKit

@Suite struct UncertaintyTests {
    func run(threads: Int, seed: UInt64 = 7, draws: Int = 300) throws -> ScenarioForecast {
        let data = try DataSource.load(demoDirectory)
        return try ScenarioRunner.run(
            data, scenarios: [], overrides: AssumptionOverrides(horizon: 5), uncertainty: UncertaintySettings(draws: draws, seed: seed, threads: threads))
    }

    @Test func sameSeedSameBytesWhateverTheThreads() throws {
        let one = try SufficiencyOutput(try run(threads: 1), dataLabel: "demo").render(.json)
        let two = try SufficiencyOutput(try run(threads: 2), dataLabel: "demo").render(.json)
        let again = try SufficiencyOutput(try run(threads: 3), dataLabel: "demo").render(.json)
        #expect(one == two && two == again)
        let other = try SufficiencyOutput(try run(threads: 2, seed: 8), dataLabel: "demo").render(.json)
        #expect(other != one)
    }

    @Test func quantilesAreOrderedAndTheOriginIsExact() throws {
        let r = try run(threads: 2)
        let d = try #require(r.draws?.first)
        for h in 0...5 {
            for a in 0..<r.forecast.areas.count {
                for g in r.forecast.areas[a].phase.yearGroups {
                    let q = (0..<7).map { d.quantile(step: h, area: a, g, $0) }
                    #expect(zip(q, q.dropFirst()).allSatisfy { $0 <= $1 + 1e-9 })
                    if h == 0 { #expect(q.allSatisfy { abs($0 - r.forecast.states[0][g, a, 0]) < 1e-9 }) }
                }
            }
        }
        // Intervals widen with the horizon.
        let width = { (h: Int) in d.total(step: h, area: 0, phase: .primary, 6) - d.total(step: h, area: 0, phase: .primary, 0) }
        #expect(width(5) > width(1) && width(1) > 0)
        let report = SufficiencyReport(r)
        #expect(report.rows.filter(\.isForecast).allSatisfy { ($0.probabilityDeficit ?? -1) >= 0 && ($0.probabilityDeficit ?? 2) <= 1 })
    }

    @Test func quantilesInterpolateOrderStatistics() {
        var v: [Double] = [5, 1, 4, 2, 3]
        #expect(Quantiles.of(&v, [0, 0.5, 1, 0.25]) == [1, 3, 5, 2])
    }

    /// Following a measured error path reproduces it: a single path with errors +10% and
    /// −5% puts every draw's phase total at forecast / 1.1 and forecast / 0.95.
    @Test func drawsReproduceTheMeasuredErrors() throws {
        let data = try DataSource.load(demoDirectory)
        let model = try CohortModel.fit(data, options: ModelOptions(estimator: .mean(years: 3)))
        let applied = try AppliedScenario.apply(.baseline, to: data, origin: data.lastCensus, horizon: 2)
        let path = EmpiricalErrors(paths: [[[0.10, -0.05]], [[0.10, -0.05]]], origins: [])
        let d = try Simulation.run(data, model: model, empirical: path, applied: applied, horizon: 2, settings: UncertaintySettings(draws: 10, seed: 1, threads: 2))
        let f = try Projector.project(data, model: model, horizon: 2)
        for (a, area) in data.areas.enumerated() where area.phase == .primary {
            let point = f.pupils(data.lastCensus + 1, area: a, phase: .primary)
            #expect(abs(d.total(step: 1, area: a, phase: .primary, 3) - point / 1.1) < 1e-6)
            let later = f.pupils(data.lastCensus + 2, area: a, phase: .primary)
            #expect(abs(d.total(step: 2, area: a, phase: .primary, 3) - later / 0.95) < 1e-6)
        }
    }

    /// With no measured error paths (a history too short for an inner backtest) the draws
    /// fall back to the parametric ratio-error model, which is then estimated.
    @Test func fallsBackToTheParametricModelWithoutPaths() throws {
        let data = try DataSource.load(demoDirectory)
        let model = try CohortModel.fit(data, options: ModelOptions(estimator: .mean(years: 3)))
        let applied = try AppliedScenario.apply(.baseline, to: data, origin: data.lastCensus, horizon: 3)
        let d = try Simulation.run(
            data, model: model, empirical: EmpiricalErrors(paths: [[], []], origins: []), applied: applied, horizon: 3,
            settings: UncertaintySettings(draws: 200, seed: 5, threads: 2))
        let width1 = d.total(step: 1, area: 0, phase: .primary, 6) - d.total(step: 1, area: 0, phase: .primary, 0)
        let width3 = d.total(step: 3, area: 0, phase: .primary, 6) - d.total(step: 3, area: 0, phase: .primary, 0)
        #expect(width1 > 0 && width3 > width1)
    }
}
