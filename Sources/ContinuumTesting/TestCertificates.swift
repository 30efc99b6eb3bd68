import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// Certificates for the tests' TLS servers: a CA of their own, and serving certificates
/// for an IP address signed by a CA given as PEM (a cluster's, read from its cloud-init).
public enum TestCertificates {
    /// A new self-signed CA: its certificate and key, PEM.
    public static func authority(name: String) throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86_400 * 30),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    /// A serving certificate for the IPv4 `address` (in its subject alternative names),
    /// signed by the CA `authority` (certificate and key, PEM), and its key.
    public static func servingCertificate(for address: [UInt8], signedBy authority: (certificate: String, key: String)) throws -> (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) {
        let issuer = try Certificate(pemEncoded: authority.certificate)
        let issuerKey = try P256.Signing.PrivateKey(pemRepresentation: authority.key)
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86_400 * 30),
            issuer: issuer.subject, subject: try DistinguishedName { CommonName("kube-apiserver") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address)))])
            },
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        let pem = try certificate.serializeAsPEM().pemString
        return ([try NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem)], try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem))
    }
}
