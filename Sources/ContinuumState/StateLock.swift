public import Foundation

/// Who holds the exclusive apply lock of a state, and until when.
public struct StateLock: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The holder, such as `continuum apply (pid 4242 on host-a)`.
    public var holder: String
    /// When it was taken.
    public var acquiredAt: Date
    /// When it lapses unless renewed (a crashed holder does not block forever).
    public var expiresAt: Date
    /// The holder's host, so an applier on the same host can tell a dead holder.
    public var host: String?
    /// The holder's process id on `host`.
    public var processID: Int32?
    /// The fencing token: it increases every time another holder takes the lease, and
    /// every write made under the lease checks it in the same transaction.
    public var generation: Int64?

    /// Creates a lock record.
    public init(holder: String, acquiredAt: Date, expiresAt: Date, host: String? = nil, processID: Int32? = nil, generation: Int64? = nil) {
        self.holder = holder
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
        self.host = host
        self.processID = processID
        self.generation = generation
    }

    public var description: String {
        "\(holder), since \(ISO8601DateFormatter().string(from: acquiredAt)), until \(ISO8601DateFormatter().string(from: expiresAt)) unless renewed"
    }
}
