import Foundation
import Testing

@testable import PlacePlanKit

/// The SEND forecast by planning area of residence.
@Suite struct SENDByAreaTests {
    /// The demo's SEND forecast with its data as given, or without its caseload file by area.
    func demo(caseload: Bool = true, schools: (inout [School]) -> Void = { _ in }, scenarios: [String] = []) throws -> SENDForecast {
        var data = try DataSource.load(demoDirectory)
        if !caseload { data.directory = nil }
        schools(&data.schools)
        let scratch = try TemporaryData(files: [:])
        let loaded = try scenarios.enumerated().map { try ScenarioFile.load(try scratch.scenario("s\($0.offset).yaml", $0.element)) }
        let run = try ScenarioRunner.run(data, scenarios: [.baseline] + loaded, overrides: AssumptionOverrides(horizon: 6))
        let history = try EHCPHistory.load(directory: demoDirectory, authority: "DEMO")
        return try SENDRunner.run(history: history, data: data, run: run)
    }

    /// The areas add up to the authority: EHCP pupils and specialist demand for every
    /// scenario, year, need and phase, shared out or from the file; and each area's demand
    /// is met here, elsewhere in the borough, or outside it, nothing lost or made.
    @Test(arguments: [true, false]) func areasAddUpToTheAuthority(caseload: Bool) throws {
        let send = try demo(caseload: caseload, scenarios: [homesScenario(completions: "{2027: 400}")])
        #expect(send.areaSource.contains(caseload ? "ehcp_caseload_by_area.csv (its January 2026 plans" : "shared out over the areas by their pupils"))
        #expect(Set(send.areaRows.map(\.area)).count == 15)
        let byKey = Dictionary(grouping: send.areaRows) { "\($0.scenario)|\($0.year)|\($0.need)|\($0.phase)" }
        for r in send.rows {
            let areas = try #require(byKey["\(r.scenario)|\(r.year)|\(r.need)|\(r.phase)"])
            #expect(abs(areas.reduce(0) { $0 + $1.pupils } - r.pupils) < 1e-6 * max(1, r.pupils))
            #expect(abs(areas.reduce(0) { $0 + $1.demand } - r.demand) < 1e-6 * max(1, r.demand))
        }
        for a in send.areaRows {
            let placed = a.metInArea + a.metElsewhereInBorough + a.independent + a.outOfBorough
            #expect(abs(placed - a.demand) < 1e-9 * max(1, a.demand) && a.metInArea <= a.demand + 1e-9 && a.metElsewhereInBorough >= 0)
            #expect(abs(a.travellingOut - (a.demand - a.metInArea)) < 1e-12)
        }
        // In-borough places are never used beyond what the schools have.
        for year in send.years {
            let rows = send.areaRows.filter { $0.year == year && $0.scenario == "baseline" }
            let la = send.rows.filter { $0.year == year && $0.scenario == "baseline" }
            #expect(rows.reduce(0) { $0 + $1.metInArea + $1.metElsewhereInBorough } <= la.reduce(0) { $0 + $1.places } + 1e-6)
        }
    }

