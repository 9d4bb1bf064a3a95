import Foundation

/// Choosing the areas and years of a data set: a subset of areas, the LAs that exist at a
/// forecast's origin, and series merged across LA reorganisations.
extension DataSet {
    /// The data of some areas only (by index, in that order) over a run of census years.
    public func selecting(areas indices: [Int], years: Range<Int>? = nil) -> DataSet {
        var copy = self
        let kept = years ?? rolls.years.indices
        copy.areas = indices.map { areas[$0] }
        copy.rolls = rolls.selecting(areas: indices, years: kept)
        let ids = Set(copy.areas.map(\.id))
        copy.schools = schools.filter { ids.contains($0.areaID) }
        copy.births = births.filter { key, _ in copy.areas.contains { $0.localAuthority == key || $0.id == key } }
        if let transfers {
            copy.transfers = TransferShares(
                shares: transfers.shares.filter { ids.contains($0.key) }.mapValues { $0.filter { ids.contains($0.key) } })
        }
        if kept != rolls.years.indices {
            let g = YearGroup.count
            copy.schoolRolls = schoolRolls.mapValues { Array($0[(kept.lowerBound * g)..<(kept.upperBound * g)]) }
        }
        copy.mergedAreas = mergedAreas.filter { ids.contains($0.key) }
        return copy
    }

    /// The areas a forecast shows: those asked for with `--la` (or a merged area holding
    /// one), without the other members of their reorganisations that the loader kept to merge
    /// a series across the break; every area when nothing was asked for.
    public var shownAreas: [PlanningArea] {
        guard let wanted = requestedAreas else { return areas }
        return areas.filter { wanted.contains($0.id) || !wanted.isDisjoint(with: mergedAreas[$0.id] ?? []) }
    }

    /// The name the EHCP files know the one authority of ``shownAreas`` by: on the DfE route
    /// its LA number, which stays when the DfE recodes an LA's GSS code (Buckinghamshire's EHCP
    /// rows are E10000002 to 2020 and again from 2024, E06000060 between), else the areas'
    /// `local_authority`. Nil when they are of several authorities.
    public var ehcpAuthority: String? {
        let areas = shownAreas
        let authorities = Set(areas.map(\.localAuthority))
        guard authorities.count == 1, let authority = authorities.first else { return nil }
        if isLAData, areas.count == 1, Int(areas[0].id) != nil { return areas[0].id }
        return authority
    }

    /// The LA numbers the one authority of ``ehcpAuthority`` was made from (the
    /// predecessors of its reorganisation, on the DfE route), whose EHCP history stands in
    /// where its own is too short; empty otherwise.
    public var ehcpPredecessors: [String] {
        guard isLAData, let id = ehcpAuthority else { return [] }
        return reorganisations.filter { $0.successors.contains { $0.number == id } }.flatMap { $0.predecessors.map(\.number) }
    }

