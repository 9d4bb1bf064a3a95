import Foundation

/// EHC plans by planning area of residence, as an authority exports them from its SEN2 or
/// case-management system: `ehcp_caseload_by_area.csv` in the data directory or its `send/`
/// folder, columns `year` (the January of the count, 2025 or 2024/25), `planning_area`,
/// `year_group` (R, Y1 ... Y13), `primary_need` (ASD, SLCN, ...), `placement` (mainstream,
/// ARP, special, AP/other) and `plans`. The latest January by the one the SEND forecast starts
/// from (``asOf(_:)``) gives each area's prevalence by phase and need against the authority's.
public struct AreaCaseload: Sendable, Hashable {
    public var path: String
    /// The January the prevalences come from (the file's latest, or the latest by the census
    /// after ``asOf(_:)``).
    public var january: Int
    /// Plans at that January by area id, then [phase index][need index], all placements.
    public var plans: [String: [[Double]]] { counts[january]?.plans ?? [:] }
    /// Plans at that January by area id, then [year group · cells + (need, placement) cell]
    /// (``SENDCalibration/cell(_:_:)``): where the area's plans start their flow.
    public var cells: [String: [Double]] { counts[january]?.cells ?? [:] }
    /// Every January of the file: its plans, cells and first line.
    var counts: [Int: Counts]
    /// Januaries of the file after the one used, left out (``asOf(_:)``).
    public var leftOut: [Int] { counts.keys.filter { $0 > january }.sorted() }

    struct Counts: Sendable, Hashable {
        var plans: [String: [[Double]]] = [:]
        var cells: [String: [Double]] = [:]
        var firstLine: Int
    }

    /// The file names looked for, in order, below the data directory.
    public static let fileNames = ["ehcp_caseload_by_area.csv", "send/ehcp_caseload_by_area.csv"]

