import Foundation
import GRDB
import Testing
@testable import PlacePlanKit

@Suite struct RunStoreTests {
    func record(_ name: String, data: DataSet) throws -> SavedRun {
        let run = try ScenarioRunner.run(data, scenarios: [], overrides: AssumptionOverrides(horizon: 3))
        return try SavedRun.make(name: name, label: nil, command: "test", data: data, run: run, report: SufficiencyReport(run), now: Date(timeIntervalSince1970: 0))
    }

    /// The inputs' digests are SHA-256 (FIPS 180-4's test vectors), and a saved input's is its
    /// file's bytes'.
    @Test func inputDigestsAreSHA256() throws {
        #expect(try SavedRun.sha256(Data(), of: "-") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try SavedRun.sha256(Data("abc".utf8), of: "-") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try SavedRun.sha256(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8), of: "-")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let d = try TemporaryData.handCheckable()
        let saved = try record("v1", data: try PlacePlanFormat.load(directory: d.directory))
        let rolls = try #require(saved.inputs.first { $0.path.hasSuffix("rolls.csv") })
        #expect(rolls.sha256 == (try SavedRun.sha256(try Data(contentsOf: URL(fileURLWithPath: d.path("rolls.csv"))), of: "-")))
    }

    @Test func savesAndLoadsARunWhole() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let store = try RunStore(path: d.path("runs.sqlite"))
        let saved = try record("v1", data: data)
        try store.save(saved)
        let loaded = try store.load("v1")
        #expect(loaded.sufficiency == saved.sufficiency)
        #expect(loaded.inputs == saved.inputs && loaded.inputs.count == 4)
        #expect(loaded.inputs.allSatisfy { $0.sha256.count == 64 })
        #expect(loaded.scenarios.first?.assumptions["method"] == "auto")
        #expect(loaded.createdAt == "1970-01-01T00:00:00Z" && loaded.origin == AcademicYear(2022))
        #expect(try store.list().map(\.name) == ["v1"])
        // Reopening runs the migrations again without harm.
        #expect(try RunStore(path: d.path("runs.sqlite")).list().count == 1)
    }

    /// A save that fails part-way (a result that cannot be written) leaves nothing behind
    /// and earlier runs as they were.
    @Test func aFailedSaveChangesNothing() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let store = try RunStore(path: d.path("runs.sqlite"))
        try store.save(try record("good", data: data))
        var broken = try record("broken", data: data)
        broken.sufficiency[0].pupils = .nan  // JSON cannot hold NaN: the last insert fails
        let e = error { try store.save(broken) }
        #expect(e?.exitCode == 73)
        #expect(try store.list().map(\.name) == ["good"])
        #expect(try store.integrityCheck() == "ok")
        #expect(try store.load("good").sufficiency.count > 0)
        let e2 = error { _ = try store.load("broken") }
        #expect(e2?.exitCode == 64)
    }

    @Test func differencesNameAssumptionsAndInputs() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let a = try record("a", data: data)
        var b = a
        b.name = "b"
        b.scenarios[0].assumptions["margin"] = "2.0%"
        b.inputs[0].sha256 = String(repeating: "0", count: 64)
        let diffs = SavedRun.differences(a, b)
        #expect(diffs.contains("scenario 'baseline' margin: 5.0% vs 2.0%"))
        #expect(diffs.contains { $0.contains("changed (sha256") })
        #expect(SavedRun.differences(a, a).isEmpty)
        // A new folder for the new autumn: inputs are paired by file name, and only a changed
        // one is listed, not every file as "only in" one run.
        var moved = a
        moved.name = "moved"
        moved.inputs = a.inputs.map { var i = $0; i.path = "/data-2026/" + ($0.path as NSString).lastPathComponent; return i }
        moved.inputs[0].sha256 = String(repeating: "0", count: 64)
        let first = (a.inputs[0].path as NSString).lastPathComponent
        #expect(SavedRun.differences(a, moved) == ["input \(first): changed (\(a.inputs[0].path) vs /data-2026/\(first))"])
        moved.inputs.append(SavedRun.Input(path: "/data-2026/extra.csv", sha256: "", bytes: 0))
        #expect(SavedRun.differences(a, moved).contains("input /data-2026/extra.csv: only in moved"))
    }

    /// A store damaged outside placeplan (a run's rows lost or edited) is refused with the
    /// run's name, not read as a run from year 0 with no rows.
    @Test func aDamagedRunIsRefused() throws {
        let d = try TemporaryData.handCheckable()
        let data = try PlacePlanFormat.load(directory: d.directory)
        let store = try RunStore(path: d.path("runs.sqlite"))
        try store.save(try record("lost", data: data))
        try store.save(try record("edited", data: data))
        let queue = try DatabaseQueue(path: d.path("runs.sqlite"))
        try queue.write { db in
            try db.execute(sql: "DELETE FROM run_output WHERE runId = (SELECT id FROM run WHERE name = 'lost')")
            try db.execute(sql: "UPDATE run SET origin = 'soon' WHERE name = 'edited'")
        }
        let lost = error { _ = try store.load("lost") }
        #expect(lost?.exitCode == 65 && lost?.message.contains("run 'lost' has no sufficiency rows") == true, "\(String(describing: lost))")
        #expect(lost?.hint?.contains("save the run again") == true)
        let edited = error { _ = try store.load("edited") }
        #expect(edited?.exitCode == 65 && edited?.message.contains("origin 'soon' that is not a school year") == true, "\(String(describing: edited))")
    }

    @Test func notAStore() throws {
        let d = try TemporaryData(files: ["junk.sqlite": "this is not sqlite"])
        let e = error { _ = try RunStore(path: d.path("junk.sqlite")) }
        #expect(e?.exitCode == 65)
        guard case .invalidRunStore(_, let problem, let hint) = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(problem.contains("not a placeplan run store") && hint.contains("--store"))
    }
}
