import Foundation

/// The DfE's age bands for EHC plans (SEN2).
public enum AgeBand: String, Sendable, CaseIterable, Codable {
    case under5 = "Under 5", age5to10 = "Age 5 to 10", age11to15 = "Age 11 to 15", age16to19 = "Age 16 to 19", age20to25 = "Age 20 to 25"

    /// The national curriculum years the band covers (age at 31 August = NCY + 4): the
    /// under-5s are counted at Reception, 16-19 at Years 12 and 13; 20-25 is not modelled.
    public var yearGroups: [YearGroup] {
        switch self {
        case .under5: [.reception]
        case .age5to10: (1...6).map(YearGroup.init)
        case .age11to15: (7...11).map(YearGroup.init)
        case .age16to19: [YearGroup(12), YearGroup(13)]
        case .age20to25: []
        }
    }

    public init(_ g: YearGroup) {
        switch g.index {
        case 0: self = .under5
        case 1...6: self = .age5to10
        case 7...11: self = .age11to15
        default: self = .age16to19
        }
    }
}

/// Where a child with an EHCP is placed, as the SEND model's demand: the kind of place they
/// need. Specialist demand (ARP and special) is met in borough up to the places there are.
public enum DemandPlacement: Int, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// Mainstream school or college without additional resourced provision.
    case mainstream
    /// Additional resource provision, resourced provision or SEN unit at a mainstream school.
    case arp
    /// A special school place (maintained, academy, independent or non-maintained).
    case special
    /// Alternative provision, pupil referral units and other arrangements.
    case apOther

    public var description: String {
        switch self {
        case .mainstream: "mainstream"
        case .arp: "ARP"
        case .special: "special"
        case .apOther: "AP/other"
        }
    }

    /// The placement from its name here (mainstream, ARP, special, AP/other, or `ap_other`),
    /// or as case-management systems and the DfE write it: "Mainstream school", "Resourced
    /// provision" or "SEN unit", "Special school" (maintained or independent), "Alternative
    /// provision" or "Pupil referral unit". Nil for anything else, never a guess.
    public init?(parsing text: String) {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let p = Self.allCases.first(where: { $0.description.lowercased() == s }) {
            self = p
        } else if ["ap_other", "ap", "other"].contains(s) {
            self = .apOther
        } else if s.contains("resourced provision") || s.contains("sen unit") {
            self = .arp
        } else if s.hasPrefix("mainstream") {
            self = .mainstream
        } else if s.hasPrefix("special ") || s.hasPrefix("special -") || s.contains("special school") {
            self = .special
        } else if s.hasPrefix("alternative provision") || s.hasPrefix("pupil referral unit") {
            self = .apOther
        } else {
            return nil
        }
    }
}

/// A local authority's EHC plan history as the DfE publishes it (SEN2 releases): read from
/// `ehcp_by_age_band_*.csv`, `ehcp_new_plans_by_age_band_*.csv`,
/// `ehcp_caseload_by_placement_*.csv` and `ehcp_primary_need_*.csv`.
///
/// Years are the January of the count: 2025 is January 2025, academic year 2024/25.
public struct EHCPHistory: Sendable {
    public var authority: String
    /// Plans (statements and EHC plans) in January of each year, by age band.
    public var plansByBand: [Int: [AgeBand: Double]]
    /// New plans made in each calendar year, by age band.
    public var newPlansByBand: [Int: [AgeBand: Double]]
    /// Plans by single age (4 to 17 = Reception to Year 13) and demand placement, for the
    /// Januaries that publish single ages.
    public var plansByAge: [Int: [Int: [DemandPlacement: Double]]]
    /// Of the special-school plans by age, those in independent or non-maintained schools
    /// (and specialist post-16 institutions): year -> age -> count.
    public var independentByAge: [Int: [Int: Double]]
    /// Plans by single age and primary need, for the latest January with needs.
    public var needByAge: [Int: [PrimaryNeed: Double]]
    /// Plans by primary need and demand placement (all ages), for the same January.
    public var needByPlacement: [PrimaryNeed: [DemandPlacement: Double]]
    /// The January the need data is for.
    public var needYear: Int?
    /// The files read.
    public var files: [String]
    /// Plans and new plans by age band of the LAs this one was made from in a
    /// reorganisation (the `predecessors` given to ``load(directory:authority:predecessors:)``),
    /// by LA number: their balance stands in for cessation where the authority's own files
    /// are too short to give one (North Northamptonshire from Northamptonshire's).
    public var predecessorBands: [String: (plans: [Int: [AgeBand: Double]], newPlans: [Int: [AgeBand: Double]])] = [:]
    /// Plans of ages 5 to 15 (Years 1-11), all placements, in the Januaries the caseload
    /// file publishes single ages for: the SEND backtest's outcomes after the age-band file ends.
    public var plansYear1to11: [Int: Double] = [:]

