import ArgumentParser
import ContinuumGit
import Foundation

/// Where the controller's specs come from: `--repo` with `--branch`, `--tag` or `--commit`,
/// `--path`, and the credential files.
struct GitSourceArguments: ParsableArguments {
    @Option(help: "The Git repository: file://, git://, http(s)://, ssh:// or git@host:path.") var repo: String
    @Option(help: "Track this branch (default main).") var branch: String?
    @Option(help: "Track this tag.") var tag: String?
    @Option(help: "Stay on this commit.") var commit: String?
    @Option(help: "The spec directory inside the repository.") var path: String?
    @Option(help: "An SSH private key file for ssh:// and git@host:path URLs.") var gitSshKey: String?
    @Option(help: "A known_hosts file; the server's host key must be in it.") var gitKnownHosts: String?
    @Option(help: "A file holding an HTTPS access token.") var gitTokenFile: String?
    @Option(help: "An OpenPGP public keyring; only commits signed by one of its keys are applied.") var verifySignatures: String?

    func validate() throws {
        guard [branch, tag, commit].compactMap({ $0 }).count <= 1 else { throw ValidationError("give at most one of --branch, --tag and --commit") }
        if let commit, commit.count < 7 || !commit.allSatisfy(\.isHexDigit) { throw ValidationError("--commit '\(commit)' is not a commit SHA (7 to 40 hex digits)") }
        if gitSshKey != nil, gitKnownHosts == nil { throw ValidationError("--git-ssh-key needs --git-known-hosts: the server's host key is always verified") }
        if let path, path.hasPrefix("/") || path.split(separator: "/").contains("..") {
            throw ValidationError("--path '\(path)' must be a relative path inside the repository")
        }
    }

    /// The source options, credentials read from their files.
    func options(cacheDirectory: URL) throws -> GitSourceOptions {
        let reference: GitReference = if let tag { .tag(tag) } else if let commit { .commit(commit) } else { .branch(branch ?? "main") }
        var credentials = GitCredentials()
        credentials.sshKeyPath = gitSshKey
        credentials.knownHostsPath = gitKnownHosts
        credentials.token = try gitTokenFile.map { try SecretFile.read($0, purpose: "Git token") }
        credentials.signingKeyringPath = verifySignatures
        for (option, file) in [("--git-ssh-key", gitSshKey), ("--git-known-hosts", gitKnownHosts), ("--verify-signatures", verifySignatures)] {
            if let file, !FileManager.default.isReadableFile(atPath: file) {
                throw ValidationError("\(option) \(file): cannot read the file; check the path and its permissions")
            }
        }
        return GitSourceOptions(url: repo, reference: reference, path: path, cacheDirectory: cacheDirectory, credentials: credentials)
    }
}
