import CLibGit2
import Foundation

/// The credential and host-key callbacks given to libgit2 for one fetch: SSH keys and
/// HTTPS tokens from their files, SSH host keys checked against known_hosts (an unknown
/// host or a changed key is an error). libgit2 calls back on the source's queue; the
/// context lives as long as the fetch.
final class GitRemoteCallbacks {
    let credentials: GitCredentials
    let knownHosts: KnownHosts?
    let port: Int?
    private(set) var attempts = 0
    /// Why a callback refused, in words for the error (libgit2's own message is generic).
    var failure: String?

    init(options: GitSourceOptions) throws(GitError) {
        credentials = options.credentials
        port = Self.port(of: options.url)
        if let path = credentials.knownHostsPath {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw GitError(operation: "read the known hosts \(path)", message: "cannot read the file", remedy: "check --git-known-hosts and its permissions")
            }
            knownHosts = KnownHosts(text: String(decoding: data, as: UTF8.self))
        } else {
            knownHosts = nil
        }
    }

    /// Runs `body` with libgit2 callbacks that call back into this context.
    func withCallbacks<T>(_ body: (git_remote_callbacks) -> T) -> T {
        var callbacks = git_remote_callbacks()
        git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.credentials = { out, _, username, allowed, payload in
            guard let out, let payload else { return -1 }
            return Unmanaged<GitRemoteCallbacks>.fromOpaque(payload).takeUnretainedValue()
                .credential(out, username: username.map { String(cString: $0) }, allowed: allowed)
        }
        callbacks.certificate_check = { cert, valid, host, payload in
            guard let cert, let payload else { return -1 }
            return Unmanaged<GitRemoteCallbacks>.fromOpaque(payload).takeUnretainedValue()
                .check(cert, valid: valid != 0, host: host.map { String(cString: $0) } ?? "")
        }
        return withExtendedLifetime(self) { body(callbacks) }
    }

    private func credential(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, username: String?, allowed: UInt32) -> Int32 {
        attempts += 1
        guard attempts <= 3 else {
            failure = "the server refused the credentials"
            return GIT_EAUTH.rawValue
        }
        if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0, let key = credentials.sshKeyPath {
            return git_credential_ssh_key_new(out, username ?? "git", nil, key, nil)
        }
        if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0, let token = credentials.token {
            return git_credential_userpass_plaintext_new(out, username ?? "x-access-token", token)
        }
        failure = allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0
            ? "the server asks for an SSH key; give one with --git-ssh-key"
            : "the server asks for credentials; give a token with --git-token-file"
        return GIT_EAUTH.rawValue
    }

    private func check(_ cert: UnsafeMutablePointer<git_cert>, valid: Bool, host: String) -> Int32 {
        guard cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else {
            // TLS: libgit2 verifies the chain against the system's CAs.
            return GIT_PASSTHROUGH.rawValue
        }
        let hostkey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
        guard hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.hostkey else {
            failure = "libgit2 did not report \(host)'s raw host key, so it cannot be checked"
            return GIT_ECERTIFICATE.rawValue
        }
        let key = Array(UnsafeRawBufferPointer(start: raw, count: hostkey.hostkey_len))
        guard let knownHosts else {
            failure = "\(host)'s host key cannot be verified without --git-known-hosts"
            return GIT_ECERTIFICATE.rawValue
        }
        switch knownHosts.verify(host: host, port: port, key: key) {
        case .trusted:
            return 0
        case .revoked:
            failure = "\(host)'s host key is marked @revoked in the known hosts file"
        case .mismatch:
            failure = "\(host)'s host key is not the one in the known hosts file: the key changed, or someone is in between"
        case .unknownHost:
            failure = "\(host) is not in the known hosts file; add its key (ssh-keyscan \(host)) after checking it"
        }
        return GIT_ECERTIFICATE.rawValue
    }

    /// The port of an `ssh://` URL; nil for scp-like URLs and the default port.
    private static func port(of url: String) -> Int? {
        guard url.contains("://"), let components = URLComponents(string: url) else { return nil }
        return components.port
    }
}