    /// The caseload file in `directory`, if there is one.
    public static func find(in directory: String) -> String? {
        fileNames.map { (directory as NSString).appendingPathComponent($0) }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Every January of the file, in order.
    public var januaries: [Int] { counts.keys.sorted() }

    /// Plans of Y1-Y11 at a January, all areas: what the DfE's caseload counts as ages 5-15.
    public func plansYear1to11(january: Int) -> Double {
        let K = SENDCalibration.cells
        var total = 0.0
        for cells in (counts[january]?.cells ?? [:]).values {
            for i in (1 * K)..<(12 * K) { total += cells[i] }
        }
        return total
    }

    /// The file's line where a January's rows start, for messages.
    public func firstLine(january: Int) -> Int? { counts[january]?.firstLine }

    /// The file as known at a SEND forecast starting in `census`'s January (January 2026 for
    /// 2025/26): its latest January by then, later ones left out (a backtest from a past
    /// January does not see later counts; ``DataCheck`` refuses a January after the data's
    /// last census and EHCP files). Nil when the file has no January by then.
    public func asOf(_ census: AcademicYear) -> AreaCaseload? {
        let by = census.startYear + 1
        guard let latest = counts.keys.filter({ $0 <= by }).max() else { return nil }
        var known = self
        known.january = latest
        return known
    }

    /// Reads and checks the file: every area one the data knows, counts of plans whole and
    /// not negative, each (year, area, year group, need, placement) once.
    public static func read(_ path: String, areas: [PlanningArea]) throws(PlacePlanError) -> AreaCaseload {
        let f = try CSVFile(path: path)
        guard f.rowCount > 0 else {
            throw .insufficientHistory("\(path): has a header and no rows", hint: "add the plans by planning area, or remove the file to share the authority's plans out by pupils")
        }
        let year = try f.require("year"), area = try f.require("planning_area", aliases: ["area"]), group = try f.require("year_group")
        let need = try f.require("primary_need", aliases: ["need"]), placement = try f.require("placement"), plans = try f.require("plans")
        let known = Set(areas.map(\.id))
        var seen: [String: Int] = [:]
        var counts: [Int: Counts] = [:]
        let K = SENDCalibration.cells
        try forEachRecord(f) { r throws(PlacePlanError) in
            let text = r.text(year)
            let parts = text.split(separator: "/")
            guard let start = Int(parts.first ?? ""), parts.first?.count == 4, parts.count <= 2,
                parts.count == 1 || (parts[1].count == 2 && Int(parts[1]) == (start + 1) % 100)
            else {
                throw .invalidValue(r.location(year), value: text, expected: "the January of the count, e.g. 2025, or its academic year, e.g. 2024/25")
            }
            let january = parts.count == 2 ? start + 1 : start
            let areaID = r.text(area)
            guard known.contains(areaID) else { throw .unknownArea(r.location(area), id: areaID, known: areas.map(\.id)) }
            let g = try r.yearGroup(group)
            guard let n = PrimaryNeed(parsing: r.text(need)) else {
                throw .invalidValue(r.location(need), value: r.text(need), expected: "a DfE primary need: " + PrimaryNeed.allCases.map(\.rawValue).joined(separator: ", ") + " (or its name, e.g. 'Autistic Spectrum Disorder')")
            }
            guard let p = DemandPlacement(parsing: r.text(placement)) else {
                throw .invalidValue(
                    r.location(placement), value: r.text(placement),
                    expected: "mainstream, ARP, special or AP/other (or 'Mainstream school', 'Resourced provision', 'SEN unit', 'Special school', 'Alternative provision')")
            }
            let key = "\(january)|\(areaID)|\(g)|\(n)|\(p)"
            if let line = seen[key] { throw .duplicateRow(r.location(placement), key: "\(areaID) \(g) \(n) \(p) in \(january)", firstLine: line) }
            seen[key] = r.line
            guard let v = try r.count(plans) else { return }
            // Plans are children: a fraction is a misread number (1.234 for 1,234), not a count.
            guard v == v.rounded() else {
                throw .invalidValue(r.location(plans), value: r.text(plans), expected: "a whole number of plans (is a full stop standing for thousands?)")
            }
            let ni = SENDCalibration.needs.firstIndex(of: n)!
            var c = counts[january] ?? Counts(firstLine: r.line)
            c.plans[areaID, default: [[Double]](repeating: [Double](repeating: 0, count: PrimaryNeed.allCases.count), count: 2)][g.index <= 6 ? 0 : 1][ni] += v
            c.cells[areaID, default: [Double](repeating: 0, count: YearGroup.count * K)][g.index * K + SENDCalibration.cell(ni, p)] += v
            counts[january] = c
        }
        guard let latest = counts.keys.max() else {
            throw .insufficientHistory("\(path): no plans", hint: "add the plans by planning area, or remove the file")
        }
        return AreaCaseload(path: path, january: latest, counts: counts)
    }
}

/// One planning area's specialist demand and how it is met, for a scenario, year, need and
/// phase. Demand is the area's ARP and special demand; `placesInArea` the places that serve
/// it locally (in schools in the area, or special schools whose locality includes it).
public struct SENDAreaRow: Sendable, Hashable, Codable {
    public var scenario: String
    public var year: AcademicYear
    public var area: String
    public var need: PrimaryNeed
    public var phase: ReportingPhase
    /// EHCP pupils resident in the area, all placements.
    public var pupils: Double
    public var demand: Double
    public var placesInArea: Double
    public var metInArea: Double
    public var metElsewhereInBorough: Double
    public var independent: Double
    public var outOfBorough: Double
    /// Children placed outside their area: demand − met in the area.
    public var travellingOut: Double { demand - metInArea }
    public var cost: Double
}

/// The SEND forecast by planning area of residence.
///
/// The authority's plans by year group, need and placement (``SENDState``) are shared over
/// its areas each year by w_{a,g,n} = P_{a,g} m_{a,n,φ(g)} / Σ_b P_{b,g} m_{b,n,φ(g)}, with P the
/// area's pupils in the year group (the mainstream forecast, housing included, so new homes
/// in an area bring that area's EHCPs) and m its prevalence of the need in the phase against
/// the authority's: 1 without a caseload file, else (plans_a + k) / (expected_a + k) from
/// the file's latest January, k = ``shrinkage`` plans, so that a tiny area's few plans do
/// not swing it. Shares sum to 1 over areas, so the areas add up to the authority.
///
/// Specialist places then meet each area's demand by locality: first the places serving
/// it locally (a school's own area, or its locality), need-designated places before places
/// open to any need, shared in proportion to demand; then the spare places of schools that
/// serve the whole authority, wherever they are (where areas are by phase, a school's places
/// for the other phase are local to the areas its own area transfers to or from); the rest is independent or out of borough
/// in the authority's proportions. A locality school's places serve its locality only. The
/// view is before a scenario's SEND levers (which act authority-wide).
public enum SENDByArea {
    /// The pseudo-count of plans that pulls a small area's prevalence toward the authority's.
    public static let shrinkage = 5.0

