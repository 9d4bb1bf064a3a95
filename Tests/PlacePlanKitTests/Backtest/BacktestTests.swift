import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import PlacePlanKit

@Suite struct BacktestTests {
    /// Six censuses 2017/18 to 2022/23 in two all-through areas, with varying cohorts.
    func data(perturbAfter: Int? = nil) throws -> DataSet {
        var rolls = "year,area,year_group,pupils\n"
        var rng = SplitMix64(seed: 11)
        for y in 2017...2022 {
            for area in ["A", "B"] {
                for g in 0...13 {
                    var n = 100 + 5 * Double(g) + 10 * rng.uniform() + Double(y - 2017) * (area == "A" ? 2 : -1)
                    if let p = perturbAfter, y > p { n *= 3 }
                    rolls += "\(y),\(area),\(g),\(Int(n))\n"
                }
            }
        }
        var births = "area,year,births\n"
        for y in 2010...2022 {
            let late = perturbAfter.map { y > $0 } ?? false
            births += "L,\(y),\(late ? 900 : 200 + y - 2010)\n"
        }
        let d = try TemporaryData(files: [
            "areas.csv": "id,name,phase,local_authority\nA,A,all-through,L\nB,B,all-through,L\n",
            "schools.csv": "id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity\n",
            "rolls.csv": rolls, "births.csv": births,
        ])
        return try PlacePlanFormat.load(directory: d.directory)
    }

    @Test func originsAndHorizons() throws {
        let b = try Backtest.run(try data(), settings: BacktestSettings(horizon: 3))
        #expect(b.origins == (2020...2021).map(AcademicYear.init))
        #expect(b.horizons == [1, 2])
        #expect(b.methodNames == ["auto", "mean1", "mean3"])
        // Each origin, method, horizon, area and phase has one total and one record per year group.
        let totals = b.records.filter { $0.yearGroup == nil }
        #expect(totals.count == 3 * (2 + 1) * 2 * 2)
        #expect(b.records.filter { $0.yearGroup != nil }.count == 3 * 3 * 2 * 14)
    }

    /// Forecasts from an origin use only what was known then: changing every later roll and
    /// every birth dated after the origin's mid-year leaves them exactly as they were.
    @Test func noPeeking() throws {
        let plain = try Backtest.run(try data(), settings: BacktestSettings(horizon: 2))
        let changed = try Backtest.run(try data(perturbAfter: 2020), settings: BacktestSettings(horizon: 2))
        let origin = AcademicYear(2020)
        let a = plain.records.filter { $0.origin == origin }, b = changed.records.filter { $0.origin == origin }
        #expect(a.count == b.count && !a.isEmpty)
        for (x, y) in zip(a, b) {
            #expect(x.forecast == y.forecast)
            #expect(x.actual != y.actual)
        }
    }

    /// A backtest further ahead scores the same bands in the years both reach: every origin
    /// measures its errors ``EmpiricalErrors/measuredHorizon`` years ahead, whatever the
    /// years forecast (before December 2026 a backtest to three years measured only three).
    @Test func intervalsDoNotDependOnTheYearsBacktested() throws {
        let demo = try DataSource.load(demoDirectory)
        func intervals(_ years: Int) throws -> [String: ClosedRange<Double>] {
            var settings = BacktestSettings(horizon: years, baselines: [])
            settings.uncertainty = UncertaintySettings(draws: 200, seed: 5)
            let b = try Backtest.run(demo, settings: settings)
            return Dictionary(uniqueKeysWithValues: b.records.compactMap { r in
                r.yearGroup == nil && r.horizon <= 2 ? r.interval80.map { ("\(r.origin) \(r.horizon) \(r.area) \(r.phase)", $0) } : nil
            })
        }
        let short = try intervals(2), long = try intervals(5)
        let differing = short.filter { long[$0.key] != $0.value }.map(\.key).sorted()
        #expect(short.count > 20 && short.count == long.count)
        #expect(differing.isEmpty, "\(differing.count) of \(short.count) intervals differ, e.g. \(differing.prefix(3))")
    }

