import Foundation
import Testing
@testable import PlacePlanKit

@Suite struct PlacePlanFormatTests {
    @Test func loadsTheHandCheckableData() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        #expect(data.areas.map(\.id) == ["A", "B"])
        #expect(data.rolls.years == [AcademicYear(2020), AcademicYear(2021), AcademicYear(2022)])
        #expect(data.rolls.pupils(yearIndex: 2, area: 0, .reception) == 120)
        #expect(data.schools.count == 3)
        #expect(data.schools[2].arpPlaces == [.asd: 8])
        #expect(data.birthSeries(for: data.areas[0])?.births[2019] == 250)
    }

    /// The reader keeps every row's fields in one flat array: blank lines are taken out, a
    /// quoted field may span lines, and each row keeps the line it starts on.
    @Test func csvRowsKeepTheirFieldsAndLines() throws {
        let f = try CSVFile(path: "t.csv", text: "Year,Area,Pupils\n2020/21,A,\"1,200\"\n\n2021/22,\"B\nsouth\",7\n \n2022/23,C,8\n")
        #expect(f.header == ["year", "area", "pupils"] && f.rowCount == 3)
        #expect(f.lines == [2, 4, 7])
        #expect(Array(f.row(0)) == ["2020/21", "A", "1,200"] && Array(f.row(1)) == ["2021/22", "B\nsouth", "7"] && Array(f.row(2)) == ["2022/23", "C", "8"])
        #expect(f.record(2).text(3) == "8" && f.record(2).text(4) == "" && f.record(2).text(0) == "")
        #expect(CSVRecord.number("1,200") == 1200 && CSVRecord.number("007") == 7 && CSVRecord.number("123456789012345") == 123_456_789_012_345)
        #expect(CSVRecord.number("1e3") == nil && CSVRecord.number("0x1F") == nil && CSVRecord.number("") == nil)
        // Headers as a spreadsheet writes them: "Year Group", "net-capacity", " PAN ".
        let spread = try CSVFile(path: "t.csv", text: "Year,Year Group, PAN ,net-capacity\n2020/21,R,30,210\n")
        #expect(spread.columnNumber(["year_group"]) == 2 && spread.columnNumber(["pan"]) == 3 && spread.columnNumber(["net_capacity"]) == 4)
        #expect(spread.columnNumber(["group"]) == nil)
        let clean = try CSVFile(path: "t.csv", text: "a,b\n1,2\n3,4")
        #expect(clean.rowCount == 2 && Array(clean.row(1)) == ["3", "4"] && clean.lines == [2, 3])
    }

    @Test func rollsBySchoolAreSummedIntoTheirArea() throws {
        let rolls = (2020...2022).flatMap { y in
            (0...6).flatMap { g in ["\(y),A1,\(g),10", "\(y),A2,\(g),15", "\(y),B1,\(g),7"] }
        }.joined(separator: "\n")
        let d = try TemporaryData.handCheckable(extra: ["rolls.csv": "year,school,year_group,pupils\n" + rolls + "\n"])
        let data = try PlacePlanFormat.load(directory: d.directory)
        #expect(data.rolls.pupils(yearIndex: 0, area: 0, .year6) == 25)
        #expect(data.rolls.pupils(yearIndex: 1, area: 1, .reception) == 7)
    }

    /// A roll more than four times the larger of a school's PAN and its usual count (an added
    /// digit: 430 for 30) is refused at its cell; a school that grew to its PAN, or whose PAN
    /// fell, is not; rows by area are judged against the area's usual count.
    @Test func aRollFarAboveTheSchoolsPANAndUsualCountIsATypo() throws {
        func load(_ rows: [String], header: String = "year,school,year_group,pupils") throws -> PlacePlanError? {
            let d = try TemporaryData.handCheckable(extra: ["rolls.csv": header + "\n" + rows.joined(separator: "\n") + "\n"])
            return error { _ = try PlacePlanFormat.load(directory: d.directory) }
        }
        // A1 (PAN 60) grew from 10 to its PAN; B1's PAN (45) is below the 180 it used to take.
        var rows = (2020...2024).flatMap { y in
            (0...6).flatMap { g in ["\(y),A1,\(g),\(y < 2023 ? 10 : 60)", "\(y),A2,\(g),15", "\(y),B1,\(g),\(y < 2023 ? 180 : 45)"] }
        }
        #expect(try load(rows) == nil)
        let typo = try #require(rows.firstIndex(of: "2024,A2,0,15"))
        rows[typo] = "2024,A2,0,415"
        let e = try load(rows)
        guard case .invalidValue(let loc, let value, let expected) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.line == typo + 2 && loc.field == "pupils" && value == "415")
        #expect(expected.contains("school A2's R (PAN 60, usually 15 pupils)") && expected.contains("update its PAN"))
        // 4 times the PAN and 30 above it is not enough on its own: 240 at a PAN of 60 passes.
        rows[typo] = "2024,A2,0,240"
        #expect(try load(rows) == nil)
        // By area: the area's own series is the reference.
        let byArea = (2020...2024).flatMap { y in (0...6).flatMap { g in ["\(y),A,\(g),\(y == 2022 && g == 3 ? 1250 : 125)", "\(y),B,\(g),40"] } }
        guard case .invalidValue(let at, "1,250", let why) = try load(byArea, header: "year,area,year_group,pupils") else { Issue.record("area row not refused"); return }
        #expect(at.line == 2 + byArea.firstIndex(of: "2022,A,3,1250")! && why.contains("area A's Y3 (usually 125 pupils)") && !why.contains("PAN"))
    }

    /// Replaces line `line` (1-based) of the hand-checkable rolls file.
    func rolls(replacing line: Int, with text: String) throws -> TemporaryData {
        let d = try TemporaryData.handCheckable()
        var lines = try String(contentsOfFile: d.path("rolls.csv"), encoding: .utf8).components(separatedBy: "\n")
        lines[line - 1] = text
        try lines.joined(separator: "\n").write(toFile: d.path("rolls.csv"), atomically: true, encoding: .utf8)
        return d
    }

    @Test func anAcademicYearExcelTurnedIntoADateIsNamed() throws {
        // 2011/12 typed into Excel is December 2011; saved as CSV it is one of these.
        for written in ["Dec-11", "01/12/2011", "2011-12-01", "Nov-10", "01/01/2000"] {
            let d = try rolls(replacing: 3, with: "\(written),B,R,40")
            let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
            guard case .invalidValue(let loc, _, let expected) = e else { Issue.record("\(written): got \(String(describing: e))"); continue }
            let was = CSVRecord.excelDate(written)
            #expect(loc.line == 3 && loc.column == 1 && was != nil && expected.contains("it is \(was!) turned into a date by Excel"), "\(written): \(expected)")
        }
        #expect(CSVRecord.excelDate("Dec-11") == AcademicYear(2011) && CSVRecord.excelDate("01/01/2000") == AcademicYear(2000))
        // Dates that no academic year becomes are plain errors.
        for written in ["Mar-11", "01/09/2011", "2011-09-01", "15/12/2011"] {
            #expect(CSVRecord.excelDate(written) == nil, "\(written)")
            let d = try rolls(replacing: 3, with: "\(written),B,R,40")
            let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
            guard case .invalidValue(_, _, let expected) = e else { Issue.record("\(written): got \(String(describing: e))"); continue }
            #expect(expected == "an academic year such as 2019/20, 201920 or 2019")
        }
    }

    @Test func unknownAreaNamesFileLineAndColumn() throws {
        let d = try rolls(replacing: 5, with: "2020,Z,Y1,40")
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .unknownArea(let loc, let id, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(id == "Z")
        #expect(loc.file.hasSuffix("rolls.csv") && loc.line == 5 && loc.column == 2 && loc.field == "area")
        #expect(e?.exitCode == 65)
        #expect(e!.description.contains("rolls.csv:5:2"))
        #expect(e!.description.contains("hint:"))
    }

    @Test func duplicateRowPointsAtBothLines() throws {
        let d = try rolls(replacing: 4, with: "2020,A,R,100")
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .duplicateRow(let loc, _, let first) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.line == 4 && first == 2)
    }

    @Test func duplicateSchoolRowsAreNamedWithBothLines() throws {
        // School B1 repeats 2021 Year 2 on the last line; a second school of the same area
        // in the same year and year group (A1 and A2) is not a duplicate.
        var rows = (2020...2022).flatMap { y in
            (0...6).flatMap { g in ["\(y),A1,\(g),10", "\(y),A2,\(g),15", "\(y),B1,\(g),7"] }
        }
        rows.append("2021,B1,2,8")
        let d = try TemporaryData.handCheckable(extra: ["rolls.csv": "year,school,year_group,pupils\n" + rows.joined(separator: "\n") + "\n"])
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .duplicateRow(let loc, let key, let first) = e else { Issue.record("got \(String(describing: e))"); return }
        let firstLine = 2 + rows.firstIndex(of: "2021,B1,2,7")!
        #expect(loc.line == rows.count + 1 && loc.column == 1 && first == firstLine)
        #expect(key.hasPrefix("school B1, 2021") && e!.description.contains("rolls.csv:\(rows.count + 1):1"))
    }

    @Test func negativeCountIsRejected() throws {
        let d = try rolls(replacing: 3, with: "2020,B,R,-4")
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .negativeValue(let loc, let value) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.line == 3 && loc.column == 4 && loc.field == "pupils" && value == "-4")
    }

    /// A count beyond any school system's (a unit or decimal-point slip) is an error, not data.
    @Test func implausiblyLargeCountIsRejected() throws {
        let d = try rolls(replacing: 3, with: "2020,B,R,20000000")
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .invalidValue(let loc, let value, let expected) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.line == 3 && loc.column == 4 && value == "20000000" && expected.contains("at most 10,000,000"))
        // Exponent and hexadecimal forms are not counts a spreadsheet writes: refused, not read.
        for odd in ["1e308", "1e3", "0x1F"] {
            let d = try rolls(replacing: 3, with: "2020,B,R,\(odd)")
            let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
            guard case .invalidValue(let loc, let value, _) = e else { Issue.record("\(odd): got \(String(describing: e))"); continue }
            #expect(loc.line == 3 && loc.column == 4 && value == odd)
        }
    }

    @Test func semicolonOrTabSeparatedFileIsSaidToBeSo() throws {
        // Plain, and with a quoted field holding a semicolon (which used to stop at the quote
        // with a message about stray quotes), and tab-separated.
        let files = [
            "area;year;births\nL;2016;200\n", "area;year;births\n\"L; the borough\";2016;200\n",
            "area\tyear\tbirths\nL\t2016\t200\n",
        ]
        for (text, separator) in zip(files, ["semicolons", "semicolons", "tabs"]) {
            let d = try TemporaryData.handCheckable(extra: ["births.csv": text])
            let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
            guard case .wrongSeparator(let path, let found, let header) = e else { Issue.record("got \(String(describing: e))"); continue }
            #expect(path.hasSuffix("births.csv") && found == separator && header.hasPrefix("area"))
            #expect(e?.message.contains("births.csv:1: fields separated by \(separator), not commas") == true)
            #expect(e?.hint?.contains("CSV UTF-8 (Comma delimited)") == true)
        }
    }

    @Test func nonNumericCountIsRejected() throws {
        let d = try rolls(replacing: 3, with: "2020,B,R,forty")
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .invalidValue(let loc, let value, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.line == 3 && loc.column == 4 && value == "forty")
    }

    @Test func missingYearInASeriesIsNamed() throws {
        let d = try TemporaryData.handCheckable()
        let text = try String(contentsOfFile: d.path("rolls.csv"), encoding: .utf8)
        let kept = text.components(separatedBy: "\n").filter { !$0.hasPrefix("2021,B,") }.joined(separator: "\n")
        try kept.write(toFile: d.path("rolls.csv"), atomically: true, encoding: .utf8)
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .missingYears(_, let series, let missing) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(series == "area B" && missing == [AcademicYear(2021)])
    }

    @Test func missingBirthYearIsNamed() throws {
        let d = try TemporaryData.handCheckable(extra: ["births.csv": "area,year,births\nL,2016,200\nL,2018,240\nLB,2016,80\n"])
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .missingYears(_, let series, let missing) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(series == "births for L" && missing == [AcademicYear(2017)])
    }

    @Test func missingColumnListsTheHeader() throws {
        let d = try TemporaryData.handCheckable(extra: ["births.csv": "area,year,count\nL,2016,200\n"])
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .missingColumn(let loc, let column, let available) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.line == 1 && column == "births" && available == ["area", "year", "count"])
    }

    /// x, z and c are missing values, never zero: a ratio that needs one is skipped, and
    /// the origin census, which the forecast starts from, must not have one.
    @Test(arguments: ["x", "z", "c"])
    func suppressionCodesAreMissingNotZero(code: String) throws {
        // In an early year: the load succeeds and the value is missing.
        let early = try rolls(replacing: 4, with: "2020,A,Y1,\(code)")
        let data = try PlacePlanFormat.load(directory: early.directory)
        #expect(data.rolls.pupils(yearIndex: 0, area: 0, .year1) == nil)
        // ... so the R→Y2 history skips it rather than reading a zero.
        let history = RatioHistory(data: data)
        #expect(history.cohort[1][0][0] == nil)
        #expect(history.cohort[1][0][1] == 50.0 / 90)
        #expect(history.cohort[0][0][0] == 0.9)
        // ... and a note names it, as every command prints.
        #expect(try DataSource.load(early.directory).notes.contains { $0.hasPrefix("1 census count is suppressed") && $0.contains("Y1 in 2020/21 (rolls.csv:4)") })

        // In the origin year: the forecast cannot start, and the error names the cell.
        let lines = try String(contentsOfFile: early.path("rolls.csv"), encoding: .utf8).components(separatedBy: "\n")
        let originLine = lines.firstIndex(of: "2022,A,Y1,110")! + 1
        let late = try rolls(replacing: originLine, with: "2022,A,Y1,\(code)")
        let e = error { _ = try Projector.forecast(try PlacePlanFormat.load(directory: late.directory), settings: ForecastSettings()) }
        guard case .suppressedValue(let loc, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.line == originLine && loc.column == 4)
    }

    @Test func severalProblemsAreReportedTogether() throws {
        let d = try TemporaryData.handCheckable()
        var lines = try String(contentsOfFile: d.path("rolls.csv"), encoding: .utf8).components(separatedBy: "\n")
        lines[2] = "2020,B,R,-1"
        lines[4] = "2020,B,Y1,abc"
        try lines.joined(separator: "\n").write(toFile: d.path("rolls.csv"), atomically: true, encoding: .utf8)
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        #expect(e?.flattened.count == 2)
    }

    @Test func schoolsAreValidated() throws {
        let header = "id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity,opens,closes,arp_places\n"
        let cases: [(String, (PlacePlanError) -> Bool)] = [
            ("A1,S,Q,primary,R,Y6,60,420,,,", { if case .unknownArea = $0 { true } else { false } }),
            ("A1,S,A,primary,Y6,R,60,420,,,", { if case .invalidValue = $0 { true } else { false } }),
            ("A1,S,A,secondary,Y7,Y11,60,420,,,", { if case .invalidValue = $0 { true } else { false } }),
            ("A1,S,A,primary,R,Y6,60,420,2024,2022,", { if case .invalidValue = $0 { true } else { false } }),
            ("A1,S,A,primary,R,Y6,60,420,,,ASD=4", { if case .invalidValue = $0 { true } else { false } }),
            ("A1,S,A,primary,R,Y6,sixty,420,,,", { if case .invalidValue = $0 { true } else { false } }),
        ]
        for (row, matches) in cases {
            let d = try TemporaryData.handCheckable(extra: ["schools.csv": header + row + "\n"])
            let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
            #expect(e.map(matches) == true, "\(row) gave \(String(describing: e))")
            #expect(e?.flattened.first?.message.contains("schools.csv:2") == true)
        }
    }

    @Test func transfersAreValidated() throws {
        let d = try TemporaryData.handCheckable(extra: ["transfers.csv": "from_area,to_area,share\nA,B,0.5\n"])
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .invalidValue(let loc, _, let expected) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(loc.line == 2 && expected.contains("secondary"))
    }

    @Test func sharesAndCostsAreReadAsExcelWritesThem() throws {
        // A percentage-formatted cell ("78%"), a fraction, and a currency cell ("£20,000").
        let d = try TemporaryData.withSecondary()
        for (text, share) in [("0.78", 0.78), ("78%", 0.78), ("\"78.5 %\"", 0.785), ("0", 0.0), ("100%", 1.0)] {
            try "from_area,to_area,share\nA,S,\(text)\n".write(toFile: d.path("transfers.csv"), atomically: true, encoding: .utf8)
            let shares = try PlacePlanFormat.load(directory: d.directory).transfers?.shares
            #expect(shares?["S"]?["A"].map { abs($0 - share) < 1e-12 } == true, "\(text)")
        }
        // A bare 78 is not read as a percentage, and over 100% is refused.
        for (text, says) in [("78", "a share between 0 and 1: for 78 per cent write 78% or 0.78"), ("100", "for 100 per cent write 100% or 1"), ("12.5", "write 12.5% or 0.125"), ("120%", "a percentage of at most 100%"), ("78%%", "a number written in digits")] {
            try "from_area,to_area,share\nA,S,\(text)\n".write(toFile: d.path("transfers.csv"), atomically: true, encoding: .utf8)
            let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
            guard case .invalidValue(let loc, _, let expected) = e else { Issue.record("\(text): got \(String(describing: e))"); continue }
            #expect(loc.line == 2 && loc.column == 3 && expected.contains(says), "\(text): \(expected)")
        }
        try "placement,annual_cost\narp,\"£20,000\"\nindependent,£ 61500\nspecial,26000\n".write(toFile: d.path("send_costs.csv"), atomically: true, encoding: .utf8)
        let costs = try SENDCosts.read(d.path("send_costs.csv")).annual
        #expect(costs[.arp] == 20_000 && costs[.independent] == 61_500 && costs[.specialInBorough] == 26_000)
        // £ in thousands is still caught, and a £ with no number is an error at the cell.
        for (text, says) in [("£60", "is it in £ thousands? write 60,000 for £60k"), ("£", "a number written in digits")] {
            try "placement,annual_cost\narp,\(text)\n".write(toFile: d.path("send_costs.csv"), atomically: true, encoding: .utf8)
            let e = error { _ = try SENDCosts.read(d.path("send_costs.csv")) }
            guard case .invalidValue(let loc, _, let expected) = e else { Issue.record("\(text): got \(String(describing: e))"); continue }
            #expect(loc.line == 2 && loc.column == 2 && expected.contains(says), "\(text): \(expected)")
        }
        try "placement,annual_cost\narp,£-5\n".write(toFile: d.path("send_costs.csv"), atomically: true, encoding: .utf8)
        let negative = error { _ = try SENDCosts.read(d.path("send_costs.csv")) }
        guard case .negativeValue(let loc, "£-5") = negative else { Issue.record("£-5 is not refused as negative"); return }
        #expect(loc.line == 2 && loc.column == 2)
    }

    @Test func missingDirectoryAndFileAreClear() throws {
        let e = error { _ = try DataSource.load("/nonexistent/placeplan") }
        guard case .fileNotFound = e else { Issue.record("got \(String(describing: e))"); return }
        let d = try TemporaryData(files: ["areas.csv": "id,name,phase,local_authority\nA,A,primary,L\n"])
        let e2 = error { _ = try DataSource.load(d.directory) }
        #expect(e2?.flattened.contains { if case .fileNotFound(let p, _) = $0 { p.hasSuffix("schools.csv") } else { false } } == true)
    }

    @Test func notUTF8IsUnreadable() throws {
        let d = try TemporaryData.handCheckable()
        try Data([0x69, 0x64, 0x0A, 0xFF, 0xFE, 0x00]).write(to: URL(fileURLWithPath: d.path("areas.csv")))
        let e = error { _ = try PlacePlanFormat.load(directory: d.directory) }
        guard case .unreadableFile = e else { Issue.record("got \(String(describing: e))"); return }
    }
}
