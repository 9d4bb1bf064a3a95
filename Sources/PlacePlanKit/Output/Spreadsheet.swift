import CXlsxWriter
import Foundation

/// A workbook of typed tables, written as an Excel .xlsx file by libxlsxwriter: a sheet per
/// table, numbers as numbers (whole, decimal, percentage or pounds, each with its Excel
/// number format), a bold frozen header row with filters, column widths from the content,
/// and a sheet of the run's assumptions.
public struct Spreadsheet: Sendable {
    /// How a column's numbers are shown.
    public enum Kind: Sendable {
        case text
        /// #,##0
        case count
        /// 0.0 (or as many places as given)
        case decimal(Int)
        /// A fraction shown as a percentage, 0.0%.
        case percent
        /// Pounds, £#,##0.
        case money

        var format: String? {
            switch self {
            case .text: nil
            case .count: "#,##0"
            case .decimal(let places): places == 0 ? "0" : "0." + String(repeating: "0", count: places)
            case .percent: "0.0%"
            case .money: "£#,##0;-£#,##0"
            }
        }

        /// Values are stored as the CSV and JSON give them: to the shown places (shares to
        /// 0.01%, so a cell's value and its CSV field agree).
        func stored(_ x: Double) -> Double {
            switch self {
            case .text: x
            case .count, .money: Format.rounded(x, places: 0)
            case .decimal(let places): Format.rounded(x, places: places)
            case .percent: Format.rounded(x, places: 4)
            }
        }
    }

    public enum Cell: Sendable, Equatable {
        case text(String)
        case number(Double)
        case empty
    }

    public struct Column: Sendable {
        public var header: String
        public var kind: Kind
        public init(_ header: String, _ kind: Kind = .text) {
            self.header = header
            self.kind = kind
        }
    }

    public struct Sheet: Sendable {
        /// At most 31 characters, none of []:*?/\ (Excel's rules; ``xlsx()`` enforces them).
        public var name: String
        public var columns: [Column]
        public var rows: [[Cell]]
        public init(_ name: String, columns: [Column], rows: [[Cell]] = []) {
            self.name = name
            self.columns = columns
            self.rows = rows
        }
    }

    public var title: String
    public var sheets: [Sheet]

    public init(title: String, sheets: [Sheet] = []) {
        self.title = title
        self.sheets = sheets
    }

    /// A sheet of (item, value) lines: what the run assumed.
    public static func assumptions(_ lines: [(String, String)]) -> Sheet {
        Sheet("Assumptions", columns: [Column("Item"), Column("Value")], rows: lines.map { [.text($0.0), .text($0.1)] })
    }

    /// A number cell, or empty for nil.
    public static func number(_ x: Double?) -> Cell { x.map { $0.isFinite ? .number($0) : .empty } ?? .empty }

    /// Excel's sheet name rules: 31 characters, none of []:*?/\, unique in the workbook.
    static func sheetNames(_ sheets: [Sheet]) -> [String] {
        var used = Set<String>()
        return sheets.map { s in
            var name = String(s.name.map { "[]:*?/\\".contains($0) ? "-" : $0 }.prefix(31))
            if name.isEmpty { name = "Sheet" }
            var candidate = name, k = 2
            while used.contains(candidate.lowercased()) {
                candidate = String(name.prefix(28)) + " \(k)"
                k += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }

    /// The workbook's bytes. Text cells are stored as text, never as formulas, so a name
    /// beginning with = + - @ cannot run in the reader's Excel. The file's dates are fixed
    /// (1 January 2026), so the same tables give the same bytes.
    public func xlsx() throws(PlacePlanError) -> Data {
        var template = Array((NSTemporaryDirectory() + "/placeplan-xlsx-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .outputFailed(path: NSTemporaryDirectory(), reason: "cannot create a temporary file for the workbook: \(String(cString: strerror(errno)))") }
        close(fd)
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { unlink(path) }
        try write(to: path)
        guard let data = FileManager.default.contents(atPath: path) else { throw .outputFailed(path: path, reason: "the workbook was not written") }
        return data
    }

    func write(to path: String) throws(PlacePlanError) {
        guard let workbook = workbook_new(path) else { throw .outputFailed(path: path, reason: "libxlsxwriter could not create the workbook") }
        var failed = false
        title.withCString { t in
            "placeplan".withCString { author in
                var properties = lxw_doc_properties()
                properties.title = UnsafeMutablePointer(mutating: t)
                properties.author = UnsafeMutablePointer(mutating: author)
                properties.created = 1_767_225_600  // 2026-01-01T00:00:00Z
                failed = workbook_set_properties(workbook, &properties) != LXW_NO_ERROR
            }
        }
        let header = workbook_add_format(workbook)
        format_set_bold(header)
        format_set_bottom(header, UInt8(LXW_BORDER_THIN.rawValue))
        format_set_text_wrap(header)
        var formats: [String: UnsafeMutablePointer<lxw_format>] = [:]
        func format(_ kind: Kind) -> UnsafeMutablePointer<lxw_format>? {
            guard let f = kind.format else { return nil }
            if let existing = formats[f] { return existing }
            let made = workbook_add_format(workbook)!
            format_set_num_format(made, f)
            formats[f] = made
            return made
        }
        for (sheet, name) in zip(sheets, Self.sheetNames(sheets)) {
            guard let ws = workbook_add_worksheet(workbook, name) else {
                failed = true
                continue
            }
            for (c, column) in sheet.columns.enumerated() {
                worksheet_write_string(ws, 0, lxw_col_t(c), column.header, header)
                // A width from the header and the longest cell (at most 60 characters).
                let longest = sheet.rows.reduce(column.header.count) { widest, row in
                    guard c < row.count else { return widest }
                    switch row[c] {
                    case .text(let s): return max(widest, s.count)
                    case .number(let x): return max(widest, Format.count(x).count + 2)
                    case .empty: return widest
                    }
                }
                worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), Double(min(60, max(8, longest + 2))), format(column.kind))
            }
            for (r, row) in sheet.rows.enumerated() {
                for (c, cell) in row.enumerated() where c < sheet.columns.count {
                    let f = format(sheet.columns[c].kind)
                    switch cell {
                    case .text(let s): worksheet_write_string(ws, lxw_row_t(r + 1), lxw_col_t(c), Format.printable(s), nil)
                    case .number(let x): worksheet_write_number(ws, lxw_row_t(r + 1), lxw_col_t(c), sheet.columns[c].kind.stored(x), f)
                    case .empty: break
                    }
                }
            }
            worksheet_freeze_panes(ws, 1, 0)
            if !sheet.columns.isEmpty { worksheet_autofilter(ws, 0, 0, lxw_row_t(max(1, sheet.rows.count)), lxw_col_t(sheet.columns.count - 1)) }
        }
        let closed = workbook_close(workbook)
        guard !failed, closed == LXW_NO_ERROR else {
            throw .outputFailed(path: path, reason: "libxlsxwriter could not write the workbook: \(String(cString: lxw_strerror(closed)))")
        }
    }
}
