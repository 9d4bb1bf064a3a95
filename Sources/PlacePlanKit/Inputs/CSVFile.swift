import Foundation

/// A CSV file read whole, with its header and the line number of every row, so that each
/// problem can be reported as `file:line:column`.
///
/// RFC 4180: fields separated by commas, records by LF or CRLF; a field in double quotes may
/// hold commas, doubled quotes and line breaks. Spaces and tabs around a field are trimmed.
/// placeplan reads its own parser rather than a package's: at national scale (1.2 M rows)
/// the CSV.swift package took 11 of 18 seconds, and its errors could not name the cell of an
/// unterminated quote. Every row must have as many fields as the header: a row with more (an
/// unquoted 1,234) or fewer is an error at its line, never read short or with a field lost.
struct CSVFile: Sendable {
    /// The path as the user gave it, used in messages.
    let path: String
    let header: [String]
    /// The header's names as ``columnKey(_:)`` reads them ("year group" as "year_group").
    let headerKeys: [String]
    /// The header's and then every row's fields, one after another (each row has as many as
    /// the header): one array, not an array a row, which at national scale (1.2 M rows) was
    /// 100 MB of allocations.
    let fields: [String]
    /// The physical line each row starts on (rows may span lines inside quotes).
    let lines: [Int]

    /// The number of (non-blank) rows.
    var rowCount: Int { lines.count }

    /// The fields of row `i`.
    func row(_ i: Int) -> ArraySlice<String> { fields[((i + 1) * header.count)..<((i + 2) * header.count)] }

    init(path: String) throws(PlacePlanError) {
        let data = try InputFiles.read(path, kind: "CSV file")
        InputFiles.record(path)
        try self.init(path: path, bytes: data)
    }

    init(path: String, text: String) throws(PlacePlanError) {
        try self.init(path: path, bytes: Array(text.utf8))
    }

