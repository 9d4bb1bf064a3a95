import Foundation
import Testing
@testable import PlacePlanKit

struct ComparisonTests {
    /// Two columns read as "from > to"; with more, columns that agree are named once.
    @Test func statusChangesNameEachRunOfColumnsOnce() {
        #expect(Comparison.statusChange([.belowMargin, .deficit]) == "below margin > DEFICIT")
        #expect(Comparison.statusChange([.belowMargin, .belowMargin, .deficit]) == "[1-2] below margin > [3] DEFICIT")
        #expect(Comparison.statusChange([.deficit, .withinMargin, .deficit]) == "[1] DEFICIT > [2] within margin > [3] DEFICIT")
        #expect(Comparison.statusChange([.highSurplus, nil, nil, nil]) == "[1] high surplus > [2-4] -")
    }

    /// Header lines are broken at spaces, continuations indented past the line's own indent.
    @Test func longHeaderLinesWrap() {
        let line = "  - " + Array(repeating: "word", count: 30).joined(separator: " ")
        let lines = Format.wrapped(line, width: 40)
        #expect(lines.count > 1 && lines.allSatisfy { $0.count <= 40 })
        #expect(lines[0].hasPrefix("  - word") && lines.dropFirst().allSatisfy { $0.hasPrefix("      word") })
        #expect(lines.joined(separator: " ").split(separator: " ") == line.split(separator: " "))
        #expect(Format.wrapped("short") == ["short"])
    }
}

/// Vintages side by side: a year outside one run's range is not a change, and the earlier
/// run's forecast is scored against the later run's census.
@Suite struct VintageTests {
    func saved(_ name: String) throws -> SavedRun {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 3))
        return try SavedRun.make(name: name, label: nil, command: "test", data: data, run: run, report: SufficiencyReport(run), now: Date(timeIntervalSince1970: 0))
    }

    @Test func aYearOutsideARunsRangeIsNotAChangeButAMissingAreaIs() throws {
        let rows = try saved("v").sufficiency
        let later = rows.filter { $0.year.startYear > 2022 }
        let shifted = Comparison([.init(label: "a", rows: rows), .init(label: "b", rows: later)])
        let census = try #require(shifted.lines.first { $0.year.startYear == 2022 && $0.level == "total" })
        #expect(census.pupils[1] == nil && !census.statusChanged)
        #expect(!shifted.lines.contains { $0.statusChanged })
        // Area B only in the first column, in years the second covers: a change.
        let noB = Comparison([.init(label: "a", rows: rows), .init(label: "b", rows: rows.filter { $0.areaID != "B" })])
        #expect(noB.lines.filter(\.statusChanged).allSatisfy { $0.area == "B" })
        #expect(noB.lines.contains { $0.area == "B" && $0.statusChanged })
    }

    @Test func theEarlierForecastIsScoredAgainstTheLaterCensus() throws {
        let newer = try saved("autumn-2022")
        // The earlier vintage "forecast" 2022/23: area A 5% over (Reception 10% over), B 2%
        // under (Reception exact); a second scenario, listed first, is not the one scored.
        var older = newer
        older.name = "autumn-2021"
        older.origin = AcademicYear(2021)
        let census = newer.sufficiency.filter { !$0.isForecast }
        #expect(census.count == 2 && census.allSatisfy { $0.year == AcademicYear(2022) })
        older.sufficiency = census.map { r in
            var f = r
            f.isForecast = true
            f.pupils *= r.areaID == "A" ? 1.05 : 0.98
            f.entryPupils *= r.areaID == "A" ? 1.10 : 1.0
            return f
        }
        older.sufficiency += older.sufficiency.map { r in
            var g = r
            g.scenario = "growth"
            g.pupils *= 2
            return g
        }
        older.scenarios = [older.scenarios[0], older.scenarios[0]]
        older.scenarios[0].name = "growth"
        let outturn = try #require(ForecastOutturn.of(older, against: newer))
        #expect(outturn.scenario == "baseline" && outturn.origin == AcademicYear(2021))
        #expect(outturn.lines.count == 2)
        // Primary: A 480 -> 504, B 280 -> 274.4.
        let phase = outturn.lines[0]
        #expect(!phase.entry && phase.yearsAhead == 1 && phase.areas == 2)
        #expect(abs(phase.forecast - 778.4) < 1e-9 && phase.actual == 760)
        #expect(abs(phase.error - 18.4 / 760) < 1e-12)
        #expect(abs(phase.medianAbsoluteError - 0.035) < 1e-12 && phase.largestArea == "A" && abs(phase.largestError - 0.05) < 1e-12)
        // Reception: A 120 -> 132, B 40 exact.
        let entry = outturn.lines[1]
        #expect(entry.entry && abs(entry.forecast - 172) < 1e-9 && entry.actual == 160)
        #expect(abs(entry.medianAbsoluteError - 0.05) < 1e-12 && entry.largestArea == "A")
        let text = outturn.describe()
        #expect(text[0].hasPrefix("How 'autumn-2021' (baseline, from the 2021/22 census) did against the census in 'autumn-2022'"))
        #expect(text[1] == "  2022/23 primary (1 year ahead): forecast 778, on roll 760, +2.4%; by planning area (2) median miss 3.5%, largest A Area A +5.0%")
        #expect(text[2].hasPrefix("  2022/23 Reception (1 year ahead): forecast 172, on roll 160, +7.5%"))
        #expect(phase.insideBand80 == nil && entry.insideBand80 == nil)  // saved without draws
        // Saved with draws: A's 80% band (P10-P90) holds its 480 on roll, B's misses its 280.
        var drawn = older
        drawn.sufficiency = older.sufficiency.map { r in
            var q = r
            q.pupilsQuantiles = r.areaID == "A" ? [400, 420, 470, 504, 540, 560, 580] : [260, 265, 270, 274, 279, 285, 290]
            return q
        }
        let banded = try #require(ForecastOutturn.of(drawn, against: newer))
        #expect(banded.lines[0].insideBand80 == 1 && banded.lines[1].insideBand80 == nil)
        #expect(banded.describe()[1].hasSuffix("; inside its 80% band in 1 of 2 areas"))
        // Not later, or nothing in common: nothing to score.
        #expect(ForecastOutturn.of(newer, against: older) == nil && ForecastOutturn.of(newer, against: newer) == nil)
        var elsewhere = newer
        elsewhere.origin = AcademicYear(2023)
        elsewhere.sufficiency = census.map { var r = $0; r.year = AcademicYear(2023); return r }
        #expect(ForecastOutturn.of(older, against: elsewhere) == nil)
    }
}
