import Foundation

/// Where EHCP pupils are placed once specialist demand meets the places there are.
public enum ReportedPlacement: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case mainstream
    case arp = "ARP"
    case specialInBorough = "special in borough"
    case independent = "independent/non-maintained special"
    case outOfBorough = "out of borough"
    case apOther = "AP/other"
    public var description: String { rawValue }
}

/// Average annual cost per pupil by placement. The defaults are ILLUSTRATIVE orders of
/// magnitude, not any authority's figures: replace them with `send_costs.csv`.
public struct SENDCosts: Sendable, Hashable {
    public var annual: [ReportedPlacement: Double]
    public var source: String

    public static let illustrative = SENDCosts(
        annual: [.mainstream: 9_000, .arp: 20_000, .specialInBorough: 26_000, .independent: 60_000, .outOfBorough: 45_000, .apOther: 22_000],
        source: "illustrative defaults")

    /// Reads `placement,annual_cost` rows (placement names as in the report, or mainstream,
    /// arp, special, independent, out_of_borough, ap_other).
    public static func read(_ path: String) throws(PlacePlanError) -> SENDCosts {
        let f = try CSVFile(path: path)
        let placement = try f.require("placement")
        let cost = try f.require("annual_cost")
        var costs = SENDCosts.illustrative
        costs.source = path
        let aliases: [String: ReportedPlacement] = [
            "mainstream": .mainstream, "arp": .arp, "special": .specialInBorough, "special_in_borough": .specialInBorough,
            "independent": .independent, "out_of_borough": .outOfBorough, "ap_other": .apOther,
        ]
        var seen: [ReportedPlacement: Int] = [:]
        try forEachRecord(f) { r throws(PlacePlanError) in
            let name = r.text(placement).lowercased()
            guard let p = aliases[name] ?? ReportedPlacement.allCases.first(where: { $0.rawValue.lowercased() == name }) else {
                throw .invalidValue(r.location(placement), value: r.text(placement), expected: "a placement: mainstream, arp, special, independent, out_of_borough or ap_other")
            }
            // Two rows for one placement (perhaps under two names) would leave one silently unused.
            if let first = seen[p] { throw .duplicateRow(r.location(placement), key: "placement \(p.rawValue)", firstLine: first) }
            seen[p] = r.line
            let annual = try r.pounds(cost) ?? 0
            // A placement costs thousands of pounds a year: 60 is £60k typed in thousands,
            // which would make every placement look nearly free, silently. 0 leaves it uncosted.
            guard annual == 0 || annual >= 1_000 else {
                throw .invalidValue(
                    r.location(cost), value: r.text(cost),
                    expected: "a year's cost of one placement in pounds (1,000 or more, or 0 for none): is it in £ thousands? write \(Format.count(annual * 1_000)) for £\(Format.count(annual))k")
            }
            costs.annual[p] = annual
        }
        return costs
    }
}

/// The SEND assumptions a run states.
public struct SENDAssumptions: Sendable, Hashable {
    public var trend: SENDTrend
    /// When places come from the EHCP data rather than schools (the DfE importer has no
    /// schools): the share of maintained and academy special school placements that are out
    /// of borough. An ASSUMPTION: the DfE data counts placements by type of school, not where.
    public var outOfBoroughShare: Double
    public var costs: SENDCosts
    /// The authority's plans by planning area, when it has the file (``AreaCaseload``); else
    /// the plans are shared out over the areas by their pupils at the start, and then each
    /// area's flow goes its own way (``SENDByArea/flows(flows:blocks:years:column:phases:multipliers:transfers:start:pupils:)``).
    public var areaCaseload: AreaCaseload?

    public init(trend: SENDTrend = .default, outOfBoroughShare: Double = 0.2, costs: SENDCosts = .illustrative, areaCaseload: AreaCaseload? = nil) {
        self.trend = trend
        self.outOfBoroughShare = outOfBoroughShare
        self.costs = costs
        self.areaCaseload = areaCaseload
    }
}

