// The speed of placeplan's draws: the demo authority, 15 years ahead, 10,000 draws, as one
// release-build run on the machine's cores, mainstream and SEND. Prints wall time, draws per second, the share
// of the time spent in BLAS, and the peak memory. Run with `make bench`.
import Foundation
import PlacePlanKit

let arguments = CommandLine.arguments
let draws = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let years = arguments.count > 2 ? Int(arguments[2]) ?? 15 : 15
let data = try DataSource.load(arguments.count > 3 ? arguments[3] : "data")
BLAS.setThreads(1)

func peakMemoryMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return .nan }
    return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan) / 1024
}

// The point forecast and the inner backtest (the measured error paths) come before the draws.
let prepStart = Date()
let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: years))
let model = run.models[0], applied = run.applied[0]
let empirical = EmpiricalErrors.measure(data, options: model.options)
let places = SufficiencyReport.places(schools: applied.schools, areas: data.areas, years: [data.lastCensus] + (1...years).map { data.lastCensus + $0 })
let prep = Date().timeIntervalSince(prepStart)

BLASTimer.start()
let start = Date()
let summary = try Simulation.run(
    data, model: model, empirical: empirical, applied: applied, horizon: years,
    settings: UncertaintySettings(draws: draws, seed: 1), places: places, thresholds: applied.thresholds)
let mainstream = Date().timeIntervalSince(start)
// SEND: the same number of draws, by superposition of basis columns stepped through the
// need x placement blocks, then one dgemm a year for every draw's allocation profile. Its
// SEND backtest (measured errors) runs inside the timed span.
let directory = arguments.count > 3 ? arguments[3] : "data"
let history = try EHCPHistory.load(directory: directory, authority: data.areas[0].localAuthority)
let histories = try EHCPHistory.loadAll(directory: directory)
let pooled = SENDPooledTrend(histories: histories, data: data, national: try SENDPooledTrend.nationalPlans(directory: directory))
let measured = SENDBacktest.measuredErrors(for: history, histories: histories, data: data, pooled: pooled)
let sendStart = Date()
let send = try SENDRunner.run(
    history: history, data: data, run: run, pooled: pooled, uncertainty: UncertaintySettings(draws: draws, seed: 1),
    measured: measured)
let sendTime = Date().timeIntervalSince(sendStart)
let wall = Date().timeIntervalSince(start)
let blas = BLASTimer.stop()
let threads = ProcessInfo.processInfo.activeProcessorCount
print("""
    placeplan bench: \(data.areas.count) planning areas, \(years) years, \(summary.draws) draws, \(threads) cores
      fit and inner backtest:               \(String(format: "%.3f", prep)) s
      mainstream draws (engine, noise, quantiles): \(String(format: "%.3f", mainstream)) s
      SEND draws (\(send.draws?.draws ?? 0) draws, \(send.years.count - 1) years from \(send.years[0])): \(String(format: "%.3f", sendTime)) s
      draws, mainstream and SEND:           \(String(format: "%.3f", wall)) s wall, \(String(format: "%.0f", Double(draws) / wall)) draws/s
      all of it (fit, inner backtests, draws): \(String(format: "%.3f", prep + wall)) s wall
      time in BLAS dgemm (summed over threads): \(String(format: "%.3f", blas)) s, \(String(format: "%.0f", 100 * blas / (wall * Double(min(threads, draws))))) % of the draws' thread time
      peak memory: \(String(format: "%.0f", peakMemoryMB())) MB
    """)
