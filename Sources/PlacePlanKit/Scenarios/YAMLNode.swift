import Yams

/// A YAML node with its file, for reading scenario files strictly: every accessor throws
/// ``PlacePlanError/invalidScenario(_:message:hint:)`` naming the file, line and column.
struct YAMLNode {
    let node: Node
    let file: String
    /// The key this node is the value of, for messages.
    let key: String?

    var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line, column: node.mark?.column, field: key)
    }

    func fail(_ message: String, hint: String) -> PlacePlanError {
        .invalidScenario(location, message: message, hint: hint)
    }

    /// Parses a YAML document.
    static func parse(_ text: String, file: String) throws(PlacePlanError) -> YAMLNode {
        do {
            guard let root = try Yams.compose(yaml: text) else {
                throw PlacePlanError.invalidScenario(SourceLocation(file: file, line: 1, column: 1), message: "the file is empty", hint: "a scenario needs at least a name")
            }
            return YAMLNode(node: root, file: file, key: nil)
        } catch let error as PlacePlanError {
            throw error
        } catch let error as YamlError {
            var location = SourceLocation(file: file)
            var problem = "\(error)"
            switch error {
            case .scanner(_, let p, let mark, _), .parser(_, let p, let mark, _), .composer(_, let p, let mark, _):
                location.line = mark.line
                location.column = mark.column
                problem = p
            case .duplicatedKeysInMapping(let duplicates, let context):
                // The second time the key appears at one indentation is the line to fix.
                let key = duplicates.first ?? ""
                location.line = context.mark.line
                location.column = context.mark.column
                var firstAt: [Int: Int] = [:]
                for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let indent = line.prefix { $0 == " " }.count
                    var rest = line.dropFirst(indent)
                    if rest.hasPrefix("- ") { rest = rest.dropFirst(2) }
                    guard rest.hasPrefix(key), rest.dropFirst(key.count).drop(while: { $0 == " " }).hasPrefix(":") else { continue }
                    let column = line.count - rest.count + 1
                    if let first = firstAt[column] {
                        location.line = i + 1
                        location.column = column
                        problem = "the key '\(key)' appears twice (first on line \(first))"
                        break
                    }
                    firstAt[column] = i + 1
                }
                if problem.hasPrefix("duplicated") || !problem.contains("appears twice") { problem = "the key '\(key)' appears twice in one mapping" }
            default: break
            }
            throw .invalidScenario(location, message: "not valid YAML: \(problem)", hint: "check the indentation and the ':' after each key")
        } catch {
            throw .invalidScenario(SourceLocation(file: file), message: "not valid YAML: \(error)", hint: "check the file's syntax")
        }
    }

    /// The entries of a mapping, after checking that every key is one of `allowed`.
    func mapping(allowed: [String], context: String) throws(PlacePlanError) -> [String: YAMLNode] {
        guard let mapping = node.mapping else {
            throw fail("\(context) must be a mapping of keys to values", hint: "write it as 'key: value' lines")
        }
        var out: [String: YAMLNode] = [:]
        for (k, v) in mapping {
            let name = k.string ?? ""
            let keyNode = YAMLNode(node: k, file: file, key: name)
            guard allowed.contains(name) else {
                let suggestion = allowed.min { editDistance($0, name) < editDistance($1, name) }
                let near = suggestion.map { editDistance($0, name) <= max(2, name.count / 3) } == true
                throw keyNode.fail(
                    "unknown key '\(name)' in \(context)",
                    hint: (near ? "did you mean '\(suggestion!)'? " : "") + "allowed keys: \(allowed.joined(separator: ", "))")
            }
            guard out[name] == nil else { throw keyNode.fail("key '\(name)' appears twice in \(context)", hint: "keep one") }
            out[name] = YAMLNode(node: v, file: file, key: name)
        }
        return out
    }

    func string() throws(PlacePlanError) -> String {
        guard let s = node.scalar?.string, !s.isEmpty else { throw fail("'\(key ?? "value")' must be text", hint: "write a value after the colon") }
        return s
    }

    /// A number as the data files read one (digits, a decimal point, a sign; not exponents
    /// or hexadecimal), with underscores between digits (1_200) and a per cent sign (5%).
    func double() throws(PlacePlanError) -> Double {
        let s = (node.scalar?.string ?? "").replacingOccurrences(of: "_", with: "")
        let percent = s.hasSuffix("%")
        var digits = (percent ? String(s.dropLast()) : s).trimmingCharacters(in: .whitespaces)
        if digits.hasPrefix("+") { digits.removeFirst() }
        guard let v = CSVRecord.number(digits), v.isFinite else {
            throw fail("'\(key ?? "value")' must be a number, not '\(s)'", hint: "e.g. 0.95, 30 or -5%")
        }
        // The data files' bound (homes, places and pupils in one change are far fewer): a
        // larger value is a slip, and would overflow the output's whole numbers.
        guard abs(v) <= CSVRecord.largestCount else {
            throw fail("'\(key ?? "value")' is \(s), more than \(Format.count(CSVRecord.largestCount))", hint: "check the unit and the decimal point")
        }
        return percent ? v / 100 : v
    }

    /// A sum of money in pounds, 0 to £100 billion: digits as the data files read them, with
    /// underscores, a leading '£' and thousands separators in groups of three ("£4,500,000").
    func money() throws(PlacePlanError) -> Double {
        var s = (node.scalar?.string ?? "").replacingOccurrences(of: "_", with: "")
        if s.hasPrefix("£") { s.removeFirst() }
        guard let v = CSVRecord.number(s.trimmingCharacters(in: .whitespaces)), v.isFinite else {
            throw fail("'\(key ?? "value")' must be a sum in pounds, not '\(node.scalar?.string ?? "")'", hint: "e.g. 4500000 or 4_500_000")
        }
        guard v >= 0 else { throw fail("'\(key ?? "value")' must not be negative (\(s))", hint: "costs and savings are zero or more") }
        guard v <= 1e11 else { throw fail("'\(key ?? "value")' is £\(s), more than £100 billion", hint: "check the unit: costs are in pounds") }
        return v
    }

    func nonNegative() throws(PlacePlanError) -> Double {
        let v = try double()
        guard v >= 0 else { throw fail("'\(key ?? "value")' must not be negative (\(node.scalar?.string ?? ""))", hint: "counts of dwellings, places and pupils are zero or more") }
        return v
    }

    func integer() throws(PlacePlanError) -> Int {
        let v = try double()
        guard v == v.rounded() else { throw fail("'\(key ?? "value")' must be a whole number", hint: "e.g. 30") }
        return Int(v)
    }

    func year() throws(PlacePlanError) -> AcademicYear {
        let s = node.scalar?.string ?? ""
        guard let y = AcademicYear(parsing: s) else {
            throw fail("'\(s)' is not an academic year", hint: "write 2027 (the year starting September 2027) or 2027/28")
        }
        return y
    }

    func yearGroup() throws(PlacePlanError) -> YearGroup {
        let s = node.scalar?.string ?? ""
        guard let g = YearGroup(parsing: s) else { throw fail("'\(s)' is not a year group", hint: "use R, Y1 ... Y13") }
        return g
    }

    /// "R-Y6", "Y7", or a list [Y1, Y2].
    func yearGroups() throws(PlacePlanError) -> [YearGroup] {
        if let seq = node.sequence {
            var out: [YearGroup] = []
            for item in seq { out.append(try YAMLNode(node: item, file: file, key: key).yearGroup()) }
            return out
        }
        let s = node.scalar?.string ?? ""
        let parts = s.split(separator: "-").map(String.init)
        if parts.count == 2, let a = YearGroup(parsing: parts[0]), let b = YearGroup(parsing: parts[1]), a <= b {
            return Array(a...b)
        }
        return [try yearGroup()]
    }

    func sequence(context: String) throws(PlacePlanError) -> [YAMLNode] {
        guard let seq = node.sequence else { throw fail("\(context) must be a list ('- ' items)", hint: "start each item with '- '") }
        return seq.map { YAMLNode(node: $0, file: file, key: key) }
    }

    /// A list of strings, or a single string.
    func strings() throws(PlacePlanError) -> [String] {
        if let seq = node.sequence {
            var out: [String] = []
            for item in seq { out.append(try YAMLNode(node: item, file: file, key: key).string()) }
            return out
        }
        return [try string()]
    }

    /// A mapping of academic years to numbers, e.g. {2027: 300, 2028: 450}, in year order.
    func yearValues(nonNegative: Bool = true) throws(PlacePlanError) -> [(year: AcademicYear, value: Double, node: YAMLNode)] {
        guard let mapping = node.mapping else {
            throw fail("'\(key ?? "value")' must map years to numbers", hint: "e.g. {2027: 300, 2028: 450}")
        }
        var out: [(year: AcademicYear, value: Double, node: YAMLNode)] = []
        for (k, v) in mapping {
            let yearNode = YAMLNode(node: k, file: file, key: key)
            let y = try yearNode.year()
            if out.contains(where: { $0.year == y }) { throw yearNode.fail("year \(y) appears twice", hint: "keep one entry per year") }
            let valueNode = YAMLNode(node: v, file: file, key: "\(key ?? "value") \(y.startYear)")
            out.append((y, nonNegative ? try valueNode.nonNegative() : try valueNode.double(), yearNode))
        }
        return out.sorted { $0.year < $1.year }
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
