import Foundation
import Testing
@testable import PlacePlanKit

/// One bad census must not wreck the years after it: a one-year dip of 25% in every year
/// group (a pandemic count at a school), then back.
@Suite struct TransientCensusTests {
    /// One primary area, 600 pupils in each year group (with a little noise) from 2012/13 to
    /// 2024/25, births steady; every year group 25% down in `dip` (nil: no dip).
    static func school(dip: Int? = 2020, last: Int = 2024, size: Double = 0.75) throws -> TemporaryData {
        var rng = DrawRandom(seed: 3, stream: 0)
        var rolls = "year,area,year_group,pupils\n"
        for y in 2012...last {
            for g in 0...6 {
                var n = (600 + 8 * rng.normal()).rounded()
                if y == dip { n = (n * size).rounded() }
                rolls += "\(y),A,\(g == 0 ? "R" : "Y\(g)"),\(Int(n))\n"
            }
        }
        return try TemporaryData(files: [
            "areas.csv": "id,name,phase,local_authority\nA,Dip School,primary,L\n",
            "schools.csv": "id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity\nA1,Dip School,A,primary,R,Y6,640,4480\n",
            "rolls.csv": rolls,
            "births.csv": "area,year,births\n" + (2006...2025).map { "L,\($0),620\n" }.joined(),
        ])
    }

    @Test func theDipIsFoundAndItsRatiosRepaired() throws {
        let d = try Self.school()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let history = RatioHistory(data: data)
        #expect(history.transients[0] == [AcademicYear(2020)])
        // Into the dip and out of it, the repaired ratios are ordinary (about 1), not 0.75 and 1.33.
        let into = history.years.firstIndex(of: AcademicYear(2020))! - 1
        for g in 0..<6 {
            #expect(abs(history.cohort[g][0][into]! - 1) < 0.06, "into the dip, R+\(g)")
            #expect(abs(history.cohort[g][0][into + 1]! - 1) < 0.06, "out of the dip, R+\(g)")
        }
        // A steady school has nothing to repair.
        let steadyFolder = try Self.school(dip: nil), smallFolder = try Self.school(size: 0.95)
        let steady = try PlacePlanFormat.load(directory: steadyFolder.directory)
        #expect(RatioHistory(data: steady).transients.isEmpty)
        // Nor does a smaller move (5%) in a steady school: it is within the 10% floor.
        let small = try PlacePlanFormat.load(directory: smallFolder.directory)
        #expect(RatioHistory(data: small).transients.isEmpty)
    }

    /// From the year after the dip and from four years after it: the forecast stays near the
    /// school's 4,200 pupils and the 95% band's upper end stays under twice the forecast one
    /// to three years ahead (it was 126 times it before).
    @Test func intervalsAfterTheDipStaySane() throws {
        for last in [2021, 2024] {
            let d = try Self.school(last: last)
            let data = try PlacePlanFormat.load(directory: d.directory)
            let run = try ScenarioRunner.run(
                data, scenarios: [], overrides: AssumptionOverrides(horizon: 5), uncertainty: UncertaintySettings(draws: 1000, seed: 2026))
            let draws = try #require(run.draws?.first)
            for h in 1...3 {
                let forecast = run.forecast.pupils(data.lastCensus + h, area: 0, phase: .primary)
                #expect(abs(forecast / 4200 - 1) < 0.05, "from \(data.lastCensus), h\(h): forecast \(forecast)")
                let upper = draws.total(step: h, area: 0, phase: .primary, 6), lower = draws.total(step: h, area: 0, phase: .primary, 0)
                #expect(upper < 2 * forecast && lower > forecast / 2, "from \(data.lastCensus), h\(h): 95% \(lower)-\(upper) around \(forecast)")
            }
        }
    }

    /// A wild origin that is not recognised as a transient can at most quadruple the own mean
    /// square at its horizon against the worst other origin; several large ones (a change of
    /// regime) are left alone, and so is a pair.
    @Test func oneOriginsMissesAreBounded() {
        #expect(ErrorScale.capped([1, 2, 100]) == [1, 2, 8])
        #expect(ErrorScale.capped([1, 50, 100]) == [1, 50, 100])
        #expect(ErrorScale.capped([1, 100]) == [1, 100])
    }

    /// The adaptation's step is bounded: one origin whose forecasts all missed widens the
    /// next bands by e^(γ × 0.8) at 80% and e^(γ × 0.95) at 95%, no more however far they
    /// missed; one whose forecasts all held narrows them to e^(−γ × 0.2) and e^(−γ × 0.05).
    @Test func oneOriginWidensTheBandsAtMostByGammaTimesItsExcessMisses() {
        let γ = CalibratedErrors.adaptationRate
        // 30 steady scores from 2010 (origin + horizon ≤ 2012), then the origin 2012's forecasts.
        let past = (0..<30).map { i in CalibratedErrors.Score(origin: AcademicYear(2010), horizon: 1, score: 0.05 * Double(i), measured: true) }
        for (now, expected) in [(1e6, [exp(γ * 0.8), exp(γ * 0.95)]), (100.0, [exp(γ * 0.8), exp(γ * 0.95)]), (0.0, [exp(-γ * 0.2), exp(-γ * 0.05)])] {
            let latest = (0..<10).map { _ in CalibratedErrors.Score(origin: AcademicYear(2012), horizon: 1, score: now, measured: true) }
            let w = CalibratedErrors.adapt(past + latest, origins: [AcademicYear(2010), AcademicYear(2012)], rate: γ)
            let step = w[1] ?? []
            #expect(step.count == 2 && zip(step, expected).allSatisfy { abs($0 / $1 - 1) < 1e-12 }, "scores \(now): \(step)")
        }
    }

    /// `--exclude-years`: the ratios into the census named are left out, cohort and intake.
    @Test func excludedYearsLeaveTheirRatiosOut() throws {
        let d = try Self.school()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let history = RatioHistory(data: data, excludedYears: [AcademicYear(2018)])
        let i = history.years.firstIndex(of: AcademicYear(2018))!
        #expect((0..<6).allSatisfy { history.cohort[$0][0][i - 1] == nil })
        #expect(history.intake[0][i] == nil && history.intake[0][i + 1] != nil)
        let model = try CohortModel.fit(data, options: ModelOptions(excludedYears: [AcademicYear(2018)]))
        #expect(model.options.excludedYearsText == "2018/19")
    }

    /// A year left out must be one the forecast could learn from: one after the origin is an
    /// error naming the option (or the scenario's line); one before the first census (an LA
    /// whose series starts late) has nothing to leave out, and a note says so.
    @Test func excludedYearsOutsideTheCensusAreNamed() throws {
        let d = try Self.school()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let first = try #require(data.rolls.years.first), last = data.lastCensus
        let e = error { _ = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 3, excludedYears: [last + 1])) }
        guard case .invalidOption(let option, let message, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(option == "--exclude-years" && message == "\(last + 1) is after the census a forecast from \(last) starts from")
        let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 3, excludedYears: [first - 1, first + 1]))
        #expect(run.notes.contains("\(first - 1), left out of estimation, is before the data's first census (\(first)): nothing to leave out"))
        let plain = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 3, excludedYears: [first + 1]))
        #expect(!plain.notes.contains { $0.contains("nothing to leave out") })
    }
}
