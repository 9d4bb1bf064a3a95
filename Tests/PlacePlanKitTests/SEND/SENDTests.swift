import Foundation
import Testing
@testable import PlacePlanKit

let demoDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data").path

/// The demo's SEND forecast under a set of scenario files (written to a scratch folder).
func demoSEND(_ scenarios: [String] = [], years: Int = 10) throws -> (SENDForecast, ScenarioForecast, DataSet) {
    let data = try DataSource.load(demoDirectory)
    let scratch = try TemporaryData(files: [:])
    let loaded = try scenarios.enumerated().map { try ScenarioFile.load(try scratch.scenario("s\($0.offset).yaml", $0.element)) }
    let run = try ScenarioRunner.run(data, scenarios: [.baseline] + loaded, overrides: AssumptionOverrides(horizon: years))
    let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
    return (try SENDRunner.run(history: history, data: data, run: run), run, data)
}

/// A scenario named "homes": market houses completed in P10 / S3 as `completions` says.
func homesScenario(completions: String) -> String {
    """
    name: homes
    changes:
      - type: housing
        area: P10
        secondary_area: S3
        completions: \(completions)
        mix: [{type: house, bedrooms: 3, tenure: market, share: 1}]
    """
}

@Suite struct SENDEngineTests {
    /// A calibration with random rates, for the engine's own properties.
    func calibration(cessation: Double, join: Double) -> SENDCalibration {
        var rng = SplitMix64(seed: 5)
        let G = YearGroup.count, N = SENDCalibration.needs.count
        let stock = (0..<G).map { _ in (0..<SENDCalibration.cells).map { _ in rng.uniform() * 20 } }
        let transition = (0..<G).map { _ in
            (0..<N).map { _ -> [[Double]] in
                let move = 0.1 * rng.uniform()
                return [[1 - move, move / 2, move / 2, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
            }
        }
        return SENDCalibration(
            origin: AcademicYear(2024), stock: stock, cessation: Array(repeating: cessation, count: G), joinRate: Array(repeating: join, count: G),
            growth: 0, needMix: Array(repeating: Array(repeating: 1.0 / Double(N), count: N), count: G),
            placementMix: Array(repeating: Array(repeating: [1, 0, 0, 0], count: N), count: G), transition: transition,
            independentAtOrigin: [Array(repeating: 0, count: N), Array(repeating: 0, count: N)])
    }

    func state(_ cal: SENDCalibration, columns: Int = 2) -> SENDState {
        var s = SENDState(columns: columns)
        for c in 0..<columns { for g in 0..<YearGroup.count { for k in 0..<SENDCalibration.cells { s[g, k, c] = cal.stock[g][k] * Double(c + 1) } } }
        return s
    }

    /// Stocks and flows balance: next = this − ceased − Year 13 leavers + joiners.
    @Test func stocksAndFlowsBalance() {
        let cal = calibration(cessation: 0.07, join: 0)
        let s = state(cal)
        var joiners = SENDState(columns: 2)
        for k in 0..<SENDCalibration.cells { joiners[3, k, 1] = 1 }
        let next = SENDEngine.step(s, blocks: SENDEngine.blocks(cal), joiners: joiners)
        for c in 0..<2 {
            var year13 = 0.0, ceased = 0.0
            for k in 0..<SENDCalibration.cells {
                year13 += s[13, k, c]
                for g in 0..<13 { ceased += 0.07 * s[g, k, c] }
            }
            let expected = s.total(column: c) - ceased - year13 + joiners.total(column: c)
            #expect(abs(next.total(column: c) - expected) < 1e-9)
        }
    }

    /// No new plans and no cessation: every cohort keeps its size, need by need.
    @Test func zeroRatesKeepACohortIntact() {
        let cal = calibration(cessation: 0, join: 0)
        let s = state(cal, columns: 1)
        let next = SENDEngine.step(s, blocks: SENDEngine.blocks(cal), joiners: SENDState(columns: 1))
        for g in 0..<13 {
            for n in 0..<SENDCalibration.needs.count {
                let before = DemandPlacement.allCases.reduce(0.0) { $0 + s[g, SENDCalibration.cell(n, $1), 0] }
                let after = DemandPlacement.allCases.reduce(0.0) { $0 + next[g + 1, SENDCalibration.cell(n, $1), 0] }
                #expect(abs(before - after) < 1e-9)
            }
        }
    }

    @Test func blasAgreesWithPlainLoops() {
        let cal = calibration(cessation: 0.05, join: 0)
        let s = state(cal, columns: 3)
        let blocks = SENDEngine.blocks(cal)
        let fast = SENDEngine.step(s, blocks: blocks, joiners: SENDState(columns: 3))
        let K = SENDCalibration.cells
        for c in 0..<3 {
            for g in 0..<13 {
                for q in 0..<K {
                    var v = 0.0
                    for p in 0..<K { v += blocks[g][q + p * K] * s[g, p, c] }
                    #expect(abs(fast[g + 1, q, c] - v) < 1e-9)
                }
            }
        }
    }

    @Test func trendAssumptions() {
        #expect(SENDTrend.hold.factor(growth: 0.1, years: 5) == 1)
        #expect(abs(SENDTrend.continueGrowth.factor(growth: 0.1, years: 2) - 1.21) < 1e-12)
        let damped = SENDTrend.damped(longRun: 0.02, persistence: 0.5)
        #expect(abs(damped.factor(growth: 0.1, years: 1) - 1.06) < 1e-12)
        #expect(abs(damped.factor(growth: 0.1, years: 2) - 1.06 * 1.04) < 1e-12)
        #expect(damped.factor(growth: 0.1, years: 10) < SENDTrend.continueGrowth.factor(growth: 0.1, years: 10))
    }
}

@Suite struct SENDCalibrationTests {
    @Test func startingTableKeepsThePublishedTotals() throws {
        let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
        let byAge = try #require(history.plansByAge[history.latestByAge!])
        let table = SENDCalibration.startingTable(history, byAge: byAge)
        for g in 0..<YearGroup.count {
            for p in DemandPlacement.allCases {
                let sum = (0..<SENDCalibration.needs.count).reduce(0.0) { $0 + table[g][SENDCalibration.cell($1, p)] }
                #expect(abs(sum - (byAge[g + 4]?[p] ?? 0)) < 1e-6)
            }
        }
        #expect(table.allSatisfy { $0.allSatisfy { $0 >= 0 } })
    }

    /// The joiner rates are scaled so that last year's plans, aged on, plus the joiners,
    /// give this year's total.
    @Test func levelReproducesTheLastYear() throws {
        let data = try DataSource.load(demoDirectory)
        let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
        let cal = try SENDCalibration.calibrate(history) { year in
            data.rolls.yearIndex(year).map { t in YearGroup.all.map { g in (0..<data.areas.count).reduce(0.0) { $0 + (data.rolls.pupils(yearIndex: t, area: $1, g) ?? 0) } } }
        }
        let latest = history.latestByAge!
        let previous = history.plansByAge[latest - 1]!
        let n = YearGroup.all.map { g in (0..<data.areas.count).reduce(0.0) { $0 + (data.rolls.pupils(yearIndex: data.rolls.yearIndex(cal.origin)!, area: $1, g) ?? 0) } }
        var predicted = (0..<YearGroup.count).reduce(0.0) { $0 + cal.joinRate[$1] * n[$1] }
        for g in 0..<13 { predicted += DemandPlacement.allCases.reduce(0.0) { $0 + (previous[g + 4]?[$1] ?? 0) } * (1 - cal.cessation[g]) }
        let actual = cal.stock.reduce(0) { $0 + $1.reduce(0, +) }
        #expect(abs(predicted - actual) < 1e-6 * actual)
        #expect(cal.growth > 0.05 && cal.growth < 0.15, "the demo's plans grow about 9% a year")
        #expect(cal.needMix.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-9 })
    }

    @Test(.enabled(if: londonDirectory != nil, "needs ../shared/data/london"))
    func readsBarnetFromTheDfEFiles() throws {
        let history = try EHCPHistory.load(directory: londonDirectory!, authority: "E09000003")
        #expect(history.authority == "Barnet")
        #expect(history.plansByBand[2016]?[.age5to10] != nil)
        #expect(history.latestByAge == 2025)
        let total = history.plansByAge[2025]!.values.reduce(0.0) { $0 + $1.values.reduce(0, +) }
        #expect(total == 3725)  // published plans at ages 4 to 17, January 2025
        #expect(history.needByPlacement[.asd]?[.arp] == 194.0)  // 83 academy + 111 LA maintained resourced provision
        // An authority the files do not hold is a gap in the data (the CLI's authority comes
        // from the census or areas.csv), which report and plan skip SEND for.
        let e = error { _ = try EHCPHistory.load(directory: londonDirectory!, authority: "Atlantis") }
        #expect(e?.exitCode == 65 && e?.message.contains("the EHCP files have no rows for Atlantis") == true)
    }
}

/// An LA made in a reorganisation has too few Januaries of its own for the balance that gives
/// cessation: its predecessors' balance stands in, and without them the assumed rate is used
/// and said to be.
@Suite(.enabled(if: englandDirectory != nil, "needs ../shared/data/england"))
struct SENDPredecessorTests {
    @Test func aNewLATakesCessationFromTheLAItWasMadeFrom() throws {
        let data = try DataSource.load(englandDirectory!, authorities: ["940"])
        #expect(data.ehcpAuthority == "940" && data.ehcpPredecessors == ["928"])
        let alone = try EHCPHistory.load(directory: englandDirectory!, authority: "940")
        let own = SENDCalibration.cessationWithSource(alone)
        #expect(own.fromPredecessors.isEmpty && own.assumed == [.under5, .age5to10, .age11to15, .age16to19])
        #expect(own.rates.allSatisfy { $0 == SENDCalibration.assumedCessation })
        let history = try EHCPHistory.load(directory: englandDirectory!, authority: "940", predecessors: data.ehcpPredecessors)
        #expect(Set(history.predecessorBands.keys) == ["928"] && history.predecessorBands["928"]!.plans.count >= 10)
        // The successor's own rows are untouched by the predecessor's.
        #expect(history.plansByBand == alone.plansByBand && history.newPlansByBand == alone.newPlansByBand)
        let inherited = SENDCalibration.cessationWithSource(history)
        #expect(inherited.assumed.isEmpty && inherited.fromPredecessors == [.under5, .age5to10, .age11to15, .age16to19])
        #expect(inherited.rates.allSatisfy { (0...0.2).contains($0) } && inherited.rates != own.rates)
        // An LA with its own balance keeps it, whatever its predecessors.
        let barnsley = try EHCPHistory.load(directory: englandDirectory!, authority: "370", predecessors: ["928"])
        let b = SENDCalibration.cessationWithSource(barnsley)
        #expect(b.fromPredecessors.isEmpty && b.assumed.isEmpty)
        #expect(b.rates == SENDCalibration.cessationWithSource(try EHCPHistory.load(directory: englandDirectory!, authority: "370")).rates)
    }
}

@Suite struct SpecialistSufficiencyTests {
    /// A new ASD ARP reduces out-of-borough (and independent) ASD placements by at most its
    /// places, and changes nothing else.
    @Test func newARPReducesOutOfBoroughByAtMostItsPlaces() throws {
        let arp = "name: arp\nchanges:\n  - {type: arp, school: S3-04, need: ASD, places: {2027: 8, 2028: 20}}\n"
        let (send, _, _) = try demoSEND([arp])
        for year in send.years {
            for phase in ReportingPhase.allCases {
                for need in PrimaryNeed.allCases {
                    let base = try #require(send.rows.first { $0.scenario == "baseline" && $0.year == year && $0.phase == phase && $0.need == need })
                    let with = try #require(send.rows.first { $0.scenario == "arp" && $0.year == year && $0.phase == phase && $0.need == need })
                    let added = (need == .asd && phase == .secondary) ? Double(year >= AcademicYear(2028) ? 20 : year >= AcademicYear(2027) ? 8 : 0) : 0
                    #expect(with.places - base.places == added)
                    let fewerOut = (base.outOfBorough + base.independent) - (with.outOfBorough + with.independent)
                    #expect(fewerOut >= -1e-9 && fewerOut <= added + 1e-9)
                    #expect(with.outOfBorough <= base.outOfBorough + 1e-9)
                    #expect(abs(with.demand - base.demand) < 1e-9)
                }
            }
        }
        let at2028 = send.rows.filter { $0.year == AcademicYear(2028) && $0.need == .asd && $0.phase == .secondary }
        #expect(at2028.first { $0.scenario == "arp" }!.placedInBorough - at2028.first { $0.scenario == "baseline" }!.placedInBorough == 20)
    }

    @Test func costsAddUp() throws {
        let (send, run, _) = try demoSEND()
        let costs = SENDCosts.illustrative.annual
        for row in send.rows {
            let expected = ReportedPlacement.allCases.reduce(0.0) { $0 + (row.byPlacement[$1.rawValue] ?? 0) * (costs[$1] ?? 0) }
            #expect(abs(row.cost - expected) < 1e-6)
            // Placements account for every pupil.
            #expect(abs(row.byPlacement.values.reduce(0, +) - row.pupils) < 1e-6)
            #expect(abs(row.placedInBorough + row.independent + row.outOfBorough - row.demand) < 1e-6)
        }
        let doc = SENDOutput(send, run: run, dataLabel: "demo").document()
        for total in doc.totals {
            let rows = send.rows.filter { $0.scenario == total.scenario && $0.year == total.year }
            #expect(abs(total.cost - rows.reduce(0) { $0 + $1.cost }) < 1.0)
        }
    }

    @Test func leversMoveAndRescalePupils() throws {
        let move = "name: move\nchanges:\n  - {type: send_move_in_borough, year: 2027, pupils_per_year: 10}\n"
        let rate = "name: rate\nchanges:\n  - {type: send_new_plan_rate, year: 2027, need: ASD, change: -50%}\n"
        let cut = "name: cut\nchanges:\n  - {type: send_reduce_out_of_borough, year: 2026, reduction: 100%}\n"
        let (send, _, _) = try demoSEND([move, rate, cut])
        func total(_ s: String, _ y: Int, _ f: (SpecialistRow) -> Double, need: PrimaryNeed? = nil) -> Double {
            send.rows.filter { $0.scenario == s && $0.year == AcademicYear(y) && (need == nil || $0.need == need) }.reduce(0) { $0 + f($1) }
        }
        // 10 pupils a year, cumulative: 10 in 2027/28, 20 in 2028/29.
        #expect(abs(total("baseline", 2027, \.independent) - total("move", 2027, \.independent) - 10) < 1e-6)
        #expect(abs(total("baseline", 2028, \.independent) - total("move", 2028, \.independent) - 20) < 1e-6)
        #expect(total("move", 2026, \.independent) == total("baseline", 2026, \.independent))
        // Halving ASD new-plan rates lowers ASD pupils and leaves other needs' joiners alone.
        #expect(total("rate", 2030, \.pupils, need: .asd) < total("baseline", 2030, \.pupils, need: .asd))
        #expect(abs(total("rate", 2030, \.pupils, need: .semh) - total("baseline", 2030, \.pupils, need: .semh)) < 1e-6)
        // No cohort has passed a transfer point in 2025/26; from then on, out-of-borough falls.
        #expect(total("cut", 2025, \.outOfBorough) == total("baseline", 2025, \.outOfBorough))
        #expect(total("cut", 2030, \.outOfBorough) < total("baseline", 2030, \.outOfBorough))
    }

    @Test func housingEHCPsFeedTheSENDModel() throws {
        let (send, run, _) = try demoSEND([homesScenario(completions: "{2027: 1000}")])
        let year = AcademicYear(2030)
        let extra = send.rows.filter { $0.scenario == "homes" && $0.year == year }.reduce(0) { $0 + $1.pupils }
            - send.rows.filter { $0.scenario == "baseline" && $0.year == year }.reduce(0) { $0 + $1.pupils }
        let ehcp = run.applied[1].housingEHCP[year - run.forecast.origin - 1].reduce(0, +)
        #expect(ehcp > 0)
        #expect(abs(extra - ehcp) < 1e-6, "the housing EHCPs (4% of yielded pupils) are added, and new-plan rates apply to the trend population only")
    }
}

/// The SEND flow model against a plain prevalence trend on the real London history.
@Suite(.enabled(if: londonDirectory != nil, "needs ../shared/data/london"))
struct SENDBacktestTests {
    @Test func flowModelBeatsThePrevalenceTrend() throws {
        let data = try DataSource.load(londonDirectory!)
        let histories = try EHCPHistory.loadAll(directory: londonDirectory!)
        let pooled = SENDPooledTrend(histories: histories, data: data, national: try SENDPooledTrend.nationalPlans(directory: londonDirectory!))
        let result = SENDBacktest.run(histories: histories, data: data, pooled: pooled)
        #expect(result.authorities >= 30)
        for h in 1...5 {
            let model = try #require(result.mape(SENDBacktest.defaultMethods[0].name, band: nil, horizon: h))
            let baseline = try #require(result.mape("prevalence trend", band: nil, horizon: h))
            #expect(model < baseline, "h\(h): \(model) vs \(baseline)")
        }
    }
}

@Suite struct SENDDrawTests {
    @Test func drawsSpreadWithTheHorizonAndRepeatWithTheSeed() throws {
        let data = try DataSource.load(demoDirectory)
        let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 6))
        let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
        let settings = UncertaintySettings(draws: 200, seed: 3)
        let a = try SENDRunner.run(history: history, data: data, run: run, uncertainty: settings)
        let b = try SENDRunner.run(history: history, data: data, run: run, uncertainty: settings)
        let d = try #require(a.draws)
        #expect(d.draws == 200 && d.years == a.years)
        let first = d.quantiles(step: 1, .pupils), last = d.quantiles(step: 6, .pupils)
        #expect(first[6] - first[0] < last[6] - last[0], "the spread grows with the horizon")
        #expect(zip(last, last.dropFirst()).allSatisfy { $0 <= $1 })
        let origin = d.quantiles(step: 0, .pupils)
        #expect(abs(origin[0] - origin[6]) < 1e-9, "the origin is known")
        #expect(b.draws?.quantiles(step: 6, .cost) == d.quantiles(step: 6, .cost))
        let p = d.probabilityShort(step: 6, need: .asd, phase: .secondary)
        #expect(p >= 0 && p <= 1)
    }

