import Foundation

/// Every problem in a data folder at once, without running a forecast (`placeplan check`):
/// the errors a forecast would stop at (every file read, every bad row up to 25 a file), and
/// warnings of things that are allowed but usually a slip.
public struct DataCheckReport: Sendable {
    /// What was found (areas, schools, census and births years, EHCP files).
    public var found: [String] = []
    /// What stops a forecast: fix these.
    public var problems: [PlacePlanError] = []
    /// What is allowed but worth a look.
    public var warnings: [String] = []

    public var isReady: Bool { problems.isEmpty }
}

public enum DataCheck {
    public static func run(directory: String, authorities: [String]? = nil, horizon: Int = 10) -> DataCheckReport {
        var report = DataCheckReport()
        let data: DataSet
        do {
            data = try DataSource.load(directory, authorities: authorities)
        } catch {
            report.problems = error.flattened
            return report
        }
        let schools = data.schools
        let phases = Phase.allCases.compactMap { p in
            let n = data.areas.filter { $0.phase == p }.count
            return n == 0 ? nil : "\(n) \(p)"
        }.joined(separator: ", ")
        let areas = "\(data.areas.count) planning area\(data.areas.count == 1 ? "" : "s") (\(phases))"
        if data.isLAData {
            // On the DfE route each LA's places are one entry per phase from the scorecards,
            // not schools, unless the folder has the user's own schools.csv: say which, and
            // for how many LAs.
            let own = schools.filter { data.ownSchoolAreas.contains($0.areaID) }, scorecards = schools.filter { !data.ownSchoolAreas.contains($0.areaID) }
            let ownLAs = Set(own.map(\.areaID)).count, scorecardLAs = Set(scorecards.map(\.areaID)).count
            let withPlaces = ownLAs + scorecardLAs
            let which = withPlaces < data.areas.count ? "places for \(withPlaces) of them" : data.areas.count == 1 ? "its places" : "places for all of them"
            var sources: [String] = []
            if !own.isEmpty {
                sources.append("\(ownLAs == withPlaces ? "" : "\(ownLAs) LA\(ownLAs == 1 ? "" : "s") ")from \(PlacePlanFormat.schoolsFile) (\(own.count) school\(own.count == 1 ? "" : "s"), \(own.filter { $0.phase == .special }.count) special)")
            }
            if !scorecards.isEmpty {
                sources.append("\(ownLAs == 0 ? "" : "\(scorecardLAs) LA\(scorecardLAs == 1 ? "" : "s") ")from \(LACapacity.file) (\(scorecards.count) LA phase total\(scorecards.count == 1 ? "" : "s"))")
            }
            report.found.append("\(areas), \(which)" + (sources.isEmpty ? " from \(LACapacity.file) (0 LA phase totals)" : sources.count == 1 ? " " + sources[0] : ": " + sources.joined(separator: ", ")))
        } else {
            report.found.append("\(areas), \(schools.count) school\(schools.count == 1 ? "" : "s") (\(schools.filter { $0.phase == .special }.count) special)")
        }
        report.found.append("January census \(data.rolls.years.first!)-\(data.lastCensus) (\(data.rolls.years.count) years)")
        // `--la 940` also reads the other members of its reorganisation (to merge one series
        // for backtests): say which authorities were asked for, and their own census years.
        if let wanted = data.requestedAreas, wanted.count < data.areas.count {
            let asked = data.areas.indices.filter { wanted.contains(data.areas[$0].id) }.map { a in
                let span = data.rolls.span(area: a)
                return "\(data.areas[a].id) \(data.areas[a].name) (census \(data.rolls.years[span.lowerBound])-\(data.rolls.years[span.upperBound]))"
            }
            let others = data.areas.filter { !wanted.contains($0.id) }.map { "\($0.id) \($0.name)" }
            report.found.append(
                "asked for: \(asked.joined(separator: ", ")); \(DfECensusFormat.listed(others)) \(others.count == 1 ? "is" : "are") read only to merge a series across a reorganisation (backtests)")
        }
        let birthYears = data.births.values.flatMap { $0.births.keys }
        if let first = birthYears.min(), let last = birthYears.max() { report.found.append("births for mid-\(first) to mid-\(last), \(data.births.count) series") }
        do {
            let known = try Projector.prepare(data, settings: ForecastSettings(origin: nil, horizon: horizon))
            _ = try Projector.initialState(known, columns: 1)  // a suppressed cell a forecast would start from
            // An LA a forecast would leave out (no births, a suppressed cell): its note. LAs
            // replaced in a reorganisation are forecast under their successors, not left out.
            report.warnings += known.leftOut.sorted { $0.key < $1.key }.map(\.value)
        } catch { report.problems += error.flattened }
        report.warnings += suppressedCells(data)
        if let note = windows1252Files(directory) { report.warnings.append(note) }
        report.warnings += vanishedCohorts(data)
        report.warnings += lostDigits(data)
        if !data.isLAData, let note = fractionalRolls((directory as NSString).appendingPathComponent(PlacePlanFormat.rollsFile)) { report.warnings.append(note) }

        // Births: the last Reception the known births feed.
        if let last = birthYears.max() {
            let lastFed = AcademicYear(last + 4)
            if lastFed < data.lastCensus + horizon {
                report.warnings.append(
                    "births are known to mid-\(last), which feed Reception to \(lastFed); \(Format.withArticle("\(horizon)-year")) forecast holds the last births after that (add projected births, e.g. ONS or GLA projections, with type 'predicted')")
            }
        }
        // Places: areas with no mainstream school, schools whose capacity does not fit their PAN.
        if !schools.isEmpty {
            let assessed = SufficiencyReport.assessed(schools: schools)
            let last = data.rolls.years.count - 1
            // LAs abolished before the last census are forecast only inside their successors.
            // On the DfE route, LAs with no places at all (schools.csv for some LAs, and no
            // scorecards for the others) are one warning, not two each.
            let placed = Set(schools.map(\.areaID))
            let unplaced = data.isLAData ? data.areas.indices.filter { data.rolls.hasCensus(yearIndex: last, area: $0) && !placed.contains(data.areas[$0].id) } : []
            if !unplaced.isEmpty {
                let names = unplaced.map { "\(data.areas[$0].id) \(data.areas[$0].name)" }
                report.warnings.append(
                    "\(DfECensusFormat.listed(names)) \(names.count == 1 ? "has" : "have") no places in "
                        + (data.ownSchoolAreas.isEmpty ? LACapacity.file
                            : data.capacity == nil ? "\(PlacePlanFormat.schoolsFile) and the folder has no \(LACapacity.file)" : "\(PlacePlanFormat.schoolsFile) or \(LACapacity.file)")
                        + ": forecast, but not compared with places")
            }
            for (a, area) in data.areas.enumerated() where data.rolls.hasCensus(yearIndex: last, area: a) && !unplaced.contains(a) {
                // A phase with no pupils either (the City of London's secondary) needs no places.
                let taught = { (phase: ReportingPhase) in phase.yearGroups.contains { (data.rolls.pupils(yearIndex: last, area: a, $0) ?? 1) > 0 } }
                for phase in ReportingPhase.allCases
                where area.phase.yearGroups.contains(phase.entryYearGroup) && !assessed.contains("\(area.id) \(phase)") && taught(phase) {
                    report.warnings.append(
                        "\(area.id) \(area.name) has no \(phase) "
                            + (data.isLAData && !data.ownSchoolAreas.contains(area.id) ? "places in \(LACapacity.file)" : "mainstream school") + ": its \(phase) places are not assessed")
                }
            }
            for s in schools where s.phase != .special {
                let compulsory = s.yearGroups.filter { $0 < YearGroup.year12 }.count
                if s.pan == 0 && s.closes == nil { report.warnings.append("school \(s.id) \(s.name) has a PAN of 0 and does not close: it has no places") }
                if s.netCapacity < s.pan * compulsory {
                    report.warnings.append("school \(s.id) \(s.name): net capacity \(s.netCapacity) is below PAN \(s.pan) x \(compulsory) year groups (\(s.pan * compulsory)); check both")
                }
            }
        } else {
            // The DfE route: places come from the LA capacity file, which may lack these LAs.
            let shown = data.shownAreas.map { "\($0.id) \($0.name)" }
            let listed = shown.count > 3 ? shown.prefix(3).joined(separator: ", ") + " and \(shown.count - 3) more" : shown.joined(separator: ", ")
            report.warnings.append(
                data.capacity == nil
                    ? "no \(LACapacity.file) (nor schools.csv) in the folder: forecast and send run, but sufficiency, report and plan have no places to compare with"
                    : "\(LACapacity.file) has no places for \(listed): forecast and send run, but sufficiency, report and plan have no places to compare with")
        }
        // Transfers: primary areas that send nobody anywhere.
        if let transfers = data.transfers {
            var out: [String: Double] = [:]
            for (_, from) in transfers.shares { for (p, share) in from { out[p, default: 0] += share } }
            for area in data.areas where area.phase == .primary {
                let total = out[area.id] ?? 0
                if total == 0 { report.warnings.append("transfers.csv sends none of \(area.id)'s Year 6 to a secondary area") }
                else if total < 0.5 { report.warnings.append("transfers.csv sends \(Format.percent(total)) of \(area.id)'s Year 6 to the LA's secondary areas; the rest leave its state schools") }
            }
        }
        // SEND.
        let authorities = Set(data.shownAreas.map(\.localAuthority))
        var ehcpFiles: [String: String]?
        var history: EHCPHistory?
        do { ehcpFiles = try EHCPHistory.files(in: directory) } catch { report.problems += error.flattened }
        if ehcpFiles != nil {
            if authorities.count == 1 {
                do {
                    let loaded = try EHCPHistory.load(directory: directory, authority: data.ehcpAuthority ?? authorities.first!, predecessors: data.ehcpPredecessors)
                    history = loaded
                    report.found.append("EHCP files for \(loaded.authority): placeplan send can run")
                } catch .insufficientHistory(let what, _) {
                    // Files too thin for the SEND model, or without the authority: the
                    // forecast runs, and report, export and plan leave SEND out.
                    report.warnings.append("placeplan send cannot run: \(what); report, export --scap and plan leave SEND out")
                } catch { report.problems += error.flattened }
            } else {
                report.found.append("EHCP files (the SEND model runs for one LA at a time: --la)")
            }
        } else {
            report.warnings.append("no EHCP files (ehcp_*.csv) in \(directory) or its send/ folder: placeplan send and the specialist rules of plan need them")
        }
        for name in ["send_costs.csv", "send/send_costs.csv"] {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do { _ = try SENDCosts.read(path) } catch { report.problems += error.flattened }
        }
        if let path = AreaCaseload.find(in: directory) {
            do {
                let file = try AreaCaseload.read(path, areas: data.areas)
                let (found, problems, warnings) = Self.areaCaseload(file, census: data.rolls.years.last, history: history)
                report.found += found
                report.problems += problems
                report.warnings += warnings
            } catch { report.problems += error.flattened }
        } else if !data.isLAData, data.shownAreas.count > 1 {
            report.warnings.append(
                "no ehcp_caseload_by_area.csv: placeplan send shares EHCP pupils out over the areas by their pupils, then follows each area's flow")
        }
        return report
    }

