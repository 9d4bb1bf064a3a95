/// Which planning areas and phase an output shows (`--area P01,P10 --phase primary`);
/// everything when unset. The forecast itself is unchanged: only what is printed.
public struct OutputFilter: Sendable, Hashable {
    public var areas: Set<String>?
    public var phase: ReportingPhase?

    public init(areas: Set<String>? = nil, phase: ReportingPhase? = nil) {
        self.areas = areas
        self.phase = phase
    }

    public func keeps(areaID: String) -> Bool { areas?.contains(areaID) ?? true }
    public func keeps(phase p: ReportingPhase) -> Bool { phase.map { $0 == p } ?? true }
    public func keeps(_ g: YearGroup) -> Bool { keeps(phase: ReportingPhase(g)) }
    /// An area in the set whose year groups reach the phase.
    public func keeps(_ area: PlanningArea) -> Bool { keeps(areaID: area.id) && area.phase.yearGroups.contains { keeps($0) } }

    /// Checks the area ids against the data's: an unknown one is a usage error naming the nearest.
    public func check(against known: [PlanningArea]) throws(PlacePlanError) {
        guard let areas else { return }
        let ids = known.map(\.id)
        for id in areas.sorted() where !ids.contains(id) {
            let near = ids.min { editDistance($0, id) < editDistance($1, id) }
            throw .invalidOption(option: "--area", message: "unknown planning area '\(id)'", hint: (near.map { "did you mean '\($0)'? " } ?? "") + "areas: \(ids.prefix(20).joined(separator: ", "))")
        }
        if let phase, !known.filter({ areas.contains($0.id) }).contains(where: keeps) {
            throw .invalidOption(option: "--phase", message: "none of the chosen areas teaches \(phase)", hint: "drop --phase, or choose areas of that phase")
        }
    }
}
