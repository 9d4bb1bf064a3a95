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

    /// The need from its code, case-insensitive ("asd", "SpLD", "spld"), or its name as the
    /// DfE and case-management systems write it ("Autistic Spectrum Disorder", "Social,
    /// Emotional and Mental Health", "Profound & Multiple Learning Difficulties",
    /// "Other Difficulty/Disability"): letters compared, '&' read as "and", plural endings
    /// ignored.
    public init?(parsing text: String) {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let need = Self.allCases.first(where: { $0.rawValue.lowercased() == s }) {
            self = need
            return
        }
        guard let need = Self.byName[Self.nameKey(s)] else { return nil }
        self = need
    }

    /// The DfE's name of the need.
    public var name: String {
        switch self {
        case .asd: "Autistic Spectrum Disorder"
        case .slcn: "Speech, Language and Communication Needs"
        case .semh: "Social, Emotional and Mental Health"
        case .mld: "Moderate Learning Difficulty"
        case .sld: "Severe Learning Difficulty"
        case .pmld: "Profound and Multiple Learning Difficulty"
        case .spld: "Specific Learning Difficulty"
        case .hi: "Hearing Impairment"
        case .vi: "Visual Impairment"
        case .msi: "Multi-Sensory Impairment"
        case .pd: "Physical Disability"
        case .oth: "Other Difficulty/Disability"
        }
    }

    /// Names and their common variants, by ``nameKey(_:)``.
    private static let byName: [String: PrimaryNeed] = {
        var table: [String: PrimaryNeed] = [:]
        for need in allCases { table[nameKey(need.name)] = need }
        let variants: [(String, PrimaryNeed)] = [
            ("autism", .asd), ("autism spectrum disorder", .asd), ("autistic spectrum condition", .asd), ("autism spectrum condition", .asd),
            ("speech language and communication", .slcn), ("social emotional and mental health difficulty", .semh),
            ("social emotional and mental health need", .semh), ("multisensory impairment", .msi), ("other", .oth), ("other difficulty", .oth),
        ]
        for (name, need) in variants { table[nameKey(name)] = need }
        return table
    }()

    /// A name reduced to its words: lowercase letters only, '&' as "and", and plural endings
    /// ("difficulties", "needs") taken off (no word of the names ends in a singular s).
    private static func nameKey(_ text: String) -> String {
        var spaced = ""
        for c in text.lowercased() { spaced += c == "&" ? " and " : c.isLetter ? String(c) : " " }
        return spaced.split(separator: " ").map { word in
            word.hasSuffix("ies") ? word.dropLast(3) + "y" : word.hasSuffix("s") ? String(word.dropLast()) : String(word)
        }.joined(separator: " ")
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
