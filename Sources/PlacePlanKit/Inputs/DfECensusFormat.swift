import Foundation

/// Reads the public London files directly: the DfE January census headcount by LA and NCY
/// (`pupils_by_ncy_la_*.csv`, as assembled by GLA analysts) and the GLA modelled births
/// (`births_la_*.csv`). Each local authority becomes one all-through planning area, so that
/// real data is one `--data` flag away.
public enum DfECensusFormat {
    /// Whether a directory holds the DfE/GLA files rather than placeplan's own.
    public static func files(in directory: String) -> (pupils: String, births: String)? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        guard let pupils = names.sorted().first(where: { $0.hasPrefix("pupils_by_ncy_la") && $0.hasSuffix(".csv") }),
            let births = names.sorted().first(where: { $0.hasPrefix("births_la") && $0.hasSuffix(".csv") })
        else { return nil }
        let dir = directory as NSString
        return (dir.appendingPathComponent(pupils), dir.appendingPathComponent(births))
    }

    /// Loads the census and births files.
    /// - Parameter authorities: old LA codes (302), GSS codes (E09000003) or names (Barnet)
    ///   to keep; nil keeps every authority with both pupils and births.
    public static func load(pupils pupilsPath: String, births birthsPath: String, authorities: [String]? = nil)
        throws(PlacePlanError) -> DataSet
    {
        let pupils = try CSVFile(path: pupilsPath)
        let period = try pupils.require("time_period")
        let oldCode = try pupils.require("old_la_code")
        let gss = try pupils.require("new_la_code")
        let name = try pupils.require("la_name")
        let ncy = try pupils.require("nc_year")
        let headcount = try pupils.require("headcount")
        let wanted = authorities.map { Set($0.map { $0.lowercased() }) }

        struct Cell { var year: AcademicYear; var la: String; var group: YearGroup; var pupils: Double?; var source: SourceLocation }
        var areas: [String: PlanningArea] = [:]
        var cells: [Cell] = []
        var seen: [String: Int] = [:]
        var matched = Set<String>()
        try forEachRecord(pupils) { r throws(PlacePlanError) in
            let code = try r.required(oldCode)
            let keys = [code, r.text(gss), r.text(name)].map { $0.lowercased() }
            if let wanted {
                let hits = keys.filter { wanted.contains($0) }
                guard !hits.isEmpty else { return }
                matched.formUnion(hits)
            }
            let groupText = r.text(ncy)
            if groupText.lowercased().hasPrefix("year_group_"), let n = Int(groupText.dropFirst("year_group_".count)), n > 13 {
                return  // Year 14 is negligible and not modelled.
            }
            let group = try r.yearGroup(ncy)
            let year = try r.academicYear(period)
            let key = "LA \(code), \(year), \(group)"
            if let first = seen[key] { throw .duplicateRow(r.location(period), key: key, firstLine: first) }
            seen[key] = r.line
            if areas[code] == nil {
                areas[code] = PlanningArea(id: code, name: r.text(name), phase: .allThrough, localAuthority: try r.required(gss))
            }
            cells.append(Cell(year: year, la: code, group: group, pupils: try r.count(headcount, allowMissing: true), source: r.location(headcount)))
        }
        if let wanted, !wanted.subtracting(matched).isEmpty {
            let unknown = wanted.subtracting(matched).sorted()
            throw .invalidOption(
                option: "--la", message: "no authority matches \(unknown.joined(separator: ", ")) in \(pupilsPath)",
                hint: "use an LA number (302), a GSS code (E09000003) or a name (Barnet)")
        }

        let births = try readBirths(try CSVFile(path: birthsPath))
        let orderedAreas = areas.values.filter { births[$0.localAuthority] != nil }.sorted { $0.id < $1.id }
        guard !orderedAreas.isEmpty, let first = cells.map(\.year).min(), let last = cells.map(\.year).max() else {
            throw .insufficientHistory("\(pupilsPath): no authority with both pupils and births", hint: "check the --la selection and the births file")
        }
        let index = Dictionary(orderedAreas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let years = (first.startYear...last.startYear).map(AcademicYear.init)
        var rolls = RollHistory(areaIDs: orderedAreas.map(\.id), years: years)
        var present = Set<Int>()
        for c in cells {
            guard let a = index[c.la] else { continue }
            rolls.set(yearIndex: c.year - first, area: a, c.group, c.pupils, source: c.source)
            present.insert(rolls.offset(c.year - first, a, c.group))
        }
        var errors: [PlacePlanError] = []
        for (a, area) in orderedAreas.enumerated() {
            let gaps = years.indices.filter { y in YearGroup.all.contains { !present.contains(rolls.offset(y, a, $0)) } }
            if !gaps.isEmpty {
                errors.append(.missingYears(file: pupilsPath, series: "LA \(area.id) (\(area.name))", missing: gaps.map { years[$0] }))
            }
        }
        try PlacePlanError.check(errors)
        let relevant = Set(orderedAreas.map(\.localAuthority))
        return DataSet(
            label: "DfE census and GLA births (\(orderedAreas.count) LA\(orderedAreas.count == 1 ? "" : "s"))",
            areas: orderedAreas, schools: [], rolls: rolls, births: births.filter { relevant.contains($0.key) },
            sourceFiles: [pupilsPath, birthsPath])
    }

    /// GLA births: mid-year rows (dated YYYY-07-01) for local authority geographies.
    static func readBirths(_ file: CSVFile) throws(PlacePlanError) -> [String: BirthSeries] {
        let gss = try file.require("gss_code")
        let date = try file.require("date")
        let type = try file.require("type")
        let births = try file.require("annual_births")
        let lower = file.columnNumber(["interval_lower"])
        let upper = file.columnNumber(["interval_upper"])
        let sex = file.columnNumber(["sex"])
        var series: [String: BirthSeries] = [:]
        var seen: [String: Int] = [:]
        try forEachRecord(file) { r throws(PlacePlanError) in
            let d = r.text(date)
            guard d.count == 10, d.hasSuffix("-07-01"), let y = Int(d.prefix(4)) else { return }
            if let sex, !["persons", "all", ""].contains(r.text(sex).lowercased()) { return }
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
        return series
    }
}

/// Finds and loads whatever data a `--data` directory holds.
public enum DataSource {
    /// placeplan's own format when `areas.csv` is present; otherwise the DfE census and GLA
    /// births files, one area per LA (optionally filtered by `authorities`).
    public static func load(_ directory: String, authorities: [String]? = nil) throws(PlacePlanError) -> DataSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .fileNotFound(path: directory, hint: "--data must name a directory (default: data/)")
        }
        let own = (directory as NSString).appendingPathComponent(PlacePlanFormat.areasFile)
        if !FileManager.default.fileExists(atPath: own), let files = DfECensusFormat.files(in: directory) {
            return try DfECensusFormat.load(pupils: files.pupils, births: files.births, authorities: authorities)
        }
        if authorities != nil {
            throw .invalidOption(
                option: "--la", message: "applies to the DfE census format only",
                hint: "drop --la, or point --data at a directory with pupils_by_ncy_la_*.csv and births_la_*.csv")
        }
        return try PlacePlanFormat.load(directory: directory)
    }
}
