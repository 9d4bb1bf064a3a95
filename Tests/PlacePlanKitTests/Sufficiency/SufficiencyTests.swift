import Testing
@testable import PlacePlanKit

@Suite struct PlacesTests {
    let school = School(id: "S", name: "S", areaID: "A", phase: .primary, yearGroups: .reception ... .year6, pan: 60, netCapacity: 420)

    @Test func placesFollowTheCohort() {
        var s = school
        s.panChanges = [AcademicYear(2025): 90]
        s.bulges = [AcademicYear(2023): 30]
        #expect(s.places(.reception, in: AcademicYear(2024)) == 60)
        #expect(s.places(.reception, in: AcademicYear(2025)) == 90)
        #expect(s.places(.year1, in: AcademicYear(2025)) == 60)
        #expect(s.places(.year1, in: AcademicYear(2026)) == 90)
        // The bulge admitted in 2023 is in Year 2 in 2025, and nowhere else.
        #expect(s.places(.reception, in: AcademicYear(2023)) == 90)
        #expect(s.places(YearGroup(2), in: AcademicYear(2025)) == 90)
        #expect(s.places(YearGroup(1), in: AcademicYear(2025)) == 60)
        #expect(s.places(YearGroup(3), in: AcademicYear(2025)) == 60)
    }

    @Test func newSchoolsFillUpAndClosedSchoolsHaveNoPlaces() {
        var s = school
        s.opens = AcademicYear(2024)
        s.closes = AcademicYear(2030)
        #expect(s.places(.reception, in: AcademicYear(2023)) == 0)
        #expect(s.places(.reception, in: AcademicYear(2024)) == 60)
        #expect(s.places(.year1, in: AcademicYear(2024)) == 0)
        #expect(s.places(.year1, in: AcademicYear(2025)) == 60)
        #expect(s.places(.year6, in: AcademicYear(2029)) == 0)
        #expect(s.places(.reception, in: AcademicYear(2030)) == 0)
    }

    @Test func sixthFormPlacesComeFromNetCapacity() {
        let s = School(id: "T", name: "T", areaID: "S", phase: .secondary, yearGroups: .year7 ... YearGroup(13), pan: 180, netCapacity: 1200)
        #expect(s.places(.year7, in: AcademicYear(2025)) == 180)
        #expect(s.sixthFormPlacesPerYear == 150)
        #expect(s.places(.year12, in: AcademicYear(2025)) == 150)
        let special = School(id: "X", name: "X", areaID: "S", phase: .special, yearGroups: .year7 ... YearGroup(13), pan: 0, netCapacity: 100)
        #expect(special.places(.year7, in: AcademicYear(2025)) == 0)
    }
}

@Suite struct SufficiencyTests {
    @Test(arguments: [
        (100.0, 101.0, SufficiencyStatus.deficit), (100, 97, .belowMargin), (100, 95, .withinMargin),
        (100, 90, .withinMargin), (100, 89, .highSurplus), (0, 5, .deficit), (0, 0, .withinMargin),
    ])
    func classifiesAgainstTheMargins(places: Double, pupils: Double, status: SufficiencyStatus) {
        #expect(SufficiencyStatus.classify(places: places, pupils: pupils, thresholds: SufficiencyThresholds()) == status)
    }

    /// The hand-checkable data: area A has 120 places a year group, B 45.
    @Test func comparesPlacesAndPupilsWithoutOffsetting() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 2))
        let report = SufficiencyReport(forecast: forecast, schools: [data.schools], thresholds: [SufficiencyThresholds()])
        #expect(report.rows.count == 2 * 3)
        let origin = try #require(report.rows.first { $0.areaID == "A" && !$0.isForecast })
        #expect(origin.places == 840)
        #expect(origin.pupils == 120 + 110 + 5 * 50)
        #expect(origin.surplus == 840 - 480)
        #expect(origin.status == .highSurplus)
        #expect(origin.entryPlaces == 120 && origin.entryPupils == 120)
        #expect(origin.entryFormsOfEntry == 0)
        #expect(origin.shortfall == 0)
        let b = try #require(report.rows.first { $0.areaID == "B" && $0.year == AcademicYear(2023) })
        #expect(b.places == 315 && abs(b.pupils - 280) < 1e-9)
        #expect(abs(b.entryFormsOfEntry - 5.0 / 30) < 1e-9)
        // Per year group rows, one per NCY, area and year.
        #expect(report.yearGroupRows.count == 2 * 3 * 7)
    }

    @Test func shortfallDoesNotOffsetYearGroups() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 1))
        var small = data.schools.filter { $0.areaID == "A" }
        small.removeLast()  // 60 places a year group for A
        let report = SufficiencyReport(forecast: forecast, schools: [small], thresholds: [SufficiencyThresholds()])
        let row = try #require(report.rows.first { $0.areaID == "A" && !$0.isForecast })
        // Reception 120 and Year 1 110 are over 60; the spare places in Years 2-6 (10 each) do not offset.
        #expect(row.shortfall == 60 + 50)
        #expect(row.surplus == 420 - 480)
        #expect(row.status == .deficit)
        #expect(row.entryFormsOfEntry == -2)
    }
}