    /// Where the area split comes from, in words for every output.
    /// - Parameters:
    ///   - caseload: the file as known at the January the SEND forecast starts from
    ///     (``AreaCaseload/asOf(_:)``).
    ///   - unused: the file, when it has no January by then.
    ///   - start: the SEND forecast's first year (January 2026 for 2025/26).
    public static func source(_ caseload: AreaCaseload?, unused: AreaCaseload? = nil, start: AcademicYear? = nil) -> String {
        if let c = caseload {
            let later = c.leftOut.isEmpty ? "" : "; January \(Self.years(c.leftOut)) left out, after the forecast's first January"
            return "EHCP pupils by area from \(c.path) (its January \(c.january) plans, then each area's own flow\(later))"
        }
        if let u = unused, let start {
            return "EHCP pupils shared out over the areas by their pupils, then each area's own flow (\(u.path) starts in January \(u.januaries.first!), after the forecast's first January, \(start.startYear + 1))"
        }
        return "EHCP pupils shared out over the areas by their pupils, then each area's own flow (no ehcp_caseload_by_area.csv)"
    }

    /// Januaries in words: "2027" or "2027-2030".
    static func years(_ januaries: [Int]) -> String {
        januaries.count == 1 ? "\(januaries[0])" : "\(januaries.first!)-\(januaries.last!)"
    }

