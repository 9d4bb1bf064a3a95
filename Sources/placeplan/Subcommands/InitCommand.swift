import ArgumentParser
import Foundation
import PlacePlanKit

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write empty templates of every input file, with a README of their columns, into a new folder.",
        discussion: """
            Fill the templates from your census, capacity and births exports, then run placeplan check --data DIR. \
            Nothing is overwritten: the folder must not hold any of the files already.

            Example:
              placeplan init my-authority
            """)

    @Argument(help: ArgumentHelp("The folder to create (or an empty one).", valueName: "dir"), completion: .directory)
    var directory: String

    func run() throws {
        try reportingErrors {
            let existing = InputTemplates.files.map { (directory as NSString).appendingPathComponent($0.0) }.filter { FileManager.default.fileExists(atPath: $0) }
            guard existing.isEmpty else {
                throw PlacePlanError.invalidOption(
                    option: "init", message: "\(directory) already holds \(existing.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))",
                    hint: "placeplan init never overwrites: choose a new folder")
            }
            do {
                try FileManager.default.createDirectory(atPath: (directory as NSString).appendingPathComponent("scenarios"), withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: (directory as NSString).appendingPathComponent("send"), withIntermediateDirectories: true)
            } catch {
                throw PlacePlanError.outputFailed(path: directory, reason: "cannot create the folder: \(error.localizedDescription)")
            }
            for (name, text) in InputTemplates.files {
                try OutputFile.write(text, to: (directory as NSString).appendingPathComponent(name))
            }
            note("wrote \(InputTemplates.files.count) templates to \(directory): fill them, then run placeplan check --data \(directory)")
        }
    }
}
