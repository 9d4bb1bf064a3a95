import Testing
@testable import PlacePlanKit

@Suite struct CohortFlowEngineTests {
    /// Hand check on two areas over three censuses: Year 1 of 2023/24 in A is its 2022/23
    /// Reception (120) times the mean R→Y1 ratio 0.95; Reception is 250 births × 0.5.
    @Test func projectsTheHandCheckableCase() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 3, model: ModelOptions(estimator: .mean(years: 3))))
        let next = AcademicYear(2023)
        #expect(abs(forecast.pupils(next, area: 0, .year1) - 114) < 1e-9)
        #expect(abs(forecast.pupils(next, area: 0, .reception) - 125) < 1e-9)
        #expect(abs(forecast.pupils(next, area: 1, .reception) - 40) < 1e-9)
        #expect(abs(forecast.pupils(next, area: 1, YearGroup(3)) - 40) < 1e-9)
        // Births beyond the last known mid-year (2019) are held at 250.
        #expect(abs(forecast.pupils(AcademicYear(2025), area: 0, .reception) - 125) < 1e-9)
        #expect(forecast.pupils(AcademicYear(2022), area: 0, .year1) == 110)
        #expect(forecast.years == [AcademicYear(2023), AcademicYear(2024), AcademicYear(2025)])
    }

    /// With every ratio 1 and no intake, pupils only move up: each total carries forward
    /// exactly, less the Year 13 leavers.
    @Test func conservesPupilsWhenAllRatiosAreOne() {
        let A = 4, C = 3
        var state = CohortState(areas: A, columns: C)
        var rng = SplitMix64(seed: 7)
        for i in state.values.indices { state.values[i] = Double(rng.next() % 1000) }
        let transitions = (0..<13).map { _ in Matrix.identity(A) }
        let inflow = YearInflow(reception: Matrix(rows: A, columns: C))
        let next = CohortFlowEngine.step(state, transitions: transitions, inflow: inflow)
        for c in 0..<C {
            var leavers = 0.0
            for a in 0..<A { leavers += state[YearGroup(13), a, c] }
            #expect(next.total(column: c) == state.total(column: c) - leavers)
        }
        // And cohorts keep their exact size as they move up.
        #expect(next[YearGroup(5), 2, 1] == state[YearGroup(4), 2, 1])
    }

    /// A transfer matrix whose columns sum to one moves every Year 6 pupil somewhere.
    @Test func conservesPupilsThroughAStochasticTransfer() {
        let A = 3
        var state = CohortState(areas: A, columns: 1)
        for a in 0..<A { state[.year6, a, 0] = Double(100 * (a + 1)) }
        var transfer = Matrix(rows: A, columns: A)
        transfer[0, 0] = 0.25; transfer[1, 0] = 0.75
        transfer[1, 1] = 1
        transfer[0, 2] = 0.5; transfer[2, 2] = 0.5
        var transitions = (0..<13).map { _ in Matrix.identity(A) }
        transitions[6] = transfer
        let next = CohortFlowEngine.step(state, transitions: transitions, inflow: YearInflow(reception: Matrix(rows: A, columns: 1)))
        let year7 = (0..<A).reduce(0) { $0 + next[.year7, $1, 0] }
        #expect(year7 == 600)
        #expect(next[.year7, 0, 0] == 25 + 150)
    }

    /// The BLAS path and a plain Swift loop agree to 1e-9 on random inputs.
    @Test(arguments: [(1, 1), (5, 1), (15, 7), (33, 40)])
    func blasAgreesWithPlainLoops(areas: Int, columns: Int) {
        var rng = SplitMix64(seed: UInt64(areas * 100 + columns))
        var state = CohortState(areas: areas, columns: columns)
        for i in state.values.indices { state.values[i] = rng.uniform() * 5000 }
        let transitions = (0..<13).map { _ in
            Matrix(rows: areas, columns: areas, values: (0..<areas * areas).map { _ in rng.uniform() * 0.3 })
        }
        let reception = Matrix(rows: areas, columns: columns, values: (0..<areas * columns).map { _ in rng.uniform() * 4000 })
        let multipliers = (0..<state.values.count).map { _ in 0.9 + 0.2 * rng.uniform() }
        for inflow in [YearInflow(reception: reception), YearInflow(reception: reception, multipliers: multipliers)] {
            let fast = CohortFlowEngine.step(state, transitions: transitions, inflow: inflow)
            let slow = CohortFlowEngine.referenceStep(state, transitions: transitions, inflow: inflow)
            let worst = zip(fast.values, slow.values).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-9)
        }
    }

    @Test func matrixProductUsesBLASCorrectly() {
        let a = Matrix(rows: 2, columns: 3, values: [1, 4, 2, 5, 3, 6])  // [[1,2,3],[4,5,6]]
        let b = Matrix(rows: 3, columns: 1, values: [1, 1, 1])
        #expect((a * b).values == [6, 15])
        #expect(Matrix.identity(3).isDiagonal && !a.isDiagonal)
    }

    @Test func horizonIsChecked() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        for years in [0, 26] {
            let e = error { _ = try Projector.forecast(data, settings: ForecastSettings(horizon: years)) }
            #expect(e?.exitCode == 64)
        }
        let e = error { _ = try Projector.forecast(data, settings: ForecastSettings(origin: AcademicYear(2030))) }
        guard case .invalidOption(let option, _, _) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(option == "--from")
        // An earlier origin uses the rolls up to it only.
        let (early, _) = try Projector.forecast(data, settings: ForecastSettings(origin: AcademicYear(2021), horizon: 1))
        #expect(early.origin == AcademicYear(2021))
        #expect(abs(early.pupils(AcademicYear(2022), area: 0, .year1) - 110 * 0.9) < 1e-9)
    }
}

/// A small deterministic generator for test inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
