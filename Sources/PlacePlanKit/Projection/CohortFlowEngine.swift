/// Pupils at one census by year group, planning area and column, where the columns are
/// scenarios (and, for uncertainty, random draws) stepped together.
///
/// Stored as 14 slabs, one per year group; each slab is an A×C column-major matrix (areas
/// by row, columns by column), so a year step is one `dgemm` per year group for all columns.
public struct CohortState: Sendable, Equatable {
    public let areas: Int
    public let columns: Int
    public var values: [Double]

    public init(areas: Int, columns: Int) {
        self.areas = areas
        self.columns = columns
        values = Array(repeating: 0, count: YearGroup.count * areas * columns)
    }

    @inlinable
    public func offset(_ g: YearGroup, _ area: Int, _ column: Int) -> Int {
        (g.index * columns + column) * areas + area
    }

    public subscript(g: YearGroup, area: Int, column: Int) -> Double {
        get { values[offset(g, area, column)] }
        set { values[offset(g, area, column)] = newValue }
    }

    /// Total pupils over all year groups and areas in a column.
    public func total(column: Int) -> Double {
        var s = 0.0
        for g in YearGroup.all { for a in 0..<areas { s += self[g, a, column] } }
        return s
    }
}

/// What enters the system in one forecast year, besides the pupils who move up, and what
/// multiplies those who do.
public struct YearInflow: Sendable {
    /// Reception pupils, A×C.
    public var reception: Matrix
    /// Optional multipliers applied to each moved-up cell (same layout as ``CohortState``):
    /// scenario ratio shocks and, for draws of the parametric error model, random draws of
    /// the ratios.
    public var multipliers: [Double]?
    /// The compact form the calibrated draws use: every cell that moves up into year group g
    /// of area a in column c is multiplied by shock[g · A + a] (1 without shocks) and divided
    /// by divisors[(c · A + a) · 2 + p], p the reporting phase of g (0 primary, 1 secondary).
    /// It saves a state-sized array a year.
    public var divisors: [Double]?
    public var shock: [Double]?

    public init(reception: Matrix, multipliers: [Double]? = nil, divisors: [Double]? = nil, shock: [Double]? = nil) {
        self.reception = reception
        self.multipliers = multipliers
        self.divisors = divisors
        self.shock = shock
    }
}

/// Buffers the year step reuses: a transfer block's senders gathered for `dgemm` and its
/// product, grown to the largest block × columns seen.
public struct EngineScratch: Sendable {
    var input: [Double] = []
    var output: [Double] = []
    public init() {}
}