    init(path: String, bytes input: [UInt8]) throws(PlacePlanError) {
        self.path = path
        var bytes = input[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        bytes = try TextEncoding.utf8Bytes(bytes, path: path).bytes  // Windows-1252 as Excel saves it, too
        // A header without a comma but with semicolons or tabs: every row would read as one
        // field (or stop at the first quote), so say what the file is instead.
        let firstLine = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        if !firstLine.contains(UInt8(ascii: ",")) {
            for (byte, name) in [(UInt8(ascii: ";"), "semicolons"), (UInt8(ascii: "\t"), "tabs")] where firstLine.contains(byte) {
                throw .wrongSeparator(path: path, separator: name, header: Self.excerpt(String(decoding: firstLine, as: UTF8.self).replacingOccurrences(of: "\t", with: "<tab>")))
            }
        }
        let records = try Self.parse(bytes, path: path)
        guard let first = records.records.first, !records.fields(first).allSatisfy(\.isEmpty) else {
            throw .unreadableFile(path: path, reason: "empty file: a header row is required")
        }
        header = records.fields(first).map { $0.lowercased() }
        headerKeys = header.map(Self.columnKey)
        var lines: [Int] = [], errors: [PlacePlanError] = []
        lines.reserveCapacity(records.records.count)
        var blank = false
        for r in records.records.dropFirst() {
            let row = records.fields(r)
            if row.allSatisfy(\.isEmpty) {  // blank lines are skipped
                blank = true
                continue
            }
            if row.count != header.count, errors.count < 25 {
                let more = row.count > header.count
                errors.append(
                    .invalidValue(
                        SourceLocation(file: path, line: r.line, column: min(row.count, header.count + 1)),
                        value: Self.excerpt(row.joined(separator: ",")),
                        expected: "a row of \(header.count) fields like the header (it has \(row.count))"
                            + (more ? ": a number written with a comma (1,234) must be quoted or written 1234" : ": fill every column, or write x for a suppressed value")))
            }
            lines.append(r.line)
        }
        try PlacePlanError.check(errors)
        self.lines = lines
        // Every row is as long as the header now; the parsed fields are kept as they are
        // unless blank lines must be taken out.
        guard blank else {
            fields = records.fields
            return
        }
        var kept: [String] = []
        kept.reserveCapacity(records.fields.count)
        for r in records.records where r.start == 0 || !records.fields(r).allSatisfy(\.isEmpty) {
            kept.append(contentsOf: records.fields(r))
        }
        fields = kept
    }

    /// A short excerpt of file content for a message: at most 60 characters, control
    /// characters escaped, so that a file that is not what it should be is never echoed.
    static func excerpt(_ text: String) -> String {
        let escaped = Format.printable(text)
        return escaped.count > 60 ? String(escaped.prefix(57)) + "..." : escaped
    }

    /// The fields of a CSV text, one after another, and where each record starts and ends.
    struct Records {
        var fields: [String] = []
        var records: [(line: Int, start: Int, end: Int)] = []
        func fields(_ r: (line: Int, start: Int, end: Int)) -> ArraySlice<String> { fields[r.start..<r.end] }
    }

    /// The records of a CSV text, each with the line it starts on.
    static func parse(_ bytes: ArraySlice<UInt8>, path: String) throws(PlacePlanError) -> Records {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        var out = Records()
        out.fields.reserveCapacity(bytes.count / 6)
        var start0 = 0  // the first field of the record being read
        var field: [UInt8] = []
        var line = 1, recordLine = 1, column = 1
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            // One field.
            var start = i
            while start < end, bytes[start] == space || bytes[start] == tab { start += 1 }
            if start < end, bytes[start] == quote {
                let openLine = line, openColumn = column
                var j = start + 1
                field.removeAll(keepingCapacity: true)
                var closed = false
                while j < end {
                    let b = bytes[j]
                    if b == quote {
                        if j + 1 < end, bytes[j + 1] == quote {
                            field.append(quote)
                            j += 2
                            continue
                        }
                        closed = true
                        j += 1
                        break
                    }
                    if b == lf { line += 1 }
                    field.append(b)
                    j += 1
                }
                guard closed else {
                    throw .invalidValue(
                        SourceLocation(file: path, line: openLine, column: openColumn), value: excerpt(String(decoding: field.prefix(40), as: UTF8.self)),
                        expected: "a quoted field closed by a second \" (this quote opened on line \(openLine) is never closed)")
                }
                while j < end, bytes[j] == space || bytes[j] == tab { j += 1 }
                if j < end, bytes[j] != comma, bytes[j] != lf, bytes[j] != cr {
                    throw .invalidValue(
                        SourceLocation(file: path, line: line, column: column), value: excerpt(String(decoding: field, as: UTF8.self)),
                        expected: "a field that ends at its closing quote (write a quote inside a quoted field as \"\")")
                }
                out.fields.append(String(decoding: field, as: UTF8.self))
                i = j
            } else {
                var j = start, stray = false
                while j < end {
                    let b = bytes[j]
                    if b == comma || b == lf || b == cr { break }
                    if b == quote { stray = true }
                    j += 1
                }
                var hi = j
                while hi > start, bytes[hi - 1] == space || bytes[hi - 1] == tab { hi -= 1 }
                let text = String(decoding: bytes[start..<hi], as: UTF8.self)
                if stray {
                    throw .invalidValue(
                        SourceLocation(file: path, line: line, column: column), value: excerpt(text),
                        expected: "a field without a stray \" (quote the whole field, with inner quotes doubled)")
                }
                out.fields.append(text)
                i = j
            }
            // What ends it.
            if i < end, bytes[i] == comma {
                i += 1
                column += 1
                if i == end { out.fields.append("") }
                continue
            }
            if i < end, bytes[i] == cr { i += 1 }
            if i < end, bytes[i] == lf { i += 1 }
            out.records.append((recordLine, start0, out.fields.count))
            start0 = out.fields.count
            line += 1
            recordLine = line
            column = 1
        }
        if out.fields.count > start0 { out.records.append((recordLine, start0, out.fields.count)) }
        return out
    }

