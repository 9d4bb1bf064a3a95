import Foundation
import Testing
@testable import PlacePlanKit

/// Every invalid scenario gives an error naming the file, line and column, with a hint.
@Suite struct ScenarioValidationTests {
    let d: TemporaryData
    let data: DataSet
    init() throws {
        d = try TemporaryData.withSecondary()
        data = try PlacePlanFormat.load(directory: d.directory)
    }

    /// The error from loading and applying `yaml` (origin 2022/23, 5 years).
    func problem(_ yaml: String, file: String = "bad.yaml") throws -> (message: String, line: Int?, column: Int?, hint: String?) {
        let path = try d.scenario(file, yaml)
        let e = error {
            let s = try ScenarioFile.load(path)
            _ = try AppliedScenario.apply(s, to: data, origin: AcademicYear(2022), horizon: 5)
        }
        guard case .invalidScenario(let loc, let message, let hint) = e else {
            Issue.record("expected an invalid scenario, got \(String(describing: e))")
            return ("", nil, nil, nil)
        }
        #expect(loc.file == path)
        #expect(!hint.isEmpty)
        #expect(e?.exitCode == 65)
        return (message, loc.line, loc.column, hint)
    }

    @Test func unknownKeySuggestsTheRightOne() throws {
        let p = try problem("name: x\nchanges:\n  - type: bulge\n    school: A1\n    yaer: 2024\n")
        #expect(p.message.contains("unknown key 'yaer'") && p.line == 5 && p.column == 5)
        #expect(p.hint?.contains("did you mean 'year'") == true)
        let top = try problem("name: x\ndescripton: typo\n")
        #expect(top.line == 2 && top.hint?.contains("description") == true)
    }

    @Test func unknownSchoolAndArea() throws {
        let school = try problem("name: x\nchanges:\n  - {type: bulge, school: A7, year: 2024}\n")
        #expect(school.message.contains("unknown school 'A7'") && school.line == 3)
        let area = try problem("name: x\nchanges:\n  - type: housing\n    area: Q\n    secondary_area: S\n    completions: {2024: 10}\n    mix: [{type: flat, share: 1}]\n")
        #expect(area.message.contains("unknown planning area 'Q'") && area.line == 4 && area.column == 11)
    }

    /// A scenario's births file whose area matches no area or authority of the data would be
    /// obeyed silently, as nothing: it is an error at that row.
    @Test func birthsFileOfAnUnknownArea() throws {
        _ = try d.scenario("births-typo.csv", "area,year,births,type\nL,2024,300,predicted\nLX,2024,300,predicted\n")
        let path = try d.scenario("b.yaml", "name: b\nassumptions:\n  births_file: births-typo.csv\n")
        let e = error { _ = try AppliedScenario.apply(try ScenarioFile.load(path), to: data, origin: AcademicYear(2022), horizon: 5) }
        guard case .unknownArea(let loc, let id, _) = e else {
            Issue.record("expected an unknown area, got \(String(describing: e))")
            return
        }
        #expect(id == "LX" && loc.file.hasSuffix("births-typo.csv") && loc.line == 3, "\(loc)")
        _ = try d.scenario("births-ok.csv", "area,year,births,type\nL,2024,300,predicted\n")
        let ok = try d.scenario("ok.yaml", "name: ok\nassumptions:\n  births_file: births-ok.csv\n")
        #expect(try AppliedScenario.apply(try ScenarioFile.load(ok), to: data, origin: AcademicYear(2022), horizon: 5).births["L"]?.births[2024] == 300)
    }

    @Test func yearsOutsideTheForecast() throws {
        let early = try problem("name: x\nchanges:\n  - {type: bulge, school: A1, year: 2022}\n")
        #expect(early.message.contains("2022/23 is before the forecast (2023/24 to 2027/28)") && early.line == 3)
        // After the forecast is allowed (the change acts from then), but not past any forecast.
        let late = try problem("name: x\nchanges:\n  - type: housing\n    area: A\n    secondary_area: S\n    completions: {2024: 10, 2048: 5}\n    mix: [{type: flat, share: 1}]\n")
        #expect(late.message.contains("2048/49 is more than 25 years after the origin census 2022/23") && late.line == 6)
        #expect(late.hint?.contains("the latest is 2047/48") == true)
    }

