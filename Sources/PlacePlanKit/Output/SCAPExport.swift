import Foundation

/// The forecast in the shape LAs return to the DfE's School Capacity survey (SCAP): per
/// planning area and national curriculum year, pupils for each forecast year (primary five
/// years ahead, secondary seven) with the capacity (places) in that year group, and the
/// specialist (EHCP) placement forecasts by phase. One scenario per return.
///
/// The CSV is long (a row per area, year group and year); the workbook follows the DfE's
/// pupil-forecast template: a row per planning area and NCY, a column per forecast year
/// (docs/scap.md maps each column).
public struct SCAPExport: Sendable {
    public static let primaryYears = 5
    public static let secondaryYears = 7

    public var run: ScenarioForecast
    /// The forecast column exported.
    public var column: Int
    /// The DfE LA number (three digits) and name of the authority.
    public var laNumber: String
    public var laName: String
    /// The SEND forecast of the same run, for the specialist placements (nil: none in the data).
    public var send: SENDForecast?
    /// Why there is no SEND forecast, for the workbook's assumptions.
    public var noSENDReason: String

    public init(
        run: ScenarioForecast, column: Int = 0, laNumber: String, laName: String, send: SENDForecast? = nil,
        noSENDReason: String = "the data has no EHCP files for the authority"
    ) {
        self.run = run
        self.column = column
        self.laNumber = laNumber
        self.laName = laName
        self.send = send
        self.noSENDReason = noSENDReason
    }

    /// The DfE LA number of the data's authority: the `local_authority` of areas.csv when it is
    /// a three-digit number, the area id on the DfE route (one area per LA, its GSS code as
    /// the authority), else `given`; nil when none is known.
    public static func laNumber(_ areas: [PlanningArea], given: String?) -> String? {
        if let given { return given }
        let authorities = Set(areas.map(\.localAuthority))
        guard authorities.count == 1, let la = authorities.first else { return nil }
        if la.count == 3, la.allSatisfy(\.isNumber) { return la }
        if areas.count == 1, areas[0].id.count == 3, areas[0].id.allSatisfy(\.isNumber) { return areas[0].id }
        return nil
    }

    /// NCY as SCAP writes it: R, 1 ... 13.
    static func ncy(_ g: YearGroup) -> String { g.index == 0 ? "R" : "\(g.index)" }
    /// The DfE's time period code: 202627 for 2026/27.
    static func timePeriod(_ y: AcademicYear) -> String { "\(y.startYear)\(String(format: "%02d", (y.startYear + 1) % 100))" }

    var forecast: Forecast { run.forecast }
    func years(_ phase: ReportingPhase) -> [AcademicYear] {
        (1...min(phase == .primary ? Self.primaryYears : Self.secondaryYears, forecast.horizon)).map { forecast.origin + $0 }
    }

    /// Places by year index (0 = origin), year group and area.
    var places: [[[Double]]] { SufficiencyReport.places(schools: run.schools[column], areas: forecast.areas, years: [forecast.origin] + forecast.years) }

    /// The capacity of area a's year group g in year index t: nil (blank, not zero) where the
    /// data has no mainstream school of the area teaching the phase
    /// (``SufficiencyReport/assessed(schools:)``: an LA without published capacity).
    func capacity(_ places: [[[Double]]], _ assessed: Set<String>, year t: Int, _ g: YearGroup, area a: Int) -> Double? {
        assessed.contains("\(forecast.areas[a].id) \(ReportingPhase(g))") ? places[t][g.index][a] : nil
    }

    /// Whether area a's phase is in the return: it has pupils (``Forecast/hasPupils(area:phase:)``)
    /// or places. An all-through LA on the DfE route with no secondary school (the City of
    /// London) returns no secondary rows of zeros.
    func returned(area a: Int, phase: ReportingPhase, _ assessed: Set<String>) -> Bool {
        forecast.hasPupils(area: a, phase: phase) || assessed.contains("\(forecast.areas[a].id) \(phase)")
    }

    public func csv() -> String {
        let places = self.places, assessed = SufficiencyReport.assessed(schools: run.schools[column])
        var rows: [[String]] = []
        for (a, area) in forecast.areas.enumerated() {
            for g in area.phase.yearGroups where returned(area: a, phase: ReportingPhase(g), assessed) {
                let phase = ReportingPhase(g)
                for year in years(phase) {
                    rows.append([
                        laNumber, laName, area.id, area.name, phase.rawValue, Self.ncy(g), year.description, Self.timePeriod(year),
                        Format.whole(forecast.pupils(year, area: a, g, column: column)),
                        capacity(places, assessed, year: year - forecast.origin, g, area: a).map(Format.whole) ?? "",
                    ])
                }
            }
        }
        return csvText(
            header: ["la_number", "la_name", "planning_area_code", "planning_area_name", "phase", "ncy", "academic_year", "time_period", "forecast_pupils", "capacity"],
            rows: rows)
    }

    /// The specialist placements SCAP asks for, by phase, provision and year: EHCP pupils
    /// forecast in resourced provision (ARP), in-borough special schools, independent and
    /// non-maintained special schools, and other LAs' schools.
    public static let provisions: [(ReportedPlacement, String)] = [
        (.arp, "SEN unit or resourced provision in mainstream"), (.specialInBorough, "State-funded special school (in the LA)"),
        (.independent, "Independent or non-maintained special school"), (.outOfBorough, "State-funded special school in another LA"),
    ]