    /// What `check` says of the caseload file by planning area: what it holds; a problem for
    /// a January after the last census and the EHCP files' latest (a mistyped year, or a count
    /// not yet made: a forecast would leave it out); warnings when its latest January is two or
    /// more years before that (the areas' shares of plans are as they were then), and when its Y1-Y11 plans
    /// differ by more than a fifth from the DfE caseload's ages 5-15 of the same January (a
    /// wrong year, area or count, or a file of another authority).
    static func areaCaseload(
        _ file: AreaCaseload, census: AcademicYear?, history: EHCPHistory?
    ) -> (found: [String], problems: [PlacePlanError], warnings: [String]) {
        var problems: [PlacePlanError] = [], warnings: [String] = []
        let name = (file.path as NSString).lastPathComponent
        var used = file
        if let census {
            // The SEND forecast starts from the EHCP files' latest January, which can be a
            // census later than the rolls'.
            let by = max(census.startYear + 1, history?.latestByAge ?? 0)
            let latest = AcademicYear(by - 1)
            for january in file.januaries where january > by {
                problems.append(.invalidValue(
                    SourceLocation(file: file.path, line: file.firstLine(january: january) ?? 2, column: 1, field: "year"), value: "\(january)",
                    expected: "a January by the last census, January \(by) (\(latest)); a forecast leaves later counts out"))
            }
            if let known = file.asOf(latest) {
                used = known
                if by - known.january >= 2 {
                    warnings.append(
                        "\(name)'s latest January is \(known.january), \(by - known.january) years before the census (January \(by)): "
                            + "each area's share of plans is as it was then; add the latest count")
                }
            }
        }
        let plans = used.plans.values.reduce(0.0) { $0 + $1.reduce(0) { $0 + $1.reduce(0, +) } }
        let areas = used.plans.count
        let found = ["EHCP plans by planning area: \(Format.count(plans)) in January \(used.january) over \(areas) area\(areas == 1 ? "" : "s") (\(file.path))"]
        if let dfe = history?.plansYear1to11[used.january], dfe > 0 {
            let own = used.plansYear1to11(january: used.january)
            if abs(own / dfe - 1) > 0.2 {
                warnings.append(
                    "\(name) counts \(Format.count(own)) plans in Y1-Y11 in January \(used.january); the DfE caseload counts \(Format.count(dfe)) at ages 5-15 for \(history!.authority): "
                        + "is a year, an area or a count wrong, or is the file another authority's?")
            }
        }
        return (found, problems, warnings)
    }

