import Foundation

/// A real Git repository made with the `git` command, for tests of the Git source and
/// the controller: commit files, tag, branch.
public struct GitFixture: Sendable {
    /// The working repository.
    public let directory: URL

    /// Creates an empty repository whose default branch is `main`.
    public init(in parent: URL, name: String = "specs") throws {
        directory = parent.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try git("init", "--quiet", "--initial-branch=main")
        try git("config", "user.email", "tests@continuum.invalid")
        try git("config", "user.name", "Continuum tests")
        try git("config", "commit.gpgsign", "false")
    }

    /// The repository's `file://` URL.
    public var url: String { "file://" + directory.path }

    /// Writes files (relative path to text), removes `removing`, commits (signed with
    /// `signedBy` when given), and returns the commit's SHA.
    @discardableResult
    public func commit(_ files: [String: String], removing: [String] = [], message: String = "update specs", signedBy key: GPGKey? = nil) throws -> String {
        for (path, text) in files {
            let file = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
        for path in removing { try git("rm", "--quiet", "-r", path) }
        try git("add", "--all")
        if let key {
            _ = try Self.run(["git", "-c", "gpg.program=\(key.program.path)", "-c", "user.signingkey=\(key.email)", "commit", "-S", "--quiet", "--allow-empty", "-m", message], in: directory)
        } else {
            try git("commit", "--quiet", "--allow-empty", "-m", message)
        }
        return try git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `git` in the repository and returns its standard output.
    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        try Self.run(["git"] + arguments, in: directory)
    }

    /// Runs a command (found on PATH) in `directory` and returns its standard output.
    public static func run(_ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(message: "\(arguments.joined(separator: " ")) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// A failed fixture command.
public struct FixtureError: Error, CustomStringConvertible {
    /// What failed.
    public var message: String
    public var description: String { message }

    /// Creates an error saying what failed.
    public init(message: String) {
        self.message = message
    }
}
