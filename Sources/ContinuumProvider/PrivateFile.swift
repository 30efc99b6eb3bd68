import Foundation

/// Writes files that carry secrets (cloud-init seeds with join tokens): created owner-only
/// (0600) and exclusively under a temporary name, then renamed into place, in a directory
/// created owner-and-group-only (0750); never through a symbolic link.
public enum PrivateFile {
    /// Writes `bytes` to `directory/name`, replacing a previous file of that name.
    /// - Throws: `PrivateFileError` naming the path and the system's reason.
    public static func write(_ bytes: [UInt8], named name: String, in directory: String) throws(PrivateFileError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw PrivateFileError(path: directory, reason: error.localizedDescription)
        }
        let path = directory + "/" + name
        let temporary = directory + "/.\(name).\(UUID().uuidString.prefix(8)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw PrivateFileError(path: temporary, reason: String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return Foundation.write(descriptor, base + written, bytes.count - written)
            }
            guard count > 0 else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(temporary)
                throw PrivateFileError(path: temporary, reason: reason)
            }
            written += count
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PrivateFileError(path: path, reason: reason)
        }
    }
}

/// Why a private file could not be written.
public struct PrivateFileError: Error, Sendable, CustomStringConvertible {
    /// The path.
    public var path: String
    /// The system's reason.
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}
