import Foundation

/// Reads scenario files: YAML, one scenario per file, strictly validated (unknown keys,
/// wrong types and impossible values are errors with file, line, column and a hint).
public enum ScenarioFile {
    static let topKeys = ["name", "description", "extends", "assumptions", "changes"]
    static let assumptionKeys = ["method", "intake_method", "estimator", "intake_estimator", "births", "births_file", "horizon", "margin", "high_surplus", "yield_table", "exclude_years"]
    static let changeKeys: [String: [String]] = [
        "housing": ["type", "name", "area", "secondary_area", "completions", "demolitions", "mix", "demolition_mix", "ehcp_share", "delivery"],
        "bulge": ["type", "school", "year", "places", "year_group"],
        "pan_change": ["type", "school", "year", "pan", "change"],
        "new_school": ["type", "id", "name", "area", "phase", "year", "pan", "first_year_group", "last_year_group", "net_capacity", "opening_year_groups"],
        "closure": ["type", "school", "year", "pupils_move_to"],
        "specialist_places": ["type", "school", "need", "year", "places"],
        "births": ["type", "year", "change", "factor", "areas"],
        "migration_shock": ["type", "year", "to", "year_groups", "factor", "change", "areas"],
        "send_new_plan_rate": ["type", "year", "need", "factor", "change"],
        "send_move_in_borough": ["type", "year", "need", "pupils_per_year"],
        "send_reduce_out_of_borough": ["type", "year", "reduction"],
    ]
    static let typeAliases = ["expansion": "pan_change", "reduction": "pan_change", "arp": "specialist_places", "special_places": "specialist_places", "regeneration": "housing", "amalgamation": "closure",
        "send_rate": "send_new_plan_rate", "send_transfer_oob": "send_reduce_out_of_borough"]

