/// The planning problem in the form both the solver and the greedy baseline read: whole-number
/// decisions that move the left-hand sides of rules, and a price on each rule's violation.
///
/// Decision d (an option started in one year) is taken x_d ∈ {0, 1, ..., u_d} times, at
/// c_d a time; limits cap sums of decisions (an option's total over its start years). Rule r
/// has a left-hand side L_r(x) = b_r + Σ_d a_rd x_d and a target t_r, and its violation is
/// v_r(x) = max(0, t_r − L_r(x)) for an at-least rule, max(0, L_r(x) − t_r) for an at-most
/// one. The plan minimises
///
///     C(x) = Σ_d c_d x_d + Σ_r p_r v_r(x)
///
/// which, with one continuous v_r ≥ 0 per rule and L_r + v_r ≥ t_r (or L_r − v_r ≤ t_r), is
/// a mixed-integer linear programme (``program()``). Places rules carry the price
/// ``shortfallPrice``, far above any option's cost, so that they are requirements: a rule
/// is left short only when no combination of options can meet it. Specialist rules price
/// each pupil placed out of borough at that placement's cost; surplus rules price a place
/// above the high-surplus threshold.
public struct PlanProblem: Sendable {
    /// The price of a pupil-year short of a places rule: £100 million, more than any option
    /// costs, so a rule is broken only when no option can meet it.
    public static let shortfallPrice = 1e8

    public struct Decision: Sendable {
        /// Index of the option in ``PlanOptions/options``.
        public var option: Int
        /// The first academic year the decision acts in.
        public var start: AcademicYear
        /// At most this many units.
        public var upper: Int
        /// c_d: the one-off cost plus the running cost less the savings over the horizon, per unit.
        public var unitCost: Double
        /// The parts of `unitCost`, per unit: one-off, running over the horizon, saved over the horizon.
        public var capital: Double, running: Double, saving: Double
        /// a_rd: the rules it moves and by how much per unit.
        public var effects: [(rule: Int, coefficient: Double)]
    }

    /// Σ x_d over `decisions` at most `maximum`.
    public struct Limit: Sendable {
        public var decisions: [Int]
        public var maximum: Int
    }

    public struct Rule: Sendable {
        public enum Kind: Sendable, Hashable {
            /// Places in an area and phase (the entry year group alone when `entry`) at least
            /// the pupils at the chosen risk.
            case places(area: String, phase: ReportingPhase, entry: Bool, year: AcademicYear)
            /// Places at most the pupils / (1 − threshold).
            case surplus(area: String, phase: ReportingPhase, year: AcademicYear)
            /// Specialist places added for a need and phase at least the pupils placed outside
            /// the borough's places (each one left outside costs its placement).
            case specialist(need: PrimaryNeed, phase: ReportingPhase, year: AcademicYear)

            public var year: AcademicYear {
                switch self {
                case .places(_, _, _, let y), .surplus(_, _, let y), .specialist(_, _, let y): y
                }
            }
        }

        public var kind: Kind
        public var base: Double
        public var target: Double
        public var atLeast: Bool
        public var price: Double
    }

    public var decisions: [Decision] = []
    public var limits: [Limit] = []
    public var rules: [Rule] = []

    public init() {}

    /// L_r(x) for every rule.
    public func sides(_ x: [Int]) -> [Double] {
        var out = rules.map(\.base)
        for (d, n) in x.enumerated() where n != 0 {
            for e in decisions[d].effects { out[e.rule] += e.coefficient * Double(n) }
        }
        return out
    }

    /// v_r given L_r.
    func violation(_ r: Int, side: Double) -> Double {
        rules[r].atLeast ? max(0, rules[r].target - side) : max(0, side - rules[r].target)
    }

    /// C(x), the plan's cost.
    public func cost(_ x: [Int]) -> Double {
        let side = sides(x)
        var total = 0.0
        for (d, n) in x.enumerated() { total += decisions[d].unitCost * Double(n) }
        for r in rules.indices { total += rules[r].price * violation(r, side: side[r]) }
        return total
    }

    /// Whether `x` keeps every decision and limit within bounds.
    public func withinLimits(_ x: [Int]) -> Bool {
        for (d, n) in x.enumerated() where n < 0 || n > decisions[d].upper { return false }
        for l in limits where l.decisions.reduce(0, { $0 + x[$1] }) > l.maximum { return false }
        return true
    }

