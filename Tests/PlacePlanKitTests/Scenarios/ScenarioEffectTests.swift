import Foundation
import Testing
@testable import PlacePlanKit

/// Each change type has exactly the effect it describes, and nothing else.
@Suite struct ScenarioEffectTests {
    let d: TemporaryData
    let data: DataSet
    init() throws {
        d = try TemporaryData.withSecondary()
        data = try PlacePlanFormat.load(directory: d.directory)
    }

    /// Runs the baseline and one scenario side by side (origin 2022/23, 5 years).
    func compare(_ yaml: String) throws -> (run: ScenarioForecast, places: [[[[Double]]]]) {
        let scenario = try ScenarioFile.load(try d.scenario("s.yaml", yaml))
        let run = try ScenarioRunner.run(data, scenarios: [.baseline, scenario], overrides: AssumptionOverrides(horizon: 5))
        let years = [run.forecast.origin] + run.forecast.years
        let places = run.schools.map { SufficiencyReport.places(schools: $0, areas: data.areas, years: years) }
        return (run, places)
    }

    func pupilsDiffer(_ run: ScenarioForecast) -> [(h: Int, g: YearGroup, area: Int, diff: Double)] {
        var out: [(Int, YearGroup, Int, Double)] = []
        for h in 0...run.forecast.horizon {
            for g in YearGroup.all {
                for a in 0..<data.areas.count {
                    let diff = run.forecast.states[h][g, a, 1] - run.forecast.states[h][g, a, 0]
                    if abs(diff) > 1e-9 { out.append((h, g, a, diff)) }
                }
            }
        }
        return out
    }

    @Test func bulgeAddsItsPlacesToOneCohortOnly() throws {
        let (run, places) = try compare("name: b\nchanges:\n  - {type: bulge, school: A1, year: 2024, places: 30}\n")
        for h in 0...5 {
            for g in YearGroup.all {
                for a in 0..<3 {
                    let diff = places[1][h][g.index][a] - places[0][h][g.index][a]
                    let year = 2022 + h
                    let expected = (a == 0 && year >= 2024 && g.index == year - 2024) ? 30.0 : 0
                    #expect(diff == expected, "year \(year) \(g) area \(a)")
                }
            }
        }
        #expect(pupilsDiffer(run).isEmpty, "a bulge changes places, not pupils")
    }

