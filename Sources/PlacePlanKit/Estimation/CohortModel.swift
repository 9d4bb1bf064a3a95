/// The assumptions a cohort model is fitted with.
public struct ModelOptions: Sendable, Hashable, Codable {
    /// How cohort ratios (progression, transfer and staying on) are estimated.
    public var method: RatioMethod
    /// How births-to-Reception ratios are estimated (by default the same way).
    public var intakeMethod: RatioMethod
    /// Births beyond the last known mid-year.
    public var birthsProjection: BirthsProjection
    /// Census years whose ratios are left out of estimation (`--exclude-years`).
    public var excludedYears: Set<AcademicYear>

    public init(
        method: RatioMethod = .default, intakeMethod: RatioMethod? = nil, birthsProjection: BirthsProjection = .default,
        excludedYears: Set<AcademicYear> = []
    ) {
        self.method = method
        self.intakeMethod = intakeMethod ?? method
        self.birthsProjection = birthsProjection
        self.excludedYears = excludedYears
    }

    /// Whether `auto` chooses any estimator (for the cohort ratios or the intake).
    public var choosesEstimators: Bool { method == .auto || intakeMethod == .auto }

    /// "2020/21, 2021/22", or nil when no year is left out.
    public var excludedYearsText: String? {
        excludedYears.isEmpty ? nil : excludedYears.sorted().map(\.description).joined(separator: ", ")
    }

    /// A model with one estimator for everything.
    public init(estimator: RatioEstimator, birthsProjection: BirthsProjection = .default) {
        self.init(method: .fixed(estimator), birthsProjection: birthsProjection)
    }
}

/// A fitted cohort-flow model: the year-step matrices and intake ratios estimated from the
/// history up to the origin census.
///
/// The move from year group g to g+1 in the h-th year ahead is the matrix
/// T_g(h) = diag(r_g(h)) · B_g (see ``RatioHistory``): N(t+h, g+1) = T_g(h) · N(t+h−1, g).
/// Reception is N(t+h, R, a) = ρ_a(h) · B(t+h−4). Ratios depend on h only for trend
/// estimators.
public struct CohortModel: Sendable {
    public let areas: [PlanningArea]
    /// The last census the model was fitted on; the forecast starts the year after.
    public let origin: AcademicYear
    public let options: ModelOptions
    /// The estimator used for each transition and for the intake.
    public let selection: EstimatorSelection
    /// The base matrices B_g, by their structure.
    public let structure: FlowStructure
    /// cohortRatios[h − 1][g][b]: the ratio into area b's year group g+1, h years ahead
    /// (nil where b does not hold it), for h = 1 ... 25.
    public let cohortRatios: [[[Double?]]]
    /// intakeRatios[h − 1][a]: the births-to-Reception ratio h years ahead (nil where the
    /// area has no Reception).
    public let intakeRatios: [[Double?]]

    /// The step T_g(h) = diag(r_g(h)) · B_g for g = 0 ... 12, in its structure.
    public func flows(step h: Int) -> StepFlows { StepFlows(structure: structure, ratios: cohortRatios[h - 1]) }

    /// The step matrices T_g(h) as dense A×A matrices: O(A²), for tests only.
    public func transitions(step h: Int) -> [Matrix] { flows(step: h).dense(areas: areas.count) }

    /// Fits the model on the data's full history (the data as known at its last census).
    public static func fit(_ data: DataSet, options: ModelOptions = ModelOptions()) throws(PlacePlanError) -> CohortModel {
        guard data.rolls.years.count >= 2 else {
            throw .insufficientHistory(
                "at least two years of rolls are needed to estimate cohort ratios; the data has \(data.rolls.years.count)",
                hint: "add earlier January census rolls, or choose a later --from")
        }
        let history = RatioHistory(data: data, excludedYears: options.excludedYears)
        return try fit(history, origin: data.lastCensus, options: options, choosingOn: poolHistory(data, options: options))
    }

