import Foundation
import Testing

@testable import PlacePlanKit

/// Small plans whose optimum is known by hand, the solver against exhaustive search and
/// against the greedy baseline, and the options file's checks.
@Suite struct PlannerTests {
    static let origin = AcademicYear(2025)
    static let area = PlanningArea(id: "A", name: "Area A", phase: .primary, localAuthority: "T")
    static let school = School(id: "S1", name: "School One", areaID: "A", phase: .primary, yearGroups: .reception ... .year6, pan: 30, netCapacity: 210)

    /// Needs of area A: `required(h)` pupils in the phase and `entry(h)` in Reception in
    /// year origin + h, with the school's own places.
    static func needs(horizon: Int, school: School = school, required: (Int) -> Double, entry: (Int) -> Double, pupils: ((Int) -> Double)? = nil) -> [PlacesNeed] {
        (1...horizon).map { h in
            let y = origin + h
            let places = Double(school.yearGroups.reduce(0) { $0 + school.places($1, in: y) })
            return PlacesNeed(areaID: "A", phase: .primary, year: y, places: places, entryPlaces: Double(school.places(.reception, in: y)),
                              required: required(h), entryRequired: entry(h), pupils: pupils?(h) ?? required(h))
        }
    }

    static func option(_ kind: PlanOption.Kind, cost: Double, lead: Int = 1, saving: Double = 0) -> PlanOption {
        PlanOption(kind: kind, cost: cost, savingPerPlace: saving, savingPerYear: 0, leadTime: lead, firstYear: nil, lastYear: nil, source: SourceLocation(file: "options.yaml"))
    }

    static func builder(_ options: [PlanOption], horizon: Int, schools: [School] = [school], surplusCost: Double = 0) -> PlanBuilder {
        PlanBuilder(options: PlanOptions(name: "test", surplusPlaceCost: surplusCost, options: options), schools: schools, areas: [area], origin: origin,
                    horizon: horizon, settings: PlanSettings())
    }

    /// The decisions taken: (option type, start year, units).
    static func taken(_ p: PlanProblem, _ x: [Int], _ b: PlanBuilder) -> [String] {
        x.enumerated().filter { $0.element > 0 }.map { d, n in "\(b.options.options[p.decisions[d].option].typeName) \(p.decisions[d].start.startYear) x\(n)" }.sorted()
    }

    @Test func oneYearShortByTwentyFiveTakesOneBulge() throws {
        let b = Self.builder([Self.option(.bulge(school: "S1", perYear: 1, total: nil), cost: 300_000), Self.option(.expansion(school: "S1", maximumForms: 1), cost: 4_000_000)], horizon: 3)
        let p = b.problem(needs: Self.needs(horizon: 3, required: { $0 == 1 ? 235 : 200 }, entry: { _ in 30 }), specialist: [])
        let s = try p.solve()
        #expect(Self.taken(p, s.x, b) == ["bulge 2026 x1"])
        #expect(p.cost(s.x) == 300_000)
    }

    @Test func shortForSixYearsAnExpansionBeatsSixBulges() throws {
        let b = Self.builder([Self.option(.bulge(school: "S1", perYear: 1, total: nil), cost: 300_000), Self.option(.expansion(school: "S1", maximumForms: 1), cost: 1_000_000)], horizon: 6)
        let p = b.problem(needs: Self.needs(horizon: 6, required: { _ in 200 }, entry: { _ in 45 }), specialist: [])
        let s = try p.solve()
        #expect(Self.taken(p, s.x, b) == ["expansion 2026 x1"])
        // The greedy baseline takes the cheaper place each year: six bulges.
        #expect(Self.taken(p, s.greedy, b) == ["bulge 2026 x1", "bulge 2027 x1", "bulge 2028 x1", "bulge 2029 x1", "bulge 2030 x1", "bulge 2031 x1"])
        #expect(p.cost(s.greedy) - p.cost(s.x) == 800_000)
    }