    @Test func errorSummaryIsTheDfEFormula() throws {
        let records = [(101.0, 100.0), (98.0, 100.0), (103.0, 100.0)].map {
            BacktestRecord(method: "m", origin: AcademicYear(2020), horizon: 1, area: "A", phase: .primary, yearGroup: nil, forecast: $0.0, actual: $0.1)
        }
        let s = try #require(ErrorSummary(records))
        #expect(s.count == 3)
        #expect(abs(s.mape - 2) < 1e-9 && abs(s.mdape - 2) < 1e-9 && abs(s.bias - 2.0 / 3) < 1e-9)
        #expect(ErrorSummary([]) == nil)
    }

    /// Coverage and its standard error with origins as clusters: two origins of ten
    /// actuals, one covering all and one half, give 75% ± √(2 · (10² · 25² · 2)) / 20 = 25.
    @Test func coverageStandardErrorTreatsOriginsAsClusters() throws {
        let records = (0..<20).map { i in
            let inside = i < 10 || i % 2 == 0
            var r = BacktestRecord(
                method: "m", origin: AcademicYear(i < 10 ? 2018 : 2019), horizon: 1, area: "A\(i % 10)", phase: .primary, yearGroup: nil,
                forecast: 100, actual: inside ? 100 : 120)
            r.interval80 = 95...105
            r.interval95 = 90...110
            return r
        }
        let c = try #require(CoverageSummary(records))
        #expect(c.count == 20 && c.origins == 2)
        #expect(abs(c.coverage80 - 75) < 1e-9 && abs(c.standardError80 - 25) < 1e-9)
        #expect(abs(c.coverage95 - 75) < 1e-9 && abs(c.standardError95 - 25) < 1e-9)
        // One origin: no spread between origins to measure.
        #expect(try #require(CoverageSummary(Array(records[10...]))).standardError80 == 0)
    }

    @Test func exactRatiosGiveNoError() throws {
        // Every cohort keeps its size and births are flat: every method is exact.
        var rolls = "year,area,year_group,pupils\n"
        for y in 2015...2022 { for g in 0...13 { rolls += "\(y),A,\(g),100\n" } }
        let d = try TemporaryData(files: [
            "areas.csv": "id,name,phase,local_authority\nA,A,all-through,L\n",
            "schools.csv": "id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity\n",
            "rolls.csv": rolls, "births.csv": "area,year,births\n" + (2008...2022).map { "L,\($0),200" }.joined(separator: "\n") + "\n",
        ])
        let b = try Backtest.run(try PlacePlanFormat.load(directory: d.directory))
        #expect(b.records.allSatisfy { abs($0.error) < 1e-12 })
    }

