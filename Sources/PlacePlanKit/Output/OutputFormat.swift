import Foundation

/// The formats every report can be written in.
public enum OutputFormat: String, Sendable, CaseIterable, Codable {
    /// Aligned text for a terminal (colour when the terminal supports it).
    case table
    case csv
    /// A documented, versioned schema (docs/json-output.md).
    case json
    case markdown
    /// An Excel workbook (`sufficiency`, `forecast`, `plan`, `export --scap`): written to
    /// `--output`, or to standard output when that is not a terminal.
    case xlsx

    /// The error of a renderer asked for text in xlsx: its workbook comes from `spreadsheet()`.
    static func workbookRequested() throws(PlacePlanError) -> Never {
        throw .internalError("an xlsx output is written from its spreadsheet(), not render()")
    }

    /// The error of a command whose output has no workbook form.
    public static func noWorkbook(_ command: String) -> PlacePlanError {
        .invalidOption(option: "--format", message: "\(command) has no xlsx output", hint: "use --format csv (Excel opens it too); workbooks come from sufficiency, forecast, send, plan, compare and export --scap")
    }
}

/// Writes output all at once: to stdout, or to a file through a temporary file in the same
/// directory that is renamed into place, so a failure never leaves a half-written file. A
/// file that the run read as an input (``InputFiles``) is never replaced.
public enum OutputFile {
    /// Throws if `path` is one of the run's inputs; a command writing several files checks
    /// them all first, so that it writes all of them or none.
    public static func refuseInput(_ path: String?, option: String) throws(PlacePlanError) {
        guard let path, InputFiles.contains(path) else { return }
        throw .invalidOption(option: option, message: "\(path) is one of this run's inputs", hint: "write to another file: placeplan never replaces its inputs")
    }

    /// Throws if two of a command's outputs name the same file (one would silently replace
    /// the other); checked before the run starts.
    public static func refuseSame(_ outputs: [(path: String?, option: String)]) throws(PlacePlanError) {
        var seen: [String: String] = [:]
        for (path, option) in outputs {
            guard let path, !path.hasPrefix("/dev/") else { continue }
            let key = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
            if let first = seen[key] {
                throw .invalidOption(option: option, message: "\(path) is also the file of \(first)", hint: "give each output its own file, e.g. \(option) \(suggestion(for: path, option: option))")
            }
            seen[key] = option
        }
    }

    static func suggestion(for path: String, option: String) -> String {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        let ext = option == "--junit" ? "xml" : option == "--records" ? "csv" : url.pathExtension
        return "\(stem)-\(option.dropFirst(2)).\(ext.isEmpty ? "txt" : ext)"
    }

    /// Writes a CSV table as ``write(_:to:option:)`` writes text; to a file, for Excel: with a
    /// UTF-8 byte-order mark when it holds anything but ASCII (a school named "St Mary’s"), as
    /// Excel's own "CSV UTF-8" has, since Excel reads a CSV file without one as Windows-1252
    /// and would garble the name. Plain ASCII, and standard output, are left as they are.
    public static func writeCSV(_ text: String, to path: String?, option: String = "--output") throws(PlacePlanError) {
        let forExcel = path != nil && text.utf8.contains { $0 >= 0x80 }
        try write(forExcel ? "\u{FEFF}" + text : text, to: path, option: option)
    }

    /// - Parameter option: the option that named `path`, for the message when it is refused.
    ///
    /// A regular file (or a new one) is replaced atomically: the text goes to a temporary
    /// file created exclusively (`mkstemp`, so a planted file or symlink of that name is never
    /// written through) in the target's folder, then renamed over the target; a symlink to a
    /// regular file replaces the file it points to. Anything else (a device such as
    /// /dev/null, /dev/stdout, a FIFO) is written directly, never replaced.
    public static func write(_ text: String, to path: String?, option: String = "--output") throws(PlacePlanError) {
        try write(data: Data(text.utf8), to: path, option: option)
    }

