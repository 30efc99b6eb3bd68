/// What is wrong with a `postgres://` connection string. The text given is never repeated,
/// since it might hold a password.
public enum PostgresLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// It is not a URL.
    case malformed
    /// It holds a password.
    case passwordInURL
    /// A part is missing: `user`, `host` or `database`.
    case missing(String)
    /// The sslmode is not one of libpq's.
    case badTLSMode(String)
    /// A parameter this store does not know.
    case unknownParameter(String)

    public var description: String {
        let form = "postgres://USER@HOST:PORT/DB?sslmode=verify-full|verify-ca|require|prefer|disable"
        switch self {
        case .malformed:
            return "the PostgreSQL connection string is not a URL; write it as \(form)"
        case .passwordInURL:
            return "the PostgreSQL connection string holds a password, which would show in process listings; remove it and set PGPASSWORD or --state-password-file"
        case .missing(let part):
            return "the PostgreSQL connection string names no \(part); write it as \(form)"
        case .badTLSMode(let mode):
            return "unknown sslmode '\(mode)'; use one of \(PostgresLocation.TLSMode.allCases.map(\.rawValue).joined(separator: ", "))"
        case .unknownParameter(let name):
            return "unknown connection parameter '\(name)'; only sslmode and sslrootcert are understood"
        }
    }
}
