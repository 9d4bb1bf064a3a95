/// A national curriculum year (NCY): Reception (index 0) to Year 13 (index 13).
public struct YearGroup: Hashable, Comparable, Sendable, CustomStringConvertible, Strideable {
    /// 0 for Reception, n for Year n.
    public let index: Int

    public init(_ index: Int) {
        precondition(Self.range.contains(index), "year group index out of range: \(index)")
        self.index = index
    }

    public static let range = 0...13
    public static let count = 14
    public static let all: [YearGroup] = range.map(YearGroup.init)
    public static let reception = YearGroup(0)
    public static let year1 = YearGroup(1)
    public static let year6 = YearGroup(6)
    public static let year7 = YearGroup(7)
    public static let year11 = YearGroup(11)
    public static let year12 = YearGroup(12)

    /// "R", "Y1" ... "Y13".
    public var description: String { index == 0 ? "R" : "Y\(index)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.index < rhs.index }
    public func distance(to other: YearGroup) -> Int { other.index - index }
    public func advanced(by n: Int) -> YearGroup { YearGroup(index + n) }

    /// Parses "R", "YR", "Reception", "reception", "0", "Y7", "7", "Year 7", DfE's "year_group_7".
    /// Year 14 and above are not modelled and return nil.
    public init?(parsing text: String) {
        let s = text.trimmedSpaces.lowercased()
        if ["r", "yr", "reception", "rec"].contains(s) {
            self.init(0)
            return
        }
        var digits = Substring(s)
        for prefix in ["year_group_", "year group ", "year ", "ncy ", "yr ", "yr", "y ", "y"] where digits.hasPrefix(prefix) {
            digits = digits.dropFirst(prefix.count)
            break
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let n = Int(digits), Self.range.contains(n) else {
            return nil
        }
        self.init(n)
    }
}

extension YearGroup: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let g = YearGroup(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a year group: \(text)")
        }
        self = g
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
