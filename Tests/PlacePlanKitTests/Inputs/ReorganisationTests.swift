import Foundation
import Testing
@testable import PlacePlanKit

/// The real files of the 63 English LAs outside London, when ../shared/data is beside the project.
let englandDirectory: String? = {
    guard let london = londonDirectory else { return nil }
    let dir = ((london as NSString).deletingLastPathComponent as NSString).appendingPathComponent("england")
    return FileManager.default.fileExists(atPath: dir) ? dir : nil
}()

/// LA reorganisations, LAs whose series start late, and births built from districts.
@Suite struct ReorganisationTests {
    /// A DfE folder: LA 901 (GSS E06000901) for 2011/12-2014/15, split from 2015/16 into 902
    /// and 903, which report to 2019/20; LA 904 starts in 2016/17 with no predecessor. Pupils
    /// in 901 are 200 in every year group, split 120 + 80 in its successors; 904 has 50.
    static func folder(lookup: Bool = true, extraPupils: String = "", skipYear: Int? = nil) throws -> TemporaryData {
        var pupils = DfECensusFormatTests.pupilsHeader
        func rows(_ period: Int, _ la: String, _ gss: String, _ name: String, _ n: Int) {
            guard period != skipYear else { return }
            for g in 0...13 {
                let ncy = g == 0 ? "reception" : "year_group_\(g)"
                pupils += "\(period)\(String(period + 1).suffix(2)),\(la),\(gss),\(name),\(ncy),0,0,\(n),0\n"
            }
        }
        for y in 2011...2019 {
            if y < 2015 { rows(y, "901", "E06000901", "Oldshire", 200) } else {
                rows(y, "902", "E06000902", "North Oldshire", 120)
                rows(y, "903", "E06000903", "South Oldshire", 80)
            }
            if y >= 2016 { rows(y, "904", "E06000904", "Newtown", 50) }
        }
        pupils += extraPupils
        var births = DfECensusFormatTests.birthsHeader
        for y in 2003...2019 {
            for (gss, n) in [("E06000902", 130), ("E06000903", 90), ("E06000904", 55)] {
                births += "\(gss),x,LAD21,persons,\(y)-07-01,actual,\(n),,\n"
            }
        }
        var files = ["pupils_by_ncy_la_test.csv": pupils, "births_la_test.csv": births]
        if lookup {
            files[LocalAuthorityReorganisation.lookupFile] =
                "first_year,predecessor,successor,predecessor_name\n2015/16,901,902,Oldshire\n2015/16,901,903,Oldshire\n"
        }
        return try TemporaryData(files: files)
    }

    @Test func lookupFileGroupsPairsIntoOneReorganisation() throws {
        let d = try Self.folder()
        let data = try DataSource.load(d.directory)
        let event = try #require(data.reorganisations.first { $0.predecessors.map(\.number) == ["901"] })
        #expect(event.firstYear == AcademicYear(2015) && event.successors.map(\.number) == ["902", "903"])
    }

    @Test func lateAndEarlySeriesLoadWithTheirOwnYears() throws {
        let d = try Self.folder()
        let data = try DataSource.load(d.directory)
        #expect(data.areas.map(\.id) == ["901", "902", "903", "904"])
        let old = try #require(data.areaIndex("901")), newtown = try #require(data.areaIndex("904"))
        #expect(data.rolls.span(area: old) == 0...3)
        #expect(data.rolls.span(area: newtown) == 5...8)
        // Outside its years an LA is missing, never zero.
        #expect(data.rolls.pupils(yearIndex: 6, area: old, .reception) == nil)
        #expect(data.rolls.pupils(yearIndex: 2, area: newtown, YearGroup(5)) == nil)
    }

