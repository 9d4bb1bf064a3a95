import Foundation

/// Reads the public DfE and GLA files directly: the January census headcount by LA and NCY
/// (`pupils_by_ncy_la_*.csv`, as assembled by GLA analysts), the GLA/ONS births by LA
/// (`births_la_*.csv`) and, when present, the LA school places of the DfE scorecards
/// (`school_capacity_la.csv`). Each local authority becomes one all-through planning area,
/// so that real data for any English authority is one `--data` flag away.
///
/// LA reorganisations (``LocalAuthorityReorganisation``) are expected, not errors: an LA
/// whose series starts late (a successor) or ends early (a predecessor) loads with the
/// years it has; ``DataSet/mergingReorganisations()`` joins predecessors and successors into
/// one series for a backtest across the break, and ``DataSet/atOrigin(_:)`` chooses, for a
/// forecast, the LAs that exist at its origin.
public enum DfECensusFormat {
    /// Whether a directory holds the DfE/GLA files rather than placeplan's own.
    public static func files(in directory: String) throws(PlacePlanError) -> (pupils: String, births: String)? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        guard let pupils = try onlyFile(in: directory, names: names, prefix: "pupils_by_ncy_la"),
            let births = try onlyFile(in: directory, names: names, prefix: "births_la")
        else { return nil }
        return (pupils, births)
    }

    /// Whether an `nc_year` is one the model leaves out: Year 14 (negligible, in any spelling:
    /// `year_group_14`, `Year 14`, `Y14`, `14`), and the rows an explore-education-statistics
    /// download may add: nursery, NCY not followed (`x`) and totals. Nil for a year group
    /// to read; true for Year 14, false for the others (counted in a note).
    static func droppedYearGroup(_ text: String) -> Bool? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        for prefix in ["year_group_", "year group ", "year ", "ncy ", "y", ""] where s.hasPrefix(prefix) {
            if s.dropFirst(prefix.count) == "14" { return true }
        }
        return notModelled.contains(s) ? false : nil
    }

    /// For two census rows with the same LA, year and year group: the first column (1-based)
    /// other than those read and the counts in which they differ (a download broken down by
    /// school type, sex, ...), or nil when they differ in none.
    static func breakdown(_ a: CSVRecord, _ b: CSVRecord, read: [Int]) -> Int? {
        let counts: Set<String> = ["full_time", "part_time", "headcount", "fte"]
        return a.header.indices.first { i in
            !read.contains(i + 1) && !counts.contains(a.header[i]) && a.text(i + 1) != b.text(i + 1)
        }.map { $0 + 1 }
    }

    /// The `nc_year` values of rows the model does not read: nursery, NCY not followed, totals.
    static let notModelled: Set<String> = ["total", "all", "nursery", "nursery 1", "nursery 2", "n1", "n2", "x", "not followed", "ncy not followed"]

    /// What the data is, in output headers.
    static let label = "DfE census and births"

    /// A reorganisation from the user's lookup file whose `first_year` the census contradicts
    /// (a predecessor still counted in or after it, or a successor before it) is an error at
    /// its row, with the year the census says: the series would otherwise be merged at the
    /// wrong year and fail later with no pointer to the file.
    static func checkReorganisationYears(
        _ reorganisations: [LocalAuthorityReorganisation], cells: [(year: AcademicYear, la: String)], names: [String: String]
    ) throws(PlacePlanError) {
        let own = reorganisations.filter { $0.source != nil }
        var span: [String: ClosedRange<AcademicYear>] = [:]
        for c in cells {
            let r = span[c.la]
            span[c.la] = r.map { min($0.lowerBound, c.year)...max($0.upperBound, c.year) } ?? c.year...c.year
        }
        func named(_ la: String) -> String { names[la].map { "\(la) \($0)" } ?? la }
        var errors: [PlacePlanError] = []
        for e in own {
            let before = e.predecessors.compactMap { p in span[p.number].map { (p.number, $0.upperBound) } }
            let after = e.successors.compactMap { s in span[s.number].map { (s.number, $0.lowerBound) } }
            let late = before.filter { $0.1 >= e.firstYear }, early = after.filter { $0.1 < e.firstYear }
            guard !late.isEmpty || !early.isEmpty else { continue }
            let said = late.map { "\(named($0.0)) is in the census to \($0.1)" } + early.map { "\(named($0.0)) is in the census from \($0.1)" }
            let ended = before.map { $0.1.startYear + 1 }.max()
            if let ended, let (la, start) = early.min(by: { $0.1 < $1.1 }), start.startYear < ended {
                // A successor counted while its predecessors still were: an LA that absorbed
                // another under its own number, which one merged series cannot describe.
                errors.append(.invalidValue(
                    e.source!, value: e.firstYear.description,
                    expected: "a reorganisation into new LAs: \(named(la)) is in the census from \(start), before its predecessors end (\(before.map { "\(named($0.0)) to \($0.1)" }.joined(separator: ", "))); an LA that takes in another under its own number cannot be merged into one series (leave the row out)"))
                continue
            }
            let year = ended ?? after.map(\.1.startYear).min()!
            errors.append(.invalidValue(
                e.source!, value: e.firstYear.description,
                expected: "the first census the successors report: \(said.joined(separator: ", and ")), so \(AcademicYear(year)) (\(year))"))
        }
        try PlacePlanError.check(errors)
    }

    /// Loads the census and births files (and the reorganisations lookup and LA capacity
    /// files beside them, when present).
    /// - Parameter authorities: old LA codes (302), GSS codes (E09000003) or names (Barnet)
    ///   to keep; nil keeps every authority. Naming a successor (838) also keeps its
    ///   predecessors, so that a backtest can merge them.
    public static func load(pupils pupilsPath: String, births birthsPath: String, authorities: [String]? = nil)
        throws(PlacePlanError) -> DataSet
    {
        let directory = (pupilsPath as NSString).deletingLastPathComponent
        var reorganisations = LocalAuthorityReorganisation.england
        let lookup = (directory as NSString).appendingPathComponent(LocalAuthorityReorganisation.lookupFile)
        var sourceFiles = [pupilsPath, birthsPath]
        if FileManager.default.fileExists(atPath: lookup) {
            let own = try LocalAuthorityReorganisation.read(CSVFile(path: lookup))
            // The user's rows replace a built-in event that involves the same LAs.
            reorganisations = reorganisations.filter { e in own.allSatisfy { $0.numbers.isDisjoint(with: e.numbers) } } + own
            sourceFiles.append(lookup)
        }

        let pupils = try CSVFile(path: pupilsPath)
        let period = try pupils.require("time_period")
        let oldCode = try pupils.require("old_la_code")
        let gss = try pupils.require("new_la_code")
        let name = try pupils.require("la_name")
        let ncy = try pupils.require("nc_year")
        let headcount = try pupils.require("headcount")

        struct Cell { var year: AcademicYear; var la: String; var group: YearGroup; var pupils: Double?; var source: SourceLocation }
        struct Authority { var name: String; var codes: [(year: AcademicYear, gss: String)] = []; var lastYear: AcademicYear }
        var authorityOf: [String: Authority] = [:]
        var keysOf: [String: Set<String>] = [:]
        var cells: [Cell] = []
        var seen: [String: CSVRecord] = [:]
        var brokenDown = false
        // National and regional rows (an explore-education-statistics download has them,
        // marked by `geographic_level`, or with no LA number and a country or region code)
        // are totals of the LAs: counted to say so, never read as another LA. So are rows at
        // any other level of that column.
        let level = pupils.columnNumber(["geographic_level"])
        var aggregateRows = 0
        var otherRows = 0
        try forEachRecord(pupils) { r throws(PlacePlanError) in
            if Self.isAggregateRow(r, level: level, laNumber: oldCode, gss: gss) {
                aggregateRows += 1
                return
            }
            let code = try r.laNumber(oldCode)
            let groupText = r.text(ncy)
            if let yearFourteen = Self.droppedYearGroup(groupText) {
                if !yearFourteen { otherRows += 1 }
                return
            }
            guard let group = YearGroup(parsing: groupText) else {
                throw .invalidValue(
                    r.location(ncy), value: groupText, expected: "a national curriculum year: reception, year_group_1 ... year_group_14")
            }
            let year = try r.academicYear(period)
            let code16 = try r.required(gss)
            let key = "LA \(code), \(year), \(group)"
            if let first = seen[key] {
                if let column = Self.breakdown(first, r, read: [period, oldCode, gss, name, ncy]) {
                    // Said once: every key of such a file repeats.
                    guard !brokenDown else { return }
                    brokenDown = true
                    throw .brokenDownRows(r.location(column), key: key, firstLine: first.line, column: first.header[column - 1], values: [r.text(column), first.text(column)].map(CSVFile.excerpt))
                }
                throw .duplicateRow(r.location(period), key: key, firstLine: first.line)
            }
            seen[key] = r
            var a = authorityOf[code] ?? Authority(name: r.text(name), lastYear: year)
            if year >= a.lastYear {
                a.lastYear = year
                if !r.text(name).isEmpty { a.name = r.text(name) }
            }
            if !a.codes.contains(where: { $0.gss == code16 }) { a.codes.append((year, code16)) }
            authorityOf[code] = a
            keysOf[code, default: [code.lowercased()]].formUnion([code16.lowercased(), r.text(name).lowercased()])
            let pupils = try r.count(headcount, allowMissing: true)
            // The census headcount counts pupils: a fraction is a misread number (4.083 for
            // 4,083, with a full stop for thousands), never a real count. (placeplan's own
            // rolls.csv takes decimals on purpose, for projected rolls.)
            if let pupils, pupils != pupils.rounded() {
                throw .invalidValue(
                    r.location(headcount), value: r.text(headcount),
                    expected: "a whole number of pupils (the census headcount; is a full stop standing for thousands, 4.083 for 4,083?)")
            }
            cells.append(Cell(year: year, la: code, group: group, pupils: pupils, source: r.location(headcount)))
        }

        if reorganisations.contains(where: { $0.source != nil }) {
            try checkReorganisationYears(reorganisations, cells: cells.map { ($0.year, $0.la) }, names: authorityOf.mapValues(\.name))
        }

        // The authorities asked for, with the other members of their reorganisations.
        var kept = Set(authorityOf.keys)
        var requested: Set<String>?
        var selectionNotes: [String] = []
        if let authorities {
            let asked = authorities.map { $0.trimmingCharacters(in: .whitespaces) }
            // A name can be two LAs' (the old and the new Dorset, 835 and 838): it means the one
            // that still exists, when exactly one of them does; numbers and GSS codes are exact.
            let latest = authorityOf.values.map(\.lastYear).max()
            func current(_ codes: [String]) -> [String] { codes.filter { authorityOf[$0]?.lastYear == latest } }
            kept = []
            var unknown: [String] = []
            for text in asked {
                let w = text.lowercased()
                var matches = keysOf.filter { $0.value.contains(w) }.map(\.key)
                if matches.count > 1, current(matches).count == 1, !matches.contains(w) { matches = current(matches) }
                if matches.isEmpty, w.contains(where: \.isLetter) {
                    // Part of a name ("Bristol" for "Bristol, City of"), if it picks out one LA
                    // (the one that still exists, of several); else the candidates are named.
                    let partial = authorityOf.filter { $0.value.name.lowercased().contains(w) }.map(\.key).sorted()
                    let now = current(partial)
                    if partial.count == 1 || now.count == 1 {
                        matches = partial.count == 1 ? partial : now
                        selectionNotes.append("--la \(text): \(matches[0]) \(authorityOf[matches[0]]!.name), the authority whose name has it")
                    } else if partial.count > 1 {
                        throw .invalidOption(
                            option: "--la", message: "'\(text)' is part of the names of \(partial.count) authorities in \(pupilsPath)",
                            hint: "say which: " + partial.prefix(8).map { "\($0) \(authorityOf[$0]!.name)" }.joined(separator: ", ")
                                + (partial.count > 8 ? ", ..." : ""))
                    }
                }
                if matches.isEmpty { unknown.append(text) }
                kept.formUnion(matches)
            }
            guard unknown.isEmpty else {
                // The hint's examples are the file's own authorities, so they work when copied.
                let examples = authorityOf.filter { $0.value.lastYear == latest }.keys.sorted().prefix(3).map { code -> String in
                    let a = authorityOf[code]!
                    return "\(code) \(a.name)" + (a.codes.max { $0.year < $1.year }.map { " (\($0.gss))" } ?? "")
                }
                throw .invalidOption(
                    option: "--la", message: "no authority matches \(unknown.joined(separator: ", ")) in \(pupilsPath)",
                    hint: "use an LA number, a GSS code or a name from the file's \(authorityOf.count) authorities, e.g. "
                        + examples.joined(separator: ", "))
            }
            requested = kept
            for e in reorganisations where !e.numbers.isDisjoint(with: kept) { kept.formUnion(e.numbers.intersection(authorityOf.keys)) }
        }

        var notes = selectionNotes
        let birthSeries = try readBirths(try CSVFile(path: birthsPath), notes: &notes)
        if otherRows > 0 {
            notes.append("\((pupilsPath as NSString).lastPathComponent): its \(otherRows) rows of nursery, NCY not followed or all year groups are left out (the model runs from Reception to Year 13)")
        }
        if aggregateRows > 0 {
            notes.append("\((pupilsPath as NSString).lastPathComponent): its \(aggregateRows) rows that are not one LA's (national or regional totals) are left out")
        }
        var areas: [PlanningArea] = []
        var births: [String: BirthSeries] = [:]
        for code in kept.sorted() {
            let a = authorityOf[code]!
            // Births by the LA's latest GSS code, else an earlier one, else the other code of a
            // recoded LA, else (a county, or a unitary made from districts) the sum of its
            // districts, else (an LA split later) the sum of its successors'.
            let codes = a.codes.sorted { $0.year > $1.year }.map(\.gss)
            let aliases = codes.flatMap { c in
                LocalAuthorityReorganisation.recodedGSS.compactMap { $0.old == c ? $0.new : $0.new == c ? $0.old : nil }
            }
            var key = (codes + aliases).first { birthSeries[$0] != nil }
            if key == nil, let summed = (codes + aliases).lazy.compactMap({ DistrictBirths.births(of: $0, from: birthSeries) }).first {
                births[summed.key] = summed
                key = summed.key
                notes.append(
                    "LA \(code) \(a.name): births summed from the districts of \(DistrictBirths.table[summed.key]!.name) (\(summed.key)), "
                        + "as the births file has no row for \(summed.key)")
            }
            if key == nil, let split = reorganisations.first(where: { $0.predecessors.map(\.number) == [code] }),
                !split.successors.contains(where: { authorityOf[$0.number] != nil })
            {
                // A census that ends before the split, with a births file on later boundaries
                // (ONS's current ones have Cumberland and Westmorland and Furness back to 1992,
                // and no Cumbria). With the successors in the census, the merged series takes
                // their births instead (DataSet.merging).
                let parts = split.successors.compactMap { s -> BirthSeries? in
                    let gss = ([s.gss] + (authorityOf[s.number]?.codes.map(\.gss) ?? [])).filter { !$0.isEmpty }
                    return gss.lazy.compactMap { birthSeries[$0] ?? DistrictBirths.births(of: $0, from: birthSeries) }.first
                }
                if parts.count == split.successors.count, let summed = BirthSeries.sum(parts, key: codes[0]) {
                    births[summed.key] = summed
                    key = summed.key
                    notes.append(
                        "LA \(code) \(a.name): births summed from those of \(split.successors.map(\.description).joined(separator: ", ")), "
                            + "which it became in \(split.firstYear), as the births file has no row for \(codes[0]) or its districts")
                }
            }
            if let key, births[key] == nil { births[key] = birthSeries[key] }
            areas.append(PlanningArea(id: code, name: a.name, phase: .allThrough, localAuthority: key ?? codes[0]))
        }
        guard !areas.isEmpty, let first = cells.map(\.year).min(), let last = cells.map(\.year).max() else {
            throw .insufficientHistory("\(pupilsPath): no census rows", hint: "check the --la selection and the census file")
        }
        let index = Dictionary(areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let years = (first.startYear...last.startYear).map(AcademicYear.init)
        var rolls = RollHistory(areaIDs: areas.map(\.id), years: years)
        var present = Set<Int>()
        for c in cells {
            guard let a = index[c.la] else { continue }
            rolls.set(yearIndex: c.year - first, area: a, c.group, c.pupils, source: c.source)
            present.insert(rolls.offset(c.year - first, a, c.group))
        }
        // An LA may start late or end early (a reorganisation). A census year with no rows
        // for it breaks its series: it is forecast from the years after the last such gap, as
        // an LA that starts late, and a note says so (one LA's gap must not stop a national
        // run). Within the years kept, a year group with no row is missing, as a suppressed
        // count is (its ratios are skipped, and a forecast cannot start from that census),
        // and a note names it.
        for (a, area) in areas.enumerated() {
            let held = years.indices.filter { y in YearGroup.all.contains { present.contains(rolls.offset(y, a, $0)) } }
            guard var lo = held.first, let hi = held.last else { continue }
            let gaps = (lo...hi).filter { !held.contains($0) }
            if let lastGap = gaps.last {
                lo = lastGap + 1
                notes.append(
                    "\(pupilsPath): LA \(area.id) (\(area.name)) has no rows for \(gaps.map { years[$0].description }.joined(separator: ", ")): "
                        + "its census before \(years[lo]) is left out, and it is forecast from \(years[lo]) on")
            }
            for y in held where y >= lo {
                let absent = YearGroup.all.filter { !present.contains(rolls.offset(y, a, $0)) }
                for g in absent { rolls.set(yearIndex: y, area: a, g, nil) }  // missing, never the store's zero
                if !absent.isEmpty {
                    notes.append(
                        "\(pupilsPath): LA \(area.id) (\(area.name)) has no rows for \(absent.map(\.description).joined(separator: ", ")) in \(years[y]): "
                            + "read as missing, as a suppressed count would be (add the rows, 0 for none)")
                }
            }
            rolls.setSpan(area: a, years: lo...hi)
        }
        var data = DataSet(label: label, areas: areas, schools: [], rolls: rolls, births: births, sourceFiles: sourceFiles)
        data.isLAData = true
        data.relabel()
        // The census's names and latest GSS codes for LAs a lookup file names by number alone.
        data.reorganisations = reorganisations.filter { !$0.numbers.isDisjoint(with: index.keys) }.map { event in
            var e = event
            func filled(_ la: LocalAuthorityCode) -> LocalAuthorityCode {
                guard let a = authorityOf[la.number] else { return la }
                var c = la
                if c.name.isEmpty { c.name = a.name }
                if c.gss.isEmpty { c.gss = a.codes.max { $0.year < $1.year }?.gss ?? "" }
                return c
            }
            e.predecessors = e.predecessors.map(filled)
            e.successors = e.successors.map(filled)
            return e
        }
        data.notes = notes
        if let requested, requested != kept { data.requestedAreas = requested }
        // The user's own schools.csv (placeplan's columns, `planning_area` the LA number): its
        // places, ARPs and special schools win over the scorecards' for every LA it has
        // schools for. Rows of LAs not loaded (another --la) are left out.
        let schoolsPath = (directory as NSString).appendingPathComponent(PlacePlanFormat.schoolsFile)
        if FileManager.default.fileExists(atPath: schoolsPath) {
            let every = authorityOf.keys.sorted().map { PlanningArea(id: $0, name: authorityOf[$0]!.name, phase: .allThrough, localAuthority: $0) }
            let own = try PlacePlanFormat.readSchools(CSVFile(path: schoolsPath), areas: every).filter { index[$0.areaID] != nil }
            data.schools = own
            data.ownSchoolAreas = Set(own.map(\.areaID))
            data.sourceFiles.append(schoolsPath)
        }
        let fromCapacity = areas.filter { !data.ownSchoolAreas.contains($0.id) }
        let capacity = (directory as NSString).appendingPathComponent(LACapacity.file)
        if FileManager.default.fileExists(atPath: capacity), !fromCapacity.isEmpty {
            let places = try LACapacity.read(CSVFile(path: capacity))
            data.capacity = places
            data.sourceFiles.append(capacity)
            data.schools += fromCapacity.flatMap { area in
                // An LA split after the census (Cumbria in 2023) has the places of its successors.
                let split = data.reorganisations.first { $0.predecessors.map(\.number) == [area.id] }
                let members = places.places[area.id] == nil ? split.map { $0.successors.map(\.number) } ?? [area.id] : [area.id]
                return places.schools(for: area, members: members, rolls: rolls, area: index[area.id]!)
            }
        }
        let counted = { (area: PlanningArea) in rolls.hasCensus(yearIndex: years.count - 1, area: index[area.id]!) }
        if !data.ownSchoolAreas.isEmpty {
            let shown = areas.filter { data.ownSchoolAreas.contains($0.id) }.map { "\($0.id) \($0.name)" }
            data.notes.append(
                "places for \(Self.listed(shown)) from \(PlacePlanFormat.schoolsFile) (\(data.schools.filter { data.ownSchoolAreas.contains($0.areaID) }.count) schools)"
                    + (fromCapacity.isEmpty ? "" : data.capacity == nil ? "; the other LAs have no places to compare with" : "; the other LAs' from \(LACapacity.file)"))
        }
        if data.capacity != nil {
            let without = fromCapacity.filter { area in !data.schools.contains { $0.areaID == area.id } && counted(area) }
            if !without.isEmpty {
                data.notes.append(
                    "\(LACapacity.file) has no places for \(without.map { "\($0.id) \($0.name)" }.joined(separator: ", ")): forecast, but not compared with places")
            }
        }
        // An LA with places for one phase only (the Isles of Scilly's primary places are not
        // published), where that phase has pupils at the last census.
        let assessed = SufficiencyReport.assessed(schools: data.schools)
        for phase in ReportingPhase.allCases {
            let missing = areas.filter { area in
                guard data.schools.contains(where: { $0.areaID == area.id }), !assessed.contains("\(area.id) \(phase)"), let a = index[area.id] else { return false }
                return phase.yearGroups.contains { (rolls.pupils(yearIndex: years.count - 1, area: a, $0) ?? 0) > 0 }
            }
            for (file, group) in [(LACapacity.file, missing.filter { !data.ownSchoolAreas.contains($0.id) }), (PlacePlanFormat.schoolsFile, missing.filter { data.ownSchoolAreas.contains($0.id) })] where !group.isEmpty {
                data.notes.append(
                    "\(file) has no \(phase) places for \(group.map { "\($0.id) \($0.name)" }.joined(separator: ", ")): "
                        + "their \(phase) pupils are forecast, but not compared with places")
            }
        }
        return data
    }

    /// Names in a note: all of up to five, else the first five and how many more.
    static func listed(_ names: [String]) -> String {
        names.count <= 5 ? names.joined(separator: ", ") : names.prefix(5).joined(separator: ", ") + " and \(names.count - 5) more"
    }

    /// Whether a census row is not one LA's: its `geographic_level` (when the file has one) is
    /// not "Local authority" (national and regional totals, or school rows), or it has no LA
    /// number and the GSS code of a country (E92, K0…) or region (E12).
    static func isAggregateRow(_ r: CSVRecord, level: Int?, laNumber: Int, gss: Int) -> Bool {
        if let level, !r.text(level).isEmpty, r.text(level).lowercased() != "local authority" { return true }
        guard r.text(laNumber).isEmpty else { return false }
        let code = r.text(gss).uppercased()
        return code.hasPrefix("E92") || code.hasPrefix("E12") || code.hasPrefix("K0")
    }

    /// The sexes a births row can be for, when it is not for persons: a mid-year that has
    /// a male and a female row but no persons row is their sum.
    enum BirthSex { case male, female }

    static func birthSex(_ text: String) -> BirthSex? {
        switch text.lowercased() {
        case "male", "males", "m", "boys": return .male
        case "female", "females", "f", "girls": return .female
        default: return nil
        }
    }

    /// GLA births: mid-year rows (dated YYYY-07-01) for local authority geographies. Every
    /// series must run without gaps; rows dated otherwise (the GLA's calendar-year rows) are
    /// not mid-year totals and are skipped, but a file with no mid-year rows at all is an error.
    /// A mid-year with male and female rows but no persons row is their sum, and `notes` gains
    /// a line saying so.
    static func readBirths(_ file: CSVFile, notes: inout [String]) throws(PlacePlanError) -> [String: BirthSeries] {
        let gss = try file.require("gss_code")
        let date = try file.require("date")
        let type = try file.require("type")
        let births = try file.require("annual_births")
        let lower = file.columnNumber(["interval_lower"])
        let upper = file.columnNumber(["interval_upper"])
        let sex = file.columnNumber(["sex"])
        var series: [String: BirthSeries] = [:]
        var seen: [String: Int] = [:]
        var otherDates = 0
        // Rows by sex, per code and mid-year: births, interval, predicted, and where.
        struct SexRow { var births: Double; var lower: Double?; var upper: Double?; var predicted: Bool; var text: String; var location: SourceLocation }
        var bySex: [String: [Int: [BirthSex: SexRow]]] = [:]
        // Rows that look like a mistyped mid-year, by code and year: named when that mid-year is missing.
        var offDate: [String: (location: SourceLocation, date: String)] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            let d = r.text(date)
            guard d.count == 10, d.dropFirst(4).first == "-", let y = Int(d.prefix(4)), (1900...2199).contains(y) else {
                throw .invalidValue(r.location(date), value: d, expected: "a date YYYY-MM-DD (mid-year totals are dated YYYY-07-01)")
            }
            guard d.hasSuffix("-07-01") else {
                otherDates += 1
                // The GLA's other series are dated the 1st of a month; a date off the 1st, or
                // in July but not the 1st, looks like a mistyped mid-year.
                let key = "\(r.text(gss)) \(y)"
                if !d.hasSuffix("-01") || d.dropFirst(5).hasPrefix("07-"), offDate[key] == nil { offDate[key] = (r.location(date), d) }
                return
            }
            if let sex, !["persons", "all", ""].contains(r.text(sex).lowercased()) {
                guard let which = birthSex(r.text(sex)) else { return }
                let code = try r.required(gss)
                let key = "\(code) \(y) \(which)"
                if let first = seen[key] { throw .duplicateRow(r.location(date), key: "births \(code) mid-\(y) (\(r.text(sex)))", firstLine: first) }
                seen[key] = r.line
                guard let n = try r.count(births) else { return }
                let (lo, hi) = try r.birthsInterval(births: n, lower: lower, upper: upper)
                bySex[code, default: [:]][y, default: [:]][which] = SexRow(
                    births: n, lower: lo, upper: hi, predicted: r.text(type).lowercased() == "predicted", text: r.text(sex), location: r.location(sex))
                return
            }
            let code = try r.required(gss)
            let key = "\(code) \(y)"
            if let first = seen[key] { throw .duplicateRow(r.location(date), key: "births \(code) mid-\(y)", firstLine: first) }
            seen[key] = r.line
            var s = series[code] ?? BirthSeries(key: code)
            s.births[y] = try r.count(births)
            (s.lower[y], s.upper[y]) = try r.birthsInterval(births: s.births[y]!, lower: lower, upper: upper)
            if r.text(type).lowercased() == "predicted" { s.projected.insert(y) }
            series[code] = s
        }
        // A mid-year with male and female rows but no persons row is their sum; one sex alone
        // would be half the births read as all of them, so it is an error.
        var halves: [PlacePlanError] = []
        var summedSeries = 0, summedYears = 0
        for (code, years) in bySex.sorted(by: { $0.key < $1.key }) {
            var summed = 0
            for (y, rows) in years.sorted(by: { $0.key < $1.key }) where series[code]?.births[y] == nil {
                guard let m = rows[.male], let f = rows[.female] else {
                    let only = rows.values.first!
                    let lacks = rows[.male] != nil ? "female" : "male"
                    halves.append(.invalidValue(
                        only.location, value: only.text,
                        expected: "a persons row: \(code) has no \(lacks) or persons row for mid-\(y) (placeplan sums a male and a female row), and one sex alone is half the births"))
                    continue
                }
                var s = series[code] ?? BirthSeries(key: code)
                s.births[y] = m.births + f.births
                if let ml = m.lower, let fl = f.lower, let mu = m.upper, let fu = f.upper {
                    // The sexes' intervals added end to end: as if their errors moved together.
                    s.lower[y] = ml + fl
                    s.upper[y] = mu + fu
                }
                if m.predicted || f.predicted { s.projected.insert(y) }
                series[code] = s
                summed += 1
            }
            if summed > 0 {
                summedSeries += 1
                summedYears += summed
            }
        }
        if summedSeries > 0 {
            notes.append(
                "\((file.path as NSString).lastPathComponent): \(Format.count(Double(summedYears))) mid-year\(summedYears == 1 ? "" : "s") of \(summedSeries) "
                    + "series have no persons row: their male and female rows are summed")
        }
        try PlacePlanError.check(halves)
        if series.isEmpty {
            throw .insufficientHistory(
                "\(file.path): no mid-year births (rows dated YYYY-07-01)\(otherDates > 0 ? "; \(otherDates) rows have other dates" : "")",
                hint: "births feed Reception by mid-year (July to June): give rows dated 1 July of each year")
        }
        var errors: [PlacePlanError] = []
        for (code, s) in series.sorted(by: { $0.key < $1.key }) {
            guard let lo = s.births.keys.min(), let hi = s.births.keys.max() else { continue }
            let missing = (lo...hi).filter { s.births[$0] == nil }
            for y in missing {
                // A row for the year with another date: most likely the mid-year mistyped.
                if let off = offDate["\(code) \(y)"] {
                    errors.append(.invalidValue(
                        off.location, value: off.date,
                        expected: "the mid-year date \(y)-07-01: births for \(code) have no other row for mid-\(y), so the series has a gap"))
                }
            }
            let unexplained = missing.filter { offDate["\(code) \($0)"] == nil }
            if !unexplained.isEmpty {
                errors.append(.insufficientHistory(
                    "\(file.path): births for \(code) have no mid-year row (dated 1 July) for "
                        + unexplained.map(String.init).joined(separator: ", ") + " between \(lo) and \(hi)",
                    hint: "the series must run without gaps: add the rows dated YYYY-07-01"))
            }
        }
        try PlacePlanError.check(errors)
        return series
    }
}