    /// The data a forecast from `origin` uses: LAs reorganised after the origin merged into
    /// one series (their successors did not exist yet), rolls up to the origin, and only the
    /// areas that have a census at the origin and, where they teach Reception, births. Each
    /// area left out is named in ``notes`` with the reason; leading years in which no area
    /// kept has a census are dropped. A forecast from after a reorganisation so uses the
    /// successors' own history, however short. On the DfE route an LA whose origin census
    /// lacks a year group is left out too (noted), unless it is the only one.
    public func atOrigin(_ origin: AcademicYear) -> DataSet {
        var data = mergingReorganisations { origin < $0.firstYear }
        data.rolls = data.rolls.truncated(through: origin)
        guard let t = data.rolls.yearIndex(origin) else { return data }
        var keep: [Int] = []
        var replaced: [LocalAuthorityReorganisation] = []
        data.leftOut = [:]
        func leaveOut(_ area: PlanningArea, _ why: String) {
            let note = "\(area.id) \(area.name): left out, \(why)"
            data.notes.append(note)
            data.leftOut[area.id] = note
        }
        for (a, area) in data.areas.enumerated() {
            if let wanted = data.requestedAreas, !wanted.contains(area.id), wanted.isDisjoint(with: data.mergedAreas[area.id] ?? []) { continue }
            if !data.rolls.hasCensus(yearIndex: t, area: a) {
                let span = data.rolls.span(area: a)
                if let event = data.reorganisations.first(where: { e in e.predecessors.contains { $0.number == area.id } && e.firstYear <= origin }) {
                    if !replaced.contains(event) { replaced.append(event) }
                } else {
                    leaveOut(area, span.lowerBound > t ? "its census starts after \(origin)" : "no census after \(data.rolls.years[span.upperBound])")
                }
                continue
            }
            if area.phase.yearGroups.contains(.reception), data.birthSeries(for: area) == nil {
                leaveOut(area, "the births file has no births for \(area.localAuthority)")
                continue
            }
            keep.append(a)
        }
        // On the DfE route, an LA whose origin census lacks a year group (a suppressed cell)
        // is left out rather than stopping a national run; alone, it is the error that names
        // the cell.
        if data.isLAData {
            let complete = Set(keep.filter { data.missingYearGroups(area: $0, yearIndex: t).isEmpty })
            if !complete.isEmpty, complete.count < keep.count {
                for a in keep where !complete.contains(a) {
                    let missing = data.missingYearGroups(area: a, yearIndex: t)
                    leaveOut(
                        data.areas[a],
                        "its \(origin) census has no \(missing.map(\.description).joined(separator: ", ")) (suppressed or missing); supply the figure to forecast it")
                }
                keep = keep.filter(complete.contains)
            }
        }
        // How much history a successor has: its censuses since the break, to the origin.
        func since(_ event: LocalAuthorityReorganisation) -> String {
            let n = origin.startYear - event.firstYear.startYear + 1
            return "\(n) census\(n == 1 ? "" : "es"), \(event.firstYear)-\(origin)"
        }
        for event in replaced {
            // A successor that could not be forecast (no births) is named above; the note must
            // not say the predecessor's pupils are forecast under it.
            let lost = event.successors.filter { data.leftOut[$0.number] != nil }
            data.notes.append(
                "\(event.predecessors.map(\.description).joined(separator: ", ")): left out, replaced in \(event.firstYear) by "
                    + "\(event.successors.map(\.description).joined(separator: ", "))"
                    + (lost.isEmpty
                        ? ", forecast from their own history (\(since(event)))"
                        : "; \(lost.map(\.description).joined(separator: ", ")) cannot be forecast (see above), so \(lost.count == 1 ? "its" : "their") pupils are not in the forecast"))
        }
        // An authority asked for alone (`--la 940`) whose series starts at a reorganisation:
        // say how short its history is, and that its predecessor's is not used.
        let keptIDs = Set(keep.map { data.areas[$0].id })
        for event in data.reorganisations where event.firstYear <= origin && !replaced.contains(event) {
            let successors = event.successors.filter { keptIDs.contains($0.number) }
            guard !successors.isEmpty else { continue }
            data.notes.append(
                "\(successors.map(\.description).joined(separator: ", ")): forecast from \(successors.count == 1 ? "its" : "their") own history since "
                    + "\(event.predecessors.map(\.description).joined(separator: ", ")) \(event.predecessors.count == 1 ? "was" : "were") reorganised (\(since(event)))")
        }
        let first = keep.map { data.rolls.span(area: $0).lowerBound }.min() ?? 0
        if keep.count == data.areas.count && first == 0 { return data }
        var selected = data.selecting(areas: keep, years: first..<(t + 1))  // notes and leftOut come with it
        selected.relabel()
        return selected
    }

    /// The data with each reorganisation (those `including` accepts) merged: its
    /// predecessors' and successors' rolls summed into one area whose series runs across the
    /// break, with the successors' births (or, if they lack them, the predecessors'). A
    /// reorganisation is merged only when every LA in it is in the data; each merge is named
    /// in ``notes``.
    public func mergingReorganisations(including: (LocalAuthorityReorganisation) -> Bool = { _ in true }) -> DataSet {
        var data = self
        for event in reorganisations where including(event) {
            let members = (event.predecessors + event.successors).map(\.number)
            let indices = members.compactMap { id in data.areas.firstIndex { $0.id == id } }
            guard indices.count == members.count else {
                // Only a reorganisation half in the data is worth a note: none of the successors
                // means the break comes after the data's last census.
                if !indices.isEmpty, event.successors.contains(where: { s in data.areas.contains { $0.id == s.number } }) {
                    let absent = members.filter { id in !data.areas.contains { $0.id == id } }
                    data.notes.append("\(event): not merged, the data has no rows for LA \(absent.joined(separator: ", "))")
                }
                continue
            }
            data = data.merging(indices, event: event)
        }
        return data
    }