/// Specialist sufficiency for one need and phase in one year of one scenario.
public struct SpecialistRow: Sendable, Hashable, Codable {
    public var scenario: String
    public var year: AcademicYear
    public var need: PrimaryNeed
    public var phase: ReportingPhase
    /// EHCP pupils with this need in the phase's year groups.
    public var pupils: Double
    /// Pupils needing an ARP or special place.
    public var demand: Double
    /// In-borough specialist places for the need (ARP, designated special, and a share of
    /// special places open to any need).
    public var places: Double
    /// places − demand: spare (+) or short (−).
    public var spare: Double
    public var placedInBorough: Double
    public var independent: Double
    public var outOfBorough: Double
    /// Annual cost of this need's EHCP pupils in the phase, all placements.
    public var cost: Double
    /// Pupils by reported placement.
    public var byPlacement: [String: Double]
}

/// A SEND forecast: EHCP pupils by year group, need and placement for each scenario.
public struct SENDForecast: Sendable {
    public let authority: String
    public let calibration: SENDCalibration
    public let assumptions: SENDAssumptions
    public let columns: [String]
    /// years[0] is the EHCP origin.
    public let years: [AcademicYear]
    /// states[h][g][cell][c] flattened: see ``SENDState``.
    public let states: [SENDState]
    public let rows: [SpecialistRow]
    /// Draws of the first scenario, when asked for.
    public var draws: SENDDrawSummary? = nil
    /// The same by planning area of residence (``SENDByArea``).
    public var areaRows: [SENDAreaRow] = []
    /// Where the area split comes from (``SENDByArea/source(_:)``).
    public var areaSource: String = ""
}

/// The spread of a SEND forecast over draws: quantiles of totals by year, and how often
/// specialist demand exceeds the in-borough places for each need and phase.
public struct SENDDrawSummary: Sendable {
    /// A total over needs and phases that the draws summarise.
    public enum Measure: Sendable { case pupils, outside, cost }

    public let draws: Int
    public let seed: UInt64
    public let scenario: String
    public let years: [AcademicYear]
    /// Whether the draws follow the SEND model's measured errors (else they vary only the
    /// growth of new-plan rates within its standard error).
    public let isCalibrated: Bool
    /// By step h = 0 ... horizon: the adaptive widening e^θ₈₀(h) of the calibrated 80% bands
    /// (``CalibratedErrors``); empty when the draws are not calibrated.
    public let widening: [Double]
    /// What the draws vary, for the report.
    public var varies: String {
        isCalibrated ? "new plans, calibrated to the SEND model's measured errors" : "new-plan rate growth within its standard error"
    }
    /// Per year: quantiles (``UncertaintySettings/quantiles``) of EHCP pupils, pupils
    /// independent or out of borough, and cost.
    let pupils, outside, cost: [[Double]]
    /// Per year: the share of draws short of places, by [phase · 12 + need].
    let short: [[Double]]

    /// Quantiles over draws of a total in year h.
    public func quantiles(step h: Int, _ measure: Measure) -> [Double] {
        switch measure {
        case .pupils: pupils[h]
        case .outside: outside[h]
        case .cost: cost[h]
        }
    }

    /// " The 80% bands are widened where earlier forecasts missed more often than their bands
    /// allowed (EHCP plans up to 1.6 times, in 2027/28)." when the calibration's adaptation
    /// moved them by half or more in some year; "" otherwise (``ScenarioHeader``).
    public var adaptation: String {
        ScenarioHeader.adaptation([("EHCP plans", widening)], years: Array(years.dropFirst()))
    }

    /// The share of draws in which specialist demand for a need and phase exceeds its places.
    public func probabilityShort(step h: Int, need: PrimaryNeed, phase: ReportingPhase) -> Double {
        short[h][(phase == .primary ? 0 : 1) * SENDCalibration.needs.count + SENDCalibration.needs.firstIndex(of: need)!]
    }
}

/// EHCP pupils at one census: 14 slabs (one per year group), each a (need × placement) × C
/// column-major matrix, so one `dgemm` per year group moves every scenario (or draw) at once.
public struct SENDState: Sendable, Equatable {
    public let columns: Int
    public var values: [Double]
    static let cells = SENDCalibration.cells

    public init(columns: Int) {
        self.columns = columns
        values = Array(repeating: 0, count: YearGroup.count * Self.cells * columns)
    }

