import Foundation
import Testing
@testable import PlacePlanKit

/// The real London files, when ../shared/data is beside the project (not in a user's clone).
let londonDirectory: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let dir = root.appendingPathComponent("shared/data/london").path
    return FileManager.default.fileExists(atPath: dir) ? dir : nil
}()

@Suite struct DfECensusFormatTests {
    static let pupilsHeader = "time_period,old_la_code,new_la_code,la_name,nc_year,full_time,part_time,headcount,fte\n"
    static let birthsHeader = "gss_code,gss_name,geography,sex,date,type,annual_births,interval_lower,interval_upper\n"

    func small(
        headcount: (Int, Int) -> String = { _, g in "\(100 + g)" }, predicted: String = "480,470,490"
    ) throws -> TemporaryData {
        var pupils = Self.pupilsHeader
        for period in ["201920", "202021"] {
            for g in 0...14 {
                let ncy = g == 0 ? "reception" : "year_group_\(g)"
                pupils += "\(period),999,E09000999,Testham,\(ncy),0,0,\(headcount(Int(period.prefix(4))!, g)),0\n"
            }
        }
        var births = Self.birthsHeader
        for y in 2013...2017 { births += "E09000999,Testham,LAD21,persons,\(y)-07-01,actual,500,,\n" }
        births += "E09000999,Testham,LAD21,persons,2017-01-01,actual,123,,\n"  // not mid-year: ignored
        births += "E09000999,Testham,LAD21,persons,2018-07-01,predicted,\(predicted)\n"
        return try TemporaryData(files: ["pupils_by_ncy_la_test.csv": pupils, "births_la_test.csv": births])
    }

    @Test func loadsEachAuthorityAsOneAllThroughArea() throws {
        let d = try small()
        let data = try DataSource.load(d.directory)
        #expect(data.areas.count == 1)
        #expect(data.areas[0].phase == .allThrough && data.areas[0].id == "999" && data.areas[0].localAuthority == "E09000999")
        #expect(data.rolls.pupils(yearIndex: 1, area: 0, YearGroup(13)) == 113)
        let births = try #require(data.birthSeries(for: data.areas[0]))
        #expect(births.births[2017] == 500 && births.births[2018] == 480 && births.projected == [2018])
        #expect(births.lower[2018] == 470)
    }

    /// Two census extracts side by side (last year's and this year's) are an error naming
    /// both: taking the first by name would silently forecast from the older one.
    @Test func twoCensusFilesAreAmbiguous() throws {
        let d = try small()
        try FileManager.default.copyItem(atPath: d.path("pupils_by_ncy_la_test.csv"), toPath: d.path("pupils_by_ncy_la_older.csv"))
        let e = error { _ = try DataSource.load(d.directory) }
        guard case .ambiguousFiles(_, let pattern, let files) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(pattern == "pupils_by_ncy_la*.csv" && files == ["pupils_by_ncy_la_older.csv", "pupils_by_ncy_la_test.csv"])
        #expect(e?.exitCode == 65 && e?.hint?.contains("keep one") == true)
        #expect(DataCheck.run(directory: d.directory).problems.contains { $0.message.contains("2 files match pupils_by_ncy_la*.csv") })
    }

    /// A births interval that does not hold the births (the wrong way round, or beside them)
    /// is an error at its cell; either end may be missing.
    @Test func birthsIntervalMustHoldTheBirths() throws {
        for (row, column) in [("480,490,470", "interval_lower"), ("480,400,470", "interval_upper"), ("480,500,", "interval_lower")] {
            let d = try small(predicted: row)
            let e = error { _ = try DataSource.load(d.directory) }
            guard case .invalidValue(let loc, _, let expected) = e else { Issue.record("\(row): got \(String(describing: e))"); continue }
            #expect(loc.field == column && loc.line == 8 && expected.contains("births (480)"), "\(row)")
        }
        let d = try small(predicted: "480,,490")
        let open = try DataSource.load(d.directory)
        #expect(open.birthSeries(for: open.areas[0])?.upper[2018] == 490 && open.birthSeries(for: open.areas[0])?.lower[2018] == nil)
    }

