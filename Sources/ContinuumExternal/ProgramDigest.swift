import Crypto
import Foundation

/// The SHA-256 of a provider program's file, so that only the program the operator
/// reviewed is started.
enum ProgramDigest {
    /// The file's SHA-256, lowercase hex.
    static func sha256(ofFile path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
