import ContinuumState
import Foundation

/// Where a PostgreSQL state lives, from `--state postgres://USER@HOST:PORT/DB?sslmode=…`.
/// It never holds a password: that comes from `PGPASSWORD` or `--state-password-file`, so
/// that it is not in process listings, shell histories or anything this value is shown in.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is protected, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, unverified (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is not verified.
        case require
        /// TLS, the certificate verified against the trusted roots, not the host name.
        case verifyCA = "verify-ca"
        /// TLS, the certificate and the host name verified.
        case verifyFull = "verify-full"
    }

    /// The user name.
    public var user: String
    /// The server's host name or address.
    public var host: String
    /// Its port.
    public var port: Int
    /// The database.
    public var database: String
    /// The TLS mode.
    public var tls: TLSMode
    /// A file of trusted root certificates (PEM), instead of the system's (`sslrootcert`).
    public var rootCertificates: String?

    /// Creates a location.
    public init(user: String, host: String, port: Int = 5432, database: String, tls: TLSMode = .prefer, rootCertificates: String? = nil) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.tls = tls
        self.rootCertificates = rootCertificates
    }

    /// Whether `text` names a PostgreSQL state (`postgres://` or `postgresql://`) rather than a file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a connection string.
    /// - Throws: `PostgresLocationError` saying what is wrong, never repeating a password.
    public static func parse(_ text: String) throws(PostgresLocationError) -> PostgresLocation {
        guard isPostgres(text), let components = URLComponents(string: text) else { throw .malformed }
        if components.password != nil { throw .passwordInURL }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else { throw .missing("user") }
        guard let host = components.host, !host.isEmpty else { throw .missing("host") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw .missing("database") }
        var location = PostgresLocation(user: user, host: host, port: components.port ?? 5432, database: database)
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else { throw .badTLSMode(item.value ?? "") }
                location.tls = mode
            case "sslrootcert":
                location.rootCertificates = item.value
            default:
                throw .unknownParameter(item.name)
            }
        }
        return location
    }

    /// The connection string, without a password (there is none in it).
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }
}