    /// A census year missing inside one LA's series (not a reorganisation) does not stop the
    /// other LAs: the LA is read from the years after the gap, as one that starts late, and a
    /// note names the gap.
    @Test func aGapInsideAnLAsYearsStartsItsSeriesAfterIt() throws {
        // 904 misses 2017/18 in the middle of its series.
        var pupils = ""
        let d0 = try Self.folder()
        pupils = try String(contentsOfFile: d0.path("pupils_by_ncy_la_test.csv"), encoding: .utf8)
        let gap = pupils.split(separator: "\n", omittingEmptySubsequences: false).filter { !($0.hasPrefix("201718,904")) }.joined(separator: "\n")
        let d = try TemporaryData(files: [
            "pupils_by_ncy_la_test.csv": gap, "births_la_test.csv": try String(contentsOfFile: d0.path("births_la_test.csv"), encoding: .utf8),
        ])
        let data = try DataSource.load(d.directory)
        let newtown = try #require(data.areaIndex("904"))
        #expect(data.rolls.span(area: newtown) == 7...8)  // 2018/19 and 2019/20
        #expect(data.rolls.pupils(yearIndex: 5, area: newtown, .reception) == nil)  // 2016/17, before the gap: left out
        #expect(data.notes.contains { $0.contains("LA 904 (Newtown) has no rows for 2017/18: its census before 2018/19 is left out, and it is forecast from 2018/19 on") })
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 2))
        #expect(forecast.areas.contains { $0.id == "904" } && forecast.areas.contains { $0.id == "902" })
    }

    @Test func aForecastAfterTheBreakUsesTheSuccessorsOwnHistory() throws {
        let d = try Self.folder()
        let data = try DataSource.load(d.directory)
        let known = data.atOrigin(AcademicYear(2019))
        #expect(known.areas.map(\.id) == ["902", "903", "904"])
        #expect(known.rolls.years.first == AcademicYear(2015))  // the years before any kept LA existed are dropped
        #expect(known.notes.contains { $0.hasPrefix("901 Oldshire: left out, replaced in 2015/16 by 902 North Oldshire, 903 South Oldshire, forecast from their own history (5 censuses, 2015/16-2019/20)") })
        // A successor asked for alone says how short its history is, and whose it is not.
        let alone = try DataSource.load(d.directory, authorities: ["902"]).atOrigin(AcademicYear(2019))
        #expect(alone.areas.map(\.id) == ["902"])
        #expect(alone.notes.contains("902 North Oldshire: forecast from its own history since 901 Oldshire was reorganised (5 censuses, 2015/16-2019/20)"), "\(alone.notes)")
        // `check --la 902` says which authority was asked for, and why the others are read.
        let found = DataCheck.run(directory: d.directory, authorities: ["902"]).found
        #expect(found.contains("asked for: 902 North Oldshire (census 2015/16-2019/20); 901 Oldshire, 903 South Oldshire are read only to merge a series across a reorganisation (backtests)"), "\(found)")
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 3))
        // Ratios of exactly 1 within each successor: its pupils carry forward.
        let north = try #require(forecast.areas.firstIndex { $0.id == "902" })
        #expect(abs(forecast.pupils(AcademicYear(2022), area: north, YearGroup(9)) - 120) < 1e-9)
        // Newtown starts in 2016/17 and is forecast from its own four censuses.
        let newtown = try #require(forecast.areas.firstIndex { $0.id == "904" })
        #expect(abs(forecast.pupils(AcademicYear(2020), area: newtown, .reception) - 50) < 1e-9)
    }

    @Test func aForecastFromBeforeTheBreakForecastsTheMergedArea() throws {
        let d = try Self.folder()
        let data = try DataSource.load(d.directory)
        let known = data.atOrigin(AcademicYear(2014))
        #expect(known.areas.map(\.id) == ["902+903"])
        #expect(known.notes.contains { $0.contains("904 Newtown: left out, its census starts after 2014/15") })
        let merged = try #require(known.birthSeries(for: known.areas[0]))
        #expect(merged.births[2010] == 220)  // the successors' births summed
    }

    @Test func aBacktestMergesTheSeriesAcrossTheBreak() throws {
        let d = try Self.folder()
        let data = try DataSource.load(d.directory).mergingReorganisations()
        let a = try #require(data.areaIndex("902+903"))
        for y in data.rolls.years.indices { #expect(data.rolls.pupils(yearIndex: y, area: a, YearGroup(4)) == 200) }
        #expect(data.notes.contains { $0.contains("one series across the break: 901 Oldshire became 902 North Oldshire, 903 South Oldshire in 2015/16") })
        let b = try Backtest.run(data, settings: BacktestSettings(horizon: 2, minimumHistory: 4, baselines: []))
        // The merged series is forecast from every origin; Newtown (from 2016/17) only once it
        // has four censuses of its own, from 2019/20, which has no actuals after it.
        let areas = Set(b.records.map(\.area))
        #expect(areas == ["902+903"])
        let merged = b.records.filter { $0.area == "902+903" && $0.yearGroup == nil }
        #expect(!merged.isEmpty && merged.allSatisfy { abs($0.error) < 1e-9 })
        #expect(b.notes.contains { $0.contains("902+903") })
    }

    /// The folder with one headcount cell suppressed ('x'), its file written with CRLF line
    /// endings as a spreadsheet saves it.
    static func suppressed(_ prefix: String, ncy: String) throws -> TemporaryData {
        let d0 = try Self.folder()
        let pupils = try String(contentsOfFile: d0.path("pupils_by_ncy_la_test.csv"), encoding: .utf8)
        let lines = pupils.split(separator: "\n").map { line -> String in
            guard line.hasPrefix(prefix), line.contains(",\(ncy),") else { return String(line) }
            var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            cells[7] = "x"
            return cells.joined(separator: ",")
        }
        return try TemporaryData(files: [
            "pupils_by_ncy_la_test.csv": lines.joined(separator: "\r\n") + "\r\n",
            "births_la_test.csv": try String(contentsOfFile: d0.path("births_la_test.csv"), encoding: .utf8),
            LocalAuthorityReorganisation.lookupFile: try String(contentsOfFile: d0.path(LocalAuthorityReorganisation.lookupFile), encoding: .utf8),
        ])
    }

    /// A suppressed cell in one census (as a national file can have) leaves only that census
    /// out of the backtest as an origin, with a note; the LA's other origins still count.
    @Test func aSuppressedCellLeavesOnlyThatOriginOutOfTheBacktest() throws {
        let d = try Self.suppressed("201718,902,", ncy: "year_group_3")
        let data = try DataSource.load(d.directory).mergingReorganisations()
        let b = try Backtest.run(data, settings: BacktestSettings(horizon: 2, minimumHistory: 4, baselines: []))
        let merged = b.records.filter { $0.area == "902+903" && $0.yearGroup == nil }
        #expect(Set(merged.map(\.origin)) == [AcademicYear(2014), AcademicYear(2015), AcademicYear(2016), AcademicYear(2018)])
        // Every ratio is still 1 where it can be measured: the missing cell is not a zero.
        #expect(merged.allSatisfy { abs($0.error) < 1e-9 })
        #expect(b.notes.contains { $0.contains("902+903") && $0.contains("no forecast from the census of 2017/18 (no Y3)") })
    }

    /// On the DfE route an LA whose latest census has a suppressed cell is left out of a
    /// forecast of several, with a note; alone, it is the error that names the cell and its
    /// code (read back correctly from a CRLF file).
    @Test func anLAWithASuppressedCellInItsLatestCensusIsLeftOut() throws {
        let d = try Self.suppressed("201920,904,", ncy: "year_group_5")
        let data = try DataSource.load(d.directory)
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 2))
        #expect(forecast.areas.map(\.id) == ["902", "903"])
        let known = data.atOrigin(AcademicYear(2019))
        #expect(known.notes.contains { $0.contains("904 Newtown: left out, its 2019/20 census has no Y5 (suppressed or missing)") })
        // check says so before the forecast does, and no longer warns about abolished LAs.
        let check = DataCheck.run(directory: d.directory)
        #expect(check.isReady && check.warnings.contains { $0.hasPrefix("904 Newtown: no Y5 in 2019/20 (pupils_by_ncy_la_test.csv:") && $0.hasSuffix("the LA is left out of forecasts from 2019/20 until the figure is supplied") })
        let alone = try DataSource.load(d.directory, authorities: ["904"])
        let e = error { _ = try Projector.forecast(alone, settings: ForecastSettings(horizon: 2)) }
        guard case .suppressedValue(let location, let code) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(code == "x" && location.field == "headcount")
    }

    /// A year group with no row inside an LA's years is missing, as a suppressed count is
    /// (never the store's zero), with a note; a forecast cannot start from that census.
    @Test func aMissingRowIsMissingNotZero() throws {
        let d0 = try Self.folder()
        let pupils = try String(contentsOfFile: d0.path("pupils_by_ncy_la_test.csv"), encoding: .utf8)
        let cut = pupils.split(separator: "\n", omittingEmptySubsequences: false).filter {
            !($0.hasPrefix("201718,902,") && $0.contains(",year_group_3,")) && !($0.hasPrefix("201920,904,") && $0.contains(",year_group_5,"))
        }.joined(separator: "\n")
        let d = try TemporaryData(files: [
            "pupils_by_ncy_la_test.csv": cut, "births_la_test.csv": try String(contentsOfFile: d0.path("births_la_test.csv"), encoding: .utf8),
        ])
        let data = try DataSource.load(d.directory)
        let north = try #require(data.areaIndex("902")), newtown = try #require(data.areaIndex("904"))
        #expect(data.rolls.pupils(yearIndex: 6, area: north, YearGroup(3)) == nil)
        #expect(data.rolls.pupils(yearIndex: 6, area: north, YearGroup(4)) == 120)
        #expect(data.rolls.pupils(yearIndex: 8, area: newtown, YearGroup(5)) == nil)  // 2019/20, its latest census
        #expect(data.notes.contains { $0.contains("LA 902 (North Oldshire) has no rows for Y3 in 2017/18: read as missing") })
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 2))
        #expect(!forecast.areas.contains { $0.id == "904" } && forecast.areas.contains { $0.id == "902" })
        let alone = try DataSource.load(d.directory, authorities: ["904"])
        let e = error { _ = try Projector.forecast(alone, settings: ForecastSettings(horizon: 2)) }
        #expect(e?.message.contains("904 Newtown has no Y5 in 2019/20, the census a forecast starts from (no row for it)") == true, "\(String(describing: e))")
    }

    /// A lookup row whose first_year the census contradicts is an error at its cell, with the
    /// year the census says (before, the series were merged at the wrong year and a backtest
    /// failed with "no history to estimate the R→Y1 ratio" and no pointer to the file).
    @Test func aLookupYearTheCensusContradictsIsAnErrorAtItsRow() throws {
        for (written, says) in [("2013/14", "901 Oldshire is in the census to 2014/15"), ("2017/18", "902 North Oldshire is in the census from 2015/16")] {
            let d = try Self.folder()
            try "first_year,predecessor,successor\n\(written),901,902\n\(written),901,903\n"
                .write(toFile: d.path(LocalAuthorityReorganisation.lookupFile), atomically: true, encoding: .utf8)
            let e = error { _ = try DataSource.load(d.directory) }
            guard case .invalidValue(let at, let value, let expected) = e else { Issue.record("\(written): got \(String(describing: e))"); continue }
            #expect(at.file.hasSuffix(LocalAuthorityReorganisation.lookupFile) && at.line == 2 && at.field == "first_year" && value == written)
            #expect(expected.contains(says) && expected.hasSuffix("so 2015/16 (2015)"), "\(expected)")
        }
        // 904 reports from 2016/17 while 902 (its "predecessor") does to 2019/20: an LA that
        // took in another under its own number, which one series cannot describe.
        let d = try Self.folder()
        try "first_year,predecessor,successor\n2020/21,902,904\n".write(toFile: d.path(LocalAuthorityReorganisation.lookupFile), atomically: true, encoding: .utf8)
        let e = error { _ = try DataSource.load(d.directory) }
        guard case .invalidValue(_, "2020/21", let expected) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(expected.contains("904 Newtown is in the census from 2016/17, before its predecessors end (902 North Oldshire to 2019/20)"), "\(expected)")
    }

    @Test func withoutTheLookupFileTheSeriesAreNotMerged() throws {
        let d = try Self.folder(lookup: false)
        let data = try DataSource.load(d.directory).mergingReorganisations()
        #expect(data.areas.map(\.id) == ["901", "902", "903", "904"])
        // 901 has no births of its own: a forecast from before the break leaves it out, and says why.
        let known = data.atOrigin(AcademicYear(2014))
        #expect(known.areas.isEmpty)
        #expect(known.notes.contains { $0.contains("901 Oldshire: left out, the births file has no births for E06000901") })
    }

    @Test func countyBirthsAreSummedFromTheirDistricts() throws {
        var pupils = DfECensusFormatTests.pupilsHeader
        for period in ["201920", "202021"] {
            for g in 0...13 { pupils += "\(period),909,E10000006,Cumbria,\(g == 0 ? "reception" : "year_group_\(g)"),0,0,100,0\n" }
        }
        var births = DfECensusFormatTests.birthsHeader
        for (i, district) in DistrictBirths.table["E10000006"]!.districts.enumerated() {
            for y in 2014...2016 { births += "\(district),d,LAD21,persons,\(y)-07-01,actual,\(10 * (i + 1)),,\n" }
        }
        let d = try TemporaryData(files: ["pupils_by_ncy_la_test.csv": pupils, "births_la_test.csv": births])
        let data = try DataSource.load(d.directory)
        let series = try #require(data.birthSeries(for: data.areas[0]))
        #expect(series.births[2015] == Double(10 + 20 + 30 + 40 + 50 + 60))
        #expect(data.notes.contains { $0.contains("births summed from the districts of Cumbria (E10000006)") })
    }

    /// Cumbria split in April 2023; GLA's births are by 2021 districts, which have no
    /// Cumberland and no Westmorland and Furness. With a census from 2023/24 on, each
    /// successor's births are its districts' summed, so Cumbria's pupils stay in the
    /// forecast; a successor whose districts are absent too is left out, and the notes and
    /// `placeplan check` say that its pupils are not forecast (not that they are, under it).
    @Test func aSplitAfterTheBirthsBoundariesTakesItsDistrictsBirths() throws {
        var pupils = DfECensusFormatTests.pupilsHeader
        func rows(_ period: String, _ la: String, _ gss: String, _ name: String, _ n: Int) {
            for g in 0...13 { pupils += "\(period),\(la),\(gss),\(name),\(g == 0 ? "reception" : "year_group_\(g)"),0,0,\(n),0\n" }
        }
        for period in ["202021", "202122", "202223"] { rows(period, "909", "E10000006", "Cumbria", 100) }
        for period in ["202324", "202425"] {
            rows(period, "942", "E06000063", "Cumberland", 60)
            rows(period, "943", "E06000064", "Westmorland and Furness", 40)
        }
        func births(_ districts: [String]) -> String {
            var text = DfECensusFormatTests.birthsHeader
            for (i, district) in districts.enumerated() {
                for y in 2015...2023 { text += "\(district),d,LAD21,persons,\(y)-07-01,actual,\(10 * (i + 1)),,\n" }
            }
            return text
        }
        let cumbria = DistrictBirths.table["E10000006"]!.districts
        let d = try TemporaryData(files: ["pupils_by_ncy_la_test.csv": pupils, "births_la_test.csv": births(cumbria)])
        let data = try DataSource.load(d.directory)
        let cumberland = try #require(data.areas.first { $0.id == "942" }), westmorland = try #require(data.areas.first { $0.id == "943" })
        // Allerdale (10), Carlisle (30), Copeland (40); Barrow (20), Eden (50), South Lakeland (60).
        #expect(data.birthSeries(for: cumberland)?.births[2020] == 80)
        #expect(data.birthSeries(for: westmorland)?.births[2020] == 130)
        #expect(data.notes.contains("LA 942 Cumberland: births summed from the districts of Cumberland (E06000063), as the births file has no row for E06000063"))
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 2))
        #expect(forecast.areas.map(\.id) == ["942", "943"])
        // Before the break, Cumbria's own births are the six districts'.
        let old = try #require(data.areas.first { $0.id == "909" })
        #expect(data.birthSeries(for: old)?.births[2020] == 210)
        let checked = DataCheck.run(directory: d.directory).warnings
        #expect(checked.allSatisfy { !$0.contains("left out") })
        #expect(checked.contains { $0.hasPrefix("no school_capacity_la.csv (nor schools.csv) in the folder: forecast and send run") }, "\(checked)")

        // Without Westmorland and Furness's districts, it is left out and said to be.
        let partial = try TemporaryData(files: [
            "pupils_by_ncy_la_test.csv": pupils, "births_la_test.csv": births(DistrictBirths.table["E06000063"]!.districts),
        ])
        let known = try DataSource.load(partial.directory).atOrigin(AcademicYear(2024))
        #expect(known.areas.map(\.id) == ["942"])
        #expect(known.notes.contains("943 Westmorland and Furness: left out, the births file has no births for E06000064"))
        #expect(known.notes.contains {
            $0.hasPrefix("909 Cumbria: left out, replaced in 2023/24 by 942 Cumberland, 943 Westmorland and Furness; 943 Westmorland and Furness cannot be forecast")
        })
        #expect(!known.notes.contains { $0.contains("forecast from their own history") })
        let check = DataCheck.run(directory: partial.directory)
        #expect(check.warnings.contains("943 Westmorland and Furness: left out, the births file has no births for E06000064"), "\(check.warnings)")
        #expect(!check.warnings.contains { $0.hasPrefix("909 Cumbria") })
    }

    /// The other way round: a census up to 2022/23 (Cumbria) with births on boundaries after
    /// the split (ONS's current ones: Cumberland and Westmorland and Furness back to 1992, no
    /// Cumbria, no districts). Cumbria's births are its successors' summed.
    @Test func anLASplitLaterTakesItsSuccessorsBirths() throws {
        var pupils = DfECensusFormatTests.pupilsHeader
        for period in ["202021", "202122", "202223"] {
            for g in 0...13 { pupils += "\(period),909,E10000006,Cumbria,\(g == 0 ? "reception" : "year_group_\(g)"),0,0,100,0\n" }
        }
        var births = DfECensusFormatTests.birthsHeader
        for y in 2015...2022 { births += "E06000063,Cumberland,LAD23,persons,\(y)-07-01,actual,60,,\nE06000064,W,LAD23,persons,\(y)-07-01,actual,45,,\n" }
        let d = try TemporaryData(files: ["pupils_by_ncy_la_test.csv": pupils, "births_la_test.csv": births])
        let data = try DataSource.load(d.directory)
        #expect(data.birthSeries(for: data.areas[0])?.births[2018] == 105)
        #expect(data.notes.contains {
            $0.hasPrefix("LA 909 Cumbria: births summed from those of 942 Cumberland, 943 Westmorland and Furness, which it became in 2023/24")
        })
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 2))
        #expect(forecast.areas.map(\.id) == ["909"])
    }

    @Test func anNCYBeyondYear14IsAnErrorAtItsCell() throws {
        let d = try Self.folder(extraPupils: "201112,901,E06000901,Oldshire,year_group_15,0,0,5,0\n")
        let e = error { _ = try DataSource.load(d.directory) }
        guard case .invalidValue(let loc, let value, _) = e else {
            Issue.record("got \(String(describing: e))")
            return
        }
        #expect(value == "year_group_15" && loc.field == "nc_year")
    }

    @Test(.enabled(if: englandDirectory != nil, "needs ../shared/data/england"))
    func everyEnglishLALoadsAndTheReorganisedOnesMerge() throws {
        let data = try DataSource.load(englandDirectory!)
        #expect(data.areas.count == 63)
        // No LA is silently dropped: Buckinghamshire's births are under its later GSS code.
        let bucks = try #require(data.areaIndex("825"))
        #expect(data.birthSeries(for: data.areas[bucks]) != nil)
        let known = data.atOrigin(data.lastCensus)
        #expect(known.areas.count == 59)
        #expect(!known.areas.contains { ["835", "836", "837", "928"].contains($0.id) })
        #expect(known.areas.allSatisfy { known.birthSeries(for: $0) != nil })
        let merged = data.mergingReorganisations()
        #expect(merged.areas.count == 63 - 5 + 1 - 3 + 1)  // Dorset, Poole, Bournemouth, new Dorset, BCP; Northamptonshire and its two
        let dorset = try #require(merged.areaIndex("838+839"))
        #expect(merged.rolls.span(area: dorset) == 0...(merged.rolls.years.count - 1))
        // The merged series is smooth across the break (no jump of a whole LA's pupils).
        let before = try #require(merged.rolls.pupils(yearIndex: 7, area: dorset, YearGroup(3)))
        let after = try #require(merged.rolls.pupils(yearIndex: 8, area: dorset, YearGroup(3)))
        #expect(abs(after / before - 1) < 0.05)
    }

    /// A name two LAs share (the old Dorset, 835, and the new, 838) means the one that still
    /// exists; its number still names the old one.
    @Test(.enabled(if: englandDirectory != nil, "needs ../shared/data/england"))
    func aSharedNameMeansTheLAThatStillExists() throws {
        let byName = try DataSource.load(englandDirectory!, authorities: ["Dorset"])
        #expect(byName.shownAreas.map(\.id) == ["838"])
        let byNumber = try DataSource.load(englandDirectory!, authorities: ["835"])
        #expect(byNumber.shownAreas.map(\.id) == ["835"])
    }

    /// Part of a name picks out the one authority whose name has it ("Bristol" for "Bristol,
    /// City of"), with a note; part of several names lists them; a name the file lacks gets
    /// examples from the file itself, not from another folder.
    @Test(.enabled(if: englandDirectory != nil, "needs ../shared/data/england"))
    func partOfANameOrExamplesFromTheFile() throws {
        let bristol = try DataSource.load(englandDirectory!, authorities: ["Bristol"])
        #expect(bristol.shownAreas.map(\.id) == ["801"])
        #expect(bristol.notes.contains("--la Bristol: 801 Bristol, City of, the authority whose name has it"))
        let north = error { _ = try DataSource.load(englandDirectory!, authorities: ["north"]) }
        #expect(north?.exitCode == 64)
        #expect(north?.message.contains("'north' is part of the names of 6 authorities") == true)
        #expect(north?.hint?.contains("802 North Somerset") == true)
        let kent = error { _ = try DataSource.load(englandDirectory!, authorities: ["Kent"]) }
        #expect(kent?.message.contains("no authority matches Kent") == true)
        #expect(kent?.hint?.contains("from the file's 63 authorities, e.g. 330 Birmingham (E08000025)") == true, "\(kent?.hint ?? "")")
    }

    /// The built-in districts of each county sum to the county rows of the England births file.
    @Test(.enabled(if: englandDirectory != nil, "needs ../shared/data/england"))
    func builtInCountyDistrictsSumToTheCountyRows() throws {
        let files = try #require(try DfECensusFormat.files(in: englandDirectory!))
        var notes: [String] = []
        let births = try DfECensusFormat.readBirths(CSVFile(path: files.births), notes: &notes)
        let counties = births.keys.filter { $0.hasPrefix("E10") }.sorted()
        #expect(counties.count == 13)
        for county in counties {
            let summed = try #require(DistrictBirths.births(of: county, from: births), "\(county)")
            for (y, n) in births[county]!.births { #expect(abs(summed.births[y]! - n) < 0.5, "\(county) \(y)") }
        }
        // Cumbria's successors of 2023 together are the county: their districts split it.
        let cumberland = try #require(DistrictBirths.births(of: "E06000063", from: births))
        let westmorland = try #require(DistrictBirths.births(of: "E06000064", from: births))
        for (y, n) in births["E10000006"]!.births { #expect(abs(cumberland.births[y]! + westmorland.births[y]! - n) < 0.5, "\(y)") }
        // Unitaries already in the 2021 districts have their own rows, which win.
        for unitary in ["E06000058", "E06000059", "E06000060", "E06000061", "E06000062"] { #expect(births[unitary] != nil, "\(unitary)") }
    }

    @Test(.enabled(if: englandDirectory != nil, "needs ../shared/data/england"))
    func laPlacesBecomeOneSchoolPerPhase() throws {
        let data = try DataSource.load(englandDirectory!)
        let dorset = try #require(data.schools.first { $0.id == "838-secondary" })
        #expect(dorset.netCapacity <= 29233 && dorset.netCapacity > 29233 - 5)
        let primary = try #require(data.schools.first { $0.id == "838-primary" })
        #expect(primary.pan == 25174 / 7)
        let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 2))
        let report = SufficiencyReport(run)
        // Cumbria has no published places: forecast, not assessed, and `check` says so.
        #expect(run.forecast.areas.contains { $0.id == "909" })
        #expect(DataCheck.run(directory: englandDirectory!, authorities: ["909"]).warnings.contains {
            $0.hasPrefix("school_capacity_la.csv has no places for 909 Cumbria: forecast and send run")
        })
        #expect(!report.rows.contains { $0.areaID == "909" })
        // `check` counts LAs with places, not "schools" (one entry per LA and phase).
        let found = DataCheck.run(directory: englandDirectory!).found
        let withPlaces = Set(data.schools.map(\.areaID)).count
        #expect(found.contains("63 planning areas (63 all-through), places for \(withPlaces) of them from school_capacity_la.csv (\(data.schools.count) LA phase totals)"), "\(found)")
        #expect(withPlaces < 63 && !found.contains { $0.contains("special)") })
        #expect(DataCheck.run(directory: englandDirectory!, authorities: ["330"]).found.first == "1 planning area (1 all-through), its places from school_capacity_la.csv (2 LA phase totals)")
        #expect(report.rows.contains { $0.areaID == "838" && $0.phase == .secondary && $0.places == Double(dorset.netCapacity) })
        // In the SCAP export its capacity is blank, not zero; Dorset's is its places.
        let rows = SCAPExport(run: run, laNumber: "000", laName: "test").csv().split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let cumbria = rows.filter { $0[2] == "909" }, dorsetRows = rows.filter { $0[2] == "838" }
        #expect(!cumbria.isEmpty && cumbria.allSatisfy { $0.last == "" && !$0[8].isEmpty })
        #expect(!dorsetRows.isEmpty && dorsetRows.allSatisfy { Int($0.last!) ?? 0 > 0 })
    }
}
