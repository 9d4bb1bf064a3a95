/// Who feeds year group g+1 of each planning area from year group g: the structure of the
/// base matrices B_g (``RatioHistory``), stored by what they are rather than as A×A matrices.
///
/// Within an area that holds both year groups a cohort moves up in place: B_g is the
/// identity there, a diagonal. The only other flows are transfers (Year 6 to Year 7 from
/// primary to secondary areas, and any other year where an area starts): a receiving area b
/// draws on sending areas a with shares B_g[b, a]. Transfers are grouped into blocks, the
/// connected sets of receivers and senders (each local authority's secondary areas and their
/// feeder primaries, without a transfers file), so that B_g is block-diagonal after the
/// diagonal part: storage and work are O(A + Σ blocks R·S), linear in the areas for a
/// national run where every block is one authority's.
public struct FlowStructure: Sendable, Equatable {
    /// The transfer flows of one transition among a connected set of areas.
    public struct Block: Sendable, Equatable {
        /// Receiving areas (indices), in area order.
        public var receivers: [Int]
        /// Sending areas (indices), in area order.
        public var senders: [Int]
        /// B_g restricted to the block, receivers by row, senders by column, column-major.
        public var shares: [Double]

        public func share(receiver r: Int, sender s: Int) -> Double { shares[r + s * receivers.count] }
    }

    /// The structure of one transition g → g+1.
    public struct Transition: Sendable, Equatable {
        /// 1 where area a moves its own cohort up (B_g[a, a] = 1), else 0.
        public var own: [Double]
        public var blocks: [Block]
        /// Whether each area receives the cohort at all (own or by transfer).
        public var receiving: [Bool]

        init(own: [Double], blocks: [Block]) {
            self.own = own
            self.blocks = blocks
            var receiving = own.map { $0 != 0 }
            for b in blocks { for r in b.receivers { receiving[r] = true } }
            self.receiving = receiving
        }
    }

    public let areas: Int
    /// transitions[g] for g = 0 ... 12.
    public let transitions: [Transition]

    /// Whether area b receives year group g+1 from year group g at all.
    public func receives(_ g: Int, _ b: Int) -> Bool {
        transitions[g].receiving[b]
    }

    /// B_g as a dense A×A matrix (receiving area by row): for tests and the reference step.
    public func dense(_ g: Int) -> Matrix {
        var m = Matrix(rows: areas, columns: areas)
        for a in 0..<areas where transitions[g].own[a] != 0 { m[a, a] = transitions[g].own[a] }
        for block in transitions[g].blocks {
            for (j, s) in block.senders.enumerated() {
                for (i, r) in block.receivers.enumerated() { m[r, s] = block.share(receiver: i, sender: j) }
            }
        }
        return m
    }

    /// The structure for `areas`: progression within an area where it holds both year
    /// groups; into an area's first year group (Year 7 of a secondary area), the stated
    /// transfer shares when a transfers file is given, else every area of the same authority
    /// that holds year group g and not g+1, with weight 1 (the cohort ratio then carries the
    /// area's share of the authority's transfer), or, when the authority has none, every such
    /// area.
    public static func build(areas: [PlanningArea], transfers: TransferShares?) -> FlowStructure {
        let A = areas.count
        let index = Dictionary(areas.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var transitions: [Transition] = []
        for g in 0..<13 {
            let from = YearGroup(g), to = YearGroup(g + 1)
            var own = [Double](repeating: 0, count: A)
            // Edges receiver → (sender, share) of the transfers into `to`.
            var edges: [Int: [(Int, Double)]] = [:]
            let feeders = areas.indices.filter { areas[$0].phase.yearGroups.contains(from) && !areas[$0].phase.yearGroups.contains(to) }
            let feedersByLA = Dictionary(grouping: feeders, by: { areas[$0].localAuthority })
            for (b, receiving) in areas.enumerated() where receiving.phase.yearGroups.contains(to) {
                if receiving.phase.yearGroups.contains(from) {
                    own[b] = 1
                    continue
                }
                if let shares = transfers?.shares[receiving.id] {
                    let list = shares.compactMap { id, s in index[id].map { ($0, s) } }.filter { $0.1 != 0 }.sorted { $0.0 < $1.0 }
                    if !list.isEmpty { edges[b] = list }
                } else {
                    let sources = feedersByLA[receiving.localAuthority] ?? feeders
                    if !sources.isEmpty { edges[b] = sources.map { ($0, 1.0) } }
                }
            }
            transitions.append(Transition(own: own, blocks: blocks(edges, areas: A)))
        }
        return FlowStructure(areas: A, transitions: transitions)
    }

    /// The connected components of the bipartite graph of transfer edges, as dense blocks.
    static func blocks(_ edges: [Int: [(Int, Double)]], areas A: Int) -> [Block] {
        guard !edges.isEmpty else { return [] }
        // Union-find over receivers (r) and senders (A + s).
        var parent = Array(0..<(2 * A))
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        for (r, list) in edges {
            for (s, _) in list {
                let a = find(r), b = find(A + s)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var groups: [Int: (receivers: Set<Int>, senders: Set<Int>)] = [:]
        for (r, list) in edges {
            let root = find(r)
            groups[root, default: ([], [])].receivers.insert(r)
            for (s, _) in list { groups[root, default: ([], [])].senders.insert(s) }
        }
        return groups.values.map { group -> Block in
            let receivers = group.receivers.sorted(), senders = group.senders.sorted()
            let column = Dictionary(senders.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            var shares = [Double](repeating: 0, count: receivers.count * senders.count)
            for (i, r) in receivers.enumerated() {
                for (s, share) in edges[r]! { shares[i + column[s]! * receivers.count] = share }
            }
            return Block(receivers: receivers, senders: senders, shares: shares)
        }.sorted { $0.receivers[0] < $1.receivers[0] }
    }
}

/// One year's step with its ratios applied: T_g = diag(r_g) · B_g in the structure of
/// ``FlowStructure``. diagonal[g][a] = r_g(a) where a moves its own cohort up; each block's
/// weights are r_g(b) · B_g[b, a].
public struct StepFlows: Sendable, Equatable {
    public var diagonal: [[Double]]
    public var blocks: [[FlowStructure.Block]]

    public init(diagonal: [[Double]], blocks: [[FlowStructure.Block]]) {
        self.diagonal = diagonal
        self.blocks = blocks
    }

    /// The flows of `structure` with ratio[g][b] (0 where nil) on each receiving area.
    public init(structure: FlowStructure, ratios: [[Double?]]) {
        diagonal = (0..<13).map { g in zip(structure.transitions[g].own, ratios[g]).map { $0 * ($1 ?? 0) } }
        blocks = (0..<13).map { g in
            structure.transitions[g].blocks.map { block in
                var b = block
                for (i, r) in block.receivers.enumerated() {
                    let ratio = ratios[g][r] ?? 0
                    for j in block.senders.indices { b.shares[i + j * block.receivers.count] *= ratio }
                }
                return b
            }
        }
    }

    /// T_g as dense A×A matrices: the form of the step before it knew its structure, kept
    /// for the tests that compare the two.
    public func dense(areas A: Int) -> [Matrix] {
        (0..<13).map { g in
            var m = Matrix(rows: A, columns: A)
            for a in 0..<A where diagonal[g][a] != 0 { m[a, a] = diagonal[g][a] }
            for block in blocks[g] {
                for (j, s) in block.senders.enumerated() {
                    for (i, r) in block.receivers.enumerated() { m[r, s] = block.share(receiver: i, sender: j) }
                }
            }
            return m
        }
    }
}
