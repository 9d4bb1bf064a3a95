/// The forecast in the shape LAs return to the DfE's School Capacity survey (SCAP): per
/// planning area and national curriculum year, pupils for each forecast year (primary five
/// years ahead, secondary seven), with the capacity (places) in that year group.
public enum SCAPExport {
    public static let primaryYears = 5
    public static let secondaryYears = 7

    public static func csv(_ run: ScenarioForecast, column c: Int = 0) -> String {
        let f = run.forecast
        let years = [f.origin] + f.years
        let places = SufficiencyReport.places(schools: run.schools[c], areas: f.areas, years: years)
        var rows: [[String]] = []
        for (a, area) in f.areas.enumerated() {
            for g in area.phase.yearGroups {
                let phase = ReportingPhase(g)
                let ahead = phase == .primary ? primaryYears : secondaryYears
                for h in 1...min(ahead, f.horizon) {
                    let year = f.origin + h
                    rows.append([
                        area.localAuthority, area.id, area.name, phase.rawValue, g.index == 0 ? "R" : "\(g.index)", year.description,
                        "\(year.startYear)\((year.startYear + 1) % 100 < 10 ? "0" : "")\((year.startYear + 1) % 100)",
                        Format.whole(f.pupils(year, area: a, g, column: c)), Format.whole(places[h][g.index][a]),
                    ])
                }
            }
        }
        return csvText(
            header: ["la", "planning_area", "planning_area_name", "phase", "ncy", "academic_year", "time_period", "forecast_pupils", "capacity"],
            rows: rows)
    }
}
