public import ContinuumProvider
import Foundation

/// Where the operator keeps one credential: a file beneath the secrets directory (a
/// mounted Kubernetes Secret) or an environment variable. Never a spec's choice.
public enum OperatorSecret: Sendable, Hashable, CustomStringConvertible {
    /// A file, relative to the secrets directory.
    case file(String)
    /// An environment variable of the controller.
    case environment(String)

    /// The largest credential file read.
    public static let maximumFileSize = 64 * 1024

    /// How a plan shows it: by name, never by value.
    public var description: String {
        switch self {
        case .file(let path): "file \(path)"
        case .environment(let name): "env \(name)"
        }
    }

    /// The credential's value, surrounding whitespace removed. A file is opened beneath
    /// `directory` component by component without following any symbolic link, must be a
    /// regular file and at most `maximumFileSize` bytes.
    /// - Throws: `ProviderError` naming the reference (never a value) and what to do.
    public func resolve(in directory: URL?, provider: String, field: String) throws(ProviderError) -> String {
        switch self {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ProviderError(.invalidRequest, provider: provider, message: "\(field): the environment variable \(name) is not set",
                    remedy: "set it in the controller's environment (a Kubernetes Secret as env)")
            }
            return value
        case .file(let path):
            guard let directory else {
                throw ProviderError(.invalidRequest, provider: provider, message: "\(field): no secrets directory is configured for file \(path)",
                    remedy: "set secretsDirectory in the operator configuration")
            }
            return try Self.read(path, beneath: directory).mapError { problem in
                ProviderError(.invalidRequest, provider: provider, message: "\(field): cannot read secret file \(path): \(problem)",
                    remedy: "mount the secret beneath \(directory.path) as a regular file (no symbolic links) and check its permissions")
            }.get()
        }
    }

    /// Reads `path` beneath `directory` with `openat`, one component at a time, never
    /// leaving it (the equivalent of openat2's RESOLVE_BENEATH): `..`, absolute paths and
    /// symbolic links that point out (absolute, or through `..`) are refused. Links that stay
    /// beneath are followed, as a mounted Kubernetes Secret needs (`password ->
    /// ..data/password`, `..data -> ..2026_11_29_…`), at most 16 of them.
    static func read(_ path: String, beneath directory: URL) -> Result<String, SecretFileProblem> {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !path.hasPrefix("/"), !components.isEmpty, !components.contains(".."), !components.contains(".") else {
            return .failure(SecretFileProblem("the path must be relative to the secrets directory, without . or .."))
        }
        var descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(SecretFileProblem("the secrets directory cannot be opened (\(String(cString: strerror(errno))))")) }
        var pending = components[...]
        var links = 0
        while let component = pending.popFirst() {
            let last = pending.isEmpty
            var status = stat()
            if fstatat(descriptor, component, &status, AT_SYMLINK_NOFOLLOW) == 0, (status.st_mode & S_IFMT) == S_IFLNK {
                var buffer = [CChar](repeating: 0, count: 4096)
                let count = readlinkat(descriptor, component, &buffer, buffer.count - 1)
                links += 1
                let target = count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
                let parts = target.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
                guard links <= 16, count > 0, !target.hasPrefix("/"), !parts.isEmpty, !parts.contains("..") else {
                    close(descriptor)
                    return .failure(SecretFileProblem("a symbolic link that leads out of the secrets directory is on the way"))
                }
                pending = (parts.filter { $0 != "." } + pending)[...]
                continue
            }
            let next = openat(descriptor, component, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (last ? 0 : O_DIRECTORY))
            let error = errno
            close(descriptor)
            guard next >= 0 else {
                return .failure(SecretFileProblem(error == ELOOP || error == ENOTDIR ? "a symbolic link or non-directory is on the way" : String(cString: strerror(error))))
            }
            descriptor = next
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return .failure(SecretFileProblem("not a regular file")) }
        var bytes = [UInt8](repeating: 0, count: maximumFileSize + 1)
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return Foundation.read(descriptor, base + total, buffer.count - total)
            }
            if count < 0 { return .failure(SecretFileProblem(String(cString: strerror(errno)))) }
            if count == 0 { break }
            total += count
        }
        guard total <= maximumFileSize else { return .failure(SecretFileProblem("over \(maximumFileSize / 1024) KiB")) }
        return .success(String(decoding: bytes[..<total], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Why a secret file could not be read (never its content).
struct SecretFileProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