    /// A warning for each school year group with no pupils (or no row, which a school-level
    /// file means as none) in a census between two year groups that have pupils, when the
    /// same cohort had 10 or more the year before: a cohort does not vanish, so a row is
    /// probably missing. At most 10 are listed.
    static func vanishedCohorts(_ data: DataSet) -> [String] {
        let G = YearGroup.count, years = data.rolls.years
        var found: [String] = []
        for (id, r) in data.schoolRolls.sorted(by: { $0.key < $1.key }) {
            for t in years.indices.dropFirst() {
                for g in 1..<(G - 1) {
                    let now = r[t * G + g], before = r[(t - 1) * G + g - 1]
                    guard now == 0, before >= 10, r[t * G + g - 1] > 0, r[t * G + g + 1] > 0 else { continue }
                    found.append("school \(id): no pupils in \(YearGroup(g)) in \(years[t]) (0, or no row), though \(Format.count(before)) were in \(YearGroup(g - 1)) the year before and the year groups either side have pupils: is a row missing?")
                }
            }
        }
        return found.count > 10 ? Array(found.prefix(10)) + ["and \(found.count - 10) more such school year groups"] : found
    }

    /// A warning naming the CSV files of the folder (and its send/ folder) that were read as
    /// Windows-1252, as Excel's "CSV (Comma delimited)" saves: their names read right, but a
    /// file in another legacy encoding would not, so saving as CSV UTF-8 is the sure way. Nil
    /// when every file is UTF-8 (or cannot be read: the loaders have said why).
    static func windows1252Files(_ directory: String) -> String? {
        var found: [String] = [], examples: [String] = []
        for folder in ["", "send"] {
            let dir = folder.isEmpty ? directory : (directory as NSString).appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for name in names.sorted() where name.lowercased().hasSuffix(".csv") {
                let path = (dir as NSString).appendingPathComponent(name)
                guard let bytes = FileManager.default.contents(atPath: path),
                    let read = try? TextEncoding.utf8Bytes(Array(bytes)[...], path: path), read.encoding == .windows1252
                else { continue }
                found.append(folder.isEmpty ? name : "\(folder)/\(name)")
                // The first values that read differently, to see at a glance whether they read right.
                if examples.count < 3, let file = try? CSVFile(path: path, bytes: Array(bytes)) {
                    for field in file.fields where examples.count < 3 && !examples.contains(field) && field.utf8.contains(where: { $0 >= 0x80 }) {
                        examples.append(field)
                    }
                }
            }
        }
        guard !found.isEmpty else { return nil }
        return "\(DfECensusFormat.listed(found)) \(found.count == 1 ? "is" : "are") not UTF-8 and \(found.count == 1 ? "was" : "were") read as Windows-1252, "
            + "as Excel's 'CSV (Comma delimited)' saves: check that names with accents or curly quotes read right"
            + (examples.isEmpty ? "" : " (\(examples.map { "'\(CSVFile.excerpt($0))'" }.joined(separator: ", ")))")
            + ", or save as 'CSV UTF-8 (Comma delimited)'"
    }

