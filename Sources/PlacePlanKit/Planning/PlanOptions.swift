import Foundation

/// What an authority could do about places, each with its cost, lead time and limits:
/// the menu `placeplan plan` chooses from. Read from a YAML options file
/// (`scenarios/README.md`, "Options for `placeplan plan`").
public struct PlanOptions: Sendable {
    public var name: String
    public var description: String
    public var file: String
    /// Places in a class: a bulge class, and a form of entry (default 30).
    public var classSize: Int
    /// The cost of a place above the high-surplus threshold, per year (the rule is soft:
    /// 0 leaves surplus free unless `--max-surplus` forbids it).
    public var surplusPlaceCost: Double
    public var options: [PlanOption]

    public init(name: String, description: String = "", file: String = "", classSize: Int = 30, surplusPlaceCost: Double = 0, options: [PlanOption]) {
        self.name = name
        self.description = description
        self.file = file
        self.classSize = classSize
        self.surplusPlaceCost = surplusPlaceCost
        self.options = options
    }
}

/// One thing the authority could do, in units the solver counts in whole numbers.
public struct PlanOption: Sendable {
    public enum Kind: Sendable {
        /// Bulge classes at a school: `classSize` extra places in one entry year that move up
        /// with the cohort; at most `perYear` in a year and `total` over the horizon.
        case bulge(school: String, perYear: Int, total: Int?)
        /// A permanent expansion of the PAN by whole forms of entry from a year, filling one
        /// year group a year; at most `maximumForms` in all (the site's limit).
        case expansion(school: String, maximumForms: Int)
        /// A new school in an area, opening with its entry year group.
        case newSchool(School)
        /// A permanent PAN reduction in steps of `step` places, never below `minimumPAN`.
        case panReduction(school: String, step: Int, minimumPAN: Int)
        /// Closing a school (its pupils stay in the area): every place removed at once.
        case closure(school: String)
        /// Specialist places for a need (nil: any need) at a mainstream school (an ARP) or at
        /// a special school, one place a unit, at most `maximumPlaces`.
        case specialistPlaces(school: String, need: PrimaryNeed?, maximumPlaces: Int)
    }

    public var kind: Kind
    /// One-off cost of a unit (a class, a form of entry, a school, a step, a place), £.
    public var cost: Double
    /// Revenue saved a year for each place removed (reductions and closures), £.
    public var savingPerPlace: Double
    /// Revenue saved a year once a school is closed (its fixed costs), £.
    public var savingPerYear: Double
    /// Years between the decision and the first pupils admitted: an option first acts in the
    /// origin year + `leadTime` (and never before the first forecast year).
    public var leadTime: Int
    /// The first and last academic years the option may start in.
    public var firstYear: AcademicYear?
    public var lastYear: AcademicYear?
    public var source: SourceLocation

    /// The school the option acts on (a new school's own id).
    public var school: String {
        switch kind {
        case .bulge(let s, _, _), .expansion(let s, _), .panReduction(let s, _, _), .closure(let s), .specialistPlaces(let s, _, _): s
        case .newSchool(let s): s.id
        }
    }

    /// The option's type as written in the file.
    public var typeName: String {
        switch kind {
        case .bulge: "bulge"
        case .expansion: "expansion"
        case .newSchool: "new_school"
        case .panReduction: "pan_reduction"
        case .closure: "closure"
        case .specialistPlaces(_, _, _): "specialist_places"
        }
    }
}

/// Reads options files strictly, as scenario files are read: unknown keys, wrong types and
/// impossible values are errors with file, line, column and a hint.
public enum PlanOptionsFile {
    static let topKeys = ["name", "description", "class_size", "surplus_place_cost", "options"]
    static let common = ["type", "cost", "lead_time", "first_year", "last_year"]
    static let optionKeys: [String: [String]] = [
        "bulge": common + ["school", "per_year", "total"],
        "expansion": common + ["school", "max_forms"],
        "new_school": common + ["id", "name", "area", "phase", "pan", "first_year_group", "last_year_group", "net_capacity"],
        "pan_reduction": common + ["school", "step", "min_pan", "saving_per_place"],
        "closure": common + ["school", "saving_per_place", "saving_per_year"],
        "specialist_places": common + ["school", "need", "max_places"],
    ]
    static let typeAliases = ["arp": "specialist_places", "special_places": "specialist_places", "reduction": "pan_reduction", "merger": "closure"]

