/// A state store failure, with the store's location and what to do about it.
public struct StateError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: Sendable, Hashable {
        /// The store could not be opened.
        case cannotOpen
        /// A read or write failed.
        case io
        /// The store was written by a newer Continuum, or is damaged.
        case incompatible
        /// Another applier holds the lock.
        case locked
        /// The lease this store wrote under was taken over by another holder (its
        /// generation moved): the write was refused, and the holder must step down.
        case fenced
        /// The holder could not renew its lease within the renew deadline (the store did
        /// not answer, or the renewal was held up): it stops and steps down before the
        /// lease can lapse under it.
        case renewDeadlineExceeded
    }

    /// What kind of failure.
    public var code: Code
    /// The store's path or name.
    public var location: String
    /// What went wrong.
    public var message: String
    /// What to do about it.
    public var remedy: String

    /// Creates an error.
    public init(_ code: Code, location: String, message: String, remedy: String) {
        self.code = code
        self.location = location
        self.message = message
        self.remedy = remedy
    }

    public var description: String { "\(location): error: \(message); \(remedy)" }
}
