import Crypto
import Foundation

/// Checks that a webhook comes from the Git host: GitHub's and the generic receiver's
/// `sha256=<hex>` HMAC of the body, GitLab's shared token. Comparisons take constant time.
public struct WebhookVerifier: Sendable {
    private let secret: SymmetricKey
    private let token: [UInt8]

    /// Creates a verifier for the shared secret (the contents of `--webhook-secret-file`,
    /// surrounding whitespace removed).
    public init(secret: String) {
        let trimmed = Array(secret.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        self.secret = SymmetricKey(data: trimmed)
        self.token = trimmed
    }

    /// Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 of `body` with the secret.
    public func isValidSignature(_ header: String?, body: [UInt8]) -> Bool {
        guard let header, header.hasPrefix("sha256="), let mac = Self.bytes(hex: header.dropFirst("sha256=".count)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: secret)
    }

    /// Whether `header` is the shared token.
    public func isValidToken(_ header: String?) -> Bool {
        guard let header else { return false }
        return ConstantTime.equals(Array(header.utf8), token)
    }

    /// The signature header value for `body`, as GitHub computes it: `sha256=<hex>`.
    public func signature(of body: [UInt8]) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: secret).map { String(format: "%02x", $0) }.joined()
    }

    private static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
