import Foundation
import Testing

/// `--format xlsx`: workbooks opened as Excel would open them, with Python's openpyxl
/// (installed by scripts/ensure-deps.sh; the tests are skipped where it is missing).
@Suite struct WorkbookTests {
    static let openpyxl: Bool = (try? CLI.run(["/usr/bin/env", "python3", "-c", "import openpyxl"], shell: true).status) == 0

    /// What openpyxl reads of a workbook: per sheet, its rows (values), number formats of
    /// row 2, the frozen cell and the filter, as JSON.
    static func read(_ path: String) throws -> [String: [String: Any]] {
        let script = """
            import json, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            out = {}
            for ws in wb.worksheets:
                rows = [[c.value for c in r] for r in ws.iter_rows()]
                formats = [c.number_format for c in ws[2]] if ws.max_row >= 2 else []
                out[ws.title] = {"rows": rows, "formats": formats, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref}
            out["_properties"] = {"rows": [[wb.properties.title, str(wb.properties.created)]], "formats": [], "freeze": None, "filter": None}
            print(json.dumps(out, default=str))
            """
        let r = try CLI.run(["/usr/bin/env", "python3", "-c", script, path], shell: true)
        guard r.status == 0 else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: r.stderr]) }
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [String: Any]])
    }

    static func rows(_ book: [String: [String: Any]], _ sheet: String) -> [[Any]] { (book[sheet]?["rows"] as? [[Any]]) ?? [] }

    /// Runs placeplan with `arguments` and `--format xlsx --output` a file `name` in a fresh
    /// folder, expects success, and reads the workbook; the folder is returned for more files.
    static func written(_ arguments: [String], name: String) throws -> (book: [String: [String: Any]], path: String, dir: URL) {
        let dir = try CLI.scratch()
        let path = dir.appendingPathComponent(name).path
        let r = try CLI.run(arguments + ["--format", "xlsx", "--output", path])
        #expect(r.status == 0, "\(r.stderr)")
        return (try read(path), path, dir)
    }

    @Test(.enabled(if: openpyxl, "needs Python's openpyxl"))
    func sufficiencyWorkbookHasTypedSheets() throws {
        let (book, path, dir) = try Self.written(["sufficiency", "--draws", "200"], name: "s.xlsx")
        #expect(Set(book.keys) == ["Summary", "Sufficiency", "Year groups", "Assumptions", "_properties"])
        let rows = Self.rows(book, "Sufficiency")
        let header = try #require(rows.first as? [String])
        #expect(header.contains("Surplus %") && header.contains("P(deficit) %"))
        // Numbers are numbers, shares are fractions shown as percentages, header frozen, filters on.
        let p01 = try #require(rows.first { ($0[1] as? String) == "P01" && ($0[4] as? String) == "2026/27" })
        #expect(p01[6] as? Double == 2835)
        let share = try #require(p01[header.firstIndex(of: "Surplus %")!] as? Double)
        #expect(share > 0 && share < 1)
        #expect((book["Sufficiency"]?["formats"] as? [String])?[header.firstIndex(of: "Surplus %")!] == "0.0%")
        #expect(book["Sufficiency"]?["freeze"] as? String == "A2")
        #expect((book["Sufficiency"]?["filter"] as? String)?.hasPrefix("A1:") == true)
        // The CSV's figures, cell for cell (rounded as the CSV rounds them).
        let csv = try CLI.run(["sufficiency", "--draws", "200", "--format", "csv"]).stdout.split(separator: "\n")
        let csvP01 = try #require(csv.first { $0.hasPrefix("baseline,P01,") && $0.contains(",2026/27,") }).split(separator: ",")
        #expect(Double(csvP01[7]) == p01[7] as? Double)
        #expect(Self.rows(book, "Assumptions").contains { ($0.first as? String) == "Seed" })
        // The same inputs give the same bytes.
        let again = dir.appendingPathComponent("s2.xlsx").path
        _ = try CLI.run(["sufficiency", "--draws", "200", "--format", "xlsx", "--output", again])
        #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: again))
    }

    @Test(.enabled(if: openpyxl, "needs Python's openpyxl"))
    func planAndSCAPWorkbooks() throws {
        let dir = try CLI.scratch()
        let plan = dir.appendingPathComponent("plan.xlsx").path
        let r = try CLI.run(["plan", "--options", "\(CLI.scenarios)/options.yaml", "--format", "xlsx", "--output", plan])
        #expect(r.status == 0, "\(r.stderr)")
        let book = try Self.read(plan)
        #expect(Set(book.keys).isSuperset(of: ["Actions", "Cost", "Not met", "Rules after the plan", "Sufficiency after the plan", "Assumptions"]))
        let actions = Self.rows(book, "Actions")
        #expect(actions.count > 1 && (actions[1][9] as? Double) != nil)
        #expect((book["Actions"]?["formats"] as? [String])?[9].contains("£") == true)

        let scap = dir.appendingPathComponent("scap.xlsx").path
        let s = try CLI.run(["export", "--scap", "--la-number", "999", "--format", "xlsx", "--output", scap])
        #expect(s.status == 0, "\(s.stderr)")
        let sbook = try Self.read(scap)
        #expect(Set(sbook.keys).isSuperset(of: ["Pupil forecasts", "Capacity", "Specialist placements", "Column mapping"]))
        let pupils = Self.rows(sbook, "Pupil forecasts")
        // A row per planning area and NCY: 10 primary areas x 7 + 5 secondary areas x 7.
        #expect(pupils.count - 1 == 10 * 7 + 5 * 7)
        #expect((pupils[0] as? [String])?.last == "2032/33 (203233)")
        let p01R = try #require(pupils.first { ($0[2] as? String) == "P01" && ($0[5] as? String) == "R" })
        #expect(p01R[6] is Double && p01R.last is NSNull)  // primary: five years, then empty
        #expect(Self.rows(sbook, "Specialist placements").count == 1 + 2 * 4)
    }

    @Test(.enabled(if: openpyxl, "needs Python's openpyxl"))
    func sendWorkbookHasTheTablesFiguresByAreaAndDraws() throws {
        let (book, _, _) = try Self.written(["send", "--draws", "200"], name: "send.xlsx")
        #expect(Set(book.keys) == ["Totals", "Specialist", "By area", "Uncertainty", "Assumptions", "_properties"])
        // Totals: the first year is the January count, later years grow from it; the broad
        // areas and the placements each add up to the total, and the figures are the CSV's.
        let totals = Self.rows(book, "Totals")
        let header = try #require(totals.first as? [String])
        #expect(header.prefix(5) == ["Scenario", "Year", "Kind", "EHCP pupils", "Growth %"])
        #expect((totals[1][2] as? String) == "actual" && totals[1][4] is NSNull && (totals[2][2] as? String) == "forecast")
        let second = totals[2], total = try #require(second[3] as? Double)
        let broad = second[5..<10].compactMap { $0 as? Double }.reduce(0, +), placed = second[10..<16].compactMap { $0 as? Double }.reduce(0, +)
        #expect(abs(broad - total) < 1 && abs(placed - total) < 1, "\(broad) \(placed) \(total)")
        let formats = try #require(book["Totals"]?["formats"] as? [String])
        #expect(formats[3] == "0.0" && formats.last?.contains("£") == true)
        let csv = try CLI.run(["send", "--draws", "200", "--format", "csv"]).stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let year = try #require(second[1] as? String)
        let csvTotal = csv.dropFirst().filter { $0[1] == year && $0[13] == "all" }.reduce(0.0) { $0 + Double($1[5])! }
        #expect(abs(csvTotal - total) < 1, "\(csvTotal) \(total)")
        // Specialist: a row per CSV row of the whole authority, with its chance of a shortfall.
        let specialist = Self.rows(book, "Specialist")
        #expect(specialist.count - 1 == csv.dropFirst().filter { $0[13] == "all" }.count)
        let short = try #require(specialist.first { ($0[1] as? String) == year }?.last as? Double)
        #expect((0...1).contains(short))
        // By area, and the draws' quantiles in order.
        #expect(Self.rows(book, "By area").count - 1 == csv.dropFirst().filter { $0[13] != "all" }.count)
        let spread = Self.rows(book, "Uncertainty")
        let q = spread[2][3..<10].compactMap { $0 as? Double }  // P2.5 ... P97.5 of EHCP pupils
        #expect(q.count == 7 && q == q.sorted() && q[0] < q[6], "\(q)")
        #expect(Self.rows(book, "Assumptions").contains { ($0.first as? String) == "Seed" })
    }

    @Test(.enabled(if: openpyxl, "needs Python's openpyxl"))
    func compareWorkbookHasTheCSVsFiguresAndWhatDiffers() throws {
        let args = ["compare", "--scenario", "\(CLI.scenarios)/baseline.yaml", "--scenario", "\(CLI.scenarios)/regeneration-south-west.yaml"]
        let (book, _, dir) = try Self.written(args, name: "compare.xlsx")
        let rows = Self.rows(book, "Comparison")
        let header = try #require(rows.first as? [String])
        #expect(header.prefix(6) == ["Area", "Area name", "Phase", "Year", "Level", "baseline pupils"] && header.last == "Status changed")
        // Row for row the CSV's, surplus as a fraction shown as a percentage.
        let csv = try CLI.run(args + ["--format", "csv"]).stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == csv.count)
        let changed = try #require(rows.dropFirst().first { ($0.last as? String) == "yes" })
        let line = try #require(csv.first { $0[0] == (changed[0] as? String ?? "") && $0[3] == (changed[3] as? String ?? "") && $0[4] == (changed[4] as? String ?? "") })
        #expect(Double(line[5]) == changed[5] as? Double)
        #expect(abs(Double(line[7])! / 100 - (changed[7] as? Double ?? .nan)) < 1e-9)
        #expect((book["Comparison"]?["formats"] as? [String])?[7] == "0.0%")
        // Saved runs: what differs between them is on the Compared sheet.
        let store = dir.appendingPathComponent("runs.sqlite").path
        _ = try CLI.run(["sufficiency", "--store", store, "--save", "A", "--format", "csv"])
        _ = try CLI.run(["sufficiency", "--method", "mean3", "--store", store, "--save", "B", "--format", "csv"])
        let runs = dir.appendingPathComponent("runs.xlsx").path
        #expect(try CLI.run(["compare", "--run", "A", "--run", "B", "--store", store, "--format", "xlsx", "--output", runs]).status == 0)
        let compared = Self.rows(try Self.read(runs), "Compared").compactMap { $0.last as? String }
        #expect(compared.contains("What differs between 'A' and 'B':") && compared.contains { $0.contains("method: auto vs mean3") }, "\(compared)")
    }

    @Test func aWorkbookIsNeverWrittenToATerminalAndOnlyWhereThereIsOne() throws {
        let r = try CLI.run(["backtest", "--format", "xlsx", "--output", "/dev/null"])
        #expect(r.status == 64 && r.stderr.contains("backtest has no xlsx output"), "\(r.stderr)")
        let send = try CLI.run(["send", "--backtest", "--format", "xlsx", "--output", "/dev/null"])
        #expect(send.status == 64 && send.stderr.contains("send --backtest has no xlsx output"), "\(send.stderr)")
    }
}
