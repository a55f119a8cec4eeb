import SQLKit

/// The SQL engines Doorstep speaks. Differences are few and named here, not scattered.
public enum SQLEngine: Sendable {
    case sqlite
    case postgres

    /// SQLite takes the write lock up front so two writers never deadlock on an upgrade.
    var beginTransaction: String {
        switch self {
        case .sqlite: "BEGIN IMMEDIATE"
        case .postgres: "BEGIN"
        }
    }

    /// The number of bits in which a BIGINT column differs from `value`, computed by the engine:
    /// PostgreSQL's `bit_count` (14+); on SQLite `hamming_distance`, which `SQLiteConnectionPool`
    /// installs on every connection.
    func hammingDistance(column: String, to value: Int64) -> SQLQueryString {
        switch self {
        case .sqlite: "hamming_distance(\(ident: column), \(bind: value))"
        case .postgres: "bit_count((\(ident: column) # \(bind: value))::bit(64))"
        }
    }

    /// Serialises concurrent migrators (several servers starting at once). SQLite's BEGIN
    /// IMMEDIATE already does; PostgreSQL needs an advisory lock held to the end of the transaction.
    var migrationLock: String? {
        switch self {
        case .sqlite: nil
        case .postgres: "SELECT pg_advisory_xact_lock(7420931)"
        }
    }
}

/// Hands out one connection at a time for exclusive use (a transaction needs all its statements
/// on the same connection).
public protocol SQLConnectionSource: Sendable {
    var engine: SQLEngine { get }
    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body`, a write transaction or writes outside one (`withTransaction`, `withWrite`),
    /// when this process's turn to write comes.
    func withWriteTurn<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T
    func shutdown() async throws
}

extension SQLConnectionSource {
    /// Writers take no turns in process by default: the engine's row locks order them.
    public func withWriteTurn<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await body()
    }

    /// Runs `body`, statements that write outside a transaction, in this process's write turn.
    func withWrite<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withWriteTurn { try await withConnection(body) }
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withWrite { db in
            try await db.raw(SQLQueryString(engine.beginTransaction)).run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}
