import Logging
import NIOCore
import PostgresNIO

/// Sends statements so that a connection the server closed fails them instead of losing them.
///
/// postgres-nio (1.33) writes a statement to the connection's channel without a write promise
/// and waits for its result. Once the server has closed the connection and NIO has taken the
/// channel's handlers down (a turn of the event loop after the close), such a write fails where
/// nobody hears it and the wait never ends. A pooled connection can meet that: the pool lends a
/// connection it has not yet heard is closed, and the server ends sessions between two
/// statements of a transaction (`pg_terminate_backend`, `idle_in_transaction_session_timeout`,
/// a restart). So every statement is checked and written in one turn of the connection's event
/// loop: while the channel is active its handlers are in place, and a close after that fails
/// the statement through them.
enum PostgresStatement {
    /// A statement was not sent: the server had closed the connection.
    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the server closed the connection" }
    }
}

extension PostgresConnection {
    /// Runs `query` and returns its rows, all read; throws `PostgresStatement.ConnectionClosed`
    /// at once when the connection is closed, and the server's or the driver's error otherwise.
    @discardableResult
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresQueryResult {
        try await eventLoop.flatSubmit {
            guard !self.isClosed else { return self.eventLoop.makeFailedFuture(PostgresStatement.ConnectionClosed()) }
            return self.query(query, logger: logger)
        }.get()
    }

    /// Returns once the connection, if it is closed, has announced its close, which is when the
    /// pool drops it: a lease given back after this does not lend the dead connection to the
    /// next transaction. An open connection returns at once.
    func settle() async {
        // Asked on the event loop, after the turn that delivered the failure and closed the channel.
        guard (try? await eventLoop.submit { self.isClosed }.get()) ?? true else { return }
        try? await closeFuture.get()
    }
}

extension PostgresQueryResult {
    /// The rows' first column, decoded.
    func decode<Column: PostgresDecodable>(_ column: Column.Type) throws -> [Column] {
        try map { try $0.decode(column) }
    }

    /// The rows' columns, decoded.
    func decode<each Column: PostgresDecodable>(_ columns: (repeat each Column).Type) throws -> [(repeat each Column)] {
        try map { try $0.decode(columns) }
    }
}
