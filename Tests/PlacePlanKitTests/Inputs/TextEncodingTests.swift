import Foundation
import Testing
@testable import PlacePlanKit

/// Files as Excel saves them: "CSV (Comma delimited)" in Windows-1252, "Unicode Text" in
/// UTF-16, and a file pasted together from both.
struct TextEncodingTests {
    /// schools.csv of the hand-checkable data with school A1 renamed, as raw bytes.
    private func schools(name: [UInt8]) -> [UInt8] {
        Array("id,name,planning_area,phase,first_year_group,last_year_group,pan,net_capacity,opens,closes,arp_places\nA1,".utf8) + name
            + Array(",A,primary,R,Y6,60,420,,,\nA2,School A2,A,primary,R,Y6,60,420,,,\nB1,School B1,B,primary,R,Y6,45,315,,,ASD:8\n".utf8)
    }

    @Test func excelsWindows1252CSVIsReadAndCheckSaysSo() throws {
        // "St Mary’s C of E – Café": 0x92 right quote, 0x96 en dash, 0xE9 é.
        let name = Array("St Mary".utf8) + [0x92] + Array("s C of E ".utf8) + [0x96] + Array(" Caf".utf8) + [0xE9]
        let d = try TemporaryData.handCheckable()
        try Data(schools(name: name)).write(to: URL(fileURLWithPath: d.path("schools.csv")))
        let data = try PlacePlanFormat.load(directory: d.directory)
        #expect(data.schools.first { $0.id == "A1" }?.name == "St Mary\u{2019}s C of E \u{2013} Caf\u{E9}")
        #expect(data.schools.count == 3)
        let check = DataCheck.run(directory: d.directory)
        #expect(check.isReady)
        #expect(check.warnings.contains {
            $0.hasPrefix("schools.csv is not UTF-8 and was read as Windows-1252")
                && $0.contains("check that names with accents or curly quotes read right ('St Mary\u{2019}s C of E \u{2013} Caf\u{E9}'), or save as")
        }, "\(check.warnings)")
        // The same file saved as CSV UTF-8 (with Excel's byte-order mark) reads the same, with
        // no warning.
        let utf8 = [0xEF, 0xBB, 0xBF] + schools(name: Array("St Mary\u{2019}s C of E \u{2013} Caf\u{E9}".utf8))
        try Data(utf8).write(to: URL(fileURLWithPath: d.path("schools.csv")))
        #expect(try PlacePlanFormat.load(directory: d.directory).schools.first { $0.id == "A1" }?.name == "St Mary\u{2019}s C of E \u{2013} Caf\u{E9}")
        #expect(!DataCheck.run(directory: d.directory).warnings.contains { $0.contains("Windows-1252") })
    }

    @Test func whatCannotBeReadRightIsRefusedSayingWhere() throws {
        let cases: [(bytes: [UInt8], says: String)] = [
            // Excel's "Unicode Text": UTF-16 little-endian with its byte-order mark.
            ([0xFF, 0xFE] + Array("id,name".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }), "UTF-16 text, as Excel saves 'Unicode Text'"),
            // A name in UTF-8 (é) pasted beside one in Windows-1252 (’): no one reading is right.
            (schools(name: Array("Caf\u{E9} St Mary".utf8) + [0x92] + Array("s".utf8)), "line 2, character 16 is byte 0x92, not UTF-8, though other names in the file are UTF-8"),
            // A workbook saved under a CSV name, and other binary data.
            ([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0xA3, 0xD1], "an Excel workbook (.xlsx)"),
            ([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0x00, 0x00, 0x3E, 0x00, 0x03, 0x00, 0xFE, 0xFF], "an Excel 97-2003 workbook (.xls)"),
            (Array("id,name\n".utf8) + [0x00, 0x9C, 0xFF, 0x13] + Array("more text after the binary part\n".utf8), "binary data, not text"),
            // UTF-16 without a byte-order mark.
            (Array("id,name\nA1,St Mary".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }) + [0x19, 0x20], "UTF-16 text"),
            // 0x81 has no character in Windows-1252 either.
            (schools(name: Array("School ".utf8) + [0x81]), "line 2, character 11 is byte 0x81, which is neither UTF-8 nor Windows-1252"),
        ]
        for (bytes, says) in cases {
            let e = error { _ = try CSVFile(path: "schools.csv", bytes: bytes) }
            guard case .unreadableFile(let path, let reason) = e else { Issue.record("got \(String(describing: e))"); continue }
            #expect(path == "schools.csv")
            #expect(reason.contains(says), "\(reason)")
            #expect(reason.contains("as 'CSV UTF-8 (Comma delimited)'"))
        }
    }

    @Test func yamlFilesReadTheSameWay() throws {
        // A scenario saved by an editor in "ANSI" (Windows-1252): its description's dash
        // reads right.
        let d = try TemporaryData(files: [:])
        let yaml = Array("name: regen\ndescription: \"Phase 1 ".utf8) + [0x96] + Array(" the estate\"\n".utf8)
        try Data(yaml).write(to: URL(fileURLWithPath: d.path("regen.yaml")))
        #expect(try ScenarioFile.load(d.path("regen.yaml")).description == "Phase 1 \u{2013} the estate")
    }
}