    /// - Parameters:
    ///   - flows: the authority's plans by year from the flow model, before housing EHCPs
    ///     (``SENDRunner``'s `project`); each area's housing EHCPs are added to its own.
    static func rows(
        flows: [SENDState], calibration cal: SENDCalibration, blocks: [[Double]], years: [AcademicYear],
        run: ScenarioForecast, data: DataSet, assumptions: SENDAssumptions, laRows: [SpecialistRow], caseload: AreaCaseload?
    ) -> [SENDAreaRow] {
        let forecast = run.forecast
        let A = forecast.areas.count, G = YearGroup.count, N = SENDCalibration.needs.count
        guard A > 0 else { return [] }
        let areaIDs = forecast.areas.map(\.id)
        let index = Dictionary(areaIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func pupils(_ year: AcademicYear, _ c: Int) -> [[Double]] {
            if year <= forecast.origin, let t = data.rolls.yearIndex(year) {
                return (0..<G).map { g in (0..<A).map { data.rolls.pupils(yearIndex: t, area: $0, YearGroup.all[g]) ?? 0 } }
            }
            let h = min(max(0, year - forecast.origin), forecast.horizon)
            return (0..<G).map { g in (0..<A).map { forecast.states[h][YearGroup.all[g], $0, c] } }
        }
        // Prevalence multipliers m[a][phase][need].
        var m = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 1, count: N), count: 2), count: A)
        if let caseload {
            let p = pupils(AcademicYear(caseload.january - 1), 0)
            var byPhase = [[Double]](repeating: [0, 0], count: A)
            for a in 0..<A { for g in 0..<G { byPhase[a][g <= 6 ? 0 : 1] += p[g][a] } }
            for pi in 0..<2 {
                for n in 0..<N {
                    let plans = (0..<A).map { caseload.plans[areaIDs[$0]]?[pi][n] ?? 0 }
                    let all = plans.reduce(0, +), pupilsAll = (0..<A).reduce(0.0) { $0 + byPhase[$1][pi] }
                    guard all > 0, pupilsAll > 0 else { continue }
                    for a in 0..<A {
                        let expected = all * byPhase[a][pi] / pupilsAll
                        m[a][pi][n] = (plans[a] + shrinkage) / (expected + shrinkage)
                    }
                }
            }
        }
        // Each primary area's Year 6 plans move into Year 7 of the secondary areas its pupils
        // transfer to (transfers.csv), in its shares.
        var transferTo: [Int: [(area: Int, share: Double)]] = [:]
        if let shares = data.transfers?.shares {
            for p in 0..<A {
                let to = shares.sorted(by: { $0.key < $1.key }).compactMap { secID, from -> (area: Int, share: Double)? in
                    guard let share = from[areaIDs[p]], share > 0, let sec = index[secID] else { return nil }
                    return (sec, share)
                }
                let total = to.reduce(0) { $0 + $1.share }
                if total > 0 { transferTo[p] = to.map { ($0.area, $0.share / total) } }
            }
        }
        // Where planning areas are by phase, a school in a primary area is local to the
        // secondary area its pupils mostly transfer to (transfers.csv), and one in a
        // secondary area to the primary areas that mostly feed it.
        let mainDestination = transferTo.compactMapValues { to in to.max { $0.share < $1.share }?.area }
        func localAreas(_ id: String, phase pi: Int) -> [Int] {
            guard let own = index[id] else { return [] }
            switch (forecast.areas[own].phase, pi) {
            case (.primary, 1): return [own] + [mainDestination[own]].compactMap { $0 }
            case (.secondary, 0): return [own] + mainDestination.filter { $0.value == own }.map(\.key).sorted()
            default: return [own]
            }
        }
        let costs = SpecialistAllocation.annualCosts(assumptions.costs)
        let laByKey = Dictionary(laRows.map { ("\($0.scenario)|\($0.year)|\($0.need)|\($0.phase)", $0) }, uniquingKeysWith: { a, _ in a })
        var out: [SENDAreaRow] = []
        let C = forecast.columns.count
        let start = caseload.flatMap { file -> (index: Int, cells: [[Double]])? in
            guard !file.cells.isEmpty, let last = years.last, AcademicYear(file.january - 1) <= last else { return nil }
            let t = years.firstIndex(of: AcademicYear(file.january - 1)) ?? 0
            return (t, areaIDs.map { file.cells[$0] ?? [Double](repeating: 0, count: G * SENDCalibration.cells) })
        }
        for c in 0..<C {
            let applied = run.applied[c]
            let entries = data.schools.isEmpty ? [] : applied.specialistPlaces
            let areaFlows = Self.flows(
                flows: flows, blocks: blocks, years: years, column: c, phases: forecast.areas.map(\.phase), multipliers: m, transfers: transferTo,
                start: start
            ) { year in
                var p = pupils(year, c)
                if year > forecast.origin {
                    let housing = run.applied[c].housingPupils[year - forecast.origin - 1]
                    for g in 0..<G { for a in 0..<A { p[g][a] = max(0, p[g][a] - housing[g * A + a]) } }
                }
                return p
            }
            for (h, year) in years.enumerated() {
                let state = areaFlows[h]
                let ehcp = year > forecast.origin ? run.applied[c].housingEHCP[year - forecast.origin - 1] : nil
                // [area][phase][need][placement]: the area's own flow, and its housing EHCPs.
                var profile = [[[[Double]]]](
                    repeating: [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: 4), count: N), count: 2), count: A)
                for g in 0..<G {
                    let pi = g <= 6 ? 0 : 1
                    for a in 0..<A {
                        let extra = ehcp?[g * A + a] ?? 0
                        for n in 0..<N {
                            for p in DemandPlacement.allCases {
                                profile[a][pi][n][p.rawValue] += state[g, SENDCalibration.cell(n, p), a]
                                    + extra * cal.needMix[g][n] * cal.placementMix[g][n][p.rawValue]
                            }
                        }
                    }
                }
                for pi in 0..<2 {
                    let phase = ReportingPhase.allCases[pi]
                    var demand: [[Double]] = []
                    for a in 0..<A {
                        var row = [Double](repeating: 0, count: N)
                        for n in 0..<N { row[n] = profile[a][pi][n][1] + profile[a][pi][n][2] }
                        demand.append(row)
                    }
                    let unmetStart = demand
                    var metIn = demand.map { $0.map { _ in 0.0 } }, metElse = metIn, local = metIn
                    // Each entry's places this year in this phase, and the areas it serves first.
                    var remaining: [Double] = [], serves: [[Int]] = []
                    for e in entries {
                        remaining.append(Double(e.places.places(in: year)) * Capacity.phaseShare(e, pi, schoolGroups: e.yearGroups))
                        serves.append(e.locality.isEmpty ? localAreas(e.areaID, phase: pi) : e.locality.compactMap { index[$0] })
                    }
                    // Shares `take` over (area, need) cells in proportion to the unmet demand.
                    func place(_ i: Int, areas: [Int], needs: [Int], into met: inout [[Double]]) {
                        var unmet = 0.0
                        for a in areas { for n in needs { unmet += demand[a][n] } }
                        guard unmet > 0, remaining[i] > 0 else { return }
                        let take = min(remaining[i], unmet)
                        for a in areas { for n in needs where demand[a][n] > 0 {
                            let x = take * demand[a][n] / unmet
                            met[a][n] += x
                            demand[a][n] -= x
                        } }
                        remaining[i] -= take
                    }
                    let everyNeed = Array(0..<N), everyArea = Array(0..<A)
                    func needs(_ e: SpecialistPlacesEntry) -> [Int] { e.need.flatMap { SENDCalibration.needs.firstIndex(of: $0) }.map { [$0] } ?? everyNeed }
                    // Places shown in an area: each entry's places over the areas it serves by their
                    // demand for them (equally with none), any-need places by the area's demand mix.
                    for (i, e) in entries.enumerated() where remaining[i] > 0 && !serves[i].isEmpty {
                        let ns = needs(e)
                        let wanted = serves[i].map { a in ns.reduce(0.0) { $0 + unmetStart[a][$1] } }
                        let all = wanted.reduce(0, +)
                        for (k, a) in serves[i].enumerated() {
                            let areaShare = all > 0 ? wanted[k] / all : 1 / Double(serves[i].count)
                            for n in ns {
                                let needShare = e.need != nil ? 1 : (wanted[k] > 0 ? unmetStart[a][n] / wanted[k] : 1 / Double(N))
                                local[a][n] += remaining[i] * areaShare * needShare
                            }
                        }
                    }
                    for pass in [true, false] {  // designated places, then places open to any need
                        for (i, e) in entries.enumerated() where (e.need != nil) == pass { place(i, areas: serves[i], needs: needs(e), into: &metIn) }
                    }
                    for pass in [true, false] {
                        for (i, e) in entries.enumerated() where (e.need != nil) == pass && e.locality.isEmpty {
                            place(i, areas: everyArea, needs: needs(e), into: &metElse)
                        }
                    }
                    for a in 0..<A {
                        for n in 0..<N {
                            let need = SENDCalibration.needs[n]
                            let la = laByKey["\(forecast.columns[c])|\(year)|\(need)|\(phase)"]
                            let away = (la?.independent ?? 0) + (la?.outOfBorough ?? 0)
                            let independentShare = away > 0 ? la!.independent / away : 0.5
                            let placedCost = la.map { r -> Double in
                                let arp = r.byPlacement[ReportedPlacement.arp.rawValue] ?? 0, special = r.byPlacement[ReportedPlacement.specialInBorough.rawValue] ?? 0
                                return arp + special > 0 ? (arp * costs[1] + special * costs[2]) / (arp + special) : costs[2]
                            } ?? costs[2]
                            let remainder = max(0, demand[a][n])
                            let mainstream = profile[a][pi][n][0], apOther = profile[a][pi][n][3]
                            let independent = remainder * independentShare, outOfBorough = remainder - independent
                            out.append(SENDAreaRow(
                                scenario: forecast.columns[c], year: year, area: areaIDs[a], need: need, phase: phase,
                                pupils: profile[a][pi][n].reduce(0, +), demand: unmetStart[a][n], placesInArea: local[a][n], metInArea: metIn[a][n],
                                metElsewhereInBorough: metElse[a][n], independent: independent, outOfBorough: outOfBorough,
                                cost: mainstream * costs[0] + apOther * costs[5] + (metIn[a][n] + metElse[a][n]) * placedCost
                                    + independent * costs[3] + outOfBorough * costs[4]))
                        }
                    }
                }
            }
        }
        return out
    }

    /// Each planning area's EHCP pupils (by residence) through the years: a state of
    /// area × year group × need × placement, stepped by the authority's flow model.
    ///
    /// Column a of the state is area a. At the first year the authority's plans of each year
    /// group g and need n are shared over the areas by w_a = pupils_{g,a} · m_{a,n} (m the
    /// area's prevalence of the need against the authority's, 1 without the caseload file),
    /// or taken from the caseload file's cells at its January. Each year the survivors move up
    /// in their own area through the same blocks A_g (one dgemm per year group and need for
    /// all areas, ``SENDEngine/step(_:blocks:into:)``); a primary area's Year 7 plans move to
    /// the secondary areas its pupils transfer to (or by w where there is no transfer), and
    /// the authority's new plans J = S(t) − Σ_a A S_a(t − 1) join the areas by w of year t.
    /// So the areas always add up to the authority (the flows are linear), while a cohort
    /// keeps its plans in its own area as it moves up. The cost is O(areas × year groups ×
    /// cells) a year.
    static func flows(
        flows: [SENDState], blocks: [[Double]], years: [AcademicYear], column c: Int, phases: [Phase], multipliers m: [[[Double]]],
        transfers: [Int: [(area: Int, share: Double)]], start: (index: Int, cells: [[Double]])?, pupils: (AcademicYear) -> [[Double]]
    ) -> [SENDState] {
        let A = phases.count, G = YearGroup.count, K = SENDCalibration.cells, P = SENDCalibration.placements.count
        let serves = (0..<G).map { g in (0..<A).map { phases[$0].yearGroups.contains(YearGroup.all[g]) } }
        // w[g][n][a], summing to 1 over a: by pupils and prevalence, else evenly over the areas
        // with the year group (else over all).
        func weights(_ year: AcademicYear) -> [[[Double]]] {
            let p = pupils(year)
            return (0..<G).map { g in
                (0..<SENDCalibration.needs.count).map { n in
                    var w = (0..<A).map { a in serves[g][a] ? max(0, p[g][a]) * m[a][g <= 6 ? 0 : 1][n] : 0 }
                    var sum = w.reduce(0, +)
                    if sum <= 0 {
                        w = (0..<A).map { serves[g][$0] ? 1 : 0 }
                        sum = w.reduce(0, +)
                        if sum <= 0 { w = [Double](repeating: 1, count: A); sum = Double(A) }
                    }
                    return w.map { $0 / sum }
                }
            }
        }
        /// Adds the authority's `values(g, k)` to `state` shared by `w`.
        func share(_ w: [[[Double]]], into state: inout SENDState, _ values: (Int, Int) -> Double) {
            for g in 0..<G {
                for k in 0..<K {
                    let v = values(g, k)
                    guard v != 0 else { continue }
                    let wk = w[g][k / P]
                    for a in 0..<A where wk[a] != 0 { state[g, k, a] += v * wk[a] }
                }
            }
        }
        /// Replaces the split of each (year group, cell) by the caseload file's, keeping the total.
        func restart(_ state: inout SENDState, cells: [[Double]]) {
            for g in 0..<G {
                for k in 0..<K {
                    let file = (0..<A).reduce(0.0) { $0 + cells[$1][g * K + k] }
                    guard file > 0 else { continue }
                    let total = (0..<A).reduce(0.0) { $0 + state[g, k, $1] }
                    for a in 0..<A { state[g, k, a] = total * cells[a][g * K + k] / file }
                }
            }
        }
        var state = SENDState(columns: A)
        share(weights(years[0]), into: &state) { flows[0][$0, $1, c] }
        if let start, start.index == 0 { restart(&state, cells: start.cells) }
        var out = [state]
        for t in years.indices.dropFirst() {
            var next = SENDState(columns: A)
            SENDEngine.step(state, blocks: blocks, into: &next)
            let w = weights(years[t])
            // Plans that moved into a year group their area does not teach: Year 7 of a primary area.
            for g in 0..<G {
                for a in 0..<A where !serves[g][a] {
                    for k in 0..<K {
                        let v = next[g, k, a]
                        guard v != 0 else { continue }
                        next[g, k, a] = 0
                        if let to = transfers[a], to.allSatisfy({ serves[g][$0.area] }) {
                            for (b, share) in to { next[g, k, b] += v * share }
                        } else {
                            for b in 0..<A { next[g, k, b] += v * w[g][k / P][b] }
                        }
                    }
                }
            }
            // The authority's new plans: its plans less its survivors.
            var survivors = [Double](repeating: 0, count: G * K)
            for g in 0..<G { for k in 0..<K { for a in 0..<A { survivors[g * K + k] += next[g, k, a] } } }
            share(w, into: &next) { flows[t][$0, $1, c] - survivors[$0 * K + $1] }
            if let start, start.index == t { restart(&next, cells: start.cells) }
            state = next
            out.append(state)
        }
        return out
    }
}