    /// A warning for each school roll that looks like a digit lost (35 typed for 350, 3 for
    /// 30): a count above zero that is at least 30 below the school's usual count in that
    /// year group (the median of its positive counts) and a quarter of it or less, and a
    /// quarter or less of the same cohort's count the year before and the year after where
    /// the census has them (and the cohort was at the school). A real fall that steep is rare but possible (a school closing,
    /// whose last two years are left out), so this is a warning, not an error; a digit added
    /// is refused when the file is read. At most 10 are listed.
    static func lostDigits(_ data: DataSet) -> [String] {
        let G = YearGroup.count, years = data.rolls.years
        let closes = Dictionary(data.schools.map { ($0.id, $0.closes) }, uniquingKeysWith: { a, _ in a })
        var found: [String] = []
        for (id, r) in data.schoolRolls.sorted(by: { $0.key < $1.key }) {
            for g in 0..<G {
                let positive = years.indices.map { r[$0 * G + g] }.filter { $0 > 0 }
                guard !positive.isEmpty else { continue }
                let usual = RatioHistory.median(positive)
                for t in years.indices {
                    let v = r[t * G + g]
                    guard v > 0, v * 4 <= usual, usual - v >= 30 else { continue }
                    if let last = closes[id] ?? nil, years[t].startYear + 2 >= last.startYear { continue }
                    // A cohort not at the school that year (its entry year group's pupils the
                    // year before were in other schools) has no count to compare.
                    let before = t > 0 && g > 0 && r[(t - 1) * G + g - 1] > 0 ? r[(t - 1) * G + g - 1] : nil
                    let after = t + 1 < years.count && g + 1 < G && r[(t + 1) * G + g + 1] > 0 ? r[(t + 1) * G + g + 1] : nil
                    guard [before, after].allSatisfy({ $0 == nil || $0! >= v * 4 }) else { continue }
                    let cohort = [before.map { "\(Format.count($0)) the year before" }, after.map { "\(Format.count($0)) the year after" }].compactMap { $0 }
                    found.append(
                        "school \(id): \(YearGroup(g)) in \(years[t]) is \(Format.count(v)), against usually \(Format.count(usual))"
                            + (cohort.isEmpty ? "" : " (the same cohort: \(cohort.joined(separator: ", ")))") + ": is a digit lost?")
                }
            }
        }
        return found.count > 10 ? Array(found.prefix(10)) + ["and \(found.count - 10) more such school year groups"] : found
    }

