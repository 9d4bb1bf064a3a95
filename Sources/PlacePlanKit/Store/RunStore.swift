import COpenSSL
import Foundation
import GRDB

/// A saved forecast: what it was made from (every input with its SHA-256, the scenario
/// text, every assumption) and what it said (its sufficiency rows).
public struct SavedRun: Sendable, Codable {
    public struct Input: Sendable, Codable, Hashable {
        public var path: String
        public var sha256: String
        public var bytes: Int
    }
    public struct ScenarioRecord: Sendable, Codable {
        public var name: String
        public var file: String
        /// The YAML text of the file and of each file it extends, as they were.
        public var text: String
        /// Every assumption, as "key: value" pairs in a stable order.
        public var assumptions: [String: String]
    }

    public var name: String
    public var label: String
    public var createdAt: String
    public var toolVersion: String
    public var command: String
    public var dataLabel: String
    public var origin: AcademicYear
    public var horizon: Int
    public var draws: Int?
    public var seed: UInt64?
    public var scenarios: [ScenarioRecord]
    public var inputs: [Input]
    public var sufficiency: [SufficiencyRow]

    /// Builds the record of a run from its inputs and results.
    public static func make(
        name: String, label: String?, command: String, data: DataSet, run: ScenarioForecast, report: SufficiencyReport, now: Date = Date()
    ) throws(PlacePlanError) -> SavedRun {
        var files = data.sourceFiles
        var scenarios: [ScenarioRecord] = []
        for (c, applied) in run.applied.enumerated() {
            let s = applied.scenario
            let chain = s.file.isEmpty ? [] : [s.file] + s.extendsChain
            files += chain
            if let y = s.assumptions.yieldTable { files.append(y) }
            if let b = s.assumptions.birthsFile { files.append(b) }
            let text = chain.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n---\n")
            let m = run.models[c]
            var a: [String: String] = [
                "method": m.options.method.description, "intake_method": m.options.intakeMethod.description,
                "births_projection": m.options.birthsProjection.description, "margin": Format.percent(applied.thresholds.margin),
                "high_surplus": Format.percent(applied.thresholds.highSurplus), "estimators": ScenarioHeader.chosen(m.selection),
                "draws": run.draws.map { "\($0[c].draws), seed \($0[c].seed)" } ?? "none",
            ]
            if let years = m.options.excludedYearsText { a["excluded_years"] = years }
            scenarios.append(ScenarioRecord(name: s.name, file: s.file, text: text, assumptions: a))
        }
        var inputs: [Input] = []
        for path in Array(Set(files)).sorted() {
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw .fileNotFound(path: path, hint: "an input of the run disappeared before it could be saved")
            }
            let digest = try Self.sha256(bytes, of: path)
            inputs.append(Input(path: path, sha256: digest, bytes: bytes.count))
        }
        let formatter = ISO8601DateFormatter()
        return SavedRun(
            name: name, label: label ?? name, createdAt: formatter.string(from: now), toolVersion: PlacePlanVersion.current, command: command,
            dataLabel: data.label, origin: run.forecast.origin, horizon: run.forecast.horizon, draws: run.draws?.first?.draws,
            seed: run.draws?.first?.seed, scenarios: scenarios, inputs: inputs, sufficiency: report.rows)
    }

    /// The SHA-256 of `bytes` (the input at `path`), as 64 lowercase hexadecimal digits, by
    /// OpenSSL's one-shot EVP digest.
    static func sha256(_ bytes: Data, of path: String) throws(PlacePlanError) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { raw in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(raw.baseAddress, raw.count, out.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        guard ok == 1, length == 32 else { throw .internalError("OpenSSL could not take the SHA-256 of \(path)") }
        return digest.prefix(32).map { String(format: "%02x", $0) }.joined()
    }

    /// What differs between two runs' assumptions and inputs, one line each.
    /// The scenario a run stands for when one is needed (the report's columns, the outturn):
    /// `baseline` if it has one, else its first.
    public var mainScenario: String? {
        scenarios.contains { $0.name == "baseline" } ? "baseline" : scenarios.first?.name
    }

    public static func differences(_ a: SavedRun, _ b: SavedRun) -> [String] {
        var out: [String] = []
        if a.origin != b.origin { out.append("origin: \(a.origin) vs \(b.origin)") }
        if a.horizon != b.horizon { out.append("horizon: \(a.horizon) vs \(b.horizon) years") }
        if a.toolVersion != b.toolVersion { out.append("tool version: \(a.toolVersion) vs \(b.toolVersion)") }
        if a.dataLabel != b.dataLabel { out.append("data: \(a.dataLabel) vs \(b.dataLabel)") }
        let scenariosA = Dictionary(a.scenarios.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        let scenariosB = Dictionary(b.scenarios.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        for name in Set(scenariosA.keys).union(scenariosB.keys).sorted() {
            guard let x = scenariosA[name], let y = scenariosB[name] else {
                out.append("scenario '\(name)': only in \(scenariosA[name] == nil ? b.name : a.name)")
                continue
            }
            if x.text != y.text { out.append("scenario '\(name)': the scenario file differs") }
            for key in Set(x.assumptions.keys).union(y.assumptions.keys).sorted() where x.assumptions[key] != y.assumptions[key] {
                out.append("scenario '\(name)' \(key): \(x.assumptions[key] ?? "-") vs \(y.assumptions[key] ?? "-")")
            }
        }
        let inputsA = Dictionary(a.inputs.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        let inputsB = Dictionary(b.inputs.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        // Inputs at a path only one run has are paired by file name when that name is one
        // input's on each side (last autumn's data-2025/rolls.csv and this autumn's
        // data-2026/rolls.csv): a new folder each year is not every file "only in" one run.
        func name(_ path: String) -> String { (path as NSString).lastPathComponent }
        let onlyA = a.inputs.filter { inputsB[$0.path] == nil }, onlyB = b.inputs.filter { inputsA[$0.path] == nil }
        var paired: [String: Input] = [:]  // a's path -> b's input
        for x in onlyA where onlyA.filter({ name($0.path) == name(x.path) }).count == 1 {
            let same = onlyB.filter { name($0.path) == name(x.path) }
            if same.count == 1 { paired[x.path] = same[0] }
        }
        let pairedB = Set(paired.values.map(\.path))
        for path in Set(inputsA.keys).union(inputsB.keys).sorted() {
            switch (inputsA[path], inputsB[path]) {
            case (let x?, let y?) where x.sha256 != y.sha256:
                out.append("input \(path): changed (sha256 \(x.sha256.prefix(12))... vs \(y.sha256.prefix(12))...)")
            case (let x?, nil):
                if let y = paired[path] {
                    if x.sha256 != y.sha256 { out.append("input \(name(path)): changed (\(path) vs \(y.path))") }
                } else {
                    out.append("input \(path): only in \(a.name)")
                }
            case (nil, _?) where !pairedB.contains(path): out.append("input \(path): only in \(b.name)")
            default: break
            }
        }
        return out
    }
}

/// Saved runs in a SQLite database (through GRDB), with a migrated schema. A run is saved
/// in one transaction: it is all there or not there at all, and earlier runs are never
/// touched.
public struct RunStore: Sendable {
    public let path: String
    let queue: DatabaseQueue

    public static let defaultPath = "placeplan.sqlite"

    /// Opens (creating when absent) a store and brings its schema up to date.
    ///
    /// Writers wait for each other (a busy timeout of 60 s, and WAL journalling so readers
    /// never block a writer): concurrent saves all land. A SQLite database written by another
    /// program is refused, never given placeplan's tables; a store that cannot be created
    /// (its folder missing or read-only) is an output error.
    /// What is wrong with the folder a store at `path` would be in ("the folder x does not
    /// exist", "x is a file, not a folder"), or nil when it is a folder.
    public static func missingFolder(_ path: String) -> String? {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) { return isFolder.boolValue ? nil : "\(folder) is a file, not a folder" }
        return "the folder \(folder) does not exist"
    }

    public init(path: String) throws(PlacePlanError) {
        self.path = path
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if let what = Self.missingFolder(path) { throw .outputFailed(path: path, reason: "cannot create the run store: \(what)") }
            guard FileManager.default.isWritableFile(atPath: folder) else {
                throw .outputFailed(path: path, reason: "cannot create the run store: the folder \(folder) is not writable")
            }
        }
        // Opening and migrating are serialised between processes by an advisory lock on the
        // file itself (SQLite's own locks are fcntl locks, which flock does not touch): two
        // first saves at once would otherwise both create the tables.
        let lock = StoreLocks.descriptor(path)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer { if lock >= 0 { flock(lock, LOCK_UN) } }
        var configuration = Configuration()
        configuration.busyMode = .timeout(60)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.failure(path: path, error, opening: true)
        }
        do {
            let tables = try queue.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            }
            if !tables.isEmpty && !tables.contains("grdb_migrations") {
                throw PlacePlanError.invalidRunStore(
                    path: path, problem: "is a SQLite database of another program (its tables: \(tables.prefix(5).joined(separator: ", "))\(tables.count > 5 ? ", ..." : "")), not a placeplan run store",
                    hint: "name a store written by --save with --store, or a new file for a new store; placeplan does not add its tables to other databases")
            }
            // WAL journalling (kept in the file) once the file is known to be a store.
            try queue.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
            try Self.migrator.migrate(queue)
            InputFiles.record(path)
        } catch let error as PlacePlanError {
            throw error
        } catch {
            throw Self.failure(path: path, error, opening: true)
        }
    }

    /// A database error as the user should read it: busy (another run holds the store past
    /// the timeout), read-only, full, or not a store at all.
    static func failure(path: String, _ error: Error, opening: Bool) -> PlacePlanError {
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return .outputFailed(path: path, reason: "the run store is busy (another placeplan has held it for over 60 s); try again when it finishes")
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
                return .outputFailed(path: path, reason: "cannot write the run store (\(e.message ?? "read-only"))")
            case .SQLITE_FULL, .SQLITE_IOERR:
                return .outputFailed(path: path, reason: "cannot write the run store (\(e.message ?? "disk full or I/O error"))")
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return .invalidRunStore(
                    path: path, problem: "not a placeplan run store (not a SQLite database, or a damaged one)",
                    hint: "name a store written by --save with --store, or a new file for a new store")
            default: break
            }
        }
        return .invalidRunStore(
            path: path, problem: "not a placeplan run store (\(error))",
            hint: "name a store written by --save with --store, or a new file for a new store")
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: runs, their scenarios, inputs and outputs") { db in
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("label", .text).notNull()
                t.column("created_at", .text).notNull()
                t.column("tool_version", .text).notNull()
                t.column("command", .text).notNull()
                t.column("data_label", .text).notNull()
                t.column("origin", .text).notNull()
                t.column("horizon", .integer).notNull()
                t.column("draws", .integer)
                t.column("seed", .text)
            }
            try db.create(table: "run_scenario") { t in
                t.belongsTo("run", onDelete: .cascade).notNull()
                t.column("position", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("file", .text).notNull()
                t.column("text", .text).notNull()
                t.column("assumptions", .text).notNull()
            }
            try db.create(table: "run_input") { t in
                t.belongsTo("run", onDelete: .cascade).notNull()
                t.column("path", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("bytes", .integer).notNull()
            }
            try db.create(table: "run_output") { t in
                t.belongsTo("run", onDelete: .cascade).notNull()
                t.column("kind", .text).notNull()
                t.column("json", .text).notNull()
            }
        }
        return m
    }

    /// Whether a run of this name is saved.
    public func contains(_ name: String) throws(PlacePlanError) -> Bool {
        do {
            return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE name = ?", arguments: [name]) ?? 0 > 0 }
        } catch {
            throw .invalidRunStore(path: path, problem: "cannot list its runs (\(error))", hint: "check the file with 'sqlite3 \(path) \"PRAGMA integrity_check\"'")
        }
    }

    /// Saves a run. Fails, saving nothing, if the name is taken.
    public func save(_ run: SavedRun) throws(PlacePlanError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try queue.write { db in
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE name = ?", arguments: [run.name]) ?? 0 > 0 {
                    throw PlacePlanError.invalidOption(
                        option: "--save", message: "a run named '\(run.name)' is already in \(path)", hint: "choose another name, e.g. '\(run.name) v2'")
                }
                try db.execute(
                    sql: "INSERT INTO run (name, label, created_at, tool_version, command, data_label, origin, horizon, draws, seed) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    arguments: [
                        run.name, run.label, run.createdAt, run.toolVersion, run.command, run.dataLabel, run.origin.description, run.horizon, run.draws,
                        run.seed.map { String($0) },
                    ])
                let id = db.lastInsertedRowID
                for (i, s) in run.scenarios.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO run_scenario (runId, position, name, file, text, assumptions) VALUES (?,?,?,?,?,?)",
                        arguments: [id, i, s.name, s.file, s.text, String(decoding: try encoder.encode(s.assumptions), as: UTF8.self)])
                }
                for input in run.inputs {
                    try db.execute(sql: "INSERT INTO run_input (runId, path, sha256, bytes) VALUES (?,?,?,?)", arguments: [id, input.path, input.sha256, input.bytes])
                }
                try db.execute(
                    sql: "INSERT INTO run_output (runId, kind, json) VALUES (?,?,?)",
                    arguments: [id, "sufficiency", String(decoding: try encoder.encode(run.sufficiency), as: UTF8.self)])
            }
        } catch let error as PlacePlanError {
            throw error
        } catch {
            if case .outputFailed(let p, let reason) = Self.failure(path: path, error, opening: false) {
                throw .outputFailed(path: p, reason: "the run was not saved: \(reason)")
            }
            throw .outputFailed(path: path, reason: "the run was not saved: \(error)")
        }
    }

    /// The saved runs, oldest first: name, label, time and origin.
    public func list() throws(PlacePlanError) -> [(name: String, label: String, createdAt: String, origin: String, horizon: Int, scenarios: Int)] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT name, label, created_at, origin, horizon, (SELECT COUNT(*) FROM run_scenario s WHERE s.runId = run.id) AS n FROM run ORDER BY id")
                    .map { ($0["name"], $0["label"], $0["created_at"], $0["origin"], $0["horizon"], $0["n"]) }
            }
        } catch {
            throw .invalidRunStore(path: path, problem: "cannot list its runs (\(error))", hint: "check the file with 'sqlite3 \(path) \"PRAGMA integrity_check\"'")
        }
    }

    /// A saved run, whole.
    public func load(_ name: String) throws(PlacePlanError) -> SavedRun {
        let decoder = JSONDecoder()
        do {
            return try queue.read { db in
                guard let run = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE name = ?", arguments: [name]) else {
                    let names = try String.fetchAll(db, sql: "SELECT name FROM run ORDER BY id")
                    throw PlacePlanError.invalidOption(
                        option: "--run", message: "no run named '\(name)' in \(path)",
                        hint: names.isEmpty ? "save one first with --save NAME" : "saved runs: \(names.joined(separator: ", "))")
                }
                let id: Int64 = run["id"]
                let scenarios = try Row.fetchAll(db, sql: "SELECT * FROM run_scenario WHERE runId = ? ORDER BY position", arguments: [id]).map { r in
                    SavedRun.ScenarioRecord(
                        name: r["name"], file: r["file"], text: r["text"],
                        assumptions: try decoder.decode([String: String].self, from: Data((r["assumptions"] as String).utf8)))
                }
                let inputs = try Row.fetchAll(db, sql: "SELECT * FROM run_input WHERE runId = ? ORDER BY path", arguments: [id]).map {
                    SavedRun.Input(path: $0["path"], sha256: $0["sha256"], bytes: $0["bytes"])
                }
                // Every save writes the origin and the sufficiency rows: without them the store is damaged.
                guard let json = try String.fetchOne(db, sql: "SELECT json FROM run_output WHERE runId = ? AND kind = 'sufficiency'", arguments: [id]) else {
                    throw PlacePlanError.invalidRunStore(path: path, problem: "run '\(name)' has no sufficiency rows", hint: "save the run again under a new name with --save")
                }
                guard let origin = AcademicYear(parsing: run["origin"] as String) else {
                    throw PlacePlanError.invalidRunStore(
                        path: path, problem: "run '\(name)' has an origin '\(run["origin"] as String)' that is not a school year",
                        hint: "save the run again under a new name with --save")
                }
                let seed: String? = run["seed"]
                return SavedRun(
                    name: run["name"], label: run["label"], createdAt: run["created_at"], toolVersion: run["tool_version"], command: run["command"],
                    dataLabel: run["data_label"], origin: origin, horizon: run["horizon"],
                    draws: run["draws"], seed: seed.flatMap { UInt64($0) }, scenarios: scenarios, inputs: inputs,
                    sufficiency: try decoder.decode([SufficiencyRow].self, from: Data(json.utf8)))
            }
        } catch let error as PlacePlanError {
            throw error
        } catch {
            throw .invalidRunStore(path: path, problem: "cannot read run '\(name)' (\(error))", hint: "save the run again under a new name with --save")
        }
    }

    /// SQLite's own check that the file is sound.
    public func integrityCheck() throws -> String {
        try queue.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
    }
}

/// One descriptor per store file for the process's life, for the open-and-migrate lock. It is
/// never closed: closing any descriptor of a file drops every POSIX lock the process holds on
/// it, SQLite's included, and another process could then checkpoint the WAL under this one.
enum StoreLocks {
    nonisolated(unsafe) private static var descriptors: [String: Int32] = [:]
    private static let lock = NSLock()

    static func descriptor(_ path: String) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        if let fd = descriptors[key] { return fd }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd >= 0 { descriptors[key] = fd }
        return fd
    }
}