    public func specialistCSV() -> String {
        csvText(
            header: ["la_number", "la_name", "phase", "provision", "academic_year", "time_period", "ehcp_pupils"],
            rows: specialist().map { [laNumber, laName, $0.phase.rawValue, $0.provision, $0.year.description, Self.timePeriod($0.year), Format.whole($0.pupils)] })
    }

    struct SpecialistLine { var phase: ReportingPhase; var provision: String; var year: AcademicYear; var pupils: Double }

    func specialist() -> [SpecialistLine] {
        guard let send else { return [] }
        let label = send.columns.indices.contains(column) ? send.columns[column] : send.columns.first
        var out: [SpecialistLine] = []
        for phase in ReportingPhase.allCases {
            for (placement, name) in Self.provisions {
                for year in years(.secondary) {
                    // Years before the SEND forecast's own origin (its EHCP files can end
                    // later or earlier than the census) are left out, not shown as zero.
                    let rows = send.rows.filter { $0.scenario == label && $0.phase == phase && $0.year == year }
                    guard !rows.isEmpty else { continue }
                    let pupils = rows.reduce(0) { $0 + ($1.byPlacement[placement.rawValue] ?? 0) }
                    out.append(SpecialistLine(phase: phase, provision: name, year: year, pupils: pupils))
                }
            }
        }
        return out
    }

    /// Sheets: Pupil forecasts and Capacity (a row per planning area and NCY, a column per
    /// year), Specialist placements, Column mapping, Assumptions.
    public func spreadsheet(dataLabel: String) -> Spreadsheet {
        typealias C = Spreadsheet.Column
        let all = years(.secondary), places = self.places, assessed = SufficiencyReport.assessed(schools: run.schools[column])
        let fixed = [C("LA number"), C("LA name"), C("Planning area code"), C("Planning area name"), C("Phase"), C("NCY")]
        var pupils = Spreadsheet.Sheet("Pupil forecasts", columns: fixed + all.map { C("\($0) (\(Self.timePeriod($0)))", .count) })
        var capacity = Spreadsheet.Sheet("Capacity", columns: pupils.columns)
        for (a, area) in forecast.areas.enumerated() {
            for g in area.phase.yearGroups where returned(area: a, phase: ReportingPhase(g), assessed) {
                let phase = ReportingPhase(g), shown = Set(years(phase))
                let lead: [Spreadsheet.Cell] = [.text(laNumber), .text(laName), .text(area.id), .text(area.name), .text(phase.rawValue), .text(Self.ncy(g))]
                pupils.rows.append(lead + all.map { shown.contains($0) ? .number(forecast.pupils($0, area: a, g, column: column).rounded()) : .empty })
                capacity.rows.append(lead + all.map { y in
                    guard shown.contains(y), let c = self.capacity(places, assessed, year: y - forecast.origin, g, area: a) else { return .empty }
                    return .number(c)
                })
            }
        }
        var special = Spreadsheet.Sheet("Specialist placements", columns: [C("LA number"), C("Phase"), C("Provision")] + all.map { C("\($0) (\(Self.timePeriod($0)))", .count) })
        let lines = specialist()
        for phase in ReportingPhase.allCases {
            for (_, name) in Self.provisions {
                special.rows.append([.text(laNumber), .text(phase.rawValue), .text(name)] + all.map { y in
                    lines.first { $0.phase == phase && $0.provision == name && $0.year == y }.map { .number($0.pupils.rounded()) } ?? .empty
                })
            }
        }
        let mapping = Spreadsheet.Sheet("Column mapping", columns: [C("Sheet"), C("Column"), C("SCAP template"), C("From")], rows: Self.mapping.map { $0.map { .text($0) } })
        var assumptions = ScenarioHeader.assumptionLines(run, dataLabel: dataLabel)
        assumptions.insert(("Scenario exported", forecast.columns[column]), at: 0)
        if send == nil { assumptions.append(("Specialist placements", "not forecast: \(noSENDReason)")) }
        return Spreadsheet(title: "SCAP pupil forecasts \(laNumber) \(laName) from the \(forecast.origin) census", sheets: [
            pupils, capacity, special, mapping, Spreadsheet.assumptions(assumptions),
        ])
    }

    /// How each column maps to the DfE's SCAP pupil-forecast template (docs/scap.md).
    static let mapping: [[String]] = [
        ["Pupil forecasts", "LA number", "LA (3-digit DfE number)", "areas.csv local_authority, --la-number, or the DfE route's LA"],
        ["Pupil forecasts", "Planning area code", "Planning area number", "areas.csv id"],
        ["Pupil forecasts", "Planning area name", "Planning area name", "areas.csv name"],
        ["Pupil forecasts", "Phase", "Primary / secondary planning area", "the year group: R-Y6 primary, Y7-Y13 secondary"],
        ["Pupil forecasts", "NCY", "National curriculum year (R, 1-13)", "the year group"],
        ["Pupil forecasts", "YYYY/YY (YYYYYY)", "Forecast pupils for the academic year (primary 5 years, secondary 7)", "the cohort-flow forecast, whole pupils"],
        ["Capacity", "YYYY/YY (YYYYYY)", "Places in the year group that year", "schools.csv PAN by cohort, bulges, expansions and new schools of the scenario"],
        ["Specialist placements", "Provision", "EHCP pupils by type of specialist provision", "the SEND model's placements (send command), by phase"],
    ]
}