    @Test func changesPastTheForecastActOnlyWithinIt() throws {
        // A scheme completing in 2024 and 2031 in a forecast to 2027/28 gives the same
        // pupils as the 2024 completions alone; a bulge in 2030 changes nothing.
        let housing = "name: h\nchanges:\n  - type: housing\n    area: A\n    secondary_area: S\n    completions: {2024: 100%@}\n    mix: [{type: flat, bedrooms: 2, tenure: market, share: 1}]\n"
        let (long, longPlaces) = try compare(housing.replacingOccurrences(of: "%@", with: ", 2031: 400") + "  - {type: bulge, school: A1, year: 2030, places: 30}\n")
        let (short, shortPlaces) = try compare(housing.replacingOccurrences(of: "%@", with: ""))
        #expect(!pupilsDiffer(long).isEmpty)
        for h in 0...5 { #expect(long.forecast.states[h].values == short.forecast.states[h].values, "year \(2022 + h)") }
        #expect(longPlaces[1] == shortPlaces[1])
        let changes = long.applied[1].scenario.changes, last = AcademicYear(2027)
        #expect(changes[0].lastYear == AcademicYear(2031))
        #expect(changes[0].summary(forecastTo: last).hasSuffix("(to 2027/28 in this forecast)"))
        #expect(changes[1].summary(forecastTo: last).hasSuffix("(after 2027/28, outside this forecast)"))
        #expect(changes[0].summary(forecastTo: AcademicYear(2031)) == changes[0].summary)
        let header = ScenarioHeader.text(long, dataLabel: "test", sufficiency: true)
        #expect(header.contains("(after 2027/28, outside this forecast)"))
    }

    @Test func housingRaisesPupilsOnlyInItsAreasFromItsCompletionYear() throws {
        let yaml = """
            name: h
            changes:
              - type: housing
                area: A
                secondary_area: S
                completions: {2024: 100}
                mix: [{type: flat, bedrooms: 2, tenure: market, share: 1}]
            """
        let (run, places) = try compare(yaml)
        #expect(places[0] == places[1])
        let diffs = pupilsDiffer(run)
        #expect(!diffs.isEmpty)
        for d in diffs {
            let year = 2022 + d.h
            #expect(year >= 2024)
            #expect(d.area == (d.g.index <= 6 ? 0 : 2))
            let s = min(year - 2024, 2)
            #expect(abs(d.diff - 100 * Double(s + 1) * (d.g.index <= 6 ? 0.01 : 0.005)) < 1e-9)
        }
        // 4% of yielded pupils have an EHCP, by default.
        let applied = run.applied[1]
        #expect(abs(applied.housingEHCP[1][0] - 0.04 * applied.housingPupils[1][0]) < 1e-12)
    }

    @Test func netDemolitionsLowerPupils() throws {
        let yaml = """
            name: r
            changes:
              - type: regeneration
                area: A
                secondary_area: S
                completions: {2026: 10}
                demolitions: {2024: 200}
                mix: [{type: flat, bedrooms: 2, tenure: market, share: 1}]
            """
        let (run, _) = try compare(yaml)
        let diffs = pupilsDiffer(run)
        #expect(diffs.allSatisfy { 2022 + $0.h >= 2024 && $0.diff < 0 })
        // Demolished homes take away the established yield (the last row: s = 2).
        let first = diffs.first { $0.h == 2 && $0.g == .reception }!
        #expect(abs(first.diff + 200 * 0.03) < 1e-9)
    }

    /// Demolitions that would take more pupils than an area has (100,000 homes typed for
    /// 1,000) hold its year groups at zero, in the forecast and in every draw, and a note
    /// names the scenario, the areas and the years.
    @Test func demolitionsBeyondTheAreasPupilsHoldItAtZeroWithANote() throws {
        let yaml = """
            name: typo
            changes:
              - type: regeneration
                area: A
                secondary_area: S
                completions: {2024: 10}
                demolitions: {2024: 100000}
                mix: [{type: flat, bedrooms: 2, tenure: market, share: 1}]
                delivery: {share: [0.6, 1.0], delay: 1}
            """
        let scenario = try ScenarioFile.load(try d.scenario("s.yaml", yaml))
        let run = try ScenarioRunner.run(
            data, scenarios: [.baseline, scenario], overrides: AssumptionOverrides(horizon: 4),
            uncertainty: UncertaintySettings(draws: 200, seed: 1))
        let f = run.forecast
        for h in 0...4 {
            for g in YearGroup.all {
                for a in 0..<data.areas.count {
                    #expect(f.states[h][g, a, 1] >= 0)
                    if 2022 + h >= 2024 && data.areas[a].phase.yearGroups.contains(g) && (a == 0 || a == 2) {
                        #expect(f.states[h][g, a, 1] == 0)
                    }
                }
            }
        }
        let note = try #require(run.notes.first { $0.hasPrefix("scenario 'typo'") })
        #expect(note.contains("A in 2024/25-2026/27") && note.contains("S in 2024/25-2026/27"))
        #expect(!run.notes.contains { $0.hasPrefix("scenario 'baseline'") })
        let draws = try #require(run.draws?[1])
        #expect(draws.cells.allSatisfy { $0 >= 0 } && draws.totals.allSatisfy { $0 >= 0 })
    }

    @Test func panChangeFillsUpOneYearGroupAYear() throws {
        let (run, places) = try compare("name: p\nchanges:\n  - {type: expansion, school: A1, year: 2024, change: +30}\n")
        #expect(pupilsDiffer(run).isEmpty)
        #expect(places[1][2][0][0] - places[0][2][0][0] == 30)  // 2024/25 R
        #expect(places[1][2][1][0] - places[0][2][1][0] == 0)   // 2024/25 Y1
        #expect(places[1][3][1][0] - places[0][3][1][0] == 30)  // 2025/26 Y1
        let (_, reduced) = try compare("name: p\nchanges:\n  - {type: reduction, school: B1, year: 2025, pan: 30}\n")
        #expect(reduced[1][3][0][1] == 30 && reduced[0][3][0][1] == 45)
    }

    @Test func newSchoolOpensAndGrows() throws {
        let yaml = """
            name: n
            changes:
              - {type: new_school, id: A9, name: New A, area: A, phase: primary, year: 2024, pan: 30, opening_year_groups: [R, Y1]}
            """
        let (_, places) = try compare(yaml)
        let extra = { (h: Int, g: Int) in places[1][h][g][0] - places[0][h][g][0] }
        #expect(extra(1, 0) == 0)
        #expect(extra(2, 0) == 30 && extra(2, 1) == 30 && extra(2, 2) == 0)
        #expect(extra(3, 2) == 30 && extra(3, 3) == 0)
    }

    @Test func closureRemovesPlacesAndMovesPupils() throws {
        let yaml = "name: c\nchanges:\n  - {type: closure, school: A2, year: 2024, pupils_move_to: [B1]}\n"
        let (run, places) = try compare(yaml)
        #expect(places[1][1][0][0] == 120)
        #expect(places[1][2][0][0] == 60 && places[1][2][3][0] == 60)
        // A2 holds half of A's places, so half of A's pupils move to B from 2024/25.
        let f = run.forecast
        for h in 0...5 {
            for g in Phase.primary.yearGroups {
                let a0 = f.states[h][g, 0, 0], a1 = f.states[h][g, 0, 1], b0 = f.states[h][g, 1, 0], b1 = f.states[h][g, 1, 1]
                if 2022 + h >= 2024 {
                    #expect(abs(a1 - a0 / 2) < 1e-9)
                    #expect(abs(b1 - (b0 + a0 / 2)) < 1e-9)
                } else {
                    #expect(a1 == a0 && b1 == b0)
                }
            }
        }
        // Without named schools the pupils stay in the area.
        let (stay, _) = try compare("name: c\nchanges:\n  - {type: closure, school: A2, year: 2024}\n")
        #expect(pupilsDiffer(stay).isEmpty)
    }

    @Test func birthsChangeScalesReceptionFromItsYear() throws {
        let (run, _) = try compare("name: b\nchanges:\n  - {type: births, year: 2025, change: -10%, areas: [A]}\n")
        let f = run.forecast
        #expect(f.states[2][.reception, 0, 1] == f.states[2][.reception, 0, 0])
        #expect(abs(f.states[3][.reception, 0, 1] - 0.9 * f.states[3][.reception, 0, 0]) < 1e-9)
        #expect(f.states[3][.reception, 1, 1] == f.states[3][.reception, 1, 0])
        #expect(abs(f.births[2][0 + 1 * 3] - 0.9 * f.births[2][0]) < 1e-9)
    }

    @Test func migrationShockScalesTheRatiosOfItsYearsAndYearGroups() throws {
        let (run, _) = try compare("name: m\nchanges:\n  - {type: migration_shock, year: 2024, year_groups: Y2-Y3, factor: 0.5}\n")
        let f = run.forecast
        #expect(f.states[1][YearGroup(2), 0, 1] == f.states[1][YearGroup(2), 0, 0])
        #expect(abs(f.states[2][YearGroup(2), 0, 1] - 0.5 * f.states[2][YearGroup(2), 0, 0]) < 1e-9)
        #expect(abs(f.states[2][YearGroup(3), 1, 1] - 0.5 * f.states[2][YearGroup(3), 1, 0]) < 1e-9)
        #expect(f.states[2][YearGroup(4), 0, 1] == f.states[2][YearGroup(4), 0, 0])
        // The smaller cohort stays smaller as it moves up after the shock.
        #expect(abs(f.states[3][YearGroup(3), 0, 1] - 0.5 * f.states[3][YearGroup(3), 0, 0]) < 1e-9)
    }

    @Test func specialistPlacesAreListedWithTheData() throws {
        let (run, _) = try compare("name: a\nchanges:\n  - {type: arp, school: S1, need: ASD, places: {2024: 8, 2025: 20}}\n")
        let entries = run.applied[1].specialistPlaces
        let arp = try #require(entries.first { $0.school == "S1" })
        #expect(arp.need == .asd && arp.kind == .arp && arp.phase == .secondary)
        #expect(arp.places.places(in: AcademicYear(2023)) == 0 && arp.places.places(in: AcademicYear(2024)) == 8 && arp.places.places(in: AcademicYear(2027)) == 20)
        #expect(run.applied[0].specialistPlaces.count == 3)  // B1 ASD ARP, X1 ASD and SLD
        #expect(entries.count == 4)
    }

    @Test func scenariosRunTogetherMatchEachRunAlone() throws {
        let files = [
            "name: one\nchanges:\n  - {type: bulge, school: A1, year: 2024}\n",
            "name: two\nassumptions: {estimator: weighted3}\nchanges:\n  - {type: births, year: 2024, factor: 1.1}\n",
            "name: three\nchanges:\n  - {type: migration_shock, year: 2025, year_groups: R-Y13, factor: 0.97}\n",
        ]
        let scenarios = try files.enumerated().map { try ScenarioFile.load(try d.scenario("s\($0.offset).yaml", $0.element)) }
        let together = try ScenarioRunner.run(data, scenarios: scenarios, overrides: AssumptionOverrides(horizon: 4))
        #expect(together.forecast.columns == ["one", "two", "three"])
        #expect(together.models[1].options.method == .fixed(.weightedMean(years: 3)))
        for (c, s) in scenarios.enumerated() {
            let alone = try ScenarioRunner.run(data, scenarios: [s], overrides: AssumptionOverrides(horizon: 4))
            for h in 0...4 {
                for g in YearGroup.all {
                    for a in 0..<3 { #expect(abs(together.forecast.states[h][g, a, c] - alone.forecast.states[h][g, a, 0]) < 1e-9) }
                }
            }
        }
    }

    @Test func extendsAddsChangesAndOverridesAssumptions() throws {
        _ = try d.scenario("base.yaml", "name: base\nassumptions: {estimator: mean2, margin: 3%, horizon: 7}\nchanges:\n  - {type: bulge, school: A1, year: 2024}\n")
        let child = try ScenarioFile.load(try d.scenario("child.yaml", "name: child\nextends: base.yaml\nassumptions: {margin: 4%}\nchanges:\n  - {type: bulge, school: B1, year: 2025}\n"))
        #expect(child.changes.count == 2)
        #expect(child.assumptions.method == .fixed(.mean(years: 2)) && child.assumptions.margin == 0.04 && child.assumptions.horizon == 7)
        #expect(child.extendsChain.count == 1)
        let run = try ScenarioRunner.run(data, scenarios: [child])
        #expect(run.forecast.horizon == 7)
        #expect(run.thresholds[0].margin == 0.04)
    }
}
