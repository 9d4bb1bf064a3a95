import Foundation
import Testing
@testable import PlacePlanKit

/// A data directory written to a fresh temporary folder, removed when the value is.
final class TemporaryData {
    let directory: String

    init(files: [String: String]) throws {
        directory = NSTemporaryDirectory() + "placeplan-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: path(name), atomically: true, encoding: .utf8) }
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Two primary areas, A and B, censuses 2020/21 to 2022/23, in a hand-checkable layout.
    ///
    /// Area A's Reception is 100, 110, 120; its Year 1 is 90 (2021/22) and 110 (2022/23), so
    /// the R→Y1 ratios are 0.9 and 1.0. Births (LA "L") 200, 220, 240 feed those Receptions
    /// (ratio 0.5) and 250 feeds 2023/24. Every other year group is 50 throughout in A, and
    /// area B is 40 in every year group and year.
    static func handCheckable(extra: [String: String] = [:]) throws -> TemporaryData {
        var rolls = "year,area,year_group,pupils\n"
        let receptionA = [2020: 100, 2021: 110, 2022: 120]
        let year1A = [2020: 80, 2021: 90, 2022: 110]
        for year in 2020...2022 {
            for g in 0...6 {
                let label = g == 0 ? "R" : "Y\(g)"
                let a = g == 0 ? receptionA[year]! : (g == 1 ? year1A[year]! : 50)
                rolls += "\(year),A,\(label),\(a)\n\(year),B,\(label),40\n"
            }
        }
        var files = [
            "areas.csv": "id,name,phase,local_authority\nA,Area A,primary,L\nB,Area B,primary,LB\n",
            "schools.csv":
                "id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity,opens,closes,arp_places\n"
                + "A1,School A1,A,primary,R,Y6,60,420,,,\nA2,School A2,A,primary,R,Y6,60,420,,,\nB1,School B1,B,primary,R,Y6,45,315,,,ASD:8\n",
            "rolls.csv": rolls,
            "births.csv": "area,year,births\nL,2016,200\nL,2017,220\nL,2018,240\nL,2019,250\nLB,2016,80\nLB,2017,80\nLB,2018,80\nLB,2019,80\n",
        ]
        for (k, v) in extra { files[k] = v }
        return try TemporaryData(files: files)
    }
}

/// Runs `body` and returns the placeplan error it throws (nil if none; any other error
/// fails the test).
func error(of body: () throws -> Void) -> PlacePlanError? {
    do {
        try body()
        return nil
    } catch let e as PlacePlanError {
        return e
    } catch {
        Issue.record("not a PlacePlanError: \(error)")
        return nil
    }
}

extension TemporaryData {
    /// The hand-checkable primary areas A and B plus a secondary area S (Y7-Y13, 120 in
    /// each year group) that draws on both, with schools in every area and a small yield
    /// table: a 2-bed market flat yields 0.01·(s+1) pupils per primary year group and
    /// 0.005·(s+1) per secondary year group, s = 0, 1, 2 years after completion.
    static func withSecondary() throws -> TemporaryData {
        let base = try handCheckable()
        var rolls = try String(contentsOfFile: base.path("rolls.csv"), encoding: .utf8)
        for year in 2020...2022 { for g in 7...13 { rolls += "\(year),S,Y\(g),120\n" } }
        var yields = "type,bedrooms,tenure,years_since_completion,year_group,pupils_per_dwelling\n"
        for s in 0...2 {
            for g in 0...13 { yields += "flat,2,market,\(s),\(g == 0 ? "R" : "Y\(g)"),\(Double(s + 1) * (g <= 6 ? 0.01 : 0.005))\n" }
        }
        return try TemporaryData(files: [
            "areas.csv": "id,name,phase,local_authority\nA,Area A,primary,L\nB,Area B,primary,LB\nS,Area S,secondary,L\n",
            "schools.csv":
                "id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity,opens,closes,arp_places\n"
                + "A1,School A1,A,primary,R,Y6,60,420,,,\nA2,School A2,A,primary,R,Y6,60,420,,,\nB1,School B1,B,primary,R,Y6,45,315,,,ASD:8\n"
                + "S1,School S1,S,secondary,Y7,Y13,150,1000,,,\nX1,Special X1,A,special,R,Y13,0,80,,,ASD:50;SLD:30\n",
            "rolls.csv": rolls,
            "births.csv": try String(contentsOfFile: base.path("births.csv"), encoding: .utf8),
            "yields.csv": yields,
        ])
    }

    /// Writes a scenario file into the directory and returns its path.
    func scenario(_ name: String, _ yaml: String) throws -> String {
        let p = path(name)
        try yaml.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
}
