import Foundation
import Testing

/// Runs the built `placeplan` binary, as a user would.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The binary beside the test bundle (the test target depends on the executable, so
    /// SwiftPM builds it first).
    static let binary: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("placeplan")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/placeplan")
    }()

    static let demoData = packageRoot.appendingPathComponent("data").path
    static let scenarios = packageRoot.appendingPathComponent("scenarios").path
    static let london: String? = {
        let dir = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/london").path
        return FileManager.default.fileExists(atPath: dir) ? dir : nil
    }()

    static let england: String? = {
        let dir = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/england").path
        return FileManager.default.fileExists(atPath: dir) ? dir : nil
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// - Parameter shell: the first argument is a program to run instead of placeplan (a
    ///   shell, for redirections and concurrent runs).
    static func run(_ arguments: [String], in directory: URL? = nil, shell: Bool = false) throws -> Result {
        let process = Process()
        process.executableURL = shell ? URL(fileURLWithPath: arguments[0]) : binary
        process.arguments = shell ? Array(arguments.dropFirst()) : arguments
        process.currentDirectoryURL = directory ?? packageRoot
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so that a large output cannot fill the pipe and block.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A scratch directory for outputs and broken inputs.
    static func scratch() throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("placeplan-e2e-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A copy of the demo data whose file `name` has `transform` applied.
    static func brokenDemo(_ name: String, _ transform: (String) -> String) throws -> URL {
        let dir = try scratch()
        for file in try FileManager.default.contentsOfDirectory(atPath: demoData) where file.hasSuffix(".csv") {
            let text = try String(contentsOfFile: (demoData as NSString).appendingPathComponent(file), encoding: .utf8)
            try (file == name ? transform(text) : text).write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        return dir
    }

    /// A copy of the demo data, with its EHCP files in `send/` passed through `transform`
    /// (file name, text) on the way.
    static func demoWithSEND(_ transform: (String, String) -> String) throws -> URL {
        let dir = try brokenDemo("births.csv") { $0 }
        let send = dir.appendingPathComponent("send")
        try FileManager.default.createDirectory(at: send, withIntermediateDirectories: true)
        let source = (demoData as NSString).appendingPathComponent("send")
        for file in try FileManager.default.contentsOfDirectory(atPath: source) {
            let text = try String(contentsOfFile: (source as NSString).appendingPathComponent(file), encoding: .utf8)
            try transform(file, text).write(to: send.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        return dir
    }
}
