/// A forecast: pupils by year, year group, planning area and column (scenario).
public struct Forecast: Sendable {
    public let areas: [PlanningArea]
    /// The last census used; states[0] holds its actual rolls.
    public let origin: AcademicYear
    /// The column names (scenario names), in order.
    public let columns: [String]
    /// states[h], h = 0 ... horizon: the origin census, then each forecast year.
    public let states: [CohortState]
    /// The births that fed each forecast year's Reception, by area and column:
    /// births[h - 1][a + c * A].
    public let births: [[Double]]

    public init(areas: [PlanningArea], origin: AcademicYear, columns: [String], states: [CohortState], births: [[Double]]) {
        self.areas = areas
        self.origin = origin
        self.columns = columns
        self.states = states
        self.births = births
    }

    public var horizon: Int { states.count - 1 }
    /// The forecast years, origin+1 ... origin+horizon.
    public var years: [AcademicYear] { (1...max(1, horizon)).map { origin + $0 } }

    /// Pupils in a year (the origin year gives the actual roll).
    public func pupils(_ year: AcademicYear, area: Int, _ g: YearGroup, column: Int = 0) -> Double {
        states[year - origin][g, area, column]
    }

    /// Whether area `a` has pupils of `phase` at the origin census or in any forecast year of
    /// any column. An all-through LA without a secondary school (the City of London) has
    /// none, and outputs leave such a phase out rather than show rows or charts of zeros.
    public func hasPupils(area a: Int, phase: ReportingPhase) -> Bool {
        ([origin] + years).contains { y in columns.indices.contains { pupils(y, area: a, phase: phase, column: $0) > 0 } }
    }

    /// Pupils summed over the year groups of a phase.
    public func pupils(_ year: AcademicYear, area: Int, phase: ReportingPhase, column: Int = 0) -> Double {
        phase.yearGroups.reduce(0) { $0 + pupils(year, area: area, $1, column: column) }
    }
}