    /// A mid-year missing from GLA births is an error naming the year (not an academic
    /// year); a row for that year dated off the 1st (a mistyped 1 July) is named at its cell.
    @Test func birthsGapOrMistypedMidYearIsNamed() throws {
        let d = try small()
        let path = d.path("births_la_test.csv")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "E09000999,Testham,LAD21,persons,2015-07-01,actual,500,,\n", with: "")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let gap = "\(error { _ = try DataSource.load(d.directory) }.map { "\($0)" } ?? "accepted")"
        #expect(gap.contains("births for E09000999 have no mid-year row (dated 1 July) for 2015 between 2013 and 2018"), "\(gap)")
        try text.replacingOccurrences(of: "2015-07-01", with: "2015-06-30").write(toFile: path, atomically: true, encoding: .utf8)
        let e = error { _ = try DataSource.load(d.directory) }
        guard case .invalidValue(let loc, let value, let expected) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.field == "date" && loc.line == 4 && value == "2015-06-30" && expected.contains("mid-year date 2015-07-01"))
    }

    /// A suppressed count is missing, never zero, and a note names it, so a forecast that
    /// leaves its ratios out says so without 'placeplan check'. A code at the last census is
    /// not in that note (it stops the forecast, or leaves the LA out, with its own message).
    @Test func suppressedHeadcountIsMissing() throws {
        let d = try small { year, g in year == 2019 && g == 3 ? "x" : "100" }
        let data = try DataSource.load(d.directory)
        #expect(data.rolls.pupils(yearIndex: 0, area: 0, YearGroup(3)) == nil)
        let note = try #require(data.notes.first { $0.contains("suppressed in the files") })
        #expect(note.hasPrefix("1 census count is suppressed in the files (999 Testham Y3 in 2019/20 (pupils_by_ncy_la_test.csv:5))"))
        let atLast = try small { year, g in year == 2020 && g == 3 ? "x" : "100" }
        let last = try DataSource.load(atLast.directory)
        #expect(last.rolls.pupils(yearIndex: 1, area: 0, YearGroup(3)) == nil)
        #expect(!last.notes.contains { $0.contains("suppressed in the files") })
    }

    /// A census headcount is a whole number of pupils: 4.083 (4,083 with a full stop for
    /// thousands) is refused at its cell, not read as four pupils; 4083 and "4,083" are read.
    @Test func aFractionalHeadcountIsRefused() throws {
        let d = try small { year, g in year == 2019 && g == 3 ? "4.083" : "100" }
        do {
            _ = try DataSource.load(d.directory)
            Issue.record("read a headcount of 4.083")
        } catch {
            #expect(error.message.contains("pupils_by_ncy_la_test.csv:5:8"), "\(error.message)")
            #expect(error.message.contains("'4.083' is not a whole number of pupils"), "\(error.message)")
        }
        for written in ["4083", "\"4,083\""] {
            let ok = try small { year, g in year == 2019 && g == 3 ? written : "100" }
            #expect(try DataSource.load(ok.directory).rolls.pupils(yearIndex: 0, area: 0, YearGroup(3)) == 4083)
        }
    }

    /// A download broken down by school type has several rows for each LA, year and year
    /// group: the error names the column and its values, not just a repeated row. Rows
    /// repeated whole are still duplicates.
    @Test func aBreakdownIsNamed() throws {
        let base = try small()
        let births = try String(contentsOfFile: base.path("births_la_test.csv"), encoding: .utf8)
        let rows = try String(contentsOfFile: base.path("pupils_by_ncy_la_test.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        var text = "phase_type_grouping," + Self.pupilsHeader
        for row in rows { text += "Total,\(row)\nState-funded primary,\(row)\n" }
        let d = try TemporaryData(files: ["pupils_by_ncy_la_test.csv": text, "births_la_test.csv": births])
        let e = error { _ = try DataSource.load(d.directory) }
        guard case .brokenDownRows(let loc, let key, let first, let column, let values) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.line == 3 && loc.column == 1 && first == 2 && key == "LA 999, 2019/20, R")
        #expect(column == "phase_type_grouping" && values == ["State-funded primary", "Total"])
        #expect(e?.hint?.contains("filter the file to one phase_type_grouping") == true)
        let repeated = try TemporaryData(files: ["pupils_by_ncy_la_test.csv": Self.pupilsHeader + rows.joined(separator: "\n") + "\n" + rows.first! + "\n", "births_la_test.csv": births])
        let again = error { _ = try DataSource.load(repeated.directory) }
        guard case .duplicateRow = again else { Issue.record("got \(String(describing: again))"); return }
    }

    /// National and regional totals in the census file (an explore-education-statistics
    /// download, with or without its `geographic_level` column) are left out with a note,
    /// never read as an LA or summed into one.
    @Test func nationalAndRegionalRowsAreLeftOut() throws {
        let base = try small()
        let pupils = try String(contentsOfFile: base.path("pupils_by_ncy_la_test.csv"), encoding: .utf8)
        let births = try String(contentsOfFile: base.path("births_la_test.csv"), encoding: .utf8)
        var rows = pupils.split(separator: "\n").dropFirst().map(String.init)
        // Without the column: no LA number, a country or region code.
        var plain = Self.pupilsHeader + rows.joined(separator: "\n") + "\n"
        plain += "201920,,E92000001,England,year_group_3,0,0,600000,0\n201920,,E12000007,London,year_group_3,0,0,90000,0\n"
        // With it: the level says which rows are the LA's.
        rows = rows.map { "Local authority," + $0 }
        var levelled = "geographic_level," + Self.pupilsHeader + rows.joined(separator: "\n") + "\n"
        levelled += "National,201920,,,England,year_group_3,0,0,600000,0\nRegional,201920,,E12000007,London,year_group_3,0,0,90000,0\n"
        for text in [plain, levelled] {
            let d = try TemporaryData(files: ["pupils_by_ncy_la_test.csv": text, "births_la_test.csv": births])
            let data = try DataSource.load(d.directory)
            #expect(data.areas.map(\.id) == ["999"])
            #expect(data.rolls.pupils(yearIndex: 0, area: 0, YearGroup(3)) == 103)
            #expect(data.notes.contains { $0.contains("its 2 rows that are not one LA's (national or regional totals) are left out") })
        }
    }

    /// An explore-education-statistics spelling of the same file reads the same: `2019/20`,
    /// `Reception`, `Year 3`, `Year 14` (dropped), CRLF line endings; its nursery, NCY not
    /// followed and total rows are left out with a note, never read as a year group.
    @Test func explorationServiceSpellingsReadTheSame() throws {
        let base = try small()
        let births = try String(contentsOfFile: base.path("births_la_test.csv"), encoding: .utf8)
        var pupils = Self.pupilsHeader
        for period in ["2019/20", "2020/21"] {
            for g in 0...14 { pupils += "\(period),999,E09000999,Testham,\(g == 0 ? "Reception" : "Year \(g)"),0,0,\(100 + g),0\n" }
            for extra in ["Nursery 2", "x", "Total"] { pupils += "\(period),999,E09000999,Testham,\(extra),0,0,5000,0\n" }
        }
        let d = try TemporaryData(files: ["pupils_by_ncy_la_test.csv": pupils.replacingOccurrences(of: "\n", with: "\r\n"), "births_la_test.csv": births])
        let data = try DataSource.load(d.directory)
        let reference = try DataSource.load(base.directory)
        #expect(data.rolls.years == reference.rolls.years)
        for t in data.rolls.years.indices {
            for g in YearGroup.all { #expect(data.rolls.pupils(yearIndex: t, area: 0, g) == reference.rolls.pupils(yearIndex: t, area: 0, g)) }
        }
        #expect(data.notes.contains { $0.contains("its 6 rows of nursery, NCY not followed or all year groups are left out") })
        // Year 15 is still not a year group: an error at its cell.
        let bad = try TemporaryData(files: ["pupils_by_ncy_la_test.csv": pupils + "2019/20,999,E09000999,Testham,Year 15,0,0,1,0\n", "births_la_test.csv": births])
        #expect(error { _ = try DataSource.load(bad.directory) }?.message.contains("'Year 15' is not a national curriculum year") == true)
    }

    /// A births file by sex (ONS downloads often are) reads as persons: each mid-year without
    /// a persons row is its male and female rows summed, intervals end to end and predicted
    /// if either is, with one note; a persons row wins where both are given; one sex alone is
    /// an error at its row, never half the births read as all of them.
    @Test func birthsBySexAreSummed() throws {
        let d = try small()
        let pupils = try String(contentsOfFile: d.path("pupils_by_ncy_la_test.csv"), encoding: .utf8)
        var births = Self.birthsHeader
        for y in 2013...2017 {
            births += "E09000999,Testham,LAD21,Male,\(y)-07-01,actual,260,,\nE09000999,Testham,LAD21,female,\(y)-07-01,actual,240,,\n"
        }
        births += "E09000999,Testham,LAD21,persons,2017-07-01,actual,999,,\n"
        births += "E09000999,Testham,LAD21,males,2018-07-01,predicted,250,245,255\nE09000999,Testham,LAD21,females,2018-07-01,actual,230,225,235\n"
        let bySex = try TemporaryData(files: ["pupils_by_ncy_la_test.csv": pupils, "births_la_test.csv": births])
        let data = try DataSource.load(bySex.directory)
        let s = try #require(data.birthSeries(for: data.areas[0]))
        #expect(s.births[2013] == 500 && s.births[2016] == 500)
        #expect(s.births[2017] == 999, "the persons row, not the sexes' sum")
        #expect(s.births[2018] == 480 && s.lower[2018] == 470 && s.upper[2018] == 490 && s.projected == [2018])
        #expect(data.notes.contains("births_la_test.csv: 5 mid-years of 1 series have no persons row: their male and female rows are summed"), "\(data.notes)")
        // The same forecast as from persons rows.
        let reference = try DataSource.load(d.directory)
        #expect(s.births.filter { $0.key != 2017 } == reference.birthSeries(for: reference.areas[0])!.births.filter { $0.key != 2017 })
        // Female rows missing for 2014: an error at the male row, naming what is missing.
        let half = try TemporaryData(files: [
            "pupils_by_ncy_la_test.csv": pupils,
            "births_la_test.csv": births.split(separator: "\n").filter { !$0.contains("female,2014") }.joined(separator: "\n") + "\n",
        ])
        let e = error { _ = try DataSource.load(half.directory) }
        #expect(e?.exitCode == 65)
        #expect(e?.message.contains("(column 'sex'): 'Male' is not a persons row: E09000999 has no female or persons row for mid-2014") == true, "\(e?.message ?? "")")
    }

    @Test func unknownAuthorityIsAUsageError() throws {
        let d = try small()
        let e = error { _ = try DataSource.load(d.directory, authorities: ["Nowhere"]) }
        #expect(e?.exitCode == 64)
    }

    @Test(.enabled(if: londonDirectory != nil, "needs ../shared/data/london"))
    func loadsTheRealLondonFiles() throws {
        let data = try DataSource.load(londonDirectory!)
        #expect(data.areas.count == 33)
        #expect(data.rolls.years.first == AcademicYear(2011) && data.rolls.years.last == AcademicYear(2022))
        let barnet = try #require(data.areaIndex("302"))
        #expect(data.rolls.pupils(yearIndex: 0, area: barnet, .reception) == 4060)
        #expect(data.birthSeries(for: data.areas[barnet])?.births[2007] == 4966)
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 5))
        let total = forecast.states[5].total(column: 0)
        #expect(total > 900_000 && total < 1_300_000)
    }
}