    /// The latest January with plans by single age: the SEND model's starting point.
    public var latestByAge: Int? { plansByAge.keys.max() }

    /// Plans of ages 5-15 by January from the caseload file's single-age rows (the
    /// `ehcplans` column), for the rows `matching` accepts, keyed by `key` ("" without one).
    /// A January missing an age has no total.
    static func plansYear1to11(
        _ p: CSVFile, matching: (CSVRecord) -> Bool, key: ((CSVRecord) -> String)? = nil
    ) throws(PlacePlanError) -> [String: [Int: Double]] {
        guard let plans = p.columnNumber(["ehcplans"]) else { return [:] }
        let period = try p.require("time_period"), topic = try p.require("breakdown_topic"), breakdown = try p.require("breakdown")
        var out: [String: [Int: Double]] = [:]
        var seen: Set<String> = []
        var ages: [String: [Int: Int]] = [:]
        try forEachRecord(p) { r throws(PlacePlanError) in
            guard matching(r), r.text(topic) == "Child or young persons age" else { return }
            let label = r.text(breakdown)
            guard label.hasPrefix("age "), let age = Int(label.dropFirst(4)), (5...15).contains(age), r.text(period).count == 6,
                let start = Int(r.text(period).prefix(4)), let v = try r.count(plans, allowMissing: true)
            else { return }
            let k = key?(r) ?? ""
            // DfE files repeat a few rows: the first is used.
            guard seen.insert("\(k)|\(start)|\(age)").inserted else { return }
            out[k, default: [:]][start + 1, default: 0] += v
            ages[k, default: [:]][start + 1, default: 0] += 1
        }
        // A January with an age missing (suppressed or absent) has no Y1-Y11 total.
        for (k, years) in ages { for (y, n) in years where n < 11 { out[k]?[y] = nil } }
        return out
    }

    /// The DfE EHCP files an EHCP history needs, by key and the prefix of their names.
    static let filePrefixes = [
        ("bands", "ehcp_by_age_band"), ("new", "ehcp_new_plans_by_age_band"), ("placement", "ehcp_caseload_by_placement"), ("need", "ehcp_primary_need"),
    ]

    /// The files that an EHCP history needs, found by name in a directory (or in `send/`
    /// below it).
    public static func files(in directory: String) throws(PlacePlanError) -> [String: String]? {
        let fm = FileManager.default
        for dir in [directory, (directory as NSString).appendingPathComponent("send")] {
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            var found: [String: String] = [:]
            for (key, prefix) in filePrefixes {
                if let path = try onlyFile(in: dir, names: names, prefix: prefix) { found[key] = path }
            }
            if found.count == 4 { return found }
        }
        return nil
    }

