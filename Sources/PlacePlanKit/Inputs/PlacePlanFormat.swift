import Foundation

/// Reads placeplan's own data directory: `areas.csv`, `schools.csv`, `rolls.csv`,
/// `births.csv` and, optionally, `transfers.csv`. The formats are in docs/input-formats.md.
public enum PlacePlanFormat {
    public static let areasFile = "areas.csv"
    public static let schoolsFile = "schools.csv"
    public static let rollsFile = "rolls.csv"
    public static let birthsFile = "births.csv"
    public static let transfersFile = "transfers.csv"
    public static let yieldsFile = "yields.csv"

    /// Loads and validates a data directory. Every file is checked and all problems found
    /// are reported together.
    public static func load(directory: String) throws(PlacePlanError) -> DataSet {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        guard FileManager.default.fileExists(atPath: path(areasFile)) else {
            throw .fileNotFound(
                path: path(areasFile),
                hint: "--data must name a directory with areas.csv, schools.csv, rolls.csv and births.csv, "
                    + "or the DfE/GLA London files (pupils_by_ncy_la_*.csv, births_la_*.csv)")
        }
        let areas: [PlanningArea]
        do {
            areas = try readAreas(CSVFile(path: path(areasFile)))
        } catch {
            // The files that do not depend on the areas are still read, so that one run
            // (and `placeplan check`) reports their problems too.
            var errors = [error]
            do { _ = try readBirths(CSVFile(path: path(birthsFile))) } catch { errors.append(error) }
            if FileManager.default.fileExists(atPath: path(yieldsFile)) {
                do { _ = try PupilYieldTable.read(CSVFile(path: path(yieldsFile))) } catch { errors.append(error) }
            }
            try PlacePlanError.check(errors)
            throw error
        }
        var errors: [PlacePlanError] = []
        var schools: [School]?
        do { schools = try readSchools(CSVFile(path: path(schoolsFile)), areas: areas) } catch { errors.append(error) }
        var rolls: (history: RollHistory, schoolRolls: [String: [Double]])?
        if let schools {  // rolls by school need valid schools; otherwise their errors would only echo these
            do { rolls = try readRolls(CSVFile(path: path(rollsFile)), areas: areas, schools: schools) } catch {
                errors.append(error)
            }
        }
        var births: [String: BirthSeries] = [:]
        do { births = try readBirths(CSVFile(path: path(birthsFile))) } catch { errors.append(error) }
        var transfers: TransferShares?
        var files = [areasFile, schoolsFile, rollsFile, birthsFile].map(path)
        if FileManager.default.fileExists(atPath: path(transfersFile)) {
            files.append(path(transfersFile))
            do { transfers = try readTransfers(CSVFile(path: path(transfersFile)), areas: areas) } catch {
                errors.append(error)
            }
        }
        var yields: PupilYieldTable?
        if FileManager.default.fileExists(atPath: path(yieldsFile)) {
            files.append(path(yieldsFile))
            do { yields = try PupilYieldTable.read(CSVFile(path: path(yieldsFile))) } catch { errors.append(error) }
        }
        try PlacePlanError.check(errors)
        guard let rolls else { throw .internalError("rolls not read") }
        var data = DataSet(
            label: "\(directory) (\(areas.count) planning areas, \(schools?.count ?? 0) schools)", areas: areas, schools: schools ?? [], rolls: rolls.history, births: births,
            transfers: transfers, sourceFiles: files)
        data.yields = yields
        data.schoolRolls = rolls.schoolRolls
        try checkBirthsCoverAreas(data, birthsPath: path(birthsFile))
        return data
    }

