import ContinuumGit
import ContinuumTesting
import Foundation
import Testing

/// Git over SSH against a real sshd on loopback: the client key from a file, the server's
/// host key checked against known_hosts.
@Suite("Git over SSH", .serialized)
struct SSHSourceTests {
    @Test func fetchesWithAKeyFromAFileWhenTheHostKeyIsKnown() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try SSHServer(in: directory.url)
        defer { server.stop() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(["a.yaml": "over ssh"])
        var credentials = GitCredentials()
        credentials.sshKeyPath = server.clientKey.path
        credentials.knownHostsPath = server.knownHosts.path
        let source = GitSource(options: GitSourceOptions(
            url: server.url(repository.directory.path), cacheDirectory: directory.url.appendingPathComponent("cache"), credentials: credentials))
        let revision = try await source.fetch()
        #expect(revision.commit == commit)
        #expect(try String(contentsOf: revision.directory.appendingPathComponent("a.yaml"), encoding: .utf8) == "over ssh")
        #expect(!credentials.description.contains("BEGIN"), "credentials describe themselves by file name only")
    }

    @Test(arguments: ["unknown", "changed", "missing"])
    func anUnverifiedHostKeyIsRefused(_ case: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try SSHServer(in: directory.url)
        defer { server.stop() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["a.yaml": "x"])
        var credentials = GitCredentials()
        credentials.sshKeyPath = server.clientKey.path
        let knownHosts = directory.url.appendingPathComponent("known_hosts_\(`case`)")
        switch `case` {
        case "unknown": try Data("[git.example.org]:22 \(server.hostKey)\n".utf8).write(to: knownHosts)
        case "changed":
            let other = try SSHServer(in: directory.url.appendingPathComponent("other"))
            other.stop()
            try Data("[127.0.0.1]:\(server.port) \(other.hostKey)\n".utf8).write(to: knownHosts)
        default: break
        }
        if `case` != "missing" { credentials.knownHostsPath = knownHosts.path }
        let source = GitSource(options: GitSourceOptions(
            url: server.url(repository.directory.path), cacheDirectory: directory.url.appendingPathComponent("cache"), credentials: credentials))
        let error = await #expect(throws: GitError.self) { try await source.fetch() }
        let expected = ["unknown": "is not in the known hosts file", "changed": "is not the one in the known hosts file", "missing": "cannot be verified without --git-known-hosts"]
        #expect(error?.message.contains(expected[`case`] ?? "") == true, "\(String(describing: error))")
    }

    @Test func aKeyTheServerDoesNotAcceptIsAnAuthenticationError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try SSHServer(in: directory.url)
        defer { server.stop() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["a.yaml": "x"])
        let stranger = directory.url.appendingPathComponent("stranger")
        _ = try GitFixture.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger.path], in: directory.url)
        var credentials = GitCredentials()
        credentials.sshKeyPath = stranger.path
        credentials.knownHostsPath = server.knownHosts.path
        let source = GitSource(options: GitSourceOptions(
            url: server.url(repository.directory.path), cacheDirectory: directory.url.appendingPathComponent("cache"), credentials: credentials))
        let error = await #expect(throws: GitError.self) { try await source.fetch() }
        #expect(error?.operation.contains("clone ssh://") == true)
        #expect(!(error?.description.contains("PRIVATE KEY") ?? true), "the key never appears in an error")
    }
}