    /// Areas `indices` summed into one (the last area's place in the order).
    func merging(_ indices: [Int], event: LocalAuthorityReorganisation) -> DataSet {
        let members = indices.map { areas[$0] }
        let successorIDs = Set(event.successors.map(\.number))
        let id = event.successors.map(\.number).joined(separator: "+")
        let name = event.predecessors.count == 1
            ? "\(event.predecessors[0].name.isEmpty ? members[0].name : event.predecessors[0].name) (\(id) from \(event.firstYear))"
            : members.filter { successorIDs.contains($0.id) }.map(\.name).joined(separator: " + ")
        // Births of the merged area: the successors' series summed (their districts cover the
        // whole area at every date), else the predecessors'.
        func summed(_ group: [PlanningArea]) -> BirthSeries? {
            let series = group.compactMap { birthSeries(for: $0) }
            return series.count == group.count ? BirthSeries.sum(series, key: id) : nil
        }
        let merged = summed(members.filter { successorIDs.contains($0.id) }) ?? summed(members.filter { !successorIDs.contains($0.id) })
        let area = PlanningArea(id: id, name: name, phase: .allThrough, localAuthority: merged == nil ? members[0].localAuthority : id)
        var rolls = RollHistory(areaIDs: self.rolls.areaIDs, years: self.rolls.years)
        rolls.values = self.rolls.values
        rolls.missingSources = self.rolls.missingSources
        rolls.spans = self.rolls.spans
        let target = indices.last!
        var lo = Int.max, hi = Int.min
        for y in self.rolls.years.indices {
            let side = self.rolls.years[y] < event.firstYear ? indices.filter { !successorIDs.contains(areas[$0].id) } : indices.filter { successorIDs.contains(areas[$0].id) }
            let present = side.allSatisfy { self.rolls.hasCensus(yearIndex: y, area: $0) }
            if present {
                lo = min(lo, y)
                hi = max(hi, y)
            }
            for g in YearGroup.all {
                var sum = 0.0
                for a in side { sum += self.rolls.values[self.rolls.offset(y, a, g)] }  // NaN (missing) if any part is
                rolls.values[rolls.offset(y, target, g)] = present ? sum : .nan
                if let source = side.lazy.compactMap({ self.rolls.missingSources[self.rolls.offset(y, $0, g)] }).first {
                    rolls.missingSources[rolls.offset(y, target, g)] = source
                }
            }
        }
        if lo <= hi { rolls.setSpan(area: target, years: lo...hi) }
        var data = self
        data.rolls = rolls
        data.areas[target] = area
        if let merged { data.births[id] = merged }
        data.mergedAreas[id] = members.map(\.id)
        data.notes.append("\(id) \(name): one series across the break: \(event)")
        // The merged area's places: the members' own schools (schools.csv) where they have
        // them, else the scorecards' places of its members.
        let isMember = { (s: School) in members.contains { $0.id == s.areaID } }
        let own = schools.filter { isMember($0) && ownSchoolAreas.contains($0.areaID) }.map { s -> School in
            var moved = s
            moved.areaID = id
            return moved
        }
        data.schools = schools.filter { !isMember($0) } + (own.isEmpty ? capacity?.schools(for: area, members: members.map(\.id), rolls: rolls, area: target) ?? [] : own)
        if !own.isEmpty { data.ownSchoolAreas.insert(id) }
        let others = indices.dropLast()
        var keep = Array(areas.indices)
        keep.removeAll { others.contains($0) }
        var result = data.selecting(areas: keep)
        result.notes = data.notes
        result.relabel()
        return result
    }
}

extension DataSet {
    /// On the DfE route, the label counts the LAs the data now holds.
    mutating func relabel() {
        guard isLAData else { return }
        label = "\(DfECensusFormat.label) (\(areas.count) LA\(areas.count == 1 ? "" : "s"))"
    }
}
