import ContinuumState
import Foundation
import PostgresNIO

/// Turns what postgres-nio throws into one-line `StateError`s with a remedy. The password is
/// never part of them: the texts come from the error's code, the server's message and the
/// location (which holds none), and any copy of the password is blanked out regardless.
struct PostgresFailure {
    let location: PostgresLocation
    let password: String?

    /// The state error for `error`, raised while trying to `what`.
    func stateError(_ error: any Error, doing what: String) -> StateError {
        if let error = error as? StateError { return error }
        let (code, message, remedy) = explain(error)
        return StateError(code, location: location.description, message: scrub("cannot \(what): \(message)"), remedy: remedy)
    }

    private func explain(_ error: any Error) -> (StateError.Code, String, String) {
        let endpoint = "\(location.host):\(location.port)"
        if error is PostgresStatement.ConnectionClosed {
            return (.io, "the connection to \(endpoint) was lost", Self.lostRemedy)
        }
        guard let error = error as? PSQLError else {
            return (.io, "\(error)", "check that PostgreSQL at \(endpoint) is reachable; the previous state is unchanged")
        }
        switch error.code {
        case .connectionError:
            let cause = error.underlying.map { "\($0)" } ?? "no connection"
            let refused = cause.lowercased().contains("refused")
            return (.cannotOpen, refused ? "connection refused by \(endpoint)" : "cannot connect to \(endpoint): \(cause)",
                "check that PostgreSQL runs and listens on \(endpoint) (pg_isready -h \(location.host) -p \(location.port)), and the host and port in --state")
        case .sslUnsupported:
            return (.cannotOpen, "the server at \(endpoint) does not offer TLS, but sslmode=\(location.tls.rawValue) requires it",
                "enable ssl on the server (ssl = on, with a certificate), or use sslmode=disable only on a trusted network")
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return (.cannotOpen, "the TLS handshake with \(endpoint) failed", "check the server's certificate and sslmode/sslrootcert in --state")
        case .authMechanismRequiresPassword:
            return (.cannotOpen, "the server asks user \(location.user) for a password and none was given", "set PGPASSWORD or pass --state-password-file")
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return (.io, "the connection to \(endpoint) was lost", Self.lostRemedy)
        case .server:
            return server(error)
        default:
            return (.io, "\(error.code)", "check the server's log; the transaction was rolled back")
        }
    }

    private static let lostRemedy = "check that PostgreSQL is up; the transaction was rolled back and nothing was recorded half-way"

    private func server(_ error: PSQLError) -> (StateError.Code, String, String) {
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "a server error"
        switch state {
        case "28P01", "28000":
            return (.cannotOpen, "authentication failed for user \(location.user) (\(message))",
                "check the password in PGPASSWORD or --state-password-file, and the server's pg_hba.conf")
        case "3D000":
            return (.cannotOpen, message, "create the database first (createdb -h \(location.host) -p \(location.port) -U \(location.user) \(location.database))")
        case "42501":
            return (.cannotOpen, message, "grant user \(location.user) the right to create tables in the database (the schema is created at start)")
        case "40001", "40P01":
            return (.io, "\(message) (SQLSTATE \(state))", "try again; another writer changed the state at the same time")
        default:
            return (.io, "\(message) (SQLSTATE \(state))", "check the server's log; the transaction was rolled back")
        }
    }

    /// `text` with any copy of the password blanked out.
    func scrub(_ text: String) -> String {
        guard let password, password.count >= 1 else { return text }
        return text.replacingOccurrences(of: password, with: "[password]")
    }
}