    /// With `--la` (a ``DataSet/calibrationPool``), the ratio history of every authority in the
    /// file at the same origin, on which `auto` chooses its estimators: an authority's own
    /// history holds at most a few inner origins, and chosen on those alone the LAs of both
    /// folders forecast worse (England's five-year primary error 1.39% against 1.26%,
    /// docs/accuracy-tried.md), and differently from the same LA in a national run. Nil
    /// without a pool, or when nothing is chosen by `auto`.
    static func poolHistory(_ data: DataSet, options: ModelOptions) -> RatioHistory? {
        guard options.choosesEstimators, let pool = data.poolAtOrigin else { return nil }
        return RatioHistory(data: pool, excludedYears: options.excludedYears)
    }

    /// Fits the model from a ratio history; `auto` chooses its estimators by validation on
    /// `choosingOn` when given (the whole file's history, of which `history` is a part), else on
    /// `history` itself. The ratios are always `history`'s own.
    public static func fit(
        _ history: RatioHistory, origin: AcademicYear, options: ModelOptions, choosingOn validation: RatioHistory? = nil
    ) throws(PlacePlanError) -> CohortModel {
        let steps = ForecastSettings.maximumHorizon
        let areas = history.areas
        let chooser = validation ?? history
        var selection: EstimatorSelection
        switch options.method {
        case .auto: selection = EstimatorSelection.auto(chooser)
        case .fixed(let e): selection = .fixed(e)
        }
        switch options.intakeMethod {
        case .auto where options.method != .auto: selection.intake = EstimatorSelection.auto(chooser).intake
        case .fixed(let e): selection.intake = e
        default: break
        }

        var byTransition: [[[Double]?]] = []  // [g][b][h]
        for g in 0..<13 {
            var projected = RatioProjection.project(series: history.cohort[g], parts: history.cohortParts[g], estimator: selection.cohort[g], steps: steps)
            for (b, area) in areas.enumerated() {
                let receives = area.phase.yearGroups.contains(YearGroup(g + 1)) && history.structure.receives(g, b)
                guard receives else {
                    projected[b] = nil
                    continue
                }
                if projected[b] == nil {
                    // No usable history of its own: the pooled ratio of all areas.
                    let pooled = selection.cohort[g].base.forecast(RatioProjection.pooledSeries(history.cohortParts[g]), steps: steps)
                    // An area with no pupils in year group g at its last census (a small LA
                    // with no sixth form or no secondary school, or whose sixth forms closed)
                    // has nothing to move now: its last observed ratio, or 1 if it never had
                    // one, rather than a refusal. Missing (suppressed) counts still refuse.
                    let idle = history.emptyAtOrigin[g][b]
                        ? Array(repeating: max(0, history.cohort[g][b].last { $0 != nil }.flatMap { $0 } ?? 1), count: steps) : nil
                    guard let pooled = pooled ?? idle else {
                        throw .insufficientHistory(
                            "no history to estimate the \(YearGroup(g))→\(YearGroup(g + 1)) ratio for area \(area.id)",
                            hint: "the rolls need at least one pair of consecutive years with pupils in these year groups")
                    }
                    projected[b] = pooled
                }
            }
            byTransition.append(projected)
        }
        var intake = RatioProjection.project(series: history.intake, parts: history.intakeParts, estimator: selection.intake, steps: steps)
        for (a, area) in areas.enumerated() {
            guard area.phase.yearGroups.contains(.reception) else {
                intake[a] = nil
                continue
            }
            if intake[a] == nil {
                throw .insufficientHistory(
                    "no births-to-Reception ratio for area \(area.id): births are missing for every census year",
                    hint: "births must cover the mid-years four years before the census years in the rolls")
            }
        }
        let cohortRatios = (0..<steps).map { h in (0..<13).map { g in byTransition[g].map { $0?[h] } } }
        let intakeRatios = (0..<steps).map { h in intake.map { $0?[h] } }
        return CohortModel(
            areas: areas, origin: origin, options: options, selection: selection, structure: history.structure, cohortRatios: cohortRatios,
            intakeRatios: intakeRatios)
    }
}
