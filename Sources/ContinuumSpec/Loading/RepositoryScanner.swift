#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Lists the spec files of a repository: every `*.yaml` / `*.yml` below the root, sorted
/// by path, leaving out dot-directories and what `.continuumignore` excludes. Symbolic
/// links to directories are not followed, so a link loop cannot hang the scan.
public struct RepositoryScanner: Sendable {
    /// The name of the ignore file at the root.
    public static let ignoreFileName = ".continuumignore"

    /// The limits applied (the file count).
    public var limits: LoaderLimits

    /// Creates a scanner.
    public init(limits: LoaderLimits = .default) {
        self.limits = limits
    }

    /// The spec files' paths relative to `root`, sorted, or diagnostics.
    public func specFiles(under root: URL) -> Result<[String], DiagnosticsError> {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            return .failure(DiagnosticsError([Diagnostic(about: root.path, "no such file or directory; pass the path of a spec repository")]))
        }
        guard isDirectory.boolValue else { return .success([root.lastPathComponent]) }
        var ignore = IgnoreRules()
        let ignorePath = root.appendingPathComponent(Self.ignoreFileName).path
        if let data = manager.contents(atPath: ignorePath) {
            ignore = IgnoreRules(parsing: String(decoding: data, as: UTF8.self))
        }
        var files: [String] = []
        var pending: [String] = [""]
        let rootPath = root.path.hasSuffix("/") ? String(root.path.dropLast()) : root.path
        while let directory = pending.popLast() {
            let absolute = directory.isEmpty ? rootPath : rootPath + "/" + directory
            let entries: [String]
            do {
                entries = try manager.contentsOfDirectory(atPath: absolute)
            } catch {
                return .failure(DiagnosticsError([Diagnostic(about: absolute, "cannot list directory: \(error.localizedDescription)")]))
            }
            for entry in entries {
                let relative = directory.isEmpty ? entry : "\(directory)/\(entry)"
                // lstat, not FileManager's attribute dictionary: a scan of 100,000 files
                // spent most of its time building those.
                var status = stat()
                guard lstat(rootPath + "/" + relative, &status) == 0 else { continue }
                let type = status.st_mode & S_IFMT
                if type == S_IFDIR {
                    if entry.hasPrefix(".") || ignore.isIgnored(relative, isDirectory: true) { continue }
                    pending.append(relative)
                } else if type == S_IFREG || type == S_IFLNK {
                    guard entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") else { continue }
                    if ignore.isIgnored(relative, isDirectory: false) { continue }
                    files.append(relative)
                    if files.count > limits.maximumFiles {
                        return .failure(DiagnosticsError([Diagnostic(about: root.path, "more than \(limits.maximumFiles) spec files; exclude some with \(Self.ignoreFileName)")]))
                    }
                }
            }
        }
        return .success(files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}
