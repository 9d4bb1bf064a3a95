/// Where in an input a problem was found: a file, and when known a line, a column number
/// and the column name or key.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// The CSV column name or the YAML key.
    public var field: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, field: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
    }

    /// "data/rolls.csv:14:3 (column 'pupils')", in the form editors and CI annotate.
    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        if let field {
            let yaml = file.hasSuffix(".yaml") || file.hasSuffix(".yml")
            s += " (\(line == nil ? "" : yaml ? "key " : "column ")'\(field)')"
        }
        return s
    }
}

/// Every way in which placeplan can fail. Each case says what is wrong, where, and how to
/// fix it (``hint``); ``exitCode`` maps it to the documented process exit code.
public enum PlacePlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An input file or directory does not exist.
    case fileNotFound(path: String, hint: String)
    /// An input file exists but cannot be read or decoded (not UTF-8, not CSV, not YAML).
    case unreadableFile(path: String, reason: String)
    /// A CSV file separated by semicolons or tabs rather than commas, as Excel saves "CSV"
    /// in a locale with a decimal comma, or a copy saved as text. `header` is its first line.
    case wrongSeparator(path: String, separator: String, header: String)
    /// A required column is absent from a CSV header.
    case missingColumn(SourceLocation, column: String, available: [String])
    /// A value does not parse as what the column or key requires.
    case invalidValue(SourceLocation, value: String, expected: String)
    /// A DfE suppression code (x, z, c, ...) where a value is required: missing, never zero.
    case suppressedValue(SourceLocation, code: String)
    /// A count that must not be negative is negative.
    case negativeValue(SourceLocation, value: String)
    /// A planning area id that the areas file does not define.
    case unknownArea(SourceLocation, id: String, known: [String])
    /// A school id that the schools file does not define.
    case unknownSchool(SourceLocation, id: String)
    /// A row repeats the key of an earlier row.
    case duplicateRow(SourceLocation, key: String, firstLine: Int)
    /// A row repeats the key of an earlier row and differs from it in another column: the
    /// file is broken down by that column (a download by school type or sex), not one row a
    /// key. `values` are the two rows' values of `column`.
    case brokenDownRows(SourceLocation, key: String, firstLine: Int, column: String, values: [String])
    /// A year series (rolls or births) has gaps.
    case missingYears(file: String, series: String, missing: [AcademicYear])
    /// Too little history to estimate what is asked for.
    case insufficientHistory(String, hint: String)
    /// A scenario file is invalid: unknown key, bad reference, impossible change, ...
    case invalidScenario(SourceLocation, message: String, hint: String)
    /// The run store (`--store`) is not a placeplan run store, or a saved run in it is damaged.
    case invalidRunStore(path: String, problem: String, hint: String)
    /// A command-line option has a value that cannot be used.
    case invalidOption(option: String, message: String, hint: String)
    /// A data folder holds more than one file of a kind read by its name's prefix (two
    /// census extracts, say), so which one is meant is not known.
    case ambiguousFiles(directory: String, pattern: String, files: [String])
    /// An output file could not be written; nothing was left behind.
    case outputFailed(path: String, reason: String)
    /// A bug: an invariant of placeplan itself does not hold.
    case internalError(String)
    /// Several problems found in one pass, reported together.
    case multiple([PlacePlanError])

    /// Process exit code: 64 usage, 65 bad input data, 73 output not writable, 70 internal.
    public var exitCode: Int32 {
        switch self {
        case .invalidOption: 64
        case .outputFailed: 73
        case .internalError: 70
        case .multiple(let errors): errors.map(\.exitCode).max() ?? 65
        default: 65
        }
    }

    /// What is wrong and where.
    public var message: String {
        switch self {
        case .fileNotFound(let path, _): "\(path): file not found"
        case .unreadableFile(let path, let reason): "\(path): cannot read: \(reason)"
        case .wrongSeparator(let path, let separator, let header):
            "\(path):1: fields separated by \(separator), not commas (the header reads '\(header)')"
        case .missingColumn(let loc, let column, let available):
            "\(loc): missing column '\(column)' (the header has: \(available.joined(separator: ", ")))"
        case .invalidValue(let loc, let value, let expected): "\(loc): '\(value)' is not \(expected)"
        case .suppressedValue(let loc, let code):
            "\(loc): suppressed or missing value '\(code)' where a number is required"
        case .negativeValue(let loc, let value): "\(loc): negative count \(value)"
        case .unknownArea(let loc, let id, _): "\(loc): unknown planning area '\(id)'"
        case .unknownSchool(let loc, let id): "\(loc): unknown school '\(id)'"
        case .duplicateRow(let loc, let key, let first): "\(loc): duplicate row for \(key) (first at line \(first))"
        case .brokenDownRows(let loc, let key, let first, let column, let values):
            "\(loc): a second row for \(key) (first at line \(first)), with \(column) '\(values.joined(separator: "' where that one has '"))': the file is broken down by \(column)"
        case .missingYears(let file, let series, let missing):
            "\(file): \(series) has no rows for \(missing.map(\.description).joined(separator: ", "))"
        case .insufficientHistory(let what, _): what
        case .invalidScenario(let loc, let message, _): "\(loc): \(message)"
        case .invalidRunStore(let path, let problem, _): "\(path): \(problem)"
        case .invalidOption(let option, let message, _): "\(option): \(message)"
        case .ambiguousFiles(let directory, let pattern, let files):
            "\(directory): \(files.count) files match \(pattern): \(files.joined(separator: ", "))"
        case .outputFailed(let path, let reason): "\(path): cannot write output: \(reason)"
        case .internalError(let what): "internal error: \(what)"
        case .multiple(let errors): errors.map(\.message).joined(separator: "\n")
        }
    }

    /// How to fix it.
    public var hint: String? {
        switch self {
        case .fileNotFound(_, let hint): hint
        case .unreadableFile: "save the file as UTF-8 text (CSV with a header row, or YAML)"
        case .wrongSeparator:
            "save it from Excel as 'CSV UTF-8 (Comma delimited)', or with commas between fields"
        case .missingColumn(_, let column, _): "add a '\(column)' column to the header row (see docs/input-formats.md)"
        case .invalidValue: "correct the value; see docs/input-formats.md"
        case .suppressedValue:
            "DfE codes x, z and c mean missing, not zero: supply the figure, or drop the row if the series allows it"
        case .negativeValue: "counts of pupils, places, births and dwellings must be zero or more"
        case .unknownArea(_, _, let known):
            "use an id from areas.csv (\(known.prefix(8).joined(separator: ", "))\(known.count > 8 ? ", ..." : ""))"
        case .unknownSchool: "use an id from schools.csv"
        case .duplicateRow: "keep one row per key: delete or merge the repeated row"
        case .brokenDownRows(_, _, _, let column, _):
            "keep one row per LA, year and year group: filter the file to one \(column) (a total, if it has one) or sum the ones you plan for"
        case .missingYears: "add the missing years: the series must be consecutive"
        case .insufficientHistory(_, let hint): hint
        case .invalidScenario(_, _, let hint): hint
        case .invalidRunStore(_, _, let hint): hint
        case .invalidOption(_, _, let hint): hint
        case .ambiguousFiles: "keep one (the latest extract) and move the others out of the folder: placeplan reads one file of each kind"
        case .outputFailed(let path, let reason):
            path == "standard output"
                ? "standard output could not take the text: write to a file with --output, or free space where it goes"
                : reason.contains("run store") ? "check the store's folder and free space; earlier runs in the store are untouched" : "check that the directory exists and is writable"
        case .internalError: "please report this with the command and inputs that caused it"
        case .multiple: nil
        }
    }

    /// The errors this one stands for (itself unless it is ``multiple(_:)``).
    public var flattened: [PlacePlanError] {
        if case .multiple(let errors) = self { return errors.flatMap(\.flattened) }
        return [self]
    }

    /// "error: ...\n  hint: ..." for each problem, as printed on stderr.
    public var description: String {
        flattened.map { e in
            "error: \(e.message)" + (e.hint.map { "\n  hint: \($0)" } ?? "")
        }.joined(separator: "\n")
    }

    /// Throws nothing for no errors, the error itself for one, ``multiple(_:)`` for more.
    public static func check(_ errors: [PlacePlanError]) throws(PlacePlanError) {
        if errors.count == 1 { throw errors[0] }
        if errors.count > 1 { throw PlacePlanError.multiple(errors) }
    }
}
