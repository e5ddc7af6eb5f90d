import Logging
import PostgresNIO
import SettleStorage
import Synchronization

/// One PostgreSQL connection driven by blocking calls: the bridge between the `Journal`
/// protocol's synchronous, one-writer-thread world and postgres-nio's event loops.
///
/// Why `EventLoopFuture.wait()` and not Swift concurrency: the connection lives on a NIO event
/// loop (by default `PostgresConnection.defaultEventLoopGroup`, NIO's process-wide
/// `MultiThreadedEventLoopGroup`). A call starts its statement with postgres-nio's
/// `EventLoopFuture` API, which hands it to that loop, and blocks the calling thread in
/// `wait()` until the loop completes it. The loop's threads are NIO's own, separate from the
/// Swift concurrency pool, so blocking the caller can never starve the work it waits for. The
/// alternative — a `Task` running the async API and a semaphore — deadlocks when the blocked
/// caller is itself a cooperative-pool thread and the pool (2 threads on a 2-core machine) has
/// none left to run the task. The one rule: never call from an event loop thread (`wait()`
/// traps there, since the loop could not run what it waits for). The engine's partition
/// writer threads and test functions are fine.
///
/// Timeouts: every statement has a deadline (`statementTimeoutMilliseconds`). If it passes, the
/// connection is closed, which fails the pending statement, so a call never hangs on a network
/// that dropped the connection silently. A closed or failed connection stays closed: the owner
/// (journal, lease manager, checkpoint store) reports the failure and is reopened by its user.
///
/// Not thread-safe: one thread at a time, like the journal that owns it.
final class PostgresSession {
    let connection: PostgresConnection
    let settings: PostgresSettings
    let logger: Logger
    /// The server process serving this connection (`pg_backend_pid()`), for `pg_stat_activity`.
    private(set) var backendProcessID: Int32 = 0
    private(set) var isClosed = false

    private init(connection: PostgresConnection, settings: PostgresSettings, logger: Logger) {
        self.connection = connection
        self.settings = settings
        self.logger = logger
    }

    /// Connects, sets `search_path` to the settings' schema and `application_name` to `purpose`.
    static func connect(
        _ settings: PostgresSettings, purpose: String, eventLoopGroup: any EventLoopGroup, logger: Logger
    ) throws(StorageError) -> PostgresSession {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(
                on: eventLoopGroup.next(), configuration: settings.connectionConfiguration, id: nextConnectionID(), logger: logger
            ).wait()
        } catch {
            throw StorageError(.ioFailure, "cannot connect to PostgreSQL at \(settings): \(PostgresFailure(error).text)", path: settings.description)
        }
        // Identifiers cannot be bind parameters; the schema name was validated when the settings
        // were made. The setup goes through `run`, so it has the statement deadline too.
        let session = PostgresSession(connection: connection, settings: settings, logger: logger)
        do {
            _ = try session.run(PostgresQuery(unsafeSQL: "SET search_path TO \"\(settings.schema)\""))
            _ = try session.run("SELECT set_config('application_name', \("settle " + purpose), false)")
            session.backendProcessID = try session.run("SELECT pg_backend_pid()").rows.first?.decode(Int32.self) ?? 0
            return session
        } catch {
            closeWithoutWaiting(connection)
            throw StorageError(.ioFailure, "cannot set up the PostgreSQL connection: \(PostgresFailure(error).text)", path: settings.description)
        }
    }

    /// Runs one statement and returns its rows and row count, or throws what went wrong.
    ///
    /// The caller waits on a promise of its own that either the statement or the deadline
    /// completes, whichever is first (NIO ignores the second completion). Closing the
    /// connection alone would not do: postgres-nio leaves a statement sent to a connection the
    /// server already ended without an answer, so only the deadline can end that wait.
    func run(_ query: PostgresQuery) throws(PostgresFailure) -> PostgresQueryResult {
        guard !isClosed, !connection.isClosed else {
            isClosed = true
            throw PostgresFailure(sqlState: nil, text: "the connection is closed")
        }
        let future = connection.query(query, logger: logger)
        let connection = self.connection
        let timeoutMilliseconds = settings.statementTimeoutMilliseconds
        let outcome = future.eventLoop.makePromise(of: PostgresQueryResult.self)
        future.cascade(to: outcome)
        let timeout = future.eventLoop.scheduleTask(in: .milliseconds(timeoutMilliseconds)) {
            outcome.fail(PostgresFailure(sqlState: nil, text: "no answer within \(timeoutMilliseconds) ms; the connection was closed"))
            closeWithoutWaiting(connection)
        }
        do {
            let result = try outcome.futureResult.wait()
            timeout.cancel()
            return result
        } catch {
            timeout.cancel()
            let failure = (error as? PostgresFailure) ?? PostgresFailure(error)
            if failure.isConnectionLost {
                isClosed = true
                closeWithoutWaiting(connection)
            }
            throw failure
        }
    }

    /// Runs one statement, turning a failure into a `StorageError` that says what was being done.
    func run(_ query: PostgresQuery, doing what: String) throws(StorageError) -> PostgresQueryResult {
        do {
            return try run(query)
        } catch {
            throw StorageError(.ioFailure, "PostgreSQL failed \(what): \(error.text)", path: settings.description)
        }
    }

    /// Closes the connection and waits for it to close.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        let closing: EventLoopFuture<Void> = connection.close()
        try? closing.wait()
    }

    deinit {
        if !isClosed { closeWithoutWaiting(connection) }
    }

    private static let connectionIDs = Atomic<Int>(0)
    private static func nextConnectionID() -> Int {
        connectionIDs.wrappingAdd(1, ordering: .relaxed).newValue
    }
}

/// Starts closing `connection` (the `EventLoopFuture` overload, which may be called anywhere).
/// The callback keeps the connection alive until it is closed: postgres-nio asserts that a
/// connection is closed before it is deinitialized.
func closeWithoutWaiting(_ connection: PostgresConnection) {
    let closing: EventLoopFuture<Void> = connection.close()
    closing.whenComplete { _ in withExtendedLifetime(connection) {} }
}

/// A failed statement: PostgreSQL's SQLSTATE when the server answered with an error, and a
/// one-line text without bind values (they may be ledger data).
struct PostgresFailure: Error {
    /// Five-character SQLSTATE from the server, nil for client-side and connection failures.
    var sqlState: String?
    var text: String

    init(sqlState: String?, text: String) {
        self.sqlState = sqlState
        self.text = text
    }

    init(_ error: any Error) {
        if let error = error as? PSQLError {
            let state = error.serverInfo?[.sqlState]
            sqlState = state
            if let message = error.serverInfo?[.message] {
                text = "\(message) (SQLSTATE \(state ?? "?"))"
                if let detail = error.serverInfo?[.detail] { text += ": \(detail)" }
            } else {
                text = "\(error.code)"
                if let underlying = error.underlying, !(underlying is PSQLError) { text += " (\(underlying))" }
            }
        } else {
            sqlState = nil
            text = "\(error)"
        }
    }

    /// SQLSTATE 23505: a primary key or unique constraint would be violated.
    var isUniqueViolation: Bool { sqlState == "23505" }

    /// The connection cannot be used any more (no server answer, or the server ended it:
    /// SQLSTATE class 08, 57P01 admin shutdown / terminated, 57P02, 57P03).
    var isConnectionLost: Bool {
        guard let sqlState else { return true }
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P")
    }
}