    @Test func aLeadTimeDelaysTheExpansionAndBulgesBridgeTheGap() throws {
        let b = Self.builder([Self.option(.bulge(school: "S1", perYear: 1, total: nil), cost: 300_000), Self.option(.expansion(school: "S1", maximumForms: 1), cost: 1_000_000, lead: 3)], horizon: 6)
        let p = b.problem(needs: Self.needs(horizon: 6, required: { _ in 200 }, entry: { _ in 45 }), specialist: [])
        let s = try p.solve()
        #expect(Self.taken(p, s.x, b) == ["bulge 2026 x1", "bulge 2027 x1", "expansion 2028 x1"])
        #expect(p.decisions.allSatisfy { b.options.options[$0.option].typeName != "expansion" || $0.start >= Self.origin + 3 })
    }

    @Test func aSurplusAreaReducesItsPAN() throws {
        let big = School(id: "S1", name: "School One", areaID: "A", phase: .primary, yearGroups: .reception ... .year6, pan: 60, netCapacity: 420)
        let b = Self.builder([Self.option(.panReduction(school: "S1", step: 15, minimumPAN: 30), cost: 10_000, saving: 500)], horizon: 3, schools: [big], surplusCost: 300)
        let p = b.problem(needs: Self.needs(horizon: 3, school: big, required: { _ in 300 }, entry: { _ in 30 }), specialist: [])
        let s = try p.solve()
        // Two steps (PAN 60 to 30) from the first year: 30, 60 and 90 places fewer, still above 300 pupils.
        #expect(Self.taken(p, s.x, b) == ["pan_reduction 2026 x2"])
        let plan = Planner.decode(p, s.x, builder: b)
        #expect(plan.map(\.places) == [-30])
        #expect(plan[0].saving == 500 * (30 + 60 + 90))
    }

    @Test func aPANReductionNeverBreaksThePlacesRule() throws {
        let big = School(id: "S1", name: "School One", areaID: "A", phase: .primary, yearGroups: .reception ... .year6, pan: 60, netCapacity: 420)
        let b = Self.builder([Self.option(.panReduction(school: "S1", step: 15, minimumPAN: 0), cost: 0, saving: 500)], horizon: 3, schools: [big])
        let p = b.problem(needs: Self.needs(horizon: 3, school: big, required: { _ in 375 }, entry: { _ in 40 }), specialist: [])
        let s = try p.solve()
        // Reception needs 40, so the PAN can lose one step of 15 (to 45) and no more.
        #expect(Self.taken(p, s.x, b) == ["pan_reduction 2026 x1"])
        #expect(p.rules.indices.allSatisfy { p.violation($0, side: p.sides(s.x)[$0]) == 0 })
    }

    static let secondary = School(id: "H1", name: "High One", areaID: "A", phase: .secondary, yearGroups: .year7 ... .year11, pan: 180, netCapacity: 900)

    static func autism(horizon: Int, outside: Double) -> [SpecialistNeed] {
        (1...horizon).map { SpecialistNeed(need: .asd, phase: .secondary, year: origin + $0, placedOutside: outside, outsideCost: 60_000) }
    }

    @Test func anARPThatPaysForItselfIsBuiltToTheDemand() throws {
        let b = Self.builder([Self.option(.specialistPlaces(school: "H1", need: .asd, maximumPlaces: 20), cost: 40_000)], horizon: 5, schools: [Self.secondary])
        let p = b.problem(needs: [], specialist: Self.autism(horizon: 5, outside: 10))
        let s = try p.solve()
        // Each place saves 60,000 − 20,000 a year for five years against 40,000 once: ten places, as many as are placed outside.
        #expect(Self.taken(p, s.x, b) == ["specialist_places 2026 x10"])
        #expect(p.cost(s.x) == 10 * 40_000 + 10 * 20_000 * 5)
        // At 300,000 a place it does not pay within the horizon.
        var dear = b
        dear.options.options[0].cost = 300_000
        let q = dear.problem(needs: [], specialist: Self.autism(horizon: 5, outside: 10))
        #expect(try q.solve().x.allSatisfy { $0 == 0 })
    }

