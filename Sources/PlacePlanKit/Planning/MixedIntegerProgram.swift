import CCbc
import Synchronization

/// A mixed-integer linear programme, minimised by COIN-OR CBC:
///
///     minimise  Σ_j c_j x_j
///     subject to  Σ_j a_ij x_j  ≥, ≤ or = b_i   for every constraint i,
///                 l_j ≤ x_j ≤ u_j, and x_j whole for the integer variables.
///
/// A value type: the variables and constraints are plain arrays, handed to the solver only
/// inside ``solve(start:timeLimit:)``, which builds a CBC model, solves it with one thread
/// and frees it. The same programme and start give the same solution (CBC's search is
/// deterministic with one thread and no time limit).
public struct MixedIntegerProgram: Sendable {
    public enum Sense: Sendable { case atLeast, atMost, equal }

    public struct Variable: Sendable {
        public var name: String
        public var lower: Double
        public var upper: Double
        public var cost: Double
        public var isInteger: Bool
    }

    public struct Constraint: Sendable {
        public var name: String
        public var terms: [(variable: Int, coefficient: Double)]
        public var sense: Sense
        public var bound: Double
    }

    public private(set) var variables: [Variable] = []
    public private(set) var constraints: [Constraint] = []

    public init() {}

    /// Adds a variable and returns its index.
    @discardableResult
    public mutating func addVariable(_ name: String, lower: Double = 0, upper: Double = .infinity, cost: Double = 0, integer: Bool = false) -> Int {
        variables.append(Variable(name: name, lower: lower, upper: upper, cost: cost, isInteger: integer))
        return variables.count - 1
    }

    /// Adds Σ coefficient · variable (sense) bound; terms on one variable are summed.
    public mutating func addConstraint(_ name: String, _ terms: [(Int, Double)], _ sense: Sense, _ bound: Double) {
        var merged: [Int: Double] = [:]
        for (j, a) in terms where a != 0 { merged[j, default: 0] += a }
        constraints.append(Constraint(name: name, terms: merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, sense: sense, bound: bound))
    }

    /// The objective at `x`.
    public func objective(_ x: [Double]) -> Double { zip(variables, x).reduce(0) { $0 + $1.0.cost * $1.1 } }

    /// The largest violation of a constraint or bound at `x` (0 when feasible).
    public func violation(_ x: [Double]) -> Double {
        var worst = 0.0
        for (v, value) in zip(variables, x) { worst = max(worst, v.lower - value, value - v.upper) }
        for c in constraints {
            let lhs = c.terms.reduce(0) { $0 + $1.coefficient * x[$1.variable] }
            switch c.sense {
            case .atLeast: worst = max(worst, c.bound - lhs)
            case .atMost: worst = max(worst, lhs - c.bound)
            case .equal: worst = max(worst, abs(lhs - c.bound))
            }
        }
        return worst
    }

    /// What the solver found.
    public struct Solution: Sendable {
        public enum Status: String, Sendable { case optimal, feasible = "feasible (time limit)", infeasible }
        public var status: Status
        public var values: [Double]
        public var objective: Double
        /// The solver's lower bound on the optimum (equal to `objective` when optimal).
        public var bound: Double
        public var nodes: Int
    }

    /// CBC's C interface keeps some state between calls of one process (its command-line
    /// driver underneath): solves are taken one at a time.
    private static let solverLock = Mutex(())

    /// Solves with CBC, from `start` (a feasible point, e.g. a heuristic's) when given, so
    /// the answer is never worse than it. Without a time limit the solution is optimal;
    /// with one it is the best found, marked ``Solution/Status/feasible``.
    public func solve(start: [Double]? = nil, timeLimit: Double? = nil) throws(PlacePlanError) -> Solution {
        let n = variables.count, m = constraints.count
        guard n > 0 else { return Solution(status: .optimal, values: [], objective: 0, bound: 0, nodes: 0) }
        // Compressed sparse columns.
        var counts = [Int](repeating: 0, count: n)
        for c in constraints { for t in c.terms { counts[t.variable] += 1 } }
        var starts = [CoinBigIndex](repeating: 0, count: n + 1)
        for j in 0..<n { starts[j + 1] = starts[j] + CoinBigIndex(counts[j]) }
        var fill = starts.map { Int($0) }
        var rowIndex = [Int32](repeating: 0, count: Int(starts[n]))
        var values = [Double](repeating: 0, count: Int(starts[n]))
        for (i, c) in constraints.enumerated() {
            for t in c.terms {
                rowIndex[fill[t.variable]] = Int32(i)
                values[fill[t.variable]] = t.coefficient
                fill[t.variable] += 1
            }
        }
        let huge = 1e30
        let colLower = variables.map { $0.lower.isFinite ? $0.lower : -huge }
        let colUpper = variables.map { $0.upper.isFinite ? $0.upper : huge }
        let cost = variables.map(\.cost)
        let rowLower = constraints.map { $0.sense == .atMost ? -huge : $0.bound }
        let rowUpper = constraints.map { $0.sense == .atLeast ? huge : $0.bound }

        return Self.solverLock.withLock { _ in
            let model = Cbc_newModel()!
            defer { Cbc_deleteModel(model) }
            starts.withUnsafeBufferPointer { s in
                rowIndex.withUnsafeBufferPointer { r in
                    values.withUnsafeBufferPointer { v in
                        Cbc_loadProblem(model, Int32(n), Int32(m), s.baseAddress, r.baseAddress, v.baseAddress, colLower, colUpper, cost, rowLower, rowUpper)
                    }
                }
            }
            for (j, v) in variables.enumerated() where v.isInteger { Cbc_setInteger(model, Int32(j)) }
            Cbc_setObjSense(model, 1)
            Cbc_setLogLevel(model, 0)
            Cbc_setAllowableGap(model, 1e-6)
            Cbc_setAllowableFractionGap(model, 0)
            if let timeLimit { Cbc_setMaximumSeconds(model, timeLimit) }
            if let start, start.count == n {
                var indices = (0..<Int32(n)).map { $0 }
                var point = start
                indices.withUnsafeMutableBufferPointer { i in
                    point.withUnsafeMutableBufferPointer { p in Cbc_setMIPStartI(model, Int32(n), i.baseAddress, p.baseAddress) }
                }
            }
            _ = Cbc_solve(model)
            let nodes = Int(Cbc_getNodeCount(model))
            guard Cbc_isProvenInfeasible(model) == 0, let x = Cbc_getColSolution(model), Cbc_numberSavedSolutions(model) > 0 || Cbc_isProvenOptimal(model) != 0 else {
                return Solution(status: .infeasible, values: [], objective: .infinity, bound: .infinity, nodes: nodes)
            }
            var out = Array(UnsafeBufferPointer(start: x, count: n))
            // Whole numbers exactly (the solver's integers carry rounding noise).
            for (j, v) in variables.enumerated() where v.isInteger { out[j] = out[j].rounded() }
            let optimal = Cbc_isProvenOptimal(model) != 0
            let objective = objective(out)
            return Solution(status: optimal ? .optimal : .feasible, values: out, objective: objective, bound: optimal ? objective : Cbc_getBestPossibleObjValue(model), nodes: nodes)
        }
    }
}
