@testable import ContinuumGit
import Crypto
import Foundation
import Testing

/// known_hosts matching: which host keys an SSH Git source trusts.
@Suite("known_hosts")
struct KnownHostsTests {
    static let key = Array("ssh-ed25519-key-bytes-of-the-server".utf8)
    static let other = Array("a-different-key".utf8)
    static let encoded = Data(key).base64EncodedString()

    static func hashed(_ host: String, salt: [UInt8] = Array("0123456789abcdefghij".utf8)) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(host.utf8), using: SymmetricKey(data: salt))
        return "|1|\(Data(salt).base64EncodedString())|\(Data(mac).base64EncodedString())"
    }

    @Test(arguments: [
        ("git.example.org ssh-ed25519 \(encoded)", "git.example.org", nil, KnownHosts.Verdict.trusted),
        ("git.example.org,10.0.0.1 ssh-ed25519 \(encoded) comment", "10.0.0.1", nil, .trusted),
        ("GIT.example.org ssh-ed25519 \(encoded)", "git.example.org", 22, .trusted),
        ("[git.example.org]:2222 ssh-ed25519 \(encoded)", "git.example.org", 2222, .trusted),
        ("git.example.org ssh-ed25519 \(encoded)", "git.example.org", 2222, .unknownHost),
        ("*.example.org ssh-ed25519 \(encoded)", "git.example.org", nil, .trusted),
        ("*.example.org,!git.example.org ssh-ed25519 \(encoded)", "git.example.org", nil, .unknownHost),
        ("\(hashed("git.example.org")) ssh-ed25519 \(encoded)", "git.example.org", nil, .trusted),
        ("\(hashed("other.example.org")) ssh-ed25519 \(encoded)", "git.example.org", nil, .unknownHost),
        ("git.example.org ssh-ed25519 \(Data(other).base64EncodedString())", "git.example.org", nil, .mismatch),
        ("@revoked git.example.org ssh-ed25519 \(encoded)\ngit.example.org ssh-ed25519 \(encoded)", "git.example.org", nil, .revoked),
        ("# git.example.org ssh-ed25519 \(encoded)", "git.example.org", nil, .unknownHost),
        ("@cert-authority *.example.org ssh-ed25519 \(encoded)", "git.example.org", nil, .unknownHost),
        ("git.example.org ssh-ed25519 not-base64!", "git.example.org", nil, .unknownHost),
    ] as [(String, String, Int?, KnownHosts.Verdict)])
    func verdicts(line: String, host: String, port: Int?, expected: KnownHosts.Verdict) {
        #expect(KnownHosts(text: line).verify(host: host, port: port, key: Self.key) == expected)
    }
}