    @Test func whatNoOptionCanMeetIsNamed() throws {
        let b = Self.builder([Self.option(.expansion(school: "S1", maximumForms: 1), cost: 1_000_000, lead: 2)], horizon: 4)
        let p = b.problem(needs: Self.needs(horizon: 4, required: { _ in 200 }, entry: { _ in 45 }), specialist: [])
        let s = try p.solve()
        #expect(Self.taken(p, s.x, b) == ["expansion 2027 x1"])
        let unmet = Planner.describeUnmet(p, s.x, builder: b)
        #expect(unmet == ["A Reception places: up to 15 short in 2026/27; no option can add Reception places in A before 2027/28"])
    }

    /// Random small problems: the solver's cost equals the least found by trying every
    /// combination, and is never above the greedy baseline's.
    @Test func theSolverFindsTheOptimumOfRandomSmallPlans() throws {
        var rng = SplitMix64(seed: 7)
        var wins = 0
        for _ in 0..<40 {
            let horizon = 4
            let options = [
                Self.option(.bulge(school: "S1", perYear: 1, total: 2), cost: Double(rng.next(200...600)) * 1000, lead: 1),
                Self.option(.expansion(school: "S1", maximumForms: 1), cost: Double(rng.next(500...3000)) * 1000, lead: rng.next(1...3)),
                Self.option(.panReduction(school: "S1", step: 15, minimumPAN: 15), cost: Double(rng.next(0...50)) * 1000, lead: 1, saving: Double(rng.next(0...900))),
            ]
            let base = (1...horizon).map { _ in Double(rng.next(180...240)) }, entry = (1...horizon).map { _ in Double(rng.next(20...50)) }
            let b = Self.builder(options, horizon: horizon, surplusCost: Double(rng.next(0...400)))
            let p = b.problem(needs: Self.needs(horizon: horizon, required: { base[$0 - 1] }, entry: { entry[$0 - 1] }, pupils: { base[$0 - 1] - 10 }), specialist: [])
            let s = try p.solve()
            let best = Self.exhaustive(p)
            #expect(abs(p.cost(s.x) - best) <= 1e-6 * max(1, best), "solver \(p.cost(s.x)) against exhaustive \(best)")
            #expect(p.cost(s.x) <= p.cost(s.greedy) + 1e-6)
            if p.cost(s.x) < p.cost(s.greedy) - 1 { wins += 1 }
        }
        #expect(wins > 0, "the greedy baseline matched the solver on every random case")
    }

    /// The least C(x) over every x within the decisions' bounds and the limits.
    static func exhaustive(_ p: PlanProblem) -> Double {
        var best = Double.infinity
        var x = [Int](repeating: 0, count: p.decisions.count)
        func visit(_ d: Int) {
            if d == x.count {
                if p.withinLimits(x) { best = min(best, p.cost(x)) }
                return
            }
            for n in 0...p.decisions[d].upper {
                x[d] = n
                visit(d + 1)
            }
            x[d] = 0
        }
        visit(0)
        return best
    }

    @Test func theProgrammeAgreesWithTheCostFunction() throws {
        let b = Self.builder([Self.option(.bulge(school: "S1", perYear: 2, total: nil), cost: 300_000)], horizon: 3, surplusCost: 200)
        let p = b.problem(needs: Self.needs(horizon: 3, required: { _ in 230 }, entry: { _ in 50 }, pupils: { _ in 180 }), specialist: [])
        let x = [1, 2, 0]
        let program = p.program()
        #expect(program.violation(p.point(x)) < 1e-9)
        #expect(abs(program.objective(p.point(x)) - p.cost(x)) < 1e-6)
    }

