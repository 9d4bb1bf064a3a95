import Foundation

/// The files this process has read as inputs (data, scenarios, the run store), so that no
/// output replaces one of them: `--output data/rolls.csv` is refused, not obeyed.
enum InputFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []

    /// The path with symbolic links and `.`/`..` resolved, so two spellings of a file match.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// Notes that `path` was read as an input.
    static func record(_ path: String) {
        let c = canonical(path)
        lock.withLock { _ = paths.insert(c) }
    }

    /// Whether `path` names a file read as an input.
    static func contains(_ path: String) -> Bool {
        let c = canonical(path)
        return lock.withLock { paths.contains(c) }
    }

    /// The bytes of an input file, with errors that say what is wrong: not there, a
    /// directory where a file is expected, or unreadable (permissions). `kind` names what was
    /// expected ("CSV file"), for the message.
    static func read(_ path: String, kind: String) throws(PlacePlanError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path, hint: "check the path, or the --data directory")
        }
        guard !isDirectory.boolValue else {
            throw .unreadableFile(path: path, reason: "a directory, not \(Format.withArticle(kind))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: FileManager.default.isReadableFile(atPath: path) ? "it could not be read" : "permission denied")
        }
        return Array(data)
    }
}

/// The one file in `names` (a folder's listing) that starts with `prefix` and ends with
/// `suffix`: nil when there is none, an error naming them all when there are several (two
/// census extracts side by side: reading the first by name would silently take the older).
func onlyFile(in directory: String, names: [String], prefix: String, suffix: String = ".csv") throws(PlacePlanError) -> String? {
    let matches = names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.sorted()
    guard matches.count <= 1 else { throw .ambiguousFiles(directory: directory, pattern: "\(prefix)*\(suffix)", files: matches) }
    return matches.first.map { (directory as NSString).appendingPathComponent($0) }
}