    /// The draws by superposition (basis columns stepped by the engine, then one dgemm)
    /// give every draw the profile that stepping it as its own column gives; with a target,
    /// each draw's plans meet it whenever its survivors fall short of it.
    @Test func superpositionEqualsSteppingEachDraw() throws {
        let cal = SENDEngineTests().calibration(cessation: 0.06, join: 0.004)
        let blocks = SENDEngine.blocks(cal), years = (2024...2032).map(AcademicYear.init), D = 300
        let pupils: (AcademicYear) -> [Double]? = { y in YearGroup.all.map { 3000 + 40 * Double($0.index) + 25 * Double(y.startYear - 2024) } }
        let factor: (Int, Int) -> Double = { h, d in 1 + 0.02 * Double(h) * sin(Double(d)) }
        let direct = SENDRunner.project(cal, blocks: blocks, years: years, columns: D, pupils: { y, _ in pupils(y) }, growth: factor, levers: { _ in SENDLevers() })
        let R = SpecialistAllocation.profileSize
        var worst = 0.0
        SENDRunner.projectDraws(cal, blocks: blocks, years: years, draws: D, pupils: pupils, levers: SENDLevers(), factor: factor, target: nil, threads: 2) { h, profiles in
            var expected = [Double](repeating: 0, count: R)
            for d in 0..<D {
                expected.withUnsafeMutableBufferPointer { SpecialistAllocation.profile(direct[h], column: d, into: $0) }
                for r in 0..<R { worst = max(worst, abs(profiles[d * R + r] - expected[r]) / max(1, abs(expected[r]))) }
            }
        }
        #expect(worst < 1e-10, "largest relative difference \(worst)")

        let target: (Int, Int) -> Double = { h, d in direct[h].total(column: 0) * (1 + 0.01 * Double(h) * cos(Double(d))) }
        var met = 0
        SENDRunner.projectDraws(cal, blocks: blocks, years: years, draws: D, pupils: pupils, levers: SENDLevers(), factor: factor, target: target, threads: 3) { h, profiles in
            guard h > 0 else { return }
            for d in 0..<D {
                let plans = (0..<(2 * SENDCalibration.cells)).reduce(0.0) { $0 + profiles[d * R + $1] }
                #expect(abs(plans / target(h, d) - 1) < 1e-9, "step \(h) draw \(d)")
                met += 1
            }
        }
        #expect(met == D * (years.count - 1))
    }