    @Test func gatesParseAndJudge() throws {
        let gates = try AccuracyGate.parse("h1=1.0, primary:h3=2.5%,secondary:h2=0")
        #expect(gates == [
            AccuracyGate(phase: nil, horizon: 1, limit: 1.0), AccuracyGate(phase: .primary, horizon: 3, limit: 2.5),
            AccuracyGate(phase: .secondary, horizon: 2, limit: 0),
        ])
        for (bad, says) in [
            ("h1", "cannot read"), ("x1=2", "cannot read"), ("middle:h1=2", "unknown phase"), ("h1=-1", "is not a percentage error"),
            ("h0=1", "horizon 0 is not a year ahead"), ("h1=1=2", "cannot read"), ("", "no gates"), (" , ", "no gates"),
        ] {
            let e = error { _ = try AccuracyGate.parse(bad) }
            #expect(e?.exitCode == 64, "\(bad)")
            #expect(e?.message.contains(says) == true, "\(bad): \(String(describing: e))")
        }
        let b = try Backtest.run(try data(), settings: BacktestSettings(horizon: 2))
        let loose = BacktestOutput(b, gates: try AccuracyGate.parse("h1=100,h2=100"))
        #expect(loose.failures.isEmpty)
        let tight = BacktestOutput(b, gates: try AccuracyGate.parse("secondary:h1=0"))
        #expect(tight.failures.count == 1)
        #expect(tight.failures[0].contains("median absolute % error of secondary totals at horizon 1 is"))
        #expect(tight.failures[0].contains("above the gate of 0.00%"))
    }

    /// Coverage gates read a level and a range, and judge every phase and horizon: a range
    /// that holds any coverage passes, one that excludes what was measured fails, naming the
    /// cell, and a backtest without draws fails as not measured.
    @Test func coverageGatesParseAndJudge() throws {
        let gates = try CoverageGate.parse("80=70-90, primary:95=88-99%")
        #expect(gates == [CoverageGate(level: 80, range: 70...90), CoverageGate(phase: .primary, level: 95, range: 88...99)])
        for (bad, says) in [
            ("80", "cannot read"), ("90=70-90", "there is no 90% interval"), ("80=90-70", "the range runs backwards"), ("80=70", "cannot read"),
            ("80=70-101", "0 to 100"), ("middle:80=70-90", "unknown phase"), ("80=a-b", "cannot read"), ("80=-5-90", "cannot read"), ("", "no gates"),
        ] {
            let e = error { _ = try CoverageGate.parse(bad) }
            #expect(e?.exitCode == 64, "\(bad)")
            #expect(e?.message.contains(says) == true, "\(bad): \(String(describing: e))")
        }
        #expect(error { _ = try CoverageGate.parse("80=90-70") }?.description.contains("80=70-90") == true, "the hint gives the range the right way round")
        var settings = BacktestSettings(horizon: 2)
        settings.uncertainty = UncertaintySettings(draws: 200)
        let b = try Backtest.run(try data(), settings: settings)
        let loose = BacktestOutput(b, coverageGates: try CoverageGate.parse("80=0-100,95=0-100"))
        #expect(loose.failures.isEmpty)
        #expect(loose.coverageGates[0].check(b).count == b.phases.count * b.horizons.count)
        let measured = try #require(b.coverage(phase: .secondary, horizon: 1)).coverage80
        let excluding = measured >= 50 ? "secondary:80=0-\(Int(measured) - 1)" : "secondary:80=\(Int(measured) + 1)-100"
        let tight = BacktestOutput(b, coverageGates: try CoverageGate.parse(excluding))
        #expect(tight.failures.contains { $0.hasPrefix("80% interval coverage of secondary totals at horizon 1 is \(Format.decimal(measured))%, outside the gate") })
        let undrawn = BacktestOutput(try Backtest.run(try data(), settings: BacktestSettings(horizon: 1)), coverageGates: gates)
        #expect(undrawn.failures.count == 3 && undrawn.failures.allSatisfy { $0.contains("not measured") })
        // all: gates both phases pooled, one value per horizon: the count-weighted mean of
        // the phases' coverages, with its own message and JUnit case.
        let pooledGates = try CoverageGate.parse("ALL:95=0-100, all:80=0-100")
        #expect(pooledGates == [CoverageGate(pooled: true, level: 95, range: 0...100), CoverageGate(pooled: true, level: 80, range: 0...100)])
        #expect(pooledGates[0].description == "all 95% coverage in 0.0-100.0%")
        let pooledResults = pooledGates[1].check(b)
        #expect(pooledResults.map(\.horizon) == b.horizons && pooledResults.allSatisfy { $0.phase == nil && $0.scope == "all" && $0.passed })
        for r in pooledResults {
            let phases = b.phases.compactMap { b.coverage(phase: $0, horizon: r.horizon) }
            let n = phases.reduce(0) { $0 + $1.count }
            #expect(b.phases.count == 2 && phases.count == 2)
            #expect(abs(try #require(r.value) - phases.reduce(0) { $0 + $1.coverage80 * Double($1.count) } / Double(n)) < 1e-9)
        }
        let pooledMeasured = try #require(pooledResults.first?.value)
        let pooledTight = BacktestOutput(b, coverageGates: [CoverageGate(pooled: true, level: 80, range: (pooledMeasured + 1)...100)])
        #expect(pooledTight.failures.first == "80% interval coverage of both phases' totals at horizon 1 is \(Format.decimal(pooledMeasured))%, outside the gate of \(Format.decimal(pooledMeasured + 1))-100.0%")
        #expect(pooledTight.failures.count == pooledResults.filter { $0.value! < pooledMeasured + 1 }.count)
        #expect(pooledTight.junit().contains("name=\"all 80% interval coverage h1 in"))
        #expect(error { _ = try CoverageGate.parse("both:80=70-90") }?.description.contains("or all:") == true, "the hint names all:")
        let unmeasured = BacktestOutput(b, gates: try AccuracyGate.parse("primary:h4=100"))
        #expect(unmeasured.failures == ["median absolute % error of primary totals at horizon 4 was not measured (no origin has its actuals that far ahead), so fails the gate of 100.00%"])
    }

    @Test func junitIsWellFormedWithOneCasePerGate() throws {
        let b = try Backtest.run(try data(), settings: BacktestSettings(horizon: 2))
        let xml = BacktestOutput(b, gates: try AccuracyGate.parse("h1=100,secondary:h2=0")).junit()
        final class Counter: NSObject, XMLParserDelegate {
            var cases = 0, failures = 0, suiteFailures = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if name == "testcase" { cases += 1 }
                if name == "failure" { failures += 1 }
                if name == "testsuite" { suiteFailures = attributes["failures"] ?? "" }
            }
        }
        let counter = Counter()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = counter
        #expect(parser.parse())
        #expect(counter.cases == 3)  // h1 for both phases, h2 for secondary
        #expect(counter.failures == 1 && counter.suiteFailures == "1")
    }

    @Test func jsonCarriesMetricsSelectionsAndGates() throws {
        let b = try Backtest.run(try data(), settings: BacktestSettings(horizon: 2))
        let text = try BacktestOutput(b, gates: try AccuracyGate.parse("h1=50")).render(.json)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["schema"] as? String == "placeplan.backtest/1")
        #expect(json["baselines"] as? [String] == ["mean1", "mean3"])
        let metrics = try #require(json["metrics"] as? [[String: Any]])
        #expect(Set(metrics.compactMap { $0["breakdown"] as? String }) == ["phase", "area", "year_group"])
        let stats = try #require(metrics.first?["stats"] as? [String: Any])
        #expect(Set(stats.keys) == ["count", "mape", "mdape", "bias"])
        #expect((json["selections"] as? [[String: Any]])?.count == 2 * 3)
        #expect((json["gates"] as? [[String: Any]])?.count == 2)
    }
}

