/// The assumptions a cohort model is fitted with.
public struct ModelOptions: Sendable, Hashable, Codable {
    /// The estimator for cohort ratios (progression, transfer and staying on).
    public var estimator: RatioEstimator
    /// The estimator for births-to-Reception ratios (by default the same).
    public var intakeEstimator: RatioEstimator
    /// Births beyond the last known mid-year.
    public var birthsProjection: BirthsProjection

    public init(
        estimator: RatioEstimator = .default, intakeEstimator: RatioEstimator? = nil,
        birthsProjection: BirthsProjection = .default
    ) {
        self.estimator = estimator
        self.intakeEstimator = intakeEstimator ?? estimator
        self.birthsProjection = birthsProjection
    }
}

/// A fitted cohort-flow model: the year-step matrices and intake ratios estimated from the
/// history up to the origin census.
///
/// The move from year group g to g+1 is the matrix T_g = diag(r_g) · B_g (see
/// ``RatioHistory``): N(t+1, g+1) = T_g · N(t, g). Reception is N(t, R, a) = ρ_a · B(t-4).
public struct CohortModel: Sendable {
    public let areas: [PlanningArea]
    /// The last census the model was fitted on; the forecast starts the year after.
    public let origin: AcademicYear
    public let options: ModelOptions
    /// transitions[g], g = 0 ... 12: A×A, the step from year group g to g+1.
    public let transitions: [Matrix]
    /// cohortRatios[g][b]: the ratio into area b's year group g+1 (nil where b does not hold it).
    public let cohortRatios: [[Double?]]
    /// Births-to-Reception ratio per area (nil where the area has no Reception).
    public let intakeRatios: [Double?]

    /// Fits the model on the data's full history (the data as known at its last census).
    public static func fit(_ data: DataSet, options: ModelOptions = ModelOptions()) throws(PlacePlanError) -> CohortModel {
        guard data.rolls.years.count >= 2 else {
            throw .insufficientHistory(
                "at least two years of rolls are needed to estimate cohort ratios; the data has \(data.rolls.years.count)",
                hint: "add earlier January census rolls, or choose a later --from")
        }
        return try fit(RatioHistory(data: data), origin: data.lastCensus, options: options)
    }

    /// Fits the model from a ratio history.
    public static func fit(_ history: RatioHistory, origin: AcademicYear, options: ModelOptions) throws(PlacePlanError) -> CohortModel {
        let areas = history.areas
        var transitions: [Matrix] = []
        var cohortRatios: [[Double?]] = []
        for g in 0..<13 {
            let base = history.bases[g]
            var ratios: [Double?] = []
            for (b, area) in areas.enumerated() {
                guard area.phase.yearGroups.contains(YearGroup(g + 1)), (0..<areas.count).contains(where: { base[b, $0] != 0 }) else {
                    ratios.append(nil)
                    continue
                }
                if let r = options.estimator.estimate(history.cohort[g][b]) {
                    ratios.append(r)
                } else if let pooled = pooled(history.cohortParts[g], estimator: options.estimator) {
                    ratios.append(pooled)
                } else {
                    throw .insufficientHistory(
                        "no history to estimate the \(YearGroup(g))→\(YearGroup(g + 1)) ratio for area \(area.id)",
                        hint: "the rolls need at least one pair of consecutive years with pupils in these year groups")
                }
            }
            cohortRatios.append(ratios)
            transitions.append(base.scalingRows(by: ratios.map { $0 ?? 0 }))
        }
        var intake: [Double?] = []
        for (a, area) in areas.enumerated() {
            guard area.phase.yearGroups.contains(.reception) else {
                intake.append(nil)
                continue
            }
            if let r = options.intakeEstimator.estimate(history.intake[a]) {
                intake.append(r)
            } else {
                throw .insufficientHistory(
                    "no births-to-Reception ratio for area \(area.id): births are missing for every census year",
                    hint: "births must cover the mid-years four years before the census years in the rolls")
            }
        }
        return CohortModel(areas: areas, origin: origin, options: options, transitions: transitions, cohortRatios: cohortRatios, intakeRatios: intake)
    }

    /// The ratio of sums over all areas for each year, then the estimator: a fallback for
    /// an area with no usable history of its own.
    static func pooled(_ parts: [[(numerator: Double, predictor: Double)?]], estimator: RatioEstimator) -> Double? {
        guard let n = parts.first?.count else { return nil }
        var series: [Double?] = []
        for t in 0..<n {
            let present = parts.compactMap { $0[t] }
            let den = present.reduce(0) { $0 + $1.predictor }
            series.append(present.isEmpty || den <= 0 ? nil : present.reduce(0) { $0 + $1.numerator } / den)
        }
        return estimator.estimate(series)
    }
}
