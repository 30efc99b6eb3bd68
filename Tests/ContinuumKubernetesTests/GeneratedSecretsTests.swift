import ContinuumKubernetes
import ContinuumTesting
import Foundation
import Testing

/// Generated cluster secrets live only in a directory of the controller's own.
@Suite("Generated secrets")
struct GeneratedSecretsTests {
    @Test func aSecretIsGeneratedOnceOwnerOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secrets = GeneratedSecrets(directory: directory.url.appendingPathComponent("secrets"))
        let token = try secrets.value("k8s.join-token")
        #expect(token.count == 64)
        #expect(try secrets.value("k8s.join-token") == token)
        let file = try FileManager.default.attributesOfItem(atPath: directory.url.appendingPathComponent("secrets/k8s.join-token").path)
        #expect((file[.posixPermissions] as? Int) == 0o600)
    }

    @Test(arguments: [("open", 0o755, "open to group or others (mode 755)"), ("link", 0, "not a directory")])
    func aDirectoryOthersCanReachIsRefused(name: String, mode: Int, message: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.url.appendingPathComponent(name)
        if mode == 0 {
            try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: target.path, withDestinationPath: directory.url.appendingPathComponent("elsewhere").path)
        } else {
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        }
        let error = #expect(throws: SecretStoreError.self) { try GeneratedSecrets(directory: target).value("k8s.join-token") }
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("k8s.join-token").path))
    }
}