    static func readAreas(_ file: CSVFile) throws(PlacePlanError) -> [PlanningArea] {
        let id = try file.require("id", aliases: ["area", "area_id"])
        let name = try file.require("name")
        let phase = try file.require("phase")
        let la = try file.require("local_authority", aliases: ["la"])
        var areas: [PlanningArea] = []
        var seen: [String: Int] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            let areaID = try r.required(id)
            if let first = seen[areaID] { throw .duplicateRow(r.location(id), key: "area \(areaID)", firstLine: first) }
            let phaseText = r.text(phase)
            guard let p = Phase(parsing: phaseText), p != .special else {
                throw .invalidValue(r.location(phase), value: phaseText, expected: "a phase: primary, secondary or all-through")
            }
            seen[areaID] = r.line
            areas.append(PlanningArea(id: areaID, name: r.text(name).isEmpty ? areaID : r.text(name), phase: p, localAuthority: try r.required(la)))
        }
        if areas.isEmpty {
            throw .insufficientHistory("\(file.path): no planning areas", hint: "add one row per planning area")
        }
        return areas
    }

    static func readSchools(_ file: CSVFile, areas: [PlanningArea]) throws(PlacePlanError) -> [School] {
        let id = try file.require("id", aliases: ["school", "urn"])
        let name = try file.require("name")
        let area = try file.require("planning_area", aliases: ["area"])
        let phase = try file.require("phase")
        let first = try file.require("first_year_group")
        let last = try file.require("last_year_group")
        let pan = try file.require("pan")
        let capacity = try file.require("net_capacity")
        let opens = file.columnNumber(["opens"])
        let closes = file.columnNumber(["closes"])
        let arp = file.columnNumber(["arp_places"])
        let locality = file.columnNumber(["locality"])
        let areaByID = Dictionary(areas.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var schools: [School] = []
        var seen: [String: Int] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            let schoolID = try r.required(id)
            if let line = seen[schoolID] { throw .duplicateRow(r.location(id), key: "school \(schoolID)", firstLine: line) }
            seen[schoolID] = r.line
            let phaseText = r.text(phase)
            guard let p = Phase(parsing: phaseText) else {
                // GIAS's middle schools ("Middle deemed primary") span both phases' year groups.
                let middle = phaseText.lowercased().hasPrefix("middle")
                throw .invalidValue(
                    r.location(phase), value: phaseText,
                    expected: "a phase: primary, secondary, all-through or special"
                        + (middle ? " (a middle school: if its year groups lie within R-Y6 or Y7-Y13, give primary or secondary; if it spans Y6 and Y7, all-through, in an all-through planning area)" : ""))
            }
            let areaID = r.text(area)
            guard let a = areaByID[areaID] else {
                throw .unknownArea(r.location(area), id: areaID, known: areas.map(\.id))
            }
            let firstGroup = try r.yearGroup(first)
            let lastGroup = try r.yearGroup(last)
            guard firstGroup <= lastGroup else {
                throw .invalidValue(r.location(last), value: r.text(last), expected: "a year group at or after the first year group \(firstGroup)")
            }
            if p != .special, !(a.phase.yearGroups.contains(firstGroup) && a.phase.yearGroups.contains(lastGroup)) {
                throw .invalidValue(
                    r.location(area), value: areaID,
                    expected: "a planning area holding \(firstGroup)-\(lastGroup) (\(areaID) is \(a.phase)); enter an all-through school as two rows, one per phase")
            }
            let opening = try r.optionalAcademicYear(opens)
            let closing = try r.optionalAcademicYear(closes)
            if let opening, let closing, closing <= opening {
                throw .invalidValue(r.location(closes!), value: r.text(closes), expected: "a year after the school opens (\(opening))")
            }
            var school = School(
                id: schoolID, name: r.text(name), areaID: areaID, phase: p, yearGroups: firstGroup...lastGroup,
                pan: try r.integer(pan), netCapacity: try r.integer(capacity), opens: opening, closes: closing,
                arpPlaces: try parseARP(r, column: arp))
            // The locality: planning areas separated by ';', each one the file knows.
            let served = r.text(locality).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for areaID in served where areaByID[areaID] == nil {
                throw .unknownArea(r.location(locality!), id: areaID, known: areas.map(\.id))
            }
            school.locality = served
            schools.append(school)
        }
        return schools
    }

    /// "ASD:12;SLCN:8" -> [.asd: 12, .slcn: 8].
    static func parseARP(_ r: CSVRecord, column: Int?) throws(PlacePlanError) -> [PrimaryNeed: Int] {
        let text = r.text(column)
        guard let column, !text.isEmpty else { return [:] }
        var places: [PrimaryNeed: Int] = [:]
        for part in text.split(separator: ";") {
            let pair = part.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let need = PrimaryNeed(parsing: pair[0]), let n = Int(pair[1]), n >= 0 else {
                throw .invalidValue(r.location(column), value: text, expected: "ARP places as NEED:PLACES;... e.g. ASD:12;SLCN:8")
            }
            let total = (places[need] ?? 0) + min(n, Int(CSVRecord.largestCount) + 1)
            guard Double(total) <= CSVRecord.largestCount else {
                throw .invalidValue(
                    r.location(column), value: text,
                    expected: "ARP places of at most \(Format.count(CSVRecord.largestCount)) a need (is a unit or a decimal point wrong?)")
            }
            places[need] = total
        }
        return places
    }

    static func readRolls(_ file: CSVFile, areas: [PlanningArea], schools: [School]) throws(PlacePlanError) -> (history: RollHistory, schoolRolls: [String: [Double]]) {
        let yearColumn = try file.require("year", aliases: ["time_period"])
        let groupColumn = try file.require("year_group", aliases: ["ncy", "nc_year"])
        let pupilsColumn = try file.require("pupils", aliases: ["headcount"])
        let areaColumn = file.columnNumber(["area", "planning_area"])
        let schoolColumn = file.columnNumber(["school"])
        guard areaColumn != nil || schoolColumn != nil else {
            throw .missingColumn(SourceLocation(file: file.path, line: 1), column: "area (or school)", available: file.header)
        }
        let areaIndex = Dictionary(areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })

        // Small on purpose (1.2 M of them at national scale): the line, not its location, is kept,
        // and a missing value's location is made from it when needed.
        struct Cell { var year: AcademicYear; var area: Int32; var group: YearGroup; var school: Int32; var line: Int32; var pupils: Double? }
        var cells: [Cell] = []
        cells.reserveCapacity(file.rowCount)
        let schoolNumber = Dictionary(schools.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let schoolArea = schools.map { areaIndex[$0.areaID] ?? 0 }
        // The few distinct year and year-group texts, parsed once each.
        var yearOf: [String: AcademicYear] = [:], groupOf: [String: YearGroup] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            var schoolID = -1
            let yearText = r.text(yearColumn), groupText = r.text(groupColumn)
            let year: AcademicYear
            if let y = yearOf[yearText] { year = y } else {
                year = try r.academicYear(yearColumn)
                yearOf[yearText] = year
            }
            let group: YearGroup
            if let g = groupOf[groupText] { group = g } else {
                group = try r.yearGroup(groupColumn)
                groupOf[groupText] = group
            }
            let area: Int
            if let schoolColumn, !(areaColumn != nil && r.text(schoolColumn).isEmpty) {
                let sid = r.text(schoolColumn)
                guard let k = schoolNumber[sid] else { throw .unknownSchool(r.location(schoolColumn), id: sid) }
                guard schools[k].phase != .special else {
                    throw .invalidValue(r.location(schoolColumn), value: sid, expected: "a mainstream school (special school rolls belong to the SEND data)")
                }
                schoolID = k
                area = schoolArea[k]
            } else {
                let aid = r.text(areaColumn)
                guard let a = areaIndex[aid] else { throw .unknownArea(r.location(areaColumn!), id: aid, known: areas.map(\.id)) }
                area = a
            }
            guard areas[area].phase.yearGroups.contains(group) else {
                throw .invalidValue(
                    r.location(groupColumn), value: r.text(groupColumn),
                    expected: "a year group of the \(areas[area].phase) phase of \(areas[area].id)")
            }
            let pupils = try r.count(pupilsColumn, allowMissing: true)
            cells.append(Cell(year: year, area: Int32(area), group: group, school: Int32(schoolID), line: Int32(clamping: r.line), pupils: pupils))
        }
        guard let first = cells.map(\.year).min(), let last = cells.map(\.year).max() else {
            throw .insufficientHistory("\(file.path): no rolls", hint: "add January census rolls by year, area (or school) and year group")
        }
        let years = (first.startYear...last.startYear).map(AcademicYear.init)
        var rolls = RollHistory(areaIDs: areas.map(\.id), years: years)
        var present = [Bool](repeating: false, count: years.count * areas.count * YearGroup.count)  // by RollHistory offset
        var bySchool: [[Double]?] = Array(repeating: nil, count: schools.count)
        func source(_ c: Cell) -> SourceLocation? {
            c.pupils == nil ? CSVRecord(file: file.path, line: Int(c.line), fields: [], header: file.header).location(pupilsColumn) : nil
        }
        // Duplicates by (unit, year, year group): the line of each unit's first row, 0 for none.
        var areaLine = [Int32](repeating: 0, count: present.count)
        var schoolLine: [[Int32]?] = Array(repeating: nil, count: schools.count)
        var duplicates: [PlacePlanError] = []
        var notOpen: [(school: Int, cell: Cell)] = []
        for c in cells {
            let y = c.year - first, school = Int(c.school), area = Int(c.area)
            let o = rolls.offset(y, area, c.group)
            let firstLine: Int32
            if school >= 0 {
                let k = y * YearGroup.count + c.group.index
                if schoolLine[school] == nil { schoolLine[school] = Array(repeating: 0, count: years.count * YearGroup.count) }
                firstLine = schoolLine[school]![k]
                if firstLine == 0 { schoolLine[school]![k] = c.line }
            } else {
                firstLine = areaLine[o]
                if firstLine == 0 { areaLine[o] = c.line }
            }
            if firstLine != 0 {
                let unit = school >= 0 ? "school \(schools[school].id)" : "area \(areas[area].id)"
                duplicates.append(
                    .duplicateRow(
                        CSVRecord(file: file.path, line: Int(c.line), fields: [], header: file.header).location(yearColumn),
                        key: "\(unit), \(c.year), \(c.group)", firstLine: Int(firstLine)))
                if duplicates.count >= 25 { break }
                continue
            }
            if school >= 0 {
                if bySchool[school] == nil { bySchool[school] = Array(repeating: 0, count: years.count * YearGroup.count) }
                bySchool[school]![y * YearGroup.count + c.group.index] = c.pupils ?? .nan
                // Pupils on roll in a year the school is not open (schools.csv's opens and
                // closes): one of the two is wrong, and the places would be counted wrongly.
                if (c.pupils ?? 0) > 0, !schools[school].isOpen(in: c.year), notOpen.count < 25, !notOpen.contains(where: { $0.school == school }) {
                    notOpen.append((school, c))
                }
            }
            if present[o] {
                // Several schools: sum, and a missing school value makes the area value missing.
                let old = rolls.values[o]
                rolls.values[o] = (old.isNaN || c.pupils == nil) ? .nan : old + c.pupils!
                if c.pupils == nil { rolls.missingSources[o] = source(c) }
            } else {
                present[o] = true
                rolls.set(yearIndex: y, area: area, c.group, c.pupils, source: source(c))
            }
        }
        try PlacePlanError.check(duplicates)
        try PlacePlanError.check(notOpen.map { school, c in
            let s = schools[school]
            let span = [s.opens.map { "opens in \($0)" }, s.closes.map { "closes in \($0), its first year without pupils" }].compactMap { $0 }.joined(separator: " and ")
            return .invalidValue(
                CSVRecord(file: file.path, line: Int(c.line), fields: [], header: file.header).location(yearColumn), value: c.year.description,
                expected: "a year when school \(s.id) is open: schools.csv says it \(span) (correct its opens or closes, or these rolls)")
        })
        try PlacePlanError.check(implausibleRolls(
            file: file, pupilsColumn: pupilsColumn, years: years, areas: areas, schools: schools, rolls: rolls, bySchool: bySchool,
            schoolLine: schoolLine, areaLine: areaLine))
        // Every area needs a value (a number or a suppression code) for every year group of
        // its phase in every year: a gap is an error, not a zero.
        var errors: [PlacePlanError] = []
        // A census year that most areas have no rows for (a school's rows typed under next
        // year, a census half pasted in) is one error, not one per area.
        let hasRows = { (y: Int, a: Int) in areas[a].phase.yearGroups.contains { present[rolls.offset(y, a, $0)] } }
        let partial = areas.count < 4 ? [] : years.indices.filter { y in
            let held = areas.indices.filter { hasRows(y, $0) }.count
            return held > 0 && held * 2 < areas.count
        }
        for y in partial {
            let held = areas.indices.filter { hasRows(y, $0) }.map { areas[$0].id }
            errors.append(.insufficientHistory(
                "\(file.path): \(years[y]) has rows for only \(held.count) of \(areas.count) areas (\(DfECensusFormat.listed(held))): a census year covers every area",
                hint: "remove \(years[y])'s rows if that census is not complete yet, or add the other areas' rows"))
        }
        for (a, area) in areas.enumerated() {
            let missingYears = years.indices.filter { y in !partial.contains(y) && !hasRows(y, a) }
            if !missingYears.isEmpty {
                errors.append(.missingYears(file: file.path, series: "area \(area.id)", missing: missingYears.map { years[$0] }))
            }
            for y in years.indices where !missingYears.contains(y) && !partial.contains(y) {
                let gaps = area.phase.yearGroups.filter { !present[rolls.offset(y, a, $0)] }
                if !gaps.isEmpty {
                    errors.append(
                        .insufficientHistory(
                            "\(file.path): area \(area.id) has no rows for \(gaps.map(\.description).joined(separator: ", ")) in \(years[y])",
                            hint: "add the rows (0 for none, x for suppressed): the series must be complete"))
                }
            }
        }
        try PlacePlanError.check(errors)
        var schoolRolls: [String: [Double]] = [:]
        for (k, r) in bySchool.enumerated() { if let r { schoolRolls[schools[k].id] = r } }
        return (rolls, schoolRolls)
    }

    /// Rolls far above what a school or area holds: a digit added (430 for 30), which would
    /// otherwise pass as pupils and, in the last census, turn an area's surplus into a deficit
    /// of thousands. A cell is refused when it is more than `implausibleFactor` times its
    /// reference and at least 30 pupils above it; the reference is the larger of the school's
    /// PAN and the median of its positive counts in that year group over the census years
    /// (for rows by area, that median alone). Using the larger keeps a school that grew to its
    /// PAN, and one whose PAN fell, clear of the rule; at most 25 such cells are listed.
    static func implausibleRolls(
        file: CSVFile, pupilsColumn: Int, years: [AcademicYear], areas: [PlanningArea], schools: [School], rolls: RollHistory,
        bySchool: [[Double]?], schoolLine: [[Int32]?], areaLine: [Int32]
    ) -> [PlacePlanError] {
        func median(_ values: [Double]) -> Double? {
            let positive = values.filter { $0.isFinite && $0 > 0 }
            return positive.isEmpty ? nil : RatioHistory.median(positive)
        }
        var errors: [PlacePlanError] = []
        func flag(line: Int32, value: Double, reference: Double, what: String, school: Bool) {
            guard errors.count < 25, line > 0, value > reference * implausibleFactor, value >= reference + 30 else { return }
            errors.append(.invalidValue(
                CSVRecord(file: file.path, line: Int(line), fields: [], header: file.header).location(pupilsColumn), value: Format.count(value),
                expected: "a roll near \(what): is a digit added? (more than \(Int(implausibleFactor)) times that is taken for a typo"
                    + (school ? "; if the school really grew, update its PAN in schools.csv)" : ")")))
        }
        for (k, series) in bySchool.enumerated() {
            guard let series, let lines = schoolLine[k] else { continue }
            for g in YearGroup.all {
                let values = years.indices.map { series[$0 * YearGroup.count + g.index] }
                let usual = median(values)
                let reference = max(usual ?? 0, Double(schools[k].pan))
                guard reference > 0 else { continue }
                let what = "school \(schools[k].id)'s \(g) (PAN \(schools[k].pan), usually \(Format.count(usual ?? 0)) pupils)"
                for y in years.indices { flag(line: lines[y * YearGroup.count + g.index], value: values[y], reference: reference, what: what, school: true) }
            }
        }
        for (a, area) in areas.enumerated() {
            for g in area.phase.yearGroups {
                let offsets = years.indices.map { rolls.offset($0, a, g) }
                guard offsets.contains(where: { areaLine[$0] != 0 }), let usual = median(offsets.map { rolls.values[$0] }) else { continue }
                for o in offsets where areaLine[o] != 0 {
                    flag(line: areaLine[o], value: rolls.values[o], reference: usual, what: "area \(area.id)'s \(g) (usually \(Format.count(usual)) pupils)", school: false)
                }
            }
        }
        return errors
    }

    /// How many times its usual count (or PAN) a roll may be before it is taken for a typo.
    static let implausibleFactor = 4.0

    /// The column that names a births series, and the other names it is read under.
    static let birthsKeyColumns = ["area", "local_authority", "la", "gss_code"]

    static func readBirths(_ file: CSVFile) throws(PlacePlanError) -> [String: BirthSeries] {
        let key = try file.require(birthsKeyColumns[0], aliases: Array(birthsKeyColumns.dropFirst()))
        let year = try file.require("year", aliases: ["mid_year"])
        let births = try file.require("births", aliases: ["annual_births"])
        let lower = file.columnNumber(["lower", "interval_lower"])
        let upper = file.columnNumber(["upper", "interval_upper"])
        let type = file.columnNumber(["type"])
        var series: [String: BirthSeries] = [:]
        var seen: [String: Int] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            let k = try r.required(key)
            let text = r.text(year)
            guard text.count == 4, let y = Int(text), (1900...2199).contains(y) else {
                throw .invalidValue(r.location(year), value: text, expected: "a mid-year such as 2019 (births July 2018 to June 2019)")
            }
            if let first = seen["\(k) \(y)"] { throw .duplicateRow(r.location(year), key: "\(k), mid-\(y)", firstLine: first) }
            seen["\(k) \(y)"] = r.line
            var s = series[k] ?? BirthSeries(key: k)
            s.births[y] = try r.count(births)
            (s.lower[y], s.upper[y]) = try r.birthsInterval(births: s.births[y]!, lower: lower, upper: upper)
            if ["predicted", "projected", "projection"].contains(r.text(type).lowercased()) { s.projected.insert(y) }
            series[k] = s
        }
        var errors: [PlacePlanError] = []
        for (k, s) in series.sorted(by: { $0.key < $1.key }) {
            guard let lo = s.births.keys.min(), let hi = s.births.keys.max() else { continue }
            let missing = (lo...hi).filter { s.births[$0] == nil }
            if !missing.isEmpty {
                errors.append(.missingYears(file: file.path, series: "births for \(k)", missing: missing.map(AcademicYear.init)))
            }
            // A year's births a tenth or ten times the series' median (of 50 or more) is a
            // misread number, not a birth rate: 4.624 for 4,624 (a full stop for thousands),
            // or a year in hundreds. Births never move so far in a year.
            let median = RatioHistory.median(Array(s.births.values))
            if s.births.count >= 3, median >= 50 {
                for (y, v) in s.births.sorted(by: { $0.key < $1.key }) where v < median / 10 || v > median * 10 {
                    let line = seen["\(k) \(y)"] ?? 0
                    errors.append(.invalidValue(
                        CSVRecord(file: file.path, line: line, fields: [], header: file.header).location(births), value: v == v.rounded() ? String(Int(v)) : "\(v)",
                        expected: "births near the series' others (median \(Format.count(median)) for \(k)): is a full stop standing for thousands, or a digit lost or added?"))
                }
            }
        }
        try PlacePlanError.check(errors)
        return series
    }

    static func readTransfers(_ file: CSVFile, areas: [PlanningArea]) throws(PlacePlanError) -> TransferShares {
        let from = try file.require("from_area")
        let to = try file.require("to_area")
        let share = try file.require("share")
        let byID = Dictionary(areas.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var shares: [String: [String: Double]] = [:]
        var seen: [String: Int] = [:]
        var outflow: [String: Double] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            let f = r.text(from), t = r.text(to)
            guard let fa = byID[f] else { throw .unknownArea(r.location(from), id: f, known: areas.map(\.id)) }
            guard let ta = byID[t] else { throw .unknownArea(r.location(to), id: t, known: areas.map(\.id)) }
            guard fa.phase == .primary else { throw .invalidValue(r.location(from), value: f, expected: "a primary planning area") }
            guard ta.phase == .secondary else { throw .invalidValue(r.location(to), value: t, expected: "a secondary planning area") }
            if let first = seen["\(f)>\(t)"] { throw .duplicateRow(r.location(from), key: "\(f) to \(t)", firstLine: first) }
            seen["\(f)>\(t)"] = r.line
            let s = try r.share(share)
            outflow[f, default: 0] += s
            guard outflow[f]! <= 1 + 1e-9 else {
                throw .invalidValue(r.location(share), value: r.text(share), expected: "a share between 0 and 1 (the shares out of \(f) must sum to at most 1)")
            }
            shares[t, default: [:]][f] = s
        }
        return TransferShares(shares: shares)
    }

    /// Every area with a Reception year group needs births.
    static func checkBirthsCoverAreas(_ data: DataSet, birthsPath: String) throws(PlacePlanError) {
        let missing = data.areas.filter { $0.phase.yearGroups.contains(.reception) && data.birthSeries(for: $0) == nil }
        if !missing.isEmpty {
            throw .insufficientHistory(
                "\(birthsPath): no births for \(missing.map(\.id).joined(separator: ", "))",
                hint: "add births rows keyed by the area id or by its local_authority")
        }
    }
}

extension CSVRecord {
    /// A births row's interval (either end may be absent), checked to hold the births:
    /// lower <= births <= upper. An interval the wrong way round would still spread the
    /// draws, so it must not pass unnoticed.
    func birthsInterval(births: Double, lower: Int?, upper: Int?) throws(PlacePlanError) -> (Double?, Double?) {
        let lo = try lower.flatMap { c throws(PlacePlanError) in try count(c, allowMissing: true) }
        let hi = try upper.flatMap { c throws(PlacePlanError) in try count(c, allowMissing: true) }
        if let lo, let lower, lo > births {
            throw .invalidValue(location(lower), value: text(lower), expected: "a lower bound at or below the births (\(Format.count(births)))")
        }
        if let hi, let upper, hi < births {
            throw .invalidValue(location(upper), value: text(upper), expected: "an upper bound at or above the births (\(Format.count(births)))")
        }
        return (lo, hi)
    }
}