    /// Writes bytes (a workbook) as ``write(_:to:option:)`` writes text; to standard output
    /// only when it is not a terminal.
    public static func write(data: Data, to path: String?, option: String = "--output") throws(PlacePlanError) {
        guard let path else {
            try writeAll(data, to: STDOUT_FILENO, path: "standard output")
            return
        }
        try refuseInput(path, option: option)
        var target = path
        var info = stat()
        if stat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) != S_IFREG {
                if (info.st_mode & S_IFMT) == S_IFDIR { throw .outputFailed(path: path, reason: "it is a folder; name a file in it") }
                let fd = open(path, O_WRONLY | O_CLOEXEC)
                guard fd >= 0 else { throw .outputFailed(path: path, reason: String(cString: strerror(errno))) }
                defer { close(fd) }
                try writeAll(data, to: fd, path: path)
                return
            }
            // A symlink to a regular file: replace the file, keep the link.
            if let resolved = realpath(path, nil) {
                target = String(cString: resolved)
                free(resolved)
            }
        }
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path
        var template = Array((folder + "/.\(url.lastPathComponent).XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "the folder \(folder) does not exist" : String(cString: strerror(errno))
            throw .outputFailed(path: path, reason: reason)
        }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var isOpen = true
        do throws(PlacePlanError) {
            try writeAll(data, to: fd, path: path)
            // The mode a new file would get (mkstemp makes 0600), or the replaced file's.
            let mode: mode_t = stat(target, &info) == 0 ? info.st_mode & 0o7777 : 0o666 & ~currentUmask()
            fchmod(fd, mode)
            guard fsync(fd) == 0 || errno == EINVAL else { throw .outputFailed(path: path, reason: String(cString: strerror(errno))) }
            isOpen = false
            guard close(fd) == 0 else { throw .outputFailed(path: path, reason: String(cString: strerror(errno))) }
            // rename(2) replaces the target atomically: readers see the old file or the new one.
            guard rename(temporary, target) == 0 else { throw .outputFailed(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            if isOpen { close(fd) }
            unlink(temporary)
            throw error
        }
    }

    /// Writes all of `data` to a descriptor, retrying short writes; a full disk, a closed
    /// descriptor or a broken pipe is an output error (exit 73), never a crash.
    public static func writeAll(_ data: Data, to fd: Int32, path: String) throws(PlacePlanError) {
        let failure: Int32? = data.withUnsafeBytes { raw -> Int32? in
            guard var p = raw.baseAddress else { return nil }
            var left = raw.count
            while left > 0 {
                let n = Foundation.write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                left -= n
                p += n
            }
            return nil
        }
        if let failure {
            let reason = failure == EBADF ? "it is closed" : String(cString: strerror(failure))
            throw .outputFailed(path: path, reason: reason)
        }
    }

    /// The process's umask, read from /proc (setting and restoring it would race with other
    /// threads creating files); 022 where /proc does not say.
    static func currentUmask() -> mode_t {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
            let mask = mode_t(line.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8)
        {
            return mask
        }
        return 0o022
    }
}

/// Text styles for table cells; rendered as ANSI colours on a terminal and not at all
/// elsewhere.
public enum CellStyle: Sendable {
    case plain, bad, warning, good, dim, bold

    var ansi: String {
        switch self {
        case .plain: ""
        case .bad: "\u{1B}[1;31m"
        case .warning: "\u{1B}[33m"
        case .good: "\u{1B}[32m"
        case .dim: "\u{1B}[2m"
        case .bold: "\u{1B}[1m"
        }
    }
}

/// A table of text cells, rendered aligned for a terminal, as Markdown, or as CSV.
public struct TextTable: Sendable {
    public struct Cell: Sendable, ExpressibleByStringLiteral {
        public var text: String
        public var style: CellStyle
        /// Control characters in `text` (from an input's names) are escaped: a cell cannot drive
        /// the terminal it is shown on.
        public init(_ text: String, _ style: CellStyle = .plain) {
            self.text = Format.printable(text)
            self.style = style
        }
        public init(stringLiteral value: String) { self.init(value) }
    }

    public var title: String?
    public var headers: [String]
    /// Whether each column is right-aligned (numbers) or left-aligned (text).
    public var rightAligned: [Bool]
    public var rows: [[Cell]]
    /// Columns whose long text the terminal rendering wraps, at the given width, onto
    /// continuation lines (the other cells blank). Markdown and CSV keep each cell whole,
    /// so that a wrapped cell never becomes extra rows there.
    public var wrapWidths: [Int: Int] = [:]

    public init(title: String? = nil, headers: [String], rightAligned: [Bool]? = nil, rows: [[Cell]] = []) {
        self.title = title
        self.headers = headers
        self.rightAligned = rightAligned ?? headers.indices.map { $0 > 0 }
        self.rows = rows
    }

    /// The rows as the terminal shows them: a cell of a column in ``wrapWidths`` longer than
    /// its width is cut at spaces into lines, the later ones on rows of their own.
    func terminalRows() -> [[Cell]] {
        guard !wrapWidths.isEmpty else { return rows }
        var out: [[Cell]] = []
        for row in rows {
            var pieces: [[String]] = row.map { [$0.text] }
            for (i, width) in wrapWidths where i < row.count && row[i].text.count > width {
                pieces[i] = ScenarioHeader.wrap(row[i].text, width: width, indent: "")
            }
            let height = pieces.map(\.count).max() ?? 1
            for line in 0..<height {
                out.append(row.indices.map { i in
                    line < pieces[i].count ? Cell(pieces[i][line], row[i].style) : Cell("")
                })
            }
        }
        return out
    }

    /// Aligned columns separated by two spaces; `colour` adds ANSI styles.
    public func render(colour: Bool) -> String {
        let rows = terminalRows()
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.text.count) } }
        func pad(_ s: String, _ i: Int) -> String {
            let fill = String(repeating: " ", count: max(0, widths[i] - s.count))
            return rightAligned[i] ? fill + s : s + fill
        }
        var lines: [String] = []
        if let title { lines.append(colour ? CellStyle.bold.ansi + title + "\u{1B}[0m" : title) }
        // A titled table with no rows is its title alone ("Actions: none needed"), not a
        // header over nothing.
        if rows.isEmpty, title != nil { return lines.joined(separator: "\n") + "\n" }
        lines.append(headers.indices.map { pad(headers[$0], $0) }.joined(separator: "  ").trimmingTrailingSpaces())
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows {
            let cells = row.indices.map { i -> String in
                let text = pad(row[i].text, i)
                return colour && row[i].style != .plain ? row[i].style.ansi + text + "\u{1B}[0m" : text
            }
            lines.append(cells.joined(separator: "  ").trimmingTrailingSpaces())
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A GitHub-flavoured Markdown table, with the title as a heading. Text from the inputs
    /// (area and school names) is escaped so that it reads as text: `|` cannot split a cell,
    /// and `<` cannot open an HTML tag where the Markdown is rendered (`&` before a space, as in
    /// "Barnet & Oakleigh", is plain text to Markdown and is left as it is). A cell is one
    /// line, whatever the terminal wraps (``wrapWidths``): a line break would end the table.
    public func markdown(headingLevel: Int = 3) -> String {
        func escaped(_ s: String) -> String {
            s.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        var lines: [String] = []
        if let title {
            // A title wrapped for the terminal is one heading.
            let heading = title.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            lines += [String(repeating: "#", count: headingLevel) + " " + escaped(heading), ""]
        }
        lines.append("| " + headers.map(escaped).joined(separator: " | ") + " |")
        lines.append("|" + rightAligned.map { $0 ? "---:|" : "---|" }.joined())
        for row in rows {
            lines.append("| " + row.map { escaped($0.text) }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// CSV text written field by field, quoted as ``csvText(header:rows:)`` quotes, for the
/// large tables (a national forecast is half a million rows): no table of strings is held.
struct CSVWriter {
    private(set) var text = ""
    private var first = true

    init(header: [String], reservingRows rows: Int) {
        text.reserveCapacity((rows + 1) * 64)
        for h in header { field(h) }
        endRow()
    }

    mutating func field(_ value: String) {
        if !first { text += "," }
        text += csvField(value)
        first = false
    }

    mutating func endRow() {
        text += "\n"
        first = true
    }
}

/// CSV text from a header and rows, quoted where needed (through CSV.swift's writer).
public func csvText(header: [String], rows: [[String]]) -> String {
    var out = ""
    out.reserveCapacity((rows.count + 1) * 64)
    for (i, row) in ([header] + rows).enumerated() {
        if i > 0 { out += "\n" }
        for (j, field) in row.enumerated() {
            if j > 0 { out += "," }
            out += csvField(field)
        }
    }
    return out + "\n"
}

/// One CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled), and,
/// when it is text that a spreadsheet would read as a formula (it begins with =, +, -, @, a
/// tab or a carriage return and is not a number), prefixed with an apostrophe, as OWASP
/// advises against CSV injection. Numbers, negative ones included, are left as they are.
func csvField(_ value: String) -> String {
    var v = value
    // One pass over the bytes: most fields (numbers, ids) need neither a prefix nor quotes.
    let (formulaLike, needsQuotes) = v.withUTF8 { bytes -> (Bool, Bool) in
        guard let first = bytes.first else { return (false, false) }
        let formulaLike = first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@") || first == 9 || first == 13
        return (formulaLike, bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 })
    }
    if !formulaLike, !needsQuotes { return v }
    if formulaLike, Double(v) == nil { v = "'" + v }
    guard needsQuotes else { return v }
    var quoted = "\""
    for ch in v.unicodeScalars {
        if ch == "\"" { quoted += "\"" }
        quoted.unicodeScalars.append(ch)
    }
    return quoted + "\""
}

/// Pretty-printed JSON with sorted keys, so the same report gives the same bytes.
public func jsonText<T: Encodable>(_ value: T) throws(PlacePlanError) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    do {
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    } catch {
        throw .internalError("JSON encoding failed: \(error)")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// Number formatting shared by the reports.
public enum Format {
    /// A line broken at spaces to at most `width` characters (a longer word stays whole), the
    /// continuation lines indented four spaces past the line's own indent.
    public static func wrapped(_ line: String, width: Int = 98) -> [String] {
        let lead = String(line.prefix { $0 == " " })
        let parts = ScenarioHeader.wrap(line, width: width, indent: lead + "    ")
        return parts.enumerated().map { $0.offset == 0 ? lead + $0.element.dropFirst(lead.count + 4) : $0.element }
    }

    /// Text from an input made safe to print on a terminal: control characters (escape
    /// sequences, bells, carriage returns) written as \u{1B} and the like, so that a name
    /// in a data or scenario file cannot move the cursor or retitle the window.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            let category = scalar.properties.generalCategory
            if category == .control || category == .format {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// x rounded to a whole number; nil where none can hold it (not finite, or beyond ±10¹⁵),
    /// which the formats below print as "n/a" rather than trap.
    static func integer(_ x: Double) -> Int? {
        x.isFinite && abs(x) < 1e15 ? Int(x.rounded()) : nil
    }

    /// `text` (a number as written, such as "11.3%", or a word) after its indefinite article,
    /// as it is read aloud: "an 11.3%", "an 8-year", "a 1.5%", "a 21%", "an expansion", "an
    /// all-through", "a bulge", "a unit".
    public static func withArticle(_ text: String) -> String {
        let an: Bool
        if text.first?.isNumber == true {
            let lead = text.prefix { $0.isNumber || $0 == "," }.split(separator: ",").first.map(String.init) ?? ""
            an = lead.hasPrefix("8") || lead == "11" || lead == "18"
        } else {
            let word = text.lowercased()
            an = word.first.map { "aeiou".contains($0) } == true && !["uni", "use", "usu", "one"].contains { word.hasPrefix($0) }
        }
        return (an ? "an " : "a ") + text
    }

    /// A whole number with thousands separators: 31460 -> "31,460".
    public static func count(_ x: Double) -> String {
        guard let n = integer(x) else { return "n/a" }
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + String(out.reversed())
    }

    /// A whole number without separators, for machine-read CSV: 31460.4 -> "31460"
    /// ("n/a" where no whole number can hold the value, as in ``count(_:)``).
    public static func whole(_ x: Double) -> String {
        integer(x).map(String.init) ?? "n/a"
    }

    /// A signed whole number: "+120", "-45", "0".
    public static func signed(_ x: Double) -> String {
        (integer(x) ?? 0) > 0 ? "+" + count(x) : count(x)
    }

    /// A share as a percentage with one decimal: 0.0523 -> "5.2%". A negative share that
    /// rounds to zero keeps its sign, "-0.0%", so that a deficit of a pupil or two does not
    /// read as a balance.
    public static func percent(_ share: Double?, signed: Bool = false) -> String {
        guard let share, share.isFinite else { return "n/a" }
        let v = (share * 1000).rounded() / 10
        let text = v == 0 && share < 0 ? "-0.0%" : String(format: "%.1f%%", v == 0 ? 0 : v)
        return signed && v > 0 ? "+" + text : text
    }

    /// A value with one decimal: 1.25 -> "1.3" (sign shown when asked).
    public static func decimal(_ x: Double, places: Int = 1, signed: Bool = false) -> String {
        let scale = pow(10.0, Double(places))
        let v = (x * scale).rounded() / scale
        let text: String
        if (0...6).contains(places), v.isFinite, abs(v) < 1e12 {
            // The digits of n = v · 10^places, which is what "%.{places}f" prints for v (v is
            // the double nearest n / 10^places), without Foundation's formatter.
            let n = Int((v * scale).rounded()), unit = Int(scale)
            let whole = String(abs(n) / unit), fraction = String(abs(n) % unit)
            let digits = places == 0 ? whole : whole + "." + String(repeating: "0", count: places - fraction.count) + fraction
            text = n < 0 ? "-" + digits : digits
        } else {
            text = String(format: "%.\(places)f", v == 0 ? 0 : v)
        }
        return signed && v > 0 ? "+" + text : text
    }

    /// A number of years: 1 -> "1 year", 5 -> "5 years".
    public static func years(_ n: Int) -> String { n == 1 ? "1 year" : "\(n) years" }

    /// Rounds for JSON: pupils and places to one decimal place.
    public static func rounded(_ x: Double, places: Int = 1) -> Double {
        let scale = pow(10.0, Double(places))
        let v = (x * scale).rounded() / scale
        return v == 0 ? 0 : v
    }
}