    public subscript(g: Int, cell: Int, column: Int) -> Double {
        get { values[(g * columns + column) * Self.cells + cell] }
        set { values[(g * columns + column) * Self.cells + cell] = newValue }
    }

    /// All EHCP pupils in a column.
    public func total(column c: Int) -> Double {
        var s = 0.0
        for g in 0..<YearGroup.count { for k in 0..<Self.cells { s += self[g, k, c] } }
        return s
    }
}

/// The SEND flow model's year step, through BLAS.
///
/// For each year group g, the block A_g = (1 − c_g) · blockdiag_n(M_{g,n}ᵀ) (48 × 48) moves
/// the plans of year group g into g+1: survivors keep their need and move placement by
/// M_{g,n} (mostly at transfer to Year 7). New plans J_g join each year group. Stocks and
/// flows balance: next total = this total − ceased − Year 13 leavers + joiners.
public enum SENDEngine {
    /// The 48 × 48 block matrices A_g, column-major, for g = 0 ... 12.
    public static func blocks(_ cal: SENDCalibration) -> [[Double]] {
        let K = SENDCalibration.cells, P = SENDCalibration.placements.count
        return (0..<13).map { g in
            var a = [Double](repeating: 0, count: K * K)
            for n in 0..<SENDCalibration.needs.count {
                for p in 0..<P {
                    for q in 0..<P {
                        // row = destination cell (n, q), column = source cell (n, p)
                        a[(n * P + q) + (n * P + p) * K] = (1 - cal.cessation[g]) * cal.transition[g][n][p][q]
                    }
                }
            }
            return a
        }
    }

    /// One year: survivors move up through A_g, then `joiners` (same layout as the state)
    /// are added.
    public static func step(_ state: SENDState, blocks: [[Double]], joiners: SENDState) -> SENDState {
        var next = joiners
        step(state, blocks: blocks, into: &next)
        return next
    }

    /// Adds the survivors of `state` to `next` (which holds the joiners). A plan never
    /// changes need, so A_g is block diagonal: each need's 4 × 4 placement block moves that
    /// need's rows of every column, one dgemm per year group and need, on strided rows
    /// (leading dimension 48) rather than a 48 × 48 product that is 92% zeros.
    public static func step(_ state: SENDState, blocks: [[Double]], into next: inout SENDState) {
        let K = SENDCalibration.cells, C = state.columns, slab = K * C, P = SENDCalibration.placements.count
        state.values.withUnsafeBufferPointer { source in
            next.values.withUnsafeMutableBufferPointer { target in
                for g in 0..<13 {
                    blocks[g].withUnsafeBufferPointer { a in
                        for n in 0..<SENDCalibration.needs.count {
                            BLAS.gemm(
                                m: P, n: C, k: P, a: a.baseAddress! + n * P * (K + 1), lda: K, b: source.baseAddress! + g * slab + n * P, ldb: K,
                                beta: 1, c: target.baseAddress! + (g + 1) * slab + n * P, ldc: K)
                        }
                    }
                }
            }
        }
    }
}

