public import Foundation

/// The secrets Continuum generates for clusters (join tokens, its own API token: 32
/// random bytes, hex; the cluster's CA keys and certificates, PEM), each in a file of its own (mode 0600) in a directory (mode 0700)
/// kept next to the state, created on first use and read afterwards. Like the secrets
/// Cluster API keeps for a cluster, they live outside the spec, the plans and the state.
public struct GeneratedSecrets: Sendable {
    /// The directory of the secret files.
    public let directory: URL

    /// Secrets in `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// The secret named `name` (a file name), generated the first time it is asked for.
    /// Two processes asking at once get the same value: the file is created exclusively.
    public func value(_ name: String) throws(SecretStoreError) -> String {
        try value(name) {
            var generator = SystemRandomNumberGenerator()
            return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        }
    }

    /// The secret named `name`, made by `generate` the first time it is asked for (a
    /// cluster CA's key or certificate, PEM). Two processes asking at once get the same
    /// value: the first file linked into place wins.
    public func value(_ name: String, generate: () throws(SecretStoreError) -> String) throws(SecretStoreError) -> String {
        let path = directory.appendingPathComponent(name).path
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SecretStoreError(path: directory.path, message: "cannot create the directory: \(error.localizedDescription)")
        }
        try checkDirectory()
        if let existing = try read(path) { return existing }
        let secret = try generate().trimmingCharacters(in: .whitespacesAndNewlines)
        // Written whole under a temporary name, then linked into place: the file is never
        // seen empty, not even after a kill -9, and of two processes the first link wins.
        let temporary = path + ".\(UInt32.random(in: .min ... .max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SecretStoreError(path: temporary, message: "cannot create the file: \(String(cString: strerror(errno)))") }
        defer { unlink(temporary) }
        let written = secret.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, secret.utf8.count) }
        let synced = written == secret.utf8.count && fsync(descriptor) == 0
        close(descriptor)
        guard synced else { throw SecretStoreError(path: temporary, message: "cannot write the file: \(String(cString: strerror(errno)))") }
        guard link(temporary, path) == 0 else {
            if errno == EEXIST, let existing = try read(path) { return existing }
            throw SecretStoreError(path: path, message: "cannot create the file: \(String(cString: strerror(errno)))")
        }
        return secret
    }

    /// The directory must be a real directory (not a link) of this user's, closed to group
    /// and others: one another user made or can write would hand them the tokens.
    private func checkDirectory() throws(SecretStoreError) {
        // FileManager's attributes are lstat's: a link is reported as a link, not followed.
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: directory.path)
        } catch {
            throw SecretStoreError(path: directory.path, message: "cannot inspect the directory: \(error.localizedDescription)")
        }
        guard attributes[.type] as? FileAttributeType == .typeDirectory else {
            throw SecretStoreError(path: directory.path, message: "not a directory (a symbolic link or a file); remove it or choose another --secrets-dir")
        }
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        guard owner == geteuid() else {
            throw SecretStoreError(path: directory.path, message: "owned by uid \(owner.map(String.init) ?? "unknown"), not by the controller (uid \(geteuid())); choose a --secrets-dir of the controller's own")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        guard mode & 0o077 == 0 else {
            throw SecretStoreError(path: directory.path, message: "open to group or others (mode \(String(mode & 0o777, radix: 8))); run chmod 700 on it")
        }
    }

    private func read(_ path: String) throws(SecretStoreError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SecretStoreError(path: path, message: "cannot read the file")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw SecretStoreError(path: path, message: "the file is empty") }
        return secret
    }
}

/// A generated secret that could not be read or written; the value is never in it.
public struct SecretStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory at fault.
    public var path: String
    /// What went wrong.
    public var message: String

    public var description: String {
        "generated secret \(path): \(message); check that the state directory is writable by the controller (remove an empty or corrupt file to generate a new secret, which a running cluster will not accept)"
    }
}
