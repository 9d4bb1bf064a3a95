import Foundation
import Testing
@testable import PlacePlanKit

@Suite struct RatioEstimatorTests {
    @Test func meanOfTheLastKYears() {
        #expect(RatioEstimator.mean(years: 3).estimate([0.5, 1.0, 1.1, 1.2]) == (1.0 + 1.1 + 1.2) / 3)
        // A missing year is skipped, not read as zero.
        #expect(RatioEstimator.mean(years: 3).estimate([1.0, nil, 1.1, 1.2]) == (1.1 + 1.2) / 2)
        #expect(RatioEstimator.mean(years: 1).estimate([0.9, 1.3]) == 1.3)
        #expect(RatioEstimator.mean(years: 3).estimate([nil, nil]) == nil)
        #expect(RatioEstimator.mean(years: 3).forecast([1, 2, 3], steps: 3) == [2, 2, 2])
    }

    @Test func weightedMeanFavoursRecentYears() {
        let r = RatioEstimator.weightedMean(years: 3).estimate([0.9, 1.0, 1.2])!
        #expect(abs(r - (0.9 * 1 + 1.0 * 2 + 1.2 * 3) / 6) < 1e-12)
        #expect(r > RatioEstimator.mean(years: 3).estimate([0.9, 1.0, 1.2])!)
    }

    @Test func medianIgnoresOneOddYear() {
        #expect(RatioEstimator.median(years: 3).estimate([1.0, 1.02, 0.80]) == 1.0)
        #expect(RatioEstimator.median(years: 4).estimate([1.0, 1.02, 0.80, 0.98]) == 0.99)
    }

    /// A straight line of ratios 1.00, 0.98, 0.96, 0.94 (slope −0.02): the damped trend
    /// continues from 0.94 with −0.02 φ, −0.02 φ², ... and never passes 0.94 − 0.02 φ/(1 − φ).
    @Test func dampedTrendContinuesTheLineAndLevelsOff() throws {
        let r = try #require(RatioEstimator.dampedTrend(years: 4, damping: 0.5).forecast([1.00, 0.98, 0.96, 0.94], steps: 30))
        #expect(abs(r[0] - (0.94 - 0.01)) < 1e-12)
        #expect(abs(r[1] - (0.94 - 0.01 - 0.005)) < 1e-12)
        #expect(r.allSatisfy { $0 > 0.94 - 0.02 - 1e-12 })
        #expect(RatioEstimator.dampedTrend(years: 4, damping: 0.5).forecast([1.1], steps: 2) == [1.1, 1.1])
        #expect(RatioEstimator.dampedTrend(years: 3, damping: 1).forecast([0.2, 0.1, 0.0], steps: 2) == [0, 0], "ratios are never negative")
    }

    @Test func holtFollowsAConstantSeriesExactly() throws {
        let r = try #require(RatioEstimator.holt(alpha: 0.7, beta: 0.3, damping: 0.8).forecast([1.05, 1.05, 1.05, 1.05], steps: 3))
        #expect(r.allSatisfy { abs($0 - 1.05) < 1e-12 })
    }

    @Test(arguments: ["mean3", "weighted5", "median3", "trend4-0.5", "holt-0.7-0.3-0.8", "shrunk-mean3"])
    func namesRoundTrip(name: String) throws {
        let e = try #require(RatioEstimator(parsing: name))
        #expect(e.description == name)
    }

    @Test func parsesMethods() {
        #expect(RatioMethod(parsing: "auto") == .auto)
        #expect(RatioMethod(parsing: "mean") == .fixed(.mean(years: 3)))
        #expect(RatioMethod(parsing: "mean0") == nil)
        #expect(RatioMethod(parsing: "trend1-0.5") == nil)
        #expect(RatioMethod(parsing: "holt-2-0.3-0.8") == nil)
    }
}