/// Finds and loads whatever data a `--data` directory holds.
public enum DataSource {
    /// placeplan's own format when `areas.csv` is present; otherwise the DfE census and GLA
    /// births files, one area per LA (optionally filtered by `authorities`).
    public static func load(_ directory: String, authorities: [String]? = nil) throws(PlacePlanError) -> DataSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: directory, hint: "--data must name a directory (default: data/)")
        }
        guard isDirectory.boolValue else {
            throw .invalidOption(option: "--data", message: "\(directory) is a file, not a directory", hint: "--data names the folder that holds the data files, e.g. --data data/")
        }
        let own = (directory as NSString).appendingPathComponent(PlacePlanFormat.areasFile)
        var data: DataSet
        if !FileManager.default.fileExists(atPath: own), let files = try DfECensusFormat.files(in: directory) {
            data = try DfECensusFormat.load(pupils: files.pupils, births: files.births, authorities: authorities)
            if authorities != nil {
                // The whole file too, whose authorities the chosen ones' intervals learn from;
                // if it does not load as a whole, they learn from their own errors, and a note
                // says why.
                do {
                    var all = try DfECensusFormat.load(pupils: files.pupils, births: files.births, authorities: nil)
                    all.directory = directory
                    if all.areas.count > data.areas.count { data.calibrationPool = CalibrationPool(all) }
                } catch {
                    data.notes.append("the intervals learn from the chosen authorities' own errors alone: the file's other authorities do not load (\(error.message))")
                }
            }
        } else {
            if authorities != nil {
                throw .invalidOption(
                    option: "--la", message: "applies to the DfE census format only",
                    hint: "drop --la, or point --data at a directory with pupils_by_ncy_la_*.csv and births_la_*.csv")
            }
            data = try PlacePlanFormat.load(directory: directory)
        }
        data.directory = directory
        if let note = data.suppressedCountsNote { data.notes.append(note) }
        return data
    }
}