    @Test func housingDeliveryRanges() throws {
        let housing = "name: x\nchanges:\n  - type: housing\n    area: A\n    secondary_area: S\n    completions: {2024: 10}\n    mix: [{type: flat, share: 1}]\n"
        let share = try problem(housing + "    delivery: {share: [0.9, 0.5]}\n")
        #expect(share.message.contains("[low, high]") && share.line == 8)
        let delay = try problem(housing + "    delivery:\n      delay: 12\n")
        #expect(delay.message.contains("0 to 10 years") && delay.line == 9 && delay.column == 14)
        let key = try problem(housing + "    delivery: {shares: 0.5}\n")
        #expect(key.message.contains("unknown key 'shares'") && key.hint?.contains("share") == true)
        // A valid block is read.
        let path = try d.scenario("ok.yaml", housing + "    delivery: {share: [0.6, 1.0], delay: 2}\n")
        let applied = try AppliedScenario.apply(try ScenarioFile.load(path), to: data, origin: AcademicYear(2022), horizon: 5)
        #expect(applied.uncertainDelivery.count == 1 && applied.uncertainDelivery[0].delivery == HousingDelivery(share: 0.6...1.0, maximumDelay: 2))
    }

    @Test func negativeDwellings() throws {
        let p = try problem("name: x\nchanges:\n  - type: housing\n    area: A\n    secondary_area: S\n    completions: {2024: -10}\n    mix: [{type: flat, share: 1}]\n")
        #expect(p.message.contains("must not be negative") && p.line == 6)
    }

    /// A number no scenario change could mean (it would overflow the output's whole numbers).
    @Test func implausiblyLargeNumbers() throws {
        let p = try problem("name: x\nchanges:\n  - type: housing\n    area: A\n    secondary_area: S\n    completions: {2024: 100_000_000}\n    mix: [{type: flat, share: 1}]\n")
        #expect(p.message.contains("more than 10,000,000") && p.line == 6 && p.hint?.contains("unit") == true)
        let percent = try problem("name: x\nchanges:\n  - {type: bulge, school: A1, year: 2024, places: 2000000000%}\n")
        #expect(percent.message.contains("more than 10,000,000") && percent.line == 3)
    }

    /// Numbers are read as the data files read them: exponents and hexadecimal (which
    /// Double(_:) would take) are refused, a leading + and underscores between digits are not.
    @Test func numbersAreDigitsAsInTheDataFiles() throws {
        for written in ["1e300", "0x10", "inf", "nan", "1.", "--5"] {
            let p = try problem("name: x\nchanges:\n  - {type: bulge, school: A1, year: 2024, places: \(written)}\n")
            #expect(p.message.contains("'places' must be a number, not '\(written)'") && p.line == 3, "\(written): \(p.message)")
        }
        for (written, places) in [("+30", 30), ("1_200", 1_200), ("30.0", 30)] {
            let path = try d.scenario("n.yaml", "name: x\nchanges:\n  - {type: bulge, school: A1, year: 2024, places: \(written)}\n")
            guard case .bulge(_, let p)? = try ScenarioFile.load(path).changes.first?.kind else { Issue.record("\(written)"); continue }
            #expect(p == places, "\(written)")
        }
    }

    @Test func bulgeOutsideAnEntryYearGroup() throws {
        let p = try problem("name: x\nchanges:\n  - {type: bulge, school: A1, year: 2024, year_group: Y3}\n")
        #expect(p.message.contains("entry year group") && p.line == 3)
    }

