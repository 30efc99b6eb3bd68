import Foundation
import Testing

/// Runs the built `continuum` executable as a subprocess, as a user would.
struct CLIRunner {
    /// What a run printed and how it exited.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable next to the test bundle in the build directory (`swift build` builds it).
    static func executable() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("continuum")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw CLIRunnerError(message: "the continuum executable was not found beside \(CommandLine.arguments[0]); run `swift build` before `swift test`")
    }

    /// Starts the executable without waiting; read its output with `output()` after signalling it.
    /// With `openFileLimit` it runs under that limit on open files (`ulimit -n`, soft and hard).
    static func start(_ arguments: [String], in directory: URL, openFileLimit: Int? = nil) throws -> Process {
        let process = Process()
        if let openFileLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\"", try executable().path] + arguments
        } else {
            process.executableURL = try executable()
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["CONTINUUM_STATE"] = nil
        env["CONTINUUM_SIM_WORLD"] = nil
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return process
    }

    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env["CONTINUUM_STATE"] = nil
        env["CONTINUUM_SIM_WORLD"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}

struct CLIRunnerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension Process {
    /// Everything the process wrote to its combined output pipe, until it closed.
    func output() -> String {
        guard let pipe = standardOutput as? Pipe else { return "" }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
