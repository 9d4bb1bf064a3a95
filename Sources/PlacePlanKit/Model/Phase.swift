/// The phase of a planning area or school, which fixes the year groups it holds.
public enum Phase: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Reception to Year 6.
    case primary
    /// Year 7 to Year 13 (including sixth form).
    case secondary
    /// Reception to Year 13 in one area: used when a whole local authority is one area
    /// (the DfE census importer), and for all-through schools.
    case allThrough = "all-through"
    /// Special schools: their places are specialist capacity, not mainstream places.
    case special

    public var description: String { rawValue }

    /// The year groups that a planning area of this phase models.
    public var yearGroups: ClosedRange<YearGroup> {
        switch self {
        case .primary: YearGroup.reception...YearGroup.year6
        case .secondary: YearGroup.year7...YearGroup(13)
        case .allThrough, .special: YearGroup.reception...YearGroup(13)
        }
    }

    /// The year group in which pupils are admitted (Reception or Year 7).
    public var entryYearGroup: YearGroup {
        self == .secondary ? .year7 : .reception
    }

    /// The phase from its name, as placeplan writes it or as GIAS and MI exports do
    /// ("Primary", "Secondary school", "All-through", "Special school").
    public init?(parsing text: String) {
        var s = text.trimmingCharacters(in: .whitespaces).lowercased()
        if s.hasSuffix(" school") { s = String(s.dropLast(" school".count)) }
        switch s {
        case "primary", "pri": self = .primary
        case "secondary", "sec": self = .secondary
        case "all-through", "all_through", "allthrough", "all", "la": self = .allThrough
        case "special": self = .special
        default: return nil
        }
    }
}

/// The phase in which the DfE reports totals: primary is Reception to Year 6, secondary
/// Year 7 to Year 13, whatever the planning area.
public enum ReportingPhase: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case primary, secondary
    public var description: String { rawValue }
    public init(_ g: YearGroup) { self = g.index <= 6 ? .primary : .secondary }
    public var yearGroups: ClosedRange<YearGroup> {
        self == .primary ? YearGroup.reception...YearGroup.year6 : YearGroup.year7...YearGroup(13)
    }
    public var entryYearGroup: YearGroup { self == .primary ? .reception : .year7 }
}