    /// A warning when rolls.csv has pupil counts with a decimal part. They are read as
    /// written (projected or averaged rolls may have them), but a census count is whole
    /// pupils, and 4.083 may be 4,083 with a full stop for thousands. Nil when there are none
    /// (or the file cannot be read: the loader has said why).
    static func fractionalRolls(_ path: String) -> String? {
        guard let file = try? CSVFile(path: path), let column = file.columnNumber(["pupils", "headcount"]) else { return nil }
        var found: [String] = [], count = 0
        for i in 0..<file.rowCount {
            let r = file.record(i)
            guard let v = CSVRecord.number(r.text(column)), v != v.rounded() else { continue }
            count += 1
            if found.count < 3 { found.append("line \(r.line): \(r.text(column))") }
        }
        guard count > 0 else { return nil }
        return "\((path as NSString).lastPathComponent) has \(Format.count(Double(count))) pupil count\(count == 1 ? "" : "s") with a decimal part (\(found.joined(separator: ", "))\(count > found.count ? ", ..." : "")): "
            + "a census count is whole pupils; if a full stop stands for thousands (4.083 for 4,083), write 4083"
    }

    /// A warning for each area with census cells that are suppressed or missing inside its
    /// years: what a forecast and a backtest do without them. A cell at the last census on the
    /// DfE route leaves the LA out of a forecast of several (elsewhere it stops the forecast,
    /// a problem reported by the forecast's own check).
    static func suppressedCells(_ data: DataSet) -> [String] {
        let last = data.rolls.years.count - 1
        return data.areas.enumerated().compactMap { a, area in
            let missing = data.missingCensusCells(area: a)
            guard !missing.isEmpty else { return nil }
            let listed = missing.prefix(3).map { data.describeMissing(area: a, yearIndex: $0.yearIndex, $0.group) }
            let more = missing.count > 3 ? " and \(missing.count - 3) more" : ""
            var text = "\(area.id) \(area.name): no \(listed.joined(separator: ", "))\(more), suppressed or missing: the ratios that need them are left out, and a backtest does not forecast from those censuses"
            if missing.contains(where: { $0.yearIndex == last }), data.isLAData, data.shownAreas.count > 1 {
                text += "; the LA is left out of forecasts from \(data.lastCensus) until the figure is supplied"
            }
            return text
        }
    }
}
