import Testing
@testable import PlacePlanKit

@Suite struct AcademicYearTests {
    @Test(arguments: ["2019/20", "2019-20", "201920", "2019", " 2019/2020 "])
    func parsesEveryFormOf2019_20(text: String) {
        #expect(AcademicYear(parsing: text) == AcademicYear(2019))
    }

    @Test(arguments: ["2019/21", "19/20", "20192", "abcd", "", "2019/", "201921"])
    func rejectsMalformedYears(text: String) {
        #expect(AcademicYear(parsing: text) == nil)
    }

    @Test func describesAndCounts() {
        #expect(AcademicYear(2009).description == "2009/10")
        #expect(AcademicYear(2099).description == "2099/00")
        #expect(AcademicYear(2019).censusYear == 2020)
        #expect(AcademicYear(2025) - AcademicYear(2019) == 6)
    }
}

@Suite struct YearGroupTests {
    @Test func parsesTheDfEAndPlainSpellings() {
        #expect(YearGroup(parsing: "reception") == .reception)
        #expect(YearGroup(parsing: "R") == .reception)
        #expect(YearGroup(parsing: "year_group_7") == .year7)
        #expect(YearGroup(parsing: "Y13") == YearGroup(13))
        #expect(YearGroup(parsing: "Year 6") == .year6)
        // As management-information exports write them.
        #expect(YearGroup(parsing: "Yr 1") == .year1 && YearGroup(parsing: "yr11") == YearGroup(11) && YearGroup(parsing: "Y 7") == .year7)
        #expect(YearGroup(parsing: "Rec") == .reception && YearGroup(parsing: "Year 10") == YearGroup(10))
        #expect(YearGroup(parsing: "year_group_14") == nil && YearGroup(parsing: "Yr 14") == nil && YearGroup(parsing: "Yrs 1") == nil)
        #expect(YearGroup(parsing: "Y-1") == nil)
    }

    @Test func phasesReadAsGIASWritesThem() {
        #expect(Phase(parsing: "Primary") == .primary && Phase(parsing: "Secondary School") == .secondary)
        #expect(Phase(parsing: "All-through") == .allThrough && Phase(parsing: "Special school") == .special)
        #expect(Phase(parsing: "Middle deemed primary") == nil && Phase(parsing: "school") == nil && Phase(parsing: "16 plus") == nil)
    }

    @Test func phasesHoldTheirYearGroups() {
        #expect(Phase.primary.yearGroups.count == 7)
        #expect(Phase.secondary.yearGroups.lowerBound == .year7)
        #expect(Phase.allThrough.yearGroups.count == 14)
        #expect(ReportingPhase(.year6) == .primary)
        #expect(ReportingPhase(.year7) == .secondary)
    }

    @Test func needsBelongToTheirBroadAreas() {
        #expect(PrimaryNeed.asd.broadArea == .communicationAndInteraction)
        #expect(PrimaryNeed.spld.broadArea == .cognitionAndLearning)
        #expect(PrimaryNeed.msi.broadArea == .sensoryPhysical)
        #expect(PrimaryNeed(parsing: "spld") == .spld)
    }
}