    @Test func optionsFilesAreCheckedWithLineAndColumn() throws {
        func error(_ text: String) -> String {
            do {
                _ = try PlanOptionsFile.parse(text, file: "o.yaml")
                return ""
            } catch { return error.message + " " + (error.hint ?? "") }
        }
        #expect(error("name: x\noptions:\n  - type: bulge\n    school: S1\n    cots: 5\n").contains("o.yaml:5:5"))
        #expect(error("name: x\noptions:\n  - type: bulge\n    school: S1\n    cots: 5\n").contains("did you mean 'cost'"))
        #expect(error("name: x\noptions:\n  - type: bulj\n    school: S1\n    cost: 5\n").contains("did you mean 'bulge'"))
        #expect(error("name: x\noptions:\n  - type: arp\n    school: S1\n    need: XYZ\n    max_places: 5\n    cost: 1\n").contains("unknown need 'XYZ'"))
        #expect(error("name: x\noptions:\n  - type: expansion\n    school: S1\n    cost: -5\n    max_forms: 1\n").contains("must not be negative"))
        #expect(error("name: x\noptions:\n  - type: expansion\n    school: S1\n    cost: 0x10\n    max_forms: 1\n").contains("sum in pounds"))
        #expect(error("name: x\noptions:\n  - type: bulge\n    school: S1\n").contains("needs 'cost'"))
        // A cost typed in £ thousands would make the option all but free: refused, 0 allowed.
        let thousands = error("name: x\noptions:\n  - type: bulge\n    school: S1\n    cost: 350\n")
        #expect(thousands.contains("o.yaml:5:11") && thousands.contains("under £1,000") && thousands.contains("write 350_000 for £350k"), "\(thousands)")
        #expect(try PlanOptionsFile.parse("name: x\noptions:\n  - type: bulge\n    school: S1\n    cost: 0\n", file: "o.yaml").options[0].cost == 0)
        // Sums as people write them: '£' and thousands in groups of three; a comma elsewhere is
        // not a separator.
        #expect(try PlanOptionsFile.parse("name: x\noptions:\n  - type: bulge\n    school: S1\n    cost: \"£4,500,000\"\n", file: "o.yaml").options[0].cost == 4_500_000)
        #expect(error("name: x\noptions:\n  - type: bulge\n    school: S1\n    cost: \"450,00\"\n").contains("sum in pounds"))
        #expect(error("name: x\noptions:\n  - type: bulge\n    school: S1\n    cost: 1e6\n").contains("sum in pounds"))
        let closure = error("name: x\noptions:\n  - type: closure\n    school: S1\n    cost: 600000\n    saving_per_year: 150\n")
        #expect(closure.contains("o.yaml:6:22") && closure.contains("'saving_per_year' is £150") && closure.contains("write 150_000 for £150k"), "\(closure)")
        // An unknown key is named against its type's keys, in the same order every run (they
        // were every type's keys, in an order that changed from run to run).
        let bulgeKeys = PlanOptionsFile.optionKeys["bulge"]!.joined(separator: ", ")
        #expect(error("name: x\noptions:\n  - school: S1\n    type: bulge\n    year_group: R\n    cost: 5\n").hasSuffix("allowed keys: \(bulgeKeys)"))
        #expect(error("name: x\noptions:\n  - school: S1\n    cost: 5\n").contains("an option needs a 'type'"))
        let ok = try PlanOptionsFile.parse("name: x\noptions:\n  - type: expansion\n    school: S1\n    cost: 4,500,000\n    max_forms: 1\n", file: "o.yaml")
        #expect(ok.options[0].cost == 4_500_000)
    }

    @Test func optionsAreCheckedAgainstTheData() throws {
        let b = Self.builder([
            Self.option(.bulge(school: "NOPE", perYear: 1, total: nil), cost: 1),
            Self.option(.closure(school: "S1"), cost: 1),
            Self.option(.panReduction(school: "S1", step: 15, minimumPAN: 25), cost: 1),
        ], horizon: 3)
        do {
            try b.validate()
            Issue.record("accepted options that name an unknown school")
        } catch {
            #expect(error.message.contains("unknown school 'NOPE'"))
            #expect(error.message.contains("S1 has a closure option and others"))
        }
    }

    @Test func theDemoOptionsFileLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenarios/options.yaml").path
        let o = try PlanOptionsFile.load(path)
        #expect(o.options.count >= 10)
        #expect(Set(o.options.map(\.typeName)) == ["bulge", "expansion", "new_school", "pan_reduction", "closure", "specialist_places"])
    }
}
