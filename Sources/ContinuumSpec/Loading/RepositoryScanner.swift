#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Lists the spec files of a repository: every `*.yaml` / `*.yml` below the root, sorted
/// by path, leaving out dot-directories and what `.continuumignore` excludes.
///
/// The root is resolved once (`realpath`): where it points is the operator's choice. Below
/// it, nothing is followed: a symbolic link is refused with an error at its path, whether
/// it points at a file or a directory (that is never looked up), unless
/// `.continuumignore` excludes it or it is hidden (its name starts with `.` and does not
/// end in `.yaml` / `.yml`, where a directory would have been skipped and a file not
/// read). A `*.yaml` / `*.yml` entry that is not a regular file (a FIFO, a socket, a
/// device) is refused too, without being opened.
public struct RepositoryScanner: Sendable {
    /// The name of the ignore file at the root.
    public static let ignoreFileName = ".continuumignore"

    /// The limits applied (the file count, the ignore file's size).
    public var limits: LoaderLimits

    /// Creates a scanner.
    public init(limits: LoaderLimits = .default) {
        self.limits = limits
    }

    /// The spec files' paths relative to `root`, sorted, or diagnostics (including one for
    /// each entry `scan(_:)` refuses).
    public func specFiles(under root: URL) -> Result<[String], DiagnosticsError> {
        scan(root).flatMap { listing in
            listing.refused.isEmpty ? .success(listing.files) : .failure(DiagnosticsError(listing.refused))
        }
    }

    /// The spec files below `root` (a directory, or a single file) and the entries refused
    /// there; or diagnostics when `root` cannot be listed at all.
    public func scan(_ root: URL) -> Result<RepositoryListing, DiagnosticsError> {
        let rootPath: String
        switch Self.resolve(root.path) {
        case .success(let path): rootPath = path
        case .failure(.unreadable(let code)) where code == ENOENT || code == ENOTDIR:
            return .failure(DiagnosticsError([Diagnostic(about: root.path, "no such file or directory; pass the path of a spec repository")]))
        case .failure(let error):
            return .failure(DiagnosticsError([Diagnostic(about: root.path, "cannot resolve the path: \(error.reason)")]))
        }
        var status = stat()
        guard stat(rootPath, &status) == 0 else {
            return .failure(DiagnosticsError([Diagnostic(about: root.path, "cannot read: \(String(cString: strerror(errno)))")]))
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            // A single file: read from its (resolved) directory, named by its base name.
            let slash = rootPath.utf8.lastIndex(of: UInt8(ascii: "/")) ?? rootPath.utf8.startIndex
            let directory = String(rootPath[..<slash])
            let name = String(rootPath[rootPath.utf8.index(after: slash)...])
            return .success(RepositoryListing(directory: directory.isEmpty ? "/" : directory, files: [name]))
        }
        let ignore: IgnoreRules
        switch readIgnoreRules(in: rootPath) {
        case .success(let rules): ignore = rules
        case .failure(let error): return .failure(error)
        }
        return list(rootPath, root: root, ignore: ignore)
    }