    /// The 1-based column number of the first of `names` in the header, or nil.
    func columnNumber(_ names: [String]) -> Int? {
        for name in names { if let i = header.firstIndex(of: name) { return i + 1 } }
        // As a spreadsheet heads it: "Year Group" or "year-group" for year_group.
        for name in names { if let i = headerKeys.firstIndex(of: Self.columnKey(name)) { return i + 1 } }
        return nil
    }

    /// A header name with its spaces and hyphens read as underscores, trimmed.
    static func columnKey(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "_" }).joined(separator: "_")
    }

    /// The column number of a required column.
    func require(_ name: String, aliases: [String] = []) throws(PlacePlanError) -> Int {
        guard let c = columnNumber([name] + aliases) else {
            throw .missingColumn(SourceLocation(file: path, line: 1), column: name, available: header)
        }
        return c
    }

    /// Row `i` as a record, with its physical line number.
    func record(_ i: Int) -> CSVRecord {
        CSVRecord(file: path, line: lines[i], fields: row(i), header: header)
    }
}

/// One row of a ``CSVFile``, with typed accessors that throw errors naming the cell.
struct CSVRecord: Sendable {
    let file: String
    let line: Int
    let fields: ArraySlice<String>
    let header: [String]

    func location(_ column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column, field: column - 1 < header.count ? header[column - 1] : nil)
    }

    /// The trimmed text of a column (1-based), "" when the row is short.
    func text(_ column: Int?) -> String {
        guard let column, column >= 1, column - 1 < fields.count else { return "" }
        return fields[fields.startIndex + column - 1]
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
        if let v = Self.number(s), v >= 0, v <= Self.largestCount { return v }
        if s.isEmpty || Self.suppressionCodes.contains(s.lowercased()) {
            if allowMissing { return nil }
            if s.isEmpty { throw .invalidValue(location(column), value: s, expected: "a number (the cell is empty)") }
            throw .suppressedValue(location(column), code: s)
        }
        guard let v = Self.number(s) else {
            throw .invalidValue(location(column), value: CSVFile.excerpt(s), expected: s.hasPrefix("-") ? "a count of zero or more" : "a number written in digits, such as 57 or 57.5 (no letters, exponents or hexadecimal)")
        }
        guard v >= 0 else { throw .negativeValue(location(column), value: s) }
        guard v <= Self.largestCount else {
            throw .invalidValue(location(column), value: s, expected: "a count of at most \(Format.count(Self.largestCount)) (is a unit or a decimal point wrong?)")
        }
        return v
    }

    /// A share between 0 and 1, written as a fraction (0.78) or, as Excel writes a cell
    /// formatted as a percentage, with a per cent sign ("78%" is 0.78). A bare number above 1
    /// is refused with the two ways to write it, never read as a percentage.
    func share(_ column: Int) throws(PlacePlanError) -> Double {
        let s = text(column)
        if s.hasSuffix("%"), let v = Self.number(String(s.dropLast()).trimmingCharacters(in: .whitespaces)), v >= 0 {
            guard v <= 100 else { throw .invalidValue(location(column), value: s, expected: "a percentage of at most 100%") }
            return v / 100
        }
        let v = try count(column)!
        guard v <= 1 else {
            var fraction = String(format: "%.4f", v / 100)  // 0.7800 for 78, written 0.78
            while fraction.hasSuffix("0") || fraction.hasSuffix(".") { fraction.removeLast() }
            throw .invalidValue(location(column), value: s, expected: "a share between 0 and 1: for \(s) per cent write \(s)% or \(fraction)")
        }
        return v
    }

    /// An amount of money in pounds: a count, with a leading '£' (and thousands separators)
    /// as Excel writes a cell formatted as currency ("£20,000").
    func pounds(_ column: Int, allowMissing: Bool = false) throws(PlacePlanError) -> Double? {
        let s = text(column)
        guard s.hasPrefix("£"), let v = Self.number(String(s.dropFirst()).trimmingCharacters(in: .whitespaces)) else { return try count(column, allowMissing: allowMissing) }
        guard v >= 0 else { throw .negativeValue(location(column), value: s) }
        guard v <= Self.largestCount else {
            throw .invalidValue(location(column), value: s, expected: "an amount of at most £\(Format.count(Self.largestCount)) (is a unit or a decimal point wrong?)")
        }
        return v
    }

    /// A decimal number as people write counts: digits with an optional decimal part, and
    /// optionally thousands separators in groups of three (1,234 in a quoted field); a sign
    /// only as '-' (the caller refuses negative counts). Not exponents (1e3), hexadecimal
    /// (0x1F), infinities or anything Double(_:) would also read.
    static func number(_ s: String) -> Double? {
        // Plain digits, the common case, read straight from the bytes (exact: under 16 digits).
        var text = s
        let fast = text.withUTF8 { bytes -> Double? in
            guard !bytes.isEmpty, bytes.count < 16 else { return nil }
            var v = 0
            for b in bytes {
                guard b >= 48, b <= 57 else { return nil }
                v = v * 10 + Int(b &- 48)
            }
            return Double(v)
        }
        if let fast { return fast }
        var digits = Substring(s)
        var negative = false
        if digits.first == "-" {
            negative = true
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, parts.count == 1 || (parts.count == 2 && !parts[1].isEmpty && parts[1].allSatisfy(\.isASCIIDigit))
        else { return nil }
        var plain = String(whole)
        if whole.contains(",") {
            let groups = whole.split(separator: ",", omittingEmptySubsequences: false)
            guard (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }), groups.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else { return nil }
            plain = groups.joined()
        } else {
            guard whole.allSatisfy(\.isASCIIDigit) else { return nil }
        }
        guard let v = Double(plain + (parts.count == 2 ? "." + parts[1] : "")), v.isFinite else { return nil }
        return negative ? -v : v
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
            if let was = Self.excelDate(s) {
                throw .invalidValue(
                    location(column), value: s,
                    expected: "an academic year: it is \(was) turned into a date by Excel (a year to 2011/12 reads as a month); write \(was.startYear)\(String(format: "%02d", (was.startYear + 1) % 100)) or \(was.startYear), or format the column as Text before typing")
            }
            throw .invalidValue(location(column), value: s, expected: "an academic year such as 2019/20, 201920 or 2019")
        }
        return y
    }

    /// The academic year Excel turned into a date: typed as `2011/12`, Excel reads the year
    /// and month December 2011 and writes it back as `Dec-11`, `01/12/2011` or `2011-12-01`,
    /// so every year from 2000/01 to 2011/12 (whose second part is a month) comes back as
    /// one. Nil unless the month is the year after the year, as only such a slip gives.
    static func excelDate(_ s: String) -> AcademicYear? {
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        var year: Int?, month: Int?
        let dash = s.split(separator: "-", omittingEmptySubsequences: false), slash = s.split(separator: "/", omittingEmptySubsequences: false)
        if dash.count == 2, let m = months.firstIndex(of: dash[0].lowercased()), dash[1].count == 2, let yy = Int(dash[1]) {
            (year, month) = (2000 + yy, m + 1)  // Dec-11
        } else if slash.count == 3, Int(slash[0]) == 1, slash[2].count == 4 {
            (year, month) = (Int(slash[2]), Int(slash[1]))  // 01/12/2011
        } else if dash.count == 3, dash[0].count == 4, Int(dash[2]) == 1 {
            (year, month) = (Int(dash[0]), Int(dash[1]))  // 2011-12-01
        }
        guard let year, let month, month == (year + 1) % 100 else { return nil }
        return AcademicYear(year)
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
    for i in 0..<file.rowCount {
        let record = file.record(i)
        do { try body(record) } catch { errors.append(error) }
        if errors.count >= limit { break }
    }
    try PlacePlanError.check(errors)
}