    /// The programme: decision variables first (in order), then one violation per rule.
    public func program() -> MixedIntegerProgram {
        var p = MixedIntegerProgram()
        for (d, decision) in decisions.enumerated() {
            p.addVariable("x\(d)", upper: Double(decision.upper), cost: decision.unitCost, integer: true)
        }
        var terms = [[(Int, Double)]](repeating: [], count: rules.count)
        for (d, decision) in decisions.enumerated() { for e in decision.effects { terms[e.rule].append((d, e.coefficient)) } }
        for (r, rule) in rules.enumerated() {
            let v = p.addVariable("v\(r)", cost: rule.price)
            // L + v ≥ t, or L − v ≤ t, with L = b + Σ a x.
            p.addConstraint("r\(r)", terms[r] + [(v, rule.atLeast ? 1 : -1)], rule.atLeast ? .atLeast : .atMost, rule.target - rule.base)
        }
        for (i, l) in limits.enumerated() { p.addConstraint("l\(i)", l.decisions.map { ($0, 1.0) }, .atMost, Double(l.maximum)) }
        return p
    }

    /// The programme's point for decisions `x` (violations at their least).
    public func point(_ x: [Int]) -> [Double] {
        let side = sides(x)
        return x.map(Double.init) + rules.indices.map { violation($0, side: side[$0]) }
    }

    /// The greedy baseline, kept to measure what the solver wins: meets the places rules
    /// year by year with the option cheapest per place at the rule (the latest start on a
    /// tie), then adds, one unit at a time, whichever decision lowers C(x) most without
    /// breaking a places rule further, until none does (PAN reductions, closures, specialist
    /// places that pay for themselves).
    public func greedy() -> [Int] {
        var x = [Int](repeating: 0, count: decisions.count)
        var side = rules.map(\.base)
        var limitOf = [[Int]](repeating: [], count: decisions.count)
        for (i, l) in limits.enumerated() { for d in l.decisions { limitOf[d].append(i) } }
        var used = limits.map { _ in 0 }
        var effectOn = [[(Int, Double)]](repeating: [], count: rules.count)
        for (d, decision) in decisions.enumerated() { for e in decision.effects { effectOn[e.rule].append((d, e.coefficient)) } }
        func room(_ d: Int) -> Bool { x[d] < decisions[d].upper && limitOf[d].allSatisfy { used[$0] < limits[$0].maximum } }
        func take(_ d: Int) {
            x[d] += 1
            for l in limitOf[d] { used[l] += 1 }
            for e in decisions[d].effects { side[e.rule] += e.coefficient }
        }
        /// Whether one more unit of d breaks a places rule further.
        func harms(_ d: Int) -> Bool {
            decisions[d].effects.contains { e in
                rules[e.rule].price >= Self.shortfallPrice && violation(e.rule, side: side[e.rule] + e.coefficient) > violation(e.rule, side: side[e.rule]) + 1e-9
            }
        }
        let required = rules.indices.filter { rules[$0].atLeast && rules[$0].price >= Self.shortfallPrice }
            .sorted { (rules[$0].kind.year, $0) < (rules[$1].kind.year, $1) }
        for r in required {
            while violation(r, side: side[r]) > 1e-9 {
                var best: (d: Int, price: Double, start: AcademicYear)?
                for (d, a) in effectOn[r] where a > 0 && room(d) && !harms(d) {
                    let price = decisions[d].unitCost / a
                    if best == nil || price < best!.price - 1e-9 || (abs(price - best!.price) <= 1e-9 && decisions[d].start > best!.start) {
                        best = (d, price, decisions[d].start)
                    }
                }
                guard let best else { break }
                take(best.d)
            }
        }
        // Improvements one unit at a time, the largest first.
        while true {
            var best: (d: Int, gain: Double)?
            for d in decisions.indices where room(d) && !harms(d) {
                var gain = -decisions[d].unitCost
                for e in decisions[d].effects {
                    gain += rules[e.rule].price * (violation(e.rule, side: side[e.rule]) - violation(e.rule, side: side[e.rule] + e.coefficient))
                }
                if gain > 1e-6, best == nil || gain > best!.gain { best = (d, gain) }
            }
            guard let best else { break }
            take(best.d)
        }
        return x
    }

    /// The least-cost decisions by CBC, started from the greedy baseline (so never worse).
    public func solve(timeLimit: Double? = nil) throws(PlacePlanError) -> (x: [Int], greedy: [Int], status: MixedIntegerProgram.Solution.Status, bound: Double) {
        let greedy = greedy()
        guard !decisions.isEmpty else { return (greedy, greedy, .optimal, cost(greedy)) }
        let solution = try program().solve(start: point(greedy), timeLimit: timeLimit)
        guard solution.status != .infeasible else {
            // Every rule can be broken at a price and x = 0 is within limits, so this is the solver's failure.
            throw .internalError("the MIP solver found no solution to a plan that always has one (x = 0)")
        }
        var x = solution.values.prefix(decisions.count).map { Int($0.rounded()) }
        // The solver's point, read back as whole decisions, is never kept if worse than greedy's.
        if !withinLimits(x) || cost(x) > cost(greedy) { x = greedy }
        return (x, greedy, solution.status, solution.bound)
    }
}
