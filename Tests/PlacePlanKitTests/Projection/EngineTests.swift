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
    /// An area that has never had pupils in a year group (a small LA with no sixth form or
    /// no secondary school) is forecast with nothing there, not refused; suppressed counts are
    /// not zeros, so with Year 5 suppressed everywhere the ratio into it has no history, and
    /// the forecast says so.
    @Test func aYearGroupNeverTaughtIsForecastEmpty() throws {
        func data(_ y5: String) throws -> DataSet {
            let d = try TemporaryData.handCheckable()
            let rolls = try String(contentsOfFile: d.path("rolls.csv"), encoding: .utf8)
                .replacingOccurrences(of: ",Y5,50\n", with: ",Y5,\(y5)\n").replacingOccurrences(of: ",Y5,40\n", with: ",Y5,\(y5)\n")
                .replacingOccurrences(of: ",Y6,50\n", with: ",Y6,0\n").replacingOccurrences(of: ",Y6,40\n", with: ",Y6,0\n")
            try rolls.write(toFile: d.path("rolls.csv"), atomically: true, encoding: .utf8)
            return try PlacePlanFormat.load(directory: d.directory)
        }
        let empty = try data("0")
        let (forecast, _) = try Projector.forecast(empty, settings: ForecastSettings(horizon: 2, model: ModelOptions(estimator: .mean(years: 3))))
        for a in 0..<2 { #expect(forecast.pupils(AcademicYear(2024), area: a, .year6) == 0) }
        let suppressed = try data("x")
        let e = error { _ = try Projector.forecast(suppressed, settings: ForecastSettings(horizon: 2)) }
        #expect(e?.description.contains("no history to estimate the Y4→Y5 ratio for area A") == true, "\(String(describing: e?.description))")
    }

    /// A year group an area stopped teaching (Tameside's sixth forms closed one by one) has no
    /// ratio in a short window (last year's ratio, the 3-year mean): the forecast keeps its last
    /// observed ratio on no pupils, rather than refusing the area.
    @Test func aYearGroupNoLongerTaughtIsForecastEmpty() throws {
        let d = try TemporaryData.handCheckable()
        var rolls = try String(contentsOfFile: d.path("rolls.csv"), encoding: .utf8)
        for year in [2021, 2022] {
            rolls = rolls.replacingOccurrences(of: "\(year),A,Y5,50\n", with: "\(year),A,Y5,0\n").replacingOccurrences(of: "\(year),B,Y5,40\n", with: "\(year),B,Y5,0\n")
        }
        rolls = rolls.replacingOccurrences(of: "2022,A,Y6,50\n", with: "2022,A,Y6,0\n").replacingOccurrences(of: "2022,B,Y6,40\n", with: "2022,B,Y6,0\n")
        try rolls.write(toFile: d.path("rolls.csv"), atomically: true, encoding: .utf8)
        let data = try PlacePlanFormat.load(directory: d.directory)
        let history = RatioHistory(data: data)
        #expect(history.emptyAtOrigin[5] == [true, true] && history.emptyAtOrigin[4] == [false, false])
        for estimator in [RatioEstimator.mean(years: 1), .mean(years: 3)] {
            let (forecast, _) = try Projector.forecast(data, settings: ForecastSettings(horizon: 3, model: ModelOptions(estimator: estimator)))
            for a in 0..<2 {
                for y in 2023...2025 { #expect(forecast.pupils(AcademicYear(y), area: a, .year6) == 0, "\(estimator) \(y)") }
                #expect(forecast.pupils(AcademicYear(2023), area: a, YearGroup(4)) > 0)
            }
        }
    }

    @Test func conservesPupilsWhenAllRatiosAreOne() {
        let A = 4, C = 3
        var state = CohortState(areas: A, columns: C)
        var rng = SplitMix64(seed: 7)
        for i in state.values.indices { state.values[i] = Double(rng.next() % 1000) }
        let flows = StepFlows(diagonal: Array(repeating: Array(repeating: 1, count: A), count: 13), blocks: Array(repeating: [], count: 13))
        let inflow = YearInflow(reception: Matrix(rows: A, columns: C))
        let next = CohortFlowEngine.step(state, flows: flows, inflow: inflow)
        for c in 0..<C {
            var leavers = 0.0
            for a in 0..<A { leavers += state[YearGroup(13), a, c] }
            #expect(next.total(column: c) == state.total(column: c) - leavers)
        }
        // And cohorts keep their exact size as they move up.
        #expect(next[YearGroup(5), 2, 1] == state[YearGroup(4), 2, 1])
    }

    /// A transfer block whose columns sum to one moves every Year 6 pupil somewhere.
    @Test func conservesPupilsThroughAStochasticTransfer() {
        let A = 3
        var state = CohortState(areas: A, columns: 1)
        for a in 0..<A { state[.year6, a, 0] = Double(100 * (a + 1)) }
        // Receivers by row, senders by column, column-major.
        let transfer = FlowStructure.Block(receivers: [0, 1, 2], senders: [0, 1, 2], shares: [0.25, 0.75, 0, 0, 1, 0, 0.5, 0, 0.5])
        var diagonal = Array(repeating: Array(repeating: 1.0, count: A), count: 13)
        diagonal[6] = Array(repeating: 0, count: A)
        var blocks = Array(repeating: [FlowStructure.Block](), count: 13)
        blocks[6] = [transfer]
        let next = CohortFlowEngine.step(state, flows: StepFlows(diagonal: diagonal, blocks: blocks), inflow: YearInflow(reception: Matrix(rows: A, columns: 1)))
        let year7 = (0..<A).reduce(0) { $0 + next[.year7, $1, 0] }
        #expect(year7 == 600)
        #expect(next[.year7, 0, 0] == 25 + 150)
    }

    /// Random flows in the engine's structure: a diagonal with gaps, and for some year groups
    /// transfer blocks over disjoint sets of areas, consecutive ones (read in place) and
    /// scattered ones (gathered).
    static func randomFlows(areas A: Int, rng: inout SplitMix64) -> StepFlows {
        var diagonal: [[Double]] = [], blocks: [[FlowStructure.Block]] = []
        for g in 0..<13 {
            diagonal.append((0..<A).map { _ in rng.uniform() < 0.2 ? 0 : 0.8 + 0.4 * rng.uniform() })
            var list: [FlowStructure.Block] = []
            if g == 6 || g == 11 || (g == 3 && A > 4) {
                // Areas shuffled, then cut into blocks of 1 to 5 receivers and senders.
                var order = Array(0..<A)
                order.shuffle(using: &rng)
                var i = 0
                while i < order.count {
                    let r = min(order.count - i, 1 + Int(rng.next() % 5))
                    let receivers = (g == 6 ? Array(order[i..<(i + r)]) : Array(i..<(i + r))).sorted()
                    let senders = (g == 6 ? Array(order[(order.count - i - r)..<(order.count - i)]) : Array(i..<(i + r))).sorted()
                    let shares = (0..<(receivers.count * senders.count)).map { _ in rng.uniform() }
                    list.append(FlowStructure.Block(receivers: receivers, senders: senders, shares: shares))
                    for r in receivers { diagonal[g][r] = 0 }  // a receiver of a transfer has no cohort of its own
                    i += r
                    if rng.uniform() < 0.3 { i += 1 }  // an area with no transfer
                }
            }
            blocks.append(list)
        }
        return StepFlows(diagonal: diagonal, blocks: blocks)
    }

    /// The BLAS path and plain loops over the structure agree to 1e-9 on random structured
    /// inputs, with and without multipliers and the draws' divisors and shocks; and both agree
    /// with the dense step on the same flows.
    @Test(arguments: [(1, 1), (5, 1), (15, 7), (33, 40), (120, 9)])
    func blasAgreesWithPlainLoops(areas: Int, columns: Int) {
        var rng = SplitMix64(seed: UInt64(areas * 100 + columns))
        var state = CohortState(areas: areas, columns: columns)
        for i in state.values.indices { state.values[i] = rng.uniform() * 5000 }
        let flows = Self.randomFlows(areas: areas, rng: &rng)
        let reception = Matrix(rows: areas, columns: columns, values: (0..<areas * columns).map { _ in rng.uniform() * 4000 })
        let multipliers = (0..<state.values.count).map { _ in 0.9 + 0.2 * rng.uniform() }
        let divisors = (0..<(areas * columns * 2)).map { _ in 0.8 + 0.4 * rng.uniform() }
        let shock = (0..<(YearGroup.count * areas)).map { _ in 0.9 + 0.2 * rng.uniform() }
        let inflows = [
            YearInflow(reception: reception), YearInflow(reception: reception, multipliers: multipliers),
            YearInflow(reception: reception, divisors: divisors, shock: shock),
        ]
        for inflow in inflows {
            let fast = CohortFlowEngine.step(state, flows: flows, inflow: inflow)
            let slow = CohortFlowEngine.referenceStep(state, flows: flows, inflow: inflow)
            let worst = zip(fast.values, slow.values).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-9)
        }
        let dense = CohortFlowEngine.denseStep(state, transitions: flows.dense(areas: areas), inflow: inflows[1])
        let fast = CohortFlowEngine.step(state, flows: flows, inflow: inflows[1])
        #expect(zip(fast.values, dense.values).map { abs($0 - $1) }.max()! < 1e-9)
    }

    /// The step reuses the buffers it is given: stepping into the same state and scratch
    /// twice gives the same answer as a fresh step.
    @Test func reusedBuffersGiveTheSameStep() {
        var rng = SplitMix64(seed: 11)
        var state = CohortState(areas: 20, columns: 5)
        for i in state.values.indices { state.values[i] = rng.uniform() * 100 }
        let flows = Self.randomFlows(areas: 20, rng: &rng)
        let inflow = YearInflow(reception: Matrix(rows: 20, columns: 5))
        var next = CohortState(areas: 20, columns: 5), scratch = EngineScratch()
        for _ in 0..<2 { CohortFlowEngine.step(state, flows: flows, inflow: inflow, into: &next, scratch: &scratch) }
        #expect(next == CohortFlowEngine.step(state, flows: flows, inflow: inflow))
    }

    /// On the demo authority the structured step equals the dense step of the fitted model,
    /// to the last bit or two, every year of a 15-year forecast.
    @Test func structuredStepEqualsTheDenseStepOnTheDemo() throws {
        let data = try DataSource.load(demoDirectory)
        let model = try CohortModel.fit(data)
        var state = try Projector.initialState(data, columns: 3)
        var rng = SplitMix64(seed: 3)
        for i in state.values.indices { state.values[i] *= 0.9 + 0.2 * rng.uniform() }
        let inflow = YearInflow(reception: Matrix(rows: data.areas.count, columns: 3))
        for h in 1...15 {
            let structured = CohortFlowEngine.step(state, flows: model.flows(step: h), inflow: inflow)
            let dense = CohortFlowEngine.denseStep(state, transitions: model.transitions(step: h), inflow: inflow)
            // Equal to rounding: a block's dgemm sums its senders in its own order, the dense
            // one over all areas (with zeros) in another, so the two may differ in the last bit.
            let worst = zip(structured.values, dense.values).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst <= 4 * Double.ulpOfOne, "step \(h): \(worst)")
            state = structured
        }
        // The structure is sparse: on the demo the Year 6 to Year 7 transfer is one block.
        #expect(model.structure.transitions[6].blocks.count >= 1)
        #expect(model.structure.transitions[0].blocks.isEmpty)
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
    /// A whole number in `range` (the planner's random cases).
    mutating func next(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}
