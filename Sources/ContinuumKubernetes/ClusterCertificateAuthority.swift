import Crypto
public import Foundation
import SwiftASN1
import X509

/// A certificate authority Continuum generates for a cluster and hands to k3s through the
/// first control-plane machine's cloud-init (k3s's "custom CA certificates": files placed
/// in `/var/lib/rancher/k3s/server/tls` before k3s first starts are used instead of CAs
/// k3s would generate). Because Continuum made the server CA, it knows what to trust
/// when it calls the cluster's API: exactly that CA. P-256 keys, ten years, like k3s's own.
/// The key is a generated secret (`GeneratedSecrets`), never in state, plans or logs.
public struct ClusterCertificateAuthority: Sendable, Hashable {
    /// Which of k3s's certificate authorities.
    public enum Role: String, Sendable, CaseIterable {
        /// Signs the API server's serving certificate: the one Continuum trusts.
        case server = "server-ca"
        /// Signs client certificates (kubelets, admins).
        case client = "client-ca"
        /// Signs the front proxy's client certificates (aggregation layer).
        case requestHeader = "request-header-ca"
    }

    /// Which CA it is.
    public var role: Role
    /// The CA certificate, PEM.
    public var certificatePEM: String
    /// Its private key, PEM (PKCS#8): a secret.
    public var privateKeyPEM: String

    /// Creates a CA from its PEM texts.
    public init(role: Role, certificatePEM: String, privateKeyPEM: String) {
        self.role = role
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// A new P-256 private key, PEM.
    public static func newPrivateKey() -> String {
        P256.Signing.PrivateKey().pemRepresentation
    }

    /// The self-signed CA certificate of `role` for `cluster` with the key `privateKeyPEM`,
    /// valid from an hour ago (clock skew) for ten years.
    /// - Throws: `ClusterCertificateError` when the key does not parse or signing fails.
    public static func certificate(cluster: String, role: Role, privateKeyPEM: String, now: Date = Date()) throws(ClusterCertificateError) -> String {
        do {
            let key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
            let name = try DistinguishedName {
                OrganizationName("continuum")
                CommonName("\(role.rawValue)@\(cluster)")
            }
            var generator = SystemRandomNumberGenerator()
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(bytes: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                    SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
            return try certificate.serializeAsPEM().pemString
        } catch {
            throw ClusterCertificateError(message: "cannot make the \(role.rawValue) certificate of KubernetesCluster/\(cluster): \(error)")
        }
    }

    /// The cloud-init `write_files` entries that put the CA where k3s looks for custom CAs
    /// (certificate 0644, key 0600), indented as items of `write_files`.
    public var writeFiles: [String] {
        let directory = "/var/lib/rancher/k3s/server/tls"
        func file(_ path: String, _ permissions: String, _ text: String) -> [String] {
            ["  - path: \(path)", "    permissions: \"\(permissions)\"", "    content: |"]
                + text.split(separator: "\n", omittingEmptySubsequences: true).map { "      " + $0 }
        }
        return file("\(directory)/\(role.rawValue).crt", "0644", certificatePEM) + file("\(directory)/\(role.rawValue).key", "0600", privateKeyPEM)
    }
}

extension ClusterCertificateAuthority: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The role and certificate only: the private key is redacted (string interpolation,
    /// `print`, `dump` and test failures never show it).
    public var description: String {
        "ClusterCertificateAuthority(role: \(role.rawValue), certificatePEM: \(certificatePEM.count) characters, privateKeyPEM: <redacted>)"
    }

    /// As `description`: the private key is redacted.
    public var debugDescription: String { description }

    /// The fields, the private key redacted (`dump`, debuggers).
    public var customMirror: Mirror {
        Mirror(self, children: ["role": role, "certificatePEM": certificatePEM, "privateKeyPEM": "<redacted>"], displayStyle: .struct)
    }
}

/// A cluster CA that could not be made.
public struct ClusterCertificateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed (never a key).
    public var message: String

    public var description: String { message }
}