    /// Walks the directory tree at `rootPath` (resolved, so no link in its path).
    private func list(_ rootPath: String, root: URL, ignore: IgnoreRules) -> Result<RepositoryListing, DiagnosticsError> {
        var files: [String] = []
        var refused: [Diagnostic] = []
        var pending: [String] = [""]
        let base = rootPath.hasSuffix("/") ? String(rootPath.dropLast()) : rootPath
        while let directory = pending.popLast() {
            let absolute = directory.isEmpty ? rootPath : base + "/" + directory
            let descriptor = open(absolute, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else {
                let code = errno
                // Replaced by a link since it was listed: refused like any link.
                if code == ELOOP {
                    refused.append(Self.refusal(directory, .symbolicLink))
                    continue
                }
                return .failure(DiagnosticsError([Diagnostic(about: absolute, "cannot list directory: \(String(cString: strerror(code)))")]))
            }
            guard let stream = fdopendir(descriptor) else {
                let code = errno
                close(descriptor)
                return .failure(DiagnosticsError([Diagnostic(about: absolute, "cannot list directory: \(String(cString: strerror(code)))")]))
            }
            defer { closedir(stream) }
            while let record = readdir(stream) {
                let entry = withUnsafeBytes(of: record.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if entry == "." || entry == ".." { continue }
                let relative = directory.isEmpty ? entry : "\(directory)/\(entry)"
                // The entry's type from the listing itself (no stat per file); lstat only
                // where the file system does not say.
                let type: mode_t
                if let listed = Self.fileType(record.pointee.d_type) {
                    type = listed
                } else {
                    var status = stat()
                    guard lstat(base + "/" + relative, &status) == 0 else { continue }
                    type = status.st_mode & S_IFMT
                }
                let isSpecName = entry.hasSuffix(".yaml") || entry.hasSuffix(".yml")
                switch type {
                case S_IFDIR:
                    if entry.hasPrefix(".") || ignore.isIgnored(relative, isDirectory: true) { continue }
                    pending.append(relative)
                    continue
                case S_IFREG:
                    guard isSpecName, !ignore.isIgnored(relative, isDirectory: false) else { continue }
                    files.append(relative)
                case S_IFLNK:
                    // Never looked up, so it may be a file or a directory: refused wherever
                    // either would be read. Git ignores a link as a file.
                    guard isSpecName || !entry.hasPrefix("."), !ignore.isIgnored(relative, isDirectory: false) else { continue }
                    refused.append(Self.refusal(relative, .symbolicLink))
                default:
                    guard isSpecName, !ignore.isIgnored(relative, isDirectory: false) else { continue }
                    refused.append(Self.refusal(relative, .notRegularFile(kind: SpecFileError.kind(of: type))))
                }
                if files.count + refused.count > limits.maximumFiles {
                    return .failure(DiagnosticsError([Diagnostic(about: root.path, "more than \(limits.maximumFiles) spec files; exclude some with \(Self.ignoreFileName)")]))
                }
            }
        }
        return .success(RepositoryListing(directory: rootPath, files: files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, refused: refused))
    }

    /// The rules of the root's ignore file, read as a spec file is (never through a link,
    /// only a regular file, at most the per-file limit); none when there is no such file.
    private func readIgnoreRules(in rootPath: String) -> Result<IgnoreRules, DiagnosticsError> {
        let path = rootPath.hasSuffix("/") ? rootPath + Self.ignoreFileName : rootPath + "/" + Self.ignoreFileName
        do throws(SpecFileError) {
            let (bytes, _) = try SpecFileReader.contents(of: path, limit: limits.maximumFileSize)
            return .success(IgnoreRules(parsing: String(decoding: bytes, as: UTF8.self)))
        } catch .unreadable(let code) where code == ENOENT {
            return .success(IgnoreRules())
        } catch {
            return .failure(DiagnosticsError([Self.refusal(Self.ignoreFileName, error)]))
        }
    }

    /// The error for an entry refused without being read.
    static func refusal(_ relativePath: String, _ error: SpecFileError) -> Diagnostic {
        Diagnostic(at: SourceLocation(file: relativePath, line: 1, column: 1), error.message)
    }

    /// `path` with every link resolved, or why it cannot be.
    private static func resolve(_ path: String) -> Result<String, SpecFileError> {
        guard let resolved = realpath(path, nil) else { return .failure(.unreadable(code: errno)) }
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }

    /// The `S_IFMT` type a directory listing reports, or nil when it reports none.
    private static func fileType(_ type: UInt8) -> mode_t? {
        switch Int32(type) {
        case Int32(DT_DIR): S_IFDIR
        case Int32(DT_REG): S_IFREG
        case Int32(DT_LNK): S_IFLNK
        case Int32(DT_FIFO): S_IFIFO
        case Int32(DT_SOCK): S_IFSOCK
        case Int32(DT_CHR): S_IFCHR
        case Int32(DT_BLK): S_IFBLK
        case Int32(DT_UNKNOWN): nil
        default: 0
        }
    }
}