    /// Reads the EHCP files for one authority, named by its DfE number, GSS code or name.
    public static func load(directory: String, authority: String, predecessors: [String] = []) throws(PlacePlanError) -> EHCPHistory {
        guard let files = try files(in: directory) else {
            // Name the files that are missing where some are present.
            let prefixes = filePrefixes.map(\.1)
            for dir in [directory, (directory as NSString).appendingPathComponent("send")] {
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
                let missing = prefixes.filter { p in !names.contains { $0.hasPrefix(p) && $0.hasSuffix(".csv") } }
                if missing.count < prefixes.count {
                    throw .fileNotFound(
                        path: (dir as NSString).appendingPathComponent(missing.map { "\($0)_*.csv" }.joined(separator: ", ")),
                        hint: "the SEND model needs all four DfE EHCP files in \(dir); \(missing.count == 1 ? "this one is" : "these are") missing")
                }
            }
            throw .fileNotFound(
                path: (directory as NSString).appendingPathComponent("send"),
                hint: "the SEND model needs the DfE EHCP files (ehcp_by_age_band_*.csv, ehcp_new_plans_by_age_band_*.csv, "
                    + "ehcp_caseload_by_placement_*.csv, ehcp_primary_need_*.csv) in the data directory or its send/ folder")
        }
        let key = authority.lowercased()
        func matches(_ r: CSVRecord, _ f: CSVFile) -> Bool {
            guard r.text(f.columnNumber(["geographic_level"])).lowercased().hasPrefix("local") else { return false }
            return [f.columnNumber(["old_la_code"]), f.columnNumber(["new_la_code"]), f.columnNumber(["la_name"])].contains { r.text($0).lowercased() == key }
        }
        var history = EHCPHistory(
            authority: authority, plansByBand: [:], newPlansByBand: [:], plansByAge: [:], independentByAge: [:], needByAge: [:],
            needByPlacement: [:], needYear: nil, files: Array(files.values).sorted())
        var name: String?

        // Plans and new plans by age band.
        for (fileKey, column) in [("bands", "total_all"), ("new", "total_new_all")] {
            let f = try CSVFile(path: files[fileKey]!)
            // A header with no rows would leave the rates to defaults without a word.
            guard f.rowCount > 0 else {
                throw .insufficientHistory(
                    "\(f.path): has a header and no rows", hint: "use the DfE file as downloaded (it has a row per year, LA and age band), or remove it")
            }
            let year = try f.require("time_period")
            let band = try f.require("characteristic_age")
            let value = try f.require(column)
            let code = f.columnNumber(["old_la_code"])
            try forEachRecord(f) { r throws(PlacePlanError) in
                if !predecessors.isEmpty, predecessors.contains(r.text(code)), r.text(f.columnNumber(["geographic_level"])).lowercased().hasPrefix("local"),
                    let b = AgeBand(rawValue: r.text(band)), let v = try r.count(value, allowMissing: true)
                {
                    let y = try r.integer(year), la = r.text(code)
                    var bands = history.predecessorBands[la] ?? (plans: [:], newPlans: [:])
                    if fileKey == "bands" {
                        if bands.plans[y]?[b] == nil { bands.plans[y, default: [:]][b] = v }
                    } else if bands.newPlans[y]?[b] == nil {
                        bands.newPlans[y, default: [:]][b] = v
                    }
                    history.predecessorBands[la] = bands
                    return
                }
                guard matches(r, f), let b = AgeBand(rawValue: r.text(band)) else { return }
                name = name ?? r.text(f.columnNumber(["la_name"]))
                let y = try r.integer(year)
                guard let v = try r.count(value, allowMissing: true) else { return }
                if fileKey == "bands" {
                    if history.plansByBand[y]?[b] == nil { history.plansByBand[y, default: [:]][b] = v }
                } else if history.newPlansByBand[y]?[b] == nil {
                    history.newPlansByBand[y, default: [:]][b] = v  // DfE files repeat a few rows: the first is used
                }
            }
        }

        // Placement by single age.
        let p = try CSVFile(path: files["placement"]!)
        let period = try p.require("time_period")
        let topic = try p.require("breakdown_topic")
        let breakdown = try p.require("breakdown")
        let groups: [DemandPlacement: [String]] = [
            .mainstream: [
                "mainstream_la_maintained", "mainstream_academy", "mainstream_free_school", "mainstream_independent",
                "general_fe_tertiary_colleges", "ukrlp_provider",
            ],
            .arp: [
                "mainstream_la_maintained_resourced_provision", "mainstream_la_maintained_senunit", "mainstream_academy_resourced_provision",
                "mainstream_academy_senunit", "mainstream_free_school_resourced_provision", "mainstream_free_school_senunit",
            ],
            .special: ["special_la_maintained", "special_academy_free", "special_independent", "special_non_maintained", "specialist_post_16_institutions"],
            .apOther: ["ap_pru_total", "ed_elsewhere", "nm_early_years", "placement_unknown"],
        ]
        let independentColumns = ["special_independent", "special_non_maintained", "specialist_post_16_institutions"].compactMap { p.columnNumber([$0]) }
        let columns = groups.mapValues { $0.compactMap { p.columnNumber([$0]) } }
        try forEachRecord(p) { r throws(PlacePlanError) in
            guard matches(r, p), r.text(topic) == "Child or young persons age" else { return }
            let label = r.text(breakdown)
            guard label.hasPrefix("age "), let age = Int(label.dropFirst(4)), (4...17).contains(age), r.text(period).count == 6,
                let start = Int(r.text(period).prefix(4))
            else { return }
            let january = start + 1
            for (placement, cols) in columns {
                var total = 0.0
                for c in cols { total += try r.count(c, allowMissing: true) ?? 0 }
                history.plansByAge[january, default: [:]][age, default: [:]][placement] = total
            }
            var independent = 0.0
            for c in independentColumns { independent += try r.count(c, allowMissing: true) ?? 0 }
            history.independentByAge[january, default: [:]][age] = independent
        }
        history.plansYear1to11 = try plansYear1to11(p, matching: { matches($0, p) })[""] ?? [:]

        // Primary need by age and by placement.
        let n = try CSVFile(path: files["need"]!)
        let nPeriod = try n.require("time_period")
        let nTopic = try n.require("breakdown_topic")
        let nBreakdown = try n.require("breakdown")
        let needColumns = PrimaryNeed.allCases.map { (need: $0, column: n.columnNumber(["number_\($0.rawValue.lowercased())"])) }
        // The DfE's labels ("Mainstream - academy (SEN unit)", "Special - independent") read as
        // an authority's own file does; further education by kind of college, and everything
        // else (AP/PRU, educated elsewhere, not recorded) as AP/other.
        func placement(of label: String) -> DemandPlacement? {
            if label.hasSuffix("- total") || label == "All EHC plans" { return nil }
            if label == "FE - general FE and tertiary colleges" || label == "FE - UKRLP provider" { return .mainstream }
            if label == "FE - specialist post-16 institutions" { return .special }
            return DemandPlacement(parsing: label) ?? .apOther
        }
        try forEachRecord(n) { r throws(PlacePlanError) in
            guard matches(r, n), r.text(nPeriod).count == 6, let start = Int(r.text(nPeriod).prefix(4)) else { return }
            let january = start + 1
            if let y = history.needYear, y != january {
                if january < y { return }
                history.needByAge = [:]
                history.needByPlacement = [:]
            }
            history.needYear = january
            let label = r.text(nBreakdown)
            var counts: [PrimaryNeed: Double] = [:]
            for (need, column) in needColumns {
                guard let column else { continue }
                counts[need] = try r.count(column, allowMissing: true) ?? 0
            }
            switch r.text(nTopic) {
            case "Child or young persons age":
                guard label.hasPrefix("age "), let age = Int(label.dropFirst(4)), (4...17).contains(age) else { return }
                history.needByAge[age] = counts
            case "Type of placement":
                guard let p = placement(of: label) else { return }
                for (need, v) in counts { history.needByPlacement[need, default: [:]][p, default: 0] += v }
            default:
                return
            }
        }
        guard let name else {
            // The authority is one the census has (or the areas' local_authority): the EHCP
            // files lack it, a gap in the data that commands able to go on without SEND skip.
            throw .insufficientHistory(
                "the EHCP files have no rows for \(authority) (\((files["bands"]! as NSString).lastPathComponent))",
                hint: "add the authority's rows from the DfE EHCP releases (they cover every LA), or name it as they do: its DfE number, GSS code or name")
        }
        history.authority = name
        guard history.latestByAge != nil, !history.needByAge.isEmpty, !history.needByPlacement.isEmpty else {
            throw .insufficientHistory(
                "\(name): the EHCP files have no plans by single age, placement and need",
                hint: "the SEND model starts from plans by age and placement (ehcp_caseload_by_placement) and need (ehcp_primary_need)")
        }
        return history
    }
}