@Suite struct ShrinkageTests {
    /// Two large stable areas and one small noisy one: the noisy one moves toward the
    /// pooled ratio, the stable ones hardly at all.
    @Test func noisyAreasMoveTowardThePool() throws {
        let series: [[Double?]] = [[1.00, 1.00, 1.01], [0.96, 0.96, 0.95], [1.20, 0.70, 1.10]]
        let sizes: [Double] = [1000, 1000, 20]
        var parts: [[(numerator: Double, predictor: Double)?]] = []
        for (a, s) in series.enumerated() { parts.append(s.map { r in r.map { (numerator: $0 * sizes[a], predictor: sizes[a]) } }) }
        let own = RatioProjection.project(series: series, parts: parts, estimator: .mean(years: 3), steps: 1)
        let shrunk = RatioProjection.project(series: series, parts: parts, estimator: .shrunk(.mean(years: 3)), steps: 1)
        let pooled = RatioEstimator.mean(years: 3).estimate(RatioProjection.pooledSeries(parts))!
        var moved: [Double] = []
        for a in 0..<3 { moved.append(abs(shrunk[a]![0] - own[a]![0])) }
        #expect(moved[2] > 10 * max(moved[0], moved[1]))
        let ownDistance = abs(own[2]![0] - pooled), shrunkDistance = abs(shrunk[2]![0] - pooled)
        #expect(shrunkDistance < ownDistance)
    }
}

@Suite struct BirthsProjectionTests {
    let series = BirthSeries(key: "L", births: [2018: 100, 2019: 110, 2020: 120, 2021: 130, 2022: 140])

    @Test func knownYearsAreUsedAsTheyAre() {
        #expect(BirthsProjection.hold.births(series, midYear: 2020) == 120)
        #expect(BirthsProjection.trend(years: 5, damping: 0.8).births(series, midYear: 2021) == 130)
    }

    @Test func holdRepeatsTheLastYear() {
        #expect(BirthsProjection.hold.births(series, midYear: 2030) == 140)
        #expect(BirthsProjection.hold.births(series, midYear: 2010) == nil)
    }

    @Test func dampedTrendIsBounded() {
        let trend = BirthsProjection.trend(years: 5, damping: 0.8)
        #expect(abs(trend.births(series, midYear: 2023)! - (140 + 10 * 0.8)) < 1e-9)
        #expect(abs(trend.births(series, midYear: 2024)! - (140 + 10 * 0.8 + 10 * 0.64)) < 1e-9)
        // The total change never exceeds slope · φ / (1 − φ) = 40.
        #expect(trend.births(series, midYear: 2060)! < 180)
    }
}

@Suite struct CohortModelTests {
    /// Area A: R→Y1 ratios 0.9 (2021/22) and 1.0 (2022/23); the 3-year mean is 0.95 and
    /// the weighted mean (0.9 + 2 × 1.0) / 3.
    @Test func fitsCohortAndIntakeRatiosByHand() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let mean = try CohortModel.fit(data, options: ModelOptions(estimator: .mean(years: 3)))
        #expect(abs(mean.cohortRatios[0][0][0]! - 0.95) < 1e-12)
        #expect(abs(mean.intakeRatios[0][0]! - 0.5) < 1e-12)
        #expect(abs(mean.intakeRatios[0][1]! - 0.5) < 1e-12)
        #expect(abs(mean.cohortRatios[0][1][0]! - (50.0 / 80 + 50.0 / 90) / 2) < 1e-12)
        #expect(mean.cohortRatios[9][0][0] == mean.cohortRatios[0][0][0], "a mean gives the same ratio every year ahead")
        let weighted = try CohortModel.fit(data, options: ModelOptions(estimator: .weightedMean(years: 3)))
        #expect(abs(weighted.cohortRatios[0][0][0]! - 2.9 / 3) < 1e-12)
        // Primary areas have no Year 7: no ratio, not a zero.
        #expect(mean.cohortRatios[0][6][0] == nil)
        #expect(mean.selection == .fixed(.mean(years: 3)))
    }

    @Test func trendRatiosChangeWithTheStepAhead() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let model = try CohortModel.fit(data, options: ModelOptions(estimator: .dampedTrend(years: 3, damping: 0.5)))
        // R→Y1 in A: 0.9 then 1.0, slope 0.1: 1.0 + 0.05, then + 0.025.
        #expect(abs(model.cohortRatios[0][0][0]! - 1.05) < 1e-12)
        #expect(abs(model.cohortRatios[1][0][0]! - 1.075) < 1e-12)
        #expect(abs(model.transitions(step: 2)[0][0, 0] - 1.075) < 1e-12)
    }

    @Test func needsTwoCensuses() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let e = error { _ = try CohortModel.fit(data.asKnown(at: AcademicYear(2020))) }
        guard case .insufficientHistory = e else { Issue.record("got \(String(describing: e))"); return }
    }

    /// Year 7 of a secondary area is T · Y6 with T = diag(r) · shares: check one by hand.
    @Test func transferMatrixFromSharesByHand() throws {
        var rolls = "year,area,year_group,pupils\n"
        for y in 2020...2022 {
            for g in 0...6 { rolls += "\(y),P1,\(g),\(100 + 10 * (y - 2020))\n\(y),P2,\(g),50\n" }
            for g in 7...13 { rolls += "\(y),S,\(g),\(g == 7 ? 80 + 10 * (y - 2020) : 60)\n" }
        }
        let d = try TemporaryData(files: [
            "areas.csv": "id,name,phase,local_authority\nP1,P1,primary,L\nP2,P2,primary,L\nS,S,secondary,L\n",
            "schools.csv": "id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity\n",
            "rolls.csv": rolls,
            "births.csv": "area,year,births\nL,2016,300\nL,2017,300\nL,2018,300\nL,2019,300\n",
            "transfers.csv": "from_area,to_area,share\nP1,S,0.5\nP2,S,0.4\n",
        ])
        let data = try PlacePlanFormat.load(directory: d.directory)
        let options = ModelOptions(estimator: .mean(years: 3))
        let model = try CohortModel.fit(data, options: options)
        // Predictors: 0.5·100 + 0.4·50 = 70 then 0.5·110 + 0.4·50 = 75; Y7 90 and 100.
        let r = (90.0 / 70 + 100.0 / 75) / 2
        #expect(abs(model.cohortRatios[0][6][2]! - r) < 1e-12)
        #expect(abs(model.transitions(step: 1)[6][2, 0] - 0.5 * r) < 1e-12)
        #expect(abs(model.transitions(step: 1)[6][2, 1] - 0.4 * r) < 1e-12)
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 1, model: options))
        #expect(abs(forecast.pupils(AcademicYear(2023), area: 2, .year7) - r * (0.5 * 120 + 0.4 * 50)) < 1e-9)

        // Without a transfers file every primary area of the authority feeds with weight 1.
        try FileManager.default.removeItem(atPath: d.path("transfers.csv"))
        let plain = try CohortModel.fit(try PlacePlanFormat.load(directory: d.directory), options: options)
        #expect(abs(plain.cohortRatios[0][6][2]! - (90.0 / 150 + 100.0 / 160) / 2) < 1e-12)
    }
}