    /// The draws of a scenario with housing carry its housing EHCPs, as its forecast does:
    /// with errors that are all zero, every draw is the forecast, housing EHCPs included.
    @Test func drawsCarryTheHousingEHCPs() throws {
        let data = try DataSource.load(demoDirectory)
        let scratch = try TemporaryData(files: [:])
        let homes = try ScenarioFile.load(try scratch.scenario("homes.yaml", homesScenario(completions: "{2026: 1500}")))
        let run = try ScenarioRunner.run(data, scenarios: [homes], overrides: AssumptionOverrides(horizon: 5))
        let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
        var records: [EmpiricalErrors.Record] = []
        for o in 2015...2020 { for h in 1...5 { records.append(.init(origin: AcademicYear(o), area: 0, phase: 0, horizon: h, logError: 0)) } }
        let r = try SENDRunner.run(
            history: history, data: data, run: run, uncertainty: UncertaintySettings(draws: 101, seed: 2), measured: SENDMeasuredErrors(errors: EmpiricalErrors(records: records), authority: 0, authorities: 1))
        let d = try #require(r.draws)
        let last = r.years.count - 1
        #expect(run.applied[0].housingEHCP[run.forecast.horizon - 1].reduce(0, +) > 1)
        for h in 0...last {
            let forecast = r.rows.filter { $0.year == r.years[h] }.reduce(0) { $0 + $1.pupils }
            // (The scale's floor, 1e-6, leaves draws a few millionths apart.)
            for q in d.quantiles(step: h, .pupils) { #expect(abs(q / forecast - 1) < 1e-5, "step \(h)") }
        }
    }

    /// SEND draws are the same whatever the thread count, and whatever the seed: a draw
    /// varies one stratified normal (the normal scores of a sample), so the seed only decides
    /// which draw gets which score.
    @Test func drawsDoNotDependOnThreads() throws {
        let data = try DataSource.load(demoDirectory)
        let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 5))
        let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
        var records: [EmpiricalErrors.Record] = []
        for o in 2015...2020 { for h in 1...5 { records.append(.init(origin: AcademicYear(o), area: 0, phase: 0, horizon: h, logError: 0.01 * Double(h * (o % 3 - 1)))) } }
        func draws(threads: Int, seed: UInt64 = 9) throws -> SENDDrawSummary {
            try #require(try SENDRunner.run(
                history: history, data: data, run: run, uncertainty: UncertaintySettings(draws: 700, seed: seed, threads: threads),
                measured: SENDMeasuredErrors(errors: EmpiricalErrors(records: records), authority: 0, authorities: 1)).draws)
        }
        let one = try draws(threads: 1), two = try draws(threads: 2), three = try draws(threads: 3)
        for h in 0..<one.years.count {
            for m in [SENDDrawSummary.Measure.pupils, .outside, .cost] {
                #expect(one.quantiles(step: h, m) == two.quantiles(step: h, m) && two.quantiles(step: h, m) == three.quantiles(step: h, m))
            }
            #expect(one.short[h] == three.short[h])
        }
        let other = try draws(threads: 2, seed: 10)
        for m in [SENDDrawSummary.Measure.pupils, .outside, .cost] {
            #expect(zip(other.quantiles(step: 5, m), two.quantiles(step: 5, m)).allSatisfy { abs($0 / $1 - 1) < 1e-12 })
        }
    }

    /// An authority's measured errors come with its index among the authorities measured,
    /// and equal the errors measured through its last January; an authority with no plans
    /// has none.
    @Test func measuredErrorsForOneAuthority() throws {
        let data = try DataSource.load(demoDirectory)
        let histories = try EHCPHistory.loadAll(directory: demoDirectory)
        let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
        let m = try #require(SENDBacktest.measuredErrors(for: history, histories: histories, data: data, pooled: nil))
        let last = [history.plansByBand.keys.max(), history.plansYear1to11.keys.max()].compactMap { $0 }.max()!
        let (errors, names) = SENDBacktest.measuredErrors(histories: histories, data: data, pooled: nil, through: last)
        #expect(names[m.authority] == history.authority && m.authorities == names.count)
        #expect(!m.errors.isEmpty && m.errors.records == errors.records)
        var empty = history
        empty.plansByBand = [:]
        #expect(SENDBacktest.measuredErrors(for: empty, histories: histories, data: data, pooled: nil) == nil)
        #expect(SENDBacktest.uncalibratedReason(for: empty, histories: histories) == "the EHCP files hold no plans by age band for \(history.authority)")
        var stranger = history
        stranger.authority = "Elsewhere"
        #expect(SENDBacktest.measuredErrors(for: stranger, histories: histories, data: data, pooled: nil) == nil)
        #expect(SENDBacktest.uncalibratedReason(for: stranger, histories: histories).hasPrefix("Elsewhere is not among the authorities"))
    }

    /// With measured errors, each draw's new plans are scaled so that its plans are the
    /// forecast's / e^l: a pure bias of +10% (forecasts 10% above what happened) puts the
    /// median draw at the point forecast / 1.1 in every year.
    @Test func measuredErrorsCentreTheDrawsOnTheBias() throws {
        let data = try DataSource.load(demoDirectory)
        let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 4))
        let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
        var records: [EmpiricalErrors.Record] = []
        for o in 2018...2020 { for h in 1...4 { records.append(.init(origin: AcademicYear(o), area: 0, phase: 0, horizon: h, logError: log(1.1))) } }
        let r = try SENDRunner.run(
            history: history, data: data, run: run, uncertainty: UncertaintySettings(draws: 1001, seed: 5),
            measured: SENDMeasuredErrors(errors: EmpiricalErrors(records: records), authority: 0, authorities: 1))
        let d = try #require(r.draws)
        for h in 1..<r.years.count {
            let point = r.states[h].total(column: 0)
            #expect(abs(d.quantiles(step: h, .pupils)[3] / (point / 1.1) - 1) < 0.01, "step \(h)")
        }
    }

    /// When the later origins missed by far more than the earlier ones, the adaptation widens
    /// the SEND bands as it does the pupils', and the draws' legend says by how much and when;
    /// with steady errors it says nothing.
    @Test func theLegendSaysWhereTheAdaptationWidenedTheBands() throws {
        let data = try DataSource.load(demoDirectory)
        let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 4))
        let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
        func draws(late: Double) throws -> SENDDrawSummary {
            var rng = DrawRandom(seed: 3, stream: 0)
            var records: [EmpiricalErrors.Record] = []
            for o in 2008..<2020 {
                for a in 0..<20 {
                    for h in 1...4 {
                        let sd = 0.02 * Double(h) * (o < 2016 ? 1 : late)
                        records.append(.init(origin: AcademicYear(o), area: a, phase: 0, horizon: h, logError: sd * rng.normal()))
                    }
                }
            }
            let r = try SENDRunner.run(
                history: history, data: data, run: run, uncertainty: UncertaintySettings(draws: 200, seed: 5),
                measured: SENDMeasuredErrors(errors: EmpiricalErrors(records: records), authority: 0, authorities: 20))
            return try #require(r.draws)
        }
        let widened = try draws(late: 4)
        #expect(widened.widening.count == widened.years.count && widened.widening.dropFirst().allSatisfy { $0 > 1 }, "\(widened.widening)")
        let h = try #require((1..<widened.widening.count).max { widened.widening[$0] < widened.widening[$1] })
        #expect(widened.widening[h] >= 1.5)
        #expect(widened.adaptation == " The 80% bands are widened where earlier forecasts missed more often than their bands allowed (EHCP plans up to "
            + Format.decimal(widened.widening[h], places: 1) + " times, in \(widened.years[h])).")
        #expect(try draws(late: 1).adaptation == "")
    }
}

