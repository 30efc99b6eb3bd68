import ContinuumKubernetes
import ContinuumTesting
import Foundation
import Testing

/// The cluster API client's TLS checks against the `KubernetesAPIStandIn`, and what a
/// cluster CA shows of itself.
@Suite("Kubernetes API client trust")
struct KubernetesAPIClientTests {
    /// A certificate from the cluster's own CA, but for another address (127.0.0.2, served
    /// on 127.0.0.1), is refused before any request: the name is checked, not only the CA.
    @Test func aCertificateOfTheClustersCAForAnotherAddressIsRefused() async throws {
        let api = try await KubernetesAPIStandIn()
        defer { api.stop() }
        let key = ClusterCertificateAuthority.newPrivateKey()
        let certificate = try ClusterCertificateAuthority.certificate(cluster: "k8s", role: .server, privateKeyPEM: key)
        let client = KubernetesAPIClient(endpoint: api.url, token: "a-token", trust: .certificateAuthority(certificate))
        try api.serve(signedBy: certificate, key: key, for: [127, 0, 0, 2])
        do {
            _ = try await client.readiness()
            Issue.record("a certificate for 127.0.0.2 was accepted on 127.0.0.1")
        } catch {
            #expect(error.isTrustFailure, "\(error)")
            #expect(error.message.contains("TLS verification failed") && error.message.contains("the API token was not sent"), "\(error)")
        }
        #expect(api.requests.isEmpty, "no request, so no token, was sent: \(api.requests)")
        // The same CA's certificate for the address connected to is trusted.
        try api.serve(signedBy: certificate, key: key)
        #expect(try await client.readiness())
        #expect(api.requests == ["GET /readyz"])
    }

    /// A CA's private key never shows in its description, debug description or mirror.
    @Test func aClusterCAsDescriptionRedactsItsPrivateKey() throws {
        let key = ClusterCertificateAuthority.newPrivateKey()
        let authority = ClusterCertificateAuthority(role: .server, certificatePEM: try ClusterCertificateAuthority.certificate(cluster: "k8s", role: .server, privateKeyPEM: key), privateKeyPEM: key)
        var dumped = ""
        dump(authority, to: &dumped)
        let keyBody = try #require(key.split(separator: "\n").dropFirst().first.map(String.init))
        for text in ["\(authority)", String(reflecting: authority), dumped] {
            // Computed first, so that a failure shows a Boolean and never the text.
            let leaks = text.contains(keyBody) || text.contains("PRIVATE KEY")
            #expect(!leaks, "the description shows the key")
            #expect(text.contains("server-ca") && text.contains("redacted"))
        }
    }
}