/// Runs the SEND model for every column of a mainstream scenario forecast.
public enum SENDRunner {
    /// - Parameters:
    ///   - run: the mainstream forecast (its pupils drive new plans; its scenarios give
    ///     specialist places, housing EHCPs and SEND levers).
    ///   - data: the data the mainstream forecast was made from (actual rolls before it).
    ///   - uncertainty: draws of the first scenario, when asked for.
    ///   - measured: the SEND model's measured errors that calibrate the draws
    ///     (``SENDBacktest/measuredErrors(for:histories:data:pooled:trend:)``); without them
    ///     the draws vary the growth of new-plan rates within its standard error.
    ///   - pooled: national momentum and the pooled new-plan rate of the authorities in the
    ///     data (``SENDPooledTrend``); without it, new-plan rates follow the authority's own growth.
    ///   - progress: called after each year of draws.
    public static func run(
        history: EHCPHistory, data: DataSet, run: ScenarioForecast, assumptions: SENDAssumptions = SENDAssumptions(), pooled: SENDPooledTrend? = nil,
        uncertainty: UncertaintySettings? = nil, measured: SENDMeasuredErrors? = nil, progress: ((RunProgress) -> Void)? = nil
    ) throws(PlacePlanError) -> SENDForecast {
        let forecast = run.forecast
        let A = forecast.areas.count, C = forecast.columns.count
        let lastYear = forecast.origin + forecast.horizon
        // Mainstream pupils of the authority by year group: actual rolls, then the forecast
        // (less housing pupils, whose EHCPs are added directly).
        func pupils(_ year: AcademicYear, column c: Int) -> [Double]? {
            if year <= forecast.origin {
                guard let t = data.rolls.yearIndex(year) else { return nil }
                return YearGroup.all.map { g in (0..<A).reduce(0.0) { $0 + (data.rolls.pupils(yearIndex: t, area: $1, g) ?? 0) } }
            }
            guard year <= lastYear else { return nil }
            let h = year - forecast.origin
            let housing = run.applied[c].housingPupils[h - 1]
            return YearGroup.all.map { g in (0..<A).reduce(0.0) { $0 + forecast.states[h][g, $1, c] - housing[g.index * A + $1] } }
        }
        let cal = try SENDCalibration.calibrate(history, pooled: pooled) { pupils($0, column: 0) }
        guard cal.origin < lastYear else {
            throw .insufficientHistory(
                "the EHCP data starts at \(cal.origin), after the end of the mainstream forecast (\(lastYear))",
                hint: "forecast more years with --years")
        }
        let years = (cal.origin.startYear...lastYear.startYear).map(AcademicYear.init)
        let blocks = SENDEngine.blocks(cal)
        let G = YearGroup.count, N = SENDCalibration.needs.count, P = SENDCalibration.placements.count

        let states = project(
            cal, blocks: blocks, years: years, columns: C, pupils: { pupils($0, column: $1) },
            growth: { h, _ in cal.newPlanFactor(assumptions.trend, years: h) }, levers: { run.applied[$0].sendLevers })
        // Housing EHCPs lie over the flows, like housing pupils over the mainstream forecast.
        var housing = states.map { _ in SENDState(columns: C) }
        for (h, year) in years.enumerated() where year > forecast.origin {
            let mh = year - forecast.origin
            for c in 0..<C {
                let ehcp = run.applied[c].housingEHCP[mh - 1]
                for g in 0..<G {
                    let extra = (0..<A).reduce(0.0) { $0 + ehcp[g * A + $1] }
                    guard extra != 0 else { continue }
                    for need in 0..<N {
                        for p in 0..<P {
                            housing[h][g, SENDCalibration.cell(need, SENDCalibration.placements[p]), c] +=
                                extra * cal.needMix[g][need] * cal.placementMix[g][need][p]
                        }
                    }
                }
            }
        }
        var withHousing = states
        for h in states.indices { for i in withHousing[h].values.indices { withHousing[h].values[i] += housing[h].values[i] } }
        let rows = SpecialistAllocation.rows(
            states: withHousing, years: years, calibration: cal, run: run, data: data, assumptions: assumptions)
        var result = SENDForecast(
            authority: history.authority, calibration: cal, assumptions: assumptions, columns: forecast.columns, years: years,
            states: withHousing, rows: rows)
        // By planning area: from the authority's caseload file by area when the data has one.
        // The file as known at the January the SEND forecast starts from (its plans' own
        // latest, or the origin of a backtest): later counts are not seen.
        var file = assumptions.areaCaseload
        if file == nil, let directory = data.directory, let path = AreaCaseload.find(in: directory) {
            file = try AreaCaseload.read(path, areas: data.areas)
        }
        let caseload = file?.asOf(cal.origin)
        result.areaRows = SENDByArea.rows(
            flows: states, calibration: cal, blocks: blocks, years: years, run: run, data: data, assumptions: assumptions,
            laRows: rows, caseload: caseload)
        result.areaSource = SENDByArea.source(caseload, unused: file, start: cal.origin)
        if let uncertainty {
            // Draws of the first scenario, by superposition through the engine (`projectDraws`),
            // each year summarised as it comes (one year of draws in memory), its housing EHCPs
            // added as to the forecast. With measured errors (the
            // SEND backtest from each earlier January), each draw's new plans are scaled so that
            // its plans at step h are the forecast's / e^l, l = μ(h) + s(h) ζ (the calibration of
            // the mainstream draws); without them, the growth of new-plan rates varies within
            // its estimation error, g_d = g + se(g) Z_d.
            let D = uncertainty.draws
            let horizon = years.count - 1
            // Per draw at once: its allocation profile, its coefficients c_{d,t}, its results
            // and their copy for the quantiles, and its normal, level and growth.
            let results = 3 + 2 * SENDCalibration.needs.count
            try uncertainty.check(
                bytesPerDraw: (SpecialistAllocation.profileSize + years.count + 2 * results + 6) * MemoryLayout<Double>.size, of: "EHCP plans")
            let calibrated = measured.flatMap { $0.errors.calibrated(areas: $0.authorities, horizon: horizon, adaptation: uncertainty.adaptationRate) }
            // One normal per draw, stratified as the mainstream draws' copula is
            // (``Simulation/copula(draws:areas:commonShares:seed:)``): the normal scores of a
            // sample, so the quantiles carry no Monte Carlo noise.
            let normals = Simulation.normalScores((0..<D).map { d -> Double in
                var rng = DrawRandom(seed: uncertainty.seed, stream: UInt64(d))
                return rng.normal()
            })
            let growths = normals.map { calibrated == nil ? cal.growth + cal.growthError * $0 : cal.growth }
            var target: ((Int, Int) -> Double)?
            if let calibrated, let m = measured {
                let phase = calibrated.phases[0], a = m.authority
                let point = states.map { $0.total(column: 0) }
                let levels = normals.map(CalibratedErrors.Phase.level)
                target = { h, d in point[h] / exp(phase.location[h] + phase.scale[a][h] * phase.score(normals[d], level: levels[d], horizon: h)) }
            }
            let capacity = Capacity(run.applied[0], calibration: cal, assumptions: assumptions, hasSchools: !data.schools.isEmpty)
            let share = SpecialistAllocation.independentShare(
                states[0], year: years[0], calibration: cal, capacity: CapacityYear(capacity, year: years[0]))
            let levers = run.applied[0].sendLevers, annual = SpecialistAllocation.annualCosts(assumptions.costs)
            // The first scenario's housing EHCPs, added to every draw's profile as to the forecast.
            let R = SpecialistAllocation.profileSize
            let housingProfile = housing.map { state -> [Double]? in
                // Only the first scenario's column: another scenario's housing is not drawn.
                guard YearGroup.all.contains(where: { g in (0..<SENDCalibration.cells).contains { state[g.index, $0, 0] != 0 } }) else { return nil }
                var p = [Double](repeating: 0, count: R)
                p.withUnsafeMutableBufferPointer { SpecialistAllocation.profile(state, column: 0, into: $0) }
                return p
            }
            var pupilsQ: [[Double]] = [], outsideQ: [[Double]] = [], costQ: [[Double]] = [], short: [[Double]] = []
            // Year by year, so that only one year's draws are held; each year's allocation
            // runs over chunks of draws in parallel.
            projectDraws(
                cal, blocks: blocks, years: years, draws: D, pupils: { pupils($0, column: 0) }, levers: levers,
                factor: { h, d in cal.newPlanFactor(assumptions.trend, growth: growths[d], years: h) }, target: target, threads: uncertainty.threads
            ) { h, profiles in
                nonisolated(unsafe) let profiles = profiles
                let year = years[h], yearCapacity = CapacityYear(capacity, year: year)
                let chunks = min(D, max(1, uncertainty.threads))
                let results = SharedRows(chunks)
                DispatchQueue.concurrentPerform(iterations: chunks) { k in
                    // Per draw: pupils, outside, cost, then a short flag per phase and need.
                    let range = (k * D / chunks)..<((k + 1) * D / chunks)
                    var out = [Double](), y = SpecialistAllocation.Year(), withHousing = [Double](repeating: 0, count: R)
                    out.reserveCapacity(range.count * (3 + 2 * N))
                    for d in range {
                        let own = UnsafeBufferPointer(rebasing: profiles[(d * R)..<((d + 1) * R)])
                        if let extra = housingProfile[h] {
                            for r in 0..<R { withHousing[r] = own[r] + extra[r] }
                            withHousing.withUnsafeBufferPointer {
                                SpecialistAllocation.allocate(
                                    profile: $0, year: year, capacity: yearCapacity, levers: levers, independentShare: share, annualCosts: annual, into: &y)
                            }
                        } else {
                            SpecialistAllocation.allocate(
                                profile: own, year: year, capacity: yearCapacity, levers: levers, independentShare: share, annualCosts: annual, into: &y)
                        }
                        out.append(y.pupils.reduce(0, +))
                        out.append(zip(y.independent, y.outOfBorough).reduce(0) { $0 + $1.0 + $1.1 })
                        out.append(y.cost.reduce(0, +))
                        for i in 0..<(2 * N) { out.append(y.places[i] - y.demand[i] < 0 ? 1 : 0) }
                    }
                    results.set(k, out)
                }
                let flat = results.rows.flatMap { $0 }, width = 3 + 2 * N
                func quantiles(_ j: Int) -> [Double] {
                    Quantiles.of((0..<D).map { flat[$0 * width + j] }, UncertaintySettings.quantiles, rule: .midpoint)
                }
                pupilsQ.append(quantiles(0))
                outsideQ.append(quantiles(1))
                costQ.append(quantiles(2))
                short.append((0..<(2 * N)).map { i in (0..<D).reduce(0.0) { $0 + flat[$1 * width + 3 + i] } / Double(D) })
                progress?(RunProgress("SEND: \(Format.count(Double(D))) draws, \(year)", done: h + 1, total: years.count))
            }
            result.draws = SENDDrawSummary(
                draws: D, seed: uncertainty.seed, scenario: forecast.columns[0], years: years,
                isCalibrated: calibrated != nil, widening: calibrated?.phases[0].widening.map { $0[0] } ?? [],
                pupils: pupilsQ, outside: outsideQ, cost: costQ,
                short: short)
        }
        return result
    }