@Suite struct AutoSelectionTests {
    /// Ratios that fall steadily favour a trend or the latest year; ratios that are flat
    /// with noise favour a mean over several years. The choice comes from the data alone.
    @Test func choosesByInnerValidation() throws {
        let years = 10
        var falling: [[Double?]] = [[]], flat: [[Double?]] = [[]]
        var rng = SplitMix64(seed: 3)
        for t in 0..<years {
            falling[0].append(1.0 - 0.02 * Double(t))
            flat[0].append(1.0 + (rng.uniform() - 0.5) * 0.04)
        }
        func parts(_ s: [[Double?]]) -> [[(numerator: Double, predictor: Double)?]] {
            s.map { row in row.map { r in r.map { (numerator: $0 * 100, predictor: 100.0) } } }
        }
        let trendCandidates: [RatioEstimator] = [.mean(years: 3), .mean(years: 1), .dampedTrend(years: 4, damping: 0.8)]
        let fallingError = trendCandidates.map { EstimatorSelection.innerError(series: falling, parts: parts(falling), estimator: $0, horizon: 3) }
        let flatError = trendCandidates.map { EstimatorSelection.innerError(series: flat, parts: parts(flat), estimator: $0, horizon: 3) }
        #expect(fallingError[0].error > fallingError[1].error && fallingError[1].error > fallingError[2].error)
        #expect(flatError[0].error < flatError[1].error)
    }

    @Test func autoOnTheDemoReportsItsChoice() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try DataSource.load(root.appendingPathComponent("data").path)
        let model = try CohortModel.fit(data, options: ModelOptions(method: .auto))
        #expect(model.selection.how == "auto")
        #expect(model.selection.cohort.count == 13)
        #expect(model.selection.cohort.allSatisfy { RatioEstimator.candidates.contains($0) })
        // Short history: a model fitted on two censuses has no evidence and takes the first
        // candidate, the half-and-half blend of the last and the smoothed ratio.
        let short = try CohortModel.fit(data.asKnown(at: data.rolls.years[1]), options: ModelOptions(method: .auto))
        #expect(short.selection.cohort.allSatisfy { $0 == .blend(weight: 0.5, alpha: 0.6) } && short.selection.intake == .blend(weight: 0.5, alpha: 0.6))
    }
}
