import Foundation
import Testing

/// Outputs and the run store under faults and concurrency (issue 24).
@Suite struct OutputSafetyTests {
    /// A full or closed standard output is exit 73 with a message, not a crash.
    @Test func fullOrClosedStandardOutput() throws {
        for redirect in ["> /dev/full", ">&-"] {
            let run = try CLI.run(["/bin/sh", "-c", "cd '\(CLI.packageRoot.path)' && '\(CLI.binary.path)' sufficiency --years 2 \(redirect); echo \"exit $?\" >&2"], shell: true)
            #expect(run.stderr.contains("exit 73"), "\(redirect): \(run.stderr)")
            #expect(run.stderr.contains("error: standard output: cannot write output"), "\(redirect): \(run.stderr)")
            #expect(!run.stderr.contains("Fatal error"), "\(redirect): \(run.stderr)")
        }
    }

    /// A device or FIFO named by --output is written, never replaced by a regular file; a
    /// symlink to a regular file replaces the file and keeps the link.
    @Test func devicesFIFOsAndSymlinks() throws {
        let dir = try CLI.scratch()
        let null = try CLI.run(["sufficiency", "--years", "2", "--output", "/dev/null"])
        #expect(null.status == 0, "\(null.stderr)")
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)

        let fifo = dir.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "cat '\(fifo)' > '\(fifo).read'"]
        try reader.run()
        let toFIFO = try CLI.run(["sufficiency", "--years", "2", "--output", fifo])
        reader.waitUntilExit()
        #expect(toFIFO.status == 0, "\(toFIFO.stderr)")
        #expect(stat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
        #expect(try String(contentsOfFile: fifo + ".read", encoding: .utf8).hasPrefix("Sufficiency of mainstream places"))

        let target = dir.appendingPathComponent("real.txt").path, link = dir.appendingPathComponent("link.txt").path
        try "old".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let viaLink = try CLI.run(["sufficiency", "--years", "2", "--output", link])
        #expect(viaLink.status == 0, "\(viaLink.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("Sufficiency of mainstream places"))
        // No temporary file is left in the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.hasPrefix(".") })
    }

    /// A save that cannot happen leaves no output; a database of another program is refused
    /// and left as it was; two outputs naming one file are refused before the run.
    @Test func storeFailuresWriteNothing() throws {
        let dir = try CLI.scratch()
        let out = dir.appendingPathComponent("o.txt").path
        let missing = try CLI.run(["sufficiency", "--save", "a", "--store", dir.appendingPathComponent("nodir/s.sqlite").path, "--output", out])
        #expect(missing.status == 73, "\(missing.stderr)")
        #expect(missing.stderr.contains("cannot create the run store: the folder"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        let foreign = dir.appendingPathComponent("other.db").path
        let made = try CLI.run(["/bin/sh", "-c", "python3 -c \"import sqlite3; c = sqlite3.connect('\(foreign)'); c.execute('create table t(x)'); c.commit()\""], shell: true)
        #expect(made.status == 0, "\(made.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: foreign))
        let refused = try CLI.run(["sufficiency", "--save", "a", "--store", foreign, "--output", out])
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("is a SQLite database of another program (its tables: t)"), "\(refused.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == before)
        #expect(!FileManager.default.fileExists(atPath: out))

        let same = try CLI.run(["backtest", "--years", "1", "--junit", out, "--output", out])
        #expect(same.status == 64, "\(same.stderr)")
        #expect(same.stderr.contains("--junit: \(out) is also the file of --output"), "\(same.stderr)")
    }

    /// Eight saves into one new store at once: writers wait for each other and all land.
    @Test func concurrentSavesAllLand() throws {
        let dir = try CLI.scratch()
        let store = dir.appendingPathComponent("s.sqlite").path
        let runs = (1...8).map { i -> (Process, Pipe) in
            let process = Process(), err = Pipe()
            process.executableURL = CLI.binary
            process.arguments = ["sufficiency", "--data", CLI.demoData, "--years", "2", "--save", "q\(i)", "--store", store, "--output", dir.appendingPathComponent("q\(i).txt").path]
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            return (process, err)
        }
        for (process, _) in runs { try process.run() }
        for (process, err) in runs {
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(stderr)")
        }
        let list = try CLI.run(["runs", "list", "--store", store])
        #expect(list.status == 0, "\(list.stderr)")
        for i in 1...8 { #expect(list.stdout.contains("q\(i) "), "q\(i) missing: \(list.stdout)") }
    }
}