    /// Steps plans through the years for `columns` columns: joiners from each column's
    /// mainstream pupils, new-plan rate factor and levers.
    static func project(
        _ cal: SENDCalibration, blocks: [[Double]], years: [AcademicYear], columns C: Int, pupils: (AcademicYear, Int) -> [Double]?,
        growth: (Int, Int) -> Double, levers: (Int) -> SENDLevers
    ) -> [SENDState] {
        var state = SENDState(columns: C)
        for c in 0..<C { for g in 0..<YearGroup.count { for k in 0..<SENDCalibration.cells { state[g, k, c] = cal.stock[g][k] } } }
        var states = [state]
        let mix = joinerMix(cal)
        for (h, year) in years.enumerated().dropFirst() {
            // The next year is built from its joiners, then the survivors added.
            var next = SENDState(columns: C)
            for c in 0..<C {
                addJoiners(cal, mix: mix, pupils: pupils(year, c), factor: growth(h, c), levers: levers(c), year: year, into: &next, column: c)
            }
            SENDEngine.step(state, blocks: blocks, into: &next)
            state = next
            states.append(state)
        }
        return states
    }

    /// needMix × placementMix by year group, [need · P + placement].
    static func joinerMix(_ cal: SENDCalibration) -> [[Double]] {
        let P = SENDCalibration.placements.count
        return (0..<YearGroup.count).map { g in
            (0..<SENDCalibration.cells).map { cal.needMix[g][$0 / P] * cal.placementMix[g][$0 / P][$0 % P] }
        }
    }