/// The cohort-flow year step, N(t+1) = T · N(t) + U(t), with T's structure
/// (``FlowStructure``, ``StepFlows``).
///
/// The step is block-structured by year group: year group g+1 of the next state is
/// T_g · (year group g of this one), T_g = diag(r_g) B_g. Its diagonal part, progression
/// within an area, is an elementwise scaling of each column, O(A · C); its transfer blocks
/// (Year 6 to Year 7, any area's first year group) are one `dgemm` each, R × S times S × C,
/// for all columns (scenarios or draws) at once, reading the senders' rows in place when they
/// are consecutive. Reception comes from the inflow U. Work and memory are O(A · C) a year
/// group plus the blocks', linear in the areas. Every pupil who moves up is accounted for by
/// T: with all ratios 1 and no intake the total carries forward exactly, less the leavers from
/// Year 13. The result equals the dense step (``denseStep(_:transitions:inflow:)``) to rounding (a
/// block sums its senders in another order than a dense product over all areas).
public enum CohortFlowEngine {
    /// One year: the next census from this one, written into `next` (whose storage is reused
    /// when it has the right size).
    public static func step(_ state: CohortState, flows: StepFlows, inflow: YearInflow, into next: inout CohortState, scratch: inout EngineScratch) {
        let A = state.areas, C = state.columns, slab = A * C
        precondition(flows.diagonal.count == 13 && flows.diagonal.allSatisfy { $0.count == A })
        precondition(inflow.reception.rows == A && inflow.reception.columns == C)
        if next.areas != A || next.columns != C || next.values.count != state.values.count { next = CohortState(areas: A, columns: C) }
        let largest = flows.blocks.joined().map { max($0.senders.count, $0.receivers.count) }.max() ?? 0
        if scratch.input.count < largest * C { scratch.input = Array(repeating: 0, count: largest * C) }
        if scratch.output.count < largest * C { scratch.output = Array(repeating: 0, count: largest * C) }
        state.values.withUnsafeBufferPointer { current in
            next.values.withUnsafeMutableBufferPointer { out in
                scratch.input.withUnsafeMutableBufferPointer { gathered in
                    scratch.output.withUnsafeMutableBufferPointer { product in
                        for g in 0..<13 {
                            let src = current.baseAddress! + g * slab, dst = out.baseAddress! + (g + 1) * slab
                            flows.diagonal[g].withUnsafeBufferPointer { d in
                                for c in 0..<C {
                                    let o = c * A
                                    for a in 0..<A { dst[o + a] = d[a] * src[o + a] }
                                }
                            }
                            for block in flows.blocks[g] { apply(block, src: src, dst: dst, areas: A, columns: C, gathered: gathered, product: product) }
                        }
                        inflow.reception.values.withUnsafeBufferPointer { r in
                            for i in 0..<slab { out[i] = r[i] }
                        }
                        if let multipliers = inflow.multipliers {
                            multipliers.withUnsafeBufferPointer { m in
                                for i in slab..<out.count { out[i] *= m[i] }
                            }
                        }
                        if let divisors = inflow.divisors {
                            divisors.withUnsafeBufferPointer { f in
                                for g in 1..<YearGroup.count {
                                    let p = g <= 6 ? 0 : 1, row = g * slab
                                    for c in 0..<C {
                                        for a in 0..<A {
                                            let shock = inflow.shock?[g * A + a] ?? 1
                                            out[row + c * A + a] *= shock / f[(c * A + a) * 2 + p]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// next[receivers] += block · current[senders], for every column.
    @inline(__always)
    static func apply(
        _ block: FlowStructure.Block, src: UnsafePointer<Double>, dst: UnsafeMutablePointer<Double>, areas A: Int, columns C: Int,
        gathered: UnsafeMutableBufferPointer<Double>, product: UnsafeMutableBufferPointer<Double>
    ) {
        let R = block.receivers.count, S = block.senders.count
        let sendersRun = block.senders.last! - block.senders[0] == S - 1
        let receiversRun = block.receivers.last! - block.receivers[0] == R - 1
        block.shares.withUnsafeBufferPointer { t in
            if sendersRun && receiversRun {
                // Consecutive rows: the state's own sub-matrices, leading dimension A.
                BLAS.gemm(
                    m: R, n: C, k: S, a: t.baseAddress!, lda: R, b: src + block.senders[0], ldb: A, beta: 1,
                    c: dst + block.receivers[0], ldc: A)
                return
            }
            for c in 0..<C {
                for (j, s) in block.senders.enumerated() { gathered[j + c * S] = src[c * A + s] }
            }
            BLAS.gemm(m: R, n: C, k: S, a: t.baseAddress!, b: gathered.baseAddress!, c: product.baseAddress!)
            for c in 0..<C {
                for (i, r) in block.receivers.enumerated() { dst[c * A + r] += product[i + c * R] }
            }
        }
    }

    /// One year, into a new state.
    public static func step(_ state: CohortState, flows: StepFlows, inflow: YearInflow) -> CohortState {
        var next = CohortState(areas: state.areas, columns: state.columns)
        var scratch = EngineScratch()
        step(state, flows: flows, inflow: inflow, into: &next, scratch: &scratch)
        return next
    }

    /// The states from the initial one through each year's flows and inflow: result[0] is
    /// `initial`, result[h] uses flows[h − 1] and inflows[h − 1].
    public static func project(initial: CohortState, flows: [StepFlows], inflows: [YearInflow]) -> [CohortState] {
        precondition(flows.count == inflows.count)
        var states = [initial]
        states.reserveCapacity(inflows.count + 1)
        var scratch = EngineScratch()
        for (f, inflow) in zip(flows, inflows) {
            var next = CohortState(areas: initial.areas, columns: initial.columns)
            step(states.last!, flows: f, inflow: inflow, into: &next, scratch: &scratch)
            states.append(next)
        }
        return states
    }

    /// The same step by plain loops over the structure, without BLAS: the reference the
    /// tests compare with.
    public static func referenceStep(_ state: CohortState, flows: StepFlows, inflow: YearInflow) -> CohortState {
        let A = state.areas, C = state.columns
        var next = CohortState(areas: A, columns: C)
        for c in 0..<C {
            for a in 0..<A { next[.reception, a, c] = inflow.reception[a, c] }
            for g in 0..<13 {
                for a in 0..<A { next[YearGroup(g + 1), a, c] = flows.diagonal[g][a] * state[YearGroup(g), a, c] }
                for block in flows.blocks[g] {
                    for (i, r) in block.receivers.enumerated() {
                        var s = 0.0
                        for (j, a) in block.senders.enumerated() { s += block.share(receiver: i, sender: j) * state[YearGroup(g), a, c] }
                        next[YearGroup(g + 1), r, c] += s
                    }
                }
                for a in 0..<A {
                    let o = next.offset(YearGroup(g + 1), a, c)
                    var m = inflow.multipliers?[o] ?? 1
                    if let f = inflow.divisors { m *= (inflow.shock?[(g + 1) * A + a] ?? 1) / f[(c * A + a) * 2 + (g + 1 <= 6 ? 0 : 1)] }
                    next.values[o] *= m
                }
            }
        }
        return next
    }

    /// The step as it was before it knew its structure: one dense A×A `dgemm` per year group.
    /// O(A²) in time and memory; kept so that the tests can show the structured step equals it.
    public static func denseStep(_ state: CohortState, transitions: [Matrix], inflow: YearInflow) -> CohortState {
        let A = state.areas, C = state.columns, slab = A * C
        precondition(transitions.count == 13 && transitions.allSatisfy { $0.rows == A && $0.columns == A })
        var next = CohortState(areas: A, columns: C)
        state.values.withUnsafeBufferPointer { current in
            next.values.withUnsafeMutableBufferPointer { out in
                for g in 0..<13 {
                    transitions[g].values.withUnsafeBufferPointer { t in
                        BLAS.gemm(m: A, n: C, k: A, a: t.baseAddress!, b: current.baseAddress! + g * slab, c: out.baseAddress! + (g + 1) * slab)
                    }
                }
                for i in 0..<slab { out[i] = inflow.reception.values[i] }
                if let multipliers = inflow.multipliers {
                    for i in slab..<out.count { out[i] *= multipliers[i] }
                }
            }
        }
        return next
    }
}
