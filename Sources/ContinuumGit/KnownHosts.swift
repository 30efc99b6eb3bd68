import Crypto
import Foundation

/// An OpenSSH known_hosts file: which host keys to trust for which hosts. Plain and hashed
/// (`|1|salt|hash`) host patterns, `[host]:port` entries, `*`/`?` wildcards, negated
/// patterns and `@revoked` markers are understood; `@cert-authority` lines are skipped.
struct KnownHosts: Sendable {
    struct Entry: Sendable {
        var patterns: [String]
        var keyType: String
        var key: [UInt8]
        var revoked: Bool
    }

    var entries: [Entry]

    /// Parses the file's text; lines it cannot read are skipped, as ssh does.
    init(text: String) {
        var entries: [Entry] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            var revoked = false
            if first.hasPrefix("@") {
                guard first == "@revoked" else { continue }
                revoked = true
                fields.removeFirst()
            }
            guard fields.count >= 3, let key = Data(base64Encoded: fields[2]) else { continue }
            entries.append(Entry(patterns: fields[0].split(separator: ",").map(String.init), keyType: fields[1], key: Array(key), revoked: revoked))
        }
        self.entries = entries
    }

    /// What the file says of `key` for `host` on `port`.
    enum Verdict: Equatable {
        case trusted
        case revoked
        /// The host is known with other keys: a changed key, possibly an attack.
        case mismatch
        case unknownHost
    }

    func verify(host: String, port: Int?, key: [UInt8]) -> Verdict {
        let name = port.map { $0 == 22 ? host : "[\(host)]:\($0)" } ?? host
        let matching = entries.filter { Self.matches($0.patterns, name) }
        if matching.contains(where: { $0.revoked && $0.key == key }) { return .revoked }
        if matching.contains(where: { !$0.revoked && $0.key == key }) { return .trusted }
        return matching.contains { !$0.revoked } ? .mismatch : .unknownHost
    }

    private static func matches(_ patterns: [String], _ name: String) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("|1|") {
                if hashedMatches(pattern, name) { matched = true }
            } else if pattern.hasPrefix("!") {
                if wildcard(Array(pattern.dropFirst().lowercased()), Array(name.lowercased())) { return false }
            } else if wildcard(Array(pattern.lowercased()), Array(name.lowercased())) {
                matched = true
            }
        }
        return matched
    }

    /// `|1|base64(salt)|base64(HMAC-SHA1(salt, host))`.
    private static func hashedMatches(_ pattern: String, _ name: String) -> Bool {
        let parts = pattern.split(separator: "|", omittingEmptySubsequences: true)
        guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])), let hash = Data(base64Encoded: String(parts[2])) else { return false }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(name.utf8), using: SymmetricKey(data: salt))
        return Data(mac) == hash
    }

    /// Glob matching with `*` and `?`, as ssh's host patterns use.
    private static func wildcard(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0, star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
