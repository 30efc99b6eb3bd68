/// How a Git source authenticates and what it trusts, each from a file (the Kubernetes
/// Secret mount pattern). Never logged or shown: `description` names the files only.
public struct GitCredentials: Sendable, Hashable, CustomStringConvertible {
    /// An SSH private key file, for `ssh://` and `git@host:path` URLs.
    public var sshKeyPath: String?
    /// A known_hosts file: an SSH server whose host key is not in it is refused.
    public var knownHostsPath: String?
    /// An HTTPS access token (read from `--git-token-file`).
    public var token: String?
    /// An OpenPGP public keyring: only commits signed by one of its keys are used.
    public var signingKeyringPath: String?

    /// No credentials: public repositories over file://, git:// or http(s)://.
    public init() {}

    public var description: String {
        var parts: [String] = []
        if let sshKeyPath { parts.append("ssh key \(sshKeyPath)") }
        if let knownHostsPath { parts.append("known hosts \(knownHostsPath)") }
        if token != nil { parts.append("token (redacted)") }
        if let signingKeyringPath { parts.append("signing keyring \(signingKeyringPath)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
