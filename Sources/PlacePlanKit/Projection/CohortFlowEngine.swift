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

/// What enters the system in one forecast year, besides the pupils who move up.
public struct YearInflow: Sendable {
    /// Reception pupils, A×C.
    public var reception: Matrix
    /// Optional multipliers applied to each moved-up cell (same layout as ``CohortState``):
    /// scenario ratio shocks and, later, random draws of the ratios.
    public var multipliers: [Double]?

    public init(reception: Matrix, multipliers: [Double]? = nil) {
        self.reception = reception
        self.multipliers = multipliers
    }
}

/// The cohort-flow year step, N(t+1) = T · N(t) + U(t), as BLAS work.
///
/// The step matrix T is block-structured by year group: the block that moves year group g
/// into g+1 is the A×A matrix T_g (``CohortModel/transitions``), and Reception comes from the
/// inflow U. For each g, slab g+1 of the next state is T_g times slab g of this one: one
/// `dgemm` (A×A by A×C) whatever the number of columns. Every pupil who moves up is
/// accounted for by T: with all ratios 1 and no intake the total carries forward exactly,
/// less the leavers from Year 13.
public enum CohortFlowEngine {
    /// One year: the next census from this one.
    public static func step(_ state: CohortState, transitions: [Matrix], inflow: YearInflow) -> CohortState {
        let A = state.areas, C = state.columns, slab = A * C
        precondition(transitions.count == 13 && transitions.allSatisfy { $0.rows == A && $0.columns == A })
        precondition(inflow.reception.rows == A && inflow.reception.columns == C)
        var next = CohortState(areas: A, columns: C)
        state.values.withUnsafeBufferPointer { current in
            next.values.withUnsafeMutableBufferPointer { out in
                for g in 0..<13 {
                    transitions[g].values.withUnsafeBufferPointer { t in
                        BLAS.gemm(
                            m: A, n: C, k: A, a: t.baseAddress!, b: current.baseAddress! + g * slab,
                            c: out.baseAddress! + (g + 1) * slab)
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

    /// The states from the initial one through each year's step matrices and inflow:
    /// result[0] is `initial`, result[h] uses transitions[h − 1] and inflows[h − 1].
    public static func project(initial: CohortState, transitions: [[Matrix]], inflows: [YearInflow]) -> [CohortState] {
        precondition(transitions.count == inflows.count)
        var states = [initial]
        states.reserveCapacity(inflows.count + 1)
        for (t, inflow) in zip(transitions, inflows) { states.append(step(states.last!, transitions: t, inflow: inflow)) }
        return states
    }

    /// The same step by plain loops, without BLAS: the reference the tests compare with.
    public static func referenceStep(_ state: CohortState, transitions: [Matrix], inflow: YearInflow) -> CohortState {
        let A = state.areas, C = state.columns
        var next = CohortState(areas: A, columns: C)
        for c in 0..<C {
            for a in 0..<A { next[.reception, a, c] = inflow.reception[a, c] }
            for g in 0..<13 {
                for b in 0..<A {
                    var s = 0.0
                    for a in 0..<A { s += transitions[g][b, a] * state[YearGroup(g), a, c] }
                    let o = next.offset(YearGroup(g + 1), b, c)
                    next.values[o] = s * (inflow.multipliers?[o] ?? 1)
                }
            }
        }
        return next
    }
}
