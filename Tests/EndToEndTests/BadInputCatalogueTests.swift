import Foundation
import Testing

/// The bad-input catalogue, `Tests/Fixtures/bad-inputs/cases.tsv`: every case breaks one input
/// of a copy of the demo data (or passes a bad option) and must exit with its code and a first
/// line of stderr that contains its text, with nothing on stdout.
@Suite struct BadInputCatalogueTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var id: String, file: String, edit: String, arguments: String, exit: Int32, contains: String
        var testDescription: String { id }
    }

    static let cases: [Case] = {
        let path = CLI.packageRoot.appendingPathComponent("Tests/Fixtures/bad-inputs/cases.tsv").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Case(id: f[0], file: f[1], edit: f[2], arguments: f[3], exit: Int32(f[4]) ?? -1, contains: f[5])
        }
    }()

    @Test func catalogueIsLargeAndDistinct() throws {
        #expect(Self.cases.count >= 80)
        #expect(Set(Self.cases.map(\.id)).count == Self.cases.count)
        // The docs say how many cases there are, and say it right.
        for doc in ["docs/architecture.md", "docs/commands.md"] {
            let text = try String(contentsOf: CLI.packageRoot.appendingPathComponent(doc), encoding: .utf8)
            #expect(text.contains("catalogue of \(Self.cases.count) bad inputs"), "\(doc)")
        }
    }

    @Test(arguments: cases)
    func badInput(_ c: Case) throws {
        let root = try CLI.scratch()
        let dir = root.appendingPathComponent("data")
        try FileManager.default.copyItem(atPath: CLI.demoData, toPath: dir.path)
        if c.file != "-" { try Self.apply(c.edit, to: dir.appendingPathComponent(c.file)) }
        let out = root.appendingPathComponent("out.txt").path
        let arguments = Self.split(c.arguments).map { $0.replacingOccurrences(of: "{dir}", with: dir.path).replacingOccurrences(of: "{out}", with: out) }
        let run = try CLI.run(arguments, in: root)
        let first = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        #expect(run.status == c.exit, "\(c.id): exit \(run.status), stderr: \(run.stderr)")
        #expect(first.contains(c.contains), "\(c.id): first line of stderr: \(first)")
        #expect(run.stdout.isEmpty, "\(c.id): stdout: \(run.stdout.prefix(200))")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), "\(c.id): \(run.stderr)")
    }

    /// Bytes of `text` with \n, \t and \xHH escapes.
    static func bytes(_ text: String) -> Data {
        var out = Data(), chars = Array(text.utf8), i = 0
        while i < chars.count {
            if chars[i] == UInt8(ascii: "\\"), i + 1 < chars.count {
                switch chars[i + 1] {
                case UInt8(ascii: "n"): out.append(10); i += 2; continue
                case UInt8(ascii: "t"): out.append(9); i += 2; continue
                case UInt8(ascii: "x") where i + 3 < chars.count:
                    if let v = UInt8(String(decoding: chars[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) { out.append(v); i += 4; continue }
                default: break
                }
            }
            out.append(chars[i])
            i += 1
        }
        return out
    }

    static func apply(_ edit: String, to url: URL) throws {
        if edit == "RM" { return try FileManager.default.removeItem(at: url) }
        if edit.hasPrefix("W=") { return try bytes(String(edit.dropFirst(2))).write(to: url) }
        var content = try Data(contentsOf: url)
        if edit.hasPrefix("A=") {
            if content.last != 10 { content.append(10) }
            content.append(bytes(String(edit.dropFirst(2))))
            content.append(10)
            return try content.write(to: url)
        }
        var lines = content.split(separator: 10, omittingEmptySubsequences: false).map { Data($0) }
        if edit.hasPrefix("D"), let n = Int(edit.dropFirst()) {
            lines.remove(at: n - 1)
        } else if edit.hasPrefix("L"), let eq = edit.firstIndex(of: "=") {
            let spec = edit[edit.index(after: edit.startIndex)..<eq]
            let append = spec.hasSuffix("+")
            guard let n = Int(append ? spec.dropLast() : spec) else { throw CocoaError(.featureUnsupported) }
            let text = bytes(String(edit[edit.index(after: eq)...]))
            lines[n - 1] = append ? lines[n - 1] + text : text
        } else {
            throw CocoaError(.featureUnsupported)
        }
        try Data(lines.joined(separator: [10])).write(to: url)
    }

    /// Words split on spaces, with "double quotes" kept together.
    static func split(_ text: String) -> [String] {
        var words: [String] = [], word = "", quoted = false, started = false
        for ch in text {
            if ch == "\"" { quoted.toggle(); started = true; continue }
            if ch == " " && !quoted {
                if started { words.append(word) }
                word = ""
                started = false
                continue
            }
            word.append(ch)
            started = true
        }
        if started { words.append(word) }
        return words
    }
}