    @Test func schoolClosingBeforeItOpens() throws {
        let yaml = """
            name: x
            changes:
              - {type: new_school, id: A9, area: A, phase: primary, year: 2025, pan: 30}
              - {type: closure, school: A9, year: 2024}
            """
        let p = try problem(yaml)
        #expect(p.message.contains("before or as it opens") && p.line == 4)
    }

    @Test func schoolClosedTwice() throws {
        let p = try problem("name: x\nchanges:\n  - {type: closure, school: A1, year: 2024}\n  - {type: closure, school: A1, year: 2025}\n")
        #expect(p.message.contains("A1 already closes in 2024/25 (an earlier change)") && p.line == 4)
        // Bringing a closure forward is a change, not a mistake.
        let path = try d.scenario("sooner.yaml", "name: y\nchanges:\n  - {type: closure, school: A1, year: 2025}\n  - {type: closure, school: A1, year: 2024}\n")
        let applied = try AppliedScenario.apply(try ScenarioFile.load(path), to: data, origin: AcademicYear(2022), horizon: 5)
        #expect(applied.schools.first { $0.id == "A1" }?.closes == AcademicYear(2024))
    }

    @Test func newMainstreamSchoolNeedsAPAN() throws {
        let p = try problem("name: x\nchanges:\n  - {type: new_school, id: A9, area: A, phase: primary, year: 2025, pan: 0}\n")
        #expect(p.message.contains("a new primary school needs a PAN above 0") && p.line == 3)
    }

    @Test func circularExtends() throws {
        _ = try d.scenario("a.yaml", "name: a\nextends: b.yaml\n")
        _ = try d.scenario("b.yaml", "name: b\nextends: a.yaml\n")
        let e = error { _ = try ScenarioFile.load(d.path("a.yaml")) }
        guard case .invalidScenario(let loc, let message, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(message.contains("circular 'extends': a.yaml -> b.yaml -> a.yaml"))
        #expect(loc.file.hasSuffix("b.yaml") && loc.line == 2 && loc.column == 10)
        let selfish = try problem("name: s\nextends: bad.yaml\n")
        #expect(selfish.message.contains("circular"))
    }

    @Test func otherMistakes() throws {
        #expect(try problem("name: x\nchanges:\n  - {type: bulk, school: A1, year: 2024}\n").hint?.contains("did you mean 'bulge'") == true)
        #expect(try problem("name: x\nchanges:\n  - type: housing\n    area: A\n    secondary_area: S\n    completions: {2024: 10}\n    mix: [{type: flat, share: 0.6}]\n").message.contains("sum to 0.600"))
        #expect(try problem("name: x\nchanges:\n  - type: housing\n    area: A\n    completions: {2024: 10}\n    mix: [{type: flat, share: 1}]\n").message.contains("needs 'secondary_area'"))
        #expect(try problem("name: x\nchanges:\n  - type: housing\n    area: A\n    secondary_area: S\n    completions: {2024: 10}\n    mix: [{type: house, bedrooms: 3, share: 1}]\n").message.contains("no rows for 3-bed market house"))
        #expect(try problem("name: x\nchanges:\n  - {type: arp, school: S1, need: AUT, year: 2024, places: 5}\n").message.contains("unknown need"))
        #expect(try problem("name: x\nchanges:\n  - {type: closure, school: A2, year: 2024, pupils_move_to: [A2]}\n").message.contains("closing school"))
        #expect(try problem("changes: []\n").message.contains("needs a 'name'"))
        let syntax = try problem("name: x\nchanges:\n  - {type: bulge\n")
        #expect(syntax.message.contains("not valid YAML") && syntax.line != nil)
        #expect(try problem("name: x\nassumptions: {horizon: 40}\n").message.contains("outside 1...25"))
        #expect(try problem("name: x\nassumptions: {margin: 12%, high_surplus: 10%}\n").message.contains("above high_surplus"))
    }

    @Test func missingFileIsNotFound() {
        let e = error { _ = try ScenarioFile.load(d.path("nope.yaml")) }
        guard case .fileNotFound = e else { Issue.record("got \(String(describing: e))"); return }
    }
}