    public static func load(_ path: String) throws(PlacePlanError) -> PlanOptions {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .fileNotFound(path: path, hint: "give the path of an options YAML file, e.g. scenarios/options.yaml")
        }
        InputFiles.record(path)
        let text = try TextEncoding.text(Array(data), path: path)
        return try parse(text, file: path)
    }

    /// Whether the file at `path` is an options file rather than a scenario: YAML whose top
    /// level has `options` and no `changes`. False for anything unreadable (the scenario
    /// loader then says what is wrong).
    public static func isOptionsFile(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
              let root = try? YAMLNode.parse(text, file: path), let mapping = root.node.mapping
        else { return false }
        let keys = Set(mapping.keys.compactMap { $0.scalar?.string })
        return keys.contains("options") && !keys.contains("changes")
    }

    public static func parse(_ text: String, file: String) throws(PlacePlanError) -> PlanOptions {
        let root = try YAMLNode.parse(text, file: file)
        let top = try root.mapping(allowed: topKeys, context: "an options file")
        guard let nameNode = top["name"] else {
            throw .invalidScenario(root.location, message: "an options file needs a 'name'", hint: "add a line such as 'name: options-2026'")
        }
        var out = PlanOptions(name: try nameNode.string(), file: file, options: [])
        out.description = try top["description"]?.string() ?? ""
        if let n = top["class_size"] {
            let v = try n.integer()
            guard (1...60).contains(v) else { throw n.fail("class_size \(v) is outside 1...60", hint: "a form of entry is usually 30 places") }
            out.classSize = v
        }
        if let n = top["surplus_place_cost"] { out.surplusPlaceCost = try n.money() }
        guard let list = top["options"] else {
            throw .invalidScenario(root.location, message: "an options file needs 'options'", hint: "list what the authority could do under 'options:', e.g. '- type: bulge'")
        }
        var errors: [PlacePlanError] = []
        for item in try list.sequence(context: "'options'") {
            do { out.options.append(try readOption(item)) } catch { errors.append(error) }
        }
        try PlacePlanError.check(errors)
        guard !out.options.isEmpty else { throw list.fail("'options' is empty", hint: "list at least one option") }
        return out
    }

    static func readOption(_ item: YAMLNode) throws(PlacePlanError) -> PlanOption {
        // The type first, as a scenario's changes are read: an unknown key is then named
        // against that type's keys, in their order (not every type's, in a set's order that
        // changed from run to run).
        guard let pairs = item.node.mapping, let typeValue = pairs["type"] else {
            throw item.fail("an option needs a 'type'", hint: "one of \(optionKeys.keys.sorted().joined(separator: ", "))")
        }
        let typeNode = YAMLNode(node: typeValue, file: item.file, key: "type")
        let written = try typeNode.string()
        guard let type = optionKeys[written] != nil ? written : typeAliases[written] else {
            let known = optionKeys.keys.sorted() + typeAliases.keys.sorted()
            let near = known.min { editDistance($0, written) < editDistance($1, written) }
            throw typeNode.fail("unknown option type '\(written)'", hint: (near.map { "did you mean '\($0)'? " } ?? "") + "types: \(optionKeys.keys.sorted().joined(separator: ", "))")
        }
        let m = try item.mapping(allowed: optionKeys[type]!, context: "\(Format.withArticle(type)) option")
        func required(_ key: String) throws(PlacePlanError) -> YAMLNode {
            guard let n = m[key] else { throw item.fail("\(Format.withArticle(type)) option needs '\(key)'", hint: "add '\(key): ...'") }
            return n
        }
        func whole(_ key: String, default value: Int? = nil, in range: ClosedRange<Int>) throws(PlacePlanError) -> Int {
            guard let n = m[key] else {
                if let value { return value }
                throw item.fail("\(Format.withArticle(type)) option needs '\(key)'", hint: "add '\(key): ...'")
            }
            let v = try n.integer()
            guard range.contains(v) else { throw n.fail("'\(key)' is \(v), outside \(range.lowerBound)...\(range.upperBound)", hint: "check the value") }
            return v
        }
        let kind: PlanOption.Kind
        switch type {
        case "bulge":
            kind = .bulge(school: try required("school").string(), perYear: try whole("per_year", default: 1, in: 1...4), total: m["total"] == nil ? nil : try whole("total", in: 1...50))
        case "expansion":
            kind = .expansion(school: try required("school").string(), maximumForms: try whole("max_forms", in: 1...6))
        case "new_school":
            let phaseNode = try required("phase")
            let phaseText = try phaseNode.string()
            guard let phase = Phase(parsing: phaseText), phase != .special else {
                throw phaseNode.fail("'\(phaseText)' is not a mainstream phase", hint: "primary, secondary or all-through")
            }
            let first = try m["first_year_group"]?.yearGroup() ?? (phase == .secondary ? .year7 : .reception)
            let last = try m["last_year_group"]?.yearGroup() ?? (phase == .primary ? .year6 : .year11)
            guard first <= last else { throw (m["last_year_group"] ?? item).fail("the last year group is before the first", hint: "e.g. first_year_group: R, last_year_group: Y6") }
            let pan = try whole("pan", in: 1...600)
            let groups = first...last
            let capacity = try whole("net_capacity", default: pan * groups.count, in: 1...10_000)
            let id = try required("id").string()
            let name = try m["name"]?.string() ?? id
            kind = .newSchool(School(id: id, name: name, areaID: try required("area").string(), phase: phase, yearGroups: groups, pan: pan, netCapacity: capacity))
        case "pan_reduction":
            kind = .panReduction(school: try required("school").string(), step: try whole("step", default: 15, in: 1...300), minimumPAN: try whole("min_pan", in: 0...600))
        case "closure":
            kind = .closure(school: try required("school").string())
        default:
            var need: PrimaryNeed?
            if let n = m["need"] {
                let s = try n.string()
                if s.lowercased() != "any" {
                    guard let v = PrimaryNeed(parsing: s) else {
                        throw n.fail("unknown need '\(s)'", hint: "a DfE primary need code: \(PrimaryNeed.allCases.map(\.rawValue).joined(separator: ", ")), or any")
                    }
                    need = v
                }
            }
            kind = .specialistPlaces(school: try required("school").string(), need: need, maximumPlaces: try whole("max_places", in: 1...500))
        }
        // Every option costs thousands of pounds (a consultation, a classroom), and a closure
        // saves thousands a year: 350 is £350k typed in thousands, which would make an option
        // all but free (or a closure worthless), silently. 0 is none.
        func pounds(_ key: String, _ node: YAMLNode?) throws(PlacePlanError) -> Double {
            guard let node else { return 0 }
            let v = try node.money()
            guard v == 0 || v >= 1_000 else {
                throw node.fail(
                    "'\(key)' is £\(Format.count(v)), under £1,000 for \(Format.withArticle(type)) option",
                    hint: "costs and savings are in pounds: if it is in £ thousands, write \(Format.count(v * 1_000).replacingOccurrences(of: ",", with: "_")) for £\(Format.count(v))k")
            }
            return v
        }
        let cost = try pounds("cost", try required("cost"))
        var option = PlanOption(kind: kind, cost: cost, savingPerPlace: try m["saving_per_place"]?.money() ?? 0,
                                savingPerYear: try pounds("saving_per_year", m["saving_per_year"]), leadTime: try whole("lead_time", default: 1, in: 0...10),
                                firstYear: try m["first_year"]?.year(), lastYear: try m["last_year"]?.year(), source: item.location)
        if let f = option.firstYear, let l = option.lastYear, l < f {
            throw m["last_year"]!.fail("last_year \(l) is before first_year \(f)", hint: "the option may start between first_year and last_year")
        }
        option.source.field = nil
        return option
    }
}
