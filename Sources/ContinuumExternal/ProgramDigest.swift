import Crypto
import Foundation

/// The SHA-256 of a provider program's file, so that only the program the operator
/// reviewed is started. The digest is taken from the open descriptor that is then
/// executed (`/proc/self/fd`), so the file cannot be swapped between check and start.
enum ProgramDigest {
    /// The program's file differs from the one the operator declared.
    struct Mismatch: Error, CustomStringConvertible {
        /// The program's path.
        var program: String
        /// The SHA-256 the file has.
        var actual: String
        /// The SHA-256 the operator declared.
        var expected: String

        var description: String { "the program \(program) has SHA-256 \(actual), not the \(expected) the operator declared" }
    }

    /// The program's file may be written by its group or by anyone: whoever can, chooses
    /// what Continuum runs.
    struct Writable: Error, CustomStringConvertible {
        /// The program's path.
        var program: String

        var description: String { "the program \(program) may be written by users other than its owner" }
    }

    /// The SHA-256 of everything `descriptor` reads from its start, lowercase hex.
    static func sha256(of descriptor: Int32) throws -> String {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            if count == 0 { break }
            hasher.update(data: buffer[0..<count])
            offset += off_t(count)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
