/// An academic year, September to August, named by the calendar year it starts in.
///
/// `AcademicYear(2019)` is 2019/20, whose January school census is taken in January 2020.
/// Scenario years follow the same rule: "a bulge class in 2027" is the class admitted in
/// September 2027, academic year 2027/28.
public struct AcademicYear: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The calendar year in which the academic year starts (September).
    public let startYear: Int

    public init(_ startYear: Int) { self.startYear = startYear }

    /// The calendar year of the January census of this academic year.
    public var censusYear: Int { startYear + 1 }

    /// "2019/20".
    public var description: String {
        let next = (startYear + 1) % 100
        return "\(startYear)/\(next < 10 ? "0" : "")\(next)"
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.startYear < rhs.startYear }

    public static func + (lhs: Self, rhs: Int) -> Self { AcademicYear(lhs.startYear + rhs) }
    public static func - (lhs: Self, rhs: Int) -> Self { AcademicYear(lhs.startYear - rhs) }
    public static func - (lhs: Self, rhs: Self) -> Int { lhs.startYear - rhs.startYear }

    /// Parses "2019/20", "2019-20", DfE's "201920", or a plain "2019" (the starting year).
    /// Returns nil for anything else, including inconsistent pairs such as "2019/22".
    public init?(parsing text: String) {
        let s = String(text.trimmedSpaces)
        func year(_ part: Substring) -> Int? {
            guard part.count == 4, part.allSatisfy(\.isASCIIDigit), let y = Int(part), (1900...2199).contains(y) else {
                return nil
            }
            return y
        }
        if let sep = s.firstIndex(where: { $0 == "/" || $0 == "-" }) {
            guard let start = year(s[..<sep]) else { return nil }
            let tail = s[s.index(after: sep)...]
            guard (tail.count == 2 || tail.count == 4), tail.allSatisfy(\.isASCIIDigit), let end = Int(tail),
                end == (tail.count == 2 ? (start + 1) % 100 : start + 1)
            else { return nil }
            self.init(start)
        } else if s.count == 6, s.allSatisfy(\.isASCIIDigit) {
            guard let start = year(s.prefix(4)), let end = Int(s.suffix(2)), end == (start + 1) % 100 else { return nil }
            self.init(start)
        } else if let start = year(Substring(s)) {
            self.init(start)
        } else {
            return nil
        }
    }
}

extension AcademicYear: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let y = AcademicYear(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an academic year: \(text)")
        }
        self = y
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (cheaper than Foundation's trimming, which
    /// the loaders would otherwise call millions of times at national scale).
    var trimmedSpaces: Substring {
        let s = Substring(self)
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return s[s.endIndex...] }
        let last = s.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return s[first...last]
    }
}
