import ContinuumGit
import ContinuumTesting
import Foundation
import Testing

/// `--verify-signatures`: only commits signed by a key in the keyring are used; real keys
/// and signatures made with gpg, checked with gpgv.
@Suite("Commit signature verification", .serialized)
struct SignatureVerificationTests {
    @Test func onlyCommitsSignedByATrustedKeyAreUsed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let trusted = try GPGKey(in: directory.url, name: "release")
        let stranger = try GPGKey(in: directory.url, name: "stranger")
        defer {
            trusted.stopAgent()
            stranger.stopAgent()
        }
        let repository = try GitFixture(in: directory.url)
        var credentials = GitCredentials()
        credentials.signingKeyringPath = trusted.publicKeyFile.path
        let source = GitSource(options: GitSourceOptions(url: repository.url, cacheDirectory: directory.url.appendingPathComponent("cache"), credentials: credentials))

        let signed = try repository.commit(["a.yaml": "one"], signedBy: trusted)
        #expect(try await source.fetch().commit == signed)

        let unsigned = try repository.commit(["a.yaml": "two"])
        let unsignedError = await #expect(throws: GitError.self) { try await source.fetch() }
        #expect(unsignedError?.commit == unsigned)
        #expect(unsignedError?.message.contains("not signed") == true)

        let foreign = try repository.commit(["a.yaml": "three"], signedBy: stranger)
        let foreignError = await #expect(throws: GitError.self) { try await source.fetch() }
        #expect(foreignError?.commit == foreign)
        #expect(foreignError?.message.contains("not from a trusted key") == true, "\(String(describing: foreignError))")

        let again = try repository.commit(["a.yaml": "four"], signedBy: trusted)
        #expect(try await source.fetch().commit == again, "a properly signed commit after bad ones is used")
    }

    @Test func aBinaryKeyringWorksAndAnUnreadableOneIsAClearError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = try GPGKey(in: directory.url, name: "binary")
        defer { key.stopAgent() }
        let binary = directory.url.appendingPathComponent("keyring.gpg")
        _ = try GitFixture.run(["sh", "-c", "\(key.program.path) --export \(key.email) > \(binary.path)"], in: directory.url)
        let repository = try GitFixture(in: directory.url)
        let signed = try repository.commit(["a.yaml": "one"], signedBy: key)
        var credentials = GitCredentials()
        credentials.signingKeyringPath = binary.path
        let source = GitSource(options: GitSourceOptions(url: repository.url, cacheDirectory: directory.url.appendingPathComponent("cache"), credentials: credentials))
        #expect(try await source.fetch().commit == signed)

        credentials.signingKeyringPath = directory.url.appendingPathComponent("missing.gpg").path
        let missing = GitSource(options: GitSourceOptions(url: repository.url, cacheDirectory: directory.url.appendingPathComponent("cache-2"), credentials: credentials))
        let error = await #expect(throws: GitError.self) { try await missing.fetch() }
        #expect(error?.description.contains("missing.gpg") == true)
        #expect(error?.remedy.contains("--verify-signatures") == true)
    }
}
