import CSV
import Foundation

/// A CSV file read whole, with its header and the line number of every row, so that each
/// problem can be reported as `file:line:column`.
///
/// Line numbers count physical lines on the assumption (true of every format placeplan
/// reads) that no field holds a line break.
struct CSVFile: Sendable {
    /// The path as the user gave it, used in messages.
    let path: String
    let header: [String]
    let rows: [[String]]

    init(path: String) throws(PlacePlanError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
            InputFiles.record(path)
        } catch {
            if !FileManager.default.fileExists(atPath: path) {
                throw .fileNotFound(path: path, hint: "check the path, or the --data directory")
            }
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path: path, reason: "not UTF-8 text")
        }
        try self.init(path: path, text: text)
    }

    init(path: String, text: String) throws(PlacePlanError) {
        self.path = path
        var body = text
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        do {
            let reader = try CSVReader(string: body, hasHeaderRow: true, trimFields: true)
            header = (reader.headerRow ?? []).map { $0.lowercased() }
            var rows: [[String]] = []
            while let row = reader.next() {
                if row.allSatisfy(\.isEmpty) { rows.append([]); continue }  // keep numbering; skipped later
                rows.append(row)
            }
            if let error = reader.error { throw error }
            self.rows = rows
        } catch let error as PlacePlanError {
            throw error
        } catch {
            throw .unreadableFile(path: path, reason: "not valid CSV (\(error))")
        }
        if header.isEmpty || header.allSatisfy(\.isEmpty) {
            throw .unreadableFile(path: path, reason: "empty file: a header row is required")
        }
    }

    /// The 1-based column number of the first of `names` in the header, or nil.
    func columnNumber(_ names: [String]) -> Int? {
        for name in names { if let i = header.firstIndex(of: name) { return i + 1 } }
        return nil
    }

    /// The column number of a required column.
    func require(_ name: String, aliases: [String] = []) throws(PlacePlanError) -> Int {
        guard let c = columnNumber([name] + aliases) else {
            throw .missingColumn(SourceLocation(file: path, line: 1), column: name, available: header)
        }
        return c
    }

    /// Each non-blank row with its physical line number.
    var records: [CSVRecord] {
        rows.enumerated().compactMap { i, fields in
            fields.isEmpty ? nil : CSVRecord(file: path, line: i + 2, fields: fields, header: header)
        }
    }
}

/// One row of a ``CSVFile``, with typed accessors that throw errors naming the cell.
struct CSVRecord: Sendable {
    let file: String
    let line: Int
    let fields: [String]
    let header: [String]

    func location(_ column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column, field: column - 1 < header.count ? header[column - 1] : nil)
    }

    /// The trimmed text of a column (1-based), "" when the row is short.
    func text(_ column: Int?) -> String {
        guard let column, column - 1 < fields.count else { return "" }
        return fields[column - 1]
    }

    /// A non-empty text value.
    func required(_ column: Int) throws(PlacePlanError) -> String {
        let s = text(column)
        guard !s.isEmpty else { throw .invalidValue(location(column), value: s, expected: "a value (the cell is empty)") }
        return s
    }

    /// DfE suppression and not-applicable symbols: missing, never zero.
    static let suppressionCodes: Set<String> = ["x", "z", "c", "u", "k", ".", ":", "..", "na", "n/a"]

    /// A count: a non-negative number. Returns nil for a suppression code or an empty cell
    /// when `allowMissing`, and throws otherwise.
    func count(_ column: Int, allowMissing: Bool = false) throws(PlacePlanError) -> Double? {
        let s = text(column)
        let lower = s.lowercased()
        if s.isEmpty || Self.suppressionCodes.contains(lower) {
            if allowMissing { return nil }
            if s.isEmpty { throw .invalidValue(location(column), value: s, expected: "a number (the cell is empty)") }
            throw .suppressedValue(location(column), code: s)
        }
        guard let v = Double(s.replacingOccurrences(of: ",", with: "")), v.isFinite else {
            throw .invalidValue(location(column), value: s, expected: "a number")
        }
        guard v >= 0 else { throw .negativeValue(location(column), value: s) }
        guard v <= Self.largestCount else {
            throw .invalidValue(location(column), value: s, expected: "a count of at most \(Format.count(Self.largestCount)) (is a unit or a decimal point wrong?)")
        }
        return v
    }

    /// The largest count accepted, in data files and scenario files alike: more than the
    /// pupils in all of England's schools, so a larger value is a slip (a unit, a decimal
    /// point), not data. It also keeps every count within what a whole number can hold.
    static let largestCount = 1e7

    /// A whole non-negative number.
    func integer(_ column: Int) throws(PlacePlanError) -> Int {
        let s = text(column)
        guard let v = try count(column), v == v.rounded() else {
            throw .invalidValue(location(column), value: s, expected: "a whole number")
        }
        return Int(v)
    }

    func academicYear(_ column: Int) throws(PlacePlanError) -> AcademicYear {
        let s = text(column)
        guard let y = AcademicYear(parsing: s) else {
            throw .invalidValue(location(column), value: s, expected: "an academic year such as 2019/20, 201920 or 2019")
        }
        return y
    }

    func optionalAcademicYear(_ column: Int?) throws(PlacePlanError) -> AcademicYear? {
        guard let column, !text(column).isEmpty else { return nil }
        return try academicYear(column)
    }

    func yearGroup(_ column: Int) throws(PlacePlanError) -> YearGroup {
        let s = text(column)
        guard let g = YearGroup(parsing: s) else {
            throw .invalidValue(location(column), value: s, expected: "a year group R, Y1 ... Y13")
        }
        return g
    }
}

/// Runs `body` for each record, collecting up to `limit` errors instead of stopping at the
/// first, so that one run shows the user every problem in a file.
func forEachRecord(
    _ file: CSVFile, limit: Int = 25, _ body: (CSVRecord) throws(PlacePlanError) -> Void
) throws(PlacePlanError) {
    var errors: [PlacePlanError] = []
    for record in file.records {
        do { try body(record) } catch { errors.append(error) }
        if errors.count >= limit { break }
    }
    try PlacePlanError.check(errors)
}