    /// The file's prevalence moves demand where the children are: the demo's file holds more
    /// autism in the south-west (S3), so S3's share of secondary ASD demand rises above its
    /// share when plans follow pupils alone.
    /// Each area's plans flow through the years as a cohort: with blocks that keep every plan
    /// (no cessation, no change of placement), ten Year 3 ASD plans of a primary area are
    /// its ten Year 4 plans a year later and, from Year 6, Year 7 plans of the secondary area
    /// its pupils transfer to; new plans join the areas by their pupils; and the areas add
    /// up to the authority every year.
    @Test func areaPlansMoveUpWithTheirCohort() {
        let G = YearGroup.count, K = SENDCalibration.cells
        var identity = [Double](repeating: 0, count: K * K)
        for k in 0..<K { identity[k + k * K] = 1 }
        let blocks = [[Double]](repeating: identity, count: 13)
        let asd = SENDCalibration.cell(SENDCalibration.needs.firstIndex(of: .asd)!, .mainstream)
        let years = (2025...2029).map(AcademicYear.init)
        // The authority: ten plans in Year 3 of 2025/26 moving up, and two new Reception plans a year.
        let flows = years.indices.map { t -> SENDState in
            var s = SENDState(columns: 1)
            s[3 + t, asd, 0] = 10
            for r in 0..<t { s[r, asd, 0] += 2 }
            return s
        }
        // Areas: 0 and 1 primary with equal pupils, 2 secondary; area 0's pupils go to area 2.
        let phases: [Phase] = [.primary, .primary, .secondary]
        let pupils: (AcademicYear) -> [[Double]] = { _ in (0..<G).map { g in g <= 6 ? [100, 100, 0] : [0, 0, 100] } }
        let m = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 1, count: SENDCalibration.needs.count), count: 2), count: 3)
        var cells = [[Double]](repeating: [Double](repeating: 0, count: G * K), count: 3)
        cells[0][3 * K + asd] = 7  // the file puts the Year 3 plans in area 0
        let out = SENDByArea.flows(
            flows: flows, blocks: blocks, years: years, column: 0, phases: phases, multipliers: m, transfers: [0: [(2, 1.0)]],
            start: (0, cells), pupils: pupils)
        #expect(out[0][3, asd, 0] == 10 && out[0][3, asd, 1] == 0)
        #expect(out[1][4, asd, 0] == 10 && out[1][4, asd, 1] == 0)
        #expect(abs(out[1][0, asd, 0] - 1) < 1e-12 && abs(out[1][0, asd, 1] - 1) < 1e-12)
        #expect(out[3][6, asd, 0] == 10 && out[4][7, asd, 2] == 10 && out[4][7, asd, 0] == 0)
        for t in years.indices {
            for g in 0..<G {
                let sum = (0..<3).reduce(0.0) { $0 + out[t][g, asd, $1] }
                #expect(abs(sum - flows[t][g, asd, 0]) < 1e-9, "year \(t), year group \(g)")
            }
        }
    }

    @Test func caseloadFileMovesDemandToItsAreas() throws {
        func share(_ send: SENDForecast) -> Double {
            let rows = send.areaRows.filter { $0.year == send.years[0] && $0.need == .asd && $0.phase == .secondary }
            return rows.filter { $0.area == "S3" }.reduce(0) { $0 + $1.demand } / rows.reduce(0) { $0 + $1.demand }
        }
        let file = try demo(), pupils = try demo(caseload: false)
        #expect(share(file) > 1.2 * share(pupils), "\(share(file)) vs \(share(pupils))")
    }

    /// New homes in an area bring that area's EHCPs: 400 homes in P10 / S3 raise P10's and
    /// S3's EHCP pupils against the baseline by more than any other area's.
    @Test func housingBringsTheAreasEHCPs() throws {
        let send = try demo(caseload: false, scenarios: [homesScenario(completions: "{2026: 400, 2027: 400}")])
        let year = send.years.last!
        func pupils(_ scenario: String, _ area: String) -> Double {
            send.areaRows.filter { $0.scenario == scenario && $0.year == year && $0.area == area }.reduce(0) { $0 + $1.pupils }
        }
        let gains = Dictionary(uniqueKeysWithValues: Set(send.areaRows.map(\.area)).map { ($0, pupils("homes", $0) - pupils("baseline", $0)) })
        #expect(gains["P10"]! > 1 && gains["S3"]! > 1)
        let others = gains.filter { !["P10", "S3"].contains($0.key) }.values
        #expect(others.allSatisfy { $0 < min(gains["P10"]!, gains["S3"]!) }, "\(gains)")
    }

    /// A locality school's places serve its locality only: Oak Meadow (in P02) given the
    /// locality P01 meets P01's demand in P01, and none of P02's children.
    @Test func localitySchoolServesItsLocality() throws {
        let open = try demo(caseload: false)
        let local = try demo(caseload: false) { schools in
            schools[schools.firstIndex { $0.id == "SP1" }!].locality = ["P01"]
        }
        func met(_ send: SENDForecast, _ area: String, _ k: KeyPath<SENDAreaRow, Double>) -> Double {
            send.areaRows.filter { $0.scenario == "baseline" && $0.year == send.years[1] && $0.area == area && $0.phase == .primary && $0.need == .asd }
                .reduce(0) { $0 + $1[keyPath: k] }
        }
        #expect(met(open, "P01", \.metInArea) == 0 && met(open, "P02", \.metInArea) > 1)
        #expect(met(local, "P01", \.metInArea) > 1 && met(local, "P02", \.metInArea) == 0)
        #expect(met(local, "P01", \.placesInArea) > 1 && met(local, "P02", \.placesInArea) == 0)
    }

    /// A bad caseload file is an error naming the file, line and column, not a silent split.
    @Test(arguments: [
        ("2026,P99,Y3,ASD,special,4", "P99"),
        ("2026,P01,Y3,XYZ,special,4", "a DfE primary need"),
        ("2026,P01,Y3,ASD,hospital,4", "mainstream, ARP, special or AP/other"),
        ("2025/27,P01,Y3,ASD,special,4", "the January of the count"),
        ("2026,P01,Y3,ASD,special,0x1F", ":2:"),
        ("2026,P01,Y3,ASD,special,4\n2026,P01,Y3,ASD,special,5", "duplicate"),
        ("2026,P01,Y3,ASD,special,1.234", "not a whole number of plans"),
    ]) func badCaseloadFileIsAnError(row: String, message: String) throws {
        let data = try DataSource.load(demoDirectory)
        let scratch = try TemporaryData(files: ["ehcp_caseload_by_area.csv": "year,planning_area,year_group,primary_need,placement,plans\n\(row)\n"])
        let path = (scratch.directory as NSString).appendingPathComponent("ehcp_caseload_by_area.csv")
        do {
            _ = try AreaCaseload.read(path, areas: data.areas)
            Issue.record("accepted \(row)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect("\(error)".contains("ehcp_caseload_by_area.csv"))
        }
    }

    /// Needs and placements as a case-management system writes them read as their codes.
    @Test func caseloadFileTakesNamesAsSystemsExportThem() throws {
        let data = try DataSource.load(demoDirectory)
        let rows = [
            "2026,P01,Y3,Autistic Spectrum Disorder,Special school,4", "2026,P01,Y4,\"Social, Emotional and Mental Health\",Mainstream school,3",
            "2026,P01,Y5,Profound & Multiple Learning Difficulties,Independent special school,2", "2026,S1,Y8,SEMH,Resourced provision,2",
            "2026,S1,Y9,Other Difficulty/Disability,Alternative provision,1", "2026,S1,Y10,speech language and communication needs,SEN unit,5",
        ]
        let scratch = try TemporaryData(files: ["ehcp_caseload_by_area.csv": "year,planning_area,year_group,primary_need,placement,plans\n" + rows.joined(separator: "\n") + "\n"])
        let c = try AreaCaseload.read((scratch.directory as NSString).appendingPathComponent("ehcp_caseload_by_area.csv"), areas: data.areas)
        let at = { (need: PrimaryNeed) in SENDCalibration.needs.firstIndex(of: need)! }
        #expect(c.plans["P01"]?[0][at(.asd)] == 4 && c.plans["P01"]?[0][at(.semh)] == 3 && c.plans["P01"]?[0][at(.pmld)] == 2)
        #expect(c.plans["S1"]?[1][at(.semh)] == 2 && c.plans["S1"]?[1][at(.oth)] == 1 && c.plans["S1"]?[1][at(.slcn)] == 5)
        for need in PrimaryNeed.allCases { #expect(PrimaryNeed(parsing: need.name) == need && PrimaryNeed(parsing: need.name.uppercased()) == need) }
        #expect(PrimaryNeed(parsing: "Autism") == .asd && PrimaryNeed(parsing: "Multisensory impairment") == .msi && PrimaryNeed(parsing: "Hearing") == nil)
        #expect(PrimaryNeed(parsing: "Other difficulties/disabilities") == .oth && PrimaryNeed(parsing: "Physical Disabilities") == .pd)
        let placements: [(String, DemandPlacement?)] = [
            ("Mainstream school", .mainstream), ("resourced provision", .arp), ("Additionally resourced provision", .arp), ("SEN unit", .arp),
            ("Special school", .special), ("Independent special school", .special), ("Pupil referral unit", .apOther), ("ap_other", .apOther),
            ("Hospital school", nil), ("Home educated", nil), ("specialist", nil),
        ]
        for (text, placement) in placements { #expect(DemandPlacement(parsing: text) == placement, "\(text)") }
        // The DfE caseload's own labels, which the EHCP history reads through the same parser
        // (anything it does not know is AP/other there).
        let dfe: [(String, DemandPlacement?)] = [
            ("Mainstream - LA maintained", .mainstream), ("Mainstream - academy (SEN unit)", .arp), ("Mainstream - free school (resourced provision)", .arp),
            ("Mainstream - independent", .mainstream), ("Special - Academy/free schools", .special), ("Special - independent", .special),
            ("Special - non-maintained", .special), ("AP/PRU - academy", nil), ("Educated elsewhere - elective home education", nil),
            ("Non-maintained early years", nil), ("Placement not recorded", nil),
        ]
        for (text, placement) in dfe { #expect(DemandPlacement(parsing: text) == placement, "\(text)") }
    }

    /// The file's latest January sets the prevalence; an academic year reads as its January.
    @Test func caseloadFileReadsItsLatestJanuary() throws {
        let data = try DataSource.load(demoDirectory)
        let scratch = try TemporaryData(files: [
            "ehcp_caseload_by_area.csv": "year,planning_area,year_group,primary_need,placement,plans\n2025,P01,Y3,ASD,special,9\n2025/26,P01,Y3,ASD,special,4\n2025/26,S1,Y8,SEMH,ARP,2\n"
        ])
        let c = try AreaCaseload.read((scratch.directory as NSString).appendingPathComponent("ehcp_caseload_by_area.csv"), areas: data.areas)
        #expect(c.january == 2026)
        #expect(c.plans["P01"]?[0][SENDCalibration.needs.firstIndex(of: .asd)!] == 4)
        #expect(c.plans["S1"]?[1][SENDCalibration.needs.firstIndex(of: .semh)!] == 2)
    }

    /// A SEND forecast sees the file's latest January by its own first January, later ones
    /// left out (and said so); with no January by then, the split is by pupils, said why.
    @Test func caseloadFileAsKnownAtACensus() throws {
        let data = try DataSource.load(demoDirectory)
        let scratch = try TemporaryData(files: [
            "ehcp_caseload_by_area.csv": "year,planning_area,year_group,primary_need,placement,plans\n2024,P01,Y3,ASD,special,9\n2026,P01,Y3,ASD,special,4\n2027,P01,Y3,ASD,special,7\n"
        ])
        let file = try AreaCaseload.read((scratch.directory as NSString).appendingPathComponent("ehcp_caseload_by_area.csv"), areas: data.areas)
        #expect(file.january == 2027 && file.januaries == [2024, 2026, 2027])
        let asd = SENDCalibration.needs.firstIndex(of: .asd)!
        let now = try #require(file.asOf(AcademicYear(2025)))
        #expect(now.january == 2026 && now.leftOut == [2027] && now.plans["P01"]?[0][asd] == 4)
        #expect(now.plansYear1to11(january: 2026) == 4)
        let past = try #require(file.asOf(AcademicYear(2024)))
        #expect(past.january == 2024 && past.leftOut == [2026, 2027] && past.plans["P01"]?[0][asd] == 9)
        #expect(SENDByArea.source(past).contains("its January 2024 plans, then each area's own flow; January 2026-2027 left out, after the forecast's first January"))
        #expect(file.asOf(AcademicYear(2022)) == nil)
        let shared = SENDByArea.source(nil, unused: file, start: AcademicYear(2022))
        #expect(shared.contains("shared out over the areas by their pupils") && shared.contains("starts in January 2024, after the forecast's first January, 2023"))
    }

    /// schools.csv's `locality`: areas separated by ';', each one areas.csv knows.
    @Test func schoolsLocalityColumn() throws {
        let areas = [PlanningArea(id: "P01", name: "One", phase: .primary, localAuthority: "T"), PlanningArea(id: "S1", name: "Sec", phase: .secondary, localAuthority: "T")]
        let header = "id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity,opens,closes,arp_places,locality\n"
        let good = try TemporaryData(files: ["schools.csv": header + "SP1,Oak,P01,special,R,Y13,0,90,,,ASD:40,P01; S1\nSP2,Elm,S1,special,Y7,Y13,0,60,,,SEMH:60,\n"])
        let schools = try PlacePlanFormat.readSchools(try CSVFile(path: (good.directory as NSString).appendingPathComponent("schools.csv")), areas: areas)
        #expect(schools.map(\.locality) == [["P01", "S1"], []])
        let bad = try TemporaryData(files: ["schools.csv": header + "SP1,Oak,P01,special,R,Y13,0,90,,,ASD:40,P01;S9\n"])
        #expect(throws: PlacePlanError.self) {
            try PlacePlanFormat.readSchools(try CSVFile(path: (bad.directory as NSString).appendingPathComponent("schools.csv")), areas: areas)
        }
        do {
            _ = try PlacePlanFormat.readSchools(try CSVFile(path: (bad.directory as NSString).appendingPathComponent("schools.csv")), areas: areas)
        } catch {
            #expect("\(error)".contains("schools.csv:2:") && "\(error)".contains("S9"), "\(error)")
        }
    }
}