/// SEND intervals on London, calibrated on the Januaries before 2017 and checked on
/// 2018-2022 (the README's table): a guard that they keep holding most actuals a year ahead.
@Suite(.enabled(if: londonDirectory != nil, "needs ../shared/data/london"))
struct LondonSENDCoverageTests {
    @Test func intervalsCoverTheYearAhead() throws {
        let data = try DataSource.load(londonDirectory!)
        let coverage = SENDBacktest.coverage(histories: try EHCPHistory.loadAll(directory: londonDirectory!), data: data, pooled: nil)
        #expect(coverage.keys.sorted() == [1, 2, 3, 4, 5])
        let h1 = try #require(coverage[1])
        #expect(h1.count >= 30 && h1.coverage80 >= 70 && h1.coverage95 >= 80)
        #expect(coverage[5]!.width95 > h1.width95)
    }

    /// The rolling view (the README's table): forecasts from every January 2014-2022, each
    /// as far ahead as the caseload file's January 2025 allows (no outcome in January 2023),
    /// pooled by horizon. A guard that the intervals stay calibrated one and two years ahead
    /// (82.2 / 95.5 and 79.0 / 94.3 now).
    @Test func rollingIntervalsHoldOneAndTwoYearsAhead() throws {
        let data = try DataSource.load(londonDirectory!)
        let histories = try EHCPHistory.loadAll(directory: londonDirectory!)
        let pooled = SENDPooledTrend(histories: histories, data: data, national: try SENDPooledTrend.nationalPlans(directory: londonDirectory!))
        #expect(SENDBacktest.origins(histories) == 2014...2022)
        let coverage = SENDBacktest.rollingCoverage(histories: histories, data: data, pooled: pooled)
        #expect(coverage.keys.sorted() == [1, 2, 3, 4, 5])
        let h1 = try #require(coverage[1]), h2 = try #require(coverage[2]), h5 = try #require(coverage[5])
        #expect(h1.origins == 8 && h1.count == 8 * 33 && h5.origins == 6)
        #expect((75...90).contains(h1.coverage80) && (92...99).contains(h1.coverage95), "h1 \(h1.coverage80) / \(h1.coverage95)")
        #expect((72...90).contains(h2.coverage80) && (90...99).contains(h2.coverage95), "h2 \(h2.coverage80) / \(h2.coverage95)")
        // Each origin's records are those of its own single-origin coverage.
        let single = SENDBacktest.coverage(histories: histories, data: data, pooled: pooled, fitThrough: 2017)
        let alone = SENDBacktest.rollingCoverage(histories: histories, data: data, pooled: pooled, fitThroughs: 2017...2017)
        #expect(single == alone)
    }
}