    /// Loads a scenario and the chain of files it extends.
    ///
    /// The files a scenario names (`extends`, `births_file`, `yield_table`) must lie in the
    /// scenario's own folder (or below it), or in one of `allowedFolders` (the data folder, and
    /// any the user allows with `--allow-path`): a scenario from elsewhere cannot make the
    /// run read, and echo into an error, files such as /proc/self/environ.
    public static func load(_ path: String, allowedFolders: [String] = []) throws(PlacePlanError) -> Scenario {
        let folders = ([(path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent] + allowedFolders)
            .map { InputFiles.canonical($0) }
        return try load(path, stack: [], from: nil, allowed: folders)
    }

    /// Throws unless `file` (named by `node`) lies within one of `allowed`.
    static func confine(_ file: String, node: YAMLNode, key: String, allowed: [String]) throws(PlacePlanError) {
        let resolved = InputFiles.canonical(file)
        guard !allowed.contains(where: { resolved == $0 || resolved.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) else { return }
        throw node.fail(
            "'\(key)' names \(Format.printable(file)), outside the scenario's folder and the data folder",
            hint: "move the file beside the scenario or into the data folder, or allow its folder with --allow-path \((resolved as NSString).deletingLastPathComponent)")
    }

    static func load(_ path: String, stack: [String], from reference: YAMLNode?, allowed: [String]) throws(PlacePlanError) -> Scenario {
        let canonical = URL(fileURLWithPath: path).standardizedFileURL.path
        if let reference, stack.contains(canonical) {
            throw reference.fail(
                "circular 'extends': \((stack + [canonical]).map { ($0 as NSString).lastPathComponent }.joined(separator: " -> "))",
                hint: "a scenario may not extend itself, directly or through others")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            if let reference { throw reference.fail("cannot read '\(path)'", hint: "'extends' is relative to the scenario file's folder") }
            throw .fileNotFound(path: path, hint: "give the path of a scenario YAML file, e.g. scenarios/baseline.yaml")
        }
        InputFiles.record(path)
        let text = try TextEncoding.text(Array(data), path: path)
        let root = try YAMLNode.parse(text, file: path)
        let top = try root.mapping(allowed: topKeys, context: "a scenario")
        guard let nameNode = top["name"] else {
            throw .invalidScenario(root.location, message: "a scenario needs a 'name'", hint: "add a line such as 'name: bulge-2027'")
        }
        var scenario = Scenario(name: try nameNode.string(), file: path)
        scenario.description = try top["description"]?.string() ?? ""
        var base: Scenario?
        if let extendsNode = top["extends"] {
            let relative = try extendsNode.string()
            let basePath = relative.hasPrefix("/") ? relative : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(relative)
            try confine(basePath, node: extendsNode, key: "extends", allowed: allowed)
            base = try load(basePath, stack: stack + [canonical], from: extendsNode, allowed: allowed)
            scenario.extendsChain = [basePath] + base!.extendsChain
        }
        let own = try top["assumptions"].map { node throws(PlacePlanError) in try readAssumptions(node, scenarioFile: path, allowed: allowed) } ?? ScenarioAssumptions()
        scenario.assumptions = base.map { own.overriding($0.assumptions) } ?? own
        var changes = base?.changes ?? []
        if let list = top["changes"], !(list.node.scalar?.string.isEmpty ?? false) || list.node.sequence != nil {
            for item in try list.sequence(context: "'changes'") { changes.append(try readChange(item)) }
        }
        scenario.changes = changes
        return scenario
    }

    static func readAssumptions(_ node: YAMLNode, scenarioFile: String, allowed: [String]) throws(PlacePlanError) -> ScenarioAssumptions {
        let m = try node.mapping(allowed: assumptionKeys, context: "'assumptions'")
        var a = ScenarioAssumptions()
        for (key, value) in m { a.locations[key] = value.location }
        func method(_ n: YAMLNode) throws(PlacePlanError) -> RatioMethod {
            let s = try n.string()
            guard let e = RatioMethod(parsing: s) else {
                throw n.fail("unknown method '\(s)'", hint: "use auto, or an estimator: meanK, weightedK, medianK, trendK-PHI, holt-A-B-PHI, shrunk-mean3")
            }
            return e
        }
        func relative(_ n: YAMLNode, key: String) throws(PlacePlanError) -> String {
            let s = try n.string()
            let file = s.hasPrefix("/") ? s : ((scenarioFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent(s)
            try confine(file, node: n, key: key, allowed: allowed)
            return file
        }
        if let n = m["method"] ?? m["estimator"] { a.method = try method(n) }
        if let n = m["intake_method"] ?? m["intake_estimator"] { a.intakeMethod = try method(n) }
        if let n = m["births"] {
            let s = try n.string()
            guard let b = BirthsProjection(parsing: s) else { throw n.fail("unknown births projection '\(s)'", hint: "use hold or trend") }
            a.births = b
        }
        if let n = m["births_file"] { a.birthsFile = try relative(n, key: "births_file") }
        if let n = m["yield_table"] { a.yieldTable = try relative(n, key: "yield_table") }
        if let n = m["horizon"] {
            let h = try n.integer()
            guard (1...ForecastSettings.maximumHorizon).contains(h) else { throw n.fail("horizon \(h) is outside 1...25", hint: "e.g. horizon: 15") }
            a.horizon = h
        }
        for key in ["margin", "high_surplus"] {
            guard let n = m[key] else { continue }
            let v = try n.double()
            guard (0..<1).contains(v) else { throw n.fail("\(key) must be a share of places in [0, 1), e.g. 0.05 or 5%", hint: "write 0.05 for 5%") }
            if key == "margin" { a.margin = v } else { a.highSurplus = v }
        }
        if let n = m["exclude_years"] {
            var years = Set<AcademicYear>()
            let items = n.node.sequence.map { $0.map { YAMLNode(node: $0, file: n.file, key: n.key) } } ?? [n]
            for item in items {
                for part in try item.string().split(separator: ",") {
                    let text = part.trimmingCharacters(in: .whitespaces)
                    guard let y = AcademicYear(parsing: text) else {
                        throw item.fail("'\(text)' is not an academic year", hint: "list census years as 2020/21, e.g. exclude_years: [2020/21, 2021/22]")
                    }
                    years.insert(y)
                }
            }
            a.excludeYears = years
        }
        if let margin = a.margin, let high = a.highSurplus, margin > high {
            throw node.fail("margin \(margin) is above high_surplus \(high)", hint: "the operating margin must not exceed the high-surplus threshold")
        }
        return a
    }

    static func readChange(_ item: YAMLNode) throws(PlacePlanError) -> ScenarioChange {
        guard let pairs = item.node.mapping, let typeNode = pairs["type"] else {
            throw item.fail("each change needs a 'type'", hint: "one of: \(changeKeys.keys.sorted().joined(separator: ", "))")
        }
        let typeYAML = YAMLNode(node: typeNode, file: item.file, key: "type")
        let written = try typeYAML.string()
        let type = typeAliases[written] ?? written
        guard let allowed = changeKeys[type] else {
            let all = changeKeys.keys.sorted() + typeAliases.keys.sorted()
            let near = all.min { editDistance($0, written) < editDistance($1, written) }!
            throw typeYAML.fail("unknown change type '\(written)'", hint: "did you mean '\(near)'? types: \(changeKeys.keys.sorted().joined(separator: ", "))")
        }
        let m = try item.mapping(allowed: allowed, context: "\(Format.withArticle(type)) change")
        var fields: [String: SourceLocation] = [:]
        for (k, v) in m { fields[k] = v.location }
        func required(_ key: String) throws(PlacePlanError) -> YAMLNode {
            guard let n = m[key] else { throw item.fail("\(Format.withArticle(type)) change needs '\(key)'", hint: "add '\(key): ...' to this change") }
            return n
        }
        func factor() throws(PlacePlanError) -> Double {
            if let f = m["factor"] {
                let v = try f.double()
                guard v > 0 else { throw f.fail("factor \(Format.decimal(v, places: 2)) must be a positive multiplier, e.g. 0.95", hint: "or write 'change: -5%'") }
                guard v < 10 else {
                    throw f.fail("factor \(v) multiplies the ratios \(v >= 1000 ? "a thousandfold or more" : "tenfold or more"): at most 10", hint: "a factor is a multiplier such as 1.05 (5% more); or write 'change: +5%'")
                }
                return v
            }
            if let c = m["change"] {
                let v = try c.double()
                guard v > -1, v < 9 else { throw c.fail("change must be above -100%", hint: "e.g. change: -5%") }
                return 1 + v
            }
            throw item.fail("\(Format.withArticle(type)) change needs 'factor' or 'change'", hint: "e.g. factor: 0.95 or change: -5%")
        }
        let kind: ScenarioChange.Kind
        var year: AcademicYear
        switch type {
        case "housing":
            let completions = try required("completions").yearValues()
            guard let first = completions.first else { throw try required("completions").fail("no completions", hint: "give dwellings by year, e.g. {2027: 300}") }
            let demolitions = try m["demolitions"]?.yearValues() ?? []
            year = min(first.year, demolitions.first?.year ?? first.year)
            let mix = try readMix(required("mix"))
            let dev = HousingDevelopment(
                name: try m["name"]?.string() ?? "development", area: try required("area").string(),
                secondaryArea: try m["secondary_area"]?.string(),
                completions: Dictionary(completions.map { ($0.year, $0.value) }, uniquingKeysWith: +),
                demolitions: Dictionary(demolitions.map { ($0.year, $0.value) }, uniquingKeysWith: +),
                mix: mix, demolitionMix: try m["demolition_mix"].map(readMix) ?? mix,
                ehcpShare: try m["ehcp_share"]?.nonNegative() ?? 0.04, delivery: try m["delivery"].map(readDelivery))
            for entry in completions + demolitions { fields["year \(entry.year.startYear)"] = entry.node.location }
            kind = .housing(dev)
        case "bulge":
            year = try required("year").year()
            let places = try m["places"]?.integer() ?? 30
            guard places > 0 else { throw m["places"]!.fail("a bulge adds places: \(places) is not positive", hint: "usually places: 30") }
            if let g = m["year_group"] {
                let group = try g.yearGroup()
                guard group == .reception || group == .year7 else {
                    throw g.fail("a bulge class is admitted in an entry year group (R or Y7), not \(group)", hint: "bulge places then move up with the cohort; use year_group: R or Y7")
                }
                fields["entry"] = g.location
            }
            kind = .bulge(school: try required("school").string(), places: places)
        case "pan_change":
            year = try required("year").year()
            let school = try required("school").string()
            if let pan = m["pan"] {
                let v = try pan.integer()
                guard v >= 0 else { throw pan.fail("PAN must not be negative", hint: "use 0 to stop admitting") }
                kind = .panChange(school: school, pan: v, relative: false)
            } else if let change = m["change"] {
                kind = .panChange(school: school, pan: try change.integer(), relative: true)
            } else {
                throw item.fail("a pan_change needs 'pan' (the new PAN) or 'change' (e.g. +30)", hint: "e.g. pan: 90")
            }
        case "new_school":
            year = try required("year").year()
            let phaseNode = try required("phase")
            guard let phase = Phase(parsing: try phaseNode.string()) else {
                throw phaseNode.fail("unknown phase", hint: "primary, secondary, all-through or special")
            }
            let first = try m["first_year_group"]?.yearGroup() ?? phase.yearGroups.lowerBound
            let last = try m["last_year_group"]?.yearGroup() ?? phase.yearGroups.upperBound
            guard first <= last else { throw m["last_year_group"]!.fail("last year group is before the first", hint: "e.g. first_year_group: R, last_year_group: Y6") }
            let pan = try required("pan").integer()
            guard pan > 0 || (pan == 0 && phase == .special) else {
                throw m["pan"]!.fail("a new \(phase.rawValue) school needs a PAN above 0, not \(pan)", hint: "e.g. pan: 60 (two forms of entry)")
            }
            let opening = try m["opening_year_groups"]?.yearGroups() ?? [first]
            for g in opening where !(first...last).contains(g) {
                throw m["opening_year_groups"]!.fail("\(g) is outside the school's year groups \(first)-\(last)", hint: "list year groups the school teaches")
            }
            let school = School(
                id: try required("id").string(), name: try m["name"]?.string() ?? "New school", areaID: try required("area").string(),
                phase: phase, yearGroups: first...last, pan: pan,
                netCapacity: try m["net_capacity"]?.integer() ?? pan * (last.index - first.index + 1), opens: year)
            kind = .newSchool(school, openingYearGroups: opening)
        case "closure":
            year = try required("year").year()
            kind = .closure(school: try required("school").string(), moveTo: try m["pupils_move_to"]?.strings() ?? [])
        case "specialist_places":
            let needNode = try required("need")
            guard let need = PrimaryNeed(parsing: try needNode.string()) else {
                throw needNode.fail("unknown need '\(needNode.node.scalar?.string ?? "")'", hint: "use a DfE code: \(PrimaryNeed.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let placesNode = try required("places")
            var places: [AcademicYear: Int] = [:]
            if placesNode.node.mapping != nil {
                for entry in try placesNode.yearValues() { places[entry.year] = Int(entry.value.rounded()) }
                year = places.keys.min()!
                if let y = m["year"], try y.year() != year { throw y.fail("'year' differs from the first year in 'places'", hint: "drop 'year' when places are given by year") }
            } else {
                year = try required("year").year()
                let n = try placesNode.integer()
                guard n >= 0 else { throw placesNode.fail("places must not be negative", hint: "e.g. places: 20") }
                places[year] = n
            }
            kind = .specialistPlaces(SpecialistPlaces(school: try required("school").string(), need: need, places: places))
        case "send_new_plan_rate", "send_move_in_borough":
            year = try required("year").year()
            var need: PrimaryNeed?
            if let n = m["need"] {
                guard let parsed = PrimaryNeed(parsing: try n.string()) else {
                    throw n.fail("unknown need '\(n.node.scalar?.string ?? "")'", hint: "use a DfE code: \(PrimaryNeed.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                need = parsed
            }
            if type == "send_new_plan_rate" {
                kind = .sendRate(need: need, factor: try factor())
            } else {
                let n = try required("pupils_per_year").nonNegative()
                kind = .sendMoveInBorough(need: need, pupilsPerYear: n)
            }
        case "send_reduce_out_of_borough":
            year = try required("year").year()
            let r = try required("reduction")
            let share = try r.double()
            guard (0...1).contains(share) else { throw r.fail("reduction must be a share from 0 to 100%", hint: "e.g. reduction: 20%") }
            kind = .sendTransferReduction(share: share)
        case "births":
            year = try required("year").year()
            kind = .birthsChange(factor: try factor(), areas: try m["areas"]?.strings() ?? [])
        case "migration_shock":
            year = try required("year").year()
            let to = try m["to"]?.year() ?? year
            guard to >= year else { throw m["to"]!.fail("'to' is before 'year'", hint: "the shock runs from 'year' to 'to', inclusive") }
            kind = .ratioShock(factor: try factor(), years: year...to, yearGroups: try required("year_groups").yearGroups(), areas: try m["areas"]?.strings() ?? [])
        default:
            throw typeYAML.fail("unknown change type '\(written)'", hint: "see scenarios/README.md")
        }
        return ScenarioChange(year: year, kind: kind, source: item.location, fields: fields)
    }

    /// `delivery: {share: [0.6, 1.0], delay: 2}`: the share of the completions built (a
    /// range drawn uniformly, or one number) and the most years they may slip.
    static func readDelivery(_ node: YAMLNode) throws(PlacePlanError) -> HousingDelivery {
        let m = try node.mapping(allowed: ["share", "delay"], context: "'delivery'")
        var delivery = HousingDelivery()
        if let share = m["share"] {
            var values: [Double] = []
            if let items = try? share.sequence(context: "'share'") {
                for item in items { values.append(try item.nonNegative()) }
            } else {
                values = [try share.nonNegative()]
            }
            guard (1...2).contains(values.count), values.allSatisfy({ $0 <= 1.5 }), values.first! <= values.last! else {
                throw share.fail("share is one number or [low, high] with 0 <= low <= high <= 1.5", hint: "e.g. share: [0.6, 1.0] (60% to all of the homes get built)")
            }
            delivery.share = values.first!...values.last!
        }
        if let delay = m["delay"] {
            let years = try delay.integer()
            guard (0...10).contains(years) else { throw delay.fail("delay must be 0 to 10 years, not \(years)", hint: "e.g. delay: 2 (completions slip by up to two years)") }
            delivery.maximumDelay = years
        }
        return delivery
    }

    static func readMix(_ node: YAMLNode) throws(PlacePlanError) -> [DwellingType: Double] {
        var mix: [DwellingType: Double] = [:]
        for item in try node.sequence(context: "'mix'") {
            let m = try item.mapping(allowed: ["type", "bedrooms", "tenure", "share"], context: "a dwelling mix entry")
            guard let t = m["type"], let kind = DwellingType.Kind(rawValue: try t.string()) else {
                throw (m["type"] ?? item).fail("dwelling type must be house or flat", hint: "e.g. {type: flat, bedrooms: 2, tenure: market, share: 0.4}")
            }
            let bedrooms = try m["bedrooms"]?.integer() ?? 2
            guard (1...6).contains(bedrooms) else { throw m["bedrooms"]!.fail("bedrooms must be 1 to 6", hint: "4 or more count as 4") }
            let tenureText = try m["tenure"]?.string() ?? "market"
            guard let tenure = DwellingType.Tenure(rawValue: tenureText) else { throw m["tenure"]!.fail("tenure must be market or affordable", hint: "social rent and shared ownership count as affordable") }
            guard let shareNode = m["share"] else { throw item.fail("each mix entry needs a 'share'", hint: "shares sum to 1") }
            let share = try shareNode.nonNegative()
            mix[DwellingType(kind, bedrooms: min(bedrooms, 4), tenure), default: 0] += share
        }
        let total = mix.values.reduce(0, +)
        guard abs(total - 1) < 1e-6 else { throw node.fail("mix shares sum to \(Format.decimal(total, places: 3)), not 1", hint: "make the shares add up to 1") }
        return mix
    }
}