    /// Adds one column's new plans: joinRate_g · factor · pupils_g · lever_n · mix_{g,n,p}.
    static func addJoiners(
        _ cal: SENDCalibration, mix: [[Double]], pupils: [Double]?, factor: Double, levers: SENDLevers, year: AcademicYear,
        into state: inout SENDState, column c: Int
    ) {
        guard let pupils else { return }
        let P = SENDCalibration.placements.count
        let scales = SENDCalibration.needs.map { levers.isEmpty ? 1 : levers.rateFactor(need: $0, year: year) }
        for g in 0..<YearGroup.count {
            let base = cal.joinRate[g] * factor * pupils[g]
            for k in 0..<SENDCalibration.cells { state[g, k, c] += base * scales[k / P] * mix[g][k] }
        }
    }

    /// The draws of one scenario, by superposition: each year, every draw's allocation
    /// profile (``SpecialistAllocation/profile(_:column:into:)``) is handed to `visit` as a
    /// profile × D column-major matrix (one year of draws in memory).
    ///
    /// Every draw shares the scenario's pupils and levers: draw d's new plans in year t are
    /// its own multiple c_{d,t} of the same joiners J(t). The flows are linear, so its plans
    /// in year h are S_d(h) = Σ_{t ≤ h} c_{d,t} B_t(h), where B_0 is the stock and B_t the
    /// joiners of year t, each stepped on to year h by the engine (c_{d,0} = 1), and so is
    /// its profile, R S_d(h) = Σ_t c_{d,t} R B_t(h). The engine steps only the h + 1 basis
    /// columns; every draw's profile is then one dgemm, (180 × (h + 1)) · ((h + 1) × D), so
    /// the work of the draws is BLAS work. The draws are cut into fixed blocks of columns,
    /// whatever the thread count, so results do not depend on it.
    ///
    /// - Parameters:
    ///   - factor: draw d's new-plan factor in year h (`factor(h, d)`).
    ///   - target: draw d's plans wanted in year h; its new plans are then scaled by
    ///     max(0, (target − survivors) / new plans) so that its total meets the target.
    static func projectDraws(
        _ cal: SENDCalibration, blocks: [[Double]], years: [AcademicYear], draws D: Int, pupils: (AcademicYear) -> [Double]?,
        levers: SENDLevers, factor: (Int, Int) -> Double, target: ((Int, Int) -> Double)?, threads: Int,
        visit: (Int, UnsafeBufferPointer<Double>) -> Void
    ) {
        let H = years.count - 1, B = H + 1, K = SENDCalibration.cells, R = SpecialistAllocation.profileSize
        let mix = joinerMix(cal)
        var basis = SENDState(columns: B)
        for g in 0..<YearGroup.count { for k in 0..<K { basis[g, k, 0] = cal.stock[g][k] } }
        // c_{d,t} at [d · B + t]; the basis columns' profiles at [t · R + row].
        var coefficients = [Double](repeating: 0, count: D * B)
        for d in 0..<D { coefficients[d * B] = 1 }
        var profiles = [Double](repeating: 0, count: R * B), draws = [Double](repeating: 0, count: R * D)
        let width = 256, pieces = (D + width - 1) / width, parts = max(1, min(threads, pieces))
        for (h, year) in years.enumerated() {
            if h > 0 {
                var next = SENDState(columns: B)
                addJoiners(cal, mix: mix, pupils: pupils(year), factor: 1, levers: levers, year: year, into: &next, column: h)
                SENDEngine.step(basis, blocks: blocks, into: &next)
                basis = next
                // Survivors of each basis column (column h holds only J(h)).
                let totals = (0...h).map { basis.total(column: $0) }
                for d in 0..<D {
                    let f = factor(h, d)
                    var scale = 1.0
                    if let target {
                        var survivors = 0.0
                        for t in 0..<h { survivors += coefficients[d * B + t] * totals[t] }
                        let joining = f * totals[h]
                        scale = joining > 0 ? max(0, (target(h, d) - survivors) / joining) : 1
                    }
                    coefficients[d * B + h] = scale * f
                }
            }
            profiles.withUnsafeMutableBufferPointer { p in
                for t in 0...h { SpecialistAllocation.profile(basis, column: t, into: UnsafeMutableBufferPointer(rebasing: p[(t * R)..<((t + 1) * R)])) }
            }
            profiles.withUnsafeBufferPointer { pb in
                coefficients.withUnsafeBufferPointer { cb in
                    draws.withUnsafeMutableBufferPointer { db in
                        nonisolated(unsafe) let basis = pb.baseAddress!, coefficient = cb.baseAddress!, out = db.baseAddress!
                        DispatchQueue.concurrentPerform(iterations: parts) { part in
                            for piece in stride(from: part, to: pieces, by: parts) {
                                let d0 = piece * width
                                BLAS.gemm(
                                    m: R, n: min(width, D - d0), k: h + 1, a: basis, lda: R, b: coefficient + d0 * B, ldb: B,
                                    c: out + d0 * R, ldc: R)
                            }
                        }
                    }
                }
            }
            draws.withUnsafeBufferPointer { visit(h, $0) }
        }
    }
}
