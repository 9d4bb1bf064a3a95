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

    /// A year's band is the same however far ahead the run forecasts: the inner backtest
    /// measures ``EmpiricalErrors/measuredHorizon`` years ahead whatever `--years` is (until
    /// December 2026 it measured as far as asked, and a 10-year run's bands a year ahead
    /// differed from a 5-year run's).
    @Test func aYearsBandDoesNotDependOnTheYearsForecast() throws {
        let data = try DataSource.load(demoDirectory)
        let settings = UncertaintySettings(draws: 200, seed: 3, threads: 2)
        let bands = try [2, 5, 9].map { years -> [Double] in
            let r = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: years), uncertainty: settings)
            let d = try #require(r.draws?.first)
            return (1...2).flatMap { h in
                r.forecast.areas.indices.flatMap { a in
                    ReportingPhase.allCases.flatMap { phase in (0..<7).map { d.total(step: h, area: a, phase: phase, $0) } }
                }
            }
        }
        #expect(bands[0].contains { $0 > 0 })
        #expect(bands[0] == bands[1] && bands[1] == bands[2])
    }

    /// The legend's sentence on the adaptation: the largest move of each phase's 80% bands and
    /// its year, widened or narrowed, and nothing under a move by half.
    @Test func theLegendSaysWhereTheAdaptationMovedTheBands() throws {
        let r = try run(threads: 2, draws: 100)
        var d = try #require(r.draws?.first)
        let f = r.forecast
        d.widening = [[1, 1.2, 3.44, 2.0, 2.0, 2.0], [1, 1, 0.9, 0.55, 0.7, 0.7]]
        #expect(ScenarioHeader.adaptation(d, f, phases: ReportingPhase.allCases)
            == " The 80% bands are widened where earlier forecasts missed more often than their bands allowed (primary up to 3.4 times, in \(f.years[1])), and narrowed where they held more often (secondary to 0.6 times, in \(f.years[2])).")
        d.widening = [[1, 1.4, 1.4, 1.4, 1.4, 1.4], [1, 0.7, 0.7, 0.7, 0.7, 0.7]]
        #expect(ScenarioHeader.adaptation(d, f, phases: ReportingPhase.allCases) == "")
        d.widening = []
        #expect(ScenarioHeader.adaptation(d, f, phases: ReportingPhase.allCases) == "")
        // Uncalibrated SEND draws have no factors at all.
        #expect(ScenarioHeader.adaptation([("EHCP plans", [])], years: f.years) == "")
    }

    /// The draws centre on the forecast / e^μ(h): every area's P50 sits about where
    /// ``DrawSummary/centreShift(phase:step:)`` says, and the table's legend states it.
    @Test func theDrawsCentreWhereTheLegendSays() throws {
        let r = try run(threads: 2, draws: 600)
        let d = try #require(r.draws?.first)
        #expect(d.bias.count == 2 && d.bias.allSatisfy { $0.count == 6 && $0[0] == 0 })
        var checked = 0
        for phase in ReportingPhase.allCases {
            let shift = try #require(d.centreShift(phase: phase, step: 5))
            for (a, area) in r.forecast.areas.enumerated() where area.phase.yearGroups.contains(where: { ReportingPhase($0) == phase }) {
                let forecast = area.phase.yearGroups.filter { ReportingPhase($0) == phase }.reduce(0.0) { $0 + r.forecast.pupils(r.forecast.years[4], area: a, $1, column: 0) }
                let median = d.total(step: 5, area: a, phase: phase, 3)
                #expect(abs(median / forecast - (1 + shift)) < 0.01, "\(area.id) \(phase): P50 \(median), forecast \(forecast), shift \(shift)")
                checked += 1
            }
        }
        #expect(checked == r.forecast.areas.count)
        let text = try SufficiencyOutput(r, dataLabel: "demo").render(.table)
        let p = try #require(d.centreShift(phase: .primary, step: 5))
        let stated = abs(p) < 0.0005 ? "primary and secondary within 0.05% of it" : "primary \(Format.percent(abs(p))) \(p < 0 ? "below" : "above") it"
        #expect(text.replacingOccurrences(of: "\n  ", with: " ").contains(stated), "\(text.prefix(1200))")
    }

    /// Selection gives exactly the sorted order statistics, with ties, skew, a far outlier
    /// (every value in one histogram bin), short and long arrays.
    @Test func quantilesEqualSorting() {
        var rng = DrawRandom(seed: 11, stream: 0)
        for trial in 0..<24 {
            let n = trial < 20 ? 2048 + trial * 517 : 9 + trial * 7
            var v = (0..<n).map { _ -> Double in
                let x = rng.normal()
                return trial % 3 == 0 ? (x * 3).rounded() : trial % 3 == 1 ? exp(2 * x) : x
            }
            if trial % 4 == 3 { v[trial] = 1e15 }
            let sorted = v.sorted()
            for rule in [Quantiles.Rule.linear, .midpoint] {
                let q = Quantiles.of(v, UncertaintySettings.quantiles, rule: rule)
                for (p, value) in zip(UncertaintySettings.quantiles, q) {
                    let x = rule == .linear ? p * Double(n - 1) : p * Double(n) - 0.5, i = Int(x), f = x - Double(i)
                    #expect(abs(value - (sorted[i] + f * (sorted[i + 1] - sorted[i]))) < 1e-12, "trial \(trial) p \(p) \(rule)")
                }
            }
        }
    }

    @Test func quantilesInterpolateOrderStatistics() {
        let v: [Double] = [5, 1, 4, 2, 3]
        #expect(Quantiles.of(v, [0, 0.5, 1, 0.25]) == [1, 3, 5, 2])
        // Hazen's rule: x₍ᵣ₎ stands for (r + ½) / n, clamped at the ends.
        #expect(Quantiles.of(v, [0.1, 0.5, 0.9, 0.25, 0.02, 0.99], rule: .midpoint) == [1, 3, 5, 1.75, 1, 5])
        // On the draws' midpoint grid it reads the normal's own quantiles; type 7 reads them
        // inside (P97.5 at 97.45% with 1,000 draws).
        let grid = Simulation.normalGrid(1000)
        let exact = [0.025, 0.1, 0.9, 0.975].map(NormalQuantile.of)
        let midpoint = Quantiles.of(grid, [0.025, 0.1, 0.9, 0.975], rule: .midpoint)
        #expect(zip(midpoint, exact).allSatisfy { abs($0 - $1) < 2e-4 }, "\(midpoint) against \(exact)")
        let linear = Quantiles.of(grid, [0.975])[0]
        #expect(exact[3] - linear > 5e-3, "\(linear)")
    }

    /// The copula's draws are stratified: every area's values are exactly the midpoint grid
    /// Φ⁻¹((r + ½) / D) whatever the seed, the seed decides only their order, and the areas
    /// keep the Gaussian copula's dependence (correlation about ρ).
    @Test func copulaMarginalsAreNormalScoresWhateverTheSeed() {
        let D = 2000, A = 4
        let grid = (0..<D).map { NormalQuantile.of((Double($0) + 0.5) / Double(D)) }
        let one = Simulation.copula(draws: D, areas: A, commonShares: [0.6, 0], seed: 1)
        let two = Simulation.copula(draws: D, areas: A, commonShares: [0.6, 0], seed: 2)
        for column in 0..<(A * 2) {
            let x = (0..<D).map { one[$0 * A * 2 + column] }
            #expect(x.sorted() == grid)
            #expect(x != (0..<D).map { two[$0 * A * 2 + column] }, "another seed, another order")
        }
        func correlation(_ v: [Double], _ i: Int, _ j: Int) -> Double {
            (0..<D).reduce(0) { $0 + v[$1 * A * 2 + i] * v[$1 * A * 2 + j] } / grid.reduce(0) { $0 + $1 * $1 }
        }
        // Columns (a · 2 + p): areas 0 and 1 of the primary (ρ = 0.6) and of the secondary (ρ = 0).
        #expect(abs(correlation(one, 0, 2) - 0.6) < 0.05, "\(correlation(one, 0, 2))")
        #expect(abs(correlation(one, 1, 3)) < 0.07, "\(correlation(one, 1, 3))")
        #expect(abs(correlation(one, 0, 1)) < 0.07, "the phases are independent")
        // Normal scores keep the order, ties by position, and are the grid.
        let g = Simulation.normalGrid(4)
        #expect(Simulation.normalScores([3, 1, 2, 1]) == [g[3], g[0], g[2], g[1]])
        #expect(abs(g[0] + g[3]) < 1e-12 && abs(g[3] - NormalQuantile.of(0.875)) < 1e-12)
    }

    /// So an area's phase-total quantiles, a monotone function of its copula value, are
    /// the same whatever the seed (with independent normals they moved with it), and its P50
    /// is the calibrated median.
    @Test func phaseTotalQuantilesCarryNoSeedNoise() throws {
        let data = try DataSource.load(demoDirectory)
        let model = try CohortModel.fit(data, options: ModelOptions(estimator: .mean(years: 3)))
        let applied = try AppliedScenario.apply(.baseline, to: data, origin: data.lastCensus, horizon: 3)
        var rng = DrawRandom(seed: 9, stream: 0)
        var records: [EmpiricalErrors.Record] = []
        for o in 0..<8 {
            for a in data.areas.indices {
                for p in 0..<2 {
                    for h in 1...2 { records.append(.init(origin: data.lastCensus - 10 + o, area: a, phase: p, horizon: h, logError: 0.02 * Double(h) * rng.normal())) }
                }
            }
        }
        let errors = EmpiricalErrors(records: records)
        func run(_ seed: UInt64) throws -> DrawSummary {
            try Simulation.run(data, model: model, empirical: errors, applied: applied, horizon: 3, settings: UncertaintySettings(draws: 1001, seed: seed, threads: 2))
        }
        let one = try run(1), two = try run(2)
        let calibrated = try #require(errors.calibrated(areas: data.areas.count, horizon: 3))
        let f = try Projector.project(data, model: model, horizon: 3)
        var checked = 0
        for (a, area) in data.areas.enumerated() {
            for phase in ReportingPhase.allCases where area.phase.yearGroups.contains(where: { ReportingPhase($0) == phase }) {
                for h in 1...3 {
                    let q1 = (0..<7).map { one.total(step: h, area: a, phase: phase, $0) }
                    let q2 = (0..<7).map { two.total(step: h, area: a, phase: phase, $0) }
                    #expect(zip(q1, q2).allSatisfy { abs($0 / $1 - 1) < 1e-9 }, "\(area.id) \(phase) h\(h): \(q1) against \(q2)")
                    #expect(q1[5] - q1[1] > 0.01 * q1[3], "a band, not a point")
                    let e = calibrated.phases[phase == .primary ? 0 : 1]
                    let point = f.pupils(data.lastCensus + h, area: a, phase: phase) / exp(e.location[h] + e.scale[a][h] * e.score(0, horizon: h))
                    #expect(abs(q1[3] / point - 1) < 1e-9, "\(area.id) \(phase) h\(h): P50 \(q1[3]), calibrated median \(point)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 3 * data.areas.count)
    }

    /// Records with the same error in every area (all common, a pure bias) give every
    /// draw's phase total as forecast / e^μ(h): ζ is symmetric, so the median sits there.
    @Test func drawsCentreOnTheMeasuredBias() throws {
        let data = try DataSource.load(demoDirectory)
        let model = try CohortModel.fit(data, options: ModelOptions(estimator: .mean(years: 3)))
        let applied = try AppliedScenario.apply(.baseline, to: data, origin: data.lastCensus, horizon: 2)
        var records: [EmpiricalErrors.Record] = []
        for o in 0..<3 {
            for a in data.areas.indices {
                for p in 0..<2 {
                    records.append(.init(origin: data.lastCensus - 4 + o, area: a, phase: p, horizon: 1, logError: log(1.1)))
                    records.append(.init(origin: data.lastCensus - 4 + o, area: a, phase: p, horizon: 2, logError: log(0.95)))
                }
            }
        }
        let errors = EmpiricalErrors(records: records)
        let d = try Simulation.run(data, model: model, empirical: errors, applied: applied, horizon: 2, settings: UncertaintySettings(draws: 2001, seed: 1, threads: 2))
        let f = try Projector.project(data, model: model, horizon: 2)
        for (a, area) in data.areas.enumerated() where area.phase == .primary {
            let point = f.pupils(data.lastCensus + 1, area: a, phase: .primary)
            #expect(abs(d.total(step: 1, area: a, phase: .primary, 3) / (point / 1.1) - 1) < 0.01)
            let later = f.pupils(data.lastCensus + 2, area: a, phase: .primary)
            #expect(abs(d.total(step: 2, area: a, phase: .primary, 3) / (later / 0.95) - 1) < 0.01)
        }
    }

    /// The scale: the measured bias is the mean common error, σ_c its root mean square, the
    /// own part is what is left, and beyond the longest measured horizon both grow as
    /// (h / H)^1.5. The location keeps the bias only as far as it persisted (κ).
    @Test func errorScaleSeparatesCommonAndOwnErrors() throws {
        // Two origins, two areas, one horizon: common parts +0.02 and −0.01, own ±0.03.
        let r: [EmpiricalErrors.Record] = [
            .init(origin: AcademicYear(2015), area: 0, phase: 0, horizon: 1, logError: 0.05), .init(origin: AcademicYear(2015), area: 1, phase: 0, horizon: 1, logError: -0.01),
            .init(origin: AcademicYear(2016), area: 0, phase: 0, horizon: 1, logError: 0.02), .init(origin: AcademicYear(2016), area: 1, phase: 0, horizon: 1, logError: -0.04),
        ]
        let s = try #require(ErrorScale.fit(r, areas: 2))
        #expect(abs(s.mean[1]! - 0.005) < 1e-12)
        // 2016's common error (−0.01) went against the bias 2015 had shown (+0.02): κ = 0,
        // so the bands centre on the forecast and the bias counts as spread.
        #expect(s.biasPersistence == 0 && s.location(1) == 0 && s.location(4) == 0)
        #expect(abs(s.common[1]! - (0.0005 / 2).squareRoot()) < 1e-12)
        #expect(abs(s.own[1]! - 0.03) < 1e-9)
        #expect(abs(s.scale(4, area: 0) / s.scale(1, area: 0) - 8) < 1e-9)
        // The same errors with 2016's common part +0.02 too: the bias persisted, κ = 1.
        let persistent = try #require(ErrorScale.fit(r.map { var e = $0; if e.origin == AcademicYear(2016) { e.logError += 0.03 }; return e }, areas: 2))
        #expect(abs(persistent.biasPersistence - 1) < 1e-12)
        #expect(abs(persistent.location(1) - 0.02) < 1e-12)
        #expect(abs(persistent.location(4) - 0.02 * 8) < 1e-12)
    }

    /// κ, the bias persistence: the least-squares coefficient of each inner origin's common
    /// error on the bias measured before it (outcomes known at that origin), in [0, 1]; 0
    /// without an earlier bias to compare with; the same whatever the order of the cells.
    @Test func biasPersistenceMeasuresHowFarABiasCarriedOver() {
        func y(_ o: Int) -> AcademicYear { AcademicYear(o) }
        // Horizon 1: 2014's +0.02, then 2015 at +0.01 (half the bias known then, +0.02), and
        // 2016 at +0.015 (the bias known then, the mean of 2014 and 2015): the coefficient is
        // (0.02·0.01 + 0.015·0.015) / (0.02² + 0.015²).
        let cells: [(horizon: Int, origin: AcademicYear, value: Double)] = [(1, y(2014), 0.02), (1, y(2015), 0.01), (1, y(2016), 0.015)]
        let k = ErrorScale.biasPersistence(cells)
        #expect(abs(k - (0.02 * 0.01 + 0.015 * 0.015) / (0.02 * 0.02 + 0.015 * 0.015)) < 1e-12)
        // A two-year error of 2014 is known only at 2016: 2015's two-year error has no bias
        // before it; 2016's has 2014's.
        let two = cells + [(2, y(2014), 0.04), (2, y(2015), -0.03), (2, y(2016), 0.04)]
        let k2 = ErrorScale.biasPersistence(two)
        #expect(abs(k2 - (0.02 * 0.01 + 0.015 * 0.015 + 0.04 * 0.04) / (0.02 * 0.02 + 0.015 * 0.015 + 0.04 * 0.04)) < 1e-12)
        // Biases that flip sign: clamped at 0; larger and larger: clamped at 1.
        #expect(ErrorScale.biasPersistence([(1, y(2014), 0.02), (1, y(2015), -0.02), (1, y(2016), 0.02)]) == 0)
        #expect(ErrorScale.biasPersistence([(1, y(2014), 0.01), (1, y(2015), 0.02), (1, y(2016), 0.04)]) == 1)
        // One origin, or every origin at a horizon no earlier outcome reached: no evidence.
        #expect(ErrorScale.biasPersistence([(1, y(2014), 0.02)]) == 0)
        #expect(ErrorScale.biasPersistence([(3, y(2014), 0.02), (3, y(2015), 0.02)]) == 0)
        var shuffled = two
        var generator = SplitMix64(seed: 11)
        for _ in 0..<10 {
            shuffled.shuffle(using: &generator)
            #expect(ErrorScale.biasPersistence(shuffled) == k2)
        }
    }

    /// The chain ladder: a horizon that only some origins reached is judged by the growth
    /// those origins showed from the horizon before, applied to every origin's own level;
    /// where every origin has a horizon it is the plain mean; and the result does not
    /// depend on the order of the cells, to the last bit.
    @Test func chainLadderProjectsEachOriginByTheOthersGrowth() {
        let a = AcademicYear(2013), b = AcademicYear(2014), c = AcademicYear(2015)
        // a reached three horizons, b two, c one.
        let cells: [(horizon: Int, origin: AcademicYear, value: Double)] = [
            (1, a, 1), (2, a, 4), (3, a, 9), (1, b, 2), (2, b, 6), (1, c, 0.5),
        ]
        let r = ErrorScale.chainLadder(cells)
        #expect(r[1] == 3.5 / 3)
        // F(2) = (4 + 6) / (1 + 2); c's 0.5 grows by it.
        #expect(abs(r[2]! - (4 + 6 + 0.5 * 10 / 3) / 3) < 1e-12)
        // F(3) = 9 / 4 from a alone, applied to b's 6 and c's projected 5/3.
        #expect(abs(r[3]! - (9 + 6 * 9 / 4 + 0.5 * 10 / 3 * 9 / 4) / 3) < 1e-12)
        // The plain mean at h3 would be 9, a's alone: the chain ladder lowers it because the
        // origins with smaller errors count too.
        #expect(r[3]! < 9)
        let complete = ErrorScale.chainLadder([(1, a, 1), (2, a, 4), (1, b, 3), (2, b, 2)])
        #expect(complete == [1: 2, 2: 3])
        var shuffled = cells
        var generator = SplitMix64(seed: 7)
        for _ in 0..<20 {
            shuffled.shuffle(using: &generator)
            #expect(ErrorScale.chainLadder(shuffled) == r)
        }
    }

    /// The own spread of a phase's scale comes from the chain ladder: an early origin with
    /// large own errors at every horizon does not set the far horizon alone.
    @Test func ownSpreadOfUnreachedHorizonsFollowsTheChainLadder() throws {
        var r: [EmpiricalErrors.Record] = []
        // Origin 2013: own errors ±0.04 a year ahead, ±0.08 two years ahead; origin 2014:
        // ±0.01 a year ahead and no outcome two years ahead yet.
        for (origin, h, e) in [(2013, 1, 0.04), (2013, 2, 0.08), (2014, 1, 0.01)] {
            r.append(.init(origin: AcademicYear(origin), area: 0, phase: 0, horizon: h, logError: e))
            r.append(.init(origin: AcademicYear(origin), area: 1, phase: 0, horizon: h, logError: -e))
        }
        let s = try #require(ErrorScale.fit(r, areas: 2))
        // Own mean squares (the area weights are equal here): h1 (0.04² + 0.01²) / 2; h2 the
        // mean of 2013's 0.08² and 2014's 0.01² grown by the factor 0.08² / 0.04² = 4.
        #expect(abs(s.own[1]! - ((0.0016 + 0.0001) / 2).squareRoot()) < 1e-12)
        #expect(abs(s.own[2]! - ((0.0064 + 0.0004) / 2).squareRoot()) < 1e-12)
        #expect(s.own[2]! < 0.08, "the plain mean would read 2013's 0.08 alone")
    }

    /// Recalibration: when the errors of later origins were three times what the scale
    /// fitted before them expected, the scores widen ζ beyond the normal.
    @Test func pastMissesWidenTheScores() throws {
        var records: [EmpiricalErrors.Record] = []
        var rng = DrawRandom(seed: 3, stream: 0)
        for o in 2010..<2020 {
            let size = o < 2013 ? 0.01 : 0.03
            for a in 0..<20 { records.append(.init(origin: AcademicYear(o), area: a, phase: 0, horizon: 1, logError: size * rng.normal())) }
        }
        let c = try #require(EmpiricalErrors(records: records).calibrated(areas: 20, horizon: 1))
        #expect(c.phases[0].scores.count >= 30)
        #expect(c.phases[0].score(1.2816, horizon: 1) > 1.2816)
        let calm = EmpiricalErrors(records: records.map { var r = $0; r.logError = 0.01 * r.logError / (r.origin.startYear < 2013 ? 0.01 : 0.03); return r })
        let steady = try #require(calm.calibrated(areas: 20, horizon: 1))
        #expect(steady.phases[0].score(1.2816, horizon: 1) < c.phases[0].score(1.2816, horizon: 1))
    }

    /// Adaptive conformal widening: when the errors of a horizon grow in the later origins,
    /// replaying the origins widens that horizon's intervals (and not a steady horizon's as
    /// much); when they shrink, it narrows them; γ = 0 leaves the scores as they are.
    @Test func adaptationFollowsTheMissesOfEachHorizon() throws {
        func records(late: Double) -> [EmpiricalErrors.Record] {
            var rng = DrawRandom(seed: 5, stream: 0)
            var out: [EmpiricalErrors.Record] = []
            for o in 2008..<2020 {
                for a in 0..<20 {
                    out.append(.init(origin: AcademicYear(o), area: a, phase: 0, horizon: 1, logError: 0.01 * rng.normal()))
                    out.append(.init(origin: AcademicYear(o), area: a, phase: 0, horizon: 2, logError: (o < 2014 ? 0.02 : late) * rng.normal()))
                }
            }
            return out
        }
        let drifting = try #require(EmpiricalErrors(records: records(late: 0.06)).calibrated(areas: 20, horizon: 3))
        let w = drifting.phases[0].widening
        #expect(w[2][0] > 1.2 && w[2][1] > 1.2, "\(w)")
        #expect(w[2][0] > w[1][0])
        #expect(w[3] == w[2], "beyond the longest measured horizon, its widening")
        // When they shrink: the 95% band narrows, and the 80% band narrows against the steady
        // horizon's (which the scores pooled over horizons widen; a band never narrows further
        // ahead, so the 80% band's e^θ is held at the steady horizon's times its scale ratio).
        let calming = try #require(EmpiricalErrors(records: records(late: 0.005)).calibrated(areas: 20, horizon: 2))
        let c = calming.phases[0].widening
        #expect(c[2][1] < 1, "\(c) \(calming.phases[0].scale[0])")
        #expect(c[2][0] < c[1][0] && c[2][0] < w[2][0], "\(c)")
        let off = try #require(EmpiricalErrors(records: records(late: 0.06)).calibrated(areas: 20, horizon: 2, adaptation: 0))
        #expect(off.phases[0].widening.allSatisfy { $0 == [1, 1] })
        let p = off.phases[0], x = NormalQuantile.of(0.95)  // u = 2Φ(x) − 1 = 0.9: between the adapted levels
        #expect(abs(p.score(x, horizon: 2) - Quantiles.of(p.scores, [0.9])[0]) < 1e-6)
        #expect(drifting.phases[0].score(x, horizon: 2) > p.score(x, horizon: 2))
        #expect(drifting.phases[0].score(-x, horizon: 2) == -drifting.phases[0].score(x, horizon: 2))
        // The adapted quantile function stays non-decreasing.
        for h in 0...3 {
            let z = stride(from: 0.0, through: 4, by: 0.05).map { drifting.phases[0].score($0, horizon: h) }
            #expect(zip(z, z.dropFirst()).allSatisfy { $0 <= $1 })
        }
    }

    /// When the 80% intervals are widened and the 95% ones narrowed so far that the adapted
    /// quantiles cross, the quantile function is rearranged (its values sorted), not capped:
    /// it keeps increasing, with no atom where P90 = P95 = P97.5, and keeps the values'
    /// distribution.
    @Test func crossingQuantilesAreRearrangedNotCapped() {
        let scores = (1...200).map { exp(Double($0) / 100) - 1 }
        let p = CalibratedErrors.Phase(location: [0, 0], scale: [[0, 0.01]], commonShare: 0, scores: scores, widening: [[1, 1], [2, 0.6]])
        let table = p.table(horizon: 1)
        let raw = scores.indices.map { i -> Double in
            let u = Double(i) / Double(scores.count - 1)
            return scores[i] * (u <= 0.8 ? 2 : u >= 0.95 ? 0.6 : 2 * pow(0.3, (u - 0.8) / 0.15))
        }
        #expect(zip(raw, raw.dropFirst()).contains { $0 > $1 }, "the adapted quantiles do cross")
        #expect(zip(table, table.dropFirst()).allSatisfy { $0 < $1 })
        #expect(abs(table.reduce(0, +) - raw.reduce(0, +)) < 1e-9)
        let z = [0.8, 0.9, 0.95, 0.975].map { p.score(NormalQuantile.of(0.5 + $0 / 2), horizon: 1) }
        #expect(zip(z, z.dropFirst()).allSatisfy { $0 < $1 }, "\(z)")
        // Before the rearrangement the 80% level read the scores × 2 and the 95% level × 0.6.
        let before = Quantiles.of(scores, [0.8, 0.95])
        #expect(z[0] < 2 * before[0], "the 80% level gives a little")
        #expect(z[2] > 0.6 * before[1], "the 95% level gains a little")
    }

    /// Only a scale measured at its horizon adapts: the same two-year misses widen the
    /// two-year intervals when the scale then had measured two years, and leave them as they
    /// are when it had extrapolated them from one.
    @Test func missesOfAnExtrapolatedScaleDoNotAdapt() {
        func scored(measured: Bool) -> [CalibratedErrors.Score] {
            var out: [CalibratedErrors.Score] = []
            for o in 2010..<2016 {
                for a in 0..<40 {
                    out.append(.init(origin: AcademicYear(o), horizon: 1, score: Double(a % 10) / 5, measured: true))
                    if o >= 2013 { out.append(.init(origin: AcademicYear(o), horizon: 2, score: 10 + Double(a), measured: measured)) }
                }
            }
            return out
        }
        let origins = (2010..<2016).map(AcademicYear.init)
        let adapted = CalibratedErrors.adapt(scored(measured: true), origins: origins, rate: 2)
        let extrapolated = CalibratedErrors.adapt(scored(measured: false), origins: origins, rate: 2)
        #expect((adapted[2]?[0] ?? 0) > 2, "\(adapted)")
        #expect(extrapolated[2] == nil, "\(extrapolated)")
        #expect(adapted[1] == extrapolated[1] && adapted[1] != nil)
    }

    /// A band never narrows further ahead: when one-year errors grew late and two-year
    /// errors shrank, the two-year widening is raised so that its band, at the areas' mean
    /// scale, is as wide as the one-year band.
    @Test func adaptedBandsDoNotNarrowWithTheHorizon() throws {
        var rng = DrawRandom(seed: 6, stream: 0)
        var records: [EmpiricalErrors.Record] = []
        for o in 2008..<2020 {
            for a in 0..<20 {
                records.append(.init(origin: AcademicYear(o), area: a, phase: 0, horizon: 1, logError: (o < 2014 ? 0.02 : 0.06) * rng.normal()))
                records.append(.init(origin: AcademicYear(o), area: a, phase: 0, horizon: 2, logError: (o < 2014 ? 0.02 : 0.005) * rng.normal()))
            }
        }
        let p = try #require(EmpiricalErrors(records: records).calibrated(areas: 20, horizon: 4)).phases[0]
        let mean = (0...4).map { h in p.scale.reduce(0) { $0 + $1[h] } / 20 }
        for h in 2...4 {
            for l in 0..<2 { #expect(p.widening[h][l] * mean[h] >= p.widening[h - 1][l] * mean[h - 1] * (1 - 1e-12)) }
        }
        #expect(abs(p.widening[2][0] * mean[2] - p.widening[1][0] * mean[1]) < 1e-12, "the rule binds at two years: \(p.widening)")
        // Without the adaptation the rule still holds the bands of the scale itself.
        let unadapted = try #require(EmpiricalErrors(records: records).calibrated(areas: 20, horizon: 4, adaptation: 0)).phases[0]
        let unadaptedMean = (0...4).map { h in unadapted.scale.reduce(0) { $0 + $1[h] } / 20 }
        #expect(unadapted.widening[1] == [1, 1])
        #expect(unadapted.widening[2][0] == max(1, unadaptedMean[1] / unadaptedMean[2]))
    }

    /// With no measured errors (a history too short for an inner backtest) the draws
    /// fall back to the parametric ratio-error model, which is then estimated.
    @Test func fallsBackToTheParametricModelWithoutPaths() throws {
        let data = try DataSource.load(demoDirectory)
        let model = try CohortModel.fit(data, options: ModelOptions(estimator: .mean(years: 3)))
        let applied = try AppliedScenario.apply(.baseline, to: data, origin: data.lastCensus, horizon: 3)
        let d = try Simulation.run(
            data, model: model, empirical: EmpiricalErrors(records: []), applied: applied, horizon: 3,
            settings: UncertaintySettings(draws: 200, seed: 5, threads: 2))
        let width1 = d.total(step: 1, area: 0, phase: .primary, 6) - d.total(step: 1, area: 0, phase: .primary, 0)
        let width3 = d.total(step: 3, area: 0, phase: .primary, 6) - d.total(step: 3, area: 0, phase: .primary, 0)
        #expect(width1 > 0 && width3 > width1)
    }

    /// Housing delivery draws: building half of a scheme's homes, on time, moves every
    /// draw (so every quantile) by minus half the scheme's pupils, and nothing else.
    @Test func housingDeliveryScalesTheSchemesPupils() throws {
        let data = try DataSource.load(demoDirectory)
        let d = try TemporaryData(files: [:])
        let housing = "name: h\nchanges:\n  - type: housing\n    area: P10\n    secondary_area: S3\n    completions: {2027: 400, 2028: 400}\n    mix: [{type: flat, bedrooms: 2, share: 1}]\n"
        func draws(_ extra: String) throws -> (DrawSummary, AppliedScenario) {
            let s = try ScenarioFile.load(try d.scenario("s\(extra.count).yaml", housing + extra))
            let applied = try AppliedScenario.apply(s, to: data, origin: data.lastCensus, horizon: 4)
            let model = try CohortModel.fit(data, options: ModelOptions(estimator: .mean(years: 3)))
            let errors = EmpiricalErrors.measure(data, options: ModelOptions(method: .fixed(.mean(years: 3))))
            return (try Simulation.run(data, model: model, empirical: errors, applied: applied, horizon: 4, settings: UncertaintySettings(draws: 101, seed: 4, threads: 2)), applied)
        }
        let (full, _) = try draws("")
        let (half, applied) = try draws("    delivery: {share: 0.5}\n")
        let scheme = try #require(applied.uncertainDelivery.first).pupils
        let A = data.areas.count
        var moved = 0
        for h in 1...4 {
            for a in 0..<A {
                for g in YearGroup.all {
                    let expected = -0.5 * scheme[h - 1][g.index * A + a]
                    for q in 0..<7 {
                        #expect(abs(half.quantile(step: h, area: a, g, q) - full.quantile(step: h, area: a, g, q) - expected) < 1e-6)
                    }
                    if expected != 0 { moved += 1 }
                }
            }
        }
        #expect(moved > 0)
        // A delay of up to 2 years: some draws get the pupils later, so the lower quantiles fall.
        let (late, _) = try draws("    delivery: {delay: 2}\n")
        let p10 = data.areas.firstIndex { $0.id == "P10" }!
        #expect(late.total(step: 2, area: p10, phase: .primary, 2) < full.total(step: 2, area: p10, phase: .primary, 2))
    }
}

/// Births the GLA file predicts with an interval widen the years they feed, and only those.
@Suite(.enabled(if: londonDirectory != nil, "needs ../shared/data/london"))
struct ProjectedBirthsTests {
    @Test func predictedBirthsWidenTheReceptionTheyFeed() throws {
        // Barnet's own errors, not the whole file's: their narrower bands let the births'
        // share of the width show in 400 draws.
        var data = try DataSource.load(londonDirectory!, authorities: ["Barnet"])
        data.calibrationPool = nil
        var plain = data
        plain.births = data.births.mapValues { var s = $0; s.lower = [:]; s.upper = [:]; return s }
        let model = try CohortModel.fit(data, options: ModelOptions(estimator: .mean(years: 3)))
        let errors = EmpiricalErrors.measure(data, options: ModelOptions(method: .fixed(.mean(years: 3))))
        let applied = try AppliedScenario.apply(.baseline, to: data, origin: data.lastCensus, horizon: 6)
        let settings = UncertaintySettings(draws: 400, seed: 9, threads: 2)
        let with = try Simulation.run(data, model: model, empirical: errors, applied: applied, horizon: 6, settings: settings)
        let without = try Simulation.run(plain, model: model, empirical: errors, applied: applied, horizon: 6, settings: settings)
        let width = { (d: DrawSummary, h: Int) in d.quantile(step: h, area: 0, YearGroup(0), 6) - d.quantile(step: h, area: 0, YearGroup(0), 0) }
        // Mid-2023 births (predicted, 4,507 to 4,737) feed Reception in 2027/28, five years on.
        let fed = BirthSeries.midYear(feeding: data.lastCensus + 5)
        #expect(data.births.values.first?.projected.contains(fed) == true)
        for h in 1...4 { #expect(width(with, h) == width(without, h)) }
        #expect(width(with, 5) > width(without, 5) * 1.01)
    }
}


/// The memory check before the draws counts what the run holds, linearly in the areas.
@Suite struct DrawMemoryTests {
    @Test func memoryGrowsLinearlyInTheAreas() {
        let small = DrawMemory.bytesPerDraw(areas: 15, parametric: false, overlays: false)
        let large = DrawMemory.bytesPerDraw(areas: 2_310, parametric: false, overlays: false)
        let buffers = 4 * 2 * DrawSummariser.scratchBytes(draws: 1)
        #expect(large - buffers == (small - buffers) / 15 * 2_310)
        #expect(DrawMemory.bytesPerDraw(areas: 15, parametric: true, overlays: true) > small)
        // The fixed part grows with the areas and the horizon, not with the draws.
        #expect(DrawMemory.fixedBytes(areas: 2_310, horizon: 15) > DrawMemory.fixedBytes(areas: 15, horizon: 15))
    }

    /// A run that does not fit is refused with the most draws that do; one whose fixed part
    /// alone does not fit is told to run without draws.
    @Test func refusesWhatDoesNotFit() {
        let memory = Int(UncertaintySettings.availableMemory)
        let fits = UncertaintySettings(draws: 1000)
        #expect(throws: Never.self) { try fits.check(bytesPerDraw: 1000, of: "test") }
        let e = error { try fits.check(bytesPerDraw: memory / 100, of: "15 planning areas") }
        guard case .invalidOption(let option, let message, let hint) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(option == "--draws" && message.contains("1,000 draws of 15 planning areas need about") && hint.contains("at most about"))
        #expect(e?.exitCode == 64)
        let fixed = error { try fits.check(bytesPerDraw: 8, fixedBytes: memory, of: "test") }
        guard case .invalidOption(_, _, let hint2) = fixed else { Issue.record("got \(String(describing: fixed))"); return }
        #expect(hint2.contains("run without --draws"))
        // Overflow in the product is a refusal, not a trap.
        #expect(error { try UncertaintySettings(draws: Int.max / 2).check(bytesPerDraw: 1 << 20, of: "test") }?.exitCode == 64)
    }
}

/// With `--la`, the chosen authority's bands are calibrated on the inner backtests of every
/// authority in the file: its calibrated errors are exactly its row of the whole file's; its
/// forecast is from its own ratios, with auto's estimators chosen on the whole file.
@Suite(.enabled(if: londonDirectory != nil, "needs ../shared/data/london"))
struct PooledCalibrationTests {
    @Test func oneAuthorityIsCalibratedOnTheWholeFile() throws {
        let one = try DataSource.load(londonDirectory!, authorities: ["Barnet"])
        let all = try DataSource.load(londonDirectory!)
        #expect(one.areas.map(\.id) == ["302"])
        #expect(one.calibrationPool?.data.areas.count == 33 && all.calibrationPool == nil)
        let options = ModelOptions(method: .fixed(.mean(years: 3)))
        let knownOne = one.atOrigin(one.lastCensus), knownAll = all.atOrigin(all.lastCensus)
        let pooled = EmpiricalErrors.measure(knownOne, options: options)
        let whole = EmpiricalErrors.measure(knownAll, options: options)
        let barnet = try #require(knownAll.areaIndex("302"))
        #expect(pooled.pool == EmpiricalErrors.AreaPool(areas: knownAll.areas.count, indices: [barnet]))
        #expect(pooled.records == whole.records)
        let c = try #require(pooled.calibrated(areas: 1, horizon: 5)), w = try #require(whole.calibrated(areas: knownAll.areas.count, horizon: 5))
        for p in 0..<2 {
            #expect(c.phases[p].scale == [w.phases[p].scale[barnet]])
            #expect(c.phases[p].location == w.phases[p].location && c.phases[p].scores == w.phases[p].scores)
            #expect(c.phases[p].widening == w.phases[p].widening && c.phases[p].commonShare == w.phases[p].commonShare)
        }
        // Barnet's own errors alone (a file holding only Barnet) give at most the 30 scores
        // the conformal step needs (fewer at every earlier census); the pool gives 33 times as many.
        var alone = knownOne
        alone.calibrationPool = nil
        let own = EmpiricalErrors.measure(alone, options: options)
        #expect(own.pool == nil && Set(own.records.map(\.area)) == [0])
        let ownScores = own.calibrated(areas: 1, horizon: 5)?.phases[0].scores.count ?? 0
        #expect(ownScores <= 30 && c.phases[0].scores.count > 20 * ownScores)
        // A count that does not match the pool's areas is no calibration, not a wrong one.
        #expect(pooled.calibrated(areas: 2, horizon: 5) == nil)
        // Runs with draws say which: the pool, or (a data set of few areas, nothing to pool
        // with) that the bands rest on few errors; a data set of many areas says neither.
        #expect(knownOne.calibrationPoolNote(options)?.hasPrefix("the intervals of 302 Barnet learn from the forecast errors of all 33 authorities") == true)
        #expect(knownOne.calibrationPoolNote(options)?.contains("validate best") == false)
        #expect(knownOne.calibrationPoolNote(ModelOptions())?.hasSuffix("its own ratios, with the estimators that validate best over them all (auto)") == true)
        #expect(knownOne.fewAreasNote == nil && alone.calibrationPoolNote(options) == nil)
        #expect(alone.fewAreasNote?.contains("few areas (primary 1 area, secondary 1 area)") == true)
        let demo = try DataSource.load(demoDirectory)
        #expect(demo.fewAreasNote == nil && demo.calibrationPoolNote(options) == nil)
        // The forecast is from Barnet's own ratios, with auto's estimators chosen on the whole
        // file: it is the whole file's forecast of Barnet, however Barnet is run.
        let (f1, m1) = try Projector.forecast(one, settings: ForecastSettings(horizon: 3))
        let (fAll, mAll) = try Projector.forecast(all, settings: ForecastSettings(horizon: 3))
        #expect(m1.selection == mAll.selection)
        let b = try #require(fAll.areas.firstIndex { $0.id == "302" })
        for h in 0...3 {
            for g in YearGroup.all { #expect(abs(f1.states[h][g, 0, 0] - fAll.states[h][g, b, 0]) < 1e-9 * max(1, fAll.states[h][g, b, 0])) }
        }
        // With one estimator named, there is nothing to choose, and the pool changes nothing.
        var plain = one
        plain.calibrationPool = nil
        let fixed = ForecastSettings(horizon: 3, model: options)
        let (g1, _) = try Projector.forecast(one, settings: fixed), (g2, _) = try Projector.forecast(plain, settings: fixed)
        #expect(g1.states.map { $0.total(column: 0) } == g2.states.map { $0.total(column: 0) })
    }
}