/// The accuracy targets on the 33 London LAs (LA primary and secondary totals, median
/// absolute error over origins and LAs): auto at least 15% better than the 3-year mean at
/// horizons 3 and 5 and no worse at any horizon, for both phases.
@Suite(.enabled(if: londonDirectory != nil, "needs ../shared/data/london"))
struct LondonAccuracyTests {
    @Test func autoBeatsTheThreeYearMean() throws {
        let data = try DataSource.load(londonDirectory!)
        let b = try Backtest.run(data)
        for phase in ReportingPhase.allCases {
            for h in 1...5 {
                let auto = try #require(b.summary(method: "auto", phase: phase, horizon: h)).mdape
                let mean3 = try #require(b.summary(method: "mean3", phase: phase, horizon: h)).mdape
                #expect(auto <= mean3, "\(phase) h\(h): auto \(auto) vs mean3 \(mean3)")
                if h == 3 || h == 5 { #expect(auto <= 0.85 * mean3, "\(phase) h\(h): auto \(auto) vs mean3 \(mean3)") }
            }
        }
    }
}

/// The accuracy targets outside London (the 63 LAs of ../shared/data/england, LA phase
/// totals): auto at or below the better of last year's ratio and the 3-year mean (within 2%)
/// at every horizon and phase, and at least 5% below the 3-year mean on the mean over one to
/// five years of each phase.
@Suite(.enabled(if: englandDirectory != nil, "needs ../shared/data/england"))
struct EnglandAccuracyTests {
    @Test func autoBeatsBothBaselinesOutsideLondon() throws {
        let data = try DataSource.load(englandDirectory!).mergingReorganisations()
        let b = try Backtest.run(data)
        for phase in ReportingPhase.allCases {
            var auto = 0.0, mean3 = 0.0
            for h in 1...5 {
                let a = try #require(b.summary(method: "auto", phase: phase, horizon: h)).mdape
                let m1 = try #require(b.summary(method: "mean1", phase: phase, horizon: h)).mdape
                let m3 = try #require(b.summary(method: "mean3", phase: phase, horizon: h)).mdape
                #expect(a <= 1.02 * min(m1, m3), "\(phase) h\(h): auto \(a), mean1 \(m1), mean3 \(m3)")
                auto += a
                mean3 += m3
            }
            #expect(auto <= 0.95 * mean3, "\(phase): auto \(auto / 5) against mean3 \(mean3 / 5) over h1-h5")
        }
        // Reorganised LAs are forecast across the break as one series.
        #expect(b.records.contains { $0.area == "838+839" && $0.origin == AcademicYear(2016) && $0.horizon == 5 })
    }
}

/// Interval coverage on both folders, as the README reports it (1,000 draws, the default
/// seed; with stratified draws neither changes it). Both phases pooled meet the targets (80%
/// intervals cover 75-85% of actuals, 95% ones 92-97%) at every horizon on London and on all
/// but two cells outside it (five years ahead, 88.5% at 80%; two years ahead, 91.3% at 95%);
/// per phase, London meets them but for primary two years ahead (73.6% and 91.3%) and
/// secondary five years ahead (85.9% at 80%), and outside London the secondary bands are too
/// wide from three years ahead and the primary 95% bands too narrow at one and two (91.4%
/// and 87.0%; docs/uncertainty.md). The bounds here are those results, so that a change that
/// moves the intervals shows.
@Suite(.enabled(if: englandDirectory != nil, "needs ../shared/data/london and england"))
struct CoverageTests {
    func coverage(_ directory: String) throws -> Backtest {
        let data = try DataSource.load(directory).mergingReorganisations()
        var settings = BacktestSettings(baselines: [])
        settings.uncertainty = UncertaintySettings(draws: 1000, seed: 2026)
        return try Backtest.run(data, settings: settings)
    }

    func check(_ b: Backtest, _ bounds: [ReportingPhase?: (ClosedRange<Double>, ClosedRange<Double>)], _ folder: String) throws {
        for (phase, (r80, r95)) in bounds {
            for h in 1...5 {
                let c = try #require(b.coverage(phase: phase, horizon: h))
                let name = "\(folder) \(phase?.rawValue ?? "both phases") h\(h)"
                #expect(r80.contains(c.coverage80), "\(name): 80% interval covers \(c.coverage80)%")
                #expect(r95.contains(c.coverage95), "\(name): 95% interval covers \(c.coverage95)%")
            }
        }
    }

    @Test func londonIntervals() throws {
        try check(try coverage(londonDirectory!), [nil: (75...85, 92...97), .primary: (73...85, 91...97), .secondary: (75...87, 92...97)], "London")
    }

    @Test func englandIntervals() throws {
        try check(try coverage(englandDirectory!), [nil: (75...89, 91...97), .primary: (74...85, 86.5...97), .secondary: (75...94, 92...99)], "England")
    }
}
