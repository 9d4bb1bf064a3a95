/// DfE primary need codes for pupils with SEN, grouped by the SEND Code of Practice's four
/// broad areas of need.
public enum PrimaryNeed: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case asd = "ASD", slcn = "SLCN", semh = "SEMH", mld = "MLD", sld = "SLD", pmld = "PMLD"
    case spld = "SpLD", hi = "HI", vi = "VI", msi = "MSI", pd = "PD", oth = "OTH"

    public var description: String { rawValue }

    /// The Code of Practice broad area that the need belongs to.
    public var broadArea: BroadAreaOfNeed {
        switch self {
        case .asd, .slcn: .communicationAndInteraction
        case .mld, .sld, .pmld, .spld: .cognitionAndLearning
        case .semh: .socialEmotionalMentalHealth
        case .hi, .vi, .msi, .pd: .sensoryPhysical
        case .oth: .other
        }
    }

    /// Case-insensitive match on the code ("asd", "SpLD", "spld").
    public init?(parsing text: String) {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let need = Self.allCases.first(where: { $0.rawValue.lowercased() == s }) else { return nil }
        self = need
    }
}

/// The four broad areas of need of the SEND Code of Practice (and "other").
public enum BroadAreaOfNeed: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case communicationAndInteraction = "Communication and interaction"
    case cognitionAndLearning = "Cognition and learning"
    case socialEmotionalMentalHealth = "SEMH"
    case sensoryPhysical = "Sensory and/or physical"
    case other = "Other"
    public var description: String { rawValue }
}
