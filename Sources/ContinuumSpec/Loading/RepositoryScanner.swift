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
            guard let stream = opendir(absolute) else {
                let reason = String(cString: strerror(errno))
                return .failure(DiagnosticsError([Diagnostic(about: absolute, "cannot list directory: \(reason)")]))
            }
            defer { closedir(stream) }
            while let record = readdir(stream) {
                let entry = withUnsafeBytes(of: record.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if entry == "." || entry == ".." { continue }
                let relative = directory.isEmpty ? entry : "\(directory)/\(entry)"
                // The entry's type from the listing itself (no stat per file); lstat only
                // where the file system does not say.
                var type = Self.fileType(record.pointee.d_type)
                if type == nil {
                    var status = stat()
                    guard lstat(rootPath + "/" + relative, &status) == 0 else { continue }
                    type = status.st_mode & S_IFMT
                }
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

    /// The `S_IFMT` type a directory listing reports, or nil when it reports none.
    private static func fileType(_ type: UInt8) -> mode_t? {
        switch Int32(type) {
        case Int32(DT_DIR): S_IFDIR
        case Int32(DT_REG): S_IFREG
        case Int32(DT_LNK): S_IFLNK
        case Int32(DT_UNKNOWN): nil
        default: 0
        }
    }
}
