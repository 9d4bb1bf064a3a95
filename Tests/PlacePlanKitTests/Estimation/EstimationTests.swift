import Foundation
import Testing
@testable import PlacePlanKit

@Suite struct RatioEstimatorTests {
    @Test func meanOfTheLastKObservedRatios() {
        #expect(RatioEstimator.mean(years: 3).estimate([0.5, 1.0, 1.1, 1.2]) == (1.0 + 1.1 + 1.2) / 3)
        #expect(RatioEstimator.mean(years: 3).estimate([1.0, nil, 1.1, 1.2]) == (1.0 + 1.1 + 1.2) / 3)
        #expect(RatioEstimator.mean(years: 1).estimate([0.9, 1.3]) == 1.3)
        #expect(RatioEstimator.mean(years: 3).estimate([nil, nil]) == nil)
    }

    @Test func weightedMeanFavoursRecentYears() {
        let r = RatioEstimator.weightedMean(years: 3).estimate([0.9, 1.0, 1.2])!
        #expect(abs(r - (0.9 * 1 + 1.0 * 2 + 1.2 * 3) / 6) < 1e-12)
        #expect(r > RatioEstimator.mean(years: 3).estimate([0.9, 1.0, 1.2])!)
    }

    @Test func parsesNames() {
        #expect(RatioEstimator(parsing: "mean5") == .mean(years: 5))
        #expect(RatioEstimator(parsing: "weighted:4") == .weightedMean(years: 4))
        #expect(RatioEstimator(parsing: "mean") == .mean(years: 3))
        #expect(RatioEstimator(parsing: "mean0") == nil)
        #expect(RatioEstimator(parsing: "median3") == nil)
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
        let mean = try CohortModel.fit(data)
        #expect(abs(mean.cohortRatios[0][0]! - 0.95) < 1e-12)
        #expect(abs(mean.intakeRatios[0]! - 0.5) < 1e-12)
        #expect(abs(mean.intakeRatios[1]! - 0.5) < 1e-12)
        #expect(abs(mean.cohortRatios[1][0]! - (50.0 / 80 + 50.0 / 90) / 2) < 1e-12)
        let weighted = try CohortModel.fit(data, options: ModelOptions(estimator: .weightedMean(years: 3)))
        #expect(abs(weighted.cohortRatios[0][0]! - 2.9 / 3) < 1e-12)
        // Primary areas have no Year 7: no ratio, not a zero.
        #expect(mean.cohortRatios[6][0] == nil)
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
        let model = try CohortModel.fit(data)
        // Predictors: 0.5·100 + 0.4·50 = 70 then 0.5·110 + 0.4·50 = 75; Y7 90 and 100.
        let r = (90.0 / 70 + 100.0 / 75) / 2
        #expect(abs(model.cohortRatios[6][2]! - r) < 1e-12)
        #expect(abs(model.transitions[6][2, 0] - 0.5 * r) < 1e-12)
        #expect(abs(model.transitions[6][2, 1] - 0.4 * r) < 1e-12)
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 1))
        #expect(abs(forecast.pupils(AcademicYear(2023), area: 2, .year7) - r * (0.5 * 120 + 0.4 * 50)) < 1e-9)

        // Without a transfers file every primary area of the authority feeds with weight 1.
        try FileManager.default.removeItem(atPath: d.path("transfers.csv"))
        let plain = try CohortModel.fit(try PlacePlanFormat.load(directory: d.directory))
        #expect(abs(plain.cohortRatios[6][2]! - (90.0 / 150 + 100.0 / 160) / 2) < 1e-12)
    }
}
